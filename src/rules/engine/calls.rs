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

use std::collections::HashMap;

use crate::analysis::calls::{Callee, NO_FRAME};
use crate::analysis::project::ModuleId;
use crate::analysis::resolve::Loc;
use crate::model::{CallId, FunctionId, Module, ScopeId, Span};
use crate::rules::Clause;

use super::{Ctx, Engine, Judged, RawFinding, RawRelated, Target, subjects};

/// A clause on a target inside a function that the function alone leaves
/// undecided.
struct Undecided<'a, 'p> {
    rule: usize,
    clause: &'a Clause,
    target: Target<'p>,
}

/// For one module: what each function leaves undecided, and the calls in
/// each function's body.
#[derive(Default)]
struct ModuleSummary<'a, 'p> {
    undecided: HashMap<FunctionId, Vec<Undecided<'a, 'p>>>,
    calls: HashMap<FunctionId, Vec<CallId>>,
}

/// The summaries of the modules one check reaches, each computed once.
struct Follower<'e, 'a, 'r, 'p> {
    engine: &'e Engine<'a>,
    /// The module being checked: findings are placed at its calls.
    checked: Ctx<'r, 'p>,
    followed: &'e [usize],
    summaries: HashMap<ModuleId, ModuleSummary<'a, 'p>>,
}

/// Tries the undecided subjects of every function the checked module
/// calls, for each call, and adds what they find at the call.
pub(super) fn follow_calls<'a, 'p>(
    engine: &Engine<'a>,
    ctx: &Ctx<'_, 'p>,
    followed: &[usize],
    findings: &mut Vec<RawFinding>,
) {
    if followed.is_empty() {
        return;
    }
    let mut follower = Follower {
        engine,
        checked: *ctx,
        followed,
        summaries: HashMap::new(),
    };
    let module = ctx.resolver.module(ctx.module);
    for (id, call) in module.calls.iter().enumerate() {
        let caller = Loc::new(ctx.module, call.scope);
        if let Some(callee) = ctx.resolver.called_function(call, caller) {
            follower.follow(caller, id, callee, call.callee.span, &mut Vec::new(), findings);
        }
    }
}

/// The names of the checked module's functions that leave a subject
/// undecided for their callers: a file that calls one must be checked for
/// it even if it holds no rule's keyword.
pub(super) fn open_functions(engine: &Engine, ctx: &Ctx, followed: &[usize]) -> Vec<String> {
    if followed.is_empty() {
        return Vec::new();
    }
    let mut follower = Follower {
        engine,
        checked: *ctx,
        followed,
        summaries: HashMap::new(),
    };
    follower.summarize(ctx.module);
    let module = ctx.resolver.module(ctx.module);
    let mut names: Vec<String> = follower.summaries[&ctx.module]
        .undecided
        .keys()
        .map(|&function| module.functions[function].name.clone())
        .filter(|name| !name.is_empty())
        .collect();
    names.sort();
    names.dedup();
    names
}

impl<'a, 'p> Follower<'_, 'a, '_, 'p> {
    /// The call `call` (at `caller`) into `callee`: its function's undecided
    /// subjects with the call's arguments, then the calls inside it.
    /// `site` is the outermost call, in the checked module; `through` the
    /// calls between it and this one.
    fn follow(
        &mut self,
        caller: Loc,
        call: CallId,
        callee: Callee,
        site: Span,
        through: &mut Vec<(ModuleId, Span)>,
        findings: &mut Vec<RawFinding>,
    ) {
        let resolver = self.checked.resolver;
        let Some(inside) = resolver.enter_call(caller, call, callee) else {
            return;
        };
        self.summarize(callee.module);
        let summary = &self.summaries[&callee.module];
        let ctx = Ctx {
            module: callee.module,
            ..self.checked
        };
        let nested_in_a_call = caller.frame != NO_FRAME;
        for pending in summary.undecided.get(&callee.function).into_iter().flatten() {
            // A call inside a followed function that decides on its own
            // arguments was reported at that call when its module was checked.
            if nested_in_a_call && self.decided_alone(caller, call, callee, pending) {
                continue;
            }
            let target = Target {
                loc: Loc {
                    frame: inside.frame,
                    ..pending.target.loc
                },
                ..pending.target.clone()
            };
            if let Judged::Found(raw) = self.engine.judge(&ctx, pending.rule, pending.clause, &target) {
                findings.push(at_call(raw, callee.module, site, through));
            }
        }
        let inner_calls = summary.calls.get(&callee.function).cloned().unwrap_or_default();
        let module = resolver.module(callee.module);
        for inner in inner_calls {
            let at = Loc {
                scope: module.calls[inner].scope,
                ..inside
            };
            if let Some(next) = resolver.called_function(&module.calls[inner], at) {
                through.push((callee.module, module.calls[inner].callee.span));
                self.follow(at, inner, next, site, through, findings);
                through.pop();
            }
        }
    }

    /// Whether `pending` is decided by the call's own arguments, without the
    /// frames of the calls around it.
    fn decided_alone(&self, caller: Loc, call: CallId, callee: Callee, pending: &Undecided<'a, 'p>) -> bool {
        let alone = Loc {
            frame: NO_FRAME,
            ..caller
        };
        let Some(inside) = self.checked.resolver.enter_call(alone, call, callee) else {
            return false;
        };
        let target = Target {
            loc: Loc {
                frame: inside.frame,
                ..pending.target.loc
            },
            ..pending.target.clone()
        };
        let ctx = Ctx {
            module: callee.module,
            ..self.checked
        };
        matches!(
            self.engine.judge(&ctx, pending.rule, pending.clause, &target),
            Judged::Found(_)
        )
    }

    /// What each function of `module` leaves undecided, and its calls.
    fn summarize(&mut self, module_id: ModuleId) {
        if self.summaries.contains_key(&module_id) {
            return;
        }
        let resolver = self.checked.resolver;
        let module = resolver.module(module_id);
        let owner = owners(module);
        let ctx = Ctx {
            module: module_id,
            ..self.checked
        };
        let clauses = self.engine.clauses(self.followed, module.language);
        let mut summary = ModuleSummary::default();
        let engine = self.engine;
        subjects::each_target(&ctx, &clauses, &mut |rule, clause, target| {
            let Some(function) = owner(target.loc.scope) else {
                return;
            };
            if module.functions[function].params.is_empty() {
                return; // nothing a caller passes can change it
            }
            if matches!(engine.judge(&ctx, rule, clause, target), Judged::Unknown) {
                summary.undecided.entry(function).or_default().push(Undecided {
                    rule,
                    clause,
                    target: target.clone(),
                });
            }
        });
        for (id, call) in module.calls.iter().enumerate() {
            if let Some(function) = owner(call.scope) {
                summary.calls.entry(function).or_default().push(id);
            }
        }
        self.summaries.insert(module_id, summary);
    }
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
fn at_call(raw: RawFinding, inner: ModuleId, site: Span, through: &[(ModuleId, Span)]) -> RawFinding {
    let mut related: Vec<RawRelated> = through
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
        primary: site,
        related,
        ..raw
    }
}
