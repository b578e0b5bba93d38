//! The spec model of every format, read from the fixture workspaces in `tests/fixtures/`.
//!
//! Each fixture document gets an insta snapshot of its model (kind, scope, sections, clauses,
//! references with what they resolve to, markers, diagnostics), so a grammar change shows up as a
//! reviewable diff. The targeted tests below pin the behaviour each format depends on. Requirement
//! IDs are those of `specs/001-core-engine/spec.md`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use specls::analysis::workspace::{WalkOptions, scan};
use specls::analysis::{IndexedDoc, Resolution, WorkspaceIndex, diagnostics, resolve};
use specls::model::{Clause, DocModel, FoldKind, Grammar, Reference};
use specls::text::PositionEncoding;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name)
        .canonicalize()
        .expect("fixture folder exists")
}

/// Index a fixture folder as one workspace root, like `specls check` does.
fn workspace(name: &str) -> (PathBuf, WorkspaceIndex) {
    let root = fixture(name);
    let grammar = Grammar::builtin();
    let scanned = scan(&grammar, std::slice::from_ref(&root), std::slice::from_ref(&root), &WalkOptions::default());
    assert!(scanned.skipped.is_empty(), "{:?}", scanned.skipped);
    let mut index = WorkspaceIndex::new(grammar, vec![root.clone()]);
    for doc in scanned.docs {
        index.upsert(doc);
    }
    (root, index)
}

fn doc<'a>(index: &'a WorkspaceIndex, root: &Path, relative: &str) -> &'a IndexedDoc {
    index.doc(&root.join(relative)).unwrap_or_else(|| panic!("{relative} is indexed"))
}

fn kind(index: &WorkspaceIndex, model: &DocModel) -> String {
    index.grammar.kind(model.kind).id.clone()
}

fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

/// `line:column`, both 1-based, columns in characters.
fn at(doc: &IndexedDoc, offset: usize) -> String {
    let p = doc.lines().position(&doc.text, offset, PositionEncoding::Utf32);
    format!("{}:{}", p.line + 1, p.character + 1)
}

fn clauses_of<'a>(model: &'a DocModel, kind: &str) -> Vec<&'a Clause> {
    model.clauses.iter().filter(|c| c.kind == kind).collect()
}

fn ids(clauses: &[&Clause]) -> Vec<String> {
    clauses.iter().map(|c| c.id.to_string()).collect()
}

/// Where a reference resolves: `path line:col` of the definition, or why it does not.
fn target(index: &WorkspaceIndex, root: &Path, model: &DocModel, reference: &Reference) -> String {
    match resolve(index, model, reference) {
        Resolution::Resolved(loc) => {
            let (doc, clause) = index.clause(&loc).expect("resolved clause exists");
            format!("{} {}", rel(root, &doc.model.path), at(doc, clause.id_range.start))
        }
        Resolution::Ambiguous(locs) => format!("ambiguous ({} candidates)", locs.len()),
        Resolution::Unresolved => "unresolved".into(),
    }
}

