//! What happens next to the result of an unverified decode.
//!
//! Reading a token's header or one claim without verifying it, to pick the
//! key or the issuer, and then verifying the same token, is how key rotation
//! and multi-issuer routing are done. The mistake is trusting what an
//! unverified decode returned. This module follows the result through its
//! function (names it is bound to, `Ok(x)`/`Some(x)` patterns, methods and
//! subscripts on it) and sums up every use:
//!
//! - a **peek**: reading `kid`, `iss`, `alg`, `exp` and the like; a later
//!   verifying decode of the same token in the function; a method that
//!   verifies it (`verify_with_key`); a struct decoded into that holds only
//!   such claims; code that runs in a browser (it holds no key);
//! - a **trusted use**: data from it passed to a call, returned, stored
//!   into another object, or tested in a condition;
//! - anything else (logged, formatted, dropped, a use the model cannot
//!   see) is neither.
//!
//! A returned result is judged at the callers in the same module (one level
//! deep); with no caller in sight, being returned is a trusted use.

use crate::analysis::resolve::{Loc, Resolver, dotted_text};
use crate::model::{Binding, Call, CallId, Module, ScopeId, SinkKind, Span, Subscript, TemplatePart, Value, ValueKind};

use super::context::{is_browser_code, split_words};
use super::signing::argument;

/// Claims and header fields read to route or time a token, not to trust it.
pub const PEEK_CLAIMS: &[&str] = &[
    "iss",
    "kid",
    "alg",
    "typ",
    "cty",
    "exp",
    "nbf",
    "iat",
    "aud",
    "jku",
    "x5u",
    "x5c",
    "x5t",
    "header",
    "headers",
    "expiration",
    "issuer",
    "not_before",
    "issued_at",
    "key_id",
    "algorithm",
    "audience",
    "type_",
];

/// How many uses (and callers) are followed before giving up.
const MAX_STEPS: usize = 64;
const MAX_CALLER_DEPTH: usize = 1;

/// The verdict on an unverified decode's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextUse {
    /// Trusted here (the span of the use).
    Trusted(Span),
    /// Only peeked at, or verified afterwards.
    Peek,
    /// Nothing says it is trusted.
    Unknown,
}

/// What code does next with the result of `call_id` in `module`.
pub fn unverified_result_use(
    resolver: &Resolver,
    module: crate::analysis::project::ModuleId,
    call_id: CallId,
) -> NextUse {
    let call = &resolver.module(module).calls[call_id];
    let loc = Loc::new(module, call.scope);
    if is_browser_code(resolver, loc)
        || decodes_into_peek_struct(resolver, call, loc)
        || verified_later(resolver, call, loc)
    {
        return NextUse::Peek;
    }
    Follow {
        resolver,
        module: resolver.module(module),
        loc,
        steps: 0,
        caller_depth: 0,
    }
    .result(call_id)
}

/// `insecure_decode::<TimingClaims>(t)` where the crate's `TimingClaims`
/// has only fields such as `exp`, `nbf`, `iss`: nothing else can be read.
fn decodes_into_peek_struct(resolver: &Resolver, call: &Call, loc: Loc) -> bool {
    let defs: Vec<_> = call
        .type_args
        .iter()
        .filter_map(|t| resolver.struct_def(std::slice::from_ref(t), loc))
        .collect();
    !defs.is_empty()
        && defs.iter().all(|(_, def)| {
            let ValueKind::Dict { entries, open: false } = &def.shape.kind else {
                return false;
            };
            !entries.is_empty()
                && entries
                    .iter()
                    .all(|(k, _)| matches!(&k.kind, ValueKind::Str(s) if PEEK_CLAIMS.contains(&s.as_str())))
        })
}

/// A verifying decode (or a call named to verify) of the same token later
/// in the same function.
fn verified_later(resolver: &Resolver, call: &Call, loc: Loc) -> bool {
    let Some(token) = token_text(call) else {
        return false;
    };
    let module = resolver.module(loc.module);
    module.calls.iter().any(|other| {
        other.scope == call.scope
            && other.span.start >= call.span.end
            && token_text(other).as_deref() == Some(token.as_str())
            && is_verifying(resolver, other, loc)
    })
}

/// The token argument as written (`token`, `request.token`; `&token` is lowered as `token`).
fn token_text(call: &Call) -> Option<String> {
    let first = argument(&call.args, Some("jwt"), 0).or_else(|| argument(&call.args, Some("token"), 0))?;
    dotted_text(first)
}

