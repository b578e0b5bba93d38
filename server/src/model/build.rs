//! Build a [`DocModel`] from a document's text and block outline.
//!
//! Structure comes from the tree (sections, list items, masked blocks); clauses, references and
//! markers come from the line patterns of the document's kind, run over each line with code,
//! HTML and link destinations made opaque so nothing inside them is ever read. Names and titles
//! are then copied from the original text.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::grammar::{ClauseRule, Grammar, Kind, KindId, LineHits, keys_in};
use super::{
    Clause, DocModel, Fold, FoldKind, Link, LinkKind, Marker, Reference, Role, Section, detect_kind, normalize_heading,
};
use crate::syntax::{InlineCache, InlineLinkKind, InlineRun, MaskKind, Outline, fast_inline, inline_parse};

/// Build the model of the document at `path`, whose workspace-relative form is `relative`.
pub fn build(grammar: &Grammar, path: &Path, relative: &str, text: &str, outline: &Outline) -> DocModel {
    build_with(grammar, path, relative, text, outline, None)
}

/// [`build`], reusing the inline parses of runs that did not change since the last build.
pub fn build_cached(
    grammar: &Grammar,
    path: &Path,
    relative: &str,
    text: &str,
    outline: &Outline,
    cache: &mut InlineCache,
) -> DocModel {
    build_with(grammar, path, relative, text, outline, Some(cache))
}

/// A cold build (`cache` is `None`) parses each run once and keeps nothing: copying every run
/// into a cache that is dropped at once cost more than the parses it could save.
fn build_with(
    grammar: &Grammar,
    path: &Path,
    relative: &str,
    text: &str,
    outline: &Outline,
    cache: Option<&mut InlineCache>,
) -> DocModel {
    let sections = sections(text, outline);
    let heading_lines: Vec<(String, &str)> =
        sections.iter().map(|s| (s.title.clone(), line_text(text, s.heading.start))).collect();
    let kind_id = detect_kind(grammar, relative, &heading_lines);
    let kind = grammar.kind(kind_id);
    let mut model = DocModel { sections, ..DocModel::empty(path, kind_id, scope_of(kind, path, relative), text.len()) };
    let (inline_masks, links) = inline_facts(text, outline, cache);
    model.links = links;
    model.masked = merge(outline.masks.iter().map(|m| m.range.clone()).chain(inline_masks.iter().cloned()).collect());
    Extractor::new(grammar, kind_id, text, outline, &mut model, inline_masks).run();
    model.folds = folds(text, outline, &model.sections);
    model.shrink();
    model
}

