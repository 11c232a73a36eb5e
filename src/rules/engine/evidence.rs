//! Evidence: where a condition found what it judged, and the finding a
//! clause's evidence becomes (its message, the span it points at, the
//! definitions it was resolved through, the secret spans to redact).

use crate::analysis::project::ModuleId;
use crate::analysis::resolve::Resolved;
use crate::model::{Span, Value};
use crate::redact::redact_value;
use crate::rules::{Check, Clause, Condition, Predicate, Rule, Selector};

use super::{Ctx, RawFinding, RawRelated, Target};

/// Where a condition's evidence is: `site` lies inside the subject in the
/// linted module; `definition` is set once resolution followed a name.
#[derive(Clone, Debug)]
pub(super) struct Witness<'p> {
    pub(super) site: Span,
    pub(super) definition: Option<(ModuleId, Span)>,
    pub(super) value: Option<&'p Value>,
    /// What `{name}` shows: the dict key, setting or parameter matched.
    pub(super) name: Option<String>,
    /// What `{value}` shows, when the value itself is not the best rendering
    /// (a duration reads better as "8 days").
    pub(super) display: Option<String>,
    /// For a token lifetime: which kind of token it was judged as, and why
    /// (`{kind}`).
    /// Boxed: a witness is carried in every condition's outcome, and this
    /// is rarely set.
    pub(super) token_kind: Option<Box<TokenKind>>,
    /// For a verdict about a call: another place the finding points to, and
    /// its label (the stronger verify site a weaker one is held to).
    pub(super) related: Option<Box<(ModuleId, Span, String)>>,
}

/// The kind of token a lifetime was held to: a refresh token when something
/// in the code says so, an access token otherwise.
#[derive(Clone, Debug)]
pub(super) struct TokenKind {
    pub(super) refresh: bool,
    /// What says `refresh`: "the function name `create_refresh_token`".
    pub(super) evidence: Option<String>,
}

impl<'p> Witness<'p> {
    pub(super) fn at(site: Span, value: Option<&'p Value>) -> Self {
        Witness {
            site,
            definition: None,
            value,
            name: None,
            display: None,
            token_kind: None,
            related: None,
        }
    }

    /// Narrows the evidence to a sub-value (a resolved value, a list
    /// element, a dict entry).
    pub(super) fn narrow(mut self, to: &'p Value, module: ModuleId, through_binding: bool) -> Self {
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

    pub(super) fn narrow_resolved(self, resolved: &Resolved<'p>) -> Self {
        self.narrow(resolved.value, resolved.loc.module, resolved.through_binding)
    }

    pub(super) fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    pub(super) fn displayed(mut self, display: String) -> Self {
        self.display = Some(display);
        self
    }

    pub(super) fn of_kind(mut self, kind: TokenKind) -> Self {
        self.token_kind = Some(Box::new(kind));
        self
    }
}

pub(super) fn witness_for<'p>(span: Span, base: Witness<'p>) -> Witness<'p> {
    Witness { site: span, ..base }
}