fn is_verifying(resolver: &Resolver, call: &Call, loc: Loc) -> bool {
    let paths = resolver.callee_paths(call, loc.module);
    let decoder = paths.iter().any(|p| {
        matches!(
            p.as_str(),
            "jwt.decode"
                | "jwt.decode_complete"
                | "jwt.api_jwt.decode"
                | "jwt.PyJWT().decode"
                | "jose.jwt.decode"
                | "jose.jws.verify"
                | "jsonwebtoken::decode"
                | "jsonwebtoken::decode::decode"
        )
    });
    if decoder {
        // python-jose's `jws.verify(token, key, algorithms, verify)` takes
        // `verify` fourth; the others take `options` there.
        let verify_position = if paths.iter().any(|p| p == "jose.jws.verify") {
            3
        } else {
            usize::MAX
        };
        return !verification_turned_off(resolver, call, loc, verify_position);
    }
    let words: Vec<String> = paths
        .first()
        .map(|p| split_words(p.rsplit(['.', ':']).next().unwrap_or(p)))
        .unwrap_or_default();
    words
        .iter()
        .any(|w| w == "verify" || w == "validate" || w == "authenticate")
}

/// `options={"verify_signature": False}` or `verify=False` on this call.
fn verification_turned_off(resolver: &Resolver, call: &Call, loc: Loc, verify_position: usize) -> bool {
    let loc = loc.with_scope(call.scope);
    if let Some(verify) = argument(&call.args, Some("verify"), verify_position)
        && matches!(resolver.resolve(verify, loc).value.kind, ValueKind::Bool(false))
    {
        return true;
    }
    let Some(options) = argument(&call.args, Some("options"), 3) else {
        return false;
    };
    let resolved = resolver.resolve(options, loc);
    let ValueKind::Dict { entries, .. } = &resolved.value.kind else {
        return false;
    };
    entries.iter().any(|(k, v)| {
        matches!(&resolver.resolve(k, resolved.loc).value.kind, ValueKind::Str(s) if s == "verify_signature")
            && matches!(resolver.resolve(v, resolved.loc).value.kind, ValueKind::Bool(false))
    })
}

/// What holds the unverified data, and where it is found.
#[derive(Clone, Copy)]
enum Carrier<'p> {
    Call(CallId),
    Name(&'p Binding),
    Unwrapped(usize),
}

