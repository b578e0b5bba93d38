//! Semantic tokens: what the highlighted spans of a document are (a key where it is defined, a
//! mention of a key, a marker, a keyword), as byte ranges. The LSP layer maps each kind to a
//! token type and encodes the list.

use std::ops::Range;

use crate::model::{DocModel, Grammar};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A clause's key where the clause defines it.
    Definition,
    /// A mention of a key, in a spec or in code.
    Reference,
    /// A marker left in the text, such as `[NEEDS CLARIFICATION: …]`.
    Marker,
    /// A word the format gives a meaning inside some clauses (EARS's `WHEN`, `SHALL`).
    Keyword,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub range: Range<usize>,
    pub kind: TokenKind,
}

/// The tokens of a document in order: disjoint, each within one line, none in masked text. A
/// key mentioned inside a marker keeps its token and the marker is highlighted around it.
pub fn tokens(grammar: &Grammar, model: &DocModel, text: &str) -> Vec<Token> {
    let mut keys: Vec<Token> = model
        .clauses
        .iter()
        .map(|c| Token { range: c.id_range.clone(), kind: TokenKind::Definition })
        .chain(model.references.iter().map(|r| Token { range: r.range.clone(), kind: TokenKind::Reference }))
        .chain(keywords(grammar, model, text))
        .collect();
    keys.sort_by_key(|t| (t.range.start, std::cmp::Reverse(t.range.end)));
    let mut end = 0;
    keys.retain(|t| {
        let free = t.range.start >= end && !t.range.is_empty();
        if free {
            end = t.range.end;
        }
        free
    });

    let mut all = keys.clone();
    for marker in &model.markers {
        let first = keys.partition_point(|k| k.range.end <= marker.range.start);
        let mut at = marker.range.start;
        for key in keys[first..].iter().take_while(|k| k.range.start < marker.range.end) {
            all.push(Token { range: at..key.range.start.max(at), kind: TokenKind::Marker });
            at = at.max(key.range.end);
        }
        all.push(Token { range: at..marker.range.end.max(at), kind: TokenKind::Marker });
    }

    let len = text.len();
    let mut out: Vec<Token> = all
        .into_iter()
        .filter(|t| t.range.start < t.range.end && t.range.end <= len)
        .flat_map(|t| {
            model
                .unmasked(t.range.clone())
                .flat_map(|piece| lines(text, piece))
                .map(move |range| Token { range, kind: t.kind })
        })
        .collect();
    out.sort_by_key(|t| t.range.start);
    out
}

/// The keywords of the format inside the clauses that hold them, outside masked text.
fn keywords<'a>(grammar: &'a Grammar, model: &'a DocModel, text: &'a str) -> impl Iterator<Item = Token> + 'a {
    grammar.kind(model.kind).keyword_rules.iter().flat_map(move |&i| {
        let rule = &grammar.keyword_rules[i];
        model
            .clauses
            .iter()
            .filter(|c| rule.clauses.iter().any(|k| c.kind == k.as_str()) && c.range.end <= text.len())
            .flat_map(|c| model.unmasked(c.range.clone()))
            .flat_map(move |piece| {
                let start = piece.start;
                rule.pattern
                    .find_iter(&text[piece])
                    .map(move |m| Token { range: start + m.start()..start + m.end(), kind: TokenKind::Keyword })
            })
    })
}

/// The parts of `range` on each line, without the line breaks.
fn lines(text: &str, range: Range<usize>) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut at = range.start;
    std::iter::from_fn(move || {
        while at < range.end {
            let rest = &text[at..range.end];
            let line_end = rest.find(['\n', '\r']).map_or(range.end, |i| at + i);
            let piece = at..line_end;
            at = line_end;
            while at < range.end && matches!(text.as_bytes()[at], b'\n' | b'\r') {
                at += 1;
            }
            if !piece.is_empty() {
                return Some(piece);
            }
        }
        None
    })
}

