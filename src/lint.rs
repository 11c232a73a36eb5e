//! The pipeline over all discovered files, on a rayon pool:
//!
//! 1. each file is read, prefiltered and (if a keyword matched) lowered;
//! 2. the project index is built from the lowered modules;
//! 3. each lowered file is matched against its active rules. When resolving
//!    a value needs a module that had no keyword (a settings module), that
//!    module is lowered and the file checked again: the prefilter must never
//!    cost a finding, and nothing is parsed that no rule asks for.
//!
//! Each file is processed in isolation: a file that cannot be read, does not
//! parse, or even makes authlint panic becomes a notice for that file, and the
//! other files' findings are still reported. A panic while checking a file is
//! narrowed down to the rule that caused it by re-running the file's rules one
//! at a time, so the notice names the rule and the other rules' findings for
//! that file still count. Any `internal-error` notice makes the run exit 2.
//!
//! Work runs on threads with an explicit [`WORKER_STACK_SIZE`], also for
//! [`Linter::lint_text`], whose callers (tests, fuzzers) may have small stacks.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

use crate::config::{Overrides, Settings, selects};
use crate::discover::{Discovery, SourcePath};
use crate::engine::{Engine, RawFinding};
use crate::isolate::{Stage, injected_panic, isolate};
use crate::lower::lower;
use crate::model::{Language, NoteKind, Span};
use crate::prefilter::Prefilter;
use crate::project::{ModuleNamer, Project, ProjectModule, rust_module_path};
use crate::resolve::Resolver;
use crate::rules::{Rule, Severity};
use crate::source::{LineIndex, read_source};
use crate::suppress::{FileSuppressions, parse_suppressions};

/// Worker threads get a generous stack. Lowering is depth-bounded and Rust
/// source is checked for nesting before syn (which recurses) sees it (see
/// `lower::nesting`); the bounds there are chosen against this size, with
/// room to spare even in unoptimised builds, whose frames are far larger.
pub const WORKER_STACK_SIZE: usize = 64 * 1024 * 1024;

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

/// What one file produced.
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

/// A file after stage 1.
enum Stage1 {
    /// Read and lowered: its rules run in stage 3.
    Lowered {
        module: Box<ProjectModule>,
        active: Vec<usize>,
        notices: Vec<Notice>,
        suppressions: FileSuppressions,
    },
    /// Read, but no keyword matched: not parsed unless imported from.
    Quiet {
        path: PathBuf,
        display: String,
        language: Language,
        suppressions: FileSuppressions,
        bytes: usize,
    },
    /// Not checked: skipped or failed.
    Done(FileOutcome),
}

/// The settings governing each file (see `config.rs`), looked up by the
/// path the file is reported under.
pub struct FileSettings {
    pub default: Arc<Settings>,
    pub by_path: HashMap<String, Arc<Settings>>,
}

impl FileSettings {
    pub fn get(&self, path: &str) -> &Settings {
        self.by_path.get(path).unwrap_or(&self.default)
    }
}

pub struct Linter<'r> {
    rules: &'r [Rule],
    prefilter: Prefilter,
    settings: FileSettings,
    max_file_size: u64,
}

impl<'r> Linter<'r> {
    /// A linter with the default settings for every file.
    pub fn new(rules: &'r [Rule], max_file_size: u64) -> Self {
        let default = crate::config::resolve(None, &Overrides::default(), rules)
            .expect("the default settings name no rule and cannot be wrong");
        Self::with_settings(
            rules,
            max_file_size,
            FileSettings {
                default: Arc::new(default),
                by_path: HashMap::new(),
            },
        )
    }

    pub fn with_settings(rules: &'r [Rule], max_file_size: u64, settings: FileSettings) -> Self {
        // One entry per distinct configuration, not per file.
        let mut distinct: Vec<&Arc<Settings>> = Vec::new();
        for candidate in std::iter::once(&settings.default).chain(settings.by_path.values()) {
            if !distinct.iter().any(|known| Arc::ptr_eq(known, candidate)) {
                distinct.push(candidate);
            }
        }
        let policies: Vec<&crate::policy::Policy> = distinct.iter().map(|s| &s.policy).collect();
        let prefilter = Prefilter::with_policies(rules, &policies);
        Linter {
            rules,
            prefilter,
            settings,
            max_file_size,
        }
    }

