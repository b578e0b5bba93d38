//! Navigation between clauses and their mentions in specs, code and tests: what is under the
//! cursor, where it is defined, what mentions it, and how it is covered.

use foldhash::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::model::{Clause, Reference, Role};

use super::index::{ClauseLoc, RefLoc, ScopeId, WorkspaceIndex};
use super::resolve::{Resolution, resolve};

/// A place in an indexed document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub path: PathBuf,
    /// The whole clause or mention.
    pub range: Range<usize>,
    /// The part to select: a clause's key, a mention's text.
    pub selection: Range<usize>,
}

/// What the cursor is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A clause's key where it is defined.
    Clause(ClauseLoc),
    /// A mention of a key.
    Reference(RefLoc),
}

/// The clause key or mention under a byte offset of an indexed document.
pub fn target_at(index: &WorkspaceIndex, path: &Path, offset: usize) -> Option<Target> {
    let id = index.doc_id(path)?;
    let doc = index.doc_by_id(id)?;
    let model = &doc.model;
    if let Some(i) = model.clauses.iter().position(|c| c.id_range.start <= offset && offset <= c.id_range.end) {
        let scope = index.scope_id(model.scope.as_deref());
        return Some(Target::Clause(ClauseLoc { doc: id, index: i as u32, scope, global: model.clauses[i].global }));
    }
    let i = model.references.iter().position(|r| r.range.start <= offset && offset <= r.range.end)?;
    Some(Target::Reference(RefLoc { doc: id, index: i as u32 }))
}

/// Resolve an indexed mention.
pub fn resolve_ref(index: &WorkspaceIndex, loc: &RefLoc) -> Resolution {
    match index.doc_by_id(loc.doc) {
        Some(doc) => match doc.model.references.get(loc.index as usize) {
            Some(reference) => resolve(index, &doc.model, reference),
            None => Resolution::Unresolved,
        },
        None => Resolution::Unresolved,
    }
}

/// Every mention that resolves to this clause alone, in specs, code and tests. Mentions that are
/// ambiguous between this clause and others are left out: they name no clause in particular.
pub fn references_to(index: &WorkspaceIndex, clause: ClauseLoc) -> Vec<RefLoc> {
    let Some((_, c)) = index.clause(&clause) else { return Vec::new() };
    // Resolution depends only on the citing document's scope and the mention's pin. A popular
    // key has thousands of mentions: the map hashes fast, not defensively (keys are the
    // workspace's own).
    let mut verdicts: HashMap<(ScopeId, Option<&str>), bool> = HashMap::default();
    let mut found = Vec::new();
    for loc in index.mentions(c.namespace, &c.id) {
        let Some((doc, reference)) = index.reference(loc) else { continue };
        let key = (index.doc_scope(loc.doc), reference.pin.as_deref());
        let hit = *verdicts
            .entry(key)
            .or_insert_with(|| resolve(index, &doc.model, reference) == Resolution::Resolved(clause));
        if hit {
            found.push(*loc);
        }
    }
    found
}

/// Where a clause is, for a jump.
pub fn clause_location(index: &WorkspaceIndex, loc: &ClauseLoc) -> Option<Location> {
    let (_, clause) = index.clause(loc)?;
    Some(Location {
        path: index.path(loc.doc).to_path_buf(),
        range: clause.range.clone(),
        selection: clause.id_range.clone(),
    })
}

/// Where a mention is, for a jump.
pub fn reference_location(index: &WorkspaceIndex, loc: &RefLoc) -> Option<Location> {
    let (_, reference) = index.reference(loc)?;
    Some(Location {
        path: index.path(loc.doc).to_path_buf(),
        range: reference.range.clone(),
        selection: reference.range.clone(),
    })
}

/// Go to definition. On a mention: the clause it names (every candidate when ambiguous). On a
/// clause's own key: what it links to, the clauses it cites and the code that mentions it.
pub fn definition(index: &WorkspaceIndex, path: &Path, offset: usize) -> Vec<Location> {
    match target_at(index, path, offset) {
        Some(Target::Reference(loc)) => {
            resolve_ref(index, &loc).candidates().iter().filter_map(|c| clause_location(index, c)).collect()
        }
        Some(Target::Clause(clause)) => links_of(index, clause),
        None => Vec::new(),
    }
}

