//! `duplicate-id`: a key defined twice where it must be unique (its scope, document or parent).

use crate::analysis::diagnostics::{Severity, related};
use crate::analysis::index::ClauseLoc;
use crate::analysis::rules::{Context, Emitter, Rule};
use crate::model::grammar::Uniqueness;

pub const RULE: Rule = Rule {
    code: "duplicate-id",
    severity: Severity::Error,
    summary: "an ID is defined twice where it must be unique",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    let index = cx.index;
    let model = &cx.doc.model;
    let Some(doc_id) = index.doc_id(&model.path) else { return };
    let scope = index.scope_id(model.scope.as_deref());
    for i in index.contested(cx.doc).iter().map(|&i| i as usize) {
        let clause = &model.clauses[i];
        let this = |loc: &ClauseLoc| loc.doc == doc_id && loc.index as usize == i;
        let unique = index.grammar.namespace(clause.namespace).unique;
        if unique == Uniqueness::None {
            continue;
        }
        let other = |l: &ClauseLoc| match unique {
            Uniqueness::Scope => !this(l) && l.global == clause.global,
            Uniqueness::Document => !this(l) && l.doc == doc_id,
            Uniqueness::Parent => {
                !this(l) && l.doc == doc_id && index.clause(l).is_some_and(|(_, c)| c.parent == clause.parent)
            }
            Uniqueness::None => unreachable!("skipped above"),
        };
        let same_key = index.definitions_in(clause.namespace, scope, &clause.id);
        // Most keys are defined once: the others are listed only when there are some.
        if !same_key.iter().any(other) {
            continue;
        }
        let others: Vec<&ClauseLoc> = same_key.iter().filter(|l| other(l)).collect();
        let label = &index.grammar.namespace(clause.namespace).label;
        out.emit_related(
            clause.id_range.clone(),
            format!(
                "{} `{}` is defined {} times; give each definition its own ID",
                capitalise(label),
                clause.id,
                others.len() + 1
            ),
            related(index, others.into_iter().copied(), "also defined here"),
        );
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}
