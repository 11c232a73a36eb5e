//! `authlint inventory`: the map of every token a codebase issues and
//! accepts, checked against hand-checked expected documents.
//!
//! Each case runs the inventory over a tree of the repository and compares
//! its JSON with `tests/inventory/<case>.json` exactly, so a change in
//! resolution shows as a diff there. Every entry of those files was read
//! against the code it describes; to accept a deliberate change, run with
//! `AUTHLINT_BLESS=1`, then read the diff as carefully as the first time.
//! The markdown rendering is parsed, and its Mermaid diagram checked.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{authlint, git, repo_root, stderr, stdout, write};
use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
use serde_json::Value;

const CASES: &[(&str, &str)] = &[
    ("vulnerable-app", "examples/vulnerable-app"),
    ("fastapi-service", "tests/projects/fastapi-service"),
    ("axum-service", "tests/projects/axum-service"),
    ("inconsistent-verification", "tests/projects/inconsistent-verification"),
];

fn inventory(dir: &str, format: &str) -> String {
    let out = authlint(&["inventory", "--output-format", format, dir], &repo_root());
    assert_eq!(out.status.code(), Some(0), "inventory of {dir}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn the_json_inventory_matches_the_checked_in_documents() {
    let mut stale = Vec::new();
    for (case, dir) in CASES {
        let actual = inventory(dir, "json");
        let expected_path = repo_root().join("tests/inventory").join(format!("{case}.json"));
        if std::env::var_os("AUTHLINT_BLESS").is_some() {
            std::fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("{} is missing (AUTHLINT_BLESS=1 writes it)", expected_path.display()));
        if actual != expected {
            stale.push(format!("{case}:\n{}", first_difference(&expected, &actual)));
        }
    }
    assert!(stale.is_empty(), "the inventory changed:\n{}", stale.join("\n\n"));
}

fn first_difference(expected: &str, actual: &str) -> String {
    let expected: Vec<&str> = expected.lines().collect();
    let actual: Vec<&str> = actual.lines().collect();
    let at = expected
        .iter()
        .zip(&actual)
        .position(|(e, a)| e != a)
        .unwrap_or(expected.len().min(actual.len()));
    let from = at.saturating_sub(3);
    format!(
        "expected (line {}):\n{}\nactual:\n{}",
        at + 1,
        expected[from..(at + 4).min(expected.len())].join("\n"),
        actual[from..(at + 4).min(actual.len())].join("\n")
    )
}

#[test]
fn every_reference_in_the_document_resolves() {
    for (_, dir) in CASES {
        let doc: Value = serde_json::from_str(&inventory(dir, "json")).unwrap();
        assert_eq!(doc["version"], 1);
        let keys: BTreeSet<&str> = doc["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["id"].as_str().unwrap())
            .collect();
        let sites: BTreeSet<&str> = ["issue_sites", "verify_sites"]
            .iter()
            .flat_map(|s| doc[s].as_array().unwrap())
            .map(|s| s["id"].as_str().unwrap())
            .collect();
        for kind in ["issue_sites", "verify_sites"] {
            for site in doc[kind].as_array().unwrap() {
                if let Some(key) = site["key"].as_str() {
                    assert!(keys.contains(key), "{dir}: {} names unknown key {key}", site["id"]);
                    let key_entry = doc["keys"].as_array().unwrap().iter().find(|k| k["id"] == key).unwrap();
                    let users = &key_entry[kind];
                    assert!(
                        users.as_array().unwrap().contains(&site["id"]),
                        "{dir}: {key} does not list {}",
                        site["id"]
                    );
                }
            }
        }
        for key in doc["keys"].as_array().unwrap() {
            for site in key["issue_sites"]
                .as_array()
                .unwrap()
                .iter()
                .chain(key["verify_sites"].as_array().unwrap())
            {
                assert!(
                    sites.contains(site.as_str().unwrap()),
                    "{dir}: {} lists unknown site {site}",
                    key["id"]
                );
            }
        }
    }
}

/// The Mermaid block of a markdown document, found by a markdown parser.
fn mermaid_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) if &*info == "mermaid" => {
                current = Some(String::new());
            }
            Event::Text(text) => {
                if let Some(block) = &mut current {
                    block.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => blocks.extend(current.take()),
            _ => {}
        }
    }
    blocks
}

fn headings(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Heading { .. }) => {
                inside = true;
                out.push(String::new());
            }
            Event::End(TagEnd::Heading(_)) => inside = false,
            Event::Text(text) if inside => out.last_mut().unwrap().push_str(&text),
            _ => {}
        }
    }
    out
}

