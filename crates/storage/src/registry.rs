//! [`DriverRegistry`]: a complete `Spec` over any [`StorageDriver`], with the layout of
//! [`crate::layout`].
//!
//! It answers as `MemoryRegistry` does (the same behaviour suite passes over both): the same
//! error codes, manifest rules (parsed under their media type, Docker schema 1 refused, configs
//! and layers present in the repository with the size the descriptor says, except the empty
//! content, embedded `data` and foreign layers with `urls`; index children present), referrers
//! from `subject`, lists in byte-wise order, unknown repositories answering as CNCF
//! distribution. Differences, all decided here:
//! - **Durability**: what a call answered as stored is in the driver before the answer; blob
//!   content is written once (atomically) per digest and linked into repositories.
//! - **Uploads** write through: every `write` appends to the upload's data in the driver, so
//!   an upload survives a restart of the process and resumes with `resume_upload` at the size
//!   its data has; `close` reports that size. A commit reads the data back and verifies it
//!   against the digest before moving it into place: a blob is never stored unverified, and
//!   reads check the digest again on the way (`get_blob`), so a blob damaged on disk is an
//!   error, never served as good.
//! - **Deletes** remove links; content stays until [`crate::gc::collect_garbage`].
//! - Failures of the driver are `UNKNOWN` errors (a 500 from a server) naming the driver.

use std::rc::Rc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use ociscope_core::descriptor::Descriptor;
use ociscope_core::digest::{Digest, DigestError, Verifier};
use ociscope_core::manifest::Manifest;
use ociscope_core::registry_error::ErrorCode;
use ociscope_core::spec::{
    BlobReader, BlobWriter, Error, ManifestBytes, ManifestRef, Mount, Page, PageRequest, PingInfo,
    RepoName, Resumable, ResumeAt, Spec, Tag, DEFAULT_CHUNK_SIZE,
};
use serde_json::{json, Value};

use crate::driver::{DriverError, StorageDriver};
use crate::layout;

/// Media type reported for blobs, whose type the registry does not know.
const BLOB_MEDIA_TYPE: &str = "application/octet-stream";
/// Bytes per chunk when reading content back.
const READ_CHUNK: usize = 1024 * 1024;

/// A registry over a storage driver; clones share the driver.
#[derive(Debug)]
pub struct DriverRegistry<D> {
    driver: Rc<D>,
}

impl<D> Clone for DriverRegistry<D> {
    fn clone(&self) -> Self {
        DriverRegistry {
            driver: self.driver.clone(),
        }
    }
}

/// `UNKNOWN` for a failure of the driver.
pub(crate) fn storage_error(e: DriverError) -> Error {
    Error::code(ErrorCode::Unknown, e.to_string())
}

fn blob_unknown(repo: &str, digest: &Digest) -> Error {
    Error::code(
        ErrorCode::BlobUnknown,
        format!("no blob {digest} in repository {repo:?}: push it first"),
    )
}

fn manifest_unknown(repo: &str, what: impl std::fmt::Display) -> Error {
    Error::code(
        ErrorCode::ManifestUnknown,
        format!("no manifest {what} in repository {repo:?}"),
    )
}

fn upload_unknown(repo: &str, id: &str) -> Error {
    Error::code(
        ErrorCode::BlobUploadUnknown,
        format!(
            "no upload {id:?} in repository {repo:?} (cancelled, committed or never started): \
             start a new upload"
        ),
    )
}

fn invalid(message: impl Into<String>) -> Error {
    Error::code(ErrorCode::ManifestInvalid, message)
}

/// Seconds since the epoch, for markers.
pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// An upload id: 32 hex digits from the clock, the process and a counter (splitmix64-mixed),
/// so ids do not repeat across restarts. Only `[0-9a-f]` ever names an upload folder.
fn new_upload_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mix = |mut z: u64| {
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let a = mix(nanos ^ u64::from(std::process::id()).rotate_left(32));
    let b = mix(a ^ n);
    format!("{a:016x}{b:016x}")
}

