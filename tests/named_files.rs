//! A named file is linted in its project: `authlint check FILE` (pre-commit,
//! an editor) and `authlint check --stdin-filename FILE -` (an unsaved
//! buffer) give FILE exactly the findings and notices a whole-tree run over
//! its project gives it. Asserted for every source file of `examples/`,
//! `tests/projects/*` and `fixtures/`, one process per file and per standard
//! input, and once more with all the files of a project named together.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{authlint, authlint_with_stdin, json, repo_root};
use serde_json::Value;

/// Directories (below the repository) whose every file is checked.
const DIRS: &[&str] = &["examples", "tests/projects", "fixtures"];

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

/// The project a file belongs to, below the repository, as a path relative
/// to it (`.` for the repository itself): found here independently of
/// authlint's own search.
fn project_of(file: &Path) -> PathBuf {
    let markers = ["pyproject.toml", "setup.py", "setup.cfg", "Cargo.toml", ".git"];
    let root = repo_root();
    let mut dir = file.parent();
    while let Some(current) = dir.filter(|d| !d.as_os_str().is_empty()) {
        if markers.iter().any(|m| root.join(current).join(m).exists()) {
            return current.to_path_buf();
        }
        dir = current.parent();
    }
    PathBuf::from(".")
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

fn report(args: &[&str], stdin: Option<&[u8]>) -> Value {
    let args: Vec<&str> = FLAGS.iter().chain(args).copied().collect();
    let output = match stdin {
        Some(input) => authlint_with_stdin(&args, &repo_root(), input),
        None => authlint(&args, &repo_root()),
    };
    json(&output)
}

/// The files to compare, relative to the repository, by project.
fn files_by_project() -> BTreeMap<PathBuf, Vec<String>> {
    let root = repo_root();
    let mut files = Vec::new();
    for dir in DIRS {
        source_files(&root.join(dir), &mut files);
    }
    let mut by_project: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&root).expect("below the repository").to_path_buf();
        let name = relative.to_str().expect("a UTF-8 path").to_string();
        by_project.entry(project_of(&relative)).or_default().push(name);
    }
    by_project
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
fn check_project(project: &Path, files: &[String]) -> (Vec<String>, usize) {
    let tree = report(&[project.to_str().expect("a UTF-8 path")], None);
    let compared: usize = files.iter().map(|f| of_file(&tree, f).0.len()).sum();
    let (first, second) = files.split_at(files.len() / 2);
    let check_files = |files: &[String]| -> Vec<String> {
        let mut differences = Vec::new();
        for file in files {
            let named = report(&[file], None);
            differences.extend(compare("named", file, &named, &tree));
            let text = std::fs::read(repo_root().join(file)).expect("the file is readable");
            let stdin = report(&["--stdin-filename", file, "-"], Some(&text));
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
    let together = report(&names, None);
    for file in files {
        differences.extend(compare("named together", file, &together, &tree));
    }
    (differences, compared)
}

#[test]
fn every_named_file_gets_what_the_tree_run_gives_it() {
    let mut differences = Vec::new();
    let mut compared = 0;
    let mut files = 0;
    for (project, names) in files_by_project() {
        let (found, findings) = check_project(&project, &names);
        differences.extend(found);
        compared += findings;
        files += names.len();
    }
    // The comparison means something only if there is something to compare.
    assert!(files >= 60, "only {files} files found below {DIRS:?}");
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
    // --project-root: a root without the settings module sees no lifetime.
    let alone = json(&authlint(
        &[&args[..], &["--project-root", "app", "app/tokens.py"]].concat(),
        root,
    ));
    assert_eq!(common::found(&alone), vec![]);
}
