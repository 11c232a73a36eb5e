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
//!
//! Once every file is checked, each finding gets its fingerprint, findings
//! that report one mistake are merged into one (`merge`), and the caller may
//! set aside the findings in code that does not ship
//! ([`Linter::set_aside_not_shipped`]): tests, examples, benches, docs.

mod cache;
pub mod merge;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

mod named;
mod project_index;
pub use cache::CACHE_DIR_NAME;
pub use named::{Focus, NamedRun, named_run};
pub use project_index::{IndexedFile, ProjectIndex};

use cache::{Cache, CacheData, CachedCheck, CachedFile, content_hash, debug_hash};

use crate::analysis::module_names::{ModuleNamer, rust_module_path};
use crate::analysis::project::{
    DiskModule, LoadResult, ModuleId, ModuleLoader, Project, ProjectModule, name_hash, recording_consulted,
};
use crate::analysis::provenance::signing::may_sign;
use crate::analysis::resolve::Resolver;
use crate::analysis::sites::consistency::may_verify;
use crate::frontend::discover::{Discovery, SourcePath};
use crate::frontend::generated::generated_marker;
use crate::frontend::load::lower_source;
use crate::frontend::outline::{function_names, rust_struct_names};
use crate::frontend::prefilter::{Prefilter, RulesOnFile};
use crate::frontend::source::{LineIndex, read_source};
use crate::isolate::{Stage, WORKER_STACK_SIZE, injected_panic, isolate};
use crate::model::{CodeClass, Language, Module, NoteKind, Notice, Span};
use crate::report::fingerprint::file_fingerprints;
use crate::report::outcome::{FileOutcome, Finding, Related, RunOutcome};
use crate::rules::Rule;
use crate::rules::engine::{Engine, RawFinding};
use crate::rules::keywords::keyword_sets;
use crate::settings::config::{Overrides, Settings, describe, selects};
use crate::settings::suppress::{FileSuppressions, parse_suppressions};

/// What the first pass learns of a file from its text, without parsing it:
/// all the project index keeps of it (see `DiskModule`), for a run and for
/// the index single-file checks are made against (`project_index.rs`).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct FileFacts {
    /// The rules its keywords make active: it is checked when any is.
    active: Vec<usize>,
    relevant: Vec<usize>,
    /// Rules whose `keywords-also` it holds (see `RulesOnFile`); only kept
    /// for a file that is checked, since only its calls are followed.
    completing: Vec<usize>,
    struct_names: Vec<u64>,
    /// The functions it may define (hashed): calls are followed into these.
    function_names: Vec<u64>,
    signs: bool,
    verifies: bool,
}

impl FileFacts {
    /// The file as the project knows it.
    fn disk_module(&self, path: &Path, language: Language) -> DiskModule {
        DiskModule {
            path: path.to_path_buf(),
            display: display_path(path),
            language,
            checked: !self.active.is_empty(),
            struct_names: self.struct_names.clone(),
            function_names: self.function_names.clone(),
            relevant: self.relevant.clone(),
            completing: self.completing.clone(),
            signs: self.signs,
            verifies: self.verifies,
        }
    }
}

