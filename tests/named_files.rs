//! A named file is linted in its project: `authlint check FILE` (pre-commit,
//! an editor) and `authlint check --stdin-filename FILE -` (an unsaved
//! buffer) give FILE exactly the findings and notices a whole-tree run over
//! its project gives it. Asserted for every source file of `examples/`,
//! `tests/projects/*` and `fixtures/`, one process per file and per standard
//! input, and once more with all the files of a project named together.
//!
//! `tests/projects/*` are projects of their own and are run in place.
//! `examples/` and `fixtures/` belong to this repository's project, whose
//! other files (authlint's own source) would make every run of the debug
//! binary here lower a megabyte of Rust: they are copied, at the same
//! paths, into a scratch project of their own, which is what is compared.

mod common;

use std::path::{Path, PathBuf};

use common::{authlint, authlint_with_stdin, json, repo_root};
use serde_json::Value;

/// Directories of the repository copied into the scratch project.
const COPIED: &[&str] = &["examples", "fixtures"];

/// Every finding in code that does not ship is shown, so the comparison
/// covers test and example code too.
const FLAGS: &[&str] = &["check", "--output-format", "json", "--include-tests", "--threads", "1"];

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the directory is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "py" || e == "rs") {
            out.push(path);
        }
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a scratch directory");
    for entry in std::fs::read_dir(from).expect("the directory is readable") {
        let path = entry.expect("a directory entry").path();
        let target = to.join(path.file_name().expect("a name"));
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("the file copies");
        }
    }
}

/// The projects to compare: (the directory runs start in, the project
/// below it, its source files below that directory).
fn projects(scratch: &Path) -> Vec<(PathBuf, String, Vec<String>)> {
    let files_below = |cwd: &Path, dir: &Path| -> Vec<String> {
        let mut files = Vec::new();
        source_files(dir, &mut files);
        files
            .iter()
            .map(|f| f.strip_prefix(cwd).expect("below").to_str().expect("UTF-8").to_string())
            .collect()
    };
    let mut projects = Vec::new();
    // A scratch project holding `examples/` and `fixtures/` at their paths.
    std::fs::write(scratch.join("pyproject.toml"), "[project]\nname = \"scratch\"\n").unwrap();
    let mut copied = Vec::new();
    for dir in COPIED {
        copy_tree(&repo_root().join(dir), &scratch.join(dir));
        copied.extend(files_below(scratch, &scratch.join(dir)));
    }
    projects.push((scratch.to_path_buf(), ".".to_string(), copied));
    let root = repo_root();
    for entry in std::fs::read_dir(root.join("tests/projects")).expect("tests/projects") {
        let dir = entry.expect("a directory entry").path();
        let name = dir.strip_prefix(&root).unwrap().to_str().unwrap().to_string();
        projects.push((root.clone(), name, files_below(&root, &dir)));
    }
    projects
}

/// The findings and notices of one file in a JSON report, as JSON text.
fn of_file(report: &Value, path: &str) -> (Vec<String>, Vec<String>) {
    let pick = |key: &str| -> Vec<String> {
        report[key]
            .as_array()
            .unwrap_or_else(|| panic!("a JSON report has {key}"))
            .iter()
            .filter(|item| item["path"] == path)
            .map(Value::to_string)
            .collect()
    };
    (pick("findings"), pick("notices"))
}

fn report(cwd: &Path, args: &[&str], stdin: Option<&[u8]>) -> Value {
    let args: Vec<&str> = FLAGS.iter().chain(args).copied().collect();
    let output = match stdin {
        Some(input) => authlint_with_stdin(&args, cwd, input),
        None => authlint(&args, cwd),
    };
    json(&output)
}

