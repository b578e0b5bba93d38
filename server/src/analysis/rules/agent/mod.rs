//! Agent-spec rules (the six sections are checked by `missing-section`).

mod failure_mode_per_dependency;

pub(crate) use failure_mode_per_dependency::dependencies;

use super::Rule;

pub const RULES: &[Rule] = &[failure_mode_per_dependency::RULE];
