//! Blob uploads: monolithic (skipped when the blob is there), and chunked with `PATCH` +
//! `Content-Range`, resumable by id (the upload's `Location` URL) and offset.
//!
//! Decisions:
//! - The writer's id is the upload's latest `Location`: registries such as CNCF distribution
//!   sign the upload state into it, so an older URL would not resume.
//! - A chunk that fails on the way (network error, 429, 5xx, 416) is not blindly resent: the
//!   client asks the registry where the upload stands and sends only what it lacks.
//! - `close` sends the whole chunks written (held back for the commit until then), never a
//!   partial one; the registry's offset is what resumes.
//! - A commit whose answer was lost is confirmed by a HEAD of the blob.
//! - Real registries' quirks (`../shared/FIELD.md`), each reproduced by an `ociscope-server
//!   --quirk` in tests:
//!   - a request refused as too large (413, or 416 while the upload stands where the request
//!     started: GHCR refuses requests over 4 MiB) lowers the request limit (to 4 MiB, then by
//!     halves, never under the registry's chunk minimum nor 256 KiB) and the rest is sent in
//!     smaller requests, nothing lost; the client keeps the limit for later uploads;
//!   - `OCI-Chunk-Min-Length` raises the chunk size (never lowered under it);
//!   - any 2xx answers a `PATCH` (ECR answers 201);
//!   - a `Range` that disagrees with what was sent is checked with the status `GET`, which is
//!     trusted (ECR's `Range` can stop advancing although the data is stored);
//!   - the committing `PUT` always carries the last bytes (the writer holds a full chunk back
//!     until it knows more follows), since ECR answers an empty final `PUT` with 500.
//! - Bytes the transport reads itself ([`External`]: a picked file's `Blob` in a browser) go
//!   through the same requests as written bytes, by [`BlobWriter::write_external`]; the
//!   writer holds them as a range of their source, never as bytes. A writer takes one kind or
//!   the other, not both.

use bytes::{Bytes, BytesMut};

use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::headers::chunk::effective_chunk_size;
use crate::headers::link::resolve_url;
use crate::headers::names::{CONTENT_RANGE, CONTENT_TYPE, LOCATION, OCI_CHUNK_MIN_LENGTH, RANGE};
use crate::headers::{parse_chunk_min_length, ChunkRange, Scope, UploadRange};
use crate::registry_error::ErrorCode;
use crate::spec::{BlobWriter, Error, ErrorKind, Resumable, ResumeAt, DEFAULT_CHUNK_SIZE};

use super::blobs::{self, BLOB_MEDIA_TYPE};
use super::manifests::header_digest;
use super::registry::with_query;
use super::retry::retryable_status;
use super::transport::{Body, External, Headers, Method, Transport};
use super::{protocol, Call, HttpSpec};

const OCTET_STREAM: &str = "application/octet-stream";

/// The smallest request the client shrinks to when a registry refuses large ones.
const MIN_REQUEST: u64 = 256 * 1024;

/// The first limit tried after a refusal of a larger request: GHCR's.
const COMMON_REQUEST_LIMIT: u64 = 4 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Open,
    Closed,
    Committed,
    Cancelled,
}

/// A chunked upload in progress over HTTP.
pub struct HttpBlobWriter<T> {
    spec: HttpSpec<T>,
    repo: String,
    location: String,
    offset: u64,
    buffer: BytesMut,
    /// What `write_external` handed over and the registry does not hold yet.
    external: Option<External>,
    chunk_size: usize,
    state: State,
}

/// The bytes of a body built from written bytes.
fn bytes_of(body: Body) -> Bytes {
    match body {
        Body::Bytes(b) => b,
        _ => Bytes::new(),
    }
}

fn location_of(headers: &Headers, request_url: &str) -> Result<String, Error> {
    let loc = headers
        .get(LOCATION)
        .ok_or_else(|| protocol("upload answer without Location"))?;
    resolve_url(request_url, loc).map_err(|e| protocol(e.to_string()))
}

