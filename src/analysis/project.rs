//! The project index: every module of a run, addressable by the dotted
//! names Python code imports it by (and Rust code by `crate::` path), so a
//! value can be followed from `from app.core.config import SECRET_KEY` to the
//! literal in `config.py`.
//!
//! Module names come from the file's place in the tree: its `__init__.py`
//! package chain, its path below each directory given on the command line,
//! and its path below a `src/` directory. A name that maps to two files is
//! ambiguous and dropped: resolution never guesses.
//!
//! The index is built from paths alone, before anything is parsed, and a
//! module is lowered the first time a resolution asks for it, then kept for
//! the rest of the run. The index never reads a file itself: the run hands
//! it a [`ModuleLoader`], so the analysis does not depend on the run (and
//! an editor can lower a module from an unsaved buffer instead of the disk). The files the rules check are lowered by their
//! checker and dropped after it: what stays in memory is what other modules
//! import values from, not the whole tree.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::analysis::index::ModuleIndex;
use crate::analysis::provenance::signing::SigningIndex;
use crate::analysis::sites::consistency::VerifyIndex;
use crate::model::Notice;
use crate::model::{Language, Module};

pub type ModuleId = usize;

pub struct ProjectModule {
    /// The path as reported (relative if given relative).
    pub path: String,
    pub language: Language,
    pub module: Module,
    pub source: Arc<String>,
    /// The module's own package, for relative imports (`a.b` for `a/b/c.py`).
    pub package: Option<String>,
    /// Lookup tables over `module`, for resolution.
    pub index: ModuleIndex,
}

impl ProjectModule {
    pub fn new(path: String, language: Language, module: Module, source: Arc<String>, package: Option<String>) -> Self {
        let index = ModuleIndex::new(&module);
        ProjectModule {
            path,
            language,
            module,
            source,
            package,
            index,
        }
    }
}

/// Reads and lowers a module the first time resolution asks for it.
pub trait ModuleLoader: Send + Sync {
    /// The lowered module and its lowering notices. `Err(None)`: it cannot
    /// be read (the run reported why, or it changed since); `Err(Some(_))`:
    /// lowering failed, and the notice says so.
    fn load(&self, path: &Path, display: &str, language: Language) -> LoadResult;
}

pub type LoadResult = Result<(ProjectModule, Vec<Notice>), Option<Notice>>;

/// A file of the run, as the index knows it before it is parsed.
pub struct DiskModule {
    pub path: PathBuf,
    /// The path as reported.
    pub display: String,
    pub language: Language,
    /// Passed the keyword prefilter: the rules check it. Re-exports are
    /// followed through these only (see `Resolver::canonical_import`).
    pub checked: bool,
    /// Rust: the names after `struct` in its code (see [`name_hash`]),
    /// candidates for a type a value is known by.
    pub struct_names: Vec<u64>,
    /// Its code may sign a token (see `provenance::signing::may_sign`).
    pub signs: bool,
    /// Its code may verify a token (see `sites::consistency::may_verify`).
    pub verifies: bool,
    /// The functions it may define (see [`name_hash`]), for a checked
    /// module: calls are followed into these (see `calls.rs`).
    pub function_names: Vec<u64>,
    /// The rules whose own keywords it holds (`keywords-also` aside): a
    /// subject of these may be in it (see `Prefilter::rules`).
    pub relevant: Vec<usize>,
    /// The rules whose `keywords-also` it holds: calls from it are
    /// followed into modules relevant to those (see `Project::may_follow`).
    pub completing: Vec<usize>,
}

struct Entry {
    display: String,
    path: PathBuf,
    language: Language,
    checked: bool,
    signs: bool,
    verifies: bool,
    /// The rules a subject of which it may hold; `None` when not known.
    relevant: Option<Vec<usize>>,
    completing: Vec<usize>,
    /// The lowered module, once asked for; `None` when it cannot be read or lowered.
    slot: OnceLock<Option<Box<ProjectModule>>>,
    /// A checked module's lowering notes, kept with it in `slot` for its
    /// checker, which reports them.
    own_notices: OnceLock<Vec<Notice>>,
}

thread_local! {
    /// The modules asked for on this thread while [`recording_consulted`]
    /// runs (a check runs on one thread from start to end).
    static CONSULTED: std::cell::RefCell<Option<Vec<ModuleId>>> = const { std::cell::RefCell::new(None) };
}

