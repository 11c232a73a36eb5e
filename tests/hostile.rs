//! Hostile input, end to end: a tree of files built to break a linter
//! (deep nesting, huge and odd files, filesystem faults, an injected crash)
//! next to ordinary files with findings. For each item: the binary does not
//! panic or hang, finishes within a generous bound, reports the expected
//! note, still reports every finding of the ordinary files, and exits with
//! the documented code. Also: adversarial rule and configuration files,
//! byte-identical reports across runs and thread counts, and no planted
//! secret in any output format, the baseline file or `--show-settings`.
//!
//! The tree is built in a temporary directory at test time. Sizes are the
//! issue's (50,000 nested brackets, a 10,000-deep attribute chain, a
//! 100,000-term concatenation, a 5 MB single line). Two tests are
//! `#[ignore]`d, too slow for a debug build, and `.ci/run` runs them in
//! release mode: the densest 5 MB line (1.25 million statements, about
//! 1.6 GB of parse tree) and the thirty-process determinism check.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;

/// What one run of the binary did.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\n{}", self.stdout, self.stderr))
    }

    /// Crashed runs end with 101 (a panic that escaped) or a signal (a
    /// stack overflow aborts): neither is allowed, whatever the input.
    fn assert_no_crash(&self) {
        assert!(
            matches!(self.code, Some(0..=2)),
            "authlint crashed (exit {:?}):\n{}",
            self.code,
            self.stderr
        );
        assert!(
            !self.stderr.contains("panicked"),
            "a panic was printed:\n{}",
            self.stderr
        );
    }
}

/// Runs the binary and fails the test if it takes longer than `limit`: a
/// hang (a FIFO opened for reading, say) must fail, not block the suite.
fn run(args: &[&str], cwd: &Path, env: &[(&str, &str)], limit: Duration) -> Run {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_authlint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("AUTHLINT_NO_CACHE", "1")
        .env_remove("AUTHLINT_INJECT_PANIC")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the authlint binary starts");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let stdout = std::thread::spawn(move || {
        let mut text = String::new();
        out.read_to_string(&mut text).map(|_| text)
    });
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        err.read_to_string(&mut text).map(|_| text)
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting works") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("authlint {args:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    if std::env::var_os("AUTHLINT_TEST_TIMES").is_some() {
        eprintln!("{:?} in {:?}", args, started.elapsed());
    }
    Run {
        code: status.code(),
        stdout: stdout.join().unwrap().expect("stdout is UTF-8"),
        stderr: stderr.join().unwrap().expect("stderr is UTF-8"),
        elapsed: started.elapsed(),
    }
}

/// Unoptimised builds parse several times slower; the bounds are generous
/// either way (a hang or a quadratic blow-up takes far longer).
fn bound(release_seconds: u64) -> Duration {
    let factor = if cfg!(debug_assertions) { 10 } else { 1 };
    Duration::from_secs(release_seconds * factor)
}

