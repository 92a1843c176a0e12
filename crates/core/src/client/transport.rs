//! The transport boundary: what `HttpSpec` asks of whatever moves bytes (hyper, Fetch, a script).

use std::fmt;

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

/// A request body. Only in-memory bytes for now; a streaming variant can be added later.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Body {
    /// No body.
    #[default]
    Empty,
    /// These bytes.
    Bytes(Bytes),
}

impl Body {
    /// The body's length in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Body::Empty => 0,
            Body::Bytes(b) => b.len() as u64,
        }
    }

    /// True when there are no bytes to send.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
