//! `textDocument/prepareRename` and `textDocument/rename`: one workspace edit over specs, code and
//! tests; a refused rename comes back as an error whose message the editor shows.

use std::collections::HashMap;
use std::sync::Arc;

use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types as lsp;

use crate::analysis::rename::{self, RenameError};
use crate::lsp::convert::{offset, path_of, range, uri_of};
use crate::lsp::state::State;

/// LSP's `RequestFailed`: the request was valid but could not be carried out.
const REQUEST_FAILED: i64 = -32803;

pub async fn prepare_rename(
    state: &Arc<State>,
    params: lsp::TextDocumentPositionParams,
) -> Result<Option<lsp::PrepareRenameResponse>> {
    let uri = params.text_document.uri;
    if super::fresh_doc(state, &uri).await.is_none() {
        return Ok(None);
    }
    let path = path_of(&uri);
    let enc = state.encoding();
    let index = state.index();
    let Some(doc) = index.doc(&path) else { return Ok(None) };
    match rename::prepare_rename(&index, &path, offset(doc, params.position, enc)) {
        Ok(Some(found)) => Ok(Some(lsp::PrepareRenameResponse::RangeWithPlaceholder {
            range: range(doc, &found.range, enc),
            placeholder: found.placeholder,
        })),
        Ok(None) => Ok(None),
        Err(refused) => Err(refusal(&refused)),
    }
}

pub async fn rename(state: &Arc<State>, params: lsp::RenameParams) -> Result<Option<lsp::WorkspaceEdit>> {
    let position = params.text_document_position;
    // Every open document may change: bring them all up to date, so the edit's versions are the
    // editor's current ones.
    let worker = state.clone();
    if let Err(e) = tokio::task::spawn_blocking(move || {
        for uri in worker.docs.uris() {
            worker.analyse_open(&uri);
        }
    })
    .await
    {
        tracing::error!("analysis before a rename failed: {e}");
    }
    let path = path_of(&position.text_document.uri);
    let enc = state.encoding();
    let index = state.index();
    let Some(doc) = index.doc(&path) else { return Ok(None) };
    let files = rename::rename(&index, &path, offset(doc, position.position, enc), &params.new_name)
        .map_err(|refused| refusal(&refused))?;
    if files.is_empty() {
        return Ok(None);
    }
    let mut edits: Vec<(lsp::Uri, Option<i32>, Vec<lsp::TextEdit>)> = Vec::with_capacity(files.len());
    for (path, changes) in files {
        let Some(doc) = index.doc(&path) else { continue };
        // An open document is named as the editor opened it, with the version the edit is for.
        let Some(uri) = state.docs.uri_of_path(&path).or_else(|| uri_of(&path)) else { continue };
        let version = state.indexed_version(&uri);
        let text_edits = changes
            .iter()
            .map(|(r, text)| lsp::TextEdit { range: range(doc, r, enc), new_text: text.clone() })
            .collect();
        edits.push((uri, version, text_edits));
    }
    Ok(Some(if state.session().document_changes {
        lsp::WorkspaceEdit {
            document_changes: Some(lsp::DocumentChanges::Edits(
                edits
                    .into_iter()
                    .map(|(uri, version, text_edits)| lsp::TextDocumentEdit {
                        text_document: lsp::OptionalVersionedTextDocumentIdentifier { uri, version },
                        edits: text_edits.into_iter().map(lsp::OneOf::Left).collect(),
                    })
                    .collect(),
            )),
            ..Default::default()
        }
    } else {
        let changes: HashMap<lsp::Uri, Vec<lsp::TextEdit>> =
            edits.into_iter().map(|(uri, _, text_edits)| (uri, text_edits)).collect();
        lsp::WorkspaceEdit { changes: Some(changes), ..Default::default() }
    }))
}

/// A refused rename as the error an editor shows: bad parameters when the new key is at fault,
/// else a request that failed.
fn refusal(refused: &RenameError) -> Error {
    let code = if refused.blames_new_key() { ErrorCode::InvalidParams } else { ErrorCode::ServerError(REQUEST_FAILED) };
    Error { code, message: refused.to_string().into(), data: None }
}
