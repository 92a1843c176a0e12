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
use crate::spec::{Error, ErrorKind, ManifestRef};

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

/// The referrers of `digest`, optionally of one artifactType.
pub async fn list<T: Transport>(
    spec: &HttpSpec<T>,
    repo: &str,
    digest: &Digest,
    artifact_type: Option<&str>,
) -> Result<Vec<Descriptor>, Error> {
    if spec.has_referrers_api() != Some(false) {
        let mut url = spec
            .registry()
            .repo_url(repo, &format!("referrers/{digest}"))?;
        if let Some(t) = artifact_type {
            url = with_query(&url, "artifactType", t);
        }
        match api_pages(spec, repo, url, artifact_type).await {
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
    let tag = ManifestRef::Tag(digest.referrers_tag());
    match manifests::get(spec, repo, &tag).await {
        Ok(index) => Ok(keep(entries(&index.content)?, artifact_type)),
        Err(e) if e.is_not_found() => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

async fn api_pages<T: Transport>(
    spec: &HttpSpec<T>,
    repo: &str,
    mut url: String,
    artifact_type: Option<&str>,
) -> Result<Vec<Descriptor>, Error> {
    let mut out = Vec::new();
    for _ in 0..1000 {
        let call = Call::new(Method::Get, url, vec![Scope::pull(repo)])
            .header(ACCEPT, media_type::OCI_INDEX);
        let (headers, body, answered) = spec.fetch(&call, super::MAX_MANIFEST_BYTES).await?;
        let filtered = headers
            .get(OCI_FILTERS_APPLIED)
            .and_then(|v| parse_filters_applied(v).ok())
            .is_some_and(|f| filter_applied(&f, ARTIFACT_TYPE));
        let page = entries(&body)?;
        out.extend(if filtered {
            page
        } else {
            keep(page, artifact_type)
        });
        match next_link(headers.get_all(LINK), &answered).map_err(|e| protocol(e.to_string()))? {
            Some(next) => url = next,
            None => return Ok(out),
        }
    }
    Err(protocol("referrers list of more than 1000 pages"))
}

/// Adds `entry` to the fallback index under the subject's `sha256-<hex>` tag.
pub async fn add_to_fallback<T: Transport>(
    spec: &HttpSpec<T>,
    repo: &str,
    subject: &Digest,
    entry: Descriptor,
) -> Result<(), Error> {
    let tag = subject.referrers_tag();
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
