//! Finds the files to lint under the paths given on the command line, and
//! says what each is for (`classify`): below a directory named on the
//! command line, by its path below that directory; a named file, by its path
//! below its project root.
//!
//! Directories are walked with `walkdir` without following symlinks, skipping
//! what users never want linted (VCS metadata, virtualenvs, build output).
//! A file named on the command line is always linted, wherever it is:
//! pre-commit passes explicit file lists.
//!
//! Nothing here blocks or stops the run on a strange file: a symlink with a
//! source name met while walking (followed or not, broken, or a loop) and a
//! directory that cannot be read become skip notes; a symlink named on the
//! command line whose target is missing or loops is a skip note too (it
//! exists; pre-commit may pass it). Only a path that does not exist at all
//! is an error. Files are opened here only to sniff a shebang, and only
//! regular files: opening a FIFO would block.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::frontend::classify::{classify, classify_named_file};
use crate::frontend::project_root::ProjectRoots;
use crate::model::{CodeClass, Language};

/// Directory names skipped while walking (never when named explicitly).
pub const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "env",
    "__pycache__",
    "site-packages",
    "node_modules",
    "target",
    "build",
    "dist",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
];

#[derive(Clone, Debug)]
pub struct SourcePath {
    pub path: PathBuf,
    pub language: Language,
    /// What the file is for, by its path (see `classify`).
    pub class: CodeClass,
}

#[derive(Clone, Debug, Default)]
pub struct Discovery {
    pub files: Vec<SourcePath>,
    /// Paths that could not be walked or are not source files, with why.
    pub skipped: Vec<Skip>,
}

/// A path not linted, and why.
#[derive(Clone, Debug)]
pub struct Skip {
    pub path: PathBuf,
    pub reason: String,
    /// It could not be read (a directory authlint may not list), as opposed
    /// to not being source (a named `.txt`, a symlink not followed): a
    /// `--strict` run fails on it.
    pub unreadable: bool,
}

impl Skip {
    fn new(path: PathBuf, reason: String) -> Self {
        Skip {
            path,
            reason,
            unreadable: false,
        }
    }
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{}: {reason}", path.display())]
#[diagnostic(
    code(authlint::path),
    help("check the path; authlint lints .py and .rs files and directories of them")
)]
pub struct PathError {
    pub path: PathBuf,
    pub reason: String,
}

/// Walks `paths`; a path that does not exist or cannot be read is an error.
pub fn discover(paths: &[PathBuf]) -> Result<Discovery, PathError> {
    discover_with(paths, &mut |_, _| true)
}

/// Walks `paths`, keeping below each directory only the entries `keep`
/// accepts (configuration `exclude` globs, `.gitignore`); `keep` gets the
/// path and whether it is a directory. Files named on the command line are
/// always kept.
pub fn discover_with(paths: &[PathBuf], keep: &mut dyn FnMut(&Path, bool) -> bool) -> Result<Discovery, PathError> {
    let mut discovery = Discovery::default();
    let mut projects = ProjectRoots::default();
    for root in paths {
        let metadata = match std::fs::metadata(root) {
            Ok(metadata) => metadata,
            Err(error) => {
                // The link exists even if its target does not.
                if std::fs::symlink_metadata(root).is_ok_and(|m| m.file_type().is_symlink()) {
                    discovery.skipped.push(Skip::new(clean(root), symlink_reason(&error)));
                    continue;
                }
                return Err(PathError {
                    path: root.clone(),
                    reason: match error.kind() {
                        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
                        _ => error.to_string(),
                    },
                });
            }
        };
        if metadata.is_dir() {
            walk_directory(root, &mut discovery, keep);
        } else {
            match language_of_named_file(root) {
                Some(language) => discovery.files.push(SourcePath {
                    path: clean(root),
                    language,
                    class: classify_named_file(root, &mut projects),
                }),
                None => discovery
                    .skipped
                    .push(Skip::new(clean(root), "not a Python or Rust file".to_string())),
            }
        }
    }
    // The same file named twice (`a.py a.py`, or `. a.py`) is linted once,
    // in the class of its first mention (the sort is stable).
    discovery.files.sort_by(|a, b| a.path.cmp(&b.path));
    discovery.files.dedup_by(|a, b| a.path == b.path);
    Ok(discovery)
}

