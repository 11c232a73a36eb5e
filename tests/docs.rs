//! Rule documentation: `authlint rules`, `authlint explain`, and the
//! generated `docs/rules/<CODE>.md` pages, which must match the rule files.

mod common;

use common::*;
use serde_json::Value;

fn catalog() -> Vec<Value> {
    let out = authlint(&["rules", "--output-format", "json"], &repo_root());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["version"], 1);
    report["rules"].as_array().unwrap().clone()
}

#[test]
fn the_catalog_lists_every_loaded_rule() {
    let rules = authlint::rules::load_rules(&[]).unwrap();
    let catalog = catalog();
    assert_eq!(catalog.len(), rules.len());
    for (entry, rule) in catalog.iter().zip(&rules) {
        assert_eq!(entry["code"], rule.code.as_str());
        assert_eq!(entry["name"], rule.name.as_str());
        assert_eq!(entry["severity"], rule.severity.as_str());
        let languages: Vec<&str> = rule.languages.iter().map(|l| l.name()).collect();
        assert_eq!(entry["languages"], serde_json::json!(languages));
        assert_eq!(entry["summary"], rule.summary.trim());
        assert_eq!(entry["builtin"], true);
        assert!(
            entry["docs_url"]
                .as_str()
                .unwrap()
                .ends_with(&format!("docs/rules/{}.md", rule.code))
        );
    }

    let table = stdout(&authlint(&["rules"], &repo_root()));
    let mut lines = table.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("CODE") && header.contains("SEVERITY") && header.contains("SUMMARY"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), rules.len(), "one row per rule:\n{table}");
    for (line, rule) in rows.iter().zip(&rules) {
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cells[0], rule.code);
        assert_eq!(cells[1], rule.name);
        assert_eq!(cells[2], rule.severity.as_str());
        let languages: Vec<&str> = rule.languages.iter().map(|l| l.name()).collect();
        assert_eq!(cells[3], languages.join(","), "{line}");
    }
}

#[test]
fn the_readme_rule_table_lists_every_rule_as_its_file_says() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let rows: Vec<Vec<&str>> = readme
        .lines()
        .skip_while(|line| !line.starts_with("| code | name | severity | languages |"))
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| line.trim_matches('|').split(" | ").map(str::trim).collect())
        .collect();
    let rules = authlint::rules::load_rules(&[]).unwrap();
    let codes: Vec<&str> = rows.iter().map(|cells| cells[0]).collect();
    assert_eq!(rows.len(), rules.len(), "one README row per rule: {codes:?}");
    for (cells, rule) in rows.iter().zip(&rules) {
        let languages: Vec<&str> = rule.languages.iter().map(|l| l.name()).collect();
        let expected = [
            rule.code.as_str(),
            rule.name.as_str(),
            rule.severity.as_str(),
            &languages.join(", "),
            rule.summary.trim(),
        ];
        assert_eq!(cells.as_slice(), expected.as_slice(), "the README row of {}", rule.code);
    }
}

#[test]
fn custom_rules_are_listed_and_explained_too() {
    let root = repo_root();
    let rules_dir = root.join("docs/examples/rules");
    let rules_dir = rules_dir.to_str().unwrap();
    let out = authlint(&["rules", "--output-format", "json", "--rules", rules_dir], &root);
    let report = json(&out);
    let custom = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "ORG501")
        .expect("ORG501 listed")
        .clone();
    assert_eq!(custom["builtin"], false);
    assert_eq!(custom["docs_url"], Value::Null);

    let out = authlint(&["explain", "--rules", rules_dir, "org501"], &root);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("ORG501: "), "{}", stdout(&out));
}