/// Runs `check` and returns, with its result, every module it asked the
/// project for (lowered then or before): what its result depends on besides
/// its own text and the index (the run's cache keys a check on them).
pub fn recording_consulted<R>(check: impl FnOnce() -> R) -> (R, Vec<ModuleId>) {
    let outer = CONSULTED.with(|c| c.replace(Some(Vec::new())));
    let result = check();
    let mut consulted = CONSULTED.with(|c| c.replace(outer)).unwrap_or_default();
    consulted.sort_unstable();
    consulted.dedup();
    (result, consulted)
}

fn note_consulted(ids: impl IntoIterator<Item = ModuleId>) {
    CONSULTED.with(|c| {
        if let Some(consulted) = c.borrow_mut().as_mut() {
            consulted.extend(ids);
        }
    });
}

pub struct Project {
    entries: Vec<Entry>,
    by_name: HashMap<String, ModuleId>,
    /// Rust struct names (hashed), with the modules that may define one so
    /// named: a collision only costs a look at one more module.
    structs: HashMap<u64, Vec<ModuleId>>,
    /// The names of the functions checked modules may define (hashed).
    functions: HashSet<u64>,
    /// Lowers a module on first use; `None` for a project built from
    /// modules already lowered.
    loader: Option<Box<dyn ModuleLoader>>,
    /// Notes from lowering modules that are parsed only because imported.
    notices: Mutex<Vec<Notice>>,
    /// What the project signs, built the first time a rule asks.
    signing: OnceLock<SigningIndex>,
    /// The project's verify sites, built the first time a rule asks.
    verify: OnceLock<VerifyIndex>,
}

impl Project {
    /// An index over files on disk, none parsed yet. `names` gives, for each
    /// file, the dotted names it may be imported by.
    pub fn on_disk(files: Vec<DiskModule>, names: &[Vec<String>], loader: Box<dyn ModuleLoader>) -> Self {
        let mut structs: HashMap<u64, Vec<ModuleId>> = HashMap::new();
        let mut functions = HashSet::new();
        let entries = files
            .into_iter()
            .enumerate()
            .map(|(id, file)| {
                for name in file.struct_names {
                    add_owner(structs.entry(name).or_default(), id);
                }
                functions.extend(file.function_names);
                Entry {
                    display: file.display,
                    path: file.path,
                    language: file.language,
                    checked: file.checked,
                    signs: file.signs,
                    verifies: file.verifies,
                    relevant: Some(file.relevant),
                    completing: file.completing,
                    slot: OnceLock::new(),
                    own_notices: OnceLock::new(),
                }
            })
            .collect();
        Project {
            entries,
            by_name: unambiguous_names(names),
            structs,
            functions,
            loader: Some(loader),
            notices: Mutex::new(Vec::new()),
            signing: OnceLock::new(),
            verify: OnceLock::new(),
        }
    }

    /// An index over modules already lowered (standard input, tests).
    pub fn new(modules: Vec<ProjectModule>, names: &[Vec<String>]) -> Self {
        let mut structs: HashMap<u64, Vec<ModuleId>> = HashMap::new();
        let mut functions = HashSet::new();
        let entries = modules
            .into_iter()
            .enumerate()
            .map(|(id, module)| {
                for def in &module.module.structs {
                    add_owner(structs.entry(name_hash(&def.name)).or_default(), id);
                }
                functions.extend(module.module.functions.iter().map(|f| name_hash(&f.name)));
                Entry {
                    display: module.path.clone(),
                    path: PathBuf::from(&module.path),
                    language: module.language,
                    checked: true,
                    signs: true,
                    verifies: true,
                    relevant: None,
                    completing: Vec::new(),
                    slot: OnceLock::from(Some(Box::new(module))),
                    own_notices: OnceLock::new(),
                }
            })
            .collect();
        Project {
            entries,
            by_name: unambiguous_names(names),
            structs,
            functions,
            loader: None,
            notices: Mutex::new(Vec::new()),
            signing: OnceLock::new(),
            verify: OnceLock::new(),
        }
    }

    /// A project containing one module only (stdin, tests).
    pub fn single(module: ProjectModule) -> Self {
        Self::new(vec![module], &[Vec::new()])
    }

