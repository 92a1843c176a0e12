//! Blob endpoints: GET/HEAD (with byte ranges) and DELETE.

use hyper::{Response, StatusCode};
use ociscope_core::headers::{format_content_digest, names, RangeOutcome};
use ociscope_core::spec::Spec;
use ociscope_core::ErrorCode;

use crate::body::{empty, Body};
use crate::error::{Failure, HttpError};
use crate::server::{check_digest, check_name, response, stream_body, Ctx, Server};

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