/// Checks the diagram's grammar as written (a flowchart of node
/// definitions and edges, every edge between defined nodes, labels quoted
/// and free of raw quotes) and that it draws issue sites → keys → verify
/// sites exactly as the JSON document links them.
fn check_diagram(dir: &str, diagram: &str, doc: &Value) {
    let mut lines = diagram.lines();
    assert_eq!(lines.next(), Some("flowchart LR"), "{dir}: {diagram}");
    let mut nodes = BTreeSet::new();
    let mut edges = BTreeSet::new();
    for line in lines {
        let line = line.trim();
        if let Some((from, to)) = line.split_once(" --> ") {
            edges.insert((from.to_string(), to.to_string()));
            continue;
        }
        let (id, shape) = line.split_at(
            line.find(['[', '('])
                .unwrap_or_else(|| panic!("{dir}: not a node: {line}")),
        );
        let label = shape
            .strip_prefix("[\"")
            .and_then(|l| l.strip_suffix("\"]"))
            .or_else(|| shape.strip_prefix("((\"").and_then(|l| l.strip_suffix("\"))")))
            .unwrap_or_else(|| panic!("{dir}: not a quoted label: {line}"));
        assert!(!label.contains('"'), "{dir}: a raw quote in a label: {line}");
        assert!(
            id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{dir}: node id {id}"
        );
        nodes.insert(id.to_string());
    }
    for (from, to) in &edges {
        assert!(
            nodes.contains(from) && nodes.contains(to),
            "{dir}: edge {from} --> {to} to an undefined node"
        );
    }
    let id = |v: &Value| v.as_str().unwrap().replace('-', "_");
    let mut expected = BTreeSet::new();
    for key in doc["keys"].as_array().unwrap() {
        for site in key["issue_sites"].as_array().unwrap() {
            expected.insert((id(site), id(&key["id"])));
        }
        for site in key["verify_sites"].as_array().unwrap() {
            expected.insert((id(&key["id"]), id(site)));
        }
    }
    assert_eq!(edges, expected, "{dir}: the diagram's edges are the document's links");
    let entries = ["issue_sites", "verify_sites", "keys"]
        .iter()
        .map(|k| doc[k].as_array().unwrap().len())
        .sum::<usize>();
    assert_eq!(nodes.len(), entries, "{dir}: one node per site and key");
}

#[test]
fn the_markdown_inventory_renders_with_a_diagram_of_sites_and_keys() {
    for (_, dir) in CASES {
        let markdown = inventory(dir, "markdown");
        assert_eq!(
            headings(&markdown),
            ["Token inventory", "Issue sites", "Verify sites", "Keys", "Transport"],
            "{dir}"
        );
        let blocks = mermaid_blocks(&markdown);
        assert_eq!(blocks.len(), 1, "{dir}: one Mermaid diagram");
        let doc: Value = serde_json::from_str(&inventory(dir, "json")).unwrap();
        check_diagram(dir, &blocks[0], &doc);
        // Each table has as many rows as the document has entries.
        let rows = markdown
            .lines()
            .filter(|l| l.starts_with("| issue-") || l.starts_with("| verify-") || l.starts_with("| key-"))
            .count();
        let entries: usize = ["issue_sites", "verify_sites", "keys"]
            .iter()
            .map(|k| doc[k].as_array().unwrap().len())
            .sum();
        assert_eq!(rows, entries, "{dir}");
    }
}

#[test]
fn the_text_inventory_groups_the_same_entries() {
    let text = inventory("examples/vulnerable-app", "text");
    let doc: Value = serde_json::from_str(&inventory("examples/vulnerable-app", "json")).unwrap();
    for (section, kind) in [
        ("Issue sites", "issue_sites"),
        ("Verify sites", "verify_sites"),
        ("Keys", "keys"),
    ] {
        let n = doc[kind].as_array().unwrap().len();
        assert!(
            text.contains(&format!("{section} ({n})\n")),
            "{section} ({n}) in:\n{text}"
        );
    }
    // A literal key is shown redacted, never whole.
    assert!(text.contains("literal \"exam…\" (33 bytes)"), "{text}");
    assert!(!text.contains("example-signing-key"), "{text}");
}

/// A repository with one token helper, committed, then changed.
fn repository(before: &str, after: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| git(dir.path(), args);
    git(&["init", "-q"]);
    write(dir.path(), "app/tokens.py", before);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "base"]);
    write(dir.path(), "app/tokens.py", after);
    dir
}

