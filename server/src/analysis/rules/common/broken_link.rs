//! `broken-link`: a relative link to a file or heading that does not exist.
//!
//! Links, images and link reference definitions are checked (a reference link is checked through
//! its definition). External destinations (any scheme: `http:`, `mailto:`, …, and `//host`) are
//! left alone. A relative path resolves against the document's folder, a `/path` against its
//! workspace root; a target outside every workspace root is reported without touching the disk.
//! A Markdown target in the index exists without a file-system call; any other target is checked
//! with one `exists()` inside the workspace. An anchor (`#section`, or `file.md#section`) must be
//! the GitHub slug of a heading of the target (lowercase, spaces to hyphens, punctuation other than
//! `-` and `_` dropped, repeats suffixed `-1`, `-2`) or an HTML `id`/`name` in it; anchors into
//! files that are not indexed Markdown are not checked.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use crate::analysis::diagnostics::Severity;
use crate::analysis::index::IndexedDoc;
use crate::analysis::links::{deepest_root, is_external, normalize, percent_decode};
use crate::analysis::rules::{Context, Emitter, Rule};
use crate::model::LinkKind;

pub const RULE: Rule = Rule {
    code: "broken-link",
    severity: Severity::Warning,
    summary: "a relative link to a file or heading that does not exist",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    let model = &cx.doc.model;
    if model.links.is_empty() {
        return;
    }
    let index = cx.index;
    let root = deepest_root(index.roots(), &model.path);
    // Heading anchors per target document, computed when first needed.
    let mut anchors: HashMap<PathBuf, Anchors> = HashMap::new();
    for link in model.links.iter().filter(|l| l.kind != LinkKind::Reference) {
        let destination = link.destination.trim();
        if destination.is_empty() || is_external(destination) {
            continue;
        }
        let (path_part, fragment) = match destination.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (destination, None),
        };
        let (path_part, query) = match path_part.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path_part, None),
        };
        let range = link.destination_range.clone();
        if path_part.is_empty() {
            if let Some(fragment) = fragment.filter(|f| !f.is_empty())
                && !has_anchor(cx.doc, &mut anchors, fragment)
            {
                out.emit(range, format!("This document has no heading with the anchor `#{fragment}`; fix the link"));
            }
            continue;
        }
        let decoded = percent_decode(path_part);
        let base = if decoded.starts_with('/') { root } else { model.path.parent() };
        let Some(base) = base else { continue };
        let target = normalize(&base.join(decoded.trim_start_matches('/')));
        let Some(target) = target.filter(|t| index.roots().iter().any(|r| t.starts_with(r))) else {
            // Only links from inside the workspace are judged; the disk outside it is never read.
            if root.is_some() {
                out.emit(
                    range,
                    format!("`{path_part}` points outside the workspace (above its root folder); fix the link"),
                );
            }
            continue;
        };
        let indexed = index.doc(&target);
        if indexed.is_none() && !target.exists() {
            out.emit(range, format!("No file `{path_part}` exists; fix the path or create the file"));
            continue;
        }
        if let (Some(doc), Some(fragment)) = (indexed, fragment.filter(|f| !f.is_empty()))
            && !query.is_some_and(|q| q.contains("plain=1"))
            && !has_anchor(doc, &mut anchors, fragment)
        {
            out.emit(range, format!("`{path_part}` has no heading with the anchor `#{fragment}`; fix the link"));
        }
    }
}

/// The anchors a document offers: its headings' (lowercase) and its HTML `id`s and `name`s.
struct Anchors {
    headings: HashSet<String>,
    html: HashSet<String>,
}

/// Whether `doc` has a heading whose anchor is `fragment`, or an HTML `id`/`name` equal to it.
fn has_anchor(doc: &IndexedDoc, cache: &mut HashMap<PathBuf, Anchors>, fragment: &str) -> bool {
    let anchors = cache
        .entry(doc.model.path.clone())
        .or_insert_with(|| Anchors { headings: heading_anchors(doc).into_iter().collect(), html: html_ids(&doc.text) });
    let decoded = percent_decode(fragment);
    anchors.html.contains(&decoded) || anchors.headings.contains(&decoded.to_lowercase())
}

