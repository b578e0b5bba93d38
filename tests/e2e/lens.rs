//! Code lenses and semantic tokens.

use serde_json::json;

use crate::support::{Client, redact, workspace};

/// Verifies specs/003-navigation/spec.md FR-015.
#[test]
fn lenses_show_coverage_on_requirements_and_what_tasks_satisfy() {
    let ws = workspace("lens");
    let mut client = Client::spawn(ws.path());
    client.initialize(&["utf-16"], false);
    client.wait_indexed();
    let spec = client.open("specs/001-notes/spec.md", 1);
    let lenses = client.request("textDocument/codeLens", json!({ "textDocument": { "uri": spec } }));
    insta::assert_json_snapshot!("spec_lenses", redact(&lenses, ws.path()));
    let tasks = client.open("specs/001-notes/tasks.md", 1);
    let lenses = client.request("textDocument/codeLens", json!({ "textDocument": { "uri": tasks } }));
    let titles: Vec<&str> =
        lenses.as_array().unwrap().iter().map(|l| l["command"]["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["satisfies US1, FR-001", "satisfies US1, FR-002"]);
    assert!(client.shutdown());
}

/// Verifies specs/003-navigation/spec.md FR-016.
#[test]
fn semantic_tokens_are_encoded_in_utf16_against_the_advertised_legend() {
    let ws = workspace("lens");
    let mut client = Client::spawn(ws.path());
    let init = client.initialize(&["utf-16"], false);
    let provider = &init["capabilities"]["semanticTokensProvider"];
    assert_eq!(provider["legend"]["tokenTypes"], json!(["variable", "decorator", "keyword"]));
    assert_eq!(provider["legend"]["tokenModifiers"], json!(["declaration", "definition"]));
    let spec = client.open("specs/001-notes/spec.md", 1);
    let full = client.request("textDocument/semanticTokens/full", json!({ "textDocument": { "uri": spec } }));
    let data: Vec<u64> = full["data"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).collect();
    assert_eq!(data.len() % 5, 0);
    // Absolute (line, character, length, type, modifiers) of each token.
    let mut absolute = Vec::new();
    let (mut line, mut character) = (0, 0);
    for t in data.chunks(5) {
        character = if t[0] == 0 { character + t[1] } else { t[1] };
        line += t[0];
        absolute.push((line, character, t[2], t[3], t[4]));
    }
    let text = std::fs::read_to_string(ws.path().join("specs/001-notes/spec.md")).unwrap();
    let sync = text.lines().position(|l| l.contains("**FR-002**")).unwrap() as u64;
    let on_sync: Vec<_> = absolute.iter().filter(|t| t.0 == sync).copied().collect();
    // `- **` then FR-002 defined; FR-001 after `café ☕ 😀` (the emoji is two UTF-16 units).
    let line_text = text.lines().nth(sync as usize).unwrap();
    let utf16 = |needle: &str| line_text[..line_text.find(needle).unwrap()].encode_utf16().count() as u64;
    assert_eq!(on_sync[0], (sync, 4, 6, 0, 0b11));
    assert_eq!(on_sync[1], (sync, utf16("FR-001"), 6, 0, 0));
    assert_eq!(on_sync[2], (sync, utf16("[NEEDS"), "[NEEDS CLARIFICATION: push or poll?]".len() as u64, 1, 0));
    let range = client.request(
        "textDocument/semanticTokens/range",
        json!({ "textDocument": { "uri": spec }, "range": { "start": { "line": sync, "character": 0 }, "end": { "line": sync + 1, "character": 0 } } }),
    );
    assert_eq!(range["data"].as_array().unwrap().len(), 3 * 5, "{range}");
    assert!(client.shutdown());
}
