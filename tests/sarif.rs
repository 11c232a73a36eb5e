//! SARIF output: every log validates against the official SARIF 2.1.0
//! schema (`common::sarif_log`), carries what GitHub code scanning needs
//! (relative URIs, `security-severity`, fingerprints that survive edits
//! above a finding), and never holds a secret.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use serde_json::Value;

fn run_sarif(args: &[&str], cwd: &Path) -> (std::process::Output, Value) {
    let mut all = vec!["check", "--output-format", "sarif"];
    all.extend_from_slice(args);
    let output = authlint(&all, cwd);
    let log = sarif_log(&output);
    (output, log)
}

fn the_run(log: &Value) -> &Value {
    let runs = log["runs"].as_array().expect("runs is an array");
    assert_eq!(runs.len(), 1, "one run");
    &runs[0]
}

fn results(log: &Value) -> &Vec<Value> {
    the_run(log)["results"].as_array().expect("results is an array")
}

fn fingerprint(result: &Value) -> &str {
    result["partialFingerprints"]["primaryLocationLineHash"]
        .as_str()
        .expect("every result has a fingerprint")
}

fn region(result: &Value) -> &Value {
    &result["locations"][0]["physicalLocation"]["region"]
}

#[test]
fn the_schema_check_rejects_what_sarif_forbids() {
    // A validator that accepted anything would make every other test here
    // pass vacuously: show that it catches real mistakes.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "auth.py", VULNERABLE_PY);
    let (_, log) = run_sarif(&["."], dir.path());
    type Mutation = (&'static str, fn(&mut Value));
    let mutations: [Mutation; 4] = [
        ("no version", |log| {
            log.as_object_mut().unwrap().remove("version");
        }),
        ("an unknown level", |log| {
            log["runs"][0]["results"][0]["level"] = "fatal".into()
        }),
        ("a zero line", |log| {
            log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0.into()
        }),
        ("a relative informationUri", |log| {
            log["runs"][0]["tool"]["driver"]["informationUri"] = "docs/index.html".into()
        }),
    ];
    assert!(sarif_schema_errors(&log).is_empty());
    for (what, mutate) in mutations {
        let mut broken = log.clone();
        mutate(&mut broken);
        assert!(
            !sarif_schema_errors(&broken).is_empty(),
            "the schema check missed {what}"
        );
    }
}

#[test]
fn the_log_describes_the_tool_every_rule_and_every_finding() {
    let root = repo_root();
    let (out, log) = run_sarif(&["fixtures", "examples"], &root);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(log["version"], "2.1.0");
    let run = the_run(&log);
    assert_eq!(run["columnKind"], "utf16CodeUnits");

    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "authlint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
    assert_eq!(driver["informationUri"], env!("CARGO_PKG_REPOSITORY"));

    // Every loaded rule, as `authlint rules` lists them, in the same order.
    let catalog = json(&authlint(&["rules", "--output-format", "json"], &root));
    let catalog = catalog["rules"].as_array().unwrap();
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let codes: Vec<&str> = catalog.iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert_eq!(ids, codes);
    for (rule, entry) in rules.iter().zip(catalog) {
        let id = rule["id"].as_str().unwrap();
        assert_eq!(rule["name"], entry["name"], "{id}");
        assert_eq!(rule["shortDescription"]["text"], entry["summary"], "{id}");
        assert!(rule["fullDescription"]["text"].as_str().unwrap().len() > 10, "{id}");
        let markdown = rule["help"]["markdown"].as_str().unwrap();
        assert!(markdown.contains("```"), "{id}: help carries the bad/good examples");
        for reference in entry["references"].as_array().unwrap() {
            assert!(markdown.contains(reference.as_str().unwrap()), "{id}: {reference}");
        }
        let text = rule["help"]["text"].as_str().unwrap();
        assert!(
            !text.contains("```") && !text.contains("## "),
            "{id}: help.text is plain: {text}"
        );
        // The help is the rule's documentation page, which cannot drift from it.
        let page = std::fs::read_to_string(root.join(format!("docs/rules/{id}.md"))).unwrap();
        assert!(page.contains(markdown), "{id}: help.markdown is the docs page's body");
        assert_eq!(
            rule["helpUri"],
            format!(
                "{}/blob/v{}/docs/rules/{id}.md",
                env!("CARGO_PKG_REPOSITORY"),
                env!("CARGO_PKG_VERSION")
            ),
        );
        assert_eq!(rule["defaultConfiguration"]["level"], entry["severity"], "{id}");
        let tags: Vec<&str> = rule["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert!(tags.contains(&"security"), "{id}: {tags:?}");
        // `jwt` marks the rules about JWTs: all JWT1xx/2xx ones, and those
        // whose name or keywords are about them (a JWT key, a token in a URL);
        // generic secret rules (an environment fallback, a short random key,
        // a file baked in at compile time, plain HTTP) do not carry it.
        let generic = ["SEC302", "SEC304", "SEC305", "TOK405"];
        assert_eq!(tags.contains(&"jwt"), !generic.contains(&id), "{id}: {tags:?}");
        for cwe in entry["cwe"].as_array().unwrap() {
            assert!(tags.contains(&cwe.as_str().unwrap()), "{id}: {cwe} in {tags:?}");
        }
    }

    // Results match the JSON report one for one, in the same order.
    let report = json(&authlint(
        &["check", "--output-format", "json", "fixtures", "examples"],
        &root,
    ));
    let findings = report["findings"].as_array().unwrap();
    let results = results(&log);
    assert!(!results.is_empty());
    assert_eq!(results.len(), findings.len());
    for (result, finding) in results.iter().zip(findings) {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"], "ruleIndex points at the rule");
        assert_eq!(result["ruleId"], finding["rule"]);
        assert_eq!(result["level"], finding["severity"]);
        assert_eq!(result["message"]["text"], finding["message"]);
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], finding["path"]);
        let region = &location["region"];
        assert_eq!(region["startLine"], finding["line"]);
        assert_eq!(region["endLine"], finding["end_line"]);
        // The fixtures are ASCII around their findings, where UTF-16 and
        // character columns agree; `utf16_columns_...` covers the rest.
        assert_eq!(region["startColumn"], finding["column"]);
        assert_eq!(region["endColumn"], finding["end_column"]);
        // The context is the finding's whole lines, as in the file (lines
        // with a secret finding are redacted there: their count is kept).
        let context = &location["contextRegion"];
        let snippet = context["snippet"]["text"].as_str().unwrap();
        assert!(!snippet.is_empty());
        assert_eq!(context["startLine"], finding["line"]);
        assert_eq!(context["endLine"], finding["end_line"]);
        let path = root.join(finding["path"].as_str().unwrap());
        let source = std::fs::read_to_string(&path).unwrap();
        let (first, last) = (
            finding["line"].as_u64().unwrap() as usize,
            finding["end_line"].as_u64().unwrap() as usize,
        );
        let lines: Vec<&str> = source.lines().skip(first - 1).take(last + 1 - first).collect();
        assert_eq!(snippet.lines().count(), lines.len(), "{}: {snippet:?}", path.display());
        let redacted_here = findings.iter().any(|f| {
            f["path"] == finding["path"]
                && f["rule"].as_str().unwrap().starts_with("SEC")
                && f["line"].as_u64().unwrap() as usize <= last
                && f["end_line"].as_u64().unwrap() as usize >= first
        });
        if !redacted_here {
            assert_eq!(snippet, lines.join("\n"), "{}", path.display());
        }
    }
    // Findings that resolved a constant point at it.
    assert!(
        results
            .iter()
            .any(|r| r["relatedLocations"].as_array().is_some_and(|l| !l.is_empty())),
        "some finding has a related location"
    );
    for related in results.iter().filter_map(|r| r["relatedLocations"].as_array()) {
        // Numbered from 1 in order, as code scanning's `[text](id)` links
        // in a message refer to them.
        let ids: Vec<u64> = related.iter().map(|l| l["id"].as_u64().expect("an id")).collect();
        assert_eq!(ids, (1..=ids.len() as u64).collect::<Vec<_>>());
        for related in related {
            assert!(related["message"]["text"].as_str().is_some_and(|t| !t.is_empty()));
            assert!(related["physicalLocation"]["region"]["startLine"].as_u64().unwrap() >= 1);
        }
    }
}

