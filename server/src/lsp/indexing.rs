//! Workspace scans (at start and for added folders), reported through `$/progress`, and the
//! file watchers that keep the index current afterwards.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use tower_lsp_server::ls_types as lsp;

use crate::analysis::workspace::scan;

use super::state::{Job, State};

const WATCHER_ID: &str = "specls-markdown-watcher";

/// At `initialized`: register file watchers, then index every workspace folder.
pub async fn index_workspace(state: Arc<State>) {
    if state.session().dynamic_watchers {
        register_watchers(&state).await;
    }
    let roots = state.index().roots().to_vec();
    index_folders(state, roots).await;
}

/// Scan `folders` (workspace roots) with progress, and merge the result through the worker.
pub async fn index_folders(state: Arc<State>, folders: Vec<PathBuf>) {
    static RUNS: AtomicU32 = AtomicU32::new(0);
    let progress = if state.session().work_done_progress {
        let run = RUNS.fetch_add(1, Ordering::Relaxed);
        let token = lsp::ProgressToken::String(if run == 0 {
            "specls/indexing".into()
        } else {
            format!("specls/indexing-{run}")
        });
        match state.client.create_work_done_progress(token.clone()).await {
            Ok(()) => Some(
                state.client.progress(token, "Indexing specs").with_message("walking workspace folders").begin().await,
            ),
            Err(e) => {
                tracing::debug!("client refused a progress token: {e}");
                None
            }
        }
    } else {
        None
    };
    let (grammar, roots) = {
        let index = state.index();
        (index.grammar.clone(), index.roots().to_vec())
    };
    let walk = state.walk.clone();
    let started = std::time::Instant::now();
    let scanned = tokio::task::spawn_blocking(move || scan(&grammar, &folders, &roots, &walk)).await;
    match scanned {
        Ok(scanned) => {
            let message = format!("{} documents in {} ms", scanned.docs.len(), started.elapsed().as_millis());
            tracing::info!("indexed {message}");
            let (merged, done) = tokio::sync::oneshot::channel();
            state.submit(Job::Indexed(Box::new(scanned), merged));
            // Report the end only once the index holds the scan, so "indexed" means queryable.
            let _ = done.await;
            if let Some(progress) = progress {
                progress.finish_with_message(message).await;
            }
        }
        Err(e) => {
            tracing::error!("workspace indexing failed: {e}");
            state.mark_indexed();
            if let Some(progress) = progress {
                progress.finish_with_message("indexing failed; see the server log").await;
            }
        }
    }
}

async fn register_watchers(state: &State) {
    let options = lsp::DidChangeWatchedFilesRegistrationOptions {
        watchers: ["**/*.md", "**/*.markdown"]
            .into_iter()
            .map(|glob| lsp::FileSystemWatcher { glob_pattern: lsp::GlobPattern::String(glob.into()), kind: None })
            .collect(),
    };
    let registration = lsp::Registration {
        id: WATCHER_ID.into(),
        method: "workspace/didChangeWatchedFiles".into(),
        register_options: serde_json::to_value(options).ok(),
    };
    if let Err(e) = state.client.register_capability(vec![registration]).await {
        tracing::warn!("the client refused file watchers; edits made outside the editor will be missed: {e}");
    }
}
