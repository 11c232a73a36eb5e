//! End-to-end tests of the output plumbing: GitHub Actions annotations,
//! `--output FILE` for every format, and linting standard input with
//! `--stdin-filename`.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::Value;

/// One parsed workflow command: `::command key=value,…::message`, with
/// values and message unescaped the way the Actions runner does.
#[derive(Debug)]
struct Annotation {
    command: String,
    properties: BTreeMap<String, String>,
    message: String,
}

fn unescape_data(text: &str) -> String {
    text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
}

fn unescape_property(text: &str) -> String {
    unescape_data(&text.replace("%3A", ":").replace("%2C", ","))
}

fn parse_annotations(text: &str) -> Vec<Annotation> {
    text.lines()
        .map(|line| {
            let rest = line
                .strip_prefix("::")
                .unwrap_or_else(|| panic!("not a workflow command: {line}"));
            let (head, message) = rest.split_once("::").unwrap_or_else(|| panic!("no message: {line}"));
            let (command, properties) = head.split_once(' ').unwrap_or((head, ""));
            let properties = properties
                .split(',')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (key, value) = p
                        .split_once('=')
                        .unwrap_or_else(|| panic!("bad property {p:?} in {line}"));
                    (key.to_string(), unescape_property(value))
                })
                .collect();
            Annotation {
                command: command.to_string(),
                properties,
                message: unescape_data(message),
            }
        })
        .collect()
}

