//! specls: a language server for spec documents (GitHub Spec Kit, AWS Kiro, OpenSpec, agent
//! specs). Layers, each using only the ones above it in this list:
//!
//! - [`text`]: ropey documents and LSP position conversions;
//! - [`syntax`]: the tree-sitter-md block tree and inline parses;
//! - [`model`]: the plain-data spec model of one document, driven by `grammar/`;
//! - [`analysis`]: the workspace index and pure queries over it (no LSP types);
//! - [`lsp`]: the tower-lsp-server wiring;
//! - [`cli`]: the `specls` command line.

pub mod analysis;
pub mod cli;
pub mod lsp;
pub mod model;
pub mod syntax;
pub mod text;
