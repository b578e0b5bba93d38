//! Completion: what may be written at a byte offset of a document. The missing sections of its
//! kind with their skeletons, the next free key where a clause starts, keys in scope where one is
//! cited, and the format's snippets (labels, markers, keywords, values). Everything format-specific
//! comes from the grammar; this module matches the line up to the cursor and fills templates.

use std::collections::HashMap;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::model::grammar::{ItemKind, KeySource, Kind, Resolution as Resolve, Section, Uniqueness};
use crate::model::{Clause, DocModel, NamespaceId};

use super::index::{IndexedDoc, WorkspaceIndex};
use super::rules::{agent_dependencies, openspec_main_spec};

/// Most keys listed at once; the list says it is incomplete, so the editor asks again as the
/// user types.
const MAX_KEYS: usize = 200;
/// Longest clause text resolve shows.
const MAX_LINES: usize = 30;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    Section,
    /// A key that exists, cited.
    Key,
    /// The next free key of a new clause.
    NextKey,
    Snippet,
    Keyword,
    Value,
}

/// What an item writes: snippet text (LSP snippet syntax) or plain text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Insert {
    Snippet(String),
    Text(String),
}

/// The clause an item names, for `completionItem/resolve` to describe.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolveKey {
    pub path: PathBuf,
    pub namespace: String,
    pub key: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    pub detail: Option<String>,
    pub documentation: Option<String>,
    pub insert: Insert,
    /// The bytes the item replaces: what was typed of it, on the cursor's line.
    pub replace: Range<usize>,
    pub sort: String,
    pub filter: String,
    pub data: Option<ResolveKey>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Completions {
    pub items: Vec<Completion>,
    /// More keys matched than were listed.
    pub incomplete: bool,
}

/// Where the cursor is: the line up to it, and what surrounds it.
struct Site<'a> {
    index: &'a WorkspaceIndex,
    doc: &'a IndexedDoc,
    kind: &'a Kind,
    offset: usize,
    line_start: usize,
    before: &'a str,
    line: &'a str,
    masked: bool,
}

/// The completions at a byte offset of a document (indexed, or modelled just for this request).
pub fn complete(index: &WorkspaceIndex, doc: &IndexedDoc, offset: usize) -> Completions {
    let text: &str = &doc.text;
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let grammar = &index.grammar;
    let site = Site {
        index,
        doc,
        kind: grammar.kind(doc.model.kind),
        offset,
        line_start,
        before: &text[line_start..offset],
        line: text[line_start..line_end].trim_end_matches('\r'),
        masked: masked(&doc.model, if offset > line_start { offset - 1 } else { line_start }),
    };
    let mut out = Completions::default();
    if doc.model.kind == grammar.code_kind {
        if grammar.code.comments(&doc.model.path, text).iter().any(|c| c.start < offset && offset <= c.end) {
            keys_by_prefix(&site, &mut out);
        }
        return out;
    }
    if !site.masked {
        sections(&site, &mut out.items);
    }
    let starts_clause = !site.masked && next_ids(&site, &mut out.items);
    snippets(&site, &mut out.items);
    if !site.masked && !starts_clause {
        keys_by_prefix(&site, &mut out);
    }
    out
}

fn masked(model: &DocModel, at: usize) -> bool {
    let i = model.masked.partition_point(|m| m.end <= at);
    model.masked.get(i).is_some_and(|m| m.start <= at)
}

// ------------------------------------------------------------------ sections

/// A heading position: an empty line, or one holding `#` marks and the start of a title.
fn heading_position(site: &Site) -> bool {
    let hashes = site.before.len() - site.before.trim_start_matches('#').len();
    match hashes {
        0 => site.line.trim().is_empty(),
        1..=6 => site.before[hashes..].is_empty() || site.before[hashes..].starts_with(' '),
        _ => false,
    }
}

fn sections(site: &Site, out: &mut Vec<Completion>) {
    if site.kind.sections.is_empty() || !heading_position(site) {
        return;
    }
    let model = &site.doc.model;
    let dependencies: Vec<String> =
        agent_dependencies(site.kind, site.doc).into_iter().map(|r| site.doc.text[r].to_string()).collect();
    let missing =
        site.kind.sections.iter().enumerate().filter(|(_, def)| {
            !model.sections.iter().any(|s| def.matches(&s.title) && !s.heading.contains(&site.offset))
        });
    for (order, def) in missing {
        let heading = section_heading(def);
        let snippet = section_snippet(def, &dependencies);
        let (group, detail) = if def.required { (0, "required section") } else { (1, "optional section") };
        out.push(Completion {
            documentation: Some(format!("```markdown\n{}\n```", plain(&snippet))),
            label: heading.clone(),
            kind: CompletionKind::Section,
            detail: Some(format!("{detail} of the {}", site.kind.label)),
            insert: Insert::Snippet(snippet),
            replace: site.line_start..site.offset,
            sort: format!("0{group}{order:03}"),
            filter: heading,
            data: None,
        });
    }
}

