//! Test results: JUnit XML in each producer's dialect (cargo-nextest, pytest, jest-junit,
//! go-junit-report, Surefire, …) and libtest JSON lines, read into one shape.
//!
//! Pure parsing of untrusted files: the XML reader is a pull parser that never expands entities
//! (a DOCTYPE is skipped, `&custom;` stays as written), files over a size limit and binary files are
//! refused, and every error says which file and why. Which properties link a test to requirements,
//! which suites count lines from 0 and how a failure's location is found are data in
//! `grammar/results.toml`.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::SystemTime;

use quick_xml::events::{BytesStart, Event};
use regex::Regex;
use serde::{Deserialize, Serialize};

/// The results grammar compiled into the binary.
const BUILTIN: &str = include_str!("../../../grammar/results.toml");

/// Largest results file read; bigger ones are reported, not parsed.
pub const MAX_RESULTS_BYTES: u64 = 32 * 1024 * 1024;

/// Most test cases kept per file: memory stays bounded on generated or hostile files.
pub const MAX_CASES: usize = 200_000;

/// Longest summary line kept for a failure.
const MAX_SUMMARY_CHARS: usize = 200;

/// Most bytes of a failure's text kept for finding its location.
const MAX_TEXT_BYTES: usize = 16 * 1024;

/// How results are found and read, from `grammar/results.toml`.
#[derive(Debug)]
pub struct ResultsGrammar {
    /// Default globs of results files (workspace-relative).
    pub paths: Vec<String>,
    link_properties: Vec<String>,
    zero_based_suites: Vec<String>,
    generic_messages: Vec<String>,
    locations: Vec<Regex>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResultsFile {
    paths: Vec<String>,
    link_properties: Vec<String>,
    zero_based_suites: Vec<String>,
    generic_messages: Vec<String>,
    locations: Vec<LocationDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LocationDef {
    pattern: String,
}

impl ResultsGrammar {
    /// The grammar compiled into the binary (checked by a unit test, so it always compiles).
    pub fn builtin() -> &'static ResultsGrammar {
        static GRAMMAR: OnceLock<ResultsGrammar> = OnceLock::new();
        GRAMMAR.get_or_init(|| ResultsGrammar::compile(BUILTIN).expect("grammar/results.toml compiles"))
    }

    fn compile(text: &str) -> anyhow::Result<ResultsGrammar> {
        use anyhow::Context;
        let file: ResultsFile = toml::from_str(text).context("results grammar")?;
        let locations = file
            .locations
            .iter()
            .map(|l| Regex::new(&l.pattern).with_context(|| format!("location pattern {}", l.pattern)))
            .collect::<anyhow::Result<_>>()?;
        Ok(ResultsGrammar {
            paths: file.paths,
            link_properties: file.link_properties,
            zero_based_suites: file.zero_based_suites,
            generic_messages: file.generic_messages,
            locations,
        })
    }

    /// Whether a property of a test case names the requirements it verifies.
    pub fn is_link_property(&self, name: &str) -> bool {
        self.link_properties.iter().any(|p| p.eq_ignore_ascii_case(name))
    }
}

/// One results file as read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TestRun {
    pub path: PathBuf,
    /// When the file was last written: results older than a spec or a test are stale.
    #[serde(skip)]
    pub modified: Option<SystemTime>,
    pub cases: Vec<TestCase>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TestCase {
    pub name: String,
    pub classname: Option<String>,
    /// The test's source file as the producer wrote it (relative or absolute).
    pub file: Option<String>,
    /// 1-based, whatever the producer counts from.
    pub line: Option<u32>,
    pub status: Status,
    pub properties: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Status {
    Passed,
    /// An assertion failed.
    Failed(Failure),
    /// The test could not run to completion (setup error, crash, leaked handles).
    Error(Failure),
    Skipped,
    /// Passed on a retry after failing.
    Flaky(Failure),
}

impl Status {
    /// The failure of a failed or errored test.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Status::Failed(f) | Status::Error(f) => Some(f),
            _ => None,
        }
    }

