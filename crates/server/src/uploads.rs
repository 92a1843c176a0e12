//! Blob upload endpoints: POST (monolithic, mount or start), PATCH, PUT, GET status, DELETE.
//!
//! Decisions:
//! - Open uploads are kept in a table (repository, id) → the `Spec`'s writer; an id the table
//!   does not hold is resumed through `Spec::resume_upload` (an upload started elsewhere).
//!   A request that finds its upload busy in another request gets 400 `BLOB_UPLOAD_INVALID`.
//! - Request bodies stream into the writer chunk by chunk (memory stays flat). Declared lengths
//!   (`Content-Length`, `Content-Range`) are checked before any byte is written; a chunk cut
//!   short by a broken connection leaves the upload holding what arrived, and the status
//!   endpoint says where it stands (as CNCF distribution does).
//! - A chunk whose `Content-Range` does not start where the upload stands → 416 with the
//!   upload's `Range`; nothing is written.
//! - A failed commit (digest or size mismatch) cancels the upload: nothing is stored.
//! - Monolithic POST `?digest=` streams through an upload too, cancelled on any failure.
//! - A mount that cannot be done (blob or source unknown, mount unsupported) starts an upload
//!   instead (202), as the spec allows.

use hyper::body::Incoming;
use hyper::{Response, StatusCode};
use ociscope_core::digest::Digest;
use ociscope_core::headers::{
    format_chunk_min_length, format_content_digest, names, ChunkRange, UploadRange,
};
use ociscope_core::spec::{BlobWriter, Mount, RepoName, ResumeAt, Spec};
use ociscope_core::ErrorCode;

use crate::body::{drain, empty, next_data, Body};
use crate::error::{Failure, HttpError};
use crate::route::{percent_encode_path, percent_encode_segment};
use crate::server::{check_digest, check_name, response, Ctx, Server, Slot};

fn blob_location(name: &str, digest: &Digest) -> String {
    format!("/v2/{}/blobs/{}", percent_encode_path(name), digest)
}

fn upload_location(name: &str, id: &str) -> String {
    format!(
        "/v2/{}/blobs/uploads/{}",
        percent_encode_path(name),
        percent_encode_segment(id)
    )
}

/// Headers of an answer about an open upload.
fn progress_headers(name: &str, id: &str, size: u64) -> Vec<(&'static str, String)> {
    vec![
        (names::LOCATION, upload_location(name, id)),
        (names::RANGE, UploadRange::new(size).to_string()),
        (names::DOCKER_UPLOAD_UUID, id.to_string()),
        (names::CONTENT_LENGTH, "0".to_string()),
    ]
}

/// 416 for a request the upload refuses as it stands, with the upload's `Range` and
/// `Location` so that the client can continue from there.
fn refused_chunk(name: &str, id: &str, size: u64, message: String) -> HttpError {
    HttpError::with_status(416, ErrorCode::RangeInvalid, message)
        .header(names::RANGE, UploadRange::new(size).to_string())
        .header(names::LOCATION, upload_location(name, id))
}

fn request_too_large(length: u64) -> String {
    format!("a request body of {length} bytes is over this registry's request limit")
}

fn too_large(limit: u64) -> HttpError {
    HttpError::with_status(
        413,
        ErrorCode::SizeInvalid,
        format!("blob over the {limit}-byte limit of this server"),
    )
}

/// Streams a request body into `writer`: at most `limit` bytes in the whole blob, exactly
/// `expect` bytes in this body when given.
async fn stream_into<W: BlobWriter>(
    writer: &mut W,
    body: &mut Incoming,
    limit: u64,
    expect: Option<u64>,
) -> Result<(), Failure> {
    let mut received = 0u64;
    while let Some(chunk) = next_data(body)
        .await
        .map_err(|e| Failure::Reset(e.to_string()))?
    {
        let n = chunk.len() as u64;
        if writer.size() + n > limit {
            return Err(too_large(limit).into());
        }
        if expect.is_some_and(|e| received + n > e) {
            return Err(HttpError::new(
                ErrorCode::SizeInvalid,
                "body longer than its Content-Range",
            )
            .into());
        }
        writer.write(&chunk).await?;
        received += n;
    }
    match expect {
        Some(e) if e != received => Err(HttpError::new(
            ErrorCode::SizeInvalid,
            format!("body of {received} bytes, Content-Range said {e}"),
        )
        .into()),
        _ => Ok(()),
    }
}

