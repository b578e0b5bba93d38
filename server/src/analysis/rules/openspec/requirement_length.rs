//! `openspec/requirement-length`: requirement text over 500 characters (validator information).

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::parse::{self, Doc};
use super::support::{emit, kind};

pub const RULE: Rule = Rule {
    code: "openspec/requirement-length",
    severity: Severity::Information,
    summary: "an OpenSpec requirement's text is over 500 characters",
    check,
};

/// `MAX_REQUIREMENT_TEXT_LENGTH`.
const MAX: usize = 500;

fn check(cx: &Context, out: &mut Emitter) {
    if kind(cx) != "openspec.spec" {
        return;
    }
    let doc = Doc::new(&cx.doc.text);
    let sections = parse::md_sections(&doc);
    let Some(requirements) = parse::find_section(&sections, "Requirements") else { return };
    for &child in &requirements.children {
        let requirement = &sections[child];
        let length = parse::js_len(&parse::md_requirement_text(requirement));
        if length > MAX {
            emit(
                cx,
                out,
                doc.at(requirement.header),
                format!(
                    "Requirement text is very long (>{MAX} characters). Consider breaking it down. This one has {length}; split it into requirements that each state one behaviour"
                ),
            );
        }
    }
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-005 (the OpenSpec validator checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    #[test]
    fn long_statements_are_information() {
        let long = "The system SHALL do this. ".repeat(25);
        let spec = format!(
            "# x\n## Purpose\nA purpose that is long enough to pass the brevity check easily.\n## Requirements\n### Requirement: A\n{long}\n#### Scenario: s\n- x\n"
        );
        let got: Vec<String> = check_files(&[("openspec/specs/x/spec.md", &spec)])
            .into_iter()
            .filter(|d| d.contains("openspec/requirement-length"))
            .collect();
        assert_eq!(got.len(), 1);
        assert!(got[0].starts_with(
            "openspec/specs/x/spec.md:5:1 openspec/requirement-length Requirement text is very long (>500 characters)."
        ));
    }
}
