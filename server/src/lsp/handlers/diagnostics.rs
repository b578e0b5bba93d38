//! `textDocument/diagnostic`: pulled diagnostics, computed on the newest text.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types as lsp;

use crate::lsp::state::State;

pub async fn document_diagnostic(
    state: &Arc<State>,
    params: lsp::DocumentDiagnosticParams,
) -> Result<lsp::DocumentDiagnosticReportResult> {
    let uri = params.text_document.uri;
    super::fresh_doc(state, &uri).await;
    let items = match state.open_diagnostics(&uri) {
        Some((_, items)) => items,
        None => state.closed_diagnostics(&uri),
    };
    Ok(lsp::DocumentDiagnosticReportResult::Report(lsp::DocumentDiagnosticReport::Full(
        lsp::RelatedFullDocumentDiagnosticReport {
            related_documents: None,
            full_document_diagnostic_report: lsp::FullDocumentDiagnosticReport { result_id: None, items },
        },
    )))
}
