//! One-character edits in a generated spec through the stages `State::analyse_open`, the
//! diagnostics pass and their conversion to protocol positions run, each in its own function so
//! callgrind reports them apart:
//!
//! ```sh
//! cargo build --release -p specls --example keystroke
//! valgrind --tool=callgrind --toggle-collect='keystroke::edits_run' target/release/examples/keystroke 400000 10
//! ```
//!
//! Arguments: the spec's size in bytes and the number of timed edits (after one warm-up edit);
//! a third argument `cold` also models the spec once from scratch in `keystroke::cold_run`, as
//! the workspace scan does. The feature's plan and task list are indexed beside the spec, as in
//! the `lsp_latency` bench's workspaces, so the rules that read them run too.

#[path = "../benches/gen/mod.rs"]
mod generator;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use specls::analysis::{self, Diagnostic, IndexedDoc, WorkspaceIndex};
use specls::model::{self, DocModel, Grammar, ModelCache};
use specls::syntax::Chunks;
use specls::text::{Document, Position, PositionEncoding};

const ROOT: &str = "/bench";
const RELATIVE: &str = "specs/001-bench/spec.md";

struct Open {
    doc: Document,
    chunks: Chunks,
    model_cache: ModelCache,
    index: WorkspaceIndex,
    grammar: Arc<Grammar>,
    path: PathBuf,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let bytes: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(400_000);
    let edits: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let feature = generator::feature(1, 1, bytes);
    let text = feature.spec;
    let grammar = Grammar::builtin();
    let path = Path::new(ROOT).join(RELATIVE);
    let mut index = WorkspaceIndex::new(grammar.clone(), vec![PathBuf::from(ROOT)]);
    for (name, text) in [("plan.md", &feature.plan), ("tasks.md", &feature.tasks)] {
        let relative = RELATIVE.replace("spec.md", name);
        let model = model::from_text(&grammar, &Path::new(ROOT).join(&relative), &relative, text);
        index.upsert(IndexedDoc::new(model, Arc::from(text.as_str())));
    }
    let mut open = Open {
        doc: Document::new(&text),
        chunks: Chunks::default(),
        model_cache: ModelCache::default(),
        index,
        grammar,
        path,
    };
    if args.next().as_deref() == Some("cold") {
        black_box(cold_run(&open.grammar, &open.path, &text));
    }
    let at = requirement_line_end(&open.doc);
    keystroke(&mut open, at);
    edits_run(&mut open, at, edits);
    eprintln!("{} bytes, {} chunks, {edits} edits", open.doc.rope().len_bytes(), open.chunks.len());
}

/// A model from scratch (callgrind's `--toggle-collect` target for cold builds).
#[inline(never)]
fn cold_run(grammar: &Grammar, path: &Path, text: &str) -> DocModel {
    model::from_text(grammar, path, RELATIVE, text)
}

/// The timed edits (callgrind's `--toggle-collect` target).
#[inline(never)]
fn edits_run(open: &mut Open, at: Position, edits: usize) {
    for _ in 0..edits {
        keystroke(open, at);
    }
}

fn keystroke(open: &mut Open, at: Position) {
    let text = parse(open, at);
    let model = build(open, &text);
    let (diagnostics, replaced) = diagnose(open, model, text);
    black_box(publish(open, &diagnostics));
    retire(replaced);
}

#[inline(never)]
fn parse(open: &mut Open, at: Position) -> String {
    let change = open.doc.apply_change(Some((at, at)), "x", PositionEncoding::Utf16);
    open.chunks.edit(&change);
    let text = String::from(open.doc.rope());
    open.chunks.update(&text);
    text
}

/// The model build, the chunks' outline joined included.
#[inline(never)]
fn build(open: &mut Open, text: &str) -> DocModel {
    model::build_chunked(&open.grammar, &open.path, RELATIVE, text, &open.chunks, &mut open.model_cache)
}

#[inline(never)]
fn diagnose(open: &mut Open, model: DocModel, text: String) -> (Vec<Diagnostic>, Option<Arc<IndexedDoc>>) {
    let replaced = open.index.upsert(IndexedDoc::edited(model, Arc::from(text)));
    (analysis::diagnostics(&open.index, &open.path), replaced)
}

/// Dropping the version the edit replaced, which the server does on another thread.
#[inline(never)]
fn retire(replaced: Option<Arc<IndexedDoc>>) {
    drop(replaced);
}

/// The protocol positions of the diagnostics' ranges, as the server publishes them.
#[inline(never)]
fn publish(open: &Open, diagnostics: &[Diagnostic]) -> Vec<(Position, Position)> {
    let doc = open.index.doc(&open.path).expect("the edited spec is indexed");
    let at = |offset| doc.position(offset, PositionEncoding::Utf16);
    diagnostics.iter().map(|d| (at(d.range.start), at(d.range.end))).collect()
}

/// The end of the first requirement line past the middle: where the bench types.
fn requirement_line_end(doc: &Document) -> Position {
    let lines = doc.line_count();
    let line = (lines / 2..lines)
        .find(|&l| doc.rope().line(l).to_string().contains("**FR-"))
        .expect("a generated spec has requirements after its middle");
    let width = doc.line_content_range(line).len();
    Position { line: line as u32, character: width as u32 }
}
