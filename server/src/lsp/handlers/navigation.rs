//! `textDocument/definition`, `textDocument/references` and `textDocument/implementation`: from a
//! mention to its clause, and from a clause to the specs, code and tests that mention it.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types as lsp;

use crate::analysis::navigate::{self, Location};
use crate::analysis::{IndexedDoc, WorkspaceIndex};
use crate::lsp::convert::{location, offset};
use crate::lsp::state::State;

/// Where the request points: the document's fresh model and the byte offset.
async fn at(state: &Arc<State>, position: &lsp::TextDocumentPositionParams) -> Option<(Arc<IndexedDoc>, usize)> {
    let doc = super::fresh_workspace(state, &position.text_document.uri).await?;
    let at = offset(&doc, position.position, state.encoding());
    Some((doc, at))
}

fn locations(state: &State, index: &WorkspaceIndex, found: Vec<Location>) -> Vec<lsp::Location> {
    let enc = state.encoding();
    found.iter().filter_map(|l| location(index, l, enc)).collect()
}

pub async fn definition(
    state: &Arc<State>,
    params: lsp::GotoDefinitionParams,
) -> Result<Option<lsp::GotoDefinitionResponse>> {
    let position = &params.text_document_position_params;
    let Some((doc, at)) = at(state, position).await else { return Ok(None) };
    let index = state.index();
    let found = locations(state, &index, navigate::definition(&index, &doc.model.path, at));
    Ok((!found.is_empty()).then_some(lsp::GotoDefinitionResponse::Array(found)))
}

pub async fn references(state: &Arc<State>, params: lsp::ReferenceParams) -> Result<Option<Vec<lsp::Location>>> {
    let position = &params.text_document_position;
    let Some((doc, at)) = at(state, position).await else { return Ok(None) };
    let index = state.index();
    let found = navigate::references(&index, &doc.model.path, at, params.context.include_declaration);
    Ok(Some(locations(state, &index, found)))
}

pub async fn implementation(
    state: &Arc<State>,
    params: lsp::request::GotoImplementationParams,
) -> Result<Option<lsp::request::GotoImplementationResponse>> {
    let position = &params.text_document_position_params;
    let Some((doc, at)) = at(state, position).await else { return Ok(None) };
    let index = state.index();
    let found = locations(state, &index, navigate::implementations(&index, &doc.model.path, at));
    Ok((!found.is_empty()).then_some(lsp::GotoDefinitionResponse::Array(found)))
}
