//! What the fuzz targets share: linting text the way a file on disk is
//! linted, and the invariants every run must keep whatever the input.
//!
//! A run must never panic (the linter isolates panics into `internal-error`
//! notices, so those count as crashes here), never place a finding outside
//! the text, and never fail to render in any output format (text, JSON,
//! SARIF, GitHub annotations).

use std::collections::BTreeSet;
use std::sync::OnceLock;

use authlint::lint::Linter;
use authlint::model::{Language, NoteKind};
use authlint::report;
use authlint::rules::{Rule, load_rules};
use authlint::frontend::source::decode_source;

/// The embedded rule catalog, loaded once per fuzzing process.
pub fn embedded_rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| load_rules(&[]).expect("the embedded rules are valid"))
}

/// A linter for the embedded rules with default settings, built once: its
/// keyword automaton and settings cost more than most inputs do to lint.
fn embedded_linter() -> &'static Linter<'static> {
    static LINTER: OnceLock<Linter<'static>> = OnceLock::new();
    LINTER.get_or_init(|| Linter::new(embedded_rules(), u64::MAX))
}

fn builtin_codes() -> &'static BTreeSet<String> {
    static CODES: OnceLock<BTreeSet<String>> = OnceLock::new();
    CODES.get_or_init(authlint::rules::docs::builtin_codes)
}

/// Lints raw file bytes as a file of `language`, with every embedded rule.
/// Bytes the reader would skip (NUL, invalid UTF-8) are skipped here too.
pub fn check_source(language: Language, data: &[u8]) {
    let Ok(text) = decode_source(data.to_vec()) else {
        return;
    };
    // A first line with every rule's keywords, so the prefilter never spares
    // the parser: the fuzzer should not have to discover the keywords.
    let keywords = match language {
        Language::Python => "# jwt jose\n",
        Language::Rust => "// jwt from_secret dangerous insecure_disable_signature_validation\n",
    };
    check_with(
        embedded_linter(),
        embedded_rules(),
        language,
        format!("{keywords}{text}"),
    );
}

/// Lints `text` with `rules` and checks the invariants of the result,
/// including that every output format renders it.
pub fn check_text(rules: &[Rule], language: Language, text: String) {
    check_with(&Linter::new(rules, u64::MAX), rules, language, text);
}

fn check_with(linter: &Linter, rules: &[Rule], language: Language, text: String) {
    let path = match language {
        Language::Python => "fuzz.py",
        Language::Rust => "fuzz.rs",
    };
    let (file, mut outcome) = linter.lint_text(language, path, text.clone());
    for notice in &file.notices {
        assert!(
            notice.kind != NoteKind::InternalError,
            "internal error: {}",
            notice.message
        );
    }
    let lines = text.split(['\n', '\r']).count();
    for finding in &file.findings {
        assert!(finding.primary.start <= finding.primary.end, "{finding:?}");
        assert!(finding.primary.end <= text.len(), "{finding:?}");
        assert!(finding.line >= 1 && finding.column >= 1, "{finding:?}");
        assert!(finding.line <= lines && finding.end_line <= lines, "{finding:?}");
        assert!(
            (finding.line, finding.column) <= (finding.end_line, finding.end_column),
            "{finding:?}"
        );
    }
    outcome.files.push(file);
    let _ = report::json::render(&outcome);
    let _ = report::text::render(
        &outcome,
        &report::text::TextOptions {
            color: false,
            quiet: false,
        },
    );
    let context = report::sarif::SarifContext {
        rules,
        builtin_codes: builtin_codes(),
        source_root: std::path::Path::new("/fuzz"),
    };
    let _ = report::sarif::render(&outcome, &context);
    let _ = report::github::render(&outcome, false);
    let _ = report::concise::render(&outcome, false);
    let _ = report::statistics::render_text(&outcome, false);
}

/// Every fixture of `language` in one text: code that exercises every
/// subject and condition the catalog uses, for running fuzzed rules on.
pub fn fixture_sample(language: Language) -> &'static str {
    static PYTHON: OnceLock<String> = OnceLock::new();
    static RUST: OnceLock<String> = OnceLock::new();
    let (cell, dir, extension) = match language {
        Language::Python => (&PYTHON, "python", "py"),
        Language::Rust => (&RUST, "rust", "rs"),
    };
    cell.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures")
            .join(dir);
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .expect("the fixtures directory is readable")
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|e| e == extension))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|path| std::fs::read_to_string(path).expect("fixtures are UTF-8"))
            .collect::<Vec<_>>()
            .join("\n")
    })
}
