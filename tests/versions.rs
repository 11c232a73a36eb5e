//! Versions that exist. The version is written once, in Cargo.toml; the
//! release workflow tags `v<version>` from it (and refuses any other tag),
//! the wheel and the Action read it. Everything a user copies from the
//! documentation (a pre-commit `rev:`, an Action's `@v…`, a download URL, a
//! pip pin) must name that version, so that it names a tag the release
//! workflow creates. Likewise the project's home: its URL is Cargo.toml's
//! `repository` (a placeholder until the project has a public home), and
//! nothing else may spell out another one.
//!
//! When a test here fails after a version bump, its message lists every
//! place to update.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;
use regex::Regex;

const VERSION: &str = env!("CARGO_PKG_VERSION");
const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

/// A semantic version, as docs write it.
const SEMVER: &str = r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?";

/// The ways a document names an authlint version, each with the version as
/// its one capture group.
fn version_mentions() -> Vec<(&'static str, Regex)> {
    let shapes = [
        // pip and pyproject pins, uvx's `authlint@X`, an Action's
        // `…/authlint@vX`, and `authlint X` as `authlint --version` prints it.
        ("a pin or reference", r"\bauthlint(?:==|@v?|[ \t]+v?)(SEMVER)\b"),
        // A pre-commit configuration.
        ("a pre-commit rev", r"\brev:[ \t]*[\x22']?v(SEMVER)\b"),
        // A release download.
        ("a release URL", r"/releases/download/v(SEMVER)/"),
        // `cargo install authlint --version X`.
        ("a --version argument", r"--version[ \t]+[\x22']?v?(SEMVER)\b"),
        // The Action's `version` input in a `with:` block.
        (
            "an Action version input",
            r"(?m)^[ \t]*version:[ \t]*[\x22']?v?(SEMVER)\b",
        ),
        // A link into a tagged tree.
        ("a tagged link", r"/(?:blob|tree)/v(SEMVER)/"),
    ];
    shapes
        .into_iter()
        .map(|(what, pattern)| (what, Regex::new(&pattern.replace("SEMVER", SEMVER)).unwrap()))
        .collect()
}

/// Every version mention in `text`: (line number, what it is, version).
fn versions_named(text: &str) -> Vec<(usize, &'static str, String)> {
    let mut found = Vec::new();
    for (what, pattern) in version_mentions() {
        for captures in pattern.captures_iter(text) {
            let at = captures.get(1).unwrap();
            let line = text[..at.start()].matches('\n').count() + 1;
            found.push((line, what, at.as_str().to_string()));
        }
    }
    found.sort();
    found
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What users copy from: the README, docs/, the pre-commit mirror, the
/// Action and the hook manifest. Not CHANGELOG.md (its sections name past
/// versions on purpose; `the_changelog_is_ahead_of_no_release` checks it)
/// and not bench/ (a record of past runs).
fn user_facing_files() -> Vec<PathBuf> {
    let root = repo();
    let mut files = vec![
        root.join("README.md"),
        root.join("action.yml"),
        root.join(".pre-commit-hooks.yaml"),
    ];
    files.extend(files_under(&root.join("docs"), "md"));
    files.extend(files_under(&root.join("pre-commit-mirror"), ""));
    files
}

/// Files under `dir` (recursively) whose name ends with `suffix`.
fn files_under(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path, suffix));
        } else if path.to_string_lossy().ends_with(suffix) {
            files.push(path);
        }
    }
    files.sort();
    files
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn relative(path: &Path) -> String {
    path.strip_prefix(repo()).unwrap().display().to_string()
}

#[test]
fn the_scanner_finds_every_way_a_version_is_named() {
    let text = "pip install authlint==9.1.2\n\
                uvx authlint@9.1.3 check\n\
                - uses: OWNER/authlint@v9.1.4\n\
                    rev: v9.1.5\n\
                curl -LO https://x.invalid/authlint/releases/download/v9.1.6/authlint-x86_64.tar.gz\n\
                cargo install --locked authlint --version 9.1.7\n\
                  with:\n    version: \"9.1.8\"\n\
                prints `authlint 9.1.9`\n\
                see https://x.invalid/authlint/blob/v9.2.0/docs/rules/JWT101.md\n\
                MSRV: Rust 1.90, SARIF 2.1.0, minimum_pre_commit_version: \"2.21.0\"\n";
    let found: Vec<String> = versions_named(text).into_iter().map(|(_, _, v)| v).collect();
    assert_eq!(
        found,
        [
            "9.1.2", "9.1.3", "9.1.4", "9.1.5", "9.1.6", "9.1.7", "9.1.8", "9.1.9", "9.2.0"
        ],
        "one mention per line, and none of another tool's versions"
    );
}

