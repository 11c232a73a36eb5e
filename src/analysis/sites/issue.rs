//! What an issue site (a JWT encode) says: algorithm, key, lifetime, claims
//! and what kind of token it makes.

use crate::analysis::project::ModuleId;
use crate::analysis::provenance::TokenNames;
use crate::analysis::provenance::context::{call_is_for_link, function_words};
use crate::analysis::provenance::signing::{argument, rust_algorithm};
use crate::analysis::resolve::{Loc, Resolver};
use crate::analysis::values::{NOW_CALLS, duration_seconds, expiry_lifetime, int_value};
use crate::model::{Call, Span, Value, ValueKind};

use super::keys::{KeyFacts, key_facts};
use super::{Library, SiteCall};

/// How long the tokens of an issue site live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lifetime {
    /// `exp` is now plus this many seconds.
    Seconds(i128),
    /// The payload is known and has no `exp`: the token never expires.
    NoExpiry,
    Unknown,
}

/// What kind of token an issue site makes, by what the code says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenUse {
    Access,
    Refresh,
    OneTime,
    Unknown,
}

impl TokenUse {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenUse::Access => "access",
            TokenUse::Refresh => "refresh",
            TokenUse::OneTime => "one-time",
            TokenUse::Unknown => "unknown",
        }
    }
}

#[derive(Clone, Debug)]
pub struct IssueFacts {
    /// The algorithms it signs with (one), `None` when unknown.
    pub algorithms: Option<Vec<String>>,
    /// The algorithm is the library's default (none was given).
    pub algorithm_default: bool,
    pub key: Option<KeyFacts>,
    pub lifetime: Lifetime,
    /// Where the lifetime is chosen (the constant or literal it folds from).
    pub lifetime_chosen: Option<(ModuleId, Span)>,
    /// The payload's claim names; `None` when they cannot be listed.
    pub claims: Option<Vec<String>>,
    pub token_use: TokenUse,
    /// Where the payload is built, when it is a dict or struct literal.
    pub payload_at: Option<(ModuleId, Span)>,
}

/// The facts of the issue site `call` (see [`super::site_call`]).
pub fn issue_facts(resolver: &Resolver, site: &SiteCall, call: &Call, loc: Loc, names: &dyn TokenNames) -> IssueFacts {
    let rust = site.library == Library::Jsonwebtoken;
    let (payload, key) = if rust {
        (argument(&call.args, None, 1), argument(&call.args, None, 2))
    } else {
        (
            argument(&call.args, Some("payload"), 0).or_else(|| argument(&call.args, Some("claims"), 0)),
            argument(&call.args, Some("key"), 1),
        )
    };
    let (algorithms, algorithm_default) = if rust {
        rust_header_algorithm(resolver, argument(&call.args, None, 0), loc)
    } else {
        python_algorithm(resolver, call, loc)
    };
    let payload_entries = payload.and_then(|p| payload_entries(resolver, p, loc));
    let exp = payload_entries
        .as_ref()
        .and_then(|(entries, _, at, _)| entries.iter().find(|(k, _)| k == "exp").map(|(_, v)| (*v, *at)));
    let (lifetime, mut lifetime_chosen) = match (&payload_entries, exp) {
        (_, Some((value, at))) => (
            expiry_lifetime(resolver, value, at, NOW_CALLS).map_or(Lifetime::Unknown, Lifetime::Seconds),
            constant_origin(resolver, value, at, 0).or(Some((at.module, value.span))),
        ),
        (Some((_, false, _, _)), None) => (Lifetime::NoExpiry, None),
        _ => (Lifetime::Unknown, None),
    };
    let claims = payload_entries
        .as_ref()
        .filter(|(_, open, _, _)| !open)
        .map(|(entries, _, _, _)| entries.iter().map(|(k, _)| k.clone()).collect());
    let type_claim = payload_entries.as_ref().and_then(|(entries, _, at, _)| {
        entries
            .iter()
            .find(|(k, _)| matches!(k.as_str(), "type" | "token_type" | "typ"))
            .and_then(|(_, v)| match &resolver.resolve(v, *at).value.kind {
                ValueKind::Str(s) => Some(s.to_ascii_lowercase()),
                _ => None,
            })
    });
    if lifetime == Lifetime::Unknown {
        lifetime_chosen = None;
    }
    IssueFacts {
        algorithms,
        algorithm_default,
        key: key.map(|k| key_facts(resolver, k, loc)),
        lifetime,
        lifetime_chosen,
        claims,
        token_use: token_use(resolver, call, loc, names, type_claim.as_deref()),
        payload_at: payload_entries.as_ref().map(|(_, _, at, span)| (at.module, *span)),
    }
}

fn python_algorithm(resolver: &Resolver, call: &Call, loc: Loc) -> (Option<Vec<String>>, bool) {
    match argument(&call.args, Some("algorithm"), 2) {
        None if call.star_kwargs => (None, false),
        // PyJWT and python-jose both sign with HS256 when told nothing.
        None => (Some(vec!["HS256".to_string()]), true),
        Some(value) => match &resolver.resolve(value, loc).value.kind {
            ValueKind::Str(s) => (Some(vec![s.clone()]), false),
            ValueKind::Null => (Some(vec!["none".to_string()]), false),
            _ => (None, false),
        },
    }
}

