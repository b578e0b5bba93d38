//! What an editor shows around spec keys over `tests/fixtures/trace`: hover, inlay hints, code
//! lenses, semantic tokens, rename and document links, from spec to code and from code to spec.
//! The fixture's README lists each case; `trace.rs` covers definition, implementation and
//! references.

use std::fmt::Write;
use std::path::Path;

use serde_json::{Value, json};

use crate::support::{Client, applied, at, places, redact, relative, start};

/// The text of a one-line LSP range in a workspace file, counted in UTF-16 units.
fn text_in(root: &Path, file: &str, range: &Value) -> String {
    let (start, end) = (&range["start"], &range["end"]);
    assert_eq!(start["line"], end["line"], "one-line range in {file}: {range}");
    let line = line_units(root, file, start["line"].as_u64().expect("line"));
    let unit = |p: &Value| p["character"].as_u64().expect("character") as usize;
    String::from_utf16(&line[unit(start)..unit(end)]).expect("whole characters")
}

/// A line (0-based) of a workspace file as UTF-16 units.
fn line_units(root: &Path, file: &str, line: u64) -> Vec<u16> {
    let text = std::fs::read_to_string(root.join(file)).expect("fixture file");
    text.lines().nth(line as usize).expect("line in the file").encode_utf16().collect()
}

fn document(client: &Client, file: &str) -> Value {
    json!({ "textDocument": { "uri": client.uri(file) } })
}

/// The text the hover at `needle` (plus `shift`) covers, and its Markdown.
fn hover(client: &mut Client, root: &Path, file: &str, needle: &str, shift: u32) -> (String, String) {
    let mut params = document(client, file);
    params["position"] = at(root, file, needle, shift);
    let result = redact(&client.request("textDocument/hover", params), root);
    assert_eq!(result["contents"]["kind"], "markdown", "{file} {needle}: {result}");
    (text_in(root, file, &result["range"]), result["contents"]["value"].as_str().expect("markdown").to_string())
}

/// Verifies specs/003-navigation/spec.md FR-012, FR-013, FR-017.
#[test]
fn hover_shows_clauses_principles_and_ambiguity_in_specs_and_code() {
    let (ws, mut client) = start("trace", &["utf-16"], false);
    client.wait_indexed();
    let root = ws.path();
    // (file, needle, shift, the text the hover covers)
    let cases = [
        ("src/auth/login.rs", "Implements: FR-001", 13, "FR-001"),
        ("src/shared.rs", "// FR-001", 3, "FR-001"),
        ("tests/auth_test.rs", "fn fr_002_rejects", 3, "fr_002"),
        ("specs/001-user-auth/spec.md", "**FR-002**", 2, "FR-002"),
        ("specs/001-user-auth/spec.md", "### User Story 1", 16, "User Story 1"),
        ("specs/001-user-auth/plan.md", "Principle II", 10, "II"),
        ("specs/001-user-auth/plan.md", "- Test-First", 2, "Test-First"),
        (".specify/memory/constitution.md", "### III. Test-First", 9, "### III. Test-First (NON-NEGOTIABLE)"),
    ];
    let mut shown = Vec::new();
    for (file, needle, shift, covered) in cases {
        let (span, markdown) = hover(&mut client, root, file, needle, shift);
        assert_eq!(span, covered, "{file} {needle}");
        shown.push(markdown);
    }
    let [pinned, ambiguous, test_name, requirement, story, by_number, by_name, heading] = &shown[..] else {
        unreachable!()
    };
    // From code: the pinned mention names 001's clause, with its coverage.
    assert!(pinned.starts_with("**FR-001** System MUST authenticate members"), "{pinned}");
    assert!(pinned.contains("`specs/001-user-auth`"), "{pinned}");
    assert!(pinned.contains("**Coverage**: 1 task · 1 code · 0 tests"), "{pinned}");
    // Unpinned and defined twice: both features, no coverage.
    assert!(ambiguous.contains("defined in `specs/001-user-auth`, `specs/002-billing`"), "{ambiguous}");
    assert!(!ambiguous.contains("Coverage"), "{ambiguous}");
    // A test name and the clause's own key show the same thing, coverage listing the test file.
    assert_eq!(test_name, requirement);
    assert!(requirement.contains("- Tasks: T004 (`specs/001-user-auth/tasks.md:20`)"), "{requirement}");
    // The test's doc comment and its name are one test.
    assert!(requirement.contains("**Coverage**: 1 task · 0 code · 1 test"), "{requirement}");
    assert!(requirement.trim_end().ends_with("- Tests: `tests/auth_test.rs:20`"), "{requirement}");
    // The story's closing `---` is not drawn above the hover's own rule.
    assert!(!story.contains("---\n\n---"), "{story}");
    // A principle by number, by name and on its heading, with the constitution's version.
    assert!(by_number.starts_with("**Principle II. Security by Default**"), "{by_number}");
    assert_eq!(by_name, heading);
    assert!(heading.starts_with("**Principle III. Test-First (NON-NEGOTIABLE)**"), "{heading}");
    assert!(heading.ends_with("*Quayside Constitution* · version 1.2.0 · `.specify/memory/constitution.md`"));

    let mut snapshot = String::new();
    for ((file, needle, _, _), markdown) in cases.iter().zip(&shown) {
        let _ = write!(snapshot, "## {file}: {needle}\n\n{markdown}\n\n");
    }
    insta::assert_snapshot!("hovers", snapshot.trim_end());
    assert!(client.shutdown());
}

