//! `textDocument/semanticTokens/full` and `/range`: keys at their definition, mentions, markers
//! and EARS keywords.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types as lsp;

use crate::analysis::tokens::tokens;
use crate::lsp::convert::semantic_tokens;
use crate::lsp::state::State;

pub async fn full(state: &Arc<State>, params: lsp::SemanticTokensParams) -> Result<Option<lsp::SemanticTokensResult>> {
    let Some(data) = encoded(state, &params.text_document.uri, None).await else { return Ok(None) };
    Ok(Some(lsp::SemanticTokens { result_id: None, data }.into()))
}

pub async fn range(
    state: &Arc<State>,
    params: lsp::SemanticTokensRangeParams,
) -> Result<Option<lsp::SemanticTokensRangeResult>> {
    let Some(data) = encoded(state, &params.text_document.uri, Some(params.range)).await else { return Ok(None) };
    Ok(Some(lsp::SemanticTokens { result_id: None, data }.into()))
}

async fn encoded(state: &Arc<State>, uri: &lsp::Uri, within: Option<lsp::Range>) -> Option<Vec<lsp::SemanticToken>> {
    let doc = super::fresh_doc(state, uri).await?;
    let found = tokens(&state.index().grammar, &doc.model, &doc.text);
    Some(semantic_tokens(&doc, &found, state.encoding(), within))
}

/// Verifies specs/003-navigation/spec.md FR-016.
#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use tower_lsp_server::ls_types as lsp;

    use crate::analysis::IndexedDoc;
    use crate::analysis::tokens::tokens;
    use crate::lsp::convert::semantic_tokens;
    use crate::model::{Grammar, model_file};
    use crate::text::PositionEncoding;

    const SPEC: &str = "# Feature Specification: Café\n\n## Requirements\n\n- **FR-001**: Ünïcode 😀 MUST see FR-002 and 😀 FR-001.\n- **FR-002**: [NEEDS CLARIFICATION: é?]\n";

    fn encoded(enc: PositionEncoding, within: Option<lsp::Range>) -> Vec<[u32; 5]> {
        let grammar = Grammar::builtin();
        let relative = "specs/001-cafe/spec.md";
        let model = model_file(&grammar, &Path::new("/ws").join(relative), relative, SPEC);
        let doc = IndexedDoc::new(model, Arc::from(SPEC));
        let found = tokens(&grammar, &doc.model, &doc.text);
        semantic_tokens(&doc, &found, enc, within)
            .iter()
            .map(|t| [t.delta_line, t.delta_start, t.length, t.token_type, t.token_modifiers_bitset])
            .collect()
    }

    #[test]
    fn tokens_are_encoded_relative_and_measured_in_utf16() {
        assert_eq!(
            encoded(PositionEncoding::Utf16, None),
            [
                [4, 4, 6, 0, 0b11],
                // `FR-002` after `: Ünïcode 😀 MUST see `: the emoji is two UTF-16 units.
                [0, 30, 6, 0, 0],
                // `FR-002 and 😀 ` from the previous token's start: 6 + 5 + 2 + 1 units.
                [0, 14, 6, 0, 0],
                [1, 4, 6, 0, 0b11],
                // The marker, its `é` one UTF-16 unit.
                [0, 10, 25, 1, 0],
            ]
        );
        // In UTF-8 the same tokens start further right on the first line and the marker is longer.
        let utf8 = encoded(PositionEncoding::Utf8, None);
        assert_eq!(utf8[1], [0, 34, 6, 0, 0]);
        assert_eq!(utf8[4], [0, 10, 26, 1, 0]);
    }

    #[test]
    fn a_range_request_keeps_only_the_tokens_it_touches_relative_to_the_start() {
        let line = |l, c| lsp::Position { line: l, character: c };
        let second = Some(lsp::Range { start: line(5, 0), end: line(6, 0) });
        assert_eq!(encoded(PositionEncoding::Utf16, second), [[5, 4, 6, 0, 0b11], [0, 10, 25, 1, 0]]);
        let none = Some(lsp::Range { start: line(0, 0), end: line(1, 0) });
        assert!(encoded(PositionEncoding::Utf16, none).is_empty());
    }
}
