//! Rename a key everywhere: at its definition and at every mention that names it, in specs, code
//! and tests, each mention rewritten in the spelling it is written in (`FR-003`, `fr_003`,
//! `FR003`, `User Story 3`). A rename that would lose or redirect a mention is refused whole.
//!
//! What a key may look like is the grammar's business: the new key is written into a copy of each
//! changed document, the copy is modelled again, and every rewritten place must read back as the
//! new key.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::model::grammar::{Resolution as Strategy, Uniqueness};
use crate::model::{Clause, DocModel, NamespaceId, Reference, model_file};

use super::index::{ClauseLoc, DocId, ScopeId, WorkspaceIndex};
use super::navigate::{Target, references_to, resolve_ref, target_at};
use super::resolve::Resolution;

/// What a rename at the cursor would change there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Renamable {
    /// The key or mention as written under the cursor.
    pub range: Range<usize>,
    /// The key itself, for the user to edit into the new one.
    pub placeholder: String,
}

/// The edits of one file: byte ranges of its indexed text and their replacements, in order.
pub type FileEdits = (PathBuf, Vec<(Range<usize>, String)>);

/// Why a rename is refused, in words for the user.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RenameError {
    #[error("{kind} {id} is numbered by its position; reorder the list instead of renaming it")]
    Positional { kind: String, id: String },
    #[error("{id} is ambiguous: defined in {places}; rename it at its definition")]
    Ambiguous { id: String, places: String },
    #[error("{id} is not defined anywhere; there is nothing to rename")]
    Undefined { id: String },
    #[error("\"{new}\" is not a {label} key (like {example})")]
    Malformed { new: String, label: String, example: String },
    #[error("{new} is already defined in {place}")]
    Taken { new: String, place: String },
    #[error("{new} is already defined in {place}; the mention at {at} would no longer name {id} alone")]
    Captured { id: String, new: String, place: String, at: String },
    #[error("\"{written}\" at {at} cannot be rewritten as {new}")]
    Unwritable { written: String, new: String, at: String },
    #[error("\"{text}\" at {at} would no longer be read as {new}")]
    Unrecognised { text: String, new: String, at: String },
}

impl RenameError {
    /// Whether the new key is at fault, rather than what the cursor is on.
    pub fn blames_new_key(&self) -> bool {
        !matches!(self, RenameError::Positional { .. } | RenameError::Ambiguous { .. } | RenameError::Undefined { .. })
    }
}

/// Whether a rename can start at `offset`, and what it would change there. `None` when the cursor
/// is on no key.
pub fn prepare_rename(index: &WorkspaceIndex, path: &Path, offset: usize) -> Result<Option<Renamable>, RenameError> {
    let Some(target) = target_at(index, path, offset) else { return Ok(None) };
    let range = match target {
        Target::Clause(loc) => index.clause(&loc).map(|(_, c)| c.id_range.clone()),
        Target::Reference(loc) => index.reference(&loc).map(|(_, m)| m.range.clone()),
    };
    let Some(range) = range else { return Ok(None) };
    let clause = renamed_clause(index, target)?;
    Ok(index.clause(&clause).map(|(_, c)| Renamable { range, placeholder: c.id.to_string() }))
}

