//! The actions of a failing requirement (`test-failing` on a clause): mark the spec gap, add a
//! task to fix it, open the failing test. A failing test can mean the requirement or the
//! implementation is wrong; specls does not guess, so none of them is preferred.

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::analysis::diagnostics::Diagnostic;
use crate::analysis::index::{ClauseLoc, IndexedDoc, WorkspaceIndex};
use crate::analysis::test_state::{CaseLink, link, locate_file};
use crate::model::Clause;
use crate::model::results::{Failure, TestCase};

use super::{Action, ActionKind, Open, append_block, feature_dir, fill, format_of, line_end, task};

/// Longest failure message quoted in a marker.
const MAX_MESSAGE: usize = 160;

/// A failing clause and its first failing test, as the actions quote them.
pub(super) struct Failing<'a> {
    pub clause: &'a Clause,
    pub test: String,
    pub message: String,
    /// The test's source file, relative to the workspace, when known.
    pub file: Option<String>,
    /// Where the test is: its function's name, else where it failed.
    pub site: Option<Open>,
}

pub(super) fn actions(index: &WorkspaceIndex, doc: &IndexedDoc, diagnostic: &Diagnostic, out: &mut Vec<Action>) {
    let Some(failing) = failing_at(index, doc, &diagnostic.range) else { return };
    out.extend(mark(index, doc, &failing, Some(diagnostic)));
    out.extend(task::add(index, doc, &failing, diagnostic));
    if let Some(site) = failing.site {
        let mut open = Action::fix(format!("Open failing test {}", failing.test), diagnostic);
        open.open = Some(site);
        out.push(open);
    }
}

/// The Mark-spec-gap edit of every failing clause of a document (`specls gaps`).
pub fn spec_gaps(index: &WorkspaceIndex, path: &Path) -> Vec<Action> {
    let Some(doc) = index.doc(path) else { return Vec::new() };
    doc.model
        .clauses
        .iter()
        .filter_map(|c| failing_at(index, doc, &c.id_range))
        .filter_map(|f| mark(index, doc, &f, None))
        .collect()
}

/// The clause whose key is at `range`, if a verifying test of it failed.
fn failing_at<'a>(index: &WorkspaceIndex, doc: &'a IndexedDoc, range: &Range<usize>) -> Option<Failing<'a>> {
    let model = &doc.model;
    let i = model.clauses.iter().position(|c| &c.id_range == range)?;
    let clause = &model.clauses[i];
    let loc = ClauseLoc {
        doc: index.doc_id(&model.path)?,
        index: i as u32,
        scope: index.scope_id(model.scope.as_deref()),
        global: clause.global,
    };
    let links = link(index);
    let (case_link, case, failure): (&CaseLink, &TestCase, &Failure) = links.of_clause(loc).find_map(|l| {
        let (_, case) = index.results.case(l.case)?;
        Some((l, case, case.status.failure()?))
    })?;
    let failure_doc = failure.location.as_ref().and_then(|l| Some((locate_file(index, &l.file)?, l.line)));
    let file = case_link
        .function
        .as_ref()
        .map(|f| index.relative(index.path(f.doc)))
        .or_else(|| failure_doc.map(|(d, _)| index.relative(index.path(d))))
        .or_else(|| case.file.clone());
    let site = match (&case_link.function, failure_doc) {
        (Some(f), _) => Some(Open { path: index.path(f.doc).to_path_buf(), range: f.name.clone() }),
        (None, Some((d, line))) => index.doc_by_id(d).and_then(|doc| {
            let line = (line as usize).checked_sub(1).filter(|l| *l < doc.lines().line_count())?;
            let start = doc.lines().line_start(line);
            Some(Open { path: doc.model.path.clone(), range: start..start })
        }),
        (None, None) => None,
    };
    Some(Failing { clause, test: case.name.clone(), message: one_line(&failure.summary), file, site })
}

/// A failure message fit for a marker: one line, no brackets, capped.
fn one_line(message: &str) -> String {
    let flat: String =
        message.chars().filter(|c| !matches!(c, '[' | ']')).map(|c| if c.is_whitespace() { ' ' } else { c }).collect();
    let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(MAX_MESSAGE) {
        Some((at, _)) => format!("{}…", &flat[..at]),
        None => flat,
    }
}