/// One line per fact, in document order within each group.
fn render(index: &WorkspaceIndex, root: &Path, doc: &IndexedDoc) -> String {
    let model = &doc.model;
    let g = &index.grammar;
    let mut out = String::new();
    let scope = model.scope.as_deref().map_or("-".into(), |s| rel(root, s));
    writeln!(out, "kind {} scope {scope}", kind(index, model)).unwrap();
    for section in &model.sections {
        let depth = std::iter::successors(section.parent, |&p| model.sections[p].parent).count();
        writeln!(
            out,
            "section {}{} h{} {:?}",
            "  ".repeat(depth),
            at(doc, section.heading.start),
            section.level,
            section.title
        )
        .unwrap();
    }
    for clause in &model.clauses {
        let parent = clause.parent.map_or("-".into(), |p| model.clauses[p as usize].id.clone());
        writeln!(
            out,
            "clause {} {} {} {:?} {:?} parent {parent:?}{}",
            at(doc, clause.id_range.start),
            clause.kind,
            g.namespace(clause.namespace).id,
            clause.id,
            clause.title_in(&doc.text),
            if clause.global { " global" } else { "" }
        )
        .unwrap();
    }
    let mut references: Vec<&Reference> = model.references.iter().collect();
    references.sort_by_key(|r| r.range.start);
    for reference in references {
        writeln!(
            out,
            "ref {} {} {:?} -> {}",
            at(doc, reference.range.start),
            g.namespace(reference.namespace).id,
            reference.id,
            target(index, root, model, reference)
        )
        .unwrap();
    }
    for marker in &model.markers {
        writeln!(out, "marker {} {} {:?}", at(doc, marker.range.start), marker.kind, &doc.text[marker.range.clone()])
            .unwrap();
    }
    for d in diagnostics(index, &model.path) {
        writeln!(out, "diagnostic {} {} {} {:?}", at(doc, d.range.start), d.severity.as_str(), d.code, d.message)
            .unwrap();
    }
    out
}

/// Snapshot every document of a fixture workspace, named after its path.
fn snapshot_workspace(name: &str) {
    let (root, index) = workspace(name);
    let mut docs: Vec<_> = index.docs().collect();
    docs.sort_by(|a, b| a.model.path.cmp(&b.model.path));
    for doc in docs {
        let relative = rel(&root, &doc.model.path);
        let snapshot = format!("{name}/{relative}").replace(['/', '.'], "_");
        insta::assert_snapshot!(snapshot, render(&index, &root, doc), &relative);
    }
}

// ------------------------------------------------------------------ snapshots per document

/// FR-006, FR-007, FR-008, FR-009: Kiro requirements (two generations), bugfix, design, tasks, steering.
#[test]
fn kiro_documents_match_their_snapshots() {
    snapshot_workspace("kiro");
}

/// FR-006, FR-007, FR-008, FR-009: OpenSpec main spec, change proposal, delta, tasks, archive.
#[test]
fn openspec_documents_match_their_snapshots() {
    snapshot_workspace("openspec");
}

/// FR-006, FR-007, FR-008, FR-009: agent specs detected by their sections.
#[test]
fn agent_documents_match_their_snapshots() {
    snapshot_workspace("agent");
}

/// FR-006, FR-007, FR-008, FR-009: Spec Kit spec, plan, tasks, checklist, constitution.
#[test]
fn speckit_documents_match_their_snapshots() {
    snapshot_workspace("speckit");
}

// ------------------------------------------------------------------ Kiro

