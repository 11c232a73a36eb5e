//! Name and value resolution across the project.
//!
//! Resolution is best effort and never guesses: a name bound more than once,
//! mutated, bound to a parameter, or not bound at all resolves to *unknown*,
//! and the engine never reports a finding that rests on an unknown value.
//!
//! Python is flow-insensitive here: a name resolves only when its scope binds
//! it exactly once and nothing mutates it. Imports are followed into other
//! modules of the project (`from app.core.config import SECRET_KEY`,
//! `from app.core import config` then `config.SECRET_KEY`), class attributes
//! and pydantic field defaults are read from the class body, and
//! `app.config["X"]` reads what `app.config["X"] = …` assigned in that file.
//! Rust is lexical: the nearest `let` before the use (shadowing) wins, unless
//! the name is reassigned.

use crate::analysis::calls::{FrameId, Frames, NO_FRAME};
use crate::analysis::index::ModuleIndex;
use crate::analysis::module_names::{absolute_import, absolute_rust_path};
use crate::analysis::project::{ModuleId, Project, ProjectModule};
use crate::model::{Binding, Call, Language, Module, ScopeId, Span, Value, ValueKind};

/// How many names a value may be followed through (`A = B`, `B = "lit"`).
/// Bounds cycles such as `x = x.strip()` as well as long alias chains.
const MAX_HOPS: usize = 16;

thread_local! {
    // On while following re-exports for callee paths: only checked modules
    // are followed then (see `through_checked_only`).
    static CHECKED_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    // Set, to the calling module, while resolving a callee to follow a
    // call: only modules `Project::may_follow` allows are entered then.
    static FOLLOWING_FROM: std::cell::Cell<Option<ModuleId>> = const { std::cell::Cell::new(None) };
}

pub static UNKNOWN: Value = Value {
    kind: ValueKind::Unknown,
    span: Span { start: 0, end: 0 },
};

/// Where a value lives: its module, the scope its names are looked up in,
/// and the call it is evaluated for (see `calls.rs`): inside a function
/// entered from a call site, a parameter holds that call's argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Loc {
    pub module: ModuleId,
    pub scope: ScopeId,
    pub frame: FrameId,
}

pub enum Lookup<'p> {
    Bound(&'p Binding),
    Ambiguous,
    Unbound,
}

/// The value an expression stands for after following names.
#[derive(Clone, Copy, Debug)]
pub struct Resolved<'p> {
    pub value: &'p Value,
    pub loc: Loc,
    /// Whether a name was followed to reach the value: its span is then a
    /// definition elsewhere, not part of the expression at the use site.
    pub through_binding: bool,
}

pub struct Resolver<'p> {
    pub(super) project: &'p Project,
    /// The module being checked, lowered by its checker rather than kept in
    /// the project (see `project.rs`).
    current: Option<(ModuleId, &'p ProjectModule)>,
    /// The call sites values are evaluated for (see `calls.rs`).
    pub(super) frames: Frames,
}

impl<'p> Resolver<'p> {
    /// A resolver over modules the project holds.
    pub fn new(project: &'p Project) -> Self {
        Resolver {
            project,
            current: None,
            frames: Frames::default(),
        }
    }

    /// A resolver for checking `module`, which has the id `id` in the project.
    pub fn checking(project: &'p Project, id: ModuleId, module: &'p ProjectModule) -> Self {
        Resolver {
            project,
            current: Some((id, module)),
            frames: Frames::default(),
        }
    }

