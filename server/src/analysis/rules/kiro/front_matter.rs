//! The YAML front matter of a steering file, read with a small subset of YAML: top-level
//! `key: value` lines whose value is a plain or quoted scalar, a flow list (`['a', "b"]`), a block
//! list (`- item` lines below the key) or a block scalar (`|`, `>`). Comments and blank lines are
//! skipped. That covers what Kiro writes (`inclusion`, `fileMatchPattern`, `name`, `description`).

use std::ops::Range;

/// A scalar with where it is written (quotes excluded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scalar {
    pub value: String,
    pub range: Range<usize>,
}

/// One top-level entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub key: Scalar,
    /// The scalars of its value: one for a scalar, one per item for a list, none when empty.
    pub values: Vec<Scalar>,
    /// Where the value is written (the key's line when it is empty).
    pub value_range: Range<usize>,
}

impl Entry {
    pub fn is_empty(&self) -> bool {
        self.values.iter().all(|v| v.value.trim().is_empty())
    }
}

/// The entries of a leading `---` block, or `None` when the text does not open with one.
pub fn parse(text: &str) -> Option<Vec<Entry>> {
    let mut lines = Vec::new();
    let mut start = if text.starts_with('\u{FEFF}') { 3 } else { 0 };
    while start < text.len() {
        let rest = &text[start..];
        let len = rest.find('\n').unwrap_or(rest.len());
        let line = rest[..len].strip_suffix('\r').unwrap_or(&rest[..len]);
        lines.push((start, line));
        start += len + 1;
    }
    if lines.first().is_none_or(|(_, l)| l.trim_end() != "---") {
        return None;
    }
    let end = lines.iter().skip(1).position(|(_, l)| matches!(l.trim_end(), "---" | "..."))? + 1;
    let body = &lines[1..end];
    let mut entries: Vec<Entry> = Vec::new();
    let mut i = 0;
    while i < body.len() {
        let (at, line) = body[i];
        i += 1;
        let content = strip_comment(line);
        if content.trim().is_empty() || line.starts_with([' ', '\t']) {
            continue;
        }
        let Some(colon) = key_colon(content) else { continue };
        let key = content[..colon].trim_end();
        let key = Scalar { value: unquote(key).to_string(), range: at..at + key.len() };
        let raw = &content[colon + 1..];
        let lead = raw.len() - raw.trim_start().len();
        let value = raw.trim();
        let value_at = at + colon + 1 + lead;
        let mut entry = Entry { key, values: Vec::new(), value_range: value_at..value_at + value.len() };
        if value.is_empty() || value.starts_with(['|', '>']) {
            // A block list or block scalar below the key.
            let mut block = Vec::new();
            while i < body.len() {
                let (at, line) = body[i];
                let content = strip_comment(line);
                if !content.trim().is_empty() && !line.starts_with([' ', '\t', '-']) {
                    break;
                }
                i += 1;
                let trimmed = content.trim_start();
                if trimmed.is_empty() {
                    continue;
                }
                let offset = at + (content.len() - trimmed.len());
                if value.is_empty()
                    && let Some(item) = trimmed.strip_prefix('-')
                {
                    let item_lead = item.len() - item.trim_start().len();
                    block.push(scalar(item.trim(), offset + 1 + item_lead));
                } else {
                    block.push(Scalar {
                        value: trimmed.trim_end().to_string(),
                        range: offset..offset + trimmed.trim_end().len(),
                    });
                }
            }
            if let (Some(first), Some(last)) = (block.first(), block.last()) {
                entry.value_range = first.range.start..last.range.end;
            } else if value.is_empty() {
                entry.value_range = entry.key.range.clone();
            }
            entry.values = block;
        } else if let Some(inner) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
            let mut offset = value_at + 1;
            for item in split_flow(inner) {
                let item_lead = item.len() - item.trim_start().len();
                if !item.trim().is_empty() {
                    entry.values.push(scalar(item.trim(), offset + item_lead));
                }
                offset += item.len() + 1;
            }
        } else {
            entry.values.push(scalar(value, value_at));
        }
        entries.push(entry);
    }
    Some(entries)
}

/// A scalar written at `at`, without its quotes.
fn scalar(written: &str, at: usize) -> Scalar {
    let inner = unquote(written);
    let skip = if inner.len() < written.len() { 1 } else { 0 };
    Scalar { value: inner.to_string(), range: at + skip..at + skip + inner.len() }
}

fn unquote(s: &str) -> &str {
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return &s[1..s.len() - 1];
        }
    }
    s
}

/// The line without a `#` comment (one outside quotes, after white space or at the start).
fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut prev_space = true;
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' && prev_space => return &line[..i],
            None => {}
        }
        prev_space = c.is_whitespace();
    }
    line
}

/// The colon ending a key: the first `:` followed by white space or the end, outside quotes.
fn key_colon(line: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let bytes = line.as_bytes();
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'') && i == 0 => quote = Some(c),
            None if c == ':' && bytes.get(i + 1).is_none_or(|b| b.is_ascii_whitespace()) => return Some(i),
            None => {}
        }
    }
    None
}

/// Split a flow list's inside at commas outside quotes.
fn split_flow(inner: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quote: Option<char> = None;
    let mut from = 0;
    for (i, c) in inner.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == ',' => {
                out.push(&inner[from..i]);
                from = i + 1;
            }
            None => {}
        }
    }
    out.push(&inner[from..]);
    out
}

/// Verifies specs/001-core-engine/spec.md FR-021.
/// Verifies 002-diagnostics/FR-004 (the Kiro checks).
#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str, key: &str) -> Vec<String> {
        let entries = parse(text).expect("front matter");
        let entry = entries.iter().find(|e| e.key.value == key).expect("key");
        entry.values.iter().map(|v| text[v.range.clone()].to_string()).collect()
    }

    #[test]
    fn scalars_lists_and_comments() {
        let text =
            "---\ninclusion: fileMatch # comment\nfileMatchPattern: ['**/*.css', \"src/**/*.tsx\"]\n---\n# Body\n";
        assert_eq!(values(text, "inclusion"), ["fileMatch"]);
        assert_eq!(values(text, "fileMatchPattern"), ["**/*.css", "src/**/*.tsx"]);
        let text = "---\r\nfileMatchPattern:\r\n  - \"*.ts\"\r\n  - 'a#b'\r\ndescription: >\r\n  Long text\r\n---\r\n";
        assert_eq!(values(text, "fileMatchPattern"), ["*.ts", "a#b"]);
        assert_eq!(values(text, "description"), ["Long text"]);
    }

    #[test]
    fn no_front_matter() {
        assert!(parse("# Title\n---\n").is_none());
        assert!(parse("---\nunterminated: yes\n").is_none());
        assert_eq!(parse("---\n---\n"), Some(Vec::new()));
    }
}
