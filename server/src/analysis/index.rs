//! The workspace index: every indexed document's model and text, and where each key is defined.
//!
//! Documents, feature scopes and keys are interned as small integers so that checks over
//! thousands of same-named keys (every feature has its `FR-001`) compare integers, a key's
//! definitions within one scope are a single lookup, and indexing a document hashes each key
//! once instead of cloning it into four maps. Maps use foldhash: keys come from the workspace,
//! not from a network peer, and the cold index spends its serial time hashing.

use foldhash::HashMap;
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use crate::model::{Clause, ClauseKind, DocModel, Grammar, NamespaceId, Reference};

use super::config::Config;
use super::rules::{Changed, TextMemo};
use super::symbols::CharSet;
use super::test_state::TestResults;
use crate::text::{LineIndex, Position, PositionEncoding, common_ends};

/// An answer a document keeps about the index, with the definitions' epoch it was found at.
type Kept<T> = Mutex<Option<(u64, T)>>;

/// One indexed document: its model, and the text it was built from (for positions and previews).
#[derive(Debug)]
pub struct IndexedDoc {
    pub model: DocModel,
    pub text: Arc<str>,
    /// Built on the first position asked: most documents of a cold index never answer one.
    lines: OnceLock<LineIndex>,
    /// Bytes read by positions told without `lines` (see [`IndexedDoc::position`]).
    counted: AtomicUsize,
    /// The characters of each clause's title, by clause, so that workspace symbols skip a title
    /// that lacks some of the query's without reading it.
    title_chars: OnceLock<Box<[CharSet]>>,
    /// The keys the document mentions, by namespace, built on the first question: a task list is
    /// asked about every requirement of its feature's spec on each keystroke there.
    mentioned: OnceLock<HashMap<NamespaceId, foldhash::HashSet<Arc<str>>>>,
    /// [`WorkspaceIndex::contested`]'s answer for this document, and the definitions' epoch it
    /// was found at.
    contested: Kept<Arc<[u32]>>,
    /// [`WorkspaceIndex::kinds_cited`]'s answer for this document, with the definitions' epoch
    /// and the scope it was found at.
    cited_kinds: Kept<(ScopeId, Arc<[ClauseKind]>)>,
    /// What the text rules found in this version's text, and in the version it replaced.
    pub(crate) memo: TextMemo,
}

impl IndexedDoc {
    pub fn new(model: DocModel, text: Arc<str>) -> Self {
        let doc = IndexedDoc::edited(model, text);
        doc.all_title_chars();
        doc
    }

    /// A new version of an open document: [`WorkspaceIndex::upsert`] takes the title characters
    /// of unchanged titles over from the version it replaces, rather than reading every title
    /// after each keystroke.
    pub fn edited(model: DocModel, text: Arc<str>) -> Self {
        IndexedDoc {
            model,
            text,
            lines: OnceLock::new(),
            counted: AtomicUsize::new(0),
            title_chars: OnceLock::new(),
            mentioned: OnceLock::new(),
            contested: Mutex::new(None),
            cited_kinds: Mutex::new(None),
            memo: TextMemo::default(),
        }
    }

    /// What [`WorkspaceIndex::contested`] last found for this version.
    fn contested_found(&self) -> Option<(u64, Arc<[u32]>)> {
        self.contested.lock().expect("contested lock").clone()
    }

    /// Whether the document mentions `key` of `namespace` (a reference to it, resolved or not).
    pub fn mentions_key(&self, namespace: NamespaceId, key: &str) -> bool {
        let mentioned = self.mentioned.get_or_init(|| {
            let mut mentioned: HashMap<NamespaceId, foldhash::HashSet<Arc<str>>> = HashMap::default();
            for reference in &self.model.references {
                mentioned.entry(reference.namespace).or_default().insert(reference.id.clone());
            }
            mentioned
        });
        mentioned.get(&namespace).is_some_and(|keys| keys.contains(key))
    }

    /// The characters of the title of the clause at `index` in the model.
    pub fn title_chars(&self, index: usize) -> CharSet {
        self.all_title_chars().get(index).copied().unwrap_or(CharSet::ANY)
    }

    fn all_title_chars(&self) -> &[CharSet] {
        self.title_chars
            .get_or_init(|| self.model.clauses.iter().map(|c| CharSet::of(c.title_in(&self.text))).collect())
    }

    /// The position of a byte offset. A document asked a position or two (one of hundreds a
    /// request lands in) counts the line breaks before it instead of indexing its lines; once
    /// those counts have read twice the text, the lines are indexed.
    pub fn position(&self, offset: usize, enc: PositionEncoding) -> Position {
        if self.lines.get().is_none()
            && self.counted.fetch_add(offset, Ordering::Relaxed) < 2 * self.text.len()
            && let Some(position) = LineIndex::position_unindexed(&self.text, offset)
        {
            return position;
        }
        self.lines().position(&self.text, offset, enc)
    }

    /// This version's line index derived from `old`'s, when `old` built one: an edited
    /// document is asked the positions of its diagnostics after each keystroke, and deriving
    /// reads only the text the edit changed.
    /// `ends`: the common prefix and suffix of the two texts.
    fn inherit_lines(&self, old: &IndexedDoc, ends: (usize, usize)) {
        if let Some(lines) = old.lines.get() {
            let _ = self.lines.set(LineIndex::edited_between(lines, &old.text, &self.text, ends));
        }
    }

    /// Line starts, for positions.
    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }
}

/// An interned document path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocId(u32);

/// An interned feature scope; [`ScopeId::NONE`] for documents outside any feature folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScopeId(u32);

impl ScopeId {
    pub const NONE: ScopeId = ScopeId(0);
}

/// Where a clause is defined.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClauseLoc {
    pub doc: DocId,
    pub index: u32,
    pub scope: ScopeId,
    pub global: bool,
}

/// Where a key is mentioned: a document and the reference's index in its model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RefLoc {
    pub doc: DocId,
    pub index: u32,
}

#[derive(Debug)]
pub struct WorkspaceIndex {
    pub grammar: Arc<Grammar>,
    pub config: Config,
    /// The test results read from the workspace (`test_state`).
    pub results: Arc<TestResults>,
    roots: Vec<PathBuf>,
    /// Interned paths; an id stays valid (and keeps its path) after its document is removed.
    paths: Vec<Arc<Path>>,
    /// Ids by their path's [`normal_bytes`]: a clean path hashes as one run of bytes, where
    /// `Path`'s own hash walks its components (most of the cost of interning a scan's paths).
    doc_ids: HashMap<Box<[u8]>, DocId>,
    /// Indexed documents by id (ids are dense: a vector, not a map).
    docs: Vec<Option<Arc<IndexedDoc>>>,
    /// How many entries of `docs` hold a document.
    doc_count: usize,
    /// Each document's scope, by id (an indexed document's scope without hashing its path).
    doc_scopes: Vec<ScopeId>,
    /// Each id's rank in path order (`Path`'s ordering), built on first use and dropped when a
    /// new path is interned, so ties between equally good answers compare integers.
    path_ranks: OnceLock<Box<[u32]>>,
    scope_ids: HashMap<PathBuf, ScopeId>,
    /// Interned scope paths, by id (index 0, [`ScopeId::NONE`], is unused).
    scope_paths: Vec<PathBuf>,
    /// Scopes by folder name, for pinned mentions (`specs/002-billing/…`, `002-billing/FR-001`).
    scope_names: HashMap<String, Vec<ScopeId>>,
    /// The indexed documents of each scope (scopes with none are left out).
    scope_docs: HashMap<ScopeId, Vec<DocId>>,
    /// Interned keys as written (`FR-001`).
    keys: Keys,
    /// Every definition of a key, workspace-wide, ordered by scope (then document and position):
    /// a key's definitions within one scope are a slice of them, found by binary search, rather
    /// than a map entry per key and scope.
    definitions: HashMap<(NamespaceId, KeyId), Vec<ClauseLoc>>,
    /// Counts the changes to `definitions` and to the clauses' kinds (an upsert that changes no
    /// clause changes neither).
    definitions_epoch: u64,
    /// Every mention of a key, workspace-wide.
    mentions: HashMap<(NamespaceId, KeyId), Vec<RefLoc>>,
}

