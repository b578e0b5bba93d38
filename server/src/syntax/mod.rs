//! tree-sitter-md driver: the block tree, kept incremental, and inline parses on demand.
//!
//! The block tree gives structure (headings, list items, fences, HTML blocks, front matter).
//! Inline trees are parsed fresh and only for inline runs that may hold code spans, HTML or
//! link destinations, since incremental inline reparses are known to diverge from fresh ones.

mod fast;
mod outline;

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;

use ropey::Rope;
use tree_sitter::{InputEdit, Parser, Point, Tree};

use crate::text::ByteEdit;

pub use fast::fast_outline;
pub use outline::{Heading, LinkDefinition, ListItem, Mask, MaskKind, Outline, outline};

thread_local! {
    static BLOCK_PARSER: RefCell<Parser> = RefCell::new(new_parser(&tree_sitter_md::LANGUAGE.into()));
    static INLINE_PARSER: RefCell<Parser> = RefCell::new(new_parser(&tree_sitter_md::INLINE_LANGUAGE.into()));
}

fn new_parser(language: &tree_sitter::Language) -> Parser {
    let mut parser = Parser::new();
    parser.set_language(language).expect("tree-sitter-md's ABI matches the tree-sitter crate");
    parser
}

/// Parse (or reparse, given the previous tree already edited) the block structure of `rope`.
pub fn parse_blocks(rope: &Rope, old: Option<&Tree>) -> Tree {
    let len = rope.len_bytes();
    BLOCK_PARSER.with_borrow_mut(|parser| {
        let mut read = |byte: usize, _: Point| -> &[u8] {
            if byte >= len {
                return &[];
            }
            let (chunk, start, _, _) = rope.chunk_at_byte(byte);
            &chunk.as_bytes()[byte - start..]
        };
        match parser.parse_with_options(&mut read, old, None) {
            Some(tree) => tree,
            // Only a cancelled or timed-out parse returns None, and specls sets neither.
            None => unreachable!("tree-sitter returned no tree without a cancellation flag"),
        }
    })
}

/// Tell the tree about a text change so the next parse can reuse unchanged subtrees.
pub fn edit_tree(tree: &mut Tree, edit: &ByteEdit) {
    let point = |(row, column): (usize, usize)| Point { row, column };
    tree.edit(&InputEdit {
        start_byte: edit.start_byte,
        old_end_byte: edit.old_end_byte,
        new_end_byte: edit.new_end_byte,
        start_position: point(edit.start_point),
        old_end_position: point(edit.old_end_point),
        new_end_position: point(edit.new_end_point),
    });
}

/// What one inline parse yields: the ranges analysis must skip and the links (both relative to
/// the run).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InlineRun {
    /// Code spans, inline HTML (comments included), link destinations and autolinks.
    pub masks: Vec<Range<usize>>,
    pub links: Vec<InlineLink>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InlineLinkKind {
    /// `[text](destination)`.
    Inline,
    /// `![alt](destination)`.
    Image,
    /// `[text][label]`, `[label][]` or `[label]`: a link only if a definition of the label
    /// exists, which the inline grammar cannot know (every bracketed token parses as one).
    Reference { label: Range<usize> },
}

/// A link found by the inline grammar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlineLink {
    pub kind: InlineLinkKind,
    /// The link text (or image description), without brackets.
    pub text: Range<usize>,
    /// The destination as written, angle brackets included; `None` for `[text]()` and
    /// reference links.
    pub destination: Option<Range<usize>>,
}

/// Inline parses of one document's runs, keyed by the run's text and kept between builds, so an
/// edit reparses only the inline runs it changed. Runs the latest build did not use are dropped.
#[derive(Debug, Default)]
pub struct InlineCache {
    runs: HashMap<Box<str>, InlineRun>,
    previous: HashMap<Box<str>, InlineRun>,
}

impl InlineCache {
    /// Start a build: what the last build used becomes the pool to reuse from.
    pub fn begin(&mut self) {
        self.previous = std::mem::take(&mut self.runs);
    }

    /// The parse of one inline run (ranges relative to the run).
    pub fn run(&mut self, run: &str) -> &InlineRun {
        if !self.runs.contains_key(run) {
            let parsed = self.previous.remove(run).or_else(|| fast_inline(run)).unwrap_or_else(|| inline_parse(run));
            self.runs.insert(run.into(), parsed);
        }
        &self.runs[run]
    }

    /// The masks of one inline run (relative to the run).
    pub fn masks(&mut self, run: &str) -> &[Range<usize>] {
        &self.run(run).masks
    }
}

/// Byte ranges (relative to `text`) that inline analysis must skip: code spans, inline HTML
/// (comments included), link destinations and autolinks.
pub fn inline_masks(text: &str) -> Vec<Range<usize>> {
    inline_parse(text).masks
}

/// Parse one inline run: its masks and its links.
/// The inline facts of a run that holds no `<`, `[` or `\\`, without a parse: such a run has no
/// links, HTML or autolinks, so its only masks are code spans: backtick strings of one length,
/// paired in order. `None` for any other run. `tests/fast_outline.rs` checks it
/// against the inline grammar on every run of the fixtures, the corpora and generated specs.
pub fn fast_inline(run: &str) -> Option<InlineRun> {
    if run.contains(['<', '[', '\\']) {
        return None;
    }
    let bytes = run.as_bytes();
    // Backtick strings as (start, length).
    let mut strings: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while let Some(n) = bytes[i..].iter().position(|&b| b == b'`') {
        let start = i + n;
        let len = bytes[start..].iter().take_while(|&&b| b == b'`').count();
        strings.push((start, len));
        i = start + len;
    }
    // Backtick strings of different lengths are where the inline grammar departs from
    // CommonMark: left to it.
    if strings.windows(2).any(|w| w[0].1 != w[1].1) {
        return None;
    }
    // Strings of one length pair up in order; an odd last one is literal text.
    let masks = strings.chunks_exact(2).map(|pair| pair[0].0..pair[1].0 + pair[1].1).collect();
    Some(InlineRun { masks, links: Vec::new() })
}

