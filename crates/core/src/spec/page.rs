//! Pagination of repository and tag lists.

use super::{Error, Spec};

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
    /// The first page of at most `size` entries.
    pub fn first(size: usize) -> PageRequest {
        PageRequest {
            size: Some(size),
            ..PageRequest::default()
        }
    }
}

/// One page of names, and how to ask for the next.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Page {
    /// Names in lexical order.
    pub items: Vec<String>,
    /// The request for the next page, or `None` at the end.
    pub next: Option<PageRequest>,
}

/// Which list to collect.
enum Listing<'a> {
    Repositories,
    Tags(&'a str),
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
    repo: Option<&str>,
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
