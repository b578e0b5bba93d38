//! Source and test files: the mentions of spec keys in their comments, strings and test names.
//!
//! Which languages exist, where their comments and strings are, and which mentions count is data
//! in `grammar/code.toml`. A small lexer finds comments and strings (no parser per language: the
//! index must read tens of thousands of files about as fast as a grep), and a prefilter skips the
//! lexer for files that mention nothing.

mod files;

use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use anyhow::{Context, Result, bail};
use globset::{GlobSet, GlobSetBuilder};
use regex::{Regex, RegexSet};
use serde::Deserialize;

use super::grammar::{Groups, Guarded, NamespaceId, Template, keys_in, required_literals, required_piece};
use super::{DocModel, KindId, Link, LinkKind, Reference, Role};

/// Most mentions kept per source file: memory stays bounded on generated or hostile files (a
/// 4 MiB file of keys would otherwise hold half a million).
pub const MAX_MENTIONS: usize = 10_000;

/// The code grammar compiled into the binary.
pub(crate) const BUILTIN: &str = include_str!("../../../grammar/code.toml");

#[derive(Debug)]
pub struct Language {
    pub name: String,
    line_comments: Vec<String>,
    block_comments: Vec<(String, String)>,
    strings: Vec<(String, String)>,
    /// Function definitions and module items (a tag on a module covers the tests in it: Rust's
    /// `mod tests`).
    definitions: Option<Definitions>,
    test_region: Option<LazyRegex>,
    /// `'x'` is a character, not a string (languages without `'` strings).
    char_literals: bool,
    /// The bytes that may start a comment, a string or a character: the lexer jumps between them.
    starts: [bool; 256],
    /// The same bytes as a list, so that up to three are found with one SIMD search.
    start_bytes: Vec<u8>,
}

impl Language {
    /// The first byte at or after `from` that may open a comment, a string or a character.
    fn next_start(&self, bytes: &[u8], from: usize) -> usize {
        let rest = &bytes[from..];
        let found = match self.start_bytes[..] {
            [a] => memchr::memchr(a, rest),
            [a, b] => memchr::memchr2(a, b, rest),
            [a, b, c] => memchr::memchr3(a, b, c, rest),
            _ => rest.iter().position(|&b| self.starts[b as usize]),
        };
        found.map_or(bytes.len(), |n| from + n)
    }
}

#[derive(Debug)]
struct MentionRule {
    namespace: NamespaceId,
    pattern: Regex,
    groups: Groups,
    item: Option<Regex>,
    id: Option<Template>,
}

#[derive(Debug)]
struct TestNameRule {
    namespace: NamespaceId,
    pattern: Regex,
    id: Template,
}

/// How source files are read, compiled from `grammar/code.toml`.
#[derive(Debug)]
pub struct CodeGrammar {
    languages: Vec<Language>,
    files: files::FileLanguages,
    tests: GlobSet,
    vendored: Vec<String>,
    roles: Vec<(Role, Regex)>,
    pins: Vec<Guarded>,
    suppress_line: Regex,
    suppress_off: Regex,
    suppress_on: Regex,
    /// A file path written in a spec document (group `path`), for document links.
    file_path: Regex,
    mentions: Vec<MentionRule>,
    test_names: Vec<TestNameRule>,
    /// Whether a function definition may be named after a key, asked before its name is read.
    test_name_filter: TestNameFilter,
    /// The mention patterns, then the test-name patterns, as one set: whether a file may mention
    /// a key, and which mention patterns to run on a line.
    prefilter: RegexSet,
    /// The mention patterns alone, searched leftmost-first over a file's comments and strings at
    /// once: which lines may hold a mention.
    mention_search: regex_automata::meta::Regex,
    /// Whether a file may hold anything the scanner keeps, at the speed of a literal search;
    /// `None` when some pattern has no literals to look for.
    gate: Option<Gate>,
}

/// Literals of which every mention and spec path holds one (`FR-`, `T0` … `T9`, `specs/`): a
/// file with none of them and no function named as a test yields nothing, and is passed over
/// without being lexed.
#[derive(Debug)]
struct Gate {
    literals: regex::bytes::Regex,
}

impl Gate {
    fn may_yield(&self, language: &Language, text: &str, test_names: &TestNameFilter) -> bool {
        if self.literals.is_match(text.as_bytes()) {
            return true;
        }
        let Some(definitions) = &language.definitions else { return false };
        if test_names.pieces.as_ref().is_some_and(|pieces| !pieces.is_match(text)) {
            return false;
        }
        definitions.find_iter(text).any(|(defines, m)| defines == Defines::Function && test_names.may_match(&text[m]))
    }
}

/// The test-name patterns, searched in a function definition's text (`fn fr_003_rejects`) before
/// its name is read: the name follows a keyword and a non-word character, so a name that matches
/// alone matches there too.
#[derive(Debug)]
struct TestNameFilter {
    /// A piece of every test name (`[0-9]{3}`), cheaper to look for than the patterns; `None` when
    /// some pattern has none.
    pieces: Option<Regex>,
    set: RegexSet,
}

impl TestNameFilter {
    fn may_match(&self, text: &str) -> bool {
        self.pieces.as_ref().is_none_or(|pieces| pieces.is_match(text)) && self.set.is_match(text)
    }
}

/// One search for the literals of every pattern ([`required_literals`]); `None` when a pattern
/// has none. A literal that holds another is left out: the shorter one finds it.
fn literal_search<'p>(patterns: impl Iterator<Item = &'p str>) -> Option<regex::bytes::Regex> {
    let mut literals = Vec::new();
    for pattern in patterns {
        literals.extend(required_literals(pattern)?);
    }
    literals.sort_by_key(Vec::len);
    let mut kept: Vec<Vec<u8>> = Vec::new();
    for literal in literals {
        if !kept.iter().any(|k| memchr::memmem::find(&literal, k).is_some()) {
            kept.push(literal);
        }
    }
    let escaped: Vec<String> = kept.iter().map(|l| l.iter().map(|b| format!("\\x{b:02X}")).collect()).collect();
    regex::bytes::Regex::new(&format!("(?-u:{})", escaped.join("|"))).ok()
}

