//! Parse and model costs of one Spec Kit spec at 2 KB, 20 KB, 100 KB and 400 KB: a full parse,
//! the chunked path the server takes after a one-character edit (beside the whole-document
//! incremental reparse it replaced), and the diagnostics of the result. The server's own edit →
//! diagnostics latency is measured by `lsp_latency`.

#[path = "gen/mod.rs"]
mod generator;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use specls::analysis::{self, IndexedDoc, WorkspaceIndex};
use specls::model::{self, Grammar};
use specls::syntax;
use specls::text::{Document, Position, PositionEncoding};

const SIZES: [(&str, usize); 4] = [("2KB", 2_000), ("20KB", 20_000), ("100KB", 100_000), ("400KB", 400_000)];
const ROOT: &str = "/bench";
const RELATIVE: &str = "specs/001-bench/spec.md";

/// Short groups, so the whole suite runs in a few minutes on two cores.
fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    group
}

fn path() -> PathBuf {
    Path::new(ROOT).join(RELATIVE)
}

/// The end of the non-blank line nearest the middle: where a user typing mid-document would be.
fn mid_document_end_of_line(doc: &Document) -> Position {
    let lines = doc.line_count();
    let line = (lines / 2..lines)
        .find(|&l| !doc.line_content_range(l).is_empty())
        .expect("a generated spec has text after its middle");
    let width = doc.line_content_range(line).len();
    Position { line: line as u32, character: width as u32 }
}

fn full_parse(c: &mut Criterion) {
    let grammar = Grammar::builtin();
    let mut g = group(c, "full_parse");
    for (label, bytes) in SIZES {
        let text = generator::spec(1, bytes);
        g.throughput(Throughput::Bytes(text.len() as u64));
        let rope = ropey::Rope::from_str(&text);
        g.bench_with_input(BenchmarkId::new("parse_blocks", label), &rope, |b, rope| {
            b.iter(|| syntax::parse_blocks(black_box(rope), None));
        });
        g.bench_with_input(BenchmarkId::new("model_from_text", label), &text, |b, text| {
            b.iter(|| model::from_text(&grammar, &path(), RELATIVE, black_box(text)));
        });
    }
    g.finish();
}

/// Everything `State::analyse_open` does after a keystroke, up to the index upsert: apply the
/// change, record it in the chunks, parse the touched chunks again, flatten the rope, join the
/// outline, build. `reparse` is the whole-document incremental reparse it replaced, for comparison.
fn incremental_edit(c: &mut Criterion) {
    let grammar = Grammar::builtin();
    let mut g = group(c, "incremental_edit");
    for (label, bytes) in SIZES {
        let text = generator::spec(1, bytes);
        g.throughput(Throughput::Bytes(text.len() as u64));
        let doc = Document::new(&text);
        let tree = syntax::parse_blocks(doc.rope(), None);
        let chunks = syntax::Chunks::parse(&text);
        let at = mid_document_end_of_line(&doc);
        g.bench_function(BenchmarkId::new("reparse", label), |b| {
            b.iter_batched(
                || (doc.clone(), tree.clone()),
                |(mut doc, mut tree)| {
                    let change = doc.apply_change(Some((at, at)), "x", PositionEncoding::Utf16);
                    syntax::edit_tree(&mut tree, &change);
                    syntax::parse_blocks(doc.rope(), Some(&tree))
                },
                BatchSize::SmallInput,
            );
        });
        let edit = |doc: &mut Document, chunks: &mut syntax::Chunks| {
            let change = doc.apply_change(Some((at, at)), "x", PositionEncoding::Utf16);
            chunks.edit(&change);
            let text = String::from(doc.rope());
            chunks.update(&text);
            let outline = chunks.outline(text.len());
            (text, outline)
        };
        g.bench_function(BenchmarkId::new("chunked_reparse", label), |b| {
            b.iter_batched(
                || (doc.clone(), chunks.clone()),
                |(mut doc, mut chunks)| edit(&mut doc, &mut chunks),
                BatchSize::SmallInput,
            );
        });
        // The server keeps each open document's inline parses and chunk facts between builds.
        let mut warm_cache = model::ModelCache::default();
        model::build_chunked(&grammar, &path(), RELATIVE, &text, &chunks, &mut warm_cache);
        g.bench_function(BenchmarkId::new("reparse_and_model", label), |b| {
            b.iter_batched(
                || (doc.clone(), chunks.clone()),
                |(mut doc, mut chunks)| {
                    let change = doc.apply_change(Some((at, at)), "x", PositionEncoding::Utf16);
                    chunks.edit(&change);
                    let text = String::from(doc.rope());
                    chunks.update(&text);
                    model::build_chunked(&grammar, &path(), RELATIVE, &text, &chunks, &mut warm_cache)
                },
                BatchSize::SmallInput,
            );
        });
    }
    g.finish();
}

/// Diagnostics of the spec alone in an index: the analysis the server runs before publishing.
fn diagnostics(c: &mut Criterion) {
    let grammar = Grammar::builtin();
    let mut g = group(c, "diagnostics");
    for (label, bytes) in SIZES {
        let text = generator::spec(1, bytes);
        g.throughput(Throughput::Bytes(text.len() as u64));
        let mut index = WorkspaceIndex::new(grammar.clone(), vec![PathBuf::from(ROOT)]);
        index.upsert(IndexedDoc::new(model::from_text(&grammar, &path(), RELATIVE, &text), Arc::from(text.as_str())));
        let path = path();
        g.bench_function(BenchmarkId::new("spec", label), |b| {
            b.iter(|| analysis::diagnostics(&index, black_box(&path)))
        });
    }
    g.finish();
}

criterion_group!(benches, full_parse, incremental_edit, diagnostics);
criterion_main!(benches);
