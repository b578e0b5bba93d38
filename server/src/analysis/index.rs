//! The workspace index: every indexed document's model and text, and where each key is defined.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::model::{Clause, DocModel, Grammar, NamespaceId};
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

/// Where a clause is defined.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClauseLoc {
    pub path: Arc<Path>,
    pub index: usize,
}

type Key = (NamespaceId, String);

#[derive(Debug)]
pub struct WorkspaceIndex {
    pub grammar: Arc<Grammar>,
    roots: Vec<PathBuf>,
    docs: HashMap<Arc<Path>, Arc<IndexedDoc>>,
    definitions: HashMap<Key, Vec<ClauseLoc>>,
}

impl WorkspaceIndex {
    pub fn new(grammar: Arc<Grammar>, roots: Vec<PathBuf>) -> Self {
        WorkspaceIndex { grammar, roots, docs: HashMap::new(), definitions: HashMap::new() }
    }

    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    pub fn add_root(&mut self, root: PathBuf) {
        if !self.roots.contains(&root) {
            self.roots.push(root);
        }
    }

    /// The path relative to the deepest workspace root that holds it, with `/` separators; the
    /// whole path when it lies outside every root.
    pub fn relative(&self, path: &Path) -> String {
        relative_to(&self.roots, path)
    }

    /// Insert or replace a document, keeping the definition table in step.
    pub fn upsert(&mut self, doc: IndexedDoc) {
        let path: Arc<Path> = Arc::from(doc.model.path.as_path());
        self.remove(&path);
        for (index, clause) in doc.model.clauses.iter().enumerate() {
            self.definitions
                .entry((clause.namespace, clause.id.clone()))
                .or_default()
                .push(ClauseLoc { path: path.clone(), index });
        }
        self.docs.insert(path, Arc::new(doc));
    }

    pub fn remove(&mut self, path: &Path) -> Option<Arc<IndexedDoc>> {
        let (_, old) = self.docs.remove_entry(path)?;
        for clause in &old.model.clauses {
            let key = (clause.namespace, clause.id.clone());
            if let Some(locs) = self.definitions.get_mut(&key) {
                locs.retain(|l| &*l.path != path);
                if locs.is_empty() {
                    self.definitions.remove(&key);
                }
            }
        }
        Some(old)
    }

    pub fn doc(&self, path: &Path) -> Option<&Arc<IndexedDoc>> {
        self.docs.get(path)
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

    pub fn clause(&self, loc: &ClauseLoc) -> Option<(&Arc<IndexedDoc>, &Clause)> {
        let doc = self.docs.get(&loc.path)?;
        Some((doc, doc.model.clauses.get(loc.index)?))
    }

    /// The feature scope a definition lives in.
    pub fn scope_of(&self, loc: &ClauseLoc) -> Option<&Path> {
        self.docs.get(&loc.path)?.model.scope.as_deref()
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