    /// The module, lowered on first use; `None` when it cannot be read or lowered.
    fn try_entry(&self, id: ModuleId) -> Option<&'p ProjectModule> {
        match self.current {
            Some((current, module)) if current == id => Some(module),
            _ => self.project.load(id),
        }
    }

    /// A module resolution has already reached: the module being checked,
    /// or one a lookup loaded.
    pub fn entry(&self, id: ModuleId) -> &'p ProjectModule {
        self.try_entry(id)
            .expect("resolution hands out the ids of modules it has loaded only")
    }

    /// The project this resolver reads.
    pub fn project(&self) -> &'p Project {
        self.project
    }

    /// The module being checked, if any: a resolver over the project sees it
    /// only through this one.
    pub fn checked_module(&self) -> Option<ModuleId> {
        self.current.map(|(id, _)| id)
    }

    /// The crate's own struct a Rust type names (see `struct_shape`), as
    /// its definition.
    pub fn struct_def(&self, segments: &[String], loc: Loc) -> Option<(ModuleId, &'p crate::model::StructDef)> {
        let shape = self.struct_shape(segments, loc)?;
        let module = self.module(shape.loc.module);
        let def = module.structs.iter().find(|d| std::ptr::eq(&d.shape, shape.value))?;
        Some((shape.loc.module, def))
    }

    fn index(&self, module: ModuleId) -> &'p ModuleIndex {
        &self.entry(module).index
    }

    pub fn module(&self, id: ModuleId) -> &'p Module {
        &self.entry(id).module
    }

    /// The binding a name refers to at byte offset `at`.
    pub fn lookup(&self, name: &str, loc: Loc, at: usize) -> Lookup<'p> {
        match self.module(loc.module).language {
            Language::Python => self.lookup_python(name, loc, at),
            Language::Rust => self.lookup_rust(name, loc, at),
        }
    }

    fn lookup_python(&self, name: &str, loc: Loc, at: usize) -> Lookup<'p> {
        // A mutation in any scope (`d["k"] = v`, `global x`) may reach the
        // object a name holds, so such a name is never treated as constant.
        let module = self.module(loc.module);
        let index = self.index(loc.module);
        let mutated = index.is_mutated_anywhere(module, name);
        let scopes = &module.scopes;
        let mut scope = loc.scope;
        loop {
            let mut bound = index.bindings(module, scope, name);
            match (bound.next(), bound.next()) {
                (Some(only), None) if !mutated => return Lookup::Bound(only),
                // Bound more than once: the one binding that reaches this
                // use in statement order, when there is one.
                (Some(_), Some(_)) if !mutated => {
                    return match module.reaching_at(at) {
                        Some(binding) if binding.scope == scope && binding.name == name => Lookup::Bound(binding),
                        _ => Lookup::Ambiguous,
                    };
                }
                (Some(_), _) => return Lookup::Ambiguous,
                _ => {}
            }
            match scopes[scope].parent {
                Some(parent) => scope = parent,
                None => return if mutated { Lookup::Ambiguous } else { Lookup::Unbound },
            }
        }
    }

    fn lookup_rust(&self, name: &str, loc: Loc, at: usize) -> Lookup<'p> {
        let module = self.module(loc.module);
        let index = self.index(loc.module);
        if loc.scope != 0 {
            let nearest = index
                .bindings(module, loc.scope, name)
                .filter(|b| b.visible.contains(at))
                .max_by_key(|b| b.visible.start);
            if let Some(binding) = nearest {
                return if index.is_mutated(module, loc.scope, name) {
                    Lookup::Ambiguous
                } else {
                    Lookup::Bound(binding)
                };
            }
        }
        let mut visible = index.bindings(module, 0, name).filter(|b| b.visible.contains(at));
        match (visible.next(), visible.next()) {
            (None, _) => Lookup::Unbound,
            (Some(only), None) => Lookup::Bound(only),
            _ => Lookup::Ambiguous,
        }
    }

    /// Follows names, imports, attributes of modules and classes, and
    /// constant subscripts to the value an expression holds. Anything that
    /// does not resolve is [`UNKNOWN`]; an import of something outside the
    /// project stays an `Imported` reference.
    pub fn resolve(&self, value: &'p Value, loc: Loc) -> Resolved<'p> {
        self.resolve_with_budget(value, loc, MAX_HOPS)
    }

    /// The value as written where resolution stops: like [`Self::resolve`],
    /// but a step that cannot be taken (`os.environ["JWT_SECRET"]` has no
    /// value here) ends at the expression, not at unknown. For what a key
    /// is read from (`settings.SECRET_KEY` holds `os.environ["SECRET_KEY"]`),
    /// never for what a value is.
    pub fn definition(&self, value: &'p Value, loc: Loc) -> Resolved<'p> {
        self.resolve_steps(value, loc, MAX_HOPS, true)
    }

    fn resolve_with_budget(&self, value: &'p Value, loc: Loc, budget: usize) -> Resolved<'p> {
        self.resolve_steps(value, loc, budget, false)
    }

    fn resolve_steps(&self, value: &'p Value, loc: Loc, budget: usize, as_written: bool) -> Resolved<'p> {
        let mut current = Resolved {
            value,
            loc,
            through_binding: false,
        };
        for _ in 0..budget {
            let next = match &current.value.kind {
                ValueKind::Name(name) => match self.lookup(name, current.loc, current.value.span.start) {
                    Lookup::Bound(binding) => Some(self.follow_binding(binding, current.loc, budget / 2)),
                    Lookup::Unbound => self.glob_target(name, current.loc, budget / 2),
                    Lookup::Ambiguous => None,
                },
                ValueKind::Attr(base, attribute) => {
                    let base = self.resolve_with_budget(base, current.loc, budget / 2);
                    self.attribute_of(base, attribute, budget / 2)
                        .map(|r| with_binding(r, current.through_binding || base.through_binding))
                }
                ValueKind::Index(base, index) => self
                    .subscript_of(base, index, current.loc, budget / 2)
                    .map(|r| with_binding(r, current.through_binding)),
                ValueKind::Path(segments) => match self.rust_path_target(segments, current, budget / 2) {
                    Some(target) => Some(target),
                    None => return current,
                },
                ValueKind::Typed(segments) => match self.struct_shape(segments, current.loc) {
                    Some(shape) => Some(shape),
                    None => return current,
                },
                // A class body's `x: int = Field(default=60)` declares 60.
                ValueKind::Call(id) if self.in_class_body(current.loc.module, *id) => {
                    match self.declared_default(current) {
                        Some(default) => Some(default),
                        None => return current,
                    }
                }
                _ => return current,
            };
            match next {
                Some(next) => {
                    current = Resolved {
                        value: next.value,
                        loc: next.loc,
                        through_binding: current.through_binding || next.through_binding,
                    }
                }
                None if as_written => return current,
                None => return unknown_from(current),
            }
        }
        unknown_from(current)
    }

    /// A name nothing binds, from the one glob import of a project module
    /// that defines it (`use crate::config::*`, `use super::*`,
    /// `from .settings import *`). Two that do: unknown.
    fn glob_target(&self, name: &str, loc: Loc, budget: usize) -> Option<Resolved<'p>> {
        let module = self.module(loc.module);
        if module.glob_imports.is_empty() || budget == 0 {
            return None;
        }
        let separator = module.language.path_separator();
        let mut found = None;
        for glob in &module.glob_imports {
            let Some(target) = self.resolve_import(&format!("{glob}{separator}{name}"), loc.module, budget) else {
                continue;
            };
            if found.is_some() {
                return None;
            }
            found = Some(with_binding(target, true));
        }
        found
    }

    /// What a binding holds; an import of a project module's name continues
    /// in that module.
    ///
    /// Every step that can lead back into another module spends `budget`:
    /// modules that import from each other must not recurse forever.
    fn follow_binding(&self, binding: &'p Binding, at: Loc, budget: usize) -> Resolved<'p> {
        let module = at.module;
        if let Some(argument) = self.parameter_value(binding, at) {
            return argument;
        }
        let here = Resolved {
            value: &binding.value,
            loc: at.with_scope(binding.scope),
            through_binding: true,
        };
        if let ValueKind::Imported(path) = &binding.value.kind
            && budget > 0
            && let Some(target) = self.resolve_import(path, module, budget - 1)
        {
            return with_binding(target, true);
        }
        here
    }

    /// A Rust path naming an item of the crate: `crate::config::KEY`,
    /// `super::KEY`, or `config::KEY` after `use crate::config;`.
    fn rust_path_target(&self, segments: &[String], at: Resolved<'p>, budget: usize) -> Option<Resolved<'p>> {
        let (first, rest) = segments.split_first()?;
        let full = if matches!(first.as_str(), "crate" | "self" | "super") {
            segments.join("::")
        } else {
            let Lookup::Bound(binding) = self.lookup(first, at.loc, at.value.span.start) else {
                return None;
            };
            let ValueKind::Imported(path) = &binding.value.kind else {
                return None;
            };
            format!("{path}::{}", rest.join("::"))
        };
        self.resolve_import(&full, at.loc.module, budget)
            .map(|r| with_binding(r, true))
    }

    /// The fields of the struct a Rust type names, when the type is the
    /// crate's own (not imported from another crate) and the crate defines
    /// exactly one struct of that name.
    fn struct_shape(&self, segments: &[String], loc: Loc) -> Option<Resolved<'p>> {
        let (first, _) = segments.split_first()?;
        let name = segments.last()?;
        // `jwt_simple::Claims`, or `Claims` brought in by `use other_crate::Claims`: not ours.
        let local = match self.lookup(first, loc, 0) {
            Lookup::Bound(binding) => match &binding.value.kind {
                ValueKind::Imported(path) => {
                    let ours = ["crate", "self", "super"].iter().any(|p| path.starts_with(p));
                    if ours {
                        // Asks for the defining module if it was not parsed.
                        let _ = self.resolve_import(path, loc.module, MAX_HOPS);
                    }
                    ours
                }
                _ => true,
            },
            Lookup::Unbound => segments.len() == 1 || ["crate", "self", "super"].contains(&first.as_str()),
            Lookup::Ambiguous => false,
        };
        if !local {
            return None;
        }
        let own_crate = crate_root(&self.entry(loc.module).path);
        let mut found = None;
        for &id in self.project.struct_candidates(name.as_str()) {
            if crate_root(self.project.display(id)) != own_crate {
                continue;
            }
            // A candidate that cannot be lowered might define it: do not guess.
            let candidate = self.try_entry(id)?;
            if candidate.language != Language::Rust {
                continue;
            }
            for def in candidate.module.structs.iter().filter(|def| def.name == *name) {
                if found.is_some() {
                    return None; // two structs of that name: do not guess
                }
                found = Some((id, def));
            }
        }
        let (module, def) = found?;
        Some(Resolved {
            value: &def.shape,
            loc: Loc::new(module, 0),
            through_binding: true,
        })
    }

    /// An imported dotted path that names something inside a project module:
    /// that module's top-level binding. `None` for modules themselves and for
    /// anything outside the project.
    fn resolve_import(&self, path: &str, from: ModuleId, budget: usize) -> Option<Resolved<'p>> {
        if budget == 0 {
            return None;
        }
        let language = self.module(from).language;
        let own = self.entry(from).package.as_deref();
        let (absolute, separator) = match language {
            Language::Python => (absolute_import(path, own)?, "."),
            Language::Rust => (absolute_rust_path(path, own)?, "::"),
        };
        let segments: Vec<&str> = absolute.split(separator).collect();
        for split in (1..segments.len()).rev() {
            let prefix = segments[..split].join(separator);
            let Some(module) = self.project.module_named(&prefix) else {
                continue;
            };
            let current = self.current.is_some_and(|(id, _)| id == module);
            if CHECKED_ONLY.with(|c| c.get()) && !current && !self.project.is_checked(module) {
                return None;
            }
            if let Some(caller) = FOLLOWING_FROM.with(|c| c.get())
                && !current
                && !self.project.may_follow(caller, module)
            {
                return None;
            }
            if self.try_entry(module).is_none() {
                continue;
            }
            if self.module(module).language != language {
                return None;
            }
            let name = segments[split];
            let Lookup::Bound(binding) = self.lookup(name, Loc::new(module, 0), 0) else {
                return None;
            };
            let mut resolved = self.follow_binding(binding, Loc::new(module, 0), budget - 1);
            for attribute in &segments[split + 1..] {
                resolved = self.attribute_of(resolved, attribute, budget - 1)?;
            }
            return Some(resolved);
        }
        None
    }

    /// `base.attribute` where `base` has been resolved: a name in an
    /// imported project module, or an attribute of a class or of an instance
    /// of one (a pydantic field default, unless the constructor sets it).
    fn attribute_of(&self, base: Resolved<'p>, attribute: &str, budget: usize) -> Option<Resolved<'p>> {
        if budget == 0 {
            return None;
        }
        match &base.value.kind {
            ValueKind::Imported(path) => {
                self.resolve_import(&format!("{path}.{attribute}"), base.loc.module, budget - 1)
            }
            ValueKind::ClassDef(scope) => self.class_attribute(base.loc.module, *scope, attribute, budget - 1),
            ValueKind::Call(id) => {
                let call = &self.module(base.loc.module).calls[*id];
                let class = self.resolve_with_budget(&call.callee, base.loc.with_scope(call.scope), budget);
                // `settings = get_settings()`: what the project's function returns.
                if let ValueKind::Function(_) = class.value.kind {
                    let returned = self.call_result(*id, base.loc)?;
                    let instance = self.resolve_with_budget(returned.value, returned.loc, budget / 2);
                    return self.attribute_of(instance, attribute, budget - 1);
                }
                let ValueKind::ClassDef(scope) = class.value.kind else {
                    return None;
                };
                if call.star_kwargs || !call.args.iter().all(|a| a.keyword.is_some()) {
                    return None; // the constructor may set the field
                }
                if let Some(arg) = call.args.iter().find(|a| a.keyword.as_deref() == Some(attribute)) {
                    return Some(Resolved {
                        value: &arg.value,
                        loc: base.loc.with_scope(call.scope),
                        through_binding: true,
                    });
                }
                self.class_attribute(class.loc.module, scope, attribute, budget - 1)
            }
            _ => None,
        }
    }

    fn class_attribute(
        &self,
        module: ModuleId,
        class_scope: ScopeId,
        attribute: &str,
        budget: usize,
    ) -> Option<Resolved<'p>> {
        let (entry, index) = (self.module(module), self.index(module));
        if index.is_mutated_anywhere(entry, attribute) || index.bindings(entry, class_scope, attribute).count() != 1 {
            return None;
        }
        let only = index.bindings(entry, class_scope, attribute).next()?;
        let value = self.follow_binding(only, Loc::new(module, class_scope), budget);
        Some(self.declared_default(value).unwrap_or(value))
    }

    fn in_class_body(&self, module: ModuleId, call: usize) -> bool {
        let module = self.module(module);
        module.scopes[module.calls[call].scope].kind == crate::model::ScopeKind::Class
    }

    /// A field declared with its default (`x: int = Field(default=60)`,
    /// `dataclasses.field(default=…)`, `attrs.field(default=…)`): the default.
    fn declared_default(&self, field: Resolved<'p>) -> Option<Resolved<'p>> {
        let ValueKind::Call(id) = field.value.kind else {
            return None;
        };
        let call = &self.module(field.loc.module).calls[id];
        let named = match &call.callee.kind {
            ValueKind::Name(name) | ValueKind::Attr(_, name) => name.as_str(),
            _ => return None,
        };
        if !matches!(named, "Field" | "field" | "ib" | "attrib") {
            return None;
        }
        let paths = self.callee_paths(call, field.loc.module);
        let declares = paths.iter().any(|p| {
            matches!(
                p.as_str(),
                "pydantic.Field"
                    | "pydantic.fields.Field"
                    | "pydantic_settings.Field"
                    | "sqlmodel.Field"
                    | "dataclasses.field"
                    | "attr.ib"
                    | "attr.attrib"
                    | "attr.field"
                    | "attrs.field"
            )
        });
        if !declares || call.star_args || call.star_kwargs {
            return None;
        }
        // pydantic takes the default first; the others by keyword only.
        let positional = paths
            .iter()
            .any(|p| p.contains("Field"))
            .then(|| call.args.first())
            .flatten();
        let default = call
            .args
            .iter()
            .find(|a| a.keyword.as_deref() == Some("default"))
            .or(positional.filter(|a| a.keyword.is_none()))?;
        Some(Resolved {
            value: &default.value,
            loc: field.loc.with_scope(call.scope),
            through_binding: true,
        })
    }

    /// `CONSTANT_DICT["key"]`, or `app.config["KEY"]` after `app.config["KEY"] = …`.
    fn subscript_of(&self, base: &'p Value, index: &'p Value, loc: Loc, budget: usize) -> Option<Resolved<'p>> {
        let key = self.resolve_with_budget(index, loc, budget);
        let ValueKind::Str(wanted) = &key.value.kind else {
            return None;
        };
        if let Some(container) = dotted_text(base)
            && let Some(setting) = self.config_entry(loc.module, &container, wanted)
        {
            return Some(setting);
        }
        let base = self.resolve_with_budget(base, loc, budget);
        let ValueKind::Dict { entries, .. } = &base.value.kind else {
            return None;
        };
        let mut found = None;
        for (k, v) in entries {
            match &self.resolve_with_budget(k, base.loc, budget).value.kind {
                ValueKind::Str(s) if s == wanted => {
                    if found.is_some() {
                        return None; // a repeated key: the last one wins, keep it simple
                    }
                    found = Some(v);
                }
                ValueKind::Str(_) => {}
                _ => return None,
            }
        }
        found.map(|value| Resolved {
            value,
            loc: base.loc,
            through_binding: base.through_binding,
        })
    }

    fn config_entry(&self, module: ModuleId, container: &str, name: &str) -> Option<Resolved<'p>> {
        let mut found = self.index(module).settings(self.module(module), container, name);
        match (found.next(), found.next()) {
            (Some(only), None) => Some(Resolved {
                value: &only.value,
                loc: Loc::new(module, only.scope),
                through_binding: true,
            }),
            _ => None,
        }
    }

    /// The canonical paths a call's callee may stand for, most specific
    /// first: `jwt.decode`, `jwt.PyJWT().decode`, `jsonwebtoken::decode`,
    /// `jsonwebtoken::Validation::new().insecure_disable_signature_validation`.
    /// A method on a receiver that does not resolve is `?.method`.
    /// Empty when nothing is known.
    pub fn callee_paths(&self, call: &'p Call, module: ModuleId) -> Vec<String> {
        self.value_paths(&call.callee, Loc::new(module, call.scope), 0)
    }

    /// The canonical paths of a reference (`jose.constants.ALGORITHMS.SUPPORTED`).
    pub fn value_paths(&self, value: &'p Value, loc: Loc, depth: usize) -> Vec<String> {
        if depth > MAX_HOPS {
            return Vec::new();
        }
        match &value.kind {
            ValueKind::Name(name) => match self.lookup(name, loc, value.span.start) {
                Lookup::Bound(binding) => {
                    if let Some(argument) = self.parameter_value(binding, loc) {
                        return self.value_paths(argument.value, argument.loc, depth + 1);
                    }
                    let loc = loc.with_scope(binding.scope);
                    match &binding.value.kind {
                        ValueKind::Imported(path) => vec![self.canonical_import(path, loc.module, depth)],
                        ValueKind::Name(_) | ValueKind::Path(_) | ValueKind::Attr(..) | ValueKind::Call(_) => {
                            self.value_paths(&binding.value, loc, depth + 1)
                        }
                        // A Rust function of this crate, called by the name it is
                        // written with (it shadows any glob import).
                        ValueKind::Function(_) if self.module(loc.module).language == Language::Rust => {
                            vec![name.clone()]
                        }
                        // A Rust parameter known by its type is an instance of it:
                        // `v: &mut Validation` is `jsonwebtoken::Validation()`.
                        ValueKind::Typed(segments) => {
                            let written = Value::new(type_kind(segments), binding.value.span);
                            self.type_paths(&written, loc)
                        }
                        _ => Vec::new(),
                    }
                }
                Lookup::Unbound => self.with_glob_candidates(name.clone(), loc.module),
                Lookup::Ambiguous => Vec::new(),
            },
            ValueKind::Path(segments) => {
                let Some((first, rest)) = segments.split_first() else {
                    return Vec::new();
                };
                let rest = rest.join("::");
                match self.lookup(first, loc, value.span.start) {
                    Lookup::Bound(binding) => match &binding.value.kind {
                        ValueKind::Imported(path) => vec![format!("{path}::{rest}")],
                        _ => Vec::new(),
                    },
                    Lookup::Unbound => self.with_glob_candidates(segments.join("::"), loc.module),
                    Lookup::Ambiguous => Vec::new(),
                }
            }
            ValueKind::Attr(base, name) => {
                let bases = self.value_paths(base, loc, depth + 1);
                if bases.is_empty() {
                    vec![format!("?.{name}")]
                } else {
                    bases.into_iter().map(|b| format!("{b}.{name}")).collect()
                }
            }
            ValueKind::Call(id) => {
                let inner = &self.module(loc.module).calls[*id];
                self.value_paths(&inner.callee, loc.with_scope(inner.scope), depth + 1)
                    .into_iter()
                    .map(|p| format!("{p}()"))
                    .collect()
            }
            ValueKind::Imported(path) => vec![self.canonical_import(path, loc.module, depth)],
            _ => Vec::new(),
        }
    }

    fn type_paths(&self, written: &Value, loc: Loc) -> Vec<String> {
        // The value is a temporary: resolve its paths, then give them instance form.
        let paths = match &written.kind {
            ValueKind::Name(name) => match self.lookup(name, loc, written.span.start) {
                Lookup::Bound(binding) => match &binding.value.kind {
                    ValueKind::Imported(path) => vec![path.clone()],
                    _ => Vec::new(),
                },
                Lookup::Unbound => self.with_glob_candidates(name.clone(), loc.module),
                Lookup::Ambiguous => Vec::new(),
            },
            ValueKind::Path(segments) => {
                let (first, rest) = match segments.split_first() {
                    Some(split) => split,
                    None => return Vec::new(),
                };
                match self.lookup(first, loc, written.span.start) {
                    Lookup::Bound(binding) => match &binding.value.kind {
                        ValueKind::Imported(path) => vec![format!("{path}::{}", rest.join("::"))],
                        _ => Vec::new(),
                    },
                    Lookup::Unbound => self.with_glob_candidates(segments.join("::"), loc.module),
                    Lookup::Ambiguous => Vec::new(),
                }
            }
            _ => Vec::new(),
        };
        paths.into_iter().map(|p| format!("{p}()")).collect()
    }

    /// An import path made absolute, with re-exports inside the project
    /// followed (`from app.auth import jwt` where `app/auth.py` does `import jwt`).
    fn canonical_import(&self, path: &str, module: ModuleId, depth: usize) -> String {
        if self.module(module).language != Language::Python {
            return path.to_string();
        }
        let Some(absolute) = absolute_import(path, self.entry(module).package.as_deref()) else {
            return path.to_string();
        };
        if depth < MAX_HOPS
            && let Some(target) = self.through_checked_only(|| self.resolve_import(&absolute, module, MAX_HOPS - depth))
            && let ValueKind::Imported(inner) = &target.value.kind
        {
            return self.canonical_import(inner, target.loc.module, depth + 1);
        }
        absolute
    }

    /// Callee paths follow re-exports only through the modules the rules
    /// check (those with a keyword): naming a function from another module
    /// is no reason to parse it.
    pub(super) fn through_checked_only<T>(&self, f: impl FnOnce() -> T) -> T {
        let was = CHECKED_ONLY.with(|c| c.replace(true));
        let result = f();
        CHECKED_ONLY.with(|c| c.set(was));
        result
    }

    /// Resolves a callee of a call in `caller` only into modules
    /// [`Project::may_follow`] allows.
    pub(super) fn following_from<T>(&self, caller: ModuleId, f: impl FnOnce() -> T) -> T {
        let was = FOLLOWING_FROM.with(|c| c.replace(Some(caller)));
        let result = f();
        FOLLOWING_FROM.with(|c| c.set(was));
        result
    }

    /// An unbound name is taken as written (Python builtins, Rust paths
    /// written out in full), and also as a member of each glob import.
    fn with_glob_candidates(&self, written: String, module: ModuleId) -> Vec<String> {
        let module = self.module(module);
        let separator = module.language.path_separator();
        let mut paths = vec![written.clone()];
        for glob in &module.glob_imports {
            paths.push(format!("{glob}{separator}{written}"));
        }
        paths
    }

    /// The bindings whose value is the result of this call (`claims = jwt.decode(…)`).
    pub fn names_bound_to_call(&self, module: ModuleId, call: usize) -> Vec<&'p Binding> {
        self.module(module)
            .bindings
            .iter()
            .filter(|b| matches!(b.value.kind, ValueKind::Call(id) if id == call))
            .collect()
    }

    /// A short, secret-free rendering of a callee for messages: the names
    /// as written, with calls shown as `()`.
    pub fn display_callee(&self, value: &Value, module: ModuleId) -> String {
        let mut out = String::new();
        self.write_callee(value, module, &mut out, 0);
        if out.chars().count() > 80 {
            let cut = out.char_indices().nth(77).map(|(i, _)| i).unwrap_or(out.len());
            out.truncate(cut);
            out.push('…');
        }
        out
    }

    fn write_callee(&self, value: &Value, module: ModuleId, out: &mut String, depth: usize) {
        if depth > MAX_HOPS {
            out.push('…');
            return;
        }
        let separator = self.module(module).language.path_separator();
        match &value.kind {
            ValueKind::Name(name) => out.push_str(name),
            ValueKind::Path(segments) => out.push_str(&segments.join(separator)),
            ValueKind::Attr(base, name) => {
                self.write_callee(base, module, out, depth + 1);
                out.push('.');
                out.push_str(name);
            }
            ValueKind::Call(id) => {
                self.write_callee(&self.module(module).calls[*id].callee, module, out, depth + 1);
                out.push_str("()");
            }
            _ => out.push('…'),
        }
    }
}

