//! Deterministic generator of Spec Kit documents and workspaces, shared by the benches, and of
//! source files that cite their IDs (`code`).
//!
//! A seeded xorshift instead of `rand`: the same seed gives byte-identical documents on every
//! machine and with every dependency version, so figures from different runs stay comparable.
//! The text is ASCII, so byte columns equal UTF-16 columns.

#![allow(dead_code, reason = "each bench binary uses a different part of the generator")]

mod code;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub use code::CodeStats;

/// Every form of ID the generated files write (`FR-003`, `SC-001`, `T004`, `US2`, `fr_002_`,
/// `_FR002_`), in the syntax of both the `regex` crate and ripgrep, for side-by-side runs such
/// as `rg -c "$ID_PATTERN" <root>`.
pub const ID_PATTERN: &str = r"\b(?:FR|SC)-\d{3}\b|\bT\d{3}\b|\bUS\d+\b|\bfr_\d{3}_|_FR\d{3}_";

/// xorshift64*: tiny, fast and good enough for picking words.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        // Spread small seeds over the state; xorshift must never hold zero.
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const NOUNS: &[&str] = &[
    "invoice",
    "account",
    "report",
    "session",
    "export",
    "customer",
    "order",
    "payment",
    "ledger",
    "profile",
    "upload",
    "schedule",
    "token",
    "workspace",
    "notification",
    "archive",
    "dashboard",
    "webhook",
    "policy",
    "batch",
];
const VERBS: &[&str] = &[
    "validate", "store", "export", "retry", "reject", "archive", "notify", "encrypt", "list", "merge", "audit",
    "schedule", "render", "import", "sign",
];
const ADJECTIVES: &[&str] = &[
    "pending",
    "failed",
    "signed",
    "archived",
    "shared",
    "expired",
    "draft",
    "large",
    "recent",
    "duplicate",
    "remote",
];
const ACTORS: &[&str] =
    &["an administrator", "a registered user", "a guest", "an auditor", "the billing team", "a new customer"];
const QUESTIONS: &[&str] = &[
    "retention period not specified",
    "auth method not specified - SSO or OAuth?",
    "maximum file size unknown",
    "which time zone applies?",
    "should partial exports be kept?",
];

fn title_case(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |c| c.to_ascii_uppercase().to_string() + chars.as_str())
}

fn plural(noun: &str) -> String {
    match noun.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None if noun.ends_with("ch") => format!("{noun}es"),
        None => format!("{noun}s"),
    }
}

fn phrase(rng: &mut Rng) -> String {
    format!("{} {} {}", rng.pick(VERBS), rng.pick(ADJECTIVES), plural(rng.pick(NOUNS)))
}

fn clause(rng: &mut Rng) -> String {
    format!("{} has {} {} {}", rng.pick(ACTORS), 2 + rng.below(40), rng.pick(ADJECTIVES), plural(rng.pick(NOUNS)))
}

/// A generated feature folder and its three documents.
pub struct Feature {
    /// Folder name under `specs/`, such as `007-export-invoices`.
    pub dir: String,
    pub spec: String,
    pub plan: String,
    pub tasks: String,
    /// The keys the documents define: `FR-001..=FR-{requirements}`, `SC-001..`, `US1..`, `T001..`.
    pub keys: Keys,
}

/// How many keys of each kind a feature defines; each kind is numbered from 1.
#[derive(Clone, Copy, Debug, Default)]
pub struct Keys {
    pub requirements: usize,
    pub criteria: usize,
    pub stories: usize,
    pub tasks: usize,
}

struct Shape {
    title: String,
    dir: String,
    stories: Vec<String>,
    requirements: usize,
    criteria: usize,
}

/// One feature whose `spec.md` is about `spec_bytes` long (within half a user story).
pub fn feature(seed: u64, number: usize, spec_bytes: usize) -> Feature {
    let mut rng = Rng::new(seed ^ (number as u64).rotate_left(32));
    let (noun, verb) = (rng.pick(NOUNS), rng.pick(VERBS));
    let title = format!("{} {}", title_case(verb), plural(noun));
    let dir = format!("{number:03}-{verb}-{}", plural(noun));
    let (spec, shape) = spec_text(&mut rng, title, dir, spec_bytes);
    let plan = plan_text(&mut rng, &shape);
    let (tasks, task_count) = tasks_text(&mut rng, &shape);
    let keys = Keys {
        requirements: shape.requirements,
        criteria: shape.criteria,
        stories: shape.stories.len(),
        tasks: task_count,
    };
    Feature { plan, tasks, spec, dir: shape.dir, keys }
}

