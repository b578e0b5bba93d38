//! Line starts of an immutable text, for converting byte offsets of indexed (not open) files
//! into positions without building a rope.

use super::{Position, PositionEncoding};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineIndex {
    /// Byte offset where each line starts; lines end at LF, CRLF or CR, as LSP counts them.
    starts: Vec<usize>,
    ascii: bool,
    /// For text that is not ASCII: every [`MARK_STRIDE`] bytes or so, the UTF-16 units and chars
    /// before a char boundary, so a column is counted from a nearby mark and not from its line's
    /// start (a 1 MB line holding 100,000 references would otherwise cost quadratic time).
    marks: Vec<Mark>,
}

/// Bytes between two [`Mark`]s: a position costs at most this much counting.
const MARK_STRIDE: usize = 1024;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Mark {
    byte: usize,
    utf16: usize,
    chars: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        push_starts(text.as_bytes(), 0, text.len(), &mut starts);
        let ascii = text.is_ascii();
        LineIndex { starts, ascii, marks: if ascii { Vec::new() } else { marks(text) } }
    }

    /// The index of `text`, a new version of `old_text` whose index is `old`. Only the bytes
    /// between the first and the last that differ are read (besides comparing the two texts):
    /// the line starts and marks before them are kept, those after them shifted. An edited
    /// document publishes its diagnostics after each keystroke, and indexing its whole text again
    /// cost more than the rest of the publish.
    pub fn edited(old: &LineIndex, old_text: &str, text: &str) -> LineIndex {
        LineIndex::edited_between(old, old_text, text, common_ends(old_text, text))
    }

    /// [`LineIndex::edited`] where the texts' common prefix and suffix are known.
    pub(crate) fn edited_between(
        old: &LineIndex,
        old_text: &str,
        text: &str,
        (prefix, suffix): (usize, usize),
    ) -> LineIndex {
        let (old_end, new_end) = (old_text.len() - suffix, text.len() - suffix);
        let bytes = text.as_bytes();
        let kept = old.starts.partition_point(|&s| s < prefix);
        let after = old.starts.partition_point(|&s| s <= old_end);
        let mut starts = Vec::with_capacity(kept.max(1) + old.starts.len() - after + (new_end - prefix) / 32);
        starts.push(0);
        starts.extend_from_slice(&old.starts[1.min(kept)..kept]);
        // A start depends on the byte before it and, after a CR, on its own byte.
        push_starts(bytes, prefix.saturating_sub(1), new_end, &mut starts);
        starts.extend(old.starts[after..].iter().map(|&s| s - old_end + new_end));
        let ascii = if old.ascii { text[prefix..new_end].is_ascii() } else { text.is_ascii() };
        let marks = match (ascii, old.ascii) {
            (true, _) => Vec::new(),
            (false, true) => marks(text),
            (false, false) => edited_marks(&old.marks, old_text, text, prefix, old_end, new_end),
        };
        LineIndex { starts, ascii, marks }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Zero-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).saturating_sub(1)
    }

    pub fn line_start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or_else(|| *self.starts.last().unwrap_or(&0))
    }

    /// The text of a line of `text` (the text this index was built from), without its line break.
    pub fn line_text<'t>(&self, text: &'t str, line: usize) -> &'t str {
        let end = if line + 1 < self.line_count() { self.line_start(line + 1) } else { text.len() };
        text[self.line_start(line)..end].trim_end_matches(['\n', '\r'])
    }

    /// Position of `offset` in `text` (the text this index was built from); clamps, never panics.
    pub fn position(&self, text: &str, offset: usize, enc: PositionEncoding) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let end = if text[start..offset].ends_with('\r') { offset - 1 } else { offset };
        let character = if self.ascii || enc == PositionEncoding::Utf8 {
            end - start
        } else {
            self.units_before(text, end, enc) - self.units_before(text, start, enc)
        };
        Position { line: line as u32, character: character as u32 }
    }

    /// The position of `offset` in `text` without an index, when that is cheap to tell: no CR
    /// before it and its line ASCII up to it (`None` otherwise; [`LineIndex::position`] answers).
    /// Counting the line breaks before one offset is vectorised and reads only that far, several
    /// times cheaper than indexing the whole text, which a request that lands once in each of
    /// hundreds of documents (the definitions of an ambiguous key) would otherwise do for each.
    pub fn position_unindexed(text: &str, offset: usize) -> Option<Position> {
        let before = &text.as_bytes()[..offset.min(text.len())];
        if memchr::memchr(b'\r', before).is_some() {
            return None;
        }
        let start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
        // A prefix that ends inside a character holds its first byte, which is not ASCII.
        if !before[start..].is_ascii() {
            return None;
        }
        let line = before[..start].iter().fold(0u32, |n, &b| n + u32::from(b == b'\n'));
        Some(Position { line, character: (before.len() - start) as u32 })
    }

    /// UTF-16 units or chars in `text[..offset]` (`offset` on a char boundary), counted from the
    /// nearest mark before it.
    fn units_before(&self, text: &str, offset: usize, enc: PositionEncoding) -> usize {
        let mark = self.marks[self.marks.partition_point(|m| m.byte <= offset).saturating_sub(1)];
        let rest = &text[mark.byte..offset];
        match enc {
            PositionEncoding::Utf16 => mark.utf16 + rest.encode_utf16().count(),
            _ => mark.chars + rest.chars().count(),
        }
    }
}

