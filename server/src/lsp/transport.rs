//! A guard in front of the framework's message reader.
//!
//! tower-lsp-server stops reading its input for good after the first undecodable message (a
//! garbled header, invalid JSON, a JSON value that is not a JSON-RPC message), which ends the
//! session. This task re-frames the input, drops what cannot be decoded with a log line, resyncs
//! on the next `Content-Length` header, and forwards only well-formed messages.

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream};
use tower_lsp_server::jsonrpc::{Request, Response};

/// Messages larger than this are discarded unread (a 50 MB document still fits).
const MAX_MESSAGE_BYTES: usize = 256 * 1024 * 1024;

/// Return a reader that yields only well-framed, decodable JSON-RPC messages from `input`, and a
/// receiver told when `input` has ended (the client is gone).
pub fn sanitized<R>(input: R) -> (DuplexStream, tokio::sync::oneshot::Receiver<()>)
where
    R: AsyncRead + Unpin + Send + 'static,
{
    let (server_side, mut forward) = tokio::io::duplex(1 << 20);
    let (closed, closed_rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let mut reader = BufReader::new(input);
        while let Some(length) = read_header(&mut reader).await {
            if length > MAX_MESSAGE_BYTES {
                tracing::warn!("dropping a {length} byte message: over the {MAX_MESSAGE_BYTES} byte limit");
                if tokio::io::copy(&mut (&mut reader).take(length as u64), &mut tokio::io::sink()).await.is_err() {
                    break;
                }
                continue;
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).await.is_err() {
                tracing::info!("input closed in the middle of a message");
                break;
            }
            if !decodable(&body) {
                tracing::warn!(
                    "dropping an undecodable message: {}",
                    String::from_utf8_lossy(&body[..body.len().min(200)])
                );
                continue;
            }
            let header = format!("Content-Length: {length}\r\n\r\n");
            if forward.write_all(header.as_bytes()).await.is_err() || forward.write_all(&body).await.is_err() {
                break;
            }
        }
        let _ = forward.shutdown().await;
        let _ = closed.send(());
    });
    (server_side, closed_rx)
}

/// Read one header block and return its content length; garbage is skipped up to the next
/// block that has one. `None` at end of input.
pub(super) async fn read_header<R: AsyncRead + Unpin>(reader: &mut BufReader<R>) -> Option<usize> {
    let mut length: Option<usize> = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line).await.ok()?;
        if read == 0 {
            return None;
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            match length {
                Some(n) => return Some(n),
                None => continue,
            }
        }
        let lower = text.to_ascii_lowercase();
        if let Some(at) = lower.find("content-length:") {
            match text[at + "content-length:".len()..].trim().parse::<usize>() {
                Ok(n) => length = Some(n),
                Err(_) => {
                    tracing::warn!("ignoring a malformed header: {text}");
                    length = None;
                }
            }
        } else if length.is_none() {
            tracing::warn!("skipping input outside a message: {}", &text[..text.len().min(200)]);
        }
    }
}

fn decodable(body: &[u8]) -> bool {
    serde_json::from_slice::<Request>(body).is_ok() || serde_json::from_slice::<Response>(body).is_ok()
}

/// Verifies specs/001-core-engine/spec.md FR-022.
#[cfg(test)]
mod tests {
    use super::*;

    async fn forwarded(input: &'static [u8]) -> String {
        let mut out = String::new();
        sanitized(input).0.read_to_string(&mut out).await.expect("read");
        out
    }

    #[tokio::test]
    async fn well_formed_messages_pass_through() {
        let input = b"Content-Length: 30\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"x\"}";
        assert_eq!(forwarded(input).await, String::from_utf8_lossy(input));
    }

    #[tokio::test]
    async fn garbage_and_undecodable_messages_are_dropped_and_the_stream_resyncs() {
        let input = b"junk line\r\nContent-Length: 12\r\n\r\n{not json!!}Content-Length: 29\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":42}Content-Length: zz\r\n\r\nContent-Length: 30\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"y\"}";
        assert_eq!(forwarded(input).await, "Content-Length: 30\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"y\"}");
    }
}
