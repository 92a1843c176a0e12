//! Make content present at a digest or tag, pushing only what is missing (docker-library
//! meta-scripts' `EnsureBlob` / `EnsureManifest`).
//!
//! Rules:
//! - Content is checked against its descriptor (or its reference's digest) before any request:
//!   a mismatch is an [`Error::Digest`] / `DIGEST_INVALID` and nothing is sent.
//! - Content over [`SMALL_BLOB`] (64 KiB) is looked at first and not pushed when the registry
//!   has it with that digest and size; smaller content is pushed straight away (a push of
//!   present content succeeds, so asking first would cost a request more).
//! - A manifest is pushed first as it is. Only when the registry answers that something it
//!   names is missing (`MANIFEST_BLOB_UNKNOWN`, `BLOB_UNKNOWN`, `MANIFEST_UNKNOWN`) are its
//!   children made present, then it is pushed again. Each child the registry lacks gets its
//!   content from a [`ContentLookup`] (a map by digest, a closure, another registry); child
//!   manifests are ensured the same way, recursively, by digest. A child that is neither in
//!   the registry nor in the lookup (nor embedded in its descriptor's `data`) is
//!   `MANIFEST_BLOB_UNKNOWN`, naming it.
//! - Ensuring at a tag pushes with that tag; at a digest, without one.

use std::collections::HashMap;

use bytes::Bytes;
use ociscope_core::media_type;
use ociscope_core::spec::{BlobReader, Error, ErrorKind, ManifestRef, RepoName, Spec, Tag};
use ociscope_core::{Descriptor, Digest, ErrorCode};

use crate::children::children;
use crate::copy::{Transfer, SMALL_BLOB};
use crate::lookup::found;

/// Content by descriptor, for the children a registry lacks.
#[allow(async_fn_in_trait)] // No Send bounds: wasm is single-threaded.
pub trait ContentLookup {
    /// The content `descriptor` names, or `None` when this lookup does not have it.
    async fn content(&self, descriptor: &Descriptor) -> Result<Option<Bytes>, Error>;
}

/// No content: every child must be in the registry already.
impl ContentLookup for () {
    async fn content(&self, _: &Descriptor) -> Result<Option<Bytes>, Error> {
        Ok(None)
    }
}

/// Content held in memory, by digest.
impl ContentLookup for HashMap<Digest, Bytes> {
    async fn content(&self, descriptor: &Descriptor) -> Result<Option<Bytes>, Error> {
        Ok(self.get(&descriptor.digest).cloned())
    }
}

impl<T: ContentLookup> ContentLookup for &T {
    async fn content(&self, descriptor: &Descriptor) -> Result<Option<Bytes>, Error> {
        (**self).content(descriptor).await
    }
}

/// Content from a closure over the digest.
pub struct FromFn<F>(pub F);

impl<F: Fn(&Digest) -> Option<Bytes>> ContentLookup for FromFn<F> {
    async fn content(&self, descriptor: &Descriptor) -> Result<Option<Bytes>, Error> {
        Ok((self.0)(&descriptor.digest))
    }
}

/// Content from a repository of another registry (manifests by their media type, blobs
/// otherwise), read into memory up to `limit` bytes each.
pub struct FromRegistry<'a, S> {
    /// The registry read from.
    pub spec: &'a S,
    /// The repository read from.
    pub repo: &'a RepoName,
    /// Most bytes read for one piece of content.
    pub limit: u64,
}

impl<S: Spec> ContentLookup for FromRegistry<'_, S> {
    async fn content(&self, descriptor: &Descriptor) -> Result<Option<Bytes>, Error> {
        let digest = &descriptor.digest;
        if media_type::is_manifest(&descriptor.media_type) {
            let m = self
                .spec
                .get_manifest(self.repo, &ManifestRef::Digest(digest.clone()))
                .await;
            return Ok(found(m)?.map(|m| m.content));
        }
        let Some(mut reader) = found(self.spec.get_blob(self.repo, digest).await)? else {
            return Ok(None);
        };
        Ok(Some(reader.read_to_end(self.limit).await?))
    }
}

/// What ensuring did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ensured {
    /// The content's descriptor in the registry.
    pub descriptor: Descriptor,
    /// [`Transfer::Present`] or [`Transfer::Pushed`].
    pub transfer: Transfer,
}

