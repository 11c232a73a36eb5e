//! What a run produced, as every output format reads it: findings placed
//! in files (line and column), related locations, per-file notices, the
//! findings in code that does not ship (counted, not shown unless asked
//! for), and the run's counts. The run (`lint`) fills it in; nothing here
//! knows how.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::model::{CodeClass, Notice, Span};
use crate::rules::Severity;

#[derive(Clone, Debug, Serialize, Deserialize)]
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
    /// What the code at the finding is for: its file's class, or `test`
    /// inside a Rust `#[cfg(test)]` module or `#[test]` function.
    pub class: CodeClass,
    /// The finding's identity for baselines and code scanning (see
    /// `fingerprint.rs`), computed once all of the run's findings are
    /// placed, before any is merged into another or set aside.
    pub fingerprint: String,
    /// What the mistake is made of, when other findings may share it (see
    /// [`Cause`]); the run merges findings of one cause into one.
    pub cause: Option<Cause>,
    /// The innermost call the finding is in: findings about one call can be
    /// one mistake (a decode that verifies nothing also checks no claim).
    pub call: Option<Span>,
    /// The edits that mend it, when a safe one is known and was asked for
    /// (`check --fix`, `--diff`, SARIF, the editor server).
    pub fix: Option<Fix>,
}

/// A fix: byte edits in the finding's file, sorted and not overlapping,
/// checked to leave a file that parses and no longer has the finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    /// The bytes replaced; empty for an insertion.
    pub span: Span,
    pub replacement: String,
}

/// What a finding's mistake is made of, when several findings can report
/// the same one: the secret literal it is about (reported where it is
/// written and again where it is used), a claim a claims struct declares
/// (reported at the field and again where the struct is encoded), or, for
/// other rules, the place the finding points at or resolved its value to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CauseKind {
    Literal { path: String, span: Span },
    StructField { name: String, field: String },
    At { path: String, span: Span },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cause {
    pub kind: CauseKind,
    /// The finding points at the cause itself: the place to fix it.
    pub here: bool,
}

/// A secondary location: the definition a value was resolved to, or the
/// place of a finding merged into this one (one mistake, one finding).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Related {
    pub path: String,
    pub span: Span,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub label: String,
    /// For a merged finding, its rule code: the place is where that rule
    /// found the same mistake (the fixture harness counts it there).
    pub rule: Option<String>,
}

/// What one file produced.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FileOutcome {
    pub path: String,
    pub findings: Vec<Finding>,
    /// Findings in code that does not ship (tests, examples, benches, docs),
    /// set aside by the run's settings: counted in the summary, not shown
    /// and never failing the run.
    pub not_shown: Vec<Finding>,
    pub notices: Vec<Notice>,
    pub skipped: bool,
    /// The file passed the keyword prefilter and was parsed.
    pub parsed: bool,
    /// Nothing in the file could be checked: it was skipped as unreadable
    /// (too large, binary, undecodable, a read error), or it is Rust that
    /// does not parse. `--strict` fails the run on such files.
    pub unchecked: bool,
}

impl FileOutcome {
    /// A file with nothing found and nothing to say yet.
    pub fn new(path: impl Into<String>) -> Self {
        FileOutcome {
            path: path.into(),
            findings: Vec::new(),
            not_shown: Vec::new(),
            notices: Vec::new(),
            skipped: false,
            parsed: false,
            unchecked: false,
        }
    }
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

    /// The findings set aside because they are in code that does not ship.
    pub fn not_shown(&self) -> impl Iterator<Item = &Finding> {
        self.files.iter().flat_map(|f| f.not_shown.iter())
    }

    /// How many findings were set aside, per class, in class order (only
    /// classes that had some).
    pub fn not_shown_by_class(&self) -> Vec<(CodeClass, usize)> {
        let mut counts: BTreeMap<CodeClass, usize> = BTreeMap::new();
        for finding in self.not_shown() {
            *counts.entry(finding.class).or_default() += 1;
        }
        counts.into_iter().collect()
    }

    /// The files nothing could be checked in (see [`FileOutcome::unchecked`]).
    pub fn unchecked_files(&self) -> usize {
        self.files.iter().filter(|f| f.unchecked).count()
    }
}

#[cfg(test)]
impl Finding {
    /// A plain finding of `code` at `primary`, line `line` of `path`, for
    /// unit tests to adjust with struct update syntax.
    pub fn for_test(code: &str, path: &str, line: usize, primary: Span) -> Finding {
        Finding {
            rule: 0,
            code: code.into(),
            name: "test".into(),
            severity: Severity::Error,
            path: path.into(),
            line,
            column: 1,
            end_line: line,
            end_column: 1,
            message: String::new(),
            help: String::new(),
            primary,
            label: String::new(),
            related: Vec::new(),
            class: CodeClass::App,
            fingerprint: String::new(),
            cause: None,
            call: None,
            fix: None,
        }
    }
}
