//! The fixture harness: every rule's fixtures are its specification.
//!
//! A line ending in `# expect: CODE `span`[, …]` (`// expect:` in Rust) must
//! get exactly those findings, each with its primary span on that text and
//! the rule's severity (or the one written: `CODE:warning`); every other
//! line must get none. A place merged into another finding of the same
//! mistake (a key's use, related to the key's definition) counts as its
//! rule's finding on its line. Lines ending in `# ok` / `// ok` are the tempting
//! negatives. Each rule must have, for each language it claims, a fixture
//! with at least five of each, and every pattern it lists must fire on one
//! of its positive lines (`fixtures/patterns.rs`). The annotation format is
//! in `fixtures/annotations.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use authlint::frontend::source::DEFAULT_MAX_FILE_SIZE;
use authlint::lint::Linter;
use authlint::model::Language;
use authlint::report::outcome::Finding;
use authlint::rules::{Rule, load_rules};

#[path = "fixtures/annotations.rs"]
mod annotations;
#[path = "fixtures/patterns.rs"]
mod patterns;

use annotations::{Expected, code_part, describe, expected_start, parse_expectations, spells_out_secret, text_matches};

const MIN_POSITIVES: usize = 5;
const MIN_NEGATIVES: usize = 5;

/// A fixture file, read.
pub struct FixtureFile {
    pub language: Language,
    pub path: PathBuf,
    pub source: String,
}

impl FixtureFile {
    pub fn read(language: Language, path: PathBuf) -> Self {
        let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        FixtureFile { language, path, source }
    }

    /// The name findings and failures give the file: its path in the repository.
    pub fn name(&self) -> String {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        self.path.strip_prefix(root).unwrap_or(&self.path).display().to_string()
    }
}

fn extension(language: Language) -> &'static str {
    match language {
        Language::Python => "py",
        Language::Rust => "rs",
    }
}

/// `fixtures/<language>/<CODE>.<ext>`: where a rule's fixture for a language lives.
pub fn fixture_path(language: Language, code: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(language.name())
        .join(format!("{code}.{}", extension(language)))
}

fn fixture_files(language: Language) -> Vec<FixtureFile> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(language.name());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == extension(language)))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| FixtureFile::read(language, path))
        .collect()
}

fn comment_of(language: Language) -> &'static str {
    match language {
        Language::Python => "#",
        Language::Rust => "//",
    }
}

/// Byte offset of the start of each line (1-based line `n` starts at `starts[n - 1]`).
fn line_starts(source: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(source.match_indices('\n').map(|(at, _)| at + 1))
        .collect()
}

