//! Drives the real `specls` binary over stdio like an editor and prints Markdown tables:
//! edit → diagnostics latency for 2 KB – 1 MB specs, cold indexing of a 2,000-file workspace
//! (with the server's peak RSS), a cold `specls check` of the same workspace, and completion
//! latency in that workspace.
//!
//! Latency is wall time from writing a `didChange` to reading the `publishDiagnostics` carrying
//! its version, so it includes framing, scheduling, analysis and serialisation: what the user
//! feels. The server only publishes diagnostics that changed, so every edit toggles a character
//! just before a `[NEEDS CLARIFICATION: …]` marker, which moves that marker's diagnostic.
//!
//! `cargo bench` passes `--bench`; without it (`cargo test --benches`) a small smoke run checks
//! that the driver still works. Linux only for the memory figures (`/proc`, `wait4`).

#[path = "client/mod.rs"]
mod client;
#[path = "gen/mod.rs"]
mod generator;

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use client::{Client, INDEX_TIMEOUT, REPLY_TIMEOUT, SERVER, file_uri, is_indexing_end, kib, machine, ms};

struct Plan {
    sizes: &'static [(&'static str, usize)],
    warm_up_edits: usize,
    edits: usize,
    workspace_files: usize,
    /// The spec edited inside the large workspace, where its keys are also defined by every
    /// other feature.
    workspace_spec: (&'static str, usize),
    check_runs: usize,
    /// Completion requests timed in the large workspace.
    completions: usize,
}

const FULL: Plan = Plan {
    sizes: &[("2 KB", 2_000), ("20 KB", 20_000), ("100 KB", 100_000), ("400 KB", 400_000), ("1 MB", 1_000_000)],
    warm_up_edits: 10,
    edits: 200,
    workspace_files: 2_000,
    workspace_spec: ("20 KB", 20_000),
    check_runs: 3,
    completions: 300,
};

const SMOKE: Plan = Plan {
    sizes: &[("2 KB", 2_000)],
    warm_up_edits: 1,
    edits: 5,
    workspace_files: 30,
    workspace_spec: ("2 KB", 2_000),
    check_runs: 1,
    completions: 8,
};

fn main() {
    println!("{}{}", machine(), report(client::full_run()));
}

/// The tables of this bench: the full plan or the smoke run.
pub fn report(full: bool) -> String {
    let plan = if full { FULL } else { SMOKE };
    let workspace = generator::workspace(7, plan.workspace_files);
    // Both cold measurements come first, before the workspace gains the edited feature.
    let check = check_section(&workspace, plan.check_runs);
    let index = index_section(&workspace);
    let latency = latency_section(&workspace, &plan);
    let completion = completion_section(&workspace, &plan);
    format!("{latency}{completion}{index}{check}")
}

