//! End-to-end tests of adoption: configuration sources and settings, inline
//! suppressions, the baseline, new-code gating, and configuration errors.
//! Each test builds a scratch project in a temporary directory.

use std::path::Path;

use serde_json::Value;

use common::{authlint, found, git, stderr, stdout, write};

mod common;

/// (path, line, rule) of a finding.
type Found = (String, u64, String);

/// Every finding, the notices' (path, kind), and the exit code.
fn run_json(args: &[&str], cwd: &Path) -> (Vec<Found>, Vec<(String, String)>, Option<i32>) {
    let mut all = vec!["check", "--output-format", "json"];
    all.extend_from_slice(args);
    let out = authlint(&all, cwd);
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(&out), stderr(&out)));
    let findings = found(&report);
    let notices = report["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["path"].as_str().unwrap().to_string(),
                n["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (findings, notices, out.status.code())
}

fn rules_of(findings: &[Found]) -> Vec<&str> {
    let mut rules: Vec<&str> = findings.iter().map(|(_, _, r)| r.as_str()).collect();
    rules.sort();
    rules.dedup();
    rules
}

/// JWT101 and JWT202 (a public key: someone else's token) on line 4, SEC303 on line 2.
const APP: &str =
    "import jwt\nSECRET_KEY = 'fixture-key-not-real-0601'\n\ndef f(t, k):\n    return jwt.decode(t, k.public_key)\n";

#[test]
fn every_configuration_source_is_found() {
    for (file, text) in [
        ("authlint.toml", "ignore = [\"JWT2\"]\n"),
        (".authlint.toml", "ignore = [\"JWT2\"]\n"),
        (
            "pyproject.toml",
            "[project]\nname = \"x\"\n\n[tool.authlint]\nignore = [\"JWT2\"]\n",
        ),
        (
            "Cargo.toml",
            "[package]\nname = \"x\"\nversion = \"0.1.0\"\n\n[package.metadata.authlint]\nignore = [\"JWT2\"]\n",
        ),
        (
            "Cargo.toml",
            "[workspace]\nmembers = []\n\n[workspace.metadata.authlint]\nignore = [\"JWT2\"]\n",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), file, text);
        write(dir.path(), "app/auth.py", APP);
        let (findings, _, _) = run_json(&["app"], dir.path());
        assert_eq!(rules_of(&findings), ["JWT101", "SEC303"], "{file}: {text}");
        let shown = stdout(&authlint(&["check", "--show-settings", "app"], dir.path()));
        assert!(shown.contains(file), "{file}: {shown}");
    }
}

#[test]
fn the_nearest_configuration_wins_and_a_pyproject_without_a_table_is_passed_over() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "authlint.toml", "ignore = [\"SEC\"]\n");
    write(root, "app/auth.py", APP);
    // A subproject with its own configuration: its files follow it.
    write(root, "services/billing/authlint.toml", "ignore = [\"JWT\"]\n");
    write(root, "services/billing/auth.py", APP);
    // A pyproject without [tool.authlint] does not stop the search.
    write(root, "services/mail/pyproject.toml", "[project]\nname = \"mail\"\n");
    write(root, "services/mail/auth.py", APP);
    let (findings, _, _) = run_json(&["."], root);
    let by_file = |path: &str| -> Vec<String> {
        findings
            .iter()
            .filter(|(p, _, _)| p == path)
            .map(|(_, _, r)| r.clone())
            .collect()
    };
    assert_eq!(by_file("app/auth.py"), ["JWT101", "JWT202"]);
    assert_eq!(by_file("services/billing/auth.py"), ["SEC303"]);
    assert_eq!(by_file("services/mail/auth.py"), ["JWT101", "JWT202"]);
}

