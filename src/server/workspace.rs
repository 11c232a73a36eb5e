//! A workspace folder as the server keeps it: its rules (built-in and the
//! `rules-dirs` its configuration names), its configurations (found per
//! file, as the CLI finds them), and its project index, built once in the
//! background and kept up to date file by file.
//!
//! A configuration or rule file that cannot be used is a [`Problem`], shown
//! on that file; the files it governs are checked with the default
//! settings (and the built-in rules) until it is fixed.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crate::diagnostic::TomlFileError;
use crate::frontend::discover::{Discovery, discover_with};
use crate::frontend::gitignore::GitignoreCache;
use crate::frontend::source::{DEFAULT_MAX_FILE_SIZE, read_source};
use crate::isolate::WORKER_STACK_SIZE;
use crate::lint::{FileSettings, Linter, ProjectIndex};
use crate::model::Language;
use crate::rules::{Rule, RuleLoadError, load_rules};
use crate::settings::config::{CONFIG_FILES, ConfigFinder, Overrides, Settings, absolute, load_config, resolve};

/// A configuration or rule file that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub path: PathBuf,
    /// The file's text, to place `span` in.
    pub text: String,
    pub span: Option<Range<usize>>,
    pub message: String,
}

impl Problem {
    fn from_toml(error: &TomlFileError) -> Problem {
        let mut message = error.message.clone();
        if let Some(help) = &error.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        message.push_str("\nUntil it is fixed, the files it governs are checked with the default settings.");
        Problem {
            path: absolute(Path::new(error.source_code.name())),
            text: error.source_code.inner().clone(),
            span: error.span.clone(),
            message,
        }
    }
}

pub struct Workspace {
    /// The folder; `None` for files outside every workspace folder.
    pub root: Option<PathBuf>,
    pub rules: Arc<Vec<Rule>>,
    finder: Mutex<ConfigFinder>,
    defaults: Arc<Settings>,
    index: RwLock<Arc<ProjectIndex>>,
    /// Index builds started: only the latest one's result is kept.
    builds: AtomicU64,
    problems: Mutex<BTreeMap<PathBuf, Problem>>,
}

impl Workspace {
    /// Reads the folder's configuration and rules; the index starts empty
    /// (see [`Workspace::build_index`]).
    pub fn load(root: Option<PathBuf>) -> Workspace {
        let mut problems = BTreeMap::new();
        let mut note = |problem: Problem| {
            problems.insert(problem.path.clone(), problem);
        };
        let dirs = match root.as_deref().map(rules_dirs).unwrap_or(Ok(Vec::new())) {
            Ok(dirs) => dirs,
            Err(error) => {
                note(Problem::from_toml(&error));
                Vec::new()
            }
        };
        let rules = match load_rules(&dirs) {
            Ok(rules) => rules,
            Err(error) => {
                note(rule_problem(&error));
                load_rules(&[]).expect("the built-in rules load")
            }
        };
        let finder = ConfigFinder::new(Overrides::default(), None, false, &rules)
            .expect("without --config, finding configurations cannot fail up front");
        let defaults = Arc::new(
            resolve(None, &Overrides::default(), &rules)
                .expect("the default settings name no rule and cannot be wrong"),
        );
        Workspace {
            root,
            rules: Arc::new(rules),
            finder: Mutex::new(finder),
            defaults,
            index: RwLock::new(Arc::new(ProjectIndex::default())),
            builds: AtomicU64::new(0),
            problems: Mutex::new(problems),
        }
    }

    pub fn contains(&self, path: &Path) -> bool {
        self.root.as_deref().is_some_and(|root| path.starts_with(root))
    }

    /// The settings for a file, as the CLI finds them; the defaults, and a
    /// problem noted, when its configuration is broken.
    pub fn settings_for(&self, path: &Path) -> Arc<Settings> {
        let found = self
            .finder
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .settings_for(path, &self.rules);
        match found {
            Ok(settings) => settings,
            Err(error) => {
                self.note(Problem::from_toml(&error));
                self.defaults.clone()
            }
        }
    }

    fn note(&self, problem: Problem) {
        self.problems
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(problem.path.clone(), problem);
    }

