//! OpenSpec rules. The first group reproduces `openspec validate --strict` (1.13): the same
//! findings at the same level, with messages that start with the validator's own wording, but on
//! a line. The archive preflight (`modified-not-found`, `removed-not-found`, `added-exists`)
//! reports ahead of time what `openspec archive` would refuse. `tests/openspec-oracle/` diffs
//! these rules against the validator on a real corpus.

mod added_exists;
mod change_deltas;
mod delta_header;
mod delta_orphan;
mod delta_sections;
mod modified_not_found;
mod parse;
mod purpose;
mod removed_not_found;
mod renamed_pair;
mod requirement_length;
mod requirement_scenario;
mod requirement_shall;
mod requirement_text;
mod scenario_dropped;
mod scenario_level;
mod spec_structure;
pub(crate) mod support;
mod task_checkbox;
mod task_group;
mod tasks;

use super::Rule;

pub const RULES: &[Rule] = &[
    spec_structure::RULE,
    purpose::RULE,
    requirement_text::RULE,
    requirement_shall::RULE,
    requirement_scenario::RULE,
    scenario_level::RULE,
    requirement_length::RULE,
    delta_sections::RULE,
    delta_orphan::RULE,
    delta_header::RULE,
    renamed_pair::RULE,
    change_deltas::RULE,
    scenario_dropped::RULE,
    modified_not_found::RULE,
    removed_not_found::RULE,
    added_exists::RULE,
    task_group::RULE,
    task_checkbox::RULE,
];
