//! The `LanguageServer` implementation: lifecycle and document sync here, each request in its
//! own handler module.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types as lsp;
use tower_lsp_server::{Client, ClientSocket, LanguageServer, LspService};

use crate::text::PositionEncoding;

use super::convert::{encoding_kind, path_of};
use super::handlers;
use super::indexing;
use super::outbox::Outbox;
use super::scheduler;
use super::state::{Job, Session, State};

pub struct Backend {
    pub(crate) state: Arc<State>,
}

impl Backend {
    /// Create the backend and start its analysis worker on the current tokio runtime.
    pub(crate) fn new(client: Client, outbox: Outbox) -> Self {
        let (jobs, queue) = mpsc::unbounded_channel();
        let state = Arc::new(State::new(client, outbox, jobs));
        tokio::spawn(scheduler::run(state.clone(), queue));
        Backend { state }
    }

    async fn debug_document(
        &self,
        params: handlers::debug::DebugDocumentParams,
    ) -> Result<handlers::debug::DebugDocument> {
        handlers::debug::debug_document(&self.state, params).await
    }

    /// The service with specls's own requests registered beside the standard ones.
    pub(crate) fn service(outbox: Outbox) -> (LspService<Backend>, ClientSocket) {
        LspService::build(|client| Backend::new(client, outbox))
            .custom_method("specls/debugDocument", Backend::debug_document)
            .finish()
    }
}

/// Options an editor may pass in `initializationOptions`.
#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct InitOptions {
    /// "full" asks for full-text sync, the fallback for editors with incremental sync bugs.
    text_sync: Option<String>,
    /// Push diagnostics even when the client can pull them.
    push_diagnostics: bool,
}

/// The session options' own keys in `initializationOptions`; the other keys are configuration
/// (the keys of `specls.toml`).
const SESSION_OPTIONS: [&str; 2] = ["textSync", "pushDiagnostics"];

/// The configuration keys of `initializationOptions`, if there are any.
fn settings_from(params: &lsp::InitializeParams) -> Option<serde_json::Value> {
    let serde_json::Value::Object(options) = params.initialization_options.as_ref()? else { return None };
    let settings: serde_json::Map<String, serde_json::Value> = options
        .iter()
        .filter(|(k, _)| !SESSION_OPTIONS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (!settings.is_empty()).then_some(serde_json::Value::Object(settings))
}

fn session_from(params: &lsp::InitializeParams) -> Session {
    let caps = &params.capabilities;
    let offered: Vec<String> = caps
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref())
        .map(|kinds| kinds.iter().map(|k| k.as_str().to_string()).collect())
        .unwrap_or_default();
    let options: InitOptions = params
        .initialization_options
        .clone()
        .and_then(|v| match serde_json::from_value(v) {
            Ok(o) => Some(o),
            Err(e) => {
                tracing::warn!("ignoring malformed initializationOptions: {e}");
                None
            }
        })
        .unwrap_or_default();
    let workspace = caps.workspace.as_ref();
    Session {
        encoding: PositionEncoding::negotiate(offered.iter().map(String::as_str)),
        pull_diagnostics: !options.push_diagnostics
            && caps.text_document.as_ref().is_some_and(|t| t.diagnostic.is_some()),
        diagnostic_refresh: workspace
            .and_then(|w| w.diagnostics.as_ref())
            .and_then(|d| d.refresh_support)
            .unwrap_or(false),
        code_lens_refresh: workspace
            .and_then(|w| w.code_lens.as_ref())
            .and_then(|c| c.refresh_support)
            .unwrap_or(false),
        dynamic_watchers: workspace
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false),
        work_done_progress: caps.window.as_ref().and_then(|w| w.work_done_progress).unwrap_or(false),
        full_sync: options.text_sync.as_deref() == Some("full"),
        configuration: workspace.and_then(|w| w.configuration).unwrap_or(false),
        document_changes: workspace
            .and_then(|w| w.workspace_edit.as_ref())
            .and_then(|e| e.document_changes)
            .unwrap_or(false),
        create_files: workspace
            .and_then(|w| w.workspace_edit.as_ref())
            .and_then(|e| e.resource_operations.as_ref())
            .is_some_and(|ops| ops.contains(&lsp::ResourceOperationKind::Create)),
        snippets: caps
            .text_document
            .as_ref()
            .and_then(|t| t.completion.as_ref())
            .and_then(|c| c.completion_item.as_ref())
            .and_then(|i| i.snippet_support)
            .unwrap_or(false),
    }
}