#[test]
fn github_constraints_hold_on_the_fixtures_and_the_example() {
    let root = repo_root();
    let (_, log) = run_sarif(&["fixtures", "examples"], &root);
    let run = the_run(&log);

    let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"].as_str().unwrap();
    assert!(base.starts_with("file:///") && base.ends_with('/'), "{base}");

    for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
        let score: f64 = rule["properties"]["security-severity"]
            .as_str()
            .expect("security-severity is a string")
            .parse()
            .expect("security-severity is a number");
        assert!((0.0..=10.0).contains(&score), "{rule}");
        let expected = match rule["defaultConfiguration"]["level"].as_str().unwrap() {
            "error" => "8.1",
            "warning" => "5.3",
            _ => "2.0",
        };
        assert_eq!(rule["properties"]["security-severity"], expected);
    }

    let mut fingerprints_by_file: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for result in results(&log) {
        let artifact = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        let uri = artifact["uri"].as_str().unwrap();
        assert_eq!(artifact["uriBaseId"], "%SRCROOT%", "{uri}");
        assert!(!uri.contains("://") && !uri.starts_with('/'), "relative: {uri}");
        assert!(
            !uri.contains('\\') && !uri.split('/').any(|s| s == ".." || s == "."),
            "{uri}"
        );
        assert!(root.join(uri).is_file(), "{uri} names a file below %SRCROOT%");
        fingerprints_by_file
            .entry(uri.to_string())
            .or_default()
            .push(fingerprint(result).to_string());
    }
    for (uri, mut prints) in fingerprints_by_file {
        let count = prints.len();
        prints.sort();
        prints.dedup();
        assert_eq!(prints.len(), count, "fingerprints are unique within {uri}");
    }
}

