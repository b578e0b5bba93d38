//! The `specls` command line: `specls` / `specls serve` runs the language server on stdio,
//! `specls check` prints diagnostics for CI.

pub mod check;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "specls", version, about = "A language server for spec documents (Spec Kit, Kiro, OpenSpec)")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the language server on stdio (the default).
    Serve {
        /// Accepted for editors that pass it; stdio is the only transport.
        #[arg(long)]
        stdio: bool,
    },
    /// Index spec documents and print their diagnostics; exit 1 if any is an error.
    Check {
        /// Files or folders to check (default: the current folder).
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: check::Format,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve { stdio: true }) {
        Command::Serve { .. } => crate::lsp::serve_stdio(),
        Command::Check { paths, format } => {
            let paths = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths };
            match check::run_check(&paths) {
                Ok(report) => {
                    let mut out = std::io::stdout().lock();
                    let printed = match format {
                        check::Format::Human => check::print_human(&report, &mut out),
                        check::Format::Json => check::print_json(&report, &mut out),
                    };
                    if let Err(e) = printed {
                        eprintln!("specls: {e:#}");
                        return ExitCode::from(2);
                    }
                    if report.count(crate::analysis::Severity::Error) > 0 {
                        ExitCode::from(1)
                    } else {
                        ExitCode::SUCCESS
                    }
                }
                Err(e) => {
                    eprintln!("specls: {e:#}");
                    ExitCode::from(2)
                }
            }
        }
    }
}
