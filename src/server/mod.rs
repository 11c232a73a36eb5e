//! `authlint server`: a language server over standard input and output.
//!
//! Diagnostics for Python and Rust documents on open, on save and, 150 ms
//! after the last keystroke, on change: each the findings `authlint check`
//! gives that file in its project. Each workspace folder's project index is
//! built once, in the background, and kept up to date by watched-file
//! events; the open documents' unsaved text stands in for the disk, so a
//! value imported from a module being edited is the buffer's. Quick fixes,
//! suppressions and the rule's explanation on hover are in `actions`.
//!
//! Threads: this one reads messages, keeps the documents and the debounce
//! timers, and answers requests; one checker thread checks documents one
//! after another, the latest version of each only, and drops a result
//! whose document changed while it was being checked; index builds run on
//! threads of their own. A check that fails (a bug in authlint) becomes an
//! `internal-error` diagnostic on that document, and the server goes on.

mod actions;
mod diagnostics;
pub mod text;
mod workspace;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionParams, CodeActionProviderCapability, Diagnostic,
    DidChangeTextDocumentParams, DidChangeWatchedFilesParams, DidChangeWorkspaceFoldersParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams, ExecuteCommandOptions,
    ExecuteCommandParams, FileChangeType, HoverParams, HoverProviderCapability, InitializeParams, OneOf,
    PublishDiagnosticsParams, SaveOptions, ServerCapabilities, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri, WorkspaceFoldersServerCapabilities,
    WorkspaceServerCapabilities,
};
use serde_json::{Value, json};

use crate::fix::FixContext;
use crate::isolate::isolate;
use crate::lint::Overlay;
use crate::model::Language;
use crate::report::outcome::{FileOutcome, Fix};
use crate::rules::docs::builtin_codes;
use crate::server::text::{apply_change, path_to_uri, uri_to_path};
use crate::server::workspace::{Workspace, is_config_file};

/// How long after a keystroke a document is checked: typing on resets it.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Serves the editor on standard input and output until it says `exit`.
pub fn run_stdio() -> Result<(), Error> {
    let (connection, io_threads) = Connection::stdio();
    serve(connection)?;
    io_threads.join()?;
    Ok(())
}

/// An open document.
#[derive(Clone)]
struct Document {
    uri: Uri,
    version: i32,
    text: Arc<String>,
    language: Option<Language>,
}

/// The last check of a document.
struct Checked {
    version: i32,
    text: Arc<String>,
    file: FileOutcome,
    /// Proven fixes, worked out when the editor first asks for actions.
    fixes: Option<Vec<Option<Fix>>>,
}

/// What the reading thread and the checker share.
struct State {
    sender: Sender<Message>,
    documents: Mutex<HashMap<PathBuf, Document>>,
    workspaces: RwLock<Vec<Arc<Workspace>>>,
    /// Files outside every workspace folder.
    loose: RwLock<Arc<Workspace>>,
    checked: Mutex<HashMap<PathBuf, Checked>>,
    /// Configuration files diagnostics were published for.
    problem_files: Mutex<HashSet<PathBuf>>,
    builtin: BTreeSet<String>,
    jobs: Sender<Job>,
    can_show_document: bool,
}

enum Job {
    /// These documents changed: check them first, then the other open
    /// documents, which may import from them.
    Changed(Vec<PathBuf>),
    CheckAll,
    /// A configuration changed: reload every workspace.
    Reload,
    /// The client said `exit`.
    Stop,
}