/// The chunk size for `hint`, raised to the minimum these headers announce or, failing that,
/// the one the registry announced before (a resumed upload's status carries none).
fn chunk_size_of(headers: &Headers, hint: Option<usize>, known_min: Option<u64>) -> usize {
    let min = headers
        .get(OCI_CHUNK_MIN_LENGTH)
        .and_then(|v| parse_chunk_min_length(v).ok())
        .or(known_min);
    let preferred = hint.unwrap_or(DEFAULT_CHUNK_SIZE) as u64;
    usize::try_from(effective_chunk_size(preferred, min)).unwrap_or(usize::MAX)
}

/// True for failures after which the registry may or may not hold the chunk.
fn uncertain(e: &Error) -> bool {
    match e {
        Error::Other { kind, .. } => *kind == ErrorKind::Network,
        Error::Registry(r) => retryable_status(r.status) || r.status == 416 || r.status >= 500,
        _ => false,
    }
}

/// True for a refusal that may be about the request's size rather than its place.
fn maybe_too_large(e: &Error) -> bool {
    matches!(e, Error::Registry(r) if r.status == 413 || r.status == 416)
}

/// Opens an upload session: `POST /v2/<repo>/blobs/uploads/` → its `Location`.
async fn open<T: Transport>(spec: &HttpSpec<T>, repo: &str) -> Result<(String, Headers), Error> {
    let url = spec.registry().repo_url(repo, "blobs/uploads/")?;
    // Safe to resend: a repeated POST only opens another session, and the unused one expires.
    let call = Call::new(Method::Post, url, vec![Scope::pull_push(repo)]).repeatable();
    let answered = spec.exchange(&call).await?;
    if answered.response.status != 202 {
        return Err(protocol(format!(
            "opening an upload answered {}, expected 202",
            answered.response.status
        )));
    }
    let location = location_of(&answered.response.headers, &answered.url)?;
    Ok((location, answered.response.headers))
}

/// Starts a chunked upload.
pub async fn start<T: Transport>(
    spec: &HttpSpec<T>,
    repo: &str,
    hint: Option<usize>,
) -> Result<HttpBlobWriter<T>, Error> {
    let (location, headers) = open(spec, repo).await?;
    Ok(session(spec, repo, location, 0, &headers, hint))
}

/// A writer for the session at `location`, which holds `offset` bytes; notes the registry's
/// chunk minimum when the answer that opened it announced one.
pub(crate) fn session<T: Transport>(
    spec: &HttpSpec<T>,
    repo: &str,
    location: String,
    offset: u64,
    headers: &Headers,
    hint: Option<usize>,
) -> HttpBlobWriter<T> {
    if let Some(min) = headers
        .get(OCI_CHUNK_MIN_LENGTH)
        .and_then(|v| parse_chunk_min_length(v).ok())
    {
        spec.set_chunk_min_length(min);
    }
    let limit = spec
        .request_limit()
        .and_then(|l| usize::try_from(l).ok())
        .unwrap_or(usize::MAX);
    HttpBlobWriter {
        spec: spec.clone(),
        repo: repo.to_string(),
        location,
        offset,
        buffer: BytesMut::new(),
        external: None,
        chunk_size: chunk_size_of(headers, hint, spec.chunk_min_length()).min(limit),
        state: State::Open,
    }
}

/// Where an upload stands: `GET <location>` → (bytes held, latest location, headers).
async fn status<T: Transport>(
    spec: &HttpSpec<T>,
    repo: &str,
    location: &str,
) -> Result<(u64, String, Headers), Error> {
    let call = Call::new(
        Method::Get,
        location.to_string(),
        vec![Scope::pull_push(repo)],
    )
    .not_found(ErrorCode::BlobUploadUnknown);
    let answered = spec.exchange(&call).await?;
    let h = answered.response.headers;
    let received = match h.get(RANGE) {
        Some(v) => {
            UploadRange::parse(v)
                .map_err(|e| protocol(e.to_string()))?
                .received
        }
        None => 0,
    };
    let location = match h.get(LOCATION) {
        Some(_) => location_of(&h, &answered.url)?,
        None => location.to_string(),
    };
    Ok((received, location, h))
}

