//! The referrers of a manifest (signatures, SBOMs, attestations, …), grouped by artifact type
//! with friendly names; each opens like any manifest. The registry's pages are followed up to
//! [`MAX_REFERRERS`] (a subject with more says so).

use std::collections::BTreeMap;

use leptos::prelude::*;
use ociscope_core::spec::{collect_referrers, RepoName};
use ociscope_core::{Descriptor, Digest};
use ociscope_tools::artifact::{self, Family};

use crate::components::error_box::{no_registry, ErrorBox, Loading};
use crate::format;
use crate::nav::{use_nav, Link};
use crate::registry::use_registry;

/// Most referrers listed for one manifest.
pub const MAX_REFERRERS: usize = 1000;

/// The artifact type a referrer is listed under (its media type when it has none).
pub fn artifact_type_of(d: &Descriptor) -> String {
    d.artifact_type
        .clone()
        .unwrap_or_else(|| d.media_type.clone())
}

/// Referrers grouped by artifact type, groups in type order.
pub fn group(referrers: Vec<Descriptor>) -> BTreeMap<String, Vec<Descriptor>> {
    let mut groups: BTreeMap<String, Vec<Descriptor>> = BTreeMap::new();
    for d in referrers {
        groups.entry(artifact_type_of(&d)).or_default().push(d);
    }
    groups
}

fn family_class(f: Family) -> &'static str {
    match f {
        Family::Signature => "family-signature",
        Family::Sbom => "family-sbom",
        Family::Attestation => "family-attestation",
        Family::Other => "family-other",
    }
}

/// The referrers section of a manifest view.
#[component]
pub fn Referrers(
    /// The repository.
    repo: RepoName,
    /// The manifest whose referrers are listed.
    digest: Digest,
) -> impl IntoView {
    let Some(registry) = use_registry() else {
        return no_registry();
    };
    let base = use_nav().current();
    let list = LocalResource::new(move || {
        let (registry, repo, digest) = (registry.clone(), repo.clone(), digest.clone());
        async move { collect_referrers(&registry, &repo, &digest, None, Some(MAX_REFERRERS)).await }
    });
    view! {
        <section class="referrers" aria-labelledby="referrers-title">
            <h3 id="referrers-title">"Referrers"</h3>
            {move || match list.get() {
                None => view! { <Loading what="referrers"/> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox action="listing referrers" error=e/> }.into_any(),
                Some(Ok(items)) if items.is_empty() => {
                    view! { <p class="none" id="no-referrers">"No referrers: nothing signs, describes or attests this manifest."</p> }
                        .into_any()
                }
                Some(Ok(items)) => {
                    let base = base.clone();
                    let capped = (items.len() >= MAX_REFERRERS).then(|| {
                        view! {
                            <p class="none" id="referrers-capped">
                                {format!("Only the first {MAX_REFERRERS} referrers are listed.")}
                            </p>
                        }
                    });
                    let groups = group(items)
                        .into_iter()
                        .map(|(ty, members)| {
                            let base = base.clone();
                            let known = artifact::known(&ty).is_some();
                            let class = format!("referrer-group {}", family_class(artifact::family(&ty)));
                            view! {
                                <div class=class>
                                    <h4>
                                        {artifact::friendly_name(&ty)}
                                        " (" {members.len()} ")"
                                        {known.then(|| view! { <code class="muted">{ty.clone()}</code> })}
                                    </h4>
                                    <table>
                                        <tbody>
                                            {members
                                                .into_iter()
                                                .map(|d| {
                                                    let digest = d.digest.to_string();
                                                    let created = d
                                                        .annotations
                                                        .get(crate::views::tags::CREATED_ANNOTATION)
                                                        .map(|c| format::date(c))
                                                        .unwrap_or_default();
                                                    view! {
                                                        <tr>
                                                            <td>
                                                                <Link to=base.manifest(&digest) class="referrer-link">
                                                                    {format::short_digest(&digest)}
                                                                </Link>
                                                            </td>
                                                            <td>{format::kind_label(&d.media_type)}</td>
                                                            <td>{format::size(d.size)}</td>
                                                            <td>{created}</td>
                                                        </tr>
                                                    }
                                                })
                                                .collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            }
                        })
                        .collect_view();
                    view! { {capped} {groups} }.into_any()
                }
            }}
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn grouped_by_artifact_type_falling_back_to_media_type() {
        let d = |at: Option<&str>, c: u8| {
            let mut d = Descriptor::new(
                "application/vnd.oci.image.manifest.v1+json",
                Digest::sha256_of(&[c]),
                1,
            );
            d.artifact_type = at.map(str::to_string);
            d
        };
        let g = group(vec![
            d(Some("application/spdx+json"), 1),
            d(None, 2),
            d(Some("application/spdx+json"), 3),
        ]);
        assert_eq!(g.len(), 2);
        assert_eq!(g["application/spdx+json"].len(), 2);
        assert_eq!(g["application/vnd.oci.image.manifest.v1+json"].len(), 1);
    }
}