/// Serves one client over `connection` until it says `exit` (or hangs up).
pub fn serve(connection: Connection) -> Result<(), Error> {
    let (id, params) = connection.initialize_start()?;
    let params: InitializeParams = serde_json::from_value(params)?;
    connection.initialize_finish(
        id,
        json!({
            "capabilities": capabilities(),
            "serverInfo": { "name": "authlint", "version": env!("CARGO_PKG_VERSION") },
        }),
    )?;
    let (jobs, job_receiver) = crossbeam_channel::unbounded();
    let state = Arc::new(State {
        sender: connection.sender.clone(),
        documents: Mutex::new(HashMap::new()),
        workspaces: RwLock::new(Vec::new()),
        loose: RwLock::new(Arc::new(Workspace::load(None))),
        checked: Mutex::new(HashMap::new()),
        problem_files: Mutex::new(HashSet::new()),
        builtin: builtin_codes(),
        jobs,
        can_show_document: client_can(&params, &["window", "showDocument", "support"]),
    });
    for root in workspace_roots(&params) {
        state.add_workspace(root);
    }
    if client_can(&params, &["workspace", "didChangeWatchedFiles", "dynamicRegistration"]) {
        register_watchers(&connection);
    }
    let checker = {
        let state = state.clone();
        std::thread::Builder::new()
            .name("authlint-checker".into())
            .spawn(move || checker(&state, &job_receiver))?
    };
    let result = main_loop(&connection, &state);
    let _ = state.jobs.send(Job::Stop);
    let _ = checker.join();
    result
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::INCREMENTAL),
            save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                include_text: Some(false),
            })),
            ..TextDocumentSyncOptions::default()
        })),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: vec![actions::PLACE_CURSOR.to_string()],
            ..ExecuteCommandOptions::default()
        }),
        workspace: Some(WorkspaceServerCapabilities {
            workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..ServerCapabilities::default()
    }
}

/// Whether the client's capabilities have `true` at `path`.
fn client_can(params: &InitializeParams, path: &[&str]) -> bool {
    let mut value = serde_json::to_value(&params.capabilities).unwrap_or(Value::Null);
    for key in path {
        value = value.get(*key).cloned().unwrap_or(Value::Null);
    }
    value == Value::Bool(true)
}

#[allow(deprecated)] // `root_uri`: older clients send only that
fn workspace_roots(params: &InitializeParams) -> Vec<PathBuf> {
    match &params.workspace_folders {
        Some(folders) if !folders.is_empty() => folders.iter().filter_map(|f| uri_to_path(&f.uri)).collect(),
        _ => params.root_uri.iter().filter_map(uri_to_path).collect(),
    }
}

/// Asks the client to report changes to source and configuration files.
fn register_watchers(connection: &Connection) {
    let globs = [
        "**/*.py",
        "**/*.pyi",
        "**/*.rs",
        "**/authlint.toml",
        "**/.authlint.toml",
        "**/pyproject.toml",
        "**/Cargo.toml",
    ];
    let watchers: Vec<Value> = globs.iter().map(|g| json!({ "globPattern": g })).collect();
    let request = Request::new(
        RequestId::from("authlint-watch".to_string()),
        "client/registerCapability".to_string(),
        json!({ "registrations": [{
            "id": "authlint-watched-files",
            "method": "workspace/didChangeWatchedFiles",
            "registerOptions": { "watchers": watchers },
        }]}),
    );
    let _ = connection.sender.send(Message::Request(request));
}

fn main_loop(connection: &Connection, state: &Arc<State>) -> Result<(), Error> {
    // Documents waiting for their debounce to run out.
    let mut due: HashMap<PathBuf, Instant> = HashMap::new();
    loop {
        let wait = due.values().min().map_or(Duration::from_secs(3600), |at| {
            at.saturating_duration_since(Instant::now())
        });
        match connection.receiver.recv_timeout(wait) {
            Ok(Message::Request(request)) => {
                if connection.handle_shutdown(&request)? {
                    return Ok(());
                }
                let response = isolate(|| state.answer(&request)).unwrap_or_else(|message| {
                    Response::new_err(
                        request.id.clone(),
                        ErrorCode::InternalError as i32,
                        format!("authlint failed on this request ({message}); please report this"),
                    )
                });
                connection.sender.send(Message::Response(response))?;
            }
            Ok(Message::Notification(notification)) => {
                if notification.method == "exit" {
                    return Ok(());
                }
                let _ = isolate(|| state.notified(notification, &mut due));
            }
            Ok(Message::Response(_)) => {}
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        }
        let now = Instant::now();
        let ready: Vec<PathBuf> = due
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(p, _)| p.clone())
            .collect();
        if !ready.is_empty() {
            for path in &ready {
                due.remove(path);
            }
            let _ = state.jobs.send(Job::Changed(ready));
        }
    }
}

