//! The spec formats, loaded from the TOML files in `grammar/formats/`.
//!
//! Everything format-specific (paths, sections, ID patterns, reference patterns) is data; the
//! model builder only knows the generic mechanisms (line patterns, templates, ordinals).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use anyhow::{Context, Result, bail};
use globset::{Glob, GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};
use regex::Regex;
use serde::Deserialize;

/// The format files compiled into the binary, so `specls` works from any folder.
const BUILTIN: &[(&str, &str)] = &[
    ("openspec.toml", include_str!("../../../grammar/formats/openspec.toml")),
    ("kiro.toml", include_str!("../../../grammar/formats/kiro.toml")),
    ("speckit.toml", include_str!("../../../grammar/formats/speckit.toml")),
    ("agent.toml", include_str!("../../../grammar/formats/agent.toml")),
];

/// Index of a document kind in [`Grammar::kinds`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KindId(pub u16);

/// Index of a namespace in [`Grammar::namespaces`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NamespaceId(pub u16);

/// Where a key must be unique.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Uniqueness {
    /// Once per feature scope (or workspace-wide for documents outside a scope).
    #[default]
    Scope,
    /// Once per document.
    Document,
    /// Once per parent clause (OpenSpec scenarios inside a requirement).
    Parent,
    /// Not checked here: a format rule owns it (OpenSpec delta sections).
    None,
}

/// Where a reference looks for its definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Resolution {
    /// The reference's own feature scope first, then the whole workspace.
    #[default]
    ScopeThenGlobal,
    /// Only the reference's own scope (Kiro criteria are positional per spec folder).
    Scope,
    /// The whole workspace (constitution principles).
    Global,
}

#[derive(Debug)]
pub struct Section {
    pub title: String,
    pub level: u8,
    pub required: bool,
    matcher: Option<Regex>,
    /// The heading text completion writes (`Requirements *(mandatory)*`); the title when unset.
    pub heading: Option<String>,
    /// What completion writes below the heading: LSP snippet text, with `${:…}` placeholders
    /// numbered in order when offered, and `{dependency}` lines repeated per declared dependency.
    pub skeleton: Option<String>,
}

impl Section {
    /// Whether a heading title (already stripped of `*(…)*` annotations) is this section.
    pub fn matches(&self, heading: &str) -> bool {
        match &self.matcher {
            Some(re) => re.is_match(heading),
            None => heading.eq_ignore_ascii_case(&self.title),
        }
    }
}

#[derive(Debug)]
pub struct Kind {
    pub id: String,
    pub label: String,
    pub format: String,
    /// False for templates and archives: indexed for navigation, never diagnosed.
    pub lint: bool,
    pub scope: Option<GlobMatcher>,
    pub first_heading: Option<Regex>,
    pub requires_heading: Option<Regex>,
    pub min_sections: Option<usize>,
    pub sections: Vec<Section>,
    pub clause_rules: Vec<usize>,
    pub reference_rules: Vec<usize>,
    pub marker_rules: Vec<usize>,
    pub keyword_rules: Vec<usize>,
    pub next_id_rules: Vec<usize>,
    pub snippet_rules: Vec<usize>,
    /// The clause patterns of the kind as one set: a line none of them matches (most lines)
    /// costs one scan instead of one per pattern.
    pub clause_set: Option<ClauseSet>,
}

/// A kind's clause patterns, in the order of [`Kind::clause_rules`], searched together.
#[derive(Debug)]
pub struct ClauseSet {
    set: regex_automata::meta::Regex,
    /// Every pattern starts with `^`: the search stops where no pattern can go on, usually within
    /// a line's first bytes, instead of trying every start.
    anchored: bool,
    /// Some pattern matches the empty string; otherwise an empty line (a third of most specs)
    /// is not searched.
    matches_empty: bool,
    /// For an anchored set, the bytes a match can start with (see [`first_bytes`]): a line
    /// starting with any other byte, as most prose lines do, is not searched.
    first: Option<Box<[bool; 256]>>,
}

impl ClauseSet {
    fn new(patterns: &[&str]) -> Result<ClauseSet> {
        let set = regex_automata::meta::Regex::builder()
            .configure(regex_automata::meta::Config::new().nfa_size_limit(Some(1 << 24)))
            .build_many(patterns)?;
        let properties: Vec<_> =
            patterns.iter().map(|p| regex_syntax::parse(p).ok().map(|hir| hir.properties().clone())).collect();
        let anchored = properties
            .iter()
            .all(|p| p.as_ref().is_some_and(|p| p.look_set_prefix().contains(regex_syntax::hir::Look::Start)));
        let matches_empty = properties.iter().any(|p| p.as_ref().is_none_or(|p| p.minimum_len() == Some(0)));
        let first = if anchored && !matches_empty { first_bytes(patterns).map(Box::new) } else { None };
        Ok(ClauseSet { set, anchored, matches_empty, first })
    }

    /// An empty set of hits to pass to [`ClauseSet::matches`], reused from line to line.
    pub fn hits(&self) -> regex_automata::PatternSet {
        regex_automata::PatternSet::new(self.set.pattern_len())
    }

    /// Which patterns match `line`, as positions in [`Kind::clause_rules`], into `hits`.
    pub fn matches(&self, line: &str, hits: &mut regex_automata::PatternSet) {
        hits.clear();
        if line.is_empty() && !self.matches_empty {
            return;
        }
        if let (Some(first), Some(&byte)) = (&self.first, line.as_bytes().first())
            && !first[usize::from(byte)]
        {
            return;
        }
        let anchored = if self.anchored { regex_automata::Anchored::Yes } else { regex_automata::Anchored::No };
        self.set.which_overlapping_matches(&regex_automata::Input::new(line).anchored(anchored), hits);
    }
}

/// The bytes a match of one of `patterns` can start with, a superset read from their syntax
/// trees; `None` when a pattern does not parse or may match the empty string.
fn first_bytes(patterns: &[&str]) -> Option<[bool; 256]> {
    let mut first = [false; 256];
    for pattern in patterns {
        let hir = regex_syntax::parse(pattern).ok()?;
        if first_of(&hir, &mut first) {
            return None;
        }
    }
    Some(first)
}

/// Marks in `first` the bytes a match of `hir` can start with; returns whether it may match the
/// empty string (then what follows it can start the match too). Zero-width assertions count as
/// empty, which only adds bytes. A character outside ASCII adds every leading byte of UTF-8.
fn first_of(hir: &regex_syntax::hir::Hir, first: &mut [bool; 256]) -> bool {
    use regex_syntax::hir::{Class, HirKind};
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => true,
        HirKind::Literal(literal) => match literal.0.first() {
            Some(&byte) => {
                first[usize::from(byte)] = true;
                false
            }
            None => true,
        },
        HirKind::Class(Class::Bytes(class)) => {
            for range in class.iter() {
                first[usize::from(range.start())..=usize::from(range.end())].fill(true);
            }
            false
        }
        HirKind::Class(Class::Unicode(class)) => {
            for range in class.iter() {
                let (start, end) = (u32::from(range.start()), u32::from(range.end()));
                if start < 0x80 {
                    first[start as usize..=end.min(0x7f) as usize].fill(true);
                }
                if end >= 0x80 {
                    first[0xc2..=0xf4].fill(true);
                }
            }
            false
        }
        HirKind::Capture(capture) => first_of(&capture.sub, first),
        HirKind::Repetition(repetition) => first_of(&repetition.sub, first) || repetition.min == 0,
        HirKind::Concat(parts) => parts.iter().all(|part| first_of(part, first)),
        HirKind::Alternation(branches) => {
            // Every branch adds its bytes, so no short circuit.
            let mut empty = false;
            for branch in branches {
                empty |= first_of(branch, first);
            }
            empty
        }
    }
}

