//! Diagnostics of one document against the workspace index. Each has a stable code and a short
//! message that says what to do.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::model::grammar::Uniqueness;
use crate::model::{Clause, DocModel};

use super::index::{ClauseLoc, IndexedDoc, WorkspaceIndex};
use super::resolve::{Resolution, resolve};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Hint,
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

/// Stable diagnostic codes.
pub mod code {
    pub const DUPLICATE_ID: &str = "duplicate-id";
    pub const UNRESOLVED_REFERENCE: &str = "unresolved-reference";
    pub const AMBIGUOUS_REFERENCE: &str = "ambiguous-reference";
    pub const MISSING_SECTION: &str = "missing-section";
    pub const UNRESOLVED_CLARIFICATION: &str = "unresolved-clarification";
    pub const TOO_LARGE: &str = "document-too-large";
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
    let model = &doc.model;
    if !index.grammar.kind(model.kind).lint {
        return Vec::new();
    }
    let mut out = Vec::new();
    duplicate_ids(index, doc, &mut out);
    references(index, doc, &mut out);
    missing_sections(index, doc, &mut out);
    clarifications(model, &mut out);
    out.sort_by(|a, b| (a.range.start, a.range.end, a.code).cmp(&(b.range.start, b.range.end, b.code)));
    out
}

fn label(index: &WorkspaceIndex, clause: &Clause) -> String {
    index.grammar.namespace(clause.namespace).label.clone()
}

fn duplicate_ids(index: &WorkspaceIndex, doc: &IndexedDoc, out: &mut Vec<Diagnostic>) {
    let model = &doc.model;
    let Some(doc_id) = index.doc_id(&model.path) else { return };
    let scope = index.scope_id(model.scope.as_deref());
    for (i, clause) in model.clauses.iter().enumerate() {
        let this = |loc: &ClauseLoc| loc.doc == doc_id && loc.index as usize == i;
        let same_key = index.definitions_in(clause.namespace, scope, &clause.id);
        let others: Vec<&ClauseLoc> = match index.grammar.namespace(clause.namespace).unique {
            Uniqueness::Scope => same_key.iter().filter(|l| !this(l) && l.global == clause.global).collect(),
            Uniqueness::Document => same_key.iter().filter(|l| !this(l) && l.doc == doc_id).collect(),
            Uniqueness::Parent => same_key
                .iter()
                .filter(|l| !this(l) && l.doc == doc_id)
                .filter(|l| index.clause(l).is_some_and(|(_, other)| other.parent == clause.parent))
                .collect(),
        };
        if others.is_empty() {
            continue;
        }
        out.push(Diagnostic {
            range: clause.id_range.clone(),
            severity: Severity::Error,
            code: code::DUPLICATE_ID,
            message: format!(
                "{} `{}` is defined {} times; give each definition its own ID",
                capitalise(&label(index, clause)),
                clause.id,
                others.len() + 1
            ),
            related: others
                .iter()
                .take(MAX_RELATED)
                .filter_map(|loc| related(index, loc, "also defined here"))
                .collect(),
        });
    }
}

fn references(index: &WorkspaceIndex, doc: &IndexedDoc, out: &mut Vec<Diagnostic>) {
    let model = &doc.model;
    if model.kind == index.grammar.generic {
        return;
    }
    for reference in &model.references {
        let what = &index.grammar.namespace(reference.namespace).label;
        match resolve(index, model, reference) {
            Resolution::Resolved(_) => {}
            Resolution::Unresolved => out.push(Diagnostic {
                range: reference.range.clone(),
                severity: Severity::Error,
                code: code::UNRESOLVED_REFERENCE,
                message: match &model.scope {
                    Some(_) => format!(
                        "No {what} `{}` is defined in this feature; define it or fix the reference",
                        reference.id
                    ),
                    None => format!(
                        "No {what} `{}` is defined in the workspace; define it or fix the reference",
                        reference.id
                    ),
                },
                related: Vec::new(),
            }),
            Resolution::Ambiguous(locs) => out.push(Diagnostic {
                range: reference.range.clone(),
                severity: Severity::Warning,
                code: code::AMBIGUOUS_REFERENCE,
                message: format!(
                    "`{}` matches {} {what} definitions; remove the duplicates or reference it from its own feature",
                    reference.id,
                    locs.len()
                ),
                related: locs.iter().take(MAX_RELATED).filter_map(|loc| related(index, loc, "candidate")).collect(),
            }),
        }
    }
}

fn missing_sections(index: &WorkspaceIndex, doc: &IndexedDoc, out: &mut Vec<Diagnostic>) {
    let model = &doc.model;
    let kind = index.grammar.kind(model.kind);
    let anchor = model.sections.first().map_or(0..0, |s| trim_line_end(&doc.text, s.heading.clone()));
    for section in kind.sections.iter().filter(|s| s.required) {
        if model.sections.iter().any(|s| section.matches(&s.title)) {
            continue;
        }
        out.push(Diagnostic {
            range: anchor.clone(),
            severity: Severity::Warning,
            code: code::MISSING_SECTION,
            message: format!(
                "This {} needs a `{} {}` section; add it",
                kind.label,
                "#".repeat(section.level as usize),
                section.title
            ),
            related: Vec::new(),
        });
    }
}

fn clarifications(model: &DocModel, out: &mut Vec<Diagnostic>) {
    for marker in model.markers.iter().filter(|m| m.kind == "clarification") {
        out.push(Diagnostic {
            range: marker.range.clone(),
            severity: Severity::Warning,
            code: code::UNRESOLVED_CLARIFICATION,
            message: "Unresolved clarification: answer the question in the spec, then remove the marker".into(),
            related: Vec::new(),
        });
    }
}

fn related(index: &WorkspaceIndex, loc: &ClauseLoc, message: &str) -> Option<Related> {
    let (doc, clause) = index.clause(loc)?;
    Some(Related { path: doc.model.path.clone(), range: clause.id_range.clone(), message: message.to_string() })
}

fn trim_line_end(text: &str, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let slice = &text[range.clone()];
    range.start..range.start + slice.trim_end().len()
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}
