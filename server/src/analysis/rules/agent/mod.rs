//! Agent-spec rules (the six sections are checked by `missing-section`).

use super::Rule;

pub const RULES: &[Rule] = &[];