impl Kind {
    /// A kind no format declares: plain Markdown, source files. Its format is its own id.
    fn implicit(id: &str, label: &str, lint: bool) -> Kind {
        Kind {
            id: id.into(),
            label: label.into(),
            format: id.into(),
            lint,
            scope: None,
            first_heading: None,
            requires_heading: None,
            min_sections: None,
            sections: Vec::new(),
            clause_rules: Vec::new(),
            reference_rules: Vec::new(),
            marker_rules: Vec::new(),
            keyword_rules: Vec::new(),
            next_id_rules: Vec::new(),
            snippet_rules: Vec::new(),
            clause_set: None,
        }
    }
}

#[derive(Debug)]
pub struct Namespace {
    pub id: String,
    pub label: String,
    pub unique: Uniqueness,
    pub resolve: Resolution,
}

/// A key written with a template: `US{n}`, `{parent}.{ordinal}`.
#[derive(Debug, Clone)]
pub struct Template {
    /// Split once into literal text and `{name}` values; `None` when a brace is left open (such
    /// a template renders nothing).
    parts: Option<Vec<TemplatePart>>,
}

#[derive(Debug, Clone)]
enum TemplatePart {
    Text(String),
    Value(String),
}

impl Template {
    pub fn new(template: String) -> Self {
        let mut parts = Vec::new();
        let mut rest = template.as_str();
        let mut closed = true;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(TemplatePart::Text(rest[..open].to_string()));
            }
            let Some(close) = rest[open..].find('}').map(|c| c + open) else {
                closed = false;
                break;
            };
            parts.push(TemplatePart::Value(rest[open + 1..close].to_string()));
            rest = &rest[close + 1..];
        }
        if closed && !rest.is_empty() {
            parts.push(TemplatePart::Text(rest.to_string()));
        }
        Template { parts: closed.then_some(parts) }
    }

    /// The template with each `{name}` written by `value(name, out)`, which appends the value to
    /// `out` or returns `None` when it has none (then the template renders nothing).
    pub fn render(&self, value: &dyn Fn(&str, &mut String) -> Option<()>) -> Option<String> {
        // Room for a key such as `US1-AS12` or `1.2.3` without growing.
        let mut out = String::with_capacity(16);
        for part in self.parts.as_ref()? {
            match part {
                TemplatePart::Text(text) => out.push_str(text),
                TemplatePart::Value(name) => value(name, &mut out)?,
            }
        }
        Some(out)
    }

    /// The template with each `{name}` taken from the capture group of that name.
    pub fn render_captures(&self, captures: &regex::Captures) -> Option<String> {
        self.render(&|name, out| {
            out.push_str(captures.name(name)?.as_str());
            Some(())
        })
    }
}

#[derive(Debug)]
pub struct ClauseRule {
    pub kind: super::ClauseKind,
    pub namespace: NamespaceId,
    pub pattern: Regex,
    /// The pattern ended in `(?P<title>.*)$`, which always matches the rest of the line: it is
    /// left out of `pattern` and the title is the rest of the line after the match, so captures
    /// run over the key, not the whole line (the backtracking engine's cost grows with the span).
    pub title_rest: bool,
    /// The indices of the `id`, `key` and `n` groups, which say in that order where the key is
    /// written: found once, since a lookup by name walks the group names on every line.
    pub key_groups: [Option<usize>; 3],
    /// The index of the `title` group, found once for the same reason.
    pub title_group: Option<usize>,
    pub id: Option<Template>,
    pub under: Option<Regex>,
    pub parent: Option<String>,
    pub ordinal: bool,
    pub top_level: bool,
    pub global: bool,
}

/// A clause pattern without a trailing `(?P<title>.*)$`, when that suffix can be taken off without
/// changing what matches: it is not escaped and not inside an alternation or a group. `.*$`
/// matches whatever follows, so the greedy prefix ends where it ends in the whole pattern.
fn split_title_rest(pattern: &str) -> (&str, bool) {
    const REST: &str = "(?P<title>.*)$";
    let Some(prefix) = pattern.strip_suffix(REST) else { return (pattern, false) };
    let (mut depth, mut class, mut escaped) = (0i32, false, false);
    for c in prefix.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '[' if !class => class = true,
            ']' if class => class = false,
            _ if class => {}
            '(' => depth += 1,
            ')' => depth -= 1,
            '|' if depth == 0 => return (pattern, false),
            _ => {}
        }
    }
    if escaped || class || depth != 0 { (pattern, false) } else { (prefix, true) }
}

/// Where a key pattern's `id`, `key`, `list` and `pin` groups are, found once when the grammar
/// compiles: a lookup by name hashes the name on every match.
#[derive(Clone, Copy, Debug, Default)]
pub struct Groups {
    id: Option<usize>,
    key: Option<usize>,
    list: Option<usize>,
    pin: Option<usize>,
    /// Every match is exactly the `id` group (`\b(?P<id>T\d{3,})\b`): the matches are the keys,
    /// found by the DFA alone instead of a capture engine.
    id_is_match: bool,
}

impl Groups {
    pub fn of(pattern: &Regex) -> Groups {
        let at = |name: &str| pattern.capture_names().position(|group| group == Some(name));
        Groups {
            id: at("id"),
            key: at("key"),
            list: at("list"),
            pin: at("pin"),
            id_is_match: id_is_match(pattern.as_str()),
        }
    }

    /// The feature folder a match names (`002-billing/FR-001`).
    pub fn pin<'h>(&self, caps: &regex::Captures<'h>) -> Option<regex::Match<'h>> {
        caps.get(self.pin?)
    }
}

/// Whether `pattern` is its `id` group between zero-width assertions only.
fn id_is_match(pattern: &str) -> bool {
    use regex_syntax::hir::{Hir, HirKind};
    let is_id = |hir: &Hir| matches!(hir.kind(), HirKind::Capture(c) if c.name.as_deref() == Some("id"));
    let Ok(hir) = regex_syntax::parse(pattern) else { return false };
    match hir.kind() {
        HirKind::Capture(_) => is_id(&hir),
        HirKind::Concat(parts) => {
            let mut consuming = parts.iter().filter(|part| !matches!(part.kind(), HirKind::Look(_)));
            consuming.next().is_some_and(is_id) && consuming.next().is_none()
        }
        _ => false,
    }
}

/// A regex with the longest literal every match of it contains, looked for first: a text
/// without that literal is passed over at memchr speed instead of running the regex engine
/// (which finds no literal to skip by when it does not start the pattern).
#[derive(Debug)]
pub struct Guarded {
    pub regex: Regex,
    needle: Option<memchr::memmem::Finder<'static>>,
}

impl Guarded {
    pub fn new(regex: Regex) -> Guarded {
        let needle = required_literal(regex.as_str()).map(|l| memchr::memmem::Finder::new(&l).into_owned());
        Guarded { regex, needle }
    }

    /// Whether `haystack` may hold a match (false only when it certainly holds none).
    pub fn may_match(&self, haystack: &str) -> bool {
        self.needle.as_ref().is_none_or(|n| n.find(haystack.as_bytes()).is_some())
    }

