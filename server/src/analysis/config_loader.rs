//! Loading the configuration: `specls.toml` at the workspace root, over the same keys given by
//! the editor (`initializationOptions`, `workspace/configuration`). Nothing is silently ignored:
//! unknown keys and invalid values come back as problems with byte ranges in the file, which the
//! CLI prints and the server publishes like any other diagnostic.
//!
//! ```toml
//! vague_terms = ["fast", "robust"]
//! include = ["specs/**", "docs/**"]
//! exclude = ["specs/*/drafts/**"]
//! formats = ["grammar/adr.toml"]
//!
//! [rules]
//! unresolved-clarification = "off"
//! duplicate-id = "warning"
//! ```

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::model::Grammar;
use crate::model::grammar::FormatSource;

use super::config::{Config, FileFilter, Level, ResultsConfig, TestGlobs, compile_glob};
use super::diagnostics::{Diagnostic, Severity};
use super::rules;
use super::workspace::inside_roots;

/// The configuration file, at the root of a workspace folder.
pub const FILE_NAME: &str = "specls.toml";

/// Codes of configuration problems.
pub mod code {
    /// A key specls does not know (a misspelt key or rule code).
    pub const UNKNOWN_KEY: &str = "config/unknown-key";
    /// A value of the wrong type, an unknown level, a glob or a format that does not compile.
    pub const INVALID_VALUE: &str = "config/invalid-value";
    /// The file is not valid TOML.
    pub const SYNTAX: &str = "config/syntax";
}

/// Every configuration problem code, its severity and what it finds.
pub const CODES: &[(&str, Severity, &str)] = &[
    (code::UNKNOWN_KEY, Severity::Warning, "a key or rule code in the configuration that specls does not know"),
    (code::INVALID_VALUE, Severity::Error, "a configuration value specls cannot use; the setting is ignored"),
    (code::SYNTAX, Severity::Error, "the configuration file is not valid TOML"),
];

/// The top-level keys, in documentation order.
const KEYS: &[&str] = &["rules", "vague_terms", "include", "exclude", "formats", "code", "results", "max_file_bytes"];
/// The keys of the `[results]` table.
const RESULTS_KEYS: &[&str] = &["enabled", "paths"];
/// The keys of the `[code]` table.
const CODE_KEYS: &[&str] = &["enabled", "include", "exclude", "tests"];

/// Something wrong in a configuration source. `range` is a byte range of the file's text; editor
/// settings have none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub range: Option<Range<usize>>,
}

impl Problem {
    fn new(code: &'static str, message: impl Into<String>, range: Option<Range<usize>>) -> Problem {
        let severity = CODES.iter().find(|(c, ..)| *c == code).map_or(Severity::Error, |(_, s, _)| *s);
        Problem { code, severity, message: message.into(), range }
    }

    /// The configuration file exists but cannot be read.
    pub fn unreadable(error: &std::io::Error) -> Problem {
        Problem::new(code::INVALID_VALUE, format!("cannot read {FILE_NAME}: {error}"), None)
    }

    /// As a diagnostic on the configuration file (at its start when the problem has no range).
    pub fn diagnostic(&self) -> Diagnostic {
        Diagnostic {
            range: self.range.clone().unwrap_or(0..0),
            severity: self.severity,
            code: self.code,
            message: self.message.clone(),
            related: Vec::new(),
        }
    }
}

/// The text of a `specls.toml` and the folder its relative paths start from.
#[derive(Clone, Copy, Debug)]
pub struct FileSource<'a> {
    pub text: &'a str,
    pub dir: &'a Path,
}

/// Settings from the editor, as JSON with the same keys as `specls.toml`.
#[derive(Clone, Copy, Debug)]
pub struct EditorSource<'a> {
    pub settings: &'a serde_json::Value,
    /// Where relative format paths start (the first workspace folder).
    pub dir: &'a Path,
}

