//! Open documents: the editor's text, applied synchronously in notification order.
//!
//! Every mutation here is synchronous (DashMap guards only, never held across `.await`), so the
//! framework's concurrent handlers cannot reorder edits (see `lsp-engineering.md` §3.4).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::model::ModelCache;
use crate::syntax::Chunks;
use crate::text::{Document, PositionEncoding};
use dashmap::DashMap;
use tower_lsp_server::ls_types as lsp;

use super::convert::{from_position, path_of};

/// An open document and its parse state.
pub struct OpenDoc {
    pub uri: lsp::Uri,
    pub path: PathBuf,
    pub text: Document,
    pub version: i32,
    /// Bumped on every change, workspace-wide unique, so stale analyses can be recognised.
    pub generation: u64,
    /// The block outline in parsed chunks, told of every change since, ready for an update.
    pub chunks: Chunks,
    /// Inline parses and per-chunk model facts of the last build, reused by the next one.
    pub model_cache: ModelCache,
}

/// A consistent copy of an open document for analysis off the request path.
pub struct Snapshot {
    pub path: PathBuf,
    pub text: ropey::Rope,
    pub version: i32,
    pub generation: u64,
    pub chunks: Chunks,
    pub model_cache: ModelCache,
}

/// Why a notification was not applied.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refused {
    #[error("document {0} is not open")]
    NotOpen(String),
    #[error("version {got} of {uri} does not increase on {current}")]
    StaleVersion { uri: String, got: i32, current: i32 },
}

#[derive(Default)]
pub struct Documents {
    open: DashMap<lsp::Uri, OpenDoc>,
    generations: AtomicU64,
}

impl Documents {
    fn next_generation(&self) -> u64 {
        self.generations.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub fn open(&self, params: lsp::TextDocumentItem) -> u64 {
        let generation = self.next_generation();
        let path = path_of(&params.uri);
        self.open.insert(
            params.uri.clone(),
            OpenDoc {
                uri: params.uri,
                path,
                text: Document::new(&params.text),
                version: params.version,
                generation,
                chunks: Chunks::default(),
                model_cache: ModelCache::default(),
            },
        );
        generation
    }

    /// Apply content changes in order, each relative to the text the previous one produced.
    pub fn change(
        &self,
        id: &lsp::VersionedTextDocumentIdentifier,
        changes: Vec<lsp::TextDocumentContentChangeEvent>,
        enc: PositionEncoding,
    ) -> Result<u64, Refused> {
        let mut doc = self.open.get_mut(&id.uri).ok_or_else(|| Refused::NotOpen(id.uri.as_str().to_string()))?;
        if id.version <= doc.version {
            return Err(Refused::StaleVersion {
                uri: id.uri.as_str().to_string(),
                got: id.version,
                current: doc.version,
            });
        }
        for change in changes {
            let range = change.range.map(|r| (from_position(r.start), from_position(r.end)));
            if range.is_none() {
                doc.chunks = Chunks::default();
            }
            let edit = doc.text.apply_change(range, &change.text, enc);
            doc.chunks.edit(&edit);
        }
        doc.version = id.version;
        doc.generation = self.next_generation();
        Ok(doc.generation)
    }

    pub fn close(&self, uri: &lsp::Uri) -> Option<PathBuf> {
        self.open.remove(uri).map(|(_, doc)| doc.path)
    }

    /// A copy to analyse; it borrows the document's model cache until [`Self::store_chunks`].
    pub fn snapshot(&self, uri: &lsp::Uri) -> Option<Snapshot> {
        let mut doc = self.open.get_mut(uri)?;
        let model_cache = std::mem::take(&mut doc.model_cache);
        Some(Snapshot {
            path: doc.path.clone(),
            text: doc.text.rope().clone(),
            version: doc.version,
            generation: doc.generation,
            chunks: doc.chunks.clone(),
            model_cache,
        })
    }

    /// Keep freshly parsed chunks, unless the document changed while they were being parsed, and
    /// return the model cache (valid for any text: it is keyed by run content and chunk identity).
    pub fn store_chunks(&self, uri: &lsp::Uri, generation: u64, chunks: Chunks, model_cache: ModelCache) {
        if let Some(mut doc) = self.open.get_mut(uri) {
            doc.model_cache = model_cache;
            if doc.generation == generation {
                doc.chunks = chunks;
            }
        }
    }

    /// The text of an open document, with its generation and version.
    pub fn text(&self, uri: &lsp::Uri) -> Option<(ropey::Rope, u64, i32)> {
        let doc = self.open.get(uri)?;
        Some((doc.text.rope().clone(), doc.generation, doc.version))
    }

    pub fn generation(&self, uri: &lsp::Uri) -> Option<u64> {
        self.open.get(uri).map(|d| d.generation)
    }

    pub fn is_open_path(&self, path: &std::path::Path) -> bool {
        self.open.iter().any(|d| d.path == path)
    }

    /// The paths of the open documents.
    pub fn open_paths(&self) -> Vec<PathBuf> {
        self.open.iter().map(|d| d.path.clone()).collect()
    }

    /// The URI an open document at `path` was opened with.
    pub fn uri_of_path(&self, path: &std::path::Path) -> Option<lsp::Uri> {
        self.open.iter().find(|d| d.path == path).map(|d| d.uri.clone())
    }

    pub fn uris(&self) -> Vec<lsp::Uri> {
        self.open.iter().map(|d| d.uri.clone()).collect()
    }

    /// Version, text and block outline (debug-printed, once analysed) of an open document.
    pub fn debug(&self, uri: &lsp::Uri) -> Option<(i32, String, Option<String>)> {
        let doc = self.open.get(uri)?;
        let text = doc.text.text();
        let outline = (!doc.chunks.is_empty()).then(|| format!("{:?}", doc.chunks.outline(text.len())));
        Some((doc.version, text, outline))
    }
}
