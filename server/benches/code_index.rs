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
    println!("{}{}", machine(), report(client::full_run()));
}

/// The tables of this bench: the full plan or the smoke run.
pub fn report(full: bool) -> String {
    let plan = if full { FULL } else { SMOKE };
    let workspace = generator::code_workspace(11, plan.spec_files, plan.code_files);
    eprintln!("specls bench: workspace generated");
    let index = index_section(&workspace, &plan);
    let first = first_diagnostics_section(&workspace);
    let corpus = corpus_section(&plan);
    let requests = request_section(&workspace, &plan);
    format!("{index}{first}{corpus}{requests}")
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

/// `runs` runs of ripgrep over `scope` and of `ours`, alternating, so that a slow spell of the
/// machine falls on both: ripgrep's median (`None` without ripgrep) and what `ours` gave.
fn side_by_side<T>(runs: usize, root: &Path, scope: Scope, mut ours: impl FnMut() -> T) -> (Option<Duration>, Vec<T>) {
    let (mut rg, mut out) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        rg.push(ripgrep(root, scope));
        out.push(ours());
    }
    (rg.into_iter().collect::<Option<Vec<_>>>().map(median), out)
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
    index.extend(scanned.docs);
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
    let mut verdicts = Vec::new();
    let mut row = |label: &str, rg: Option<Duration>, ours: Duration| {
        let ratio = rg.map_or_else(|| "n/a".into(), |rg| format!("{:.2}×", ours.as_secs_f64() / rg.as_secs_f64()));
        rows.push_str(&format!(
            "| {label} | {} | {} | {ratio} |\n",
            rg.map_or_else(|| "not installed".into(), ms),
            ms(ours)
        ));
        match rg {
            Some(rg) if ours.as_secs_f64() <= 2.0 * rg.as_secs_f64() => "met",
            Some(_) => "NOT met",
            None => "not measured (ripgrep not installed)",
        }
    };
    for (label, scope) in [("specs and code", Scope::All), ("code only", Scope::CodeOnly)] {
        let (rg, ours) = side_by_side(plan.runs, root, scope, || specls_index(root, scope).0);
        let verdict = row(label, rg, median(ours));
        if let Scope::All = scope {
            verdicts.push(format!("in-process {verdict}"));
        }
    }
    eprintln!("specls bench: cold index done");
    // As the user waits for it: a fresh server each run, from `initialized` to the end of its
    // `$/progress`, when the index holds the scan.
    let (rg, runs) = side_by_side(plan.runs, root, Scope::All, || server_cold_index(root));
    let server = median(runs.iter().map(|(end, _, _)| *end).collect());
    let message = runs.last().map_or_else(String::new, |(_, message, _)| message.clone());
    let peak = runs.iter().filter_map(|(_, _, peak)| *peak).max();
    verdicts.push(format!("through the server {}", row("specs and code, through the server", rg, server)));
    eprintln!("specls bench: cold index through the server done");
    format!(
        "\n### Cold index: specs and code, beside ripgrep\n\n\
         {} Markdown files ({:.1} MB) and {} source files ({:.1} MB, {} citing keys); median of {} cold runs of each, \
         alternating with ripgrep, page cache warm. specls keeps {code_docs} code files holding {mentions} mentions. \
         In-process: walk, read, model and index in this process; through the server: initialized → `$/progress` end \
         of a fresh `specls` (its own figure in the last run: {message}), peak RSS {}.\n\n\
         | Tree | ripgrep `--count` of the key pattern | specls index | ratio |\n|---|---|---|---|\n{rows}\n\
         Target: specs and code ≤ 2× ripgrep: {}.\n",
        workspace.files,
        workspace.bytes as f64 / 1e6,
        workspace.code.files,
        workspace.code.bytes as f64 / 1e6,
        workspace.code.citing,
        plan.runs,
        kib(peak),
        verdicts.join(", "),
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
    /// Requirement keys in specs, task lines and `FR-` mentions in code files that are opened first.
    open_specs: Vec<Spot>,
    open_tasks: Vec<Spot>,
    open_code: Vec<Spot>,
}

/// How many documents of each kind are open for completion and code actions.
const OPEN: usize = 20;

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
    let definitions: Vec<Spot> =
        specs.iter().filter_map(|p| first_match(p, &requirement).map(|(l, c)| (p.clone(), l, c + 5))).take(n).collect();
    let requirement_mention = regex::Regex::new(r"\bFR-\d{3}\b").expect("pattern");
    let open_code = code
        .iter()
        .filter_map(|p| first_match(p, &requirement_mention).map(|(l, c)| (p.clone(), l, c)))
        .take(OPEN)
        .collect();
    let open_specs: Vec<Spot> = definitions.iter().take(OPEN).map(|(p, l, _)| (p.clone(), *l, 4)).collect();
    let task = regex::Regex::new(r"(?m)^- \[ \] T003").expect("pattern");
    let open_tasks = open_specs
        .iter()
        .map(|(p, _, _)| p.with_file_name("tasks.md"))
        .filter_map(|p| first_match(&p, &task).map(|(l, c)| (p, l, c)))
        .collect();
    Targets { mentions, definitions, open_specs, open_tasks, open_code }
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

/// The largest real corpus under `../shared/corpora` (by bytes), or why there is none.
fn largest_corpus() -> Result<PathBuf, String> {
    let corpora = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora");
    let entries = std::fs::read_dir(&corpora).map_err(|_| format!("{} is absent", corpora.display()))?;
    let mut sized: Vec<(u64, PathBuf)> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .map(|p| {
            let mut files = Vec::new();
            collect(&p, &mut files);
            (files.iter().filter_map(|f| f.metadata().ok()).map(|m| m.len()).sum(), p)
        })
        .collect();
    sized.sort();
    sized.pop().map(|(_, p)| p).ok_or_else(|| format!("{} holds no corpus", corpora.display()))
}

/// Cold index of the largest real corpus beside ripgrep, as for the generated tree.
fn corpus_section(plan: &Plan) -> String {
    let root = match largest_corpus() {
        Ok(root) => root,
        Err(why) => return format!("\n### Cold index of the largest real corpus\n\nSkipped: {why}.\n"),
    };
    let mut files = Vec::new();
    collect(&root, &mut files);
    let bytes: u64 = files.iter().filter_map(|f| f.metadata().ok()).map(|m| m.len()).sum();
    let _ = ripgrep(&root, Scope::All);
    let (_, code_docs, mentions) = specls_index(&root, Scope::All);
    let rg: Option<Vec<Duration>> = (0..plan.runs).map(|_| ripgrep(&root, Scope::All)).collect();
    let ours = median((0..plan.runs).map(|_| specls_index(&root, Scope::All).0).collect());
    let rg = rg.map(median);
    let ratio = rg.map_or_else(|| "n/a".into(), |rg| format!("{:.2}×", ours.as_secs_f64() / rg.as_secs_f64()));
    eprintln!("specls bench: corpus done");
    format!(
        "\n### Cold index of the largest real corpus\n\n\
         `{}`: {} files, {:.1} MB; specls keeps {code_docs} code files holding {mentions} mentions; median of {} runs, page cache warm.\n\n\
         | ripgrep `--count` of the key pattern | specls index | ratio |\n|---|---|---|\n| {} | {} | {ratio} |\n",
        root.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        files.len(),
        bytes as f64 / 1e6,
        plan.runs,
        rg.map_or_else(|| "not installed".into(), ms),
        ms(ours),
    )
}

/// `didOpen` of a spec right after `initialized`, while the cold index runs: when its first
/// diagnostics arrive, beside when the index is complete.
fn first_diagnostics_section(workspace: &generator::Workspace) -> String {
    let root = workspace.root();
    let mut specs: Vec<PathBuf> = std::fs::read_dir(root.join("specs"))
        .expect("specs folder")
        .map(|e| e.expect("entry").path().join("spec.md"))
        .collect();
    specs.sort();
    let uri = file_uri(&specs[0]);
    let text = std::fs::read_to_string(&specs[0]).expect("read a generated spec");
    let mut client = Client::start(root);
    let started = Instant::now();
    client.notify("initialized", json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "markdown", "version": 1, "text": text } }),
    );
    let is_first =
        |m: &serde_json::Value| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri.as_str();
    let (mut first, mut end) = (None, None);
    while first.is_none() || end.is_none() {
        let Some((at, message)) = client.wait(INDEX_TIMEOUT, |m| is_first(m) || is_indexing_end(m)) else { break };
        if is_indexing_end(&message) {
            end.get_or_insert(at - started);
        } else {
            first.get_or_insert(at - started);
        }
    }
    client.shutdown();
    eprintln!("specls bench: first diagnostics done");
    let verdict = match (first, end) {
        (Some(first), Some(end)) if first < end => "met: the open document does not wait for the index",
        (Some(_), Some(_)) => "NOT met: the first diagnostics came after the whole index",
        _ => "not measured (a message never came)",
    };
    let show = |d: Option<Duration>| d.map_or_else(|| "never".into(), ms);
    format!(
        "\n### First diagnostics during the cold index\n\n\
         `didOpen` of a spec right after `initialized`, in the {}-file workspace.\n\n\
         | initialized → first diagnostics of the open spec | initialized → `$/progress` end |\n|---|---|\n| {} | {} |\n\n\
         Target: first diagnostics do not wait for the whole index: {verdict}.\n",
        workspace.files + workspace.code.files,
        show(first),
        show(end),
    )
}

