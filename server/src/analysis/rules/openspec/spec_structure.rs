//! `openspec/spec-structure`: a main spec the validator rejects for its shape: an empty Purpose,
//! no requirement, a delta header, or a requirement outside `## Requirements`.

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::parse::{self, Doc, Structure};
use super::support::{emit, kind};

pub const RULE: Rule = Rule {
    code: "openspec/spec-structure",
    severity: Severity::Error,
    summary: "a main spec `openspec validate` rejects for its structure",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    if kind(cx) != "openspec.spec" {
        return;
    }
    let doc = Doc::new(&cx.doc.text);
    let sections = parse::md_sections(&doc);
    // A missing `## Purpose` or `## Requirements` is `missing-section`'s.
    if let Some(purpose) = parse::find_section(&sections, "Purpose")
        && purpose.content.is_empty()
    {
        emit(
            cx,
            out,
            doc.at(purpose.header),
            "Spec must have a Purpose section: this one is empty. Say in a sentence or two what the capability is for"
                .into(),
        );
    }
    if let Some(requirements) = parse::find_section(&sections, "Requirements")
        && requirements.children.is_empty()
    {
        emit(
            cx,
            out,
            doc.at(requirements.header),
            "Spec must have at least one requirement: add a `### Requirement: <name>` block with a SHALL statement and a `#### Scenario:`"
                .into(),
        );
    }
    for issue in parse::structure_issues(&doc) {
        match issue {
            Structure::DeltaHeader { line, header } => emit(
                cx,
                out,
                doc.at(line),
                format!(
                    "Main spec contains delta header \"{header}\". Delta headers are only valid inside openspec/changes/<name>/specs/<capability-path>/spec.md and truncate the parsed ## Requirements section."
                ),
            ),
            Structure::OutsideRequirements { line, header } => emit(
                cx,
                out,
                doc.at(line),
                format!(
                    "Requirement header \"{header}\" appears outside the main ## Requirements section. Main specs only parse requirements inside that section, so this requirement is currently invisible to validate, list, and archive."
                ),
            ),
            // Reported by `duplicate-id`, with the other definition as a related location.
            Structure::Duplicate => {}
        }
    }
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-005 (the OpenSpec validator checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    fn codes(files: &[(&str, &str)]) -> Vec<String> {
        check_files(files).into_iter().filter(|d| d.contains("openspec/spec-structure")).collect()
    }

    #[test]
    fn empty_purpose_no_requirements_and_stray_headers_are_reported() {
        let spec = "# auth\n\n## Purpose\n\n## Requirements\n\n## ADDED Requirements\n\n## Notes\n\n### Requirement: Stray\nThe system SHALL x.\n";
        let found = codes(&[("openspec/specs/auth/spec.md", spec)]);
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(
            found[0].starts_with(
                "openspec/specs/auth/spec.md:3:1 openspec/spec-structure Spec must have a Purpose section"
            )
        );
        assert!(found[1].contains(":5:1 ") && found[1].contains("at least one requirement"));
        assert!(
            found[2].contains(":7:1 ")
                && found[2].contains("Main spec contains delta header \"## ADDED Requirements\"")
        );
        assert!(found[3].contains(":11:1 ") && found[3].contains("appears outside the main ## Requirements section"));
    }

    #[test]
    fn a_well_formed_spec_and_fenced_examples_pass() {
        let spec = "# auth\n\n## Purpose\n\nLets people sign in with a password and keeps them signed in.\n\n## Requirements\n\n### Requirement: Login\nThe system SHALL log in.\n\n#### Scenario: ok\n- **WHEN** x\n\n## Example\n\n```md\n## ADDED Requirements\n### Requirement: X\n```\n";
        assert!(codes(&[("openspec/specs/auth/spec.md", spec)]).is_empty());
    }
}
