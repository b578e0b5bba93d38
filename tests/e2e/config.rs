//! Configuration through the server: `specls.toml` read at start, edited in the editor, changed
//! on disk; its problems published on its own URI; the same keys from `initializationOptions`
//! and `workspace/didChangeConfiguration`.

use serde_json::{Value, json};

use crate::support::{Client, published, start, workspace};

/// `(code, severity)` of each diagnostic.
fn summary(diagnostics: &Value) -> Vec<(String, i64)> {
    diagnostics
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap().to_string(), d["severity"].as_i64().unwrap()))
        .collect()
}

fn has(diagnostics: &Value, code: &str) -> bool {
    summary(diagnostics).iter().any(|(c, _)| c == code)
}

fn change_all(client: &mut Client, uri: &str, version: i64, text: &str) {
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
    );
}

/// URIs of the documents holding clauses that match `query`.
fn symbol_uris(client: &mut Client, query: &str) -> Vec<String> {
    let found = client.request("workspace/symbol", json!({ "query": query }));
    found.as_array().unwrap().iter().map(|s| s["location"]["uri"].as_str().unwrap().to_string()).collect()
}

/// Verifies specs/001-core-engine/spec.md FR-020, FR-021.
/// Verifies 002-diagnostics/FR-007: levels, a user format, file filters and unknown keys from `specls.toml`.
#[test]
fn specls_toml_applies_at_start_and_its_problems_are_published_on_it() {
    let (_ws, mut client) = start("config", &["utf-16"], false);
    // The unknown key, on the configuration file itself (read from disk), with its position.
    let config_uri = client.uri("specls.toml");
    let problems = published(&mut client, &config_uri, |d| has(d, "config/unknown-key"));
    assert_eq!(
        problems[0]["range"],
        json!({ "start": { "line": 4, "character": 0 }, "end": { "line": 4, "character": 6 } })
    );
    assert_eq!(problems[0]["severity"], 2);
    client.wait_indexed();

    // Rule levels: duplicate-id is a warning, unresolved-clarification is off.
    let spec = client.open("specs/001-login/spec.md", 1);
    let diagnostics = published(&mut client, &spec, |d| has(d, "duplicate-id"));
    assert!(summary(&diagnostics).iter().all(|(c, s)| c != "duplicate-id" || *s == 2), "{diagnostics}");
    assert!(!has(&diagnostics, "unresolved-clarification"), "{diagnostics}");

    // The user format: decision records are a kind (with required sections) with an ID pattern.
    let adr = client.open("docs/adr/0002-hash-passwords.md", 1);
    let diagnostics = published(&mut client, &adr, |d| has(d, "unresolved-reference"));
    assert!(has(&diagnostics, "missing-section"), "{diagnostics}");
    assert!(diagnostics.to_string().contains("ADR-007"), "{diagnostics}");

    // Include and exclude: the excluded draft and the not-included note are not indexed.
    assert!(symbol_uris(&mut client, "T101").is_empty(), "excluded by `exclude`");
    assert!(symbol_uris(&mut client, "T201").is_empty(), "outside `include`");
    assert!(!symbol_uris(&mut client, "ADR-001").is_empty(), "user-format clauses are symbols");
    assert!(client.shutdown());
}

