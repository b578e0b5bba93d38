//! Which format and kind a document is: by path first, then by content.

use super::grammar::{Grammar, KindId};

/// Pick the document kind from its workspace-relative path (with `/` separators) and its
/// normalised heading titles with their raw lines (`# Feature Specification: X`).
pub fn detect_kind(grammar: &Grammar, relative: &str, headings: &[(&str, &str)]) -> KindId {
    let any_heading = |re: &regex::Regex| headings.iter().any(|(title, _)| re.is_match(title));
    for id in grammar.kinds_at_path(relative) {
        if grammar.kind(id).requires_heading.as_ref().is_none_or(&any_heading) {
            return id;
        }
    }
    if let Some((_, first_line)) = headings.first() {
        for (i, kind) in grammar.kinds.iter().enumerate() {
            if kind.first_heading.as_ref().is_some_and(|re| re.is_match(first_line.trim_end())) {
                return KindId(i as u16);
            }
        }
    }
    for (i, kind) in grammar.kinds.iter().enumerate() {
        let Some(min) = kind.min_sections else { continue };
        let present = kind.sections.iter().filter(|s| headings.iter().any(|(t, _)| s.matches(t))).count();
        if present >= min {
            return KindId(i as u16);
        }
    }
    grammar.generic
}

/// Verifies specs/001-core-engine/spec.md FR-006.
#[cfg(test)]
mod tests {
    use super::*;

    fn kind(relative: &str, headings: &[(&str, &str)]) -> String {
        let g = Grammar::builtin();
        g.kind(detect_kind(&g, relative, headings)).id.clone()
    }

    #[test]
    fn paths_decide_first() {
        assert_eq!(kind("specs/001-a/spec.md", &[]), "speckit.spec");
        assert_eq!(kind(".specify/templates/spec-template.md", &[]), "speckit.template");
        assert_eq!(kind("openspec/changes/archive/2025-01-01-x/proposal.md", &[]), "openspec.archived");
        assert_eq!(kind("openspec/specs/auth/login/spec.md", &[]), "openspec.spec");
    }

    #[test]
    fn legacy_spec_template_is_recognised_by_its_heading() {
        let h = [("Execution Flow (main)", "## Execution Flow (main)")];
        assert_eq!(kind("specs/001-a/spec.md", &h), "speckit.spec-legacy");
    }

    #[test]
    fn content_decides_outside_known_paths() {
        let spec = [("Feature Specification: Login", "# Feature Specification: Login")];
        assert_eq!(kind("docs/login.md", &spec), "speckit.spec");
        let kiro = [("Requirements Document", "# Requirements Document")];
        assert_eq!(kind("docs/req.md", &kiro), "kiro.requirements");
        let agent = [("Goal", "## Goal"), ("Constraints", "## Constraints"), ("Failure modes", "## Failure modes")];
        assert_eq!(kind("agents/summarise.md", &agent), "agent.spec");
        assert_eq!(kind("README.md", &[("Intro", "# Intro")]), "markdown");
    }
}
