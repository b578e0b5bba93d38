//! Quick fixes for the structural diagnostics: a missing section from its skeleton, a duplicate
//! key renumbered to the next free one, a stub for a clause that is cited but missing, and a
//! clarification marker moved into the spec's clarifications as a question to answer.

use crate::analysis::complete::{next_free_key, section_text};
use crate::analysis::diagnostics::Diagnostic;
use crate::analysis::index::{IndexedDoc, WorkspaceIndex};
use crate::analysis::resolve::{Resolution, resolve};
use crate::model::Section;

use super::{Action, after_last_line, eol, fill, format_of, line_end, line_start};

/// One action per required section the document lacks, placed before the first present section
/// that the kind lists after it (else at the end).
pub(super) fn missing_sections(index: &WorkspaceIndex, doc: &IndexedDoc, d: &Diagnostic, out: &mut Vec<Action>) {
    let kind = index.grammar.kind(doc.model.kind);
    let present = |def: &crate::model::grammar::Section| doc.model.sections.iter().find(|s| def.matches(&s.title));
    for (order, def) in kind.sections.iter().enumerate().filter(|(_, s)| s.required) {
        if present(def).is_some() {
            continue;
        }
        let text: &str = &doc.text;
        let body = section_text(index, doc, def);
        let before = kind.sections[order + 1..]
            .iter()
            .filter(|later| later.level <= def.level)
            .find_map(|later| present(later).map(|s| s.heading.start));
        let (at, new_text) = match before {
            Some(at) => (at, format!("{body}\n\n")),
            None => {
                let end = after_last_line(text, &(0..text.len()));
                (end, format!("{}{body}{}", if end == 0 { "" } else { "\n\n" }, eol(text, end)))
            }
        };
        let heading = body.lines().next().unwrap_or_default().to_string();
        out.push(Action::fix(format!("Add section `{heading}`"), d).edit(&doc.model.path, at..at, new_text));
    }
}

/// Renumber a duplicated key to the next free one of its kind where keys must be unique.
pub(super) fn renumber(index: &WorkspaceIndex, doc: &IndexedDoc, d: &Diagnostic, out: &mut Vec<Action>) {
    let Some(clause) = doc.model.clauses.iter().find(|c| c.id_range == d.range) else { return };
    // A computed key (a Kiro criterion's number) is not written where it is reported.
    if doc.text[clause.id_range.clone()] != *clause.id {
        return;
    }
    let Some(key) = next_free_key(index, doc, clause.namespace, Some(&clause.id)) else { return };
    let title = format!("Renumber `{}` to `{key}`", clause.id);
    out.push(Action::fix(title, d).edit(&doc.model.path, clause.id_range.clone(), key));
}

/// A stub clause for an unresolved key, after the last clause of the same kind and prefix in the
/// feature document that defines its siblings, written like that clause.
pub(super) fn stub_clause(index: &WorkspaceIndex, doc: &IndexedDoc, d: &Diagnostic, out: &mut Vec<Action>) {
    let Some(reference) = doc.model.references.iter().find(|r| r.range == d.range) else { return };
    if resolve(index, &doc.model, reference) != Resolution::Unresolved {
        return;
    }
    let stem =
        |key: &str| key.trim_end_matches(|c: char| c.is_ascii_alphanumeric() && !c.is_ascii_uppercase()).to_string();
    let wanted = stem(&reference.id);
    let siblings = index.docs_in_scope(doc.model.scope.as_deref());
    let Some((target, model)) = siblings
        .filter_map(|o| {
            let last = o.model.clauses.iter().rev().find(|c| {
                c.namespace == reference.namespace && stem(&c.id) == wanted && o.text[c.id_range.clone()] == *c.id
            })?;
            Some((o, last))
        })
        .max_by_key(|(o, _)| (o.model.kind == doc.model.kind, o.model.path.clone()))
    else {
        return;
    };
    let Some(format) = format_of(index, target) else { return };
    let text: &str = &target.text;
    let start = line_start(text, model.id_range.start);
    let end = line_end(text, model.id_range.start);
    let line = &text[start..end];
    let before = &text[start..model.id_range.start];
    let mut after = &text[model.id_range.end..end];
    let title = model.title_in(text);
    if !title.is_empty()
        && let Some(cut) = after.rfind(title)
    {
        after = &after[..cut];
    }
    if line.is_empty() {
        return;
    }
    let stub = fill(&format.stub, &[("cited_in", &index.relative(&doc.model.path)), ("key", &reference.id)]);
    let new_line = format!("{before}{}{after}{stub}", reference.id);
    let at = after_last_line(text, &model.range);
    let title = format!("Add a stub for `{}` to {}", reference.id, index.relative(&target.model.path));
    out.push(Action::fix(title, d).edit(&target.model.path, at..at, format!("\n{new_line}")));
}

