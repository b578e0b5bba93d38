//! Hover: what the key under the cursor names. A clause shows its text, its scope and how it is
//! covered; a constitution principle (by number, by name or on its heading) shows its text and
//! the constitution's version; an ambiguous or unresolved mention says so.

use std::fmt::Write;
use std::ops::Range;
use std::path::Path;

use crate::model::{Clause, NamespaceId};
use crate::text::PositionEncoding;

use super::index::{ClauseLoc, DocId, IndexedDoc, RefLoc, WorkspaceIndex};
use super::navigate::{Target, coverage, display_key, resolve_ref, target_at, task_of};
use super::resolve::Resolution;
use super::rules::constitution_version;
use super::test_state;

/// The namespace of constitution principles, whose hover shows the constitution's version.
/// Longest clause text shown; the rest is cut with an ellipsis.
const MAX_LINES: usize = 40;
/// Most locations listed per coverage category.
const MAX_LOCATIONS: usize = 5;
/// Shortest principle name matched in prose, so that a title such as "I" never matches a word.
const MIN_NAME: usize = 3;

/// What a hover shows, and over which span of the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hover {
    pub range: Range<usize>,
    pub markdown: String,
}

/// The hover at a byte offset of an indexed document; `None` when nothing with a key is there.
pub fn hover(index: &WorkspaceIndex, path: &Path, offset: usize) -> Option<Hover> {
    let doc = index.doc(path)?;
    let offset = offset.min(doc.text.len());
    let principles = principle_namespace(index);
    if let Some(found) = principle_heading(index, path, doc, principles, offset) {
        return Some(found);
    }
    // On the word that introduces a principle's number (`Principle` of `Principle III`), the
    // number's hover.
    let target = target_at(index, path, offset).or_else(|| {
        if !doc.text.is_char_boundary(offset) {
            return None;
        }
        let word_end = offset + doc.text[offset..].find(|c: char| !c.is_alphabetic()).unwrap_or(0);
        let next = word_end + doc.text[word_end..].find(|c: char| !c.is_whitespace()).unwrap_or(0);
        match target_at(index, path, next) {
            Some(Target::Reference(loc))
                if next > word_end && index.reference(&loc).is_some_and(|(_, r)| Some(r.namespace) == principles) =>
            {
                Some(Target::Reference(loc))
            }
            _ => None,
        }
    });
    match target {
        Some(Target::Clause(loc)) => {
            let (_, clause) = index.clause(&loc)?;
            Some(Hover { range: clause.id_range.clone(), markdown: describe(index, loc, principles) })
        }
        Some(Target::Reference(loc)) => {
            let (_, reference) = index.reference(&loc)?;
            let markdown = match resolve_ref(index, &loc) {
                Resolution::Resolved(clause) => describe(index, clause, principles),
                Resolution::Ambiguous(candidates) => ambiguous(index, &reference.id, &candidates),
                Resolution::Unresolved => unresolved(index, loc),
            };
            Some(Hover { range: reference.range.clone(), markdown })
        }
        None => principle_by_name(index, path, doc, principles?, offset),
    }
}

/// The namespace of constitution principles: that of the clauses of kind `principle`, whichever
/// format declares them.
fn principle_namespace(index: &WorkspaceIndex) -> Option<NamespaceId> {
    index.grammar.clause_rules.iter().find(|r| r.kind == "principle").map(|r| r.namespace)
}

/// Anywhere on a principle's heading line (`### III. Test-First`, its `###` included), not only
/// on its number.
fn principle_heading(
    index: &WorkspaceIndex,
    path: &Path,
    doc: &IndexedDoc,
    principles: Option<NamespaceId>,
    offset: usize,
) -> Option<Hover> {
    let line = doc.lines().line_of(offset);
    let (i, clause) = doc
        .model
        .clauses
        .iter()
        .enumerate()
        .find(|(_, c)| Some(c.namespace) == principles && doc.lines().line_of(c.id_range.start) == line)?;
    let start = doc.lines().line_start(line);
    let end = line_end(&doc.text, clause.id_range.start);
    if offset < start || offset > end {
        return None;
    }
    let scope = index.scope_id(doc.model.scope.as_deref());
    let loc = ClauseLoc { doc: index.doc_id(path)?, index: i as u32, scope, global: clause.global };
    Some(Hover { range: start..end, markdown: principle(index, loc)? })
}

