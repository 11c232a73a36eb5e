//! What a file is for, by its path below the linted root: code that ships
//! (`app`), or tests, examples, benchmarks and documentation, which do not.
//!
//! Tests hold fake keys and tokens on purpose, examples show mistakes to
//! teach them, and neither runs in production: a finding there is not what
//! a CI gate is for. Code-scanning dashboards and semgrep set such paths
//! apart the same way. Rust says what is test code in the code itself too
//! (`#[cfg(test)]`, `#[test]`): the lowering records those regions, and the
//! run puts findings inside them in the `test` class.
//!
//! The path is the one below the directory named on the command line (so
//! `authlint check examples/vulnerable-app` reports everything in the app),
//! or, for a file named on the command line, below its project root.

use std::path::{Component, Path};

use crate::frontend::project_root::{ProjectRoots, absolute, relative_below};
use crate::model::CodeClass;

/// The class of a path relative to the linted root (or project root).
///
/// The outermost directory that says what it holds wins (`examples/x/tests/`
/// is an example); a file name only decides when no directory does.
pub fn classify(relative: &Path) -> CodeClass {
    let names: Vec<&str> = relative
        .components()
        .filter_map(|c| match c {
            Component::Normal(name) => name.to_str(),
            _ => None,
        })
        .collect();
    let Some((file, dirs)) = names.split_last() else {
        return CodeClass::App;
    };
    for dir in dirs {
        let class = match *dir {
            "tests" | "test" | "testing" | "fixtures" => CodeClass::Test,
            "examples" => CodeClass::Example,
            "benches" => CodeClass::Bench,
            "docs" => CodeClass::Docs,
            _ => continue,
        };
        return class;
    }
    if is_python_test_file(file) {
        return CodeClass::Test;
    }
    CodeClass::App
}

/// pytest's file names: `test_*.py`, `*_test.py`, and `conftest.py`.
fn is_python_test_file(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".py") else {
        return false;
    };
    stem == "conftest" || stem.starts_with("test_") || stem.ends_with("_test")
}

/// The class of a file named on the command line: by its path below its
/// project root, as a whole-tree run from there would see it. Without a
/// project, by its path below the working directory, or else its name alone.
pub fn classify_named_file(path: &Path, roots: &mut ProjectRoots) -> CodeClass {
    let relative = roots
        .root_of(path)
        .and_then(|root| relative_below(path, &root))
        .or_else(|| relative_below(path, &absolute(Path::new("."))))
        .or_else(|| path.file_name().map(|name| Path::new(name).to_path_buf()));
    relative.map_or(CodeClass::App, |r| classify(&r))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(path: &str) -> &'static str {
        classify(Path::new(path)).as_str()
    }

    #[test]
    fn directories_say_what_they_hold() {
        assert_eq!(class("app/core/security.py"), "app");
        assert_eq!(class("tests/test_auth.py"), "test");
        assert_eq!(class("app/tests/helpers.py"), "test");
        assert_eq!(class("test/auth.rs"), "test");
        assert_eq!(class("src/testing/keys.py"), "test");
        assert_eq!(class("fixtures/keys.py"), "test");
        assert_eq!(class("examples/demo/main.rs"), "example");
        assert_eq!(class("benches/sign.rs"), "bench");
        assert_eq!(class("docs/conf.py"), "docs");
        // The outermost directory wins.
        assert_eq!(class("examples/app/tests/test_x.py"), "example");
        // Scripts ship with the app; so do names that only contain a class.
        assert_eq!(class("scripts/rotate_keys.py"), "app");
        assert_eq!(class("contest/latest.py"), "app");
        assert_eq!(class("src/attestation.rs"), "app");
    }

    #[test]
    fn pytest_file_names_are_tests() {
        assert_eq!(class("app/test_auth.py"), "test");
        assert_eq!(class("auth_test.py"), "test");
        assert_eq!(class("pkg/conftest.py"), "test");
        assert_eq!(class("app/testimony.py"), "app");
        assert_eq!(class("latest_tests.py"), "app");
        // A file name is only a test by pytest's conventions, which are Python's.
        assert_eq!(class("src/test_vectors.rs"), "app");
    }

    #[test]
    fn a_named_file_is_classified_below_its_project_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("service");
        std::fs::create_dir_all(root.join("tests")).unwrap();
        std::fs::create_dir_all(root.join("app")).unwrap();
        std::fs::write(root.join("pyproject.toml"), "[project]\nname = \"s\"\n").unwrap();
        std::fs::write(root.join("tests/helpers.py"), "").unwrap();
        std::fs::write(root.join("app/auth.py"), "").unwrap();
        let mut roots = ProjectRoots::default();
        assert_eq!(
            classify_named_file(&root.join("tests/helpers.py"), &mut roots),
            CodeClass::Test
        );
        assert_eq!(
            classify_named_file(&root.join("app/auth.py"), &mut roots),
            CodeClass::App
        );
    }
}
