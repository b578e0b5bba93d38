//! The block outline of a document: the few structural facts the model needs, read from the
//! block tree in one iterative walk (no recursion: nesting depth is attacker-controlled).

use std::ops::Range;

use tree_sitter::Tree;

/// A heading and the section it opens (up to the next heading of the same or a higher level).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    /// The heading's own lines (marker, text, setext underline).
    pub range: Range<usize>,
    /// The heading text, without markers.
    pub content: Range<usize>,
    pub section: Range<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListItem {
    pub range: Range<usize>,
    /// Number of enclosing list items: 0 for a top-level item.
    pub depth: u16,
    pub ordered: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaskKind {
    Code,
    Html,
    FrontMatter,
}

/// A block whose content is never analysed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mask {
    pub range: Range<usize>,
    pub kind: MaskKind,
}

/// A link reference definition (`[label]: destination "title"`), a block of its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkDefinition {
    /// The label, without its brackets.
    pub label: Range<usize>,
    /// The destination as written (angle brackets included, if any).
    pub destination: Range<usize>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outline {
    pub headings: Vec<Heading>,
    pub list_items: Vec<ListItem>,
    /// Top-level lists, for folding.
    pub lists: Vec<Range<usize>>,
    pub masks: Vec<Mask>,
    /// Inline runs (paragraph and heading text, table cells) that may need an inline parse.
    pub inlines: Vec<Range<usize>>,
    pub link_definitions: Vec<LinkDefinition>,
}

/// Read the outline of a block tree. `len` is the document length in bytes.
pub fn outline(tree: &Tree, len: usize) -> Outline {
    let mut out = Outline::default();
    let mut cursor = tree.walk();
    let mut item_depth: u16 = 0;
    let mut list_depth: u16 = 0;
    loop {
        let node = cursor.node();
        let mut descend = true;
        match node.kind() {
            "atx_heading" => {
                let level = (1..=6u8)
                    .find(|l| node.child(0).is_some_and(|m| m.kind() == format!("atx_h{l}_marker")))
                    .unwrap_or(1);
                let content = node
                    .child_by_field_name("heading_content")
                    .map(|c| c.byte_range())
                    .unwrap_or(node.end_byte()..node.end_byte());
                if !content.is_empty() {
                    out.inlines.push(content.clone());
                }
                out.headings.push(Heading { level, range: node.byte_range(), content, section: 0..0 });
                descend = false;
            }
            "setext_heading" => {
                let level = if node
                    .child_by_field_name("underline")
                    .or_else(|| node.child(node.child_count().saturating_sub(1)))
                    .is_some_and(|u| u.kind() == "setext_h2_underline")
                {
                    2
                } else {
                    1
                };
                let content = node
                    .child_by_field_name("heading_content")
                    .map(|c| c.byte_range())
                    .unwrap_or(node.start_byte()..node.start_byte());
                if !content.is_empty() {
                    out.inlines.push(content.clone());
                }
                out.headings.push(Heading { level, range: node.byte_range(), content, section: 0..0 });
                descend = false;
            }
            "list_item" => {
                let ordered =
                    node.child(0).is_some_and(|m| matches!(m.kind(), "list_marker_dot" | "list_marker_parenthesis"));
                out.list_items.push(ListItem { range: node.byte_range(), depth: item_depth, ordered });
            }
            "list" if list_depth == 0 && item_depth == 0 => out.lists.push(node.byte_range()),
            "fenced_code_block" | "indented_code_block" => {
                out.masks.push(Mask { range: node.byte_range(), kind: MaskKind::Code });
                descend = false;
            }
            "html_block" => {
                out.masks.push(Mask { range: node.byte_range(), kind: MaskKind::Html });
                descend = false;
            }
            "minus_metadata" | "plus_metadata" => {
                out.masks.push(Mask { range: node.byte_range(), kind: MaskKind::FrontMatter });
                descend = false;
            }
            "link_reference_definition" => {
                let child = |kind: &str| super::child_range(node, kind);
                if let (Some(label), Some(destination)) = (child("link_label"), child("link_destination")) {
                    // The label node always includes its brackets.
                    let label = label.start + 1..(label.end - 1).max(label.start + 1);
                    out.link_definitions.push(LinkDefinition { label, destination });
                }
                descend = false;
            }
            "inline" | "pipe_table_cell" => {
                out.inlines.push(node.byte_range());
                descend = false;
            }
            _ => {}
        }
        if descend && cursor.goto_first_child() {
            match node.kind() {
                "list_item" => item_depth += 1,
                "list" => list_depth += 1,
                _ => {}
            }
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                close_sections(&mut out.headings, len);
                return out;
            }
            match cursor.node().kind() {
                "list_item" => item_depth = item_depth.saturating_sub(1),
                "list" => list_depth = list_depth.saturating_sub(1),
                _ => {}
            }
        }
    }
}

