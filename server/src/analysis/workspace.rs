//! Finding and indexing the spec documents of workspace folders: `.gitignore` honoured, files
//! parsed in parallel, oversized or binary files skipped with a reason.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::model::{self, Grammar};

use super::index::{IndexedDoc, relative_to};

/// Largest file indexed from disk; bigger ones are skipped and reported.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Clone, Debug)]
pub struct WalkOptions {
    pub max_file_bytes: u64,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions { max_file_bytes: DEFAULT_MAX_FILE_BYTES }
    }
}

/// A file that was found but not indexed, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Scan {
    pub docs: Vec<IndexedDoc>,
    pub skipped: Vec<Skipped>,
    /// Files read with invalid UTF-8, indexed with replacement characters.
    pub lossy: Vec<PathBuf>,
}

/// Is this a Markdown file specls indexes?
pub fn is_markdown(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"))
}

/// List the Markdown files under `roots` (a root may also be a single file), honouring
/// `.gitignore`, `.ignore` and git excludes; hidden folders such as `.specify` and `.kiro` are
/// included, `.git` is not. Symlinks are not followed.
pub fn markdown_files(roots: &[PathBuf]) -> Vec<PathBuf> {
    let found = Mutex::new(Vec::new());
    for root in roots {
        if root.is_file() {
            found.lock().expect("walk lock").push(root.clone());
            continue;
        }
        let walker = ignore::WalkBuilder::new(root)
            .hidden(false)
            .require_git(false)
            .follow_links(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build_parallel();
        walker.run(|| {
            let found = &found;
            Box::new(move |entry| {
                if let Ok(entry) = entry
                    && entry.file_type().is_some_and(|t| t.is_file())
                    && is_markdown(entry.path())
                {
                    found.lock().expect("walk lock").push(entry.into_path());
                }
                ignore::WalkState::Continue
            })
        });
    }
    let mut files = found.into_inner().expect("walk lock");
    files.sort();
    files.dedup();
    files
}

/// Read a file for indexing: `Err(reason)` when it is too large or binary.
pub fn read_source(path: &Path, options: &WalkOptions) -> Result<(String, bool), String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if meta.len() > options.max_file_bytes {
        return Err(format!(
            "{} bytes is over the {} byte limit for indexed files",
            meta.len(),
            options.max_file_bytes
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    if bytes.iter().take(8192).any(|&b| b == 0) {
        return Err("binary content (NUL bytes)".into());
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok((text, false)),
        Err(e) => Ok((String::from_utf8_lossy(e.as_bytes()).into_owned(), true)),
    }
}

/// Index every Markdown file under `paths`, in parallel; kinds are detected from each file's
/// path relative to the deepest of `roots` that holds it.
pub fn scan(grammar: &Grammar, paths: &[PathBuf], roots: &[PathBuf], options: &WalkOptions) -> Scan {
    let files = markdown_files(paths);
    /// A document read (lossily or not), or why it was skipped.
    type Outcome = Result<(IndexedDoc, bool), String>;
    let results: Vec<(PathBuf, Outcome)> = files
        .into_par_iter()
        .map(|path| {
            let result = read_source(&path, options).map(|(text, lossy)| {
                let relative = relative_to(roots, &path);
                let model = model::from_text(grammar, &path, &relative, &text);
                (IndexedDoc::new(model, Arc::from(text)), lossy)
            });
            (path, result)
        })
        .collect();
    let mut scan = Scan::default();
    for (path, result) in results {
        match result {
            Ok((doc, lossy)) => {
                if lossy {
                    scan.lossy.push(path);
                }
                scan.docs.push(doc);
            }
            Err(reason) => scan.skipped.push(Skipped { path, reason }),
        }
    }
    scan
}