    pub fn passed(&self) -> bool {
        matches!(self, Status::Passed | Status::Flaky(_))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// One line that says what failed.
    pub summary: String,
    /// Where it failed, when the text says so.
    pub location: Option<SourceLocation>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceLocation {
    pub file: String,
    /// 1-based.
    pub line: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path} is {size} bytes, over the {limit} byte limit for results files")]
    TooLarge { path: PathBuf, size: u64, limit: u64 },
    #[error("{path} is binary, not JUnit XML or libtest JSON")]
    Binary { path: PathBuf },
    #[error("{path} is not valid UTF-8")]
    NotUtf8 { path: PathBuf },
    #[error("{path}: malformed XML at byte {position}: {message}")]
    Xml { path: PathBuf, position: u64, message: String },
    #[error("{path}: the XML ends inside <{element}> (truncated?)")]
    Truncated { path: PathBuf, element: String },
    #[error("{path} holds no <testsuite> or <testcase>: not a JUnit report")]
    NotJunit { path: PathBuf },
}

/// Read a results file: JUnit XML, or libtest JSON lines for `.json`, `.jsonl` and `.ndjson`.
pub fn load(path: &Path, limit: u64) -> Result<TestRun, ResultsError> {
    let io = |source| ResultsError::Io { path: path.to_path_buf(), source };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.len() > limit {
        return Err(ResultsError::TooLarge { path: path.to_path_buf(), size: meta.len(), limit });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let mut run = parse(path, &bytes)?;
    run.modified = meta.modified().ok();
    Ok(run)
}

/// Parse the bytes of a results file named `path` (its extension picks the format).
pub fn parse(path: &Path, bytes: &[u8]) -> Result<TestRun, ResultsError> {
    if bytes.contains(&0) {
        return Err(ResultsError::Binary { path: path.to_path_buf() });
    }
    let text = std::str::from_utf8(bytes).map_err(|_| ResultsError::NotUtf8 { path: path.to_path_buf() })?;
    let cases = if is_json(path) { parse_libtest(text) } else { parse_junit(path, text)? };
    Ok(TestRun { path: path.to_path_buf(), modified: None, cases })
}

fn is_json(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| ["json", "jsonl", "ndjson"].contains(&e))
}

// ------------------------------------------------------------------ JUnit XML

/// The case being read and what its children said.
#[derive(Default)]
struct Open {
    case: Option<TestCase>,
    /// `failure`, `error`, `skipped`, `flakyFailure`, … with their message and text.
    outcome: Option<(Outcome, String, String)>,
    flaky: Option<(String, String)>,
    output: String,
    /// Which text element is being read.
    reading: Option<Reading>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Failure,
    Error,
    Skipped,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Reading {
    Outcome,
    Flaky,
    Output,
}

fn parse_junit(path: &Path, text: &str) -> Result<Vec<TestCase>, ResultsError> {
    let grammar = ResultsGrammar::builtin();
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut cases = Vec::new();
    // Open elements (names), and for each open suite whether its lines count from 0.
    let mut stack: Vec<String> = Vec::new();
    let mut suites: Vec<bool> = Vec::new();
    let mut open = Open::default();
    let mut junit = false;
    loop {
        let event = reader.read_event().map_err(|e| ResultsError::Xml {
            path: path.to_path_buf(),
            position: reader.error_position(),
            message: e.to_string(),
        })?;
        match event {
            Event::Start(e) => {
                let name = local_name(&e);
                start(grammar, &e, &name, &suites, &mut open, &mut junit, &mut cases);
                if name == "testsuite" {
                    let zero = attr(&e, "name").is_some_and(|n| grammar.zero_based_suites.contains(&n));
                    suites.push(zero || suites.last().copied().unwrap_or(false));
                }
                stack.push(name);
            }
            Event::Empty(e) => {
                let name = local_name(&e);
                start(grammar, &e, &name, &suites, &mut open, &mut junit, &mut cases);
                end(&name, &mut open, &mut cases);
            }
            Event::End(_) => {
                if let Some(name) = stack.pop() {
                    if name == "testsuite" {
                        suites.pop();
                    }
                    end(&name, &mut open, &mut cases);
                }
            }
            Event::Text(t) => append(&mut open, &t.xml10_content()),
            Event::CData(t) => append(&mut open, &t.xml10_content()),
            Event::GeneralRef(r) => {
                // Predefined and character references only: custom entities are never expanded.
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => quick_xml::escape::resolve_predefined_entity(&r)
                        .map_or_else(|| format!("&{};", &*r), str::to_string),
                };
                append(&mut open, &resolved);
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::DocType(_) | Event::Comment(_) => {}
        }
        if cases.len() >= MAX_CASES {
            tracing::warn!("{}: keeping the first {MAX_CASES} test cases", path.display());
            return Ok(cases);
        }
    }
    if let Some(element) = stack.pop() {
        return Err(ResultsError::Truncated { path: path.to_path_buf(), element });
    }
    if !junit {
        return Err(ResultsError::NotJunit { path: path.to_path_buf() });
    }
    Ok(cases)
}

fn local_name(e: &BytesStart) -> String {
    e.local_name().as_ref().to_string()
}

/// An attribute's value with predefined and character references resolved (an unknown entity
/// leaves the raw value).
fn attr(e: &BytesStart, name: &str) -> Option<String> {
    let a = e.try_get_attribute(name).ok()??;
    Some(a.normalized_value(quick_xml::XmlVersion::default()).map_or_else(|_| a.value.to_string(), |v| v.into_owned()))
}

fn start(
    grammar: &ResultsGrammar,
    e: &BytesStart,
    name: &str,
    suites: &[bool],
    open: &mut Open,
    junit: &mut bool,
    cases: &mut Vec<TestCase>,
) {
    match name {
        "testsuites" | "testsuite" => *junit = true,
        "testcase" => {
            *junit = true;
            if let Some(case) = open.case.take() {
                // A case inside a case (malformed): keep the outer one as read so far.
                cases.push(finish(case, std::mem::take(open)));
            }
            let zero_based = suites.last().copied().unwrap_or(false);
            let line = attr(e, "line").and_then(|l| l.trim().parse::<i64>().ok()).and_then(|l| {
                let l = if zero_based { l + 1 } else { l };
                u32::try_from(l).ok().filter(|&l| l > 0)
            });
            *open = Open {
                case: Some(TestCase {
                    name: attr(e, "name").unwrap_or_default(),
                    classname: attr(e, "classname").filter(|c| !c.is_empty()),
                    file: attr(e, "file").filter(|f| !f.is_empty()),
                    line,
                    status: Status::Passed,
                    properties: Vec::new(),
                }),
                ..Open::default()
            };
        }
        "property" => {
            if let Some(case) = open.case.as_mut()
                && let (Some(n), Some(v)) = (attr(e, "name"), attr(e, "value"))
                && (grammar.is_link_property(&n) || case.properties.len() < 64)
            {
                case.properties.push((n, v));
            }
        }
        "failure" | "error" | "skipped" if open.case.is_some() => {
            let outcome = match name {
                "failure" => Outcome::Failure,
                "error" => Outcome::Error,
                _ => Outcome::Skipped,
            };
            // The first failure or error decides; a skip never hides one.
            if open.outcome.as_ref().is_none_or(|(o, ..)| *o == Outcome::Skipped) {
                open.outcome = Some((outcome, attr(e, "message").unwrap_or_default(), String::new()));
                open.reading = Some(Reading::Outcome);
            }
        }
        "flakyFailure" | "flakyError" if open.case.is_some() && open.flaky.is_none() => {
            open.flaky = Some((attr(e, "message").unwrap_or_default(), String::new()));
            open.reading = Some(Reading::Flaky);
        }
        "system-out" | "system-err" if open.case.is_some() => open.reading = Some(Reading::Output),
        _ => {}
    }
}

fn end(name: &str, open: &mut Open, cases: &mut Vec<TestCase>) {
    match name {
        "testcase" => {
            if let Some(case) = open.case.take() {
                cases.push(finish(case, std::mem::take(open)));
            }
        }
        "failure" | "error" | "skipped" | "flakyFailure" | "flakyError" | "system-out" | "system-err" => {
            open.reading = None
        }
        _ => {}
    }
}

fn append(open: &mut Open, text: &str) {
    let target = match open.reading {
        Some(Reading::Outcome) => open.outcome.as_mut().map(|o| &mut o.2),
        Some(Reading::Flaky) => open.flaky.as_mut().map(|f| &mut f.1),
        Some(Reading::Output) => Some(&mut open.output),
        None => None,
    };
    if let Some(target) = target
        && target.len() < MAX_TEXT_BYTES
    {
        let room = MAX_TEXT_BYTES - target.len();
        let cut = (0..=room.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        target.push_str(&text[..cut]);
    }
}

fn finish(mut case: TestCase, open: Open) -> TestCase {
    case.status = match open.outcome {
        Some((Outcome::Failure, message, text)) => Status::Failed(failure(&message, &text, &open.output)),
        Some((Outcome::Error, message, text)) => Status::Error(failure(&message, &text, &open.output)),
        Some((Outcome::Skipped, ..)) => Status::Skipped,
        None => match open.flaky {
            Some((message, text)) => Status::Flaky(failure(&message, &text, &open.output)),
            None => Status::Passed,
        },
    };
    case
}

/// A failure's summary line and location, from its message, its text and the test's output.
pub fn failure(message: &str, text: &str, output: &str) -> Failure {
    let grammar = ResultsGrammar::builtin();
    let mut location = None;
    let mut from_pattern = None;
    // Patterns are in order of preference: one that also finds the message line wins over
    // one that finds a location alone, wherever each matches.
    'search: for re in &grammar.locations {
        for haystack in [message, text, output] {
            let Some(caps) = re.captures(haystack) else { continue };
            let (Some(file), Some(line)) = (caps.name("file"), caps.name("line").and_then(|l| l.as_str().parse().ok()))
            else {
                continue;
            };
            location = Some(SourceLocation { file: file.as_str().to_string(), line });
            from_pattern = caps.name("message").map(|m| m.as_str().trim().to_string()).filter(|m| !m.is_empty());
            break 'search;
        }
    }
    let first_line = |s: &str| s.lines().map(str::trim).find(|l| !l.is_empty()).map(str::to_string);
    let message_line = first_line(message).filter(|m| !grammar.generic_messages.iter().any(|g| g == m));
    let summary =
        from_pattern.or(message_line).or_else(|| first_line(text)).or_else(|| first_line(output)).unwrap_or_default();
    Failure { summary: truncate(summary.trim_end_matches(':')), location }
}

fn truncate(text: &str) -> String {
    match text.char_indices().nth(MAX_SUMMARY_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

// ------------------------------------------------------------------ libtest JSON

#[derive(Deserialize)]
struct LibtestEvent {
    #[serde(rename = "type")]
    kind: String,
    event: String,
    name: Option<String>,
    stdout: Option<String>,
    message: Option<String>,
}

/// libtest's JSON lines (`--format json`); lines that are not test events (interleaved output,
/// suite events) are skipped. Nextest's `<binary>$<test>` names keep the test part.
fn parse_libtest(text: &str) -> Vec<TestCase> {
    let mut cases = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if !line.starts_with('{') {
            continue;
        }
        let Ok(event) = serde_json::from_str::<LibtestEvent>(line) else { continue };
        let Some(full) = event.name.filter(|_| event.kind == "test") else { continue };
        let status = match event.event.as_str() {
            "ok" => Status::Passed,
            "ignored" => Status::Skipped,
            "failed" | "timeout" => {
                let output = event.stdout.unwrap_or_default();
                Status::Failed(failure(event.message.as_deref().unwrap_or(""), &output, ""))
            }
            _ => continue,
        };
        let (classname, name) = match full.split_once('$') {
            Some((binary, test)) => (Some(binary.to_string()), test.to_string()),
            None => (None, full),
        };
        cases.push(TestCase { name, classname, file: None, line: None, status, properties: Vec::new() });
        if cases.len() >= MAX_CASES {
            break;
        }
    }
    cases
}

/// Verifies specs/005-test-results/spec.md FR-001, FR-002, FR-003, FR-004.
#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/results");

    fn fixture(relative: &str) -> TestRun {
        let path = Path::new(FIXTURES).join(relative);
        let mut run = load(&path, MAX_RESULTS_BYTES).expect("fixture parses");
        run.path = PathBuf::from(relative);
        run
    }

    fn err(name: &str, text: &str) -> String {
        parse(Path::new(name), text.as_bytes()).expect_err("refused").to_string()
    }

    #[test]
    fn the_builtin_grammar_compiles() {
        assert!(!ResultsGrammar::builtin().paths.is_empty());
        assert!(ResultsGrammar::builtin().is_link_property("Verifies"));
    }

    #[test]
    fn nextest_failures_flaky_reruns_and_panic_locations() {
        insta::assert_yaml_snapshot!(fixture("target/nextest/ci/junit.xml"));
    }

    #[test]
    fn pytest_xunit1_lines_count_from_zero_and_properties_are_kept() {
        insta::assert_yaml_snapshot!(fixture("test-results/pytest.xml"));
    }

    #[test]
    fn jest_junit_failures_have_text_only() {
        insta::assert_yaml_snapshot!(fixture("junit.xml"));
    }

    #[test]
    fn go_junit_report_generic_messages_give_way_to_the_text() {
        insta::assert_yaml_snapshot!(fixture("report.xml"));
    }

    #[test]
    fn libtest_json_lines_skip_other_output() {
        insta::assert_yaml_snapshot!(fixture("libtest/run.json"));
    }

    #[test]
    fn errors_count_as_errors_and_surefire_needs_no_root() {
        let xml = r#"<testsuite name="com.example.CalcTest"><testcase name="divides" classname="com.example.CalcTest"><error message="setup failed" type="java.lang.IllegalStateException">stack</error></testcase><testcase name="skipped" classname="c"><skipped/></testcase></testsuite>"#;
        let run = parse(Path::new("TEST-x.xml"), xml.as_bytes()).expect("parses");
        assert_eq!(run.cases[0].status, Status::Error(Failure { summary: "setup failed".into(), location: None }));
        assert_eq!(run.cases[1].status, Status::Skipped);
    }

    #[test]
    fn entities_are_never_expanded() {
        let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<testsuites><testsuite name="s"><testcase name="t &amp; &#65;"><failure message="&lol9;">&lol9; &lt;x&gt;</failure></testcase></testsuite></testsuites>"#;
        let run = parse(Path::new("bomb.xml"), bomb.as_bytes()).expect("a DOCTYPE is skipped");
        assert_eq!(run.cases[0].name, "t & A");
        assert_eq!(run.cases[0].status.failure().map(|f| f.summary.as_str()), Some("&lol9;"));
    }

    #[test]
    fn hostile_and_broken_files_are_reported() {
        assert!(
            err("a.xml", "<testsuites><testsuite name=\"s\"><testcase name=\"t\">").contains("ends inside <testcase>")
        );
        assert!(err("a.xml", "<testsuite><testcase></testsuite>").contains("malformed XML"));
        assert!(err("a.xml", "<html><body/></html>").contains("not a JUnit report"));
        assert!(err("a.xml", "\u{0}\u{1}PNG").contains("binary"));
        let not_utf8 = parse(Path::new("a.xml"), &[0x3c, 0xff, 0xfe]).expect_err("refused").to_string();
        assert!(not_utf8.contains("not valid UTF-8"));
        let dir = tempfile::tempdir().expect("temp dir");
        let big = dir.path().join("big.xml");
        std::fs::write(&big, "<testsuites/>".repeat(100)).expect("write");
        assert!(load(&big, 64).expect_err("too large").to_string().contains("over the 64 byte limit"));
    }

    #[test]
    fn zero_or_negative_lines_are_dropped_and_summaries_are_capped() {
        let xml = format!(
            r#"<testsuite name="pytest"><testcase name="a" line="-3"/><testcase name="b" line="x"><failure message="{}"/></testcase></testsuite>"#,
            "y".repeat(500)
        );
        let run = parse(Path::new("a.xml"), xml.as_bytes()).expect("parses");
        assert_eq!((run.cases[0].line, run.cases[1].line), (None, None));
        let summary = &run.cases[1].status.failure().expect("failed").summary;
        assert_eq!(summary.chars().count(), MAX_SUMMARY_CHARS + 1);
    }
}
