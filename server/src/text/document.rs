//! A rope-backed text document with conversions between byte offsets, LSP
//! positions and tree-sitter points.

use std::ops::Range;

use ropey::Rope;

use super::{Position, PositionEncoding};

/// A byte-level edit, in the shape tree-sitter's `InputEdit` needs (bytes plus
/// tree-sitter points: row counts ONLY '\n', column counts bytes since the
/// last '\n').
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteEdit {
    pub start_byte: usize,
    pub old_end_byte: usize,
    pub new_end_byte: usize,
    pub start_point: (usize, usize),
    pub old_end_point: (usize, usize),
    pub new_end_point: (usize, usize),
}

/// A text document: a ropey [`Rope`] whose lines end at LF, CRLF or CR only
/// (ropey's `cr_lines` feature), matching the LSP definition of a line.
#[derive(Clone, Debug)]
pub struct Document {
    rope: Rope,
    /// Number of '\r' not followed by '\n'. Ropey counts these as line breaks
    /// but tree-sitter does not, so while this is zero a tree-sitter point is
    /// just ropey's line index; otherwise [`Document::ts_point`] has to scan.
    lone_crs: usize,
}

impl Document {
    pub fn new(text: &str) -> Self {
        let rope = Rope::from_str(text);
        let lone_crs = count_lone_crs(&rope, 0, rope.len_bytes());
        Self { rope, lone_crs }
    }

    pub fn rope(&self) -> &Rope {
        &self.rope
    }

    /// The whole text, in a string sized up front (`to_string` grows it by doubling, copying a
    /// large document over and over).
    pub fn text(&self) -> String {
        String::from(&self.rope)
    }

    pub fn len_bytes(&self) -> usize {
        self.rope.len_bytes()
    }

    /// Number of lines as LSP sees them: a trailing terminator starts a new
    /// empty last line, and an empty document has one line.
    pub fn line_count(&self) -> usize {
        self.rope.len_lines()
    }

    /// Byte offset of the start of `line` (clamped: past the end -> `len_bytes`).
    pub fn line_start(&self, line: usize) -> usize {
        if line < self.rope.len_lines() { self.rope.line_to_byte(line) } else { self.rope.len_bytes() }
    }

    /// Byte range of the line's content without its terminator (\r\n, \n or \r).
    pub fn line_content_range(&self, line: usize) -> Range<usize> {
        let start = self.line_start(line);
        if line >= self.rope.len_lines() - 1 {
            // The last line (or past the end) has no terminator.
            return start..self.rope.len_bytes();
        }
        let next = self.rope.line_to_byte(line + 1);
        let end = match self.rope.byte(next - 1) {
            b'\n' if next - 1 > start && self.rope.byte(next - 2) == b'\r' => next - 2,
            _ => next - 1,
        };
        start..end
    }

    /// LSP position -> byte offset. Never panics: a line past the end gives
    /// `len_bytes`; a character past the line end clamps to the line end
    /// (before the terminator, never between \r and \n); a column inside a
    /// multi-byte char (UTF-8) or a surrogate pair (UTF-16) rounds down to the
    /// char start.
    pub fn offset(&self, pos: Position, enc: PositionEncoding) -> usize {
        let line = pos.line as usize;
        if line >= self.rope.len_lines() {
            return self.rope.len_bytes();
        }
        let Range { start, end } = self.line_content_range(line);
        let character = pos.character as usize;
        if self.is_ascii() {
            return start + character.min(end - start);
        }
        match enc {
            PositionEncoding::Utf8 => {
                let target = start.saturating_add(character);
                if target >= end { end } else { self.floor_char_boundary(target) }
            }
            PositionEncoding::Utf16 => {
                let start_cu = self.rope.char_to_utf16_cu(self.rope.byte_to_char(start));
                let end_cu = self.rope.char_to_utf16_cu(self.rope.byte_to_char(end));
                let target = start_cu.saturating_add(character).min(end_cu);
                // Ropey maps a unit inside a surrogate pair to the char holding it.
                self.rope.char_to_byte(self.rope.utf16_cu_to_char(target))
            }
            PositionEncoding::Utf32 => {
                let start_char = self.rope.byte_to_char(start);
                let end_char = self.rope.byte_to_char(end);
                let target = start_char.saturating_add(character).min(end_char);
                self.rope.char_to_byte(target)
            }
        }
    }

