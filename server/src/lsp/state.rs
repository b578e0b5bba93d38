//! Server state shared by handlers and the analysis worker, and the blocking analysis steps
//! that keep the workspace index in step with open documents and the disk.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock, RwLockReadGuard};

use dashmap::DashMap;
use serde_json::value::RawValue;
use tokio::sync::mpsc;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types as lsp;

use crate::analysis::config::{CodeConfig, ResultsConfig};
use crate::analysis::config_loader::{self, EditorSource, FileSource, Problem};
use crate::analysis::diagnostics::code;
use crate::analysis::workspace::{self, Scan, WalkOptions, is_markdown, read_source};
use crate::analysis::{self, IndexedDoc, WorkspaceIndex};
use crate::model::{self, Grammar};
use crate::text::{LineIndex, PositionEncoding};

use super::convert;
use super::documents::{Documents, Snapshot};
use super::outbox::Outbox;

/// What the client told us at `initialize`.
#[derive(Clone, Debug, Default)]
pub struct Session {
    pub encoding: PositionEncoding,
    /// The client pulls diagnostics (`textDocument/diagnostic`), so specls does not push them.
    pub pull_diagnostics: bool,
    pub diagnostic_refresh: bool,
    /// The client re-asks for code lenses on `workspace/codeLens/refresh`.
    pub code_lens_refresh: bool,
    pub dynamic_watchers: bool,
    pub work_done_progress: bool,
    pub full_sync: bool,
    /// The client answers `workspace/configuration`.
    pub configuration: bool,
    /// The client takes versioned document edits (`workspace.workspaceEdit.documentChanges`).
    pub document_changes: bool,
    /// The client creates files in workspace edits (`resourceOperations` has `create`).
    pub create_files: bool,
    /// The client expands snippets in completion items.
    pub snippets: bool,
}

/// Work for the analysis worker, processed in the order notifications arrived.
pub enum Job {
    /// An open document changed (or was opened).
    Analyse(lsp::Uri),
    /// A document was closed: the disk copy takes over again.
    Closed(lsp::Uri, PathBuf),
    /// Files changed on disk (created or changed: `true`; deleted: `false`).
    Disk(Vec<(PathBuf, bool)>),
    /// A workspace folder was removed.
    RemoveRoot(PathBuf),
    /// A workspace scan finished; the sender is told once it is merged.
    Indexed(Box<ScanDone>, tokio::sync::oneshot::Sender<()>),
    /// Reload the configuration (editor settings or a configuration file on disk changed) and
    /// read the test results again, unless `results_by_scan` (at start: the scan that follows
    /// lists the results files in its own walk of the tree); `applied`, if any, is told once it
    /// applies.
    Config { applied: Option<tokio::sync::oneshot::Sender<()>>, results_by_scan: bool },
    /// Read the test results files again (one changed on disk, the reload command, or the first
    /// scan failed).
    Results,
}

/// A finished scan and what it was made with.
pub struct ScanDone {
    pub scan: Scan,
    /// The grammar its documents were modelled with.
    pub grammar: Arc<Grammar>,
    /// The include/exclude epoch it was filtered with.
    pub epoch: u64,
    /// Replace every indexed document under `folders` (a rescan), rather than add to them.
    pub replace: bool,
    /// The `[results]` globs the scan listed results files with ([`Scan::results`]).
    pub results: Option<ResultsConfig>,
    pub folders: Vec<PathBuf>,
}

/// A configuration file's problems and the text they refer to.
#[derive(Clone, Debug)]
pub struct ConfigView {
    pub path: PathBuf,
    /// The generation of the open document, or 0 for the file on disk.
    pub generation: u64,
    pub version: Option<i32>,
    pub text: Arc<str>,
    pub lines: LineIndex,
    pub problems: Vec<Problem>,
}