/// A Spec Kit `spec.md` of about `bytes` bytes.
pub fn spec(seed: u64, bytes: usize) -> String {
    feature(seed, 1, bytes).spec
}

/// The pieces of a spec are generated in rounds (a story, then requirements and criteria), so
/// every size has the same mix, until the next piece would overshoot the target more than it
/// falls short.
fn spec_text(rng: &mut Rng, title: String, dir: String, bytes: usize) -> (String, Shape) {
    let mut head = String::new();
    let _ = write!(
        head,
        "# Feature Specification: {title}\n\n**Feature Branch**: `{dir}`\n**Created**: 2026-03-02\n**Status**: Draft\n\
         **Input**: User description: \"{} so that {}\"\n\n## User Scenarios & Testing *(mandatory)*\n\n",
        phrase(rng),
        clause(rng)
    );
    let mut edge = String::from("### Edge Cases\n\n");
    for _ in 0..3 {
        let _ = writeln!(edge, "- What happens when {}?", clause(rng));
    }
    edge.push_str("\n## Requirements *(mandatory)*\n\n### Functional Requirements\n\n");
    let mut entities = String::from("\n### Key Entities\n\n");
    for _ in 0..3 {
        let noun = rng.pick(NOUNS);
        let _ = writeln!(entities, "- **{}**: one {noun} that users {}", title_case(noun), phrase(rng));
    }
    entities.push_str("\n## Success Criteria *(mandatory)*\n\n### Measurable Outcomes\n\n");

    let (mut stories, mut requirements, mut criteria) = (String::new(), String::new(), String::new());
    let mut shape = Shape { title, dir, stories: Vec::new(), requirements: 0, criteria: 0 };
    let size =
        |s: &String, r: &String, c: &String| head.len() + edge.len() + entities.len() + s.len() + r.len() + c.len();
    #[derive(Clone, Copy)]
    enum Piece {
        Story,
        Requirement,
        Criterion,
    }
    use Piece::*;
    const ROUND: [Piece; 9] =
        [Story, Requirement, Criterion, Requirement, Requirement, Requirement, Criterion, Requirement, Requirement];
    // Three requirements and a criterion at least: FR-003 carries a clarification marker and
    // the plan cites SC-001.
    'rounds: loop {
        for piece in ROUND {
            let written = (shape.stories.len(), shape.requirements, shape.criteria);
            let mut text = String::new();
            match piece {
                Story => story(rng, &mut shape, &mut text),
                Requirement => requirement(rng, &mut shape, &mut text),
                Criterion => criterion(rng, &mut shape, &mut text),
            }
            // Stop at whichever side of the target is nearer, dropping the piece if need be.
            let minimum = written.1 >= 3 && written.2 >= 1;
            if minimum && size(&stories, &requirements, &criteria) + text.len() / 2 >= bytes {
                shape.stories.truncate(written.0);
                (shape.requirements, shape.criteria) = (written.1, written.2);
                break 'rounds;
            }
            match piece {
                Story => stories.push_str(&text),
                Requirement => requirements.push_str(&text),
                Criterion => criteria.push_str(&text),
            }
        }
    }
    let text = [head, stories, edge, requirements, entities, criteria].concat();
    (text, shape)
}

fn story(rng: &mut Rng, shape: &mut Shape, out: &mut String) {
    let n = shape.stories.len() + 1;
    let title = format!("{} {}", title_case(rng.pick(VERBS)), plural(rng.pick(NOUNS)));
    let _ = write!(
        out,
        "### User Story {n} - {title} (Priority: P{})\n\n{} wants to {} without leaving the `{}` view. \
         Settings live in `config/{}.toml`.\n\n**Why this priority**: it unblocks {} for {}.\n\n\
         **Independent Test**: Can be fully tested by asking the service to {}.\n\n**Acceptance Scenarios**:\n\n",
        1 + rng.below(3),
        title_case(rng.pick(ACTORS)),
        phrase(rng),
        rng.pick(NOUNS),
        rng.pick(NOUNS),
        phrase(rng),
        rng.pick(ACTORS),
        phrase(rng),
    );
    for i in 1..=2 + rng.below(3) {
        let _ = writeln!(
            out,
            "{i}. **Given** {}, **When** they {}, **Then** the service {}.",
            clause(rng),
            phrase(rng),
            phrase(rng)
        );
    }
    if n.is_multiple_of(4) {
        // Pasted examples: fenced code and inline code the model must never read.
        let _ = write!(
            out,
            "\nExample request (`FR-999` in code is not a reference):\n\n```text\nPOST /api/{} {{\"id\": {}}}\n- **FR-999**: a pasted example, never a requirement\n```\n",
            plural(rng.pick(NOUNS)),
            rng.below(1000)
        );
    }
    out.push_str("\n---\n\n");
    shape.stories.push(title);
}