    /// Byte offset -> LSP position. The offset is clamped to the length, an
    /// offset inside a char rounds down to the char start, and an offset
    /// between \r and \n maps to the end of that line's content.
    pub fn position(&self, offset: usize, enc: PositionEncoding) -> Position {
        let offset = self.floor_char_boundary(offset.min(self.rope.len_bytes()));
        let line = self.rope.byte_to_line(offset);
        let content = self.line_content_range(line);
        let offset = offset.min(content.end);
        Position { line: saturate(line), character: saturate(self.measure(content.start..offset, enc)) }
    }

    /// Convert a byte range to an LSP (start, end) pair.
    pub fn range(&self, r: Range<usize>, enc: PositionEncoding) -> (Position, Position) {
        (self.position(r.start, enc), self.position(r.end, enc))
    }

    /// Tree-sitter point for a byte offset (clamped to the length): row = count
    /// of '\n' before the offset, column = bytes since the last '\n'.
    pub fn ts_point(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.rope.len_bytes());
        if self.lone_crs == 0 {
            // Every ropey line break contains exactly one '\n'. An offset between
            // the \r and \n of a CRLF still belongs to the CRLF's line.
            let row = self.rope.byte_to_line(offset);
            return (row, offset - self.rope.line_to_byte(row));
        }
        let (mut row, mut line_start, mut chunk_start) = (0, 0, 0);
        for chunk in self.rope.chunks() {
            if chunk_start >= offset {
                break;
            }
            let prefix = &chunk.as_bytes()[..chunk.len().min(offset - chunk_start)];
            for (i, _) in prefix.iter().enumerate().filter(|&(_, &b)| b == b'\n') {
                row += 1;
                line_start = chunk_start + i + 1;
            }
            chunk_start += chunk.len();
        }
        (row, offset - line_start)
    }

    /// Apply one LSP content change; `range: None` replaces the whole text.
    /// Positions are clamped like [`Document::offset`] and a reversed range is
    /// swapped. Returns the edit with start/old end measured before the change
    /// and new end after it.
    pub fn apply_change(
        &mut self,
        range: Option<(Position, Position)>,
        new_text: &str,
        enc: PositionEncoding,
    ) -> ByteEdit {
        let Some((from, to)) = range else {
            let old_end_byte = self.rope.len_bytes();
            let old_end_point = self.ts_point(old_end_byte);
            *self = Self::new(new_text);
            return ByteEdit {
                start_byte: 0,
                old_end_byte,
                new_end_byte: new_text.len(),
                start_point: (0, 0),
                old_end_point,
                new_end_point: advance((0, 0), new_text),
            };
        };
        let (a, b) = (self.offset(from, enc), self.offset(to, enc));
        let (start, old_end) = (a.min(b), a.max(b));
        let start_point = self.ts_point(start);
        let old_end_point = self.ts_point(old_end);

        // Only a '\r' inside the edit or just before it can change loneness.
        let window = start.saturating_sub(1);
        let lone_before = count_lone_crs(&self.rope, window, old_end);
        let start_char = self.rope.byte_to_char(start);
        let old_end_char = self.rope.byte_to_char(old_end);
        self.rope.remove(start_char..old_end_char);
        self.rope.insert(start_char, new_text);
        let new_end = start + new_text.len();
        self.lone_crs = self.lone_crs - lone_before + count_lone_crs(&self.rope, window, new_end);

        ByteEdit {
            start_byte: start,
            old_end_byte: old_end,
            new_end_byte: new_end,
            start_point,
            old_end_point,
            new_end_point: advance(start_point, new_text),
        }
    }

    /// All byte offsets are char offsets, so every encoding is a plain byte
    /// count. Ropey keeps both totals at the root, so this is O(1).
    fn is_ascii(&self) -> bool {
        self.rope.len_bytes() == self.rope.len_chars()
    }

    /// Round an in-bounds byte offset down to the start of its char.
    fn floor_char_boundary(&self, offset: usize) -> usize {
        if self.is_ascii() { offset } else { self.rope.char_to_byte(self.rope.byte_to_char(offset)) }
    }

    /// Length of a char-aligned, in-bounds byte range in `enc` units.
    fn measure(&self, r: Range<usize>, enc: PositionEncoding) -> usize {
        if self.is_ascii() {
            return r.len();
        }
        match enc {
            PositionEncoding::Utf8 => r.len(),
            PositionEncoding::Utf16 => {
                let cu = |byte| self.rope.char_to_utf16_cu(self.rope.byte_to_char(byte));
                cu(r.end) - cu(r.start)
            }
            PositionEncoding::Utf32 => self.rope.byte_to_char(r.end) - self.rope.byte_to_char(r.start),
        }
    }
}