impl State {
    fn add_workspace(self: &Arc<Self>, root: PathBuf) {
        let workspace = Arc::new(Workspace::load(Some(root)));
        self.workspaces
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(workspace.clone());
        self.build_index(workspace);
    }

    /// Builds a workspace's index on a thread of its own, then checks the
    /// open documents again with it.
    fn build_index(self: &Arc<Self>, workspace: Arc<Workspace>) {
        let state = self.clone();
        let _ = std::thread::Builder::new()
            .name("authlint-index".into())
            .spawn(move || {
                let _ = isolate(|| workspace.build_index());
                state.publish_problems();
                let _ = state.jobs.send(Job::CheckAll);
            });
    }

    fn workspace_for(&self, path: &Path) -> Arc<Workspace> {
        let workspaces = self.workspaces.read().unwrap_or_else(|e| e.into_inner());
        workspaces
            .iter()
            .filter(|w| w.contains(path))
            .max_by_key(|w| w.root.as_ref().map_or(0, |r| r.as_os_str().len()))
            .cloned()
            .unwrap_or_else(|| self.loose.read().unwrap_or_else(|e| e.into_inner()).clone())
    }

    /// The open documents' texts, standing in for their files.
    fn overlay(&self) -> Overlay {
        let documents = self.documents.lock().unwrap_or_else(|e| e.into_inner());
        Arc::new(
            documents
                .iter()
                .filter(|(_, d)| d.language.is_some())
                .map(|(path, d)| (path.clone(), d.text.clone()))
                .collect(),
        )
    }

    fn document(&self, path: &Path) -> Option<Document> {
        self.documents
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
            .cloned()
    }

