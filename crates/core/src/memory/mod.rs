//! An in-memory registry: a complete [`Spec`] without I/O, for tests, demos and a server's
//! own storage.
//!
//! Single-threaded: the state sits behind `Rc<RefCell<…>>`, so a [`MemoryRegistry`] is cheap to
//! clone and every clone sees the same content (a server shares it across requests on one
//! thread). Its futures never pend. No operation panics; failures are spec errors with the code
//! a registry would answer.
//!
//! # Rules
//!
//! - **Names**: repository names follow the distribution grammar (lowercase path components,
//!   at most 255 characters) or fail with `NAME_INVALID`; tags follow the tag grammar or fail
//!   with `TAG_INVALID` (also on reads and deletes). Repositories are created by the first
//!   blob, mount or manifest stored into them, and stay (empty) when their content is deleted.
//! - **Manifests** are parsed with [`crate::Manifest::parse`] under the media type given (a mismatch
//!   with the document's `mediaType`, bad JSON or a bad shape: `MANIFEST_INVALID`) and stored
//!   by digest with their exact bytes and the canonical media type of their kind. Docker
//!   schema 1 is refused (`MANIFEST_INVALID`), as current registries do.
//! - **What a manifest must reference**: each config and layer must be a blob of the
//!   repository with the size the descriptor says (`MANIFEST_BLOB_UNKNOWN` when missing,
//!   `MANIFEST_INVALID` when the size differs), except
//!   1. content known from the descriptor alone: the digest of `{}` (the OCI empty descriptor,
//!      whatever its media type) or of zero bytes, and descriptors with embedded `data` that
//!      matches their digest: the registry stores that content itself, so it can be fetched;
//!      an artifact with the empty config and only empty layers therefore needs no blob pushed;
//!   2. non-distributable (foreign) layers that carry `urls`: their content lives elsewhere.
//!      Without `urls` there is nowhere to fetch them from, so they must be present.
//!
//!   Each manifest an index lists must be in the repository with that size
//!   (`MANIFEST_BLOB_UNKNOWN`, as CNCF distribution answers, or `MANIFEST_INVALID`). The
//!   `subject` need not exist (distribution-spec v1.1).
//! - **Referrers**: a manifest with a `subject` is listed among that subject's referrers with
//!   its media type, digest, size, artifact type (`artifactType`, else the config media type)
//!   and annotations, in digest order. Deleting it removes the entry; deleting the subject
//!   keeps its referrers. A subject without referrers, also in a repository that does not
//!   exist, has an empty list (a registry without the referrers API cannot tell them apart).
//!   Pages follow digest order (`start_after` is a digest).
//! - **Deletes**: a manifest (and every tag on it), a tag (the manifest stays), a blob. Unknown
//!   targets answer `MANIFEST_UNKNOWN` / `BLOB_UNKNOWN`; disabled deletes `UNSUPPORTED` (405).
//! - **Blobs** are verified when stored (monolithic pushes: `SIZE_INVALID` first, then
//!   `DIGEST_INVALID`; nothing is stored on a mismatch), so reads hand out stored bytes as they
//!   are, with media type `application/octet-stream`. Ranges: `start` at or past the end, or an
//!   empty range, is `RANGE_INVALID` (416); an `end` past the end is cut to the end.
//! - **Mounts**: [`Mount::Mounted`] when the source repository holds the blob; otherwise (it
//!   does not, the source repository does not exist, or mounts are disabled) an upload session
//!   is opened and handed back ([`Mount::Upload`]), as a registry answers 202.
//! - **Uploads**: see [`MemoryWriter`]. Chunk-size hints (default [`DEFAULT_CHUNK_SIZE`]) are
//!   raised to [`MemoryOptions::min_chunk_len`]. `resume_upload` with a wrong offset answers
//!   `RANGE_INVALID` with where the upload stands; an unknown id (or another repository's)
//!   `BLOB_UPLOAD_UNKNOWN`. A commit whose digest does not match answers `DIGEST_INVALID` and
//!   keeps the session, so the caller can commit again or cancel (CNCF distribution keeps it
//!   too; portable callers should not rely on that).
//! - **Lists** are in byte-wise lexical order; see [`PageRequest`] handling in `list.rs`:
//!   `size` 0 gives an empty page, no size gives everything (or [`MemoryOptions::page_limit`]),
//!   and `next` is set only while names remain. Tags of an unknown repository: `NAME_UNKNOWN`.
//! - **Unknown repositories** on reads answer as CNCF distribution does: `MANIFEST_UNKNOWN`,
//!   `BLOB_UNKNOWN`, `NAME_UNKNOWN` (tags, referrers).

mod list;
mod options;
mod push;
mod referrers;
mod state;
mod upload;

pub use options::MemoryOptions;
pub use push::unstored_blob;
pub use upload::MemoryWriter;

use std::cell::RefCell;
use std::rc::Rc;

use bytes::Bytes;