/// Masks and links of the inline runs. A run is parsed only when it may hold a code span, HTML
/// or an inline link, or, in a document with link reference definitions, a reference link.
/// Definitions' destinations are masked like inline ones.
fn inline_facts(text: &str, outline: &Outline, mut cache: Option<&mut InlineCache>) -> (Vec<Range<usize>>, Vec<Link>) {
    let mut masks = Vec::new();
    let mut links = Vec::new();
    // Reference links, resolved once the definitions are known: (text, label, position in `links`).
    let mut pending: Vec<(Range<usize>, String, usize)> = Vec::new();
    let has_definitions = !outline.link_definitions.is_empty();
    if let Some(cache) = cache.as_deref_mut() {
        cache.begin();
    }
    let mut uncached: InlineRun;
    for inline in &outline.inlines {
        let run = &text[inline.clone()];
        let bytes = run.as_bytes();
        if !(memchr::memchr2(b'`', b'<', bytes).is_some()
            || memchr::memmem::find(bytes, b"](").is_some()
            || (has_definitions && memchr::memchr(b'[', bytes).is_some()))
        {
            continue;
        }
        let parsed = match cache.as_deref_mut() {
            Some(cache) => cache.run(run),
            None => {
                uncached = fast_inline(run).unwrap_or_else(|| inline_parse(run));
                &uncached
            }
        };
        let shift = |r: &Range<usize>| r.start + inline.start..r.end + inline.start;
        masks.extend(parsed.masks.iter().map(shift));
        for link in &parsed.links {
            let kind = match &link.kind {
                InlineLinkKind::Inline => LinkKind::Inline,
                InlineLinkKind::Image => LinkKind::Image,
                InlineLinkKind::Reference { label } => {
                    if has_definitions {
                        pending.push((shift(&link.text), normalize_label(&run[label.clone()]), links.len()));
                    }
                    continue;
                }
            };
            let Some(destination) = &link.destination else { continue };
            let destination = shift(destination);
            links.push(Link {
                kind,
                text: shift(&link.text),
                destination: unescape_destination(&text[destination.clone()]),
                destination_range: destination,
            });
        }
    }
    let mut labels: HashMap<String, usize> = HashMap::new();
    let mut definitions = Vec::with_capacity(outline.link_definitions.len());
    for def in &outline.link_definitions {
        masks.push(def.destination.clone());
        // The first definition of a label wins.
        labels.entry(normalize_label(&text[def.label.clone()])).or_insert(definitions.len());
        definitions.push(Link {
            kind: LinkKind::Definition,
            text: def.label.clone(),
            destination: unescape_destination(&text[def.destination.clone()]),
            destination_range: def.destination.clone(),
        });
    }
    // Insert resolved reference links where they occurred, keeping document order.
    let mut resolved: Vec<(usize, Link)> = pending
        .into_iter()
        .filter_map(|(text_range, label, at)| {
            let def = &definitions[*labels.get(&label)?];
            Some((
                at,
                Link {
                    kind: LinkKind::Reference,
                    text: text_range,
                    destination: def.destination.clone(),
                    destination_range: def.destination_range.clone(),
                },
            ))
        })
        .collect();
    if !resolved.is_empty() {
        let mut merged = Vec::with_capacity(links.len() + resolved.len());
        let mut next = resolved.drain(..).peekable();
        for (i, link) in links.into_iter().enumerate() {
            while let Some((_, r)) = next.next_if(|(at, _)| *at <= i) {
                merged.push(r);
            }
            merged.push(link);
        }
        merged.extend(next.map(|(_, r)| r));
        links = merged;
    }
    links.extend(definitions);
    masks.sort_by_key(|r| r.start);
    (masks, links)
}

/// CommonMark label matching: case-insensitive, inner whitespace collapsed.
fn normalize_label(label: &str) -> String {
    label.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// A destination as a reader means it: without `<…>` and with backslash escapes applied.
fn unescape_destination(raw: &str) -> String {
    let raw = raw.strip_prefix('<').and_then(|r| r.strip_suffix('>')).unwrap_or(raw);
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&next) = chars.peek()
            && next.is_ascii_punctuation()
        {
            out.push(next);
            chars.next();
            continue;
        }
        out.push(c);
    }
    out
}

/// Sort ranges and merge those that overlap or touch.
fn merge(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| r.start);
    let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

fn line_text(text: &str, start: usize) -> &str {
    let rest = &text[start..];
    &rest[..line_end(rest.as_bytes())]
}

fn sections(text: &str, outline: &Outline) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::with_capacity(outline.headings.len());
    let mut open: Vec<usize> = Vec::new();
    for heading in &outline.headings {
        while open.last().is_some_and(|&p| out[p].range.end <= heading.range.start) {
            open.pop();
        }
        out.push(Section {
            title: normalize_heading(&text[heading.content.clone()]),
            level: heading.level,
            heading: heading.range.clone(),
            range: heading.section.clone(),
            parent: open.last().copied(),
        });
        open.push(out.len() - 1);
    }
    out
}

/// The feature folder: the deepest ancestor directory matching the kind's scope glob.
fn scope_of(kind: &Kind, path: &Path, relative: &str) -> Option<PathBuf> {
    let glob = kind.scope.as_ref()?;
    let parts: Vec<&str> = relative.split('/').collect();
    let root_depth = path.components().count().checked_sub(parts.len())?;
    let root: PathBuf = path.components().take(root_depth).collect();
    (1..parts.len()).rev().find_map(|n| {
        let dir = parts[..n].join("/");
        glob.is_match(&dir).then(|| root.join(&dir))
    })
}

