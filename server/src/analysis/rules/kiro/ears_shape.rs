//! `kiro/ears-shape`: an acceptance criterion with SHALL whose sentence is not an EARS pattern
//! (no opening keyword, IF without THEN, no system named, MUST for SHALL).

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::ears::{Problem, criteria, judge};
use super::support::masked;

pub const RULE: Rule = Rule {
    code: "kiro/ears-shape",
    severity: Severity::Hint,
    summary: "a Kiro acceptance criterion's sentence is not an EARS pattern",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    for (range, text) in criteria(cx) {
        if let Some(Problem::Shape(why)) = judge(text)
            && !masked(cx, range.start)
        {
            out.emit(range, format!("Acceptance criterion does not follow an EARS pattern: {why}"));
        }
    }
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-004 (the Kiro checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    #[test]
    fn shapes_are_hinted() {
        let text = "# Requirements Document\n\n## Requirements\n\n### Requirement 1: Rooms\n\n#### Acceptance Criteria\n\n\
                    1. IF the name is short, THE Room_Service SHALL reject it\n2. When a room is made, the service shall log it\n";
        let got: Vec<String> = check_files(&[(".kiro/specs/rooms/requirements.md", text)])
            .into_iter()
            .filter(|d| d.contains("kiro/ears"))
            .collect();
        assert_eq!(
            got,
            [
                ".kiro/specs/rooms/requirements.md:9:1 kiro/ears-shape Acceptance criterion does not follow an EARS pattern: IF has no THEN: write `IF <condition>, THEN THE <system> SHALL <response>`"
            ]
        );
    }
}
