//! `textDocument/codeLens`: coverage above requirements, what a task satisfies above tasks.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types as lsp;

use crate::analysis::lens::lenses;
use crate::lsp::convert::code_lens as to_lsp;
use crate::lsp::state::State;

pub async fn code_lens(state: &Arc<State>, params: lsp::CodeLensParams) -> Result<Option<Vec<lsp::CodeLens>>> {
    let Some(doc) = super::fresh_doc(state, &params.text_document.uri).await else { return Ok(None) };
    let enc = state.encoding();
    let index = state.index();
    Ok(Some(lenses(&index, doc.model.path()).iter().filter_map(|l| to_lsp(&index, &doc, l, enc)).collect()))
}
