//! Hostile workspaces: files too large, binary, undecodable, unreadable or pathological, nested
//! without end, or changing while the server indexes them. The server must keep answering, stay
//! within bounded memory, explain what it skipped, and keep serving the ordinary files.

use std::io::Write as _;
use std::path::Path;

use serde_json::{Value, json};
use specls::analysis::DOCUMENT_SYMBOL_LIMIT;

use crate::{Logged, good_feature, symbol_files, tail, write};

/// Resident memory the server may use over these workspaces. The files on disk total over 1 GB
/// (claimed) and 60 MB (real); what is indexed is a few MB of pathological Markdown.
const RSS_LIMIT_KIB: u64 = 768 * 1024;

/// `unit` repeated until the text is `bytes` long (about).
fn repeated(unit: &str, bytes: usize) -> String {
    unit.repeat(bytes / unit.len())
}

/// The pathological Markdown documents, each under the default size limit.
fn pathological() -> Vec<(&'static str, String)> {
    let headings: String = (0..100_000).map(|i| format!("## Heading {i}\n")).collect();
    let ids: String = (0..100_000).map(|i| format!("- **SC-{i:06}**: Done.\n")).collect();
    vec![
        // One line opening 10,000 nested list items, then 10,000 nested block quotes.
        ("deep/lists.md", format!("{}deep\n", "- ".repeat(10_000))),
        ("deep/quotes.md", format!("{}deep\n", "> ".repeat(10_000))),
        ("deep/mixed.md", format!("{}deep\n", "> - 1. ".repeat(3_000))),
        // Indented nesting: every line one level deeper (1,000 levels, a 1 MB file).
        ("deep/indented.md", (0..1_000).map(|i| format!("{}- level {i}\n", "  ".repeat(i))).collect()),
        ("many/headings.md", format!("# Feature Specification: Many\n\n{headings}")),
        ("specs/002-ids/spec.md", format!("# Feature Specification: Ids\n\n## Success Criteria\n\n{ids}")),
        ("inline/brackets.md", format!("# Brackets\n\n{}\n", "[".repeat(200_000))),
        ("inline/closers.md", format!("# Closers\n\n{}\n", "[a](".repeat(50_000))),
        ("inline/backticks.md", format!("# Ticks\n\n{}x\n", "`".repeat(100_000))),
        (
            "inline/ticks-runs.md",
            format!("# Runs\n\n{}\n", (1..400).map(|n| "`".repeat(n) + " a ").collect::<String>()),
        ),
        ("inline/emphasis.md", format!("# Stars\n\n{}\n", "*_".repeat(100_000))),
        ("inline/html.md", format!("# Html\n\n{}\n", "<a ".repeat(100_000))),
        ("inline/table.md", format!("| a |\n|---|\n{}\n", "| x ".repeat(100_000))),
        ("inline/refs.md", format!("# Refs\n\n{}\n", "FR-001, ".repeat(100_000))),
        ("long/three-mb-line.md", format!("# Long\n\n{}\n", repeated("word FR-001 ", 3 << 20))),
    ]
}

