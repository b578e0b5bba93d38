//! Test results in the editor: a failing result becomes a `test-failing` diagnostic on the
//! clause and on the test, and a results file rewritten on disk updates them.

use serde_json::{Value, json};

use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::support::{Client, published, relative, start, workspace};

fn set_modified(path: &Path, at: SystemTime) {
    std::fs::File::options().write(true).open(path).and_then(|f| f.set_modified(at)).expect("set mtime");
}

fn failing(diagnostics: &Value, key: &str) -> Option<Value> {
    diagnostics
        .as_array()?
        .iter()
        .find(|d| d["code"] == "test-failing" && d["message"].as_str().is_some_and(|m| m.contains(&format!("`{key}`"))))
        .cloned()
}

/// Verifies specs/005-test-results/spec.md FR-001, FR-009, FR-010.
#[test]
fn a_failing_result_marks_its_clause_with_the_failing_test_and_location() {
    let (ws, mut client) = start("results", &["utf-16"], false);
    client.wait_indexed();
    let spec = client.open("specs/001-calc/spec.md", 1);
    let diagnostics = published(&mut client, &spec, |d| {
        ["FR-002", "FR-003", "FR-004", "FR-007"].iter().all(|k| failing(d, k).is_some())
    });
    let fr002 = failing(&diagnostics, "FR-002").expect("FR-002 fails");
    assert_eq!(fr002["severity"], 1);
    assert_eq!(fr002["range"]["start"], json!({ "line": 19, "character": 4 }));
    assert!(fr002["message"].as_str().unwrap().contains("assertion `left == right` failed: FR-002 difference"));
    let related: Vec<(String, u64, String)> = fr002["relatedInformation"]
        .as_array()
        .expect("related information")
        .iter()
        .map(|r| {
            (
                relative(ws.path(), &r["location"]["uri"]),
                r["location"]["range"]["start"]["line"].as_u64().unwrap(),
                r["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        related,
        [
            ("src/lib.rs".to_string(), 20, "failing test tests::fr_002_subtracts".to_string()),
            (
                "src/lib.rs".to_string(),
                21,
                "tests::fr_002_subtracts failed here: assertion `left == right` failed: FR-002 difference".to_string()
            ),
        ]
    );
    for key in ["FR-001", "FR-005", "FR-006", "SC-001"] {
        assert!(failing(&diagnostics, key).is_none(), "{key} passed, was skipped or has no test");
    }

    // The failing test's line in code gets one too.
    let code = client.open("src/lib.rs", 1);
    let diagnostics = published(&mut client, &code, |d| d.as_array().is_some_and(|a| !a.is_empty()));
    let at_test = &diagnostics.as_array().unwrap()[0];
    assert_eq!(at_test["code"], "test-failing");
    assert_eq!(at_test["range"]["start"], json!({ "line": 21, "character": 8 }));
    assert_eq!(relative(ws.path(), &at_test["relatedInformation"][0]["location"]["uri"]), "specs/001-calc/spec.md");
    assert!(client.shutdown());
}

/// Verifies specs/005-test-results/spec.md FR-002.
#[test]
fn a_results_file_changed_on_disk_updates_the_diagnostics() {
    let (ws, mut client) = start("results", &["utf-16"], false);
    client.wait_indexed();
    let spec = client.open("specs/001-calc/spec.md", 1);
    published(&mut client, &spec, |d| failing(d, "FR-002").is_some());

    let junit = ws.path().join("target/nextest/ci/junit.xml");
    std::fs::write(
        &junit,
        r#"<testsuites name="nextest-run"><testsuite name="calc"><testcase name="tests::fr_002_subtracts" classname="calc"/></testsuite></testsuites>"#,
    )
    .expect("rewrite results");
    let uri = client.uri("target/nextest/ci/junit.xml");
    client.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": uri, "type": 2 }] }));
    let diagnostics = published(&mut client, &spec, |d| failing(d, "FR-002").is_none());
    assert!(failing(&diagnostics, "FR-003").is_some(), "the other results files still count");

    // A broken results file is reported in the log and read as no results; the server goes on.
    std::fs::write(&junit, "<testsuites><testsuite><testcase name=\"tests::fr_002_subtracts\">").expect("truncate");
    client.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": uri, "type": 2 }] }));
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": spec }, "position": { "line": 19, "character": 6 } }),
    );
    assert!(hover.get("error").is_none(), "{hover}");
    assert!(client.shutdown());
}

/// Verifies specs/005-test-results/spec.md FR-011.
#[test]
fn hover_and_lens_show_the_test_state_and_the_results_age() {
    let ws = workspace("results");
    // Results written after the sources: fresh evidence.
    let later = SystemTime::now() + Duration::from_secs(3600);
    for file in ["target/nextest/ci/junit.xml", "test-results/pytest.xml", "junit.xml", "report.xml"] {
        set_modified(&ws.path().join(file), later);
    }
    let mut client = Client::spawn(ws.path());
    client.initialize(&["utf-16"], false);
    client.wait_indexed();
    let spec = client.open("specs/001-calc/spec.md", 1);
    published(&mut client, &spec, |d| failing(d, "FR-002").is_some());
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": spec }, "position": { "line": 19, "character": 6 } }),
    );
    let markdown = hover["contents"]["value"].as_str().expect("hover markdown").to_string();
    assert!(markdown.contains("**Tests**: failing (0 ✓, 1 ✗) · results "), "{markdown}");
    assert!(markdown.contains(" old"), "{markdown}");
    let lenses = client.request("textDocument/codeLens", json!({ "textDocument": { "uri": spec } }));
    let titles: Vec<String> = lenses
        .as_array()
        .expect("lenses")
        .iter()
        .map(|l| l["command"]["title"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(titles.iter().any(|t| t.contains("verified (1 ✓, 0 ✗)")), "FR-001 passed: {titles:?}");
    assert!(titles.iter().any(|t| t.contains("not run")), "FR-008 was skipped: {titles:?}");

    // The spec changed after the results: the evidence is stale.
    set_modified(&ws.path().join("specs/001-calc/spec.md"), later + Duration::from_secs(60));
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": spec }, "position": { "line": 19, "character": 6 } }),
    );
    let markdown = hover["contents"]["value"].as_str().expect("hover markdown").to_string();
    assert!(markdown.contains("**Tests**: failing (0 ✓, 1 ✗) · stale · results "), "{markdown}");
    assert!(client.shutdown());
}

/// Verifies specs/005-test-results/spec.md FR-001: at start, a results file that only a glob over
/// the whole tree names (`**/*.junit.xml`) is read, from the workspace scan's own walk; build
/// folders named by a glob's literal folders are read too.
#[test]
fn results_anywhere_in_the_tree_are_read_at_start_with_the_workspace_scan() {
    let ws = workspace("results");
    let nested = ws.path().join("ci/out/calc.junit.xml");
    std::fs::create_dir_all(nested.parent().unwrap()).expect("mkdir");
    std::fs::rename(ws.path().join("target/nextest/ci/junit.xml"), &nested).expect("move the results");
    let mut client = Client::spawn(ws.path());
    client.initialize(&["utf-16"], false);
    client.wait_indexed();
    let spec = client.open("specs/001-calc/spec.md", 1);
    let diagnostics =
        published(&mut client, &spec, |d| failing(d, "FR-002").is_some() && failing(d, "FR-007").is_some());
    assert!(failing(&diagnostics, "FR-002").is_some(), "read from ci/out/calc.junit.xml");
    assert!(client.shutdown());
}