/// The differences between what `got` and the tree run give `file`.
fn compare(what: &str, file: &str, got: &Value, tree: &Value) -> Vec<String> {
    let (want_findings, want_notices) = of_file(tree, file);
    let (findings, notices) = of_file(got, file);
    let mut differences = Vec::new();
    if findings != want_findings {
        differences.push(format!(
            "{what} {file}: findings differ from the tree run's\n  named: {findings:#?}\n  tree:  {want_findings:#?}"
        ));
    }
    if notices != want_notices {
        differences.push(format!(
            "{what} {file}: notices differ from the tree run's\n  named: {notices:#?}\n  tree:  {want_notices:#?}"
        ));
    }
    if what == "named together" {
        return differences;
    }
    // Only the named file is reported.
    let others = got["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(got["notices"].as_array().into_iter().flatten())
        .filter(|item| item["path"] != file)
        .count();
    if others > 0 {
        differences.push(format!(
            "{what} {file}: {others} findings or notices of other files reported"
        ));
    }
    differences
}

/// Checks the files of one project: each named alone and over standard
/// input, on two threads. Returns the differences and how many findings
/// were compared.
fn check_project(cwd: &Path, project: &str, files: &[String]) -> (Vec<String>, usize) {
    let tree = report(cwd, &[project], None);
    let compared: usize = files.iter().map(|f| of_file(&tree, f).0.len()).sum();
    let (first, second) = files.split_at(files.len() / 2);
    let check_files = |files: &[String]| -> Vec<String> {
        let mut differences = Vec::new();
        for file in files {
            let named = report(cwd, &[file], None);
            differences.extend(compare("named", file, &named, &tree));
            let text = std::fs::read(cwd.join(file)).expect("the file is readable");
            let stdin = report(cwd, &["--stdin-filename", file, "-"], Some(&text));
            differences.extend(compare("stdin", file, &stdin, &tree));
        }
        differences
    };
    let mut differences = std::thread::scope(|scope| {
        let other = scope.spawn(|| check_files(second));
        let mut found = check_files(first);
        found.extend(other.join().expect("the thread finished"));
        found
    });
    // All of a project's files named at once (pre-commit's one process).
    let names: Vec<&str> = files.iter().map(String::as_str).collect();
    let together = report(cwd, &names, None);
    for file in files {
        differences.extend(compare("named together", file, &together, &tree));
    }
    (differences, compared)
}

#[test]
fn every_named_file_gets_what_the_tree_run_gives_it() {
    let scratch = tempfile::tempdir().unwrap();
    let mut differences = Vec::new();
    let mut compared = 0;
    let mut files = 0;
    for (cwd, project, names) in projects(scratch.path()) {
        let (found, findings) = check_project(&cwd, &project, &names);
        differences.extend(found);
        compared += findings;
        files += names.len();
    }
    // The comparison means something only if there is something to compare.
    assert!(files >= 60, "only {files} files compared");
    assert!(compared >= 100, "only {compared} findings compared");
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[test]
fn a_mistake_visible_only_through_an_unnamed_module_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    common::write(root, "pyproject.toml", "[project]\nname = \"svc\"\n");
    common::write(root, "app/__init__.py", "");
    common::write(root, "app/settings.py", "ACCESS_TOKEN_EXPIRE_MINUTES = 60 * 24 * 8\n");
    let tokens = "from datetime import datetime, timedelta, timezone\n\nimport jwt\n\n\
                  from app.settings import ACCESS_TOKEN_EXPIRE_MINUTES\n\n\n\
                  def issue(user_id, key):\n    \
                  expire = datetime.now(timezone.utc) + timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES)\n    \
                  return jwt.encode({\"sub\": user_id, \"exp\": expire}, key, algorithm=\"RS256\")\n";
    common::write(root, "app/tokens.py", tokens);
    let args = ["check", "--output-format", "json"];
    // Named from the project's root, and from a directory inside it (where
    // the reports name the file by its absolute path: the project's files
    // are read from its root).
    let absolute = root.join("app/tokens.py").to_string_lossy().into_owned();
    for (cwd, path, reported) in [
        (root.to_path_buf(), "app/tokens.py", "app/tokens.py"),
        (root.join("app"), "tokens.py", absolute.as_str()),
    ] {
        let want = vec![(reported.to_string(), 10, "JWT204".to_string())];
        let named = json(&authlint(&[&args[..], &[path]].concat(), &cwd));
        assert_eq!(common::found(&named), want, "named {path} from {}", cwd.display());
        let stdin = [&args[..], &["--stdin-filename", path, "-"]].concat();
        let piped = json(&authlint_with_stdin(&stdin, &cwd, tokens.as_bytes()));
        assert_eq!(
            common::found(&piped),
            want,
            "standard input as {path} from {}",
            cwd.display()
        );
    }
    // An unsaved buffer's text wins over the file on disk.
    let fixed = tokens.replace("ACCESS_TOKEN_EXPIRE_MINUTES)", "15)");
    let stdin = [&args[..], &["--stdin-filename", "app/tokens.py", "-"]].concat();
    let piped = json(&authlint_with_stdin(&stdin, root, fixed.as_bytes()));
    assert_eq!(common::found(&piped), vec![]);
    // --project-root: a project without the settings module sees no lifetime.
    std::fs::create_dir(root.join("elsewhere")).unwrap();
    let elsewhere = [&args[..], &["--project-root", "elsewhere", "app/tokens.py"]].concat();
    assert_eq!(common::found(&json(&authlint(&elsewhere, root))), vec![]);
}