/// The heading line a section is written with.
fn section_heading(def: &Section) -> String {
    format!("{} {}", "#".repeat(def.level as usize), def.heading.as_deref().unwrap_or(&def.title))
}

/// A section's heading and skeleton as snippet text (placeholders numbered).
fn section_snippet(def: &Section, dependencies: &[String]) -> String {
    let mut snippet = escape(&section_heading(def));
    if let Some(skeleton) = &def.skeleton {
        snippet.push_str("\n\n");
        snippet.push_str(&per_dependency(skeleton.trim_matches('\n'), dependencies));
    }
    number_placeholders(&snippet)
}

/// A missing section of a document as plain text, its heading and skeleton with the
/// placeholders' text (code actions insert it where completion would offer the snippet).
pub fn section_text(index: &WorkspaceIndex, doc: &IndexedDoc, def: &Section) -> String {
    let kind = index.grammar.kind(doc.model.kind);
    let dependencies: Vec<String> =
        agent_dependencies(kind, doc).into_iter().map(|r| doc.text[r].to_string()).collect();
    plain(&section_snippet(def, &dependencies))
}

/// A skeleton with each `{dependency}` line written once per declared dependency (once with a
/// placeholder when none is declared).
fn per_dependency(skeleton: &str, dependencies: &[String]) -> String {
    let mut lines = Vec::new();
    for line in skeleton.split('\n') {
        if !line.contains("{dependency}") {
            lines.push(line.to_string());
        } else if dependencies.is_empty() {
            lines.push(line.replace("{dependency}", "${:dependency}"));
        } else {
            lines.extend(dependencies.iter().map(|d| line.replace("{dependency}", &escape(d))));
        }
    }
    lines.join("\n")
}

// ------------------------------------------------------------------ next free keys

/// Offers the next free key of each clause that may start here; whether any rule matched (a key
/// being defined is no citation, so existing keys are not offered then).
fn next_ids(site: &Site, out: &mut Vec<Completion>) -> bool {
    let grammar = &site.index.grammar;
    let mut matched = false;
    for &i in &site.kind.next_id_rules {
        let rule = &grammar.next_id_rules[i];
        let Some(caps) = rule.line.captures(site.before) else { continue };
        matched = true;
        let typed = caps.name("typed").map_or(site.before.len(), |m| m.start());
        let parent = if rule.key.contains("{parent}") {
            match parent_key(site, rule.namespace) {
                Some(parent) => parent,
                None => continue,
            }
        } else {
            String::new()
        };
        let template = rule.key.replace("{parent}", &parent);
        let (prefix, suffix) = template.split_once("{n}").expect("checked when the grammar is loaded");
        let highest = highest_key(site.index, site.doc, rule.namespace, prefix, suffix);
        let next = highest.as_ref().map_or(1, |(n, _)| n + 1);
        let key = format!("{prefix}{next:0width$}{suffix}", width = rule.width);
        let typed_text = &site.before[typed..];
        if !key.to_lowercase().starts_with(&typed_text.to_lowercase()) {
            continue;
        }
        let label = &grammar.namespace(rule.namespace).label;
        out.push(Completion {
            label: key.clone(),
            kind: CompletionKind::NextKey,
            detail: Some(format!("next free {label}")),
            documentation: Some(match &highest {
                Some((_, id)) => format!("The highest {label} here is `{id}`; gaps are not reused."),
                None => format!("The first {label} here."),
            }),
            insert: Insert::Snippet(number_placeholders(&rule.insert.replace("{key}", &escape(&key)))),
            replace: site.line_start + typed..site.offset,
            sort: format!("1{key}"),
            filter: key,
            data: None,
        });
    }
    matched
}

/// `FR-012` → 12 for prefix `FR-`; lettered keys (`T010a`) count as their number.
fn number_of(id: &str, prefix: &str, suffix: &str) -> Option<u64> {
    let rest = id.strip_prefix(prefix)?;
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let tail = rest[digits..].strip_suffix(suffix)?;
    (digits > 0 && tail.chars().all(|c| c.is_ascii_lowercase())).then(|| rest[..digits].parse().ok()).flatten()
}

