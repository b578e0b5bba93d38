//! What the OpenSpec rules share: which documents they apply to, where a delta's main spec is,
//! the change's `.openspec.yaml`, and the archive preflight.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::analysis::diagnostics::Related;
use crate::analysis::index::IndexedDoc;
use crate::analysis::rules::{Context, Emitter};
use crate::model::FoldKind;

use super::parse::{self, Doc};

/// The document's kind id (`openspec.spec`, `openspec.delta`, …).
pub fn kind<'c>(cx: &'c Context) -> &'c str {
    &cx.index.grammar.kind(cx.doc.model.kind).id
}

/// Whether the document is an OpenSpec main spec or delta, the kinds with requirement blocks.
pub fn is_openspec(cx: &Context) -> bool {
    matches!(kind(cx), "openspec.spec" | "openspec.delta")
}

/// Emit unless the anchor lies in an HTML comment or front matter, which specls never diagnoses
/// (upstream reads through comments; fenced code is masked on both sides).
pub fn emit(cx: &Context, out: &mut Emitter, range: Range<usize>, message: String) {
    emit_related(cx, out, range, message, Vec::new());
}

pub fn emit_related(cx: &Context, out: &mut Emitter, range: Range<usize>, message: String, related: Vec<Related>) {
    let hidden = cx
        .doc
        .model
        .folds
        .iter()
        .any(|f| matches!(f.kind, FoldKind::Comment | FoldKind::FrontMatter) && f.range.contains(&range.start));
    if !hidden {
        out.emit_related(range, message, related);
    }
}

/// A delta spec and where it sits: `openspec/changes/<id>/specs/<capability>/spec.md`.
pub struct Delta {
    /// `openspec/changes/<id>`.
    pub change: PathBuf,
    /// The capability path below the change's `specs/` (`auth/login`); empty for `specs/spec.md`.
    pub capability: String,
}

impl Delta {
    /// `openspec/specs/<capability>/spec.md`.
    pub fn main_spec(&self) -> PathBuf {
        let openspec = self.change.parent().and_then(Path::parent).unwrap_or(&self.change);
        let mut path = openspec.join("specs");
        for part in self.capability.split('/') {
            path.push(part);
        }
        path.join("spec.md")
    }

    /// How the main spec is written in messages.
    pub fn main_spec_label(&self) -> String {
        format!("openspec/specs/{}/spec.md", self.capability)
    }
}

/// The change folder of a path below `openspec/changes/<id>/` (not the archive).
pub fn change_of(path: &Path) -> Option<PathBuf> {
    let parts: Vec<_> = path.components().collect();
    (0..parts.len().saturating_sub(3)).rev().find_map(|i| {
        let is = |k: usize, s: &str| parts[k].as_os_str() == s;
        (is(i, "openspec") && is(i + 1, "changes") && !is(i + 2, "archive"))
            .then(|| parts[..=i + 2].iter().collect::<PathBuf>())
    })
}

/// The delta this document is, if it is an `openspec.delta` named `spec.md` below a change.
pub fn delta(cx: &Context) -> Option<Delta> {
    if kind(cx) != "openspec.delta" {
        return None;
    }
    delta_at(&cx.doc.model.path)
}

/// The main spec that the delta at `path` changes.
pub fn main_spec_of(path: &Path) -> Option<PathBuf> {
    delta_at(path).map(|d| d.main_spec())
}

fn delta_at(path: &Path) -> Option<Delta> {
    let change = change_of(path)?;
    let rest = path.strip_prefix(change.join("specs")).ok()?;
    if rest.file_name()? != "spec.md" {
        return None;
    }
    let capability = rest
        .parent()
        .map(|p| p.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"))
        .unwrap_or_default();
    Some(Delta { change, capability })
}

/// The main spec a delta applies to.
pub enum MainSpec {
    /// Indexed: its document.
    Found(Arc<IndexedDoc>),
    /// Neither indexed nor on disk: the delta creates the capability.
    Absent,
    /// On disk but not indexed (a check of single files): nothing can be said.
    Unknown,
}

pub fn main_spec(cx: &Context, delta: &Delta) -> MainSpec {
    let path = delta.main_spec();
    match cx.index.doc(&path) {
        Some(doc) => MainSpec::Found(doc.clone()),
        None if path.exists() => MainSpec::Unknown,
        None => MainSpec::Absent,
    }
}

/// A related location on a line of another indexed document.
pub fn related_line(doc: &IndexedDoc, parsed: &Doc, line: usize, message: &str) -> Related {
    Related { path: doc.model.path.clone(), range: parsed.at(line), message: message.to_string() }
}

/// The top-level scalars of a change's `.openspec.yaml` (or the project's `config.yaml`) that the
/// validator reads. Upstream parses full YAML; these files hold flat `key: value` lines.
#[derive(Debug, Default)]
pub struct Metadata {
    pub schema: Option<String>,
    pub skip_specs: bool,
}

fn read_scalars(path: &Path) -> Option<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(
        text.lines()
            .filter(|l| !l.starts_with([' ', '\t', '#', '-']))
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| {
                let v = v.split(" #").next().unwrap_or("").trim().trim_matches(['"', '\'']);
                (k.trim().to_string(), v.to_string())
            })
            .collect(),
    )
}

