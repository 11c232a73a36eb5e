//! `--output-format github`: GitHub Actions workflow commands, one
//! `::error` / `::warning` / `::notice` line per finding, which the runner
//! turns into annotations on the pull request's diff.
//!
//! Values are escaped as the runner unescapes them: in the message `%`,
//! `\r` and `\n`; in properties (`file=…,title=…`) also `:` and `,`, which
//! would otherwise end the property.

use std::collections::BTreeMap;

use crate::model::NoteKind;
use crate::report::outcome::RunOutcome;
use crate::rules::Severity;

/// Renders the annotations (for stdout) and, unless `quiet`, the summary
/// line (for stderr, where the runner shows it in the log as plain text).
pub fn render(outcome: &RunOutcome, quiet: bool) -> (String, String) {
    let mut out = String::new();
    for finding in outcome.findings() {
        let command = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        out.push_str(&format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(&finding.path),
            finding.line,
            finding.column,
            finding.end_line,
            finding.end_column,
            escape_property(&format!("{} {}", finding.code, finding.name)),
            escape_data(&finding.message),
        ));
    }
    // Notices are annotations too, so a file authlint could not check is
    // visible on the pull request; only authlint's own failure is an error.
    for notice in outcome.notices() {
        let command = if notice.kind == NoteKind::InternalError {
            "error"
        } else {
            "notice"
        };
        let mut properties = format!("file={}", escape_property(&notice.path));
        if let Some(line) = notice.line {
            properties.push_str(&format!(",line={line}"));
        }
        if let Some(column) = notice.column {
            properties.push_str(&format!(",col={column}"));
        }
        properties.push_str(&format!(
            ",title={}",
            escape_property(&format!("authlint {}", notice.kind.as_str()))
        ));
        out.push_str(&format!("::{command} {properties}::{}\n", escape_data(&notice.message)));
    }
    let summary = if quiet { String::new() } else { super::summary(outcome) };
    (out, summary)
}

/// How many findings the job summary lists, most severe first.
const TOP_FINDINGS: usize = 10;

/// The job summary (markdown for `$GITHUB_STEP_SUMMARY`): the counts by
/// rule and severity, the first findings, and a line on the findings in
/// code that does not ship, which are not shown. GitHub shows at most 10
/// annotations of each level per step; the summary counts them all.
pub fn render_step_summary(outcome: &RunOutcome) -> String {
    let mut out = String::from("## authlint\n\n");
    out.push_str(&format!("{}\n", super::summary_line(outcome)));
    if let Some(line) = super::not_shown_line(outcome) {
        out.push_str(&format!("\n{line}\n"));
    }
    // (code, name) → findings of each severity: error, warning, note.
    let mut counts: BTreeMap<(&str, &str), [usize; 3]> = BTreeMap::new();
    for finding in outcome.findings() {
        counts.entry((&finding.code, &finding.name)).or_default()[severity_rank(finding.severity)] += 1;
    }
    if counts.is_empty() {
        return out;
    }
    out.push_str("\n| Rule | Name | Errors | Warnings | Notes |\n|---|---|---:|---:|---:|\n");
    for ((code, name), [errors, warnings, notes]) in &counts {
        out.push_str(&format!("| {code} | {name} | {errors} | {warnings} | {notes} |\n"));
    }
    let mut top: Vec<&crate::report::outcome::Finding> = outcome.findings().collect();
    top.sort_by_key(|f| severity_rank(f.severity));
    let heading = match top.len() {
        n if n > TOP_FINDINGS => format!("Findings (the first {TOP_FINDINGS} of {n})"),
        _ => "Findings".to_string(),
    };
    out.push_str(&format!("\n### {heading}\n\n"));
    for finding in top.into_iter().take(TOP_FINDINGS) {
        out.push_str(&format!(
            "- **{}** `{}` {}:{}:{}: {}\n",
            finding.severity.as_str(),
            finding.code,
            markdown_text(&finding.path),
            finding.line,
            finding.column,
            markdown_text(&finding.message),
        ));
    }
    out
}

/// Errors first.
fn severity_rank(severity: Severity) -> usize {
    match severity {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Note => 2,
    }
}

/// Text on one markdown line, its markup characters shown as written.
fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Escapes a workflow command's message (after `::`).
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a workflow command property value (`file=…`, `title=…`).
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_step_summary_counts_by_rule_and_severity() {
        use crate::report::outcome::{FileOutcome, Finding};
        let finding = |code: &str, severity: Severity, line: usize| Finding {
            name: "some-rule".to_string(),
            severity,
            message: "uses `key` | badly".to_string(),
            ..Finding::for_test(code, "app/a.py", line, crate::model::Span::new(0, 1))
        };
        let mut outcome = RunOutcome::empty();
        let mut file = FileOutcome::new("app/a.py".to_string());
        file.findings = vec![
            finding("JWT204", Severity::Warning, 3),
            finding("JWT101", Severity::Error, 5),
            finding("JWT204", Severity::Warning, 7),
        ];
        outcome.files = vec![file];
        outcome.files_scanned = 1;
        let summary = render_step_summary(&outcome);
        assert!(summary.contains("| JWT101 | some-rule | 1 | 0 | 0 |"), "{summary}");
        assert!(summary.contains("| JWT204 | some-rule | 0 | 2 | 0 |"), "{summary}");
        // Errors first; markup in messages is shown, not applied.
        let first = summary.lines().find(|l| l.starts_with("- ")).unwrap();
        assert_eq!(first, "- **error** `JWT101` app/a.py:5:1: uses \\`key\\` \\| badly");
    }

    #[test]
    fn data_escapes_percent_first_and_line_breaks() {
        assert_eq!(escape_data("100% sure\r\nnext: a, b"), "100%25 sure%0D%0Anext: a, b");
        // `%` is escaped before the others, so an escape is never escaped twice.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn properties_also_escape_colon_and_comma() {
        assert_eq!(escape_property("C:\\a,b\n%"), "C%3A\\a%2Cb%0A%25");
    }
}
