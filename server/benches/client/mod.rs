//! A small LSP client over the real `specls` binary's stdio, shared by the benches, and the
//! formatting of their figures.

#![allow(dead_code, reason = "each bench binary uses a different part of the client")]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const SERVER: &str = env!("CARGO_BIN_EXE_specls");
/// Long enough for a 400 KB reanalysis on a slow machine; a miss is counted, not fatal.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(20);
pub const INDEX_TIMEOUT: Duration = Duration::from_secs(300);

/// A message from the server and when it was read.
pub type Received = (Instant, Value);

pub struct Client {
    pub child: Child,
    stdin: ChildStdin,
    inbox: Receiver<Received>,
    next_id: i64,
    /// Run under `SPECLS_BENCH_WRAPPER`: the exit status is the profiler's, not the server's.
    wrapped: bool,
}

impl Client {
    /// `SPECLS_BENCH_WRAPPER` (a command and its arguments, split at spaces) runs the server
    /// under a profiler, e.g. `heaptrack -o /tmp/specls`.
    pub fn start(root: &Path) -> Client {
        let wrapper = std::env::var("SPECLS_BENCH_WRAPPER").unwrap_or_default();
        let mut words = wrapper.split_whitespace();
        let mut command = match words.next() {
            Some(program) => {
                let mut command = Command::new(program);
                command.args(words).arg(SERVER);
                command
            }
            None => Command::new(SERVER),
        };
        command.env("SPECLS_LOG", "warn").stderr(Stdio::inherit());
        let mut client = Client::spawn(command, root, Value::Null);
        client.wrapped = !wrapper.trim().is_empty();
        client
    }

    /// Start any language server over stdio and initialize it with `root` as its one workspace
    /// folder, declaring the same client capabilities to every server so that peers are driven alike.
    pub fn spawn(mut command: Command, root: &Path, initialization_options: Value) -> Client {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {:?}: {e}", command.get_program()));
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, inbox) = channel();
        // A reader thread stamps each message as it arrives, so time spent by the driver does
        // not count as server latency.
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if tx.send((Instant::now(), message)).is_err() {
                    break;
                }
            }
        });
        let mut client = Client { child, stdin, inbox, next_id: 0, wrapped: false };
        let root_uri = file_uri(root);
        client.request(
            "initialize",
            json!({
                "processId": std::process::id(),
                "rootUri": root_uri,
                "rootPath": root,
                "workspaceFolders": [{ "uri": root_uri, "name": "bench" }],
                "initializationOptions": initialization_options,
                "capabilities": {
                    "general": { "positionEncodings": ["utf-16"] },
                    "window": { "workDoneProgress": true },
                    "workspace": { "workspaceFolders": true, "didChangeWatchedFiles": { "dynamicRegistration": true } },
                    "textDocument": {
                        "synchronization": {},
                        "publishDiagnostics": { "versionSupport": true },
                        "definition": { "linkSupport": false },
                        "references": {},
                        "hover": { "contentFormat": ["markdown", "plaintext"] },
                        "documentSymbol": { "hierarchicalDocumentSymbolSupport": true }
                    }
                }
            }),
        );
        client
    }

    pub fn send(&mut self, message: &Value) {
        let body = serde_json::to_vec(message).expect("serialise a message");
        write!(self.stdin, "Content-Length: {}\r\n\r\n", body.len()).expect("write to the server");
        self.stdin.write_all(&body).expect("write to the server");
        self.stdin.flush().expect("flush to the server");
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Send a request and wait for its reply: when it was read, and the reply.
    pub fn request(&mut self, method: &str, params: Value) -> Received {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        self.wait(REPLY_TIMEOUT, |m| m.get("id") == Some(&json!(id)) && m.get("method").is_none())
            .unwrap_or_else(|| panic!("no reply to {method}"))
    }

    /// The first message matching `wanted`; others are dropped, and server requests (progress
    /// tokens, watcher registration) are answered with `null` as an editor would.
    pub fn wait(&mut self, timeout: Duration, wanted: impl Fn(&Value) -> bool) -> Option<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let (at, message) = match self.inbox.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(received) => received,
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => panic!("the server closed its output"),
            };
            if let (Some(id), Some(_)) = (message.get("id"), message.get("method")) {
                let id = id.clone();
                self.send(&json!({ "jsonrpc": "2.0", "id": id, "result": null }));
                continue;
            }
            if wanted(&message) {
                return Some((at, message));
            }
        }
    }

    pub fn wait_diagnostics(&mut self, uri: &str, version: i64, timeout: Duration) -> Option<Received> {
        self.wait(timeout, |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        })
    }

    /// Peak resident set size so far (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    pub fn shutdown(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let status = self.child.wait().expect("wait for the server");
        assert!(status.success() || self.wrapped, "the server exited with {status} after shutdown and exit");
    }

    /// Shut a peer server down, killing it if it does not exit on its own: a peer's exit code
    /// is not what the benchmark measures.
    pub fn stop(mut self) {
        let _ = self.request_within("shutdown", Value::Null, Duration::from_secs(5));
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// [`Client::request`] that gives up after `timeout` instead of failing.
    pub fn request_within(&mut self, method: &str, params: Value, timeout: Duration) -> Option<Received> {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        self.wait(timeout, |m| m.get("id") == Some(&json!(id)) && m.get("method").is_none())
    }
}

pub fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length:") {
            length = value.trim().parse().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

pub fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file://");
    for &b in path.to_str().expect("temp paths are UTF-8").as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

pub fn is_indexing_end(m: &Value) -> bool {
    m["method"] == "$/progress" && m["params"]["token"] == "specls/indexing" && m["params"]["value"]["kind"] == "end"
}

/// Whether to run the full plan: `cargo bench` passes `--bench`, and `--quick` after `--` asks
/// for the small plan that `cargo test --benches` runs.
pub fn full_run() -> bool {
    let mut args = std::env::args();
    args.any(|a| a == "--bench") && !std::env::args().any(|a| a == "--quick")
}

/// Round-trip times of one kind of request; nearest-rank percentiles.
#[derive(Default)]
pub struct Latencies(pub Vec<Duration>);

impl Latencies {
    pub fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.0.clone();
        sorted.sort();
        let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        sorted.get(rank.saturating_sub(1)).copied().unwrap_or_default()
    }

    /// `p50 | p95 | p99 | max` cells.
    pub fn cells(&self) -> String {
        format!(
            "{} | {} | {} | {}",
            ms(self.percentile(50.0)),
            ms(self.percentile(95.0)),
            ms(self.percentile(99.0)),
            ms(self.percentile(100.0))
        )
    }
}

pub fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    format!("## specls benchmarks\n\nMachine: {cpus} CPUs ({model}); server: `{SERVER}`.\n")
}

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

pub fn kib(k: Option<u64>) -> String {
    k.map_or_else(|| "n/a".into(), |k| format!("{:.1} MB", k as f64 / 1024.0))
}
