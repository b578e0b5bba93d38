//! `textDocument/documentLink`: file paths in spec documents, Markdown links to files and spec
//! paths in code, linked when they exist inside the workspace.

use std::path::Path;
use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types as lsp;

use crate::analysis::links::{document_links, within_roots};
use crate::lsp::convert::{path_of, range, uri_of};
use crate::lsp::state::State;

pub async fn document_link(
    state: &Arc<State>,
    params: lsp::DocumentLinkParams,
) -> Result<Option<Vec<lsp::DocumentLink>>> {
    let uri = params.text_document.uri;
    if super::fresh_doc(state, &uri).await.is_none() {
        return Ok(None);
    }
    let path = path_of(&uri);
    let enc = state.encoding();
    let index = state.index();
    let Some(doc) = index.doc(&path) else { return Ok(None) };
    let roots = index.roots();
    // Only what lies inside the workspace is ever looked up.
    let exists = |p: &Path| within_roots(roots, p) && p.exists();
    let links = document_links(&index, &path, &exists)
        .into_iter()
        .filter_map(|link| {
            Some(lsp::DocumentLink {
                range: range(doc, &link.range, enc),
                target: Some(uri_of(&link.target)?),
                tooltip: None,
                data: None,
            })
        })
        .collect();
    Ok(Some(links))
}
