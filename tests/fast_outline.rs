//! The fast outline against tree-sitter-md: for every Markdown document the project can reach
//! (fixtures, its own spec, the public corpora, generated specs) and for random documents made
//! of spec-like lines, `fast_outline` either declines or gives exactly tree-sitter's outline.
//! Run with `--nocapture` to see how many documents took the fast path. Every inline run is
//! checked the same way against `fast_inline`.
//!
//! Verifies specs/001-core-engine/spec.md FR-026.

#[path = "../server/benches/gen/mod.rs"]
mod generator;

use std::cell::Cell;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::{TestError, TestRunner};
use specls::syntax::{Outline, fast_inline, fast_outline, inline_parse, outline, parse_blocks};

fn tree_sitter_outline(text: &str) -> Outline {
    outline(&parse_blocks(&ropey::Rope::from_str(text), None), text.len())
}

/// Every inline run of the document: where the fast inline path answers, it must answer as the
/// inline grammar does.
fn check_inlines(name: &str, text: &str, outline: &Outline) {
    for run in outline.inlines.iter().map(|r| &text[r.clone()]) {
        if let Some(fast) = fast_inline(run) {
            assert_eq!(fast, inline_parse(run), "{name}: the fast inline path differs on {run:?}");
        }
    }
}

/// Whether the fast path was taken; panics with the first difference when it was wrong.
fn check(name: &str, text: &str) -> bool {
    let slow = tree_sitter_outline(text);
    check_inlines(name, text, &slow);
    let Some(fast) = fast_outline(text) else { return false };
    if fast != slow {
        let show = |o: &Outline| format!("{o:#?}");
        let (fast, slow) = (show(&fast), show(&slow));
        let first = fast.lines().zip(slow.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "{name}: fast outline differs from tree-sitter's near line {first} of the debug form:\nfast:\n{}\ntree-sitter:\n{}",
            fast.lines().skip(first.saturating_sub(8)).take(16).collect::<Vec<_>>().join("\n"),
            slow.lines().skip(first.saturating_sub(8)).take(16).collect::<Vec<_>>().join("\n"),
        );
    }
    true
}

fn markdown_files(root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            markdown_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
}

/// Check every Markdown file under the roots; returns (files, fast path taken).
fn check_tree(roots: &[PathBuf]) -> (usize, usize) {
    let mut files = Vec::new();
    for root in roots {
        markdown_files(root, &mut files);
    }
    files.sort();
    let mut fast = 0;
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else { continue };
        fast += usize::from(check(&file.display().to_string(), &text));
    }
    (files.len(), fast)
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn fixtures_and_own_spec() {
    let root = repository();
    for (label, roots) in
        [("fixtures", vec![root.join("tests/fixtures")]), ("own spec", vec![root.join("specs"), root.join(".specify")])]
    {
        let (files, fast) = check_tree(&roots);
        println!("{label}: {fast} of {files} documents took the fast path");
        assert!(files > 0, "no Markdown under {label}");
    }
}

#[test]
fn public_corpora() {
    let base = repository().join("../shared/corpora");
    let Ok(base) = base.canonicalize() else {
        println!("corpora skipped: {} does not exist", base.display());
        return;
    };
    let mut corpora: Vec<PathBuf> = std::fs::read_dir(&base)
        .expect("corpora folder is readable")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    corpora.sort();
    for corpus in corpora {
        let (files, fast) = check_tree(std::slice::from_ref(&corpus));
        println!("{}: {fast} of {files} documents took the fast path", corpus.file_name().unwrap().to_string_lossy());
    }
}

#[test]
fn generated_specs() {
    let mut documents = vec![("constitution".to_string(), generator::CONSTITUTION.to_string())];
    let mut sizes = generator::Rng::new(3);
    for number in 1..=60 {
        let f = generator::feature(7, number, 2_000 + sizes.below(16_000));
        for (name, text) in [("spec", f.spec), ("plan", f.plan), ("tasks", f.tasks)] {
            documents.push((format!("{}/{name}", f.dir), text));
        }
    }
    let fast = documents.iter().filter(|(name, text)| check(name, text)).count();
    println!("generated: {fast} of {} documents took the fast path", documents.len());
    assert_eq!(fast, documents.len(), "every generated spec uses only what the fast path knows");
}

/// Lines spec documents are made of.
const LINES: &[&str] = &[
    "",
    "",
    "",
    "# Feature Specification: Export",
    "## Requirements *(mandatory)*",
    "### User Story 1 - Export (Priority: P1)",
    "# Closing #",
    "Plain paragraph text with `code` and a [link](spec.md).",
    "**Feature Branch**: `001-export`  ",
    "*emphasis* at the start",
    "continued line   ",
    "- item with trailing spaces  ",
    "- **FR-001**: System MUST export invoices.",
    "- [ ] T001 Create the project",
    "- [x] T002 [P] Done task",
    "* star item",
    "+ plus item",
    "1. **Given** a user, **When** they act, **Then** it works.",
    "2. second",
    "1) paren",
    "10. ten",
    "  - nested two",
    "  continuation at two",
    "   - nested three",
    "   continuation at three",
    "  1. nested ordered",
    "  ```",
    "   ```",
    "```text",
    "```",
    "~~~",
    "---",
    "<!-- comment -->",
    "-->",
    "| A | B |",
    "|---|:-:|",
    "| `x` |  |",
    "|c|d  ",
    "| one |",
];

