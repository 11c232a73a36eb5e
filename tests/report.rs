//! A report that fits: the concise format (and the pre-commit hook using
//! it), code frames that never stretch past a few lines around each label,
//! notices with their line, and a run that found no file saying so.

mod common;

use common::*;

#[test]
fn concise_prints_one_line_per_finding_and_the_hook_uses_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "app/a.py", VULNERABLE_PY);
    write(root, "app/b.py", VULNERABLE_PY);
    let out = authlint(&["check", "--output-format", "concise", "app"], root);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "app/a.py:4:12: JWT101 `jwt.decode` verifies a token without an `algorithms` allowlist",
            "app/b.py:4:12: JWT101 `jwt.decode` verifies a token without an `algorithms` allowlist",
            lines[2],
        ],
    );
    assert!(
        lines[2].starts_with("2 findings (2 errors, 0 warnings, 0 notes) in 2 files"),
        "{text}"
    );
    let quiet = stdout(&authlint(&["check", "--output-format", "concise", "-q", "app"], root));
    assert_eq!(quiet.lines().count(), 2, "{quiet}");

    // Both pre-commit hooks (from source, and the mirror's wheel) print the
    // concise lines by default.
    for file in [".pre-commit-hooks.yaml", "pre-commit-mirror/.pre-commit-hooks.yaml"] {
        let hooks = std::fs::read_to_string(repo_root().join(file)).unwrap();
        assert!(
            hooks.contains("\n  entry: authlint check --output-format concise\n"),
            "{file}: {hooks}"
        );
    }
}

#[test]
fn frames_elide_what_lies_between_far_apart_labels() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut source = String::from("import jwt\n\nSIGNING = 'fixture-key-not-real-r001'\n");
    for i in 0..60 {
        source.push_str(&format!("FILLER_{i} = {i}\n"));
    }
    source.push_str("\ndef issue(p):\n    return jwt.encode(p, SIGNING, algorithm='HS256')\n");
    write(root, "app/keys.py", &source);
    let out = authlint(&["check", "app"], root);
    let text = stdout(&out);
    // The key's line and the use's line, each with one line of context, and
    // an elision mark between them: not the sixty lines in between.
    assert!(text.contains("    ⋮\n"), "{text}");
    assert!(!text.contains("FILLER_30"), "{text}");
    let numbered: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(" │ ") || l.ends_with(" │"))
        .collect();
    assert!(numbered.len() <= 6, "{text}");
    assert!(!text.contains("fixture-key-not-real-r001"), "{text}");
}

#[test]
fn notices_carry_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "app/a.py", "# authlint: ignore\nimport jwt\n");
    let out = authlint(&["check", "app"], root);
    let notes = stderr(&out);
    assert!(notes.contains("note[suppression]: app/a.py:1: "), "{notes}");
}

#[test]
fn a_run_that_finds_no_file_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "docs/readme.md", "jwt.decode(token, key)\n");
    let out = authlint(&["check", "docs"], root);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("warning: no Python or Rust files found under docs"),
        "{}",
        stderr(&out)
    );
    // A file that is found but skipped is not "no file": its notice says why.
    write(root, "app/big.py", "x = 1\n".repeat(100));
    let out = authlint(&["check", "--max-file-size", "10", "app"], root);
    assert!(!stderr(&out).contains("no Python or Rust files"), "{}", stderr(&out));
}
