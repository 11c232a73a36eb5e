//! The fixture harness: every rule's fixtures are its specification.
//!
//! A line ending in `# expect: CODE[, CODE]` (`// expect:` in Rust) must get
//! exactly those findings; every other line must get none. A place merged
//! into another finding of the same mistake (a key's use, related to the
//! key's definition) counts as its rule's finding on its line. Lines ending in
//! `# ok` / `// ok` are the tempting negatives. Each rule must have, for each
//! language it claims, a fixture with at least five of each.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use authlint::frontend::source::DEFAULT_MAX_FILE_SIZE;
use authlint::lint::Linter;
use authlint::model::Language;
use authlint::rules::load_rules;

const MIN_POSITIVES: usize = 5;
const MIN_NEGATIVES: usize = 5;

struct Expectations {
    /// line → sorted expected codes
    expected: BTreeMap<usize, Vec<String>>,
    ok_lines: usize,
}

fn parse_expectations(source: &str, comment: &str) -> Expectations {
    let mut expected = BTreeMap::new();
    let mut ok_lines = 0;
    for (index, line) in source.lines().enumerate() {
        let Some(at) = line.rfind(comment) else { continue };
        let annotation = line[at + comment.len()..].trim();
        if let Some(codes) = annotation.strip_prefix("expect:") {
            let mut codes: Vec<String> = codes
                .split(',')
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect();
            codes.sort();
            expected.insert(index + 1, codes);
        } else if annotation == "ok" || annotation.starts_with("ok:") || annotation.starts_with("ok ") {
            ok_lines += 1;
        }
    }
    Expectations { expected, ok_lines }
}

fn fixture_files(language: Language) -> Vec<PathBuf> {
    let (dir, ext) = match language {
        Language::Python => ("python", "py"),
        Language::Rust => ("rust", "rs"),
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

fn comment_of(language: Language) -> &'static str {
    match language {
        Language::Python => "#",
        Language::Rust => "//",
    }
}

#[test]
fn every_fixture_gets_exactly_its_expected_findings() {
    let rules = load_rules(&[]).expect("embedded rules load");
    let linter = Linter::new(&rules, DEFAULT_MAX_FILE_SIZE);
    let mut failures = Vec::new();
    let mut checked = 0;
    for language in Language::ALL {
        for file in fixture_files(language) {
            let source = std::fs::read_to_string(&file).unwrap();
            let expectations = parse_expectations(&source, comment_of(language));
            let (outcome, _) = linter.lint_text(language, &file.display().to_string(), source.clone());
            for notice in &outcome.notices {
                failures.push(format!("{}: unexpected notice: {}", file.display(), notice.message));
            }
            let mut actual: BTreeMap<usize, Vec<String>> = BTreeMap::new();
            for finding in &outcome.findings {
                actual.entry(finding.line).or_default().push(finding.code.clone());
                // One mistake is one finding: the places merged into it are
                // still where their rule found it, and still its spec.
                for merged in &finding.related {
                    if let Some(code) = &merged.rule {
                        actual.entry(merged.line).or_default().push(code.clone());
                    }
                }
            }
            for codes in actual.values_mut() {
                codes.sort();
            }
            let lines: std::collections::BTreeSet<usize> =
                expectations.expected.keys().chain(actual.keys()).copied().collect();
            for line in lines {
                let want = expectations.expected.get(&line).cloned().unwrap_or_default();
                let got = actual.get(&line).cloned().unwrap_or_default();
                if want != got {
                    let text = source.lines().nth(line - 1).unwrap_or("").trim();
                    failures.push(format!(
                        "{}:{line}: expected {want:?}, got {got:?}\n    {text}",
                        file.display()
                    ));
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "no fixtures found");
    assert!(failures.is_empty(), "fixture mismatches:\n{}", failures.join("\n"));
}

#[test]
fn every_rule_has_fixtures_for_each_language_it_claims() {
    let rules = load_rules(&[]).expect("embedded rules load");
    let mut problems = Vec::new();
    for rule in &rules {
        for &language in &rule.languages {
            let ext = match language {
                Language::Python => "py",
                Language::Rust => "rs",
            };
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures")
                .join(language.name())
                .join(format!("{}.{ext}", rule.code));
            let Ok(source) = std::fs::read_to_string(&path) else {
                problems.push(format!("{}: no fixture {}", rule.code, path.display()));
                continue;
            };
            let expectations = parse_expectations(&source, comment_of(language));
            let positives = expectations
                .expected
                .values()
                .filter(|codes| codes.contains(&rule.code))
                .count();
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

#[test]
fn the_expectation_parser_reads_both_comment_styles() {
    let py = parse_expectations("a()  # expect: SEC301, JWT101\nb()  # ok: because\nc()\n", "#");
    assert_eq!(
        py.expected.get(&1),
        Some(&vec!["JWT101".to_string(), "SEC301".to_string()])
    );
    assert_eq!(py.ok_lines, 1);
    let rs = parse_expectations("a(); // expect: JWT105\nb(); // ok\n", "//");
    assert_eq!(rs.expected.len(), 1);
    assert_eq!(rs.ok_lines, 1);
}
