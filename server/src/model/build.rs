//! Build a [`DocModel`] from a document's text and block outline.
//!
//! Structure comes from the tree (sections, list items, masked blocks); clauses, references and
//! markers come from the line patterns of the document's kind, run over each line with code,
//! HTML and link destinations made opaque so nothing inside them is ever read. Names and titles
//! are then copied from the original text.
//!
//! The build is two passes. The first, [`ChunkFacts::scan`], reads lines and finds what each one
//! holds whatever comes before it: its masks and links, which clause patterns match it and their
//! captures, the keys it mentions, its markers. The second, [`Assembler`], walks those facts in
//! document order and decides what depends on context: which candidate is a clause (`under`,
//! `parent`, list depth), computed keys and ordinals, references that overlap a clause key,
//! reference links resolved against the document's definitions. An open document's facts are
//! kept per parsed chunk ([`ModelCache`]) with offsets relative to the chunk, so an edit scans
//! only the chunks it parsed again and the rest of the build is a walk over the kept facts.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt};

use super::grammar::{ClauseRule, Grammar, Kind, KindId, NamespaceId, keys_in};
use super::{
    Clause, DocModel, Fold, FoldKind, Link, LinkKind, Marker, Reference, Role, Section, detect_kind, normalize_heading,
};
use crate::syntax::{Chunks, InlineCache, InlineLinkKind, InlineRun, MaskKind, Outline, fast_inline, inline_parse};

/// Build the model of the document at `path`, whose workspace-relative form is `relative`.
///
/// A cold build parses each inline run once and keeps nothing: copying every run into a cache
/// that is dropped at once cost more than the parses it could save.
pub fn build(grammar: &Grammar, path: &Path, relative: &str, text: &str, outline: &Outline) -> DocModel {
    let (mut model, kind) = structure(grammar, path, relative, text, outline);
    let has_definitions = !outline.link_definitions.is_empty();
    let facts = ChunkFacts::scan(grammar, grammar.kind(kind), text, outline, has_definitions, None);
    Assembler::new(grammar, text, outline, &mut model).run(&[(0, &facts)]);
    model.shrink();
    model
}

/// [`build`] for an open document parsed in chunks: the facts of chunks parsed again are scanned
/// (reusing the inline parses of runs that did not change), the others are taken from `cache`.
pub fn build_chunked(
    grammar: &Arc<Grammar>,
    path: &Path,
    relative: &str,
    text: &str,
    chunks: &Chunks,
    cache: &mut ModelCache,
) -> DocModel {
    let outline = chunks.outline(text.len());
    let (mut model, kind) = structure(grammar, path, relative, text, &outline);
    let has_definitions = !outline.link_definitions.is_empty();
    // Facts depend on the rules (grammar and kind) and on whether runs with a bare `[` are parsed.
    let same_rules =
        cache.rules.as_ref().is_some_and(|(g, k, d)| Arc::ptr_eq(g, grammar) && *k == kind && *d == has_definitions);
    if !same_rules {
        cache.chunks.clear();
        cache.rules = Some((grammar.clone(), kind, has_definitions));
    }
    cache.inline.begin();
    let mut kept = std::mem::take(&mut cache.chunks);
    let parts: Vec<(usize, &Arc<Outline>)> = chunks.parts().collect();
    let mut facts = Vec::with_capacity(parts.len());
    for (i, &(start, part)) in parts.iter().enumerate() {
        let end = parts.get(i + 1).map_or(text.len(), |p| p.0);
        let key = Arc::as_ptr(part) as usize;
        let found = match kept.remove(&key) {
            Some((_, found)) => found,
            None => Arc::new(ChunkFacts::scan(
                grammar,
                grammar.kind(kind),
                &text[start..end],
                part,
                has_definitions,
                Some(&mut cache.inline),
            )),
        };
        cache.chunks.insert(key, (part.clone(), found.clone()));
        facts.push((start, found));
    }
    let parts: Vec<(usize, &ChunkFacts)> = facts.iter().map(|(start, f)| (*start, &**f)).collect();
    Assembler::new(grammar, text, &outline, &mut model).run(&parts);
    model
}

/// What an open document's last build found per parsed chunk, kept for the next build.
#[derive(Default)]
pub struct ModelCache {
    inline: InlineCache,
    /// The grammar, kind and presence of link reference definitions the facts were found under.
    rules: Option<(Arc<Grammar>, KindId, bool)>,
    /// By the address of the chunk's outline, which the entry keeps alive so no other chunk
    /// takes that address: a chunk parsed again gets a new outline.
    chunks: HashMap<usize, (Arc<Outline>, Arc<ChunkFacts>)>,
}

