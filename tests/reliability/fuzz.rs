//! Fuzz targets, driven by proptest: (a) Markdown and source bytes through the whole model and
//! diagnostics pipeline, (b) incremental edit sequences against a fresh parse, (c) test results
//! ingestion, (d) JSON-RPC message sequences, valid and not, against the real server.
//!
//! `SPECLS_FUZZ_CASES` sets the cases per target (CI raises it for a bounded run; the session
//! target runs a fiftieth of them). Failing inputs proptest finds are kept in `fuzz.regressions`
//! beside this file and replayed first on every run; inputs that once crashed are also fixed
//! tests at the bottom.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde_json::json;
use specls::analysis::{IndexedDoc, WorkspaceIndex, diagnostics, document_symbols};
use specls::model::{self, Grammar};
use specls::syntax;
use specls::text::{Document, Position, PositionEncoding};

use crate::support::nameable;

use crate::support::Client;

/// Cases per target: `SPECLS_FUZZ_CASES` divided by `cost` (a session costs more than a parse),
/// or a count that keeps the normal test run short.
fn cases(default: u32, cost: u32) -> u32 {
    std::env::var("SPECLS_FUZZ_CASES").ok().and_then(|v| v.parse::<u32>().ok()).map_or(default, |n| (n / cost).max(1))
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    }
}

/// Pieces of the syntax specs are written in, and of what breaks parsers.
const MARKDOWN: &[&str] = &[
    "# Feature Specification: X\n",
    "## Requirements\n",
    "### Functional Requirements\n",
    "### Requirement: Thing\n",
    "#### Scenario: S\n",
    "## ADDED Requirements\n",
    "### User Story 1 - A (Priority: P1)\n",
    "- **FR-001**: System MUST x.\n",
    "- **SC-001**: y\n",
    "- [ ] T001 [P] [US1] y per FR-002 in src/a.rs\n",
    "- [x] 1.1 Task\n  - _Requirements: 1.1, 2.3_\n",
    "1. WHEN a THEN the system SHALL b\n",
    "[NEEDS CLARIFICATION: why?]",
    "---\ntitle: x\n---\n",
    "```\n",
    "~~~rust\n",
    "    indented\n",
    "> ",
    "- ",
    "1. ",
    "  ",
    "\t",
    "| a | b |\n|---|---|\n",
    "<!-- c -->",
    "<div>\n",
    "[",
    "]",
    "](",
    "`",
    "``",
    "*",
    "_",
    "<",
    "\\",
    "[x]: ./y.md\n",
    "[link](spec.md#fr-001)",
    "FR-001",
    "US1",
    "\r\n",
    "\r",
    "\n",
    "\0",
    "😀",
    "\u{2028}",
    "\u{feff}",
    "x",
];

fn markdown() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(prop::sample::select(MARKDOWN), 0..64).prop_map(|p| p.concat().into_bytes()),
        prop::collection::vec(any::<u8>(), 0..512),
        (prop::sample::select(MARKDOWN), 1..500usize).prop_map(|(unit, n)| unit.repeat(n).into_bytes()),
    ]
}

/// Where a document may sit: each path picks a different kind, format or language.
const PATHS: &[&str] = &[
    "specs/001-x/spec.md",
    "specs/001-x/tasks.md",
    "specs/001-x/plan.md",
    ".specify/memory/constitution.md",
    ".kiro/specs/x/requirements.md",
    ".kiro/specs/x/tasks.md",
    ".kiro/steering/product.md",
    "openspec/changes/add-x/specs/y/spec.md",
    "openspec/specs/y/spec.md",
    "AGENTS.md",
    "notes.md",
    "src/lib.rs",
    "tests/test_x.py",
    "web/x.test.ts",
];