#[test]
fn config_flag_isolated_and_the_command_line_win() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "authlint.toml", "ignore = [\"JWT\"]\n");
    write(root, "other.toml", "select = [\"JWT101\"]\n");
    write(root, "app/auth.py", APP);
    assert_eq!(rules_of(&run_json(&["app"], root).0), ["SEC303"]);
    assert_eq!(
        rules_of(&run_json(&["--config", "other.toml", "app"], root).0),
        ["JWT101"]
    );
    assert_eq!(
        rules_of(&run_json(&["--isolated", "app"], root).0),
        ["JWT101", "JWT202", "SEC303"]
    );
    // Flags win over the file.
    assert_eq!(
        rules_of(&run_json(&["--select", "JWT2,SEC", "app"], root).0),
        ["JWT202", "SEC303"]
    );
    assert_eq!(
        rules_of(&run_json(&["--ignore", "SEC", "--extend-select", "JWT101", "app"], root).0),
        ["JWT101"]
    );
}

#[test]
fn severity_fail_on_and_per_file_ignores() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "authlint.toml",
        "fail-on = \"error\"\nignore = [\"JWT101\", \"SEC\"]\n\n[severity]\nJWT202 = \"note\"\n\n[per-file-ignores]\n\"tests/**\" = [\"JWT202\"]\n",
    );
    write(root, "app/auth.py", APP);
    write(root, "tests/test_auth.py", APP);
    let out = authlint(&["check", "--output-format", "json", "."], root);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["path"], "app/auth.py");
    assert_eq!(findings[0]["severity"], "note");
    // A note does not fail `fail-on = "error"`; the flag overrides the file.
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        authlint(&["check", "--fail-on", "note", "."], root).status.code(),
        Some(1)
    );
}

#[test]
fn exclude_extend_exclude_and_gitignore() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    write(root, ".gitignore", "generated/\n");
    write(
        root,
        "authlint.toml",
        "exclude = [\"legacy\"]\nextend-exclude = [\"**/*_pb2.py\"]\n",
    );
    for file in ["app/auth.py", "legacy/old.py", "app/api_pb2.py", "generated/client.py"] {
        write(root, file, APP);
    }
    let files = |args: &[&str]| -> Vec<String> {
        let mut paths: Vec<String> = run_json(args, root).0.into_iter().map(|(p, _, _)| p).collect();
        paths.dedup();
        paths
    };
    assert_eq!(files(&["."]), ["app/auth.py"]);
    assert_eq!(
        files(&["--no-respect-gitignore", "."]),
        ["app/auth.py", "generated/client.py"]
    );
    // Named on the command line, a file is linted whatever excludes it.
    assert_eq!(
        files(&["legacy/old.py", "generated/client.py"]),
        ["generated/client.py", "legacy/old.py"]
    );
    // The flag replaces the file's `exclude`; its `extend-exclude` still applies.
    assert_eq!(files(&["--exclude", "app", "."]), ["legacy/old.py"]);
    assert_eq!(files(&["--exclude", "nothing", "."]), ["app/auth.py", "legacy/old.py"]);
}

#[test]
fn thresholds_and_name_patterns_are_configurable() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let app = "import jwt\nimport os\nfrom datetime import datetime, timedelta\n\n\
def issue(u, k):\n    return jwt.encode({'sub': u, 'exp': datetime.utcnow() + timedelta(hours=8)}, k, algorithm='HS256')\n\n\
def read(t, k):\n    return jwt.decode(t, k, algorithms=['RS256'], audience='a', options={'require': ['exp']})\n\n\
APP_TOKEN_SEED = 'fixture-key-not-real-0602'\nSESSION_TICKET = os.getenv('SESSION_TICKET')\n\n\
def log(session_ticket):\n    print(session_ticket)\n";
    write(root, "app.py", app);
    assert_eq!(
        rules_of(&run_json(&["--isolated", "app.py"], root).0),
        ["JWT202", "JWT204"],
        "defaults: 8 hours is too long, iss is not checked"
    );
    write(
        root,
        "authlint.toml",
        "max-access-token-lifetime = \"12h\"\nrequired-claims = [\"aud\", \"exp\"]\n\
extend-secret-names = [\"*_token_seed\"]\nextend-token-names = [\"session_ticket\"]\n",
    );
    assert_eq!(rules_of(&run_json(&["app.py"], root).0), ["SEC303", "TOK403"]);
    let shown = stdout(&authlint(&["check", "--show-settings"], root));
    assert!(shown.contains("max-access-token-lifetime: 12 hours"), "{shown}");
    assert!(shown.contains("required-claims: aud, exp"), "{shown}");
    assert!(!shown.contains("fixture-key-not-real"), "settings never show a secret");
}

