//! `kiro/ears-form`: an acceptance criterion with no SHALL, so it is no EARS requirement at all.

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::ears::{Problem, criteria, judge};
use super::support::masked;

pub const RULE: Rule = Rule {
    code: "kiro/ears-form",
    severity: Severity::Warning,
    summary: "a Kiro acceptance criterion is not an EARS requirement (no SHALL)",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    for (range, text) in criteria(cx) {
        if judge(text) == Some(Problem::NoShall) && !masked(cx, range.start) {
            out.emit(
                range,
                "Acceptance criterion is not in EARS form: it states no SHALL. Write it as `WHEN <trigger>, THE <system> SHALL <response>` (or IF … THEN, WHILE …, WHERE …, or THE <system> SHALL … when it always holds)",
            );
        }
    }
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-004 (the Kiro checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    #[test]
    fn criteria_without_shall_are_reported() {
        let text = "# Requirements Document\n\n## Requirements\n\n### Requirement 1\n\n#### Acceptance Criteria\n\n\
                    1. WHEN a key is pressed THEN the system SHALL move\n2. Users can undo a move\n";
        let got: Vec<String> = check_files(&[(".kiro/specs/game/requirements.md", text)])
            .into_iter()
            .filter(|d| d.contains("kiro/ears-form"))
            .collect();
        assert_eq!(got.len(), 1);
        assert!(got[0].starts_with(
            ".kiro/specs/game/requirements.md:10:1 kiro/ears-form Acceptance criterion is not in EARS form"
        ));
    }

    #[test]
    fn bugfix_defect_lines_need_no_shall() {
        let text = "# Bugfix Requirements Document\n\n## Bug Analysis\n\n### Current Behavior (Defect)\n\n1.1 WHEN an upload stalls THEN the system hangs\n\n\
                    ### Expected Behavior (Correct)\n\n2.1 WHEN an upload stalls THEN the system retries\n\n\
                    ### Unchanged Behavior (Regression Prevention)\n\n3.1 WHEN an upload works THEN the system SHALL CONTINUE TO store it\n";
        let got: Vec<String> = check_files(&[(".kiro/specs/fix/bugfix.md", text)])
            .into_iter()
            .filter(|d| d.contains("kiro/ears"))
            .collect();
        assert_eq!(got.len(), 1, "{got:#?}");
        assert!(got[0].starts_with(".kiro/specs/fix/bugfix.md:11:1 kiro/ears-form"));
    }
}
