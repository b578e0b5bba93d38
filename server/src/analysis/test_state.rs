//! Test results joined to clauses: which clauses each test case verifies, and each clause's
//! state (failing, verified, not run, untested), with staleness and the results' age.
//!
//! A case links to the clauses its name carries (`fr_002_…`, `FR-004 refuses zero`), that its
//! link properties name (`verifies`, `requirement`), and that its test function mentions. The
//! function is found through the code index: by the case's file and line when the producer wrote
//! them, else by name, with the classname to choose between namesakes. A key or a name that
//! stays ambiguous links to nothing, as mentions do elsewhere.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::model::results::{ResultsGrammar, TestCase, TestRun};
use crate::model::{DocModel, Reference, Role};

use super::index::{ClauseLoc, DocId, WorkspaceIndex};
use super::navigate;
use super::resolve::{Resolution, resolve};

/// The results files read, and the ones that could not be.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TestResults {
    pub runs: Vec<TestRun>,
    /// A file and why it was not read.
    pub problems: Vec<(PathBuf, String)>,
}

impl TestResults {
    pub fn case(&self, id: CaseId) -> Option<(&TestRun, &TestCase)> {
        let run = self.runs.get(id.run as usize)?;
        Some((run, run.cases.get(id.case as usize)?))
    }
}

/// A test case: its run and its place in that run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CaseId {
    pub run: u32,
    pub case: u32,
}

/// A test function in an indexed source file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestFunction {
    pub doc: DocId,
    /// Where its definition starts (the `unit` of its mentions).
    pub unit: usize,
    pub name: Range<usize>,
}

/// What one test case verifies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseLink {
    pub case: CaseId,
    pub function: Option<TestFunction>,
    pub clauses: Vec<ClauseLoc>,
}

/// Every case's links, and the cases of each clause.
#[derive(Debug, Default)]
pub struct Links {
    pub cases: Vec<CaseLink>,
    by_clause: HashMap<ClauseLoc, Vec<usize>>,
}

impl Links {
    /// The cases that verify a clause.
    pub fn of_clause(&self, clause: ClauseLoc) -> impl Iterator<Item = &CaseLink> {
        self.by_clause.get(&clause).into_iter().flatten().map(|&i| &self.cases[i])
    }
}

/// Link every test case of the index's results to the clauses it verifies.
pub fn link(index: &WorkspaceIndex) -> Links {
    let results = &index.results;
    if results.runs.is_empty() {
        return Links::default();
    }
    let functions = test_functions(index);
    let grammar = ResultsGrammar::builtin();
    let mut links = Links::default();
    for (r, run) in results.runs.iter().enumerate() {
        for (c, case) in run.cases.iter().enumerate() {
            let function = locate_function(index, &functions, case);
            // The test's file: its function's, else the one the producer names or the failure is in.
            let doc = function
                .as_ref()
                .map(|f| f.doc)
                .or_else(|| case.file.as_deref().and_then(|f| locate_file(index, f)))
                .or_else(|| {
                    let failure = case.status.failure()?;
                    locate_file(index, &failure.location.as_ref()?.file)
                })
                .and_then(|id| index.doc_by_id(id));
            let fallback;
            let from: &DocModel = match doc {
                Some(doc) => &doc.model,
                None => {
                    fallback = DocModel::empty(&run.path, index.grammar.code_kind, None, 0);
                    &fallback
                }
            };
            let mut keys = index.grammar.code.keys_in_name(&case.name);
            for (_, value) in case.properties.iter().filter(|(n, _)| grammar.is_link_property(n)) {
                keys.extend(index.grammar.code.keys_in_name(value));
            }
            // A key the name carries unqualified takes the pin of the test's own mentions (a file
            // header naming `specs/001-calc/spec.md`), as the test's comments would.
            let file_pin = doc.and_then(|d| {
                let own = |r: &&Reference| function.as_ref().is_some_and(|f| r.unit == Some(f.unit));
                let refs = &d.model.references;
                refs.iter().filter(own).chain(refs.iter()).find_map(|r| r.pin.clone())
            });
            let mut clauses: Vec<ClauseLoc> = Vec::new();
            for (namespace, id, pin) in keys {
                let pin = pin.map(String::into_boxed_str).or_else(|| file_pin.clone());
                let reference =
                    Reference { id: id.into(), namespace, range: 0..0, role: Role::Verifies, pin, unit: None };
                if let Resolution::Resolved(clause) = resolve(index, from, &reference) {
                    clauses.push(clause);
                }
            }
            if let (Some(f), Some(doc)) = (&function, doc) {
                // Its own mentions, and the verifying tags of its module and of the file's header.
                let module = enclosing_module(index, f);
                let covers = |r: &&Reference| match r.unit {
                    Some(unit) if unit == f.unit => r.role != Role::Cites,
                    unit => (unit.is_none() || unit == module) && r.role == Role::Verifies,
                };
                for reference in doc.model.references.iter().filter(covers) {
                    if let Resolution::Resolved(clause) = resolve(index, &doc.model, reference) {
                        clauses.push(clause);
                    }
                }
            }
            let mut unique = Vec::new();
            for clause in clauses {
                if !unique.contains(&clause) {
                    unique.push(clause);
                }
            }
            let i = links.cases.len();
            for clause in &unique {
                links.by_clause.entry(*clause).or_default().push(i);
            }
            links.cases.push(CaseLink { case: CaseId { run: r as u32, case: c as u32 }, function, clauses: unique });
        }
    }
    links
}

