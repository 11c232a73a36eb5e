//! Stage 4, settings. Takes configuration files, flags and comments; gives
//! what applies to each file and finding.
//!
//! `config` finds and resolves configuration (rules selected, severities,
//! thresholds, excludes), `suppress` reads `authlint: ignore[...]`
//! comments, `baseline` records and hides known findings, and `diff` limits
//! a run to lines changed since a git ref.

pub mod baseline;
pub mod config;
pub mod diff;
pub mod suppress;
