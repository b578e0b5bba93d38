//! `speckit/story-label`: `[USn]` labels where the task template forbids them (Setup, Foundational
//! and Polish phases), their absence in a user story's phase, a label for another story than its
//! phase's, and a label naming no story of its own feature that resolves to another feature's
//! story instead. A label naming no story anywhere is
//! `unresolved-reference`.

use crate::analysis::diagnostics::{Related, Severity};
use crate::analysis::resolve::{Resolution, resolve};
use crate::analysis::rules::{Context, Emitter, Rule};

use super::tasks::{self, Phase, Phases};
use super::text;

pub const RULE: Rule = Rule {
    code: "speckit/story-label",
    severity: Severity::Warning,
    summary: "a task's `[USn]` label is missing, forbidden or wrong for its phase, or names another feature's story",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    if !super::is_kind(cx, super::TASKS) {
        return;
    }
    let doc = cx.doc;
    let model = &doc.model;
    let phases = Phases::new(model);
    for clause in model.clauses.iter().filter(|c| c.kind == "task") {
        let line = text::line_at(doc, clause.id_range.start);
        let Some(task) = tasks::parse(&line) else { continue };
        if task.id.as_ref() != Some(&clause.id_range) {
            continue;
        }
        match phases.at(model, clause.id_range.start) {
            Phase::Shared(phase) => {
                for label in task.stories() {
                    out.emit(
                        label.range.clone(),
                        format!(
                            "Tasks of the {phase} phase serve every story and carry no story label; remove `{}` or move `{}` to its story's phase",
                            &doc.text[label.range.clone()],
                            clause.id
                        ),
                    );
                }
            }
            Phase::Story(number) if task.stories().next().is_none() => {
                let label = number.map_or_else(|| "[USn]".to_string(), |n| format!("[US{n}]"));
                out.emit(
                    clause.id_range.clone(),
                    format!(
                        "Task `{}` is in a user story's phase but has no story label; add `{label}` after the ID",
                        clause.id
                    ),
                );
            }
            Phase::Story(Some(number)) => {
                // A label naming several stories was cross-listed on purpose; one naming a story
                // the feature lacks is reported below or by `unresolved-reference`.
                let misplaced =
                    |l: &&tasks::Label| !l.combined && l.story != Some(number) && defined_here(cx, l.range.clone());
                for label in task.stories().filter(misplaced) {
                    out.emit(
                        label.range.clone(),
                        format!(
                            "Task `{}` is labelled `{}` but sits in the phase of User Story {number}; move it to its story's phase or fix the label",
                            clause.id,
                            &doc.text[label.range.clone()]
                        ),
                    );
                }
            }
            _ => {}
        }
        for label in task.stories() {
            other_features_story(cx, out, label.range.clone());
        }
    }
}

/// The feature defines the story a `[USn]` label names.
fn defined_here(cx: &Context, label: std::ops::Range<usize>) -> bool {
    let model = &cx.doc.model;
    let key = label.start + 1..label.end - 1;
    let scope = cx.index.scope_id(model.scope.as_deref());
    model.references.iter().find(|r| r.range == key).is_some_and(|r| {
        scope != crate::analysis::index::ScopeId::NONE && !cx.index.definitions_in(r.namespace, scope, &r.id).is_empty()
    })
}

/// A `[USn]` that the feature's own spec does not define, resolved to the one other feature that
/// does (resolution falls back to the workspace when the feature has no such story).
fn other_features_story(cx: &Context, out: &mut Emitter, label: std::ops::Range<usize>) {
    let model = &cx.doc.model;
    if model.scope.is_none() {
        return;
    }
    let key = label.start + 1..label.end - 1;
    let Some(reference) = model.references.iter().find(|r| r.range == key) else { return };
    let scope = cx.index.scope_id(model.scope.as_deref());
    // The common case, the feature defines the story, needs no resolution.
    if !cx.index.definitions_in(reference.namespace, scope, &reference.id).is_empty() {
        return;
    }
    let Resolution::Resolved(loc) = resolve(cx.index, model, reference) else { return };
    if loc.scope == scope {
        return;
    }
    let Some((doc, story)) = cx.index.clause(&loc) else { return };
    let folder =
        doc.model.scope.as_deref().map_or_else(|| cx.index.relative(&doc.model.path), |s| cx.index.relative(s));
    out.emit_related(
        label,
        format!(
            "This feature's spec defines no user story `{}`; the label points at a story of `{folder}`. Add the story to this feature's spec.md or fix the label",
            reference.id
        ),
        vec![Related { path: doc.model.path.clone(), range: story.id_range.clone(), message: "the story it resolves to".into() }],
    );
}