pub fn inline_parse(text: &str) -> InlineRun {
    let mut out = InlineRun::default();
    let Some(tree) = INLINE_PARSER.with_borrow_mut(|parser| parser.parse(text, None)) else {
        return out;
    };
    let mut cursor = tree.walk();
    // Iterative pre-order walk: inline trees can be deep on pathological input.
    loop {
        let node = cursor.node();
        let skip_children = match node.kind() {
            "code_span" | "html_tag" | "link_destination" | "uri_autolink" | "email_autolink" => {
                out.masks.push(node.byte_range());
                true
            }
            kind @ ("inline_link" | "image" | "full_reference_link" | "collapsed_reference_link" | "shortcut_link") => {
                if let Some(link) = link(node, kind) {
                    out.links.push(link);
                }
                false
            }
            _ => false,
        };
        if !skip_children && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return out;
            }
        }
    }
}

/// The byte range of a node's first child of a kind.
fn child_range(node: tree_sitter::Node, kind: &str) -> Option<Range<usize>> {
    let mut walk = node.walk();
    node.children(&mut walk).find(|c| c.kind() == kind).map(|c| c.byte_range())
}

fn link(node: tree_sitter::Node, kind: &str) -> Option<InlineLink> {
    let child = |wanted: &str| child_range(node, wanted);
    let text = child(if kind == "image" { "image_description" } else { "link_text" });
    let kind = match kind {
        "inline_link" => InlineLinkKind::Inline,
        "image" => InlineLinkKind::Image,
        // `[text][label]` names its label; `[label][]` and `[label]` are their own label.
        "full_reference_link" => {
            let label = child("link_label")?;
            InlineLinkKind::Reference { label: label.start + 1..(label.end - 1).max(label.start + 1) }
        }
        _ => InlineLinkKind::Reference { label: text.clone()? },
    };
    // An empty text (`[](x)`) has no node: point at the brackets' inside.
    let text = text.unwrap_or_else(|| node.start_byte() + 1..node.start_byte() + 1);
    let destination = match kind {
        InlineLinkKind::Reference { .. } => None,
        _ => child("link_destination"),
    };
    Some(InlineLink { kind, text, destination })
}

/// Verifies specs/001-core-engine/spec.md FR-004, FR-005.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_masks_cover_code_spans_html_and_link_destinations() {
        let text = "see `FR-001` and <!-- FR-002 --> and [FR-003](spec.md#FR-004) done";
        let masked: Vec<&str> = inline_masks(text).into_iter().map(|r| &text[r]).collect();
        assert!(masked.contains(&"`FR-001`"), "{masked:?}");
        assert!(masked.iter().any(|m| m.contains("FR-002")), "{masked:?}");
        assert!(masked.iter().any(|m| m.contains("FR-004")), "{masked:?}");
        assert!(!masked.iter().any(|m| m.contains("FR-003")), "{masked:?}");
    }

    #[test]
    fn inline_parse_finds_links_and_reference_links() {
        let text = "[API](docs/api.md#x \"t\") ![alt](a.png) [x][ref] [Label][] [P] [t](<a b.md>) [e]() `[c](d)`";
        let run = inline_parse(text);
        let links: Vec<(&str, Option<&str>, Option<&str>)> = run
            .links
            .iter()
            .map(|l| {
                let label = match &l.kind {
                    InlineLinkKind::Reference { label } => Some(&text[label.clone()]),
                    _ => None,
                };
                (&text[l.text.clone()], l.destination.clone().map(|d| &text[d]), label)
            })
            .collect();
        assert_eq!(
            links,
            vec![
                ("API", Some("docs/api.md#x"), None),
                ("alt", Some("a.png"), None),
                ("x", None, Some("ref")),
                ("Label", None, Some("Label")),
                ("P", None, Some("P")),
                ("t", Some("<a b.md>"), None),
                ("e", None, None),
            ]
        );
    }

    #[test]
    fn inline_cache_reuses_unchanged_runs_and_forgets_unused_ones() {
        let mut cache = InlineCache::default();
        cache.begin();
        assert_eq!(cache.masks("a `b`").len(), 1);
        cache.masks("c <d>");
        cache.begin();
        assert_eq!(cache.masks("a `b`").to_vec(), vec![2..5]);
        cache.begin();
        assert_eq!(cache.previous.len(), 1, "only the run used by the last build is kept");
    }

    #[test]
    fn incremental_block_parse_equals_fresh_parse() {
        let mut doc = crate::text::Document::new("# Title\n\n- [ ] T001 do it\n");
        let mut tree = parse_blocks(doc.rope(), None);
        let edit = doc.apply_change(
            Some((crate::text::Position { line: 2, character: 0 }, crate::text::Position { line: 2, character: 0 })),
            "## Section\n\n",
            crate::text::PositionEncoding::Utf16,
        );
        edit_tree(&mut tree, &edit);
        let incremental = parse_blocks(doc.rope(), Some(&tree));
        let fresh = parse_blocks(doc.rope(), None);
        assert_eq!(incremental.root_node().to_sexp(), fresh.root_node().to_sexp());
    }
}