/// The request parameters of one row of the request table.
struct Case {
    label: &'static str,
    method: &'static str,
    params: Vec<serde_json::Value>,
}

fn at(spot: &Spot, column_shift: u32) -> serde_json::Value {
    let (path, line, character) = spot;
    json!({ "textDocument": { "uri": file_uri(path) }, "position": { "line": line, "character": character + column_shift } })
}

/// Requests of every kind the targets ask for, `n` of each, over the positions of `targets`.
fn cases(targets: &Targets, n: usize) -> Vec<Case> {
    let cycle = |spots: &[Spot], make: &dyn Fn(&Spot) -> serde_json::Value| -> Vec<serde_json::Value> {
        spots.iter().cycle().take(n).map(make).collect()
    };
    let references = |s: &Spot| {
        let mut p = at(s, 0);
        p["context"] = json!({ "includeDeclaration": true });
        p
    };
    // The line of the spot, as a range: the actions of whatever the line holds.
    let line_range = |s: &Spot| {
        let (path, line, _) = s;
        json!({
            "textDocument": { "uri": file_uri(path) },
            "range": { "start": { "line": line, "character": 0 }, "end": { "line": line + 1, "character": 0 } },
            "context": { "diagnostics": [] }
        })
    };
    let document = |s: &Spot| json!({ "textDocument": { "uri": file_uri(&s.0) } });
    const QUERIES: [&str; 6] = ["FR-001", "export", "SC-002", "US1", "invoice", "T004"];
    vec![
        Case {
            label: "definition from a code mention",
            method: "textDocument/definition",
            params: cycle(&targets.mentions, &|s| at(s, 0)),
        },
        Case {
            label: "references of a requirement",
            method: "textDocument/references",
            params: cycle(&targets.definitions, &references),
        },
        Case {
            label: "hover on a code mention",
            method: "textDocument/hover",
            params: cycle(&targets.mentions, &|s| at(s, 0)),
        },
        Case {
            label: "hover on a requirement",
            method: "textDocument/hover",
            params: cycle(&targets.definitions, &|s| at(s, 0)),
        },
        Case {
            label: "completion of a key prefix (open code)",
            method: "textDocument/completion",
            params: cycle(&targets.open_code, &|s| at(s, 4)),
        },
        Case {
            label: "completion in a requirement (open spec)",
            method: "textDocument/completion",
            params: cycle(&targets.open_specs, &|s| at(s, 3)),
        },
        Case {
            label: "code actions on a task line (open tasks)",
            method: "textDocument/codeAction",
            params: cycle(&targets.open_tasks, &line_range),
        },
        Case {
            label: "code actions on a requirement line (open spec)",
            method: "textDocument/codeAction",
            params: cycle(&targets.open_specs, &line_range),
        },
        Case {
            label: "document symbols of a spec",
            method: "textDocument/documentSymbol",
            params: cycle(&targets.definitions, &document),
        },
        Case {
            label: "workspace symbols",
            method: "workspace/symbol",
            params: QUERIES.iter().cycle().take(n).map(|q| json!({ "query": q })).collect(),
        },
    ]
}

