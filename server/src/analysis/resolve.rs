//! Reference resolution: the reference's feature scope first, then the workspace; several
//! candidates are reported as ambiguous rather than guessed.

use crate::model::grammar::Resolution as Strategy;
use crate::model::{DocModel, Reference};

use super::index::{ClauseLoc, ScopeId, WorkspaceIndex, in_scope};

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
    resolve_in(index, index.scope_id(from.scope.as_deref()), reference)
}

/// [`resolve`] for a reference written in a document of `scope`: a document's references are
/// resolved with its scope looked up once, and the candidates are listed only when several.
pub fn resolve_in(index: &WorkspaceIndex, scope: ScopeId, reference: &Reference) -> Resolution {
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
    let in_scope = in_scope(all, scope);
    match index.grammar.namespace(namespace).resolve {
        Strategy::Global => Resolution::of(all),
        Strategy::Scope if in_scope.is_empty() => {
            Resolution::from(all.iter().filter(|loc| loc.global).copied().collect::<Vec<_>>())
        }
        Strategy::Scope => Resolution::of(in_scope),
        Strategy::ScopeThenGlobal if in_scope.is_empty() => Resolution::of(all),
        Strategy::ScopeThenGlobal => Resolution::of(in_scope),
    }
}

impl Resolution {
    /// The resolution of these candidates, copying them only when there are several.
    fn of(candidates: &[ClauseLoc]) -> Self {
        match candidates {
            [] => Resolution::Unresolved,
            [one] => Resolution::Resolved(*one),
            _ => Resolution::Ambiguous(candidates.to_vec()),
        }
    }
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
