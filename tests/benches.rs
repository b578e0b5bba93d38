//! The performance suite (server/benches/) still drives the server and prints every table: its
//! quick plan runs here on small workspaces. Nothing here asserts a timing; figures are the suite's
//! to report, not the tests'.

#![allow(
    clippy::duplicate_mod,
    reason = "the suite's benches each load the client and generator, as they also run alone"
)]

#[allow(dead_code, reason = "the suite's main prints the report these tests read")]
#[path = "../server/benches/suite.rs"]
mod suite;

#[path = "../server/benches/gen/mod.rs"]
mod generator;

use std::path::Path;

fn files(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("list a generated folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(root).expect("under the root").display().to_string();
                out.push((relative, std::fs::read(&path).expect("read a generated file")));
            }
        }
    }
    out.sort();
    out
}

/// Verifies specs/008-benchmarks/spec.md FR-001.
#[test]
fn a_seed_generates_the_same_workspace_byte_for_byte() {
    let first = generator::code_workspace(5, 12, 40);
    let second = generator::code_workspace(5, 12, 40);
    assert_eq!(files(first.root()), files(second.root()));
    assert_eq!((first.files, first.code.files), (12, 40));
    let other = generator::code_workspace(6, 12, 40);
    assert_ne!(files(first.root()), files(other.root()), "another seed, other text");
    let root = first.root().to_path_buf();
    drop(first);
    assert!(!root.exists(), "the workspace is deleted when dropped");
}

/// Verifies specs/008-benchmarks/spec.md FR-002, FR-003, FR-004, FR-005, FR-006, FR-007, FR-008.
#[test]
fn the_quick_suite_prints_every_table_with_its_verdict() {
    let report = suite::report(false);
    for heading in [
        "### Cold index: specs and code, beside ripgrep",
        "### First diagnostics during the cold index",
        "### Cold index of the largest real corpus",
        "### Requests after indexing, through the server",
        "### Peak memory per workspace size",
        "### Peers on the same Markdown workspace",
        "### Edit → diagnostics through the server",
    ] {
        assert!(report.contains(heading), "{heading} missing from:\n{report}");
    }
    for request in
        ["definition", "references", "hover", "completion", "code actions", "document symbols", "workspace symbols"]
    {
        assert!(report.lines().any(|l| l.starts_with(&format!("| {request}"))), "no {request} row in:\n{report}");
    }
    for target in [
        "Target: p99 ≤ 10 ms for every request:",
        "Target: peak RSS ≤ 2× the indexed text + 50 MB:",
        "Target: first diagnostics do not wait for the whole index:",
    ] {
        assert!(report.contains(target), "{target} missing from:\n{report}");
    }
    let specls = report.lines().find(|l| l.starts_with("| specls |")).expect("specls's peer row");
    assert!(!specls.contains("no complete answer"), "specls answers the cold load: {specls}");
    assert!(report.contains("cargo install iwes") || report.contains("| iwes |"), "iwes is run or named");
}
