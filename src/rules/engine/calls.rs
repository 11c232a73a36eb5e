//! Following calls into the project's own functions.
//!
//! A subject inside a function whose clause cannot be decided there (its
//! value comes through a parameter: `create_access_token(sub,
//! expires_delta)`) is tried again for each call to the function from the
//! module being checked, with that call's arguments. A finding is then
//! reported at the call, where the value is chosen, with the place inside
//! the function as a related location. A call inside the function to
//! another one is followed the same way, up to
//! `analysis::calls::MAX_CALL_DEPTH` calls deep. What a function decides
//! on its own is reported where it is, when its module is checked, never
//! again at its callers.
//!
//! What each function leaves undecided is worked out once per module and
//! configuration for the whole run (a [`ModuleSummary`]), by every rule,
//! and kept as plain indices: checking a module that calls into another
//! costs only the calls it makes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::analysis::calls::{Callee, NO_FRAME};
use crate::analysis::project::ModuleId;
use crate::analysis::resolve::Loc;
use crate::model::{CallId, FunctionId, Module, ScopeId, Span};
use crate::rules::policy::Policy;

use super::subjects::{self, SubjectRef};
use super::{Ctx, Engine, Judged, RawFinding, RawRelated};

/// A clause (by rule and index) on a subject that its function alone
/// leaves undecided.
#[derive(Clone, Copy, Debug)]
struct Pending {
    rule: usize,
    clause: usize,
    subject: SubjectRef,
}

/// For one module: what each function leaves undecided, and the calls in
/// each function's body.
#[derive(Default, Debug)]
pub(super) struct ModuleSummary {
    undecided: HashMap<FunctionId, Vec<Pending>>,
    calls: HashMap<FunctionId, Vec<CallId>>,
}

/// The summaries of a run, by module and configuration (its policy).
pub(super) type Summaries = Mutex<HashMap<(ModuleId, usize), Arc<ModuleSummary>>>;

/// Tries the undecided subjects of every function the checked module
/// calls, for each call, and adds what they find at the call.
pub(super) fn follow_calls(engine: &Engine, ctx: &Ctx, followed: &[usize], findings: &mut Vec<RawFinding>) {
    if followed.is_empty() {
        return;
    }
    let module = ctx.resolver.module(ctx.module);
    for (id, call) in module.calls.iter().enumerate() {
        let caller = Loc::new(ctx.module, call.scope);
        if let Some(callee) = ctx.resolver.called_relevant_function(call, caller) {
            let mut site = Site {
                span: call.callee.span,
                through: Vec::new(),
            };
            follow(engine, ctx, followed, caller, id, callee, &mut site, findings);
        }
    }
}

/// Where a followed finding is reported: the outermost call, in the
/// checked module, and the calls between it and the function deciding.
struct Site {
    span: Span,
    through: Vec<(ModuleId, Span)>,
}

/// The call `call` (at `caller`) into `callee`: its function's undecided
/// subjects with the call's arguments, then the calls inside it.
#[allow(clippy::too_many_arguments)]
fn follow(
    engine: &Engine,
    checked: &Ctx,
    followed: &[usize],
    caller: Loc,
    call: CallId,
    callee: Callee,
    site: &mut Site,
    findings: &mut Vec<RawFinding>,
) {
    let resolver = checked.resolver;
    let Some(inside) = resolver.enter_call(caller, call, callee) else {
        return;
    };
    let ctx = Ctx {
        module: callee.module,
        ..*checked
    };
    let summary = summary(engine, &ctx);
    let nested_in_a_call = caller.frame != NO_FRAME;
    for pending in summary.undecided.get(&callee.function).into_iter().flatten() {
        if !followed.contains(&pending.rule) {
            continue;
        }
        // A call inside a followed function that decides on its own
        // arguments was reported at that call when its module was checked.
        if nested_in_a_call && decided_alone(engine, &ctx, caller, call, callee, pending) {
            continue;
        }
        if let Judged::Found(raw) = judge_in_frame(engine, &ctx, pending, inside.frame) {
            findings.push(at_call(raw, callee.module, site));
        }
    }
    let module = resolver.module(callee.module);
    for &inner in summary.calls.get(&callee.function).into_iter().flatten() {
        let at = Loc {
            scope: module.calls[inner].scope,
            ..inside
        };
        if let Some(next) = resolver.called_relevant_function(&module.calls[inner], at) {
            site.through.push((callee.module, module.calls[inner].callee.span));
            follow(engine, checked, followed, at, inner, next, site, findings);
            site.through.pop();
        }
    }
}

/// A pending clause judged with its subject inside the call `frame`.
fn judge_in_frame(engine: &Engine, ctx: &Ctx, pending: &Pending, frame: u32) -> Judged {
    let Some(mut target) = subjects::target(ctx, pending.subject) else {
        return Judged::Unknown;
    };
    target.loc.frame = frame;
    let clause = &engine.rules[pending.rule].clauses[pending.clause];
    engine.judge(ctx, pending.rule, clause, &target)
}

