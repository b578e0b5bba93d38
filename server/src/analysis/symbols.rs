//! Document symbols (sections holding clauses) and workspace symbols (every clause, fuzzy).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::Range;
use std::path::PathBuf;

use crate::model::{Clause, DocModel};

use super::index::{ClauseLoc, WorkspaceIndex};

/// What a symbol stands for; the protocol layer maps it to an LSP symbol kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SymbolCategory {
    Section,
    Requirement,
    Story,
    Scenario,
    Task,
    Principle,
    ChecklistItem,
    Property,
    Other,
}

impl SymbolCategory {
    fn of(clause: &Clause) -> Self {
        match clause.kind.as_str() {
            "requirement" | "success-criterion" | "acceptance-criterion" | "bug-condition" => Self::Requirement,
            "user-story" => Self::Story,
            "acceptance-scenario" | "scenario" | "acceptance-check" => Self::Scenario,
            "task" => Self::Task,
            "principle" => Self::Principle,
            "checklist-item" => Self::ChecklistItem,
            "property" => Self::Property,
            _ => Self::Other,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub detail: Option<String>,
    pub category: SymbolCategory,
    pub range: Range<usize>,
    pub selection: Range<usize>,
    pub children: Vec<Symbol>,
}

/// Most symbols a document's outline holds (specs/009-reliability FR-014). The protocol layer
/// answers through a JSON tree of seven objects a symbol, about 5 KB, built whole before it is
/// written: the 100,000 headings of a hostile document cost over 500 MB for the moment of the
/// answer. A 1 MB spec holds about 9,000 symbols.
pub const DOCUMENT_SYMBOL_LIMIT: usize = 20_000;

/// A document's outline, and how many symbols [`DOCUMENT_SYMBOL_LIMIT`] left out of it.
#[derive(Debug)]
pub struct DocumentSymbols {
    pub symbols: Vec<Symbol>,
    pub left_out: usize,
}

/// Hierarchical symbols: sections nest by heading level, clauses sit in the innermost section or
/// clause that contains them. A heading that defines a clause (a user story) is one symbol. At
/// most [`DOCUMENT_SYMBOL_LIMIT`] of them: see [`bound`].
pub fn document_symbols(model: &DocModel, text: &str) -> DocumentSymbols {
    let mut symbols = all_symbols(model, text);
    let left_out = bound(&mut symbols, DOCUMENT_SYMBOL_LIMIT);
    DocumentSymbols { symbols, left_out }
}

fn all_symbols(model: &DocModel, text: &str) -> Vec<Symbol> {
    let mut flat: Vec<Symbol> = Vec::with_capacity(model.sections.len() + model.clauses.len());
    for section in &model.sections {
        let clause =
            model.clauses.iter().find(|c| c.range == section.range && section.heading.contains(&c.id_range.start));
        flat.push(match clause {
            Some(c) => clause_symbol(c, text),
            None => Symbol {
                name: if section.title.is_empty() { "(untitled)".into() } else { section.title.clone() },
                detail: None,
                category: SymbolCategory::Section,
                range: section.range.clone(),
                selection: section.heading.clone(),
                children: Vec::new(),
            },
        });
    }
    for clause in &model.clauses {
        let is_heading =
            model.sections.iter().any(|s| s.range == clause.range && s.heading.contains(&clause.id_range.start));
        if !is_heading {
            flat.push(clause_symbol(clause, text));
        }
    }
    flat.sort_by_key(|s| (s.range.start, std::cmp::Reverse(s.range.end)));
    nest(flat)
}

fn clause_symbol(clause: &Clause, text: &str) -> Symbol {
    let title = clause.title_in(text);
    Symbol {
        name: clause.id.to_string(),
        detail: (title != &*clause.id).then(|| title.to_string()),
        category: SymbolCategory::of(clause),
        range: clause.range.start.min(clause.id_range.start)..clause.range.end.max(clause.id_range.end),
        selection: clause.id_range.clone(),
        children: Vec::new(),
    }
}

/// Deeper symbols become siblings: editors and recursive consumers need a bounded tree.
const MAX_DEPTH: usize = 32;

/// Nest symbols sorted by start (outer first) by range containment, without recursion.
fn nest(flat: Vec<Symbol>) -> Vec<Symbol> {
    let mut roots: Vec<Symbol> = Vec::new();
    let mut stack: Vec<Symbol> = Vec::new();
    for symbol in flat {
        while stack.len() >= MAX_DEPTH {
            let done = stack.pop().expect("non-empty stack");
            attach(&mut stack, &mut roots, done);
        }
        while let Some(top) = stack.last() {
            if top.range.start <= symbol.range.start && symbol.range.end <= top.range.end {
                break;
            }
            let done = stack.pop().expect("non-empty stack");
            attach(&mut stack, &mut roots, done);
        }
        stack.push(symbol);
    }
    while let Some(done) = stack.pop() {
        attach(&mut stack, &mut roots, done);
    }
    roots
}

fn attach(stack: &mut [Symbol], roots: &mut Vec<Symbol>, symbol: Symbol) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(symbol),
        None => roots.push(symbol),
    }
}

