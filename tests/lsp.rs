//! `authlint server` driven as an editor drives it: the built binary over
//! standard input and output, messages framed with `Content-Length`.
//!
//! Each test lays out a small project in a temporary directory, opens it as
//! the workspace folder, and follows a user: opening a file, seeing the
//! finding, asking for the quick fix, typing it, seeing the finding go.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use std::collections::BTreeMap;

use serde_json::{Value, json};

mod common;

use common::redaction;

/// Long enough for a debug build on a busy two-core machine.
const PATIENCE: Duration = Duration::from_secs(60);

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    /// Messages read while waiting for something else.
    seen: Vec<Value>,
    next_id: i64,
}

impl Client {
    fn start(root: &Path, env: &[(&str, &str)]) -> Client {
        let mut command = Command::new(env!("CARGO_BIN_EXE_authlint"));
        command
            .arg("server")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("authlint server starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("every message has a Content-Length")];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let message: Value = serde_json::from_slice(&body).expect("the server writes JSON");
                if sender.send(message).is_err() {
                    return;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            incoming,
            seen: Vec::new(),
            next_id: 1,
        };
        let uri = uri_of(root);
        let result = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri,
                "workspaceFolders": [{ "uri": uri, "name": "project" }],
                "capabilities": {
                    "window": { "showDocument": { "support": true } },
                    "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } },
                    "textDocument": { "publishDiagnostics": { "relatedInformation": true } },
                },
            }),
        );
        assert_eq!(result["serverInfo"]["name"], "authlint");
        assert_eq!(result["capabilities"]["hoverProvider"], true);
        client.notify("initialized", json!({}));
        client
    }

    fn send(&mut self, message: Value) {
        let body = serde_json::to_vec(&message).unwrap();
        write!(self.stdin, "Content-Length: {}\r\n\r\n", body.len()).unwrap();
        self.stdin.write_all(&body).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        // What was published before this is about the world before it.
        self.seen.retain(|m| m["method"] != "textDocument/publishDiagnostics");
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        let response = self.wait_for(&format!("the answer to {method}"), |m| {
            m["id"] == json!(id) && m.get("method").is_none()
        });
        assert!(response.get("error").is_none(), "{method} failed: {response}");
        response["result"].clone()
    }

    /// The first message (seen before or arriving within [`PATIENCE`]) that
    /// `wanted` accepts; server requests are answered on the way.
    fn wait_for(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(at) = self.seen.iter().position(&wanted) {
            return self.seen.remove(at);
        }
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = match self.incoming.recv_timeout(left) {
                Ok(message) => message,
                Err(RecvTimeoutError::Timeout) => panic!("no {what} within {PATIENCE:?}; seen: {:#?}", self.seen),
                Err(RecvTimeoutError::Disconnected) => panic!("the server hung up while waiting for {what}"),
            };
            if message.get("method").is_some() && message.get("id").is_some() {
                // A request from the server: an editor answers it.
                let id = message["id"].clone();
                self.send(json!({ "jsonrpc": "2.0", "id": id, "result": null }));
            }
            if wanted(&message) {
                return message;
            }
            self.seen.push(message);
        }
    }

    /// The next diagnostics published for `path` that `wanted` accepts.
    fn diagnostics(&mut self, path: &Path, wanted: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        self.diagnostics_of(path, None, wanted)
    }

    /// The same, for one version of the document.
    fn diagnostics_of(&mut self, path: &Path, version: Option<i32>, wanted: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let uri = uri_of(path);
        let message = self.wait_for(&format!("diagnostics for {}", path.display()), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == json!(uri)
                && version.is_none_or(|v| m["params"]["version"] == json!(v))
                && wanted(m["params"]["diagnostics"].as_array().unwrap())
        });
        message["params"]["diagnostics"].as_array().unwrap().clone()
    }

    fn open(&mut self, path: &Path, text: &str) {
        let language = if path.extension().is_some_and(|e| e == "rs") {
            "rust"
        } else {
            "python"
        };
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": {
                "uri": uri_of(path), "languageId": language, "version": 1, "text": text,
            }}),
        );
    }

    fn change(&mut self, path: &Path, version: i32, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri_of(path), "version": version },
                "contentChanges": changes,
            }),
        );
    }

    /// The actions offered on `diagnostic` of `path`.
    fn code_actions(&mut self, path: &Path, diagnostic: &Value) -> Value {
        self.request(
            "textDocument/codeAction",
            json!({
                "textDocument": { "uri": uri_of(path) },
                "range": diagnostic["range"],
                "context": { "diagnostics": [diagnostic] },
            }),
        )
    }

    fn shutdown(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "the server exits cleanly: {status}");
                return;
            }
            assert!(Instant::now() < deadline, "the server did not exit after `exit`");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // A failed test must not leave its server running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn uri_of(path: &Path) -> String {
    format!("file://{}", path.display()).replace(' ', "%20")
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn has(code: &str) -> impl Fn(&[Value]) -> bool + '_ {
    move |d: &[Value]| codes(d).iter().any(|c| c == code)
}