/// Push the line starts that the line breaks at `bytes[from..to]` open: after LF, after CRLF,
/// and after a CR not followed by LF.
fn push_starts(bytes: &[u8], from: usize, to: usize, starts: &mut Vec<usize>) {
    for i in memchr::memchr2_iter(b'\n', b'\r', &bytes[from..to]).map(|i| from + i) {
        if bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n') {
            starts.push(i + 1);
        }
    }
}

/// The lengths of the longest common prefix and suffix of two texts, not overlapping in either,
/// both ending on a character boundary of both.
pub(crate) fn common_ends(a: &str, b: &str) -> (usize, usize) {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let shorter = x.len().min(y.len());
    // Compared a block at a time (memcmp), then byte by byte within the block that differs.
    const BLOCK: usize = 256;
    let mut prefix = 0;
    while prefix + BLOCK <= shorter && x[prefix..prefix + BLOCK] == y[prefix..prefix + BLOCK] {
        prefix += BLOCK;
    }
    while prefix < shorter && x[prefix] == y[prefix] {
        prefix += 1;
    }
    while !(a.is_char_boundary(prefix) && b.is_char_boundary(prefix)) {
        prefix -= 1;
    }
    let most = shorter - prefix;
    let mut suffix = 0;
    while suffix + BLOCK <= most
        && x[x.len() - suffix - BLOCK..x.len() - suffix] == y[y.len() - suffix - BLOCK..y.len() - suffix]
    {
        suffix += BLOCK;
    }
    while suffix < most && x[x.len() - suffix - 1] == y[y.len() - suffix - 1] {
        suffix += 1;
    }
    while !(a.is_char_boundary(a.len() - suffix) && b.is_char_boundary(b.len() - suffix)) {
        suffix -= 1;
    }
    (prefix, suffix)
}

/// The marks of `text`, a new version of `old_text` (both not ASCII) that differs from it only
/// in `old_text[prefix..old_end]`, now `text[prefix..new_end]` (character boundaries).
fn edited_marks(old: &[Mark], old_text: &str, text: &str, prefix: usize, old_end: usize, new_end: usize) -> Vec<Mark> {
    let kept = old.partition_point(|m| m.byte <= prefix);
    let after = old.partition_point(|m| m.byte < old_end);
    let mut marks = Vec::with_capacity(old.len() + (new_end - prefix) / MARK_STRIDE + 1);
    marks.extend_from_slice(&old[..kept]);
    let last = old[kept - 1];
    let (mut utf16, mut chars, mut next) = (last.utf16, last.chars, last.byte + MARK_STRIDE);
    for (i, c) in text[last.byte..new_end].char_indices() {
        let byte = last.byte + i;
        if byte >= next {
            marks.push(Mark { byte, utf16, chars });
            next = byte + MARK_STRIDE;
        }
        utf16 += c.len_utf16();
        chars += 1;
    }
    // What the old text counted up to `old_end`, from its last mark before it.
    let before = old[after.saturating_sub(1)];
    let rest = &old_text[before.byte..old_end];
    let (old_utf16, old_chars) = (before.utf16 + rest.encode_utf16().count(), before.chars + rest.chars().count());
    marks.extend(old[after..].iter().map(|m| Mark {
        byte: m.byte - old_end + new_end,
        utf16: m.utf16 - old_utf16 + utf16,
        chars: m.chars - old_chars + chars,
    }));
    marks
}

/// The marks of a text that is not ASCII, the first at its start.
fn marks(text: &str) -> Vec<Mark> {
    let mut marks = Vec::with_capacity(text.len() / MARK_STRIDE + 1);
    let (mut utf16, mut chars, mut next) = (0, 0, 0);
    for (byte, c) in text.char_indices() {
        if byte >= next {
            marks.push(Mark { byte, utf16, chars });
            next = byte + MARK_STRIDE;
        }
        utf16 += c.len_utf16();
        chars += 1;
    }
    marks
}

impl LineIndex {
    /// Byte offset of a position in `text` (the text this index was built from); a line past the
    /// end clamps to the end, a character past the line's end clamps to the line's end (before
    /// its line break), and a position inside a character moves to the character's start.
    pub fn offset(&self, text: &str, position: Position, enc: PositionEncoding) -> usize {
        let line = position.line as usize;
        if line >= self.line_count() {
            return text.len();
        }
        let start = self.line_start(line);
        let content = self.line_text(text, line);
        let wanted = position.character as usize;
        let mut units = 0;
        for (at, c) in content.char_indices() {
            if units >= wanted {
                return start + at;
            }
            units += match enc {
                PositionEncoding::Utf8 => c.len_utf8(),
                PositionEncoding::Utf16 => c.len_utf16(),
                PositionEncoding::Utf32 => 1,
            };
            if units > wanted {
                return start + at;
            }
        }
        start + content.len()
    }
}

