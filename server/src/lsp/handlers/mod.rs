//! One module per request.

pub mod code_action;
pub mod commands;
pub mod completion;
pub mod debug;
pub mod diagnostics;
pub mod folding;
pub mod hover;
pub mod inlay;
pub mod lens;
pub mod links;
pub mod navigation;
pub mod rename;
pub mod symbols;
pub mod tokens;

use std::sync::Arc;

use tower_lsp_server::ls_types as lsp;

use crate::analysis::IndexedDoc;

use super::convert::path_of;
use super::state::State;

/// The indexed form of a document, brought up to date first when it is open and newer edits
/// have not been analysed yet, so answers match the text the editor shows.
pub async fn fresh_doc(state: &Arc<State>, uri: &lsp::Uri) -> Option<Arc<IndexedDoc>> {
    let worker = state.clone();
    let target = uri.clone();
    if let Err(e) = tokio::task::spawn_blocking(move || worker.analyse_open(&target)).await {
        tracing::error!("analysis of {} failed: {e}", uri.as_str());
    }
    state.index().doc(&path_of(uri)).cloned()
}

/// [`fresh_doc`] for requests whose answer reads other documents too (definition, references):
/// every open document with edits not yet analysed is brought up to date first, so an answer
/// never misses what the user just typed in another file.
pub async fn fresh_workspace(state: &Arc<State>, uri: &lsp::Uri) -> Option<Arc<IndexedDoc>> {
    let worker = state.clone();
    if let Err(e) = tokio::task::spawn_blocking(move || {
        for open in worker.docs.uris() {
            worker.analyse_open(&open);
        }
    })
    .await
    {
        tracing::error!("analysis of the open documents failed: {e}");
    }
    fresh_doc(state, uri).await
}