/// What a clause links to: the clauses its own text cites, then the code and tests that mention it.
pub fn links_of(index: &WorkspaceIndex, clause: ClauseLoc) -> Vec<Location> {
    let Some((doc, c)) = index.clause(&clause) else { return Vec::new() };
    let mut out: Vec<Location> = Vec::new();
    for (i, reference) in doc.model.references.iter().enumerate() {
        if reference.range.start < c.range.start || reference.range.end > c.range.end {
            continue;
        }
        let loc = RefLoc { doc: clause.doc, index: i as u32 };
        for target in resolve_ref(index, &loc).candidates() {
            if target != clause
                && let Some(location) = clause_location(index, &target)
                && !out.contains(&location)
            {
                out.push(location);
            }
        }
    }
    out.extend(
        references_to(index, clause)
            .iter()
            .filter(|r| index.reference(r).is_some_and(|(_, m)| m.role != Role::Cites))
            .filter_map(|r| reference_location(index, r)),
    );
    out
}

/// Find references: every mention of the clause under the cursor (or of the clause the mention
/// under the cursor names), with the definition first when asked for. An ambiguous mention lists
/// the mentions of every candidate.
pub fn references(index: &WorkspaceIndex, path: &Path, offset: usize, include_declaration: bool) -> Vec<Location> {
    let clauses = match target_at(index, path, offset) {
        Some(Target::Clause(clause)) => vec![clause],
        Some(Target::Reference(loc)) => resolve_ref(index, &loc).candidates(),
        None => return Vec::new(),
    };
    let mut out = Vec::new();
    for clause in clauses {
        if include_declaration && let Some(location) = clause_location(index, &clause) {
            out.push(Location { range: location.selection.clone(), ..location });
        }
        out.extend(references_to(index, clause).iter().filter_map(|r| reference_location(index, r)));
    }
    out
}

/// Go to implementation: the code and tests that mention the clause under the cursor (or the
/// clause the mention under the cursor names).
pub fn implementations(index: &WorkspaceIndex, path: &Path, offset: usize) -> Vec<Location> {
    let clauses = match target_at(index, path, offset) {
        Some(Target::Clause(clause)) => vec![clause],
        Some(Target::Reference(loc)) => resolve_ref(index, &loc).candidates(),
        None => return Vec::new(),
    };
    clauses
        .into_iter()
        .flat_map(|clause| references_to(index, clause))
        .filter(|r| index.reference(r).is_some_and(|(_, m)| m.role != Role::Cites))
        .filter_map(|r| reference_location(index, &r))
        .collect()
}

/// How a clause is covered: the tasks that cite it, other spec mentions, and the code and tests
/// that mention it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Mentions inside a task clause.
    pub tasks: Vec<RefLoc>,
    /// Other mentions in spec documents.
    pub specs: Vec<RefLoc>,
    /// Code that implements it.
    pub code: Vec<RefLoc>,
    /// Tests that verify it.
    pub tests: Vec<RefLoc>,
}

/// Code and tests count once per function: a test's `/// Verifies: FR-002` and its name
/// `fr_002_…` are one test.
impl Coverage {
    /// `N tasks · N code · N tests`, as hovers and lenses show it.
    pub fn summary(&self) -> String {
        let count = |n: usize, noun: &str| if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") };
        format!("{} · {} code · {}", count(self.tasks.len(), "task"), self.code.len(), count(self.tests.len(), "test"))
    }
}