fn roots_from(params: &lsp::InitializeParams) -> Vec<std::path::PathBuf> {
    if let Some(folders) = &params.workspace_folders {
        return folders.iter().filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned())).collect();
    }
    #[allow(deprecated, reason = "older clients only send rootUri")]
    let root = params.root_uri.as_ref().and_then(|u| u.to_file_path().map(|p| p.into_owned()));
    root.into_iter().collect()
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: lsp::InitializeParams) -> Result<lsp::InitializeResult> {
        let session = session_from(&params);
        let roots = roots_from(&params);
        tracing::info!("initialize: roots {roots:?}, encoding {}", session.encoding.as_str());
        self.state.add_roots(roots);
        self.state.set_editor_settings(settings_from(&params));
        let sync =
            if session.full_sync { lsp::TextDocumentSyncKind::FULL } else { lsp::TextDocumentSyncKind::INCREMENTAL };
        let capabilities = lsp::ServerCapabilities {
            position_encoding: Some(encoding_kind(session.encoding)),
            text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(lsp::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(sync),
                ..Default::default()
            })),
            workspace: Some(lsp::WorkspaceServerCapabilities {
                workspace_folders: Some(lsp::WorkspaceFoldersServerCapabilities {
                    supported: Some(true),
                    change_notifications: Some(lsp::OneOf::Left(true)),
                }),
                file_operations: None,
            }),
            document_symbol_provider: Some(lsp::OneOf::Left(true)),
            workspace_symbol_provider: Some(lsp::OneOf::Left(true)),
            folding_range_provider: Some(lsp::FoldingRangeProviderCapability::Simple(true)),
            definition_provider: Some(lsp::OneOf::Left(true)),
            references_provider: Some(lsp::OneOf::Left(true)),
            implementation_provider: Some(lsp::ImplementationProviderCapability::Simple(true)),
            hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
            completion_provider: Some(handlers::completion::options()),
            inlay_hint_provider: Some(lsp::OneOf::Left(true)),
            rename_provider: Some(lsp::OneOf::Right(lsp::RenameOptions {
                prepare_provider: Some(true),
                work_done_progress_options: Default::default(),
            })),
            document_link_provider: Some(lsp::DocumentLinkOptions {
                resolve_provider: Some(false),
                work_done_progress_options: Default::default(),
            }),
            code_action_provider: Some(handlers::code_action::options()),
            code_lens_provider: Some(lsp::CodeLensOptions { resolve_provider: Some(false) }),
            execute_command_provider: Some(handlers::commands::options()),
            semantic_tokens_provider: Some(lsp::SemanticTokensServerCapabilities::SemanticTokensOptions(
                lsp::SemanticTokensOptions {
                    legend: super::convert::semantic_tokens_legend(),
                    range: Some(true),
                    full: Some(lsp::SemanticTokensFullOptions::Bool(true)),
                    ..Default::default()
                },
            )),
            diagnostic_provider: Some(lsp::DiagnosticServerCapabilities::Options(lsp::DiagnosticOptions {
                identifier: Some("specls".into()),
                inter_file_dependencies: true,
                workspace_diagnostics: false,
                ..Default::default()
            })),
            ..Default::default()
        };
        self.state.set_session(session);
        Ok(lsp::InitializeResult {
            capabilities,
            server_info: Some(lsp::ServerInfo {
                name: "specls".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: lsp::InitializedParams) {
        tokio::spawn(indexing::index_workspace(self.state.clone()));
    }

    async fn shutdown(&self) -> Result<()> {
        self.state.shutdown_requested.store(true, Ordering::Release);
        Ok(())
    }

    async fn did_open(&self, params: lsp::DidOpenTextDocumentParams) {
        let uri = params.text_document.uri.clone();
        self.state.docs.open(params.text_document);
        self.state.submit(Job::Analyse(uri));
    }

    async fn did_change(&self, params: lsp::DidChangeTextDocumentParams) {
        // Synchronous: the edit is applied before this handler can yield.
        match self.state.docs.change(&params.text_document, params.content_changes, self.state.encoding()) {
            Ok(_) => self.state.submit(Job::Analyse(params.text_document.uri)),
            Err(refused) => tracing::warn!("didChange refused: {refused}"),
        }
    }

    async fn did_close(&self, params: lsp::DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        match self.state.docs.close(&uri) {
            Some(path) => {
                self.state.submit(Job::Closed(uri.clone(), path));
                if !self.state.session().pull_diagnostics {
                    self.state.publish_cleared(&uri);
                }
            }
            None => tracing::warn!("didClose for {} which is not open", uri.as_str()),
        }
    }

    async fn did_change_watched_files(&self, params: lsp::DidChangeWatchedFilesParams) {
        let (config, changes): (Vec<_>, Vec<_>) = params
            .changes
            .into_iter()
            .map(|c| (path_of(&c.uri), c.typ != lsp::FileChangeType::DELETED))
            .partition(|(path, _)| self.state.is_config_source(path));
        let (results, changes): (Vec<_>, Vec<_>) =
            changes.into_iter().partition(|(path, _)| self.state.is_results_file(path));
        if !results.is_empty() {
            self.state.submit(Job::Results);
        }
        if !changes.is_empty() {
            self.state.submit(Job::Disk(changes));
        }
        // A configuration file or a format file it names changed on disk (an open configuration
        // file keeps its editor text; reloading then changes nothing).
        if !config.is_empty() {
            self.state.submit(Job::Config { applied: None, results_by_scan: false });
        }
    }

    async fn did_change_configuration(&self, params: lsp::DidChangeConfigurationParams) {
        if self.state.session().configuration {
            // Clients with `workspace/configuration` send no settings here: ask for them, from a
            // task, since a handler awaiting a client reply can stall the message reader.
            let state = self.state.clone();
            tokio::spawn(async move {
                indexing::fetch_settings(&state).await;
                state.submit(Job::Config { applied: None, results_by_scan: false });
            });
            return;
        } else {
            let settings = match params.settings {
                serde_json::Value::Object(mut map) => match map.remove("specls") {
                    Some(inner) => inner,
                    None => serde_json::Value::Object(map),
                },
                other => other,
            };
            self.state.set_editor_settings((!settings.is_null()).then_some(settings));
        }
        self.state.submit(Job::Config { applied: None, results_by_scan: false });
    }

    async fn did_change_workspace_folders(&self, params: lsp::DidChangeWorkspaceFoldersParams) {
        let paths = |folders: Vec<lsp::WorkspaceFolder>| -> Vec<PathBuf> {
            folders.iter().filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned())).collect()
        };
        for root in paths(params.event.removed) {
            self.state.submit(Job::RemoveRoot(root));
        }
        let added = paths(params.event.added);
        if !added.is_empty() {
            self.state.add_roots(added.clone());
        }
        // The configuration is the first folder's that has a specls.toml: it may have changed.
        self.state.submit(Job::Config { applied: None, results_by_scan: false });
        if !added.is_empty() {
            tokio::spawn(indexing::index_folders(self.state.clone(), added, indexing::ScanKind::Added));
        }
    }

    async fn document_symbol(&self, params: lsp::DocumentSymbolParams) -> Result<Option<lsp::DocumentSymbolResponse>> {
        handlers::symbols::document_symbol(&self.state, params).await
    }

    async fn symbol(&self, params: lsp::WorkspaceSymbolParams) -> Result<Option<lsp::WorkspaceSymbolResponse>> {
        handlers::symbols::workspace_symbol(&self.state, params).await
    }

    async fn folding_range(&self, params: lsp::FoldingRangeParams) -> Result<Option<Vec<lsp::FoldingRange>>> {
        handlers::folding::folding_range(&self.state, params).await
    }

    async fn goto_definition(&self, params: lsp::GotoDefinitionParams) -> Result<Option<lsp::GotoDefinitionResponse>> {
        handlers::navigation::definition(&self.state, params).await
    }

    async fn references(&self, params: lsp::ReferenceParams) -> Result<Option<Vec<lsp::Location>>> {
        handlers::navigation::references(&self.state, params).await
    }

    async fn goto_implementation(
        &self,
        params: lsp::request::GotoImplementationParams,
    ) -> Result<Option<lsp::request::GotoImplementationResponse>> {
        handlers::navigation::implementation(&self.state, params).await
    }

    async fn completion(&self, params: lsp::CompletionParams) -> Result<Option<lsp::CompletionResponse>> {
        handlers::completion::completion(&self.state, params).await
    }

    async fn completion_resolve(&self, item: lsp::CompletionItem) -> Result<lsp::CompletionItem> {
        handlers::completion::resolve(&self.state, item).await
    }

    async fn hover(&self, params: lsp::HoverParams) -> Result<Option<lsp::Hover>> {
        handlers::hover::hover(&self.state, params).await
    }

    async fn inlay_hint(&self, params: lsp::InlayHintParams) -> Result<Option<Vec<lsp::InlayHint>>> {
        handlers::inlay::inlay_hint(&self.state, params).await
    }

    async fn prepare_rename(
        &self,
        params: lsp::TextDocumentPositionParams,
    ) -> Result<Option<lsp::PrepareRenameResponse>> {
        handlers::rename::prepare_rename(&self.state, params).await
    }

    async fn rename(&self, params: lsp::RenameParams) -> Result<Option<lsp::WorkspaceEdit>> {
        handlers::rename::rename(&self.state, params).await
    }

    async fn document_link(&self, params: lsp::DocumentLinkParams) -> Result<Option<Vec<lsp::DocumentLink>>> {
        handlers::links::document_link(&self.state, params).await
    }

    async fn code_action(&self, params: lsp::CodeActionParams) -> Result<Option<lsp::CodeActionResponse>> {
        handlers::code_action::code_action(&self.state, params).await
    }

    async fn code_lens(&self, params: lsp::CodeLensParams) -> Result<Option<Vec<lsp::CodeLens>>> {
        handlers::lens::code_lens(&self.state, params).await
    }

    async fn semantic_tokens_full(
        &self,
        params: lsp::SemanticTokensParams,
    ) -> Result<Option<lsp::SemanticTokensResult>> {
        handlers::tokens::full(&self.state, params).await
    }

    async fn semantic_tokens_range(
        &self,
        params: lsp::SemanticTokensRangeParams,
    ) -> Result<Option<lsp::SemanticTokensRangeResult>> {
        handlers::tokens::range(&self.state, params).await
    }

    async fn diagnostic(&self, params: lsp::DocumentDiagnosticParams) -> Result<lsp::DocumentDiagnosticReportResult> {
        handlers::diagnostics::document_diagnostic(&self.state, params).await
    }

    async fn execute_command(&self, params: lsp::ExecuteCommandParams) -> Result<Option<lsp::LSPAny>> {
        handlers::commands::execute(&self.state, params).await
    }
}
