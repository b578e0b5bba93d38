//! `openspec/delta-sections`: a delta spec the validator rejects for its sections: no delta
//! section, sections without requirement entries, a requirement listed twice in one section or
//! in two conflicting sections, or a delta file archive would never read.

use std::collections::HashMap;

use crate::analysis::diagnostics::{Related, Severity};
use crate::analysis::rules::{Context, Emitter, Rule};

use super::parse::{self, Doc, Op};
use super::support::{change_of, delta, emit, emit_related};

pub const RULE: Rule = Rule {
    code: "openspec/delta-sections",
    severity: Severity::Error,
    summary: "an OpenSpec delta spec's sections are missing, empty or contradict each other",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    // Only deltas and files in a change's specs folder are read: skip the whole-text parse for
    // the others.
    if delta(cx).is_none() && change_of(&cx.doc.model.path).is_none() {
        return;
    }
    let doc = Doc::new(&cx.doc.text);
    let first_line = (0..doc.texts.len()).find(|&i| !doc.texts[i].trim().is_empty()).unwrap_or(0);
    let Some(delta) = delta(cx) else {
        misplaced(cx, out, &doc, first_line);
        return;
    };
    if delta.capability.is_empty() {
        emit(
            cx,
            out,
            doc.at(first_line),
            "Delta spec found at specs/spec.md. Delta specs must live under a capability path (e.g. specs/<capability-path>/spec.md) — a file at the specs/ root is ignored when the change is applied or archived.".into(),
        );
        return;
    }
    let plan = parse::delta_plan(&doc);
    if plan.entries() == 0 {
        let mut present: Vec<(Op, usize)> = plan.sections.iter().map(|(op, line)| (*op, *line)).collect();
        present.sort_by_key(|(op, _)| Op::ALL.iter().position(|o| o == op));
        match present.iter().map(|(_, l)| *l).min() {
            Some(line) => {
                let names: Vec<String> = present.iter().map(|(op, _)| format!("## {} Requirements", op.as_str())).collect();
                emit(
                    cx,
                    out,
                    doc.at(line),
                    format!(
                        "Delta sections {} were found, but no requirement entries parsed. Ensure each section includes at least one \"### Requirement:\" block (REMOVED may use bullet list syntax).",
                        list(&names)
                    ),
                );
            }
            None => emit(
                cx,
                out,
                doc.at(first_line),
                "No delta sections found. Add headers such as \"## ADDED Requirements\" or move non-delta notes outside specs/.".into(),
            ),
        }
        return;
    }

    let related = |line: usize, message: &str| Related {
        path: cx.doc.model.path.clone(),
        range: doc.at(line),
        message: message.to_string(),
    };
    // Names as the validator keys them (normalised, case-sensitive), with their first line.
    let mut firsts: HashMap<Op, Vec<(String, usize)>> = HashMap::new();
    let mut duplicate = |op: Op, name: &str, line: usize, what: &str, out: &mut Emitter| {
        let seen = firsts.entry(op).or_default();
        match seen.iter().find(|(n, _)| n == name) {
            Some(&(_, first)) => emit_related(
                cx,
                out,
                doc.at(line),
                format!("Duplicate {what}: \"{name}\"; each requirement appears once per section"),
                vec![related(first, "first listed here")],
            ),
            None => seen.push((name.to_string(), line)),
        }
    };
    for b in &plan.added {
        duplicate(Op::Added, &b.name, b.header, "requirement in ADDED", out);
    }
    for b in &plan.modified {
        duplicate(Op::Modified, &b.name, b.header, "requirement in MODIFIED", out);
    }
    for r in &plan.removed {
        duplicate(Op::Removed, &r.name, r.line, "requirement in REMOVED", out);
    }
    // RENAMED duplicates are `openspec/renamed-pair`'s.
    let names = |op: Op| firsts.get(&op).cloned().unwrap_or_default();
    let (added, modified, removed) = (names(Op::Added), names(Op::Modified), names(Op::Removed));
    let find = |list: &[(String, usize)], name: &str| list.iter().find(|(n, _)| n == name).map(|(_, l)| *l);
    for (a, a_list, b, b_list) in [
        ("MODIFIED", &modified, "REMOVED", &removed),
        ("MODIFIED", &modified, "ADDED", &added),
        ("ADDED", &added, "REMOVED", &removed),
    ] {
        for (name, line) in a_list {
            if let Some(other) = find(b_list, name) {
                emit_related(
                    cx,
                    out,
                    doc.at(*line),
                    format!("Requirement present in both {a} and {b}: \"{name}\"; keep it in one section"),
                    vec![related(other, &format!("also in {b}"))],
                );
            }
        }
    }
    for r in &plan.renamed {
        if let Some(line) = find(&modified, &r.from) {
            emit_related(
                cx,
                out,
                doc.at(line),
                format!(
                    "MODIFIED references old name from RENAMED. Use new header for \"{}\": archive renames before it modifies",
                    r.to
                ),
                vec![related(r.from_line, "renamed here")],
            );
        }
        if let Some(line) = find(&added, &r.to) {
            emit_related(
                cx,
                out,
                doc.at(r.to_line),
                format!("RENAMED TO collides with ADDED for \"{}\"; choose another name for one of them", r.to),
                vec![related(line, "added here")],
            );
        }
        let folded = parse::fold_name(&r.from);
        if let Some((spelled, line)) = removed.iter().find(|(n, _)| parse::fold_name(n) == folded) {
            let spelling =
                if *spelled == r.from { String::new() } else { format!(" (REMOVED spells it \"{spelled}\")") };
            emit_related(
                cx,
                out,
                doc.at(r.from_line),
                format!("Requirement present in both RENAMED and REMOVED: \"{}\"{spelling}", r.from),
                vec![related(*line, "removed here")],
            );
        }
    }
}

