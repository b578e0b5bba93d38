//! Multi-root workspaces: every folder is indexed, and folders come and go.

use serde_json::{Value, json};

use crate::support::{Client, workspace};

fn folder(path: &std::path::Path) -> Value {
    json!({ "uri": format!("file://{}", path.display()), "name": path.file_name().unwrap().to_string_lossy() })
}

/// URIs of the documents holding clauses that match `query`.
fn symbol_uris(client: &mut Client, query: &str) -> Vec<String> {
    let found = client.request("workspace/symbol", json!({ "query": query }));
    found.as_array().unwrap().iter().map(|s| s["location"]["uri"].as_str().unwrap().to_string()).collect()
}

/// Verifies specs/001-core-engine/spec.md FR-012.
#[test]
fn every_workspace_folder_is_indexed_and_folders_can_be_added_and_removed() {
    let speckit = workspace("speckit");
    let kiro = workspace("kiro");
    let mut client = Client::spawn(speckit.path());
    client.request(
        "initialize",
        json!({
            "processId": null,
            "workspaceFolders": [folder(speckit.path())],
            "capabilities": { "window": { "workDoneProgress": true } }
        }),
    );
    client.notify("initialized", json!({}));
    client.wait_indexed();
    let kiro_uri = format!("file://{}", kiro.path().display());
    let in_kiro = |uris: &[String]| uris.iter().any(|u| u.starts_with(&kiro_uri));
    assert!(!in_kiro(&symbol_uris(&mut client, "Room")));

    client.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({ "event": { "added": [folder(kiro.path())], "removed": [] } }),
    );
    client.wait_indexed();
    let speckit_uri = format!("file://{}", speckit.path().display());
    assert!(
        symbol_uris(&mut client, "T003").iter().any(|u| u.starts_with(&speckit_uri)),
        "the first folder stays indexed"
    );
    assert!(in_kiro(&symbol_uris(&mut client, "Room")), "the added folder is indexed");

    client.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({ "event": { "added": [], "removed": [folder(kiro.path())] } }),
    );
    // Folder removal goes through the analysis worker; poll briefly for it.
    let mut gone = false;
    for _ in 0..200 {
        if !in_kiro(&symbol_uris(&mut client, "Room")) {
            gone = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(gone, "the removed folder's documents are gone");
    assert!(client.shutdown());
}
