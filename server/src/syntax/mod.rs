//! tree-sitter-md driver: the block tree, kept incremental, and inline parses on demand.
//!
//! The block tree gives structure (headings, list items, fences, HTML blocks, front matter).
//! Inline trees are parsed fresh and only for inline runs that may hold code spans, HTML or
//! link destinations, since incremental inline reparses are known to diverge from fresh ones.

mod chunks;
mod fast;
mod outline;
#[cfg(test)]
pub(crate) mod random_edits;

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;

use ropey::Rope;
use tree_sitter::{InputEdit, Parser, Point, Tree};

use crate::text::ByteEdit;

pub use chunks::Chunks;
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

/// Parse the block structure of a string (a chunk of an open document).
fn parse_str(text: &str) -> Tree {
    BLOCK_PARSER.with_borrow_mut(|parser| match parser.parse(text, None) {
        Some(tree) => tree,
        None => unreachable!("tree-sitter returned no tree without a cancellation flag"),
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

/// The inline facts of a run without a parse, for the runs specs are made of: code spans
/// (backtick strings of one length, paired in order), bracketed labels such as `[P]`, `[US1]`
/// or `[NEEDS CLARIFICATION: …]` (which the inline grammar reads as shortcut reference links),
/// and links with a plain destination such as `[spec](spec.md)`. `None` for anything else
/// (`<`, `\`, titles, reference links with a label, nested or unpaired brackets, code or
/// emphasis inside brackets): the inline grammar decides, at about 1.4 M instructions a run.
/// `tests/fast_outline.rs` checks it against the inline grammar on every run of the fixtures,
/// the corpora, generated specs and random runs.
pub fn fast_inline(run: &str) -> Option<InlineRun> {
    if run.contains(['<', '\\']) {
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
    let spans: Vec<Range<usize>> = strings.chunks_exact(2).map(|pair| pair[0].0..pair[1].0 + pair[1].1).collect();
    let mut masks = spans.clone();
    let links = bracket_links(bytes, &spans, &mut masks)?;
    masks.sort_by_key(|m| m.start);
    Some(InlineRun { masks, links })
}

/// The links of a run whose code spans are `spans`: `[label]` shortcut links, and inline links
/// and images with a plain destination (`[text](spec.md#x)`, whose destination joins `masks`).
/// `None` when a bracket is anything else, or overlaps code.
fn bracket_links(bytes: &[u8], spans: &[Range<usize>], masks: &mut Vec<Range<usize>>) -> Option<Vec<InlineLink>> {
    let plain = |b: &u8| !matches!(b, b'[' | b'`' | b'*' | b'_' | b'~' | b'!' | b'(' | b')');
    let simple = |b: &u8| b.is_ascii_graphic() && !matches!(b, b'(' | b'<' | b'"' | b'\'' | b'[' | b']' | b'`');
    let in_code = |r: &Range<usize>| spans.iter().any(|s| s.start < r.end && s.end > r.start);
    let mut links = Vec::new();
    let mut i = 0;
    while let Some(n) = bytes[i..].iter().position(|&b| b == b'[' || b == b']') {
        let open = i + n;
        let close = open + 1 + bytes[open + 1..].iter().position(|&b| b == b']')?;
        let label = &bytes[open + 1..close];
        if bytes[open] == b']'
            || label.iter().all(u8::is_ascii_whitespace)
            || label.len() > 999
            || !label.iter().all(plain)
        {
            return None;
        }
        let image = open > 0 && bytes[open - 1] == b'!';
        let text = open + 1..close;
        let (link, end) = match bytes.get(close + 1) {
            Some(b'(') => {
                let start = close + 2;
                let destination = start..start + bytes[start..].iter().position(|&b| b == b')')?;
                if destination.is_empty() || !bytes[destination.clone()].iter().all(simple) {
                    return None;
                }
                let kind = if image { InlineLinkKind::Image } else { InlineLinkKind::Inline };
                (InlineLink { kind, text, destination: Some(destination.clone()) }, destination.end + 1)
            }
            Some(b'[' | b':') => return None,
            _ if image => return None,
            _ => (
                InlineLink { kind: InlineLinkKind::Reference { label: text.clone() }, text, destination: None },
                close + 1,
            ),
        };
        if in_code(&(open..end)) {
            return None;
        }
        masks.extend(link.destination.clone());
        links.push(link);
        i = end;
    }
    Some(links)
}

/// Longest text given to the inline grammar in one parse. tree-sitter releases its parse stack
/// recursively, and a run of 50,000 unclosed `[a](` overflows a thread's stack; runs longer than
/// this (no spec paragraph is) are parsed in pieces cut at line breaks or spaces, losing only
/// the inline constructs that cross a cut.
const MAX_INLINE_PARSE: usize = 8 * 1024;

/// Parse one inline run: its masks and its links.
pub fn inline_parse(text: &str) -> InlineRun {
    if text.len() <= MAX_INLINE_PARSE {
        return inline_parse_piece(text);
    }
    let mut out = InlineRun::default();
    let mut start = 0;
    while start < text.len() {
        let end = piece_end(text, start);
        let piece = inline_parse_piece(&text[start..end]);
        let shift = |r: Range<usize>| r.start + start..r.end + start;
        out.masks.extend(piece.masks.into_iter().map(shift));
        out.links.extend(piece.links.into_iter().map(|link| InlineLink {
            kind: match link.kind {
                InlineLinkKind::Reference { label } => InlineLinkKind::Reference { label: shift(label) },
                other => other,
            },
            text: shift(link.text),
            destination: link.destination.map(shift),
        }));
        start = end;
    }
    out
}

/// Where the piece of `text` starting at `start` ends: after the last line break, else the last
/// space, within [`MAX_INLINE_PARSE`] bytes, else at a character boundary.
fn piece_end(text: &str, start: usize) -> usize {
    let mut limit = (start + MAX_INLINE_PARSE).min(text.len());
    if limit == text.len() {
        return limit;
    }
    while !text.is_char_boundary(limit) {
        limit -= 1;
    }
    let window = &text.as_bytes()[start..limit];
    let cut = window.iter().rposition(|&b| b == b'\n').or_else(|| window.iter().rposition(|&b| b == b' '));
    match cut {
        Some(at) if at > 0 => start + at + 1,
        _ => limit,
    }
}

fn inline_parse_piece(text: &str) -> InlineRun {
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
    fn fast_inline_reads_task_labels_as_the_grammar_does() {
        for run in [
            "T002 [P] [US1] Build `x.rs` per FR-001",
            "Limit [NEEDS CLARIFICATION: how many?] (see notes)",
            "**Branch**: `001-x` | **Spec**: [spec.md](spec.md) and ![chart](img/c.png)",
        ] {
            let fast = fast_inline(run).expect("plain labels take the fast path");
            assert!(!fast.links.is_empty());
            assert_eq!(fast, inline_parse(run), "{run}");
        }
        for run in
            ["[a](b c.md)", "[a](<b.md>)", "[a][b]", "![i]", "[a [b]]", "[`c`]", "[*e*]", "a ] b", "[ ]", "`[a](b)`"]
        {
            assert_eq!(fast_inline(run), None, "{run} is left to the inline grammar");
        }
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
