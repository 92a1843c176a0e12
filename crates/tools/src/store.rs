//! Repository-scoped stores over a [`Spec`], in the shape of the classic ones (CNCF
//! distribution's `BlobStore`, `ManifestService` and `TagService`; oras-go's `Repository`):
//! code that works inside one repository names it once.
//!
//! Rules:
//! - A [`Repository`] holds its registry through anything that dereferences to a `Spec`: a
//!   borrow (`Repository::new(&registry, name)`) or a shared owner (`Rc<S>`) for code that
//!   cannot hold a lifetime (the npm package).
//! - The stores add no behaviour of their own: errors are the registry's, with its spec codes,
//!   except `exists`, which answers `false` for "not found" (404 or a `*_UNKNOWN` code) and
//!   passes every other error on.
//! - Pushing bytes computes their sha256 digest ([`Digest::sha256_of`]); tagging an existing
//!   manifest fetches its bytes by digest (verified) and pushes them again under the tag, with
//!   the media type the registry gave, as distribution-spec registries expect.

use std::ops::Deref;

use bytes::Bytes;
use ociscope_core::descriptor::Descriptor;
use ociscope_core::digest::Digest;
use ociscope_core::spec::{
    collect_all, collect_referrers, BlobReader, Error, ManifestBytes, ManifestRef, Mount, Page,
    PageRequest, RepoName, ResumeAt, Spec, Tag,
};

/// The registry type behind a handle.
type SpecOf<P> = <P as Deref>::Target;
/// The reader type of the registry behind a handle.
type ReaderOf<P> = <SpecOf<P> as Spec>::Reader;
/// The writer type of the registry behind a handle.
type WriterOf<P> = <SpecOf<P> as Spec>::Writer;

/// Page size used when following every page of a tag list.
const TAG_PAGE: usize = 1000;

/// `Ok(false)` for "not found", the error for anything else.
fn found<T>(result: Result<T, Error>) -> Result<bool, Error> {
    match result {
        Ok(_) => Ok(true),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(e),
    }
}

/// One repository of a registry.
#[derive(Clone, Debug)]
pub struct Repository<P> {
    spec: P,
    name: RepoName,
}

impl<P> Repository<P>
where
    P: Deref,
    P::Target: Spec + Sized,
{
    /// Repository `name` of the registry `spec` points at.
    pub fn new(spec: P, name: RepoName) -> Repository<P> {
        Repository { spec, name }
    }

    /// Repository `name` (checked: `NAME_INVALID` when it is not a repository name).
    pub fn open(spec: P, name: &str) -> Result<Repository<P>, Error> {
        Ok(Repository::new(spec, RepoName::new(name)?))
    }

    /// The repository's name.
    pub fn name(&self) -> &RepoName {
        &self.name
    }

    /// The registry.
    pub fn spec(&self) -> &SpecOf<P> {
        &self.spec
    }

    /// The repository's blobs.
    pub fn blobs(&self) -> Blobs<'_, P> {
        Blobs { repo: self }
    }

    /// The repository's manifests.
    pub fn manifests(&self) -> Manifests<'_, P> {
        Manifests { repo: self }
    }

    /// The repository's tags.
    pub fn tags(&self) -> Tags<'_, P> {
        Tags { repo: self }
    }
}

/// The blobs of one repository.
#[derive(Debug)]
pub struct Blobs<'r, P> {
    repo: &'r Repository<P>,
}

impl<P> Blobs<'_, P>
where
    P: Deref,
    P::Target: Spec + Sized,
{
    fn spec(&self) -> &SpecOf<P> {
        &self.repo.spec
    }

    fn name(&self) -> &RepoName {
        &self.repo.name
    }

    /// A reader of the blob, verified against `digest` before it reports its end.
    pub async fn fetch(&self, digest: &Digest) -> Result<ReaderOf<P>, Error> {
        self.spec().get_blob(self.name(), digest).await
    }

    /// A reader of bytes `start..end` of the blob (see [`Spec::get_blob_range`]).
    pub async fn fetch_range(
        &self,
        digest: &Digest,
        start: u64,
        end: Option<u64>,
    ) -> Result<ReaderOf<P>, Error> {
        self.spec()
            .get_blob_range(self.name(), digest, start, end)
            .await
    }

    /// The whole blob in memory, verified, refusing more than `limit` bytes.
    pub async fn read(&self, digest: &Digest, limit: u64) -> Result<Bytes, Error> {
        self.fetch(digest).await?.read_to_end(limit).await
    }

    /// Stores `content` (its sha256 digest computed here) with `media_type`.
    pub async fn push(&self, media_type: &str, content: Bytes) -> Result<Descriptor, Error> {
        let expected = Descriptor::new(
            media_type,
            Digest::sha256_of(&content),
            content.len() as u64,
        );
        self.push_expected(&expected, content).await
    }

    /// Stores `content`, which must match `expected` (`SIZE_INVALID` / `DIGEST_INVALID`).
    pub async fn push_expected(
        &self,
        expected: &Descriptor,
        content: Bytes,
    ) -> Result<Descriptor, Error> {
        self.spec().push_blob(self.name(), expected, content).await
    }

    /// A writer for a blob pushed in chunks (`chunk_size` is a hint).
    pub async fn writer(&self, chunk_size: Option<usize>) -> Result<WriterOf<P>, Error> {
        self.spec().start_upload(self.name(), chunk_size).await
    }

    /// The writer of an upload started earlier, by id.
    pub async fn resume(
        &self,
        id: &str,
        at: ResumeAt,
        chunk_size: Option<usize>,
    ) -> Result<WriterOf<P>, Error> {
        self.spec()
            .resume_upload(self.name(), id, at, chunk_size)
            .await
    }

    /// True when the repository holds the blob.
    pub async fn exists(&self, digest: &Digest) -> Result<bool, Error> {
        found(self.stat(digest).await)
    }

    /// The blob's descriptor, without its content.
    pub async fn stat(&self, digest: &Digest) -> Result<Descriptor, Error> {
        self.spec().stat_blob(self.name(), digest).await
    }

    /// Deletes the blob.
    pub async fn delete(&self, digest: &Digest) -> Result<(), Error> {
        self.spec().delete_blob(self.name(), digest).await
    }

    /// Mounts the blob from repository `from` of the same registry, or hands back the upload
    /// session the registry opened instead.
    pub async fn mount_from(
        &self,
        from: &RepoName,
        digest: &Digest,
    ) -> Result<Mount<WriterOf<P>>, Error> {
        self.spec().mount_blob(from, self.name(), digest).await
    }
}

