//! Rename and document links over a small workspace: a spec, its tasks, code and a test.

use serde_json::{Value, json};

use crate::support::{Client, applied, at, workspace};

/// Start the binary on the `rename` fixture as an editor that takes versioned document edits.
fn start() -> (tempfile::TempDir, Client) {
    let ws = workspace("rename");
    let mut client = Client::spawn(ws.path());
    client.initialize_with(
        json!({
            "general": { "positionEncodings": ["utf-16"] },
            "window": { "workDoneProgress": true },
            "workspace": { "workspaceEdit": { "documentChanges": true } }
        }),
        None,
    );
    (ws, client)
}

/// Verifies specs/003-navigation/spec.md FR-010, FR-017.
#[test]
fn renaming_a_requirement_edits_its_spec_tasks_code_and_tests_at_once() {
    let (_ws, mut client) = start();
    let spec = client.open("specs/001-lockout/spec.md", 3);
    client.wait_indexed();
    let cursor = json!({ "textDocument": { "uri": spec }, "position": at(&client.root, "specs/001-lockout/spec.md", "FR-003", 0) });

    let prepared = client.request("textDocument/prepareRename", cursor.clone());
    assert_eq!(prepared["placeholder"], "FR-003");

    let mut params = cursor.clone();
    params["newName"] = json!("FR-010");
    let edit = client.request("textDocument/rename", params);
    let changes = edit["documentChanges"].as_array().expect("versioned document edits");
    let mut files: Vec<(String, Value, String)> = changes
        .iter()
        .map(|change| {
            let uri = change["textDocument"]["uri"].as_str().unwrap();
            let relative = uri.strip_prefix(&client.uri("")).unwrap().to_string();
            let text = applied(&client.root, &relative, &change["edits"]);
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

    let mut params = cursor;
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
    assert_eq!(links[0]["range"]["start"], at(&client.root, "src/lockout.py", "specs/", 0));
    assert!(client.shutdown());
}
