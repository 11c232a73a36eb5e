//! Name and value resolution within one lowered file.
//!
//! Resolution is best effort and never guesses: a name bound more than once,
//! mutated, bound to a parameter, or not bound at all resolves to *unknown*,
//! and the engine never reports a finding that rests on an unknown value.
//!
//! Python is flow-insensitive here: a name resolves only when its scope binds
//! it exactly once and nothing mutates it. Rust is lexical: the nearest `let`
//! before the use (shadowing) wins, unless the name is reassigned.

use std::collections::{HashMap, HashSet};

use crate::model::{Binding, Call, Language, Module, ScopeId, Span, Value, ValueKind};

/// How many names a value may be followed through (`A = B`, `B = "lit"`).
/// Bounds cycles such as `x = x.strip()` as well as long alias chains.
const MAX_HOPS: usize = 16;

pub static UNKNOWN: Value = Value {
    kind: ValueKind::Unknown,
    span: Span { start: 0, end: 0 },
};

pub enum Lookup<'m> {
    Bound(&'m Binding),
    Ambiguous,
    Unbound,
}

/// The value an expression stands for after following names.
#[derive(Clone, Copy)]
pub struct Resolved<'m> {
    pub value: &'m Value,
    /// The scope the value's own names are looked up in.
    pub scope: ScopeId,
    /// Whether a name was followed to reach the value: its span is then a
    /// definition elsewhere, not part of the expression at the use site.
    pub through_binding: bool,
}

