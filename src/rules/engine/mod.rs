//! Evaluates compiled rules against a lowered module.
//!
//! Every condition evaluates to yes, no or unknown. A clause reports only when
//! every `where` condition is a definite yes, and is silenced by any `unless`
//! condition that is yes *or unknown*: what we cannot see never produces a
//! finding. (`jwt.decode(t, k, **kwargs)` is not "missing algorithms".)
//!
//! This module keeps the clause loop and that three-valued logic. The rest is
//! grouped by what it judges:
//! - `subjects`: what a clause is tried on (calls, settings, templates, …);
//! - `selectors`: what a condition looks at (an argument, a list element, a
//!   dict entry, a method called on the result);
//! - `predicates`: which family judges each predicate;
//! - `values` (literals, lists, algorithms, key sizes), `names` (policy name
//!   classes, dict keys), `time` (durations and expiries), `transport` (URLs
//!   and tokens in them), `flow` (where a value came from, what configures
//!   it), `provenance` (what a token is, whose token a decode accepts, what
//!   happens to an unverified one);
//! - `evidence`: what the conditions found, and the finding it becomes.

mod calls;
mod evidence;
mod flow;
mod names;
mod predicates;
mod provenance;
mod selectors;
mod subjects;
mod time;
mod transport;
mod values;

use crate::analysis::project::ModuleId;
use crate::analysis::resolve::{Loc, Resolver};
use crate::model::{Call, Language, Span, Value};
use crate::rules::policy::Policy;
use crate::rules::{Clause, Condition, Rule, Severity};

use evidence::Witness;

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

/// A condition's value: yes (with its evidence), no, or unknown.
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

/// What a clause is being tried on.
#[derive(Clone)]
struct Target<'p> {
    call: Option<&'p Call>,
    /// The subject value for settings, templates, subscripts (index) and parameters.
    value: Option<&'p Value>,
    loc: Loc,
    /// The span a finding points at when no condition gives better evidence.
    anchor: Span,
    /// `{name}` when no condition names something more precise.
    name: Option<String>,
    /// Which subject of its module it is.
    subject: subjects::SubjectRef,
}

/// What a clause says of a target.
enum Judged {
    Found(RawFinding),
    No,
    /// Something it depends on cannot be known here (perhaps a parameter
    /// whose call site would tell: see `calls`).
    Unknown,
}

/// What a clause's `checks` found.
enum Checks<'c> {
    /// Those definitely not made (empty for a clause without checks).
    Missing(Vec<&'c str>),
    AllMade,
    Unknown,
}

pub struct Engine<'a> {
    rules: &'a [Rule],
    /// What the run's functions leave undecided (see `calls`).
    summaries: calls::Summaries,
}

impl<'a> Engine<'a> {
    pub fn new(rules: &'a [Rule]) -> Self {
        Engine {
            rules,
            summaries: Default::default(),
        }
    }

    /// Runs the rules whose indices are in `active` over one module, with
    /// the thresholds and name patterns of the configuration governing it.
    /// `followed` are the rules (enabled for this file, whatever its
    /// keywords) whose subjects inside a function of the project are also
    /// tried for each of this module's calls to that function, with the
    /// call's arguments (see `calls`).
    pub fn check_module<'p>(
        &self,
        resolver: &Resolver<'p>,
        module_id: ModuleId,
        active: &[usize],
        followed: &[usize],
        policy: &Policy,
    ) -> Vec<RawFinding> {
        let module = resolver.module(module_id);
        let clauses = self.clauses(active, module.language);
        let ctx = Ctx {
            resolver,
            policy,
            module: module_id,
        };
        let mut findings = Vec::new();
        // The check also works out what the module's functions leave to
        // their callers, when it runs every rule relevant to the module.
        let complete = resolver.relevant_rules(module_id).is_none_or(|all| all == active);
        let mut summary = calls::Summarizer::new(&ctx);
        if !clauses.is_empty() {
            subjects::each_target(&ctx, &clauses, &mut |rule, clause, target| {
                let judged = self.judge(&ctx, rule, clause, target);
                if complete && summary.may_be_undecided(target) {
                    summary.note(self, rule, clause, target, &judged);
                }
                if let Judged::Found(finding) = judged {
                    findings.push(finding);
                }
            });
        }
        if complete {
            calls::keep_summary(self, &ctx, summary.finish());
        }
        calls::follow_calls(self, &ctx, followed, &mut findings);
        // Two clauses (or a template and the template inside it) may reach
        // the same evidence: report it once.
        findings.sort_by_key(|f| (f.primary, f.rule));
        findings.dedup_by_key(|f| (f.primary, f.rule));
        findings
    }

    /// The clauses of these rules for one language.
    fn clauses(&self, rules: &[usize], language: Language) -> Vec<(usize, &'a Clause)> {
        rules
            .iter()
            .flat_map(|&i| self.rules[i].clauses.iter().map(move |c| (i, c)))
            .filter(|(_, c)| c.language == language)
            .collect()
    }

    /// The clause on one target: every `where` yes, every `unless` no, and
    /// (when it lists `checks`) at least one check definitely not made.
    fn judge<'p>(&self, ctx: &Ctx<'_, 'p>, rule_index: usize, clause: &Clause, target: &Target<'p>) -> Judged {
        let mut witnesses: Vec<(&Condition, Witness<'p>)> = Vec::new();
        for condition in &clause.conditions {
            match ctx.evaluate(target, condition) {
                Outcome::Yes(w) => witnesses.push((condition, w)),
                Outcome::No => return Judged::No,
                Outcome::Unknown => return Judged::Unknown,
            }
        }
        for condition in &clause.unless {
            match ctx.evaluate(target, condition) {
                Outcome::No => {}
                Outcome::Yes(_) => return Judged::No,
                Outcome::Unknown => return Judged::Unknown,
            }
        }
        let missing = match missing_checks(ctx, clause, target) {
            Checks::Missing(missing) => missing,
            Checks::AllMade => return Judged::No,
            Checks::Unknown => return Judged::Unknown,
        };
        let rule = &self.rules[rule_index];
        Judged::Found(evidence::finding(
            ctx, rule_index, rule, clause, target, &witnesses, &missing,
        ))
    }
}

/// The `checks` a clause lists (those the policy requires, for
/// `checks-from`) that are definitely not made. A check that cannot be
/// known, or checks all made, silence the clause.
fn missing_checks<'c>(ctx: &Ctx, clause: &'c Clause, target: &Target) -> Checks<'c> {
    let mut missing = Vec::new();
    for check in &clause.checks {
        let required = match clause.checks_from.as_deref() {
            Some("first-party-required-claims") => &ctx.policy.first_party_required_claims,
            _ => &ctx.policy.required_claims,
        };
        if clause.checks_from.is_some() && !required.contains(&check.name) {
            continue;
        }
        match ctx.evaluate(target, &check.condition) {
            Outcome::Yes(_) => {}
            Outcome::No => missing.push(check.name.as_str()),
            Outcome::Unknown => return Checks::Unknown,
        }
    }
    if !clause.checks.is_empty() && missing.is_empty() {
        return Checks::AllMade;
    }
    Checks::Missing(missing)
}

/// What every evaluation needs: the resolver, the policy, and the module
/// the subject is in.
#[derive(Clone, Copy)]
struct Ctx<'r, 'p> {
    resolver: &'r Resolver<'p>,
    policy: &'r Policy,
    module: ModuleId,
}