fn lacks(code: &str) -> impl Fn(&[Value]) -> bool + '_ {
    move |d: &[Value]| !codes(d).iter().any(|c| c == code)
}

/// A small FastAPI-shaped package: tokens encoded with HS256 in one module,
/// decoded without an allowlist in another, the key in a third.
fn project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("app/__init__.py", "");
    write(
        "app/config.py",
        "import os\n\nSECRET_KEY = os.environ[\"JWT_SECRET\"]\n",
    );
    write(
        "app/tokens.py",
        "import jwt\n\nfrom app.config import SECRET_KEY\n\n\ndef issue(claims):\n    return jwt.encode(claims, SECRET_KEY, algorithm=\"HS256\")\n",
    );
    write("app/api.py", API);
    (dir, root)
}

const API: &str = "import jwt\n\n\ndef read(token, key):\n    return jwt.decode(token, key, audience=\"api\", issuer=\"me\", options={\"require\": [\"exp\"]})\n";

fn diagnostic<'d>(diagnostics: &'d [Value], code: &str) -> &'d Value {
    diagnostics
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {diagnostics:#?}"))
}

#[test]
fn a_finding_appears_is_fixed_by_its_quick_fix_and_disappears() {
    let (_dir, root) = project();
    let api = root.join("app/api.py");
    let mut client = Client::start(&root, &[]);
    client.open(&api, API);
    let found = client.diagnostics(&api, has("JWT101"));
    let jwt101 = diagnostic(&found, "JWT101");
    assert_eq!(jwt101["severity"], 1, "errors are errors");
    assert_eq!(jwt101["source"], "authlint");
    assert!(jwt101.get("tags").is_none(), "{jwt101}");
    assert!(
        jwt101["codeDescription"]["href"]
            .as_str()
            .unwrap()
            .ends_with("docs/rules/JWT101.md"),
        "{jwt101}"
    );
    assert_eq!(jwt101["range"]["start"], json!({ "line": 4, "character": 11 }));

    // Hover: the rule's explanation, as `authlint explain` has it.
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri_of(&api) }, "position": { "line": 4, "character": 14 } }),
    );
    let explained = hover["contents"]["value"].as_str().unwrap();
    assert!(
        explained.starts_with("# JWT101: decode-without-algorithms"),
        "{explained}"
    );
    assert!(explained.contains("## How to fix it"), "{explained}");

    // The quick fix names the one algorithm the project encodes with.
    let actions = client.code_actions(&api, jwt101);
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Add algorithms=[\"HS256\"], the one algorithm this project encodes with",
            "Suppress JWT101 on this line",
            "Suppress JWT101 in this file",
        ]
    );
    let fix = &actions[0];
    assert_eq!(fix["kind"], "quickfix");
    assert_eq!(fix["diagnostics"][0]["code"], "JWT101");
    let edits = fix["edit"]["changes"][uri_of(&api)].as_array().unwrap().clone();
    assert_eq!(edits.len(), 1);

    // The user takes it: the editor sends the edit as a change.
    client.change(
        &api,
        2,
        json!([{ "range": edits[0]["range"], "text": edits[0]["newText"] }]),
    );
    let after = client.diagnostics_of(&api, Some(2), lacks("JWT101"));
    assert!(after.is_empty(), "nothing left: {after:#?}");

    // Suppressing instead: the comment goes in, the cursor to its reason.
    client.change(&api, 3, json!([{ "text": API }]));
    let again = client.diagnostics_of(&api, Some(3), has("JWT101"));
    let jwt101 = diagnostic(&again, "JWT101").clone();
    let actions = client.code_actions(&api, &jwt101);
    let suppress = &actions[1];
    let edit = &suppress["edit"]["changes"][uri_of(&api)][0];
    assert_eq!(edit["newText"], "  # authlint: ignore[JWT101] -- ");
    let command = &suppress["command"];
    client.request(
        "workspace/executeCommand",
        json!({ "command": command["command"], "arguments": command["arguments"] }),
    );
    let shown = client.wait_for("window/showDocument", |m| m["method"] == "window/showDocument");
    let line = API.lines().nth(4).unwrap();
    let reason_at = json!({ "line": 4, "character": line.len() + edit["newText"].as_str().unwrap().len() });
    assert_eq!(shown["params"]["selection"]["start"], reason_at);
    client.change(&api, 4, json!([{ "range": edit["range"], "text": edit["newText"] }]));
    let quiet = client.diagnostics_of(&api, Some(4), lacks("JWT101"));
    assert!(quiet.is_empty(), "{quiet:#?}");
    client.shutdown();
}

