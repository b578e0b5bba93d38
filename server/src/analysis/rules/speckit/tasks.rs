//! The shape of a Spec Kit task line and the phase it sits in (spec-formats §3.4):
//!
//! ```text
//! - [ ] T012 [P] [US1] Description with src/path/file.rs
//! ```

use std::ops::Range;

use crate::model::DocModel;

use super::text::Line;

/// A `[P]` or `[USn]` label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// The story number for `[USn]` (the first one of `[US3+US4]`), `None` for `[P]`.
    pub story: Option<u32>,
    /// Names several stories: `[US3+US4]`, `[US3, US4]`.
    pub combined: bool,
    /// The bracketed label, absolute.
    pub range: Range<usize>,
    /// Written before the task ID.
    pub before_id: bool,
}

/// A line that looks like a task: a checkbox item, or a line that starts with a task ID.
#[derive(Clone, Debug)]
pub struct TaskLine {
    /// Columns before the list marker (0 for a top-level item or a paragraph line).
    pub indent: usize,
    /// The list marker (`-`, `*`, `+`), absolute.
    pub bullet: Option<Range<usize>>,
    /// The checkbox (`[ ]`), absolute.
    pub checkbox: Option<Range<usize>>,
    /// The task ID, absolute.
    pub id: Option<Range<usize>>,
    pub labels: Vec<Label>,
    /// What follows the ID and labels, trimmed, absolute (empty when there is nothing).
    pub description: Range<usize>,
}

impl TaskLine {
    pub fn is_top_level(&self) -> bool {
        self.indent < 2
    }

    pub fn stories(&self) -> impl Iterator<Item = &Label> {
        self.labels.iter().filter(|l| l.story.is_some())
    }
}

/// Read a line as a task line, or `None` when it does not look like one. A checkbox is `[c]` for
/// any single character but `P` (`- [P] tasks = different files` is a note about the label).
pub fn parse(line: &Line) -> Option<TaskLine> {
    let text = line.text;
    let indent_len = text.len() - text.trim_start().len();
    let indent = text[..indent_len].chars().map(|c| if c == '\t' { 4 } else { 1 }).sum();
    let mut pos = indent_len;
    let bytes = text.as_bytes();

    let mut bullet = None;
    if matches!(bytes.get(pos), Some(b'-' | b'*' | b'+'))
        && bytes.get(pos + 1).is_some_and(|b| *b == b' ' || *b == b'\t')
    {
        bullet = Some(line.at(pos..pos + 1));
        pos = skip_spaces(text, pos + 1);
    }
    let mut checkbox = None;
    if bullet.is_some()
        && bytes.get(pos) == Some(&b'[')
        && let Some(c) = text[pos + 1..].chars().next()
        && c != 'P'
        && c != ']'
        && text[pos + 1 + c.len_utf8()..].starts_with(']')
    {
        let end = pos + 1 + c.len_utf8() + 1;
        if text[end..].is_empty() || text[end..].starts_with([' ', '\t']) {
            checkbox = Some(line.at(pos..end));
            pos = skip_spaces(text, end);
        }
    }

    let mut id = None;
    let mut labels = Vec::new();
    loop {
        let rest = &text[pos..];
        if let Some(len) = label_len(rest) {
            let inner = &rest[1..len - 1];
            let story = inner.strip_prefix("US").map(|n| {
                let n = n.trim_start_matches('-');
                n[..n.bytes().take_while(u8::is_ascii_digit).count()].parse().unwrap_or(0)
            });
            let combined = inner.matches("US").count() > 1;
            labels.push(Label { story, combined, range: line.at(pos..pos + len), before_id: id.is_none() });
            pos = skip_spaces(text, pos + len);
        } else if id.is_none()
            && let Some(len) = task_id_len(rest)
        {
            id = Some(line.at(pos..pos + len));
            pos = skip_spaces(text, pos + len);
        } else {
            break;
        }
    }

    // Without a checkbox, only a line that starts with a task ID is task-looking.
    if checkbox.is_none() && (id.is_none() || labels.first().is_some_and(|l| l.before_id)) {
        return None;
    }
    let description_end = text.trim_end().len().max(pos);
    Some(TaskLine { indent, bullet, checkbox, id, labels, description: line.at(pos..description_end) })
}

