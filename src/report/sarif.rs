//! `--output-format sarif`: a SARIF 2.1.0 log for code-scanning dashboards
//! (GitHub code scanning) and editors (the VS Code SARIF Viewer).
//!
//! One run. `tool.driver.rules` lists every rule that ran, with its
//! documentation and a `security-severity` so GitHub ranks the alerts.
//! Locations are relative to `%SRCROOT%` (the working directory, given as an
//! absolute `file://` URI in `originalUriBaseIds`); columns count UTF-16 code
//! units, as `columnKind` declares, so they match what editors count.
//! Notices (skipped files, parse errors, internal errors) are
//! `toolExecutionNotifications`. A finding with a proven fix (see
//! `crate::fix`) carries it in `fixes`.
//!
//! No secret reaches the log: messages are redacted when they are made,
//! context snippets are cut from the redacted source, and fingerprints are
//! hashed from it (see `fingerprint.rs`).

use std::collections::{BTreeSet, HashMap};
use std::path::{Component, Path};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

use crate::frontend::project_root::normalise;
use crate::frontend::source::LineIndex;
use crate::model::Notice;
use crate::model::{NoteKind, Span};
use crate::redact::RedactedSource;
use crate::report::outcome::{FileOutcome, Fix, Related, RunOutcome};
use crate::rules::docs::{TerminalStyle, render_for_terminal, rule_docs_url, rule_help_markdown};
use crate::rules::{Rule, Severity};

const SARIF_SCHEMA: &str = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const SOURCE_ROOT: &str = "%SRCROOT%";

/// Everything besides the outcome that the log describes.
pub struct SarifContext<'a> {
    /// Every rule that ran, in the order findings index them.
    pub rules: &'a [Rule],
    /// Codes of the built-in rules: only they have a page at `helpUri`.
    pub builtin_codes: &'a BTreeSet<String>,
    /// The absolute directory relative paths start from (the working
    /// directory); it becomes `%SRCROOT%`.
    pub source_root: &'a Path,
}

/// The CVSS-like score GitHub code scanning ranks security alerts by
/// (9.0+ critical, 7.0+ high, 4.0+ medium, below that low).
pub fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "8.1",
        Severity::Warning => "5.3",
        Severity::Note => "2.0",
    }
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// The notice kinds, declared once in `tool.driver.notifications` and
/// referenced by index from each notification.
const NOTICE_KINDS: [(NoteKind, &str, &str); 6] = [
    (
        NoteKind::Skipped,
        "note",
        "A file was not checked: binary, not UTF-8, too large, or unreadable.",
    ),
    (
        NoteKind::ParseError,
        "warning",
        "A file did not parse; the rest of it was still checked where the language allows.",
    ),
    (
        NoteKind::DepthLimit,
        "warning",
        "An expression nested deeper than authlint follows was not checked.",
    ),
    (
        NoteKind::InternalError,
        "error",
        "authlint failed on a file; its other files were still checked.",
    ),
    (
        NoteKind::Suppression,
        "warning",
        "A suppression comment names no rule and is not honoured.",
    ),
    (
        NoteKind::UnusedSuppression,
        "note",
        "A suppression comment silenced nothing.",
    ),
];

pub fn render(outcome: &RunOutcome, context: &SarifContext) -> String {
    // Line indexes of every file the log points into, built once each.
    let positions: Positions = outcome
        .sources
        .iter()
        .map(|(path, source)| (path.as_str(), Utf16Positions::new(source)))
        .collect();
    let results: Vec<Value> = outcome
        .files
        .iter()
        .flat_map(|file| file_results(outcome, &positions, file, context))
        .collect();
    let notifications: Vec<Value> = outcome
        .notices()
        .map(|notice| notification(&positions, notice, context))
        .collect();
    let log = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "authlint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "rules": context.rules.iter().map(|rule| reporting_descriptor(rule, context)).collect::<Vec<_>>(),
                    "notifications": NOTICE_KINDS.iter().map(|(kind, level, description)| json!({
                        "id": kind.as_str(),
                        "shortDescription": { "text": description },
                        "defaultConfiguration": { "level": level },
                    })).collect::<Vec<_>>(),
                }
            },
            "invocations": [{
                // Only authlint's own failure makes a run unsuccessful:
                // findings, skipped files and parse errors are its job.
                "executionSuccessful": outcome.internal_errors == 0,
                "toolExecutionNotifications": notifications,
            }],
            "originalUriBaseIds": {
                SOURCE_ROOT: { "uri": directory_file_uri(context.source_root) }
            },
            "columnKind": "utf16CodeUnits",
            "results": results,
            // Findings in code that does not ship, set aside (by class).
            "properties": { "notShown": super::not_shown_counts(outcome) },
        }]
    });
    let mut out = serde_json::to_string_pretty(&log).expect("the log is plain data and always serialises");
    out.push('\n');
    out
}