/// The lines of a file that get inlay hints, each with its hints written in as `⟨label⟩`; and
/// the tooltips, in order.
fn hinted(client: &mut Client, root: &Path, file: &str) -> (Vec<String>, Vec<String>) {
    let mut params = document(client, file);
    params["range"] = json!({ "start": { "line": 0, "character": 0 }, "end": { "line": 1000, "character": 0 } });
    let hints = client.request("textDocument/inlayHint", params);
    let hints = hints.as_array().expect("hints");
    let mut lines: Vec<(u64, Vec<u16>)> = Vec::new();
    // Right to left, so that earlier positions on a line stay valid.
    for hint in hints.iter().rev() {
        let line = hint["position"]["line"].as_u64().expect("line");
        let character = hint["position"]["character"].as_u64().expect("character") as usize;
        if lines.last().is_none_or(|(l, _)| *l != line) {
            lines.push((line, line_units(root, file, line)));
        }
        let label = format!("⟨{}⟩", hint["label"].as_str().expect("label"));
        let units = &mut lines.last_mut().expect("a line").1;
        units.splice(character..character, label.encode_utf16());
    }
    let shown =
        lines.iter().rev().map(|(l, units)| format!("{}: {}", l + 1, String::from_utf16_lossy(units))).collect();
    let tooltips = hints.iter().map(|h| h["tooltip"].as_str().expect("tooltip").to_string()).collect();
    (shown, tooltips)
}

/// Verifies specs/003-navigation/spec.md FR-014, FR-017.
#[test]
fn inlay_hints_name_what_a_mention_resolves_to_in_code_and_tasks() {
    let (ws, mut client) = start("trace", &["utf-16"], false);
    client.wait_indexed();
    let root = ws.path();
    // Pinned to 002-billing by its header: 002's titles, not 001's.
    let (lines, tooltips) = hinted(&mut client, root, "src/billing/invoice.py");
    assert_eq!(
        lines,
        ["21: # Implements: FR-001⟨System MUST compute an invoice total as…⟩, \
          FR-002⟨System MUST round each total half-up to…⟩"]
    );
    assert_eq!(
        tooltips,
        [
            "FR-001 System MUST compute an invoice total as the sum of its line amounts minus the discount.\n\
             specs/002-billing/spec.md:34",
            "FR-002 System MUST round each total half-up to the currency's minor unit.\nspecs/002-billing/spec.md:35",
        ]
    );
    // The ambiguous FR-001 gets none; SC-002, defined once, does.
    let (lines, _) = hinted(&mut client, root, "src/shared.rs");
    assert_eq!(
        lines,
        [
            "32: // SC-002⟨No account accepts more than five wrong…⟩ relies on this comparison taking the same time for every mismatch"
        ]
    );
    // Comments only: not the test name, not the string in the assertion.
    let (lines, _) = hinted(&mut client, root, "tests/test_billing.py");
    assert_eq!(lines, ["12: # Verifies: FR-002⟨System MUST round each total half-up to…⟩"]);
    // The suppressed line mentions nothing; the Kiro property's line already shows its title.
    let (lines, _) = hinted(&mut client, root, "src/auth/login.rs");
    assert!(lines.iter().all(|l| !l.contains("FR-009")), "{lines:#?}");
    let (lines, _) = hinted(&mut client, root, "web/src/room.ts");
    assert!(lines.iter().all(|l| !l.contains("Property 1⟨")), "{lines:#?}");

    let (lines, _) = hinted(&mut client, root, "specs/001-user-auth/tasks.md");
    insta::assert_snapshot!("tasks_hints", lines.join("\n"));
    assert!(client.shutdown());
}