/// Drop a document's locations from one map entry, and the entry once it is empty.
fn unlink<K: std::hash::Hash + Eq, L>(map: &mut HashMap<K, Vec<L>>, key: K, keep: impl Fn(&L) -> bool) {
    if let Some(locs) = map.get_mut(&key) {
        locs.retain(keep);
        if locs.is_empty() {
            map.remove(&key);
        }
    }
}

/// Where two versions of a document's list (clauses or references) differ: everything before
/// `start` is the same, and so is everything from `old_end` in the old list and `new_end` in the
/// new one to their ends.
struct Window {
    start: usize,
    old_end: usize,
    new_end: usize,
}

impl Window {
    fn of<T>(old: &[T], new: &[T], same: impl Fn(&T, &T) -> bool) -> Window {
        let start = old.iter().zip(new).take_while(|(a, b)| same(a, b)).count();
        let tail = old[start..].iter().rev().zip(new[start..].iter().rev()).take_while(|(a, b)| same(a, b)).count();
        Window { start, old_end: old.len() - tail, new_end: new.len() - tail }
    }

    /// The old indices after the window whose index changes, in an order that never moves one onto
    /// an index not yet moved.
    fn shifted(&self, old_len: usize) -> Box<dyn Iterator<Item = usize>> {
        let range = self.old_end..old_len;
        match self.new_end.cmp(&self.old_end) {
            std::cmp::Ordering::Equal => Box::new(std::iter::empty()),
            std::cmp::Ordering::Less => Box::new(range),
            std::cmp::Ordering::Greater => Box::new(range.rev()),
        }
    }

    /// Whether the window holds most of the entries of both versions, `total` of them.
    fn is_most_of(&self, total: usize) -> bool {
        2 * (self.old_end + self.new_end - 2 * self.start) > total
    }

    /// The new index of an old one after the window.
    fn moved(&self, index: usize) -> u32 {
        (index + self.new_end - self.old_end) as u32
    }
}

/// Put a document's location among the others, keeping each document's locations together and in
/// model order (a document indexed anew appends its own).
fn insert_in_order(locs: &mut Vec<RefLoc>, loc: RefLoc) {
    let at = match locs.iter().rposition(|l| l.doc == loc.doc && l.index < loc.index) {
        Some(before) => before + 1,
        None => locs.iter().position(|l| l.doc == loc.doc).unwrap_or(locs.len()),
    };
    locs.insert(at, loc);
}

/// An interned key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct KeyId(u32);

/// Interned keys, both ways; an id is never reused.
#[derive(Debug, Default)]
struct Keys {
    ids: HashMap<Box<str>, KeyId>,
    names: Vec<Box<str>>,
}

impl Keys {
    fn intern(&mut self, key: &str) -> KeyId {
        if let Some(&id) = self.ids.get(key) {
            return id;
        }
        let id = KeyId(self.names.len() as u32);
        self.ids.insert(key.into(), id);
        self.names.push(key.into());
        id
    }

    fn name(&self, id: KeyId) -> &str {
        &self.names[id.0 as usize]
    }
}

/// Put a clause's definition among its key's, ordered by scope, document and position.
fn link_clause(
    keys: &mut Keys,
    definitions: &mut HashMap<(NamespaceId, KeyId), Vec<ClauseLoc>>,
    loc: ClauseLoc,
    clause: &Clause,
) {
    let key = keys.intern(&clause.id);
    let locs = definitions.entry((clause.namespace, key)).or_default();
    // Scopes and documents are interned as they come: a cold index appends.
    let order = |l: &ClauseLoc| (l.scope, l.doc, l.index);
    if locs.last().is_none_or(|last| order(last) <= order(&loc)) {
        locs.push(loc);
    } else {
        let at = locs.partition_point(|l| order(l) <= order(&loc));
        locs.insert(at, loc);
    }
}

impl WorkspaceIndex {
    pub fn new(grammar: Arc<Grammar>, roots: Vec<PathBuf>) -> Self {
        WorkspaceIndex {
            grammar,
            config: Config::default(),
            results: Arc::default(),
            roots,
            paths: Vec::new(),
            doc_ids: HashMap::default(),
            docs: Vec::new(),
            doc_count: 0,
            doc_scopes: Vec::new(),
            path_ranks: OnceLock::new(),
            scope_ids: HashMap::default(),
            scope_paths: vec![PathBuf::new()],
            scope_names: HashMap::default(),
            scope_docs: HashMap::default(),
            keys: Keys::default(),
            definitions: HashMap::default(),
            definitions_epoch: 0,
            mentions: HashMap::default(),
        }
    }

    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    pub fn add_root(&mut self, root: PathBuf) {
        if !self.roots.contains(&root) {
            self.roots.push(root);
        }
    }

    pub fn remove_root(&mut self, root: &Path) {
        self.roots.retain(|r| r != root);
    }

    /// The path relative to the deepest workspace root that holds it, with `/` separators; the
    /// whole path when it lies outside every root.
    pub fn relative(&self, path: &Path) -> String {
        relative_to(&self.roots, path)
    }

    /// Make room for `additional` more documents (a scan about to be merged).
    fn reserve(&mut self, additional: usize) {
        self.paths.reserve(additional);
        self.docs.reserve(additional);
        self.doc_scopes.reserve(additional);
        self.doc_ids.reserve(additional);
    }

    fn intern_doc(&mut self, path: &Path) -> DocId {
        let key = normal_bytes(path);
        if let Some(&id) = self.doc_ids.get(&*key) {
            return id;
        }
        let id = DocId(self.paths.len() as u32);
        self.paths.push(Arc::from(path));
        self.docs.push(None);
        self.doc_scopes.push(ScopeId::NONE);
        self.doc_ids.insert(key.into(), id);
        self.path_ranks = OnceLock::new();
        id
    }

    fn intern_scope(&mut self, scope: Option<&Path>) -> ScopeId {
        let Some(scope) = scope else { return ScopeId::NONE };
        if let Some(&id) = self.scope_ids.get(scope) {
            return id;
        }
        let id = ScopeId(self.scope_paths.len() as u32);
        self.scope_ids.insert(scope.to_path_buf(), id);
        self.scope_paths.push(scope.to_path_buf());
        if let Some(name) = scope.file_name() {
            self.scope_names.entry(name.to_string_lossy().into_owned()).or_default().push(id);
        }
        id
    }

