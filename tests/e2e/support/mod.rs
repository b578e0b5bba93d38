//! A small synchronous LSP client for tests: it talks to the real `specls` binary over its
//! stdio, or to the same server running in-process over a socket pair, like an editor does.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const TIMEOUT: Duration = Duration::from_secs(20);

enum Peer {
    Process(Child),
    Thread(JoinHandle<bool>),
}

pub struct Client {
    writer: Box<dyn Write + Send>,
    incoming: Receiver<Value>,
    /// Messages read while waiting for something else, in arrival order.
    backlog: VecDeque<Value>,
    next_id: i64,
    peer: Option<Peer>,
    pub root: PathBuf,
    /// Results for the server's own requests, by method; any other request is answered `null`.
    pub replies: std::collections::HashMap<String, Value>,
}

fn read_messages(reader: impl Read + Send + 'static) -> Receiver<Value> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(reader);
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
                if let Some(v) = line.strip_prefix("Content-Length: ") {
                    length = v.parse::<usize>().ok();
                }
            }
            let Some(length) = length else { return };
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            let Ok(value) = serde_json::from_slice(&body) else { return };
            if tx.send(value).is_err() {
                return;
            }
        }
    });
    rx
}

impl Client {
    /// Start the real binary with `root` as its working directory.
    pub fn spawn(root: &Path) -> Client {
        Client::spawn_logging(root, Stdio::null())
    }

