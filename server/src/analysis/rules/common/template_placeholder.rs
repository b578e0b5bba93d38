//! `template-placeholder`: a template token left in a spec document: `[FEATURE NAME]`, `[DATE]`,
//! `[PROJECT_NAME]`, `[###-feature-name]`, `[Brief Title]`, `$ARGUMENTS`, `TKTK`.
//!
//! A bracketed token is a placeholder when it is
//! - all capitals with several words (`[FEATURE NAME]`, `[PRINCIPLE_1_NAME]`), or one word of four
//!   letters or more (`[DATE]`), or one of a few short ones (`[TBD]`, `[ID]`);
//! - `[###-…]`, the Spec Kit feature-folder stand-in;
//! - one of the Spec Kit template phrases (`[Brief Title]`, `[e.g., …]`, `[Describe …]`).
//!
//! Never a placeholder: IDs and labels (`[P]`, `[US1]`, `[T001]`, `[X]`), annotations listed in
//! `grammar/terms.toml` (`[NEW]`, `[NEEDS CLARIFICATION]`), mixed-case tags (`[Gap]`,
//! `[Completeness]`), the text of a real link (`[API](api.md)`, or `[API]` with a definition), and
//! anything in code, HTML comments or front matter. Plain Markdown files are not checked.

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

use super::terms::terms;
use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::memo::{Changed, salt};
use crate::analysis::rules::{Context, Emitter, Rule};

pub const RULE: Rule = Rule {
    code: "template-placeholder",
    severity: Severity::Warning,
    summary: "a template placeholder is left in the text",
    check,
};

/// Placeholders that are words, not bracketed tokens.
const WORDS: [&str; 2] = ["$ARGUMENTS", "TKTK"];

/// Longest bracketed token considered (template phrases can be long sentences).
const MAX_TOKEN: usize = 200;

/// Text is searched in pieces of a few lines, so an edit searches again the piece it changed.
/// A piece ends after a line whose length is one less than a multiple of [`CUT`] (not after every
/// blank line): where pieces end depends on the lines themselves, not on where the last piece
/// ended, so the pieces after an edit are the same as before it. A piece that reaches
/// [`MAX_PIECE`] ends at the next line break anyway. No placeholder crosses a line break.
const CUT: usize = 16;
const MAX_PIECE: usize = 16 * 1024;

fn check(cx: &Context, out: &mut Emitter) {
    let model = &cx.doc.model;
    if model.kind == cx.index.grammar.generic {
        return;
    }
    let text = &*cx.doc.text;
    let mut memo = cx.doc.memo.session(salt([RULE.code]));
    let pieces = match memo.previous_pieces() {
        Some((before, changed)) => pieces_edited(text, &before, changed),
        None => pieces(text, 0).collect(),
    };
    let mut parts = Vec::new();
    for piece in pieces {
        parts.clear();
        parts.extend(model.unmasked(piece.clone()).map(|s| s.start - piece.start..s.end - piece.start));
        let piece_text = &text[piece.clone()];
        let found = memo.matches(piece.start, piece_text, &parts, || {
            let mut found = Vec::new();
            for part in &parts {
                let shift = |t: Range<usize>| part.start + t.start..part.start + t.end;
                found.extend(placeholders(&piece_text[part.clone()]).into_iter().map(shift));
            }
            found
        });
        for token in found.iter() {
            let range = piece.start + token.start..piece.start + token.end;
            // A bracketed token is the text of a link when a link says so.
            let inside = range.start + 1..range.end - 1;
            if text[range.clone()].starts_with('[')
                && model
                    .links
                    .iter()
                    .any(|l| l.text.start < inside.end.max(inside.start + 1) && inside.start < l.text.end)
            {
                continue;
            }
            out.emit(range.clone(), message(&text[range]));
        }
    }
}

