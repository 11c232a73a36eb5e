//! Evaluates compiled rules against a lowered module.
//!
//! Every condition evaluates to yes, no or unknown. A clause reports only when
//! every `where` condition is a definite yes, and is silenced by any `unless`
//! condition that is yes *or unknown*: what we cannot see never produces a
//! finding. (`jwt.decode(t, k, **kwargs)` is not "missing algorithms".)

use crate::model::{Arg, Call, Parameter, Setting, Span, Subscript, TemplatePart, Value, ValueKind};
use crate::policy::Policy;
use crate::project::ModuleId;
use crate::redact::redact_value;
use crate::resolve::{Loc, Lookup, Resolved, Resolver};
use crate::rules::{Clause, Condition, Literal, Predicate, Rule, Selector, Severity, Subject};
use crate::values::{
    AlgorithmFamily, algorithm_family, duration_seconds, expiry_lifetime, generated_key_bytes, human_duration,
    is_loopback_host, is_opaque, is_public_key,
};

/// A finding before it is placed in a file: spans are byte offsets.
#[derive(Clone, Debug)]
pub struct RawFinding {
    /// Index into the rule list the engine was given.
    pub rule: usize,
    pub severity: Severity,
    pub primary: Span,
    pub label: String,
    /// Secondary labels: the definitions a value was resolved through,
    /// possibly in another module.
    pub related: Vec<RawRelated>,
    pub message: String,
    /// Literal spans holding secret values, to be redacted wherever the
    /// source is shown.
    pub secret_spans: Vec<(ModuleId, Span)>,
}

#[derive(Clone, Debug)]
pub struct RawRelated {
    pub module: ModuleId,
    pub span: Span,
    pub label: String,
}

/// Where a condition's evidence is: `site` lies inside the subject in the
/// linted module; `definition` is set once resolution followed a name.
#[derive(Clone, Debug)]
struct Witness<'p> {
    site: Span,
    definition: Option<(ModuleId, Span)>,
    value: Option<&'p Value>,
    /// What `{name}` shows: the dict key, setting or parameter matched.
    name: Option<String>,
    /// What `{value}` shows, when the value itself is not the best rendering
    /// (a duration reads better as "8 days").
    display: Option<String>,
}

impl<'p> Witness<'p> {
    fn at(site: Span, value: Option<&'p Value>) -> Self {
        Witness {
            site,
            definition: None,
            value,
            name: None,
            display: None,
        }
    }

    /// Narrows the evidence to a sub-value (a resolved value, a list
    /// element, a dict entry).
    fn narrow(mut self, to: &'p Value, module: ModuleId, through_binding: bool) -> Self {
        if to.is_unknown() {
            return self; // nothing better to point at
        }
        if through_binding || self.definition.is_some() {
            self.definition = Some((module, to.span));
        } else {
            self.site = to.span;
        }
        self.value = Some(to);
        self
    }

    fn narrow_resolved(self, resolved: &Resolved<'p>) -> Self {
        self.narrow(resolved.value, resolved.loc.module, resolved.through_binding)
    }

    fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    fn displayed(mut self, display: String) -> Self {
        self.display = Some(display);
        self
    }
}

enum Outcome<'p> {
    Yes(Witness<'p>),
    No,
    Unknown,
}

impl Outcome<'_> {
    fn from_bool<'p>(yes: bool, witness: Witness<'p>) -> Outcome<'p> {
        if yes { Outcome::Yes(witness) } else { Outcome::No }
    }
}

enum ArgState<'p> {
    Found(&'p Value),
    Missing,
    Unknown,
}

/// What a clause is being tried on.
struct Target<'p> {
    call: Option<&'p Call>,
    /// The subject value for settings, templates, subscripts (index) and parameters.
    value: Option<&'p Value>,
    loc: Loc,
    /// The span a finding points at when no condition gives better evidence.
    anchor: Span,
    /// `{name}` when no condition names something more precise.
    name: Option<String>,
}

/// Calls whose result is the current time, for `exp = now + lifetime`.
const NOW_CALLS: &[&str] = &[
    "datetime.datetime.utcnow",
    "datetime.datetime.now",
    "datetime.datetime.today",
    "datetime.utcnow",
    "datetime.now",
    "time.time",
    "django.utils.timezone.now",
    "arrow.utcnow",
    "arrow.now",
    "pendulum.now",
    "chrono::Utc::now",
    "chrono::Local::now",
    "chrono::offset::Utc::now",
    "chrono::offset::Local::now",
    "std::time::SystemTime::now",
    "jsonwebtoken::get_current_timestamp",
    "time::OffsetDateTime::now_utc",
    "jwt_simple::prelude::Clock::now_since_epoch",
];

/// Calls that pass their (first) argument's value through, for derivations.
const PASS_THROUGH_FUNCTIONS: &[&str] = &["list", "tuple", "set", "sorted", "frozenset", "str", "int", "round"];
const PASS_THROUGH_METHODS: &[&str] = &[
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
const MAX_DERIVATION_DEPTH: usize = 12;

pub struct Engine<'a> {
    rules: &'a [Rule],
}

impl<'a> Engine<'a> {
    pub fn new(rules: &'a [Rule]) -> Self {
        Engine { rules }
    }