/// The chunk a request declares: its `Content-Range` (checked against `Content-Length`).
fn declared_chunk(ctx: &Ctx) -> Result<Option<ChunkRange>, HttpError> {
    let length = ctx.content_length()?;
    let Some(value) = ctx.header(names::CONTENT_RANGE) else {
        return Ok(None);
    };
    let range = ChunkRange::parse(value)
        .map_err(|e| HttpError::new(ErrorCode::BlobUploadInvalid, e.to_string()))?;
    if let Some(length) = length {
        if length != range.len() {
            return Err(HttpError::new(
                ErrorCode::SizeInvalid,
                format!("Content-Length {length} does not match Content-Range {range}"),
            ));
        }
    }
    Ok(Some(range))
}

/// An upload taken out of the table for one request; put back (or forgotten) when dropped,
/// also when the request's future is dropped half-way by a closed connection.
struct Taken<'a, S: Spec> {
    server: &'a Server<S>,
    key: (String, String),
    writer: Option<S::Writer>,
    keep: bool,
}

impl<S: Spec> Taken<'_, S> {
    fn writer(&mut self) -> &mut S::Writer {
        self.writer.as_mut().expect("writer present until drop")
    }
}

impl<S: Spec> Drop for Taken<'_, S> {
    fn drop(&mut self) {
        let mut table = self.server.inner.uploads.borrow_mut();
        match self.writer.take() {
            Some(w) if self.keep => {
                table.insert(self.key.clone(), Slot::Idle(w));
            }
            _ => {
                table.remove(&self.key);
            }
        }
    }
}