    fn publish(&self, uri: Uri, diagnostics: Vec<Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        };
        let _ = self.sender.send(Message::Notification(Notification::new(
            "textDocument/publishDiagnostics".to_string(),
            params,
        )));
    }

    /// Shows each broken configuration or rule file's problem on it, and
    /// clears the files that are fine again.
    fn publish_problems(&self) {
        let mut problems: BTreeMap<PathBuf, Vec<Diagnostic>> = BTreeMap::new();
        let workspaces = self.workspaces.read().unwrap_or_else(|e| e.into_inner()).clone();
        let loose = self.loose.read().unwrap_or_else(|e| e.into_inner()).clone();
        for workspace in workspaces.iter().chain(std::iter::once(&loose)) {
            for problem in workspace.problems() {
                let diagnostic = diagnostics::problem_diagnostic(&problem);
                let list = problems.entry(problem.path.clone()).or_default();
                if !list.contains(&diagnostic) {
                    list.push(diagnostic);
                }
            }
        }
        let mut published = self.problem_files.lock().unwrap_or_else(|e| e.into_inner());
        for path in published.iter() {
            if !problems.contains_key(path)
                && let Some(uri) = path_to_uri(path)
            {
                self.publish(uri, Vec::new(), None);
            }
        }
        published.clear();
        for (path, list) in problems {
            if let Some(uri) = path_to_uri(&path) {
                self.publish(uri, list, None);
                published.insert(path);
            }
        }
    }

    fn notified(self: &Arc<Self>, notification: Notification, due: &mut HashMap<PathBuf, Instant>) {
        match notification.method.as_str() {
            "textDocument/didOpen" => {
                let Ok(params) = serde_json::from_value::<DidOpenTextDocumentParams>(notification.params) else {
                    return;
                };
                let Some(path) = uri_to_path(&params.text_document.uri) else {
                    return;
                };
                let language = Language::from_path(&path).or(match params.text_document.language_id.as_str() {
                    "python" => Some(Language::Python),
                    "rust" => Some(Language::Rust),
                    _ => None,
                });
                self.documents.lock().unwrap_or_else(|e| e.into_inner()).insert(
                    path.clone(),
                    Document {
                        uri: params.text_document.uri,
                        version: params.text_document.version,
                        text: Arc::new(params.text_document.text),
                        language,
                    },
                );
                if language.is_some() {
                    due.insert(path, Instant::now());
                }
            }
            "textDocument/didChange" => {
                let Ok(params) = serde_json::from_value::<DidChangeTextDocumentParams>(notification.params) else {
                    return;
                };
                let Some(path) = uri_to_path(&params.text_document.uri) else {
                    return;
                };
                let mut documents = self.documents.lock().unwrap_or_else(|e| e.into_inner());
                let Some(document) = documents.get_mut(&path) else {
                    return;
                };
                let mut text = document.text.as_str().to_string();
                for change in params.content_changes {
                    apply_change(&mut text, change);
                }
                document.text = Arc::new(text);
                document.version = params.text_document.version;
                if document.language.is_some() {
                    due.insert(path, Instant::now() + DEBOUNCE);
                }
            }
            "textDocument/didSave" => {
                let Ok(params) = serde_json::from_value::<DidSaveTextDocumentParams>(notification.params) else {
                    return;
                };
                let Some(path) = uri_to_path(&params.text_document.uri) else {
                    return;
                };
                if is_config_file(&path) {
                    let _ = self.jobs.send(Job::Reload);
                } else if self.document(&path).is_some_and(|d| d.language.is_some()) {
                    due.insert(path.clone(), Instant::now());
                    self.workspace_for(&path).file_changed(&path, true);
                }
            }
            "textDocument/didClose" => {
                let Ok(params) = serde_json::from_value::<DidCloseTextDocumentParams>(notification.params) else {
                    return;
                };
                let Some(path) = uri_to_path(&params.text_document.uri) else {
                    return;
                };
                self.documents.lock().unwrap_or_else(|e| e.into_inner()).remove(&path);
                self.checked.lock().unwrap_or_else(|e| e.into_inner()).remove(&path);
                due.remove(&path);
                if !is_config_file(&path) {
                    self.publish(params.text_document.uri, Vec::new(), None);
                }
                // Modules that imported from its buffer now read the disk.
                let _ = self.jobs.send(Job::CheckAll);
            }
            "workspace/didChangeWatchedFiles" => {
                let Ok(params) = serde_json::from_value::<DidChangeWatchedFilesParams>(notification.params) else {
                    return;
                };
                self.files_changed(params);
            }
            "workspace/didChangeWorkspaceFolders" => {
                let Ok(params) = serde_json::from_value::<DidChangeWorkspaceFoldersParams>(notification.params) else {
                    return;
                };
                let removed: Vec<PathBuf> = params
                    .event
                    .removed
                    .iter()
                    .filter_map(|f| uri_to_path(&f.uri))
                    .collect();
                self.workspaces
                    .write()
                    .unwrap_or_else(|e| e.into_inner())
                    .retain(|w| !w.root.as_ref().is_some_and(|r| removed.contains(r)));
                for folder in params.event.added {
                    if let Some(root) = uri_to_path(&folder.uri) {
                        self.add_workspace(root);
                    }
                }
                self.publish_problems();
            }
            _ => {}
        }
    }

    fn files_changed(self: &Arc<Self>, params: DidChangeWatchedFilesParams) {
        let mut reload = false;
        let mut rebuild: Vec<Arc<Workspace>> = Vec::new();
        for change in params.changes {
            let Some(path) = uri_to_path(&change.uri) else { continue };
            if is_config_file(&path) {
                reload = true;
                continue;
            }
            let workspace = self.workspace_for(&path);
            let is_package_marker = path.file_name().is_some_and(|n| n == "__init__.py");
            if is_package_marker && change.typ != FileChangeType::CHANGED {
                // Module names below it change: index the folder again.
                if !rebuild.iter().any(|w| Arc::ptr_eq(w, &workspace)) {
                    rebuild.push(workspace);
                }
                continue;
            }
            workspace.file_changed(&path, change.typ != FileChangeType::DELETED);
        }
        if reload {
            let _ = self.jobs.send(Job::Reload);
            return;
        }
        for workspace in rebuild {
            self.build_index(workspace);
        }
        let _ = self.jobs.send(Job::CheckAll);
    }

    /// Reads every workspace's configuration and rules again; the old index
    /// serves until the new one is built.
    fn reload(self: &Arc<Self>) {
        let old: Vec<Arc<Workspace>> = self.workspaces.read().unwrap_or_else(|e| e.into_inner()).clone();
        let fresh: Vec<Arc<Workspace>> = old
            .iter()
            .map(|w| {
                let new = Arc::new(Workspace::load(w.root.clone()));
                new.set_index(w.index());
                new
            })
            .collect();
        *self.workspaces.write().unwrap_or_else(|e| e.into_inner()) = fresh.clone();
        *self.loose.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(Workspace::load(None));
        self.publish_problems();
        for workspace in fresh {
            self.build_index(workspace);
        }
    }

    /// Checks one document at its current version and publishes the result,
    /// unless it changed while it was being checked.
    fn check(&self, path: &Path) {
        let Some(document) = self.document(path) else { return };
        let Some(language) = document.language else { return };
        let workspace = self.workspace_for(path);
        let settings = workspace.settings_for(path);
        let (file, sources) = if settings.excludes(path) {
            let file = FileOutcome::new(path.to_string_lossy().into_owned());
            (file, BTreeMap::new())
        } else {
            let linter = workspace.linter(settings);
            let index = workspace.index();
            let (mut file, outcome) = linter.check_in_project(&index, &self.overlay(), path, language);
            // As in a run: findings in tests, examples, benches and docs are
            // shown only where the configuration includes them.
            linter.set_aside_in_file(&mut file);
            (file, outcome.sources)
        };
        if self.document(path).is_none_or(|d| d.version != document.version) {
            return; // stale: a newer version is on its way
        }
        let diagnostics = diagnostics::file_diagnostics(&file, &document.text, &sources, &self.builtin);
        self.publish(document.uri.clone(), diagnostics, Some(document.version));
        self.checked.lock().unwrap_or_else(|e| e.into_inner()).insert(
            path.to_path_buf(),
            Checked {
                version: document.version,
                text: document.text.clone(),
                file,
                fixes: None,
            },
        );
        if !workspace.problems().is_empty() {
            self.publish_problems();
        }
    }

    fn answer(&self, request: &Request) -> Response {
        let id = request.id.clone();
        let params = request.params.clone();
        match request.method.as_str() {
            "textDocument/codeAction" => match serde_json::from_value::<CodeActionParams>(params) {
                Ok(params) => Response::new_ok(id, self.code_actions(params)),
                Err(error) => invalid(id, &error),
            },
            "textDocument/hover" => match serde_json::from_value::<HoverParams>(params) {
                Ok(params) => Response::new_ok(id, self.hover(params)),
                Err(error) => invalid(id, &error),
            },
            "workspace/executeCommand" => match serde_json::from_value::<ExecuteCommandParams>(params) {
                Ok(params) => {
                    self.execute(params);
                    Response::new_ok(id, Value::Null)
                }
                Err(error) => invalid(id, &error),
            },
            method => Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("authlint does not answer `{method}`"),
            ),
        }
    }

    fn code_actions(&self, params: CodeActionParams) -> Value {
        let uri = params.text_document.uri;
        let Some(path) = uri_to_path(&uri) else {
            return json!([]);
        };
        let Some(document) = self.document(&path) else {
            return json!([]);
        };
        let Some(language) = document.language else {
            return json!([]);
        };
        let mut checked = self.checked.lock().unwrap_or_else(|e| e.into_inner());
        // Offsets of an older version would land in the wrong place.
        let Some(result) = checked.get_mut(&path).filter(|c| c.version == document.version) else {
            return json!([]);
        };
        if result.fixes.is_none() {
            result.fixes = Some(self.fixes(&path, result));
        }
        let fixes = result.fixes.as_deref().unwrap_or_default();
        let actions = actions::code_actions(
            &uri,
            &result.text,
            language,
            &result.file,
            fixes,
            params.range,
            &params.context.diagnostics,
        );
        serde_json::to_value(actions).unwrap_or(Value::Null)
    }

    /// The proven fix of each finding of a checked document.
    fn fixes(&self, path: &Path, checked: &Checked) -> Vec<Option<Fix>> {
        let workspace = self.workspace_for(path);
        let linter = workspace.linter(workspace.settings_for(path));
        let index = workspace.index();
        let mut overlay: HashMap<PathBuf, Arc<String>> = (*self.overlay()).clone();
        overlay.insert(path.to_path_buf(), checked.text.clone());
        let context = FixContext {
            linter: &linter,
            index: &index,
            overlay: Arc::new(overlay),
        };
        let mut file = checked.file.clone();
        let mut algorithms = None;
        context.attach(&mut file, &checked.text, &mut algorithms);
        file.findings.into_iter().map(|f| f.fix).collect()
    }

    fn hover(&self, params: HoverParams) -> Value {
        let place = params.text_document_position_params;
        let Some(path) = uri_to_path(&place.text_document.uri) else {
            return Value::Null;
        };
        let Some(document) = self.document(&path) else {
            return Value::Null;
        };
        let checked = self.checked.lock().unwrap_or_else(|e| e.into_inner());
        let Some(result) = checked.get(&path).filter(|c| c.version == document.version) else {
            return Value::Null;
        };
        let workspace = self.workspace_for(&path);
        let hover = actions::hover(&result.text, &result.file, &workspace.rules, place.position);
        serde_json::to_value(hover).unwrap_or(Value::Null)
    }

    fn execute(&self, params: ExecuteCommandParams) {
        if params.command != actions::PLACE_CURSOR || !self.can_show_document {
            return;
        }
        let [uri, position] = params.arguments.as_slice() else {
            return;
        };
        let request = Request::new(
            RequestId::from("authlint-place-cursor".to_string()),
            "window/showDocument".to_string(),
            json!({
                "uri": uri,
                "takeFocus": true,
                "selection": { "start": position, "end": position },
            }),
        );
        let _ = self.sender.send(Message::Request(request));
    }
}

