//! `openspec/scenario-level`: a scenario the validator cannot see: a `Scenario:` header at a level
//! other than 4, or a scenario written as a bullet or a bold line.

use std::sync::LazyLock;

use regex::Regex;

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::parse::Doc;
use super::support::{emit, kind};

pub const RULE: Rule = Rule {
    code: "openspec/scenario-level",
    severity: Severity::Warning,
    summary: "an OpenSpec scenario is not a level-4 header",
    check,
};

static HEADING: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)^(#{1,6})\s+Scenario\s*:").expect("valid"));
static BULLET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\s*(?:[-*+]|\d+[.)])\s+(?:\*\*|__)?Scenario\s*:").expect("valid"));
static BOLD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)^\s*(?:\*\*|__)Scenario\s*:").expect("valid"));

fn check(cx: &Context, out: &mut Emitter) {
    if !matches!(kind(cx), "openspec.spec" | "openspec.delta") {
        return;
    }
    let doc = Doc::new(&cx.doc.text);
    for (i, line) in doc.texts.iter().enumerate() {
        if doc.fenced[i] {
            continue;
        }
        let message = if let Some(c) = HEADING.captures(line) {
            let level = c[1].len();
            if level == 4 {
                continue;
            }
            format!(
                "Scenario header at level {level}: OpenSpec counts only level-4 headers as scenarios; write \"#### Scenario: <name>\""
            )
        } else if BULLET.is_match(line) || BOLD.is_match(line) {
            "Scenario written as a list item or bold text: OpenSpec counts only level-4 headers as scenarios; write \"#### Scenario: <name>\" with the WHEN/THEN steps under it".to_string()
        } else {
            continue;
        };
        emit(cx, out, doc.at(i), message);
    }
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-005 (the OpenSpec validator checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    #[test]
    fn only_level_four_scenario_headers_count() {
        let delta = "## ADDED Requirements\n### Requirement: A\nThe system SHALL a.\n### Scenario: three\n- **Scenario: bullet**\n**Scenario: bold**\n#### Scenario: ok\n- x\n```\n### Scenario: fenced\n```\n";
        let got: Vec<String> = check_files(&[("openspec/changes/c/specs/x/spec.md", delta)])
            .into_iter()
            .filter(|d| d.contains("openspec/scenario-level"))
            .map(|d| d.split(' ').next().unwrap().to_string())
            .collect();
        assert_eq!(
            got,
            [
                "openspec/changes/c/specs/x/spec.md:4:1",
                "openspec/changes/c/specs/x/spec.md:5:1",
                "openspec/changes/c/specs/x/spec.md:6:1"
            ]
        );
    }
}
