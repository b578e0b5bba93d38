//! `specls trace`: the trace matrix (`analysis/trace.rs`) as Markdown, JSON or one
//! self-contained HTML page, and a gate that fails on rows in chosen states.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::analysis::trace::{self, RowState, Trace};

use super::check::index_paths;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Markdown,
    /// The shape of `docs/trace.schema.json`.
    Json,
    /// One page with its CSS, script and data inline: sortable, filterable, coloured by state.
    Html,
}

/// The page around the data: `/*TRACE_DATA*/` is replaced by the trace as JSON.
const PAGE: &str = include_str!("trace.html");

/// The trace of the spec documents under `paths`, with the code index and `junit` results.
/// Only rows of the given kinds are kept, when kinds are given.
pub fn build(paths: &[PathBuf], junit: &[PathBuf], kinds: &[String]) -> Result<Trace> {
    let indexed = index_paths(paths, junit, true)?;
    let under: Vec<&Path> = indexed.targets.iter().map(PathBuf::as_path).collect();
    let mut trace = trace::trace(&indexed.index, &under);
    if !kinds.is_empty() {
        for feature in &mut trace.features {
            feature.rows.retain(|r| kinds.contains(&r.kind));
        }
        trace.features.retain(|f| !f.rows.is_empty());
        trace.summary = trace::summarise(&trace.features);
    }
    Ok(trace)
}

pub fn render(trace: &Trace, format: Format) -> Result<String> {
    Ok(match format {
        Format::Markdown => trace::markdown(trace),
        Format::Json => serde_json::to_string_pretty(trace).context("cannot serialise the trace")? + "\n",
        Format::Html => html(trace)?,
    })
}

/// The HTML page. The data sits in a `<script type="application/json">`: every `<` (only ever
/// inside JSON strings) is escaped, so no title can close the script or open a comment in it.
pub fn html(trace: &Trace) -> Result<String> {
    let data = serde_json::to_string(trace).context("cannot serialise the trace")?.replace('<', "\\u003c");
    Ok(PAGE.replace("/*TRACE_DATA*/", &data))
}

/// Write the trace to a file or stdout; then the rows in a `fail_on` state go to stderr, and
/// the exit code says whether there were any.
pub fn run(
    paths: &[PathBuf],
    junit: &[PathBuf],
    kinds: &[String],
    format: Format,
    output: Option<&Path>,
    fail_on: &[RowState],
) -> Result<bool> {
    let trace = build(paths, junit, kinds)?;
    let text = render(&trace, format)?;
    match output {
        Some(path) => std::fs::write(path, &text).with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout().lock().write_all(text.as_bytes()).context("cannot write the trace")?,
    }
    let offending: Vec<String> = trace
        .features
        .iter()
        .flat_map(|f| &f.rows)
        .filter(|r| fail_on.contains(&r.state))
        .map(|r| format!("{}:{}: {} is {}", r.path, r.line, r.key, r.state.as_str()))
        .collect();
    let mut err = std::io::stderr().lock();
    for line in &offending {
        writeln!(err, "{line}")?;
    }
    if !offending.is_empty() {
        writeln!(err, "specls: {} clauses in a state that fails the trace", offending.len())?;
    }
    Ok(offending.is_empty())
}

/// Verifies specs/005-test-results/spec.md FR-020.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::trace::{Feature, Row, Summary};

    #[test]
    fn titles_cannot_close_the_data_script() {
        let row = Row {
            key: "FR-001".into(),
            kind: "requirement".into(),
            title: "</script><!-- <b>".into(),
            path: "specs/001-a/spec.md".into(),
            line: 3,
            state: RowState::Untested,
            stale: false,
            tasks: Vec::new(),
            code: Vec::new(),
            tests: Vec::new(),
        };
        let trace = Trace {
            results: Vec::new(),
            summary: Summary::default(),
            features: vec![Feature { scope: "specs/001-a".into(), rows: vec![row] }],
        };
        let page = html(&trace).expect("renders");
        assert_eq!(page.matches("</script>").count(), PAGE.matches("</script>").count());
        assert!(page.contains(r"\u003c/script>\u003c!-- \u003cb>"), "{page}");
    }
}
