//! Document symbols (sections holding clauses) and workspace symbols (every clause, fuzzy).

use std::ops::Range;
use std::path::PathBuf;

use crate::model::{Clause, DocModel};

use super::index::WorkspaceIndex;

/// What a symbol stands for; the protocol layer maps it to an LSP symbol kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SymbolCategory {
    Section,
    Requirement,
    Story,
    Scenario,
    Task,
    Principle,
    ChecklistItem,
    Property,
    Other,
}

impl SymbolCategory {
    fn of(clause: &Clause) -> Self {
        match clause.kind.as_str() {
            "requirement" | "success-criterion" | "acceptance-criterion" | "bug-condition" => Self::Requirement,
            "user-story" => Self::Story,
            "acceptance-scenario" | "scenario" | "acceptance-check" => Self::Scenario,
            "task" => Self::Task,
            "principle" => Self::Principle,
            "checklist-item" => Self::ChecklistItem,
            "property" => Self::Property,
            _ => Self::Other,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub detail: Option<String>,
    pub category: SymbolCategory,
    pub range: Range<usize>,
    pub selection: Range<usize>,
    pub children: Vec<Symbol>,
}

/// Hierarchical symbols: sections nest by heading level, clauses sit in the innermost section or
/// clause that contains them. A heading that defines a clause (a user story) is one symbol.
pub fn document_symbols(model: &DocModel) -> Vec<Symbol> {
    let mut flat: Vec<Symbol> = Vec::with_capacity(model.sections.len() + model.clauses.len());
    for section in &model.sections {
        let clause =
            model.clauses.iter().find(|c| c.range == section.range && section.heading.contains(&c.id_range.start));
        flat.push(match clause {
            Some(c) => clause_symbol(c),
            None => Symbol {
                name: if section.title.is_empty() { "(untitled)".into() } else { section.title.clone() },
                detail: None,
                category: SymbolCategory::Section,
                range: section.range.clone(),
                selection: section.heading.clone(),
                children: Vec::new(),
            },
        });
    }
    for clause in &model.clauses {
        let is_heading =
            model.sections.iter().any(|s| s.range == clause.range && s.heading.contains(&clause.id_range.start));
        if !is_heading {
            flat.push(clause_symbol(clause));
        }
    }
    flat.sort_by_key(|s| (s.range.start, std::cmp::Reverse(s.range.end)));
    nest(flat)
}

fn clause_symbol(clause: &Clause) -> Symbol {
    Symbol {
        name: clause.id.clone(),
        detail: (clause.title != clause.id).then(|| clause.title.clone()),
        category: SymbolCategory::of(clause),
        range: clause.range.start.min(clause.id_range.start)..clause.range.end.max(clause.id_range.end),
        selection: clause.id_range.clone(),
        children: Vec::new(),
    }
}

/// Deeper symbols become siblings: editors and recursive consumers need a bounded tree.
const MAX_DEPTH: usize = 32;

/// Nest symbols sorted by start (outer first) by range containment, without recursion.
fn nest(flat: Vec<Symbol>) -> Vec<Symbol> {
    let mut roots: Vec<Symbol> = Vec::new();
    let mut stack: Vec<Symbol> = Vec::new();
    for symbol in flat {
        while stack.len() >= MAX_DEPTH {
            let done = stack.pop().expect("non-empty stack");
            attach(&mut stack, &mut roots, done);
        }
        while let Some(top) = stack.last() {
            if top.range.start <= symbol.range.start && symbol.range.end <= top.range.end {
                break;
            }
            let done = stack.pop().expect("non-empty stack");
            attach(&mut stack, &mut roots, done);
        }
        stack.push(symbol);
    }
    while let Some(done) = stack.pop() {
        attach(&mut stack, &mut roots, done);
    }
    roots
}

fn attach(stack: &mut [Symbol], roots: &mut Vec<Symbol>, symbol: Symbol) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(symbol),
        None => roots.push(symbol),
    }
}