/// The change's metadata; the schema falls back to `openspec/config.yaml`, then `spec-driven`
/// (`resolveSchemaForChange`). Read from disk: the index holds only Markdown.
pub fn metadata(change: &Path) -> Metadata {
    let mut meta = Metadata::default();
    if let Some(scalars) = read_scalars(&change.join(".openspec.yaml")) {
        for (k, v) in scalars {
            match k.as_str() {
                "schema" if !v.is_empty() => meta.schema = Some(v),
                "skip_specs" => meta.skip_specs = v == "true",
                _ => {}
            }
        }
    }
    if meta.schema.is_none() {
        let openspec = change.parent().and_then(Path::parent);
        meta.schema = openspec
            .into_iter()
            .flat_map(|o| [o.join("config.yaml"), o.join("config.yml")])
            .find_map(|p| read_scalars(&p))
            .and_then(|s| s.into_iter().find(|(k, v)| k == "schema" && !v.is_empty()).map(|(_, v)| v));
    }
    meta
}

/// Whether a change uses the built-in `spec-driven` schema, whose task-file checks upstream runs.
pub fn spec_driven(change: &Path) -> bool {
    metadata(change).schema.is_none_or(|s| s.trim_end_matches(".yaml").trim_end_matches(".yml") == "spec-driven")
}

// ------------------------------------------------------------------ archive preflight

/// Which rule reports a preflight finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// `openspec/modified-not-found`: a MODIFIED, RENAMED FROM or near-miss REMOVED target is missing.
    NotFound,
    /// `openspec/removed-not-found`: a REMOVED name absent from the main spec (archive warns).
    RemovedAbsent,
    /// `openspec/added-exists`: ADDED or RENAMED TO names a requirement that already exists.
    Exists,
}