/// Verifies specs/003-navigation/spec.md FR-016, FR-017.
#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::model::model_file;

    /// `kind text` per token, one a line.
    fn show(relative: &str, text: &str) -> String {
        let grammar = Grammar::builtin();
        let path = Path::new("/ws").join(relative);
        let model = model_file(&grammar, &path, relative, text);
        tokens(&grammar, &model, text)
            .iter()
            .map(|t| format!("{:?} {:?}", t.kind, &text[t.range.clone()]))
            .collect::<Vec<_>>()
            .join("\n")
    }

    const SPEC: &str = "# Feature Specification: Notes\n\n## User Scenarios & Testing\n\n### User Story 1 - Write a note (Priority: P1)\n\n1. **Given** a user, **When** they save, **Then** the note is kept.\n\n## Requirements\n\n- **FR-001**: System MUST keep notes (US1).\n- **FR-002**: System MUST sync via [NEEDS CLARIFICATION: FR-001 or a queue?]\n- **SC-001**: Saving takes a second, see `FR-009`.\n\n```text\n- **FR-100**: not read\n```\n\n<!-- FR-101 either -->\n";

    const TASKS: &str = "# Tasks: Notes\n\n## Phase 1: Setup\n\n- [ ] T001 [US1] Save notes in src/notes.rs per FR-001\n- [ ] T002 Sync after T001 per FR-002\n";

    const KIRO: &str = "# Requirements Document\n\n## Requirements\n\n### Requirement 1: Notes\n\n#### Acceptance Criteria\n\n1. WHEN a user saves THEN THE Notes_Service SHALL keep the note\n2. IF the disk is full, THEN THE Notes_Service SHALL report it; `WHEN` in code stays plain\n3. While offline the service shall queue edits\n";

    const CODE: &str = "//! specs/001-notes/spec.md\n\n/// Implements FR-001 and US1.\nfn save() {}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn fr_002_syncs() {}\n}\n";

    #[test]
    fn spec_tokens_tell_definitions_from_references_and_markers() {
        insta::assert_snapshot!(show("specs/001-notes/spec.md", SPEC));
    }

    #[test]
    fn tasks_tokens() {
        insta::assert_snapshot!(show("specs/001-notes/tasks.md", TASKS));
    }

    #[test]
    fn kiro_criteria_highlight_ears_keywords_as_written() {
        insta::assert_snapshot!(show(".kiro/specs/notes/requirements.md", KIRO));
    }

    #[test]
    fn code_mentions_are_references() {
        insta::assert_snapshot!(show("src/notes.rs", CODE));
    }

    #[test]
    fn tokens_are_sorted_disjoint_and_never_span_lines() {
        let grammar = Grammar::builtin();
        let multiline = "# Feature Specification: X\n\n## Requirements\n\n- **FR-001**: System MUST ask [NEEDS CLARIFICATION: one\r\nor two?] FR-001\n";
        for (relative, text) in [
            ("specs/001-notes/spec.md", SPEC),
            ("specs/001-notes/tasks.md", TASKS),
            (".kiro/specs/notes/requirements.md", KIRO),
            ("src/notes.rs", CODE),
            ("specs/002-x/spec.md", multiline),
        ] {
            let model = model_file(&grammar, &Path::new("/ws").join(relative), relative, text);
            let found = tokens(&grammar, &model, text);
            assert!(!found.is_empty(), "{relative}");
            for pair in found.windows(2) {
                assert!(pair[0].range.end <= pair[1].range.start, "{relative}: {pair:?}");
            }
            for token in &found {
                assert!(!token.range.is_empty());
                assert!(!text[token.range.clone()].contains(['\n', '\r']), "{relative}: {token:?}");
                assert!(!model.is_masked(&token.range), "{relative}: {token:?}");
            }
        }
    }

    #[test]
    fn a_marker_is_split_around_the_keys_it_mentions_and_at_line_breaks() {
        let text = "abc [Q: FR-1 x]\r\nnext";
        let pieces: Vec<&str> = lines(text, 4..21).map(|r| &text[r]).collect();
        assert_eq!(pieces, ["[Q: FR-1 x]", "next"]);
        assert_eq!(show("specs/001-notes/spec.md", SPEC).matches("Marker").count(), 2);
    }
}
