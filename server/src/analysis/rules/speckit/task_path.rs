//! `speckit/task-path`: a task whose description names no file. The task template asks for
//! "Description with file path"; run and verify tasks legitimately have none, hence information.

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::tasks;
use super::text;

pub const RULE: Rule = Rule {
    code: "speckit/task-path",
    severity: Severity::Information,
    summary: "a task's description names no file path",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    if !super::is_kind(cx, super::TASKS) {
        return;
    }
    let doc = cx.doc;
    for clause in doc.model.clauses.iter().filter(|c| c.kind == "task") {
        let line = text::line_at(doc, clause.id_range.start);
        let Some(task) = tasks::parse(&line) else { continue };
        if task.id.as_ref() != Some(&clause.id_range) || task.description.is_empty() {
            continue;
        }
        if !names_a_path(&doc.text[task.description.clone()]) {
            out.emit(
                clause.id_range.clone(),
                format!(
                    "Task `{}` names no file; the task format asks for the path of the file it changes, such as `src/models/user.py`",
                    clause.id
                ),
            );
        }
    }
}

/// A token with a `/` (`src/auth/`, `.github/workflows/ci.yml`), a file name with an extension
/// (`Cargo.toml`), or a code span (`` `npm run test` `` names what to run).
fn names_a_path(description: &str) -> bool {
    if description.contains('`') {
        return true;
    }
    description.split_whitespace().any(|token| {
        let token = token.trim_matches(|c: char| matches!(c, '(' | ')' | ',' | ';' | ':' | '"' | '\'' | '*'));
        let token = token.trim_end_matches('.');
        if token.len() > 1 && token.contains('/') {
            return true;
        }
        token.rsplit_once('.').is_some_and(|(stem, ext)| {
            !stem.is_empty()
                && (1..=8).contains(&ext.len())
                && ext.bytes().all(|b| b.is_ascii_alphanumeric())
                && ext.bytes().any(|b| b.is_ascii_alphabetic())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::names_a_path;
    use crate::analysis::rules::check_files;

    #[test]
    fn paths_file_names_and_code_count() {
        assert!(names_a_path("Create model in src/models/user.py"));
        assert!(names_a_path("Configure linting in Cargo.toml."));
        assert!(names_a_path("Run `npm run test`"));
        assert!(names_a_path("Write the workflow (.github/workflows/ci.yml)"));
        assert!(!names_a_path("Add loading states to EventsListPage and EventDetailPage"));
        assert!(!names_a_path("Verify all 339 tests pass. Then ship v1.2"));
        assert!(!names_a_path("Handle 3.5 second timeouts"));
    }

    #[test]
    fn a_task_without_a_file_is_reported_as_information() {
        let tasks = "# Tasks: A\n\n## Phase 1: Setup\n\n- [ ] T001 Create the project in src/lib.rs\n\
            - [ ] T002 Add loading states to EventsListPage\n- [ ] T003\n";
        let found: Vec<String> = check_files(&[("specs/001-a/tasks.md", tasks)])
            .into_iter()
            .filter(|d| d.contains("speckit/task-path"))
            .collect();
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].starts_with("specs/001-a/tasks.md:6:7 ") && found[0].contains("`T002` names no file"));
    }
}