    /// Lints every discovered file on `threads` workers (0: one per core).
    /// `roots` are the paths given on the command line (for module names).
    pub fn run(
        &self,
        discovery: &Discovery,
        roots: &[PathBuf],
        threads: usize,
    ) -> Result<RunOutcome, rayon::ThreadPoolBuildError> {
        let started = Instant::now();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .stack_size(WORKER_STACK_SIZE)
            .thread_name(|i| format!("authlint-worker-{i}"))
            .build()?;
        // Per-file isolation happens inside; this catches a bug in the
        // project-wide steps between (the index, ordering, placing findings).
        let mut outcome = pool
            .install(|| isolate(|| self.run_stages(discovery, roots)))
            .unwrap_or_else(|message| whole_run_failed(discovery, &message));
        for (path, reason) in &discovery.skipped {
            outcome.files.push(skipped_outcome(display_path(path), reason.clone()));
        }
        outcome.files.sort_by(|a, b| a.path.cmp(&b.path));
        outcome.files_skipped = outcome.files.iter().filter(|f| f.skipped).count();
        outcome.files_scanned = outcome.files.len() - outcome.files_skipped;
        outcome.internal_errors = outcome.notices().filter(|n| n.kind == NoteKind::InternalError).count();
        outcome.elapsed_ms = started.elapsed().as_millis();
        Ok(outcome)
    }

