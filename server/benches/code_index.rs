//! The code index at scale (SC-002 of specs/003-navigation): a generated workspace of 2,000 spec
//! files and 20,000 source files, indexed cold and compared side by side with ripgrep searching
//! the same tree for the same key pattern; then definition, references and hover latency through
//! the real server over stdio, and the server's peak memory. Prints Markdown tables.
//!
//! `cargo bench -p specls --bench code_index` runs the full plan; without `--bench` (`cargo test
//! --benches`) a small smoke run checks that the driver works. ripgrep (`rg`) is optional: its
//! column says "not installed" when it is missing.

#[path = "client/mod.rs"]
mod client;
#[path = "gen/mod.rs"]
mod generator;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use client::{Client, INDEX_TIMEOUT, file_uri, is_indexing_end, kib, machine, ms};
use specls::analysis::WorkspaceIndex;
use specls::analysis::config::{CodeConfig, FileFilter};
use specls::analysis::workspace::{WalkOptions, scan};
use specls::model::Grammar;

struct Plan {
    spec_files: usize,
    code_files: usize,
    /// Cold runs of each indexer; the median is reported.
    runs: usize,
    /// Requests of each kind.
    requests: usize,
}

const FULL: Plan = Plan { spec_files: 2_000, code_files: 20_000, runs: 5, requests: 300 };
const SMOKE: Plan = Plan { spec_files: 30, code_files: 200, runs: 1, requests: 10 };

