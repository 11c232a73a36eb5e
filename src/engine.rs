//! Evaluates compiled rules against a lowered module.
//!
//! Every condition evaluates to yes, no or unknown. A clause reports only when
//! every `where` condition is a definite yes, and is silenced by any `unless`
//! condition that is yes *or unknown*: what we cannot see never produces a
//! finding. (`jwt.decode(t, k, **kwargs)` is not "missing algorithms".)

use crate::model::{Arg, Call, Module, ScopeId, Span, Value, ValueKind};
use crate::redact::redact_value;
use crate::resolve::Resolver;
use crate::rules::{ArgSelector, Clause, Condition, Literal, Predicate, Rule};

/// A finding before it is placed in a file: spans are byte offsets.
#[derive(Clone, Debug)]
pub struct RawFinding {
    /// Index into the rule list the engine was given.
    pub rule: usize,
    pub primary: Span,
    pub label: String,
    /// Secondary labels: the definitions a value was resolved through.
    pub related: Vec<(Span, String)>,
    pub message: String,
    /// Literal spans holding secret values, to be redacted wherever the
    /// source is shown.
    pub secret_spans: Vec<Span>,
}

/// Where a condition's evidence is: `site` lies inside the call expression;
/// `definition` is set once resolution followed a name elsewhere.
#[derive(Clone, Copy, Debug)]
struct Witness<'m> {
    site: Span,
    definition: Option<Span>,
    value: Option<&'m Value>,
}

impl<'m> Witness<'m> {
    /// Narrows the evidence to a sub-value (a list element, a dict entry).
    fn narrow(self, to: &'m Value, through_binding: bool) -> Witness<'m> {
        if to.is_unknown() {
            // Nothing to point at beyond what we already have.
            return self;
        }
        if through_binding || self.definition.is_some() {
            Witness {
                site: self.site,
                definition: Some(to.span),
                value: Some(to),
            }
        } else {
            Witness {
                site: to.span,
                definition: None,
                value: Some(to),
            }
        }
    }
}

enum Outcome<'m> {
    Yes(Witness<'m>),
    No,
    Unknown,
}

enum ArgState<'m> {
    Found(&'m Value),
    Missing,
    Unknown,
}

/// Runs the rules whose indices are in `active` over `module`.
pub fn check_module(rules: &[Rule], active: &[usize], module: &Module) -> Vec<RawFinding> {
    let resolver = Resolver::new(module);
    let mut findings = Vec::new();
    let clauses: Vec<(usize, &Clause)> = active
        .iter()
        .flat_map(|&i| rules[i].clauses.iter().map(move |c| (i, c)))
        .filter(|(_, c)| c.language == module.language)
        .collect();
    if clauses.is_empty() {
        return findings;
    }
    for call in &module.calls {
        let paths = resolver.callee_paths(call);
        if paths.is_empty() {
            continue;
        }
        for &(rule_index, clause) in &clauses {
            if !paths.iter().any(|p| clause.callees.is_match(p)) {
                continue;
            }
            if let Some(finding) = check_call(&resolver, &rules[rule_index], rule_index, clause, call) {
                findings.push(finding);
            }
        }
    }
    // Two clauses of one rule may reach the same evidence: report it once.
    findings.sort_by_key(|f| (f.primary, f.rule));
    findings.dedup_by_key(|f| (f.primary, f.rule));
    findings
}

fn check_call<'m>(
    resolver: &Resolver<'m>,
    rule: &Rule,
    rule_index: usize,
    clause: &Clause,
    call: &'m Call,
) -> Option<RawFinding> {
    let mut witnesses = Vec::new();
    for condition in &clause.conditions {
        match evaluate(resolver, call, condition) {
            Outcome::Yes(w) => witnesses.push((condition, w)),
            Outcome::No | Outcome::Unknown => return None,
        }
    }
    for condition in &clause.unless {
        if !matches!(evaluate(resolver, call, condition), Outcome::No) {
            return None;
        }
    }

    // The finding points at the evidence of the last value condition; a
    // clause made only of missing arguments (or of the callee alone) points
    // at the callee.
    let evidence = witnesses
        .iter()
        .rev()
        .find(|(c, _)| !matches!(c.predicate, Predicate::Missing))
        .copied();
    let callee_text = resolver.display_callee(&call.callee);
    let argument = evidence
        .map(|(c, _)| c.argument.describe())
        .or_else(|| witnesses.first().map(|(c, _)| c.argument.describe()))
        .unwrap_or_default();
    let value_text = evidence
        .and_then(|(_, w)| w.value)
        .map(|v| redact_value(v, rule.secret))
        .unwrap_or_default();
    let message = interpolate(&rule.message, &callee_text, &argument, &value_text);
    let label = clause.label.clone().unwrap_or_else(|| rule.name.replace('-', " "));

    let (primary, mut related, mut secret_spans) = match evidence {
        Some((_, w)) => {
            let related = w
                .definition
                .map(|d| vec![(d, "resolved to this value".to_string())])
                .unwrap_or_default();
            let secret = if rule.secret { w.value.map(|v| vec![v.span]).unwrap_or_default() } else { Vec::new() };
            (w.site, related, secret)
        }
        None => (call.callee.span, Vec::new(), Vec::new()),
    };
    related.retain(|(span, _)| *span != primary);
    secret_spans.retain(|s| !s.is_empty());
    Some(RawFinding {
        rule: rule_index,
        primary,
        label,
        related,
        message,
        secret_spans,
    })
}