/// Verifies specs/001-core-engine/spec.md FR-020.
#[test]
fn editing_specls_toml_in_the_editor_reconfigures_open_documents() {
    let (ws, mut client) = start("config", &["utf-16"], false);
    client.wait_indexed();
    let spec = client.open("specs/001-login/spec.md", 1);
    published(&mut client, &spec, |d| has(d, "duplicate-id"));

    let config_uri = client.uri("specls.toml");
    let original = std::fs::read_to_string(ws.path().join("specls.toml")).unwrap();
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": config_uri, "languageId": "toml", "version": 1, "text": original } }),
    );
    let problems = published(&mut client, &config_uri, |d| has(d, "config/unknown-key"));
    assert_eq!(problems.as_array().unwrap().len(), 1, "{problems}");

    // Turn duplicate-id off, bring unresolved-clarification back as an error, misspell a rule.
    let edited = original
        .replace("duplicate-id = \"warning\"", "duplicate-id = \"off\"\nmising-section = \"off\"")
        .replace("unresolved-clarification = \"off\"", "unresolved-clarification = \"error\"")
        .replace("colour = \"blue\"\n", "");
    change_all(&mut client, &config_uri, 2, &edited);
    let diagnostics = published(&mut client, &spec, |d| !has(d, "duplicate-id"));
    assert!(summary(&diagnostics).contains(&("unresolved-clarification".to_string(), 1)), "{diagnostics}");
    let problems = published(&mut client, &config_uri, |d| d.to_string().contains("mising"));
    assert_eq!(problems.as_array().unwrap().len(), 1, "`colour` is gone: {problems}");
    let problem = &problems.as_array().unwrap()[0];
    assert_eq!(problem["code"], "config/unknown-key");
    assert!(problem["message"].as_str().unwrap().contains("did you mean `missing-section`?"), "{problem}");
    let line = edited.lines().position(|l| l.starts_with("mising-section")).unwrap();
    assert_eq!(problem["range"]["start"], json!({ "line": line, "character": 0 }));

    // Closing the file without saving: the configuration on disk applies again.
    client.notify("textDocument/didClose", json!({ "textDocument": { "uri": config_uri } }));
    published(&mut client, &spec, |d| has(d, "duplicate-id") && !has(d, "unresolved-clarification"));
    assert!(client.shutdown());
}

/// Verifies specs/001-core-engine/spec.md FR-013, FR-020.
#[test]
fn a_changed_specls_toml_on_disk_is_reloaded() {
    let (ws, mut client) = start("config", &["utf-16"], false);
    client.wait_indexed();
    let adr = client.open("docs/adr/0002-hash-passwords.md", 1);
    published(&mut client, &adr, |d| has(d, "missing-section"));
    let config_uri = client.uri("specls.toml");
    published(&mut client, &config_uri, |d| has(d, "config/unknown-key"));

    // Switch missing-section off and stop excluding drafts, on disk.
    let path = ws.path().join("specls.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("[rules]\n", "[rules]\nmissing-section = \"off\"\n")
        .replace("exclude = [\"specs/*/drafts/**\"]\n", "")
        .replace("colour = \"blue\"\n", "");
    std::fs::write(&path, text).unwrap();
    client.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": config_uri, "type": 2 }] }));
    let diagnostics = published(&mut client, &adr, |d| !has(d, "missing-section"));
    assert!(has(&diagnostics, "unresolved-reference"), "{diagnostics}");
    // The problems of the file are gone, and published as such.
    published(&mut client, &config_uri, |d| d.as_array().unwrap().is_empty());
    // The drafts folder is scanned again.
    let mut found = false;
    for _ in 0..200 {
        if !symbol_uris(&mut client, "T101").is_empty() {
            found = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(found, "the no longer excluded draft is indexed after the rescan");
    assert!(client.shutdown());
}

/// Verifies specs/001-core-engine/spec.md FR-013.
#[test]
fn a_changed_format_file_rebuilds_the_grammar() {
    let (ws, mut client) = start("config", &["utf-16"], false);
    client.wait_indexed();
    let adr = client.open("docs/adr/0002-hash-passwords.md", 1);
    published(&mut client, &adr, |d| has(d, "unresolved-reference"));
    // Decision IDs get four digits: `ADR-007` no longer matches, so nothing is unresolved.
    let format = ws.path().join("formats/adr.toml");
    let text = std::fs::read_to_string(&format).unwrap().replace(r"ADR-\d{3}", r"ADR-\d{4}");
    std::fs::write(&format, text).unwrap();
    let format_uri = client.uri("formats/adr.toml");
    client.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": format_uri, "type": 2 }] }));
    let diagnostics = published(&mut client, &adr, |d| !has(d, "unresolved-reference"));
    assert!(has(&diagnostics, "missing-section"), "the kind is still known: {diagnostics}");
    assert!(client.shutdown());
}

/// Verifies specs/001-core-engine/spec.md FR-020.
#[test]
fn pulled_diagnostics_of_specls_toml() {
    let (_ws, mut client) = start("config", &["utf-8"], true);
    client.wait_indexed();
    let config_uri = client.uri("specls.toml");
    let report = client.request("textDocument/diagnostic", json!({ "textDocument": { "uri": config_uri } }));
    assert_eq!(summary(&report["items"]), [("config/unknown-key".to_string(), 2)]);
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": config_uri, "languageId": "toml", "version": 1, "text": "[rules]\nduplicate-id = 3\n" } }),
    );
    let report = client.request("textDocument/diagnostic", json!({ "textDocument": { "uri": config_uri } }));
    assert_eq!(summary(&report["items"]), [("config/invalid-value".to_string(), 1)]);
    assert_eq!(report["items"][0]["range"]["start"], json!({ "line": 1, "character": 15 }));
    assert!(client.shutdown());
}

/// Verifies specs/001-core-engine/spec.md FR-020.
/// Verifies 002-diagnostics/FR-007: the same keys through `initializationOptions`.
#[test]
fn initialization_options_and_did_change_configuration_carry_the_same_keys() {
    let ws = workspace("speckit");
    let mut client = Client::spawn(ws.path());
    client.initialize_with(
        json!({ "window": { "workDoneProgress": true } }),
        Some(json!({ "pushDiagnostics": true, "rules": { "missing-section": "off" } })),
    );
    client.wait_indexed();
    let spec = client.open("specs/002-export/spec.md", 1);
    let diagnostics = client.diagnostics_for(&spec, Some(1));
    assert!(!has(&diagnostics, "missing-section"), "{diagnostics}");

    client.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "specls": { "rules": { "missing-section": "hint" } } } }),
    );
    let diagnostics = published(&mut client, &spec, |d| has(d, "missing-section"));
    assert_eq!(summary(&diagnostics), [("missing-section".to_string(), 4)]);
    assert!(client.shutdown());
}