impl Loc {
    /// A place outside any call context.
    pub fn new(module: ModuleId, scope: ScopeId) -> Loc {
        Loc {
            module,
            scope,
            frame: NO_FRAME,
        }
    }

    pub fn with_scope(self, scope: ScopeId) -> Loc {
        Loc { scope, ..self }
    }
}

fn with_binding(resolved: Resolved<'_>, through: bool) -> Resolved<'_> {
    Resolved {
        through_binding: resolved.through_binding || through,
        ..resolved
    }
}

fn unknown_from(from: Resolved<'_>) -> Resolved<'_> {
    Resolved {
        value: &UNKNOWN,
        loc: from.loc,
        through_binding: from.through_binding,
    }
}

/// The directory holding a Rust file's crate: the path before its last `src/`.
fn crate_root(path: &str) -> &str {
    path.rfind("/src/").map_or("", |i| &path[..i])
}

fn type_kind(segments: &[String]) -> ValueKind {
    match segments {
        [one] => ValueKind::Name(one.clone()),
        _ => ValueKind::Path(segments.to_vec()),
    }
}

/// The text of a `Name`/`Attr` chain (`app.config`), if it is one.
pub fn dotted_text(value: &Value) -> Option<String> {
    match &value.kind {
        ValueKind::Name(name) => Some(name.clone()),
        ValueKind::Attr(base, name) => Some(format!("{}.{name}", dotted_text(base)?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::project::ProjectModule;
    use crate::frontend::lower::python::lower_python;
    use std::sync::Arc;

    fn project_of(files: &[(&str, &str, &str)]) -> Project {
        let modules = files
            .iter()
            .map(|(path, package, src)| {
                ProjectModule::new(
                    path.to_string(),
                    Language::Python,
                    lower_python(src),
                    Arc::new(src.to_string()),
                    Some(package.to_string()),
                )
            })
            .collect();
        let names: Vec<Vec<String>> = files
            .iter()
            .map(|(path, _, _)| vec![path.trim_end_matches(".py").replace('/', ".")])
            .collect();
        Project::new(modules, &names)
    }

    fn single(src: &str) -> Project {
        project_of(&[("main.py", "", src)])
    }

    fn paths(src: &str, callee: &str) -> Vec<String> {
        let project = single(src);
        let r = Resolver::new(&project);
        let m = r.module(0);
        let call = m
            .calls
            .iter()
            .find(|c| &src[c.callee.span.start..c.callee.span.end] == callee)
            .expect("call present");
        r.callee_paths(call, 0)
    }

    /// The resolved values of the arguments of the last call in module `id`.
    fn last_call_args(project: &Project, id: ModuleId) -> Vec<ValueKind> {
        let r = Resolver::new(project);
        let call = r.module(id).calls.last().unwrap();
        call.args
            .iter()
            .map(|a| r.resolve(&a.value, Loc::new(id, call.scope)).value.kind.clone())
            .collect()
    }

    #[test]
    fn python_callee_paths_follow_imports_aliases_and_instances() {
        assert_eq!(
            paths("import jwt as pyjwt\npyjwt.decode(t)\n", "pyjwt.decode"),
            ["jwt.decode"]
        );
        assert_eq!(
            paths("from jose import jwt\njwt.decode(t)\n", "jwt.decode"),
            ["jose.jwt.decode"]
        );
        assert_eq!(paths("from jwt import decode as d\nd(t)\n", "d"), ["jwt.decode"]);
        assert_eq!(
            paths("from jwt import PyJWT\nPyJWT().decode(t)\n", "PyJWT().decode"),
            ["jwt.PyJWT().decode"]
        );
        assert_eq!(
            paths(
                "import jwt\ndec = jwt.PyJWT()\ndef f(t):\n    dec.decode(t)\n",
                "dec.decode"
            ),
            ["jwt.PyJWT().decode"]
        );
        assert_eq!(paths("def f(jwt):\n    jwt.decode(t)\n", "jwt.decode"), ["?.decode"]);
    }

    #[test]
    fn python_values_resolve_to_the_binding_that_reaches_them() {
        let src = "K = 'k1'\nJ = K\nM = 'a'\nM = 'b'\nD = {'x': False}\nE = {'x': 1}\nE['x'] = 2\n\
                   F = {'x': 1}\nF[k] = 2\nif c:\n    G = 'g1'\nelse:\n    G = 'g2'\nuse(J, M, D['x'], E, F, G)\n";
        let resolved = last_call_args(&single(src), 0);
        assert!(matches!(&resolved[0], ValueKind::Str(s) if s == "k1"));
        assert!(
            matches!(&resolved[1], ValueKind::Str(s) if s == "b"),
            "the later binding"
        );
        assert!(matches!(resolved[2], ValueKind::Bool(false)));
        assert!(
            matches!(&resolved[3], ValueKind::Dict { entries, .. } if matches!(entries[0].1.kind, ValueKind::Int(2))),
            "the entry set after the display"
        );
        assert!(
            matches!(resolved[4], ValueKind::Unknown),
            "mutated under a key we cannot read"
        );
        assert!(
            matches!(&resolved[5], ValueKind::Choice(values) if values.len() == 2),
            "either branch's value"
        );
    }

    #[test]
    fn python_function_names_fall_back_to_module_but_parameters_shadow() {
        let project = single("KEY = 'k'\ndef a():\n    use(KEY)\ndef b(KEY):\n    use(KEY)\n");
        let r = Resolver::new(&project);
        let calls = &r.module(0).calls;
        let first = r.resolve(&calls[0].args[0].value, Loc::new(0, calls[0].scope));
        assert!(matches!(&first.value.kind, ValueKind::Str(s) if s == "k"));
        assert!(first.through_binding);
        let second = r.resolve(&calls[1].args[0].value, Loc::new(0, calls[1].scope));
        assert!(second.value.is_unknown());
    }

    #[test]
    fn imports_resolve_across_modules() {
        let project = project_of(&[
            (
                "app/core/config.py",
                "app.core",
                "SECRET_KEY = 'cfg-key'\nclass Settings:\n    JWT_KEY: str = 'cls-key'\nsettings = Settings()\n",
            ),
            (
                "app/api/deps.py",
                "app.api",
                "from app.core.config import SECRET_KEY\nfrom ..core import config\nfrom app.core.config import settings, Settings\nuse(SECRET_KEY, config.SECRET_KEY, settings.JWT_KEY, Settings.JWT_KEY, Settings(JWT_KEY='kw').JWT_KEY, config.MISSING)\n",
            ),
        ]);
        let resolved = last_call_args(&project, 1);
        let strings: Vec<Option<&str>> = resolved
            .iter()
            .map(|k| match k {
                ValueKind::Str(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            strings,
            [
                Some("cfg-key"),
                Some("cfg-key"),
                Some("cls-key"),
                Some("cls-key"),
                Some("kw"),
                None
            ]
        );
    }

    #[test]
    fn modules_importing_each_other_do_not_recurse_forever() {
        // Found on fastapi-users: two modules re-exporting each other's
        // names overflowed the stack before resolution spent a budget.
        let project = project_of(&[
            (
                "pkg/a.py",
                "pkg",
                "from pkg.b import X\nfrom pkg.b import Y as Z\nuse(X, Z)\n",
            ),
            ("pkg/b.py", "pkg", "from pkg.a import X\nfrom pkg.a import Z as Y\n"),
        ]);
        let resolved = last_call_args(&project, 0);
        assert!(resolved.iter().all(|k| !matches!(k, ValueKind::Str(_))));
        let r = Resolver::new(&project);
        let call = r.module(0).calls.last().unwrap();
        assert_eq!(r.callee_paths(call, 0), ["use"]);
    }

    #[test]
    fn flask_config_entries_resolve_in_their_file() {
        let src = "app.config['JWT_SECRET_KEY'] = 'flask-key'\napp.config.update(OTHER='x')\nuse(app.config['JWT_SECRET_KEY'], app.config['OTHER'], app.config['NOPE'])\n";
        let resolved = last_call_args(&single(src), 0);
        assert!(matches!(&resolved[0], ValueKind::Str(s) if s == "flask-key"));
        assert!(matches!(&resolved[1], ValueKind::Str(s) if s == "x"));
        assert!(matches!(resolved[2], ValueKind::Unknown));
    }

    #[test]
    fn re_exports_give_canonical_callee_paths() {
        let project = project_of(&[
            ("app/security.py", "app", "from jose import jwt\n"),
            ("app/api.py", "app", "from .security import jwt\njwt.decode(t, k)\n"),
        ]);
        let r = Resolver::new(&project);
        let call = r.module(1).calls.last().unwrap();
        assert_eq!(r.callee_paths(call, 1), ["jose.jwt.decode"]);
    }
}
