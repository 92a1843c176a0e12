//! `Prefixed<S>`: a registry seen under a namespace, e.g. one team's `team-a/…` repositories
//! as a registry of their own.
//!
//! Rules:
//! - Repository `x` of the wrapper is `prefix/x` of the inner registry ([`RepoName::join`]); a
//!   joined name over the length limit is `NAME_INVALID`, as any bad name. Both sides of a mount
//!   are mapped, so mounts stay inside the namespace.
//! - Errors pass through unchanged (their messages name the inner repository).
//! - `list_repositories` shows only the names under `prefix/`, with it stripped; the repository
//!   named exactly `prefix` is not one of them. Names under a prefix are contiguous in lexical
//!   order, so a page asks the inner registry to start after `prefix/` (or after
//!   `prefix/<start_after>`) and ends the listing at the first name past the namespace. The
//!   inner registry's continuation (e.g. a `Link` target) is handed out unchanged in
//!   [`PageRequest::continuation`] and handed back to it; `start_after` is always in the
//!   wrapper's names. A page is never empty while names remain: pages of the inner registry
//!   with no name of the namespace (a registry that ignores `last`) are skipped.

use ociscope_core::digest::Digest;
use ociscope_core::spec::{
    Error, Forward, ManifestBytes, ManifestRef, Mount, Page, PageRequest, RepoName, ResumeAt, Spec,
    Tag,
};
use ociscope_core::Descriptor;

use bytes::Bytes;

/// A registry whose repository `x` is `prefix/x` of the inner one.
#[derive(Clone, Debug)]
pub struct Prefixed<S> {
    inner: S,
    prefix: RepoName,
}

impl<S> Prefixed<S> {
    /// `inner`'s repositories under `prefix`, each seen without it.
    pub fn new(inner: S, prefix: RepoName) -> Prefixed<S> {
        Prefixed { inner, prefix }
    }

    /// The namespace.
    pub fn prefix(&self) -> &RepoName {
        &self.prefix
    }

    /// The inner registry's name for the wrapper's repository `repo`.
    pub fn map(&self, repo: &RepoName) -> Result<RepoName, Error> {
        self.prefix.join(repo)
    }

    /// The wrapper's name for the inner name `name`, when it lies under the prefix.
    pub fn unmap<'n>(&self, name: &'n str) -> Option<&'n str> {
        name.strip_prefix(self.prefix.as_str())?
            .strip_prefix('/')
            .filter(|rest| !rest.is_empty())
    }
}

impl<S: Spec> Forward for Prefixed<S> {
    type Inner = S;

    fn inner(&self) -> &S {
        &self.inner
    }

    async fn stat_manifest(
        &self,
        repo: &RepoName,
        reference: &ManifestRef,
    ) -> Result<Descriptor, Error> {
        self.inner.stat_manifest(&self.map(repo)?, reference).await
    }

    async fn get_manifest(
        &self,
        repo: &RepoName,
        reference: &ManifestRef,
    ) -> Result<ManifestBytes, Error> {
        self.inner.get_manifest(&self.map(repo)?, reference).await
    }

    async fn stat_blob(&self, repo: &RepoName, digest: &Digest) -> Result<Descriptor, Error> {
        self.inner.stat_blob(&self.map(repo)?, digest).await
    }

    async fn get_blob(&self, repo: &RepoName, digest: &Digest) -> Result<S::Reader, Error> {
        self.inner.get_blob(&self.map(repo)?, digest).await
    }

    async fn get_blob_range(
        &self,
        repo: &RepoName,
        digest: &Digest,
        start: u64,
        end: Option<u64>,
    ) -> Result<S::Reader, Error> {
        self.inner
            .get_blob_range(&self.map(repo)?, digest, start, end)
            .await
    }

    async fn push_manifest(
        &self,
        repo: &RepoName,
        media_type: &str,
        content: Bytes,
        tags: &[Tag],
    ) -> Result<Descriptor, Error> {
        self.inner
            .push_manifest(&self.map(repo)?, media_type, content, tags)
            .await
    }

    async fn push_blob(
        &self,
        repo: &RepoName,
        expected: &Descriptor,
        content: Bytes,
    ) -> Result<Descriptor, Error> {
        self.inner
            .push_blob(&self.map(repo)?, expected, content)
            .await
    }

    async fn start_upload(
        &self,
        repo: &RepoName,
        chunk_size: Option<usize>,
    ) -> Result<S::Writer, Error> {
        self.inner.start_upload(&self.map(repo)?, chunk_size).await
    }

    async fn resume_upload(
        &self,
        repo: &RepoName,
        id: &str,
        at: ResumeAt,
        chunk_size: Option<usize>,
    ) -> Result<S::Writer, Error> {
        self.inner
            .resume_upload(&self.map(repo)?, id, at, chunk_size)
            .await
    }

    async fn mount_blob(
        &self,
        from_repo: &RepoName,
        repo: &RepoName,
        digest: &Digest,
    ) -> Result<Mount<S::Writer>, Error> {
        self.inner
            .mount_blob(&self.map(from_repo)?, &self.map(repo)?, digest)
            .await
    }

    async fn delete_manifest(&self, repo: &RepoName, digest: &Digest) -> Result<(), Error> {
        self.inner.delete_manifest(&self.map(repo)?, digest).await
    }

    async fn delete_tag(&self, repo: &RepoName, tag: &Tag) -> Result<(), Error> {
        self.inner.delete_tag(&self.map(repo)?, tag).await
    }

    async fn delete_blob(&self, repo: &RepoName, digest: &Digest) -> Result<(), Error> {
        self.inner.delete_blob(&self.map(repo)?, digest).await
    }

    async fn list_repositories(&self, page: &PageRequest) -> Result<Page, Error> {
        let floor = match &page.start_after {
            Some(after) => format!("{}/{after}", self.prefix),
            None => format!("{}/", self.prefix),
        };
        let mut req = PageRequest {
            size: page.size,
            start_after: Some(floor.clone()),
            continuation: page.continuation.clone(),
        };
        loop {
            let got = self.inner.list_repositories(&req).await?;
            let mut items = Vec::new();
            let mut past = false;
            for name in &got.items {
                if name.as_str() <= floor.as_str() {
                    continue; // At or before the start: a registry that ignored `last`.
                }
                match self.unmap(name) {
                    Some(own) => items.push(own.to_string()),
                    None => {
                        past = true; // Past the namespace: nothing of it follows.
                        break;
                    }
                }
            }
            let inner_next = if past { None } else { got.next };
            let Some(inner_next) = inner_next else {
                return Ok(Page { items, next: None });
            };
            if items.is_empty() && page.size != Some(0) {
                if inner_next == req {
                    return Ok(Page::default()); // The inner registry would repeat itself.
                }
                req = inner_next;
                continue;
            }
            let start_after = inner_next
                .start_after
                .as_deref()
                .and_then(|n| self.unmap(n))
                .map(str::to_string)
                .or_else(|| items.last().cloned());
            let next = PageRequest {
                size: page.size,
                start_after,
                continuation: inner_next.continuation,
            };
            return Ok(Page {
                items,
                next: Some(next),
            });
        }
    }

    async fn list_tags(&self, repo: &RepoName, page: &PageRequest) -> Result<Page, Error> {
        self.inner.list_tags(&self.map(repo)?, page).await
    }

    async fn list_referrers(
        &self,
        repo: &RepoName,
        digest: &Digest,
        artifact_type: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Descriptor>, Error> {
        self.inner
            .list_referrers(&self.map(repo)?, digest, artifact_type, page)
            .await
    }
}
