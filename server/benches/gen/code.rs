//! Source and test files in Rust, Python and TypeScript for the code-index benches.
//!
//! Each file is code-shaped text of about 3.5 KB: a header comment, imports, a type and
//! functions (or tests) with doc comments and string literals. About one file in four cites IDs
//! of the generated features the way projects tag code (`// Implements: FR-003`,
//! `# Verifies: FR-001, FR-002`, test names such as `fn fr_002_…` and `def test_FR002_…`), and
//! half of those pin their feature with its spec path in the header comment. The other files
//! hold no text that [`super::ID_PATTERN`] matches.

use std::fmt::Write as _;
use std::path::Path;

use super::{ADJECTIVES, Keys, NOUNS, Rng, VERBS, plural, title_case, write};

/// A generated feature whose keys code may cite.
pub struct Citable {
    /// Folder name under `specs/`.
    pub dir: String,
    /// Keys of the documents written to disk (no tasks when `tasks.md` was not written).
    pub keys: Keys,
}

/// What [`add_code`] wrote.
#[derive(Clone, Copy, Debug, Default)]
pub struct CodeStats {
    pub files: usize,
    pub bytes: u64,
    /// Files that cite at least one ID.
    pub citing: usize,
    /// Citing files whose header names their feature's spec path.
    pub pinned: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Lang {
    Rust,
    Python,
    TypeScript,
}

/// Two source files for each test file, in turn per language.
const LAYOUT: [(Lang, bool); 9] = [
    (Lang::Rust, false),
    (Lang::Python, false),
    (Lang::TypeScript, false),
    (Lang::Rust, false),
    (Lang::Python, false),
    (Lang::TypeScript, false),
    (Lang::Rust, true),
    (Lang::Python, true),
    (Lang::TypeScript, true),
];

/// Write `count` source and test files under `root` (`src/`, `app/`, `web/src/`, `tests/`),
/// citing keys of `features`.
pub fn add_code(root: &Path, seed: u64, count: usize, features: &[Citable]) -> CodeStats {
    let mut rng = Rng::new(seed ^ 0x00C0_DE00);
    let mut stats = CodeStats::default();
    for number in 0..count {
        let (lang, test) = LAYOUT[number % LAYOUT.len()];
        let cites = if !features.is_empty() && rng.below(4) == 0 {
            Some(Cites { feature: &features[rng.below(features.len())], pinned: rng.below(2) == 0 })
        } else {
            None
        };
        let (path, text) = file(&mut rng, number, lang, test, cites.as_ref());
        stats.bytes += write(root, &path, &text);
        stats.files += 1;
        stats.citing += usize::from(cites.is_some());
        stats.pinned += usize::from(cites.as_ref().is_some_and(|c| c.pinned));
    }
    stats
}

struct Cites<'a> {
    feature: &'a Citable,
    pinned: bool,
}

/// The words one file is about; every template draws its names from them.
struct Subject {
    noun: &'static str,
    nouns: String,
    area: String,
    module: String,
}

fn file(rng: &mut Rng, number: usize, lang: Lang, test: bool, cites: Option<&Cites>) -> (String, String) {
    let noun = rng.pick(NOUNS);
    let verb = rng.pick(VERBS);
    let area = plural(rng.pick(NOUNS));
    // Half the modules sit one folder deeper.
    let folder = if rng.below(2) == 0 { area.clone() } else { format!("{area}/{}", rng.pick(VERBS)) };
    let module = format!("{verb}_{noun}{number}");
    let subject = Subject { noun, nouns: plural(noun), area, module };
    let path = match (lang, test) {
        (Lang::Rust, false) => format!("src/{folder}/{}.rs", subject.module),
        (Lang::Rust, true) => format!("tests/{}_test.rs", subject.module),
        (Lang::Python, false) => format!("app/{folder}/{}.py", subject.module),
        (Lang::Python, true) => format!("tests/test_{}.py", subject.module),
        (Lang::TypeScript, false) => format!("web/src/{folder}/{}.ts", camel(&subject.module)),
        (Lang::TypeScript, true) => format!("web/src/{folder}/{}.test.ts", camel(&subject.module)),
    };
    let target = 2_300 + rng.below(2_000);
    let mut text = header(rng, lang, test, &subject, cites);
    let mut names: Vec<String> = Vec::new();
    while text.len() < target {
        // The first item of a citing file always cites; later ones half the time.
        let mention =
            cites.filter(|_| names.is_empty() || rng.below(2) == 0).map(|c| Mention::new(rng, &c.feature.keys));
        item(rng, lang, test, &subject, mention.as_ref(), &mut names, &mut text);
    }
    if lang == Lang::TypeScript && test {
        text.push_str("});\n");
    }
    (path, text)
}