/// What the configuration was loaded from.
#[derive(Default)]
struct ConfigState {
    /// Settings from the editor: `initializationOptions`, replaced by `workspace/configuration`.
    editor: Option<serde_json::Value>,
    /// The active configuration file as read from disk (when it is not open), for publishing.
    disk: Option<ConfigView>,
    formats_key: Vec<String>,
    format_paths: Vec<PathBuf>,
}

/// Whether a path is a configuration file (by name).
pub fn is_config_path(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == config_loader::FILE_NAME)
}

pub struct State {
    pub client: Client,
    /// Where diagnostics are pushed: written to JSON here, not by the framework.
    outbox: Outbox,
    pub docs: Documents,
    index: RwLock<WorkspaceIndex>,
    /// Generation and version of each open document that the index reflects.
    indexed: DashMap<lsp::Uri, (u64, i32)>,
    /// Open documents too large to analyse: their length and the limit.
    too_large: DashMap<lsp::Uri, (usize, u64)>,
    /// The diagnostics last pushed for each document, as sent: a new list is sent when its JSON
    /// differs.
    published: DashMap<lsp::Uri, Box<RawValue>>,
    session: OnceLock<Session>,
    pub walk: WalkOptions,
    /// Unresolved references are held back until the workspace has been indexed once.
    indexed_once: AtomicBool,
    pub shutdown_requested: AtomicBool,
    jobs: mpsc::UnboundedSender<Job>,
    /// Serialises configuration reloads; holds what the configuration came from.
    config: Mutex<ConfigState>,
    /// Open configuration files and their problems, by URI.
    config_docs: DashMap<lsp::Uri, ConfigView>,
    /// Bumped when the include/exclude globs change: a scan filtered with an older epoch is stale.
    filter_epoch: AtomicU64,
    /// A workspace scan has started (later glob changes need a rescan).
    scan_started: AtomicBool,
    /// The include/exclude globs changed: every folder must be scanned again.
    pub rescan_due: AtomicBool,
}

impl State {
    pub fn new(client: Client, outbox: Outbox, jobs: mpsc::UnboundedSender<Job>) -> Self {
        State {
            client,
            outbox,
            docs: Documents::default(),
            index: RwLock::new(WorkspaceIndex::new(Grammar::builtin(), Vec::new())),
            indexed: DashMap::new(),
            too_large: DashMap::new(),
            published: DashMap::new(),
            session: OnceLock::new(),
            walk: WalkOptions { code: Some(CodeConfig::default()), ..WalkOptions::default() },
            indexed_once: AtomicBool::new(false),
            shutdown_requested: AtomicBool::new(false),
            jobs,
            config: Mutex::new(ConfigState::default()),
            config_docs: DashMap::new(),
            filter_epoch: AtomicU64::new(0),
            scan_started: AtomicBool::new(false),
            rescan_due: AtomicBool::new(false),
        }
    }

    pub fn session(&self) -> Session {
        self.session.get().cloned().unwrap_or_default()
    }

    pub fn set_session(&self, session: Session) {
        if self.session.set(session).is_err() {
            tracing::warn!("initialize received twice; keeping the first session settings");
        }
    }

    pub fn encoding(&self) -> PositionEncoding {
        self.session.get().map(|s| s.encoding).unwrap_or_default()
    }

    pub fn submit(&self, job: Job) {
        if self.jobs.send(job).is_err() {
            tracing::error!("the analysis worker has stopped; a change was not analysed");
        }
    }