    /// Runs the rules whose indices are in `active` over one module, with
    /// the thresholds and name patterns of the configuration governing it.
    pub fn check_module<'p>(
        &self,
        resolver: &Resolver<'p>,
        module_id: ModuleId,
        active: &[usize],
        policy: &Policy,
    ) -> Vec<RawFinding> {
        let module = resolver.module(module_id);
        let clauses: Vec<(usize, &Clause)> = active
            .iter()
            .flat_map(|&i| self.rules[i].clauses.iter().map(move |c| (i, c)))
            .filter(|(_, c)| c.language == module.language)
            .collect();
        let mut findings = Vec::new();
        if clauses.is_empty() {
            return findings;
        }
        let ctx = Ctx {
            resolver,
            policy,
            module: module_id,
        };
        let has = |f: fn(&Subject) -> bool| clauses.iter().any(|(_, c)| f(&c.subject));

        if has(|s| matches!(s, Subject::Call { .. })) {
            for call in &module.calls {
                let paths = resolver.callee_paths(call, module_id);
                if paths.is_empty() {
                    continue;
                }
                for &(rule, clause) in &clauses {
                    let Subject::Call { callees, .. } = &clause.subject else {
                        continue;
                    };
                    if !paths.iter().any(|p| callees.is_match(p)) {
                        continue;
                    }
                    let target = Target {
                        call: Some(call),
                        value: None,
                        loc: Loc {
                            module: module_id,
                            scope: call.scope,
                        },
                        anchor: call.callee.span,
                        name: None,
                    };
                    findings.extend(self.try_clause(&ctx, rule, clause, &target));
                }
            }
        }
        if has(|s| matches!(s, Subject::Setting { .. })) {
            for setting in &module.settings {
                for &(rule, clause) in &clauses {
                    if !ctx.setting_matches(&clause.subject, setting) {
                        continue;
                    }
                    let target = Target {
                        call: None,
                        value: Some(&setting.value),
                        loc: Loc {
                            module: module_id,
                            scope: setting.scope,
                        },
                        anchor: setting.value.span,
                        name: Some(setting.name.clone()),
                    };
                    findings.extend(self.try_clause(&ctx, rule, clause, &target));
                }
            }
        }
        if has(|s| matches!(s, Subject::Template)) {
            for (template, scope) in &module.templates {
                for &(rule, clause) in &clauses {
                    if !matches!(clause.subject, Subject::Template) {
                        continue;
                    }
                    let target = Target {
                        call: None,
                        value: Some(template),
                        loc: Loc {
                            module: module_id,
                            scope: *scope,
                        },
                        anchor: template.span,
                        name: None,
                    };
                    findings.extend(self.try_clause(&ctx, rule, clause, &target));
                }
            }
        }
        if has(|s| matches!(s, Subject::Subscript { .. })) {
            for subscript in &module.subscripts {
                for &(rule, clause) in &clauses {
                    if !ctx.subscript_matches(&clause.subject, subscript) {
                        continue;
                    }
                    let target = Target {
                        call: None,
                        value: Some(&subscript.index),
                        loc: Loc {
                            module: module_id,
                            scope: subscript.scope,
                        },
                        anchor: subscript.span,
                        name: None,
                    };
                    findings.extend(self.try_clause(&ctx, rule, clause, &target));
                }
            }
        }
        if has(|s| matches!(s, Subject::Parameter { .. })) {
            for parameter in &module.parameters {
                for &(rule, clause) in &clauses {
                    if !ctx.parameter_matches(&clause.subject, parameter) {
                        continue;
                    }
                    let target = Target {
                        call: None,
                        value: None,
                        loc: Loc {
                            module: module_id,
                            scope: parameter.scope,
                        },
                        anchor: parameter.span,
                        name: Some(parameter.name.clone()),
                    };
                    findings.extend(self.try_clause(&ctx, rule, clause, &target));
                }
            }
        }
        if has(|s| matches!(s, Subject::ParameterType { .. })) {
            for parameter in &module.parameters {
                let Some(ValueKind::Index(outer, inner)) = parameter.annotation.as_ref().map(|a| &a.kind) else {
                    continue;
                };
                let loc = Loc {
                    module: module_id,
                    scope: parameter.scope,
                };
                let paths = resolver.value_paths(outer, loc, 0);
                for &(rule, clause) in &clauses {
                    let Subject::ParameterType { types } = &clause.subject else {
                        continue;
                    };
                    if !paths.iter().any(|p| types.is_match(p)) {
                        continue;
                    }
                    let target = Target {
                        call: None,
                        value: Some(inner),
                        loc,
                        anchor: parameter.span,
                        name: Some(parameter.name.clone()),
                    };
                    findings.extend(self.try_clause(&ctx, rule, clause, &target));
                }
            }
        }
        if has(|s| matches!(s, Subject::Struct { .. })) {
            for def in &module.structs {
                for &(rule, clause) in &clauses {
                    let Subject::Struct { names, derives } = &clause.subject else {
                        continue;
                    };
                    if !names.is_match(&def.name) || derives.as_ref().is_some_and(|d| !def.derives.contains(d)) {
                        continue;
                    }
                    let target = Target {
                        call: None,
                        value: Some(&def.shape),
                        loc: Loc {
                            module: module_id,
                            scope: 0,
                        },
                        anchor: def.span,
                        name: Some(def.name.clone()),
                    };
                    findings.extend(self.try_clause(&ctx, rule, clause, &target));
                }
            }
        }
        // Two clauses (or a template and the template inside it) may reach
        // the same evidence: report it once.
        findings.sort_by_key(|f| (f.primary, f.rule));
        findings.dedup_by_key(|f| (f.primary, f.rule));
        findings
    }

    fn try_clause<'p>(
        &self,
        ctx: &Ctx<'_, 'p>,
        rule_index: usize,
        clause: &Clause,
        target: &Target<'p>,
    ) -> Option<RawFinding> {
        let rule = &self.rules[rule_index];
        let mut witnesses = Vec::new();
        for condition in &clause.conditions {
            match ctx.evaluate(target, condition) {
                Outcome::Yes(w) => witnesses.push((condition, w)),
                Outcome::No | Outcome::Unknown => return None,
            }
        }
        for condition in &clause.unless {
            if !matches!(ctx.evaluate(target, condition), Outcome::No) {
                return None;
            }
        }
        let mut missing = Vec::new();
        for check in &clause.checks {
            if clause.checks_from.is_some() && !ctx.policy.required_claims.contains(&check.name) {
                continue;
            }
            match ctx.evaluate(target, &check.condition) {
                Outcome::Yes(_) => {}
                Outcome::No => missing.push(check.name.as_str()),
                Outcome::Unknown => return None,
            }
        }
        if !clause.checks.is_empty() && missing.is_empty() {
            return None;
        }

        // The finding points at the evidence of the last value condition;
        // a clause made only of missing arguments (or of its subject alone)
        // points at the subject.
        let evidence = witnesses
            .iter()
            .rev()
            .find(|(c, _)| {
                !matches!(c.predicate, Predicate::Missing) || matches!(c.selector, Selector::ResultMethod(_))
            })
            .map(|(c, w)| (*c, w.clone()));
        let callee_text = target
            .call
            .map(|call| ctx.resolver.display_callee(&call.callee, ctx.module))
            .unwrap_or_default();
        let argument = evidence
            .as_ref()
            .map(|(c, _)| c.selector.describe())
            .or_else(|| witnesses.first().map(|(c, _)| c.selector.describe()))
            .unwrap_or_default();
        let value_text = evidence
            .as_ref()
            .and_then(|(_, w)| {
                w.display
                    .clone()
                    .or_else(|| w.value.map(|v| redact_value(v, rule.secret)))
            })
            .unwrap_or_default();
        let name = evidence
            .as_ref()
            .and_then(|(_, w)| w.name.clone())
            .or_else(|| witnesses.iter().find_map(|(_, w)| w.name.clone()))
            .or_else(|| target.name.clone())
            .unwrap_or_default();
        let message = clause
            .message
            .as_deref()
            .unwrap_or(&rule.message)
            .replace("{callee}", &callee_text)
            .replace("{argument}", &argument)
            .replace("{value}", &value_text)
            .replace("{name}", &name)
            .replace("{missing}", &missing.join(", "));
        let label = clause.label.clone().unwrap_or_else(|| rule.name.replace('-', " "));

        let (primary, mut related, secret_spans) = match &evidence {
            Some((_, w)) if target.call.is_none() || w.site != target.anchor || w.value.is_some() => {
                let related: Vec<RawRelated> = w
                    .definition
                    .map(|(module, span)| RawRelated {
                        module,
                        span,
                        label: "resolved to this value".to_string(),
                    })
                    .into_iter()
                    .collect();
                let secret = match (rule.secret, w.value) {
                    (true, Some(v)) => vec![(w.definition.map_or(ctx.module, |(m, _)| m), v.span)],
                    _ => Vec::new(),
                };
                (w.site, related, secret)
            }
            _ => (target.anchor, Vec::new(), Vec::new()),
        };
        related.retain(|r| !(r.module == ctx.module && r.span == primary));
        Some(RawFinding {
            rule: rule_index,
            severity: clause.severity.unwrap_or(rule.severity),
            primary,
            label,
            related,
            message,
            secret_spans: secret_spans.into_iter().filter(|(_, s)| !s.is_empty()).collect(),
        })
    }
}

