//! `--output-format github`: GitHub Actions workflow commands, one
//! `::error` / `::warning` / `::notice` line per finding, which the runner
//! turns into annotations on the pull request's diff.
//!
//! Values are escaped as the runner unescapes them: in the message `%`,
//! `\r` and `\n`; in properties (`file=…,title=…`) also `:` and `,`, which
//! would otherwise end the property.

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