fn walk_directory(root: &Path, discovery: &mut Discovery, keep: &mut dyn FnMut(&Path, bool) -> bool) {
    let walker = WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            if entry.depth() == 0 {
                return true;
            }
            let is_dir = entry.file_type().is_dir();
            if is_dir
                && entry
                    .file_name()
                    .to_str()
                    .is_some_and(|name| SKIPPED_DIRS.contains(&name))
            {
                return false;
            }
            // Only directories and source files are worth asking about.
            let relevant = is_dir || Language::from_path(entry.path()).is_some();
            !relevant || keep(entry.path(), is_dir)
        });
    for entry in walker {
        match entry {
            Ok(entry) => {
                if entry.file_type().is_dir() {
                    continue;
                }
                if let Some(language) = Language::from_path(entry.path()) {
                    // Symlinks are not followed (a link into the tree would be
                    // linted twice, one out of it was not asked for), but
                    // one with a source name is worth a note. A non-regular
                    // file (a FIFO named `x.py`) is reported when it is read.
                    if entry.file_type().is_symlink() {
                        let reason = match std::fs::metadata(entry.path()) {
                            Ok(_) => "symbolic link, not followed while walking (name it to lint it)".to_string(),
                            Err(error) => symlink_reason(&error),
                        };
                        discovery.skipped.push(Skip::new(clean(entry.path()), reason));
                        continue;
                    }
                    // The directory named on the command line is not itself
                    // classified: `check examples/app` reports all of the app.
                    let below = entry.path().strip_prefix(root).unwrap_or(entry.path());
                    discovery.files.push(SourcePath {
                        path: clean(entry.path()),
                        language,
                        class: classify(below),
                    });
                }
            }
            Err(error) => {
                let path = error
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| root.to_path_buf());
                let reason = error
                    .io_error()
                    .map(|e| format!("cannot read: {e}"))
                    .unwrap_or_else(|| error.to_string());
                discovery.skipped.push(Skip {
                    path: clean(&path),
                    reason,
                    unreadable: true,
                });
            }
        }
    }
}

/// Why a symbolic link cannot be read through.
fn symlink_reason(error: &std::io::Error) -> String {
    #[cfg(unix)]
    if error.raw_os_error() == Some(libc::ELOOP) {
        return "symbolic link loop".to_string();
    }
    match error.kind() {
        std::io::ErrorKind::NotFound => "broken symbolic link (its target does not exist)".to_string(),
        _ => format!("symbolic link that cannot be followed: {error}"),
    }
}

/// The language of a file named on the command line: by extension, or by a
/// `python` shebang for extensionless scripts.
fn language_of_named_file(path: &Path) -> Option<Language> {
    if let Some(language) = Language::from_path(path) {
        return Some(language);
    }
    if path.extension().is_some() || !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let mut first_line = [0u8; 128];
    let read = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut first_line))
        .ok()?;
    let line = &first_line[..read];
    (line.starts_with(b"#!") && line.split(|b| *b == b'\n').next()?.windows(6).any(|w| w == b"python"))
        .then_some(Language::Python)
}

/// Drops a leading `./` so paths read as users write them.
fn clean(path: &Path) -> PathBuf {
    path.strip_prefix(".")
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_sources_and_skips_tool_directories() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in [
            "a.py",
            "b.rs",
            "c.txt",
            "venv/lib.py",
            "target/x.rs",
            "pkg/d.py",
            "pkg/node_modules/e.py",
        ] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x = 1\n").unwrap();
        }
        let found = discover(&[root.to_path_buf()]).unwrap();
        let names: Vec<String> = found
            .files
            .iter()
            .map(|f| f.path.strip_prefix(root).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["a.py", "b.rs", "pkg/d.py"]);
    }

    #[test]
    fn named_files_are_linted_wherever_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let inside = dir.path().join("venv/app.py");
        std::fs::create_dir_all(inside.parent().unwrap()).unwrap();
        std::fs::write(&inside, "x = 1\n").unwrap();
        let script = dir.path().join("manage");
        std::fs::write(&script, "#!/usr/bin/env python3\nx = 1\n").unwrap();
        let found = discover(&[inside.clone(), script.clone()]).unwrap();
        assert_eq!(found.files.len(), 2);
        assert!(found.files.iter().all(|f| f.language == Language::Python));
    }

    #[test]
    fn files_are_classified_below_the_directory_named_and_named_files_below_their_project() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        for file in [
            "pyproject.toml",
            "app/a.py",
            "tests/test_a.py",
            "examples/demo/b.py",
            "docs/c.py",
        ] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x = 1\n").unwrap();
        }
        let classes = |found: &Discovery| -> Vec<(String, &'static str)> {
            found
                .files
                .iter()
                .map(|f| {
                    (
                        f.path.file_name().unwrap().to_string_lossy().into_owned(),
                        f.class.as_str(),
                    )
                })
                .collect()
        };
        let whole = discover(std::slice::from_ref(&root)).unwrap();
        assert_eq!(
            classes(&whole),
            [
                ("a.py".into(), "app"),
                ("c.py".into(), "docs"),
                ("b.py".into(), "example"),
                ("test_a.py".into(), "test")
            ]
        );
        // The directory named is not classified itself: all of the example is reported.
        let example = discover(&[root.join("examples/demo")]).unwrap();
        assert_eq!(classes(&example), [("b.py".into(), "app")]);
        // A named file, as a whole-tree run sees it.
        let named = discover(&[root.join("tests/test_a.py"), root.join("examples/demo/b.py")]).unwrap();
        assert_eq!(
            classes(&named),
            [("b.py".into(), "example"), ("test_a.py".into(), "test")]
        );
    }

    #[test]
    fn a_missing_path_is_an_error() {
        let err = discover(&[PathBuf::from("/definitely/not/here")]).unwrap_err();
        assert!(err.reason.contains("no such file"));
    }
}
