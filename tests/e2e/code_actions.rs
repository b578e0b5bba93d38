//! Code actions end to end over `tests/fixtures/results`: a failing result becomes a
//! `test-failing` diagnostic, its actions come back as versioned workspace edits, and applying
//! them gives the edited text; the quick fixes of the structural diagnostics likewise.

use serde_json::{Value, json};

use crate::support::{Client, apply_edits, relative, workspace};

/// A client that takes versioned document changes and file creation, or plain `changes`.
fn start(document_changes: bool) -> (tempfile::TempDir, Client) {
    let ws = workspace("results");
    let mut client = Client::spawn(ws.path());
    client.initialize_with(
        json!({
            "general": { "positionEncodings": ["utf-8"] },
            "workspace": {
                "workspaceEdit": { "documentChanges": document_changes, "resourceOperations": ["create"] },
                "didChangeWatchedFiles": { "dynamicRegistration": true }
            },
            "window": { "workDoneProgress": true }
        }),
        None,
    );
    client.wait_indexed();
    (ws, client)
}

/// The actions at a line, with the diagnostics published for the document.
fn actions_at(client: &mut Client, uri: &str, line: u32, diagnostics: &Value) -> Vec<Value> {
    let at = json!({ "line": line, "character": 0 });
    let result = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": { "start": at, "end": at },
            "context": { "diagnostics": diagnostics }
        }),
    );
    result.as_array().cloned().unwrap_or_default()
}

fn titled<'a>(actions: &'a [Value], prefix: &str) -> &'a Value {
    actions
        .iter()
        .find(|a| a["title"].as_str().is_some_and(|t| t.starts_with(prefix)))
        .unwrap_or_else(|| panic!("no action {prefix}: {actions:#?}"))
}

/// Waits for the `test-failing` diagnostic of FR-002.
fn failing_fr002(client: &mut Client, uri: &str) -> Value {
    let uri = uri.to_string();
    client.wait_for(move |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri
            && m["params"]["diagnostics"].as_array().is_some_and(|a| {
                a.iter()
                    .any(|d| d["code"] == "test-failing" && d["message"].as_str().unwrap_or("").contains("`FR-002`"))
            })
    })["params"]["diagnostics"]
        .clone()
}

/// Verifies specs/005-test-results/spec.md FR-013, FR-014, FR-015.
#[test]
fn a_failing_requirement_offers_a_spec_gap_a_task_and_the_failing_test() {
    let (ws, mut client) = start(true);
    let spec = client.open("specs/001-calc/spec.md", 3);
    let diagnostics = failing_fr002(&mut client, &spec);
    let actions = actions_at(&mut client, &spec, 19, &diagnostics);

    // Mark spec gap: the open spec's edit carries its version.
    let gap = titled(&actions, "Mark spec gap on `FR-002`");
    assert_eq!(gap["kind"], "quickfix");
    assert_eq!(gap["diagnostics"][0]["code"], "test-failing");
    let change = &gap["edit"]["documentChanges"][0];
    assert_eq!(change["textDocument"]["version"], 3);
    let text = std::fs::read_to_string(ws.path().join("specs/001-calc/spec.md")).unwrap();
    insta::assert_snapshot!("mark_spec_gap", apply_edits(&text, &change["edits"]));

    // Add a task: tasks.md is not open, so its version is null.
    let task = titled(&actions, "Add task T002 to fix `FR-002`");
    let change = &task["edit"]["documentChanges"][0];
    assert_eq!(relative(ws.path(), &change["textDocument"]["uri"]), "specs/001-calc/tasks.md");
    assert_eq!(change["textDocument"]["version"], Value::Null);
    let text = std::fs::read_to_string(ws.path().join("specs/001-calc/tasks.md")).unwrap();
    insta::assert_snapshot!("add_task", apply_edits(&text, &change["edits"]));

    // Open failing test: a server command answered with window/showDocument.
    let open = titled(&actions, "Open failing test tests::fr_002_subtracts");
    let command = &open["command"];
    assert_eq!(command["command"], "specls.openLocation");
    client.request(
        "workspace/executeCommand",
        json!({ "command": command["command"], "arguments": command["arguments"] }),
    );
    let shown = client.wait_for(|m| m["method"] == "window/showDocument");
    assert_eq!(relative(ws.path(), &shown["params"]["uri"]), "src/lib.rs");
    assert_eq!(shown["params"]["selection"]["start"]["line"], 20);
    assert_eq!(shown["params"]["takeFocus"], true);
}

