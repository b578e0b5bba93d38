//! Confinement: the server writes no file, edits only through versioned workspace edits, reads
//! nothing outside the workspace folders (symlinks resolved and checked) and runs no command.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::{Logged, good_feature, symbol_files, write};

/// Every entry under `root` (links not followed) with its size, modification time and mode.
fn listing(root: &Path) -> BTreeMap<PathBuf, (u64, std::time::SystemTime, u32)> {
    use std::os::unix::fs::PermissionsExt as _;
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let entry = entry.expect("entry");
            let meta = std::fs::symlink_metadata(entry.path()).expect("metadata");
            if meta.is_dir() {
                stack.push(entry.path());
            }
            let modified = meta.modified().expect("mtime");
            out.insert(entry.path(), (meta.len(), modified, meta.permissions().mode()));
        }
    }
    out
}

fn set_read_only(root: &Path, read_only: bool) {
    for path in listing(root).keys().chain(std::iter::once(&root.to_path_buf())) {
        let Ok(meta) = std::fs::symlink_metadata(path) else { continue };
        if meta.file_type().is_symlink() {
            continue;
        }
        let mut permissions = meta.permissions();
        permissions.set_readonly(read_only);
        std::fs::set_permissions(path, permissions).expect("chmod");
    }
}

/// Verifies specs/009-reliability/spec.md FR-008, FR-010.
#[test]
fn a_read_only_workspace_is_served_and_left_untouched() {
    let ws = tempfile::tempdir().expect("temp dir");
    let root = ws.path().to_path_buf();
    good_feature(&root);
    write(&root, "specs/001-good/plan.md", "# Implementation Plan: Good\n\nCovers FR-002 and FR-404.\n");
    write(&root, "src/lib.rs", "/// Verifies specs/001-good/spec.md FR-001.\nfn works() {}\n");
    write(&root, "specls.toml", "[rules]\nvague-term = \"warning\"\n");
    set_read_only(&root, true);
    let before = listing(&root);

    let mut server = Logged::spawn(&root);
    server.client.initialize_with(
        json!({
            "general": { "positionEncodings": ["utf-16"] },
            "window": { "workDoneProgress": true },
            "workspace": {
                "workspaceEdit": { "documentChanges": true, "resourceOperations": ["create"] },
                "didChangeWatchedFiles": { "dynamicRegistration": true }
            }
        }),
        None,
    );
    server.wait_indexed();
    let spec = server.client.open("specs/001-good/spec.md", 7);
    let tasks = server.client.open("specs/001-good/tasks.md", 3);
    let position = crate::support::at(&root, "specs/001-good/spec.md", "FR-001", 2);

    // Rename answers with versioned document edits; nothing is written.
    let rename = server.client.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": spec }, "position": position, "newName": "FR-010" }),
    );
    let changes = rename["documentChanges"].as_array().expect("versioned document changes");
    assert!(!changes.is_empty() && rename.get("changes").is_none(), "{rename}");
    for change in changes {
        let uri = change["textDocument"]["uri"].as_str().unwrap_or_default();
        let expected = if uri == spec {
            json!(7)
        } else if uri == tasks {
            json!(3)
        } else {
            Value::Null
        };
        assert_eq!(change["textDocument"]["version"], expected, "{change}");
    }

    // Code actions and commands answer with edits or text, never by writing.
    let end = json!({ "line": 40, "character": 0 });
    for uri in [&spec, &tasks] {
        let actions = server.client.request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": { "start": { "line": 0, "character": 0 }, "end": end },
                    "context": { "diagnostics": [] } }),
        );
        for action in actions.as_array().map(|a| a.as_slice()).unwrap_or_default() {
            for change in action["edit"]["documentChanges"].as_array().map(|a| a.as_slice()).unwrap_or_default() {
                if change.get("kind").is_none() {
                    assert!(change["textDocument"].get("version").is_some(), "{change}");
                }
            }
        }
    }
    let report = server.client.request_raw("workspace/executeCommand", json!({ "command": "specls.showTraceReport" }));
    assert!(report.get("error").is_none(), "{report}");
    server.client.notify("textDocument/didSave", json!({ "textDocument": { "uri": spec } }));
    server.client.notify("textDocument/didClose", json!({ "textDocument": { "uri": tasks } }));
    server.assert_no_panic();
    assert!(server.client.shutdown());

    assert_eq!(listing(&root), before, "the workspace is exactly as it was");
    set_read_only(&root, false);
}

/// The calls that write, remove or rename files, or run programs.
const FORBIDDEN: &[&str] = &[
    "fs::write",
    "File::create",
    ".write(true)",
    ".append(true)",
    ".create(true)",
    ".truncate(true)",
    "create_dir",
    "remove_file",
    "remove_dir",
    "fs::rename",
    "fs::copy",
    "set_permissions",
    "hard_link",
    "symlink(",
    "process::Command",
    "Command::new",
    "exec(",
];

/// Where writing is the point: `specls trace --output` and `specls gaps --write`, which the user
/// runs and names the file of.
const ALLOWED: &[&str] = &["cli/trace.rs", "cli/gaps.rs"];