fn latency_section(workspace: &generator::Workspace, plan: &Plan) -> String {
    let mut out = String::from("\n### Edit → diagnostics through the server\n\n");
    out.push_str(&format!(
        "{} one-character edits per row after {} warm-up edits; each is timed from writing the `didChange` to reading \
         the `publishDiagnostics` of its version.\n\n",
        plan.edits, plan.warm_up_edits
    ));
    out.push_str("| Spec | Bytes | Lines | Diagnostics | didOpen → diagnostics | p50 | p95 | p99 | max | mean | missed | server peak RSS |\n");
    out.push_str("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    let mut targets = Vec::new();
    let mut row = |label: String, bytes: usize, root: &Path, spec: &Path, text: &str| {
        let row = edit_latency(root, spec, text, plan);
        // Issue 8, target 1: p95 within 5 ms at 20 KB and within 20 ms at 400 KB.
        let limit = match bytes {
            20_000 => Some(Duration::from_millis(5)),
            400_000 => Some(Duration::from_millis(20)),
            _ => None,
        };
        if let Some(limit) = limit {
            targets.push((label.clone(), limit, row.percentile(95.0)));
        }
        out.push_str(&row.markdown(&label));
        eprintln!("specls bench: {label} done");
    };
    for &(size, bytes) in plan.sizes {
        let (dir, spec, text) = generator::single_feature(1, bytes);
        row(format!("{size}, one feature"), bytes, dir.path(), &spec, &text);
    }
    let (size, bytes) = plan.workspace_spec;
    let (spec, text) = generator::add_feature(workspace.root(), 1, 999, bytes);
    row(format!("{size}, added to the {}-file workspace", workspace.files), bytes, workspace.root(), &spec, &text);

    if !targets.is_empty() {
        out.push_str("\nTarget: edit → diagnostics p95 ≤ 5 ms on a 20 KB spec and ≤ 20 ms on a 400 KB spec.\n\n");
    }
    for (label, limit, p95) in targets {
        let verdict = if p95 <= limit { "met" } else { "NOT met" };
        out.push_str(&format!("- {label}: {verdict} (p95 {} against {})\n", ms(p95), ms(limit)));
    }
    out
}

/// Round trips of `textDocument/completion` in the large workspace, cycling over the contexts:
/// a heading position (missing sections), a new requirement line (next free key), a key prefix in
/// the spec, and a key prefix in a code comment (keys of the whole workspace).
fn completion_section(workspace: &generator::Workspace, plan: &Plan) -> String {
    let (size, bytes) = plan.workspace_spec;
    let (spec, text) = generator::add_feature(workspace.root(), 2, 998, bytes);
    let mut client = Client::start(workspace.root());
    client.notify("initialized", json!({}));
    client.wait(INDEX_TIMEOUT, is_indexing_end).expect("indexing finished");

    let spec_uri = file_uri(&spec);
    let spec_text = format!("{text}\n- **FR-\nSee FR-0\n\n");
    let code_uri = file_uri(&workspace.root().join("src/bench_completion.rs"));
    let code_text = "fn main() {}\n// Implements FR-0";
    for (uri, text) in [(&spec_uri, spec_text.as_str()), (&code_uri, code_text)] {
        client.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "markdown", "version": 1, "text": text } }),
        );
    }
    client.wait_diagnostics(&spec_uri, 1, REPLY_TIMEOUT).expect("diagnostics of the opened spec");
    let lines = spec_text.lines().count() as u32;
    let sites = [(&spec_uri, lines, 0), (&spec_uri, lines - 3, 6), (&spec_uri, lines - 2, 8), (&code_uri, 1, 18)];
    let mut latencies = Vec::with_capacity(plan.completions);
    let mut items = [0usize; 4];
    for n in 0..plan.completions {
        let (uri, line, character) = sites[n % sites.len()];
        let sent = Instant::now();
        let (at, reply) = client.request(
            "textDocument/completion",
            json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } }),
        );
        latencies.push(at - sent);
        items[n % sites.len()] = reply["result"]["items"].as_array().map_or(0, Vec::len);
    }
    latencies.sort();
    let peak_rss_kib = client.peak_rss_kib();
    client.shutdown();
    eprintln!("specls bench: completion done");
    let row = LatencyRow {
        bytes: text.len(),
        lines: lines as usize,
        diagnostics: 0,
        open: Duration::ZERO,
        latencies,
        missed: 0,
        peak_rss_kib,
    };
    let p99 = row.percentile(99.0);
    format!(
        "\n### Completion in the {}-file workspace ({} requests)\n\n\
         Items per context: heading {}, next key {}, key prefix {}, code comment {}.\n\n\
         | Spec | p50 | p95 | p99 | max |\n|---|---|---|---|---|\n| {size} | {} | {} | {} | {} |\n\n\
         Target: completion p99 ≤ 10 ms: {} (p99 {}).\n",
        workspace.files,
        plan.completions,
        items[0],
        items[1],
        items[2],
        items[3],
        ms(row.percentile(50.0)),
        ms(row.percentile(95.0)),
        ms(p99),
        ms(row.latencies.last().copied().unwrap_or_default()),
        if p99 <= Duration::from_millis(10) { "met" } else { "NOT met" },
        ms(p99),
    )
}