fn write(root: &Path, relative: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, contents).unwrap();
    path
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (path, rule, line, column) of every finding, for comparing runs.
fn findings(report: &Value) -> BTreeSet<(String, String, u64, u64)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The notices about `path`, as (kind, message).
fn notices_of(report: &Value, path: &str) -> Vec<(String, String)> {
    report["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["path"] == path)
        .map(|n| {
            (
                n["kind"].as_str().unwrap().to_string(),
                n["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn assert_notice(report: &Value, path: &str, kind: &str, fragment: &str) {
    let notices = notices_of(report, path);
    assert!(
        notices.iter().any(|(k, m)| k == kind && m.contains(fragment)),
        "expected a {kind} notice containing {fragment:?} for {path}, got {notices:?}"
    );
}

const OK_PY: &str = "import jwt\n\ndef check(token):\n    return jwt.decode(token, \"not-real-hostile-ok-py\")\n";
const OK_RS: &str = "use jsonwebtoken::EncodingKey;\n\nfn key() -> EncodingKey {\n    EncodingKey::from_secret(b\"not-real-hostile-ok-rs\")\n}\n";

/// Python code after something hostile in the same file: it must still be checked.
const AFTER_PY: &str = "\ndef after(token):\n    return jwt.decode(token, \"not-real-hostile-after\")\n";
const AFTER_RS: &str = "\nfn after() -> EncodingKey {\n    EncodingKey::from_secret(b\"not-real-hostile-after\")\n}\n";

fn deep_python(expression: &str) -> String {
    format!("import jwt\n\nx = {expression}\n{AFTER_PY}")
}

fn deep_rust(expression: &str) -> String {
    format!("use jsonwebtoken::EncodingKey;\n\nfn deep() {{\n    let x = {expression};\n}}\n{AFTER_RS}")
}

fn nested(open: &str, middle: &str, close: &str, depth: usize) -> String {
    format!("{}{middle}{}", open.repeat(depth), close.repeat(depth))
}

/// A 5 MB single line (a minified bundle named `.py`): statements with
/// non-ASCII strings, so columns must count characters, and a finding at the
/// far end of the line. About 40,000 statements, so the debug-build suite
/// stays quick; the ignored dense variant has 1.25 million.
fn single_line_python(total_bytes: usize) -> (String, u64) {
    let head = "import jwt; ";
    let filler = format!("s = \"{}\"; d = {{\"k\": [1, 2]}}; ", "ünïcödé ".repeat(10));
    let tail = "jwt.decode(t, \"not-real-hostile-one-line\")\n";
    let repeats = (total_bytes - head.len() - tail.len()) / filler.len();
    let filler = filler.as_str();
    let line = format!("{head}{}{tail}", filler.repeat(repeats));
    let column = line[..line.find("jwt.decode").unwrap()].chars().count() as u64 + 1;
    (line, column)
}

const LINE_ENDS: [(&str, &str, &str); 4] = [
    ("lf", "\n", ""),
    ("crlf", "\r\n", ""),
    ("cr", "\r", ""),
    ("bom", "\n", "\u{feff}"),
];
const LINES_PY: [&str; 5] = [
    "import jwt",
    "",
    "def f(t):",
    "    return jwt.decode(t, \"not-real-hostile-lines\")",
    "",
];
const LINES_RS: [&str; 7] = [
    "use jsonwebtoken::EncodingKey;",
    "",
    "fn f() -> EncodingKey {",
    "    let k = EncodingKey::from_secret(b\"not-real-hostile-lines\");",
    "    k",
    "}",
    "",
];

/// Where the key literal starts on line 4 (1-based column, in characters):
/// the same whatever the line ends, and the BOM is not part of the line.
fn key_column(line: &str) -> u64 {
    let at = line.find("b\"").unwrap_or_else(|| line.find('"').unwrap());
    line[..at].chars().count() as u64 + 1
}

/// Line ends and a byte-order mark: the same finding, on line 4, in every variant.
fn line_end_variants(root: &Path) {
    let (py, rs) = (LINES_PY, LINES_RS);
    for (name, end, bom) in LINE_ENDS {
        write(root, &format!("lines/{name}.py"), format!("{bom}{}", py.join(end)));
        write(root, &format!("lines/{name}.rs"), format!("{bom}{}", rs.join(end)));
    }
}

/// Whether permission bits stop this process (they do not for root, as in CI).
fn permissions_apply(probe: &Path) -> bool {
    std::fs::read(probe).is_err()
}

#[cfg(unix)]
fn make_fifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
    assert!(status.success(), "mkfifo {path:?}");
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Builds the hostile tree; returns the expected 5 MB line's finding column.
fn build_tree(root: &Path) -> u64 {
    write(root, "ok/app.py", OK_PY);
    write(root, "ok/svc.rs", OK_RS);

    write(root, "deep/parens.py", deep_python(&nested("(", "1", ")", 50_000)));
    write(root, "deep/lists.py", deep_python(&nested("[", "1", "]", 50_000)));
    write(root, "deep/calls.py", deep_python(&nested("f(", "1", ")", 50_000)));
    write(root, "deep/attrs.py", deep_python(&format!("a{}", ".b".repeat(10_000))));
    write(
        root,
        "deep/targets.py",
        format!("import jwt\n\n{} = 1\n{AFTER_PY}", nested("(", "x", ",)", 50_000)),
    );
    // A key built by concatenating 100,000 literals: resolved in full, so
    // the finding proves the whole chain was lowered.
    let terms = vec!["\"k\""; 100_000].join(" + ");
    write(
        root,
        "deep/concat.py",
        format!("import jwt\n\nKEY = \"not-real-\" + {terms}\n\ndef f(t):\n    return jwt.decode(t, KEY)\n{AFTER_PY}"),
    );

    write(root, "deep/parens.rs", deep_rust(&nested("(", "1", ")", 50_000)));
    write(root, "deep/arrays.rs", deep_rust(&nested("[", "1", "]", 50_000)));
    write(root, "deep/calls.rs", deep_rust(&nested("f(", "1", ")", 50_000)));
    write(root, "deep/blocks.rs", deep_rust(&nested("{", "1", "}", 50_000)));
    write(root, "deep/unary.rs", deep_rust(&format!("{}x", "!".repeat(50_000))));
    write(root, "deep/fields.rs", deep_rust(&format!("a{}", ".b".repeat(10_000))));
    write(root, "deep/concat.rs", deep_rust(&vec!["\"k\""; 100_000].join(" + ")));
    write(
        root,
        "deep/types.rs",
        format!(
            "use jsonwebtoken::EncodingKey;\n\nstatic S: {}u8 = 0;\n{AFTER_RS}",
            "Vec<".repeat(50_000)
        ),
    );

    let mut huge = "import jwt\n".to_string();
    huge.push_str(&"# padding\n".repeat(5 * 1024 * 1024 / 10 + 1));
    write(root, "size/huge.py", huge);
    let (line, column) = single_line_python(5 * 1000 * 1000);
    write(root, "size/oneline.py", line);

    write(root, "bin/nul.py", b"import jwt\njwt.decode(t, k)\0\n");
    write(
        root,
        "enc/latin1.py",
        b"import jwt\nname = '\xe9t\xe9'\njwt.decode(t, k)\n",
    );
    line_end_variants(root);

    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        write(root, "fs/unreadable.py", OK_PY);
        set_mode(&root.join("fs/unreadable.py"), 0o000);
        write(root, "fs/locked/inner.py", OK_PY);
        set_mode(&root.join("fs/locked"), 0o000);
        symlink(root.join("fs/missing-target.py"), root.join("fs/broken.py")).unwrap();
        symlink(root.join("fs/loop.py"), root.join("fs/loop.py")).unwrap();
        symlink("/dev/null", root.join("fs/dev.py")).unwrap();
        symlink(root.join("ok/app.py"), root.join("fs/link.py")).unwrap();
        make_fifo(&root.join("fs/fifo.py"));
    }
    column
}

/// Undoes the permission changes, so the temporary directory can be removed.
fn restore_permissions(root: &Path) {
    #[cfg(unix)]
    {
        set_mode(&root.join("fs/locked"), 0o755);
        set_mode(&root.join("fs/unreadable.py"), 0o644);
    }
    #[cfg(not(unix))]
    let _ = root;
}

#[test]
fn the_hostile_tree_is_checked_without_losing_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let one_line_column = build_tree(root);
    let result = std::panic::catch_unwind(|| check_hostile_tree(root, one_line_column));
    restore_permissions(root);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

fn check_hostile_tree(root: &Path, one_line_column: u64) {
    // The ordinary files alone: what must survive any neighbour.
    let alone = run(&["check", "--output-format", "json", "ok"], root, &[], bound(10));
    alone.assert_no_crash();
    let ordinary = findings(&alone.json());
    for expected in [
        ("ok/app.py", "JWT101", 4, 12),
        ("ok/app.py", "SEC301", 4, 30),
        ("ok/svc.rs", "SEC301", 4, 30),
    ] {
        let expected = (expected.0.to_string(), expected.1.to_string(), expected.2, expected.3);
        assert!(ordinary.contains(&expected), "{expected:?} not in {ordinary:?}");
    }

    let full = run(&["check", "--output-format", "json", "."], root, &[], bound(30));
    full.assert_no_crash();
    assert_eq!(
        full.code,
        Some(1),
        "findings fail the gate; notes never change the code\n{}",
        full.stderr
    );
    eprintln!("hostile tree: {:?}", full.elapsed);
    let report = full.json();
    let found = findings(&report);
    assert!(
        ordinary.is_subset(&found),
        "an ordinary file lost a finding: {ordinary:?} vs {found:?}"
    );

    // Deep nesting: a depth-limit note, and the code after it still checked.
    for file in [
        "deep/parens.py",
        "deep/lists.py",
        "deep/calls.py",
        "deep/attrs.py",
        "deep/targets.py",
        "deep/parens.rs",
        "deep/arrays.rs",
        "deep/calls.rs",
        "deep/blocks.rs",
        "deep/unary.rs",
        "deep/fields.rs",
        "deep/concat.rs",
        "deep/types.rs",
    ] {
        assert_notice(&report, file, "depth-limit", "nesting deeper than");
        let after_line = std::fs::read_to_string(root.join(file))
            .unwrap()
            .lines()
            .position(|l| l.contains("not-real-hostile-after"))
            .unwrap() as u64
            + 1;
        assert!(
            found
                .iter()
                .any(|(p, rule, line, _)| p == file && rule == "SEC301" && *line == after_line),
            "{file}: the finding after the deep code is missing: {found:?}"
        );
    }
    // The 100,000-term concatenation needs no limit: the key resolves in full.
    assert!(
        notices_of(&report, "deep/concat.py").is_empty(),
        "{:?}",
        notices_of(&report, "deep/concat.py")
    );
    let concat_py = std::fs::read_to_string(root.join("deep/concat.py")).unwrap();
    let decode_line = concat_py
        .lines()
        .position(|l| l.contains("jwt.decode(t, KEY)"))
        .unwrap() as u64
        + 1;
    assert!(
        found.contains(&("deep/concat.py".into(), "SEC301".into(), decode_line, 26)),
        "{found:?}"
    );

    // Size and shape.
    assert_notice(&report, "size/huge.py", "skipped", "larger than the 5242880 byte limit");
    assert!(
        found.contains(&("size/oneline.py".into(), "SEC301".into(), 1, one_line_column + 14)),
        "the finding at the end of the 5 MB line, column counted in characters: {found:?}"
    );
    assert_notice(&report, "bin/nul.py", "skipped", "binary file");
    assert_notice(&report, "enc/latin1.py", "skipped", "not valid UTF-8");
    assert_notice(&report, "enc/latin1.py", "skipped", "not decoded lossily");
    for (name, _, _) in LINE_ENDS {
        for (extension, column) in [("py", key_column(LINES_PY[3])), ("rs", key_column(LINES_RS[3]))] {
            let path = format!("lines/{name}.{extension}");
            assert!(
                found.contains(&(path.clone(), "SEC301".into(), 4, column)),
                "{path}: expected SEC301 at 4:{column}, got {:?}",
                found.iter().filter(|f| f.0 == path).collect::<Vec<_>>()
            );
        }
    }

    // Filesystem faults.
    if cfg!(unix) {
        assert_notice(&report, "fs/broken.py", "skipped", "broken symbolic link");
        assert_notice(&report, "fs/loop.py", "skipped", "symbolic link loop");
        assert_notice(&report, "fs/dev.py", "skipped", "symbolic link, not followed");
        assert_notice(&report, "fs/link.py", "skipped", "symbolic link, not followed");
        assert_notice(&report, "fs/fifo.py", "skipped", "not a regular file (a FIFO)");
        if permissions_apply(&root.join("fs/unreadable.py")) {
            assert_notice(&report, "fs/unreadable.py", "skipped", "Permission denied");
            assert_notice(&report, "fs/locked", "skipped", "Permission denied");
        } else {
            eprintln!(
                "skipped the permission-denied assertions: this process (root, or with \
                 CAP_DAC_OVERRIDE) reads files whatever their mode"
            );
            assert!(found.contains(&("fs/unreadable.py".into(), "JWT101".into(), 4, 12)));
        }
    }

    // The same faults named on the command line: notes, not errors.
    #[cfg(unix)]
    {
        let named = run(
            &[
                "check",
                "--output-format",
                "json",
                "size/huge.py",
                "fs/broken.py",
                "fs/loop.py",
                "fs/fifo.py",
                "fs/dev.py",
                "/dev/null",
                "ok/app.py",
            ],
            root,
            &[],
            bound(10),
        );
        named.assert_no_crash();
        assert_eq!(named.code, Some(1), "{}", named.stderr);
        let report = named.json();
        assert_notice(&report, "size/huge.py", "skipped", "larger than");
        assert_notice(&report, "fs/broken.py", "skipped", "broken symbolic link");
        assert_notice(&report, "fs/loop.py", "skipped", "symbolic link loop");
        assert_notice(&report, "fs/fifo.py", "skipped", "not a regular file (a FIFO)");
        assert_notice(&report, "fs/dev.py", "skipped", "not a regular file (a device)");
        assert_notice(&report, "/dev/null", "skipped", "not a Python or Rust file");
        let app: BTreeSet<_> = ordinary.iter().filter(|f| f.0 == "ok/app.py").cloned().collect();
        assert_eq!(findings(&report), app, "ok/app.py is still checked, in full");
        // A FIFO without an extension is never opened to look for a shebang.
        std::fs::rename(root.join("fs/fifo.py"), root.join("fs/fifo")).unwrap();
        let fifo = run(&["check", "fs/fifo"], root, &[], bound(10));
        fifo.assert_no_crash();
        assert_eq!(fifo.code, Some(0));
        assert!(fifo.stderr.contains("not a Python or Rust file"), "{}", fifo.stderr);
    }

    // Text output: the same positions in code frames, and the notes on stderr.
    let text = run(
        &["check", "lines", "deep/parens.py", "bin", "size/oneline.py"],
        root,
        &[],
        bound(30),
    );
    text.assert_no_crash();
    assert_eq!(text.code, Some(1));
    for (name, _, _) in LINE_ENDS {
        // The JWT101 frame of the Python file points at `jwt.decode`, column 12.
        assert!(
            text.stdout.contains(&format!("╭─[lines/{name}.py:4:12]")),
            "{name}.py frame"
        );
        let column = key_column(LINES_RS[3]);
        assert!(
            text.stdout.contains(&format!("╭─[lines/{name}.rs:4:{column}]")),
            "{name}.rs frame"
        );
    }
    assert!(
        text.stderr.contains("note[depth-limit]: deep/parens.py:"),
        "{}",
        text.stderr
    );
    assert!(
        text.stderr.contains("note[skipped]: bin/nul.py: binary file"),
        "{}",
        text.stderr
    );
    // The other formats, where the build has them: the same positions.
    let formats = common::redaction::output_formats();
    if formats.iter().any(|f| f == "sarif") {
        let sarif = run(&["check", "--output-format", "sarif", "lines"], root, &[], bound(10));
        sarif.assert_no_crash();
        let log: Value = serde_json::from_str(&sarif.stdout).expect("SARIF is JSON");
        let mut seen = BTreeSet::new();
        for result in log["runs"][0]["results"].as_array().unwrap() {
            if result["ruleId"] != "SEC301" {
                continue;
            }
            let location = &result["locations"][0]["physicalLocation"];
            let uri = location["artifactLocation"]["uri"].as_str().unwrap().to_string();
            let region = &location["region"];
            seen.insert((
                uri,
                region["startLine"].as_u64().unwrap(),
                region["startColumn"].as_u64().unwrap(),
            ));
        }
        for (name, _, _) in LINE_ENDS {
            assert!(
                seen.contains(&(format!("lines/{name}.py"), 4, key_column(LINES_PY[3]))),
                "{seen:?}"
            );
            assert!(
                seen.contains(&(format!("lines/{name}.rs"), 4, key_column(LINES_RS[3]))),
                "{seen:?}"
            );
        }
    }
    if formats.iter().any(|f| f == "github") {
        let github = run(&["check", "--output-format", "github", "lines"], root, &[], bound(10));
        github.assert_no_crash();
        for (name, _, _) in LINE_ENDS {
            for (extension, line) in [("py", LINES_PY[3]), ("rs", LINES_RS[3])] {
                let expected = format!("file=lines/{name}.{extension},line=4,col={},", key_column(line));
                assert!(
                    github
                        .stdout
                        .lines()
                        .any(|l| l.contains(&expected) && l.contains("SEC301")),
                    "{expected} in:\n{}",
                    github.stdout
                );
            }
        }
    }

    // Past MAX_FRAMED_LINE_BYTES a finding prints as one line, not a frame
    // holding the whole 5 MB line.
    let plain = format!("size/oneline.py:1:{}: ", one_line_column + 14);
    assert!(text.stdout.contains(&plain), "{plain}");
    assert!(text.stdout.len() < 100_000, "the report is {} bytes", text.stdout.len());
}

/// Whether `AUTHLINT_INJECT_PANIC` works in this build (debug builds only);
/// says so when a test is skipped for it.
fn panic_injection_compiled() -> bool {
    if !cfg!(debug_assertions) {
        eprintln!("skipped: panic injection is compiled into debug builds only");
    }
    cfg!(debug_assertions)
}

#[test]
fn a_crash_names_the_file_and_rule_keeps_other_findings_and_exits_2() {
    if !panic_injection_compiled() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "ok/app.py", OK_PY);
    write(root, "ok/other.py", OK_PY);
    write(root, "ok/svc.rs", OK_RS);
    let clean = run(&["check", "--output-format", "json", "."], root, &[], bound(10));
    let all = findings(&clean.json());
    for path in ["ok/app.py", "ok/other.py", "ok/svc.rs"] {
        assert!(all.iter().any(|f| f.0 == path && f.1 == "SEC301"), "{path}: {all:?}");
    }

    // A bug in one rule on one file: that rule's findings there are lost and
    // said so; nothing else is.
    let crashed = run(
        &["check", "--output-format", "json", "."],
        root,
        &[("AUTHLINT_INJECT_PANIC", "rule:SEC301:ok/app.py")],
        bound(10),
    );
    crashed.assert_no_crash();
    assert_eq!(crashed.code, Some(2), "an internal error must fail the gate");
    let report = crashed.json();
    let expected: BTreeSet<_> = all
        .iter()
        .filter(|f| !(f.0 == "ok/app.py" && f.1 == "SEC301"))
        .cloned()
        .collect();
    assert_eq!(findings(&report), expected);
    let notices = notices_of(&report, "ok/app.py");
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].0, "internal-error");
    assert!(
        notices[0].1.contains("rule SEC301 (hardcoded-jwt-key)"),
        "{}",
        notices[0].1
    );
    assert!(notices[0].1.contains("injected panic"), "{}", notices[0].1);

    // A bug while parsing: the file is named, no rule had run.
    let crashed = run(
        &["check", "."],
        root,
        &[("AUTHLINT_INJECT_PANIC", "lower:ok/svc.rs")],
        bound(10),
    );
    crashed.assert_no_crash();
    assert_eq!(crashed.code, Some(2));
    assert!(
        crashed
            .stderr
            .contains("note[internal-error]: ok/svc.rs: authlint failed while reading and parsing this file"),
        "{}",
        crashed.stderr
    );
    // The caught panic prints no panic message or backtrace of its own.
    assert!(!crashed.stderr.contains("panicked at"), "{}", crashed.stderr);
    assert!(!crashed.stderr.contains("RUST_BACKTRACE"), "{}", crashed.stderr);
    let others = all.iter().filter(|f| f.0 != "ok/svc.rs").count();
    let frames = crashed
        .stdout
        .lines()
        .filter(|l| ["error[", "warning[", "note["].iter().any(|p| l.starts_with(p)))
        .count();
    assert_eq!(frames, others, "{}", crashed.stdout);

    // A bug outside any one file: every file is named, nothing passes.
    let crashed = run(
        &["check", "--output-format", "json", "."],
        root,
        &[("AUTHLINT_INJECT_PANIC", "project:")],
        bound(10),
    );
    crashed.assert_no_crash();
    assert_eq!(crashed.code, Some(2));
    let report = crashed.json();
    assert!(findings(&report).is_empty());
    for path in ["ok/app.py", "ok/other.py", "ok/svc.rs"] {
        assert_notice(
            &report,
            path,
            "internal-error",
            "authlint failed while checking the project",
        );
    }
}

#[test]
fn a_rule_crashing_on_a_helper_costs_its_callers_none_of_the_other_rules() {
    if !panic_injection_compiled() {
        return;
    }
    // After a crash the helper's rules are rerun one at a time. None of
    // those partial runs may stand in for the helper's summary, which its
    // callers read to judge what the helper leaves to their arguments: here
    // the lifetime `login` chooses. One thread checks the helper first, so
    // a partial summary kept by that rerun is the one the caller would read.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "app/a_tokens.py",
        "from datetime import datetime, timezone\n\n\
         import jwt\n\n\n\
         def issue(subject, lifetime):\n    \
             exp = datetime.now(timezone.utc) + lifetime\n    \
             return jwt.encode({\"sub\": subject, \"exp\": exp}, KEY, algorithm=\"HS256\")\n",
    );
    write(root, "app/__init__.py", "");
    write(
        root,
        "app/b_login.py",
        "from datetime import timedelta\n\n\
         from app.a_tokens import issue\n\n\n\
         def login(user):\n    \
             token_lifetime = timedelta(days=365)\n    \
             return issue(user.id, token_lifetime)\n",
    );
    let args = ["check", "--output-format", "json", "--threads", "1", "."];
    let at_call = ("app/b_login.py".to_string(), "JWT204".to_string(), 8);
    let called = |report: &Value| {
        findings(report)
            .iter()
            .any(|f| (&f.0, &f.1, f.2) == (&at_call.0, &at_call.1, at_call.2))
    };
    let clean = run(&args, root, &[], bound(10));
    clean.assert_no_crash();
    assert!(called(&clean.json()), "no {at_call:?} in {}", clean.stdout);

    let crashed = run(
        &args,
        root,
        &[("AUTHLINT_INJECT_PANIC", "rule:SEC301:app/a_tokens.py")],
        bound(10),
    );
    crashed.assert_no_crash();
    assert_eq!(crashed.code, Some(2), "an internal error must fail the gate");
    let report = crashed.json();
    assert_notice(&report, "app/a_tokens.py", "internal-error", "rule SEC301");
    assert!(called(&report), "no {at_call:?} after the crash in {}", crashed.stdout);
}

