//! A one-pass line scanner for the Markdown that spec documents are written in, giving the same
//! [`Outline`] as tree-sitter-md at a fraction of the cost, for cold scans of whole workspaces.
//!
//! It knows ATX headings, paragraphs, bullet and ordered list items (nested by their content
//! column, task markers included), fenced code, pipe tables, blank lines, front matter, HTML
//! comment blocks and thematic breaks. Whatever else it meets (setext headings, block quotes,
//! indented code, tabs in indentation, other HTML, link reference definitions, lazy continuation
//! lines, list content at an unusual indentation, headings or tables inside list items, …) makes
//! it give up with `None`, and the caller parses with tree-sitter instead: a wrong answer would
//! change the model, a refusal only costs time. Every range is the one tree-sitter-md gives, down
//! to its quirks (a list item runs over the blank lines after it and up to where the next block
//! starts, table cells keep their trailing spaces); the differential tests hold it to that.

use std::ops::Range;

use super::outline::{Heading, ListItem, Mask, MaskKind, Outline, close_sections};

/// The outline of `text`, or `None` when it holds anything this scanner does not reproduce
/// exactly.
pub fn fast_outline(text: &str) -> Option<Outline> {
    let bytes = text.as_bytes();
    // Two vectorised passes rather than a byte loop: this runs over every Markdown file indexed.
    if memchr::memchr3(b'\r', b'\0', 0x0b, bytes).is_some()
        || memchr::memchr(0x0c, bytes).is_some()
        || text.starts_with('\u{feff}')
    {
        return None;
    }
    // At the very end of the input, without a line break, tree-sitter keeps a table cell's
    // trailing spaces (`|c|d  `); such an ending is left to it.
    if text.ends_with(' ') {
        return None;
    }
    let mut scanner = Scanner { text, out: Outline::default(), items: Vec::new(), para: None, top_list: None };
    let mut pos = scanner.front_matter()?;
    let mut fence: Option<Fence> = None;
    let mut comment: Option<usize> = None;
    let mut table = false;
    while pos < text.len() {
        // The memchr crate's search, vectorised, rather than `str::find`'s word-at-a-time one.
        let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(text.len(), |i| pos + i);
        let next = (end + 1).min(text.len());
        let line = &text[pos..end];
        let indent = line.bytes().take_while(|&b| b == b' ').count();
        let content = &line[indent..];
        let blank = content.trim_end_matches(' ').is_empty();
        if let Some(open) = &fence {
            let column = scanner.column(open.depth);
            // Code may hold tabs, except where list items must measure the indentation.
            if !blank && (indent < column || (open.depth > 0 && content.starts_with('\t'))) {
                return None;
            }
            if !blank && indent - column <= 3 && open.closed_by(content)? {
                let end = next + scanner.continuation(next, open.depth)?;
                scanner.out.masks.push(Mask { range: open.start..end, kind: MaskKind::Code });
                fence = None;
            }
            pos = next;
            continue;
        }
        // Tabs count to the next multiple of four columns: not worth measuring.
        if content.starts_with('\t') {
            return None;
        }
        if let Some(start) = comment {
            if line.contains("-->") {
                scanner.out.masks.push(Mask { range: start..next, kind: MaskKind::Html });
                comment = None;
            }
            pos = next;
            continue;
        }
        if blank {
            // Spaces at the very end make a paragraph in tree-sitter-md.
            if end == text.len() && !line.is_empty() {
                return None;
            }
            scanner.close_paragraph();
            table = false;
            pos = next;
            continue;
        }
        if table {
            // A header and delimiter row inside a table start another table in tree-sitter-md.
            if indent != 0 || !content.starts_with('|') || delimiter_cells(line).is_some() {
                return None;
            }
            scanner.out.inlines.extend(table_cells(pos, line)?);
            pos = next;
            continue;
        }
        // The open list items whose content column this line reaches.
        let level = scanner.items.iter().take_while(|item| item.column <= indent).count();
        let column = scanner.column(level);
        let start = pos + indent;
        let block = classify(content);
        // Where a paragraph's text on this line ends: trailing spaces before a newline are not
        // part of it, at the very end they are.
        let text_end = if end == text.len() { end } else { pos + line.trim_end_matches(' ').len() };
        // tree-sitter-md reads some last lines without a newline differently (`***` is a
        // paragraph there, and so is a lone `# Title`).
        let at_end = match block {
            Block::Text | Block::Item { .. } => true,
            Block::Heading { level } => pos > 0 && !content.ends_with(' ') && content.len() > usize::from(level),
            _ => false,
        };
        if end == text.len() && !at_end {
            return None;
        }
        if let Some(para) = &mut scanner.para {
            let innermost = level == scanner.items.len();
            match block {
                // Indented four or more past the paragraph's column: text in CommonMark, but
                // tree-sitter-md may start indented code there.
                _ if indent >= column + 4 => return None,
                Block::Text if innermost => {
                    para.end = text_end;
                    pos = next;
                    continue;
                }
                // Lazy continuation, setext underlines, tables after text, other interruptions.
                Block::Text | Block::Unsure | Block::Break | Block::Table => return None,
                // A list that interrupts a paragraph must start at 1 (otherwise the line is text).
                Block::Item { interrupts: false, .. } if innermost => return None,
                _ => {}
            }
            if indent != column {
                return None;
            }
            scanner.close_paragraph();
        } else if indent != column {
            return None;
        }
        scanner.close_items(level, start);
        match block {
            Block::Unsure => return None,
            Block::Heading { level: h } => {
                if level > 0 {
                    return None;
                }
                scanner.close_top_list();
                scanner.heading(h, pos, indent, line, next);
            }
            Block::Fence { ch, len } => {
                if ch == b'`' && content[len..].contains('`') {
                    return None;
                }
                if level == 0 {
                    scanner.close_top_list();
                }
                fence = Some(Fence { start, ch, len, depth: level });
            }
            Block::Comment => {
                if level > 0 {
                    return None;
                }
                scanner.close_top_list();
                if content.starts_with("<!-->") || content.starts_with("<!--->") {
                    return None;
                }
                if content[4..].contains("-->") {
                    scanner.out.masks.push(Mask { range: start..next, kind: MaskKind::Html });
                } else {
                    comment = Some(start);
                }
            }
            Block::Break => {
                if level > 0 {
                    return None;
                }
                scanner.close_top_list();
            }
            Block::Table => {
                if level > 0 {
                    return None;
                }
                scanner.close_top_list();
                let header = table_cells(pos, line)?;
                // A delimiter row without a newline ends a paragraph in tree-sitter-md.
                let delimiter = text[next..].split_inclusive('\n').next().and_then(|l| l.strip_suffix('\n'))?;
                if delimiter_cells(delimiter)? != header.len() {
                    return None;
                }
                scanner.out.inlines.extend(header);
                table = true;
                pos = (next + delimiter.len() + 1).min(text.len());
                continue;
            }
            Block::Item { kind, width, .. } => {
                scanner.item(level, kind, start, width, &content[width..], text_end)?;
            }
            Block::Text => {
                if level == 0 {
                    scanner.close_top_list();
                }
                scanner.paragraph(start, content, text_end)?;
            }
        }
        pos = next;
    }
    // An unclosed fence runs to the end, except in tree-sitter-md's corner cases.
    if comment.is_some() || fence.is_some() {
        return None;
    }
    scanner.close_paragraph();
    scanner.close_items(0, text.len());
    scanner.close_top_list();
    let mut out = scanner.out;
    close_sections(&mut out.headings, text.len());
    Some(out)
}

