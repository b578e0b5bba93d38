//! `empty-section`: a section the document's kind declares, with a heading and nothing under it.
//!
//! Only sections declared for the kind in `grammar/formats/` are checked (required or not), so
//! free-form headings of notes and READMEs are never reported. Sub-headings count as content: a
//! parent whose content lives in its sub-sections is fine, and an empty sub-section is reported on
//! its own if the kind declares it. HTML comments (template guidance) and thematic breaks are not
//! content.

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

pub const RULE: Rule = Rule {
    code: "empty-section",
    severity: Severity::Warning,
    summary: "a section the document's kind declares has a heading and no content",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    let model = &cx.doc.model;
    let kind = cx.index.grammar.kind(model.kind);
    if kind.sections.is_empty() {
        return;
    }
    let text = &*cx.doc.text;
    for (i, section) in model.sections.iter().enumerate() {
        if model.sections.get(i + 1).is_some_and(|next| next.parent == Some(i)) {
            continue;
        }
        let body = &text[section.heading.end.min(section.range.end)..section.range.end];
        if has_content(body) || !kind.sections.iter().any(|s| s.matches(&section.title)) {
            continue;
        }
        let heading = &text[section.heading.clone()];
        let first_line = heading.find(['\n', '\r']).unwrap_or(heading.len());
        out.emit(
            section.heading.start..section.heading.start + heading[..first_line].trim_end().len(),
            format!("Section `{}` is empty; write its content or remove the heading", section.title),
        );
    }
}

/// Whether a section body holds anything but whitespace, HTML comments and thematic breaks.
///
/// Reads line by line and stops at the first line with content: a comment is looked for only on
/// the lines before it, so a long section costs its first lines, not its length.
fn has_content(body: &str) -> bool {
    let mut rest = body;
    'comments: loop {
        let mut at = 0;
        for line in rest.split_inclusive('\n') {
            let Some(open) = line.find("<!--") else {
                if !is_blank_or_break(line) {
                    return true;
                }
                at += line.len();
                continue;
            };
            if !is_blank_or_break(&line[..open]) {
                return true;
            }
            let after = at + open + 4;
            match rest[after..].find("-->") {
                Some(close) => {
                    rest = &rest[after + close + 3..];
                    continue 'comments;
                }
                // A comment left open to the end of the section.
                None => return false,
            }
        }
        return false;
    }
}

/// A blank line, or a thematic break (`---`, `***`, `___`, spaces allowed between).
fn is_blank_or_break(line: &str) -> bool {
    let mut marks = line.chars().filter(|c| !c.is_whitespace());
    match marks.next() {
        None => true,
        Some(first @ ('-' | '*' | '_')) => {
            let (same, count) = marks.fold((true, 1), |(same, n), c| (same && c == first, n + 1));
            same && count >= 3
        }
        Some(_) => false,
    }
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-006 (the cross-format rules).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    fn empty_sections(path: &str, text: &str) -> Vec<String> {
        check_files(&[(path, text)]).into_iter().filter(|d| d.contains("empty-section")).collect()
    }

    const SPEC: &str = "# Feature Specification: A\n\n## User Scenarios & Testing *(mandatory)*\n\n### User Story 1 - Sign in (Priority: P1)\n\nText.\n\n";

    #[test]
    fn a_declared_section_with_nothing_under_it_is_reported() {
        let text = format!(
            "{SPEC}## Requirements *(mandatory)*\n\n<!-- ACTION REQUIRED: fill in -->\n\n---\n\n## Success Criteria *(mandatory)*\n\n- **SC-001**: 90% of users sign in.\n"
        );
        assert_eq!(
            empty_sections("specs/001-a/spec.md", &text),
            vec![
                "specs/001-a/spec.md:9:1 empty-section Section `Requirements` is empty; write its content or remove the heading"
            ]
        );
    }

    #[test]
    fn sub_headings_count_as_content_and_undeclared_sections_are_free() {
        let text = format!(
            "{SPEC}## Requirements\n\n### Functional Requirements\n\n- **FR-001**: System MUST work.\n\n### Notes\n\n## Success Criteria\n\n### Measurable Outcomes\n\n"
        );
        assert_eq!(
            empty_sections("specs/001-a/spec.md", &text),
            vec![
                "specs/001-a/spec.md:19:1 empty-section Section `Measurable Outcomes` is empty; write its content or remove the heading"
            ]
        );
        assert!(empty_sections("README.md", "# Readme\n\n## Install\n\n## Use\n\nRun it.\n").is_empty());
    }

    /// The section bodies `has_content` reads, built from lines that are and are not content.
    fn body_strategy() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        const PARTS: &[&str] = &["\n", "\r\n", "  ", "---", "* * *", "text", "<!--", "-->", "<!-- note -->", "_", "\r"];
        prop::collection::vec(prop::sample::select(PARTS), 0..12).prop_map(|p| p.concat())
    }

    /// The whole-body reading `has_content` replaced: text before each comment, line by line.
    fn has_content_whole(body: &str) -> bool {
        let mut rest = body;
        loop {
            let (before, after) = match rest.find("<!--") {
                Some(open) => (&rest[..open], rest[open + 4..].find("-->").map(|close| &rest[open + 4 + close + 3..])),
                None => (rest, None),
            };
            if before.lines().any(|line| !super::is_blank_or_break(line)) {
                return true;
            }
            match after {
                Some(after) => rest = after,
                None => return false,
            }
        }
    }

    proptest::proptest! {
        /// Verifies specs/007-edit-latency/spec.md FR-009.
        #[test]
        fn reading_up_to_the_first_content_line_decides_as_the_whole_body(body in body_strategy()) {
            proptest::prop_assert_eq!(super::has_content(&body), has_content_whole(&body), "{:?}", body);
        }
    }

    #[test]
    fn code_counts_as_content() {
        let text = format!("{SPEC}## Requirements\n\n```text\nx\n```\n\n## Success Criteria\n\n- **SC-001**: 90%.\n");
        assert!(empty_sections("specs/001-a/spec.md", &text).is_empty());
    }
}