/// `verb_noun12` → `verbNoun12`.
fn camel(snake: &str) -> String {
    let mut parts = snake.split('_');
    let first = parts.next().unwrap_or_default().to_string();
    parts.fold(first, |acc, p| acc + &title_case(p))
}

fn header(rng: &mut Rng, lang: Lang, test: bool, s: &Subject, cites: Option<&Cites>) -> String {
    let pin = cites.filter(|c| c.pinned).map(|c| format!("specs/{}/spec.md", c.feature.dir));
    let (verb, adj) = (rng.pick(VERBS), rng.pick(ADJECTIVES));
    let title = if test {
        format!("Tests for the {adj} {} helpers", s.nouns)
    } else {
        format!("Helpers that {verb} {adj} {}", s.nouns)
    };
    let noun_type = title_case(s.noun);
    let mut out = String::new();
    match (lang, test) {
        (Lang::Rust, false) => {
            let _ = match &pin {
                Some(spec) => writeln!(out, "//! {title} for {spec}"),
                None => writeln!(out, "//! {title}."),
            };
            let _ = write!(
                out,
                "//!\n//! The {area} store calls these while it holds the {noun} lock.\n\n\
                 use std::collections::HashMap;\n\nuse crate::{area}::{{{noun_type}Error, State}};\n\n\
                 /// One {noun} as the {area} store keeps it.\n#[derive(Debug, Clone, PartialEq)]\n\
                 pub struct {noun_type} {{\n    pub id: u64,\n    pub name: String,\n    pub state: State,\n    pub revision: u32,\n}}\n",
                area = s.area,
                noun = s.noun,
            );
        }
        (Lang::Rust, true) => {
            let _ = match &pin {
                Some(spec) => writeln!(out, "//! Tests for {spec}"),
                None => writeln!(out, "//! {title}."),
            };
            let _ = write!(
                out,
                "\nuse app::{area}::{module}::*;\n\nfn sample(id: u64, name: &str) -> {noun_type} {{\n    \
                 {noun_type} {{ id, name: name.to_string(), state: State::default(), revision: 0 }}\n}}\n",
                area = s.area,
                module = s.module,
            );
        }
        (Lang::Python, false) => {
            if let Some(spec) = &pin {
                let _ = writeln!(out, "# Spec: {spec}");
            }
            let _ = write!(
                out,
                "\"\"\"{title}.\"\"\"\n\nfrom __future__ import annotations\n\nimport logging\n\
                 from dataclasses import dataclass, field\n\nlog = logging.getLogger(__name__)\n\n\n\
                 @dataclass\nclass {noun_type}:\n    id: int\n    name: str\n    state: str = \"{adj}\"\n    \
                 revision: int = 0\n    tags: list[str] = field(default_factory=list)\n",
                adj = rng.pick(ADJECTIVES),
            );
        }
        (Lang::Python, true) => {
            let _ = match &pin {
                Some(spec) => writeln!(out, "# {spec}"),
                None => writeln!(out, "# {title}."),
            };
            let _ = write!(
                out,
                "import pytest\n\nfrom app.{area}.{module} import *  # noqa: F403\n",
                area = s.area,
                module = s.module
            );
        }
        (Lang::TypeScript, false) => {
            let _ = match &pin {
                Some(spec) => writeln!(out, "// Spec: {spec}"),
                None => writeln!(out, "// {title}."),
            };
            let _ = write!(
                out,
                "import {{ logger }} from \"../logger\";\n\nexport interface {noun_type} {{\n  id: number;\n  name: string;\n  \
                 state: \"{a}\" | \"{b}\";\n  revision: number;\n  tags: string[];\n}}\n",
                a = rng.pick(ADJECTIVES),
                b = rng.pick(ADJECTIVES),
            );
        }
        (Lang::TypeScript, true) => {
            if let Some(spec) = &pin {
                let _ = writeln!(out, "// Spec: {spec}");
            }
            let _ = write!(
                out,
                "import {{ describe, expect, it }} from \"vitest\";\n\nimport * as subject from \"./{module}\";\n\n\
                 describe(\"{nouns}\", () => {{\n",
                module = camel(&s.module),
                nouns = s.nouns,
            );
        }
    }
    out
}