#[test]
fn fingerprints_survive_lines_added_above_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let body = "import jwt\n\
                KEY = 'fp-key-not-real-0042'\n\
                \n\
                def a(token):\n\
                \x20   return jwt.decode(token, KEY)\n\
                \n\
                def b(token):\n\
                \x20   return jwt.decode(token, KEY)\n";
    write(dir.path(), "svc/auth.py", body);
    let (_, before) = run_sarif(&["svc"], dir.path());
    write(
        dir.path(),
        "svc/auth.py",
        format!("\"\"\"Auth helpers.\"\"\"\n# one\n# two\n\nimport os\n{body}"),
    );
    let (_, after) = run_sarif(&["svc"], dir.path());

    let before = results(&before);
    let after = results(&after);
    // One key used at two decodes is one SEC301 mistake (with the second
    // use as a related place); each decode is its own JWT101.
    assert_eq!(before.len(), 3, "two JWT101 and one SEC301: {before:?}");
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(after) {
        assert_eq!(b["ruleId"], a["ruleId"]);
        let line = |r: &Value| region(r)["startLine"].as_u64().unwrap();
        assert_eq!(line(a), line(b) + 5, "the finding moved down five lines");
        assert_eq!(fingerprint(a), fingerprint(b), "but kept its fingerprint");
    }
    // The two identical calls are told apart by their occurrence.
    let decode_prints: Vec<&str> = before
        .iter()
        .filter(|r| r["ruleId"] == "JWT101")
        .map(fingerprint)
        .collect();
    assert_eq!(decode_prints.len(), 2);
    assert_ne!(decode_prints[0], decode_prints[1]);
    assert_eq!(
        decode_prints[0].split(':').next(),
        decode_prints[1].split(':').next(),
        "same line text, same hash"
    );

    // Changing the finding's own line does change its fingerprint.
    write(
        dir.path(),
        "svc/auth.py",
        body.replacen("jwt.decode(token, KEY)", "jwt.decode(token,  KEY, )", 1),
    );
    let (_, edited) = run_sarif(&["svc"], dir.path());
    let edited_print = fingerprint(&results(&edited)[0]).to_string();
    assert_eq!(results(&edited)[0]["ruleId"], before[0]["ruleId"]);
    assert_ne!(edited_print, fingerprint(&before[0]));
}

#[test]
fn columns_are_utf16_code_units() {
    let dir = tempfile::tempdir().unwrap();
    // `🔑` is one character but two UTF-16 code units.
    write(
        dir.path(),
        "a.py",
        "import jwt\nnote = '🔑'; claims = jwt.decode(token, key)\n",
    );
    let (_, log) = run_sarif(&["a.py"], dir.path());
    let report = json(&authlint(&["check", "--output-format", "json", "a.py"], dir.path()));
    let finding = &report["findings"][0];
    let region = region(&results(&log)[0]);
    assert_eq!(region["startLine"], 2);
    let char_column = finding["column"].as_u64().unwrap();
    assert_eq!(region["startColumn"].as_u64().unwrap(), char_column + 1);
    assert_eq!(
        region["endColumn"].as_u64().unwrap(),
        finding["end_column"].as_u64().unwrap() + 1
    );
}

