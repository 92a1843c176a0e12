//! Compare two manifests of a repository (`tool=compare`): two tags, two digests, or two
//! platforms. Each side is a tag or digest typed in (the address keeps both, so a comparison
//! can be shared); a side that is an index is compared through one of its platforms, chosen
//! in a list: the other side's platform when the index has it, else `linux/amd64`, else its
//! first. What differs is [`crate::compare`]'s.

use leptos::prelude::*;
use ociscope_core::spec::{BlobReader, Error, ErrorKind, ManifestRef, RepoName, Spec};
use ociscope_core::{media_type, Digest};
use ociscope_tools::config::ImageConfig;

use crate::compare::{compare, Comparison, Difference, LayerStatus, Side};
use crate::components::error_box::{no_registry, ErrorBox, Loading};
use crate::format;
use crate::nav::{use_nav, Link};
use crate::registry::{use_registry, Registry};
use crate::views::tags::is_attestation;

/// Largest image configuration read.
const CONFIG_LIMIT: u64 = 4 * 1024 * 1024;

/// One side, resolved to an image.
#[derive(Clone, Debug)]
struct Resolved {
    /// The image's manifest digest.
    digest: Digest,
    /// When the side named an index: its platforms and their manifests.
    platforms: Vec<(String, Digest)>,
    /// The platform compared, when the side named an index.
    chosen: Option<String>,
    /// The image.
    side: Side,
}

/// Resolves `reference` to an image, through the platform `prefer` when it names an index.
async fn resolve(
    registry: &Registry,
    repo: &RepoName,
    reference: &ManifestRef,
    prefer: Option<&str>,
) -> Result<Resolved, Error> {
    let got = registry.get_manifest(repo, reference).await?;
    let mut manifest = got.parse()?;
    let mut digest = got.descriptor.digest.clone();
    let mut platforms = Vec::new();
    let mut chosen = None;
    if let Some(index) = manifest.content().index() {
        platforms = index
            .manifests
            .iter()
            .filter(|d| !is_attestation(d))
            .map(|d| {
                let name = d
                    .platform
                    .as_ref()
                    .map_or_else(|| "unknown".to_string(), |p| p.to_string());
                (name, d.digest.clone())
            })
            .collect();
        let pick = [prefer, Some("linux/amd64")]
            .into_iter()
            .flatten()
            .find_map(|want| platforms.iter().find(|(name, _)| name == want))
            .or_else(|| platforms.first())
            .cloned()
            .ok_or_else(|| Error::other(ErrorKind::Unsupported, "the index lists no platform"))?;
        let child = registry
            .get_manifest(repo, &ManifestRef::Digest(pick.1.clone()))
            .await?;
        manifest = child.parse()?;
        digest = pick.1;
        chosen = Some(pick.0);
    }
    let image = manifest.content().image().ok_or_else(|| {
        Error::other(
            ErrorKind::Unsupported,
            "only images (and indexes, through a platform) can be compared",
        )
    })?;
    let config = if image.config.media_type == media_type::OCI_CONFIG
        || image.config.media_type == media_type::DOCKER_CONFIG
    {
        let bytes = registry
            .get_blob(repo, &image.config.digest)
            .await?
            .read_to_end(CONFIG_LIMIT)
            .await?;
        ImageConfig::from_json(&bytes)
    } else {
        None
    };
    Ok(Resolved {
        digest,
        platforms,
        chosen,
        side: Side {
            config,
            layers: image.layers.clone(),
            size: image.image_size(),
        },
    })
}

/// A size change with its sign: `+1.5 KiB`, `-300 B`, `±0 B`.
pub fn size_change(delta: i128) -> String {
    let magnitude = format::size(u64::try_from(delta.unsigned_abs()).unwrap_or(u64::MAX));
    match delta {
        0 => format!("±{magnitude}"),
        d if d > 0 => format!("+{magnitude}"),
        _ => format!("-{magnitude}"),
    }
}