/// A loaded configuration.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    /// The built-in formats plus the configured ones that compiled.
    pub grammar: Arc<Grammar>,
    /// Identifies the configured formats (their paths and texts): equal keys, equal grammars.
    pub formats_key: Vec<String>,
    /// The format files the configuration names (whether or not they loaded), so a server can
    /// reload when one changes.
    pub format_paths: Vec<PathBuf>,
    /// Problems of the file, with ranges in its text.
    pub problems: Vec<Problem>,
    /// Problems of the editor settings (no ranges).
    pub editor_problems: Vec<Problem>,
}

impl Default for Loaded {
    fn default() -> Self {
        load(None, None)
    }
}

/// Load the configuration: editor settings first, then the file, whose keys win (`rules` merge
/// per rule). Invalid parts are reported and left out; the rest applies.
pub fn load(file: Option<FileSource>, editor: Option<EditorSource>) -> Loaded {
    let mut editor_problems = Vec::new();
    let editor_partial = editor.map(|e| {
        let text = editor_toml(e.settings, &mut editor_problems);
        let mut problems = Vec::new();
        let partial = read(&text, e.dir, true, &mut problems);
        editor_problems.extend(problems.into_iter().map(|mut p| {
            p.range = None;
            p
        }));
        partial
    });
    let mut problems = Vec::new();
    let file_partial = file.map(|f| read(f.text, f.dir, false, &mut problems));

    let mut config = Config::default();
    let mut include = None;
    let mut exclude = None;
    let mut formats = None;
    let mut source_files = CodePartial::default();
    let mut results = ResultsPartial::default();
    for partial in [editor_partial, file_partial].into_iter().flatten() {
        if let Some(r) = partial.results {
            results.enabled = r.enabled.or(results.enabled);
            results.paths = r.paths.or(results.paths);
        }
        if let Some(c) = partial.code {
            source_files.enabled = c.enabled.or(source_files.enabled);
            source_files.include = c.include.or(source_files.include);
            source_files.exclude = c.exclude.or(source_files.exclude);
            source_files.tests = c.tests.or(source_files.tests);
        }
        for (code, level) in partial.rules {
            config.rules.insert(code, level);
        }
        config.vague_terms = partial.vague_terms.or(config.vague_terms.take());
        config.max_file_bytes = partial.max_file_bytes.or(config.max_file_bytes);
        include = partial.include.or(include);
        exclude = partial.exclude.or(exclude);
        formats = partial.formats.or(formats);
    }
    // Each glob was checked as it was read; the set as a whole can only fail on limits.
    match FileFilter::new(include.unwrap_or_default(), exclude.unwrap_or_default()) {
        Ok(filter) => config.files = filter,
        Err((glob, e)) => problems.push(Problem::new(code::INVALID_VALUE, format!("globs `{glob}`: {e}"), None)),
    }

    config.code.enabled = source_files.enabled.unwrap_or(true);
    match FileFilter::new(source_files.include.unwrap_or_default(), source_files.exclude.unwrap_or_default()) {
        Ok(filter) => config.code.files = filter,
        Err((glob, e)) => problems.push(Problem::new(code::INVALID_VALUE, format!("globs `{glob}`: {e}"), None)),
    }
    if let Some(tests) = source_files.tests {
        match TestGlobs::new(tests) {
            Ok(globs) => config.code.tests = Some(globs),
            Err((glob, e)) => problems.push(Problem::new(code::INVALID_VALUE, format!("globs `{glob}`: {e}"), None)),
        }
    }

    if results.enabled.is_some() || results.paths.is_some() {
        let paths = results.paths.unwrap_or_else(|| config.results.paths.clone());
        match ResultsConfig::new(results.enabled.unwrap_or(true), paths) {
            Ok(r) => config.results = r,
            Err((glob, e)) => problems.push(Problem::new(code::INVALID_VALUE, format!("globs `{glob}`: {e}"), None)),
        }
    }

    // Compile the formats one at a time, so a problem is reported on the entry that causes it.
    let (formats, format_paths) = formats.unwrap_or_default();
    let mut accepted: Vec<Format> = Vec::new();
    let mut grammar = None;
    for format in formats {
        let trial: Vec<&FormatSource> = accepted.iter().map(|f| &f.source).chain([&format.source]).collect();
        match Grammar::with_formats(&trial) {
            Ok(compiled) => {
                grammar = Some(Arc::new(compiled));
                accepted.push(format);
            }
            Err(e) => {
                let message = format!("{}: {e:#}", format.source.name());
                if format.from_editor {
                    editor_problems.push(Problem::new(code::INVALID_VALUE, message, None));
                } else {
                    problems.push(Problem::new(code::INVALID_VALUE, message, format.range));
                }
            }
        }
    }
    problems.sort_by_key(|p| p.range.as_ref().map_or((0, 0), |r| (r.start, r.end)));
    Loaded {
        config,
        grammar: grammar.unwrap_or_else(Grammar::builtin),
        formats_key: accepted.iter().map(|f| f.key.clone()).collect(),
        format_paths,
        problems,
        editor_problems,
    }
}

