//! Reference resolution: the reference's feature scope first, then the workspace; several
//! candidates are reported as ambiguous rather than guessed.

use crate::model::grammar::Resolution as Strategy;
use crate::model::{DocModel, Reference};

use super::index::{ClauseLoc, WorkspaceIndex};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolution {
    Resolved(ClauseLoc),
    Ambiguous(Vec<ClauseLoc>),
    Unresolved,
}

impl Resolution {
    /// Every candidate definition (one when resolved).
    pub fn candidates(&self) -> Vec<ClauseLoc> {
        match self {
            Resolution::Resolved(loc) => vec![loc.clone()],
            Resolution::Ambiguous(locs) => locs.clone(),
            Resolution::Unresolved => Vec::new(),
        }
    }
}

/// Resolve a reference written in `from`.
pub fn resolve(index: &WorkspaceIndex, from: &DocModel, reference: &Reference) -> Resolution {
    let all = index.definitions(reference.namespace, &reference.id);
    let strategy = index.grammar.namespace(reference.namespace).resolve;
    let in_scope: Vec<ClauseLoc> =
        all.iter().filter(|loc| index.scope_of(loc) == from.scope.as_deref()).cloned().collect();
    let global_defs = || -> Vec<ClauseLoc> {
        all.iter().filter(|loc| index.clause(loc).is_some_and(|(_, c)| c.global)).cloned().collect()
    };
    let candidates = match strategy {
        Strategy::Global => all.to_vec(),
        Strategy::Scope if in_scope.is_empty() => global_defs(),
        Strategy::Scope => in_scope,
        Strategy::ScopeThenGlobal if in_scope.is_empty() => all.to_vec(),
        Strategy::ScopeThenGlobal => in_scope,
    };
    match candidates.len() {
        0 => Resolution::Unresolved,
        1 => Resolution::Resolved(candidates.into_iter().next().expect("one candidate")),
        _ => Resolution::Ambiguous(candidates),
    }
}