impl<S: Spec + 'static> Server<S> {
    /// Takes an open upload out of the table (or resumes it from the store) for one request.
    async fn take_upload(&self, name: &str, id: &str) -> Result<Taken<'_, S>, Failure> {
        let key = (name.to_string(), id.to_string());
        let taken = |writer| Taken {
            server: self,
            key: key.clone(),
            writer: Some(writer),
            keep: true,
        };
        {
            let mut table = self.inner.uploads.borrow_mut();
            match table.remove(&key) {
                Some(Slot::Idle(w)) => {
                    table.insert(key.clone(), Slot::Busy);
                    return Ok(taken(w));
                }
                Some(Slot::Busy) => {
                    table.insert(key.clone(), Slot::Busy);
                    return Err(HttpError::new(
                        ErrorCode::BlobUploadInvalid,
                        "another request is writing to this upload",
                    )
                    .into());
                }
                None => {}
            }
        }
        match self
            .inner
            .spec
            .resume_upload(&check_name(name)?, id, ResumeAt::RegistryOffset, None)
            .await
        {
            Ok(w) => {
                self.inner
                    .uploads
                    .borrow_mut()
                    .insert(key.clone(), Slot::Busy);
                Ok(taken(w))
            }
            Err(e) if e.is_not_found() || e.kind().is_some() || e.status() == Some(400) => {
                Err(HttpError::new(
                    ErrorCode::BlobUploadUnknown,
                    format!("no upload {id:?} in {name:?}: {e}"),
                )
                .into())
            }
            Err(e) => Err(e.into()),
        }
    }

    fn put_back(&self, name: &str, id: &str, writer: S::Writer) {
        self.inner
            .uploads
            .borrow_mut()
            .insert((name.to_string(), id.to_string()), Slot::Idle(writer));
    }

    pub(crate) async fn start_upload(
        &self,
        ctx: &mut Ctx,
        name: &str,
    ) -> Result<Response<Body>, Failure> {
        let name = &check_name(name)?;
        let spec = &self.inner.spec;
        if let Some(mount) = ctx.param("mount").map(str::to_string) {
            let digest = check_digest(&mount)?;
            if let Some(from) = ctx.param("from").map(str::to_string) {
                let from = check_name(&from)?;
                match spec.mount_blob(&from, name, &digest).await {
                    Ok(Mount::Mounted) => {
                        return Ok(response(
                            StatusCode::CREATED,
                            &[
                                (names::LOCATION, blob_location(name, &digest)),
                                (names::DOCKER_CONTENT_DIGEST, format_content_digest(&digest)),
                                (names::CONTENT_LENGTH, "0".into()),
                            ],
                            empty(),
                        ))
                    }
                    // Not mounted: the session the registry opened is the upload (202).
                    Ok(Mount::Upload(writer)) => return Ok(self.opened(name, writer)),
                    Err(e) => return Err(e.into()),
                }
            }
        } else if let Some(digest) = ctx.param("digest").map(str::to_string) {
            return self.monolithic(ctx, name, &digest).await;
        }
        let writer = spec.start_upload(name, None).await?;
        Ok(self.opened(name, writer))
    }

    /// Keeps `writer` as an upload session of `name` and answers 202 with where to send it.
    fn opened(&self, name: &RepoName, writer: S::Writer) -> Response<Body> {
        let id = writer.id().to_string();
        let size = writer.size();
        self.put_back(name, &id, writer);
        let mut headers = progress_headers(name, &id, size);
        headers.push((
            names::OCI_CHUNK_MIN_LENGTH,
            format_chunk_min_length(
                self.inner
                    .config
                    .quirks
                    .chunk_min
                    .unwrap_or(self.inner.config.chunk_min_length),
            ),
        ));
        response(StatusCode::ACCEPTED, &headers, empty())
    }

    async fn monolithic(
        &self,
        ctx: &mut Ctx,
        name: &RepoName,
        digest: &str,
    ) -> Result<Response<Body>, Failure> {
        let digest = check_digest(digest)?;
        let limit = self.inner.config.max_blob_size;
        let length = ctx.content_length()?;
        if length.is_some_and(|l| l > limit) {
            return Err(too_large(limit).into());
        }
        if let Some(l) = length.filter(|&l| self.inner.config.quirks.refuses_request(l)) {
            drain(&mut ctx.body).await;
            return Err(
                HttpError::with_status(416, ErrorCode::SizeInvalid, request_too_large(l)).into(),
            );
        }
        let mut writer = self.inner.spec.start_upload(name, None).await?;
        let result = match stream_into(&mut writer, &mut ctx.body, limit, length).await {
            Ok(()) => writer.commit(&digest).await.map_err(Failure::from),
            Err(e) => Err(e),
        };
        match result {
            Ok(stored) => Ok(response(
                StatusCode::CREATED,
                &[
                    (names::LOCATION, blob_location(name, &stored.digest)),
                    (
                        names::DOCKER_CONTENT_DIGEST,
                        format_content_digest(&stored.digest),
                    ),
                    (names::CONTENT_LENGTH, "0".into()),
                ],
                empty(),
            )),
            Err(e) => {
                let _ = writer.cancel().await;
                Err(e)
            }
        }
    }

    pub(crate) async fn upload_status(
        &self,
        _ctx: &mut Ctx,
        name: &str,
        id: &str,
    ) -> Result<Response<Body>, Failure> {
        let name = &check_name(name)?;
        let mut taken = self.take_upload(name, id).await?;
        let size = taken.writer().size();
        Ok(response(
            StatusCode::NO_CONTENT,
            &progress_headers(name, id, size),
            empty(),
        ))
    }

    pub(crate) async fn patch_upload(
        &self,
        ctx: &mut Ctx,
        name: &str,
        id: &str,
    ) -> Result<Response<Body>, Failure> {
        let name = &check_name(name)?;
        let chunk = declared_chunk(ctx)?;
        let length = chunk.map(|c| c.len()).or(ctx.content_length()?);
        let limit = self.inner.config.max_blob_size;
        let mut taken = self.take_upload(name, id).await?;
        let size = taken.writer().size();
        if let Some(chunk) = chunk {
            if chunk.start != size {
                return Err(refused_chunk(
                    name,
                    id,
                    size,
                    format!(
                        "chunk starts at {} but the upload holds {size} bytes",
                        chunk.start
                    ),
                )
                .into());
            }
        }
        if length.is_some_and(|l| size + l > limit) {
            return Err(too_large(limit).into());
        }
        let quirks = self.inner.config.quirks;
        if let Some(l) = length {
            if quirks.refuses_request(l) {
                drain(&mut ctx.body).await;
                return Err(refused_chunk(name, id, size, request_too_large(l)).into());
            }
            if let Some(min) = quirks.chunk_min.filter(|&min| l < min) {
                drain(&mut ctx.body).await;
                return Err(refused_chunk(
                    name,
                    id,
                    size,
                    format!("a chunk of {l} bytes is under this registry's minimum of {min}"),
                )
                .into());
            }
        }
        stream_into(taken.writer(), &mut ctx.body, limit, chunk.map(|c| c.len())).await?;
        let stored = taken.writer().size();
        let status = if quirks.patch_created {
            StatusCode::CREATED
        } else {
            StatusCode::ACCEPTED
        };
        // A stale `Range` lags one chunk behind (but never reads 0 once bytes are stored).
        let reported = if quirks.stale_range && size > 0 {
            size
        } else {
            stored
        };
        Ok(response(
            status,
            &progress_headers(name, id, reported),
            empty(),
        ))
    }

    pub(crate) async fn finish_upload(
        &self,
        ctx: &mut Ctx,
        name: &str,
        id: &str,
    ) -> Result<Response<Body>, Failure> {
        let name = &check_name(name)?;
        let digest = match ctx.param("digest") {
            Some(d) => check_digest(d)?,
            None => {
                return Err(HttpError::new(
                    ErrorCode::DigestInvalid,
                    "the digest query parameter is required to complete an upload",
                )
                .into())
            }
        };
        let chunk = declared_chunk(ctx)?;
        let length = chunk.map(|c| c.len()).or(ctx.content_length()?);
        let limit = self.inner.config.max_blob_size;
        let mut taken = self.take_upload(name, id).await?;
        let size = taken.writer().size();
        if chunk.is_some_and(|c| c.start != size) {
            return Err(refused_chunk(
                name,
                id,
                size,
                "final chunk does not continue the upload".to_string(),
            )
            .into());
        }
        if length.is_some_and(|l| size + l > limit) {
            return Err(too_large(limit).into());
        }
        let quirks = self.inner.config.quirks;
        if let Some(l) = length.filter(|&l| quirks.refuses_request(l)) {
            drain(&mut ctx.body).await;
            return Err(refused_chunk(name, id, size, request_too_large(l)).into());
        }
        if quirks.empty_put_fails && size > 0 && length.unwrap_or(0) == 0 {
            return Err(HttpError::with_status(
                500,
                ErrorCode::Unknown,
                "a committing PUT without a body fails on this registry",
            )
            .into());
        }
        stream_into(taken.writer(), &mut ctx.body, limit, chunk.map(|c| c.len())).await?;
        // From here on the upload ends either way: committed, or cancelled on a mismatch.
        taken.keep = false;
        match taken.writer().commit(&digest).await {
            Ok(stored) => Ok(response(
                StatusCode::CREATED,
                &[
                    (names::LOCATION, blob_location(name, &stored.digest)),
                    (
                        names::DOCKER_CONTENT_DIGEST,
                        format_content_digest(&stored.digest),
                    ),
                    (names::CONTENT_LENGTH, "0".into()),
                ],
                empty(),
            )),
            Err(e) => {
                let _ = taken.writer().cancel().await;
                Err(e.into())
            }
        }
    }

    pub(crate) async fn cancel_upload(
        &self,
        _ctx: &mut Ctx,
        name: &str,
        id: &str,
    ) -> Result<Response<Body>, Failure> {
        let name = &check_name(name)?;
        let mut taken = self.take_upload(name, id).await?;
        taken.keep = false;
        taken.writer().cancel().await?;
        Ok(response(
            StatusCode::NO_CONTENT,
            &[(names::CONTENT_LENGTH, "0".into())],
            empty(),
        ))
    }
}