/// `findUnreadDeltaFiles`: a Markdown file below a change's `specs/` other than `spec.md` that
/// holds delta sections is never applied.
fn misplaced(cx: &Context, out: &mut Emitter, doc: &Doc, first_line: usize) {
    let path = &cx.doc.model.path;
    let Some(change) = change_of(path) else { return };
    let Ok(rest) = path.strip_prefix(change.join("specs")) else { return };
    let name = rest.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    if name == "spec.md" || !name.to_lowercase().ends_with(".md") {
        return;
    }
    if parse::delta_plan(doc).sections.is_empty() {
        return;
    }
    let segments: Vec<String> = rest.components().map(|c| c.as_os_str().to_string_lossy().to_string()).collect();
    let relative = segments.join("/");
    let capability =
        if segments.len() > 1 { segments[..segments.len() - 1].join("/") } else { name[..name.len() - 3].to_string() };
    emit(
        cx,
        out,
        doc.at(first_line),
        format!(
            "Delta spec found at specs/{relative}. Delta specs must be a spec.md inside a capability folder — this file is ignored when the change is applied or archived. Move its requirements into specs/{capability}/spec.md."
        ),
    );
}

/// `formatSectionList`: `a`, `a and b`, `a, b and c`.
fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [head @ .., last] => format!("{} and {last}", head.join(", ")),
    }
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-005 (the OpenSpec validator checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    fn found(path: &str, text: &str) -> Vec<String> {
        check_files(&[(path, text)]).into_iter().filter(|d| d.contains("openspec/delta-sections")).collect()
    }

    const P: &str = "openspec/changes/c/specs/x/spec.md";

    #[test]
    fn missing_and_empty_sections() {
        let got = found(P, "# x\n\n## Purpose\nNotes only.\n");
        assert_eq!(
            got,
            [format!(
                "{P}:1:1 openspec/delta-sections No delta sections found. Add headers such as \"## ADDED Requirements\" or move non-delta notes outside specs/."
            )]
        );
        let got = found(P, "## ADDED Requirements\nSome text.\n## REMOVED Requirements\n");
        assert!(got[0].starts_with(&format!("{P}:1:1 openspec/delta-sections Delta sections ## ADDED Requirements and ## REMOVED Requirements were found, but no requirement entries parsed.")), "{got:?}");
    }

    #[test]
    fn duplicates_and_conflicts() {
        let text = "## ADDED Requirements\n### Requirement: A\nThe system SHALL a.\n#### Scenario: s\n- x\n### Requirement: A\nThe system SHALL a.\n#### Scenario: s\n- x\n\
                    ## MODIFIED Requirements\n### Requirement: B\nThe system SHALL b.\n#### Scenario: s\n- x\n### Requirement: Old\nThe system SHALL o.\n#### Scenario: s\n- x\n\
                    ## REMOVED Requirements\n- `### Requirement: B`\n- `### Requirement: a`\n\
                    ## RENAMED Requirements\n- FROM: `### Requirement: Old`\n- TO: `### Requirement: A`\n";
        let got = found(P, text);
        let messages: Vec<&str> = got.iter().map(|d| d.splitn(3, ' ').nth(2).unwrap()).collect();
        assert!(messages[0].starts_with("Duplicate requirement in ADDED: \"A\""), "{messages:#?}");
        assert!(messages.iter().any(|m| m.starts_with("Requirement present in both MODIFIED and REMOVED: \"B\"")));
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("MODIFIED references old name from RENAMED. Use new header for \"A\""))
        );
        assert!(messages.iter().any(|m| m.starts_with("RENAMED TO collides with ADDED for \"A\"")));
        assert!(!messages.iter().any(|m| m.contains("both ADDED and REMOVED")), "names are case-sensitive");
    }

    #[test]
    fn misplaced_delta_files() {
        let got = found("openspec/changes/c/specs/spec.md", "## ADDED Requirements\n");
        assert!(got[0].contains("Delta spec found at specs/spec.md."));
        let got = found("openspec/changes/c/specs/auth.md", "# Auth\n\n## ADDED Requirements\n### Requirement: A\n");
        assert!(
            got[0].contains("Delta spec found at specs/auth.md.") && got[0].contains("specs/auth/spec.md"),
            "{got:?}"
        );
        assert!(found("openspec/changes/c/specs/README.md", "# Notes\n").is_empty());
    }
}
