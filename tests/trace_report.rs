//! `specls trace` through the real binary over `tests/fixtures/results`: the Markdown table, the
//! JSON against its schema (`docs/trace.schema.json`), the `--fail-on` gate, and the HTML page
//! rendered by headless Chromium (skipped when Chromium is absent, unless
//! `SPECLS_REQUIRE_CHROMIUM=1`, which CI sets).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const REPORTS: [&str; 4] = ["target/nextest/ci/junit.xml", "test-results/pytest.xml", "junit.xml", "report.xml"];

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/results")
}

fn trace(args: &[&str]) -> Output {
    let mut all = vec!["trace", "specs", "--junit"];
    all.extend(REPORTS);
    all.extend(args);
    Command::new(env!("CARGO_BIN_EXE_specls")).current_dir(fixture()).args(&all).output().expect("specls runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

/// Verifies specs/005-test-results/spec.md FR-016, FR-018.
#[test]
fn markdown_has_a_table_per_feature_with_tasks_code_tests_and_states() {
    let output = trace(&[]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    // Staleness compares the checkout's file times with the results files': not part of the snapshot.
    let text = stdout(&output).replace(" (stale)", "");
    let text = regex::Regex::new(r"\d+ stale").expect("regex").replace(&text, "N stale");
    insta::assert_snapshot!("trace_markdown", text);
}

/// Verifies specs/005-test-results/spec.md FR-019.
#[test]
fn json_follows_the_documented_schema() {
    let output = trace(&["--format", "json"]);
    assert_eq!(output.status.code(), Some(0));
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let schema: Value = serde_json::from_str(include_str!("../docs/trace.schema.json")).expect("the schema is JSON");
    let validator = jsonschema::options().build(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator.iter_errors(&json).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "the trace does not match docs/trace.schema.json:\n{}", errors.join("\n"));
    let summary = &json["summary"];
    assert_eq!((summary["failing"].as_u64(), summary["verified"].as_u64()), (Some(4), Some(4)), "{summary}");
    assert_eq!(summary["not_run"].as_u64(), Some(1));
}

/// Verifies specs/005-test-results/spec.md FR-021.
#[test]
fn fail_on_states_sets_the_exit_code_and_names_the_clauses() {
    let output = trace(&["--kind", "requirement", "--fail-on", "failing,untested"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("specs/001-calc/spec.md:20: FR-002 is failing"), "{stderr}");
    assert!(!stderr.contains("US1"), "only requirements are traced: {stderr}");
    let fine = trace(&["--kind", "requirement", "--fail-on", "untested"]);
    assert_eq!(fine.status.code(), Some(0), "{}", String::from_utf8_lossy(&fine.stderr));
}

/// The Chromium binary, or `None` (with a message) when the test should skip.
fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|name| {
        std::env::var_os("PATH")?.to_str()?.split(':').map(|dir| Path::new(dir).join(name)).find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("SPECLS_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
            "SPECLS_REQUIRE_CHROMIUM=1 but no chromium on PATH"
        );
        eprintln!("skipped: chromium is not installed (apt-get install chromium)");
    }
    found
}

/// Verifies specs/005-test-results/spec.md FR-020.
#[test]
fn html_page_renders_rows_and_states_in_headless_chromium() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let page = dir.path().join("trace.html");
    let output = trace(&["--format", "html", "--output", page.to_str().expect("UTF-8 path")]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let html = std::fs::read_to_string(&page).expect("the page is written");
    for remote in ["http://", "https://", "src=\"//"] {
        assert!(!html.contains(remote), "the page is self-contained: {remote}");
    }
    let dumped = Command::new(&browser)
        .args(["--headless", "--disable-gpu", "--no-sandbox", "--virtual-time-budget=2000", "--dump-dom"])
        .arg(format!("file://{}", page.display()))
        .env("HOME", dir.path())
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&dumped.stdout);
    assert!(dumped.status.success(), "chromium failed: {}", String::from_utf8_lossy(&dumped.stderr));
    // The rows exist only once the page's script has rendered them from the embedded data.
    let rows: Vec<(&str, &str)> = dom
        .split("<tr class=\"")
        .skip(1)
        .filter_map(|tr| {
            let state = tr.split("data-state=\"").nth(1)?.split('"').next()?;
            let key = tr.split("data-key=\"").nth(1)?.split('"').next()?;
            Some((key, state))
        })
        .collect();
    assert_eq!(rows.len(), 10, "one row per traced clause: {rows:?}");
    for expected in [("FR-002", "failing"), ("FR-001", "verified"), ("FR-008", "not-run"), ("US1", "untested")] {
        assert!(rows.contains(&expected), "{expected:?} in {rows:?}");
    }
    // The script sorts by state at load: failing rows first, verified last.
    assert_eq!(rows.first().map(|r| r.1), Some("failing"), "{rows:?}");
    assert_eq!(rows.last().map(|r| r.1), Some("verified"), "{rows:?}");
    assert!(dom.contains("10 of 10 shown"), "the filter ran");
    assert!(dom.contains("data-column=\"state\" aria-sort=\"ascending\""), "the sort ran");
    assert!(dom.contains("data-count=\"failing\">4 failing"), "the summary counts states");
}
