//! The pipeline over all discovered files, on a rayon pool, in two passes:
//!
//! 1. each file is read once and prefiltered; its text is not kept. The project index is then built from paths alone;
//! 2. each file with a keyword is read again, lowered and matched against
//!    its active rules, its findings placed, and its module dropped. When
//!    resolving a value needs another module (a settings module, with or
//!    without a keyword), the project lowers it on first use and keeps it:
//!    the prefilter must never cost a finding, and nothing is parsed that no
//!    rule asks for. Memory grows with the largest file, the modules values
//!    are imported from and the findings, not with the size of the tree.
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

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

mod project_index;
pub use project_index::{IndexedFile, ProjectIndex};

use crate::analysis::module_names::{ModuleNamer, rust_module_path};
use crate::analysis::project::{DiskModule, LoadResult, ModuleId, ModuleLoader, Project, ProjectModule, name_hash};
use crate::analysis::resolve::Resolver;
use crate::frontend::discover::{Discovery, SourcePath};
use crate::frontend::load::lower_source;
use crate::frontend::outline::rust_struct_names;
use crate::frontend::prefilter::Prefilter;
use crate::frontend::source::{LineIndex, read_source};
use crate::isolate::{Stage, WORKER_STACK_SIZE, injected_panic, isolate};
use crate::model::{Language, NoteKind, Notice, Span};
use crate::report::outcome::{FileOutcome, Finding, Related, RunOutcome};
use crate::rules::Rule;
use crate::rules::engine::{Engine, RawFinding};
use crate::rules::keywords::keyword_sets;
use crate::settings::config::{Overrides, Settings, selects};
use crate::settings::suppress::{FileSuppressions, parse_suppressions};

/// A file after the first pass.
enum Scanned {
    /// A keyword matched: the rules in `active` check it in the second pass.
    Checked {
        active: Vec<usize>,
        struct_names: Vec<u64>,
        bytes: usize,
    },
    /// Read, but no keyword matched: not parsed unless imported from.
    Quiet {
        outcome: FileOutcome,
        struct_names: Vec<u64>,
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
        let default = crate::settings::config::resolve(None, &Overrides::default(), rules)
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
        let policies: Vec<&crate::rules::policy::Policy> = distinct.iter().map(|s| &s.policy).collect();
        let prefilter = Prefilter::new(&keyword_sets(rules, &policies));
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
        // Pass 1: read every file once, find its active rules, and keep
        // nothing of its text.
        let scanned: Vec<Scanned> = discovery.files.par_iter().map(|file| self.scan(file)).collect();

        injected_panic(Stage::Project, "", &[]);

        // The project index, from paths: nothing is parsed for it.
        let mut namer = ModuleNamer::new(roots);
        let mut names: Vec<Vec<String>> = Vec::new();
        let mut disk: Vec<DiskModule> = Vec::new();
        let mut files: Vec<FileOutcome> = Vec::new();
        let mut file_of_module: Vec<Option<usize>> = Vec::new();
        let mut to_check: Vec<(ModuleId, Vec<usize>)> = Vec::new();
        let mut bytes_scanned = 0u64;
        let mut bytes_of_module: Vec<usize> = Vec::new();
        for (file, scan) in discovery.files.iter().zip(scanned) {
            let (checked, struct_names, bytes) = match scan {
                Scanned::Done(outcome) => {
                    files.push(outcome);
                    continue;
                }
                Scanned::Quiet {
                    outcome,
                    struct_names,
                    bytes,
                } => {
                    file_of_module.push(Some(files.len()));
                    files.push(outcome);
                    (false, struct_names, bytes)
                }
                Scanned::Checked {
                    active,
                    struct_names,
                    bytes,
                } => {
                    file_of_module.push(None);
                    to_check.push((disk.len(), active));
                    (true, struct_names, bytes)
                }
            };
            bytes_scanned += bytes as u64;
            bytes_of_module.push(bytes);
            names.push(project_index::module_names(&mut namer, &file.path, file.language));
            disk.push(DiskModule {
                path: file.path.clone(),
                display: display_path(&file.path),
                language: file.language,
                checked,
                struct_names,
            });
        }
        let loader = DiskLoader::new(self.max_file_size, Overlay::default());
        let project = Project::on_disk(disk, &names, Box::new(loader));
        let engine = Engine::new(self.rules);
        let file_loader = DiskLoader::new(self.max_file_size, Overlay::default());

        // Pass 2: each file with a keyword is lowered and checked, and its
        // module dropped; a module it imports a value from is lowered when
        // first asked for and kept (see `project.rs`).
        let checked: Vec<Checked> = to_check
            .par_iter()
            .map(|(id, active)| self.check_file(&engine, &project, &file_loader, *id, active))
            .collect();

        // Pass 3: a file without keywords that calls a function whose
        // subjects its callers decide is checked for those calls.
        let open: Vec<&str> = checked
            .iter()
            .flat_map(|c| c.open_functions.iter().map(String::as_str))
            .collect();
        let quiet: Vec<ModuleId> = (0..file_of_module.len())
            .filter(|&id| file_of_module[id].is_some())
            .collect();
        let callers: Vec<(ModuleId, Checked)> = self
            .callers_of(&project, &quiet, &open)
            .into_par_iter()
            .map(|id| (id, self.check_file(&engine, &project, &file_loader, id, &[])))
            .collect();

        let mut outcome = RunOutcome::empty();
        for result in checked {
            files.push(outcome.absorb(result));
        }
        for (id, result) in callers {
            if let Some(index) = file_of_module[id].take() {
                files[index] = outcome.absorb(result);
            }
        }
        // Modules parsed only because a checked file imported from them.
        for (id, _) in project.loaded() {
            if let Some(index) = file_of_module[id] {
                files[index].parsed = true;
                outcome.files_parsed += 1;
                outcome.bytes_parsed += bytes_of_module[id] as u64;
            }
        }
        let mut by_path: HashMap<String, usize> = HashMap::new();
        for (index, file) in files.iter().enumerate() {
            by_path.entry(file.path.clone()).or_insert(index);
        }
        for notice in project.take_notices() {
            if let Some(&index) = by_path.get(&notice.path) {
                files[index].parsed = true;
                files[index].notices.push(notice);
            }
        }
        for spans in outcome.secret_spans.values_mut() {
            spans.sort();
            spans.dedup();
        }
        outcome.files = files;
        outcome.bytes_scanned = bytes_scanned;
        outcome
    }

