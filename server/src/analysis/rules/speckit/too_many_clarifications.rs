//! `speckit/too-many-clarifications`: more `[NEEDS CLARIFICATION: …]` markers in one spec than the
//! three `/speckit.specify` allows; the rest should be settled by reasonable defaults.

use crate::analysis::diagnostics::{Related, Severity};
use crate::analysis::rules::{Context, Emitter, Rule};

pub const RULE: Rule = Rule {
    code: "speckit/too-many-clarifications",
    severity: Severity::Warning,
    summary: "a spec has more than 3 `[NEEDS CLARIFICATION: …]` markers",
    check,
};

/// The most markers `/speckit.specify` leaves in a spec.
const LIMIT: usize = 3;

fn check(cx: &Context, out: &mut Emitter) {
    let kind = &cx.index.grammar.kind(cx.doc.model.kind).id;
    if kind != "speckit.spec" && kind != "speckit.spec-legacy" {
        return;
    }
    let markers: Vec<_> = cx.doc.model.markers.iter().filter(|m| &*m.kind == "clarification").collect();
    if markers.len() <= LIMIT {
        return;
    }
    // Reported once, on the first marker over the limit, with every other marker as related.
    let related = markers
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != LIMIT)
        .take(10)
        .map(|(i, m)| Related {
            path: cx.doc.model.path.clone(),
            range: m.range.clone(),
            message: format!("clarification {}", i + 1),
        })
        .collect();
    out.emit_related(
        markers[LIMIT].range.clone(),
        format!(
            "This spec has {} clarification markers; Spec Kit keeps at most {LIMIT}, for the decisions with the most impact. Settle the others with a reasonable default and record it under Assumptions",
            markers.len()
        ),
        related,
    );
}

/// Verifies specs/002-diagnostics/spec.md FR-003 (the Spec Kit checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    fn diagnose(markers: usize) -> Vec<String> {
        let mut spec = String::from("# Feature Specification: A\n\n## Requirements\n\n");
        for i in 1..=markers {
            spec.push_str(&format!("- **FR-00{i}**: System MUST [NEEDS CLARIFICATION: question {i}?]\n"));
        }
        spec.push_str("\n```text\n[NEEDS CLARIFICATION: in code]\n```\n");
        check_files(&[("specs/001-a/spec.md", &spec)])
            .into_iter()
            .filter(|d| d.contains("speckit/too-many-clarifications"))
            .collect()
    }

    #[test]
    fn three_markers_are_allowed_and_a_fourth_is_reported_once() {
        assert_eq!(diagnose(3), Vec::<String>::new());
        let found = diagnose(5);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].starts_with("specs/001-a/spec.md:8:27 ") && found[0].contains("has 5 clarification markers"));
    }

    #[test]
    fn plans_are_not_counted() {
        let plan = "# Implementation Plan: A\n\n".to_string() + &"[NEEDS CLARIFICATION: x?]\n\n".repeat(5);
        let found = check_files(&[("specs/001-a/plan.md", &plan)]);
        assert!(!found.iter().any(|d| d.contains("speckit/too-many-clarifications")));
    }
}
