//! Server state shared by handlers and the analysis worker, and the blocking analysis steps
//! that keep the workspace index in step with open documents and the disk.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, RwLock, RwLockReadGuard};

use dashmap::DashMap;
use tokio::sync::mpsc;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types as lsp;

use crate::analysis::diagnostics::code;
use crate::analysis::workspace::{Scan, WalkOptions, is_markdown, read_source};
use crate::analysis::{self, IndexedDoc, WorkspaceIndex};
use crate::model::{self, Grammar};
use crate::syntax;
use crate::text::PositionEncoding;

use super::convert;
use super::documents::Documents;

/// What the client told us at `initialize`.
#[derive(Clone, Debug, Default)]
pub struct Session {
    pub encoding: PositionEncoding,
    /// The client pulls diagnostics (`textDocument/diagnostic`), so specls does not push them.
    pub pull_diagnostics: bool,
    pub diagnostic_refresh: bool,
    pub dynamic_watchers: bool,
    pub work_done_progress: bool,
    pub full_sync: bool,
}

/// Work for the analysis worker, processed in the order notifications arrived.
pub enum Job {
    /// An open document changed (or was opened).
    Analyse(lsp::Uri),
    /// A document was closed: the disk copy takes over again.
    Closed(lsp::Uri, PathBuf),
    /// Files changed on disk (created or changed: `true`; deleted: `false`).
    Disk(Vec<(PathBuf, bool)>),
    /// A workspace folder was removed.
    RemoveRoot(PathBuf),
    /// The initial workspace scan finished; the sender is told once it is merged.
    Indexed(Box<Scan>, tokio::sync::oneshot::Sender<()>),
}

pub struct State {
    pub client: Client,
    pub docs: Documents,
    index: RwLock<WorkspaceIndex>,
    /// Generation and version of each open document that the index reflects.
    indexed: DashMap<lsp::Uri, (u64, i32)>,
    /// Open documents too large to analyse.
    too_large: DashMap<lsp::Uri, usize>,
    published: DashMap<lsp::Uri, Vec<lsp::Diagnostic>>,
    session: OnceLock<Session>,
    pub walk: WalkOptions,
    /// Unresolved references are held back until the workspace has been indexed once.
    indexed_once: AtomicBool,
    pub shutdown_requested: AtomicBool,
    jobs: mpsc::UnboundedSender<Job>,
}

impl State {
    pub fn new(client: Client, jobs: mpsc::UnboundedSender<Job>) -> Self {
        State {
            client,
            docs: Documents::default(),
            index: RwLock::new(WorkspaceIndex::new(Grammar::builtin(), Vec::new())),
            indexed: DashMap::new(),
            too_large: DashMap::new(),
            published: DashMap::new(),
            session: OnceLock::new(),
            walk: WalkOptions::default(),
            indexed_once: AtomicBool::new(false),
            shutdown_requested: AtomicBool::new(false),
            jobs,
        }
    }

    pub fn session(&self) -> Session {
        self.session.get().cloned().unwrap_or_default()
    }

    pub fn set_session(&self, session: Session) {
        if self.session.set(session).is_err() {
            tracing::warn!("initialize received twice; keeping the first session settings");
        }
    }

    pub fn encoding(&self) -> PositionEncoding {
        self.session.get().map(|s| s.encoding).unwrap_or_default()
    }

    pub fn submit(&self, job: Job) {
        if self.jobs.send(job).is_err() {
            tracing::error!("the analysis worker has stopped; a change was not analysed");
        }
    }