    pub fn captures<'h>(&self, haystack: &'h str) -> Option<regex::Captures<'h>> {
        if !self.may_match(haystack) {
            return None;
        }
        self.regex.captures(haystack)
    }
}

/// The longest literal (of at least two bytes) that every match of `pattern` contains: one in
/// the pattern's top-level sequence, inside groups that always match once.
fn required_literal(pattern: &str) -> Option<Vec<u8>> {
    use regex_syntax::hir::{Hir, HirKind};
    fn collect(hir: &Hir, out: &mut Vec<Vec<u8>>) {
        match hir.kind() {
            HirKind::Literal(literal) => out.push(literal.0.to_vec()),
            HirKind::Capture(capture) => collect(&capture.sub, out),
            HirKind::Concat(parts) => parts.iter().for_each(|part| collect(part, out)),
            HirKind::Repetition(repetition) if repetition.min >= 1 => collect(&repetition.sub, out),
            _ => {}
        }
    }
    let hir = regex_syntax::parse(pattern).ok()?;
    let mut literals = Vec::new();
    collect(&hir, &mut literals);
    literals.into_iter().filter(|l| l.len() >= 2).max_by_key(Vec::len)
}

/// Literals of which every match of `pattern` holds one, each at least two bytes long, at most
/// 64 of them: the prefixes of the matches of some tail of the pattern's top-level sequence (a
/// match holds a match of each of its tails), with small classes expanded (`T[0-9]` gives `T0`
/// … `T9`) or not. Three bytes are selective enough: past them, fewer literals are better.
/// `None` when no tail has such a set (a pattern that may start with any letter).
pub(crate) fn required_literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    use regex_syntax::hir::{Hir, HirKind};
    let mut hir = regex_syntax::parse(pattern).ok()?;
    while let HirKind::Capture(capture) = hir.kind() {
        hir = (*capture.sub).clone();
    }
    let parts = match hir.kind() {
        HirKind::Concat(parts) => parts.clone(),
        _ => vec![hir],
    };
    let tails = (0..parts.len()).map(|i| Hir::concat(parts[i..].to_vec()));
    tails
        .flat_map(|tail| {
            [1, 10].map(|class| {
                let mut extractor = Extractor::new();
                extractor.kind(ExtractKind::Prefix).limit_class(class).limit_total(64);
                let seq = extractor.extract(&tail);
                let literals: Vec<Vec<u8>> = seq.literals()?.iter().map(|l| l.as_bytes().to_vec()).collect();
                let shortest = literals.iter().map(Vec::len).min()?;
                (shortest >= 2 && literals.len() <= 64).then_some((shortest.min(3), literals))
            })
        })
        .flatten()
        .max_by_key(|(shortest, literals)| (*shortest, std::cmp::Reverse(literals.len())))
        .map(|(_, literals)| literals)
}

/// A piece of `pattern` that every match holds: the part of its top-level sequence with the
/// longest shortest match (`[0-9]{3}` in `(?i)(?:\b|_)t(?P<n>[0-9]{3,})`), written as a pattern;
/// `None` when no part is at least two characters long.
pub(crate) fn required_piece(pattern: &str) -> Option<String> {
    use regex_syntax::hir::{Hir, HirKind};
    fn unwrap(mut hir: &Hir) -> &Hir {
        while let HirKind::Capture(capture) = hir.kind() {
            hir = &capture.sub;
        }
        hir
    }
    let hir = regex_syntax::parse(pattern).ok()?;
    let parts = match unwrap(&hir).kind() {
        HirKind::Concat(parts) => parts.iter().map(unwrap).collect(),
        _ => vec![unwrap(&hir)],
    };
    let (shortest, piece) =
        parts.into_iter().filter_map(|p| Some((p.properties().minimum_len()?, p))).max_by_key(|(n, _)| *n)?;
    (shortest >= 2).then(|| piece.to_string())
}

/// One key a pattern found: the key, its range in the haystack, and the pin its match names.
pub struct KeyMatch<'h> {
    /// The text matched where the key is written as it is, else the key rendered.
    pub key: std::borrow::Cow<'h, str>,
    pub range: std::ops::Range<usize>,
    pub pin: Option<regex::Match<'h>>,
}

/// Every key `pattern` names in `haystack`, in match order: [`keys_of`] of each match, or the
/// matches themselves when the id is the whole match and no template renders it.
pub fn keys_in<'h>(
    pattern: &Regex,
    groups: Groups,
    item: Option<&Regex>,
    id: Option<&Template>,
    haystack: &'h str,
    mut found: impl FnMut(KeyMatch<'h>),
) {
    if groups.id_is_match && id.is_none() {
        for m in pattern.find_iter(haystack) {
            found(KeyMatch { key: m.as_str().into(), range: m.range(), pin: None });
        }
        return;
    }
    for caps in pattern.captures_iter(haystack) {
        let pin = groups.pin(&caps);
        let group = |i: usize| caps.get(i).map(|m| m.range());
        keys_of(pattern, haystack, &group, groups, item, id, &mut |key, range| {
            let key = key.map_or_else(|| haystack[range.clone()].into(), Into::into);
            found(KeyMatch { key, range, pin })
        });
    }
}

/// The keys a reference pattern's match names, with their ranges in `haystack`: each item of a
/// `list` group (split by `item`), or the `id` group (or the `id` template rendered from the
/// groups), written at `id`, else `key`, else the whole match. `group` gives a group's range by
/// index (0: the whole match), from captures or from reused capture locations. A key is `None`
/// when it is the text at its range: the caller copies it once, where it keeps it.
fn keys_of(
    pattern: &Regex,
    haystack: &str,
    group: &dyn Fn(usize) -> Option<std::ops::Range<usize>>,
    groups: Groups,
    item: Option<&Regex>,
    id: Option<&Template>,
    found: &mut dyn FnMut(Option<String>, std::ops::Range<usize>),
) {
    let at = |index: Option<usize>| index.and_then(group);
    if let (Some(list), Some(item)) = (at(groups.list), item) {
        for m in item.find_iter(&haystack[list.clone()]) {
            found(None, list.start + m.start()..list.start + m.end());
        }
        return;
    }
    let Some(span) = at(groups.id).or_else(|| at(groups.key)).or_else(|| group(0)) else { return };
    match id {
        Some(t) => {
            let key = t.render(&|name, out| {
                let index = pattern.capture_names().position(|n| n == Some(name))?;
                out.push_str(&haystack[group(index)?]);
                Some(())
            });
            if let Some(key) = key {
                found(Some(key), span);
            }
        }
        // The span is the `id` group's when it took part.
        None if at(groups.id).is_some() => found(None, span),
        None => {}
    }
}

#[derive(Debug)]
pub struct ReferenceRule {
    pub namespace: NamespaceId,
    pub pattern: Regex,
    pub groups: Groups,
    pub item: Option<Regex>,
    pub id: Option<Template>,
    /// See [`searches_across_lines`].
    pub across_lines: bool,
}

