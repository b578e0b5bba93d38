//! Document links: file paths written in spec documents (`src/models/user.py` in a task, in prose
//! or in a code span), Markdown links to files, and spec paths in code comments. A path becomes a
//! link only when it names something that exists inside a workspace root; whether it exists is
//! asked of the caller, so this module never reads the disk.

use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use crate::model::{DocModel, LinkKind};

use super::index::WorkspaceIndex;

/// A link from a range of a document to a file or folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentLink {
    pub range: Range<usize>,
    pub target: PathBuf,
}

/// The links of an indexed document, in document order. `exists` says whether a path inside the
/// workspace names a file or folder.
pub fn document_links(index: &WorkspaceIndex, path: &Path, exists: &dyn Fn(&Path) -> bool) -> Vec<DocumentLink> {
    let Some(doc) = index.doc(path) else { return Vec::new() };
    let roots = index.roots();
    let root = deepest_root(roots, path);
    let folder = path.parent();
    let resolve = |written: &str, bases: &[Option<&Path>]| -> Option<PathBuf> {
        bases
            .iter()
            .flatten()
            .filter_map(|base| normalize(&base.join(written)))
            .find(|candidate| roots.iter().any(|root| candidate.starts_with(root)) && exists(candidate))
    };
    let model = &doc.model;
    let mut links = Vec::new();
    for link in &model.links {
        let (range, target) = match link.kind {
            // A spec path in a code comment names a file from the workspace root, at times from
            // the file's own folder.
            LinkKind::Path => (link.destination_range.clone(), resolve(&link.destination, &[root, folder])),
            kind => {
                let Some(written) = file_destination(&link.destination) else { continue };
                let target = match written.strip_prefix('/') {
                    Some(from_root) => resolve(from_root, &[root]),
                    None => resolve(&written, &[folder]),
                };
                // A reference link's destination is written in its definition, linked there.
                let range =
                    if kind == LinkKind::Reference { link.text.clone() } else { link.destination_range.clone() };
                (range, target)
            }
        };
        if let Some(target) = target {
            links.push(DocumentLink { range, target });
        }
    }
    if model.kind != index.grammar.code_kind {
        let pattern = index.grammar.code.file_path();
        let texts: Vec<&Range<usize>> = model
            .links
            .iter()
            .filter(|l| matches!(l.kind, LinkKind::Inline | LinkKind::Image | LinkKind::Reference))
            .map(|l| &l.text)
            .collect();
        for part in readable(model, &doc.text) {
            for caps in pattern.captures_iter(&doc.text[part.clone()]) {
                let Some(written) = caps.name("path") else { continue };
                let range = part.start + written.start()..part.start + written.end();
                // The text of a Markdown link is linked by its destination already.
                if texts.iter().any(|t| t.start < range.end && range.start < t.end) {
                    continue;
                }
                if let Some(target) = resolve(written.as_str(), &[root, folder]) {
                    links.push(DocumentLink { range, target });
                }
            }
        }
    }
    links.sort_by_key(|l| (l.range.start, l.range.end));
    links.dedup_by(|a, b| a.range == b.range);
    links
}

/// Whether a path lies inside one of the roots once its `.` and `..` are resolved.
pub fn within_roots(roots: &[PathBuf], path: &Path) -> bool {
    normalize(path).is_some_and(|path| roots.iter().any(|root| path.starts_with(root)))
}

/// `scheme:` (http, https, mailto, file, a drive letter, …) or `//host`.
pub(crate) fn is_external(destination: &str) -> bool {
    if destination.starts_with("//") {
        return true;
    }
    let Some(colon) = destination.find(':') else { return false };
    let scheme = &destination[..colon];
    scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// The deepest workspace root that holds a path.
pub(crate) fn deepest_root<'r>(roots: &'r [PathBuf], path: &Path) -> Option<&'r Path> {
    roots.iter().filter(|r| path.starts_with(r)).max_by_key(|r| r.components().count()).map(PathBuf::as_path)
}

/// Resolve `.` and `..` without touching the disk; `None` when `..` climbs above the root.
pub(crate) fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    return None;
                }
                out.pop();
            }
            other => out.push(other),
        }
    }
    Some(out)
}

/// A percent-encoded destination as a path (unchanged when it does not decode to UTF-8).
pub(crate) fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (bytes.get(i + 1).and_then(|&b| hex(b)), bytes.get(i + 2).and_then(|&b| hex(b)))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// Where a Markdown document may name a path: outside masks, and in code spans (paths are often
/// written as `src/lib.rs`); never in code blocks, HTML, front matter or link destinations.
fn readable(model: &DocModel, text: &str) -> Vec<Range<usize>> {
    let mut parts: Vec<Range<usize>> = model.unmasked(0..text.len()).collect();
    parts.extend(model.masked.iter().filter(|m| is_code_span(&text[(*m).clone()])).cloned());
    parts
}

/// A mask that is a code span: one line between backticks (blocks span lines).
fn is_code_span(masked: &str) -> bool {
    masked.len() >= 2 && masked.starts_with('`') && masked.ends_with('`') && !masked.contains(['\n', '\r'])
}

/// The file a Markdown link destination names, percent-decoded and without its fragment or query;
/// `None` for URLs (`https:`, `mailto:`, `//host`) and links within the document (`#section`).
fn file_destination(destination: &str) -> Option<String> {
    let destination = destination.trim();
    let path = &destination[..destination.find(['#', '?']).unwrap_or(destination.len())];
    (!path.is_empty() && !is_external(path)).then(|| percent_decode(path))
}