    fn run_stages(&self, discovery: &Discovery, roots: &[PathBuf]) -> RunOutcome {
        let stage1: Vec<Stage1> = discovery
            .files
            .par_iter()
            .map(|file| self.read_and_lower(file))
            .collect();

        let mut files = Vec::new();
        let mut lowered = Vec::new();
        let mut quiet = Vec::new();
        let mut all_suppressions: HashMap<String, FileSuppressions> = HashMap::new();
        let mut bytes_scanned = 0u64;
        for item in stage1 {
            match item {
                Stage1::Lowered {
                    module,
                    active,
                    notices,
                    suppressions,
                } => {
                    bytes_scanned += module.source.len() as u64;
                    all_suppressions.insert(module.path.clone(), suppressions);
                    lowered.push((*module, active, notices));
                }
                Stage1::Quiet {
                    path,
                    display,
                    language,
                    suppressions,
                    bytes,
                } => {
                    bytes_scanned += bytes as u64;
                    let mut notices = Vec::new();
                    // Nothing can be suppressed in a file no rule looked at.
                    self.suppression_notices(&display, &suppressions, &[], &mut notices);
                    files.push(FileOutcome {
                        path: display.clone(),
                        findings: Vec::new(),
                        notices,
                        skipped: false,
                        parsed: false,
                    });
                    quiet.push((path, display, language));
                }
                Stage1::Done(outcome) => files.push(outcome),
            }
        }

        injected_panic(Stage::Project, "", &[]);

        // Stage 2: the project index, with imported modules lowered on demand.
        let mut namer = ModuleNamer::new(roots);
        let mut names: Vec<Vec<String>> = Vec::new();
        let mut modules: Vec<ProjectModule> = Vec::new();
        let mut linted: Vec<(usize, Vec<usize>, Vec<Notice>)> = Vec::new();
        for (module, active, notices) in lowered {
            let (module_names, _) = match module.language {
                Language::Python => namer.names(Path::new(&module.path)),
                Language::Rust => (rust_module_path(Path::new(&module.path)).into_iter().collect(), None),
            };
            names.push(module_names);
            linted.push((modules.len(), active, notices));
            modules.push(module);
        }
        // The unparsed modules by every name they may be imported by.
        let mut unparsed_names: HashMap<String, usize> = HashMap::new();
        for (index, (path, _, language)) in quiet.iter().enumerate() {
            let module_names = match language {
                Language::Python => namer.names(path).0,
                Language::Rust => rust_module_path(path).into_iter().collect(),
            };
            for name in module_names {
                unparsed_names.insert(name, index);
            }
        }
        let engine = Engine::new(self.rules);

        // Stage 3: the rules. A resolution that needs a module that was not
        // parsed (no keyword) records it; those modules are parsed and the
        // files that asked are checked again. Import chains are short: three
        // rounds reach any real settings layout.
        let mut results: HashMap<usize, (FileOutcome, Vec<RawFinding>)> = HashMap::new();
        let mut to_run: Vec<usize> = linted.iter().map(|(id, _, _)| *id).collect();
        let mut support_notices = Vec::new();
        let mut loaded: HashSet<usize> = HashSet::new();
        let mut project = Project::new(modules, &names);
        for round in 0..4 {
            let resolver = Resolver::with_unparsed(&project, Some(&unparsed_names));
            let batch: Vec<(usize, FileOutcome, Vec<RawFinding>)> = to_run
                .par_iter()
                .map(|&id| {
                    let (_, active, notices) = &linted[id];
                    let path = project.get(id).path.clone();
                    let (raw, failures) = self.check_isolated(&engine, &resolver, id, active);
                    let mut notices = notices.clone();
                    notices.extend(failures);
                    let outcome = FileOutcome {
                        path,
                        findings: Vec::new(),
                        notices,
                        skipped: false,
                        parsed: true,
                    };
                    (id, outcome, raw)
                })
                .collect();
            for (id, outcome, raw) in batch {
                results.insert(id, (outcome, raw));
            }
            let needs = resolver.take_needs();
            drop(resolver);
            let wanted: Vec<usize> = needs.iter().map(|(_, u)| *u).filter(|u| loaded.insert(*u)).collect();
            if wanted.is_empty() || round == 3 {
                break;
            }
            to_run = needs
                .iter()
                .map(|(asker, _)| *asker)
                .filter(|id| *id < linted.len())
                .collect();
            to_run.sort_unstable();
            to_run.dedup();
            let lowered_now: Vec<Result<(ProjectModule, Vec<Notice>), Notice>> = wanted
                .par_iter()
                .filter_map(|&index| {
                    let (path, display, language) = &quiet[index];
                    let source = read_source(path, self.max_file_size).ok()?;
                    let lowered = isolate(|| {
                        injected_panic(Stage::Lower, display, &[]);
                        lower_file(*language, display, source)
                    });
                    // A module another one needs must not vanish silently when
                    // it cannot be lowered: its importers may miss a value.
                    Some(lowered.map_err(|message| lowering_failed(display.clone(), &message)))
                })
                .collect();
            let mut modules = project.into_modules();
            for lowered in lowered_now {
                let (module, notices) = match lowered {
                    Ok(lowered) => lowered,
                    Err(notice) => {
                        support_notices.push(notice);
                        continue;
                    }
                };
                let module_names = match module.language {
                    Language::Python => namer.names(Path::new(&module.path)).0,
                    Language::Rust => rust_module_path(Path::new(&module.path)).into_iter().collect(),
                };
                names.push(module_names);
                modules.push(module);
                support_notices.extend(notices);
            }
            project = Project::new(modules, &names);
        }
        let files_parsed = project.modules.len();
        let bytes_parsed = project.modules.iter().map(|m| m.source.len() as u64).sum();
        let mut results: Vec<(FileOutcome, Vec<RawFinding>, usize)> = results
            .into_iter()
            .map(|(id, (outcome, raw))| (outcome, raw, id))
            .collect();
        results.sort_by_key(|(_, _, id)| *id);

        let mut sources = BTreeMap::new();
        let mut secret_spans: BTreeMap<String, Vec<Span>> = BTreeMap::new();
        let mut line_indexes: HashMap<usize, LineIndex> = HashMap::new();
        for (mut outcome, raw, id) in results {
            for finding in raw {
                outcome.findings.push(self.place_finding(
                    finding,
                    id,
                    &project,
                    &mut line_indexes,
                    &mut sources,
                    &mut secret_spans,
                ));
            }
            outcome
                .findings
                .sort_by(|a, b| (a.line, a.column, &a.code).cmp(&(b.line, b.column, &b.code)));
            let suppressions = all_suppressions.remove(&outcome.path).unwrap_or_default();
            self.apply_settings(&mut outcome, &suppressions);
            if !outcome.findings.is_empty() {
                sources.insert(outcome.path.clone(), project.get(id).source.clone());
            }
            files.push(outcome);
        }
        // Notes about modules parsed only because they were imported.
        let mut by_path: HashMap<String, usize> = HashMap::new();
        for (index, file) in files.iter().enumerate() {
            by_path.entry(file.path.clone()).or_insert(index);
        }
        for notice in support_notices {
            if let Some(&index) = by_path.get(&notice.path) {
                files[index].parsed = true;
                files[index].notices.push(notice);
            }
        }
        for spans in secret_spans.values_mut() {
            spans.sort();
            spans.dedup();
        }
        RunOutcome {
            files,
            sources,
            secret_spans,
            files_parsed,
            bytes_scanned,
            bytes_parsed,
            ..RunOutcome::empty()
        }
    }

