//! `vague-term`: an unmeasurable word (fast, scalable, robust, intuitive, as appropriate, …) in a
//! requirement, success criterion, acceptance criterion or scenario, with no number or unit after
//! it in the same sentence.
//!
//! The words come from the configuration's `vague_terms`, else from `grammar/terms.toml`. Only the
//! text of clauses that state required behaviour is read, outside code, comments and headings (an
//! OpenSpec requirement's name is a key, not a statement); IDs and references (`FR-001`, `1.2`)
//! are not numbers. A term that starts a compound (`fast-forward`) or is capitalised in mid-sentence
//! (`Expo Fast Refresh`, a name) is left alone.

use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};

use regex::Regex;

use super::terms::terms;
use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::memo::salt;
use crate::analysis::rules::{Context, Emitter, Rule};
use crate::model::DocModel;

pub const RULE: Rule = Rule {
    code: "vague-term",
    severity: Severity::Hint,
    summary: "an unmeasurable word in a requirement or criterion, with no number after it",
    check,
};

/// Clause kinds whose text states required behaviour.
const KINDS: &[&str] = &[
    "requirement",
    "success-criterion",
    "acceptance-criterion",
    "acceptance-scenario",
    "scenario",
    "acceptance-check",
    "bug-condition",
];

fn check(cx: &Context, out: &mut Emitter) {
    let model = &cx.doc.model;
    // A handful of kinds, each shared by its clauses: looked up in `KINDS` once per kind.
    let mut known: Vec<(*const u8, bool)> = Vec::new();
    let mut states = |kind: &str| match known.iter().find(|(at, _)| *at == kind.as_ptr()) {
        Some(&(_, states)) => states,
        None => {
            let states = KINDS.contains(&kind);
            known.push((kind.as_ptr(), states));
            states
        }
    };
    let mut ranges: Vec<Range<usize>> =
        model.clauses.iter().filter(|c| states(c.kind.as_str())).map(|c| c.range.clone()).collect();
    if ranges.is_empty() {
        return;
    }
    let Some(pattern) = pattern(cx.config.vague_terms.as_deref()) else { return };
    ranges.sort_by_key(|r| r.start);
    // A clause inside another (a Kiro criterion in its requirement's section) is read once.
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    let text = &*cx.doc.text;
    // The regex is what costs: its matches are kept by the text of a few clauses at a time.
    let mut memo = cx.doc.memo.session(salt([RULE.code, pattern.as_str()]));
    let mut parts = Vec::new();
    for group in groups(&merged) {
        let piece = group[0].start..group[group.len() - 1].end;
        parts.clear();
        for clause in group {
            parts.extend(model.unmasked(clause.clone()).map(|s| s.start - piece.start..s.end - piece.start));
        }
        let piece_text = &text[piece.clone()];
        let found = memo.matches(piece.start, piece_text, &parts, || {
            let mut found = Vec::new();
            for part in &parts {
                let shift = |m: regex::Match| part.start + m.start()..part.start + m.end();
                found.extend(pattern.find_iter(&piece_text[part.clone()]).map(shift));
            }
            found
        });
        for m in found.iter() {
            let term = piece.start + m.start..piece.start + m.end;
            if in_heading(model, term.start) || compound_or_name(text, &term) {
                continue;
            }
            let clause = &group[group.partition_point(|c| c.end <= term.start)];
            let end = sentence_end(text, term.end, clause.end);
            if measured(text, term.end..end, model) {
                continue;
            }
            out.emit(
                term.clone(),
                format!(
                    "`{}` cannot be tested as written; state a measurable target (a number, a unit, a limit)",
                    &text[term]
                ),
            );
        }
    }
}

/// Clauses are looked up a few at a time: a group ends after a clause whose length is one less
/// than a multiple of [`GROUP_CUT`], so where groups end depends on the clauses themselves and
/// the groups after an edit are the same as before it; [`MAX_GROUP`] bounds a group anyway.
const GROUP_CUT: usize = 8;
const MAX_GROUP: usize = 64;

fn groups(clauses: &[Range<usize>]) -> impl Iterator<Item = &[Range<usize>]> {
    let mut rest = clauses;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let len = rest
            .iter()
            .take(MAX_GROUP)
            .position(|c| (c.len() + 1) % GROUP_CUT == 0)
            .map_or(rest.len().min(MAX_GROUP), |i| i + 1);
        let (group, after) = rest.split_at(len);
        rest = after;
        Some(group)
    })
}

