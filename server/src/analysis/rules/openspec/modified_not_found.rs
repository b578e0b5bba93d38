//! `openspec/modified-not-found`: a MODIFIED or RENAMED FROM name (or a REMOVED name that differs from an
//! existing one only in case or spacing) that the main spec lacks: archive would refuse the delta.

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::support::{Refusal, emit_preflight};

pub const RULE: Rule = Rule {
    code: "openspec/modified-not-found",
    severity: Severity::Error,
    summary: "a MODIFIED or RENAMED name is not in the main spec, so archive would refuse the delta",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    emit_preflight(cx, out, Refusal::NotFound);
}

/// Verifies specs/001-core-engine/spec.md FR-021 (the archive preflight: this rule, `removed-not-found` and `added-exists`).
/// Verifies 002-diagnostics/FR-005 (the OpenSpec validator checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    const MAIN: &str = "# x\n## Purpose\nA purpose that is long enough to pass the brevity check easily.\n## Requirements\n\
                        ### Requirement: Login\nThe system SHALL log in.\n#### Scenario: ok\n- x\n\
                        ### Requirement: Logout\nThe system SHALL log out.\n#### Scenario: ok\n- x\n";

    fn preflight(delta: &str) -> Vec<String> {
        check_files(&[("openspec/specs/x/spec.md", MAIN), ("openspec/changes/c/specs/x/spec.md", delta)])
            .into_iter()
            .filter(|d| d.contains("-not-found") || d.contains("added-exists"))
            .map(|d| d.split_once(' ').unwrap().1.to_string())
            .collect()
    }

    #[test]
    fn operations_are_checked_against_the_main_spec_in_archive_order() {
        let delta = "## ADDED Requirements\n### Requirement: Login\nThe system SHALL log in twice.\n#### Scenario: ok\n- x\n\
                     ### Requirement: Sign up\nThe system SHALL sign up.\n#### Scenario: ok\n- x\n\
                     ## MODIFIED Requirements\n### Requirement: Export\nThe system SHALL export.\n#### Scenario: ok\n- x\n\
                     ### Requirement: Sign out\nThe system SHALL sign out.\n#### Scenario: ok\n- x\n\
                     ## REMOVED Requirements\n### Requirement: login\n### Requirement: Import\n\
                     ## RENAMED Requirements\n- FROM: `### Requirement: Logout`\n- TO: `### Requirement: Sign out`\n";
        let got = preflight(delta);
        assert_eq!(got.len(), 4, "{got:#?}");
        assert!(got[0].starts_with("openspec/added-exists Archive would refuse this delta: x ADDED failed for header \"### Requirement: Login\" - already exists"));
        assert!(got[1].starts_with("openspec/modified-not-found Archive would refuse this delta: x MODIFIED failed for header \"### Requirement: Export\" - not found"));
        assert!(got[2].starts_with("openspec/modified-not-found Archive would refuse this delta: x REMOVED failed for header \"### Requirement: login\" - not found, but \"### Requirement: Login\" exists"));
        assert!(
            got[3].starts_with("openspec/removed-not-found REMOVED requirement \"Import\" is not in the current spec")
        );
    }

    #[test]
    fn a_new_capability_takes_only_added() {
        let delta =
            "## MODIFIED Requirements\n### Requirement: Login\nThe system SHALL log in.\n#### Scenario: ok\n- x\n";
        let got: Vec<String> = check_files(&[("openspec/changes/c/specs/new/spec.md", delta)])
            .into_iter()
            .filter(|d| d.contains("modified-not-found"))
            .collect();
        assert!(got[0].contains("Archive would refuse this delta: new: target spec does not exist; only ADDED requirements are allowed for new specs."), "{got:?}");
    }

    #[test]
    fn an_identical_added_block_is_already_synced() {
        let delta = "## ADDED Requirements\n### Requirement: Login\nThe system SHALL log in.\n#### Scenario: ok\n- x\n";
        assert!(preflight(delta).is_empty());
    }
}