/// What a line starts, judged from its text after the indentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Block {
    Heading {
        level: u8,
    },
    Fence {
        ch: u8,
        len: usize,
    },
    /// `<!--`: an HTML block that ends at the line holding `-->`.
    Comment,
    /// A thematic break (`---`, `***`, `___`).
    Break,
    /// A line starting with `|`: a table header if a delimiter row follows.
    Table,
    /// A list item whose content starts on its marker line after one space; `width` covers the
    /// marker and that space. Only bullets and `1.` may interrupt a paragraph.
    Item {
        kind: u8,
        width: usize,
        interrupts: bool,
    },
    Text,
    /// Anything this scanner does not reproduce.
    Unsure,
}

fn classify(content: &str) -> Block {
    // A tab may separate a marker from its text, or pad a heading or a table: not reproduced.
    if memchr::memchr(b'\t', content.as_bytes()).is_some() {
        return Block::Unsure;
    }
    let b = content.as_bytes();
    let first = b[0];
    let run = b.iter().take_while(|&&c| c == first).count();
    match first {
        b'-' | b'*' | b'_' if is_break(content) => Block::Break,
        b'#' if run <= 6 && b.get(run).is_none_or(|&c| c == b' ') => Block::Heading { level: run as u8 },
        b'`' | b'~' if run >= 3 => Block::Fence { ch: first, len: run },
        b'<' if content.starts_with("<!--") => Block::Comment,
        b'<' | b'>' | b'=' => Block::Unsure,
        b'|' => Block::Table,
        b'-' | b'*' | b'+' => match b.get(1) {
            None => Block::Unsure,
            Some(b' ') => item_after_marker(content, first, 1, true),
            Some(_) => Block::Text,
        },
        b'0'..=b'9' => {
            let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
            match b.get(digits) {
                Some(&d @ (b'.' | b')')) if digits <= 9 => match b.get(digits + 1) {
                    None => Block::Unsure,
                    Some(b' ') => item_after_marker(content, d, digits + 1, &content[..digits] == "1"),
                    Some(_) => Block::Text,
                },
                _ => Block::Text,
            }
        }
        b'[' if content.contains("]:") => Block::Unsure,
        _ => Block::Text,
    }
}