pub struct Resolver<'m> {
    module: &'m Module,
    by_scope_and_name: HashMap<(ScopeId, &'m str), Vec<&'m Binding>>,
    mutated: HashSet<(ScopeId, &'m str)>,
    mutated_anywhere: HashSet<&'m str>,
}

impl<'m> Resolver<'m> {
    pub fn new(module: &'m Module) -> Self {
        let mut by_scope_and_name: HashMap<(ScopeId, &str), Vec<&Binding>> = HashMap::new();
        for binding in &module.bindings {
            by_scope_and_name
                .entry((binding.scope, binding.name.as_str()))
                .or_default()
                .push(binding);
        }
        let mutated = module.reassigned.iter().map(|(s, n)| (*s, n.as_str())).collect();
        let mutated_anywhere = module.reassigned.iter().map(|(_, n)| n.as_str()).collect();
        Resolver {
            module,
            by_scope_and_name,
            mutated,
            mutated_anywhere,
        }
    }

    pub fn module(&self) -> &'m Module {
        self.module
    }

    /// The binding a name refers to at byte offset `at` in `scope`.
    pub fn lookup(&self, name: &str, scope: ScopeId, at: usize) -> Lookup<'m> {
        match self.module.language {
            Language::Python => self.lookup_python(name, scope),
            Language::Rust => self.lookup_rust(name, scope, at),
        }
    }

    fn lookup_python(&self, name: &str, mut scope: ScopeId) -> Lookup<'m> {
        // A mutation in any scope (`d["k"] = v`, `global x`) may reach the
        // object a name holds, so such a name is never treated as constant.
        let mutated = self.mutated_anywhere.contains(name);
        loop {
            match self.by_scope_and_name.get(&(scope, name)).map(Vec::as_slice) {
                Some([only]) if !mutated => return Lookup::Bound(only),
                Some([_, ..]) => return Lookup::Ambiguous,
                _ => {}
            }
            match self.module.scopes[scope].parent {
                Some(parent) => scope = parent,
                None => {
                    return if mutated { Lookup::Ambiguous } else { Lookup::Unbound };
                }
            }
        }
    }

    fn lookup_rust(&self, name: &str, scope: ScopeId, at: usize) -> Lookup<'m> {
        if scope != 0 {
            let nearest = self
                .by_scope_and_name
                .get(&(scope, name))
                .into_iter()
                .flatten()
                .filter(|b| b.visible.contains(at))
                .max_by_key(|b| b.visible.start);
            if let Some(binding) = nearest {
                return if self.mutated.contains(&(scope, name)) {
                    Lookup::Ambiguous
                } else {
                    Lookup::Bound(binding)
                };
            }
        }
        let visible: Vec<&&Binding> = self
            .by_scope_and_name
            .get(&(0, name))
            .into_iter()
            .flatten()
            .filter(|b| b.visible.contains(at))
            .collect();
        match visible.as_slice() {
            [] => Lookup::Unbound,
            [only] => Lookup::Bound(only),
            _ => Lookup::Ambiguous,
        }
    }

    /// Follows names (and constant subscripts of constant dicts) to the value
    /// they hold. Anything that does not resolve is [`UNKNOWN`].
    pub fn resolve(&self, value: &'m Value, scope: ScopeId) -> Resolved<'m> {
        let mut current = Resolved {
            value,
            scope,
            through_binding: false,
        };
        for _ in 0..MAX_HOPS {
            match &current.value.kind {
                ValueKind::Name(name) => match self.lookup(name, current.scope, current.value.span.start) {
                    Lookup::Bound(binding) => {
                        current = Resolved {
                            value: &binding.value,
                            scope: binding.scope,
                            through_binding: true,
                        };
                    }
                    Lookup::Ambiguous | Lookup::Unbound => return self.unknown(current),
                },
                ValueKind::Index(base, index) => {
                    let base = self.resolve(base, current.scope);
                    let index = self.resolve(index, current.scope);
                    let (ValueKind::Dict { entries, .. }, ValueKind::Str(wanted)) = (&base.value.kind, &index.value.kind)
                    else {
                        return self.unknown(current);
                    };
                    let found = entries
                        .iter()
                        .find(|(k, _)| matches!(&self.resolve(k, base.scope).value.kind, ValueKind::Str(s) if s == wanted));
                    match found {
                        Some((_, entry)) => {
                            current = Resolved {
                                value: entry,
                                scope: base.scope,
                                through_binding: current.through_binding || base.through_binding,
                            };
                        }
                        None => return self.unknown(current),
                    }
                }
                _ => return current,
            }
        }
        self.unknown(current)
    }

    fn unknown(&self, from: Resolved<'m>) -> Resolved<'m> {
        Resolved {
            value: &UNKNOWN,
            scope: from.scope,
            through_binding: from.through_binding,
        }
    }

    /// The canonical paths a call's callee may stand for, most specific
    /// first: `jwt.decode`, `jwt.PyJWT().decode`, `jsonwebtoken::decode`,
    /// `jsonwebtoken::Validation::new().insecure_disable_signature_validation`.
    /// A method on a receiver that does not resolve is `?.method`.
    /// Empty when nothing is known.
    pub fn callee_paths(&self, call: &'m Call) -> Vec<String> {
        self.value_paths(&call.callee, call.scope, 0)
    }

    fn value_paths(&self, value: &'m Value, scope: ScopeId, depth: usize) -> Vec<String> {
        if depth > MAX_HOPS {
            return Vec::new();
        }
        match &value.kind {
            ValueKind::Name(name) => match self.lookup(name, scope, value.span.start) {
                Lookup::Bound(binding) => match &binding.value.kind {
                    ValueKind::Imported(path) => vec![path.clone()],
                    ValueKind::Name(_) | ValueKind::Path(_) | ValueKind::Attr(..) | ValueKind::Call(_) => {
                        self.value_paths(&binding.value, binding.scope, depth + 1)
                    }
                    _ => Vec::new(),
                },
                Lookup::Unbound => self.with_glob_candidates(name.clone()),
                Lookup::Ambiguous => Vec::new(),
            },
            ValueKind::Path(segments) => {
                let Some((first, rest)) = segments.split_first() else {
                    return Vec::new();
                };
                let rest = rest.join("::");
                match self.lookup(first, scope, value.span.start) {
                    Lookup::Bound(binding) => match &binding.value.kind {
                        ValueKind::Imported(path) => vec![format!("{path}::{rest}")],
                        _ => Vec::new(),
                    },
                    Lookup::Unbound => self.with_glob_candidates(segments.join("::")),
                    Lookup::Ambiguous => Vec::new(),
                }
            }
            ValueKind::Attr(base, name) => {
                let bases = self.value_paths(base, scope, depth + 1);
                if bases.is_empty() {
                    vec![format!("?.{name}")]
                } else {
                    bases.into_iter().map(|b| format!("{b}.{name}")).collect()
                }
            }
            ValueKind::Call(id) => {
                let inner = &self.module.calls[*id];
                self.value_paths(&inner.callee, inner.scope, depth + 1)
                    .into_iter()
                    .map(|p| format!("{p}()"))
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// An unbound name is taken as written (Python builtins, Rust paths
    /// written out in full), and also as a member of each glob import.
    fn with_glob_candidates(&self, written: String) -> Vec<String> {
        let separator = self.module.language.path_separator();
        let mut paths = vec![written.clone()];
        for glob in &self.module.glob_imports {
            paths.push(format!("{glob}{separator}{written}"));
        }
        paths
    }

    /// A short, secret-free rendering of a callee for messages: the names
    /// as written, with calls shown as `()`.
    pub fn display_callee(&self, value: &Value) -> String {
        let mut out = String::new();
        self.write_callee(value, &mut out, 0);
        if out.len() > 80 {
            let cut = out.char_indices().nth(77).map(|(i, _)| i).unwrap_or(out.len());
            out.truncate(cut);
            out.push('…');
        }
        out
    }

    fn write_callee(&self, value: &Value, out: &mut String, depth: usize) {
        if depth > MAX_HOPS {
            out.push('…');
            return;
        }
        let separator = self.module.language.path_separator();
        match &value.kind {
            ValueKind::Name(name) => out.push_str(name),
            ValueKind::Path(segments) => out.push_str(&segments.join(separator)),
            ValueKind::Attr(base, name) => {
                self.write_callee(base, out, depth + 1);
                out.push('.');
                out.push_str(name);
            }
            ValueKind::Call(id) => {
                self.write_callee(&self.module.calls[*id].callee, out, depth + 1);
                out.push_str("()");
            }
            _ => out.push('…'),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lower::python::lower_python;

    fn paths(src: &str, callee: &str) -> Vec<String> {
        let m = lower_python(src);
        let r = Resolver::new(&m);
        let call = m
            .calls
            .iter()
            .find(|c| &src[c.callee.span.start..c.callee.span.end] == callee)
            .expect("call present");
        r.callee_paths(call)
    }

    #[test]
    fn python_callee_paths_follow_imports_aliases_and_instances() {
        assert_eq!(paths("import jwt as pyjwt\npyjwt.decode(t)\n", "pyjwt.decode"), ["jwt.decode"]);
        assert_eq!(paths("from jose import jwt\njwt.decode(t)\n", "jwt.decode"), ["jose.jwt.decode"]);
        assert_eq!(paths("from jwt import decode as d\nd(t)\n", "d"), ["jwt.decode"]);
        assert_eq!(
            paths("from jwt import PyJWT\nPyJWT().decode(t)\n", "PyJWT().decode"),
            ["jwt.PyJWT().decode"]
        );
        assert_eq!(
            paths("import jwt\ndec = jwt.PyJWT()\ndef f(t):\n    dec.decode(t)\n", "dec.decode"),
            ["jwt.PyJWT().decode"]
        );
        assert_eq!(paths("def f(jwt):\n    jwt.decode(t)\n", "jwt.decode"), ["?.decode"]);
    }

    #[test]
    fn python_values_resolve_only_when_bound_once_and_unmutated() {
        let src = "K = 'k1'\nJ = K\nM = 'a'\nM = 'b'\nD = {'x': False}\nE = {'x': 1}\nE['x'] = 2\nuse(J, M, D['x'], E)\n";
        let m = lower_python(src);
        let r = Resolver::new(&m);
        let call = m.calls.last().unwrap();
        let resolved: Vec<&ValueKind> = call.args.iter().map(|a| &r.resolve(&a.value, call.scope).value.kind).collect();
        assert!(matches!(resolved[0], ValueKind::Str(s) if s == "k1"));
        assert!(matches!(resolved[1], ValueKind::Unknown), "bound twice");
        assert!(matches!(resolved[2], ValueKind::Bool(false)));
        assert!(matches!(resolved[3], ValueKind::Unknown), "mutated");
    }

    #[test]
    fn python_function_names_fall_back_to_module_but_parameters_shadow() {
        let src = "KEY = 'k'\ndef a():\n    use(KEY)\ndef b(KEY):\n    use(KEY)\n";
        let m = lower_python(src);
        let r = Resolver::new(&m);
        let uses: Vec<&Call> = m.calls.iter().collect();
        let first = r.resolve(&uses[0].args[0].value, uses[0].scope);
        assert!(matches!(&first.value.kind, ValueKind::Str(s) if s == "k"));
        assert!(first.through_binding);
        let second = r.resolve(&uses[1].args[0].value, uses[1].scope);
        assert!(second.value.is_unknown());
    }
}
