//! `.gitignore` handling for discovery (`respect-gitignore`, on by default):
//! a path is ignored when the nearest `.gitignore` rule that matches it, from
//! its own directory up to the repository root, says so. Files named on the
//! command line are linted regardless.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

#[derive(Default)]
pub struct GitignoreCache {
    /// One matcher per directory that has a `.gitignore` (`None`: it has none).
    by_dir: HashMap<PathBuf, Option<Gitignore>>,
}

impl GitignoreCache {
    /// Whether git would ignore `path` (absolute).
    pub fn is_ignored(&mut self, path: &Path, is_dir: bool) -> bool {
        let mut dir = path.parent();
        while let Some(current) = dir {
            if let Some(matcher) = self.matcher(current) {
                // A path below an ignored directory is ignored too.
                match matcher.matched_path_or_any_parents(path, is_dir) {
                    Match::Ignore(_) => return true,
                    Match::Whitelist(_) => return false,
                    Match::None => {}
                }
            }
            if current.join(".git").exists() {
                break; // the repository root: rules above it do not apply
            }
            dir = current.parent();
        }
        false
    }

    fn matcher(&mut self, dir: &Path) -> Option<&Gitignore> {
        self.by_dir
            .entry(dir.to_path_buf())
            .or_insert_with(|| {
                let file = dir.join(".gitignore");
                if !file.is_file() {
                    return None;
                }
                let mut builder = GitignoreBuilder::new(dir);
                // A malformed line is skipped, as git skips it.
                let _ = builder.add(&file);
                builder.build().ok()
            })
            .as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rule_wins_up_to_the_repository_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::create_dir_all(root.join("gen/keep")).unwrap();
        std::fs::write(root.join(".gitignore"), "gen/\n*.tmp.py\n").unwrap();
        std::fs::write(root.join("gen/.gitignore"), "!keep.py\n").unwrap();
        let mut cache = GitignoreCache::default();
        assert!(cache.is_ignored(&root.join("gen"), true));
        assert!(cache.is_ignored(&root.join("gen/keep/a.py"), false));
        assert!(cache.is_ignored(&root.join("x.tmp.py"), false));
        assert!(!cache.is_ignored(&root.join("app.py"), false));
    }
}