/// A list item with `marker` bytes of marker: its content must start right after one space.
fn item_after_marker(content: &str, kind: u8, marker: usize, interrupts: bool) -> Block {
    let width = marker + 1;
    match content.as_bytes().get(width) {
        None | Some(b' ') => Block::Unsure,
        Some(_) => Block::Item { kind, width, interrupts },
    }
}

fn is_break(content: &str) -> bool {
    let first = content.as_bytes()[0];
    let mut count = 0;
    for c in content.bytes() {
        match c {
            c if c == first => count += 1,
            b' ' => {}
            _ => return false,
        }
    }
    count >= 3
}

struct Fence {
    start: usize,
    ch: u8,
    len: usize,
    /// How many list items enclose it.
    depth: usize,
}

impl Fence {
    /// Whether `content` closes the fence; `None` for a closing fence followed by a tab.
    fn closed_by(&self, content: &str) -> Option<bool> {
        let run = content.bytes().take_while(|&c| c == self.ch).count();
        let rest = &content[run..];
        if run >= self.len && rest.contains('\t') && rest.trim_matches([' ', '\t']).is_empty() {
            return None;
        }
        Some(run >= self.len && rest.bytes().all(|c| c == b' '))
    }
}

struct OpenItem {
    /// The column its content starts at.
    column: usize,
    /// Its entry in [`Outline::list_items`].
    index: usize,
}

struct Paragraph {
    start: usize,
    end: usize,
}

struct TopList {
    start: usize,
    kind: u8,
    end: usize,
}

struct Scanner<'a> {
    text: &'a str,
    out: Outline,
    items: Vec<OpenItem>,
    para: Option<Paragraph>,
    top_list: Option<TopList>,
}