// ------------------------------------------------------------------ TOML shape

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeFile {
    languages: Vec<LanguageDef>,
    tests: Vec<String>,
    vendored: Vec<String>,
    roles: Vec<RoleDef>,
    pins: Vec<PatternDef>,
    suppress_line: String,
    suppress_off: String,
    suppress_on: String,
    file_path: String,
    mentions: Vec<MentionDef>,
    test_names: Vec<MentionDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LanguageDef {
    name: String,
    files: Vec<String>,
    #[serde(default)]
    line_comments: Vec<String>,
    #[serde(default)]
    block_comments: Vec<(String, String)>,
    #[serde(default)]
    strings: Vec<(String, String)>,
    functions: Option<String>,
    modules: Option<String>,
    test_region: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleDef {
    role: String,
    pattern: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternDef {
    pattern: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MentionDef {
    namespace: String,
    pattern: String,
    item: Option<String>,
    id: Option<String>,
}

fn regex(pattern: &str) -> Result<Regex> {
    regex::RegexBuilder::new(pattern).size_limit(1 << 20).build().with_context(|| format!("pattern {pattern}"))
}

/// A language's own pattern, compiled on the first file of that language: a Unicode-aware
/// pattern takes a few hundred KB compiled, and a workspace holds a few of the languages.
#[derive(Debug)]
struct LazyRegex {
    pattern: String,
    compiled: OnceLock<Regex>,
}

impl LazyRegex {
    /// Checked now (compiled and dropped), so that a bad pattern fails the grammar's load.
    fn new(pattern: &str) -> Result<LazyRegex> {
        regex(pattern)?;
        Ok(LazyRegex { pattern: pattern.to_string(), compiled: OnceLock::new() })
    }

    fn get(&self) -> &Regex {
        self.compiled.get_or_init(|| regex(&self.pattern).expect("the pattern compiled when the grammar was loaded"))
    }
}

/// Definition patterns compiled as one, with the size limit of [`regex`].
fn build_definitions(patterns: &[&str]) -> Result<regex_automata::meta::Regex> {
    regex_automata::meta::Regex::builder()
        .configure(regex_automata::meta::Config::new().nfa_size_limit(Some(1 << 20)))
        .build_many(patterns)
        .with_context(|| format!("definition patterns {patterns:?}"))
}

/// What a definition found in code defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Defines {
    Function,
    Module,
}

/// A language's function and module patterns, searched together: one pass over a file finds
/// both. A match is found without its groups, which cost several times the search itself; the
/// name is read from a match only when it is needed ([`Definitions::name`]). Compiled on the
/// first file of the language, as [`LazyRegex`] is.
#[derive(Debug)]
struct Definitions {
    /// The patterns, in the order of their pattern ids, and what each defines.
    patterns: Vec<(String, Defines)>,
    compiled: OnceLock<CompiledDefinitions>,
}

#[derive(Debug)]
struct CompiledDefinitions {
    /// Every pattern, for one search.
    all: regex_automata::meta::Regex,
    /// Each pattern alone, so that an anchored search on one match can take the one-pass engine.
    each: Vec<regex_automata::meta::Regex>,
}

impl Definitions {
    /// `None` when the language declares neither pattern. The patterns are compiled together
    /// now and dropped, as they will be compiled on first use, so that a bad one, or a pair too
    /// large together, fails the grammar's load; each must name what it defines with a `name`
    /// group.
    fn new(functions: Option<&str>, modules: Option<&str>) -> Result<Option<Definitions>> {
        let patterns: Vec<(String, Defines)> = [(functions, Defines::Function), (modules, Defines::Module)]
            .into_iter()
            .filter_map(|(pattern, defines)| Some((pattern?.to_string(), defines)))
            .collect();
        if patterns.is_empty() {
            return Ok(None);
        }
        let all = build_definitions(&patterns.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>())?;
        for (i, (pattern, _)) in patterns.iter().enumerate() {
            if all.group_info().to_index(regex_automata::PatternID::must(i), "name").is_none() {
                bail!("definition pattern {pattern} needs a `name` group");
            }
        }
        Ok(Some(Definitions { patterns, compiled: OnceLock::new() }))
    }

    fn compiled(&self) -> &CompiledDefinitions {
        self.compiled.get_or_init(|| {
            let build = |patterns: &[&str]| {
                build_definitions(patterns).expect("the patterns compiled when the grammar was loaded")
            };
            let patterns: Vec<&str> = self.patterns.iter().map(|(p, _)| p.as_str()).collect();
            // Each pattern alone is no larger than all of them, which compiled at load.
            CompiledDefinitions { all: build(&patterns), each: patterns.iter().map(|p| build(&[p])).collect() }
        })
    }

    /// Every definition in `text`, in order: what it defines and where its match lies.
    fn find_iter<'h>(&'h self, text: &'h str) -> impl Iterator<Item = (Defines, Range<usize>)> + 'h {
        self.compiled().all.find_iter(text).map(|m| (self.patterns[m.pattern().as_usize()].1, m.range()))
    }

    /// The name defined by the definition `defines` whose match starts at `start` (and ends by
    /// `end`, when given): its pattern is run again, anchored, on that match alone.
    fn name(&self, text: &str, defines: Defines, start: usize, end: Option<usize>) -> Option<Range<usize>> {
        let re = &self.compiled().each[self.patterns.iter().position(|(_, d)| *d == defines)?];
        let input = regex_automata::Input::new(text)
            .range(start..end.unwrap_or(text.len()))
            .anchored(regex_automata::Anchored::Yes);
        let mut caps = re.create_captures();
        re.search_captures(&input, &mut caps);
        caps.get_group_by_name("name").map(|m| m.range())
    }
}

impl CodeGrammar {
    /// Compile `text` (the schema of `grammar/code.toml`); `namespace` maps a namespace name to
    /// its id in the spec grammar.
    pub(crate) fn compile(text: &str, namespace: &dyn Fn(&str) -> Result<NamespaceId>) -> Result<CodeGrammar> {
        let file: CodeFile = toml::from_str(text).context("code grammar")?;
        let mut file_globs = Vec::new();
        let mut languages = Vec::new();
        for (i, def) in file.languages.iter().enumerate() {
            file_globs.extend(def.files.iter().map(|glob| (glob.as_str(), i)));
            let char_literals = !def.strings.iter().any(|(open, _)| open == "'");
            let mut starts = [false; 256];
            let openers = def.line_comments.iter().chain(def.block_comments.iter().map(|(o, _)| o));
            for open in openers.chain(def.strings.iter().map(|(o, _)| o)) {
                match open.bytes().next() {
                    Some(b) if b.is_ascii() => starts[b as usize] = true,
                    _ => bail!("language {}: delimiters must start with an ASCII character", def.name),
                }
            }
            starts[b'\'' as usize] |= char_literals;
            let start_bytes = (0..=255u8).filter(|&b| starts[b as usize]).collect();
            languages.push(Language {
                name: def.name.clone(),
                char_literals,
                starts,
                start_bytes,
                line_comments: def.line_comments.clone(),
                block_comments: def.block_comments.clone(),
                strings: def.strings.clone(),
                definitions: Definitions::new(def.functions.as_deref(), def.modules.as_deref())
                    .with_context(|| format!("language {}", def.name))?,
                test_region: def.test_region.as_deref().map(LazyRegex::new).transpose()?,
            });
        }
        let mut tests = GlobSetBuilder::new();
        for glob in &file.tests {
            tests.add(crate::analysis::config::compile_glob(glob).with_context(|| format!("test glob {glob}"))?);
        }
        let roles = file
            .roles
            .iter()
            .map(|r| {
                let role = match r.role.as_str() {
                    "verifies" => Role::Verifies,
                    "implements" => Role::Implements,
                    other => bail!("unknown role {other}"),
                };
                Ok((role, regex(&r.pattern)?))
            })
            .collect::<Result<_>>()?;
        let mention = |def: &MentionDef| -> Result<MentionRule> {
            let pattern = regex(&def.pattern)?;
            Ok(MentionRule {
                namespace: namespace(&def.namespace)?,
                groups: Groups::of(&pattern),
                pattern,
                item: def.item.as_deref().map(regex).transpose()?,
                id: def.id.clone().map(Template::new),
            })
        };
        let mentions: Vec<MentionRule> = file.mentions.iter().map(mention).collect::<Result<_>>()?;
        let test_names = file
            .test_names
            .iter()
            .map(|def| {
                let rule = mention(def)?;
                let id = rule.id.with_context(|| format!("test name pattern {} needs an id template", def.pattern))?;
                Ok(TestNameRule { namespace: rule.namespace, pattern: rule.pattern, id })
            })
            .collect::<Result<Vec<_>>>()?;
        let prefilter = RegexSet::new(
            mentions.iter().map(|m| m.pattern.as_str()).chain(test_names.iter().map(|t| t.pattern.as_str())),
        )
        .context("mention prefilter")?;
        if let Some(rule) = mentions.iter().find(|m| !super::grammar::searches_across_lines(m.pattern.as_str())) {
            bail!("mention pattern {} must assert nothing but word boundaries and match no empty text", rule.pattern);
        }
        let pins: Vec<Guarded> =
            file.pins.iter().map(|p| regex(&p.pattern).map(Guarded::new)).collect::<Result<_>>()?;
        // Only a pin with a `path` group makes a link of its own.
        let paths = pins.iter().map(|p| &p.regex).filter(|re| re.capture_names().any(|n| n == Some("path")));
        let gate = literal_search(mentions.iter().map(|m| m.pattern.as_str()).chain(paths.map(Regex::as_str)))
            .map(|literals| Gate { literals });
        let test_name_patterns = || test_names.iter().map(|t| t.pattern.as_str());
        let pieces: Option<Vec<String>> = test_name_patterns().map(required_piece).collect();
        let test_name_filter = TestNameFilter {
            pieces: pieces.map(|p| regex(&p.join("|"))).transpose()?,
            set: RegexSet::new(test_name_patterns()).context("test names")?,
        };
        let mention_search =
            regex_automata::meta::Regex::new_many(&mentions.iter().map(|m| m.pattern.as_str()).collect::<Vec<_>>())
                .context("mention search")?;
        Ok(CodeGrammar {
            languages,
            files: files::FileLanguages::new(file_globs)?,
            tests: tests.build().context("test globs")?,
            vendored: file.vendored,
            roles,
            pins,
            suppress_line: regex(&file.suppress_line)?,
            suppress_off: regex(&file.suppress_off)?,
            suppress_on: regex(&file.suppress_on)?,
            file_path: regex(&file.file_path)?,
            mentions,
            test_name_filter,
            test_names,
            prefilter,
            mention_search,
            gate,
        })
    }

    /// The language of a file, by its name.
    pub fn language(&self, path: &Path) -> Option<&Language> {
        let name = path.file_name()?;
        self.files.language(name).map(|i| &self.languages[i])
    }

    pub fn is_code(&self, path: &Path) -> bool {
        self.language(path).is_some()
    }

    /// Whether a file lies in a folder of dependencies or build output (`node_modules`, `target`,
    /// …), which the code index skips even when no `.gitignore` says so. `path` is relative to
    /// the workspace root, whose own ancestors may have any name.
    pub fn is_vendored(&self, path: &Path) -> bool {
        path.components().any(|c| match c {
            std::path::Component::Normal(name) => name.to_str().is_some_and(|n| self.vendored.iter().any(|v| v == n)),
            _ => false,
        })
    }

    /// Whether a workspace-relative path is a test file.
    pub fn is_test_path(&self, relative: &str) -> bool {
        self.tests.is_match(relative)
    }

    /// Whether a file of `language` may hold a mention or a spec path at all (cheap; decides
    /// whether to lex).
    fn may_yield(&self, language: &Language, text: &str) -> bool {
        match &self.gate {
            Some(gate) => gate.may_yield(language, text, &self.test_name_filter),
            None => self.prefilter.is_match(text) || self.pins.iter().any(|p| p.may_match(text)),
        }
    }

    /// The comments of a source file, in order (empty when no language claims it). The model
    /// keeps only mentions; hover and inlay hints ask where comments are on demand.
    pub fn comments(&self, path: &Path, text: &str) -> Vec<Range<usize>> {
        let Some(language) = self.language(path) else { return Vec::new() };
        lex(language, text).0.into_iter().filter(|(_, region)| *region == Region::Comment).map(|(r, _)| r).collect()
    }

    /// The pattern of a file path written in a spec document; its `path` group is the path.
    pub fn file_path(&self) -> &Regex {
        &self.file_path
    }

    /// The keys a test's name or a result's property carries: test-name patterns (`fr_002_…`,
    /// upper-cased) and mention patterns (`FR-004 refuses zero`, `001-calc/FR-001`), each with its pin.
    pub fn keys_in_name(&self, name: &str) -> Vec<(NamespaceId, String, Option<String>)> {
        let mut keys: Vec<(NamespaceId, String, Option<String>)> = Vec::new();
        for rule in &self.test_names {
            for m in rule.pattern.captures_iter(name) {
                if let Some(id) = rule.id.render_captures(&m) {
                    keys.push((rule.namespace, id.to_ascii_uppercase(), None));
                }
            }
        }
        for rule in &self.mentions {
            keys_in(&rule.pattern, rule.groups, rule.item.as_ref(), rule.id.as_ref(), name, |found| {
                keys.push((rule.namespace, found.key.into_owned(), found.pin.map(|m| m.as_str().to_string())));
            });
        }
        keys.sort();
        keys.dedup();
        keys
    }

    /// The name of the function whose definition starts at `start` (a mention's `unit`).
    pub fn function_name_at(&self, path: &Path, text: &str, start: usize) -> Option<Range<usize>> {
        self.language(path)?.definitions.as_ref()?.name(text, Defines::Function, start, None)
    }

    /// Every function definition of a file (its start and name), comments and strings not excluded.
    pub fn functions_in(&self, path: &Path, text: &str) -> Vec<(usize, Range<usize>)> {
        let Some(definitions) = self.language(path).and_then(|l| l.definitions.as_ref()) else { return Vec::new() };
        definitions
            .find_iter(text)
            .filter(|(defines, _)| *defines == Defines::Function)
            .filter_map(|(_, m)| Some((m.start, definitions.name(text, Defines::Function, m.start, Some(m.end))?)))
            .collect()
    }

    /// Where the last module item before `at` starts: a tag there covers a test at `at`.
    pub fn module_before(&self, path: &Path, text: &str, at: usize) -> Option<usize> {
        let definitions = self.language(path)?.definitions.as_ref()?;
        let before = &text[..at.min(text.len())];
        definitions.find_iter(before).filter(|(defines, _)| *defines == Defines::Module).last().map(|(_, m)| m.start)
    }

    /// The file name globs of every language, for file watchers.
    pub fn file_globs(&self) -> impl Iterator<Item = &str> {
        self.files.globs()
    }
}

/// Build the model of a source file: its mentions (as references with a role and maybe a pin)
/// and the spec paths it names (as links). `None` when no language claims the file.
pub fn build_code(
    code: &CodeGrammar,
    kind: KindId,
    path: &Path,
    relative: &str,
    text: &str,
    test_globs: Option<&GlobSet>,
) -> Option<DocModel> {
    let language = code.language(path)?;
    let mut model = DocModel::empty(path, kind, None, text.len());
    if !code.may_yield(language, text) {
        return Some(model);
    }
    let test_file = test_globs.map_or_else(|| code.is_test_path(relative), |g| g.is_match(relative));
    Scanner { code, language, text, test_file, model: &mut model }.run();
    model.shrink();
    Some(model)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Region {
    Comment,
    String,
}

/// Comments and strings of a file, in order.
fn lex(language: &Language, text: &str) -> (Vec<(Range<usize>, Region)>, Option<usize>) {
    let bytes = text.as_bytes();
    let mut regions = Vec::new();
    let mut first_code = None;
    let mut i = 0;
    'outer: while i < bytes.len() {
        if !language.starts[bytes[i] as usize] {
            // Delimiters are ASCII, so jumping by bytes never lands inside a character.
            let next = language.next_start(bytes, i);
            if first_code.is_none() {
                first_code = bytes[i..next].iter().position(|b| !b.is_ascii_whitespace()).map(|n| i + n);
            }
            i = next;
            continue;
        }
        let rest = &text[i..];
        for open in &language.line_comments {
            if rest.starts_with(open.as_str()) {
                let end = rest.find('\n').map_or(bytes.len(), |n| i + n);
                regions.push((i..end, Region::Comment));
                i = end;
                continue 'outer;
            }
        }
        for (open, close) in &language.block_comments {
            if rest.starts_with(open.as_str()) {
                let body = i + open.len();
                let end = text[body..].find(close.as_str()).map_or(bytes.len(), |n| body + n + close.len());
                regions.push((i..end, Region::Comment));
                i = end;
                continue 'outer;
            }
        }
        for (open, close) in &language.strings {
            if rest.starts_with(open.as_str()) {
                let end = string_end(text, i + open.len(), close, open.len() == 1 && open != "`");
                regions.push((i..end, Region::String));
                first_code.get_or_insert(i);
                i = end;
                continue 'outer;
            }
        }
        if language.char_literals && bytes[i] == b'\'' {
            // `'"'` or `'\''`: skip the character so its quote opens nothing.
            let len = match bytes.get(i + 1) {
                Some(b'\\') => 4,
                _ => 3,
            };
            if bytes.get(i + len - 1) == Some(&b'\'') {
                first_code.get_or_insert(i);
                i += len;
                continue;
            }
        }
        // A start byte that opened nothing (a lone `/`, a lifetime's `'`): ASCII, one byte.
        first_code.get_or_insert(i);
        i += 1;
    }
    (regions, first_code)
}

/// Where a string that starts at `from` (after its opening quote) ends: after its closing quote,
/// at the end of its line when `single_line` and unclosed, or at the end of the text.
fn string_end(text: &str, from: usize, close: &str, single_line: bool) -> usize {
    let bytes = text.as_bytes();
    let first = close.as_bytes()[0];
    let mut i = from;
    loop {
        // Only an escape, a line break or the closing quote's first byte can end the scan.
        let Some(n) = bytes[i.min(bytes.len())..].iter().position(|&b| b == b'\\' || b == b'\n' || b == first) else {
            return bytes.len();
        };
        i += n;
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' if single_line => return i,
            _ if text[i..].starts_with(close) => return i + close.len(),
            _ => i += 1,
        }
        if i >= bytes.len() {
            return bytes.len();
        }
    }
}

struct Scanner<'a> {
    code: &'a CodeGrammar,
    language: &'a Language,
    text: &'a str,
    test_file: bool,
    model: &'a mut DocModel,
}

impl Scanner<'_> {
    fn run(mut self) {
        let (regions, first_code) = lex(self.language, self.text);
        let first_code = first_code.unwrap_or(self.text.len());
        let test_region = self.test_region(&regions);
        let suppressed = self.suppressed_regions(&regions);
        let blocks = blocks(self.text, &regions);
        let pins: Vec<Option<Box<str>>> = blocks.iter().map(|b| self.spec_paths(b.range.clone())).collect();
        // The comment before any code (the file header) pins the whole file.
        let file_pin = blocks
            .iter()
            .zip(&pins)
            .take_while(|(b, _)| b.start < first_code && b.region == Region::Comment)
            .find_map(|(_, pin)| pin.clone());
        let definitions = self.definitions(&regions);
        let candidates = self.candidate_lines(&blocks);
        let mut next = candidates.iter().peekable();
        for (block, pin) in blocks.iter().zip(&pins) {
            if next.peek().is_none_or(|line| line.start >= block.range.end) {
                continue;
            }
            let pin = pin.as_deref().or(file_pin.as_deref());
            let owner = owner(self.text, &definitions, block);
            let in_test = self.test_file
                || test_region.is_some_and(|t| block.start >= t)
                || owner.is_some_and(|d| self.is_test(d, test_region));
            let unit = owner.map(|d| d.start);
            let context = if in_test { Role::Verifies } else { Role::Implements };
            for line in lines(self.text, block.range.clone()) {
                while next.next_if(|candidate| candidate.start < line.start).is_some() {}
                if next.next_if(|candidate| candidate.start == line.start).is_none() {
                    continue;
                }
                let line_text = &self.text[line.clone()];
                if self.code.suppress_line.is_match(line_text) || in_any(&suppressed, line.start) {
                    continue;
                }
                self.mentions(line, pin, context, unit);
            }
        }
        self.test_names(&definitions, test_region, &suppressed, file_pin.as_deref());
        self.model.references.sort_by_key(|r| r.range.start);
    }

    /// The lines of `blocks` (as [`lines`] cuts them) that a search of each line alone with some
    /// mention pattern may match, in order: one search over the blocks laid end to end, a line
    /// break between two, instead of one per block or line.
    ///
    /// The patterns assert nothing but word boundaries (checked when the grammar is compiled), and
    /// a line break is no word character, so a line that holds a match alone holds the same match
    /// in the joined text. A leftmost search from a line's start then stops at a match that starts
    /// in that line or in one before it; each line that holds a match's start is kept and the
    /// search goes on at the next line, so no line with a match is passed over (a kept line may
    /// still hold none: its match ran past its end).
    ///
    /// Text outside ASCII makes the fast engine give up on a Unicode word boundary and the
    /// search fall back to a slow one for the rest of the haystack; such a file is searched one
    /// block at a time, and every line of a block that may hold a mention is kept.
    fn candidate_lines(&self, blocks: &[Block]) -> Vec<Range<usize>> {
        let search = &self.code.mention_search;
        let mut joined = String::with_capacity(blocks.iter().map(|b| b.range.len() + 1).sum());
        // Where each block starts in `joined`, and in the text.
        let mut starts = Vec::with_capacity(blocks.len());
        for block in blocks {
            starts.push((joined.len(), block.range.start));
            joined.push_str(&self.text[block.range.clone()]);
            joined.push('\n');
        }
        if !joined.is_ascii() {
            return blocks
                .iter()
                .filter(|block| search.is_match(&self.text[block.range.clone()]))
                .flat_map(|block| lines(self.text, block.range.clone()))
                .collect();
        }
        let bytes = joined.as_bytes();
        let mut out = Vec::new();
        let mut at = 0;
        while at < joined.len()
            && let Some(found) = search.search(&regex_automata::Input::new(&joined).range(at..))
        {
            let start = found.start();
            let line_start = memchr::memrchr(b'\n', &bytes[..start]).map_or(0, |n| n + 1);
            let line_end = memchr::memchr(b'\n', &bytes[start..]).map_or(joined.len(), |n| start + n);
            let (joined_start, start_in_text) = starts[starts.partition_point(|(s, _)| *s <= line_start) - 1];
            out.push(line_start - joined_start + start_in_text..line_end - joined_start + start_in_text);
            at = line_end + 1;
        }
        out
    }

    /// Where test code starts: the first test-region marker outside comments and strings.
    fn test_region(&self, regions: &[(Range<usize>, Region)]) -> Option<usize> {
        let re = self.language.test_region.as_ref()?.get();
        re.find_iter(self.text).map(|m| m.start()).find(|&at| !inside(regions, at))
    }

    /// The `specls:off` … `specls:on` regions (in comments). A comment that turns mentions off and
    /// on again itself (one that documents the markers) silences only itself.
    fn suppressed_regions(&self, regions: &[(Range<usize>, Region)]) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let mut off: Option<usize> = None;
        for (range, kind) in regions {
            if *kind != Region::Comment {
                continue;
            }
            let body = &self.text[range.clone()];
            match off {
                None => {
                    let Some(marker) = self.code.suppress_off.find(body) else { continue };
                    if self.code.suppress_on.find_at(body, marker.end()).is_some() {
                        out.push(range.clone());
                    } else {
                        off = Some(range.start);
                    }
                }
                Some(start) if self.code.suppress_on.is_match(body) => {
                    out.push(start..range.end);
                    off = None;
                }
                _ => {}
            }
        }
        if let Some(start) = off {
            out.push(start..self.text.len());
        }
        out
    }

    /// One pass over a comment or string for spec paths: each path becomes a link, and the
    /// block's pin (the `pin` group of the first pin pattern that matches) is returned.
    fn spec_paths(&mut self, range: Range<usize>) -> Option<Box<str>> {
        let body = &self.text[range.clone()];
        let mut pin = None;
        for rule in self.code.pins.iter().filter(|p| p.may_match(body)) {
            for (nth, caps) in rule.regex.captures_iter(body).enumerate() {
                if nth == 0 && pin.is_none() {
                    pin = caps.name("pin").map(|m| Box::from(m.as_str()));
                }
                let Some(path) = caps.name("path") else { continue };
                let at = range.start + path.start()..range.start + path.end();
                self.model.links.push(Link {
                    kind: LinkKind::Path,
                    text: at.clone(),
                    destination: path.as_str().to_string(),
                    destination_range: at,
                });
            }
        }
        pin
    }

    fn mentions(&mut self, line: Range<usize>, pin: Option<&str>, context: Role, unit: Option<usize>) {
        if self.model.references.len() >= MAX_MENTIONS {
            return;
        }
        let text = &self.text[line.clone()];
        // One pass of the prefilter tells which mention patterns can match this line.
        let hits = self.code.prefilter.matches(text);
        if !hits.matched_any() {
            return;
        }
        let keywords: Vec<(usize, Role)> =
            self.code.roles.iter().flat_map(|(role, re)| re.find_iter(text).map(move |m| (m.end(), *role))).collect();
        let role_at = |at: usize| {
            keywords.iter().filter(|(end, _)| *end <= at).max_by_key(|(end, _)| *end).map_or(context, |(_, r)| *r)
        };
        let first = self.model.references.len();
        for (_, rule) in self.code.mentions.iter().enumerate().filter(|(i, _)| hits.matched(*i)) {
            let references = &mut self.model.references;
            keys_in(&rule.pattern, rule.groups, rule.item.as_ref(), rule.id.as_ref(), text, |found| {
                let range = line.start + found.range.start..line.start + found.range.end;
                if references[first..].iter().any(|r| r.range.start < range.end && range.start < r.range.end) {
                    return;
                }
                references.push(Reference {
                    id: super::shared_key(&found.key),
                    namespace: rule.namespace,
                    range,
                    role: role_at(found.range.start),
                    unit,
                    pin: found.pin.map(|m| m.as_str()).or(pin).map(Box::from),
                });
            });
        }
    }

    /// The functions and modules defined in code: the definitions whose match starts outside
    /// comments and strings, in order.
    fn definitions(&self, regions: &[(Range<usize>, Region)]) -> Vec<Definition> {
        let Some(definitions) = &self.language.definitions else { return Vec::new() };
        definitions
            .find_iter(self.text)
            .filter(|(_, m)| !inside(regions, m.start))
            .map(|(defines, m)| Definition { start: m.start, end: m.end, defines })
            .collect()
    }

    /// The name a definition defines.
    fn name(&self, definition: &Definition) -> Option<Range<usize>> {
        let definitions = self.language.definitions.as_ref()?;
        definitions.name(self.text, definition.defines, definition.start, Some(definition.end))
    }

    /// Whether a definition is test code: any in a test file or test region, and a function named
    /// as a test (`test_…`, `Test…`). The name is read only when the definition holds `test`.
    fn is_test(&self, definition: &Definition, test_region: Option<usize>) -> bool {
        self.test_file
            || test_region.is_some_and(|t| definition.start >= t)
            || definition.defines == Defines::Function
                && self.text.as_bytes()[definition.start..definition.end]
                    .windows(4)
                    .any(|w| w.eq_ignore_ascii_case(b"test"))
                && self
                    .name(definition)
                    .is_some_and(|name| self.text[name].get(..4).is_some_and(|p| p.eq_ignore_ascii_case("test")))
    }

    /// Keys in the names of test functions: `fr_003_rejects_…`, `test_FR003_…`. Only a definition
    /// whose text matches some test-name pattern has its name read.
    fn test_names(
        &mut self,
        definitions: &[Definition],
        test_region: Option<usize>,
        suppressed: &[Range<usize>],
        pin: Option<&str>,
    ) {
        let named = definitions.iter().filter(|d| {
            d.defines == Defines::Function && self.code.test_name_filter.may_match(&self.text[d.start..d.end])
        });
        for definition in named {
            if self.model.references.len() >= MAX_MENTIONS {
                return;
            }
            if !self.is_test(definition, test_region) {
                continue;
            }
            let Some(name) = self.name(definition) else { continue };
            let at = name.start;
            if in_any(suppressed, at) || self.code.suppress_line.is_match(line_of(self.text, at)) {
                continue;
            }
            for rule in &self.code.test_names {
                for m in rule.pattern.captures_iter(&self.text[name.clone()]) {
                    let Some(id) = rule.id.render_captures(&m) else { continue };
                    let start = m.name("prefix").map_or(m.get(0).map_or(0, |g| g.start()), |p| p.start());
                    let end = m.name("n").map_or(m.get(0).map_or(0, |g| g.end()), |n| n.end());
                    self.model.references.push(Reference {
                        id: id.to_ascii_uppercase().into(),
                        namespace: rule.namespace,
                        range: at + start..at + end,
                        role: Role::Verifies,
                        unit: Some(definition.start),
                        pin: pin.map(Box::from),
                    });
                }
            }
        }
    }
}

