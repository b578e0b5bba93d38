//! `workspace/executeCommand`: the trace report as Markdown (the VS Code extension opens a
//! string result as a Markdown document), reading the test results files again, and opening a
//! location for the code actions (`code_action::OPEN_LOCATION`).

use std::sync::Arc;

use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types as lsp;

use crate::analysis::trace::{markdown, trace};
use crate::lsp::state::{Job, State};

pub const SHOW_TRACE_REPORT: &str = "specls.showTraceReport";
pub const RELOAD_TEST_RESULTS: &str = "specls.reloadTestResults";

pub fn options() -> lsp::ExecuteCommandOptions {
    lsp::ExecuteCommandOptions {
        commands: vec![SHOW_TRACE_REPORT.into(), RELOAD_TEST_RESULTS.into(), super::code_action::OPEN_LOCATION.into()],
        work_done_progress_options: Default::default(),
    }
}

pub async fn execute(state: &Arc<State>, params: lsp::ExecuteCommandParams) -> Result<Option<lsp::LSPAny>> {
    match params.command.as_str() {
        SHOW_TRACE_REPORT => {
            let worker = state.clone();
            // Open documents with edits not analysed yet come first: the report shows their text.
            let report = tokio::task::spawn_blocking(move || {
                for open in worker.docs.uris() {
                    worker.analyse_open(&open);
                }
                markdown(&trace(&worker.index(), &[]))
            })
            .await
            .map_err(|e| {
                tracing::error!("trace report failed: {e}");
                Error::internal_error()
            })?;
            Ok(Some(lsp::LSPAny::String(report)))
        }
        RELOAD_TEST_RESULTS => {
            // The worker reads them as it does for a watched change, then republishes.
            state.submit(Job::Results);
            Ok(None)
        }
        super::code_action::OPEN_LOCATION => super::code_action::execute(state, params).await,
        other => Err(Error::invalid_params(format!("unknown command `{other}`"))),
    }
}