    /// Read the index. Never hold the guard across `.await`.
    pub fn index(&self) -> RwLockReadGuard<'_, WorkspaceIndex> {
        self.index.read().unwrap_or_else(|e| e.into_inner())
    }

    fn index_mut(&self) -> std::sync::RwLockWriteGuard<'_, WorkspaceIndex> {
        self.index.write().unwrap_or_else(|e| e.into_inner())
    }

    pub fn add_roots(&self, roots: impl IntoIterator<Item = PathBuf>) {
        let mut index = self.index_mut();
        for root in roots {
            index.add_root(root);
        }
    }

    /// Forget a workspace folder and the documents only it held (open documents stay).
    pub fn remove_root(&self, root: &Path) {
        let mut index = self.index_mut();
        index.remove_root(root);
        let orphans: Vec<PathBuf> = index
            .docs()
            .map(|d| d.model.path.clone())
            .filter(|p| p.starts_with(root) && !index.roots().iter().any(|r| p.starts_with(r)))
            .filter(|p| !self.docs.is_open_path(p))
            .collect();
        for path in orphans {
            index.remove(&path);
        }
    }

    pub fn mark_indexed(&self) {
        self.indexed_once.store(true, Ordering::Release);
    }

    // ------------------------------------------------------------------ blocking analysis steps

    /// Bring the index up to date with an open document. Returns false when nothing changed
    /// (already current, or the document is closed).
    pub fn analyse_open(&self, uri: &lsp::Uri) -> bool {
        let Some(generation) = self.docs.generation(uri) else { return false };
        if self.indexed.get(uri).is_some_and(|g| g.0 >= generation) {
            return false;
        }
        let Some(snap) = self.docs.snapshot(uri) else { return false };
        let len = snap.text.len_bytes();
        if len as u64 > self.walk.max_file_bytes {
            let mut index = self.index_mut();
            index.remove(&snap.path);
            self.too_large.insert(uri.clone(), len);
            self.indexed.insert(uri.clone(), (snap.generation, snap.version));
            return true;
        }
        self.too_large.remove(uri);
        let tree = syntax::parse_blocks(&snap.text, snap.tree.as_ref());
        let text: String = snap.text.to_string();
        let outline = syntax::outline(&tree, text.len());
        let (grammar, relative) = {
            let index = self.index();
            (index.grammar.clone(), index.relative(&snap.path))
        };
        let mut inline_cache = snap.inline_cache;
        let model = model::build_cached(&grammar, &snap.path, &relative, &text, &outline, &mut inline_cache);
        self.docs.store_tree(uri, snap.generation, tree, inline_cache);
        let doc = IndexedDoc::new(model, Arc::from(text));
        let mut index = self.index_mut();
        // Checked again under the write lock: an older analysis never replaces a newer one.
        if self.indexed.get(uri).is_some_and(|g| g.0 >= snap.generation) {
            return false;
        }
        index.upsert(doc);
        self.indexed.insert(uri.clone(), (snap.generation, snap.version));
        true
    }

    /// Index (or drop) a file from disk, unless the editor has it open: open documents win.
    pub fn sync_disk(&self, path: &Path, exists: bool) -> bool {
        if !is_markdown(path) || !self.index().roots().iter().any(|r| path.starts_with(r)) {
            return false;
        }
        let loaded = if exists && path.is_file() { self.load_disk(path) } else { None };
        let mut index = self.index_mut();
        // Checked under the write lock: a document opened meanwhile keeps its editor text.
        if self.docs.is_open_path(path) {
            return false;
        }
        match loaded {
            Some(doc) => {
                index.upsert(doc);
                true
            }
            None => index.remove(path).is_some(),
        }
    }

    /// Read and model a file from disk; `None` (with a log line) when it cannot be indexed.
    fn load_disk(&self, path: &Path) -> Option<IndexedDoc> {
        match read_source(path, &self.walk) {
            Ok((text, lossy)) => {
                if lossy {
                    tracing::warn!("{}: invalid UTF-8, indexed with replacement characters", path.display());
                }
                let (grammar, relative) = {
                    let index = self.index();
                    (index.grammar.clone(), index.relative(path))
                };
                let model = model::from_text(&grammar, path, &relative, &text);
                Some(IndexedDoc::new(model, Arc::from(text)))
            }
            Err(reason) => {
                tracing::warn!("not indexing {}: {reason}", path.display());
                None
            }
        }
    }

    /// A document was closed: its disk copy (if any) takes over, unless it was reopened.
    pub fn closed(&self, uri: &lsp::Uri, path: &Path) {
        let on_disk = path.is_file() && is_markdown(path) && self.index().roots().iter().any(|r| path.starts_with(r));
        let loaded = if on_disk { self.load_disk(path) } else { None };
        let mut index = self.index_mut();
        if self.docs.generation(uri).is_some() || self.docs.is_open_path(path) {
            return;
        }
        self.indexed.remove(uri);
        self.too_large.remove(uri);
        self.published.remove(uri);
        match loaded {
            Some(doc) => index.upsert(doc),
            None => {
                index.remove(path);
            }
        }
    }

    /// Merge the initial scan, keeping open documents' own text.
    pub fn merge_scan(&self, scan: Scan) {
        for skipped in &scan.skipped {
            tracing::warn!("not indexing {}: {}", skipped.path.display(), skipped.reason);
        }
        for path in &scan.lossy {
            tracing::warn!("{}: invalid UTF-8, indexed with replacement characters", path.display());
        }
        let open: Vec<PathBuf> =
            scan.docs.iter().map(|d| d.model.path.clone()).filter(|p| self.docs.is_open_path(p)).collect();
        let mut index = self.index_mut();
        for doc in scan.docs {
            if !open.contains(&doc.model.path) {
                index.upsert(doc);
            }
        }
        drop(index);
        self.mark_indexed();
    }

    // ------------------------------------------------------------------ diagnostics

    /// The protocol diagnostics of an open document, with the version they describe; `None`
    /// when the index does not reflect the document's newest text (a newer analysis is due).
    pub fn open_diagnostics(&self, uri: &lsp::Uri) -> Option<(Option<i32>, Vec<lsp::Diagnostic>)> {
        let current = self.docs.generation(uri)?;
        let (generation, version) = *self.indexed.get(uri)?;
        if generation != current {
            return None;
        }
        if let Some(len) = self.too_large.get(uri) {
            let message = format!(
                "This document is {} bytes, over the {} byte analysis limit; specls keeps its text but does not analyse it",
                *len, self.walk.max_file_bytes
            );
            return Some((
                Some(version),
                vec![lsp::Diagnostic {
                    severity: Some(lsp::DiagnosticSeverity::INFORMATION),
                    code: Some(lsp::NumberOrString::String(code::TOO_LARGE.into())),
                    source: Some("specls".into()),
                    message,
                    ..Default::default()
                }],
            ));
        }
        let path = convert::path_of(uri);
        Some((Some(version), self.path_diagnostics(&path)))
    }

    /// Diagnostics of a document the editor has not opened, from its indexed disk copy.
    pub fn closed_diagnostics(&self, uri: &lsp::Uri) -> Vec<lsp::Diagnostic> {
        self.path_diagnostics(&convert::path_of(uri))
    }

    fn path_diagnostics(&self, path: &Path) -> Vec<lsp::Diagnostic> {
        let index = self.index();
        let Some(doc) = index.doc(path) else { return Vec::new() };
        let enc = self.encoding();
        let settled = self.indexed_once.load(Ordering::Acquire);
        analysis::diagnostics(&index, path)
            .iter()
            .filter(|d| settled || d.code != code::UNRESOLVED_REFERENCE)
            .map(|d| convert::diagnostic(&index, doc, d, enc))
            .collect()
    }

    /// Diagnostics of every open document that differ from what was last pushed.
    pub fn changed_diagnostics(&self) -> Vec<(lsp::Uri, Option<i32>, Vec<lsp::Diagnostic>)> {
        let mut out = Vec::new();
        for uri in self.docs.uris() {
            let Some((version, diags)) = self.open_diagnostics(&uri) else { continue };
            if self.published.get(&uri).is_some_and(|p| *p == diags) {
                continue;
            }
            self.published.insert(uri.clone(), diags.clone());
            out.push((uri, version, diags));
        }
        out
    }
}