pub struct Finding {
    pub refusal: Refusal,
    pub line: usize,
    pub message: String,
    /// The main-spec line the finding is about.
    pub related: Option<(usize, &'static str)>,
}

/// `buildUpdatedSpec` as a dry run: apply RENAMED, REMOVED, MODIFIED and ADDED in that order to
/// the main spec's requirement names, recording every operation archive would refuse (archive
/// stops at the first). Scenario loss is `openspec/scenario-dropped`'s, and a main spec with
/// structure errors is reported on that spec (archive refuses to touch it).
pub fn preflight(cx: &Context, delta: &Delta, doc: &Doc, plan: &parse::DeltaPlan) -> Vec<Finding> {
    // Archive validates the delta on its own first; what it refuses there is reported by
    // `openspec/delta-sections` and `openspec/renamed-pair`, and applying it would only echo that.
    if !consistent(plan) {
        return Vec::new();
    }
    let cap = &delta.capability;
    let mut findings = Vec::new();
    let mut add = |refusal, line, message: String, related| findings.push(Finding { refusal, line, message, related });
    let main = match main_spec(cx, delta) {
        MainSpec::Unknown => return Vec::new(),
        MainSpec::Absent => {
            for m in &plan.modified {
                add(Refusal::NotFound, m.header, new_spec_message(cap), None);
            }
            for r in &plan.renamed {
                add(Refusal::NotFound, r.from_line, new_spec_message(cap), None);
            }
            for r in &plan.removed {
                add(
                    Refusal::RemovedAbsent,
                    r.line,
                    format!(
                        "REMOVED requirement \"{}\" is ignored: {} does not exist yet, so there is nothing to remove",
                        r.name,
                        delta.main_spec_label()
                    ),
                    None,
                );
            }
            return findings;
        }
        MainSpec::Found(main) => main,
    };
    let main_doc = Doc::new(&main.text);
    if !parse::structure_issues(&main_doc).is_empty() {
        return Vec::new();
    }
    let blocks = parse::requirement_section_blocks(&main_doc).unwrap_or_default();
    // name -> (main-spec header line, raw); insertion order matters only for near misses.
    let mut names: Vec<(String, Option<usize>, String)> =
        blocks.iter().map(|b| (b.name.clone(), Some(b.header), b.raw(&main_doc))).collect();
    let find = |names: &[(String, Option<usize>, String)], key: &str| names.iter().position(|(n, _, _)| n == key);
    let near = |names: &[(String, Option<usize>, String)], key: &str, skip: &str| {
        let folded = parse::fold_name(key);
        names.iter().position(|(n, _, _)| n != skip && parse::fold_name(n) == folded)
    };
    let header = |name: &str| format!("\"### Requirement: {name}\"");

    for r in &plan.renamed {
        let Some(at) = find(&names, &r.from) else {
            if find(&names, &r.to).is_some() {
                if let Some(k) = near(&names, &r.from, &r.to) {
                    add(
                        Refusal::NotFound,
                        r.from_line,
                        format!(
                            "Archive would refuse this delta: {cap} RENAMED failed for header {} - source not found, but {} exists; fix the header to match it exactly",
                            header(&r.from),
                            header(&names[k].0)
                        ),
                        names[k].1.map(|l| (l, "the requirement with that name")),
                    );
                }
                continue;
            }
            add(
                Refusal::NotFound,
                r.from_line,
                format!(
                    "Archive would refuse this delta: {cap} RENAMED failed for header {} - source not found in {}; name a requirement it has",
                    header(&r.from),
                    delta.main_spec_label()
                ),
                None,
            );
            continue;
        };
        if let Some(k) = find(&names, &r.to) {
            add(
                Refusal::Exists,
                r.to_line,
                format!(
                    "Archive would refuse this delta: {cap} RENAMED failed for header {} - target already exists in {}",
                    header(&r.to),
                    delta.main_spec_label()
                ),
                names[k].1.map(|l| (l, "existing requirement")),
            );
            continue;
        }
        if let Some(k) = near(&names, &r.to, &r.from) {
            add(
                Refusal::Exists,
                r.to_line,
                format!(
                    "Archive would refuse this delta: {cap} RENAMED failed for header {} - {} already exists and differs only in case or spacing; choose a distinct name",
                    header(&r.to),
                    header(&names[k].0)
                ),
                names[k].1.map(|l| (l, "existing requirement")),
            );
            continue;
        }
        names[at].0 = r.to.clone();
    }

    for r in &plan.removed {
        if let Some(at) = find(&names, &r.name) {
            names.remove(at);
            continue;
        }
        match near(&names, &r.name, "") {
            Some(k) => add(
                Refusal::NotFound,
                r.line,
                format!(
                    "Archive would refuse this delta: {cap} REMOVED failed for header {} - not found, but {} exists; fix the header to match it exactly",
                    header(&r.name),
                    header(&names[k].0)
                ),
                names[k].1.map(|l| (l, "the requirement with that name")),
            ),
            None => add(
                Refusal::RemovedAbsent,
                r.line,
                format!(
                    "REMOVED requirement \"{}\" is not in the current spec ({}); archive treats it as already removed. Fix the name if it is a typo, or drop the entry",
                    r.name,
                    delta.main_spec_label()
                ),
                None,
            ),
        }
    }

    for m in &plan.modified {
        match find(&names, &m.name) {
            Some(at) => names[at].2 = m.raw(doc),
            None => {
                let hint = match near(&names, &m.name, "") {
                    Some(k) => format!("; the spec has {}, which differs only in case or spacing", header(&names[k].0)),
                    None => "; use ADDED for a new requirement, or copy the exact header from the spec".to_string(),
                };
                let related = near(&names, &m.name, "").and_then(|k| names[k].1).map(|l| (l, "similar requirement"));
                add(
                    Refusal::NotFound,
                    m.header,
                    format!(
                        "Archive would refuse this delta: {cap} MODIFIED failed for header {} - not found in {}{hint}",
                        header(&m.name),
                        delta.main_spec_label()
                    ),
                    related,
                );
            }
        }
    }

    for a in &plan.added {
        let raw = a.raw(doc);
        if let Some(k) = find(&names, &a.name) {
            if names[k].2.trim() != raw.trim() {
                add(
                    Refusal::Exists,
                    a.header,
                    format!(
                        "Archive would refuse this delta: {cap} ADDED failed for header {} - already exists in {}; use MODIFIED to change it, or choose a distinct name",
                        header(&a.name),
                        delta.main_spec_label()
                    ),
                    names[k].1.map(|l| (l, "existing requirement")),
                );
            }
            continue;
        }
        if let Some(k) = near(&names, &a.name, "") {
            add(
                Refusal::Exists,
                a.header,
                format!(
                    "Archive would refuse this delta: {cap} ADDED failed for header {} - {} already exists and differs only in case or spacing; use MODIFIED with that exact header to change it, or choose a distinct name",
                    header(&a.name),
                    header(&names[k].0)
                ),
                names[k].1.map(|l| (l, "existing requirement")),
            );
            continue;
        }
        names.push((a.name.clone(), None, raw));
    }
    findings
}

/// Whether a delta passes archive's own checks: every rename paired, no name twice in a section,
/// no name in two conflicting sections, no MODIFIED of a renamed name, no rename onto an ADDED one.
fn consistent(plan: &parse::DeltaPlan) -> bool {
    use std::collections::HashSet;
    fn unique<'a>(mut names: impl Iterator<Item = &'a str>) -> Option<HashSet<&'a str>> {
        let mut set = HashSet::new();
        names.all(|n| set.insert(n)).then_some(set)
    }
    let (Some(added), Some(modified), Some(removed), Some(from), Some(to)) = (
        unique(plan.added.iter().map(|b| b.name.as_str())),
        unique(plan.modified.iter().map(|b| b.name.as_str())),
        unique(plan.removed.iter().map(|r| r.name.as_str())),
        unique(plan.renamed.iter().map(|r| r.from.as_str())),
        unique(plan.renamed.iter().map(|r| r.to.as_str())),
    ) else {
        return false;
    };
    let removed_folded: HashSet<String> = removed.iter().map(|n| parse::fold_name(n)).collect();
    plan.unpaired.is_empty()
        && modified.is_disjoint(&removed)
        && modified.is_disjoint(&added)
        && added.is_disjoint(&removed)
        && from.iter().all(|f| !removed_folded.contains(&parse::fold_name(f)) && !modified.contains(f))
        && to.is_disjoint(&added)
}

