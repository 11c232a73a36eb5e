//! `--output-format json`: the stable, versioned contract documented in the
//! README. Fields are only ever added; a breaking change bumps `version`.

use serde::Serialize;

use crate::report::outcome::RunOutcome;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    notices: Vec<JsonNotice<'a>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    name: &'a str,
    severity: &'a str,
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
    help: &'a str,
    /// What the code is for: `app`, `test`, `example`, `bench` or `docs`.
    class: &'a str,
    /// The definition the value was resolved to, and the other places of
    /// the same mistake (with the rule that found it there).
    related: Vec<JsonRelated<'a>>,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
    rule: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonNotice<'a> {
    kind: &'a str,
    path: &'a str,
    line: Option<usize>,
    column: Option<usize>,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonSummary {
    files_scanned: usize,
    files_skipped: usize,
    /// Files that reached the parser: past the keyword prefilter, or
    /// imported from by a file that was.
    files_parsed: usize,
    /// The bytes of the files scanned, and of the files parsed.
    bytes_scanned: u64,
    bytes_parsed: u64,
    findings: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
    /// Findings in code that does not ship, set aside: by class.
    not_shown: serde_json::Map<String, serde_json::Value>,
    /// Files nothing could be checked in (unreadable, or Rust that does not
    /// parse); `--strict` fails the run on them.
    files_unchecked: usize,
    elapsed_ms: u128,
}

pub fn render(outcome: &RunOutcome) -> String {
    let findings: Vec<JsonFinding> = outcome
        .findings()
        .map(|f| JsonFinding {
            rule: &f.code,
            name: &f.name,
            severity: f.severity.as_str(),
            path: &f.path,
            line: f.line,
            column: f.column,
            end_line: f.end_line,
            end_column: f.end_column,
            message: &f.message,
            help: &f.help,
            class: f.class.as_str(),
            related: f
                .related
                .iter()
                .map(|r| JsonRelated {
                    path: &r.path,
                    line: r.line,
                    column: r.column,
                    end_line: r.end_line,
                    end_column: r.end_column,
                    message: &r.label,
                    rule: r.rule.as_deref(),
                })
                .collect(),
        })
        .collect();
    let count = |severity: &str| findings.iter().filter(|f| f.severity == severity).count();
    let summary = JsonSummary {
        files_scanned: outcome.files_scanned,
        files_skipped: outcome.files_skipped,
        files_parsed: outcome.files_parsed,
        bytes_scanned: outcome.bytes_scanned,
        bytes_parsed: outcome.bytes_parsed,
        findings: findings.len(),
        errors: count("error"),
        warnings: count("warning"),
        notes: count("note"),
        not_shown: super::not_shown_counts(outcome),
        files_unchecked: outcome.unchecked_files(),
        elapsed_ms: outcome.elapsed_ms,
    };
    let notices = outcome
        .notices()
        .map(|n| JsonNotice {
            kind: n.kind.as_str(),
            path: &n.path,
            line: n.line,
            column: n.column,
            message: &n.message,
        })
        .collect();
    let report = JsonReport {
        version: 1,
        findings,
        notices,
        summary,
    };
    let mut out = serde_json::to_string_pretty(&report).expect("the report is plain data and always serialises");
    out.push('\n');
    out
}
