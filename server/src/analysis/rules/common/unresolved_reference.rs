//! `unresolved-reference`: a cited key with no definition it can resolve to.

use crate::analysis::diagnostics::Severity;
use crate::analysis::resolve::Resolution;
use crate::analysis::rules::{Context, Emitter, Rule};

pub const RULE: Rule = Rule {
    code: "unresolved-reference",
    severity: Severity::Error,
    summary: "an ID is cited but defined nowhere it can resolve",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    let model = &cx.doc.model;
    // Plain Markdown mentions IDs in passing (READMEs, notes); only spec documents must resolve.
    if model.kind == cx.index.grammar.generic {
        return;
    }
    for (reference, resolution) in cx.resolved_references() {
        if *resolution != Resolution::Unresolved {
            continue;
        }
        let what = &cx.index.grammar.namespace(reference.namespace).label;
        let place = if model.scope.is_some() { "in this feature" } else { "in the workspace" };
        out.emit(
            reference.range.clone(),
            format!("No {what} `{}` is defined {place}; define it or fix the reference", reference.id),
        );
    }
}