fn requirement(rng: &mut Rng, shape: &mut Shape, out: &mut String) {
    shape.requirements += 1;
    let n = shape.requirements;
    let _ = write!(out, "- **FR-{n:03}**: System MUST {}", phrase(rng));
    if n % 5 == 2 {
        let _ = write!(out, " using `{}.toml`", rng.pick(NOUNS));
    }
    if n % 7 == 3 {
        let _ = write!(out, " via [NEEDS CLARIFICATION: {}]", rng.pick(QUESTIONS));
    }
    if n.is_multiple_of(3) {
        let _ = write!(out, " (see US{})", 1 + rng.below(shape.stories.len()));
    }
    out.push_str(".\n");
}

fn criterion(rng: &mut Rng, shape: &mut Shape, out: &mut String) {
    shape.criteria += 1;
    let _ = writeln!(
        out,
        "- **SC-{:03}**: {}% of {} are handled within {} seconds (FR-{:03}).",
        shape.criteria,
        50 + rng.below(50),
        plural(rng.pick(NOUNS)),
        1 + rng.below(30),
        1 + rng.below(shape.requirements.max(1)),
    );
}

fn plan_text(rng: &mut Rng, shape: &Shape) -> String {
    let Shape { title, dir, .. } = shape;
    let module = dir.replace('-', "_");
    format!(
        "# Implementation Plan: {title}\n\n**Branch**: `{dir}` | **Date**: 2026-03-02 | **Spec**: [spec.md](spec.md)\n\n\
         ## Summary\n\nThe service will {} (FR-001) and {} (FR-{:03}).\n\n\
         ## Technical Context\n\n**Language/Version**: Rust 1.90\n**Primary Dependencies**: axum, sqlx\n**Storage**: PostgreSQL\n\
         **Testing**: cargo test\n**Performance Goals**: meet SC-001 while {}\n\n\
         ## Constitution Check\n\nPasses Principle I and Principle III.\n\n\
         ## Project Structure\n\n```text\nsrc/{module}/\ntests/{module}/\n```\n\n\
         ## Complexity Tracking\n\n| Violation | Why Needed |\n|---|---|\n| none | - |\n",
        phrase(rng),
        phrase(rng),
        shape.requirements,
        clause(rng),
    )
}

/// One phase per user story, one task per requirement spread over the stories; returns the text
/// and the number of tasks.
fn tasks_text(rng: &mut Rng, shape: &Shape) -> (String, usize) {
    let module = shape.dir.replace('-', "_");
    let mut out = format!(
        "# Tasks: {}\n\n**Input**: Design documents from `/specs/{}/`\n\n## Phase 1: Setup (Shared Infrastructure)\n\n\
         - [ ] T001 Create project structure in src/{module}/mod.rs\n- [ ] T002 [P] Configure linting in .config/lint.toml\n\n",
        shape.title, shape.dir
    );
    let mut task = 2;
    let stories = shape.stories.len();
    for (s, story) in shape.stories.iter().enumerate() {
        let _ = write!(out, "## Phase {}: User Story {} - {story} (Priority: P1)\n\n", s + 2, s + 1);
        task += 1;
        let _ = writeln!(out, "- [ ] T{task:03} [P] [US{}] Contract test in tests/{module}/story_{}.rs", s + 1, s + 1);
        for fr in (s + 1..=shape.requirements).step_by(stories) {
            task += 1;
            let parallel = if rng.below(2) == 0 { "[P] " } else { "" };
            let _ = writeln!(
                out,
                "- [ ] T{task:03} {parallel}[US{}] {} in src/{module}/{}.rs per FR-{fr:03}",
                s + 1,
                title_case(&phrase(rng)),
                rng.pick(NOUNS)
            );
        }
        out.push('\n');
    }
    let _ = write!(out, "## Dependencies & Execution Order\n\n- T003 depends on T001; T{task:03} comes last.\n");
    (out, task)
}

pub const CONSTITUTION: &str = "\
# Bench Constitution

## Core Principles

### I. Library-First
Every feature starts as a library with a clear purpose.

### II. CLI Interface
Every library exposes its behaviour through a command line.