/// Whether a clause key or a reference is written over `at`: digits in keys are not measurements.
/// Clauses and references are in line order (those of a line in any order), so the keys of the
/// line holding `at` are found by a search, without a list of every key sorted each keystroke.
fn in_key(text: &str, model: &DocModel, at: usize) -> bool {
    let bytes = text.as_bytes();
    let line_start = memchr::memrchr2(b'\n', b'\r', &bytes[..at]).map_or(0, |i| i + 1);
    let line_end = memchr::memchr2(b'\n', b'\r', &bytes[at..]).map_or(text.len(), |i| at + i);
    let covers = |r: &Range<usize>| r.start <= at && at < r.end;
    let clauses = &model.clauses[model.clauses.partition_point(|c| c.id_range.start < line_start)..];
    let references = &model.references[model.references.partition_point(|r| r.range.start < line_start)..];
    clauses.iter().take_while(|c| c.id_range.start < line_end).any(|c| covers(&c.id_range))
        || references.iter().take_while(|r| r.range.start < line_end).any(|r| covers(&r.range))
}

fn in_heading(model: &DocModel, offset: usize) -> bool {
    let i = model.sections.partition_point(|s| s.heading.start <= offset);
    i > 0 && model.sections[i - 1].heading.end > offset
}

/// `fast-forward`, `quick-reference`: part of a compound; `Fast Refresh` in mid-sentence: a name.
fn compound_or_name(text: &str, term: &Range<usize>) -> bool {
    let after = &text[term.end..];
    if after.starts_with('-') && after[1..].starts_with(char::is_alphanumeric) {
        return true;
    }
    text[term.clone()].starts_with(char::is_uppercase)
        && text[..term.start].trim_end_matches([' ', '\t']).ends_with(|c: char| c.is_alphanumeric() || c == ',')
}

/// A configured term list and its regex (`None` when the list is empty).
type Compiled = (Vec<String>, Option<Arc<Regex>>);

/// The regex of the configured terms, or of the built-in ones; compiled once per list.
fn pattern(configured: Option<&[String]>) -> Option<Arc<Regex>> {
    static BUILTIN: OnceLock<Option<Arc<Regex>>> = OnceLock::new();
    static CONFIGURED: Mutex<Option<Compiled>> = Mutex::new(None);
    let Some(list) = configured else {
        return BUILTIN.get_or_init(|| compile(&terms().vague)).clone();
    };
    let mut cached = CONFIGURED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((terms, regex)) = cached.as_ref()
        && terms.as_slice() == list
    {
        return regex.clone();
    }
    let regex = compile(list);
    *cached = Some((list.to_vec(), regex.clone()));
    regex
}

/// One case-insensitive alternation, longest term first, each a whole word where it starts or
/// ends with a word character.
fn compile(terms: &[String]) -> Option<Arc<Regex>> {
    let mut terms: Vec<&str> = terms.iter().map(|t| t.trim()).filter(|t| !t.is_empty()).collect();
    if terms.is_empty() {
        return None;
    }
    terms.sort_by_key(|t| std::cmp::Reverse(t.len()));
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let alternatives: Vec<String> = terms
        .iter()
        .map(|t| {
            let start = if word(t.chars().next()) { r"\b" } else { "" };
            let end = if word(t.chars().next_back()) { r"\b" } else { "" };
            format!("{start}{}{end}", regex::escape(t))
        })
        .collect();
    Regex::new(&format!("(?i)(?:{})", alternatives.join("|"))).ok().map(Arc::new)
}

/// The longest sentence tail read after a term, so that a huge clause without punctuation costs
/// linear time.
const MAX_SENTENCE: usize = 2_000;

/// Where the sentence holding `from` ends: at `.`, `!`, `?` or `;` before a space or line end, at
/// a blank line, at a new list item, heading or table row, or at `limit`.
fn sentence_end(text: &str, from: usize, limit: usize) -> usize {
    let bytes = text.as_bytes();
    let mut limit = limit.min(from + MAX_SENTENCE);
    while !text.is_char_boundary(limit) {
        limit -= 1;
    }
    let mut i = from;
    while i < limit {
        match bytes[i] {
            b'.' | b'!' | b'?' | b';' if bytes.get(i + 1).is_none_or(|b| b.is_ascii_whitespace()) => return i,
            b'\n' => {
                let next = text[i + 1..limit].trim_start_matches([' ', '\t']);
                let digits = next.bytes().take_while(u8::is_ascii_digit).count();
                let starts_block = next.is_empty()
                    || next.starts_with(['\n', '\r', '#', '|', '>'])
                    || next.starts_with("- ")
                    || next.starts_with("* ")
                    || next.starts_with("+ ")
                    || (digits > 0 && next[digits..].starts_with(['.', ')']));
                if starts_block {
                    return i;
                }
            }
            _ => {}
        }
        i += 1;
    }
    limit
}

