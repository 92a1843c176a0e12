//! `ReadOnly<S>`: a registry seen read-only.
//!
//! Rules:
//! - Reads (ping, stats, gets, ranges, lists, referrers) reach the inner registry unchanged.
//! - Every write — `push_manifest`, `push_blob`, `start_upload`, `resume_upload`, `mount_blob`,
//!   `delete_manifest`, `delete_tag`, `delete_blob` — answers `DENIED` (status 403, as a
//!   registry refusing the credentials' access) without reaching the inner registry, with a
//!   message naming the operation and the repository.

use bytes::Bytes;
use ociscope_core::descriptor::Descriptor;
use ociscope_core::digest::Digest;
use ociscope_core::registry_error::ErrorCode;
use ociscope_core::spec::{Error, Forward, Mount, RepoName, ResumeAt, Spec, Tag};

/// A registry whose writes are refused with `DENIED`; reads pass through.
#[derive(Clone, Debug)]
pub struct ReadOnly<S> {
    inner: S,
}

impl<S> ReadOnly<S> {
    /// `inner`, read-only.
    pub fn new(inner: S) -> ReadOnly<S> {
        ReadOnly { inner }
    }

    /// The wrapped registry (which still accepts writes).
    pub fn into_inner(self) -> S {
        self.inner
    }
}

/// The `DENIED` answer to a write.
fn denied(operation: &str, repo: &RepoName) -> Error {
    Error::code(
        ErrorCode::Denied,
        format!("{operation} in {repo} refused: this registry is opened read-only"),
    )
}

impl<S: Spec> Forward for ReadOnly<S> {
    type Inner = S;

    fn inner(&self) -> &S {
        &self.inner
    }

    async fn push_manifest(
        &self,
        repo: &RepoName,
        _media_type: &str,
        _content: Bytes,
        _tags: &[Tag],
    ) -> Result<Descriptor, Error> {
        Err(denied("pushing a manifest", repo))
    }

    async fn push_blob(
        &self,
        repo: &RepoName,
        _expected: &Descriptor,
        _content: Bytes,
    ) -> Result<Descriptor, Error> {
        Err(denied("pushing a blob", repo))
    }

    async fn start_upload(
        &self,
        repo: &RepoName,
        _chunk_size: Option<usize>,
    ) -> Result<S::Writer, Error> {
        Err(denied("starting an upload", repo))
    }

    async fn resume_upload(
        &self,
        repo: &RepoName,
        _id: &str,
        _at: ResumeAt,
        _chunk_size: Option<usize>,
    ) -> Result<S::Writer, Error> {
        Err(denied("resuming an upload", repo))
    }

    async fn mount_blob(
        &self,
        _from_repo: &RepoName,
        repo: &RepoName,
        _digest: &Digest,
    ) -> Result<Mount<S::Writer>, Error> {
        Err(denied("mounting a blob", repo))
    }

    async fn delete_manifest(&self, repo: &RepoName, _digest: &Digest) -> Result<(), Error> {
        Err(denied("deleting a manifest", repo))
    }

    async fn delete_tag(&self, repo: &RepoName, _tag: &Tag) -> Result<(), Error> {
        Err(denied("deleting a tag", repo))
    }

    async fn delete_blob(&self, repo: &RepoName, _digest: &Digest) -> Result<(), Error> {
        Err(denied("deleting a blob", repo))
    }
}
