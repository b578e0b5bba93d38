//! `speckit/duplicate-feature-number`: two feature folders with the same number (`specs/001-a` and
//! `specs/001-b`). Spec Kit's scripts find a feature's folder by its number and stop with
//! "Multiple spec directories found with prefix" when two match. Reported on every document of
//! each folder; the other folders come from the index's list of feature folders, so the check
//! costs one pass over the folders (a byte comparison each), not over the documents.

use std::path::Path;

use crate::analysis::diagnostics::{Related, Severity};
use crate::analysis::rules::{Context, Emitter, Rule};

use super::text;

pub const RULE: Rule = Rule {
    code: "speckit/duplicate-feature-number",
    severity: Severity::Warning,
    summary: "two feature folders share a number",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    if !super::in_feature(cx) {
        return;
    }
    let Some(scope) = cx.doc.model.scope.as_deref() else { return };
    let Some(number) = scope.file_name().and_then(|n| n.to_str()).and_then(super::feature_number) else { return };
    // Compared as bytes: this runs on every keystroke, over every feature folder of the workspace.
    let Some(parent) = scope.parent() else { return };
    let parent = parent.as_os_str().as_encoded_bytes();
    let mut others: Vec<&Path> = cx
        .index
        .scopes()
        .filter(|other| {
            let bytes = other.as_os_str().as_encoded_bytes();
            let Some(name) =
                bytes.strip_prefix(parent).and_then(|r| r.strip_prefix(b"/").or_else(|| r.strip_prefix(b"\\")))
            else {
                return false;
            };
            name.starts_with(number.as_bytes())
                && name.get(number.len()) == Some(&b'-')
                && !name.contains(&b'/')
                && !name.contains(&b'\\')
                && *other != scope
                && other.file_name().and_then(|n| n.to_str()).and_then(super::feature_number) == Some(number)
        })
        .collect();
    if others.is_empty() {
        return;
    }
    others.sort();
    let names: Vec<String> = others.iter().map(|o| format!("`{}`", cx.index.relative(o))).collect();
    let related = others
        .iter()
        .filter_map(|other| {
            let doc = ["spec.md", "plan.md", "tasks.md"].iter().find_map(|f| cx.index.doc(&other.join(f)))?;
            Some(Related {
                path: doc.model.path.clone(),
                range: text::title_anchor(doc),
                message: "another feature with this number".into(),
            })
        })
        .collect();
    out.emit_related(
        text::title_anchor(cx.doc),
        format!(
            "Feature number {number} is also used by {}; Spec Kit finds a feature by its number, so renumber one of them",
            names.join(", ")
        ),
        related,
    );
}

/// Verifies specs/002-diagnostics/spec.md FR-003 (the Spec Kit checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    #[test]
    fn each_document_of_both_folders_is_reported() {
        let files = [
            ("specs/007-mock-auth/spec.md", "# Feature Specification: Mock auth\n"),
            ("specs/007-mock-auth/tasks.md", "# Tasks: Mock auth\n"),
            ("specs/007-simple-ui/plan.md", "# Implementation Plan: UI\n"),
            ("specs/008-other/spec.md", "# Feature Specification: Other\n"),
            ("other/specs/007-elsewhere/spec.md", "# Feature Specification: Elsewhere\n"),
            ("specs/notes.md", "# Notes\n"),
        ];
        let found: Vec<String> =
            check_files(&files).into_iter().filter(|d| d.contains("speckit/duplicate-feature-number")).collect();
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(found[0].starts_with("specs/007-mock-auth/spec.md:1:1 ") && found[0].contains("`specs/007-simple-ui`"));
        assert!(found[1].starts_with("specs/007-mock-auth/tasks.md:1:1 "));
        assert!(found[2].starts_with("specs/007-simple-ui/plan.md:1:1 ") && found[2].contains("`specs/007-mock-auth`"));
    }

    #[test]
    fn a_removed_folder_no_longer_counts() {
        use std::path::PathBuf;
        let root = PathBuf::from("/ws");
        let grammar = crate::model::Grammar::builtin();
        let mut index = crate::analysis::WorkspaceIndex::new(grammar.clone(), vec![root.clone()]);
        for relative in ["specs/001-a/spec.md", "specs/001-b/spec.md"] {
            let text = "# Feature Specification: X\n";
            let model = crate::model::from_text(&grammar, &root.join(relative), relative, text);
            index.upsert(crate::analysis::IndexedDoc::new(model, std::sync::Arc::from(text)));
        }
        let codes = |index: &crate::analysis::WorkspaceIndex| -> Vec<&str> {
            crate::analysis::diagnostics(index, &root.join("specs/001-a/spec.md")).iter().map(|d| d.code).collect()
        };
        assert!(codes(&index).contains(&"speckit/duplicate-feature-number"));
        index.remove(&root.join("specs/001-b/spec.md"));
        assert!(!codes(&index).contains(&"speckit/duplicate-feature-number"));
    }
}
