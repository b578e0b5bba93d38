//! Protocol abuse over raw bytes: broken framing, wrong lengths, invalid JSON, unknown methods,
//! requests out of the lifecycle, cancellation, versions out of order, and a client that goes away.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{Logged, good_feature, tail};

fn framed(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

fn symbols_of(server: &mut Logged, uri: &str) -> Value {
    server.client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }))
}

/// Verifies specs/009-reliability/spec.md FR-004.
#[test]
fn broken_framing_and_bodies_are_dropped_and_the_session_continues() {
    let ws = tempfile::tempdir().expect("temp dir");
    good_feature(ws.path());
    let mut server = Logged::spawn(ws.path());
    server.client.initialize(&["utf-16"], false);
    let uri = server.client.uri("notes.md");
    server.client.open_text(&uri, "# Before\n", 1);
    let abuse: Vec<Vec<u8>> = vec![
        b"Content-Type: application/json\r\n\r\n{}".to_vec(),
        b"Content-Length:\r\n\r\n".to_vec(),
        b"Content-Length: -5\r\n\r\n".to_vec(),
        b"content-length: 2\r\ncontent-length: x\r\n\r\n".to_vec(),
        b"\r\n\r\n\r\n".to_vec(),
        b"\xff\xfe\x00garbage\x00\r\n".to_vec(),
        framed("[]"),
        framed("null"),
        framed("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"initialize\"}"),
        framed("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"shutdown\"}"),
        framed("{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didChange\",\"params\":7}"),
        framed("{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":{\"textDocument\":{}}}"),
        framed("{\"jsonrpc\":\"2.0\",\"method\":\"$/unknownNotification\",\"params\":{}}"),
        framed("{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"result\":42}"),
        framed(
            "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":{\"textDocument\":{\"uri\":\"not a uri\",\"languageId\":\"markdown\",\"version\":1,\"text\":\"x\"}}}",
        ),
        // A length shorter than the body: the rest is garbage before the next header.
        b"Content-Length: 10\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"x\"}".to_vec(),
        // A length longer than the body swallows the start of the next message, which is lost.
        b"Content-Length: 40\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"y\"}".to_vec(),
        framed("{\"jsonrpc\":\"2.0\",\"method\":\"z\"}"),
        framed("{\"jsonrpc\":\"2.0\",\"method\":\"z\"}"),
    ];
    for bytes in &abuse {
        server.client.send_raw(bytes);
    }
    let unknown = server.client.request_raw("specls/noSuchRequest", json!([1, 2, 3]));
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    let wrong_params = server.client.request_raw("textDocument/hover", json!({ "textDocument": 5 }));
    assert_eq!(wrong_params["error"]["code"], -32602, "{wrong_params}");
    server.client.change(&uri, 2, (0, 2), (0, 8), "After");
    assert_eq!(symbols_of(&mut server, &uri)[0]["name"], "After");
    server.assert_no_panic();
    assert!(server.client.shutdown());
}

/// Verifies specs/009-reliability/spec.md FR-005.
#[test]
fn requests_after_shutdown_are_refused_and_exit_ends_the_process() {
    let ws = tempfile::tempdir().expect("temp dir");
    let mut server = Logged::spawn(ws.path());
    server.client.initialize(&["utf-16"], false);
    let second = server.client.request_raw("initialize", json!({ "capabilities": {} }));
    assert!(second.get("error").is_some(), "a second initialize is refused: {second}");
    assert_eq!(server.client.request("shutdown", Value::Null), Value::Null);
    let late = server
        .client
        .request_raw("textDocument/documentSymbol", json!({ "textDocument": { "uri": server.client.uri("a.md") } }));
    assert_eq!(late["error"]["code"], -32600, "invalid request after shutdown: {late}");
    server.client.notify("exit", Value::Null);
    let child = server.client.process().expect("a process");
    let status = child.wait().expect("exit status");
    assert_eq!(status.code(), Some(0));
    server.assert_no_panic();
}

/// Start the binary, send `bytes`, close its input and wait for it to end.
fn exits_after(bytes: &[u8]) -> Option<std::process::ExitStatus> {
    let ws = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_specls"))
        .current_dir(ws.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the specls binary starts");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(bytes).expect("write");
    drop(stdin);
    let deadline = Instant::now() + crate::support::TIMEOUT;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("wait") {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// Verifies specs/009-reliability/spec.md FR-005.
#[test]
fn a_client_that_disconnects_ends_the_server_at_any_point() {
    let root = serde_json::to_string(&json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": { "processId": null, "rootUri": null, "capabilities": {} }
    }))
    .expect("json");
    let initialize = framed(&root);
    let mut mid_body = initialize.clone();
    mid_body.truncate(initialize.len() - 10);
    for (case, bytes) in [
        ("before anything", Vec::new()),
        ("mid header", b"Content-Len".to_vec()),
        ("mid body", mid_body),
        ("after initialize", initialize.clone()),
        ("while a request waits for a long analysis", {
            let mut all = initialize.clone();
            all.extend(framed("{\"jsonrpc\":\"2.0\",\"method\":\"initialized\",\"params\":{}}"));
            let text = format!("# Long\n\n{}\n", "word FR-001 ".repeat(80_000));
            let uri = "file:///tmp/specls-long/specs/001-x/plan.md";
            all.extend(framed(
                &json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": { "textDocument": {
                    "uri": uri, "languageId": "markdown", "version": 1, "text": text } } })
                .to_string(),
            ));
            all.extend(framed(
                &json!({ "jsonrpc": "2.0", "id": 2, "method": "textDocument/documentSymbol",
                         "params": { "textDocument": { "uri": uri } } })
                .to_string(),
            ));
            all
        }),
        ("with a document open", {
            let mut all = initialize.clone();
            all.extend(framed("{\"jsonrpc\":\"2.0\",\"method\":\"initialized\",\"params\":{}}"));
            all.extend(framed(
                &json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": { "textDocument": {
                    "uri": "file:///tmp/x.md", "languageId": "markdown", "version": 1, "text": "# X\n" } } })
                .to_string(),
            ));
            all
        }),
    ] {
        let status = exits_after(&bytes);
        assert!(status.is_some(), "the server hangs after a disconnect {case}");
    }
}