    /// Stage 1 for one file; a panic inside becomes an `internal-error` notice.
    fn read_and_lower(&self, file: &SourcePath) -> Stage1 {
        let display = display_path(&file.path);
        match isolate(|| self.read_and_lower_inner(file, &display)) {
            Ok(stage) => stage,
            Err(message) => Stage1::Done(FileOutcome {
                path: display.clone(),
                findings: Vec::new(),
                notices: vec![lowering_failed(display, &message)],
                skipped: false,
                parsed: true,
            }),
        }
    }

    /// Stage 3 for one file: its active rules, all together, and if that
    /// panics, one at a time, so the notice names the failing rule and the
    /// findings of the others are kept. Returns the findings and the notices.
    fn check_isolated(
        &self,
        engine: &Engine,
        resolver: &Resolver,
        module: usize,
        active: &[usize],
    ) -> (Vec<RawFinding>, Vec<Notice>) {
        let path = &resolver.project().get(module).path;
        let policy = &self.settings.get(path).policy;
        let check = |rules: &[usize]| {
            isolate(|| {
                let codes: Vec<&str> = rules.iter().map(|&i| self.rules[i].code.as_str()).collect();
                injected_panic(Stage::Rule, path, &codes);
                engine.check_module(resolver, module, rules, policy)
            })
        };
        let first_panic = match check(active) {
            Ok(raw) => return (raw, Vec::new()),
            Err(message) => message,
        };
        let mut raw = Vec::new();
        let mut failed: Vec<(usize, String)> = Vec::new();
        for &rule in active {
            match check(&[rule]) {
                Ok(found) => raw.extend(found),
                Err(message) => failed.push((rule, message)),
            }
        }
        let notices = if failed.is_empty() {
            // Only the rules together fail: nothing to blame on one rule.
            let codes: Vec<&str> = active.iter().map(|&i| self.rules[i].code.as_str()).collect();
            vec![internal_error_notice(
                path,
                format!(
                    "authlint failed while checking rules {} together on this file ({first_panic}); \
                     each rule alone succeeded and its findings are reported; please report this",
                    codes.join(", ")
                ),
            )]
        } else {
            failed
                .into_iter()
                .map(|(rule, message)| {
                    let rule = &self.rules[rule];
                    internal_error_notice(
                        path,
                        format!(
                            "authlint failed while checking rule {} ({}) on this file ({message}); \
                             this rule's findings for this file are missing, the other rules' are reported; \
                             please report this",
                            rule.code, rule.name
                        ),
                    )
                })
                .collect()
        };
        (raw, notices)
    }

    fn read_and_lower_inner(&self, file: &SourcePath, display: &str) -> Stage1 {
        injected_panic(Stage::Lower, display, &[]);
        let source = match read_source(&file.path, self.max_file_size) {
            Ok(source) => source,
            Err(reason) => return Stage1::Done(skipped_outcome(display.to_string(), reason.0)),
        };
        let suppressions = parse_suppressions(&source, file.language);
        let active = self.active_rules(file.language, display, &source);
        if active.is_empty() {
            return Stage1::Quiet {
                path: file.path.clone(),
                display: display.to_string(),
                language: file.language,
                suppressions,
                bytes: source.len(),
            };
        }
        let (module, notices) = lower_file(file.language, display, source);
        Stage1::Lowered {
            module: Box::new(module),
            active,
            notices,
            suppressions,
        }
    }

    /// The rules whose keywords the file holds and its settings enable.
    fn active_rules(&self, language: Language, path: &str, source: &str) -> Vec<usize> {
        let settings = self.settings.get(path);
        let mut active = self.prefilter.active_rules(language, source);
        active.retain(|&rule| settings.enabled.get(rule).copied().unwrap_or(true));
        active
    }

    /// Per-file settings after the rules ran: severity overrides,
    /// `per-file-ignores`, and inline suppressions (with notices for bare
    /// and, when asked, unused ones).
    fn apply_settings(&self, outcome: &mut FileOutcome, suppressions: &FileSuppressions) {
        let settings = self.settings.get(&outcome.path);
        let ignored = settings.ignored_for(Path::new(&outcome.path));
        let mut used = Vec::new();
        outcome.findings.retain_mut(|finding| {
            if let Some(severity) = settings.severity.get(&finding.code) {
                finding.severity = *severity;
            }
            if ignored.iter().any(|selector| selects(selector, &finding.code)) {
                return false;
            }
            match suppressions.matching(&finding.code, finding.line) {
                Some(hit) => {
                    used.push(hit);
                    false
                }
                None => true,
            }
        });
        let path = outcome.path.clone();
        self.suppression_notices(&path, suppressions, &used, &mut outcome.notices);
    }

