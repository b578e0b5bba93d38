//! Navigation between specs and code over `tests/fixtures/trace` (Spec Kit, Kiro and OpenSpec
//! specs; Rust, Python and TypeScript code): definition, implementation and references, from spec
//! to code and from code to spec. The fixture's README lists each case.

use serde_json::json;

use crate::support::{Client, ask, places, start};

/// Verifies specs/003-navigation/spec.md FR-006, FR-017.
#[test]
fn definition_goes_from_code_and_tests_to_the_clause_across_formats() {
    let (ws, mut client) = start("trace", &["utf-16"], false);
    client.wait_indexed();
    let root = ws.path();
    let mut found =
        |file: &str, needle: &str, shift: u32| ask(&mut client, root, "textDocument/definition", file, needle, shift);
    // Pinned by the file header's spec path, although 002-billing defines FR-001 too.
    assert_eq!(found("src/auth/login.rs", "Implements: FR-001", 13), ["specs/001-user-auth/spec.md:52"]);
    assert_eq!(found("src/auth/login.rs", "Implements: T002", 13), ["specs/001-user-auth/tasks.md:18"]);
    assert_eq!(found("src/auth/login.rs", "@relation(FR-004", 10), ["specs/001-user-auth/spec.md:55"]);
    // Unpinned and defined twice: every candidate.
    assert_eq!(
        found("src/shared.rs", "// FR-001", 3),
        ["specs/001-user-auth/spec.md:52", "specs/002-billing/spec.md:34"]
    );
    assert_eq!(found("src/shared.rs", "// SC-002", 3), ["specs/001-user-auth/spec.md:67"]);
    // Test names carry keys.
    assert_eq!(found("tests/auth_test.rs", "fn fr_002_rejects", 3), ["specs/001-user-auth/spec.md:53"]);
    assert_eq!(found("tests/auth_test.rs", "fn test_fr003", 8), ["specs/001-user-auth/spec.md:54"]);
    assert_eq!(found("tests/test_billing.py", "def test_FR001", 9), ["specs/002-billing/spec.md:34"]);
    assert_eq!(found("src/billing/invoice.py", "as task T002", 8), ["specs/002-billing/tasks.md:8"]);
    // Kiro properties and criteria, pinned by `Feature:` and the spec path.
    assert_eq!(found("web/src/room.ts", "Property 1", 9), [".kiro/specs/room-creation/design.md:16"]);
    assert_eq!(found("web/src/room.ts", "Requirements 1.2", 13), [".kiro/specs/room-creation/requirements.md:17"]);
    assert_eq!(found("web/src/room.test.ts", "Requirements 2.1", 13), [".kiro/specs/room-creation/requirements.md:26"]);
    // An OpenSpec requirement by its qualified name.
    assert_eq!(found("web/src/room.test.ts", "#Session expiry", 3), ["openspec/specs/identity/spec.md:10"]);
    // A suppressed line mentions nothing.
    assert!(found("src/auth/login.rs", "ignore FR-009", 9).is_empty());
    // And from specs: a task's citation, a Kiro design's criterion.
    assert_eq!(found("specs/001-user-auth/tasks.md", "login.rs per FR-001", 15), ["specs/001-user-auth/spec.md:52"]);
    assert_eq!(
        found(".kiro/specs/room-creation/design.md", "Validates: Requirements 1.2", 24),
        [".kiro/specs/room-creation/requirements.md:17"]
    );
    assert!(client.shutdown());
}

/// Verifies specs/003-navigation/spec.md FR-007.
#[test]
fn definition_on_a_task_goes_to_what_it_cites_and_the_code_that_mentions_it() {
    let (ws, mut client) = start("trace", &["utf-16"], false);
    client.wait_indexed();
    let root = ws.path();
    assert_eq!(
        ask(&mut client, root, "textDocument/definition", "specs/001-user-auth/tasks.md", "T002 [US1] Create login", 1),
        ["specs/001-user-auth/spec.md:10", "specs/001-user-auth/spec.md:52", "src/auth/login.rs:36"]
    );
    assert!(client.shutdown());
}

