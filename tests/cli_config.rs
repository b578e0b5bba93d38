//! `specls check` with a configuration (`specls.toml`), its output as human text, JSON and SARIF
//! (validated against the SARIF 2.1.0 schema), and the `--severity` threshold.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures").join(name)
}

fn specls(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_specls")).current_dir(dir).args(args).output().expect("specls runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("JSON output ({e}): {}", stdout(output)))
}

fn codes(report: &Value) -> Vec<String> {
    report["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap().to_string()).collect()
}

/// Validate a SARIF log against the official schema (OASIS SARIF 2.1.0 Errata 01, vendored).
fn assert_valid_sarif(log: &Value) {
    let schema: Value = serde_json::from_str(include_str!("fixtures/sarif/sarif-schema-2.1.0.json")).unwrap();
    let validator =
        jsonschema::options().should_validate_formats(true).build(&schema).expect("the SARIF schema compiles");
    let errors: Vec<String> = validator.iter_errors(log).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "the log does not match the SARIF 2.1.0 schema:\n{}", errors.join("\n"));
}

/// The run's rules are the rule catalogue (then the configuration codes), and every result's
/// `ruleIndex` points at its rule.
fn assert_rules_match_results(log: &Value) {
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let catalogue: Vec<&str> = specls::analysis::rules::catalogue().map(|r| r.code).collect();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(&ids[..catalogue.len()], catalogue.as_slice());
    for rule in specls::analysis::rules::catalogue() {
        let descriptor = rules.iter().find(|r| r["id"] == rule.code).unwrap();
        assert_eq!(descriptor["shortDescription"]["text"], rule.summary);
        let level = match rule.severity {
            specls::analysis::Severity::Error => "error",
            specls::analysis::Severity::Warning => "warning",
            _ => "note",
        };
        assert_eq!(descriptor["defaultConfiguration"]["level"], level, "{}", rule.code);
    }
    for result in run["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().expect("every result has a ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
}

/// The log with what changes as the catalogue grows or the version moves taken out, for snapshots.
fn stable_sarif(mut log: Value) -> Value {
    let driver = &mut log["runs"][0]["tool"]["driver"];
    driver["version"] = "[version]".into();
    driver["semanticVersion"] = "[version]".into();
    driver["rules"] = "[the rule catalogue]".into();
    for result in log["runs"][0]["results"].as_array_mut().unwrap() {
        result["ruleIndex"] = "[index]".into();
    }
    log
}

/// Verifies specs/001-core-engine/spec.md FR-023, FR-021.
#[test]
fn configured_check_in_human_form() {
    let output = specls(&fixture("config"), &["check"]);
    assert_eq!(output.status.code(), Some(1), "an unresolved ADR reference is an error");
    let text = stdout(&output);
    // The unknown key is reported on specls.toml with its line and column.
    assert!(text.contains("warning[config/unknown-key]: unknown key `colour`"), "{text}");
    assert!(text.contains("--> specls.toml:5:1"), "{text}");
    // Excluded (drafts) and not included (notes) files are not checked.
    assert!(!text.contains("FR-999") && !text.contains("FR-998"), "{text}");
    insta::assert_snapshot!("config_check_human", text);
}

/// Verifies specs/001-core-engine/spec.md FR-023, FR-021.
#[test]
fn configured_check_in_json_form() {
    let output = specls(&fixture("config"), &["check", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    let found = codes(&report);
    // `unresolved-clarification` is off; `duplicate-id` is a warning.
    assert!(!found.contains(&"unresolved-clarification".to_string()), "{found:?}");
    let duplicate = report["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "duplicate-id").unwrap();
    assert_eq!(duplicate["severity"], "warning");
    // The user format's kind (decision records, with required sections) and ID pattern apply.
    assert!(found.contains(&"missing-section".to_string()), "{found:?}");
    let unresolved =
        report["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "unresolved-reference").unwrap();
    assert!(unresolved["message"].as_str().unwrap().contains("`ADR-007`"), "{unresolved}");
    let config = &report["diagnostics"][0];
    assert_eq!(
        (config["path"].as_str(), config["line"].as_u64(), config["column"].as_u64()),
        (Some("specls.toml"), Some(5), Some(1))
    );
    insta::assert_json_snapshot!("config_check_json", report);
}

/// Verifies specs/001-core-engine/spec.md FR-024.
/// Verifies 002-diagnostics/FR-008: SARIF 2.1.0.
#[test]
fn configured_check_in_sarif_form_is_valid_sarif() {
    let output = specls(&fixture("config"), &["check", "--format", "sarif"]);
    assert_eq!(output.status.code(), Some(1));
    let log = json(&output);
    assert_valid_sarif(&log);
    assert_rules_match_results(&log);
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"][0]["columnKind"], "utf16CodeUnits");
    insta::assert_json_snapshot!("config_check_sarif", stable_sarif(log));
}

/// Verifies specs/001-core-engine/spec.md FR-024.
/// Verifies 002-diagnostics/FR-008: SARIF 2.1.0.
#[test]
fn sarif_of_the_speckit_fixture_is_valid_and_lists_the_same_diagnostics_as_json() {
    let dir = fixture("speckit");
    let log = json(&specls(&dir, &["check", "--format", "sarif"]));
    assert_valid_sarif(&log);
    assert_rules_match_results(&log);
    let report = json(&specls(&dir, &["check", "--format", "json"]));
    let results = log["runs"][0]["results"].as_array().unwrap();
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(results.len(), diagnostics.len());
    for (result, diagnostic) in results.iter().zip(diagnostics) {
        assert_eq!(result["ruleId"], diagnostic["code"]);
        assert_eq!(result["message"]["text"], diagnostic["message"]);
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], diagnostic["path"]);
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        // The fixture is ASCII: UTF-16 columns equal character columns.
        assert_eq!(location["region"]["startLine"], diagnostic["line"]);
        assert_eq!(location["region"]["startColumn"], diagnostic["column"]);
        assert_eq!(location["region"]["endColumn"], diagnostic["end_column"]);
        assert_eq!(
            result["relatedLocations"].as_array().map_or(0, Vec::len),
            diagnostic["related"].as_array().unwrap().len()
        );
    }
    let levels: Vec<&str> = results.iter().map(|r| r["level"].as_str().unwrap()).collect();
    assert!(levels.contains(&"error") && levels.contains(&"warning"), "{levels:?}");
}

/// Verifies specs/001-core-engine/spec.md FR-023.
/// Verifies 002-diagnostics/FR-008: the `--severity` threshold.
#[test]
fn the_severity_threshold_filters_the_output_and_sets_the_exit_code() {
    let dir = fixture("speckit");
    // Default: everything is printed, errors fail the check.
    let all = json(&specls(&dir, &["check", "--format", "json"]));
    assert_eq!((all["errors"].as_u64(), all["warnings"].as_u64()), (Some(5), Some(6)));
    // `--severity error`: warnings are not printed; errors still fail.
    let output = specls(&dir, &["check", "--format", "json", "--severity", "error"]);
    assert_eq!(output.status.code(), Some(1));
    let errors = json(&output);
    assert_eq!((errors["errors"].as_u64(), errors["warnings"].as_u64()), (Some(5), Some(0)));
    assert!(codes(&errors).iter().all(|c| c == "duplicate-id" || c == "unresolved-reference"), "{errors}");
    // `--severity warning` on a file with warnings only: they are printed and fail the check.
    let only_warnings = specls(&dir, &["check", "specs/002-export/spec.md", "--severity", "warning"]);
    assert_eq!(only_warnings.status.code(), Some(1), "{}", stdout(&only_warnings));
    assert!(stdout(&only_warnings).ends_with("0 errors, 1 warnings in 1 files\n"), "{}", stdout(&only_warnings));
    // Without a threshold the same file passes: warnings do not fail by default.
    assert_eq!(specls(&dir, &["check", "specs/002-export/spec.md"]).status.code(), Some(0));
    // A clean folder passes at any threshold.
    assert_eq!(specls(&dir, &["check", ".specify", "--severity", "hint"]).status.code(), Some(0));
    // An unknown threshold is a usage error.
    assert_eq!(specls(&dir, &["check", "--severity", "fatal"]).status.code(), Some(2));
}

/// Verifies specs/001-core-engine/spec.md FR-023.
#[test]
fn invalid_configuration_values_are_errors_with_positions() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("specs/001-a")).unwrap();
    std::fs::write(
        dir.path().join("specs/001-a/spec.md"),
        "# Feature Specification: A\n\n## User Scenarios & Testing\n\nA user signs in.\n\n## Requirements\n\n- **FR-001**: x\n\n## Success Criteria\n\n- **SC-001**: y\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("broken-format.toml"), "[format]\nname = \"b\"\n").unwrap();
    std::fs::write(
        dir.path().join("specls.toml"),
        "include = \"specs\"\nexclude = [\"specs/[\"]\nformats = [\"broken-format.toml\", \"missing.toml\"]\n\n[rules]\nduplicate-idd = \"off\"\nmissing-section = \"fatal\"\n",
    )
    .unwrap();
    let output = specls(dir.path(), &["check", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "invalid values are errors: {}", stdout(&output));
    let report = json(&output);
    let found: Vec<String> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{}:{}:{} {} {}",
                d["path"].as_str().unwrap(),
                d["line"],
                d["column"],
                d["severity"].as_str().unwrap(),
                d["code"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            "specls.toml:1:11 error config/invalid-value",
            "specls.toml:2:12 error config/invalid-value",
            "specls.toml:3:12 error config/invalid-value",
            "specls.toml:3:34 error config/invalid-value",
            "specls.toml:6:1 warning config/unknown-key",
            "specls.toml:7:19 error config/invalid-value",
        ]
    );
    let messages: Vec<&str> =
        report["diagnostics"].as_array().unwrap().iter().map(|d| d["message"].as_str().unwrap()).collect();
    assert!(messages[2].contains("format file `broken-format.toml`:1:1: missing field `label`"), "{messages:?}");
    assert!(messages[4].contains("did you mean `duplicate-id`?"), "{messages:?}");
}

/// Verifies specs/001-core-engine/spec.md FR-023.
#[test]
fn a_configuration_syntax_error_is_reported_and_the_check_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("specs/001-a")).unwrap();
    std::fs::write(dir.path().join("specs/001-a/tasks.md"), "# Tasks: A\n\n- [ ] T001 per FR-009\n").unwrap();
    std::fs::write(dir.path().join("specls.toml"), "[rules]\nunresolved-reference = \"warning\"\nbroken = \n").unwrap();
    let output = specls(dir.path(), &["check", "--format", "json"]);
    let report = json(&output);
    let syntax = report["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "config/syntax");
    let syntax = syntax.unwrap_or_else(|| panic!("a syntax error is reported: {report}"));
    assert_eq!((syntax["path"].as_str(), syntax["line"].as_u64()), (Some("specls.toml"), Some(3)));
    // The valid part of the file still applies.
    let unresolved =
        report["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "unresolved-reference").unwrap();
    assert_eq!(unresolved["severity"], "warning");
    assert_eq!(output.status.code(), Some(1), "a syntax error is an error");
}

/// Verifies specs/001-core-engine/spec.md FR-023.
#[test]
fn a_file_named_on_the_command_line_is_checked_even_when_excluded() {
    let dir = fixture("config");
    let output = specls(&dir, &["check", "--format", "json", "specs/001-login/drafts/ideas.md"]);
    let report = json(&output);
    assert!(codes(&report).contains(&"unresolved-reference".to_string()), "{report}");
}

/// The schema check itself: a log that breaks the schema is caught.
#[test]
fn the_schema_check_rejects_logs_that_break_the_schema() {
    let schema: Value = serde_json::from_str(include_str!("fixtures/sarif/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::options().should_validate_formats(true).build(&schema).unwrap();
    let log = json(&specls(&fixture("config"), &["check", "--format", "sarif"]));
    assert!(validator.is_valid(&log));
    let mut bad_level = log.clone();
    bad_level["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&bad_level));
    let mut zero_line = log.clone();
    zero_line["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0.into();
    assert!(!validator.is_valid(&zero_line));
    let mut no_version = log;
    no_version.as_object_mut().unwrap().remove("version");
    assert!(!validator.is_valid(&no_version));
}
