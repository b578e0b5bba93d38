//! Rules for every format.

mod ambiguous_reference;
mod broken_link;
mod duplicate_id;
mod empty_section;
mod missing_section;
mod orphan_task;
mod template_placeholder;
mod terms;
mod test_failing;
mod uncovered_requirement;
mod unresolved_clarification;
mod unresolved_reference;
mod vague_term;

use super::Rule;

pub const RULES: &[Rule] = &[
    duplicate_id::RULE,
    unresolved_reference::RULE,
    ambiguous_reference::RULE,
    missing_section::RULE,
    unresolved_clarification::RULE,
    empty_section::RULE,
    template_placeholder::RULE,
    vague_term::RULE,
    uncovered_requirement::RULE,
    orphan_task::RULE,
    broken_link::RULE,
    test_failing::RULE,
];

/// Rules that also run over source files (which the others leave alone).
pub const CODE_RULES: &[Rule] = &[test_failing::RULE];
