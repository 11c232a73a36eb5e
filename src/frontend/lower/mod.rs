//! Frontends: each turns one language's syntax tree into the shared model.

mod flow;
mod nesting;
pub mod python;
pub mod rust;

use crate::model::{Language, Module};

/// Lowers a source file of the given language. Never fails: a file that does
/// not parse yields a module carrying a `parse-error` note.
pub fn lower(language: Language, source: &str) -> Module {
    let mut module = match language {
        Language::Python => python::lower_python(source),
        Language::Rust => rust::lower_rust(source).unwrap_or_else(|note| {
            let mut module = Module::new(Language::Rust, source.len());
            module.notes.push(note);
            module
        }),
    };
    module.shrink_to_fit();
    module
}
