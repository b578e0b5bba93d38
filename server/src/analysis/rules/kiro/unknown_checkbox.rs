//! `kiro/unknown-checkbox`: a task checkbox whose marker Kiro does not write. Kiro writes `[ ]`
//! (open), `[x]`/`[X]` (done), `[-]` (in progress) and `[~]` (queued), and `[ ]*` for optional
//! tasks; specls counts anything else as open.

use std::sync::LazyLock;

use regex::Regex;

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::support::{kind, lines, masked};

pub const RULE: Rule = Rule {
    code: "kiro/unknown-checkbox",
    severity: Severity::Hint,
    summary: "a Kiro task checkbox has a marker other than ` `, `x`, `X`, `-` or `~`",
    check,
};

/// A list item opening with a one-character checkbox, then an optional `*` and white space
/// (a link such as `[a](…)` or `[a][b]` is not a checkbox).
static CHECKBOX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:[-*+]|\d+[.)])\s+(\[([^\]])\])\*?(?:\s|$)").expect("valid"));

fn check(cx: &Context, out: &mut Emitter) {
    if !kind(cx).starts_with("kiro.") {
        return;
    }
    for (range, line) in lines(&cx.doc.text) {
        let Some(c) = CHECKBOX.captures(line) else { continue };
        let marker = &c[2];
        if matches!(marker, " " | "x" | "X" | "-" | "~") || masked(cx, range.start) {
            continue;
        }
        let at = c.get(1).map_or(0..0, |m| m.range());
        out.emit(
            range.start + at.start..range.start + at.end,
            format!(
                "Unknown checkbox `[{marker}]`: Kiro writes `[ ]` (open), `[x]` (done), `[-]` (in progress) or `[~]` (queued); specls counts this task as open"
            ),
        );
    }
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-004 (the Kiro checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    #[test]
    fn only_kiro_markers_pass() {
        let text = "# Implementation Plan\n\n- [ ] 1. a\n- [x] 2. b\n- [X] 3. c\n- [-] 4. d\n- [~] 5. e\n- [ ]* 6. f\n\
                    - [?] 7. g\n  - [/] 7.1 h\n- [a](link) not a box\n```\n- [?] fenced\n```\n";
        let got: Vec<String> = check_files(&[(".kiro/specs/a/tasks.md", text)])
            .into_iter()
            .filter(|d| d.contains("kiro/unknown-checkbox"))
            .collect();
        assert_eq!(got.len(), 2, "{got:#?}");
        assert!(got[0].starts_with(".kiro/specs/a/tasks.md:9:3 kiro/unknown-checkbox Unknown checkbox `[?]`"));
        assert!(got[1].starts_with(".kiro/specs/a/tasks.md:10:5 kiro/unknown-checkbox Unknown checkbox `[/]`"));
    }
}
