//! The rule catalogue: every diagnostic specls reports comes from one rule, with a stable code, a
//! default severity and a one-line summary (documented in `docs/diagnostics.md`). Rules are pure
//! functions of the workspace index and one document.

mod agent;
mod common;
mod kiro;
mod memo;
mod openspec;
mod speckit;

use std::cell::OnceCell;
use std::ops::Range;

use super::config::Config;
use super::diagnostics::{Diagnostic, Related, Severity};
use super::index::{IndexedDoc, WorkspaceIndex};
use super::resolve::{Resolution, resolve_in};
use crate::model::Reference;

pub(crate) use agent::dependencies as agent_dependencies;
pub(crate) use memo::{Changed, TextMemo};
pub(crate) use openspec::support::main_spec_of as openspec_main_spec;
pub(crate) use speckit::constitution_version::version as constitution_version;

/// A rule: a code, its default severity, and the check that emits its diagnostics.
pub struct Rule {
    pub code: &'static str,
    pub severity: Severity,
    /// One line: what the rule finds.
    pub summary: &'static str,
    pub check: fn(&Context, &mut Emitter),
}

/// What a rule may look at.
pub struct Context<'a> {
    pub index: &'a WorkspaceIndex,
    pub doc: &'a IndexedDoc,
    pub config: &'a Config,
    /// Each reference's resolution, computed once for all the rules that need it.
    resolutions: OnceCell<Vec<Resolution>>,
}

impl<'a> Context<'a> {
    pub fn new(index: &'a WorkspaceIndex, doc: &'a IndexedDoc, config: &'a Config) -> Self {
        Context { index, doc, config, resolutions: OnceCell::new() }
    }

    /// The document's references with their resolutions, in document order.
    pub fn resolved_references(&self) -> impl Iterator<Item = (&'a Reference, &Resolution)> {
        let model = &self.doc.model;
        let resolutions = self.resolutions.get_or_init(|| {
            let scope = self.index.scope_id(model.scope.as_deref());
            model.references.iter().map(|r| resolve_in(self.index, scope, r)).collect()
        });
        model.references.iter().zip(resolutions)
    }
}

/// Collects one rule's diagnostics at the severity the configuration gives it.
pub struct Emitter<'o> {
    code: &'static str,
    severity: Severity,
    out: &'o mut Vec<Diagnostic>,
}

impl Emitter<'_> {
    pub fn emit(&mut self, range: Range<usize>, message: impl Into<String>) {
        self.emit_related(range, message, Vec::new());
    }

    pub fn emit_related(&mut self, range: Range<usize>, message: impl Into<String>, related: Vec<Related>) {
        self.out.push(Diagnostic { range, severity: self.severity, code: self.code, message: message.into(), related });
    }
}

/// Every rule, in catalogue order.
pub fn catalogue() -> impl Iterator<Item = &'static Rule> {
    common::RULES.iter().chain(speckit::RULES).chain(kiro::RULES).chain(openspec::RULES).chain(agent::RULES)
}

/// Look a rule up by code.
pub fn rule(code: &str) -> Option<&'static Rule> {
    catalogue().find(|r| r.code == code)
}

/// Run every enabled rule over one document.
pub fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    run_rules(cx, catalogue(), out);
}

/// Run the enabled rules that look at source files over one of them.
pub fn run_code(cx: &Context, out: &mut Vec<Diagnostic>) {
    run_rules(cx, common::CODE_RULES.iter(), out);
}

fn run_rules<'r>(cx: &Context, rules: impl Iterator<Item = &'r Rule>, out: &mut Vec<Diagnostic>) {
    for rule in rules {
        let Some(severity) = cx.config.severity(rule.code, rule.severity) else { continue };
        let mut emitter = Emitter { code: rule.code, severity, out: &mut *out };
        (rule.check)(cx, &mut emitter);
    }
}

/// Build an index from `(workspace-relative path, text)` pairs and return each file's
/// diagnostics as `path:line:col code message` lines, for rule tests.
#[cfg(test)]
pub(crate) fn check_files(files: &[(&str, &str)]) -> Vec<String> {
    use std::path::{Path, PathBuf};
    let root = PathBuf::from("/ws");
    let grammar = crate::model::Grammar::builtin();
    let mut index = WorkspaceIndex::new(grammar.clone(), vec![root.clone()]);
    for (relative, text) in files {
        let path = root.join(relative);
        let model = crate::model::from_text(&grammar, &path, relative, text);
        index.upsert(IndexedDoc::new(model, std::sync::Arc::from(*text)));
    }
    let mut out = Vec::new();
    for (relative, _) in files {
        let path = root.join(relative);
        let doc = index.doc(&path).expect("indexed");
        for d in super::diagnostics(&index, Path::new(&path)) {
            let at = doc.lines().position(&doc.text, d.range.start, crate::text::PositionEncoding::Utf32);
            out.push(format!("{relative}:{}:{} {} {}", at.line + 1, at.character + 1, d.code, d.message));
        }
    }
    out
}

/// Verifies specs/001-core-engine/spec.md FR-021.
#[cfg(test)]
mod tests {
    use super::*;

