//! The trace matrix: for each clause that code and tests answer to (requirements, success
//! criteria, stories, Kiro criteria, OpenSpec requirements…), the tasks that cite it, the code
//! that implements it and the tests that verify it with their results, rolled up into its state.
//! `specls trace` renders it (`cli/trace.rs`) and the server's `specls.showTraceReport` command
//! returns its Markdown; the JSON shape is documented by `docs/trace.schema.json`.

use std::collections::HashSet;
use std::path::Path;

use serde::Serialize;

use crate::model::results::Status;

use super::index::{ClauseLoc, DocId, WorkspaceIndex};
use super::navigate::{coverage, display_key};
use super::test_state::{self, Links, State};

/// Clause kinds that are not traced: tasks are columns of the matrix, checklist items check the
/// spec itself, principles govern every feature, and acceptance scenarios belong to their story.
const NOT_TRACED: [&str; 4] = ["task", "checklist-item", "principle", "acceptance-scenario"];

/// The whole matrix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Trace {
    /// The results files the states rest on (workspace-relative paths).
    pub results: Vec<String>,
    pub summary: Summary,
    pub features: Vec<Feature>,
}

/// How many rows are in each state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub clauses: usize,
    pub failing: usize,
    pub verified: usize,
    pub not_run: usize,
    pub untested: usize,
    pub stale: usize,
}

/// The rows of one feature folder (its scope), or of the documents outside any feature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Feature {
    /// The scope folder, workspace-relative; empty for documents outside any feature.
    pub scope: String,
    pub rows: Vec<Row>,
}

/// One clause and what answers to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Row {
    /// As people read it: `FR-001`, `US1`, `Criterion 1.2`.
    pub key: String,
    pub kind: String,
    pub title: String,
    pub path: String,
    /// 1-based line of the key.
    pub line: usize,
    pub state: RowState,
    /// The results predate a change to the clause's document or to a linked test.
    pub stale: bool,
    pub tasks: Vec<Task>,
    /// Code that implements the clause.
    pub code: Vec<Place>,
    /// Tests that verify it, with their latest outcome.
    pub tests: Vec<Test>,
}

/// A clause's state, spelled for machines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RowState {
    Failing,
    Verified,
    NotRun,
    Untested,
}

impl RowState {
    pub const ALL: [RowState; 4] = [RowState::Failing, RowState::Verified, RowState::NotRun, RowState::Untested];

    pub fn as_str(self) -> &'static str {
        match self {
            RowState::Failing => "failing",
            RowState::Verified => "verified",
            RowState::NotRun => "not-run",
            RowState::Untested => "untested",
        }
    }
}

impl std::str::FromStr for RowState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        RowState::ALL.into_iter().find(|state| state.as_str() == s).ok_or_else(|| {
            let names: Vec<&str> = RowState::ALL.iter().map(|s| s.as_str()).collect();
            format!("unknown state `{s}` (expected one of {})", names.join(", "))
        })
    }
}

impl From<State> for RowState {
    fn from(state: State) -> Self {
        match state {
            State::Failing => RowState::Failing,
            State::Verified => RowState::Verified,
            State::NotRun => RowState::NotRun,
            State::Untested => RowState::Untested,
        }
    }
}

/// A task citing the clause.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Task {
    pub id: String,
    pub done: bool,
    pub path: String,
    pub line: usize,
}

/// A mention in code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Place {
    pub path: String,
    pub line: usize,
}

/// A test of the clause: a result's test case, or a verifying test no result mentions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Test {
    pub name: String,
    /// Where the test function is, when it was found.
    pub path: Option<String>,
    pub line: Option<usize>,
    pub outcome: Outcome,
    /// The first line of a failure.
    pub message: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Passed,
    /// Passed on a retry after failing.
    Flaky,
    Failed,
    Error,
    Skipped,
    /// No results file has this test.
    NoResult,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Flaky => "flaky",
            Outcome::Failed => "failed",
            Outcome::Error => "error",
            Outcome::Skipped => "skipped",
            Outcome::NoResult => "no-result",
        }
    }
}