    /// The files among `quiet` whose code names one of `functions` as a
    /// word: they may call it.
    fn callers_of(&self, project: &Project, quiet: &[ModuleId], functions: &[&str]) -> Vec<ModuleId> {
        if functions.is_empty() || quiet.is_empty() {
            return Vec::new();
        }
        let Ok(names) = aho_corasick::AhoCorasick::new(functions) else {
            return Vec::new();
        };
        quiet
            .par_iter()
            .copied()
            .filter(|&id| {
                let Ok(source) = read_source(project.path(id), self.max_file_size) else {
                    return false;
                };
                let bytes = source.as_bytes();
                let is_word = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
                names.find_iter(&source).any(|hit| {
                    !is_word(hit.start().checked_sub(1).and_then(|i| bytes.get(i))) && !is_word(bytes.get(hit.end()))
                })
            })
            .collect()
    }

    /// Pass 1 for one file; a panic inside becomes an `internal-error` notice.
    fn scan(&self, file: &SourcePath) -> Scanned {
        let display = display_path(&file.path);
        isolate(|| self.scan_inner(file, &display))
            .unwrap_or_else(|message| Scanned::Done(failed_outcome(display, &message)))
    }

    fn scan_inner(&self, file: &SourcePath, display: &str) -> Scanned {
        let source = match read_source(&file.path, self.max_file_size) {
            Ok(source) => source,
            Err(reason) => return Scanned::Done(skipped_outcome(display.to_string(), reason.0)),
        };
        let active = self.active_rules(file.language, display, &source);
        // Any Rust file may define the struct a checked file's value is typed
        // with; its names are kept, hashed, for the project's struct index.
        let struct_names = match file.language {
            Language::Rust => rust_struct_names(&source).iter().map(|n| name_hash(n)).collect(),
            Language::Python => Vec::new(),
        };
        if active.is_empty() {
            let mut notices = Vec::new();
            // Nothing can be suppressed in a file no rule looked at.
            let suppressions = parse_suppressions(&source, file.language);
            self.suppression_notices(display, &suppressions, &[], &mut notices);
            let outcome = FileOutcome {
                path: display.to_string(),
                findings: Vec::new(),
                notices,
                skipped: false,
                parsed: false,
            };
            return Scanned::Quiet {
                outcome,
                struct_names,
                bytes: source.len(),
            };
        }
        Scanned::Checked {
            active,
            struct_names,
            bytes: source.len(),
        }
    }

