//! The block outline of an open document, kept as independently parsed chunks so that an edit
//! costs the chunk it touches, not the document.
//!
//! tree-sitter-md reuses little of an edited tree (its scanner state limits subtree reuse), so a
//! one-byte edit in a large spec reparsed most of it. But no CommonMark block crosses an ATX
//! heading that starts a line at the top level: every container and leaf block before it is
//! closed, so the text from there on parses exactly as a document of its own. The same holds at
//! an item of a top-level list, up to the list itself: the text from the item on parses as a list
//! of its own, which the outline joins to the list before it. The document is split at such lines
//! (chunks of at least [`MIN_CHUNK`] bytes); each chunk is parsed alone and its outline kept
//! (relative offsets), and the document's outline is the chunks' outlines shifted and joined,
//! with sections closed again from the heading levels.
//!
//! A line scanner proposes the split points (column-0 `#` and list-marker lines outside fences
//! and HTML comments) and the parser confirms each one: a chunk is parsed together with the next
//! candidate's line, and the split holds only if that line is an `atx_heading` or a `list_item`
//! of a list directly under the document (or its sections) in that parse. So the scanner may be
//! wrong in either direction (lazy containers, HTML blocks, front matter) without ever making the
//! outline wrong. Link reference definitions are listed per chunk and resolved document-wide by
//! the model.

use std::ops::Range;
use std::sync::Arc;

use tree_sitter::Tree;

use super::outline::{Outline, close_sections, outline};
use crate::text::ByteEdit;

/// One chunk: where it starts and its outline relative to that start. It ends where the next
/// chunk starts (or at the end of the document).
#[derive(Clone, Debug)]
struct Chunk {
    start: usize,
    outline: Arc<Outline>,
    /// The chunk starts with an item of the list the previous chunk ends with.
    continues_list: bool,
}

/// Split points closer than this to the chunk's start are passed over: small chunks cost a parse
/// each on open, and an edit parses two or three chunks whatever their size.
const MIN_CHUNK: usize = 2048;

/// A document's outline as parsed chunks, plus the region edits touched since the last update.
#[derive(Clone, Debug)]
pub struct Chunks {
    chunks: Vec<Chunk>,
    /// The text changed here (in current offsets) since the last [`Chunks::update`].
    dirty: Option<Range<usize>>,
    min_chunk: usize,
}

impl Default for Chunks {
    fn default() -> Self {
        Chunks { chunks: Vec::new(), dirty: None, min_chunk: MIN_CHUNK }
    }
}

impl Chunks {
    /// No chunk size floor: tests get many chunks from small documents.
    #[cfg(test)]
    pub(crate) fn with_min_chunk(min_chunk: usize) -> Chunks {
        Chunks { min_chunk, ..Chunks::default() }
    }

    /// Chunks of `text`, all parsed.
    pub fn parse(text: &str) -> Chunks {
        let mut chunks = Chunks::default();
        chunks.update(text);
        chunks
    }

    /// Record a text change: chunks after it move, chunks starting inside it are dropped, and the
    /// region is left for the next [`Chunks::update`].
    pub fn edit(&mut self, edit: &ByteEdit) {
        let (start, old_end, new_end) = (edit.start_byte, edit.old_end_byte, edit.new_end_byte);
        let shift = |at: usize| if at >= old_end { at - old_end + new_end } else { new_end };
        // A chunk whose first line the edit touches is parsed again; the first chunk always stays.
        self.chunks.retain(|c| c.start == 0 || c.start < start || (c.start >= old_end && c.start > start));
        for chunk in self.chunks.iter_mut().filter(|c| c.start > start) {
            chunk.start = shift(chunk.start);
        }
        let dirty = match self.dirty.take() {
            Some(d) => {
                let lo = if d.start <= start { d.start } else { shift(d.start) };
                let hi = if d.end <= start { d.end } else { shift(d.end) };
                lo.min(start)..hi.max(new_end)
            }
            None => start..new_end,
        };
        self.dirty = Some(dirty);
    }