#[test]
fn a_file_deleted_between_discovery_and_reading_is_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let kept = write(root, "kept.py", OK_PY);
    let gone = write(root, "gone.py", OK_PY);
    let discovery = authlint::frontend::discover::discover(&[root.to_path_buf()]).unwrap();
    assert_eq!(discovery.files.len(), 2);
    std::fs::remove_file(&gone).unwrap();
    let rules = authlint::rules::load_rules(&[]).unwrap();
    let linter = authlint::lint::Linter::new(&rules, authlint::frontend::source::DEFAULT_MAX_FILE_SIZE);
    let outcome = linter.run(&discovery, &[root.to_path_buf()], 2).unwrap();
    let gone_path = gone.to_string_lossy();
    let notice = outcome
        .notices()
        .find(|n| n.path == gone_path)
        .expect("a note for the deleted file");
    assert_eq!(notice.kind, authlint::model::NoteKind::Skipped);
    assert!(notice.message.contains("cannot read"), "{}", notice.message);
    let kept_path = kept.to_string_lossy();
    let alone = authlint::frontend::discover::discover(std::slice::from_ref(&kept)).unwrap();
    let expected = linter.run(&alone, &[root.to_path_buf()], 2).unwrap();
    let codes = |outcome: &authlint::report::outcome::RunOutcome| -> Vec<(String, usize)> {
        outcome
            .findings()
            .filter(|f| f.path == kept_path)
            .map(|f| (f.code.clone(), f.line))
            .collect()
    };
    assert!(!codes(&expected).is_empty());
    assert_eq!(codes(&outcome), codes(&expected), "the other file is checked in full");
    assert_eq!(outcome.internal_errors, 0);
}