struct Extractor<'a> {
    grammar: &'a Grammar,
    kind: &'a Kind,
    text: &'a str,
    outline: &'a Outline,
    model: &'a mut DocModel,
    /// Blanked byte ranges inside inline runs, sorted.
    inline_masks: Vec<Range<usize>>,
    ordinals: HashMap<(Option<usize>, Option<usize>, usize), usize>,
}

/// One line and where it sits in the outline.
struct Line<'t> {
    start: usize,
    masked: &'t str,
    /// Which of the kind's rules may match the line.
    hits: &'t LineHits,
    heading: Option<usize>,
    list_item: Option<usize>,
    /// Sections enclosing the line, outermost first, excluding one the line itself opens.
    ancestors: &'t [usize],
    open_clauses: &'t [usize],
}

impl<'a> Extractor<'a> {
    fn new(
        grammar: &'a Grammar,
        kind: KindId,
        text: &'a str,
        outline: &'a Outline,
        model: &'a mut DocModel,
        masks: Vec<Range<usize>>,
    ) -> Self {
        Extractor {
            grammar,
            kind: grammar.kind(kind),
            text,
            outline,
            model,
            inline_masks: masks,
            ordinals: HashMap::new(),
        }
    }

    fn run(mut self) {
        let text = self.text;
        let outline = self.outline;
        let (mut next_heading, mut next_item, mut next_mask, mut next_inline) = (0, 0, 0, 0);
        let mut section_stack: Vec<usize> = Vec::new();
        let mut open_clauses: Vec<usize> = Vec::new();
        let mut masked = String::new();
        let mut start = 0;
        while start < text.len() {
            let content_end = start + line_end(&text.as_bytes()[start..]);
            let end = next_line_start(text, content_end);
            let line = start..content_end;
            start = end;

            while next_mask < outline.masks.len() && outline.masks[next_mask].range.end <= line.start {
                next_mask += 1;
            }
            if outline.masks.get(next_mask).is_some_and(|m| m.range.start <= line.start) {
                continue;
            }
            let heading = find_starting(&outline.headings, &mut next_heading, &line, end, |h| h.range.start);
            let list_item = find_starting(&outline.list_items, &mut next_item, &line, end, |i| i.range.start);
            while section_stack.last().is_some_and(|&s| self.model.sections[s].range.end <= line.start) {
                section_stack.pop();
            }
            while open_clauses.last().is_some_and(|&c| self.model.clauses[c].range.end <= line.start) {
                open_clauses.pop();
            }

            masked.clear();
            masked.push_str(&text[line.clone()]);
            while next_inline < self.inline_masks.len() && self.inline_masks[next_inline].end <= line.start {
                next_inline += 1;
            }
            for mask in self.inline_masks[next_inline..].iter().take_while(|m| m.start < line.end) {
                make_opaque(&mut masked, mask.start.max(line.start) - line.start, mask.end.min(line.end) - line.start);
            }

            let hits = self.kind.line_hits(&masked);
            let new_clause = {
                let ctx = Line {
                    start: line.start,
                    masked: &masked,
                    hits: &hits,
                    heading,
                    list_item,
                    ancestors: &section_stack,
                    open_clauses: &open_clauses,
                };
                let clause = self.clause(&ctx);
                let first_new = self.model.clauses.len();
                if let Some(clause) = clause {
                    self.model.clauses.push(clause);
                }
                self.references(&ctx, first_new);
                self.markers(&ctx);
                (self.model.clauses.len() > first_new).then_some(first_new)
            };
            if let Some(index) = heading {
                section_stack.push(index);
            }
            if let Some(index) = new_clause {
                open_clauses.push(index);
            }
        }
    }

