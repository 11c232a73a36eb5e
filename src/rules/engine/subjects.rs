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

fn calls<'c, 'p>(
    ctx: &Ctx<'_, 'p>,
    module: &'p Module,
    clauses: &[(usize, &'c Clause)],
    visit: &mut Visit<'_, 'c, 'p>,
) {
    for call in &module.calls {
        let paths = ctx.resolver.callee_paths(call, ctx.module);
        if paths.is_empty() {
            continue;
        }
        for &(rule, clause) in clauses {
            let Subject::Call { callees, .. } = &clause.subject else {
                continue;
            };
            if !paths.iter().any(|p| callees.is_match(p)) {
                continue;
            }
            let target = Target {
                call: Some(call),
                value: None,
                loc: ctx.here(call.scope),
                anchor: call.callee.span,
                name: None,
            };
            visit(rule, clause, &target);
        }
    }
}

fn settings<'c, 'p>(
    ctx: &Ctx<'_, 'p>,
    module: &'p Module,
    clauses: &[(usize, &'c Clause)],
    visit: &mut Visit<'_, 'c, 'p>,
) {
    for setting in &module.settings {
        for &(rule, clause) in clauses {
            if !ctx.setting_matches(&clause.subject, setting) {
                continue;
            }
            let target = Target {
                call: None,
                value: Some(&setting.value),
                loc: ctx.here(setting.scope),
                anchor: setting.value.span,
                name: Some(setting.name.clone()),
            };
            visit(rule, clause, &target);
        }
    }
}

fn templates<'c, 'p>(
    ctx: &Ctx<'_, 'p>,
    module: &'p Module,
    clauses: &[(usize, &'c Clause)],
    visit: &mut Visit<'_, 'c, 'p>,
) {
    for (template, scope) in &module.templates {
        for &(rule, clause) in clauses {
            if !matches!(clause.subject, Subject::Template) {
                continue;
            }
            let target = Target {
                call: None,
                value: Some(template),
                loc: ctx.here(*scope),
                anchor: template.span,
                name: None,
            };
            visit(rule, clause, &target);
        }
    }
}

fn subscripts<'c, 'p>(
    ctx: &Ctx<'_, 'p>,
    module: &'p Module,
    clauses: &[(usize, &'c Clause)],
    visit: &mut Visit<'_, 'c, 'p>,
) {
    for subscript in &module.subscripts {
        for &(rule, clause) in clauses {
            if !ctx.subscript_matches(&clause.subject, subscript) {
                continue;
            }
            let target = Target {
                call: None,
                value: Some(&subscript.index),
                loc: ctx.here(subscript.scope),
                anchor: subscript.span,
                name: None,
            };
            visit(rule, clause, &target);
        }
    }
}

fn parameters<'c, 'p>(
    ctx: &Ctx<'_, 'p>,
    module: &'p Module,
    clauses: &[(usize, &'c Clause)],
    visit: &mut Visit<'_, 'c, 'p>,
) {
    for parameter in &module.parameters {
        for &(rule, clause) in clauses {
            if !ctx.parameter_matches(&clause.subject, parameter) {
                continue;
            }
            let target = Target {
                call: None,
                value: None,
                loc: ctx.here(parameter.scope),
                anchor: parameter.span,
                name: Some(parameter.name.clone()),
            };
            visit(rule, clause, &target);
        }
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
    for parameter in &module.parameters {
        let Some(ValueKind::Index(outer, inner)) = parameter.annotation.as_ref().map(|a| &a.kind) else {
            continue;
        };
        let loc = ctx.here(parameter.scope);
        let paths = ctx.resolver.value_paths(outer, loc, 0);
        for &(rule, clause) in clauses {
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
            visit(rule, clause, &target);
        }
    }
}

fn structs<'c, 'p>(
    ctx: &Ctx<'_, 'p>,
    module: &'p Module,
    clauses: &[(usize, &'c Clause)],
    visit: &mut Visit<'_, 'c, 'p>,
) {
    for def in &module.structs {
        for &(rule, clause) in clauses {
            let Subject::Struct { names, derives } = &clause.subject else {
                continue;
            };
            if !names.is_match(&def.name) || derives.as_ref().is_some_and(|d| !def.derives.contains(d)) {
                continue;
            }
            let target = Target {
                call: None,
                value: Some(&def.shape),
                loc: ctx.here(0),
                anchor: def.span,
                name: Some(def.name.clone()),
            };
            visit(rule, clause, &target);
        }
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
