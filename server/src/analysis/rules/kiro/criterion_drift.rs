//! `kiro/criterion-drift`: an acceptance criterion whose written number is not its position.
//! Criteria are cited as `N.M` with M the item's ordinal (spec-formats §4.3), as rendered
//! Markdown numbers them, so references written against the number now point elsewhere.

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::support::{clauses, kind, masked};

pub const RULE: Rule = Rule {
    code: "kiro/criterion-drift",
    severity: Severity::Warning,
    summary: "a Kiro acceptance criterion's written number differs from its position",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    if kind(cx) != "kiro.requirements" {
        return;
    }
    let text = &cx.doc.text;
    for clause in clauses(cx, "acceptance-criterion") {
        // Computed keys point at the list marker (`4.`); explicitly numbered criteria (`3.1.`)
        // keep their written number as their key.
        let marker = &text[clause.id_range.clone()];
        let Some(written) = marker.strip_suffix(['.', ')']).and_then(|n| n.parse::<u64>().ok()) else { continue };
        let Some((requirement, ordinal)) = clause.id.rsplit_once('.') else { continue };
        let Ok(ordinal) = ordinal.parse::<u64>() else { continue };
        if written == ordinal || masked(cx, clause.id_range.start) {
            continue;
        }
        out.emit(
            clause.id_range.clone(),
            format!(
                "This criterion is numbered {written} but is item {ordinal} of Requirement {requirement}'s acceptance criteria. Criteria are cited by position, as rendered Markdown numbers them, so `{requirement}.{ordinal}` cites this one and `{requirement}.{written}` does not; renumber the list"
            ),
        );
    }
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-004 (the Kiro checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    #[test]
    fn numbers_that_drift_from_the_position_are_reported() {
        let text = "# Requirements Document\n\n## Requirements\n\n### Requirement 2\n\n#### Acceptance Criteria\n\n\
                    1. WHEN a THEN the system SHALL b\n2. WHEN c THEN the system SHALL d\n4. WHEN e THEN the system SHALL f\n\n\
                    Some note.\n\n1. WHEN g THEN the system SHALL h\n";
        let got: Vec<String> = check_files(&[(".kiro/specs/a/requirements.md", text)])
            .into_iter()
            .filter(|d| d.contains("kiro/criterion-drift"))
            .collect();
        assert_eq!(got.len(), 2, "{got:#?}");
        assert!(got[0].starts_with(".kiro/specs/a/requirements.md:11:1 kiro/criterion-drift This criterion is numbered 4 but is item 3 of Requirement 2's acceptance criteria."));
        assert!(got[1].contains(":15:1 ") && got[1].contains("numbered 1 but is item 4"));
    }
}
