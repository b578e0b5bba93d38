//! Project configuration: which rules run and at what severity.

use std::collections::HashMap;

use super::diagnostics::Severity;

/// A rule's configured level: a severity, or off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

#[derive(Clone, Debug, Default)]
pub struct Config {
    pub rules: HashMap<String, Level>,
    /// Replaces the built-in list of unmeasurable words checked by `vague-term`.
    pub vague_terms: Option<Vec<String>>,
}

impl Config {
    /// The severity a rule reports at, or `None` when it is off.
    pub fn severity(&self, code: &str, default: Severity) -> Option<Severity> {
        match self.rules.get(code) {
            Some(Level::Off) => None,
            Some(Level::On(severity)) => Some(*severity),
            None => Some(default),
        }
    }
}