    /// The folder of a scope.
    pub fn scope_path(&self, scope: ScopeId) -> Option<&Path> {
        (scope != ScopeId::NONE).then(|| self.scope_paths.get(scope.0 as usize).map(PathBuf::as_path)).flatten()
    }

    /// The scopes whose folder has this name and holds indexed documents.
    pub fn scopes_named(&self, name: &str) -> impl Iterator<Item = ScopeId> + '_ {
        self.scope_names.get(name).into_iter().flatten().copied().filter(|id| self.scope_docs.contains_key(id))
    }

    /// The scope id of a document's feature folder (NONE when it has none or it is unknown).
    pub fn scope_id(&self, scope: Option<&Path>) -> ScopeId {
        scope.and_then(|s| self.scope_ids.get(s).copied()).unwrap_or(ScopeId::NONE)
    }

    /// The feature folders that hold at least one indexed document, in no particular order.
    pub fn scopes(&self) -> impl Iterator<Item = &Path> {
        self.scope_ids.iter().filter(|(_, id)| self.scope_docs.contains_key(id)).map(|(path, _)| path.as_path())
    }

    /// Insert or replace a document, keeping the definition tables in step.
    ///
    /// A document replaced within its scope (an edit) touches only the entries of the clauses and
    /// references that differ from its previous model: those before and after the changed window
    /// keep their entries, shifted when the window changed their count.
    ///
    /// Returns the version it replaced, so that the caller can drop it outside its lock: a large
    /// model frees each key and title one by one (4 M instructions for a 1 MB spec).
    pub fn upsert(&mut self, doc: IndexedDoc) -> Option<Arc<IndexedDoc>> {
        let id = self.intern_doc(&doc.model.path);
        let scope = self.intern_scope(doc.model.scope.as_deref());
        let old = self.docs[id.0 as usize].take();
        if let Some(old) = &old {
            let ends = common_ends(&old.text, &doc.text);
            doc.memo.inherit(&old.memo, Changed::between(old.text.len(), doc.text.len(), ends));
            doc.inherit_lines(old, ends);
        }
        let relinked = match &old {
            Some(old) if self.doc_scopes[id.0 as usize] == scope => self.relink(id, scope, old, &doc),
            Some(old) => {
                self.unlink_doc(id, &old.model);
                self.link(id, scope, &doc.model);
                true
            }
            None => {
                self.doc_count += 1;
                self.link(id, scope, &doc.model);
                true
            }
        };
        match &old {
            // The same keys in the same order, and no other definition changed.
            Some(old) if !relinked => *doc.contested.lock().expect("contested lock") = old.contested_found(),
            _ => self.definitions_epoch += 1,
        }
        self.docs[id.0 as usize] = Some(Arc::new(doc));
        old
    }

    /// Insert a scan's documents in order, as [`upsert`](Self::upsert) one after another would.
    /// When none of them is indexed yet (the first scan), their clauses and their references are
    /// linked on two threads, the references' keys interned apart and then once each: this merge
    /// is the serial end of a cold index.
    pub fn extend(&mut self, docs: Vec<IndexedDoc>) {
        self.definitions_epoch += 1;
        let first = self.paths.len();
        self.reserve(docs.len());
        // Paths and scopes interned in order, as one upsert after another would intern them.
        let placed: Vec<(DocId, ScopeId)> = docs
            .iter()
            .map(|doc| (self.intern_doc(&doc.model.path), self.intern_scope(doc.model.scope.as_deref())))
            .collect();
        if placed.iter().enumerate().any(|(i, (id, _))| id.0 as usize != first + i) {
            for doc in docs {
                self.upsert(doc);
            }
            return;
        }
        for &(id, scope) in &placed {
            self.doc_scopes[id.0 as usize] = scope;
            if scope != ScopeId::NONE {
                self.scope_docs.entry(scope).or_default().push(id);
            }
        }
        let (keys, definitions) = (&mut self.keys, &mut self.definitions);
        let link_clauses = || {
            for (doc, &(id, scope)) in docs.iter().zip(&placed) {
                for (index, clause) in doc.model.clauses.iter().enumerate() {
                    let loc = ClauseLoc { doc: id, index: index as u32, scope, global: clause.global };
                    link_clause(keys, definitions, loc, clause);
                }
            }
        };
        let link_references = || {
            let mut keys = Keys::default();
            let mut mentions: HashMap<(NamespaceId, KeyId), Vec<RefLoc>> = HashMap::default();
            for (doc, &(id, _)) in docs.iter().zip(&placed) {
                for (index, reference) in doc.model.references.iter().enumerate() {
                    let loc = RefLoc { doc: id, index: index as u32 };
                    mentions.entry((reference.namespace, keys.intern(&reference.id))).or_default().push(loc);
                }
            }
            (keys, mentions)
        };
        let ((), (local_keys, local_mentions)) = rayon::join(link_clauses, link_references);
        for ((namespace, key), locs) in local_mentions {
            let key = self.keys.intern(local_keys.name(key));
            self.mentions.entry((namespace, key)).or_default().extend(locs);
        }
        self.doc_count += docs.len();
        for (doc, (id, _)) in docs.into_iter().zip(placed) {
            self.docs[id.0 as usize] = Some(Arc::new(doc));
        }
    }

    /// Index a document's clauses and references from scratch.
    fn link(&mut self, id: DocId, scope: ScopeId, model: &DocModel) {
        self.doc_scopes[id.0 as usize] = scope;
        if scope != ScopeId::NONE {
            self.scope_docs.entry(scope).or_default().push(id);
        }
        for (index, clause) in model.clauses.iter().enumerate() {
            self.link_clause(id, scope, index, clause);
        }
        for (index, reference) in model.references.iter().enumerate() {
            let loc = RefLoc { doc: id, index: index as u32 };
            let key = self.keys.intern(&reference.id);
            self.mentions.entry((reference.namespace, key)).or_default().push(loc);
        }
    }

    fn link_clause(&mut self, id: DocId, scope: ScopeId, index: usize, clause: &Clause) {
        let loc = ClauseLoc { doc: id, index: index as u32, scope, global: clause.global };
        link_clause(&mut self.keys, &mut self.definitions, loc, clause);
    }

    /// Replace the entries of `old`'s clauses and references with `new`'s, in the same scope.
    /// Whether any definition changed: the clauses' keys (or kinds) differ from the old version's.
    fn relink(&mut self, id: DocId, scope: ScopeId, old_doc: &IndexedDoc, new_doc: &IndexedDoc) -> bool {
        let (old, new) = (&old_doc.model, &new_doc.model);
        let same_clause = |a: &Clause, b: &Clause| {
            a.namespace == b.namespace && a.global == b.global && a.id == b.id && a.kind == b.kind
        };
        let window = Window::of(&old.clauses, &new.clauses, same_clause);
        if let Some(old_chars) = old_doc.title_chars.get()
            && new_doc.title_chars.get().is_none()
        {
            let chars = new.clauses.iter().enumerate().map(|(index, clause)| {
                let before = (index < window.start).then_some(index);
                let after = (index >= window.new_end).then(|| index - window.new_end + window.old_end);
                match before.or(after) {
                    Some(was) if old.clauses[was].title_in(&old_doc.text) == clause.title_in(&new_doc.text) => {
                        old_chars[was]
                    }
                    _ => CharSet::of(clause.title_in(&new_doc.text)),
                }
            });
            // Unset, checked above, and the new version is not shared yet.
            let _ = new_doc.title_chars.set(chars.collect());
        }
        let same_reference = |a: &Reference, b: &Reference| a.namespace == b.namespace && a.id == b.id;
        let ref_window = Window::of(&old.references, &new.references, same_reference);
        if window.is_most_of(old.clauses.len() + new.clauses.len())
            || ref_window.is_most_of(old.references.len() + new.references.len())
        {
            // Entries are dropped and put back one at a time: past half the document, at once.
            self.unlink_doc(id, old);
            self.link(id, scope, new);
            return true;
        }
        let relinked = window.start != window.old_end || window.start != window.new_end;
        for (index, clause) in old.clauses.iter().enumerate().take(window.old_end).skip(window.start) {
            let key = self.keys.ids[&*clause.id];
            unlink(&mut self.definitions, (clause.namespace, key), |l| !(l.doc == id && l.index == index as u32));
        }
        for index in window.shifted(old.clauses.len()) {
            let clause = &old.clauses[index];
            let key = self.keys.ids[&*clause.id];
            let to = window.moved(index);
            if let Some(locs) = self.definitions.get_mut(&(clause.namespace, key))
                && let Some(loc) = locs.iter_mut().find(|l| l.doc == id && l.index == index as u32)
            {
                loc.index = to;
            }
        }
        for index in window.start..window.new_end {
            self.link_clause(id, scope, index, &new.clauses[index]);
        }

        let window = ref_window;
        for (index, reference) in old.references.iter().enumerate().take(window.old_end).skip(window.start) {
            let key = self.keys.ids[&*reference.id];
            unlink(&mut self.mentions, (reference.namespace, key), |l| !(l.doc == id && l.index == index as u32));
        }
        for index in window.shifted(old.references.len()) {
            let reference = &old.references[index];
            let key = self.keys.ids[&*reference.id];
            let to = window.moved(index);
            if let Some(locs) = self.mentions.get_mut(&(reference.namespace, key))
                && let Some(loc) = locs.iter_mut().find(|l| l.doc == id && l.index == index as u32)
            {
                loc.index = to;
            }
        }
        for index in window.start..window.new_end {
            let reference = &new.references[index];
            let loc = RefLoc { doc: id, index: index as u32 };
            let key = self.keys.intern(&reference.id);
            insert_in_order(self.mentions.entry((reference.namespace, key)).or_default(), loc);
        }
        relinked
    }

    /// The clauses of `doc` (indices in its model) whose key has another definition in the
    /// document's scope: what `duplicate-id` checks. A document keeps the answer until the
    /// definitions change, and a version whose clauses have the keys of the one it replaces takes
    /// it over, so a keystroke that changes no key looks up none.
    pub fn contested(&self, doc: &IndexedDoc) -> Arc<[u32]> {
        self.kept(
            &doc.contested,
            |_| true,
            || {
                let scope = self.scope_id(doc.model.scope.as_deref());
                let id = self.doc_id(&doc.model.path);
                (0..doc.model.clauses.len() as u32)
                    .filter(|&i| {
                        let clause = &doc.model.clauses[i as usize];
                        let locs = self.definitions_in(clause.namespace, scope, &clause.id);
                        locs.iter().any(|l| Some(l.doc) != id || l.index != i)
                    })
                    .collect()
            },
        )
    }

    /// The kinds of the clauses of `scope` whose key `doc` mentions (a task list: the kinds its
    /// tasks cite). A document keeps the answer until the definitions or the clauses' kinds
    /// change, as [`contested`](Self::contested) does.
    pub fn kinds_cited(&self, doc: &IndexedDoc, scope: ScopeId) -> Arc<[ClauseKind]> {
        let found = || {
            let mut kinds: Vec<ClauseKind> = Vec::new();
            for other in self.docs_of(scope) {
                for clause in &other.model.clauses {
                    if !kinds.contains(&clause.kind) && doc.mentions_key(clause.namespace, &clause.id) {
                        kinds.push(clause.kind.clone());
                    }
                }
            }
            (scope, Arc::from(kinds))
        };
        self.kept(&doc.cited_kinds, |(at, _)| *at == scope, found).1
    }

    /// What `cell` keeps, when it was found at the current definitions epoch and `fits`; else
    /// what `find` finds, kept in its place.
    fn kept<T: Clone>(&self, cell: &Kept<T>, fits: impl Fn(&T) -> bool, find: impl FnOnce() -> T) -> T {
        let mut kept = cell.lock().expect("kept answer lock");
        if let Some((epoch, answer)) = &*kept
            && *epoch == self.definitions_epoch
            && fits(answer)
        {
            return answer.clone();
        }
        let answer = find();
        *kept = Some((self.definitions_epoch, answer.clone()));
        answer
    }

    pub fn remove(&mut self, path: &Path) -> Option<Arc<IndexedDoc>> {
        let id = *self.doc_ids.get(&*normal_bytes(path))?;
        self.remove_id(id)
    }

    fn remove_id(&mut self, id: DocId) -> Option<Arc<IndexedDoc>> {
        let old = self.docs[id.0 as usize].take()?;
        self.doc_count -= 1;
        self.unlink_doc(id, &old.model);
        self.definitions_epoch += 1;
        Some(old)
    }

    /// Drop every entry of a document's model.
    fn unlink_doc(&mut self, id: DocId, model: &DocModel) {
        let scope = self.doc_scopes[id.0 as usize];
        unlink(&mut self.scope_docs, scope, |&d| d != id);
        for clause in &model.clauses {
            let key = self.keys.ids[&*clause.id];
            unlink(&mut self.definitions, (clause.namespace, key), |l| l.doc != id);
        }
        for reference in &model.references {
            let key = self.keys.ids[&*reference.id];
            unlink(&mut self.mentions, (reference.namespace, key), |l| l.doc != id);
        }
    }

    fn key_id(&self, key: &str) -> Option<KeyId> {
        self.keys.ids.get(key).copied()
    }

    pub fn doc(&self, path: &Path) -> Option<&Arc<IndexedDoc>> {
        self.doc_by_id(*self.doc_ids.get(&*normal_bytes(path))?)
    }

    pub fn doc_id(&self, path: &Path) -> Option<DocId> {
        self.doc_ids.get(&*normal_bytes(path)).copied()
    }

    pub fn doc_by_id(&self, id: DocId) -> Option<&Arc<IndexedDoc>> {
        self.docs.get(id.0 as usize)?.as_ref()
    }

    pub fn path(&self, id: DocId) -> &Path {
        &self.paths[id.0 as usize]
    }

    /// Every indexed document, in the order their paths were first indexed.
    pub fn docs(&self) -> impl Iterator<Item = &Arc<IndexedDoc>> {
        self.docs.iter().flatten()
    }

    /// The scope of an indexed document (NONE once it is removed).
    pub fn doc_scope(&self, id: DocId) -> ScopeId {
        if self.doc_by_id(id).is_some() { self.doc_scopes[id.0 as usize] } else { ScopeId::NONE }
    }

    /// The indexed documents of a feature folder (none for `None`): a lookup, not a scan of the
    /// workspace.
    pub fn docs_in_scope(&self, scope: Option<&Path>) -> impl Iterator<Item = &Arc<IndexedDoc>> {
        self.docs_of(self.scope_id(scope))
    }

    /// The indexed documents of a scope (none for [`ScopeId::NONE`]).
    fn docs_of(&self, scope: ScopeId) -> impl Iterator<Item = &Arc<IndexedDoc>> {
        let ids = if scope == ScopeId::NONE { None } else { self.scope_docs.get(&scope) };
        ids.into_iter().flatten().filter_map(|&id| self.doc_by_id(id))
    }

    /// A document's rank among every interned path in `Path` order.
    pub fn path_rank(&self, id: DocId) -> u32 {
        self.ranks()[id.0 as usize]
    }

    /// Rank the paths now (after a scan is merged), so that the first query does not wait for it.
    pub fn rank_paths(&self) {
        self.ranks();
    }

    fn ranks(&self) -> &[u32] {
        self.path_ranks.get_or_init(|| {
            let mut order: Vec<u32> = (0..self.paths.len() as u32).collect();
            let clean: Vec<Option<&[u8]>> = self.paths.iter().map(|p| clean_bytes(p)).collect();
            order.sort_unstable_by(|&a, &b| match (clean[a as usize], clean[b as usize]) {
                (Some(a), Some(b)) => separator_first(a, b),
                _ => self.paths[a as usize].cmp(&self.paths[b as usize]),
            });
            let mut ranks = vec![0; order.len()];
            for (rank, id) in order.into_iter().enumerate() {
                ranks[id as usize] = rank as u32;
            }
            ranks.into_boxed_slice()
        })
    }

    pub fn len(&self) -> usize {
        self.doc_count
    }

    pub fn is_empty(&self) -> bool {
        self.doc_count == 0
    }

    /// Every definition of a key, workspace-wide.
    pub fn definitions(&self, namespace: NamespaceId, id: &str) -> &[ClauseLoc] {
        self.key_id(id).and_then(|key| self.definitions.get(&(namespace, key))).map_or(&[], Vec::as_slice)
    }

    /// Every key defined in the workspace, once, with its definitions.
    pub fn keys(&self) -> impl Iterator<Item = (NamespaceId, &str, &[ClauseLoc])> {
        self.definitions.iter().map(|((namespace, key), locs)| (*namespace, self.keys.name(*key), locs.as_slice()))
    }

    /// The definitions of a key within one scope.
    pub fn definitions_in(&self, namespace: NamespaceId, scope: ScopeId, id: &str) -> &[ClauseLoc] {
        in_scope(self.definitions(namespace, id), scope)
    }

    /// Every mention of a key, workspace-wide (specs and code).
    pub fn mentions(&self, namespace: NamespaceId, id: &str) -> &[RefLoc] {
        self.key_id(id).and_then(|key| self.mentions.get(&(namespace, key))).map_or(&[], Vec::as_slice)
    }

    pub fn reference(&self, loc: &RefLoc) -> Option<(&Arc<IndexedDoc>, &Reference)> {
        let doc = self.doc_by_id(loc.doc)?;
        Some((doc, doc.model.references.get(loc.index as usize)?))
    }

    pub fn clause(&self, loc: &ClauseLoc) -> Option<(&Arc<IndexedDoc>, &Clause)> {
        let doc = self.doc_by_id(loc.doc)?;
        Some((doc, doc.model.clauses.get(loc.index as usize)?))
    }
}

