//! Soak: random edits and requests across a real corpus (a copy of ../shared/corpora, or a
//! generated workspace when it is absent) for a bounded time, with the server's resident memory
//! sampled from /proc. `SPECLS_SOAK_SECS` sets the duration (a short run by default).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::{Logged, rss_of, tail, write};

/// A small deterministic generator (xorshift64*), so a failing run can be repeated.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn markdown_under(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                found.push(path.strip_prefix(root).expect("under root").to_path_buf());
            }
        }
    }
    found.sort();
    found
}

/// The workspace to soak: the public corpora when present, else 200 generated features.
fn soak_workspace(dir: &Path) -> &'static str {
    let corpora = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora");
    if corpora.is_dir() {
        copy_tree(&corpora, dir);
        return "the public corpora";
    }
    for f in 0..200 {
        let ids: String = (1..20).map(|i| format!("- **FR-{i:03}**: System MUST do {f}.{i}.\n")).collect();
        write(
            dir,
            &format!("specs/{f:03}-f/spec.md"),
            format!("# Feature Specification: F{f}\n\n## Requirements\n\n{ids}"),
        );
        write(dir, &format!("specs/{f:03}-f/tasks.md"), "# Tasks\n\n- [ ] T001 [US1] Do per FR-001 and FR-404\n");
    }
    "a generated workspace"
}

const INSERTS: &[&str] = &[
    "- **FR-999**: System MUST soak.\n",
    "per FR-001 and US1 ",
    "## Requirements\n",
    "[NEEDS CLARIFICATION: x]",
    "```\n",
    "`",
    "[",
    "😀",
    "\n",
    "x",
];

/// Verifies specs/009-reliability/spec.md FR-013.
#[test]
fn random_edits_and_requests_over_a_corpus_keep_memory_flat() {
    let seconds: u64 = std::env::var("SPECLS_SOAK_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(15);
    let ws = tempfile::tempdir().expect("temp dir");
    let root = ws.path().to_path_buf();
    let source = soak_workspace(&root);
    let files = markdown_under(&root);
    assert!(!files.is_empty());
    let mut server = Logged::spawn(&root);
    let pid = server.client.process().expect("a process").id();
    server.client.initialize(&["utf-16"], true);
    server.wait_indexed();

    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let mut samples: Vec<u64> = Vec::new();
    let mut open: Vec<(String, i64, String)> = Vec::new();
    let (mut requests, mut edits) = (0u64, 0u64);
    let started = Instant::now();
    let mut next_sample = started;
    while started.elapsed() < Duration::from_secs(seconds) {
        if Instant::now() >= next_sample {
            samples.extend(rss_of(pid));
            next_sample += Duration::from_millis(250);
        }
        match rng.below(10) {
            // Open a file (at most eight at a time; the oldest is closed).
            0 => {
                let relative = files[rng.below(files.len())].to_string_lossy().into_owned();
                let uri = server.client.uri(&relative);
                if open.iter().any(|(u, _, _)| *u == uri) {
                    continue;
                }
                let text = std::fs::read_to_string(root.join(&relative)).unwrap_or_default();
                server.client.open_text(&uri, &text, 1);
                open.push((uri, 1, text));
                if open.len() > 8 {
                    let (uri, _, _) = open.remove(0);
                    server.client.notify("textDocument/didClose", json!({ "textDocument": { "uri": uri } }));
                }
            }
            // Edit an open document: insert or delete at a random line.
            1..=5 if !open.is_empty() => {
                let pick = rng.below(open.len());
                let insert = INSERTS[rng.below(INSERTS.len())];
                let (uri, version, text) = &mut open[pick];
                let lines = text.lines().count().max(1) as u32;
                let line = rng.below(lines as usize) as u32;
                *version += 1;
                let (end, new) = if rng.below(4) == 0 { ((line + 1, 0), "") } else { ((line, 0), insert) };
                server.client.change(uri, *version, (line, 0), end, new);
                // Keep a rough copy for line counts; exact text is the server's business here.
                text.push_str(new);
                edits += 1;
            }
            // Ask something about an open document or the workspace.
            _ => {
                let Some((uri, _, text)) = open.get(rng.below(open.len().max(1))) else { continue };
                let line = rng.below(text.lines().count().max(1));
                let position = json!({ "line": line, "character": rng.below(12) });
                let document = json!({ "uri": uri });
                let (method, params) = match rng.below(8) {
                    0 => ("textDocument/hover", json!({ "textDocument": document, "position": position })),
                    1 => ("textDocument/definition", json!({ "textDocument": document, "position": position })),
                    2 => (
                        "textDocument/references",
                        json!({ "textDocument": document, "position": position, "context": { "includeDeclaration": true } }),
                    ),
                    3 => ("textDocument/documentSymbol", json!({ "textDocument": document })),
                    4 => ("textDocument/diagnostic", json!({ "textDocument": document })),
                    5 => ("textDocument/completion", json!({ "textDocument": document, "position": position })),
                    6 => ("textDocument/semanticTokens/full", json!({ "textDocument": document })),
                    _ => ("workspace/symbol", json!({ "query": "FR-00" })),
                };
                let answer = server.request(method, params);
                assert!(answer.get("error").is_none_or(|e| e["code"] == -32800), "{method}: {answer}");
                requests += 1;
            }
        }
    }
    samples.extend(rss_of(pid));
    let log = server.log();
    assert!(!log.contains("panicked"), "the server panicked:\n{}", tail(&log));
    assert!(server.client.shutdown());

    // Past the warm-up (the first fifth), the last third may not rise much above the middle.
    let warm = &samples[samples.len() / 5..];
    let third = warm.len() / 3;
    let middle = warm[third..2 * third].iter().copied().max().unwrap_or(0);
    let last = warm[2 * third..].iter().copied().max().unwrap_or(0);
    let first = samples.first().copied().unwrap_or(0);
    eprintln!(
        "soak over {source} ({} files): {seconds} s, {requests} requests, {edits} edits, RSS KiB first {first}, middle max {middle}, last max {last}, samples {}",
        files.len(),
        samples.len()
    );
    assert!(last <= middle + middle / 4 + 16 * 1024, "resident memory grows: middle {middle} KiB, last {last} KiB");
}