/// The upload URL an id names: an absolute URL, a path on the registry, or a bare session id.
fn upload_url<T: Transport>(spec: &HttpSpec<T>, repo: &str, id: &str) -> Result<String, Error> {
    if id.contains("://") {
        Ok(id.to_string())
    } else if id.starts_with('/') {
        Ok(format!("{}{id}", spec.registry().origin()))
    } else if !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        spec.registry()
            .repo_url(repo, &format!("blobs/uploads/{id}"))
    } else {
        Err(Error::invalid(format!("invalid upload id {id:?}")))
    }
}

/// Resumes an upload by id, at the registry's offset or at one that must match it.
pub async fn resume<T: Transport>(
    spec: &HttpSpec<T>,
    repo: &str,
    id: &str,
    at: ResumeAt,
    hint: Option<usize>,
) -> Result<HttpBlobWriter<T>, Error> {
    let url = upload_url(spec, repo, id)?;
    let (received, location, headers) = status(spec, repo, &url).await?;
    if let ResumeAt::Offset(offset) = at {
        if offset != received {
            return Err(Error::code(
                ErrorCode::RangeInvalid,
                format!(
                    "cannot resume at {offset}: the registry holds {received} bytes of upload \
                     {id}; resume from offset {received}"
                ),
            ));
        }
    }
    Ok(session(spec, repo, location, received, &headers, hint))
}

/// Pushes a blob in one `PUT`, after a HEAD shows it is not already there.
pub async fn push_monolithic<T: Transport>(
    spec: &HttpSpec<T>,
    repo: &str,
    expected: &Descriptor,
    content: Bytes,
) -> Result<Descriptor, Error> {
    if content.len() as u64 != expected.size {
        return Err(Error::code(
            ErrorCode::SizeInvalid,
            format!(
                "blob refused: {} bytes given for {}, whose descriptor says {}",
                content.len(),
                expected.digest,
                expected.size
            ),
        ));
    }
    let done = || {
        let mut d = expected.clone();
        d.data = None;
        d
    };
    match blobs::stat(spec, repo, &expected.digest).await {
        Ok(d) if d.size == expected.size => return Ok(done()),
        Ok(_) => {}
        Err(e) if e.is_not_found() => {}
        Err(e) => return Err(e),
    }
    // One session, one committing PUT with the whole content (retried as a commit is).
    let (location, headers) = open(spec, repo).await?;
    let mut writer = session(spec, repo, location, 0, &headers, None);
    writer.buffer.extend_from_slice(&content);
    match writer.commit(&expected.digest).await {
        Ok(_) => Ok(done()),
        Err(e) => {
            // Leave no session behind; the registry's refusal is what the caller needs.
            let _ = writer.cancel().await;
            Err(e)
        }
    }
}

fn check_stored(headers: &Headers, digest: &Digest) -> Result<(), Error> {
    match header_digest(headers)? {
        Some(got) if &got != digest => Err(protocol(format!(
            "committed {digest}, the registry stored {got}"
        ))),
        _ => Ok(()),
    }
}

impl<T: Transport> HttpBlobWriter<T> {
    fn ensure_open(&self) -> Result<(), Error> {
        match self.state {
            State::Open => Ok(()),
            s => Err(Error::invalid(format!("upload is {s:?}, not open"))),
        }
    }

    /// The largest request body this writer sends.
    fn request_limit(&self) -> usize {
        self.spec
            .request_limit()
            .and_then(|l| usize::try_from(l).ok())
            .unwrap_or(usize::MAX)
    }

