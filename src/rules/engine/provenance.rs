//! Provenance: what a value is by what produced it, whose token a
//! verifying decode accepts, and what code does next with an unverified
//! decode's result. The judgement is `analysis::provenance`'s; this family
//! turns it into yes, no or unknown for a condition, with the policy's name
//! classes as the evidence names give.

use crate::analysis::provenance::context::{function_words, is_command_line_program, split_words};
use crate::analysis::provenance::signing::{TokenOrigin, argument, signing_index, verified_token_origin};
use crate::analysis::provenance::uses::{NextUse, unverified_result_use};
use crate::analysis::provenance::{TokenKind, token_kind};
use crate::analysis::resolve::{Loc, Resolved, dotted_text};
use crate::analysis::sites::consistency::stronger_site;
use crate::analysis::values::{duration_seconds, is_opaque};
use crate::model::{Call, StructDef, TemplatePart, Value, ValueKind};
use crate::rules::Predicate;

use super::evidence::witness_for;
use super::values::known;
use super::{Ctx, Outcome, Target, Witness};

/// Types an `address` claim can have without being a postal address.
const NETWORK_ADDRESS_TYPES: &[&str] = &[
    "Address",
    "H160",
    "H256",
    "SocketAddr",
    "IpAddr",
    "Ipv4Addr",
    "Ipv6Addr",
    "Url",
    "Uri",
    "Pubkey",
    "PublicKey",
    "Multiaddr",
    "AccountId",
    "u64",
    "u128",
    "i64",
];

