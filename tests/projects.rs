//! Multi-module projects under `tests/projects/`, linted whole through the
//! CLI: each is the specification of what authlint follows across modules
//! (settings, helpers and their parameters, glob imports, options built in
//! steps). As in the fixtures, a line ending in `# expect: CODE[, CODE]`
//! (`// expect:` in Rust) must get exactly those findings, and every other
//! line of every file none.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::authlint;
use serde_json::Value;

/// (path below the project, line) → sorted codes.
type Expected = BTreeMap<(String, usize), Vec<String>>;

fn project_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/projects").join(name)
}

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the project is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "py" || e == "rs") {
            out.push(path);
        }
    }
}

fn expectations(root: &Path) -> Expected {
    let mut files = Vec::new();
    source_files(root, &mut files);
    let mut expected = Expected::new();
    for file in files {
        let comment = if file.extension().is_some_and(|e| e == "rs") {
            "//"
        } else {
            "#"
        };
        let text = std::fs::read_to_string(&file).expect("UTF-8 source");
        let relative = file
            .strip_prefix(root)
            .expect("below the root")
            .to_string_lossy()
            .into_owned();
        for (index, line) in text.lines().enumerate() {
            let Some(at) = line.rfind(comment) else { continue };
            let Some(codes) = line[at + comment.len()..].trim().strip_prefix("expect:") else {
                continue;
            };
            let mut codes: Vec<String> = codes.split(',').map(|c| c.trim().to_string()).collect();
            codes.sort();
            expected.insert((relative.clone(), index + 1), codes);
        }
    }
    expected
}

/// The project's findings by (path below the project, line).
fn findings(root: &Path) -> Expected {
    let output = authlint(
        &[
            "check",
            ".",
            "--isolated",
            "--output-format",
            "json",
            "--fail-on",
            "never",
        ],
        root,
    );
    assert!(
        output.status.success(),
        "authlint failed on {}: {}",
        root.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    let notices = report["notices"].as_array().expect("notices");
    assert!(notices.is_empty(), "unexpected notices: {notices:#?}");
    let mut actual = Expected::new();
    for finding in report["findings"].as_array().expect("findings") {
        let path = finding["path"]
            .as_str()
            .expect("a path")
            .trim_start_matches("./")
            .to_string();
        let line = finding["line"].as_u64().expect("a line") as usize;
        let code = finding["rule"].as_str().expect("a rule").to_string();
        actual.entry((path, line)).or_default().push(code);
    }
    for codes in actual.values_mut() {
        codes.sort();
    }
    actual
}

fn check_project(name: &str, at_least: usize) {
    let root = project_dir(name);
    let expected = expectations(&root);
    assert!(
        expected.len() >= at_least,
        "{name}: only {} expected findings; the project lost its cases",
        expected.len()
    );
    let actual = findings(&root);
    let mut problems = Vec::new();
    let places: std::collections::BTreeSet<&(String, usize)> = expected.keys().chain(actual.keys()).collect();
    for place in places {
        let want = expected.get(place).cloned().unwrap_or_default();
        let got = actual.get(place).cloned().unwrap_or_default();
        if want != got {
            problems.push(format!(
                "{name}/{}:{}: expected {want:?}, got {got:?}",
                place.0, place.1
            ));
        }
    }
    assert!(problems.is_empty(), "project mismatches:\n{}", problems.join("\n"));
}

#[test]
fn a_fastapi_service_is_followed_across_its_modules() {
    check_project("fastapi-service", 8);
}

#[test]
fn an_axum_service_is_followed_across_its_modules() {
    check_project("axum-service", 5);
}

#[test]
fn verify_sites_of_one_key_are_held_to_the_strongest() {
    check_project("inconsistent-verification", 3);
}

#[test]
fn a_lifetime_chosen_by_a_caller_is_reported_at_the_call_with_the_places_it_passed() {
    let root = project_dir("fastapi-service");
    let output = authlint(
        &[
            "check",
            "app/api/login.py",
            "app",
            "--isolated",
            "--output-format",
            "json",
        ],
        &root,
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    let at_login: Vec<&Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "JWT204" && f["path"].as_str().is_some_and(|p| p.ends_with("login.py")))
        .collect();
    assert_eq!(at_login.len(), 2, "{at_login:#?}");
    assert!(
        at_login[0]["message"].as_str().is_some_and(|m| m.contains("8 days")),
        "{at_login:#?}"
    );
    // The SARIF log carries the encode inside the helper as a related location.
    let sarif = authlint(&["check", "app", "--isolated", "--output-format", "sarif"], &root);
    let log: Value = serde_json::from_slice(&sarif.stdout).expect("a SARIF log");
    let result = log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "JWT204" && r.to_string().contains("login.py"))
        .expect("the JWT204 at the login call")
        .clone();
    let related = result["relatedLocations"].to_string();
    assert!(related.contains("security.py"), "{related}");
}
