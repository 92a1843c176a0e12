//! A content store seen as a registry: [`ContentSpec`] is a [`Spec`] over any content store
//! (`ociscope_core::content::Store`) plus a name → descriptor map, so pulling an image into a
//! store and pushing one from it are the copy tools' [`copy_image`](crate::copy::copy_image)
//! with a `ContentSpec` at one end: children, platforms, referrers, retries, skipping what
//! the destination has and tags last all come from `copy`, nothing is written twice.
//!
//! Why a `Spec` view rather than a second "source" trait in `copy`: every tool (copy, plan,
//! ensure, synthesize, children) and every wrapper already takes a `Spec`, and the
//! behaviour of a registry is already pinned down by the Spec suite; a view makes all of them
//! work on a store at once.
//!
//! Rules of the view:
//! - **One namespace.** A content store has no repositories: every repository of the view sees
//!   every blob and manifest (as one registry with mounts everywhere); only tags are per
//!   repository. `mount_blob` answers `Mounted` whenever the store has the blob. This is the
//!   one departure from the Spec suite (whose mount check wants a blob absent from a
//!   repository it was not pushed to), declared as `mount: false` when the suite runs.
//! - **Names** (`repository:tag` → descriptor) live in the view ([`Names`]), as containerd's
//!   image store lives beside its content store, and are also kept **as labels** on the
//!   manifest they point at (`ociscope.name.REPO:TAG`, [`LABEL_NAME_PREFIX`], valued with the
//!   time it was tagged), so a persistent store keeps them: [`ContentSpec::open`] reads them
//!   back. A read-only store (a tarball) keeps them in the view only.
//! - **Manifests** are content too, labelled [`LABEL_MEDIA_TYPE`] (their media type) and,
//!   when they have a subject, [`LABEL_SUBJECT`] / [`LABEL_ARTIFACT_TYPE`], which is how
//!   referrers are listed (a walk filtered by label). Content without the media-type label (a
//!   tarball's) has its kind detected from the document.
//! - **Uploads** are ingests: the upload id is the ingest's ref, so an upload closed in one
//!   session resumes in another over the same persistent store.
//! - Errors are the registry's spec codes: absent content is `BLOB_UNKNOWN` /
//!   `MANIFEST_UNKNOWN`, a wrong size or digest `SIZE_INVALID` / `DIGEST_INVALID`, a read-only
//!   store `DENIED`.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use bytes::Bytes;
use ociscope_core::content::{
    read_blob, write_blob_at, Condition, Error as ContentError, Filter, Labels, ReaderAt, Store,
    Writer, WriterOptions,
};
use ociscope_core::digest::Verifier;
use ociscope_core::manifest::Manifest;
use ociscope_core::registry_error::ErrorCode;
use ociscope_core::spec::{
    BlobReader, BlobWriter, Error, ManifestBytes, ManifestRef, Mount, Page, PageRequest, PingInfo,
    RepoName, Resumable, ResumeAt, Spec, Tag, DEFAULT_CHUNK_SIZE,
};
use ociscope_core::{Descriptor, Digest, DigestError};

/// Label holding a manifest's media type.
pub const LABEL_MEDIA_TYPE: &str = "ociscope.media-type";
/// Label holding the digest of a manifest's subject.
pub const LABEL_SUBJECT: &str = "ociscope.subject";
/// Label holding a manifest's artifactType (its config's media type when it has none).
pub const LABEL_ARTIFACT_TYPE: &str = "ociscope.artifact-type";

/// Prefix of the labels naming a manifest: `ociscope.name.REPO:TAG`, valued with the time
/// (ms since the epoch) it was tagged.
pub const LABEL_NAME_PREFIX: &str = "ociscope.name.";

/// The label key naming `repo:tag`.
pub fn name_label(repo: &RepoName, tag: &Tag) -> String {
    format!("{LABEL_NAME_PREFIX}{repo}:{tag}")
}

/// `repo:tag` from a name label's key, when it is one and both parts are valid.
pub fn parse_name_label(key: &str) -> Option<(RepoName, Tag)> {
    let name = key.strip_prefix(LABEL_NAME_PREFIX)?;
    let (repo, tag) = name.rsplit_once(':')?;
    Some((RepoName::new(repo).ok()?, Tag::new(tag).ok()?))
}

