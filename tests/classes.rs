//! Code that does not ship: tests, examples, benches and docs are classes of
//! code, by path below the linted root and, in Rust, by `#[cfg(test)]` and
//! `#[test]`. Their findings are counted, not shown, and never fail the
//! run, unless asked for (`--include-tests`, `include = [...]`).

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

/// The same hard-coded key in app, test, example, bench and docs code, and
/// in a Rust test module inside an application file.
fn project(root: &Path) {
    write(root, "pyproject.toml", "[project]\nname = \"svc\"\n");
    let decode = |n: u32| {
        format!(
            "import jwt\n\ndef f(t):\n    return jwt.decode(t, 'fixture-key-not-real-c1a{n}', algorithms=['HS256'], audience='a', issuer='i', options={{'require': ['exp']}})\n"
        )
    };
    write(root, "app/auth.py", decode(1));
    write(root, "scripts/rotate.py", decode(2));
    write(root, "tests/test_auth.py", decode(3));
    write(root, "app/test_helpers.py", decode(4));
    write(root, "app/conftest.py", decode(5));
    write(root, "examples/demo/main.py", decode(6));
    write(root, "benches/sign.py", decode(7));
    write(root, "docs/snippets/auth.py", decode(8));
    write(
        root,
        "src/lib.rs",
        "use jsonwebtoken::EncodingKey;\n\n\
         pub fn key() -> EncodingKey {\n    EncodingKey::from_secret(b\"fixture-key-not-real-c1b1\")\n}\n\n\
         #[cfg(test)]\nmod tests {\n    use super::*;\n    #[test]\n    fn signs() {\n        \
         let _ = EncodingKey::from_secret(b\"fixture-key-not-real-c1b2\");\n    }\n}\n",
    );
}

fn paths_and_classes(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["class"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn only_shipping_code_is_reported_and_gated_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    project(root);
    let out = authlint(&["check", "--output-format", "json", "."], root);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(
        paths_and_classes(&report),
        [
            ("app/auth.py".to_string(), "app".to_string()),
            ("scripts/rotate.py".to_string(), "app".to_string()),
            ("src/lib.rs".to_string(), "app".to_string()),
        ]
    );
    assert_eq!(
        report["summary"]["not_shown"],
        serde_json::json!({ "test": 4, "example": 1, "bench": 1, "docs": 1 })
    );

    // Findings only in code that does not ship: counted, and the gate passes.
    for file in ["app/auth.py", "scripts/rotate.py", "src/lib.rs"] {
        std::fs::remove_file(root.join(file)).unwrap();
    }
    write(
        root,
        "src/lib.rs",
        "#[cfg(test)]\nmod tests {\n    #[test]\n    fn signs() {\n        let _ = jsonwebtoken::EncodingKey::from_secret(b\"fixture-key-not-real-c1b3\");\n    }\n}\n",
    );
    let out = authlint(&["check", "."], root);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "… and 7 findings in test, example, benchmark and documentation code not shown (--include-tests)"
        ),
        "{text}"
    );
    assert!(!text.contains("fixture-key-not-real"), "{text}");

    // Asked for, they are reported, with their class, and fail the run.
    let out = authlint(&["check", "--include-tests", "--output-format", "json", "."], root);
    assert_eq!(out.status.code(), Some(1));
    let classes: Vec<String> = paths_and_classes(&json(&out)).into_iter().map(|(_, c)| c).collect();
    assert_eq!(
        classes,
        ["test", "test", "bench", "docs", "example", "test", "test"],
        "{}",
        stdout(&out)
    );
}

#[test]
fn configuration_includes_classes_and_sets_their_severity() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    project(root);
    write(
        root,
        "authlint.toml",
        "include = [\"tests\"]\nfail-on = \"error\"\n\n[class-severity]\ntests = \"warning\"\n",
    );
    let out = authlint(&["check", "--output-format", "json", "--select", "SEC301", "."], root);
    let report = json(&out);
    let tests: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["class"] == "test")
        .collect();
    assert_eq!(tests.len(), 4, "{}", stdout(&out));
    assert!(tests.iter().all(|f| f["severity"] == "warning"));
    assert_eq!(
        report["summary"]["not_shown"],
        serde_json::json!({ "test": 0, "example": 1, "bench": 1, "docs": 1 })
    );
    // `--show-settings` says so.
    let settings = stdout(&authlint(&["check", "--show-settings", "."], root));
    assert!(settings.contains("include: app, test\n"), "{settings}");
    assert!(settings.contains("class-severity: test=warning\n"), "{settings}");
}

