//! Selectors: what a condition looks at. An argument by keyword or
//! position, any argument, keyword arguments of a name class, a method
//! called on the call's result, an argument of the receiver's call, a
//! chained builder method, the URL of a request; then, when the condition
//! asks, one element of a list or one entry of a dict.

use crate::analysis::resolve::{Loc, Resolved};
use crate::analysis::values::is_opaque;
use crate::model::{Arg, Call, Value, ValueKind};
use crate::rules::{Condition, Predicate, Selector};

use super::{Ctx, Outcome, Target, Witness, any_of};

enum ArgState<'p> {
    /// The argument, and where it is when not at the call (an entry of an
    /// unpacked dict).
    Found(&'p Value, Option<Loc>),
    Missing,
    Unknown,
}

/// A value a condition has narrowed down to: the expression as written
/// (`original`, at `original_loc`), what it resolves to, and the evidence.
struct Narrowed<'p> {
    original: &'p Value,
    original_loc: Loc,
    resolved: Resolved<'p>,
    witness: Witness<'p>,
}

impl<'p> Ctx<'_, 'p> {
    /// A condition on a target: what its selector picks, judged by its predicate.
    pub(super) fn evaluate(&self, target: &Target<'p>, condition: &Condition) -> Outcome<'p> {
        let loc = target.loc;
        let missing = matches!(condition.predicate, Predicate::Missing);
        let whole = |value: &'p Value| self.evaluate_value(value, loc, condition, Witness::at(value.span, Some(value)));
        match (&condition.selector, target.call) {
            (Selector::Subject, _) => target.value.map_or(Outcome::Unknown, whole),
            (Selector::Argument { keyword, position }, Some(call)) => {
                match self.find_argument(call, keyword.as_deref(), *position, loc) {
                    ArgState::Found(..) if missing => Outcome::No,
                    ArgState::Found(value, None) => whole(value),
                    ArgState::Found(value, Some(at)) => {
                        self.evaluate_value(value, at, condition, Witness::at(value.span, Some(value)))
                    }
                    ArgState::Missing if missing => Outcome::Yes(Witness::at(target.anchor, None)),
                    ArgState::Missing => Outcome::No,
                    ArgState::Unknown => Outcome::Unknown,
                }
            }
            (Selector::AnyArgument, Some(call)) => any_of(
                call.args.iter().map(|arg| whole(&arg.value)),
                call.star_args || call.star_kwargs,
            ),
            (Selector::KeywordInClass(class), Some(call)) => self.keyword_in_class(call, class, loc, condition),
            (Selector::ResultMethod(method), Some(call)) => {
                self.result_method(call, target, method, &condition.predicate)
            }
            (Selector::ReceiverArgument(position), Some(call)) => {
                self.receiver_argument(call, *position, target, condition)
            }
            (Selector::ChainedMethod(methods), Some(call)) => match self.chained_call(call, methods) {
                Some(chained) => chained.args.first().map_or(Outcome::Unknown, |arg| whole(&arg.value)),
                None if missing => Outcome::Yes(Witness::at(target.anchor, None)),
                None => Outcome::No,
            },
            (Selector::RequestUrl, Some(call)) => self.request_url(call).map_or(Outcome::Unknown, whole),
            (Selector::Result, Some(call)) => self.about_call(call, target, &condition.predicate),
            _ => Outcome::Unknown,
        }
    }

    /// Every keyword argument whose keyword is a name of `class`
    /// (`password=…`): yes if one is.
    fn keyword_in_class(&self, call: &'p Call, class: &str, loc: Loc, condition: &Condition) -> Outcome<'p> {
        let class = self.policy.name_class(class);
        let outcomes = call
            .args
            .iter()
            .filter(|a| {
                a.keyword
                    .as_deref()
                    .is_some_and(|k| class.is_some_and(|c| c.matches(k)))
            })
            .map(|arg| {
                let witness =
                    Witness::at(arg.value.span, Some(&arg.value)).named(arg.keyword.clone().unwrap_or_default());
                self.evaluate_value(&arg.value, loc, condition, witness)
            });
        any_of(outcomes, call.star_kwargs)
    }

    /// A positional argument of the call this method is called on
    /// (`Validation::new(Algorithm::HS256).validate_exp`), when that call
    /// is in this module.
    fn receiver_argument(
        &self,
        call: &'p Call,
        position: usize,
        target: &Target<'p>,
        condition: &Condition,
    ) -> Outcome<'p> {
        let ValueKind::Attr(receiver, _) = &call.callee.kind else {
            return Outcome::Unknown;
        };
        let receiver = self.resolver.resolve(receiver, target.loc);
        let ValueKind::Call(id) = &receiver.value.kind else {
            return Outcome::Unknown;
        };
        let inner = &self.resolver.module(receiver.loc.module).calls[*id];
        let inner_loc = receiver.loc.with_scope(inner.scope);
        match self.find_argument(inner, None, Some(position), inner_loc) {
            ArgState::Found(value, _) if receiver.loc.module == self.module => {
                self.evaluate_value(value, inner_loc, condition, Witness::at(value.span, Some(value)))
            }
            ArgState::Missing if matches!(condition.predicate, Predicate::Missing) => {
                Outcome::Yes(Witness::at(target.anchor, None))
            }
            ArgState::Missing => Outcome::No,
            _ => Outcome::Unknown,
        }
    }

    /// The call of one of `methods` made on this call's result: further
    /// along its builder chain (`Cookie::build(..).http_only(true)`), or on
    /// the local the result is bound to (`cookie.set_http_only(true)`).
    pub(super) fn chained_call(&self, call: &'p Call, methods: &[String]) -> Option<&'p Call> {
        let module = self.resolver.module(self.module);
        let index_of = |c: &Call| module.calls.iter().position(|other| std::ptr::eq(other, c));
        let mut frontier = vec![index_of(call)?];
        let mut seen = 0;
        while let Some(id) = frontier.pop() {
            seen += 1;
            if seen > 64 {
                break; // a chain longer than any builder; stop looking
            }
            for (other_id, other) in module.calls.iter().enumerate() {
                let ValueKind::Attr(receiver, method) = &other.callee.kind else {
                    continue;
                };
                let on_this = match &receiver.kind {
                    ValueKind::Call(r) => *r == id,
                    ValueKind::Name(_) => {
                        let loc = Loc::new(self.module, other.scope);
                        matches!(self.resolver.resolve(receiver, loc).value.kind, ValueKind::Call(r) if r == id)
                    }
                    _ => false,
                };
                if !on_this {
                    continue;
                }
                if methods.contains(method) {
                    return Some(other);
                }
                frontier.push(other_id);
            }
        }
        None
    }

    /// The URL argument of the request a builder chain starts from:
    /// `client.get(url).bearer_auth(t)` gives `url`.
    pub(super) fn request_url(&self, call: &'p Call) -> Option<&'p Value> {
        let module = self.resolver.module(self.module);
        let mut current = call;
        for _ in 0..32 {
            let ValueKind::Attr(receiver, _) = &current.callee.kind else {
                return None;
            };
            let loc = Loc::new(self.module, current.scope);
            let ValueKind::Call(id) = self.resolver.resolve(receiver, loc).value.kind else {
                return None;
            };
            current = &module.calls[id];
            let name = match &current.callee.kind {
                ValueKind::Attr(_, method) => method.as_str(),
                ValueKind::Path(segments) => segments.last().map(String::as_str).unwrap_or(""),
                ValueKind::Name(name) => name.as_str(),
                _ => "",
            };
            let position = match name {
                "get" | "post" | "put" | "patch" | "delete" | "head" => 0,
                "request" => 1,
                _ => continue,
            };
            return current
                .args
                .iter()
                .filter(|a| a.keyword.is_none())
                .nth(position)
                .map(|a| &a.value);
        }
        None
    }

    /// Whether `method` is called on a name bound to this call's result
    /// (`claims = jwt.decode(…)` … `claims.validate()`).
    pub(super) fn result_method(
        &self,
        call: &'p Call,
        target: &Target<'p>,
        method: &str,
        predicate: &Predicate,
    ) -> Outcome<'p> {
        let module = self.resolver.module(self.module);
        let Some(call_id) = module.calls.iter().position(|c| std::ptr::eq(c, call)) else {
            return Outcome::Unknown;
        };
        let bound = self.resolver.names_bound_to_call(self.module, call_id);
        if bound.is_empty() {
            return Outcome::Unknown; // returned or passed on: validated elsewhere, perhaps
        }
        // By name and scope: `claims` bound in both a `try` and its `except`
        // is one variable to the `claims.validate()` after them.
        let called = module.calls.iter().any(|other| {
            let ValueKind::Attr(base, name) = &other.callee.kind else {
                return false;
            };
            let ValueKind::Name(receiver) = &base.kind else {
                return false;
            };
            name == method && bound.iter().any(|b| b.name == *receiver && b.scope == other.scope)
        });
        let witness = Witness::at(target.anchor, None);
        match predicate {
            Predicate::Missing => Outcome::from_bool(!called, witness),
            _ => Outcome::from_bool(called, witness),
        }
    }

    /// A condition on one value: narrowed to its `element` and then to a
    /// dict entry (`keys`) when the condition asks, then judged by its
    /// predicate.
    pub(super) fn evaluate_value(
        &self,
        value: &'p Value,
        loc: Loc,
        condition: &Condition,
        witness: Witness<'p>,
    ) -> Outcome<'p> {
        let resolved = self.resolver.resolve(value, loc);
        // One of several values: judged on each.
        if let ValueKind::Choice(alternatives) = &resolved.value.kind {
            return all_of(alternatives.iter().map(|alternative| {
                let witness = witness
                    .clone()
                    .narrow(alternative, resolved.loc.module, resolved.through_binding);
                self.evaluate_value(alternative, resolved.loc, condition, witness)
            }));
        }
        let mut at = Narrowed {
            original: value,
            original_loc: loc,
            resolved,
            witness: witness.narrow_resolved(&resolved),
        };
        if let Some(index) = condition.element {
            at = match self.element(at, index) {
                Ok(at) => at,
                Err(outcome) => return outcome,
            };
        }
        if !condition.keys.is_empty() {
            at = match self.entry(at, condition) {
                Ok(at) => at,
                Err(outcome) => return outcome,
            };
            if let ValueKind::Choice(alternatives) = &at.resolved.value.kind {
                let narrowed = condition.without_narrowing();
                return all_of(alternatives.iter().map(|alternative| {
                    let witness = at.witness.clone().narrow(alternative, at.resolved.loc.module, false);
                    self.evaluate_value(alternative, at.resolved.loc, &narrowed, witness)
                }));
            }
        }
        self.test(
            &condition.predicate,
            at.original,
            at.original_loc,
            at.resolved,
            at.witness,
        )
    }

    /// Element `index` of a list or tuple. Where `original` is then written
    /// is the list's place: a predicate that reads the expression itself
    /// (its name, its callee) must look names up there.
    fn element(&self, at: Narrowed<'p>, index: usize) -> Result<Narrowed<'p>, Outcome<'p>> {
        let ValueKind::List(items) = &at.resolved.value.kind else {
            return Err(not_a(at.resolved.value));
        };
        let Some(item) = items.get(index) else {
            return Err(Outcome::No);
        };
        let list_loc = at.resolved.loc;
        let witness = at.witness.narrow(item, list_loc.module, false);
        let resolved = self.resolver.resolve(item, list_loc);
        Ok(Narrowed {
            original: item,
            original_loc: list_loc,
            witness: witness.narrow_resolved(&resolved),
            resolved,
        })
    }

    /// The entry of a dict under one of the condition's `keys`: unknown
    /// when the dict is open (`**base`) or has a key that does not resolve.
    fn entry(&self, at: Narrowed<'p>, condition: &Condition) -> Result<Narrowed<'p>, Outcome<'p>> {
        let Some((entries, open)) = self.mapping(at.resolved) else {
            return Err(not_a(at.resolved.value));
        };
        let dict_loc = at.resolved.loc;
        let wanted = |s: &str| {
            condition.keys.iter().any(|want| {
                if condition.keys_ignore_case {
                    want.eq_ignore_ascii_case(s)
                } else {
                    want == s
                }
            })
        };
        let mut unknown_key = false;
        let mut found = None;
        for (k, v) in entries {
            match &self.resolver.resolve(k, dict_loc).value.kind {
                ValueKind::Str(s) if wanted(s) => found = Some((s.clone(), v)),
                ValueKind::Str(_) => {}
                _ => unknown_key = true,
            }
        }
        let Some((key, entry)) = found else {
            return Err(if open || unknown_key {
                Outcome::Unknown
            } else {
                Outcome::No
            });
        };
        let witness = at.witness.narrow(entry, dict_loc.module, false).named(key);
        let resolved = self.resolver.resolve(entry, dict_loc);
        Ok(Narrowed {
            original: entry,
            original_loc: dict_loc,
            witness: witness.narrow_resolved(&resolved),
            resolved,
        })
    }
}