/// Largest manifest read (as the registries' 4 MiB).
pub const MANIFEST_LIMIT: u64 = 4 * 1024 * 1024;

/// Media type of blobs, which a store does not record.
const BLOB_MEDIA_TYPE: &str = "application/octet-stream";

/// Tags by repository, each pointing at a manifest descriptor.
pub type Names = BTreeMap<RepoName, BTreeMap<Tag, Descriptor>>;

/// A [`Spec`] over a content store (see the module doc).
pub struct ContentSpec<C> {
    store: C,
    names: RefCell<Names>,
    uploads: Cell<u64>,
}

impl<C: Store + Clone> ContentSpec<C> {
    /// A view of `store` with no names yet.
    pub fn new(store: C) -> ContentSpec<C> {
        ContentSpec::with_names(store, Names::new())
    }

    /// A view of `store` with these names.
    pub fn with_names(store: C, names: Names) -> ContentSpec<C> {
        ContentSpec {
            store,
            names: RefCell::new(names),
            uploads: Cell::new(0),
        }
    }

    /// A view of `store` with the names its labels keep (see the module doc).
    pub async fn open(store: C) -> Result<ContentSpec<C>, Error> {
        let mut names = Names::new();
        for info in store.walk(&Filter::everything()).await? {
            let media_type = info.labels.get(LABEL_MEDIA_TYPE);
            for key in info.labels.keys() {
                let (Some((repo, tag)), Some(media_type)) = (parse_name_label(key), media_type)
                else {
                    continue;
                };
                let d = Descriptor::new(media_type.clone(), info.digest.clone(), info.size);
                names.entry(repo).or_default().insert(tag, d);
            }
        }
        Ok(ContentSpec::with_names(store, names))
    }