/// Rename the key under `offset` (a clause's key, or a mention naming one clause) to `new`: the
/// edits of every file to change, by path. Keys made from the clause's key change with it (a Kiro
/// requirement's criteria `1.2`, a story's scenarios `US3/AC1`). Empty when the cursor is on no
/// key or the key is already `new`.
pub fn rename(index: &WorkspaceIndex, path: &Path, offset: usize, new: &str) -> Result<Vec<FileEdits>, RenameError> {
    let Some(target) = target_at(index, path, offset) else { return Ok(Vec::new()) };
    let root = renamed_clause(index, target)?;
    let Some((root_doc, c)) = index.clause(&root) else { return Ok(Vec::new()) };
    let new = new.trim();
    if new == &*c.id {
        return Ok(Vec::new());
    }
    let malformed = || RenameError::Malformed {
        new: new.to_string(),
        label: index.grammar.namespace(c.namespace).label.clone(),
        example: c.id.to_string(),
    };
    if new.is_empty() || new.contains(['\n', '\r']) {
        return Err(malformed());
    }
    // First the new key where it is defined: the grammar must read it as a key.
    let edit = |clause: &Clause, range: Range<usize>, text: String, new: &str, definition: bool| Edit {
        range,
        text,
        namespace: clause.namespace,
        old: clause.id.to_string(),
        new: new.to_string(),
        definition,
    };
    let key = restyle(&c.id, &root_doc.text[c.id_range.clone()], new).ok_or_else(malformed)?;
    read_back(index, root.doc, &[edit(c, c.id_range.clone(), key, new, true)])
        .map_err(|e| e.unwrap_or_else(malformed))?;
    let mut edits: BTreeMap<DocId, Vec<Edit>> = BTreeMap::new();
    for (loc, new) in family(index, root, new) {
        let Some((doc, clause)) = index.clause(&loc) else { continue };
        if let Some(place) = taken(index, loc, clause, &new) {
            return Err(RenameError::Taken { new, place });
        }
        let written = &doc.text[clause.id_range.clone()];
        // A key computed from the clause's position follows its parent's key by itself.
        if spelling(&clause.id, written).is_some() {
            let Some(text) = restyle(&clause.id, written, &new) else {
                return Err(unwritable(index, loc.doc, written, &new, &clause.id_range));
            };
            edits.entry(loc.doc).or_default().push(edit(clause, clause.id_range.clone(), text, &new, true));
        }
        for mention_loc in references_to(index, loc) {
            let Some((citing, mention)) = index.reference(&mention_loc) else { continue };
            let written = &citing.text[mention.range.clone()];
            let Some(text) = restyle(&clause.id, written, &new) else {
                return Err(unwritable(index, mention_loc.doc, written, &new, &mention.range));
            };
            if !still_names(index, &citing.model, mention, loc, &new) {
                let place = index
                    .definitions(clause.namespace, &new)
                    .first()
                    .map_or_else(String::new, |o| clause_place(index, o));
                let at = place_of(index, mention_loc.doc, mention.range.start);
                return Err(RenameError::Captured { id: clause.id.to_string(), new, place, at });
            }
            edits.entry(mention_loc.doc).or_default().push(edit(clause, mention.range.clone(), text, &new, false));
        }
    }
    let mut out = Vec::with_capacity(edits.len());
    for (id, mut doc_edits) in edits {
        doc_edits.sort_by_key(|e| e.range.start);
        read_back(index, id, &doc_edits).map_err(|e| e.unwrap_or_else(malformed))?;
        out.push((index.path(id).to_path_buf(), doc_edits.into_iter().map(|e| (e.range, e.text)).collect()));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// One replacement in a document, and what it must read back as.
struct Edit {
    range: Range<usize>,
    text: String,
    namespace: NamespaceId,
    /// The key before and after.
    old: String,
    new: String,
    /// A clause's own key (else a mention of it).
    definition: bool,
}

/// The renamed clause and the clauses whose keys are made from its key (`1.2` of requirement `1`,
/// `US3/AC1` of story `US3`), each with its new key.
fn family(index: &WorkspaceIndex, root: ClauseLoc, new: &str) -> Vec<(ClauseLoc, String)> {
    let mut out = vec![(root, new.to_string())];
    let mut next = 0;
    while let Some((parent, parent_new)) = out.get(next).cloned() {
        next += 1;
        let Some((doc, p)) = index.clause(&parent) else { continue };
        for (i, c) in doc.model.clauses.iter().enumerate() {
            if c.parent == Some(parent.index)
                && let Some(rest) = c.id.strip_prefix(&*p.id)
                && rest.starts_with(|ch: char| !ch.is_alphanumeric())
            {
                let loc = ClauseLoc { doc: parent.doc, index: i as u32, scope: parent.scope, global: c.global };
                out.push((loc, format!("{parent_new}{rest}")));
            }
        }
    }
    out
}

fn unwritable(index: &WorkspaceIndex, doc: DocId, written: &str, new: &str, range: &Range<usize>) -> RenameError {
    RenameError::Unwritable {
        written: written.to_string(),
        new: new.to_string(),
        at: place_of(index, doc, range.start),
    }
}

/// The clause a rename at `target` renames, when its key can be renamed at all.
fn renamed_clause(index: &WorkspaceIndex, target: Target) -> Result<ClauseLoc, RenameError> {
    let clause = match target {
        Target::Clause(loc) => loc,
        Target::Reference(loc) => {
            let id = index.reference(&loc).map(|(_, m)| m.id.to_string()).unwrap_or_default();
            match resolve_ref(index, &loc) {
                Resolution::Resolved(clause) => clause,
                Resolution::Ambiguous(candidates) => {
                    return Err(RenameError::Ambiguous { id, places: places(index, &candidates) });
                }
                Resolution::Unresolved => return Err(RenameError::Undefined { id }),
            }
        }
    };
    let Some((doc, c)) = index.clause(&clause) else { return Err(RenameError::Undefined { id: String::new() }) };
    if spelling(&c.id, &doc.text[c.id_range.clone()]).is_none() {
        return Err(RenameError::Positional { kind: c.kind.replace('-', " "), id: c.id.to_string() });
    }
    Ok(clause)
}

/// Where `new` is already defined such that the clause may not take it, by the namespace's
/// uniqueness rule.
fn taken(index: &WorkspaceIndex, loc: ClauseLoc, clause: &Clause, new: &str) -> Option<String> {
    let namespace = clause.namespace;
    let same_doc = |parent_too: bool| {
        let (doc, _) = index.clause(&loc)?;
        doc.model
            .clauses
            .iter()
            .find(|o| o.namespace == namespace && &*o.id == new && (!parent_too || o.parent == clause.parent))
            .map(|o| place_of(index, loc.doc, o.id_range.start))
    };
    match index.grammar.namespace(namespace).unique {
        Uniqueness::Scope => index
            .definitions_in(namespace, loc.scope, new)
            .first()
            .or_else(|| if loc.global { index.definitions(namespace, new).first() } else { None })
            .map(|other| clause_place(index, other)),
        Uniqueness::Document => same_doc(false),
        Uniqueness::Parent => same_doc(true),
        Uniqueness::None => None,
    }
}

/// Whether a mention would still name `clause` alone once the clause's key is `new`: resolution as
/// in [`super::resolve::resolve`], over the definitions of `new` with the renamed clause added.
fn still_names(index: &WorkspaceIndex, from: &DocModel, mention: &Reference, clause: ClauseLoc, new: &str) -> bool {
    let namespace = mention.namespace;
    let in_scope = |scope: ScopeId| {
        let mut found = index.definitions_in(namespace, scope, new).to_vec();
        if clause.scope == scope {
            found.push(clause);
        }
        found
    };
    let mut all = index.definitions(namespace, new).to_vec();
    all.push(clause);
    let global = |all: Vec<ClauseLoc>| all.into_iter().filter(|l| l.global).collect::<Vec<_>>();
    let candidates = if let Some(pin) = &mention.pin {
        let pinned: Vec<ClauseLoc> = index.scopes_named(pin).flat_map(in_scope).collect();
        if pinned.is_empty() { global(all) } else { pinned }
    } else {
        let local = in_scope(index.scope_id(from.scope.as_deref()));
        match index.grammar.namespace(namespace).resolve {
            Strategy::Global => all,
            Strategy::Scope if local.is_empty() => global(all),
            Strategy::Scope => local,
            Strategy::ScopeThenGlobal if local.is_empty() => all,
            Strategy::ScopeThenGlobal => local,
        }
    };
    candidates == [clause]
}

/// Model a document again with its edits applied and check that each rewritten place reads back
/// as its new key. `Err(None)` when a clause's own key does not: the new key is malformed.
fn read_back(index: &WorkspaceIndex, id: DocId, edits: &[Edit]) -> Result<(), Option<RenameError>> {
    let Some(doc) = index.doc_by_id(id) else { return Ok(()) };
    let path = index.path(id);
    let mut text = String::with_capacity(doc.text.len() + edits.iter().map(|e| e.text.len()).sum::<usize>());
    let mut starts = Vec::with_capacity(edits.len());
    let mut at = 0;
    for edit in edits {
        text.push_str(&doc.text[at..edit.range.start]);
        starts.push(text.len());
        text.push_str(&edit.text);
        at = edit.range.end;
    }
    text.push_str(&doc.text[at..]);
    let model = model_file(&index.grammar, path, &index.relative(path), &text);
    for (edit, &start) in edits.iter().zip(&starts) {
        let read = if edit.definition {
            model.clauses.iter().find(|k| k.namespace == edit.namespace && k.id_range.start == start).map(|k| &*k.id)
        } else {
            model.references.iter().find(|r| r.namespace == edit.namespace && r.range.start == start).map(|r| &*r.id)
        };
        match read {
            Some(key) if *key == edit.new => {}
            Some(key) if *key == edit.old && edit.definition => {
                let kind = model
                    .clauses
                    .iter()
                    .find(|k| k.id_range.start == start)
                    .map_or_else(String::new, |k| k.kind.replace('-', " "));
                return Err(Some(RenameError::Positional { kind, id: edit.old.clone() }));
            }
            _ if edit.definition => return Err(None),
            _ => {
                return Err(Some(RenameError::Unrecognised {
                    text: edit.text.clone(),
                    new: edit.new.clone(),
                    at: place_of(index, id, edit.range.start),
                }));
            }
        }
    }
    Ok(())
}

/// `relative/path.md:line` of an offset in an indexed document.
fn place_of(index: &WorkspaceIndex, doc: DocId, offset: usize) -> String {
    let line = index.doc_by_id(doc).map_or(0, |d| d.lines().line_of(offset)) + 1;
    format!("{}:{line}", index.relative(index.path(doc)))
}

fn clause_place(index: &WorkspaceIndex, loc: &ClauseLoc) -> String {
    let offset = index.clause(loc).map_or(0, |(_, c)| c.id_range.start);
    place_of(index, loc.doc, offset)
}

/// The feature folders (or, outside any, the documents) of some clauses: `specs/001-a and specs/002-b`.
fn places(index: &WorkspaceIndex, clauses: &[ClauseLoc]) -> String {
    let mut names: Vec<String> = Vec::new();
    for loc in clauses {
        let name = index.relative(index.scope_path(loc.scope).unwrap_or_else(|| index.path(loc.doc)));
        if !names.contains(&name) {
            names.push(name);
        }
    }
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

/// How a written key spells the key it stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Spelling {
    /// Exactly as the key.
    Same,
    /// Word for word, in another case or with other separators: `fr_003`, `FR003` for `FR-003`.
    Words,
    /// Number for number, around other words: `User Story 3` for `US3` (a key from a template).
    Numbers,
}

/// How `written` spells `key`; `None` when it does not carry the key at all (a key computed from
/// the clause's position, written as its list marker).
fn spelling(key: &str, written: &str) -> Option<Spelling> {
    if written == key {
        return Some(Spelling::Same);
    }
    let (k, w) = (words(key), words(written));
    let same_words = k.len() == w.len()
        && k.iter()
            .zip(&w)
            .all(|((kr, kd), (wr, wd))| kd == wd && same_word(&key[kr.clone()], &written[wr.clone()], *kd));
    if same_words {
        return Some(Spelling::Words);
    }
    let key_numbers = numbers(key, &k);
    (!key_numbers.is_empty() && key_numbers == numbers(written, &w)).then_some(Spelling::Numbers)
}

/// `new` written the way `written` writes `key`: in its case and with its separators, or with its
/// words around the numbers.
fn restyle(key: &str, written: &str, new: &str) -> Option<String> {
    let w = words(written);
    let n = words(new);
    let mut out = String::with_capacity(written.len() + new.len());
    let mut at = 0;
    match spelling(key, written)? {
        Spelling::Same => return Some(new.to_string()),
        Spelling::Words => {
            if w.len() != n.len() || w.iter().zip(&n).any(|(a, b)| a.1 != b.1) {
                return None;
            }
            for ((wr, digits), (nr, _)) in w.iter().zip(&n) {
                out.push_str(&written[at..wr.start]);
                let word = &new[nr.clone()];
                out.push_str(&if *digits { word.to_string() } else { in_case_of(&written[wr.clone()], word) });
                at = wr.end;
            }
        }
        Spelling::Numbers => {
            if skeleton(key) != skeleton(new) {
                return None;
            }
            let new_numbers = n.iter().filter(|(_, d)| *d).map(|(r, _)| &new[r.clone()]);
            for ((wr, _), number) in w.iter().filter(|(_, d)| *d).zip(new_numbers) {
                out.push_str(&written[at..wr.start]);
                out.push_str(number);
                at = wr.end;
            }
        }
    }
    out.push_str(&written[at..]);
    Some(out)
}

/// The runs of letters and of digits in a key, each with whether it is digits.
fn words(s: &str) -> Vec<(Range<usize>, bool)> {
    let class = |c: char| {
        if c.is_ascii_digit() {
            Some(true)
        } else if c.is_alphabetic() {
            Some(false)
        } else {
            None
        }
    };
    let mut out: Vec<(Range<usize>, bool)> = Vec::new();
    for (i, ch) in s.char_indices() {
        let Some(digits) = class(ch) else { continue };
        match out.last_mut() {
            Some((run, d)) if run.end == i && *d == digits => run.end = i + ch.len_utf8(),
            _ => out.push((i..i + ch.len_utf8(), digits)),
        }
    }
    out
}

/// The same word spelled another way: letters in any case, numbers with any leading zeros.
fn same_word(a: &str, b: &str, digits: bool) -> bool {
    if digits { a.trim_start_matches('0') == b.trim_start_matches('0') } else { a.to_lowercase() == b.to_lowercase() }
}

/// The values of a key's numbers, in order.
fn numbers<'s>(s: &'s str, words: &[(Range<usize>, bool)]) -> Vec<&'s str> {
    words.iter().filter(|(_, d)| *d).map(|(r, _)| s[r.clone()].trim_start_matches('0')).collect()
}

