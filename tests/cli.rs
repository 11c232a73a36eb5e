//! End-to-end tests of the built binary: exit codes, formats, custom rules,
//! malformed rule files, and bad input next to good input.

use std::path::{Path, PathBuf};

use common::{authlint, found, json, redaction, repo_root, stderr, stdout, write};
use serde_json::Value;

mod common;

/// One finding, JWT101 at 4:12: the claims are checked, so JWT202 stays quiet.
const VULNERABLE_PY: &str = "import jwt\n\ndef check(token, key):\n    return jwt.decode(token, key, audience='api', issuer='https://issuer', options={'require': ['exp']})\n";
const CLEAN_PY: &str = "import jwt\n\ndef check(token, key):\n    return jwt.decode(token, key, algorithms=['HS256'], audience='api', issuer='https://issuer', options={'require': ['exp']})\n";

#[test]
fn exit_code_0_on_a_clean_tree() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app/auth.py", CLEAN_PY);
    let out = authlint(&["check", "."], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("0 findings"), "{}", stdout(&out));
}

#[test]
fn exit_code_1_on_findings_and_the_text_report_shows_the_frame() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app/auth.py", VULNERABLE_PY);
    let out = authlint(&["check", "app"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("JWT101"), "{text}");
    assert!(text.contains("decode-without-algorithms"), "{text}");
    assert!(text.contains("app/auth.py:4:12"), "{text}");
    assert!(text.contains("no `algorithms=` allowlist"), "{text}");
    assert!(text.contains("help:"), "{text}");
    assert!(
        text.contains("1 finding (1 error, 0 warnings, 0 notes) in 1 file (0 skipped) in"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "NO_COLOR output has no escape codes");
}

#[test]
fn quiet_drops_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "auth.py", VULNERABLE_PY);
    let out = authlint(&["check", "-q", "."], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("JWT101"));
    assert!(!stdout(&out).contains("findings ("), "{}", stdout(&out));
}

#[test]
fn exit_code_2_on_a_missing_path_and_on_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = authlint(&["check", "does-not-exist"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("does-not-exist"), "{}", stderr(&out));
    assert!(stderr(&out).contains("no such file or directory"), "{}", stderr(&out));

    let out = authlint(&["check", "--output-format", "yaml", "."], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let out = authlint(&["check", "--no-such-flag"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

/// A custom rule of each severity, to exercise `--fail-on`.
fn severity_rules(root: &Path) -> PathBuf {
    for (code, severity, callee) in [
        ("ORG901", "warning", "audit.warn_me"),
        ("ORG902", "note", "audit.note_me"),
    ] {
        write(
            root,
            &format!("rules/{code}.toml"),
            format!(
                r#"code = "{code}"
name = "custom-{severity}"
severity = "{severity}"
languages = ["python"]
keywords = ["audit"]
summary = "Test rule."
message = "`{{callee}}` was called"
help = "Do not."
rationale = "Test rule."

[[match]]
language = "python"
callee = ["{callee}"]
"#
            ),
        );
    }
    root.join("rules")
}

#[test]
fn fail_on_sets_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let rules = severity_rules(dir.path());
    let rules = rules.to_str().unwrap();
    write(dir.path(), "src/warn.py", "import audit\naudit.warn_me()\n");
    write(dir.path(), "src/note.py", "import audit\naudit.note_me()\n");
    write(dir.path(), "src/err.py", VULNERABLE_PY);

    let run = |args: &[&str]| {
        let mut all = vec!["check", "--rules", rules];
        all.extend_from_slice(args);
        authlint(&all, dir.path()).status.code()
    };
    // The default threshold is `warning`.
    assert_eq!(run(&["src/warn.py"]), Some(1));
    assert_eq!(run(&["src/note.py"]), Some(0));
    assert_eq!(run(&["--fail-on", "note", "src/note.py"]), Some(1));
    assert_eq!(run(&["--fail-on", "error", "src/warn.py"]), Some(0));
    assert_eq!(run(&["--fail-on", "error", "src/err.py"]), Some(1));
    assert_eq!(run(&["--fail-on", "never", "src"]), Some(0));
}

#[test]
fn fail_on_judges_the_most_severe_finding_of_the_whole_run() {
    let dir = tempfile::tempdir().unwrap();
    let rules = severity_rules(dir.path());
    let rules = rules.to_str().unwrap();
    // One file per severity, and one file holding all three.
    let files = [
        ("error", "src/err.py", VULNERABLE_PY.to_string()),
        ("warning", "src/warn.py", "import audit\naudit.warn_me()\n".to_string()),
        ("note", "src/note.py", "import audit\naudit.note_me()\n".to_string()),
    ];
    for (_, path, text) in &files {
        write(dir.path(), path, text);
    }
    write(
        dir.path(),
        "mixed/all.py",
        format!("import audit\naudit.note_me()\naudit.warn_me()\n{VULNERABLE_PY}"),
    );
    let rank = |severity: &str| ["note", "warning", "error"].iter().position(|s| *s == severity);
    // Every combination of severities in one run. Findings come sorted by
    // path (err, note, warn), so the most severe is neither always the first
    // nor always the last.
    for mask in 1..8u8 {
        let present: Vec<&(&str, &str, String)> = files
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, f)| f)
            .collect();
        let shown: Vec<&str> = present.iter().map(|(severity, ..)| *severity).collect();
        for threshold in ["error", "warning", "note", "never"] {
            let fails = shown
                .iter()
                .any(|severity| rank(threshold).is_some_and(|t| rank(severity) >= Some(t)));
            let mut args = vec![
                "check",
                "--rules",
                rules,
                "--fail-on",
                threshold,
                "--output-format",
                "json",
            ];
            args.extend(present.iter().map(|(_, path, _)| *path));
            let out = authlint(&args, dir.path());
            assert_eq!(
                out.status.code(),
                Some(i32::from(fails)),
                "--fail-on {threshold} with {shown:?}: {}",
                stderr(&out)
            );
            let report = json(&out);
            let severities: std::collections::BTreeSet<&str> = report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["severity"].as_str().unwrap())
                .collect();
            assert_eq!(
                severities,
                shown.iter().copied().collect(),
                "the threshold hides no finding from the report"
            );
        }
    }
    for (threshold, code) in [("error", 1), ("warning", 1), ("note", 1), ("never", 0)] {
        let out = authlint(
            &["check", "--rules", rules, "--fail-on", threshold, "mixed"],
            dir.path(),
        );
        assert_eq!(
            out.status.code(),
            Some(code),
            "--fail-on {threshold}, all three in one file"
        );
    }
}