/// The definitions of one scope among a key's definitions (ordered by scope).
pub(crate) fn in_scope(locs: &[ClauseLoc], scope: ScopeId) -> &[ClauseLoc] {
    let start = locs.partition_point(|l| l.scope < scope);
    let end = start + locs[start..].partition_point(|l| l.scope == scope);
    &locs[start..end]
}

/// A path's bytes when its components are its `/`-separated segments (no empty, `.` or `..`
/// one, no trailing `/`), as the walk's paths are: then [`separator_first`] orders them as `Path`
/// does, without splitting them into components (a cold index ranks thousands).
fn clean_bytes(path: &Path) -> Option<&[u8]> {
    if std::path::MAIN_SEPARATOR != '/' {
        return None;
    }
    let bytes = path.as_os_str().as_encoded_bytes();
    let segments = bytes.strip_prefix(b"/").unwrap_or(bytes);
    (segments.is_empty() || clean_segments(segments)).then_some(bytes)
}

/// A path's components joined by `/`: equal for paths equal as `Path`s (which compare by
/// components), and a clean path's own bytes, unchanged.
fn normal_bytes(path: &Path) -> Cow<'_, [u8]> {
    if let Some(bytes) = clean_bytes(path) {
        return Cow::Borrowed(bytes);
    }
    let mut joined = Vec::with_capacity(path.as_os_str().len());
    for component in path.components() {
        if !joined.is_empty() && !joined.ends_with(b"/") {
            joined.push(b'/');
        }
        joined.extend_from_slice(component.as_os_str().as_encoded_bytes());
    }
    Cow::Owned(joined)
}

