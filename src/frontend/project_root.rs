//! The project a file belongs to: the nearest directory at or above it that
//! holds `pyproject.toml`, `setup.py`, `setup.cfg`, a `Cargo.toml` with a
//! `[package]` or `[workspace]` table, or `.git`.
//!
//! A file named on the command line (pre-commit's staged files, an editor's
//! buffer) is judged relative to its project, exactly as the same file is
//! when the whole tree is linted: its class (`tests/…` is test code) comes
//! from its path below the project root, not from how it was named.
//!
//! Paths are made absolute lexically (no symlinks followed), so a root is
//! reported as the user's paths spell it.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// The files whose presence makes a directory a project root.
const MARKERS: &[&str] = &["pyproject.toml", "setup.py", "setup.cfg", ".git"];

/// The nearest project root at or above `path` (a file or a directory).
pub fn project_root(path: &Path) -> Option<PathBuf> {
    ProjectRoots::default().root_of(path)
}

/// A project-root finder that remembers every directory it has looked at:
/// a pre-commit run names hundreds of files in a few directories.
#[derive(Default)]
pub struct ProjectRoots {
    by_dir: HashMap<PathBuf, Option<PathBuf>>,
}

impl ProjectRoots {
    /// The nearest project root at or above `path` (a file or a directory).
    pub fn root_of(&mut self, path: &Path) -> Option<PathBuf> {
        let path = absolute(path);
        let start = if path.is_dir() {
            path
        } else {
            path.parent().map(Path::to_path_buf)?
        };
        let mut visited = Vec::new();
        let mut found = None;
        let mut dir = Some(start.as_path());
        while let Some(current) = dir {
            if let Some(known) = self.by_dir.get(current) {
                found = known.clone();
                break;
            }
            visited.push(current.to_path_buf());
            if is_project_root(current) {
                found = Some(current.to_path_buf());
                break;
            }
            dir = current.parent();
        }
        for dir in visited {
            self.by_dir.insert(dir, found.clone());
        }
        found
    }
}

/// Whether `dir` holds one of the project markers.
pub fn is_project_root(dir: &Path) -> bool {
    MARKERS.iter().any(|marker| dir.join(marker).exists()) || is_cargo_project(&dir.join("Cargo.toml"))
}

/// A `Cargo.toml` that defines a package or a workspace (not, say, a
/// manifest fragment a build script reads).
fn is_cargo_project(manifest: &Path) -> bool {
    // A manifest is a few kilobytes; a huge file is not one.
    if !std::fs::metadata(manifest).is_ok_and(|m| m.is_file() && m.len() < 1024 * 1024) {
        return false;
    }
    let Ok(text) = std::fs::read_to_string(manifest) else {
        return false;
    };
    match toml::from_str::<toml::Table>(&text) {
        Ok(table) => table.contains_key("package") || table.contains_key("workspace"),
        // A manifest with a mistake in it is still a manifest: look for the
        // table headers themselves.
        Err(_) => text.lines().map(str::trim).any(|line| {
            line == "[package]"
                || line == "[workspace]"
                || line.starts_with("package.")
                || line.starts_with("workspace.")
        }),
    }
}

/// `path` below `root`, or `None` if it is not below it.
pub fn relative_below(path: &Path, root: &Path) -> Option<PathBuf> {
    absolute(path).strip_prefix(absolute(root)).ok().map(Path::to_path_buf)
}

/// An absolute, lexically normalised path (no filesystem access: symlinks
/// are not followed, so paths stay as the user wrote them).
pub fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        normalise(path)
    } else {
        normalise(&std::env::current_dir().unwrap_or_default().join(path))
    }
}

/// Removes `.` and resolves `..` lexically, without touching the disk (the
/// path need not exist: `--stdin-filename` names one that may not).
pub fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(root: &Path, relative: &str, contents: &str) {
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }

    #[test]
    fn the_nearest_marker_wins() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(root, "pyproject.toml", "[project]\nname = \"outer\"\n");
        touch(root, "app/tests/test_a.py", "");
        touch(root, "sub/setup.cfg", "");
        touch(root, "sub/pkg/b.py", "");
        assert_eq!(project_root(&root.join("app/tests/test_a.py")), Some(absolute(root)));
        assert_eq!(
            project_root(&root.join("sub/pkg/b.py")),
            Some(absolute(&root.join("sub")))
        );
        // A directory is its own starting point.
        assert_eq!(project_root(&root.join("sub")), Some(absolute(&root.join("sub"))));
    }

    #[test]
    fn a_cargo_manifest_counts_only_with_a_package_or_a_workspace() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(root, ".git/HEAD", "ref: refs/heads/main\n");
        touch(root, "crates/core/Cargo.toml", "[package]\nname = \"core\"\n");
        touch(root, "crates/core/tests/it.rs", "");
        touch(root, "fragments/Cargo.toml", "[dependencies]\nserde = \"1\"\n");
        touch(root, "fragments/x.rs", "");
        touch(root, "ws/Cargo.toml", "[workspace]\nmembers = []\n");
        touch(root, "ws/y.rs", "");
        touch(root, "broken/Cargo.toml", "[package]\nname = \n");
        touch(root, "broken/z.rs", "");
        let mut roots = ProjectRoots::default();
        assert_eq!(
            roots.root_of(&root.join("crates/core/tests/it.rs")),
            Some(absolute(&root.join("crates/core")))
        );
        assert_eq!(roots.root_of(&root.join("fragments/x.rs")), Some(absolute(root)));
        assert_eq!(roots.root_of(&root.join("ws/y.rs")), Some(absolute(&root.join("ws"))));
        assert_eq!(
            roots.root_of(&root.join("broken/z.rs")),
            Some(absolute(&root.join("broken")))
        );
        // Remembered: the answer does not change when asked again.
        assert_eq!(roots.root_of(&root.join("fragments/x.rs")), Some(absolute(root)));
    }

    #[test]
    fn no_marker_means_no_project() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "loose/a.py", "");
        // The temporary directory may sit below a project on some machines;
        // only claim what this tree decides.
        let found = project_root(&dir.path().join("loose/a.py"));
        assert!(found.is_none_or(|root| !root.starts_with(absolute(dir.path()))));
    }

    #[test]
    fn paths_are_normalised_lexically() {
        assert_eq!(absolute(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
        assert_eq!(
            relative_below(Path::new("/a/b/c.py"), Path::new("/a/./")),
            Some(PathBuf::from("b/c.py"))
        );
        assert_eq!(relative_below(Path::new("/x/c.py"), Path::new("/a")), None);
    }
}
