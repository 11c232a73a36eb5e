//! What a run produced, as every output format reads it: findings placed
//! in files (line and column), related locations, per-file notices, and the
//! run's counts. The run (`lint`) fills it in; nothing here knows how.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::model::{Notice, Span};
use crate::rules::Severity;

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
    pub related: Vec<Related>,
    /// The edits that mend it, when a safe one is known and was asked for
    /// (`check --fix`, `--diff`, SARIF, the editor server).
    pub fix: Option<Fix>,
}

/// A fix: byte edits in the finding's file, sorted and not overlapping,
/// checked to leave a file that parses and no longer has the finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// The bytes replaced; empty for an insertion.
    pub span: Span,
    pub replacement: String,
}

/// A secondary location: the definition a value was resolved to.
#[derive(Clone, Debug)]
pub struct Related {
    pub path: String,
    pub span: Span,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub label: String,
}

/// What one file produced.
#[derive(Clone, Debug)]
pub struct FileOutcome {
    pub path: String,
    pub findings: Vec<Finding>,
    pub notices: Vec<Notice>,
    pub skipped: bool,
    /// The file passed the keyword prefilter and was parsed.
    pub parsed: bool,
}

pub struct RunOutcome {
    pub files: Vec<FileOutcome>,
    /// The text of every file a finding points into, for code frames.
    pub sources: BTreeMap<String, Arc<String>>,
    /// Secret literal spans per file: every output that shows source redacts them.
    pub secret_spans: BTreeMap<String, Vec<Span>>,
    pub files_scanned: usize,
    pub files_skipped: usize,
    /// Files that reached the parser (passed the keyword prefilter, or were
    /// imported from by one that did).
    pub files_parsed: usize,
    /// The bytes of source read, and of those the bytes parsed: what the
    /// prefilter saved.
    pub bytes_scanned: u64,
    pub bytes_parsed: u64,
    pub internal_errors: usize,
    pub elapsed_ms: u128,
}

impl RunOutcome {
    /// A run that checked nothing yet.
    pub fn empty() -> Self {
        RunOutcome {
            files: Vec::new(),
            sources: BTreeMap::new(),
            secret_spans: BTreeMap::new(),
            files_scanned: 0,
            files_skipped: 0,
            files_parsed: 0,
            bytes_scanned: 0,
            bytes_parsed: 0,
            internal_errors: 0,
            elapsed_ms: 0,
        }
    }

    /// All findings, sorted by path, line, column and rule code.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.files.iter().flat_map(|f| f.findings.iter())
    }

    pub fn notices(&self) -> impl Iterator<Item = &Notice> {
        self.files.iter().flat_map(|f| f.notices.iter())
    }
}