pub fn coverage(index: &WorkspaceIndex, clause: ClauseLoc) -> Coverage {
    let mut coverage = Coverage::default();
    let mut units = std::collections::HashSet::new();
    for loc in references_to(index, clause) {
        let Some((doc, reference)) = index.reference(&loc) else { continue };
        if let Some(unit) = reference.unit
            && !units.insert((loc.doc, unit, reference.role))
        {
            continue;
        }
        match reference.role {
            Role::Implements => coverage.code.push(loc),
            Role::Verifies => coverage.tests.push(loc),
            Role::Cites if task_of(&doc.model.clauses, reference).is_some() => coverage.tasks.push(loc),
            Role::Cites => coverage.specs.push(loc),
        }
    }
    coverage
}

/// A clause's key as people read it: a bare number (Kiro's `1`, `1.2`, `Property 3`'s `3`) is
/// named by its kind (`Requirement 1`, `Criterion 1.2`, `Property 3`).
pub fn display_key(clause: &Clause) -> String {
    if !clause.id.starts_with(|c: char| c.is_ascii_digit()) {
        return clause.id.to_string();
    }
    let kind = clause.kind.rsplit('-').next().unwrap_or(&clause.kind);
    let mut chars = kind.chars();
    let kind: String = chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
    format!("{kind} {}", clause.id)
}

/// The task clause a spec mention is written in.
pub fn task_of<'d>(clauses: &'d [Clause], reference: &Reference) -> Option<&'d Clause> {
    clauses
        .iter()
        .find(|c| c.kind == "task" && c.range.start <= reference.range.start && reference.range.end <= c.range.end)
}

/// Verifies specs/003-navigation/spec.md FR-006, FR-007, FR-008, FR-009.
#[cfg(test)]
mod tests {

    use super::*;
    use crate::analysis::index::test_workspace as workspace;

    /// `relative:text` of each location.
    fn show(index: &WorkspaceIndex, locations: &[Location]) -> Vec<String> {
        locations
            .iter()
            .map(|l| {
                let doc = index.doc(&l.path).unwrap();
                format!("{}:{}", index.relative(&l.path), &doc.text[l.selection.clone()])
            })
            .collect()
    }

    fn offset_of(index: &WorkspaceIndex, relative: &str, needle: &str) -> (PathBuf, usize) {
        let path = Path::new("/ws").join(relative);
        let at = index.doc(&path).unwrap().text.find(needle).unwrap();
        (path, at)
    }

    const A_SPEC: &str = "# Feature Specification: A\n\n## Requirements\n\n- **FR-001**: System MUST log in.\n- **SC-002**: Users log in fast.\n";
    const A_TASKS: &str = "# Tasks: A\n\n- [ ] T001 Build login in src/login.rs per FR-001\n";
    const B_SPEC: &str = "# Feature Specification: B\n\n## Requirements\n\n- **FR-001**: System MUST bill.\n";

    fn fixture() -> WorkspaceIndex {
        workspace(&[
            ("specs/001-a/spec.md", A_SPEC),
            ("specs/001-a/tasks.md", A_TASKS),
            ("specs/002-b/spec.md", B_SPEC),
            ("src/login.rs", "//! For specs/001-a/spec.md\n\n// Implements: FR-001, T001\nfn login() {}\n"),
            ("src/shared.rs", "// FR-001 shared\n// SC-002\n"),
            ("tests/billing_test.rs", "// specs/002-b/spec.md\n\n#[test]\nfn fr_001_bills() {}\n"),
        ])
    }

    #[test]
    fn definition_from_code_to_the_pinned_clause_and_ambiguity_lists_candidates() {
        let index = fixture();
        let (path, at) = offset_of(&index, "src/login.rs", "FR-001");
        assert_eq!(show(&index, &definition(&index, &path, at)), ["specs/001-a/spec.md:FR-001"]);
        let (path, at) = offset_of(&index, "tests/billing_test.rs", "fr_001");
        assert_eq!(show(&index, &definition(&index, &path, at)), ["specs/002-b/spec.md:FR-001"]);
        let (path, at) = offset_of(&index, "src/shared.rs", "FR-001");
        let mut both = show(&index, &definition(&index, &path, at));
        both.sort();
        assert_eq!(both, ["specs/001-a/spec.md:FR-001", "specs/002-b/spec.md:FR-001"]);
        let (path, at) = offset_of(&index, "src/shared.rs", "SC-002");
        assert_eq!(show(&index, &definition(&index, &path, at)), ["specs/001-a/spec.md:SC-002"]);
    }

