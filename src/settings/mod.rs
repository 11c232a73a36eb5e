//! Stage 4, settings: configuration, suppressions, baseline, new-code gating.

pub mod baseline;
pub mod config;
pub mod diff;
pub mod suppress;