fn invalid(id: RequestId, error: &serde_json::Error) -> Response {
    Response::new_err(id, ErrorCode::InvalidParams as i32, error.to_string())
}

/// Checks documents as they come due, newest version only. A burst of
/// jobs is taken whole and each document checked once.
fn checker(state: &Arc<State>, jobs: &Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut paths: Vec<PathBuf> = Vec::new();
        let mut all = false;
        let mut reload = false;
        for job in std::iter::once(first).chain(jobs.try_iter()) {
            match job {
                Job::Changed(changed) => {
                    for path in changed {
                        if !paths.contains(&path) {
                            paths.push(path);
                        }
                    }
                    all = true;
                }
                Job::CheckAll => all = true,
                Job::Reload => reload = true,
                Job::Stop => return,
            }
        }
        if reload {
            state.reload();
            all = true;
        }
        if all {
            let documents = state.documents.lock().unwrap_or_else(|e| e.into_inner());
            for path in documents.keys() {
                if !paths.contains(path) {
                    paths.push(path.clone());
                }
            }
        }
        for path in paths {
            if isolate(|| state.check(&path)).is_err()
                && let Some(document) = state.document(&path)
            {
                let diagnostic = Diagnostic {
                    severity: Some(lsp_types::DiagnosticSeverity::ERROR),
                    code: Some(lsp_types::NumberOrString::String("internal-error".into())),
                    source: Some(diagnostics::SOURCE.into()),
                    message: "authlint failed while checking this file; please report this".into(),
                    ..Diagnostic::default()
                };
                state.publish(document.uri, vec![diagnostic], Some(document.version));
            }
        }
    }
}