use crate::descriptor::Descriptor;
use crate::digest::{Digest, DigestError};

use crate::registry_error::ErrorCode;
use crate::spec::{
    BytesReader, Error, ManifestBytes, ManifestRef, Mount, Page, PageRequest, PingInfo, RepoName,
    ResumeAt, Spec, Tag, DEFAULT_CHUNK_SIZE,
};

use state::{name_unknown, State, BLOB_MEDIA_TYPE};

/// Bytes per chunk handed out by readers.
const READ_CHUNK: usize = 64 * 1024;

/// A registry held in memory; clones share the same content.
#[derive(Clone, Debug, Default)]
pub struct MemoryRegistry {
    state: Rc<RefCell<State>>,
    options: Rc<MemoryOptions>,
}

impl MemoryRegistry {
    /// An empty registry with the default options (everything enabled, no chunk minimum).
    pub fn new() -> MemoryRegistry {
        MemoryRegistry::default()
    }

    /// An empty registry with these options.
    pub fn with_options(options: MemoryOptions) -> MemoryRegistry {
        MemoryRegistry {
            state: Rc::default(),
            options: Rc::new(options),
        }
    }

    /// The options in force.
    pub fn options(&self) -> &MemoryOptions {
        &self.options
    }

    /// The number of upload sessions in progress.
    pub fn upload_count(&self) -> usize {
        self.state.borrow().uploads.len()
    }

    fn ensure_delete(&self) -> Result<(), Error> {
        if self.options.delete_enabled {
            Ok(())
        } else {
            Err(Error::code(
                ErrorCode::Unsupported,
                "deletes are disabled on this registry",
            ))
        }
    }

    fn chunk_size(&self, hint: Option<usize>) -> usize {
        hint.unwrap_or(DEFAULT_CHUNK_SIZE)
            .max(self.options.min_chunk_len)
            .max(1)
    }

    fn resolve(&self, repo: &RepoName, reference: &ManifestRef) -> Result<Digest, Error> {
        match reference {
            ManifestRef::Digest(d) => Ok(d.clone()),
            ManifestRef::Tag(t) => self.state.borrow().resolve_tag(repo, t),
        }
    }

    fn blob(&self, repo: &RepoName, digest: &Digest) -> Result<(Descriptor, Bytes), Error> {
        let bytes = self.state.borrow().blob(repo, digest)?;
        let descriptor = Descriptor::new(BLOB_MEDIA_TYPE, digest.clone(), bytes.len() as u64);
        Ok((descriptor, bytes))
    }
}

/// `DIGEST_INVALID` or `SIZE_INVALID` for content that does not match its descriptor.
fn content_mismatch(e: DigestError) -> Error {
    let code = match e {
        DigestError::SizeMismatch { .. } => ErrorCode::SizeInvalid,
        _ => ErrorCode::DigestInvalid,
    };
    Error::code(code, format!("blob refused: {e}"))
}

impl Spec for MemoryRegistry {
    type Reader = BytesReader;
    type Writer = MemoryWriter;

    async fn ping(&self) -> Result<PingInfo, Error> {
        Ok(PingInfo {
            api_version: Some("registry/2.0".into()),
            referrers_api: Some(self.options.referrers_enabled),
            chunk_min_length: (self.options.min_chunk_len > 0)
                .then_some(self.options.min_chunk_len as u64),
        })
    }

    async fn stat_manifest(
        &self,
        repo: &RepoName,
        reference: &ManifestRef,
    ) -> Result<Descriptor, Error> {
        let digest = self.resolve(repo, reference)?;
        let state = self.state.borrow();
        Ok(state.manifest(repo, &digest)?.descriptor(&digest))
    }

    async fn get_manifest(
        &self,
        repo: &RepoName,
        reference: &ManifestRef,
    ) -> Result<ManifestBytes, Error> {
        let digest = self.resolve(repo, reference)?;
        let state = self.state.borrow();
        let stored = state.manifest(repo, &digest)?;
        Ok(ManifestBytes {
            descriptor: stored.descriptor(&digest),
            content: stored.content.clone(),
        })
    }

    async fn stat_blob(&self, repo: &RepoName, digest: &Digest) -> Result<Descriptor, Error> {
        Ok(self.blob(repo, digest)?.0)
    }

    async fn get_blob(&self, repo: &RepoName, digest: &Digest) -> Result<BytesReader, Error> {
        let (descriptor, bytes) = self.blob(repo, digest)?;
        Ok(BytesReader::new(descriptor, bytes, READ_CHUNK))
    }

    async fn get_blob_range(
        &self,
        repo: &RepoName,
        digest: &Digest,
        start: u64,
        end: Option<u64>,
    ) -> Result<BytesReader, Error> {
        let (descriptor, bytes) = self.blob(repo, digest)?;
        let size = bytes.len() as u64;
        let end = end.unwrap_or(size).min(size);
        if start >= size || end <= start {
            return Err(Error::code(
                ErrorCode::RangeInvalid,
                format!("range {start}..{end} is not satisfiable: blob {digest} has {size} bytes"),
            ));
        }
        let part = bytes.slice(start as usize..end as usize);
        Ok(BytesReader::new(descriptor, part, READ_CHUNK))
    }