/// `tool.driver.rules[]` for one rule.
fn reporting_descriptor(rule: &Rule, context: &SarifContext) -> Value {
    let help_markdown = rule_help_markdown(rule);
    let help_text = render_for_terminal(
        &help_markdown,
        TerminalStyle {
            color: false,
            width: None,
        },
    );
    let mut tags = vec!["security".to_string()];
    if is_jwt_rule(rule) {
        tags.push("jwt".to_string());
    }
    for cwe in &rule.cwe {
        tags.push(cwe.clone());
        // GitHub links alerts to CWE entries through tags of this form.
        if let Some(number) = cwe.strip_prefix("CWE-") {
            tags.push(format!("external/cwe/cwe-{number}"));
        }
    }
    let mut descriptor = json!({
        "id": rule.code,
        "name": rule.name,
        "shortDescription": { "text": rule.summary.trim() },
        "fullDescription": { "text": format!("{} {}", rule.summary.trim(), rule.help.trim()) },
        "help": { "text": help_text, "markdown": help_markdown },
        "defaultConfiguration": { "level": sarif_level(rule.severity) },
        "properties": {
            "tags": tags,
            "security-severity": security_severity(rule.severity),
        },
    });
    if context.builtin_codes.contains(&rule.code) {
        descriptor["helpUri"] = json!(rule_docs_url(&rule.code));
    }
    descriptor
}

/// Whether a rule is about JWTs (the `jwt` tag): by its code, name or keywords.
fn is_jwt_rule(rule: &Rule) -> bool {
    rule.code.starts_with("JWT")
        || rule.name.contains("jwt")
        || rule.keywords.values().flatten().any(|k| {
            let k = k.to_ascii_lowercase();
            k.contains("jwt") || k.contains("jose")
        })
}

type Positions<'o> = HashMap<&'o str, Utf16Positions<'o>>;

fn file_results(outcome: &RunOutcome, positions: &Positions, file: &FileOutcome, context: &SarifContext) -> Vec<Value> {
    if file.findings.is_empty() {
        return Vec::new();
    }
    let artifact = artifact_location(&file.path, context.source_root);
    let redacted = outcome
        .sources
        .get(&file.path)
        .map(|source| RedactedSource::new(source, secrets_in(outcome, &file.path)));
    file.findings
        .iter()
        .map(|finding| {
            let region = match positions.get(file.path.as_str()) {
                Some(positions) => positions.region(finding.primary),
                None => char_region(finding.line, finding.column, finding.end_line, finding.end_column),
            };
            let mut location = json!({
                "physicalLocation": { "artifactLocation": artifact.clone(), "region": region },
                "message": { "text": finding.label },
            });
            if let Some(redacted) = &redacted {
                location["physicalLocation"]["contextRegion"] = context_region(redacted, finding.primary);
            }
            let related: Vec<Value> = finding
                .related
                .iter()
                .enumerate()
                .map(|(i, related)| related_location(positions, i + 1, related, context))
                .collect();
            let mut result = json!({
                "ruleId": finding.code,
                "ruleIndex": finding.rule,
                "level": sarif_level(finding.severity),
                "message": { "text": finding.message },
                "locations": [location],
                // Code scanning filters on tags: `app`, `test`, `example`…
                "properties": { "tags": [finding.class.as_str()] },
            });
            if !related.is_empty() {
                result["relatedLocations"] = json!(related);
            }
            if let Some(fix) = &finding.fix {
                result["fixes"] = sarif_fix(fix, &artifact, positions.get(file.path.as_str()));
            }
            if !finding.fingerprint.is_empty() {
                // Named as GitHub names its own line hash, so upload-sarif
                // keeps ours instead of hashing the raw (unredacted) line.
                result["partialFingerprints"] = json!({ "primaryLocationLineHash": finding.fingerprint });
            }
            result
        })
        .collect()
}