    fn suppression_notices(
        &self,
        path: &str,
        suppressions: &FileSuppressions,
        used: &[(usize, usize)],
        notices: &mut Vec<Notice>,
    ) {
        for line in &suppressions.bare {
            notices.push(Notice {
                kind: NoteKind::Suppression,
                path: path.to_string(),
                line: Some(*line),
                column: None,
                message: "`authlint: ignore` without codes is not honoured: name what you suppress, \
                          e.g. `authlint: ignore[JWT101]`"
                    .to_string(),
            });
        }
        if !self.settings.get(path).report_unused_suppressions {
            return;
        }
        for (index, suppression) in suppressions.suppressions.iter().enumerate() {
            for (which, code) in suppression.codes.iter().enumerate() {
                if !used.contains(&(index, which)) {
                    notices.push(Notice {
                        kind: NoteKind::UnusedSuppression,
                        path: path.to_string(),
                        line: Some(suppression.comment_line),
                        column: None,
                        message: format!("unused suppression: no `{code}` finding here to suppress"),
                    });
                }
            }
        }
    }

    fn place_finding(
        &self,
        raw: RawFinding,
        module: usize,
        project: &Project,
        line_indexes: &mut HashMap<usize, LineIndex>,
        sources: &mut BTreeMap<String, Arc<String>>,
        secret_spans: &mut BTreeMap<String, Vec<Span>>,
    ) -> Finding {
        let rule = &self.rules[raw.rule];
        let entry = project.get(module);
        let (line, column, end_line, end_column) = position(line_indexes, project, module, raw.primary);
        for (secret_module, span) in &raw.secret_spans {
            let path = project.get(*secret_module).path.clone();
            secret_spans.entry(path).or_default().push(*span);
        }
        let related = raw
            .related
            .iter()
            .map(|r| {
                let other = project.get(r.module);
                sources.insert(other.path.clone(), other.source.clone());
                let (line, column, end_line, end_column) = position(line_indexes, project, r.module, r.span);
                Related {
                    path: other.path.clone(),
                    span: r.span,
                    line,
                    column,
                    end_line,
                    end_column,
                    label: r.label.clone(),
                }
            })
            .collect();
        Finding {
            rule: raw.rule,
            code: rule.code.clone(),
            name: rule.name.clone(),
            severity: raw.severity,
            path: entry.path.clone(),
            line,
            column,
            end_line,
            end_column,
            message: raw.message,
            help: rule.help.trim().to_string(),
            primary: raw.primary,
            label: raw.label,
            related,
        }
    }

    /// Lints text that did not come from disk (`--stdin-filename`, tests,
    /// fuzzing): a project of one file. Runs on its own thread with the
    /// workers' stack size, so it is as safe on deep input as [`Linter::run`]
    /// whatever the caller's stack; a panic inside becomes an
    /// `internal-error` notice, as in a run.
    pub fn lint_text(&self, language: Language, path: &str, source: String) -> (FileOutcome, RunOutcome) {
        std::thread::scope(|scope| {
            let worker = std::thread::Builder::new()
                .name("authlint-worker".into())
                .stack_size(WORKER_STACK_SIZE)
                .spawn_scoped(scope, || self.lint_text_here(language, path, source));
            match worker {
                Ok(handle) => handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                Err(error) => {
                    let file = FileOutcome {
                        path: path.to_string(),
                        findings: Vec::new(),
                        notices: vec![internal_error_notice(
                            path,
                            format!("authlint could not start a worker thread ({error}); the text was not checked"),
                        )],
                        skipped: false,
                        parsed: false,
                    };
                    let mut outcome = RunOutcome::empty();
                    outcome.internal_errors = 1;
                    (file, outcome)
                }
            }
        })
    }