    /// Parse again the chunks the recorded edits touched, and only those: re-splitting starts at
    /// the chunk before the first edit (whose parse confirms the split after it) and stops at the
    /// first confirmed split past the last edit that an unchanged chunk starts at.
    pub fn update(&mut self, text: &str) {
        if self.chunks.is_empty() {
            self.chunks = split(text, (0, false), self.min_chunk, (0, |_| false)).0;
            self.dirty = None;
            return;
        }
        let Some(dirty) = self.dirty.take() else { return };
        let (lo, hi) = (dirty.start.min(text.len()), dirty.end.min(text.len()));
        let mut first = self.chunks.partition_point(|c| c.start <= lo).saturating_sub(1);
        // An edit on a chunk's first line may undo its split, so parsing starts at the last chunk
        // that begins on an earlier line: that split depends only on text the edits left alone.
        // Several chunks may begin on the edited line (one shifted there by a deletion ending at
        // its start), hence the loop.
        while first > 0 && !text[self.chunks[first].start..lo].contains(['\n', '\r']) {
            first -= 1;
        }
        let (fresh, resumed) = loop {
            let later = &self.chunks[first + 1..];
            let resume = |at| later.binary_search_by_key(&at, |c: &Chunk| c.start).is_ok();
            let from = &self.chunks[first];
            let (fresh, resumed) = split(text, (from.start, from.continues_list), self.min_chunk, (hi, resume));
            // Unless the last chunk could not reach back to a heading within this split (`to_end`).
            if resumed.is_some() || first == 0 || fresh.last().is_none_or(|c| opens_last_chunk(text, c.start)) {
                break (fresh, resumed);
            }
            first -= 1;
            while first > 0 && !opens_last_chunk(text, self.chunks[first].start) {
                first -= 1;
            }
        };
        let end = match resumed {
            Some((at, continues_list)) => {
                let end = first + 1 + self.chunks[first + 1..].partition_point(|c| c.start < at);
                // Whether it continues a list depends on the text before it, which changed.
                self.chunks[end].continues_list = continues_list;
                end
            }
            None => self.chunks.len(),
        };
        // The last chunk may have grown back to the text's start (`to_end`).
        let first = first.min(self.chunks.partition_point(|c| c.start < fresh[0].start));
        self.chunks.splice(first..end, fresh);
    }

    /// The document's outline, from the chunks' outlines (call after [`Chunks::update`]).
    pub fn outline(&self, len: usize) -> Outline {
        // Sized up front: grown by doubling, the lists of a large document were copied over and over.
        let total = |count: fn(&Outline) -> usize| self.chunks.iter().map(|c| count(&c.outline)).sum::<usize>();
        let mut out = Outline {
            headings: Vec::with_capacity(total(|o| o.headings.len())),
            list_items: Vec::with_capacity(total(|o| o.list_items.len())),
            lists: Vec::with_capacity(total(|o| o.lists.len())),
            masks: Vec::with_capacity(total(|o| o.masks.len())),
            inlines: Vec::with_capacity(total(|o| o.inlines.len())),
            link_definitions: Vec::with_capacity(total(|o| o.link_definitions.len())),
        };
        for chunk in &self.chunks {
            let at = chunk.start;
            let shift = |r: &Range<usize>| r.start + at..r.end + at;
            let part = &chunk.outline;
            out.headings.extend(part.headings.iter().map(|h| super::Heading {
                level: h.level,
                range: shift(&h.range),
                content: shift(&h.content),
                section: 0..0,
            }));
            out.list_items.extend(part.list_items.iter().map(|i| super::ListItem { range: shift(&i.range), ..*i }));
            let mut lists = part.lists.iter().map(shift);
            if chunk.continues_list
                && let (Some(last), Some(first)) = (out.lists.last_mut(), lists.next())
            {
                last.end = first.end;
            }
            out.lists.extend(lists);
            out.masks.extend(part.masks.iter().map(|m| super::Mask { range: shift(&m.range), kind: m.kind }));
            out.inlines.extend(part.inlines.iter().map(shift));
            out.link_definitions.extend(
                part.link_definitions
                    .iter()
                    .map(|d| super::LinkDefinition { label: shift(&d.label), destination: shift(&d.destination) }),
            );
        }
        close_sections(&mut out.headings, len);
        out
    }

    /// Each chunk's start and outline (offsets relative to the start), in order. A chunk parsed
    /// again gets a new outline, so the outline's identity stands for the chunk's text.
    pub fn parts(&self) -> impl Iterator<Item = (usize, &Arc<Outline>)> {
        self.chunks.iter().map(|c| (c.start, &c.outline))
    }

    /// How many chunks the document is parsed in.
    pub fn len(&self) -> usize {
        self.chunks.len()
    }

    /// Whether nothing has been parsed yet.
    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }
}

