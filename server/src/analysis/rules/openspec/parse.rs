//! A line-level reading of OpenSpec documents that follows `openspec validate` (1.13) rule for
//! rule, so that specls and the validator agree on what a requirement, a scenario and a delta
//! section are. The validator's readers live in `src/core/parsers/` upstream
//! (`code-fence.ts`, `requirement-text.ts`, `requirement-blocks.ts`, `markdown-parser.ts`,
//! `spec-structure.ts`); each function here names the one it follows. Upstream works on text
//! with the BOM stripped and line ends normalised to `\n`; here every line keeps its byte offset
//! in the original text, so findings can be placed on a line.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

macro_rules! re {
    ($name:ident, $pattern:expr) => {
        static $name: LazyLock<Regex> = LazyLock::new(|| Regex::new($pattern).expect("valid pattern"));
    };
}

/// One line of the document, without its terminator.
#[derive(Clone, Copy, Debug)]
pub struct Line<'t> {
    pub text: &'t str,
    pub start: usize,
}

impl Line<'_> {
    /// The line's text without leading and trailing whitespace, as a byte range.
    pub fn trimmed(&self) -> Range<usize> {
        let lead = self.text.len() - self.text.trim_start().len();
        let end = self.text.trim_end().len().max(lead);
        self.start + lead..self.start + end
    }
}

/// Split like upstream's `content.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n')`.
pub fn split_lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut start = if text.starts_with('\u{FEFF}') { 3 } else { 0 };
    let bytes = text.as_bytes();
    loop {
        let rest = &text[start..];
        match rest.find(['\r', '\n']) {
            Some(i) => {
                out.push(Line { text: &rest[..i], start });
                let at = start + i;
                start = if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') { at + 2 } else { at + 1 };
            }
            None => {
                out.push(Line { text: rest, start });
                return out;
            }
        }
    }
}

re!(FENCE_OPEN, r"^\s*(`{3,}|~{3,})");
re!(FENCE_CLOSE, r"^\s*(`{3,}|~{3,})\s*$");

/// `buildCodeFenceMask`: true for every line of a fenced block, fences included.
pub fn fence_mask<S: AsRef<str>>(lines: &[S]) -> Vec<bool> {
    let mut mask = vec![false; lines.len()];
    let mut active: Option<(char, usize)> = None;
    for (i, line) in lines.iter().enumerate() {
        let line = line.as_ref();
        match active {
            None => {
                if let Some(m) = FENCE_OPEN.captures(line).and_then(|c| c.get(1)) {
                    active = Some((m.as_str().chars().next().unwrap_or('`'), m.len()));
                    mask[i] = true;
                }
            }
            Some((marker, length)) => {
                mask[i] = true;
                if let Some(m) = FENCE_CLOSE.captures(line).and_then(|c| c.get(1))
                    && m.as_str().starts_with(marker)
                    && m.len() >= length
                {
                    active = None;
                }
            }
        }
    }
    mask
}

/// A document split into lines with its fence mask.
pub struct Doc<'t> {
    pub lines: Vec<Line<'t>>,
    pub texts: Vec<&'t str>,
    pub fenced: Vec<bool>,
}

impl<'t> Doc<'t> {
    pub fn new(text: &'t str) -> Self {
        let lines = split_lines(text);
        let texts: Vec<&str> = lines.iter().map(|l| l.text).collect();
        let fenced = fence_mask(&texts);
        Doc { lines, texts, fenced }
    }

    /// The trimmed byte range of a line, the anchor of a finding.
    pub fn at(&self, line: usize) -> Range<usize> {
        self.lines.get(line).map_or(0..0, Line::trimmed)
    }
}

// ------------------------------------------------------------------ requirement-text.ts

re!(METADATA_LINE, r"^\*\*[^*]+\*\*:");
re!(HEADER_LINE, r"^#{1,6}\s");
re!(SCENARIO_HEADER, r"^####\s+");
re!(SCENARIO_BODY_END, r"^#{1,4}\s");
re!(SHALL_OR_MUST, r"(?-u:\b)(?:SHALL|MUST)(?-u:\b)");

/// `containsShallOrMust`: upper case, whole words.
pub fn shall_or_must(text: &str) -> bool {
    SHALL_OR_MUST.is_match(text)
}

