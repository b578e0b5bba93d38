//! `speckit/principle-numbering`: constitution principles not numbered I, II, III… in order, a
//! numeral used twice, or one that is not a Roman numeral. Other documents cite principles by
//! number (`Constitution III`), so a gap or a repeat sends those citations to the wrong place.

use crate::analysis::diagnostics::{Related, Severity};
use crate::analysis::rules::{Context, Emitter, Rule};

pub const RULE: Rule = Rule {
    code: "speckit/principle-numbering",
    severity: Severity::Warning,
    summary: "constitution principles are not numbered I, II, III… in order",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    if !super::is_kind(cx, super::CONSTITUTION) {
        return;
    }
    let model = &cx.doc.model;
    let mut seen: Vec<(u32, &crate::model::Clause)> = Vec::new();
    let mut expected = 1;
    for clause in model.clauses.iter().filter(|c| c.kind == "principle") {
        let Some(n) = roman_value(&clause.id) else {
            out.emit(
                clause.id_range.clone(),
                format!("`{}` is not a Roman numeral; number the principles I, II, III… in order", clause.id),
            );
            continue;
        };
        if let Some((_, first)) = seen.iter().find(|(m, _)| *m == n) {
            out.emit_related(
                clause.id_range.clone(),
                format!(
                    "Principle `{}` is numbered twice; give this principle the number `{}`",
                    clause.id,
                    roman(expected)
                ),
                vec![Related {
                    path: model.path.clone(),
                    range: first.id_range.clone(),
                    message: "first principle with this number".into(),
                }],
            );
        } else if n != expected {
            out.emit(
                clause.id_range.clone(),
                format!(
                    "Principle `{}` comes where `{}` is expected; number the principles I, II, III… in order",
                    clause.id,
                    roman(expected)
                ),
            );
        }
        seen.push((n, clause));
        expected = expected.max(n + 1);
    }
}

/// The value of a Roman numeral in its canonical form (`IV`, never `IIII`), up to 3999.
fn roman_value(s: &str) -> Option<u32> {
    let digit = |c: char| match c {
        'I' => Some(1),
        'V' => Some(5),
        'X' => Some(10),
        'L' => Some(50),
        'C' => Some(100),
        'D' => Some(500),
        'M' => Some(1000),
        _ => None,
    };
    let values: Vec<u32> = s.chars().map(digit).collect::<Option<_>>()?;
    let mut total: i64 = 0;
    for (i, v) in values.iter().enumerate() {
        if values.get(i + 1).is_some_and(|next| next > v) {
            total -= *v as i64;
        } else {
            total += *v as i64;
        }
    }
    let total = u32::try_from(total).ok().filter(|t| (1..4000).contains(t))?;
    (roman(total) == s).then_some(total)
}

fn roman(mut n: u32) -> String {
    const TABLE: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (value, numeral) in TABLE {
        while n >= value {
            out.push_str(numeral);
            n -= value;
        }
    }
    out
}

/// Verifies specs/002-diagnostics/spec.md FR-003 (the Spec Kit checks).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::rules::check_files;

    #[test]
    fn roman_numerals_round_trip_in_canonical_form() {
        for n in 1..200 {
            assert_eq!(roman_value(&roman(n)), Some(n));
        }
        assert_eq!(roman_value("XII"), Some(12));
        assert_eq!(roman_value("IIII"), None);
        assert_eq!(roman_value("IC"), None);
        assert_eq!(roman_value("VV"), None);
    }

    fn diagnose(numerals: &[&str]) -> Vec<String> {
        let mut text = String::from("# Acme Constitution\n\n## Core Principles\n\n");
        for n in numerals {
            text.push_str(&format!("### {n}. Name {n}\n\nText.\n\n"));
        }
        text.push_str(
            "## Governance\n\n**Version**: 1.0.0 | **Ratified**: 2026-01-01 | **Last Amended**: 2026-01-01\n",
        );
        check_files(&[(".specify/memory/constitution.md", &text)])
            .into_iter()
            .filter(|d| d.contains("speckit/principle-numbering"))
            .collect()
    }

    #[test]
    fn principles_in_sequence_are_quiet() {
        assert_eq!(
            diagnose(&["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn gaps_repeats_and_bad_numerals_are_reported_once_each() {
        let found = diagnose(&["I", "II", "IV", "V", "V", "IIII"]);
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(found[0].contains("`IV` comes where `III` is expected"));
        assert!(found[1].contains("`V` is numbered twice; give this principle the number `VI`"));
        assert!(found[2].contains("`IIII` is not a Roman numeral"));
    }
}