/// Values of `id="…"` and `name="…"` attributes (either quote), read in one pass.
fn html_ids(text: &str) -> HashSet<String> {
    let mut ids = HashSet::new();
    for (at, _) in text.match_indices('=') {
        let before = text[..at].trim_end();
        if !(before.ends_with("id") || before.ends_with("name")) {
            continue;
        }
        let after = text[at + 1..].trim_start();
        let Some(quote) = after.chars().next().filter(|c| matches!(c, '"' | '\'')) else { continue };
        // Bounded, so unclosed quotes cost linear time.
        if let Some(end) = after[1..].bytes().take(256).position(|b| b == quote as u8) {
            ids.insert(after[1..1 + end].to_string());
        }
    }
    ids
}

/// The anchors GitHub gives a document's headings, plus, for headings with `_emphasis_`, the
/// anchor of the rendered text (the emphasis underscores dropped).
fn heading_anchors(doc: &IndexedDoc) -> Vec<String> {
    let mut slugger = Slugger::default();
    let mut anchors = Vec::with_capacity(doc.model.sections.len());
    for section in &doc.model.sections {
        let text = rendered_heading(&doc.text[section.heading.clone()]);
        anchors.push(slugger.slug(&text));
        let plain: Vec<&str> = text.split(' ').map(|w| w.trim_matches('_')).collect();
        let plain = plain.join(" ");
        if plain != text {
            anchors.push(slug(&plain));
        }
    }
    anchors
}

