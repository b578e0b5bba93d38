//! The analysis worker: applies queued jobs in order, coalescing bursts (only the newest text of
//! a document is analysed), then publishes the diagnostics that changed.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::mpsc;
use tower_lsp_server::ls_types as lsp;

use super::indexing::{self, ScanKind};
use super::state::{Changed, Job, State};

pub async fn run(state: Arc<State>, mut jobs: mpsc::UnboundedReceiver<Job>) {
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while let Ok(job) = jobs.try_recv() {
            batch.push(job);
        }
        let worker = state.clone();
        let (edited, touched_others) = match tokio::task::spawn_blocking(move || process(&worker, batch)).await {
            Ok(outcome) => outcome,
            Err(e) => {
                tracing::error!("analysis failed: {e}");
                continue;
            }
        };
        // The configured include/exclude globs changed: scan every folder again.
        if state.rescan_due.swap(false, Ordering::AcqRel) {
            let roots = state.index().roots().to_vec();
            tokio::spawn(indexing::index_folders(state.clone(), roots, ScanKind::Rescan));
        }
        publish(&state, edited, touched_others).await;
    }
}

/// Apply a batch of jobs; returns the documents whose edits were analysed, and whether other
/// documents may have new diagnostics (pull clients learn that through a refresh).
fn process(state: &State, batch: Vec<Job>) -> (Vec<lsp::Uri>, bool) {
    let mut analyse: Vec<lsp::Uri> = Vec::new();
    let mut touched_others = false;
    let mut results = false;
    for job in batch {
        match job {
            Job::Analyse(uri) => {
                if !analyse.contains(&uri) {
                    analyse.push(uri);
                }
            }
            Job::Closed(uri, path) => {
                analyse.retain(|u| *u != uri);
                state.closed(&uri, &path);
                touched_others = true;
            }
            Job::Disk(changes) => {
                for (path, exists) in changes {
                    touched_others |= state.sync_disk(&path, exists);
                }
            }
            Job::RemoveRoot(root) => {
                state.remove_root(&root);
                touched_others = true;
            }
            Job::Indexed(scan, merged) => {
                state.merge_scan(*scan);
                let _ = merged.send(());
                // Ranked under a read lock once the end of indexing is reported: a request that
                // needs the ranks meanwhile waits for them, one that does not is answered at once.
                state.index().rank_paths();
                touched_others = true;
            }
            Job::Config { applied, results_by_scan } => {
                state.reload_config();
                if let Some(applied) = applied {
                    let _ = applied.send(());
                }
                // The `[results]` globs may have changed.
                results |= !results_by_scan;
                touched_others = true;
            }
            // Read once per batch, after the configuration that names the files.
            Job::Results => results = true,
        }
    }
    if results {
        state.reload_results(None);
        touched_others = true;
    }
    // A document that a request brought up to date first is still published as edited.
    for uri in &analyse {
        state.analyse_open(uri);
    }
    // An edit can change the diagnostics of every other open document (cross-file references).
    let others = touched_others || (!analyse.is_empty() && state.docs.uris().len() > 1);
    (analyse, others)
}

async fn publish(state: &Arc<State>, edited: Vec<lsp::Uri>, touched_others: bool) {
    let session = state.session();
    // Coverage lenses count mentions in other files: the ones on screen may be out of date.
    if touched_others && session.code_lens_refresh {
        let client = state.client.clone();
        tokio::spawn(async move {
            if let Err(e) = client.code_lens_refresh().await {
                tracing::debug!("code lens refresh refused: {e}");
            }
        });
    }
    if session.pull_diagnostics {
        if touched_others && session.diagnostic_refresh {
            let client = state.client.clone();
            // Never awaited inline: a client request awaited here would stall the worker.
            tokio::spawn(async move {
                if let Err(e) = client.workspace_diagnostic_refresh().await {
                    tracing::debug!("diagnostic refresh refused: {e}");
                }
            });
        }
        return;
    }
    // The edited documents first: their author is waiting; other open documents follow, when
    // the batch may have changed theirs (the edited ones are not checked twice).
    let worker = state.clone();
    let edited = Arc::new(edited);
    let first = edited.clone();
    let Ok(first) = tokio::task::spawn_blocking(move || worker.changed_diagnostics_of(&first)).await else { return };
    send(state, first);
    if !touched_others {
        return;
    }
    let worker = state.clone();
    let Ok(rest) = tokio::task::spawn_blocking(move || worker.changed_diagnostics(&edited)).await else { return };
    send(state, rest);
}

fn send(state: &State, changed: Vec<Changed>) {
    for diagnostics in &changed {
        // A document closed meanwhile has had its diagnostics cleared; do not bring them back.
        if state.publishable(&diagnostics.0) {
            state.publish(diagnostics);
        }
    }
}
