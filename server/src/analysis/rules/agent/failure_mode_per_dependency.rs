//! `agent/failure-mode-per-dependency`: an external dependency the agent spec declares has no
//! failure mode saying what the agent does when that dependency fails.
//!
//! Only dependencies declared explicitly are checked, so nothing is guessed from prose:
//!
//! - under `## Constraints`, a line `Depends on: A, B and C` or `Dependencies: …` (also bold,
//!   also as a list item), or such a label line ending in a colon followed by a list, or a
//!   `### Dependencies` heading followed by a list;
//! - a `## Dependencies` (or `## External dependencies`) section's list.
//!
//! A list item names its dependency by its leading bold or code text (`**GitHub API**: …`,
//! `` `gh` — … ``), else by its text up to the first `:`, dash or parenthesis. A dependency is
//! covered when `## Failure modes` mentions its name, or one of the name's distinctive words
//! (`GitHub` for `GitHub REST API`), case-insensitively.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::analysis::IndexedDoc;
use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::speckit::text::{self, Line};
use crate::analysis::rules::{Context, Emitter, Rule};
use crate::model::Section;
use crate::model::grammar::Kind;

pub const RULE: Rule = Rule {
    code: "agent/failure-mode-per-dependency",
    severity: Severity::Information,
    summary: "a declared external dependency has no failure mode",
    check,
};

/// `Depends on: …`, `**Dependencies**: …`, `- External dependencies: …`; `list` may be empty.
static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(?:[-*+]\s+)?(?:\*\*|__)?(?:external\s+dependencies|dependencies|depends\s+on|dependent\s+on)(?:\s*:\s*(?:\*\*|__)|(?:\*\*|__)\s*:|\s*:)\s*(?P<list>.*)$",
    )
    .unwrap()
});

/// A heading or section that lists dependencies.
static HEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^(?:external\s+)?dependencies\b|^depends\s+on\b").unwrap());

/// A list item's marker and the item's text.
static ITEM: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(\s*)(?:[-*+]|\d+[.)])\s+(?:\[.\]\s+)?(.*)$").unwrap());

/// Words too generic to tell one dependency from another.
const GENERIC: &[&str] = &[
    "the",
    "and",
    "for",
    "with",
    "api",
    "apis",
    "service",
    "services",
    "server",
    "client",
    "tool",
    "tools",
    "cli",
    "sdk",
    "library",
    "database",
    "store",
    "storage",
    "endpoint",
    "endpoints",
    "http",
    "https",
    "rest",
    "graphql",
    "model",
    "models",
    "system",
    "external",
    "internal",
    "access",
    "read",
    "write",
    "webhook",
    "queue",
    "cache",
    "file",
    "files",
    "data",
    "account",
    "token",
];

/// The longest name taken for a dependency; longer text is prose, not a name.
const MAX_NAME: usize = 60;

fn check(cx: &Context, out: &mut Emitter) {
    let doc = cx.doc;
    let kind = cx.index.grammar.kind(doc.model.kind);
    let Some(failures) = section(kind, doc, "Failure modes") else { return };
    let failure_text = doc.text[failures.range.clone()].to_lowercase();
    for range in dependencies(kind, doc) {
        let name = &doc.text[range.clone()];
        if !mentioned(&failure_text, name) {
            out.emit(
                range,
                format!("Dependency `{name}` has no failure mode; under `## Failure modes`, say what the agent does when it is unavailable or fails"),
            );
        }
    }
}

/// The document's section that is the kind's section `title`.
fn section<'d>(kind: &Kind, doc: &'d IndexedDoc, title: &str) -> Option<&'d Section> {
    let def = kind.sections.iter().find(|s| s.title == title)?;
    doc.model.sections.iter().find(|s| s.level == def.level && def.matches(&s.title))
}

/// Where an agent spec names its declared dependencies (completion writes a failure mode for
/// each); nothing for documents of other kinds.
pub fn dependencies(kind: &Kind, doc: &IndexedDoc) -> Vec<Range<usize>> {
    let mut names: Vec<Range<usize>> = Vec::new();
    if kind.id != "agent.spec" {
        return names;
    }
    if let Some(constraints) = section(kind, doc, "Constraints") {
        declared_in_constraints(doc, constraints, &mut names);
    }
    for section in doc.model.sections.iter().filter(|s| s.level == 2 && HEADING.is_match(&s.title)) {
        list_items(text::lines(doc, body(section)), &mut names);
    }
    names
}

