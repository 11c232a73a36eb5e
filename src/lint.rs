//! The per-file pipeline (read → prefilter → parse → lower → match) and the
//! parallel run over all discovered files.
//!
//! Each file is processed in isolation on a rayon worker: a file that cannot
//! be read, does not parse, or even makes authlint panic becomes a notice for
//! that file, and the other files' findings are still reported.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

use crate::discover::{Discovery, SourcePath};
use crate::engine::{RawFinding, check_module};
use crate::lower::lower;
use crate::model::{Language, NoteKind, Span};
use crate::prefilter::Prefilter;
use crate::rules::{Rule, Severity};
use crate::source::{LineIndex, read_source};

/// Worker threads get a generous stack: lowering is depth-bounded, but syn's
/// parser recurses on nested Rust expressions.
const WORKER_STACK_SIZE: usize = 64 * 1024 * 1024;

#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: usize,
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub message: String,
    pub help: String,
    pub primary: Span,
    pub label: String,
    pub related: Vec<(Span, String)>,
    pub secret_spans: Vec<Span>,
}

/// Something the user should know about a file that is not a finding: it was
/// skipped, did not parse, hit a limit, or made authlint fail.
#[derive(Clone, Debug)]
pub struct Notice {
    pub kind: NoteKind,
    pub path: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

/// What one file produced. The source is kept only when there are findings
/// to draw code frames for.
pub struct FileOutcome {
    pub path: String,
    pub source: Option<Arc<String>>,
    pub findings: Vec<Finding>,
    pub notices: Vec<Notice>,
    pub skipped: bool,
    /// The file passed the keyword prefilter and was parsed.
    pub parsed: bool,
}

pub struct RunOutcome {
    pub files: Vec<FileOutcome>,
    pub files_scanned: usize,
    pub files_skipped: usize,
    /// Files that reached the parser (passed the keyword prefilter).
    pub files_parsed: usize,
    pub internal_errors: usize,
    pub elapsed_ms: u128,
}

impl RunOutcome {
    /// All findings, sorted by path, line, column and rule code.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.files.iter().flat_map(|f| f.findings.iter())
    }

    pub fn notices(&self) -> impl Iterator<Item = &Notice> {
        self.files.iter().flat_map(|f| f.notices.iter())
    }
}

pub struct Linter<'r> {
    rules: &'r [Rule],
    prefilter: Prefilter,
    max_file_size: u64,
}

impl<'r> Linter<'r> {
    pub fn new(rules: &'r [Rule], max_file_size: u64) -> Self {
        Linter {
            rules,
            prefilter: Prefilter::new(rules),
            max_file_size,
        }
    }

    /// Lints every discovered file on `threads` workers (0: one per core).
    pub fn run(&self, discovery: &Discovery, threads: usize) -> Result<RunOutcome, rayon::ThreadPoolBuildError> {
        let started = Instant::now();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .stack_size(WORKER_STACK_SIZE)
            .thread_name(|i| format!("authlint-worker-{i}"))
            .build()?;
        let mut files: Vec<FileOutcome> = pool.install(|| {
            discovery
                .files
                .par_iter()
                .map(|file| self.lint_file_isolated(file))
                .collect()
        });
        for (path, reason) in &discovery.skipped {
            files.push(skipped_outcome(display_path(path), reason.clone()));
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let files_skipped = files.iter().filter(|f| f.skipped).count();
        let internal_errors = files
            .iter()
            .flat_map(|f| &f.notices)
            .filter(|n| n.kind == NoteKind::InternalError)
            .count();
        Ok(RunOutcome {
            files_scanned: files.len() - files_skipped,
            files_skipped,
            files_parsed: files.iter().filter(|f| f.parsed).count(),
            internal_errors,
            files,
            elapsed_ms: started.elapsed().as_millis(),
        })
    }

    /// Lints one file; a panic inside becomes an `internal-error` notice.
    fn lint_file_isolated(&self, file: &SourcePath) -> FileOutcome {
        let path = display_path(&file.path);
        match catch_unwind(AssertUnwindSafe(|| self.lint_file(file, &path))) {
            Ok(outcome) => outcome,
            Err(panic) => {
                let detail = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".to_string());
                FileOutcome {
                    path: path.clone(),
                    source: None,
                    findings: Vec::new(),
                    notices: vec![Notice {
                        kind: NoteKind::InternalError,
                        path,
                        line: None,
                        column: None,
                        message: format!("authlint failed on this file ({detail}); please report it"),
                    }],
                    skipped: false,
                    parsed: true,
                }
            }
        }
    }

    fn lint_file(&self, file: &SourcePath, path: &str) -> FileOutcome {
        let source = match read_source(&file.path, self.max_file_size) {
            Ok(source) => source,
            Err(reason) => return skipped_outcome(path.to_string(), reason.0),
        };
        lint_source(self.rules, &self.prefilter, file.language, path, source)
    }

    /// Lints text that did not come from disk (`--stdin-filename`, tests).
    pub fn lint_text(&self, language: Language, path: &str, source: String) -> FileOutcome {
        lint_source(self.rules, &self.prefilter, language, path, source)
    }
}

fn lint_source(rules: &[Rule], prefilter: &Prefilter, language: Language, path: &str, source: String) -> FileOutcome {
    let active = prefilter.active_rules(language, &source);
    if active.is_empty() {
        return FileOutcome {
            path: path.to_string(),
            source: None,
            findings: Vec::new(),
            notices: Vec::new(),
            skipped: false,
            parsed: false,
        };
    }
    let module = lower(language, &source);
    let lines = LineIndex::new(&source);
    let notices = module
        .notes
        .iter()
        .map(|note| {
            let (line, column) = lines.line_col(&source, note.span.start);
            Notice {
                kind: note.kind,
                path: path.to_string(),
                line: Some(line),
                column: Some(column),
                message: note.message.clone(),
            }
        })
        .collect();
    let raw = check_module(rules, &active, &module);
    let mut findings: Vec<Finding> = raw
        .into_iter()
        .map(|raw| place_finding(rules, raw, path, &source, &lines))
        .collect();
    findings.sort_by(|a, b| (a.line, a.column, &a.code).cmp(&(b.line, b.column, &b.code)));
    FileOutcome {
        path: path.to_string(),
        source: (!findings.is_empty()).then(|| Arc::new(source)),
        findings,
        notices,
        skipped: false,
        parsed: true,
    }
}

fn place_finding(rules: &[Rule], raw: RawFinding, path: &str, source: &str, lines: &LineIndex) -> Finding {
    let rule = &rules[raw.rule];
    let (line, column) = lines.line_col(source, raw.primary.start);
    let (end_line, end_column) = lines.line_col(source, raw.primary.end);
    Finding {
        rule: raw.rule,
        code: rule.code.clone(),
        name: rule.name.clone(),
        severity: rule.severity,
        path: path.to_string(),
        line,
        column,
        end_line,
        end_column,
        message: raw.message,
        help: rule.help.trim().to_string(),
        primary: raw.primary,
        label: raw.label,
        related: raw.related,
        secret_spans: raw.secret_spans,
    }
}

fn skipped_outcome(path: String, reason: String) -> FileOutcome {
    FileOutcome {
        path: path.clone(),
        source: None,
        findings: Vec::new(),
        notices: vec![Notice {
            kind: NoteKind::Skipped,
            path,
            line: None,
            column: None,
            message: reason,
        }],
        skipped: true,
        parsed: false,
    }
}

fn display_path(path: &std::path::Path) -> String {
    path.to_string_lossy().into_owned()
}