/// Each lens of a file as `line key: title → places` (no arrow when a click lists nothing).
fn lenses(client: &mut Client, root: &Path, file: &str) -> Vec<String> {
    let lenses = client.request("textDocument/codeLens", document(client, file));
    lenses
        .as_array()
        .expect("lenses")
        .iter()
        .map(|lens| {
            let command = &lens["command"];
            assert_eq!(command["command"], "editor.action.showReferences");
            let [uri, position, locations] = command["arguments"].as_array().expect("arguments").as_slice() else {
                panic!("three arguments: {command}")
            };
            assert_eq!(relative(root, uri), file);
            assert_eq!(*position, lens["range"]["start"], "the command shows the lens's key");
            let mut shown = format!(
                "{} {}: {}",
                lens["range"]["start"]["line"].as_u64().expect("line") + 1,
                text_in(root, file, &lens["range"]),
                command["title"].as_str().expect("title"),
            );
            let listed = places(root, locations);
            if !listed.is_empty() {
                let _ = write!(shown, " → {}", listed.join(", "));
            }
            shown
        })
        .collect()
}

/// Verifies specs/003-navigation/spec.md FR-015, FR-017.
#[test]
fn lenses_count_tasks_code_and_tests_and_list_them() {
    let (ws, mut client) = start("trace", &["utf-16"], false);
    client.wait_indexed();
    let root = ws.path();
    let spec = lenses(&mut client, root, "specs/001-user-auth/spec.md");
    let lens = |key: &str| spec.iter().find(|l| l.contains(&format!(" {key}: "))).expect("a lens on the key").clone();
    // Not the ambiguous src/shared.rs mention: it names no clause in particular.
    assert_eq!(
        lens("FR-001"),
        "52 FR-001: 1 task · 1 code · 0 tests → \
         specs/001-user-auth/plan.md:8, specs/001-user-auth/tasks.md:18, src/auth/login.rs:35"
    );
    // The doc comment `Verifies: FR-002` and the test's name are one test; the click lists both.
    assert_eq!(
        lens("FR-002"),
        "53 FR-002: 1 task · 0 code · 1 test → specs/001-user-auth/plan.md:9, \
         specs/001-user-auth/tasks.md:20, tests/auth_test.rs:20, tests/auth_test.rs:22"
    );
    assert!(lens("FR-003").contains("1 task · 1 code · 1 test → "), "{spec:#?}");
    // The unpinned SC-002 in src/shared.rs is the only definition's.
    assert!(lens("SC-002").ends_with("src/shared.rs:32"), "{spec:#?}");
    insta::assert_snapshot!("spec_lenses", spec.join("\n"));

    assert_eq!(
        lenses(&mut client, root, "specs/001-user-auth/tasks.md"),
        [
            "18 T002: satisfies US1, FR-001 → specs/001-user-auth/spec.md:10, specs/001-user-auth/spec.md:52",
            "19 T003: satisfies US1, FR-004 → specs/001-user-auth/spec.md:10, specs/001-user-auth/spec.md:55",
            "20 T004: satisfies US1, FR-002 → specs/001-user-auth/spec.md:10, specs/001-user-auth/spec.md:53",
            "26 T005: satisfies US2, FR-003 → specs/001-user-auth/spec.md:27, specs/001-user-auth/spec.md:54",
            "30 T006: satisfies SC-001, SC-002 → specs/001-user-auth/spec.md:66, specs/001-user-auth/spec.md:67",
        ]
    );
    // 002's FR-001, covered from Python code and a Python test named after it.
    let billing = lenses(&mut client, root, "specs/002-billing/spec.md");
    assert!(
        billing.contains(
            &"34 FR-001: 2 tasks · 1 code · 1 test → specs/002-billing/tasks.md:7, specs/002-billing/tasks.md:9, \
              src/billing/invoice.py:21, tests/test_billing.py:7"
                .to_string()
        ),
        "{billing:#?}"
    );
    // Kiro: a property covered by a TypeScript comment; OpenSpec: a requirement by a test title.
    let design = lenses(&mut client, root, ".kiro/specs/room-creation/design.md");
    assert_eq!(design[0], "16 1: 1 task · 1 code · 0 tests → .kiro/specs/room-creation/tasks.md:11, web/src/room.ts:2");
    let identity = lenses(&mut client, root, "openspec/specs/identity/spec.md");
    assert_eq!(identity[0], "10 Session expiry: 0 tasks · 0 code · 1 test → web/src/room.test.ts:25");
    // Code files and principles get none.
    assert!(lenses(&mut client, root, "src/auth/login.rs").is_empty());
    assert!(lenses(&mut client, root, ".specify/memory/constitution.md").is_empty());
    assert!(client.shutdown());
}

