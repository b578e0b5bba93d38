//! `specls check`: index paths and print diagnostics like a compiler, or as JSON.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::Serialize;

use crate::analysis::workspace::{WalkOptions, scan};
use crate::analysis::{Diagnostic, IndexedDoc, Severity, WorkspaceIndex, diagnostics};
use crate::model::Grammar;
use crate::text::{Position, PositionEncoding};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

/// The result of a check: every diagnostic per file, in path order.
pub struct Report {
    pub files: Vec<(PathBuf, Vec<Diagnostic>)>,
    pub index: WorkspaceIndex,
    pub skipped: Vec<(PathBuf, String)>,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.files.iter().flat_map(|(_, d)| d).filter(|d| d.severity == severity).count()
    }
}

/// The folder relative paths are measured from: the nearest ancestor holding a project marker.
pub fn workspace_root(path: &Path) -> PathBuf {
    let start = if path.is_file() { path.parent().unwrap_or(path) } else { path };
    const MARKERS: [&str; 5] = [".git", ".specify", ".kiro", "openspec", "specls.toml"];
    start.ancestors().find(|dir| MARKERS.iter().any(|m| dir.join(m).exists())).unwrap_or(start).to_path_buf()
}

pub fn run_check(paths: &[PathBuf]) -> Result<Report> {
    let grammar = Grammar::builtin();
    let mut targets = Vec::new();
    for path in paths {
        let absolute = std::path::absolute(path).with_context(|| format!("cannot resolve {}", path.display()))?;
        if !absolute.exists() {
            anyhow::bail!("{}: no such file or folder", path.display());
        }
        targets.push(absolute);
    }
    let mut roots: Vec<PathBuf> = targets.iter().map(|t| workspace_root(t)).collect();
    roots.sort();
    roots.dedup();
    let scanned = scan(&grammar, &targets, &roots, &WalkOptions::default());
    let mut index = WorkspaceIndex::new(grammar, roots);
    let mut paths: Vec<PathBuf> = Vec::new();
    for doc in scanned.docs {
        paths.push(doc.model.path.clone());
        index.upsert(doc);
    }
    paths.sort();
    // Diagnostics only read the index: compute them for all files in parallel.
    let files = paths
        .into_par_iter()
        .map(|p| {
            let d = diagnostics(&index, &p);
            (p, d)
        })
        .collect();
    let skipped = scanned.skipped.into_iter().map(|s| (s.path, s.reason)).collect();
    Ok(Report { files, index, skipped })
}

fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd).unwrap_or(path).display().to_string()
}

/// 1-based line and column (in characters), as compilers print them.
fn line_col(doc: &IndexedDoc, offset: usize) -> Position {
    let p = doc.lines.position(&doc.text, offset, PositionEncoding::Utf32);
    Position { line: p.line + 1, character: p.character + 1 }
}

pub fn print_human(report: &Report, out: &mut impl Write) -> Result<()> {
    for (path, diags) in &report.files {
        let Some(doc) = report.index.doc(path) else { continue };
        for d in diags {
            let at = line_col(doc, d.range.start);
            writeln!(out, "{}[{}]: {}", d.severity.as_str(), d.code, d.message)?;
            writeln!(
                out,
                "{}--> {}:{}:{}",
                " ".repeat(at.line.to_string().len() + 1),
                display_path(path),
                at.line,
                at.character
            )?;
            let line_no = at.line.to_string();
            let pad = " ".repeat(line_no.len());
            let line_range = doc.lines.line_start(at.line as usize - 1)..doc.lines.line_start(at.line as usize);
            let source = doc.text[line_range.clone()].trim_end_matches(['\n', '\r']);
            let end = d.range.end.min(line_range.start + source.len()).max(d.range.start);
            let width = doc.text[d.range.start.min(doc.text.len())..end.min(doc.text.len())].chars().count().max(1);
            writeln!(out, "{pad} |")?;
            writeln!(out, "{line_no} | {source}")?;
            writeln!(out, "{pad} | {}{}", " ".repeat(at.character as usize - 1), "^".repeat(width))?;
            for r in &d.related {
                if let Some(other) = report.index.doc(&r.path) {
                    let at = line_col(other, r.range.start);
                    writeln!(
                        out,
                        "{pad} = note: {}: {}:{}:{}",
                        r.message,
                        display_path(&r.path),
                        at.line,
                        at.character
                    )?;
                }
            }
            writeln!(out)?;
        }
    }
    for (path, reason) in &report.skipped {
        writeln!(out, "skipped {}: {reason}", display_path(path))?;
    }
    writeln!(
        out,
        "{} errors, {} warnings in {} files",
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.files.len()
    )?;
    Ok(())
}

#[derive(Serialize)]
struct JsonLocation {
    path: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
struct JsonRelated {
    #[serde(flatten)]
    location: JsonLocation,
    message: String,
}

#[derive(Serialize)]
struct JsonDiagnostic {
    #[serde(flatten)]
    location: JsonLocation,
    severity: Severity,
    code: &'static str,
    message: String,
    related: Vec<JsonRelated>,
}

#[derive(Serialize)]
struct JsonReport {
    diagnostics: Vec<JsonDiagnostic>,
    files: usize,
    errors: usize,
    warnings: usize,
    skipped: Vec<serde_json::Value>,
}

fn location(doc: &IndexedDoc, range: &std::ops::Range<usize>) -> JsonLocation {
    let (start, end) = (line_col(doc, range.start), line_col(doc, range.end));
    JsonLocation {
        path: display_path(&doc.model.path),
        line: start.line,
        column: start.character,
        end_line: end.line,
        end_column: end.character,
    }
}

pub fn print_json(report: &Report, out: &mut impl Write) -> Result<()> {
    let mut diagnostics = Vec::new();
    for (path, diags) in &report.files {
        let Some(doc) = report.index.doc(path) else { continue };
        for d in diags {
            diagnostics.push(JsonDiagnostic {
                location: location(doc, &d.range),
                severity: d.severity,
                code: d.code,
                message: d.message.clone(),
                related: d
                    .related
                    .iter()
                    .filter_map(|r| {
                        let other = report.index.doc(&r.path)?;
                        Some(JsonRelated { location: location(other, &r.range), message: r.message.clone() })
                    })
                    .collect(),
            });
        }
    }
    let json = JsonReport {
        diagnostics,
        files: report.files.len(),
        errors: report.count(Severity::Error),
        warnings: report.count(Severity::Warning),
        skipped: report
            .skipped
            .iter()
            .map(|(p, r)| serde_json::json!({ "path": display_path(p), "reason": r }))
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &json)?;
    writeln!(out)?;
    Ok(())
}