fn is_upload_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// What a manifest revision's link records.
struct Revision {
    media_type: String,
    subject: Option<Digest>,
}

impl<D: StorageDriver> DriverRegistry<D> {
    /// A registry over `driver` (empty or holding a previous run's content).
    pub fn new(driver: D) -> DriverRegistry<D> {
        DriverRegistry {
            driver: Rc::new(driver),
        }
    }

    /// The driver underneath.
    pub fn driver(&self) -> &D {
        &self.driver
    }

    /// True when the driver holds `path`.
    pub(crate) async fn exists(&self, path: &str) -> Result<bool, Error> {
        match self.driver.stat(path).await {
            Ok(_) => Ok(true),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(storage_error(e)),
        }
    }

    /// The children of a folder; none when it does not exist.
    pub(crate) async fn children(&self, path: &str) -> Result<Vec<String>, Error> {
        match self.driver.list(path).await {
            Ok(names) => Ok(names),
            Err(e) if e.is_not_found() => Ok(Vec::new()),
            Err(e) => Err(storage_error(e)),
        }
    }

    async fn repo_exists(&self, repo: &str) -> Result<bool, Error> {
        self.exists(&layout::repo_marker(repo)).await
    }

    async fn ensure_repo(&self, repo: &str) -> Result<(), Error> {
        if !self.repo_exists(repo).await? {
            self.driver
                .put_content(
                    &layout::repo_marker(repo),
                    Bytes::from(now_secs().to_string()),
                )
                .await
                .map_err(storage_error)?;
        }
        Ok(())
    }