/// The functions of indexed source files (the files that hold mentions), by name. A function
/// without mentions of its own still counts: the module around it may carry the tag.
fn test_functions(index: &WorkspaceIndex) -> HashMap<String, Vec<TestFunction>> {
    let mut out: HashMap<String, Vec<TestFunction>> = HashMap::new();
    for doc in index.docs().filter(|d| d.model.kind == index.grammar.code_kind && !d.model.references.is_empty()) {
        let Some(id) = index.doc_id(&doc.model.path) else { continue };
        for (unit, name) in index.grammar.code.functions_in(&doc.model.path, &doc.text) {
            out.entry(doc.text[name.clone()].to_string()).or_default().push(TestFunction { doc: id, unit, name });
        }
    }
    out
}

/// Where the module around a test function starts (`mod tests {`): mentions in its doc comment
/// have that `unit` and cover every test in it, as a file's header comment (no `unit`) does.
pub fn enclosing_module(index: &WorkspaceIndex, function: &TestFunction) -> Option<usize> {
    let doc = index.doc_by_id(function.doc)?;
    index.grammar.code.module_before(&doc.model.path, &doc.text, function.unit)
}

/// The test function of a case: at its file and line, else the one function its name and
/// classname pick out.
fn locate_function(
    index: &WorkspaceIndex,
    functions: &HashMap<String, Vec<TestFunction>>,
    case: &TestCase,
) -> Option<TestFunction> {
    if let (Some(file), Some(line)) = (&case.file, case.line)
        && let Some(id) = locate_file(index, file)
        && let Some(found) = function_at_line(index, functions, id, line)
    {
        return Some(found);
    }
    let name = function_name(&case.name)?;
    let candidates = functions.get(name)?;
    if let [one] = candidates.as_slice() {
        return Some(one.clone());
    }
    // Several functions of that name: the classname's segments (`tests.test_calc`, a nextest
    // binary ID, a Go package path) and the module path of the name (nextest's
    // `analysis::trace::tests::…`) pick the file whose path shares the most of them.
    let module_path = case.name.rsplit_once("::").map(|(path, _)| path);
    let hints: Vec<String> = case
        .classname
        .iter()
        .map(String::as_str)
        .chain(module_path)
        .flat_map(|c| c.split(['.', '/', ':']))
        .filter(|s| !s.is_empty())
        .map(|s| s.replace('-', "_"))
        .collect();
    let score = |f: &TestFunction| {
        let relative = index.relative(index.path(f.doc));
        let parts: Vec<&str> = relative.split('/').map(|p| p.split('.').next().unwrap_or(p)).collect();
        hints.iter().filter(|h| parts.contains(&h.as_str())).count()
    };
    let best = candidates.iter().map(score).max()?;
    let mut top = candidates.iter().filter(|f| score(f) == best);
    match (top.next(), top.next()) {
        (Some(one), None) if best > 0 => Some(one.clone()),
        _ => None,
    }
}