    /// After the registry refused a `len`-byte request as too large: lowers the request limit,
    /// or gives `failure` back when it cannot go lower.
    fn shrink(&mut self, len: u64, failure: Error) -> Result<(), Error> {
        let floor = self.spec.chunk_min_length().unwrap_or(0).max(MIN_REQUEST);
        let next = if len > COMMON_REQUEST_LIMIT {
            COMMON_REQUEST_LIMIT
        } else {
            len / 2
        };
        if next < floor {
            return Err(failure);
        }
        self.spec.set_request_limit(next);
        self.chunk_size = self
            .chunk_size
            .min(usize::try_from(next).unwrap_or(usize::MAX));
        Ok(())
    }

    /// Sends `chunk` at the current offset, in requests no larger than the request limit; on
    /// an uncertain failure, a refusal or a `Range` that disagrees, asks where the upload
    /// stands and sends only what the registry lacks. Returns what it did not send: after the
    /// limit was lowered on the way, a tail shorter than the new limit waits for more bytes
    /// (a registry with a chunk minimum would refuse it alone).
    async fn send_chunk(&mut self, chunk: Body) -> Result<Body, Error> {
        let start = self.offset;
        let end = start + chunk.len();
        let max = self.spec.inner.retry.max_attempts.max(1);
        let limit_at_start = self.request_limit() as u64;
        let mut attempt = 0;
        while self.offset < end {
            let from = self.offset - start;
            let limit = self.request_limit() as u64;
            if limit < limit_at_start && chunk.len() - from < limit {
                return Ok(chunk.slice(from, chunk.len()));
            }
            let take = (chunk.len() - from).min(limit);
            let part = chunk.slice(from, from + take);
            let part_end = self.offset + take;
            let range = ChunkRange::for_chunk(self.offset, take)
                .ok_or_else(|| Error::invalid("chunk range overflows"))?;
            let call = Call::new(
                Method::Patch,
                self.location.clone(),
                vec![Scope::pull_push(&self.repo)],
            )
            .header(CONTENT_TYPE, OCTET_STREAM)
            .header(CONTENT_RANGE, range.to_string())
            .body(part)
            .not_found(ErrorCode::BlobUploadUnknown)
            .once();
            let failure = match self.spec.exchange(&call).await {
                Ok(answered) => {
                    let h = &answered.response.headers;
                    if h.get(LOCATION).is_some() {
                        self.location = location_of(h, &answered.url)?;
                    }
                    let reported = match h.get(RANGE) {
                        Some(v) => Some(
                            UploadRange::parse(v)
                                .map_err(|e| protocol(e.to_string()))?
                                .received,
                        ),
                        None => None,
                    };
                    match reported {
                        Some(r) if r != part_end => protocol(format!(
                            "after a chunk ending at {part_end} the registry answered a Range \
                             up to {r}"
                        )),
                        _ => {
                            self.offset = part_end;
                            attempt = 0;
                            continue;
                        }
                    }
                }
                Err(e) if uncertain(&e) || maybe_too_large(&e) => e,
                Err(e) => return Err(e),
            };
            attempt += 1;
            let (received, location, _) = match status(&self.spec, &self.repo, &self.location).await
            {
                Ok(s) => s,
                Err(_) => return Err(failure),
            };
            self.location = location;
            if received == part_end {
                self.offset = part_end;
                attempt = 0;
                continue;
            }
            if received < start || received > end {
                return Err(protocol(format!(
                    "upload stands at {received}, outside the chunk {start}..{end} being sent \
                     ({failure})"
                )));
            }
            if received == self.offset && maybe_too_large(&failure) {
                self.shrink(take, failure)?;
                continue;
            }
            if attempt >= max {
                return Err(failure);
            }
            self.offset = received;
            self.spec.back_off(attempt, None).await;
        }
        Ok(Body::Empty)
    }