#[test]
fn a_directory_named_is_not_classified_and_a_named_file_is_classified_in_its_project() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    project(root);
    // Everything below a directory named on the command line is classified
    // from there: the example is all application code to itself.
    let out = authlint(&["check", "--output-format", "json", "examples/demo"], root);
    assert_eq!(
        paths_and_classes(&json(&out)),
        [("examples/demo/main.py".into(), "app".into())]
    );

    // A named file is classified as the whole-tree run classifies it, from
    // wherever it is named: pre-commit's file list and CI agree.
    for cwd in [root.to_path_buf(), root.join("tests")] {
        let file = if cwd == root {
            "tests/test_auth.py"
        } else {
            "test_auth.py"
        };
        let out = authlint(&["check", "--output-format", "json", file], &cwd);
        let report = json(&out);
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
        assert_eq!(report["summary"]["not_shown"]["test"], 1, "{}", stdout(&out));
    }
    let out = authlint(
        &[
            "check",
            "--output-format",
            "json",
            "app/auth.py",
            "examples/demo/main.py",
        ],
        root,
    );
    assert_eq!(paths_and_classes(&json(&out)), [("app/auth.py".into(), "app".into())]);

    // Standard input is a named file too (an editor's buffer of a test).
    let source = std::fs::read(root.join("tests/test_auth.py")).unwrap();
    let out = authlint_with_stdin(
        &[
            "check",
            "--output-format",
            "json",
            "--stdin-filename",
            "tests/test_auth.py",
            "-",
        ],
        root,
        &source,
    );
    assert_eq!(json(&out)["summary"]["not_shown"]["test"], 1, "{}", stdout(&out));
}

#[test]
fn sarif_tags_each_result_with_its_class_and_counts_what_it_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    project(root);
    let out = authlint(&["check", "--output-format", "sarif", "."], root);
    let log = sarif_log(&out);
    let run = &log["runs"][0];
    assert_eq!(run["properties"]["notShown"]["test"], 4);
    let tags: Vec<&Value> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["properties"]["tags"])
        .collect();
    assert!(tags.iter().all(|t| *t == &serde_json::json!(["app"])), "{tags:?}");
    let out = authlint(&["check", "--include-tests", "--output-format", "sarif", "."], root);
    let log = sarif_log(&out);
    let tagged: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["properties"]["tags"][0].as_str().unwrap())
        .collect();
    for class in ["app", "test", "example", "bench", "docs"] {
        assert!(tagged.contains(&class), "{tagged:?}");
    }
}

#[test]
fn statistics_count_each_rule_in_each_class_and_quote_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    project(root);
    let out = authlint(&["check", "--statistics", "--select", "SEC301", "."], root);
    assert_eq!(out.status.code(), Some(1), "the gate is the same with --statistics");
    let text = stdout(&out);
    let rows: Vec<&str> = text.lines().take_while(|l| !l.contains("findings (")).collect();
    assert_eq!(
        rows,
        [
            "4  SEC301  hardcoded-jwt-key  test (not shown)",
            "3  SEC301  hardcoded-jwt-key  app",
            "1  SEC301  hardcoded-jwt-key  example (not shown)",
            "1  SEC301  hardcoded-jwt-key  bench (not shown)",
            "1  SEC301  hardcoded-jwt-key  docs (not shown)",
        ],
        "{text}"
    );
    assert!(!text.contains("fixture-key-not-real"), "{text}");
    let out = authlint(
        &[
            "check",
            "--statistics",
            "--output-format",
            "json",
            "--select",
            "SEC301",
            ".",
        ],
        root,
    );
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        rows[0],
        serde_json::json!({ "code": "SEC301", "name": "hardcoded-jwt-key", "class": "test", "count": 4, "shown": false })
    );
    let out = authlint(&["check", "--statistics", "--output-format", "sarif", "."], root);
    assert_eq!(out.status.code(), Some(2), "statistics are text or JSON");
}