/// Count the '\r' bytes at positions `from..to` that are not followed by '\n'
/// (a '\r' at the very end of the text counts). `from <= to <= len` required.
fn count_lone_crs(rope: &Rope, from: usize, to: usize) -> usize {
    let mut count = 0;
    let mut pending_cr = false;
    // One extra byte: the one after the range decides the last '\r'.
    for (i, b) in (from..).zip(rope.bytes_at(from).take(to - from + 1)) {
        if pending_cr && b != b'\n' {
            count += 1;
        }
        pending_cr = b == b'\r' && i < to;
    }
    count + usize::from(pending_cr)
}

/// The tree-sitter point reached after inserting `text` at `point`.
fn advance(point: (usize, usize), text: &str) -> (usize, usize) {
    match text.rfind('\n') {
        Some(last) => {
            let rows = text.bytes().filter(|&b| b == b'\n').count();
            (point.0 + rows, text.len() - last - 1)
        }
        None => (point.0, point.1 + text.len()),
    }
}

/// LSP positions are u32; saturate rather than wrap on absurdly large documents.
fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Verifies specs/001-core-engine/spec.md FR-001, FR-003.
#[cfg(test)]
mod tests {
    use super::*;
    use PositionEncoding::{Utf8, Utf16, Utf32};

    const ALL: [PositionEncoding; 3] = [Utf8, Utf16, Utf32];

    fn p(line: u32, character: u32) -> Position {
        Position::new(line, character)
    }

    #[test]
    fn astral_emoji_is_four_bytes_two_utf16_units_one_scalar() {
        let doc = Document::new("a😀b");
        // 'b' starts at byte 5.
        assert_eq!(doc.offset(p(0, 5), Utf8), 5);
        assert_eq!(doc.offset(p(0, 3), Utf16), 5);
        assert_eq!(doc.offset(p(0, 2), Utf32), 5);
        assert_eq!(doc.position(5, Utf8), p(0, 5));
        assert_eq!(doc.position(5, Utf16), p(0, 3));
        assert_eq!(doc.position(5, Utf32), p(0, 2));
        assert_eq!(doc.position(doc.len_bytes(), Utf16), p(0, 4));
    }

    #[test]
    fn cjk_is_three_bytes_one_utf16_unit_one_scalar() {
        let doc = Document::new("中文x");
        assert_eq!(doc.offset(p(0, 6), Utf8), 6);
        assert_eq!(doc.offset(p(0, 2), Utf16), 6);
        assert_eq!(doc.offset(p(0, 2), Utf32), 6);
        assert_eq!(doc.position(3, Utf8), p(0, 3));
        assert_eq!(doc.position(3, Utf16), p(0, 1));
        assert_eq!(doc.position(3, Utf32), p(0, 1));
    }

    #[test]
    fn utf16_column_inside_surrogate_pair_rounds_down() {
        let doc = Document::new("a😀b");
        assert_eq!(doc.offset(p(0, 2), Utf16), 1);
    }

