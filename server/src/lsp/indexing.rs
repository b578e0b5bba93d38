//! Workspace scans (at start and for added folders), reported through `$/progress`, and the
//! file watchers that keep the index current afterwards.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use tower_lsp_server::ls_types as lsp;

use crate::analysis::workspace::scan;

use super::state::{Job, ScanDone, State};

const WATCHER_ID: &str = "specls-markdown-watcher";

/// At `initialized`: register file watchers, load the configuration, then index every
/// workspace folder with it.
pub async fn index_workspace(state: Arc<State>) {
    let session = state.session();
    if session.dynamic_watchers {
        register_watchers(&state).await;
    }
    if session.configuration {
        fetch_settings(&state).await;
    }
    let (applied, done) = tokio::sync::oneshot::channel();
    state.submit(Job::Config { applied: Some(applied), results_by_scan: true });
    let _ = done.await;
    let roots = state.index().roots().to_vec();
    index_folders(state, roots, ScanKind::Start).await;
}

/// Why folders are scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanKind {
    /// The first scan of every folder: its walk also lists the test results files, which are read
    /// with the merge (one walk of the tree at start, not two).
    Start,
    /// Every folder again, with new include/exclude globs: documents no longer found are dropped.
    Rescan,
    /// Folders just added to the workspace.
    Added,
}

/// Ask the client for the `specls` section of its settings (`workspace/configuration`) and keep
/// it when it sets anything (an empty answer keeps the settings of `initializationOptions`); the
/// caller reloads the configuration.
pub async fn fetch_settings(state: &State) {
    let item = lsp::ConfigurationItem { scope_uri: None, section: Some("specls".into()) };
    match state.client.configuration(vec![item]).await {
        Ok(values) => match values.into_iter().next() {
            Some(serde_json::Value::Object(map)) if map.is_empty() => {}
            Some(value @ serde_json::Value::Object(_)) => state.set_editor_settings(Some(value)),
            Some(serde_json::Value::Null) | None => {}
            Some(other) => tracing::warn!("ignoring editor settings for specls that are not an object: {other}"),
        },
        Err(e) => tracing::debug!("workspace/configuration failed: {e}"),
    }
}

/// Scan `folders` (workspace roots) with progress, and merge the result through the worker.
pub async fn index_folders(state: Arc<State>, folders: Vec<PathBuf>, kind: ScanKind) {
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
    let epoch = state.scan_starting();
    let (grammar, roots, filter, code, max_file_bytes, results) = {
        let index = state.index();
        let config = &index.config;
        (
            index.grammar.clone(),
            index.roots().to_vec(),
            config.files.clone(),
            config.code.clone(),
            config.max_file_bytes(),
            config.results.clone(),
        )
    };
    let mut walk = state.walk.clone();
    walk.filter = filter;
    walk.max_file_bytes = max_file_bytes;
    if walk.code.is_some() {
        walk.code = Some(code);
    }
    walk.results = (kind == ScanKind::Start).then_some(results);
    let replace = kind == ScanKind::Rescan;
    let started = std::time::Instant::now();
    let scanned = tokio::task::spawn_blocking(move || {
        let scanned = scan(&grammar, &folders, &roots, &walk);
        ScanDone { scan: scanned, grammar, epoch, replace, folders, results: walk.results }
    })
    .await;
    match scanned {
        Ok(scanned) => {
            let message = format!("{} documents in {} ms", scanned.scan.docs.len(), started.elapsed().as_millis());
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
            if kind == ScanKind::Start {
                state.submit(Job::Results);
            }
            state.mark_indexed();
            if let Some(progress) = progress {
                progress.finish_with_message("indexing failed; see the server log").await;
            }
        }
    }
}

async fn register_watchers(state: &State) {
    // `*.toml`: the configuration file and the format files it names; the source files of every
    // language the code index reads.
    let mut globs: Vec<String> =
        ["**/*.md", "**/*.markdown", "**/specls.toml", "**/*.toml"].into_iter().map(String::from).collect();
    // The test results files, wherever the `[results]` globs look for them.
    for glob in &state.index().config.results.paths {
        let glob = if glob.starts_with("**") { glob.clone() } else { format!("**/{glob}") };
        if !globs.contains(&glob) {
            globs.push(glob);
        }
    }
    if state.walk.code.is_some() {
        let index = state.index();
        for glob in index.grammar.code.file_globs().map(|g| format!("**/{g}")) {
            if !globs.contains(&glob) {
                globs.push(glob);
            }
        }
    }
    let options = lsp::DidChangeWatchedFilesRegistrationOptions {
        watchers: globs
            .into_iter()
            .map(|glob| lsp::FileSystemWatcher { glob_pattern: lsp::GlobPattern::String(glob), kind: None })
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