/// Verifies specs/002-diagnostics/spec.md FR-003 (the Spec Kit checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    const SPEC: &str = "# Feature Specification: A\n\n## User Scenarios & Testing\n\n\
        ### User Story 1 - Sign in (Priority: P1)\n\n### User Story 2 - Sign out (Priority: P2)\n";

    fn diagnose(files: &[(&str, &str)]) -> Vec<String> {
        check_files(files).into_iter().filter(|d| d.contains("speckit/story-label")).collect()
    }

    #[test]
    fn labels_follow_the_phase() {
        let tasks = "# Tasks: A\n\n## Phase 1: Setup (Shared Infrastructure)\n\n\
            - [ ] T001 [US1] Create project in src/\n- [ ] T002 [P] Lint config in .lint.toml\n\n\
            ## Phase 3: User Story 1 - Sign in (Priority: P1)\n\n### Tests for User Story 1\n\n\
            - [ ] T003 [P] Contract test in tests/a.rs\n- [ ] T004 [P] [US1] Model in src/a.rs\n\
            - [ ] T008 [US2] Misplaced in src/d.rs\n- [ ] T009 [US1+US2] Both in src/e.rs\n\n\
            ## Phase 4: User Story 1 & 2 - Both\n\n- [ ] T005 Shared in src/b.rs\n\n\
            ## Phase 5: Event operations (Cross-cutting)\n\n- [ ] T006 Ops in src/c.rs\n\n\
            ## Phase 6: Polish & Cross-Cutting Concerns\n\n- [ ] T007 [P] [US2] Docs in docs/a.md\n";
        let found = diagnose(&[("specs/001-a/spec.md", SPEC), ("specs/001-a/tasks.md", tasks)]);
        assert_eq!(found.len(), 5, "{found:#?}");
        assert!(
            found[0].contains("tasks.md:5:12 ") && found[0].contains("Setup phase") && found[0].contains("`[US1]`")
        );
        assert!(found[1].contains("tasks.md:12:7 ") && found[1].contains("add `[US1]`"));
        assert!(
            found[2].contains("tasks.md:14:12 ")
                && found[2].contains("labelled `[US2]` but sits in the phase of User Story 1")
        );
        assert!(found[3].contains("tasks.md:19:7 ") && found[3].contains("add `[USn]`"));
        assert!(found[4].contains("tasks.md:27:16 ") && found[4].contains("Polish phase"));
    }

    #[test]
    fn legacy_task_lists_without_story_phases_are_quiet() {
        let tasks = "# Tasks: A\n\n## Phase 3.1: Setup\n- [ ] T001 Create project in src/\n\
            ## Phase 3.2: Tests First (TDD)\n- [ ] T002 [P] Contract test in tests/a.rs\n";
        assert_eq!(diagnose(&[("specs/001-a/spec.md", SPEC), ("specs/001-a/tasks.md", tasks)]), Vec::<String>::new());
    }

    #[test]
    fn a_label_resolving_to_another_features_story_is_reported() {
        let tasks = "# Tasks: B\n\n## Phase 3: User Story 2 - X\n\n- [ ] T001 [US2] X in src/x.rs\n";
        let spec_b = "# Feature Specification: B\n\n### User Story 1 - Export (Priority: P1)\n";
        let files = [("specs/001-a/spec.md", SPEC), ("specs/002-b/spec.md", spec_b), ("specs/002-b/tasks.md", tasks)];
        let found = diagnose(&files);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].contains("tasks.md:5:12 ") && found[0].contains("of `specs/001-a`"), "{found:#?}");
    }

    #[test]
    fn a_label_naming_no_story_is_an_unresolved_reference() {
        let tasks = "# Tasks: A\n\n## Phase 3: User Story 3 - X\n\n- [ ] T001 [US3] X in src/x.rs\n";
        let found: Vec<String> = check_files(&[("specs/001-a/spec.md", SPEC), ("specs/001-a/tasks.md", tasks)])
            .into_iter()
            .filter(|d| d.starts_with("specs/001-a/tasks.md"))
            .collect();
        assert_eq!(
            found,
            [
                "specs/001-a/tasks.md:5:13 unresolved-reference No user story `US3` is defined in this feature; define it or fix the reference"
            ]
        );
    }
}