#[test]
fn rules_dirs_load_custom_rules() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let rule = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/examples/rules/ORG501-decode-token-without-audience.toml"),
    )
    .unwrap();
    write(root, "lint-rules/ORG501.toml", &rule);
    write(
        root,
        "authlint.toml",
        "rules-dirs = [\"lint-rules\"]\nselect = [\"ORG\"]\n",
    );
    write(
        root,
        "svc.py",
        "from myorg.auth import decode_token\n\ndef f(t, k):\n    return decode_token(t, k)\n",
    );
    assert_eq!(rules_of(&run_json(&["svc.py"], root).0), ["ORG501"]);
}

#[test]
fn every_suppression_form() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "app.py",
        "import jwt\n\
SECRET_KEY = 'fixture-key-not-real-0603'  # authlint: ignore[SEC303] -- rotated away in prod\n\n\
def a(t, k):\n    # authlint: ignore[JWT101, JWT202]\n    return jwt.decode(t, k.public_key)\n\n\
def b(t, k):\n    return jwt.decode(t, k.public_key)  # authlint: ignore[JWT1]\n\n\
def c(t, k):\n    return jwt.decode(t, k.public_key)  # authlint: ignore\n\n\
def d(t, k):\n    return jwt.decode(t, k, algorithms=['RS256'])  # authlint: ignore[JWT105]\n",
    );
    write(
        root,
        "file_wide.py",
        "# authlint: ignore-file[SEC303]\nSECRET_KEY = 'fixture-key-not-real-0604'\n",
    );
    let (findings, notices, _) = run_json(&["."], root);
    assert_eq!(
        findings,
        [
            ("app.py".to_string(), 9, "JWT202".to_string()),
            ("app.py".to_string(), 12, "JWT101".to_string()),
            ("app.py".to_string(), 12, "JWT202".to_string()),
            ("app.py".to_string(), 15, "JWT202".to_string()),
        ]
    );
    // The bare `ignore` is refused with a notice; unused ones are silent by default.
    assert_eq!(notices, [("app.py".to_string(), "suppression".to_string())]);
    let (_, notices, code) = run_json(&["--report-unused-suppressions", "."], root);
    assert!(
        notices.contains(&("app.py".to_string(), "unused-suppression".to_string())),
        "{notices:?}"
    );
    assert_eq!(notices.len(), 2, "{notices:?}");
    assert_eq!(code, Some(1), "unused suppressions are notes, findings still fail");
}

#[test]
fn baseline_write_read_and_prune_survive_inserted_lines() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "app.py", APP);
    let out = authlint(&["check", "--write-baseline", "baseline.json", "."], root);
    assert_eq!(out.status.code(), Some(0), "everything recorded: {}", stdout(&out));
    assert!(
        stderr(&out).contains("recorded 3 findings in the baseline baseline.json"),
        "{}",
        stderr(&out)
    );
    let hid = authlint(&["check", "--baseline", "baseline.json", "."], root);
    assert!(
        stderr(&hid).contains("the baseline baseline.json hid 3 findings"),
        "{}",
        stderr(&hid)
    );
    let baseline = std::fs::read_to_string(root.join("baseline.json")).unwrap();
    assert!(!baseline.contains("fixture-key-not-real-0601"), "{baseline}");
    let recorded: Value = serde_json::from_str(&baseline).unwrap();
    assert_eq!(recorded["findings"].as_array().unwrap().len(), 3);

    // Unrelated lines above: still the same findings, hidden.
    write(root, "app.py", format!("\"\"\"Docs.\"\"\"\n\nimport os\n\n{APP}"));
    let (findings, _, code) = run_json(&["--baseline", "baseline.json", "."], root);
    assert!(findings.is_empty(), "{findings:?}");
    assert_eq!(code, Some(0));

    // A new finding is reported; a fixed one drops out when pruning.
    let changed = format!("\"\"\"Docs.\"\"\"\n\nimport os\n\n{APP}").replace(
        "jwt.decode(t, k.public_key)",
        "jwt.decode(t, k, algorithms=['HS256'], audience='a', issuer='i', options={'require': ['exp']})",
    ) + "\ndef g(t):\n    return jwt.decode(t, options={'verify_signature': False})\n";
    write(root, "app.py", &changed);
    let (findings, _, code) = run_json(&["--baseline", "baseline.json", "."], root);
    assert_eq!(findings, [("app.py".to_string(), 12, "JWT105".to_string())]);
    assert_eq!(code, Some(1));
    authlint(
        &[
            "check",
            "--baseline",
            "baseline.json",
            "--write-baseline",
            "baseline.json",
            ".",
        ],
        root,
    );
    let pruned: Value = serde_json::from_str(&std::fs::read_to_string(root.join("baseline.json")).unwrap()).unwrap();
    let rules: Vec<&str> = pruned["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        ["SEC303"],
        "JWT101/JWT202 were fixed; the new JWT105 is not absorbed"
    );

    // From the configuration, too.
    write(root, "authlint.toml", "baseline = \"baseline.json\"\n");
    let (findings, _, _) = run_json(&["."], root);
    assert_eq!(findings, [("app.py".to_string(), 12, "JWT105".to_string())]);
}

