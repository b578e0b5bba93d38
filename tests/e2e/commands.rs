//! `workspace/executeCommand`: the trace report as Markdown, and reading the results again.

use serde_json::{Value, json};

use crate::support::{Client, workspace};

fn failing(diagnostics: &Value, key: &str) -> bool {
    diagnostics.as_array().is_some_and(|all| {
        all.iter().any(|d| {
            d["code"] == "test-failing" && d["message"].as_str().is_some_and(|m| m.contains(&format!("`{key}`")))
        })
    })
}

fn row<'t>(report: &'t str, key: &str) -> &'t str {
    report.lines().find(|l| l.starts_with(&format!("| {key} |"))).unwrap_or_else(|| panic!("{key} in {report}"))
}

/// Verifies specs/005-test-results/spec.md FR-022, FR-023.
#[test]
fn trace_report_and_reload_commands() {
    let ws = workspace("results");
    let mut client = Client::spawn(ws.path());
    let init = client.initialize(&["utf-16"], false);
    let commands = &init["capabilities"]["executeCommandProvider"]["commands"];
    assert_eq!(commands, &json!(["specls.showTraceReport", "specls.reloadTestResults", "specls.openLocation"]));
    client.wait_indexed();
    let spec = client.open("specs/001-calc/spec.md", 1);
    let uri = spec.clone();
    client.wait_for(move |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri
            && failing(&m["params"]["diagnostics"], "FR-002")
    });

    let report = client.request("workspace/executeCommand", json!({ "command": "specls.showTraceReport" }));
    let report = report.as_str().expect("the report is a Markdown string");
    assert!(report.starts_with("# Trace\n"), "{report}");
    assert!(row(report, "FR-002").contains("| failing"), "{report}");
    assert!(row(report, "FR-001").contains("`tests::fr_001_adds` passed"), "{report}");

    // The results are rewritten without the editor reporting it: the command reads them again.
    std::fs::write(
        ws.path().join("target/nextest/ci/junit.xml"),
        r#"<testsuites name="nextest-run"><testsuite name="calc"><testcase name="tests::fr_002_subtracts" classname="calc"/></testsuite></testsuites>"#,
    )
    .expect("rewrite results");
    let reloaded = client.request("workspace/executeCommand", json!({ "command": "specls.reloadTestResults" }));
    assert_eq!(reloaded, Value::Null);
    let uri = spec.clone();
    client.wait_for(move |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri
            && !failing(&m["params"]["diagnostics"], "FR-002")
    });
    let report = client.request("workspace/executeCommand", json!({ "command": "specls.showTraceReport" }));
    assert!(row(report.as_str().expect("Markdown"), "FR-002").contains("| verified"), "{report}");

    let unknown = client.request_raw("workspace/executeCommand", json!({ "command": "specls.nothing" }));
    assert!(unknown.get("error").is_some(), "{unknown}");
    assert!(client.shutdown());
}
