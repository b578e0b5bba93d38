//! `test-failing`: a clause whose verifying test failed in the latest results, and the failing
//! test in code (at its failure location when that is in the test's file, else at its name).
//!
//! Which tests verify a clause is `test_state::link`: names, link properties and the test
//! function's mentions. The related information points at each failing test and where it failed.

use std::ops::Range;

use crate::analysis::diagnostics::{Related, Severity};
use crate::analysis::index::{ClauseLoc, DocId, WorkspaceIndex};
use crate::analysis::rules::{Context, Emitter, Rule};
use crate::analysis::test_state::{CaseLink, link, locate_file};
use crate::model::results::{Failure, TestCase};

pub const RULE: Rule = Rule {
    code: "test-failing",
    severity: Severity::Error,
    summary: "a clause whose verifying test fails in the latest test results, and that test",
    check,
};

/// Related locations listed per diagnostic.
const MAX_RELATED: usize = 10;

fn check(cx: &Context, out: &mut Emitter) {
    let index = cx.index;
    if index.results.runs.is_empty() {
        return;
    }
    let model = &cx.doc.model;
    let Some(id) = index.doc_id(&model.path) else { return };
    let links = link(index);
    if model.kind == index.grammar.code_kind {
        return in_code(index, id, &links.cases, out);
    }
    let scope = index.scope_id(model.scope.as_deref());
    for (i, clause) in model.clauses.iter().enumerate() {
        let loc = ClauseLoc { doc: id, index: i as u32, scope, global: clause.global };
        let failing: Vec<(&CaseLink, &TestCase, &Failure)> = links
            .of_clause(loc)
            .filter_map(|l| {
                let (_, case) = index.results.case(l.case)?;
                Some((l, case, case.status.failure()?))
            })
            .collect();
        let Some((_, first, failure)) = failing.first() else { continue };
        let mut message = format!("`{}` verification failing: {} — {}", clause.id, first.name, failure.summary);
        if failing.len() > 1 {
            message.push_str(&format!(" (and {} more failing tests)", failing.len() - 1));
        }
        let mut related = Vec::new();
        for (link, case, failure) in &failing {
            if let Some(f) = &link.function {
                related.push(Related {
                    path: index.path(f.doc).to_path_buf(),
                    range: f.name.clone(),
                    message: format!("failing test {}", case.name),
                });
            }
            if let Some((doc, range)) = failure_site(index, failure) {
                related.push(Related {
                    path: index.path(doc).to_path_buf(),
                    range,
                    message: format!("{} failed here: {}", case.name, failure.summary),
                });
            }
        }
        related.truncate(MAX_RELATED);
        out.emit_related(clause.id_range.clone(), message, related);
    }
}

/// The failing tests of this source file.
fn in_code(index: &WorkspaceIndex, id: DocId, cases: &[CaseLink], out: &mut Emitter) {
    for link in cases.iter().filter(|l| !l.clauses.is_empty()) {
        let Some((_, case)) = index.results.case(link.case) else { continue };
        let Some(failure) = case.status.failure() else { continue };
        let site = failure_site(index, failure).filter(|(doc, _)| *doc == id);
        let own = link.function.as_ref().filter(|f| f.doc == id).map(|f| f.name.clone());
        let Some(range) = site.map(|(_, r)| r).or(own) else { continue };
        let keys: Vec<String> =
            link.clauses.iter().filter_map(|c| index.clause(c)).map(|(_, c)| format!("`{}`", c.id)).collect();
        let related = link
            .clauses
            .iter()
            .take(MAX_RELATED)
            .filter_map(|c| {
                let (doc, clause) = index.clause(c)?;
                Some(Related {
                    path: doc.model.path.clone(),
                    range: clause.id_range.clone(),
                    message: format!("{} is verified by {}", clause.id, case.name),
                })
            })
            .collect();
        out.emit_related(
            range,
            format!("{} fails (verifies {}): {}", case.name, keys.join(", "), failure.summary),
            related,
        );
    }
}

/// The indexed document and line (without its indentation) where a failure happened.
fn failure_site(index: &WorkspaceIndex, failure: &Failure) -> Option<(DocId, Range<usize>)> {
    let location = failure.location.as_ref()?;
    let doc_id = locate_file(index, &location.file)?;
    let doc = index.doc_by_id(doc_id)?;
    let line = (location.line as usize).checked_sub(1)?;
    if line >= doc.lines().line_count() {
        return None;
    }
    let start = doc.lines().line_start(line);
    let end = doc.text[start..].find('\n').map_or(doc.text.len(), |n| start + n);
    let text = &doc.text[start..end];
    let indent = text.len() - text.trim_start().len();
    Some((doc_id, start + indent..start + text.trim_end().len()))
}