/// `extractRequirementBody`: the non-blank, non-fenced lines up to the first header; `**Key**:`
/// lines count only when nothing else does.
pub fn requirement_body<S: AsRef<str>>(body: &[S]) -> String {
    let mask = fence_mask(body);
    let mut captured = Vec::new();
    let mut metadata = Vec::new();
    for (i, line) in body.iter().enumerate() {
        if mask[i] {
            continue;
        }
        let line = line.as_ref();
        if HEADER_LINE.is_match(line) {
            break;
        }
        let trimmed = js_trim(line);
        if trimmed.is_empty() {
            continue;
        }
        if METADATA_LINE.is_match(trimmed) {
            metadata.push(trimmed);
        } else {
            captured.push(trimmed);
        }
    }
    if captured.is_empty() { metadata.join("\n") } else { captured.join("\n") }
}

/// `readScenarioBodies`: for each non-fenced `#### ` header, its index and whether its body (to
/// the next header of level 4 or above) has content.
pub fn scenario_bodies<S: AsRef<str>>(body: &[S]) -> Vec<(usize, bool)> {
    let mask = fence_mask(body);
    let mut out = Vec::new();
    for i in 0..body.len() {
        if mask[i] || !SCENARIO_HEADER.is_match(body[i].as_ref()) {
            continue;
        }
        let mut end = i + 1;
        while end < body.len() && (mask[end] || !SCENARIO_BODY_END.is_match(body[end].as_ref())) {
            end += 1;
        }
        let has_body = body[i + 1..end].iter().any(|l| !js_trim(l.as_ref()).is_empty());
        out.push((i, has_body));
    }
    out
}

/// JavaScript's `String.prototype.trim` (Unicode white space and the BOM).
pub fn js_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}')
}

/// A string's length as JavaScript counts it (UTF-16 code units).
pub fn js_len(s: &str) -> usize {
    s.encode_utf16().count()
}

// ------------------------------------------------------------------ requirement-blocks.ts

re!(CLOSING_HASHES, r"[ \t]+#+[ \t]*$");
re!(REQUIREMENT_HEADER, r"(?i)^###\s*Requirement:\s*(.+)\s*$");
re!(TOP_LEVEL_HEADER, r"^##\s+");
re!(SECTION_HEADER, r"^(##)\s+(.+)$");
re!(H3, r"^###\s+(.+?)\s*$");
re!(REMOVED_BULLET, r"^\s*[-*+]\s*`?###\s*Requirement:\s*(.+?)`?\s*$");
re!(RENAMED_FROM, r"^\s*[-*+]?\s*FROM:\s*`?###\s*Requirement:\s*(.+?)`?\s*$");
re!(RENAMED_TO, r"^\s*[-*+]?\s*TO:\s*`?###\s*Requirement:\s*(.+?)`?\s*$");
re!(REQUIREMENTS_SECTION, r"(?i)^##\s+Requirements\s*$");

/// `normalizeRequirementName`: drop an ATX closing `#` run, trim.
pub fn normalize_name(name: &str) -> String {
    js_trim(&CLOSING_HASHES.replace(name, "")).to_string()
}

/// `foldRequirementName`: case and white space folded, for near-miss detection only.
pub fn fold_name(name: &str) -> String {
    let lower = normalize_name(name).to_lowercase();
    lower.split(|c: char| c.is_whitespace()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// The requirement name of a `### Requirement:` header line, if it is one.
pub fn requirement_header(line: &str) -> Option<String> {
    REQUIREMENT_HEADER.captures(line).and_then(|c| c.get(1)).map(|m| normalize_name(m.as_str()))
}

/// A `### Requirement:` block: its header line and the lines it runs over (exclusive end).
#[derive(Clone, Debug)]
pub struct Block {
    pub name: String,
    pub header: usize,
    pub end: usize,
}

impl Block {
    /// The block as upstream's `raw`: its lines joined with `\n`, trailing white space trimmed.
    pub fn raw(&self, doc: &Doc) -> String {
        doc.texts[self.header..self.end].join("\n").trim_end().to_string()
    }

    /// The lines after the header (the trailing blank lines `raw` trims included, which no reader
    /// below can tell apart).
    pub fn body<'d>(&self, doc: &'d Doc) -> &'d [&'d str] {
        &doc.texts[self.header + 1..self.end]
    }

    /// `extractRequirementText` on the validator's path: the body, without the header fallback.
    pub fn text(&self, doc: &Doc) -> String {
        requirement_body(self.body(doc))
    }

    /// `countScenarios` and `countEmptyScenarios`.
    pub fn scenarios(&self, doc: &Doc) -> (usize, usize) {
        let bodies = scenario_bodies(self.body(doc));
        let full = bodies.iter().filter(|(_, b)| *b).count();
        (full, bodies.len() - full)
    }

    /// `parseScenarioBlocks`: the names of every non-fenced `#### ` header, with line indices.
    pub fn scenario_names(&self, doc: &Doc) -> Vec<(String, usize)> {
        let lines = &doc.texts[self.header..self.end];
        let mask = fence_mask(lines);
        lines
            .iter()
            .enumerate()
            .filter(|(i, l)| !mask[*i] && SCENARIO_HEADER.is_match(l))
            .map(|(i, l)| (scenario_name(l), self.header + i))
            .collect()
    }
}