const TOKENS: &str = "import os\nfrom datetime import datetime, timedelta, timezone\n\nimport jwt\n\nKEY = os.environ[\"JWT_SECRET\"]\n\n\ndef create_access_token(sub):\n    exp = datetime.now(timezone.utc) + timedelta(minutes=15)\n    return jwt.encode({\"sub\": sub, \"exp\": exp}, KEY, algorithm=\"HS256\")\n\n\ndef read(token):\n    return jwt.decode(token, KEY, algorithms=[\"HS256\"], audience=\"api\")\n";

#[test]
fn diff_base_shows_what_changed_in_the_auth_layer() {
    let after = TOKENS.replace("timedelta(minutes=15)", "timedelta(days=7)").replace(
        "KEY = os.environ[\"JWT_SECRET\"]",
        "KEY = os.environ[\"JWT_SECRET\"]\nOTHER = \"other-key-not-real-12345678\"",
    ) + "\n\ndef read_admin(token):\n    return jwt.decode(token, OTHER, algorithms=[\"HS256\"])\n";
    let repo = repository(TOKENS, &after);
    let out = authlint(&["inventory", "--diff-base", "HEAD", "app"], repo.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Auth-layer changes since HEAD"), "{text}");
    assert!(text.contains("lifetime: 15 minutes → 7 days"), "{text}");
    assert!(text.contains("added app/tokens.py:20 jwt.decode"), "{text}");
    assert!(
        text.contains("verified exp, nbf, iat; required none)"),
        "the new site's checks show, without `aud`: {text}"
    );
    assert!(!text.contains("other-key"), "{text}");
    let json: Value = serde_json::from_str(&stdout(&authlint(
        &["inventory", "--diff-base", "HEAD", "--output-format", "json", "app"],
        repo.path(),
    )))
    .unwrap();
    assert_eq!(json["verify_sites"]["added"].as_array().unwrap().len(), 1);
    assert_eq!(
        json["issue_sites"]["changed"][0]["changes"][0],
        "lifetime: 15 minutes → 7 days"
    );
    assert_eq!(json["keys"]["added"].as_array().unwrap().len(), 1, "{json}");
    // Unchanged: nothing to say.
    let same = repository(TOKENS, TOKENS);
    let out = authlint(&["inventory", "--diff-base", "HEAD", "app"], same.path());
    assert!(stdout(&out).contains("No change."), "{}", stdout(&out));
    // A ref git does not know is a usage error.
    let out = authlint(&["inventory", "--diff-base", "no-such-ref", "app"], same.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no-such-ref"), "{}", stderr(&out));
    assert!(
        !Path::new(&repo.path().join("app/tokens.py"))
            .with_extension("orig")
            .exists()
    );
}

/// The README's samples (`<!-- inventory:FORMAT -->` blocks) are excerpts of
/// the real output: each line (but `...` and the JSON sample's elisions) is
/// a line of it, in order.
#[test]
fn the_readme_samples_are_real_output() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    for format in ["text", "markdown"] {
        let marker = format!("<!-- inventory:{format} -->");
        let block = readme
            .split(&marker)
            .nth(1)
            .unwrap_or_else(|| panic!("no {marker} in the README"));
        let fence = if format == "markdown" { "````" } else { "```" };
        let body = block.split_once('\n').unwrap().1;
        let body = body.split_once('\n').unwrap().1; // the opening fence
        let body = body.split(&format!("\n{fence}\n")).next().unwrap();
        let actual = inventory("examples/vulnerable-app/python", format);
        let lines: Vec<&str> = actual.lines().collect();
        let mut at = 0;
        for line in body.lines().filter(|l| l.trim() != "...") {
            let found = lines[at..].iter().position(|l| *l == line);
            let found = found.unwrap_or_else(|| {
                panic!("README {format} sample line not in the output (in order):\n{line}\n\n{actual}")
            });
            at += found + 1;
        }
    }
    // The JSON sample: the fields it shows have the values it shows.
    let doc: Value = serde_json::from_str(&inventory("examples/vulnerable-app/python", "json")).unwrap();
    let site = doc["verify_sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "verify-6")
        .unwrap();
    assert_eq!(site["line"], 19);
    assert_eq!(site["key_source"], "`SIGNING_KEY` ← literal \"exam…\" (33 bytes)");
    assert_eq!(site["algorithms_default"], true);
    assert_eq!(site["claims"]["aud"]["verified"], false);
    assert_eq!(site["flows"][0], "returned from `decode_access_token`");
    assert_eq!(site["findings"][0]["rule"], "JWT101");
}