/// Where a value tree sits in the model.
#[derive(Clone, Copy)]
enum Root<'p> {
    Receiver(&'p Call, CallId),
    Argument(&'p Call, CallId),
    Bound(&'p Binding),
    Sink(SinkKind),
    /// A subscript read of the data; standalone when it sits in no other
    /// tree (a condition, `if claims["role"] == "admin"`).
    Condition(&'p Subscript, bool),
    Unwrap(usize),
}

struct Follow<'r, 'p> {
    resolver: &'r Resolver<'p>,
    module: &'p Module,
    loc: Loc,
    steps: usize,
    caller_depth: usize,
}

impl<'p> Follow<'_, 'p> {
    /// The verdict on a call's result: trusted if any use trusts it.
    fn result(&mut self, call_id: CallId) -> NextUse {
        let scope = self.module.calls[call_id].scope;
        self.carrier(Carrier::Call(call_id), scope)
    }

    fn carrier(&mut self, carrier: Carrier<'p>, scope: ScopeId) -> NextUse {
        let mut verdict = NextUse::Unknown;
        for (root, tree) in self.roots(scope) {
            for path in occurrences(tree, &|v| self.is_carrier(v, carrier, scope)) {
                self.steps += 1;
                if self.steps > MAX_STEPS {
                    return verdict;
                }
                match self.climb(&path, root, scope) {
                    NextUse::Trusted(span) => return NextUse::Trusted(span),
                    NextUse::Peek => verdict = NextUse::Peek,
                    NextUse::Unknown => {}
                }
            }
        }
        verdict
    }

    /// Every value tree in `scope`, with where it sits.
    fn roots(&self, scope: ScopeId) -> Vec<(Root<'p>, &'p Value)> {
        let m = self.module;
        let mut roots = Vec::new();
        for (id, call) in m.calls.iter().enumerate().filter(|(_, c)| c.scope == scope) {
            if let ValueKind::Attr(receiver, _) = &call.callee.kind {
                roots.push((Root::Receiver(call, id), &**receiver));
            }
            roots.extend(call.args.iter().map(|a| (Root::Argument(call, id), &a.value)));
        }
        roots.extend(
            m.bindings
                .iter()
                .filter(|b| b.scope == scope)
                .map(|b| (Root::Bound(b), &b.value)),
        );
        roots.extend(
            m.sinks
                .iter()
                .filter(|s| s.scope == scope)
                .map(|s| (Root::Sink(s.kind), &s.value)),
        );
        roots.extend(
            m.unwraps
                .iter()
                .enumerate()
                .filter(|(_, u)| u.scope == scope)
                .map(|(i, u)| (Root::Unwrap(i), &u.source)),
        );
        // Subscripts read in a condition (`if claims["role"] == "admin"`)
        // are in no other tree.
        let spans: Vec<Span> = roots.iter().map(|(_, v)| v.span).collect();
        roots.extend(m.subscripts.iter().filter(|s| s.scope == scope).map(|s| {
            let standalone = !spans.iter().any(|r| r.start <= s.span.start && s.span.end <= r.end);
            (Root::Condition(s, standalone), &s.base)
        }));
        roots
    }

    fn is_carrier(&self, value: &Value, carrier: Carrier<'p>, scope: ScopeId) -> bool {
        match (carrier, &value.kind) {
            (Carrier::Call(id), ValueKind::Call(other)) => id == *other,
            (Carrier::Name(binding), ValueKind::Name(name)) => {
                name == &binding.name && self.refers_to(binding, value.span.start, scope)
            }
            (Carrier::Unwrapped(i), ValueKind::Name(name)) => {
                let unwrap = &self.module.unwraps[i];
                name == &unwrap.name && unwrap.visible.contains(value.span.start)
            }
            _ => false,
        }
    }

    /// Whether a read of `binding`'s name at `at` sees this binding: it
    /// comes after it, and no other binding of the name comes between.
    fn refers_to(&self, binding: &Binding, at: usize, scope: ScopeId) -> bool {
        if binding.scope != scope || at < binding.span.end || !binding.visible.contains(at) {
            return false;
        }
        !self.module.bindings.iter().any(|other| {
            other.scope == scope
                && other.name == binding.name
                && other.span.start > binding.span.start
                && other.span.start < at
        })
    }

    /// Judges one occurrence by climbing from it to its tree's root.
    fn climb(&mut self, path: &[&'p Value], root: Root<'p>, scope: ScopeId) -> NextUse {
        for pair in path.windows(2).rev() {
            let (parent, child) = (pair[0], pair[1]);
            match &parent.kind {
                ValueKind::Index(base, index) if std::ptr::eq(&**base, child) && self.is_peek_key(index) => {
                    return NextUse::Peek;
                }
                ValueKind::Attr(base, field)
                    if std::ptr::eq(&**base, child) && PEEK_CLAIMS.contains(&field.as_str()) =>
                {
                    return NextUse::Peek;
                }
                ValueKind::Template(_) => return NextUse::Unknown, // formatted for display
                _ => {}
            }
        }
        // Reached the root with data from the token.
        let top = path.first().copied();
        match root {
            Root::Bound(binding) => self.carrier(Carrier::Name(binding), scope),
            Root::Unwrap(i) => self.carrier(Carrier::Unwrapped(i), scope),
            Root::Receiver(call, id) => self.method_on(call, id, scope),
            Root::Argument(call, id) => self.passed_to(call, id, scope),
            Root::Sink(SinkKind::Return) => self.returned(scope, top.map_or(Span::default(), |v| v.span)),
            Root::Sink(SinkKind::Store) => NextUse::Trusted(top.map_or(Span::default(), |v| v.span)),
            Root::Sink(SinkKind::Discard) => NextUse::Unknown,
            Root::Condition(subscript, standalone) => {
                if self.is_peek_key(&subscript.index) {
                    NextUse::Peek
                } else if standalone && path.len() == 1 {
                    NextUse::Trusted(subscript.span)
                } else {
                    NextUse::Unknown
                }
            }
        }
    }

    fn is_peek_key(&self, index: &Value) -> bool {
        matches!(&self.resolver.resolve(index, self.loc).value.kind, ValueKind::Str(k) if PEEK_CLAIMS.contains(&k.as_str()))
    }

    /// A method called on the data: verifying it, reading a peek field or
    /// key, or handing it on (`.claims()`, `.map_err(..)`, `.get("sub")`).
    fn method_on(&mut self, call: &'p Call, id: CallId, scope: ScopeId) -> NextUse {
        let ValueKind::Attr(_, method) = &call.callee.kind else {
            return NextUse::Unknown;
        };
        let words = split_words(method);
        if words.iter().any(|w| w == "verify") {
            return NextUse::Peek;
        }
        if method == "header" || (method == "get" && call.args.first().is_some_and(|a| self.is_peek_key(&a.value))) {
            return NextUse::Peek;
        }
        self.carrier(Carrier::Call(id), scope)
    }

    /// Data passed to a call: a wrapper (`Ok(..)`) hands it on, a log or a
    /// `print` shows it, anything else trusts it.
    fn passed_to(&mut self, call: &'p Call, id: CallId, scope: ScopeId) -> NextUse {
        let paths = self.resolver.callee_paths(call, self.loc.module);
        let last = paths
            .first()
            .map(|p| p.rsplit(['.', ':']).next().unwrap_or(p).to_string())
            .unwrap_or_default();
        if matches!(
            last.as_str(),
            "Ok" | "Some" | "new" | "dict" | "list" | "tuple" | "copy" | "deepcopy" | "from" | "into"
        ) {
            return self.carrier(Carrier::Call(id), scope);
        }
        let display = call.is_macro
            || paths.iter().any(|p| {
                p == "print"
                    || p.starts_with("logging.")
                    || p.contains("logger.")
                    || p.contains(".log.")
                    || matches!(
                        last.as_str(),
                        "debug" | "info" | "warning" | "warn" | "error" | "exception" | "isinstance" | "len" | "bool"
                    )
            });
        if display {
            return NextUse::Unknown;
        }
        NextUse::Trusted(call.span)
    }

    /// Returned from its function: the callers in this module decide; with
    /// none in sight, the caller trusts it.
    fn returned(&mut self, scope: ScopeId, span: Span) -> NextUse {
        let Some(name) = self.module.scopes[scope].name.as_deref() else {
            return NextUse::Trusted(span);
        };
        let bare = name.rsplit(['.', ':']).next().unwrap_or(name);
        let callers: Vec<CallId> = self
            .module
            .calls
            .iter()
            .enumerate()
            .filter(|(_, c)| match &c.callee.kind {
                ValueKind::Name(n) | ValueKind::Attr(_, n) => n == bare,
                ValueKind::Path(segments) => segments.last().is_some_and(|s| s == bare),
                _ => false,
            })
            .map(|(id, _)| id)
            .collect();
        if callers.is_empty() || self.caller_depth >= MAX_CALLER_DEPTH {
            return NextUse::Trusted(span);
        }
        self.caller_depth += 1;
        let mut verdict = NextUse::Unknown;
        for id in callers {
            match self.result(id) {
                NextUse::Trusted(_) => {
                    verdict = NextUse::Trusted(span);
                    break;
                }
                NextUse::Peek => verdict = NextUse::Peek,
                NextUse::Unknown => {}
            }
        }
        self.caller_depth -= 1;
        verdict
    }
}

/// The paths (root first) from `tree` down to each value matching
/// `wanted`. A call nested in the tree is a leaf: its arguments are trees
/// of their own.
fn occurrences<'p>(tree: &'p Value, wanted: &dyn Fn(&Value) -> bool) -> Vec<Vec<&'p Value>> {
    let mut found = Vec::new();
    let mut path = Vec::new();
    walk(tree, wanted, &mut path, &mut found, 0);
    found
}

fn walk<'p>(
    value: &'p Value,
    wanted: &dyn Fn(&Value) -> bool,
    path: &mut Vec<&'p Value>,
    found: &mut Vec<Vec<&'p Value>>,
    depth: usize,
) {
    if depth > 32 {
        return;
    }
    path.push(value);
    if wanted(value) {
        found.push(path.clone());
    } else {
        let mut visit = |child: &'p Value| walk(child, wanted, path, found, depth + 1);
        match &value.kind {
            ValueKind::Attr(base, _) => visit(base),
            ValueKind::Index(base, index) => {
                visit(base);
                visit(index);
            }
            ValueKind::BinOp(_, left, right) => {
                visit(left);
                visit(right);
            }
            ValueKind::List(items) => items.iter().for_each(visit),
            ValueKind::Dict { entries, .. } => entries.iter().for_each(|(k, v)| {
                visit(k);
                visit(v);
            }),
            ValueKind::Template(parts) => parts.iter().for_each(|p| {
                if let TemplatePart::Hole(hole) = p {
                    visit(hole);
                }
            }),
            ValueKind::Closure(body) => visit(body),
            _ => {}
        }
    }
    path.pop();
}
