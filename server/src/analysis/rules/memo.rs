//! Matches found by the rules that read a document's prose (`vague-term`, `template-placeholder`),
//! kept by the text they were found in, so that after an edit only the pieces of text it changed
//! are searched again.
//!
//! A piece is known by a 128-bit hash of the rule's salt (its pattern or term list), the piece's
//! text and the parts of it to search (outside masks): two pieces that share it are the same, as
//! surely as the machine reads memory right, and the text of earlier versions is not kept alive to
//! compare. A new version of a document takes its previous version's table over.
//!
//! Hashing every piece of a large document cost more than the rest of the checks, so a piece
//! that lies wholly before or after the bytes an edit changed, with the same parts to search,
//! takes the key the piece at its place in the previous version had, without being hashed.

use std::hash::{BuildHasher, Hasher};
use std::ops::Range;
use std::sync::{Arc, Mutex, MutexGuard};

use foldhash::HashMap;
use foldhash::quality::FixedState;

/// Match ranges relative to the piece they were found in.
pub(crate) type Matches = Arc<[Range<usize>]>;

/// The matches found in one document's text, by piece.
#[derive(Default)]
pub(crate) struct TextMemo(Mutex<Table>);

#[derive(Default)]
struct Table {
    /// Counts the versions of the document that took the table over.
    version: u32,
    /// Pieces looked up by this version's checks.
    used: usize,
    /// By key: the last version that looked the piece up, and its matches.
    pieces: HashMap<u128, (u32, Matches)>,
    /// By rule (its salt): the pieces this version's check looked up, in order.
    placed: HashMap<u64, Vec<Placed>>,
    /// The same for the version before, and where its text differs from this one's.
    before: HashMap<u64, Vec<Placed>>,
    window: Option<Changed>,
}

/// A piece where a check looked it up, and its key.
#[derive(Clone, Copy)]
struct Placed {
    start: usize,
    len: usize,
    /// A hash of the parts searched, relative to the piece.
    parts: u64,
    key: u128,
}

/// Where a version's text differs from the one before: `start..old_end` there became
/// `start..end`, and everything else is the same, moved by the change in length after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Changed {
    start: usize,
    old_end: usize,
    end: usize,
}

impl Changed {
    /// The window of texts of these lengths with `ends`, their common prefix and suffix.
    pub(crate) fn between(old_len: usize, len: usize, (prefix, suffix): (usize, usize)) -> Changed {
        Changed { start: prefix, old_end: old_len - suffix, end: len - suffix }
    }

    /// Where the change starts (in both texts).
    pub(crate) fn start(&self) -> usize {
        self.start
    }

    /// Where an offset of the new text at or after the change's end was in the old one.
    pub(crate) fn old_offset(&self, offset: usize) -> Option<usize> {
        (offset >= self.end).then(|| offset - self.end + self.old_end)
    }

    /// Where an offset of the old text at or after the change's end is in the new one.
    pub(crate) fn new_offset(&self, old: usize) -> usize {
        old - self.old_end + self.end
    }

    /// Where `start..start + len` of the new text was in the old one, when none of it changed.
    fn before(&self, start: usize, len: usize) -> Option<usize> {
        if start + len <= self.start {
            Some(start)
        } else if start >= self.end {
            Some(start - self.end + self.old_end)
        } else {
            None
        }
    }
}

impl std::fmt::Debug for TextMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let table = self.lock();
        f.debug_struct("TextMemo").field("pieces", &table.pieces.len()).field("used", &table.used).finish()
    }
}

impl TextMemo {
    /// Take over what the checks of `old`, the version this one replaces, found; `window` is where
    /// the texts differ. Pieces no version looked up lately are dropped once they outnumber those
    /// looked up.
    pub(crate) fn inherit(&self, old: &TextMemo, window: Changed) {
        let mut table = std::mem::take(&mut *old.lock());
        table.before = std::mem::take(&mut table.placed);
        table.window = Some(window);
        if table.used > 0 {
            if table.pieces.len() > 2 * table.used {
                let last = table.version;
                table.pieces.retain(|_, (seen, _)| *seen == last);
            }
            table.version += 1;
            table.used = 0;
        }
        *self.lock() = table;
    }

    /// A session for one check: the lock is taken once, not per piece. The first check of a rule
    /// on this version records where its pieces are.
    pub(crate) fn session(&self, salt: u64) -> Session<'_> {
        let table = self.lock();
        let placing = (!table.placed.contains_key(&salt)).then(Vec::new);
        Session { table, salt, placing }
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub(crate) struct Session<'m> {
    table: MutexGuard<'m, Table>,
    salt: u64,
    /// Where this check's pieces are, when it is the first check of the rule on this version.
    placing: Option<Vec<Placed>>,
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        if let Some(placed) = self.placing.take() {
            self.table.placed.insert(self.salt, placed);
        }
    }
}