/// Whether `pending` is decided by the call's own arguments, without the
/// frames of the calls around it.
fn decided_alone(engine: &Engine, ctx: &Ctx, caller: Loc, call: CallId, callee: Callee, pending: &Pending) -> bool {
    let alone = Loc {
        frame: NO_FRAME,
        ..caller
    };
    let Some(inside) = ctx.resolver.enter_call(alone, call, callee) else {
        return false;
    };
    matches!(judge_in_frame(engine, ctx, pending, inside.frame), Judged::Found(_))
}

/// The summary of the context's module under its policy, worked out on
/// first use (by the module's own check when it comes first) and shared by
/// every check of the run.
fn summary(engine: &Engine, ctx: &Ctx) -> Arc<ModuleSummary> {
    let key = summary_key(ctx);
    let lock = || engine.summaries.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(found) = lock().get(&key) {
        return found.clone();
    }
    let rules = match ctx.resolver.relevant_rules(ctx.module) {
        Some(active) => active.to_vec(),
        None => (0..engine.rules.len()).collect(),
    };
    let clauses = engine.clauses(&rules, ctx.resolver.module(ctx.module).language);
    let mut summary = Summarizer::new(ctx);
    subjects::each_target(ctx, &clauses, &mut |rule, clause, target| {
        if summary.may_be_undecided(target) {
            let judged = engine.judge(ctx, rule, clause, target);
            summary.note(engine, rule, clause, target, &judged);
        }
    });
    let computed = Arc::new(summary.finish());
    lock().entry(key).or_insert(computed).clone()
}

fn summary_key(ctx: &Ctx) -> (ModuleId, usize) {
    (ctx.module, std::ptr::from_ref::<Policy>(ctx.policy) as usize)
}

/// Builds a module's summary from the judgements of its subjects.
pub(super) struct Summarizer<'m> {
    module: &'m Module,
    owner: Box<dyn Fn(ScopeId) -> Option<FunctionId> + 'm>,
    summary: ModuleSummary,
}

impl<'m> Summarizer<'m> {
    pub(super) fn new(ctx: &Ctx<'_, 'm>) -> Self {
        let module = ctx.resolver.module(ctx.module);
        Summarizer {
            module,
            owner: Box::new(owners(module)),
            summary: ModuleSummary::default(),
        }
    }

    /// Whether the target is inside a function a caller passes something to.
    pub(super) fn may_be_undecided(&self, target: &super::Target) -> bool {
        (self.owner)(target.loc.scope).is_some_and(|f| !self.module.functions[f].params.is_empty())
    }

    /// Keeps a clause its function leaves undecided.
    pub(super) fn note(
        &mut self,
        engine: &Engine,
        rule: usize,
        clause: &crate::rules::Clause,
        target: &super::Target,
        judged: &Judged,
    ) {
        if !matches!(judged, Judged::Unknown) {
            return;
        }
        let Some(function) = (self.owner)(target.loc.scope) else {
            return;
        };
        if self.module.functions[function].params.is_empty() {
            return; // nothing a caller passes can change it
        }
        let Some(index) = engine.rules[rule].clauses.iter().position(|c| std::ptr::eq(c, clause)) else {
            return;
        };
        self.summary.undecided.entry(function).or_default().push(Pending {
            rule,
            clause: index,
            subject: target.subject,
        });
    }

    pub(super) fn finish(mut self) -> ModuleSummary {
        for (id, call) in self.module.calls.iter().enumerate() {
            if let Some(function) = (self.owner)(call.scope) {
                self.summary.calls.entry(function).or_default().push(id);
            }
        }
        self.summary
    }
}

/// Keeps the summary a module's own check worked out (with every rule
/// active on it), so that its callers need not work it out again.
pub(super) fn keep_summary(engine: &Engine, ctx: &Ctx, summary: ModuleSummary) {
    let key = summary_key(ctx);
    let mut summaries = engine.summaries.lock().unwrap_or_else(|e| e.into_inner());
    summaries.entry(key).or_insert_with(|| Arc::new(summary));
}

/// The innermost function a scope is in.
fn owners(module: &Module) -> impl Fn(ScopeId) -> Option<FunctionId> + '_ {
    let by_scope: HashMap<ScopeId, FunctionId> = module
        .functions
        .iter()
        .enumerate()
        .map(|(id, def)| (def.scope, id))
        .collect();
    move |mut scope| loop {
        if let Some(&function) = by_scope.get(&scope) {
            return Some(function);
        }
        scope = module.scopes.get(scope)?.parent?;
    }
}

/// A finding inside a called function, moved to the call that chose its
/// value: the place inside the function and the calls between become
/// related locations.
fn at_call(raw: RawFinding, inner: ModuleId, site: &Site) -> RawFinding {
    let mut related: Vec<RawRelated> = site
        .through
        .iter()
        .map(|&(module, span)| RawRelated {
            module,
            span,
            label: "which calls this".to_string(),
        })
        .collect();
    related.push(RawRelated {
        module: inner,
        span: raw.primary,
        label: format!("{}, inside the function called", raw.label),
    });
    related.extend(raw.related);
    RawFinding {
        primary: site.span,
        related,
        ..raw
    }
}