/// The semantic tokens of a file as `(line, text, what)`, decoded against the legend that
/// `lens.rs` checks (`variable`, `decorator`, `keyword`; `declaration`, `definition`).
fn tokens(client: &mut Client, root: &Path, file: &str) -> Vec<(u64, String, &'static str)> {
    let full = client.request("textDocument/semanticTokens/full", document(client, file));
    let data: Vec<u64> = full["data"].as_array().expect("data").iter().map(|n| n.as_u64().expect("number")).collect();
    assert_eq!(data.len() % 5, 0);
    let (mut line, mut character) = (0, 0);
    data.chunks(5)
        .map(|t| {
            character = if t[0] == 0 { character + t[1] } else { t[1] };
            line += t[0];
            let range = json!({
                "start": { "line": line, "character": character },
                "end": { "line": line, "character": character + t[2] },
            });
            let what = match (t[3], t[4]) {
                (0, 0b11) => "definition",
                (0, 0) => "reference",
                (1, 0) => "marker",
                (2, 0) => "keyword",
                other => panic!("unexpected token type and modifiers {other:?}"),
            };
            (line + 1, text_in(root, file, &range), what)
        })
        .collect()
}

/// Verifies specs/003-navigation/spec.md FR-016, FR-017.
#[test]
fn semantic_tokens_mark_mentions_in_code_and_ears_keywords_in_kiro() {
    let (ws, mut client) = start("trace", &["utf-16"], false);
    client.wait_indexed();
    let root = ws.path();
    let owned = |tokens: &[(u64, &str, &'static str)]| -> Vec<(u64, String, &'static str)> {
        tokens.iter().map(|(line, text, what)| (*line, text.to_string(), *what)).collect()
    };
    assert_eq!(
        tokens(&mut client, root, "tests/auth_test.rs"),
        owned(&[(20, "FR-002", "reference"), (22, "fr_002", "reference"), (30, "fr003", "reference")])
    );
    // Suppressed: no token for FR-009.
    assert_eq!(
        tokens(&mut client, root, "src/auth/login.rs"),
        owned(&[
            (35, "FR-001", "reference"),
            (36, "T002", "reference"),
            (54, "FR-003", "reference"),
            (64, "FR-004", "reference")
        ])
    );
    // A mention in a string is one too.
    assert!(tokens(&mut client, root, "tests/test_billing.py").contains(&(15, "FR-002".to_string(), "reference")));

    let kiro = tokens(&mut client, root, ".kiro/specs/room-creation/requirements.md");
    assert!(kiro.contains(&(10, "1".to_string(), "definition")), "{kiro:?}");
    let on = |line: u64| -> Vec<(String, &str)> {
        kiro.iter().filter(|t| t.0 == line).map(|(_, text, what)| (text.clone(), *what)).collect()
    };
    let owned = |tokens: &[(&str, &'static str)]| -> Vec<(String, &'static str)> {
        tokens.iter().map(|(text, what)| (text.to_string(), *what)).collect()
    };
    // The criterion's computed key is its list number; `the system` in lower case is prose.
    assert_eq!(on(16), owned(&[("1.", "definition"), ("WHEN", "keyword"), ("THEN", "keyword"), ("SHALL", "keyword")]));
    assert_eq!(on(17), owned(&[("2.", "definition"), ("IF", "keyword"), ("THEN", "keyword"), ("SHALL", "keyword")]));
    assert!(on(12).is_empty(), "the user story line has no EARS clause: {:?}", on(12));
    assert!(client.shutdown());
}

/// The files a workspace edit changes (relative, sorted), each with its edits applied.
fn edited(root: &Path, edit: &Value) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = edit["changes"]
        .as_object()
        .expect("changes by URI")
        .iter()
        .map(|(uri, edits)| {
            let file = relative(root, &json!(uri));
            let text = applied(root, &file, edits);
            (file, text)
        })
        .collect();
    files.sort();
    files
}

fn rename_at(client: &mut Client, root: &Path, file: &str, needle: &str, shift: u32, new: &str) -> Value {
    let mut params = document(client, file);
    params["position"] = at(root, file, needle, shift);
    params["newName"] = json!(new);
    client.request_raw("textDocument/rename", params)
}

/// Verifies specs/003-navigation/spec.md FR-010, FR-017.
#[test]
fn renaming_from_code_edits_the_feature_its_code_and_tests_only() {
    let (ws, mut client) = start("trace", &["utf-16"], false);
    client.wait_indexed();
    let root = ws.path();
    let renamed = rename_at(&mut client, root, "src/auth/login.rs", "// FR-003", 4, "FR-010");
    let files = edited(root, &renamed["result"]);
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "specs/001-user-auth/plan.md",
            "specs/001-user-auth/spec.md",
            "specs/001-user-auth/tasks.md",
            "src/auth/login.rs",
            "tests/auth_test.rs",
        ],
        "nothing in 002-billing"
    );
    let [plan, spec, tasks, code, test] = &files[..] else { unreachable!() };
    assert!(plan.1.contains("locks an account (FR-010)"));
    assert!(spec.1.contains("- **FR-010**: System MUST lock an account"));
    assert!(tasks.1.contains("in src/auth/login.rs per FR-010\n"));
    assert!(code.1.contains("// FR-010 lockout after five failures"));
    assert!(test.1.contains("fn test_fr010_locks_account()"));
    // Only the renamed key changes.
    for (file, text) in &files {
        let before = std::fs::read_to_string(root.join(file)).expect("fixture file");
        assert_eq!(before.replace("FR-003", "FR-010").replace("fr003", "fr010"), *text, "{file}");
    }

    // Taken in the same feature.
    let refused = rename_at(&mut client, root, "src/auth/login.rs", "// FR-003", 4, "FR-002");
    assert_eq!(refused["error"]["code"], -32602);
    assert_eq!(refused["error"]["message"], "FR-002 is already defined in specs/001-user-auth/spec.md:53");

    // From a Python test name, 002's FR-001: the ambiguous `// FR-001` in src/shared.rs names
    // neither clause and is left alone.
    let renamed = rename_at(&mut client, root, "tests/test_billing.py", "test_FR001", 6, "FR-007");
    let files = edited(root, &renamed["result"]);
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        ["specs/002-billing/spec.md", "specs/002-billing/tasks.md", "src/billing/invoice.py", "tests/test_billing.py"]
    );
    assert!(files[2].1.contains("# Implements: FR-007, FR-002\n"));
    assert!(files[3].1.contains("def test_FR007_invoice_total():"));
    assert!(client.shutdown());
}