/// The report with its only run-dependent value, the timing, blanked.
fn without_timing(report: &str) -> String {
    report
        .lines()
        .map(|line| match line.trim_start().strip_prefix("\"elapsed_ms\": ") {
            Some(_) => "\"elapsed_ms\": <elapsed>",
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Ten runs each on 1, 2 and 8 worker threads over the fixtures and the
/// example app, through the library, rendered as JSON and SARIF: every run
/// byte-identical to the first. In-process, so it is quick in a debug build;
/// the same through the binary is `the_binary_is_byte_identical_…` below.
#[test]
fn reports_are_byte_identical_across_runs_and_thread_counts() {
    let root = repo_root();
    let rules = authlint::rules::load_rules(&[]).unwrap();
    let linter = authlint::lint::Linter::new(&rules, authlint::frontend::source::DEFAULT_MAX_FILE_SIZE);
    let roots = [PathBuf::from("fixtures"), PathBuf::from("examples")];
    let builtin_codes = authlint::rules::docs::builtin_codes();
    let context = authlint::report::sarif::SarifContext {
        rules: &rules,
        builtin_codes: &builtin_codes,
        source_root: &root,
    };
    let absolute: Vec<PathBuf> = roots.iter().map(|r| root.join(r)).collect();
    let discovery = authlint::frontend::discover::discover(&absolute).unwrap();
    let mut reference: Option<(String, String)> = None;
    for threads in [1, 2, 8] {
        for attempt in 0..10 {
            let mut outcome = linter.run(&discovery, &absolute, threads).unwrap();
            outcome.elapsed_ms = 0;
            assert!(outcome.findings().count() > 50, "the fixtures have findings");
            let reports = (
                authlint::report::json::render(&outcome),
                authlint::report::sarif::render(&outcome, &context),
            );
            match &reference {
                None => reference = Some(reports),
                Some(first) => assert!(
                    *first == reports,
                    "run {attempt} on {threads} threads differs from the first run"
                ),
            }
        }
    }
}

/// The same through the binary: JSON and SARIF, ten runs per thread count.
/// Slow in a debug build (every run pays for unoptimised start-up), so
/// `.ci/run` runs it in release mode.
#[test]
#[ignore = "ten process runs per thread count: run in release mode by .ci/run"]
fn the_binary_is_byte_identical_across_runs_and_thread_counts() {
    let root = repo_root();
    for format in ["json", "sarif"] {
        let mut reference: Option<String> = None;
        for threads in ["1", "2", "8"] {
            for attempt in 0..10 {
                let out = run(
                    &[
                        "check",
                        "--output-format",
                        format,
                        "--threads",
                        threads,
                        "fixtures",
                        "examples",
                    ],
                    &root,
                    &[],
                    bound(20),
                );
                out.assert_no_crash();
                assert_eq!(out.code, Some(1));
                let stable = without_timing(&out.stdout);
                assert!(stable.len() > 1000, "{stable}");
                match &reference {
                    None => reference = Some(stable),
                    Some(first) => assert!(
                        *first == stable,
                        "{format}: run {attempt} with {threads} threads differs from the first run"
                    ),
                }
            }
        }
    }
}

/// The output formats `check --output-format` accepts, from the list clap
/// prints for a value it does not know: a format added later is covered
/// without touching this test.
/// Every word containing `not-real-` in the files under `dirs`.
fn planted_secrets(root: &Path, dirs: &[&str]) -> BTreeSet<String> {
    let mut secrets = BTreeSet::new();
    for dir in dirs {
        for path in walk(&root.join(dir)) {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
                if word.contains("not-real-") {
                    secrets.insert(word.to_string());
                }
            }
        }
    }
    secrets
}

/// Secrets where reports are easiest to get wrong: on a line too long for a
/// code frame, built by concatenation, after CR-only line ends and a BOM,
/// next to too-deep code, and in a module another file imports it from.
fn secret_tree(root: &Path) {
    let long_line = format!(
        "import jwt; x = [{}]; jwt.decode(t, \"not-real-secret-long-line-0001\")\n",
        "1, ".repeat(2_000)
    );
    write(root, "app/long.py", long_line);
    write(
        root,
        "app/concat.py",
        "import jwt\nKEY = \"not-real-\" + \"secret-concat-0002\"\njwt.decode(t, KEY)\n",
    );
    write(
        root,
        "app/cr.py",
        "\u{feff}import jwt\r\rjwt.decode(t, \"not-real-secret-cr-0003\")\r",
    );
    write(
        root,
        "app/deep.rs",
        deep_rust(&nested("(", "\"not-real-secret-deep-0004\"", ")", 5_000))
            .replace("hostile-after", "secret-after-0005"),
    );
    write(
        root,
        "app/settings.py",
        "JWT_SECRET = \"not-real-secret-imported-0006\"\n",
    );
    write(
        root,
        "app/use.py",
        "import jwt\nfrom app.settings import JWT_SECRET\njwt.encode({}, JWT_SECRET, algorithm=\"HS256\")\n",
    );
}

#[test]
fn no_output_format_baseline_or_settings_dump_shows_a_secret() {
    // The fixtures' and the example app's secrets are searched for by
    // tests/cli.rs; these are the places where redaction is hardest.
    let dir = tempfile::tempdir().unwrap();
    secret_tree(dir.path());
    let (secrets, outputs) = common::redaction::assert_no_output_shows_a_secret(dir.path(), &["app"]);
    assert!(
        secrets.len() >= 4,
        "the findings point at the planted secrets: {secrets:?}"
    );
    // A secret no finding points at (in code too deep to check) is never
    // printed whole either.
    let planted = planted_secrets(dir.path(), &["app"]);
    assert!(planted.len() >= 6, "the tree should hold fake secrets: {planted:?}");
    for (what, text) in &outputs {
        for secret in &planted {
            assert!(!text.contains(secret.as_str()), "{what} contains {secret}");
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

#[test]
fn adversarial_rule_files_are_refused_or_run_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "app.py", OK_PY);
    let rule = |callee: &str| {
        format!(
            "code = \"ORG901\"\nname = \"hostile\"\nseverity = \"error\"\nlanguages = [\"python\"]\n\
             keywords = [\"jwt\"]\nsummary = \"s\"\nmessage = \"m\"\nhelp = \"h\"\nrationale = \"r\"\n\n\
             [[match]]\nlanguage = \"python\"\ncallee = {callee}\n"
        )
    };
    // Patterns are globs, compiled to the regex crate's linear-time engine:
    // `(a+)+$` is literal text, and thousands of stars cost nothing either.
    // Each hostile pattern must still match what it names, and only that.
    let a_name = "a".repeat(100_000);
    write(
        root,
        "long.py",
        format!("import jwt\nx = {a_name}\n{a_name}()\n{a_name}b()\n"),
    );
    let stars = format!("{}b", "*a".repeat(2_000));
    let braces = format!("{{{}}}", vec!["jwt.decode"; 5_000].join(","));
    for (name, callees, matched) in [
        // As a regex `(a+)+$` would match line 3's name; as a glob it names
        // nothing, and the second pattern shows the rule ran.
        ("redos", vec!["(a+)+$", "jwt.decode"], vec![("app.py", 4)]),
        ("stars", vec![stars.as_str()], vec![("long.py", 4)]),
        ("braces", vec![braces.as_str()], vec![("app.py", 4)]),
    ] {
        let rules = root.join(format!("rules-{name}"));
        write(&rules, "ORG901.toml", rule(&format!("{callees:?}")));
        let out = run(
            &[
                "check",
                "--rules",
                rules.to_str().unwrap(),
                "--select",
                "ORG901",
                "--output-format",
                "json",
                "app.py",
                "long.py",
            ],
            root,
            &[],
            bound(10),
        );
        out.assert_no_crash();
        let report: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{name}: {e}: {}", out.stderr));
        let expected: Vec<(String, u64, String)> = matched
            .iter()
            .map(|(path, line)| (path.to_string(), *line, "ORG901".to_string()))
            .collect();
        assert_eq!(
            common::found(&report),
            expected,
            "{name}: the custom rule matched exactly these"
        );
        assert_eq!(out.code, Some(1), "{name}: {}", out.stderr);
        eprintln!("rule pattern {name}: {:?}", out.elapsed);
    }

    // Deeply nested TOML, and a rule file too large to be one: refused with
    // an error that names the file, exit 2, no crash.
    let depth = 100_000;
    for (name, text) in [
        (
            "arrays",
            format!("code = \"ORG902\"\nx = {}\n", nested("[", "", "]", depth)),
        ),
        (
            "tables",
            format!("code = \"ORG902\"\nx = {}\n", nested("{a = ", "1", "}", depth)),
        ),
        ("dotted", format!("{} = 1\n", vec!["a"; depth].join("."))),
        ("huge", format!("# {}\n", "x".repeat(2 * 1024 * 1024))),
    ] {
        let rules = root.join(format!("toml-{name}"));
        write(&rules, "bad.toml", text);
        let out = run(
            &["check", "--rules", rules.to_str().unwrap(), "app.py"],
            root,
            &[],
            bound(10),
        );
        out.assert_no_crash();
        assert_eq!(out.code, Some(2), "{name}");
        assert!(
            out.stderr.contains("bad.toml"),
            "{name}: {}",
            &out.stderr[..out.stderr.len().min(500)]
        );
        assert!(
            out.stdout.is_empty(),
            "{name}: nothing is checked with a broken rule set"
        );
    }
}

#[test]
fn adversarial_configuration_files_are_refused_with_an_error() {
    let depth = 100_000;
    for (name, text) in [
        (
            "arrays",
            format!("fail-on = \"error\"\nx = {}\n", nested("[", "", "]", depth)),
        ),
        ("tables", format!("x = {}\n", nested("{a = ", "1", "}", depth))),
        ("dotted", format!("{} = 1\n", vec!["a"; depth].join("."))),
        ("headers", format!("[{}]\n", vec!["a"; depth].join("."))),
        ("huge", format!("# {}\n", "x".repeat(11 * 1024 * 1024))),
    ] {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "app.py", OK_PY);
        write(dir.path(), "authlint.toml", text);
        let out = run(&["check", "app.py"], dir.path(), &[], bound(10));
        out.assert_no_crash();
        assert_eq!(
            out.code,
            Some(2),
            "{name}: {}",
            &out.stderr[..out.stderr.len().min(500)]
        );
        assert!(out.stderr.contains("authlint.toml"), "{name}: the error names the file");
        assert!(
            out.stdout.is_empty(),
            "{name}: nothing is checked with a broken configuration"
        );
    }
}

/// The densest 5 MB single line: 1.3 million statements. Heavy (about
/// 1.6 GB of parse tree), so release-only: `.ci/run` runs it with
/// `cargo test --release -- --ignored`.
#[test]
#[ignore = "heavy: run in release mode by .ci/run"]
fn a_dense_five_megabyte_line_is_checked_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let tail = "jwt.decode(t, \"not-real-hostile-dense\")\n";
    let statements = (5 * 1000 * 1000 - 11 - tail.len()) / 4;
    let line = format!("import jwt;{}{tail}", "x=1;".repeat(statements));
    let column = line.find("jwt.decode").unwrap() as u64 + 1;
    write(root, "dense.py", &line);
    write(
        root,
        "dense.rs",
        format!("// jwt\nfn f() {{ {} }}\n", "let x = 1;".repeat(400_000)),
    );
    let out = run(&["check", "--output-format", "json", "."], root, &[], bound(90));
    out.assert_no_crash();
    eprintln!("dense 5 MB line: {:?}", out.elapsed);
    let found = findings(&out.json());
    assert!(
        found.contains(&("dense.py".into(), "JWT101".into(), 1, column)),
        "{found:?}"
    );
}
