//! Kiro rules. Unknown `_Requirements:` and `Validates:` citations are `unresolved-reference`'s
//! (namespace `kiro.requirement`, resolved in the spec folder by computed criterion number).

mod criterion_drift;
mod ears;
mod ears_form;
mod ears_shape;
mod front_matter;
mod steering_description;
mod steering_front_matter;
mod support;
mod task_group;
mod unknown_checkbox;

use super::Rule;

pub const RULES: &[Rule] = &[
    ears_form::RULE,
    ears_shape::RULE,
    criterion_drift::RULE,
    task_group::RULE,
    unknown_checkbox::RULE,
    steering_front_matter::RULE,
    steering_description::RULE,
];

/// Verifies specs/001-core-engine/spec.md FR-011: a `_Requirements:` citation of a criterion that does not exist is reported by
/// `unresolved-reference`, in the spec folder only.
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    #[test]
    fn unknown_criteria_are_unresolved_references() {
        let requirements = "# Requirements Document\n\n## Requirements\n\n### Requirement 1\n\n#### Acceptance Criteria\n\n\
                            1. WHEN a key is pressed THEN the system SHALL move\n";
        let tasks = "# Implementation Plan\n\n- [ ] 1. Move\n  - _Requirements: 1.1, 1.2, 2_\n";
        let other = "# Requirements Document\n\n## Requirements\n\n### Requirement 2\n\n#### Acceptance Criteria\n\n\
                     1. WHEN x THEN the system SHALL y\n2. WHEN z THEN the system SHALL w\n";
        let got = check_files(&[
            (".kiro/specs/a/requirements.md", requirements),
            (".kiro/specs/a/tasks.md", tasks),
            (".kiro/specs/b/requirements.md", other),
        ]);
        assert_eq!(
            got,
            [
                ".kiro/specs/a/tasks.md:4:25 unresolved-reference No requirement or acceptance criterion `1.2` is defined in this feature; define it or fix the reference",
                ".kiro/specs/a/tasks.md:4:30 unresolved-reference No requirement or acceptance criterion `2` is defined in this feature; define it or fix the reference",
            ]
        );
    }
}