/// The key of the clause an indented new item belongs to: the last clause of the namespace above
/// the cursor on a less indented line.
fn parent_key(site: &Site, namespace: NamespaceId) -> Option<String> {
    let text: &str = &site.doc.text;
    let indent = |at: usize| {
        let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        text[start..].len() - text[start..].trim_start().len()
    };
    let mine = indent(site.line_start);
    site.doc
        .model
        .clauses
        .iter()
        .rev()
        .filter(|c| c.namespace == namespace && c.id_range.start < site.line_start)
        .find(|c| indent(c.id_range.start) < mine)
        .map(|c| c.id.to_string())
}

/// The highest number a key of the namespace carries with this prefix and suffix where keys must
/// be unique for `doc`, with that key.
fn highest_key(
    index: &WorkspaceIndex,
    doc: &IndexedDoc,
    namespace: NamespaceId,
    prefix: &str,
    suffix: &str,
) -> Option<(u64, String)> {
    clauses_in_scope(index, doc, namespace)
        .filter_map(|c| number_of(&c.id, prefix, suffix).map(|n| (n, c.id.to_string())))
        .max()
}

/// The next free key of a namespace for a new top-level clause of `doc` (tasks, requirements),
/// numbered as completion numbers it: from the kind's `[[next_ids]]` rule for the namespace whose
/// template has the prefix of `like` (`SC-` rather than `FR-`), else its first rule without a
/// parent. None when the kind numbers no such keys.
pub fn next_free_key(
    index: &WorkspaceIndex,
    doc: &IndexedDoc,
    namespace: NamespaceId,
    like: Option<&str>,
) -> Option<String> {
    let grammar = &index.grammar;
    let rules: Vec<&crate::model::grammar::NextIdRule> = grammar
        .kind(doc.model.kind)
        .next_id_rules
        .iter()
        .map(|&i| &grammar.next_id_rules[i])
        .filter(|r| r.namespace == namespace && !r.key.contains("{parent}"))
        .collect();
    let prefix_of = |key: &str| key.split_once("{n}").map(|(p, s)| (p.to_string(), s.to_string()));
    let rule = rules
        .iter()
        .find(|r| like.is_some_and(|l| prefix_of(&r.key).is_some_and(|(p, s)| number_of(l, &p, &s).is_some())))
        .or(rules.first())?;
    let (prefix, suffix) = prefix_of(&rule.key)?;
    let next = highest_key(index, doc, namespace, &prefix, &suffix).map_or(1, |(n, _)| n + 1);
    Some(format!("{prefix}{next:0width$}{suffix}", width = rule.width))
}

/// The clauses of a namespace where its keys must be unique for this document: the document, or
/// its feature folder (the document alone when it has none).
fn clauses_in_scope<'s>(
    index: &'s WorkspaceIndex,
    doc: &'s IndexedDoc,
    namespace: NamespaceId,
) -> impl Iterator<Item = &'s Clause> + 's {
    let doc = &doc.model;
    let whole_scope = index.grammar.namespace(namespace).unique != Uniqueness::Document && doc.scope.is_some();
    let others = index
        .docs_in_scope(doc.scope.as_deref().filter(|_| whole_scope))
        .filter(move |d| d.model.path != doc.path)
        .flat_map(|d| d.model.clauses.iter());
    doc.clauses.iter().chain(others).filter(move |c| c.namespace == namespace)
}

// ------------------------------------------------------------------ snippets

fn snippets(site: &Site, out: &mut Vec<Completion>) {
    let grammar = &site.index.grammar;
    for (n, &i) in site.kind.snippet_rules.iter().enumerate() {
        let rule = &grammar.snippet_rules[i];
        if rule.masked != site.masked {
            continue;
        }
        let Some(caps) = rule.line.captures(site.before) else { continue };
        if rule.unless.as_ref().is_some_and(|re| re.is_match(site.line)) {
            continue;
        }
        if let Some(under) = &rule.under
            && !enclosing_titles(site).any(|title| under.is_match(title))
        {
            continue;
        }
        let typed = caps.name("typed").map_or(site.before.len(), |m| m.start());
        let replace = site.line_start + typed..site.offset;
        let kind = match rule.item {
            ItemKind::Snippet => CompletionKind::Snippet,
            ItemKind::Keyword => CompletionKind::Keyword,
            ItemKind::Value => CompletionKind::Value,
            ItemKind::Reference => CompletionKind::Key,
        };
        let Some(namespace) = rule.each else {
            out.push(Completion {
                label: rule.label.clone(),
                kind,
                detail: rule.detail.clone(),
                documentation: rule.documentation.clone(),
                insert: Insert::Snippet(number_placeholders(&rule.insert)),
                replace,
                sort: format!("2{n:03}"),
                filter: rule.label.clone(),
                data: None,
            });
            continue;
        };
        for (key, found) in keys_of(site, namespace, rule.source) {
            let fill = |template: &str, escaped: bool| {
                let (k, t) =
                    if escaped { (escape(&key), escape(found.title)) } else { (key.clone(), found.title.to_string()) };
                template.replace("{key}", &k).replace("{title}", &t)
            };
            let label = fill(&rule.label, false);
            out.push(Completion {
                kind,
                detail: rule.detail.as_deref().map(|d| fill(d, false)),
                documentation: rule.documentation.as_deref().map(|d| fill(d, false)),
                insert: Insert::Snippet(number_placeholders(&fill(&rule.insert, true))),
                replace: replace.clone(),
                sort: format!("2{n:03}{}", natural(&key)),
                filter: label.clone(),
                label,
                data: Some(found.resolve_key(site.index, namespace, &key)),
            });
        }
    }
}