/// A key with its numbers blanked: `US#` for `US3`.
fn skeleton(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for ch in key.chars() {
        if !ch.is_ascii_digit() {
            out.push(ch);
        } else if !out.ends_with('#') {
            out.push('#');
        }
    }
    out
}

/// `word` in the case of `like` when `like` is all lower or all upper case.
fn in_case_of(like: &str, word: &str) -> String {
    if like.chars().all(|c| !c.is_uppercase()) {
        word.to_lowercase()
    } else if like.chars().all(|c| !c.is_lowercase()) {
        word.to_uppercase()
    } else {
        word.to_string()
    }
}

/// Verifies specs/003-navigation/spec.md FR-010, FR-017.
#[cfg(test)]
mod tests {

    use super::*;
    use crate::analysis::index::test_workspace as workspace;

    fn at(index: &WorkspaceIndex, relative: &str, needle: &str) -> (PathBuf, usize) {
        let path = Path::new("/ws").join(relative);
        let offset = index.doc(&path).unwrap().text.find(needle).unwrap();
        (path, offset)
    }

    /// Each file's text after the edits, for the files that change.
    fn applied(index: &WorkspaceIndex, edits: &[FileEdits]) -> Vec<(String, String)> {
        edits
            .iter()
            .map(|(path, changes)| {
                let mut text = index.doc(path).unwrap().text.to_string();
                for (range, new) in changes.iter().rev() {
                    text.replace_range(range.clone(), new);
                }
                (index.relative(path), text)
            })
            .collect()
    }

