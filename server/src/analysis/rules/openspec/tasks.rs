//! Upstream's task-line reader (`parseTaskLines` in `utils/task-progress.ts`), shared by the
//! task rules, and which task files upstream checks.

use crate::analysis::rules::Context;

use super::support::{change_of, kind, spec_driven};

/// `TASK_LINE_PATTERN`: a bullet or ordered marker, then a checkbox of at most one character.
/// Returns the description after the checkbox, trimmed.
pub fn task_line(line: &str) -> Option<&str> {
    let rest = line.trim_start();
    let rest = if let Some(r) = rest.strip_prefix(['-', '*', '+']) {
        r
    } else {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if !(1..=9).contains(&digits) {
            return None;
        }
        rest[digits..].strip_prefix(['.', ')'])?
    };
    let rest = rest.trim_start().strip_prefix('[')?;
    // `\s*([^\]\s]?)\s*\](?![([])`, else `\s+\]`.
    let first = {
        let r = rest.trim_start();
        let r = match r.chars().next() {
            Some(c) if c != ']' && !c.is_whitespace() => &r[c.len_utf8()..],
            _ => r,
        };
        r.trim_start().strip_prefix(']').filter(|after| !after.starts_with(['(', '[']))
    };
    let after = first
        .or_else(|| (rest.starts_with(char::is_whitespace)).then(|| rest.trim_start().strip_prefix(']')).flatten())?;
    Some(after.trim())
}

/// Whether this document is a change's tracked `tasks.md` under the built-in schema.
pub fn tracked(cx: &Context) -> bool {
    if kind(cx) != "openspec.tasks" {
        return false;
    }
    let path = &cx.doc.model.path;
    change_of(path).is_some_and(|change| path == &change.join("tasks.md") && spec_driven(&change))
}

/// Verifies specs/001-core-engine/spec.md FR-008.
#[cfg(test)]
mod tests {
    use super::task_line;

    #[test]
    fn task_lines_follow_upstream() {
        assert_eq!(task_line("- [ ] 1.1 Do it "), Some("1.1 Do it"));
        assert_eq!(task_line("  * [x]1.2 x"), Some("1.2 x"));
        assert_eq!(task_line("3) [X] y"), Some("y"));
        assert_eq!(task_line("- [ ](link)"), Some("(link)"), "the `\\s+\\]` branch has no look-ahead");
        assert_eq!(task_line("- [x](link)"), None);
        assert_eq!(task_line("- [xx] no"), None);
        assert_eq!(task_line("- plain"), None);
    }
}
