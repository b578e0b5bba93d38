//! Property tests checking [`Document`] against naive models over a `String`.

use proptest::prelude::*;
use proptest::sample::Index;

use super::PositionEncoding::{self, Utf8, Utf16, Utf32};
use super::{ByteEdit, Document, Position};

/// Pieces covering every width in every encoding and every kind of line break,
/// plus U+2028, which must not be a line break.
const PIECES: [&str; 8] = ["a", "é", "中", "😀", "\r\n", "\n", "\r", "\u{2028}"];

fn text_of(pieces: std::ops::Range<usize>) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES.to_vec()), pieces).prop_map(|v| v.concat())
}

fn text() -> impl Strategy<Value = String> {
    text_of(0..32)
}

/// Big enough to span several rope chunks (about 1 KiB each).
fn long_text() -> impl Strategy<Value = String> {
    text_of(300..900)
}

fn encoding() -> impl Strategy<Value = PositionEncoding> {
    prop::sample::select(vec![Utf8, Utf16, Utf32])
}

/// Mostly positions near real text, sometimes anything at all.
fn position() -> impl Strategy<Value = Position> {
    prop_oneof![
        4 => (0u32..10, 0u32..16),
        1 => any::<(u32, u32)>(),
    ]
    .prop_map(|(line, character)| Position::new(line, character))
}

/// Content ranges of the lines of `text`, split at LF, CRLF and lone CR.
fn naive_lines(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let (mut lines, mut start, mut i) = (Vec::new(), 0, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                lines.push((start, i));
                i += 1;
                start = i;
            }
            b'\r' => {
                lines.push((start, i));
                i += if bytes.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
                start = i;
            }
            _ => i += 1,
        }
    }
    lines.push((start, bytes.len()));
    lines
}

fn units(c: char, enc: PositionEncoding) -> usize {
    match enc {
        Utf8 => c.len_utf8(),
        Utf16 => c.len_utf16(),
        Utf32 => 1,
    }
}

fn naive_offset(text: &str, pos: Position, enc: PositionEncoding) -> usize {
    let Some(&(start, end)) = naive_lines(text).get(pos.line as usize) else {
        return text.len();
    };
    let mut column = 0;
    for (i, c) in text[start..end].char_indices() {
        column += units(c, enc);
        if column > pos.character as usize {
            return start + i;
        }
    }
    end
}

/// `offset` must be a char boundary; `lines` is `naive_lines(text)`.
fn naive_position(text: &str, lines: &[(usize, usize)], offset: usize, enc: PositionEncoding) -> Position {
    let line = lines.partition_point(|&(start, _)| start <= offset).saturating_sub(1);
    let (start, end) = lines[line];
    let character = text[start..offset.min(end)].chars().map(|c| units(c, enc)).sum::<usize>();
    Position::new(line.try_into().unwrap(), character.try_into().unwrap())
}

fn naive_ts_point(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let row = before.iter().filter(|&&b| b == b'\n').count();
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    (row, before.len() - line_start)
}

fn is_between_cr_lf(text: &str, offset: usize) -> bool {
    let bytes = text.as_bytes();
    offset > 0 && bytes[offset - 1] == b'\r' && bytes.get(offset) == Some(&b'\n')
}

#[derive(Clone, Debug)]
enum Change {
    Range(Position, Position, String),
    Full(String),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        9 => (position(), position(), text_of(0..4)).prop_map(|(a, b, t)| Change::Range(a, b, t)),
        1 => text().prop_map(Change::Full),
    ]
}

