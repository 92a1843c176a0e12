//! The transport boundary: what `HttpSpec` asks of whatever moves bytes (hyper, Fetch, a script).

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;

use crate::spec::{Error, ErrorKind};

/// An HTTP method the distribution API uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`.
    Get,
    /// `HEAD`.
    Head,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `PATCH`.
    Patch,
    /// `DELETE`.
    Delete,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Bytes that a transport reads by itself, never copied into the program: a browser `Blob`
/// (a picked file), which `fetch` sends straight from disk. Only a transport whose
/// [`Transport::sends_external`] is true is given one; it recognises its own kind through
/// [`ExternalSource::as_any`].
pub trait ExternalSource: Any + fmt::Debug + Send + Sync {
    /// The size in bytes.
    fn len(&self) -> u64;

    /// True when there are no bytes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Itself, for the transport to downcast to its own source type.
    fn as_any(&self) -> &dyn Any;
}

/// The bytes `start..end` of an [`ExternalSource`].
#[derive(Clone, Debug)]
pub struct External {
    source: Arc<dyn ExternalSource>,
    start: u64,
    end: u64,
}

impl External {
    /// All of `source`.
    pub fn new(source: Arc<dyn ExternalSource>) -> External {
        let end = source.len();
        External {
            source,
            start: 0,
            end,
        }
    }

    /// The source these bytes are part of.
    pub fn source(&self) -> &dyn ExternalSource {
        self.source.as_ref()
    }

    /// Where the bytes lie in the source: `start..end`.
    pub fn range(&self) -> (u64, u64) {
        (self.start, self.end)
    }

    /// The number of bytes.
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    /// True when there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Bytes `from..to` of these (offsets from their start, clamped to their length).
    pub fn slice(&self, from: u64, to: u64) -> External {
        let to = to.min(self.len());
        let from = from.min(to);
        External {
            source: self.source.clone(),
            start: self.start + from,
            end: self.start + to,
        }
    }

    /// These bytes followed by `next`, when `next` is the part of the same source that comes
    /// right after them.
    pub fn joined(&self, next: &External) -> Option<External> {
        (Arc::ptr_eq(&self.source, &next.source) && self.end == next.start).then(|| External {
            source: self.source.clone(),
            start: self.start,
            end: next.end,
        })
    }

    /// These bytes with the `n` bytes of the source before them put back in front.
    pub fn extended_back(&self, n: u64) -> External {
        External {
            source: self.source.clone(),
            start: self.start.saturating_sub(n),
            end: self.end,
        }
    }
}

impl PartialEq for External {
    fn eq(&self, other: &External) -> bool {
        Arc::ptr_eq(&self.source, &other.source) && self.range() == other.range()
    }
}

impl Eq for External {}

/// A request body: bytes in memory, or part of a source the transport reads itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Body {
    /// No body.
    #[default]
    Empty,
    /// These bytes.
    Bytes(Bytes),
    /// Bytes the transport reads itself (only for one whose `sends_external` is true).
    External(External),
}

impl Body {
    /// The body's length in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Body::Empty => 0,
            Body::Bytes(b) => b.len() as u64,
            Body::External(e) => e.len(),
        }
    }

    /// True when there are no bytes to send.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes `from..to` of the body (offsets from its start, clamped to its length).
    pub fn slice(&self, from: u64, to: u64) -> Body {
        let to = to.min(self.len());
        let from = from.min(to);
        match self {
            Body::Empty => Body::Empty,
            Body::Bytes(b) => Body::Bytes(b.slice(from as usize..to as usize)),
            Body::External(e) => Body::External(e.slice(from, to)),
        }
    }
}

impl From<Bytes> for Body {
    fn from(b: Bytes) -> Body {
        Body::Bytes(b)
    }
}

impl From<External> for Body {
    fn from(e: External) -> Body {
        Body::External(e)
    }
}

/// Header fields: lower-case names, values in order; a name may repeat.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers(pub Vec<(String, String)>);

impl Headers {
    /// Adds a field (the name is lower-cased).
    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.0.push((name.to_ascii_lowercase(), value.into()));
    }

    /// The first value of `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name` (case-insensitive), in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Removes every field named `name`.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }
}

/// One HTTP request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The absolute URL.
    pub url: String,
    /// Header fields to send (the transport adds `Content-Length` and `Host` as it must).
    pub headers: Headers,
    /// The body.
    pub body: Body,
}

/// One HTTP response; the body is read chunk by chunk.
pub struct Response<B> {
    /// The status code.
    pub status: u16,
    /// Header fields.
    pub headers: Headers,
    /// The body, as a stream of chunks.
    pub body: B,
}

/// A response body, read chunk by chunk.
#[allow(async_fn_in_trait)] // No Send bounds: see the `spec` module doc.
pub trait BodyStream {
    /// The next chunk, or `None` at the end; a body cut short is an error.
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, TransportError>;
}

/// A failure to exchange a request and a response.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TransportError {
    /// What kind (`Network`, `Cors`, `Aborted`).
    pub kind: ErrorKind,
    /// What happened.
    pub message: String,
}

impl TransportError {
    /// A network failure (refused, reset, cut short).
    pub fn network(message: impl Into<String>) -> TransportError {
        TransportError {
            kind: ErrorKind::Network,
            message: message.into(),
        }
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Error {
        Error::other(e.kind, e.message)
    }
}

/// Moves bytes: sends one request and returns the response head with a body stream.
///
/// A transport does not follow redirects (the client does, dropping credentials across
/// origins) unless the platform itself guarantees that (the Fetch API strips `Authorization`
/// on cross-origin redirects). It does not retry; it also provides the client's only clock:
/// `sleep` (for retry back-off) and, optionally, the time of day (for `Retry-After` dates).
#[allow(async_fn_in_trait)] // No Send bounds: see the `spec` module doc.
pub trait Transport {
    /// The response body stream.
    type Body: BodyStream;

    /// Sends one request; any HTTP status is a response, only failures to exchange are errors.
    async fn send(&self, request: Request) -> Result<Response<Self::Body>, TransportError>;

    /// Waits `ms` milliseconds.
    async fn sleep(&self, ms: u64);

    /// True when `send` takes [`Body::External`] bodies of its platform's kind.
    fn sends_external(&self) -> bool {
        false
    }

    /// Seconds since the Unix epoch, when the platform has a clock.
    fn now_unix_secs(&self) -> Option<u64> {
        None
    }
}

/// Reads a whole body, refusing more than `limit` bytes.
pub async fn read_body<B: BodyStream>(body: &mut B, limit: u64) -> Result<Bytes, Error> {
    let mut out = bytes::BytesMut::new();
    while let Some(chunk) = body.next_chunk().await? {
        if out.len() as u64 + chunk.len() as u64 > limit {
            return Err(Error::other(
                ErrorKind::Protocol,
                format!("response body larger than the {limit}-byte limit"),
            ));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out.freeze())
}
