//! The whole performance suite in one command (specs/008-benchmarks): edit latency and the cold
//! index of Markdown workspaces (`lsp_latency`), the code index beside ripgrep, the first
//! diagnostics during a cold index, the largest real corpus and every request kind's percentiles
//! (`code_index`), peak memory per workspace size against its budget, and peer Markdown language
//! servers driven by the same client (`peers`). Prints Markdown tables to stdout.
//!
//! `cargo bench -p specls --bench suite` runs the full plan (about 15 minutes on 2 cores);
//! `cargo bench -p specls --bench suite -- --quick` runs small workspaces in about a minute;
//! `-- --memory` runs the peak-memory table alone (with `--quick`, its small sizes).

#![allow(
    clippy::duplicate_mod,
    reason = "code_index and lsp_latency also run alone, each with its own client and generator"
)]

#[path = "client/mod.rs"]
mod client;
#[allow(dead_code, reason = "its main runs alone as `--bench code_index`")]
#[path = "code_index.rs"]
mod code_index;
#[path = "gen/mod.rs"]
mod generator;
#[allow(dead_code, reason = "its main runs alone as `--bench lsp_latency`")]
#[path = "lsp_latency.rs"]
mod lsp_latency;
#[path = "peers/mod.rs"]
mod peers;

use serde_json::json;

use client::{Client, INDEX_TIMEOUT, is_indexing_end, kib, machine};

fn main() {
    let full = client::full_run();
    if std::env::args().any(|a| a == "--memory") {
        println!("{}", memory_section(full));
    } else {
        println!("{}", report(full));
    }
}

/// Every table of the suite, after the machine's description: the full plan or the quick one.
pub fn report(full: bool) -> String {
    let started = std::time::Instant::now();
    let mode = if full { "full plan" } else { "quick plan (`-- --quick`)" };
    let mut out = format!("{}\nRun: {mode}.\n", machine());
    out.push_str(&code_index::report(full));
    out.push_str(&memory_section(full));
    out.push_str(&peers::report(full));
    out.push_str(&lsp_latency::report(full));
    out.push_str(&format!("\nSuite wall time: {:.0} s.\n", started.elapsed().as_secs_f64()));
    out
}

/// Peak RSS of the server once a cold index has finished, per workspace size, beside the text it
/// indexed and the budget of twice that text plus 50 MB.
fn memory_section(full: bool) -> String {
    let sizes: &[(usize, usize)] = if full { &[(200, 0), (2_000, 0), (2_000, 20_000)] } else { &[(30, 0), (30, 200)] };
    let mut rows = String::new();
    let mut missed = Vec::new();
    for &(specs, code) in sizes {
        let workspace = generator::code_workspace(13, specs, code);
        let text = workspace.bytes + workspace.code.bytes;
        let mut client = Client::start(workspace.root());
        client.notify("initialized", json!({}));
        client.wait(INDEX_TIMEOUT, is_indexing_end).expect("indexing finished");
        let peak = client.peak_rss_kib();
        client.shutdown();
        let budget_kib = (2 * text) / 1024 + 50 * 1024;
        let ratio = peak.map_or_else(|| "n/a".into(), |p| format!("{:.2}", p as f64 / budget_kib as f64));
        let label = format!("{specs} Markdown + {code} code files");
        if peak.is_some_and(|p| p > budget_kib) {
            missed.push(label.clone());
        }
        rows.push_str(&format!(
            "| {label} | {:.1} MB | {} | {} | {ratio} |\n",
            text as f64 / 1e6,
            kib(peak),
            kib(Some(budget_kib)),
        ));
        eprintln!("specls bench: memory of {label} done");
    }
    let verdict = if missed.is_empty() { "met".to_string() } else { format!("NOT met for {}", missed.join(", ")) };
    format!(
        "\n### Peak memory per workspace size\n\n\
         Server peak RSS (`VmHWM`) once the cold index has been merged, beside the text it indexed.\n\n\
         | Workspace | Indexed text | Peak RSS | Budget (2× text + 50 MB) | Peak / budget |\n|---|---|---|---|---|\n{rows}\n\
         Target: peak RSS ≤ 2× the indexed text + 50 MB: {verdict}.\n"
    )
}
