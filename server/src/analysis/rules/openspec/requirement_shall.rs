//! `openspec/requirement-shall`: requirement text without SHALL or MUST (a warning since
//! OpenSpec 1.8; `validate --strict` fails on it).

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::parse::{self, Doc};
use super::support::{emit, is_openspec, missing_keyword, requirement_blocks};

pub const RULE: Rule = Rule {
    code: "openspec/requirement-shall",
    severity: Severity::Warning,
    summary: "an OpenSpec requirement's text has no SHALL or MUST",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    // Only OpenSpec documents have requirement blocks: skip the whole-text parse for the others.
    if !is_openspec(cx) {
        return;
    }
    let doc = Doc::new(&cx.doc.text);
    for (prefix, block) in requirement_blocks(cx, &doc) {
        let text = block.text(&doc);
        if text.is_empty() || parse::shall_or_must(&text) {
            continue;
        }
        emit(cx, out, doc.at(block.header), missing_keyword(&prefix, &block.name, true));
    }
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-005 (the OpenSpec validator checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    #[test]
    fn lower_case_keywords_do_not_count() {
        let delta = "## MODIFIED Requirements\n\n### Requirement: Export\nThe system shall export.\n\n#### Scenario: s\n- x\n\n### Requirement: Import\nThe system\nMUST import.\n\n#### Scenario: t\n- y\n";
        let got: Vec<String> = check_files(&[("openspec/changes/c/specs/x/spec.md", delta)])
            .into_iter()
            .filter(|d| d.contains("openspec/requirement-shall"))
            .collect();
        assert_eq!(
            got,
            [
                "openspec/changes/c/specs/x/spec.md:3:1 openspec/requirement-shall MODIFIED \"Export\" should contain SHALL or MUST (RFC 2119 best practice for English specs)"
            ]
        );
    }
}
