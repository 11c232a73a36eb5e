//! Files named on the command line (pre-commit's staged files, a file an
//! editor lints, standard input with `--stdin-filename`) are linted in their
//! project: the run reads every file of the project for its index, as a run
//! over the project's directory does, and checks and reports only the named
//! files. A named file gets the findings the whole-tree run gives it: the
//! same index, the same modules lowered on demand, the same class of code,
//! the same merging (see `Linter::run_focused`).
//!
//! The project is the nearest directory upward with a project marker (see
//! `project_root.rs`), or the one given with `--project-root`. A file in no
//! project is linted on its own, as before.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::Overlay;
use crate::frontend::discover::Discovery;
use crate::frontend::project_root::{ProjectRoots, absolute, relative_below};

/// The files of a run that are checked and reported, and the texts that
/// stand in for files on disk (standard input).
#[derive(Clone, Debug, Default)]
pub struct Focus {
    named: HashSet<PathBuf>,
    pub(super) overlay: Overlay,
}

impl Focus {
    /// Whether the file (as discovery spells it) is one of the named files.
    pub fn reports(&self, path: &Path) -> bool {
        self.named.contains(path)
    }
}

/// A run over the projects of some named files.
pub struct NamedRun {
    /// Every file of the projects, the named ones among them.
    pub discovery: Discovery,
    /// The project roots, as the user's paths spell them: modules are named
    /// from these, as in a run over them.
    pub roots: Vec<PathBuf>,
    pub focus: Focus,
}

/// The run that lints the files of `named` in their projects, or `None`
/// when one of them is in no project. `project_root` overrides the search;
/// `discover` walks directories as a run over them would (configuration
/// `exclude`, `.gitignore`); `stdin` is the text of the one named file when
/// it came from standard input.
pub fn named_run<E>(
    named: Discovery,
    project_root: Option<&Path>,
    discover: &mut dyn FnMut(&[PathBuf]) -> Result<Discovery, E>,
    stdin: Option<Arc<String>>,
) -> Result<Option<NamedRun>, E> {
    if named.files.is_empty() {
        return Ok(None);
    }
    let mut finder = ProjectRoots::default();
    let mut roots: Vec<PathBuf> = Vec::new();
    for file in &named.files {
        let root = match project_root {
            Some(root) => root.to_path_buf(),
            None => match finder.root_of(&file.path) {
                Some(root) => spelled_root(&file.path, &root),
                None => return Ok(None),
            },
        };
        if !roots.contains(&root) {
            roots.push(root);
        }
    }
    let mut discovery = discover(&roots)?;
    let focus = focus_on(&mut discovery, named, stdin);
    Ok(Some(NamedRun {
        discovery,
        roots,
        focus,
    }))
}

/// Puts the named files into the project's `discovery` (a named file is
/// linted even where a directory run would not look: excluded, ignored, or
/// not yet on disk) and returns them as the focus, spelled as discovery
/// spells them.
fn focus_on(discovery: &mut Discovery, named: Discovery, stdin: Option<Arc<String>>) -> Focus {
    let known: HashMap<PathBuf, PathBuf> = discovery
        .files
        .iter()
        .map(|file| (absolute(&file.path), file.path.clone()))
        .collect();
    let mut focus = Focus::default();
    let mut overlay = HashMap::new();
    for file in named.files {
        let path = match known.get(&absolute(&file.path)) {
            Some(path) => path.clone(),
            None => {
                let path = file.path.clone();
                discovery.files.push(file);
                path
            }
        };
        if let Some(text) = &stdin {
            overlay.insert(path.clone(), text.clone());
        }
        focus.named.insert(path);
    }
    discovery.files.sort_by(|a, b| a.path.cmp(&b.path));
    // What a directory run skipped is reported only when it was named.
    discovery.skipped = named.skipped;
    focus
        .named
        .extend(discovery.skipped.iter().map(|skip| skip.path.clone()));
    focus.overlay = Arc::new(overlay);
    focus
}

/// The project root `root` (absolute) as the path of `file` spells it:
/// `app/api/x.py` in project `.` gives `.`, so reports name files as the
/// user did; a path that does not end in its place below the root gives
/// the absolute root.
fn spelled_root(file: &Path, root: &Path) -> PathBuf {
    let Some(below) = relative_below(file, root) else {
        return root.to_path_buf();
    };
    if !file.ends_with(&below) {
        return root.to_path_buf();
    }
    match file.ancestors().nth(below.components().count()) {
        Some(prefix) if prefix.as_os_str().is_empty() => PathBuf::from("."),
        Some(prefix) => prefix.to_path_buf(),
        None => root.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_root_is_spelled_as_the_file_was() {
        let root = absolute(Path::new("proj"));
        assert_eq!(spelled_root(Path::new("proj/app/x.py"), &root), PathBuf::from("proj"));
        assert_eq!(spelled_root(Path::new("./proj/x.py"), &root), PathBuf::from("./proj"));
        let here = absolute(Path::new("."));
        assert_eq!(spelled_root(Path::new("app/x.py"), &here), PathBuf::from("."));
        assert_eq!(spelled_root(&here.join("app/x.py"), &here), here);
        // `..` inside the path: still that root.
        assert_eq!(absolute(&spelled_root(Path::new("proj/a/../x.py"), &root)), root);
    }
}