/// Verifies specs/003-navigation/spec.md FR-011, FR-017.
#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::analysis::index::test_workspace as workspace;

    /// `written text -> target` of each link, with these files (and their folders) on disk.
    fn links(index: &WorkspaceIndex, relative: &str, on_disk: &[&str]) -> Vec<(String, String)> {
        let mut existing: HashSet<PathBuf> = HashSet::new();
        for file in on_disk {
            let mut path = Path::new("/ws").join(file);
            existing.insert(path.clone());
            while path.pop() {
                existing.insert(path.clone());
            }
        }
        let path = Path::new("/ws").join(relative);
        let text = index.doc(&path).unwrap().text.clone();
        document_links(index, &path, &|p| existing.contains(p))
            .into_iter()
            .map(|l| (text[l.range].to_string(), l.target.display().to_string()))
            .collect()
    }

    fn pair(written: &str, target: &str) -> (String, String) {
        (written.to_string(), target.to_string())
    }

    const TASKS: &str = "# Tasks: A\n\n## Phase 1: Setup\n\n- [ ] T001 Create the model in src/models/user.py\n- [ ] T002 Wire `server/src/lsp/state.rs` and src/missing.py\n- [ ] T003 Read ../../../etc/passwd and ../../README.md\n\n```text\nsrc/models/user.py\n```\n";

    #[test]
    fn paths_in_tasks_link_in_prose_and_code_spans_but_not_in_code_blocks() {
        let index = workspace(&[("specs/001-a/tasks.md", TASKS)]);
        let found =
            links(&index, "specs/001-a/tasks.md", &["src/models/user.py", "server/src/lsp/state.rs", "README.md"]);
        assert_eq!(
            found,
            [
                pair("src/models/user.py", "/ws/src/models/user.py"),
                pair("server/src/lsp/state.rs", "/ws/server/src/lsp/state.rs"),
                pair("../../README.md", "/ws/README.md"),
            ]
        );
    }

    #[test]
    fn a_path_is_read_from_the_root_then_from_the_document_folder() {
        let plan =
            "# Implementation Plan: A\n\nSee contracts/api.md and data-model.md, or specs/001-a/contracts/api.md.\n";
        let index = workspace(&[("specs/001-a/plan.md", plan)]);
        let found = links(&index, "specs/001-a/plan.md", &["specs/001-a/contracts/api.md"]);
        assert_eq!(
            found,
            [
                pair("contracts/api.md", "/ws/specs/001-a/contracts/api.md"),
                pair("specs/001-a/contracts/api.md", "/ws/specs/001-a/contracts/api.md"),
            ]
        );
    }

    #[test]
    fn markdown_links_to_files_link_and_urls_do_not() {
        let readme = "# Read me\n\nSee [the spec](specs/001-a/spec%20v2.md#goals), [site](https://example.com/a/b.md), [top](#read-me), [root](/docs/guide.md), [gone](nope.md) and [plan][p].\n\n[p]: specs/001-a/plan.md\n";
        let index = workspace(&[("README.md", readme)]);
        let found = links(&index, "README.md", &["specs/001-a/spec v2.md", "specs/001-a/plan.md", "docs/guide.md"]);
        assert_eq!(
            found,
            [
                pair("specs/001-a/spec%20v2.md#goals", "/ws/specs/001-a/spec v2.md"),
                pair("/docs/guide.md", "/ws/docs/guide.md"),
                pair("plan", "/ws/specs/001-a/plan.md"),
                pair("specs/001-a/plan.md", "/ws/specs/001-a/plan.md"),
            ]
        );
    }

    #[test]
    fn spec_paths_in_code_comments_link_to_existing_specs() {
        let code = "//! Login for specs/001-a/spec.md and specs/001-a/gone.md\n\n// FR-001\nfn login() {}\n";
        let index = workspace(&[("src/login.rs", code)]);
        let found = links(&index, "src/login.rs", &["specs/001-a/spec.md"]);
        assert_eq!(found, [pair("specs/001-a/spec.md", "/ws/specs/001-a/spec.md")]);
    }

    #[test]
    fn paths_outside_the_roots_never_link() {
        let notes = "# Notes\n\nCompare ../../outside/secret.md and [it](../../outside/secret.md).\n";
        let index = workspace(&[("docs/notes.md", notes)]);
        // Even when the caller would say the file exists.
        let path = Path::new("/ws/docs/notes.md");
        assert_eq!(document_links(&index, path, &|_| true), Vec::new());
        assert!(within_roots(&[PathBuf::from("/ws")], Path::new("/ws/a/../b.md")));
        assert!(!within_roots(&[PathBuf::from("/ws")], Path::new("/ws/a/../../b.md")));
    }

    #[test]
    fn paths_normalise_and_destinations_classify() {
        assert_eq!(normalize(Path::new("/ws/a/../b/./c.md")), Some(PathBuf::from("/ws/b/c.md")));
        assert_eq!(normalize(Path::new("/ws/../../x")), None);
        for external in ["https://x.org", "mailto:a@b.c", "vscode:extension/x", "//cdn.example/x.png", "C:\\x"] {
            assert!(is_external(external), "{external}");
        }
        for relative in ["a.md", "../a.md", "#x", "/docs/a.md", "a.md#b:c"] {
            assert!(!is_external(relative), "{relative}");
        }
        assert_eq!(percent_decode("my%20file.md"), "my file.md");
    }
}
