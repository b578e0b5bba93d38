//! `specls gaps --junit FILE… [PATHS] [--write]`: the Mark-spec-gap edit of every failing clause
//! (the code action's, `analysis::actions::spec_gaps`) as a unified diff, written to the files
//! only with `--write`. The diff printer is small because the edits are: each touches one line.

use std::collections::BTreeMap;
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::analysis::actions::{FileEdit, spec_gaps};

use super::check::run_check;

/// Lines of context around each change.
const CONTEXT: usize = 3;

/// Print the spec-gap edits of `paths` as a diff (and write them with `write`); how many files
/// change.
pub fn run_gaps(paths: &[PathBuf], junit: &[PathBuf], write: bool, out: &mut impl Write) -> Result<usize> {
    anyhow::ensure!(!junit.is_empty(), "specls gaps needs test results: --junit FILE…");
    let report = run_check(paths, junit)?;
    let index = &report.index;
    let mut files: BTreeMap<PathBuf, (Vec<FileEdit>, bool)> = BTreeMap::new();
    for (path, _) in &report.files {
        for action in spec_gaps(index, path) {
            for edit in action.edits {
                let created = action.create.contains(&edit.path);
                let entry = files.entry(edit.path.clone()).or_default();
                entry.1 |= created;
                entry.0.push(edit);
            }
        }
    }
    for (path, (edits, created)) in &files {
        let old =
            if *created { String::new() } else { index.doc(path).map(|d| d.text.to_string()).unwrap_or_default() };
        let new = apply(&old, edits);
        let name = index.relative(path);
        write_diff(out, &name, *created, &old, &new, edits)?;
        if write {
            std::fs::write(path, &new).with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    Ok(files.len())
}

/// Where the command reads paths from when none are given.
pub fn default_paths(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    if paths.is_empty() { vec![Path::new(".").to_path_buf()] } else { paths }
}

fn apply(text: &str, edits: &[FileEdit]) -> String {
    let mut sorted: Vec<&FileEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| std::cmp::Reverse(e.range.start));
    let mut out = text.to_string();
    for edit in sorted {
        out.replace_range(edit.range.clone(), &edit.new_text);
    }
    out
}

/// A unified diff of one file: one hunk per group of changed lines whose contexts touch.
fn write_diff(out: &mut impl Write, name: &str, created: bool, old: &str, new: &str, edits: &[FileEdit]) -> Result<()> {
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let line_of = |at: usize| old[..at].matches('\n').count();
    // Changed old line spans; the line count changes by the edits' added line breaks.
    let mut spans: Vec<(Range<usize>, isize)> = Vec::new();
    let mut sorted: Vec<&FileEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| e.range.start);
    for edit in sorted {
        let first = line_of(edit.range.start);
        let last = line_of(edit.range.end);
        let delta =
            edit.new_text.matches('\n').count() as isize - old[edit.range.clone()].matches('\n').count() as isize;
        match spans.last_mut() {
            Some((span, d)) if first <= span.end + 2 * CONTEXT => {
                span.end = span.end.max(last + 1);
                *d += delta;
            }
            _ => spans.push((first..last + 1, delta)),
        }
    }
    let from = if created { "/dev/null".to_string() } else { format!("a/{name}") };
    writeln!(out, "--- {from}\n+++ b/{name}")?;
    let mut shift: isize = 0;
    for (span, delta) in spans {
        let start = span.start.saturating_sub(CONTEXT);
        let old_end = (span.end + CONTEXT).min(old_lines.len());
        let new_start = (start as isize + shift) as usize;
        let new_end = ((old_end as isize) + shift + delta).max(new_start as isize) as usize;
        let new_end = new_end.min(new_lines.len());
        let (old_count, new_count) = (old_end.saturating_sub(start), new_end - new_start);
        writeln!(
            out,
            "@@ -{},{} +{},{} @@",
            if old_count == 0 { start } else { start + 1 },
            old_count,
            if new_count == 0 { new_start } else { new_start + 1 },
            new_count
        )?;
        // Context lines shared before and after; the middle is removed then added.
        let before = span.start - start;
        let after = old_end.saturating_sub(span.end).min(new_count.saturating_sub(before));
        for line in &old_lines[start..span.start.min(old_end)] {
            writeln!(out, " {line}")?;
        }
        for line in &old_lines[span.start.min(old_end)..old_end - after] {
            writeln!(out, "-{line}")?;
        }
        for line in &new_lines[new_start + before..new_end - after] {
            writeln!(out, "+{line}")?;
        }
        for line in &old_lines[old_end - after..old_end] {
            writeln!(out, " {line}")?;
        }
        shift += delta;
    }
    Ok(())
}

/// Verifies specs/005-test-results/spec.md FR-027.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_line_change_is_a_hunk_with_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let edit = FileEdit { path: PathBuf::from("x.md"), range: 9..9, new_text: " [gap]".into() };
        let new = apply(old, std::slice::from_ref(&edit));
        let mut out = Vec::new();
        write_diff(&mut out, "x.md", false, old, &new, &[edit]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "--- a/x.md\n+++ b/x.md\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+e [gap]\n f\n g\n h\n"
        );
    }

    #[test]
    fn an_appended_line_is_added_after_its_context() {
        let old = "a\nb\n";
        let edit = FileEdit { path: PathBuf::from("x.md"), range: 3..3, new_text: "\nc".into() };
        let new = apply(old, std::slice::from_ref(&edit));
        let mut out = Vec::new();
        write_diff(&mut out, "x.md", false, old, &new, &[edit]).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "--- a/x.md\n+++ b/x.md\n@@ -1,2 +1,3 @@\n a\n-b\n+b\n+c\n");
    }
}
