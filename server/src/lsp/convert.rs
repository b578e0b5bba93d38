//! Conversions between the analysis layer's plain data and protocol types.

use std::ops::Range;
use std::path::{Path, PathBuf};

use tower_lsp_server::ls_types as lsp;

use crate::analysis::actions::Action;
use crate::analysis::complete::{Completion, CompletionKind, Insert, plain};
use crate::analysis::config_loader::Problem;
use crate::analysis::lens::Lens;
use crate::analysis::navigate::Location;
use crate::analysis::tokens::{Token, TokenKind};
use crate::analysis::{Diagnostic, IndexedDoc, Severity, Symbol, SymbolCategory, WorkspaceIndex};
use crate::model::{Fold, FoldKind};
use crate::text::{LineIndex, Position, PositionEncoding};

/// The index key of a document URI: its file path, or the URI text for other schemes.
pub fn path_of(uri: &lsp::Uri) -> PathBuf {
    uri.to_file_path().map(|p| p.into_owned()).unwrap_or_else(|| PathBuf::from(uri.as_str()))
}

/// The URI of an indexed path.
pub fn uri_of(path: &Path) -> Option<lsp::Uri> {
    if path.is_absolute() { lsp::Uri::from_file_path(path) } else { path.to_str()?.parse().ok() }
}

pub fn position(p: Position) -> lsp::Position {
    lsp::Position { line: p.line, character: p.character }
}

pub fn from_position(p: lsp::Position) -> Position {
    Position { line: p.line, character: p.character }
}

/// The byte offset of a protocol position in an indexed document; clamps, never panics.
pub fn offset(doc: &IndexedDoc, p: lsp::Position, enc: PositionEncoding) -> usize {
    doc.lines().offset(&doc.text, from_position(p), enc)
}

pub fn range(doc: &IndexedDoc, r: &Range<usize>, enc: PositionEncoding) -> lsp::Range {
    lsp::Range { start: position(doc.position(r.start, enc)), end: position(doc.position(r.end, enc)) }
}

/// A protocol location for an analysis location (`None` when its document left the index).
pub fn location(index: &WorkspaceIndex, l: &Location, enc: PositionEncoding) -> Option<lsp::Location> {
    let doc = index.doc(&l.path)?;
    Some(lsp::Location { uri: uri_of(&l.path)?, range: range(doc, &l.selection, enc) })
}

pub fn encoding_kind(enc: PositionEncoding) -> lsp::PositionEncodingKind {
    match enc {
        PositionEncoding::Utf8 => lsp::PositionEncodingKind::UTF8,
        PositionEncoding::Utf16 => lsp::PositionEncodingKind::UTF16,
        PositionEncoding::Utf32 => lsp::PositionEncodingKind::UTF32,
    }
}

fn severity(s: Severity) -> lsp::DiagnosticSeverity {
    match s {
        Severity::Error => lsp::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        Severity::Information => lsp::DiagnosticSeverity::INFORMATION,
        Severity::Hint => lsp::DiagnosticSeverity::HINT,
    }
}

pub fn diagnostic(index: &WorkspaceIndex, doc: &IndexedDoc, d: Diagnostic, enc: PositionEncoding) -> lsp::Diagnostic {
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .related
        .into_iter()
        .filter_map(|r| {
            let other = index.doc(&r.path)?;
            Some(lsp::DiagnosticRelatedInformation {
                location: lsp::Location { uri: uri_of(&r.path)?, range: range(other, &r.range, enc) },
                message: r.message,
            })
        })
        .collect();
    lsp::Diagnostic {
        range: range(doc, &d.range, enc),
        severity: Some(severity(d.severity)),
        code: Some(lsp::NumberOrString::String(d.code.to_string())),
        source: Some("specls".into()),
        message: d.message,
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    }
}

/// A configuration problem on its file (at the file's start when it has no range).
pub fn config_diagnostic(text: &str, lines: &LineIndex, p: &Problem, enc: PositionEncoding) -> lsp::Diagnostic {
    let r = p.range.clone().unwrap_or(0..0);
    lsp::Diagnostic {
        range: lsp::Range {
            start: position(lines.position(text, r.start, enc)),
            end: position(lines.position(text, r.end, enc)),
        },
        severity: Some(severity(p.severity)),
        code: Some(lsp::NumberOrString::String(p.code.to_string())),
        source: Some("specls".into()),
        message: p.message.clone(),
        ..Default::default()
    }
}