/// Resolve a clarification marker: it leaves the line, and its question joins today's session
/// under the spec's clarifications (created when missing, before the first section) to be
/// answered there.
pub(super) fn clarify(index: &WorkspaceIndex, doc: &IndexedDoc, d: &Diagnostic, today: &str, out: &mut Vec<Action>) {
    let Some(format) = format_of(index, doc) else { return };
    let (Some(heading), Some(session), Some(answer)) = (&format.clarifications, &format.session, &format.answer) else {
        return;
    };
    let text: &str = &doc.text;
    let marker = &text[d.range.clone()];
    let question =
        marker.trim_start_matches('[').trim_end_matches(']').split_once(':').map_or(marker, |(_, q)| q).trim();
    let entry = fill(answer, &[("question", question)]);
    let session = fill(session, &[("date", today)]);
    // The marker goes with the space before it.
    let mut remove = d.range.clone();
    if text[..remove.start].ends_with(' ') {
        remove.start -= 1;
    }
    let title = heading.trim_start_matches('#').trim();
    let sections = &doc.model.sections;
    let found = sections.iter().enumerate().find(|(_, s)| s.title == title);
    let (at, new_text) = match found {
        Some((i, section)) => {
            let today_session = sections
                .iter()
                .skip(i + 1)
                .take_while(|s| s.level > section.level)
                .find(|s| s.title == session.trim_start_matches('#').trim());
            match today_session {
                Some(s) => (after_last_line(text, &s.range), format!("\n{entry}")),
                None => (after_last_line(text, &section.range), format!("\n\n{session}\n\n{entry}")),
            }
        }
        None => {
            let first = sections.iter().find(|s: &&Section| s.level == 2).map(|s| s.heading.start);
            match first {
                Some(at) => (at, format!("{heading}\n\n{session}\n\n{entry}\n\n")),
                None => {
                    let end = after_last_line(text, &(0..text.len()));
                    (end, format!("\n\n{heading}\n\n{session}\n\n{entry}{}", eol(text, end)))
                }
            }
        }
    };
    let action = Action::fix(format!("Move the question to `{heading}` ({session})", session = &session[4..]), d);
    out.push(action.edit(&doc.model.path, at..at, new_text).edit(&doc.model.path, remove, String::new()));
}

/// Verifies specs/005-test-results/spec.md FR-025.
#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::analysis::actions::code_actions;
    use crate::analysis::actions::testing::applied;
    use crate::analysis::index::test_workspace;

    const SPEC_PATH: &str = "/ws/specs/001-calc/spec.md";

    fn fix(files: &[(&str, &str)], path: &str, needle: &str, title: &str) -> String {
        let index = test_workspace(files);
        let doc = index.doc(Path::new(path)).expect("indexed");
        let at = doc.text.find(needle).expect("needle");
        let actions = code_actions(&index, Path::new(path), at..at, "2026-01-02");
        let action = actions.iter().find(|a| a.title.starts_with(title)).unwrap_or_else(|| panic!("{actions:#?}"));
        let edited = action.edits[0].path.to_string_lossy().into_owned();
        applied(&index, action, &edited)
    }

    #[test]
    fn a_missing_section_is_inserted_from_its_skeleton_in_order() {
        let spec = "# Feature Specification: Calc\n\n## User Scenarios & Testing\n\nStories.\n\n## Success Criteria\n\n- **SC-001**: fast\n";
        let text = fix(&[("specs/001-calc/spec.md", spec)], SPEC_PATH, "Feature", "Add section `## Requirements");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn a_duplicate_key_is_renumbered_to_the_next_free_one() {
        let spec = "# Feature Specification: Calc\n\n## Requirements\n\n- **FR-001**: add\n- **FR-002**: sub\n- **FR-001**: mul\n\n- **SC-001**: fast\n- **SC-001**: small\n";
        let text =
            fix(&[("specs/001-calc/spec.md", spec)], SPEC_PATH, "FR-001**: mul", "Renumber `FR-001` to `FR-003`");
        assert!(text.contains("- **FR-003**: mul\n"), "{text}");
        let last = spec.rfind("SC-001").unwrap();
        let text = fix(&[("specs/001-calc/spec.md", spec)], SPEC_PATH, &spec[last..], "Renumber `SC-001` to `SC-002`");
        assert!(text.ends_with("- **SC-002**: small\n"), "{text}");
    }

    #[test]
    fn an_unresolved_reference_gets_a_stub_clause_in_the_spec() {
        let spec = "# Feature Specification: Calc\n\n## Requirements\n\n- **FR-001**: add\n- **FR-002**: sub\n\n## Success Criteria\n\n- **SC-001**: fast\n";
        let tasks = "# Tasks: Calc\n\n## Phase 1: Setup\n\n- [ ] T001 Divide in src/lib.rs per FR-009\n";
        let files = [("specs/001-calc/spec.md", spec), ("specs/001-calc/tasks.md", tasks)];
        let text =
            fix(&files, "/ws/specs/001-calc/tasks.md", "FR-009", "Add a stub for `FR-009` to specs/001-calc/spec.md");
        assert!(
            text.contains(
                "- **FR-002**: sub\n- **FR-009**: [NEEDS CLARIFICATION: cited in specs/001-calc/tasks.md but not specified yet]\n\n## Success"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_clarification_marker_becomes_a_question_of_todays_session() {
        let spec = "# Feature Specification: Calc\n\n## User Scenarios & Testing\n\nStories.\n\n## Requirements\n\n- **FR-001**: round to [NEEDS CLARIFICATION: how many decimals?] places\n";
        let text =
            fix(&[("specs/001-calc/spec.md", spec)], SPEC_PATH, "[NEEDS", "Move the question to `## Clarifications`");
        insta::assert_snapshot!(text);
        let existing = spec.replace(
            "## User Scenarios",
            "## Clarifications\n\n### Session 2026-01-02\n\n- Q: which sign? → A: minus\n\n## User Scenarios",
        );
        let text = fix(&[("specs/001-calc/spec.md", &existing)], SPEC_PATH, "[NEEDS", "Move the question");
        assert!(
            text.contains("- Q: which sign? → A: minus\n- Q: how many decimals? → A: (answer)\n\n## User"),
            "{text}"
        );
        assert!(text.contains("round to places"), "{text}");
    }
}