/// A section runs from its heading to the next heading of the same or a higher level.
pub(super) fn close_sections(headings: &mut [Heading], len: usize) {
    let mut open: Vec<usize> = Vec::new();
    for i in 0..headings.len() {
        let (level, start) = (headings[i].level, headings[i].range.start);
        while let Some(&top) = open.last() {
            if headings[top].level < level {
                break;
            }
            headings[top].section.end = start;
            open.pop();
        }
        headings[i].section = start..len;
        open.push(i);
    }
}

/// Verifies specs/001-core-engine/spec.md FR-007, FR-010.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_blocks;

    fn outline_of(text: &str) -> Outline {
        let rope = ropey::Rope::from_str(text);
        outline(&parse_blocks(&rope, None), text.len())
    }

    #[test]
    fn headings_open_sections_until_a_peer_heading() {
        let text = "# A\n\n## B\n\ntext\n\n### C\n\n## D\n";
        let o = outline_of(text);
        let sections: Vec<(u8, &str)> = o.headings.iter().map(|h| (h.level, &text[h.section.clone()])).collect();
        assert_eq!(sections[0], (1, text));
        assert_eq!(sections[1], (2, "## B\n\ntext\n\n### C\n\n"));
        assert_eq!(sections[2], (3, "### C\n\n"));
        assert_eq!(sections[3], (2, "## D\n"));
        assert_eq!(&text[o.headings[1].content.clone()].trim(), &"B");
    }

    #[test]
    fn setext_headings_have_levels() {
        let o = outline_of("Title\n=====\n\nSub\n---\n");
        assert_eq!(o.headings.iter().map(|h| h.level).collect::<Vec<_>>(), vec![1, 2]);
    }

    #[test]
    fn list_items_know_their_depth_and_order() {
        let text = "1. one\n   - nested\n2. two\n";
        let o = outline_of(text);
        let items: Vec<(u16, bool)> = o.list_items.iter().map(|i| (i.depth, i.ordered)).collect();
        assert_eq!(items, vec![(0, true), (1, false), (0, true)]);
        assert_eq!(o.lists.len(), 1);
    }

    #[test]
    fn code_html_and_front_matter_are_masked() {
        let text = "---\ntitle: x\n---\n\n```\nFR-001\n```\n\n<!--\nFR-002\n-->\n";
        let kinds: Vec<MaskKind> = outline_of(text).masks.iter().map(|m| m.kind).collect();
        assert_eq!(kinds, vec![MaskKind::FrontMatter, MaskKind::Code, MaskKind::Html]);
    }

    #[test]
    fn link_reference_definitions_are_listed() {
        let text = "Para [ref].\n\n[ref]: ./x.md \"title\"\n[Other Ref]:\n  <y z.md>\n";
        let o = outline_of(text);
        let defs: Vec<(&str, &str)> =
            o.link_definitions.iter().map(|d| (&text[d.label.clone()], &text[d.destination.clone()])).collect();
        assert_eq!(defs, vec![("ref", "./x.md"), ("Other Ref", "<y z.md>")]);
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        let text: String = (0..3000).map(|i| format!("{}- item\n", "  ".repeat(i % 400))).collect();
        let quotes = ">".repeat(5000) + " deep\n";
        assert!(!outline_of(&text).list_items.is_empty());
        outline_of(&quotes);
    }
}