/// The trace of every spec document under one of `under` (every document when empty), in path
/// order, from the index's code and results.
pub fn trace(index: &WorkspaceIndex, under: &[&Path]) -> Trace {
    let links = test_state::link(index);
    let mut docs: Vec<DocId> = index
        .docs()
        .filter(|d| d.model.kind != index.grammar.code_kind)
        .filter(|d| under.is_empty() || under.iter().any(|u| d.model.path.starts_with(u)))
        .filter_map(|d| index.doc_id(&d.model.path))
        .collect();
    docs.sort_by(|a, b| index.path(*a).cmp(index.path(*b)));
    let mut features: Vec<Feature> = Vec::new();
    for id in docs {
        let Some(doc) = index.doc_by_id(id) else { continue };
        let scope_path = doc.model.scope.as_deref();
        let scope = scope_path.map(|s| index.relative(s)).unwrap_or_default();
        let scope_id = index.scope_id(scope_path);
        let rows: Vec<Row> = doc
            .model
            .clauses
            .iter()
            .enumerate()
            .filter(|(_, c)| !NOT_TRACED.contains(&c.kind.as_str()))
            .filter_map(|(i, c)| {
                row(index, &links, ClauseLoc { doc: id, index: i as u32, scope: scope_id, global: c.global })
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        match features.iter_mut().find(|f| f.scope == scope) {
            Some(feature) => feature.rows.extend(rows),
            None => features.push(Feature { scope, rows }),
        }
    }
    features.sort_by(|a, b| a.scope.cmp(&b.scope));
    let results = index.results.runs.iter().map(|r| index.relative(&r.path)).collect();
    Trace { results, summary: summarise(&features), features }
}

/// The counts per state of some rows.
pub fn summarise(features: &[Feature]) -> Summary {
    let mut summary = Summary::default();
    for r in features.iter().flat_map(|f| &f.rows) {
        summary.clauses += 1;
        summary.stale += usize::from(r.stale);
        match r.state {
            RowState::Failing => summary.failing += 1,
            RowState::Verified => summary.verified += 1,
            RowState::NotRun => summary.not_run += 1,
            RowState::Untested => summary.untested += 1,
        }
    }
    summary
}

fn row(index: &WorkspaceIndex, links: &Links, loc: ClauseLoc) -> Option<Row> {
    let (doc, clause) = index.clause(&loc)?;
    let status = test_state::status(index, links, loc);
    let covered = coverage(index, loc);
    let place = |doc: DocId, offset: usize| {
        let indexed = index.doc_by_id(doc)?;
        Some(Place { path: index.relative(index.path(doc)), line: indexed.lines().line_of(offset) + 1 })
    };
    let mut tasks = Vec::new();
    for mention in &covered.tasks {
        let Some((task_doc, reference)) = index.reference(mention) else { continue };
        let Some(task) = super::navigate::task_of(&task_doc.model.clauses, reference) else { continue };
        let Some(at) = place(mention.doc, task.id_range.start) else { continue };
        if !tasks.iter().any(|t: &Task| *t.id == *task.id && t.path == at.path) {
            tasks.push(Task {
                id: task.id.to_string(),
                done: checked(&task_doc.text[task.range.clone()]),
                path: at.path,
                line: at.line,
            });
        }
    }
    let code = covered.code.iter().filter_map(|m| place(m.doc, index.reference(m)?.1.range.start)).collect();
    let mut tests = Vec::new();
    // Functions whose results are listed: their mentions are not listed again.
    let mut with_results: HashSet<(DocId, Option<usize>)> = HashSet::new();
    for link in links.of_clause(loc) {
        let Some((_, case)) = index.results.case(link.case) else { continue };
        let function = link.function.as_ref();
        if let Some(f) = function {
            // Its own mentions, its module's tags and its file's header tags.
            with_results.extend([
                (f.doc, Some(f.unit)),
                (f.doc, test_state::enclosing_module(index, f)),
                (f.doc, None),
            ]);
        }
        let at = function.and_then(|f| place(f.doc, f.name.start));
        let (outcome, message) = match &case.status {
            Status::Passed => (Outcome::Passed, None),
            Status::Flaky(_) => (Outcome::Flaky, None),
            Status::Failed(f) => (Outcome::Failed, Some(f.summary.clone())),
            Status::Error(f) => (Outcome::Error, Some(f.summary.clone())),
            Status::Skipped => (Outcome::Skipped, None),
        };
        tests.push(Test {
            name: case.name.clone(),
            path: at.as_ref().map(|p| p.path.clone()),
            line: at.map(|p| p.line),
            outcome,
            message,
        });
    }
    for mention in &covered.tests {
        let Some((test_doc, reference)) = index.reference(mention) else { continue };
        if with_results.contains(&(mention.doc, reference.unit)) {
            continue;
        }
        let name = reference
            .unit
            .and_then(|u| index.grammar.code.function_name_at(&test_doc.model.path, &test_doc.text, u))
            .map(|n| test_doc.text[n].to_string());
        let at = place(mention.doc, reference.range.start);
        let name = name.unwrap_or_else(|| at.as_ref().map(|p| format!("{}:{}", p.path, p.line)).unwrap_or_default());
        tests.push(Test {
            name,
            path: at.as_ref().map(|p| p.path.clone()),
            line: at.map(|p| p.line),
            outcome: Outcome::NoResult,
            message: None,
        });
    }
    Some(Row {
        key: display_key(clause),
        kind: clause.kind.to_string(),
        title: clause.title_in(&doc.text).to_string(),
        path: index.relative(&doc.model.path),
        line: doc.lines().line_of(clause.id_range.start) + 1,
        state: status.state.into(),
        stale: status.stale,
        tasks,
        code,
        tests,
    })
}

/// Whether a task's list item is checked (`- [x] T001 …`).
fn checked(item: &str) -> bool {
    let rest = item.trim_start().trim_start_matches(['-', '*', '+']).trim_start();
    rest.starts_with("[x]") || rest.starts_with("[X]")
}

/// The trace as Markdown: a summary line, then a table per feature.
pub fn markdown(trace: &Trace) -> String {
    let s = &trace.summary;
    let mut out = String::from("# Trace\n\n");
    out.push_str(&format!(
        "{} clauses: {} failing · {} verified · {} not run · {} untested · {} stale\n\n",
        s.clauses, s.failing, s.verified, s.not_run, s.untested, s.stale
    ));
    if !trace.results.is_empty() {
        out.push_str(&format!(
            "Results: {}\n\n",
            trace.results.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    for feature in &trace.features {
        let title = if feature.scope.is_empty() { "Outside features" } else { &feature.scope };
        out.push_str(&format!(
            "## {title}\n\n| Key | Title | State | Tasks | Code | Tests |\n|---|---|---|---|---|---|\n"
        ));
        for row in &feature.rows {
            let state =
                if row.stale { format!("{} (stale)", row.state.as_str()) } else { row.state.as_str().to_string() };
            let tasks =
                row.tasks.iter().map(|t| format!("{} {}", t.id, if t.done { "✓" } else { "☐" })).collect::<Vec<_>>();
            let code = row.code.iter().map(|c| format!("`{}:{}`", c.path, c.line)).collect::<Vec<_>>();
            let tests = row
                .tests
                .iter()
                .map(|t| match &t.message {
                    Some(m) => format!("`{}` {}: {}", t.name, t.outcome.as_str(), m),
                    None => format!("`{}` {}", t.name, t.outcome.as_str()),
                })
                .collect::<Vec<_>>();
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                cell(&row.key),
                cell(&row.title),
                state,
                cell(&list(&tasks)),
                cell(&list(&code)),
                cell(&list(&tests))
            ));
        }
        out.push('\n');
    }
    out
}

fn list(items: &[String]) -> String {
    if items.is_empty() { "—".to_string() } else { items.join("<br>") }
}

/// A table cell: pipes escaped, on one line.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Verifies specs/005-test-results/spec.md FR-016, FR-018.
#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;
    use crate::analysis::index::test_workspace;
    use crate::analysis::test_state::TestResults;
    use crate::model::results::parse;

    const SPEC: &str = "# Feature Specification: Calc\n\n## Requirements\n\n- **FR-001**: add | sum\n- **FR-002**: subtract\n- **FR-003**: multiply\n";
    const TASKS: &str = "# Tasks: Calc\n\n- [x] T001 Adder per FR-001\n- [ ] T002 Subtractor per FR-001, FR-002\n";
    const RUST: &str = "// Implements: FR-002\npub fn sub() {}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn fr_001_adds() {}\n\n    /// Verifies: FR-002\n    #[test]\n    fn subtracts() {}\n}\n";

    #[test]
    fn rows_carry_tasks_code_tests_and_states() {
        let mut index = test_workspace(&[
            ("specs/001-calc/spec.md", SPEC),
            ("specs/001-calc/tasks.md", TASKS),
            ("src/lib.rs", RUST),
        ]);
        let junit = br#"<testsuite name="calc"><testcase name="tests::fr_001_adds" classname="calc"><failure message="boom"/></testcase></testsuite>"#;
        let run = parse(Path::new("/ws/junit.xml"), junit).expect("parses");
        index.results = Arc::new(TestResults { runs: vec![run], problems: Vec::new() });
        let trace = trace(&index, &[]);
        assert_eq!(trace.features.len(), 1);
        let rows = &trace.features[0].rows;
        let view: Vec<(&str, RowState, usize, usize, Vec<Outcome>)> = rows
            .iter()
            .map(|r| {
                (r.key.as_str(), r.state, r.tasks.len(), r.code.len(), r.tests.iter().map(|t| t.outcome).collect())
            })
            .collect();
        assert_eq!(
            view,
            [
                ("FR-001", RowState::Failing, 2, 0, vec![Outcome::Failed]),
                ("FR-002", RowState::NotRun, 1, 1, vec![Outcome::NoResult]),
                ("FR-003", RowState::Untested, 0, 0, vec![]),
            ]
        );
        assert_eq!((rows[0].tasks[0].done, rows[0].tasks[1].done), (true, false));
        assert_eq!(rows[1].tests[0].name, "subtracts");
        assert_eq!(rows[0].tests[0].message.as_deref(), Some("boom"));
        assert_eq!((trace.summary.clauses, trace.summary.failing, trace.summary.untested), (3, 1, 1));
        let text = markdown(&trace);
        assert!(text.contains("## specs/001-calc\n"), "{text}");
        assert!(
            text.contains(
                "| FR-001 | add \\| sum | failing | T001 ✓<br>T002 ☐ | — | `tests::fr_001_adds` failed: boom |"
            ),
            "{text}"
        );
    }
}
