//! Document synchronisation: incremental edits, ordering, refused versions, bad positions
//!.

use serde_json::{Value, json};

use crate::support::start;

/// Verifies specs/001-core-engine/spec.md FR-001, FR-016.

#[test]
fn incremental_utf16_edits_with_astral_characters_keep_the_text() {
    let (_ws, mut client) = start("speckit", &["utf-16"], false);
    let uri = client.uri("notes.md");
    client.open_text(&uri, "# Notes 😀\r\n\r\nFR-001 é\n", 1);
    // After the emoji (2 UTF-16 units) on line 0.
    client.change(&uri, 2, (0, 10), (0, 10), " ✓");
    client.change(&uri, 3, (2, 7), (2, 8), "e\u{2028}x");
    let doc = client.debug_document(&uri);
    assert_eq!(doc["text"], "# Notes 😀 ✓\r\n\r\nFR-001 e\u{2028}x\n");
    assert_eq!(doc["version"], 3);
    assert!(client.shutdown());
}

/// Verifies specs/001-core-engine/spec.md FR-001, FR-002.

#[test]
fn utf8_positions_count_bytes() {
    let (_ws, mut client) = start("speckit", &["utf-8"], false);
    let uri = client.uri("notes.md");
    client.open_text(&uri, "é😀x\n", 1);
    client.change(&uri, 2, (0, 6), (0, 7), "y");
    assert_eq!(client.debug_document(&uri)["text"], "é😀y\n");
    assert!(client.shutdown());
}

/// Verifies specs/001-core-engine/spec.md SC-003, FR-016.

#[test]
fn two_thousand_rapid_changes_apply_in_order() {
    let (_ws, mut client) = start("speckit", &["utf-16"], false);
    let uri = client.uri("specs/001-login/scratch.md");
    client.open_text(&uri, "", 0);
    let mut expected = String::new();
    for version in 1..=2000i64 {
        let c = char::from(b'a' + (version % 26) as u8);
        let (line, col) = ((expected.matches('\n').count()) as u32, expected.rsplit('\n').next().unwrap().len() as u32);
        let insert = if version % 50 == 0 { "\n".to_string() } else { c.to_string() };
        client.change(&uri, version, (line, col), (line, col), &insert);
        expected.push_str(&insert);
    }
    let doc = client.debug_document(&uri);
    assert_eq!(doc["version"], 2000);
    assert_eq!(doc["text"].as_str().unwrap(), expected);
    assert!(client.shutdown());
}

/// Verifies specs/001-core-engine/spec.md FR-016.

#[test]
fn stale_versions_and_unknown_documents_are_refused_without_losing_text() {
    let (_ws, mut client) = start("speckit", &["utf-16"], false);
    let uri = client.uri("notes.md");
    client.open_text(&uri, "abc\n", 5);
    client.change(&uri, 5, (0, 0), (0, 0), "stale ");
    client.change(&uri, 4, (0, 0), (0, 0), "older ");
    client.change(&client.uri("never-opened.md"), 9, (0, 0), (0, 0), "x");
    client.change(&uri, 6, (0, 3), (0, 3), "d");
    let doc = client.debug_document(&uri);
    assert_eq!(doc["text"], "abcd\n");
    assert_eq!(doc["version"], 6);
    assert!(client.shutdown());
}

/// Verifies specs/001-core-engine/spec.md FR-003.

#[test]
fn out_of_range_positions_are_clamped() {
    let (_ws, mut client) = start("speckit", &["utf-16"], false);
    let uri = client.uri("notes.md");
    client.open_text(&uri, "ab\r\ncd", 1);
    client.change(&uri, 2, (0, 99), (0, 99), "!");
    client.change(&uri, 3, (99, 0), (4_000_000, 7), "?");
    client.change(&uri, 4, (1, 1), (0, 1), "-");
    assert_eq!(client.debug_document(&uri)["text"], "a-d?");
    let symbols = client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }));
    assert_eq!(symbols, json!([]));
    assert!(client.shutdown());
}

/// Verifies specs/001-core-engine/spec.md FR-022.

#[test]
fn malformed_messages_do_not_stop_the_server() {
    let (_ws, mut client) = start("speckit", &["utf-16"], false);
    client.send_raw(b"Content-Length: 12\r\n\r\n{not json!!}");
    client.send_raw(b"Content-Length: 29\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":42}");
    client.send_raw(b"garbage\r\nContent-Length: 99999999999999999999\r\n\r\n");
    let bad_params = client.request_raw("textDocument/documentSymbol", json!({ "nope": true }));
    assert!(bad_params.get("error").is_some(), "{bad_params}");
    let uri = client.uri("notes.md");
    client.open_text(&uri, "# Still here\n", 1);
    let symbols = client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }));
    assert_eq!(symbols[0]["name"], "Still here");
    assert!(client.shutdown());
}

/// Verifies specs/001-core-engine/spec.md FR-014.

#[test]
fn a_huge_document_keeps_its_text_and_is_reported_not_analysed() {
    let (_ws, mut client) = start("speckit", &["utf-16"], false);
    let uri = client.uri("huge.md");
    // Just over the 4 MiB limit: larger only slows the test (the text travels as JSON).
    let text = "- **FR-001**: x\n".repeat(5 * 1024 * 1024 / 16);
    client.open_text(&uri, &text, 1);
    let diagnostics = client.diagnostics_for(&uri, Some(1));
    assert_eq!(diagnostics[0]["code"], "document-too-large");
    client.change(&uri, 2, (0, 0), (0, 0), "# Title\n");
    let doc = client.debug_document(&uri);
    assert_eq!(doc["text"].as_str().unwrap().len(), text.len() + 8);
    let _ = Value::Null;
    assert!(client.shutdown());
}
