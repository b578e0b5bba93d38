//! `ambiguous-reference`: a cited key with several candidate definitions; specls never guesses.

use crate::analysis::diagnostics::{Severity, related};
use crate::analysis::resolve::Resolution;
use crate::analysis::rules::{Context, Emitter, Rule};

pub const RULE: Rule = Rule {
    code: "ambiguous-reference",
    severity: Severity::Warning,
    summary: "an ID resolves to several definitions",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    let model = &cx.doc.model;
    if model.kind == cx.index.grammar.generic {
        return;
    }
    for (reference, resolution) in cx.resolved_references() {
        let Resolution::Ambiguous(locs) = resolution else { continue };
        let what = &cx.index.grammar.namespace(reference.namespace).label;
        out.emit_related(
            reference.range.clone(),
            format!(
                "`{}` matches {} {what} definitions; remove the duplicates or reference it from its own feature",
                reference.id,
                locs.len()
            ),
            related(cx.index, locs.iter().copied(), "candidate"),
        );
    }
}