    /// Read the index. Never hold the guard across `.await`.
    pub fn index(&self) -> RwLockReadGuard<'_, WorkspaceIndex> {
        self.index.read().unwrap_or_else(|e| e.into_inner())
    }

    fn index_mut(&self) -> std::sync::RwLockWriteGuard<'_, WorkspaceIndex> {
        self.index.write().unwrap_or_else(|e| e.into_inner())
    }

    pub fn add_roots(&self, roots: impl IntoIterator<Item = PathBuf>) {
        let mut index = self.index_mut();
        for root in roots {
            index.add_root(root);
        }
    }

    /// Forget a workspace folder and the documents only it held (open documents stay).
    pub fn remove_root(&self, root: &Path) {
        let mut index = self.index_mut();
        index.remove_root(root);
        let orphans: Vec<PathBuf> = index
            .docs()
            .map(|d| d.model.path.clone())
            .filter(|p| p.starts_with(root) && !index.roots().iter().any(|r| p.starts_with(r)))
            .filter(|p| !self.docs.is_open_path(p))
            .collect();
        for path in orphans {
            index.remove(&path);
        }
    }

    /// The version of an open document whose text the index holds. Read it under the index's
    /// read lock: both change together, under its write lock.
    pub fn indexed_version(&self, uri: &lsp::Uri) -> Option<i32> {
        self.indexed.get(uri).map(|entry| entry.1)
    }

    pub fn mark_indexed(&self) {
        self.indexed_once.store(true, Ordering::Release);
    }

    // ------------------------------------------------------------------ blocking analysis steps

    /// Bring the index up to date with an open document. Returns false when nothing changed
    /// (already current, or the document is closed).
    pub fn analyse_open(&self, uri: &lsp::Uri) -> bool {
        let Some(generation) = self.docs.generation(uri) else { return false };
        if is_config_path(&convert::path_of(uri)) {
            if self.config_docs.get(uri).is_some_and(|v| v.generation >= generation) {
                return false;
            }
            return self.reload_config();
        }
        if self.indexed.get(uri).is_some_and(|g| g.0 >= generation) {
            return false;
        }
        let Some(mut snap) = self.docs.snapshot(uri) else { return false };
        let len = snap.text.len_bytes();
        let limit = self.max_file_bytes();
        if len as u64 > limit {
            let mut index = self.index_mut();
            index.remove(&snap.path);
            self.too_large.insert(uri.clone(), (len, limit));
            self.indexed.insert(uri.clone(), (snap.generation, snap.version));
            return true;
        }
        self.too_large.remove(uri);
        let (grammar, relative) = {
            let index = self.index();
            (index.grammar.clone(), index.relative(&snap.path))
        };
        if grammar.code.is_code(&snap.path) {
            let text = String::from(&snap.text);
            let tests = self.index().config.code.tests.as_ref().map(|t| t.set.clone());
            let model =
                model::build_code(&grammar.code, grammar.code_kind, &snap.path, &relative, &text, tests.as_deref())
                    .unwrap_or_else(|| model::from_text(&grammar, &snap.path, &relative, &text));
            return self.store_open(uri, &snap, IndexedDoc::new(model, Arc::from(text)), &grammar);
        }
        let text: String = String::from(&snap.text);
        let mut chunks = std::mem::take(&mut snap.chunks);
        chunks.update(&text);
        let mut model_cache = std::mem::take(&mut snap.model_cache);
        let model = model::build_chunked(&grammar, &snap.path, &relative, &text, &chunks, &mut model_cache);
        self.docs.store_chunks(uri, snap.generation, chunks, model_cache);
        self.store_open(uri, &snap, IndexedDoc::edited(model, Arc::from(text)), &grammar)
    }

    /// Put an open document's fresh model in the index, unless a newer one got there first.
    fn store_open(&self, uri: &lsp::Uri, snap: &Snapshot, doc: IndexedDoc, grammar: &Arc<Grammar>) -> bool {
        let mut index = self.index_mut();
        // Checked again under the write lock: an older analysis never replaces a newer one.
        if self.indexed.get(uri).is_some_and(|g| g.0 >= snap.generation) {
            return false;
        }
        let replaced = upsert(&mut index, doc, grammar);
        self.indexed.insert(uri.clone(), (snap.generation, snap.version));
        drop(index);
        // Freed beside the diagnostics the edit waits for, not before them.
        if let Some(replaced) = replaced {
            rayon::spawn(move || drop(replaced));
        }
        true
    }

    /// Index (or drop) a file from disk, unless the editor has it open: open documents win.
    pub fn sync_disk(&self, path: &Path, exists: bool) -> bool {
        if !self.indexable(path) {
            return false;
        }
        let loaded = if exists && path.is_file() && self.included(path) { self.load_disk(path) } else { None };
        let mut index = self.index_mut();
        // Checked under the write lock: a document opened meanwhile keeps its editor text.
        if self.docs.is_open_path(path) {
            return false;
        }
        match loaded {
            Some((doc, grammar)) => {
                upsert(&mut index, doc, &grammar);
                true
            }
            None => index.remove(path).is_some(),
        }
    }

    /// Whether a changed file is one the `[results]` globs name.
    pub fn is_results_file(&self, path: &Path) -> bool {
        let index = self.index();
        index.roots().iter().any(|r| path.starts_with(r)) && index.config.results.matches(&index.relative(path))
    }

    /// Read every test results file again and keep them in the index; a file that cannot be
    /// read is logged and left out. `walked`: the files a scan of every folder listed with the
    /// current `[results]` globs, which spares walking the tree again.
    pub fn reload_results(&self, walked: Option<&[PathBuf]>) {
        let (roots, config) = {
            let index = self.index();
            (index.roots().to_vec(), index.config.results.clone())
        };
        let results = workspace::load_results(&roots, &config, walked);
        for (path, problem) in &results.problems {
            tracing::warn!("test results not read: {problem} ({})", path.display());
        }
        tracing::info!("read {} test results files", results.runs.len());
        self.index_mut().results = Arc::new(results);
    }

    /// Whether a path is a file kind the index holds (Markdown, or source when the code index is
    /// on) inside a workspace folder.
    fn indexable(&self, path: &Path) -> bool {
        let index = self.index();
        let Some(root) = index.roots().iter().find(|r| path.starts_with(r)) else { return false };
        if workspace::is_ignored(root, path) {
            return false;
        }
        is_markdown(path)
            || (self.walk.code.is_some()
                && index.config.code.enabled
                && index.grammar.code.is_code(path)
                && !index.grammar.code.is_vendored(path.strip_prefix(root).unwrap_or(path)))
    }

    /// Whether the configured include/exclude globs let a workspace file be indexed.
    fn included(&self, path: &Path) -> bool {
        !excluded(&self.index(), path)
    }

    /// The size limit for files read from disk or analysed when open (`max_file_bytes`).
    pub fn max_file_bytes(&self) -> u64 {
        self.index().config.max_file_bytes()
    }

    /// Read and model a file from disk, with the grammar used; `None` (with a log line) when it
    /// cannot be indexed, or when it is a link to somewhere outside the workspace folders.
    fn load_disk(&self, path: &Path) -> Option<(IndexedDoc, Arc<Grammar>)> {
        let roots = self.index().roots().to_vec();
        if !workspace::inside_roots(&roots, path) {
            tracing::warn!("not indexing {}: it resolves to a place outside the workspace folders", path.display());
            return None;
        }
        match read_source(path, self.max_file_bytes()) {
            Ok((text, lossy)) => {
                if lossy {
                    tracing::warn!("{}: invalid UTF-8, indexed with replacement characters", path.display());
                }
                let (grammar, relative) = {
                    let index = self.index();
                    (index.grammar.clone(), index.relative(path))
                };
                if grammar.code.is_code(path) {
                    let index = self.index();
                    let tests = index.config.code.tests.as_ref().map(|t| &*t.set);
                    return workspace::code_doc(&grammar, path, &relative, text, tests).map(|doc| (doc, grammar));
                }
                let model = model::from_text(&grammar, path, &relative, &text);
                Some((IndexedDoc::new(model, Arc::from(text)), grammar))
            }
            Err(reason) => {
                tracing::warn!("not indexing {}: {reason}", path.display());
                None
            }
        }
    }

    /// A document was closed: its disk copy (if any) takes over, unless it was reopened.
    pub fn closed(&self, uri: &lsp::Uri, path: &Path) {
        if is_config_path(path) {
            if self.docs.generation(uri).is_none() {
                self.config_docs.remove(uri);
                self.published.remove(uri);
                // The file on disk is the configuration again.
                self.reload_config();
            }
            return;
        }
        let on_disk = path.is_file() && self.indexable(path) && self.included(path);
        let loaded = if on_disk { self.load_disk(path) } else { None };
        let mut index = self.index_mut();
        if self.docs.generation(uri).is_some() || self.docs.is_open_path(path) {
            return;
        }
        self.indexed.remove(uri);
        self.too_large.remove(uri);
        self.published.remove(uri);
        match loaded {
            Some((doc, grammar)) => {
                upsert(&mut index, doc, &grammar);
            }
            None => {
                index.remove(path);
            }
        }
    }

    /// A scan is about to start: the include/exclude epoch it filters with.
    pub fn scan_starting(&self) -> u64 {
        self.scan_started.store(true, Ordering::Release);
        self.filter_epoch.load(Ordering::Acquire)
    }

    /// Merge a scan, keeping open documents' own text. A rescan also drops the documents of its
    /// folders it no longer found; a scan filtered with outdated globs is dropped (a rescan with
    /// the new ones follows).
    pub fn merge_scan(&self, done: ScanDone) {
        let ScanDone { scan, grammar, epoch, replace, folders, results } = done;
        if epoch != self.filter_epoch.load(Ordering::Acquire) {
            tracing::debug!("dropping a scan made with outdated include/exclude globs");
            return;
        }
        for skipped in &scan.skipped {
            tracing::warn!("not indexing {}: {}", skipped.path.display(), skipped.reason);
        }
        for path in &scan.lossy {
            tracing::warn!("{}: invalid UTF-8, indexed with replacement characters", path.display());
        }
        // Read once: each lookup of an open path goes through every shard of the open documents.
        let open = self.docs.open_paths();
        let mut index = self.index_mut();
        if replace {
            let found: HashSet<&Path> = scan.docs.iter().map(|d| d.model.path.as_path()).collect();
            let gone: Vec<PathBuf> = index
                .docs()
                .map(|d| d.model.path.clone())
                .filter(|p| folders.iter().any(|f| p.starts_with(f)) && !found.contains(p.as_path()))
                .filter(|p| !open.contains(p))
                .collect();
            for path in gone {
                index.remove(&path);
            }
        }
        let docs: Vec<IndexedDoc> = scan.docs.into_iter().filter(|d| !open.contains(&d.model.path)).collect();
        if Arc::ptr_eq(&index.grammar, &grammar) {
            index.extend(docs);
        } else {
            for doc in docs {
                upsert(&mut index, doc, &grammar);
            }
        }
        let walked = scan.results.filter(|_| results.as_ref() == Some(&index.config.results));
        drop(index);
        if let Some(walked) = walked {
            self.reload_results(Some(&walked));
        }
        self.mark_indexed();
    }

    // ------------------------------------------------------------------ configuration

    /// Keep the editor's settings (from `initializationOptions` or `workspace/configuration`).
    pub fn set_editor_settings(&self, settings: Option<serde_json::Value>) {
        self.config.lock().unwrap_or_else(|e| e.into_inner()).editor = settings;
    }

    /// Whether a changed file on disk is one the configuration was read from.
    pub fn is_config_source(&self, path: &Path) -> bool {
        is_config_path(path)
            || self.config.lock().unwrap_or_else(|e| e.into_inner()).format_paths.iter().any(|p| p == path)
    }

    /// The active configuration file: `specls.toml` in the first workspace folder that has one
    /// (open in the editor or on disk).
    fn config_path(&self) -> Option<PathBuf> {
        let roots = self.index().roots().to_vec();
        roots
            .iter()
            .map(|r| r.join(config_loader::FILE_NAME))
            .find(|p| self.docs.is_open_path(p) || (p.is_file() && workspace::inside_roots(&roots, p)))
    }

    /// Load the configuration again (from the editor's text of the configuration file when it
    /// is open, else from disk) and apply it: rule levels and vague terms at once; a changed
    /// format list rebuilds the grammar and models every document again; changed include/exclude
    /// globs drop newly excluded documents and ask for a rescan. Open configuration files that are
    /// not the active one are validated. Returns true (the diagnostics of every document may change).
    pub fn reload_config(&self) -> bool {
        let mut state = self.config.lock().unwrap_or_else(|e| e.into_inner());
        let first_root = self.index().roots().first().cloned();
        let active = self.config_path();

        // Open configuration files that are not the active one: validate them on their own.
        for uri in self.docs.uris() {
            let path = convert::path_of(&uri);
            if !is_config_path(&path) || Some(&path) == active.as_ref() {
                continue;
            }
            if let Some(view) = self.open_config_view(&uri, &path, None) {
                self.config_docs.insert(uri, view.0);
            }
        }

        let editor = state.editor.clone();
        let editor_source = match (&editor, &first_root) {
            (Some(settings), Some(dir)) => Some(EditorSource { settings, dir }),
            (Some(settings), None) => Some(EditorSource { settings, dir: Path::new(".") }),
            _ => None,
        };
        let open_uri = active.as_ref().and_then(|p| self.docs.uri_of_path(p));
        let loaded = match (&active, &open_uri) {
            (Some(path), Some(uri)) => match self.open_config_view(uri, path, editor_source) {
                Some((view, loaded)) => {
                    self.config_docs.insert(uri.clone(), view);
                    state.disk = None;
                    loaded
                }
                None => config_loader::load(None, editor_source),
            },
            (Some(path), None) => {
                let dir = path.parent().unwrap_or(Path::new("."));
                let (text, unreadable) = match std::fs::read_to_string(path) {
                    Ok(text) => (text, None),
                    Err(e) => (String::new(), Some(Problem::unreadable(&e))),
                };
                let mut loaded = config_loader::load(Some(FileSource { text: &text, dir }), editor_source);
                loaded.problems.extend(unreadable);
                let lines = LineIndex::new(&text);
                state.disk = Some(ConfigView {
                    path: path.clone(),
                    generation: 0,
                    version: None,
                    text: Arc::from(text),
                    lines,
                    problems: std::mem::take(&mut loaded.problems),
                });
                loaded
            }
            (None, _) => {
                state.disk = None;
                config_loader::load(None, editor_source)
            }
        };
        for problem in &loaded.editor_problems {
            tracing::warn!("editor settings for specls: {}", problem.message);
        }
        if let Some(path) = &active {
            tracing::debug!("configuration loaded from {}", path.display());
        }

        let mut index = self.index_mut();
        if loaded.formats_key != state.formats_key {
            tracing::info!("the configured formats changed; modelling every document again");
            *index = workspace::remodel(&index, loaded.grammar.clone());
            state.formats_key = loaded.formats_key.clone();
        }
        state.format_paths = loaded.format_paths.clone();
        if loaded.config.files != index.config.files || loaded.config.code != index.config.code {
            self.filter_epoch.fetch_add(1, Ordering::AcqRel);
            if self.scan_started.load(Ordering::Acquire) {
                self.rescan_due.store(true, Ordering::Release);
            }
            let excluded: Vec<PathBuf> = index
                .docs()
                .map(|d| d.model.path.clone())
                .filter(|p| {
                    let code = index.grammar.code.is_code(p);
                    let filter = if code { &loaded.config.code.files } else { &loaded.config.files };
                    index.roots().iter().any(|r| p.starts_with(r))
                        && (!filter.allows(&index.relative(p)) || (code && !loaded.config.code.enabled))
                        && !self.docs.is_open_path(p)
                })
                .collect();
            for path in excluded {
                index.remove(&path);
            }
        }
        index.config = loaded.config;
        true
    }

    /// Load an open configuration document's text; its view (problems at its generation) and the
    /// loaded configuration.
    fn open_config_view(
        &self,
        uri: &lsp::Uri,
        path: &Path,
        editor: Option<EditorSource>,
    ) -> Option<(ConfigView, config_loader::Loaded)> {
        let (rope, generation, version) = self.docs.text(uri)?;
        let text = String::from(&rope);
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut loaded = config_loader::load(Some(FileSource { text: &text, dir }), editor);
        let lines = LineIndex::new(&text);
        let view = ConfigView {
            path: path.to_path_buf(),
            generation,
            version: Some(version),
            text: Arc::from(text),
            lines,
            problems: std::mem::take(&mut loaded.problems),
        };
        Some((view, loaded))
    }

    // ------------------------------------------------------------------ diagnostics

    /// The protocol diagnostics of an open document, with the version they describe; `None`
    /// when the index does not reflect the document's newest text (a newer analysis is due).
    pub fn open_diagnostics(&self, uri: &lsp::Uri) -> Option<(Option<i32>, Vec<lsp::Diagnostic>)> {
        let current = self.docs.generation(uri)?;
        if is_config_path(&convert::path_of(uri)) {
            let view = self.config_docs.get(uri).filter(|v| v.generation == current)?;
            return Some((view.version, self.config_diagnostics(&view)));
        }
        let (generation, version) = *self.indexed.get(uri)?;
        if generation != current {
            return None;
        }
        if let Some(too_large) = self.too_large.get(uri) {
            let (len, limit) = *too_large;
            let message = format!(
                "This document is {len} bytes, over the {limit} byte analysis limit (`max_file_bytes`); specls keeps its text but does not analyse it"
            );
            return Some((
                Some(version),
                vec![lsp::Diagnostic {
                    severity: Some(lsp::DiagnosticSeverity::INFORMATION),
                    code: Some(lsp::NumberOrString::String(code::TOO_LARGE.into())),
                    source: Some("specls".into()),
                    message,
                    ..Default::default()
                }],
            ));
        }
        let path = convert::path_of(uri);
        Some((Some(version), self.path_diagnostics(&path)))
    }

    /// Diagnostics of a document the editor has not opened, from its indexed disk copy.
    pub fn closed_diagnostics(&self, uri: &lsp::Uri) -> Vec<lsp::Diagnostic> {
        let path = convert::path_of(uri);
        if is_config_path(&path) {
            return match self.disk_config() {
                Some(view) if view.path == path => self.config_diagnostics(&view),
                _ => Vec::new(),
            };
        }
        self.path_diagnostics(&path)
    }

    /// The active configuration file's problems as read from disk (when it is not open).
    pub fn disk_config(&self) -> Option<ConfigView> {
        self.config.lock().unwrap_or_else(|e| e.into_inner()).disk.clone()
    }

    fn config_diagnostics(&self, view: &ConfigView) -> Vec<lsp::Diagnostic> {
        let enc = self.encoding();
        view.problems.iter().map(|p| convert::config_diagnostic(&view.text, &view.lines, p, enc)).collect()
    }

    fn path_diagnostics(&self, path: &Path) -> Vec<lsp::Diagnostic> {
        let index = self.index();
        let Some(doc) = index.doc(path) else { return Vec::new() };
        // Documents the configuration excludes are kept for navigation when open, not diagnosed.
        if excluded(&index, path) {
            return Vec::new();
        }
        let enc = self.encoding();
        let settled = self.indexed_once.load(Ordering::Acquire);
        analysis::diagnostics(&index, path)
            .into_iter()
            .filter(|d| settled || d.code != code::UNRESOLVED_REFERENCE)
            .map(|d| convert::diagnostic(&index, doc, d, enc))
            .collect()
    }

    /// Diagnostics of every open document, and of the configuration file on disk, that differ
    /// from what was last pushed.
    pub fn changed_diagnostics(&self, checked: &[lsp::Uri]) -> Vec<Changed> {
        let mut uris = self.docs.uris();
        uris.retain(|uri| !checked.contains(uri));
        let mut out = self.changed_diagnostics_of(&uris);
        // A configuration file that is neither open nor the active one any more (deleted, or
        // another folder's file took over): clear what was published on it.
        let disk = self.disk_config();
        let stale: Vec<lsp::Uri> = self
            .published
            .iter()
            .map(|e| e.key().clone())
            .filter(|uri| {
                let path = convert::path_of(uri);
                is_config_path(&path) && !self.docs.is_open_path(&path) && disk.as_ref().is_none_or(|v| v.path != path)
            })
            .collect();
        for uri in stale {
            self.published.remove(&uri);
            out.push((uri, None, json(&[])));
        }
        if let Some(view) = disk
            && let Some(uri) = convert::uri_of(&view.path)
            && !self.docs.is_open_path(&view.path)
        {
            // Published at least once, empty or not: after a close, whatever the editor showed is
            // replaced by the file's own problems.
            out.extend(self.changed(uri, None, &self.config_diagnostics(&view)));
        }
        out
    }

    /// Diagnostics of the given open documents that differ from what was last pushed.
    pub fn changed_diagnostics_of(&self, uris: &[lsp::Uri]) -> Vec<Changed> {
        let mut out = Vec::new();
        for uri in uris {
            let Some((version, diags)) = self.open_diagnostics(uri) else { continue };
            out.extend(self.changed(uri.clone(), version, &diags));
        }
        out
    }

    /// `diags` of `uri` in JSON, unless that is what was last pushed for it.
    fn changed(&self, uri: lsp::Uri, version: Option<i32>, diags: &[lsp::Diagnostic]) -> Option<Changed> {
        let diags = json(diags);
        if self.published.get(&uri).is_some_and(|p| p.get() == diags.get()) {
            return None;
        }
        self.published.insert(uri.clone(), diags.clone());
        Some((uri, version, diags))
    }

    /// Push diagnostics found by [`State::changed_diagnostics`] and its kin.
    pub fn publish(&self, (uri, version, diags): &Changed) {
        self.outbox.publish_diagnostics(uri, diags, *version);
    }

    /// Push an empty list for a document just closed: its diagnostics were its text's.
    pub fn publish_cleared(&self, uri: &lsp::Uri) {
        self.outbox.publish_diagnostics(uri, &json(&[]), None);
    }

    /// Whether pushed diagnostics for `uri` are still wanted: it is open, or it is a
    /// configuration file (whose problems are published from disk too).
    pub fn publishable(&self, uri: &lsp::Uri) -> bool {
        self.docs.generation(uri).is_some() || is_config_path(&convert::path_of(uri))
    }
}