/// Mark spec gap: the format's marker at the end of the clause's first line, or (OpenSpec) an
/// open question in the change's design. Not offered when the gap is already recorded.
fn mark(index: &WorkspaceIndex, doc: &IndexedDoc, f: &Failing, diagnostic: Option<&Diagnostic>) -> Option<Action> {
    let format = format_of(index, doc)?;
    let fields = [("test", f.test.as_str()), ("message", f.message.as_str()), ("clause", &*f.clause.id)];
    let text: &str = &doc.text;
    let new = |title: String| Action {
        title,
        kind: ActionKind::QuickFix,
        fixes: diagnostic.cloned(),
        create: Vec::new(),
        edits: Vec::new(),
        open: None,
    };
    if let (Some(file), Some(section), Some(question), Some(_)) =
        (&format.question_file, &format.question_section, &format.question, &doc.model.scope)
    {
        let path: PathBuf = feature_dir(doc).join(file);
        let entry = fill(question, &fields);
        if index.doc(&path).is_some_and(|d| d.text.contains(&entry)) {
            return None;
        }
        let title = format!("Mark spec gap: open question on `{}` in {}", f.clause.id, file);
        return Some(new(title).append(question_edit(index, &path, section, &entry)));
    }
    let end = line_end(text, f.clause.id_range.start);
    let line = &text[super::line_start(text, f.clause.id_range.start)..end];
    if line.contains("[NEEDS CLARIFICATION:") && line.contains(&f.test) {
        return None;
    }
    let marker = fill(&format.marker, &fields);
    let body_end = end - (line.len() - line.trim_end().len());
    let markers = doc.model.markers.iter().filter(|m| &*m.kind == "clarification").count();
    let mut title = format!("Mark spec gap on `{}`: clarification marker for {}", f.clause.id, f.test);
    if let Some(max) = format.max_markers
        && markers >= max
    {
        title.push_str(&format!(" (warning: this spec has {markers} markers; Spec Kit allows {max})"));
    }
    Some(new(title).edit(&doc.model.path, body_end..end, format!(" {marker}")))
}

/// An entry added under the section `heading` of a file: at its end when the file has it, else
/// in a new section at the end of the file (or of a new file).
fn question_edit(index: &WorkspaceIndex, path: &Path, heading: &str, entry: &str) -> super::Appended {
    let title = heading.trim_start_matches('#').trim();
    if let Some(doc) = index.doc(path)
        && let Some(section) = doc.model.sections.iter().find(|s| s.title == title)
    {
        let at = super::after_last_line(&doc.text, &section.range);
        let sep = if at == section.heading.end || doc.text[..at].ends_with(heading) { "\n\n" } else { "\n" };
        return super::Appended {
            edit: super::FileEdit { path: path.to_path_buf(), range: at..at, new_text: format!("{sep}{entry}") },
            create: false,
        };
    }
    append_block(index, path, &format!("{heading}\n\n{entry}"), None)
}

