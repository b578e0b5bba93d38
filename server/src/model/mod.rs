//! The spec model: plain data about one document (its kind, sections, clauses, references,
//! markers), derived from the syntax layer and the formats in `grammar/`.

mod build;
pub mod code;
mod detect;
pub mod grammar;
pub mod results;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use build::{ModelCache, build, build_chunked};
pub use code::{CodeGrammar, build_code};
pub use detect::detect_kind;
pub use grammar::{Grammar, KindId, NamespaceId};

/// A heading and the section it opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub title: String,
    pub level: u8,
    pub heading: Range<usize>,
    pub range: Range<usize>,
    pub parent: Option<usize>,
}

/// Anything with a key: a requirement, success criterion, story, scenario, task, principle,
/// checklist item, Kiro criterion, OpenSpec requirement or scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clause {
    /// The key as references spell it (`FR-001`, `US1`, `2.3`, a requirement name). Shared: an
    /// open document's next build takes it over from the chunks' kept facts instead of copying it.
    pub id: Arc<str>,
    /// From the grammar: `requirement`, `task`, `user-story`, ….
    pub kind: ClauseKind,
    pub namespace: NamespaceId,
    /// Read with [`Clause::title_in`].
    pub title: Title,
    /// Where the key is written (for a computed key, the item's list marker line).
    pub id_range: Range<usize>,
    /// The whole clause: its list item, table row or section.
    pub range: Range<usize>,
    /// Defined for the whole workspace rather than its feature scope.
    pub global: bool,
    /// Index of the enclosing clause in [`DocModel::clauses`].
    pub parent: Option<u32>,
}

/// Where a clause's title is. Most are written on the clause's own line and are read in the
/// document's text when asked for rather than copied: a workspace holds tens of thousands of
/// clauses, and their titles took as much memory as the text of the specs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Title {
    /// These bytes of the document's text.
    Text(Range<usize>),
    /// A title that is not the text as written: a heading's, annotations taken off.
    Owned(Arc<str>),
    /// None is written: the key stands for it.
    Key,
}

impl Clause {
    /// The title, read in `text`, the text of the document that holds the clause.
    pub fn title_in<'a>(&'a self, text: &'a str) -> &'a str {
        match &self.title {
            Title::Text(range) => text.get(range.clone()).unwrap_or_default(),
            Title::Owned(title) => title,
            Title::Key => &self.id,
        }
    }
}

/// Most distinct keys a thread keeps shared copies of before it starts its table again.
const SHARED_KEYS: usize = 4096;

/// A key as a shared string: the same copy each time this thread asks for the same key. A
/// workspace writes a few hundred distinct keys tens of thousands of times (`FR-001` in every
/// feature, `US1` on every task of a story), and a copy of each cost the cold index of 2,000 specs
/// about 5 MB. The table is the thread's own, so threads never wait on each other, and is started
/// again once it holds [`SHARED_KEYS`] keys; sharing changes no key's text, only how many copies
/// of it are kept.
pub(crate) fn shared_key(key: &str) -> Arc<str> {
    thread_local! {
        static KEYS: std::cell::RefCell<foldhash::HashSet<Arc<str>>> = Default::default();
    }
    KEYS.with_borrow_mut(|keys| {
        if let Some(shared) = keys.get(key) {
            return shared.clone();
        }
        if keys.len() >= SHARED_KEYS {
            keys.clear();
        }
        let shared: Arc<str> = Arc::from(key);
        keys.insert(shared.clone());
        shared
    })
}

/// A clause kind's name from the grammar (`requirement`, `task`, …), shared by every clause of
/// that kind: a workspace has tens of thousands of clauses and a handful of kinds.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ClauseKind(Arc<str>);