/// Whole blocks as spec documents write them.
const BLOCKS: &[&str] = &[
    "Para one\nline two",
    "- a\n- b\n  - nested\n    more\n- c",
    "- [ ] T001 first\n- [x] T002 second\n\n- [ ] T003 after a blank",
    "1. **Given** x\n   - detail\n\n   more of one\n2. two\n10. ten",
    "- item\n\n  ```sh\n  run\n\n  ```\n- next",
    "- outer\n  - inner\n    ```\n    code\n    ```\n  - inner two\n- outer two",
    "```text\nPOST /x\n- **FR-999**: not a requirement\n```",
    "~~~\n```\n~~~",
    "| Violation | Why |\n|---|---|\n| none | `-` |\n| a |",
    "<!--\n  a comment\n-->",
    "# Title\n\n**Branch**: `x` | **Date**: now",
    "### Edge Cases\n\n- What happens when it fails?",
    "- **FR-001**: MUST work\n- **FR-002**: MUST be fast  \n  continued",
    "```go\nfunc main() {\n\tprintln()\n}\n```",
    "- step\n  ```make\n  all:\n  \tcc x.c\n  ```",
];

/// Lines around the edges of what the fast path knows, drawn less often.
const EDGES: &[&str] = &[
    "<!--",
    "    ```",
    "      six spaces",
    "    four spaces",
    "    - nested four",
    "  ",
    "#",
    "## ",
    "#no heading",
    "####### seven",
    "1.5 is not a list",
    "- [ ]",
    "-",
    "- ",
    "-  two spaces",
    "````",
    "```js `x`",
    "***",
    "- - -",
    "___",
    "===",
    "> quote",
    "<div>",
    "||",
    "[ref]: ./x.md",
    "\tTabbed",
    "text\twith tab",
    "#\ttab heading",
    "-\ttab item",
    "1.\ttab item",
    "```\t",
    "| a\t| b |",
    "é unicode ✓",
];

fn document() -> impl Strategy<Value = String> {
    let front = prop_oneof![4 => Just(""), 1 => Just("---\ntitle: x\n---\n"), 1 => Just("---\n---\n")];
    let line = prop_oneof![
        10 => prop::sample::select(BLOCKS),
        10 => prop::sample::select(LINES),
        1 => prop::sample::select(EDGES)
    ];
    let body = prop::collection::vec(line, 0..30);
    let end = prop_oneof![Just("\n"), Just("")];
    (front, body, end).prop_map(|(front, lines, end)| format!("{front}{}{end}", lines.join("\n")))
}

proptest! {
    /// Runs of backticks, letters, spaces, emphasis and line breaks: code spans as the inline
    /// grammar finds them.
    #[test]
    fn random_backtick_runs(run in "[`a *_~#()\\-\n\r]{0,40}") {
        if let Some(fast) = fast_inline(&run) {
            prop_assert_eq!(fast, inline_parse(&run));
        }
    }

    /// Runs of brackets among code, emphasis, parentheses, paths and words: labels such as `[P]`
    /// and links such as `[a](b.md#c)` as the inline grammar finds them, everything else declined.
    #[test]
    fn random_bracket_runs(run in "[`a P1 *_!:()#./\"\\[\\]\n-]{0,40}") {
        if let Some(fast) = fast_inline(&run) {
            prop_assert_eq!(fast, inline_parse(&run));
        }
    }
}

/// Random documents of spec-like lines: the fast path declines or agrees with tree-sitter.
#[test]
fn random_spec_like_documents() {
    let mut runner = TestRunner::new(ProptestConfig { cases: 10_000, ..ProptestConfig::default() });
    let fast = Cell::new(0);
    let result = runner.run(&document(), |text| {
        fast.set(fast.get() + usize::from(check("random document", &text)));
        Ok(())
    });
    if let Err(TestError::Fail(reason, text)) = result {
        panic!("{reason}\nminimal failing input: {text:?}");
    }
    println!("random: {} of 10,000 documents took the fast path", fast.get());
}

/// A case the random documents found: a table's last cell at the very end of the input, with
/// trailing spaces and no line break.
#[test]
fn table_cell_at_the_end_of_the_input() {
    for text in [
        "| V | W |\n|---|---|\n|c|d  ",
        "| V | W |\n|---|---|\n|c|d  \n",
        "| Violation | Why |\n|---|---|\n| none | `-` |\n| a |\n|c|d  ",
    ] {
        check("table at the end", text);
    }
}
