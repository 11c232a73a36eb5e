//! Which binding of a name reaches each use, in statement order.
//!
//! Python lets a function bind a name several times (`opts = {...}` then
//! `opts = {...}`); which value a use sees depends on the statements
//! before it. The lowering tells this tracker each binding and each use in
//! order, and marks branches (`if`/`else`, loops, `try`, `match`) and exits
//! (`return`, `raise`, `break`, `continue`); the tracker keeps, per scope
//! and name, the set of bindings that may reach the current point. A use
//! that exactly one binding reaches is recorded; the resolver takes it when
//! the name is bound more than once (see `Module::reaching`). A use two
//! bindings may reach is not recorded: the value stays unknown.
//!
//! Branches are joined: after `if c: x = A else: x = B` both reach; after
//! `if c: x = A` the binding before the `if` reaches too. A branch that
//! ends in `return` or `raise` joins nothing. A loop body may run any
//! number of times, so a use inside it also sees the bindings made later
//! in the body.

use std::collections::HashMap;

use crate::model::{Module, ReachingUse, ScopeId, Value, ValueKind};

/// A scope and a name (interned: names are compared as numbers).
type Key = (ScopeId, u32);

/// The bindings (indices into `Module::bindings`) that may reach a point.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Reached {
    One(u32),
    /// Several, sorted.
    Many(Vec<u32>),
}

impl Reached {
    fn as_slice(&self) -> &[u32] {
        match self {
            Reached::One(one) => std::slice::from_ref(one),
            Reached::Many(many) => many,
        }
    }

    fn of(mut bindings: Vec<u32>) -> Option<Reached> {
        bindings.sort_unstable();
        bindings.dedup();
        match bindings.as_slice() {
            [] => None,
            [one] => Some(Reached::One(*one)),
            _ => Some(Reached::Many(bindings)),
        }
    }
}

#[derive(Default)]
pub struct Reaching {
    /// Names bound so far, interned.
    names: HashMap<String, u32>,
    reaching: HashMap<Key, Reached>,
    /// Every change to `reaching` with the value it replaced, so a branch
    /// can be undone to where it started.
    journal: Vec<(Key, Option<Reached>)>,
    /// The current point cannot be reached (after `return`, `raise`, …).
    terminated: bool,
    uses: Vec<Use>,
}

struct Use {
    at: usize,
    key: Key,
    reached: Reached,
}

/// Where a branch started.
#[derive(Clone, Copy)]
pub struct Mark {
    journal: usize,
    terminated: bool,
    uses: usize,
}

/// How a branch ended: the names it bound, with the bindings reaching its
/// end, and whether its end can be reached at all.
pub struct Branch {
    touched: HashMap<Key, Option<Reached>>,
    terminated: bool,
}

impl Reaching {
    pub fn bind(&mut self, scope: ScopeId, name: &str, binding: usize) {
        let next = self.names.len() as u32;
        let id = match self.names.get(name) {
            Some(&id) => id,
            None => *self.names.entry(name.to_string()).or_insert(next),
        };
        self.set((scope, id), Some(Reached::One(binding as u32)));
    }

    fn key(&self, scope: ScopeId, name: &str) -> Option<Key> {
        self.names.get(name).map(|&id| (scope, id))
    }

    /// The one binding of `name` in `scope` that reaches this point, if
    /// exactly one does.
    pub fn only(&self, scope: ScopeId, name: &str) -> Option<usize> {
        match self.reaching.get(&self.key(scope, name)?)? {
            Reached::One(one) if !self.terminated => Some(*one as usize),
            _ => None,
        }
    }

    /// A use of `name` at byte offset `at`, looked up from `scope`.
    pub fn use_name(&mut self, at: usize, scope: ScopeId, name: &str) {
        if self.terminated {
            return;
        }
        let Some(key) = self.key(scope, name) else {
            return; // never bound: nothing to choose between
        };
        if let Some(reached) = self.reaching.get(&key) {
            let reached = reached.clone();
            self.uses.push(Use { at, key, reached });
        }
    }

    /// `return`, `raise`, `break`, `continue`: nothing after it runs.
    pub fn terminate(&mut self) {
        self.terminated = true;
    }

    pub fn start(&self) -> Mark {
        Mark {
            journal: self.journal.len(),
            terminated: self.terminated,
            uses: self.uses.len(),
        }
    }