/// Generate the hostile files on disk under `root`; true when the unreadable one really is
/// (permissions do not stop root, and then it is simply indexed).
fn hostile_disk(root: &Path) -> bool {
    // 50 MB of plausible spec text, a 10 MB line and a sparse 1 GB file: over the size limit.
    let mut big =
        std::io::BufWriter::new(std::fs::File::create(write(root, "specs/901-fifty/spec.md", "")).expect("create"));
    let line = "- **FR-777**: System MUST be large.\n";
    for _ in 0..(50 << 20) / line.len() {
        big.write_all(line.as_bytes()).expect("write");
    }
    big.flush().expect("flush");
    write(root, "specs/902-line/spec.md", repeated("x", 10 << 20));
    std::fs::File::create(write(root, "specs/903-sparse/spec.md", ""))
        .expect("create")
        .set_len(1 << 30)
        .expect("sparse");
    // Undecodable, binary and NUL-carrying files with Markdown names.
    write(root, "specs/904-utf8/spec.md", b"# Broken \xff\xfe text\n\n- **FR-901**: System MUST survive \xc3(.\n");
    let noise: Vec<u8> = (0u32..65_536).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    write(root, "specs/905-binary/spec.md", noise);
    let mut late_nul = "# Late\n\n".to_string() + &repeated("text ", 9_000);
    late_nul.push('\0');
    late_nul.push_str("\n- **FR-902**: System MUST survive NUL.\n");
    write(root, "specs/906-nul/spec.md", late_nul);
    let unreadable = write(root, "specs/907-unreadable/spec.md", "# Secret\n\n- **FR-903**: hidden\n");
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&unreadable, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    // A folder named like a Markdown file, and a dangling link.
    std::fs::create_dir_all(root.join("specs/908-folder/spec.md")).expect("mkdir");
    std::fs::create_dir_all(root.join("specs/909-dangling")).expect("mkdir");
    std::os::unix::fs::symlink(root.join("nowhere.md"), root.join("specs/909-dangling/spec.md")).expect("symlink");
    // Symlink loops: a folder that contains itself, and two links naming each other.
    std::fs::create_dir_all(root.join("loops")).expect("mkdir");
    std::os::unix::fs::symlink(root.join("loops"), root.join("loops/again")).expect("symlink");
    std::os::unix::fs::symlink(root.join("loops/b.md"), root.join("loops/a.md")).expect("symlink");
    std::os::unix::fs::symlink(root.join("loops/a.md"), root.join("loops/b.md")).expect("symlink");
    // Test results: an entity expansion bomb, a 1 GB claim, and XML nested 100,000 deep.
    let mut bomb = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
    bomb.push_str("<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n");
    for level in 2..10 {
        let prev = format!("&lol{};", level - 1);
        bomb.push_str(&format!("<!ENTITY lol{level} \"{}\">\n", prev.repeat(10)));
    }
    bomb.push_str("]>\n<testsuites><testsuite name=\"s\"><testcase name=\"&lol9;\" classname=\"c\">");
    bomb.push_str("<failure message=\"&lol9;\">&lol9;</failure></testcase></testsuite></testsuites>\n");
    write(root, "target/nextest/ci/junit.xml", bomb);
    std::fs::File::create(write(root, "junit.xml", "")).expect("create").set_len(1 << 30).expect("sparse");
    write(root, "report.xml", "<testsuites>".to_string() + &"<testsuite>".repeat(100_000));
    for (relative, text) in pathological() {
        write(root, relative, text);
    }
    std::fs::read(&unreadable).is_err()
}

/// Verifies specs/009-reliability/spec.md FR-001, FR-002, FR-003, FR-014.
#[test]
fn a_hostile_workspace_is_indexed_and_the_ordinary_files_keep_working() {
    let ws = tempfile::tempdir().expect("temp dir");
    let root = ws.path();
    let unreadable = hostile_disk(root);
    good_feature(root);
    let mut server = Logged::spawn(root);
    server.client.initialize(&["utf-16"], false);
    server.wait_indexed();
    let after_index = server.rss_kib();

    // The ordinary feature is indexed and navigable.
    assert_eq!(symbol_files(&mut server, "FR-001"), ["specs/001-good/spec.md"]);
    let tasks = server.client.open("specs/001-good/tasks.md", 1);
    let root_path = root.to_path_buf();
    let definition = server.request(
        "textDocument/definition",
        json!({ "textDocument": { "uri": tasks }, "position": crate::support::at(&root_path, "specs/001-good/tasks.md", "FR-001", 1) }),
    );
    assert_eq!(crate::support::places(&root_path, &definition["result"]), ["specs/001-good/spec.md:13"]);

    // The 100,000 identifiers are all indexed; what was too large, binary or unreadable is not.
    let ids = server.request("workspace/symbol", json!({ "query": "SC-09999" }));
    assert!(ids["result"].as_array().is_some_and(|a| a.len() >= 10), "{ids}");
    assert_eq!(symbol_files(&mut server, "FR-777"), Vec::<String>::new());
    let expected: &[&str] = if unreadable { &[] } else { &["specs/907-unreadable/spec.md"] };
    assert_eq!(symbol_files(&mut server, "FR-903"), expected);
    assert_eq!(symbol_files(&mut server, "FR-902"), ["specs/906-nul/spec.md"]);
    assert_eq!(symbol_files(&mut server, "FR-901"), ["specs/904-utf8/spec.md"]);

    let log = server.log();
    for reason in [
        "specs/901-fifty/spec.md: 52428",
        "specs/902-line/spec.md: 10485760 bytes is over the 4194304 byte limit",
        "specs/903-sparse/spec.md: 1073741824 bytes is over",
        "specs/905-binary/spec.md: binary content",
        "specs/904-utf8/spec.md: invalid UTF-8",
    ] {
        assert!(log.contains(reason), "the log explains {reason:?}:\n{}", tail(&log));
    }
    assert!(log.contains("test results not read"), "results problems are logged:\n{}", tail(&log));

    // Every pathological document of moderate size, opened, answers the requests an editor
    // sends on open (the largest are indexed from disk above; opened, they take minutes in an
    // unoptimised build).
    for (relative, text) in pathological() {
        if text.len() > 256 * 1024 {
            continue;
        }
        let uri = server.client.open(relative, 1);
        for method in ["textDocument/documentSymbol", "textDocument/foldingRange", "textDocument/semanticTokens/full"] {
            let answer = server.request(method, json!({ "textDocument": { "uri": uri } }));
            assert!(answer.get("error").is_none(), "{relative} {method}: {answer}");
        }
        let hover = server.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": { "line": 2, "character": 3 } }),
        );
        assert!(hover.get("error").is_none(), "{relative} hover: {hover}");
        server.client.notify("textDocument/didClose", json!({ "textDocument": { "uri": uri } }));
    }
    // The 100,000 headings (not open): the title and the first headings, up to the limit
    // (FR-014). Answered whole, the answer's JSON tree alone took over 500 MB for a moment.
    let headings = server.client.uri("many/headings.md");
    let symbols = server.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": headings } }));
    let outline = symbols["result"].as_array().expect("symbols");
    assert_eq!(outline.len(), 1, "the title");
    let children = outline[0]["children"].as_array().map_or(0, Vec::len);
    assert_eq!(children, DOCUMENT_SYMBOL_LIMIT - 1, "the first headings");
    let log = server.log();
    assert!(log.contains("symbols left out of the outline"), "the log says so:\n{}", tail(&log));

    // The peak, not the resident memory at the end: the memory of a large answer is given back
    // once it is written, so only the peak shows it.
    let (rss, peak) = (server.rss_kib(), server.peak_rss_kib());
    eprintln!(
        "hostile workspace: RSS after indexing {after_index:?} KiB, after every request {rss:?} KiB, peak {peak:?} KiB"
    );
    if let Some(peak) = peak {
        assert!(peak < RSS_LIMIT_KIB, "peak resident memory {peak} KiB is over {RSS_LIMIT_KIB} KiB");
    }
    server.assert_no_panic();
    assert!(server.client.shutdown());
}

