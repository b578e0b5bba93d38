//! Peer Markdown language servers beside specls on one generated workspace, driven by the same
//! client (`client::Client::spawn`): cold load and definition/references latency.
//!
//! The workspace is the Spec Kit one of `generator::workspace` with, in every `plan.md`, a
//! Markdown link to one hub document (`docs/governance.md`); every plan already cites
//! `Principle I` of the constitution. Both are a cross-file reference with one mention per plan,
//! so each server gets the workload it understands:
//!
//! - specls: definition from `Principle I` in a plan, references of the principle's heading;
//! - a peer: definition from the link in a plan, references of the hub's title.
//!
//! Cold load is the time from starting the process to the first complete workspace-wide answer:
//! references of the hub (or the principle) asked every 20 ms after `initialized` until the answer
//! lists every plan's mention. A peer that is not on `PATH` is skipped with its install command.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::client::{Client, Latencies, SERVER, file_uri, ms};
use super::generator;

const HUB: &str = "docs/governance.md";
const HUB_TEXT: &str = "# Governance\n\nHow the features of this workspace are reviewed and approved.\n";
const LINK_LINE: &str = "Governed by [the governance notes](../../docs/governance.md).";
const PRINCIPLE_MENTION: &str = "Passes Principle I";
/// How long a cold load may take before the peer counts as not answering.
const COLD_LIMIT: Duration = Duration::from_secs(300);

/// A server under test: how to start it, and what its cold load and requests point at.
struct Peer {
    name: &'static str,
    program: &'static str,
    args: &'static [&'static str],
    install: &'static str,
    /// Understands spec keys (specls) rather than Markdown links.
    keys: bool,
}

const PEERS: &[Peer] = &[
    Peer { name: "specls", program: SERVER, args: &[], install: "", keys: true },
    Peer { name: "iwes", program: "iwes", args: &[], install: "`cargo install iwes`", keys: false },
    Peer {
        name: "markdown-oxide",
        program: "markdown-oxide",
        args: &[],
        install: "not on the crate registry: `cargo install --locked --git` with its source repository",
        keys: false,
    },
];

/// The VS Code Markdown server needs client-side requests a plain LSP client does not answer.
const NOT_DRIVABLE: &str = "vscode-markdown-languageserver (npm) is not driven: it asks the client to parse Markdown \
     (`markdown/parse`, markdown-it tokens) and to read the workspace (`markdown/fs/*`), so only an editor that \
     implements those requests can run it.";

struct Plan {
    files: usize,
    requests: usize,
}

pub fn report(full: bool) -> String {
    let plan = if full { Plan { files: 2_000, requests: 200 } } else { Plan { files: 60, requests: 20 } };
    let workspace = generator::workspace(17, plan.files);
    let plans = link_plans(workspace.root());
    let mut rows = String::new();
    let mut baseline: Option<Figures> = None;
    let mut skipped = String::new();
    for peer in PEERS {
        let Some(program) = locate(peer.program) else {
            skipped.push_str(&format!("- {}: not on `PATH` ({}), skipped.\n", peer.name, peer.install));
            continue;
        };
        let figures = measure(peer, &program, workspace.root(), &plans, &plan);
        eprintln!("specls bench: peer {} done", peer.name);
        let ratio = |ours: Option<Duration>, theirs: Option<Duration>| match (ours, theirs) {
            (Some(o), Some(t)) if o > Duration::ZERO => format!("{:.1}×", t.as_secs_f64() / o.as_secs_f64()),
            _ => "n/a".into(),
        };
        let base = baseline.as_ref();
        rows.push_str(&format!(
            "| {} | {} ({}/{} mentions) | {} | {} | {} | {} | {} | {} |\n",
            peer.name,
            figures.cold.map_or_else(|| "no complete answer".into(), ms),
            figures.mentions,
            plans.len(),
            ratio(base.and_then(|b| b.cold), figures.cold),
            figures.definition.cells_short(),
            ratio(base.map(|b| b.definition.percentile(99.0)), Some(figures.definition.percentile(99.0))),
            figures.references.cells_short(),
            ratio(base.map(|b| b.references.percentile(99.0)), Some(figures.references.percentile(99.0))),
            figures.answered,
        ));
        if baseline.is_none() {
            baseline = Some(figures);
        }
    }
    format!(
        "\n### Peers on the same Markdown workspace\n\n\
         {} Markdown files; {} plans each cite `Principle I` of the constitution (specls's cross-file reference) \
         and link `{HUB}` (the peers'). Cold load: process start → first references answer listing every plan's \
         mention (asked every 20 ms after `initialized`). Definition from a plan's mention, references of the \
         principle's heading or the hub's title; {} of each, through the same client. Ratios are the peer's time \
         over specls's (higher is slower).\n\n\
         | Server | Cold load | ratio | definition p50 / p95 / p99 | p99 ratio | references p50 / p95 / p99 | p99 ratio | answered |\n\
         |---|---|---|---|---|---|---|---|\n{rows}\n{skipped}- {NOT_DRIVABLE}\n",
        workspace.files + 1,
        plans.len(),
        plan.requests,
    )
}

