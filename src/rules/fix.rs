//! Fixes: the text edits that mend a finding, where the mend is mechanical
//! and safe. This module only plans them, from the lowered module: the
//! caller (`crate::fix`) applies a plan only after checking that the file
//! still parses and the finding is gone.
//!
//! - TOK404 on `response.set_cookie(…)` (Python): the missing or false
//!   `httponly=True`, `secure=True`, `samesite="Lax"` keyword arguments;
//!   on a Rust `Cookie::build(…)` chain: `.http_only(true)`,
//!   `.secure(true)`, `.same_site(SameSite::Lax)`. A flag given by a name
//!   or expression, `**kwargs`, or more positional arguments than
//!   `set_cookie`'s first six is left alone: no fix.
//! - JWT101: `algorithms=["ALG"]` when the project encodes its tokens with
//!   exactly one algorithm, ALG (see [`encode_algorithm`]).
//!
//! JWT102 (the `none` algorithm) and JWT105 (verification turned off) have
//! no fix: which algorithm and which key are the author's decision.

use crate::analysis::project::ModuleId;
use crate::analysis::resolve::{Loc, Resolver};
use crate::model::{Arg, Call, Language, Module, Span, ValueKind};

/// A fix as planned: a title for the editor or CLI, and byte edits in the
/// finding's own file, in order and not overlapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedFix {
    pub title: String,
    pub edits: Vec<(Span, String)>,
}

/// The rule codes that may have a fix.
pub const FIXABLE: &[&str] = &["TOK404", "JWT101"];

/// What the project encodes tokens with, for JWT101's fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EncodeAlgorithms {
    /// No encode call seen yet.
    None,
    /// Every encode call seen uses this one algorithm.
    One(String),
    /// Several algorithms, or one that does not resolve to a literal.
    Unclear,
}

impl EncodeAlgorithms {
    pub fn add(&mut self, algorithm: Option<String>) {
        *self = match (std::mem::replace(self, EncodeAlgorithms::Unclear), algorithm) {
            (_, None) | (EncodeAlgorithms::Unclear, _) => EncodeAlgorithms::Unclear,
            (EncodeAlgorithms::None, Some(alg)) => EncodeAlgorithms::One(alg),
            (EncodeAlgorithms::One(known), Some(alg)) if known == alg => EncodeAlgorithms::One(known),
            (EncodeAlgorithms::One(_), Some(_)) => EncodeAlgorithms::Unclear,
        };
    }

    pub fn merge(&mut self, other: &EncodeAlgorithms) {
        match other {
            EncodeAlgorithms::None => {}
            EncodeAlgorithms::One(alg) => self.add(Some(alg.clone())),
            EncodeAlgorithms::Unclear => self.add(None),
        }
    }

    pub fn only(&self) -> Option<&str> {
        match self {
            EncodeAlgorithms::One(alg) => Some(alg),
            _ => None,
        }
    }
}

/// PyJWT's and python-jose's `encode`: `encode(payload, key, algorithm="HS256", …)`.
const PYTHON_ENCODERS: &[&str] = &[
    "jwt.encode",
    "jwt.api_jwt.encode",
    "jwt.PyJWT().encode",
    "jwt.api_jwt.PyJWT().encode",
    "jose.jwt.encode",
];

/// Other encoders, whose algorithm this module does not read: one in the
/// project makes its algorithms unclear.
const OTHER_PYTHON_ENCODERS: &[&str] = &[
    "authlib.jose.jwt.encode",
    "authlib.jose.JsonWebToken().encode",
    "authlib.jose.rfc7519.JsonWebToken().encode",
];

/// The algorithms a module's token encoding calls use. Both libraries sign
/// with HS256 when no algorithm is given.
pub fn encode_algorithms(resolver: &Resolver, id: ModuleId) -> EncodeAlgorithms {
    let module = resolver.module(id);
    let mut found = EncodeAlgorithms::None;
    if module.language != Language::Python {
        return found;
    }
    for call in &module.calls {
        let paths = resolver.callee_paths(call, id);
        if paths.iter().any(|p| OTHER_PYTHON_ENCODERS.contains(&p.as_str())) {
            found.add(None);
            continue;
        }
        if !paths.iter().any(|p| PYTHON_ENCODERS.contains(&p.as_str())) {
            continue;
        }
        let algorithm = match argument(call, "algorithm", 2) {
            None if call.star_args || call.star_kwargs => None,
            None => Some("HS256".to_string()),
            Some(arg) => match &resolver.resolve(&arg.value, Loc::new(id, call.scope)).value.kind {
                ValueKind::Str(alg) if !alg.is_empty() => Some(alg.clone()),
                _ => None,
            },
        };
        found.add(algorithm);
    }
    found
}

