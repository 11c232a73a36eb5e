//! Names: a string that is a name of a policy class (`"JWT_SECRET"` is a
//! secret name), a string that reads as a variable's name rather than a
//! secret, and dicts (or lists of pairs) with or without a key.

use crate::analysis::resolve::{Loc, Resolved};
use crate::analysis::values::is_opaque;
use crate::model::{Value, ValueKind};

use super::values::known;
use super::{Ctx, Outcome, Witness};

/// A string literal that reads as the name of a variable or setting.
pub(super) fn names_a_variable_value<'p>(value: &Value, witness: Witness<'p>) -> Outcome<'p> {
    match &value.kind {
        ValueKind::Str(s) => Outcome::from_bool(names_a_variable(s), witness),
        _ => known(value, false, witness),
    }
}

impl<'p> Ctx<'_, 'p> {
    /// A string that is a name of `class`, or a constant whose path ends in
    /// one (`header::AUTHORIZATION`).
    pub(super) fn names(
        &self,
        class: &str,
        original: &'p Value,
        original_loc: Loc,
        value: &'p Value,
        witness: Witness<'p>,
    ) -> Outcome<'p> {
        let class = self.policy.name_class(class);
        match &value.kind {
            ValueKind::Str(s) => {
                let yes = class.is_some_and(|c| c.matches(s));
                Outcome::from_bool(yes, witness.named(s.clone()))
            }
            _ if is_opaque(value) => {
                let paths = self.resolver.value_paths(original, original_loc, 0);
                let last = paths
                    .iter()
                    .filter_map(|p| p.rsplit([':', '.']).next())
                    .find(|last| class.is_some_and(|c| c.matches(last)));
                match last {
                    Some(name) => Outcome::Yes(witness.named(name.to_string())),
                    None => Outcome::Unknown,
                }
            }
            _ => Outcome::No,
        }
    }

    /// A dict with a key of `class`; `[("access_token", t)]`, a list of
    /// pairs, is a mapping too.
    pub(super) fn has_key_in(&self, class: &str, resolved: Resolved<'p>, witness: Witness<'p>) -> Outcome<'p> {
        match &resolved.value.kind {
            ValueKind::List(pairs) => self.has_pair_key_in(class, pairs, resolved.loc, witness),
            ValueKind::Dict { entries, open } => {
                let class = self.policy.name_class(class);
                let mut unknown = *open;
                for (k, _) in entries {
                    let key = self.resolver.resolve(k, resolved.loc);
                    match &key.value.kind {
                        ValueKind::Str(s) if class.is_some_and(|c| c.matches(s)) => {
                            return Outcome::Yes(witness.narrow(k, resolved.loc.module, false).named(s.clone()));
                        }
                        ValueKind::Str(_) => {}
                        _ => unknown = true,
                    }
                }
                if unknown { Outcome::Unknown } else { Outcome::No }
            }
            _ => known(resolved.value, false, witness),
        }
    }

    fn has_pair_key_in(&self, class: &str, pairs: &'p [Value], loc: Loc, witness: Witness<'p>) -> Outcome<'p> {
        let class = self.policy.name_class(class);
        let mut unknown = false;
        for pair in pairs {
            let pair = self.resolver.resolve(pair, loc);
            let ValueKind::List(parts) = &pair.value.kind else {
                unknown = true;
                continue;
            };
            let Some(key) = parts.first() else { continue };
            match &self.resolver.resolve(key, pair.loc).value.kind {
                ValueKind::Str(s) if class.is_some_and(|c| c.matches(s)) => {
                    return Outcome::Yes(witness.narrow(key, pair.loc.module, false).named(s.clone()));
                }
                ValueKind::Str(_) => {}
                _ => unknown = true,
            }
        }
        if unknown { Outcome::Unknown } else { Outcome::No }
    }

    /// A dict known to have no `key` (unknown when it is open or has a key
    /// that does not resolve).
    pub(super) fn lacks_key(&self, key: &str, resolved: Resolved<'p>, witness: Witness<'p>) -> Outcome<'p> {
        let ValueKind::Dict { entries, open } = &resolved.value.kind else {
            return known(resolved.value, false, witness);
        };
        let mut unknown = *open;
        for (k, _) in entries {
            match &self.resolver.resolve(k, resolved.loc).value.kind {
                ValueKind::Str(s) if s == key => return Outcome::No,
                ValueKind::Str(_) => {}
                _ => unknown = true,
            }
        }
        if unknown {
            Outcome::Unknown
        } else {
            Outcome::Yes(witness)
        }
    }
}

/// `AWS_SECRET_ACCESS_KEY`, `aws_secret_access_key`, `AWSSecretKey`: the
/// name of where a secret is kept, not a secret. `supersecret`,
/// `super_secret` and `change-me` do not read as names.
fn names_a_variable(text: &str) -> bool {
    let identifier = !text.is_empty()
        && text.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !identifier {
        return false;
    }
    let underscores = text.matches('_').count();
    let upper = text.chars().filter(|c| c.is_ascii_uppercase()).count();
    let lower = text.chars().filter(|c| c.is_ascii_lowercase()).count();
    let screaming = lower == 0 && underscores >= 1;
    let snake = upper == 0 && underscores >= 2;
    let camel = underscores == 0 && lower > 0 && text.chars().skip(1).filter(|c| c.is_ascii_uppercase()).count() >= 2;
    screaming || snake || camel
}
