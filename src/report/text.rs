//! Text output for people: one code frame per finding (see `frame.rs`), with
//! the offending expression labelled and its related places (the value it
//! was resolved to, the other places of the same mistake) labelled too,
//! then notices (with their line) and the summary.
//!
//! Frames are drawn from a redacted copy of the file, so a secret literal is
//! shown as `"9f8e…" (32 bytes)` even in the source excerpt.

use std::collections::HashMap;
use std::sync::Arc;

use crate::frontend::source::LineIndex;
use crate::redact::RedactedSource;
use crate::report::frame::{self, FileLabels, Label, Style};
use crate::report::outcome::{Finding, RunOutcome};
use crate::rules::Severity;

/// A line longer than this (a minified bundle) is not framed: the frame would
/// hold the whole line once per finding on it. Such a finding prints as
/// `path:line:column: message`.
pub const MAX_FRAMED_LINE_BYTES: usize = 2_000;

/// How wide the message and help lines are wrapped.
const WIDTH: usize = 120;

pub struct TextOptions {
    pub color: bool,
    pub quiet: bool,
}

const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// Renders the findings (for stdout) and the notices (for stderr).
pub fn render(outcome: &RunOutcome, options: &TextOptions) -> (String, String) {
    let mut sources = RedactedSources::new(outcome);
    let mut findings_out = String::new();
    for finding in outcome.findings() {
        findings_out.push_str(&render_finding(finding, &mut sources, options.color));
        findings_out.push('\n');
    }
    let notices_out = render_notices(outcome);
    if !options.quiet {
        findings_out.push_str(&super::summary(outcome));
    }
    (findings_out, notices_out)
}

/// `note[kind]: path:line:column: message`, one line per notice (the line
/// and column when the notice has them).
pub fn render_notices(outcome: &RunOutcome) -> String {
    let mut out = String::new();
    for notice in outcome.notices() {
        let location = match (notice.line, notice.column) {
            (Some(line), Some(column)) => format!("{}:{line}:{column}", notice.path),
            (Some(line), None) => format!("{}:{line}", notice.path),
            _ => notice.path.clone(),
        };
        out.push_str(&format!(
            "note[{}]: {location}: {}\n",
            notice.kind.as_str(),
            notice.message
        ));
    }
    out
}

fn severity_style(severity: Severity) -> (&'static str, &'static str) {
    match severity {
        Severity::Error => ("×", "\x1b[31m"),
        Severity::Warning => ("⚠", "\x1b[33m"),
        Severity::Note => ("☞", "\x1b[36m"),
    }
}

/// One finding: its heading, message, frame and help.
fn render_finding(finding: &Finding, sources: &mut RedactedSources, color: bool) -> String {
    let (mark, tint) = severity_style(finding.severity);
    let paint = |style: &str, text: &str| {
        if color {
            format!("{style}{text}{RESET}")
        } else {
            text.to_string()
        }
    };
    let Some(frame) = draw_frame(finding, sources, Style { color, primary: tint }) else {
        return format!(
            "{}:{}:{}: {}\n",
            finding.path, finding.line, finding.column, finding.message
        );
    };
    let mut out = String::new();
    let heading = format!("{}[{}] {}", finding.severity.as_str(), finding.code, finding.name);
    out.push_str(&paint(&format!("{BOLD}{tint}"), &heading));
    out.push_str("\n\n");
    let message = textwrap::fill(
        &finding.message,
        textwrap::Options::new(WIDTH)
            .initial_indent("    ")
            .subsequent_indent("    ")
            .break_words(false),
    );
    // The first line's indent makes room for the severity mark.
    out.push_str(&format!("  {} {}\n", paint(tint, mark), &message[4..]));
    out.push_str(&frame);
    if !finding.help.is_empty() {
        let help = textwrap::fill(
            &finding.help,
            textwrap::Options::new(WIDTH)
                .initial_indent("  help: ")
                .subsequent_indent("        ")
                .break_words(false),
        );
        out.push_str(&help.replacen("help:", &paint("\x1b[36m", "help:"), 1));
        out.push('\n');
    }
    out
}

/// The finding's frame: its own span, and its related places, those in
/// other files as secondary frames. `None` when a line is too long to frame
/// or the source is not at hand.
fn draw_frame(finding: &Finding, sources: &mut RedactedSources, style: Style) -> Option<String> {
    // The finding's own lines must fit a frame; a related place whose lines
    // do not (in a minified file) is left out of it.
    let same_file_fits = finding
        .related
        .iter()
        .filter(|r| r.path == finding.path)
        .all(|r| sources.frameable(&r.path, r.line, r.end_line));
    if !same_file_fits || !sources.frameable(&finding.path, finding.line, finding.end_line) {
        return None;
    }
    // Each file's redacted text, the finding's own first, with its labels.
    let own = sources.get(&finding.path)?;
    let mut files: Vec<(&str, Arc<RedactedSource>, Vec<Label>)> = vec![(
        &finding.path,
        own.clone(),
        vec![Label {
            span: own.map_span(finding.primary),
            text: finding.label.clone(),
            primary: true,
        }],
    )];
    for related in &finding.related {
        if !sources.frameable(&related.path, related.line, related.end_line) {
            continue;
        }
        let redacted = sources.get(&related.path)?;
        let label = Label {
            span: redacted.map_span(related.span),
            text: related.label.clone(),
            primary: false,
        };
        match files.iter_mut().find(|(path, _, _)| *path == related.path) {
            Some((_, _, labels)) => labels.push(label),
            None => files.push((&related.path, redacted, vec![label])),
        }
    }
    let labelled: Vec<FileLabels> = files
        .iter_mut()
        .map(|(path, redacted, labels)| FileLabels {
            path,
            text: &redacted.text,
            labels: std::mem::take(labels),
        })
        .collect();
    Some(frame::draw(&labelled, style))
}

/// Each file's source with every secret any finding saw redacted, built
/// once per file: the context lines of one finding may hold another's secret.
struct RedactedSources<'o> {
    outcome: &'o RunOutcome,
    cache: HashMap<String, Arc<RedactedSource>>,
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
        (first.saturating_sub(frame::CONTEXT_LINES)..=last + frame::CONTEXT_LINES)
            .all(|line| index.line_len(line) <= MAX_FRAMED_LINE_BYTES)
    }

    fn get(&mut self, path: &str) -> Option<Arc<RedactedSource>> {
        if let Some(found) = self.cache.get(path) {
            return Some(found.clone());
        }
        let source = self.outcome.sources.get(path)?;
        let secrets = self.outcome.secret_spans.get(path).map(Vec::as_slice).unwrap_or(&[]);
        let redacted = Arc::new(RedactedSource::new(source, secrets));
        self.cache.insert(path.to_string(), redacted.clone());
        Some(redacted)
    }
}
