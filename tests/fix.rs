//! `check --fix`, `--diff` and SARIF `fixes`, on every fixture line of the
//! rules that have fixes (TOK404, JWT101).
//!
//! A fix must change only the lines of the findings it reports fixed, leave
//! every other finding as it was, be idempotent (a second run changes
//! nothing), and `--diff` must show exactly what `--fix` writes.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{authlint, json, repo_root, sarif_log, stderr, stdout};

/// Fixture lines of TOK404 and JWT101 that have no fix, and why: the rest
/// must all be fixed.
const NOT_FIXABLE: &[(&str, &str)] = &[
    // Turning Flask-JWT-Extended's protections on changes how every client
    // must call the API: the author's decision, not a mechanical edit.
    ("TOK404.py", "JWT_COOKIE_SECURE = False"),
    ("TOK404.py", "JWT_COOKIE_CSRF_PROTECT = False"),
    // `Cookie::new` builds no builder: the flags need `let mut` and setters.
    ("TOK404.rs", "Cookie::new("),
];

/// The fixtures with fixes, in a scratch project that encodes its tokens
/// with HS256 only (JWT101's fix names that algorithm).
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = repo_root().join("fixtures");
    for (from, to) in [
        ("python/TOK404.py", "TOK404.py"),
        ("rust/TOK404.rs", "TOK404.rs"),
        ("python/JWT101.py", "JWT101.py"),
    ] {
        std::fs::copy(fixtures.join(from), dir.path().join(to)).unwrap();
    }
    std::fs::write(
        dir.path().join("tokens.py"),
        "import jwt\n\n\ndef issue(claims, key):\n    return jwt.encode({**claims, \"exp\": 1}, key, algorithm=\"HS256\")\n",
    )
    .unwrap();
    dir
}

