//! Lifecycle and capability negotiation.

use serde_json::{Value, json};

use crate::support::{Client, start, workspace};

/// Verifies specs/001-core-engine/spec.md FR-002, FR-015.

#[test]
fn initialize_negotiates_utf8_when_offered() {
    let ws = workspace("speckit");
    let mut client = Client::spawn(ws.path());
    let result = client.initialize(&["utf-16", "utf-8"], false);
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-8");
    assert_eq!(result["capabilities"]["textDocumentSync"]["change"], 2, "incremental sync");
    assert_eq!(result["serverInfo"]["name"], "specls");
    assert!(client.shutdown(), "clean exit after shutdown");
}

/// Verifies specs/001-core-engine/spec.md FR-002.

#[test]
fn initialize_falls_back_to_utf16() {
    let ws = workspace("speckit");
    let mut client = Client::spawn(ws.path());
    let result = client.initialize(&[], false);
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-16");
    assert!(client.shutdown());
}

/// Verifies specs/001-core-engine/spec.md FR-016.

#[test]
fn full_sync_can_be_requested_through_initialization_options() {
    let ws = workspace("speckit");
    let mut client = Client::spawn(ws.path());
    let result = client.request(
        "initialize",
        json!({ "processId": null, "rootUri": null, "capabilities": {}, "initializationOptions": { "textSync": "full" } }),
    );
    assert_eq!(result["capabilities"]["textDocumentSync"]["change"], 1);
    assert!(client.shutdown());
}

/// Verifies specs/001-core-engine/spec.md FR-015.

#[test]
fn exit_without_shutdown_is_an_unclean_exit() {
    let (_ws, mut client) = start("speckit", &[], false);
    client.notify("exit", Value::Null);
    let child = client.process().expect("a process");
    let status = child.wait().expect("exit status");
    assert_eq!(status.code(), Some(1));
}

/// Verifies specs/001-core-engine/spec.md FR-022.

#[test]
fn requests_before_initialize_are_refused_and_the_server_keeps_serving() {
    let ws = workspace("speckit");
    let mut client = Client::spawn(ws.path());
    let early = client.request_raw("textDocument/documentSymbol", json!({ "textDocument": { "uri": "file:///x.md" } }));
    assert_eq!(early["error"]["code"], -32002, "server not initialized: {early}");
    client.initialize(&[], false);
    let unknown = client.request_raw("specls/noSuchMethod", json!({}));
    assert_eq!(unknown["error"]["code"], -32601, "method not found: {unknown}");
    assert!(client.shutdown());
}

/// Verifies specs/001-core-engine/spec.md FR-012, FR-013.

#[test]
fn indexing_reports_progress_and_registers_watchers() {
    let (_ws, mut client) = start("speckit", &[], false);
    let register = client.wait_for(|m| m["method"] == "client/registerCapability");
    assert_eq!(register["params"]["registrations"][0]["method"], "workspace/didChangeWatchedFiles");
    client.wait_for(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "begin");
    let end = client.wait_for(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end");
    let message = end["params"]["value"]["message"].as_str().unwrap_or_default().to_string();
    assert!(message.starts_with("8 documents"), "{message}");
    assert!(client.shutdown());
}
