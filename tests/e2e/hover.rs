//! Hover and inlay hints over the protocol.

use serde_json::json;

use crate::support::{at, redact, start};

/// Verifies specs/003-navigation/spec.md FR-013.
#[test]
fn hover_on_a_requirement_shows_its_text_scope_and_coverage() {
    let (ws, mut client) = start("speckit", &["utf-16"], false);
    client.wait_indexed();
    let uri = client.open("specs/001-login/spec.md", 1);
    let position = at(ws.path(), "specs/001-login/spec.md", "FR-001**", 2);
    let hover = client.request("textDocument/hover", json!({ "textDocument": { "uri": uri }, "position": position }));
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