/// Whether every `/`-separated segment is a name: none empty, `.` or `..`.
fn clean_segments(segments: &[u8]) -> bool {
    segments.split(|&b| b == b'/').all(|s| !matches!(s, b"" | b"." | b".."))
}

/// Byte order with `/` before every other byte: the order of the component lists of clean paths.
fn separator_first(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let key = |byte: &u8| if *byte == b'/' { 0 } else { u16::from(*byte) + 1 };
    a.iter().map(key).cmp(b.iter().map(key))
}

pub(crate) fn relative_to(roots: &[PathBuf], path: &Path) -> String {
    // The walk yields a root's path followed by clean segments: their remainder is the answer as
    // it is, found by comparing bytes (this runs once per file of a cold index).
    if std::path::MAIN_SEPARATOR == '/'
        && let Some(clean) = clean_remainder(roots, path)
    {
        return clean.to_string();
    }
    relative_by_components(roots, path)
}

/// The part of `path` after the deepest of `roots` that starts it, when every root and that part
/// are clean (no empty, `.` or `..` segment) and `/`-separated UTF-8, so that comparing bytes
/// answers as comparing components does.
fn clean_remainder<'p>(roots: &[PathBuf], path: &'p Path) -> Option<&'p str> {
    let clean = |segments: &str| clean_segments(segments.as_bytes());
    let path = path.to_str()?;
    let mut best: Option<&str> = None;
    for root in roots {
        let root = root.to_str()?;
        let root = root.strip_suffix('/').unwrap_or(root);
        let segments = root.strip_prefix('/').unwrap_or(root);
        if !segments.is_empty() && !clean(segments) {
            return None;
        }
        // The root itself leaves nothing, which is not clean: the components decide.
        if let Some(rest) =
            path.strip_prefix(root).and_then(|rest| rest.strip_prefix('/').or(rest.is_empty().then_some(rest)))
            && best.is_none_or(|best| rest.len() < best.len())
        {
            best = Some(rest);
        }
    }
    best.filter(|rest| clean(rest))
}

/// [`relative_to`] by components: the deepest root that starts the path, and the rest joined.
fn relative_by_components(roots: &[PathBuf], path: &Path) -> String {
    let best = roots.iter().filter(|r| path.starts_with(r)).max_by_key(|r| r.components().count());
    let rel = match best {
        Some(root) => path.strip_prefix(root).unwrap_or(path),
        None => path,
    };
    joined_components(rel)
}