#[test]
fn a_value_imported_from_an_unsaved_buffer_is_the_buffers() {
    let (_dir, root) = project();
    let config = root.join("app/config.py");
    let tokens = root.join("app/tokens.py");
    let mut client = Client::start(&root, &[]);
    let tokens_text = std::fs::read_to_string(&tokens).unwrap();
    client.open(&tokens, &tokens_text);
    let clean = client.diagnostics(&tokens, |_| true);
    assert!(!codes(&clean).contains(&"SEC301".to_string()), "{clean:#?}");

    // The key is hard-coded in the editor, not (yet) on disk.
    let secret = "0123456789abcdef-not-a-real-key";
    client.open(&config, &format!("SECRET_KEY = \"{secret}\"\n"));
    let found = client.diagnostics(&tokens, has("SEC301"));
    let sec301 = diagnostic(&found, "SEC301");
    let related = sec301["relatedInformation"]
        .as_array()
        .expect("where the key came from");
    assert!(
        related.iter().any(|r| r["location"]["uri"] == json!(uri_of(&config))),
        "{sec301:#}"
    );
    let everything = serde_json::to_string(&found).unwrap();
    assert!(!everything.contains(secret), "the secret is redacted: {everything}");
    let message = sec301["message"].as_str().unwrap();
    assert!(
        message.contains("\"0123…\" (31 bytes)"),
        "as the CLI shows it: {message}"
    );

    // Closing the buffer unsaved: the disk's value again.
    client.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri_of(&config) } }),
    );
    client.diagnostics(&tokens, lacks("SEC301"));
    client.shutdown();
}

#[test]
fn a_crash_on_one_document_leaves_the_others_served() {
    if !cfg!(debug_assertions) {
        return; // release builds ignore AUTHLINT_INJECT_PANIC
    }
    let (_dir, root) = project();
    let crash = root.join("app/crash.py");
    std::fs::write(&crash, API).unwrap();
    let api = root.join("app/api.py");
    // Debug builds fail on purpose while lowering a file named so.
    let mut client = Client::start(&root, &[("AUTHLINT_INJECT_PANIC", "lower:crash.py")]);
    client.open(&crash, API);
    let failed = client.diagnostics(&crash, has("internal-error"));
    assert_eq!(diagnostic(&failed, "internal-error")["severity"], 1);
    client.open(&api, API);
    client.diagnostics(&api, has("JWT101"));
    client.change(
        &api,
        2,
        json!([{ "text": API.replace("jwt.decode(token, key,", "jwt.decode(token, key, algorithms=[\"HS256\"],") }]),
    );
    client.diagnostics(&api, lacks("JWT101"));
    client.shutdown();
}