/// A principle's name written in prose (`the Test-First principle`), in Spec Kit documents and
/// code comments: the longest principle title (without a trailing `(NON-NEGOTIABLE)`) that
/// covers the cursor, matched case-insensitively as whole words.
fn principle_by_name(
    index: &WorkspaceIndex,
    path: &Path,
    doc: &IndexedDoc,
    principles: NamespaceId,
    offset: usize,
) -> Option<Hover> {
    let grammar = &index.grammar;
    if doc.model.kind == grammar.code_kind {
        if !grammar.code.comments(path, &doc.text).iter().any(|c| c.contains(&offset)) {
            return None;
        }
    } else if grammar.kind(doc.model.kind).format != "speckit" || doc.model.is_masked(&(offset..offset + 1)) {
        return None;
    }
    let start = doc.lines().line_start(doc.lines().line_of(offset));
    let line = doc.text[start..line_end(&doc.text, start)].to_ascii_lowercase();
    let local = offset - start;
    let mut best: Option<Range<usize>> = None;
    let mut found: Vec<ClauseLoc> = Vec::new();
    for other in index.docs() {
        if other.model.kind == grammar.code_kind {
            continue;
        }
        for (i, clause) in other.model.clauses.iter().enumerate() {
            if clause.namespace != principles {
                continue;
            }
            let names = names(clause.title_in(&other.text));
            let Some(span) = names.into_iter().find_map(|name| word_at(&line, &name, local)) else { continue };
            let Some(id) = index.doc_id(&other.model.path) else { continue };
            let scope = index.scope_id(other.model.scope.as_deref());
            let loc = ClauseLoc { doc: id, index: i as u32, scope, global: clause.global };
            match &best {
                Some(b) if b.len() > span.len() => {}
                Some(b) if *b == span => found.push(loc),
                _ => {
                    best = Some(span);
                    found = vec![loc];
                }
            }
        }
    }
    let span = best?;
    let parts: Vec<String> = found.into_iter().filter_map(|loc| principle(index, loc)).collect();
    (!parts.is_empty())
        .then(|| Hover { range: start + span.start..start + span.end, markdown: parts.join("\n\n---\n\n") })
}

/// The names a principle goes by in prose, lower-cased: its title, and the title without a
/// parenthesised remark.
fn names(title: &str) -> impl Iterator<Item = String> {
    let full = title.trim().to_ascii_lowercase();
    let short = full.find('(').map(|i| full[..i].trim_end().to_string()).filter(|s| *s != full);
    std::iter::once(full).chain(short).filter(|n| n.len() >= MIN_NAME)
}

/// Where `name` occurs in `line` as whole words, covering `at`.
fn word_at(line: &str, name: &str, at: usize) -> Option<Range<usize>> {
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    line.match_indices(name).map(|(i, m)| i..i + m.len()).find(|r| {
        r.start <= at
            && at <= r.end
            && !is_word(line[..r.start].chars().next_back())
            && !is_word(line[r.end..].chars().next())
    })
}

/// A clause's hover: a principle's, or any other clause's.
fn describe(index: &WorkspaceIndex, loc: ClauseLoc, principles: Option<NamespaceId>) -> String {
    let is_principle = index.clause(&loc).is_some_and(|(_, c)| Some(c.namespace) == principles);
    if is_principle && let Some(markdown) = principle(index, loc) {
        return markdown;
    }
    clause(index, loc)
}

