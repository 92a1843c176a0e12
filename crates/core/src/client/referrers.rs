//! Referrers: the referrers API (with the artifactType filter, applied here when the registry
//! did not), and the `sha256-<hex>` tag schema as fallback, read and kept up to date.
//!
//! Decisions: a 404 without spec error codes from the referrers endpoint means "no API" and is
//! remembered for this client. So does a CORS refusal of that one request: registries without
//! the API (CNCF distribution 2.x) send no CORS headers on their 404 for unknown routes, so a
//! browser sees a blocked answer where a native client sees the 404; if the registry has no
//! CORS at all, the fallback request fails the same way and that error is returned; the fallback index is updated read-modify-write (two writers
//! at once may lose an entry, as with every fallback client).

use serde_json::{json, Value};

use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::headers::filters::{filter_applied, ARTIFACT_TYPE};
use crate::headers::names::{ACCEPT, LINK, OCI_FILTERS_APPLIED};
use crate::headers::{next_link, parse_filters_applied, Scope};
use crate::media_type;
use crate::spec::{Error, ErrorKind, ManifestRef, Page, PageRequest, Tag};

use super::registry::with_query;
use super::transport::{Method, Transport};
use super::{manifests, protocol, Call, HttpSpec};

fn entries(index: &[u8]) -> Result<Vec<Descriptor>, Error> {
    let value: Value = serde_json::from_slice(index)
        .map_err(|e| protocol(format!("referrers index is not JSON: {e}")))?;
    match value.get("manifests") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(m) => serde_json::from_value(m.clone())
            .map_err(|e| protocol(format!("referrers index entries: {e}"))),
    }
}

fn keep(mut list: Vec<Descriptor>, artifact_type: Option<&str>) -> Vec<Descriptor> {
    if let Some(t) = artifact_type {
        list.retain(|d| d.artifact_type.as_deref() == Some(t));
    }
    list
}

/// One page of the referrers of `digest`, optionally of one artifactType.
///
/// Through the API, pages are the registry's (it pages with `Link`, which becomes
/// [`PageRequest::continuation`]; `size` is sent as `n`, a hint outside the spec). Through the fallback tag the
/// whole list is one document, paged here in digest order like the in-memory registry.
pub async fn list<T: Transport>(
    spec: &HttpSpec<T>,
    repo: &str,
    digest: &Digest,
    artifact_type: Option<&str>,
    page: &PageRequest,
) -> Result<Page<Descriptor>, Error> {
    if spec.has_referrers_api() != Some(false) || page.continuation.is_some() {
        let url = match &page.continuation {
            Some(next) => next.clone(),
            None => {
                let mut url = spec
                    .registry()
                    .repo_url(repo, &format!("referrers/{digest}"))?;
                if let Some(t) = artifact_type {
                    url = with_query(&url, "artifactType", t);
                }
                // `n` is a hint the spec does not define for referrers: ociscope-server pages
                // by it, other registries ignore it and page as they like.
                match page.size {
                    Some(n) => with_query(&url, "n", &n.to_string()),
                    None => url,
                }
            }
        };
        match api_page(spec, repo, url, artifact_type).await {
            Ok(list) => {
                spec.set_referrers_api(true);
                return Ok(list);
            }
            Err(Error::Registry(e)) if e.status == 404 => {
                if e.errors.is_empty() {
                    spec.set_referrers_api(false);
                }
            }
            Err(e) if e.kind() == Some(ErrorKind::Cors) => spec.set_referrers_api(false),
            Err(e) => return Err(e),
        }
    }
    let tag = ManifestRef::Tag(fallback_tag(digest)?);
    let mut all = match manifests::get(spec, repo, &tag).await {
        Ok(index) => keep(entries(&index.content)?, artifact_type),
        Err(e) if e.is_not_found() => Vec::new(),
        Err(e) => return Err(e),
    };
    all.sort_by(|a, b| a.digest.as_str().cmp(b.digest.as_str()));
    all.dedup_by(|a, b| a.digest == b.digest);
    Ok(Page::of_sorted(all, |d| d.digest.as_str(), page, None))
}

/// The subject's `sha256-<hex>` fallback tag.
fn fallback_tag(subject: &Digest) -> Result<Tag, Error> {
    Tag::new(subject.referrers_tag())
}

/// One page of the referrers API at `url`, filtered here unless the registry says it did.
async fn api_page<T: Transport>(
    spec: &HttpSpec<T>,
    repo: &str,
    url: String,
    artifact_type: Option<&str>,
) -> Result<Page<Descriptor>, Error> {
    let call =
        Call::new(Method::Get, url, vec![Scope::pull(repo)]).header(ACCEPT, media_type::OCI_INDEX);
    let (headers, body, answered) = spec.fetch(&call, super::MAX_MANIFEST_BYTES).await?;
    let filtered = headers
        .get(OCI_FILTERS_APPLIED)
        .and_then(|v| parse_filters_applied(v).ok())
        .is_some_and(|f| filter_applied(&f, ARTIFACT_TYPE));
    let items = entries(&body)?;
    let items = if filtered {
        items
    } else {
        keep(items, artifact_type)
    };
    let next = next_link(headers.get_all(LINK), &answered)
        .map_err(|e| protocol(e.to_string()))?
        .map(|next| PageRequest {
            continuation: Some(next),
            ..PageRequest::default()
        });
    Ok(Page { items, next })
}

/// Adds `entry` to the fallback index under the subject's `sha256-<hex>` tag.
pub async fn add_to_fallback<T: Transport>(
    spec: &HttpSpec<T>,
    repo: &str,
    subject: &Digest,
    entry: Descriptor,
) -> Result<(), Error> {
    let tag = fallback_tag(subject)?;
    let mut index = match manifests::get(spec, repo, &ManifestRef::Tag(tag.clone())).await {
        Ok(existing) => serde_json::from_slice::<Value>(&existing.content)
            .map_err(|e| protocol(format!("fallback index {tag} is not JSON: {e}")))?,
        Err(e) if e.is_not_found() => json!({
            "schemaVersion": 2,
            "mediaType": media_type::OCI_INDEX,
            "manifests": [],
        }),
        Err(e) => return Err(e),
    };
    let list = index
        .get_mut("manifests")
        .and_then(Value::as_array_mut)
        .ok_or_else(|| protocol(format!("fallback index {tag} has no manifests list")))?;
    let digest = entry.digest.as_str();
    if list
        .iter()
        .any(|m| m.get("digest").and_then(Value::as_str) == Some(digest))
    {
        return Ok(());
    }
    list.push(serde_json::to_value(&entry).map_err(|e| protocol(e.to_string()))?);
    let bytes = serde_json::to_vec(&index).map_err(|e| protocol(e.to_string()))?;
    manifests::put(spec, repo, media_type::OCI_INDEX, bytes.into(), &[tag]).await?;
    Ok(())
}
