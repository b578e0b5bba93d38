//! `speckit/task-format`: a task line in one of the wrong shapes the Spec Kit task template lists
//! (no task ID, no checkbox, a label before the ID, no description).

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::tasks;
use super::text;

pub const RULE: Rule = Rule {
    code: "speckit/task-format",
    severity: Severity::Error,
    summary: "a task line is not `- [ ] T012 [P] [US1] description`",
    check,
};

const SHAPE: &str = "`- [ ] T012 [P] [US1] Description with file path`";

fn check(cx: &Context, out: &mut Emitter) {
    if !super::is_kind(cx, super::TASKS) {
        return;
    }
    let doc = cx.doc;
    let model = &doc.model;
    for line in text::lines(doc, 0..doc.text.len()) {
        let Some(task) = tasks::parse(&line) else { continue };
        let in_phase = in_any_phase(model, line.start);
        let Some(id) = task.id.clone() else {
            // A checkbox item without an ID: anywhere when it carries a label, else a top-level
            // item of a phase (nested items are sub-steps of a task).
            let Some(checkbox) = task.checkbox.clone() else { continue };
            if task.labels.is_empty() && !(in_phase && task.is_top_level()) {
                continue;
            }
            let range = checkbox.start..line.trimmed().end;
            let rest = &doc.text[task.description.clone()];
            let short = rest.strip_prefix('T').map(|r| r.bytes().take_while(u8::is_ascii_digit).count()).unwrap_or(0);
            if (1..3).contains(&short) {
                let written = &rest[..1 + short];
                out.emit(
                    range,
                    format!("`{written}` is not a task ID: write `T` and at least three digits, as in {SHAPE}"),
                );
            } else {
                out.emit(range, format!("This task has no ID; start it with the next free ID, as in {SHAPE}"));
            }
            continue;
        };
        let id_text = &doc.text[id.clone()];
        if let Some(label) = task.labels.iter().find(|l| l.before_id) {
            let label_text = &doc.text[label.range.clone()];
            out.emit(
                label.range.start..id.end,
                format!("`{label_text}` is written before the task ID; write the ID first, as in {SHAPE}"),
            );
            continue;
        }
        if task.checkbox.is_none() {
            // `T001 [US1] Create model`, or a list item `- T001 Create model`; a line that only
            // mentions tasks (`- T007 + T009 (independent)`) is not one.
            let rest = &doc.text[task.description.clone()];
            let looks_like_task = !task.labels.is_empty()
                || (task.bullet.is_some()
                    && rest.starts_with(|c: char| c.is_uppercase())
                    && !rest.split(|c: char| !c.is_alphanumeric()).any(|w| tasks::task_id_len(w) == Some(w.len())));
            if in_phase && task.is_top_level() && looks_like_task {
                out.emit(id, format!("Task `{id_text}` has no checkbox; write it as `- [ ] {id_text} …`"));
            }
            continue;
        }
        if task.description.is_empty() {
            out.emit(
                id,
                format!("Task `{id_text}` has no description; say what to do and in which file, as in {SHAPE}"),
            );
        }
    }
}

/// Inside a `Phase N: …` section of any kind (`Phase 10: Event Creator Operations`).
fn in_any_phase(model: &crate::model::DocModel, offset: usize) -> bool {
    let sections = &model.sections;
    let mut index = sections.partition_point(|s| s.heading.start <= offset).checked_sub(1);
    while let Some(i) = index {
        if sections[i].range.contains(&offset) && sections[i].title.starts_with("Phase ") {
            return sections[i].title[6..].starts_with(|c: char| c.is_ascii_digit());
        }
        index = sections[i].parent;
    }
    false
}

/// Verifies specs/002-diagnostics/spec.md FR-003 (the Spec Kit checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    fn diagnose(tasks: &str) -> Vec<String> {
        let spec = "# Feature Specification: A\n\n### User Story 1 - A (Priority: P1)\n";
        check_files(&[("specs/001-a/spec.md", spec), ("specs/001-a/tasks.md", tasks)])
            .into_iter()
            .filter(|d| d.contains("speckit/task-format"))
            .collect()
    }

    #[test]
    fn the_documented_wrong_shapes_are_reported() {
        let tasks = "# Tasks: A\n\n## Phase 3: User Story 1 - A (Priority: P1)\n\n\
            - [ ] Create User model\n\
            T002 [US1] Create model in src/a.py\n\
            - [ ] [US1] Create User model in src/a.py\n\
            - [ ] [US1] T004 Create model in src/a.py\n\
            - [ ] T005 [US1]\n\
            - [ ] T6 Create model in src/a.py\n\
            - [ ] T007 [P] [US1] Create model in src/models/user.py\n";
        let found = diagnose(tasks);
        assert_eq!(found.len(), 6, "{found:#?}");
        assert!(found[0].starts_with("specs/001-a/tasks.md:5:3 ") && found[0].contains("has no ID"));
        assert!(found[1].starts_with("specs/001-a/tasks.md:6:1 ") && found[1].contains("`T002` has no checkbox"));
        assert!(found[2].contains(":7:3 ") && found[2].contains("has no ID"));
        assert!(found[3].contains(":8:7 ") && found[3].contains("`[US1]` is written before the task ID"));
        assert!(found[4].contains(":9:7 ") && found[4].contains("`T005` has no description"));
        assert!(found[5].contains(":10:3 ") && found[5].contains("`T6` is not a task ID"));
        // The misshapen tasks still define their IDs: one diagnostic per mistake.
        let spec = "# Feature Specification: A\n\n### User Story 1 - A (Priority: P1)\n";
        let all = check_files(&[
            ("specs/001-a/spec.md", spec),
            ("specs/001-a/tasks.md", &format!("{tasks}\nSee T002 and T004.\n")),
        ]);
        assert!(!all.iter().any(|d| d.contains("unresolved-reference") || d.contains("duplicate-id")), "{all:#?}");
    }

    #[test]
    fn notes_sub_steps_and_code_are_not_tasks() {
        let tasks = "---\ndescription: \"- [ ] Create\"\n---\n# Tasks: A\n\n## Phase 1: Setup\n\n\
            - [ ] T001 Create project in src/\n  - [ ] check the linter config\n\n\
            ```text\n- [ ] Create User model\nT002 [US1] Create model\n```\n\n\
            <!-- - [ ] Create User model -->\n\n\
            ## Dependencies & Execution Order\n\n\
            - T007 + T009 (auth config + db client — independent)\n\
            - [ ] Review the plan\n\
            T003 (migration) → sequential\n\n\
            ## Notes\n\n- [P] tasks = different files, no dependencies\n";
        assert_eq!(diagnose(tasks), Vec::<String>::new());
    }

    #[test]
    fn a_phase_line_that_mentions_tasks_is_not_a_task() {
        let tasks = "# Tasks: A\n\n## Phase 2: Foundational\n\n- T007 and T008 can run in parallel\n\
            - T009 + T010 (independent)\nT011 — EventMap component\n";
        assert_eq!(diagnose(tasks), Vec::<String>::new());
    }
}
