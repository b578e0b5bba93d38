//! `openspec/renamed-pair`: a RENAMED section whose `FROM:` and `TO:` lines do not pair up, or
//! that renames one name twice.

use crate::analysis::diagnostics::{Related, Severity};
use crate::analysis::rules::{Context, Emitter, Rule};

use super::parse::{self, Doc};
use super::support::{delta, emit, emit_related};

pub const RULE: Rule = Rule {
    code: "openspec/renamed-pair",
    severity: Severity::Error,
    summary: "an OpenSpec RENAMED entry lacks its FROM or TO line, or repeats a name",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    if delta(cx).is_none() {
        return;
    }
    let doc = Doc::new(&cx.doc.text);
    let plan = parse::delta_plan(&doc);
    for u in &plan.unpaired {
        let missing = if u.side == "FROM" { "TO" } else { "FROM" };
        emit(
            cx,
            out,
            doc.at(u.line),
            format!(
                "RENAMED {}: \"{}\" has no matching {missing}: line. Write each rename as a FROM: line followed immediately by its TO: line.",
                u.side, u.name
            ),
        );
    }
    let related = |line: usize| {
        vec![Related { path: cx.doc.model.path.clone(), range: doc.at(line), message: "first listed here".into() }]
    };
    let mut froms: Vec<(&str, usize)> = Vec::new();
    let mut tos: Vec<(&str, usize)> = Vec::new();
    for r in &plan.renamed {
        match froms.iter().find(|(n, _)| *n == r.from) {
            Some(&(_, first)) => emit_related(
                cx,
                out,
                doc.at(r.from_line),
                format!("Duplicate FROM in RENAMED: \"{}\"; a requirement can be renamed once per delta", r.from),
                related(first),
            ),
            None => froms.push((&r.from, r.from_line)),
        }
        match tos.iter().find(|(n, _)| *n == r.to) {
            Some(&(_, first)) => emit_related(
                cx,
                out,
                doc.at(r.to_line),
                format!("Duplicate TO in RENAMED: \"{}\"; two requirements cannot take one name", r.to),
                related(first),
            ),
            None => tos.push((&r.to, r.to_line)),
        }
    }
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-005 (the OpenSpec validator checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    #[test]
    fn unpaired_and_repeated_renames() {
        let delta = "## RENAMED Requirements\n- FROM: `### Requirement: A`\n- FROM: `### Requirement: B`\n- TO: `### Requirement: C`\n\
                     - TO: `### Requirement: D`\n- FROM: `### Requirement: B`\n- TO: `### Requirement: C`\n";
        let got: Vec<String> = check_files(&[("openspec/changes/c/specs/x/spec.md", delta)])
            .into_iter()
            .filter(|d| d.contains("openspec/renamed-pair"))
            .map(|d| d.split_once(' ').unwrap().1.to_string())
            .collect();
        assert_eq!(
            got,
            [
                "openspec/renamed-pair RENAMED FROM: \"A\" has no matching TO: line. Write each rename as a FROM: line followed immediately by its TO: line.",
                "openspec/renamed-pair RENAMED TO: \"D\" has no matching FROM: line. Write each rename as a FROM: line followed immediately by its TO: line.",
                "openspec/renamed-pair Duplicate FROM in RENAMED: \"B\"; a requirement can be renamed once per delta",
                "openspec/renamed-pair Duplicate TO in RENAMED: \"C\"; two requirements cannot take one name",
            ]
        );
    }
}
