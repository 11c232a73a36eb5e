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

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::analysis::resolve::ModuleIndex;
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
}

struct Entry {
    display: String,
    path: PathBuf,
    language: Language,
    checked: bool,
    /// The lowered module, once asked for; `None` when it cannot be read or lowered.
    slot: OnceLock<Option<Box<ProjectModule>>>,
}

pub struct Project {
    entries: Vec<Entry>,
    by_name: HashMap<String, ModuleId>,
    /// Rust struct names (hashed), with the modules that may define one so
    /// named: a collision only costs a look at one more module.
    structs: HashMap<u64, Vec<ModuleId>>,
    /// Lowers a module on first use; `None` for a project built from
    /// modules already lowered.
    loader: Option<Box<dyn ModuleLoader>>,
    /// Notes from lowering modules that are parsed only because imported.
    notices: Mutex<Vec<Notice>>,
}

impl Project {
    /// An index over files on disk, none parsed yet. `names` gives, for each
    /// file, the dotted names it may be imported by.
    pub fn on_disk(files: Vec<DiskModule>, names: &[Vec<String>], loader: Box<dyn ModuleLoader>) -> Self {
        let mut structs: HashMap<u64, Vec<ModuleId>> = HashMap::new();
        let entries = files
            .into_iter()
            .enumerate()
            .map(|(id, file)| {
                for name in file.struct_names {
                    add_owner(structs.entry(name).or_default(), id);
                }
                Entry {
                    display: file.display,
                    path: file.path,
                    language: file.language,
                    checked: file.checked,
                    slot: OnceLock::new(),
                }
            })
            .collect();
        Project {
            entries,
            by_name: unambiguous_names(names),
            structs,
            loader: Some(loader),
            notices: Mutex::new(Vec::new()),
        }
    }

    /// An index over modules already lowered (standard input, tests).
    pub fn new(modules: Vec<ProjectModule>, names: &[Vec<String>]) -> Self {
        let mut structs: HashMap<u64, Vec<ModuleId>> = HashMap::new();
        let entries = modules
            .into_iter()
            .enumerate()
            .map(|(id, module)| {
                for def in &module.module.structs {
                    add_owner(structs.entry(name_hash(&def.name)).or_default(), id);
                }
                Entry {
                    display: module.path.clone(),
                    path: PathBuf::from(&module.path),
                    language: module.language,
                    checked: true,
                    slot: OnceLock::from(Some(Box::new(module))),
                }
            })
            .collect();
        Project {
            entries,
            by_name: unambiguous_names(names),
            structs,
            loader: None,
            notices: Mutex::new(Vec::new()),
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
                // A checked file reports its own notes when its checker lowers it.
                if !entry.checked {
                    self.notices.lock().unwrap_or_else(|e| e.into_inner()).extend(notices);
                }
                module
            })
            .as_deref()
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

/// Computes the dotted names of Python files from their place on disk.
pub struct ModuleNamer {
    roots: Vec<PathBuf>,
    init_cache: HashMap<PathBuf, bool>,
}

impl ModuleNamer {
    /// `roots` are the directories given on the command line.
    pub fn new(roots: &[PathBuf]) -> Self {
        ModuleNamer {
            roots: roots.iter().filter(|r| r.is_dir()).cloned().collect(),
            init_cache: HashMap::new(),
        }
    }

    fn is_package(&mut self, dir: &Path) -> bool {
        if let Some(known) = self.init_cache.get(dir) {
            return *known;
        }
        let is_package = dir.join("__init__.py").is_file();
        self.init_cache.insert(dir.to_path_buf(), is_package);
        is_package
    }

    /// All names a file may be imported by, and its own package. The first
    /// name is the canonical one.
    pub fn names(&mut self, path: &Path) -> (Vec<String>, Option<String>) {
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            return (Vec::new(), None);
        };
        let is_init = stem == "__init__";
        let mut names = Vec::new();

        // The `__init__.py` chain: a/b/c.py with a/__init__.py and a/b/__init__.py is a.b.c.
        let mut parts: Vec<String> = if is_init { Vec::new() } else { vec![stem.to_string()] };
        let mut dir = path.parent().map(Path::to_path_buf);
        let mut chain_len = 0;
        while let Some(d) = dir {
            if d.as_os_str().is_empty() || !self.is_package(&d) {
                break;
            }
            match d.file_name().and_then(|n| n.to_str()) {
                Some(name) => parts.push(name.to_string()),
                None => break,
            }
            chain_len += 1;
            dir = d.parent().map(Path::to_path_buf);
        }
        parts.reverse();
        let canonical = parts.join(".");
        let package = if chain_len > 0 {
            let mut package = parts.clone();
            if !is_init {
                package.pop();
            }
            Some(package.join("."))
        } else {
            None
        };
        if !canonical.is_empty() {
            names.push(canonical);
        }