fn index_section(workspace: &generator::Workspace) -> String {
    let run = cold_index(workspace);
    eprintln!("specls bench: cold index done");
    format!(
        "\n### Cold workspace index ({} Markdown files, {:.1} MB, page cache warm)\n\n\
         | initialized → `$/progress` end | server's own scan time | initialized → first diagnostics (index merged) | server peak RSS |\n\
         |---|---|---|---|\n| {} | {} | {} | {} |\n",
        workspace.files,
        workspace.bytes as f64 / 1e6,
        ms(run.progress_end),
        run.server_message,
        ms(run.first_diagnostics),
        kib(run.peak_rss_kib)
    )
}

fn check_section(workspace: &generator::Workspace, runs: usize) -> String {
    let mut out = format!(
        "\n### `specls check` on the same workspace ({runs} cold runs)\n\n| Run | Wall | CPU user + sys | Peak RSS | Exit |\n|---|---|---|---|---|\n"
    );
    for (i, run) in check_runs(workspace, runs).iter().enumerate() {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            i + 1,
            ms(run.wall),
            ms(run.cpu),
            kib(Some(run.peak_rss_kib)),
            run.status
        ));
    }
    eprintln!("specls bench: specls check done");
    out
}

// ---------------------------------------------------------------------------------- edit latency

struct LatencyRow {
    bytes: usize,
    lines: usize,
    diagnostics: usize,
    open: Duration,
    /// Sorted.
    latencies: Vec<Duration>,
    missed: usize,
    peak_rss_kib: Option<u64>,
}

impl LatencyRow {
    /// Nearest-rank percentile.
    fn percentile(&self, p: f64) -> Duration {
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        self.latencies.get(rank.saturating_sub(1)).copied().unwrap_or_default()
    }

    fn markdown(&self, label: &str) -> String {
        let mean = self.latencies.iter().sum::<Duration>() / self.latencies.len().max(1) as u32;
        format!(
            "| {label} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            self.bytes,
            self.lines,
            self.diagnostics,
            ms(self.open),
            ms(self.percentile(50.0)),
            ms(self.percentile(95.0)),
            ms(self.percentile(99.0)),
            ms(self.latencies.last().copied().unwrap_or_default()),
            ms(mean),
            self.missed,
            kib(self.peak_rss_kib),
        )
    }
}

/// Where the edits go: just before the clarification markers nearest the middle of the spec,
/// as (line, UTF-16 column).
fn edit_sites(text: &str) -> Vec<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let middle = lines.len() / 2;
    let mut sites: Vec<(usize, usize)> = lines
        .iter()
        .enumerate()
        .filter_map(|(n, line)| line.find("[NEEDS CLARIFICATION").map(|at| (n, line[..at].encode_utf16().count())))
        .collect();
    sites.sort_by_key(|&(n, _)| n.abs_diff(middle));
    sites.truncate(10);
    assert!(!sites.is_empty(), "the generated spec has clarification markers");
    sites
}

fn edit_latency(root: &Path, spec_path: &Path, text: &str, plan: &Plan) -> LatencyRow {
    let mut client = Client::start(root);
    client.notify("initialized", json!({}));
    // Edits start on a settled server: indexing has finished and been merged.
    client.wait(INDEX_TIMEOUT, is_indexing_end).expect("indexing finished");

    let uri = file_uri(spec_path);
    let opened = Instant::now();
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "markdown", "version": 1, "text": text } }),
    );
    let (at, first) = client.wait_diagnostics(&uri, 1, REPLY_TIMEOUT).expect("diagnostics of the opened spec");
    let open = at - opened;
    let diagnostics = first["params"]["diagnostics"].as_array().map_or(0, Vec::len);

    let sites = edit_sites(text);
    let mut latencies = Vec::with_capacity(plan.edits);
    let mut missed = 0;
    for edit in 0..plan.warm_up_edits + plan.edits {
        // Pairs: insert a character, then delete it, at the next site each time.
        let (line, column) = sites[(edit / 2) % sites.len()];
        let start = json!({ "line": line, "character": column });
        let (range, new_text) = if edit % 2 == 0 {
            (json!({ "start": start, "end": start }), "x")
        } else {
            (json!({ "start": start, "end": { "line": line, "character": column + 1 } }), "")
        };
        let version = edit as i64 + 2;
        let sent = Instant::now();
        client.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{ "range": range, "text": new_text }]
            }),
        );
        match client.wait_diagnostics(&uri, version, REPLY_TIMEOUT) {
            Some((at, _)) if edit >= plan.warm_up_edits => latencies.push(at - sent),
            Some(_) => {}
            None => missed += 1,
        }
    }
    latencies.sort();
    let peak_rss_kib = client.peak_rss_kib();
    client.shutdown();
    LatencyRow { bytes: text.len(), lines: text.lines().count(), diagnostics, open, latencies, missed, peak_rss_kib }
}