/// Add the hub link to every plan and write the hub; returns the plans.
fn link_plans(root: &Path) -> Vec<PathBuf> {
    let mut plans: Vec<PathBuf> = std::fs::read_dir(root.join("specs"))
        .expect("specs folder")
        .map(|e| e.expect("entry").path().join("plan.md"))
        .filter(|p| p.is_file())
        .collect();
    plans.sort();
    for plan in &plans {
        let mut text = std::fs::read_to_string(plan).expect("read a plan");
        text.push_str(&format!("\n## Governance\n\n{LINK_LINE}\n"));
        std::fs::write(plan, text).expect("write a plan");
    }
    let hub = root.join(HUB);
    std::fs::create_dir_all(hub.parent().expect("the hub is in a folder")).expect("create docs");
    std::fs::write(hub, HUB_TEXT).expect("write the hub");
    plans
}

/// `program` itself when it is a path, else the first match on `PATH`.
fn locate(program: &str) -> Option<PathBuf> {
    let path = Path::new(program);
    if path.is_absolute() {
        return path.is_file().then(|| path.to_path_buf());
    }
    std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(program)).find(|p| p.is_file())
}

struct Figures {
    cold: Option<Duration>,
    /// Mentions listed by the last cold-load answer.
    mentions: usize,
    definition: Latencies,
    references: Latencies,
    /// Non-empty answers to the timed requests.
    answered: String,
}

impl Latencies {
    fn cells_short(&self) -> String {
        format!("{} / {} / {}", ms(self.percentile(50.0)), ms(self.percentile(95.0)), ms(self.percentile(99.0)))
    }
}

/// Line and column (UTF-16; the text is ASCII) of `needle` in `path`, plus `shift` columns.
fn position_of(path: &Path, needle: &str, shift: usize) -> Value {
    let text = std::fs::read_to_string(path).expect("read a generated file");
    let at = text.find(needle).unwrap_or_else(|| panic!("{needle:?} in {}", path.display()));
    let line = text[..at].matches('\n').count();
    let column = at - text[..at].rfind('\n').map_or(0, |i| i + 1) + shift;
    json!({ "textDocument": { "uri": file_uri(path) }, "position": { "line": line, "character": column } })
}

/// The plans' mentions in a references answer (the declaration, when listed, is not counted).
fn plan_mentions(reply: &Value) -> usize {
    reply["result"]
        .as_array()
        .map_or(0, |l| l.iter().filter(|l| l["uri"].as_str().is_some_and(|u| u.ends_with("/plan.md"))).count())
}

fn measure(peer: &Peer, program: &Path, root: &Path, plans: &[PathBuf], plan: &Plan) -> Figures {
    // Definition sites: the mention in each plan; references target: the principle or the hub.
    let (mention, mention_shift) = if peer.keys { (PRINCIPLE_MENTION, 17) } else { ("[the governance notes]", 2) };
    let target = if peer.keys {
        position_of(&root.join(".specify/memory/constitution.md"), "### I. Library-First", 4)
    } else {
        position_of(&root.join(HUB), "# Governance", 2)
    };
    let mut references_params = target.clone();
    // With the declaration: iwes answers nothing without it.
    references_params["context"] = json!({ "includeDeclaration": true });

    let mut command = Command::new(program);
    command.args(peer.args).current_dir(root).stderr(Stdio::null());
    if peer.keys {
        command.env("SPECLS_LOG", "warn");
    }
    let started = Instant::now();
    let mut client = Client::spawn(command, root, Value::Null);
    client.notify("initialized", json!({}));
    let mut cold = None;
    let mut mentions = 0;
    while started.elapsed() < COLD_LIMIT {
        let Some((at, reply)) = client.request_within("textDocument/references", references_params.clone(), COLD_LIMIT)
        else {
            break;
        };
        mentions = plan_mentions(&reply);
        if mentions >= plans.len() {
            cold = Some(at - started);
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }

    let (mut definition, mut references) = (Latencies::default(), Latencies::default());
    let (mut defined, mut referenced) = (0, 0);
    for n in 0..plan.requests {
        let params = position_of(&plans[n % plans.len()], mention, mention_shift);
        let sent = Instant::now();
        if let Some((at, reply)) = client.request_within("textDocument/definition", params, COLD_LIMIT) {
            definition.0.push(at - sent);
            defined += usize::from(!reply["result"].is_null() && reply["result"] != json!([]));
        }
        let sent = Instant::now();
        if let Some((at, reply)) =
            client.request_within("textDocument/references", references_params.clone(), COLD_LIMIT)
        {
            references.0.push(at - sent);
            referenced += usize::from(plan_mentions(&reply) >= plans.len());
        }
    }
    client.stop();
    Figures {
        cold,
        mentions,
        definition,
        references,
        answered: format!("{defined}/{n} definitions, {referenced}/{n} complete references", n = plan.requests),
    }
}