fn new_spec_message(cap: &str) -> String {
    format!(
        "Archive would refuse this delta: {cap}: target spec does not exist; only ADDED requirements are allowed for new specs. MODIFIED and RENAMED operations require an existing spec (openspec/specs/{cap}/spec.md)"
    )
}

/// Run the preflight for one rule and emit its findings.
pub fn emit_preflight(cx: &Context, out: &mut Emitter, refusal: Refusal) {
    let Some(delta) = delta(cx) else { return };
    if delta.capability.is_empty() {
        return;
    }
    let doc = Doc::new(&cx.doc.text);
    let plan = parse::delta_plan(&doc);
    let findings = preflight(cx, &delta, &doc, &plan);
    if findings.iter().all(|f| f.refusal != refusal) {
        return;
    }
    let main = cx.index.doc(&delta.main_spec()).cloned();
    let main_doc = main.as_ref().map(|m| Doc::new(&m.text));
    for f in findings.into_iter().filter(|f| f.refusal == refusal) {
        let related = match (&main, &main_doc, f.related) {
            (Some(m), Some(d), Some((line, what))) => vec![related_line(m, d, line, what)],
            _ => Vec::new(),
        };
        emit_related(cx, out, doc.at(f.line), f.message, related);
    }
}

/// The requirement blocks the validator reads requirement text from, each with the prefix its
/// messages start with: a main spec's `### Requirement:` blocks (`Requirement "<name>"`), a
/// delta's ADDED and MODIFIED blocks (`ADDED "<name>"`).
pub fn requirement_blocks(cx: &Context, doc: &Doc) -> Vec<(String, parse::Block)> {
    match kind(cx) {
        "openspec.spec" => parse::requirement_section_blocks(doc)
            .unwrap_or_default()
            .into_iter()
            .map(|b| (format!("Requirement \"{}\"", b.name), b))
            .collect(),
        // The validator reads only deltas below a capability folder (`openspec/delta-sections`
        // reports the others).
        "openspec.delta" if delta(cx).is_some_and(|d| !d.capability.is_empty()) => {
            let plan = parse::delta_plan(doc);
            let added = plan.added.into_iter().map(|b| (format!("ADDED \"{}\"", b.name), b));
            let modified = plan.modified.into_iter().map(|b| (format!("MODIFIED \"{}\"", b.name), b));
            added.chain(modified).collect()
        }
        _ => Vec::new(),
    }
}

/// `buildMissingShallOrMustMessage`.
pub fn missing_keyword(prefix: &str, name: &str, guidance: bool) -> String {
    let base = format!("{prefix} {} contain SHALL or MUST", if guidance { "should" } else { "must" });
    let suffix = if guidance { " (RFC 2119 best practice for English specs)" } else { "" };
    if parse::shall_or_must(name) {
        return format!(
            "{base} in the requirement body, not only in the header. Move the SHALL/MUST statement to the line immediately after the \"### Requirement: ...\" header.{suffix}"
        );
    }
    format!("{base}{suffix}")
}
