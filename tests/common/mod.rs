//! Helpers shared by the end-to-end tests: running the built binary,
//! scratch files, the fixture secrets, and SARIF schema validation.
//!
//! Every SARIF log a test reads goes through `sarif_log`, which validates
//! it against the official SARIF 2.1.0 schema before handing it over.

// Each test crate includes this module and uses a different part of it.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

pub mod redaction;

/// Runs authlint without its results cache: tests run it over the
/// repository's examples and fixtures, where a cache must not be left.
pub fn authlint(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_authlint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("AUTHLINT_NO_CACHE", "1")
        .output()
        .expect("the authlint binary runs")
}

/// Runs authlint with its results cache, as a user does (`tests/cache.rs`).
pub fn authlint_cached(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_authlint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("AUTHLINT_NO_CACHE")
        .env_remove("AUTHLINT_CACHE_DIR")
        .output()
        .expect("the authlint binary runs")
}

/// Runs authlint with `input` on its standard input.
pub fn authlint_with_stdin(args: &[&str], cwd: &Path, input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_authlint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("AUTHLINT_NO_CACHE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the authlint binary starts");
    // authlint may exit before reading all of it (a usage error): a broken
    // pipe here is part of what is being tested, not a failure.
    let _ = child.stdin.take().expect("stdin is piped").write_all(input);
    child.wait_with_output().expect("the authlint binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\n{}", stdout(output), stderr(output)))
}

/// (path, line, rule) of every finding in a JSON report, in report order.
pub fn found(report: &Value) -> Vec<(String, u64, String)> {
    report["findings"]
        .as_array()
        .expect("a JSON report has findings")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
                f["rule"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

pub fn write(root: &Path, relative: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, contents).unwrap();
    path
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file with exactly one finding (JWT101), and its fixed version with none.
pub const VULNERABLE_PY: &str = "import jwt\n\ndef check(token, key):\n    return jwt.decode(token, key, audience='api', issuer='https://issuer', options={'require': ['exp']})\n";
pub const CLEAN_PY: &str = "import jwt\n\ndef check(token, key):\n    return jwt.decode(token, key, algorithms=['HS256'], audience='api', issuer='https://issuer', options={'require': ['exp']})\n";

/// The official SARIF 2.1.0 schema (OASIS, errata 01), checked in so the
/// tests never need the network; its `$ref`s all point inside it.
fn sarif_validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let schema: Value =
            serde_json::from_str(include_str!("../data/sarif-schema-2.1.0.json")).expect("the schema is JSON");
        jsonschema::draft4::options()
            // `uri` and `uri-reference` formats are part of what is checked.
            .should_validate_formats(true)
            .build(&schema)
            .expect("the SARIF schema compiles")
    })
}

/// What makes `log` invalid SARIF 2.1.0, one line per schema violation.
pub fn sarif_schema_errors(log: &Value) -> Vec<String> {
    sarif_validator()
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Parses a SARIF log and fails the test unless it is valid SARIF 2.1.0.
pub fn assert_valid_sarif(bytes: &[u8]) -> Value {
    let log: Value =
        serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", String::from_utf8_lossy(bytes)));
    let errors = sarif_schema_errors(&log);
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
    log
}

/// The SARIF log on a run's stdout, validated.
pub fn sarif_log(output: &Output) -> Value {
    assert!(
        !output.stdout.is_empty(),
        "no SARIF on stdout; stderr:\n{}",
        stderr(output)
    );
    assert_valid_sarif(&output.stdout)
}

/// Runs git in `root` with a fixed identity; fails the test when git does.
pub fn git(root: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(root)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .output()
        .expect("git runs");
    assert!(
        status.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}