    #[test]
    fn definition_on_a_task_goes_to_what_it_links_to() {
        let index = fixture();
        let (path, at) = offset_of(&index, "specs/001-a/tasks.md", "T001");
        assert_eq!(show(&index, &definition(&index, &path, at)), ["specs/001-a/spec.md:FR-001", "src/login.rs:T001"]);
    }

    #[test]
    fn references_and_implementations_of_a_clause() {
        let index = fixture();
        let (path, at) = offset_of(&index, "specs/001-a/spec.md", "FR-001");
        assert_eq!(
            show(&index, &references(&index, &path, at, true)),
            ["specs/001-a/spec.md:FR-001", "specs/001-a/tasks.md:FR-001", "src/login.rs:FR-001"]
        );
        assert_eq!(show(&index, &implementations(&index, &path, at)), ["src/login.rs:FR-001"]);
        let (path, at) = offset_of(&index, "specs/002-b/spec.md", "FR-001");
        assert_eq!(show(&index, &implementations(&index, &path, at)), ["tests/billing_test.rs:fr_001"]);
    }

    /// Verifies specs/003-navigation/spec.md FR-015.
    #[test]
    fn a_test_counts_once_for_its_doc_comment_and_its_name() {
        let index = workspace(&[
            ("specs/001-a/spec.md", A_SPEC),
            (
                "tests/login_test.rs",
                "/// Verifies: FR-001\n#[test]\nfn fr_001_logs_in() {}\n\n// FR-001 again\n#[test]\nfn other() {}\n",
            ),
        ]);
        let (path, at) = offset_of(&index, "specs/001-a/spec.md", "FR-001");
        let Some(Target::Clause(clause)) = target_at(&index, &path, at) else { panic!("a clause") };
        assert_eq!(references_to(&index, clause).len(), 3, "every mention is a reference");
        assert_eq!(coverage(&index, clause).tests.len(), 2, "two test functions");
    }

    #[test]
    fn counts_are_singular_for_one() {
        let index = fixture();
        let (path, at) = offset_of(&index, "specs/001-a/tasks.md", "FR-001");
        let Some(Target::Reference(loc)) = target_at(&index, &path, at) else { panic!("a mention") };
        let one_task = Coverage { tasks: vec![loc], ..Coverage::default() };
        assert_eq!(one_task.summary(), "1 task · 0 code · 0 tests");
        let two_tests = Coverage { tests: vec![loc, loc], code: vec![loc], ..Coverage::default() };
        assert_eq!(two_tests.summary(), "0 tasks · 1 code · 2 tests");
    }

    #[test]
    fn bare_numbers_are_named_by_their_kind() {
        let index = workspace(&[
            (
                ".kiro/specs/x/requirements.md",
                "# Requirements\n\n### Requirement 1: Rooms\n\n#### Acceptance Criteria\n\n1. WHEN a member asks THEN the system SHALL answer\n",
            ),
            ("specs/001-a/spec.md", A_SPEC),
        ]);
        let keys: Vec<String> =
            index.docs().flat_map(|d| d.model.clauses.iter().map(display_key).collect::<Vec<_>>()).collect();
        for key in ["Requirement 1", "Criterion 1.1", "FR-001"] {
            assert!(keys.iter().any(|k| k == key), "{key} in {keys:?}");
        }
    }

    #[test]
    fn coverage_counts_tasks_code_and_tests() {
        let index = fixture();
        let (path, at) = offset_of(&index, "specs/001-a/spec.md", "FR-001");
        let Some(Target::Clause(clause)) = target_at(&index, &path, at) else { panic!("a clause") };
        let coverage = coverage(&index, clause);
        assert_eq!(
            (coverage.tasks.len(), coverage.specs.len(), coverage.code.len(), coverage.tests.len()),
            (1, 0, 1, 0)
        );
    }
}
