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
    Clause, DocModel, Fold, FoldKind, Link, LinkKind, Marker, Reference, Role, Section, Title, detect_kind,
    normalize_heading, shared_key,
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
    Assembler::new(grammar, text, outline, &mut model).run(&[(0, Arc::new(facts))], None);
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
        cache.assembled = Assembled::default();
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
    Assembler::new(grammar, text, &outline, &mut model).run(&facts, Some(&mut cache.assembled));
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
    assembled: Assembled,
}

/// What the last build assembled, so that the next one takes over what the chunks before the
/// first one that changed gave: those chunks hold the same facts at the same offsets, and the
/// assembler reads nothing after a line to place it, so their clauses, references and markers
/// are the same, but for the range of a clause that is a section reaching past them.
#[derive(Default)]
struct Assembled {
    /// Per chunk: its facts (kept alive, so that no other chunk's facts take their address), its
    /// start and the assembler's state there.
    chunks: Vec<(Arc<ChunkFacts>, usize, Checkpoint)>,
    clauses: Vec<Clause>,
    references: Vec<Reference>,
    markers: Vec<Marker>,
    /// Clauses that are a heading's section: (clause, section) indices.
    section_clauses: Vec<(usize, usize)>,
    /// How many chunks the last build assembled rather than took over.
    #[cfg(test)]
    assembled: usize,
}

impl Assembled {
    /// Where the chunks that end `parts` as they ended the last build begin.
    fn same_tail(&self, parts: &[(usize, Arc<ChunkFacts>)]) -> usize {
        let same = parts.iter().rev().zip(self.chunks.iter().rev()).take_while(|((_, f), (g, _, _))| Arc::ptr_eq(f, g));
        parts.len() - same.count()
    }

    /// The kept chunk that chunk `i` of `count` (one of the same tail) was, if the last build
    /// placed it from the state `here`: the same open sections, clauses and ordinals, all placed
    /// before `first`, where this build began to assemble, so their indices did not change.
    fn resumes(&self, count: usize, i: usize, here: &Checkpoint, first: &Checkpoint) -> Option<usize> {
        let j = (i + self.chunks.len()).checked_sub(count)?;
        let there = &self.chunks.get(j)?.2;
        let before = here.section_stack.iter().all(|&s| s < first.headings)
            && here.open_clauses.iter().all(|&c| c < first.clauses)
            && here
                .ordinals
                .iter()
                .all(|((p, s, _), _)| p.is_none_or(|p| p < first.clauses) && s.is_none_or(|s| s < first.headings));
        let same = here.section_stack == there.section_stack
            && here.open_clauses == there.open_clauses
            && here.ordinals == there.ordinals;
        (before && same).then_some(j)
    }
}

/// The assembler's state where a chunk starts, and how much it had placed by then.
#[derive(Clone, Default)]
struct Checkpoint {
    section_stack: Vec<usize>,
    open_clauses: Vec<usize>,
    ordinals: Vec<(OrdinalKey, usize)>,
    headings: usize,
    list_items: usize,
    clauses: usize,
    references: usize,
    markers: usize,
    section_clauses: usize,
}

impl Checkpoint {
    /// This state of the last build, where `from` moved to `to`: indices of what was placed after
    /// `from` move with it (the state of a chunk taken over after an edit).
    fn moved(&self, from: &Checkpoint, to: &Checkpoint) -> Checkpoint {
        let index = |x: usize, from: usize, to: usize| if x >= from { x - from + to } else { x };
        let section = |s: usize| index(s, from.headings, to.headings);
        let clause = |c: usize| index(c, from.clauses, to.clauses);
        Checkpoint {
            section_stack: self.section_stack.iter().map(|&s| section(s)).collect(),
            open_clauses: self.open_clauses.iter().map(|&c| clause(c)).collect(),
            ordinals: self.ordinals.iter().map(|&((p, s, n), v)| ((p.map(clause), s.map(section), n), v)).collect(),
            headings: self.headings - from.headings + to.headings,
            list_items: self.list_items - from.list_items + to.list_items,
            clauses: self.clauses - from.clauses + to.clauses,
            references: self.references - from.references + to.references,
            markers: self.markers - from.markers + to.markers,
            section_clauses: self.section_clauses - from.section_clauses + to.section_clauses,
        }
    }
}