/// `result.fixes`: the finding's fix as replacements in its file (an
/// insertion is an empty deleted region). Nothing without the file's text.
fn sarif_fix(fix: &Fix, artifact: &Value, positions: Option<&Utf16Positions>) -> Value {
    let Some(positions) = positions else {
        return json!([]);
    };
    let replacements: Vec<Value> = fix
        .edits
        .iter()
        .map(|edit| {
            json!({
                "deletedRegion": positions.region(edit.span),
                "insertedContent": { "text": edit.replacement },
            })
        })
        .collect();
    json!([{
        "description": { "text": fix.title },
        "artifactChanges": [{ "artifactLocation": artifact.clone(), "replacements": replacements }],
    }])
}

/// A definition a finding's value was resolved to, possibly in another file.
fn related_location(positions: &Positions, id: usize, related: &Related, context: &SarifContext) -> Value {
    let region = match positions.get(related.path.as_str()) {
        Some(positions) => positions.region(related.span),
        None => char_region(related.line, related.column, related.end_line, related.end_column),
    };
    let message = match &related.rule {
        Some(rule) => format!("{} ({rule})", related.label),
        None => related.label.clone(),
    };
    json!({
        "id": id,
        "physicalLocation": {
            "artifactLocation": artifact_location(&related.path, context.source_root),
            "region": region,
        },
        "message": { "text": message },
    })
}

fn secrets_in<'o>(outcome: &'o RunOutcome, path: &str) -> &'o [Span] {
    outcome.secret_spans.get(path).map_or(&[][..], Vec::as_slice)
}

/// The whole lines around a finding, with their text taken from the
/// redacted source: a viewer without the file still sees the code.
fn context_region(redacted: &RedactedSource, span: Span) -> Value {
    let text = &redacted.text;
    let span = redacted.map_span(span);
    let start = span.start.min(text.len());
    let end = span.end.clamp(start, text.len());
    let line_start = text[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let line_end = text[end..].find(['\n', '\r']).map_or(text.len(), |i| end + i);
    let lines = LineIndex::new(text);
    let (start_line, _) = lines.line_col(text, line_start);
    let (end_line, _) = lines.line_col(text, line_end);
    json!({
        "startLine": start_line,
        "endLine": end_line,
        "snippet": { "text": &text[line_start..line_end] },
    })
}

/// A region from a finding's own (character) positions, for the case the
/// source is unavailable; identical to UTF-16 columns for BMP text.
fn char_region(line: usize, column: usize, end_line: usize, end_column: usize) -> Value {
    json!({
        "startLine": line,
        "startColumn": column,
        "endLine": end_line,
        "endColumn": end_column.max(1),
    })
}

fn notification(positions: &Positions, notice: &Notice, context: &SarifContext) -> Value {
    let (index, (_, level, _)) = NOTICE_KINDS
        .iter()
        .enumerate()
        .find(|(_, (kind, _, _))| *kind == notice.kind)
        .expect("every notice kind is declared in NOTICE_KINDS");
    let mut physical = json!({ "artifactLocation": artifact_location(&notice.path, context.source_root) });
    if let Some(line) = notice.line {
        let mut region = json!({ "startLine": line });
        // A notice's column counts characters; it becomes a UTF-16 column
        // only where the source is at hand to convert it. Otherwise the line
        // alone is given rather than a column that might be off.
        let file = positions.get(notice.path.as_str());
        if let Some(column) = file.and_then(|p| p.utf16_column_of_char_column(line, notice.column?)) {
            region["startColumn"] = json!(column);
        }
        physical["region"] = region;
    }
    json!({
        "level": level,
        "message": { "text": notice.message },
        "descriptor": { "id": notice.kind.as_str(), "index": index },
        "locations": [{ "physicalLocation": physical }],
    })
}

// ---------------------------------------------------------------- positions

/// Byte offsets → SARIF lines and UTF-16 columns (both 1-based).
struct Utf16Positions<'s> {
    source: &'s str,
    lines: LineIndex,
}

impl<'s> Utf16Positions<'s> {
    fn new(source: &'s str) -> Self {
        Utf16Positions {
            source,
            lines: LineIndex::new(source),
        }
    }

