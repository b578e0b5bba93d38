//! `textDocument/completion` and `completionItem/resolve`: sections, keys, next free keys and the
//! format's snippets; a key's clause text is sent on resolve, since a list may hold hundreds.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types as lsp;

use crate::analysis::IndexedDoc;
use crate::analysis::complete::{ResolveKey, complete, resolve as describe};
use crate::lsp::convert::{completion_item, offset, path_of};
use crate::lsp::state::State;
use crate::model::DocModel;

/// Characters after which editors ask without a manual request (VS Code does not auto-complete
/// words in Markdown; Neovim's and Helix's auto-completion ask on these too): a heading's `#`, a
/// key's `-` (`FR-`), a label's `[`, the space after `Requirement`, `per`, a list marker or
/// `_Requirements:`, the `*` of `- **`, the `:` of `inclusion:`, and list separators.
const TRIGGERS: [&str; 8] = ["#", "-", "[", " ", "*", ":", ".", ","];

pub fn options() -> lsp::CompletionOptions {
    lsp::CompletionOptions {
        resolve_provider: Some(true),
        trigger_characters: Some(TRIGGERS.iter().map(|c| c.to_string()).collect()),
        ..Default::default()
    }
}

pub async fn completion(state: &Arc<State>, params: lsp::CompletionParams) -> Result<Option<lsp::CompletionResponse>> {
    let at = params.text_document_position;
    let uri = &at.text_document.uri;
    let fresh = super::fresh_doc(state, uri).await;
    let enc = state.encoding();
    let snippets = state.session().snippets;
    let index = state.index();
    // The indexed text, which a newer edit may have replaced since `fresh_doc`; a code file without
    // mentions is not indexed, so its open text is read instead.
    let doc: Arc<IndexedDoc> = match fresh.and_then(|d| index.doc(&d.model.path).cloned()) {
        Some(doc) => doc,
        None => {
            let path = path_of(uri);
            let Some((rope, _, _)) = state.docs.text(uri) else { return Ok(None) };
            if !index.grammar.code.is_code(&path) {
                return Ok(None);
            }
            let text: Arc<str> = Arc::from(String::from(&rope));
            Arc::new(IndexedDoc::new(DocModel::empty(&path, index.grammar.code_kind, None, text.len()), text))
        }
    };
    let found = complete(&index, &doc, offset(&doc, at.position, enc));
    if found.items.is_empty() {
        return Ok(None);
    }
    Ok(Some(lsp::CompletionResponse::List(lsp::CompletionList {
        is_incomplete: found.incomplete,
        items: found.items.iter().map(|c| completion_item(&doc, c, enc, snippets)).collect(),
    })))
}

pub async fn resolve(state: &Arc<State>, mut item: lsp::CompletionItem) -> Result<lsp::CompletionItem> {
    let Some(key) = item.data.clone().and_then(|d| serde_json::from_value::<ResolveKey>(d).ok()) else {
        return Ok(item);
    };
    if let Some(markdown) = describe(&state.index(), &key) {
        item.documentation = Some(lsp::Documentation::MarkupContent(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value: markdown,
        }));
    }
    Ok(item)
}