/// A clause found by a workspace symbol query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceSymbol {
    pub name: String,
    pub detail: String,
    pub category: SymbolCategory,
    pub path: PathBuf,
    pub selection: Range<usize>,
    /// The feature folder, shown as the container.
    pub container: Option<String>,
    pub score: i64,
}

/// Every clause whose `ID title` fuzzily matches `query`, best first, at most `limit`.
pub fn workspace_symbols(index: &WorkspaceIndex, query: &str, limit: usize) -> Vec<WorkspaceSymbol> {
    let query: Vec<char> = query.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect();
    // Scored first and built for the kept ones only: a short query matches most of the clauses of
    // a large workspace, and building a symbol clones its strings.
    let mut scored: Vec<(i64, &DocModel, &Clause)> = Vec::new();
    for doc in index.docs() {
        for clause in &doc.model.clauses {
            if let Some(score) = fuzzy_score(&query, &clause.id, &clause.title) {
                scored.push((score, &doc.model, clause));
            }
        }
    }
    let order = |a: &(i64, &DocModel, &Clause), b: &(i64, &DocModel, &Clause)| {
        b.0.cmp(&a.0).then_with(|| a.1.path.cmp(&b.1.path)).then_with(|| a.2.id_range.start.cmp(&b.2.id_range.start))
    };
    if scored.len() > limit {
        scored.select_nth_unstable_by(limit, order);
        scored.truncate(limit);
    }
    scored.sort_by(order);
    scored
        .into_iter()
        .map(|(score, model, clause)| WorkspaceSymbol {
            name: clause.id.clone(),
            detail: clause.title.clone(),
            category: SymbolCategory::of(clause),
            path: model.path.clone(),
            selection: clause.id_range.clone(),
            container: model.scope.as_ref().and_then(|s| s.file_name()).map(|n| n.to_string_lossy().into_owned()),
            score,
        })
        .collect()
}

/// Subsequence match of the query over `id title`; prefers matches in the ID, at word starts and
/// in runs. `None` when the query is not a subsequence.
fn fuzzy_score(query: &[char], id: &str, title: &str) -> Option<i64> {
    if query.is_empty() {
        return Some(0);
    }
    let id_len = id.chars().count();
    let mut score = 0i64;
    let mut q = 0;
    let mut previous: Option<usize> = None;
    // Walks `id title` without collecting it: this runs for every clause of the workspace.
    let mut word_start = true;
    for (i, c) in id.chars().chain(std::iter::once(' ')).chain(title.chars()).enumerate() {
        if q == query.len() {
            break;
        }
        if c.to_lowercase().eq(std::iter::once(query[q])) {
            score += 1;
            if i < id_len {
                score += 4;
            }
            if word_start {
                score += 3;
            }
            if previous == Some(i.wrapping_sub(1)) {
                score += 5;
            }
            previous = Some(i);
            q += 1;
        }
        word_start = !c.is_alphanumeric();
    }
    if q < query.len() {
        return None;
    }
    if id.chars().flat_map(char::to_lowercase).eq(query.iter().copied()) {
        score += 100;
    }
    Some(score)
}

/// Verifies specs/001-core-engine/spec.md FR-018.
#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Vec<char> {
        s.chars().flat_map(char::to_lowercase).collect()
    }

    #[test]
    fn fuzzy_prefers_exact_ids_then_id_prefixes_then_titles() {
        let exact = fuzzy_score(&q("fr-001"), "FR-001", "Sign in").unwrap();
        let prefix = fuzzy_score(&q("fr"), "FR-001", "Sign in").unwrap();
        let title = fuzzy_score(&q("sign"), "FR-001", "Sign in").unwrap();
        assert!(exact > prefix && prefix > 0 && title > 0);
        assert_eq!(fuzzy_score(&q("xyz"), "FR-001", "Sign in"), None);
        assert!(
            fuzzy_score(&q("lockout"), "T004", "Lockout counter").unwrap()
                > fuzzy_score(&q("lockout"), "T009", "l o c k o u t").unwrap()
        );
    }
}