fn request_section(workspace: &generator::Workspace, plan: &Plan) -> String {
    let root = workspace.root();
    let targets = targets(root, plan.requests);
    let mut client = Client::start(root);
    client.notify("initialized", json!({}));
    client.wait(INDEX_TIMEOUT, is_indexing_end).expect("indexing finished");
    // Completion and code actions act on what the editor shows: those documents are open.
    for (path, _, _) in targets.open_specs.iter().chain(&targets.open_tasks).chain(&targets.open_code) {
        let uri = file_uri(path);
        let text = std::fs::read_to_string(path).expect("read a generated file");
        let language = match path.extension().and_then(|e| e.to_str()) {
            Some("md") => "markdown",
            Some("rs") => "rust",
            Some("py") => "python",
            _ => "typescript",
        };
        client.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": language, "version": 1, "text": text } }),
        );
        client.wait_diagnostics(&uri, 1, client::REPLY_TIMEOUT);
    }
    let mut rows = String::new();
    let mut worst = Duration::ZERO;
    for case in cases(&targets, plan.requests) {
        let mut latencies = client::Latencies::default();
        let mut answered = 0;
        for params in case.params {
            let sent = Instant::now();
            let (at, reply) = client.request(case.method, params);
            latencies.0.push(at - sent);
            let result = &reply["result"];
            let empty = result.is_null()
                || result.as_array().is_some_and(Vec::is_empty)
                || result["items"].as_array().is_some_and(Vec::is_empty);
            answered += usize::from(!empty);
        }
        worst = worst.max(latencies.percentile(99.0));
        rows.push_str(&format!("| {} | {} | {answered} | {} |\n", case.label, latencies.0.len(), latencies.cells()));
    }
    let peak = client.peak_rss_kib();
    client.shutdown();
    eprintln!("specls bench: requests done");
    let verdict = if worst <= Duration::from_millis(10) { "met" } else { "NOT met" };
    format!(
        "\n### Requests after indexing, through the server\n\n\
         Round trip from writing the request to reading its reply, in the {}-file workspace. Definition, references, \
         hover and symbols are asked of documents that are not open; completion and code actions of {} open specs, \
         {} open task lists and {} open code files.\n\n\
         | Request | Count | Answered | p50 | p95 | p99 | max |\n|---|---|---|---|---|---|---|\n{rows}\n\
         Server peak RSS: {}. Target: p99 ≤ 10 ms for every request: {verdict} (worst p99 {}).\n",
        workspace.files + workspace.code.files,
        targets.open_specs.len(),
        targets.open_tasks.len(),
        targets.open_code.len(),
        kib(peak),
        ms(worst),
    )
}