#[test]
fn uris_are_percent_encoded_and_resolve_to_the_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "my app/sécurité #1.py", VULNERABLE_PY);
    let (_, log) = run_sarif(&["."], dir.path());
    let uri = results(&log)[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(uri, "my%20app/s%C3%A9curit%C3%A9%20%231.py");
    let decoded = percent_encoding::percent_decode_str(&uri).decode_utf8().unwrap();
    assert!(dir.path().join(decoded.as_ref()).is_file());

    // A path given as absolute, below the working directory, is still relative.
    let absolute = dir.path().join("my app");
    let (_, log) = run_sarif(&[absolute.to_str().unwrap()], dir.path());
    assert_eq!(
        results(&log)[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        uri.as_str()
    );
}

#[test]
fn notices_become_tool_execution_notifications() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "bad/latin1.py",
        b"import jwt\nname = '\xe9t\xe9'\njwt.decode(t, k)\n",
    );
    write(root, "bad/binary.py", b"\x7fELF\x00\x00\x01jwt");
    write(
        root,
        "bad/syntax.py",
        "import jwt\n\ndef broken(:\n    pass\n\ndef fine(t, k):\n    return jwt.decode(t, k)\n",
    );
    let (out, log) = run_sarif(&["."], root);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the finding in syntax.py still fails the gate"
    );
    let run = the_run(&log);
    let invocation = &run["invocations"][0];
    assert_eq!(
        invocation["executionSuccessful"], true,
        "skips and parse errors are not failures"
    );

    let report = json(&authlint(&["check", "--output-format", "json", "."], root));
    let notices = report["notices"].as_array().unwrap();
    let notifications = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notifications.len(), notices.len());
    let declared = run["tool"]["driver"]["notifications"].as_array().unwrap();
    for (notification, notice) in notifications.iter().zip(notices) {
        assert_eq!(notification["message"]["text"], notice["message"]);
        assert_eq!(notification["descriptor"]["id"], notice["kind"]);
        let index = notification["descriptor"]["index"].as_u64().unwrap() as usize;
        assert_eq!(declared[index]["id"], notice["kind"]);
        let expected_level = match notice["kind"].as_str().unwrap() {
            "skipped" => "note",
            "internal-error" => "error",
            _ => "warning",
        };
        assert_eq!(notification["level"], expected_level);
        let location = &notification["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], notice["path"]);
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(location["region"]["startLine"], notice["line"], "{notification}");
    }
    // syntax.py has a finding, so its source is at hand for an exact column.
    let parse_error = notifications
        .iter()
        .find(|n| n["descriptor"]["id"] == "parse-error")
        .expect("a parse-error notification");
    assert!(
        parse_error["locations"][0]["physicalLocation"]["region"]["startColumn"]
            .as_u64()
            .unwrap()
            >= 1
    );
}

