//! Reports as HTTP downloads: the renderer writes into a channel whose other end is the
//! response body, so bytes reach the socket while rows are still being read (XLSX once
//! its workbook is assembled). The response waits for the first bytes, so a report that
//! fails before producing anything is a proper error status; one that fails later
//! aborts the body, and the client sees a failed download, never a truncated file. A
//! client that goes away cancels the report.
use std::io::Write;

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use tokio::sync::mpsc;

use super::error::ApiResult;
use crate::export::attachment_header;
use crate::reports::{render, Report};
use crate::state::AppState;

/// Bytes are sent to the body in chunks of about this size.
const CHUNK: usize = 64 * 1024;

type Chunk = Result<Bytes, std::io::Error>;

/// A `Write` whose bytes go, in chunks, to an HTTP body. Used from the renderer's
/// blocking thread; a body that was dropped (the client went away) fails the writes.
struct ChannelWriter {
    tx: mpsc::Sender<Chunk>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send_buffer(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx.blocking_send(Ok(chunk)).map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send_buffer()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send_buffer()
    }
}

/// Renders `report` as the body of a download response.
pub async fn send(state: &AppState, report: Report) -> ApiResult<Response> {
    let filename = report.file_name();
    let content_type = report.format.content_type();
    let (tx, mut rx) = mpsc::channel::<Chunk>(4);
    let sink = ChannelWriter { tx: tx.clone(), buf: Vec::with_capacity(CHUNK) };
    let store = state.store.clone();
    let tmp = state.settings.tmp_dir();
    tokio::spawn(async move {
        tokio::select! {
            rendered = render(store, report, sink, tmp) => match rendered {
                Ok(r) => tracing::debug!(rows = r.rows, bytes = r.bytes, "report sent"),
                Err(e) => {
                    tracing::warn!("report aborted: {e:#}");
                    let _ = tx.send(Err(std::io::Error::other("export aborted"))).await;
                }
            },
            // The client went away (the body, or the handler waiting for the first
            // bytes, was dropped): stop reading now. The writer then sees the end of
            // its rows, fails to send, and drops its temporary files; an XLSX being
            // assembled does not go on to the end for nobody.
            () = tx.closed() => tracing::info!("report cancelled: the client went away"),
        }
    });
    let first = match rx.recv().await {
        Some(Ok(bytes)) => Some(bytes),
        Some(Err(_)) => return Err(crate::error::internal(anyhow::anyhow!("the report failed before its first byte")).into()),
        // Rendered nothing at all (cannot happen for our formats, which have headers).
        None => None,
    };
    let rest = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
    let body = futures::StreamExt::chain(futures::stream::iter(first.map(Ok)), rest);
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, attachment_header(&filename)),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(body),
    )
        .into_response())
}
