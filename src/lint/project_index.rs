//! A run's project index kept between checks, for callers that check one
//! file at a time in its project (the editor server, fixes being tried):
//! pass 1 over every file of a tree once, then any number of single-file
//! checks against it, with some files' text taken from an [`Overlay`]
//! (unsaved buffers) instead of the disk.
//!
//! A single-file check gives the findings a whole run gives that file: the
//! same index, the same loader seam (`ModuleLoader`), the same checker. A
//! file without keywords is checked for the calls it makes into the
//! project's functions, as pass 3 of a run would.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{Checked, DiskLoader, FileFacts, Linter, Overlay, display_path, internal_failure};
use crate::analysis::module_names::{ModuleNamer, rust_module_path};
use crate::analysis::project::{DiskModule, ModuleId, Project};
use crate::frontend::classify::{classify, classify_named_file};
use crate::frontend::discover::Discovery;
use crate::frontend::project_root::{ProjectRoots, relative_below};
use crate::frontend::source::read_source;
use crate::isolate::{WORKER_STACK_SIZE, isolate};
use crate::model::{CodeClass, Language};
use crate::report::outcome::{FileOutcome, RunOutcome};
use crate::rules::engine::Engine;

/// One file of the index, as pass 1 left it.
#[derive(Clone, Debug)]
pub struct IndexedFile {
    pub path: PathBuf,
    pub language: Language,
    /// What the file is for, by its path below the index's root.
    pub class: CodeClass,
    facts: FileFacts,
    /// The dotted names it may be imported by.
    names: Vec<String>,
}

impl IndexedFile {
    /// A rule's keyword occurs in its code.
    pub fn checked(&self) -> bool {
        !self.facts.active.is_empty()
    }
}

/// Every file of a tree after pass 1: what the project index is built from.
#[derive(Clone, Debug, Default)]
pub struct ProjectIndex {
    roots: Vec<PathBuf>,
    files: Vec<IndexedFile>,
    by_path: HashMap<PathBuf, usize>,
}

impl ProjectIndex {
    pub fn files(&self) -> &[IndexedFile] {
        &self.files
    }

    pub fn contains(&self, path: &Path) -> bool {
        self.by_path.contains_key(path)
    }

    /// Forgets a file (deleted, or no longer to be linted).
    pub fn remove(&mut self, path: &Path) {
        if let Some(index) = self.by_path.remove(path) {
            self.files.remove(index);
            self.reindex();
        }
    }

    /// The class of a file by its path below a root of the index, as a run
    /// over the root gives it; else as a file named on the command line.
    fn class_of(&self, path: &Path) -> CodeClass {
        self.roots
            .iter()
            .find_map(|root| relative_below(path, root))
            .map(|below| classify(&below))
            .unwrap_or_else(|| classify_named_file(path, &mut ProjectRoots::default()))
    }

    fn reindex(&mut self) {
        self.by_path = self
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.path.clone(), i))
            .collect();
    }
}

