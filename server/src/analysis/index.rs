//! The workspace index: every indexed document's model and text, and where each key is defined.
//!
//! Documents and feature scopes are interned as small integers so that checks over thousands of
//! same-named keys (every feature has its `FR-001`) compare integers, and a key's definitions
//! within one scope are a single lookup.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::model::{Clause, DocModel, Grammar, NamespaceId};

use super::config::Config;
use crate::text::LineIndex;

/// One indexed document: its model, and the text it was built from (for positions and previews).
#[derive(Debug)]
pub struct IndexedDoc {
    pub model: DocModel,
    pub text: Arc<str>,
    pub lines: LineIndex,
}

impl IndexedDoc {
    pub fn new(model: DocModel, text: Arc<str>) -> Self {
        let lines = LineIndex::new(&text);
        IndexedDoc { model, text, lines }
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

#[derive(Debug)]
pub struct WorkspaceIndex {
    pub grammar: Arc<Grammar>,
    pub config: Config,
    roots: Vec<PathBuf>,
    /// Interned paths; an id stays valid (and keeps its path) after its document is removed.
    paths: Vec<Arc<Path>>,
    doc_ids: HashMap<Arc<Path>, DocId>,
    docs: HashMap<DocId, Arc<IndexedDoc>>,
    scope_ids: HashMap<PathBuf, ScopeId>,
    /// How many indexed documents each scope holds (scopes with none are left out).
    scope_docs: HashMap<ScopeId, u32>,
    /// Every definition of a key, workspace-wide.
    definitions: HashMap<(NamespaceId, String), Vec<ClauseLoc>>,
    /// The definitions of a key within one scope.
    scoped: HashMap<(NamespaceId, ScopeId, String), Vec<ClauseLoc>>,
}

impl WorkspaceIndex {
    pub fn new(grammar: Arc<Grammar>, roots: Vec<PathBuf>) -> Self {
        WorkspaceIndex {
            grammar,
            config: Config::default(),
            roots,
            paths: Vec::new(),
            doc_ids: HashMap::new(),
            docs: HashMap::new(),
            scope_ids: HashMap::new(),
            scope_docs: HashMap::new(),
            definitions: HashMap::new(),
            scoped: HashMap::new(),
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

    fn intern_doc(&mut self, path: &Path) -> DocId {
        if let Some(&id) = self.doc_ids.get(path) {
            return id;
        }
        let id = DocId(self.paths.len() as u32);
        let path: Arc<Path> = Arc::from(path);
        self.paths.push(path.clone());
        self.doc_ids.insert(path, id);
        id
    }

    fn intern_scope(&mut self, scope: Option<&Path>) -> ScopeId {
        let Some(scope) = scope else { return ScopeId::NONE };
        if let Some(&id) = self.scope_ids.get(scope) {
            return id;
        }
        let id = ScopeId(self.scope_ids.len() as u32 + 1);
        self.scope_ids.insert(scope.to_path_buf(), id);
        id
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
    pub fn upsert(&mut self, doc: IndexedDoc) {
        let id = self.intern_doc(&doc.model.path);
        self.remove_id(id);
        let scope = self.intern_scope(doc.model.scope.as_deref());
        if scope != ScopeId::NONE {
            *self.scope_docs.entry(scope).or_default() += 1;
        }
        for (index, clause) in doc.model.clauses.iter().enumerate() {
            let loc = ClauseLoc { doc: id, index: index as u32, scope, global: clause.global };
            self.definitions.entry((clause.namespace, clause.id.clone())).or_default().push(loc);
            self.scoped.entry((clause.namespace, scope, clause.id.clone())).or_default().push(loc);
        }
        self.docs.insert(id, Arc::new(doc));
    }

    pub fn remove(&mut self, path: &Path) -> Option<Arc<IndexedDoc>> {
        let id = *self.doc_ids.get(path)?;
        self.remove_id(id)
    }

    fn remove_id(&mut self, id: DocId) -> Option<Arc<IndexedDoc>> {
        let old = self.docs.remove(&id)?;
        let scope = self.scope_id(old.model.scope.as_deref());
        if let Some(count) = self.scope_docs.get_mut(&scope) {
            *count -= 1;
            if *count == 0 {
                self.scope_docs.remove(&scope);
            }
        }
        for clause in &old.model.clauses {
            let key = (clause.namespace, clause.id.clone());
            if let Some(locs) = self.definitions.get_mut(&key) {
                locs.retain(|l| l.doc != id);
                if locs.is_empty() {
                    self.definitions.remove(&key);
                }
            }
            let key = (clause.namespace, scope, clause.id.clone());
            if let Some(locs) = self.scoped.get_mut(&key) {
                locs.retain(|l| l.doc != id);
                if locs.is_empty() {
                    self.scoped.remove(&key);
                }
            }
        }
        Some(old)
    }

    pub fn doc(&self, path: &Path) -> Option<&Arc<IndexedDoc>> {
        self.docs.get(self.doc_ids.get(path)?)
    }

    pub fn doc_id(&self, path: &Path) -> Option<DocId> {
        self.doc_ids.get(path).copied()
    }

    pub fn doc_by_id(&self, id: DocId) -> Option<&Arc<IndexedDoc>> {
        self.docs.get(&id)
    }

    pub fn path(&self, id: DocId) -> &Path {
        &self.paths[id.0 as usize]
    }

    pub fn docs(&self) -> impl Iterator<Item = &Arc<IndexedDoc>> {
        self.docs.values()
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Every definition of a key, workspace-wide.
    pub fn definitions(&self, namespace: NamespaceId, id: &str) -> &[ClauseLoc] {
        self.definitions.get(&(namespace, id.to_string())).map_or(&[], Vec::as_slice)
    }

    /// The definitions of a key within one scope.
    pub fn definitions_in(&self, namespace: NamespaceId, scope: ScopeId, id: &str) -> &[ClauseLoc] {
        self.scoped.get(&(namespace, scope, id.to_string())).map_or(&[], Vec::as_slice)
    }

    pub fn clause(&self, loc: &ClauseLoc) -> Option<(&Arc<IndexedDoc>, &Clause)> {
        let doc = self.docs.get(&loc.doc)?;
        Some((doc, doc.model.clauses.get(loc.index as usize)?))
    }
}

pub(crate) fn relative_to(roots: &[PathBuf], path: &Path) -> String {
    let best = roots.iter().filter(|r| path.starts_with(r)).max_by_key(|r| r.components().count());
    let rel = match best {
        Some(root) => path.strip_prefix(root).unwrap_or(path),
        None => path,
    };
    rel.components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(s.to_string_lossy()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}
