//! The editor integrations that Rust can check: Helix's `languages.toml` snippet names the real
//! binary with arguments it accepts, the highlight queries compile against tree-sitter-md's
//! inline grammar and capture what they say, the VS Code manifest agrees with the server, the
//! Neovim end-to-end test passes when `nvim` is installed, and the README's set-up snippets hold.
//! (The VS Code extension's own logic has unit tests of its own: `npm test` in editors/vscode.)

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

/// The `initialize` result of the real binary started with `args`, after a clean shutdown.
fn initialize(args: &[&str]) -> serde_json::Value {
    let mut child = Command::new(env!("CARGO_BIN_EXE_specls"))
        .args(args)
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
    stdin.write_all(&frame(serde_json::json!({ "jsonrpc": "2.0", "id": 2, "method": "shutdown" }))).expect("shutdown");
    assert_eq!(read_message(&mut stdout)["id"], 2);
    stdin.write_all(&frame(serde_json::json!({ "jsonrpc": "2.0", "method": "exit" }))).expect("exit");
    drop(stdin);
    assert!(child.wait().expect("specls exits").success());
    answer["result"].clone()
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
    let result = initialize(&args);
    assert_eq!(result["serverInfo"]["name"], "specls", "{result}");
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

fn vscode_manifest() -> serde_json::Value {
    serde_json::from_str(&read("editors/vscode/package.json")).expect("editors/vscode/package.json parses")
}

/// The extension's settings that are the editor's own, not keys of `specls.toml`.
const VSCODE_ONLY_SETTINGS: &[&str] = &["path", "codeLanguages", "textSync", "pushDiagnostics", "trace.server"];

/// `vagueTerms` → `vague_terms`: the extension sends each mirrored setting under its `specls.toml` key.
fn toml_key(setting: &str) -> String {
    let mut out = String::new();
    for c in setting.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// A value of the setting's declared type that the server must accept: its default, or an empty
/// list when the default is `null` (which the server ignores) and a boolean's other value.
fn sample(declared: &serde_json::Value) -> serde_json::Value {
    match &declared["default"] {
        serde_json::Value::Null => serde_json::json!([]),
        serde_json::Value::Bool(b) => serde_json::json!(!b),
        other => other.clone(),
    }
}

/// Verifies specs/006-editors/spec.md FR-001: the manifest's settings mirror `specls.toml`, its
/// server commands are the ones the server advertises, and it packages and tests through npm.
#[test]
fn vscode_manifest_agrees_with_the_server() {
    use specls::analysis::config_loader::{EditorSource, load};

    let manifest = vscode_manifest();
    let properties = manifest["contributes"]["configuration"]["properties"].as_object().expect("settings");
    let mut mirrored = serde_json::Map::new();
    for (name, declared) in properties {
        let setting = name.strip_prefix("specls.").unwrap_or_else(|| panic!("{name} is outside the specls section"));
        if VSCODE_ONLY_SETTINGS.contains(&setting) {
            continue;
        }
        let (table, key) = setting.split_once('.').map_or((None, setting), |(t, k)| (Some(t), k));
        let value = sample(declared);
        match table {
            Some(table) => {
                let nested = mirrored.entry(table.to_string()).or_insert_with(|| serde_json::json!({}));
                nested[toml_key(key)] = value;
            }
            None => {
                mirrored.insert(toml_key(key), value);
            }
        }
    }
    let mut keys: Vec<&str> = mirrored.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["code", "exclude", "formats", "include", "rules", "vague_terms"], "the mirrored settings");
    let settings = serde_json::Value::Object(mirrored);
    let loaded = load(None, Some(EditorSource { settings: &settings, dir: Path::new("/ws") }));
    assert!(loaded.editor_problems.is_empty(), "{settings} is refused: {:?}", loaded.editor_problems);

    // Each rule level the setting offers is one the server reads.
    let levels = properties["specls.rules"]["additionalProperties"]["enum"].as_array().expect("rule levels");
    for level in levels {
        let settings = serde_json::json!({ "rules": { "duplicate-id": level } });
        let loaded = load(None, Some(EditorSource { settings: &settings, dir: Path::new("/ws") }));
        assert!(loaded.editor_problems.is_empty(), "level {level}: {:?}", loaded.editor_problems);
    }

    // Code languages are a setting; Markdown is always on.
    let languages = &properties["specls.codeLanguages"];
    assert_eq!(languages["type"], "array");
    assert!(languages["default"].as_array().is_some_and(|l| l.contains(&serde_json::json!("rust"))));
    let trace = properties["specls.trace.server"]["enum"].as_array().expect("trace levels");
    assert_eq!(trace, &[serde_json::json!("off"), serde_json::json!("messages"), serde_json::json!("verbose")]);

    // The commands: restart, and the two run on the server, which advertises exactly those.
    let contributed: Vec<&str> = manifest["contributes"]["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .map(|c| c["command"].as_str().expect("a command id"))
        .collect();
    let advertised = initialize(&[])["capabilities"]["executeCommandProvider"]["commands"].clone();
    let advertised: Vec<&str> =
        advertised.as_array().expect("executeCommandProvider").iter().filter_map(|c| c.as_str()).collect();
    assert!(contributed.contains(&"specls.restartServer"), "{contributed:?}");
    for command in ["specls.showTraceReport", "specls.reloadTestResults"] {
        assert!(contributed.contains(&command), "the extension offers {command}: {contributed:?}");
        assert!(advertised.contains(&command), "the server runs {command}: {advertised:?}");
        assert!(
            read("editors/vscode/src/logic.ts").contains(&format!("\"{command}\"")),
            "{command} is sent to the server"
        );
    }

    // One npm script packages the .vsix; the unit tests run under node, without VS Code.
    let scripts = &manifest["scripts"];
    assert!(
        scripts["package"].as_str().is_some_and(|s| s.contains("vsce package") && s.contains(".vsix")),
        "{scripts}"
    );
    assert!(scripts["test"].as_str().is_some_and(|s| s.contains("node --test")), "{scripts}");
    assert!(!manifest["devDependencies"].as_object().expect("devDependencies").contains_key("@vscode/test-electron"));
}

/// Verifies specs/006-editors/spec.md FR-002: headless Neovim on the fixture workspace
/// (editors/neovim/test/run.sh). Skipped, with a message, when `nvim` is not installed.
#[test]
fn neovim_plugin_end_to_end() {
    if !Command::new("nvim").arg("--version").output().is_ok_and(|o| o.status.success()) {
        println!("neovim end-to-end test skipped: nvim is not on the PATH");
        return;
    }
    let output = Command::new("bash")
        .arg(repo("editors/neovim/test/run.sh"))
        .env("SPECLS_BIN", env!("CARGO_BIN_EXE_specls"))
        .output()
        .expect("bash runs");
    let log = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{log}");
    assert!(log.contains("neovim-e2e:"), "the run reports its checks: {log}");
}

/// The fenced block right after `label` in `text`, with its info string.
fn block_after<'t>(text: &'t str, label: &str) -> (&'t str, &'t str) {
    let at = text.find(label).unwrap_or_else(|| panic!("README has no {label}"));
    let open = at + text[at..].find("```").expect("a fenced block");
    let info_end = open + text[open..].find('\n').expect("an info line");
    let body_end = info_end + text[info_end..].find("\n```").expect("a closing fence");
    (&text[open + 3..info_end], &text[info_end + 1..body_end])
}

/// Verifies specs/006-editors/spec.md FR-005: each editor's set-up snippet names what exists, and
/// the picture is there.
#[test]
fn readme_sets_up_each_editor_and_shows_one() {
    let readme = read("README.md");
    let editors = &readme[readme.find("### Editors").expect("an Editors section")..];
    let editors = &editors[..editors[3..].find("\n## ").map_or(editors.len(), |n| n + 3)];

    let (info, vscode) = block_after(editors, "**VS Code**");
    assert_eq!(info, "sh");
    assert!(vscode.contains("editors/vscode") && vscode.contains("npm run package") && vscode.contains("specls.vsix"));
    assert!(vscode_manifest()["scripts"]["package"].as_str().is_some_and(|s| s.contains("--out specls.vsix")));

    let (info, neovim) = block_after(editors, "**Neovim");
    assert_eq!(info, "lua");
    assert!(neovim.contains("require(\"specls\").setup("), "{neovim}");
    assert!(read("editors/neovim/lua/specls/init.lua").contains("function M.setup"), "the plugin has setup");
    assert!(repo("editors/neovim/lsp/specls.lua").is_file());

    let (info, helix) = block_after(editors, "**Helix**");
    assert_eq!(info, "toml");
    let snippet: toml::Table = helix.parse().expect("the README's Helix snippet parses");
    let file = self::helix();
    assert_eq!(snippet["language-server"]["specls"], file["language-server"]["specls"], "the same server as the file");
    let markdown =
        file["language"].as_array().expect("languages").iter().find(|l| l["name"].as_str() == Some("markdown"));
    assert_eq!(Some(&snippet["language"][0]), markdown, "the same Markdown entry as the file");

    let picture_link = &editors[editors.find("![").expect("a picture")..];
    let image = picture_link.split("](").nth(1).and_then(|rest| rest.split(')').next()).expect("a picture's path");
    let picture = std::fs::read(repo(image)).unwrap_or_else(|e| panic!("{image}: {e}"));
    assert!(picture.starts_with(b"\x89PNG"), "{image} is a PNG");
    assert!(editors.contains(&format!("![Hover on FR-001 and an unresolved-reference diagnostic in Neovim]({image})")));
}
