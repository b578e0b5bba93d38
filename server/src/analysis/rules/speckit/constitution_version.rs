//! `speckit/constitution-version`: the constitution's version line,
//! `**Version**: X.Y.Z | **Ratified**: YYYY-MM-DD | **Last Amended**: YYYY-MM-DD`, is missing, lacks
//! a field, holds a value that is not a semantic version or an ISO date, dates its last amendment
//! before its ratification, or disagrees with the Sync Impact Report's new version.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::analysis::diagnostics::Severity;
use crate::analysis::index::IndexedDoc;
use crate::analysis::rules::{Context, Emitter, Rule};
use crate::model::FoldKind;

use super::text::{self, Line};

pub const RULE: Rule = Rule {
    code: "speckit/constitution-version",
    severity: Severity::Warning,
    summary: "the constitution's version line is missing or malformed",
    check,
};

const SHAPE: &str = "`**Version**: 1.0.0 | **Ratified**: YYYY-MM-DD | **Last Amended**: YYYY-MM-DD`";

/// A field label, bold with the colon outside or inside (`**Version**:`, `**Version:**`) or plain.
static FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\*\*|__)?\b(Version|Ratified|Last\s+Amended)\s*(?::\s*(?:\*\*|__)?|(?:\*\*|__)\s*:)\s*").unwrap()
});

/// The new version in a Sync Impact Report: `Version change: 1.2.0 → 1.3.0`.
static REPORTED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bversion\b[^\n]*?(?:→|->)\s*v?(\d+\.\d+\.\d+)\b").unwrap());

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Version,
    Ratified,
    Amended,
}

impl Field {
    fn label(self) -> &'static str {
        match self {
            Field::Version => "**Version**",
            Field::Ratified => "**Ratified**",
            Field::Amended => "**Last Amended**",
        }
    }
}

fn check(cx: &Context, out: &mut Emitter) {
    if !super::is_kind(cx, super::CONSTITUTION) {
        return;
    }
    let doc = cx.doc;
    let Some(VersionLine { line: version_line, fields }) = parse_version_line(doc) else {
        out.emit(text::title_anchor(doc), format!("This constitution has no version line; end it with {SHAPE}"));
        return;
    };
    // The template's line, unfilled (`specify init` copies it): one diagnostic, not three.
    let placeholders = fields.iter().filter(|(_, r)| is_placeholder(&doc.text[r.clone()])).count();
    if placeholders == fields.len() && placeholders > 1 {
        out.emit(
            version_line,
            "The version line still holds the template's placeholders; run `/speckit.constitution` or fill it in as "
                .to_string()
                + SHAPE,
        );
        return;
    }
    let mut dates = [None, None];
    for field in [Field::Version, Field::Ratified, Field::Amended] {
        let Some((_, range)) = fields.iter().find(|(f, _)| *f == field) else {
            out.emit(
                version_line.clone(),
                format!("The version line has no {} field; write it as {SHAPE}", field.label()),
            );
            continue;
        };
        let value = &doc.text[range.clone()];
        if value.starts_with("TODO") {
            // `TODO(RATIFICATION_DATE): unknown` is how the constitution command defers a value.
            continue;
        }
        if is_placeholder(value) {
            out.emit(
                range.clone(),
                format!("{} still holds the template placeholder `{value}`; fill it in as in {SHAPE}", field.label()),
            );
            continue;
        }
        match field {
            Field::Version if !is_semver(value) => out.emit(
                range.clone(),
                format!("`{value}` is not a semantic version; write MAJOR.MINOR.PATCH, such as `1.0.0`"),
            ),
            Field::Version => sync_report(cx, out, value, range.clone()),
            Field::Ratified | Field::Amended => match iso_date(value) {
                Some(date) => dates[(field == Field::Amended) as usize] = Some((date, range.clone())),
                None => out.emit(
                    range.clone(),
                    format!("`{value}` is not an ISO date; write the {} date as YYYY-MM-DD", field.label()),
                ),
            },
        }
    }
    if let [Some((ratified, _)), Some((amended, range))] = &dates
        && amended < ratified
    {
        out.emit(
            range.clone(),
            "The constitution is last amended before it was ratified; check both dates".to_string(),
        );
    }
}

/// The constitution's version as its version line writes it (`1.1.0`); `None` when the line is
/// missing or still holds the template's placeholder. Hover shows it beside a principle.
pub(crate) fn version(doc: &IndexedDoc) -> Option<&str> {
    let (_, range) = parse_version_line(doc)?.fields.into_iter().find(|(f, _)| *f == Field::Version)?;
    let value = &doc.text[range];
    (!value.is_empty() && !is_placeholder(value)).then_some(value)
}

/// The version line and its fields.
struct VersionLine {
    /// The line, trimmed.
    line: Range<usize>,
    /// Each field's value, also when the paragraph puts the fields on lines of their own.
    fields: Vec<(Field, Range<usize>)>,
}

fn parse_version_line(doc: &IndexedDoc) -> Option<VersionLine> {
    let all: Vec<Line> = text::lines(doc, 0..doc.text.len()).collect();
    let at = all.iter().position(is_version_line)?;
    let mut fields: Vec<(Field, Range<usize>)> = Vec::new();
    for line in all[at..].iter().take_while(|l| !l.text.trim().is_empty()).take(4) {
        let matches: Vec<_> = FIELD.captures_iter(line.text).collect();
        for (i, caps) in matches.iter().enumerate() {
            let label = caps.get(1).map_or("", |m| m.as_str());
            let field = match label.chars().next() {
                Some('V') => Field::Version,
                Some('R') => Field::Ratified,
                _ => Field::Amended,
            };
            if fields.iter().any(|(f, _)| *f == field) {
                continue;
            }
            let start = caps.get(0).map_or(0, |m| m.end());
            let end = matches.get(i + 1).and_then(|c| c.get(0)).map_or(line.text.len(), |m| m.start());
            let value = &line.text[start..end];
            let value = value.trim_end().trim_end_matches('|').trim_end();
            fields.push((field, line.at(start..start + value.len())));
        }
    }
    Some(VersionLine { line: all[at].trimmed(), fields })
}