    /// Pass 2 for one file: read it again (the first pass kept nothing),
    /// lower it, run its rules and place the findings.
    fn check_file(
        &self,
        engine: &Engine,
        project: &Project,
        loader: &dyn ModuleLoader,
        id: ModuleId,
        active: &[usize],
    ) -> Checked {
        let display = project.display(id).to_string();
        let mut result = Checked {
            outcome: FileOutcome {
                path: display.clone(),
                findings: Vec::new(),
                notices: Vec::new(),
                skipped: false,
                parsed: true,
            },
            sources: BTreeMap::new(),
            secret_spans: BTreeMap::new(),
            bytes_parsed: 0,
            open_functions: Vec::new(),
        };
        let (module, notices) = match loader.load(project.path(id), &display, project.language(id)) {
            Ok(lowered) => lowered,
            Err(Some(notice)) => {
                result.outcome.notices.push(notice);
                return result;
            }
            // The first pass read it: it changed or vanished since.
            Err(None) => {
                let reason = "the file changed or vanished while authlint ran".to_string();
                result.outcome = skipped_outcome(display, reason);
                return result;
            }
        };
        result.bytes_parsed = module.source.len();
        result.outcome.notices = notices;
        let resolver = Resolver::checking(project, id, &module);
        self.check_and_place(
            engine,
            &resolver,
            id,
            active,
            &mut result.outcome,
            &mut result.sources,
            &mut result.secret_spans,
        );
        if !result.outcome.findings.is_empty() {
            result.sources.insert(display.clone(), module.source.clone());
        }
        if !active.is_empty() {
            let followed = self.enabled_rules(&display);
            let policy = &self.settings.get(&display).policy;
            // A failure here costs only the callers' findings of pass 3.
            result.open_functions =
                isolate(|| engine.open_functions(&resolver, id, &followed, policy)).unwrap_or_default();
        }
        result
    }

