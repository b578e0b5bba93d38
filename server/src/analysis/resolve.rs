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
            Resolution::Resolved(loc) => vec![*loc],
            Resolution::Ambiguous(locs) => locs.clone(),
            Resolution::Unresolved => Vec::new(),
        }
    }
}

/// Resolve a reference written in `from`. A pinned reference resolves in the scopes its pin
/// names (and to workspace-wide definitions), never elsewhere; a pin that names no feature of
/// the workspace (prose that looked like one) is ignored.
pub fn resolve(index: &WorkspaceIndex, from: &DocModel, reference: &Reference) -> Resolution {
    let namespace = reference.namespace;
    let all = index.definitions(namespace, &reference.id);
    if let Some(pin) = &reference.pin
        && index.scopes_named(pin).next().is_some()
    {
        let mut candidates: Vec<ClauseLoc> = index
            .scopes_named(pin)
            .flat_map(|scope| index.definitions_in(namespace, scope, &reference.id).iter().copied())
            .collect();
        if candidates.is_empty() {
            candidates = all.iter().filter(|loc| loc.global).copied().collect();
        }
        return Resolution::from(candidates);
    }
    let in_scope = index.definitions_in(namespace, index.scope_id(from.scope.as_deref()), &reference.id);
    let candidates: Vec<ClauseLoc> = match index.grammar.namespace(namespace).resolve {
        Strategy::Global => all.to_vec(),
        Strategy::Scope if in_scope.is_empty() => all.iter().filter(|loc| loc.global).copied().collect(),
        Strategy::Scope => in_scope.to_vec(),
        Strategy::ScopeThenGlobal if in_scope.is_empty() => all.to_vec(),
        Strategy::ScopeThenGlobal => in_scope.to_vec(),
    };
    Resolution::from(candidates)
}

impl From<Vec<ClauseLoc>> for Resolution {
    fn from(candidates: Vec<ClauseLoc>) -> Self {
        match candidates.as_slice() {
            [] => Resolution::Unresolved,
            [one] => Resolution::Resolved(*one),
            _ => Resolution::Ambiguous(candidates),
        }
    }
}
