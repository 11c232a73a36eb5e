//! The README is true: its sample outputs are excerpts of the real run on
//! the example app (`authlint check examples/vulnerable-app`), counts
//! included. When the output changes, this test fails; regenerate the
//! samples with `UPDATE_README=1 cargo test --test readme` and review the
//! diff. The whole concise report is also a checked-in snapshot.

mod common;

use common::*;

/// The findings of the text sample: a hard-coded key with its two uses
/// (one finding per mistake) and a decode without an allowlist.
const TEXT_SAMPLE: &[(&str, &str)] = &[
    ("error[SEC303]", "security.py:9:"),
    ("error[JWT101]", "security.py:19:"),
];

/// How many lines of the concise report the sample shows.
const CONCISE_LINES: usize = 6;

fn run(args: &[&str]) -> String {
    let out = authlint(args, &repo_root());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    stdout(&out)
}

/// The finding blocks of a text report: from an `error[…]`/`warning[…]`
/// heading to the blank line before the next.
fn blocks(text: &str) -> Vec<String> {
    let mut blocks: Vec<String> = Vec::new();
    for line in text.lines() {
        let heading = ["error[", "warning[", "note["].iter().any(|s| line.starts_with(s));
        if heading {
            blocks.push(String::new());
        }
        if let Some(block) = blocks.last_mut() {
            block.push_str(line);
            block.push('\n');
        }
    }
    blocks.iter().map(|b| b.trim_end().to_string()).collect()
}

fn find_summary(text: &str) -> Option<&str> {
    text.lines()
        .find(|l| l.contains(" findings (") && l.contains(" files ("))
}

fn summary_of(text: &str) -> &str {
    find_summary(text).expect("a summary line")
}

/// The samples as the README should show them. `elapsed` keeps the
/// README's own timing, which is not part of what is checked.
fn expected_samples(elapsed: &str) -> (String, String) {
    let text = run(&["check", "examples/vulnerable-app"]);
    let all = blocks(&text);
    let mut sample = String::new();
    for (heading, place) in TEXT_SAMPLE {
        let block = all
            .iter()
            .find(|b| b.starts_with(heading) && b.contains(place))
            .unwrap_or_else(|| panic!("no {heading} at {place} in the report:\n{text}"));
        sample.push_str(block);
        sample.push_str("\n\n");
    }
    sample.push_str("  ...\n");
    sample.push_str(&with_elapsed(summary_of(&text), elapsed));
    sample.push('\n');

    let concise = run(&["check", "--output-format", "concise", "examples/vulnerable-app"]);
    let mut short: String = concise.lines().take(CONCISE_LINES).map(|l| format!("{l}\n")).collect();
    short.push_str("...\n");
    short.push_str(&with_elapsed(summary_of(&concise), elapsed));
    short.push('\n');
    (sample, short)
}

/// `… in 27 ms` with the README's timing.
fn with_elapsed(summary: &str, elapsed: &str) -> String {
    match summary.rsplit_once(" in ") {
        Some((counts, _)) => format!("{counts} in {elapsed}"),
        None => summary.to_string(),
    }
}

/// The text between `<!-- sample:NAME -->` + a code fence and its closing fence.
fn block_range(readme: &str, name: &str) -> std::ops::Range<usize> {
    let marker = format!("<!-- sample:{name} -->\n");
    let start = readme.find(&marker).unwrap_or_else(|| panic!("README has no {marker}"));
    let fence_open = start + marker.len();
    let body = fence_open + readme[fence_open..].find('\n').expect("a fence line") + 1;
    let end = body + readme[body..].find("```\n").expect("a closing fence");
    body..end
}

#[test]
fn the_readme_samples_are_the_real_output() {
    let path = repo_root().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let text_range = block_range(&readme, "text");
    let elapsed = find_summary(&readme[text_range.clone()])
        .and_then(|summary| summary.rsplit_once(" in "))
        .map_or("27 ms".to_string(), |(_, e)| e.to_string());
    let (text, concise) = expected_samples(&elapsed);
    let concise_range = block_range(&readme, "concise");
    if std::env::var_os("UPDATE_README").is_some() {
        let mut updated = readme.clone();
        // The later block first, so the earlier range stays valid.
        let mut ranges = [(text_range, text), (concise_range, concise)];
        ranges.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
        for (range, sample) in ranges {
            updated.replace_range(range, &sample);
        }
        std::fs::write(&path, updated).unwrap();
        return;
    }
    assert_eq!(
        readme[text_range].to_string(),
        text,
        "the README's text sample is stale: UPDATE_README=1 cargo test --test readme"
    );
    assert_eq!(
        readme[concise_range].to_string(),
        concise,
        "the README's concise sample is stale: UPDATE_README=1 cargo test --test readme"
    );
}

#[test]
fn the_concise_report_of_the_example_app_is_as_checked_in() {
    let concise = run(&["check", "--output-format", "concise", "examples/vulnerable-app"]);
    let stable = with_elapsed(&concise, "<elapsed>");
    insta::assert_snapshot!("vulnerable_app_concise", stable);
}

#[test]
fn the_readme_commands_at_the_top_are_the_ones_that_work() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    assert!(readme.contains("cargo run --release -- check examples/vulnerable-app"));
    assert!(readme.contains("\ncargo test "));
    // The first command reports the example app's findings: its directory is
    // named, so nothing in it is set aside as example code.
    let text = run(&["check", "examples/vulnerable-app"]);
    assert!(!text.contains("not shown"), "{text}");
}
