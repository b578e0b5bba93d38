//! `openspec/task-group`: a task in a `## N.` group whose number points to another group.
//! Duplicate task numbers are `duplicate-id`'s.

use std::sync::LazyLock;

use regex::Regex;

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::parse::Doc;
use super::support::emit;
use super::tasks::{task_line, tracked};

pub const RULE: Rule = Rule {
    code: "openspec/task-group",
    severity: Severity::Warning,
    summary: "an OpenSpec task's number points to another group than the one it is in",
    check,
};

static LEVEL_TWO: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^ {0,3}##(?:[ \t]+|[ \t]*$)").expect("valid"));
static GROUP: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^ {0,3}##[ \t]+(\d+)\.(?:[ \t]|$)").expect("valid"));
static TASK_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d+(?:\.\d+)+(?:[A-Za-z]+)?)(?:\s|$)").expect("valid"));

fn check(cx: &Context, out: &mut Emitter) {
    if !tracked(cx) {
        return;
    }
    // Upstream reads the raw lines (no fence masking) and only files with a numbered group.
    let doc = Doc::new(&cx.doc.text);
    if !doc.texts.iter().any(|l| GROUP.is_match(l)) {
        return;
    }
    let mut group: Option<String> = None;
    for (i, line) in doc.texts.iter().enumerate() {
        if LEVEL_TWO.is_match(line) {
            group = GROUP.captures(line).map(|c| c[1].to_string());
        }
        let Some(current) = &group else { continue };
        let Some(id) = task_line(line).and_then(|d| TASK_ID.captures(d)).map(|c| c[1].to_string()) else { continue };
        let leading = id.split('.').next().unwrap_or("");
        let unpadded = |s: &str| match s.trim_start_matches('0') {
            "" => "0".to_string(),
            t => t.to_string(),
        };
        if unpadded(leading) != unpadded(current) {
            let start = doc.lines[i].start + line.find(id.as_str()).unwrap_or(0);
            emit(
                cx,
                out,
                start..start + id.len(),
                format!(
                    "Task \"{id}\" is under group {current}, but its leading number points to group {leading}. Move it to group {leading} or renumber it."
                ),
            );
        }
    }
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-005 (the OpenSpec validator checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    #[test]
    fn tasks_belong_to_their_numbered_group() {
        let tasks = "## 1. Setup\n- [ ] 1.1 a\n- [ ] 2.1 b\n## 02. Build\n- [x] 2.2 c\n## Notes\n- [ ] 3.1 free\n";
        let got: Vec<String> = check_files(&[("openspec/changes/c/tasks.md", tasks)])
            .into_iter()
            .filter(|d| d.contains("openspec/task-group"))
            .collect();
        assert_eq!(
            got,
            [
                "openspec/changes/c/tasks.md:3:7 openspec/task-group Task \"2.1\" is under group 1, but its leading number points to group 2. Move it to group 2 or renumber it."
            ]
        );
    }
}