    pub fn module_named(&self, name: &str) -> Option<ModuleId> {
        self.by_name.get(name).copied()
    }

    /// The module, lowered on first use; `None` when it cannot be read or
    /// lowered (its own run reports why).
    pub fn load(&self, id: ModuleId) -> Option<&ProjectModule> {
        let entry = self.entries.get(id)?;
        note_consulted([id]);
        entry
            .slot
            .get_or_init(|| {
                let Some(loader) = &self.loader else {
                    return None; // every module of such a project is already lowered
                };
                let (module, notices) = match loader.load(&entry.path, &entry.display, entry.language) {
                    Ok((module, notices)) => (Some(Box::new(module)), notices),
                    Err(notice) => (None, notice.into_iter().collect()),
                };
                // A checked file's checker reports its notes.
                if entry.checked {
                    let _ = entry.own_notices.set(notices);
                } else {
                    self.notices.lock().unwrap_or_else(|e| e.into_inner()).extend(notices);
                }
                module
            })
            .as_deref()
    }

    /// A checked module some resolution has lowered already, with its
    /// lowering notes: its checker uses it rather than lower it again.
    pub fn lowered_checked(&self, id: ModuleId) -> Option<(&ProjectModule, &[Notice])> {
        let entry = self.entries.get(id).filter(|e| e.checked)?;
        let module = entry.slot.get()?.as_deref()?;
        Some((module, entry.own_notices.get().map_or(&[], Vec::as_slice)))
    }

    /// The path a module is reported under, without parsing it.
    pub fn display(&self, id: ModuleId) -> &str {
        &self.entries[id].display
    }

    /// The path on disk.
    pub fn path(&self, id: ModuleId) -> &Path {
        &self.entries[id].path
    }

    pub fn language(&self, id: ModuleId) -> Language {
        self.entries[id].language
    }

    pub fn is_checked(&self, id: ModuleId) -> bool {
        self.entries[id].checked
    }

