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
//! - Repository names and tags are [`RepoName`] and [`Tag`], validated when made, so no
//!   implementation checks names itself and all of them refuse the same ones the same way.
//! - A wrapper implements [`Forward`] and overrides only the methods it changes; [`Either`]
//!   holds one of two `Spec` types (nest it for more) without forwarding by hand.
//!
//! # The contract: errors by spec code
//!
//! Every implementation (the in-memory registry, the HTTP client against any registry, every
//! wrapper) answers the same case with the same [`ErrorCode`](crate::ErrorCode); the behaviour
//! suite (`ociscope-spec-suite`) asserts each one. Codes every method may return besides the
//! ones listed: `UNAUTHORIZED` / `DENIED` (credentials), `TOOMANYREQUESTS` (after retries),
//! `UNSUPPORTED` (the registry does not offer the operation), and non-registry failures
//! ([`ErrorKind`]: network, CORS, aborted, protocol). A repository that does not exist answers
//! as the listed "unknown" code of the method (CNCF distribution's behaviour), not always
//! `NAME_UNKNOWN`. Where a real registry departs from this, `ociscope-spec-suite`'s
//! `Capabilities` names the departure and the suite asserts what it really does.

mod either;
mod error;
mod forward;
mod name;
mod page;
mod reader;
mod target;
mod writer;

pub use either::Either;
pub use error::{Error, ErrorKind};
pub use forward::Forward;
pub use name::{RepoName, Tag};
pub use page::{collect_all, collect_referrers, Page, PageRequest};
pub use reader::{BlobReader, BytesReader, VerifyingReader};
pub use target::{ManifestBytes, ManifestRef};
pub use writer::{BlobWriter, Mount, Resumable, ResumeAt, DEFAULT_CHUNK_SIZE};

use bytes::Bytes;

use crate::descriptor::Descriptor;
use crate::digest::Digest;

/// What a registry said about itself when pinged (and what the client learned since).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PingInfo {
    /// `Docker-Distribution-API-Version`, e.g. `registry/2.0`, when sent.
    pub api_version: Option<String>,
    /// Whether the registry has the referrers API: `None` until known.
    pub referrers_api: Option<bool>,
    /// The smallest upload chunk the registry accepts (`OCI-Chunk-Min-Length`), when known.
    pub chunk_min_length: Option<u64>,
}

/// One registry, seen through the OCI distribution-spec operations.
///
/// Each method lists the spec codes it returns for bad input or missing content; see the
/// module doc for the codes every method may return.
#[allow(async_fn_in_trait)] // No Send bounds on purpose: see the module doc.
pub trait Spec {
    /// Streams a blob's bytes.
    type Reader: BlobReader;
    /// Writes a blob in chunks, resumably.
    type Writer: BlobWriter;

    /// Checks that the registry speaks the distribution API (`GET /v2/`) and says what it
    /// learned; `UNAUTHORIZED` when it wants credentials.
    async fn ping(&self) -> Result<PingInfo, Error>;

    /// The descriptor of a manifest, by tag or digest, without its content.
    /// `MANIFEST_UNKNOWN` when absent (also in an unknown repository).
    async fn stat_manifest(
        &self,
        repo: &RepoName,
        reference: &ManifestRef,
    ) -> Result<Descriptor, Error>;

    /// A manifest's bytes and descriptor, by tag or digest (verified when asked by digest).
    /// `MANIFEST_UNKNOWN` when absent; a document over 4 MiB is refused (`MANIFEST_INVALID`)
    /// before it is read whole.
    async fn get_manifest(
        &self,
        repo: &RepoName,
        reference: &ManifestRef,
    ) -> Result<ManifestBytes, Error>;

    /// The descriptor of a blob, without its content. `BLOB_UNKNOWN` when absent.
    async fn stat_blob(&self, repo: &RepoName, digest: &Digest) -> Result<Descriptor, Error>;

