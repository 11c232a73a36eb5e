//! Redaction pinned end to end: every output a run can produce shows no more
//! of a secret than its first few characters.
//!
//! The secrets are not a hand list: they are the string literals the
//! findings of the secret rules point at (primary span and related spans),
//! found by linting the tree in-process. For each secret, every run of five
//! of its characters is looked for in each output; since authlint shows at
//! most four, every such run holds a hidden character. A run that also
//! appears when the same command is run on a copy of the tree where those
//! literals are blanked out (a path such as `fixtures/` holds `fixtu`, a
//! message the word `secret`) is not evidence of a leak and is passed over.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use authlint::frontend::discover::discover;
use authlint::frontend::source::DEFAULT_MAX_FILE_SIZE;
use authlint::lint::Linter;
use authlint::rules::load_rules;

use super::{authlint, stderr, stdout};

/// How long a run of a secret's characters is evidence of a leak: one more
/// than the most authlint ever shows.
pub const LEAK_RUN: usize = 5;

/// A string literal a secret rule's finding points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretLiteral {
    /// Relative to the tree's root.
    pub path: PathBuf,
    /// Byte range of the literal's body (between its quotes) in the file.
    pub body: std::ops::Range<usize>,
    pub text: String,
    pub rule: String,
    /// The file of the finding that points at it (relative to the root):
    /// where it may be shown, with the file holding it.
    pub reported_in: PathBuf,
}

impl SecretLiteral {
    fn at(&self) -> String {
        format!("{} ({}, byte {})", self.path.display(), self.rule, self.body.start)
    }
}

/// The literals the secret rules' findings point at under `dirs` of `root`,
/// each once. Names of variables (`"JWT_SECRET"` in `env::var("JWT_SECRET")`)
/// are not secrets, as SEC303 itself holds.
pub fn secret_literals(root: &Path, dirs: &[&str]) -> Vec<SecretLiteral> {
    let rules = load_rules(&[]).expect("the embedded rules load");
    let paths: Vec<PathBuf> = dirs.iter().map(|d| root.join(d)).collect();
    let discovery = discover(&paths).expect("the tree can be walked");
    let outcome = Linter::new(&rules, DEFAULT_MAX_FILE_SIZE)
        .run(&discovery, &paths, 2)
        .expect("the run starts");
    // Spans count from after a byte-order mark; the file's bytes do not.
    let mut texts: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut secrets = Vec::new();
    for finding in outcome.findings().filter(|f| rules[f.rule].secret) {
        // A related place inside the primary span is the value the finding
        // resolved (`"…"` in `Field("…", description="…")`): the secret is
        // there, not in every literal of the span.
        let precise = finding.related.iter().any(|r| {
            r.path == finding.path && r.span.start >= finding.primary.start && r.span.end <= finding.primary.end
        });
        let primary = (!precise).then_some((&finding.path, finding.primary));
        let spans = primary
            .into_iter()
            .chain(finding.related.iter().map(|r| (&r.path, r.span)));
        for (path, span) in spans {
            let (text, bom) = texts.entry(path.clone()).or_insert_with(|| {
                let text = std::fs::read_to_string(path).unwrap_or_default();
                match text.strip_prefix('\u{feff}') {
                    Some(rest) => (rest.to_string(), '\u{feff}'.len_utf8()),
                    None => (text, 0),
                }
            });
            let Some(written) = text.get(span.start..span.end) else {
                continue;
            };
            for body in literal_bodies(written) {
                let secret = &written[body.clone()];
                if secret.chars().count() < LEAK_RUN || names_a_variable(secret) {
                    continue;
                }
                let relative = |path: &str| {
                    Path::new(path)
                        .strip_prefix(root)
                        .unwrap_or(Path::new(path))
                        .to_path_buf()
                };
                secrets.push(SecretLiteral {
                    path: relative(path),
                    body: *bom + span.start + body.start..*bom + span.start + body.end,
                    text: secret.to_string(),
                    rule: finding.code.clone(),
                    reported_in: relative(&finding.path),
                });
            }
        }
    }
    secrets.sort_by(|a, b| (&a.path, a.body.start).cmp(&(&b.path, b.body.start)));
    secrets.dedup_by(|a, b| a.path == b.path && a.body == b.body);
    secrets
}

