//! `kiro/task-group`: a sub-task whose number does not belong to the task it follows (`2.1`
//! under `3.`). A sub-task `N.M` belongs to group `N` whatever its indentation, so the group is
//! the last task with one number less. Duplicate task numbers are `duplicate-id`'s.

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::support::{clauses, kind, masked};

pub const RULE: Rule = Rule {
    code: "kiro/task-group",
    severity: Severity::Warning,
    summary: "a Kiro sub-task is numbered for another group than the one it is in",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    if kind(cx) != "kiro.tasks" {
        return;
    }
    // The last task seen at each depth (`3` at depth 1, `3.2` at depth 2, …).
    let mut last: Vec<Vec<u64>> = Vec::new();
    for clause in clauses(cx, "task") {
        let Some(number) = clause.id.split('.').map(|p| p.parse::<u64>().ok()).collect::<Option<Vec<u64>>>() else {
            continue;
        };
        let depth = number.len();
        if depth >= 2
            && let Some(parent) = last.get(depth - 2)
            && !parent.is_empty()
            && parent[..] != number[..depth - 1]
            && !masked(cx, clause.id_range.start)
        {
            let group = join(parent);
            let own = join(&number[..depth - 1]);
            out.emit(
                clause.id_range.clone(),
                format!(
                    "Task `{}` follows task `{group}` but its number puts it under `{own}`; move it there or renumber it `{group}.…`",
                    clause.id
                ),
            );
        }
        last.truncate(depth - 1);
        last.resize(depth - 1, Vec::new());
        last.push(number);
    }
}

fn join(number: &[u64]) -> String {
    number.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-004 (the Kiro checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    #[test]
    fn sub_tasks_follow_their_group_and_duplicates_are_duplicate_id() {
        let text = "# Implementation Plan\n\n- [ ] 1. Set up\n  - [ ] 1.1 Layout\n- [ ] 3. Models\n  - [ ] 2.1 Model\n\
                    - [x] 3.1. Flat sub-task\n  - [ ]* 3.1 Again\n";
        let got: Vec<String> = check_files(&[(".kiro/specs/a/tasks.md", text)])
            .into_iter()
            .filter(|d| d.contains("kiro/task-group") || d.contains("duplicate-id"))
            .collect();
        assert_eq!(got.len(), 3, "{got:#?}");
        assert_eq!(
            got[0],
            ".kiro/specs/a/tasks.md:6:9 kiro/task-group Task `2.1` follows task `3` but its number puts it under `2`; move it there or renumber it `3.…`"
        );
        assert!(got[1].starts_with(".kiro/specs/a/tasks.md:7:7 duplicate-id Task `3.1` is defined 2 times"));
        assert!(got[2].starts_with(".kiro/specs/a/tasks.md:8:10 duplicate-id"));
    }
}