/// The titles of the sections around the cursor, innermost first.
fn enclosing_titles<'s>(site: &'s Site) -> impl Iterator<Item = &'s str> + 's {
    let len = site.doc.text.len();
    site.doc
        .model
        .sections
        .iter()
        .rev()
        .filter(move |s| s.range.start <= site.offset && (site.offset < s.range.end || s.range.end == len))
        .map(|s| s.title.as_str())
}

/// One definition of a key, and how many definitions share it.
struct Found<'d> {
    path: PathBuf,
    title: &'d str,
    others: usize,
}

impl Found<'_> {
    fn resolve_key(&self, index: &WorkspaceIndex, namespace: NamespaceId, key: &str) -> ResolveKey {
        ResolveKey {
            path: self.path.clone(),
            namespace: index.grammar.namespace(namespace).id.clone(),
            key: key.into(),
        }
    }
}

/// The keys of a namespace a document may cite, each once, in natural order.
fn keys_of<'s>(site: &'s Site, namespace: NamespaceId, source: KeySource) -> Vec<(String, Found<'s>)> {
    let index = site.index;
    let docs: Vec<&IndexedDoc> = match source {
        KeySource::MainSpec => openspec_main_spec(&site.doc.model.path)
            .and_then(|p| index.doc(&p))
            .map(|d| vec![d.as_ref()])
            .unwrap_or_default(),
        KeySource::Scope => citable_docs(site, namespace).collect(),
    };
    let mut keys = collect(docs.into_iter(), |c| c.namespace == namespace);
    keys.sort_by_cached_key(|(k, _)| natural(k));
    keys
}

/// The documents whose clauses of a namespace this document cites: workspace-wide for a global
/// namespace or a document outside any feature, else the document's feature.
fn citable_docs<'s>(site: &'s Site, namespace: NamespaceId) -> impl Iterator<Item = &'s IndexedDoc> + 's {
    let doc = &site.doc.model;
    let everywhere = site.index.grammar.namespace(namespace).resolve == Resolve::Global || doc.scope.is_none();
    let indexed: Box<dyn Iterator<Item = &'s Arc<IndexedDoc>> + 's> =
        if everywhere { Box::new(site.index.docs()) } else { Box::new(site.index.docs_in_scope(doc.scope.as_deref())) };
    std::iter::once(site.doc).chain(indexed.filter(move |d| d.model.path != doc.path).map(|d| d.as_ref()))
}

/// The distinct keys of the clauses that pass `keep`, with their first definition.
fn collect<'d>(docs: impl Iterator<Item = &'d IndexedDoc>, keep: impl Fn(&Clause) -> bool) -> Vec<(String, Found<'d>)> {
    let mut keys: HashMap<&str, Found> = HashMap::new();
    for doc in docs {
        for clause in doc.model.clauses.iter().filter(|c| keep(c)) {
            keys.entry(&clause.id).and_modify(|f| f.others += 1).or_insert_with(|| Found {
                path: doc.model.path.clone(),
                title: clause.title_in(&doc.text),
                others: 0,
            });
        }
    }
    keys.into_iter().map(|(k, f)| (k.to_string(), f)).collect()
}

// ------------------------------------------------------------------ keys by prefix

