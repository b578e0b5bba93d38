//! `textDocument/documentSymbol` and `workspace/symbol`.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types as lsp;

use crate::analysis::{DOCUMENT_SYMBOL_LIMIT, document_symbols, workspace_symbols};
use crate::lsp::convert::{document_symbol as to_lsp, range, symbol_kind, uri_of};
use crate::lsp::state::State;

/// Most symbols one workspace query returns (specs/003-navigation FR-020); editors query again as
/// the user types.
const WORKSPACE_SYMBOL_LIMIT: usize = 128;

pub async fn document_symbol(
    state: &Arc<State>,
    params: lsp::DocumentSymbolParams,
) -> Result<Option<lsp::DocumentSymbolResponse>> {
    let Some(doc) = super::fresh_doc(state, &params.text_document.uri).await else { return Ok(None) };
    let enc = state.encoding();
    let outline = document_symbols(&doc.model, &doc.text);
    if outline.left_out > 0 {
        tracing::info!(
            "{}: {} symbols left out of the outline, over the {DOCUMENT_SYMBOL_LIMIT} symbol limit",
            doc.model.path.display(),
            outline.left_out
        );
    }
    let symbols = outline.symbols.iter().map(|s| to_lsp(&doc, s, enc)).collect();
    Ok(Some(lsp::DocumentSymbolResponse::Nested(symbols)))
}

pub async fn workspace_symbol(
    state: &Arc<State>,
    params: lsp::WorkspaceSymbolParams,
) -> Result<Option<lsp::WorkspaceSymbolResponse>> {
    let enc = state.encoding();
    let index = state.index();
    let symbols = workspace_symbols(&index, &params.query, WORKSPACE_SYMBOL_LIMIT)
        .into_iter()
        .filter_map(|s| {
            let doc = index.doc(&s.path)?;
            Some(lsp::WorkspaceSymbol {
                name: if s.detail.is_empty() || s.detail == s.name {
                    s.name.clone()
                } else {
                    format!("{} {}", s.name, s.detail)
                },
                kind: symbol_kind(s.category),
                tags: None,
                container_name: s.container.clone(),
                location: lsp::OneOf::Left(lsp::Location {
                    uri: uri_of(&s.path)?,
                    range: range(doc, &s.selection, enc),
                }),
                data: None,
            })
        })
        .collect();
    Ok(Some(lsp::WorkspaceSymbolResponse::Nested(symbols)))
}