    fn line_and_column(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.source.len());
        while !self.source.is_char_boundary(offset) {
            offset -= 1;
        }
        let (line, _) = self.lines.line_col(self.source, offset);
        let line_start = self.lines.line_start(line).unwrap_or(0).min(offset);
        (line, self.source[line_start..offset].encode_utf16().count() + 1)
    }

    /// The UTF-16 column of the `column`-th character (1-based) of `line`.
    fn utf16_column_of_char_column(&self, line: usize, column: usize) -> Option<usize> {
        let start = self.lines.line_start(line)?;
        let end = self.lines.line_start(line + 1).unwrap_or(self.source.len());
        let units: usize = self.source[start..end]
            .chars()
            .take(column.checked_sub(1)?)
            .map(char::len_utf16)
            .sum();
        Some(units + 1)
    }

    fn region(&self, span: Span) -> Value {
        let (start_line, start_column) = self.line_and_column(span.start);
        let (end_line, end_column) = self.line_and_column(span.end.max(span.start));
        json!({
            "startLine": start_line,
            "startColumn": start_column,
            "endLine": end_line,
            "endColumn": end_column,
        })
    }
}

// ---------------------------------------------------------------- URIs

/// What a URI path segment may hold unencoded: RFC 3986 "unreserved"
/// characters. Everything else, including `:` (which would read as a
/// scheme in a relative reference) and non-ASCII, is percent-encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// A file's location: relative to `%SRCROOT%` when it lies below it (the
/// usual case, and what GitHub needs), an absolute `file://` URI otherwise.
pub fn artifact_location(path: &str, source_root: &Path) -> Value {
    let path = Path::new(path);
    let absolute = normalise(&if path.is_absolute() {
        path.to_path_buf()
    } else {
        source_root.join(path)
    });
    match absolute.strip_prefix(normalise(source_root)) {
        Ok(relative) => {
            json!({ "uri": encode_segments(relative.components()), "uriBaseId": SOURCE_ROOT })
        }
        Err(_) => json!({ "uri": file_uri(&absolute) }),
    }
}

fn encode_segments<'a>(components: impl Iterator<Item = Component<'a>>) -> String {
    components
        .filter_map(|c| match c {
            Component::Normal(segment) => Some(utf8_percent_encode(&segment.to_string_lossy(), SEGMENT).to_string()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `file:///abs/path`, with a Windows drive letter kept as `file:///C:/…`.
fn file_uri(absolute: &Path) -> String {
    let drive = absolute.components().find_map(|c| match c {
        Component::Prefix(prefix) => Some(prefix.as_os_str().to_string_lossy().replace('\\', "")),
        _ => None,
    });
    let segments = encode_segments(absolute.components());
    match drive {
        Some(drive) => format!("file:///{drive}/{segments}"),
        None => format!("file:///{segments}"),
    }
}

/// A directory's `file://` URI, ending in `/` as SARIF requires of a base URI.
fn directory_file_uri(directory: &Path) -> String {
    let uri = file_uri(&normalise(directory));
    if uri.ends_with('/') { uri } else { format!("{uri}/") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_code_units() {
        // `😀` is one character, two UTF-16 units, four bytes; `é` is one unit.
        let source = "x = '😀é'; jwt.decode(t, k)\n";
        let positions = Utf16Positions::new(source);
        let start = source.find("jwt").unwrap();
        assert_eq!(positions.line_and_column(start), (1, 12));
        assert_eq!(positions.utf16_column_of_char_column(1, 11), Some(12));
        let second = "a\r\n😀b\rc";
        let positions = Utf16Positions::new(second);
        assert_eq!(positions.line_and_column(second.find('b').unwrap()), (2, 3));
        assert_eq!(positions.line_and_column(second.find('c').unwrap()), (3, 1));
        assert_eq!(positions.utf16_column_of_char_column(2, 2), Some(3));
        assert_eq!(positions.utf16_column_of_char_column(3, 1), Some(1));
        let blank_lines = Utf16Positions::new("a\n\n😀b\n");
        assert_eq!(blank_lines.utf16_column_of_char_column(3, 2), Some(3));
    }

    #[test]
    fn paths_become_relative_percent_encoded_uris() {
        let root = Path::new("/work/repo");
        assert_eq!(
            artifact_location("app/api/deps.py", root),
            json!({ "uri": "app/api/deps.py", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            artifact_location("./my app/é#1.py", root),
            json!({ "uri": "my%20app/%C3%A9%231.py", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            artifact_location("/work/repo/src/../a:b.py", root),
            json!({ "uri": "a%3Ab.py", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            artifact_location("../other/x.py", root),
            json!({ "uri": "file:///work/other/x.py" })
        );
        assert_eq!(
            directory_file_uri(Path::new("/work/my repo")),
            "file:///work/my%20repo/"
        );
        assert_eq!(directory_file_uri(Path::new("/")), "file:///");
    }
}
