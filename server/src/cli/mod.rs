//! The `specls` command line: `specls` / `specls serve` runs the language server on stdio,
//! `specls check` prints diagnostics for CI, `specls trace` the trace matrix.

pub mod check;
pub mod gaps;
pub mod sarif;
pub mod trace;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::analysis::Severity;

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
    /// Index spec documents and print their diagnostics; exit 1 if any is an error (or, with
    /// --severity, at that severity or above).
    Check {
        /// Files or folders to check (default: the current folder).
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: check::Format,
        /// Report only diagnostics at this severity or above, and exit 1 if there is any.
        /// Without it, every diagnostic is reported and only errors fail the check.
        #[arg(long, value_enum)]
        severity: Option<Threshold>,
        /// Test results (JUnit XML, or libtest JSON for .json files): clauses whose verifying
        /// tests failed are reported as `test-failing`.
        #[arg(long, num_args = 1.., value_name = "FILE")]
        junit: Vec<PathBuf>,
    },
    /// Print the spec-gap edits (a clarification marker or open question per failing clause) as a
    /// unified diff; write them to the files only with --write.
    Gaps {
        /// Files or folders whose specs are marked (default: the current folder).
        paths: Vec<PathBuf>,
        /// Test results (JUnit XML, or libtest JSON for .json files).
        #[arg(long, num_args = 1.., value_name = "FILE", required = true)]
        junit: Vec<PathBuf>,
        /// Apply the edits to the files.
        #[arg(long)]
        write: bool,
    },
    /// Print the trace matrix: each clause with the tasks that cite it, the code that implements
    /// it and the tests that verify it, with their state.
    Trace {
        /// Files or folders whose spec documents are traced (default: the current folder).
        paths: Vec<PathBuf>,
        /// Test results (JUnit XML, or libtest JSON for .json files) giving the tests' outcomes.
        #[arg(long, num_args = 1.., value_name = "FILE")]
        junit: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "markdown")]
        format: trace::Format,
        /// Write the trace to this file instead of stdout.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Trace only clauses of these kinds (`requirement`, `success-criterion`, `user-story`, …).
        #[arg(long = "kind", value_name = "KIND")]
        kinds: Vec<String>,
        /// Exit 1 when a traced clause is in one of these states (failing, not-run, untested,
        /// verified), listing them on stderr.
        #[arg(long, value_delimiter = ',', value_name = "STATES")]
        fail_on: Vec<crate::analysis::trace::RowState>,
    },
}

/// A severity threshold for `specls check --severity`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Threshold {
    Error,
    Warning,
    Info,
    Hint,
}

impl Threshold {
    pub fn severity(self) -> Severity {
        match self {
            Threshold::Error => Severity::Error,
            Threshold::Warning => Severity::Warning,
            Threshold::Info => Severity::Information,
            Threshold::Hint => Severity::Hint,
        }
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve { stdio: true }) {
        Command::Serve { .. } => crate::lsp::serve_stdio(),
        Command::Gaps { paths, junit, write } => {
            match gaps::run_gaps(&gaps::default_paths(paths), &junit, write, &mut std::io::stdout().lock()) {
                Ok(_) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("specls: {e:#}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Trace { paths, junit, format, output, kinds, fail_on } => {
            let paths = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths };
            match trace::run(&paths, &junit, &kinds, format, output.as_deref(), &fail_on) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::from(1),
                Err(e) => {
                    eprintln!("specls: {e:#}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Check { paths, format, severity, junit } => {
            let paths = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths };
            match check::run_check(&paths, &junit) {
                Ok(mut report) => {
                    let fail_at = match severity {
                        Some(threshold) => {
                            report.retain_at_least(threshold.severity());
                            threshold.severity()
                        }
                        None => Severity::Error,
                    };
                    let mut out = std::io::stdout().lock();
                    let printed = match format {
                        check::Format::Human => check::print_human(&report, &mut out),
                        check::Format::Json => check::print_json(&report, &mut out),
                        check::Format::Sarif => sarif::print_sarif(&report, &mut out),
                    };
                    if let Err(e) = printed {
                        eprintln!("specls: {e:#}");
                        return ExitCode::from(2);
                    }
                    if report.any_at_least(fail_at) { ExitCode::from(1) } else { ExitCode::SUCCESS }
                }
                Err(e) => {
                    eprintln!("specls: {e:#}");
                    ExitCode::from(2)
                }
            }
        }
    }
}