/// The model's sections, kind and scope, and the facts every build derives from the whole outline.
fn structure(grammar: &Grammar, path: &Path, relative: &str, text: &str, outline: &Outline) -> (DocModel, KindId) {
    let sections = sections(text, outline);
    let heading_lines: Vec<(&str, &str)> =
        sections.iter().map(|s| (s.title.as_str(), line_text(text, s.heading.start))).collect();
    let kind_id = detect_kind(grammar, relative, &heading_lines);
    let kind = grammar.kind(kind_id);
    let mut model = DocModel { sections, ..DocModel::empty(path, kind_id, scope_of(kind, path, relative), text.len()) };
    model.folds = folds(text, outline, &model.sections);
    (model, kind_id)
}

/// What a stretch of text (a chunk or a whole document) holds whatever comes before it, with
/// offsets relative to its start.
#[derive(Default)]
struct ChunkFacts {
    /// Headings and list items in the stretch's outline, to number those of the stretches after it.
    headings: usize,
    list_items: usize,
    /// Code spans, inline HTML, link destinations (definitions' too), sorted.
    inline_masks: Vec<Range<usize>>,
    /// Inline links and images.
    links: Vec<Link>,
    /// Reference links, resolved once the document's definitions are known.
    pending: Vec<PendingLink>,
    /// Lines that open a heading or match a pattern, in order.
    lines: Vec<LineFact>,
    candidates: Vec<Candidate>,
    /// Capture groups of the candidates, relative to their line.
    groups: Vec<Option<Range<usize>>>,
    references: Vec<KeyFound>,
    markers: Vec<MarkerFound>,
}

struct PendingLink {
    text: Range<usize>,
    label: String,
    /// How many links precede it.
    at: usize,
}

struct LineFact {
    start: usize,
    /// The line's length without its line break.
    len: usize,
    /// Indices in the stretch's outline.
    heading: Option<usize>,
    list_item: Option<usize>,
    /// Ranges of [`ChunkFacts::candidates`], [`ChunkFacts::references`], [`ChunkFacts::markers`].
    candidates: Range<usize>,
    references: Range<usize>,
    markers: Range<usize>,
}

/// A clause pattern that matches the line, in the kind's rule order; whether it defines a clause
/// depends on the context.
struct Candidate {
    rule: usize,
    /// Range of [`ChunkFacts::groups`].
    groups: Range<usize>,
    /// Where the key is written, relative to the line.
    id: Range<usize>,
    /// Where the title starts and the match ends, for a pattern whose title is the rest of the line.
    title_at: usize,
    end: usize,
}

/// A key a reference pattern finds on the line, relative to the line.
struct KeyFound {
    /// `None` when the key is the document's text at `range`: most keys are, and are copied once,
    /// into the model.
    key: Option<String>,
    namespace: NamespaceId,
    range: Range<usize>,
}

struct MarkerFound {
    rule: usize,
    range: Range<usize>,
}

impl ChunkFacts {
    /// The facts of `text` (a chunk or a whole document) with its own `outline`.
    fn scan(
        grammar: &Grammar,
        kind: &Kind,
        text: &str,
        outline: &Outline,
        has_definitions: bool,
        cache: Option<&mut InlineCache>,
    ) -> ChunkFacts {
        let mut facts = ChunkFacts {
            headings: outline.headings.len(),
            list_items: outline.list_items.len(),
            ..ChunkFacts::default()
        };
        facts.inline_facts(text, outline, has_definitions, cache);
        facts.line_facts(grammar, kind, text, outline);
        facts
    }