    #[test]
    fn utf8_column_inside_multibyte_char_rounds_down() {
        let doc = Document::new("é中😀");
        assert_eq!(doc.offset(p(0, 1), Utf8), 0);
        assert_eq!(doc.offset(p(0, 3), Utf8), 2);
        assert_eq!(doc.offset(p(0, 4), Utf8), 2);
        assert_eq!(doc.offset(p(0, 7), Utf8), 5);
    }

    #[test]
    fn position_inside_multibyte_char_rounds_down() {
        let doc = Document::new("a😀b");
        for enc in ALL {
            for inside in 2..5 {
                assert_eq!(doc.position(inside, enc), doc.position(1, enc));
            }
        }
    }

    #[test]
    fn crlf_terminator_is_excluded_from_line_content() {
        let doc = Document::new("ab\r\ncd\r\n");
        assert_eq!(doc.line_count(), 3);
        assert_eq!(doc.line_content_range(0), 0..2);
        assert_eq!(doc.line_content_range(1), 4..6);
        assert_eq!(doc.line_content_range(2), 8..8);
        assert_eq!(doc.line_start(1), 4);
        assert_eq!(doc.offset(p(1, 1), Utf16), 5);
        assert_eq!(doc.position(5, Utf16), p(1, 1));
    }

    #[test]
    fn character_past_line_end_clamps_before_crlf() {
        let doc = Document::new("ab\r\ncd");
        for enc in ALL {
            assert_eq!(doc.offset(p(0, 3), enc), 2);
            assert_eq!(doc.offset(p(0, u32::MAX), enc), 2);
        }
    }

    #[test]
    fn offset_between_cr_and_lf_maps_to_line_content_end() {
        let doc = Document::new("ab\r\ncd");
        for enc in ALL {
            assert_eq!(doc.position(3, enc), p(0, 2));
        }
    }

    #[test]
    fn lone_cr_is_a_line_break() {
        let doc = Document::new("a\rb\r");
        assert_eq!(doc.line_count(), 3);
        assert_eq!(doc.line_content_range(0), 0..1);
        assert_eq!(doc.line_content_range(1), 2..3);
        assert_eq!(doc.offset(p(1, 0), Utf16), 2);
        assert_eq!(doc.offset(p(0, 5), Utf16), 1);
        assert_eq!(doc.position(3, Utf16), p(1, 1));
        assert_eq!(doc.position(4, Utf16), p(2, 0));
    }

    #[test]
    fn line_separator_u2028_is_not_a_line_break() {
        let doc = Document::new("a\u{2028}b\u{85}c");
        assert_eq!(doc.line_count(), 1);
        assert_eq!(doc.offset(p(0, 2), Utf16), 4);
        assert_eq!(doc.position(doc.len_bytes(), Utf16), p(0, 5));
        assert_eq!(doc.offset(p(1, 0), Utf16), doc.len_bytes());
    }

    #[test]
    fn trailing_terminator_starts_an_empty_last_line() {
        assert_eq!(Document::new("").line_count(), 1);
        assert_eq!(Document::new("a\n").line_count(), 2);
        assert_eq!(Document::new("a\r").line_count(), 2);
        assert_eq!(Document::new("a\r\n").line_count(), 2);
        let doc = Document::new("a\n");
        assert_eq!(doc.position(2, Utf16), p(1, 0));
        assert_eq!(doc.offset(p(1, 0), Utf16), 2);
    }

    #[test]
    fn positions_past_eof_clamp_to_len() {
        let doc = Document::new("ab\n中");
        for enc in ALL {
            assert_eq!(doc.offset(p(2, 0), enc), doc.len_bytes());
            assert_eq!(doc.offset(p(u32::MAX, u32::MAX), enc), doc.len_bytes());
            assert_eq!(doc.offset(p(1, 9), enc), doc.len_bytes());
            assert_eq!(doc.position(usize::MAX, enc), doc.position(doc.len_bytes(), enc));
        }
        assert_eq!(doc.line_start(99), doc.len_bytes());
        assert_eq!(doc.line_content_range(99), 6..6);
        assert_eq!(doc.line_start(usize::MAX), doc.len_bytes());
        assert_eq!(doc.line_content_range(usize::MAX), 6..6);
    }

