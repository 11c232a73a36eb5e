//! The whole pipeline over a small project: the fuzzer's bytes become the
//! files of a Python package or a Rust crate, written to a scratch directory
//! and linted with `Linter::run`, as `authlint check DIR` would. This is the
//! path single-file targets never reach: the two passes, the project index,
//! and modules lowered on first use because another file imports from them.
//! Only the first file carries the rules' keywords, so the others are parsed
//! only when a resolution asks for them.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use authlint::frontend::discover::discover;
use authlint::lint::Linter;
use authlint::model::NoteKind;
use libfuzzer_sys::fuzz_target;

const PYTHON: [&str; 4] = ["pkg/auth.py", "pkg/config.py", "pkg/sub/keys.py", "settings.py"];
const RUST: [&str; 4] = ["svc/src/lib.rs", "svc/src/config.rs", "svc/src/auth/mod.rs", "svc/src/auth/claims.rs"];
/// Files that always exist, so package and module names resolve.
const FIXED: [(&str, &str); 3] = [
    ("pkg/__init__.py", ""),
    ("pkg/sub/__init__.py", ""),
    ("svc/Cargo.toml", "[package]\nname = \"svc\"\n"),
];

fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("authlint-fuzz-project-{}", std::process::id()));
        for (path, text) in FIXED {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().expect("a relative path has a parent")).expect("scratch dir");
            std::fs::write(path, text).expect("scratch file");
        }
        for path in PYTHON.iter().chain(&RUST) {
            std::fs::create_dir_all(dir.join(path).parent().expect("has a parent")).expect("scratch dir");
        }
        dir
    })
}

fn linter() -> &'static Linter<'static> {
    static LINTER: OnceLock<Linter<'static>> = OnceLock::new();
    LINTER.get_or_init(|| Linter::new(authlint_fuzz::embedded_rules(), u64::MAX))
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let (files, subdir, header) = if pick % 2 == 0 {
        (PYTHON, "pkg", "import jwt\n")
    } else {
        (RUST, "svc", "use jsonwebtoken::{decode, encode, EncodingKey, Validation};\n")
    };
    let root = scratch();
    // The files are the input split at NUL bytes (none of them is binary).
    let mut parts = rest.split(|b| *b == 0);
    for (index, path) in files.iter().enumerate() {
        let mut text = parts.next().unwrap_or_default().to_vec();
        if index == 0 {
            text.splice(0..0, header.bytes());
        }
        std::fs::write(root.join(path), text).expect("scratch file");
    }
    // Python files sit in and beside `pkg`, so the whole scratch directory
    // is linted for them; the crate on its own for Rust.
    let target = if subdir == "pkg" { root.to_path_buf() } else { root.join(subdir) };
    let discovery = discover(std::slice::from_ref(&target)).expect("the scratch directory exists");
    let outcome = linter()
        .run(&discovery, std::slice::from_ref(&target), 1)
        .expect("a one-thread pool starts");
    for notice in outcome.notices() {
        assert!(notice.kind != NoteKind::InternalError, "internal error: {}", notice.message);
    }
    for finding in outcome.findings() {
        let text = &outcome.sources[&finding.path];
        assert!(finding.primary.start <= finding.primary.end && finding.primary.end <= text.len(), "{finding:?}");
        for related in &finding.related {
            let other = &outcome.sources[&related.path];
            assert!(related.span.start <= related.span.end && related.span.end <= other.len(), "{related:?}");
        }
    }
    let _ = authlint::report::json::render(&outcome);
});
