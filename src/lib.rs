//! authlint: a static-analysis linter for JWT and secret handling in Python
//! and Rust code.

pub mod analysis;
pub mod cli;
pub mod diagnostic;
pub mod frontend;
pub mod isolate;
pub mod lint;
pub mod model;
pub mod redact;
pub mod report;
pub mod rules;
pub mod settings;