/// Byte ranges of the bodies of the string literals written in `code`
/// (`"…"`, `'…'`, `b"…"`, `"""…"""`, `r#"…"#`).
pub fn literal_bodies(code: &str) -> Vec<std::ops::Range<usize>> {
    let bytes = code.as_bytes();
    let mut bodies = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let quote = bytes[at];
        if quote != b'"' && quote != b'\'' {
            at += 1;
            continue;
        }
        // A Rust lifetime or char (`'a`) is no string; a quote inside a word is no literal.
        let raw_hashes = bytes[..at].iter().rev().take_while(|&&b| b == b'#').count();
        let raw = at > raw_hashes && bytes[at - raw_hashes - 1] == b'r';
        let triple = bytes[at..].starts_with(&[quote; 3]);
        let open = if triple { 3 } else { 1 };
        let mut close = String::from_utf8(vec![quote; open]).unwrap();
        close.push_str(&"#".repeat(raw_hashes));
        let start = at + open;
        let mut end = start;
        let mut found = None;
        while end < bytes.len() {
            if bytes[end] == b'\\' && !raw {
                end += 2;
                continue;
            }
            if code[end..].starts_with(&close) {
                found = Some(end);
                break;
            }
            end += 1;
        }
        match found {
            Some(end) => {
                bodies.push(start..end);
                at = end + close.len();
            }
            None => break,
        }
    }
    bodies
}

/// `JWT_SECRET`, `jwt_secret_key`, `jwtSecretKey`: the name of a variable or
/// setting, not a secret (the same reading as the rules' `names-a-variable`).
pub fn names_a_variable(text: &str) -> bool {
    let identifier = text.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let underscores = text.matches('_').count();
    let upper = text.chars().filter(char::is_ascii_uppercase).count();
    let lower = text.chars().filter(char::is_ascii_lowercase).count();
    identifier
        && ((lower == 0 && underscores >= 1)
            || (upper == 0 && underscores >= 2)
            || (underscores == 0 && lower > 0 && text.chars().skip(1).filter(char::is_ascii_uppercase).count() >= 2))
}

