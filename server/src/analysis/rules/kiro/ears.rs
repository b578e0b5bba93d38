//! Reading acceptance criteria as EARS sentences (spec-formats §4.4): ubiquitous
//! `THE <system> SHALL …`, event-driven `WHEN …, THE <system> SHALL …` (generation 1:
//! `WHEN … THEN the system SHALL …`), state-driven `WHILE …`, unwanted behaviour
//! `IF …, THEN …`, optional feature `WHERE …`, and their combinations. Keywords match in any case
//! (Kiro writes them in capitals, cc-sdd in sentence case).

use std::sync::LazyLock;

use regex::Regex;

use crate::analysis::rules::Context;

use super::support::{clauses, kind, section_at};

/// What is wrong with a criterion, if anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// No SHALL (nor MUST): not a requirement statement (`kiro/ears-form`).
    NoShall,
    /// A requirement statement whose shape is off (`kiro/ears-shape`).
    Shape(&'static str),
}

static MARKER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*\d+(?:\.\d+)*[.)]?\s+").expect("valid"));
static SHALL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)\bshall\b").expect("valid"));
static MUST: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)\bmust\b").expect("valid"));
static THEN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)\bthen\b").expect("valid"));
static WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\w").expect("valid"));

/// Judge one criterion's text (its list marker or written number may still be in front).
pub fn judge(text: &str) -> Option<Problem> {
    let text = MARKER.replace(text, "");
    let text: String = text.chars().filter(|c| !matches!(c, '*' | '`')).collect();
    let text = text.trim_start_matches(['_', ' ', '\t']);
    let keyword = SHALL.find(text).or_else(|| MUST.find(text));
    let Some(keyword) = keyword else { return Some(Problem::NoShall) };
    if !SHALL.is_match(text) {
        return Some(Problem::Shape("it says MUST where EARS writes SHALL"));
    }
    let opener: String = text.chars().take_while(|c| c.is_alphabetic()).collect::<String>().to_lowercase();
    let before = &text[..keyword.start()];
    match opener.as_str() {
        "the" => {
            if !WORD.is_match(&before[3..]) {
                return Some(Problem::Shape("it names no system between THE and SHALL"));
            }
        }
        "when" | "while" | "where" | "if" => {
            if opener == "if" && !THEN.is_match(before) {
                return Some(Problem::Shape(
                    "IF has no THEN: write `IF <condition>, THEN THE <system> SHALL <response>`",
                ));
            }
            let subject = match THEN.find_iter(before).last() {
                Some(then) => &before[then.end()..],
                None => match before.rfind(',') {
                    Some(comma) => &before[comma + 1..],
                    None => {
                        return Some(Problem::Shape(
                            "the condition runs into SHALL: separate it with a comma and name the system, `WHEN <trigger>, THE <system> SHALL <response>`",
                        ));
                    }
                },
            };
            if !WORD.is_match(subject) {
                return Some(Problem::Shape(
                    "it names no system before SHALL: write `…, THE <system> SHALL <response>`",
                ));
            }
        }
        _ => {
            return Some(Problem::Shape(
                "it does not open with an EARS keyword: WHEN, IF, WHILE, WHERE, or THE <system> for a requirement that always holds",
            ));
        }
    }
    None
}

/// The criteria to judge: a requirements document's acceptance criteria and a bugfix document's
/// expected and unchanged behaviour (its current-behaviour lines describe the defect, without
/// SHALL). Each with the byte range to report on and its text.
pub fn criteria<'c>(cx: &'c Context) -> Vec<(std::ops::Range<usize>, &'c str)> {
    let text = &cx.doc.text;
    let picked: Vec<_> = match kind(cx) {
        "kiro.requirements" => clauses(cx, "acceptance-criterion").collect(),
        "kiro.bugfix" => clauses(cx, "bug-condition")
            .filter(|c| {
                section_at(cx, c.range.start).is_some_and(|t| {
                    let t = t.to_lowercase();
                    t.starts_with("expected behavio") || t.starts_with("unchanged behavio")
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    picked
        .into_iter()
        .map(|c| {
            let whole = &text[c.range.clone()];
            let first = whole.find(['\r', '\n']).unwrap_or(whole.len());
            (c.range.start..c.range.start + whole[..first].trim_end().len(), whole)
        })
        .collect()
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-004 (the Kiro checks).
#[cfg(test)]
mod tests {
    use super::{Problem, judge};

    #[test]
    fn ears_patterns_pass_in_any_case() {
        for ok in [
            "1. WHEN a user submits the form THEN the system SHALL save it",
            "2. WHEN a user submits, THE Room_Service SHALL insert a row",
            "3. IF the name is short, THEN THE Room_Service SHALL reject it",
            "WHILE offline, WHEN a change is made, THE App SHALL queue it",
            "WHERE export is enabled, THE System SHALL offer CSV",
            "THE Room_Service SHALL log every request",
            "When the timer ends, the worker shall stop",
            "**WHEN** x, **THE** Service **SHALL** y",
            "2.1 WHEN uploads stall THEN the system SHALL CONTINUE TO retry",
        ] {
            assert_eq!(judge(ok), None, "{ok}");
        }
    }

    #[test]
    fn problems_are_told_apart() {
        assert_eq!(judge("1. Users can export their data"), Some(Problem::NoShall));
        assert!(matches!(judge("WHEN x THEN the developer MUST y"), Some(Problem::Shape(m)) if m.contains("MUST")));
        assert!(matches!(judge("IF x, THE system SHALL y"), Some(Problem::Shape(m)) if m.contains("THEN")));
        assert!(matches!(judge("The SHALL y"), Some(Problem::Shape(m)) if m.contains("names no system")));
        assert!(matches!(judge("System SHALL log"), Some(Problem::Shape(m)) if m.contains("EARS keyword")));
        assert!(matches!(judge("WHEN x SHALL y"), Some(Problem::Shape(m)) if m.contains("runs into SHALL")));
        assert!(matches!(judge("WHEN x, SHALL y"), Some(Problem::Shape(m)) if m.contains("names no system")));
    }
}