/// The compare view.
#[component]
pub fn CompareView(
    /// The repository.
    repo: RepoName,
    /// The first manifest.
    reference: ManifestRef,
    /// The second, as typed (a tag or digest), when given.
    with: Option<String>,
) -> impl IntoView {
    let Some(registry) = use_registry() else {
        return no_registry();
    };
    let nav = use_nav();
    let base = nav.current();
    let from_text = RwSignal::new(reference.to_string());
    let with_text = RwSignal::new(with.clone().unwrap_or_default());
    let go_submit = {
        let base = base.clone();
        move || {
            let from = from_text.get_untracked();
            let with = with_text.get_untracked();
            nav.go(base.manifest(from.trim()).compare(with.trim()));
        }
    };
    let other = with.map(|w| ManifestRef::parse(&w));
    let result = match other {
        None => {
            view! { <p class="none">"Type a second tag or digest to compare with."</p> }.into_any()
        }
        Some(Err(e)) => {
            view! { <ErrorBox action="reading the second tag or digest" error=e/> }.into_any()
        }
        Some(Ok(other)) => {
            let loaded = LocalResource::new(move || {
                let (registry, repo, a, b) = (
                    registry.clone(),
                    repo.clone(),
                    reference.clone(),
                    other.clone(),
                );
                async move {
                    let first = resolve(&registry, &repo, &a, None).await?;
                    let second = resolve(&registry, &repo, &b, first.chosen.as_deref()).await?;
                    // An index on the first side follows the second side's platform too, when
                    // only the second named one (an image against an index).
                    Ok::<_, Error>((first, second))
                }
            });
            let base = base.clone();
            (move || match loaded.get() {
                None => view! { <Loading what="both manifests"/> }.into_any(),
                Some(Err(e)) => {
                    view! { <ErrorBox action="loading the manifests to compare" error=e/> }
                        .into_any()
                }
                Some(Ok((a, b))) => result_view(&base, &a, &b),
            })
            .into_any()
        }
    };
    view! {
        <section class="compare">
            <h2>"Compare manifests"</h2>
            <form
                class="compare-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    go_submit();
                }
            >
                <label for="compare-from">"From (tag or digest)"</label>
                <input
                    id="compare-from"
                    type="text"
                    spellcheck="false"
                    autocomplete="off"
                    prop:value=move || from_text.get()
                    on:input=move |e| from_text.set(event_target_value(&e))
                />
                <label for="compare-with">"With (tag or digest)"</label>
                <input
                    id="compare-with"
                    type="text"
                    spellcheck="false"
                    autocomplete="off"
                    prop:value=move || with_text.get()
                    on:input=move |e| with_text.set(event_target_value(&e))
                />
                <button type="submit" id="compare-go">"Compare"</button>
            </form>
            {result}
        </section>
    }
    .into_any()
}

/// A platform list for a side that named an index: choosing one compares that platform.
fn platform_choice(base: &crate::route::Route, r: &Resolved, this_side_first: bool) -> AnyView {
    if r.platforms.is_empty() {
        return ().into_any();
    }
    let nav = use_nav();
    let base = base.clone();
    let chosen = r.chosen.clone().unwrap_or_default();
    let id = if this_side_first {
        "compare-platform-from"
    } else {
        "compare-platform-with"
    };
    view! {
        <select
            id=id
            aria-label="platform"
            on:change=move |e| {
                let digest = event_target_value(&e);
                let (from, with) = (
                    base.reference.clone().unwrap_or_default(),
                    base.with.clone().unwrap_or_default(),
                );
                let next = if this_side_first {
                    base.manifest(&digest).compare(&with)
                } else {
                    base.manifest(&from).compare(&digest)
                };
                nav.go(next);
            }
        >
            {r.platforms
                .iter()
                .map(|(name, d)| {
                    view! {
                        <option value=d.to_string() selected=*name == chosen>
                            {name.clone()}
                        </option>
                    }
                })
                .collect_view()}
        </select>
    }
    .into_any()
}

