//! Spec Kit rules.

pub(super) mod constitution_version;
mod duplicate_feature_number;
mod missing_spec;
mod principle_numbering;
mod story_label;
mod task_format;
mod task_path;
mod tasks;
pub(super) mod text;
mod too_many_clarifications;

use super::{Context, Rule};

pub const RULES: &[Rule] = &[
    task_format::RULE,
    task_path::RULE,
    story_label::RULE,
    too_many_clarifications::RULE,
    principle_numbering::RULE,
    constitution_version::RULE,
    duplicate_feature_number::RULE,
    missing_spec::RULE,
];

const TASKS: &str = "speckit.tasks";
const CONSTITUTION: &str = "speckit.constitution";

/// The document is of the kind with this grammar id.
fn is_kind(cx: &Context, kind: &str) -> bool {
    cx.index.grammar.kind(cx.doc.model.kind).id == kind
}

/// The document is one of a feature's Spec Kit documents.
fn in_feature(cx: &Context) -> bool {
    cx.doc.model.scope.is_some() && cx.index.grammar.kind(cx.doc.model.kind).format == "speckit"
}

/// The number of a Spec Kit feature folder: `001` in `001-user-auth`, `20250101-120000` in the
/// timestamp form `20250101-120000-user-auth`; `None` for a folder not named like a feature.
fn feature_number(folder: &str) -> Option<&str> {
    let bytes = folder.as_bytes();
    let digits = |from: usize| bytes[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    let first = digits(0);
    if first == 8 && bytes.get(8) == Some(&b'-') && digits(9) == 6 && bytes.get(15) == Some(&b'-') {
        return Some(&folder[..15]);
    }
    (first >= 3 && bytes.get(first) == Some(&b'-')).then(|| &folder[..first])
}

#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    /// The shapes of microsoft/CommunityManagement-Sample-Spec-Kit: `### US-1:` stories with bare
    /// priorities, lettered task IDs, phases named freely, notes that look like tasks.
    #[test]
    fn a_real_world_feature_gets_no_spec_kit_diagnostics() {
        let spec = "# Feature Specification: Events\n\n## User Scenarios & Testing\n\n\
            ### US-1: Browse events (P0)\n\n### US-2: RSVP (P1)\n\n## Requirements\n\n\
            | FR-01 | Events are listed | P0 |\n\n## Success Criteria\n\n- **SC-001**: Fast.\n";
        let tasks = "# Tasks: Events\n\n## Format: `[ID] [P?] [Story] Description`\n\n\
            ## Phase 1: Setup (Project Initialisation)\n\n- [x] T001 Scaffold in `src/`\n\n\
            ## Phase 2: Foundational — Shared Layout Shell (Blocking)\n\n- [X] T002 [P] Layout in src/layout.tsx\n\n\
            ## Phase 3: User Story 1 — Browse Events Without Account (Priority: P0) 🎯 MVP\n\n### Implementation\n\n\
            - [ ] T003 [P] [US1] Event list in src/events/list.tsx per FR-01\n\
            - [-] T003a [US1] Deferred split in src/events/map.tsx — split from T003\n\n\
            ## Phase 4: User Story 1 & 2 — Shared (Priority: P0)\n\n- [ ] T004 [US1+US2] Both in src/both.ts\n\n\
            ## Phase 10: Event Creator Operations (Cross-cutting)\n\n- [ ] T005 [US2] Ops in src/ops.ts\n\n\
            ## Phase 11: Polish & Cross-Cutting Concerns\n\n- [ ] T006 [P] Docs in docs/events.md\n\n\
            ## Dependencies & Execution Order\n\n### Parallel Opportunities\n\n- T001 + T002 (independent)\n\n\
            ```\nT003 — EventList component\n```\n\n## Notes\n\n- [P] tasks = different files, no dependencies\n";
        let found: Vec<String> =
            check_files(&[("specs/001-events/spec.md", spec), ("specs/001-events/tasks.md", tasks)])
                .into_iter()
                .filter(|d| d.contains(" speckit/"))
                .collect();
        assert_eq!(found, Vec::<String>::new());
    }

    #[test]
    fn feature_numbers_follow_both_numbering_modes() {
        assert_eq!(super::feature_number("001-user-auth"), Some("001"));
        assert_eq!(super::feature_number("1234-x"), Some("1234"));
        assert_eq!(super::feature_number("20250101-120000-user-auth"), Some("20250101-120000"));
        assert_eq!(super::feature_number("01-x"), None);
        assert_eq!(super::feature_number("user-auth"), None);
        assert_eq!(super::feature_number("001"), None);
    }
}
