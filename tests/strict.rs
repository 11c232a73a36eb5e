//! Files authlint cannot read: a Python coding declaration is decoded, and
//! `--strict` (or `strict = true`) makes a file it could not check fail the
//! run, for teams that want the gate closed on what it cannot see.

mod common;

use common::*;

#[test]
fn a_declared_python_coding_is_decoded_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut latin1 = b"# -*- coding: latin-1 -*-\n# Caf\xe9 -- \xa9 the authors\nimport jwt\n\n".to_vec();
    latin1.extend_from_slice(
        b"def f(t, k):\n    return jwt.decode(t, k, audience='caf\xe9', issuer='i', options={'require': ['exp']})\n",
    );
    write(root, "app/legacy.py", &latin1);
    let out = authlint(&["check", "--output-format", "json", "app"], root);
    let report = json(&out);
    assert_eq!(found(&report), [("app/legacy.py".to_string(), 6, "JWT101".to_string())]);
    // Columns count characters, as in a UTF-8 file.
    assert_eq!(report["findings"][0]["column"], 12);
    assert_eq!(report["summary"]["files_skipped"], 0);
}

#[test]
fn strict_fails_the_run_on_files_it_could_not_check() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "app/clean.py", CLEAN_PY);
    write(root, "app/latin1.py", b"x = '\xe9'\n");
    // Rust that does not parse, among the files a rule's keyword sends to
    // the parser (a file no rule looks at is never parsed at all).
    write(root, "src/broken.rs", "use jsonwebtoken::EncodingKey;\nfn broken( {\n");
    write(root, "app/broken.py", "def broken(:\n    pass\n");

    let out = authlint(&["check", "--output-format", "json", "app", "src"], root);
    assert_eq!(
        out.status.code(),
        Some(0),
        "without --strict, only findings fail the run"
    );
    // The undecodable Python and the unparsable Rust are not checked; the
    // Python syntax error costs one statement, the rest is checked.
    assert_eq!(json(&out)["summary"]["files_unchecked"], 2);

    let out = authlint(&["check", "--strict", "app", "src"], root);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("error: 2 files could not be checked, and --strict fails the run"),
        "{}",
        stderr(&out)
    );

    // The same from configuration; and a run with nothing unreadable passes.
    write(root, "authlint.toml", "strict = true\n");
    let out = authlint(&["check", "app", "src"], root);
    assert_eq!(out.status.code(), Some(1));
    let out = authlint(&["check", "app/clean.py", "app/broken.py"], root);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // Too large counts too; a file that is not source does not.
    let out = authlint(&["check", "--strict", "--max-file-size", "10", "app/clean.py"], root);
    assert_eq!(out.status.code(), Some(1));
    write(root, "notes.txt", "hello\n");
    let out = authlint(&["check", "--strict", "notes.txt"], root);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}