    const SPEC: &str = "# Feature Specification: A\n\n## Requirements\n\n- **FR-001**: System MUST log in.\n- **FR-002**: System MUST log out.\n- **FR-003**: System MUST lock accounts after FR-001 fails.\n";
    const TASKS: &str = "# Tasks: A\n\n## Phase 1: Setup\n\n- [ ] T001 Lockout in src/lockout.rs per FR-003\n- [ ] T002 Login per FR-001\n";
    const CODE: &str = "//! See specs/001-a/spec.md\n\n// Implements: FR-003\nfn lock() {}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn fr_003_locks_after_three_failures() {}\n}\n";
    const PY_TEST: &str = "# Feature: 001-a\n\ndef test_FR003_lockout():\n    pass\n";
    const OTHER: &str = "# Feature Specification: B\n\n## Requirements\n\n- **FR-001**: System MUST bill.\n- **FR-003**: System MUST refund.\n";

    fn fixture() -> WorkspaceIndex {
        workspace(&[
            ("specs/001-a/spec.md", SPEC),
            ("specs/001-a/tasks.md", TASKS),
            ("specs/002-b/spec.md", OTHER),
            ("src/lockout.rs", CODE),
            ("tests/test_lockout.py", PY_TEST),
            ("src/shared.rs", "// FR-001 is everywhere\n"),
        ])
    }

