//! The language server: tower-lsp-server wiring, one handler per request, and conversion of the
//! analysis layer's results to protocol types.

mod convert;
mod documents;
mod handlers;
mod indexing;
mod outbox;
mod scheduler;
mod server;
mod state;
mod transport;

use std::process::ExitCode;

use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::Server;

pub use server::Backend;

/// Serve one client over a byte stream; returns true when the client sent `shutdown` before
/// `exit` (or closed the stream), as the protocol asks for a clean exit.
pub async fn serve<I, O>(input: I, output: O) -> bool
where
    I: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite,
{
    let (output, outbox, forward) = outbox::merge(output);
    let (service, socket) = Backend::service(outbox);
    let backend = service.inner().state.clone();
    let (input, closed) = transport::sanitized(input);
    let gone = async {
        if closed.await.is_ok() {
            tokio::time::sleep(DISCONNECT_GRACE).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        _ = async { tokio::join!(Server::new(input, output, socket).serve(service), forward) } => {}
        () = gone => tracing::info!("the client is gone; not waiting for the requests still running"),
    }
    backend.shutdown_requested.load(std::sync::atomic::Ordering::Acquire)
}

/// How long requests still running may finish once the client has closed its end: the framework
/// waits for every one of them, and an analysis of a pathological document can take minutes.
const DISCONNECT_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Run the server on stdin/stdout. Logs go to stderr (`SPECLS_LOG` sets the filter).
pub fn serve_stdio() -> ExitCode {
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("specls: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let clean = runtime.block_on(serve(tokio::io::stdin(), tokio::io::stdout()));
    // Blocking analysis tasks may still run; do not wait for them once the client has gone.
    runtime.shutdown_background();
    if clean { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SPECLS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("specls=info"));
    let _ = tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter(filter).with_ansi(false).try_init();
}