/// A principle's heading and text, and the constitution's name and version.
fn principle(index: &WorkspaceIndex, loc: ClauseLoc) -> Option<String> {
    let (doc, clause) = index.clause(&loc)?;
    let mut out = format!("**Principle {}. {}**\n\n", clause.id, clause.title_in(&doc.text));
    // The clause is the heading's section: its text is what follows the heading line.
    let body = line_end(&doc.text, clause.id_range.start).min(clause.range.end);
    let text = excerpt(&doc.text, body..clause.range.end);
    if !text.is_empty() {
        out.push_str(&text);
        out.push_str("\n\n");
    }
    let name = doc.model.sections.first().map_or("Constitution", |s| s.title.as_str());
    let version = constitution_version(doc).map_or("no version line".to_string(), |v| format!("version {v}"));
    let _ = write!(out, "---\n\n*{name}* · {version} · `{}`", index.relative(index.path(loc.doc)));
    Some(out)
}

/// A clause's key and title, kind and scope, text, and coverage.
fn clause(index: &WorkspaceIndex, loc: ClauseLoc) -> String {
    let Some((doc, clause)) = index.clause(&loc) else { return String::new() };
    let mut out = format!("**{}**", display_key(clause));
    if has_title(clause, &doc.text) {
        let _ = write!(out, " {}", clause.title_in(&doc.text));
    }
    let _ = write!(
        out,
        "\n\n{} · {} · `{}`\n\n",
        clause.kind.replace('-', " "),
        scope_of(index, loc),
        at(index, loc.doc, doc, clause.id_range.start)
    );
    // A one-line clause is its key and title, shown above already.
    let text = excerpt(&doc.text, clause.range.clone());
    if text.lines().count() > 1 {
        out.push_str(&text);
        out.push_str("\n\n");
    }
    let coverage = coverage(index, loc);
    let _ = writeln!(out, "---\n\n**Coverage**: {}", coverage.summary());
    if !index.results.runs.is_empty() {
        let status = test_state::status(index, &test_state::link(index), loc);
        let _ = writeln!(out, "\n**Tests**: {}", test_state::summary(&status, std::time::SystemTime::now()));
    }
    for (label, refs, with_task) in
        [("Tasks", &coverage.tasks, true), ("Code", &coverage.code, false), ("Tests", &coverage.tests, false)]
    {
        if refs.is_empty() {
            continue;
        }
        let shown: Vec<String> = refs.iter().take(MAX_LOCATIONS).filter_map(|r| mention(index, r, with_task)).collect();
        let _ = write!(out, "\n- {label}: {}", shown.join(", "));
        if refs.len() > MAX_LOCATIONS {
            let _ = write!(out, ", and {} more", refs.len() - MAX_LOCATIONS);
        }
    }
    out.trim_end().to_string()
}

/// Every candidate of an ambiguous mention, briefly.
fn ambiguous(index: &WorkspaceIndex, id: &str, candidates: &[ClauseLoc]) -> String {
    let scopes: Vec<String> = candidates.iter().map(|c| scope_of(index, *c)).collect();
    let mut out = format!("**{id}** is ambiguous: defined in {}\n", scopes.join(", "));
    for loc in candidates {
        let Some((doc, clause)) = index.clause(loc) else { continue };
        let _ = write!(out, "\n- `{}`", at(index, loc.doc, doc, clause.id_range.start));
        if has_title(clause, &doc.text) {
            let _ = write!(out, " {}", clause.title_in(&doc.text));
        }
    }
    out
}

/// Why a mention names nothing: no definition at all, or none where the mention looks.
fn unresolved(index: &WorkspaceIndex, loc: RefLoc) -> String {
    let Some((doc, reference)) = index.reference(&loc) else { return String::new() };
    let label = &index.grammar.namespace(reference.namespace).label;
    let id = &reference.id;
    let elsewhere = index.definitions(reference.namespace, id);
    if elsewhere.is_empty() {
        return format!("**{id}**: {label} {id} is not defined anywhere.");
    }
    let looked = match (&reference.pin, doc.model.scope.as_deref()) {
        (Some(pin), _) => format!("`{pin}`"),
        (None, Some(scope)) => format!("`{}`", index.relative(scope)),
        (None, None) => "this document's scope".to_string(),
    };
    let scopes: Vec<String> = elsewhere.iter().map(|c| scope_of(index, *c)).collect();
    format!("**{id}**: {label} {id} is not defined in {looked}; it is defined in {}.", scopes.join(", "))
}