/// The text of a heading as rendered: markers, link destinations and HTML tags removed.
fn rendered_heading(raw: &str) -> String {
    let raw = raw.trim();
    let content = if raw.starts_with('#') {
        let rest = raw.trim_start_matches('#');
        let rest = rest.trim();
        // A closing sequence of `#`s, preceded by a space, is not part of the text.
        let stripped = rest.trim_end_matches('#');
        if stripped.len() < rest.len() && (stripped.is_empty() || stripped.ends_with([' ', '\t'])) {
            stripped.trim_end().to_string()
        } else {
            rest.to_string()
        }
    } else {
        // Setext: every line but the underline.
        let mut lines: Vec<&str> = raw.lines().collect();
        lines.pop();
        lines.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ")
    };
    let mut out = String::with_capacity(content.len());
    let mut rest = content.as_str();
    while let Some(i) = rest.find(['<', ']']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(tag) = tail.strip_prefix('<') {
            match tag.find('>') {
                Some(end) if tag.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!') => {
                    rest = &tag[end + 1..];
                }
                _ => {
                    out.push('<');
                    rest = tag;
                }
            }
        } else if let Some(dest) = tail.strip_prefix("](") {
            // `[text](destination)`: keep the text, drop the destination.
            match dest.find(')') {
                Some(end) => rest = &dest[end + 1..],
                None => {
                    out.push(']');
                    rest = &tail[1..];
                }
            }
        } else {
            out.push(']');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// github-slugger: lowercase, drop punctuation and symbols except `-` and `_`, spaces to hyphens.
fn slug(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .filter(|&c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// Slugs of one document, repeats suffixed `-1`, `-2`, … as GitHub does.
#[derive(Default)]
struct Slugger {
    occurrences: HashMap<String, usize>,
}

impl Slugger {
    fn slug(&mut self, text: &str) -> String {
        let original = slug(text);
        let mut result = original.clone();
        while self.occurrences.contains_key(&result) {
            let count = self.occurrences.entry(original.clone()).or_insert(0);
            *count += 1;
            result = format!("{original}-{count}");
        }
        self.occurrences.insert(result.clone(), 0);
        result
    }
}

/// Verifies specs/001-core-engine/spec.md FR-010, FR-021.
/// Verifies 002-diagnostics/FR-006 (the cross-format rules).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::rules::check_files;

    fn broken(files: &[(&str, &str)]) -> Vec<String> {
        check_files(files).into_iter().filter(|d| d.contains("broken-link")).collect()
    }

    #[test]
    fn github_slugs() {
        let mut s = Slugger::default();
        assert_eq!(s.slug("User Scenarios & Testing (mandatory)"), "user-scenarios--testing-mandatory");
        assert_eq!(s.slug("Phase 3: User Story 1 - Sign in 🎯 MVP"), "phase-3-user-story-1---sign-in--mvp");
        assert_eq!(s.slug("snake_case and `code`"), "snake_case-and-code");
        assert_eq!(s.slug("Notes"), "notes");
        assert_eq!(s.slug("Notes"), "notes-1");
        assert_eq!(s.slug("Notes"), "notes-2");
        assert_eq!(s.slug("Notes 1"), "notes-1-1");
        assert_eq!(s.slug("Café déjà vu?"), "café-déjà-vu");
        assert_eq!(rendered_heading("## See [the docs](a.md#x) <span>now</span> ##"), "See [the docs now");
        assert_eq!(rendered_heading("Title\n====="), "Title");
    }

    const SPEC: &str =
        "# Feature Specification: A\n\n## User Scenarios & Testing *(mandatory)*\n\n## Notes\n\n## Notes\n";

    #[test]
    fn links_to_missing_files_and_headings_are_reported() {
        let plan = "# Implementation Plan: A\n\n**Spec**: [spec](spec.md) · [scenarios](./spec.md#user-scenarios--testing-mandatory) · [second notes](spec.md#notes-1)\n\nSee [missing](research.md), [bad anchor](spec.md#requirements), [up](../../../etc/passwd), [root](/README.md), [self](#summary), [nowhere](#nope), [ext](https://example.com/x.md), [mail](mailto:a@b.c), [img ok](<spec.md>) ![pic](img/x.png) and [ref][r].\n\n## Summary\n\nCode `[x](gone.md)` is no link.\n\n```\n[y](gone.md)\n```\n\n<!-- [z](gone.md) -->\n\n[r]: missing%20file.md\n";
        let found = broken(&[("specs/001-a/spec.md", SPEC), ("specs/001-a/plan.md", plan), ("README.md", "# R\n")]);
        let found: Vec<&str> = found.iter().map(|d| d.as_str()).collect();
        assert_eq!(
            found,
            vec![
                "specs/001-a/plan.md:5:15 broken-link No file `research.md` exists; fix the path or create the file",
                "specs/001-a/plan.md:5:42 broken-link `spec.md` has no heading with the anchor `#requirements`; fix the link",
                "specs/001-a/plan.md:5:70 broken-link `../../../etc/passwd` points outside the workspace (above its root folder); fix the link",
                "specs/001-a/plan.md:5:140 broken-link This document has no heading with the anchor `#nope`; fix the link",
                "specs/001-a/plan.md:5:230 broken-link No file `img/x.png` exists; fix the path or create the file",
                "specs/001-a/plan.md:17:6 broken-link No file `missing%20file.md` exists; fix the path or create the file",
            ]
        );
    }

    #[test]
    fn html_anchors_count_and_files_on_disk_are_found() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().canonicalize().expect("canonical");
        std::fs::write(root.join("logo.png"), b"png").expect("write");
        let grammar = crate::model::Grammar::builtin();
        let mut index = crate::analysis::WorkspaceIndex::new(grammar.clone(), vec![root.clone()]);
        let text = "# Doc\n\n<a id=\"custom\"></a> <a name='old'></a>\n\n![logo](logo.png) [c](#custom) [o](#old) [d](gone.png)\n";
        let path = root.join("doc.md");
        let model = crate::model::from_text(&grammar, &path, "doc.md", text);
        index.upsert(IndexedDoc::new(model, std::sync::Arc::from(text)));
        let found: Vec<String> = crate::analysis::diagnostics(&index, &path).into_iter().map(|d| d.message).collect();
        assert_eq!(found, vec!["No file `gone.png` exists; fix the path or create the file"]);
    }
}