// ---------------------------------------------------------------------------------- cold index

struct IndexRun {
    progress_end: Duration,
    server_message: String,
    first_diagnostics: Duration,
    peak_rss_kib: Option<u64>,
}

fn cold_index(workspace: &generator::Workspace) -> IndexRun {
    let mut client = Client::start(workspace.root());
    let started = Instant::now();
    client.notify("initialized", json!({}));
    let (end_at, end) = client.wait(INDEX_TIMEOUT, is_indexing_end).expect("indexing finished");
    let server_message = end["params"]["value"]["message"].as_str().unwrap_or("n/a").to_string();

    // The worker handles jobs in order, so the first diagnostics of a document opened now come
    // after the scan has been merged into the index.
    let spec = walk_first_spec(workspace.root());
    let uri = file_uri(&spec);
    let text = std::fs::read_to_string(&spec).expect("read a generated spec");
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "markdown", "version": 1, "text": text } }),
    );
    let (diag_at, _) = client.wait_diagnostics(&uri, 1, REPLY_TIMEOUT).expect("diagnostics after indexing");
    let peak_rss_kib = client.peak_rss_kib();
    client.shutdown();
    IndexRun { progress_end: end_at - started, server_message, first_diagnostics: diag_at - started, peak_rss_kib }
}

fn walk_first_spec(root: &Path) -> std::path::PathBuf {
    let mut features: Vec<_> =
        std::fs::read_dir(root.join("specs")).expect("list specs").map(|e| e.expect("dir entry").path()).collect();
    features.sort();
    features[0].join("spec.md")
}

// ---------------------------------------------------------------------------------- specls check

struct CheckRun {
    wall: Duration,
    cpu: Duration,
    peak_rss_kib: u64,
    status: ExitStatus,
}

/// `struct rusage` as Linux lays it out on 64-bit targets.
#[repr(C)]
#[derive(Default)]
struct RUsage {
    utime: [i64; 2],
    stime: [i64; 2],
    maxrss: i64,
    _rest: [i64; 13],
}

unsafe extern "C" {
    fn wait4(pid: i32, status: *mut i32, options: i32, usage: *mut RUsage) -> i32;
}

/// Each run is a fresh process; `wait4` gives that child's own peak RSS and CPU time.
#[allow(clippy::zombie_processes, reason = "wait4 reaps the child, which `Child::wait` would hide the rusage of")]
fn check_runs(workspace: &generator::Workspace, runs: usize) -> Vec<CheckRun> {
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            let child = Command::new(SERVER)
                .arg("check")
                .arg(workspace.root())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start specls check");
            let (mut status, mut usage) = (0, RUsage::default());
            // SAFETY: the child is ours and not yet reaped; both pointers are valid for writes.
            let pid = unsafe { wait4(child.id() as i32, &mut status, 0, &mut usage) };
            let wall = started.elapsed();
            assert_eq!(pid, child.id() as i32, "wait4 failed");
            let timeval = |t: [i64; 2]| Duration::from_secs(t[0] as u64) + Duration::from_micros(t[1] as u64);
            CheckRun {
                wall,
                cpu: timeval(usage.utime) + timeval(usage.stime),
                peak_rss_kib: usage.maxrss as u64,
                status: ExitStatus::from_raw(status),
            }
        })
        .collect()
}