re!(SCENARIO_PREFIX, r"(?i)^Scenario:\s*");

/// `scenarioNameAt`.
fn scenario_name(line: &str) -> String {
    let rest = SCENARIO_HEADER.replace(line, "");
    let rest = CLOSING_HASHES.replace(&rest, "");
    let rest = SCENARIO_PREFIX.replace(&rest, "");
    js_trim(&rest).to_string()
}

/// A `## ` section of a delta: its title and header line; the body runs to the next `## `.
#[derive(Clone, Debug)]
struct TopSection {
    title: String,
    header: usize,
    end: usize,
}

/// `splitTopLevelSections`.
fn top_sections(doc: &Doc) -> Vec<TopSection> {
    let headers: Vec<(String, usize)> = (0..doc.texts.len())
        .filter(|&i| !doc.fenced[i])
        .filter_map(|i| SECTION_HEADER.captures(doc.texts[i]).map(|c| (js_trim(&c[2]).to_string(), i)))
        .collect();
    headers
        .iter()
        .enumerate()
        .map(|(k, (title, header))| TopSection {
            title: title.clone(),
            header: *header,
            end: headers.get(k + 1).map_or(doc.texts.len(), |h| h.1),
        })
        .collect()
}

/// The four delta operations, in the order upstream lists their sections.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    Added,
    Modified,
    Removed,
    Renamed,
}

impl Op {
    pub const ALL: [Op; 4] = [Op::Added, Op::Modified, Op::Removed, Op::Renamed];

    pub fn as_str(self) -> &'static str {
        match self {
            Op::Added => "ADDED",
            Op::Modified => "MODIFIED",
            Op::Removed => "REMOVED",
            Op::Renamed => "RENAMED",
        }
    }

    fn title(self) -> String {
        format!("{} Requirements", self.as_str())
    }
}

/// A name listed under `## REMOVED Requirements`.
#[derive(Clone, Debug)]
pub struct Removed {
    pub name: String,
    pub line: usize,
}

/// A `FROM:` / `TO:` pair under `## RENAMED Requirements`.
#[derive(Clone, Debug)]
pub struct Rename {
    pub from: String,
    pub from_line: usize,
    pub to: String,
    pub to_line: usize,
}

/// A `FROM:` or `TO:` line that never formed a pair.
#[derive(Clone, Debug)]
pub struct Unpaired {
    pub side: &'static str,
    pub name: String,
    pub line: usize,
}

/// A `### Requirement:` outside every delta section.
#[derive(Clone, Debug)]
pub struct Orphan {
    pub name: String,
    pub section: Option<String>,
    pub line: usize,
}

/// A `###` header in ADDED or MODIFIED that is not a `### Requirement:` header.
#[derive(Clone, Debug)]
pub struct Skipped {
    pub header: String,
    pub section: String,
    pub line: usize,
}

/// `parseDeltaSpec`'s `DeltaPlan`, with line indices.
#[derive(Debug, Default)]
pub struct DeltaPlan {
    pub added: Vec<Block>,
    pub modified: Vec<Block>,
    pub removed: Vec<Removed>,
    pub renamed: Vec<Rename>,
    pub unpaired: Vec<Unpaired>,
    pub orphans: Vec<Orphan>,
    pub skipped: Vec<Skipped>,
    /// For each operation, the header line of its first section, if present.
    pub sections: HashMap<Op, usize>,
}

impl DeltaPlan {
    pub fn entries(&self) -> usize {
        self.added.len() + self.modified.len() + self.removed.len() + self.renamed.len()
    }
}