#[test]
fn json_output_follows_the_contract_and_is_sorted() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "b/second.py",
        "import jwt\nK = 'fixture-key-not-real-0001'\ndef f(t):\n    return jwt.decode(t, K, audience='api', issuer='https://issuer', options={'require': ['exp']})\n",
    );
    write(dir.path(), "a/first.py", VULNERABLE_PY);
    let out = authlint(&["check", "--output-format", "json", "."], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert_eq!(report["version"], 1);
    let findings = report["findings"].as_array().unwrap();
    let keys: Vec<(String, u64, u64, String)> = findings
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            ("a/first.py".to_string(), 4, 12, "JWT101".to_string()),
            ("b/second.py".to_string(), 4, 12, "JWT101".to_string()),
            ("b/second.py".to_string(), 4, 26, "SEC301".to_string()),
        ]
    );
    let first = &findings[0];
    for field in ["rule", "name", "severity", "path", "message", "help"] {
        assert!(first[field].is_string(), "{field} is a string");
    }
    for field in ["line", "column", "end_line", "end_column"] {
        assert!(first[field].as_u64().unwrap() >= 1, "{field} is 1-based");
    }
    assert_eq!(first["end_column"], 22);
    assert_eq!(first["severity"], "error");
    let summary = &report["summary"];
    assert_eq!(summary["files_scanned"], 2);
    assert_eq!(summary["files_skipped"], 0);
    assert_eq!(summary["findings"], 3);
    assert_eq!(summary["errors"], 3);
    assert_eq!(summary["warnings"], 0);
    assert_eq!(summary["notes"], 0);
    assert!(summary["elapsed_ms"].is_u64());
    let text = stdout(&out);
    assert!(!text.contains("fixture-key-not-real-0001"), "the secret leaked: {text}");
}

