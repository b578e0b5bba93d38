//! Rename and document links over a small workspace: a spec, its tasks, code and a test.

use serde_json::{Value, json};

use crate::support::{Client, workspace};

/// Start the binary on the `rename` fixture as an editor that takes versioned document edits.
fn start() -> (tempfile::TempDir, Client) {
    let ws = workspace("rename");
    let mut client = Client::spawn(ws.path());
    let root = format!("file://{}", ws.path().display());
    client.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": root,
            "workspaceFolders": [{ "uri": root, "name": "rename" }],
            "capabilities": {
                "general": { "positionEncodings": ["utf-16"] },
                "window": { "workDoneProgress": true },
                "workspace": { "workspaceEdit": { "documentChanges": true } }
            }
        }),
    );
    client.notify("initialized", json!({}));
    (ws, client)
}

/// The position of the first `needle` in a file of the workspace (ASCII fixtures).
fn position_of(client: &Client, relative: &str, needle: &str) -> Value {
    let text = std::fs::read_to_string(client.root.join(relative)).expect("fixture file");
    let at = text.find(needle).expect("needle in the fixture");
    let line = text[..at].matches('\n').count();
    let character = at - text[..at].rfind('\n').map_or(0, |n| n + 1);
    json!({ "line": line, "character": character })
}

/// A file's text with LSP text edits applied (ASCII fixtures: characters are bytes).
fn applied(client: &Client, relative: &str, edits: &Value) -> String {
    let text = std::fs::read_to_string(client.root.join(relative)).expect("fixture file");
    let starts: Vec<usize> = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let offset = |p: &Value| starts[p["line"].as_u64().unwrap() as usize] + p["character"].as_u64().unwrap() as usize;
    let mut edits: Vec<(usize, usize, String)> = edits
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (offset(&e["range"]["start"]), offset(&e["range"]["end"]), e["newText"].as_str().unwrap().to_string()))
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text;
    for (start, end, new) in edits {
        out.replace_range(start..end, &new);
    }
    out
}

/// Verifies specs/003-navigation/spec.md FR-010, FR-017.
#[test]
fn renaming_a_requirement_edits_its_spec_tasks_code_and_tests_at_once() {
    let (_ws, mut client) = start();
    let spec = client.open("specs/001-lockout/spec.md", 3);
    client.wait_indexed();
    let at = json!({ "textDocument": { "uri": spec }, "position": position_of(&client, "specs/001-lockout/spec.md", "FR-003") });

    let prepared = client.request("textDocument/prepareRename", at.clone());
    assert_eq!(prepared["placeholder"], "FR-003");

    let mut params = at.clone();
    params["newName"] = json!("FR-010");
    let edit = client.request("textDocument/rename", params);
    let changes = edit["documentChanges"].as_array().expect("versioned document edits");
    let mut files: Vec<(String, Value, String)> = changes
        .iter()
        .map(|change| {
            let uri = change["textDocument"]["uri"].as_str().unwrap();
            let relative = uri.strip_prefix(&client.uri("")).unwrap().to_string();
            let text = applied(&client, &relative, &change["edits"]);
            (relative, change["textDocument"]["version"].clone(), text)
        })
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let names: Vec<(&str, &Value)> = files.iter().map(|(name, version, _)| (name.as_str(), version)).collect();
    assert_eq!(
        names,
        [
            ("specs/001-lockout/spec.md", &json!(3)),
            ("specs/001-lockout/tasks.md", &Value::Null),
            ("src/lockout.py", &Value::Null),
            ("tests/test_lockout.py", &Value::Null),
        ]
    );
    assert!(files[0].2.contains("- **FR-010**: System MUST lock an account"));
    assert!(files[1].2.contains("in src/lockout.py per FR-010\n"));
    assert!(files[2].2.contains("# Implements: FR-001, FR-010\n"));
    assert!(files[3].2.contains("def test_fr010_locks_after_five_failures():"));

    let mut params = at;
    params["newName"] = json!("FR-x3");
    let refused = client.request_raw("textDocument/rename", params);
    assert_eq!(refused["error"]["code"], -32602);
    assert_eq!(refused["error"]["message"], "\"FR-x3\" is not a requirement key (like FR-003)");
    assert!(client.shutdown());
}

/// Verifies specs/003-navigation/spec.md FR-011, FR-017.
#[test]
fn file_paths_in_tasks_and_spec_paths_in_code_are_links() {
    let (_ws, mut client) = start();
    client.wait_indexed();
    let tasks = client.open("specs/001-lockout/tasks.md", 1);
    let links = client.request("textDocument/documentLink", json!({ "textDocument": { "uri": tasks } }));
    let targets: Vec<String> = links
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["target"].as_str().unwrap().strip_prefix(&client.uri("")).unwrap().to_string())
        .collect();
    // tests/fixtures.py does not exist: no link.
    assert_eq!(targets, ["src/lockout.py", "tests/test_lockout.py", "src/lockout.py"]);

    let code = client.uri("src/lockout.py");
    let links = client.request("textDocument/documentLink", json!({ "textDocument": { "uri": code } }));
    assert_eq!(links.as_array().unwrap().len(), 1, "{links}");
    assert_eq!(links[0]["target"], client.uri("specs/001-lockout/spec.md"));
    assert_eq!(links[0]["range"]["start"], position_of(&client, "src/lockout.py", "specs/"));
    assert!(client.shutdown());
}