impl Session<'_> {
    /// The matches `find` returns for `piece`, the text at `start`, whose parts to search are
    /// `parts` (relative to it), searched only when no version of the document searched the same
    /// text and parts. Pieces are looked up in order.
    pub(crate) fn matches(
        &mut self,
        start: usize,
        piece: &str,
        parts: &[Range<usize>],
        find: impl FnOnce() -> Vec<Range<usize>>,
    ) -> Matches {
        let parts_hash = parts_key(parts);
        let key = self.placed_key(start, piece.len(), parts_hash).unwrap_or_else(|| key(self.salt, piece, parts));
        if let Some(placing) = &mut self.placing {
            placing.push(Placed { start, len: piece.len(), parts: parts_hash, key });
        }
        let table = &mut *self.table;
        let version = table.version;
        match table.pieces.get_mut(&key) {
            Some((seen, found)) => {
                if *seen != version {
                    *seen = version;
                    table.used += 1;
                }
                found.clone()
            }
            None => {
                let found = Matches::from(find());
                table.pieces.insert(key, (version, found.clone()));
                table.used += 1;
                found
            }
        }
    }
}

impl Session<'_> {
    /// Where the previous version's check of the rule looked its pieces up, in order, and where
    /// the texts differ, when this is the rule's first check of this version.
    pub(crate) fn previous_pieces(&self) -> Option<(Vec<Range<usize>>, Changed)> {
        self.placing.as_ref()?;
        let before = self.table.before.get(&self.salt)?;
        Some((before.iter().map(|p| p.start..p.start + p.len).collect(), self.table.window?))
    }

    /// The key of the piece at `start` when the version before (or this version's first check)
    /// looked up the same text with the same parts.
    fn placed_key(&self, start: usize, len: usize, parts: u64) -> Option<u128> {
        let (list, at) = match &self.placing {
            None => (self.table.placed.get(&self.salt)?, start),
            Some(_) => (self.table.before.get(&self.salt)?, self.table.window?.before(start, len)?),
        };
        // In order, as the check looked them up.
        let found = list.get(list.partition_point(|p| p.start < at))?;
        (found.start == at && found.len == len && found.parts == parts).then_some(found.key)
    }
}

/// A rule's salt: what, besides a piece's text, decides its matches (the rule and its terms).
pub(crate) fn salt<'s>(parts: impl IntoIterator<Item = &'s str>) -> u64 {
    let mut hasher = FixedState::with_seed(0x5eed).build_hasher();
    for part in parts {
        hasher.write(part.as_bytes());
        hasher.write_u8(0xff);
    }
    hasher.finish()
}

fn parts_key(parts: &[Range<usize>]) -> u64 {
    let mut hasher = FixedState::with_seed(0x7a27).build_hasher();
    for part in parts {
        hasher.write_usize(part.start);
        hasher.write_usize(part.end);
    }
    hasher.finish()
}

fn key(salt: u64, piece: &str, parts: &[Range<usize>]) -> u128 {
    let half = |seed: u64| {
        let mut hasher = FixedState::with_seed(seed).build_hasher();
        hasher.write_u64(salt);
        hasher.write(piece.as_bytes());
        for part in parts {
            hasher.write_usize(part.start);
            hasher.write_usize(part.end);
        }
        hasher.finish()
    };
    (u128::from(half(0x9e37_79b9_7f4a_7c15)) << 64) | u128::from(half(0xc2b2_ae3d_27d4_eb4f))
}