/// A mention as `relative/path:line`, with the task it is written in for task mentions.
fn mention(index: &WorkspaceIndex, loc: &RefLoc, with_task: bool) -> Option<String> {
    let (doc, reference) = index.reference(loc)?;
    let place = format!("`{}`", at(index, loc.doc, doc, reference.range.start));
    match task_of(&doc.model.clauses, reference).filter(|_| with_task) {
        Some(task) => Some(format!("{} ({place})", task.id)),
        None => Some(place),
    }
}

/// `relative/path:line` of an offset, the line counted from 1 and told as a position, so that
/// listing the hundreds of candidates of an ambiguous key does not index every line of each of
/// their documents.
fn at(index: &WorkspaceIndex, id: DocId, doc: &IndexedDoc, offset: usize) -> String {
    format!("{}:{}", index.relative(index.path(id)), doc.position(offset, PositionEncoding::Utf8).line + 1)
}

/// A clause's feature folder (relative), or `workspace` for global clauses and documents outside
/// any feature.
fn scope_of(index: &WorkspaceIndex, loc: ClauseLoc) -> String {
    match index.scope_path(loc.scope) {
        Some(scope) if !loc.global => format!("`{}`", index.relative(scope)),
        _ => "workspace".to_string(),
    }
}

/// Whether a clause has a title of its own (a clause without one takes its key as title).
fn has_title(clause: &Clause, text: &str) -> bool {
    let title = clause.title_in(text);
    !title.trim().is_empty() && title != &*clause.id
}

/// Where the line holding `offset` ends (before its line break).
fn line_end(text: &str, offset: usize) -> usize {
    text[offset..].find(['\n', '\r']).map_or(text.len(), |i| offset + i)
}

