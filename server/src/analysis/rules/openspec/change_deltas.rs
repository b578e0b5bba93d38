//! `openspec/change-deltas`: an active change with no delta (or with deltas despite
//! `skip_specs: true`). Reported on the change's proposal (its design or tasks when it has none).

use std::path::Path;

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::parse::{self, Doc};
use super::support::{change_of, emit, kind, metadata};

pub const RULE: Rule = Rule {
    code: "openspec/change-deltas",
    severity: Severity::Error,
    summary: "an OpenSpec change has no delta spec (or has one despite `skip_specs`)",
    check,
};

const NO_DELTAS: &str = "Change must have at least one delta. No deltas found. Ensure your change has a specs/ directory with capability folders (e.g. specs/http-server/spec.md) containing .md files that use delta headers (## ADDED/MODIFIED/REMOVED/RENAMED Requirements) and that each requirement includes at least one \"#### Scenario:\" block. If this change intentionally modifies no specs (pure refactor, tooling, docs), set \"skip_specs: true\" in the change's .openspec.yaml instead.";

fn check(cx: &Context, out: &mut Emitter) {
    if !matches!(kind(cx), "openspec.proposal" | "openspec.design" | "openspec.tasks") {
        return;
    }
    let path = &cx.doc.model.path;
    let Some(change) = change_of(path) else { return };
    let host =
        ["proposal.md", "design.md", "tasks.md"].iter().map(|n| change.join(n)).find(|p| cx.index.doc(p).is_some());
    if host.as_deref() != Some(path.as_path()) {
        return;
    }
    let specs = change.join("specs");
    let below: Vec<_> = cx.index.docs().filter(|d| d.model.path.starts_with(&specs)).collect();
    let on_disk = files_below(&specs);
    let doc = Doc::new(&cx.doc.text);
    let anchor = doc.at((0..doc.texts.len()).find(|&i| !doc.texts[i].trim().is_empty()).unwrap_or(0));
    if metadata(&change).skip_specs {
        if on_disk || !below.is_empty() {
            emit(
                cx,
                out,
                anchor,
                "skip_specs is set in .openspec.yaml but spec files exist under specs/. Remove skip_specs or delete the delta spec files".into(),
            );
        }
        return;
    }
    let mut entries = 0;
    let mut misplaced = false;
    for d in &below {
        let parsed = Doc::new(&d.text);
        let plan = parse::delta_plan(&parsed);
        let rest = d.model.path.strip_prefix(&specs).unwrap_or(Path::new(""));
        if rest.file_name().is_some_and(|n| n == "spec.md") && rest.parent().is_some_and(|p| !p.as_os_str().is_empty())
        {
            entries += plan.entries();
        } else if !plan.sections.is_empty() || rest == Path::new("spec.md") {
            misplaced = true; // `openspec/delta-sections` says where the deltas belong
        }
    }
    // Delta files on disk that were not indexed (a check of single files): nothing can be said.
    if entries > 0 || misplaced || (below.is_empty() && on_disk) {
        return;
    }
    emit(cx, out, anchor, NO_DELTAS.into());
}

/// Whether any `spec.md` exists below a folder.
fn files_below(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    entries.flatten().any(|e| {
        let path = e.path();
        if path.is_dir() { files_below(&path) } else { path.file_name().is_some_and(|n| n == "spec.md") }
    })
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-005 (the OpenSpec validator checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    const PROPOSAL: &str = "## Why\nBecause.\n\n## What Changes\n- x\n";

    fn found(files: &[(&str, &str)]) -> Vec<String> {
        check_files(files).into_iter().filter(|d| d.contains("openspec/change-deltas")).collect()
    }

    #[test]
    fn a_change_needs_a_delta_with_entries() {
        let got =
            found(&[("openspec/changes/c/proposal.md", PROPOSAL), ("openspec/changes/c/tasks.md", "- [ ] 1.1 x\n")]);
        assert_eq!(got.len(), 1, "reported once, on the proposal: {got:?}");
        assert!(got[0].starts_with("openspec/changes/c/proposal.md:1:1 openspec/change-deltas Change must have at least one delta. No deltas found."));
        let empty = "## ADDED Requirements\n";
        assert_eq!(
            found(&[("openspec/changes/c/proposal.md", PROPOSAL), ("openspec/changes/c/specs/x/spec.md", empty)]).len(),
            1
        );
        let delta = "## REMOVED Requirements\n- `### Requirement: Old`\n";
        assert!(
            found(&[("openspec/changes/c/proposal.md", PROPOSAL), ("openspec/changes/c/specs/x/spec.md", delta)])
                .is_empty()
        );
        assert_eq!(
            found(&[("openspec/changes/c/tasks.md", "- [ ] 1.1 x\n")]).len(),
            1,
            "tasks.md hosts it without a proposal"
        );
    }
}
