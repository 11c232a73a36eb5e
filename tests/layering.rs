//! The house rule: stages import only downward.
//!
//! `cli` → `server` → `fix` → `inventory` → `lint` → {`settings`, `report`} → `rules` →
//! `analysis` → `frontend` → `model`. The small shared pieces (`diagnostic`, `isolate`,
//! `redact`) may be used from anywhere and use nothing but `model`. Only the
//! run (`lint`) and the command line (`cli`) know every stage.
//!
//! This test reads every `src/**/*.rs` file, strips comments and string
//! literals, and fails on any `crate::<module>` path in a stage folder that
//! reaches a stage above it (or a sibling it must not know), so the layering
//! cannot rot unnoticed.

use std::path::{Path, PathBuf};

/// A stage's rank: a module may use modules of a lower rank only (and its
/// own stage). `settings` and `report` share a rank but not each other.
fn rank(module: &str) -> Option<u8> {
    Some(match module {
        "model" => 0,
        "frontend" => 1,
        "analysis" => 2,
        "rules" => 3,
        "settings" | "report" => 4,
        "lint" => 5,
        "inventory" => 6,
        "fix" => 7,
        "server" => 8,
        "cli" => 9,
        _ => return None,
    })
}

/// Used from anywhere; they themselves use only `model`.
const SHARED: &[&str] = &["diagnostic", "isolate", "redact"];

/// The stage a source file belongs to: its folder under `src/`, or its
/// own name for a top-level file (`src/lint.rs` is `lint`).
fn stage_of(relative: &Path) -> String {
    let first = relative.components().next().expect("a path below src/");
    let first = first.as_os_str().to_string_lossy();
    first.strip_suffix(".rs").unwrap_or(&first).to_string()
}

/// Whether code in stage `from` may name `crate::to`.
fn allowed(from: &str, to: &str) -> bool {
    if from == to {
        return true;
    }
    if SHARED.contains(&from) {
        return to == "model";
    }
    if SHARED.contains(&to) {
        return true;
    }
    match (rank(from), rank(to)) {
        (Some(from), Some(to)) => to < from,
        // `lib.rs` and `main.rs` wire everything together.
        (None, _) => matches!(from, "lib" | "main"),
        (Some(_), None) => false,
    }
}

/// The code of a Rust file with comments, string and char literals blanked
/// out (so a Rust path quoted in a test's source text or a doc comment does
/// not count), lines kept.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !is_ident(chars.get(i.wrapping_sub(1))) {
            // A raw string: r"…", r#"…"#, …
            let mut hashes = 0;
            let mut j = i + 1;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            i = j + 1;
            loop {
                match chars.get(i) {
                    None => break,
                    Some('"') if (0..hashes).all(|k| chars.get(i + 1 + k) == Some(&'#')) => {
                        i += 1 + hashes;
                        break;
                    }
                    Some(&other) => {
                        out.push(blank(other));
                        i += 1;
                    }
                }
            }
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                if let Some(&other) = chars.get(i) {
                    out.push(blank(other));
                }
                i += 1;
            }
            i += 1;
        } else if c == '\'' && (next == Some('\\') || chars.get(i + 2) == Some(&'\'')) {
            // A char literal ('x', '\n', '\''); a lifetime has no closing quote.
            i += 1;
            if chars.get(i) == Some(&'\\') {
                i += 2;
            }
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn is_ident(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

/// Every `crate::<module>` the code names, with its line.
fn crate_paths(code: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (index, line) in code.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            let before = rest[..at].chars().last();
            rest = &rest[at + "crate::".len()..];
            if is_ident(before.as_ref()) {
                continue; // `$crate::` in a macro, or part of a longer name
            }
            let module: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            // `crate::{a, b}` would hide what it names from this test.
            let module = if module.is_empty() {
                rest.chars().take(1).collect()
            } else {
                module
            };
            found.push((index + 1, module));
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The violations in the crate below `src`.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut problems = Vec::new();
    for file in files {
        let relative = file.strip_prefix(src).expect("below src/");
        let stage = stage_of(relative);
        let text = std::fs::read_to_string(&file).expect("source is UTF-8");
        for (line, module) in crate_paths(&code_only(&text)) {
            if !allowed(&stage, &module) {
                problems.push(format!(
                    "src/{}:{line}: `{stage}` uses `crate::{module}`, which it must not know \
                     (cli → server → fix → lint → settings, report → rules → analysis → frontend → model; \
                     diagnostic, isolate, redact are shared)",
                    relative.display()
                ));
            }
        }
    }
    problems
}

#[test]
fn stages_import_only_downward() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let problems = violations(&src);
    assert!(problems.is_empty(), "layering violations:\n{}", problems.join("\n"));
}

#[test]
fn the_check_sees_a_back_import_and_ignores_quoted_paths() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    let write = |path: &str, text: &str| {
        let path = src.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "analysis/project.rs",
        "//! Names like `crate::lint::x` in docs do not count.\n\
         use crate::model::Module;\n\
         use crate::frontend::source;\n\
         const RUST: &str = \"use crate::cli::run;\";\n\
         const RAW: &str = r#\"crate::lint\"#;\n\
         fn f<'a>(x: &'a str) -> char { '\"' }\n\
         use crate::lint::Notice;\n",
    );
    write(
        "frontend/lower/mod.rs",
        "use crate::rules::Rule;\nuse crate::isolate::isolate;\n",
    );
    write("redact.rs", "use crate::report::text;\n");
    write(
        "report/json.rs",
        "use crate::settings::config;\nuse crate::rules::Rule;\n",
    );
    write("lint.rs", "use crate::cli::Args;\nuse crate::report::json;\n");
    write("settings/config.rs", "use crate::{model, lint};\n");
    let problems = violations(src);
    let places: Vec<&str> = problems.iter().map(|p| p.split(": ").next().unwrap()).collect();
    assert_eq!(
        places,
        [
            "src/analysis/project.rs:7",
            "src/frontend/lower/mod.rs:1",
            "src/lint.rs:1",
            "src/redact.rs:1",
            "src/report/json.rs:1",
            "src/settings/config.rs:1",
        ],
        "{problems:#?}"
    );
}