/// A function or module definition found in code; its name is read on demand.
struct Definition {
    /// Where its definition starts (`fn`, `def`, …).
    start: usize,
    /// Where its match ends.
    end: usize,
    defines: Defines,
}

/// Whether only attributes and decorators stand between a comment and the definition after it
/// (the definition's own line may start with modifiers such as `pub async`).
fn documents(gap: &str) -> bool {
    let mut lines: Vec<&str> = gap.split('\n').collect();
    lines.pop();
    lines.iter().skip(1).all(|line| {
        let line = line.trim();
        line.starts_with("#[") || line.starts_with('@') || line.starts_with('[')
    })
}

/// The function a comment or string belongs to: the one it documents (the next definition, with
/// no blank line between, under a comment on lines of its own), else the one it is written in
/// (the last definition before it).
fn owner<'d>(text: &str, functions: &'d [Definition], block: &Block) -> Option<&'d Definition> {
    let next = functions.partition_point(|f| f.start < block.range.end);
    if let Some(f) = functions.get(next)
        && block.region == Region::Comment
        && starts_line(text, block.start)
        && documents(&text[block.range.end..f.start])
    {
        return Some(f);
    }
    next.checked_sub(1).and_then(|i| functions.get(i))
}

/// A comment block (adjacent line comments form one) or a string.
struct Block {
    start: usize,
    range: Range<usize>,
    region: Region,
}

