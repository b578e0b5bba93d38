//! The language server: tower-lsp-server wiring and conversions to protocol types.

pub fn serve_stdio() -> std::process::ExitCode {
    std::process::ExitCode::SUCCESS
}
