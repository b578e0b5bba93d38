//! `openspec/scenario-dropped`: a MODIFIED requirement that leaves out a scenario the main spec
//! still has. MODIFIED replaces the whole block, so archive would drop it (#1477).

use std::collections::{HashMap, HashSet};

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::parse::{self, Doc};
use super::support::{MainSpec, delta, emit_related, main_spec, related_line};

pub const RULE: Rule = Rule {
    code: "openspec/scenario-dropped",
    severity: Severity::Error,
    summary: "a MODIFIED requirement omits a scenario the main spec has",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    let Some(delta) = delta(cx) else { return };
    if delta.capability.is_empty() {
        return;
    }
    let doc = Doc::new(&cx.doc.text);
    let plan = parse::delta_plan(&doc);
    if plan.modified.is_empty() {
        return;
    }
    let MainSpec::Found(main) = main_spec(cx, &delta) else { return };
    let main_doc = Doc::new(&main.text);
    let current: HashMap<String, parse::Block> = parse::requirement_section_blocks(&main_doc)
        .unwrap_or_default()
        .into_iter()
        .map(|b| (b.name.clone(), b))
        .collect();
    // Archive renames first, so a MODIFIED under the new name is compared with the old block.
    let renamed_from: HashMap<&str, &str> = plan.renamed.iter().map(|r| (r.to.as_str(), r.from.as_str())).collect();
    let renamed_away: HashSet<&str> = plan.renamed.iter().map(|r| r.from.as_str()).collect();
    for block in &plan.modified {
        if renamed_away.contains(block.name.as_str()) {
            continue; // `openspec/delta-sections`
        }
        let mut visited = HashSet::new();
        let mut key = Some(block.name.as_str());
        let mut found = None;
        while let Some(k) = key {
            if !visited.insert(k) {
                break;
            }
            if let Some(b) = current.get(k) {
                found = Some(b);
                break;
            }
            key = renamed_from.get(k).copied();
        }
        let Some(current_block) = found else { continue };
        let have: Vec<String> = current_block.scenario_names(&main_doc).into_iter().map(|(n, _)| n).collect();
        let incoming: Vec<String> = block.scenario_names(&doc).into_iter().map(|(n, _)| n).collect();
        let missing = unmatched(&have, &incoming);
        if missing.is_empty() {
            continue;
        }
        let added = unmatched(&incoming, &have);
        let quoted = |names: &[String]| names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ");
        let count = |n: usize| format!("{n} {}", if n == 1 { "scenario" } else { "scenarios" });
        let scale =
            format!("The modified block has {}; the current spec has {}.", count(incoming.len()), count(have.len()));
        let balance = if added.is_empty() {
            format!("{scale} It adds none.")
        } else {
            let listed = quoted(&added[..added.len().min(3)]);
            let names = if added.len() > 3 { format!("{listed} and {} more", added.len() - 3) } else { listed };
            format!("{scale} It adds {} not in the current spec: {names}.", count(added.len()))
        };
        emit_related(
            cx,
            out,
            doc.at(block.header),
            format!(
                "MODIFIED \"{}\" omits scenario(s) the current spec still has: {}. {balance} Copy the omitted scenarios into the MODIFIED block (a MODIFIED requirement replaces the whole block, so archive refuses to drop them).",
                block.name,
                quoted(&missing)
            ),
            vec![related_line(&main, &main_doc, current_block.header, "the requirement in the main spec")],
        );
    }
}

/// The names of `names` left over after matching each against one of `against` (multiplicity-aware).
fn unmatched(names: &[String], against: &[String]) -> Vec<String> {
    let mut remaining: HashMap<&str, usize> = HashMap::new();
    for name in against {
        *remaining.entry(name).or_default() += 1;
    }
    names
        .iter()
        .filter(|name| match remaining.get_mut(name.as_str()) {
            Some(left) if *left > 0 => {
                *left -= 1;
                false
            }
            _ => true,
        })
        .cloned()
        .collect()
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-005 (the OpenSpec validator checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    const MAIN: &str = "# x\n## Purpose\nA purpose that is long enough to pass the brevity check easily.\n## Requirements\n\
                        ### Requirement: Login\nThe system SHALL log in.\n#### Scenario: ok\n- x\n#### Scenario: locked\n- y\n";

    #[test]
    fn omitted_scenarios_are_named_with_the_balance() {
        let delta = "## MODIFIED Requirements\n### Requirement: Login\nThe system SHALL log in.\n#### Scenario: ok\n- x\n#### Scenario: mfa\n- z\n";
        let got: Vec<String> =
            check_files(&[("openspec/specs/x/spec.md", MAIN), ("openspec/changes/c/specs/x/spec.md", delta)])
                .into_iter()
                .filter(|d| d.contains("openspec/scenario-dropped"))
                .collect();
        assert_eq!(
            got,
            [
                "openspec/changes/c/specs/x/spec.md:2:1 openspec/scenario-dropped MODIFIED \"Login\" omits scenario(s) the current spec still has: \"locked\". The modified block has 2 scenarios; the current spec has 2 scenarios. It adds 1 scenario not in the current spec: \"mfa\". Copy the omitted scenarios into the MODIFIED block (a MODIFIED requirement replaces the whole block, so archive refuses to drop them)."
            ]
        );
    }

    #[test]
    fn renames_are_followed() {
        let delta = "## RENAMED Requirements\n- FROM: `### Requirement: Login`\n- TO: `### Requirement: Sign in`\n\
                     ## MODIFIED Requirements\n### Requirement: Sign in\nThe system SHALL log in.\n#### Scenario: ok\n- x\n";
        let got = check_files(&[("openspec/specs/x/spec.md", MAIN), ("openspec/changes/c/specs/x/spec.md", delta)]);
        assert!(got.iter().any(|d| d.contains("openspec/scenario-dropped MODIFIED \"Sign in\" omits scenario(s) the current spec still has: \"locked\"")), "{got:#?}");
    }
}