fn differences(id: &'static str, title: &'static str, rows: Vec<Difference>) -> AnyView {
    if rows.is_empty() {
        return ().into_any();
    }
    let cell = |v: Option<String>| match v {
        Some(v) => view! { <code>{v}</code> }.into_any(),
        None => view! { <span class="none">"absent"</span> }.into_any(),
    };
    view! {
        <h3>{title}</h3>
        <table id=id class="diff">
            <thead>
                <tr>
                    <th>"name"</th>
                    <th>"from"</th>
                    <th>"with"</th>
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|d| {
                        view! {
                            <tr>
                                <th scope="row"><code>{d.name}</code></th>
                                <td class="diff-from">{cell(d.from)}</td>
                                <td class="diff-to">{cell(d.to)}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

fn result_view(base: &crate::route::Route, a: &Resolved, b: &Resolved) -> AnyView {
    let c: Comparison = compare(&a.side, &b.side);
    let (da, db) = (a.digest.to_string(), b.digest.to_string());
    let layer_rows = c
        .layers
        .iter()
        .map(|(d, status)| {
            let (class, label) = match status {
                LayerStatus::Shared => ("layer-shared", "shared"),
                LayerStatus::Removed => ("layer-removed", "removed"),
                LayerStatus::Added => ("layer-added", "added"),
            };
            let digest = d.digest.to_string();
            view! {
                <tr class=class>
                    <td class="layer-status">{label}</td>
                    <td>{format::size(d.size)}</td>
                    <td>
                        <Link to=base.blob(&digest)>{format::short_digest(&digest)}</Link>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let count = |s: LayerStatus| c.layers.iter().filter(|(_, x)| *x == s).count();
    let layers_summary = format!(
        "{} shared ({}), {} removed ({}), {} added ({})",
        count(LayerStatus::Shared),
        format::size(c.layer_bytes(LayerStatus::Shared)),
        count(LayerStatus::Removed),
        format::size(c.layer_bytes(LayerStatus::Removed)),
        count(LayerStatus::Added),
        format::size(c.layer_bytes(LayerStatus::Added)),
    );
    let size_summary = format!(
        "{} → {} ({})",
        format::size(c.size_from),
        format::size(c.size_to),
        size_change(c.size_change())
    );
    let same = c.same_config();
    view! {
        <table class="kv" id="compare-sides">
            <thead>
                <tr>
                    <th></th>
                    <th>"from"</th>
                    <th>"with"</th>
                </tr>
            </thead>
            <tbody>
                <tr>
                    <th scope="row">"manifest"</th>
                    <td><Link to=base.manifest(&da) class="compare-from-link">{format::short_digest(&da)}</Link></td>
                    <td><Link to=base.manifest(&db) class="compare-with-link">{format::short_digest(&db)}</Link></td>
                </tr>
                <tr>
                    <th scope="row">"platform"</th>
                    <td>{platform_choice(base, a, true)}</td>
                    <td>{platform_choice(base, b, false)}</td>
                </tr>
            </tbody>
        </table>
        <p id="compare-size">"Size (config and layers, compressed): " {size_summary}</p>
        <h3>"Configuration"</h3>
        {same.then(|| view! { <p id="compare-config-same" class="none">"The configurations do not differ in these fields."</p> })}
        {differences("compare-config", "Fields", c.fields.clone())}
        {differences("compare-env", "Environment", c.env.clone())}
        {differences("compare-labels", "Labels", c.labels.clone())}
        {differences("compare-ports", "Exposed ports", c.ports.clone())}
        <h3>"Layers"</h3>
        <p id="compare-layers-summary">{layers_summary}</p>
        <table id="compare-layers">
            <thead>
                <tr>
                    <th>"status"</th>
                    <th>"size"</th>
                    <th>"digest"</th>
                </tr>
            </thead>
            <tbody>{layer_rows}</tbody>
        </table>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn size_changes_carry_their_sign() {
        assert_eq!(size_change(0), "±0 B");
        assert_eq!(size_change(1536), "+1.5 KiB");
        assert_eq!(size_change(-300), "-300 B");
        assert_eq!(size_change(i128::MIN), "-16.0 EiB");
    }
}