/// An ordinal counts clauses of a namespace under a parent clause and a section.
type OrdinalKey = (Option<usize>, Option<usize>, usize);

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
    /// The `id` group's text, read in the original text and shared with every model built from
    /// these facts.
    key: Option<Arc<str>>,
    /// Where the title is (the `title` group or the rest of the line, trimmed), relative to the
    /// line; `None` when it is empty.
    title: Option<Range<usize>>,
}

/// A key a reference pattern finds on the line, relative to the line.
struct KeyFound {
    /// Shared with every model built from these facts.
    key: Arc<str>,
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
                    self.candidate(grammar, rule_index, locations, line_text, &text[line.clone()]);
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
            // A key the search did not copy is the text it matched: the document's own text, or
            // the text around a mask as it was found.
            let key_found = |haystack: &str, (key, range): (Option<String>, Range<usize>)| {
                let key = shared_key(key.as_deref().unwrap_or(&haystack[range.clone()]));
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
                        |k| found_by_rule.push((i, KeyFound { key: shared_key(&k.key), namespace, range: k.range })),
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

    /// The candidate of clause rule `rule_index` on `line` (masked; `original` is the same line
    /// unmasked), if its pattern matches. `locations` are the pattern's, reused from line to line.
    fn candidate(
        &mut self,
        grammar: &Grammar,
        rule_index: usize,
        locations: &mut regex::CaptureLocations,
        line: &str,
        original: &str,
    ) {
        let rule = &grammar.clause_rules[rule_index];
        let Some(m) = rule.pattern.captures_read(locations, line) else { return };
        let mut whole = m.range();
        let title_at = whole.end;
        if rule.title_rest {
            whole.end = line.len();
        }
        let id = rule.key_groups.iter().flatten().find_map(|&i| locations.get(i).map(|(start, end)| start..end));
        let id = id.unwrap_or_else(|| marker_span(line, &whole));
        // Captures are read in the original text: patterns match around masks, but a requirement
        // name keeps its code spans (OpenSpec compares names exactly).
        let group = |i: Option<usize>| locations.get(i?).map(|(start, end)| original[start..end].trim());
        let key = if rule.id.is_none() { group(rule.key_groups[0]).map(shared_key) } else { None };
        let title = if rule.title_rest {
            Some(title_at..whole.end)
        } else {
            rule.title_group.and_then(|i| locations.get(i)).map(|(start, end)| start..end)
        };
        let title = title.map(|span| trim(original, span)).filter(|span| !span.is_empty());
        let groups = self.groups.len();
        self.groups.extend((0..locations.len()).map(|i| locations.get(i).map(|(start, end)| start..end)));
        self.candidates.push(Candidate { rule: rule_index, groups: groups..self.groups.len(), id, key, title });
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
    ordinals: HashMap<OrdinalKey, usize>,
    section_stack: Vec<usize>,
    open_clauses: Vec<usize>,
    /// Clauses that are a heading's section: (clause, section) indices.
    section_clauses: Vec<(usize, usize)>,
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
            section_clauses: Vec::new(),
        }
    }