fn main() {
    let plan = if std::env::args().any(|a| a == "--bench") { FULL } else { SMOKE };
    let workspace = generator::code_workspace(11, plan.spec_files, plan.code_files);
    eprintln!("specls bench: workspace generated");
    let index = index_section(&workspace, &plan);
    let requests = request_section(&workspace, &plan);
    println!("{}{index}{requests}", machine());
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

/// What an indexer reads: the whole tree, or the source files alone.
#[derive(Clone, Copy)]
enum Scope {
    All,
    CodeOnly,
}

/// ripgrep over the same tree for the same key pattern, hidden folders included (specls reads
/// `.specify/` and `.kiro/`), `.gitignore` honoured as specls honours it. `None` without `rg`.
fn ripgrep(root: &Path, scope: Scope) -> Option<Duration> {
    let started = Instant::now();
    let mut command = Command::new("rg");
    command.args(["--hidden", "--count", "--glob", "!.git"]);
    if let Scope::CodeOnly = scope {
        command.args(["--glob", "!*.md"]);
    }
    let status = command
        .args(["-e", generator::ID_PATTERN])
        .arg(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    status.code().filter(|c| *c <= 1)?;
    Some(started.elapsed())
}

/// specls's own cold index in-process: walk, read, model every spec and every source file, and
/// build the workspace index (what the server does at `initialized`).
fn specls_index(root: &Path, scope: Scope) -> (Duration, usize, usize) {
    let started = Instant::now();
    let grammar = Grammar::builtin();
    let roots = vec![root.to_path_buf()];
    let mut options = WalkOptions { code: Some(CodeConfig::default()), ..WalkOptions::default() };
    if let Scope::CodeOnly = scope {
        options.filter = FileFilter::new(Vec::new(), vec!["**/*.md".into()]).expect("a valid glob");
    }
    let scanned = scan(&grammar, &roots, &roots, &options);
    let mut index = WorkspaceIndex::new(grammar.clone(), roots);
    for doc in scanned.docs {
        index.upsert(doc);
    }
    let elapsed = started.elapsed();
    let code = index.docs().filter(|d| d.model.kind == grammar.code_kind).count();
    let mentions = index.docs().filter(|d| d.model.kind == grammar.code_kind).map(|d| d.model.references.len()).sum();
    (elapsed, code, mentions)
}

fn index_section(workspace: &generator::Workspace, plan: &Plan) -> String {
    let root = workspace.root();
    // Warm the page cache once for both, so neither pays for the disk.
    let _ = ripgrep(root, Scope::All);
    let (_, code_docs, mentions) = specls_index(root, Scope::All);
    let mut rows = String::new();
    let mut verdict = "not measured (ripgrep not installed)";
    for (label, scope) in [("specs and code", Scope::All), ("code only", Scope::CodeOnly)] {
        let rg: Option<Vec<Duration>> = (0..plan.runs).map(|_| ripgrep(root, scope)).collect();
        let ours: Vec<Duration> = (0..plan.runs).map(|_| specls_index(root, scope).0).collect();
        let rg = rg.map(median);
        let ours = median(ours);
        let ratio = rg.map_or_else(|| "n/a".into(), |rg| format!("{:.2}×", ours.as_secs_f64() / rg.as_secs_f64()));
        if let (Scope::All, Some(rg)) = (scope, rg) {
            verdict = if ours.as_secs_f64() <= 2.0 * rg.as_secs_f64() { "met" } else { "NOT met" };
        }
        rows.push_str(&format!(
            "| {label} | {} | {} | {ratio} |\n",
            rg.map_or_else(|| "not installed".into(), ms),
            ms(ours)
        ));
    }
    eprintln!("specls bench: cold index done");
    let (server_end, server_message, peak) = server_cold_index(root);
    format!(
        "\n### Cold index: specs and code, beside ripgrep\n\n\
         {} Markdown files ({:.1} MB) and {} source files ({:.1} MB, {} citing keys); median of {} cold runs, page cache warm. \
         specls keeps {code_docs} code files holding {mentions} mentions.\n\n\
         | Tree | ripgrep `--count` of the key pattern | specls index (walk, read, model, index) | ratio |\n|---|---|---|---|\n{rows}\n\
         Through the server: initialized → `$/progress` end {} (server's own figure: {server_message}), peak RSS {}.\n\n\
         Target: specs and code ≤ 2× ripgrep: {verdict}.\n",
        workspace.files,
        workspace.bytes as f64 / 1e6,
        workspace.code.files,
        workspace.code.bytes as f64 / 1e6,
        workspace.code.citing,
        plan.runs,
        ms(server_end),
        kib(peak),
    )
}

fn server_cold_index(root: &Path) -> (Duration, String, Option<u64>) {
    let mut client = Client::start(root);
    let started = Instant::now();
    client.notify("initialized", json!({}));
    let (end_at, end) = client.wait(INDEX_TIMEOUT, is_indexing_end).expect("indexing finished");
    let message = end["params"]["value"]["message"].as_str().unwrap_or("n/a").to_string();
    let peak = client.peak_rss_kib();
    client.shutdown();
    (end_at - started, message, peak)
}

/// A request position: a file, a line and a column (UTF-16, the generated text is ASCII).
type Spot = (PathBuf, u32, u32);

/// Where requests point: mentions in code files and keys at their definitions in specs.
struct Targets {
    mentions: Vec<Spot>,
    definitions: Vec<Spot>,
}

/// Deterministic request positions: the first key of the first `n` citing code files, and the
/// first requirement of the first `n` specs.
fn targets(root: &Path, n: usize) -> Targets {
    let pattern = regex::Regex::new(generator::ID_PATTERN).expect("the generator's pattern compiles");
    let mut code: Vec<PathBuf> = Vec::new();
    for dir in ["src", "app", "tests", "web"] {
        collect(&root.join(dir), &mut code);
    }
    code.sort();
    let first_match = |path: &Path, re: &regex::Regex| -> Option<(u32, u32)> {
        let text = std::fs::read_to_string(path).ok()?;
        let m = re.find(&text)?;
        let line = text[..m.start()].matches('\n').count() as u32;
        let column = (m.start() - text[..m.start()].rfind('\n').map_or(0, |i| i + 1)) as u32;
        Some((line, column))
    };
    let mentions =
        code.iter().filter_map(|p| first_match(p, &pattern).map(|(l, c)| (p.clone(), l, c + 1))).take(n).collect();
    // A requirement's definition line (the generated specs also paste an `FR-999` into fenced code).
    let requirement = regex::Regex::new(r"(?m)^- \*\*FR-0\d\d\*\*").expect("pattern");
    let mut specs: Vec<PathBuf> = std::fs::read_dir(root.join("specs"))
        .expect("specs folder")
        .map(|e| e.expect("entry").path().join("spec.md"))
        .filter(|p| p.is_file())
        .collect();
    specs.sort();
    let definitions =
        specs.iter().filter_map(|p| first_match(p, &requirement).map(|(l, c)| (p.clone(), l, c + 5))).take(n).collect();
    Targets { mentions, definitions }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn request_section(workspace: &generator::Workspace, plan: &Plan) -> String {
    let root = workspace.root();
    let targets = targets(root, plan.requests);
    let mut client = Client::start(root);
    client.notify("initialized", json!({}));
    client.wait(INDEX_TIMEOUT, is_indexing_end).expect("indexing finished");
    let mut rows = String::new();
    let cases: [(&str, &str, &[Spot]); 4] = [
        ("definition from a code mention", "textDocument/definition", &targets.mentions),
        ("references of a requirement", "textDocument/references", &targets.definitions),
        ("hover on a code mention", "textDocument/hover", &targets.mentions),
        ("hover on a requirement", "textDocument/hover", &targets.definitions),
    ];
    let mut worst = Duration::ZERO;
    for (label, method, positions) in cases {
        let mut latencies: Vec<Duration> = Vec::with_capacity(positions.len());
        let mut answered = 0;
        for (path, line, character) in positions {
            let mut params = json!({
                "textDocument": { "uri": file_uri(path) },
                "position": { "line": line, "character": character },
            });
            if method == "textDocument/references" {
                params["context"] = json!({ "includeDeclaration": true });
            }
            let sent = Instant::now();
            let (at, reply) = client.request(method, params);
            latencies.push(at - sent);
            answered += usize::from(!reply["result"].is_null() && reply["result"] != json!([]));
        }
        latencies.sort();
        let pick = |p: f64| {
            let rank = ((p / 100.0) * latencies.len() as f64).ceil() as usize;
            latencies.get(rank.saturating_sub(1)).copied().unwrap_or_default()
        };
        worst = worst.max(pick(99.0));
        rows.push_str(&format!(
            "| {label} | {} | {answered} | {} | {} | {} | {} |\n",
            latencies.len(),
            ms(pick(50.0)),
            ms(pick(95.0)),
            ms(pick(99.0)),
            ms(latencies.last().copied().unwrap_or_default())
        ));
    }
    let peak = client.peak_rss_kib();
    client.shutdown();
    eprintln!("specls bench: requests done");
    let verdict = if worst <= Duration::from_millis(10) { "met" } else { "NOT met" };
    format!(
        "\n### Requests after indexing, through the server\n\n\
         Round trip from writing the request to reading its reply; the documents are not open.\n\n\
         | Request | Count | Answered | p50 | p95 | p99 | max |\n|---|---|---|---|---|---|---|\n{rows}\n\
         Server peak RSS: {}. Target: p99 ≤ 10 ms: {verdict}.\n",
        kib(peak)
    )
}