/// The manifests of one repository.
#[derive(Debug)]
pub struct Manifests<'r, P> {
    repo: &'r Repository<P>,
}

impl<P> Manifests<'_, P>
where
    P: Deref,
    P::Target: Spec + Sized,
{
    fn spec(&self) -> &SpecOf<P> {
        &self.repo.spec
    }

    fn name(&self) -> &RepoName {
        &self.repo.name
    }

    /// The manifest's bytes and descriptor, by tag or digest.
    pub async fn fetch(&self, reference: &ManifestRef) -> Result<ManifestBytes, Error> {
        self.spec().get_manifest(self.name(), reference).await
    }

    /// The manifest's descriptor, by tag or digest, without its content.
    pub async fn stat(&self, reference: &ManifestRef) -> Result<Descriptor, Error> {
        self.spec().stat_manifest(self.name(), reference).await
    }

    /// True when the repository holds the manifest (or the tag).
    pub async fn exists(&self, reference: &ManifestRef) -> Result<bool, Error> {
        found(self.stat(reference).await)
    }

    /// The descriptor of the manifest `tag` points at.
    pub async fn resolve(&self, tag: &Tag) -> Result<Descriptor, Error> {
        self.stat(&ManifestRef::Tag(tag.clone())).await
    }

    /// Stores a manifest and points each of `tags` at it.
    pub async fn push(
        &self,
        media_type: &str,
        content: Bytes,
        tags: &[Tag],
    ) -> Result<Descriptor, Error> {
        self.spec()
            .push_manifest(self.name(), media_type, content, tags)
            .await
    }

    /// Deletes the manifest and every tag on it.
    pub async fn delete(&self, digest: &Digest) -> Result<(), Error> {
        self.spec().delete_manifest(self.name(), digest).await
    }

    /// Every manifest whose subject is `digest`, optionally of one artifact type.
    pub async fn referrers(
        &self,
        digest: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Vec<Descriptor>, Error> {
        collect_referrers(self.spec(), self.name(), digest, artifact_type, None).await
    }
}

/// The tags of one repository.
#[derive(Debug)]
pub struct Tags<'r, P> {
    repo: &'r Repository<P>,
}

impl<P> Tags<'_, P>
where
    P: Deref,
    P::Target: Spec + Sized,
{
    fn spec(&self) -> &SpecOf<P> {
        &self.repo.spec
    }

    fn name(&self) -> &RepoName {
        &self.repo.name
    }

    /// One page of tags in lexical order, as `page` asks: at most `size`, after `start_after`
    /// (the last tag of the previous page), or where an earlier [`Page::next`] says.
    pub async fn page(&self, page: &PageRequest) -> Result<Page, Error> {
        self.spec().list_tags(self.name(), page).await
    }

    /// Every tag, following pages to the end.
    pub async fn all(&self) -> Result<Vec<String>, Error> {
        collect_all(self.spec(), Some(self.name()), TAG_PAGE, None).await
    }

    /// Points `tag` at the manifest `digest` of this repository (its bytes are fetched by
    /// digest and pushed under the tag). `MANIFEST_UNKNOWN` when the manifest is absent.
    pub async fn tag(&self, digest: &Digest, tag: &Tag) -> Result<Descriptor, Error> {
        let manifests = self.repo.manifests();
        let got = manifests
            .fetch(&ManifestRef::Digest(digest.clone()))
            .await?;
        manifests
            .push(
                &got.descriptor.media_type,
                got.content,
                std::slice::from_ref(tag),
            )
            .await
    }

    /// Removes `tag`, leaving the manifest it pointed at.
    pub async fn untag(&self, tag: &Tag) -> Result<(), Error> {
        self.spec().delete_tag(self.name(), tag).await
    }
}
