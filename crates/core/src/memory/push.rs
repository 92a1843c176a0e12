//! Storing a manifest: parsing, checking what it references, indexing its subject and tags.

use bytes::Bytes;

use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::manifest::Manifest;
use crate::media_type;
use crate::registry_error::ErrorCode;
use crate::spec::Error;

use super::referrers;
use super::state::{Repository, State, StoredManifest};
use crate::spec::Tag;

/// Content known from its digest alone: `{}` (the OCI empty descriptor's) and zero bytes.
const KNOWN_CONTENT: [&[u8]; 2] = [media_type::empty::CONTENT, b""];

/// `MANIFEST_INVALID` with a reason.
fn invalid(message: impl Into<String>) -> Error {
    Error::code(ErrorCode::ManifestInvalid, message)
}

/// Stores a manifest in `repo` (created if missing) and points `tags` at it.
///
/// Nothing changes unless every check passes (see the module doc of `memory` for the rules).
pub(crate) fn push_manifest(
    state: &mut State,
    repo: &str,
    media_type: &str,
    content: Bytes,
    tags: &[Tag],
) -> Result<Descriptor, Error> {
    let manifest = Manifest::parse(&content, Some(media_type))
        .map_err(|e| invalid(format!("manifest refused: {e}")))?;
    if manifest.kind().is_schema1() {
        return Err(invalid(
            "Docker schema 1 manifests are deprecated and not accepted: push the image as \
             Docker schema 2 or OCI",
        ));
    }
    let implied = check_references(state.repo(repo), &manifest)?;

    let digest = manifest.digest().clone();
    let target = state.repo_mut_or_create(repo);
    for (d, bytes) in implied {
        target.blobs.entry(d).or_insert(bytes);
    }
    let subject = manifest.subject().map(|s| s.digest.clone());
    if let Some(subject) = &subject {
        referrers::add(target, subject, referrers::referrer_descriptor(&manifest));
    }
    let stored = StoredManifest {
        media_type: manifest.media_type().to_string(),
        content,
        subject,
    };
    let descriptor = stored.descriptor(&digest);
    target.manifests.insert(digest.clone(), stored);
    for tag in tags {
        target.tags.insert(tag.to_string(), digest.clone());
    }
    Ok(descriptor)
}

/// Checks that what the manifest references is in the repository; returns the blobs whose
/// content is known without a push (empty content, embedded `data`), to be stored with it.
fn check_references(
    repo: Option<&Repository>,
    manifest: &Manifest,
) -> Result<Vec<(Digest, Bytes)>, Error> {
    let mut implied = Vec::new();
    for blob in manifest.config().into_iter().chain(manifest.layers()) {
        if let Some(bytes) = check_blob(repo, blob)? {
            implied.push((blob.digest.clone(), bytes));
        }
    }
    for child in manifest.manifests() {
        let stored = repo.and_then(|r| r.manifests.get(&child.digest));
        let Some(stored) = stored else {
            return Err(Error::code(
                ErrorCode::ManifestBlobUnknown,
                format!(
                    "index lists manifest {} which this repository does not hold: push it first",
                    child.digest
                ),
            ));
        };
        if stored.content.len() as u64 != child.size {
            return Err(invalid(format!(
                "index gives manifest {} a size of {} bytes, but it is {} bytes",
                child.digest,
                child.size,
                stored.content.len()
            )));
        }
    }
    Ok(implied)
}

/// Checks one config or layer descriptor; `Some(content)` when it must be stored implicitly.
fn check_blob(repo: Option<&Repository>, blob: &Descriptor) -> Result<Option<Bytes>, Error> {
    if let Some(stored) = repo.and_then(|r| r.blobs.get(&blob.digest)) {
        if stored.len() as u64 != blob.size {
            return Err(invalid(format!(
                "descriptor gives blob {} a size of {} bytes, but it is {} bytes",
                blob.digest,
                blob.size,
                stored.len()
            )));
        }
        return Ok(None);
    }
    unstored_blob(blob)
}

/// What a manifest may reference without the repository holding it: well-known content
/// (the empty JSON, stored implicitly: `Some`), embedded `data` (stored: `Some`), or a
/// non-distributable layer with `urls` (`None`); anything else is `MANIFEST_BLOB_UNKNOWN`.
pub fn unstored_blob(blob: &Descriptor) -> Result<Option<Bytes>, Error> {
    if let Some(known) = KNOWN_CONTENT
        .iter()
        .find(|c| blob.digest.as_str() == Digest::sha256_of(c).as_str())
    {
        if blob.size != known.len() as u64 {
            return Err(invalid(format!(
                "descriptor gives blob {} a size of {} bytes, but its content is {} bytes",
                blob.digest,
                blob.size,
                known.len()
            )));
        }
        return Ok(Some(Bytes::from_static(known)));
    }
    if blob.data.is_some() {
        return match blob.decoded_data() {
            Ok(data) => Ok(data.map(Bytes::from)),
            Err(e) => Err(invalid(format!(
                "embedded data of blob {} is wrong: {e}",
                blob.digest
            ))),
        };
    }
    if media_type::is_nondistributable(&blob.media_type) && !blob.urls.is_empty() {
        return Ok(None);
    }
    Err(Error::code(
        ErrorCode::ManifestBlobUnknown,
        format!(
            "manifest references blob {} ({}) which this repository does not hold: push it first",
            blob.digest, blob.media_type
        ),
    ))
}