/// Whether the rest of the sentence names a number (outside keys), a `%` or a unit word.
fn measured(text: &str, rest: Range<usize>, model: &DocModel) -> bool {
    let in_key = |at: usize| in_key(text, model, at);
    let part = &text[rest.clone()];
    if part.char_indices().any(|(i, c)| (c.is_ascii_digit() && !in_key(rest.start + i)) || c == '%') {
        return true;
    }
    let measures = &terms().measures;
    part.split(|c: char| !c.is_alphanumeric()).any(|w| !w.is_empty() && measures.contains(&w.to_lowercase()))
}

/// Verifies specs/001-core-engine/spec.md FR-010, FR-021.
/// Verifies 002-diagnostics/FR-006 (the cross-format rules).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::rules::check_files;

    fn vague(path: &str, text: &str) -> Vec<String> {
        check_files(&[(path, text)]).into_iter().filter(|d| d.contains("vague-term")).collect()
    }

    #[test]
    fn vague_words_in_requirements_are_hinted_unless_measured() {
        let text = "# Feature Specification: A\n\n## Requirements\n\n- **FR-001**: System MUST be fast and scalable.\n- **FR-002**: Search MUST be fast (p95 under 200 ms).\n- **FR-003**: Pages MUST load quickly; see FR-001 for details.\n- **FR-004**: Export MUST be robust, within 2 retries.\n- **FR-005**: The UI MUST be intuitive, `fast` mode aside.\n- **FR-006**: Merges MUST fast-forward, as Expo Fast Refresh does.\n\nA fast intro paragraph is no requirement.\n\n## Success Criteria\n\n- **SC-001**: Users find it user-friendly as appropriate.\n- **SC-002**: 95% of searches are fast.\n";
        let found: Vec<String> = vague("specs/001-a/spec.md", text)
            .into_iter()
            .map(|d| d.split(" vague-term ").next().unwrap().to_string())
            .collect();
        assert_eq!(
            found,
            vec![
                "specs/001-a/spec.md:5:30",
                "specs/001-a/spec.md:5:39",
                "specs/001-a/spec.md:7:31",
                "specs/001-a/spec.md:9:30",
                "specs/001-a/spec.md:16:29",
                "specs/001-a/spec.md:16:43",
                "specs/001-a/spec.md:17:35",
            ]
        );
    }

    #[test]
    fn kiro_criteria_and_openspec_scenarios_are_read_once() {
        let text = "# Requirements Document\n\n## Requirements\n\n### Requirement 1: Upload\n\n**User Story:** As a user, I want uploads.\n\n#### Acceptance Criteria\n\n1. WHEN a photo is uploaded THEN the system SHALL store it securely\n2. WHEN the upload fails THEN the system SHALL retry within 3 seconds\n";
        let found = vague(".kiro/specs/a/requirements.md", text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("`securely`"), "{found:?}");
    }

    #[test]
    fn openspec_names_are_keys_not_statements() {
        let text = "# Sync Specification\n\n## Purpose\n\nSync.\n\n## Requirements\n\n### Requirement: Fast Sync\n\nThe system SHALL sync quickly.\n\n#### Scenario: Robust retry\n\n- **WHEN** a sync fails\n- **THEN** it SHALL retry within 5 seconds\n";
        let found = vague("openspec/specs/sync/spec.md", text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("openspec/specs/sync/spec.md:11:23"), "{found:?}");
    }

    #[test]
    fn configured_terms_replace_the_built_in_list() {
        let one = vec!["blazing".to_string()];
        let re = pattern(Some(&one)).unwrap();
        assert!(re.is_match("Blazing speed") && !re.is_match("fast"));
        assert!(pattern(Some(&[])).is_none());
        assert!(pattern(None).unwrap().is_match("Fast"));
        assert!(compile(&["etc.".to_string()]).unwrap().is_match("and so on, etc."));
        assert!(!compile(&["etc.".to_string()]).unwrap().is_match("etcetera"));
    }

    #[test]
    fn sentences_end_at_punctuation_and_new_items() {
        let text = "fast. 5 ms\nfast\n- 5 ms\nfast\n1. 5 ms\nfast\nstill 5 ms";
        assert_eq!(sentence_end(text, 4, text.len()), 4);
        assert_eq!(sentence_end(text, 15, text.len()), 15);
        assert_eq!(sentence_end(text, 27, text.len()), 27);
        assert_eq!(sentence_end(text, 40, text.len()), text.len());
    }
}