/// Makes `content` (which must match `descriptor`) present as a blob of `repo`.
pub async fn ensure_blob<S: Spec>(
    spec: &S,
    repo: &RepoName,
    descriptor: &Descriptor,
    content: Bytes,
) -> Result<Ensured, Error> {
    descriptor.verify(&content)?;
    if descriptor.size > SMALL_BLOB {
        if let Some(have) = found(spec.stat_blob(repo, &descriptor.digest).await)? {
            if have.size == descriptor.size {
                return Ok(Ensured {
                    descriptor: have,
                    transfer: Transfer::Present,
                });
            }
        }
    }
    let pushed = spec.push_blob(repo, descriptor, content).await?;
    Ok(Ensured {
        descriptor: pushed,
        transfer: Transfer::Pushed,
    })
}

/// True for answers meaning "a child of this manifest is missing".
fn missing_child(e: &Error) -> bool {
    [
        ErrorCode::ManifestBlobUnknown,
        ErrorCode::BlobUnknown,
        ErrorCode::ManifestUnknown,
    ]
    .into_iter()
    .any(|c| e.has_code(c))
}

/// Makes the manifest `content` (served as `media_type`) present in `repo` at `reference`,
/// with any missing children from `lookup` (see the module doc).
pub async fn ensure_manifest<S: Spec, L: ContentLookup>(
    spec: &S,
    repo: &RepoName,
    reference: &ManifestRef,
    media_type: &str,
    content: Bytes,
    lookup: &L,
) -> Result<Ensured, Error> {
    let digest = Digest::sha256_of(&content);
    let descriptor = Descriptor::new(media_type, digest.clone(), content.len() as u64);
    if let ManifestRef::Digest(wanted) = reference {
        wanted.verify(&content).map_err(|e| {
            Error::code(
                ErrorCode::DigestInvalid,
                format!("manifest content does not match {reference}: {e}"),
            )
        })?;
    }
    if descriptor.size > SMALL_BLOB {
        if let Some(have) = found(spec.stat_manifest(repo, reference).await)? {
            if have.digest == digest && have.size == descriptor.size {
                return Ok(Ensured {
                    descriptor: have,
                    transfer: Transfer::Present,
                });
            }
        }
    }
    let tags: Vec<Tag> = reference.tag().cloned().into_iter().collect();
    let pushed = match spec
        .push_manifest(repo, media_type, content.clone(), &tags)
        .await
    {
        Ok(d) => d,
        Err(e) if missing_child(&e) => {
            ensure_children(spec, repo, &descriptor, &content, lookup).await?;
            spec.push_manifest(repo, media_type, content, &tags).await?
        }
        Err(e) => return Err(e),
    };
    if pushed.digest != digest {
        return Err(Error::other(
            ErrorKind::Protocol,
            format!("the registry stored manifest {digest} as {}", pushed.digest),
        ));
    }
    Ok(Ensured {
        descriptor: pushed,
        transfer: Transfer::Pushed,
    })
}

/// Makes every child of `content` present, from the registry or the lookup.
async fn ensure_children<S: Spec, L: ContentLookup>(
    spec: &S,
    repo: &RepoName,
    parent: &Descriptor,
    content: &[u8],
    lookup: &L,
) -> Result<(), Error> {
    let kids = children(content, Some(&parent.media_type))?;
    let absent = |what: &str, d: &Descriptor| {
        Error::code(
            ErrorCode::ManifestBlobUnknown,
            format!(
                "{what} {} of manifest {} is not in {repo} and the lookup has no content for it",
                d.digest, parent.digest
            ),
        )
    };
    for child in &kids.manifests {
        let at = ManifestRef::Digest(child.digest.clone());
        match lookup.content(child).await? {
            Some(bytes) => {
                Box::pin(ensure_manifest(
                    spec,
                    repo,
                    &at,
                    &child.media_type,
                    bytes,
                    lookup,
                ))
                .await?;
            }
            None => {
                if found(spec.stat_manifest(repo, &at).await)?.is_none() {
                    return Err(absent("manifest", child));
                }
            }
        }
    }
    for blob in kids.blob_descriptors() {
        match lookup.content(blob).await? {
            Some(bytes) => {
                ensure_blob(spec, repo, blob, bytes).await?;
            }
            None => {
                if found(spec.stat_blob(repo, &blob.digest).await)?.is_some() {
                    continue;
                }
                // Content embedded in the descriptor (the empty config `{}`) needs no lookup.
                match blob.decoded_data() {
                    Ok(Some(data)) => {
                        ensure_blob(spec, repo, blob, Bytes::from(data)).await?;
                    }
                    _ => return Err(absent("blob", blob)),
                }
            }
        }
    }
    Ok(())
}
