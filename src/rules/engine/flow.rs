//! Flow: where a value came from and what is done to it. A value derived
//! from a call (`from-call`), a reference to a path (`refers-to`), a key id
//! read from an unverified header reaching a sink, and a local (a
//! `Validation`) configured by a method call or field assignment.

use crate::analysis::resolve::{Loc, Lookup, Resolved};
use crate::analysis::values::is_opaque;
use crate::model::{Binding, Span, TemplatePart, Value, ValueKind};

use super::{Ctx, Outcome, Witness};

/// Calls that pass their (first) argument's value through, for derivations.
pub(super) const PASS_THROUGH_FUNCTIONS: &[&str] =
    &["list", "tuple", "set", "sorted", "frozenset", "str", "int", "round"];
pub(super) const PASS_THROUGH_METHODS: &[&str] = &[
    "keys",
    "values",
    "copy",
    "strip",
    "lower",
    "upper",
    "timestamp",
    "decode",
    // Rust: `decode_header(t).ok()?`, `.unwrap()`, `.expect("…")`, `.clone()`.
    "ok",
    "unwrap",
    "expect",
    "clone",
];

const KEY_ID_HEADERS: &[&str] = &["kid", "jku", "x5u"];
const UNVERIFIED_HEADER_CALLS: &[&str] = &[
    "jwt.get_unverified_header",
    "jwt.api_jws.get_unverified_header",
    "jwt.PyJWS().get_unverified_header",
    "jwt.api_jws.PyJWS().get_unverified_header",
    "jose.jwt.get_unverified_header",
    "jose.jws.get_unverified_header",
    "jose.jwt.get_unverified_headers",
    "jose.jws.get_unverified_headers",
    "jsonwebtoken::decode_header",
];

/// Bounds the recursive derivations (`from-call`, untrusted key ids).
pub(super) const MAX_DERIVATION_DEPTH: usize = 12;

