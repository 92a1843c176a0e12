//! Blob endpoints: GET/HEAD (with byte ranges) and DELETE.
//!
//! With [`BlobUrls`] set (`--blob-redirect SECONDS` over S3 storage), a whole-blob GET is
//! answered `307 Temporary Redirect` to a short-lived presigned URL of the object store, as
//! distribution's `redirect` storage middleware does, so large pulls do not pass through the
//! server. The server still checks first that the repository holds the blob (404 otherwise);
//! HEAD and ranged GETs are answered by the server itself. The client verifies the digest of
//! what the store sends, as for any blob.

use std::future::Future;
use std::pin::Pin;

use hyper::{Response, StatusCode};
use ociscope_core::headers::{format_content_digest, names, RangeOutcome};
use ociscope_core::spec::{Error, RepoName, Spec};
use ociscope_core::{Digest, ErrorCode};

use crate::body::{empty, Body};
use crate::error::{Failure, HttpError};
use crate::server::{check_digest, check_name, response, stream_body, Ctx, Server};

/// A future of a presigned URL (or none).
pub type BlobUrlFuture<'a> = Pin<Box<dyn Future<Output = Result<Option<String>, Error>> + 'a>>;

/// Where blob GETs may be redirected: a presigned URL of a blob's stored object.
pub trait BlobUrls {
    /// A URL serving `digest` of `repo` straight from storage, or `None` to serve it here.
    fn blob_url<'a>(&'a self, repo: &'a RepoName, digest: &'a Digest) -> BlobUrlFuture<'a>;
}

impl<S: Spec + 'static> Server<S> {
    pub(crate) async fn get_blob(
        &self,
        ctx: &mut Ctx,
        name: &str,
        digest: &str,
    ) -> Result<Response<Body>, Failure> {
        let name = &check_name(name)?;
        let digest = check_digest(digest)?;
        let spec = &self.inner.spec;
        let d = spec.stat_blob(name, &digest).await?;
        let mut headers = vec![
            (names::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                names::DOCKER_CONTENT_DIGEST,
                format_content_digest(&d.digest),
            ),
            (names::ETAG, format!("\"{}\"", d.digest)),
            ("accept-ranges", "bytes".to_string()),
        ];
        match RangeOutcome::for_request(ctx.header(names::RANGE), d.size) {
            RangeOutcome::Unsatisfiable(why) => {
                Err(HttpError::new(ErrorCode::RangeInvalid, why.to_string())
                    .header(names::CONTENT_RANGE, why.content_range().to_string())
                    .into())
            }
            RangeOutcome::Partial(range) => {
                headers.push((names::CONTENT_LENGTH, range.len().to_string()));
                headers.push((names::CONTENT_RANGE, range.content_range().to_string()));
                let body = if ctx.is_head() {
                    empty()
                } else {
                    let reader = spec
                        .get_blob_range(name, &digest, range.start, Some(range.end + 1))
                        .await?;
                    stream_body(reader, range.len(), ctx.fault)
                };
                Ok(response(StatusCode::PARTIAL_CONTENT, &headers, body))
            }
            RangeOutcome::Full => {
                if let (false, Some(urls)) = (ctx.is_head(), &self.inner.blob_urls) {
                    if let Some(url) = urls.blob_url(name, &digest).await? {
                        headers.retain(|(n, _)| *n != names::CONTENT_TYPE);
                        headers.push(("location", url));
                        headers.push((names::CONTENT_LENGTH, "0".to_string()));
                        return Ok(response(StatusCode::TEMPORARY_REDIRECT, &headers, empty()));
                    }
                }
                headers.push((names::CONTENT_LENGTH, d.size.to_string()));
                let body = if ctx.is_head() {
                    empty()
                } else {
                    stream_body(spec.get_blob(name, &digest).await?, d.size, ctx.fault)
                };
                Ok(response(StatusCode::OK, &headers, body))
            }
        }
    }

    pub(crate) async fn delete_blob(
        &self,
        _ctx: &mut Ctx,
        name: &str,
        digest: &str,
    ) -> Result<Response<Body>, Failure> {
        let name = &check_name(name)?;
        let digest = check_digest(digest)?;
        self.inner.spec.delete_blob(name, &digest).await?;
        Ok(response(
            StatusCode::ACCEPTED,
            &[(names::CONTENT_LENGTH, "0".into())],
            empty(),
        ))
    }
}
