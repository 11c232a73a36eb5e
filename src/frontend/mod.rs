//! Stage 1, the frontend. Takes paths; gives source text, the rules worth
//! running on each file, and lowered modules.
//!
//! `discover` walks the paths (`gitignore` honours ignore files;
//! `project_root` finds the project a named file is in, `classify` says what
//! a file is for: app, test, example, bench or docs code), `source`
//! reads a file safely and maps offsets to lines and columns, `generated`
//! recognises a generator's marker at the top of a file, `outline`
//! finds comments and docstrings without parsing, `prefilter` decides from
//! keywords in code which rules a file needs, `lower` parses (tree-sitter
//! for Python, syn for Rust) and lowers to the model, and `load` turns one
//! file's text into a model with its notices. Nothing here knows a rule.

pub mod classify;
pub mod discover;
pub mod generated;
pub mod gitignore;
pub mod load;
pub mod lower;
pub mod outline;
pub mod prefilter;
pub mod project_root;
pub mod source;