/// Verifies specs/009-reliability/spec.md FR-008, FR-011.
#[test]
fn no_server_code_writes_files_or_runs_programs() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![src.clone()];
    let mut offences = Vec::new();
    let mut files = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            files += 1;
            let relative = path.strip_prefix(&src).expect("under src").to_string_lossy().replace('\\', "/");
            let text = std::fs::read_to_string(&path).expect("source");
            // Tests (the module at the bottom of a file) may write fixtures.
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (n, line) in code.lines().enumerate() {
                let line = line.trim_start();
                if line.starts_with("//") {
                    continue;
                }
                for call in FORBIDDEN {
                    if line.contains(call) && !ALLOWED.contains(&relative.as_str()) {
                        offences.push(format!("{relative}:{}: {}", n + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(files > 50, "the audit read the sources ({files} files)");
    assert!(
        offences.is_empty(),
        "file writes or programs outside the CLI's explicit outputs:\n{}",
        offences.join("\n")
    );
}

/// Verifies specs/009-reliability/spec.md FR-009.
#[test]
fn nothing_outside_the_workspace_is_read_through_links_or_configuration() {
    let outside = tempfile::tempdir().expect("temp dir");
    write(outside.path(), "secret.md", "# Secret\n\n- **FR-666**: System MUST stay outside.\n");
    write(outside.path(), "nested/more.md", "# More\n\n- **FR-667**: System MUST stay outside.\n");
    write(outside.path(), "format.toml", "[format]\nname = \"leak\"\nlabel = \"Leak\"\norder = 1\n");
    write(
        outside.path(),
        "junit.xml",
        "<testsuites><testsuite name=\"s\"><testcase name=\"leaked_test\" classname=\"leak\"/></testsuite></testsuites>",
    );
    let ws = tempfile::tempdir().expect("temp dir");
    let root = ws.path().to_path_buf();
    good_feature(&root);
    std::os::unix::fs::symlink(outside.path().join("secret.md"), root.join("specs/001-good/linked.md")).expect("link");
    std::os::unix::fs::symlink(outside.path().join("nested"), root.join("specs/linked-folder")).expect("link");
    std::os::unix::fs::symlink(outside.path(), root.join("results")).expect("link");
    let escape = outside.path().strip_prefix("/").expect("absolute");
    let up = "../".repeat(root.components().count() - 1);
    write(
        &root,
        "specls.toml",
        format!(
            "formats = [\"results/format.toml\", \"{up}{}/format.toml\"]\n\n[results]\npaths = [\"results/junit.xml\", \"{up}{}/junit.xml\"]\n",
            escape.display(),
            escape.display()
        ),
    );
    let mut server = Logged::spawn(&root);
    server.client.initialize(&["utf-16"], false);
    server.wait_indexed();
    assert_eq!(symbol_files(&mut server, "FR-001"), ["specs/001-good/spec.md"]);
    assert_eq!(symbol_files(&mut server, "FR-66"), Vec::<String>::new());

    // A watcher reporting the links as created does not make the server follow them.
    let changes: Vec<Value> = ["specs/001-good/linked.md", "specs/linked-folder/more.md", "results/secret.md"]
        .iter()
        .map(|f| json!({ "uri": server.client.uri(f), "type": 1 }))
        .collect();
    server.client.notify("workspace/didChangeWatchedFiles", json!({ "changes": changes }));
    assert_eq!(symbol_files(&mut server, "FR-66"), Vec::<String>::new());

    // Neither the format files nor the results outside were read.
    let log = server.log();
    assert!(!log.contains("read 1 test results files"), "{}", crate::tail(&log));
    let config = server.client.uri("specls.toml");
    let problems =
        crate::support::published(&mut server.client, &config, |d| d.as_array().is_some_and(|a| !a.is_empty()));
    let text = problems.to_string();
    assert!(text.contains("outside the workspace"), "{problems}");
    server.assert_no_panic();
    assert!(server.client.shutdown());
}

/// Verifies specs/009-reliability/spec.md FR-011.
#[test]
fn regexes_from_configuration_are_size_limited() {
    use specls::analysis::config_loader::{FileSource, load};
    let dir = tempfile::tempdir().expect("temp dir");
    // Each pattern compiles to far more than the limit allows (repetition multiplies).
    let text = r#"
[[formats]]
format = { name = "huge", label = "Huge", order = 40 }
kinds = [{ id = "huge.doc", label = "Huge", paths = ["huge/*.md"] }]
namespaces = [{ id = "huge.key", label = "key" }]
clauses = [{ kind = "key", namespace = "huge.key", doc_kinds = ["huge.doc"], pattern = '^(?P<id>(?:\w{1000}){1000})$' }]
references = [{ namespace = "huge.key", pattern = '(?:[\p{L}\p{N}]{500}){500}' }]
"#;
    let loaded = load(Some(FileSource { text, dir: dir.path() }), None);
    let messages: Vec<&str> = loaded.problems.iter().map(|p| p.message.as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("size limit")), "{messages:?}");
    assert!(loaded.grammar.kind_for_path("huge/x.md").is_none(), "the format is not applied: {messages:?}");
}
