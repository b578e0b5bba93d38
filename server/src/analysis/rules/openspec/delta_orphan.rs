//! `openspec/delta-orphan`: a `### Requirement:` in a delta spec outside every delta section,
//! which archive silently skips.

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::parse::{self, Doc};
use super::support::{delta, emit};

pub const RULE: Rule = Rule {
    code: "openspec/delta-orphan",
    severity: Severity::Warning,
    summary: "a requirement in a delta spec sits outside every delta section",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    if delta(cx).is_none() {
        return;
    }
    let doc = Doc::new(&cx.doc.text);
    for orphan in parse::delta_plan(&doc).orphans {
        let place = match &orphan.section {
            Some(section) => format!("under \"## {section}\""),
            None => "above the first \"## \" section".to_string(),
        };
        emit(
            cx,
            out,
            doc.at(orphan.line),
            format!(
                "Requirement \"{}\" is {place}, which is not a delta section, so it is ignored. Move it under \"## ADDED Requirements\", \"## MODIFIED Requirements\", \"## REMOVED Requirements\", or \"## RENAMED Requirements\".",
                orphan.name
            ),
        );
    }
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-005 (the OpenSpec validator checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    #[test]
    fn requirements_outside_delta_sections_are_reported() {
        let delta = "### Requirement: Early\nx\n## Purpose\n### Requirement: Under purpose\n## ADDED Requirements\n### Requirement: Fine\n";
        let got: Vec<String> = check_files(&[("openspec/changes/c/specs/x/spec.md", delta)])
            .into_iter()
            .filter(|d| d.contains("openspec/delta-orphan"))
            .collect();
        assert_eq!(got.len(), 2);
        assert!(got[0].contains(":1:1 ") && got[0].contains("\"Early\" is above the first \"## \" section"));
        assert!(got[1].contains(":4:1 ") && got[1].contains("is under \"## Purpose\", which is not a delta section"));
    }
}