/// `&Header::default()` (HS256), `&Header::new(Algorithm::RS256)`.
fn rust_header_algorithm(resolver: &Resolver, header: Option<&Value>, loc: Loc) -> (Option<Vec<String>>, bool) {
    let Some(header) = header else { return (None, false) };
    let resolved = resolver.resolve(header, loc);
    let ValueKind::Call(id) = &resolved.value.kind else {
        return (None, false);
    };
    let call = &resolver.module(resolved.loc.module).calls[*id];
    let paths = resolver.callee_paths(call, resolved.loc.module);
    if paths.iter().any(|p| p.ends_with("Header::default")) {
        return (Some(vec!["HS256".to_string()]), true);
    }
    if paths.iter().any(|p| p.ends_with("Header::new"))
        && let Some(first) = call.args.first()
        && let Some(name) = known_algorithm(rust_algorithm(
            resolver,
            &first.value,
            resolved.loc.with_scope(call.scope),
        ))
    {
        return (Some(vec![name]), false);
    }
    (None, false)
}

/// An algorithm name the JOSE registry knows; anything else is unknown.
pub(super) fn known_algorithm(name: Option<String>) -> Option<String> {
    name.filter(|n| crate::analysis::values::algorithm_family(n).is_some() || n.eq_ignore_ascii_case("none"))
}

/// A payload's entries by key (a dict display or a struct literal), whether
/// more may be present, and where they are read.
type Entries<'p> = (Vec<(String, &'p Value)>, bool, Loc, Span);

fn payload_entries<'p>(resolver: &Resolver<'p>, payload: &'p Value, loc: Loc) -> Option<Entries<'p>> {
    let resolved = resolver.resolve(payload, loc);
    let ValueKind::Dict { entries, open } = &resolved.value.kind else {
        return None;
    };
    let mut open = *open;
    let mut out = Vec::new();
    for (k, v) in entries {
        match &resolver.resolve(k, resolved.loc).value.kind {
            ValueKind::Str(s) => out.push((s.clone(), v)),
            _ => open = true,
        }
    }
    Some((out, open, resolved.loc, resolved.value.span))
}

/// The constant or literal a lifetime folds from (`ACCESS_TOKEN_EXPIRE_MINUTES = 60 * 24 * 8`).
fn constant_origin(resolver: &Resolver, value: &Value, loc: Loc, depth: usize) -> Option<(ModuleId, Span)> {
    if depth > 8 {
        return None;
    }
    match &value.kind {
        ValueKind::Int(_) => Some((loc.module, value.span)),
        ValueKind::Name(_) | ValueKind::Attr(..) | ValueKind::Path(_) => {
            let resolved = resolver.resolve(value, loc);
            if !resolved.through_binding || std::ptr::eq(resolved.value, value) {
                return None;
            }
            let folds = int_value(resolver, resolved.value, resolved.loc).is_some()
                || duration_seconds(resolver, resolved.value, resolved.loc).is_some();
            if folds && !matches!(resolved.value.kind, ValueKind::BinOp(..) | ValueKind::Call(_)) {
                return Some((resolved.loc.module, resolved.value.span));
            }
            constant_origin(resolver, resolved.value, resolved.loc, depth + 1)
                .or_else(|| folds.then_some((resolved.loc.module, resolved.value.span)))
        }
        ValueKind::BinOp(_, left, right) => {
            constant_origin(resolver, left, loc, depth + 1).or_else(|| constant_origin(resolver, right, loc, depth + 1))
        }
        ValueKind::Call(id) => {
            if let Some(returned) = resolver.call_result(*id, loc)
                && let Some(found) = constant_origin(resolver, returned.value, returned.loc, depth + 1)
            {
                return Some(found);
            }
            let call = &resolver.module(loc.module).calls[*id];
            let inner = loc.with_scope(call.scope);
            let receiver = match &call.callee.kind {
                ValueKind::Attr(receiver, _) => constant_origin(resolver, receiver, inner, depth + 1),
                _ => None,
            };
            receiver.or_else(|| {
                call.args
                    .iter()
                    .find_map(|a| constant_origin(resolver, &a.value, inner, depth + 1))
            })
        }
        _ => None,
    }
}

fn token_use(resolver: &Resolver, call: &Call, loc: Loc, names: &dyn TokenNames, type_claim: Option<&str>) -> TokenUse {
    if call_is_for_link(resolver, call, loc, names) {
        return TokenUse::OneTime;
    }
    match type_claim {
        Some("refresh") => return TokenUse::Refresh,
        Some("access") => return TokenUse::Access,
        _ => {}
    }
    let words = function_words(resolver, loc.with_scope(call.scope));
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    if has(&["refresh"]) {
        TokenUse::Refresh
    } else if has(&["access", "login", "session", "signin"]) {
        TokenUse::Access
    } else {
        TokenUse::Unknown
    }
}
