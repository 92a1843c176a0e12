//! Pagination of repository and tag lists.

use crate::descriptor::Descriptor;
use crate::digest::Digest;

use super::{Error, RepoName, Spec};

/// Which page of a list to fetch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// Most entries wanted (`n`); the registry may return fewer, or ignore it.
    pub size: Option<usize>,
    /// Start after this entry (`last`).
    pub start_after: Option<String>,
    /// An opaque continuation a transport gave in [`Page::next`] (e.g. a `Link` target).
    pub continuation: Option<String>,
}

impl PageRequest {
    /// The most entries this page may hold, capped by `cap` (no size and no cap: all).
    pub fn limit(&self, cap: Option<usize>) -> usize {
        match (self.size, cap) {
            (Some(n), Some(c)) => n.min(c),
            (Some(n), None) => n,
            (None, Some(c)) => c,
            (None, None) => usize::MAX,
        }
    }

    /// The first page of at most `size` entries.
    pub fn first(size: usize) -> PageRequest {
        PageRequest {
            size: Some(size),
            ..PageRequest::default()
        }
    }
}

/// One page of a list (names by default, or referrer descriptors), and how to ask for the next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T = String> {
    /// Entries in the list's order (names in lexical order, referrers in digest order).
    pub items: Vec<T>,
    /// The request for the next page, or `None` at the end.
    pub next: Option<PageRequest>,
}

impl<T> Page<T> {
    /// The page `req` asks for out of `items`, already sorted by `key`: the entries after
    /// `req.start_after`, at most [`PageRequest::limit`]; `next` is set only while entries
    /// remain, repeating the size and starting after the last entry given.
    pub fn of_sorted(
        items: Vec<T>,
        key: impl Fn(&T) -> &str,
        req: &PageRequest,
        cap: Option<usize>,
    ) -> Page<T> {
        let size = req.limit(cap);
        let mut rest = items
            .into_iter()
            .filter(|t| req.start_after.as_deref().is_none_or(|a| key(t) > a))
            .peekable();
        let items: Vec<T> = rest.by_ref().take(size).collect();
        let next = match (items.last(), rest.peek()) {
            (Some(last), Some(_)) => Some(PageRequest {
                size: req.size,
                start_after: Some(key(last).to_string()),
                continuation: None,
            }),
            _ => None,
        };
        Page { items, next }
    }
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            items: Vec::new(),
            next: None,
        }
    }
}

/// Which list to collect.
enum Listing<'a> {
    Repositories,
    Tags(&'a RepoName),
}

async fn page_of<S: Spec>(
    spec: &S,
    listing: &Listing<'_>,
    req: &PageRequest,
) -> Result<Page, Error> {
    match listing {
        Listing::Repositories => spec.list_repositories(req).await,
        Listing::Tags(repo) => spec.list_tags(repo, req).await,
    }
}

/// Follows pages until the end (or `limit` names) and returns every name.
pub async fn collect_all<S: Spec>(
    spec: &S,
    repo: Option<&RepoName>,
    page_size: usize,
    limit: Option<usize>,
) -> Result<Vec<String>, Error> {
    let listing = match repo {
        Some(r) => Listing::Tags(r),
        None => Listing::Repositories,
    };
    let mut out = Vec::new();
    let mut req = PageRequest::first(page_size);
    loop {
        let page = page_of(spec, &listing, &req).await?;
        let empty = page.items.is_empty();
        out.extend(page.items);
        if limit.is_some_and(|l| out.len() >= l) {
            out.truncate(limit.unwrap_or(usize::MAX));
            return Ok(out);
        }
        match page.next {
            Some(next) if !empty && next != req => req = next,
            _ => return Ok(out),
        }
    }
}

/// Follows referrer pages until the end (or `limit` descriptors) and returns every one.
pub async fn collect_referrers<S: Spec>(
    spec: &S,
    repo: &RepoName,
    digest: &Digest,
    artifact_type: Option<&str>,
    limit: Option<usize>,
) -> Result<Vec<Descriptor>, Error> {
    let mut out = Vec::new();
    let mut req = PageRequest::default();
    loop {
        let page = spec
            .list_referrers(repo, digest, artifact_type, &req)
            .await?;
        let empty = page.items.is_empty();
        out.extend(page.items);
        if let Some(l) = limit.filter(|l| out.len() >= *l) {
            out.truncate(l);
            return Ok(out);
        }
        match page.next {
            Some(next) if !empty && next != req => req = next,
            _ => return Ok(out),
        }
    }
}
