//! `textDocument/codeAction` (the actions of `analysis::actions` as versioned workspace edits)
//! and the `specls.openLocation` command that opens a failing test: a server command answered with
//! `window/showDocument`, so that every client that runs server commands (VS Code, Neovim, Helix)
//! can follow it without client-side code.

use std::sync::Arc;
use std::time::SystemTime;

use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types as lsp;

use crate::analysis::actions::{self, ActionKind};
use crate::lsp::convert::{self, offset, path_of};
use crate::lsp::state::State;

/// Opens `arguments[0]` (a URI) at `arguments[1]` (a range) through `window/showDocument`.
pub const OPEN_LOCATION: &str = "specls.openLocation";

pub fn options() -> lsp::CodeActionProviderCapability {
    lsp::CodeActionProviderCapability::Options(lsp::CodeActionOptions {
        code_action_kinds: Some(vec![lsp::CodeActionKind::QUICKFIX, lsp::CodeActionKind::SOURCE]),
        resolve_provider: Some(false),
        work_done_progress_options: Default::default(),
    })
}

pub async fn code_action(state: &Arc<State>, params: lsp::CodeActionParams) -> Result<Option<lsp::CodeActionResponse>> {
    let uri = params.text_document.uri;
    // Actions edit other documents (tasks, the spec a stub goes to): all of them must be current
    // so that the edits' versions are the editor's.
    if super::fresh_workspace(state, &uri).await.is_none() {
        return Ok(None);
    }
    let path = path_of(&uri);
    let enc = state.encoding();
    let session = state.session();
    let index = state.index();
    let Some(doc) = index.doc(&path) else { return Ok(None) };
    let range = offset(doc, params.range.start, enc)..offset(doc, params.range.end, enc);
    let wanted = |kind: &lsp::CodeActionKind| {
        params.context.only.as_ref().is_none_or(|only| {
            only.iter().any(|o| kind.as_str() == o.as_str() || kind.as_str().starts_with(&format!("{}.", o.as_str())))
        })
    };
    let mut out = Vec::new();
    for action in actions::code_actions(&index, &path, range, &today()) {
        let kind = match action.kind {
            ActionKind::QuickFix => lsp::CodeActionKind::QUICKFIX,
            ActionKind::Source => lsp::CodeActionKind::SOURCE,
        };
        if !wanted(&kind) || (!action.create.is_empty() && !session.create_files) {
            continue;
        }
        let target = |p: &std::path::Path| {
            let uri = state.docs.uri_of_path(p).or_else(|| convert::uri_of(p))?;
            let version = state.indexed_version(&uri);
            Some((uri, version))
        };
        if let Some(converted) =
            convert::code_action(&index, doc, &action, kind, &target, enc, session.document_changes)
        {
            out.push(lsp::CodeActionOrCommand::CodeAction(converted));
        }
    }
    Ok(Some(out))
}

/// [`OPEN_LOCATION`], run by `commands::execute`.
pub async fn execute(state: &Arc<State>, params: lsp::ExecuteCommandParams) -> Result<Option<lsp::LSPAny>> {
    let (Some(uri), Some(range)) = (params.arguments.first(), params.arguments.get(1)) else {
        return Err(Error::invalid_params("specls.openLocation takes a URI and a range"));
    };
    let uri: lsp::Uri = serde_json::from_value(uri.clone()).map_err(|e| Error::invalid_params(e.to_string()))?;
    let range: lsp::Range = serde_json::from_value(range.clone()).map_err(|e| Error::invalid_params(e.to_string()))?;
    let shown = state
        .client
        .show_document(lsp::ShowDocumentParams { uri, external: None, take_focus: Some(true), selection: Some(range) })
        .await;
    if let Err(e) = &shown {
        tracing::warn!("window/showDocument failed: {e}");
    }
    Ok(Some(serde_json::json!(shown.unwrap_or(false))))
}

/// Today's date (UTC) as YYYY-MM-DD, for clarification sessions.
fn today() -> String {
    let days = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs() / 86_400) as i64;
    // Days to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn today_is_a_calendar_date() {
        let today = super::today();
        let parts: Vec<u32> = today.split('-').map(|p| p.parse().expect("digits")).collect();
        assert!(parts[0] >= 2024 && (1..=12).contains(&parts[1]) && (1..=31).contains(&parts[2]), "{today}");
    }
}
