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
            // `os.getenvb(b"JWT_SECRET", …)` names its variable in bytes.
            ValueKind::Bytes(b) => {
                let s = String::from_utf8_lossy(b);
                let yes = class.is_some_and(|c| c.matches(&s));
                Outcome::from_bool(yes, witness.named(s.into_owned()))
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
/// `super_secret` and `change-me` do not read as names, and neither does a
/// random key (`a8Fk29LmQz7Rt4Wp`, `QzRtWpXkLm`): the words of a real
/// identifier are words, with digits only at their end.
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
    (screaming || snake || camel) && reads_as_words(text)
}

/// Whether an identifier reads as words: at most one run of digits, and a
/// vowel in at least half of its words (`jwt_signing_key`, `AWSSecretKey`),
/// where a random run cut at its case changes gives `Qz`, `Rt`, `Wp`.
fn reads_as_words(text: &str) -> bool {
    let digit_runs = text
        .as_bytes()
        .windows(2)
        .filter(|pair| !pair[0].is_ascii_digit() && pair[1].is_ascii_digit())
        .count();
    if digit_runs > 1 {
        return false;
    }
    let words = identifier_words(text);
    let with_vowel = words
        .iter()
        .filter(|word| word.chars().any(|c| "aeiouyAEIOUY".contains(c)))
        .count();
    !words.is_empty() && with_vowel * 2 >= words.len()
}

/// An identifier cut into words at underscores and case changes
/// (`AWSSecretKey` is `AWS`, `Secret`, `Key`); digits stay with the word
/// before them.
fn identifier_words(text: &str) -> Vec<&str> {
    let mut words = Vec::new();
    for part in text.split('_').filter(|p| !p.is_empty()) {
        let bytes = part.as_bytes();
        let mut start = 0;
        for i in 1..bytes.len() {
            let (before, here) = (bytes[i - 1], bytes[i]);
            let next_lower = bytes.get(i + 1).is_some_and(u8::is_ascii_lowercase);
            let boundary = (before.is_ascii_lowercase() && here.is_ascii_uppercase())
                || (before.is_ascii_uppercase() && here.is_ascii_uppercase() && next_lower)
                || (before.is_ascii_digit() && here.is_ascii_alphabetic());
            if boundary {
                words.push(&part[start..i]);
                start = i;
            }
        }
        words.push(&part[start..]);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::names_a_variable;

    #[test]
    fn names_of_variables_are_told_from_random_keys() {
        for name in [
            "AWS_SECRET_ACCESS_KEY",
            "aws_secret_access_key",
            "AWSSecretKey",
            "jwtSigningKey",
            "APP_SECRET_KEY2",
            "HMAC_KEY",
            "myAppSecretValue",
        ] {
            assert!(names_a_variable(name), "{name} names a variable");
        }
        for key in [
            "a8Fk29LmQz7Rt4Wp",
            "QzRtWpXkLmNbVc",
            "k9XmPq2RtYw7ZnLb4HsJ8dGf",
            "xK3_mP9_qR2_tY7",
            "Zx8vQm3Tn5Wp1Ly6Rk4Hb9Jd2Gf7Cs0Ae",
            "supersecret",
            "super_secret",
            "change-me",
        ] {
            assert!(!names_a_variable(key), "{key} does not name a variable");
        }
    }
}
