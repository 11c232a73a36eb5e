//! Stage 2, analysis. Takes lowered modules; gives what their names and
//! values mean across the project.
//!
//! `project` indexes every module of a run by its `module_names` and lowers
//! one on first use through a loader the run hands it; `index` holds a
//! module's lookup tables; `resolve` follows names, imports, attributes and
//! subscripts to values (unknown when the code does not say); `values`
//! folds integers, durations, expiries and key sizes; `provenance` says what
//! a value is (a bearer token, a one-time link token, decoded claims) by what
//! produced it, whose token a decode accepts, and what code does next with
//! an unverified decode's result.

pub mod calls;
pub mod index;
pub mod module_names;
pub mod project;
pub mod provenance;
pub mod resolve;
pub mod sites;
pub mod values;