#[test]
fn github_annotations_carry_every_finding_exactly() {
    let root = repo_root();
    let out = authlint(&["check", "--output-format", "github", "fixtures", "examples"], &root);
    assert_eq!(out.status.code(), Some(1));
    let annotations = parse_annotations(&stdout(&out));
    let report = json(&authlint(
        &["check", "--output-format", "json", "fixtures", "examples"],
        &root,
    ));
    let findings = report["findings"].as_array().unwrap();
    let notices = report["notices"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert_eq!(annotations.len(), findings.len() + notices.len());

    for (annotation, finding) in annotations.iter().zip(findings) {
        let expected_command = match finding["severity"].as_str().unwrap() {
            "error" => "error",
            "warning" => "warning",
            _ => "notice",
        };
        assert_eq!(annotation.command, expected_command);
        let property = |key: &str| annotation.properties.get(key).map(String::as_str).unwrap_or_default();
        assert_eq!(property("file"), finding["path"].as_str().unwrap());
        for (key, field) in [
            ("line", "line"),
            ("col", "column"),
            ("endLine", "end_line"),
            ("endColumn", "end_column"),
        ] {
            assert_eq!(property(key), finding[field].to_string(), "{key}");
        }
        assert_eq!(
            property("title"),
            format!(
                "{} {}",
                finding["rule"].as_str().unwrap(),
                finding["name"].as_str().unwrap()
            )
        );
        assert_eq!(annotation.message, finding["message"].as_str().unwrap());
    }
    // The summary goes to stderr, where it does not look like a command.
    assert!(stderr(&out).contains(" findings ("), "{}", stderr(&out));
}

#[test]
fn github_annotations_escape_what_would_end_a_value() {
    let dir = tempfile::tempdir().unwrap();
    // A file name with `,` and `:` and `%`: unescaped, they would end the
    // `file=` property or be read as an escape.
    write(dir.path(), "a,b:c%41.py", VULNERABLE_PY);
    write(dir.path(), "broken.py", "import jwt\n\ndef broken(:\n    pass\n");
    let out = authlint(&["check", "--output-format", "github", "-q", "."], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("file=a%2Cb%3Ac%2541.py,"), "{text}");
    assert!(stderr(&out).is_empty(), "-q drops the summary: {}", stderr(&out));
    let annotations = parse_annotations(&text);
    let report = json(&authlint(&["check", "--output-format", "json", "."], dir.path()));
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(
        annotations.len(),
        findings.len() + 1,
        "every finding and the notice: {text}"
    );
    assert_eq!(annotations[0].properties["file"], "a,b:c%41.py");
    assert_eq!(annotations[0].properties["title"], "JWT101 decode-without-algorithms");
    // The parse error of the other file is a notice on its line.
    let notice = annotations.last().unwrap();
    assert_eq!(notice.command, "notice");
    assert_eq!(notice.properties["file"], "broken.py");
    assert_eq!(notice.properties["line"], "3");
    assert_eq!(notice.properties["title"], "authlint parse-error");
    for line in text.lines() {
        assert!(!line.contains('\r'), "one command per line");
    }
}

#[test]
fn the_output_flag_works_for_every_format() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "auth.py", VULNERABLE_PY);
    // Elapsed time is the only part of a report that differs between runs.
    let without_timing = |text: String| -> String {
        text.lines()
            .map(|l| match l.find(" in ") {
                Some(at) if l.contains(" ms") && l.contains("finding") => l[..at].to_string(),
                _ if l.contains("\"elapsed_ms\"") => String::new(),
                _ => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    for format in ["text", "json", "sarif", "github"] {
        let file = format!("out/report.{format}");
        let to_file = authlint(
            &["check", "--output-format", format, "--output", &file, "."],
            dir.path(),
        );
        assert_eq!(to_file.status.code(), Some(1), "{format}: {}", stderr(&to_file));
        assert!(to_file.stdout.is_empty(), "{format}: stdout is empty with --output");
        let written = std::fs::read_to_string(dir.path().join(&file)).unwrap();
        if format == "sarif" {
            assert_valid_sarif(written.as_bytes());
        }
        let to_stdout = authlint(&["check", "--output-format", format, "."], dir.path());
        if format == "sarif" {
            sarif_log(&to_stdout);
        }
        assert_eq!(without_timing(written), without_timing(stdout(&to_stdout)), "{format}");
    }
    // A report that cannot be written is an error, not a silent success.
    write(dir.path(), "blocker", "a file where a directory is needed");
    let out = authlint(&["check", "--output", "blocker/report.txt", "."], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot write the report"), "{}", stderr(&out));
}

#[test]
fn stdin_is_linted_as_the_named_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "app/auth.py", VULNERABLE_PY);
    let from_disk = json(&authlint(
        &["check", "--output-format", "json", "app/auth.py"],
        dir.path(),
    ));
    let out = authlint_with_stdin(
        &[
            "check",
            "--output-format",
            "json",
            "--stdin-filename",
            "app/auth.py",
            "-",
        ],
        dir.path(),
        &std::fs::read(&path).unwrap(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let from_stdin = json(&out);
    assert_eq!(from_stdin["findings"], from_disk["findings"]);
    assert_eq!(from_stdin["findings"][0]["path"], "app/auth.py");
    assert_eq!(from_stdin["summary"]["files_scanned"], 1);
    // `./app/auth.py` is named as the walk would name it.
    let dotted = authlint_with_stdin(
        &[
            "check",
            "--output-format",
            "json",
            "--stdin-filename",
            "./app/auth.py",
            "-",
        ],
        dir.path(),
        VULNERABLE_PY.as_bytes(),
    );
    assert_eq!(json(&dotted)["findings"][0]["path"], "app/auth.py");

    // The file need not exist: an editor's unsaved buffer.
    let out = authlint_with_stdin(
        &[
            "check",
            "--output-format",
            "sarif",
            "--stdin-filename",
            "new/unsaved.py",
            "-",
        ],
        dir.path(),
        VULNERABLE_PY.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1));
    let log = sarif_log(&out);
    let location = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "new/unsaved.py");
    assert_eq!(location["region"]["startLine"], 4);

    // Clean input passes.
    let out = authlint_with_stdin(
        &["check", "--stdin-filename", "x.py", "-"],
        dir.path(),
        CLEAN_PY.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn stdin_takes_its_language_from_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    // Vulnerable Python named as a Rust file is read as Rust, where it means
    // nothing to the Python rules.
    let out = authlint_with_stdin(
        &[
            "check",
            "--output-format",
            "json",
            "--stdin-filename",
            "src/lib.rs",
            "-",
        ],
        dir.path(),
        VULNERABLE_PY.as_bytes(),
    );
    let report = json(&out);
    assert_eq!(report["findings"], Value::Array(Vec::new()), "{report}");
    assert_eq!(report["summary"]["files_scanned"], 1);

    // An extensionless name with a python shebang is Python, as on disk.
    let script = format!("#!/usr/bin/env python3\n{VULNERABLE_PY}");
    let out = authlint_with_stdin(
        &["check", "--stdin-filename", "bin/manage", "-"],
        dir.path(),
        script.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));

    // Anything else is skipped with a notice, like a file that is not source.
    for (name, input) in [
        ("notes.txt", VULNERABLE_PY.as_bytes()),
        ("blob.py", b"\x7fELF\x00jwt".as_slice()),
        ("latin1.py", b"x = '\xe9'\n".as_slice()),
    ] {
        let out = authlint_with_stdin(
            &["check", "--output-format", "json", "--stdin-filename", name, "-"],
            dir.path(),
            input,
        );
        assert_eq!(out.status.code(), Some(0), "{name}");
        let report = json(&out);
        assert_eq!(report["notices"][0]["kind"], "skipped", "{name}: {report}");
        assert_eq!(report["notices"][0]["path"], name);
        assert_eq!(report["summary"]["files_skipped"], 1);
    }

    // The size limit applies to standard input too.
    let out = authlint_with_stdin(
        &[
            "check",
            "--output-format",
            "json",
            "--max-file-size",
            "10",
            "--stdin-filename",
            "big.py",
            "-",
        ],
        dir.path(),
        VULNERABLE_PY.as_bytes(),
    );
    assert_eq!(json(&out)["notices"][0]["kind"], "skipped");
}

#[test]
fn stdin_needs_a_name_and_no_other_paths() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.py", CLEAN_PY);
    for args in [
        vec!["check", "-"],
        vec!["check", "--stdin-filename", "x.py", "-", "a.py"],
        vec!["check", "--stdin-filename", "x.py", "a.py"],
    ] {
        let out = authlint_with_stdin(&args, dir.path(), VULNERABLE_PY.as_bytes());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains("stdin-filename"), "{args:?}: {}", stderr(&out));
    }
    // `--stdin-filename` alone (no paths) reads standard input too.
    let out = authlint_with_stdin(
        &["check", "--stdin-filename", "x.py"],
        dir.path(),
        VULNERABLE_PY.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn stdin_secrets_are_redacted_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "stdin-key-not-real-7f3a9c";
    let source = format!("import jwt\nKEY = '{secret}'\n\ndef f(t):\n    return jwt.decode(t, KEY)\n");
    for format in ["text", "json", "sarif", "github"] {
        let out = authlint_with_stdin(
            &[
                "check",
                "--output-format",
                format,
                "--stdin-filename",
                "svc/keys.py",
                "-",
            ],
            dir.path(),
            source.as_bytes(),
        );
        assert_eq!(out.status.code(), Some(1), "{format}");
        if format == "sarif" {
            sarif_log(&out);
        }
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert!(all.contains("SEC301"), "{format}: the key is reported: {all}");
        assert!(!all.contains(secret), "{format} output contains the key: {all}");
    }
}
