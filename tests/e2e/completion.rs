//! Completion over the protocol: missing sections per document kind, next free keys, keys in a
//! code comment, resolve.

use std::path::Path;

use serde_json::{Value, json};

use crate::support::Client;

/// A workspace of `(relative path, text)` files and the real binary serving it, indexed; the client
/// expands snippets when `snippets` is set.
fn serve(files: &[(&str, &str)], snippets: bool) -> (tempfile::TempDir, Client) {
    let ws = tempfile::tempdir().expect("temp dir");
    for (relative, text) in files {
        let path = ws.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    let mut client = Client::spawn(ws.path());
    client.initialize_with(
        json!({
            "general": { "positionEncodings": ["utf-16"] },
            "textDocument": { "completion": { "completionItem": { "snippetSupport": snippets } } },
            "window": { "workDoneProgress": true }
        }),
        None,
    );
    client.wait_indexed();
    (ws, client)
}

/// The position just after the last character of `text` (ASCII).
fn end_of(text: &str) -> (u32, u32) {
    let line = text.matches('\n').count() as u32;
    (line, (text.len() - text.rfind('\n').map_or(0, |i| i + 1)) as u32)
}

fn complete(client: &mut Client, uri: &str, at: (u32, u32)) -> Vec<Value> {
    let list = client.request(
        "textDocument/completion",
        json!({ "textDocument": { "uri": uri }, "position": { "line": at.0, "character": at.1 } }),
    );
    list["items"].as_array().cloned().unwrap_or_default()
}

fn labels_where(items: &[Value], keep: impl Fn(&Value) -> bool) -> Vec<String> {
    let mut kept: Vec<&Value> = items.iter().filter(|i| keep(i)).collect();
    kept.sort_by_key(|i| i["sortText"].as_str().unwrap_or_default().to_string());
    kept.iter().map(|i| i["label"].as_str().unwrap().to_string()).collect()
}

/// Each kind that declares sections, as a document with only its title, and the required sections
/// completion must offer there.
const KINDS: &[(&str, &str, &[&str])] = &[
    (".specify/memory/constitution.md", "# Demo Constitution\n\n", &["## Core Principles", "## Governance"]),
    (
        "specs/001-a/spec.md",
        "# Feature Specification: A\n\n",
        &[
            "## User Scenarios & Testing *(mandatory)*",
            "## Requirements *(mandatory)*",
            "## Success Criteria *(mandatory)*",
        ],
    ),
    (
        "specs/002-b/spec.md",
        "# Feature Specification: B\n\n## Execution Flow (main)\n\n1. Parse.\n\n",
        &["## User Scenarios & Testing *(mandatory)*", "## Requirements *(mandatory)*"],
    ),
    (
        "specs/001-a/plan.md",
        "# Implementation Plan: A\n\n",
        &["## Summary", "## Technical Context", "## Constitution Check", "## Project Structure"],
    ),
    ("specs/001-a/tasks.md", "# Tasks: A\n\n", &[]),
    (".kiro/specs/a/requirements.md", "# Requirements Document\n\n", &["## Requirements"]),
    (
        ".kiro/specs/b/bugfix.md",
        "# Bugfix Requirements Document\n\n",
        &["## Bug Analysis", "### Current Behavior", "### Expected Behavior", "### Unchanged Behavior"],
    ),
    (".kiro/specs/a/design.md", "# Design Document\n\n", &[]),
    (".kiro/specs/a/tasks.md", "# Implementation Plan\n\n", &[]),
    ("openspec/specs/auth/spec.md", "# auth Specification\n\n", &["## Purpose", "## Requirements"]),
    ("openspec/changes/add-x/proposal.md", "# Change: Add x\n\n", &["## Why", "## What Changes"]),
    ("openspec/changes/add-x/specs/auth/spec.md", "## ADDED Requirements\n\n", &[]),
    (
        "agent-specs/triage.md",
        "# Triage agent\n\n",
        &["## Goal", "## Inputs and Outputs", "## Constraints", "## Failure modes", "## Out of scope", "## Acceptance"],
    ),
];

/// Verifies specs/004-completions/spec.md FR-001, FR-002, FR-008.
#[test]
fn each_kind_lists_exactly_its_missing_required_sections_and_accepting_them_satisfies_it() {
    let files: Vec<(&str, &str)> = KINDS.iter().map(|(p, t, _)| (*p, *t)).collect();
    let (_ws, mut client) = serve(&files, false);
    for (relative, text, expected) in KINDS {
        let uri = client.uri(relative);
        client.open_text(&uri, text, 1);
        let end = end_of(text);
        let items = complete(&mut client, &uri, end);
        let required = labels_where(&items, |i| i["detail"].as_str().unwrap_or_default().starts_with("required"));
        assert_eq!(required, *expected, "{relative}");
        if expected.is_empty() {
            continue;
        }
        // Accept every required section: the plain-text form, since this client has no snippets.
        let accepted: Vec<&Value> = items.iter().filter(|i| expected.contains(&i["label"].as_str().unwrap())).collect();
        assert!(accepted.iter().all(|i| i["insertTextFormat"] == 1), "{relative}: plain text");
        let body: Vec<&str> = {
            let mut sorted = accepted.clone();
            sorted.sort_by_key(|i| i["sortText"].as_str().unwrap().to_string());
            sorted.iter().map(|i| i["textEdit"]["newText"].as_str().unwrap()).collect()
        };
        let edit = &accepted[0]["textEdit"]["range"];
        let at = |p: &Value| (p["line"].as_u64().unwrap() as u32, p["character"].as_u64().unwrap() as u32);
        client.change(&uri, 2, at(&edit["start"]), at(&edit["end"]), &format!("{}\n", body.join("\n\n")));
        let diagnostics = client.diagnostics_for(&uri, Some(2));
        let missing: Vec<&Value> =
            diagnostics.as_array().unwrap().iter().filter(|d| d["code"] == "missing-section").collect();
        assert!(missing.is_empty(), "{relative}: {missing:?}");
    }
    assert!(client.shutdown());
}

const SPEC: &str = "# Feature Specification: A\n\n## Requirements\n\n- **FR-001**: System MUST sign in.\n- **FR-002**: System MUST lock accounts.\n- **FR-005**: System MUST log attempts.\n";
const TASKS: &str = "# Tasks: A\n\n## Phase 1: Setup\n\n- [ ] T001 Set up\n- [ ] T009 Build\n- [ ] T010 Wire per FR-001\n- [ ] T010a Fix\n";

/// Verifies specs/004-completions/spec.md FR-004, FR-008.
#[test]
fn the_next_free_key_skips_gaps_and_lettered_keys() {
    let (_ws, mut client) = serve(&[("specs/001-a/spec.md", SPEC), ("specs/001-a/tasks.md", TASKS)], true);
    let spec = client.uri("specs/001-a/spec.md");
    client.open_text(&spec, &format!("{SPEC}- **FR-"), 1);
    let items = complete(&mut client, &spec, end_of(&format!("{SPEC}- **FR-")));
    assert_eq!(labels_where(&items, |i| i["kind"] == 21), ["FR-006"]);
    let next = items.iter().find(|i| i["label"] == "FR-006").unwrap();
    assert_eq!(next["insertTextFormat"], 2);
    assert_eq!(next["textEdit"]["newText"], "FR-006**: System MUST ${1:capability}");

    let tasks = client.uri("specs/001-a/tasks.md");
    let text = format!("{TASKS}- [ ] T");
    client.open_text(&tasks, &text, 1);
    let items = complete(&mut client, &tasks, end_of(&text));
    assert_eq!(labels_where(&items, |i| i["kind"] == 21), ["T011"]);
    assert!(client.shutdown());
}

/// Verifies specs/004-completions/spec.md FR-003, FR-007.
#[test]
fn keys_complete_in_a_code_comment_and_resolve_to_their_clause() {
    let (_ws, mut client) = serve(&[("specs/001-a/spec.md", SPEC), ("src/lib.rs", "pub fn f() {}\n")], true);
    let code = client.uri("src/lib.rs");
    let text = "pub fn f() {}\n// Implements FR-0";
    client.open_text(&code, text, 1);
    let items = complete(&mut client, &code, end_of(text));
    assert_eq!(labels_where(&items, |_| true), ["FR-001", "FR-002", "FR-005"]);
    let first = items.iter().find(|i| i["label"] == "FR-001").unwrap();
    assert_eq!(first["detail"], "System MUST sign in.");
    let resolved = client.request("completionItem/resolve", first.clone());
    let doc = resolved["documentation"]["value"].as_str().unwrap();
    assert!(doc.starts_with("- **FR-001**: System MUST sign in."), "{doc}");
    assert!(doc.contains("specs/001-a/spec.md"), "{doc}");
    assert!(client.shutdown());
}

/// Verifies specs/004-completions/spec.md FR-007.
#[test]
fn trigger_characters_and_resolve_are_advertised() {
    let ws = tempfile::tempdir().expect("temp dir");
    let mut client = Client::spawn(Path::new(ws.path()));
    let result = client.initialize(&["utf-16"], false);
    let provider = &result["capabilities"]["completionProvider"];
    assert_eq!(provider["resolveProvider"], true);
    let triggers: Vec<&str> =
        provider["triggerCharacters"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    for c in ["#", "-", "[", " "] {
        assert!(triggers.contains(&c), "{c} in {triggers:?}");
    }
    assert!(client.shutdown());
}
