//! `textDocument/hover`: a clause's text, scope and coverage, or a principle's text and the
//! constitution's version, as Markdown.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types as lsp;

use crate::analysis::hover::hover as analyse;
use crate::lsp::convert::{offset, range};
use crate::lsp::state::State;

pub async fn hover(state: &Arc<State>, params: lsp::HoverParams) -> Result<Option<lsp::Hover>> {
    let at = params.text_document_position_params;
    let Some(doc) = super::fresh_doc(state, &at.text_document.uri).await else { return Ok(None) };
    let enc = state.encoding();
    let index = state.index();
    // The indexed text, which a newer edit may have replaced since `fresh_doc`: offsets and
    // ranges are converted against the text the analysis reads.
    let Some(current) = index.doc(&doc.model.path) else { return Ok(None) };
    let Some(found) = analyse(&index, &doc.model.path, offset(current, at.position, enc)) else { return Ok(None) };
    Ok(Some(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value: found.markdown,
        }),
        range: Some(range(current, &found.range, enc)),
    }))
}
