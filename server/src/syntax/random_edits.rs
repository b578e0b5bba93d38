//! Random texts and edits for the property tests that compare an incremental result with a fresh
//! one (chunked parse, model built from kept chunk facts): each test brings its own fragments.

use proptest::prelude::*;

use super::ByteEdit;

/// Texts of up to forty fragments.
pub fn text_strategy(fragments: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(fragments), 0..40).prop_map(|parts| parts.concat())
}

/// An edit as fractions of the current text (start, length), the fragments it inserts, and
/// whether the test updates after it.
pub fn edit_strategy(fragments: &'static [&'static str]) -> impl Strategy<Value = (f64, f64, String, bool)> {
    (0.0..=1.0f64, 0.0..=0.2f64, prop::collection::vec(prop::sample::select(fragments), 0..3), any::<bool>())
        .prop_map(|(start, len, parts, update)| (start, len, parts.concat(), update))
}

/// Apply an edit given as fractions of `text` (clamped to character boundaries) and describe it.
pub fn apply(text: &mut String, start: f64, len: f64, insert: &str) -> ByteEdit {
    let start = floor(text, (start * text.len() as f64) as usize);
    let end = floor(text, start + (len * text.len() as f64) as usize).max(start);
    text.replace_range(start..end, insert);
    byte_edit(start, end, start + insert.len())
}

fn floor(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A byte edit without points: the chunked parse reads only bytes.
pub fn byte_edit(start: usize, old_end: usize, new_end: usize) -> ByteEdit {
    ByteEdit {
        start_byte: start,
        old_end_byte: old_end,
        new_end_byte: new_end,
        start_point: (0, 0),
        old_end_point: (0, 0),
        new_end_point: (0, 0),
    }
}