impl ClauseKind {
    pub fn new(name: &str) -> Self {
        ClauseKind(Arc::from(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for ClauseKind {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for ClauseKind {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for ClauseKind {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

/// Printed as the name alone, as a string would be.
impl std::fmt::Debug for ClauseKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

impl std::fmt::Display for ClauseKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a mention says about the clause it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// A spec document cites it (a task's `per FR-001`, `_Requirements: 1.2_`).
    Cites,
    /// Code implements it.
    Implements,
    /// A test verifies it.
    Verifies,
}

/// A mention of a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// Shared with the chunk it was found in, so a build takes it over instead of copying it.
    pub id: Arc<str>,
    pub namespace: NamespaceId,
    pub range: Range<usize>,
    pub role: Role,
    /// The feature folder name the mention is pinned to (`specs/002-billing/…` nearby, or a
    /// qualifier such as `002-billing/FR-001`), resolved there instead of the document's scope.
    pub pin: Option<Box<str>>,
    /// In code, where the function the mention belongs to starts (a test's doc comment and its
    /// name are one test): coverage counts a function once.
    pub unit: Option<usize>,
}

/// A marker left in the text, such as `[NEEDS CLARIFICATION: …]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    /// The grammar's name for it, shared by every marker of its rule.
    pub kind: Arc<str>,
    pub range: Range<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// `[text](destination)`.
    Inline,
    /// `![alt](destination)`.
    Image,
    /// `[label]: destination`, a link reference definition.
    Definition,
    /// A file path written as text (a spec path in a code comment).
    Path,
    /// `[text][label]`, `[label][]` or `[label]` whose label has a definition in the document.
    Reference,
}

/// A link with a destination (links to nowhere, `[text]()`, are left out).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub kind: LinkKind,
    /// The link text, image description or definition label, without its brackets.
    pub text: Range<usize>,
    /// The destination, angle brackets and backslash escapes removed (still percent-encoded).
    pub destination: String,
    /// Where the destination is written; for a reference link, in its definition.
    pub destination_range: Range<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FoldKind {
    Section,
    List,
    Code,
    Comment,
    FrontMatter,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fold {
    pub range: Range<usize>,
    pub kind: FoldKind,
}

/// Everything specls knows about one document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocModel {
    pub path: PathBuf,
    pub kind: KindId,
    /// The feature folder the document belongs to, if its kind has one.
    pub scope: Option<PathBuf>,
    pub sections: Vec<Section>,
    pub clauses: Vec<Clause>,
    pub references: Vec<Reference>,
    pub markers: Vec<Marker>,
    /// Links and images in document order, then the link reference definitions.
    pub links: Vec<Link>,
    /// Byte ranges no rule may read, sorted and disjoint: code (fenced, indented, spans), HTML
    /// (blocks, comments, inline tags), front matter, link destinations and autolinks.
    pub masked: Vec<Range<usize>>,
    pub folds: Vec<Fold>,
    /// Length of the analysed text, for clamping.
    pub len: usize,
}

impl DocModel {
    /// A model with nothing found yet.
    pub fn empty(path: &Path, kind: KindId, scope: Option<PathBuf>, len: usize) -> DocModel {
        DocModel {
            path: path.to_path_buf(),
            kind,
            scope,
            sections: Vec::new(),
            clauses: Vec::new(),
            references: Vec::new(),
            markers: Vec::new(),
            links: Vec::new(),
            masked: Vec::new(),
            folds: Vec::new(),
            len,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Drop the lists' spare capacity once the model is built: the index keeps thousands of
    /// models, and lists grown by doubling are up to half empty.
    pub fn shrink(&mut self) {
        self.sections.shrink_to_fit();
        self.clauses.shrink_to_fit();
        self.references.shrink_to_fit();
        self.markers.shrink_to_fit();
        self.links.shrink_to_fit();
        self.masked.shrink_to_fit();
        self.folds.shrink_to_fit();
    }

    /// The clause at a byte offset whose key is under the cursor.
    pub fn clause_at(&self, offset: usize) -> Option<&Clause> {
        self.clauses.iter().find(|c| c.id_range.start <= offset && offset <= c.id_range.end)
    }

    /// The reference under a byte offset.
    pub fn reference_at(&self, offset: usize) -> Option<&Reference> {
        self.references.iter().find(|r| r.range.start <= offset && offset <= r.range.end)
    }

    /// The parts of `range` outside [`DocModel::masked`], in order.
    pub fn unmasked(&self, range: Range<usize>) -> impl Iterator<Item = Range<usize>> + '_ {
        let first = self.masked.partition_point(|m| m.end <= range.start);
        let mut at = range.start;
        let mut masks = self.masked[first..].iter();
        let end = range.end;
        std::iter::from_fn(move || {
            while at < end {
                match masks.next() {
                    Some(m) if m.start < end => {
                        let piece = at..m.start.max(at);
                        at = at.max(m.end);
                        if !piece.is_empty() {
                            return Some(piece);
                        }
                    }
                    _ => {
                        let piece = at..end;
                        at = end;
                        return Some(piece);
                    }
                }
            }
            None
        })
    }

    /// Whether any byte of `range` is masked.
    pub fn is_masked(&self, range: &Range<usize>) -> bool {
        let i = self.masked.partition_point(|m| m.end <= range.start);
        self.masked.get(i).is_some_and(|m| m.start < range.end.max(range.start + 1))
    }
}

/// Strip what templates append to headings: `*(mandatory)*`, trailing `#`s, emoji and spaces.
pub fn normalize_heading(raw: &str) -> String {
    let mut title = raw.trim();
    title = title.trim_end_matches('#').trim_end();
    // Most headings have no annotation: one allocation, of the title's own size.
    if !title.contains("*(") {
        return title.to_string();
    }
    let mut out = String::with_capacity(title.len());
    let mut rest = title;
    while let Some(start) = rest.find("*(") {
        out.push_str(&rest[..start]);
        match rest[start..].find(")*") {
            Some(end) => rest = &rest[start + end + 2..],
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out.trim().to_string()
}

/// The model of any indexed file: a source file's mentions when a code language claims it,
/// else the Markdown model.
pub fn model_file(grammar: &Grammar, path: &Path, relative: &str, text: &str) -> DocModel {
    match build_code(&grammar.code, grammar.code_kind, path, relative, text, None) {
        Some(model) => model,
        None => from_text(grammar, path, relative, text),
    }
}

/// Parse `text` from scratch and build its model (the CLI and the workspace walk use this).
/// The fast outline gives tree-sitter's outline at a fraction of the cost, so cold scans try it
/// first; it declines what it does not know and tree-sitter parses those documents.
pub fn from_text(grammar: &Grammar, path: &Path, relative: &str, text: &str) -> DocModel {
    let outline = crate::syntax::fast_outline(text).unwrap_or_else(|| {
        let tree = crate::syntax::parse_blocks(&ropey::Rope::from_str(text), None);
        crate::syntax::outline(&tree, text.len())
    });
    build(grammar, path, relative, text, &outline)
}

/// Verifies specs/001-core-engine/spec.md FR-007.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_collected_with_their_destinations() {
        let text = "# See [intro](#intro) and `[c](code.md)`\n\nRead [spec](spec.md \"t\"), ![pic](<a b.png>), [the plan][plan], [Plan] and [none].\n\n```\n[x](fenced.md)\n```\n\n<!-- [y](comment.md) -->\n\n[plan]: ./plan.md#summary\n";
        let model = from_text(&Grammar::builtin(), Path::new("/ws/x.md"), "x.md", text);
        let links: Vec<(LinkKind, &str, &str, &str)> = model
            .links
            .iter()
            .map(|l| (l.kind, &text[l.text.clone()], l.destination.as_str(), &text[l.destination_range.clone()]))
            .collect();
        assert_eq!(
            links,
            vec![
                (LinkKind::Inline, "intro", "#intro", "#intro"),
                (LinkKind::Inline, "spec", "spec.md", "spec.md"),
                (LinkKind::Image, "pic", "a b.png", "<a b.png>"),
                (LinkKind::Reference, "the plan", "./plan.md#summary", "./plan.md#summary"),
                (LinkKind::Reference, "Plan", "./plan.md#summary", "./plan.md#summary"),
                (LinkKind::Definition, "plan", "./plan.md#summary", "./plan.md#summary"),
            ]
        );
        // Code spans in headings are masked like any other.
        assert!(model.is_masked(&(text.find("[c]").unwrap()..text.find("[c]").unwrap() + 1)));
        assert!(model.is_masked(&(text.find("./plan").unwrap()..text.find("./plan").unwrap() + 1)));
    }

    #[test]
    fn unmasked_splits_a_range_around_masks() {
        let text = "a `b` c <!-- d --> e";
        let model = from_text(&Grammar::builtin(), Path::new("/ws/x.md"), "x.md", text);
        let parts: Vec<&str> = model.unmasked(0..text.len()).map(|r| &text[r]).collect();
        assert_eq!(parts, vec!["a ", " c ", " e"]);
        let parts: Vec<&str> = model.unmasked(3..text.len() - 1).map(|r| &text[r]).collect();
        assert_eq!(parts, vec![" c ", " "]);
        assert!(model.is_masked(&(3..4)));
        assert!(!model.is_masked(&(0..2)));
    }

    #[test]
    fn heading_annotations_are_stripped() {
        assert_eq!(normalize_heading(" Requirements *(mandatory)* "), "Requirements");
        assert_eq!(normalize_heading("Key Entities *(include if feature involves data)*"), "Key Entities");
        assert_eq!(normalize_heading("Overview ##"), "Overview");
        assert_eq!(normalize_heading("Odd *(unclosed"), "Odd *(unclosed");
    }

    #[test]
    fn a_key_written_many_times_is_one_shared_copy() {
        let text = "# Tasks\n\n- [ ] T001 [US1] Create FR-001\n- [ ] T002 [US1] Test FR-001\n";
        let model = from_text(&Grammar::builtin(), Path::new("/ws/specs/001-a/tasks.md"), "specs/001-a/tasks.md", text);
        let copies: Vec<&Arc<str>> = model.references.iter().filter(|r| &*r.id == "FR-001").map(|r| &r.id).collect();
        assert_eq!(copies.len(), 2);
        assert!(Arc::ptr_eq(copies[0], copies[1]));
        // Past the table's size it starts again: the same text, another copy.
        let first = shared_key("FR-999");
        for n in 0..SHARED_KEYS {
            shared_key(&format!("K-{n}"));
        }
        let again = shared_key("FR-999");
        assert_eq!((&*first, &*again), ("FR-999", "FR-999"));
        assert!(!Arc::ptr_eq(&first, &again));
    }
}
