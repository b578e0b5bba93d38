//! `kiro/steering-description`: `inclusion: auto` without a `description`. Kiro includes an auto
//! steering file when a request matches its description, so without one it never is.

use crate::analysis::diagnostics::Severity;
use crate::analysis::rules::{Context, Emitter, Rule};

use super::front_matter::{self, Entry};
use super::steering_front_matter::entry;
use super::support::kind;

pub const RULE: Rule = Rule {
    code: "kiro/steering-description",
    severity: Severity::Warning,
    summary: "a Kiro steering file with `inclusion: auto` has no description",
    check,
};

fn check(cx: &Context, out: &mut Emitter) {
    if kind(cx) != "kiro.steering" {
        return;
    }
    let Some(entries) = front_matter::parse(&cx.doc.text) else { return };
    let Some(inclusion) = entry(&entries, "inclusion") else { return };
    let [value] = inclusion.values.as_slice() else { return };
    if value.value.trim() != "auto" || entry(&entries, "description").is_some_and(|d| !Entry::is_empty(d)) {
        return;
    }
    out.emit(
        value.range.clone(),
        "`inclusion: auto` needs a `description`: Kiro includes this file when a request matches the description, so without one it is never included",
    );
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-004 (the Kiro checks).
#[cfg(test)]
mod tests {
    use crate::analysis::rules::check_files;

    #[test]
    fn auto_needs_a_description() {
        let bare = "---\ninclusion: auto\nname: api\n---\n";
        let got = check_files(&[(".kiro/steering/api.md", bare)]);
        assert_eq!(got.len(), 1);
        assert!(got[0].starts_with(".kiro/steering/api.md:2:12 kiro/steering-description"));
        let described = "---\ninclusion: auto\ndescription: REST API conventions for handlers\n---\n";
        assert!(check_files(&[(".kiro/steering/api.md", described)]).is_empty());
    }
}
