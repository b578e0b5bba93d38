//! Hover and inlay hints over the protocol.

use serde_json::json;

use crate::support::{redact, start};

/// The zero-based line and column of the first `needle` in a fixture file.
fn position_of(root: &std::path::Path, relative: &str, needle: &str) -> (usize, usize) {
    let text = std::fs::read_to_string(root.join(relative)).expect("fixture file");
    let at = text.find(needle).expect("needle in fixture");
    let line = text[..at].matches('\n').count();
    (line, at - text[..at].rfind('\n').map_or(0, |i| i + 1))
}

/// Verifies specs/003-navigation/spec.md FR-013.
#[test]
fn hover_on_a_requirement_shows_its_text_scope_and_coverage() {
    let (ws, mut client) = start("speckit", &["utf-16"], false);
    client.wait_indexed();
    let uri = client.open("specs/001-login/spec.md", 1);
    let (line, character) = position_of(ws.path(), "specs/001-login/spec.md", "FR-001**");
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character + 2 } }),
    );
    insta::assert_json_snapshot!("requirement_hover", redact(&hover, ws.path()));
    assert!(client.shutdown());
}

/// Verifies specs/003-navigation/spec.md FR-014.
#[test]
fn inlay_hints_over_a_task_list_name_the_clauses_cited() {
    let (ws, mut client) = start("speckit", &["utf-16"], false);
    client.wait_indexed();
    let uri = client.open("specs/001-login/tasks.md", 1);
    let hints = client.request(
        "textDocument/inlayHint",
        json!({
            "textDocument": { "uri": uri },
            "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 100, "character": 0 } }
        }),
    );
    insta::assert_json_snapshot!("tasks_inlay_hints", redact(&hints, ws.path()));
    assert!(client.shutdown());
}