pub fn symbol_kind(c: SymbolCategory) -> lsp::SymbolKind {
    match c {
        SymbolCategory::Section => lsp::SymbolKind::NAMESPACE,
        SymbolCategory::Requirement => lsp::SymbolKind::INTERFACE,
        SymbolCategory::Story => lsp::SymbolKind::CLASS,
        SymbolCategory::Scenario => lsp::SymbolKind::EVENT,
        SymbolCategory::Task => lsp::SymbolKind::METHOD,
        SymbolCategory::Principle => lsp::SymbolKind::CONSTANT,
        SymbolCategory::ChecklistItem => lsp::SymbolKind::BOOLEAN,
        SymbolCategory::Property => lsp::SymbolKind::PROPERTY,
        SymbolCategory::Other => lsp::SymbolKind::KEY,
    }
}

#[allow(deprecated, reason = "DocumentSymbol::deprecated must still be initialised")]
pub fn document_symbol(doc: &IndexedDoc, s: &Symbol, enc: PositionEncoding) -> lsp::DocumentSymbol {
    // Recursion is bounded: the analysis layer caps symbol nesting depth.
    lsp::DocumentSymbol {
        name: s.name.clone(),
        detail: s.detail.clone(),
        kind: symbol_kind(s.category),
        tags: None,
        deprecated: None,
        range: range(doc, &s.range, enc),
        selection_range: range(doc, &s.selection, enc),
        children: (!s.children.is_empty()).then(|| s.children.iter().map(|c| document_symbol(doc, c, enc)).collect()),
    }
}

pub fn folding_range(doc: &IndexedDoc, fold: &Fold) -> Option<lsp::FoldingRange> {
    let start_line = doc.lines().line_of(fold.range.start) as u32;
    let end_line = doc.lines().line_of(fold.range.end.saturating_sub(1).max(fold.range.start)) as u32;
    (end_line > start_line).then(|| lsp::FoldingRange {
        start_line,
        end_line,
        kind: match fold.kind {
            FoldKind::Comment | FoldKind::FrontMatter => Some(lsp::FoldingRangeKind::Comment),
            FoldKind::Section | FoldKind::List | FoldKind::Code => Some(lsp::FoldingRangeKind::Region),
        },
        ..Default::default()
    })
}

/// The client-side command a lens runs: VS Code's `editor.action.showReferences` with the
/// document, the lens's position and the places to list (docs/navigation.md says what other
/// clients need to run it).
pub const SHOW_REFERENCES: &str = "editor.action.showReferences";

pub fn code_lens(
    index: &WorkspaceIndex,
    doc: &IndexedDoc,
    lens: &Lens,
    enc: PositionEncoding,
) -> Option<lsp::CodeLens> {
    let range = range(doc, &lens.range, enc);
    let locations: Vec<lsp::Location> = lens.targets.iter().filter_map(|l| location(index, l, enc)).collect();
    let arguments = vec![
        serde_json::to_value(uri_of(doc.model.path())?).ok()?,
        serde_json::to_value(range.start).ok()?,
        serde_json::to_value(locations).ok()?,
    ];
    Some(lsp::CodeLens {
        range,
        command: Some(lsp::Command {
            title: lens.title.clone(),
            command: SHOW_REFERENCES.into(),
            arguments: Some(arguments),
        }),
        data: None,
    })
}

/// Token types and modifiers, standard ones so that every theme colours them: a key is a
/// `variable` (with `declaration` and `definition` where its clause defines it), a marker a
/// `decorator` (it annotates the text around it), an EARS word a `keyword`.
const TOKEN_TYPES: [lsp::SemanticTokenType; 3] =
    [lsp::SemanticTokenType::VARIABLE, lsp::SemanticTokenType::DECORATOR, lsp::SemanticTokenType::KEYWORD];
const TOKEN_MODIFIERS: [lsp::SemanticTokenModifier; 2] =
    [lsp::SemanticTokenModifier::DECLARATION, lsp::SemanticTokenModifier::DEFINITION];