impl<'p> Ctx<'_, 'p> {
    /// Whether the value (as written at `loc`) is one of `kinds`.
    pub(super) fn token_kind_in(
        &self,
        kinds: &[TokenKind],
        original: &'p Value,
        loc: Loc,
        witness: Witness<'p>,
    ) -> Outcome<'p> {
        let provenance = token_kind(self.resolver, original, loc, self.policy);
        if kinds.contains(&provenance.kind) {
            Outcome::Yes(witness_for(provenance.span, witness))
        } else {
            Outcome::No
        }
    }

    /// A token this function made, printed by a command-line program: the
    /// output is what the person who ran it asked for.
    pub(super) fn made_for_cli_output(&self, original: &'p Value, loc: Loc, witness: Witness<'p>) -> Outcome<'p> {
        let provenance = token_kind(self.resolver, original, loc, self.policy);
        let made_here = provenance.kind.is_credential() && !provenance.by_name;
        Outcome::from_bool(made_here && is_command_line_program(self.resolver, loc), witness)
    }

    /// Predicates about a call as a whole (`result = true`).
    pub(super) fn about_call(&self, call: &'p Call, target: &Target<'p>, predicate: &Predicate) -> Outcome<'p> {
        let module = self.resolver.module(self.module);
        let Some(id) = module.calls.iter().position(|c| std::ptr::eq(c, call)) else {
            return Outcome::Unknown;
        };
        let witness = Witness::at(target.anchor, None);
        let origin = || verified_token_origin(self.resolver, call, target.loc, self.policy);
        match predicate {
            Predicate::UsedAsTrusted => match unverified_result_use(self.resolver, self.module, id) {
                NextUse::Trusted(_) => Outcome::Yes(witness),
                NextUse::Peek | NextUse::Unknown => Outcome::No,
            },
            Predicate::ThirdPartyToken => Outcome::from_bool(origin() == TokenOrigin::ThirdParty, witness),
            Predicate::FirstPartyToken => Outcome::from_bool(matches!(origin(), TokenOrigin::FirstParty(_)), witness),
            Predicate::ExpiryGuaranteed => match self.decode_requires_exp(call, target.loc) {
                Some(true) => Outcome::Yes(witness),
                None => Outcome::Unknown,
                Some(false) => match origin() {
                    TokenOrigin::FirstParty(used) => Outcome::from_bool(!used.signed_without_exp, witness),
                    _ => Outcome::Unknown,
                },
            },
            Predicate::ConfusableToken => match origin() {
                TokenOrigin::FirstParty(used) if used.session_tokens && used.link_tokens => {
                    let told_apart = ["audience", "issuer"]
                        .iter()
                        .any(|k| call.args.iter().any(|a| a.keyword.as_deref() == Some(*k)));
                    if call.star_kwargs {
                        Outcome::Unknown
                    } else {
                        Outcome::from_bool(!told_apart, witness)
                    }
                }
                _ => Outcome::No,
            },
            Predicate::WeakerVerification => self.weaker_verification(call, witness),
            _ => Outcome::Unknown,
        }
    }

    /// JWT206: this verify site checks less than another of the same key or
    /// issuer; the other is the related location.
    fn weaker_verification(&self, call: &'p Call, mut witness: Witness<'p>) -> Outcome<'p> {
        let Some((stronger, reasons)) = stronger_site(self.resolver, self.module, call.span, self.policy) else {
            return Outcome::No;
        };
        let name = match &stronger.function {
            Some(function) => format!("`{function}` ({})", stronger.place),
            None => format!("the decode at {}", stronger.place),
        };
        witness.related = Some(Box::new((
            stronger.module,
            stronger.call,
            "this verification checks more".to_string(),
        )));
        Outcome::Yes(witness.named(name).displayed(reasons.join(", ")))
    }

    /// Whether a PyJWT or python-jose decode requires `exp`
    /// (`options={"require": ["exp"]}`, `options={"require_exp": True}`);
    /// `None` when its options cannot be seen.
    fn decode_requires_exp(&self, call: &'p Call, loc: Loc) -> Option<bool> {
        if call.star_kwargs {
            return None;
        }
        let Some(options) = argument(&call.args, Some("options"), 3) else {
            return Some(false);
        };
        let resolved = self.resolver.resolve(options, loc);
        let ValueKind::Dict { entries, open } = &resolved.value.kind else {
            return if is_opaque(resolved.value) { None } else { Some(false) };
        };
        for (k, v) in entries {
            let v = self.resolver.resolve(v, resolved.loc);
            match &self.resolver.resolve(k, resolved.loc).value.kind {
                ValueKind::Str(k) if k == "require_exp" => return Some(matches!(v.value.kind, ValueKind::Bool(true))),
                ValueKind::Str(k) if k == "require" => {
                    return match &v.value.kind {
                        ValueKind::List(items) => Some(items.iter().any(
                            |i| matches!(&self.resolver.resolve(i, v.loc).value.kind, ValueKind::Str(s) if s == "exp"),
                        )),
                        _ => None,
                    };
                }
                ValueKind::Str(_) => {}
                _ => return None,
            }
        }
        if *open { None } else { Some(false) }
    }

    /// Checked against an allowlist before use: a name on the way is tested
    /// for membership (`if alg not in ALLOWED`, `ALLOWED.contains(&alg)`,
    /// `matches!(alg, Algorithm::RS256)`) in the function it is read in.
    pub(super) fn allowlisted(&self, original: &'p Value, loc: Loc, witness: Witness<'p>) -> Outcome<'p> {
        let mut names = Vec::new();
        self.names_on_the_way(original, loc, 0, &mut names);
        let module = self.resolver.module(loc.module);
        let tested = names.iter().any(|(text, scope)| {
            module.membership_tests.iter().any(|(s, n)| s == scope && n == text)
                || module.calls.iter().any(|call| {
                    call.scope == *scope
                        && is_membership_call(call)
                        && call.args.iter().any(|a| dotted_text(&a.value).as_deref() == Some(text))
                })
        });
        Outcome::from_bool(tested, witness)
    }

    fn names_on_the_way(&self, value: &'p Value, loc: Loc, depth: usize, out: &mut Vec<(String, usize)>) {
        if depth > 8 {
            return;
        }
        if let Some(text) = dotted_text(value) {
            out.push((text, loc.scope));
        }
        match &value.kind {
            ValueKind::Name(name) => {
                if let crate::analysis::resolve::Lookup::Bound(binding) =
                    self.resolver.lookup(name, loc, value.span.start)
                {
                    self.names_on_the_way(&binding.value, loc.with_scope(binding.scope), depth + 1, out);
                }
            }
            ValueKind::List(items) => items.iter().for_each(|i| self.names_on_the_way(i, loc, depth + 1, out)),
            _ => {}
        }
    }

    /// A claims mapping with a personal-data key, read with its context: an
    /// `address` beside a `chain_id` (or of a network type) is not a postal
    /// address, and a one-time link token may carry the address it was sent to.
    pub(super) fn personal_data(&self, resolved: Resolved<'p>, loc: Loc, witness: Witness<'p>) -> Outcome<'p> {
        let ValueKind::Dict { entries, open } = &resolved.value.kind else {
            return known(resolved.value, false, witness);
        };
        let def = self.struct_of(resolved.value, resolved.loc);
        let for_a_link = match def {
            Some(def) => split_words(&def.name)
                .iter()
                .any(|w| self.policy.link_token_words.matches(w)),
            None => function_words(self.resolver, loc)
                .iter()
                .any(|w| self.policy.link_token_words.matches(w)),
        };
        if for_a_link {
            return Outcome::No;
        }
        let keys: Vec<Option<&str>> = entries
            .iter()
            .map(|(k, _)| match &self.resolver.resolve(k, resolved.loc).value.kind {
                ValueKind::Str(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        let networked = keys.iter().flatten().any(|k| self.policy.network_claims.matches(k));
        let mut unknown = *open;
        for ((k, _), key) in entries.iter().zip(&keys) {
            let Some(key) = key else {
                unknown = true;
                continue;
            };
            if !self.policy.personal_claims.matches(key) {
                continue;
            }
            let address = matches!(split_words(key).as_slice(), [w] if w == "address" || w == "addr");
            let network_type = def.is_some_and(|d| {
                d.field_types
                    .iter()
                    .any(|(f, t)| f == key && NETWORK_ADDRESS_TYPES.contains(&t.as_str()))
            });
            if address && (networked || network_type) {
                continue;
            }
            return Outcome::Yes(witness.narrow(k, resolved.loc.module, false).named(key.to_string()));
        }
        if unknown { Outcome::Unknown } else { Outcome::No }
    }

    /// The struct definition a shape value belongs to (`loc` is where it resolved).
    fn struct_of(&self, shape: &Value, loc: Loc) -> Option<&'p StructDef> {
        self.resolver
            .module(loc.module)
            .structs
            .iter()
            .find(|d| std::ptr::eq(&d.shape, shape))
    }

    /// A struct the project signs somewhere as a token payload; no for a
    /// mapping built here (a dict display, a struct literal).
    pub(super) fn token_payload(&self, resolved: Resolved<'p>, witness: Witness<'p>) -> Outcome<'p> {
        match self.struct_of(resolved.value, resolved.loc) {
            Some(def) => Outcome::from_bool(signing_index(self.resolver, self.policy).signs_type(&def.name), witness),
            None => known(resolved.value, false, witness),
        }
    }

    /// What clears a cookie: an empty string, or a duration known to be
    /// zero (`max_age=0`, `Duration::seconds(0)`, `0.days()`,
    /// `Duration::ZERO`). Anything not known to be one is not.
    pub(super) fn clearing_value(&self, original: &'p Value, loc: Loc, witness: Witness<'p>) -> Outcome<'p> {
        let resolved = self.resolver.resolve(original, loc);
        let clears = match &resolved.value.kind {
            ValueKind::Str(s) => s.is_empty(),
            ValueKind::Bytes(b) => b.is_empty(),
            ValueKind::Call(id) => {
                let call = &self.resolver.module(resolved.loc.module).calls[*id];
                duration_seconds(self.resolver, original, loc) == Some(0)
                    || matches!(&call.callee.kind, ValueKind::Attr(receiver, _) if matches!(receiver.kind, ValueKind::Int(0)))
            }
            _ => {
                duration_seconds(self.resolver, original, loc) == Some(0)
                    || self
                        .resolver
                        .value_paths(original, loc, 0)
                        .iter()
                        .any(|p| p.ends_with("::ZERO"))
            }
        };
        Outcome::from_bool(clears, witness)
    }

    /// A literal name with a token word that is not a credential's: exempt
    /// from the bearer names (`csrf_token`, `page_token`) or with a
    /// not-a-credential word (`captcha_token`).
    pub(super) fn non_credential_name(&self, value: &'p Value, witness: Witness<'p>) -> Outcome<'p> {
        let ValueKind::Str(name) = &value.kind else {
            return Outcome::No;
        };
        let words = split_words(name);
        let token_like = words.iter().any(|w| w == "token" || w == "jwt");
        let not_credential = words.iter().any(|w| self.policy.not_credential_words.matches(w));
        Outcome::from_bool(
            not_credential || (token_like && !self.policy.token_names.matches(name)),
            witness,
        )
    }

    /// A URL, route or endpoint name for a one-time link
    /// (`/reset-password?token=`, `"redash.public_dashboard"`), or a
    /// `#fragment` (never sent to a server).
    pub(super) fn link_url(&self, value: &'p Value, witness: Witness<'p>) -> Outcome<'p> {
        let text = match &value.kind {
            ValueKind::Str(s) => s.clone(),
            ValueKind::Template(parts) => parts
                .iter()
                .filter_map(|p| match p {
                    TemplatePart::Lit(s) => Some(s.as_str()),
                    TemplatePart::Hole(_) => None,
                })
                .collect::<Vec<_>>()
                .join(" "),
            _ => return known(value, false, witness),
        };
        let link = text.contains('#')
            || split_words(&text)
                .iter()
                .any(|w| self.policy.link_token_words.matches(w));
        Outcome::from_bool(link, witness)
    }
}

