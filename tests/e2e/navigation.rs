//! Document symbols, workspace symbols and folding ranges.

use serde_json::json;

use crate::support::{Client, redact, start, workspace};

/// Verifies specs/001-core-engine/spec.md FR-017.

#[test]
fn document_symbols_nest_clauses_under_sections() {
    let (ws, mut client) = start("speckit", &["utf-16"], false);
    let uri = client.open("specs/001-login/spec.md", 1);
    let symbols = client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }));
    insta::assert_json_snapshot!("spec_symbols", redact(&symbols, ws.path()));
    assert!(client.shutdown());
}

/// Verifies specs/001-core-engine/spec.md FR-017.

#[test]
fn tasks_symbols_list_each_task_under_its_phase() {
    let (_ws, mut client) = start("speckit", &["utf-8"], false);
    let uri = client.open("specs/001-login/tasks.md", 1);
    let symbols = client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }));
    let phase = &symbols[0]["children"][0];
    assert_eq!(phase["name"], "Phase 1: Setup (Shared Infrastructure)");
    let tasks: Vec<&str> = phase["children"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(tasks, ["T001", "T002"]);
    assert!(client.shutdown());
}

/// Verifies specs/001-core-engine/spec.md FR-018.

#[test]
fn workspace_symbols_match_ids_and_titles_fuzzily() {
    let (_ws, mut client) = start("speckit", &[], false);
    client.wait_indexed();
    let found = client.request("workspace/symbol", json!({ "query": "lockout" }));
    let names: Vec<String> =
        found.as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap().to_string()).collect();
    assert!(names.iter().any(|n| n.starts_with("T004")), "{names:?}");
    assert!(names.iter().any(|n| n.starts_with("FR-002")), "{names:?}");
    let exact = client.request("workspace/symbol", json!({ "query": "T003" }));
    assert!(exact[0]["name"].as_str().unwrap().starts_with("T003"), "{exact}");
    assert_eq!(exact[0]["containerName"], "001-login");
    assert!(client.shutdown());
}

/// Verifies specs/003-navigation/spec.md FR-020: a query matching 200 requirements returns the
/// best 128, and a precise one still finds its clause first.
#[test]
fn a_broad_workspace_symbol_query_returns_the_best_128() {
    let ws = workspace("speckit");
    let requirements: String = (1..=200).map(|n| format!("- **FR-{n:03}**: System MUST export batch {n}.\n")).collect();
    std::fs::create_dir_all(ws.path().join("specs/900-bulk")).unwrap();
    std::fs::write(
        ws.path().join("specs/900-bulk/spec.md"),
        format!("# Feature Specification: Bulk\n\n## Requirements *(mandatory)*\n\n{requirements}"),
    )
    .unwrap();
    let mut client = Client::spawn(ws.path());
    client.initialize(&[], false);
    client.wait_indexed();
    let broad = client.request("workspace/symbol", json!({ "query": "export batch" }));
    assert_eq!(broad.as_array().unwrap().len(), 128);
    let precise = client.request("workspace/symbol", json!({ "query": "export batch 199" }));
    assert!(precise[0]["name"].as_str().unwrap().starts_with("FR-199"), "{precise}");
    assert!(client.shutdown());
}

/// Verifies specs/001-core-engine/spec.md FR-019.

#[test]
fn folding_ranges_cover_sections_lists_code_and_comments() {
    let (_ws, mut client) = start("speckit", &[], false);
    let uri = client.open("specs/001-login/spec.md", 1);
    let folds = client.request("textDocument/foldingRange", json!({ "textDocument": { "uri": uri } }));
    insta::assert_json_snapshot!("spec_folds", folds);
    assert!(client.shutdown());
}
