//! Subjects: what a clause is tried on. Each kind of subject a rule can
//! name (a call, a setting, a string template, a subscript, a parameter, a
//! parameter's declared type, a struct) is found in the module here and
//! handed to the clause as a [`Target`].

use crate::analysis::resolve::Loc;
use crate::model::{Module, Parameter, Setting, Subscript, Value, ValueKind};
use crate::rules::{Clause, Subject};

use super::{Ctx, Target};

/// Called with each (rule, clause, target) to try.
type Visit<'v, 'c, 'p> = dyn FnMut(usize, &'c Clause, &Target<'p>) + 'v;

/// Every target of every clause in the module, kind by kind; a kind no
/// clause names is not looked at.
pub(super) fn each_target<'c, 'p>(ctx: &Ctx<'_, 'p>, clauses: &[(usize, &'c Clause)], visit: &mut Visit<'_, 'c, 'p>) {
    let has = |f: fn(&Subject) -> bool| clauses.iter().any(|(_, c)| f(&c.subject));
    let module = ctx.resolver.module(ctx.module);
    if has(|s| matches!(s, Subject::Call { .. })) {
        calls(ctx, module, clauses, visit);
    }
    if has(|s| matches!(s, Subject::Setting { .. })) {
        settings(ctx, module, clauses, visit);
    }
    if has(|s| matches!(s, Subject::Template)) {
        templates(ctx, module, clauses, visit);
    }
    if has(|s| matches!(s, Subject::Subscript { .. })) {
        subscripts(ctx, module, clauses, visit);
    }
    if has(|s| matches!(s, Subject::Parameter { .. })) {
        parameters(ctx, module, clauses, visit);
    }
    if has(|s| matches!(s, Subject::ParameterType { .. })) {
        parameter_types(ctx, module, clauses, visit);
    }
    if has(|s| matches!(s, Subject::Struct { .. })) {
        structs(ctx, module, clauses, visit);
    }
}

impl Ctx<'_, '_> {
    /// Where a subject in the checked module is, by its scope.
    fn here(&self, scope: usize) -> Loc {
        Loc::new(self.module, scope)
    }
}

/// One subject of a module, by kind and index: what a summary of a
/// function keeps across checks (see `calls`), to rebuild its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum SubjectRef {
    Call(usize),
    Setting(usize),
    Template(usize),
    Subscript(usize),
    Parameter(usize),
    /// The parameter whose annotation is `Outer[Inner]`: the target is `Inner`.
    ParameterType(usize),
    Struct(usize),
}

/// The target a subject stands for in the context's module.
pub(super) fn target<'p>(ctx: &Ctx<'_, 'p>, subject: SubjectRef) -> Option<Target<'p>> {
    let module = ctx.resolver.module(ctx.module);
    let target = |value, loc, anchor, name| Target {
        call: None,
        value,
        loc,
        anchor,
        name,
        subject,
    };
    Some(match subject {
        SubjectRef::Call(i) => {
            let call = module.calls.get(i)?;
            Target {
                call: Some(call),
                ..target(None, ctx.here(call.scope), call.callee.span, None)
            }
        }
        SubjectRef::Setting(i) => {
            let setting = module.settings.get(i)?;
            let name = Some(setting.name.clone());
            target(Some(&setting.value), ctx.here(setting.scope), setting.value.span, name)
        }
        SubjectRef::Template(i) => {
            let (template, scope) = module.templates.get(i)?;
            target(Some(template), ctx.here(*scope), template.span, None)
        }
        SubjectRef::Subscript(i) => {
            let subscript = module.subscripts.get(i)?;
            target(Some(&subscript.index), ctx.here(subscript.scope), subscript.span, None)
        }
        SubjectRef::Parameter(i) => {
            let parameter = module.parameters.get(i)?;
            let name = Some(parameter.name.clone());
            target(None, ctx.here(parameter.scope), parameter.span, name)
        }
        SubjectRef::ParameterType(i) => {
            let parameter = module.parameters.get(i)?;
            let ValueKind::Index(_, inner) = &parameter.annotation.as_ref()?.kind else {
                return None;
            };
            let name = Some(parameter.name.clone());
            target(Some(inner), ctx.here(parameter.scope), parameter.span, name)
        }
        SubjectRef::Struct(i) => {
            let def = module.structs.get(i)?;
            target(Some(&def.shape), ctx.here(0), def.span, Some(def.name.clone()))
        }
    })
}

/// Hands `visit` the target of `subject` for each clause `matches` accepts.
fn visit_matching<'c, 'p>(
    ctx: &Ctx<'_, 'p>,
    subject: SubjectRef,
    clauses: &[(usize, &'c Clause)],
    matches: impl Fn(&Clause) -> bool,
    visit: &mut Visit<'_, 'c, 'p>,
) {
    let mut built = None;
    for &(rule, clause) in clauses {
        if !matches(clause) {
            continue;
        }
        if built.is_none() {
            built = target(ctx, subject);
        }
        if let Some(target) = &built {
            visit(rule, clause, target);
        }
    }
}

fn calls<'c, 'p>(
    ctx: &Ctx<'_, 'p>,
    module: &'p Module,
    clauses: &[(usize, &'c Clause)],
    visit: &mut Visit<'_, 'c, 'p>,
) {
    for (i, call) in module.calls.iter().enumerate() {
        let paths = ctx.resolver.callee_paths(call, ctx.module);
        if paths.is_empty() {
            continue;
        }
        let matches = |clause: &Clause| match &clause.subject {
            Subject::Call { callees, .. } => paths.iter().any(|p| callees.is_match(p)),
            _ => false,
        };
        visit_matching(ctx, SubjectRef::Call(i), clauses, matches, visit);
    }
}

fn settings<'c, 'p>(
    ctx: &Ctx<'_, 'p>,
    module: &'p Module,
    clauses: &[(usize, &'c Clause)],
    visit: &mut Visit<'_, 'c, 'p>,
) {
    for (i, setting) in module.settings.iter().enumerate() {
        let matches = |clause: &Clause| ctx.setting_matches(&clause.subject, setting);
        visit_matching(ctx, SubjectRef::Setting(i), clauses, matches, visit);
    }
}

fn templates<'c, 'p>(
    ctx: &Ctx<'_, 'p>,
    module: &'p Module,
    clauses: &[(usize, &'c Clause)],
    visit: &mut Visit<'_, 'c, 'p>,
) {
    for i in 0..module.templates.len() {
        let matches = |clause: &Clause| matches!(clause.subject, Subject::Template);
        visit_matching(ctx, SubjectRef::Template(i), clauses, matches, visit);
    }
}

fn subscripts<'c, 'p>(
    ctx: &Ctx<'_, 'p>,
    module: &'p Module,
    clauses: &[(usize, &'c Clause)],
    visit: &mut Visit<'_, 'c, 'p>,
) {
    for (i, subscript) in module.subscripts.iter().enumerate() {
        let matches = |clause: &Clause| ctx.subscript_matches(&clause.subject, subscript);
        visit_matching(ctx, SubjectRef::Subscript(i), clauses, matches, visit);
    }
}

fn parameters<'c, 'p>(
    ctx: &Ctx<'_, 'p>,
    module: &'p Module,
    clauses: &[(usize, &'c Clause)],
    visit: &mut Visit<'_, 'c, 'p>,
) {
    for (i, parameter) in module.parameters.iter().enumerate() {
        let matches = |clause: &Clause| ctx.parameter_matches(&clause.subject, parameter);
        visit_matching(ctx, SubjectRef::Parameter(i), clauses, matches, visit);
    }
}

/// A parameter whose annotation is `Outer[Inner]` with `Outer` one of the
/// clause's `types`: the target is `Inner`.
fn parameter_types<'c, 'p>(
    ctx: &Ctx<'_, 'p>,
    module: &'p Module,
    clauses: &[(usize, &'c Clause)],
    visit: &mut Visit<'_, 'c, 'p>,
) {
    for (i, parameter) in module.parameters.iter().enumerate() {
        let Some(ValueKind::Index(outer, _)) = parameter.annotation.as_ref().map(|a| &a.kind) else {
            continue;
        };
        let paths = ctx.resolver.value_paths(outer, ctx.here(parameter.scope), 0);
        let matches = |clause: &Clause| match &clause.subject {
            Subject::ParameterType { types } => paths.iter().any(|p| types.is_match(p)),
            _ => false,
        };
        visit_matching(ctx, SubjectRef::ParameterType(i), clauses, matches, visit);
    }
}

fn structs<'c, 'p>(
    ctx: &Ctx<'_, 'p>,
    module: &'p Module,
    clauses: &[(usize, &'c Clause)],
    visit: &mut Visit<'_, 'c, 'p>,
) {
    for (i, def) in module.structs.iter().enumerate() {
        let matches = |clause: &Clause| match &clause.subject {
            Subject::Struct { names, derives } => {
                names.is_match(&def.name) && derives.as_ref().is_none_or(|d| def.derives.contains(d))
            }
            _ => false,
        };
        visit_matching(ctx, SubjectRef::Struct(i), clauses, matches, visit);
    }
}

impl<'p> Ctx<'_, 'p> {
    pub(super) fn setting_matches(&self, subject: &Subject, setting: &'p Setting) -> bool {
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
        let loc = Loc::new(self.module, setting.scope);
        self.resolver
            .value_paths(container, loc, 0)
            .iter()
            .any(|p| globs.is_match(p))
    }

    pub(super) fn subscript_matches(&self, subject: &Subject, subscript: &'p Subscript) -> bool {
        let Subject::Subscript { bases } = subject else {
            return false;
        };
        let loc = Loc::new(self.module, subscript.scope);
        self.resolver
            .value_paths(&subscript.base, loc, 0)
            .iter()
            .any(|p| bases.is_match(p))
    }

    pub(super) fn parameter_matches(&self, subject: &Subject, parameter: &'p Parameter) -> bool {
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
        let loc = Loc::new(self.module, parameter.scope);
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