/// Verifies specs/003-navigation/spec.md FR-008, FR-009, FR-017.
#[test]
fn implementation_and_references_go_from_a_clause_to_code_and_tests() {
    let (ws, mut client) = start("trace", &["utf-8", "utf-16"], false);
    client.wait_indexed();
    let root = ws.path();
    let spec = "specs/001-user-auth/spec.md";
    let mut ask =
        |method: &str, file: &str, needle: &str, shift: u32| ask(&mut client, root, method, file, needle, shift);
    assert_eq!(
        ask("textDocument/implementation", spec, "**FR-001**", 2),
        ["src/auth/login.rs:35"],
        "the unpinned, ambiguous mention in src/shared.rs names no clause in particular"
    );
    assert_eq!(
        ask("textDocument/implementation", "specs/002-billing/spec.md", "**FR-001**", 2),
        ["src/billing/invoice.py:21", "tests/test_billing.py:7"]
    );
    assert_eq!(
        ask("textDocument/references", spec, "**FR-002**", 2),
        [
            "specs/001-user-auth/plan.md:9",
            "specs/001-user-auth/spec.md:53",
            "specs/001-user-auth/tasks.md:20",
            "tests/auth_test.rs:20",
            "tests/auth_test.rs:22",
        ]
    );
    // From a mention in code, the same list as from the clause.
    assert_eq!(
        ask("textDocument/references", "tests/auth_test.rs", "test_fr003", 5),
        ask("textDocument/references", spec, "**FR-003**", 2)
    );
    assert_eq!(
        ask("textDocument/implementation", ".kiro/specs/room-creation/requirements.md", "### Requirement 1", 0),
        Vec::<String>::new(),
        "a requirement heading is not a key"
    );
    assert!(client.shutdown());
}

/// Verifies specs/003-navigation/spec.md FR-005, FR-017.
#[test]
fn the_code_index_follows_edits_in_the_editor_and_on_disk() {
    let (ws, mut client) = start("trace", &["utf-16"], false);
    client.wait_indexed();
    let root = ws.path().to_path_buf();
    let spec = "specs/001-user-auth/spec.md";
    let implementations =
        |client: &mut Client| ask(client, &root, "textDocument/implementation", spec, "**FR-003**", 2);
    assert_eq!(implementations(&mut client), ["src/auth/login.rs:54", "tests/auth_test.rs:30"]);

    // A code file opened and edited: its unsaved text counts.
    let uri = client.uri("src/shared.rs");
    let text = std::fs::read_to_string(root.join("src/shared.rs")).expect("fixture file");
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "rust", "version": 1, "text": text } }),
    );
    client.change(&uri, 2, (0, 0), (0, 0), "// Implements: 001-user-auth/FR-003\n");
    assert_eq!(implementations(&mut client), ["src/auth/login.rs:54", "src/shared.rs:1", "tests/auth_test.rs:30"]);
    // Asked from the edited code file itself.
    let from_code = client.request(
        "textDocument/definition",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 30 } }),
    );
    assert_eq!(places(&root, &from_code), ["specs/001-user-auth/spec.md:54"]);

    // A new file on disk, reported by the watcher.
    std::fs::write(root.join("src/lockout.py"), "# specs/001-user-auth/spec.md\n# Implements: FR-003\n")
        .expect("write");
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": client.uri("src/lockout.py"), "type": 1 }] }),
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while implementations(&mut client).len() < 4 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(
        implementations(&mut client),
        ["src/auth/login.rs:54", "src/lockout.py:2", "src/shared.rs:1", "tests/auth_test.rs:30"]
    );
    assert!(client.shutdown());
}

/// Verifies specs/003-navigation/spec.md FR-001, FR-003.
#[test]
fn the_code_table_of_specls_toml_narrows_or_turns_off_the_code_index() {
    let spec = "specs/001-user-auth/spec.md";
    // The implementations of FR-003 and the coverage lens above it, under a configuration.
    let ask_with = |config: &str| {
        let ws = crate::support::workspace("trace");
        std::fs::write(ws.path().join("specls.toml"), config).expect("write specls.toml");
        let mut client = Client::spawn(ws.path());
        client.initialize(&["utf-16"], false);
        client.wait_indexed();
        let found = ask(&mut client, ws.path(), "textDocument/implementation", spec, "**FR-003**", 2);
        let lenses = client.request("textDocument/codeLens", json!({ "textDocument": { "uri": client.uri(spec) } }));
        let line = crate::support::at(ws.path(), spec, "**FR-003**", 0)["line"].clone();
        let title = lenses
            .as_array()
            .and_then(|l| l.iter().find(|l| l["range"]["start"]["line"] == line))
            .map(|l| l["command"]["title"].as_str().unwrap_or_default().to_string());
        assert!(client.shutdown());
        (found, title.unwrap_or_default())
    };
    let (found, title) = ask_with("[code]\nexclude = [\"tests/**\"]\n");
    assert_eq!((found, title.as_str()), (vec!["src/auth/login.rs:54".to_string()], "1 task · 1 code · 0 tests"));
    // Test globs replace the built-in ones: src/ is tests now, and a test function stays a test.
    let (_, title) = ask_with("[code]\ntests = [\"src/**\"]\n");
    assert_eq!(title, "1 task · 0 code · 2 tests");
    let (found, title) = ask_with("[code]\nenabled = false\n");
    assert_eq!((found.len(), title.as_str()), (0, "1 task · 0 code · 0 tests"));
}
