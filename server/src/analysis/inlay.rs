//! Inlay hints: the short title of the clause a bare reference names, written after the
//! reference (`per FR-003` reads `per FR-003 Users can log in`), in spec documents and in code
//! comments.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use super::index::WorkspaceIndex;
use super::resolve::{Resolution, resolve};

/// Longest title shown, in characters; a longer one is cut with an ellipsis.
const MAX_TITLE: usize = 40;

/// A label to show at an offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlayHint {
    /// Where the hint goes: the end of the reference.
    pub offset: usize,
    /// The clause's title, cut at [`MAX_TITLE`] characters.
    pub label: String,
    /// The key, the whole title and where the clause is defined.
    pub tooltip: Option<String>,
}

/// The hints for the references that end within `range` of an indexed document. References
/// that are ambiguous or unresolved, name a clause without a title, or stand on a line that
/// already shows the title (the clause's own line) get none; in code, only comments get hints.
pub fn inlay_hints(index: &WorkspaceIndex, path: &Path, range: Range<usize>) -> Vec<InlayHint> {
    let Some(doc) = index.doc(path) else { return Vec::new() };
    let model = &doc.model;
    let comments =
        if model.kind == index.grammar.code_kind { Some(index.grammar.code.comments(path, &doc.text)) } else { None };
    let mut hints = Vec::new();
    // Whether a line shows a title, asked once per line and title: one line may hold thousands
    // of references.
    let mut shown: HashMap<(usize, &str), bool> = HashMap::new();
    for reference in &model.references {
        let end = reference.range.end;
        if end < range.start || end > range.end {
            continue;
        }
        if let Some(comments) = &comments
            && !comments.iter().any(|c| c.start <= reference.range.start && end <= c.end)
        {
            continue;
        }
        let Resolution::Resolved(loc) = resolve(index, model, reference) else { continue };
        let Some((defined_in, clause)) = index.clause(&loc) else { continue };
        let title = clause.title_in(&defined_in.text).trim();
        if title.is_empty() || title == &*clause.id {
            continue;
        }
        let line = doc.lines().line_of(end);
        if *shown.entry((line, title)).or_insert_with(|| doc.lines().line_text(&doc.text, line).contains(title)) {
            continue;
        }
        let place = index.relative(index.path(loc.doc));
        let line = defined_in.lines().line_of(clause.id_range.start) + 1;
        // After a bracketed label's `]` (`[US1]`), not inside it.
        let after = if doc.text[end..].starts_with(']') { end + 1 } else { end };
        hints.push(InlayHint {
            offset: after,
            label: shorten(&plain(title)),
            tooltip: Some(format!("{} {title}\n{place}:{line}", clause.id)),
        });
    }
    // Models list references rule by rule within a line; editors want hints in text order.
    hints.sort_by_key(|h| h.offset);
    hints
}

/// A title as a plain one-line label: without the labels a task starts with (`[P] [US1]`) and
/// without Markdown's strong emphasis and code marks.
fn plain(title: &str) -> String {
    let mut rest = title;
    while let Some((tag, after)) = rest.strip_prefix('[').and_then(|r| r.split_once(']'))
        && !tag.is_empty()
        && !tag.contains(char::is_whitespace)
        && after.starts_with(char::is_whitespace)
    {
        rest = after.trim_start();
    }
    let text = if rest.is_empty() { title } else { rest };
    text.replace("**", "").replace('`', "")
}

/// A title cut at [`MAX_TITLE`] characters, at a word's end when one is near, with an ellipsis
/// when cut.
fn shorten(title: &str) -> String {
    let Some((cut, _)) = title.char_indices().nth(MAX_TITLE) else { return title.to_string() };
    let head = &title[..cut];
    let head = head.rfind(' ').filter(|&space| space >= cut / 2).map_or(head, |space| &head[..space]);
    format!("{}…", head.trim_end_matches(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == ':'))
}

/// Verifies specs/003-navigation/spec.md FR-014, FR-017.
#[cfg(test)]
mod tests {

    use super::*;
    use crate::analysis::index::test_workspace as workspace;