    /// The size of a blob's content, when stored.
    pub(crate) async fn content_size(&self, digest: &Digest) -> Result<Option<u64>, Error> {
        match self.driver.stat(&layout::blob_data(digest)).await {
            Ok(info) => Ok(Some(info.size)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(storage_error(e)),
        }
    }

    /// The size of a blob the repository holds (linked and stored), or `BLOB_UNKNOWN`.
    async fn blob_size(&self, repo: &str, digest: &Digest) -> Result<u64, Error> {
        if !self.exists(&layout::layer_link(repo, digest)).await? {
            return Err(blob_unknown(repo, digest));
        }
        self.content_size(digest)
            .await?
            .ok_or_else(|| blob_unknown(repo, digest))
    }

    /// A presigned URL of the blob `digest` of `repo` valid for `expires`, when the driver has
    /// them (S3); `None` when it has not; `BLOB_UNKNOWN` when the repository lacks the blob.
    /// The URL serves the stored bytes as they are: the client verifies the digest.
    pub async fn blob_url(
        &self,
        repo: &RepoName,
        digest: &Digest,
        expires: std::time::Duration,
    ) -> Result<Option<String>, Error> {
        self.blob_size(repo, digest).await?;
        self.driver
            .signed_url(&layout::blob_data(digest), expires)
            .await
            .map_err(storage_error)
    }

    /// Stores verified content under its digest (once) and links it into `repo`.
    async fn store_blob(&self, repo: &str, digest: &Digest, content: Bytes) -> Result<(), Error> {
        if self.content_size(digest).await?.is_none() {
            self.driver
                .put_content(&layout::blob_data(digest), content)
                .await
                .map_err(storage_error)?;
        }
        self.link_blob(repo, digest).await
    }

    /// Links stored content into `repo` (creating the repository).
    async fn link_blob(&self, repo: &str, digest: &Digest) -> Result<(), Error> {
        self.ensure_repo(repo).await?;
        self.driver
            .put_content(
                &layout::layer_link(repo, digest),
                Bytes::from(digest.to_string()),
            )
            .await
            .map_err(storage_error)
    }

    async fn revision(&self, repo: &str, digest: &Digest) -> Result<Revision, Error> {
        let link = match self
            .driver
            .get_content(&layout::revision_link(repo, digest))
            .await
        {
            Ok(b) => b,
            Err(e) if e.is_not_found() => return Err(manifest_unknown(repo, digest)),
            Err(e) => return Err(storage_error(e)),
        };
        let value: Value = serde_json::from_slice(&link).map_err(|e| {
            storage_error(DriverError::Backend(format!(
                "manifest link of {digest} in {repo:?} is damaged: {e}"
            )))
        })?;
        Ok(Revision {
            media_type: value["mediaType"]
                .as_str()
                .unwrap_or(BLOB_MEDIA_TYPE)
                .to_string(),
            subject: value["subject"]
                .as_str()
                .and_then(|s| Digest::parse(s).ok()),
        })
    }

    /// The digest a tag points at, or `MANIFEST_UNKNOWN`.
    async fn resolve_tag(&self, repo: &str, tag: &str) -> Result<Digest, Error> {
        let link = match self.driver.get_content(&layout::tag_link(repo, tag)).await {
            Ok(b) => b,
            Err(e) if e.is_not_found() => {
                return Err(manifest_unknown(repo, format!("tagged {tag:?}")))
            }
            Err(e) => return Err(storage_error(e)),
        };
        std::str::from_utf8(&link)
            .ok()
            .and_then(|s| Digest::parse(s.trim()).ok())
            .ok_or_else(|| {
                storage_error(DriverError::Backend(format!(
                    "tag link {tag:?} in {repo:?} is damaged"
                )))
            })
    }

    async fn resolve(&self, repo: &str, reference: &ManifestRef) -> Result<Digest, Error> {
        match reference {
            ManifestRef::Digest(d) => Ok(d.clone()),
            ManifestRef::Tag(t) => self.resolve_tag(repo, t).await,
        }
    }

    /// A manifest's exact bytes and descriptor.
    pub(crate) async fn manifest_bytes(
        &self,
        repo: &str,
        digest: &Digest,
    ) -> Result<ManifestBytes, Error> {
        let revision = self.revision(repo, digest).await?;
        let content = match self.driver.get_content(&layout::blob_data(digest)).await {
            Ok(b) => b,
            Err(e) if e.is_not_found() => return Err(manifest_unknown(repo, digest)),
            Err(e) => return Err(storage_error(e)),
        };
        digest.verify(&content).map_err(|e| {
            storage_error(DriverError::Backend(format!(
                "stored manifest {digest} is damaged: {e}"
            )))
        })?;
        Ok(ManifestBytes {
            descriptor: Descriptor::new(revision.media_type, digest.clone(), content.len() as u64),
            content,
        })
    }

    /// Every repository name, sorted.
    pub async fn repository_names(&self) -> Result<Vec<String>, Error> {
        let mut names = Vec::new();
        let mut stack = vec![String::new()];
        while let Some(name) = stack.pop() {
            let dir = if name.is_empty() {
                layout::REPOSITORIES.to_string()
            } else {
                layout::repo(&name)
            };
            for child in self.children(&dir).await? {
                if child == layout::REPO_MARKER {
                    names.push(name.clone());
                } else if !child.starts_with('_') {
                    stack.push(if name.is_empty() {
                        child
                    } else {
                        format!("{name}/{child}")
                    });
                }
            }
        }
        names.sort();
        Ok(names)
    }

    /// The digests of every manifest a repository holds.
    pub(crate) async fn manifest_digests(&self, repo: &str) -> Result<Vec<Digest>, Error> {
        let base = layout::revisions(repo);
        let mut out = Vec::new();
        for alg in self.children(&base).await? {
            for hex in self.children(&format!("{base}/{alg}")).await? {
                if let Ok(d) = Digest::parse(&format!("{alg}:{hex}")) {
                    out.push(d);
                }
            }
        }
        Ok(out)
    }

    fn chunk_size(hint: Option<usize>) -> usize {
        hint.unwrap_or(DEFAULT_CHUNK_SIZE).max(1)
    }

    async fn open_upload(&self, repo: &str, chunk_size: usize) -> Result<StorageWriter<D>, Error> {
        let id = new_upload_id();
        self.driver
            .append(&layout::upload_data(repo, &id), &[])
            .await
            .map_err(storage_error)?;
        self.driver
            .put_content(
                &layout::upload_started(repo, &id),
                Bytes::from(now_secs().to_string()),
            )
            .await
            .map_err(storage_error)?;
        Ok(StorageWriter::at(self.clone(), repo, id, 0, chunk_size))
    }

    /// Bytes an upload holds, or `BLOB_UPLOAD_UNKNOWN`.
    async fn upload_size(&self, repo: &str, id: &str) -> Result<u64, Error> {
        if !is_upload_id(id) || !self.exists(&layout::upload_started(repo, id)).await? {
            return Err(upload_unknown(repo, id));
        }
        match self.driver.stat(&layout::upload_data(repo, id)).await {
            Ok(info) => Ok(info.size),
            Err(e) if e.is_not_found() => Ok(0),
            Err(e) => Err(storage_error(e)),
        }
    }

    /// Checks a manifest's references; returns the blobs to store with it (known content).
    async fn check_references(
        &self,
        repo: &str,
        manifest: &Manifest,
    ) -> Result<Vec<(Digest, Bytes)>, Error> {
        let mut implied = Vec::new();
        for blob in manifest.config().into_iter().chain(manifest.layers()) {
            if let Some(bytes) = self.check_blob(repo, blob).await? {
                implied.push((blob.digest.clone(), bytes));
            }
        }
        for child in manifest.manifests() {
            if self.revision(repo, &child.digest).await.is_err() {
                return Err(Error::code(
                    ErrorCode::ManifestBlobUnknown,
                    format!(
                        "index lists manifest {} which this repository does not hold: push it \
                         first",
                        child.digest
                    ),
                ));
            }
            let size = self.content_size(&child.digest).await?.unwrap_or(0);
            if size != child.size {
                return Err(invalid(format!(
                    "index gives manifest {} a size of {} bytes, but it is {size} bytes",
                    child.digest, child.size
                )));
            }
        }
        Ok(implied)
    }

    async fn check_blob(&self, repo: &str, blob: &Descriptor) -> Result<Option<Bytes>, Error> {
        if let Ok(size) = self.blob_size(repo, &blob.digest).await {
            if size != blob.size {
                return Err(invalid(format!(
                    "descriptor gives blob {} a size of {} bytes, but it is {size} bytes",
                    blob.digest, blob.size
                )));
            }
            return Ok(None);
        }
        ociscope_core::memory::unstored_blob(blob)
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

impl<D: StorageDriver> Spec for DriverRegistry<D> {
    type Reader = StorageReader<D>;
    type Writer = StorageWriter<D>;

    async fn ping(&self) -> Result<PingInfo, Error> {
        Ok(PingInfo {
            api_version: Some("registry/2.0".into()),
            referrers_api: Some(true),
            chunk_min_length: None,
        })
    }

    async fn stat_manifest(
        &self,
        repo: &RepoName,
        reference: &ManifestRef,
    ) -> Result<Descriptor, Error> {
        let digest = self.resolve(repo, reference).await?;
        let revision = self.revision(repo, &digest).await?;
        let size = self
            .content_size(&digest)
            .await?
            .ok_or_else(|| manifest_unknown(repo, &digest))?;
        Ok(Descriptor::new(revision.media_type, digest, size))
    }

    async fn get_manifest(
        &self,
        repo: &RepoName,
        reference: &ManifestRef,
    ) -> Result<ManifestBytes, Error> {
        let digest = self.resolve(repo, reference).await?;
        self.manifest_bytes(repo, &digest).await
    }

    async fn stat_blob(&self, repo: &RepoName, digest: &Digest) -> Result<Descriptor, Error> {
        let size = self.blob_size(repo, digest).await?;
        Ok(Descriptor::new(BLOB_MEDIA_TYPE, digest.clone(), size))
    }

    async fn get_blob(&self, repo: &RepoName, digest: &Digest) -> Result<StorageReader<D>, Error> {
        let size = self.blob_size(repo, digest).await?;
        let descriptor = Descriptor::new(BLOB_MEDIA_TYPE, digest.clone(), size);
        let verifier = digest.verifier(Some(size)).ok();
        Ok(StorageReader {
            driver: self.driver.clone(),
            path: layout::blob_data(digest),
            position: 0,
            end: size,
            descriptor,
            verifier,
        })
    }

    async fn get_blob_range(
        &self,
        repo: &RepoName,
        digest: &Digest,
        start: u64,
        end: Option<u64>,
    ) -> Result<StorageReader<D>, Error> {
        let size = self.blob_size(repo, digest).await?;
        let end = end.unwrap_or(size).min(size);
        if start >= size || end <= start {
            return Err(Error::code(
                ErrorCode::RangeInvalid,
                format!("range {start}..{end} is not satisfiable: blob {digest} has {size} bytes"),
            ));
        }
        Ok(StorageReader {
            driver: self.driver.clone(),
            path: layout::blob_data(digest),
            position: start,
            end,
            descriptor: Descriptor::new(BLOB_MEDIA_TYPE, digest.clone(), size),
            verifier: None,
        })
    }

    async fn push_manifest(
        &self,
        repo: &RepoName,
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
        let implied = self.check_references(repo, &manifest).await?;
        for (digest, bytes) in implied {
            self.store_blob(repo, &digest, bytes).await?;
        }
        let digest = manifest.digest().clone();
        self.ensure_repo(repo).await?;
        if self.content_size(&digest).await?.is_none() {
            self.driver
                .put_content(&layout::blob_data(&digest), content.clone())
                .await
                .map_err(storage_error)?;
        }
        let subject = manifest.subject().map(|s| s.digest.clone());
        let mut link = json!({ "mediaType": manifest.media_type() });
        if let Some(s) = &subject {
            link["subject"] = json!(s.as_str());
        }
        if let Some(s) = &subject {
            let mut d = Descriptor::new(manifest.media_type(), digest.clone(), manifest.size());
            d.artifact_type = manifest.artifact_type().map(str::to_string);
            d.annotations = manifest.annotations().clone();
            let entry = serde_json::to_vec(&d).map_err(|e| Error::invalid(e.to_string()))?;
            self.driver
                .put_content(&layout::referrer_link(repo, s, &digest), Bytes::from(entry))
                .await
                .map_err(storage_error)?;
        }
        self.driver
            .put_content(
                &layout::revision_link(repo, &digest),
                Bytes::from(link.to_string()),
            )
            .await
            .map_err(storage_error)?;
        for tag in tags {
            self.driver
                .put_content(
                    &layout::tag_link(repo, tag),
                    Bytes::from(digest.to_string()),
                )
                .await
                .map_err(storage_error)?;
        }
        Ok(Descriptor::new(
            manifest.media_type(),
            digest,
            content.len() as u64,
        ))
    }

    async fn push_blob(
        &self,
        repo: &RepoName,
        expected: &Descriptor,
        content: Bytes,
    ) -> Result<Descriptor, Error> {
        expected.verify(&content).map_err(content_mismatch)?;
        self.store_blob(repo, &expected.digest, content).await?;
        let media_type = if expected.media_type.is_empty() {
            BLOB_MEDIA_TYPE
        } else {
            &expected.media_type
        };
        Ok(Descriptor::new(
            media_type,
            expected.digest.clone(),
            expected.size,
        ))
    }

    async fn start_upload(
        &self,
        repo: &RepoName,
        chunk_size: Option<usize>,
    ) -> Result<StorageWriter<D>, Error> {
        self.open_upload(repo, Self::chunk_size(chunk_size)).await
    }

    async fn resume_upload(
        &self,
        repo: &RepoName,
        id: &str,
        at: ResumeAt,
        chunk_size: Option<usize>,
    ) -> Result<StorageWriter<D>, Error> {
        let held = self.upload_size(repo, id).await?;
        let offset = match at {
            ResumeAt::RegistryOffset => held,
            ResumeAt::Offset(o) => o,
        };
        if offset != held {
            return Err(Error::code(
                ErrorCode::RangeInvalid,
                format!(
                    "upload {id:?} holds {held} bytes, not {offset}: resume from offset {held}"
                ),
            ));
        }
        Ok(StorageWriter::at(
            self.clone(),
            repo,
            id.to_string(),
            held,
            Self::chunk_size(chunk_size),
        ))
    }

    async fn mount_blob(
        &self,
        from_repo: &RepoName,
        repo: &RepoName,
        digest: &Digest,
    ) -> Result<Mount<StorageWriter<D>>, Error> {
        if self.blob_size(from_repo, digest).await.is_ok() {
            self.link_blob(repo, digest).await?;
            return Ok(Mount::Mounted);
        }
        Ok(Mount::Upload(
            self.open_upload(repo, Self::chunk_size(None)).await?,
        ))
    }

    async fn delete_manifest(&self, repo: &RepoName, digest: &Digest) -> Result<(), Error> {
        let revision = self.revision(repo, digest).await?;
        if let Some(subject) = &revision.subject {
            let entry = format!(
                "{}/{}/{}",
                layout::referrers_dir(repo, subject),
                digest.algorithm(),
                digest.encoded()
            );
            match self.driver.delete(&entry).await {
                Ok(()) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(storage_error(e)),
            }
        }
        for tag in self.children(&layout::tags(repo)).await? {
            if self.resolve_tag(repo, &tag).await.ok().as_ref() == Some(digest) {
                self.driver
                    .delete(&layout::tag_dir(repo, &tag))
                    .await
                    .map_err(storage_error)?;
            }
        }
        self.driver
            .delete(&layout::revision_dir(repo, digest))
            .await
            .map_err(storage_error)
    }

    async fn delete_tag(&self, repo: &RepoName, tag: &Tag) -> Result<(), Error> {
        self.resolve_tag(repo, tag).await?;
        self.driver
            .delete(&layout::tag_dir(repo, tag))
            .await
            .map_err(storage_error)
    }

    async fn delete_blob(&self, repo: &RepoName, digest: &Digest) -> Result<(), Error> {
        self.blob_size(repo, digest).await?;
        self.driver
            .delete(&layout::layer_dir(repo, digest))
            .await
            .map_err(storage_error)
    }

    async fn list_repositories(&self, page: &PageRequest) -> Result<Page, Error> {
        let names = self.repository_names().await?;
        Ok(Page::of_sorted(names, String::as_str, page, None))
    }

    async fn list_tags(&self, repo: &RepoName, page: &PageRequest) -> Result<Page, Error> {
        if !self.repo_exists(repo).await? {
            return Err(Error::code(
                ErrorCode::NameUnknown,
                format!("repository {repo:?} does not exist (repositories are created by a push)"),
            ));
        }
        let mut tags = self.children(&layout::tags(repo)).await?;
        tags.sort();
        Ok(Page::of_sorted(tags, String::as_str, page, None))
    }

    async fn list_referrers(
        &self,
        repo: &RepoName,
        digest: &Digest,
        artifact_type: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Descriptor>, Error> {
        let base = layout::referrers_dir(repo, digest);
        let mut all = Vec::new();
        for alg in self.children(&base).await? {
            for hex in self.children(&format!("{base}/{alg}")).await? {
                let path = format!("{base}/{alg}/{hex}/link");
                let entry = match self.driver.get_content(&path).await {
                    Ok(b) => b,
                    Err(e) if e.is_not_found() => continue,
                    Err(e) => return Err(storage_error(e)),
                };
                if let Ok(d) = serde_json::from_slice::<Descriptor>(&entry) {
                    if artifact_type.is_none_or(|t| d.artifact_type.as_deref() == Some(t)) {
                        all.push(d);
                    }
                }
            }
        }
        all.sort_by(|a, b| a.digest.as_str().cmp(b.digest.as_str()));
        Ok(Page::of_sorted(all, |d| d.digest.as_str(), page, None))
    }
}

/// A blob read from a driver in chunks; whole-blob reads are verified against the digest.
pub struct StorageReader<D> {
    driver: Rc<D>,
    path: String,
    position: u64,
    end: u64,
    descriptor: Descriptor,
    verifier: Option<Verifier>,
}

impl<D: StorageDriver> BlobReader for StorageReader<D> {
    fn descriptor(&self) -> &Descriptor {
        &self.descriptor
    }

    async fn next_chunk(&mut self) -> Result<Option<Bytes>, Error> {
        if self.position >= self.end {
            if let Some(v) = self.verifier.take() {
                v.finish()?;
            }
            return Ok(None);
        }
        let want = (self.end - self.position).min(READ_CHUNK as u64) as usize;
        let chunk = self
            .driver
            .read_at(&self.path, self.position, want)
            .await
            .map_err(storage_error)?;
        if chunk.is_empty() {
            return Err(storage_error(DriverError::Backend(format!(
                "{} ended at {} of {} bytes",
                self.path, self.position, self.end
            ))));
        }
        self.position += chunk.len() as u64;
        if let Some(v) = self.verifier.as_mut() {
            v.update(&chunk);
            if self.position >= self.end {
                if let Some(v) = self.verifier.take() {
                    v.finish()?;
                }
            }
        }
        Ok(Some(chunk))
    }
}

/// Where a writer is in its life.
#[derive(Debug)]
enum Stage {
    Open,
    Closed(Resumable),
    Committed,
    Cancelled,
}

/// A blob upload into a [`DriverRegistry`]: every write is appended to the upload's data in
/// the driver at once (see the module doc); see [`BlobWriter`] for the contract.
#[derive(Debug)]
pub struct StorageWriter<D> {
    registry: DriverRegistry<D>,
    repo: String,
    id: String,
    sent: u64,
    chunk_size: usize,
    stage: Stage,
}

impl<D: StorageDriver> StorageWriter<D> {
    fn at(
        registry: DriverRegistry<D>,
        repo: &str,
        id: String,
        sent: u64,
        chunk_size: usize,
    ) -> StorageWriter<D> {
        StorageWriter {
            registry,
            repo: repo.to_string(),
            id,
            sent,
            chunk_size,
            stage: Stage::Open,
        }
    }

    fn ensure_open(&self, action: &str) -> Result<(), Error> {
        match &self.stage {
            Stage::Open => Ok(()),
            Stage::Closed(_) => Err(Error::invalid(format!(
                "cannot {action}: upload {:?} was closed; resume it with resume_upload",
                self.id
            ))),
            Stage::Committed => Err(Error::invalid(format!(
                "cannot {action}: upload {:?} was already committed",
                self.id
            ))),
            Stage::Cancelled => Err(Error::invalid(format!(
                "cannot {action}: upload {:?} was cancelled",
                self.id
            ))),
        }
    }

    /// Checks that the upload still stands where this writer left it.
    async fn check_position(&self) -> Result<(), Error> {
        let held = self.registry.upload_size(&self.repo, &self.id).await?;
        if held != self.sent {
            return Err(Error::code(
                ErrorCode::RangeInvalid,
                format!(
                    "upload {:?} holds {held} bytes but this writer sent {}: another writer \
                     moved it; resume from offset {held}",
                    self.id, self.sent
                ),
            ));
        }
        Ok(())
    }

    /// Reads the upload back and checks it against `digest`.
    async fn verify(&self, digest: &Digest) -> Result<(), Error> {
        let mut verifier = digest.verifier(None).map_err(|e| {
            Error::code(
                ErrorCode::DigestInvalid,
                format!("cannot commit upload {:?} as {digest}: {e}", self.id),
            )
        })?;
        let path = layout::upload_data(&self.repo, &self.id);
        let mut offset = 0;
        while offset < self.sent {
            let want = (self.sent - offset).min(READ_CHUNK as u64 * 4) as usize;
            let chunk = self
                .registry
                .driver
                .read_at(&path, offset, want)
                .await
                .map_err(storage_error)?;
            if chunk.is_empty() {
                break;
            }
            verifier.update(&chunk);
            offset += chunk.len() as u64;
        }
        verifier.finish().map_err(|e| {
            let message = match e {
                DigestError::Mismatch { actual, .. } => format!(
                    "upload {:?} has digest {actual}, not {digest}; the upload is kept: commit \
                     with the right digest or cancel it",
                    self.id
                ),
                other => format!("cannot commit upload {:?} as {digest}: {other}", self.id),
            };
            Error::code(ErrorCode::DigestInvalid, message)
        })
    }
}

impl<D: StorageDriver> BlobWriter for StorageWriter<D> {
    fn id(&self) -> &str {
        &self.id
    }

    fn size(&self) -> u64 {
        self.sent
    }

    fn chunk_size(&self) -> usize {
        self.chunk_size
    }

    async fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        self.ensure_open("write")?;
        if data.is_empty() {
            return Ok(());
        }
        self.check_position().await?;
        let size = self
            .registry
            .driver
            .append(&layout::upload_data(&self.repo, &self.id), data)
            .await
            .map_err(storage_error)?;
        self.sent = size;
        Ok(())
    }

    async fn close(&mut self) -> Result<Resumable, Error> {
        if let Stage::Closed(r) = &self.stage {
            return Ok(r.clone());
        }
        self.ensure_open("close")?;
        let resumable = Resumable {
            id: self.id.clone(),
            offset: self.sent,
        };
        self.stage = Stage::Closed(resumable.clone());
        Ok(resumable)
    }

    async fn commit(&mut self, digest: &Digest) -> Result<Descriptor, Error> {
        self.ensure_open("commit")?;
        self.check_position().await?;
        self.verify(digest).await?;
        let registry = &self.registry;
        if registry.content_size(digest).await?.is_none() {
            if self.sent == 0 {
                // An empty upload may have no data at all (an S3 append of nothing writes none).
                registry
                    .driver
                    .put_content(&layout::blob_data(digest), Bytes::new())
                    .await
                    .map_err(storage_error)?;
            } else {
                registry
                    .driver
                    .rename(
                        &layout::upload_data(&self.repo, &self.id),
                        &layout::blob_data(digest),
                    )
                    .await
                    .map_err(storage_error)?;
            }
        }
        registry.link_blob(&self.repo, digest).await?;
        match registry
            .driver
            .delete(&layout::upload_dir(&self.repo, &self.id))
            .await
        {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(storage_error(e)),
        }
        self.stage = Stage::Committed;
        Ok(Descriptor::new(BLOB_MEDIA_TYPE, digest.clone(), self.sent))
    }

    async fn cancel(&mut self) -> Result<(), Error> {
        match self.stage {
            Stage::Committed | Stage::Cancelled => Ok(()),
            Stage::Open | Stage::Closed(_) => {
                if is_upload_id(&self.id) {
                    match self
                        .registry
                        .driver
                        .delete(&layout::upload_dir(&self.repo, &self.id))
                        .await
                    {
                        Ok(()) => {}
                        Err(e) if e.is_not_found() => {}
                        Err(e) => return Err(storage_error(e)),
                    }
                }
                self.stage = Stage::Cancelled;
                Ok(())
            }
        }
    }
}
