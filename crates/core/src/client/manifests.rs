//! Manifests: stat (HEAD), get (verified, at most 4 MiB), push under tags or digest, delete.

use bytes::Bytes;
use serde_json::Value;

use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::headers::names::{
    ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, DOCKER_CONTENT_DIGEST, OCI_SUBJECT,
};
use crate::headers::{parse_content_digest, Scope};
use crate::manifest::detect;
use crate::media_type;
use crate::registry_error::ErrorCode;
use crate::spec::{Error, ErrorKind, ManifestBytes, ManifestRef, Tag};

use super::transport::{Headers, Method, Transport};
use super::{protocol, referrers, Call, HttpSpec, MAX_MANIFEST_BYTES};

fn too_large(size: u64) -> Error {
    Error::code(
        ErrorCode::ManifestInvalid,
        format!(
            "manifest of {size} bytes refused: manifests are limited to {MAX_MANIFEST_BYTES} bytes"
        ),
    )
}

/// The `Docker-Content-Digest` of an answer, if it sent a valid one.
pub(crate) fn header_digest(headers: &Headers) -> Result<Option<Digest>, Error> {
    match headers.get(DOCKER_CONTENT_DIGEST) {
        Some(v) => parse_content_digest(v)
            .map(Some)
            .map_err(|e| protocol(e.to_string())),
        None => Ok(None),
    }
}

fn content_length(headers: &Headers) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.trim().parse().ok())
}

fn manifest_call<T: Transport>(
    spec: &HttpSpec<T>,
    method: Method,
    repo: &str,
    reference: &ManifestRef,
) -> Result<Call, Error> {
    let url = spec.registry().manifest_url(repo, reference)?;
    Ok(Call::new(method, url, vec![Scope::pull(repo)])
        .header(ACCEPT, media_type::accept_header())
        .not_found(ErrorCode::ManifestUnknown))
}

/// The descriptor from a HEAD answer; `None` when it lacks what is needed (then GET instead).
pub async fn stat<T: Transport>(
    spec: &HttpSpec<T>,
    repo: &str,
    reference: &ManifestRef,
) -> Result<Descriptor, Error> {
    let call = manifest_call(spec, Method::Head, repo, reference)?;
    let answered = spec.exchange(&call).await?;
    let h = &answered.response.headers;
    let digest = header_digest(h)?;
    let media = h.get(CONTENT_TYPE).map(media_type::essence);
    let size = content_length(h);
    if let (Some(want), Some(got)) = (reference.digest(), &digest) {
        if want != got {
            return Err(protocol(format!(
                "asked for manifest {want}, the registry answered {got}"
            )));
        }
    }
    match (digest, media, size) {
        (Some(d), Some(m), Some(s)) if media_type::is_manifest(&m) => {
            if s > MAX_MANIFEST_BYTES {
                return Err(too_large(s));
            }
            Ok(Descriptor::new(m, d, s))
        }
        // Not enough in the headers: the body tells (and is verified).
        _ => Ok(get(spec, repo, reference).await?.descriptor),
    }
}

/// The manifest's bytes, checked against the digest asked for and the one the registry names.
pub async fn get<T: Transport>(
    spec: &HttpSpec<T>,
    repo: &str,
    reference: &ManifestRef,
) -> Result<ManifestBytes, Error> {
    let call = manifest_call(spec, Method::Get, repo, reference)?;
    let mut answered = spec.exchange(&call).await?;
    let h = answered.response.headers.clone();
    if let Some(size) = content_length(&h).filter(|s| *s > MAX_MANIFEST_BYTES) {
        return Err(too_large(size));
    }
    let content =
        match super::transport::read_body(&mut answered.response.body, MAX_MANIFEST_BYTES).await {
            Ok(c) => c,
            Err(Error::Other {
                kind: ErrorKind::Protocol,
                ..
            }) => return Err(too_large(MAX_MANIFEST_BYTES + 1)),
            Err(e) => return Err(e),
        };
    let named = header_digest(&h)?;
    for d in reference.digest().into_iter().chain(named.as_ref()) {
        if d.known_algorithm().is_some() {
            d.verify(&content)?;
        }
    }
    let digest = match (reference.digest(), named) {
        (Some(d), _) => d.clone(),
        (None, Some(d)) if d.known_algorithm().is_some() => d,
        _ => Digest::sha256_of(&content),
    };
    let media = h
        .get(CONTENT_TYPE)
        .map(media_type::essence)
        .filter(|m| media_type::is_manifest(m))
        .or_else(|| detect(&content).map(|k| k.media_type().to_string()))
        .ok_or_else(|| protocol("the registry answered a manifest of no known media type"))?;
    Ok(ManifestBytes {
        descriptor: Descriptor::new(media, digest, content.len() as u64),
        content,
    })
}