#[test]
fn every_version_users_copy_is_the_crates() {
    let mut wrong = Vec::new();
    let mut shapes_seen = std::collections::BTreeSet::new();
    for path in user_facing_files() {
        for (line, what, version) in versions_named(&read(&path)) {
            shapes_seen.insert(what);
            if version != VERSION {
                wrong.push(format!("{}:{line}: {what} names {version}", relative(&path)));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "these name a version other than Cargo.toml's {VERSION}, a tag the release workflow would never create:\n{}",
        wrong.join("\n")
    );
    // The documentation shows each way of taking authlint: a scan that
    // finds none of them is looking at the wrong files.
    for what in [
        "a pin or reference",
        "a pre-commit rev",
        "a release URL",
        "a --version argument",
    ] {
        assert!(
            shapes_seen.contains(what),
            "no document names authlint's version as {what}"
        );
    }
}

#[test]
fn the_binary_reports_the_crates_version() {
    // The wheel test, the Action and the release workflow compare this line.
    let out = authlint(&["--version"], &repo());
    assert_eq!(stdout(&out), format!("authlint {VERSION}\n"));
}

#[test]
fn the_wheel_takes_its_version_and_home_from_cargo_toml() {
    let pyproject: toml::Table = read(&repo().join("pyproject.toml")).parse().unwrap();
    let project = pyproject["project"].as_table().unwrap();
    assert!(
        !project.contains_key("version"),
        "pyproject.toml must not write a version"
    );
    assert!(
        !project.contains_key("urls"),
        "pyproject.toml must not write the project's URLs"
    );
    let dynamic: Vec<&str> = project["dynamic"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for field in ["version", "urls"] {
        assert!(dynamic.contains(&field), "pyproject.toml: `{field}` must be dynamic");
    }
    assert_eq!(pyproject["build-system"]["build-backend"].as_str(), Some("maturin"));
    assert_eq!(pyproject["tool"]["maturin"]["bindings"].as_str(), Some("bin"));
}

/// Keep a Changelog: an `[Unreleased]` section, then released versions,
/// newest first, none newer than Cargo.toml's (a section written for a
/// version the crate does not have yet means the bump was forgotten).
#[test]
fn the_changelog_is_ahead_of_no_release() {
    let changelog = read(&repo().join("CHANGELOG.md"));
    let headings: Vec<&str> = changelog.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(
        headings.first(),
        Some(&"## [Unreleased]"),
        "CHANGELOG.md must open with [Unreleased]"
    );
    let released = Regex::new(&format!(r"^## \[({SEMVER})\] - \d{{4}}-\d{{2}}-\d{{2}}$")).unwrap();
    let crate_version = numeric(VERSION);
    let mut previous: Option<Vec<u64>> = None;
    for heading in &headings[1..] {
        let captures = released
            .captures(heading)
            .unwrap_or_else(|| panic!("CHANGELOG.md: `{heading}` is not `## [X.Y.Z] - YYYY-MM-DD`"));
        let version = numeric(&captures[1]);
        assert!(
            version <= crate_version,
            "CHANGELOG.md has {heading}, newer than Cargo.toml's {VERSION}"
        );
        if let Some(previous) = &previous {
            assert!(&version < previous, "CHANGELOG.md: {heading} is out of order");
        }
        previous = Some(version);
    }
}

fn numeric(version: &str) -> Vec<u64> {
    version
        .split(['-', '+'])
        .next()
        .unwrap()
        .split('.')
        .map(|part| part.parse().unwrap())
        .collect()
}

/// The project's home appears in user-facing files only as Cargo.toml's
/// `repository` (or its pre-commit mirror, the same URL with
/// `-pre-commit`), and `uses:` lines name its GitHub repository.
#[test]
fn every_link_to_the_project_is_cargo_tomls_repository() {
    let host_end = REPOSITORY.find("://").map(|i| i + 3).unwrap();
    let host = &REPOSITORY[..REPOSITORY[host_end..]
        .find('/')
        .map_or(REPOSITORY.len(), |i| host_end + i)];
    let project_url = Regex::new(&format!(
        r"{}/[^\s)\x22'`>]*authlint[^\s)\x22'`>]*",
        regex::escape(host)
    ))
    .unwrap();
    let mirror = format!("{REPOSITORY}-pre-commit");
    let slug = REPOSITORY
        .strip_prefix("https://github.com/")
        .unwrap_or("OWNER/authlint");
    let uses = Regex::new(r"uses:[ \t]*([^@\s]+/authlint)@").unwrap();
    let mut wrong = Vec::new();
    for path in user_facing_files() {
        let text = read(&path);
        for found in project_url.find_iter(&text) {
            let url = found.as_str();
            if !(url == REPOSITORY || url == mirror || url.starts_with(&format!("{REPOSITORY}/"))) {
                wrong.push(format!("{}: {url}", relative(&path)));
            }
        }
        for captures in uses.captures_iter(&text) {
            if &captures[1] != slug {
                wrong.push(format!("{}: uses: {}", relative(&path), &captures[1]));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "these name the project's home otherwise than Cargo.toml's repository, {REPOSITORY}:\n{}",
        wrong.join("\n")
    );
}

/// The URL is written once: code reads it from Cargo.toml (env! in Rust,
/// maturin for the wheel, the Action's first step) and never spells it.
#[test]
fn only_cargo_toml_spells_out_the_repository() {
    let root = repo();
    let mut files = files_under(&root.join("src"), ".rs");
    files.extend(files_under(&root.join("python"), ".py"));
    files.extend(files_under(&root.join(".github"), ""));
    files.extend(
        [
            "action.yml",
            "pyproject.toml",
            "build.rs",
            "pre-commit-mirror/pyproject.toml",
        ]
        .map(|f| root.join(f)),
    );
    let spelled: Vec<String> = files
        .iter()
        .filter(|path| read(path).contains(REPOSITORY))
        .map(|path| relative(path))
        .collect();
    assert!(
        spelled.is_empty(),
        "{REPOSITORY} is written out in {spelled:?}; read it from Cargo.toml"
    );
}