impl ReferenceRule {
    /// The first match at or after `at` in `haystack`, with the keys it names (ranges in
    /// `haystack`) pushed to `keys`, `None` for a key that is the text at its range (see
    /// [`keys_of`]). `locations` are the pattern's, reused from match to match.
    pub fn match_at(
        &self,
        haystack: &str,
        at: usize,
        locations: &mut regex::CaptureLocations,
        keys: &mut Vec<(Option<String>, std::ops::Range<usize>)>,
    ) -> Option<std::ops::Range<usize>> {
        if self.groups.id_is_match && self.id.is_none() {
            let m = self.pattern.find_at(haystack, at)?;
            keys.push((None, m.range()));
            return Some(m.range());
        }
        let m = self.pattern.captures_read_at(locations, haystack, at)?;
        let group = |i: usize| locations.get(i).map(|(start, end)| start..end);
        keys_of(
            &self.pattern,
            haystack,
            &group,
            self.groups,
            self.item.as_ref(),
            self.id.as_ref(),
            &mut |key, range| keys.push((key, range)),
        );
        Some(m.range())
    }
}

#[derive(Debug)]
pub struct MarkerRule {
    pub kind: Arc<str>,
    pub pattern: Regex,
    /// See [`searches_across_lines`].
    pub across_lines: bool,
}

/// Whether one search of `pattern` over many lines finds, on each line, the matches a search of
/// that line alone finds, wherever no match crosses the line's end: the pattern asserts nothing
/// but word boundaries (a line break, like a line's edges, is not a word character) and never
/// matches the empty string. Lines where a match does cross are searched alone.
pub(crate) fn searches_across_lines(pattern: &str) -> bool {
    regex_syntax::parse(pattern).is_ok_and(|hir| {
        let properties = hir.properties();
        !properties.look_set().contains_anchor() && properties.minimum_len().is_some_and(|n| n > 0)
    })
}

/// Words with a meaning of their own inside some clauses, such as EARS's WHEN and SHALL in a
/// Kiro criterion: highlighted, never parsed.
#[derive(Debug)]
pub struct KeywordRule {
    /// The clause kinds whose text holds the keywords.
    pub clauses: Vec<String>,
    /// The words, whole and as written.
    pub pattern: Regex,
}

/// Where a new clause starts and how its key is numbered: completion offers the next free key.
#[derive(Debug)]
pub struct NextIdRule {
    pub namespace: NamespaceId,
    /// The line up to the cursor, anchored at its end; its `typed` group is what the key replaces.
    pub line: Regex,
    /// The key, from `{n}` (the number) and `{parent}` (the key of the enclosing, less indented
    /// clause of the namespace above, when the line is indented): `FR-{n}`, `{parent}.{n}`.
    pub key: String,
    /// Digits `{n}` is padded to.
    pub width: usize,
    /// What is written: snippet text where `{key}` is the key.
    pub insert: String,
}

/// A completion offered where the line up to the cursor matches: a marker, keyword, label or
/// skeleton, or one item per key of a namespace.
#[derive(Debug)]
pub struct SnippetRule {
    /// The line up to the cursor, anchored at its end; its `typed` group is what the item replaces
    /// (the cursor alone without one).
    pub line: Regex,
    /// Offered only inside a section whose title matches.
    pub under: Option<Regex>,
    /// Not offered when the whole line matches (a label it already has).
    pub unless: Option<Regex>,
    /// One item per key of this namespace in the document's scope, `{key}` and `{title}` filled.
    pub each: Option<NamespaceId>,
    /// Where `each` takes its keys: `scope` (the document's feature), or `main-spec` (the spec an
    /// OpenSpec delta changes).
    pub source: KeySource,
    /// Offered inside masked text too (front matter).
    pub masked: bool,
    pub label: String,
    pub insert: String,
    pub detail: Option<String>,
    pub documentation: Option<String>,
    pub item: ItemKind,
}

/// Where a snippet rule's `each` keys come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum KeySource {
    #[default]
    Scope,
    MainSpec,
}

/// What a completion item is, for the editor's icon.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ItemKind {
    #[default]
    Snippet,
    Keyword,
    Value,
    Reference,
}

/// All formats, compiled.
#[derive(Debug)]
pub struct Grammar {
    pub kinds: Vec<Kind>,
    pub namespaces: Vec<Namespace>,
    pub clause_rules: Vec<ClauseRule>,
    pub reference_rules: Vec<ReferenceRule>,
    pub marker_rules: Vec<MarkerRule>,
    pub keyword_rules: Vec<KeywordRule>,
    pub next_id_rules: Vec<NextIdRule>,
    pub snippet_rules: Vec<SnippetRule>,
    /// The kind of Markdown files that match no format.
    pub generic: KindId,
    /// The kind of source and test files.
    pub code_kind: KindId,
    /// How source and test files are read (`grammar/code.toml`).
    pub code: super::code::CodeGrammar,
    /// Every kind's path globs as one set, so a path is matched once rather than once per glob.
    kind_paths: GlobSet,
    /// The kind of each glob of [`Grammar::kind_paths`].
    glob_kinds: Vec<KindId>,
}