/// A key being typed (`FR-0`, `T01`, `US`): the keys in scope that start with it, best first.
fn keys_by_prefix(site: &Site, out: &mut Completions) {
    let word_start = site.before.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_').len();
    let typed = &site.before[word_start..];
    if !typed.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return;
    }
    let grammar = &site.index.grammar;
    let namespaces: Vec<NamespaceId> = if site.doc.model.kind == grammar.code_kind {
        (0..grammar.namespaces.len()).map(|i| NamespaceId(i as u16)).collect()
    } else {
        let mut ns: Vec<NamespaceId> =
            site.kind.reference_rules.iter().map(|&i| grammar.reference_rules[i].namespace).collect();
        ns.sort();
        ns.dedup();
        ns
    };
    let matches = |c: &Clause| {
        c.id.len() >= typed.len()
            && c.id.is_char_boundary(typed.len())
            && c.id[..typed.len()].eq_ignore_ascii_case(typed)
            && c.id.starts_with(|ch: char| ch.is_ascii_alphabetic())
            && !c.id.contains(char::is_whitespace)
    };
    // One pass over the documents: a key is citable from its own feature, from anywhere for a
    // global namespace, and everywhere for a document outside any feature (code, READMEs).
    let scope = &site.doc.model.scope;
    let global: Vec<bool> = grammar.namespaces.iter().map(|n| n.resolve == Resolve::Global).collect();
    let docs = std::iter::once(site.doc)
        .chain(site.index.docs().filter(|d| d.model.path != site.doc.model.path).map(|d| d.as_ref()));
    let mut keys: HashMap<(NamespaceId, &str), Found> = HashMap::new();
    if scope.is_none() {
        // Workspace-wide: the index's distinct keys, not every clause of every document.
        for (namespace, key, locs) in site.index.keys() {
            let Some((doc, clause)) = locs.first().and_then(|l| site.index.clause(l)) else { continue };
            if namespaces.contains(&namespace) && matches(clause) {
                let title = clause.title_in(&doc.text);
                let found = Found { path: doc.model.path.clone(), title, others: locs.len() - 1 };
                keys.insert((namespace, key), found);
            }
        }
    }
    let unindexed = site.index.doc(&site.doc.model.path).is_none();
    let docs = docs.filter(|d| scope.is_some() || (unindexed && std::ptr::eq(*d, site.doc)));
    for doc in docs {
        let near = scope.is_none() || doc.model.scope == *scope;
        for clause in &doc.model.clauses {
            if (near || global[clause.namespace.0 as usize])
                && namespaces.contains(&clause.namespace)
                && matches(clause)
            {
                keys.entry((clause.namespace, &clause.id)).and_modify(|f| f.others += 1).or_insert_with(|| Found {
                    path: doc.model.path.clone(),
                    title: clause.title_in(&doc.text),
                    others: 0,
                });
            }
        }
    }
    let mut found: Vec<(NamespaceId, String, Found)> =
        keys.into_iter().map(|((namespace, key), f)| (namespace, key.to_string(), f)).collect();
    // Keys whose spelling matches what was typed exactly come first, then in natural order.
    found.sort_by_cached_key(|(_, key, _)| (!key.starts_with(typed), key.len() != typed.len(), natural(key)));
    out.incomplete |= found.len() > MAX_KEYS;
    for (rank, (namespace, key, f)) in found.into_iter().take(MAX_KEYS).enumerate() {
        let label = &grammar.namespace(namespace).label;
        let detail = match f.others {
            0 => f.title.to_string(),
            n => format!("{} ({label}, {} more definitions)", f.title, n),
        };
        out.items.push(Completion {
            data: Some(f.resolve_key(site.index, namespace, &key)),
            label: key.clone(),
            kind: CompletionKind::Key,
            detail: Some(detail),
            documentation: None,
            insert: Insert::Text(key.clone()),
            replace: site.line_start + word_start..site.offset,
            sort: format!("3{rank:04}"),
            filter: key,
        });
    }
}

// ------------------------------------------------------------------ resolve

/// The documentation of a key offered earlier: its clause's text and where it is defined.
pub fn resolve(index: &WorkspaceIndex, key: &ResolveKey) -> Option<String> {
    let doc = index.doc(&key.path)?;
    let namespace = index.grammar.namespaces.iter().position(|n| n.id == key.namespace)?;
    let clause = doc.model.clauses.iter().find(|c| c.namespace.0 as usize == namespace && *c.id == *key.key)?;
    let text = doc.text[clause.range.clone()].trim();
    let mut shown: Vec<&str> = text.lines().take(MAX_LINES).collect();
    if text.lines().nth(MAX_LINES).is_some() {
        shown.push("…");
    }
    Some(format!("{}\n\n*{}*", shown.join("\n"), index.relative(&key.path)))
}

// ------------------------------------------------------------------ snippet text