/// A line that starts with the version label: `**Version**: …`, `**Version:** …`, `Version: …`.
fn is_version_line(line: &Line) -> bool {
    let text = line.text.trim_start();
    let text = text.strip_prefix("> ").or_else(|| text.strip_prefix("- ")).unwrap_or(text);
    FIELD.find(text).is_some_and(|m| m.start() == 0 && text[m.range()].contains("Version"))
}

/// A template token such as `[CONSTITUTION_VERSION]`.
fn is_placeholder(value: &str) -> bool {
    value.len() > 2 && value.starts_with('[') && value.ends_with(']')
}

fn is_semver(value: &str) -> bool {
    let parts: Vec<&str> = value.split('.').collect();
    parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `(year, month, day)` of a valid `YYYY-MM-DD` date.
fn iso_date(value: &str) -> Option<(u32, u32, u32)> {
    let b = value.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |r: Range<usize>| value.get(r).filter(|s| s.bytes().all(|c| c.is_ascii_digit()))?.parse::<u32>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days).contains(&day).then_some((year, month, day))
}

/// The Sync Impact Report (an HTML comment the constitution command prepends) names the new
/// version; the version line must carry the same one.
fn sync_report(cx: &Context, out: &mut Emitter, version: &str, range: Range<usize>) {
    let doc = cx.doc;
    let report = doc.model.folds.iter().filter(|f| f.kind == FoldKind::Comment).find_map(|f| {
        let comment = &doc.text[f.range.clone()];
        comment.to_ascii_lowercase().contains("sync impact report").then_some(comment)
    });
    let Some(reported) = report.and_then(|c| REPORTED.captures(c)).and_then(|c| c.get(1)) else { return };
    if reported.as_str() != version {
        out.emit(
            range,
            format!(
                "The Sync Impact Report says the version is now {}, but the version line says {version}; make them agree",
                reported.as_str()
            ),
        );
    }
}

/// Verifies specs/002-diagnostics/spec.md FR-003 (the Spec Kit checks).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::rules::check_files;

    fn diagnose(footer: &str) -> Vec<String> {
        let text = format!(
            "<!--\nSync Impact Report\nVersion change: 1.0.0 → 1.1.0\n-->\n# Acme Constitution\n\n## Core Principles\n\n\
             ### I. Library-First\n\nText.\n\n## Governance\n\nRules.\n\n{footer}"
        );
        check_files(&[(".specify/memory/constitution.md", &text)])
            .into_iter()
            .filter(|d| d.contains("speckit/constitution-version"))
            .collect()
    }

    #[test]
    fn a_well_formed_line_is_quiet() {
        assert_eq!(
            diagnose("**Version**: 1.1.0 | **Ratified**: 2025-06-13 | **Last Amended**: 2025-07-16\n"),
            Vec::<String>::new()
        );
        assert_eq!(
            diagnose("**Version:** 1.1.0 | **Ratified:** 2025-06-13 | **Last Amended:** 2025-07-16\n"),
            Vec::<String>::new()
        );
        assert_eq!(
            diagnose(
                "**Version**: 1.1.0\n**Ratified**: TODO(RATIFICATION_DATE): unknown\n**Last Amended**: 2025-07-16\n"
            ),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_missing_line_is_reported_on_the_title() {
        let found = diagnose("Adopted long ago.\n");
        assert_eq!(found.len(), 1);
        assert!(found[0].contains(":5:1 ") && found[0].contains("has no version line"), "{found:#?}");
    }

    #[test]
    fn malformed_values_are_reported_each() {
        let found = diagnose("**Version**: 1.1 | **Ratified**: 06/13/2025 | **Last Amended**: 2025-02-30\n");
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(found[0].contains(":17:14 ") && found[0].contains("`1.1` is not a semantic version"));
        assert!(found[1].contains("`06/13/2025` is not an ISO date"));
        assert!(found[2].contains("`2025-02-30` is not an ISO date"));
    }

    #[test]
    fn missing_fields_placeholders_order_and_report_are_checked() {
        let found = diagnose("**Version**: [CONSTITUTION_VERSION] | **Ratified**: 2025-06-13\n");
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(found[0].contains(":17:1 ") && found[0].contains("no **Last Amended** field"));
        assert!(found[1].contains(":17:14 ") && found[1].contains("template placeholder `[CONSTITUTION_VERSION]`"));

        let found = diagnose("**Version**: 1.2.0 | **Ratified**: 2025-06-13 | **Last Amended**: 2025-01-01\n");
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(found[0].contains("Sync Impact Report says the version is now 1.1.0, but the version line says 1.2.0"));
        assert!(found[1].contains("last amended before it was ratified"));
    }

    #[test]
    fn an_unfilled_template_line_is_reported_once() {
        let found = diagnose(
            "**Version**: [CONSTITUTION_VERSION] | **Ratified**: [RATIFICATION_DATE] | **Last Amended**: [LAST_AMENDED_DATE]\n",
        );
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].contains(":17:1 ") && found[0].contains("still holds the template's placeholders"));
    }

    #[test]
    fn dates_are_checked_against_the_calendar() {
        assert_eq!(iso_date("2024-02-29"), Some((2024, 2, 29)));
        assert_eq!(iso_date("2023-02-29"), None);
        assert_eq!(iso_date("2025-13-01"), None);
        assert_eq!(iso_date("2025-1-01"), None);
    }
}