impl<'p> Ctx<'_, 'p> {
    /// The entries of a mapping: a dict display, or a list of `(key,
    /// value)` pairs (python-jose merges options with `dict.update`, which
    /// takes those too); with whether more keys may be present.
    fn mapping(&self, value: Resolved<'p>) -> Option<(Vec<(&'p Value, &'p Value)>, bool)> {
        match &value.value.kind {
            ValueKind::Dict { entries, open } => Some((entries.iter().map(|(k, v)| (k, v)).collect(), *open)),
            ValueKind::List(pairs) if !pairs.is_empty() => {
                let mut entries = Vec::new();
                for pair in pairs {
                    // Pairs written in place; a named pair would need its own place.
                    let ValueKind::List(parts) = &pair.kind else {
                        return None;
                    };
                    let [key, entry] = parts.as_slice() else {
                        return None;
                    };
                    entries.push((key, entry));
                }
                Some((entries, false))
            }
            _ => None,
        }
    }
}

/// Yes when every outcome is yes (the evidence of the first), no when every
/// one is no, unknown otherwise: a choice of values is judged on each.
fn all_of<'p>(outcomes: impl Iterator<Item = Outcome<'p>>) -> Outcome<'p> {
    let (mut first_yes, mut yes, mut no, mut total) = (None, 0, 0, 0);
    for outcome in outcomes {
        total += 1;
        match outcome {
            Outcome::Yes(witness) => {
                yes += 1;
                first_yes.get_or_insert(witness);
            }
            Outcome::No => no += 1,
            Outcome::Unknown => {}
        }
    }
    match first_yes {
        Some(witness) if yes == total => Outcome::Yes(witness),
        _ if no == total && total > 0 => Outcome::No,
        _ => Outcome::Unknown,
    }
}

