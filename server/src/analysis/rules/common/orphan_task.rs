//! `orphan-task`: a task linked to no requirement or story where its format expects a link.
//!
//! A task's links are the references in its list item (sub-bullets included) to anything but
//! other tasks. What each format expects:
//! - Spec Kit: tasks in a user-story phase (`## Phase 3: User Story 1 - …`) carry their `[USn]`
//!   label or cite a requirement; Setup, Foundational and Polish tasks need not.
//! - Kiro: when a task list follows the convention (at least half of its leaf tasks cite a
//!   requirement or property), every leaf task does, itself or through its group (`_Requirements:`
//!   under `- [ ] 2.` covers `2.1`); `Checkpoint` tasks need not.
//! - OpenSpec task lists do not cite requirements, so nothing is expected there.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use regex::Regex;

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};
use crate::model::DocModel;

pub const RULE: Rule = Rule {
    code: "orphan-task",
    severity: Severity::Hint,
    summary: "a task that cites no requirement or story where its format expects one",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    let model = &cx.doc.model;
    let tasks: Vec<usize> = (0..model.clauses.len()).filter(|&i| model.clauses[i].kind == "task").collect();
    if tasks.is_empty() {
        return;
    }
    let links = direct_links(model, &tasks);
    match cx.index.grammar.kind(model.kind).format.as_str() {
        "speckit" => {
            for &t in tasks.iter().filter(|&&t| links[t] == 0) {
                if in_story_phase(model, model.clauses[t].id_range.start) {
                    out.emit(
                        model.clauses[t].id_range.clone(),
                        format!(
                            "Task `{}` is in a user-story phase but cites no story or requirement; add its `[USn]` label or the requirement it implements",
                            model.clauses[t].id
                        ),
                    );
                }
            }
        }
        "kiro" => {
            let by_id: HashMap<&str, usize> = tasks.iter().map(|&t| (&*model.clauses[t].id, t)).collect();
            let groups: HashSet<&str> = tasks.iter().flat_map(|&t| group_ids(&model.clauses[t].id)).collect();
            // Leaf tasks that are not checkpoints, with whether they are linked.
            let leaves: Vec<(usize, bool)> = tasks
                .iter()
                .filter(|&&t| {
                    let task = &model.clauses[t];
                    !groups.contains(&*task.id)
                        && !task.title_in(&cx.doc.text).trim_start().to_lowercase().starts_with("checkpoint")
                })
                .map(|&t| {
                    let linked = links[t] > 0
                        || group_ids(&model.clauses[t].id).any(|g| by_id.get(g).is_some_and(|&p| links[p] > 0));
                    (t, linked)
                })
                .collect();
            let linked = leaves.iter().filter(|(_, linked)| *linked).count();
            if linked * 2 < leaves.len() {
                return;
            }
            for &(t, _) in leaves.iter().filter(|(_, linked)| !linked) {
                let task = &model.clauses[t];
                out.emit(
                    task.id_range.clone(),
                    format!(
                        "Task `{}` cites no requirement; add `_Requirements: …_` with the criteria it implements",
                        task.id
                    ),
                );
            }
        }
        _ => {}
    }
}

/// For each clause, how many references to something other than a task sit in it directly
/// (not inside a nested task).
fn direct_links(model: &DocModel, tasks: &[usize]) -> Vec<usize> {
    let mut links = vec![0; model.clauses.len()];
    let range = |k: usize| &model.clauses[tasks[k]].range;
    // The task enclosing each task (positions in `tasks`): list items nest.
    let mut enclosing: Vec<Option<usize>> = Vec::with_capacity(tasks.len());
    let mut open: Vec<usize> = Vec::new();
    for k in 0..tasks.len() {
        while open.last().is_some_and(|&o| range(o).end <= range(k).start) {
            open.pop();
        }
        enclosing.push(open.last().copied());
        open.push(k);
    }
    let task_namespace = model.clauses[tasks[0]].namespace;
    for reference in model.references.iter().filter(|r| r.namespace != task_namespace) {
        let at = reference.range.start;
        // The nearest task starting before the reference, or the nearest of its enclosing tasks,
        // that still contains it is the innermost.
        let mut k = tasks.partition_point(|&t| model.clauses[t].range.start <= at).checked_sub(1);
        while let Some(i) = k {
            if range(i).end > at {
                links[tasks[i]] += 1;
                break;
            }
            k = enclosing[i];
        }
    }
    links
}