/// Pushes under each tag (or by digest when there are none); keeps the referrers fallback
/// index up to date when the manifest has a subject and the registry does not handle it.
pub async fn push<T: Transport>(
    spec: &HttpSpec<T>,
    repo: &str,
    media: &str,
    content: Bytes,
    tags: &[Tag],
) -> Result<Descriptor, Error> {
    let (descriptor, subject_handled) = put(spec, repo, media, content.clone(), tags).await?;
    if !subject_handled {
        if let Some((subject, entry)) = referrer_entry(&content, &descriptor) {
            referrers::add_to_fallback(spec, repo, &subject, entry).await?;
        }
    }
    Ok(descriptor)
}

/// PUTs the manifest under each tag (or its digest); also says whether the registry answered
/// `OCI-Subject` (it handles referrers itself).
pub(crate) async fn put<T: Transport>(
    spec: &HttpSpec<T>,
    repo: &str,
    media: &str,
    content: Bytes,
    tags: &[Tag],
) -> Result<(Descriptor, bool), Error> {
    let size = content.len() as u64;
    if size > MAX_MANIFEST_BYTES {
        return Err(too_large(size));
    }
    let digest = Digest::sha256_of(&content);
    let mut targets: Vec<ManifestRef> = tags.iter().map(|t| ManifestRef::Tag(t.clone())).collect();
    if targets.is_empty() {
        targets.push(ManifestRef::Digest(digest.clone()));
    }
    let mut subject_handled = false;
    for target in &targets {
        let url = spec.registry().manifest_url(repo, target)?;
        let call = Call::new(Method::Put, url, vec![Scope::pull_push(repo)])
            .header(CONTENT_TYPE, media)
            .body(content.clone())
            .not_found(ErrorCode::NameUnknown);
        let answered = spec.exchange(&call).await?;
        let h = &answered.response.headers;
        if let Some(got) = header_digest(h)? {
            if got.algorithm() == digest.algorithm() && got != digest {
                return Err(protocol(format!(
                    "pushed manifest {digest}, the registry stored {got}"
                )));
            }
        }
        subject_handled |= h.get(OCI_SUBJECT).is_some();
    }
    Ok((Descriptor::new(media, digest, size), subject_handled))
}

/// For a manifest with a `subject`: the subject's digest and this manifest's referrers entry
/// (artifactType, else the config media type; annotations).
pub(crate) fn referrer_entry(
    content: &[u8],
    descriptor: &Descriptor,
) -> Option<(Digest, Descriptor)> {
    let value: Value = serde_json::from_slice(content).ok()?;
    let subject = Digest::parse(value.get("subject")?.get("digest")?.as_str()?).ok()?;
    let mut entry = descriptor.clone();
    entry.artifact_type = value
        .get("artifactType")
        .and_then(Value::as_str)
        .or_else(|| value.get("config")?.get("mediaType")?.as_str())
        .map(str::to_string);
    if let Some(Value::Object(a)) = value.get("annotations") {
        entry.annotations = a
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect();
    }
    Some((subject, entry))
}

/// Deletes by digest (the manifest and its tags) or by tag (the tag only).
pub async fn delete<T: Transport>(
    spec: &HttpSpec<T>,
    repo: &str,
    reference: &ManifestRef,
) -> Result<(), Error> {
    let url = spec.registry().manifest_url(repo, reference)?;
    let call = Call::new(
        Method::Delete,
        url,
        vec![Scope::repository(repo, &["delete"])],
    )
    .not_found(ErrorCode::ManifestUnknown);
    match (spec.exchange(&call).await, reference) {
        (Ok(_), _) => Ok(()),
        // CNCF distribution 2.x answers a tag delete with DIGEST_INVALID (or 405 UNSUPPORTED).
        (Err(e), ManifestRef::Tag(tag))
            if e.has_code(ErrorCode::DigestInvalid) || e.has_code(ErrorCode::Unsupported) =>
        {
            Err(Error::other(
                ErrorKind::Unsupported,
                format!(
                    "this registry cannot delete tag {tag:?} alone ({e}); delete the manifest \
                     by digest (which removes all its tags) or push another manifest under the tag"
                ),
            ))
        }
        (Err(e), _) => Err(e),
    }
}