/// The configuration of a workspace root: its `specls.toml` when there is one (with its text,
/// which problem ranges refer to).
pub fn load_root(root: &Path) -> (Option<(PathBuf, String)>, Loaded) {
    let path = root.join(FILE_NAME);
    if !path.is_file() || !inside_roots(&[root.to_path_buf()], &path) {
        return (None, load(None, None));
    }
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let loaded = load(Some(FileSource { text: &text, dir: root }), None);
            (Some((path, text)), loaded)
        }
        Err(e) => {
            let mut loaded = load(None, None);
            loaded.problems.push(Problem::unreadable(&e));
            (Some((path, String::new())), loaded)
        }
    }
}

// ------------------------------------------------------------------ reading one source

/// What one source sets.
#[derive(Default)]
struct Partial {
    rules: Vec<(String, Level)>,
    vague_terms: Option<Vec<String>>,
    include: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
    formats: Option<(Vec<Format>, Vec<PathBuf>)>,
    code: Option<CodePartial>,
    results: Option<ResultsPartial>,
    max_file_bytes: Option<u64>,
}

#[derive(Default)]
struct ResultsPartial {
    enabled: Option<bool>,
    paths: Option<Vec<String>>,
}

#[derive(Default)]
struct CodePartial {
    enabled: Option<bool>,
    include: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
    tests: Option<Vec<String>>,
}

struct Format {
    source: FormatSource,
    key: String,
    range: Option<Range<usize>>,
    from_editor: bool,
}

/// Editor settings as TOML text, so both sources are read by one walk. `null` means unset.
fn editor_toml(settings: &serde_json::Value, problems: &mut Vec<Problem>) -> String {
    fn strip_nulls(value: &serde_json::Value) -> Option<serde_json::Value> {
        match value {
            serde_json::Value::Null => None,
            serde_json::Value::Array(items) => Some(items.iter().filter_map(strip_nulls).collect()),
            serde_json::Value::Object(map) => {
                Some(map.iter().filter_map(|(k, v)| Some((k.clone(), strip_nulls(v)?))).collect())
            }
            other => Some(other.clone()),
        }
    }
    let Some(settings) = strip_nulls(settings) else { return String::new() };
    if !settings.is_object() {
        problems.push(Problem::new(code::INVALID_VALUE, "editor settings for specls must be an object", None));
        return String::new();
    }
    match toml::to_string(&settings) {
        Ok(text) => text,
        Err(e) => {
            problems.push(Problem::new(code::INVALID_VALUE, format!("editor settings: {e}"), None));
            String::new()
        }
    }
}

