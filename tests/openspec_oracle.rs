//! The differential check against OpenSpec's own validator (`tests/openspec-oracle/compare.sh`):
//! every finding of `openspec validate --all --strict --json` on the OpenSpec corpus and on
//! `tests/fixtures/rules/openspec` must have a specls diagnostic saying the same thing, with a
//! line.
//!
//! The script installs `@fission-ai/openspec` from npm, which is slow and needs the network, so
//! this test runs only when asked: `SPECLS_ORACLE=1 cargo test -p specls --test openspec_oracle
//! -- --nocapture`, with `node` and `npm` on the PATH and the corpora in `../shared/corpora`.
//! Otherwise it prints why it skips and passes. Set `OPENSPEC_BIN` to an installed `openspec`
//! to skip the install.

use std::path::Path;
use std::process::Command;

fn available(program: &str) -> bool {
    Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success())
}

/// Verifies specs/002-diagnostics/spec.md FR-009.
#[test]
fn specls_says_what_the_openspec_validator_says() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let corpora = repo.join("../shared/corpora");
    let skip = if std::env::var("SPECLS_ORACLE").as_deref() != Ok("1") {
        Some("SPECLS_ORACLE=1 is not set (the check installs @fission-ai/openspec from npm)".to_string())
    } else if !available("node") || !available("npm") {
        Some("node or npm is not on the PATH".to_string())
    } else if !corpora.is_dir() {
        Some(format!("{} does not exist", corpora.display()))
    } else {
        None
    };
    if let Some(reason) = skip {
        println!("openspec oracle skipped: {reason}");
        return;
    }
    let status = Command::new("bash")
        .arg(repo.join("tests/openspec-oracle/compare.sh"))
        .env("SPECLS_BIN", env!("CARGO_BIN_EXE_specls"))
        .status()
        .expect("bash runs");
    assert!(status.success(), "specls and openspec validate disagree (see the table above)");
}

/// Without node: the fixture project exercises every `openspec/` rule, so the differential check
/// above covers each of them when it runs.
#[test]
fn the_fixture_project_exercises_every_openspec_rule() {
    use specls::analysis::workspace::{WalkOptions, scan};
    use specls::analysis::{WorkspaceIndex, diagnostics, rules};
    use specls::model::Grammar;

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/rules/openspec").canonicalize().unwrap();
    let grammar = Grammar::builtin();
    let roots = vec![root.clone()];
    let mut index = WorkspaceIndex::new(grammar.clone(), roots.clone());
    for doc in scan(&grammar, &roots, &roots, &WalkOptions::default()).docs {
        index.upsert(doc);
    }
    let paths: Vec<_> = index.docs().map(|d| d.model.path.clone()).collect();
    let seen: std::collections::BTreeSet<&str> =
        paths.iter().flat_map(|p| diagnostics(&index, p)).map(|d| d.code).collect();
    let missing: Vec<&str> =
        rules::catalogue().map(|r| r.code).filter(|c| c.starts_with("openspec/") && !seen.contains(c)).collect();
    assert!(missing.is_empty(), "rules no fixture exercises: {missing:?}");
}