/// A path's normal components joined by `/`: the relative form of any path, on any platform.
fn joined_components(rel: &Path) -> String {
    rel.components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(s.to_string_lossy()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// An index of `(relative path, text)` files under `/ws`, modelled as the workspace scan models
/// them (specs and code), for the analysis layer's unit tests.
#[cfg(test)]
pub(crate) fn test_workspace(files: &[(&str, &str)]) -> WorkspaceIndex {
    let mut index = WorkspaceIndex::new(Grammar::builtin(), vec![PathBuf::from("/ws")]);
    for (relative, text) in files {
        let path = Path::new("/ws").join(relative);
        let model = crate::model::model_file(&index.grammar.clone(), &path, relative, text);
        index.upsert(IndexedDoc::new(model, Arc::from(*text)));
    }
    index
}

/// Verifies specs/001-core-engine/spec.md FR-009, FR-011.
#[cfg(test)]
mod tests {
    use super::*;

    /// Verifies specs/007-edit-latency/spec.md SC-001: an edit that changes no key keeps the
    /// clauses found contested before it, and any change to the definitions finds them again.
    #[test]
    fn contested_clauses_follow_the_definitions() {
        let mut index = WorkspaceIndex::new(Grammar::builtin(), vec![PathBuf::from("/ws")]);
        let spec = "# Feature Specification: A\n\n## Requirements\n\n- **FR-001**: One.\n- **FR-002**: Two.\n";
        let a = upsert(&mut index, "specs/001-a/spec.md", spec);
        let contested = |index: &WorkspaceIndex| index.contested(index.doc(&a).expect("indexed"));
        assert!(contested(&index).is_empty());
        let before = contested(&index);
        upsert(&mut index, "specs/001-a/spec.md", &spec.replace("One.", "One, edited."));
        assert!(Arc::ptr_eq(&before, &contested(&index)), "an edit that changes no key keeps the answer");
        let copy = "# Feature Specification: A copy\n\n## Requirements\n\n- **FR-002**: Two again.\n";
        upsert(&mut index, "specs/002-b/spec.md", copy);
        assert!(contested(&index).is_empty(), "another feature's FR-002 is its own");
        let b = upsert(&mut index, "specs/001-a/copy.md", copy);
        assert_eq!(index.doc(&b).and_then(|d| d.model.scope.clone()), Some(PathBuf::from("/ws/specs/001-a")));
        assert_eq!(&*contested(&index), [1]);
        index.remove(&b);
        assert!(contested(&index).is_empty());
        upsert(&mut index, "specs/001-a/spec.md", &format!("{spec}- **FR-001**: Again.\n"));
        assert_eq!(&*contested(&index), [0, 2]);
    }

    /// Verifies specs/007-edit-latency/spec.md SC-001: the kinds a task list cites are kept
    /// across edits that change no key or kind, and found again when one does.
    #[test]
    fn cited_kinds_follow_the_clauses() {
        let mut index = WorkspaceIndex::new(Grammar::builtin(), vec![PathBuf::from("/ws")]);
        let spec = "# Feature Specification: A\n\n## Requirements\n\n- **FR-001**: One.\n\n## Success Criteria\n\n- **SC-001**: Fast.\n";
        upsert(&mut index, "specs/001-a/spec.md", spec);
        let tasks = upsert(&mut index, "specs/001-a/tasks.md", "# Tasks\n\n- [ ] T001 Build it per FR-001\n");
        let scope = index.scope_id(Some(Path::new("/ws/specs/001-a")));
        let cited = |index: &WorkspaceIndex| index.kinds_cited(index.doc(&tasks).expect("indexed"), scope);
        let names = |kinds: Arc<[ClauseKind]>| kinds.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        let before = cited(&index);
        assert_eq!(names(before.clone()), ["requirement"]);
        upsert(&mut index, "specs/001-a/spec.md", &spec.replace("One.", "One, edited."));
        assert!(Arc::ptr_eq(&before, &cited(&index)), "an edit that changes no key or kind keeps the answer");
        upsert(&mut index, "specs/001-a/spec.md", &spec.replace("FR-001", "FR-002"));
        assert!(names(cited(&index)).is_empty());
        upsert(&mut index, "specs/001-a/spec.md", spec);
        upsert(&mut index, "specs/001-a/tasks.md", "# Tasks\n\n- [ ] T001 Build it per FR-001 and SC-001\n");
        let mut kinds = names(cited(&index));
        kinds.sort();
        assert_eq!(kinds, ["requirement", "success-criterion"]);
    }

    proptest::proptest! {
        /// Verifies specs/001-core-engine/spec.md FR-006: kinds are detected from the path
        /// relative to the deepest root that holds it, and the quick form of that path equals
        /// the one built from components, whatever the segments (empty, `.`, `..`) and roots
        /// (nested, with a trailing `/`, unclean, elsewhere).
        #[test]
        fn relative_paths_equal_their_components(
            roots in proptest::collection::vec(
                proptest::sample::select(vec!["/", "/ws", "/ws/", "/ws/inner", "/ws/./inner", "/ws//specs", "/other", "ws"]),
                1..3,
            ),
            segments in proptest::collection::vec(proptest::sample::select(vec!["", ".", "..", "a", "b.md", "inner", "specs", "é"]), 0..5),
        ) {
            let path = PathBuf::from(format!("/ws/{}", segments.join("/")));
            let roots: Vec<PathBuf> = roots.into_iter().map(PathBuf::from).collect();
            proptest::prop_assert_eq!(relative_to(&roots, &path), relative_by_components(&roots, &path));
        }
    }

    /// Two to five paths of up to three segments drawn from `names`, some of them absolute.
    fn spelled_paths(names: Vec<&'static str>) -> impl proptest::strategy::Strategy<Value = Vec<PathBuf>> {
        use proptest::strategy::Strategy;
        let segments = proptest::collection::vec(proptest::sample::select(names), 0..4);
        (proptest::collection::vec(segments, 2..6), proptest::collection::vec(proptest::bool::ANY, 6)).prop_map(
            |(paths, absolute)| {
                let root = |absolute: bool| if absolute { "/" } else { "" };
                paths
                    .iter()
                    .zip(absolute)
                    .map(|(segments, a)| PathBuf::from(format!("{}{}", root(a), segments.join("/"))))
                    .collect()
            },
        )
    }

    proptest::proptest! {
        /// Verifies specs/003-navigation/spec.md FR-021: paths are ranked in `Path` order, which
        /// the quick order of clean paths equals.
        #[test]
        fn clean_paths_are_ordered_as_paths(
            paths in spelled_paths(vec!["", ".", "..", "a", "a-b", "a.b", "b", "é", "A"]),
        ) {
            for a in &paths {
                for b in &paths {
                    if let (Some(x), Some(y)) = (clean_bytes(a), clean_bytes(b)) {
                        proptest::prop_assert_eq!(separator_first(x, y), a.cmp(b), "{:?} {:?}", a, b);
                    }
                }
            }
        }
    }

    proptest::proptest! {
        /// Verifies specs/001-core-engine/spec.md FR-012, FR-013: a document is found by any spelling of
        /// its path (`a//b`, `a/./b`, `a/b/`): paths equal as `Path`s have equal keys, others not.
        #[test]
        fn documents_are_keyed_by_paths_equal_as_paths(paths in spelled_paths(vec!["", ".", "..", "a", "a.b", "b", "é"])) {
            let mut index = WorkspaceIndex::new(Grammar::builtin(), Vec::new());
            let ids: Vec<DocId> = paths.iter().map(|p| index.intern_doc(p)).collect();
            for (a, id_a) in paths.iter().zip(&ids) {
                for (b, id_b) in paths.iter().zip(&ids) {
                    proptest::prop_assert_eq!(a == b, normal_bytes(a) == normal_bytes(b), "{:?} {:?}", a, b);
                    proptest::prop_assert_eq!(a == b, id_a == id_b, "{:?} {:?}", a, b);
                }
            }
        }
    }

    /// Index `text` at `/ws/<relative>`; returns that path.
    fn upsert(index: &mut WorkspaceIndex, relative: &str, text: &str) -> PathBuf {
        let path = Path::new("/ws").join(relative);
        let model = crate::model::from_text(&index.grammar.clone(), &path, relative, text);
        index.upsert(IndexedDoc::new(model, Arc::from(text)));
        path
    }

    #[test]
    fn mentions_are_indexed_by_key_and_forgotten_on_removal() {
        let mut index = WorkspaceIndex::new(Grammar::builtin(), vec![PathBuf::from("/ws")]);
        upsert(&mut index, "specs/001-a/tasks.md", "# Tasks: A\n\n- [ ] T001 Do it per FR-001 and FR-001\n");
        upsert(&mut index, "specs/002-b/tasks.md", "# Tasks: B\n\n- [ ] T001 Do it per FR-001\n");
        let ns = index.doc(Path::new("/ws/specs/001-a/tasks.md")).unwrap().model.references[0].namespace;
        let a = index.doc_id(Path::new("/ws/specs/001-a/tasks.md")).unwrap();
        let b = index.doc_id(Path::new("/ws/specs/002-b/tasks.md")).unwrap();
        let docs =
            |index: &WorkspaceIndex, key: &str| index.mentions(ns, key).iter().map(|l| l.doc).collect::<Vec<_>>();
        assert_eq!(docs(&index, "FR-001"), [a, a, b]);
        let (doc, reference) = index.reference(&index.mentions(ns, "FR-001")[2]).unwrap();
        assert_eq!(&doc.text[reference.range.clone()], "FR-001");

        upsert(&mut index, "specs/001-a/tasks.md", "# Tasks: A\n\n- [ ] T001 Do it per FR-002\n");
        assert_eq!(docs(&index, "FR-001"), [b]);
        assert_eq!(docs(&index, "FR-002"), [a]);
        index.remove(Path::new("/ws/specs/002-b/tasks.md"));
        assert!(index.mentions(ns, "FR-001").is_empty());
        assert!(!index.mentions.contains_key(&(ns, index.key_id("FR-001").expect("interned"))));
    }

    /// Verifies specs/001-core-engine/spec.md FR-001: positions told before and after the line
    /// index is built are the index's, whatever the encoding.
    #[test]
    fn positions_agree_with_the_line_index_before_and_after_it_is_built() {
        let text = "# Spec\n\n- **FR-001**: pay\n- **FR-002**: caf\u{e9} FR-001\r\n- end\n";
        let enc = [PositionEncoding::Utf8, PositionEncoding::Utf16, PositionEncoding::Utf32];
        let model =
            crate::model::DocModel::empty(Path::new("/ws/spec.md"), Grammar::builtin().code_kind, None, text.len());
        let doc = IndexedDoc::new(model, Arc::from(text));
        let expected = LineIndex::new(text);
        for offset in (0..=text.len() + 1).chain((0..=text.len()).rev()) {
            for enc in enc {
                assert_eq!(doc.position(offset, enc), expected.position(text, offset, enc), "{offset} {enc:?}");
            }
        }
        assert!(doc.lines.get().is_some(), "many positions index the lines");
    }

    /// Verifies specs/003-navigation/spec.md FR-019: a feature's documents and a key's
    /// definitions in one feature are looked up by feature, and stay right as documents are
    /// indexed again and removed.
    #[test]
    fn a_keys_definitions_in_one_scope_survive_documents_coming_and_going() {
        let mut index = WorkspaceIndex::new(Grammar::builtin(), vec![PathBuf::from("/ws")]);
        let spec = |title: &str| {
            format!(
                "# Feature Specification: {title}\n\n## Requirements\n\n- **FR-001**: System MUST a.\n- **FR-001**: System MUST b.\n"
            )
        };
        upsert(&mut index, "specs/001-a/spec.md", &spec("A"));
        upsert(&mut index, "specs/002-b/spec.md", &spec("B"));
        upsert(&mut index, "specs/003-c/spec.md", &spec("C"));
        upsert(&mut index, "specs/001-a/spec.md", &spec("A again"));
        index.remove(Path::new("/ws/specs/003-c/spec.md"));
        upsert(&mut index, "specs/003-c/spec.md", &spec("C again"));
        let ns = index.doc(Path::new("/ws/specs/001-a/spec.md")).unwrap().model.clauses[0].namespace;
        assert_eq!(index.definitions(ns, "FR-001").len(), 6);
        for folder in ["001-a", "002-b", "003-c"] {
            let scope = index.scope_id(Some(&Path::new("/ws/specs").join(folder)));
            let found = index.definitions_in(ns, scope, "FR-001");
            assert_eq!(found.len(), 2, "{folder}");
            let docs: Vec<&Path> = index
                .docs_in_scope(Some(&Path::new("/ws/specs").join(folder)))
                .map(|d| d.model.path.as_path())
                .collect();
            assert_eq!(docs, [Path::new("/ws/specs").join(folder).join("spec.md")], "{folder}");
            assert!(
                found
                    .iter()
                    .all(|l| l.scope == scope && index.path(l.doc).starts_with(Path::new("/ws/specs").join(folder)))
            );
        }
    }

    /// Lines that define, cite and repeat keys, so edits add, drop and move index entries.
    const LINES: &[&str] = &[
        "- **FR-001**: System MUST pay.\n",
        "- **FR-002**: System MUST log per FR-001.\n",
        "- **SC-001**: 95% within 2 s per FR-002\n",
        "- [ ] T001 Build per FR-001, FR-002\n",
        "- [x] T002 Test per SC-001 and FR-003\n",
        "- [ ] T001 Again per FR-001\n",
        "text per FR-001 and SC-001\n",
        "## Phase 1\n",
        "\n",
    ];

    const PATHS: &[&str] = &["specs/001-a/spec.md", "specs/001-a/tasks.md", "specs/002-b/tasks.md", "notes.md"];

    /// A location by paths instead of interned ids, which depend on the order of indexing.
    type Loc = (Option<PathBuf>, PathBuf, u32, bool);

    /// The index's tables by key name and paths, each entry's locations in a canonical order.
    type Tables = (
        Vec<(NamespaceId, String, Vec<Loc>)>,
        Vec<(NamespaceId, String, Vec<Loc>)>,
        Vec<(Option<PathBuf>, Vec<PathBuf>)>,
    );

    fn tables(index: &WorkspaceIndex) -> Tables {
        let name = |key: &KeyId| index.keys.name(*key).to_string();
        let scope = |s: ScopeId| index.scope_path(s).map(Path::to_path_buf);
        let doc = |d: DocId| index.path(d).to_path_buf();
        let sorted = |mut locs: Vec<Loc>| {
            locs.sort();
            locs
        };
        let clauses =
            |locs: &[ClauseLoc]| sorted(locs.iter().map(|l| (scope(l.scope), doc(l.doc), l.index, l.global)).collect());
        let refs = |locs: &[RefLoc]| sorted(locs.iter().map(|l| (None, doc(l.doc), l.index, false)).collect());
        let mut definitions: Vec<_> = index.definitions.iter().map(|((ns, k), l)| (*ns, name(k), clauses(l))).collect();
        definitions.sort();
        let mut mentions: Vec<_> = index.mentions.iter().map(|((ns, k), l)| (*ns, name(k), refs(l))).collect();
        mentions.sort();
        let mut scope_docs: Vec<_> = index
            .scope_docs
            .iter()
            .map(|(s, d)| {
                let mut d: Vec<PathBuf> = d.iter().map(|&d| doc(d)).collect();
                d.sort();
                (scope(*s), d)
            })
            .collect();
        scope_docs.sort();
        (definitions, mentions, scope_docs)
    }

    /// A key's definitions stay ordered by scope, document and position.
    fn definitions_in_order(index: &WorkspaceIndex) -> bool {
        index.definitions.values().all(|locs| {
            locs.windows(2).all(|w| (w[0].scope, w[0].doc, w[0].index) < (w[1].scope, w[1].doc, w[1].index))
        })
    }

    /// Each document's mentions of a key stay together and in model order, as a fresh index
    /// keeps them.
    fn mentions_in_model_order(index: &WorkspaceIndex) -> bool {
        index.mentions.values().all(|locs| {
            locs.windows(2).all(|w| w[0].doc != w[1].doc || w[0].index < w[1].index)
                && locs
                    .iter()
                    .enumerate()
                    .all(|(i, l)| locs[i..].iter().skip_while(|m| m.doc == l.doc).all(|m| m.doc != l.doc))
        })
    }

    /// Every table's entries by key name and paths, each in its stored order.
    fn ordered_tables(index: &WorkspaceIndex) -> Vec<String> {
        let doc = |d: DocId| index.path(d).display().to_string();
        let scope = |s: ScopeId| index.scope_path(s).map(|p| p.display().to_string());
        let mut lines: Vec<String> = index
            .definitions
            .iter()
            .map(|((ns, k), locs)| {
                let locs: Vec<_> = locs.iter().map(|l| (scope(l.scope), doc(l.doc), l.index, l.global)).collect();
                format!("definitions {ns:?} {} {locs:?}", index.keys.name(*k))
            })
            .chain(index.mentions.iter().map(|((ns, k), locs)| {
                let locs: Vec<_> = locs.iter().map(|l| (doc(l.doc), l.index)).collect();
                format!("mentions {ns:?} {} {locs:?}", index.keys.name(*k))
            }))
            .chain(index.scope_docs.iter().map(|(s, docs)| {
                format!("scope {:?} {:?}", scope(*s), docs.iter().map(|&d| doc(d)).collect::<Vec<_>>())
            }))
            .collect();
        lines.sort();
        lines.push(format!(
            "{} documents, ids {:?}",
            index.len(),
            index.docs().map(|d| index.doc_id(&d.model.path)).collect::<Vec<_>>()
        ));
        lines
    }

    proptest::proptest! {
        /// Verifies specs/003-navigation/spec.md SC-002: a scan merged at once holds what upserting
        /// its documents one by one holds, in the same order, whether or not some were indexed
        /// before (then it upserts them one by one).
        #[test]
        fn a_scan_merged_at_once_equals_one_upserted_document_by_document(
            files in proptest::collection::vec(
                (0..PATHS.len(), proptest::collection::vec(proptest::sample::select(LINES), 0..6)),
                1..6,
            ),
            indexed_before in proptest::collection::vec((0..PATHS.len(), proptest::sample::select(LINES)), 0..2),
        ) {
            let mut seen = std::collections::HashSet::new();
            let files: Vec<(usize, String)> =
                files.into_iter().filter(|(p, _)| seen.insert(*p)).map(|(p, lines)| (p, lines.concat())).collect();
            let mut merged = WorkspaceIndex::new(Grammar::builtin(), vec![PathBuf::from("/ws")]);
            let mut upserted = WorkspaceIndex::new(Grammar::builtin(), vec![PathBuf::from("/ws")]);
            for (path, line) in &indexed_before {
                upsert(&mut merged, PATHS[*path], line);
                upsert(&mut upserted, PATHS[*path], line);
            }
            let doc = |index: &WorkspaceIndex, (path, text): &(usize, String)| {
                let path_buf = Path::new("/ws").join(PATHS[*path]);
                let model = crate::model::from_text(&index.grammar.clone(), &path_buf, PATHS[*path], text);
                IndexedDoc::new(model, Arc::from(text.as_str()))
            };
            let docs: Vec<IndexedDoc> = files.iter().map(|f| doc(&merged, f)).collect();
            merged.extend(docs);
            for file in &files {
                let d = doc(&upserted, file);
                upserted.upsert(d);
            }
            proptest::prop_assert_eq!(ordered_tables(&merged), ordered_tables(&upserted));
        }
    }

    proptest::proptest! {
        /// Verifies specs/007-edit-latency/spec.md FR-007: an index whose documents were replaced
        /// edit after edit holds the same entries as one built fresh from the final texts.
        #[test]
        fn an_index_updated_edit_by_edit_equals_a_fresh_one(
            edits in proptest::collection::vec(
                (
                    0..PATHS.len(),
                    0usize..12,
                    0usize..3,
                    proptest::collection::vec(proptest::sample::select(LINES), 0..3),
                    proptest::bool::weighted(0.1),
                ),
                1..30,
            ),
        ) {
            let mut index = WorkspaceIndex::new(Grammar::builtin(), vec![PathBuf::from("/ws")]);
            let mut texts: Vec<Option<Vec<&str>>> = vec![None; PATHS.len()];
            for (doc, at, remove, insert, drop) in edits {
                if drop {
                    texts[doc] = None;
                    index.remove(&Path::new("/ws").join(PATHS[doc]));
                    continue;
                }
                let lines = texts[doc].get_or_insert_with(Vec::new);
                let at = at.min(lines.len());
                let remove = remove.min(lines.len() - at);
                lines.splice(at..at + remove, insert);
                // As an open document's versions are indexed: title characters taken over.
                let (path, text) = (Path::new("/ws").join(PATHS[doc]), lines.concat());
                let model = crate::model::from_text(&index.grammar.clone(), &path, PATHS[doc], &text);
                index.upsert(IndexedDoc::edited(model, Arc::from(text)));
                proptest::prop_assert!(mentions_in_model_order(&index) && definitions_in_order(&index));
                let indexed = index.doc(&path).expect("indexed");
                let fresh: Vec<CharSet> = indexed.model.clauses.iter().map(|c| CharSet::of(c.title_in(&indexed.text))).collect();
                proptest::prop_assert_eq!(indexed.all_title_chars(), &fresh[..]);
            }
            let mut fresh = WorkspaceIndex::new(Grammar::builtin(), vec![PathBuf::from("/ws")]);
            for (doc, lines) in texts.iter().enumerate() {
                if let Some(lines) = lines {
                    upsert(&mut fresh, PATHS[doc], &lines.concat());
                }
            }
            proptest::prop_assert_eq!(index.len(), fresh.len());
            proptest::prop_assert_eq!(tables(&index), tables(&fresh));
        }
    }
}
