//! authlint: a static-analysis linter for JWT and secret handling in Python
//! and Rust code.
//!
//! The pipeline, one module per stage:
//! `discover` → `source` (read) → `prefilter` (keywords in code, not in the
//! comments `outline` finds) → `lower` (parse + lower to `model`) → `engine`
//! (match `rules` with `resolve`) → `report`.
//! `lint` runs it over all files in parallel; `cli` is the command line.

pub mod baseline;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod diff;
pub mod discover;
pub mod docs;
pub mod engine;
pub mod fingerprint;
pub mod gitignore;
pub mod isolate;
pub mod lint;
pub mod lower;
pub mod model;
pub mod outline;
pub mod policy;
pub mod prefilter;
pub mod project;
pub mod redact;
pub mod report;
pub mod resolve;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod values;
