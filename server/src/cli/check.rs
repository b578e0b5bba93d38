//! `specls check`: index paths and print diagnostics like a compiler, as JSON, or as SARIF (`sarif.rs`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::Serialize;

use crate::analysis::config_loader::{self, FILE_NAME};
use crate::analysis::test_state::TestResults;
use crate::analysis::workspace::{WalkOptions, scan};
use crate::analysis::{Diagnostic, Severity, WorkspaceIndex, diagnostics};
use crate::text::{LineIndex, Position, PositionEncoding};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
}

/// The configuration file a check read, with its text (its problems are among the files).
pub struct ConfigFile {
    pub path: PathBuf,
    pub text: Arc<str>,
    pub lines: LineIndex,
}

/// The result of a check: every diagnostic per file, in path order (the configuration file first).
pub struct Report {
    pub files: Vec<(PathBuf, Vec<Diagnostic>)>,
    pub index: WorkspaceIndex,
    pub skipped: Vec<(PathBuf, String)>,
    pub config: Option<ConfigFile>,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.files.iter().flat_map(|(_, d)| d).filter(|d| d.severity == severity).count()
    }

    /// Whether any diagnostic is at `severity` or above.
    pub fn any_at_least(&self, severity: Severity) -> bool {
        self.files.iter().flat_map(|(_, d)| d).any(|d| d.severity >= severity)
    }

    /// Keep only the diagnostics at `severity` or above.
    pub fn retain_at_least(&mut self, severity: Severity) {
        for (_, diags) in &mut self.files {
            diags.retain(|d| d.severity >= severity);
        }
    }

    /// The text of a reported file and its line index: an indexed document or the configuration.
    pub fn source(&self, path: &Path) -> Option<(&str, &LineIndex)> {
        if let Some(doc) = self.index.doc(path) {
            return Some((&doc.text, doc.lines()));
        }
        self.config.as_ref().filter(|c| c.path == path).map(|c| (&*c.text, &c.lines))
    }
}

/// The folder relative paths are measured from: the nearest ancestor holding a project marker.
pub fn workspace_root(path: &Path) -> PathBuf {
    let start = if path.is_file() { path.parent().unwrap_or(path) } else { path };
    const MARKERS: [&str; 5] = [".git", ".specify", ".kiro", "openspec", FILE_NAME];
    start.ancestors().find(|dir| MARKERS.iter().any(|m| dir.join(m).exists())).unwrap_or(start).to_path_buf()
}

/// An index of the workspaces around some paths, with the configuration it read.
pub struct Indexed {
    pub index: WorkspaceIndex,
    /// The indexed files the paths name (and the source files, when the code index is built), in order.
    pub paths: Vec<PathBuf>,
    /// The paths asked for, absolute.
    pub targets: Vec<PathBuf>,
    pub skipped: Vec<(PathBuf, String)>,
    config_file: Option<(PathBuf, String)>,
    problems: Vec<Diagnostic>,
}

/// Index `paths`. The configuration is the `specls.toml` of the first workspace root (in path
/// order) that has one. The code index is built (over the whole workspaces: tests sit beside
/// the specs) when asked for or when there are `junit` results files; a results file that cannot
/// be read is an error.
pub fn index_paths(paths: &[PathBuf], junit: &[PathBuf], code: bool) -> Result<Indexed> {
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
    let config_root = roots.iter().find(|r| r.join(FILE_NAME).is_file()).or(roots.first());
    let (config_file, loaded) = match config_root {
        Some(root) => config_loader::load_root(root),
        None => (None, config_loader::Loaded::default()),
    };
    let mut results = TestResults::default();
    for path in junit {
        let run = crate::model::results::load(path, crate::model::results::MAX_RESULTS_BYTES)?;
        results.runs.push(run);
    }
    let with_code = (code || !results.runs.is_empty()) && loaded.config.code.enabled;
    let walk = WalkOptions {
        filter: loaded.config.files.clone(),
        code: with_code.then(|| loaded.config.code.clone()),
        max_file_bytes: loaded.config.max_file_bytes(),
        results: None,
    };
    let scan_targets = if with_code { roots.clone() } else { targets.clone() };
    let scanned = scan(&loaded.grammar, &scan_targets, &roots, &walk);
    let mut index = WorkspaceIndex::new(loaded.grammar.clone(), roots);
    index.config = loaded.config;
    index.results = Arc::new(results);
    let mut paths: Vec<PathBuf> = Vec::new();
    for doc in scanned.docs {
        let checked =
            targets.iter().any(|t| doc.model.path.starts_with(t)) || doc.model.kind == index.grammar.code_kind;
        if checked {
            paths.push(doc.model.path.clone());
        }
        index.upsert(doc);
    }
    paths.sort();
    let skipped = scanned.skipped.into_iter().map(|s| (s.path, s.reason)).collect();
    let problems = loaded.problems.iter().map(|p| p.diagnostic()).collect();
    Ok(Indexed { index, paths, targets, skipped, config_file, problems })
}