impl<'p> Ctx<'_, 'p> {
    /// A value derived from a call whose path matches `globs`.
    pub(super) fn derived_from_call(
        &self,
        globs: &globset::GlobSet,
        original: &'p Value,
        original_loc: Loc,
        witness: Witness<'p>,
    ) -> Outcome<'p> {
        let is_target = |paths: &[String]| paths.iter().any(|p| globs.is_match(p));
        match self.derived_from(original, original_loc, &is_target, 0) {
            Some(true) => Outcome::Yes(witness),
            Some(false) => Outcome::No,
            None => Outcome::Unknown,
        }
    }

    /// A reference (a name, an attribute, an import) to a path matching `globs`.
    pub(super) fn refers_to(
        &self,
        globs: &globset::GlobSet,
        original: &'p Value,
        original_loc: Loc,
        value: &'p Value,
        witness: Witness<'p>,
    ) -> Outcome<'p> {
        let mut paths = self.resolver.value_paths(original, original_loc, 0);
        if let ValueKind::Imported(path) = &value.kind {
            paths.push(path.clone());
        }
        if paths.iter().any(|p| globs.is_match(p)) {
            Outcome::Yes(witness)
        } else if paths.is_empty() && is_opaque(value) {
            Outcome::Unknown
        } else {
            Outcome::No
        }
    }

    /// Whether a local that a call or struct literal set up (a `Validation`)
    /// is configured by one of `names`: a method called on it, a field
    /// assigned on it, or a field of the struct literal. Unknown when the
    /// value is not such a local, or when the local is handed to another
    /// function that could configure it.
    pub(super) fn configured_by(
        &self,
        original: &'p Value,
        original_loc: Loc,
        resolved: Resolved<'p>,
        names: &[String],
        witness: Witness<'p>,
    ) -> Outcome<'p> {
        let sets = |entries: &[(Value, Value)]| {
            entries
                .iter()
                .any(|(k, _)| matches!(&k.kind, ValueKind::Str(s) if names.contains(s)))
        };
        // A struct literal says what it sets.
        if let ValueKind::Dict { entries, open } = &resolved.value.kind {
            return if sets(entries) {
                Outcome::Yes(witness)
            } else if *open {
                Outcome::Unknown
            } else {
                Outcome::No
            };
        }
        let ValueKind::Name(name) = &original.kind else {
            // `&Validation::default()` inline, or no options at all (`None`):
            // nothing configures it. Built by another function: unknown.
            return match resolved.value.kind {
                ValueKind::Call(id) if self.is_constructor(id) => Outcome::No,
                ValueKind::Null => Outcome::No,
                _ => Outcome::Unknown,
            };
        };
        let Lookup::Bound(binding) = self.resolver.lookup(name, original_loc, original.span.start) else {
            return Outcome::Unknown;
        };
        match &binding.value.kind {
            ValueKind::Call(id) if self.is_constructor(*id) => {}
            ValueKind::Dict { entries, .. } if sets(entries) => return Outcome::Yes(witness),
            ValueKind::Dict { .. } => {}
            _ => return Outcome::Unknown,
        }
        self.configured_after(name, binding, original_loc, names, witness)
    }

    /// Whether code configures a local built right here: a method of
    /// `names` called on it or a field of `names` assigned on it. Handed to
    /// the call being checked is expected; to any other, it may be
    /// configured there (unknown).
    fn configured_after(
        &self,
        name: &str,
        binding: &'p Binding,
        original_loc: Loc,
        names: &[String],
        witness: Witness<'p>,
    ) -> Outcome<'p> {
        let module = self.resolver.module(original_loc.module);
        let refers_to_binding = |value: &Value, scope| match &value.kind {
            ValueKind::Name(n) if n == name => {
                let loc = original_loc.with_scope(scope);
                matches!(self.resolver.lookup(n, loc, value.span.start), Lookup::Bound(b) if std::ptr::eq(b, binding))
            }
            _ => false,
        };
        let mut passed_on = 0;
        for call in &module.calls {
            if let ValueKind::Attr(receiver, method) = &call.callee.kind
                && refers_to_binding(receiver, call.scope)
                && names.contains(method)
            {
                return Outcome::Yes(witness);
            }
            if call.args.iter().any(|a| refers_to_binding(&a.value, call.scope)) {
                passed_on += 1;
            }
        }
        for setting in &module.settings {
            if names.contains(&setting.name)
                && setting
                    .container_value
                    .as_ref()
                    .is_some_and(|c| refers_to_binding(c, setting.scope))
            {
                return Outcome::Yes(witness);
            }
        }
        if passed_on > 1 { Outcome::Unknown } else { Outcome::No }
    }

    /// `T::new(..)`, `T::default()`, `Default::default()`: built right here,
    /// so everything that configures it is in this function. What another
    /// function returns may come configured.
    pub(super) fn is_constructor(&self, call: usize) -> bool {
        let call = &self.resolver.module(self.module).calls[call];
        self.resolver
            .callee_paths(call, self.module)
            .iter()
            .any(|p| p.ends_with("::new") || p.ends_with("::default"))
    }

    /// Whether an expression derives from a call whose path satisfies
    /// `is_target`, through names, subscripts, `.get(…)`, list displays and
    /// pass-through calls. `None` when that cannot be known.
    pub(super) fn derived_from(
        &self,
        value: &'p Value,
        loc: Loc,
        is_target: &dyn Fn(&[String]) -> bool,
        depth: usize,
    ) -> Option<bool> {
        if depth > MAX_DERIVATION_DEPTH {
            return None;
        }
        match &value.kind {
            ValueKind::Name(name) => match self.resolver.lookup(name, loc, value.span.start) {
                Lookup::Bound(binding) if !binding.value.is_unknown() => {
                    let inner = loc.with_scope(binding.scope);
                    self.derived_from(&binding.value, inner, is_target, depth + 1)
                }
                _ => None,
            },
            ValueKind::Index(base, _) | ValueKind::Attr(base, _) => self.derived_from(base, loc, is_target, depth + 1),
            ValueKind::List(items) => {
                let mut unknown = false;
                for item in items {
                    match self.derived_from(item, loc, is_target, depth + 1) {
                        Some(true) => return Some(true),
                        Some(false) => {}
                        None => unknown = true,
                    }
                }
                if unknown { None } else { Some(false) }
            }
            ValueKind::Call(id) => {
                let call = &self.resolver.module(loc.module).calls[*id];
                let paths = self.resolver.callee_paths(call, loc.module);
                if is_target(&paths) {
                    return Some(true);
                }
                if let ValueKind::Attr(receiver, method) = &call.callee.kind
                    && (method == "get" || PASS_THROUGH_METHODS.contains(&method.as_str()))
                {
                    return self.derived_from(receiver, loc, is_target, depth + 1);
                }
                if paths.iter().any(|p| PASS_THROUGH_FUNCTIONS.contains(&p.as_str()))
                    && let Some(first) = call.args.first()
                {
                    return self.derived_from(&first.value, loc, is_target, depth + 1);
                }
                None
            }
            ValueKind::Str(_) | ValueKind::Bytes(_) | ValueKind::Int(_) | ValueKind::Bool(_) | ValueKind::Null => {
                Some(false)
            }
            _ => None,
        }
    }

    /// A `kid`/`jku`/`x5u` read from an unverified header, reaching this
    /// expression (directly or inside a template, a concatenation or a path
    /// join) without passing a membership check. Returns where it appears.
    pub(super) fn untrusted_key_id(&self, value: &'p Value, loc: Loc, depth: usize) -> Option<Span> {
        if depth > MAX_DERIVATION_DEPTH {
            return None;
        }
        let is_header_call = |paths: &[String]| paths.iter().any(|p| UNVERIFIED_HEADER_CALLS.contains(&p.as_str()));
        let is_key_id = |index: &'p Value| matches!(&self.resolver.resolve(index, loc).value.kind, ValueKind::Str(k) if KEY_ID_HEADERS.contains(&k.as_str()));
        let module = self.resolver.module(loc.module);
        match &value.kind {
            ValueKind::Name(name) => {
                if module
                    .membership_tests
                    .iter()
                    .any(|(scope, n)| n == name && *scope == loc.scope)
                {
                    return None; // checked against an allowlist first
                }
                match self.resolver.lookup(name, loc, value.span.start) {
                    Lookup::Bound(binding) if !binding.value.is_unknown() => {
                        let inner = loc.with_scope(binding.scope);
                        self.untrusted_key_id(&binding.value, inner, depth + 1)
                            .map(|_| value.span)
                    }
                    _ => None,
                }
            }
            ValueKind::Index(base, index) => (is_key_id(index)
                && self.derived_from(base, loc, &is_header_call, depth + 1) == Some(true))
            .then_some(value.span),
            ValueKind::Template(parts) => parts.iter().find_map(|p| match p {
                TemplatePart::Hole(hole) => self.untrusted_key_id(hole, loc, depth + 1),
                TemplatePart::Lit(_) => None,
            }),
            ValueKind::BinOp(_, left, right) => self
                .untrusted_key_id(left, loc, depth + 1)
                .or_else(|| self.untrusted_key_id(right, loc, depth + 1)),
            ValueKind::List(items) => items.iter().find_map(|i| self.untrusted_key_id(i, loc, depth + 1)),
            ValueKind::Call(id) => {
                let call = &module.calls[*id];
                if let ValueKind::Attr(receiver, method) = &call.callee.kind {
                    if method == "get" {
                        let key_id = call.args.first().is_some_and(|a| is_key_id(&a.value));
                        if key_id && self.derived_from(receiver, loc, &is_header_call, depth + 1) == Some(true) {
                            return Some(value.span);
                        }
                        return None;
                    }
                    if method == "format" || method == "join" || PASS_THROUGH_METHODS.contains(&method.as_str()) {
                        return call
                            .args
                            .iter()
                            .find_map(|a| self.untrusted_key_id(&a.value, loc, depth + 1));
                    }
                }
                // `os.path.join(dir, kid)`, `Path(kid)`, `str(kid)`: look at the arguments.
                let paths = self.resolver.callee_paths(call, loc.module);
                let builds_value = paths.iter().any(|p| {
                    matches!(
                        p.as_str(),
                        "os.path.join" | "pathlib.Path" | "str" | "posixpath.join" | "pathlib.PurePath"
                    )
                });
                if builds_value {
                    return call
                        .args
                        .iter()
                        .find_map(|a| self.untrusted_key_id(&a.value, loc, depth + 1));
                }
                None
            }
            _ => None,
        }
    }
}