impl Linter<'_> {
    /// Pass 1 of a run over `discovery`, kept: the index single-file checks
    /// are made against. `roots` name modules as in [`Linter::run`].
    pub fn index_project(&self, discovery: &Discovery, roots: &[PathBuf]) -> ProjectIndex {
        let scanned: Vec<Option<FileFacts>> = discovery
            .files
            .par_iter()
            .map(|file| {
                let source = read_source(&file.path, self.max_file_size, file.language).ok()?;
                Some(self.facts(file.language, &display_path(&file.path), &source))
            })
            .collect();
        let mut namer = ModuleNamer::new(roots);
        let mut index = ProjectIndex {
            roots: roots.to_vec(),
            ..ProjectIndex::default()
        };
        for (file, facts) in discovery.files.iter().zip(scanned) {
            let Some(facts) = facts else { continue };
            let names = module_names(&mut namer, &file.path, file.language);
            index.files.push(IndexedFile {
                path: file.path.clone(),
                language: file.language,
                class: file.class,
                facts,
                names,
            });
        }
        index.reindex();
        index
    }

    /// Scans a file again (changed on disk, or a new file) and records it.
    pub fn reindex_file(&self, index: &mut ProjectIndex, path: &Path, language: Language, text: &str) {
        let names = module_names(&mut ModuleNamer::new(&index.roots), path, language);
        let file = IndexedFile {
            path: path.to_path_buf(),
            language,
            class: index.class_of(path),
            facts: self.facts(language, &display_path(path), text),
            names,
        };
        match index.by_path.get(path) {
            Some(&at) => index.files[at] = file,
            None => {
                index.by_path.insert(path.to_path_buf(), index.files.len());
                index.files.push(file);
            }
        }
    }

    /// The project of `index`, its modules read from `overlay` where it has
    /// them and from disk otherwise, and the id of `file` in it; a file the
    /// index does not hold (a new, unsaved buffer) is added last.
    pub fn project_of(
        &self,
        index: &ProjectIndex,
        overlay: &Overlay,
        file: Option<(&Path, Language)>,
    ) -> (Project, Option<ModuleId>) {
        let mut names: Vec<Vec<String>> = Vec::with_capacity(index.files.len() + 1);
        let mut disk: Vec<DiskModule> = Vec::with_capacity(index.files.len() + 1);
        let mut add = |file: &IndexedFile| {
            // A buffer's keywords, structs and functions are its own, not the disk's.
            let module = match overlay.get(&file.path) {
                Some(text) => self
                    .facts(file.language, &display_path(&file.path), text)
                    .disk_module(&file.path, file.language),
                None => file.facts.disk_module(&file.path, file.language),
            };
            names.push(file.names.clone());
            disk.push(module);
        };
        index.files.iter().for_each(&mut add);
        if let Some((path, language)) = file.filter(|(path, _)| !index.contains(path)) {
            let names = module_names(&mut ModuleNamer::new(&index.roots), path, language);
            // A new buffer's facts come from the overlay (above) when it has
            // its text; else it is known by its path alone.
            add(&IndexedFile {
                path: path.to_path_buf(),
                language,
                class: index.class_of(path),
                facts: FileFacts::default(),
                names,
            });
        }
        let loader = DiskLoader::new(self.max_file_size, overlay.clone());
        // The index's order is kept, and a new file comes last.
        let id = file.map(|(path, _)| index.by_path.get(path).copied().unwrap_or(index.files.len()));
        (Project::on_disk(disk, &names, Box::new(loader)), id)
    }

    /// Checks one file in its project, as a run over the index's tree would,
    /// its text (and any other file's) taken from `overlay` when there. Runs
    /// on a thread with the workers' stack; a panic becomes an
    /// `internal-error` notice for this file.
    pub fn check_in_project(
        &self,
        index: &ProjectIndex,
        overlay: &Overlay,
        path: &Path,
        language: Language,
    ) -> (FileOutcome, RunOutcome) {
        let display = display_path(path);
        let result = std::thread::scope(|scope| {
            std::thread::Builder::new()
                .name("authlint-worker".into())
                .stack_size(WORKER_STACK_SIZE)
                .spawn_scoped(scope, || {
                    isolate(|| self.check_in_project_here(index, overlay, path, language))
                })
                .map_err(|error| format!("cannot start a worker thread: {error}"))
                .and_then(|handle| handle.join().unwrap_or_else(|_| Err("the worker thread failed".into())))
        });
        result.unwrap_or_else(|message| {
            internal_failure(
                &display,
                format!("authlint failed while checking this file in its project ({message}); please report this"),
            )
        })
    }

    fn check_in_project_here(
        &self,
        index: &ProjectIndex,
        overlay: &Overlay,
        path: &Path,
        language: Language,
    ) -> (FileOutcome, RunOutcome) {
        let display = display_path(path);
        let (project, id) = self.project_of(index, overlay, Some((path, language)));
        let id = id.expect("a file was named");
        let loader = DiskLoader::new(self.max_file_size, overlay.clone());
        let mut outcome = RunOutcome::empty();
        let Some(source) = loader.text(path, language) else {
            let file = super::skipped_outcome(display, "the file cannot be read".to_string());
            return (file, outcome);
        };
        if let Some(file) = self.generated_file(language, &display, &source) {
            outcome.files_skipped = 1;
            return (file, outcome);
        }
        let active = self.active_rules(language, &display, &source);
        let class = index
            .by_path
            .get(path)
            .map_or_else(|| index.class_of(path), |&at| index.files[at].class);
        let engine = Engine::new(self.rules);
        let checked: Checked = self.check_file(&engine, &project, &loader, id, &active, class);
        let mut file = outcome.absorb(checked);
        for notice in project.take_notices() {
            if notice.path == file.path {
                file.notices.push(notice);
            }
        }
        // Fingerprinted and merged as a run does, so the file gets the
        // findings a run gives it (a mistake whose other places are in
        // other files is the exception: only this file is checked).
        outcome.files.push(file);
        super::finish_findings(&mut outcome);
        let file = outcome.files.pop().expect("the file was just pushed");
        for spans in outcome.secret_spans.values_mut() {
            spans.sort();
            spans.dedup();
        }
        outcome.files_scanned = 1;
        outcome.bytes_scanned = source.len() as u64;
        outcome.internal_errors = file
            .notices
            .iter()
            .filter(|n| n.kind == crate::model::NoteKind::InternalError)
            .count();
        (file, outcome)
    }
}

/// The dotted names a file may be imported by.
pub(super) fn module_names(namer: &mut ModuleNamer, path: &Path, language: Language) -> Vec<String> {
    match language {
        Language::Python => namer.names(path).0,
        Language::Rust => rust_module_path(path).into_iter().collect(),
    }
}