/// A file after the first pass.
enum Scanned {
    /// Read: checked in the second pass when a keyword made a rule active,
    /// else not parsed unless imported from (or called into: see
    /// `relevant`), its outcome (suppression notices) already known.
    Read {
        facts: FileFacts,
        quiet: Option<FileOutcome>,
        bytes: usize,
        /// The hash of its text (0 without a cache), and whether what is
        /// above came from the cache.
        hash: u64,
        cached: bool,
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
    /// Where the results cache lives (`cache.rs`); `None`: no cache.
    cache_dir: Option<PathBuf>,
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
            cache_dir: None,
        }
    }

    /// A linter whose runs read and write the results cache in `dir`.
    pub fn with_cache_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.cache_dir = dir;
        self
    }

    /// What a cached result must have been computed under: this build, the
    /// rules, every file's settings, the size limit and the paths given.
    fn cache_key(&self, roots: &[PathBuf]) -> u64 {
        let mut distinct: Vec<&Arc<Settings>> = vec![&self.settings.default];
        let mut by_path: Vec<(&str, usize)> = Vec::new();
        for (path, settings) in &self.settings.by_path {
            let at = match distinct.iter().position(|known| Arc::ptr_eq(known, settings)) {
                Some(at) => at,
                None => {
                    distinct.push(settings);
                    distinct.len() - 1
                }
            };
            by_path.push((path, at));
        }
        by_path.sort_unstable();
        let described: Vec<String> = distinct
            .iter()
            .map(|settings| format!("{}{:?}", describe(settings, self.rules), settings.root))
            .collect();
        debug_hash(&(
            env!("CARGO_PKG_VERSION"),
            self.rules,
            described,
            by_path,
            self.max_file_size,
            roots,
        ))
    }

    /// Lints every discovered file on `threads` workers (0: one per core).
    /// `roots` are the paths given on the command line (for module names).
    pub fn run(
        &self,
        discovery: &Discovery,
        roots: &[PathBuf],
        threads: usize,
    ) -> Result<RunOutcome, rayon::ThreadPoolBuildError> {
        self.run_focused(discovery, roots, threads, None)
    }

    /// [`Linter::run`] that checks and reports only the files `focus`
    /// names, the others read for the project index (see `named.rs`).
    pub fn run_focused(
        &self,
        discovery: &Discovery,
        roots: &[PathBuf],
        threads: usize,
        focus: Option<&Focus>,
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
            .install(|| isolate(|| self.run_stages(discovery, roots, focus)))
            .unwrap_or_else(|message| whole_run_failed(discovery, &message));
        for skip in discovery
            .skipped
            .iter()
            .filter(|s| focus.is_none_or(|f| f.reports(&s.path)))
        {
            let mut file = skipped_outcome(display_path(&skip.path), skip.reason.clone());
            file.unchecked = skip.unreadable;
            outcome.files.push(file);
        }
        outcome.files.sort_by(|a, b| a.path.cmp(&b.path));
        outcome.files_skipped = outcome.files.iter().filter(|f| f.skipped).count();
        outcome.files_scanned = outcome.files.len() - outcome.files_skipped;
        outcome.internal_errors = outcome.notices().filter(|n| n.kind == NoteKind::InternalError).count();
        outcome.elapsed_ms = started.elapsed().as_millis();
        Ok(outcome)
    }

    fn run_stages(&self, discovery: &Discovery, roots: &[PathBuf], focus: Option<&Focus>) -> RunOutcome {
        let overlay = focus.map(|f| f.overlay.clone()).unwrap_or_default();
        // A run over named files is not cached: its key would be its own
        // set of paths, and standard input's text is no file's.
        let cache = self
            .cache_dir
            .as_ref()
            .filter(|_| focus.is_none())
            .map(|dir| Cache::open(dir, self.cache_key(roots)));
        let cached = cache.as_ref().map(|c| &c.data);
        // Pass 1: read every file once, find its active rules, and keep
        // nothing of its text.
        let scanned: Vec<Scanned> = discovery
            .files
            .par_iter()
            .map(|file| self.scan(file, cached, &overlay))
            .collect();

        injected_panic(Stage::Project, "", &[]);

        let mut index = index_files(discovery, roots, scanned, cached.is_some());
        let loader = DiskLoader::new(self.max_file_size, overlay.clone());
        let project = Project::on_disk(std::mem::take(&mut index.disk), &index.names, Box::new(loader));
        let file_loader = DiskLoader::new(self.max_file_size, overlay);
        let results = self.check_pass(&project, &file_loader, &index, cached, focus);

        let mut outcome = RunOutcome::empty();
        let mut files = std::mem::take(&mut index.files);
        let mut run = RunRecord::new(index.bytes_of_module.len());
        for (id, result) in results {
            files.push(outcome.absorb(result.checked));
            run.entries[id] = result.entry;
            match result.replayed {
                Some(deps) => run.replayed.extend(deps),
                None => {
                    run.fresh = true;
                    run.consulted.extend(result.consulted);
                }
            }
        }
        self.merge_loaded(&project, &index, cached, &mut run, &mut files, &mut outcome);
        if let Some(cache) = &cache
            && (index.changed || run.fresh || cache.data.files.len() != index.hashes.len())
        {
            cache.store(&cache_data(&project, &mut index, cached, &mut run));
        }
        self.finish_run(discovery, files, index.bytes_scanned, outcome, focus)
    }

    /// Counts the modules parsed only because a checked file imported from
    /// them (this run, or the run a replayed check comes from) and gives
    /// their files the notes lowering them made.
    fn merge_loaded(
        &self,
        project: &Project,
        index: &IndexedFiles,
        cached: Option<&CacheData>,
        run: &mut RunRecord,
        files: &mut [FileOutcome],
        outcome: &mut RunOutcome,
    ) {
        let mut parsed: std::collections::BTreeSet<ModuleId> = project.loaded().map(|(id, _)| id).collect();
        parsed.extend(run.replayed.iter().copied());
        for id in parsed {
            if let Some(index_of_file) = index.file_of_module[id] {
                files[index_of_file].parsed = true;
                outcome.files_parsed += 1;
                outcome.bytes_parsed += index.bytes_of_module[id] as u64;
            }
        }
        for &id in &run.consulted {
            if !project.is_checked(id) {
                run.load_notices[id] = Some(Vec::new());
            }
        }
        let mut notices: Vec<(ModuleId, Notice)> = Vec::new();
        for notice in project.take_notices() {
            if let Some(&id) = index.module_by_path.get(&notice.path) {
                notices.push((id, notice));
            }
        }
        for &id in &run.replayed {
            let earlier = cached.and_then(|c| c.files.get(project.display(id)));
            if run.consulted.contains(&id) || project.is_checked(id) {
                continue;
            }
            if let Some(earlier) = earlier.and_then(|e| e.load_notices.as_ref()) {
                run.load_notices[id] = Some(Vec::new());
                notices.extend(earlier.iter().map(|n| (id, n.clone())));
            }
        }
        for (id, notice) in notices {
            if let Some(list) = run.load_notices[id].as_mut() {
                list.push(notice.clone());
            }
            if let Some(index_of_file) = index.file_of_module[id] {
                files[index_of_file].parsed = true;
                files[index_of_file].notices.push(notice);
            }
        }
    }

    /// The steps after pass 2 that see the whole run: parse failures of
    /// Rust files, counts, and the findings' fingerprints and merging.
    fn finish_run(
        &self,
        discovery: &Discovery,
        mut files: Vec<FileOutcome>,
        bytes_scanned: u64,
        mut outcome: RunOutcome,
        focus: Option<&Focus>,
    ) -> RunOutcome {
        for spans in outcome.secret_spans.values_mut() {
            spans.sort();
            spans.dedup();
        }
        // Rust that does not parse was not checked at all (Python's
        // tolerant parser still checks the rest of the file).
        let rust_files: std::collections::HashSet<String> = discovery
            .files
            .iter()
            .filter(|f| f.language == Language::Rust)
            .map(|f| display_path(&f.path))
            .collect();
        for file in &mut files {
            if rust_files.contains(&file.path) && file.notices.iter().any(|n| n.kind == NoteKind::ParseError) {
                file.unchecked = true;
            }
        }
        outcome.files = files;
        outcome.bytes_scanned = bytes_scanned;
        // Files were placed in parallel: sort before numbering fingerprints
        // and merging, so both are the same whatever the thread count.
        outcome.files.sort_by(|a, b| a.path.cmp(&b.path));
        finish_findings(&mut outcome);
        if let Some(focus) = focus {
            outcome.files.retain(|file| focus.reports(Path::new(&file.path)));
        }
        outcome
    }

    /// Pass 2: each file with a keyword is lowered and checked, and its
    /// module dropped; a module it imports a value from is lowered when
    /// first asked for and kept (see `project.rs`). With a cache, a check
    /// whose inputs are unchanged is replayed instead. With a focus, only
    /// its files are checked, and then every other file whose findings may
    /// be one mistake with theirs (see `merge.rs`: of a class of code theirs
    /// are in), so each finding is merged as in a whole run. Gives each
    /// check with its module.
    fn check_pass(
        &self,
        project: &Project,
        loader: &DiskLoader,
        index: &IndexedFiles,
        cached: Option<&CacheData>,
        focus: Option<&Focus>,
    ) -> Vec<(ModuleId, CheckResult)> {
        let engine = Engine::new(self.rules);
        let check = |&(id, ref active, class): &(ModuleId, Vec<usize>, CodeClass)| {
            let check = || self.check_file(&engine, project, loader, id, active, class);
            let result = match cached {
                None => CheckResult::fresh(check(), None, Vec::new()),
                Some(cached) => self.check_or_replay(cached, project, index, id, check),
            };
            (id, result)
        };
        let Some(focus) = focus else {
            return index.to_check.par_iter().map(check).collect();
        };
        let (named, others): (Vec<_>, Vec<_>) = index
            .to_check
            .iter()
            .partition(|(id, _, _)| focus.reports(project.path(*id)));
        let mut checked: Vec<(ModuleId, CheckResult)> = named.into_par_iter().map(check).collect();
        // Findings are one mistake only within one class of code; a Rust
        // file's `#[cfg(test)]` code is test code whatever its file's class.
        let classes: Vec<CodeClass> = checked
            .iter()
            .flat_map(|(_, c)| &c.checked.outcome.findings)
            .filter(|f| f.cause.is_some())
            .map(|f| f.class)
            .collect();
        let may_share = |(id, _, class): &&(ModuleId, Vec<usize>, CodeClass)| {
            classes.contains(class) || (classes.contains(&CodeClass::Test) && project.language(*id) == Language::Rust)
        };
        let sharing: Vec<_> = others.into_iter().filter(may_share).collect();
        checked.extend(sharing.into_par_iter().map(check).collect::<Vec<_>>());
        checked
    }

    /// Pass 2 for one file with a cache: its cached result when every input
    /// is unchanged, else a check that records what it consulted.
    fn check_or_replay(
        &self,
        cached: &CacheData,
        project: &Project,
        index: &IndexedFiles,
        id: ModuleId,
        check: impl FnOnce() -> Checked,
    ) -> CheckResult {
        let earlier = cached.files.get(project.display(id));
        if let Some(earlier) = earlier
            && let Some((checked, deps)) = self.replay(cached, earlier, project, index, id)
        {
            return CheckResult {
                checked,
                entry: earlier.checked.clone(),
                replayed: Some(deps),
                consulted: Vec::new(),
            };
        }
        let (checked, consulted) = recording_consulted(check);
        let entry = cacheable(&checked, project, index, id, &consulted);
        CheckResult::fresh(checked, entry, consulted)
    }

    /// A cached check, if the file, the index and every module it consulted
    /// are as they were, and the files its findings point into still read
    /// as they did. Gives the check and the modules it consulted.
    fn replay(
        &self,
        cached: &CacheData,
        earlier: &CachedFile,
        project: &Project,
        index: &IndexedFiles,
        id: ModuleId,
    ) -> Option<(Checked, Vec<ModuleId>)> {
        let check = earlier.checked.as_ref()?;
        if earlier.hash != index.hashes[id] || check.index != index.index_hash {
            return None;
        }
        let mut deps = Vec::new();
        for (path, hash) in &check.deps {
            let dep = *index.module_by_path.get(path)?;
            let dep_entry = cached.files.get(path)?;
            // Its lowering notes must be known to be given again.
            let notes_known = project.is_checked(dep) || dep_entry.load_notices.is_some();
            if index.hashes[dep] != *hash || dep_entry.hash != *hash || !notes_known {
                return None;
            }
            deps.push(dep);
        }
        let mut sources = BTreeMap::new();
        for path in &check.sources {
            let at = *index.module_by_path.get(path)?;
            let text = read_source(project.path(at), self.max_file_size, project.language(at)).ok()?;
            if content_hash(text.as_bytes()) != index.hashes[at] {
                return None;
            }
            sources.insert(path.clone(), Arc::new(text));
        }
        let checked = Checked {
            outcome: check.outcome.clone(),
            sources,
            secret_spans: check.secret_spans.clone(),
            bytes_parsed: check.bytes_parsed,
            text_hash: earlier.hash,
        };
        Some((checked, deps))
    }

    /// Pass 1 for one file; a panic inside becomes an `internal-error` notice.
    fn scan(&self, file: &SourcePath, cached: Option<&CacheData>, overlay: &Overlay) -> Scanned {
        let display = display_path(&file.path);
        isolate(|| self.scan_inner(file, &display, cached, overlay))
            .unwrap_or_else(|message| Scanned::Done(failed_outcome(display, &message)))
    }

    fn scan_inner(&self, file: &SourcePath, display: &str, cached: Option<&CacheData>, overlay: &Overlay) -> Scanned {
        let read = match overlay.get(&file.path) {
            Some(text) => Ok(text.as_str().to_string()),
            None => read_source(&file.path, self.max_file_size, file.language),
        };
        let source = match read {
            Ok(source) => source,
            Err(reason) => {
                let mut outcome = skipped_outcome(display.to_string(), reason.0);
                outcome.unchecked = true;
                return Scanned::Done(outcome);
            }
        };
        let hash = cached.map_or(0, |_| content_hash(source.as_bytes()));
        if let Some(entry) = cached.and_then(|c| c.files.get(display)).filter(|e| e.hash == hash) {
            return Scanned::Read {
                facts: entry.facts.clone(),
                quiet: entry.quiet.clone(),
                bytes: source.len(),
                hash,
                cached: true,
            };
        }
        let mut facts = self.facts(file.language, display, &source);
        if let Some(outcome) = self.generated_file(file.language, display, &source) {
            // Not checked, but still in the project: a value imported from
            // it resolves as it would without the marker.
            facts.active.clear();
            facts.completing.clear();
            return Scanned::Read {
                facts,
                quiet: Some(outcome),
                bytes: source.len(),
                hash,
                cached: false,
            };
        }
        let quiet = facts.active.is_empty().then(|| {
            let mut notices = Vec::new();
            // Nothing can be suppressed in a file no rule looked at.
            let suppressions = parse_suppressions(&source, file.language);
            self.suppression_notices(display, &suppressions, &[], &mut notices);
            FileOutcome {
                notices,
                ..FileOutcome::new(display)
            }
        });
        Scanned::Read {
            facts,
            quiet,
            bytes: source.len(),
            hash,
            cached: false,
        }
    }

    /// The outcome of a file its generator marked, unless its settings say
    /// to check generated files: skipped by choice, with a `generated`
    /// notice, and not counted as a file authlint could not check.
    fn generated_file(&self, language: Language, display: &str, source: &str) -> Option<FileOutcome> {
        if self.settings.get(display).check_generated {
            return None;
        }
        let marker = generated_marker(language, source)?;
        Some(FileOutcome {
            notices: vec![Notice {
                kind: NoteKind::Generated,
                path: display.to_string(),
                line: Some(marker.line),
                column: None,
                message: format!(
                    "generated file (`{}` on line {}): not checked; set `check-generated = true` \
                     (or pass --check-generated) to check it",
                    marker.marker, marker.line
                ),
            }],
            skipped: true,
            ..FileOutcome::new(display)
        })
    }

    /// What the first pass keeps of a file's text.
    fn facts(&self, language: Language, display: &str, source: &str) -> FileFacts {
        let RulesOnFile {
            active,
            relevant,
            mut completing,
        } = self.rules_on(language, display, source);
        if active.is_empty() {
            completing.clear();
        }
        // Any Rust file may define the struct a checked file's value is typed
        // with; its names are kept, hashed, for the project's struct index.
        let struct_names = match language {
            Language::Rust => rust_struct_names(source).iter().map(|n| name_hash(n)).collect(),
            Language::Python => Vec::new(),
        };
        let signs = may_sign(language, source);
        let verifies = may_verify(language, source);
        // The functions a caller may follow calls into (see
        // `rules::engine::calls`): only in files that may hold a subject.
        let function_names: Vec<u64> = if relevant.is_empty() {
            Vec::new()
        } else {
            function_names(language, source).iter().map(|n| name_hash(n)).collect()
        };
        FileFacts {
            active,
            relevant,
            completing,
            struct_names,
            function_names,
            signs,
            verifies,
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
        class: CodeClass,
    ) -> Checked {
        let display = project.display(id).to_string();
        let mut result = Checked {
            outcome: FileOutcome {
                parsed: true,
                ..FileOutcome::new(display.clone())
            },
            sources: BTreeMap::new(),
            secret_spans: BTreeMap::new(),
            bytes_parsed: 0,
            text_hash: 0,
        };
        // A module some resolution has lowered already is checked as it is.
        let lowered_here;
        let (module, notices) = match project.lowered_checked(id) {
            Some((module, notices)) => (module, notices.to_vec()),
            None => match loader.load(project.path(id), &display, project.language(id)) {
                Ok((module, notices)) => {
                    lowered_here = module;
                    (&lowered_here, notices)
                }
                Err(Some(notice)) => {
                    result.outcome.notices.push(notice);
                    return result;
                }
                // The first pass read it: it changed or vanished since.
                Err(None) => {
                    let reason = "the file changed or vanished while authlint ran".to_string();
                    result.outcome = skipped_outcome(display, reason);
                    result.outcome.unchecked = true;
                    return result;
                }
            },
        };
        result.bytes_parsed = module.source.len();
        result.text_hash = content_hash(module.source.as_bytes());
        result.outcome.notices = notices;
        let resolver = Resolver::checking(project, id, module);
        self.check_and_place(
            engine,
            &resolver,
            (id, class),
            active,
            &mut result.outcome,
            &mut result.sources,
            &mut result.secret_spans,
        );
        if !result.outcome.findings.is_empty() {
            result.sources.insert(display.clone(), module.source.clone());
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
        (id, class): (ModuleId, CodeClass),
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
            let mut placed = self.place_finding(finding, id, resolver, &mut line_indexes, sources, secret_spans);
            placed.class = class_at(class, &resolver.entry(id).module, placed.primary);
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
        self.rules_on(language, path, source).active
    }

    /// The rules its settings enable that are active on the file, and those
    /// it holds the own keywords of (see `Prefilter::rules`).
    fn rules_on(&self, language: Language, path: &str, source: &str) -> RulesOnFile {
        let settings = self.settings.get(path);
        let enabled = |rule: &usize| settings.enabled.get(*rule).copied().unwrap_or(true);
        let mut rules = self.prefilter.rules(language, source);
        rules.active.retain(enabled);
        rules.relevant.retain(enabled);
        rules.completing.retain(enabled);
        rules
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
            if let Some(severity) = settings.class_severity.get(&finding.class) {
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
        // A code no rule has (a typo, a rule since renamed) silences nothing
        // and never will: always said, with the codes it may have meant.
        let known = |code: &str| self.rules.iter().any(|rule| selects(code, &rule.code));
        for suppression in &suppressions.suppressions {
            for code in suppression.codes.iter().filter(|code| !known(code)) {
                notices.push(Notice {
                    kind: NoteKind::Suppression,
                    path: path.to_string(),
                    line: Some(suppression.comment_line),
                    column: None,
                    message: unknown_code_message(self.rules, code),
                });
            }
        }
        if !self.settings.get(path).report_unused_suppressions {
            return;
        }
        for (index, suppression) in suppressions.suppressions.iter().enumerate() {
            for (which, code) in suppression.codes.iter().enumerate() {
                if !used.contains(&(index, which)) && known(code) {
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
        let cause = merge::cause_of(&raw, rule.secret, module, resolver);
        let call = entry
            .module
            .calls
            .iter()
            .filter(|c| c.span.start <= raw.primary.start && raw.primary.end <= c.span.end)
            .min_by_key(|c| c.span.len())
            .map(|c| c.span);
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
                    rule: None,
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
            help: rule.help_for(entry.language).to_string(),
            primary: raw.primary,
            label: raw.label,
            related,
            class: CodeClass::App,
            fingerprint: String::new(),
            cause,
            call,
            fix: None,
        }
    }

    /// Moves the findings in code that does not ship (tests, examples,
    /// benches, docs) out of each file's findings into `not_shown`, unless
    /// the file's settings include that class (`--include-tests`,
    /// `include = [...]`). They are counted in the summary; they are never
    /// shown and never fail the run.
    pub fn set_aside_not_shipped(&self, outcome: &mut RunOutcome) {
        for file in &mut outcome.files {
            self.set_aside_in_file(file);
        }
    }

    /// [`Linter::set_aside_not_shipped`] for one file (an editor's buffer).
    pub fn set_aside_in_file(&self, file: &mut FileOutcome) {
        let settings = self.settings.get(&file.path);
        let (shown, set_aside): (Vec<Finding>, Vec<Finding>) = std::mem::take(&mut file.findings)
            .into_iter()
            .partition(|f| f.class == CodeClass::App || settings.include.contains(&f.class));
        file.findings = shown;
        file.not_shown.extend(set_aside);
    }

    /// Lints text that did not come from disk (`--stdin-filename`, tests,
    /// fuzzing): a project of one file. Runs on its own thread with the
    /// workers' stack size, so it is as safe on deep input as [`Linter::run`]
    /// whatever the caller's stack; a panic inside becomes an
    /// `internal-error` notice, as in a run. The text is application code
    /// (see [`Linter::lint_text_as`]).
    pub fn lint_text(&self, language: Language, path: &str, source: String) -> (FileOutcome, RunOutcome) {
        self.lint_text_as(language, path, source, CodeClass::App)
    }

    /// [`Linter::lint_text`] for text of a known class (an editor's buffer
    /// of a test file). Every class is reported; the caller may set
    /// findings aside with [`Linter::set_aside_not_shipped`].
    pub fn lint_text_as(
        &self,
        language: Language,
        path: &str,
        source: String,
        class: CodeClass,
    ) -> (FileOutcome, RunOutcome) {
        std::thread::scope(|scope| {
            let worker = std::thread::Builder::new()
                .name("authlint-worker".into())
                .stack_size(WORKER_STACK_SIZE)
                .spawn_scoped(scope, || self.lint_text_here(language, path, source, class));
            match worker {
                Ok(handle) => handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                Err(error) => internal_failure(
                    path,
                    format!("authlint could not start a worker thread ({error}); the text was not checked"),
                ),
            }
        })
    }

    fn lint_text_here(
        &self,
        language: Language,
        path: &str,
        source: String,
        class: CodeClass,
    ) -> (FileOutcome, RunOutcome) {
        let active = self.active_rules(language, path, &source);
        let mut outcome = RunOutcome::empty();
        outcome.files_scanned = 1;
        outcome.bytes_scanned = source.len() as u64;
        if let Some(file) = self.generated_file(language, path, &source) {
            outcome.files_scanned = 0;
            outcome.files_skipped = 1;
            return (file, outcome);
        }
        let mut file = FileOutcome::new(path);
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
            (0, class),
            &active,
            &mut file,
            &mut outcome.sources,
            &mut outcome.secret_spans,
        );
        if language == Language::Rust && file.notices.iter().any(|n| n.kind == NoteKind::ParseError) {
            file.unchecked = true;
        }
        outcome
            .sources
            .insert(path.to_string(), resolver.entry(0).source.clone());
        // Fingerprints and merging, as in a run, on a run of this one file.
        outcome.files = vec![file];
        finish_findings(&mut outcome);
        let file = outcome.files.pop().expect("the file was just put there");
        (file, outcome)
    }
}

/// What pass 1 made of the files: the project index's input, the outcomes
/// already known, and what the cache needs.
struct IndexedFiles {
    names: Vec<Vec<String>>,
    disk: Vec<DiskModule>,
    files: Vec<FileOutcome>,
    /// For a module no rule checks, where its outcome is in `files`.
    file_of_module: Vec<Option<usize>>,
    to_check: Vec<(ModuleId, Vec<usize>, CodeClass)>,
    bytes_scanned: u64,
    bytes_of_module: Vec<usize>,
    module_by_path: HashMap<String, ModuleId>,
    /// With a cache: each module's text hash, facts and quiet outcome, the
    /// hash of the whole index, and whether any file was scanned afresh.
    hashes: Vec<u64>,
    facts: Vec<FileFacts>,
    quiet: Vec<Option<FileOutcome>>,
    index_hash: u64,
    changed: bool,
}

/// Builds the project index's input from pass 1, from paths: nothing is
/// parsed for it.
fn index_files(discovery: &Discovery, roots: &[PathBuf], scanned: Vec<Scanned>, caching: bool) -> IndexedFiles {
    let mut namer = ModuleNamer::new(roots);
    let mut index = IndexedFiles {
        names: Vec::new(),
        disk: Vec::new(),
        files: Vec::new(),
        file_of_module: Vec::new(),
        to_check: Vec::new(),
        bytes_scanned: 0,
        bytes_of_module: Vec::new(),
        module_by_path: HashMap::new(),
        hashes: Vec::new(),
        facts: Vec::new(),
        quiet: Vec::new(),
        index_hash: 0,
        changed: false,
    };
    for (file, scan) in discovery.files.iter().zip(scanned) {
        let Scanned::Read {
            facts,
            quiet,
            bytes,
            hash,
            cached,
        } = scan
        else {
            let Scanned::Done(outcome) = scan else { unreachable!() };
            index.files.push(outcome);
            continue;
        };
        let id = index.disk.len();
        match quiet {
            Some(outcome) => {
                index.file_of_module.push(Some(index.files.len()));
                if caching {
                    index.quiet.push(Some(outcome.clone()));
                }
                index.files.push(outcome);
            }
            None => {
                index.file_of_module.push(None);
                index.to_check.push((id, facts.active.clone(), file.class));
                if caching {
                    index.quiet.push(None);
                }
            }
        }
        index.bytes_scanned += bytes as u64;
        index.bytes_of_module.push(bytes);
        index
            .names
            .push(project_index::module_names(&mut namer, &file.path, file.language));
        index.disk.push(facts.disk_module(&file.path, file.language));
        index.module_by_path.insert(display_path(&file.path), id);
        index.changed |= !cached;
        if caching {
            index.hashes.push(hash);
            index.facts.push(facts);
        }
    }
    if caching {
        // What a check may see of the files it does not consult: their
        // paths, names and facts (which functions and structs exist).
        let seen: Vec<(&Path, Language, &FileFacts, &Vec<String>)> = index
            .disk
            .iter()
            .zip(&index.facts)
            .zip(&index.names)
            .map(|((disk, facts), names)| (disk.path.as_path(), disk.language, facts, names))
            .collect();
        index.index_hash = debug_hash(&seen);
    }
    index
}

/// What pass 2 gave for one file.
struct CheckResult {
    checked: Checked,
    /// What the cache keeps of it (`None`: not cacheable, or no cache).
    entry: Option<CachedCheck>,
    /// Replayed from the cache: the modules the cached check consulted.
    replayed: Option<Vec<ModuleId>>,
    /// Checked now: the modules it consulted.
    consulted: Vec<ModuleId>,
}

impl CheckResult {
    fn fresh(checked: Checked, entry: Option<CachedCheck>, consulted: Vec<ModuleId>) -> Self {
        CheckResult {
            checked,
            entry,
            replayed: None,
            consulted,
        }
    }
}

/// What the run learnt for the cache besides pass 1.
struct RunRecord {
    entries: Vec<Option<CachedCheck>>,
    replayed: std::collections::BTreeSet<ModuleId>,
    consulted: std::collections::BTreeSet<ModuleId>,
    load_notices: Vec<Option<Vec<Notice>>>,
    fresh: bool,
}

impl RunRecord {
    fn new(modules: usize) -> Self {
        RunRecord {
            entries: vec![None; modules],
            replayed: Default::default(),
            consulted: Default::default(),
            load_notices: vec![None; modules],
            fresh: false,
        }
    }
}

/// The cache entry of a check just made, unless it cannot be replayed
/// faithfully: authlint failed on the file, or a file it read changed
/// between the two passes (its hash is pass 1's).
fn cacheable(
    checked: &Checked,
    project: &Project,
    index: &IndexedFiles,
    id: ModuleId,
    consulted: &[ModuleId],
) -> Option<CachedCheck> {
    let outcome = &checked.outcome;
    let failed = outcome.skipped || outcome.notices.iter().any(|n| n.kind == NoteKind::InternalError);
    if failed || checked.text_hash != index.hashes[id] {
        return None;
    }
    let mut deps = Vec::new();
    for &dep in consulted.iter().filter(|&&dep| dep != id) {
        let module = project.load(dep)?;
        if content_hash(module.source.as_bytes()) != index.hashes[dep] {
            return None;
        }
        deps.push((project.display(dep).to_string(), index.hashes[dep]));
    }
    Some(CachedCheck {
        index: index.index_hash,
        deps,
        outcome: outcome.clone(),
        bytes_parsed: checked.bytes_parsed,
        sources: checked.sources.keys().cloned().collect(),
        secret_spans: checked.secret_spans.clone(),
    })
}

/// The cache after this run: every file read, under its hash.
fn cache_data(
    project: &Project,
    index: &mut IndexedFiles,
    cached: Option<&CacheData>,
    run: &mut RunRecord,
) -> CacheData {
    let mut data = CacheData::default();
    for id in 0..index.hashes.len() {
        let display = project.display(id).to_string();
        let hash = index.hashes[id];
        // Lowering notes depend on the text alone: known ones are kept.
        let load_notices = run.load_notices[id].take().or_else(|| {
            cached
                .and_then(|c| c.files.get(&display))
                .filter(|e| e.hash == hash)
                .and_then(|e| e.load_notices.clone())
        });
        let entry = CachedFile {
            hash,
            facts: std::mem::take(&mut index.facts[id]),
            quiet: index.quiet[id].take(),
            checked: run.entries[id].take(),
            load_notices,
        };
        data.files.insert(display, entry);
    }
    data
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
    /// The hash of the text checked (0 when it could not be read).
    text_hash: u64,
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

    fn text(&self, path: &Path, language: Language) -> Option<String> {
        match self.overlay.get(path) {
            Some(text) => Some(text.as_str().to_string()),
            None => read_source(path, self.max_file_size, language).ok(),
        }
    }
}

impl ModuleLoader for DiskLoader {
    fn load(&self, path: &Path, display: &str, language: Language) -> LoadResult {
        let source = self.text(path, language).ok_or(None)?;
        isolate(|| {
            injected_panic(Stage::Lower, display, &[]);
            lower_file(language, display, source)
        })
        .map_err(|message| Some(lowering_failed(display.to_string(), &message)))
    }
}

/// What a suppression naming an unknown rule code is told.
fn unknown_code_message(rules: &[Rule], code: &str) -> String {
    let nearest = crate::rules::docs::nearest_codes(rules, code);
    let hint = match nearest.as_slice() {
        [] => "run `authlint rules` to list the rules".to_string(),
        codes => format!("did you mean {}?", codes.join(", ")),
    };
    format!("unknown rule code `{code}` in a suppression: it silences nothing; {hint}")
}

/// A file whose first pass failed: no rule ran on it.
fn failed_outcome(path: String, panic: &str) -> FileOutcome {
    FileOutcome {
        notices: vec![lowering_failed(path.clone(), panic)],
        parsed: true,
        ..FileOutcome::new(path)
    }
}

/// The steps after every finding is placed: fingerprints (on the findings
/// as placed, so merging and setting aside never change one), then one
/// finding per mistake.
fn finish_findings(outcome: &mut RunOutcome) {
    let prints: Vec<Vec<String>> = outcome
        .files
        .iter()
        .map(|file| file_fingerprints(outcome, file))
        .collect();
    for (file, prints) in outcome.files.iter_mut().zip(prints) {
        for (finding, print) in file.findings.iter_mut().zip(prints) {
            finding.fingerprint = print;
        }
    }
    merge::one_finding_per_mistake(outcome);
}

/// The class of the code at `span`: the file's, or `test` inside a region
/// the code itself marks as test-only (Rust `#[cfg(test)]`, `#[test]`).
fn class_at(file_class: CodeClass, module: &Module, span: Span) -> CodeClass {
    if module.test_regions.iter().any(|region| region.contains(span.start)) {
        CodeClass::Test
    } else {
        file_class
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

/// The outcome of a file authlint failed on: one `internal-error` notice,
/// counted so the run's exit code says authlint itself failed.
fn internal_failure(path: &str, message: String) -> (FileOutcome, RunOutcome) {
    let file = FileOutcome {
        notices: vec![internal_error_notice(path, message)],
        ..FileOutcome::new(path)
    };
    let mut outcome = RunOutcome::empty();
    outcome.internal_errors = 1;
    (file, outcome)
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
                ..FileOutcome::new(path)
            }
        })
        .collect();
    outcome
}

fn skipped_outcome(path: String, reason: String) -> FileOutcome {
    FileOutcome {
        notices: vec![Notice {
            kind: NoteKind::Skipped,
            path: path.clone(),
            line: None,
            column: None,
            message: reason,
        }],
        skipped: true,
        ..FileOutcome::new(path)
    }
}

fn display_path(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}
