//! Diagnostics of one document against the workspace index, produced by the rule catalogue
//! (`rules/`). Each has a stable code and a short message that says what to do.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::index::{ClauseLoc, WorkspaceIndex};
use super::rules::{self, Context};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Hint,
    #[serde(alias = "info")]
    Information,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information => "info",
            Severity::Hint => "hint",
        }
    }
}

/// Codes reported outside the rule catalogue.
pub mod code {
    /// An open document over the analysis size limit.
    pub const TOO_LARGE: &str = "document-too-large";
    pub const UNRESOLVED_REFERENCE: &str = "unresolved-reference";
}

/// Related locations listed per diagnostic; the message gives the full count.
const MAX_RELATED: usize = 10;

/// Another place a diagnostic points at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Related {
    pub path: PathBuf,
    pub range: Range<usize>,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub range: Range<usize>,
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub related: Vec<Related>,
}

/// All diagnostics of the document at `path`, sorted by position.
pub fn diagnostics(index: &WorkspaceIndex, path: &Path) -> Vec<Diagnostic> {
    let Some(doc) = index.doc(path) else { return Vec::new() };
    let mut out = Vec::new();
    let cx = Context::new(index, doc, &index.config);
    if index.grammar.kind(doc.model.kind).lint {
        rules::run(&cx, &mut out);
    } else if doc.model.kind == index.grammar.code_kind {
        rules::run_code(&cx, &mut out);
    }
    out.sort_by(|a, b| (a.range.start, a.range.end, a.code).cmp(&(b.range.start, b.range.end, b.code)));
    out
}

/// Related entries for definitions, at most [`MAX_RELATED`] of them.
pub fn related(index: &WorkspaceIndex, locs: impl Iterator<Item = ClauseLoc>, message: &str) -> Vec<Related> {
    locs.take(MAX_RELATED)
        .filter_map(|loc| {
            let (doc, clause) = index.clause(&loc)?;
            Some(Related { path: doc.model.path.clone(), range: clause.id_range.clone(), message: message.to_string() })
        })
        .collect()
}