/// Verifies specs/001-core-engine/spec.md FR-001.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Document;

    #[test]
    fn agrees_with_the_rope_document_on_every_offset() {
        let text = "a😀b\r\nc\rd\u{2028}e\n中\n";
        let index = LineIndex::new(text);
        let doc = Document::new(text);
        for enc in [PositionEncoding::Utf8, PositionEncoding::Utf16, PositionEncoding::Utf32] {
            for offset in 0..=text.len() + 2 {
                assert_eq!(index.position(text, offset, enc), doc.position(offset, enc), "{offset} {enc:?}");
            }
        }
        assert_eq!(index.line_count(), doc.line_count());
    }

    /// Columns counted from marks agree with the rope on a line spanning many of them.
    #[test]
    fn agrees_with_the_rope_document_on_a_long_line() {
        let text = format!("x\n{}\r\n{}", "é FR-001 😀 ".repeat(600), "中a".repeat(900));
        let index = LineIndex::new(&text);
        let doc = Document::new(&text);
        for enc in [PositionEncoding::Utf8, PositionEncoding::Utf16, PositionEncoding::Utf32] {
            for offset in (0..=text.len()).step_by(7) {
                assert_eq!(index.position(&text, offset, enc), doc.position(offset, enc), "{offset} {enc:?}");
            }
        }
    }

    proptest::proptest! {
        /// A position told without an index is the indexed one, in every encoding.
        #[test]
        fn positions_without_an_index_agree_with_the_index(
            text in "[ab\n\r\u{e9}\u{1F600}]{0,40}",
            offset in 0usize..50,
        ) {
            let index = LineIndex::new(&text);
            if let Some(found) = LineIndex::position_unindexed(&text, offset) {
                for enc in [PositionEncoding::Utf8, PositionEncoding::Utf16, PositionEncoding::Utf32] {
                    proptest::prop_assert_eq!(found, index.position(&text, offset, enc));
                }
            }
        }
    }

    proptest::proptest! {
        /// Verifies specs/007-edit-latency/spec.md FR-010: the index of an edited text, derived
        /// from the previous version's, tells every position as the index of the new text does.
        #[test]
        fn an_edited_index_agrees_with_a_fresh_one(
            old_text in "[ab\n\r\u{e9}\u{1F600}]{0,300}",
            at in 0usize..300,
            removed in 0usize..40,
            inserted in "[ab\n\r\u{e9}]{0,8}",
            repeat in 1usize..4,
        ) {
            // Long texts too, so that marks and whole blocks are kept and shifted.
            let old_text = old_text.repeat(repeat * repeat * 4);
            let mut start = at.min(old_text.len());
            while !old_text.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (start + removed).min(old_text.len());
            while !old_text.is_char_boundary(end) {
                end += 1;
            }
            let text = format!("{}{inserted}{}", &old_text[..start], &old_text[end..]);
            let edited = LineIndex::edited(&LineIndex::new(&old_text), &old_text, &text);
            let fresh = LineIndex::new(&text);
            proptest::prop_assert_eq!(&edited.starts, &fresh.starts);
            proptest::prop_assert_eq!(edited.ascii, fresh.ascii);
            for offset in (0..=text.len()).step_by(1 + text.len() / 200).chain(start.saturating_sub(4)..(start + 12).min(text.len())) {
                for enc in [PositionEncoding::Utf8, PositionEncoding::Utf16, PositionEncoding::Utf32] {
                    proptest::prop_assert_eq!(edited.position(&text, offset, enc), fresh.position(&text, offset, enc));
                }
            }
        }

        /// Line starts found with memchr are the rope's, whatever the mix of line breaks.
        #[test]
        fn agrees_with_the_rope_document_on_any_line_breaks(text in "[a\n\r\u{e9}]{0,40}") {
            let index = LineIndex::new(&text);
            let doc = Document::new(&text);
            proptest::prop_assert_eq!(index.line_count(), doc.line_count());
            for offset in 0..=text.len() {
                for enc in [PositionEncoding::Utf8, PositionEncoding::Utf16, PositionEncoding::Utf32] {
                    proptest::prop_assert_eq!(index.position(&text, offset, enc), doc.position(offset, enc));
                }
            }
        }
    }

    #[test]
    fn offsets_agree_with_the_rope_document_on_every_position() {
        let text = "a😀b\r\nc\rd\u{2028}e\n中\n";
        let index = LineIndex::new(text);
        let doc = Document::new(text);
        for enc in [PositionEncoding::Utf8, PositionEncoding::Utf16, PositionEncoding::Utf32] {
            for line in 0..7 {
                for character in 0..12 {
                    let position = Position { line, character };
                    assert_eq!(index.offset(text, position, enc), doc.offset(position, enc), "{position:?} {enc:?}");
                }
            }
        }
    }
}
