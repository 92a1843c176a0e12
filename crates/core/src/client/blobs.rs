//! Blobs: stat (HEAD), streamed verified reads, byte ranges (coping with registries that ignore
//! `Range`), delete.

use bytes::Bytes;

use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::headers::names::{CONTENT_LENGTH, CONTENT_RANGE, RANGE};
use crate::headers::{ContentRange, Scope};
use crate::registry_error::ErrorCode;
use crate::spec::{BlobReader, Error, VerifyingReader};

use super::manifests::header_digest;
use super::transport::{BodyStream, Headers, Method, Transport};
use super::{protocol, Call, HttpSpec};

/// Media type given to blobs, whose answers carry none that matters.
pub const BLOB_MEDIA_TYPE: &str = "application/octet-stream";

fn content_length(headers: &Headers) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.trim().parse().ok())
}

fn blob_call<T: Transport>(
    spec: &HttpSpec<T>,
    method: Method,
    repo: &str,
    digest: &Digest,
) -> Result<Call, Error> {
    let url = spec.registry().blob_url(repo, digest)?;
    Ok(Call::new(method, url, vec![Scope::pull(repo)]).not_found(ErrorCode::BlobUnknown))
}

/// The blob's size, from a HEAD answer (whose digest, if named, must be the one asked for).
pub async fn stat<T: Transport>(
    spec: &HttpSpec<T>,
    repo: &str,
    digest: &Digest,
) -> Result<Descriptor, Error> {
    let answered = spec
        .exchange(&blob_call(spec, Method::Head, repo, digest)?)
        .await?;
    let h = &answered.response.headers;
    check_named(h, digest)?;
    let size = content_length(h)
        .ok_or_else(|| protocol(format!("HEAD of blob {digest} answered no Content-Length")))?;
    Ok(Descriptor::new(BLOB_MEDIA_TYPE, digest.clone(), size))
}

fn check_named(h: &Headers, digest: &Digest) -> Result<(), Error> {
    match header_digest(h)? {
        Some(named) if &named != digest => Err(protocol(format!(
            "asked for blob {digest}, the registry answered {named}"
        ))),
        _ => Ok(()),
    }
}

/// The whole blob, verified against `digest` as it streams.
pub async fn get<T: Transport>(
    spec: &HttpSpec<T>,
    repo: &str,
    digest: &Digest,
) -> Result<HttpBlobReader<T::Body>, Error> {
    // Refuse digests that cannot be verified before any byte moves.
    digest.verifiable_algorithm()?;
    let answered = spec
        .exchange(&blob_call(spec, Method::Get, repo, digest)?)
        .await?;
    let h = &answered.response.headers;
    check_named(h, digest)?;
    let size = match content_length(h) {
        Some(s) => s,
        None => stat(spec, repo, digest).await?.size,
    };
    let raw = BodyReader {
        descriptor: Descriptor::new(BLOB_MEDIA_TYPE, digest.clone(), size),
        body: answered.response.body,
        skip: 0,
        remaining: None,
    };
    Ok(HttpBlobReader(Box::new(Mode::Verified(
        VerifyingReader::new(raw)?,
    ))))
}

/// Bytes `start..end` of a blob; a registry that answers the whole blob (200) is cut down here.
pub async fn get_range<T: Transport>(
    spec: &HttpSpec<T>,
    repo: &str,
    digest: &Digest,
    start: u64,
    end: Option<u64>,
) -> Result<HttpBlobReader<T::Body>, Error> {
    if end.is_some_and(|e| e <= start) {
        return Err(Error::code(
            ErrorCode::RangeInvalid,
            format!("range {start}..{end:?} is empty or reversed: it selects no bytes"),
        ));
    }
    let range = match end {
        Some(e) => format!("bytes={start}-{}", e - 1),
        None => format!("bytes={start}-"),
    };
    let call = blob_call(spec, Method::Get, repo, digest)?.header(RANGE, range);
    let answered = spec.exchange(&call).await?;
    let h = &answered.response.headers;
    check_named(h, digest)?;
    let (skip, total) = if answered.response.status == 206 {
        let cr = h
            .get(CONTENT_RANGE)
            .ok_or_else(|| protocol("206 answer without Content-Range"))?;
        match ContentRange::parse(cr).map_err(|e| protocol(e.to_string()))? {
            ContentRange::Bytes {
                first, complete, ..
            } if first == start => (0, complete),
            other => {
                return Err(protocol(format!(
                    "asked for bytes from {start}, got {other:?}"
                )))
            }
        }
    } else {
        (start, content_length(h))
    };
    let size = match total {
        Some(t) => t,
        None => stat(spec, repo, digest).await?.size,
    };
    let remaining = Some(end.unwrap_or(size).min(size).saturating_sub(start));
    Ok(HttpBlobReader(Box::new(Mode::Range(BodyReader {
        descriptor: Descriptor::new(BLOB_MEDIA_TYPE, digest.clone(), size),
        body: answered.response.body,
        skip,
        remaining,
    }))))
}

/// Deletes a blob.
pub async fn delete<T: Transport>(
    spec: &HttpSpec<T>,
    repo: &str,
    digest: &Digest,
) -> Result<(), Error> {
    let url = spec.registry().blob_url(repo, digest)?;
    let call = Call::new(
        Method::Delete,
        url,
        vec![Scope::repository(repo, &["delete"])],
    )
    .not_found(ErrorCode::BlobUnknown);
    spec.exchange(&call).await.map(|_| ())
}

/// A response body as a blob reader: skips `skip` bytes, stops after `remaining`.
pub struct BodyReader<B> {
    descriptor: Descriptor,
    body: B,
    skip: u64,
    remaining: Option<u64>,
}

impl<B: BodyStream> BlobReader for BodyReader<B> {
    fn descriptor(&self) -> &Descriptor {
        &self.descriptor
    }

    async fn next_chunk(&mut self) -> Result<Option<Bytes>, Error> {
        loop {
            if self.remaining == Some(0) {
                return Ok(None);
            }
            let Some(mut chunk) = self.body.next_chunk().await? else {
                if self.remaining.is_some_and(|r| r > 0) {
                    return Err(protocol(format!(
                        "blob {} range ended {} bytes early",
                        self.descriptor.digest,
                        self.remaining.unwrap_or(0)
                    )));
                }
                return Ok(None);
            };
            if self.skip > 0 {
                let n = self.skip.min(chunk.len() as u64);
                self.skip -= n;
                let _ = chunk.split_to(n as usize);
            }
            if let Some(r) = self.remaining.as_mut() {
                let n = (*r).min(chunk.len() as u64);
                chunk.truncate(n as usize);
                *r -= n;
            }
            if !chunk.is_empty() {
                return Ok(Some(chunk));
            }
        }
    }
}

#[allow(clippy::large_enum_variant)] // Boxed as a whole in HttpBlobReader.
enum Mode<B> {
    Verified(VerifyingReader<BodyReader<B>>),
    Range(BodyReader<B>),
}

/// A blob read over HTTP: the whole blob verified against its digest, or an unverifiable range.
pub struct HttpBlobReader<B>(Box<Mode<B>>);

impl<B: BodyStream> BlobReader for HttpBlobReader<B> {
    fn descriptor(&self) -> &Descriptor {
        match &*self.0 {
            Mode::Verified(r) => r.descriptor(),
            Mode::Range(r) => r.descriptor(),
        }
    }

    async fn next_chunk(&mut self) -> Result<Option<Bytes>, Error> {
        match &mut *self.0 {
            Mode::Verified(r) => r.next_chunk().await,
            Mode::Range(r) => r.next_chunk().await,
        }
    }
}