    fn clause(&mut self, line: &Line) -> Option<Clause> {
        let grammar = self.grammar;
        let hits = self.kind.clause_rules.iter().enumerate().filter(|(i, _)| line.hits.clause(*i));
        for (_, &rule_index) in hits {
            let rule = &grammar.clause_rules[rule_index];
            if let Some(under) = &rule.under
                && !line.ancestors.iter().any(|&s| under.is_match(&self.model.sections[s].title))
            {
                continue;
            }
            if rule.top_level && line.list_item.is_none_or(|i| self.outline.list_items[i].depth != 0) {
                continue;
            }
            let Some(caps) = rule.pattern.captures(line.masked) else { continue };
            let parent = rule.parent.as_ref().and_then(|kind| {
                line.open_clauses.iter().rev().copied().find(|&c| self.model.clauses[c].kind == *kind)
            });
            if rule.parent.is_some() && parent.is_none() {
                continue;
            }
            let Some(id) = self.clause_id(rule, &caps, parent, line) else { continue };
            let mut whole = caps.get(0).map_or(0..0, |m| m.range());
            let title_at = whole.end;
            if rule.title_rest {
                whole.end = line.masked.len();
            }
            let id_local = caps
                .name("id")
                .or_else(|| caps.name("key"))
                .or_else(|| caps.name("n"))
                .map(|m| m.range())
                .unwrap_or_else(|| marker_span(line.masked, &whole));
            let title = if rule.title_rest {
                Some(self.text[line.start + title_at..line.start + whole.end].trim().to_string())
            } else {
                caps.name("title").map(|m| original(self.text, line, &m).trim().to_string())
            };
            let title = title
                .filter(|t| !t.is_empty())
                .or_else(|| line.heading.map(|h| self.model.sections[h].title.clone()))
                .unwrap_or_else(|| id.clone());
            return Some(Clause {
                id,
                kind: rule.kind.clone(),
                namespace: rule.namespace,
                title,
                id_range: line.start + id_local.start..line.start + id_local.end,
                range: self.clause_range(line),
                global: rule.global,
                parent,
            });
        }
        None
    }

    fn clause_id(
        &mut self,
        rule: &ClauseRule,
        caps: &regex::Captures,
        parent: Option<usize>,
        line: &Line,
    ) -> Option<String> {
        let Some(template) = &rule.id else {
            return caps.name("id").map(|m| original(self.text, line, &m).trim().to_string());
        };
        let ordinal = if rule.ordinal {
            let key = (parent, line.ancestors.last().copied(), rule.namespace.0 as usize);
            let counter = self.ordinals.entry(key).or_insert(0);
            *counter += 1;
            Some(*counter)
        } else {
            None
        };
        let clauses = &self.model.clauses;
        template.render(&|name| match name {
            "parent" => parent.map(|p| clauses[p].id.clone()),
            "ordinal" => ordinal.map(|o| o.to_string()),
            other => caps.name(other).map(|m| original(self.text, line, &m).to_string()),
        })
    }

    /// A clause spans its heading's section, its list item, or its line.
    fn clause_range(&self, line: &Line) -> Range<usize> {
        if let Some(h) = line.heading {
            return self.model.sections[h].range.clone();
        }
        if let Some(i) = line.list_item {
            return trim_end(self.text, self.outline.list_items[i].range.clone());
        }
        line.start..line.start + line.masked.len()
    }

    fn references(&mut self, line: &Line, first_new_clause: usize) {
        let grammar = self.grammar;
        let taken: Vec<Range<usize>> =
            self.model.clauses[first_new_clause..].iter().map(|c| c.id_range.clone()).collect();
        // The line's references so far, disjoint, as start -> end: one lookup tells whether a new
        // one overlaps any (a line may hold a hundred thousand).
        let mut line_refs: BTreeMap<usize, usize> = BTreeMap::new();
        let hits = self.kind.reference_rules.iter().enumerate().filter(|(i, _)| line.hits.reference(*i));
        for (_, &rule_index) in hits {
            let rule = &grammar.reference_rules[rule_index];
            let references = &mut self.model.references;
            keys_in(&rule.pattern, rule.groups, rule.item.as_ref(), rule.id.as_ref(), line.masked, |found| {
                let range = line.start + found.range.start..line.start + found.range.end;
                let overlaps = |r: &Range<usize>| r.start < range.end && range.start < r.end;
                if taken.iter().any(overlaps)
                    || line_refs.range(..range.end).next_back().is_some_and(|(_, &end)| end > range.start)
                {
                    return;
                }
                line_refs.insert(range.start, range.end);
                references.push(Reference {
                    id: found.key,
                    namespace: rule.namespace,
                    range,
                    role: Role::Cites,
                    pin: None,
                    unit: None,
                });
            });
        }
    }

