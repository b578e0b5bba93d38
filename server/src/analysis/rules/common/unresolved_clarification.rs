//! `unresolved-clarification`: a `[NEEDS CLARIFICATION: …]` marker left in the text.

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

pub const RULE: Rule = Rule {
    code: "unresolved-clarification",
    severity: Severity::Warning,
    summary: "a clarification marker is left in the text",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    for marker in cx.doc.model.markers.iter().filter(|m| &*m.kind == "clarification") {
        out.emit(
            marker.range.clone(),
            "Unresolved clarification: answer the question in the spec, then remove the marker",
        );
    }
}
