//! A forwarding base for wrappers: implement [`Forward`] (say what is wrapped), override the
//! methods that change, and the wrapper is a [`Spec`] whose other methods reach the inner one.

use bytes::Bytes;

use crate::descriptor::Descriptor;
use crate::digest::Digest;

use super::{
    Error, ManifestBytes, ManifestRef, Mount, Page, PageRequest, PingInfo, RepoName, ResumeAt,
    Spec, Tag,
};

/// Type of the wrapped registry's writer.
type WriterOf<F> = <<F as Forward>::Inner as Spec>::Writer;
/// Type of the wrapped registry's reader.
type ReaderOf<F> = <<F as Forward>::Inner as Spec>::Reader;

/// A `Spec` over another one: every method forwards to [`Forward::inner`] unless overridden.
/// Readers and writers are the inner registry's.
///
/// Every type implementing `Forward` is a `Spec` (a blanket impl); bring `Forward` into scope
/// only where the wrapper is written, so calls elsewhere are not ambiguous.
#[allow(async_fn_in_trait)] // No Send bounds: see the `spec` module doc.
pub trait Forward {
    /// The wrapped registry.
    type Inner: Spec;

    /// The wrapped registry.
    fn inner(&self) -> &Self::Inner;

    /// See [`Spec::ping`].
    async fn ping(&self) -> Result<PingInfo, Error> {
        self.inner().ping().await
    }

    /// See [`Spec::stat_manifest`].
    async fn stat_manifest(
        &self,
        repo: &RepoName,
        reference: &ManifestRef,
    ) -> Result<Descriptor, Error> {
        self.inner().stat_manifest(repo, reference).await
    }

    /// See [`Spec::get_manifest`].
    async fn get_manifest(
        &self,
        repo: &RepoName,
        reference: &ManifestRef,
    ) -> Result<ManifestBytes, Error> {
        self.inner().get_manifest(repo, reference).await
    }

    /// See [`Spec::stat_blob`].
    async fn stat_blob(&self, repo: &RepoName, digest: &Digest) -> Result<Descriptor, Error> {
        self.inner().stat_blob(repo, digest).await
    }

    /// See [`Spec::get_blob`].
    async fn get_blob(&self, repo: &RepoName, digest: &Digest) -> Result<ReaderOf<Self>, Error> {
        self.inner().get_blob(repo, digest).await
    }

    /// See [`Spec::get_blob_range`].
    async fn get_blob_range(
        &self,
        repo: &RepoName,
        digest: &Digest,
        start: u64,
        end: Option<u64>,
    ) -> Result<ReaderOf<Self>, Error> {
        self.inner().get_blob_range(repo, digest, start, end).await
    }

    /// See [`Spec::push_manifest`].
    async fn push_manifest(
        &self,
        repo: &RepoName,
        media_type: &str,
        content: Bytes,
        tags: &[Tag],
    ) -> Result<Descriptor, Error> {
        self.inner()
            .push_manifest(repo, media_type, content, tags)
            .await
    }

    /// See [`Spec::push_blob`].
    async fn push_blob(
        &self,
        repo: &RepoName,
        expected: &Descriptor,
        content: Bytes,
    ) -> Result<Descriptor, Error> {
        self.inner().push_blob(repo, expected, content).await
    }

    /// See [`Spec::start_upload`].
    async fn start_upload(
        &self,
        repo: &RepoName,
        chunk_size: Option<usize>,
    ) -> Result<WriterOf<Self>, Error> {
        self.inner().start_upload(repo, chunk_size).await
    }

    /// See [`Spec::resume_upload`].
    async fn resume_upload(
        &self,
        repo: &RepoName,
        id: &str,
        at: ResumeAt,
        chunk_size: Option<usize>,
    ) -> Result<WriterOf<Self>, Error> {
        self.inner().resume_upload(repo, id, at, chunk_size).await
    }

    /// See [`Spec::mount_blob`].
    async fn mount_blob(
        &self,
        from_repo: &RepoName,
        repo: &RepoName,
        digest: &Digest,
    ) -> Result<Mount<WriterOf<Self>>, Error> {
        self.inner().mount_blob(from_repo, repo, digest).await
    }

    /// See [`Spec::delete_manifest`].
    async fn delete_manifest(&self, repo: &RepoName, digest: &Digest) -> Result<(), Error> {
        self.inner().delete_manifest(repo, digest).await
    }

    /// See [`Spec::delete_tag`].
    async fn delete_tag(&self, repo: &RepoName, tag: &Tag) -> Result<(), Error> {
        self.inner().delete_tag(repo, tag).await
    }