/// Split and parse `text` from `start` (a confirmed split point, or 0, and whether its line
/// continues a list) into chunks of at least `min` bytes. Stops at a confirmed split at or past
/// `stable` for which `resume` holds, returning it and whether its line continues a list: from
/// there the old chunks stand.
fn split(
    text: &str,
    (mut start, mut continues_list): (usize, bool),
    min: usize,
    (stable, resume): (usize, impl Fn(usize) -> bool),
) -> (Vec<Chunk>, Option<(usize, bool)>) {
    let mut out = Vec::new();
    let mut candidates = Candidates::new(text, start);
    let mut proposed: Vec<usize> = Vec::new();
    // Candidates the parser refused to confirm are skipped in growing steps, so an unclosed
    // fence or HTML block costs a few parses of the text it swallows, not one per heading.
    let mut step = 0;
    loop {
        while proposed.len() <= step {
            // An unchanged chunk's start is taken whatever the size, so the split meets the old
            // chunks again right after the edit.
            match candidates.find(|&at| at >= start + min || (at >= stable && resume(at))) {
                Some(at) => proposed.push(at),
                None => break,
            }
        }
        if proposed.is_empty() {
            to_end(text, &mut out, (start, continues_list));
            return (out, None);
        }
        let tried = step.min(proposed.len() - 1);
        let next = proposed[tried];
        let cut = next - start;
        let piece = &text[start..line_end(text, next)];
        let tree = super::parse_str(piece);
        let Some(next_continues) = split_point(&tree, cut) else {
            if tried + 1 == proposed.len() && candidates.done {
                // Not even the last candidate is a split point: the chunk runs to the end.
                to_end(text, &mut out, (start, continues_list));
                return (out, None);
            }
            step = step * 2 + 1;
            continue;
        };
        let mut part = outline(&tree, piece.len());
        cut_at(&mut part, cut);
        out.push(Chunk { start, outline: Arc::new(part), continues_list });
        proposed.drain(..=tried);
        step = 0;
        start = next;
        continues_list = next_continues;
        if start >= stable && resume(start) {
            return (out, Some((start, continues_list)));
        }
    }
}

/// Push the last chunk, from `start` to the end of the text. tree-sitter-md reads an ATX heading
/// on a last line without a line break as an error unless a section it opened encloses it, so in
/// a text without a final line break the last chunk starts at a heading (or the text's start),
/// joining the chunks before it as needed; if even the first chunk of `out` starts with a list
/// item, [`Chunks::update`] splits again from an earlier chunk. How the parser recovers from an
/// error on such a last line depends on everything before it, so then the text is one chunk.
fn to_end(text: &str, out: &mut Vec<Chunk>, (mut start, mut continues_list): (usize, bool)) {
    while !opens_last_chunk(text, start)
        && let Some(before) = out.pop()
    {
        (start, continues_list) = (before.start, before.continues_list);
    }
    let tree = super::parse_str(&text[start..]);
    if start > 0 && !ends_with_line_break(text) && tree.root_node().has_error() {
        out.clear();
        out.push(Chunk { start: 0, outline: Arc::new(parse_outline(text)), continues_list: false });
        return;
    }
    out.push(Chunk { start, outline: Arc::new(outline(&tree, text.len() - start)), continues_list });
}

/// Whether a chunk starting at `start` (a confirmed split point) may be the last one: always in
/// a text that ends with a line break, else only at the start or at a heading.
fn opens_last_chunk(text: &str, start: usize) -> bool {
    start == 0 || ends_with_line_break(text) || text.as_bytes()[start] == b'#'
}

fn ends_with_line_break(text: &str) -> bool {
    text.is_empty() || text.ends_with(['\n', '\r'])
}

fn parse_outline(text: &str) -> Outline {
    outline(&super::parse_str(text), text.len())
}

/// Keep what starts before `cut`: the confirming heading line belongs to the next chunk.
fn cut_at(part: &mut Outline, cut: usize) {
    part.headings.retain(|h| h.range.start < cut);
    part.list_items.retain(|i| i.range.start < cut);
    part.lists.retain(|l| l.start < cut);
    part.masks.retain(|m| m.range.start < cut);
    part.inlines.retain(|r| r.start < cut);
    part.link_definitions.retain(|d| d.label.start < cut);
}