    /// Commits the upload with `rest`, the bytes after `rest_start` that the registry may
    /// lack (it holds up to `self.offset`).
    async fn commit_rest(
        &mut self,
        rest: &Body,
        rest_start: u64,
        digest: &Digest,
    ) -> Result<(), Error> {
        let total = rest_start + rest.len();
        let max = self.spec.inner.retry.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            // What would make the PUT larger than the request limit goes first as PATCHes,
            // keeping at least one byte for the PUT.
            let lacking = total - self.offset;
            let limit = self.request_limit() as u64;
            if lacking > limit {
                let keep = match lacking % limit {
                    0 => limit,
                    k => k,
                };
                let from = self.offset - rest_start;
                // A tail left after a lowered limit is sent again from `rest` next time round.
                self.send_chunk(rest.slice(from, rest.len() - keep)).await?;
            }
            attempt += 1;
            let part = rest.slice(self.offset - rest_start, rest.len());
            let part_len = part.len();
            let url = with_query(&self.location, "digest", digest.as_str());
            let mut call = Call::new(Method::Put, url, vec![Scope::pull_push(&self.repo)])
                .header(CONTENT_TYPE, OCTET_STREAM)
                .not_found(ErrorCode::BlobUploadUnknown)
                .once();
            if !part.is_empty() {
                let range = ChunkRange::for_chunk(self.offset, part.len())
                    .ok_or_else(|| Error::invalid("chunk range overflows"))?;
                call = call.header(CONTENT_RANGE, range.to_string()).body(part);
            }
            let failure = match self.spec.exchange(&call).await {
                Ok(answered) => return check_stored(&answered.response.headers, digest),
                Err(e) if uncertain(&e) || maybe_too_large(&e) => e,
                Err(e) => return Err(e),
            };
            // The answer was lost or the registry could not take the request: if the blob is
            // there, whole, the commit happened; otherwise ask where the upload stands and
            // send the PUT again (a 503 or 429 means it was not processed).
            if let Ok(d) = blobs::stat(&self.spec, &self.repo, digest).await {
                if d.size == total {
                    return Ok(());
                }
            }
            let at = self.offset;
            match status(&self.spec, &self.repo, &self.location).await {
                Ok((received, location, _)) if received >= rest_start && received <= total => {
                    self.location = location;
                    self.offset = received;
                }
                _ => return Err(failure),
            }
            if self.offset == at && part_len > 0 && maybe_too_large(&failure) {
                self.shrink(part_len, failure)?;
                continue;
            }
            if attempt >= max {
                return Err(failure);
            }
            self.spec.back_off(attempt, None).await;
        }
    }
}

impl<T: Transport> BlobWriter for HttpBlobWriter<T> {
    fn id(&self) -> &str {
        &self.location
    }

    fn size(&self) -> u64 {
        self.offset + self.buffer.len() as u64 + self.external.as_ref().map_or(0, External::len)
    }

    fn chunk_size(&self) -> usize {
        self.chunk_size
    }

    fn stored(&self) -> u64 {
        self.offset
    }