// ------------------------------------------------------------------ TOML shapes

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FormatFile {
    format: FormatMeta,
    #[serde(default)]
    kinds: Vec<KindDef>,
    #[serde(default)]
    namespaces: Vec<NamespaceDef>,
    #[serde(default)]
    clauses: Vec<ClauseDef>,
    #[serde(default)]
    references: Vec<ReferenceDef>,
    #[serde(default)]
    markers: Vec<MarkerDef>,
    #[serde(default)]
    keywords: Vec<KeywordDef>,
    #[serde(default)]
    next_ids: Vec<NextIdDef>,
    #[serde(default)]
    snippets: Vec<SnippetDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FormatMeta {
    name: String,
    #[allow(dead_code, reason = "documents the format in the TOML file")]
    label: String,
    order: i32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KindDef {
    id: String,
    label: String,
    #[serde(default = "yes")]
    lint: bool,
    #[serde(default)]
    paths: Vec<String>,
    scope: Option<String>,
    first_heading: Option<String>,
    requires_heading: Option<String>,
    min_sections: Option<usize>,
    #[serde(default)]
    sections: Vec<SectionDef>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SectionDef {
    title: String,
    level: u8,
    #[serde(default)]
    required: bool,
    #[serde(rename = "match")]
    matcher: Option<String>,
    heading: Option<String>,
    skeleton: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NamespaceDef {
    id: String,
    label: String,
    #[serde(default)]
    unique: Uniqueness,
    #[serde(default)]
    resolve: Resolution,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClauseDef {
    kind: String,
    namespace: String,
    doc_kinds: Vec<String>,
    pattern: String,
    id: Option<String>,
    under: Option<String>,
    parent: Option<String>,
    #[serde(default)]
    ordinal: bool,
    #[serde(default)]
    top_level: bool,
    #[serde(default)]
    global: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReferenceDef {
    namespace: String,
    #[serde(default)]
    doc_kinds: Vec<String>,
    pattern: String,
    item: Option<String>,
    id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MarkerDef {
    kind: String,
    doc_kinds: Vec<String>,
    pattern: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeywordDef {
    doc_kinds: Vec<String>,
    clauses: Vec<String>,
    words: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NextIdDef {
    doc_kinds: Vec<String>,
    namespace: String,
    line: String,
    key: String,
    #[serde(default)]
    width: usize,
    insert: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SnippetDef {
    doc_kinds: Vec<String>,
    line: String,
    under: Option<String>,
    unless: Option<String>,
    each: Option<String>,
    #[serde(default)]
    source: KeySource,
    #[serde(default)]
    masked: bool,
    label: String,
    insert: Option<String>,
    detail: Option<String>,
    documentation: Option<String>,
    #[serde(default)]
    kind: ItemKind,
}

// ------------------------------------------------------------------ user formats

/// A format in the schema of `grammar/formats/*.toml`, parsed but not compiled: the formats a
/// project adds in its configuration (`formats = [...]` in specls.toml).
pub struct FormatSource {
    name: String,
    file: FormatFile,
}

impl FormatSource {
    /// Parse a format file. An error's span is a byte range of `text`.
    pub fn parse(name: &str, text: &str) -> Result<FormatSource, toml::de::Error> {
        Ok(FormatSource { name: name.to_string(), file: toml::from_str(text)? })
    }

    /// A format written inline in another TOML document; an error's span is a byte range of that
    /// document.
    pub fn from_value(
        name: &str,
        value: toml::Spanned<toml::de::DeValue<'_>>,
    ) -> Result<FormatSource, toml::de::Error> {
        let file = FormatFile::deserialize(toml::de::ValueDeserializer::from(value))?;
        Ok(FormatSource { name: name.to_string(), file })
    }

    /// Where the format came from (a path or a description), for messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The format's own name (`[format] name`).
    pub fn format_name(&self) -> &str {
        &self.file.format.name
    }
}

impl std::fmt::Debug for FormatSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FormatSource").field("name", &self.name).field("format", &self.file.format.name).finish()
    }
}

// ------------------------------------------------------------------ loading

impl Grammar {
    /// The formats shipped with specls.
    pub fn builtin() -> Arc<Grammar> {
        static BUILTIN_GRAMMAR: OnceLock<Arc<Grammar>> = OnceLock::new();
        BUILTIN_GRAMMAR
            .get_or_init(|| Arc::new(Grammar::from_sources(BUILTIN).expect("the built-in grammar/ files are valid")))
            .clone()
    }

    /// Compile format files given as `(name, toml text)`.
    pub fn from_sources(sources: &[(&str, &str)]) -> Result<Grammar> {
        let files = parse_sources(sources)?;
        Grammar::compile(files.iter().collect())
    }

    /// The built-in formats and `extra` ones, compiled together: an extra format may declare
    /// kinds and namespaces of its own, and attach clauses, references and markers to built-in
    /// kinds and namespaces. Formats are ordered by `[format] order` (built-in ones first on a tie).
    pub fn with_formats(extra: &[&FormatSource]) -> Result<Grammar> {
        static BUILTIN_FILES: OnceLock<Vec<FormatFile>> = OnceLock::new();
        let builtin =
            BUILTIN_FILES.get_or_init(|| parse_sources(BUILTIN).expect("the built-in grammar/ files are valid"));
        let mut files: Vec<&FormatFile> = builtin.iter().collect();
        for source in extra {
            files.push(&source.file);
        }
        // Formats are added one at a time by the configuration loader: name the newest.
        Grammar::compile(files).with_context(|| match extra.last() {
            Some(last) => format!("format `{}`", last.file.format.name),
            None => "built-in formats".to_string(),
        })
    }

    fn compile(mut files: Vec<&FormatFile>) -> Result<Grammar> {
        files.sort_by_key(|f| f.format.order);

        let mut namespaces = Vec::new();
        let mut namespace_ids: HashMap<String, NamespaceId> = HashMap::new();
        for file in &files {
            for ns in &file.namespaces {
                if namespace_ids.contains_key(&ns.id) {
                    bail!("namespace {} is declared twice", ns.id);
                }
                namespace_ids.insert(ns.id.clone(), NamespaceId(namespaces.len() as u16));
                namespaces.push(Namespace {
                    id: ns.id.clone(),
                    label: ns.label.clone(),
                    unique: ns.unique,
                    resolve: ns.resolve,
                });
            }
        }
        let namespace =
            |name: &str| namespace_ids.get(name).copied().with_context(|| format!("unknown namespace {name}"));
        let mut grammar = Grammar {
            kinds: Vec::new(),
            namespaces,
            clause_rules: Vec::new(),
            reference_rules: Vec::new(),
            marker_rules: Vec::new(),
            keyword_rules: Vec::new(),
            next_id_rules: Vec::new(),
            snippet_rules: Vec::new(),
            generic: KindId(0),
            code_kind: KindId(0),
            code: super::code::CodeGrammar::compile(super::code::BUILTIN, &namespace)?,
            kind_paths: GlobSet::empty(),
            glob_kinds: Vec::new(),
        };

        let mut kind_paths = GlobSetBuilder::new();
        for file in &files {
            for kind in &file.kinds {
                if kind.id == "markdown" || kind.id == "code" || grammar.kinds.iter().any(|k| k.id == kind.id) {
                    bail!("document kind {} is declared twice", kind.id);
                }
                let id = KindId(grammar.kinds.len() as u16);
                let (compiled, globs) = compile_kind(kind, &file.format.name)?;
                grammar.kinds.push(compiled);
                for glob in globs {
                    kind_paths.add(glob);
                    grammar.glob_kinds.push(id);
                }
            }
        }
        grammar.kind_paths = kind_paths.build().context("the kinds' path globs")?;
        grammar.generic = KindId(grammar.kinds.len() as u16);
        grammar.kinds.push(Kind::implicit("markdown", "Markdown", true));
        grammar.code_kind = KindId(grammar.kinds.len() as u16);
        grammar.kinds.push(Kind::implicit("code", "Source file", false));

        for file in &files {
            for def in &file.clauses {
                let index = grammar.clause_rules.len();
                let (pattern, title_rest) = split_title_rest(&def.pattern);
                let pattern = regex(pattern)?;
                let group = |name: &str| pattern.capture_names().position(|group| group == Some(name));
                grammar.clause_rules.push(ClauseRule {
                    kind: super::ClauseKind::new(&def.kind),
                    namespace: namespace(&def.namespace)?,
                    key_groups: [group("id"), group("key"), group("n")],
                    title_group: group("title"),
                    pattern,
                    title_rest,
                    id: def.id.clone().map(Template::new),
                    under: def.under.as_deref().map(regex).transpose()?,
                    parent: def.parent.clone(),
                    ordinal: def.ordinal,
                    top_level: def.top_level,
                    global: def.global,
                });
                grammar.attach(&def.doc_kinds, |k| &mut k.clause_rules, index)?;
            }
            for def in &file.references {
                let index = grammar.reference_rules.len();
                let pattern = regex(&def.pattern)?;
                grammar.reference_rules.push(ReferenceRule {
                    namespace: namespace(&def.namespace)?,
                    groups: Groups::of(&pattern),
                    across_lines: searches_across_lines(pattern.as_str()),
                    pattern,
                    item: def.item.as_deref().map(regex).transpose()?,
                    id: def.id.clone().map(Template::new),
                });
                let kinds = if def.doc_kinds.is_empty() { vec!["*".to_string()] } else { def.doc_kinds.clone() };
                grammar.attach(&kinds, |k| &mut k.reference_rules, index)?;
            }
            for def in &file.markers {
                let index = grammar.marker_rules.len();
                let pattern = regex(&def.pattern)?;
                let across_lines = searches_across_lines(pattern.as_str());
                grammar.marker_rules.push(MarkerRule { kind: Arc::from(def.kind.as_str()), pattern, across_lines });
                grammar.attach(&def.doc_kinds, |k| &mut k.marker_rules, index)?;
            }
            for def in &file.keywords {
                if def.words.is_empty() || def.words.iter().any(String::is_empty) {
                    bail!("a keywords rule needs words, none of them empty");
                }
                let index = grammar.keyword_rules.len();
                let words: Vec<String> = def.words.iter().map(|w| regex::escape(w)).collect();
                grammar.keyword_rules.push(KeywordRule {
                    clauses: def.clauses.clone(),
                    pattern: regex(&format!(r"\b(?:{})\b", words.join("|")))?,
                });
                grammar.attach(&def.doc_kinds, |k| &mut k.keyword_rules, index)?;
            }
            for def in &file.next_ids {
                if !def.key.contains("{n}") {
                    bail!("next_ids key {} has no {{n}}", def.key);
                }
                let index = grammar.next_id_rules.len();
                grammar.next_id_rules.push(NextIdRule {
                    namespace: namespace(&def.namespace)?,
                    line: regex(&def.line)?,
                    key: def.key.clone(),
                    width: def.width,
                    insert: def.insert.clone().unwrap_or_else(|| "{key}".into()),
                });
                grammar.attach(&def.doc_kinds, |k| &mut k.next_id_rules, index)?;
            }
            for def in &file.snippets {
                let index = grammar.snippet_rules.len();
                grammar.snippet_rules.push(SnippetRule {
                    line: regex(&def.line)?,
                    under: def.under.as_deref().map(regex).transpose()?,
                    unless: def.unless.as_deref().map(regex).transpose()?,
                    each: def.each.as_deref().map(&namespace).transpose()?,
                    source: def.source,
                    masked: def.masked,
                    insert: def.insert.clone().unwrap_or_else(|| def.label.clone()),
                    label: def.label.clone(),
                    detail: def.detail.clone(),
                    documentation: def.documentation.clone(),
                    item: def.kind,
                });
                grammar.attach(&def.doc_kinds, |k| &mut k.snippet_rules, index)?;
            }
        }
        for kind in &mut grammar.kinds {
            let patterns: Vec<&str> =
                kind.clause_rules.iter().map(|&i| grammar.clause_rules[i].pattern.as_str()).collect();
            if !patterns.is_empty() {
                let set =
                    ClauseSet::new(&patterns).with_context(|| format!("the clause patterns of kind {}", kind.id))?;
                kind.clause_set = Some(set);
            }
        }
        Ok(grammar)
    }

    /// Add rule `index` to every kind named by `selectors` (`speckit.spec`, `speckit.*`, `*`).
    fn attach(
        &mut self,
        selectors: &[String],
        list: impl Fn(&mut Kind) -> &mut Vec<usize>,
        index: usize,
    ) -> Result<()> {
        for selector in selectors {
            let mut found = false;
            for kind in &mut self.kinds {
                let hit = match selector.strip_suffix('*') {
                    Some(prefix) => kind.id.starts_with(prefix),
                    None => kind.id == *selector,
                };
                if hit {
                    list(kind).push(index);
                    found = true;
                }
            }
            if !found {
                bail!("rule names unknown document kind {selector}");
            }
        }
        Ok(())
    }

    pub fn kind(&self, id: KindId) -> &Kind {
        &self.kinds[id.0 as usize]
    }

    pub fn namespace(&self, id: NamespaceId) -> &Namespace {
        &self.namespaces[id.0 as usize]
    }

    pub fn kind_by_name(&self, name: &str) -> Option<KindId> {
        self.kinds.iter().position(|k| k.id == name).map(|i| KindId(i as u16))
    }

    /// The kind a path names, before looking at content (the first format, by order, wins).
    pub fn kind_for_path(&self, relative: &str) -> Option<KindId> {
        self.kinds_at_path(relative).into_iter().find(|&k| self.kind(k).requires_heading.is_none())
    }

    /// The kinds whose path globs match `relative` (workspace-relative, `/` separators), in order.
    pub fn kinds_at_path(&self, relative: &str) -> Vec<KindId> {
        let mut kinds: Vec<KindId> =
            self.kind_paths.matches(relative).into_iter().map(|g| self.glob_kinds[g]).collect();
        kinds.sort_unstable_by_key(|k| k.0);
        kinds.dedup();
        kinds
    }
}

fn parse_sources(sources: &[(&str, &str)]) -> Result<Vec<FormatFile>> {
    sources
        .iter()
        .map(|(name, text)| toml::from_str::<FormatFile>(text).with_context(|| format!("grammar file {name}")))
        .collect()
}

/// The kind `def` declares, and its path globs.
fn compile_kind(def: &KindDef, format: &str) -> Result<(Kind, Vec<Glob>)> {
    // `*` stays within one path segment, so `**/specs/*` names the feature folder and never
    // `specs/<feature>/checklists`.
    let glob = |pattern: &str| -> Result<Glob> {
        GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .with_context(|| format!("glob {pattern} of kind {}", def.id))
    };
    let paths = def.paths.iter().map(|p| glob(p)).collect::<Result<_>>()?;
    let kind = Kind {
        id: def.id.clone(),
        label: def.label.clone(),
        format: format.to_string(),
        lint: def.lint,
        scope: def.scope.as_deref().map(|p| glob(p).map(|g| g.compile_matcher())).transpose()?,
        first_heading: def.first_heading.as_deref().map(regex).transpose()?,
        requires_heading: def.requires_heading.as_deref().map(regex).transpose()?,
        min_sections: def.min_sections,
        sections: def
            .sections
            .iter()
            .map(|s| {
                Ok(Section {
                    title: s.title.clone(),
                    level: s.level,
                    required: s.required,
                    matcher: s.matcher.as_deref().map(regex).transpose()?,
                    heading: s.heading.clone(),
                    skeleton: s.skeleton.clone(),
                })
            })
            .collect::<Result<_>>()?,
        clause_rules: Vec::new(),
        reference_rules: Vec::new(),
        marker_rules: Vec::new(),
        keyword_rules: Vec::new(),
        next_id_rules: Vec::new(),
        snippet_rules: Vec::new(),
        clause_set: None,
    };
    Ok((kind, paths))
}

fn regex(pattern: &str) -> Result<Regex> {
    regex::RegexBuilder::new(pattern).size_limit(1 << 20).build().with_context(|| format!("pattern {pattern}"))
}

/// Verifies specs/001-core-engine/spec.md FR-006.
#[cfg(test)]
mod tests {
    use super::*;

    /// Requirements, success criteria and tasks are most of a spec's clause lines: their patterns,
    /// without the rest-of-line title, must stay one-pass so that their captures run on the
    /// one-pass engine instead of the backtracking one.
    #[test]
    fn the_busiest_clause_patterns_are_one_pass() {
        let grammar = Grammar::builtin();
        let busiest = ["requirement", "success-criterion", "task"];
        let mut checked = 0;
        for rule in grammar.clause_rules.iter().filter(|r| busiest.contains(&r.kind.as_str()) && r.title_rest) {
            let pattern = rule.pattern.as_str();
            // List items; a task written without a list marker is rare.
            if pattern.starts_with(r"^[ \t]*[-*]") {
                assert!(regex_automata::dfa::onepass::DFA::new(pattern).is_ok(), "not one-pass: {pattern}");
                checked += 1;
            }
        }
        assert!(checked >= 4, "{checked}");
    }

    /// Only literals every match holds guard a pattern: none behind an alternation, an optional
    /// group or a case-insensitive flag.
    #[test]
    fn required_literals_are_found_in_some_tail_of_the_pattern() {
        let literals = |p: &str| {
            required_literals(p).map(|ls| ls.into_iter().map(|l| String::from_utf8(l).unwrap()).collect::<Vec<_>>())
        };
        let keys = literals(r"(?:\b(?P<pin>\d{3}-[\w.-]+)/)?\b(?P<id>(?:FR|NFR|SC)-\d+[a-z]?)\b").unwrap();
        assert!(keys.iter().all(|l| ["FR-", "NFR-", "SC-"].iter().any(|p| l.starts_with(p))), "{keys:?}");
        let words = literals(r"\b(?:Constitution|Principle|Article)\s+(?P<id>[IVXLCDM]+)\b").unwrap();
        assert!(["Constitution", "Principle", "Article"].iter().all(|w| words.iter().any(|l| l.starts_with(w))));
        assert_eq!(literals(r"(?i)\b\w+ed\b"), Some(vec!["ED".into(), "Ed".into(), "eD".into(), "ed".into()]));
        assert_eq!(literals(r"\b\w+\b"), None);
        assert_eq!(literals(r"\bT[0-9]"), Some((0..10).map(|d| format!("T{d}")).collect()));
        assert_eq!(literals(r"\bCHK[0-9]"), Some(vec!["CHK".into()]));
        let piece = required_piece(r"(?i)(?:\b|_)(?P<prefix>t)(?P<n>[0-9]{3,})(?:_|\b)").unwrap();
        assert!(Regex::new(&piece).unwrap().is_match("412") && !Regex::new(&piece).unwrap().is_match("t41"), "{piece}");
        assert_eq!(required_piece(r"\b\w+\b"), None);
    }

    #[test]
    fn the_required_literal_is_in_every_match() {
        let literal = |p: &str| required_literal(p).map(|l| String::from_utf8(l).unwrap());
        assert_eq!(literal(r"(?P<path>(?:[\w.-]+/)*specs/(?P<pin>[\w.-]+)/[\w./-]*[\w/])").as_deref(), Some("specs/"));
        assert_eq!(literal(r"\bFeature:\s*(?P<pin>[\w.-]+)").as_deref(), Some("Feature:"));
        assert_eq!(literal(r"(?:ab)?cd(?:xyz)+").as_deref(), Some("xyz"));
        assert_eq!(literal(r"(?i)verifies:"), None);
        assert_eq!(literal(r"abc|abd"), None);
        assert_eq!(literal(r"(?:abc)*d"), None);
    }

    #[test]
    fn the_first_bytes_of_anchored_patterns_come_from_their_syntax() {
        let first = |patterns: &[&str]| {
            first_bytes(patterns).map(|f| (0..=255u8).filter(|&b| f[usize::from(b)]).collect::<Vec<u8>>())
        };
        assert_eq!(first(&[r"^#{2,4}\s", r"^(?:[-*][ \t]+)?T[0-9]"]), Some(b"#*-T".to_vec()));
        let spaced = first(&[r"^[ \t]*\|"]).unwrap();
        assert_eq!(spaced, vec![b'\t', b' ', b'|']);
        let unicode = first(&[r"^\s*x"]).unwrap();
        assert!(unicode.contains(&b'x') && unicode.contains(&0xe2) && !unicode.contains(&b'a'));
        assert_eq!(first(&[r"^[ \t]*$"]), None);
        assert_eq!(first(&[r"^(?:a|b?)c?"]), None);
    }

    /// Lines like a spec's, and random ones, for the clause-set gate.
    fn clause_lines() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let prefix = proptest::sample::select(vec![
            "", " ", "  ", "\t", "- ", "* ", "- [ ] ", "- [x] ", "1. ", "## ", "### ", "| ", "|", "**", "\u{a0}",
            "\u{1a}", "é",
        ]);
        let body = proptest::sample::select(vec![
            "",
            "**FR-001**: x",
            "FR-002 | y |",
            "T001 [P] [US1] z",
            "[P] T002 w",
            "User Story 1 - a (Priority: P1)",
            "US-2: b",
            "CHK001 - c",
            "I. Name",
            "**Given** g",
            "SC-003",
            "Phase 1",
            "plain text",
        ]);
        (prefix, body, "[ a-zA-Z0-9*|#\\[\\]:.-]{0,8}").prop_map(|(p, b, t)| format!("{p}{b}{t}"))
    }

    proptest::proptest! {
        /// The first-byte gate only saves work: every kind's clause set finds on a line what its
        /// search without the gate finds.
        /// Verifies specs/001-core-engine/spec.md FR-008.
        #[test]
        fn the_clause_set_gate_never_hides_a_match(line in clause_lines()) {
            let grammar = Grammar::builtin();
            for kind in &grammar.kinds {
                let Some(set) = &kind.clause_set else { continue };
                let mut gated = set.hits();
                set.matches(&line, &mut gated);
                let mut all = set.hits();
                let anchored = if set.anchored { regex_automata::Anchored::Yes } else { regex_automata::Anchored::No };
                set.set.which_overlapping_matches(&regex_automata::Input::new(&line).anchored(anchored), &mut all);
                proptest::prop_assert_eq!(gated.iter().collect::<Vec<_>>(), all.iter().collect::<Vec<_>>(), "{}", kind.id);
            }
        }

        /// A text the guard passes over holds no match: the guard only saves work.
        #[test]
        fn a_guard_never_hides_a_match(
            pattern in proptest::sample::select(vec![
                r"(?P<path>(?:[\w.-]+/)*specs/(?P<pin>[\w.-]+)/[\w./-]*[\w/])",
                r"\bFeature:\s*(?P<pin>[\w.-]+)",
                r"(?:ab)?cd(?:xyz)+",
            ]),
            haystack in "[a-z/.: ]{0,12}(specs/|Feature:|cdxyz|cd|spec)?[a-z0-9/. -]{0,12}",
        ) {
            let guarded = Guarded::new(Regex::new(pattern).unwrap());
            proptest::prop_assert_eq!(guarded.captures(&haystack).is_some(), guarded.regex.is_match(&haystack));
        }
    }

    /// A Unicode word boundary makes the DFA give up on any line with a non-ASCII byte (an em
    /// dash, an emoji) and hand it to a slower engine: every pattern run on every line uses ASCII
    /// boundaries, `(?-u:\b)`, which also find keys written against CJK text.
    #[test]
    fn line_patterns_use_ascii_word_boundaries() {
        let grammar = Grammar::builtin();
        let patterns = grammar
            .clause_rules
            .iter()
            .map(|r| &r.pattern)
            .chain(grammar.reference_rules.iter().flat_map(|r| std::iter::once(&r.pattern).chain(&r.item)))
            .chain(grammar.marker_rules.iter().map(|r| &r.pattern));
        for pattern in patterns {
            let hir = regex_syntax::parse(pattern.as_str()).unwrap();
            assert!(!hir.properties().look_set().contains_word_unicode(), "Unicode \\b in {}", pattern.as_str());
        }
    }

    /// Keys that are the whole match are found without captures; any other group keeps them.
    #[test]
    fn a_key_is_the_whole_match_only_when_nothing_but_assertions_surround_the_id() {
        for whole in [r"\b(?P<id>T\d{3,}[a-z]?)\b", r"(?P<id>FR-\d+)", r"(?-u:\b)(?P<id>AC-[0-9]+)$"] {
            assert!(id_is_match(whole), "{whole}");
        }
        for partial in [
            r"\bPrinciple\s+(?P<id>[IVXLCDM]+)\b",
            r"\[(?P<key>US-?(?P<n>\d+))\]",
            r"(?P<pin>\d{3}-[a-z-]+)/(?P<id>FR-\d+)",
            r"(?P<id>FR-\d+)|(?P<other>SC-\d+)",
            r"(?P<other>FR-\d+)",
        ] {
            assert!(!id_is_match(partial), "{partial}");
        }
        let grammar = Grammar::builtin();
        let rule = grammar.reference_rules.iter().find(|r| r.pattern.as_str().contains("(?P<id>T")).unwrap();
        let mut keys = Vec::new();
        keys_in(&rule.pattern, rule.groups, rule.item.as_ref(), rule.id.as_ref(), "T001 and T012a, not T01", |k| {
            keys.push((k.key.into_owned(), k.range))
        });
        assert_eq!(keys, vec![("T001".to_string(), 0..4), ("T012a".to_string(), 9..14)]);
    }

    #[test]
    fn a_trailing_rest_of_line_title_is_split_off_only_where_matching_is_unchanged() {
        assert_eq!(
            split_title_rest(r"^\s*[-*]\s+\*\*(?P<id>(?:FR|NFR)-\d+)\*\*\s*:?\s*(?P<title>.*)$"),
            (r"^\s*[-*]\s+\*\*(?P<id>(?:FR|NFR)-\d+)\*\*\s*:?\s*", true)
        );
        for kept in [
            r"a|b(?P<title>.*)$",
            r"(?:a(?P<title>.*)$)",
            r"a\(?P<title>.*)$",
            r"[(](?P<title>.+)$",
            r"x(?P<title>.+?)\s*$",
        ] {
            assert_eq!(split_title_rest(kept), (kept, false), "{kept}");
        }
        assert_eq!(split_title_rest(r"[|(]x(?P<title>.*)$"), (r"[|(]x", true));
    }

    #[test]
    fn builtin_grammar_compiles_and_orders_formats() {
        let g = Grammar::builtin();
        assert_eq!(g.kind(g.generic).id, "markdown");
        let delta = g.kind_for_path("openspec/changes/add-x/specs/auth/spec.md").unwrap();
        assert_eq!(g.kind(delta).id, "openspec.delta");
        let kiro = g.kind_for_path("app/.kiro/specs/login/tasks.md").unwrap();
        assert_eq!(g.kind(kiro).id, "kiro.tasks");
        let speckit = g.kind_for_path("specs/001-login/tasks.md").unwrap();
        assert_eq!(g.kind(speckit).id, "speckit.tasks");
        assert!(g.kind_for_path("README.md").is_none());
    }

    #[test]
    fn template_renders_named_values() {
        let t = Template::new("{parent}.{ordinal}".into());
        let out = t.render(&|name, out| {
            out.push_str(match name {
                "parent" => "3",
                "ordinal" => "2",
                _ => return None,
            });
            Some(())
        });
        assert_eq!(out.as_deref(), Some("3.2"));
        assert_eq!(Template::new("US{n}".into()).render(&|_, _| None), None);
        assert_eq!(Template::new("US{n".into()).render(&|_, _| Some(())), None);
        let captures = Regex::new(r"US(?P<n>\d+)").unwrap().captures("US7").unwrap();
        assert_eq!(Template::new("{n}-x".into()).render_captures(&captures).as_deref(), Some("7-x"));
    }

    const ADR: &str = r#"
[format]
name = "adr"
label = "Decision records"
order = 5

[[kinds]]
id = "adr.record"
label = "Decision record"
paths = ["docs/adr/*.md", "**/specs/*/spec.md"]

[[namespaces]]
id = "adr.decision"
label = "decision"

[[clauses]]
kind = "decision"
namespace = "adr.decision"
doc_kinds = ["adr.record"]
pattern = '^#\s+(?P<id>ADR-\d+)'

[[references]]
namespace = "speckit.requirement"
doc_kinds = ["adr.*"]
pattern = '\b(?P<id>FR-\d+)\b'
"#;

    #[test]
    fn user_formats_extend_the_builtin_ones() {
        let adr = FormatSource::parse("adr.toml", ADR).expect("parses");
        assert_eq!(adr.format_name(), "adr");
        let g = Grammar::with_formats(&[&adr]).expect("compiles");
        // Order 5 comes before every built-in format, so its paths win.
        assert_eq!(g.kind(g.kind_for_path("specs/001-a/spec.md").unwrap()).id, "adr.record");
        assert_eq!(g.kind(g.kind_for_path("docs/adr/1.md").unwrap()).id, "adr.record");
        let record = g.kind(g.kind_by_name("adr.record").unwrap());
        assert_eq!(record.clause_rules.len(), 1);
        // A reference rule of the user format resolves in a built-in namespace.
        let reference = &g.reference_rules[record.reference_rules[0]];
        assert_eq!(g.namespace(reference.namespace).id, "speckit.requirement");
        assert!(g.kind_by_name("speckit.spec").is_some(), "the built-in kinds remain");
    }

    #[test]
    fn user_formats_that_clash_or_do_not_compile_are_rejected_with_the_reason() {
        let clash = FormatSource::parse("x.toml", &ADR.replace("adr.record", "speckit.spec")).unwrap();
        let error = format!("{:#}", Grammar::with_formats(&[&clash]).unwrap_err());
        assert!(error.contains("document kind speckit.spec is declared twice"), "{error}");
        let bad_regex = FormatSource::parse("x.toml", &ADR.replace(r"(?P<id>ADR-\d+)", "(?P<id>ADR-")).unwrap();
        let error = format!("{:#}", Grammar::with_formats(&[&bad_regex]).unwrap_err());
        assert!(error.starts_with("format `adr`: pattern"), "{error}");
        let huge = FormatSource::parse("x.toml", &ADR.replace(r"ADR-\d+", r"ADR-\w{1000}\w{1000}")).unwrap();
        let error = format!("{:#}", Grammar::with_formats(&[&huge]).unwrap_err());
        assert!(error.contains("exceeds size limit"), "{error}");
        assert!(FormatSource::parse("x.toml", "[format]\nname = 1\n").is_err());
    }

    #[test]
    fn keywords_attach_to_kinds_and_need_words() {
        let g = Grammar::builtin();
        let requirements = g.kind(g.kind_by_name("kiro.requirements").unwrap());
        let rule = &g.keyword_rules[requirements.keyword_rules[0]];
        assert!(rule.clauses.contains(&"acceptance-criterion".to_string()));
        assert!(rule.pattern.is_match("WHEN x THEN THE y SHALL z") && !rule.pattern.is_match("WHENEVER"));
        let none = format!("{ADR}\n[[keywords]]\ndoc_kinds = ['adr.record']\nclauses = ['decision']\nwords = []\n");
        let error =
            format!("{:#}", Grammar::with_formats(&[&FormatSource::parse("x.toml", &none).unwrap()]).unwrap_err());
        assert!(error.contains("needs words"), "{error}");
    }

    #[test]
    fn unknown_keys_in_a_format_file_are_rejected() {
        let bad = "[format]\nname='x'\nlabel='x'\norder=1\nbogus=1\n";
        assert!(Grammar::from_sources(&[("bad.toml", bad)]).is_err());
    }
}