/// The pieces of `text`, a new version of the text whose pieces were `before`, changed where
/// `changed` says: those that end before the change are the same; from the first that does not, the text is
/// cut again until a piece ends, after the change, where one of `before` started, and the pieces
/// from there are those of `before`, moved (where pieces end depends on the text from where they
/// start only).
fn pieces_edited(text: &str, before: &[Range<usize>], changed: Changed) -> Vec<Range<usize>> {
    // A piece that ends where the change starts may have ended with the text, mid-line.
    let kept = before.partition_point(|p| p.end < changed.start());
    let mut out = before[..kept].to_vec();
    for piece in pieces(text, out.last().map_or(0, |p| p.end)) {
        let end = piece.end;
        out.push(piece);
        let Some(old) = changed.old_offset(end) else { continue };
        if let Ok(next) = before.binary_search_by_key(&old, |p| p.start) {
            out.extend(before[next..].iter().map(|p| changed.new_offset(p.start)..changed.new_offset(p.end)));
            break;
        }
    }
    out
}

/// The text from `from` (a line start) cut after line breaks into pieces.
fn pieces(text: &str, from: usize) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut breaks = memchr::memchr_iter(b'\n', &text.as_bytes()[from..]).map(move |i| from + i);
    let (mut at, mut line) = (from, from);
    std::iter::from_fn(move || {
        if at >= text.len() {
            return None;
        }
        let start = at;
        at = loop {
            match breaks.next() {
                Some(end) if (end - line + 1) % CUT == 0 || end + 1 - start >= MAX_PIECE => {
                    line = end + 1;
                    break end + 1;
                }
                Some(end) => line = end + 1,
                None => break text.len(),
            }
        };
        Some(start..at)
    })
}

/// The placeholders of unmasked text: bracketed tokens and placeholder words.
fn placeholders(part: &str) -> Vec<Range<usize>> {
    let mut found: Vec<Range<usize>> =
        memchr::memchr_iter(b'[', part.as_bytes()).filter_map(|offset| placeholder_at(part, offset)).collect();
    for word in WORDS {
        for offset in memchr::memmem::find_iter(part.as_bytes(), word) {
            let end = offset + word.len();
            let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric() && c != '_');
            if boundary(part[end..].chars().next())
                && (word.starts_with('$') || boundary(part[..offset].chars().next_back()))
            {
                found.push(offset..end);
            }
        }
    }
    found
}

fn message(token: &str) -> String {
    format!("Template placeholder `{token}` is still in the text; replace it with the real content")
}

/// The placeholder opening at `part[open]` (a `[`), as a range of `part` including brackets.
fn placeholder_at(part: &str, open: usize) -> Option<Range<usize>> {
    let rest = &part[open + 1..];
    // Bounded, so a line of a million `[` costs linear time.
    let close = rest.bytes().take(MAX_TOKEN + 1).position(|b| matches!(b, b']' | b'\n' | b'\r'))?;
    if rest.as_bytes()[close] != b']' {
        return None;
    }
    let inner = &rest[..close];
    let range = open..open + close + 2;
    // `[[x]]` and `[a [b] c]`: only the innermost brackets hold a token, except for phrases.
    let nested = inner.contains('[');
    let t = terms();
    if t.phrases.iter().any(|p| p.is_match(inner)) {
        return Some(range);
    }
    if nested {
        return None;
    }
    if inner.starts_with("###-") {
        return Some(range);
    }
    if !all_caps().is_match(inner) || id_like().is_match(inner) || t.allow.contains(inner) {
        return None;
    }
    let several_words = inner.contains([' ', '_']);
    let letters = inner.chars().filter(char::is_ascii_alphabetic).count();
    (several_words || letters >= 4 || t.short.contains(inner)).then_some(range)
}

fn all_caps() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^[A-Z][A-Z0-9]*(?:[ _-][A-Z0-9]+)*$").expect("valid regex"))
}

/// `P`, `X`, `US1`, `T001`, `FR-001`, `P1`: labels and IDs, not fields to fill in.
fn id_like() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^(?:[A-Z]|[A-Z]{1,6}-?\d+[a-z]?)$").expect("valid regex"))
}

/// Verifies specs/001-core-engine/spec.md FR-010, FR-021.
/// Verifies 002-diagnostics/FR-006 (the cross-format rules).
#[cfg(test)]
mod tests {
    use std::ops::Range;

    use proptest::prelude::*;

    use super::{CUT, Changed, pieces, pieces_edited};
    use crate::analysis::rules::check_files;
    use crate::text::common_ends;

    fn placeholders(path: &str, text: &str) -> Vec<String> {
        check_files(&[(path, text)])
            .into_iter()
            .filter(|d| d.contains("template-placeholder"))
            .map(|d| d.split(" template-placeholder ").next().unwrap_or_default().to_string())
            .collect()
    }

