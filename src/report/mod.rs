//! Stage 4, report. Takes a run's outcome (`outcome`: placed findings,
//! notices, counts); gives the formats people and tools read.
//!
//! `text` (miette code frames), `json` (the documented contract), `sarif`
//! (SARIF 2.1.0, with `fingerprint`s that survive edits above a finding)
//! and `github` (workflow commands). Every format receives the same sorted
//! outcome; none ever prints a secret value (see `crate::redact`).

pub mod fingerprint;
pub mod github;
pub mod json;
pub mod outcome;
pub mod sarif;
pub mod text;

use crate::report::outcome::RunOutcome;

/// `N findings (E errors, W warnings, I notes) in F files (S skipped) in T ms`
pub fn summary_line(outcome: &RunOutcome) -> String {
    let (mut errors, mut warnings, mut notes) = (0, 0, 0);
    for finding in outcome.findings() {
        match finding.severity {
            crate::rules::Severity::Error => errors += 1,
            crate::rules::Severity::Warning => warnings += 1,
            crate::rules::Severity::Note => notes += 1,
        }
    }
    let total = errors + warnings + notes;
    format!(
        "{total} finding{} ({errors} error{}, {warnings} warning{}, {notes} note{}) in {} file{} ({} skipped) in {} ms",
        plural(total),
        plural(errors),
        plural(warnings),
        plural(notes),
        outcome.files_scanned,
        plural(outcome.files_scanned),
        outcome.files_skipped,
        outcome.elapsed_ms,
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