/// A value that is not the list or dict a condition looks into: no, unless
/// what it is cannot be known.
fn not_a<'p>(value: &Value) -> Outcome<'p> {
    if is_opaque(value) {
        Outcome::Unknown
    } else {
        Outcome::No
    }
}

impl<'p> Ctx<'_, 'p> {
    /// A call's argument by keyword and/or position; a keyword may also come
    /// from a dict display the call unpacks (`**options`).
    fn find_argument(&self, call: &'p Call, keyword: Option<&str>, position: Option<usize>, loc: Loc) -> ArgState<'p> {
        if let Some(keyword) = keyword
            && let Some(arg) = call.args.iter().find(|a| a.keyword.as_deref() == Some(keyword))
        {
            return ArgState::Found(&arg.value, None);
        }
        if let Some(position) = position {
            let positional: Vec<&Arg> = call.args.iter().filter(|a| a.keyword.is_none()).collect();
            if let Some(arg) = positional.get(position) {
                return ArgState::Found(&arg.value, None);
            }
            if call.star_args {
                return ArgState::Unknown;
            }
        }
        match (keyword, call.star_kwargs) {
            (Some(keyword), true) => self.unpacked_argument(call, keyword, loc),
            _ => ArgState::Missing,
        }
    }

    /// `f(**{"algorithms": [...]})`, or `**kwargs` bound to a dict display:
    /// the entry for `keyword`, missing when the dict is closed and lacks it.
    fn unpacked_argument(&self, call: &'p Call, keyword: &str, loc: Loc) -> ArgState<'p> {
        let Some(unpacked) = &call.unpacked else {
            return ArgState::Unknown;
        };
        let mapping = self.resolver.resolve(unpacked, loc.with_scope(call.scope));
        let ValueKind::Dict { entries, open: false } = &mapping.value.kind else {
            return ArgState::Unknown;
        };
        let mut found = None;
        for (key, value) in entries {
            match &self.resolver.resolve(key, mapping.loc).value.kind {
                ValueKind::Str(name) if name == keyword => found = Some(value),
                ValueKind::Str(_) => {}
                _ => return ArgState::Unknown,
            }
        }
        match found {
            Some(value) => ArgState::Found(value, Some(mapping.loc)),
            None => ArgState::Missing,
        }
    }
}
