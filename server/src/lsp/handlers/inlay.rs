//! `textDocument/inlayHint`: the title of the clause each bare reference names, after it.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types as lsp;

use crate::analysis::inlay::inlay_hints;
use crate::lsp::convert::{offset, position};
use crate::lsp::state::State;

pub async fn inlay_hint(state: &Arc<State>, params: lsp::InlayHintParams) -> Result<Option<Vec<lsp::InlayHint>>> {
    let Some(doc) = super::fresh_doc(state, &params.text_document.uri).await else { return Ok(None) };
    let enc = state.encoding();
    let index = state.index();
    // Offsets and positions are converted against the text the analysis reads.
    let Some(current) = index.doc(&doc.model.path) else { return Ok(None) };
    let requested = offset(current, params.range.start, enc)..offset(current, params.range.end, enc);
    let hints = inlay_hints(&index, &doc.model.path, requested)
        .into_iter()
        .map(|hint| lsp::InlayHint {
            position: position(current.lines().position(&current.text, hint.offset, enc)),
            label: lsp::InlayHintLabel::String(hint.label),
            kind: None,
            text_edits: None,
            tooltip: hint.tooltip.map(lsp::InlayHintTooltip::String),
            padding_left: Some(true),
            padding_right: None,
            data: None,
        })
        .collect();
    Ok(Some(hints))
}
