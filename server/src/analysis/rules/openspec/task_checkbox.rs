//! `openspec/task-checkbox`: a change's `tasks.md` lists work without a single checkbox, so
//! OpenSpec counts no tasks at all.

use std::sync::LazyLock;

use regex::Regex;

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::parse::Doc;
use super::support::emit;
use super::tasks::{task_line, tracked};

pub const RULE: Rule = Rule {
    code: "openspec/task-checkbox",
    severity: Severity::Warning,
    summary: "an OpenSpec tasks file lists work without checkboxes",
    check,
};

static LIST_ITEM: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+\S").expect("valid"));
static FENCE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^ {0,3}(`{3,}|~{3,})(.*)").expect("valid"));

fn check(cx: &Context, out: &mut Emitter) {
    if !tracked(cx) {
        return;
    }
    let doc = Doc::new(&cx.doc.text);
    // Upstream counts checkboxes on raw lines, fences included.
    if doc.texts.iter().any(|l| task_line(l).is_some()) {
        return;
    }
    let Some(line) = first_list_item(&doc.texts) else { return };
    emit(
        cx,
        out,
        doc.at(line),
        "This change counts as 0 tasks: no line in its tracked task files is a checkbox, so \"openspec list\" and \"openspec status\" report no work and \"openspec archive\" has nothing to flag as incomplete. Write each task as \"- [ ] 1.1 Description\".".into(),
    );
}

/// `findFirstListItemLine`: the first list item outside front matter, fences, HTML comments and
/// indented code.
fn first_list_item(lines: &[&str]) -> Option<usize> {
    let is_dashes = |l: &str| l.trim_end() == "---";
    let mut start = 0;
    if lines.first().is_some_and(|l| is_dashes(l.trim_start_matches('\u{FEFF}')))
        && let Some(end) = (1..lines.len()).find(|&i| is_dashes(lines[i]))
    {
        start = end + 1;
    }
    let mut fence: Option<(char, usize)> = None;
    let mut comment = false;
    for (i, line) in lines.iter().enumerate().skip(start) {
        if comment {
            comment = !line.contains("-->");
            continue;
        }
        if let Some(c) = FENCE.captures(line) {
            let (marker, length) = (c[1].chars().next().unwrap_or('`'), c[1].len());
            match fence {
                None => fence = Some((marker, length)),
                Some((m, l)) if m == marker && length >= l && c[2].trim().is_empty() => fence = None,
                Some(_) => {}
            }
            continue;
        }
        if fence.is_some() {
            continue;
        }
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("<!--") {
            comment = !rest.contains("-->");
            continue;
        }
        if LIST_ITEM.is_match(line) && indent(line) < 4 {
            return Some(i);
        }
    }
    None
}

fn indent(line: &str) -> usize {
    let mut column = 0;
    for c in line.chars() {
        match c {
            ' ' => column += 1,
            '\t' => column += 4 - column % 4,
            _ => break,
        }
    }
    column
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-005 (the OpenSpec validator checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    fn found(text: &str) -> Vec<String> {
        check_files(&[("openspec/changes/c/tasks.md", text)])
            .into_iter()
            .filter(|d| d.contains("openspec/task-checkbox"))
            .collect()
    }

    #[test]
    fn a_task_list_without_checkboxes_counts_no_tasks() {
        let got = found("---\ntags:\n  - a\n---\n# Tasks\n\n```\n- not this\n```\n    - code\n1. Do the thing\n");
        assert_eq!(got.len(), 1);
        assert!(
            got[0].starts_with("openspec/changes/c/tasks.md:11:1 openspec/task-checkbox This change counts as 0 tasks")
        );
        assert!(found("# Tasks\n- [ ] 1.1 Do it\n- plain note\n").is_empty());
    }
}
