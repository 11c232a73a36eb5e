//! Stage 4, report. Takes a run's outcome (`outcome`: placed findings,
//! notices, counts); gives the formats people and tools read.
//!
//! `text` (code frames, drawn by `frame`), `concise` (one
//! `path:line:col: CODE message` line per finding), `json` (the documented
//! contract), `sarif` (SARIF 2.1.0, with `fingerprint`s that survive edits
//! above a finding), `github` (workflow commands) and `statistics` (a count
//! per rule and class). Every format receives the same sorted outcome; none
//! ever prints a secret value (see `crate::redact`).

pub mod concise;
pub mod fingerprint;
pub mod frame;
pub mod github;
pub mod json;
pub mod outcome;
pub mod sarif;
pub mod statistics;
pub mod text;

use crate::model::CodeClass;
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

/// `… and 122 findings in test and example code not shown (--include-tests)`,
/// when findings were set aside.
pub fn not_shown_line(outcome: &RunOutcome) -> Option<String> {
    let counts = outcome.not_shown_by_class();
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    let classes: Vec<&str> = counts.iter().map(|(class, _)| class.describe()).collect();
    Some(format!(
        "… and {total} finding{} in {} code not shown (--include-tests)",
        plural(total),
        join_and(&classes)
    ))
}

/// The summary a person reads at the end of a report: the counts, and
/// what was set aside.
pub fn summary(outcome: &RunOutcome) -> String {
    let mut out = summary_line(outcome);
    out.push('\n');
    if let Some(line) = not_shown_line(outcome) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The classes of code findings were set aside from, as JSON and SARIF
/// carry them: every class but `app`, zero or not, in class order.
pub fn not_shown_counts(outcome: &RunOutcome) -> serde_json::Map<String, serde_json::Value> {
    let counts = outcome.not_shown_by_class();
    CodeClass::NOT_SHIPPED
        .iter()
        .map(|class| {
            let n = counts.iter().find(|(c, _)| c == class).map_or(0, |(_, n)| *n);
            (class.as_str().to_string(), serde_json::Value::from(n))
        })
        .collect()
}

/// "a", "a and b", "a, b and c".
fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