    /// Start the real binary with `root` as its working directory and its log going to `log`.
    pub fn spawn_logging(root: &Path, log: Stdio) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_specls"))
            .current_dir(root)
            .env("SPECLS_LOG", "specls=debug")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("the specls binary starts");
        let writer = Box::new(child.stdin.take().expect("stdin"));
        let incoming = read_messages(child.stdout.take().expect("stdout"));
        Client {
            writer,
            incoming,
            backlog: VecDeque::new(),
            next_id: 1,
            peer: Some(Peer::Process(child)),
            root: root.to_path_buf(),
            replies: Default::default(),
        }
    }

    /// Run the server in this process over a socket pair (fast, for property tests).
    pub fn in_process(root: &Path) -> Client {
        let (ours, theirs) = std::os::unix::net::UnixStream::pair().expect("socket pair");
        let server = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
            let clean = runtime.block_on(async move {
                theirs.set_nonblocking(true).expect("nonblocking");
                let stream = tokio::net::UnixStream::from_std(theirs).expect("tokio stream");
                let (read, write) = stream.into_split();
                specls::lsp::serve(read, write).await
            });
            runtime.shutdown_background();
            clean
        });
        let incoming = read_messages(ours.try_clone().expect("clone socket"));
        Client {
            writer: Box::new(ours),
            incoming,
            backlog: VecDeque::new(),
            next_id: 1,
            peer: Some(Peer::Thread(server)),
            root: root.to_path_buf(),
            replies: Default::default(),
        }
    }

    pub fn send(&mut self, message: &Value) {
        let body = serde_json::to_string(message).expect("json");
        write!(self.writer, "Content-Length: {}\r\n\r\n{}", body.len(), body).expect("write to server");
        self.writer.flush().expect("flush");
    }

    /// Write raw bytes (for malformed-input tests).
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write to server");
        self.writer.flush().expect("flush");
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Send a request and return its whole response (`result` or `error`).
    pub fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        self.wait_for(|m| m.get("id") == Some(&json!(id)) && m.get("method").is_none())
    }

    /// Send a request and return its result, failing the test on an error response.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params);
        assert!(response.get("error").is_none(), "{method} failed: {response}");
        response["result"].clone()
    }

    fn next_message(&mut self, deadline: Instant) -> Option<Value> {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.incoming.recv_timeout(left) {
            Ok(message) => {
                // Answer the server's own requests the way a minimal editor does.
                if let (Some(method), Some(id)) = (message["method"].as_str(), message.get("id")) {
                    let result = self.replies.get(method).cloned().unwrap_or(Value::Null);
                    let reply = json!({ "jsonrpc": "2.0", "id": id, "result": result });
                    self.send(&reply);
                }
                Some(message)
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => None,
        }
    }

    /// The first message (backlog first) matching `pred`, removed from the stream.
    pub fn wait_for(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        self.try_wait_for(&pred, TIMEOUT).unwrap_or_else(|| panic!("timed out; backlog: {:?}", self.backlog))
    }

    pub fn try_wait_for(&mut self, pred: &impl Fn(&Value) -> bool, timeout: Duration) -> Option<Value> {
        if let Some(i) = self.backlog.iter().position(pred) {
            return self.backlog.remove(i);
        }
        let deadline = Instant::now() + timeout;
        while let Some(message) = self.next_message(deadline) {
            if pred(&message) {
                return Some(message);
            }
            self.backlog.push_back(message);
        }
        None
    }

    /// The next `publishDiagnostics` for `uri` whose version is `version` (or any, for None).
    pub fn diagnostics_for(&mut self, uri: &str, version: Option<i64>) -> Value {
        let uri = uri.to_string();
        self.wait_for(move |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && version.is_none_or(|v| m["params"]["version"] == v)
        })["params"]["diagnostics"]
            .clone()
    }

    pub fn uri(&self, relative: &str) -> String {
        format!("file://{}/{}", self.root.display(), relative)
    }

    /// `initialize` + `initialized`; `pull` advertises pull diagnostics.
    pub fn initialize(&mut self, encodings: &[&str], pull: bool) -> Value {
        let mut text_document = json!({ "documentSymbol": { "hierarchicalDocumentSymbolSupport": true } });
        if pull {
            text_document["diagnostic"] = json!({ "dynamicRegistration": false });
        }
        let root = format!("file://{}", self.root.display());
        let result = self.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": root,
                "workspaceFolders": [{ "uri": root, "name": "fixture" }],
                "capabilities": {
                    "general": { "positionEncodings": encodings },
                    "textDocument": text_document,
                    "window": { "workDoneProgress": true },
                    "workspace": {
                        "didChangeWatchedFiles": { "dynamicRegistration": true },
                        "diagnostics": { "refreshSupport": pull }
                    }
                }
            }),
        );
        self.notify("initialized", json!({}));
        result
    }

    /// `initialize` with the workspace root as the only folder, the given `capabilities` and
    /// `initializationOptions` (for tests that need other ones than [`Client::initialize`] sends),
    /// then `initialized`.
    pub fn initialize_with(&mut self, capabilities: Value, options: Option<Value>) -> Value {
        let root = format!("file://{}", self.root.display());
        let mut params = json!({
            "processId": null,
            "rootUri": root,
            "workspaceFolders": [{ "uri": root, "name": "fixture" }],
            "capabilities": capabilities,
        });
        if let Some(options) = options {
            params["initializationOptions"] = options;
        }
        let result = self.request("initialize", params);
        self.notify("initialized", json!({}));
        result
    }

    /// Wait until the initial workspace scan has been reported finished.
    pub fn wait_indexed(&mut self) {
        self.wait_for(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end");
    }

    pub fn open(&mut self, relative: &str, version: i64) -> String {
        let uri = self.uri(relative);
        let text = std::fs::read_to_string(self.root.join(relative)).expect("fixture file");
        self.open_text(&uri, &text, version);
        uri
    }

    pub fn open_text(&mut self, uri: &str, text: &str, version: i64) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "markdown", "version": version, "text": text } }),
        );
    }

    /// One incremental change replacing `range` ([line, character] pairs) with `text`.
    pub fn change(&mut self, uri: &str, version: i64, start: (u32, u32), end: (u32, u32), text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{
                    "range": { "start": { "line": start.0, "character": start.1 }, "end": { "line": end.0, "character": end.1 } },
                    "text": text
                }]
            }),
        );
    }

    pub fn debug_document(&mut self, uri: &str) -> Value {
        self.request("specls/debugDocument", json!({ "textDocument": { "uri": uri } }))
    }

    /// Clean shutdown; returns whether the server exited cleanly (exit code 0).
    pub fn shutdown(mut self) -> bool {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        match self.peer.take() {
            Some(Peer::Process(mut child)) => {
                let deadline = Instant::now() + TIMEOUT;
                loop {
                    if let Some(status) = child.try_wait().expect("wait") {
                        return status.success();
                    }
                    if Instant::now() > deadline {
                        let _ = child.kill();
                        return false;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
            Some(Peer::Thread(handle)) => handle.join().unwrap_or(false),
            None => false,
        }
    }

    /// The child process, for tests that kill or inspect it.
    pub fn process(&mut self) -> Option<&mut Child> {
        match &mut self.peer {
            Some(Peer::Process(child)) => Some(child),
            _ => None,
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Some(Peer::Process(child)) = &mut self.peer {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A copy of a fixture workspace and the real binary serving it, initialized.
pub fn start(fixture: &str, encodings: &[&str], pull: bool) -> (tempfile::TempDir, Client) {
    let ws = workspace(fixture);
    let mut client = Client::spawn(ws.path());
    client.initialize(encodings, pull);
    (ws, client)
}

/// Copy a fixture workspace into a fresh temporary folder.
pub fn workspace(fixture: &str) -> tempfile::TempDir {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures").join(fixture);
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&source, dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("fixture folder") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The position of the first occurrence of `needle` in a workspace file, plus `shift` characters
/// (the fixtures are ASCII where tests look, so bytes are UTF-16 units).
pub fn at(root: &Path, relative: &str, needle: &str, shift: u32) -> Value {
    let text = std::fs::read_to_string(root.join(relative)).expect("fixture file");
    let offset = text.find(needle).unwrap_or_else(|| panic!("{needle:?} in {relative}"));
    let line = text[..offset].matches('\n').count() as u32;
    let character = (offset - text[..offset].rfind('\n').map_or(0, |n| n + 1)) as u32 + shift;
    json!({ "line": line, "character": character })
}

/// `relative:line` (1-based) of each location, sorted.
pub fn places(root: &Path, result: &Value) -> Vec<String> {
    let mut out: Vec<String> = result
        .as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|l| format!("{}:{}", relative(root, &l["uri"]), l["range"]["start"]["line"].as_u64().expect("line") + 1))
        .collect();
    out.sort();
    out
}

/// A `file://` URI of the workspace as a path relative to its root.
pub fn relative(root: &Path, uri: &Value) -> String {
    let prefix = format!("file://{}/", root.display());
    uri.as_str().expect("uri").trim_start_matches(&prefix).to_string()
}

/// The places a position request (`textDocument/definition`, `references`, …) at `needle` answers.
pub fn ask(client: &mut Client, root: &Path, method: &str, file: &str, needle: &str, shift: u32) -> Vec<String> {
    let mut params = json!({
        "textDocument": { "uri": client.uri(file) },
        "position": at(root, file, needle, shift),
    });
    if method == "textDocument/references" {
        params["context"] = json!({ "includeDeclaration": true });
    }
    places(root, &client.request(method, params))
}

/// A workspace file's text with LSP text edits applied (ASCII fixtures: characters are bytes).
pub fn applied(root: &Path, relative: &str, edits: &Value) -> String {
    apply_edits(&std::fs::read_to_string(root.join(relative)).expect("fixture file"), edits)
}

/// `text` with LSP text edits applied (ASCII text: characters are bytes).
pub fn apply_edits(text: &str, edits: &Value) -> String {
    let starts: Vec<usize> = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let offset = |p: &Value| starts[p["line"].as_u64().unwrap() as usize] + p["character"].as_u64().unwrap() as usize;
    let mut edits: Vec<(usize, usize, String)> = edits
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (offset(&e["range"]["start"]), offset(&e["range"]["end"]), e["newText"].as_str().unwrap().to_string()))
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (start, end, new) in edits {
        out.replace_range(start..end, &new);
    }
    out
}

/// The diagnostics of the next publication for `uri` that satisfies `pred`.
pub fn published(client: &mut Client, uri: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let uri = uri.to_string();
    client.wait_for(move |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri
            && pred(&m["params"]["diagnostics"])
    })["params"]["diagnostics"]
        .clone()
}

/// Replace the temporary root in URIs so snapshots are stable.
pub fn redact(value: &Value, root: &Path) -> Value {
    let text = serde_json::to_string(value).expect("json").replace(&root.display().to_string(), "/WORKSPACE");
    serde_json::from_str(&text).expect("json")
}

/// A byte offset an LSP client can name: on a char boundary, never between CR and LF.
pub fn nameable(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset)
        || (offset > 0 && text.as_bytes()[offset - 1] == b'\r' && text.as_bytes().get(offset) == Some(&b'\n'))
    {
        offset -= 1;
    }
    offset
}
