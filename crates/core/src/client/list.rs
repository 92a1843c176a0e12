//! Repository and tag lists: `n`/`last` pages, `Link` continuation, registries that ignore `n`,
//! and a smaller page when the registry refuses the size (PAGINATION_NUMBER_INVALID).

use serde_json::Value;

use crate::headers::names::LINK;
use crate::headers::{next_link, Scope};
use crate::registry_error::ErrorCode;
use crate::spec::{Error, Page, PageRequest};

use super::registry::with_query;
use super::transport::{Method, Transport};
use super::{protocol, Call, HttpSpec};

/// The largest page CNCF distribution accepts; a refused larger size is retried with it.
pub const MAX_PAGE: usize = 1000;

async fn list<T: Transport>(
    spec: &HttpSpec<T>,
    base: String,
    key: &str,
    scopes: Vec<Scope>,
    not_found: Option<ErrorCode>,
    page: &PageRequest,
) -> Result<Page, Error> {
    let mut size = page.size;
    loop {
        let url = match &page.continuation {
            Some(c) => {
                crate::headers::resolve_url(&base, c).map_err(|e| protocol(e.to_string()))?
            }
            None => {
                let mut url = base.clone();
                if let Some(n) = size {
                    url = with_query(&url, "n", &n.to_string());
                }
                if let Some(last) = &page.start_after {
                    url = with_query(&url, "last", last);
                }
                url
            }
        };
        let mut call = Call::new(Method::Get, url.clone(), scopes.clone());
        if let Some(code) = &not_found {
            call = call.not_found(code.clone());
        }
        let (headers, body, answered_url) = match spec.fetch(&call, 64 << 20).await {
            Ok(r) => r,
            Err(e)
                if e.has_code(ErrorCode::PaginationNumberInvalid)
                    && page.continuation.is_none()
                    && size.is_some_and(|n| n > 1) =>
            {
                let n = size.unwrap_or(MAX_PAGE);
                size = Some(if n > MAX_PAGE { MAX_PAGE } else { n / 2 });
                continue;
            }
            Err(e) => return Err(e),
        };
        let value: Value = serde_json::from_slice(&body)
            .map_err(|e| protocol(format!("list answer is not JSON: {e}")))?;
        let items = match value.get(key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| protocol(format!("non-string in {key}")))
                })
                .collect::<Result<Vec<_>, _>>()?,
            Some(_) => return Err(protocol(format!("{key} is not a list"))),
        };
        let link =
            next_link(headers.get_all(LINK), &answered_url).map_err(|e| protocol(e.to_string()))?;
        if let Some(target) = link {
            let next = PageRequest {
                size: page.size,
                start_after: items.last().cloned(),
                continuation: Some(target),
            };
            return Ok(Page {
                items,
                next: Some(next),
            });
        }
        return Ok(paginate_here(items, page));
    }
}

/// The page a registry that sent no `Link` should have answered: some (CNCF distribution's tag
/// list) ignore `n` and `last` and do not sort, so the client sorts, skips to `start_after` and
/// cuts to `n` itself, asking for the rest with `start_after` (never through a stale link).
pub fn paginate_here(mut items: Vec<String>, page: &PageRequest) -> Page {
    items.sort();
    items.dedup();
    Page::of_sorted(items, String::as_str, page, None)
}

/// One page of `/v2/_catalog`.
pub async fn repositories<T: Transport>(
    spec: &HttpSpec<T>,
    page: &PageRequest,
) -> Result<Page, Error> {
    let base = format!("{}_catalog", spec.registry().base());
    list(
        spec,
        base,
        "repositories",
        vec![Scope::catalog()],
        None,
        page,
    )
    .await
}

/// One page of `/v2/<repo>/tags/list`.
pub async fn tags<T: Transport>(
    spec: &HttpSpec<T>,
    repo: &str,
    page: &PageRequest,
) -> Result<Page, Error> {
    let base = spec.registry().repo_url(repo, "tags/list")?;
    list(
        spec,
        base,
        "tags",
        vec![Scope::pull(repo)],
        Some(ErrorCode::NameUnknown),
        page,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn pages_an_unsorted_list_that_ignored_n_and_last() {
        let all = names(&["latest", "Z", "9", "b.1", "b_2", "10", "a"]);
        let p = paginate_here(all.clone(), &PageRequest::first(3));
        assert_eq!(p.items, names(&["10", "9", "Z"]));
        let next = p.next.unwrap();
        assert_eq!(next.start_after.as_deref(), Some("Z"));
        let p = paginate_here(all.clone(), &next);
        assert_eq!(p.items, names(&["a", "b.1", "b_2"]));
        let p = paginate_here(all.clone(), &p.next.unwrap());
        assert_eq!(p.items, names(&["latest"]));
        assert_eq!(p.next, None);
        let p = paginate_here(all, &PageRequest::default());
        assert_eq!(p.items.len(), 7);
        assert_eq!(p.next, None);
    }
}