/// Target (a): model and diagnose `bytes` as every kind of document, beside a second document
/// that refers to it; the symbols and diagnostics must stay inside the text.
pub fn markdown_pipeline(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let grammar = Grammar::builtin();
    let root = PathBuf::from("/ws");
    for relative in PATHS {
        let path = root.join(relative);
        let model = model::model_file(&grammar, &path, relative, &text);
        for symbol in document_symbols(&model, &text).symbols {
            assert!(symbol.range.end <= text.len() && symbol.range.start <= symbol.range.end, "{relative}");
        }
        let mut index = WorkspaceIndex::new(grammar.clone(), vec![root.clone()]);
        index.upsert(IndexedDoc::new(model, Arc::from(text.as_ref())));
        let other = root.join("specs/001-x/other.md");
        let other_text = "# Tasks\n\n- [ ] T001 per FR-001 and US1\n";
        let other_model = model::from_text(&grammar, &other, "specs/001-x/other.md", other_text);
        index.upsert(IndexedDoc::new(other_model, Arc::from(other_text)));
        for diagnostic in diagnostics(&index, &path) {
            assert!(diagnostic.range.end <= text.len(), "{relative}: {diagnostic:?}");
        }
        let _ = diagnostics(&index, &other);
    }
}

/// An edit as fractions of the current text, so it applies to any length.
#[derive(Clone, Debug)]
pub struct Edit {
    start: f64,
    len: f64,
    insert: String,
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let edit = (0.0..=1.0f64, 0.0..=0.4f64, prop::collection::vec(prop::sample::select(MARKDOWN), 0..4))
        .prop_map(|(start, len, parts)| Edit { start, len, insert: parts.concat() });
    prop::collection::vec(edit, 1..24)
}

/// The UTF-8 position (line, byte column) of a byte offset; lines end at `\n`, `\r\n` or `\r`,
/// as the rope counts them.
fn position(text: &str, offset: usize) -> Position {
    let before = &text[..offset];
    let breaks = before.match_indices(['\n', '\r']).filter(|(i, s)| !(*s == "\r" && text[i + 1..].starts_with('\n')));
    let (mut line, mut start) = (0, 0);
    for (i, _) in breaks {
        line += 1;
        start = i + 1;
    }
    Position { line, character: (offset - start) as u32 }
}

/// Target (b): apply `edits` to a document and its block tree, reparsing incrementally after
/// each; the text must equal the same edits applied to a string, and the tree and outline must
/// equal a fresh parse of that text.
pub fn incremental_matches_fresh(initial: &str, edits: &[Edit]) {
    let mut doc = Document::new(initial);
    let mut expected = initial.to_string();
    let mut tree = syntax::parse_blocks(doc.rope(), None);
    for edit in edits {
        let start = nameable(&expected, (edit.start * expected.len() as f64) as usize);
        let end = nameable(&expected, start + (edit.len * expected.len() as f64) as usize).max(start);
        let range = (position(&expected, start), position(&expected, end));
        let byte_edit = doc.apply_change(Some(range), &edit.insert, PositionEncoding::Utf8);
        expected.replace_range(start..end, &edit.insert);
        syntax::edit_tree(&mut tree, &byte_edit);
        tree = syntax::parse_blocks(doc.rope(), Some(&tree));
    }
    assert_eq!(doc.text(), expected);
    let fresh = syntax::parse_blocks(doc.rope(), None);
    // tree-sitter's error recovery (here only around NUL bytes) may settle differently when it
    // reuses subtrees; a text it parses without errors must give the same tree either way.
    if fresh.root_node().has_error() {
        return;
    }
    assert_eq!(tree.root_node().to_sexp(), fresh.root_node().to_sexp(), "block trees of {expected:?}");
    assert_eq!(syntax::outline(&tree, expected.len()), syntax::outline(&fresh, expected.len()));
}

const XML: &[&str] = &[
    "<?xml version=\"1.0\"?>",
    "<!DOCTYPE x [<!ENTITY a \"&b;&b;\">]>",
    "<testsuites>",
    "</testsuites>",
    "<testsuite name=\"s\" tests=\"99999999999999999999\">",
    "</testsuite>",
    "<testcase name=\"t\" classname=\"c\" time=\"-1e999\" line=\"-5\" file=\"../../etc/passwd\">",
    "<testcase name=\"FR-001 works\"/>",
    "</testcase>",
    "<failure message=\"m\" type=\"t\">",
    "</failure>",
    "<error/>",
    "<skipped/>",
    "<properties><property name=\"requirement\" value=\"FR-001, FR-002\"/></properties>",
    "<system-out><![CDATA[",
    "]]></system-out>",
    "&a;",
    "&amp;",
    "&#xFFFFFFFF;",
    "&#0;",
    "<!-- c -->",
    "<",
    ">",
    "\"",
    "=",
    "x",
    "\n",
    "{\"type\":\"test\",\"event\":\"failed\",\"name\":\"a::b\",\"stdout\":\"thread panicked at src/a.rs:1:2\"}\n",
    "{\"type\":\"test\",\"event\":\"ok\",\"name\":\"FR-001\"}\n",
    "{\"type\":",
];