/// What every evaluation needs: the resolver, the policy, and the module
/// the subject is in.
struct Ctx<'r, 'p> {
    resolver: &'r Resolver<'p>,
    policy: &'r Policy,
    module: ModuleId,
}

impl<'p> Ctx<'_, 'p> {
    fn setting_matches(&self, subject: &Subject, setting: &'p Setting) -> bool {
        let Subject::Setting {
            names,
            class,
            containers,
            top_level,
        } = subject
        else {
            return false;
        };
        if let Some(names) = names
            && !names.is_match(setting.name.to_ascii_lowercase())
        {
            return false;
        }
        if let Some(class) = class
            && !self.policy.name_class(class).is_some_and(|c| c.matches(&setting.name))
        {
            return false;
        }
        if *top_level && setting.container.is_some() {
            return false;
        }
        let Some(globs) = containers else {
            return true;
        };
        if setting.container.as_ref().is_some_and(|c| globs.is_match(c)) {
            return true;
        }
        // A Rust receiver or struct literal: match what it is an instance of
        // (`jsonwebtoken::Validation::new()`, `jsonwebtoken::Validation`).
        let Some(container) = &setting.container_value else {
            return false;
        };
        let loc = Loc {
            module: self.module,
            scope: setting.scope,
        };
        self.resolver
            .value_paths(container, loc, 0)
            .iter()
            .any(|p| globs.is_match(p))
    }

    fn subscript_matches(&self, subject: &Subject, subscript: &'p Subscript) -> bool {
        let Subject::Subscript { bases } = subject else {
            return false;
        };
        let loc = Loc {
            module: self.module,
            scope: subscript.scope,
        };
        self.resolver
            .value_paths(&subscript.base, loc, 0)
            .iter()
            .any(|p| bases.is_match(p))
    }

    fn parameter_matches(&self, subject: &Subject, parameter: &'p Parameter) -> bool {
        let Subject::Parameter { class, declared_by } = subject else {
            return false;
        };
        if !self
            .policy
            .name_class(class)
            .is_some_and(|c| c.matches(&parameter.name))
        {
            return false;
        }
        let loc = Loc {
            module: self.module,
            scope: parameter.scope,
        };
        parameter
            .default
            .iter()
            .chain(parameter.annotation.iter())
            .flat_map(calls_within)
            .any(|id| {
                let call = &self.resolver.module(self.module).calls[id];
                self.resolver
                    .callee_paths(call, self.module)
                    .iter()
                    .any(|p| declared_by.is_match(p))
                    && loc.module == self.module
            })
    }

    fn evaluate(&self, target: &Target<'p>, condition: &Condition) -> Outcome<'p> {
        let loc = target.loc;
        match (&condition.selector, target.call) {
            (Selector::Subject, _) => match target.value {
                Some(value) => self.evaluate_value(value, loc, condition, Witness::at(value.span, Some(value))),
                None => Outcome::Unknown,
            },
            (Selector::Argument { keyword, position }, Some(call)) => {
                match find_argument(call, keyword.as_deref(), *position) {
                    ArgState::Found(_) if matches!(condition.predicate, Predicate::Missing) => Outcome::No,
                    ArgState::Found(value) => {
                        self.evaluate_value(value, loc, condition, Witness::at(value.span, Some(value)))
                    }
                    ArgState::Missing if matches!(condition.predicate, Predicate::Missing) => {
                        Outcome::Yes(Witness::at(target.anchor, None))
                    }
                    ArgState::Missing => Outcome::No,
                    ArgState::Unknown => Outcome::Unknown,
                }
            }
            (Selector::AnyArgument, Some(call)) => {
                let outcomes = call.args.iter().map(|arg| {
                    self.evaluate_value(
                        &arg.value,
                        loc,
                        condition,
                        Witness::at(arg.value.span, Some(&arg.value)),
                    )
                });
                any_of(outcomes, call.star_args || call.star_kwargs)
            }
            (Selector::KeywordInClass(class), Some(call)) => {
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
                        let witness = Witness::at(arg.value.span, Some(&arg.value))
                            .named(arg.keyword.clone().unwrap_or_default());
                        self.evaluate_value(&arg.value, loc, condition, witness)
                    });
                any_of(outcomes, call.star_kwargs)
            }
            (Selector::ResultMethod(method), Some(call)) => {
                self.result_method(call, target, method, &condition.predicate)
            }
            (Selector::ReceiverArgument(position), Some(call)) => {
                let ValueKind::Attr(receiver, _) = &call.callee.kind else {
                    return Outcome::Unknown;
                };
                let receiver = self.resolver.resolve(receiver, loc);
                let ValueKind::Call(id) = &receiver.value.kind else {
                    return Outcome::Unknown;
                };
                let inner = &self.resolver.module(receiver.loc.module).calls[*id];
                let inner_loc = receiver.loc.with_scope(inner.scope);
                match find_argument(inner, None, Some(*position)) {
                    ArgState::Found(value) if receiver.loc.module == self.module => {
                        self.evaluate_value(value, inner_loc, condition, Witness::at(value.span, Some(value)))
                    }
                    ArgState::Missing if matches!(condition.predicate, Predicate::Missing) => {
                        Outcome::Yes(Witness::at(target.anchor, None))
                    }
                    ArgState::Missing => Outcome::No,
                    _ => Outcome::Unknown,
                }
            }
            (Selector::ChainedMethod(methods), Some(call)) => match self.chained_call(call, methods) {
                Some(chained) => match chained.args.first() {
                    Some(arg) => self.evaluate_value(
                        &arg.value,
                        loc,
                        condition,
                        Witness::at(arg.value.span, Some(&arg.value)),
                    ),
                    None => Outcome::Unknown,
                },
                None if matches!(condition.predicate, Predicate::Missing) => {
                    Outcome::Yes(Witness::at(target.anchor, None))
                }
                None => Outcome::No,
            },
            (Selector::RequestUrl, Some(call)) => match self.request_url(call) {
                Some(url) => self.evaluate_value(url, loc, condition, Witness::at(url.span, Some(url))),
                None => Outcome::Unknown,
            },
            _ => Outcome::Unknown,
        }
    }

    /// The call of one of `methods` made on this call's result: further
    /// along its builder chain (`Cookie::build(..).http_only(true)`), or on
    /// the local the result is bound to (`cookie.set_http_only(true)`).
    fn chained_call(&self, call: &'p Call, methods: &[String]) -> Option<&'p Call> {
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
                        let loc = Loc {
                            module: self.module,
                            scope: other.scope,
                        };
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
    fn request_url(&self, call: &'p Call) -> Option<&'p Value> {
        let module = self.resolver.module(self.module);
        let mut current = call;
        for _ in 0..32 {
            let ValueKind::Attr(receiver, _) = &current.callee.kind else {
                return None;
            };
            let loc = Loc {
                module: self.module,
                scope: current.scope,
            };
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
    fn result_method(&self, call: &'p Call, target: &Target<'p>, method: &str, predicate: &Predicate) -> Outcome<'p> {
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

    fn evaluate_value(&self, value: &'p Value, loc: Loc, condition: &Condition, witness: Witness<'p>) -> Outcome<'p> {
        let mut resolved = self.resolver.resolve(value, loc);
        let mut witness = witness.narrow_resolved(&resolved);
        let mut value = value;
        // Where `value` is written: a predicate that reads the expression
        // itself (its name, its callee) must look names up there, not where
        // the value it holds was found (another scope or module).
        let mut value_loc = loc;
        if let Some(index) = condition.element {
            let ValueKind::List(items) = &resolved.value.kind else {
                return if is_opaque(resolved.value) {
                    Outcome::Unknown
                } else {
                    Outcome::No
                };
            };
            let Some(item) = items.get(index) else {
                return Outcome::No;
            };
            value = item;
            value_loc = resolved.loc;
            witness = witness.narrow(item, resolved.loc.module, false);
            resolved = self.resolver.resolve(item, resolved.loc);
            witness = witness.narrow_resolved(&resolved);
        }
        if !condition.keys.is_empty() {
            let ValueKind::Dict { entries, open } = &resolved.value.kind else {
                return if is_opaque(resolved.value) {
                    Outcome::Unknown
                } else {
                    Outcome::No
                };
            };
            let mut unknown_key = false;
            let mut found = None;
            for (k, v) in entries {
                match &self.resolver.resolve(k, resolved.loc).value.kind {
                    ValueKind::Str(s)
                        if condition.keys.iter().any(|want| {
                            if condition.keys_ignore_case {
                                want.eq_ignore_ascii_case(s)
                            } else {
                                want == s
                            }
                        }) =>
                    {
                        found = Some((s.clone(), v));
                    }
                    ValueKind::Str(_) => {}
                    _ => unknown_key = true,
                }
            }
            let Some((key, entry)) = found else {
                return if *open || unknown_key {
                    Outcome::Unknown
                } else {
                    Outcome::No
                };
            };
            let entry_loc = resolved.loc;
            witness = witness.narrow(entry, entry_loc.module, false).named(key);
            resolved = self.resolver.resolve(entry, entry_loc);
            witness = witness.narrow_resolved(&resolved);
            return self.test(&condition.predicate, entry, entry_loc, resolved, witness);
        }
        self.test(&condition.predicate, value, value_loc, resolved, witness)
    }

    /// Applies a predicate. `original` is the expression as written at
    /// `original_loc` (names matter to some tests); `resolved` is what it holds.
    fn test(
        &self,
        predicate: &Predicate,
        original: &'p Value,
        original_loc: Loc,
        resolved: Resolved<'p>,
        witness: Witness<'p>,
    ) -> Outcome<'p> {
        let value = resolved.value;
        let known = |yes: bool, witness: Witness<'p>| {
            if is_opaque(value) {
                Outcome::Unknown
            } else {
                Outcome::from_bool(yes, witness)
            }
        };
        match predicate {
            Predicate::Missing => Outcome::No,
            Predicate::Present => Outcome::Yes(witness),
            // A closure returning a literal (`unwrap_or_else(|_| "dev".into())`) is a literal fallback.
            Predicate::StringLiteral | Predicate::NonEmptyString if matches!(value.kind, ValueKind::Closure(_)) => {
                let ValueKind::Closure(body) = &value.kind else {
                    unreachable!()
                };
                let body = self.resolver.resolve(body, resolved.loc);
                // The finding points at (and its message shows) the literal, not the closure.
                let witness = witness.narrow_resolved(&body);
                self.test(predicate, original, original_loc, body, witness)
            }
            Predicate::StringLiteral => known(matches!(value.kind, ValueKind::Str(_) | ValueKind::Bytes(_)), witness),
            Predicate::NonEmptyString => known(
                match &value.kind {
                    ValueKind::Str(s) => !s.is_empty(),
                    ValueKind::Bytes(b) => !b.is_empty(),
                    _ => false,
                },
                witness,
            ),
            Predicate::List => known(matches!(value.kind, ValueKind::List(_)), witness),
            Predicate::NamesAVariable => match &value.kind {
                ValueKind::Str(s) => Outcome::from_bool(names_a_variable(s), witness),
                _ => known(false, witness),
            },
            Predicate::FarFutureTimestamp => match &value.kind {
                ValueKind::Int(t) => Outcome::from_bool(is_far_future_timestamp(*t), witness),
                _ => known(false, witness),
            },
            Predicate::ConfiguredBy(names) => self.configured_by(original, original_loc, resolved, names, witness),
            Predicate::Null => known(matches!(value.kind, ValueKind::Null), witness),
            Predicate::PublicKey => known(
                match &value.kind {
                    ValueKind::Str(s) => is_public_key(s.as_bytes()),
                    ValueKind::Bytes(b) => is_public_key(b),
                    _ => false,
                },
                witness,
            ),
            Predicate::Equals(literal) => match literal_matches(literal, value) {
                Some(yes) => Outcome::from_bool(yes, witness),
                None => Outcome::Unknown,
            },
            Predicate::Contains(literal) => self.contains(literal, value, resolved.loc, witness),
            Predicate::Names(class) => match &value.kind {
                ValueKind::Str(s) => {
                    let yes = self.policy.name_class(class).is_some_and(|c| c.matches(s));
                    Outcome::from_bool(yes, witness.named(s.clone()))
                }
                // `os.getenvb(b"JWT_SECRET", …)` names its variable in bytes.
                ValueKind::Bytes(b) => {
                    let s = String::from_utf8_lossy(b);
                    let yes = self.policy.name_class(class).is_some_and(|c| c.matches(&s));
                    Outcome::from_bool(yes, witness.named(s.into_owned()))
                }
                // A constant naming a header (`header::AUTHORIZATION`).
                _ if is_opaque(value) => {
                    let paths = self.resolver.value_paths(original, original_loc, 0);
                    let last = paths
                        .iter()
                        .filter_map(|p| p.rsplit([':', '.']).next())
                        .find(|last| self.policy.name_class(class).is_some_and(|c| c.matches(last)));
                    match last {
                        Some(name) => Outcome::Yes(witness.named(name.to_string())),
                        None => Outcome::Unknown,
                    }
                }
                _ => Outcome::No,
            },
            Predicate::FromCall(globs) => {
                match self.derived_from(
                    original,
                    original_loc,
                    &|paths: &[String]| paths.iter().any(|p| globs.is_match(p)),
                    0,
                ) {
                    Some(true) => Outcome::Yes(witness),
                    Some(false) => Outcome::No,
                    None => Outcome::Unknown,
                }
            }
            Predicate::RefersTo(globs) => {
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
            Predicate::LacksKey(key) => match &value.kind {
                ValueKind::Dict { entries, open } => {
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
                _ => known(false, witness),
            },
            // `[("access_token", t)]`: a list of pairs is a mapping too.
            Predicate::HasKeyIn(class) if matches!(value.kind, ValueKind::List(_)) => {
                let ValueKind::List(pairs) = &value.kind else {
                    unreachable!()
                };
                let class = self.policy.name_class(class);
                let mut unknown = false;
                for pair in pairs {
                    let pair = self.resolver.resolve(pair, resolved.loc);
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
            Predicate::HasKeyIn(class) => match &value.kind {
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
                _ => known(false, witness),
            },
            Predicate::DurationOver(threshold) => {
                let limit = self.policy.threshold(threshold).unwrap_or(i128::MAX);
                match duration_seconds(self.resolver, value, resolved.loc) {
                    Some(seconds) => Outcome::from_bool(seconds > limit, witness.displayed(human_duration(seconds))),
                    None => known(false, witness),
                }
            }
            Predicate::ExpiryOver(threshold) => {
                let limit = self.policy.threshold(threshold).unwrap_or(i128::MAX);
                match expiry_lifetime(self.resolver, value, resolved.loc, NOW_CALLS) {
                    Some(seconds) => Outcome::from_bool(seconds > limit, witness.displayed(human_duration(seconds))),
                    None => Outcome::Unknown,
                }
            }
            Predicate::GeneratedBytesUnder(threshold) => {
                let limit = self.policy.threshold(threshold).unwrap_or(0);
                match generated_key_bytes(self.resolver, value, resolved.loc) {
                    Some(Some(bytes)) => Outcome::from_bool(bytes < limit, witness.displayed(format!("{bytes} bytes"))),
                    Some(None) => Outcome::Unknown,
                    None => known(false, witness),
                }
            }
            Predicate::BearerToken => match self.bearer_token(original, original_loc, 0) {
                Some(w) => Outcome::Yes(witness_for(w, witness)),
                None => Outcome::No,
            },
            Predicate::PlainHttpRemoteUrl => {
                let text = match &value.kind {
                    ValueKind::Str(s) => Some(s.as_str()),
                    ValueKind::Template(parts) => match parts.first() {
                        Some(TemplatePart::Lit(s)) => Some(s.as_str()),
                        _ => None,
                    },
                    _ => None,
                };
                match text {
                    Some(url) => {
                        let lower = url.to_ascii_lowercase();
                        match lower.strip_prefix("http://") {
                            Some(rest) => {
                                let host = rest.split(['/', '?', '#']).next().unwrap_or("");
                                if host.is_empty() {
                                    Outcome::Unknown // `"http://" + host`
                                } else {
                                    Outcome::from_bool(!is_loopback_host(host), witness)
                                }
                            }
                            None => Outcome::No,
                        }
                    }
                    None => known(false, witness),
                }
            }
            Predicate::MixedAlgorithmFamilies => self.mixed_families(value, resolved.loc, witness),
            Predicate::TokenInQuery => self.token_in_query(value, resolved.loc, witness),
            Predicate::UntrustedKeyId => match self.untrusted_key_id(original, original_loc, 0) {
                Some(span) => Outcome::Yes(Witness::at(span, None)),
                None => Outcome::No,
            },
        }
    }

    /// Whether a local that a call or struct literal set up (a `Validation`)
    /// is configured by one of `names`: a method called on it, a field
    /// assigned on it, or a field of the struct literal. Unknown when the
    /// value is not such a local, or when the local is handed to another
    /// function that could configure it.
    fn configured_by(
        &self,
        original: &'p Value,
        original_loc: Loc,
        resolved: Resolved<'p>,
        names: &[String],
        witness: Witness<'p>,
    ) -> Outcome<'p> {
        let module = self.resolver.module(original_loc.module);
        // A struct literal says what it sets.
        if let ValueKind::Dict { entries, open } = &resolved.value.kind {
            let set = entries
                .iter()
                .any(|(k, _)| matches!(&k.kind, ValueKind::Str(s) if names.contains(s)));
            return if set {
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
            ValueKind::Dict { entries, .. }
                if entries
                    .iter()
                    .any(|(k, _)| matches!(&k.kind, ValueKind::Str(s) if names.contains(s))) =>
            {
                return Outcome::Yes(witness);
            }
            ValueKind::Dict { .. } => {}
            _ => return Outcome::Unknown,
        }
        let refers_to_binding = |value: &Value, scope| match &value.kind {
            ValueKind::Name(n) if n == name => {
                let loc = Loc {
                    module: original_loc.module,
                    scope,
                };
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
        // Handed to the call being checked is expected; to any other, it may
        // be configured there.
        if passed_on > 1 { Outcome::Unknown } else { Outcome::No }
    }

    /// `T::new(..)`, `T::default()`, `Default::default()`: built right here,
    /// so everything that configures it is in this function. What another
    /// function returns may come configured.
    fn is_constructor(&self, call: usize) -> bool {
        let call = &self.resolver.module(self.module).calls[call];
        self.resolver
            .callee_paths(call, self.module)
            .iter()
            .any(|p| p.ends_with("::new") || p.ends_with("::default"))
    }

    fn contains(&self, literal: &Literal, value: &'p Value, loc: Loc, witness: Witness<'p>) -> Outcome<'p> {
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

    fn mixed_families(&self, value: &'p Value, loc: Loc, witness: Witness<'p>) -> Outcome<'p> {
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

    /// A literal part ending in `?name=` or `&name=` (a bearer-token name)
    /// followed by a value: a token carried in a URL.
    fn token_in_query(&self, value: &'p Value, loc: Loc, witness: Witness<'p>) -> Outcome<'p> {
        let ValueKind::Template(parts) = &value.kind else {
            return Outcome::No;
        };
        // `&name=` is a query parameter when the template is a URL: it starts
        // with a base URL held in a variable, or has a `?` or `/` before.
        // A form body (`"grant_type=refresh_token&refresh_token=%s"`) is not.
        let mut url_so_far = matches!(parts.first(), Some(TemplatePart::Hole(_)));
        for pair in parts.windows(2) {
            let (TemplatePart::Lit(text), TemplatePart::Hole(hole)) = (&pair[0], &pair[1]) else {
                continue;
            };
            let url_before = url_so_far;
            url_so_far = url_so_far || text.contains(['?', '/']);
            let site = if hole.span.is_empty() { value.span } else { hole.span };
            if text.ends_with(['?', '&']) && self.urlencodes_a_token(hole, loc) {
                return Outcome::Yes(Witness { site, ..witness });
            }
            let Some(before_equals) = text.strip_suffix('=') else {
                continue;
            };
            let Some(separator) = before_equals.rfind(['?', '&']) else {
                continue;
            };
            let is_query = before_equals[separator..].starts_with('?')
                || url_before
                || before_equals[..separator].contains(['?', '/']);
            let name = &before_equals[separator + 1..];
            if is_query && !name.is_empty() && self.policy.token_names.matches(name) {
                return Outcome::Yes(Witness { site, ..witness }.named(name.to_string()));
            }
        }
        Outcome::No
    }

    /// `urlencode({"access_token": t})`, as it follows a `?` in a URL.
    fn urlencodes_a_token(&self, hole: &'p Value, loc: Loc) -> bool {
        let resolved = self.resolver.resolve(hole, loc);
        let ValueKind::Call(id) = &resolved.value.kind else {
            return false;
        };
        let call = &self.resolver.module(resolved.loc.module).calls[*id];
        let encodes = self
            .resolver
            .callee_paths(call, resolved.loc.module)
            .iter()
            .any(|p| p == "urllib.parse.urlencode" || p == "urllib.urlencode");
        let Some(first) = call.args.first() else { return false };
        let query = self.resolver.resolve(&first.value, resolved.loc.with_scope(call.scope));
        let ValueKind::Dict { entries, .. } = &query.value.kind else {
            return false;
        };
        encodes
            && entries.iter().any(|(k, _)| {
                matches!(&self.resolver.resolve(k, query.loc).value.kind, ValueKind::Str(s) if self.policy.token_names.matches(s))
            })
    }

    /// Whether an expression is, or interpolates, a bearer token: a
    /// token-named variable, attribute or key, an `Authorization` header, or
    /// a token `jwt.encode` produced. Returns the span of the token part.
    fn bearer_token(&self, value: &'p Value, loc: Loc, depth: usize) -> Option<Span> {
        if depth > MAX_DERIVATION_DEPTH {
            return None;
        }
        let tokens = &self.policy.token_names;
        match &value.kind {
            ValueKind::Name(name) => {
                // A Rust value known by a type that is not a string (mio's
                // `Token`, a `CancellationToken`) is not a bearer token.
                if let Lookup::Bound(binding) = self.resolver.lookup(name, loc, value.span.start)
                    && let ValueKind::Typed(segments) = &binding.value.kind
                    && !segments.last().is_some_and(|t| {
                        ["String", "str", "Cow", "SecretString", "Secret", "HeaderValue"].contains(&t.as_str())
                    })
                {
                    return None;
                }
                if tokens.matches(name) {
                    return Some(value.span);
                }
                // A local holding `jwt.encode(…)` or a header value.
                match self.resolver.lookup(name, loc, value.span.start) {
                    Lookup::Bound(binding) if !binding.value.is_unknown() => {
                        let inner = Loc {
                            module: loc.module,
                            scope: binding.scope,
                        };
                        self.bearer_token(&binding.value, inner, depth + 1).map(|_| value.span)
                    }
                    _ => None,
                }
            }
            ValueKind::Attr(_, name) if tokens.matches(name) => Some(value.span),
            ValueKind::Index(base, index) => {
                let key = self.resolver.resolve(index, loc);
                match &key.value.kind {
                    ValueKind::Str(k) if tokens.matches(k) && !is_plain_mapping_of_names(base) => Some(value.span),
                    _ => None,
                }
            }
            ValueKind::Template(parts) => parts.iter().find_map(|p| match p {
                TemplatePart::Hole(hole) => self.bearer_token(hole, loc, depth + 1),
                TemplatePart::Lit(_) => None,
            }),
            ValueKind::BinOp(_, left, right) => self
                .bearer_token(left, loc, depth + 1)
                .or_else(|| self.bearer_token(right, loc, depth + 1)),
            ValueKind::Call(id) => {
                let call = &self.resolver.module(loc.module).calls[*id];
                let paths = self.resolver.callee_paths(call, loc.module);
                let encodes = paths.iter().any(|p| {
                    matches!(
                        p.as_str(),
                        "jwt.encode" | "jwt.api_jwt.encode" | "jose.jwt.encode" | "jwt.PyJWT().encode"
                    ) || p.ends_with("create_access_token")
                        || p.ends_with("create_refresh_token")
                });
                if encodes {
                    return Some(value.span);
                }
                // `headers.get("Authorization")`, `request.cookies.get("access_token")`
                if let ValueKind::Attr(_, method) = &call.callee.kind {
                    if method == "get"
                        && let Some(first) = call.args.first()
                        && let ValueKind::Str(k) = &self.resolver.resolve(&first.value, loc).value.kind
                        && tokens.matches(k)
                    {
                        return Some(value.span);
                    }
                    if (PASS_THROUGH_METHODS.contains(&method.as_str()) || method == "format")
                        && let ValueKind::Attr(receiver, _) = &call.callee.kind
                    {
                        return self.bearer_token(receiver, loc, depth + 1);
                    }
                }
                None
            }
            _ => None,
        }
    }

    /// Whether an expression derives from a call whose path satisfies
    /// `is_target`, through names, subscripts, `.get(…)`, list displays and
    /// pass-through calls. `None` when that cannot be known.
    fn derived_from(
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
                    let inner = Loc {
                        module: loc.module,
                        scope: binding.scope,
                    };
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
    fn untrusted_key_id(&self, value: &'p Value, loc: Loc, depth: usize) -> Option<Span> {
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
                        let inner = Loc {
                            module: loc.module,
                            scope: binding.scope,
                        };
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

fn witness_for<'p>(span: Span, base: Witness<'p>) -> Witness<'p> {
    Witness { site: span, ..base }
}

/// `{"token": …}`-style dicts written inline are data, but `headers["x"]`
/// on an opaque mapping is a lookup: only lookups count as token reads.
fn is_plain_mapping_of_names(base: &Value) -> bool {
    matches!(base.kind, ValueKind::Dict { .. })
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

/// A Unix time (in seconds) more than a year after now. Values too large to
/// be seconds (milliseconds) are left alone.
fn is_far_future_timestamp(t: i128) -> bool {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i128)
        .unwrap_or(0);
    t > now + 366 * 86_400 && t < 100_000_000_000
}

/// The first yes; otherwise unknown if any (or `open`) was unknown; otherwise no.
fn any_of<'p>(outcomes: impl Iterator<Item = Outcome<'p>>, open: bool) -> Outcome<'p> {
    let mut unknown = open;
    for outcome in outcomes {
        match outcome {
            Outcome::Yes(w) => return Outcome::Yes(w),
            Outcome::Unknown => unknown = true,
            Outcome::No => {}
        }
    }
    if unknown { Outcome::Unknown } else { Outcome::No }
}

fn find_argument<'p>(call: &'p Call, keyword: Option<&str>, position: Option<usize>) -> ArgState<'p> {
    if let Some(keyword) = keyword
        && let Some(arg) = call.args.iter().find(|a| a.keyword.as_deref() == Some(keyword))
    {
        return ArgState::Found(&arg.value);
    }
    if let Some(position) = position {
        let positional: Vec<&Arg> = call.args.iter().filter(|a| a.keyword.is_none()).collect();
        if let Some(arg) = positional.get(position) {
            return ArgState::Found(&arg.value);
        }
        if call.star_args {
            return ArgState::Unknown;
        }
    }
    if call.star_kwargs && keyword.is_some() {
        return ArgState::Unknown;
    }
    ArgState::Missing
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

/// The ids of the calls inside a value (`Annotated[str, Query()]`).
fn calls_within(value: &Value) -> Vec<usize> {
    let mut out = Vec::new();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match &v.kind {
            ValueKind::Call(id) => out.push(*id),
            ValueKind::List(items) => stack.extend(items),
            ValueKind::Index(a, b) | ValueKind::BinOp(_, a, b) => {
                stack.push(a);
                stack.push(b);
            }
            ValueKind::Attr(a, _) => stack.push(a),
            _ => {}
        }
    }
    out
}