fn skip_spaces(text: &str, pos: usize) -> usize {
    pos + text[pos..].len() - text[pos..].trim_start_matches([' ', '\t']).len()
}

/// `[P]`, `[USn]` / `[US-n]`, or a label naming several stories (`[US3+US4]`, `[US3, US4]`) at
/// the start of `s`.
fn label_len(s: &str) -> Option<usize> {
    if s.starts_with("[P]") {
        return Some(3);
    }
    let mut rest = s.strip_prefix('[')?;
    loop {
        let digits = rest.strip_prefix("US")?;
        let digits = digits.strip_prefix('-').unwrap_or(digits);
        let n = digits.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        rest = &digits[n..];
        if let Some(after) = rest.strip_prefix(']') {
            return Some(s.len() - after.len());
        }
        rest = rest.trim_start().strip_prefix(['+', ',', '/', '&'])?.trim_start();
    }
}

/// A task ID (`T` and at least three digits, an optional lower-case letter) at the start of `s`,
/// ending at a word boundary.
pub fn task_id_len(s: &str) -> Option<usize> {
    let digits = s.strip_prefix('T')?;
    let n = digits.bytes().take_while(u8::is_ascii_digit).count();
    if n < 3 {
        return None;
    }
    let mut len = 1 + n;
    if s.as_bytes().get(len).is_some_and(u8::is_ascii_lowercase) {
        len += 1;
    }
    let boundary = s[len..].chars().next().is_none_or(|c| !c.is_alphanumeric() && c != '_');
    boundary.then_some(len)
}

/// Which kind of phase a section of a task list is, from its `Phase N: …` heading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Not inside a `Phase N` section, or a phase of another kind.
    Other,
    /// Setup, Foundational or Polish: story labels are not used.
    Shared(&'static str),
    /// A user story's phase; the story number when the heading names exactly one.
    Story(Option<u32>),
}

/// The phase of every section of a task list, by section index.
pub struct Phases {
    of_section: Vec<Phase>,
}

impl Phases {
    pub fn new(model: &DocModel) -> Self {
        let mut of_section: Vec<Phase> = Vec::with_capacity(model.sections.len());
        for section in &model.sections {
            let inherited = section.parent.map_or(Phase::Other, |p| of_section[p]);
            of_section.push(classify(&section.title).unwrap_or(inherited));
        }
        Phases { of_section }
    }

    /// The phase at a byte offset: that of the innermost section holding it.
    pub fn at(&self, model: &DocModel, offset: usize) -> Phase {
        let sections = &model.sections;
        let after = sections.partition_point(|s| s.heading.start <= offset);
        let mut index = after.checked_sub(1);
        while let Some(i) = index {
            if sections[i].range.contains(&offset) {
                return self.of_section[i];
            }
            index = sections[i].parent;
        }
        Phase::Other
    }
}