    /// The modules whose code may sign a token, in id order.
    pub fn signing_candidates(&self) -> impl Iterator<Item = ModuleId> + '_ {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.signs)
            .map(|(id, _)| id)
    }

    /// The project's signing index, built by `build` the first time.
    pub fn signing_index(&self, build: impl FnOnce() -> SigningIndex) -> &SigningIndex {
        // Built once for every check: each check that reads it depends on
        // every module that may sign, whether it built it or not.
        note_consulted(self.signing_candidates());
        self.signing.get_or_init(build)
    }

    /// The modules that passed the keyword prefilter, in id order.
    pub fn checked_modules(&self) -> impl Iterator<Item = ModuleId> + '_ {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.checked)
            .map(|(id, _)| id)
    }

    /// The checked modules whose code may verify a token, in id order.
    pub fn verify_candidates(&self) -> impl Iterator<Item = ModuleId> + '_ {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.checked && e.verifies)
            .map(|(id, _)| id)
    }

    /// The project's verify index, built by `build` the first time.
    pub fn verify_index(&self, build: impl FnOnce() -> VerifyIndex) -> &VerifyIndex {
        // As the signing index: every check that reads it depends on every
        // module it was built from.
        note_consulted(self.verify_candidates());
        self.verify.get_or_init(build)
    }

    /// Runs `read` over each of `ids`, lowered, on as many threads as the
    /// run has, and gives the results in id order (a module that cannot be
    /// read or lowered gives none). A module already lowered is read where
    /// it is; a checked one is lowered for `read` and dropped after it: an
    /// index over the whole project must not keep the whole project in
    /// memory, and the files the rules check are lowered by their checkers
    /// anyway. Any other is lowered and kept, as resolution would, so its
    /// notes are reported and it counts as parsed.
    ///
    /// Plain threads, not the run's pool: an index is built inside a
    /// `OnceLock` the pool's other threads may be blocked on, unable to help.
    pub fn read_each<T: Send>(
        &self,
        ids: &[ModuleId],
        read: impl Fn(ModuleId, &ProjectModule) -> T + Sync,
    ) -> Vec<(ModuleId, T)> {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let worker = || {
            let mut out = Vec::new();
            while let Some(&id) = ids.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
                if let Some(Some(module)) = self.entries[id].slot.get() {
                    out.push((id, read(id, module)));
                } else if !self.entries[id].checked {
                    if let Some(module) = self.load(id) {
                        out.push((id, read(id, module)));
                    }
                } else if let Some(module) = self.lower_apart(id) {
                    out.push((id, read(id, &module)));
                }
            }
            out
        };
        let threads = rayon::current_num_threads().clamp(1, ids.len().max(1));
        let mut results: Vec<(ModuleId, T)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    std::thread::Builder::new()
                        .stack_size(crate::isolate::WORKER_STACK_SIZE)
                        .spawn_scoped(scope, worker)
                })
                .collect();
            let mut results = Vec::new();
            for handle in handles {
                match handle {
                    Ok(handle) => match handle.join() {
                        Ok(part) => results.extend(part),
                        // The caller's isolation reports it, as any panic of a check.
                        Err(panic) => std::panic::resume_unwind(panic),
                    },
                    // No thread to be had: this one does the work.
                    Err(_) => results.extend(worker()),
                }
            }
            results
        });
        results.sort_unstable_by_key(|(id, _)| *id);
        results
    }

    /// A checked module lowered for one use and not kept; its notes are its
    /// checker's to report.
    fn lower_apart(&self, id: ModuleId) -> Option<ProjectModule> {
        let entry = &self.entries[id];
        let loader = self.loader.as_ref()?;
        loader
            .load(&entry.path, &entry.display, entry.language)
            .ok()
            .map(|(module, _)| module)
    }

    /// The rules a subject of which a module may hold (by its keywords,
    /// `keywords-also` aside); `None` when not known (modules given already
    /// lowered: any rule).
    pub fn relevant_rules(&self, id: ModuleId) -> Option<&[usize]> {
        self.entries.get(id)?.relevant.as_deref()
    }

    /// Whether a call from `caller` is followed into `callee`: it is
    /// checked, or may hold a subject of a rule whose `keywords-also` the
    /// caller holds (`env_or("JWT_SECRET", "dev")` calling a helper that
    /// reads the environment). A module no rule's keyword is in is never
    /// parsed to follow a call.
    pub fn may_follow(&self, caller: ModuleId, callee: ModuleId) -> bool {
        let (Some(from), Some(into)) = (self.entries.get(caller), self.entries.get(callee)) else {
            return false;
        };
        match &into.relevant {
            None => true,
            Some(_) if into.checked => true,
            Some(relevant) => relevant.iter().any(|rule| from.completing.contains(rule)),
        }
    }

    /// Whether a checked module may define a function of this name.
    pub fn may_define_function(&self, name: &str) -> bool {
        self.functions.contains(&name_hash(name))
    }

    /// The modules that may define a Rust struct of this name.
    pub fn struct_candidates(&self, name: &str) -> &[ModuleId] {
        self.structs
            .get(&name_hash(name))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The modules lowered because a resolution asked for them, in id order.
    pub fn loaded(&self) -> impl Iterator<Item = (ModuleId, &ProjectModule)> {
        self.entries
            .iter()
            .enumerate()
            .filter_map(|(id, entry)| Some((id, entry.slot.get()?.as_deref()?)))
    }

    /// The notes of the modules lowered only because they were imported.
    pub fn take_notices(&self) -> Vec<Notice> {
        std::mem::take(&mut *self.notices.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// A name as the struct index keeps it: eight bytes however long, and the
/// same in every run (`DefaultHasher::new` has fixed keys).
pub fn name_hash(name: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    name.hash(&mut hasher);
    hasher.finish()
}

/// Records `id` as an owner once, however often the module names it (ids
/// are added in increasing order).
fn add_owner(ids: &mut Vec<ModuleId>, id: ModuleId) {
    if ids.last() != Some(&id) {
        ids.push(id);
    }
}

/// Each name owned by exactly one module.
fn unambiguous_names(names: &[Vec<String>]) -> HashMap<String, ModuleId> {
    let mut owners: HashMap<&str, Vec<ModuleId>> = HashMap::new();
    for (id, module_names) in names.iter().enumerate() {
        for name in module_names {
            add_owner(owners.entry(name).or_default(), id);
        }
    }
    owners
        .into_iter()
        .filter(|(_, ids)| ids.len() == 1)
        .map(|(name, ids)| (name.to_string(), ids[0]))
        .collect()
}
