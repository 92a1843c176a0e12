//! What the registry holds: repositories with their blobs, manifests, tags and referrers, and
//! the upload sessions in progress.

use std::collections::{BTreeMap, HashMap};

use bytes::{Bytes, BytesMut};

use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::registry_error::ErrorCode;
use crate::spec::Error;

/// Media type reported for blobs, whose type the registry does not know.
pub(crate) const BLOB_MEDIA_TYPE: &str = "application/octet-stream";

/// A manifest as pushed: its exact bytes, media type and what it refers to.
#[derive(Clone, Debug)]
pub(crate) struct StoredManifest {
    /// The media type the manifest is served with.
    pub media_type: String,
    /// The exact bytes pushed.
    pub content: Bytes,
    /// The digest of its `subject`, if it has one.
    pub subject: Option<Digest>,
}

impl StoredManifest {
    /// The descriptor a registry answers for it: media type, digest and size.
    pub fn descriptor(&self, digest: &Digest) -> Descriptor {
        Descriptor::new(
            self.media_type.clone(),
            digest.clone(),
            self.content.len() as u64,
        )
    }
}

/// One repository's content.
#[derive(Default, Debug)]
pub(crate) struct Repository {
    /// Blob content by digest (verified when stored).
    pub blobs: BTreeMap<Digest, Bytes>,
    /// Manifests by digest.
    pub manifests: BTreeMap<Digest, StoredManifest>,
    /// Tag → manifest digest, in lexical order.
    pub tags: BTreeMap<String, Digest>,
    /// Subject digest → (referrer digest → referrer descriptor).
    pub referrers: HashMap<Digest, BTreeMap<Digest, Descriptor>>,
}

/// A chunked upload in progress.
#[derive(Debug)]
pub(crate) struct UploadSession {
    /// The repository it will be committed to.
    pub repo: String,
    /// The bytes received so far.
    pub data: BytesMut,
}

/// Everything the registry holds.
#[derive(Default, Debug)]
pub(crate) struct State {
    /// Repositories by name, in lexical order.
    pub repos: BTreeMap<String, Repository>,
    /// Upload sessions by id.
    pub uploads: HashMap<String, UploadSession>,
    /// Counter behind upload ids.
    pub next_upload: u64,
}

impl State {
    /// The repository, if it exists.
    pub fn repo(&self, name: &str) -> Option<&Repository> {
        self.repos.get(name)
    }

    /// The repository, created when missing (pushes create repositories).
    pub fn repo_mut_or_create(&mut self, name: &str) -> &mut Repository {
        self.repos.entry(name.to_string()).or_default()
    }

    /// A blob's content, or `BLOB_UNKNOWN`.
    pub fn blob(&self, repo: &str, digest: &Digest) -> Result<Bytes, Error> {
        self.repo(repo)
            .and_then(|r| r.blobs.get(digest))
            .cloned()
            .ok_or_else(|| blob_unknown(repo, digest))
    }

    /// The digest a manifest reference resolves to, or `MANIFEST_UNKNOWN`.
    pub fn resolve_tag(&self, repo: &str, tag: &str) -> Result<Digest, Error> {
        self.repo(repo)
            .and_then(|r| r.tags.get(tag))
            .cloned()
            .ok_or_else(|| {
                Error::code(
                    ErrorCode::ManifestUnknown,
                    format!("no tag {tag:?} in repository {repo:?}"),
                )
            })
    }

    /// A manifest by digest, or `MANIFEST_UNKNOWN`.
    pub fn manifest(&self, repo: &str, digest: &Digest) -> Result<&StoredManifest, Error> {
        self.repo(repo)
            .and_then(|r| r.manifests.get(digest))
            .ok_or_else(|| {
                Error::code(
                    ErrorCode::ManifestUnknown,
                    format!("no manifest {digest} in repository {repo:?}"),
                )
            })
    }
}

/// `BLOB_UNKNOWN` for a blob missing from a repository.
pub(crate) fn blob_unknown(repo: &str, digest: &Digest) -> Error {
    Error::code(
        ErrorCode::BlobUnknown,
        format!("no blob {digest} in repository {repo:?}: push it first"),
    )
}

/// `NAME_UNKNOWN` for a repository that does not exist.
pub(crate) fn name_unknown(repo: &str) -> Error {
    Error::code(
        ErrorCode::NameUnknown,
        format!("repository {repo:?} does not exist (repositories are created by a push)"),
    )
}