    /// A blob's content, streamed and verified against `digest`. `BLOB_UNKNOWN` when absent;
    /// content that does not match is a [`Error::Digest`] before the reader's end.
    async fn get_blob(&self, repo: &RepoName, digest: &Digest) -> Result<Self::Reader, Error>;

    /// Bytes `start..end` (end exclusive; `None` = to the end; an `end` past the blob's end
    /// is cut to it) of a blob; not verifiable alone. `BLOB_UNKNOWN` when absent;
    /// `RANGE_INVALID` for an empty range or a `start` at or past the end.
    async fn get_blob_range(
        &self,
        repo: &RepoName,
        digest: &Digest,
        start: u64,
        end: Option<u64>,
    ) -> Result<Self::Reader, Error>;

    /// Stores a manifest and points each of `tags` at it; returns its descriptor.
    /// `MANIFEST_INVALID` for a document that does not parse as `media_type` or is over
    /// 4 MiB; `MANIFEST_BLOB_UNKNOWN` when a blob or child manifest it names is absent.
    async fn push_manifest(
        &self,
        repo: &RepoName,
        media_type: &str,
        content: Bytes,
        tags: &[Tag],
    ) -> Result<Descriptor, Error>;

    /// Stores a blob in one request; `expected` gives its digest and size. Pushing a blob
    /// that is already there succeeds. `SIZE_INVALID` when the size differs, else
    /// `DIGEST_INVALID` when the digest does; nothing is stored then.
    async fn push_blob(
        &self,
        repo: &RepoName,
        expected: &Descriptor,
        content: Bytes,
    ) -> Result<Descriptor, Error>;

    /// Starts a chunked upload; `chunk_size` is a hint, raised to the registry's minimum.
    async fn start_upload(
        &self,
        repo: &RepoName,
        chunk_size: Option<usize>,
    ) -> Result<Self::Writer, Error>;

    /// Resumes an upload by id, at an offset or where the registry says it stands.
    /// `BLOB_UPLOAD_UNKNOWN` for an unknown id (or another repository's); `RANGE_INVALID`
    /// when [`ResumeAt::Offset`] is not where the upload stands.
    async fn resume_upload(
        &self,
        repo: &RepoName,
        id: &str,
        at: ResumeAt,
        chunk_size: Option<usize>,
    ) -> Result<Self::Writer, Error>;

    /// Mounts a blob from another repository. When the registry does not mount (the source
    /// lacks the blob, or it does not offer mounts) it opens an upload instead, as the
    /// distribution spec says, and that session is handed back: [`Mount::Upload`].
    async fn mount_blob(
        &self,
        from_repo: &RepoName,
        repo: &RepoName,
        digest: &Digest,
    ) -> Result<Mount<Self::Writer>, Error>;

    /// Deletes a manifest by digest (and every tag pointing at it). `MANIFEST_UNKNOWN` when
    /// absent.
    async fn delete_manifest(&self, repo: &RepoName, digest: &Digest) -> Result<(), Error>;

    /// Deletes one tag, leaving the manifest it pointed at. `MANIFEST_UNKNOWN` when absent.
    async fn delete_tag(&self, repo: &RepoName, tag: &Tag) -> Result<(), Error>;

    /// Deletes a blob. `BLOB_UNKNOWN` when absent.
    async fn delete_blob(&self, repo: &RepoName, digest: &Digest) -> Result<(), Error>;

    /// One page of repository names, in lexical order.
    async fn list_repositories(&self, page: &PageRequest) -> Result<Page, Error>;

    /// One page of a repository's tags, in lexical order. `NAME_UNKNOWN` for an unknown
    /// repository.
    async fn list_tags(&self, repo: &RepoName, page: &PageRequest) -> Result<Page, Error>;

    /// One page of the manifests whose `subject` is `digest`, optionally only of one
    /// artifactType. A subject without referrers has none (an empty page, not an error).
    async fn list_referrers(
        &self,
        repo: &RepoName,
        digest: &Digest,
        artifact_type: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Descriptor>, Error>;
}