/// A copy of `dirs` of `root` in a new directory, each secret literal's body
/// replaced by as many `~`.
pub fn blanked_copy(root: &Path, dirs: &[&str], secrets: &[SecretLiteral]) -> tempfile::TempDir {
    let copy = tempfile::tempdir().unwrap();
    for dir in dirs {
        copy_tree(&root.join(dir), &copy.path().join(dir));
    }
    let mut by_file: BTreeMap<&Path, Vec<&SecretLiteral>> = BTreeMap::new();
    for secret in secrets {
        by_file.entry(&secret.path).or_default().push(secret);
    }
    for (path, secrets) in by_file {
        let target = copy.path().join(path);
        let mut text = std::fs::read_to_string(&target).unwrap();
        for secret in secrets {
            let blank = "~".repeat(secret.text.len());
            text.replace_range(secret.body.clone(), &blank);
        }
        std::fs::write(&target, text).unwrap();
    }
    copy
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The output formats the binary offers (from its own usage error), so a
/// format added later is covered without a change here.
pub fn output_formats() -> Vec<String> {
    let refused = authlint(&["check", "--output-format", "?", "."], &super::repo_root());
    assert_eq!(refused.status.code(), Some(2));
    let usage = stderr(&refused);
    let values = usage
        .split("[possible values: ")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .unwrap_or_else(|| panic!("no possible values in:\n{usage}"));
    values.split(',').map(|v| v.trim().to_string()).collect()
}

/// Everything a run over `files` of `root` can print or write: each output
/// format (stdout and stderr), the baseline file `--write-baseline` writes,
/// and `--show-settings` for each of `dirs`. Labelled, in a fixed order.
pub fn every_output(root: &Path, files: &[&str], dirs: &[&str]) -> Vec<(String, String)> {
    let mut outputs = Vec::new();
    // The fixtures are test code by their place: every run includes it.
    for format in output_formats() {
        let mut args = vec!["check", "--include-tests", "--output-format", format.as_str()];
        args.extend_from_slice(files);
        let out = authlint(&args, root);
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        outputs.push((
            format!("the {format} report"),
            format!("{}{}", stdout(&out), stderr(&out)),
        ));
    }
    // Statistics, and the summary of what is not shown, name no secret either.
    for extra in [
        &["--statistics"][..],
        &["--statistics", "--output-format", "json"][..],
        &[][..],
    ] {
        let mut args = vec!["check"];
        args.extend_from_slice(extra);
        args.extend_from_slice(files);
        let out = authlint(&args, root);
        outputs.push((
            format!(
                "the run with {}",
                if extra.is_empty() {
                    "test code not shown".to_string()
                } else {
                    extra.join(" ")
                }
            ),
            format!("{}{}", stdout(&out), stderr(&out)),
        ));
    }
    // The inventory shows keys and sites: always redacted.
    for format in ["text", "json", "markdown"] {
        let mut args = vec!["inventory", "--include-tests", "--output-format", format];
        args.extend_from_slice(files);
        let out = authlint(&args, root);
        assert_eq!(out.status.code(), Some(0), "inventory {format}: {}", stderr(&out));
        outputs.push((
            format!("the {format} inventory"),
            format!("{}{}", stdout(&out), stderr(&out)),
        ));
    }
    let scratch = tempfile::tempdir().unwrap();
    let baseline = scratch.path().join("baseline.json");
    let mut args = vec![
        "check",
        "--include-tests",
        "--write-baseline",
        baseline.to_str().unwrap(),
    ];
    args.extend_from_slice(files);
    let out = authlint(&args, root);
    let written = std::fs::read_to_string(&baseline).expect("a baseline was written");
    assert!(written.contains("\"rule\""), "the baseline records findings: {written}");
    outputs.push(("the baseline file".into(), written));
    outputs.push((
        "the run writing the baseline".into(),
        format!("{}{}", stdout(&out), stderr(&out)),
    ));
    for dir in dirs {
        let out = authlint(&["check", "--show-settings", dir], root);
        outputs.push((
            format!("--show-settings {dir}"),
            format!("{}{}", stdout(&out), stderr(&out)),
        ));
    }
    outputs
}

/// The text of `files` of `root` with each secret body cut to the prefix a
/// report may show (at most four characters, at most half), then `…`.
fn code_as_shown(root: &Path, files: &[&str], secrets: &[SecretLiteral]) -> String {
    let mut code = Vec::new();
    for file in files {
        let mut text = std::fs::read_to_string(root.join(file)).unwrap_or_default();
        let mut here: Vec<&SecretLiteral> = secrets.iter().filter(|s| s.path == Path::new(file)).collect();
        // From the end, so earlier byte ranges stay where they are.
        here.sort_by_key(|s| std::cmp::Reverse(s.body.start));
        for secret in here {
            let shown = secret.text.chars().count() / 2;
            let prefix: String = secret.text.chars().take(shown.min(4)).collect();
            text.replace_range(secret.body.clone(), &format!("{prefix}…"));
        }
        code.push(text);
    }
    code.join("\n")
}

/// The runs of `LEAK_RUN` characters of `secret` that `output` shows and
/// `innocent` (the same output without the secret) does not.
pub fn leaked_runs(secret: &str, output: &str, innocent: &str) -> Vec<String> {
    let chars: Vec<char> = secret.chars().collect();
    let mut runs: Vec<String> = chars
        .windows(LEAK_RUN)
        .map(|w| w.iter().collect::<String>())
        .filter(|run| output.contains(run.as_str()) && !innocent.contains(run.as_str()))
        .collect();
    runs.dedup();
    runs
}

/// Fails, listing every leak, unless no output of a run over `dirs` of
/// `root` shows more of a secret literal than authlint's prefix. The runs
/// are over the files that hold a secret or report one (named on the
/// command line, each is still linted in its project): no other file's
/// output can show it. Returns the secrets checked and the outputs, labelled.
pub fn assert_no_output_shows_a_secret(root: &Path, dirs: &[&str]) -> (Vec<SecretLiteral>, Vec<(String, String)>) {
    let secrets = secret_literals(root, dirs);
    let mut files: Vec<String> = secrets
        .iter()
        .flat_map(|s| [&s.path, &s.reported_in])
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    files.dedup();
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let blanked = blanked_copy(root, dirs, &secrets);
    let outputs = every_output(root, &files, dirs);
    let innocent = every_output(blanked.path(), &files, dirs);
    // Code frames show the code around a finding: a run that the code also
    // holds outside the secrets (`secret-named` in a comment), or next to a
    // secret's shown prefix (`", "d` of `"KEY", "dev-…"`), is not the
    // secret, even where the blanked run shows no frame there.
    let code_without_secrets = code_as_shown(root, &files, &secrets);
    let mut leaks = Vec::new();
    for ((what, output), (_, without)) in outputs.iter().zip(&innocent) {
        let without = format!("{without}\n{code_without_secrets}");
        for secret in &secrets {
            let runs = leaked_runs(&secret.text, output, &without);
            if !runs.is_empty() {
                leaks.push(format!("{what} shows {runs:?} of the secret at {}", secret.at()));
            }
        }
    }
    assert!(leaks.is_empty(), "{} leaks:\n{}", leaks.len(), leaks.join("\n"));
    (secrets, outputs)
}