    /// Undoes the branch begun at `mark` and says how it ended.
    pub fn end(&mut self, mark: Mark) -> Branch {
        let mut touched = HashMap::new();
        for (key, _) in &self.journal[mark.journal..] {
            touched.entry(*key).or_insert_with(|| self.reaching.get(key).cloned());
        }
        while self.journal.len() > mark.journal {
            let (key, old) = self.journal.pop().expect("the journal is longer than the mark");
            match old {
                Some(value) => self.reaching.insert(key, value),
                None => self.reaching.remove(&key),
            };
        }
        let branch = Branch {
            touched,
            terminated: self.terminated,
        };
        self.terminated = mark.terminated;
        branch
    }

    /// After branches that all began at the current point: the union of
    /// what reaches the end of each branch that ends reachably. `fallthrough`
    /// adds the branch that does nothing (an `if` without `else`).
    pub fn join(&mut self, branches: Vec<Branch>, fallthrough: bool) {
        let live: Vec<&Branch> = branches.iter().filter(|b| !b.terminated).collect();
        if live.is_empty() && !fallthrough {
            self.terminated = true;
            return;
        }
        let mut keys: Vec<Key> = live.iter().flat_map(|b| b.touched.keys().copied()).collect();
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            let before = self.reaching.get(&key).cloned();
            let mut union: Vec<u32> = Vec::new();
            let ends = live
                .iter()
                .map(|b| b.touched.get(&key).cloned().unwrap_or_else(|| before.clone()))
                .chain(fallthrough.then(|| before.clone()));
            for end in ends.flatten() {
                union.extend_from_slice(end.as_slice());
            }
            self.set(key, Reached::of(union));
        }
    }

    /// After a loop body begun at `mark` (already ended as `body`): the body
    /// may have run no time or several, so a use in it may also see what
    /// the body binds later.
    pub fn join_loop(&mut self, mark: Mark, body: Branch) {
        for used in &mut self.uses[mark.uses..] {
            if let Some(Some(end)) = body.touched.get(&used.key) {
                let mut both = used.reached.as_slice().to_vec();
                both.extend_from_slice(end.as_slice());
                if let Some(reached) = Reached::of(both) {
                    used.reached = reached;
                }
            }
        }
        // `break`/`continue` end the body's path, not the loop's.
        let body = Branch {
            terminated: false,
            ..body
        };
        self.join(vec![body], true);
    }

    fn set(&mut self, key: Key, value: Option<Reached>) {
        let old = match value {
            Some(value) => self.reaching.insert(key, value),
            None => self.reaching.remove(&key),
        };
        self.journal.push((key, old));
    }

    /// Records, for names bound more than once in their scope (the others
    /// resolve without this), which binding reaches each use. Where several
    /// may, the use gets a binding of its own whose value is the choice of
    /// theirs: a predicate holds for it only if it holds for each.
    pub fn finish(self, module: &mut Module) {
        let mut counts: HashMap<Key, usize> = HashMap::new();
        for binding in &module.bindings {
            if let Some(&id) = self.names.get(&binding.name) {
                *counts.entry((binding.scope, id)).or_default() += 1;
            }
        }
        let mut choices: HashMap<Vec<u32>, u32> = HashMap::new();
        let mut reaching = Vec::new();
        for used in self.uses {
            if counts.get(&used.key).is_none_or(|&n| n < 2) {
                continue;
            }
            let binding = match used.reached {
                Reached::One(one) => one,
                Reached::Many(several) => *choices
                    .entry(several.clone())
                    .or_insert_with(|| choice_binding(module, &several)),
            };
            reaching.push(ReachingUse { at: used.at, binding });
        }
        reaching.sort_by_key(|u| u.at);
        reaching.dedup_by_key(|u| u.at);
        module.reaching = reaching;
    }
}

/// A binding whose value is the choice of several bindings' values (of one
/// name in one scope); its index.
fn choice_binding(module: &mut Module, bindings: &[u32]) -> u32 {
    let first = &module.bindings[bindings[0] as usize];
    let (name, scope, span, visible) = (first.name.clone(), first.scope, first.span, first.visible);
    let values: Vec<Value> = bindings
        .iter()
        .map(|&b| module.bindings[b as usize].value.clone())
        .collect();
    let choice = Value::new(ValueKind::Choice(values), span);
    // An empty span: this binding is not any of theirs (nor a parameter).
    let at = crate::model::Span::new(span.start, span.start);
    module.bind(name, scope, choice, at, visible);
    (module.bindings.len() - 1) as u32
}