    /// The per-format pages of docs/diagnostics/, one after the other.
    fn documented_entries() -> String {
        [
            include_str!("../../../../docs/diagnostics/common.md"),
            include_str!("../../../../docs/diagnostics/speckit.md"),
            include_str!("../../../../docs/diagnostics/kiro.md"),
            include_str!("../../../../docs/diagnostics/openspec.md"),
            include_str!("../../../../docs/diagnostics/agent.md"),
        ]
        .concat()
    }

    #[test]
    fn codes_are_unique_and_documented() {
        let entries = documented_entries();
        let table = include_str!("../../../../docs/diagnostics.md");
        let mut seen = std::collections::HashSet::new();
        for rule in catalogue() {
            assert!(seen.insert(rule.code), "{} is registered twice", rule.code);
            let row = format!("| `{}` | {} |", rule.code, rule.severity.as_str());
            assert!(table.contains(&row), "docs/diagnostics.md lacks the row {row}");
            assert!(
                entries.contains(&format!("## `{}`", rule.code)),
                "{} has no entry under docs/diagnostics/",
                rule.code
            );
        }
    }

    /// Verifies specs/002-diagnostics/spec.md FR-001.
    #[test]
    fn every_rule_has_a_one_line_summary_and_a_documented_bad_and_good_example() {
        let entries = documented_entries();
        for rule in catalogue() {
            let code_shape = rule.code.split('/').all(|part| {
                !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            });
            assert!(code_shape, "{} is not a stable kebab-case code", rule.code);
            assert!(!rule.summary.is_empty() && !rule.summary.contains('\n'), "{} needs a one-line summary", rule.code);
            let heading = format!("## `{}`\n", rule.code);
            let start = entries.find(&heading).unwrap_or_else(|| panic!("{} has no entry", rule.code));
            let body = &entries[start + heading.len()..];
            let entry = &body[..body.find("\n## `").unwrap_or(body.len())];
            assert!(entry.contains("**Default:**"), "{}'s entry does not give its default severity", rule.code);
            assert!(entry.lines().any(|l| l.starts_with("Bad")), "{}'s entry has no bad example", rule.code);
            assert!(entry.contains("Good"), "{}'s entry has no good example", rule.code);
        }
    }

    /// Lines that trip several rules (duplicate ID, vague term, template placeholder, broken link).
    const FAULTY: &str =
        "- **FR-001**: System MUST be fast for [FEATURE NAME].\n- **FR-001**: See [the API](missing.md).\n";

    /// The rule codes reported on one document, without positions.
    fn codes_of(path: &str, text: &str) -> Vec<String> {
        let mut codes: Vec<String> =
            check_files(&[(path, text)]).iter().map(|d| d.split(' ').nth(1).unwrap_or_default().to_string()).collect();
        codes.sort();
        codes
    }

    /// Verifies specs/002-diagnostics/spec.md FR-002.
    #[test]
    fn rules_stay_out_of_code_comments_front_matter_templates_and_archives() {
        let spec = "specs/001-a/spec.md";
        let head = "# Feature Specification: A\n\n## Requirements\n\n- **FR-002**: System MUST export reports.\n";
        let seen = codes_of(spec, &format!("{head}{FAULTY}"));
        for code in ["duplicate-id", "vague-term", "template-placeholder", "broken-link"] {
            assert!(seen.iter().any(|c| c == code), "{code} is not tripped by the faulty lines: {seen:?}");
        }
        let clean = codes_of(spec, head);
        let inline: String = FAULTY.lines().map(|l| format!("`{l}`\n\n")).collect();
        for masked in [
            format!("---\n{FAULTY}---\n{head}"),
            format!("{head}\n```markdown\n{FAULTY}```\n"),
            format!("{head}\n<!--\n{FAULTY}-->\n"),
            format!("{head}\n{inline}"),
        ] {
            assert_eq!(codes_of(spec, &masked), clean, "a rule reported inside:\n{masked}");
        }
        for (path, text) in [
            (".specify/templates/spec-template.md", format!("{head}{FAULTY}")),
            ("openspec/changes/archive/2025-01-01-add-export/specs/export/spec.md", format!("## ADDED\n\n{FAULTY}")),
        ] {
            assert_eq!(codes_of(path, &text), Vec::<String>::new(), "{path} is linted");
        }
        // Kiro steering front matter is the exception: it is what Kiro reads.
        let steering = codes_of(".kiro/steering/style.md", "---\ninclusion: sometimes\n---\n\n# Standards\n");
        assert!(steering.iter().any(|c| c.starts_with("kiro/steering")), "{steering:?}");
    }

    #[test]
    fn configured_levels_change_or_silence_a_rule() {
        let files = [("specs/001-a/spec.md", "# Feature Specification: A\n\n- **FR-001**: x\n- **FR-001**: y\n")];
        assert!(check_files(&files).iter().any(|d| d.contains("duplicate-id")));
        let mut config = Config::default();
        config.rules.insert("duplicate-id".into(), super::super::config::Level::Off);
        assert_eq!(config.severity("duplicate-id", Severity::Error), None);
        config.rules.insert("duplicate-id".into(), super::super::config::Level::On(Severity::Hint));
        assert_eq!(config.severity("duplicate-id", Severity::Error), Some(Severity::Hint));
    }
}