    /// Runs a lowered file's active rules and fills `file` with the placed
    /// findings, sorted, after its settings and suppressions (read from the
    /// same text the findings come from). Returns how many rules failed.
    #[allow(clippy::too_many_arguments)]
    fn check_and_place(
        &self,
        engine: &Engine,
        resolver: &Resolver,
        id: ModuleId,
        active: &[usize],
        file: &mut FileOutcome,
        sources: &mut BTreeMap<String, Arc<String>>,
        secret_spans: &mut BTreeMap<String, Vec<Span>>,
    ) -> usize {
        let (raw, failures) = self.check_isolated(engine, resolver, id, active);
        let failed = failures.len();
        file.notices.extend(failures);
        let mut line_indexes = HashMap::new();
        for finding in raw {
            let placed = self.place_finding(finding, id, resolver, &mut line_indexes, sources, secret_spans);
            file.findings.push(placed);
        }
        file.findings
            .sort_by(|a, b| (a.line, a.column, &a.code).cmp(&(b.line, b.column, &b.code)));
        let module = resolver.entry(id);
        let suppressions = parse_suppressions(&module.source, module.language);
        self.apply_settings(file, &suppressions);
        failed
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
        let path = &resolver.entry(module).path;
        let policy = &self.settings.get(path).policy;
        // Calls into the project's functions are followed for every rule the
        // file's settings enable, whatever keywords the file itself holds.
        let followed = self.enabled_rules(path);
        let check = |rules: &[usize], followed: &[usize]| {
            isolate(|| {
                let codes: Vec<&str> = rules.iter().map(|&i| self.rules[i].code.as_str()).collect();
                injected_panic(Stage::Rule, path, &codes);
                engine.check_module(resolver, module, rules, followed, policy)
            })
        };
        let first_panic = match check(active, &followed) {
            Ok(raw) => return (raw, Vec::new()),
            Err(message) => message,
        };
        let mut raw = Vec::new();
        let mut failed: Vec<(usize, String)> = Vec::new();
        for &rule in &followed {
            let alone: &[usize] = if active.contains(&rule) { &[rule] } else { &[] };
            match check(alone, &[rule]) {
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

    /// The rules whose keywords the file holds and its settings enable.
    fn active_rules(&self, language: Language, path: &str, source: &str) -> Vec<usize> {
        let settings = self.settings.get(path);
        let mut active = self.prefilter.active_rules(language, source);
        active.retain(|&rule| settings.enabled.get(rule).copied().unwrap_or(true));
        active
    }

    /// The rules the file's settings enable.
    fn enabled_rules(&self, path: &str) -> Vec<usize> {
        let settings = self.settings.get(path);
        (0..self.rules.len())
            .filter(|&rule| settings.enabled.get(rule).copied().unwrap_or(true))
            .collect()
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
        resolver: &Resolver,
        line_indexes: &mut HashMap<usize, LineIndex>,
        sources: &mut BTreeMap<String, Arc<String>>,
        secret_spans: &mut BTreeMap<String, Vec<Span>>,
    ) -> Finding {
        let rule = &self.rules[raw.rule];
        let entry = resolver.entry(module);
        let (line, column, end_line, end_column) = position(line_indexes, resolver, module, raw.primary);
        for (secret_module, span) in &raw.secret_spans {
            let path = resolver.entry(*secret_module).path.clone();
            secret_spans.entry(path).or_default().push(*span);
        }
        let related = raw
            .related
            .iter()
            .map(|r| {
                let other = resolver.entry(r.module);
                sources.insert(other.path.clone(), other.source.clone());
                let (line, column, end_line, end_column) = position(line_indexes, resolver, r.module, r.span);
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
            fix: None,
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
            let suppressions = parse_suppressions(&source, language);
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
        outcome.internal_errors = self.check_and_place(
            &engine,
            &resolver,
            0,
            &active,
            &mut file,
            &mut outcome.sources,
            &mut outcome.secret_spans,
        );
        outcome
            .sources
            .insert(path.to_string(), resolver.entry(0).source.clone());
        (file, outcome)
    }
}

impl RunOutcome {
    /// Counts a checked file and keeps what its findings need; gives back
    /// its outcome.
    fn absorb(&mut self, result: Checked) -> FileOutcome {
        if result.outcome.parsed {
            self.files_parsed += 1;
            self.bytes_parsed += result.bytes_parsed as u64;
        }
        self.sources.extend(result.sources);
        for (path, spans) in result.secret_spans {
            self.secret_spans.entry(path).or_default().extend(spans);
        }
        result.outcome
    }
}

/// What checking one file produced.
struct Checked {
    outcome: FileOutcome,
    /// The text of the files its findings point into.
    sources: BTreeMap<String, Arc<String>>,
    secret_spans: BTreeMap<String, Vec<Span>>,
    /// Its size if it was parsed.
    bytes_parsed: usize,
    /// Its functions whose subjects their callers decide (see
    /// `rules::engine::calls`).
    open_functions: Vec<String>,
}

/// Texts that stand in for files on disk: an editor's unsaved buffers, or a
/// fix being tried. Keyed by the path the project knows the file by.
pub type Overlay = Arc<HashMap<PathBuf, Arc<String>>>;

/// Reads and lowers the modules the project asks for, from the overlay or
/// else from disk, each in isolation: a panic while lowering one becomes
/// its notice.
struct DiskLoader {
    max_file_size: u64,
    overlay: Overlay,
}

impl DiskLoader {
    fn new(max_file_size: u64, overlay: Overlay) -> Self {
        DiskLoader { max_file_size, overlay }
    }

    fn text(&self, path: &Path) -> Option<String> {
        match self.overlay.get(path) {
            Some(text) => Some(text.as_str().to_string()),
            None => read_source(path, self.max_file_size).ok(),
        }
    }
}

impl ModuleLoader for DiskLoader {
    fn load(&self, path: &Path, display: &str, language: Language) -> LoadResult {
        let source = self.text(path).ok_or(None)?;
        isolate(|| {
            injected_panic(Stage::Lower, display, &[]);
            lower_file(language, display, source)
        })
        .map_err(|message| Some(lowering_failed(display.to_string(), &message)))
    }
}

/// A file whose first pass failed: no rule ran on it.
fn failed_outcome(path: String, panic: &str) -> FileOutcome {
    FileOutcome {
        path: path.clone(),
        findings: Vec::new(),
        notices: vec![lowering_failed(path, panic)],
        skipped: false,
        parsed: true,
    }
}

/// Lowers a file's text into a project module, with its lowering notes.
fn lower_file(language: Language, display: &str, source: String) -> (ProjectModule, Vec<Notice>) {
    let (module, notices) = lower_source(language, display, &source);
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
    resolver: &Resolver,
    module: usize,
    span: Span,
) -> (usize, usize, usize, usize) {
    let source = &resolver.entry(module).source;
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