    #[test]
    fn empty_document_has_one_empty_line() {
        let doc = Document::new("");
        for enc in ALL {
            assert_eq!(doc.offset(p(0, 3), enc), 0);
            assert_eq!(doc.position(0, enc), p(0, 0));
        }
        assert_eq!(doc.line_content_range(0), 0..0);
        assert_eq!(doc.ts_point(5), (0, 0));
    }

    #[test]
    fn range_converts_both_ends() {
        let doc = Document::new("x\n😀y");
        assert_eq!(doc.range(2..6, Utf16), (p(1, 0), p(1, 2)));
        assert_eq!(doc.range(2..6, Utf8), (p(1, 0), p(1, 4)));
    }

    #[test]
    fn ts_point_counts_only_lf_and_columns_in_bytes() {
        let doc = Document::new("é\r\nb\rc\nd");
        assert_eq!(doc.ts_point(0), (0, 0));
        assert_eq!(doc.ts_point(2), (0, 2));
        assert_eq!(doc.ts_point(3), (0, 3));
        assert_eq!(doc.ts_point(4), (1, 0));
        assert_eq!(doc.ts_point(6), (1, 2));
        assert_eq!(doc.ts_point(8), (2, 0));
        assert_eq!(doc.ts_point(100), (2, 1));
    }

    #[test]
    fn apply_change_reports_byte_edit_for_utf16_range() {
        let mut doc = Document::new("😀a\nbc");
        let edit = doc.apply_change(Some((p(0, 2), p(1, 1))), "X\nYZ", Utf16);
        assert_eq!(doc.text(), "😀X\nYZc");
        assert_eq!(
            edit,
            ByteEdit {
                start_byte: 4,
                old_end_byte: 7,
                new_end_byte: 8,
                start_point: (0, 4),
                old_end_point: (1, 1),
                new_end_point: (1, 2),
            }
        );
    }

    #[test]
    fn apply_change_swaps_a_reversed_range() {
        let mut doc = Document::new("abcd");
        let edit = doc.apply_change(Some((p(0, 3), p(0, 1))), "", Utf8);
        assert_eq!(doc.text(), "ad");
        assert_eq!((edit.start_byte, edit.old_end_byte, edit.new_end_byte), (1, 3, 1));
    }

    #[test]
    fn apply_change_without_range_replaces_everything() {
        let mut doc = Document::new("a\nbc");
        let edit = doc.apply_change(None, "中\n", Utf16);
        assert_eq!(doc.text(), "中\n");
        assert_eq!(
            edit,
            ByteEdit {
                start_byte: 0,
                old_end_byte: 4,
                new_end_byte: 4,
                start_point: (0, 0),
                old_end_point: (1, 2),
                new_end_point: (1, 0),
            }
        );
    }

    #[test]
    fn apply_change_tracks_lone_crs_across_crlf_splits_and_joins() {
        let mut doc = Document::new("a\r\nb");
        assert_eq!(doc.lone_crs, 0);
        // Inserting before the CRLF's line end keeps the pair intact.
        doc.apply_change(Some((p(0, 1), p(0, 1))), "x\r", Utf16);
        assert_eq!(doc.text(), "ax\r\r\nb");
        assert_eq!(doc.lone_crs, 1);
        assert_eq!(doc.ts_point(6), (1, 1));
        // Deleting the lone CR's line break joins lines again.
        doc.apply_change(Some((p(0, 2), p(1, 0))), "", Utf16);
        assert_eq!(doc.text(), "ax\r\nb");
        assert_eq!(doc.lone_crs, 0);
        // A CR followed by a newly inserted LF stops being lone.
        let mut doc = Document::new("a\rb");
        assert_eq!(doc.lone_crs, 1);
        doc.apply_change(Some((p(1, 0), p(1, 0))), "\n", Utf16);
        assert_eq!(doc.text(), "a\r\nb");
        assert_eq!(doc.lone_crs, 0);
        assert_eq!(doc.line_count(), 2);
    }
}