/// `2.1.3` → `2.1`, `2`.
fn group_ids(id: &str) -> impl Iterator<Item = &str> {
    id.char_indices().rev().filter(|&(_, c)| c == '.').map(move |(i, _)| &id[..i])
}

/// Whether the sections enclosing `offset` include one named after a user story.
fn in_story_phase(model: &DocModel, offset: usize) -> bool {
    static STORY: OnceLock<Regex> = OnceLock::new();
    let story = STORY.get_or_init(|| Regex::new(r"(?i)\buser\s+stor(?:y|ies)\s+\d+|\bUS-?\d+\b").expect("valid regex"));
    let before = model.sections.partition_point(|s| s.heading.start <= offset);
    let Some(mut section) = model.sections[..before].iter().rposition(|s| s.range.end > offset) else {
        return false;
    };
    loop {
        if story.is_match(&model.sections[section].title) {
            return true;
        }
        match model.sections[section].parent {
            Some(parent) => section = parent,
            None => return false,
        }
    }
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-006 (the cross-format rules).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::rules::check_files;

    fn orphans(path: &str, text: &str) -> Vec<String> {
        check_files(&[(path, text)])
            .into_iter()
            .filter(|d| d.contains("orphan-task"))
            .map(|d| d.split(" orphan-task ").next().unwrap_or_default().to_string())
            .collect()
    }

    #[test]
    fn speckit_story_phase_tasks_need_a_story_or_requirement() {
        let text = "# Tasks: A\n\n## Phase 1: Setup\n\n- [ ] T001 Create project\n\n## Phase 3: User Story 1 - Sign in (Priority: P1)\n\n### Implementation for User Story 1\n\n- [ ] T002 [US1] Form in src/a.rs\n- [ ] T003 [P] Model in src/b.rs\n- [ ] T004 Handler in src/c.rs per FR-002\n- [ ] T005 Wire up, after T003\n  - see US1/AC1\n\n## Phase 4: Polish\n\n- [ ] T006 Docs\n";
        assert_eq!(orphans("specs/001-a/tasks.md", text), vec!["specs/001-a/tasks.md:12:7"]);
    }

    #[test]
    fn kiro_leaf_tasks_need_requirements_themselves_or_through_their_group() {
        let text = "# Implementation Plan\n\n- [ ] 1. Set up\n  - _Requirements: 1.1_\n\n- [ ] 2. Models\n  - [ ] 2.1 Interfaces\n    - _Requirements: 2.1_\n  - [ ] 2.2 Validation\n\n- [ ] 3. Storage\n  - _Requirements: 3.1_\n  - [ ] 3.1 Tables\n\n- [ ] 4. Checkpoint - Ensure all tests pass\n";
        assert_eq!(orphans(".kiro/specs/a/tasks.md", text), vec![".kiro/specs/a/tasks.md:9:9"]);
        let few = "# Implementation Plan\n\n- [ ] 1. Set up\n  - _Requirements: 1.1_\n- [ ] 2. Build\n- [ ] 3. Test\n";
        assert!(orphans(".kiro/specs/a/tasks.md", few).is_empty(), "a list that seldom cites has no convention");
    }

    #[test]
    fn group_ids_walk_up() {
        assert_eq!(group_ids("2.1.3").collect::<Vec<_>>(), vec!["2.1", "2"]);
        assert_eq!(group_ids("2").count(), 0);
    }
}