/// Verifies specs/009-reliability/spec.md FR-002.
#[test]
fn the_file_size_limit_is_configurable_and_a_skipped_file_is_explained() {
    let ws = tempfile::tempdir().expect("temp dir");
    let root = ws.path();
    good_feature(root);
    write(root, "specls.toml", "max_file_bytes = 2000\n");
    let ids: String = (0..100).map(|i| format!("- **FR-{i:03}**: System MUST do {i}.\n")).collect();
    write(root, "specs/002-big/spec.md", format!("# Feature Specification: Big\n\n## Requirements\n\n{ids}"));
    let mut server = Logged::spawn(root);
    server.client.initialize(&["utf-16"], false);
    server.wait_indexed();
    assert_eq!(symbol_files(&mut server, "FR-050"), Vec::<String>::new());
    assert_eq!(symbol_files(&mut server, "FR-002"), ["specs/001-good/spec.md"]);
    let log = server.log();
    assert!(log.contains("specs/002-big/spec.md: ") && log.contains("over the 2000 byte limit"), "{}", tail(&log));

    // An open document over the limit keeps its text and says why it is not analysed.
    let uri = server.client.open("specs/002-big/spec.md", 1);
    let diagnostics = server.client.diagnostics_for(&uri, Some(1));
    assert_eq!(diagnostics[0]["code"], "document-too-large", "{diagnostics}");
    assert!(diagnostics[0]["message"].as_str().is_some_and(|m| m.contains("2000")), "{diagnostics}");
    server.assert_no_panic();
    assert!(server.client.shutdown());
}

/// Verifies specs/009-reliability/spec.md FR-001.
#[test]
fn files_deleted_or_replaced_while_indexing_do_not_disturb_the_server() {
    let ws = tempfile::tempdir().expect("temp dir");
    let root = ws.path().to_path_buf();
    good_feature(&root);
    for i in 0..2_000 {
        write(&root, &format!("churn/{i:04}.md"), format!("# Doc {i}\n\n- **FR-{i:04}**: System MUST churn.\n"));
    }
    let mut server = Logged::spawn(&root);
    let churn_root = root.clone();
    let churn = std::thread::spawn(move || {
        for i in 0..2_000 {
            let path = churn_root.join(format!("churn/{i:04}.md"));
            match i % 4 {
                0 => std::fs::remove_file(&path).expect("delete"),
                1 => std::fs::write(&path, format!("# Replaced {i}\n")).expect("replace"),
                2 => {
                    std::fs::remove_file(&path).expect("delete");
                    std::fs::create_dir_all(&path).expect("folder in its place");
                }
                _ => {
                    std::fs::remove_file(&path).expect("delete");
                    let made = std::process::Command::new("mkfifo").arg(&path).status().expect("mkfifo");
                    assert!(made.success(), "a FIFO in its place");
                }
            }
        }
    });
    server.client.initialize(&["utf-16"], false);
    churn.join().expect("churn");
    server.wait_indexed();
    let changes: Vec<Value> =
        (0..2_000).map(|i| json!({ "uri": server.client.uri(&format!("churn/{i:04}.md")), "type": 2 })).collect();
    server.client.notify("workspace/didChangeWatchedFiles", json!({ "changes": changes }));
    assert_eq!(symbol_files(&mut server, "FR-001"), ["specs/001-good/spec.md"]);
    // Only the files replaced by Markdown remain, whatever the scan saw.
    let left = server.request("workspace/symbol", json!({ "query": "Replaced" }));
    assert!(left["result"].as_array().is_some(), "{left}");
    server.assert_no_panic();
    assert!(server.client.shutdown());
}

