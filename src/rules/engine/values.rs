//! Values and literals: strings and bytes, public keys, equality with and
//! membership of a literal, algorithm lists that mix families, and the size
//! of a generated key.

use crate::analysis::resolve::{Loc, Resolved};
use crate::analysis::values::{AlgorithmFamily, algorithm_family, generated_key_bytes, is_opaque, is_public_key};
use crate::model::{Value, ValueKind};
use crate::rules::Literal;

use super::{Ctx, Outcome, Witness};

/// How many closures a value may be unwrapped through (`|| || "dev"`).
const MAX_CLOSURE_DEPTH: usize = 8;

/// Yes or no about a value whose content is known; unknown otherwise.
pub(super) fn known<'p>(value: &Value, yes: bool, witness: Witness<'p>) -> Outcome<'p> {
    if is_opaque(value) {
        Outcome::Unknown
    } else {
        Outcome::from_bool(yes, witness)
    }
}

pub(super) fn public_key<'p>(value: &Value, witness: Witness<'p>) -> Outcome<'p> {
    let yes = match &value.kind {
        ValueKind::Str(s) => is_public_key(s.as_bytes()),
        ValueKind::Bytes(b) => is_public_key(b),
        _ => false,
    };
    known(value, yes, witness)
}

pub(super) fn equals<'p>(literal: &Literal, value: &Value, witness: Witness<'p>) -> Outcome<'p> {
    match literal_matches(literal, value) {
        Some(yes) => Outcome::from_bool(yes, witness),
        None => Outcome::Unknown,
    }
}

impl<'p> Ctx<'_, 'p> {
    /// A string or bytes literal (a non-empty one when `non_empty`). A
    /// closure returning a literal (`unwrap_or_else(|_| "dev".into())`) is
    /// a literal fallback.
    pub(super) fn string_literal(&self, non_empty: bool, resolved: Resolved<'p>, witness: Witness<'p>) -> Outcome<'p> {
        let (mut resolved, mut witness) = (resolved, witness);
        for _ in 0..MAX_CLOSURE_DEPTH {
            let ValueKind::Closure(body) = &resolved.value.kind else {
                break;
            };
            resolved = self.resolver.resolve(body, resolved.loc);
            // The evidence is the literal the closure returns, wherever it is written.
            witness = witness
                .narrow(body, resolved.loc.module, false)
                .narrow_resolved(&resolved);
        }
        let value = resolved.value;
        let yes = match &value.kind {
            ValueKind::Str(s) => !non_empty || !s.is_empty(),
            ValueKind::Bytes(b) => !non_empty || !b.is_empty(),
            _ => false,
        };
        known(value, yes, witness)
    }

    pub(super) fn generated_bytes_under(
        &self,
        threshold: &str,
        resolved: Resolved<'p>,
        witness: Witness<'p>,
    ) -> Outcome<'p> {
        let limit = self.policy.threshold(threshold).unwrap_or(0);
        match generated_key_bytes(self.resolver, resolved.value, resolved.loc) {
            Some(Some(bytes)) => Outcome::from_bool(bytes < limit, witness.displayed(format!("{bytes} bytes"))),
            Some(None) => Outcome::Unknown,
            None => known(resolved.value, false, witness),
        }
    }

    pub(super) fn contains(&self, literal: &Literal, value: &'p Value, loc: Loc, witness: Witness<'p>) -> Outcome<'p> {
        match &value.kind {
            ValueKind::List(items) => {
                let mut unknown = false;
                for item in items {
                    let resolved = self.resolver.resolve(item, loc);
                    match literal_matches(literal, resolved.value) {
                        Some(true) => {
                            return Outcome::Yes(witness.narrow(item, loc.module, false).narrow_resolved(&resolved));
                        }
                        Some(false) => {}
                        None => unknown = true,
                    }
                }
                if unknown { Outcome::Unknown } else { Outcome::No }
            }
            // A lone string where a list is expected is its own one-element list.
            ValueKind::Str(_) => match literal_matches(literal, value) {
                Some(true) => Outcome::Yes(witness),
                _ => Outcome::No,
            },
            _ if is_opaque(value) => Outcome::Unknown,
            _ => Outcome::No,
        }
    }

    pub(super) fn mixed_families(&self, value: &'p Value, loc: Loc, witness: Witness<'p>) -> Outcome<'p> {
        let ValueKind::List(items) = &value.kind else {
            return if is_opaque(value) {
                Outcome::Unknown
            } else {
                Outcome::No
            };
        };
        let (mut hmac, mut asymmetric, mut unknown) = (false, false, false);
        for item in items {
            // A string (`"HS256"`) or an enum path (`Algorithm::HS256`).
            let name = match &self.resolver.resolve(item, loc).value.kind {
                ValueKind::Str(name) => Some(name.clone()),
                _ => self
                    .resolver
                    .value_paths(item, loc, 0)
                    .iter()
                    .find(|p| p.contains("Algorithm::"))
                    .and_then(|p| p.rsplit("::").next().map(str::to_string)),
            };
            match name.as_deref().map(algorithm_family) {
                Some(Some(AlgorithmFamily::Hmac)) => hmac = true,
                Some(Some(AlgorithmFamily::Asymmetric)) => asymmetric = true,
                Some(None) => {}
                None => unknown = true,
            }
        }
        if hmac && asymmetric {
            Outcome::Yes(witness)
        } else if unknown {
            Outcome::Unknown
        } else {
            Outcome::No
        }
    }
}

/// Whether the literal equals the value: `None` when the value is not known.
fn literal_matches(literal: &Literal, value: &Value) -> Option<bool> {
    if is_opaque(value) {
        return None;
    }
    Some(match (literal, &value.kind) {
        (Literal::Str { text, ignore_case }, ValueKind::Str(s)) => {
            if *ignore_case {
                s.eq_ignore_ascii_case(text)
            } else {
                s == text
            }
        }
        (Literal::Str { text, ignore_case }, ValueKind::Bytes(b)) => {
            if *ignore_case {
                b.eq_ignore_ascii_case(text.as_bytes())
            } else {
                b == text.as_bytes()
            }
        }
        (Literal::Bool(want), ValueKind::Bool(b)) => want == b,
        (Literal::Int(want), ValueKind::Int(i)) => want == i,
        _ => false,
    })
}
