//! The `Spec` trait: one async interface to one registry, which every transport, wrapper and
//! tool implements or takes.
//!
//! Design decisions:
//! - Futures are not `Send` (wasm is single-threaded); native code that needs `Send` (the server)
//!   runs a `Spec` on one thread and adapts at its edge.
//! - `async fn` in the trait: implementations are used through generics (`impl Spec`), not
//!   `dyn Spec`.
//! - Content returned as "the blob with digest D" has been verified against D before the reader
//!   reports its end ([`VerifyingReader`]); a mismatch is an error, never a warning.

mod error;
mod page;
mod reader;
mod target;
mod writer;

pub use error::{Error, ErrorKind};
pub use page::{collect_all, Page, PageRequest};
pub use reader::{BlobReader, BytesReader, VerifyingReader};
pub use target::{ManifestBytes, ManifestRef};
pub use writer::{BlobWriter, Resumable, DEFAULT_CHUNK_SIZE};

use bytes::Bytes;

use crate::descriptor::Descriptor;
use crate::digest::Digest;

/// One registry, seen through the OCI distribution-spec operations.
#[allow(async_fn_in_trait)] // No Send bounds on purpose: see the module doc.
pub trait Spec {
    /// Streams a blob's bytes.
    type Reader: BlobReader;
    /// Writes a blob in chunks, resumably.
    type Writer: BlobWriter;

    /// Checks that the registry speaks the distribution API (`GET /v2/`).
    async fn ping(&self) -> Result<(), Error>;

    /// The descriptor of a manifest, by tag or digest, without its content.
    async fn stat_manifest(&self, repo: &str, reference: &ManifestRef)
        -> Result<Descriptor, Error>;

    /// A manifest's bytes and descriptor, by tag or digest (verified when asked by digest).
    async fn get_manifest(
        &self,
        repo: &str,
        reference: &ManifestRef,
    ) -> Result<ManifestBytes, Error>;

    /// The descriptor of a blob, without its content.
    async fn stat_blob(&self, repo: &str, digest: &Digest) -> Result<Descriptor, Error>;

    /// A blob's content, streamed and verified against `digest`.
    async fn get_blob(&self, repo: &str, digest: &Digest) -> Result<Self::Reader, Error>;

    /// Bytes `start..end` (end exclusive; `None` = to the end) of a blob; not verifiable alone.
    async fn get_blob_range(
        &self,
        repo: &str,
        digest: &Digest,
        start: u64,
        end: Option<u64>,
    ) -> Result<Self::Reader, Error>;

    /// Stores a manifest and points each of `tags` at it; returns its descriptor.
    async fn push_manifest(
        &self,
        repo: &str,
        media_type: &str,
        content: Bytes,
        tags: &[String],
    ) -> Result<Descriptor, Error>;

    /// Stores a blob in one request; `expected` gives its digest and size.
    async fn push_blob(
        &self,
        repo: &str,
        expected: &Descriptor,
        content: Bytes,
    ) -> Result<Descriptor, Error>;

    /// Starts a chunked upload; `chunk_size` is a hint, raised to the registry's minimum.
    async fn start_upload(
        &self,
        repo: &str,
        chunk_size: Option<usize>,
    ) -> Result<Self::Writer, Error>;

    /// Resumes an upload by id; `offset` −1 means "where the registry says it stands".
    async fn resume_upload(
        &self,
        repo: &str,
        id: &str,
        offset: i64,
        chunk_size: Option<usize>,
    ) -> Result<Self::Writer, Error>;

    /// Mounts a blob from another repository: `Ok(true)` mounted, `Ok(false)` unsupported.
    async fn mount_blob(&self, from_repo: &str, repo: &str, digest: &Digest)
        -> Result<bool, Error>;

    /// Deletes a manifest by digest (and every tag pointing at it).
    async fn delete_manifest(&self, repo: &str, digest: &Digest) -> Result<(), Error>;

    /// Deletes one tag, leaving the manifest it pointed at.
    async fn delete_tag(&self, repo: &str, tag: &str) -> Result<(), Error>;

    /// Deletes a blob.
    async fn delete_blob(&self, repo: &str, digest: &Digest) -> Result<(), Error>;

    /// One page of repository names, in lexical order.
    async fn list_repositories(&self, page: &PageRequest) -> Result<Page, Error>;

    /// One page of a repository's tags, in lexical order.
    async fn list_tags(&self, repo: &str, page: &PageRequest) -> Result<Page, Error>;

    /// The manifests whose `subject` is `digest`, optionally only of one artifactType.
    async fn list_referrers(
        &self,
        repo: &str,
        digest: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Vec<Descriptor>, Error>;
}