/// Keep at most `limit` of the symbols under `roots`, the outline's upper levels first: every
/// level of the tree while the levels so far fit, then the first symbols of the next level in
/// document order, without their children. Returns how many were left out.
fn bound(roots: &mut Vec<Symbol>, limit: usize) -> usize {
    let mut per_level: Vec<usize> = Vec::new();
    let mut stack: Vec<(&Symbol, usize)> = roots.iter().map(|s| (s, 0)).collect();
    while let Some((symbol, level)) = stack.pop() {
        if per_level.len() <= level {
            per_level.resize(level + 1, 0);
        }
        per_level[level] += 1;
        stack.extend(symbol.children.iter().map(|c| (c, level + 1)));
    }
    let total: usize = per_level.iter().sum();
    let (mut kept, mut level) = (0, 0);
    while level < per_level.len() && kept + per_level[level] <= limit {
        kept += per_level[level];
        level += 1;
    }
    if level < per_level.len() {
        let mut room = limit - kept;
        cut(roots, level, &mut room);
    }
    total.saturating_sub(limit)
}

/// Keep the first `room` symbols of `level` under `symbols` (in document order: a parent's
/// children come before those of its next sibling), none below it. The recursion is as deep as
/// the tree, which [`MAX_DEPTH`] bounds.
fn cut(symbols: &mut Vec<Symbol>, level: usize, room: &mut usize) {
    if level == 0 {
        symbols.truncate(*room);
        *room -= symbols.len();
        for symbol in symbols {
            symbol.children = Vec::new();
        }
        return;
    }
    for symbol in symbols {
        cut(&mut symbol.children, level - 1, room);
    }
}

/// A clause found by a workspace symbol query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceSymbol {
    pub name: String,
    pub detail: String,
    pub category: SymbolCategory,
    pub path: PathBuf,
    pub selection: Range<usize>,
    /// The feature folder, shown as the container.
    pub container: Option<String>,
    pub score: i64,
}

/// A matching clause and what orders it: score (higher first), then path, then position.
#[derive(PartialEq, Eq)]
struct Candidate {
    score: i64,
    rank: u32,
    start: usize,
    loc: ClauseLoc,
}

impl Candidate {
    fn order(&self) -> (Reverse<i64>, u32, usize, u32) {
        (Reverse(self.score), self.rank, self.start, self.loc.index)
    }
}

/// Worse candidates are greater: the heap of the best ones keeps its worst on top.
impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.order().cmp(&other.order())
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// A key's definitions with its part of the match: `base` (the key's score and the exact bonus),
/// the rest of the query its titles must match, and the most any of its clauses can score.
struct Group<'a> {
    base: i64,
    taken: usize,
    needed: CharSet,
    bound: i64,
    locs: &'a [ClauseLoc],
}

/// The best candidates so far, at most `limit`, with the worst of them once there are that many.
struct Best {
    heap: BinaryHeap<Candidate>,
    limit: usize,
    worst: Option<(Reverse<i64>, u32)>,
}