### III. Test-First (NON-NEGOTIABLE)
Tests are written, approved and failing before the implementation.

### IV. Observability
Every service logs structured events.

### V. Simplicity
Start simple; justify every added layer.

## Governance
The constitution supersedes all other practices.

**Version**: 1.0.0 | **Ratified**: 2026-01-10 | **Last Amended**: 2026-03-02
";

fn write(root: &Path, relative: &str, text: &str) -> u64 {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().expect("generated paths have a parent")).expect("create bench folder");
    std::fs::write(&path, text).expect("write bench file");
    text.len() as u64
}

/// A generated workspace on disk; deleted when dropped.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    /// Markdown files and their total size.
    pub files: usize,
    pub bytes: u64,
    /// Source and test files; none but in a [`code_workspace`].
    pub code: CodeStats,
}

impl Workspace {
    pub fn root(&self) -> &Path {
        self.dir.path()
    }
}

/// `.specify/memory/constitution.md` plus feature folders `specs/NNN-*/{spec,plan,tasks}.md`
/// (specs of 4–16 KB), until the workspace holds exactly `files` Markdown files.
pub fn workspace(seed: u64, files: usize) -> Workspace {
    let dir = tempfile::tempdir().expect("create temp workspace");
    let (files, bytes, _) = write_specs(dir.path(), seed, files);
    Workspace { dir, files, bytes, code: CodeStats::default() }
}

/// The Markdown of [`workspace`]`(seed, spec_files)` plus `code_files` Rust, Python and
/// TypeScript files, a third of them tests, in nested folders (`src/<module>/…/<file>.rs`,
/// `app/<package>/…/<file>.py`, `web/src/<dir>/…/<file>.ts`, `tests/<file>_test.rs`,
/// `tests/test_<file>.py`, `web/src/<dir>/…/<file>.test.ts`) of about 3.5 KB each. About one code
/// file in four cites IDs of the generated features ([`ID_PATTERN`] matches them all), half of
/// those with their feature's spec path in the header; `code` counts them.
pub fn code_workspace(seed: u64, spec_files: usize, code_files: usize) -> Workspace {
    let dir = tempfile::tempdir().expect("create temp workspace");
    let (files, bytes, features) = write_specs(dir.path(), seed, spec_files);
    let code = code::add_code(dir.path(), seed, code_files, &features);
    Workspace { dir, files, bytes, code }
}

/// Write the constitution and features until `files` Markdown files exist; returns the count,
/// their bytes and the keys each feature defines on disk.
fn write_specs(root: &Path, seed: u64, files: usize) -> (usize, u64, Vec<code::Citable>) {
    let mut bytes = write(root, ".specify/memory/constitution.md", CONSTITUTION);
    let mut written = 1;
    let mut sizes = Rng::new(seed);
    let mut number = 0;
    let mut features = Vec::new();
    while written < files {
        number += 1;
        let f = feature(seed, number, 4_000 + sizes.below(12_000));
        let mut keys = f.keys;
        for (name, text) in [("spec.md", &f.spec), ("plan.md", &f.plan), ("tasks.md", &f.tasks)] {
            if written == files {
                // The last feature may stop before its task list.
                keys.tasks = 0;
                break;
            }
            bytes += write(root, &format!("specs/{}/{name}", f.dir), text);
            written += 1;
        }
        features.push(code::Citable { dir: f.dir, keys });
    }
    (written, bytes, features)
}

/// Add feature folder `specs/NNN-*/` to the workspace at `root`, its spec about `spec_bytes`
/// long; returns the spec's path and text.
pub fn add_feature(root: &Path, seed: u64, number: usize, spec_bytes: usize) -> (PathBuf, String) {
    let f = feature(seed, number, spec_bytes);
    for (name, text) in [("spec.md", &f.spec), ("plan.md", &f.plan), ("tasks.md", &f.tasks)] {
        write(root, &format!("specs/{}/{name}", f.dir), text);
    }
    (root.join("specs").join(&f.dir).join("spec.md"), f.spec)
}

/// A workspace holding the constitution and one feature whose spec is about `spec_bytes` long;
/// returns the spec's path and text too.
pub fn single_feature(seed: u64, spec_bytes: usize) -> (tempfile::TempDir, PathBuf, String) {
    let dir = tempfile::tempdir().expect("create temp workspace");
    write(dir.path(), ".specify/memory/constitution.md", CONSTITUTION);
    let (spec_path, spec) = add_feature(dir.path(), seed, 1, spec_bytes);
    (dir, spec_path, spec)
}