#[test]
fn a_broken_configuration_is_a_diagnostic_on_it_and_is_reloaded() {
    let (_dir, root) = project();
    let config = root.join("authlint.toml");
    std::fs::write(&config, "selct = [\"JWT\"]\n").unwrap();
    let api = root.join("app/api.py");
    let mut client = Client::start(&root, &[]);
    let problem = client.diagnostics(&config, |d| !d.is_empty());
    assert!(
        problem[0]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `select`?"),
        "{problem:#?}"
    );
    assert_eq!(problem[0]["range"]["start"], json!({ "line": 0, "character": 0 }));
    // The files it governs are still checked, with the defaults.
    client.open(&api, API);
    client.diagnostics(&api, has("JWT101"));

    // Fixed on disk: the problem goes, and the new settings apply.
    std::fs::write(&config, "ignore = [\"JWT101\"]\n").unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": uri_of(&config), "type": 2 }] }),
    );
    client.diagnostics(&config, |d| d.is_empty());
    client.diagnostics(&api, lacks("JWT101"));
    client.shutdown();
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// (line, character, code) of each finding, 0-based as the protocol counts.
type Place = (u64, u64, String);

/// A file, its diagnostics, and the code actions offered for each.
type Shown = (PathBuf, Vec<Value>, Vec<Value>);

