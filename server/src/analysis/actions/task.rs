//! Task actions: a task to fix a failing clause, appended to the feature's task file with the
//! next free task ID (completion's numbering), and ticking or unticking a task's checkbox.

use std::ops::Range;

use regex::Regex;

use crate::analysis::complete::next_free_key;
use crate::analysis::diagnostics::Diagnostic;
use crate::analysis::index::{IndexedDoc, WorkspaceIndex};
use crate::model::{self, Clause};

use super::gap::Failing;
use super::{Action, ActionKind, Appended, FileEdit, after_last_line, append_block, feature_dir, fill, format_of};

/// Add a task: `task_file` beside the spec gets the format's task line citing the clause, under a
/// convergence phase when the format has one. Not offered when a task already names the test and
/// the clause.
pub(super) fn add(index: &WorkspaceIndex, doc: &IndexedDoc, f: &Failing, diagnostic: &Diagnostic) -> Option<Action> {
    let format = format_of(index, doc)?;
    let path = feature_dir(doc).join(&format.task_file);
    let relative = index.relative(&path);
    // A task file that does not exist yet is modelled from the first line it will have.
    let title_line = format!("# Tasks: {}", feature_dir(doc).file_name()?.to_string_lossy());
    let blank;
    let tasks = match index.doc(&path) {
        Some(tasks) => tasks,
        None => {
            let text = format!("{title_line}\n");
            let modelled = model::from_text(&index.grammar, &path, &relative, &text);
            blank = IndexedDoc::new(modelled, text.into());
            &blank
        }
    };
    if tasks.text.lines().any(|l| l.contains(&f.test) && l.contains(&*f.clause.id)) {
        return None;
    }
    let namespace =
        index.grammar.kind(tasks.model.kind).next_id_rules.first().map(|&i| index.grammar.next_id_rules[i].namespace);
    let key = match namespace {
        Some(namespace) => next_free_key(index, tasks, namespace, None)?,
        None => next_in_group(&tasks.model.clauses)?,
    };
    let file = f.file.as_deref().unwrap_or("the tests");
    let line = fill(&format.task, &[("key", &key), ("test", &f.test), ("file", file), ("clause", &f.clause.id)]);
    let title = format!("Add task {key} to fix `{}` ({} fails)", f.clause.id, f.test);
    let action = Action::fix(title, diagnostic);
    if index.doc(&path).is_none() {
        let block = match &format.task_section {
            Some(section) => format!("{}\n\n{line}", fill(section, &[("phase", "1")])),
            None => line,
        };
        return Some(action.append(append_block(index, &path, &block, Some(&title_line))));
    }
    let text: &str = &tasks.text;
    let phase = |pattern: &Option<String>| pattern.as_deref().and_then(|p| Regex::new(p).ok());
    let block = match (&format.task_section, phase(&format.task_phase), phase(&format.phase_number)) {
        (Some(section), Some(convergence), Some(number)) => {
            let last = tasks.model.sections.iter().rfind(|s| s.level == 2);
            if last.is_some_and(|s| convergence.is_match(&s.title)) {
                // Converge appends to its own phase at the end of the file.
                let end = after_last_line(text, &(0..text.len()));
                return Some(action.append(Appended {
                    edit: FileEdit { path: path.clone(), range: end..end, new_text: format!("\n{line}") },
                    create: false,
                }));
            }
            let highest = tasks
                .model
                .sections
                .iter()
                .filter_map(|s| number.captures(&s.title)?.get(1)?.as_str().parse::<u32>().ok())
                .max()
                .unwrap_or(0);
            format!("{}\n\n{line}", fill(section, &[("phase", &(highest + 1).to_string())]))
        }
        _ => {
            // Formats without a convergence phase: the task joins the last list of the file.
            let end = after_last_line(text, &(0..text.len()));
            return Some(action.append(Appended {
                edit: FileEdit { path: path.clone(), range: end..end, new_text: format!("\n{line}") },
                create: false,
            }));
        }
    };
    Some(action.append(append_block(index, &path, &block, None)))
}

/// The key after the last task of a file numbered `group.n` (OpenSpec): `2.3` → `2.4`.
fn next_in_group(clauses: &[Clause]) -> Option<String> {
    let last = clauses.iter().rev().find(|c| c.kind == "task")?;
    let (group, n) = last.id.rsplit_once('.').unwrap_or(("", &last.id));
    let n: u64 = n.parse().ok()?;
    Some(if group.is_empty() { (n + 1).to_string() } else { format!("{group}.{}", n + 1) })
}

/// Tick or untick the checkbox of each task whose line touches `range` (source actions).
pub(super) fn toggles(doc: &IndexedDoc, range: Range<usize>, out: &mut Vec<Action>) {
    let text: &str = &doc.text;
    for clause in doc.model.clauses.iter().filter(|c| c.kind == "task") {
        let start = super::line_start(text, clause.id_range.start);
        let end = super::line_end(text, clause.id_range.start);
        if range.start > end || range.end < start {
            continue;
        }
        let Some(open) = text[start..clause.id_range.start].find('[') else { continue };
        let box_at = start + open + 1;
        let (mark, done) = match text.as_bytes().get(box_at..box_at + 2) {
            Some([b' ', b']']) => ("x", true),
            Some([b'x' | b'X', b']']) => (" ", false),
            _ => continue,
        };
        let title = format!("Mark task {} {}", clause.id, if done { "done" } else { "not done" });
        out.push(Action {
            title,
            kind: ActionKind::Source,
            fixes: None,
            create: Vec::new(),
            edits: vec![FileEdit { path: doc.model.path.clone(), range: box_at..box_at + 1, new_text: mark.into() }],
            open: None,
        });
    }
}