/// Verifies specs/001-core-engine/spec.md FR-013.
#[test]
fn deleting_specls_toml_restores_the_defaults_and_clears_its_problems() {
    let (ws, mut client) = start("config", &["utf-16"], false);
    client.wait_indexed();
    let spec = client.open("specs/001-login/spec.md", 1);
    published(&mut client, &spec, |d| summary(d).contains(&("duplicate-id".to_string(), 2)));
    let config_uri = client.uri("specls.toml");
    published(&mut client, &config_uri, |d| has(d, "config/unknown-key"));
    std::fs::remove_file(ws.path().join("specls.toml")).unwrap();
    client.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": config_uri, "type": 3 }] }));
    let diagnostics = published(&mut client, &spec, |d| summary(d).contains(&("duplicate-id".to_string(), 1)));
    assert!(has(&diagnostics, "unresolved-clarification"), "the rule is on again: {diagnostics}");
    published(&mut client, &config_uri, |d| d.as_array().unwrap().is_empty());
    assert!(client.shutdown());
}

/// Verifies specs/002-diagnostics/spec.md FR-007: settings pulled with `workspace/configuration`.
#[test]
fn settings_pulled_with_workspace_configuration_apply() {
    let ws = workspace("speckit");
    let mut client = Client::spawn(ws.path());
    client.replies.insert("workspace/configuration".into(), json!([{ "rules": { "missing-section": "off" } }]));
    client.initialize_with(
        json!({ "window": { "workDoneProgress": true }, "workspace": { "configuration": true } }),
        None,
    );
    client.wait_indexed();
    let spec = client.open("specs/002-export/spec.md", 1);
    let diagnostics = client.diagnostics_for(&spec, Some(1));
    assert!(!has(&diagnostics, "missing-section"), "{diagnostics}");

    client.replies.insert("workspace/configuration".into(), json!([{ "rules": { "missing-section": "error" } }]));
    client.notify("workspace/didChangeConfiguration", json!({ "settings": null }));
    let diagnostics = published(&mut client, &spec, |d| has(d, "missing-section"));
    assert_eq!(summary(&diagnostics), [("missing-section".to_string(), 1)]);
    assert!(client.shutdown());
}
