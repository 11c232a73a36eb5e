//! New-code gating: the lines added or changed since a git ref, from
//! `git diff -U0 REF`, so only findings on them are reported ("clean as you
//! code"). Files git does not track yet are new in every line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Added line ranges (1-based, inclusive) per absolute file path; `None`
/// for a file that is new as a whole.
pub struct ChangedLines {
    files: FileRanges,
}

/// Added line ranges per absolute path; `None` for a wholly new file.
type FileRanges = HashMap<PathBuf, Option<Vec<(usize, usize)>>>;

impl ChangedLines {
    /// Whether `line` of `path` is new since the ref.
    pub fn contains(&self, path: &Path, line: usize) -> bool {
        match self.files.get(&crate::settings::config::absolute(path)) {
            Some(None) => true,
            Some(Some(ranges)) => ranges.iter().any(|(start, end)| (*start..=*end).contains(&line)),
            None => false,
        }
    }
}

/// Runs git in `dir` (`git -C dir …`), whatever the working directory.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`git {}` failed in {}: {}",
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The lines changed relative to `base` in the working trees of the
/// repositories `paths` (the linted files and directories) are in: the
/// repository of the code, not of the working directory.
pub fn changed_since(base: &str, paths: &[PathBuf]) -> Result<ChangedLines, String> {
    let mut files = HashMap::new();
    let mut roots: Vec<PathBuf> = Vec::new();
    for path in paths {
        let path = crate::settings::config::absolute(path);
        // A file (or a buffer not yet on disk) is in its directory's repository.
        let dir = if path.is_dir() {
            path.as_path()
        } else {
            path.parent().unwrap_or(&path)
        };
        let root = PathBuf::from(git(dir, &["rev-parse", "--show-toplevel"])?.trim());
        if roots.contains(&root) {
            continue;
        }
        files.extend(changed_in(&root, base)?);
        roots.push(root);
    }
    Ok(ChangedLines { files })
}

/// The changed lines of one repository, by absolute path.
fn changed_in(root: &Path, base: &str) -> Result<FileRanges, String> {
    git(
        root,
        &["rev-parse", "--verify", "--quiet", &format!("{base}^{{commit}}")],
    )
    .map_err(|_| format!("`{base}` is not a commit git knows in {}", root.display()))?;
    let diff = git(root, &["diff", "-U0", "--no-color", "--no-ext-diff", base, "--"])?;
    let mut files = parse_diff(&diff, root);
    for untracked in git(root, &["ls-files", "--others", "--exclude-standard", "--full-name"])?.lines() {
        files.insert(root.join(untracked), None);
    }
    Ok(files)
}

/// Parses `git diff -U0` output: `+++ b/path` then `@@ -a,b +c,d @@` hunks.
fn parse_diff(diff: &str, root: &Path) -> FileRanges {
    let mut files: FileRanges = HashMap::new();
    let mut current: Option<PathBuf> = None;
    for line in diff.lines() {
        if let Some(path) = line.strip_prefix("+++ ") {
            current = path.strip_prefix("b/").map(|p| root.join(p));
            if let Some(path) = &current {
                files.entry(path.clone()).or_insert_with(|| Some(Vec::new()));
            }
        } else if let Some(hunk) = line.strip_prefix("@@ ") {
            let Some(path) = &current else { continue };
            let Some(added) = hunk.split_whitespace().find(|part| part.starts_with('+')) else {
                continue;
            };
            let mut numbers = added[1..].split(',');
            let start: usize = numbers.next().and_then(|n| n.parse().ok()).unwrap_or(0);
            let count: usize = numbers.next().map_or(Some(1), |n| n.parse().ok()).unwrap_or(0);
            if count > 0
                && let Some(Some(ranges)) = files.get_mut(path)
            {
                ranges.push((start, start + count - 1));
            }
        }
    }
    files
}

/// A copy of the repository's tree as it was at a ref, in a temporary
/// directory removed when this is dropped (`inventory --diff-base`).
pub struct BaseTree {
    dir: PathBuf,
    /// The working directory below the repository root (`sub/dir/`).
    prefix: PathBuf,
    root: PathBuf,
}

impl BaseTree {
    /// Where a path given on the command line is in the copy.
    pub fn moved(&self, path: &Path) -> PathBuf {
        let absolute = crate::settings::config::absolute(path);
        match absolute.strip_prefix(&self.root) {
            Ok(below) if path.is_absolute() => self.dir.join(below),
            _ => self.dir.join(&self.prefix).join(path),
        }
    }

    /// A path reported in the copy, as the same file is reported in the working tree.
    pub fn restore(&self, shown: &str) -> String {
        let shown = Path::new(shown);
        if let Ok(below) = shown.strip_prefix(self.dir.join(&self.prefix)) {
            return below.to_string_lossy().into_owned();
        }
        match shown.strip_prefix(&self.dir) {
            Ok(below) => self.root.join(below).to_string_lossy().into_owned(),
            Err(_) => shown.to_string_lossy().into_owned(),
        }
    }
}

impl Drop for BaseTree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The tree at `base` (`git archive`, unpacked with `tar`), for reading
/// the code as it was; nothing in the working tree is touched. The
/// repository is the working directory's: paths given relative to it are
/// moved into the copy (see [`BaseTree::moved`]).
pub fn checkout(base: &str) -> Result<BaseTree, String> {
    let here = Path::new(".");
    let root = PathBuf::from(git(here, &["rev-parse", "--show-toplevel"])?.trim());
    let prefix = PathBuf::from(git(here, &["rev-parse", "--show-prefix"])?.trim());
    git(
        here,
        &["rev-parse", "--verify", "--quiet", &format!("{base}^{{commit}}")],
    )
    .map_err(|_| format!("`{base}` is not a commit git knows"))?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!("authlint-base-{}-{stamp}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let tree = BaseTree { dir, prefix, root };
    let archive = Command::new("git")
        .args(["archive", "--format=tar", base])
        .current_dir(&tree.root)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !archive.status.success() {
        return Err(format!(
            "`git archive {base}` failed: {}",
            String::from_utf8_lossy(&archive.stderr).trim()
        ));
    }
    let mut tar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(&tree.dir)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run tar: {e}"))?;
    if let Some(mut stdin) = tar.stdin.take() {
        use std::io::Write;
        stdin
            .write_all(&archive.stdout)
            .map_err(|e| format!("cannot unpack {base}: {e}"))?;
    }
    let status = tar.wait().map_err(|e| format!("cannot unpack {base}: {e}"))?;
    if !status.success() {
        return Err(format!("cannot unpack {base}: tar failed"));
    }
    Ok(tree)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_become_added_ranges() {
        let diff = "\
diff --git a/app.py b/app.py
--- a/app.py
+++ b/app.py
@@ -3,0 +4,2 @@ def f():
+    a
+    b
@@ -10 +12 @@
-old
+new
@@ -20,3 +22,0 @@
-gone
diff --git a/new.py b/new.py
--- /dev/null
+++ b/new.py
@@ -0,0 +1,3 @@
+x
";
        let files = parse_diff(diff, Path::new("/repo"));
        assert_eq!(files[Path::new("/repo/app.py")], Some(vec![(4, 5), (12, 12)]));
        assert_eq!(files[Path::new("/repo/new.py")], Some(vec![(1, 3)]));
        let lines = ChangedLines { files };
        assert!(lines.contains(Path::new("/repo/app.py"), 5));
        assert!(!lines.contains(Path::new("/repo/app.py"), 6));
        assert!(!lines.contains(Path::new("/repo/other.py"), 1));
    }
}