/// The text of a range for Markdown: from its line's start when only indentation precedes it,
/// dedented, without blank edges nor a closing thematic break, and cut after [`MAX_LINES`] lines.
fn excerpt(text: &str, range: Range<usize>) -> String {
    let line_start = text[..range.start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let start = if text[line_start..range.start].trim().is_empty() { line_start } else { range.start };
    let lines: Vec<&str> = text[start..range.end].lines().collect();
    let first = lines.iter().position(|l| !l.trim().is_empty()).unwrap_or(lines.len());
    let mut last = lines.iter().rposition(|l| !l.trim().is_empty()).map_or(first, |i| i + 1);
    // Spec Kit puts `---` after each user story: it ends the section, and the hover draws its own
    // rule below the text. After a blank line it is a break, never a heading's underline.
    while last > first + 1 && thematic_break(lines[last - 1]) && lines[last - 2].trim().is_empty() {
        last = lines[first..last - 1].iter().rposition(|l| !l.trim().is_empty()).map_or(first, |i| first + i + 1);
    }
    let lines = &lines[first..last];
    let indent = lines.iter().filter(|l| !l.trim().is_empty()).map(|l| l.len() - l.trim_start().len()).min();
    let indent = indent.unwrap_or(0);
    let mut out: Vec<&str> = lines.iter().take(MAX_LINES).map(|l| dedent(l, indent)).collect();
    if lines.len() > MAX_LINES {
        out.push("…");
    }
    out.join("\n")
}

/// Whether a line is a Markdown thematic break: three or more `-`, `*` or `_`, and spaces.
fn thematic_break(line: &str) -> bool {
    let marks: Vec<char> = line.chars().filter(|c| !c.is_whitespace()).collect();
    line.len() - line.trim_start().len() < 4
        && marks.len() >= 3
        && ['-', '*', '_'].iter().any(|&m| marks.iter().all(|&c| c == m))
}

/// A line without up to `indent` bytes of its leading whitespace, nor trailing whitespace.
fn dedent(line: &str, indent: usize) -> &str {
    let lead = line.len() - line.trim_start().len();
    line.get(lead.min(indent)..).unwrap_or(line.trim_start()).trim_end()
}

/// Verifies specs/003-navigation/spec.md FR-012, FR-013, FR-017.
#[cfg(test)]
mod tests {

    use super::*;
    use crate::analysis::index::test_workspace as workspace;

    /// The hover at the `nth` occurrence of `needle` (plus `shift` bytes), with its span's text.
    fn hover_at(index: &WorkspaceIndex, relative: &str, needle: &str, shift: usize) -> Option<(String, String)> {
        let path = Path::new("/ws").join(relative);
        let text = index.doc(&path).unwrap().text.clone();
        let offset = text.find(needle).unwrap_or_else(|| panic!("{needle} in {relative}")) + shift;
        hover(index, &path, offset).map(|h| (text[h.range].to_string(), h.markdown))
    }

    const CONSTITUTION: &str = "# Acme Constitution\n\n## Core Principles\n\n### I. Library-First\n\
        Every feature starts as a library.\n\n### III. Test-First (NON-NEGOTIABLE)\n\
        Tests are written before the code.\n\n- Red, green, refactor.\n\n## Governance\n\nRules.\n\n\
        **Version**: 2.1.0 | **Ratified**: 2026-01-10 | **Last Amended**: 2026-03-02\n";
    const SPEC: &str = "# Feature Specification: Login\n\n## Requirements\n\n\
        - **FR-001**: System MUST authenticate users by email and password.\n\
        - **FR-002**: System MUST lock an account\n  after 5 failed attempts.\n\
        - **FR-003**: System MUST log sign-ins (Principle III).\n\n## Success Criteria\n\n- **SC-001**: Fast.\n";
    const TASKS: &str = "# Tasks: Login\n\n## Phase 1: Setup\n\n\
        - [ ] T001 Password check in src/auth.rs per FR-001\n- [ ] T002 Lockout per FR-002, FR-009\n";
    const PLAN: &str = "# Implementation Plan: Login\n\n## Constitution Check\n\nWe follow test-first throughout.\n";
    const BILLING: &str = "# Feature Specification: Billing\n\n## Requirements\n\n- **FR-001**: System MUST bill.\n";

    fn fixture() -> WorkspaceIndex {
        workspace(&[
            (".specify/memory/constitution.md", CONSTITUTION),
            ("specs/001-login/spec.md", SPEC),
            ("specs/001-login/tasks.md", TASKS),
            ("specs/001-login/plan.md", PLAN),
            ("specs/002-billing/spec.md", BILLING),
            (
                "src/auth.rs",
                "//! Feature: specs/001-login/spec.md\n\n// Implements: FR-001 the Test-First way\nfn check() {}\n",
            ),
            ("tests/auth_test.rs", "// specs/001-login/spec.md\n\n#[test]\nfn fr_001_accepts_a_valid_password() {}\n"),
            ("src/shared.rs", "// FR-001 is everywhere\nfn test_first() {}\n"),
            ("src/billing.rs", "// specs/002-billing/spec.md\n\n// Implements: FR-002\n"),
        ])
    }

    #[test]
    fn principle_by_number() {
        let (span, markdown) = hover_at(&fixture(), "specs/001-login/spec.md", "III", 1).unwrap();
        assert_eq!(span, "III");
        insta::assert_snapshot!(markdown);
        let introduced = |word: &str| hover_at(&fixture(), "specs/001-login/spec.md", word, 2);
        assert_eq!(introduced("Principle III"), Some((span, markdown)), "on the word `Principle`");
    }

    #[test]
    fn principle_by_name() {
        let index = fixture();
        let (span, markdown) = hover_at(&index, "specs/001-login/plan.md", "test-first", 3).unwrap();
        assert_eq!(span, "test-first");
        insta::assert_snapshot!(markdown);
        let (span, from_code) = hover_at(&index, "src/auth.rs", "Test-First", 0).unwrap();
        assert_eq!((span.as_str(), &from_code), ("Test-First", &markdown));
        // In code, only comments are prose.
        assert_eq!(hover_at(&index, "src/shared.rs", "test_first", 2), None);
    }

    #[test]
    fn principle_heading() {
        let index = fixture();
        let (span, markdown) = hover_at(&index, ".specify/memory/constitution.md", "Test-First (NON", 2).unwrap();
        assert_eq!(span, "### III. Test-First (NON-NEGOTIABLE)");
        insta::assert_snapshot!(markdown);
        let (_, on_key) = hover_at(&index, ".specify/memory/constitution.md", "III.", 0).unwrap();
        assert_eq!(on_key, markdown);
        let (_, on_marker) = hover_at(&index, ".specify/memory/constitution.md", "### III.", 1).unwrap();
        assert_eq!(on_marker, markdown);
    }

    #[test]
    fn requirement_with_tasks_code_and_tests() {
        let index = fixture();
        let (span, markdown) = hover_at(&index, "specs/001-login/spec.md", "FR-001", 0).unwrap();
        assert_eq!(span, "FR-001");
        insta::assert_snapshot!(markdown);
        let (_, wrapped) = hover_at(&index, "specs/001-login/tasks.md", "FR-002", 0).unwrap();
        insta::assert_snapshot!("requirement_over_two_lines", wrapped);
    }

    #[test]
    fn mention_in_code() {
        let (span, markdown) = hover_at(&fixture(), "src/auth.rs", "FR-001", 0).unwrap();
        assert_eq!(span, "FR-001");
        insta::assert_snapshot!(markdown);
    }

    #[test]
    fn ambiguous_mention() {
        let (span, markdown) = hover_at(&fixture(), "src/shared.rs", "FR-001", 0).unwrap();
        assert_eq!(span, "FR-001");
        insta::assert_snapshot!(markdown);
    }

    #[test]
    fn unresolved_mention() {
        let index = fixture();
        let (span, markdown) = hover_at(&index, "specs/001-login/tasks.md", "FR-009", 0).unwrap();
        assert_eq!(span, "FR-009");
        insta::assert_snapshot!(markdown);
        let (_, pinned) = hover_at(&index, "src/billing.rs", "FR-002", 0).unwrap();
        insta::assert_snapshot!("unresolved_where_pinned", pinned);
    }

    #[test]
    fn nothing_under_the_cursor() {
        let index = fixture();
        assert_eq!(hover_at(&index, "specs/001-login/spec.md", "authenticate", 0), None);
        assert_eq!(hover_at(&index, "specs/001-login/tasks.md", "Password", 0), None);
    }

    #[test]
    fn long_text_is_cut() {
        let body: String = (1..=50).map(|i| format!("  line {i}\n")).collect();
        let text = format!("intro\n- item\n{body}");
        let excerpt = excerpt(&text, 6..text.len());
        assert_eq!(excerpt.lines().count(), MAX_LINES + 1);
        assert!(excerpt.starts_with("- item\n  line 1\n"), "{excerpt}");
        assert!(excerpt.ends_with("line 39\n…"), "{excerpt}");
    }

    #[test]
    fn a_closing_thematic_break_is_left_out() {
        let text = "### User Story 1 - Sign in\n\nA member signs in.\n\n---\n\n";
        assert_eq!(excerpt(text, 0..text.len()), "### User Story 1 - Sign in\n\nA member signs in.");
        let spaced = "Story.\n\n * * *\n";
        assert_eq!(excerpt(spaced, 0..spaced.len()), "Story.");
        // Right under a line of text it underlines a heading, and stays.
        let underline = "Story\n---\n";
        assert_eq!(excerpt(underline, 0..underline.len()), "Story\n---");
        let code = "Story.\n\n    ---\n";
        assert_eq!(excerpt(code, 0..code.len()), "Story.\n\n    ---");
    }
}