/// The function a case name names: its last path segment (`tests::fr_002_…`), without
/// parameters (`test_x[1-2]`) or subtests (`TestX/sub`); none for free-text names (jest titles).
fn function_name(name: &str) -> Option<&str> {
    let name = name.split('/').next().unwrap_or(name);
    let name = name.split('[').next().unwrap_or(name);
    let name = name.rsplit("::").next().unwrap_or(name);
    let name = name.rsplit('.').next().unwrap_or(name).trim();
    (!name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '$')).then_some(name)
}

/// The indexed function of a document whose definition starts at or before a 1-based line, or
/// on that line (decorators and attributes come first).
fn function_at_line(
    index: &WorkspaceIndex,
    functions: &HashMap<String, Vec<TestFunction>>,
    doc: DocId,
    line: u32,
) -> Option<TestFunction> {
    let indexed = index.doc_by_id(doc)?;
    let line = line as usize;
    let end = if line < indexed.lines().line_count() { indexed.lines().line_start(line) } else { indexed.text.len() };
    functions.values().flatten().filter(|f| f.doc == doc && f.unit < end).max_by_key(|f| f.unit).cloned()
}

/// The indexed document a producer's file name means: relative to a workspace root, absolute,
/// or (a CI machine's absolute path, a Go file name) the one indexed path it ends with.
pub fn locate_file(index: &WorkspaceIndex, file: &str) -> Option<DocId> {
    let path = Path::new(file);
    if path.is_absolute() {
        if let Some(id) = index.doc_id(path) {
            return Some(id);
        }
    } else {
        for root in index.roots() {
            if let Some(id) = index.doc_id(&root.join(path)) {
                return Some(id);
            }
        }
    }
    let parts: Vec<&std::ffi::OsStr> = path
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(s),
            _ => None,
        })
        .collect();
    for take in (1..=parts.len()).rev() {
        let suffix: PathBuf = parts[parts.len() - take..].iter().collect();
        let mut found = index.docs().filter(|d| d.model.path.ends_with(&suffix));
        match (found.next(), found.next()) {
            (Some(one), None) => return index.doc_id(&one.model.path),
            (Some(_), Some(_)) => return None,
            _ => {}
        }
    }
    None
}

/// A clause's verification state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// A linked test failed or errored.
    Failing,
    /// A linked test passed and none failed.
    Verified,
    /// Tests verify it, but none has a usable result (absent or skipped).
    NotRun,
    /// Nothing verifies it.
    Untested,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Failing => "failing",
            State::Verified => "verified",
            State::NotRun => "not run",
            State::Untested => "untested",
        }
    }
}

/// A clause's state and what it rests on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClauseStatus {
    pub state: State,
    /// The results predate a change to the clause's document or a linked test's source.
    pub stale: bool,
    pub passed: usize,
    pub failed: usize,
    /// When the newest results file that has one of its cases was written.
    pub results_modified: Option<SystemTime>,
}