/// Verifies specs/003-navigation/spec.md FR-010, FR-017.
#[test]
fn rename_refuses_an_ambiguous_mention_and_follows_a_kiro_property_from_code() {
    let (ws, mut client) = start("trace", &["utf-16"], false);
    client.wait_indexed();
    let root = ws.path();
    let mut prepare = |file: &str, needle: &str, shift: u32| {
        let mut params = document(&client, file);
        params["position"] = at(root, file, needle, shift);
        client.request_raw("textDocument/prepareRename", params)
    };
    let refused = prepare("src/shared.rs", "// FR-001", 4);
    assert_eq!(refused["error"]["code"], -32803);
    assert_eq!(
        refused["error"]["message"],
        "FR-001 is ambiguous: defined in specs/001-user-auth and specs/002-billing; rename it at its definition"
    );
    let refused = prepare("web/src/room.ts", "Requirements 1.1", 13);
    assert_eq!(
        refused["error"]["message"],
        "acceptance criterion 1.1 is numbered by its position; reorder the list instead of renaming it"
    );
    let prepared = prepare("web/src/room.ts", "Property 1", 9);
    assert_eq!(prepared["result"]["placeholder"], "1");
    assert_eq!(text_in(root, "web/src/room.ts", &prepared["result"]["range"]), "1");

    let renamed = rename_at(&mut client, root, "web/src/room.ts", "Property 1", 9, "3");
    let files = edited(root, &renamed["result"]);
    let changed: Vec<(&str, Option<&str>)> =
        files.iter().map(|(name, text)| (name.as_str(), text.lines().find(|l| l.contains("Property 3")))).collect();
    assert_eq!(
        changed,
        [
            (".kiro/specs/room-creation/design.md", Some("### Property 3: Room names are unique per owner")),
            (
                ".kiro/specs/room-creation/tasks.md",
                Some("  - **Property 3: Room names are unique per owner** - Validates: Requirements 1.2")
            ),
            ("web/src/room.ts", Some("// Feature: room-creation, Property 3: Room names are unique per owner")),
        ]
    );
    assert!(client.shutdown());
}

