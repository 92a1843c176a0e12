//! Blob uploads: monolithic (skipped when the blob is there), and chunked with `PATCH` +
//! `Content-Range`, resumable by id (the upload's `Location` URL) and offset.
//!
//! Decisions:
//! - The writer's id is the upload's latest `Location`: registries such as CNCF distribution
//!   sign the upload state into it, so an older URL would not resume.
//! - A chunk that fails on the way (network error, 429, 5xx, 416) is not blindly resent: the
//!   client asks the registry where the upload stands and sends only what it lacks.
//! - `close` does not send a partial chunk; the registry's offset is what resumes.
//! - A commit whose answer was lost is confirmed by a HEAD of the blob.

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
use super::transport::{Headers, Method, Transport};
use super::{protocol, Call, HttpSpec};

const OCTET_STREAM: &str = "application/octet-stream";

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
    chunk_size: usize,
    state: State,
}

fn location_of(headers: &Headers, request_url: &str) -> Result<String, Error> {
    let loc = headers
        .get(LOCATION)
        .ok_or_else(|| protocol("upload answer without Location"))?;
    resolve_url(request_url, loc).map_err(|e| protocol(e.to_string()))
}

fn chunk_size_of(headers: &Headers, hint: Option<usize>) -> usize {
    let min = headers
        .get(OCI_CHUNK_MIN_LENGTH)
        .and_then(|v| parse_chunk_min_length(v).ok());
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
    HttpBlobWriter {
        spec: spec.clone(),
        repo: repo.to_string(),
        location,
        offset,
        buffer: BytesMut::new(),
        chunk_size: chunk_size_of(headers, hint),
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

    /// Sends `chunk` at the current offset; on an uncertain failure asks where the upload
    /// stands and sends only what the registry lacks.
    async fn send_chunk(&mut self, chunk: Bytes) -> Result<(), Error> {
        let end = self.offset + chunk.len() as u64;
        let max = self.spec.inner.retry.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let part = chunk.slice((chunk.len() as u64 - (end - self.offset)) as usize..);
            let range = ChunkRange::for_chunk(self.offset, part.len() as u64)
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
                    if let Some(v) = h.get(RANGE) {
                        let got = UploadRange::parse(v).map_err(|e| protocol(e.to_string()))?;
                        if got.received != end {
                            return Err(protocol(format!(
                                "after a chunk ending at {end} the registry holds {}",
                                got.received
                            )));
                        }
                    }
                    self.offset = end;
                    return Ok(());
                }
                Err(e) if uncertain(&e) && attempt < max => e,
                Err(e) => return Err(e),
            };
            let (received, location, _) = match status(&self.spec, &self.repo, &self.location).await
            {
                Ok(s) => s,
                Err(_) => return Err(failure),
            };
            self.location = location;
            if received == end {
                self.offset = end;
                return Ok(());
            }
            if received < self.offset || received > end {
                return Err(protocol(format!(
                    "upload stands at {received}, outside the chunk {}..{end} being sent ({failure})",
                    self.offset
                )));
            }
            self.offset = received;
            self.spec.back_off(attempt, None).await;
        }
    }
}

impl<T: Transport> BlobWriter for HttpBlobWriter<T> {
    fn id(&self) -> &str {
        &self.location
    }

    fn size(&self) -> u64 {
        self.offset + self.buffer.len() as u64
    }

    fn chunk_size(&self) -> usize {
        self.chunk_size
    }

    async fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        self.ensure_open()?;
        self.buffer.extend_from_slice(data);
        while self.buffer.len() >= self.chunk_size {
            let chunk = self.buffer.split_to(self.chunk_size).freeze();
            let chunk_start = self.offset;
            if let Err(e) = self.send_chunk(chunk.clone()).await {
                // Keep what the registry lacks, so size() stays true and the caller may retry.
                let sent = (self.offset - chunk_start) as usize;
                let mut back = BytesMut::from(&chunk[sent..]);
                back.extend_from_slice(&self.buffer);
                self.buffer = back;
                return Err(e);
            }
        }
        Ok(())
    }

    async fn close(&mut self) -> Result<Resumable, Error> {
        match self.state {
            State::Open | State::Closed => {
                self.state = State::Closed;
                self.buffer.clear();
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
        let rest = self.buffer.split().freeze();
        let total = self.offset + rest.len() as u64;
        let max = self.spec.inner.retry.max_attempts.max(1);
        let mut attempt = 0;
        let result = loop {
            attempt += 1;
            // The part of `rest` the registry does not hold yet (all of it, or none after a
            // lost answer to a PUT whose bytes arrived).
            let part = rest.slice((rest.len() as u64 - (total - self.offset)) as usize..);
            let url = with_query(&self.location, "digest", digest.as_str());
            let mut call = Call::new(Method::Put, url, vec![Scope::pull_push(&self.repo)])
                .header(CONTENT_TYPE, OCTET_STREAM)
                .not_found(ErrorCode::BlobUploadUnknown)
                .once();
            if !part.is_empty() {
                let range = ChunkRange::for_chunk(self.offset, part.len() as u64)
                    .ok_or_else(|| Error::invalid("chunk range overflows"))?;
                call = call.header(CONTENT_RANGE, range.to_string()).body(part);
            }
            let failure = match self.spec.exchange(&call).await {
                Ok(answered) => break check_stored(&answered.response.headers, digest),
                Err(e) if uncertain(&e) => e,
                Err(e) => break Err(e),
            };
            // The answer was lost or the registry could not take the request: if the blob is
            // there, whole, the commit happened; otherwise ask where the upload stands and
            // send the PUT again (a 503 or 429 means it was not processed).
            if let Ok(d) = blobs::stat(&self.spec, &self.repo, digest).await {
                if d.size == total {
                    break Ok(());
                }
            }
            if attempt >= max {
                break Err(failure);
            }
            match status(&self.spec, &self.repo, &self.location).await {
                Ok((received, location, _)) if received >= self.offset && received <= total => {
                    self.location = location;
                    self.offset = received;
                }
                _ => break Err(failure),
            }
            self.spec.back_off(attempt, None).await;
        };
        match result {
            Ok(()) => {
                self.state = State::Committed;
                self.offset = total;
                Ok(Descriptor::new(BLOB_MEDIA_TYPE, digest.clone(), total))
            }
            Err(e) => {
                // Keep what the registry does not hold, so a later commit or close is right.
                let held = (rest.len() as u64 - (total - self.offset)) as usize;
                let mut back = BytesMut::from(&rest[held..]);
                back.extend_from_slice(&self.buffer);
                self.buffer = back;
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
        Ok(())
    }
}
