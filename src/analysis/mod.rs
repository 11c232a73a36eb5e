//! Stage 2, analysis: what values mean across the project.

pub mod project;
pub mod resolve;
pub mod values;