impl Scanner<'_> {
    /// Where the content of the `level` outermost list items starts.
    fn column(&self, level: usize) -> usize {
        level.checked_sub(1).map_or(0, |i| self.items[i].column)
    }

    /// `---` front matter at the very start: returns where the body starts.
    fn front_matter(&mut self) -> Option<usize> {
        let Some(body) = self.text.strip_prefix("---\n") else {
            return if self.text.starts_with("---") || self.text.starts_with("+++") { None } else { Some(0) };
        };
        let mut at = 4;
        for line in body.split_inclusive('\n') {
            at += line.len();
            if line.starts_with("---") && line[3..].trim_end_matches([' ', '\n']).is_empty() {
                if at == 8 || line != "---\n" {
                    return None;
                }
                self.out.masks.push(Mask { range: 0..at, kind: MaskKind::FrontMatter });
                return Some(at);
            }
        }
        None
    }

    /// How much indentation of the line starting at `at` the list items enclosing a block at
    /// `depth` consume: tree-sitter-md counts it into the block that ended on the line before.
    fn continuation(&self, at: usize, depth: usize) -> Option<usize> {
        if depth == 0 {
            return Some(0);
        }
        let line = &self.text[at..];
        let line = &line[..line.find('\n').unwrap_or(line.len())];
        let indent = line.bytes().take_while(|&b| b == b' ').count();
        if indent == line.len() {
            // Blank: nothing is consumed, unless the line holds spaces.
            return (indent == 0).then_some(0);
        }
        let level = self.items[..depth].iter().take_while(|item| item.column <= indent).count();
        Some(self.column(level))
    }

    fn close_paragraph(&mut self) {
        if let Some(para) = self.para.take() {
            self.out.inlines.push(para.start..para.end);
        }
    }

    /// Close the list items nested deeper than `level`, ending them at `at`.
    fn close_items(&mut self, level: usize, at: usize) {
        while self.items.len() > level {
            let item = self.items.pop().expect("more items than the level");
            self.out.list_items[item.index].range.end = at;
            if self.items.is_empty()
                && let Some(list) = &mut self.top_list
            {
                list.end = at;
            }
        }
    }

    fn close_top_list(&mut self) {
        if let Some(list) = self.top_list.take() {
            self.out.lists.push(list.start..list.end);
        }
    }

    fn heading(&mut self, level: u8, pos: usize, indent: usize, line: &str, next: usize) {
        let after = pos + indent + level as usize;
        let rest = &self.text[after..pos + line.len()];
        let lead = rest.len() - rest.trim_start_matches(' ').len();
        let trimmed = rest.trim_matches(' ');
        let content = if trimmed.is_empty() { next..next } else { after + lead..after + lead + trimmed.len() };
        if !content.is_empty() {
            self.out.inlines.push(content.clone());
        }
        self.out.headings.push(Heading { level, range: pos..next, content, section: 0..0 });
    }

    /// Open a list item at `level` whose marker starts at `start`; `content` follows the marker
    /// and its space, which are `width` bytes, and its text ends at `end`.
    fn item(&mut self, level: usize, kind: u8, start: usize, width: usize, content: &str, end: usize) -> Option<()> {
        let column = self.column(level) + width;
        if level == 0 {
            match &self.top_list {
                Some(list) if list.kind == kind => {}
                _ => {
                    self.close_top_list();
                    self.top_list = Some(TopList { start, kind, end: start });
                }
            }
        }
        self.out.list_items.push(ListItem {
            range: start..start,
            depth: level as u16,
            ordered: matches!(kind, b'.' | b')'),
        });
        self.items.push(OpenItem { column, index: self.out.list_items.len() - 1 });
        let content_start = start + width;
        let (task, rest) = match content.get(..4) {
            Some("[ ] " | "[x] " | "[X] ") => (4, &content[4..]),
            _ => (0, content),
        };
        if rest.is_empty() || rest.starts_with(' ') {
            return None;
        }
        if !matches!(classify(rest), Block::Text) {
            return None;
        }
        self.paragraph(content_start + task, rest, end)
    }

    fn paragraph(&mut self, start: usize, content: &str, end: usize) -> Option<()> {
        if content.starts_with('[') && content.contains("]:") {
            return None;
        }
        self.para = Some(Paragraph { start, end });
        Some(())
    }
}