proptest! {
    #[test]
    fn offset_never_panics_for_any_u32_position(
        text in text(),
        line in any::<u32>(),
        character in any::<u32>(),
        enc in encoding(),
    ) {
        let doc = Document::new(&text);
        let offset = doc.offset(Position::new(line, character), enc);
        prop_assert!(text.is_char_boundary(offset));
        prop_assert!(!is_between_cr_lf(&text, offset));
    }

    #[test]
    fn offset_matches_naive_model(text in text(), pos in position(), enc in encoding()) {
        let doc = Document::new(&text);
        let offset = doc.offset(pos, enc);
        prop_assert_eq!(offset, naive_offset(&text, pos, enc));
        // Clamped positions normalise: converting back and forth is stable.
        prop_assert_eq!(doc.offset(doc.position(offset, enc), enc), offset);
    }

    #[test]
    fn valid_positions_round_trip(
        text in text(),
        line in any::<Index>(),
        char_index in any::<Index>(),
        enc in encoding(),
    ) {
        let doc = Document::new(&text);
        let lines = naive_lines(&text);
        let line = line.index(lines.len());
        let (start, end) = lines[line];
        let boundaries: Vec<usize> =
            text[start..end].char_indices().map(|(i, _)| start + i).chain([end]).collect();
        let offset = boundaries[char_index.index(boundaries.len())];
        let pos = naive_position(&text, &lines, offset, enc);
        prop_assert_eq!(doc.offset(pos, enc), offset);
        prop_assert_eq!(doc.position(doc.offset(pos, enc), enc), pos);
    }

    #[test]
    fn edits_match_string_model(
        initial in text(),
        changes in prop::collection::vec((change(), encoding()), 0..12),
    ) {
        let mut doc = Document::new(&initial);
        let mut model = initial;
        for (change, enc) in changes {
            match change {
                Change::Range(a, b, new_text) => {
                    let (x, y) = (doc.offset(a, enc), doc.offset(b, enc));
                    prop_assert_eq!(x, naive_offset(&model, a, enc));
                    prop_assert_eq!(y, naive_offset(&model, b, enc));
                    let (start, old_end) = (x.min(y), x.max(y));
                    let start_point = naive_ts_point(&model, start);
                    let old_end_point = naive_ts_point(&model, old_end);
                    let edit = doc.apply_change(Some((a, b)), &new_text, enc);
                    model.replace_range(start..old_end, &new_text);
                    let new_end = start + new_text.len();
                    prop_assert_eq!(edit, ByteEdit {
                        start_byte: start,
                        old_end_byte: old_end,
                        new_end_byte: new_end,
                        start_point,
                        old_end_point,
                        new_end_point: naive_ts_point(&model, new_end),
                    });
                }
                Change::Full(new_text) => {
                    let old_end_point = naive_ts_point(&model, model.len());
                    let edit = doc.apply_change(None, &new_text, enc);
                    prop_assert_eq!(edit, ByteEdit {
                        start_byte: 0,
                        old_end_byte: model.len(),
                        new_end_byte: new_text.len(),
                        start_point: (0, 0),
                        old_end_point,
                        new_end_point: naive_ts_point(&new_text, new_text.len()),
                    });
                    model = new_text;
                }
            }
            prop_assert_eq!(doc.text(), model.as_str());
            prop_assert_eq!(doc.line_count(), naive_lines(&model).len());
            // Also exercises the incrementally maintained lone-CR count.
            for offset in 0..=model.len() {
                prop_assert_eq!(doc.ts_point(offset), naive_ts_point(&model, offset));
            }
        }
    }
}

proptest! {
    // Each case checks every offset of a multi-chunk text, so fewer cases suffice.
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn position_matches_naive_model_at_every_offset(text in long_text(), enc in encoding()) {
        let doc = Document::new(&text);
        let lines = naive_lines(&text);
        let mut boundary = 0;
        for offset in 0..=text.len() + 2 {
            if offset <= text.len() && text.is_char_boundary(offset) {
                boundary = offset;
            }
            // Offsets inside a char round down; past the end clamp.
            let expected = naive_position(&text, &lines, boundary, enc);
            prop_assert_eq!(doc.position(offset, enc), expected);
            if offset == boundary && !is_between_cr_lf(&text, offset) {
                prop_assert_eq!(doc.offset(expected, enc), offset);
            }
        }
    }

    #[test]
    fn ts_point_matches_naive_newline_count(text in long_text()) {
        // Without lone CRs ts_point takes its ropey line-index path.
        for text in [text.replace('\r', "\r\n"), text] {
            let doc = Document::new(&text);
            let (mut row, mut line_start) = (0, 0);
            for offset in 0..=text.len() + 2 {
                prop_assert_eq!(doc.ts_point(offset), (row, offset.min(text.len()) - line_start));
                if text.as_bytes().get(offset) == Some(&b'\n') {
                    row += 1;
                    line_start = offset + 1;
                }
            }
        }
    }
}