    /// Keeps `repo:tag` → `digest` as a label (dropping it from the manifest it named before);
    /// a read-only store keeps names in the view only.
    async fn label_name(
        &self,
        repo: &RepoName,
        tag: &Tag,
        before: Option<&Digest>,
        now: Option<&Digest>,
    ) -> Result<(), Error> {
        let key = name_label(repo, tag);
        let path = format!("labels.{key}");
        if let Some(old) = before.filter(|old| Some(*old) != now) {
            match self.store.info(old).await {
                Ok(mut info) => {
                    info.labels.remove(&key);
                    match self.store.update(&info, &[&path]).await {
                        Ok(_) | Err(ContentError::ReadOnly(_)) => {}
                        Err(e) if e.is_not_found() => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e.into()),
            }
        }
        if let Some(digest) = now {
            let mut info = self.store.info(digest).await?;
            let stamp = ociscope_core::content::Timestamp::now().0;
            info.labels.insert(key, stamp.to_string());
            match self.store.update(&info, &[&path]).await {
                Ok(_) | Err(ContentError::ReadOnly(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// The store underneath.
    pub fn store(&self) -> &C {
        &self.store
    }

    /// Every name, for keeping them.
    pub fn names(&self) -> Names {
        self.names.borrow().clone()
    }

    /// Points `repo:tag` at `descriptor` (which the store should hold).
    pub fn set_tag(&self, repo: &RepoName, tag: &Tag, descriptor: Descriptor) {
        self.names
            .borrow_mut()
            .entry(repo.clone())
            .or_default()
            .insert(tag.clone(), descriptor);
    }

    async fn manifest_descriptor(&self, digest: &Digest) -> Result<Descriptor, Error> {
        let info = self
            .store
            .info(digest)
            .await
            .map_err(|e| manifest_error(e, digest))?;
        let media_type = match info.labels.get(LABEL_MEDIA_TYPE) {
            Some(m) => m.clone(),
            None => {
                let bytes = self.read_manifest(digest, info.size).await?;
                Manifest::parse(&bytes, None)
                    .map_err(|_| unknown_manifest(digest))?
                    .media_type()
                    .to_string()
            }
        };
        Ok(Descriptor::new(media_type, digest.clone(), info.size))
    }

    async fn read_manifest(&self, digest: &Digest, size: u64) -> Result<Bytes, Error> {
        if size > MANIFEST_LIMIT {
            return Err(Error::code(
                ErrorCode::ManifestInvalid,
                format!("manifest {digest} is {size} bytes, over the 4 MiB limit"),
            ));
        }
        read_blob(&self.store, digest, MANIFEST_LIMIT)
            .await
            .map_err(|e| manifest_error(e, digest))
    }

    fn resolve(&self, repo: &RepoName, tag: &Tag) -> Result<Descriptor, Error> {
        self.names
            .borrow()
            .get(repo)
            .and_then(|tags| tags.get(tag))
            .cloned()
            .ok_or_else(|| {
                Error::code(
                    ErrorCode::ManifestUnknown,
                    format!("no tag {tag} in {repo} in this content store"),
                )
            })
    }

    async fn reader(
        &self,
        digest: &Digest,
        start: u64,
        end: Option<u64>,
        verify: bool,
    ) -> Result<ContentReader<C::Reader>, Error> {
        let reader = self
            .store
            .reader_at(digest)
            .await
            .map_err(|e| blob_error(e, digest))?;
        let size = reader.size();
        let end = end.map_or(size, |e| e.min(size));
        if !verify && (start >= size || end <= start) {
            return Err(Error::code(
                ErrorCode::RangeInvalid,
                format!("range {start}..{end} of a {size}-byte blob"),
            ));
        }
        let verifier = if verify {
            Some(digest.verifier(Some(size))?)
        } else {
            None
        };
        Ok(ContentReader {
            descriptor: Descriptor::new(BLOB_MEDIA_TYPE, digest.clone(), size),
            reader,
            offset: start,
            end,
            verifier,
        })
    }

    async fn open_upload(
        &self,
        reference: String,
        chunk: Option<usize>,
    ) -> Result<ContentUpload<C>, Error> {
        let writer = self
            .store
            .writer(&WriterOptions::new(&reference))
            .await
            .map_err(upload_error)?;
        Ok(ContentUpload {
            store: self.store.clone(),
            writer,
            reference,
            chunk: chunk.unwrap_or(DEFAULT_CHUNK_SIZE).max(1),
            done: false,
        })
    }

    async fn new_upload(&self, chunk: Option<usize>) -> Result<ContentUpload<C>, Error> {
        let stamp = ociscope_core::content::Timestamp::now().0;
        loop {
            let n = self.uploads.get() + 1;
            self.uploads.set(n);
            let reference = format!("upload-{stamp}-{n}");
            match self.store.status(&reference).await {
                Err(e) if e.is_not_found() => return self.open_upload(reference, chunk).await,
                Err(e) => return Err(e.into()),
                Ok(_) => continue,
            }
        }
    }
}

fn unknown_manifest(digest: &Digest) -> Error {
    Error::code(
        ErrorCode::ManifestUnknown,
        format!("manifest {digest} is not in this content store"),
    )
}

fn manifest_error(e: ContentError, digest: &Digest) -> Error {
    if e.is_not_found() {
        unknown_manifest(digest)
    } else {
        e.into()
    }
}

fn blob_error(e: ContentError, digest: &Digest) -> Error {
    if e.is_not_found() {
        Error::code(
            ErrorCode::BlobUnknown,
            format!("blob {digest} is not in this content store"),
        )
    } else {
        e.into()
    }
}

fn upload_error(e: ContentError) -> Error {
    match e {
        ContentError::NotFound { what } => Error::code(
            ErrorCode::BlobUploadUnknown,
            format!("{what}: no such upload in this content store"),
        ),
        e => e.into(),
    }
}

/// The labels a manifest is stored with.
pub(crate) fn manifest_labels(manifest: &Manifest) -> Labels {
    let mut labels = Labels::from([(
        LABEL_MEDIA_TYPE.to_string(),
        manifest.media_type().to_string(),
    )]);
    if let Some(subject) = manifest.subject() {
        labels.insert(LABEL_SUBJECT.into(), subject.digest.to_string());
        if let Some(t) = manifest.artifact_type() {
            labels.insert(LABEL_ARTIFACT_TYPE.into(), t.to_string());
        }
    }
    labels
}

impl<C: Store + Clone> Spec for ContentSpec<C> {
    type Reader = ContentReader<C::Reader>;
    type Writer = ContentUpload<C>;

    async fn ping(&self) -> Result<PingInfo, Error> {
        Ok(PingInfo {
            api_version: None,
            referrers_api: Some(true),
            chunk_min_length: None,
        })
    }

    async fn stat_manifest(
        &self,
        repo: &RepoName,
        reference: &ManifestRef,
    ) -> Result<Descriptor, Error> {
        match reference {
            ManifestRef::Tag(t) => self.resolve(repo, t),
            ManifestRef::Digest(d) => self.manifest_descriptor(d).await,
        }
    }

    async fn get_manifest(
        &self,
        repo: &RepoName,
        reference: &ManifestRef,
    ) -> Result<ManifestBytes, Error> {
        let descriptor = self.stat_manifest(repo, reference).await?;
        let content = self
            .read_manifest(&descriptor.digest, descriptor.size)
            .await?;
        Ok(ManifestBytes {
            descriptor,
            content,
        })
    }

    async fn stat_blob(&self, _repo: &RepoName, digest: &Digest) -> Result<Descriptor, Error> {
        let info = self
            .store
            .info(digest)
            .await
            .map_err(|e| blob_error(e, digest))?;
        Ok(Descriptor::new(BLOB_MEDIA_TYPE, digest.clone(), info.size))
    }

    async fn get_blob(&self, _repo: &RepoName, digest: &Digest) -> Result<Self::Reader, Error> {
        self.reader(digest, 0, None, true).await
    }

    async fn get_blob_range(
        &self,
        _repo: &RepoName,
        digest: &Digest,
        start: u64,
        end: Option<u64>,
    ) -> Result<Self::Reader, Error> {
        self.reader(digest, start, end, false).await
    }

    async fn push_manifest(
        &self,
        repo: &RepoName,
        media_type: &str,
        content: Bytes,
        tags: &[Tag],
    ) -> Result<Descriptor, Error> {
        let manifest = Manifest::parse(&content, Some(media_type))
            .map_err(|e| Error::code(ErrorCode::ManifestInvalid, e.to_string()))?;
        for child in manifest
            .config()
            .into_iter()
            .chain(manifest.layers())
            .chain(manifest.manifests())
        {
            if !child.urls.is_empty()
                && ociscope_core::media_type::is_nondistributable(&child.media_type)
            {
                continue;
            }
            if let Err(e) = self.store.info(&child.digest).await {
                return Err(if e.is_not_found() {
                    Error::code(
                        ErrorCode::ManifestBlobUnknown,
                        format!(
                            "the manifest names {} ({}), which this content store lacks",
                            child.digest, child.media_type
                        ),
                    )
                } else {
                    e.into()
                });
            }
        }
        let descriptor =
            Descriptor::new(media_type, manifest.digest().clone(), content.len() as u64);
        let labels = manifest_labels(&manifest);
        let reference = format!("manifest-{}", descriptor.digest);
        let wrote = write_blob_at(
            &self.store,
            &reference,
            &content,
            &descriptor,
            labels.clone(),
        )
        .await?;
        if !wrote {
            // Present already (a tarball's, or pushed as a blob): make sure it carries the labels.
            let mut info = self.store.info(&descriptor.digest).await?;
            let keys: Vec<String> = labels.keys().cloned().collect();
            info.labels = labels;
            let paths: Vec<String> = keys.iter().map(|k| format!("labels.{k}")).collect();
            let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
            match self.store.update(&info, &paths).await {
                Ok(_) | Err(ContentError::ReadOnly(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        for t in tags {
            let before = self
                .names
                .borrow()
                .get(repo)
                .and_then(|n| n.get(t))
                .map(|d| d.digest.clone());
            self.label_name(repo, t, before.as_ref(), Some(&descriptor.digest))
                .await?;
            self.set_tag(repo, t, descriptor.clone());
        }
        Ok(descriptor)
    }

    async fn push_blob(
        &self,
        _repo: &RepoName,
        expected: &Descriptor,
        content: Bytes,
    ) -> Result<Descriptor, Error> {
        if content.len() as u64 != expected.size {
            return Err(Error::code(
                ErrorCode::SizeInvalid,
                format!(
                    "blob is {} bytes, expected {}",
                    content.len(),
                    expected.size
                ),
            ));
        }
        expected
            .digest
            .verify(&content)
            .map_err(|e| Error::code(ErrorCode::DigestInvalid, e.to_string()))?;
        let reference = format!("push-{}", expected.digest);
        write_blob_at(&self.store, &reference, &content, expected, Labels::new()).await?;
        Ok(Descriptor::new(
            BLOB_MEDIA_TYPE,
            expected.digest.clone(),
            expected.size,
        ))
    }

    async fn start_upload(
        &self,
        _repo: &RepoName,
        chunk_size: Option<usize>,
    ) -> Result<Self::Writer, Error> {
        self.new_upload(chunk_size).await
    }

    async fn resume_upload(
        &self,
        _repo: &RepoName,
        id: &str,
        at: ResumeAt,
        chunk_size: Option<usize>,
    ) -> Result<Self::Writer, Error> {
        let status = self.store.status(id).await.map_err(upload_error)?;
        if let ResumeAt::Offset(n) = at {
            if n != status.offset {
                return Err(Error::code(
                    ErrorCode::RangeInvalid,
                    format!("upload {id} stands at {}, not {n}", status.offset),
                ));
            }
        }
        self.open_upload(id.to_string(), chunk_size).await
    }

    async fn mount_blob(
        &self,
        _from: &RepoName,
        _repo: &RepoName,
        digest: &Digest,
    ) -> Result<Mount<Self::Writer>, Error> {
        match self.store.info(digest).await {
            Ok(_) => Ok(Mount::Mounted),
            Err(e) if e.is_not_found() => Ok(Mount::Upload(self.new_upload(None).await?)),
            Err(e) => Err(e.into()),
        }
    }

    async fn delete_manifest(&self, _repo: &RepoName, digest: &Digest) -> Result<(), Error> {
        self.store
            .delete(digest)
            .await
            .map_err(|e| manifest_error(e, digest))?;
        for tags in self.names.borrow_mut().values_mut() {
            tags.retain(|_, d| &d.digest != digest);
        }
        Ok(())
    }

    async fn delete_tag(&self, repo: &RepoName, tag: &Tag) -> Result<(), Error> {
        let removed = self
            .names
            .borrow_mut()
            .get_mut(repo)
            .and_then(|t| t.remove(tag));
        let Some(removed) = removed else {
            return Err(Error::code(
                ErrorCode::ManifestUnknown,
                format!("no tag {tag} in {repo}"),
            ));
        };
        self.label_name(repo, tag, Some(&removed.digest), None)
            .await
    }

    async fn delete_blob(&self, _repo: &RepoName, digest: &Digest) -> Result<(), Error> {
        self.store
            .delete(digest)
            .await
            .map_err(|e| blob_error(e, digest))
    }

    async fn list_repositories(&self, page: &PageRequest) -> Result<Page, Error> {
        let names: Vec<String> = self
            .names
            .borrow()
            .iter()
            .filter(|(_, tags)| !tags.is_empty())
            .map(|(r, _)| r.to_string())
            .collect();
        Ok(Page::of_sorted(names, |s| s.as_str(), page, None))
    }

    async fn list_tags(&self, repo: &RepoName, page: &PageRequest) -> Result<Page, Error> {
        let names = self.names.borrow();
        let tags = names.get(repo).filter(|t| !t.is_empty()).ok_or_else(|| {
            Error::code(
                ErrorCode::NameUnknown,
                format!("no repository {repo} in this content store"),
            )
        })?;
        let list: Vec<String> = tags.keys().map(|t| t.to_string()).collect();
        Ok(Page::of_sorted(list, |s| s.as_str(), page, None))
    }

    async fn list_referrers(
        &self,
        _repo: &RepoName,
        digest: &Digest,
        artifact_type: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Descriptor>, Error> {
        let mut filter = Filter::everything().and(Condition::LabelEquals(
            LABEL_SUBJECT.into(),
            digest.to_string(),
        ));
        if let Some(t) = artifact_type {
            filter = filter.and(Condition::LabelEquals(
                LABEL_ARTIFACT_TYPE.into(),
                t.to_string(),
            ));
        }
        let mut out = Vec::new();
        for info in self.store.walk(&filter).await? {
            let bytes = self.read_manifest(&info.digest, info.size).await?;
            let media_type = info.labels.get(LABEL_MEDIA_TYPE).cloned();
            let manifest = Manifest::parse(&bytes, media_type.as_deref())?;
            let mut d = Descriptor::new(manifest.media_type(), info.digest.clone(), info.size);
            d.artifact_type = manifest.artifact_type().map(str::to_string);
            d.annotations = manifest.annotations().clone();
            out.push(d);
        }
        Ok(Page::of_sorted(out, |d| d.digest.as_str(), page, None))
    }
}

/// A blob of the store read in chunks, verified when read whole.
pub struct ContentReader<R> {
    descriptor: Descriptor,
    reader: R,
    offset: u64,
    end: u64,
    verifier: Option<Verifier>,
}

impl<R: ReaderAt> BlobReader for ContentReader<R> {
    fn descriptor(&self) -> &Descriptor {
        &self.descriptor
    }

    async fn next_chunk(&mut self) -> Result<Option<Bytes>, Error> {
        if self.offset >= self.end {
            if let Some(v) = self.verifier.take() {
                v.finish()?;
            }
            return Ok(None);
        }
        let want = usize::try_from(self.end - self.offset)
            .unwrap_or(usize::MAX)
            .min(DEFAULT_CHUNK_SIZE / 8);
        let chunk = self.reader.read_at(self.offset, want).await?;
        if chunk.is_empty() {
            return Err(Error::Digest(DigestError::SizeMismatch {
                digest: self.descriptor.digest.clone(),
                expected: self.end,
                actual: self.offset,
            }));
        }
        self.offset += chunk.len() as u64;
        if let Some(v) = self.verifier.as_mut() {
            v.update(&chunk);
        }
        Ok(Some(chunk))
    }

    fn external(&self) -> Option<ociscope_core::client::External> {
        let all = self.reader.external()?;
        (all.len() >= self.end).then(|| all.slice(self.offset, self.end))
    }
}

/// An upload into the store: an ingest whose ref is the upload id.
pub struct ContentUpload<C: Store> {
    store: C,
    writer: C::Writer,
    reference: String,
    chunk: usize,
    done: bool,
}

impl<C: Store> BlobWriter for ContentUpload<C> {
    fn id(&self) -> &str {
        &self.reference
    }

    fn size(&self) -> u64 {
        self.writer.status().offset
    }

    /// The caller's hint (every write goes to the store at once; chunks only pace progress).
    fn chunk_size(&self) -> usize {
        self.chunk
    }

    async fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        self.writer.write(data).await.map_err(Error::from)
    }

    async fn close(&mut self) -> Result<Resumable, Error> {
        let status = self.writer.close().await?;
        Ok(Resumable {
            id: self.reference.clone(),
            offset: status.offset,
        })
    }

    async fn commit(&mut self, digest: &Digest) -> Result<Descriptor, Error> {
        let size = self.writer.status().offset;
        match self.writer.commit(None, Some(digest), Labels::new()).await {
            Ok(info) => {
                self.done = true;
                Ok(Descriptor::new(BLOB_MEDIA_TYPE, info.digest, info.size))
            }
            // A registry accepts an upload of content it has.
            Err(ContentError::AlreadyExists { digest }) => {
                self.done = true;
                Ok(Descriptor::new(BLOB_MEDIA_TYPE, digest, size))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn cancel(&mut self) -> Result<(), Error> {
        if std::mem::replace(&mut self.done, true) {
            return Ok(());
        }
        self.writer.close().await?;
        match self.store.abort(&self.reference).await {
            Ok(()) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}