/// The cells of a table row (`line` starts at byte `pos` with `|`), as tree-sitter-md bounds
/// them: from the first non-space byte to the next pipe (trailing spaces included), a cell of
/// spaces whole, and a last cell without a closing pipe trimmed.
fn table_cells(pos: usize, line: &str) -> Option<Vec<Range<usize>>> {
    if line.contains(['\\', '\t']) || !line.starts_with('|') {
        return None;
    }
    let mut cells = Vec::new();
    let pipes: Vec<usize> = line.match_indices('|').map(|(i, _)| i).collect();
    for pair in pipes.windows(2) {
        let (a, b) = (pair[0] + 1, pair[1]);
        let segment = &line[a..b];
        if segment.is_empty() {
            return None;
        }
        let lead = segment.len() - segment.trim_start_matches(' ').len();
        let from = if lead == segment.len() { a } else { a + lead };
        cells.push(pos + from..pos + b);
    }
    let last = pipes[pipes.len() - 1] + 1;
    let tail = &line[last..];
    let trimmed = tail.trim_matches(' ');
    if !trimmed.is_empty() {
        let lead = tail.len() - tail.trim_start_matches(' ').len();
        cells.push(pos + last + lead..pos + last + lead + trimmed.len());
    }
    (!cells.is_empty()).then_some(cells)
}

/// How many columns a delimiter row (`|---|:-:|`) declares, or `None` if the line is not one.
fn delimiter_cells(line: &str) -> Option<usize> {
    let inner = line.strip_prefix('|')?;
    let inner = inner.trim_end_matches(' ');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut count = 0;
    for cell in inner.split('|') {
        let cell = cell.trim_matches(' ');
        let cell = cell.strip_prefix(':').unwrap_or(cell);
        let cell = cell.strip_suffix(':').unwrap_or(cell);
        if cell.is_empty() || !cell.bytes().all(|c| c == b'-') {
            return None;
        }
        count += 1;
    }
    Some(count)
}

/// Verifies specs/001-core-engine/spec.md FR-007, FR-010.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{outline, parse_blocks};

    fn tree_sitter(text: &str) -> Outline {
        outline(&parse_blocks(&ropey::Rope::from_str(text), None), text.len())
    }

    #[test]
    fn list_items_run_over_blank_lines_to_the_next_block() {
        let text = "- a\n- b\n\n  more\n  - nested\n    ```\n    code\n    ```\n  - two\n\n\n# H\n";
        let fast = fast_outline(text).expect("within the fast path");
        assert_eq!(fast, tree_sitter(text));
        let items: Vec<&str> = fast.list_items.iter().map(|i| &text[i.range.clone()]).collect();
        assert_eq!(items[1], "- b\n\n  more\n  - nested\n    ```\n    code\n    ```\n  - two\n\n\n");
        // The fence ends after the indentation its enclosing item consumes on the next line.
        assert_eq!(&text[fast.masks[0].range.clone()], "```\n    code\n    ```\n  ");
    }

    #[test]
    fn tables_tasks_front_matter_and_comments_match_tree_sitter() {
        let text = "---\ntitle: x\n---\n# T #\n\n| A | B |\n|---|:-:|\n| `x` |  |\n|c|d  \n\n<!--\nx\n-->\n- [ ] T001 do  \n1. one\n";
        assert_eq!(fast_outline(text).expect("within the fast path"), tree_sitter(text));
    }

    #[test]
    fn declines_what_it_does_not_reproduce() {
        for text in [
            "Title\n=====\n",
            "para\n---\n",
            "> quote\n",
            "    indented code\n",
            "- a\nlazy\n",
            "- # heading in an item\n",
            "[ref]: ./x.md\n",
            "<div>\n",
            "-\ttab\n",
            "a\r\nb\r\n",
            "```\nunclosed\n",
        ] {
            assert_eq!(fast_outline(text), None, "{text:?}");
        }
    }
}