#[test]
fn json_summary_counts_the_files_and_bytes_that_reached_the_parser() {
    let dir = tempfile::tempdir().unwrap();
    let parsed = "import jwt\ndef f(t, k):\n    return jwt.decode(t, k)\n";
    // Words in a comment or a docstring do not make a file worth parsing.
    let quiet =
        "# This module has nothing to do with jwt.\ndef g():\n    \"\"\"No jwt here either.\"\"\"\n    return 1\n";
    write(dir.path(), "parsed.py", parsed);
    write(dir.path(), "quiet.py", quiet);
    let out = authlint(
        &["check", "--output-format", "json", "--fail-on", "never", "."],
        dir.path(),
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let summary = &report["summary"];
    assert_eq!(summary["files_scanned"], 2);
    assert_eq!(summary["files_parsed"], 1);
    assert_eq!(summary["bytes_scanned"], (parsed.len() + quiet.len()) as u64);
    assert_eq!(summary["bytes_parsed"], parsed.len() as u64);
}

#[test]
fn output_is_identical_whatever_the_thread_count() {
    let root = repo_root();
    let run = |threads: &str| {
        let out = authlint(
            &[
                "check",
                "--output-format",
                "json",
                "--threads",
                threads,
                "fixtures",
                "examples",
            ],
            &root,
        );
        let mut report = json(&out);
        report["summary"]["elapsed_ms"] = Value::Null;
        report.to_string()
    };
    let single = run("1");
    for threads in ["2", "8"] {
        assert_eq!(single, run(threads), "threads = {threads}");
    }
}

#[test]
fn custom_rules_from_a_directory_run_beside_the_builtin_ones() {
    let dir = tempfile::tempdir().unwrap();
    let rules = repo_root().join("docs/examples/rules");
    write(
        dir.path(),
        "svc/api.py",
        "from myorg.auth import decode_token\nimport myorg.auth\n\ndef a(t, k):\n    return decode_token(t, k)\n\ndef b(t, k):\n    return myorg.auth.decode_token(t, k, audience='billing')\n",
    );
    let out = authlint(
        &[
            "check",
            "--output-format",
            "json",
            "--rules",
            rules.to_str().unwrap(),
            "svc",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["rule"], "ORG501");
    assert_eq!(findings[0]["line"], 5);
    assert_eq!(findings[0]["message"], "`decode_token` is called without `audience=`");
}

#[test]
fn a_malformed_rule_file_exits_2_and_points_at_the_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "rules/bad.toml",
        "code = \"ORG777\"\nname = \"bad\"\nseverity = \"fatal\"\nlanguages = [\"python\"]\n",
    );
    write(dir.path(), "a.py", CLEAN_PY);
    let out = authlint(&["check", "--rules", "rules", "a.py"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("rules/bad.toml"), "{err}");
    assert!(
        err.contains("severity = \"fatal\""),
        "the frame shows the offending line: {err}"
    );
    assert!(err.contains("unknown variant"), "{err}");

    // A rule whose code collides with a built-in one.
    write(
        dir.path(),
        "dup/JWT101.toml",
        std::fs::read_to_string(repo_root().join("rules/JWT101-decode-without-algorithms.toml")).unwrap(),
    );
    let out = authlint(&["check", "--rules", "dup", "a.py"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already defined"), "{}", stderr(&out));

    let out = authlint(&["check", "--rules", "no-such-dir", "a.py"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bad_input_is_reported_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "bad/latin1.py",
        b"import jwt\nname = '\xe9t\xe9'\njwt.decode(t, k)\n",
    );
    write(root, "bad/binary.py", b"\x7fELF\x00\x00\x01jwt");
    write(root, "bad/empty.py", "");
    write(
        root,
        "bad/bom.py",
        b"\xEF\xBB\xBFimport jwt\njwt.decode(t, k, audience='api', issuer='https://issuer', options={'require': ['exp']})\n",
    );
    write(
        root,
        "bad/crlf.py",
        "import jwt\r\n\r\ndef f(t, k):\r\n    return jwt.decode(t, k, audience='api', issuer='https://issuer', options={'require': ['exp']})\r\n",
    );
    write(
        root,
        "bad/syntax.py",
        "import jwt\n\ndef broken(:\n    pass\n\ndef fine(t, k):\n    return jwt.decode(t, k, audience='api', issuer='https://issuer', options={'require': ['exp']})\n",
    );
    // A keyword (`from_secret`) gets it past the prefilter to the parser.
    write(
        root,
        "bad/syntax.rs",
        "use jsonwebtoken::EncodingKey;\nfn broken( {\n    EncodingKey::from_secret(b\"x\")\n",
    );
    write(root, "good/auth.py", VULNERABLE_PY);

    let out = authlint(&["check", "--output-format", "json", "."], root);
    assert_eq!(out.status.code(), Some(1), "findings in good files still fail the gate");
    let report = json(&out);
    let found: Vec<(String, u64, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("bad/bom.py".to_string(), 2, 1),
            ("bad/crlf.py".to_string(), 4, 12),
            ("bad/syntax.py".to_string(), 7, 12),
            ("good/auth.py".to_string(), 4, 12),
        ]
    );
    let notices: Vec<(String, String)> = report["notices"]
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
    assert_eq!(
        notices,
        [
            ("bad/binary.py".to_string(), "skipped".to_string()),
            ("bad/latin1.py".to_string(), "skipped".to_string()),
            ("bad/syntax.py".to_string(), "parse-error".to_string()),
            ("bad/syntax.rs".to_string(), "parse-error".to_string()),
        ]
    );
    assert_eq!(report["summary"]["files_skipped"], 2);
    assert_eq!(report["summary"]["files_scanned"], 6);

    // Parse errors never fail the gate on their own.
    let out = authlint(&["check", "bad/syntax.rs", "bad/empty.py"], root);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("note[parse-error]: bad/syntax.rs:"),
        "{}",
        stderr(&out)
    );
    let out = authlint(&["check", "bad/latin1.py"], root);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("not valid UTF-8"), "{}", stderr(&out));
}

#[test]
fn the_example_app_text_report_is_as_checked_in() {
    let root = repo_root();
    let out = authlint(&["check", "examples/vulnerable-app"], &root);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let (body, summary) = text.trim_end().rsplit_once('\n').unwrap();
    let summary = summary.split(" in ").take(2).collect::<Vec<_>>().join(" in ");
    insta::assert_snapshot!("vulnerable_app_text", format!("{body}\n{summary} in <elapsed>"));
}

#[test]
fn no_output_shows_more_of_a_fixture_secret_than_its_prefix() {
    let (secrets, outputs) = redaction::assert_no_output_shows_a_secret(&repo_root(), &["fixtures", "examples"]);
    assert!(secrets.len() >= 60, "the fixtures hold fake secrets: {secrets:?}");
    for code in ["SEC301", "SEC302", "SEC303"] {
        assert!(
            secrets.iter().any(|s| s.rule == code),
            "{code} points at no secret literal"
        );
    }
    let shown: Vec<&str> = outputs.iter().map(|(what, _)| what.as_str()).collect();
    for what in [
        "the text report",
        "the json report",
        "the sarif report",
        "the github report",
        "the baseline file",
    ] {
        assert!(shown.contains(&what), "{what} is searched: {shown:?}");
    }
}

#[test]
fn secret_literals_are_read_from_the_source_in_both_languages() {
    let bodies = |code: &str| -> Vec<String> {
        redaction::literal_bodies(code)
            .into_iter()
            .map(|r| code[r].to_string())
            .collect()
    };
    assert_eq!(bodies(r#"KEY = "abc""#), ["abc"]);
    assert_eq!(bodies(r#"b"a\"b" + 'c'"#), [r#"a\"b"#, "c"]);
    assert_eq!(bodies(r#""""doc""""#), ["doc"]);
    assert_eq!(bodies(r###"r#"a"b"#"###), [r#"a"b"#]);
    assert_eq!(bodies("app.config[\"JWT_KEY\"]"), ["JWT_KEY"]);
    assert_eq!(bodies("LAZY_KEY"), Vec::<String>::new());
}

#[test]
fn a_run_is_a_leak_only_where_the_secret_is_the_reason() {
    let secret = "fixture-secret-not-real-0001";
    assert!(redaction::leaked_runs(secret, "\"fixt…\" (28 bytes)", "").is_empty());
    assert_eq!(
        redaction::leaked_runs(secret, "\"fixtu…\"", ""),
        ["fixtu"],
        "five shown characters"
    );
    assert!(
        redaction::leaked_runs(secret, "fixtures/python/SEC301.py", "fixtures/python/SEC301.py").is_empty(),
        "the path shows `fixtu` with or without the secret"
    );
    assert_eq!(
        redaction::leaked_runs(secret, "\"fixture-…\" in fixtures/", "\"~~~~…\" in fixtures/"),
        ["ture-"],
        "eight shown characters leak the runs the path does not hold"
    );
    assert!(redaction::names_a_variable("AUTH_SECRET") && redaction::names_a_variable("jwt_secret_key"));
    assert!(!redaction::names_a_variable("fixture-secret-not-real-0001") && !redaction::names_a_variable("s3cr3t"));
}

#[test]
fn the_example_app_shows_every_rule_in_every_language_it_claims() {
    let root = repo_root();
    let out = authlint(&["check", "--output-format", "json", "examples/vulnerable-app"], &root);
    let report = json(&out);
    // A finding merged into another of the same mistake (a key's use, into
    // the key's definition) is shown as a related place with its rule.
    let language_of = |path: &str| if path.ends_with(".rs") { "rust" } else { "python" };
    let mut shown: Vec<(String, &str)> = Vec::new();
    for f in report["findings"].as_array().unwrap() {
        shown.push((
            f["rule"].as_str().unwrap().to_string(),
            language_of(f["path"].as_str().unwrap()),
        ));
        for related in f["related"].as_array().unwrap() {
            if let Some(rule) = related["rule"].as_str() {
                shown.push((rule.to_string(), language_of(related["path"].as_str().unwrap())));
            }
        }
    }
    let rules = authlint::rules::load_rules(&[]).unwrap();
    let mut missing = Vec::new();
    for rule in &rules {
        for language in &rule.languages {
            if !shown
                .iter()
                .any(|(code, l)| *code == rule.code && *l == language.name())
            {
                missing.push(format!("{} ({})", rule.code, language.name()));
            }
        }
    }
    assert!(missing.is_empty(), "the example app shows no finding of {missing:?}");
}

#[test]
fn values_resolve_across_modules_even_without_keywords() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "svc/app/__init__.py", "");
    write(root, "svc/app/core/__init__.py", "");
    // No rule keyword in this file: it is parsed only because deps.py imports from it.
    write(
        root,
        "svc/app/core/config.py",
        "MATERIAL = 'fixture-key-not-real-0301'\nMINUTES = 60 * 24\n",
    );
    write(root, "svc/settings.py", "LOCAL_KEY = 'fixture-key-not-real-0302'\n");
    write(
        root,
        "svc/app/api/deps.py",
        "import jwt\nimport settings\nfrom datetime import datetime, timedelta\nfrom ..core import config\nfrom app.core.config import MATERIAL, MINUTES\n\n\
def a(p):\n    return jwt.encode(p, MATERIAL, algorithm='HS256')\n\n\
def b(p):\n    return jwt.encode(p, config.MATERIAL, algorithm='HS256')\n\n\
def c(p):\n    return jwt.encode(p, settings.LOCAL_KEY, algorithm='HS256')\n\n\
def d(u, k):\n    return jwt.encode({'sub': u, 'exp': datetime.utcnow() + timedelta(minutes=MINUTES)}, k, algorithm='HS256')\n",
    );
    write(root, "svc/app/api/__init__.py", "");
    let out = authlint(&["check", "--output-format", "json", "svc"], root);
    let report = json(&out);
    let found: Vec<(u64, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["line"].as_u64().unwrap(), f["rule"].as_str().unwrap().to_string()))
        .collect();
    // Lines 8 and 11 use one key: one finding, the second use related to it.
    assert_eq!(
        found,
        [
            (8, "SEC301".to_string()),
            (14, "SEC301".to_string()),
            (17, "JWT204".to_string()),
        ],
        "{}",
        stdout(&out)
    );
    let first = &report["findings"][0];
    let related: Vec<(&str, u64, Option<&str>)> = first["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap(),
                r["line"].as_u64().unwrap(),
                r["rule"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        related,
        [
            ("svc/app/core/config.py", 1, None),
            ("svc/app/api/deps.py", 11, Some("SEC301"))
        ]
    );
    assert!(
        first["message"]
            .as_str()
            .unwrap()
            .ends_with("; used as a JWT key on line 11"),
        "{first}"
    );
    assert_eq!(
        report["findings"][2]["message"],
        "`jwt.encode` issues a token that lives 1 day: too long for an access token \
         (no `refresh` in its type claim, the function name or the lifetime's setting)"
    );

    // The text report shows where the key was defined, in the other file,
    // redacted, as a secondary frame of the finding (not a report of its own).
    let out = authlint(&["check", "svc/app/api/deps.py", "svc"], root);
    let text = stdout(&out);
    assert!(text.contains("├─[svc/app/core/config.py:1:12]"), "{text}");
    assert!(!text.contains("Error:") && !text.contains("defined in"), "{text}");
    assert!(!text.contains("fixture-key-not-real-0301"), "{text}");
}

#[test]
fn a_value_is_followed_through_a_chain_of_modules_without_keywords() {
    // Each hop is a module no rule's keyword is in: every one is parsed
    // because the one before it asks, however long the chain.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "svc/app/__init__.py", "");
    write(root, "svc/app/d.py", "MATERIAL = 'fixture-key-not-real-0303'\n");
    write(root, "svc/app/c.py", "from app.d import MATERIAL as M3\n");
    write(root, "svc/app/b.py", "from app.c import M3 as M2\n");
    write(root, "svc/app/a.py", "from app.b import M2 as M1\n");
    write(
        root,
        "svc/app/auth.py",
        "import jwt\nfrom app.a import M1\n\ndef issue(p):\n    return jwt.encode(p, M1, algorithm='HS256')\n",
    );
    let out = authlint(&["check", "--output-format", "json", "svc"], root);
    let report = json(&out);
    assert_eq!(
        found(&report),
        [("svc/app/auth.py".to_string(), 5, "SEC301".to_string())],
        "{}",
        stdout(&out)
    );
    assert_eq!(report["summary"]["files_parsed"], 5, "{}", stdout(&out));
    let text = stdout(&authlint(&["check", "svc"], root));
    assert!(!text.contains("fixture-key-not-real-0303"), "{text}");
}

#[test]
fn rust_paths_and_claims_structs_resolve_across_the_crate() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "svc/src/lib.rs", "pub mod config;\npub mod api;\n");
    // No keyword here: parsed because api/auth.rs uses its items.
    write(
        root,
        "svc/src/config.rs",
        "pub const MATERIAL: &str = \"fixture-key-not-real-0401\";\n\npub struct SessionClaims {\n    pub sub: String,\n}\n",
    );
    write(root, "svc/src/api/mod.rs", "pub mod auth;\n");
    write(
        root,
        "svc/src/api/auth.rs",
        "use crate::config::{MATERIAL, SessionClaims};\nuse jsonwebtoken::{encode, EncodingKey, Header};\n\n\
pub fn a() -> EncodingKey {\n    EncodingKey::from_secret(MATERIAL.as_bytes())\n}\n\n\
pub fn b() -> EncodingKey {\n    EncodingKey::from_secret(super::super::config::MATERIAL.as_bytes())\n}\n\n\
pub fn c(claims: &SessionClaims, key: &EncodingKey) {\n    let _ = encode(&Header::default(), claims, key);\n}\n",
    );
    let out = authlint(&["check", "--output-format", "json", "svc"], root);
    let report = json(&out);
    let found: Vec<(String, u64, String)> = found(&report);
    // Lines 5 and 9 use one key: one finding, the second use related to it.
    assert_eq!(
        found,
        [
            ("svc/src/api/auth.rs".to_string(), 5, "SEC301".to_string()),
            ("svc/src/api/auth.rs".to_string(), 13, "JWT203".to_string()),
        ],
        "{}",
        stdout(&out)
    );
    assert_eq!(report["findings"][0]["related"][1]["line"], 9, "{}", stdout(&out));
    let text = stdout(&authlint(&["check", "svc"], root));
    assert!(text.contains("├─[svc/src/config.rs:1:28]"), "{text}");
    assert!(!text.contains("fixture-key-not-real-0401"), "{text}");
}

#[test]
fn a_value_typed_with_a_struct_of_another_file_is_judged_where_it_is_written() {
    // mio's `token: Token` logged by `trace!`: `Token` is a struct of the
    // crate, in a file without keywords. Its definition is found, but the
    // name `token` must still be looked up in the function that logs it,
    // where it is typed with a non-string type, not in `token.rs`.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "poller/src/lib.rs",
        "mod poll;\nmod token;\npub use token::Token;\n",
    );
    write(root, "poller/src/token.rs", "pub struct Token(pub usize);\n");
    let logs = "use crate::Token;\n\npub fn register(token: Token, access_token: String) {\n    \
trace!(\"registering token={:?}\", token);\n    trace!(\"bearer {}\", access_token);\n}\n";
    write(root, "poller/src/poll.rs", logs);
    let out = authlint(&["check", "--output-format", "json", "poller"], root);
    assert_eq!(
        found(&json(&out)),
        [("poller/src/poll.rs".to_string(), 5, "TOK403".to_string())],
        "{}",
        stdout(&out)
    );
}