/// A document's diagnostics to push: its URI, the version they describe and the list in JSON.
pub type Changed = (lsp::Uri, Option<i32>, Box<RawValue>);

/// Diagnostics as the protocol writes them (a list of plain structs cannot fail to serialise).
fn json(diags: &[lsp::Diagnostic]) -> Box<RawValue> {
    serde_json::value::to_raw_value(diags).expect("diagnostics serialise to JSON")
}

/// Insert a document modelled with `grammar`; when the configured formats changed the index's
/// grammar meanwhile, model it again with the index's own.
/// Returns the version it replaced.
fn upsert(index: &mut WorkspaceIndex, doc: IndexedDoc, grammar: &Arc<Grammar>) -> Option<Arc<IndexedDoc>> {
    if Arc::ptr_eq(&index.grammar, grammar) {
        return index.upsert(doc);
    }
    let path = doc.model.path.clone();
    let relative = index.relative(&path);
    let model = model::model_file(&index.grammar, &path, &relative, &doc.text);
    index.upsert(IndexedDoc::new(model, doc.text))
}

/// Whether the configured include/exclude globs leave out a file of a workspace folder (files
/// outside every folder are never left out).
fn excluded(index: &WorkspaceIndex, path: &Path) -> bool {
    let filter = if index.grammar.code.is_code(path) { &index.config.code.files } else { &index.config.files };
    index.roots().iter().any(|r| path.starts_with(r)) && !filter.allows(&index.relative(path))
}