fn xml() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(prop::sample::select(XML), 0..64).prop_map(|p| p.concat().into_bytes()),
        prop::collection::vec(any::<u8>(), 0..512),
        (prop::sample::select(XML), 1..2_000usize).prop_map(|(unit, n)| unit.repeat(n).into_bytes()),
    ]
}

/// Target (c): read `bytes` as JUnit XML and as libtest JSON lines.
pub fn results_ingestion(bytes: &[u8]) {
    for name in ["junit.xml", "results.libtest.json"] {
        if let Ok(run) = model::results::parse(Path::new(name), bytes) {
            for case in &run.cases {
                let _ = (case.status.passed(), case.status.failure());
            }
        }
    }
}

/// JSON-RPC messages an editor might send, and ones it should not.
fn message() -> impl Strategy<Value = Vec<u8>> {
    let methods = prop::sample::select(vec![
        "initialize",
        "initialized",
        "shutdown",
        "textDocument/didOpen",
        "textDocument/didChange",
        "textDocument/didClose",
        "textDocument/hover",
        "textDocument/definition",
        "textDocument/references",
        "textDocument/documentSymbol",
        "textDocument/completion",
        "textDocument/codeAction",
        "textDocument/semanticTokens/full",
        "textDocument/rename",
        "textDocument/diagnostic",
        "workspace/symbol",
        "workspace/executeCommand",
        "workspace/didChangeWatchedFiles",
        "workspace/didChangeConfiguration",
        "$/cancelRequest",
        "$/setTrace",
        "specls/debugDocument",
        "nonsense",
    ]);
    let values = prop::sample::select(vec![
        json!(null),
        json!(0),
        json!(-1),
        json!(4_294_967_296u64),
        json!("file:///ws/specs/001-x/spec.md"),
        json!("not a uri"),
        json!(""),
        json!([]),
        json!({}),
        json!({ "line": 0, "character": 3 }),
        json!({ "line": -1, "character": 99_999_999 }),
    ]);
    let params = prop::collection::vec(
        (
            prop::sample::select(vec![
                "textDocument",
                "uri",
                "position",
                "text",
                "version",
                "contentChanges",
                "range",
                "query",
                "command",
                "arguments",
                "id",
                "changes",
                "settings",
            ]),
            values,
        ),
        0..5,
    );
    let valid_doc = |version: i64| {
        json!({ "textDocument": { "uri": "file:///ws/specs/001-x/spec.md", "languageId": "markdown",
                                  "version": version, "text": "# Feature Specification: X\n\n- **FR-001**: x MUST y\n" } })
    };
    prop_oneof![
        4 => (methods, params, prop::option::of(0..50i64)).prop_map(move |(method, params, id)| {
            let mut params: serde_json::Map<String, serde_json::Value> = params.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            if method == "textDocument/didOpen" && params.is_empty() {
                params = valid_doc(1).as_object().cloned().unwrap_or_default();
            }
            let mut message = json!({ "jsonrpc": "2.0", "method": method, "params": params });
            if let Some(id) = id {
                message["id"] = json!(id);
            }
            let body = message.to_string();
            format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
        }),
        1 => prop::collection::vec(any::<u8>(), 0..64),
        1 => (0..200usize, prop::collection::vec(any::<u8>(), 0..64)).prop_map(|(claimed, body)| {
            let mut bytes = format!("Content-Length: {claimed}\r\n\r\n").into_bytes();
            bytes.extend(body);
            bytes
        }),
    ]
}