/// A file with one JWT105 finding, on line 4.
const UNVERIFIED: &str =
    "import jwt\n\ndef read_claims(t):\n    return jwt.decode(t, options={'verify_signature': False})\n";

/// Records a baseline of everything under `root` (in `baseline.json`) and
/// returns its entries.
fn record_baseline(root: &Path) -> Vec<Value> {
    let out = authlint(&["check", "--write-baseline", "baseline.json", "."], root);
    assert_eq!(out.status.code(), Some(0), "everything recorded: {}", stderr(&out));
    let baseline: Value = serde_json::from_str(&std::fs::read_to_string(root.join("baseline.json")).unwrap()).unwrap();
    baseline["findings"].as_array().unwrap().clone()
}

/// A project with `UNVERIFIED` as `app.py` and a baseline of it: the
/// directory and the recorded entries.
fn unverified_app_with_its_baseline() -> (tempfile::TempDir, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app.py", UNVERIFIED);
    let recorded = record_baseline(dir.path());
    (dir, recorded)
}

/// The findings the baseline does not hide.
fn past_the_baseline(root: &Path) -> Vec<Found> {
    let (findings, _, code) = run_json(&["--baseline", "baseline.json", "."], root);
    assert_eq!(code, Some(if findings.is_empty() { 0 } else { 1 }), "{findings:?}");
    findings
}

#[test]
fn the_baseline_matches_the_rule_the_path_and_the_fingerprint() {
    let (dir, recorded) = unverified_app_with_its_baseline();
    let root = dir.path();
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert!(past_the_baseline(root).is_empty());
    let entry = &recorded[0];
    let with = |field: &str, value: &str| {
        let mut changed = entry.clone();
        changed[field] = Value::from(value);
        write(
            root,
            "baseline.json",
            serde_json::json!({ "version": 1, "findings": [changed] }).to_string(),
        );
        past_the_baseline(root)
    };
    let reported = vec![("app.py".to_string(), 4, "JWT105".to_string())];
    // Each part of the key, changed alone, no longer matches.
    assert_eq!(with("rule", "JWT101"), reported, "another rule's record");
    assert_eq!(with("path", "other.py"), reported, "another file's record");
    let fingerprint = entry["fingerprint"].as_str().unwrap();
    let (hash, occurrence) = fingerprint.split_once(':').unwrap();
    let other_line = format!("{}:{occurrence}", "0".repeat(hash.len()));
    assert_eq!(with("fingerprint", &other_line), reported, "another line's record");
    assert_eq!(
        with("fingerprint", &format!("{hash}:2")),
        reported,
        "another occurrence's record"
    );
    // The message is for people: it does not take part.
    assert!(with("message", "reworded").is_empty());
}