fn read(text: &str, dir: &Path, from_editor: bool, problems: &mut Vec<Problem>) -> Partial {
    let (table, errors) = DeTable::parse_recoverable(text);
    for e in errors {
        problems.push(Problem::new(code::SYNTAX, e.message().to_string(), e.span()));
    }
    let mut partial = Partial::default();
    for (key, value) in table.get_ref().iter() {
        let name: &str = key.get_ref();
        match name {
            "rules" => partial.rules = read_rules(value, problems),
            "vague_terms" => {
                partial.vague_terms = strings(value, "vague_terms", problems, |term| {
                    (term.trim().is_empty()).then(|| "a vague term cannot be empty".to_string())
                })
            }
            "include" | "exclude" => {
                let globs = strings(value, name, problems, |glob| compile_glob(glob).err().map(|e| e.to_string()));
                if name == "include" {
                    partial.include = globs;
                } else {
                    partial.exclude = globs;
                }
            }
            "formats" => partial.formats = read_formats(text, value, dir, from_editor, problems),
            "code" => partial.code = read_code(value, problems),
            "results" => partial.results = read_results(value, problems),
            "max_file_bytes" => partial.max_file_bytes = byte_count(value, "max_file_bytes", problems),
            _ => problems.push(Problem::new(
                code::UNKNOWN_KEY,
                format!("unknown key `{name}`{}; the keys are {}", suggestion(name, KEYS.iter().copied()), key_list()),
                Some(key.span()),
            )),
        }
    }
    partial
}

/// A positive whole number of bytes, or a problem.
fn byte_count(value: &Spanned<DeValue>, name: &str, problems: &mut Vec<Problem>) -> Option<u64> {
    let parsed = match value.get_ref() {
        DeValue::Integer(n) => u64::from_str_radix(n.as_str(), n.radix()).ok().filter(|n| *n > 0),
        other => {
            problems.push(invalid(format!("`{name}` must be a number of bytes, not {}", type_name(other)), value));
            return None;
        }
    };
    if parsed.is_none() {
        problems.push(invalid(format!("`{name}` must be a positive number of bytes"), value));
    }
    parsed
}

/// A boolean setting, or a problem.
fn flag(value: &Spanned<DeValue>, name: &str, problems: &mut Vec<Problem>) -> Option<bool> {
    match value.get_ref() {
        DeValue::Boolean(on) => Some(*on),
        other => {
            problems.push(invalid(format!("`{name}` must be true or false, not {}", type_name(other)), value));
            None
        }
    }
}

/// A key a table does not have, with the nearest one it has.
fn unknown_key(table: &str, name: &str, keys: &[&str], span: std::ops::Range<usize>) -> Problem {
    Problem::new(
        code::UNKNOWN_KEY,
        format!(
            "unknown key `{table}.{name}`{}; the keys of `[{table}]` are {}",
            suggestion(name, keys.iter().copied()),
            keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
        ),
        Some(span),
    )
}

/// The `[code]` table; unknown keys and bad values are reported and left out.
fn read_code(value: &Spanned<DeValue>, problems: &mut Vec<Problem>) -> Option<CodePartial> {
    let DeValue::Table(table) = value.get_ref() else {
        problems.push(invalid(format!("`code` must be a table, not {}", type_name(value.get_ref())), value));
        return None;
    };
    let mut partial = CodePartial::default();
    let glob_check = |glob: &str| compile_glob(glob).err().map(|e| e.to_string());
    for (key, value) in table.iter() {
        let name: &str = key.get_ref();
        match name {
            "enabled" => partial.enabled = flag(value, "code.enabled", problems),
            "include" => partial.include = strings(value, "code.include", problems, glob_check),
            "exclude" => partial.exclude = strings(value, "code.exclude", problems, glob_check),
            "tests" => partial.tests = strings(value, "code.tests", problems, glob_check),
            _ => problems.push(unknown_key("code", name, CODE_KEYS, key.span())),
        }
    }
    Some(partial)
}

/// The `[results]` table; unknown keys and bad values are reported and left out.
fn read_results(value: &Spanned<DeValue>, problems: &mut Vec<Problem>) -> Option<ResultsPartial> {
    let DeValue::Table(table) = value.get_ref() else {
        problems.push(invalid(format!("`results` must be a table, not {}", type_name(value.get_ref())), value));
        return None;
    };
    let mut partial = ResultsPartial::default();
    let glob_check = |glob: &str| compile_glob(glob).err().map(|e| e.to_string());
    for (key, value) in table.iter() {
        let name: &str = key.get_ref();
        match name {
            "enabled" => partial.enabled = flag(value, "results.enabled", problems),
            "paths" => partial.paths = strings(value, "results.paths", problems, glob_check),
            _ => problems.push(unknown_key("results", name, RESULTS_KEYS, key.span())),
        }
    }
    Some(partial)
}