/// The IDs one item cites.
struct Mention {
    ids: Vec<String>,
    /// The number of the first ID when it is a functional requirement, for test names.
    requirement: Option<usize>,
}

impl Mention {
    /// One or two IDs, mostly functional requirements.
    fn new(rng: &mut Rng, keys: &Keys) -> Self {
        let count = 1 + usize::from(rng.below(3) == 0);
        let ids: Vec<String> = (0..count)
            .map(|_| match rng.below(10) {
                7 if keys.criteria > 0 => format!("SC-{:03}", 1 + rng.below(keys.criteria)),
                8 if keys.tasks > 0 => format!("T{:03}", 1 + rng.below(keys.tasks)),
                9 if keys.stories > 0 => format!("US{}", 1 + rng.below(keys.stories)),
                _ => format!("FR-{:03}", 1 + rng.below(keys.requirements.max(1))),
            })
            .collect();
        let requirement = ids[0].strip_prefix("FR-").and_then(|n| n.parse().ok());
        Mention { ids, requirement }
    }

    /// The keyword comment line, without its comment marker.
    fn comment(&self, test: bool, rng: &mut Rng) -> String {
        let keyword = match (test, rng.below(5)) {
            (true, _) => "Verifies",
            (false, 0) => "Covers",
            (false, _) => "Implements",
        };
        format!("{keyword}: {}", self.ids.join(", "))
    }
}