/// The section's text after its heading line.
fn body(section: &Section) -> Range<usize> {
    section.heading.end.min(section.range.end)..section.range.end
}

fn declared_in_constraints(doc: &IndexedDoc, constraints: &Section, names: &mut Vec<Range<usize>>) {
    // `### Dependencies` inside Constraints.
    let nested: Vec<&Section> = doc
        .model
        .sections
        .iter()
        .filter(|s| s.level > constraints.level && constraints.range.contains(&s.heading.start))
        .filter(|s| HEADING.is_match(&s.title))
        .collect();
    for section in &nested {
        list_items(text::lines(doc, body(section)), names);
    }
    let mut lines = text::lines(doc, body(constraints)).peekable();
    while let Some(line) = lines.next() {
        if nested.iter().any(|s| s.range.contains(&line.start)) {
            continue;
        }
        let Some(caps) = LABEL.captures(line.text) else { continue };
        let list = caps.name("list").expect("group");
        if list.as_str().trim().is_empty() {
            // A label line ending in a colon: the list that follows it (blank lines between).
            // When the label is itself a list item, its list is nested under it.
            let label_item = ITEM.captures(line.text).map(|c| c.get(1).map_or(0, |m| m.len()));
            let belongs = |l: &Line| {
                let indent = ITEM.captures(l.text).map(|c| c.get(1).map_or(0, |m| m.len()));
                l.text.trim().is_empty() || indent.is_some_and(|i| label_item.is_none_or(|label| i > label))
            };
            let mut following = Vec::new();
            while let Some(next) = lines.next_if(belongs) {
                if !next.text.trim().is_empty() {
                    following.push(next);
                }
            }
            list_items(following.into_iter(), names);
        } else {
            inline_list(&line, list.range(), names);
        }
    }
}

/// `A, B and C` on one line.
fn inline_list(line: &Line, list: Range<usize>, names: &mut Vec<Range<usize>>) {
    let text = &line.text[list.clone()];
    let mut start = 0;
    let push = |from: usize, to: usize, names: &mut Vec<Range<usize>>| {
        if let Some(local) = clean(&text[from..to]) {
            names.push(line.at(list.start + from + local.start..list.start + from + local.end));
        }
    };
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let sep = match bytes[i] {
            b',' | b';' => Some(1),
            b' ' if text[i..].starts_with(" and ") => Some(5),
            b' ' if text[i..].starts_with(" or ") => Some(4),
            _ => None,
        };
        if let Some(len) = sep {
            push(start, i, names);
            i += len;
            start = i;
        } else {
            i += 1;
        }
    }
    push(start, text.len(), names);
}

/// The top-level items of a list: each names one dependency.
fn list_items<'t>(lines: impl Iterator<Item = Line<'t>>, names: &mut Vec<Range<usize>>) {
    let mut top: Option<usize> = None;
    for line in lines {
        let Some(caps) = ITEM.captures(line.text) else { continue };
        let indent = caps.get(1).map_or(0, |m| m.len());
        let top = *top.get_or_insert(indent);
        if indent < top {
            break;
        }
        if indent > top {
            continue;
        }
        let item = caps.get(2).expect("group");
        if let Some(local) = item_name(item.as_str()) {
            names.push(line.at(item.start() + local.start..item.start() + local.end));
        }
    }
}

/// The name an item leads with: bold or code text, else the text up to `:`, a dash or `(`.
fn item_name(item: &str) -> Option<Range<usize>> {
    for (open, close) in [("**", "**"), ("__", "__"), ("`", "`")] {
        if let Some(rest) = item.strip_prefix(open) {
            let end = rest.find(close)?;
            let inner = open.len()..open.len() + end;
            return clean(&item[inner.clone()]).map(|r| inner.start + r.start..inner.start + r.end);
        }
    }
    let end = [": ", " — ", " – ", " - ", " (", ". "].iter().filter_map(|s| item.find(s)).min().unwrap_or(item.len());
    let name = clean(&item[..end])?;
    // A whole sentence is not a name.
    (item[name.clone()].split_whitespace().count() <= 5).then_some(name)
}