/// Verifies specs/005-test-results/spec.md FR-013, FR-026.
#[test]
fn clients_without_document_changes_get_plain_changes() {
    let (ws, mut client) = start(false);
    let spec = client.open("specs/001-calc/spec.md", 1);
    let diagnostics = failing_fr002(&mut client, &spec);
    let actions = actions_at(&mut client, &spec, 19, &diagnostics);
    let gap = titled(&actions, "Mark spec gap on `FR-002`");
    assert!(gap["edit"].get("documentChanges").is_none());
    let edits = &gap["edit"]["changes"][&spec];
    let text = std::fs::read_to_string(ws.path().join("specs/001-calc/spec.md")).unwrap();
    assert!(
        apply_edits(&text, edits)
            .contains("subtract the second number from the first. [NEEDS CLARIFICATION: tests::fr_002_subtracts fails")
    );
}

/// Verifies specs/005-test-results/spec.md FR-025, FR-026.
#[test]
fn structural_diagnostics_have_quick_fixes() {
    let (ws, mut client) = start(true);
    let original = std::fs::read_to_string(ws.path().join("specs/001-calc/spec.md")).unwrap();
    let spec_text = original
        .replace("- **FR-008**: The calculator MUST cap", "- **FR-001**: The calculator MUST cap")
        .replace("round results to two decimals.", "round results to [NEEDS CLARIFICATION: how many decimals?].");
    let spec = client.uri("specs/001-calc/spec.md");
    client.open_text(&spec, &spec_text, 1);
    let tasks_text = "# Tasks: Pocket Calculator\n\n## Phase 1: Setup\n\n- [ ] T001 Create the crate in src/lib.rs per FR-001, FR-009\n";
    let tasks = client.uri("specs/001-calc/tasks.md");
    client.open_text(&tasks, tasks_text, 1);
    let diagnostics = client.diagnostics_for(&spec, Some(1));

    let line = |text: &str, needle: &str| text[..text.find(needle).unwrap()].matches('\n').count() as u32;
    let actions = actions_at(&mut client, &spec, line(&spec_text, "FR-001**: The calculator MUST cap"), &diagnostics);
    let renumber = titled(&actions, "Renumber `FR-001` to `FR-008`");
    let edits = &renumber["edit"]["documentChanges"][0]["edits"];
    assert!(apply_edits(&spec_text, edits).contains("- **FR-008**: The calculator MUST cap"));

    let actions = actions_at(&mut client, &spec, line(&spec_text, "[NEEDS"), &diagnostics);
    let clarify = titled(&actions, "Move the question to `## Clarifications`");
    let edits = &clarify["edit"]["documentChanges"][0]["edits"];
    let clarified = apply_edits(&spec_text, edits);
    let dated = regex_free_date(&clarified);
    insta::assert_snapshot!("clarification", dated);

    let tasks_diagnostics = client.diagnostics_for(&tasks, Some(1));
    let actions = actions_at(&mut client, &tasks, 4, &tasks_diagnostics);
    let stub = titled(&actions, "Add a stub for `FR-009` to specs/001-calc/spec.md");
    let change = &stub["edit"]["documentChanges"][0];
    assert_eq!(change["textDocument"]["version"], 1);
    assert!(apply_edits(&spec_text, &change["edits"]).contains(
        "- **FR-001**: The calculator MUST cap the history at ten results.\n- **FR-009**: [NEEDS CLARIFICATION: cited in specs/001-calc/tasks.md but not specified yet]\n"
    ));
    let toggle = titled(&actions, "Mark task T001 done");
    assert_eq!(toggle["kind"], "source");
    assert!(apply_edits(tasks_text, &toggle["edit"]["documentChanges"][0]["edits"]).contains("- [x] T001 Create"));

    // A spec without its success criteria gets the section from its skeleton.
    let cut = original.find("## Success Criteria").unwrap();
    let short = &original[..cut];
    client.change(&spec, 2, (0, 0), (u32::MAX, 0), short);
    let diagnostics = client.diagnostics_for(&spec, Some(2));
    let actions = actions_at(&mut client, &spec, 0, &diagnostics);
    let section = titled(&actions, "Add section `## Success Criteria");
    assert_eq!(section["edit"]["documentChanges"][0]["textDocument"]["version"], 2);
    insta::assert_snapshot!("missing_section", apply_edits(short, &section["edit"]["documentChanges"][0]["edits"]));
}

/// The text with today's session date replaced, for a stable snapshot.
fn regex_free_date(text: &str) -> String {
    text.lines()
        .map(|l| if l.starts_with("### Session ") { "### Session YYYY-MM-DD" } else { l })
        .collect::<Vec<_>>()
        .join("\n")
}
