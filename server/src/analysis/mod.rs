//! The workspace index and pure queries over it. No LSP types: results carry byte ranges and
//! paths, so the CLI and the language server share every answer.

pub mod actions;
pub mod complete;
pub mod config;
pub mod config_loader;
pub mod diagnostics;
pub mod hover;
pub mod index;
pub mod inlay;
pub mod lens;
pub mod links;
pub mod navigate;
pub mod rename;
pub mod resolve;
pub mod rules;
pub mod symbols;
pub mod test_state;
pub mod tokens;
pub mod trace;
pub mod workspace;

pub use diagnostics::{Diagnostic, Related, Severity, diagnostics};
pub use index::{ClauseLoc, IndexedDoc, WorkspaceIndex};
pub use resolve::{Resolution, resolve};
pub use symbols::{
    DOCUMENT_SYMBOL_LIMIT, DocumentSymbols, Symbol, SymbolCategory, WorkspaceSymbol, document_symbols,
    workspace_symbols,
};