/// Text written literally inside a snippet.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '$' | '}' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The grammar writes placeholders as `${:text}`; the protocol numbers them in order.
fn number_placeholders(snippet: &str) -> String {
    let mut out = String::with_capacity(snippet.len() + 8);
    let mut n = 0;
    let mut rest = snippet;
    while let Some(at) = rest.find("${:") {
        n += 1;
        out.push_str(&rest[..at]);
        out.push_str(&format!("${{{n}:"));
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    out
}

/// A snippet as plain text, for clients without snippet support: placeholders keep their text,
/// tab stops and escapes go.
pub fn plain(snippet: &str) -> String {
    let mut out = String::with_capacity(snippet.len());
    let mut chars = snippet.chars().peekable();
    // Depth of open `${n:` placeholders whose closing brace is dropped.
    let mut depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            '$' if chars.peek().is_some_and(char::is_ascii_digit) => {
                while chars.next_if(char::is_ascii_digit).is_some() {}
            }
            '$' if chars.peek() == Some(&'{') => {
                chars.next();
                while chars.next_if(char::is_ascii_digit).is_some() {}
                match chars.next() {
                    Some(':') => depth += 1,
                    Some('|') => {
                        let mut first = true;
                        for c in chars.by_ref() {
                            match c {
                                '|' => break,
                                ',' => first = false,
                                c if first => out.push(c),
                                _ => {}
                            }
                        }
                        chars.next_if_eq(&'}');
                    }
                    _ => {}
                }
            }
            '}' if depth > 0 => depth -= 1,
            c => out.push(c),
        }
    }
    out
}

/// A sort key in which digit runs compare as numbers (`T2` before `T10`).
fn natural(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 16);
    let mut digits = String::new();
    for c in key.chars().chain(std::iter::once('\0')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if !digits.is_empty() {
            out.push_str(&format!("{digits:0>12}"));
            digits.clear();
        }
        if c != '\0' {
            out.push(c);
        }
    }
    out
}

