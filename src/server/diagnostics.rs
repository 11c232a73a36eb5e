//! A checked file's findings and notices as the editor shows them: the rule
//! code with a link to its page, the severity, the places a value came from
//! as related information. Messages are the CLI's, redacted when they were
//! made: a secret never reaches the editor either.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Range, Uri,
};

use crate::model::NoteKind;
use crate::report::outcome::{FileOutcome, Finding};
use crate::rules::Severity;
use crate::rules::docs::rule_docs_url;
use crate::server::text::{Lines, path_to_uri};
use crate::server::workspace::Problem;

pub const SOURCE: &str = "authlint";

/// The diagnostics of one checked file whose text was `text`.
pub fn file_diagnostics(
    file: &FileOutcome,
    text: &str,
    sources: &BTreeMap<String, Arc<String>>,
    builtin: &BTreeSet<String>,
) -> Vec<Diagnostic> {
    let lines = Lines::new(text);
    let mut out: Vec<Diagnostic> = file
        .findings
        .iter()
        .map(|finding| finding_diagnostic(finding, text, &lines, sources, builtin))
        .collect();
    for notice in &file.notices {
        let severity = match notice.kind {
            NoteKind::InternalError => DiagnosticSeverity::ERROR,
            NoteKind::Suppression => DiagnosticSeverity::WARNING,
            NoteKind::UnusedSuppression | NoteKind::DepthLimit => DiagnosticSeverity::INFORMATION,
            // The language's own server reports syntax errors while typing;
            // a skipped buffer (too large, not UTF-8) is said once, quietly.
            NoteKind::ParseError => continue,
            NoteKind::Skipped | NoteKind::Generated => DiagnosticSeverity::HINT,
        };
        let line = notice.line.unwrap_or(1).saturating_sub(1);
        let start = lines.line_start(text, line);
        let end = text[start..].find(['\n', '\r']).map_or(text.len(), |i| start + i);
        out.push(Diagnostic {
            range: lines.range(text, start, end),
            severity: Some(severity),
            code: Some(NumberOrString::String(notice.kind.as_str().to_string())),
            source: Some(SOURCE.to_string()),
            message: notice.message.clone(),
            ..Diagnostic::default()
        });
    }
    out
}

/// The range a finding covers in the text it was found in.
pub fn finding_range(finding: &Finding, text: &str, lines: &Lines) -> Range {
    lines.range(text, finding.primary.start, finding.primary.end)
}

fn finding_diagnostic(
    finding: &Finding,
    text: &str,
    lines: &Lines,
    sources: &BTreeMap<String, Arc<String>>,
    builtin: &BTreeSet<String>,
) -> Diagnostic {
    let related: Vec<DiagnosticRelatedInformation> = finding
        .related
        .iter()
        .filter_map(|related| {
            let uri = path_to_uri(Path::new(&related.path))?;
            let range = match sources.get(&related.path) {
                Some(source) => Lines::new(source).range(source, related.span.start, related.span.end),
                None if related.path == finding.path => lines.range(text, related.span.start, related.span.end),
                None => return None,
            };
            Some(DiagnosticRelatedInformation {
                location: Location { uri, range },
                message: related.label.clone(),
            })
        })
        .collect();
    let href = builtin
        .contains(&finding.code)
        .then(|| Uri::from_str(&rule_docs_url(&finding.code)).ok())
        .flatten();
    Diagnostic {
        range: finding_range(finding, text, lines),
        severity: Some(severity(finding.severity)),
        code: Some(NumberOrString::String(finding.code.clone())),
        code_description: href.map(|href| CodeDescription { href }),
        source: Some(SOURCE.to_string()),
        message: finding.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Note => DiagnosticSeverity::INFORMATION,
    }
}

/// A broken configuration or rule file, on that file.
pub fn problem_diagnostic(problem: &Problem) -> Diagnostic {
    let lines = Lines::new(&problem.text);
    let range = match &problem.span {
        Some(span) => lines.range(&problem.text, span.start, span.end),
        None => Range::default(),
    };
    Diagnostic {
        range,
        severity: Some(DiagnosticSeverity::ERROR),
        code: Some(NumberOrString::String("configuration".to_string())),
        source: Some(SOURCE.to_string()),
        message: problem.message.clone(),
        ..Diagnostic::default()
    }
}