    /// `text before the hint|label` for each hint over the whole document.
    fn hints(index: &WorkspaceIndex, relative: &str) -> Vec<String> {
        let path = Path::new("/ws").join(relative);
        let text = index.doc(&path).unwrap().text.clone();
        inlay_hints(index, &path, 0..text.len())
            .into_iter()
            .map(|h| format!("{}|{}", &text[h.offset.saturating_sub(6)..h.offset], h.label))
            .collect()
    }

    const SPEC: &str = "# Feature Specification: Login\n\n## Requirements\n\n\
        - **FR-001**: Users can log in with their email address and a password they chose.\n\
        - **FR-002**: Lock out after failures, see FR-001.\n\
        - **FR-003**: Same as FR-001: Users can log in with their email address and a password they chose.\n\n\
        ## Success Criteria\n\n- **SC-001**: Fast.\n";
    const TASKS: &str = "# Tasks: Login\n\n## Phase 1: Setup\n\n\
        - [ ] T001 Login form in src/login.rs per FR-001\n\
        - [ ] T002 Lockout per FR-002 and FR-404 (after T001)\n";
    const OTHER: &str = "# Feature Specification: Billing\n\n## Requirements\n\n- **FR-001**: System MUST bill.\n";

    fn fixture() -> WorkspaceIndex {
        workspace(&[
            ("specs/001-login/spec.md", SPEC),
            ("specs/001-login/tasks.md", TASKS),
            ("specs/002-billing/spec.md", OTHER),
            (
                "src/login.rs",
                "// Feature: specs/001-login/spec.md\n\n// Implements: FR-002, T001\nfn login() { let _ = \"FR-001\"; }\n",
            ),
            ("src/shared.rs", "// FR-001 in both features\n"),
        ])
    }

    #[test]
    fn spec_references_show_their_clause_titles() {
        let index = fixture();
        assert_eq!(
            hints(&index, "specs/001-login/tasks.md"),
            [
                "FR-001|Users can log in with their email…",
                "FR-002|Lock out after failures, see FR-001.",
                "r T001|Login form in src/login.rs per FR-001"
            ]
        );
        // The clause's own line and a line that repeats the title get none.
        assert_eq!(hints(&index, "specs/001-login/spec.md"), ["FR-001|Users can log in with their email…"]);
    }

    #[test]
    fn code_comments_show_titles_and_strings_and_ambiguous_mentions_do_not() {
        let index = fixture();
        assert_eq!(
            hints(&index, "src/login.rs"),
            ["FR-002|Lock out after failures, see FR-001.", ", T001|Login form in src/login.rs per FR-001"]
        );
        assert_eq!(hints(&index, "src/shared.rs"), Vec::<String>::new());
    }

    #[test]
    fn labels_drop_task_tags_and_markdown_marks() {
        assert_eq!(plain("[P] [US1] Password check in `src/auth.rs`"), "Password check in src/auth.rs");
        assert_eq!(plain("**Given** a user"), "Given a user");
        assert_eq!(plain("[NEEDS CLARIFICATION: which?] Sign-in"), "[NEEDS CLARIFICATION: which?] Sign-in");
        assert_eq!(plain("[P]"), "[P]");
    }

    #[test]
    fn long_titles_are_cut_at_a_word() {
        assert_eq!(shorten("Short title"), "Short title");
        assert_eq!(shorten(&"x".repeat(45)), format!("{}…", "x".repeat(40)));
        assert_eq!(
            shorten("Users can log in, with their email address and more"),
            "Users can log in, with their email…"
        );
    }

    #[test]
    fn only_the_requested_range_and_a_tooltip_with_the_whole_title() {
        let index = fixture();
        let path = Path::new("/ws/specs/001-login/tasks.md");
        let text = index.doc(path).unwrap().text.clone();
        let second = text.find("- [ ] T002").unwrap();
        let found = inlay_hints(&index, path, second..text.len());
        assert_eq!(found.len(), 2);
        let first = inlay_hints(&index, path, 0..second);
        assert_eq!(
            first[0].tooltip.as_deref(),
            Some(
                "FR-001 Users can log in with their email address and a password they chose.\nspecs/001-login/spec.md:5"
            )
        );
    }
}
