//! `uncovered-requirement`: a requirement, success criterion or acceptance criterion that no task
//! cites (Spec Kit FR and SC, Kiro criteria).
//!
//! Coverage is read from the task list's model: a clause is covered when the feature's
//! `tasks.md` mentions its key, or the key of a clause enclosing it (a Kiro task citing `2` covers
//! criteria `2.1`, `2.2`, …). Only leaf clauses are checked (a Kiro requirement is covered through
//! its criteria), only when the feature has a `tasks.md` that defines at least one task (no tasks
//! yet: nothing to cover), and only for kinds of clause that task list cites at least once (the
//! clause's own kind or an enclosing one's): a task list that traces by story alone (Spec Kit's
//! `[USn]` labels), that never cites success criteria, or that cannot cite requirements at all
//! (OpenSpec) says nothing about their coverage.

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};
use crate::model::{Clause, DocModel};

pub const RULE: Rule = Rule {
    code: "uncovered-requirement",
    severity: Severity::Information,
    summary: "a requirement or criterion that no task cites",
    check,
};

/// Clause kinds that tasks are expected to implement.
const KINDS: &[&str] = &["requirement", "success-criterion", "acceptance-criterion"];

fn check(cx: &Context, out: &mut Emitter) {
    let index = cx.index;
    let model = &cx.doc.model;
    let Some(scope_path) = model.scope.as_deref() else { return };
    if !model.clauses.iter().any(|c| KINDS.contains(&c.kind.as_str())) {
        return;
    }
    let tasks_path = scope_path.join("tasks.md");
    if tasks_path == model.path {
        return;
    }
    let (Some(tasks), Some(tasks_id)) = (index.doc(&tasks_path), index.doc_id(&tasks_path)) else { return };
    if !tasks.model.clauses.iter().any(|c| c.kind == "task") {
        return;
    }
    let scope = index.scope_id(Some(scope_path));
    // The keys the task list mentions, from its model: the index keeps no per-feature table of
    // mentions for this one question, and the task list keeps its set from one keystroke in the
    // spec to the next.
    let mentioned = |c: &Clause| tasks.mentions_key(c.namespace, &c.id);
    let mut has_child = vec![false; model.clauses.len()];
    for clause in &model.clauses {
        if let Some(parent) = clause.parent {
            has_child[parent as usize] |= KINDS.contains(&clause.kind.as_str());
        }
    }
    let checked = |i: usize| KINDS.contains(&model.clauses[i].kind.as_str()) && !has_child[i];
    // The kinds of clause the task list cites, as its references resolve in this feature: a
    // kind is cited when a clause of that kind in the feature has a key the task list mentions.
    // The task list keeps them until a key or a kind in the workspace changes.
    let cited_kinds = index.kinds_cited(tasks, scope);
    // A task list indexed in another scope cites nothing here.
    let same_scope = index.doc_scope(tasks_id) == scope;
    for (i, clause) in model.clauses.iter().enumerate() {
        if !checked(i) || !ancestors(model, i).any(|c| cited_kinds.contains(&c.kind)) {
            continue;
        }
        if same_scope && ancestors(model, i).any(mentioned) {
            continue;
        }
        out.emit(
            clause.id_range.clone(),
            format!(
                "No task in tasks.md cites {} `{}`; add a task that implements it, or cite it from the task that does",
                clause.kind.replace('-', " "),
                clause.id
            ),
        );
    }
}

/// A clause and the clauses enclosing it, innermost first.
fn ancestors(model: &DocModel, index: usize) -> impl Iterator<Item = &Clause> {
    let mut next = Some(index);
    std::iter::from_fn(move || {
        let clause = &model.clauses[next?];
        next = clause.parent.map(|p| p as usize);
        Some(clause)
    })
}