/// The name in `s` without surrounding space, emphasis, code marks and punctuation.
fn clean(s: &str) -> Option<Range<usize>> {
    let strip = |c: char| c.is_whitespace() || matches!(c, '*' | '_' | '`' | '.' | ':' | '"' | '\'');
    let start = s.len() - s.trim_start_matches(strip).len();
    let end = s.trim_end_matches(strip).len();
    (start < end && end - start <= MAX_NAME).then_some(start..end)
}

/// The failure modes mention the name, or one of its distinctive words.
fn mentioned(failure_text: &str, name: &str) -> bool {
    let name = name.to_lowercase();
    if contains_word(failure_text, &name) {
        return true;
    }
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3 && !GENERIC.contains(w))
        .any(|w| contains_word(failure_text, w))
}

/// `needle` occurs in `haystack` between non-alphanumeric characters.
fn contains_word(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    haystack.match_indices(needle).any(|(at, _)| {
        let before = haystack[..at].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let after = haystack[at + needle.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        before && after
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::rules::check_files;

    fn diagnose(constraints: &str, failures: &str, extra: &str) -> Vec<String> {
        let text = format!(
            "# Agent: Triage\n\n## Goal\n\nLabel issues.\n\n## Inputs and Outputs\n\n- **Input**: an issue\n\n\
             ## Constraints\n\n{constraints}\n\n## Failure modes\n\n{failures}\n\n## Out of scope\n\n- Replies\n\n\
             ## Acceptance\n\n- **AC-1**: Labelled.\n{extra}"
        );
        check_files(&[("agents/triage.md", &text)])
            .into_iter()
            .filter(|d| d.contains("agent/failure-mode-per-dependency"))
            .collect()
    }

    #[test]
    fn constraints_without_a_declared_dependency_are_quiet() {
        let constraints = "- Never quote personal data such as e-mail addresses.\n- Finish within 20 seconds.\n\
            - **Latency**: under 2 s\n- Use `gh` only for reads.";
        assert_eq!(diagnose(constraints, "- The thread is empty: stop.", ""), Vec::<String>::new());
    }

    #[test]
    fn an_inline_list_is_checked_name_by_name() {
        let found = diagnose(
            "- Depends on: GitHub REST API, `Slack` and the label service\n- Finish within 20 seconds.",
            "- GitHub is unreachable: retry once, then stop.\n- The label service times out: leave the issue.",
            "",
        );
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].contains("Dependency `Slack` has no failure mode"), "{found:#?}");
    }

    #[test]
    fn a_dependency_list_under_a_label_or_heading_is_checked() {
        let constraints = "**Dependencies**:\n\n- **Jira API**: reads the project's components\n\
            - `openai` — classifies the issue\n  - nested detail about OpenAI keys\n\n\
            ### Dependencies\n\n- PostgreSQL (the label cache)\n- Redis";
        let found = diagnose(constraints, "- Jira returns 5xx: stop.\n- Redis is down: carry on without it.", "");
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(found[0].contains("`openai`"), "{found:#?}");
        assert!(found[1].contains("`PostgreSQL`"), "{found:#?}");
    }

    #[test]
    fn a_label_item_owns_only_its_nested_list() {
        let constraints = "- Dependencies:\n  - GitHub API\n  - Slack\n- Finish within 20 seconds.";
        let found = diagnose(constraints, "- GitHub is down: stop.", "");
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].contains("`Slack`"), "{found:#?}");
    }

    #[test]
    fn a_dependencies_section_counts_too() {
        let found = diagnose("- Be quick.", "- Nothing else.", "\n## Dependencies\n\n- Sentry\n- Stripe: payments\n");
        assert_eq!(found.len(), 2, "{found:#?}");
    }

    #[test]
    fn names_come_from_the_item() {
        let name = |s: &str| item_name(s).map(|r| s[r].to_string());
        assert_eq!(name("**GitHub API**: labels").as_deref(), Some("GitHub API"));
        assert_eq!(name("`gh` — the CLI").as_deref(), Some("gh"));
        assert_eq!(name("PostgreSQL (cache)").as_deref(), Some("PostgreSQL"));
        assert_eq!(name("The agent must never write to the production database without review").as_deref(), None);
        assert!(mentioned("- github is down", "GitHub REST API"));
        assert!(!mentioned("- the api is down", "Stripe API"));
        assert!(!mentioned("- slacking off", "Slack"));
    }
}