/// A clause's finding. It points at the evidence of the last value
/// condition; a clause made only of missing arguments (or of its subject
/// alone) points at the subject.
pub(super) fn finding<'p>(
    ctx: &Ctx<'_, 'p>,
    rule_index: usize,
    rule: &Rule,
    clause: &Clause,
    target: &Target<'p>,
    witnesses: &[(&Condition, Witness<'p>)],
    missing: &[&str],
) -> RawFinding {
    let evidence = witnesses
        .iter()
        .rev()
        .find(|(c, _)| !matches!(c.predicate, Predicate::Missing) || matches!(c.selector, Selector::ResultMethod(_)))
        .map(|(c, w)| (*c, w));
    let message = message(ctx, rule, clause, target, witnesses, evidence, missing);
    let mut label = clause.label.clone().unwrap_or_else(|| rule.name.replace('-', " "));
    // A lifetime an access-token clause found was held to the refresh-token
    // maximum when the code calls the token a refresh token: say which.
    if evidence
        .and_then(|(_, w)| w.token_kind.as_ref())
        .is_some_and(|k| k.refresh)
    {
        label = label.replace("access-token", "refresh-token");
    }
    let (primary, mut related, secret_spans) = match evidence {
        Some((_, w)) if target.call.is_none() || w.site != target.anchor || w.value.is_some() => located(ctx, rule, w),
        _ => {
            let related = evidence
                .and_then(|(_, w)| w.related.as_deref())
                .map(|(module, span, label)| RawRelated {
                    module: *module,
                    span: *span,
                    label: label.clone(),
                });
            (target.anchor, related.into_iter().collect(), Vec::new())
        }
    };
    related.retain(|r| !(r.module == ctx.module && r.span == primary));
    RawFinding {
        rule: rule_index,
        severity: clause.severity.unwrap_or(rule.severity),
        primary,
        label,
        related,
        message,
        secret_spans: secret_spans.into_iter().filter(|(_, s)| !s.is_empty()).collect(),
    }
}

/// The rule's (or clause's) message with its placeholders filled in.
fn message<'p>(
    ctx: &Ctx<'_, 'p>,
    rule: &Rule,
    clause: &Clause,
    target: &Target<'p>,
    witnesses: &[(&Condition, Witness<'p>)],
    evidence: Option<(&Condition, &Witness<'p>)>,
    missing: &[&str],
) -> String {
    let callee_text = target
        .call
        .map(|call| ctx.resolver.display_callee(&call.callee, ctx.module))
        .unwrap_or_default();
    let argument = evidence
        .map(|(c, _)| c.selector.describe())
        .or_else(|| witnesses.first().map(|(c, _)| c.selector.describe()))
        .unwrap_or_default();
    let value_text = evidence.and_then(|(_, w)| {
        w.display
            .clone()
            .or_else(|| w.value.and_then(|v| redact_value(v, rule.secret)))
    });
    let name = evidence
        .and_then(|(_, w)| w.name.clone())
        .or_else(|| witnesses.iter().find_map(|(_, w)| w.name.clone()))
        .or_else(|| target.name.clone())
        .unwrap_or_default();
    let kind = evidence
        .and_then(|(_, w)| w.token_kind.as_ref())
        .map(|kind| describe_kind(kind, clause))
        .unwrap_or_else(|| "this kind of token".to_string());
    let template = clause.message.as_deref().unwrap_or(&rule.message);
    // A value with nothing worth showing (a call, a closure) is left out,
    // with the space before it, rather than shown as a placeholder.
    let template = match &value_text {
        Some(_) => template.to_string(),
        None => template.replace(" {value}", "").replace("{value}", ""),
    };
    template
        .replace("{callee}", &callee_text)
        .replace("{argument}", &argument)
        .replace("{value}", value_text.as_deref().unwrap_or_default())
        .replace("{name}", &name)
        .replace("{missing}", &missing.join(", "))
        .replace("{unchecked}", &unchecked(clause, missing))
        .replace("{kind}", &kind)
}

/// `{unchecked}`: "does not check `aud` or `iss`, and does not require
/// `exp`". A check that looks at a `require…` option, argument or method
/// (PyJWT's `options={"require": [...]}`, python-jose's `require_exp`,
/// jsonwebtoken's `set_required_spec_claims`) is one the library makes when
/// the claim is present: what is missing is requiring it.
fn unchecked(clause: &Clause, missing: &[&str]) -> String {
    let is_requirement = |name: &str| {
        clause
            .checks
            .iter()
            .find(|check| check.name == name)
            .is_some_and(check_requires)
    };
    let (required, checked): (Vec<&str>, Vec<&str>) = missing.iter().partition(|name| is_requirement(name));
    let list = |names: &[&str]| {
        let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        match quoted.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    };
    match (checked.is_empty(), required.is_empty()) {
        (false, true) => format!("does not check {}", list(&checked)),
        (true, false) => format!("does not require {}", list(&required)),
        (false, false) => format!(
            "does not check {}, and does not require {}",
            list(&checked),
            list(&required)
        ),
        (true, true) => "does not check every required claim".to_string(),
    }
}

fn check_requires(check: &Check) -> bool {
    let condition = &check.condition;
    let says_require = |text: &str| text.to_ascii_lowercase().contains("require");
    condition.keys.iter().any(|k| says_require(k))
        || matches!(&condition.selector, Selector::Argument { keyword: Some(k), .. } if says_require(k))
        || matches!(&condition.predicate, Predicate::ConfiguredBy(methods) if methods.iter().any(|m| says_require(m)))
}

/// `{kind}`: "a refresh token (`refresh` in the function name
/// `create_refresh_token`)", or "an access token (…)" with what was looked
/// at: the claims too when the clause looks at a token-type claim.
fn describe_kind(kind: &TokenKind, clause: &Clause) -> String {
    if kind.refresh {
        return match &kind.evidence {
            Some(evidence) => format!("a refresh token (`refresh` in {evidence})"),
            None => "a refresh token".to_string(),
        };
    }
    let looks_at_type_claim = clause
        .conditions
        .iter()
        .chain(&clause.unless)
        .any(|c| c.keys.iter().any(|k| k.contains("type") || k == "typ"));
    if looks_at_type_claim {
        "an access token (no `refresh` in its type claim, the function name or the lifetime's setting)".to_string()
    } else {
        "an access token (no `refresh` in the function name or the lifetime's setting)".to_string()
    }
}

/// Where a finding with evidence points: the evidence's site, the
/// definition it was resolved to as a related location, and, for a secret
/// rule, the literal to redact wherever source is shown.
fn located(ctx: &Ctx, rule: &Rule, w: &Witness) -> (Span, Vec<RawRelated>, Vec<(ModuleId, Span)>) {
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