/// FR-008: criterion M of requirement N is the M-th top-level item, whatever number is written.
#[test]
fn kiro_criteria_are_numbered_by_list_position() {
    let (root, index) = workspace("kiro");
    let doc = doc(&index, &root, ".kiro/specs/photo-albums/requirements.md");
    let criteria = clauses_of(&doc.model, "acceptance-criterion");
    assert_eq!(ids(&criteria), ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3"]);
    // The third item of requirement 1 is written `4.`: its key is still 1.3, marked at `4.`.
    let third = criteria[2];
    assert_eq!(&doc.text[third.id_range.clone()], "4.");
    let title = third.title_in(&doc.text);
    assert!(title.starts_with("WHEN a member already owns 100 albums"), "{title}");
    let requirement = |c: &Clause| doc.model.clauses[c.parent.expect("criterion has a parent") as usize].id.to_string();
    assert_eq!(criteria.iter().map(|c| requirement(c)).collect::<Vec<_>>(), ["1", "1", "1", "2", "2", "2"]);
}

/// FR-008: generation 1 (`### Requirement 1`, `THEN the system SHALL`) and generation 2
/// (`## Glossary`, `### Requirement 1: Title`, `THE Room_Service SHALL`) give the same clauses.
#[test]
fn kiro_both_requirement_generations_are_read() {
    let (root, index) = workspace("kiro");
    let first = doc(&index, &root, ".kiro/specs/photo-albums/requirements.md");
    let second = doc(&index, &root, ".kiro/specs/room-booking/requirements.md");
    for d in [first, second] {
        assert_eq!(kind(&index, &d.model), "kiro.requirements");
        assert_eq!(ids(&clauses_of(&d.model, "requirement")), ["1", "2"]);
    }
    let titles = |d: &IndexedDoc| {
        clauses_of(&d.model, "requirement").iter().map(|c| c.title_in(&d.text).to_string()).collect::<Vec<_>>()
    };
    assert_eq!(titles(first), ["Requirement 1", "Requirement 2"]);
    assert_eq!(titles(second), ["Room Creation", "Booking a Slot"]);
    let criteria = clauses_of(&second.model, "acceptance-criterion");
    assert_eq!(ids(&criteria), ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3"]);
    assert!(criteria.iter().all(|c| c.title_in(&second.text).contains("THE Room_Service SHALL")));
    assert!(second.model.sections.iter().any(|s| s.title == "Glossary"));
}

/// FR-009, FR-011: `_Requirements: 1.1, 2.3_` cites criteria 1.1 and 2.3 of its own spec folder,
/// although another spec folder defines the same numbers.
#[test]
fn kiro_requirement_lists_resolve_within_the_spec_folder() {
    let (root, index) = workspace("kiro");
    let tasks = doc(&index, &root, ".kiro/specs/photo-albums/tasks.md");
    let line = tasks.text.find("_Requirements: 1.1, 2.3_").expect("fixture line");
    let cited: Vec<&Reference> = tasks
        .model
        .references
        .iter()
        .filter(|r| tasks.lines().line_of(r.range.start) == tasks.lines().line_of(line))
        .collect();
    assert_eq!(cited.iter().map(|r| &*r.id).collect::<Vec<_>>(), ["1.1", "2.3"]);
    for reference in cited {
        assert_eq!(&tasks.text[reference.range.clone()], &*reference.id);
        let Resolution::Resolved(loc) = resolve(&index, &tasks.model, reference) else {
            panic!("{} resolves", reference.id)
        };
        assert_eq!(rel(&root, index.path(loc.doc)), ".kiro/specs/photo-albums/requirements.md");
    }
    let unresolved: Vec<&str> = tasks
        .model
        .references
        .iter()
        .filter(|r| resolve(&index, &tasks.model, r) == Resolution::Unresolved)
        .map(|r| &*r.id)
        .collect();
    assert_eq!(unresolved, ["2.4"], "only the deliberately dangling criterion is unresolved");
}

/// FR-008: `- [ ] 1.`, nested `- [x] 2.1`, optional `- [ ]* 2.2` and in-progress `- [-] 3.1` are tasks.
#[test]
fn kiro_tasks_keep_their_written_numbers() {
    let (root, index) = workspace("kiro");
    let tasks = doc(&index, &root, ".kiro/specs/photo-albums/tasks.md");
    assert_eq!(kind(&index, &tasks.model), "kiro.tasks");
    assert_eq!(ids(&clauses_of(&tasks.model, "task")), ["1", "2", "2.1", "2.2", "3", "3.1", "3.2", "3.3", "4"]);
    let optional = tasks.model.clauses.iter().find(|c| &*c.id == "2.2").unwrap();
    assert_eq!(optional.title_in(&tasks.text), "Write a property test for album names");
}

/// FR-008, FR-009: properties are defined in design.md (as headings or bold lines), cited from
/// tasks.md, and `**Validates: Requirements 1.2**` cites a criterion.
#[test]
fn kiro_properties_and_validates_lines_link_design_tasks_and_requirements() {
    let (root, index) = workspace("kiro");
    for spec in ["photo-albums", "room-booking"] {
        let design = doc(&index, &root, &format!(".kiro/specs/{spec}/design.md"));
        assert_eq!(ids(&clauses_of(&design.model, "property")), ["1", "2"], "{spec}");
        let tasks = doc(&index, &root, &format!(".kiro/specs/{spec}/tasks.md"));
        let property = tasks
            .model
            .references
            .iter()
            .find(|r| index.grammar.namespace(r.namespace).id == "kiro.property")
            .expect("property reference");
        let Resolution::Resolved(loc) = resolve(&index, &tasks.model, property) else {
            panic!("property resolves in {spec}")
        };
        assert_eq!(rel(&root, index.path(loc.doc)), format!(".kiro/specs/{spec}/design.md"));
    }
    let tasks = doc(&index, &root, ".kiro/specs/photo-albums/tasks.md");
    let validates = tasks.text.find("**Validates: Requirements 1.2**").unwrap();
    let reference =
        tasks.model.reference_at(validates + "**Validates: Requirements ".len()).expect("1.2 is a reference");
    assert_eq!(&*reference.id, "1.2");
    assert!(matches!(resolve(&index, &tasks.model, reference), Resolution::Resolved(_)));
}

/// FR-008, FR-011: bugfix conditions keep their written numbers and tasks cite them.
#[test]
fn kiro_bugfix_conditions_are_cited_by_tasks() {
    let (root, index) = workspace("kiro");
    let bugfix = doc(&index, &root, ".kiro/specs/upload-timeout-fix/bugfix.md");
    assert_eq!(kind(&index, &bugfix.model), "kiro.bugfix");
    assert_eq!(ids(&clauses_of(&bugfix.model, "bug-condition")), ["1.1", "1.2", "2.1", "2.2", "3.1"]);
    let tasks = doc(&index, &root, ".kiro/specs/upload-timeout-fix/tasks.md");
    for reference in &tasks.model.references {
        let Resolution::Resolved(loc) = resolve(&index, &tasks.model, reference) else {
            panic!("{} resolves", reference.id)
        };
        assert_eq!(rel(&root, index.path(loc.doc)), ".kiro/specs/upload-timeout-fix/bugfix.md");
    }
    assert!(diagnostics(&index, &bugfix.model.path).is_empty());
}

/// FR-008: the early preview layout `.kiro/plans/<name>/` holds the same documents.
#[test]
fn kiro_plans_folder_is_read_like_specs() {
    let g = Grammar::builtin();
    let text = "# Requirements Document\n\n## Requirements\n\n### Requirement 1\n\n#### Acceptance Criteria\n\n1. WHEN a key is pressed THEN the system SHALL move\n";
    let path = Path::new("/w/.kiro/plans/trail/requirements.md");
    let model = specls::model::from_text(&g, path, ".kiro/plans/trail/requirements.md", text);
    assert_eq!(g.kind(model.kind).id, "kiro.requirements");
    assert_eq!(model.scope.as_deref(), Some(Path::new("/w/.kiro/plans/trail")));
    assert_eq!(model.clauses.iter().map(|c| &*c.id).collect::<Vec<_>>(), ["1", "1.1"]);
}

/// FR-008: criteria written with their number as paragraph lines (`1.1. WHEN …`) keep it.
#[test]
fn kiro_explicitly_numbered_criteria_are_read() {
    let g = Grammar::builtin();
    let text = "# Requirements Document\n\n## Requirements\n\n### Requirement 3: Polling\n\n#### Acceptance Criteria\n\n3.1. WHEN the poller runs, THE Monitor SHALL query every state\n\n3.2. WHERE no state is set, THE Monitor SHALL use the default\n";
    let model = specls::model::from_text(
        &g,
        Path::new("/w/.kiro/specs/p/requirements.md"),
        ".kiro/specs/p/requirements.md",
        text,
    );
    let criteria: Vec<(&str, Option<&str>)> =
        model.clauses.iter().map(|c| (&*c.id, c.parent.map(|p| &*model.clauses[p as usize].id))).collect();
    assert_eq!(criteria, [("3", None), ("3.1", Some("3")), ("3.2", Some("3"))]);
}

/// FR-008, FR-009: requirements documents that label their items (`### US-1:`, `### NFR-2:`) and
/// tasks citing `**Requirements**: Requirement 3.1, 3.2` or prose `(Requirements 17 and 18)`.
#[test]
fn kiro_labelled_requirements_and_bold_citations_are_read() {
    let g = Grammar::builtin();
    let requirements = "# Pipeline - Requirements\n\n## 2. User Stories\n\n### US-1: Deploy the pipeline\n\n## 5. Non-Functional Requirements\n\n### NFR-2: Security\n";
    let model = specls::model::from_text(
        &g,
        Path::new("/w/.kiro/specs/p/requirements.md"),
        ".kiro/specs/p/requirements.md",
        requirements,
    );
    let defined: Vec<(&str, &str)> = model.clauses.iter().map(|c| (c.kind.as_str(), &*c.id)).collect();
    assert_eq!(defined, [("user-story", "US-1"), ("requirement", "NFR-2")]);
    let tasks = "# Implementation Tasks\n\n- [x] 1.1 Build the stack\n  - **Requirements**: Requirement 3.1, 3.2 (Deployment)\n  - **Validates**: US-1, NFR-2\n  - Replaces the old poller (Requirements 17 and 18)\n";
    let model = specls::model::from_text(&g, Path::new("/w/.kiro/specs/p/tasks.md"), ".kiro/specs/p/tasks.md", tasks);
    let cited: Vec<&str> = model.references.iter().map(|r| &*r.id).collect();
    assert_eq!(cited, ["3.1", "3.2", "US-1", "NFR-2", "17", "18"]);
}

// ------------------------------------------------------------------ OpenSpec

/// FR-008: a main spec's requirements are keyed by name and own their scenarios.
#[test]
fn openspec_main_spec_requirements_own_their_scenarios() {
    let (root, index) = workspace("openspec");
    let spec = doc(&index, &root, "openspec/specs/album-sharing/spec.md");
    assert_eq!(kind(&index, &spec.model), "openspec.spec");
    assert_eq!(
        ids(&clauses_of(&spec.model, "requirement")),
        ["Share link creation", "Link revocation", "Legacy embed codes"]
    );
    let scenarios: Vec<(String, String)> = clauses_of(&spec.model, "scenario")
        .iter()
        .map(|c| (spec.model.clauses[c.parent.expect("scenario parent") as usize].id.to_string(), c.id.to_string()))
        .collect();
    assert_eq!(
        scenarios,
        [
            ("Share link creation".to_string(), "Owner enables sharing".to_string()),
            ("Share link creation".to_string(), "Sharing is already enabled".to_string()),
            ("Link revocation".to_string(), "Visitor opens a revoked link".to_string()),
            ("Legacy embed codes".to_string(), "Embedded album loads".to_string()),
        ]
    );
    assert!(diagnostics(&index, &spec.model.path).is_empty());
}

/// FR-006, FR-008: a delta's ADDED, MODIFIED and REMOVED requirements are clauses with their
/// scenarios; RENAMED lines (inside inline code) define nothing.
#[test]
fn openspec_delta_requirements_are_read_per_section() {
    let (root, index) = workspace("openspec");
    let delta = doc(&index, &root, "openspec/changes/add-link-expiry/specs/album-sharing/spec.md");
    assert_eq!(kind(&index, &delta.model), "openspec.delta");
    assert_eq!(delta.model.scope.as_deref(), Some(root.join("openspec/changes/add-link-expiry").as_path()));
    let section_of = |c: &Clause| {
        delta
            .model
            .sections
            .iter()
            .filter(|s| s.level == 2 && s.range.contains(&c.id_range.start))
            .map(|s| s.title.clone())
            .next()
            .unwrap()
    };
    let requirements: Vec<(String, String)> =
        clauses_of(&delta.model, "requirement").iter().map(|c| (section_of(c), c.id.to_string())).collect();
    assert_eq!(
        requirements,
        [
            ("ADDED Requirements".to_string(), "Link expiry".to_string()),
            ("MODIFIED Requirements".to_string(), "Share link creation".to_string()),
            ("REMOVED Requirements".to_string(), "Legacy embed codes".to_string()),
        ]
    );
    let parents: Vec<&str> = clauses_of(&delta.model, "scenario")
        .iter()
        .map(|c| &*delta.model.clauses[c.parent.unwrap() as usize].id)
        .collect();
    assert_eq!(parents, ["Link expiry", "Share link creation", "Share link creation"]);
    assert!(!delta.model.clauses.iter().any(|c| c.id.contains("revocation")));
}

/// FR-008, FR-010: code spans are never matched, yet names and titles keep them as written.
#[test]
fn names_and_titles_keep_their_code_spans() {
    let g = Grammar::builtin();
    let text = "# cli Specification\n\n## Purpose\n\nx\n\n## Requirements\n\n### Requirement: Init\n\nThe CLI SHALL init.\n\n#### Scenario: Creating root `AGENTS.md`\n\n- **WHEN** init runs\n";
    let model =
        specls::model::from_text(&g, Path::new("/w/openspec/specs/cli/spec.md"), "openspec/specs/cli/spec.md", text);
    assert_eq!(model.clauses.iter().map(|c| &*c.id).collect::<Vec<_>>(), ["Init", "Creating root `AGENTS.md`"]);
    let (root, index) = workspace("openspec");
    let tasks = doc(&index, &root, "openspec/changes/add-link-expiry/tasks.md");
    assert_eq!(tasks.model.clauses[0].title_in(&tasks.text), "Add the `expires_at` column to `share_links`");
}

/// FR-006: change artifacts get their kinds; an archived change is indexed but never diagnosed.
#[test]
fn openspec_change_artifacts_and_archive_are_told_apart() {
    let (root, index) = workspace("openspec");
    let kinds = |relative: &str| kind(&index, &doc(&index, &root, relative).model);
    assert_eq!(kinds("openspec/changes/add-link-expiry/proposal.md"), "openspec.proposal");
    assert_eq!(kinds("openspec/changes/add-link-expiry/tasks.md"), "openspec.tasks");
    let tasks = doc(&index, &root, "openspec/changes/add-link-expiry/tasks.md");
    assert_eq!(ids(&clauses_of(&tasks.model, "task")), ["1.1", "1.2", "2.1", "2.2"]);
    for file in ["proposal.md", "tasks.md", "specs/album-sharing/spec.md"] {
        let relative = format!("openspec/changes/archive/2026-02-03-add-album-sharing/{file}");
        assert_eq!(kinds(&relative), "openspec.archived");
        assert!(diagnostics(&index, &root.join(&relative)).is_empty());
    }
}

// ------------------------------------------------------------------ agent specs

/// FR-006, FR-021: a document outside the agent paths is an agent spec by its sections, and a
/// missing section is reported on the title.
#[test]
fn agent_specs_are_detected_by_content_and_missing_sections_reported() {
    let (root, index) = workspace("agent");
    let complete = doc(&index, &root, "agents/summarise-thread.md");
    let partial = doc(&index, &root, "agents/triage-issue.md");
    assert_eq!(kind(&index, &complete.model), "agent.spec");
    assert_eq!(kind(&index, &partial.model), "agent.spec");
    assert_eq!(ids(&clauses_of(&complete.model, "acceptance-check")), ["AC-1", "AC-2", "AC-3"]);
    assert!(diagnostics(&index, &complete.model.path).is_empty());
    let missing: Vec<String> = diagnostics(&index, &partial.model.path)
        .into_iter()
        .filter(|d| d.code == "missing-section")
        .map(|d| {
            assert_eq!(&partial.text[d.range.clone()], "# Agent: Triage a new issue");
            d.message
        })
        .collect();
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert!(missing[0].contains("`## Out of scope`"), "{}", missing[0]);
}

// ------------------------------------------------------------------ Spec Kit

/// FR-008: requirements, success criteria, stories, scenarios, tasks, checklist items, principles.
#[test]
fn speckit_clause_kinds_are_extracted() {
    let (root, index) = workspace("speckit");
    let spec = doc(&index, &root, "specs/001-login/spec.md");
    assert_eq!(ids(&clauses_of(&spec.model, "requirement")), ["FR-001", "FR-002", "FR-003", "FR-002"]);
    assert_eq!(ids(&clauses_of(&spec.model, "success-criterion")), ["SC-001"]);
    assert_eq!(ids(&clauses_of(&spec.model, "user-story")), ["US1", "US2"]);
    assert_eq!(ids(&clauses_of(&spec.model, "acceptance-scenario")), ["US1/AC1", "US1/AC2", "US2/AC1"]);
    let tasks = doc(&index, &root, "specs/001-login/tasks.md");
    assert_eq!(ids(&clauses_of(&tasks.model, "task")), ["T001", "T002", "T003", "T004", "T005"]);
    let checklist = doc(&index, &root, "specs/001-login/checklists/requirements.md");
    assert_eq!(ids(&clauses_of(&checklist.model, "checklist-item")), ["CHK001", "CHK002"]);
    let constitution = doc(&index, &root, ".specify/memory/constitution.md");
    let principles = clauses_of(&constitution.model, "principle");
    assert_eq!(ids(&principles), ["I", "II", "III"]);
    assert!(principles.iter().all(|c| c.global));
}

/// FR-008: requirements as table rows (`| FR-01 | … |`) and stories as `### US-1: Title (P0)`.
#[test]
fn speckit_table_requirements_and_short_story_headings_are_read() {
    let g = Grammar::builtin();
    let text = "# Feature Spec 001: Events\n\n## User Scenarios & Testing\n\n### US-1: Browse Events Without Account (P0)\n\n## Requirements\n\n| ID | Requirement | Priority |\n|----|-------------|----------|\n| FR-01 | Events list shows upcoming events | P0 |\n\n## Success Criteria\n\n| ID | Criterion | Measured by |\n|----|-----------|-------------|\n| SC-01 | A visitor finds an event in 3 clicks | UX test |\n";
    let model =
        specls::model::from_text(&g, Path::new("/w/specs/001-events/spec.md"), "specs/001-events/spec.md", text);
    let defined: Vec<(&str, &str, &str)> =
        model.clauses.iter().map(|c| (c.kind.as_str(), &*c.id, c.title_in(text))).collect();
    assert_eq!(
        defined,
        [
            ("user-story", "US1", "Browse Events Without Account"),
            ("requirement", "FR-01", "Events list shows upcoming events"),
            ("success-criterion", "SC-01", "A visitor finds an event in 3 clicks"),
        ]
    );
}

/// FR-011: a checklist in `specs/<feature>/checklists/` belongs to the feature, not to its
/// `checklists` subfolder, so its `Spec §FR-…` tags resolve in the feature.
#[test]
fn speckit_checklists_share_their_feature_scope() {
    let (root, index) = workspace("speckit");
    let feature = root.join("specs/001-login");
    for relative in ["spec.md", "plan.md", "tasks.md", "checklists/requirements.md"] {
        let d = doc(&index, &root, &format!("specs/001-login/{relative}"));
        assert_eq!(d.model.scope.as_deref(), Some(feature.as_path()), "{relative}");
    }
}

// ------------------------------------------------------------------ masking

/// FR-010: nothing inside fenced code, inline code, HTML comments or front matter is read, in any
/// fixture document.
#[test]
fn nothing_is_extracted_from_code_comments_or_front_matter() {
    for name in ["kiro", "openspec", "agent", "speckit"] {
        let (root, index) = workspace(name);
        for d in index.docs() {
            let model = &d.model;
            let masked: Vec<_> = model
                .folds
                .iter()
                .filter(|f| matches!(f.kind, FoldKind::Code | FoldKind::Comment | FoldKind::FrontMatter))
                .map(|f| f.range.clone())
                .collect();
            let spans = model
                .clauses
                .iter()
                .map(|c| c.id_range.clone())
                .chain(model.references.iter().map(|r| r.range.clone()))
                .chain(model.markers.iter().map(|m| m.range.clone()));
            for span in spans {
                let text = &d.text[span.clone()];
                assert!(
                    !masked.iter().any(|m| m.contains(&span.start)),
                    "{} reads {text:?} in a masked block",
                    rel(&root, &model.path)
                );
                assert!(!text.contains('`'), "{} reads inline code {text:?}", rel(&root, &model.path));
            }
        }
    }
    let (root, index) = workspace("speckit");
    let spec = doc(&index, &root, "specs/001-login/spec.md");
    let keys: Vec<&str> =
        spec.model.clauses.iter().map(|c| &*c.id).chain(spec.model.references.iter().map(|r| &*r.id)).collect();
    for hidden in ["FR-099", "FR-100", "FR-101"] {
        assert!(!keys.contains(&hidden), "{hidden} is inside code or a comment");
    }
    let (root, index) = workspace("kiro");
    let steering = doc(&index, &root, ".kiro/steering/tech.md");
    assert!(steering.model.references.is_empty(), "front matter and inline code cite nothing");
    let requirements = doc(&index, &root, ".kiro/specs/photo-albums/requirements.md");
    assert!(
        !requirements.model.clauses.iter().any(|c| &*c.id == "1.4" || &*c.id == "2.4"),
        "commented and fenced items are no criteria"
    );
}

/// FR-006: the Spec Kit toolkit's own templates and prompts are templates, never diagnosed.
#[test]
fn speckit_toolkit_templates_are_not_linted() {
    let g = Grammar::builtin();
    for relative in [
        "templates/spec-template.md",
        "templates/commands/specify.md",
        "presets/lean/commands/speckit.plan.md",
        "presets/self-test/templates/tasks-template.md",
        ".specify/templates/spec-template.md",
    ] {
        let id = g.kind_for_path(relative).map(|k| g.kind(k).id.clone());
        assert_eq!(id.as_deref(), Some("speckit.template"), "{relative}");
        assert!(!g.kind(g.kind_for_path(relative).unwrap()).lint);
    }
}

/// FR-021: only `[NEEDS CLARIFICATION: question]` is a marker; naming the marker is not.
#[test]
fn clarification_markers_need_a_question() {
    let g = Grammar::builtin();
    let text = "# Specification Quality Checklist: Login\n\n- [x] No [NEEDS CLARIFICATION] markers remain\n- [ ] Lockout [NEEDS CLARIFICATION: how many attempts?]\n";
    let model = specls::model::from_text(
        &g,
        Path::new("/w/specs/001-a/checklists/requirements.md"),
        "specs/001-a/checklists/requirements.md",
        text,
    );
    let markers: Vec<&str> = model.markers.iter().map(|m| &text[m.range.clone()]).collect();
    assert_eq!(markers, ["[NEEDS CLARIFICATION: how many attempts?]"]);
}

/// FR-009: Spec Kit keys are not read in Kiro or OpenSpec documents, which have their own.
#[test]
fn speckit_references_stay_out_of_other_formats() {
    let g = Grammar::builtin();
    let text = "# Implementation Plan\n\n- [ ] 1. Harden the pipeline per NFR-2 and Principle II\n";
    let model = specls::model::from_text(&g, Path::new("/w/.kiro/specs/p/tasks.md"), ".kiro/specs/p/tasks.md", text);
    let cited: Vec<(&str, &str)> =
        model.references.iter().map(|r| (g.namespace(r.namespace).id.as_str(), &*r.id)).collect();
    assert_eq!(cited, [("kiro.requirement", "NFR-2")]);
}
