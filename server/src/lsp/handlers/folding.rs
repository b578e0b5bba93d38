//! `textDocument/foldingRange`: sections, lists, code blocks, comments and front matter.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types as lsp;

use crate::lsp::convert::folding_range as to_lsp;
use crate::lsp::state::State;

pub async fn folding_range(
    state: &Arc<State>,
    params: lsp::FoldingRangeParams,
) -> Result<Option<Vec<lsp::FoldingRange>>> {
    let Some(doc) = super::fresh_doc(state, &params.text_document.uri).await else { return Ok(None) };
    Ok(Some(doc.model.folds.iter().filter_map(|f| to_lsp(&doc, f)).collect()))
}
