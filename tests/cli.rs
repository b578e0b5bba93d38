//! `specls check`, `--format json`, `--version` and `--help` through the real binary
//!.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures").join(name)
}

fn specls(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_specls")).current_dir(dir).args(args).output().expect("specls runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

/// Verifies specs/001-core-engine/spec.md FR-023.

#[test]
fn check_prints_compiler_style_diagnostics_and_fails_on_errors() {
    let output = specls(&fixture("speckit"), &["check"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("check_human", stdout(&output));
}

/// Verifies specs/001-core-engine/spec.md FR-024.

#[test]
fn check_json_lists_the_same_diagnostics() {
    let output = specls(&fixture("speckit"), &["check", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON output");
    assert_eq!(json["errors"], 5);
    assert_eq!(json["warnings"], 6);
    insta::assert_json_snapshot!("check_json", json);
}

/// Verifies specs/001-core-engine/spec.md FR-023.

#[test]
fn check_of_a_clean_folder_exits_zero() {
    let output = specls(&fixture("speckit"), &["check", ".specify"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).ends_with("0 errors, 0 warnings in 1 files\n"));
}

/// Verifies specs/001-core-engine/spec.md FR-023.

#[test]
fn check_of_a_missing_path_is_a_usage_error() {
    let output = specls(&fixture("speckit"), &["check", "no/such/folder"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no such file or folder"));
}

/// Verifies specs/001-core-engine/spec.md FR-025.

#[test]
fn version_and_help() {
    let dir = fixture("speckit");
    let version = specls(&dir, &["--version"]);
    assert_eq!(stdout(&version).trim(), format!("specls {}", env!("CARGO_PKG_VERSION")));
    let help = stdout(&specls(&dir, &["--help"]));
    assert!(help.contains("check") && help.contains("serve"), "{help}");
}

/// Verifies specs/001-core-engine/spec.md FR-014.

#[test]
fn bad_files_on_disk_are_skipped_or_read_lossily_and_the_rest_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let specs = dir.path().join("specs/001-x");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::write(
        specs.join("spec.md"),
        b"# Feature Specification: X\n\n- **FR-001**: caf\xe9 \xff\n- **FR-001**: again\n",
    )
    .unwrap();
    std::fs::write(specs.join("binary.md"), b"\x00\x01\x02 not text").unwrap();
    std::fs::write(specs.join("huge.md"), vec![b'a'; 5 * 1024 * 1024]).unwrap();
    let nested: String =
        (0..10_000).map(|i| format!("{}- item\n", " ".repeat((i % 200) * 2))).collect::<String>() + &">".repeat(10_000);
    std::fs::write(specs.join("nested.md"), nested).unwrap();
    std::fs::write(specs.join("tasks.md"), "# Tasks: X\n\n- [ ] T001 in a.rs per FR-001\n").unwrap();
    let output = specls(dir.path(), &["check", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let codes: Vec<&str> =
        json["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"duplicate-id"), "{json}");
    let skipped: Vec<String> =
        json["skipped"].as_array().unwrap().iter().map(|s| s["path"].as_str().unwrap().to_string()).collect();
    assert!(skipped.iter().any(|p| p.ends_with("binary.md")), "{skipped:?}");
    assert!(skipped.iter().any(|p| p.ends_with("huge.md")), "{skipped:?}");
    assert_eq!(json["files"], 3, "spec, tasks and the nested file are checked");
}

/// The navigation tests' fixture must hold no diagnostic on its specs, so that the only
/// findings there are the ones the code mentions provoke on purpose (an ambiguous unpinned
/// `FR-001` in `src/shared.rs`).
#[test]
fn trace_fixture_is_clean() {
    let output = specls(&fixture("trace"), &["check", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON output");
    let on_specs: Vec<&serde_json::Value> = json["diagnostics"]
        .as_array()
        .expect("a diagnostics array")
        .iter()
        .filter(|d| d["path"].as_str().is_some_and(|p| p.ends_with(".md")))
        .collect();
    assert!(on_specs.is_empty(), "{on_specs:#?}");
    assert!(json["files"].as_u64().is_some_and(|n| n >= 11), "every spec and the README are checked: {json}");
}

/// Verifies specs/005-test-results/spec.md FR-012.
#[test]
fn check_junit_reports_failing_clauses_and_their_tests() {
    let dir = fixture("results");
    let passing = specls(&dir, &["check", "specs"]);
    assert_eq!(passing.status.code(), Some(0), "{}", stdout(&passing));
    let reports = ["target/nextest/ci/junit.xml", "test-results/pytest.xml", "junit.xml", "report.xml"];
    let output = specls(&dir, &[&["check", "specs", "--junit"][..], &reports[..]].concat());
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("check_junit", stdout(&output));
    let libtest = specls(&dir, &["check", "specs", "--junit", "libtest/run.json"]);
    assert!(stdout(&libtest).contains("`FR-002` verification failing: tests::fr_002_subtracts"));
    let missing = specls(&dir, &["check", "specs", "--junit", "nowhere.xml"]);
    assert_eq!(missing.status.code(), Some(2), "an unreadable results file is an error");
}

/// A copy of the results fixture in a temporary folder.
fn results_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/results");
    copy_tree(&from, dir.path());
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Verifies specs/005-test-results/spec.md FR-027.
#[test]
fn gaps_prints_the_spec_gap_edits_as_a_diff_and_writes_them_only_when_asked() {
    let dir = results_copy();
    let spec = dir.path().join("specs/001-calc/spec.md");
    let before = std::fs::read_to_string(&spec).unwrap();
    let out = specls(dir.path(), &["gaps", "specs", "--junit", "target/nextest/ci/junit.xml"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let diff = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("gaps_diff", diff);
    assert_eq!(std::fs::read_to_string(&spec).unwrap(), before, "no --write, no change");

    let out = specls(dir.path(), &["gaps", "specs", "--junit", "target/nextest/ci/junit.xml", "--write"]);
    assert!(out.status.success());
    let after = std::fs::read_to_string(&spec).unwrap();
    assert!(after.contains("first. [NEEDS CLARIFICATION: tests::fr_002_subtracts fails"), "{after}");
    // Written once, the gaps are recorded: nothing more to print.
    let out = specls(dir.path(), &["gaps", "specs", "--junit", "target/nextest/ci/junit.xml"]);
    assert!(!String::from_utf8(out.stdout).unwrap().contains("fr_002_subtracts"));
}