/// `parseDeltaSpec`.
pub fn delta_plan(doc: &Doc) -> DeltaPlan {
    let sections = top_sections(doc);
    let mut plan = DeltaPlan::default();
    for op in Op::ALL {
        let target = op.title().to_lowercase();
        let matching: Vec<&TopSection> = sections.iter().filter(|s| s.title.to_lowercase() == target).collect();
        let Some(first) = matching.first() else { continue };
        plan.sections.insert(op, first.header);
        let title = first.title.clone();
        for section in &matching {
            let body = section.header + 1..section.end;
            match op {
                Op::Added => plan.added.extend(requirement_blocks(doc, body, Some((&title, &mut plan.skipped)))),
                Op::Modified => plan.modified.extend(requirement_blocks(doc, body, Some((&title, &mut plan.skipped)))),
                Op::Removed => plan.removed.extend(removed_names(doc, body)),
                Op::Renamed => plan.renamed.extend(renamed_pairs(doc, body, &mut plan.unpaired)),
            }
        }
    }
    plan.unpaired.sort_by_key(|u| u.line);
    plan.skipped.sort_by_key(|s| s.line);
    plan.orphans = orphans(doc);
    plan
}

/// `parseRequirementBlocksFromSection`, recording skipped `###` headers when asked.
fn requirement_blocks(doc: &Doc, body: Range<usize>, mut skipped: Option<(&str, &mut Vec<Skipped>)>) -> Vec<Block> {
    let is_requirement = |i: usize| !doc.fenced[i] && REQUIREMENT_HEADER.is_match(doc.texts[i]);
    let is_top = |i: usize| !doc.fenced[i] && TOP_LEVEL_HEADER.is_match(doc.texts[i]);
    let mut record = |i: usize| {
        if let Some((section, sink)) = skipped.as_mut()
            && !doc.fenced[i]
            && !REQUIREMENT_HEADER.is_match(doc.texts[i])
            && let Some(c) = H3.captures(doc.texts[i])
        {
            sink.push(Skipped { header: js_trim(&c[1]).to_string(), section: section.to_string(), line: i });
        }
    };
    let mut blocks = Vec::new();
    let mut i = body.start;
    while i < body.end {
        while i < body.end && !is_requirement(i) {
            record(i);
            i += 1;
        }
        if i >= body.end {
            break;
        }
        let name = requirement_header(doc.texts[i]).unwrap_or_default();
        let header = i;
        i += 1;
        while i < body.end && !is_requirement(i) && !is_top(i) {
            record(i);
            i += 1;
        }
        blocks.push(Block { name, header, end: i });
    }
    blocks
}

/// `parseRemovedNames`.
fn removed_names(doc: &Doc, body: Range<usize>) -> Vec<Removed> {
    body.filter(|&i| !doc.fenced[i])
        .filter_map(|i| {
            let line = doc.texts[i];
            requirement_header(line)
                .or_else(|| REMOVED_BULLET.captures(line).map(|c| normalize_name(&c[1])))
                .map(|name| Removed { name, line: i })
        })
        .collect()
}

/// `parseRenamedPairs`.
fn renamed_pairs(doc: &Doc, body: Range<usize>, unpaired: &mut Vec<Unpaired>) -> Vec<Rename> {
    let mut pairs = Vec::new();
    let mut pending: Option<(String, usize)> = None;
    for i in body.filter(|&i| !doc.fenced[i]) {
        let line = doc.texts[i];
        if let Some(c) = RENAMED_FROM.captures(line) {
            if let Some((name, line)) = pending.take() {
                unpaired.push(Unpaired { side: "FROM", name, line });
            }
            pending = Some((normalize_name(&c[1]), i));
        } else if let Some(c) = RENAMED_TO.captures(line) {
            let to = normalize_name(&c[1]);
            match pending.take() {
                Some((from, from_line)) => pairs.push(Rename { from, from_line, to, to_line: i }),
                None => unpaired.push(Unpaired { side: "TO", name: to, line: i }),
            }
        }
    }
    if let Some((name, line)) = pending {
        unpaired.push(Unpaired { side: "FROM", name, line });
    }
    pairs
}

/// `findOrphanedRequirements`.
fn orphans(doc: &Doc) -> Vec<Orphan> {
    let delta_titles: Vec<String> = Op::ALL.iter().map(|op| op.title().to_lowercase()).collect();
    let mut section: Option<String> = None;
    let mut out = Vec::new();
    for i in 0..doc.texts.len() {
        if doc.fenced[i] {
            continue;
        }
        if let Some(c) = SECTION_HEADER.captures(doc.texts[i]) {
            section = Some(js_trim(&c[2]).to_string());
            continue;
        }
        if section.as_ref().is_some_and(|s| delta_titles.contains(&s.to_lowercase())) {
            continue;
        }
        if let Some(name) = requirement_header(doc.texts[i]) {
            out.push(Orphan { name, section: section.clone(), line: i });
        }
    }
    out
}