    /// Masks and links of the inline runs. A run is parsed only when it may hold a code span,
    /// HTML or an inline link, or, in a document with link reference definitions, a reference
    /// link. Definitions' destinations are masked like inline ones.
    fn inline_facts(
        &mut self,
        text: &str,
        outline: &Outline,
        has_definitions: bool,
        mut cache: Option<&mut InlineCache>,
    ) {
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
            self.inline_masks.extend(parsed.masks.iter().map(shift));
            for link in &parsed.links {
                let kind = match &link.kind {
                    InlineLinkKind::Inline => LinkKind::Inline,
                    InlineLinkKind::Image => LinkKind::Image,
                    InlineLinkKind::Reference { label } => {
                        if has_definitions {
                            self.pending.push(PendingLink {
                                text: shift(&link.text),
                                label: normalize_label(&run[label.clone()]),
                                at: self.links.len(),
                            });
                        }
                        continue;
                    }
                };
                let Some(destination) = &link.destination else { continue };
                let destination = shift(destination);
                self.links.push(Link {
                    kind,
                    text: shift(&link.text),
                    destination: unescape_destination(&text[destination.clone()]),
                    destination_range: destination,
                });
            }
        }
        self.inline_masks.extend(outline.link_definitions.iter().map(|d| d.destination.clone()));
        self.inline_masks.sort_by_key(|r| r.start);
    }

    /// Every line not inside a masked block, with masks made opaque, through the kind's patterns:
    /// clause patterns line by line (they are anchored at its start), reference and marker
    /// patterns over the whole stretch at once (see [`search_lines`]).
    fn line_facts(&mut self, grammar: &Grammar, kind: &Kind, text: &str, outline: &Outline) {
        let (mut next_heading, mut next_item, mut next_mask, mut next_inline) = (0, 0, 0, 0);
        // The stretch with the inline masks of its scanned lines made opaque; the lines of masked
        // blocks are copied as they are and never searched.
        let mut masked = String::with_capacity(text.len());
        // Sized up front: grown by doubling, it was copied about ten times per document.
        let mut lines: Vec<ScannedLine> = Vec::with_capacity(memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1);
        let mut hits = kind.clause_set.as_ref().map(|set| set.hits());
        let mut clause_locations: Vec<Option<regex::CaptureLocations>> = vec![None; kind.clause_rules.len()];
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
                masked.push_str(&text[line.start..end]);
                continue;
            }
            let heading = find_starting(&outline.headings, &mut next_heading, &line, end, |h| h.range.start);
            let list_item = find_starting(&outline.list_items, &mut next_item, &line, end, |i| i.range.start);

            masked.push_str(&text[line.clone()]);
            while next_inline < self.inline_masks.len() && self.inline_masks[next_inline].end <= line.start {
                next_inline += 1;
            }
            for mask in self.inline_masks[next_inline..].iter().take_while(|m| m.start < line.end) {
                make_opaque(&mut masked, line.start, mask.start.max(line.start), mask.end.min(line.end));
            }
            masked.push_str(&text[content_end..end]);

            let candidates = self.candidates.len();
            if let (Some(set), Some(hits)) = (&kind.clause_set, &mut hits) {
                let line_text = &masked[line.clone()];
                set.matches(line_text, hits);
                for hit in hits.iter() {
                    let rule_index = kind.clause_rules[hit.as_usize()];
                    let locations = clause_locations[hit.as_usize()]
                        .get_or_insert_with(|| grammar.clause_rules[rule_index].pattern.capture_locations());
                    self.candidate(grammar, rule_index, locations, line_text);
                }
            }
            lines.push(ScannedLine { span: line, heading, list_item, candidates: candidates..self.candidates.len() });
        }

        let spans: Vec<Range<usize>> = lines.iter().map(|l| l.span.clone()).collect();
        // What each rule found, in line order, merged line by line below in rule order: cheaper
        // than sorting them all by line.
        let mut references: Vec<Vec<(usize, KeyFound)>> = Vec::with_capacity(kind.reference_rules.len());
        let mut keys = Vec::new();
        for &rule_index in &kind.reference_rules {
            let rule = &grammar.reference_rules[rule_index];
            let mut found_by_rule: Vec<(usize, KeyFound)> = Vec::new();
            let namespace = rule.namespace;
            // A key over a mask reads differently in the document: it is kept as found.
            let key_found = |haystack: &str, (key, range): (Option<String>, Range<usize>)| {
                let key = key.or_else(|| {
                    let found = &haystack[range.clone()];
                    found.contains(OPAQUE).then(|| found.to_string())
                });
                KeyFound { key, namespace, range }
            };
            if !rule.across_lines {
                for (i, span) in spans.iter().enumerate() {
                    keys_in(
                        &rule.pattern,
                        rule.groups,
                        rule.item.as_ref(),
                        rule.id.as_ref(),
                        &masked[span.clone()],
                        |k| found_by_rule.push((i, KeyFound { key: Some(k.key), namespace, range: k.range })),
                    );
                }
            } else {
                let mut locations = rule.pattern.capture_locations();
                search_lines(
                    &masked,
                    &spans,
                    &mut found_by_rule,
                    |haystack, at, found| {
                        let m = rule.match_at(haystack, at, &mut locations, &mut keys)?;
                        found.extend(keys.drain(..).map(|key| key_found(haystack, key)));
                        Some(m)
                    },
                    |key, by| key.range = key.range.start - by..key.range.end - by,
                );
            }
            if !found_by_rule.is_empty() {
                references.push(found_by_rule);
            }
        }

        let mut markers: Vec<(usize, MarkerFound)> = Vec::new();
        for &rule_index in &kind.marker_rules {
            let rule = &grammar.marker_rules[rule_index];
            let found = |range: Range<usize>| MarkerFound { rule: rule_index, range };
            if !rule.across_lines {
                for (i, span) in spans.iter().enumerate() {
                    markers.extend(rule.pattern.find_iter(&masked[span.clone()]).map(|m| (i, found(m.range()))));
                }
                continue;
            }
            search_lines(
                &masked,
                &spans,
                &mut markers,
                |haystack, at, out| {
                    let m = rule.pattern.find_at(haystack, at)?;
                    out.push(found(m.range()));
                    Some(m.range())
                },
                |marker, by| marker.range = marker.range.start - by..marker.range.end - by,
            );
        }
        markers.sort_by_key(|(line, _)| *line);

        self.references.reserve(references.iter().map(Vec::len).sum());
        self.markers.reserve(markers.len());
        let mut references: Vec<_> = references.into_iter().map(|found| found.into_iter().peekable()).collect();
        let mut markers = markers.into_iter().peekable();
        for (i, line) in lines.into_iter().enumerate() {
            // Per line, in rule order, then in match order.
            let first_reference = self.references.len();
            for found in &mut references {
                while let Some((_, key)) = found.next_if(|(l, _)| *l == i) {
                    self.references.push(key);
                }
            }
            let first_marker = self.markers.len();
            while let Some((_, marker)) = markers.next_if(|(l, _)| *l == i) {
                self.markers.push(marker);
            }
            let fact = LineFact {
                start: line.span.start,
                len: line.span.len(),
                heading: line.heading,
                list_item: line.list_item,
                candidates: line.candidates,
                references: first_reference..self.references.len(),
                markers: first_marker..self.markers.len(),
            };
            if fact.heading.is_some()
                || !fact.candidates.is_empty()
                || !fact.references.is_empty()
                || !fact.markers.is_empty()
            {
                self.lines.push(fact);
            }
        }
    }

    /// The candidate of clause rule `rule_index` on `line` (masked), if its pattern matches.
    /// `locations` are the pattern's, reused from line to line.
    fn candidate(&mut self, grammar: &Grammar, rule_index: usize, locations: &mut regex::CaptureLocations, line: &str) {
        let rule = &grammar.clause_rules[rule_index];
        let Some(m) = rule.pattern.captures_read(locations, line) else { return };
        let mut whole = m.range();
        let title_at = whole.end;
        if rule.title_rest {
            whole.end = line.len();
        }
        let id = rule.key_groups.iter().flatten().find_map(|&i| locations.get(i).map(|(start, end)| start..end));
        let id = id.unwrap_or_else(|| marker_span(line, &whole));
        let groups = self.groups.len();
        self.groups.extend((0..locations.len()).map(|i| locations.get(i).map(|(start, end)| start..end)));
        self.candidates.push(Candidate {
            rule: rule_index,
            groups: groups..self.groups.len(),
            id,
            title_at,
            end: whole.end,
        });
    }
}

