//! Reliability suites (specs/009-reliability): hostile workspaces, protocol abuse, confinement,
//! the fuzz targets replayed over their committed regressions, and a bounded soak. Every server
//! here is the real binary (or the same server in-process) with its log kept, so a test can look
//! for panics and for the line that explains a skipped file.

#[allow(dead_code)]
#[path = "../e2e/support/mod.rs"]
mod support;

mod adversarial;
mod confinement;
mod fuzz;
mod protocol;
mod soak;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::{Value, json};
use support::Client;

/// How long a test waits for an answer from a server over a hostile workspace: generous, since
/// the point is that an answer comes, not how fast.
pub const PATIENCE: std::time::Duration = std::time::Duration::from_secs(300);

/// The real binary serving `root`, with its log written to a file outside the workspace.
pub struct Logged {
    pub client: Client,
    next_id: u64,
    log: PathBuf,
    _log_dir: tempfile::TempDir,
}

impl Logged {
    pub fn spawn(root: &Path) -> Logged {
        let log_dir = tempfile::tempdir().expect("temp dir");
        let log = log_dir.path().join("specls.log");
        let file = std::fs::File::create(&log).expect("log file");
        Logged { client: Client::spawn_logging(root, Stdio::from(file)), next_id: 0, log, _log_dir: log_dir }
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Fail when the log reports a panic.
    pub fn assert_no_panic(&self) {
        let log = self.log();
        assert!(!log.contains("panicked"), "the server panicked:\n{}", tail(&log));
    }

    /// Wait for the first workspace scan, however long a hostile workspace makes it (the tests
    /// run unoptimised, often on a loaded machine).
    pub fn wait_indexed(&mut self) {
        let end = |m: &Value| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end";
        assert!(self.client.try_wait_for(&end, PATIENCE).is_some(), "indexing ended:\n{}", tail(&self.log()));
    }

    /// Send a request and wait for its response as long as [`PATIENCE`] allows.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = json!(format!("slow-{}", self.next_id));
        self.client.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        let answer = |m: &Value| m.get("id") == Some(&id) && m.get("method").is_none();
        self.client
            .try_wait_for(&answer, PATIENCE)
            .unwrap_or_else(|| panic!("{method} answered:\n{}", tail(&self.log())))
    }

    /// Resident memory of the server process in KiB, from /proc (Linux).
    pub fn rss_kib(&mut self) -> Option<u64> {
        let pid = self.client.process()?.id();
        rss_of(pid)
    }

    /// The most resident memory the server process has used so far in KiB, from /proc (Linux).
    pub fn peak_rss_kib(&mut self) -> Option<u64> {
        let pid = self.client.process()?.id();
        status_kib(pid, "VmHWM:")
    }
}

/// Resident memory of a process in KiB, from `/proc/<pid>/status`.
pub fn rss_of(pid: u32) -> Option<u64> {
    status_kib(pid, "VmRSS:")
}

/// A field of `/proc/<pid>/status` in KiB.
fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The last lines of a log, for failure messages.
pub fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// Write `text` at `relative` under `root`, creating folders.
pub fn write(root: &Path, relative: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, text).expect("write fixture");
    path
}

/// A small valid feature: a spec defining FR-001 and FR-002 and tasks citing them.
pub fn good_feature(root: &Path) {
    write(
        root,
        "specs/001-good/spec.md",
        "# Feature Specification: Good\n\n## User Scenarios & Testing *(mandatory)*\n\n\
         ### User Story 1 - Works (Priority: P1)\n\nA user works.\n\n## Requirements *(mandatory)*\n\n\
         ### Functional Requirements\n\n- **FR-001**: System MUST keep working.\n\
         - **FR-002**: System MUST answer.\n\n## Success Criteria *(mandatory)*\n\n\
         ### Measurable Outcomes\n\n- **SC-001**: It works.\n",
    );
    write(root, "specs/001-good/tasks.md", "# Tasks: Good\n\n- [ ] T001 [US1] Keep working per FR-001\n");
}

/// The files defining a key that starts with `key`, from `workspace/symbol`, as workspace-relative
/// paths (the query matches fuzzily, titles too; only names starting with the key count).
pub fn symbol_files(server: &mut Logged, key: &str) -> Vec<String> {
    let found = server.request("workspace/symbol", json!({ "query": key }));
    let root = server.client.root.clone();
    let mut files: Vec<String> = found["result"]
        .as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|s| s["name"].as_str().is_some_and(|n| n.starts_with(key)))
        .map(|s| support::relative(&root, &s["location"]["uri"]))
        .collect();
    files.sort();
    files.dedup();
    files
}
