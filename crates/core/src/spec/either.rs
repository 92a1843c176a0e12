//! One of two `Spec` types (and their readers and writers) behind one type, so code such as
//! the app can hold "a memory registry or an HTTP one" without forwarding each method by hand.
//! Nest it (`Either<A, Either<B, C>>`) for more.

use bytes::Bytes;

use crate::client::External;
use crate::descriptor::Descriptor;
use crate::digest::Digest;

use super::{
    BlobReader, BlobWriter, Error, ManifestBytes, ManifestRef, Mount, Page, PageRequest, PingInfo,
    RepoName, Resumable, ResumeAt, Spec, Tag,
};

/// Either an `L` or an `R`: a [`Spec`], [`BlobReader`] or [`BlobWriter`] when both are.
#[derive(Clone, Debug)]
pub enum Either<L, R> {
    /// The first kind.
    Left(L),
    /// The second kind.
    Right(R),
}

/// Runs the same expression on whichever side is present.
macro_rules! both {
    ($value:expr, $x:ident => $body:expr) => {
        match $value {
            Either::Left($x) => $body,
            Either::Right($x) => $body,
        }
    };
}

/// Runs the expression on whichever side, wrapping an `Ok` value back into that side.
macro_rules! sided {
    ($value:expr, $x:ident => $body:expr) => {
        match $value {
            Either::Left($x) => $body.map(Either::Left),
            Either::Right($x) => $body.map(Either::Right),
        }
    };
}

impl<L: BlobReader, R: BlobReader> BlobReader for Either<L, R> {
    fn descriptor(&self) -> &Descriptor {
        both!(self, r => r.descriptor())
    }

    async fn next_chunk(&mut self) -> Result<Option<Bytes>, Error> {
        both!(self, r => r.next_chunk().await)
    }

    fn external(&self) -> Option<crate::client::External> {
        both!(self, r => r.external())
    }
}

impl<L: BlobWriter, R: BlobWriter> BlobWriter for Either<L, R> {
    fn id(&self) -> &str {
        both!(self, w => w.id())
    }

    fn size(&self) -> u64 {
        both!(self, w => w.size())
    }

    fn chunk_size(&self) -> usize {
        both!(self, w => w.chunk_size())
    }

    fn stored(&self) -> u64 {
        both!(self, w => w.stored())
    }

    async fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        both!(self, w => w.write(data).await)
    }

    async fn close(&mut self) -> Result<Resumable, Error> {
        both!(self, w => w.close().await)
    }

    async fn commit(&mut self, digest: &Digest) -> Result<Descriptor, Error> {
        both!(self, w => w.commit(digest).await)
    }

    async fn cancel(&mut self) -> Result<(), Error> {
        both!(self, w => w.cancel().await)
    }

    fn takes_external(&self) -> bool {
        both!(self, w => w.takes_external())
    }

    async fn write_external(&mut self, bytes: External) -> Result<(), Error> {
        both!(self, w => w.write_external(bytes).await)
    }
}

impl<L: Spec, R: Spec> Spec for Either<L, R> {
    type Reader = Either<L::Reader, R::Reader>;
    type Writer = Either<L::Writer, R::Writer>;

    async fn ping(&self) -> Result<PingInfo, Error> {
        both!(self, s => s.ping().await)
    }

    async fn stat_manifest(
        &self,
        repo: &RepoName,
        reference: &ManifestRef,
    ) -> Result<Descriptor, Error> {
        both!(self, s => s.stat_manifest(repo, reference).await)
    }

    async fn get_manifest(
        &self,
        repo: &RepoName,
        reference: &ManifestRef,
    ) -> Result<ManifestBytes, Error> {
        both!(self, s => s.get_manifest(repo, reference).await)
    }

    async fn stat_blob(&self, repo: &RepoName, digest: &Digest) -> Result<Descriptor, Error> {
        both!(self, s => s.stat_blob(repo, digest).await)
    }

    async fn get_blob(&self, repo: &RepoName, digest: &Digest) -> Result<Self::Reader, Error> {
        sided!(self, s => s.get_blob(repo, digest).await)
    }

    async fn get_blob_range(
        &self,
        repo: &RepoName,
        digest: &Digest,
        start: u64,
        end: Option<u64>,
    ) -> Result<Self::Reader, Error> {
        sided!(self, s => s.get_blob_range(repo, digest, start, end).await)
    }

    async fn push_manifest(
        &self,
        repo: &RepoName,
        media_type: &str,
        content: Bytes,
        tags: &[Tag],
    ) -> Result<Descriptor, Error> {
        both!(self, s => s.push_manifest(repo, media_type, content, tags).await)
    }

    async fn push_blob(
        &self,
        repo: &RepoName,
        expected: &Descriptor,
        content: Bytes,
    ) -> Result<Descriptor, Error> {
        both!(self, s => s.push_blob(repo, expected, content).await)
    }

    async fn start_upload(
        &self,
        repo: &RepoName,
        chunk_size: Option<usize>,
    ) -> Result<Self::Writer, Error> {
        sided!(self, s => s.start_upload(repo, chunk_size).await)
    }

    async fn resume_upload(
        &self,
        repo: &RepoName,
        id: &str,
        at: ResumeAt,
        chunk_size: Option<usize>,
    ) -> Result<Self::Writer, Error> {
        sided!(self, s => s.resume_upload(repo, id, at, chunk_size).await)
    }

    async fn mount_blob(
        &self,
        from_repo: &RepoName,
        repo: &RepoName,
        digest: &Digest,
    ) -> Result<Mount<Self::Writer>, Error> {
        match self {
            Either::Left(s) => Ok(s
                .mount_blob(from_repo, repo, digest)
                .await?
                .map(Either::Left)),
            Either::Right(s) => Ok(s
                .mount_blob(from_repo, repo, digest)
                .await?
                .map(Either::Right)),
        }
    }

    async fn delete_manifest(&self, repo: &RepoName, digest: &Digest) -> Result<(), Error> {
        both!(self, s => s.delete_manifest(repo, digest).await)
    }

    async fn delete_tag(&self, repo: &RepoName, tag: &Tag) -> Result<(), Error> {
        both!(self, s => s.delete_tag(repo, tag).await)
    }

    async fn delete_blob(&self, repo: &RepoName, digest: &Digest) -> Result<(), Error> {
        both!(self, s => s.delete_blob(repo, digest).await)
    }

    async fn list_repositories(&self, page: &PageRequest) -> Result<Page, Error> {
        both!(self, s => s.list_repositories(page).await)
    }

    async fn list_tags(&self, repo: &RepoName, page: &PageRequest) -> Result<Page, Error> {
        both!(self, s => s.list_tags(repo, page).await)
    }

    async fn list_referrers(
        &self,
        repo: &RepoName,
        digest: &Digest,
        artifact_type: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Descriptor>, Error> {
        both!(self, s => s.list_referrers(repo, digest, artifact_type, page).await)
    }
}
