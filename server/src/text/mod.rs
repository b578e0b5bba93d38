//! The text layer: documents stored as ropes, and conversions between byte
//! offsets, LSP positions (in the negotiated encoding) and tree-sitter points.
//!
//! Deliberately free of LSP and tree-sitter types so that every other layer can
//! share one definition of "where" in a document without pulling in protocol
//! crates.

mod document;
mod line_index;
mod position;
/// Verifies specs/001-core-engine/spec.md FR-001, FR-003.
#[cfg(test)]
mod proptests;

pub use document::{ByteEdit, Document};
pub use line_index::LineIndex;
pub(crate) use line_index::common_ends;
pub use position::{Position, PositionEncoding};