#[test]
fn a_fixed_finding_replaced_by_a_new_one_of_the_same_rule_in_the_same_file_is_reported() {
    let (dir, _) = unverified_app_with_its_baseline();
    let root = dir.path();
    let fixed = UNVERIFIED.replace(
        "jwt.decode(t, options={'verify_signature': False})",
        "jwt.decode(t, KEY, algorithms=['HS256'], audience='a', issuer='i', options={'require': ['exp']})",
    );
    write(
        root,
        "app.py",
        format!("{fixed}\ndef peek(t):\n    return jwt.decode(t, verify=False)\n"),
    );
    assert_eq!(
        past_the_baseline(root),
        [("app.py".to_string(), 7, "JWT105".to_string())],
        "same rule, same file, another finding"
    );
    // The same file copied elsewhere: same rule and fingerprint, another path.
    write(root, "app.py", UNVERIFIED);
    write(root, "copy/app.py", UNVERIFIED);
    assert_eq!(
        past_the_baseline(root),
        [("copy/app.py".to_string(), 4, "JWT105".to_string())]
    );
}

#[test]
fn a_finding_moved_by_inserted_lines_is_still_the_recorded_one() {
    let (dir, _) = unverified_app_with_its_baseline();
    let root = dir.path();
    let moved = UNVERIFIED
        .replace(
            "import jwt\n",
            "\"\"\"Claims.\"\"\"\nimport os\n\nimport jwt\n\nTIMEOUT = 5\n",
        )
        .replace(
            "def read_claims(t):\n",
            "def read_claims(t):\n    # Only for display.\n\n",
        );
    write(root, "app.py", &moved);
    let (findings, _, _) = run_json(&["."], root);
    assert_eq!(
        findings,
        [("app.py".to_string(), 11, "JWT105".to_string())],
        "moved 7 lines down"
    );
    assert!(past_the_baseline(root).is_empty());
    // Re-indented (whitespace is normalised) it is still the same finding.
    write(root, "app.py", moved.replace("    return jwt", "        return  jwt"));
    assert!(past_the_baseline(root).is_empty());
}

#[test]
fn identical_findings_in_one_file_are_counted_not_merged() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // Each result is trusted (passed on): a dropped one is no finding.
    let line = "    grant(jwt.decode(t, verify=False))\n";
    let file = |copies: usize| format!("import jwt\n\ndef f(t):\n{}", line.repeat(copies));
    write(root, "app.py", file(2));
    let recorded = record_baseline(root);
    let mut prints: Vec<&str> = recorded.iter().map(|e| e["fingerprint"].as_str().unwrap()).collect();
    assert_eq!(prints.len(), 2, "{recorded:?}");
    prints.dedup();
    assert_eq!(prints.len(), 2, "two records, told apart: {recorded:?}");
    assert!(past_the_baseline(root).is_empty());
    write(root, "app.py", file(3));
    assert_eq!(
        past_the_baseline(root),
        [("app.py".to_string(), 6, "JWT105".to_string())],
        "the third copy is new; the two recorded ones stay hidden"
    );
    write(root, "app.py", file(1));
    assert!(past_the_baseline(root).is_empty());
    record_baseline(root);
    write(root, "app.py", file(2));
    assert_eq!(
        past_the_baseline(root),
        [("app.py".to_string(), 5, "JWT105".to_string())],
        "one record hides one of two identical findings"
    );
}

#[test]
fn diff_base_reports_only_new_lines() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q"]);
    write(root, "app.py", APP);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "legacy"]);
    let mut changed = APP.to_string();
    changed.push_str("\ndef g(t):\n    return jwt.decode(t, options={'verify_signature': False})\n");
    write(root, "app.py", &changed);
    write(
        root,
        "new.py",
        "import jwt\n\ndef h(t, k):\n    return jwt.decode(t, k.public_key)\n",
    );
    let (findings, _, _) = run_json(&["--diff-base", "HEAD", "."], root);
    assert_eq!(
        findings,
        [
            ("app.py".to_string(), 8, "JWT105".to_string()),
            ("new.py".to_string(), 4, "JWT101".to_string()),
            ("new.py".to_string(), 4, "JWT202".to_string()),
        ]
    );
    let out = authlint(&["check", "--diff-base", "no-such-ref", "."], root);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no-such-ref"), "{}", stderr(&out));
    // From outside the repository: the repository of the linted paths counts.
    let elsewhere = tempfile::tempdir().unwrap();
    let named = [root.join("app.py"), root.join("new.py")];
    let named: Vec<&str> = named.iter().map(|p| p.to_str().unwrap()).collect();
    let (findings, _, _) = run_json(&[&["--diff-base", "HEAD"][..], &named].concat(), elsewhere.path());
    let lines: Vec<(u64, String)> = findings.into_iter().map(|(_, line, code)| (line, code)).collect();
    assert_eq!(
        lines,
        [
            (8, "JWT105".to_string()),
            (4, "JWT101".to_string()),
            (4, "JWT202".to_string())
        ]
    );
}