fn key_list() -> String {
    KEYS.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
}

fn invalid(message: impl Into<String>, value: &Spanned<DeValue>) -> Problem {
    Problem::new(code::INVALID_VALUE, message, Some(value.span()))
}

fn type_name(value: &DeValue) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

fn read_rules(value: &Spanned<DeValue>, problems: &mut Vec<Problem>) -> Vec<(String, Level)> {
    let DeValue::Table(table) = value.get_ref() else {
        problems.push(invalid(
            format!(
                "`rules` must be a table of rule codes and levels, such as `[rules] duplicate-id = \"warning\"`, not {}",
                type_name(value.get_ref())
            ),
            value,
        ));
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, level) in table.iter() {
        let code: &str = key.get_ref();
        if rules::rule(code).is_none() {
            problems.push(Problem::new(
                code::UNKNOWN_KEY,
                format!(
                    "unknown rule `{code}`{}; the rules are listed in docs/diagnostics.md",
                    suggestion(code, rules::catalogue().map(|r| r.code))
                ),
                Some(key.span()),
            ));
            continue;
        }
        match level.get_ref().as_str().and_then(Level::parse) {
            Some(parsed) => out.push((code.to_string(), parsed)),
            None => {
                let shown = match level.get_ref() {
                    DeValue::String(s) => format!("`{s}`"),
                    other => type_name(other).to_string(),
                };
                problems.push(invalid(
                    format!(
                        "{shown} is not a level for `{code}`; use \"error\", \"warning\", \"info\", \"hint\" or \"off\""
                    ),
                    level,
                ));
            }
        }
    }
    out
}

/// An array of strings; `check` returns why an item is unusable. Bad items are reported and
/// dropped; a value that is not an array is reported and leaves the key unset.
fn strings(
    value: &Spanned<DeValue>,
    key: &str,
    problems: &mut Vec<Problem>,
    check: impl Fn(&str) -> Option<String>,
) -> Option<Vec<String>> {
    let DeValue::Array(items) = value.get_ref() else {
        problems
            .push(invalid(format!("`{key}` must be an array of strings, not {}", type_name(value.get_ref())), value));
        return None;
    };
    let mut out = Vec::new();
    for item in items.iter() {
        match item.get_ref() {
            DeValue::String(s) => match check(s) {
                None => out.push(s.to_string()),
                Some(why) => problems.push(invalid(format!("`{s}` in `{key}`: {why}"), item)),
            },
            other => problems.push(invalid(format!("`{key}` holds strings, not {}", type_name(other)), item)),
        }
    }
    Some(out)
}