/// Verifies specs/009-reliability/spec.md FR-006.
#[test]
fn cancelled_requests_are_answered_as_cancelled_and_the_server_goes_on() {
    let ws = tempfile::tempdir().expect("temp dir");
    let root = ws.path();
    good_feature(root);
    let ids: String = (0..60_000).map(|i| format!("- **FR-{i:06}**: System MUST do thing {i}.\n")).collect();
    crate::write(root, "specs/002-many/spec.md", format!("# Feature Specification: Many\n\n## Requirements\n\n{ids}"));
    let mut server = Logged::spawn(root);
    server.client.initialize(&["utf-16"], false);
    server.wait_indexed();
    // A burst of requests, each cancelled at once: each is answered exactly once, either with its
    // result (it finished first) or with RequestCancelled.
    let mut cancelled = 0;
    for id in 1000..1020 {
        server
            .client
            .send(&json!({ "jsonrpc": "2.0", "id": id, "method": "workspace/symbol", "params": { "query": "" } }));
        server.client.notify("$/cancelRequest", json!({ "id": id }));
    }
    for id in 1000..1020 {
        let answer = server.client.wait_for(|m| m.get("id") == Some(&json!(id)) && m.get("method").is_none());
        if answer["error"]["code"] == -32800 {
            cancelled += 1;
        } else {
            assert!(answer.get("error").is_none(), "{answer}");
        }
    }
    eprintln!("cancellation: {cancelled} of 20 requests cancelled before they finished");
    // Cancelling what has finished, or was never asked, is harmless.
    server.client.notify("$/cancelRequest", json!({ "id": 999_999 }));
    server.client.notify("$/cancelRequest", json!({ "id": "nope" }));
    assert_eq!(crate::symbol_files(&mut server, "FR-001"), ["specs/001-good/spec.md", "specs/002-many/spec.md"]);
    server.assert_no_panic();
    assert!(server.client.shutdown());
}

/// Verifies specs/009-reliability/spec.md FR-007.
#[test]
fn versions_out_of_order_are_refused_and_logged_and_the_text_is_never_corrupted() {
    let ws = tempfile::tempdir().expect("temp dir");
    let mut server = Logged::spawn(ws.path());
    server.client.initialize(&["utf-16"], false);
    let uri = server.client.uri("notes.md");
    server.client.open_text(&uri, "one\n", 3);
    server.client.change(&uri, 4, (0, 3), (0, 3), " two");
    server.client.change(&uri, 4, (0, 0), (0, 0), "DUPLICATE ");
    server.client.change(&uri, 2, (0, 0), (0, 0), "OLDER ");
    server.client.change(&uri, -7, (0, 0), (0, 0), "NEGATIVE ");
    server.client.change(&server.client.uri("never-opened.md"), 9, (0, 0), (0, 0), "x");
    // A close of a document never opened.
    server.client.notify("textDocument/didClose", json!({ "textDocument": { "uri": server.client.uri("ghost.md") } }));
    server.client.change(&uri, 5, (0, 7), (0, 7), " three");
    let doc = server.client.debug_document(&uri);
    assert_eq!(doc["text"], "one two three\n", "{doc}");
    assert_eq!(doc["version"], 5);
    let log = server.log();
    assert!(
        log.matches("refus").count() >= 3 || log.matches("ignor").count() >= 3,
        "refusals are logged:\n{}",
        tail(&log)
    );
    server.assert_no_panic();
    assert!(server.client.shutdown());
}
