//! The results cache, `.authlint_cache/` (like ruff's `.ruff_cache`, written
//! in our own way): what a run learnt of each file, so the next run over the
//! same tree only reads and hashes files and replays what they gave.
//!
//! One cache file per configuration: its name hashes authlint's version, the
//! rules, every file's settings, the size limit and the paths given, so two
//! configurations never share results. Per file it keeps, under the hash of
//! the file's text:
//!
//! - what pass 1 found (`FileFacts`, and the outcome of a file no rule
//!   looks at), valid while the text is the same;
//! - what checking it gave (pass 2), valid while the text is the same, the
//!   project index is the same (every file's facts and module names: which
//!   functions, structs and modules exist decides what resolution may look
//!   at), and every module the check consulted (`analysis::project`
//!   records them) still has the text it had. So an edit to an imported
//!   module re-checks its importers, and nothing stale is ever served.
//!
//! Writes go to a temporary file renamed over the old one, so a concurrent
//! run reads either the old cache or the new, never half of one; the last
//! run to finish wins. Only the current tree's files are written, and at
//! most [`MAX_CACHE_FILES`] configurations are kept per version, so the
//! cache stays bounded. A cache that cannot be read is a miss; one that
//! cannot be written is silently not written: the cache never fails a run.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::FileFacts;
use crate::model::{Notice, Span};
use crate::report::outcome::FileOutcome;

/// The directory name a cache gets by default, in the project root.
pub const CACHE_DIR_NAME: &str = ".authlint_cache";

/// Configurations kept per authlint version; the oldest go first.
pub const MAX_CACHE_FILES: usize = 8;

/// A fast, fixed hash of bytes: the same in every run of one build.
pub fn content_hash(bytes: &[u8]) -> u64 {
    let mut hasher = foldhash::quality::FixedState::with_seed(0x6175_7468_6c69_6e74).build_hasher();
    hasher.write(bytes);
    hasher.write_usize(bytes.len());
    hasher.finish()
}

/// What a cached check of one file depends on and gave.
#[derive(Clone, Serialize, Deserialize)]
pub struct CachedCheck {
    /// The project index the check ran against (see module docs).
    pub index: u64,
    /// The modules it consulted, by the path they are reported under, with
    /// the hash of their text then.
    pub deps: Vec<(String, u64)>,
    pub outcome: FileOutcome,
    pub bytes_parsed: usize,
    /// The files whose text its findings point into (read again on replay).
    pub sources: Vec<String>,
    pub secret_spans: BTreeMap<String, Vec<Span>>,
}

/// One file's entry.
#[derive(Clone, Serialize, Deserialize)]
pub struct CachedFile {
    pub hash: u64,
    pub facts: FileFacts,
    pub quiet: Option<FileOutcome>,
    pub checked: Option<CachedCheck>,
    /// The notes lowering it made, when it was lowered only because a
    /// check consulted it: its outcome carries them again when that check
    /// is replayed. `None`: not known.
    pub load_notices: Option<Vec<Notice>>,
}

#[derive(Default, Serialize, Deserialize)]
pub struct CacheData {
    pub files: HashMap<String, CachedFile>,
}

/// The cache of one configuration: where it lives, and what it held when
/// the run started.
pub struct Cache {
    file: PathBuf,
    pub data: CacheData,
}

impl Cache {
    /// Opens the cache for `key` under `dir` (an unreadable or corrupt cache
    /// is an empty one).
    pub fn open(dir: &Path, key: u64) -> Cache {
        let file = dir.join(version_dir()).join(format!("{key:016x}.json"));
        let data = std::fs::read(&file)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        Cache { file, data }
    }

    /// Writes `data` in place of the cache, atomically; errors are ignored.
    pub fn store(&self, data: &CacheData) {
        let _ = self.try_store(data);
    }

