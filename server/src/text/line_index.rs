//! Line starts of an immutable text, for converting byte offsets of indexed (not open) files
//! into positions without building a rope.

use super::{Position, PositionEncoding};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineIndex {
    /// Byte offset where each line starts; lines end at LF, CRLF or CR, as LSP counts them.
    starts: Vec<usize>,
    ascii: bool,
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
        LineIndex { starts, ascii: text.is_ascii() }
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

    /// Position of `offset` in `text` (the text this index was built from); clamps, never panics.
    pub fn position(&self, text: &str, offset: usize, enc: PositionEncoding) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let prefix = &text[start..offset];
        let prefix = prefix.strip_suffix('\r').unwrap_or(prefix);
        let character = if self.ascii {
            prefix.len()
        } else {
            match enc {
                PositionEncoding::Utf8 => prefix.len(),
                PositionEncoding::Utf16 => prefix.encode_utf16().count(),
                PositionEncoding::Utf32 => prefix.chars().count(),
            }
        };
        Position { line: line as u32, character: character as u32 }
    }
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
        let end = if line + 1 < self.line_count() { self.line_start(line + 1) } else { text.len() };
        let content = text[start..end].trim_end_matches(['\n', '\r']);
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
