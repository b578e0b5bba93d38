//! `openspec/delta-header`: a `###` header in ADDED or MODIFIED that is not a
//! `### Requirement:` header, which the validator and archive ignore.

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::parse::{self, Doc};
use super::support::{delta, emit};

pub const RULE: Rule = Rule {
    code: "openspec/delta-header",
    severity: Severity::Information,
    summary: "a `###` header in a delta section is not a requirement and is ignored",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    if delta(cx).is_none() {
        return;
    }
    let doc = Doc::new(&cx.doc.text);
    for skipped in parse::delta_plan(&doc).skipped {
        let header = &skipped.header;
        // A `### Scenario:` is `openspec/scenario-level`'s.
        if header.to_lowercase().starts_with("scenario") {
            continue;
        }
        let section = &skipped.section;
        let nameless = header.eq_ignore_ascii_case("requirement") || header.eq_ignore_ascii_case("requirement:");
        let message = if nameless {
            format!(
                "Header \"### {header}\" in {section} is missing a requirement name and is ignored by validation. Add a name, e.g. \"### Requirement: <name>\"."
            )
        } else {
            format!(
                "Header \"### {header}\" in {section} is not a \"### Requirement:\" header and is ignored by validation. Use \"### Requirement: {header}\" if it should be validated as a requirement."
            )
        };
        emit(cx, out, doc.at(skipped.line), message);
    }
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-005 (the OpenSpec validator checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    #[test]
    fn non_requirement_headers_are_noted() {
        let delta = "## ADDED Requirements\n### Documentation Requirements\n### Requirement\n### Scenario: s\n### Requirement: A\nThe system SHALL a.\n#### Scenario: s\n- x\n";
        let got: Vec<String> = check_files(&[("openspec/changes/c/specs/x/spec.md", delta)])
            .into_iter()
            .filter(|d| d.contains("openspec/delta-header"))
            .collect();
        assert_eq!(got.len(), 2, "{got:#?}");
        assert!(got[0].contains(":2:1 ") && got[0].contains("Header \"### Documentation Requirements\" in ADDED Requirements is not a \"### Requirement:\" header"));
        assert!(got[1].contains(":3:1 ") && got[1].contains("is missing a requirement name"));
    }
}