/// Verifies specs/004-completions/spec.md FR-001, FR-002, FR-003, FR-004, FR-005, FR-006, FR-008.
#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::analysis::index::test_workspace;

    /// The completions where `|` stands in `file`'s text (markers are removed first).
    fn run(files: &[(&str, &str)], file: &str) -> Completions {
        let cursor = files.iter().find(|(p, _)| *p == file).expect("file").1.find('|').expect("cursor marker");
        let texts: Vec<(&str, String)> = files.iter().map(|(p, t)| (*p, t.replace('|', ""))).collect();
        let pairs: Vec<(&str, &str)> = texts.iter().map(|(p, t)| (*p, t.as_str())).collect();
        let index = test_workspace(&pairs);
        let doc = index.doc(&Path::new("/ws").join(file)).expect("indexed").clone();
        complete(&index, &doc, cursor)
    }

    fn labels(found: &Completions, kind: CompletionKind) -> Vec<String> {
        let mut items: Vec<&Completion> = found.items.iter().filter(|c| c.kind == kind).collect();
        items.sort_by(|a, b| a.sort.cmp(&b.sort));
        items.iter().map(|c| c.label.clone()).collect()
    }

    const SPEC: &str = "# Feature Specification: Login\n\n## User Scenarios & Testing *(mandatory)*\n\n### User Story 1 - Sign in (Priority: P1)\n\nText.\n\n## Requirements\n\n- **FR-001**: System MUST let users sign in.\n- **FR-002**: System MUST lock accounts.\n- **FR-005**: System MUST log attempts.\n\n|";

    #[test]
    fn a_heading_position_offers_missing_sections_required_first_in_format_order() {
        let found = run(&[("specs/001-login/spec.md", SPEC)], "specs/001-login/spec.md");
        let sections: Vec<&Completion> = {
            let mut s: Vec<&Completion> = found.items.iter().filter(|c| c.kind == CompletionKind::Section).collect();
            s.sort_by(|a, b| a.sort.cmp(&b.sort));
            s
        };
        let required: Vec<&str> = sections
            .iter()
            .filter(|c| c.detail.as_deref().unwrap().starts_with("required"))
            .map(|c| c.label.as_str())
            .collect();
        assert_eq!(required, ["## Success Criteria *(mandatory)*"]);
        assert_eq!(sections[1].label, "### Edge Cases", "optional ones follow, in the format's order");
        let Insert::Snippet(snippet) = &sections[0].insert else { panic!("a snippet") };
        assert_eq!(
            snippet,
            "## Success Criteria *(mandatory)*\n\n### Measurable Outcomes\n\n- **SC-001**: ${1:A measurable, technology-agnostic outcome}"
        );
    }

    #[test]
    fn hashes_narrow_nothing_but_code_blocks_and_text_lines_are_no_heading_position() {
        let typed = SPEC.replace('|', "## Su|");
        let found = run(&[("specs/001-login/spec.md", &typed)], "specs/001-login/spec.md");
        let success = found.items.iter().find(|c| c.label.starts_with("## Success")).expect("offered");
        let start = typed.find("## Su").unwrap();
        assert_eq!(success.replace, start..start + 5);
        let fenced = SPEC.replace('|', "```text\n|\n```\n");
        assert!(
            labels(&run(&[("specs/001-login/spec.md", &fenced)], "specs/001-login/spec.md"), CompletionKind::Section)
                .is_empty()
        );
        let prose = SPEC.replace('|', "Some |text");
        assert!(
            labels(&run(&[("specs/001-login/spec.md", &prose)], "specs/001-login/spec.md"), CompletionKind::Section)
                .is_empty()
        );
    }

    #[test]
    fn failure_modes_skeleton_prompts_once_per_declared_dependency() {
        let agent = "# Triage agent\n\n## Goal\n\nTriage.\n\n## Constraints\n\n- Depends on: GitHub API and Slack\n\n|";
        let found = run(&[("agent-specs/triage.md", agent)], "agent-specs/triage.md");
        let failure = found.items.iter().find(|c| c.label == "## Failure modes").expect("offered");
        let Insert::Snippet(snippet) = &failure.insert else { panic!() };
        assert!(snippet.contains("- **GitHub API** unavailable or failing: ${1:what the agent does}"), "{snippet}");
        assert!(snippet.contains("- **Slack** unavailable or failing: ${2:what the agent does}"), "{snippet}");
    }

    #[test]
    fn the_next_free_key_skips_gaps_and_counts_lettered_keys() {
        let spec = SPEC.replace('|', "- **FR-|");
        let found = run(&[("specs/001-login/spec.md", &spec)], "specs/001-login/spec.md");
        assert_eq!(labels(&found, CompletionKind::NextKey), ["FR-006"], "SC- does not fit what was typed");
        assert!(labels(&found, CompletionKind::Key).is_empty(), "a key being defined is no citation");
        let next = &found.items.iter().find(|c| c.kind == CompletionKind::NextKey).unwrap();
        assert_eq!(next.insert, Insert::Snippet("FR-006**: System MUST ${1:capability}".into()));

        let tasks =
            "# Tasks: Login\n\n## Phase 1: Setup\n\n- [ ] T001 Set up\n- [ ] T010 Build\n- [ ] T010a Fix\n- [ ] T|\n";
        let found = run(&[("specs/001-login/tasks.md", tasks)], "specs/001-login/tasks.md");
        assert_eq!(labels(&found, CompletionKind::NextKey), ["T011"]);
    }

    #[test]
    fn kiro_numbers_requirements_and_sub_tasks_under_their_parent() {
        let reqs =
            "# Requirements Document\n\n## Requirements\n\n### Requirement 1\n\n### Requirement 2\n\n### Requirement |";
        let found = run(&[(".kiro/specs/a/requirements.md", reqs)], ".kiro/specs/a/requirements.md");
        assert_eq!(labels(&found, CompletionKind::NextKey), ["3"]);
        let tasks = "# Implementation Plan\n\n- [ ] 1. Set up\n  - [ ] 1.1 Create\n  - [ ] 1.2 Wire\n- [ ] 2. Build\n  - [ ] |\n";
        let found = run(&[(".kiro/specs/a/tasks.md", tasks)], ".kiro/specs/a/tasks.md");
        assert_eq!(labels(&found, CompletionKind::NextKey), ["2.1"]);
    }

    #[test]
    fn a_key_prefix_offers_keys_in_scope_once_best_first() {
        let tasks = "# Tasks: Login\n\n- [ ] T001 Sign in per FR-00|\n";
        let other = "# Feature Specification: Billing\n\n## Requirements\n\n- **FR-009**: System MUST bill.\n";
        let files = [
            ("specs/001-login/spec.md", SPEC.replace('|', "")),
            ("specs/001-login/tasks.md", tasks.to_string()),
            ("specs/002-billing/spec.md", other.to_string()),
        ];
        let pairs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        let found = run(&pairs, "specs/001-login/tasks.md");
        assert_eq!(labels(&found, CompletionKind::Key), ["FR-001", "FR-002", "FR-005"]);
        let first = found.items.iter().find(|c| c.label == "FR-001").unwrap();
        assert_eq!(first.detail.as_deref(), Some("System MUST let users sign in."));
        let index = test_workspace(&pairs);
        let doc = resolve(&index, first.data.as_ref().unwrap()).unwrap();
        assert!(
            doc.starts_with("- **FR-001**: System MUST let users sign in.")
                && doc.ends_with("*specs/001-login/spec.md*")
        );
    }

    #[test]
    fn keys_in_a_code_comment_come_from_the_whole_workspace() {
        let code = "fn main() {}\n// FR-00|\nlet fr = 1;\n";
        let files = [("specs/001-login/spec.md", SPEC.replace('|', "")), ("src/main.rs", code.to_string())];
        let pairs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        let index = test_workspace(&pairs);
        let text = code.replace('|', "");
        let path = Path::new("/ws/src/main.rs");
        let doc =
            IndexedDoc::new(DocModel::empty(path, index.grammar.code_kind, None, text.len()), text.as_str().into());
        let found = complete(&index, &doc, code.find('|').unwrap());
        assert_eq!(labels(&found, CompletionKind::Key), ["FR-001", "FR-002", "FR-005"]);
        let outside = complete(&index, &doc, text.find("fr = ").unwrap() + 2);
        assert!(outside.items.is_empty(), "only in comments");
    }

    #[test]
    fn task_lines_offer_labels_they_lack_and_citations() {
        let tasks = "# Tasks: Login\n\n- [ ] T001 [P] |\n";
        let found = run(
            &[("specs/001-login/spec.md", &SPEC.replace('|', "")), ("specs/001-login/tasks.md", tasks)],
            "specs/001-login/tasks.md",
        );
        let keys = labels(&found, CompletionKind::Key);
        assert_eq!(keys, ["[US1]", "per FR-001", "per FR-002", "per FR-005"]);
        assert!(labels(&found, CompletionKind::Keyword).is_empty(), "[P] is there already");
    }

    #[test]
    fn kiro_criteria_lists_ears_and_steering_values() {
        let reqs = "# Requirements Document\n\n## Requirements\n\n### Requirement 1: Sign in\n\n#### Acceptance Criteria\n\n1. WHEN a user signs in, THE system SHALL greet them\n2. |";
        let tasks = "# Implementation Plan\n\n- [ ] 1. Build\n  - _Requirements: 1.1, |_\n";
        let files = [(".kiro/specs/a/requirements.md", reqs), (".kiro/specs/a/tasks.md", tasks)];
        let found = run(&files, ".kiro/specs/a/tasks.md");
        assert_eq!(labels(&found, CompletionKind::Key), ["1", "1.1"]);
        let found = run(&files, ".kiro/specs/a/requirements.md");
        let ears = labels(&found, CompletionKind::Snippet);
        assert_eq!(ears[0], "WHEN … THE … SHALL …");
        let steering = "---\ninclusion: |\n---\n\n# Style\n";
        let found = run(&[(".kiro/steering/style.md", steering)], ".kiro/steering/style.md");
        assert_eq!(labels(&found, CompletionKind::Value), ["always", "fileMatch", "manual", "auto"]);
    }

    #[test]
    fn an_openspec_delta_names_requirements_of_the_spec_it_changes() {
        let spec = "# Auth\n\n## Purpose\n\nAuth.\n\n## Requirements\n\n### Requirement: Sign in\n\nThe system SHALL sign in.\n\n### Requirement: Sign out\n\nThe system SHALL sign out.\n";
        let delta = "## MODIFIED Requirements\n\n### Requirement: Sig|";
        let files = [("openspec/specs/auth/spec.md", spec), ("openspec/changes/x/specs/auth/spec.md", delta)];
        let found = run(&files, "openspec/changes/x/specs/auth/spec.md");
        assert_eq!(labels(&found, CompletionKind::Key), ["Sign in", "Sign out"]);
        let added = delta.replace("MODIFIED", "ADDED");
        let found = run(
            &[files[0], ("openspec/changes/x/specs/auth/spec.md", &added)],
            "openspec/changes/x/specs/auth/spec.md",
        );
        assert!(labels(&found, CompletionKind::Key).is_empty());
    }

    #[test]
    fn snippets_become_plain_text_without_their_tab_stops() {
        assert_eq!(plain("- **FR-001**: ${1:System MUST} $0\\$x ${2|a,b|}"), "- **FR-001**: System MUST $x a");
        assert_eq!(number_placeholders("${:a} and ${:b}"), "${1:a} and ${2:b}");
        assert_eq!(plain(&escape("a}$\\")), "a}$\\");
    }
}