/// The state of a clause, from its linked cases and its verifying mentions.
pub fn status(index: &WorkspaceIndex, links: &Links, clause: ClauseLoc) -> ClauseStatus {
    let mut passed = 0;
    let mut failed = 0;
    let mut results_modified = None;
    let mut evidence = None;
    let mut sources: Vec<DocId> = vec![clause.doc];
    for link in links.of_clause(clause) {
        let Some((run, case)) = index.results.case(link.case) else { continue };
        results_modified = results_modified.max(run.modified);
        let counts = if case.status.failure().is_some() {
            failed += 1;
            true
        } else if case.status.passed() {
            passed += 1;
            true
        } else {
            false
        };
        if counts {
            evidence = match (evidence, run.modified) {
                (Some(e), Some(m)) => Some(m.min(e)),
                (e, m) => e.or(m),
            };
            sources.extend(link.function.as_ref().map(|f| f.doc));
        }
    }
    let state = if failed > 0 {
        State::Failing
    } else if passed > 0 {
        State::Verified
    } else if links.of_clause(clause).next().is_some() || !navigate::coverage(index, clause).tests.is_empty() {
        State::NotRun
    } else {
        State::Untested
    };
    let stale = evidence.is_some_and(|results| {
        sources.iter().any(|&doc| modified(index.path(doc)).is_some_and(|changed| changed > results))
    });
    ClauseStatus { state, stale, passed, failed, results_modified }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// `N s`, `N min`, `N h` or `N d`: how long ago results were written.
pub fn age(modified: SystemTime, now: SystemTime) -> String {
    let secs = now.duration_since(modified).unwrap_or(Duration::ZERO).as_secs();
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min", secs / 60),
        3600..86400 => format!("{} h", secs / 3600),
        _ => format!("{} d", secs / 86400),
    }
}

/// A short summary of a clause's state for hovers and lenses: `failing (1 ✗, 2 ✓) · results 3 min old`.
pub fn summary(status: &ClauseStatus, now: SystemTime) -> String {
    let mut text = status.state.as_str().to_string();
    if status.passed + status.failed > 0 {
        text.push_str(&format!(" ({} ✓, {} ✗)", status.passed, status.failed));
    }
    if status.stale {
        text.push_str(" · stale");
    }
    if let Some(modified) = status.results_modified {
        text.push_str(&format!(" · results {} old", age(modified, now)));
    }
    text
}