    /// See [`Spec::delete_blob`].
    async fn delete_blob(&self, repo: &RepoName, digest: &Digest) -> Result<(), Error> {
        self.inner().delete_blob(repo, digest).await
    }

    /// See [`Spec::list_repositories`].
    async fn list_repositories(&self, page: &PageRequest) -> Result<Page, Error> {
        self.inner().list_repositories(page).await
    }

    /// See [`Spec::list_tags`].
    async fn list_tags(&self, repo: &RepoName, page: &PageRequest) -> Result<Page, Error> {
        self.inner().list_tags(repo, page).await
    }

    /// See [`Spec::list_referrers`].
    async fn list_referrers(
        &self,
        repo: &RepoName,
        digest: &Digest,
        artifact_type: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Descriptor>, Error> {
        self.inner()
            .list_referrers(repo, digest, artifact_type, page)
            .await
    }
}

impl<F: Forward> Spec for F {
    type Reader = ReaderOf<F>;
    type Writer = WriterOf<F>;

    async fn ping(&self) -> Result<PingInfo, Error> {
        Forward::ping(self).await
    }

    async fn stat_manifest(
        &self,
        repo: &RepoName,
        reference: &ManifestRef,
    ) -> Result<Descriptor, Error> {
        Forward::stat_manifest(self, repo, reference).await
    }

    async fn get_manifest(
        &self,
        repo: &RepoName,
        reference: &ManifestRef,
    ) -> Result<ManifestBytes, Error> {
        Forward::get_manifest(self, repo, reference).await
    }

    async fn stat_blob(&self, repo: &RepoName, digest: &Digest) -> Result<Descriptor, Error> {
        Forward::stat_blob(self, repo, digest).await
    }

    async fn get_blob(&self, repo: &RepoName, digest: &Digest) -> Result<Self::Reader, Error> {
        Forward::get_blob(self, repo, digest).await
    }

    async fn get_blob_range(
        &self,
        repo: &RepoName,
        digest: &Digest,
        start: u64,
        end: Option<u64>,
    ) -> Result<Self::Reader, Error> {
        Forward::get_blob_range(self, repo, digest, start, end).await
    }

    async fn push_manifest(
        &self,
        repo: &RepoName,
        media_type: &str,
        content: Bytes,
        tags: &[Tag],
    ) -> Result<Descriptor, Error> {
        Forward::push_manifest(self, repo, media_type, content, tags).await
    }

    async fn push_blob(
        &self,
        repo: &RepoName,
        expected: &Descriptor,
        content: Bytes,
    ) -> Result<Descriptor, Error> {
        Forward::push_blob(self, repo, expected, content).await
    }

    async fn start_upload(
        &self,
        repo: &RepoName,
        chunk_size: Option<usize>,
    ) -> Result<Self::Writer, Error> {
        Forward::start_upload(self, repo, chunk_size).await
    }

    async fn resume_upload(
        &self,
        repo: &RepoName,
        id: &str,
        at: ResumeAt,
        chunk_size: Option<usize>,
    ) -> Result<Self::Writer, Error> {
        Forward::resume_upload(self, repo, id, at, chunk_size).await
    }

    async fn mount_blob(
        &self,
        from_repo: &RepoName,
        repo: &RepoName,
        digest: &Digest,
    ) -> Result<Mount<Self::Writer>, Error> {
        Forward::mount_blob(self, from_repo, repo, digest).await
    }

    async fn delete_manifest(&self, repo: &RepoName, digest: &Digest) -> Result<(), Error> {
        Forward::delete_manifest(self, repo, digest).await
    }

    async fn delete_tag(&self, repo: &RepoName, tag: &Tag) -> Result<(), Error> {
        Forward::delete_tag(self, repo, tag).await
    }

    async fn delete_blob(&self, repo: &RepoName, digest: &Digest) -> Result<(), Error> {
        Forward::delete_blob(self, repo, digest).await
    }

    async fn list_repositories(&self, page: &PageRequest) -> Result<Page, Error> {
        Forward::list_repositories(self, page).await
    }

    async fn list_tags(&self, repo: &RepoName, page: &PageRequest) -> Result<Page, Error> {
        Forward::list_tags(self, repo, page).await
    }

    async fn list_referrers(
        &self,
        repo: &RepoName,
        digest: &Digest,
        artifact_type: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Descriptor>, Error> {
        Forward::list_referrers(self, repo, digest, artifact_type, page).await
    }
}
