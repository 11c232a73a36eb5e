//! Text output for people: one miette code frame per finding, with the
//! offending expression labelled, then notices and a summary line.
//!
//! Frames are drawn from a redacted copy of the file, so a secret literal is
//! shown as `"9f8e…" (32 bytes)` even in the source excerpt.

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};

use crate::lint::{FileOutcome, Finding, RunOutcome};
use crate::redact::RedactedSource;
use crate::rules::Severity;

pub struct TextOptions {
    pub color: bool,
    pub quiet: bool,
}

/// Renders the findings (for stdout) and the notices (for stderr).
pub fn render(outcome: &RunOutcome, options: &TextOptions) -> (String, String) {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_context_lines(1)
        .with_width(120);
    let mut findings_out = String::new();
    for file in &outcome.files {
        render_file(file, &handler, &mut findings_out);
    }
    let mut notices_out = String::new();
    for notice in outcome.notices() {
        let location = match (notice.line, notice.column) {
            (Some(line), Some(column)) => format!("{}:{line}:{column}", notice.path),
            _ => notice.path.clone(),
        };
        notices_out.push_str(&format!("note[{}]: {location}: {}\n", notice.kind.as_str(), notice.message));
    }
    if !options.quiet {
        findings_out.push_str(&super::summary_line(outcome));
        findings_out.push('\n');
    }
    (findings_out, notices_out)
}

fn render_file(file: &FileOutcome, handler: &GraphicalReportHandler, out: &mut String) {
    let Some(source) = &file.source else {
        return;
    };
    // Redact every secret any finding in this file saw, in every frame: the
    // context lines of one finding may hold another finding's secret.
    let secrets: Vec<_> = file.findings.iter().flat_map(|f| f.secret_spans.iter().copied()).collect();
    let redacted = RedactedSource::new(source, &secrets);
    let named: Arc<NamedSource<String>> = Arc::new(NamedSource::new(&file.path, redacted.text.clone()));
    for finding in &file.findings {
        let diagnostic = FindingDiagnostic::new(finding, &redacted, named.clone());
        let mut rendered = String::new();
        if handler.render_report(&mut rendered, &diagnostic).is_err() {
            rendered = format!("{}:{}:{}: {}\n", finding.path, finding.line, finding.column, finding.message);
        }
        out.push_str(&rendered);
        out.push('\n');
    }
}

/// A finding as miette sees it.
#[derive(Debug)]
struct FindingDiagnostic {
    message: String,
    code: String,
    severity: Severity,
    help: String,
    labels: Vec<LabeledSpan>,
    source: Arc<NamedSource<String>>,
}

impl FindingDiagnostic {
    fn new(finding: &Finding, redacted: &RedactedSource, source: Arc<NamedSource<String>>) -> Self {
        let primary = redacted.map_span(finding.primary);
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            Some(finding.label.clone()),
            (primary.start, primary.len()),
        )];
        for (span, label) in &finding.related {
            let span = redacted.map_span(*span);
            labels.push(LabeledSpan::new_with_span(Some(label.clone()), (span.start, span.len())));
        }
        FindingDiagnostic {
            message: finding.message.clone(),
            code: format!("{}[{}] {}", finding.severity.as_str(), finding.code, finding.name),
            severity: finding.severity,
            help: finding.help.clone(),
            labels,
            source,
        }
    }
}

impl fmt::Display for FindingDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiagnostic {}

impl Diagnostic for FindingDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.help.is_empty()).then(|| Box::new(&self.help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&*self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}
