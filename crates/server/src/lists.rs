//! Listing endpoints: the catalog, tag lists (both paginated with `n`/`last` and a `Link` to the
//! next page) and referrers (an OCI index, optionally filtered by `artifactType`).
//!
//! Decisions: `n` must be a non-negative integer (else 400 `PAGINATION_NUMBER_INVALID`); `n=0`
//! answers an empty list without a `Link`. Without `n` the store decides the page size. The
//! `Link` carries `n` and `last` = the last name of the page. Referrers of an unknown subject or
//! repository are an empty index (the spec forbids a 404 there); the `artifactType` filter is
//! applied again here so that `OCI-Filters-Applied` is always true. Referrers are paged too:
//! `n` and `last` (a digest; an extension of the spec, which pages referrers only by `Link`)
//! and a `Link` to the next page that keeps the `artifactType` filter. Without `n`, a page holds
//! at most `Config::referrers_page_size` referrers (1000), so a subject with many referrers is
//! answered in pages linked by `Link`, as the spec allows.

use hyper::{Response, StatusCode};
use ociscope_core::client::registry::encode_query;
use ociscope_core::headers::{format_filters_applied, format_next_link, names};
use ociscope_core::media_type::OCI_INDEX;
use ociscope_core::spec::{Page, PageRequest, Spec};
use ociscope_core::ErrorCode;

use crate::body::{empty, full, Body};
use crate::error::{Failure, HttpError};
use crate::route::percent_encode_path;
use crate::server::{check_digest, check_name, response, Ctx, Server};

/// The page asked for by `n` and `last`.
fn page_request(ctx: &Ctx) -> Result<PageRequest, HttpError> {
    let size = match ctx.param("n") {
        None | Some("") => None,
        Some(n) => Some(n.parse::<usize>().map_err(|_| {
            HttpError::new(
                ErrorCode::PaginationNumberInvalid,
                format!("n={n:?} is not a non-negative integer"),
            )
        })?),
    };
    Ok(PageRequest {
        size,
        start_after: ctx
            .param("last")
            .filter(|l| !l.is_empty())
            .map(str::to_string),
        continuation: None,
    })
}

/// A JSON answer with an optional `Link` to the next page.
fn json_page(ctx: &Ctx, json: String, link: Option<String>) -> Response<Body> {
    let mut headers = vec![
        (names::CONTENT_TYPE, "application/json".to_string()),
        (names::CONTENT_LENGTH, json.len().to_string()),
    ];
    if let Some(link) = link {
        headers.push((names::LINK, link));
    }
    response(
        StatusCode::OK,
        &headers,
        if ctx.is_head() { empty() } else { full(json) },
    )
}

/// The `Link` value to the page after `page` (whose entries are named by `key`), at `base`
/// (a path, which may carry a query already).
fn next_link<T>(
    base: &str,
    request: &PageRequest,
    page: &Page<T>,
    key: impl Fn(&T) -> &str,
) -> Option<String> {
    let next = page.next.as_ref()?;
    let last = key(page.items.last()?);
    let n = request
        .size
        .or(next.size)
        .map(|n| format!("n={n}&"))
        .unwrap_or_default();
    let join = if base.contains('?') { '&' } else { '?' };
    Some(format_next_link(&format!(
        "{base}{join}{n}last={}",
        percent_encode_path(last)
    )))
}

impl<S: Spec + 'static> Server<S> {
    pub(crate) async fn catalog(&self, ctx: &mut Ctx) -> Result<Response<Body>, Failure> {
        let request = page_request(ctx)?;
        let page = if request.size == Some(0) {
            Page::default()
        } else {
            self.inner.spec.list_repositories(&request).await?
        };
        let link = next_link("/v2/_catalog", &request, &page, String::as_str);
        let json = serde_json::json!({ "repositories": page.items }).to_string();
        Ok(json_page(ctx, json, link))
    }

    pub(crate) async fn tags(&self, ctx: &mut Ctx, name: &str) -> Result<Response<Body>, Failure> {
        let name = &check_name(name)?;
        let request = page_request(ctx)?;
        let page = if request.size == Some(0) {
            Page::default()
        } else {
            self.inner.spec.list_tags(name, &request).await?
        };
        let link = next_link(
            &format!("/v2/{}/tags/list", percent_encode_path(name)),
            &request,
            &page,
            String::as_str,
        );
        let json = serde_json::json!({ "name": name, "tags": page.items }).to_string();
        Ok(json_page(ctx, json, link))
    }

    pub(crate) async fn referrers(
        &self,
        ctx: &mut Ctx,
        name: &str,
        digest: &str,
    ) -> Result<Response<Body>, Failure> {
        let name = &check_name(name)?;
        let digest = check_digest(digest)?;
        let artifact_type = ctx
            .param("artifactType")
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        let mut request = page_request(ctx)?;
        if request.size.is_none() {
            request.size = Some(self.inner.config.referrers_page_size.max(1));
        }
        let page = match self
            .inner
            .spec
            .list_referrers(name, &digest, artifact_type.as_deref(), &request)
            .await
        {
            Ok(page) => page,
            Err(e) if e.is_not_found() => Page::default(),
            Err(e) => return Err(e.into()),
        };
        let mut base = format!("/v2/{}/referrers/{digest}", percent_encode_path(name));
        if let Some(t) = &artifact_type {
            base = format!("{base}?artifactType={}", encode_query(t));
        }
        let link = next_link(&base, &request, &page, |d| d.digest.as_str());
        let manifests: Vec<_> = page
            .items
            .into_iter()
            .filter(|d| {
                artifact_type
                    .as_deref()
                    .is_none_or(|t| d.artifact_type.as_deref() == Some(t))
            })
            .collect();
        let json = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": manifests,
        })
        .to_string();
        let mut headers = vec![
            (names::CONTENT_TYPE, OCI_INDEX.to_string()),
            (names::CONTENT_LENGTH, json.len().to_string()),
        ];
        if artifact_type.is_some() {
            headers.push((
                names::OCI_FILTERS_APPLIED,
                format_filters_applied(&["artifactType"]),
            ));
        }
        if let Some(link) = link {
            headers.push((names::LINK, link));
        }
        Ok(response(
            StatusCode::OK,
            &headers,
            if ctx.is_head() { empty() } else { full(json) },
        ))
    }
}
