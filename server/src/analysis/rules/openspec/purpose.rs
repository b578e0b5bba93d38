//! `openspec/purpose`: a main spec's Purpose that is under 50 characters or still the placeholder
//! archive writes (`validate --strict` fails on both).

use std::sync::LazyLock;

use regex::Regex;

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::parse::{self, Doc, js_len};
use super::support::{emit, kind};

pub const RULE: Rule = Rule {
    code: "openspec/purpose",
    severity: Severity::Warning,
    summary: "a main spec's Purpose is too brief or still a placeholder",
    check,
};

/// `MIN_PURPOSE_LENGTH`.
const MIN_PURPOSE: usize = 50;
const PLACEHOLDER_PREFIX: &str = "TBD - created by archiving change ";
const PLACEHOLDER_SUFFIX: &str = ". Update Purpose after archive.";
static TOP_LEVEL_HEADER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^ {0,3}#{1,2}[ \t]+").expect("valid"));

fn check(cx: &Context, out: &mut Emitter) {
    if kind(cx) != "openspec.spec" {
        return;
    }
    let doc = Doc::new(&cx.doc.text);
    let sections = parse::md_sections(&doc);
    let Some(purpose) = parse::find_section(&sections, "Purpose") else { return };
    if purpose.content.is_empty() {
        return; // `openspec/spec-structure`
    }
    if let Some(line) = placeholder(&doc, purpose) {
        emit(
            cx,
            out,
            doc.at(line.unwrap_or(purpose.header)),
            "Purpose section is still a placeholder rather than a Purpose anyone wrote (the sentence `openspec archive` writes for a new capability, or a `TBD`/`TODO` marker left in its place). Replace it with what this capability is for.".into(),
        );
    } else if js_len(&purpose.content) < MIN_PURPOSE {
        emit(
            cx,
            out,
            doc.at(purpose.header),
            format!(
                "Purpose section is too brief (less than {MIN_PURPOSE} characters): say what the capability is for and who relies on it"
            ),
        );
    }
}

/// `findPurposePlaceholderIssue`: `Some(line)` when the Purpose is a placeholder, with the line
/// that carries it when one does.
fn placeholder(doc: &Doc, purpose: &parse::MdSection) -> Option<Option<usize>> {
    let lines: Vec<&str> = purpose.content.split('\n').collect();
    let mask = parse::fence_mask(&lines);
    let prose: Vec<&str> = lines.iter().zip(&mask).filter(|(_, m)| !**m).map(|(l, _)| *l).collect();
    let prose = prose.join("\n");
    let prose = parse::js_trim(&prose);
    let leading = leading_marker(prose);
    if !leading && generated(prose).is_none() {
        return None;
    }
    // `findPlaceholderLine`: the first non-blank line for a marker, the generated sentence's
    // line otherwise; both inside the section, fenced lines skipped.
    let mut content: Vec<(usize, &str)> = Vec::new();
    for i in purpose.header + 1..doc.texts.len() {
        if doc.fenced[i] {
            continue;
        }
        let text = doc.texts[i];
        if TOP_LEVEL_HEADER.is_match(text) {
            break;
        }
        if leading && !text.trim().is_empty() {
            return Some(Some(i));
        }
        content.push((i, text));
    }
    if leading {
        return Some(None);
    }
    let joined: String = content.iter().map(|(_, t)| *t).collect::<Vec<_>>().join("\n");
    let at = generated(&joined)?;
    let offset = joined[..at].matches('\n').count();
    Some(content.get(offset).map(|(i, _)| *i))
}

/// A `TBD` or `TODO` opening the text: in capitals whatever follows, otherwise only before
/// punctuation or the end of the line.
fn leading_marker(prose: &str) -> bool {
    for marker in ["TBD", "TODO"] {
        let Some(head) = prose.get(..marker.len()) else { continue };
        if !head.eq_ignore_ascii_case(marker) {
            continue;
        }
        let rest = &prose[marker.len()..];
        if rest.chars().next().is_some_and(|c| c.is_alphanumeric() || c == '_' || is_mark(c)) {
            continue;
        }
        if head == marker {
            return true;
        }
        let after = rest.trim_start_matches([' ', '\t']);
        if after.is_empty()
            || after.starts_with(['\n', ':', '-', '\u{2013}', '\u{2014}', '.', ',', ';', '(', ')', '[', ']', '{', '}'])
        {
            return true;
        }
    }
    false
}

fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Where archive's placeholder sentence starts: the closest prefix before a suffix.
fn generated(text: &str) -> Option<usize> {
    text.match_indices(PLACEHOLDER_SUFFIX)
        .find_map(|(suffix, _)| text.match_indices(PLACEHOLDER_PREFIX).map(|(i, _)| i).filter(|&i| i <= suffix).last())
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-005 (the OpenSpec validator checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    fn purpose(text: &str) -> Vec<String> {
        let spec = format!(
            "# x\n\n## Purpose\n\n{text}\n\n## Requirements\n\n### Requirement: A\nThe system SHALL a.\n\n#### Scenario: s\n- x\n"
        );
        check_files(&[("openspec/specs/x/spec.md", &spec)])
            .into_iter()
            .filter(|d| d.contains("openspec/purpose"))
            .collect()
    }

    #[test]
    fn brief_and_placeholder_purposes_are_reported() {
        let brief = purpose("Sign-in.");
        assert_eq!(brief.len(), 1);
        assert!(brief[0].starts_with(
            "openspec/specs/x/spec.md:3:1 openspec/purpose Purpose section is too brief (less than 50 characters)"
        ));
        let generated = purpose("TBD - created by archiving change add-x. Update Purpose after archive.");
        assert!(generated[0].contains(":5:1 ") && generated[0].contains("still a placeholder"), "{generated:?}");
        assert!(purpose("todo: write this properly, it needs at least fifty characters")[0].contains(":5:1 "));
    }

    #[test]
    fn written_purposes_pass() {
        assert!(purpose("Lets people sign in with a password and keeps them signed in for a week.").is_empty());
        assert!(purpose("Todo el sistema de acceso: inicio de sesión con contraseña y sesiones largas.").is_empty());
    }
}