/// A line [`ChunkFacts::line_facts`] searches: outside masked blocks.
struct ScannedLine {
    /// Without its line break.
    span: Range<usize>,
    heading: Option<usize>,
    list_item: Option<usize>,
    candidates: Range<usize>,
}

/// The matches of one rule on each of `lines` (ascending ranges of `text`, without their line
/// breaks), as if each line were searched alone, pushed to `out` with their line's index and
/// with ranges relative to it (`rebase` subtracts an offset).
///
/// One search runs over the whole text, so a line without a match costs no call. `search`
/// finds the first match at or after an offset of a haystack, pushes what it names to its third
/// argument and returns the match's range; the rule asserts nothing but word boundaries
/// (`searches_across_lines`), so a match that stays within its line is the one a search of the
/// line alone finds there. Where a match crosses the line's end, the line is searched alone
/// (what was found on it is dropped first) and the search goes on from the next line.
fn search_lines<T>(
    text: &str,
    lines: &[Range<usize>],
    out: &mut Vec<(usize, T)>,
    mut search: impl FnMut(&str, usize, &mut Vec<T>) -> Option<Range<usize>>,
    rebase: impl Fn(&mut T, usize),
) {
    let mut found = Vec::new();
    let first = out.len();
    let (mut at, mut line) = (0, 0);
    while at < text.len() {
        found.clear();
        let Some(m) = search(text, at, &mut found) else { break };
        while lines.get(line).is_some_and(|span| span.end < m.start) {
            line += 1;
        }
        let Some(span) = lines.get(line) else { break };
        if m.start < span.start {
            // It starts in a masked block or a line break: no line holds it.
            at = span.start;
            continue;
        }
        if m.end <= span.end {
            out.extend(found.drain(..).map(|mut t| {
                rebase(&mut t, span.start);
                (line, t)
            }));
            at = m.end;
            continue;
        }
        while out.len() > first && out.last().is_some_and(|(l, _)| *l == line) {
            out.pop();
        }
        let alone = &text[span.clone()];
        let mut from = 0;
        while from < alone.len() {
            found.clear();
            let Some(m) = search(alone, from, &mut found) else { break };
            out.extend(found.drain(..).map(|t| (line, t)));
            from = m.end;
        }
        at = lines.get(line + 1).map_or(text.len(), |next| next.start);
    }
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

/// The second pass: a document's facts in order, with what depends on the lines before.
struct Assembler<'a> {
    grammar: &'a Grammar,
    text: &'a str,
    outline: &'a Outline,
    model: &'a mut DocModel,
    ordinals: HashMap<(Option<usize>, Option<usize>, usize), usize>,
    section_stack: Vec<usize>,
    open_clauses: Vec<usize>,
}