impl Best {
    /// Whether a clause scoring at most `bound`, in the document ranked `rank`, could be kept: a
    /// better bound, or the same bound and a path not after the worst's (the position decides
    /// between equal paths).
    fn admits(&self, bound: i64, rank: u32) -> bool {
        self.worst.is_none_or(|worst| (Reverse(bound), rank) <= worst)
    }

    fn offer(&mut self, candidate: Candidate) {
        if self.heap.len() < self.limit {
            self.heap.push(candidate);
        } else if let Some(mut worst) = self.heap.peek_mut()
            && candidate < *worst
        {
            *worst = candidate;
        }
        if self.heap.len() == self.limit {
            self.worst = self.heap.peek().map(|w| (Reverse(w.score), w.rank));
        }
    }
}

/// Clauses of one key visited per turn, when keys of the same bound take turns.
const TURN: usize = 8;

/// Every clause whose `ID title` fuzzily matches `query`, best first, at most `limit`.
///
/// The index groups clauses by key, so the key's part of the match is scored once per distinct
/// key (every feature has its `FR-001`), a clause whose key takes the whole query is scored
/// without reading its title, and a title that lacks some character of the rest of the query is
/// skipped on its [`CharSet`]. Keys are visited by the most their clauses can score, and once
/// `limit` clauses are kept, a clause that could not beat the worst of them on its key's bound
/// and its path rank is skipped on its location alone. Keys of the same bound take turns, a few
/// clauses each: a key's definitions are ordered by feature, which a cold index interns in path
/// order, so the turns meet the best paths first and the rank check skips the rest. A query that
/// a key answers (`FR-001`) reads that key's clauses; a title query reads the documents that hold
/// its best matches and few more.
pub fn workspace_symbols(index: &WorkspaceIndex, query: &str, limit: usize) -> Vec<WorkspaceSymbol> {
    let query: Vec<char> = query.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect();
    if limit == 0 {
        return Vec::new();
    }
    let mut groups: Vec<Group> = index
        .keys()
        .map(|(_, key, locs)| {
            let (key_score, taken) = greedy(&query, key.chars(), ID_BONUS);
            let exact =
                if key.chars().flat_map(char::to_lowercase).eq(query.iter().copied()) { EXACT_BONUS } else { 0 };
            let base = key_score + exact;
            let rest = &query[taken..];
            Group { base, taken, needed: CharSet::of_query(rest), bound: base + title_bound(rest), locs }
        })
        .collect();
    groups.sort_unstable_by_key(|g| Reverse(g.bound));
    let mut best = Best { heap: BinaryHeap::new(), limit, worst: None };
    for tier in groups.chunk_by(|a, b| a.bound == b.bound) {
        if !best.admits(tier[0].bound, 0) {
            break;
        }
        for turn in (0..).step_by(TURN) {
            let mut visited = false;
            for group in tier {
                let Some(locs) = group.locs.get(turn..).filter(|l| !l.is_empty()) else { continue };
                visited = true;
                for loc in &locs[..locs.len().min(TURN)] {
                    consider(index, &query, group, loc, &mut best);
                }
            }
            if !visited {
                break;
            }
        }
    }
    best.heap
        .into_sorted_vec()
        .into_iter()
        .filter_map(|candidate| {
            let (doc, clause) = index.clause(&candidate.loc)?;
            let model = &doc.model;
            Some(WorkspaceSymbol {
                name: clause.id.to_string(),
                detail: clause.title_in(&doc.text).to_string(),
                category: SymbolCategory::of(clause),
                path: model.path.clone(),
                selection: clause.id_range.clone(),
                container: model.scope.as_ref().and_then(|s| s.file_name()).map(|n| n.to_string_lossy().into_owned()),
                score: candidate.score,
            })
        })
        .collect()
}

/// Score one clause of `group` and offer it, unless its key's bound and its path rank, or its
/// title's characters, already rule it out.
fn consider(index: &WorkspaceIndex, query: &[char], group: &Group, loc: &ClauseLoc, best: &mut Best) {
    let rank = index.path_rank(loc.doc);
    if !best.admits(group.bound, rank) {
        return;
    }
    let Some(doc) = index.doc_by_id(loc.doc) else { return };
    let i = loc.index as usize;
    let rest = &query[group.taken..];
    if !rest.is_empty() && !doc.title_chars(i).holds(group.needed) {
        return;
    }
    let Some(clause) = doc.model.clauses.get(i) else { return };
    let title_score = if rest.is_empty() { Some(0) } else { title_score(rest, clause.title_in(&doc.text)) };
    if let Some(title_score) = title_score {
        best.offer(Candidate { score: group.base + title_score, rank, start: clause.id_range.start, loc: *loc });
    }
}