/// `ALLOWED.contains(&alg)`, `matches!(alg, …)`, `alg in (…)` lowered as a call.
fn is_membership_call(call: &Call) -> bool {
    match &call.callee.kind {
        ValueKind::Attr(_, method) => method == "contains" || method == "contains_key",
        ValueKind::Name(name) => name == "matches!" || name == "matches",
        ValueKind::Path(segments) => segments.last().is_some_and(|s| s == "matches!" || s == "matches"),
        _ => false,
    }
}

/// A string shaped like a secret: not prose (`"Authentication failed:
/// …"`), not a URL, a file path or a placeholder mask (`"--------"`). (A
/// variable's name is `names-a-variable`.)
pub(super) fn secret_shaped<'p>(value: &Value, witness: Witness<'p>) -> Outcome<'p> {
    let text = match &value.kind {
        ValueKind::Str(s) => s.clone(),
        ValueKind::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        _ => return known(value, false, witness),
    };
    Outcome::from_bool(is_secret_shaped(&text), witness)
}

fn is_secret_shaped(text: &str) -> bool {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return false;
    }
    if trimmed.contains("-----BEGIN") {
        return true; // a PEM block (public keys are judged apart)
    } // Prose is words of letters with sentence punctuation; a JSON key or a
    // token-separated blob is not.
    let tokens: Vec<&str> = trimmed.split_whitespace().collect();
    let words = tokens
        .iter()
        .filter(|t| {
            let bare = t.trim_matches(|c: char| matches!(c, '.' | ',' | ':' | ';' | '!' | '?' | '(' | ')' | '"'));
            !bare.is_empty() && bare.chars().all(|c| c.is_alphabetic() || c == '\'' || c == '-')
        })
        .count();
    let sentence = trimmed.contains(['.', ':', ',', '!', '?', ';']);
    let structured = trimmed.starts_with(['{', '[', '<']) || trimmed.contains("\":");
    let prose = !structured && words * 2 >= tokens.len() && ((words >= 3 && sentence) || words >= 8);
    let url = trimmed.contains("://");
    let path = trimmed.starts_with('/')
        || trimmed.starts_with("./")
        || trimmed.starts_with("../")
        || trimmed.starts_with("~/")
        || (trimmed.contains('/')
            && [".pem", ".key", ".json", ".txt", ".crt"]
                .iter()
                .any(|e| trimmed.ends_with(e)));
    let mut chars = trimmed.chars();
    let first = chars.next();
    let mask =
        trimmed.chars().count() >= 3 && first.is_some_and(|c| !c.is_alphanumeric()) && chars.all(|c| Some(c) == first);
    !(prose || url || path || mask)
}

#[cfg(test)]
mod tests {
    use super::is_secret_shaped;

    #[test]
    fn prose_urls_paths_masks_and_names_are_not_secrets() {
        for text in [
            "Authentication failed: the JWT secret is not set.",
            "https://vault.example.com/v1/secret",
            "/run/secrets/jwt.key",
            "--------",
        ] {
            assert!(!is_secret_shaped(text), "{text}");
        }
        for text in [
            "super-secret",
            "django-insecure-9f8e7d6c",
            "change me",
            "correct horse battery staple",
            "It's a secret to everybody",
            r#"{ "kty": "EC", "crv": "P-256", "d": "fixture-not-real" }"#,
        ] {
            assert!(is_secret_shaped(text), "{text}");
        }
    }
}