#[test]
fn execution_fails_only_when_authlint_itself_failed() {
    use authlint::model::NoteKind;
    use authlint::model::Notice;
    use authlint::report::outcome::{FileOutcome, RunOutcome};

    // An internal error cannot be provoked from outside (that would be a
    // bug to fix), so the outcome is built the way the linter reports one.
    let rules = authlint::rules::load_rules(&[]).unwrap();
    let failed = FileOutcome {
        notices: vec![Notice {
            kind: NoteKind::InternalError,
            path: "app/crash.py".into(),
            line: None,
            column: None,
            message: "authlint failed on this file (boom); please report it".into(),
        }],
        parsed: true,
        ..FileOutcome::new("app/crash.py")
    };
    let outcome = RunOutcome {
        files: vec![failed],
        sources: Default::default(),
        secret_spans: Default::default(),
        files_scanned: 1,
        files_skipped: 0,
        files_parsed: 1,
        bytes_scanned: 0,
        bytes_parsed: 0,
        internal_errors: 1,
        elapsed_ms: 0,
    };
    let builtin = authlint::rules::docs::builtin_codes();
    let root = repo_root();
    let context = authlint::report::sarif::SarifContext {
        rules: &rules,
        builtin_codes: &builtin,
        source_root: &root,
    };
    let log = assert_valid_sarif(authlint::report::sarif::render(&outcome, &context).as_bytes());
    let invocation = &the_run(&log)["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notification = &invocation["toolExecutionNotifications"][0];
    assert_eq!(notification["level"], "error");
    assert_eq!(notification["descriptor"]["id"], "internal-error");
    assert!(notification["locations"][0]["physicalLocation"].get("region").is_none());
}

#[test]
fn custom_rules_are_listed_without_a_docs_link() {
    let dir = tempfile::tempdir().unwrap();
    let rules = repo_root().join("docs/examples/rules");
    write(
        dir.path(),
        "svc/api.py",
        "from myorg.auth import decode_token\n\ndef a(t, k):\n    return decode_token(t, k)\n",
    );
    let (out, log) = run_sarif(&["--rules", rules.to_str().unwrap(), "svc"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let driver = &the_run(&log)["tool"]["driver"];
    let custom = driver["rules"]
        .as_array()
        .unwrap()
        .iter()
        .position(|r| r["id"] == "ORG501")
        .expect("the custom rule is declared");
    let rule = &driver["rules"][custom];
    assert!(rule.get("helpUri").is_none(), "no page in this repository: {rule}");
    assert!(rule["properties"]["security-severity"].is_string());
    let result = &results(&log)[0];
    assert_eq!(result["ruleId"], "ORG501");
    assert_eq!(result["ruleIndex"], custom);
}

#[test]
fn the_output_flag_writes_the_log_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "auth.py", VULNERABLE_PY);
    let out = authlint(
        &[
            "check",
            "--output-format",
            "sarif",
            "--output",
            "reports/authlint.sarif",
            ".",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1), "the gate still applies");
    assert!(out.stdout.is_empty(), "nothing on stdout: {}", stdout(&out));
    let log = assert_valid_sarif(&std::fs::read(dir.path().join("reports/authlint.sarif")).unwrap());
    assert_eq!(results(&log).len(), 1);
}

#[test]
fn a_constant_resolved_in_another_file_is_a_related_location_there() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "xfile-key-not-real-5b1e07";
    for package in ["app/__init__.py", "app/core/__init__.py", "app/api/__init__.py"] {
        write(dir.path(), package, "");
    }
    write(
        dir.path(),
        "app/core/config.py",
        format!("\"\"\"Settings.\"\"\"\nSECRET_KEY = '{secret}'\n"),
    );
    write(
        dir.path(),
        "app/api/deps.py",
        "import jwt\nfrom app.core.config import SECRET_KEY\n\ndef f(t):\n    return jwt.decode(t, SECRET_KEY, algorithms=['HS256'])\n",
    );
    let (out, log) = run_sarif(&["app"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // One mistake, one finding: the key where it is written (SEC303), its
    // use as a JWT key in the other file a related location there.
    assert!(
        !results(&log).iter().any(|r| r["ruleId"] == "SEC301"),
        "the use is not a finding of its own"
    );
    let result = results(&log)
        .iter()
        .find(|r| r["ruleId"] == "SEC303")
        .expect("the hard-coded key is reported");
    let primary = &result["locations"][0]["physicalLocation"];
    assert_eq!(primary["artifactLocation"]["uri"], "app/core/config.py");
    // The region is the literal on line 2: `SECRET_KEY = '…'` starts it at column 14.
    assert_eq!(primary["region"]["startLine"], 2);
    assert_eq!(primary["region"]["startColumn"], 14);
    assert_eq!(primary["region"]["endColumn"], 14 + secret.len() as u64 + 2);
    let related = &result["relatedLocations"][0];
    assert_eq!(
        related["physicalLocation"]["artifactLocation"]["uri"],
        "app/api/deps.py"
    );
    assert_eq!(
        related["physicalLocation"]["artifactLocation"]["uriBaseId"],
        "%SRCROOT%"
    );
    assert_eq!(related["physicalLocation"]["region"]["startLine"], 5);
    assert_eq!(related["message"]["text"], "used as a JWT key here (SEC301)");
    assert_eq!(result["properties"]["tags"], serde_json::json!(["app"]));
    assert!(!String::from_utf8_lossy(&out.stdout).contains(secret));
}
