//! Stage 3, rules: rule files, the engine that runs them, policy and docs.

pub mod docs;
pub mod engine;
pub mod keywords;
pub mod policy;
mod rule;

pub use rule::*;
