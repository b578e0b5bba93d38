//! Property: any sequence of incremental edits sent through `didChange` with UTF-16 ranges leaves
//! the same text, block outline, symbols and diagnostics as opening the final text fresh.

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::support::{Client, nameable};

/// Pieces that stress line breaks, wide characters and spec syntax.
const FRAGMENTS: &[&str] = &[
    "# Feature Specification: X\n",
    "## Requirements\n",
    "### User Story 1 - A (Priority: P1)\n",
    "- **FR-001**: System MUST x.\n",
    "- **FR-001**: dup\n",
    "- [ ] T001 [US1] y per FR-002\n",
    "1. **Given** a, **When** b, **Then** c\n",
    "```\n",
    "<!-- FR-003 -->\n",
    "---\n",
    "> quote\n",
    "[NEEDS CLARIFICATION: why?]",
    "`FR-004`",
    "😀",
    "é",
    "中",
    "\u{2028}",
    "\r\n",
    "\r",
    "\n",
    "  - ",
    "x",
];

fn text_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..24).prop_map(|parts| parts.concat())
}

/// An edit as fractions of the current text, so it applies to any length.
#[derive(Clone, Debug)]
struct Edit {
    start: f64,
    len: f64,
    insert: String,
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    (0.0..=1.0f64, 0.0..=0.3f64, prop::collection::vec(prop::sample::select(FRAGMENTS), 0..3))
        .prop_map(|(start, len, parts)| Edit { start, len, insert: parts.concat() })
}

fn utf16_position(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset];
    let mut line = 0;
    let mut line_start = 0;
    let bytes = before.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                line += 1;
                i += 1;
                line_start = i + 1;
            }
            b'\r' | b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    (line, before[line_start..].encode_utf16().count() as u32)
}

fn observe(client: &mut Client, uri: &str) -> (Value, Value, Value) {
    let doc = client.debug_document(uri);
    let symbols = client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }));
    let diagnostics = client.request("textDocument/diagnostic", json!({ "textDocument": { "uri": uri } }));
    (doc, symbols, diagnostics["items"].clone())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Verifies specs/001-core-engine/spec.md FR-004, FR-016, FR-001.
    /// Verifies 007-edit-latency/FR-005 (the outline debugDocument reports).
    #[test]
    fn incremental_edits_equal_a_fresh_open(initial in text_strategy(), edits in prop::collection::vec(edit_strategy(), 1..12)) {
        let root = tempfile::tempdir().unwrap();
        let mut client = Client::in_process(root.path());
        client.initialize(&["utf-16"], true);
        client.wait_indexed();
        let uri = client.uri("specs/001-x/spec.md");
        client.open_text(&uri, &initial, 1);
        let mut expected = initial.clone();
        let mut version = 1;
        for edit in &edits {
            let start = nameable(&expected, (edit.start * expected.len() as f64) as usize);
            let end = nameable(&expected, start + (edit.len * expected.len() as f64) as usize).max(start);
            let (a, b) = (utf16_position(&expected, start), utf16_position(&expected, end));
            version += 1;
            client.change(&uri, version, a, b, &edit.insert);
            expected.replace_range(start..end, &edit.insert);
            // Interleave requests so partial states get parsed and edited trees get reused.
            if version % 3 == 0 {
                client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }));
            }
        }
        let (incremental, symbols, diagnostics) = observe(&mut client, &uri);
        prop_assert_eq!(incremental["text"].as_str().unwrap(), expected.as_str());

        client.notify("textDocument/didClose", json!({ "textDocument": { "uri": uri } }));
        client.open_text(&uri, &expected, version + 1);
        let (fresh, fresh_symbols, fresh_diagnostics) = observe(&mut client, &uri);
        prop_assert_eq!(&incremental["outline"], &fresh["outline"]);
        prop_assert_eq!(symbols, fresh_symbols);
        prop_assert_eq!(diagnostics, fresh_diagnostics);
        prop_assert!(client.shutdown());
    }
}