/// Verifies specs/001-core-engine/spec.md FR-011, FR-021.
/// Verifies 002-diagnostics/FR-006 (the cross-format rules).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    fn uncovered(files: &[(&str, &str)]) -> Vec<String> {
        check_files(files)
            .into_iter()
            .filter(|d| d.contains("uncovered-requirement"))
            .map(|d| d.split(" uncovered-requirement ").next().unwrap_or_default().to_string())
            .collect()
    }

    const SPEC: &str = "# Feature Specification: A\n\n## Requirements\n\n- **FR-001**: System MUST sign in.\n- **FR-002**: System MUST sign out.\n\n## Success Criteria\n\n- **SC-001**: 90% sign in first time.\n- **SC-002**: 99% sign out.\n";

    #[test]
    fn requirements_no_task_cites_are_reported() {
        let tasks = "# Tasks: A\n\n- [ ] T001 [US1] Sign-in form in src/a.rs per FR-001\n";
        assert_eq!(
            uncovered(&[("specs/001-a/spec.md", SPEC), ("specs/001-a/tasks.md", tasks)]),
            vec!["specs/001-a/spec.md:6:5"],
            "success criteria are not reported while no task cites one"
        );
        let tasks = "# Tasks: A\n\n- [ ] T001 [US1] Sign-in form in src/a.rs per FR-001, SC-001\n";
        assert_eq!(
            uncovered(&[("specs/001-a/spec.md", SPEC), ("specs/001-a/tasks.md", tasks)]),
            vec!["specs/001-a/spec.md:6:5", "specs/001-a/spec.md:11:5"]
        );
    }

    #[test]
    fn other_features_tasks_do_not_cover_and_no_tasks_means_nothing_to_cover() {
        let other = "# Tasks: B\n\n- [ ] T001 Do it per FR-001, FR-002 and SC-001\n";
        let files = [("specs/001-a/spec.md", SPEC), ("specs/002-b/tasks.md", other)];
        assert!(uncovered(&files).is_empty(), "no tasks.md in 001-a");
        let stub = "# Tasks: A\n\nNothing yet; FR-001 first.\n";
        assert!(uncovered(&[("specs/001-a/spec.md", SPEC), ("specs/001-a/tasks.md", stub)]).is_empty());
        let files = [
            ("specs/001-a/spec.md", SPEC),
            ("specs/001-a/tasks.md", "# Tasks: A\n\n- [ ] T001 x per FR-002\n"),
            files[1],
        ];
        assert_eq!(uncovered(&files).len(), 1);
        let by_story = "# Tasks: A\n\n## Phase 3: User Story 1\n\n- [ ] T001 [US1] Sign-in form in src/a.rs\n";
        assert!(
            uncovered(&[("specs/001-a/spec.md", SPEC), ("specs/001-a/tasks.md", by_story)]).is_empty(),
            "a task list that traces by story alone says nothing about requirement coverage"
        );
    }

    #[test]
    fn kiro_criteria_are_covered_by_their_key_or_their_requirement() {
        let requirements = "# Requirements Document\n\n## Requirements\n\n### Requirement 1: Upload\n\n#### Acceptance Criteria\n\n1. WHEN x THEN the system SHALL a\n2. WHEN y THEN the system SHALL b\n\n### Requirement 2: Share\n\n#### Acceptance Criteria\n\n1. WHEN z THEN the system SHALL c\n\n### Requirement 3: Delete\n\n#### Acceptance Criteria\n\n1. WHEN w THEN the system SHALL d\n";
        let tasks = "# Implementation Plan\n\n- [ ] 1. Upload\n  - _Requirements: 1.1, 2_\n";
        assert_eq!(
            uncovered(&[(".kiro/specs/a/requirements.md", requirements), (".kiro/specs/a/tasks.md", tasks)]),
            vec![".kiro/specs/a/requirements.md:10:1", ".kiro/specs/a/requirements.md:22:1"]
        );
    }

    #[test]
    fn openspec_requirements_are_not_expected_in_tasks() {
        let delta = "## ADDED Requirements\n\n### Requirement: Sign in\n\nThe system SHALL sign in.\n";
        let tasks = "## 1. Build\n\n- [ ] 1.1 Build sign-in\n";
        let files = [("openspec/changes/add-x/specs/auth/spec.md", delta), ("openspec/changes/add-x/tasks.md", tasks)];
        assert!(uncovered(&files).is_empty());
    }
}