fn blocks(text: &str, regions: &[(Range<usize>, Region)]) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    for (range, region) in regions {
        if let Some(last) = out.last_mut()
            && *region == Region::Comment
            && last.region == Region::Comment
            && text[last.range.end..range.start].bytes().all(|b| b.is_ascii_whitespace())
            && text[last.range.end..range.start].bytes().filter(|&b| b == b'\n').count() <= 1
        {
            last.range.end = range.end;
            continue;
        }
        out.push(Block { start: range.start, range: range.clone(), region: *region });
    }
    out
}

/// The lines of a range (without their line breaks).
fn lines(text: &str, range: Range<usize>) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut at = range.start;
    let end = range.end;
    std::iter::from_fn(move || {
        if at >= end {
            return None;
        }
        let stop = text[at..end].find('\n').map_or(end, |n| at + n);
        let line = at..stop;
        at = stop + 1;
        Some(line)
    })
}

/// Whether only whitespace stands before `at` on its line: a comment after code on its line
/// (`fn helper() {} // FR-001`) documents nothing below it.
fn starts_line(text: &str, at: usize) -> bool {
    text[..at].rsplit('\n').next().is_none_or(|before| before.trim().is_empty())
}

fn line_of(text: &str, at: usize) -> &str {
    let start = text[..at].rfind('\n').map_or(0, |n| n + 1);
    let end = text[at..].find('\n').map_or(text.len(), |n| at + n);
    &text[start..end]
}

