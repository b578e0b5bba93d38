//! `openspec/requirement-text`: a requirement with no statement under its header.

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::parse::{self, Doc};
use super::support::{emit, is_openspec, missing_keyword, requirement_blocks};

pub const RULE: Rule = Rule {
    code: "openspec/requirement-text",
    severity: Severity::Error,
    summary: "an OpenSpec requirement has no text under its header",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    // Only OpenSpec documents have requirement blocks: skip the whole-text parse for the others.
    if !is_openspec(cx) {
        return;
    }
    let doc = Doc::new(&cx.doc.text);
    for (prefix, block) in requirement_blocks(cx, &doc) {
        if !block.text(&doc).is_empty() {
            continue;
        }
        let message = if parse::shall_or_must(&block.name) {
            missing_keyword(&prefix, &block.name, false)
        } else if prefix.starts_with("Requirement ") {
            format!(
                "{}: there is no text under its header. Write the statement on the next line, e.g. \"The system SHALL …\"",
                missing_keyword(&prefix, &block.name, false)
            )
        } else {
            format!(
                "{prefix} is missing requirement text: write the statement on the line after its header, e.g. \"The system SHALL …\""
            )
        };
        emit(cx, out, doc.at(block.header), message);
    }
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-005 (the OpenSpec validator checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    fn found(path: &str, text: &str) -> Vec<String> {
        check_files(&[(path, text)]).into_iter().filter(|d| d.contains("openspec/requirement-text")).collect()
    }

    #[test]
    fn empty_bodies_are_errors_with_upstream_wording() {
        let delta = "## ADDED Requirements\n\n### Requirement: Export\n\n#### Scenario: s\n- x\n\n### Requirement: The system SHALL log\n\n#### Scenario: t\n- y\n";
        let got = found("openspec/changes/c/specs/x/spec.md", delta);
        assert_eq!(got.len(), 2, "{got:#?}");
        assert!(got[0].starts_with("openspec/changes/c/specs/x/spec.md:3:1 openspec/requirement-text ADDED \"Export\" is missing requirement text"));
        assert!(got[1].contains(
            "ADDED \"The system SHALL log\" must contain SHALL or MUST in the requirement body, not only in the header."
        ));
        let main = "# x\n## Purpose\nA purpose that is long enough to pass the brevity check easily.\n## Requirements\n### Requirement: Export\n**ID**: 7\n#### Scenario: s\n- x\n";
        let got = found("openspec/specs/x/spec.md", main);
        assert!(got.is_empty(), "metadata alone is the body: {got:?}");
        let main = main.replace("**ID**: 7\n", "");
        assert!(
            found("openspec/specs/x/spec.md", &main)[0]
                .contains("Requirement \"Export\" must contain SHALL or MUST: there is no text")
        );
    }
}
