//! Loading one file's text into a model: lowering it, and turning the
//! lowering's notes (a syntax error, a depth limit) into notices placed at
//! their line and column.

use crate::frontend::lower::lower;
use crate::frontend::source::LineIndex;
use crate::model::{Language, Module, Notice};

/// Lowers `source` (reported as `display`) and places its notes.
pub fn lower_source(language: Language, display: &str, source: &str) -> (Module, Vec<Notice>) {
    let module = lower(language, source);
    // Most files have no notes: index their lines only when one needs placing.
    let notices = if module.notes.is_empty() {
        Vec::new()
    } else {
        let lines = LineIndex::new(source);
        module
            .notes
            .iter()
            .map(|note| {
                let (line, column) = lines.line_col(source, note.span.start);
                Notice {
                    kind: note.kind,
                    path: display.to_string(),
                    line: Some(line),
                    column: Some(column),
                    message: note.message.clone(),
                }
            })
            .collect()
    };
    (module, notices)
}