/// Whether an offset lies in a comment or string.
fn inside(regions: &[(Range<usize>, Region)], at: usize) -> bool {
    let i = regions.partition_point(|(r, _)| r.end <= at);
    regions.get(i).is_some_and(|(r, _)| r.start <= at)
}

fn in_any(ranges: &[Range<usize>], at: usize) -> bool {
    ranges.iter().any(|r| r.contains(&at))
}

/// Verifies specs/003-navigation/spec.md FR-002, FR-003, FR-004.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Grammar;
    use proptest::strategy::Strategy;

    /// `(text, id, role, pin)` of each mention in a file.
    fn mentions(relative: &str, text: &str) -> Vec<(String, String, Role, Option<String>)> {
        let grammar = Grammar::builtin();
        let path = Path::new("/ws").join(relative);
        let model = build_code(&grammar.code, grammar.code_kind, &path, relative, text, None).expect("a language");
        model
            .references
            .iter()
            .map(|r| {
                (text[r.range.clone()].to_string(), r.id.to_string(), r.role, r.pin.as_deref().map(str::to_string))
            })
            .collect()
    }

    fn m(text: &str, id: &str, role: Role, pin: Option<&str>) -> (String, String, Role, Option<String>) {
        (text.to_string(), id.to_string(), role, pin.map(str::to_string))
    }

    #[test]
    fn comment_markers_set_roles_and_code_is_not_read() {
        let text = "// Implements: FR-001, FR-002\nfn login() {\n    let fr = FR_003; // FR-004 lockout\n}\n/* Verifies: T012 */\n";
        assert_eq!(
            mentions("src/login.rs", text),
            vec![
                m("FR-001", "FR-001", Role::Implements, None),
                m("FR-002", "FR-002", Role::Implements, None),
                m("FR-004", "FR-004", Role::Implements, None),
                m("T012", "T012", Role::Verifies, None),
            ]
        );
    }

    #[test]
    fn test_files_test_regions_and_test_names_verify() {
        let rust = "fn helper() {} // FR-001\n#[cfg(test)]\nmod tests {\n    // FR-002\n    #[test]\n    fn fr_003_rejects_expired() {}\n}\n";
        assert_eq!(
            mentions("src/lib.rs", rust),
            vec![
                m("FR-001", "FR-001", Role::Implements, None),
                m("FR-002", "FR-002", Role::Verifies, None),
                m("fr_003", "FR-003", Role::Verifies, None),
            ]
        );
        let python =
            "def test_FR004_total():\n    assert total() == 3, \"SC-002 totals\"\n\ndef helper_fr_005():\n    pass\n";
        assert_eq!(
            mentions("app/billing.py", python),
            vec![m("FR004", "FR-004", Role::Verifies, None), m("SC-002", "SC-002", Role::Verifies, None)]
        );
        let ts = "it(\"FR-006 rejects a duplicate\", () => {});\n";
        assert_eq!(mentions("web/room.test.ts", ts), vec![m("FR-006", "FR-006", Role::Verifies, None)]);
    }

    /// A definition pattern must name what it defines, and a bad one fails the grammar's load
    /// rather than the first file of its language.
    #[test]
    fn definition_patterns_are_checked_when_the_grammar_loads() {
        assert!(
            Definitions::new(Some(r"\bfn\s+(?P<name>\w+)"), Some(r"\bmod\s+(?P<name>\w+)")).is_ok_and(|d| d.is_some())
        );
        assert!(Definitions::new(None, None).is_ok_and(|d| d.is_none()));
        let unnamed = Definitions::new(Some(r"\bfn\s+\w+"), None).expect_err("no name group");
        assert!(unnamed.to_string().contains("needs a `name` group"), "{unnamed}");
        assert!(Definitions::new(Some(r"\bfn\s+(?P<name>\w+"), None).is_err());
    }

    /// A definition's keyword written in a comment defines nothing, even when a name follows it
    /// in code on the next line: the mention below stays in `real`, which is no test.
    #[test]
    fn a_definition_keyword_in_a_comment_defines_nothing() {
        let text = "fn real() {\n    // calls fn\n    test_fr_001_x();\n    // FR-002\n}\n";
        assert_eq!(mentions("src/lib.rs", text), vec![m("FR-002", "FR-002", Role::Implements, None)]);
    }

    #[test]
    fn spec_paths_and_feature_names_pin_mentions() {
        let text = "//! Login for specs/001-user-auth/spec.md\n\nuse x;\n\n// FR-001 here\nfn a() {}\n// See specs/002-billing/spec.md: FR-002\n// and FR-003\nfn b() {}\n// 003-other/FR-004\n";
        assert_eq!(
            mentions("src/login.rs", text),
            vec![
                m("FR-001", "FR-001", Role::Implements, Some("001-user-auth")),
                m("FR-002", "FR-002", Role::Implements, Some("002-billing")),
                m("FR-003", "FR-003", Role::Implements, Some("002-billing")),
                m("FR-004", "FR-004", Role::Implements, Some("003-other")),
            ]
        );
        let kiro = "// Feature: room-creation, Property 1: round trip\n// Validates: Requirements 1.2, 2.1\nfunction roundTrip() {}\n";
        assert_eq!(
            mentions("web/room.ts", kiro),
            vec![
                m("Property 1", "1", Role::Implements, Some("room-creation")),
                m("1.2", "1.2", Role::Verifies, Some("room-creation")),
                m("2.1", "2.1", Role::Verifies, Some("room-creation")),
            ]
            .into_iter()
            .map(|(t, id, r, p)| if t == "Property 1" { ("1".into(), id, r, p) } else { (t, id, r, p) })
            .collect::<Vec<_>>()
        );
    }

    #[test]
    fn suppressed_lines_and_regions_are_skipped() {
        let text = "// specls: ignore FR-009 is an example\n// specls:off\n// FR-010\n// specls:on\n// FR-011\n";
        assert_eq!(mentions("src/a.rs", text), vec![m("FR-011", "FR-011", Role::Implements, None)]);
        // A comment that names both markers, in that order, silences only itself.
        let text = "/// Between `specls:off` and `specls:on`, FR-012 is not read.\nfn a() {}\n// FR-013\n";
        assert_eq!(mentions("src/a.rs", text), vec![m("FR-013", "FR-013", Role::Implements, None)]);
    }

    #[test]
    fn strings_hide_comment_tokens_and_chars_hide_quotes() {
        let text = "let url = \"http://x/FR-001\";\nlet q = '\"'; // FR-002\nlet s = \"T003\";\n";
        let found: Vec<String> = mentions("src/a.rs", text).into_iter().map(|m| m.1).collect();
        assert_eq!(found, ["FR-001", "FR-002", "T003"]);
    }

    #[test]
    fn openspec_requirement_names_are_qualified() {
        let text = "it('openspec:identity#Session expiry', () => {});\n";
        assert_eq!(
            mentions("web/a.test.ts", text),
            vec![m("Session expiry", "Session expiry", Role::Verifies, Some("identity"))]
        );
    }

    #[test]
    fn mentions_per_file_are_capped() {
        let text = "// FR-001 FR-002 FR-003 FR-004 FR-005\n".repeat(MAX_MENTIONS);
        let grammar = Grammar::builtin();
        let model =
            build_code(&grammar.code, grammar.code_kind, Path::new("/ws/a.rs"), "a.rs", &text, None).expect("rust");
        assert!(model.references.len() >= MAX_MENTIONS && model.references.len() < MAX_MENTIONS + 10);
    }

    /// Comment and string delimiters, line breaks and spaces, which the pieces below go between.
    const DELIMITERS: &[&str] = &["// ", "/* ", " */", "\"", "# ", "\n", " "];

    /// Source text made of the delimiters and `pieces`.
    fn source(pieces: &'static [&'static str]) -> impl Strategy<Value = Vec<&'static str>> {
        let choices: Vec<&str> = DELIMITERS.iter().chain(pieces).copied().collect();
        proptest::collection::vec(proptest::sample::select(choices), 0..60)
    }

    /// Keys in every mention form, code, text outside ASCII.
    const PIECES: &[&str] = &[
        "fn a() {}",
        "x",
        "_",
        "-",
        "FR-001",
        "T012",
        "US1",
        "CHK001",
        "Principle IV",
        "Property 3",
        "Requirements 1.2",
        ", 3",
        " and ",
        "openspec:auth#Session ",
        "specs/001-a/",
        "001-a/",
        "é",
        "—",
        "fn ",
        "def ",
        "t123",
        "fr_002",
        "Test",
        "int32",
        "STATUS",
        "see ",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, ..Default::default() })]

        /// Verifies specs/003-navigation/spec.md FR-002: the one search over a file's comments
        /// and strings keeps every line that a search of the line alone matches.
        #[test]
        fn one_search_keeps_every_line_with_a_mention(
            pieces in source(PIECES),
            python in proptest::bool::ANY,
        ) {
            let text: String = pieces.concat();
            let grammar = Grammar::builtin();
            let code = &grammar.code;
            let path = Path::new(if python { "/ws/a.py" } else { "/ws/a.rs" });
            let language = code.language(path).expect("a language");
            let mut model = DocModel::empty(path, grammar.code_kind, None, text.len());
            let scanner = Scanner { code, language, text: &text, test_file: false, model: &mut model };
            let blocks = blocks(&text, &lex(language, &text).0);
            let candidates = scanner.candidate_lines(&blocks);
            let every_line: Vec<Range<usize>> = blocks.iter().flat_map(|b| lines(&text, b.range.clone())).collect();
            let matching = every_line.iter().filter(|line| code.mention_search.is_match(&text[(*line).clone()]));
            for line in matching {
                proptest::prop_assert!(candidates.contains(line), "{:?} of {:?}", &text[line.clone()], text);
            }
            proptest::prop_assert!(candidates.iter().all(|c| every_line.contains(c)));
            proptest::prop_assert!(candidates.windows(2).all(|w| w[0].start < w[1].start && w[0].end <= w[1].start));
        }
    }

    /// Parts of keys, markers and paths, which make whole ones only now and then.
    const PARTS: &[&str] = &[
        "fn ",
        "def ",
        "function ",
        "func ",
        "x",
        "_",
        "-",
        "1",
        "2",
        "FR",
        "T",
        "US",
        "CHK",
        "SC",
        "Requirements ",
        "Property ",
        "Principle ",
        "I",
        "openspec:",
        "a#b",
        "spec",
        "s/",
        "001-a/",
        "t12",
        "fr_0",
        "é",
        "—",
        "int32",
        "STATUS",
        "specs/001-a/spec.md",
        "fn t123() {}",
        "def test_fr_002():",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 1024, ..Default::default() })]

        /// Verifies specs/003-navigation/spec.md FR-002: a file the literal gate passes over is
        /// one in which the scanner finds no mention, test name or spec path.
        #[test]
        fn the_gate_passes_over_only_files_that_yield_nothing(
            pieces in source(PARTS),
            language in proptest::sample::select(vec!["a.rs", "a.py", "a.ts", "a.go"]),
        ) {
            let text: String = pieces.concat();
            let grammar = Grammar::builtin();
            let code = &grammar.code;
            let path = Path::new("/ws").join(language);
            let language = code.language(&path).expect("a language");
            let mut model = DocModel::empty(&path, grammar.code_kind, None, text.len());
            Scanner { code, language, text: &text, test_file: true, model: &mut model }.run();
            let yields = !model.references.is_empty() || !model.links.is_empty();
            proptest::prop_assert!(!yields || code.may_yield(language, &text), "{:?}", text);
        }
    }

    #[test]
    fn spec_paths_alone_are_links() {
        let grammar = Grammar::builtin();
        let text = "// The rules: specs/001-a/spec.md\nfn main() {}\n";
        let model = build_code(&grammar.code, grammar.code_kind, Path::new("/ws/a.rs"), "a.rs", text, None).unwrap();
        assert_eq!(model.links.iter().map(|l| l.destination.as_str()).collect::<Vec<_>>(), ["specs/001-a/spec.md"]);
    }

    #[test]
    fn the_builtin_grammar_has_a_literal_gate() {
        assert!(Grammar::builtin().code.gate.is_some());
    }

    #[test]
    fn files_without_a_language_or_a_mention() {
        let grammar = Grammar::builtin();
        assert!(build_code(&grammar.code, grammar.code_kind, Path::new("/ws/a.png"), "a.png", "", None).is_none());
        let model = build_code(&grammar.code, grammar.code_kind, Path::new("/ws/a.rs"), "a.rs", "fn main() {}\n", None)
            .unwrap();
        assert!(model.references.is_empty());
    }
}