/// Verifies specs/007-edit-latency/spec.md FR-008.
#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use proptest::prelude::*;

    use super::{Changed, TextMemo, key, parts_key, salt};
    use crate::analysis::{Diagnostic, IndexedDoc, WorkspaceIndex, diagnostics};
    use crate::model::{Grammar, from_text};

    /// Lines with vague terms and placeholders, measured or not, in clauses and out of them, in
    /// code, links and headings.
    const LINES: &[&str] = &[
        "# Feature Specification: [FEATURE NAME]\n",
        "## Requirements\n",
        "- **FR-001**: System MUST be fast and scalable.\n",
        "- **FR-002**: Search MUST be fast (p95 under 200 ms) per FR-001.\n",
        "- **FR-003**: The UI MUST be intuitive, `fast` mode aside, see [DATE].\n",
        "- **SC-001**: Users find it robust\n",
        "  and quick; 95% of the time.\n",
        "Owner: [PROJECT_NAME], budget TKTK, $ARGUMENTS.\n",
        "See [API](api.md) and [DOCS].\n",
        "[DOCS]: docs.md\n",
        "```\n",
        "A fast intro paragraph.\n",
        "\n",
    ];

    fn diagnose(index: &mut WorkspaceIndex, path: &Path, text: &str) -> Vec<Diagnostic> {
        let model = from_text(&index.grammar.clone(), path, "specs/001-a/spec.md", text);
        index.upsert(IndexedDoc::new(model, text.into()));
        diagnostics(index, path)
    }

    #[test]
    #[allow(clippy::single_range_in_vec_init, reason = "lists of one range of a piece")]
    fn a_new_version_searches_only_the_pieces_no_version_searched() {
        let searched = std::cell::Cell::new(0);
        let search = || {
            searched.set(searched.get() + 1);
            vec![0..1]
        };
        let old = TextMemo::default();
        let mut session = old.session(salt(["rule"]));
        for (start, piece) in [(0, "a"), (1, "b")] {
            session.matches(start, piece, &[0..1], search);
        }
        drop(session);
        let new = TextMemo::default();
        // "ab" became "cab": no piece keeps its place, pieces are known by their text.
        new.inherit(&old, Changed::between(2, 3, (0, 0)));
        let mut session = new.session(salt(["rule"]));
        assert_eq!(&*session.matches(1, "a", &[0..1], search), &[0..1]);
        assert_eq!(searched.get(), 2);
        session.matches(0, "c", &[0..1], search);
        session.matches(2, "a", &[], search);
        drop(session);
        new.session(salt(["other rule"])).matches(1, "a", &[0..1], search);
        assert_eq!(searched.get(), 5, "new text, other parts and another rule are searched");
    }

    /// "aabbcc" became "aaXbbcc": the pieces before and after the changed byte take the keys of
    /// the pieces at their place without being hashed, if their parts are the same; a second
    /// check of the version takes those of the first.
    #[test]
    #[allow(clippy::single_range_in_vec_init, reason = "lists of one range of a piece")]
    fn a_piece_outside_the_changed_bytes_takes_the_key_of_the_piece_at_its_place() {
        let rule = salt(["rule"]);
        let old = TextMemo::default();
        let mut session = old.session(rule);
        for (start, piece) in [(0, "aa"), (2, "bb"), (4, "cc")] {
            session.matches(start, piece, &[0..2], Vec::new);
        }
        drop(session);
        let new = TextMemo::default();
        new.inherit(&old, Changed::between(6, 7, (2, 4)));
        let mut session = new.session(rule);
        assert_eq!(session.placed_key(0, 2, parts_key(&[0..2])), Some(key(rule, "aa", &[0..2])));
        assert_eq!(session.placed_key(3, 2, parts_key(&[0..2])), Some(key(rule, "bb", &[0..2])));
        assert_eq!(session.placed_key(5, 2, parts_key(&[0..2])), Some(key(rule, "cc", &[0..2])));
        assert_eq!(session.placed_key(3, 2, parts_key(&[0..1])), None, "other parts");
        assert_eq!(session.placed_key(2, 3, parts_key(&[0..2])), None, "the changed byte");
        for (start, piece) in [(0, "aa"), (2, "Xbb"), (5, "cc")] {
            session.matches(start, piece, &[0..2], Vec::new);
        }
        drop(session);
        let session = new.session(rule);
        assert_eq!(session.placed_key(2, 3, parts_key(&[0..2])), Some(key(rule, "Xbb", &[0..2])));
    }

    #[test]
    fn pieces_no_version_looks_up_are_dropped() {
        let old = TextMemo::default();
        let mut session = old.session(salt(["rule"]));
        for piece in 0..100 {
            session.matches(piece, &piece.to_string(), &[], Vec::new);
        }
        drop(session);
        let middle = TextMemo::default();
        middle.inherit(&old, Changed::between(190, 3, (0, 0)));
        middle.session(salt(["rule"])).matches(0, "new", &[], Vec::new);
        let new = TextMemo::default();
        new.inherit(&middle, Changed::between(3, 3, (0, 0)));
        assert_eq!(new.lock().pieces.len(), 1);
    }

    proptest! {
        // Each case checks every version twice against a fresh index: fewer cases than the default.
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn diagnostics_from_kept_matches_equal_a_fresh_check(
            edits in prop::collection::vec(
                (0usize..20, 0usize..3, prop::collection::vec(prop::sample::select(LINES), 0..4)),
                1..12,
            ),
        ) {
            let path = PathBuf::from("/ws/specs/001-a/spec.md");
            let mut index = WorkspaceIndex::new(Grammar::builtin(), vec![PathBuf::from("/ws")]);
            let mut lines: Vec<&str> = Vec::new();
            for (at, remove, insert) in edits {
                let at = at.min(lines.len());
                let remove = remove.min(lines.len() - at);
                lines.splice(at..at + remove, insert);
                let text = lines.concat();
                let kept = diagnose(&mut index, &path, &text);
                let mut fresh = WorkspaceIndex::new(Grammar::builtin(), vec![PathBuf::from("/ws")]);
                prop_assert_eq!(&kept, &diagnose(&mut fresh, &path, &text), "{:?}", text);
                // Asked again, the version's own matches answer.
                prop_assert_eq!(kept, diagnostics(&index, &path));
            }
        }
    }
}
