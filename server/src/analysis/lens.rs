//! Code lenses: above each requirement-like clause, how it is covered (`2 tasks · 1 code ·
//! 1 test`); above each task, what it satisfies (`satisfies US1, FR-002`). Each lens carries the
//! places a click lists.

use std::ops::Range;
use std::path::Path;

use crate::model::{Clause, Reference};

use super::index::{ClauseLoc, RefLoc, WorkspaceIndex};
use super::navigate::{
    Location, clause_location, coverage, display_key, reference_location, references_to, resolve_ref,
};
use super::test_state;

/// Clause kinds that nothing implements or verifies: checklist items check the spec itself, and
/// principles govern every feature. They get no coverage lens.
const NOT_COVERED: [&str; 2] = ["checklist-item", "principle"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lens {
    /// The clause's key, where the lens sits.
    pub range: Range<usize>,
    pub title: String,
    /// What a click lists: the mentions of a covered clause, the clauses a task cites (their
    /// `selection` is the place to show).
    pub targets: Vec<Location>,
}

/// The lenses of a document: none in code files, which define no clauses.
pub fn lenses(index: &WorkspaceIndex, path: &Path) -> Vec<Lens> {
    let Some(id) = index.doc_id(path) else { return Vec::new() };
    let Some(doc) = index.doc_by_id(id) else { return Vec::new() };
    let model = &doc.model;
    let scope = index.scope_id(model.scope.as_deref());
    let cited = cited_by_task(&model.clauses, &model.references);
    let links = (!index.results.runs.is_empty()).then(|| test_state::link(index));
    model
        .clauses
        .iter()
        .enumerate()
        .filter_map(|(i, clause)| {
            let loc = ClauseLoc { doc: id, index: i as u32, scope, global: clause.global };
            if clause.kind == "task" {
                satisfies(index, loc, clause, &cited[i])
            } else if NOT_COVERED.contains(&clause.kind.as_str()) {
                None
            } else {
                Some(covered(index, loc, clause, links.as_ref()))
            }
        })
        .collect()
}

/// The coverage lens, with the clause's test state and the results' age when there are results.
fn covered(index: &WorkspaceIndex, loc: ClauseLoc, clause: &Clause, links: Option<&test_state::Links>) -> Lens {
    let coverage = coverage(index, loc);
    let mut title = coverage.summary();
    if let Some(links) = links {
        let status = test_state::status(index, links, loc);
        title.push_str(&format!(" · {}", test_state::summary(&status, std::time::SystemTime::now())));
    }
    let mut targets: Vec<Location> =
        references_to(index, loc).iter().filter_map(|r| reference_location(index, r)).collect();
    targets.sort_by(|a, b| (&a.path, a.range.start).cmp(&(&b.path, b.range.start)));
    Lens { range: clause.id_range.clone(), title, targets }
}

/// The clauses a task's own text cites, from the indices of its references; no lens when it
/// cites none. Other tasks (`depends on T003`) are not what it satisfies.
fn satisfies(index: &WorkspaceIndex, task: ClauseLoc, clause: &Clause, references: &[usize]) -> Option<Lens> {
    let mut keys: Vec<String> = Vec::new();
    let mut targets: Vec<Location> = Vec::new();
    for &r in references {
        for target in resolve_ref(index, &RefLoc { doc: task.doc, index: r as u32 }).candidates() {
            let Some((_, cited)) = index.clause(&target) else { continue };
            if cited.kind == "task" {
                continue;
            }
            if let Some(location) = clause_location(index, &target)
                && !targets.contains(&location)
            {
                targets.push(location);
            }
            let key = display_key(cited);
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    (!keys.is_empty()).then(|| Lens {
        range: clause.id_range.clone(),
        title: format!("satisfies {}", keys.join(", ")),
        targets,
    })
}

/// For each clause, the references written in it as a task (not in its sub-tasks), in text
/// order. Clauses are in document order, so an enclosing task comes before the sub-tasks it
/// holds, and the innermost task around a reference is the last one that contains it.
fn cited_by_task(clauses: &[Clause], references: &[Reference]) -> Vec<Vec<usize>> {
    let mut cited = vec![Vec::new(); clauses.len()];
    for (r, reference) in references.iter().enumerate() {
        let range = &reference.range;
        let before = clauses.partition_point(|c| c.range.start <= range.start);
        if let Some(task) = clauses[..before].iter().rposition(|c| c.kind == "task" && range.end <= c.range.end) {
            cited[task].push(r);
        }
    }
    // Grammar rules find mentions rule by rule; a lens reads them in text order.
    for list in &mut cited {
        list.sort_by_key(|&r| references[r].range.start);
    }
    cited
}

/// `1 task`, `2 tasks`.
/// Verifies specs/003-navigation/spec.md FR-015.
#[cfg(test)]
mod tests {

    use super::*;
    use crate::analysis::index::test_workspace as workspace;

    /// `key: title -> relative:selection, …` per lens.
    fn show(index: &WorkspaceIndex, relative: &str) -> Vec<String> {
        let path = Path::new("/ws").join(relative);
        let text = index.doc(&path).unwrap().text.clone();
        lenses(index, &path)
            .iter()
            .map(|lens| {
                let targets: Vec<String> = lens
                    .targets
                    .iter()
                    .map(|l| {
                        let doc = index.doc(&l.path).unwrap();
                        format!("{}:{}", index.relative(&l.path), &doc.text[l.selection.clone()])
                    })
                    .collect();
                format!("{}: {} -> {}", &text[lens.range.clone()], lens.title, targets.join(", "))
            })
            .collect()
    }

    const SPEC: &str = "# Feature Specification: Notes\n\n## User Scenarios & Testing\n\n### User Story 1 - Write a note (Priority: P1)\n\nA user writes notes.\n\n## Requirements\n\n- **FR-001**: System MUST keep notes.\n- **FR-002**: System MUST sync notes.\n- **SC-001**: Saving takes a second.\n";
    const TASKS: &str = "# Tasks: Notes\n\n## Phase 3: User Story 1\n\n- [ ] T001 [US1] Save notes in src/notes.rs per FR-001\n- [ ] T002 [US1] Sync after T001 per FR-002 and FR-001\n- [ ] T003 Write the README\n";
    const CHECKLIST: &str = "# Checklist: Notes\n\n- [ ] CHK001 Is FR-001 measurable?\n";

    fn fixture() -> WorkspaceIndex {
        workspace(&[
            ("specs/001-notes/spec.md", SPEC),
            ("specs/001-notes/tasks.md", TASKS),
            ("specs/001-notes/checklists/review.md", CHECKLIST),
            ("src/notes.rs", "//! specs/001-notes/spec.md\n\n// Implements: FR-001\nfn save() {}\n"),
            ("tests/notes_test.rs", "// specs/001-notes/spec.md\n\n#[test]\nfn fr_001_keeps_notes() {}\n"),
        ])
    }

    #[test]
    fn requirements_show_their_coverage_and_list_every_mention() {
        let index = fixture();
        assert_eq!(
            show(&index, "specs/001-notes/spec.md"),
            [
                "User Story 1: 2 tasks · 0 code · 0 tests -> specs/001-notes/tasks.md:US1, specs/001-notes/tasks.md:US1",
                "FR-001: 2 tasks · 1 code · 1 test -> specs/001-notes/checklists/review.md:FR-001, \
                 specs/001-notes/tasks.md:FR-001, specs/001-notes/tasks.md:FR-001, src/notes.rs:FR-001, \
                 tests/notes_test.rs:fr_001",
                "FR-002: 1 task · 0 code · 0 tests -> specs/001-notes/tasks.md:FR-002",
                "SC-001: 0 tasks · 0 code · 0 tests -> ",
            ]
        );
    }

    #[test]
    fn tasks_show_what_they_satisfy_and_tasks_citing_nothing_show_nothing() {
        let index = fixture();
        assert_eq!(
            show(&index, "specs/001-notes/tasks.md"),
            [
                "T001: satisfies US1, FR-001 -> specs/001-notes/spec.md:User Story 1, specs/001-notes/spec.md:FR-001",
                "T002: satisfies US1, FR-002, FR-001 -> specs/001-notes/spec.md:User Story 1, \
                 specs/001-notes/spec.md:FR-002, specs/001-notes/spec.md:FR-001",
            ]
        );
    }

    #[test]
    fn checklists_and_code_files_get_no_lens() {
        let index = fixture();
        assert!(show(&index, "specs/001-notes/checklists/review.md").is_empty());
        assert!(show(&index, "src/notes.rs").is_empty());
    }

    #[test]
    fn a_kiro_parent_task_satisfies_only_what_its_own_text_cites() {
        let requirements = "# Requirements Document\n\n## Requirements\n\n### Requirement 1: Notes\n\n#### Acceptance Criteria\n\n1. WHEN a user saves THEN THE Service SHALL keep the note\n2. WHEN offline THEN THE Service SHALL queue\n";
        let tasks = "# Implementation Plan\n\n- [ ] 1. Notes\n  - [ ] 1.1 Save\n    - _Requirements: 1.1_\n  - [ ] 1.2 Queue\n    - _Requirements: 1.2_\n";
        let index =
            workspace(&[(".kiro/specs/notes/requirements.md", requirements), (".kiro/specs/notes/tasks.md", tasks)]);
        assert_eq!(
            show(&index, ".kiro/specs/notes/tasks.md"),
            [
                "1.1: satisfies Criterion 1.1 -> .kiro/specs/notes/requirements.md:1.",
                "1.2: satisfies Criterion 1.2 -> .kiro/specs/notes/requirements.md:2.",
            ]
        );
        assert_eq!(
            show(&index, ".kiro/specs/notes/requirements.md")[1],
            "1.: 1 task · 0 code · 0 tests -> .kiro/specs/notes/tasks.md:1.1"
        );
    }
}