    fn try_store(&self, data: &CacheData) -> std::io::Result<()> {
        let version = self.file.parent().expect("a cache file is in its version directory");
        let root = version.parent().expect("a version directory is in the cache directory");
        prepare_root(root)?;
        std::fs::create_dir_all(version)?;
        let bytes = serde_json::to_vec(data).map_err(std::io::Error::other)?;
        let mut temp = tempfile::NamedTempFile::new_in(version)?;
        temp.write_all(&bytes)?;
        temp.persist(&self.file).map_err(|e| e.error)?;
        prune(root, version);
        Ok(())
    }
}

/// `authlint-<version>`: a new authlint never reads an old one's results.
fn version_dir() -> String {
    format!("authlint-{}", env!("CARGO_PKG_VERSION"))
}

/// Creates the cache directory with what marks it as a cache: a
/// `.gitignore` that ignores everything in it and a `CACHEDIR.TAG`.
fn prepare_root(root: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(root)?;
    let gitignore = root.join(".gitignore");
    if !gitignore.exists() {
        std::fs::write(gitignore, "# Created by authlint automatically.\n*\n")?;
    }
    let tag = root.join("CACHEDIR.TAG");
    if !tag.exists() {
        std::fs::write(
            tag,
            "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by authlint.\n",
        )?;
    }
    Ok(())
}

/// Keeps the cache bounded: other versions' directories are removed, and
/// only the most recently written [`MAX_CACHE_FILES`] configurations kept.
fn prune(root: &Path, current: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path != current && path.is_dir() && name.to_string_lossy().starts_with("authlint-") {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
    let Ok(entries) = std::fs::read_dir(current) else {
        return;
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    if files.len() > MAX_CACHE_FILES {
        files.sort();
        for (_, path) in &files[..files.len() - MAX_CACHE_FILES] {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Hashes the `Debug` rendering of `value` (the rules, the settings, the
/// project index): every field counts, and a new field cannot be forgotten.
pub fn debug_hash(value: &impl std::fmt::Debug) -> u64 {
    struct HashWriter<H: Hasher>(H);
    impl<H: Hasher> std::fmt::Write for HashWriter<H> {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.write(s.as_bytes());
            Ok(())
        }
    }
    let mut writer = HashWriter(foldhash::quality::FixedState::with_seed(0x6b65_7973).build_hasher());
    let _ = std::fmt::write(&mut writer, format_args!("{value:?}"));
    writer.0.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cache_is_written_atomically_marked_and_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join(CACHE_DIR_NAME);
        std::fs::create_dir_all(root.join("authlint-0.0.0-old")).unwrap();
        for key in 0..(MAX_CACHE_FILES as u64 + 3) {
            let cache = Cache::open(&root, key);
            assert!(cache.data.files.is_empty());
            cache.store(&CacheData::default());
        }
        assert!(std::fs::read_to_string(root.join(".gitignore")).unwrap().contains('*'));
        assert!(root.join("CACHEDIR.TAG").exists());
        assert!(!root.join("authlint-0.0.0-old").exists(), "other versions are removed");
        let kept = std::fs::read_dir(root.join(version_dir())).unwrap().count();
        assert_eq!(
            kept, MAX_CACHE_FILES,
            "no temporary file is left, at most the bound is kept"
        );
        // A corrupt cache is an empty one.
        let file = root
            .join(version_dir())
            .join(format!("{:016x}.json", MAX_CACHE_FILES + 2));
        std::fs::write(&file, "{not json").unwrap();
        assert!(Cache::open(&root, MAX_CACHE_FILES as u64 + 2).data.files.is_empty());
    }

    #[test]
    fn hashes_are_fixed_and_see_every_byte() {
        assert_eq!(content_hash(b"abc"), content_hash(b"abc"));
        assert_ne!(content_hash(b"abc"), content_hash(b"abd"));
        assert_ne!(content_hash(b""), content_hash(b"\0"));
        assert_eq!(debug_hash(&vec![1, 2]), debug_hash(&vec![1, 2]));
        assert_ne!(debug_hash(&vec![1, 2]), debug_hash(&vec![2, 1]));
    }
}