/// `Phase 1: Setup (Shared Infrastructure)`, `Phase 3: User Story 1 - Title (Priority: P1)`, the
/// legacy `Phase 3.1: Setup`; [`Phase::Other`] for a phase of another kind, and `None` for a
/// heading that is not a phase (it takes the phase of its parent section).
fn classify(title: &str) -> Option<Phase> {
    let rest = title.strip_prefix("Phase")?;
    let rest = rest.trim_start();
    let number = rest.bytes().take_while(|b| b.is_ascii_digit() || *b == b'.').count();
    if number == 0 || !rest.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    let name = rest[number..].trim_start_matches([':', '-', '–', '—', ' ', '\t']);
    let lower = name.to_ascii_lowercase();
    let word = |w: &str| lower.starts_with(w) && lower[w.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric());
    if word("setup") {
        return Some(Phase::Shared("Setup"));
    }
    if word("foundational") || word("foundation") {
        return Some(Phase::Shared("Foundational"));
    }
    if word("polish") {
        return Some(Phase::Shared("Polish"));
    }
    let story = lower.strip_prefix("user story").or_else(|| lower.strip_prefix("user stories")).or_else(|| {
        let us = lower.strip_prefix("us")?;
        let us = us.strip_prefix('-').unwrap_or(us);
        us.starts_with(|c: char| c.is_ascii_digit()).then_some(us)
    });
    let Some(story) = story else { return Some(Phase::Other) };
    // The story number when the heading names exactly one (`User Story 3 & 4` names two).
    let head = story.split(['—', '–', '(', ':']).next().unwrap_or("");
    let head = head.split(" - ").next().unwrap_or("");
    let numbers: Vec<u32> = head.split(|c: char| !c.is_ascii_digit()).filter_map(|n| n.parse().ok()).collect();
    Some(Phase::Story(if numbers.len() == 1 { Some(numbers[0]) } else { None }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> Option<TaskLine> {
        parse(&Line { start: 0, text })
    }

    #[test]
    fn task_lines_are_taken_apart() {
        let t = line("- [ ] T012 [P] [US1] Create model in src/models/user.py").unwrap();
        assert_eq!(t.checkbox, Some(2..5));
        assert_eq!(t.id, Some(6..10));
        assert_eq!(t.labels.len(), 2);
        assert_eq!(t.labels[1].story, Some(1));
        assert!(!t.labels[0].before_id);
        assert_eq!(t.description.start, 21);

        let t = line("- [ ] [US1] T001 Create model").unwrap();
        assert!(t.labels[0].before_id);
        assert!(t.id.is_some());

        let t = line("- [X] T105a [US-9] Lint").unwrap();
        assert_eq!(t.id, Some(6..11));
        assert_eq!(t.labels[0].story, Some(9));

        let t = line("  - [ ] Create User model").unwrap();
        assert_eq!((t.indent, t.id.clone(), t.labels.len()), (2, None, 0));

        let t = line("T001 [US1] Create model").unwrap();
        assert!(t.checkbox.is_none() && t.bullet.is_none() && t.id.is_some());

        let t = line("- [-] T115 [US3+US4] Maestro suite in apps/mobile/e2e/").unwrap();
        assert_eq!((t.labels[0].story, t.labels[0].combined, t.labels[0].range.clone()), (Some(3), true, 11..20));
        let t = line("- [ ] T116 [US3, US-4] Offline test").unwrap();
        assert_eq!((t.labels[0].story, t.labels[0].combined), (Some(3), true));
        assert!(line("- [ ] T117 [US3+] Broken").unwrap().labels.is_empty());

        let t = line("- [ ] T001 [US1]").unwrap();
        assert!(t.description.is_empty());
    }

    #[test]
    fn other_lines_are_not_tasks() {
        assert!(line("- [P] tasks = different files, no dependencies").is_none());
        assert!(line("- Plain item").is_none());
        assert!(line("T12 is too short for an ID").is_none());
        assert!(line("The T001 task").is_none());
        assert!(line("[US1] T001 Create").is_none());
    }

    #[test]
    fn phases_are_classified_from_their_headings() {
        assert_eq!(classify("Phase 1: Setup (Shared Infrastructure)"), Some(Phase::Shared("Setup")));
        assert_eq!(classify("Phase 3.1: Setup"), Some(Phase::Shared("Setup")));
        assert_eq!(
            classify("Phase 2: Foundational — Shared Layout Shell (Blocking)"),
            Some(Phase::Shared("Foundational"))
        );
        assert_eq!(classify("Phase 9: Polish & Cross-Cutting Concerns"), Some(Phase::Shared("Polish")));
        assert_eq!(classify("Phase 3: User Story 1 - Sign in (Priority: P1) 🎯 MVP"), Some(Phase::Story(Some(1))));
        assert_eq!(classify("Phase 4: User Story 12 — Filter (Priority: P0)"), Some(Phase::Story(Some(12))));
        assert_eq!(
            classify("Phase 6: User Story 3 & 4 — Mobile App for iOS & Android (Priority: P0)"),
            Some(Phase::Story(None))
        );
        assert_eq!(classify("Phase 5: US-2 Export"), Some(Phase::Story(Some(2))));
        assert_eq!(classify("Phase 10: Event Creator Operations (Cross-cutting)"), Some(Phase::Other));
        assert_eq!(classify("Phase 7: Concession Status — FR-11 (Priority: P1)"), Some(Phase::Other));
        assert_eq!(classify("Phase 12: Convergence"), Some(Phase::Other));
        assert_eq!(classify("Phase Dependencies"), None);
        assert_eq!(classify("Phase N: Convergence"), None);
        assert_eq!(classify("Setup"), None);
    }
}