    fn markers(&mut self, line: &Line) {
        let hits = self.kind.marker_rules.iter().enumerate().filter(|(i, _)| line.hits.marker(*i));
        for (_, &rule_index) in hits {
            let rule = &self.grammar.marker_rules[rule_index];
            for m in rule.pattern.find_iter(line.masked) {
                self.model
                    .markers
                    .push(Marker { kind: rule.kind.clone(), range: line.start + m.start()..line.start + m.end() });
            }
        }
    }
}

/// What a capture on the masked line covers in the original text: patterns match around masks,
/// but a requirement name or title keeps its code spans (OpenSpec compares names exactly).
fn original<'t>(text: &'t str, line: &Line, capture: &regex::Match) -> &'t str {
    &text[line.start + capture.start()..line.start + capture.end()]
}

/// The first element (by `start`) that starts on this line, advancing a shared cursor.
fn find_starting<T>(
    items: &[T],
    next: &mut usize,
    line: &Range<usize>,
    line_end: usize,
    start: impl Fn(&T) -> usize,
) -> Option<usize> {
    while *next < items.len() && start(&items[*next]) < line.start {
        *next += 1;
    }
    let found = (*next < items.len() && start(&items[*next]) < line_end.max(line.end + 1)).then_some(*next);
    // Skip everything else starting on this line (nested items such as `- - x`).
    while *next < items.len() && start(&items[*next]) < line_end.max(line.end + 1) {
        *next += 1;
    }
    found
}

/// Where the first line of `bytes` ends, before its `\n` or `\r`.
fn line_end(bytes: &[u8]) -> usize {
    memchr::memchr2(b'\n', b'\r', bytes).unwrap_or(bytes.len())
}

fn next_line_start(text: &str, content_end: usize) -> usize {
    let bytes = text.as_bytes();
    match bytes.get(content_end) {
        Some(b'\r') if bytes.get(content_end + 1) == Some(&b'\n') => content_end + 2,
        Some(_) => content_end + 1,
        None => content_end,
    }
}

/// Stands in for masked bytes: neither a word character nor whitespace, so no key matches inside
/// a mask, yet a name or title that ends in a code span still reaches over it.
const OPAQUE: &str = "\u{1A}";

/// Replace bytes `from..to` with [`OPAQUE`], whole characters at a time, keeping offsets.
fn make_opaque(line: &mut String, from: usize, to: usize) {
    let (from, to) = (floor_char(line, from), floor_char(line, to.max(from)));
    if from >= to {
        return;
    }
    line.replace_range(from..to, &OPAQUE.repeat(to - from));
}

fn floor_char(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// For computed keys, point at the list marker (`3.`) or the start of the match.
fn marker_span(line: &str, whole: &Range<usize>) -> Range<usize> {
    let rest = &line[whole.clone()];
    let lead = rest.len() - rest.trim_start().len();
    let word = rest.trim_start().find(char::is_whitespace).unwrap_or(rest.trim_start().len());
    whole.start + lead..whole.start + lead + word
}

fn trim_end(text: &str, range: Range<usize>) -> Range<usize> {
    let trimmed = text[range.clone()].trim_end();
    range.start..range.start + trimmed.len()
}

fn folds(text: &str, outline: &Outline, sections: &[Section]) -> Vec<Fold> {
    let mut folds: Vec<Fold> = sections
        .iter()
        .map(|s| Fold { range: trim_end(text, s.range.clone()), kind: FoldKind::Section })
        .chain(outline.lists.iter().map(|r| Fold { range: trim_end(text, r.clone()), kind: FoldKind::List }))
        .chain(outline.masks.iter().map(|m| Fold {
            range: trim_end(text, m.range.clone()),
            kind: match m.kind {
                MaskKind::Code => FoldKind::Code,
                MaskKind::Html => FoldKind::Comment,
                MaskKind::FrontMatter => FoldKind::FrontMatter,
            },
        }))
        .filter(|f| text[f.range.clone()].contains(['\n', '\r']))
        .collect();
    folds.sort_by_key(|f| (f.range.start, std::cmp::Reverse(f.range.end)));
    folds
}