    async fn push_manifest(
        &self,
        repo: &RepoName,
        media_type: &str,
        content: Bytes,
        tags: &[Tag],
    ) -> Result<Descriptor, Error> {
        push::push_manifest(
            &mut self.state.borrow_mut(),
            repo,
            media_type,
            content,
            tags,
        )
    }

    async fn push_blob(
        &self,
        repo: &RepoName,
        expected: &Descriptor,
        content: Bytes,
    ) -> Result<Descriptor, Error> {
        expected.verify(&content).map_err(content_mismatch)?;
        let media_type = if expected.media_type.is_empty() {
            BLOB_MEDIA_TYPE
        } else {
            &expected.media_type
        };
        let descriptor = Descriptor::new(media_type, expected.digest.clone(), expected.size);
        self.state
            .borrow_mut()
            .repo_mut_or_create(repo)
            .blobs
            .insert(expected.digest.clone(), content);
        Ok(descriptor)
    }

    async fn start_upload(
        &self,
        repo: &RepoName,
        chunk_size: Option<usize>,
    ) -> Result<MemoryWriter, Error> {
        Ok(upload::start(
            &self.state,
            repo,
            self.chunk_size(chunk_size),
        ))
    }

    async fn resume_upload(
        &self,
        repo: &RepoName,
        id: &str,
        at: ResumeAt,
        chunk_size: Option<usize>,
    ) -> Result<MemoryWriter, Error> {
        upload::resume(&self.state, repo, id, at, self.chunk_size(chunk_size))
    }

    async fn mount_blob(
        &self,
        from_repo: &RepoName,
        repo: &RepoName,
        digest: &Digest,
    ) -> Result<Mount<MemoryWriter>, Error> {
        let found = if self.options.mount_enabled {
            self.state.borrow().blob(from_repo, digest).ok()
        } else {
            None
        };
        match found {
            Some(bytes) => {
                self.state
                    .borrow_mut()
                    .repo_mut_or_create(repo)
                    .blobs
                    .insert(digest.clone(), bytes);
                Ok(Mount::Mounted)
            }
            None => Ok(Mount::Upload(upload::start(
                &self.state,
                repo,
                self.chunk_size(None),
            ))),
        }
    }

    async fn delete_manifest(&self, repo: &RepoName, digest: &Digest) -> Result<(), Error> {
        self.ensure_delete()?;
        let mut state = self.state.borrow_mut();
        state.manifest(repo, digest)?;
        let Some(target) = state.repos.get_mut(repo.as_str()) else {
            return Err(name_unknown(repo));
        };
        if let Some(stored) = target.manifests.remove(digest) {
            if let Some(subject) = &stored.subject {
                referrers::remove(target, subject, digest);
            }
        }
        target.tags.retain(|_, d| d != digest);
        Ok(())
    }

    async fn delete_tag(&self, repo: &RepoName, tag: &Tag) -> Result<(), Error> {
        self.ensure_delete()?;
        let mut state = self.state.borrow_mut();
        state.resolve_tag(repo, tag)?;
        if let Some(target) = state.repos.get_mut(repo.as_str()) {
            target.tags.remove(tag.as_str());
        }
        Ok(())
    }

    async fn delete_blob(&self, repo: &RepoName, digest: &Digest) -> Result<(), Error> {
        self.ensure_delete()?;
        let mut state = self.state.borrow_mut();
        state.blob(repo, digest)?;
        if let Some(target) = state.repos.get_mut(repo.as_str()) {
            target.blobs.remove(digest);
        }
        Ok(())
    }

    async fn list_repositories(&self, page: &PageRequest) -> Result<Page, Error> {
        Ok(list::page(
            &self.state.borrow().repos,
            page,
            self.options.page_limit,
        ))
    }

    async fn list_tags(&self, repo: &RepoName, page: &PageRequest) -> Result<Page, Error> {
        let state = self.state.borrow();
        let target = state.repo(repo).ok_or_else(|| name_unknown(repo))?;
        Ok(list::page(&target.tags, page, self.options.page_limit))
    }

    async fn list_referrers(
        &self,
        repo: &RepoName,
        digest: &Digest,
        artifact_type: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Descriptor>, Error> {
        if !self.options.referrers_enabled {
            return Err(Error::code(
                ErrorCode::Unsupported,
                "this registry does not serve the referrers API: use the sha256-<hex> tag schema",
            ));
        }
        let state = self.state.borrow();
        let all = match state.repo(repo) {
            Some(target) => referrers::list(target, digest, artifact_type),
            None => Vec::new(),
        };
        Ok(Page::of_sorted(
            all,
            |d| d.digest.as_str(),
            page,
            self.options.page_limit,
        ))
    }
}