/// Verifies specs/005-test-results/spec.md FR-014, FR-025.
#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use crate::analysis::actions::testing::applied;
    use crate::analysis::actions::{Action, code_actions};
    use crate::analysis::index::{WorkspaceIndex, test_workspace};
    use crate::analysis::test_state::TestResults;
    use crate::model::results::parse;

    const JUNIT: &str = r#"<testsuites><testsuite name="calc"><testcase name="tests::fr_002_subtracts"><failure message="boom"/></testcase></testsuite></testsuites>"#;
    const RUST: &str = "#[cfg(test)]\nmod tests {\n    #[test]\n    fn fr_002_subtracts() {}\n}\n";
    const SPEC: &str = "# Feature Specification: Calc\n\n## Requirements\n\n- **FR-002**: subtract\n";

    fn add_task(tasks: Option<&str>) -> (WorkspaceIndex, Action) {
        let mut files = vec![("specs/001-calc/spec.md", SPEC), ("src/lib.rs", RUST)];
        if let Some(tasks) = tasks {
            files.push(("specs/001-calc/tasks.md", tasks));
        }
        let mut index = test_workspace(&files);
        let run = parse(Path::new("/ws/junit.xml"), JUNIT.as_bytes()).expect("parses");
        index.results = Arc::new(TestResults { runs: vec![run], problems: Vec::new() });
        let at = SPEC.find("FR-002").unwrap();
        let action = code_actions(&index, Path::new("/ws/specs/001-calc/spec.md"), at..at, "2026-01-02")
            .into_iter()
            .find(|a| a.title.starts_with("Add task"))
            .expect("an add-task action");
        (index, action)
    }

    #[test]
    fn a_task_gets_the_next_free_id_in_a_new_convergence_phase() {
        let (index, action) = add_task(Some(
            "# Tasks: Calc\n\n## Phase 1: Setup\n\n- [x] T001 Crate\n\n## Phase 2: Core\n\n- [ ] T007 Sub\n",
        ));
        assert_eq!(action.title, "Add task T008 to fix `FR-002` (tests::fr_002_subtracts fails)");
        assert!(action.create.is_empty());
        assert_eq!(
            applied(&index, &action, "/ws/specs/001-calc/tasks.md"),
            "# Tasks: Calc\n\n## Phase 1: Setup\n\n- [x] T001 Crate\n\n## Phase 2: Core\n\n- [ ] T007 Sub\n\n## Phase 3: Convergence\n\n- [ ] T008 Make tests::fr_002_subtracts pass again in src/lib.rs per FR-002 (partial)\n"
        );
    }

    #[test]
    fn a_task_joins_a_trailing_convergence_phase() {
        let (index, action) =
            add_task(Some("# Tasks: Calc\n\n## Phase 4: Convergence\n\n- [ ] T010 Other per FR-001 (partial)\n"));
        assert_eq!(
            applied(&index, &action, "/ws/specs/001-calc/tasks.md"),
            "# Tasks: Calc\n\n## Phase 4: Convergence\n\n- [ ] T010 Other per FR-001 (partial)\n- [ ] T011 Make tests::fr_002_subtracts pass again in src/lib.rs per FR-002 (partial)\n"
        );
    }

    #[test]
    fn a_missing_task_file_is_created() {
        let (index, action) = add_task(None);
        assert_eq!(action.create, [Path::new("/ws/specs/001-calc/tasks.md")]);
        assert_eq!(
            applied(&index, &action, "/ws/specs/001-calc/tasks.md"),
            "# Tasks: 001-calc\n\n## Phase 1: Convergence\n\n- [ ] T001 Make tests::fr_002_subtracts pass again in src/lib.rs per FR-002 (partial)\n"
        );
    }

    #[test]
    fn a_task_checkbox_toggles_both_ways() {
        let tasks = "# Tasks: Calc\n\n## Phase 1: Setup\n\n- [ ] T001 Crate\n- [x] T002 Lib\n";
        let index = test_workspace(&[("specs/001-calc/tasks.md", tasks)]);
        let path = Path::new("/ws/specs/001-calc/tasks.md");
        let at = tasks.find("Crate").unwrap();
        let actions = code_actions(&index, path, at..tasks.len(), "2026-01-02");
        let titles: Vec<&str> = actions.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(titles, ["Mark task T001 done", "Mark task T002 not done"]);
        assert_eq!(
            applied(&index, &actions[0], "/ws/specs/001-calc/tasks.md").lines().nth(4),
            Some("- [x] T001 Crate")
        );
        assert_eq!(applied(&index, &actions[1], "/ws/specs/001-calc/tasks.md").lines().nth(5), Some("- [ ] T002 Lib"));
    }
}