/// One line of the facts, placed in the document.
struct Line<'f> {
    start: usize,
    len: usize,
    heading: Option<usize>,
    list_item: Option<usize>,
    facts: &'f ChunkFacts,
    fact: &'f LineFact,
}

impl<'a> Assembler<'a> {
    fn new(grammar: &'a Grammar, text: &'a str, outline: &'a Outline, model: &'a mut DocModel) -> Self {
        Assembler {
            grammar,
            text,
            outline,
            model,
            ordinals: HashMap::new(),
            section_stack: Vec::new(),
            open_clauses: Vec::new(),
        }
    }

    /// Place the facts of consecutive stretches, each with its start in the document.
    fn run(mut self, parts: &[(usize, &ChunkFacts)]) {
        let (mut headings, mut list_items) = (0, 0);
        // Sized up front from the facts (clauses and references at most as many as found): grown
        // by doubling, the lists of a large document were copied over and over.
        let total = |count: fn(&ChunkFacts) -> usize| parts.iter().map(|(_, f)| count(f)).sum::<usize>();
        self.model.clauses.reserve(total(|f| f.candidates.len()));
        self.model.references.reserve(total(|f| f.references.len()));
        self.model.markers.reserve(total(|f| f.markers.len()));
        let mut inline_masks = Vec::with_capacity(total(|f| f.inline_masks.len()));
        let mut links = Vec::with_capacity(total(|f| f.links.len()));
        let mut pending = Vec::with_capacity(total(|f| f.pending.len()));
        for &(at, facts) in parts {
            let shift = |r: &Range<usize>| r.start + at..r.end + at;
            inline_masks.extend(facts.inline_masks.iter().map(shift));
            pending.extend(facts.pending.iter().map(|p| (shift(&p.text), p.label.as_str(), p.at + links.len())));
            links.extend(facts.links.iter().map(|l| Link {
                kind: l.kind,
                text: shift(&l.text),
                destination: l.destination.clone(),
                destination_range: shift(&l.destination_range),
            }));
            for fact in &facts.lines {
                let line = Line {
                    start: at + fact.start,
                    len: fact.len,
                    heading: fact.heading.map(|h| h + headings),
                    list_item: fact.list_item.map(|i| i + list_items),
                    facts,
                    fact,
                };
                self.line(&line);
            }
            headings += facts.headings;
            list_items += facts.list_items;
        }
        self.model.links = resolve_references(self.text, self.outline, links, pending);
        self.model.masked = merge(self.outline.masks.iter().map(|m| m.range.clone()).chain(inline_masks).collect());
    }

    fn line(&mut self, line: &Line) {
        while self.section_stack.last().is_some_and(|&s| self.model.sections[s].range.end <= line.start) {
            self.section_stack.pop();
        }
        while self.open_clauses.last().is_some_and(|&c| self.model.clauses[c].range.end <= line.start) {
            self.open_clauses.pop();
        }
        let first_new = self.model.clauses.len();
        if let Some(clause) = self.clause(line) {
            self.model.clauses.push(clause);
        }
        self.references(line, first_new);
        for found in &line.facts.markers[line.fact.markers.clone()] {
            let kind = self.grammar.marker_rules[found.rule].kind.clone();
            self.model
                .markers
                .push(Marker { kind, range: line.start + found.range.start..line.start + found.range.end });
        }
        if let Some(index) = line.heading {
            self.section_stack.push(index);
        }
        if self.model.clauses.len() > first_new {
            self.open_clauses.push(first_new);
        }
    }