/// Verifies specs/005-test-results/spec.md FR-013, FR-016.
#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::analysis::actions::code_actions;
    use crate::analysis::actions::testing::applied;
    use crate::analysis::index::test_workspace;
    use crate::analysis::test_state::TestResults;
    use crate::model::results::parse;

    const JUNIT: &str = r#"<testsuites><testsuite name="calc"><testcase name="tests::fr_002_subtracts" classname="calc"><failure message="assertion failed: [left] == right&#10;second line"/></testcase></testsuite></testsuites>"#;
    const RUST: &str = "#[cfg(test)]\nmod tests {\n    #[test]\n    fn fr_002_subtracts() {}\n}\n";

    fn workspace(files: &[(&str, &str)]) -> WorkspaceIndex {
        let mut all = files.to_vec();
        all.push(("src/lib.rs", RUST));
        let mut index = test_workspace(&all);
        let run = parse(Path::new("/ws/junit.xml"), JUNIT.as_bytes()).expect("parses");
        index.results = Arc::new(TestResults { runs: vec![run], problems: Vec::new() });
        index
    }

    fn at(index: &WorkspaceIndex, path: &str, needle: &str) -> Vec<Action> {
        let doc = index.doc(Path::new(path)).expect("indexed");
        let at = doc.text.find(needle).expect("needle");
        code_actions(index, Path::new(path), at..at, "2026-01-02")
    }

    const SPEC: &str = "# Feature Specification: Calc\n\n## Requirements\n\n- **FR-001**: add\n- **FR-002**: subtract  \n- **FR-003**: multiply\n";

    #[test]
    fn a_spec_kit_gap_is_a_marker_at_the_end_of_the_requirement_line() {
        let index = workspace(&[("specs/001-calc/spec.md", SPEC)]);
        let actions = at(&index, "/ws/specs/001-calc/spec.md", "FR-002");
        let titles: Vec<&str> = actions.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Mark spec gap on `FR-002`: clarification marker for tests::fr_002_subtracts",
                "Add task T001 to fix `FR-002` (tests::fr_002_subtracts fails)",
                "Open failing test tests::fr_002_subtracts",
            ]
        );
        assert_eq!(
            applied(&index, &actions[0], "/ws/specs/001-calc/spec.md").lines().nth(5),
            Some(
                "- **FR-002**: subtract [NEEDS CLARIFICATION: tests::fr_002_subtracts fails — assertion failed: left == right; is the requirement or the implementation wrong?]"
            )
        );
        let open = actions[2].open.as_ref().expect("a location");
        assert_eq!(open.path, Path::new("/ws/src/lib.rs"));
        assert_eq!(&RUST[open.range.clone()], "fr_002_subtracts");
    }

    #[test]
    fn the_fourth_marker_is_offered_with_a_warning_and_a_recorded_gap_is_not_offered_again() {
        let marked =
            SPEC.replace("add", "add [NEEDS CLARIFICATION: a] [NEEDS CLARIFICATION: b] [NEEDS CLARIFICATION: c]");
        let index = workspace(&[("specs/001-calc/spec.md", &marked)]);
        let actions = at(&index, "/ws/specs/001-calc/spec.md", "FR-002");
        assert!(
            actions[0].title.ends_with("(warning: this spec has 3 markers; Spec Kit allows 3)"),
            "{}",
            actions[0].title
        );
        let done = applied(&index, &actions[0], "/ws/specs/001-calc/spec.md");
        let index = workspace(&[("specs/001-calc/spec.md", &done)]);
        assert!(
            at(&index, "/ws/specs/001-calc/spec.md", "FR-002").iter().all(|a| !a.title.starts_with("Mark spec gap"))
        );
    }

    #[test]
    fn a_kiro_gap_is_a_marker_on_the_criterion() {
        let req = "# Requirements Document\n\n## Requirements\n\n### Requirement 1\n\n**User Story:** As a user, I want sums, so that I pay.\n\n#### Acceptance Criteria\n\n1. WHEN two numbers are given THEN the system SHALL subtract them\n";
        let rust = "/// Verifies .kiro/specs/calc/requirements.md Requirement 1.1\n#[test]\nfn fr_002_subtracts() {}\n";
        let mut index = test_workspace(&[(".kiro/specs/calc/requirements.md", req), ("tests/calc.rs", rust)]);
        let run = parse(Path::new("/ws/junit.xml"), JUNIT.as_bytes()).expect("parses");
        index.results = Arc::new(TestResults { runs: vec![run], problems: Vec::new() });
        let gaps = spec_gaps(&index, Path::new("/ws/.kiro/specs/calc/requirements.md"));
        assert_eq!(gaps.len(), 1, "{gaps:?}");
        let text = applied(&index, &gaps[0], "/ws/.kiro/specs/calc/requirements.md");
        assert!(text.contains("SHALL subtract them [NEEDS CLARIFICATION: tests::fr_002_subtracts fails"), "{text}");
    }

    #[test]
    fn an_openspec_gap_is_an_open_question_in_the_change_design() {
        let delta = "## ADDED Requirements\n\n### Requirement: Subtraction\nThe system SHALL subtract.\n\n#### Scenario: Two numbers\n- **WHEN** two numbers\n- **THEN** the difference\n";
        let design = "## Context\n\nA calculator.\n\n## Open Questions\n\n- Which rounding?\n\n## Risks\n\n- None\n";
        let index = test_workspace(&[
            ("openspec/changes/add-sub/specs/calc/spec.md", delta),
            ("openspec/changes/add-sub/design.md", design),
        ]);
        let doc = index.doc(Path::new("/ws/openspec/changes/add-sub/specs/calc/spec.md")).expect("indexed");
        let failing = Failing {
            clause: doc.model.clauses.iter().find(|c| &*c.id == "Subtraction").expect("a requirement"),
            test: "tests::fr_002_subtracts".into(),
            message: "assertion failed: left == right".into(),
            file: None,
            site: None,
        };
        let gaps = [mark(&index, doc, &failing, None).expect("an open question")];
        let text = applied(&index, &gaps[0], "/ws/openspec/changes/add-sub/design.md");
        assert!(
            text.contains("- Which rounding?\n- tests::fr_002_subtracts fails (assertion failed: left == right): is requirement \"Subtraction\" or the implementation wrong?\n\n## Risks"),
            "{text}"
        );
    }
}