    #[test]
    fn renames_a_requirement_in_its_spec_tasks_code_and_tests() {
        let index = fixture();
        let (path, offset) = at(&index, "specs/001-a/tasks.md", "FR-003");
        let prepared = prepare_rename(&index, &path, offset).unwrap().unwrap();
        assert_eq!(prepared.placeholder, "FR-003");
        assert_eq!(&index.doc(&path).unwrap().text[prepared.range], "FR-003");

        let edits = rename(&index, &path, offset, "FR-010").unwrap();
        let files = applied(&index, &edits);
        let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["specs/001-a/spec.md", "specs/001-a/tasks.md", "src/lockout.rs", "tests/test_lockout.py"]);
        assert!(files[0].1.contains("- **FR-010**: System MUST lock accounts after FR-001 fails."));
        assert!(files[1].1.contains("T001 Lockout in src/lockout.rs per FR-010\n"));
        assert!(files[2].1.contains("// Implements: FR-010\n"));
        assert!(files[2].1.contains("fn fr_010_locks_after_three_failures()"));
        assert!(files[3].1.contains("def test_FR010_lockout():"));
        // The other feature's FR-003 is another clause.
        assert!(!edits.iter().any(|(p, _)| p.ends_with("002-b/spec.md")));
    }

    #[test]
    fn a_test_name_keeps_its_case_and_separator() {
        assert_eq!(restyle("FR-003", "fr_003", "FR-010").as_deref(), Some("fr_010"));
        assert_eq!(restyle("FR-003", "FR003", "NFR-010").as_deref(), Some("NFR010"));
        assert_eq!(restyle("T012", "t012", "T020").as_deref(), Some("t020"));
        assert_eq!(restyle("US3", "User Story 3", "US5").as_deref(), Some("User Story 5"));
        assert_eq!(restyle("US3", "US-3", "US5").as_deref(), Some("US-5"));
        assert_eq!(restyle("US3", "User Story 3", "FR-5"), None);
        assert_eq!(spelling("1.2", "1."), None);
    }

    #[test]
    fn renaming_from_a_test_name_renames_the_clause() {
        let index = fixture();
        let (path, offset) = at(&index, "src/lockout.rs", "fr_003");
        let prepared = prepare_rename(&index, &path, offset).unwrap().unwrap();
        assert_eq!((prepared.placeholder.as_str(), prepared.range.len()), ("FR-003", "fr_003".len()));
        let files = applied(&index, &rename(&index, &path, offset, "FR-011").unwrap());
        assert_eq!(files.len(), 4);
        assert!(files[0].1.contains("**FR-011**"));
    }

    #[test]
    fn a_malformed_new_key_is_refused() {
        let index = fixture();
        let (path, offset) = at(&index, "specs/001-a/spec.md", "FR-003");
        let error = rename(&index, &path, offset, "FR-x3").unwrap_err();
        assert_eq!(error.to_string(), "\"FR-x3\" is not a requirement key (like FR-003)");
        assert!(error.blames_new_key());
        // The grammar takes `FR-3x` (FR-3 with a suffix, like FR-003a), a test name cannot.
        let error = rename(&index, &path, offset, "FR-3x").unwrap_err();
        assert_eq!(error.to_string(), "\"fr_003\" at src/lockout.rs:9 cannot be rewritten as FR-3x");
        assert!(matches!(rename(&index, &path, offset, "").unwrap_err(), RenameError::Malformed { .. }));
        assert!(matches!(rename(&index, &path, offset, "FR-010\nFR-011").unwrap_err(), RenameError::Malformed { .. }));
        assert_eq!(rename(&index, &path, offset, "FR-003").unwrap(), Vec::new());
    }

    #[test]
    fn a_key_taken_in_the_same_scope_is_refused() {
        let index = fixture();
        let (path, offset) = at(&index, "specs/001-a/spec.md", "FR-003");
        let error = rename(&index, &path, offset, "FR-002").unwrap_err();
        assert_eq!(error.to_string(), "FR-002 is already defined in specs/001-a/spec.md:6");
    }

    #[test]
    fn a_key_that_would_capture_mentions_elsewhere_is_refused() {
        // The unpinned mention in src/other.rs names 001-a's FR-004 only because no other feature
        // defines FR-004; renaming it to FR-003, which 002-b defines, would make it ambiguous.
        let mut files = vec![
            (
                "specs/001-a/spec.md",
                "# Feature Specification: A\n\n## Requirements\n\n- **FR-004**: System MUST log.\n",
            ),
            ("specs/002-b/spec.md", OTHER),
        ];
        files.push(("src/other.rs", "// FR-004 logs\n"));
        let index = workspace(&files);
        let (path, offset) = at(&index, "specs/001-a/spec.md", "FR-004");
        let error = rename(&index, &path, offset, "FR-003").unwrap_err();
        assert_eq!(
            error.to_string(),
            "FR-003 is already defined in specs/002-b/spec.md:6; the mention at src/other.rs:1 would no longer name FR-004 alone"
        );
    }

    #[test]
    fn an_ambiguous_mention_is_refused() {
        let index = fixture();
        let (path, offset) = at(&index, "src/shared.rs", "FR-001");
        let error = prepare_rename(&index, &path, offset).unwrap_err();
        assert_eq!(
            error.to_string(),
            "FR-001 is ambiguous: defined in specs/001-a and specs/002-b; rename it at its definition"
        );
        assert!(!error.blames_new_key());
        assert_eq!(rename(&index, &path, offset, "FR-009").unwrap_err(), error);
    }

    #[test]
    fn nothing_under_the_cursor_is_no_rename() {
        let index = fixture();
        let (path, offset) = at(&index, "specs/001-a/spec.md", "System MUST log in");
        assert_eq!(prepare_rename(&index, &path, offset), Ok(None));
        assert_eq!(rename(&index, &path, offset, "FR-010"), Ok(Vec::new()));
    }

    const KIRO: &str = "# Requirements Document\n\n## Requirements\n\n### Requirement 1: Rooms\n\n#### Acceptance Criteria\n\n1. WHEN a room is created THE system SHALL name it\n2. WHEN a room is full THE system SHALL refuse joins\n";
    const KIRO_TASKS: &str = "# Implementation Plan\n\n- [ ] 1. Create rooms\n  - _Requirements: 1.2_\n";

    #[test]
    fn a_kiro_criterion_numbered_by_position_is_refused() {
        let index =
            workspace(&[(".kiro/specs/rooms/requirements.md", KIRO), (".kiro/specs/rooms/tasks.md", KIRO_TASKS)]);
        let (path, offset) = at(&index, ".kiro/specs/rooms/requirements.md", "2. WHEN");
        let error = prepare_rename(&index, &path, offset).unwrap_err();
        assert_eq!(
            error.to_string(),
            "acceptance criterion 1.2 is numbered by its position; reorder the list instead of renaming it"
        );
        let (path, offset) = at(&index, ".kiro/specs/rooms/tasks.md", "1.2");
        assert!(matches!(prepare_rename(&index, &path, offset), Err(RenameError::Positional { .. })));
        // The requirement's own number is written in its heading: it can be renamed, and the
        // mentions of its criteria follow.
        let (path, offset) = at(&index, ".kiro/specs/rooms/requirements.md", "1: Rooms");
        let files = applied(&index, &rename(&index, &path, offset, "4").unwrap());
        assert!(files[0].1.contains("### Requirement 4: Rooms"));
        assert!(files[1].1.contains("_Requirements: 4.2_"), "{}", files[1].1);
    }

    #[test]
    fn an_openspec_requirement_is_renamed_by_its_name() {
        let spec = "# auth Specification\n\n## Purpose\n\nSign in.\n\n## Requirements\n\n### Requirement: User login\n\nThe system SHALL sign users in.\n\n#### Scenario: Valid password\n\n- **WHEN** the password is right\n- **THEN** the user is in\n";
        let code = "// Implements: openspec:auth#User login\nfn login() {}\n";
        let index = workspace(&[("openspec/specs/auth/spec.md", spec), ("src/login.rs", code)]);
        let (path, offset) = at(&index, "src/login.rs", "User login");
        assert_eq!(prepare_rename(&index, &path, offset).unwrap().unwrap().placeholder, "User login");
        let files = applied(&index, &rename(&index, &path, offset, "User sign-in").unwrap());
        assert!(files[0].1.contains("### Requirement: User sign-in\n"), "{}", files[0].1);
        assert!(files[1].1.contains("openspec:auth#User sign-in\n"), "{}", files[1].1);
    }

    #[test]
    fn a_user_story_keeps_its_heading_form() {
        let spec = "# Feature Specification: A\n\n## User Scenarios & Testing\n\n### User Story 3 - Lock out (Priority: P2)\n\n1. **Given** a user, **When** they fail, **Then** they wait.\n";
        let tasks = "# Tasks: A\n\n## Phase 3: User Story 3\n\n- [ ] T001 [US3] Lockout checks US3/AC1\n";
        let index = workspace(&[("specs/001-a/spec.md", spec), ("specs/001-a/tasks.md", tasks)]);
        let (path, offset) = at(&index, "specs/001-a/tasks.md", "US3");
        assert_eq!(prepare_rename(&index, &path, offset).unwrap().unwrap().placeholder, "US3");
        let files = applied(&index, &rename(&index, &path, offset, "US5").unwrap());
        assert!(files[0].1.contains("### User Story 5 - Lock out (Priority: P2)"), "{}", files[0].1);
        assert!(files[1].1.contains("- [ ] T001 [US5] Lockout checks US5/AC1"), "{}", files[1].1);
        assert!(matches!(rename(&index, &path, offset, "Story 5"), Err(RenameError::Malformed { .. })));
    }
}