        // Below each root given on the command line, and below `src/`.
        let mut bases: Vec<PathBuf> = self.roots.clone();
        let mut ancestor = path.parent();
        while let Some(a) = ancestor {
            if a.file_name().is_some_and(|n| n == "src") {
                bases.push(a.to_path_buf());
            }
            ancestor = a.parent();
        }
        for base in bases {
            if let Ok(relative) = path.strip_prefix(&base) {
                let mut segments: Vec<String> = relative
                    .parent()
                    .into_iter()
                    .flat_map(|p| p.components())
                    .filter_map(|c| c.as_os_str().to_str().map(str::to_string))
                    .collect();
                if !is_init {
                    segments.push(stem.to_string());
                }
                if !segments.is_empty() && segments.iter().all(|s| is_identifier(s)) {
                    let name = segments.join(".");
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
            }
        }
        // A file outside any package imports its siblings relative to its directory.
        let package = package.or_else(|| {
            names
                .first()
                .map(|n| n.rsplit_once('.').map(|(p, _)| p.to_string()).unwrap_or_default())
        });
        (names, package)
    }
}

/// The module path of a Rust file inside a crate's `src/` directory:
/// `src/lib.rs` and `src/main.rs` are `crate`, `src/auth/mod.rs` and
/// `src/auth.rs` are `crate::auth`. `None` outside a `src/` directory.
pub fn rust_module_path(path: &Path) -> Option<String> {
    let components: Vec<&str> = path.iter().filter_map(|c| c.to_str()).collect();
    let src = components.iter().rposition(|c| *c == "src")?;
    let mut segments: Vec<&str> = components[src + 1..].to_vec();
    let file = segments.pop()?;
    let stem = file.strip_suffix(".rs")?;
    if !(segments.is_empty() && (stem == "lib" || stem == "main")) && stem != "mod" {
        segments.push(stem);
    }
    if !segments.iter().all(|s| is_identifier(s)) {
        return None;
    }
    let mut path = vec!["crate"];
    path.extend(segments);
    Some(path.join("::"))
}

/// Makes a Rust path absolute: `super::config::KEY` seen from
/// `crate::api::auth` is `crate::api::config::KEY`.
pub fn absolute_rust_path(path: &str, module: Option<&str>) -> Option<String> {
    let mut segments: Vec<&str> = path.split("::").collect();
    match segments.first().copied() {
        Some("crate") => Some(path.to_string()),
        Some("self") => {
            segments.remove(0);
            Some(format!("{}::{}", module?, segments.join("::")))
        }
        Some("super") => {
            let mut base: Vec<&str> = module?.split("::").collect();
            while segments.first() == Some(&"super") {
                segments.remove(0);
                if base.len() <= 1 {
                    return None;
                }
                base.pop();
            }
            base.extend(segments);
            Some(base.join("::"))
        }
        _ => None,
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_') && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// Turns a relative import path (`.config.KEY`, `..util`) into an absolute
/// one given the importing module's package.
pub fn absolute_import(path: &str, package: Option<&str>) -> Option<String> {
    if !path.starts_with('.') {
        return Some(path.to_string());
    }
    let dots = path.chars().take_while(|c| *c == '.').count();
    let rest = &path[dots..];
    let mut base: Vec<&str> = package?.split('.').filter(|s| !s.is_empty()).collect();
    for _ in 1..dots {
        base.pop()?;
    }
    let mut full = base.join(".");
    if !rest.is_empty() {
        if !full.is_empty() {
            full.push('.');
        }
        full.push_str(rest);
    }
    Some(full)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_imports_become_absolute() {
        assert_eq!(
            absolute_import(".config.KEY", Some("app.core")).as_deref(),
            Some("app.core.config.KEY")
        );
        assert_eq!(absolute_import("..util", Some("app.core")).as_deref(), Some("app.util"));
        assert_eq!(absolute_import("jwt.decode", None).as_deref(), Some("jwt.decode"));
        assert_eq!(absolute_import(".x", None), None);
    }

    #[test]
    fn rust_module_paths_and_relative_paths() {
        assert_eq!(rust_module_path(Path::new("svc/src/lib.rs")).as_deref(), Some("crate"));
        assert_eq!(
            rust_module_path(Path::new("svc/src/auth/mod.rs")).as_deref(),
            Some("crate::auth")
        );
        assert_eq!(
            rust_module_path(Path::new("svc/src/auth/keys.rs")).as_deref(),
            Some("crate::auth::keys")
        );
        assert_eq!(rust_module_path(Path::new("scripts/x.rs")), None);
        assert_eq!(
            absolute_rust_path("super::config::KEY", Some("crate::api::auth")).as_deref(),
            Some("crate::api::config::KEY")
        );
        assert_eq!(
            absolute_rust_path("self::K", Some("crate::a")).as_deref(),
            Some("crate::a::K")
        );
        assert_eq!(absolute_rust_path("jsonwebtoken::decode", Some("crate")), None);
    }

    #[test]
    fn names_from_packages_roots_and_src_layouts() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in [
            "proj/src/app/__init__.py",
            "proj/src/app/core/__init__.py",
            "proj/src/app/core/config.py",
            "proj/settings.py",
        ] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let mut namer = ModuleNamer::new(&[root.join("proj")]);
        let (names, package) = namer.names(&root.join("proj/src/app/core/config.py"));
        assert_eq!(names[0], "app.core.config");
        assert!(names.contains(&"src.app.core.config".to_string()));
        assert_eq!(package.as_deref(), Some("app.core"));
        let (names, _) = namer.names(&root.join("proj/settings.py"));
        assert_eq!(names, ["settings"]);
    }
}
