//! The editor integrations that Rust can check: Helix's `languages.toml` snippet names the real
//! binary with arguments it accepts, and the highlight queries compile against tree-sitter-md's
//! inline grammar and capture what they say. (The VS Code extension and the Neovim plugin have
//! their own tests: `npm test` in editors/vscode, editors/neovim/test/run.sh.)

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tree_sitter::{Parser, Query, QueryCursor, StreamingIterator};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn helix() -> toml::Table {
    read("editors/helix/languages.toml").parse().expect("editors/helix/languages.toml parses")
}

/// One LSP message framed for stdio.
fn frame(message: serde_json::Value) -> Vec<u8> {
    let body = message.to_string();
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

/// The first message the server writes, read from its stdout.
fn read_message(out: &mut impl BufRead) -> serde_json::Value {
    let mut length = 0;
    loop {
        let mut line = String::new();
        out.read_line(&mut line).expect("a header line");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse().expect("a length");
        }
    }
    let mut body = vec![0; length];
    out.read_exact(&mut body).expect("a body");
    serde_json::from_slice(&body).expect("a JSON message")
}

/// Verifies specs/006-editors/spec.md FR-003.
#[test]
fn helix_snippet_starts_the_real_server() {
    let config = helix();
    let server = &config["language-server"]["specls"];
    assert_eq!(server["command"].as_str(), Some("specls"), "the binary's name");
    let args: Vec<&str> =
        server["args"].as_array().expect("args").iter().map(|a| a.as_str().expect("string args")).collect();

    // The binary with exactly these arguments answers initialize and shuts down cleanly.
    let mut child = Command::new(env!("CARGO_BIN_EXE_specls"))
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("specls starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let initialize = serde_json::json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": { "processId": null, "rootUri": null, "capabilities": {} },
    });
    stdin.write_all(&frame(initialize)).expect("initialize is sent");
    let answer = read_message(&mut stdout);
    assert_eq!(answer["id"], 1);
    assert_eq!(answer["result"]["serverInfo"]["name"], "specls", "{answer}");
    stdin.write_all(&frame(serde_json::json!({ "jsonrpc": "2.0", "id": 2, "method": "shutdown" }))).expect("shutdown");
    assert_eq!(read_message(&mut stdout)["id"], 2);
    stdin.write_all(&frame(serde_json::json!({ "jsonrpc": "2.0", "method": "exit" }))).expect("exit");
    drop(stdin);
    assert!(child.wait().expect("specls exits").success());
}

/// Verifies specs/006-editors/spec.md FR-003.
#[test]
fn helix_snippet_adds_specls_beside_each_language_server_with_the_root_markers() {
    let config = helix();
    let languages = config["language"].as_array().expect("[[language]] tables");
    assert!(languages.iter().any(|l| l["name"].as_str() == Some("markdown")), "Markdown is configured");
    for language in languages {
        let name = language["name"].as_str().expect("a name");
        let servers: Vec<&str> = language["language-servers"]
            .as_array()
            .expect("language-servers")
            .iter()
            .map(|s| s.as_str().expect("a server name"))
            .collect();
        assert_eq!(servers.last(), Some(&"specls"), "{name}: specls after the language's own servers");
        if name == "markdown" {
            assert_eq!(servers.first(), Some(&"marksman"), "Helix's Markdown server stays first");
        }
        let roots: Vec<&str> = language["roots"].as_array().expect("roots").iter().filter_map(|r| r.as_str()).collect();
        for marker in [".specify", ".kiro", "openspec", "specls.toml", ".git"] {
            assert!(roots.contains(&marker), "{name}: root marker {marker}");
        }
    }
}

/// The text each capture of `query` takes in `text`, parsed with tree-sitter-md's inline grammar.
fn captures(query: &Query, text: &str) -> Vec<(String, String)> {
    let language = tree_sitter_md::INLINE_LANGUAGE.into();
    let mut parser = Parser::new();
    parser.set_language(&language).expect("the inline grammar loads");
    let tree = parser.parse(text, None).expect("the text parses");
    let mut cursor = QueryCursor::new();
    let mut found = Vec::new();
    let mut matches = cursor.captures(query, tree.root_node(), text.as_bytes());
    while let Some((m, index)) = matches.next() {
        let capture = m.captures()[*index];
        let name = query.capture_names()[capture.index as usize].to_string();
        found.push((name, text[capture.node.byte_range()].to_string()));
    }
    found
}

const SAMPLE: &str = "**FR-001**: System MUST keep **every** gate [NEEDS CLARIFICATION: which gates?] \
    [P] [US2] [link] _soft_";

/// Verifies specs/006-editors/spec.md FR-004.
#[test]
fn helix_query_highlights_ids_and_markers() {
    let source = read("grammar/queries/helix/markdown.inline/highlights.scm");
    let query = Query::new(&tree_sitter_md::INLINE_LANGUAGE.into(), &source).expect("the Helix query compiles");
    let found = captures(&query, SAMPLE);
    let expected = [
        ("constant", "**FR-001**"),
        ("warning", "[NEEDS CLARIFICATION: which gates?]"),
        ("label", "[P]"),
        ("label", "[US2]"),
    ];
    let expected: Vec<(String, String)> = expected.iter().map(|(c, t)| (c.to_string(), t.to_string())).collect();
    assert_eq!(found, expected);
}

/// Verifies specs/006-editors/spec.md FR-004.
#[test]
fn neovim_query_extends_markdown_inline_and_compiles() {
    let source = read("grammar/queries/neovim/after/queries/markdown_inline/highlights.scm");
    assert_eq!(source.lines().next(), Some(";; extends"), "extends Neovim's query instead of replacing it");
    // `#lua-match?` is Neovim's own predicate: here it only has to be well-formed.
    let query = Query::new(&tree_sitter_md::INLINE_LANGUAGE.into(), &source).expect("the Neovim query compiles");
    let names: Vec<&str> = query.capture_names().to_vec();
    assert_eq!(names, ["constant", "label", "comment.warning"]);
}