/// The document links of a file as `line text → target`.
fn links(client: &mut Client, root: &Path, file: &str) -> Vec<String> {
    let links = client.request("textDocument/documentLink", document(client, file));
    links
        .as_array()
        .expect("links")
        .iter()
        .map(|link| {
            format!(
                "{} {} → {}",
                link["range"]["start"]["line"].as_u64().expect("line") + 1,
                text_in(root, file, &link["range"]),
                relative(root, &link["target"])
            )
        })
        .collect()
}

/// Verifies specs/003-navigation/spec.md FR-011, FR-017.
#[test]
fn spec_paths_in_code_and_code_paths_in_specs_are_links() {
    let (ws, mut client) = start("trace", &["utf-16"], false);
    client.wait_indexed();
    let root = ws.path();
    assert_eq!(
        links(&mut client, root, "src/auth/login.rs"),
        ["1 specs/001-user-auth/spec.md → specs/001-user-auth/spec.md"]
    );
    assert_eq!(
        links(&mut client, root, "web/src/room.ts"),
        ["1 .kiro/specs/room-creation/requirements.md → .kiro/specs/room-creation/requirements.md"]
    );
    assert_eq!(
        links(&mut client, root, "tests/test_billing.py"),
        ["1 specs/002-billing/spec.md → specs/002-billing/spec.md"]
    );
    // Prose and Markdown links; the paths in the plan's code blocks are not read.
    assert_eq!(
        links(&mut client, root, "specs/001-user-auth/plan.md"),
        [
            "3 spec.md → specs/001-user-auth/spec.md",
            "8 src/auth/login.rs → src/auth/login.rs",
            "10 src/shared.rs → src/shared.rs",
            "17 tests/auth_test.rs → tests/auth_test.rs",
            "27 tests/auth_test.rs → tests/auth_test.rs",
        ]
    );
    assert!(client.shutdown());
}