    /// Place the facts of consecutive stretches, each with its start in the document. With
    /// `kept`, what the last build assembled, the stretches it began with are taken over from it
    /// and what this build assembles is kept in their place.
    fn run(mut self, parts: &[(usize, Arc<ChunkFacts>)], kept: Option<&mut Assembled>) {
        // Sized up front from the facts (clauses and references at most as many as found): grown
        // by doubling, the lists of a large document were copied over and over.
        let total = |count: fn(&ChunkFacts) -> usize| parts.iter().map(|(_, f)| count(f)).sum::<usize>();
        self.model.clauses.reserve(total(|f| f.candidates.len()));
        self.model.references.reserve(total(|f| f.references.len()));
        self.model.markers.reserve(total(|f| f.markers.len()));
        let mut inline_masks = Vec::with_capacity(total(|f| f.inline_masks.len()));
        let mut links = Vec::with_capacity(total(|f| f.links.len()));
        let mut pending = Vec::with_capacity(total(|f| f.pending.len()));
        for (at, facts) in parts {
            let shift = |r: &Range<usize>| r.start + at..r.end + at;
            inline_masks.extend(facts.inline_masks.iter().map(shift));
            pending.extend(facts.pending.iter().map(|p| (shift(&p.text), p.label.as_str(), p.at + links.len())));
            links.extend(facts.links.iter().map(|l| Link {
                kind: l.kind,
                text: shift(&l.text),
                destination: l.destination.clone(),
                destination_range: shift(&l.destination_range),
            }));
        }
        let (first, at_first) = kept.as_deref().map_or_else(Default::default, |kept| self.take_over(parts, kept));
        let same_tail = kept.as_deref().map_or(parts.len(), |kept| kept.same_tail(parts));
        let (mut headings, mut list_items) = (at_first.headings, at_first.list_items);
        let mut checkpoints = Vec::new();
        let mut resumed = None;
        for (i, (at, facts)) in parts.iter().enumerate().skip(first) {
            let (at, facts) = (*at, &**facts);
            if let Some(kept) = kept.as_deref() {
                self.close_before(at);
                let here = self.checkpoint(headings, list_items);
                if i > first
                    && i >= same_tail
                    && let Some(j) = kept.resumes(parts.len(), i, &here, &at_first)
                {
                    let by = at as isize - kept.chunks[j].1 as isize;
                    self.copy_rest(kept, &kept.chunks[j].2, &here, by);
                    resumed = Some((j, here, by));
                    break;
                }
                checkpoints.push(here);
            }
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
        if let Some(kept) = kept {
            #[cfg(test)]
            {
                kept.assembled = checkpoints.len();
            }
            let old = kept.chunks.split_off(first);
            kept.chunks.extend(parts[first..].iter().zip(checkpoints).map(|((at, f), c)| (f.clone(), *at, c)));
            if let Some((j, here, by)) = resumed {
                let from = &old[j - first].2;
                kept.chunks.extend(
                    old[j - first..]
                        .iter()
                        .map(|(f, at, c)| (f.clone(), at.wrapping_add_signed(by), c.moved(from, &here))),
                );
            }
            kept.clauses.truncate(at_first.clauses);
            kept.clauses.extend_from_slice(&self.model.clauses[at_first.clauses..]);
            kept.references.truncate(at_first.references);
            kept.references.extend_from_slice(&self.model.references[at_first.references..]);
            kept.markers.truncate(at_first.markers);
            kept.markers.extend_from_slice(&self.model.markers[at_first.markers..]);
            kept.section_clauses.truncate(at_first.section_clauses);
            kept.section_clauses.extend_from_slice(&self.section_clauses[at_first.section_clauses..]);
        }
        self.model.links = resolve_references(self.text, self.outline, links, pending);
        self.model.masked = merge(self.outline.masks.iter().map(|m| m.range.clone()).chain(inline_masks).collect());
    }

    /// Take over from `kept` what the stretches this build begins with (the same facts at the same
    /// offsets) gave and restore the state after them; returns how many stretches were taken over
    /// and the state where the next one starts. The last stretch is always assembled.
    fn take_over(&mut self, parts: &[(usize, Arc<ChunkFacts>)], kept: &Assembled) -> (usize, Checkpoint) {
        let same = parts
            .iter()
            .zip(&kept.chunks)
            .take_while(|((at, facts), (kept_facts, kept_at, _))| at == kept_at && Arc::ptr_eq(facts, kept_facts))
            .count()
            .min(parts.len().saturating_sub(1));
        let Some((_, _, at)) = kept.chunks.get(same) else { return (0, Checkpoint::default()) };
        let at = at.clone();
        self.model.clauses.extend_from_slice(&kept.clauses[..at.clauses]);
        self.model.references.extend_from_slice(&kept.references[..at.references]);
        self.model.markers.extend_from_slice(&kept.markers[..at.markers]);
        self.section_clauses.extend_from_slice(&kept.section_clauses[..at.section_clauses]);
        // A section may end elsewhere now: where the next heading of its level is.
        for &(clause, section) in &self.section_clauses {
            self.model.clauses[clause].range = self.model.sections[section].range.clone();
        }
        self.section_stack.clone_from(&at.section_stack);
        self.open_clauses.clone_from(&at.open_clauses);
        self.ordinals = at.ordinals.iter().copied().collect();
        (same, at)
    }

    /// Append what `kept` placed from the state `from` on, placed again from the state `to`,
    /// the same but for offsets moved `by` bytes and indices of what came after `from`.
    fn copy_rest(&mut self, kept: &Assembled, from: &Checkpoint, to: &Checkpoint, by: isize) {
        let shift = |r: &Range<usize>| r.start.wrapping_add_signed(by)..r.end.wrapping_add_signed(by);
        let clause = |c: usize| if c >= from.clauses { c - from.clauses + to.clauses } else { c };
        self.model.clauses.extend(kept.clauses[from.clauses..].iter().map(|c| Clause {
            id_range: shift(&c.id_range),
            range: shift(&c.range),
            title: match &c.title {
                Title::Text(span) => Title::Text(shift(span)),
                title => title.clone(),
            },
            parent: c.parent.map(|p| clause(p as usize) as u32),
            ..c.clone()
        }));
        self.model.references.extend(
            kept.references[from.references..].iter().map(|r| Reference { range: shift(&r.range), ..r.clone() }),
        );
        self.model
            .markers
            .extend(kept.markers[from.markers..].iter().map(|m| Marker { range: shift(&m.range), ..m.clone() }));
        let first = self.section_clauses.len();
        self.section_clauses.extend(
            kept.section_clauses[from.section_clauses..]
                .iter()
                .map(|&(c, s)| (clause(c), s - from.headings + to.headings)),
        );
        // A kept section's range may be stale (taken over since, and read again then): read anew.
        for &(clause, section) in &self.section_clauses[first..] {
            self.model.clauses[clause].range = self.model.sections[section].range.clone();
        }
    }

    /// Close the sections and clauses that end before `at`, as the next line would.
    fn close_before(&mut self, at: usize) {
        while self.section_stack.last().is_some_and(|&s| self.model.sections[s].range.end <= at) {
            self.section_stack.pop();
        }
        while self.open_clauses.last().is_some_and(|&c| self.model.clauses[c].range.end <= at) {
            self.open_clauses.pop();
        }
    }

    /// The state where a stretch starts. Ordinals of a parent or section no longer open are
    /// dropped first: neither opens again, so they are never read.
    fn checkpoint(&mut self, headings: usize, list_items: usize) -> Checkpoint {
        let (sections, clauses) = (&self.section_stack, &self.open_clauses);
        self.ordinals.retain(|(parent, section, _), _| {
            parent.is_none_or(|p| clauses.contains(&p)) && section.is_none_or(|s| sections.contains(&s))
        });
        let mut ordinals: Vec<(OrdinalKey, usize)> = self.ordinals.iter().map(|(k, v)| (*k, *v)).collect();
        ordinals.sort_unstable();
        Checkpoint {
            section_stack: self.section_stack.clone(),
            open_clauses: self.open_clauses.clone(),
            ordinals,
            headings,
            list_items,
            clauses: self.model.clauses.len(),
            references: self.model.references.len(),
            markers: self.model.markers.len(),
            section_clauses: self.section_clauses.len(),
        }
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
            if let Some(section) = line.heading {
                self.section_clauses.push((self.model.clauses.len(), section));
            }
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
            let id = match &candidate.key {
                Some(key) => key.clone(),
                None => match self.clause_id(rule, &group, parent) {
                    Some(id) => shared_key(&id),
                    None => continue,
                },
            };
            let title = match (&candidate.title, line.heading) {
                (Some(span), _) => Title::Text(line.start + span.start..line.start + span.end),
                (None, Some(h)) => Title::Owned(Arc::from(self.model.sections[h].title.as_str())),
                (None, None) => Title::Key,
            };
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

    /// The key a candidate of a rule with an `id` template defines: the template rendered with
    /// the parent's key, the ordinal and the groups (`group` reads a capture in the original
    /// text). The key of a rule without one is its `id` group, found with the candidate.
    fn clause_id<'t>(
        &mut self,
        rule: &ClauseRule,
        group: &dyn Fn(&str) -> Option<&'t str>,
        parent: Option<usize>,
    ) -> Option<String> {
        let template = rule.id.as_ref()?;
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
                id: key.key.clone(),
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

/// `range` of `text` without the whitespace [`str::trim`] takes off either end.
fn trim(text: &str, range: Range<usize>) -> Range<usize> {
    let range = trim_end(text, range);
    let lead = range.len() - text[range.clone()].trim_start().len();
    range.start + lead..range.end
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
        // Bytes, not chars: most ranges break at the end of their first line.
        .filter(|f| memchr::memchr2(b'\n', b'\r', &text.as_bytes()[f.range.clone()]).is_some())
        .collect();
    folds.sort_by_key(|f| (f.range.start, std::cmp::Reverse(f.range.end)));
    folds
}

/// Verifies specs/007-edit-latency/spec.md FR-006, FR-011.
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
                        expected.push((i, (k.key.into_owned(), k.range)))
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

    /// Kiro criteria, numbered under their requirement across chunks: an edit that leaves the
    /// numbering after it alone assembles the chunks it changed and takes the others over; one
    /// that changes it (a criterion added, a requirement heading removed, so a section reaches
    /// further) assembles on until the state is the last build's again. Verifies FR-011.
    #[test]
    fn an_edit_assembles_only_the_chunks_whose_context_changed() {
        let grammar = Grammar::builtin();
        let relative = ".kiro/specs/x/requirements.md";
        let path = Path::new("/w").join(relative);
        let mut text = String::from("# Requirements Document\n\n## Requirements\n\n");
        for r in 1..=8 {
            text.push_str(&format!("### Requirement {r}\n\n#### Acceptance Criteria\n\n"));
            for c in 1..=4 {
                text.push_str(&format!("{c}. WHEN event {r}.{c} THEN the system SHALL act per 1.{c}\n"));
            }
            text.push('\n');
        }
        let mut chunks = Chunks::with_min_chunk(0);
        chunks.update(&text);
        let mut cache = ModelCache::default();
        build_chunked(&grammar, &path, relative, &text, &chunks, &mut cache);
        let mut edit = |text: &mut String, at: usize, remove: usize, insert: &str| {
            text.replace_range(at..at + remove, insert);
            chunks.edit(&byte_edit(at, at + remove, at + insert.len()));
            chunks.update(text);
            let model = build_chunked(&grammar, &path, relative, text, &chunks, &mut cache);
            assert_eq!(model, fresh(&grammar, &path, relative, text), "{text}");
            (cache.assembled.assembled, chunks.len())
        };
        let at = text.find("event 4.2").unwrap();
        let (assembled, count) = edit(&mut text, at, 0, "x");
        assert!(assembled <= 2 && count > 30, "{assembled} of {count} chunks assembled");
        let at = text.find("2. WHEN event 3.2").unwrap();
        let (assembled, _) = edit(&mut text, at, 0, "9. WHEN added THEN the system SHALL act\n");
        assert!(assembled <= 6, "{assembled} chunks assembled: the rest of requirement 3 is numbered again");
        let at = text.find("### Requirement 6").unwrap();
        edit(&mut text, at, "### Requirement 6\n\n".len(), "");
        let at = text.find("event 7.1").unwrap();
        edit(&mut text, at, 0, "y");
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