pub fn semantic_tokens_legend() -> lsp::SemanticTokensLegend {
    lsp::SemanticTokensLegend { token_types: TOKEN_TYPES.to_vec(), token_modifiers: TOKEN_MODIFIERS.to_vec() }
}

/// Index in [`TOKEN_TYPES`] and bits of [`TOKEN_MODIFIERS`].
fn token_type(kind: TokenKind) -> (u32, u32) {
    match kind {
        TokenKind::Definition => (0, 0b11),
        TokenKind::Reference => (0, 0),
        TokenKind::Marker => (1, 0),
        TokenKind::Keyword => (2, 0),
    }
}

/// Encode tokens (sorted, disjoint, one line each) relative to the previous one, lengths in the
/// negotiated encoding; with `within`, only those that touch that range.
pub fn semantic_tokens(
    doc: &IndexedDoc,
    tokens: &[Token],
    enc: PositionEncoding,
    within: Option<lsp::Range>,
) -> Vec<lsp::SemanticToken> {
    let mut out = Vec::with_capacity(tokens.len());
    let (mut line, mut character) = (0, 0);
    for token in tokens {
        let start = position(doc.lines().position(&doc.text, token.range.start, enc));
        let end = position(doc.lines().position(&doc.text, token.range.end, enc));
        if end.line != start.line || end.character <= start.character {
            continue;
        }
        if let Some(r) = &within
            && (end <= r.start || start >= r.end)
        {
            continue;
        }
        let (token_type, token_modifiers_bitset) = token_type(token.kind);
        out.push(lsp::SemanticToken {
            delta_line: start.line - line,
            delta_start: if start.line == line { start.character - character } else { start.character },
            length: end.character - start.character,
            token_type,
            token_modifiers_bitset,
        });
        (line, character) = (start.line, start.character);
    }
    out
}

/// A completion item replacing its range; snippets go as snippets only to clients that expand
/// them, as their plain text to the others.
pub fn completion_item(doc: &IndexedDoc, c: &Completion, enc: PositionEncoding, snippets: bool) -> lsp::CompletionItem {
    let (new_text, format) = match &c.insert {
        Insert::Snippet(s) if snippets => (s.clone(), lsp::InsertTextFormat::SNIPPET),
        Insert::Snippet(s) => (plain(s), lsp::InsertTextFormat::PLAIN_TEXT),
        Insert::Text(t) => (t.clone(), lsp::InsertTextFormat::PLAIN_TEXT),
    };
    lsp::CompletionItem {
        label: c.label.clone(),
        kind: Some(match c.kind {
            CompletionKind::Section | CompletionKind::Snippet => lsp::CompletionItemKind::SNIPPET,
            CompletionKind::Key => lsp::CompletionItemKind::REFERENCE,
            CompletionKind::NextKey => lsp::CompletionItemKind::CONSTANT,
            CompletionKind::Keyword => lsp::CompletionItemKind::KEYWORD,
            CompletionKind::Value => lsp::CompletionItemKind::ENUM_MEMBER,
        }),
        detail: c.detail.clone(),
        documentation: c.documentation.as_ref().map(|d| {
            lsp::Documentation::MarkupContent(lsp::MarkupContent { kind: lsp::MarkupKind::Markdown, value: d.clone() })
        }),
        sort_text: Some(c.sort.clone()),
        filter_text: Some(c.filter.clone()),
        insert_text_format: Some(format),
        text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit { range: range(doc, &c.replace, enc), new_text })),
        data: c.data.as_ref().and_then(|d| serde_json::to_value(d).ok()),
        ..Default::default()
    }
}

/// Verifies specs/003-navigation/spec.md FR-017.
/// A path's URI and the version of its open document (`None` when it is not open).
pub type EditTarget<'a> = dyn Fn(&Path) -> Option<(lsp::Uri, Option<i32>)> + 'a;