/// One line of 1 MiB, opened: references (with a non-ASCII letter, so columns are not bytes),
/// then runs of `[` and of emphasis, and 128 KiB of unclosed links (tree-sitter's inline parse
/// of those is linear but slow unoptimised). Each is answered, and every reference gets its
/// token and its hint at the right column. The files appear after the scan, so only the open
/// path pays for them (the hostile workspace above has the scan's share).
/// Verifies specs/009-reliability/spec.md FR-001.
#[test]
fn a_megabyte_line_opens_and_every_request_is_answered() {
    let ws = tempfile::tempdir().expect("temp dir");
    let root = ws.path();
    good_feature(root);
    let mut server = Logged::spawn(root);
    server.client.initialize(&["utf-16"], false);
    server.wait_indexed();
    // 16 UTF-16 units, 17 bytes.
    let unit = "FR-001 é FR-002 ";
    let units = (1 << 20) / unit.len();
    write(root, "specs/001-good/plan.md", format!("# Plan: Long\n\n{}\n", unit.repeat(units)));
    for (relative, run, bytes) in
        [("long/brackets.md", "[", 1 << 20), ("long/emphasis.md", "*_", 1 << 20), ("long/links.md", "[a](", 1 << 17)]
    {
        write(root, relative, format!("# Long\n\n{}\n", repeated(run, bytes)));
    }

    let uri = server.client.open("specs/001-good/plan.md", 1);
    let published = |m: &Value| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri;
    let diagnostics = server.client.try_wait_for(&published, crate::PATIENCE).expect("diagnostics published");
    let codes: Vec<&Value> =
        diagnostics["params"]["diagnostics"].as_array().expect("list").iter().map(|d| &d["code"]).collect();
    assert!(!codes.contains(&&json!("unresolved-reference")), "{codes:?}");

    let document = json!({ "textDocument": { "uri": uri } });
    let tokens = server.request("textDocument/semanticTokens/full", document.clone());
    let data = tokens["result"]["data"].as_array().expect("tokens");
    assert_eq!(data.len(), 5 * 2 * units, "one token per reference");
    let whole = json!({ "start": { "line": 0, "character": 0 }, "end": { "line": 3, "character": 0 } });
    let hints = server.request("textDocument/inlayHint", json!({ "textDocument": { "uri": uri }, "range": whole }));
    let hints = hints["result"].as_array().expect("hints");
    assert_eq!(hints.len(), 2 * units, "one hint per reference");
    assert_eq!(hints[0]["position"], json!({ "line": 2, "character": 6 }));
    // After the last `FR-002`, before the line's last space.
    assert_eq!(hints[hints.len() - 1]["position"], json!({ "line": 2, "character": 16 * units - 1 }));
    let hover = server.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 2, "character": 16 * units - 3 } }),
    );
    assert!(hover["result"]["contents"]["value"].as_str().is_some_and(|v| v.contains("MUST answer")), "{hover}");
    for method in ["textDocument/documentSymbol", "textDocument/foldingRange", "textDocument/codeLens"] {
        let answer = server.request(method, document.clone());
        assert!(answer["result"].is_array(), "{method}: {answer}");
    }

    for relative in ["long/brackets.md", "long/emphasis.md", "long/links.md"] {
        let uri = server.client.open(relative, 1);
        for method in ["textDocument/documentSymbol", "textDocument/semanticTokens/full", "textDocument/documentLink"] {
            let answer = server.request(method, json!({ "textDocument": { "uri": uri } }));
            assert!(answer.get("error").is_none() && answer.get("result").is_some(), "{relative} {method}: {answer}");
        }
        let symbols = server.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }));
        assert_eq!(symbols["result"][0]["name"], "Long", "{relative}");
    }
    server.assert_no_panic();
    assert!(server.client.shutdown());
}
