//! authlint: a static-analysis linter for JWT and secret handling in Python
//! and Rust code.
//!
//! The crate is the pipeline, one folder per stage, each using only the
//! stages below it (`tests/layering.rs` keeps it so):
//!
//! - `cli`: the command line; `server`: the editor's language server;
//!   `fix`: proven fixes over a run's outcome; `inventory`: the map of the
//!   tokens a codebase issues and accepts, over a run;
//! - `lint`: the run, the one module that knows every stage below it;
//! - `settings` and `report`: what applies to each file and finding; the
//!   formats a run's outcome is written in;
//! - `rules`: rule files, the engine that matches them, policy, rule docs;
//! - `analysis`: the project index and what names and values mean;
//! - `frontend`: discovery, reading, the keyword prefilter, lowering;
//! - `model`: the language-neutral model at the bottom.
//!
//! `diagnostic`, `isolate` and `redact` are small pieces any stage may use.

pub mod analysis;
pub mod cli;
pub mod diagnostic;
pub mod fix;
pub mod frontend;
pub mod inventory;
pub mod isolate;
pub mod lint;
pub mod model;
pub mod redact;
pub mod report;
pub mod rules;
pub mod server;
pub mod settings;