/// A code action: its edits as versioned `documentChanges` (with a `CreateFile` for each new
/// file) when the client takes them, else as `changes`, and its location as an
/// [`OPEN_LOCATION`](crate::lsp::handlers::code_action::OPEN_LOCATION) command. `target` names a
/// path's URI and the version of its open document (`None`: not open); `source` is the document
/// the action was asked for. None when a file it edits is neither indexed nor created by it.
pub fn code_action(
    index: &WorkspaceIndex,
    source: &IndexedDoc,
    action: &Action,
    kind: lsp::CodeActionKind,
    target: &EditTarget<'_>,
    enc: PositionEncoding,
    document_changes: bool,
) -> Option<lsp::CodeAction> {
    let mut files: Vec<(lsp::Uri, Option<i32>, bool, Vec<lsp::TextEdit>)> = Vec::new();
    for edit in &action.edits {
        let (uri, version) = target(&edit.path)?;
        let created = action.create.contains(&edit.path);
        let lsp_range = match index.doc(&edit.path) {
            Some(doc) if !created => range(doc, &edit.range, enc),
            _ if created => lsp::Range::default(),
            _ => return None,
        };
        let text_edit = lsp::TextEdit { range: lsp_range, new_text: edit.new_text.clone() };
        match files.iter_mut().find(|f| f.0 == uri) {
            Some(file) => file.3.push(text_edit),
            None => files.push((uri, if created { None } else { version }, created, vec![text_edit])),
        }
    }
    let edit = (!files.is_empty()).then(|| {
        if document_changes {
            let mut operations = Vec::new();
            for (uri, version, created, edits) in files {
                if created {
                    operations.push(lsp::DocumentChangeOperation::Op(lsp::ResourceOp::Create(lsp::CreateFile {
                        uri: uri.clone(),
                        options: Some(lsp::CreateFileOptions { overwrite: Some(false), ignore_if_exists: Some(true) }),
                        annotation_id: None,
                    })));
                }
                operations.push(lsp::DocumentChangeOperation::Edit(lsp::TextDocumentEdit {
                    text_document: lsp::OptionalVersionedTextDocumentIdentifier { uri, version },
                    edits: edits.into_iter().map(lsp::OneOf::Left).collect(),
                }));
            }
            lsp::WorkspaceEdit {
                document_changes: Some(lsp::DocumentChanges::Operations(operations)),
                ..Default::default()
            }
        } else {
            let changes = files.into_iter().map(|(uri, _, _, edits)| (uri, edits)).collect();
            lsp::WorkspaceEdit { changes: Some(changes), ..Default::default() }
        }
    });
    let command = match &action.open {
        Some(open) => {
            let doc = index.doc(&open.path)?;
            let (uri, _) = target(&open.path)?;
            Some(lsp::Command {
                title: action.title.clone(),
                command: crate::lsp::handlers::code_action::OPEN_LOCATION.to_string(),
                arguments: Some(vec![serde_json::json!(uri), serde_json::json!(range(doc, &open.range, enc))]),
            })
        }
        None => None,
    };
    let diagnostics = action.fixes.as_ref().map(|d| vec![diagnostic(index, source, d.clone(), enc)]);
    Some(lsp::CodeAction {
        title: action.title.clone(),
        kind: Some(kind),
        diagnostics,
        edit,
        command,
        is_preferred: None,
        disabled: None,
        data: None,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;
    use crate::model::{Grammar, model_file};

    #[test]
    fn positions_become_offsets_clamped_in_every_encoding() {
        let text = "a😀b\r\nçd\n";
        let model = model_file(&Grammar::builtin(), Path::new("/ws/x.md"), "x.md", text);
        let doc = IndexedDoc::new(model, Arc::from(text));
        let at = |line, character, enc| offset(&doc, lsp::Position { line, character }, enc);
        assert_eq!(at(0, 3, PositionEncoding::Utf16), text.find('b').unwrap());
        assert_eq!(at(0, 2, PositionEncoding::Utf32), text.find('b').unwrap());
        assert_eq!(at(0, 5, PositionEncoding::Utf8), text.find('b').unwrap());
        // Inside the surrogate pair: the character's start.
        assert_eq!(at(0, 2, PositionEncoding::Utf16), 1);
        // Past the line's end: before its line break; past the last line: the end.
        assert_eq!(at(0, 40, PositionEncoding::Utf16), text.find('\r').unwrap());
        assert_eq!(at(1, 1, PositionEncoding::Utf16), text.find('d').unwrap());
        assert_eq!(at(9, 0, PositionEncoding::Utf16), text.len());
    }
}