    fn clause(&mut self, line: &Line) -> Option<Clause> {
        let grammar = self.grammar;
        for candidate in &line.facts.candidates[line.fact.candidates.clone()] {
            let rule = &grammar.clause_rules[candidate.rule];
            if let Some(under) = &rule.under
                && !self.section_stack.iter().any(|&s| under.is_match(&self.model.sections[s].title))
            {
                continue;
            }
            if rule.top_level && line.list_item.is_none_or(|i| self.outline.list_items[i].depth != 0) {
                continue;
            }
            let parent = rule.parent.as_ref().and_then(|kind| {
                self.open_clauses.iter().rev().copied().find(|&c| self.model.clauses[c].kind == kind.as_str())
            });
            if rule.parent.is_some() && parent.is_none() {
                continue;
            }
            let (text, groups) = (self.text, &line.facts.groups[candidate.groups.clone()]);
            let group = |name: &str| -> Option<&'a str> {
                let i = rule.pattern.capture_names().position(|n| n == Some(name))?;
                let r = groups.get(i)?.as_ref()?;
                Some(&text[line.start + r.start..line.start + r.end])
            };
            let Some(id) = self.clause_id(rule, &group, parent) else { continue };
            let title = if rule.title_rest {
                Some(text[line.start + candidate.title_at..line.start + candidate.end].trim().to_string())
            } else {
                group("title").map(|t| t.trim().to_string())
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
                id_range: line.start + candidate.id.start..line.start + candidate.id.end,
                range: self.clause_range(line),
                global: rule.global,
                parent: parent.map(|p| p as u32),
            });
        }
        None
    }

    /// The key a candidate defines: its `id` group, or its template rendered with the parent's
    /// key, the ordinal and the groups. `group` reads a capture in the original text: patterns
    /// match around masks, but a requirement name keeps its code spans (OpenSpec compares names
    /// exactly).
    fn clause_id<'t>(
        &mut self,
        rule: &ClauseRule,
        group: &dyn Fn(&str) -> Option<&'t str>,
        parent: Option<usize>,
    ) -> Option<String> {
        let Some(template) = &rule.id else {
            return group("id").map(|id| id.trim().to_string());
        };
        let ordinal = if rule.ordinal {
            let key = (parent, self.section_stack.last().copied(), rule.namespace.0 as usize);
            let counter = self.ordinals.entry(key).or_insert(0);
            *counter += 1;
            Some(*counter)
        } else {
            None
        };
        let clauses = &self.model.clauses;
        template.render(&|name, out| {
            match name {
                "parent" => out.push_str(&clauses[parent?].id),
                "ordinal" => write!(out, "{}", ordinal?).ok()?,
                other => out.push_str(group(other)?),
            }
            Some(())
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
        line.start..line.start + line.len
    }

    fn references(&mut self, line: &Line, first_new_clause: usize) {
        let found = &line.facts.references[line.fact.references.clone()];
        if found.is_empty() {
            return;
        }
        // A line defines one clause at most.
        let taken = self.model.clauses.get(first_new_clause).map(|c| c.id_range.clone());
        // The line's references so far are disjoint. A line with a few is checked against each of
        // them; one with more keeps them as start -> end, where one lookup tells whether a new one
        // overlaps any (a line may hold a hundred thousand).
        const FEW: usize = 16;
        let first_reference = self.model.references.len();
        let mut line_refs: BTreeMap<usize, usize> = BTreeMap::new();
        for key in found {
            let range = line.start + key.range.start..line.start + key.range.end;
            let overlaps = |r: &Range<usize>| r.start < range.end && range.start < r.end;
            let overlaps_line = if found.len() <= FEW {
                self.model.references[first_reference..].iter().any(|r| overlaps(&r.range))
            } else {
                line_refs.range(..range.end).next_back().is_some_and(|(_, &end)| end > range.start)
            };
            if taken.as_ref().is_some_and(overlaps) || overlaps_line {
                continue;
            }
            if found.len() > FEW {
                line_refs.insert(range.start, range.end);
            }
            self.model.references.push(Reference {
                id: key.key.as_deref().unwrap_or(&self.text[range.clone()]).into(),
                namespace: key.namespace,
                range,
                role: Role::Cites,
                pin: None,
                unit: None,
            });
        }
    }
}

/// The links in document order with reference links resolved against the document's
/// definitions (the first definition of a label wins), then the definitions.
fn resolve_references(
    text: &str,
    outline: &Outline,
    mut links: Vec<Link>,
    pending: Vec<(Range<usize>, &str, usize)>,
) -> Vec<Link> {
    let mut labels: HashMap<String, usize> = HashMap::new();
    let mut definitions = Vec::with_capacity(outline.link_definitions.len());
    for def in &outline.link_definitions {
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
            let def = &definitions[*labels.get(label)?];
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
    links
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

/// Replace bytes `from..to` of `text` with [`OPAQUE`], whole characters at a time (those of the
/// line starting at `line_start`), keeping offsets.
fn make_opaque(text: &mut String, line_start: usize, from: usize, to: usize) {
    let line = &text[line_start..];
    let (from, to) = (floor_char(line, from - line_start), floor_char(line, to.max(from) - line_start));
    if from >= to {
        return;
    }
    text.replace_range(line_start + from..line_start + to, &OPAQUE.repeat(to - from));
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

/// Verifies specs/007-edit-latency/spec.md FR-006.
#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::syntax::random_edits::{apply, byte_edit, edit_strategy, text_strategy};

    /// A document of each kind whose rules depend on context: Spec Kit stories with computed
    /// scenario keys, tasks under phases; Kiro criteria numbered under their requirement.
    const PATHS: &[&str] = &["specs/001-x/spec.md", "specs/001-x/tasks.md", ".kiro/specs/x/requirements.md"];

    /// Lines that open sections, clauses, references, markers, masks and links, with the block
    /// syntax that moves chunk boundaries.
    const FRAGMENTS: &[&str] = &[
        "# Feature Specification: X\n",
        "## Requirements *(mandatory)*\n",
        "### Functional Requirements\n",
        "### User Story 1 - Pay (Priority: P1)\n",
        "**Acceptance Scenarios**:\n",
        "1. **Given** a cart, **When** paid, **Then** done\n",
        "- **FR-001**: System MUST pay per SC-001.\n",
        "- **FR-002**: Users MUST see `FR-009` [NEEDS CLARIFICATION: which?]\n",
        "- **SC-001**: 95% within 2 s\n",
        "## Phase 1: Setup\n",
        "- [ ] T001 [P] [US1] Build in src/x.rs per FR-001\n",
        "- [x] T002 Test per FR-002, SC-001\n",
        "### Requirement 1\n",
        "#### Acceptance Criteria\n",
        "1. WHEN paid THEN the system SHALL log\n",
        "_Requirements: 1.1, 2.3_\n",
        "See [plan] and [the spec](spec.md).\n",
        "[plan]: ./plan.md\n",
        "```\n",
        "<!--\n",
        "-->\n",
        "  - nested FR-003\n",
        "text per FR-001\n",
        "\n",
        "x",
    ];

    fn fresh(grammar: &Grammar, path: &Path, relative: &str, text: &str) -> DocModel {
        let tree = crate::syntax::parse_blocks(&ropey::Rope::from_str(text), None);
        build(grammar, path, relative, text, &crate::syntax::outline(&tree, text.len()))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Chunks of a few lines each, so that facts are kept and reused across many of them.
        #[test]
        fn a_model_built_from_kept_chunk_facts_equals_a_fresh_build(
            relative in prop::sample::select(PATHS),
            initial in text_strategy(FRAGMENTS),
            edits in prop::collection::vec(edit_strategy(FRAGMENTS), 1..10),
        ) {
            let grammar = Grammar::builtin();
            let path = Path::new("/w").join(relative);
            let mut text = initial;
            let mut chunks = Chunks::with_min_chunk(0);
            chunks.update(&text);
            let mut cache = ModelCache::default();
            let model = build_chunked(&grammar, &path, relative, &text, &chunks, &mut cache);
            prop_assert_eq!(model, fresh(&grammar, &path, relative, &text), "{:?}", text);
            for (start, len, insert, build) in edits {
                chunks.edit(&apply(&mut text, start, len, &insert));
                if build {
                    chunks.update(&text);
                    let model = build_chunked(&grammar, &path, relative, &text, &chunks, &mut cache);
                    prop_assert_eq!(model, fresh(&grammar, &path, relative, &text), "{:?}", text);
                }
            }
            chunks.update(&text);
            let model = build_chunked(&grammar, &path, relative, &text, &chunks, &mut cache);
            prop_assert_eq!(model, fresh(&grammar, &path, relative, &text), "{:?}", text);
        }
    }

    /// Mentions that overlap count once per line, whether the line holds a few or many.
    /// Verifies specs/001-core-engine/spec.md FR-009.
    #[test]
    fn overlapping_mentions_count_once_on_short_and_long_lines() {
        let grammar = Grammar::builtin();
        for n in [3, 40] {
            let text = format!("# Tasks\n\n{}\n", "[US1] ".repeat(n));
            let model = fresh(&grammar, Path::new("/w/specs/001-a/tasks.md"), "specs/001-a/tasks.md", &text);
            assert_eq!(model.references.len(), n, "{text}");
            assert!(model.references.iter().all(|r| &*r.id == "US1" && &text[r.range.clone()] == "US1"));
        }
    }

    /// Lines where keys and markers sit at line ends and patterns may reach over a line break.
    const LINE_FRAGMENTS: &[&str] = &[
        "Principle",
        "III",
        "per FR-001",
        "T012",
        "SC-002.",
        "_Requirements: 1.1,",
        "2.3_",
        "Requirements 1.2 and",
        "[NEEDS CLARIFICATION: which",
        "one?]",
        "[US1]",
        "US-2",
        "Property 3",
        "\u{1a}",
        "é FR-003",
        " ",
        "_",
    ];

    fn lines_strategy() -> impl Strategy<Value = (String, Vec<bool>)> {
        let line = prop::collection::vec(prop::sample::select(LINE_FRAGMENTS), 0..4).prop_map(|parts| parts.join(" "));
        let breaks = prop::sample::select(vec!["\n", "\r\n", "\r"]);
        prop::collection::vec((line, breaks, any::<bool>()), 1..12).prop_map(|lines| {
            let text = lines.iter().map(|(l, b, _)| format!("{l}{b}")).collect();
            (text, lines.iter().map(|(_, _, searched)| *searched).collect())
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// Verifies specs/001-core-engine/spec.md FR-009: one search over many lines finds, per
        /// line, what a search of each line alone finds, for every reference and marker pattern
        /// of the built-in formats, with some lines left out (as masked blocks are).
        #[test]
        fn a_search_over_many_lines_equals_a_search_of_each_line((text, searched) in lines_strategy()) {
            let grammar = Grammar::builtin();
            let mut spans = Vec::new();
            let mut start = 0;
            while start < text.len() {
                let content_end = start + line_end(&text.as_bytes()[start..]);
                spans.push(start..content_end);
                start = next_line_start(&text, content_end);
            }
            let spans: Vec<Range<usize>> =
                spans.into_iter().zip(&searched).filter(|(_, s)| **s).map(|(span, _)| span).collect();
            for rule in grammar.reference_rules.iter().filter(|r| r.across_lines) {
                let mut expected = Vec::new();
                for (i, span) in spans.iter().enumerate() {
                    keys_in(&rule.pattern, rule.groups, rule.item.as_ref(), rule.id.as_ref(), &text[span.clone()], |k| {
                        expected.push((i, (k.key, k.range)))
                    });
                }
                let mut found = Vec::new();
                let mut keys = Vec::new();
                let mut locations = rule.pattern.capture_locations();
                search_lines(&text, &spans, &mut found, |haystack, at, out| {
                    let m = rule.match_at(haystack, at, &mut locations, &mut keys)?;
                    out.extend(keys.drain(..).map(|(key, range)| (key.unwrap_or_else(|| haystack[range.clone()].to_string()), range)));
                    Some(m)
                }, |(_, range), by| *range = range.start - by..range.end - by);
                prop_assert_eq!(found, expected, "{}", rule.pattern.as_str());
            }
            for rule in grammar.marker_rules.iter().filter(|r| r.across_lines) {
                let expected: Vec<(usize, Range<usize>)> = spans
                    .iter()
                    .enumerate()
                    .flat_map(|(i, span)| rule.pattern.find_iter(&text[span.clone()]).map(move |m| (i, m.range())))
                    .collect();
                let mut found = Vec::new();
                search_lines(&text, &spans, &mut found, |haystack, at, out| {
                    let m = rule.pattern.find_at(haystack, at)?;
                    out.push(m.range());
                    Some(m.range())
                }, |range, by| *range = range.start - by..range.end - by);
                prop_assert_eq!(found, expected, "{}", rule.pattern.as_str());
            }
        }
    }

    #[test]
    fn every_built_in_reference_and_marker_pattern_is_searched_across_lines() {
        let grammar = Grammar::builtin();
        assert!(grammar.reference_rules.iter().all(|r| r.across_lines));
        assert!(grammar.marker_rules.iter().all(|r| r.across_lines));
    }

    #[test]
    fn an_edit_scans_only_the_chunks_parsed_again() {
        let grammar = Grammar::builtin();
        let relative = "specs/001-x/spec.md";
        let path = Path::new("/w").join(relative);
        let mut text: String =
            (0..40).map(|i| format!("## Part {i}\n\n- **FR-{i:03}**: System MUST x per SC-001.\n\n")).collect();
        let mut chunks = Chunks::with_min_chunk(0);
        chunks.update(&text);
        let mut cache = ModelCache::default();
        build_chunked(&grammar, &path, relative, &text, &chunks, &mut cache);
        let before: Vec<*const ChunkFacts> = cache.chunks.values().map(|(_, f)| Arc::as_ptr(f)).collect();
        let at = text.find("FR-030").unwrap();
        text.insert(at, 'x');
        chunks.edit(&byte_edit(at, at, at + 1));
        chunks.update(&text);
        let model = build_chunked(&grammar, &path, relative, &text, &chunks, &mut cache);
        let scanned = cache.chunks.values().filter(|(_, f)| !before.contains(&Arc::as_ptr(f))).count();
        assert!(scanned <= 2, "{scanned} chunks scanned again");
        assert_eq!(model, fresh(&grammar, &path, relative, &text));
    }
}
