//! `openspec/requirement-scenario`: a requirement without a scenario (a `####` header with a body).

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::parse::{self, Doc};
use super::support::{emit, is_openspec, kind, requirement_blocks};

pub const RULE: Rule = Rule {
    code: "openspec/requirement-scenario",
    severity: Severity::Error,
    summary: "an OpenSpec requirement has no scenario",
    check,
};

const FORMAT: &str =
    "Scenarios must use level-4 headers: \"#### Scenario: <name>\" followed by \"- **WHEN** …\" and \"- **THEN** …\"";
const EMPTY: &str = " (a scenario header with no body under it does not count; add its steps, e.g. \"- **WHEN** ...\" and \"- **THEN** ...\")";

fn check(cx: &Context, out: &mut Emitter) {
    // Only OpenSpec documents have requirement blocks: skip the whole-text parse for the others.
    if !is_openspec(cx) {
        return;
    }
    let doc = Doc::new(&cx.doc.text);
    match kind(cx) {
        "openspec.spec" => main_spec(cx, out, &doc),
        "openspec.delta" => {
            for (prefix, block) in requirement_blocks(cx, &doc) {
                let (full, empty) = block.scenarios(&doc);
                if full > 0 {
                    continue;
                }
                let hint = if empty > 0 { EMPTY } else { "" };
                emit(
                    cx,
                    out,
                    doc.at(block.header),
                    format!("{prefix} must include at least one scenario{hint}. {FORMAT}"),
                );
            }
        }
        _ => {}
    }
}

/// The validator reads every child section of `## Requirements` as a requirement (a divider such
/// as `### Documentation Requirements` too, #498), and every child of that with content as a
/// scenario.
fn main_spec(cx: &Context, out: &mut Emitter, doc: &Doc) {
    let sections = parse::md_sections(doc);
    let Some(requirements) = parse::find_section(&sections, "Requirements") else { return };
    for &child in &requirements.children {
        let requirement = &sections[child];
        let scenarios = requirement.children.iter().filter(|&&s| !sections[s].content.is_empty()).count();
        if scenarios > 0 {
            continue;
        }
        let header = parse::js_trim(doc.texts[requirement.header]);
        let message = if parse::requirement_header(header).is_some() {
            let hint = if requirement.children.is_empty() { "" } else { EMPTY };
            format!("Requirement must have at least one scenario: \"{header}\" has none{hint}. {FORMAT}")
        } else {
            format!(
                "Requirement must have at least one scenario: \"{header}\" sits under ## Requirements, so OpenSpec reads it as a requirement. Make it a \"### Requirement: <name>\" block with a scenario, or move it out of ## Requirements"
            )
        };
        emit(cx, out, doc.at(requirement.header), message);
    }
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-005 (the OpenSpec validator checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    fn found(path: &str, text: &str) -> Vec<String> {
        check_files(&[(path, text)]).into_iter().filter(|d| d.contains("openspec/requirement-scenario")).collect()
    }

    #[test]
    fn requirements_need_a_level_four_scenario_with_a_body() {
        let main = "# x\n## Purpose\nA purpose that is long enough to pass the brevity check easily.\n## Requirements\n\
                    ### Requirement: A\nThe system SHALL a.\n- **Scenario: bullet**\n\
                    ### Requirement: B\nThe system SHALL b.\n#### Scenario: empty\n\
                    ### Documentation Requirements\n\
                    ### Requirement: C\nThe system SHALL c.\n#### Scenario: ok\n- x\n";
        let got = found("openspec/specs/x/spec.md", main);
        assert_eq!(got.len(), 3, "{got:#?}");
        assert!(got[0].starts_with("openspec/specs/x/spec.md:5:1 openspec/requirement-scenario Requirement must have at least one scenario: \"### Requirement: A\" has none. Scenarios must use level-4 headers"));
        assert!(got[1].contains(":8:1 ") && got[1].contains("does not count"));
        assert!(got[2].contains(":11:1 ") && got[2].contains("OpenSpec reads it as a requirement"));
        let delta = "## ADDED Requirements\n### Requirement: A\nThe system SHALL a.\n### Scenario: wrong level\n- x\n";
        let got = found("openspec/changes/c/specs/x/spec.md", delta);
        assert_eq!(got.len(), 1);
        assert!(got[0].contains(":2:1 openspec/requirement-scenario ADDED \"A\" must include at least one scenario."));
    }
}