#[test]
fn configuration_mistakes_exit_2_and_point_at_the_spot() {
    for (text, message, frame, help) in [
        (
            "selct = [\"JWT\"]\n",
            "unknown field `selct`",
            "selct",
            Some("did you mean `select`?"),
        ),
        ("respect-gitignore = \"yes\"\n", "invalid type", "\"yes\"", None),
        (
            "select = [\"JWT1O1\"]\n",
            "no rule has the code or prefix `JWT1O1`",
            "\"JWT1O1\"",
            Some("did you mean `JWT101`?"),
        ),
        ("exclude = [\"src/[a\"]\n", "bad glob", "\"src/[a\"", None),
        (
            "max-leeway = \"5 fortnights\"\n",
            "unknown unit",
            "\"5 fortnights\"",
            None,
        ),
        (
            "[per-file-ignores]\n\"tests/**\" = [\"SEC9\"]\n",
            "no rule has the code or prefix `SEC9`",
            "\"SEC9\"",
            None,
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "authlint.toml", text);
        write(dir.path(), "app.py", APP);
        let out = authlint(&["check", "."], dir.path());
        assert_eq!(out.status.code(), Some(2), "{text}");
        let err = stderr(&out);
        assert!(err.contains(message), "{text}: {err}");
        assert!(err.contains("authlint.toml"), "{err}");
        assert!(err.contains(frame), "the frame shows the offending value: {err}");
        if let Some(help) = help {
            assert!(err.contains(help), "{err}");
        }
    }
    // In a pyproject.toml, the span is within the whole file.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pyproject.toml",
        "[project]\nname = \"x\"\n\n[tool.authlint]\nfail-on = \"sometimes\"\n",
    );
    write(dir.path(), "app.py", APP);
    let out = authlint(&["check", "."], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("fail-on = \"sometimes\""), "{}", stderr(&out));
}

#[test]
fn the_readme_example_configuration_is_valid() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme
        .find("```toml\n# authlint.toml\n")
        .expect("the README has the example")
        + "```toml\n".len();
    let example = &readme[start..start + readme[start..].find("```").unwrap()];
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "authlint.toml", example);
    std::fs::create_dir_all(dir.path().join("lint/authlint-rules")).unwrap();
    write(
        dir.path(),
        ".authlint-baseline.json",
        "{\"version\": 1, \"findings\": []}",
    );
    let out = authlint(&["check", "--show-settings"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let shown = stdout(&out);
    assert!(shown.contains("max-access-token-lifetime: 15 minutes"), "{shown}");
    assert!(shown.contains("TOK403=error"), "{shown}");
    assert!(shown.contains("report-unused-suppressions: true"), "{shown}");
}

#[test]
fn an_unknown_code_in_a_suppression_is_always_reported_with_a_guess() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // One file a rule checks, one no rule looks at: both are told.
    write(
        root,
        "app.py",
        "import jwt\n\ndef f(t, k):\n    return jwt.decode(t, k)  # authlint: ignore[JWT1O1, JWT101]\n",
    );
    write(root, "quiet.py", "x = 1  # authlint: ignore[ZZZ999]\n");
    let out = authlint(&["check", "--output-format", "json", "."], root);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let told: Vec<String> = report["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["message"].as_str().unwrap().to_string())
        .filter(|m| m.contains("unknown rule code"))
        .collect();
    assert_eq!(told.len(), 2, "{report}");
    assert!(
        told[0].contains("`JWT1O1`") && told[0].contains("did you mean JWT101"),
        "{told:?}"
    );
    assert!(
        told[1].contains("`ZZZ999`") && told[1].contains("authlint rules"),
        "{told:?}"
    );
}