fn contents(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// (file, line, rule) of every finding.
fn findings(dir: &Path) -> Vec<(String, u64, String)> {
    let report = json(&authlint(&["check", "--output-format", "json", "."], dir));
    let mut found: Vec<(String, u64, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap().trim_start_matches("./").to_string();
            (
                path,
                f["line"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    assert!(
        report["notices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["kind"] != "parse-error" && n["kind"] != "internal-error"),
        "{report:#}"
    );
    found
}

#[test]
fn fix_mends_every_fixable_fixture_line_and_changes_nothing_else() {
    let dir = scratch();
    let before = contents(dir.path());
    let found_before = findings(dir.path());

    let output = authlint(&["check", "--fix", "--output-format", "json", "."], dir.path());
    let err = stderr(&output);
    // `path:line:column: CODE fixed: title`, one per finding fixed.
    let mut fixed: Vec<(String, u64, String)> = err
        .lines()
        .filter(|l| l.contains(" fixed: "))
        .map(|l| {
            let mut parts = l.splitn(4, ':');
            let path = parts.next().unwrap().trim_start_matches("./").to_string();
            let line = parts.next().unwrap().parse().unwrap();
            let _column = parts.next();
            let code = parts.next().unwrap().split_whitespace().next().unwrap().to_string();
            (path, line, code)
        })
        .collect();
    fixed.sort();
    assert!(
        err.contains(&format!("fixed {} findings in 3 files", fixed.len())),
        "{err}"
    );

    let after = contents(dir.path());
    let found_after = findings(dir.path());

    // Every fixable fixture line was fixed: its finding is gone.
    for (file, text) in &before {
        for (index, line) in text.lines().enumerate() {
            let number = index as u64 + 1;
            for code in ["TOK404", "JWT101"] {
                let expected = line.contains("expect:") && line.split("expect:").nth(1).unwrap().contains(code);
                if !expected {
                    continue;
                }
                let exempt = NOT_FIXABLE.iter().any(|(f, needle)| f == file && line.contains(needle));
                let was_fixed = fixed.contains(&(file.clone(), number, code.to_string()));
                assert_eq!(was_fixed, !exempt, "{file}:{number} {code}: {line}");
                let still = found_after.contains(&(file.clone(), number, code.to_string()));
                assert_eq!(still, exempt, "{file}:{number} {code} after the fix");
            }
        }
    }

    // Only the lines of the findings fixed changed, and nothing else did:
    // every other finding is still there.
    for (file, old) in &before {
        let new = &after[file];
        assert_eq!(
            old.lines().count(),
            new.lines().count(),
            "{file}: lines added or removed"
        );
        for (index, (a, b)) in old.lines().zip(new.lines()).enumerate() {
            let number = index as u64 + 1;
            if a != b {
                assert!(
                    fixed.iter().any(|(f, l, _)| f == file && *l == number),
                    "{file}:{number} changed without a fix reported:\n-{a}\n+{b}"
                );
            }
        }
    }
    let mut expected_after = found_before.clone();
    expected_after.retain(|f| !fixed.contains(f));
    assert_eq!(found_after, expected_after);

    // The report printed is of the fixed tree.
    let printed = json(&output);
    assert_eq!(printed["findings"].as_array().unwrap().len(), found_after.len());

    // Idempotent: a second run fixes nothing and writes nothing.
    let again = authlint(&["check", "--fix", "-q", "."], dir.path());
    assert!(!stderr(&again).contains(" fixed: "), "{}", stderr(&again));
    assert_eq!(contents(dir.path()), after);
}

#[test]
fn diff_shows_what_fix_writes_and_writes_nothing() {
    let shown = scratch();
    let before = contents(shown.path());
    let output = authlint(&["check", "--diff", "."], shown.path());
    assert_eq!(output.status.code(), Some(1), "a diff to show: exit 1");
    assert_eq!(contents(shown.path()), before, "--diff writes nothing");
    let diff = stdout(&output);
    assert!(
        diff.contains("+    jwt.decode(token, key, algorithms=[\"HS256\"])  # expect: JWT101 `jwt.decode`\n"),
        "{diff}"
    );

    // The diff, applied by git, gives what --fix writes.
    std::fs::write(shown.path().join("fixes.diff"), &diff).unwrap();
    let applied = std::process::Command::new("git")
        .args(["apply", "--unsafe-paths", "fixes.diff"])
        .current_dir(shown.path())
        .output()
        .unwrap();
    assert!(applied.status.success(), "{}", String::from_utf8_lossy(&applied.stderr));
    std::fs::remove_file(shown.path().join("fixes.diff")).unwrap();
    let written = scratch();
    authlint(&["check", "--fix", "-q", "."], written.path());
    assert_eq!(contents(shown.path()), contents(written.path()));

    // Nothing left to fix: exit 0, an empty diff.
    let clean = authlint(&["check", "--diff", "."], written.path());
    assert_eq!(clean.status.code(), Some(0));
    assert_eq!(stdout(&clean), "");
}

#[test]
fn sarif_carries_each_proven_fix() {
    let dir = scratch();
    let output = authlint(&["check", "--output-format", "sarif", "TOK404.py"], dir.path());
    let log = sarif_log(&output);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let with_fixes: Vec<&serde_json::Value> = results.iter().filter(|r| r.get("fixes").is_some()).collect();
    // Every `set_cookie` line of the fixture has a fix; the settings lines
    // have none (see NOT_FIXABLE).
    let fixture = std::fs::read_to_string(dir.path().join("TOK404.py")).unwrap();
    let set_cookie_lines = fixture
        .lines()
        .filter(|l| l.contains(".set_cookie(") && l.contains("expect: TOK404"))
        .count();
    assert!(set_cookie_lines >= 4, "{fixture}");
    assert_eq!(with_fixes.len(), set_cookie_lines, "the set_cookie calls: {results:#?}");
    let first = &with_fixes[0]["fixes"][0];
    assert_eq!(
        first["description"]["text"],
        "Set the cookie with httponly=True, secure=True, samesite=\"Lax\""
    );
    let replacement = &first["artifactChanges"][0]["replacements"][0];
    assert_eq!(
        replacement["insertedContent"]["text"],
        ", httponly=True, secure=True, samesite=\"Lax\""
    );
    let region = &replacement["deletedRegion"];
    let first_line = fixture.lines().position(|l| l.contains(".set_cookie(")).unwrap() + 1;
    assert_eq!(region["startLine"], first_line);
    assert_eq!(
        region["startColumn"], region["endColumn"],
        "an insertion deletes nothing"
    );
}