/// Whether the line at `at` starts a chunk: an ATX heading or a list item whose list has only
/// sections above it. `Some(true)` when the item continues a list started before `at`.
fn split_point(tree: &Tree, at: usize) -> Option<bool> {
    let mut node = tree.root_node().descendant_for_byte_range(at, at + 1)?;
    while !matches!(node.kind(), "atx_heading" | "list_item") {
        node = node.parent().filter(|_| node.start_byte() == at)?;
    }
    if node.start_byte() != at {
        return None;
    }
    let (top, continues) = match node.kind() {
        "list_item" => {
            let list = node.parent()?;
            (list, list.start_byte() < at)
        }
        _ => (node, false),
    };
    let mut up = top.parent();
    while let Some(parent) = up {
        if !matches!(parent.kind(), "section" | "document") {
            return None;
        }
        up = parent.parent();
    }
    Some(continues)
}

/// The end of the line starting at `at`, its line break included.
fn line_end(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    match bytes[at..].iter().position(|&b| b == b'\n' || b == b'\r') {
        Some(n) if bytes[at + n] == b'\r' && bytes.get(at + n + 1) == Some(&b'\n') => at + n + 2,
        Some(n) => at + n + 1,
        None => text.len(),
    }
}

/// Proposed split points: starts of lines that open, in column 0, with 1–6 `#` or a list marker
/// and then a space, tab or line end, outside fenced code and HTML comments opened at the top
/// level as far as one line tells.
struct Candidates<'t> {
    text: &'t str,
    /// The start of the next line to look at.
    at: usize,
    /// The open fence's character and length.
    fence: Option<(u8, usize)>,
    comment: bool,
    /// Front matter's delimiter (`-` or `+`) while it may be open: whether it is front matter
    /// at all depends on a closing line further on, which a chunk's parse may not see.
    front_matter: Option<u8>,
    done: bool,
}

impl<'t> Candidates<'t> {
    /// Candidates after the line starting at `start` (the chunk's own first line).
    fn new(text: &'t str, start: usize) -> Self {
        let mut candidates =
            Candidates { text, at: start, fence: None, comment: false, front_matter: None, done: false };
        let first = trim_line_break(&text.as_bytes()[start..line_end(text, start)]);
        let opener = first.trim_ascii_start();
        if start == 0 && opener.len() >= 3 && opener[..3] == [opener[0]; 3] && matches!(opener[0], b'-' | b'+') {
            candidates.front_matter = Some(opener[0]);
        } else {
            candidates.track(start);
        }
        candidates.at = line_end(text, start);
        candidates
    }

    /// Update the fence and comment state with the line starting at `at`; whether it may be a
    /// split point.
    fn track(&mut self, at: usize) -> bool {
        let bytes = &self.text.as_bytes()[at..line_end(self.text, at)];
        let line = trim_line_break(bytes);
        if let Some(c) = self.front_matter {
            // tree-sitter-md closes it at exactly three delimiters in column 0 and a line break.
            let closes = line.len() >= 3
                && line[..3] == [c; 3]
                && line[3..].iter().all(|&b| b == b' ' || b == b'\t')
                && bytes.len() > line.len();
            if closes {
                self.front_matter = None;
            }
            return false;
        }
        if self.comment {
            self.comment = !contains(line, b"-->");
            return false;
        }
        let indent = line.iter().take_while(|&&b| b == b' ').count();
        let body = &line[indent.min(line.len())..];
        let run = |c: u8| body.iter().take_while(|&&b| b == c).count();
        if let Some((c, len)) = self.fence {
            if indent <= 3 && run(c) >= len && body[run(c)..].iter().all(|b| b.is_ascii_whitespace()) {
                self.fence = None;
            }
            return false;
        }
        if indent <= 3 {
            for c in [b'`', b'~'] {
                let n = run(c);
                if n >= 3 && (c == b'~' || !body[n..].contains(&b'`')) {
                    self.fence = Some((c, n));
                    return false;
                }
            }
            if body.starts_with(b"<!--") && !contains(&body[4..], b"-->") {
                self.comment = true;
                return false;
            }
        }
        let hashes = line.iter().take_while(|&&b| b == b'#').count();
        let digits = line.iter().take_while(|b| b.is_ascii_digit()).count();
        let marker = match line.first() {
            Some(b'#') if hashes <= 6 => hashes,
            Some(b'-' | b'*' | b'+') => 1,
            Some(b'0'..=b'9') if digits <= 9 && matches!(line.get(digits), Some(b'.' | b')')) => digits + 1,
            _ => return false,
        };
        // A last line without a line break stays with the chunk before: tree-sitter-md reads a
        // document of only that line differently (an error node).
        line.get(marker).is_none_or(|&b| b == b' ' || b == b'\t') && bytes.len() > line.len()
    }
}

