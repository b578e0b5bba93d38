//! Reading a document's raw text line by line, the way Markdown reads it: lines inside fenced or
//! indented code, HTML blocks and comments, and front matter are skipped. Rules that look at shapes
//! the grammar does not define (a task line without its ID) read lines here; the agent rules use it
//! too.

use std::ops::Range;

use crate::analysis::index::IndexedDoc;
use crate::model::FoldKind;

/// One line of the document, without its line break.
#[derive(Clone, Copy, Debug)]
pub struct Line<'t> {
    pub start: usize,
    pub text: &'t str,
}

impl Line<'_> {
    /// An absolute range from offsets within the line.
    pub fn at(&self, local: Range<usize>) -> Range<usize> {
        self.start + local.start..self.start + local.end
    }

    /// The line without its leading and trailing whitespace, as an absolute range.
    pub fn trimmed(&self) -> Range<usize> {
        let lead = self.text.len() - self.text.trim_start().len();
        self.at(lead..self.text.trim_end().len().max(lead))
    }
}

/// The lines starting inside `range` that Markdown reads as text.
pub fn lines(doc: &IndexedDoc, range: Range<usize>) -> impl Iterator<Item = Line<'_>> {
    let text: &str = &doc.text;
    let opaque: Vec<Range<usize>> = doc
        .model
        .folds
        .iter()
        .filter(|f| matches!(f.kind, FoldKind::Code | FoldKind::Comment | FoldKind::FrontMatter))
        .map(|f| f.range.clone())
        .collect();
    let end = range.end.min(text.len());
    let mut start = line_start(text, range.start.min(end));
    let mut next_opaque = 0;
    std::iter::from_fn(move || {
        while start < end {
            let content_end = start + text[start..].find(['\n', '\r']).unwrap_or(text.len() - start);
            let line = Line { start, text: &text[start..content_end] };
            start = next_line_start(text, content_end);
            while next_opaque < opaque.len() && opaque[next_opaque].end <= line.start {
                next_opaque += 1;
            }
            // Folds are only recorded for blocks of several lines; a one-line comment is skipped here.
            if opaque.get(next_opaque).is_some_and(|o| o.start <= line.start)
                || line.text.trim_start().starts_with("<!--")
            {
                continue;
            }
            return Some(line);
        }
        None
    })
}

/// The line holding `offset`.
pub fn line_at(doc: &IndexedDoc, offset: usize) -> Line<'_> {
    let text: &str = &doc.text;
    let offset = offset.min(text.len());
    let start = line_start(text, offset);
    let end = start + text[start..].find(['\n', '\r']).unwrap_or(text.len() - start);
    Line { start, text: &text[start..end] }
}

/// Where diagnostics about the whole document go: its first heading, or its start.
pub fn title_anchor(doc: &IndexedDoc) -> Range<usize> {
    doc.model.sections.first().map_or(0..0, |s| {
        let heading = &doc.text[s.heading.clone()];
        s.heading.start..s.heading.start + heading.trim_end().len()
    })
}

fn line_start(text: &str, offset: usize) -> usize {
    let mut offset = offset;
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    text[..offset].rfind(['\n', '\r']).map_or(0, |i| i + 1)
}

fn next_line_start(text: &str, content_end: usize) -> usize {
    let bytes = text.as_bytes();
    match bytes.get(content_end) {
        Some(b'\r') if bytes.get(content_end + 1) == Some(&b'\n') => content_end + 2,
        Some(_) => content_end + 1,
        None => content_end,
    }
}