fn interpolate(template: &str, callee: &str, argument: &str, value: &str) -> String {
    template
        .replace("{callee}", callee)
        .replace("{argument}", argument)
        .replace("{value}", value)
}

fn find_argument<'m>(call: &'m Call, selector: &ArgSelector) -> ArgState<'m> {
    if let Some(keyword) = &selector.keyword {
        if let Some(arg) = call.args.iter().find(|a| a.keyword.as_deref() == Some(keyword)) {
            return ArgState::Found(&arg.value);
        }
    }
    if let Some(position) = selector.position {
        let positional: Vec<&Arg> = call.args.iter().filter(|a| a.keyword.is_none()).collect();
        if let Some(arg) = positional.get(position) {
            return ArgState::Found(&arg.value);
        }
        if call.star_args {
            return ArgState::Unknown;
        }
    }
    if call.star_kwargs && selector.keyword.is_some() {
        return ArgState::Unknown;
    }
    ArgState::Missing
}

fn evaluate<'m>(resolver: &Resolver<'m>, call: &'m Call, condition: &Condition) -> Outcome<'m> {
    let argument = find_argument(call, &condition.argument);
    if let Predicate::Missing = condition.predicate {
        return match argument {
            ArgState::Missing => Outcome::Yes(Witness {
                site: call.callee.span,
                definition: None,
                value: None,
            }),
            ArgState::Found(_) => Outcome::No,
            ArgState::Unknown => Outcome::Unknown,
        };
    }
    let value = match argument {
        ArgState::Found(v) => v,
        ArgState::Missing => return Outcome::No,
        ArgState::Unknown => return Outcome::Unknown,
    };
    let witness = Witness {
        site: value.span,
        definition: None,
        value: Some(value),
    };
    let mut scope = call.scope;
    let mut resolved = resolver.resolve(value, scope);
    let mut witness = witness.narrow(resolved.value, resolved.through_binding);
    if let Some(key) = &condition.key {
        scope = resolved.scope;
        let ValueKind::Dict { entries, open } = &resolved.value.kind else {
            return if is_opaque(resolved.value) { Outcome::Unknown } else { Outcome::No };
        };
        let mut unknown_key = false;
        let mut entry = None;
        for (k, v) in entries {
            match &resolver.resolve(k, scope).value.kind {
                ValueKind::Str(s) if s == key => entry = Some(v),
                ValueKind::Str(_) => {}
                _ => unknown_key = true,
            }
        }
        let Some(entry) = entry else {
            return if *open || unknown_key { Outcome::Unknown } else { Outcome::No };
        };
        resolved = resolver.resolve(entry, scope);
        witness = witness.narrow(entry, false).narrow(resolved.value, resolved.through_binding);
    }
    test_predicate(resolver, &condition.predicate, resolved.value, resolved.scope, witness)
}

fn test_predicate<'m>(
    resolver: &Resolver<'m>,
    predicate: &Predicate,
    value: &'m Value,
    scope: ScopeId,
    witness: Witness<'m>,
) -> Outcome<'m> {
    match predicate {
        Predicate::Missing => Outcome::No,
        Predicate::Present => Outcome::Yes(witness),
        Predicate::StringLiteral => match &value.kind {
            ValueKind::Str(_) | ValueKind::Bytes(_) => Outcome::Yes(witness),
            _ if is_opaque(value) => Outcome::Unknown,
            _ => Outcome::No,
        },
        Predicate::Null => match &value.kind {
            ValueKind::Null => Outcome::Yes(witness),
            _ if is_opaque(value) => Outcome::Unknown,
            _ => Outcome::No,
        },
        Predicate::PublicKey => match &value.kind {
            ValueKind::Str(s) if is_public_key(s.as_bytes()) => Outcome::Yes(witness),
            ValueKind::Bytes(b) if is_public_key(b) => Outcome::Yes(witness),
            _ if is_opaque(value) => Outcome::Unknown,
            _ => Outcome::No,
        },
        Predicate::Equals(literal) => match literal_matches(literal, value) {
            Some(true) => Outcome::Yes(witness),
            Some(false) => Outcome::No,
            None => Outcome::Unknown,
        },
        Predicate::Contains(literal) => match &value.kind {
            ValueKind::List(items) => {
                let mut unknown = false;
                for item in items {
                    let resolved = resolver.resolve(item, scope);
                    match literal_matches(literal, resolved.value) {
                        Some(true) => {
                            let through = resolved.through_binding;
                            return Outcome::Yes(witness.narrow(item, false).narrow(resolved.value, through));
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
        },
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

/// PEM public keys and certificates, and OpenSSH public keys: embedding
/// them is fine, they are meant to be public.
fn is_public_key(text: &[u8]) -> bool {
    let text = String::from_utf8_lossy(text);
    let text = text.trim_start();
    ["-----BEGIN PUBLIC KEY", "-----BEGIN RSA PUBLIC KEY", "-----BEGIN CERTIFICATE", "ssh-rsa ", "ssh-ed25519 ", "ecdsa-sha2-"]
        .iter()
        .any(|prefix| text.starts_with(prefix))
}

/// Values whose content the model does not know.
fn is_opaque(value: &Value) -> bool {
    matches!(
        value.kind,
        ValueKind::Unknown
            | ValueKind::Name(_)
            | ValueKind::Path(_)
            | ValueKind::Attr(..)
            | ValueKind::Index(..)
            | ValueKind::Call(_)
            | ValueKind::Imported(_)
            | ValueKind::Template(_)
    )
}