/// `extractRequirementsSection`: the `### Requirement:` blocks of a main spec's first
/// `## Requirements` section, or `None` when it has none.
pub fn requirement_section_blocks(doc: &Doc) -> Option<Vec<Block>> {
    let header = (0..doc.texts.len()).find(|&i| !doc.fenced[i] && REQUIREMENTS_SECTION.is_match(doc.texts[i]))?;
    let end = (header + 1..doc.texts.len())
        .find(|&i| !doc.fenced[i] && TOP_LEVEL_HEADER.is_match(doc.texts[i]))
        .unwrap_or(doc.texts.len());
    Some(requirement_blocks(doc, header + 1..end, None))
}

// ------------------------------------------------------------------ markdown-parser.ts

re!(MD_HEADER, r"^(#{1,6})\s+(.+)$");
re!(MD_HEADER_START, r"^(#{1,6})\s+");

/// A section as `MarkdownParser.parseSections` sees it.
#[derive(Clone, Debug)]
pub struct MdSection {
    pub level: usize,
    pub title: String,
    pub header: usize,
    /// The text up to the next header of the same or a higher level, trimmed.
    pub content: String,
    pub children: Vec<usize>,
}

/// `parseSections`, flattened in document order (which is also the order `findSection` visits).
pub fn md_sections(doc: &Doc) -> Vec<MdSection> {
    let mut out: Vec<MdSection> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    for i in 0..doc.texts.len() {
        if doc.fenced[i] {
            continue;
        }
        let Some(c) = MD_HEADER.captures(doc.texts[i]) else { continue };
        let level = c[1].len();
        let mut end = i + 1;
        while end < doc.texts.len() {
            let closes =
                !doc.fenced[end] && MD_HEADER_START.captures(doc.texts[end]).is_some_and(|h| h[1].len() <= level);
            if closes {
                break;
            }
            end += 1;
        }
        let content = js_trim(&doc.texts[i + 1..end].join("\n")).to_string();
        while stack.last().is_some_and(|&s| out[s].level >= level) {
            stack.pop();
        }
        let index = out.len();
        if let Some(&parent) = stack.last() {
            out[parent].children.push(index);
        }
        out.push(MdSection { level, title: js_trim(&c[2]).to_string(), header: i, content, children: Vec::new() });
        stack.push(index);
    }
    out
}

/// `findSection`: the first section with this title, case-insensitively.
pub fn find_section<'s>(sections: &'s [MdSection], title: &str) -> Option<&'s MdSection> {
    sections.iter().find(|s| s.title.to_lowercase() == title.to_lowercase())
}

/// `extractRequirementText(child.title, child.content)`: the body, else the header title.
pub fn md_requirement_text(section: &MdSection) -> String {
    let lines: Vec<&str> = section.content.split('\n').collect();
    let body = requirement_body(&lines);
    if body.is_empty() { js_trim(&section.title).to_string() } else { body }
}

// ------------------------------------------------------------------ spec-structure.ts

re!(DELTA_HEADER, r"(?i)^##\s+(ADDED|MODIFIED|REMOVED|RENAMED)\s+Requirements\s*$");
re!(MAIN_REQUIREMENT_HEADER, r"(?i)^###\s+Requirement:\s*(.+)\s*$");

/// What `findMainSpecStructureIssues` reports.
#[derive(Clone, Debug)]
pub enum Structure {
    DeltaHeader {
        line: usize,
        header: String,
    },
    OutsideRequirements {
        line: usize,
        header: String,
    },
    /// A second header with the same name (`duplicate-id` reports it).
    Duplicate,
}

