//! Rules for every format.

mod ambiguous_reference;
mod duplicate_id;
mod missing_section;
mod unresolved_clarification;
mod unresolved_reference;

use super::Rule;

pub const RULES: &[Rule] = &[
    duplicate_id::RULE,
    unresolved_reference::RULE,
    ambiguous_reference::RULE,
    missing_section::RULE,
    unresolved_clarification::RULE,
];