impl Iterator for Candidates<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        while self.at < self.text.len() {
            let at = self.at;
            let candidate = self.track(at);
            self.at = line_end(self.text, at);
            if candidate {
                return Some(at);
            }
        }
        self.done = true;
        None
    }
}

fn trim_line_break(line: &[u8]) -> &[u8] {
    let end = line.iter().rposition(|&b| b != b'\n' && b != b'\r').map_or(0, |i| i + 1);
    &line[..end]
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Verifies specs/007-edit-latency/spec.md FR-001, FR-002, FR-003.
#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::syntax::parse_blocks;
    use crate::syntax::random_edits::{apply, byte_edit, edit_strategy, text_strategy};

    /// Chunks split at every confirmed point, so small documents have several.
    fn small(text: &str) -> Chunks {
        let mut chunks = Chunks::with_min_chunk(0);
        chunks.update(text);
        chunks
    }

    fn whole(text: &str) -> Outline {
        outline(&parse_blocks(&ropey::Rope::from_str(text), None), text.len())
    }

    /// Lines that open, close or interrupt blocks, so edits create and remove split points.
    const FRAGMENTS: &[&str] = &[
        "# Title\n",
        "## Requirements\n",
        "###### Deep\n",
        "#NoSpace\n",
        "   # indented heading\n",
        "#\n",
        "```\n",
        "```md\n",
        "~~~\n",
        "    indented code\n",
        "<!--\n",
        "-->\n",
        "<!-- one line -->\n",
        "<div>\n",
        "</div>\n",
        "<details>\n",
        "---\n",
        "+++\n",
        "[ref]: ./x.md \"t\"\n",
        "[ref]\n",
        "> quote\n",
        "- item\n",
        "  - nested\n",
        "  ```\n",
        "1. one\n",
        "   # in item\n",
        "- **FR-001**: System MUST x.\n",
        "text [ref] and `code`\n",
        "| a | b |\n",
        "|---|---|\n",
        "Title\n",
        "===\n",
        "\n",
        "\r\n",
        "\r",
        "é",
        "x",
    ];

    /// `default` cases, or as many as `PROPTEST_CASES` asks for (long runs hunting rare splits).
    pub(crate) fn cases(default: u32) -> u32 {
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: cases(512), ..ProptestConfig::default() })]

        #[test]
        fn chunked_outline_equals_the_whole_document_parse(text in text_strategy(FRAGMENTS)) {
            prop_assert_eq!(small(&text).outline(text.len()), whole(&text));
            prop_assert_eq!(Chunks::parse(&text).outline(text.len()), whole(&text));
        }

        #[test]
        fn chunked_outline_without_a_final_line_break_equals_the_whole_document_parse(text in text_strategy(FRAGMENTS)) {
            let text = text.trim_end_matches(['\n', '\r']);
            prop_assert_eq!(small(text).outline(text.len()), whole(text));
        }

        #[test]
        fn edited_chunks_equal_a_whole_document_parse(
            initial in text_strategy(FRAGMENTS),
            edits in prop::collection::vec(edit_strategy(FRAGMENTS), 1..10),
        ) {
            let mut text = initial;
            let mut chunks = small(&text);
            for (start, len, insert, update) in edits {
                chunks.edit(&apply(&mut text, start, len, &insert));
                if update {
                    chunks.update(&text);
                    prop_assert_eq!(chunks.outline(text.len()), whole(&text), "{:?}", text);
                }
            }
            chunks.update(&text);
            prop_assert_eq!(chunks.outline(text.len()), whole(&text), "{:?}", text);
        }
    }

    #[test]
    fn a_spec_splits_at_its_top_level_headings_only() {
        let text = "# Spec\n\n```sh\n# comment\n```\n\n## One\n\n- item\n\n<!--\n# hidden\n-->\n\n## Two\n\ntext\n";
        let chunks = small(text);
        assert_eq!(chunks.len(), 4, "{chunks:#?}");
        assert_eq!(chunks.outline(text.len()), whole(text));
    }

    #[test]
    fn an_edit_reparses_only_the_chunks_it_touches() {
        let mut text: String = (0..50).map(|i| format!("## Section {i}\n\n- **FR-{i:03}**: x\n\n")).collect();
        let mut chunks = small(&text);
        assert_eq!(chunks.len(), 100);
        let before: Vec<*const Outline> = chunks.chunks.iter().map(|c| Arc::as_ptr(&c.outline)).collect();
        let at = text.find("FR-030").unwrap();
        text.insert(at, 'x');
        chunks.edit(&byte_edit(at, at, at + 1));
        chunks.update(&text);
        let after: Vec<*const Outline> = chunks.chunks.iter().map(|c| Arc::as_ptr(&c.outline)).collect();
        let reparsed = before.iter().zip(&after).filter(|(a, b)| a != b).count();
        assert!(reparsed <= 2, "{reparsed} chunks parsed again");
        assert_eq!(chunks.outline(text.len()), whole(&text));
    }

    /// Verifies specs/007-edit-latency/spec.md FR-004.
    #[test]
    fn reference_links_resolve_to_definitions_in_other_chunks() {
        use crate::model::{Grammar, LinkKind, build};
        let mut text = String::from("# Spec\n\nSee [plan].\n\n## Notes\n\ntext\n\n## Links\n\n[plan]: ./plan.md\n");
        let mut chunks = small(&text);
        assert_eq!(chunks.len(), 3);
        let at = text.find("text").unwrap();
        text.insert_str(at, "more ");
        chunks.edit(&byte_edit(at, at, at + 5));
        chunks.update(&text);
        let path = std::path::Path::new("/w/specs/001-x/spec.md");
        let model = build(&Grammar::builtin(), path, "specs/001-x/spec.md", &text, &chunks.outline(text.len()));
        let reference = model.links.iter().find(|l| l.kind == LinkKind::Reference).expect("the link resolves");
        assert_eq!(reference.destination, "./plan.md");
        assert_eq!(&text[reference.text.clone()], "plan");
    }

    /// A deletion that ends at a chunk's start and leaves `1.` before it on the same line: the
    /// item before absorbs that line, so the split of the `1.` chunk is confirmed again too.
    #[test]
    fn an_edit_that_unmakes_the_split_of_its_line_parses_from_the_chunk_before() {
        let mut text = String::from("\n- item\n1. one\n[ref]\n## Requirements\n\ntext\n");
        let mut chunks = small(&text);
        let (start, end) = (text.find(" one").unwrap(), text.find("## ").unwrap());
        text.replace_range(start..end, "");
        chunks.edit(&byte_edit(start, end, start));
        chunks.update(&text);
        assert_eq!(chunks.outline(text.len()), whole(&text), "{text:?}");
    }

    /// tree-sitter-md reads `###### ` on a last line without a line break as a heading only
    /// inside a section, so the last chunk starts at the heading before it.
    #[test]
    fn a_heading_on_a_last_line_without_a_line_break_keeps_its_section() {
        let text = "# Title\n- item\n\n<div>\n# in html\n\n###### ";
        assert_eq!(small(text).outline(text.len()), whole(text));
        let mut text = String::from("# Title\n- item\n- item\n\n###### Deep\n");
        let mut chunks = small(&text);
        let at = text.find("Deep").unwrap();
        text.truncate(at);
        chunks.edit(&byte_edit(at, at + 5, at));
        chunks.update(&text);
        assert_eq!(chunks.outline(text.len()), whole(&text), "{text:?}");
    }

    /// The whole parse recovers from the unfinished item on the last line by dropping the
    /// section and list around it; a parse from `# Title` keeps them.
    #[test]
    fn an_error_on_a_last_line_without_a_line_break_makes_the_text_one_chunk() {
        let mut text = String::from(
            "    indented code\n  - nested\n- **FR-001**: System MUST x.\n## Requirements\n| a | b |\n# Title\n- **FR-001**: System MUST x.\n    indented code\n- item\n[ref]\n  - nested\n===\n",
        );
        let mut chunks = small(&text);
        let at = text.find("nested\n===").unwrap();
        text.truncate(at);
        chunks.edit(&byte_edit(at, at + 11, at));
        chunks.update(&text);
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks.outline(text.len()), whole(&text), "{text:?}");
    }

    #[test]
    fn an_unclosed_fence_joins_the_chunks_after_it() {
        let mut text = String::from("# A\n\n## B\n\nx\n\n## C\n\ny\n");
        let mut chunks = small(&text);
        assert_eq!(chunks.len(), 3);
        text.insert_str(4, "```\n");
        chunks.edit(&byte_edit(4, 4, 8));
        chunks.update(&text);
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks.outline(text.len()), whole(&text));
    }
}