/// The fix for a finding of rule `code` whose primary span is `primary` in
/// module `id` (its text is `source`), if there is a safe one.
pub fn plan_fix(
    code: &str,
    resolver: &Resolver,
    id: ModuleId,
    source: &str,
    primary: Span,
    algorithms: &EncodeAlgorithms,
) -> Option<PlannedFix> {
    let module = resolver.module(id);
    match (code, module.language) {
        ("TOK404", Language::Python) => python_cookie_fix(module, source, primary),
        ("TOK404", Language::Rust) => rust_cookie_fix(resolver, id, primary),
        ("JWT101", Language::Python) => algorithms_fix(module, source, primary, algorithms.only()?),
        _ => None,
    }
}

/// The argument given by keyword `name` or at `position`.
fn argument<'m>(call: &'m Call, name: &str, position: usize) -> Option<&'m Arg> {
    call.args
        .iter()
        .find(|a| a.keyword.as_deref() == Some(name))
        .or_else(|| call.args.iter().filter(|a| a.keyword.is_none()).nth(position))
}

/// Where text added after a call's last argument goes: just past it.
fn after_last_argument(call: &Call) -> Option<usize> {
    call.args.iter().map(|a| a.value.span.end).max()
}

/// `"` or `'`, as the string literal at `at` is quoted (`"` when it is not one).
fn quote_at(source: &str, at: usize) -> char {
    match source.as_bytes().get(at) {
        Some(b'\'') => '\'',
        _ => '"',
    }
}

fn python_cookie_fix(module: &Module, source: &str, primary: Span) -> Option<PlannedFix> {
    let call = module.calls.iter().find(|call| {
        matches!(&call.callee.kind, ValueKind::Attr(_, method) if method == "set_cookie")
            && call.args.iter().any(|a| a.value.span == primary)
    })?;
    let positional = call.args.iter().filter(|a| a.keyword.is_none()).count();
    if call.star_args || call.star_kwargs || positional > 6 {
        return None;
    }
    let quote = quote_at(source, primary.start);
    let flags = [
        ("httponly", "True".to_string()),
        ("secure", "True".to_string()),
        ("samesite", format!("{quote}Lax{quote}")),
    ];
    let mut edits = Vec::new();
    let mut added = String::new();
    let mut named = Vec::new();
    for (flag, good) in flags {
        match call.args.iter().find(|a| a.keyword.as_deref() == Some(flag)) {
            None => {
                added.push_str(&format!(", {flag}={good}"));
                named.push(format!("{flag}={good}"));
            }
            Some(arg) => match (&arg.value.kind, flag) {
                (ValueKind::Bool(true), _) | (ValueKind::Str(_), "samesite") => {}
                (ValueKind::Bool(_) | ValueKind::Null | ValueKind::Int(_) | ValueKind::Str(_), _) => {
                    edits.push((arg.value.span, good.clone()));
                    named.push(format!("{flag}={good}"));
                }
                // A name or an expression: what it should be is not ours to say.
                _ => return None,
            },
        }
    }
    if !added.is_empty() {
        let at = after_last_argument(call)?;
        edits.push((Span::new(at, at), added));
    }
    finish(format!("Set the cookie with {}", named.join(", ")), edits)
}