#[test]
fn explain_prints_every_rule_for_a_terminal() {
    let root = repo_root();
    for rule in authlint::rules::load_rules(&[]).unwrap() {
        let out = authlint(&["explain", &rule.code], &root);
        assert_eq!(out.status.code(), Some(0), "{}: {}", rule.code, stderr(&out));
        let text = stdout(&out);
        assert!(text.starts_with(&format!("{}: {}\n", rule.code, rule.name)), "{text}");
        for heading in ["Why is this bad?", "How to fix it"] {
            assert!(
                text.contains(&format!("\n{heading}\n")),
                "{}: {heading}:\n{text}",
                rule.code
            );
        }
        for reference in &rule.references {
            assert!(text.contains(reference.as_str()), "{}: {reference}", rule.code);
        }
        for cwe in &rule.cwe {
            assert!(text.contains(cwe.as_str()), "{}: {cwe}", rule.code);
        }
        // The examples are there, indented as code, without their fences.
        assert!(!text.contains("```"), "{text}");
        let example_lines: Vec<&str> = rule
            .rationale
            .split("```")
            .skip(1)
            .step_by(2)
            .flat_map(|block| block.lines().skip(1))
            .filter(|line| !line.trim().is_empty())
            .collect();
        assert!(
            !example_lines.is_empty(),
            "{}: the rationale has a bad and a good example",
            rule.code
        );
        for line in example_lines {
            assert!(
                text.contains(&format!("    {line}\n")),
                "{}: {line:?} indented:\n{text}",
                rule.code
            );
        }
        // No escapes when the output is not a terminal.
        assert!(!text.contains('\u{1b}'));
        // Nothing is wider than the terminal width it was wrapped to, except
        // code and words (addresses) that cannot be broken.
        for line in text.lines().filter(|l| !l.starts_with("    ")) {
            let width = line.chars().count();
            let words = line.split_whitespace().filter(|w| *w != "-").count();
            assert!(width <= 80 || words == 1, "{width} columns: {line}");
        }
    }
    // Names and lower case work as well as codes.
    let by_name = authlint(&["explain", "decode-without-algorithms"], &root);
    let by_code = authlint(&["explain", "jwt101"], &root);
    assert_eq!(stdout(&by_name), stdout(&authlint(&["explain", "JWT101"], &root)));
    assert_eq!(stdout(&by_code), stdout(&by_name));
}

#[test]
fn explain_suggests_the_nearest_codes_for_an_unknown_one() {
    let root = repo_root();
    let out = authlint(&["explain", "JWT1O1"], &root);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(err.contains("`JWT1O1`"), "{err}");
    let suggested = err.split("did you mean ").nth(1).expect("a suggestion");
    assert!(suggested.starts_with("JWT101"), "the closest first: {err}");

    let out = authlint(&["explain", "hardcoded-jwt-keys"], &root);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("did you mean SEC301"), "{}", stderr(&out));

    let out = authlint(&["explain", "completely-unrelated"], &root);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("authlint rules"), "{}", stderr(&out));
}

#[test]
fn the_checked_in_rule_pages_match_the_rule_files() {
    let root = repo_root();
    let dir = root.join(authlint::rules::docs::RULE_DOCS_DIR);
    let rules = authlint::rules::load_rules(&[]).unwrap();
    let expected = authlint::rules::docs::expected_rule_pages(&rules, &authlint::rules::docs::builtin_codes());
    let existing = if dir.is_dir() {
        authlint::rules::docs::existing_rule_pages(&dir).unwrap()
    } else {
        Vec::new()
    };
    let mut stale = Vec::new();
    for (name, contents) in &expected {
        match std::fs::read_to_string(dir.join(name)) {
            Ok(text) if text == *contents => {}
            Ok(_) => stale.push(format!("{name} is out of date")),
            Err(_) => stale.push(format!("{name} is missing")),
        }
    }
    for name in &existing {
        if !expected.iter().any(|(page, _)| page == name) {
            stale.push(format!("{name} documents a rule that no longer exists"));
        }
    }
    assert!(
        stale.is_empty(),
        "the rule pages in {} are stale:\n  {}\nrun `{}`",
        authlint::rules::docs::RULE_DOCS_DIR,
        stale.join("\n  "),
        authlint::rules::docs::WRITE_DOCS_COMMAND,
    );
}

#[test]
fn write_docs_writes_every_page_and_removes_stale_ones() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pages/ZZZ999.md", "a rule that was deleted");
    write(dir.path(), "pages/README.md", "not a rule page: kept");
    let out = authlint(&["rules", "--write-docs", "pages"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("removed ZZZ999.md"), "{}", stderr(&out));
    let pages = authlint::rules::docs::existing_rule_pages(&dir.path().join("pages")).unwrap();
    let mut codes: Vec<String> = catalog()
        .iter()
        .map(|r| format!("{}.md", r["code"].as_str().unwrap()))
        .collect();
    codes.sort();
    assert_eq!(pages, codes);
    assert!(dir.path().join("pages/README.md").is_file());
    let page = std::fs::read_to_string(dir.path().join("pages").join(&codes[0])).unwrap();
    assert!(page.starts_with("<!-- Generated from rules/"), "{page}");
}