/// Which characters a text holds, as far as a fuzzy match can tell: one bit per ASCII letter
/// (either case), one for any digit, one for any other ASCII character, one for anything else. A
/// text with characters outside ASCII holds every bit: their lowercase may be ASCII (the Kelvin
/// sign's is `k`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CharSet(u32);

impl CharSet {
    /// Holds every character: what a text may hold when it is not known.
    pub const ANY: CharSet = CharSet(u32::MAX);
    const DIGIT: u32 = 1 << 26;
    const OTHER_ASCII: u32 = 1 << 27;
    const NOT_ASCII: u32 = 1 << 28;

    /// Every clause title of the workspace goes through this once, at indexing: a byte table
    /// instead of a match per byte.
    pub fn of(text: &str) -> CharSet {
        const BITS: [u32; 128] = {
            let mut bits = [0; 128];
            let mut b = 0;
            while b < 128 {
                bits[b] = CharSet::bit(b as u8 as char);
                b += 1;
            }
            bits
        };
        if !text.is_ascii() {
            return CharSet::ANY;
        }
        CharSet(text.bytes().fold(0, |set, b| set | BITS[usize::from(b)]))
    }

    /// The set of a query, whose characters are lowercase already.
    fn of_query(query: &[char]) -> CharSet {
        CharSet(query.iter().fold(0, |set, &c| set | Self::bit(c)))
    }

    const fn bit(c: char) -> u32 {
        match c {
            'a'..='z' => 1 << (c as u32 - 'a' as u32),
            'A'..='Z' => 1 << (c as u32 - 'A' as u32),
            '0'..='9' => Self::DIGIT,
            _ if c.is_ascii() => Self::OTHER_ASCII,
            _ => Self::NOT_ASCII,
        }
    }

    fn holds(self, other: CharSet) -> bool {
        self.0 & other.0 == other.0
    }
}

/// Per query character matched in the key rather than the title.
const ID_BONUS: i64 = 4;
/// A key equal to the whole query.
const EXACT_BONUS: i64 = 100;

/// Greedy subsequence match of `query` over `text`: its score and how many query characters it
/// matched. A match scores 1, plus `in_key` in the key, plus 3 at a word start and 5 right after
/// another match. The key and the title are matched one after the other (the space between them
/// never matches, since the query holds no whitespace), so the two parts score independently.
fn greedy(query: &[char], text: impl Iterator<Item = char>, in_key: i64) -> (i64, usize) {
    let mut score = 0;
    let mut taken = 0;
    let mut after_match = false;
    let mut word_start = true;
    for c in text {
        if taken == query.len() {
            break;
        }
        let matched = c.to_lowercase().eq(std::iter::once(query[taken]));
        if matched {
            score += 1 + in_key;
            if word_start {
                score += 3;
            }
            if after_match {
                score += 5;
            }
            taken += 1;
        }
        after_match = matched;
        word_start = !c.is_alphanumeric();
    }
    (score, taken)
}

/// The most a title can add to the score for `rest` (see [`greedy`]): 1 per character, 3 more at a
/// word start and 5 more right after the previous match. Both bonuses at once need the previous
/// text character to be matched and not alphanumeric, so the previous query character must not
/// be alphanumeric either (no character that is not alphanumeric lowercases to one that is; a
/// test checks every character).
fn title_bound(rest: &[char]) -> i64 {
    let after = |k: usize| if rest[k - 1].is_alphanumeric() { 6 } else { 9 };
    (0..rest.len()).map(|k| if k == 0 { 4 } else { after(k) }).sum()
}