    fn lint_text_here(&self, language: Language, path: &str, source: String) -> (FileOutcome, RunOutcome) {
        let suppressions = parse_suppressions(&source, language);
        let active = self.active_rules(language, path, &source);
        let mut outcome = RunOutcome::empty();
        outcome.files_scanned = 1;
        outcome.bytes_scanned = source.len() as u64;
        let mut file = FileOutcome {
            path: path.to_string(),
            findings: Vec::new(),
            notices: Vec::new(),
            skipped: false,
            parsed: false,
        };
        if active.is_empty() {
            self.suppression_notices(path, &suppressions, &[], &mut file.notices);
            return (file, outcome);
        }
        file.parsed = true;
        outcome.files_parsed = 1;
        outcome.bytes_parsed = source.len() as u64;
        let lowered = isolate(|| {
            injected_panic(Stage::Lower, path, &[]);
            lower_file(language, path, source)
        });
        let (module, notices) = match lowered {
            Ok(lowered) => lowered,
            Err(message) => {
                file.notices.push(lowering_failed(path.to_string(), &message));
                outcome.internal_errors = 1;
                return (file, outcome);
            }
        };
        file.notices = notices;
        let project = Project::single(module);
        let resolver = Resolver::new(&project);
        let engine = Engine::new(self.rules);
        let (raw, failures) = self.check_isolated(&engine, &resolver, 0, &active);
        outcome.internal_errors = failures.len();
        file.notices.extend(failures);
        let mut indexes = HashMap::new();
        file.findings = raw
            .into_iter()
            .map(|r| {
                self.place_finding(
                    r,
                    0,
                    &project,
                    &mut indexes,
                    &mut outcome.sources,
                    &mut outcome.secret_spans,
                )
            })
            .collect();
        file.findings
            .sort_by(|a, b| (a.line, a.column, &a.code).cmp(&(b.line, b.column, &b.code)));
        outcome.sources.insert(path.to_string(), project.get(0).source.clone());
        self.apply_settings(&mut file, &suppressions);
        (file, outcome)
    }
}

/// Lowers a file's text into a project module, with its lowering notes.
fn lower_file(language: Language, display: &str, source: String) -> (ProjectModule, Vec<Notice>) {
    let module = lower(language, &source);
    // Most files have no notes: index their lines only when one needs placing.
    let notices = if module.notes.is_empty() {
        Vec::new()
    } else {
        let lines = LineIndex::new(&source);
        module
            .notes
            .iter()
            .map(|note| {
                let (line, column) = lines.line_col(&source, note.span.start);
                Notice {
                    kind: note.kind,
                    path: display.to_string(),
                    line: Some(line),
                    column: Some(column),
                    message: note.message.clone(),
                }
            })
            .collect()
    };
    // Python: the package relative imports start from; Rust: the module's
    // own path, which `self::` and `super::` start from.
    let package = match language {
        Language::Python => ModuleNamer::new(&[]).names(Path::new(display)).1,
        Language::Rust => rust_module_path(Path::new(display)),
    };
    (
        ProjectModule::new(display.to_string(), language, module, Arc::new(source), package),
        notices,
    )
}

fn position(
    indexes: &mut HashMap<usize, LineIndex>,
    project: &Project,
    module: usize,
    span: Span,
) -> (usize, usize, usize, usize) {
    let source = &project.get(module).source;
    let index = indexes.entry(module).or_insert_with(|| LineIndex::new(source));
    let (line, column) = index.line_col(source, span.start);
    let (end_line, end_column) = index.line_col(source, span.end);
    (line, column, end_line, end_column)
}

fn internal_error_notice(path: &str, message: String) -> Notice {
    Notice {
        kind: NoteKind::InternalError,
        path: path.to_string(),
        line: None,
        column: None,
        message,
    }
}

/// A panic while reading or lowering: no rule had run yet.
fn lowering_failed(path: String, panic: &str) -> Notice {
    let message = format!(
        "authlint failed while reading and parsing this file, before any rule ran ({panic}); \
         the file was not checked; please report this"
    );
    internal_error_notice(&path, message)
}

/// The backstop when a project-wide step panics: every file gets the
/// notice, so the run fails with exit code 2 rather than passing.
fn whole_run_failed(discovery: &Discovery, panic: &str) -> RunOutcome {
    let message = format!(
        "authlint failed while checking the project ({panic}); no file's findings are reported; please report this"
    );
    let mut outcome = RunOutcome::empty();
    outcome.files = discovery
        .files
        .iter()
        .map(|file| {
            let path = display_path(&file.path);
            FileOutcome {
                notices: vec![internal_error_notice(&path, message.clone())],
                path,
                findings: Vec::new(),
                skipped: false,
                parsed: false,
            }
        })
        .collect();
    outcome
}

fn skipped_outcome(path: String, reason: String) -> FileOutcome {
    FileOutcome {
        path: path.clone(),
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

fn display_path(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}