/// `findMainSpecStructureIssues`.
pub fn structure_issues(doc: &Doc) -> Vec<Structure> {
    let line = |i: usize| if doc.fenced[i] { "" } else { doc.texts[i] };
    let n = doc.texts.len();
    let header = (0..n).find(|&i| REQUIREMENTS_SECTION.is_match(line(i)));
    let end = header.and_then(|h| (h + 1..n).find(|&i| TOP_LEVEL_HEADER.is_match(line(i)))).unwrap_or(n);
    let mut seen: HashMap<String, usize> = HashMap::new();
    // (first line kept for parity with upstream, which names it in its message)
    let mut out = Vec::new();
    for i in 0..n {
        let text = line(i);
        let trimmed = js_trim(text);
        if trimmed.is_empty() {
            continue;
        }
        if DELTA_HEADER.is_match(text) {
            out.push(Structure::DeltaHeader { line: i, header: trimmed.to_string() });
            continue;
        }
        let Some(c) = MAIN_REQUIREMENT_HEADER.captures(text) else { continue };
        if !header.is_some_and(|h| i > h && i < end) {
            out.push(Structure::OutsideRequirements { line: i, header: trimmed.to_string() });
            continue;
        }
        let name = normalize_name(&c[1]);
        match seen.get(&name) {
            Some(_) => out.push(Structure::Duplicate),
            None => {
                seen.insert(name, i);
            }
        }
    }
    out
}

/// Verifies specs/001-core-engine/spec.md FR-008 (the OpenSpec reader follows the validator).
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_offsets_across_line_ends_and_bom() {
        let text = "\u{FEFF}a\r\nb\rc\n";
        let lines = split_lines(text);
        let got: Vec<(&str, usize)> = lines.iter().map(|l| (l.text, l.start)).collect();
        assert_eq!(got, [("a", 3), ("b", 6), ("c", 8), ("", 10)]);
    }

    #[test]
    fn fences_need_the_same_marker_at_least_as_long() {
        let lines = ["````", "```", "## x", "````", "## y", "~~~ rust", "```", "~~~"];
        assert_eq!(fence_mask(&lines), [true, true, true, true, false, true, true, true]);
    }

    #[test]
    fn body_skips_metadata_unless_it_is_all_there_is() {
        assert_eq!(
            requirement_body(&["", "**ID**: 7", "The system SHALL x.", "#### Scenario: s"]),
            "The system SHALL x."
        );
        assert_eq!(requirement_body(&["**Constraint**: MUST y", ""]), "**Constraint**: MUST y");
        assert_eq!(requirement_body(&["```", "SHALL", "```", "#### Scenario: s"]), "");
    }

    #[test]
    fn keywords_are_upper_case_whole_words() {
        assert!(shall_or_must("It SHALL go"));
        assert!(!shall_or_must("It shall go"));
        assert!(!shall_or_must("MUSTARD"));
        assert!(shall_or_must("éSHALL"), "JavaScript's \\b is ASCII");
    }

    #[test]
    fn names_drop_closing_hashes_only_after_a_space() {
        assert_eq!(normalize_name(" Foo ## "), "Foo");
        assert_eq!(normalize_name("C#"), "C#");
        assert_eq!(fold_name("Foo   BAR"), "foo bar");
    }

    #[test]
    fn delta_plan_reads_every_section() {
        let text = "## ADDED Requirements\n### Requirement: A\nThe system SHALL a.\n#### Scenario: s\n- x\n### Notes\n\
                    ## Removed requirements\n- `### Requirement: B`\n## RENAMED Requirements\n- FROM: `### Requirement: C`\n\
                    - TO: `### Requirement: D`\n- TO: `### Requirement: E`\n## Other\n### Requirement: F\n";
        let doc = Doc::new(text);
        let plan = delta_plan(&doc);
        assert_eq!(plan.added.iter().map(|b| b.name.as_str()).collect::<Vec<_>>(), ["A"]);
        assert_eq!(plan.added[0].scenarios(&doc), (1, 0));
        assert_eq!(plan.skipped.len(), 1);
        assert_eq!(plan.removed[0].name, "B");
        assert_eq!((plan.renamed[0].from.as_str(), plan.renamed[0].to.as_str()), ("C", "D"));
        assert_eq!(plan.unpaired[0].name, "E");
        assert_eq!(plan.orphans[0].section.as_deref(), Some("Other"));
        assert_eq!(plan.entries(), 3);
    }

    #[test]
    fn main_spec_sections_nest_by_level() {
        let doc = Doc::new("# T\n## Purpose\nWhy.\n### Sub\nMore.\n## Requirements\n### Requirement: A\nx\n");
        let sections = md_sections(&doc);
        let purpose = find_section(&sections, "purpose").unwrap();
        assert_eq!(purpose.content, "Why.\n### Sub\nMore.");
        let requirements = find_section(&sections, "Requirements").unwrap();
        assert_eq!(requirements.children.len(), 1);
    }
}