/// The title's part of the score when it must match all of `rest`. An ASCII title is searched
/// with memchr for each character in turn (the greedy match is the leftmost one), which is what
/// makes scanning every title of a large workspace affordable.
fn title_score(rest: &[char], title: &str) -> Option<i64> {
    if !title.is_ascii() {
        let (score, taken) = greedy(rest, title.chars(), 0);
        return (taken == rest.len()).then_some(score);
    }
    let bytes = title.as_bytes();
    let mut score = 0;
    let mut from = 0;
    let mut last: Option<usize> = None;
    for &q in rest {
        // A character outside ASCII never is the lowercase of one inside it.
        let q = u8::try_from(q).ok().filter(u8::is_ascii)?;
        let at = from
            + if q.is_ascii_lowercase() {
                memchr::memchr2(q, q.to_ascii_uppercase(), &bytes[from..])?
            } else {
                memchr::memchr(q, &bytes[from..])?
            };
        score += 1;
        if at == 0 || !bytes[at - 1].is_ascii_alphanumeric() {
            score += 3;
        }
        if last.is_some_and(|l| l + 1 == at) {
            score += 5;
        }
        last = Some(at);
        from = at + 1;
    }
    Some(score)
}

/// Verifies specs/001-core-engine/spec.md FR-018.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::index::test_workspace;
    use proptest::prelude::*;

    /// A tree of `width` symbols a level, `levels` deep, each named by its path in the tree.
    fn tree(width: usize, levels: usize, prefix: &str) -> Vec<Symbol> {
        (0..width)
            .map(|i| {
                let name = format!("{prefix}{i}");
                Symbol {
                    children: if levels > 1 { tree(width, levels - 1, &format!("{name}.")) } else { Vec::new() },
                    name,
                    detail: None,
                    category: SymbolCategory::Section,
                    range: 0..0,
                    selection: 0..0,
                }
            })
            .collect()
    }

    fn names(symbols: &[Symbol]) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack: Vec<&Symbol> = symbols.iter().rev().collect();
        while let Some(s) = stack.pop() {
            out.push(s.name.clone());
            stack.extend(s.children.iter().rev());
        }
        out
    }

    /// The outline keeps its upper levels whole and the first symbols of the next level, in
    /// document order. Verifies specs/009-reliability/spec.md FR-014.
    #[test]
    fn an_outline_over_the_limit_keeps_its_upper_levels_first() {
        // 3 + 9 + 27 symbols.
        let mut symbols = tree(3, 3, "");
        assert_eq!(bound(&mut symbols, 39), 0);
        assert_eq!(names(&symbols).len(), 39);
        assert_eq!(bound(&mut symbols, 14), 25);
        assert_eq!(
            names(&symbols),
            ["0", "0.0", "0.0.0", "0.0.1", "0.1", "0.2", "1", "1.0", "1.1", "1.2", "2", "2.0", "2.1", "2.2"]
        );
        let mut symbols = tree(3, 3, "");
        assert_eq!(bound(&mut symbols, 12), 27);
        assert_eq!(names(&symbols), ["0", "0.0", "0.1", "0.2", "1", "1.0", "1.1", "1.2", "2", "2.0", "2.1", "2.2"]);
        let mut symbols = tree(3, 3, "");
        assert_eq!(bound(&mut symbols, 2), 37);
        assert_eq!(names(&symbols), ["0", "1"]);
    }

    /// 100,000 headings in one section give the section and the first headings up to the limit.
    /// Verifies specs/009-reliability/spec.md FR-014.
    #[test]
    fn a_hundred_thousand_headings_are_bounded() {
        let grammar = crate::model::Grammar::builtin();
        let headings: String = (0..100_000).map(|i| format!("## Heading {i}\n")).collect();
        let text = format!("# Many\n\n{headings}");
        let model = crate::model::from_text(&grammar, std::path::Path::new("/w/many.md"), "many.md", &text);
        let outline = document_symbols(&model, &text);
        assert_eq!(outline.left_out, 100_001 - DOCUMENT_SYMBOL_LIMIT);
        assert_eq!(outline.symbols.len(), 1);
        let children = &outline.symbols[0].children;
        assert_eq!(children.len(), DOCUMENT_SYMBOL_LIMIT - 1);
        assert_eq!(
            children.last().map(|s| s.name.as_str()),
            Some(format!("Heading {}", DOCUMENT_SYMBOL_LIMIT - 2).as_str())
        );
    }

    /// The scorer before the search grouped clauses by key: the whole `id title` walked for every
    /// clause. The search must agree with it.
    fn fuzzy_score(query: &[char], id: &str, title: &str) -> Option<i64> {
        if query.is_empty() {
            return Some(0);
        }
        let id_len = id.chars().count();
        let mut score = 0i64;
        let mut q = 0;
        let mut previous: Option<usize> = None;
        let mut word_start = true;
        for (i, c) in id.chars().chain(std::iter::once(' ')).chain(title.chars()).enumerate() {
            if q == query.len() {
                break;
            }
            if c.to_lowercase().eq(std::iter::once(query[q])) {
                score += 1;
                if i < id_len {
                    score += 4;
                }
                if word_start {
                    score += 3;
                }
                if previous == Some(i.wrapping_sub(1)) {
                    score += 5;
                }
                previous = Some(i);
                q += 1;
            }
            word_start = !c.is_alphanumeric();
        }
        if q < query.len() {
            return None;
        }
        if id.chars().flat_map(char::to_lowercase).eq(query.iter().copied()) {
            score += 100;
        }
        Some(score)
    }

    /// Every clause scored with [`fuzzy_score`], best first, then by path, position and order.
    fn brute_force(index: &WorkspaceIndex, query: &str, limit: usize) -> Vec<(String, PathBuf, usize, i64)> {
        let query: Vec<char> = query.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect();
        let mut all = Vec::new();
        for doc in index.docs() {
            for (i, clause) in doc.model.clauses.iter().enumerate() {
                if let Some(score) = fuzzy_score(&query, &clause.id, clause.title_in(&doc.text)) {
                    all.push((Reverse(score), doc.model.path.clone(), clause.id_range.start, i, clause.id.to_string()));
                }
            }
        }
        all.sort();
        all.into_iter().take(limit).map(|(score, path, start, _, id)| (id, path, start, score.0)).collect()
    }

    fn searched(index: &WorkspaceIndex, query: &str, limit: usize) -> Vec<(String, PathBuf, usize, i64)> {
        workspace_symbols(index, query, limit)
            .into_iter()
            .map(|s| (s.name, s.path, s.selection.start, s.score))
            .collect()
    }

    fn q(s: &str) -> Vec<char> {
        s.chars().flat_map(char::to_lowercase).collect()
    }

    /// Verifies specs/003-navigation/spec.md FR-021: [`title_bound`] relies on this.
    #[test]
    fn no_character_that_is_not_alphanumeric_lowercases_to_one_that_is() {
        let offenders: Vec<char> = (0..=u32::from(char::MAX))
            .filter_map(char::from_u32)
            .filter(|c| !c.is_alphanumeric())
            .filter(|c| {
                let mut lower = c.to_lowercase();
                matches!((lower.next(), lower.next()), (Some(l), None) if l.is_alphanumeric())
            })
            .collect();
        assert_eq!(offenders, []);
    }

    #[test]
    fn fuzzy_prefers_exact_ids_then_id_prefixes_then_titles() {
        let exact = fuzzy_score(&q("fr-001"), "FR-001", "Sign in").unwrap();
        let prefix = fuzzy_score(&q("fr"), "FR-001", "Sign in").unwrap();
        let title = fuzzy_score(&q("sign"), "FR-001", "Sign in").unwrap();
        assert!(exact > prefix && prefix > 0 && title > 0);
        assert_eq!(fuzzy_score(&q("xyz"), "FR-001", "Sign in"), None);
        assert!(
            fuzzy_score(&q("lockout"), "T004", "Lockout counter").unwrap()
                > fuzzy_score(&q("lockout"), "T009", "l o c k o u t").unwrap()
        );
    }

    /// Verifies specs/003-navigation/spec.md FR-018, FR-021: keys defined in more features than a
    /// turn visits (every feature has its `FR-001`) give what scoring every clause gives.
    #[test]
    fn keys_of_many_features_agree_with_scoring_every_clause() {
        let mut files = Vec::new();
        for n in 0..40 {
            let word = |k: usize| WORDS[(n * 7 + k * 5) % WORDS.len()];
            let spec = format!(
                "# Feature Specification: F{n}\n\n## Requirements\n\n- **FR-001**: System MUST {} {}\n- **FR-002**: System MUST {}\n- **FR-{:03}**: System MUST {}\n",
                word(0),
                word(1),
                word(2),
                n % 5 + 1,
                word(3)
            );
            files.push((format!("specs/{:03}-f/spec.md", 40 - n), spec));
        }
        let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let index = test_workspace(&files);
        for query in ["FR-001", "fr-00", "export", "xport", "invoice", "sign", "FR-00lockout", "", "zzz"] {
            for limit in [1, 3, 9, 20, 128] {
                assert_eq!(searched(&index, query, limit), brute_force(&index, query, limit), "{query} {limit}");
            }
        }
    }

    /// Words for generated titles: mixed case, digits, punctuation and characters whose lowercase
    /// is not one character or is ASCII (the Kelvin sign), so both title scorers are exercised.
    const WORDS: [&str; 12] = [
        "Export",
        "invoice",
        "FR-001",
        "sign-in",
        "Lockout",
        "Café",
        "İstanbul",
        "\u{212A}elvin",
        "t004",
        "US1",
        "x",
        "Ünï",
    ];

    fn workspace_strategy() -> impl Strategy<Value = Vec<(String, String)>> {
        let title = prop::collection::vec(prop::sample::select(WORDS.to_vec()), 0..5).prop_map(|w| w.join(" "));
        let clause = (0..4usize, 1..30usize, title);
        let feature = prop::collection::vec(clause, 0..12);
        prop::collection::vec(feature, 1..5).prop_map(|features| {
            let mut files = Vec::new();
            for (n, clauses) in features.into_iter().enumerate() {
                let mut spec =
                    format!("# Feature Specification: F{n}\n\n## Requirements\n\n### Functional Requirements\n\n");
                let mut tasks = format!("# Tasks: F{n}\n\n");
                for (kind, number, title) in clauses {
                    match kind {
                        0 | 1 => spec.push_str(&format!("- **FR-{number:03}**: System MUST {title}\n")),
                        2 => spec.push_str(&format!("- **SC-{number:03}**: {title}\n")),
                        _ => tasks.push_str(&format!("- [ ] T{number:03} {title}\n")),
                    }
                }
                files.push((format!("specs/{n:03}-f/spec.md"), spec));
                files.push((format!("specs/{n:03}-f/tasks.md"), tasks));
            }
            files
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Verifies specs/003-navigation/spec.md FR-018.
        #[test]
        fn search_agrees_with_scoring_every_clause(
            files in workspace_strategy(),
            query in prop::collection::vec(prop::sample::select(WORDS.to_vec()), 0..3)
                .prop_flat_map(|w| { let s = w.join(""); let n = s.chars().count(); (Just(s), 0..=n, 0..=n) })
                .prop_map(|(s, a, b)| s.chars().skip(a.min(b)).take(a.max(b) - a.min(b)).collect::<String>()),
            limit in 1..40usize,
        ) {
            let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
            let index = test_workspace(&files);
            prop_assert_eq!(searched(&index, &query, limit), brute_force(&index, &query, limit));
        }

        /// Verifies specs/003-navigation/spec.md FR-021: no title scores more than the bound the
        /// search skips clauses by, whichever of its characters the query picks.
        #[test]
        fn no_title_scores_above_its_bound(
            (title, picked) in prop::collection::vec(prop::sample::select(WORDS.to_vec()), 0..5)
                .prop_map(|w| w.join(" -"))
                .prop_flat_map(|t| { let n = t.chars().count(); (Just(t), prop::collection::vec(any::<bool>(), n)) }),
        ) {
            let rest: Vec<char> = title
                .chars()
                .zip(picked)
                .filter(|&(c, pick)| pick && !c.is_whitespace())
                .flat_map(|(c, _)| c.to_lowercase())
                .collect();
            if let Some(score) = title_score(&rest, &title) {
                prop_assert!(score <= title_bound(&rest), "{} > {}", score, title_bound(&rest));
            }
        }
    }
}