/// The diagnostics the server publishes for each file of `root` a CLI run
/// reports findings in, once they are the CLI's (the first answer may come
/// before the project index is built), with the quick fixes offered for each
/// finding; and those findings as the CLI places them.
fn editor_view(root: &Path) -> (BTreeMap<PathBuf, Vec<Place>>, Vec<Shown>) {
    let output = Command::new(env!("CARGO_BIN_EXE_authlint"))
        .args(["check", "--output-format", "json", "."])
        .current_dir(root)
        .env("AUTHLINT_NO_CACHE", "1")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut expected: BTreeMap<PathBuf, Vec<Place>> = Default::default();
    for finding in report["findings"].as_array().unwrap() {
        let path = root.join(finding["path"].as_str().unwrap().trim_start_matches("./"));
        expected.entry(path).or_default().push((
            finding["line"].as_u64().unwrap() - 1,
            finding["column"].as_u64().unwrap() - 1,
            finding["rule"].as_str().unwrap().to_string(),
        ));
    }
    let is_rule = |code: &str| code.len() == 6 && code[3..].chars().all(|c| c.is_ascii_digit());
    let mut client = Client::start(root, &[]);
    let mut seen = Vec::new();
    for (path, places) in &mut expected {
        places.sort();
        client.open(path, &std::fs::read_to_string(path).unwrap());
        let diagnostics = client.diagnostics(path, |diagnostics| {
            let mut found: Vec<Place> = diagnostics
                .iter()
                .filter(|d| is_rule(d["code"].as_str().unwrap_or_default()))
                .map(|d| {
                    let start = &d["range"]["start"];
                    (
                        start["line"].as_u64().unwrap(),
                        start["character"].as_u64().unwrap(),
                        d["code"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            found.sort();
            found == *places
        });
        let actions = diagnostics.iter().map(|d| client.code_actions(path, d)).collect();
        seen.push((path.clone(), diagnostics, actions));
    }
    client.shutdown();
    (expected, seen)
}

/// A copy of the example app, in a scratch directory.
fn example_app() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap().join("app");
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/vulnerable-app"),
        &root,
    );
    (dir, root)
}

#[test]
fn each_file_gets_the_findings_a_cli_run_gives_it_in_its_project() {
    let (_dir, root) = example_app();
    let (expected, seen) = editor_view(&root);
    assert!(
        expected.len() >= 6,
        "the example app has findings in Python and Rust: {expected:?}"
    );
    assert_eq!(
        seen.len(),
        expected.len(),
        "every file with a finding got its diagnostics"
    );
}

/// Redaction pinned in the editor as in every CLI output (see
/// `common/redaction.rs`): no diagnostic or quick fix for the example app
/// shows a run of five characters of a secret literal its findings point
/// at, unless the same run shows when those literals are blanked out.
#[test]
fn no_diagnostic_or_quick_fix_shows_more_of_a_secret_than_its_prefix() {
    let (_dir, root) = example_app();
    let secrets = redaction::secret_literals(&root, &["."]);
    assert!(secrets.len() >= 3, "the example app hard-codes secrets: {secrets:?}");
    let blanked = redaction::blanked_copy(&root, &["."], &secrets);
    let blanked_root = blanked.path().canonicalize().unwrap();
    let text = |root: &Path| {
        let (_, seen) = editor_view(root);
        // Paths differ between the two trees; what is shown of them does not count.
        serde_json::to_string(&seen)
            .unwrap()
            .replace(&root.display().to_string(), "ROOT")
    };
    let shown = text(&root);
    let innocent = text(&blanked_root);
    // Not vacuous: the diagnostics show secrets, redacted (`"0123…" (31
    // bytes)`, its quotes escaped in JSON).
    assert!(
        secrets
            .iter()
            .any(|s| shown.contains(&format!("…\\\" ({} bytes)", s.text.len()))),
        "the diagnostics show redacted secrets: {shown}"
    );
    for secret in &secrets {
        let leaked = redaction::leaked_runs(&secret.text, &shown, &innocent);
        assert!(
            leaked.is_empty(),
            "the editor shows runs of a secret of {}: {leaked:?}",
            secret.path.display()
        );
    }
}

#[test]
fn a_rust_cookie_builder_gets_its_missing_flags() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"svc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::create_dir(root.join("src")).unwrap();
    let main = root.join("src/main.rs");
    let text = "use cookie::{Cookie, SameSite};\n\nfn login(token: String) -> Cookie<'static> {\n    Cookie::build((\"access_token\", token)).http_only(true).build()\n}\n";
    std::fs::write(&main, text).unwrap();
    let mut client = Client::start(&root, &[]);
    client.open(&main, text);
    let found = client.diagnostics(&main, has("TOK404"));
    let tok404 = diagnostic(&found, "TOK404").clone();
    assert_eq!(tok404["severity"], 2, "a warning");
    let actions = client.code_actions(&main, &tok404);
    assert_eq!(
        actions[0]["title"],
        "Build the cookie with secure(true), same_site(SameSite::Lax)"
    );
    let edit = &actions[0]["edit"]["changes"][uri_of(&main)][0];
    assert_eq!(edit["newText"], ".secure(true).same_site(SameSite::Lax)");
    assert_eq!(
        actions[1]["edit"]["changes"][uri_of(&main)][0]["newText"],
        "  // authlint: ignore[TOK404] -- "
    );
    client.change(&main, 2, json!([{ "range": edit["range"], "text": edit["newText"] }]));
    client.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": uri_of(&main) } }),
    );
    let fixed = client.diagnostics_of(&main, Some(2), |_| true);
    assert!(lacks("TOK404")(&fixed), "{fixed:#?}");
    client.shutdown();
}

#[test]
fn typing_fast_is_checked_once_at_the_latest_version() {
    let (_dir, root) = project();
    let api = root.join("app/api.py");
    let mut client = Client::start(&root, &[]);
    client.open(&api, API);
    client.diagnostics(&api, has("JWT101"));
    // Three keystrokes well within the debounce: only the last is checked.
    let fixed = API.replace(
        "jwt.decode(token, key,",
        "jwt.decode(token, key, algorithms=[\"HS256\"],",
    );
    client.change(&api, 2, json!([{ "text": API.replace("token, key", "token, ke") }]));
    client.change(&api, 3, json!([{ "text": API }]));
    client.change(&api, 4, json!([{ "text": fixed }]));
    let latest = client.diagnostics_of(&api, Some(4), |_| true);
    assert!(latest.is_empty(), "{latest:#?}");
    let stale: Vec<&Value> = client
        .seen
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] != json!(4))
        .filter(|m| m["params"]["version"] != json!(1))
        .collect();
    assert!(stale.is_empty(), "versions 2 and 3 were never published: {stale:#?}");
    client.shutdown();
}
