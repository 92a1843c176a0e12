//! Manifest endpoints: GET/HEAD, PUT (by tag or digest) and DELETE.

use hyper::{Response, StatusCode};
use ociscope_core::headers::{format_content_digest, names};
use ociscope_core::manifest::{requested_kind, Manifest, ParseOptions};
use ociscope_core::spec::{BytesReader, ManifestRef, Spec};
use ociscope_core::ErrorCode;

use crate::body::{empty, read_limited, Body, ReadError};
use crate::error::{Failure, HttpError};
use crate::route::percent_encode_path;
use crate::server::{check_name, response, stream_body, Ctx, Server};

/// Parses a tag or digest reference, answering `DIGEST_INVALID` or `MANIFEST_INVALID`.
///
/// Used for pushes; reads and deletes go through [`check_read_reference`].
fn check_reference(reference: &str) -> Result<ManifestRef, HttpError> {
    let parsed = ManifestRef::parse(reference).map_err(|e| {
        let code = if reference.contains(':') {
            ErrorCode::DigestInvalid
        } else {
            ErrorCode::ManifestInvalid
        };
        HttpError::new(code, e.to_string())
    })?;
    if let ManifestRef::Digest(d) = &parsed {
        d.verifiable_algorithm()
            .map_err(|e| HttpError::new(ErrorCode::DigestInvalid, e.to_string()))?;
    }
    Ok(parsed)
}

/// A reference to read or delete: as [`check_reference`], except that a tag that cannot exist
/// (it breaks the tag grammar, e.g. `.INVALID_MANIFEST_NAME`) answers 404 `MANIFEST_UNKNOWN`,
/// as CNCF distribution does and the distribution-spec conformance suite expects: no manifest
/// can be found under it. A malformed digest stays 400 `DIGEST_INVALID`.
fn check_read_reference(reference: &str) -> Result<ManifestRef, HttpError> {
    check_reference(reference).map_err(|e| {
        if reference.contains(':') {
            e
        } else {
            HttpError::new(
                ErrorCode::ManifestUnknown,
                format!(
                    "no manifest is tagged {reference:?}: it breaks the tag grammar \
                     [A-Za-z0-9_][A-Za-z0-9._-]{{0,127}}"
                ),
            )
        }
    })
}

impl<S: Spec + 'static> Server<S> {
    pub(crate) async fn get_manifest(
        &self,
        ctx: &mut Ctx,
        name: &str,
        reference: &str,
    ) -> Result<Response<Body>, Failure> {
        let name = &check_name(name)?;
        let reference = check_read_reference(reference)?;
        let spec = &self.inner.spec;
        let headers = |d: &ociscope_core::Descriptor| {
            vec![
                (names::CONTENT_TYPE, d.media_type.clone()),
                (names::CONTENT_LENGTH, d.size.to_string()),
                (
                    names::DOCKER_CONTENT_DIGEST,
                    format_content_digest(&d.digest),
                ),
                (names::ETAG, format!("\"{}\"", d.digest)),
            ]
        };
        if ctx.is_head() {
            let d = spec.stat_manifest(name, &reference).await?;
            return Ok(response(StatusCode::OK, &headers(&d), empty()));
        }
        let m = spec.get_manifest(name, &reference).await?;
        let d = m.descriptor;
        let len = m.content.len() as u64;
        let reader = BytesReader::new(d.clone(), m.content, 64 * 1024);
        let mut h = headers(&d);
        h[1].1 = len.to_string();
        Ok(response(
            StatusCode::OK,
            &h,
            stream_body(reader, len, ctx.fault),
        ))
    }

    pub(crate) async fn put_manifest(
        &self,
        ctx: &mut Ctx,
        name: &str,
        reference: &str,
    ) -> Result<Response<Body>, Failure> {
        let name = &check_name(name)?;
        let reference = check_reference(reference)?;
        let limit = self.inner.config.max_manifest_size;
        let too_large = |size: String| {
            HttpError::with_status(
                413,
                ErrorCode::SizeInvalid,
                format!("manifest of {size} bytes is over the {limit}-byte limit"),
            )
        };
        if let Some(len) = ctx.content_length()? {
            if len > limit {
                return Err(too_large(len.to_string()).into());
            }
        }
        let content_type = ctx
            .header(names::CONTENT_TYPE)
            .map(|v| v.split(';').next().unwrap_or("").trim().to_string());
        let content = match read_limited(&mut ctx.body, limit).await {
            Ok(c) => c,
            Err(ReadError::TooLarge) => return Err(too_large("more than that".into()).into()),
            Err(ReadError::Io(e)) => return Err(Failure::Reset(e.to_string())),
        };
        let options = ParseOptions {
            max_size: limit as usize,
        };
        let parsed = Manifest::parse_with(&content, content_type.as_deref(), &options)
            .map_err(|e| HttpError::new(ErrorCode::ManifestInvalid, e.to_string()))?;
        // The media type stored: the Content-Type when it names a manifest kind, else the kind's.
        let media_type = match requested_kind(content_type.as_deref()) {
            Ok(Some(_)) => content_type.clone().unwrap_or_default(),
            _ => parsed.media_type().to_string(),
        };
        let tags = match &reference {
            ManifestRef::Tag(tag) => vec![tag.clone()],
            ManifestRef::Digest(d) => {
                parsed
                    .verify(d)
                    .map_err(|e| HttpError::new(ErrorCode::DigestInvalid, e.to_string()))?;
                Vec::new()
            }
        };
        let stored = self
            .inner
            .spec
            .push_manifest(name, &media_type, content, &tags)
            .await?;
        let mut headers = vec![
            (
                names::LOCATION,
                format!(
                    "/v2/{}/manifests/{}",
                    percent_encode_path(name),
                    stored.digest
                ),
            ),
            (
                names::DOCKER_CONTENT_DIGEST,
                format_content_digest(&stored.digest),
            ),
            (names::CONTENT_LENGTH, "0".to_string()),
        ];
        if let Some(subject) = parsed.subject() {
            headers.push((names::OCI_SUBJECT, subject.digest.to_string()));
        }
        Ok(response(StatusCode::CREATED, &headers, empty()))
    }

    pub(crate) async fn delete_manifest(
        &self,
        _ctx: &mut Ctx,
        name: &str,
        reference: &str,
    ) -> Result<Response<Body>, Failure> {
        let name = &check_name(name)?;
        match check_read_reference(reference)? {
            ManifestRef::Digest(d) => self.inner.spec.delete_manifest(name, &d).await?,
            ManifestRef::Tag(t) => self.inner.spec.delete_tag(name, &t).await?,
        }
        Ok(response(
            StatusCode::ACCEPTED,
            &[(names::CONTENT_LENGTH, "0".into())],
            empty(),
        ))
    }
}