fn rust_cookie_fix(resolver: &Resolver, id: ModuleId, primary: Span) -> Option<PlannedFix> {
    let module = resolver.module(id);
    // The innermost `Cookie::build(…)` call around the cookie's name.
    let (build_id, build, path) = module
        .calls
        .iter()
        .enumerate()
        .filter(|(_, call)| call.span.start <= primary.start && primary.end <= call.span.end)
        .filter_map(|(i, call)| {
            let path = resolver
                .callee_paths(call, id)
                .into_iter()
                .find(|p| p.ends_with("Cookie::build"))?;
            Some((i, call, path))
        })
        .min_by_key(|(_, call, _)| call.span.len())?;
    let chain = method_chain(module, build_id);
    let same_site = same_site_path(module, &path);
    let flags = [
        ("http_only", "true".to_string()),
        ("secure", "true".to_string()),
        ("same_site", same_site),
    ];
    let mut edits = Vec::new();
    let mut added = String::new();
    let mut named = Vec::new();
    for (flag, good) in flags {
        let setter = format!("set_{flag}");
        match chain.iter().find(|(method, _)| method == flag || *method == setter) {
            None => {
                added.push_str(&format!(".{flag}({good})"));
                named.push(format!("{flag}({good})"));
            }
            Some((_, call)) => match call.args.first().map(|a| &a.value.kind) {
                Some(ValueKind::Bool(true)) => {}
                _ if flag == "same_site" => {}
                Some(ValueKind::Bool(false)) => {
                    edits.push((call.args[0].value.span, good.clone()));
                    named.push(format!("{flag}({good})"));
                }
                _ => return None,
            },
        }
    }
    if !added.is_empty() {
        edits.push((Span::new(build.span.end, build.span.end), added));
    }
    finish(format!("Build the cookie with {}", named.join(", ")), edits)
}

/// The methods called on a call's result, one after the other
/// (`Cookie::build(…).secure(true).build()`), with their calls.
fn method_chain(module: &Module, start: usize) -> Vec<(String, &Call)> {
    let mut chain = Vec::new();
    let mut current = start;
    while let Some((next, call, method)) =
        module
            .calls
            .iter()
            .enumerate()
            .find_map(|(i, call)| match &call.callee.kind {
                ValueKind::Attr(receiver, method) if matches!(receiver.kind, ValueKind::Call(id) if id == current) => {
                    Some((i, call, method.clone()))
                }
                _ => None,
            })
    {
        chain.push((method, call));
        current = next;
    }
    chain
}

/// How this module can name `SameSite::Lax`: by its imported name when it
/// imports `SameSite`, else by the crate path `Cookie` came from.
fn same_site_path(module: &Module, cookie_build: &str) -> String {
    let imported = module.bindings.iter().any(|b| {
        b.name == "SameSite" && matches!(&b.value.kind, ValueKind::Imported(path) if path.ends_with("SameSite"))
    });
    if imported {
        return "SameSite::Lax".to_string();
    }
    let prefix = cookie_build.strip_suffix("Cookie::build").unwrap_or_default();
    // tower-cookies re-exports `Cookie` at its root and the crate at `cookie`.
    let prefix = if prefix == "tower_cookies::" {
        "tower_cookies::cookie::"
    } else {
        prefix
    };
    format!("{prefix}SameSite::Lax")
}

fn algorithms_fix(module: &Module, source: &str, primary: Span, algorithm: &str) -> Option<PlannedFix> {
    let call = module.calls.iter().find(|call| call.callee.span == primary)?;
    if call.star_args {
        return None;
    }
    let at = after_last_argument(call)?;
    let quote = call
        .args
        .iter()
        .find(|a| matches!(a.value.kind, ValueKind::Str(_)))
        .map_or('"', |a| quote_at(source, a.value.span.start));
    if algorithm.contains(['"', '\'', '\\']) {
        return None;
    }
    let text = format!("algorithms=[{quote}{algorithm}{quote}]");
    finish(
        format!("Add {text}, the one algorithm this project encodes with"),
        vec![(Span::new(at, at), format!(", {text}"))],
    )
}

fn finish(title: String, mut edits: Vec<(Span, String)>) -> Option<PlannedFix> {
    if edits.is_empty() {
        return None;
    }
    edits.sort_by_key(|(span, _)| (span.start, span.end));
    Some(PlannedFix { title, edits })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_algorithm_only_while_every_encode_agrees() {
        let mut seen = EncodeAlgorithms::None;
        assert_eq!(seen.only(), None, "nothing encoded: nothing known");
        seen.add(Some("HS256".into()));
        seen.add(Some("HS256".into()));
        assert_eq!(seen.only(), Some("HS256"));
        let mut other = EncodeAlgorithms::None;
        other.add(Some("RS256".into()));
        seen.merge(&other);
        assert_eq!(seen, EncodeAlgorithms::Unclear);
        let mut unknown = EncodeAlgorithms::One("HS256".into());
        unknown.add(None);
        assert_eq!(unknown.only(), None, "an algorithm that does not resolve");
        unknown.add(Some("HS256".into()));
        assert_eq!(unknown, EncodeAlgorithms::Unclear, "unclear stays unclear");
    }
}
