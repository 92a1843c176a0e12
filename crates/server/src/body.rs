//! Response bodies (whole, empty, or streamed from a channel) and request bodies read under a
//! size limit.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Frame, Incoming, SizeHint};
use tokio::sync::mpsc;

/// The error type of response bodies and of the service.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body of every response the server sends.
pub type Body = UnsyncBoxBody<Bytes, BoxError>;

/// A body holding `bytes`.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// An empty body.
pub fn empty() -> Body {
    Empty::new().map_err(|never| match never {}).boxed_unsync()
}

/// A body fed chunk by chunk through a channel; an `Err` item aborts the response.
pub struct ChannelBody {
    rx: mpsc::Receiver<Result<Bytes, BoxError>>,
    remaining: Option<u64>,
}

impl ChannelBody {
    /// A body of `len` bytes (when known) and the sender that feeds it.
    pub fn channel(len: Option<u64>) -> (mpsc::Sender<Result<Bytes, BoxError>>, Body) {
        let (tx, rx) = mpsc::channel(4);
        (tx, ChannelBody { rx, remaining: len }.boxed_unsync())
    }
}

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                if let Some(remaining) = self.remaining.as_mut() {
                    *remaining = remaining.saturating_sub(chunk.len() as u64);
                }
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self.remaining {
            Some(n) => SizeHint::with_exact(n),
            None => SizeHint::default(),
        }
    }
}

/// Why a request body could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// More bytes than the limit.
    TooLarge,
    /// The connection failed while reading.
    Io(hyper::Error),
}

/// The next data chunk of a request body (trailers are skipped), or `None` at its end.
pub async fn next_data(body: &mut Incoming) -> Result<Option<Bytes>, hyper::Error> {
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            return Ok(Some(data));
        }
    }
    Ok(None)
}

/// Reads a whole request body, refusing more than `limit` bytes as soon as they arrive.
pub async fn read_limited(body: &mut Incoming, limit: u64) -> Result<Bytes, ReadError> {
    let mut out = Vec::new();
    while let Some(chunk) = next_data(body).await.map_err(ReadError::Io)? {
        if out.len() as u64 + chunk.len() as u64 > limit {
            return Err(ReadError::TooLarge);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(out))
}

/// Reads a request body to its end, keeping nothing, so that a refusal sent after it reaches
/// a client still writing (an answer sent mid-body often dies with the connection).
pub async fn drain(body: &mut Incoming) {
    while let Ok(Some(_)) = next_data(body).await {}
}