    async fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        self.ensure_open()?;
        self.buffer.extend_from_slice(data);
        // Strictly more than a chunk: the last bytes always go with the committing PUT.
        while self.buffer.len() > self.chunk_size {
            let chunk = self.buffer.split_to(self.chunk_size).freeze();
            let chunk_start = self.offset;
            match self.send_chunk(Body::Bytes(chunk.clone())).await {
                Ok(tail) if tail.is_empty() => {}
                Ok(tail) => {
                    // Sent in smaller requests than asked: the tail joins what follows.
                    let mut back = BytesMut::from(&bytes_of(tail)[..]);
                    back.extend_from_slice(&self.buffer);
                    self.buffer = back;
                }
                Err(e) => {
                    // Keep what the registry lacks, so size() stays true and the caller may
                    // retry.
                    let sent = (self.offset - chunk_start) as usize;
                    let mut back = BytesMut::from(&chunk[sent..]);
                    back.extend_from_slice(&self.buffer);
                    self.buffer = back;
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    async fn close(&mut self) -> Result<Resumable, Error> {
        match self.state {
            State::Open | State::Closed => {
                // Whole chunks held back for the commit go out now, so that the registry holds
                // every whole chunk written; a failure here leaves the offset where it stands.
                if self.state == State::Open {
                    while self.buffer.len() >= self.chunk_size.max(1) {
                        let chunk = self.buffer.split_to(self.chunk_size.max(1)).freeze();
                        match self.send_chunk(Body::Bytes(chunk)).await {
                            Ok(tail) if tail.is_empty() => {}
                            _ => break,
                        }
                    }
                    let chunk = self.chunk_size.max(1) as u64;
                    while let Some(held) = self.external.take() {
                        if held.len() < chunk {
                            break;
                        }
                        let from = self.offset;
                        let sent = self.send_chunk(Body::External(held.slice(0, chunk))).await;
                        let rest = held.slice(self.offset - from, held.len());
                        if !matches!(sent, Ok(ref tail) if tail.is_empty()) || rest.is_empty() {
                            break;
                        }
                        self.external = Some(rest);
                    }
                }
                self.state = State::Closed;
                self.buffer.clear();
                self.external = None;
                Ok(Resumable {
                    id: self.location.clone(),
                    offset: self.offset,
                })
            }
            s => Err(Error::invalid(format!(
                "upload is {s:?}; nothing to resume"
            ))),
        }
    }

    async fn commit(&mut self, digest: &Digest) -> Result<Descriptor, Error> {
        self.ensure_open()?;
        let rest = match self.external.take() {
            Some(held) => Body::External(held),
            None => Body::Bytes(self.buffer.split().freeze()),
        };
        let rest_start = self.offset;
        let total = rest_start + rest.len();
        match self.commit_rest(&rest, rest_start, digest).await {
            Ok(()) => {
                self.state = State::Committed;
                self.offset = total;
                Ok(Descriptor::new(BLOB_MEDIA_TYPE, digest.clone(), total))
            }
            Err(e) => {
                // Keep what the registry does not hold, so a later commit or close is right.
                match rest.slice(self.offset - rest_start, rest.len()) {
                    Body::External(held) => self.external = Some(held),
                    lacking => {
                        let mut back = BytesMut::from(&bytes_of(lacking)[..]);
                        back.extend_from_slice(&self.buffer);
                        self.buffer = back;
                    }
                }
                Err(e)
            }
        }
    }

    async fn cancel(&mut self) -> Result<(), Error> {
        if matches!(self.state, State::Committed | State::Cancelled) {
            return Ok(());
        }
        let call = Call::new(
            Method::Delete,
            self.location.clone(),
            vec![Scope::pull_push(&self.repo)],
        )
        .not_found(ErrorCode::BlobUploadUnknown);
        match self.spec.exchange(&call).await {
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
        self.state = State::Cancelled;
        self.buffer.clear();
        self.external = None;
        Ok(())
    }

    fn takes_external(&self) -> bool {
        self.spec.transport().sends_external()
    }

    async fn write_external(&mut self, bytes: External) -> Result<(), Error> {
        self.ensure_open()?;
        if !self.takes_external() {
            return Err(Error::other(
                ErrorKind::Unsupported,
                "this client's transport reads no external bodies; write the bytes instead",
            ));
        }
        if !self.buffer.is_empty() {
            return Err(Error::invalid(
                "bytes given to write are still buffered: an upload takes written bytes or \
                 external ones, not both",
            ));
        }
        let mut held = match self.external.take() {
            None => bytes,
            Some(before) => match before.joined(&bytes) {
                Some(joined) => joined,
                None => {
                    self.external = Some(before);
                    return Err(Error::invalid(
                        "write_external takes the bytes of the same source right after the \
                         ones before",
                    ));
                }
            },
        };
        // Strictly more than a chunk: the last bytes always go with the committing PUT.
        while held.len() > self.chunk_size.max(1) as u64 {
            let from = self.offset;
            let sent = self
                .send_chunk(Body::External(held.slice(0, self.chunk_size.max(1) as u64)))
                .await;
            // What the registry does not hold stays, whatever happened (a tail after a
            // lowered request limit is sent with what follows).
            held = held.slice(self.offset - from, held.len());
            if let Err(e) = sent {
                self.external = Some(held);
                return Err(e);
            }
        }
        self.external = (!held.is_empty()).then_some(held);
        Ok(())
    }
}