/// Check `paths` (see [`index_paths`]): with `junit` results files, failing tests reach the
/// clauses they verify (`test-failing`).
pub fn run_check(paths: &[PathBuf], junit: &[PathBuf]) -> Result<Report> {
    let Indexed { index, paths, skipped, config_file, problems, .. } = index_paths(paths, junit, false)?;
    // Diagnostics only read the index: compute them for all files in parallel.
    let mut files: Vec<(PathBuf, Vec<Diagnostic>)> = paths
        .into_par_iter()
        .map(|p| {
            let d = diagnostics(&index, &p);
            (p, d)
        })
        .collect();
    // Source files are reported only for their failing tests.
    files.retain(|(path, diags)| !diags.is_empty() || !index.grammar.code.is_code(path));
    let config = config_file.map(|(path, text)| {
        files.insert(0, (path.clone(), problems));
        let lines = LineIndex::new(&text);
        ConfigFile { path, text: Arc::from(text), lines }
    });
    Ok(Report { files, index, skipped, config })
}

pub(crate) fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd).unwrap_or(path).display().to_string()
}

/// 1-based line and column (in characters), as compilers print them.
fn line_col((text, lines): (&str, &LineIndex), offset: usize) -> Position {
    let p = lines.position(text, offset, PositionEncoding::Utf32);
    Position { line: p.line + 1, character: p.character + 1 }
}

pub fn print_human(report: &Report, out: &mut impl Write) -> Result<()> {
    for (path, diags) in &report.files {
        let Some(doc) = report.source(path) else { continue };
        let (text, lines) = doc;
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
            let line = at.line as usize - 1;
            let line_start = lines.line_start(line);
            let source = lines.line_text(text, line);
            let end = d.range.end.min(line_start + source.len()).max(d.range.start);
            let width = text[d.range.start.min(text.len())..end.min(text.len())].chars().count().max(1);
            writeln!(out, "{pad} |")?;
            writeln!(out, "{line_no} | {source}")?;
            writeln!(out, "{pad} | {}{}", " ".repeat(at.character as usize - 1), "^".repeat(width))?;
            for r in &d.related {
                if let Some(other) = report.source(&r.path) {
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
    let notes = [(Severity::Information, "info"), (Severity::Hint, "hints")]
        .iter()
        .map(|&(severity, label)| (report.count(severity), label))
        .filter(|(n, _)| *n > 0)
        .map(|(n, label)| format!(", {n} {label}"))
        .collect::<String>();
    writeln!(
        out,
        "{} errors, {} warnings{notes} in {} files",
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

fn location(path: &Path, doc: (&str, &LineIndex), range: &std::ops::Range<usize>) -> JsonLocation {
    let (start, end) = (line_col(doc, range.start), line_col(doc, range.end));
    JsonLocation {
        path: display_path(path),
        line: start.line,
        column: start.character,
        end_line: end.line,
        end_column: end.character,
    }
}

pub fn print_json(report: &Report, out: &mut impl Write) -> Result<()> {
    let mut diagnostics = Vec::new();
    for (path, diags) in &report.files {
        let Some(doc) = report.source(path) else { continue };
        for d in diags {
            diagnostics.push(JsonDiagnostic {
                location: location(path, doc, &d.range),
                severity: d.severity,
                code: d.code,
                message: d.message.clone(),
                related: d
                    .related
                    .iter()
                    .filter_map(|r| {
                        let other = report.source(&r.path)?;
                        Some(JsonRelated { location: location(&r.path, other, &r.range), message: r.message.clone() })
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