    pub fn problems(&self) -> Vec<Problem> {
        self.problems
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// A linter for checking files governed by `settings`.
    pub fn linter(&self, settings: Arc<Settings>) -> Linter<'_> {
        let settings = FileSettings {
            default: settings,
            by_path: HashMap::new(),
        };
        Linter::with_settings(&self.rules, DEFAULT_MAX_FILE_SIZE, settings)
    }

    pub fn index(&self) -> Arc<ProjectIndex> {
        self.index.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set_index(&self, index: Arc<ProjectIndex>) {
        *self.index.write().unwrap_or_else(|e| e.into_inner()) = index;
    }

    /// Walks the folder as `authlint check` would from its root (exclusions,
    /// `.gitignore`) and builds the project index. Slow on a large tree: run
    /// it off the thread that answers the editor.
    pub fn build_index(&self) {
        let Some(root) = self.root.clone() else { return };
        let build = self.builds.fetch_add(1, Ordering::SeqCst) + 1;
        let discovery = self.discover(&root);
        let mut by_path = HashMap::new();
        for file in &discovery.files {
            let settings = self.settings_for(&file.path);
            by_path.insert(file.path.to_string_lossy().into_owned(), settings);
        }
        let settings = FileSettings {
            default: self.settings_for(&root),
            by_path,
        };
        let linter = Linter::with_settings(&self.rules, DEFAULT_MAX_FILE_SIZE, settings);
        let index = match rayon::ThreadPoolBuilder::new().stack_size(WORKER_STACK_SIZE).build() {
            Ok(pool) => pool.install(|| linter.index_project(&discovery, std::slice::from_ref(&root))),
            Err(_) => linter.index_project(&discovery, std::slice::from_ref(&root)),
        };
        // A build started since read the tree later: it wins.
        if self.builds.load(Ordering::SeqCst) == build {
            self.set_index(Arc::new(index));
        }
    }

    fn discover(&self, root: &Path) -> Discovery {
        let mut gitignore = GitignoreCache::default();
        let mut keep = |path: &Path, is_dir: bool| -> bool {
            let settings = self.settings_for(path);
            let ignored = settings.respect_gitignore && gitignore.is_ignored(&absolute(path), is_dir);
            !(settings.excludes(path) || ignored)
        };
        discover_with(&[root.to_path_buf()], &mut keep).unwrap_or_default()
    }

    /// A source file changed, appeared or vanished on disk.
    pub fn file_changed(&self, path: &Path, exists: bool) {
        let Some(language) = Language::from_path(path) else {
            return;
        };
        let mut index = (*self.index()).clone();
        match exists
            .then(|| read_source(path, DEFAULT_MAX_FILE_SIZE, language).ok())
            .flatten()
        {
            Some(text) if !self.settings_for(path).excludes(path) => {
                let linter = self.linter(self.settings_for(path));
                linter.reindex_file(&mut index, path, language, &text);
            }
            _ => index.remove(path),
        }
        self.set_index(Arc::new(index));
    }
}

/// Whether a file is one the CLI reads configuration from.
pub fn is_config_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|name| CONFIG_FILES.contains(&name))
}

/// `rules-dirs` of the configuration governing `root`, as the CLI reads
/// them for the working directory.
#[allow(clippy::result_large_err)] // read once per workspace load
fn rules_dirs(root: &Path) -> Result<Vec<PathBuf>, TomlFileError> {
    let mut dir = Some(root);
    while let Some(current) = dir {
        for name in CONFIG_FILES {
            let candidate = current.join(name);
            if !candidate.is_file() {
                continue;
            }
            if let Some(config) = load_config(&candidate)? {
                let base = absolute(&config.path)
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                return Ok(config
                    .options
                    .rules_dirs
                    .iter()
                    .flatten()
                    .map(|d| base.join(d))
                    .collect());
            }
        }
        dir = current.parent();
    }
    Ok(Vec::new())
}

fn rule_problem(error: &RuleLoadError) -> Problem {
    match error {
        RuleLoadError::File(error) => {
            let mut problem = Problem::from_toml(error);
            problem.message = format!("{}\nUntil it is fixed, only the built-in rules run.", error.message);
            problem
        }
        RuleLoadError::Io { path, source } => Problem {
            path: path.clone(),
            text: String::new(),
            span: None,
            message: format!("cannot read rules from {}: {source}", path.display()),
        },
    }
}
