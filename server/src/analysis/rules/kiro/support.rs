//! What the Kiro rules share.

use std::ops::Range;

use crate::analysis::rules::Context;
use crate::model::{Clause, FoldKind};

/// The document's kind id (`kiro.requirements`, `kiro.tasks`, …).
pub fn kind<'c>(cx: &'c Context) -> &'c str {
    &cx.index.grammar.kind(cx.doc.model.kind).id
}

/// Whether an offset lies in fenced or indented code, an HTML comment or front matter.
pub fn masked(cx: &Context, offset: usize) -> bool {
    cx.doc.model.folds.iter().any(|f| {
        matches!(f.kind, FoldKind::Code | FoldKind::Comment | FoldKind::FrontMatter) && f.range.contains(&offset)
    })
}

/// Every line of the document with its byte range (terminator excluded).
pub fn lines(text: &str) -> impl Iterator<Item = (Range<usize>, &str)> {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let rest = &text[start..];
        let len = rest.find(['\r', '\n']).unwrap_or(rest.len());
        let line = (start..start + len, &rest[..len]);
        let bytes = rest.as_bytes();
        start += len + if bytes.get(len) == Some(&b'\r') && bytes.get(len + 1) == Some(&b'\n') { 2 } else { 1 };
        Some(line)
    })
}

/// The clauses of one kind, in document order.
pub fn clauses<'c>(cx: &'c Context, kind: &'c str) -> impl Iterator<Item = &'c Clause> {
    cx.doc.model.clauses.iter().filter(move |c| c.kind == kind)
}

/// The innermost section title enclosing an offset.
pub fn section_at<'c>(cx: &'c Context, offset: usize) -> Option<&'c str> {
    cx.doc
        .model
        .sections
        .iter()
        .filter(|s| s.range.contains(&offset) && s.heading.start <= offset)
        .max_by_key(|s| s.level)
        .map(|s| s.title.as_str())
}