/// Append one function or test, with its mention.
fn item(
    rng: &mut Rng,
    lang: Lang,
    test: bool,
    s: &Subject,
    mention: Option<&Mention>,
    names: &mut Vec<String>,
    out: &mut String,
) {
    let verb = rng.pick(VERBS);
    let adj = rng.pick(ADJECTIVES);
    let other = rng.pick(ADJECTIVES);
    let k = 2 + rng.below(98);
    let noun_type = title_case(s.noun);
    let verb_title = title_case(verb);
    let nouns = &s.nouns;
    let mut name = format!("{verb}_{adj}_{nouns}");
    if let Some(n) = mention.and_then(|m| m.requirement).filter(|_| test) {
        name = match lang {
            Lang::Rust => format!("fr_{n:03}_{name}"),
            Lang::Python => format!("FR{n:03}_{name}"),
            Lang::TypeScript => name,
        };
    }
    if names.contains(&name) {
        name = format!("{name}_{}", names.len());
    }
    let first = names.is_empty();
    names.push(name.clone());
    let comment = mention.map(|m| m.comment(test, rng));
    let shape = rng.below(3);
    match (lang, test) {
        (Lang::Rust, false) => {
            out.push('\n');
            if let Some(c) = &comment {
                let _ = writeln!(out, "// {c}");
            }
            let _ = match shape {
                0 => write!(
                    out,
                    "/// {verb_title} the {adj} {nouns} of one batch, at most `limit` of them; returns how many changed.\n\
                     pub fn {name}(items: &mut [{noun_type}], limit: usize) -> Result<usize, {noun_type}Error> {{\n    \
                     let mut done = 0;\n    for item in items.iter_mut().filter(|i| i.state == State::{adj_type}).take(limit) {{\n        \
                     if item.name.is_empty() {{\n            \
                     return Err({noun_type}Error::Invalid(format!(\"{noun} {{}} has no name\", item.id)));\n        }}\n        \
                     item.revision += {k};\n        done += 1;\n    }}\n    tracing::debug!(done, \"{verb} {adj} {nouns}\");\n    Ok(done)\n}}\n",
                    adj_type = title_case(adj),
                    noun = s.noun,
                ),
                1 => write!(
                    out,
                    "/// Groups {nouns} by state, leaving out the {other} ones.\n\
                     pub fn {name}(items: &[{noun_type}]) -> HashMap<State, Vec<u64>> {{\n    \
                     let mut groups: HashMap<State, Vec<u64>> = HashMap::new();\n    \
                     for item in items.iter().filter(|i| i.state != State::{other_type}) {{\n        \
                     groups.entry(item.state).or_default().push(item.id);\n    }}\n    groups\n}}\n",
                    other_type = title_case(other),
                ),
                _ => write!(
                    out,
                    "/// The line shown for one {noun} in the {area} list.\n\
                     pub fn {name}(item: &{noun_type}) -> String {{\n    match item.state {{\n        \
                     State::{adj_type} => format!(\"{{}} ({adj}, revision {{}})\", item.name, item.revision),\n        \
                     _ => format!(\"{{}} - {k} {nouns} pending\", item.name),\n    }}\n}}\n",
                    noun = s.noun,
                    area = s.area,
                    adj_type = title_case(adj),
                ),
            };
        }
        (Lang::Rust, true) => {
            out.push('\n');
            if let Some(c) = &comment {
                let _ = writeln!(out, "/// {c}");
            }
            let _ = match shape {
                0 => write!(
                    out,
                    "#[test]\nfn {name}() {{\n    let mut items = vec![sample(1, \"{adj}\"), sample(2, \"\")];\n    \
                     let result = {verb}_{adj}_{nouns}(&mut items, {k});\n    \
                     assert!(result.is_err(), \"an unnamed {noun} is rejected\");\n    assert_eq!(items[0].revision, {k});\n}}\n",
                    noun = s.noun,
                ),
                1 => write!(
                    out,
                    "#[test]\nfn {name}() {{\n    let items: Vec<_> = (0..{k}).map(|i| sample(i, \"{other}\")).collect();\n    \
                     let groups = group_{nouns}(&items);\n    assert_eq!(groups.values().map(Vec::len).sum::<usize>(), {k});\n}}\n",
                ),
                _ => write!(
                    out,
                    "#[test]\nfn {name}() {{\n    let line = describe(&sample(7, \"{adj} {noun}\"));\n    \
                     assert!(line.starts_with(\"{adj} {noun}\"), \"{{line}}\");\n}}\n",
                    noun = s.noun,
                ),
            };
        }
        (Lang::Python, false) => {
            out.push_str("\n\n");
            if let Some(c) = &comment {
                let _ = writeln!(out, "# {c}");
            }
            let _ = match shape {
                0 => write!(
                    out,
                    "def {name}(items: list[{noun_type}], limit: int = {k}) -> int:\n    \
                     \"\"\"{verb_title} the {adj} {nouns}, at most ``limit`` of them.\"\"\"\n    done = 0\n    \
                     for item in items[:limit]:\n        if not item.name:\n            \
                     raise ValueError(f\"{noun} {{item.id}} has no name\")\n        \
                     item.tags.append(\"{other}\")\n        done += 1\n    \
                     log.debug(\"{verb} %d {adj} {nouns}\", done)\n    return done\n",
                    noun = s.noun,
                ),
                1 => write!(
                    out,
                    "def {name}(items: list[{noun_type}]) -> dict[str, list[int]]:\n    \
                     \"\"\"Group {nouns} by state, leaving out the {other} ones.\"\"\"\n    groups: dict[str, list[int]] = {{}}\n    \
                     for item in items:\n        if item.state != \"{other}\":\n            \
                     groups.setdefault(item.state, []).append(item.id)\n    return groups\n",
                ),
                _ => write!(
                    out,
                    "def {name}(item: {noun_type}) -> str:\n    \"\"\"The line shown for one {noun} in the {area} list.\"\"\"\n    \
                     if item.state == \"{adj}\":\n        return f\"{{item.name}} ({adj}, revision {{item.revision}})\"\n    \
                     return f\"{{item.name}} - {k} {nouns} pending\"\n",
                    noun = s.noun,
                    area = s.area,
                ),
            };
        }
        (Lang::Python, true) => {
            out.push_str("\n\n");
            if let Some(c) = &comment {
                let _ = writeln!(out, "# {c}");
            }
            let _ = match shape {
                0 => write!(
                    out,
                    "def test_{name}():\n    items = [{noun_type}(1, \"{adj}\"), {noun_type}(2, \"\")]\n    \
                     with pytest.raises(ValueError, match=\"has no name\"):\n        {verb}_{adj}_{nouns}(items, limit={k})\n    \
                     assert items[0].tags == [\"{other}\"]\n",
                ),
                1 => write!(
                    out,
                    "def test_{name}():\n    items = [{noun_type}(i, \"{other} {noun}\") for i in range({k})]\n    \
                     groups = group_{nouns}(items)\n    assert sum(len(ids) for ids in groups.values()) == {k}\n",
                    noun = s.noun,
                ),
                _ => write!(
                    out,
                    "def test_{name}():\n    line = describe({noun_type}(7, \"{adj} {noun}\", state=\"{adj}\"))\n    \
                     assert line.startswith(\"{adj} {noun}\"), line\n",
                    noun = s.noun,
                ),
            };
        }
        (Lang::TypeScript, false) => {
            out.push('\n');
            if let Some(c) = &comment {
                let _ = writeln!(out, "// {c}");
            }
            let function = camel(&name);
            let _ = match shape {
                0 => write!(
                    out,
                    "/** {verb_title} the {adj} {nouns}, at most `limit` of them; returns how many changed. */\n\
                     export function {function}(items: {noun_type}[], limit = {k}): number {{\n  let done = 0;\n  \
                     for (const item of items.slice(0, limit)) {{\n    if (item.name === \"\") {{\n      \
                     throw new Error(`{noun} ${{item.id}} has no name`);\n    }}\n    item.tags.push(\"{other}\");\n    \
                     done += 1;\n  }}\n  logger.debug(\"{verb} {adj} {nouns}\", {{ done }});\n  return done;\n}}\n",
                    noun = s.noun,
                ),
                1 => write!(
                    out,
                    "/** Groups {nouns} by state, leaving out the {other} ones. */\n\
                     export function {function}(items: {noun_type}[]): Map<string, number[]> {{\n  \
                     const groups = new Map<string, number[]>();\n  for (const item of items) {{\n    \
                     if (item.state === \"{other}\") continue;\n    \
                     groups.set(item.state, [...(groups.get(item.state) ?? []), item.id]);\n  }}\n  return groups;\n}}\n",
                ),
                _ => write!(
                    out,
                    "/** The line shown for one {noun} in the {area} list. */\n\
                     export function {function}(item: {noun_type}): string {{\n  return item.state === \"{adj}\"\n    \
                     ? `${{item.name}} ({adj}, revision ${{item.revision}})`\n    : `${{item.name}} - {k} {nouns} pending`;\n}}\n",
                    noun = s.noun,
                    area = s.area,
                ),
            };
        }
        (Lang::TypeScript, true) => {
            if !first {
                out.push('\n');
            }
            if let Some(c) = &comment {
                let _ = writeln!(out, "  // {c}");
            }
            let title = match mention.and_then(|m| m.requirement) {
                Some(n) => format!("FR-{n:03} {}", name.replace('_', " ")),
                None => name.replace('_', " "),
            };
            let _ = match shape {
                0 => write!(
                    out,
                    "  it(\"{title}\", () => {{\n    const items = [subject.sample(1, \"{adj}\"), subject.sample(2, \"\")];\n    \
                     expect(() => subject.{function}(items, {k})).toThrow(\"has no name\");\n    \
                     expect(items[0].tags).toEqual([\"{other}\"]);\n  }});\n",
                    function = camel(&format!("{verb}_{adj}_{nouns}")),
                ),
                1 => write!(
                    out,
                    "  it(\"{title}\", () => {{\n    const items = Array.from({{ length: {k} }}, (_, i) => subject.sample(i, \"{other}\"));\n    \
                     const groups = subject.group{nouns_type}(items);\n    \
                     expect([...groups.values()].flat()).toHaveLength({k});\n  }});\n",
                    nouns_type = title_case(nouns),
                ),
                _ => write!(
                    out,
                    "  it(\"{title}\", () => {{\n    const line = subject.describe(subject.sample(7, \"{adj} {noun}\"));\n    \
                     expect(line.startsWith(\"{adj} {noun}\")).toBe(true);\n  }});\n",
                    noun = s.noun,
                ),
            };
        }
    }
}
