//! Code actions: edits offered on diagnostics (a spec gap for a failing test, a convergence task,
//! quick fixes for the structural rules) and on task lines (tick or untick the checkbox).
//!
//! Every action is a set of plain text edits over byte ranges, a file to create, or a location to
//! open; `lsp/convert.rs` turns them into a versioned workspace edit. Nothing here writes a file:
//! the editor applies the edit, and `specls gaps --write` applies the spec-gap edits itself.
//! What each format writes (marker, task line, open question, stub, clarification entry) is data
//! in `grammar/gaps.toml`.

mod gap;
mod quickfix;
mod task;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;

use super::diagnostics::{Diagnostic, diagnostics};
use super::index::{IndexedDoc, WorkspaceIndex};

pub use gap::spec_gaps;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionKind {
    QuickFix,
    Source,
}

/// One text edit: `range` (bytes of the file's indexed text; `0..0` in a file to create) becomes
/// `new_text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEdit {
    pub path: PathBuf,
    pub range: Range<usize>,
    pub new_text: String,
}

/// A place the editor is asked to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Open {
    pub path: PathBuf,
    pub range: Range<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    pub title: String,
    pub kind: ActionKind,
    /// The diagnostic the action answers.
    pub fixes: Option<Diagnostic>,
    /// Files that do not exist yet; their edits start at `0..0`.
    pub create: Vec<PathBuf>,
    pub edits: Vec<FileEdit>,
    pub open: Option<Open>,
}

impl Action {
    fn fix(title: String, diagnostic: &Diagnostic) -> Action {
        Action {
            title,
            kind: ActionKind::QuickFix,
            fixes: Some(diagnostic.clone()),
            create: Vec::new(),
            edits: Vec::new(),
            open: None,
        }
    }

    fn edit(mut self, path: &Path, range: Range<usize>, new_text: String) -> Action {
        self.edits.push(FileEdit { path: path.to_path_buf(), range, new_text });
        self
    }

    /// Edits of another file: inserted text, or the file created with it.
    fn append(mut self, target: Appended) -> Action {
        if target.create {
            self.create.push(target.edit.path.clone());
        }
        self.edits.push(target.edit);
        self
    }
}

/// The actions for the lines of the bytes `range` of the document at `path`: fixes for the
/// diagnostics on them, and the source actions of its lines. `today` (YYYY-MM-DD) dates clarification
/// sessions.
pub fn code_actions(index: &WorkspaceIndex, path: &Path, range: Range<usize>, today: &str) -> Vec<Action> {
    let Some(doc) = index.doc(path) else { return Vec::new() };
    // Editors ask at the cursor (or column 0 of a line): a diagnostic anywhere on its lines counts.
    let text: &str = &doc.text;
    let start = range.start.min(text.len());
    let range = line_start(text, start)..line_end(text, range.end.clamp(start, text.len()));
    let mut out = Vec::new();
    for diagnostic in diagnostics(index, path) {
        if diagnostic.range.start > range.end || range.start > diagnostic.range.end {
            continue;
        }
        match diagnostic.code {
            "test-failing" => gap::actions(index, doc, &diagnostic, &mut out),
            "missing-section" => quickfix::missing_sections(index, doc, &diagnostic, &mut out),
            "duplicate-id" => quickfix::renumber(index, doc, &diagnostic, &mut out),
            "unresolved-reference" => quickfix::stub_clause(index, doc, &diagnostic, &mut out),
            "unresolved-clarification" => quickfix::clarify(index, doc, &diagnostic, today, &mut out),
            _ => {}
        }
    }
    task::toggles(doc, range, &mut out);
    out
}

// ------------------------------------------------------------------ format data

/// What a format writes for each action (`grammar/gaps.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GapFormat {
    format: String,
    marker: String,
    max_markers: Option<usize>,
    question_file: Option<String>,
    question_section: Option<String>,
    question: Option<String>,
    task_file: String,
    task: String,
    task_section: Option<String>,
    task_phase: Option<String>,
    phase_number: Option<String>,
    stub: String,
    clarifications: Option<String>,
    session: Option<String>,
    answer: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GapFile {
    formats: Vec<GapFormat>,
}

const BUILTIN: &str = include_str!("../../../../grammar/gaps.toml");

fn formats() -> &'static [GapFormat] {
    static FORMATS: OnceLock<Vec<GapFormat>> = OnceLock::new();
    FORMATS.get_or_init(|| toml::from_str::<GapFile>(BUILTIN).expect("grammar/gaps.toml parses").formats)
}

/// The data of the format a document belongs to.
fn format_of(index: &WorkspaceIndex, doc: &IndexedDoc) -> Option<&'static GapFormat> {
    let format = &index.grammar.kind(doc.model.kind).format;
    formats().iter().find(|f| &f.format == format)
}

/// A template with its `{name}` fields filled.
fn fill(template: &str, fields: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (name, value) in fields {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

// ------------------------------------------------------------------ text positions

/// The end of the line holding `at`, before its line break.
fn line_end(text: &str, at: usize) -> usize {
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    if end > at && text.as_bytes()[end - 1] == b'\r' { end - 1 } else { end }
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// Where a block of lines goes at the end of `range`: after its last line that is not blank.
fn after_last_line(text: &str, range: &Range<usize>) -> usize {
    let body = text[range.start..range.end].trim_end();
    range.start + body.len()
}

/// The line break text inserted at `at` needs to end with: none when a line break already follows.
fn eol(text: &str, at: usize) -> &'static str {
    if text[at..].contains('\n') { "" } else { "\n" }
}

/// An edit that appends `block` (lines, no trailing newline) to a file as a paragraph of its own,
/// or creates the file holding `header` then `block`.
struct Appended {
    edit: FileEdit,
    create: bool,
}

fn append_block(index: &WorkspaceIndex, path: &Path, block: &str, header: Option<&str>) -> Appended {
    match index.doc(path) {
        Some(doc) => {
            let text: &str = &doc.text;
            let end = after_last_line(text, &(0..text.len()));
            let sep = if end == 0 { "" } else { "\n\n" };
            Appended {
                edit: FileEdit {
                    path: path.to_path_buf(),
                    range: end..end,
                    new_text: format!("{sep}{block}{}", eol(text, end)),
                },
                create: false,
            }
        }
        None => {
            let head = header.map(|h| format!("{h}\n\n")).unwrap_or_default();
            Appended {
                edit: FileEdit { path: path.to_path_buf(), range: 0..0, new_text: format!("{head}{block}\n") },
                create: true,
            }
        }
    }
}

/// The folder a document's sibling files live in: its feature folder, else its own folder.
fn feature_dir(doc: &IndexedDoc) -> PathBuf {
    doc.model.scope.clone().or_else(|| doc.model.path.parent().map(Path::to_path_buf)).unwrap_or_default()
}

/// Unit-test helpers: an index from (path, text) pairs and edits applied to their texts.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// The text of `path` after the action's edits to it.
    pub fn applied(index: &WorkspaceIndex, action: &Action, path: &str) -> String {
        let path = Path::new(path);
        let mut text = index.doc(path).map(|d| d.text.to_string()).unwrap_or_default();
        let mut edits: Vec<&FileEdit> = action.edits.iter().filter(|e| e.path == path).collect();
        edits.sort_by_key(|e| std::cmp::Reverse(e.range.start));
        for edit in edits {
            text.replace_range(edit.range.clone(), &edit.new_text);
        }
        text
    }
}