    #[test]
    fn template_tokens_are_reported() {
        let text = "# Feature Specification: [FEATURE NAME]\n\n**Feature Branch**: [###-feature-name]\n**Created**: [DATE]\n**Input**: $ARGUMENTS\n\n## User Scenarios & Testing\n\n### User Story 1 - [Brief Title] (Priority: P1)\n\n[Describe this user journey in plain language]\n\nOwner: [PROJECT_NAME], budget TKTK, ref [TBD].\n";
        assert_eq!(
            placeholders("specs/001-a/spec.md", text),
            vec![
                "specs/001-a/spec.md:1:26",
                "specs/001-a/spec.md:3:21",
                "specs/001-a/spec.md:4:14",
                "specs/001-a/spec.md:5:12",
                "specs/001-a/spec.md:9:20",
                "specs/001-a/spec.md:11:1",
                "specs/001-a/spec.md:13:8",
                "specs/001-a/spec.md:13:31",
                "specs/001-a/spec.md:13:41",
            ]
        );
    }

    #[test]
    fn labels_tags_markers_and_links_are_not_placeholders() {
        let text = "# Tasks: A\n\n## Phase 3: User Story 1\n\n- [ ] T001 [P] [US1] Build it per [API](api.md)\n- [x] T002 [X] [NEW] Checked [Gap] [Completeness] [Spec §FR-001]\n- [X] T003 No [NEEDS CLARIFICATION] markers remain; see [DOCS] and [HTTP API][]\n- [ ] T004 [UI] [API] [FR-001] [T001] [P1] [!NOTE]\n\n[DOCS]: docs/index.md\n[http api]: api.md\n";
        assert_eq!(placeholders("specs/001-a/tasks.md", text), Vec::<String>::new());
    }

    #[test]
    fn nothing_in_code_comments_or_front_matter_is_reported() {
        let text = "---\ntitle: [PROJECT_NAME]\n---\n# Tasks: A\n\n`[DATE]` and `$ARGUMENTS`\n\n```\n[FEATURE NAME]\n```\n\n<!-- [DATE] -->\n\n    [INDENTED CODE]\n\nText <!-- [INLINE_COMMENT] --> end.\n";
        assert_eq!(placeholders("specs/001-a/tasks.md", text), Vec::<String>::new());
    }

    #[test]
    fn long_runs_of_brackets_cost_linear_time() {
        let text = format!("# Tasks: A\n\n{} [DATE]\n", "[".repeat(300_000));
        assert_eq!(placeholders("specs/001-a/tasks.md", &text).len(), 1);
    }

    #[test]
    fn plain_markdown_is_not_checked() {
        assert!(placeholders("README.md", "# [PROJECT_NAME]\n").is_empty());
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Verifies specs/007-edit-latency/spec.md FR-008: the pieces of a text cut again only
        /// around an edit are the pieces of the new text, also where a piece reaches its longest.
        #[test]
        fn pieces_cut_again_around_an_edit_equal_the_pieces_of_the_new_text(
            lines in prop::collection::vec(0usize..40, 0..2500),
            at in 0.0f64..1.0,
            remove in 0usize..200,
            insert in prop::collection::vec(0usize..40, 0..4),
            tail in prop::sample::select(vec!["", "tail", "x\n"]),
            long_pieces in any::<bool>(),
        ) {
            // Without lines that end a piece, pieces run to their longest.
            let ends_piece = |n: usize| (n + 1).is_multiple_of(CUT);
            let line = |n: usize| format!("{}\n", "x".repeat(if long_pieces && ends_piece(n) { n + 1 } else { n }));
            let mut old: String = lines.iter().map(|&n| line(n)).collect();
            old.push_str(tail);
            let start = (at * old.len() as f64) as usize;
            let end = (start + remove).min(old.len());
            let mut new = old.clone();
            new.replace_range(start..end, &insert.iter().map(|&n| line(n)).collect::<String>());
            let before: Vec<Range<usize>> = pieces(&old, 0).collect();
            let changed = Changed::between(old.len(), new.len(), common_ends(&old, &new));
            prop_assert_eq!(pieces_edited(&new, &before, changed), pieces(&new, 0).collect::<Vec<_>>());
        }
    }
}