/// Target (d): after an initialized session receives `messages`, a fresh request on a fresh
/// document still gets its answer.
pub fn jsonrpc_session(messages: &[Vec<u8>]) {
    let root = tempfile::tempdir().expect("temp dir");
    let mut client = Client::in_process(root.path());
    client.initialize(&["utf-16"], false);
    for bytes in messages {
        client.send_raw(bytes);
    }
    // Blank lines end any message whose claimed length ran past what was sent, and are skipped
    // between messages; after them, whatever came before (a stray `shutdown` included), a
    // well-framed request gets a response.
    client.send_raw(&[b'\n'; 512]);
    let uri = client.uri("probe.md");
    client.open_text(&uri, "# Probe\n", 1);
    let answer = client.request_raw("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }));
    assert!(answer.get("result").is_some() || answer.get("error").is_some(), "{answer}");
    client.notify("exit", serde_json::Value::Null);
    drop(client);
}

proptest! {
    // Each case models its input as fourteen kinds of document.
    #![proptest_config(config(cases(64, 4)))]

    /// Verifies specs/009-reliability/spec.md FR-012.
    #[test]
    fn fuzz_markdown_pipeline(bytes in markdown()) {
        markdown_pipeline(&bytes);
    }
}

proptest! {
    #![proptest_config(config(cases(256, 1)))]

    /// Verifies specs/009-reliability/spec.md FR-012.
    #[test]
    fn fuzz_incremental_edits(initial in markdown(), edits in edits()) {
        incremental_matches_fresh(&String::from_utf8_lossy(&initial), &edits);
    }

    /// Verifies specs/009-reliability/spec.md FR-012.
    #[test]
    fn fuzz_results_ingestion(bytes in xml()) {
        results_ingestion(&bytes);
    }
}

proptest! {
    #![proptest_config(config(cases(32, 50)))]

    /// Verifies specs/009-reliability/spec.md FR-012.
    #[test]
    fn fuzz_jsonrpc_sessions(messages in prop::collection::vec(message(), 0..40)) {
        jsonrpc_session(&messages);
    }
}

// ---------------------------------------------------------------- inputs that once failed

/// Run `f` on a thread with the stack the server's worker threads get (2 MiB), so that unbounded
/// recursion shows up as an overflow here rather than in an editor.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(2 << 20).spawn(f).expect("thread").join().expect("no panic");
}

/// 50,000 unclosed inline links overflowed the stack inside tree-sitter's parse-stack release.
/// Verifies specs/009-reliability/spec.md FR-001, FR-012.
#[test]
fn unclosed_inline_links_do_not_overflow_the_stack() {
    on_small_stack(|| {
        let text = format!("# Closers\n\n{}\n", "[a](".repeat(10_000));
        model::from_text(&Grammar::builtin(), Path::new("/ws/specs/001-x/spec.md"), "specs/001-x/spec.md", &text);
        let run = syntax::inline_parse(&"[a](".repeat(50_000));
        assert!(run.masks.iter().all(|m| m.end <= 200_000));
    });
}

/// A line of 100,000 references took quadratic time (each checked against the line's others).
/// Verifies specs/009-reliability/spec.md FR-001, FR-012.
#[test]
fn a_line_of_a_hundred_thousand_references_is_modelled() {
    let text = format!("# Refs\n\n{}\n", "FR-001, ".repeat(100_000));
    let model =
        model::from_text(&Grammar::builtin(), Path::new("/ws/specs/001-x/plan.md"), "specs/001-x/plan.md", &text);
    assert_eq!(model.references.len(), 100_000);
}

/// Inline runs cut into pieces keep the ranges of what they find relative to the whole run.
/// Verifies specs/009-reliability/spec.md FR-001.
#[test]
fn a_long_run_parsed_in_pieces_keeps_its_masks_in_place() {
    let run = format!("{} see `FR-001` and [x](spec.md) end", "word ".repeat(3_000));
    let parsed = syntax::inline_parse(&run);
    let masked: Vec<&str> = parsed.masks.iter().map(|m| &run[m.clone()]).collect();
    assert_eq!(masked, ["`FR-001`", "spec.md"]);
    assert_eq!(parsed.links.len(), 1);
    assert_eq!(&run[parsed.links[0].text.clone()], "x");
}