fn read_formats(
    text: &str,
    value: &Spanned<DeValue>,
    dir: &Path,
    from_editor: bool,
    problems: &mut Vec<Problem>,
) -> Option<(Vec<Format>, Vec<PathBuf>)> {
    let DeValue::Array(items) = value.get_ref() else {
        problems.push(invalid(
            format!(
                "`formats` must be an array of format file paths or `[[formats]]` tables, not {}",
                type_name(value.get_ref())
            ),
            value,
        ));
        return None;
    };
    let mut out = Vec::new();
    let mut paths = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item.get_ref() {
            DeValue::String(relative) => {
                let path = dir.join(relative.as_ref());
                paths.push(path.clone());
                if path.exists() && !inside_roots(&[dir.to_path_buf()], &path) {
                    problems.push(invalid(
                        format!("format file `{relative}` is outside the workspace; specls reads only what it holds"),
                        item,
                    ));
                    continue;
                }
                let source = match std::fs::read_to_string(&path) {
                    Ok(source) => source,
                    Err(e) => {
                        problems.push(invalid(format!("cannot read format file `{relative}`: {e}"), item));
                        continue;
                    }
                };
                match FormatSource::parse(relative, &source) {
                    Ok(format) => out.push(Format {
                        source: format,
                        key: format!("file {}\n{source}", path.display()),
                        range: Some(item.span()),
                        from_editor,
                    }),
                    Err(e) => {
                        let at = e.span().map(|s| line_col(&source, s.start)).unwrap_or_default();
                        problems.push(invalid(
                            format!("format file `{relative}`:{}:{}: {}", at.0, at.1, e.message().trim_end()),
                            item,
                        ));
                    }
                }
            }
            DeValue::Table(_) => {
                let name = format!("formats[{i}]");
                match FormatSource::from_value(&name, item.clone()) {
                    Ok(format) => out.push(Format {
                        source: format,
                        key: format!("inline\n{}", text.get(item.span()).unwrap_or_default()),
                        range: Some(item.span()),
                        from_editor,
                    }),
                    Err(e) => problems.push(Problem::new(
                        code::INVALID_VALUE,
                        format!("{name}: {}", e.message().trim_end()),
                        Some(e.span().unwrap_or(item.span())),
                    )),
                }
            }
            other => problems.push(invalid(
                format!("a format is a path to a format file or a table, not {}", type_name(other)),
                item,
            )),
        }
    }
    Some((out, paths))
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// ", did you mean `x`?" for a close known name.
fn suggestion<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> String {
    let limit = (name.chars().count() / 3).max(2);
    known
        .map(|k| (distance(name, k), k))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(previous + 1).min(row[j] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Loaded {
        load(Some(FileSource { text, dir: Path::new("/nonexistent") }), None)
    }

    /// `code line:col-line:col message` for each problem.
    fn problems(text: &str, loaded: &Loaded) -> Vec<String> {
        loaded
            .problems
            .iter()
            .map(|p| {
                let r = p.range.clone().unwrap_or(0..0);
                let (l1, c1) = line_col(text, r.start);
                format!("{} {l1}:{c1} {}", p.code, p.message)
            })
            .collect()
    }

    /// Verifies specs/003-navigation/spec.md FR-001.
    /// Verifies 005-test-results/FR-001.
    #[test]
    fn the_results_table_replaces_the_default_globs() {
        assert!(Config::default().results.matches("target/nextest/ci/junit.xml"));
        let text = "[results]\npaths = [\"out/*.xml\"]\nformat = 1\n";
        let loaded = load(Some(FileSource { text, dir: Path::new("/ws") }), None);
        assert!(loaded.config.results.matches("out/a.xml"));
        assert!(!loaded.config.results.matches("target/nextest/ci/junit.xml"));
        assert!(loaded.problems[0].message.contains("unknown key `results.format`"));
        let off = load(Some(FileSource { text: "[results]\nenabled = false\n", dir: Path::new("/ws") }), None);
        assert!(!off.config.results.matches("junit.xml"));
    }

    #[test]
    fn the_code_table_sets_the_code_index_globs() {
        let text = "[code]\nenabled = true\ninclude = [\"src/**\"]\nexclude = [\"src/gen/**\"]\ntests = [\"checks/**\"]\ncolour = 1\n";
        let loaded = load_text(text);
        assert_eq!(
            problems(text, &loaded),
            [
                "config/unknown-key 6:1 unknown key `code.colour`; the keys of `[code]` are `enabled`, `include`, `exclude`, `tests`"
            ]
        );
        let code = &loaded.config.code;
        assert!(code.enabled);
        assert!(code.files.allows("src/a.rs") && !code.files.allows("src/gen/a.rs") && !code.files.allows("lib/a.rs"));
        assert!(code.tests.as_ref().is_some_and(|t| t.set.is_match("checks/login.rs")));
        let off = load_text("[code]\nenabled = false\n");
        assert!(!off.config.code.enabled);
        assert!(load_text("").config.code.enabled);
        let bad = "code = 3\n";
        assert_eq!(problems(bad, &load_text(bad)), ["config/invalid-value 1:8 `code` must be a table, not an integer"]);
    }

    /// Verifies specs/002-diagnostics/spec.md FR-007.
    #[test]
    fn rules_levels_and_lists_are_read() {
        let text = "vague_terms = [\"fast\"]\ninclude = [\"specs/**\"]\nexclude = [\"specs/*/drafts/**\"]\n\n[rules]\nduplicate-id = \"warning\"\nunresolved-clarification = \"off\"\n";
        let loaded = load_text(text);
        assert_eq!(problems(text, &loaded), Vec::<String>::new());
        assert_eq!(loaded.config.severity("duplicate-id", Severity::Error), Some(Severity::Warning));
        assert_eq!(loaded.config.severity("unresolved-clarification", Severity::Warning), None);
        assert_eq!(loaded.config.vague_terms, Some(vec!["fast".to_string()]));
        assert!(loaded.config.files.allows("specs/001-a/spec.md"));
        assert!(!loaded.config.files.allows("specs/001-a/drafts/x.md"));
        assert!(!loaded.config.files.allows("README.md"));
        assert!(Arc::ptr_eq(&loaded.grammar, &Grammar::builtin()));
    }

    /// Verifies specs/002-diagnostics/spec.md FR-007.
    #[test]
    fn unknown_keys_and_invalid_values_are_reported_where_they_are() {
        let text = "vague_term = []\ninclude = \"specs\"\nexclude = [\"specs/[\", 3]\n\n[rules]\nduplicate-idd = \"warning\"\nmissing-section = \"fatal\"\nambiguous-reference = \"off\"\n";
        let loaded = load_text(text);
        assert_eq!(
            problems(text, &loaded),
            [
                "config/unknown-key 1:1 unknown key `vague_term` (did you mean `vague_terms`?); the keys are `rules`, `vague_terms`, `include`, `exclude`, `formats`, `code`, `results`, `max_file_bytes`",
                "config/invalid-value 2:11 `include` must be an array of strings, not a string",
                "config/invalid-value 3:12 `specs/[` in `exclude`: error parsing glob 'specs/[': unclosed character class; missing ']'",
                "config/invalid-value 3:23 `exclude` holds strings, not an integer",
                "config/unknown-key 6:1 unknown rule `duplicate-idd` (did you mean `duplicate-id`?); the rules are listed in docs/diagnostics.md",
                "config/invalid-value 7:19 `fatal` is not a level for `missing-section`; use \"error\", \"warning\", \"info\", \"hint\" or \"off\"",
            ]
        );
        assert_eq!(loaded.problems[0].severity, Severity::Warning);
        assert_eq!(loaded.problems[1].severity, Severity::Error);
        // The valid parts still apply.
        assert_eq!(loaded.config.severity("ambiguous-reference", Severity::Warning), None);
    }

    #[test]
    fn syntax_errors_are_reported_and_the_rest_applies() {
        let text = "[rules]\nduplicate-id = \"warning\"\nmissing-section = \n";
        let loaded = load_text(text);
        let found = problems(text, &loaded);
        assert!(found.iter().any(|p| p.starts_with("config/syntax 3:")), "{found:?}");
        assert_eq!(loaded.config.severity("duplicate-id", Severity::Error), Some(Severity::Warning));
    }

    /// Verifies specs/002-diagnostics/spec.md FR-007.
    #[test]
    fn inline_formats_extend_the_grammar_and_bad_ones_are_reported() {
        let text = r#"
[[formats]]
format = { name = "adr", label = "Decision records", order = 40 }
kinds = [{ id = "adr.record", label = "ADR", paths = ["docs/adr/*.md"] }]
namespaces = [{ id = "adr.decision", label = "decision" }]
clauses = [{ kind = "decision", namespace = "adr.decision", doc_kinds = ["adr.record"], pattern = '^#\s+(?P<id>ADR-\d+):\s*(?P<title>.*)$' }]

[[formats]]
format = { name = "bad", label = "Bad", order = 50 }
references = [{ namespace = "no.such", pattern = 'x' }]

[[formats]]
format = { name = "worse", label = "Worse", order = 50, colour = "red" }
"#;
        let loaded = load_text(text);
        let found = problems(text, &loaded);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with("config/invalid-value 8:1 formats[1]: format `bad`: unknown namespace no.such"),
            "{found:?}"
        );
        assert!(found[1].starts_with("config/invalid-value 13:"), "{found:?}");
        assert!(found[1].contains("unknown field `colour`"), "{found:?}");
        let kind = loaded.grammar.kind_for_path("docs/adr/0001-use-toml.md").expect("the new kind");
        assert_eq!(loaded.grammar.kind(kind).id, "adr.record");
        assert_eq!(loaded.formats_key.len(), 1);
    }

    #[test]
    fn format_files_are_read_relative_to_the_config() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("adr.toml"),
            "[format]\nname = \"adr\"\nlabel = \"ADR\"\norder = 40\n\n[[kinds]]\nid = \"adr.record\"\nlabel = \"ADR\"\npaths = [\"docs/adr/*.md\"]\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("broken.toml"), "[format]\nname = \"x\"\nlabel = \"x\"\norder = 1\nbogus = 1\n")
            .unwrap();
        let text = "formats = [\"adr.toml\", \"broken.toml\", \"missing.toml\"]\n";
        let loaded = load(Some(FileSource { text, dir: dir.path() }), None);
        let found = problems(text, &loaded);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with("config/invalid-value 1:24 format file `broken.toml`:5:1: unknown field `bogus`"),
            "{found:?}"
        );
        assert!(found[1].starts_with("config/invalid-value 1:39 cannot read format file `missing.toml`"), "{found:?}");
        assert!(loaded.grammar.kind_for_path("docs/adr/0001-x.md").is_some());
        let named: Vec<PathBuf> =
            ["adr.toml", "broken.toml", "missing.toml"].iter().map(|f| dir.path().join(f)).collect();
        assert_eq!(loaded.format_paths, named, "a broken file is watched too, to load it once fixed");
    }

    #[test]
    fn editor_settings_apply_under_the_file() {
        let settings = serde_json::json!({
            "rules": { "duplicate-id": "hint", "missing-section": "off" },
            "vague_terms": ["quick"],
            "bogus": null,
            "typo": 1
        });
        let text = "[rules]\nduplicate-id = \"warning\"\n";
        let loaded = load(
            Some(FileSource { text, dir: Path::new("/x") }),
            Some(EditorSource { settings: &settings, dir: Path::new("/x") }),
        );
        assert_eq!(loaded.config.severity("duplicate-id", Severity::Error), Some(Severity::Warning));
        assert_eq!(loaded.config.severity("missing-section", Severity::Warning), None);
        assert_eq!(loaded.config.vague_terms, Some(vec!["quick".to_string()]));
        assert_eq!(loaded.editor_problems.len(), 1, "{:?}", loaded.editor_problems);
        assert_eq!(loaded.editor_problems[0].code, code::UNKNOWN_KEY);
        assert_eq!(loaded.editor_problems[0].range, None);
    }

    #[test]
    fn editor_settings_may_hold_inline_formats() {
        let settings = serde_json::json!({
            "formats": [{
                "format": { "name": "adr", "label": "ADR", "order": 40 },
                "kinds": [{ "id": "adr.record", "label": "ADR", "paths": ["docs/adr/*.md"], "lint": true }],
                "namespaces": [{ "id": "adr.decision", "label": "decision" }],
                "clauses": [{
                    "kind": "decision",
                    "namespace": "adr.decision",
                    "doc_kinds": ["adr.record"],
                    "pattern": "^#\\s+(?P<id>ADR-\\d+)"
                }]
            }],
            "include": ["docs/**"]
        });
        let loaded = load(None, Some(EditorSource { settings: &settings, dir: Path::new("/x") }));
        assert_eq!(loaded.editor_problems, Vec::new());
        assert!(loaded.grammar.kind_for_path("docs/adr/1.md").is_some());
        assert!(!loaded.config.files.allows("specs/x.md"));
        let bad = serde_json::json!({ "formats": [{ "format": { "name": "x" } }], "rules": "all" });
        let loaded = load(None, Some(EditorSource { settings: &bad, dir: Path::new("/x") }));
        let messages: Vec<&str> = loaded.editor_problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(loaded.editor_problems.iter().all(|p| p.range.is_none()));
    }

    #[test]
    fn edit_distance() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(suggestion("inclde", KEYS.iter().copied()), " (did you mean `include`?)");
        assert_eq!(suggestion("zzzzzz", KEYS.iter().copied()), "");
    }
}
