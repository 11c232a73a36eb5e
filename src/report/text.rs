//! Text output for people: one miette code frame per finding, with the
//! offending expression labelled, then notices and a summary line.
//!
//! Frames are drawn from a redacted copy of the file, so a secret literal is
//! shown as `"9f8e…" (32 bytes)` even in the source excerpt.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};

use crate::frontend::source::LineIndex;
use crate::redact::RedactedSource;
use crate::report::outcome::{FileOutcome, Finding, RunOutcome};
use crate::rules::Severity;

/// A line longer than this (a minified bundle) is not framed: the frame would
/// hold the whole line once per finding on it, and the renderer panics on
/// columns past 65,535. Such a finding prints as `path:line:column: message`.
pub const MAX_FRAMED_LINE_BYTES: usize = 2_000;

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
        render_file(file, outcome, &handler, &mut findings_out);
    }
    let mut notices_out = String::new();
    for notice in outcome.notices() {
        let location = match (notice.line, notice.column) {
            (Some(line), Some(column)) => format!("{}:{line}:{column}", notice.path),
            _ => notice.path.clone(),
        };
        notices_out.push_str(&format!(
            "note[{}]: {location}: {}\n",
            notice.kind.as_str(),
            notice.message
        ));
    }
    if !options.quiet {
        findings_out.push_str(&super::summary_line(outcome));
        findings_out.push('\n');
    }
    (findings_out, notices_out)
}

fn render_file(file: &FileOutcome, outcome: &RunOutcome, handler: &GraphicalReportHandler, out: &mut String) {
    if file.findings.is_empty() {
        return;
    }
    let mut redacted_sources = RedactedSources::new(outcome);
    for finding in &file.findings {
        let diagnostic = FindingDiagnostic::new(finding, &mut redacted_sources);
        let mut rendered = String::new();
        match diagnostic {
            // A frame the renderer cannot draw (it has panicked on odd spans
            // before) falls back to the plain line below, quietly.
            Some(diagnostic)
                if crate::isolate::isolate(|| handler.render_report(&mut rendered, &diagnostic))
                    .is_ok_and(|drawn| drawn.is_ok()) => {}
            _ => {
                rendered = format!(
                    "{}:{}:{}: {}\n",
                    finding.path, finding.line, finding.column, finding.message
                )
            }
        }
        out.push_str(&rendered);
        out.push('\n');
    }
}

/// Each file's source with every secret any finding saw redacted, built
/// once per file: the context lines of one finding may hold another's secret.
struct RedactedSources<'o> {
    outcome: &'o RunOutcome,
    cache: HashMap<String, (Arc<NamedSource<String>>, Arc<RedactedSource>)>,
    lines: HashMap<String, LineIndex>,
}

impl<'o> RedactedSources<'o> {
    fn new(outcome: &'o RunOutcome) -> Self {
        RedactedSources {
            outcome,
            cache: HashMap::new(),
            lines: HashMap::new(),
        }
    }

    /// Whether a frame of lines `first..=last` of `path`, with a line of
    /// context either side, shows no line past [`MAX_FRAMED_LINE_BYTES`].
    fn frameable(&mut self, path: &str, first: usize, last: usize) -> bool {
        let Some(source) = self.outcome.sources.get(path) else {
            return false;
        };
        let index = self
            .lines
            .entry(path.to_string())
            .or_insert_with(|| LineIndex::new(source));
        (first.saturating_sub(1)..=last + 1).all(|line| index.line_len(line) <= MAX_FRAMED_LINE_BYTES)
    }

    fn get(&mut self, path: &str) -> Option<(Arc<NamedSource<String>>, Arc<RedactedSource>)> {
        if let Some(found) = self.cache.get(path) {
            return Some(found.clone());
        }
        let source = self.outcome.sources.get(path)?;
        let secrets = self.outcome.secret_spans.get(path).map(Vec::as_slice).unwrap_or(&[]);
        let redacted = Arc::new(RedactedSource::new(source, secrets));
        let named = Arc::new(NamedSource::new(path, redacted.text.clone()));
        self.cache.insert(path.to_string(), (named.clone(), redacted.clone()));
        Some((named, redacted))
    }
}

/// A finding as miette sees it. Labels in other files become related
/// diagnostics with their own source.
#[derive(Debug)]
struct FindingDiagnostic {
    message: String,
    code: Option<String>,
    severity: Option<Severity>,
    help: String,
    labels: Vec<LabeledSpan>,
    source: Arc<NamedSource<String>>,
    related: Vec<FindingDiagnostic>,
}

impl FindingDiagnostic {
    fn new(finding: &Finding, sources: &mut RedactedSources) -> Option<Self> {
        let same_file_lines_fit = finding
            .related
            .iter()
            .filter(|r| r.path == finding.path)
            .all(|r| sources.frameable(&r.path, r.line, r.end_line));
        if !same_file_lines_fit || !sources.frameable(&finding.path, finding.line, finding.end_line) {
            return None;
        }
        let (source, redacted) = sources.get(&finding.path)?;
        let primary = redacted.map_span(finding.primary);
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            Some(finding.label.clone()),
            (primary.start, primary.len()),
        )];
        let mut related = Vec::new();
        for item in &finding.related {
            if item.path == finding.path {
                let span = redacted.map_span(item.span);
                labels.push(LabeledSpan::new_with_span(
                    Some(item.label.clone()),
                    (span.start, span.len()),
                ));
            } else if sources.frameable(&item.path, item.line, item.end_line)
                && let Some((other_source, other)) = sources.get(&item.path)
            {
                let span = other.map_span(item.span);
                related.push(FindingDiagnostic {
                    message: format!("defined in {}", item.path),
                    code: None,
                    severity: None,
                    help: String::new(),
                    labels: vec![LabeledSpan::new_primary_with_span(
                        Some(item.label.clone()),
                        (span.start, span.len()),
                    )],
                    source: other_source,
                    related: Vec::new(),
                });
            }
        }
        Some(FindingDiagnostic {
            message: finding.message.clone(),
            code: Some(format!(
                "{}[{}] {}",
                finding.severity.as_str(),
                finding.code,
                finding.name
            )),
            severity: Some(finding.severity),
            help: finding.help.clone(),
            labels,
            source,
            related,
        })
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
        self.code.as_ref().map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.severity.map(|s| match s {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|d| d as &dyn Diagnostic)))
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
