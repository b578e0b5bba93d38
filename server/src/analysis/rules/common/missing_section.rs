//! `missing-section`: a section the document's kind requires is absent.

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

pub const RULE: Rule = Rule {
    code: "missing-section",
    severity: Severity::Warning,
    summary: "a section the document's kind requires is absent",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    let model = &cx.doc.model;
    let kind = cx.index.grammar.kind(model.kind);
    // Reported on the title line: there is no place for what is missing.
    let anchor = model.sections.first().map_or(0..0, |s| {
        let heading = &cx.doc.text[s.heading.clone()];
        s.heading.start..s.heading.start + heading.trim_end().len()
    });
    for section in kind.sections.iter().filter(|s| s.required) {
        if model.sections.iter().any(|s| section.matches(&s.title)) {
            continue;
        }
        out.emit(
            anchor.clone(),
            format!(
                "This {} needs a `{} {}` section; add it",
                kind.label,
                "#".repeat(section.level as usize),
                section.title
            ),
        );
    }
}
