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
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    starts.push(i + 2);
                    i += 1;
                }
                b'\r' => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        let ascii = text.is_ascii();
        LineIndex { starts, ascii, marks: if ascii { Vec::new() } else { marks(text) } }
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
