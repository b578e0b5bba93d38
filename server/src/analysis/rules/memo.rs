//! Matches found by the rules that read a document's prose (`vague-term`, `template-placeholder`),
//! kept by the text they were found in, so that after an edit only the pieces of text it changed
//! are searched again.
//!
//! A piece is known by a 128-bit hash of the rule's salt (its pattern or term list), the piece's
//! text and the parts of it to search (outside masks): two pieces that share it are the same, as
//! surely as the machine reads memory right, and the text of earlier versions is not kept alive to
//! compare. A new version of a document takes its previous version's table over.

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
}

impl std::fmt::Debug for TextMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let table = self.lock();
        f.debug_struct("TextMemo").field("pieces", &table.pieces.len()).field("used", &table.used).finish()
    }
}

impl TextMemo {
    /// Take over what the checks of `old`, the version this one replaces, found. Pieces no
    /// version looked up lately are dropped once they outnumber those looked up.
    pub(crate) fn inherit(&self, old: &TextMemo) {
        let mut table = std::mem::take(&mut *old.lock());
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

    /// A session for one check: the lock is taken once, not per piece.
    pub(crate) fn session(&self, salt: u64) -> Session<'_> {
        Session { table: self.lock(), salt }
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub(crate) struct Session<'m> {
    table: MutexGuard<'m, Table>,
    salt: u64,
}

impl Session<'_> {
    /// The matches `find` returns for `piece`, whose parts to search are `parts` (relative to
    /// it), searched only when no version of the document searched the same text and parts.
    pub(crate) fn matches(
        &mut self,
        piece: &str,
        parts: &[Range<usize>],
        find: impl FnOnce() -> Vec<Range<usize>>,
    ) -> Matches {
        let key = key(self.salt, piece, parts);
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

/// A rule's salt: what, besides a piece's text, decides its matches (the rule and its terms).
pub(crate) fn salt<'s>(parts: impl IntoIterator<Item = &'s str>) -> u64 {
    let mut hasher = FixedState::with_seed(0x5eed).build_hasher();
    for part in parts {
        hasher.write(part.as_bytes());
        hasher.write_u8(0xff);
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

    use super::{TextMemo, salt};
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
        for piece in ["a", "b"] {
            session.matches(piece, &[0..1], search);
        }
        drop(session);
        let new = TextMemo::default();
        new.inherit(&old);
        let mut session = new.session(salt(["rule"]));
        assert_eq!(&*session.matches("a", &[0..1], search), &[0..1]);
        assert_eq!(searched.get(), 2);
        session.matches("c", &[0..1], search);
        session.matches("a", &[], search);
        drop(session);
        new.session(salt(["other rule"])).matches("a", &[0..1], search);
        assert_eq!(searched.get(), 5, "new text, other parts and another rule are searched");
    }

    #[test]
    fn pieces_no_version_looks_up_are_dropped() {
        let old = TextMemo::default();
        let mut session = old.session(salt(["rule"]));
        for piece in 0..100 {
            session.matches(&piece.to_string(), &[], Vec::new);
        }
        drop(session);
        let middle = TextMemo::default();
        middle.inherit(&old);
        middle.session(salt(["rule"])).matches("new", &[], Vec::new);
        let new = TextMemo::default();
        new.inherit(&middle);
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
