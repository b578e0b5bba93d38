//! `speckit/missing-spec`: a feature folder (`specs/NNN-name/`) with a plan, task list or other
//! document but no `spec.md`. Everything in a feature derives from its spec; without it, references
//! to the feature's requirements and stories cannot resolve. Reported on each other document of
//! the folder. Folders not named like features (`NNN-name`, `YYYYMMDD-HHMMSS-name`) are left alone.

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::text;

pub const RULE: Rule = Rule {
    code: "speckit/missing-spec",
    severity: Severity::Warning,
    summary: "a feature folder has no spec.md",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    if !super::in_feature(cx) {
        return;
    }
    let Some(scope) = cx.doc.model.scope.as_deref() else { return };
    if scope.file_name().and_then(|n| n.to_str()).and_then(super::feature_number).is_none() {
        return;
    }
    // Kiro and OpenSpec folders hold documents Spec Kit's paths also match (`research.md`).
    if scope.components().any(|c| matches!(c.as_os_str().to_str(), Some(".kiro" | "openspec"))) {
        return;
    }
    let spec = scope.join("spec.md");
    if spec == cx.doc.model.path || cx.index.doc(&spec).is_some() {
        return;
    }
    out.emit(
        text::title_anchor(cx.doc),
        format!(
            "Feature folder `{}` has no spec.md; write the spec first (`/speckit.specify`), or move this document to the feature it belongs to",
            cx.index.relative(scope)
        ),
    );
}

#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    #[test]
    fn documents_of_a_feature_without_a_spec_are_reported() {
        let files = [
            ("specs/001-a/spec.md", "# Feature Specification: A\n"),
            ("specs/001-a/plan.md", "# Implementation Plan: A\n"),
            ("specs/002-b/plan.md", "# Implementation Plan: B\n"),
            ("specs/002-b/checklists/requirements.md", "# Specification Quality Checklist: B\n"),
            ("specs/drafts/plan.md", "# Implementation Plan: Draft\n"),
            (".kiro/specs/003-c/research.md", "# Research\n"),
        ];
        let found: Vec<String> =
            check_files(&files).into_iter().filter(|d| d.contains("speckit/missing-spec")).collect();
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(found[0].starts_with("specs/002-b/plan.md:1:1 ") && found[0].contains("`specs/002-b` has no spec.md"));
        assert!(found[1].starts_with("specs/002-b/checklists/requirements.md:1:1 "));
    }
}
