//! A module's lookup tables for resolution: its bindings by scope and
//! name, the names it mutates, and its container settings (`app.config`).

use crate::model::{Binding, Module, ScopeId, Setting};

/// A module's lookup tables: its bindings by scope and name, its mutated
/// names, and its container settings, as sorted indices into the module's
/// own vectors. Built once per module when it is lowered (on the worker that
/// lowered it), so a resolver over any set of modules costs nothing to build,
/// and adding modules in a later round does not rebuild the others.
#[derive(Debug, Default)]
pub struct ModuleIndex {
    /// Indices into `Module::bindings`, sorted by (scope, name).
    bindings: Vec<u32>,
    /// Indices into `Module::reassigned`, sorted by (scope, name).
    mutated: Vec<u32>,
    /// Indices into `Module::reassigned`, sorted by name.
    mutated_by_name: Vec<u32>,
    /// Indices into `Module::settings` that have a container, sorted by (container, name).
    settings: Vec<u32>,
}

impl ModuleIndex {
    pub fn new(module: &Module) -> Self {
        let mut bindings: Vec<u32> = (0..module.bindings.len() as u32).collect();
        // Stable: bindings of one name keep their source order.
        bindings.sort_by(|&a, &b| binding_key(module, a).cmp(&binding_key(module, b)));
        let mut mutated: Vec<u32> = (0..module.reassigned.len() as u32).collect();
        mutated.sort_by(|&a, &b| reassigned_key(module, a).cmp(&reassigned_key(module, b)));
        let mut mutated_by_name = mutated.clone();
        mutated_by_name.sort_by(|&a, &b| reassigned_key(module, a).1.cmp(reassigned_key(module, b).1));
        let mut settings: Vec<u32> = (0..module.settings.len() as u32)
            .filter(|&i| module.settings[i as usize].container.is_some())
            .collect();
        settings.sort_by(|&a, &b| setting_key(module, a).cmp(&setting_key(module, b)));
        ModuleIndex {
            bindings,
            mutated,
            mutated_by_name,
            settings,
        }
    }

    /// The bindings of `name` in `scope`, in source order.
    pub(super) fn bindings<'m>(
        &self,
        module: &'m Module,
        scope: ScopeId,
        name: &str,
    ) -> impl Iterator<Item = &'m Binding> + use<'m, '_> {
        let wanted = (scope, name);
        equal_range(&self.bindings, |i| binding_key(module, i).cmp(&wanted))
            .iter()
            .map(move |&i| &module.bindings[i as usize])
    }

    pub(super) fn is_mutated(&self, module: &Module, scope: ScopeId, name: &str) -> bool {
        let wanted = (scope, name);
        !equal_range(&self.mutated, |i| reassigned_key(module, i).cmp(&wanted)).is_empty()
    }

    pub(super) fn is_mutated_anywhere(&self, module: &Module, name: &str) -> bool {
        !equal_range(&self.mutated_by_name, |i| reassigned_key(module, i).1.cmp(name)).is_empty()
    }

    pub(super) fn settings<'m>(
        &self,
        module: &'m Module,
        container: &str,
        name: &str,
    ) -> impl Iterator<Item = &'m Setting> + use<'m, '_> {
        let wanted = (container, name);
        equal_range(&self.settings, |i| setting_key(module, i).cmp(&wanted))
            .iter()
            .map(move |&i| &module.settings[i as usize])
    }
}

fn binding_key(module: &Module, index: u32) -> (ScopeId, &str) {
    let binding = &module.bindings[index as usize];
    (binding.scope, binding.name.as_str())
}

fn reassigned_key(module: &Module, index: u32) -> (ScopeId, &str) {
    let (scope, name) = &module.reassigned[index as usize];
    (*scope, name.as_str())
}

fn setting_key(module: &Module, index: u32) -> (&str, &str) {
    let setting = &module.settings[index as usize];
    (setting.container.as_deref().unwrap_or(""), setting.name.as_str())
}

/// The run of `sorted` whose keys compare equal (`cmp` gives key vs. wanted).
fn equal_range(sorted: &[u32], cmp: impl Fn(u32) -> std::cmp::Ordering) -> &[u32] {
    let start = sorted.partition_point(|&i| cmp(i) == std::cmp::Ordering::Less);
    let len = sorted[start..].partition_point(|&i| cmp(i) == std::cmp::Ordering::Equal);
    &sorted[start..start + len]
}
