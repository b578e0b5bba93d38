//! OpenSpec rules.

use super::Rule;

pub const RULES: &[Rule] = &[];