/// Checks one line's findings against its annotation; a failure message
/// shows the annotation that would describe what was found.
fn check_line(
    rules: &[Rule],
    fixture: &FixtureFile,
    line: usize,
    wanted: &[Expected],
    found: &[&Finding],
    starts: &[usize],
) -> Result<(), String> {
    let source = &fixture.source;
    let text = source.lines().nth(line - 1).unwrap_or_default();
    let code = code_part(text, comment_of(fixture.language));
    let line_start = starts[line - 1];
    let rule_of = |code: &str| {
        rules
            .iter()
            .find(|r| r.code == code)
            .unwrap_or_else(|| panic!("{}:{line}: no rule {code}", fixture.name()))
    };
    let mut problems = Vec::new();
    let mut unmatched: Vec<&Finding> = found.to_vec();
    for expected in wanted {
        let start = match expected_start(expected, code) {
            Ok(offset) => line_start + offset,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let rule = rule_of(&expected.code);
        let severity = expected.severity.unwrap_or(rule.severity);
        let matching = unmatched.iter().position(|f| {
            f.code == expected.code
                && f.severity == severity
                && f.primary.start == start
                && text_matches(&expected.text, &source[f.primary.start..f.primary.end])
        });
        match matching {
            Some(index) => {
                let finding = unmatched.remove(index);
                if rule.secret && spells_out_secret(&expected.text, &source[finding.primary.start..finding.primary.end])
                {
                    problems.push(format!(
                        "{expected} spells out the secret: write no more of it than authlint shows"
                    ));
                }
            }
            None => problems.push(format!("no {expected}")),
        }
    }
    if problems.is_empty() && unmatched.is_empty() {
        return Ok(());
    }
    let mut got: Vec<Expected> = found
        .iter()
        .map(|f| describe(f, rule_of(&f.code), source, line_start, code))
        .collect();
    got.sort_by(|a, b| a.code.cmp(&b.code));
    let got: Vec<String> = got.iter().map(ToString::to_string).collect();
    for extra in unmatched {
        problems.push(format!(
            "unexpected {}",
            describe(extra, rule_of(&extra.code), source, line_start, code)
        ));
    }
    Err(format!(
        "{}:{line}: {}\n    {}\n    found: {}",
        fixture.name(),
        problems.join("; "),
        text.trim(),
        if got.is_empty() {
            "nothing".to_string()
        } else {
            format!("expect: {}", got.join(", "))
        }
    ))
}

/// Where `finding` reports its mistake: its own place, and each place of
/// the same mistake merged into it (one mistake is one finding, but each
/// merged place is still where its rule found it, and still its fixture
/// line's expectation).
pub fn places_of(rules: &[Rule], finding: &Finding) -> Vec<Finding> {
    let mut places = vec![finding.clone()];
    for merged in &finding.related {
        let Some(code) = &merged.rule else { continue };
        let Some(rule) = rules.iter().position(|r| r.code == *code) else {
            continue;
        };
        places.push(Finding {
            rule,
            code: code.clone(),
            severity: rules[rule].severity,
            line: merged.line,
            column: merged.column,
            end_line: merged.end_line,
            end_column: merged.end_column,
            primary: merged.span,
            related: Vec::new(),
            ..finding.clone()
        });
    }
    places
}

#[test]
fn every_fixture_gets_exactly_its_expected_findings() {
    let rules = load_rules(&[]).expect("embedded rules load");
    let linter = Linter::new(&rules, DEFAULT_MAX_FILE_SIZE);
    let mut failures = Vec::new();
    let mut checked = 0;
    for language in Language::ALL {
        for fixture in fixture_files(language) {
            let expectations = parse_expectations(&fixture.source, comment_of(language));
            for (line, problem) in &expectations.malformed {
                failures.push(format!("{}:{line}: {problem}", fixture.name()));
            }
            let malformed: BTreeSet<usize> = expectations.malformed.iter().map(|(line, _)| *line).collect();
            let (outcome, _) = linter.lint_text(language, &fixture.name(), fixture.source.clone());
            for notice in &outcome.notices {
                failures.push(format!("{}: unexpected notice: {}", fixture.name(), notice.message));
            }
            let mut actual: BTreeMap<usize, Vec<Finding>> = BTreeMap::new();
            for place in outcome.findings.iter().flat_map(|f| places_of(&rules, f)) {
                actual.entry(place.line).or_default().push(place);
            }
            let starts = line_starts(&fixture.source);
            let lines: BTreeSet<usize> = expectations.expected.keys().chain(actual.keys()).copied().collect();
            for line in lines.difference(&malformed).copied() {
                let wanted = expectations.expected.get(&line).map(Vec::as_slice).unwrap_or_default();
                let found: Vec<&Finding> = actual.get(&line).map(|f| f.iter().collect()).unwrap_or_default();
                if let Err(failure) = check_line(&rules, &fixture, line, wanted, &found, &starts) {
                    failures.push(failure);
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "no fixtures found");
    assert!(
        failures.is_empty(),
        "{} fixture mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_rule_has_fixtures_for_each_language_it_claims() {
    let rules = load_rules(&[]).expect("embedded rules load");
    let mut problems = Vec::new();
    for rule in &rules {
        for &language in &rule.languages {
            let path = fixture_path(language, &rule.code);
            let Ok(source) = std::fs::read_to_string(&path) else {
                problems.push(format!("{}: no fixture {}", rule.code, path.display()));
                continue;
            };
            let expectations = parse_expectations(&source, comment_of(language));
            let positives = expectations.positives(&rule.code);
            if positives < MIN_POSITIVES {
                problems.push(format!(
                    "{}: {} has {positives} positive cases, needs {MIN_POSITIVES}",
                    rule.code,
                    path.display()
                ));
            }
            if expectations.ok_lines < MIN_NEGATIVES {
                problems.push(format!(
                    "{}: {} has {} `ok` cases, needs {MIN_NEGATIVES}",
                    rule.code,
                    path.display(),
                    expectations.ok_lines
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
