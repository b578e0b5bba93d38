//! `specls/debugDocument`: the server's view of an open document (version, text and block
//! outline), for diagnosing sync problems from an editor and for the incremental-equals-fresh tests.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types as lsp;

use crate::lsp::state::State;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DebugDocumentParams {
    pub text_document: lsp::TextDocumentIdentifier,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DebugDocument {
    pub version: i32,
    pub text: String,
    /// The block outline (debug-printed) after the newest edits were analysed.
    pub outline: Option<String>,
    pub kind: Option<String>,
}

pub async fn debug_document(state: &Arc<State>, params: DebugDocumentParams) -> Result<DebugDocument> {
    let uri = params.text_document.uri;
    let indexed = super::fresh_doc(state, &uri).await;
    let kind = indexed.map(|doc| state.index().grammar.kind(doc.model.kind).id.clone());
    let (version, text, outline) =
        state.docs.debug(&uri).ok_or_else(|| Error::invalid_params(format!("{} is not open", uri.as_str())))?;
    Ok(DebugDocument { version, text, outline, kind })
}