/// Verifies specs/005-test-results/spec.md FR-005, FR-006, FR-007, FR-008.
#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::analysis::index::test_workspace;
    use crate::model::results::parse;

    const SPEC: &str = "# Feature Specification: Calc\n\n## Requirements\n\n- **FR-001**: add\n- **FR-002**: subtract\n- **FR-003**: multiply\n- **FR-004**: divide\n- **FR-005**: round\n";
    const RUST: &str = "pub fn x() {}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn fr_001_adds() {}\n\n    /// Verifies: FR-003\n    #[test]\n    fn multiplies() {}\n}\n";

    fn states(junit: &str) -> Vec<(String, State)> {
        let mut index = test_workspace(&[("specs/001-calc/spec.md", SPEC), ("src/lib.rs", RUST)]);
        let run = parse(Path::new("/ws/junit.xml"), junit.as_bytes()).expect("parses");
        index.results = Arc::new(TestResults { runs: vec![run], problems: Vec::new() });
        let links = link(&index);
        let path = Path::new("/ws/specs/001-calc/spec.md");
        let id = index.doc_id(path).expect("indexed");
        let doc = index.doc(path).expect("indexed");
        let scope = index.scope_id(doc.model.scope.as_deref());
        doc.model
            .clauses
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let loc = ClauseLoc { doc: id, index: i as u32, scope, global: c.global };
                (c.id.to_string(), status(&index, &links, loc).state)
            })
            .collect()
    }

    #[test]
    fn names_properties_and_source_mentions_link_cases_to_clauses() {
        let junit = r#"<testsuite name="calc">
<testcase name="tests::fr_001_adds" classname="calc"/>
<testcase name="tests::multiplies" classname="calc"><failure message="boom"/></testcase>
<testcase name="divide FR-004 refuses zero" classname="divide"><skipped/></testcase>
<testcase name="other" classname="x"><properties><property name="Verifies" value="FR-002"/></properties></testcase>
</testsuite>"#;
        assert_eq!(
            states(junit),
            [
                ("FR-001".to_string(), State::Verified),
                ("FR-002".to_string(), State::Verified),
                ("FR-003".to_string(), State::Failing),
                ("FR-004".to_string(), State::NotRun),
                ("FR-005".to_string(), State::Untested),
            ]
        );
    }

    #[test]
    fn a_failure_wins_over_passes_and_ambiguous_keys_link_nothing() {
        let junit = r#"<testsuite name="s"><testcase name="fr_001_a"/><testcase name="fr_001_b"><error message="x"/></testcase></testsuite>"#;
        assert_eq!(states(junit)[0], ("FR-001".to_string(), State::Failing));
        let mut index = test_workspace(&[
            ("specs/001-a/spec.md", "# Feature Specification: A\n\n- **FR-001**: a\n"),
            ("specs/002-b/spec.md", "# Feature Specification: B\n\n- **FR-001**: b\n"),
        ]);
        let run =
            parse(Path::new("/ws/j.xml"), br#"<testsuite><testcase name="fr_001_x"/></testsuite>"#).expect("parses");
        index.results = Arc::new(TestResults { runs: vec![run], problems: Vec::new() });
        assert!(link(&index).cases[0].clauses.is_empty());
        let run = parse(Path::new("/ws/j.xml"), br#"<testsuite><testcase name="002-b/FR-001 x"/></testsuite>"#)
            .expect("parses");
        index.results = Arc::new(TestResults { runs: vec![run], problems: Vec::new() });
        assert_eq!(link(&index).cases[0].clauses.len(), 1, "a qualified key resolves");
    }

    /// Verifies specs/005-test-results/spec.md FR-024.
    #[test]
    fn a_tag_on_a_module_covers_its_tests_and_the_module_path_picks_between_namesakes() {
        let tagged = "pub fn divide() {}\n\n/// Verifies: FR-004\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn works() {}\n}\n";
        let other = "/// Verifies: FR-005\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn works() {}\n}\n";
        let mut index =
            test_workspace(&[("specs/001-calc/spec.md", SPEC), ("src/divide.rs", tagged), ("src/round.rs", other)]);
        let junit = br#"<testsuite name="calc"><testcase name="divide::tests::works" classname="calc"/><testcase name="round::tests::works" classname="calc"><failure message="x"/></testcase></testsuite>"#;
        let run = parse(Path::new("/ws/junit.xml"), junit).expect("parses");
        index.results = Arc::new(TestResults { runs: vec![run], problems: Vec::new() });
        let links = link(&index);
        let path = Path::new("/ws/specs/001-calc/spec.md");
        let id = index.doc_id(path).expect("indexed");
        let scope = index.scope_id(index.doc(path).and_then(|d| d.model.scope.as_deref()));
        let state = |i: u32| status(&index, &links, ClauseLoc { doc: id, index: i, scope, global: false }).state;
        assert_eq!((state(3), state(4)), (State::Verified, State::Failing), "FR-004 by divide.rs, FR-005 by round.rs");
    }

    #[test]
    fn function_names_and_ages() {
        assert_eq!(function_name("tests::fr_002_fails"), Some("fr_002_fails"));
        assert_eq!(function_name("test_x[1-2]"), Some("test_x"));
        assert_eq!(function_name("TestSquareRoot/FR-007_case"), Some("TestSquareRoot"));
        assert_eq!(function_name("divide FR-004 refuses zero"), None);
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(age(t, t + Duration::from_secs(125)), "2 min");
        assert_eq!(age(t, t + Duration::from_secs(7200)), "2 h");
        assert_eq!(age(t + Duration::from_secs(5), t), "0 s", "a clock behind the file says now");
    }
}
