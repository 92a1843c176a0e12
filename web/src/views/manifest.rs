//! One manifest: an index as a table of platforms, an image as its configuration, history and
//! layers; annotations, artifactType, subject, pull commands, delete, referrers and raw JSON.

use std::collections::BTreeMap;

use leptos::prelude::*;
use ociscope_core::manifest::ImageManifest;
use ociscope_core::spec::{BlobReader, ManifestBytes, ManifestRef, RepoName, Spec};
use ociscope_core::{media_type, Descriptor, Manifest};

use crate::components::copy_button::CopyText;
use crate::components::error_box::{no_registry, ErrorBox, Loading};
use crate::components::json_view::JsonView;
use crate::format;
use crate::nav::{use_nav, Link};
use crate::registry::{use_registry, Registry};
use crate::route::Route;
use crate::safe_url::link_target;
use crate::views::delete::DeleteActions;
use crate::views::referrers::Referrers;
use ociscope_tools::config::{shell_words, ImageConfig};

/// Largest image configuration shown.
const CONFIG_LIMIT: u64 = 4 * 1024 * 1024;

/// The manifest view.
#[component]
pub fn ManifestView(
    /// The repository.
    repo: RepoName,
    /// A tag or digest.
    reference: ManifestRef,
) -> impl IntoView {
    let Some(registry) = use_registry() else {
        return no_registry();
    };
    let parsed = reference;
    let got = {
        let (registry, repo, parsed) = (registry.clone(), repo.clone(), parsed.clone());
        LocalResource::new(move || {
            let (registry, repo, parsed) = (registry.clone(), repo.clone(), parsed.clone());
            async move { registry.get_manifest(&repo, &parsed).await }
        })
    };
    let repo = StoredValue::new(repo);
    let parsed = StoredValue::new(parsed);
    view! {
        <section class="manifest">
            {move || match got.get() {
                None => view! { <Loading what="the manifest"/> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox action="loading the manifest" error=e/> }.into_any(),
                Some(Ok(bytes)) => {
                    view! {
                        <ManifestBody
                            repo=repo.get_value()
                            reference=parsed.get_value()
                            bytes=bytes
                        />
                    }
                        .into_any()
                }
            }}
        </section>
    }
    .into_any()
}

fn kv_rows(rows: Vec<(&'static str, Option<String>)>) -> impl IntoView {
    rows.into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .map(|(k, v)| {
            view! {
                <tr>
                    <th scope="row">{k}</th>
                    <td>
                        <code>{v}</code>
                    </td>
                </tr>
            }
        })
        .collect_view()
}

/// A value from a registry: a link when it is an http(s) URL, text otherwise.
fn value_view(value: String) -> AnyView {
    match link_target(&value) {
        Some(url) => {
            let url = url.to_string();
            view! {
                <a href=url rel="noopener noreferrer nofollow" target="_blank">
                    {value}
                </a>
            }
            .into_any()
        }
        None => view! { <code>{value}</code> }.into_any(),
    }
}

/// A table of annotations or labels (values that are http(s) URLs become links).
fn map_table(id: &'static str, title: &'static str, map: BTreeMap<String, String>) -> AnyView {
    if map.is_empty() {
        return ().into_any();
    }
    view! {
        <h3>{title}</h3>
        <table id=id class="kv">
            <tbody>
                {map
                    .into_iter()
                    .map(|(k, v)| {
                        view! {
                            <tr>
                                <th scope="row">
                                    <code>{k}</code>
                                </th>
                                <td>{value_view(v)}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn ManifestBody(repo: RepoName, reference: ManifestRef, bytes: ManifestBytes) -> impl IntoView {
    let Some(registry) = use_registry() else {
        return no_registry();
    };
    let nav = use_nav();
    let base = nav.current();
    let raw = move || nav.with(|r| r.raw);
    let descriptor = bytes.descriptor.clone();
    let digest = descriptor.digest.to_string();
    let manifest = bytes.parse();
    let host = registry.pull_host();
    let tag = reference.tag().cloned();
    let mut pulls = Vec::new();
    if let Some(t) = &tag {
        pulls.push(format::pull_command(host, &repo, t));
    }
    pulls.push(format::pull_command(host, &repo, &digest));
    let title = match &manifest {
        Ok(m) => format::kind_label(m.media_type()),
        Err(_) => "Manifest".to_string(),
    };
    let summary = vec![
        ("reference", Some(reference.to_string())),
        ("digest", Some(digest.clone())),
        ("media type", Some(descriptor.media_type.clone())),
        (
            "size",
            Some(format!(
                "{} ({} bytes)",
                format::size(descriptor.size),
                descriptor.size
            )),
        ),
        (
            "artifactType",
            manifest
                .as_ref()
                .ok()
                .and_then(|m| m.artifact_type_field().map(str::to_string)),
        ),
    ];
    let subject = manifest
        .as_ref()
        .ok()
        .and_then(|m| m.subject().cloned())
        .map(|s| {
            let d = s.digest.to_string();
            view! {
                <p class="subject">
                    "Refers to (subject): "
                    <Link to=base.manifest(&d) class="subject-link">{d.clone()}</Link>
                </p>
            }
        });
    let body = match &manifest {
        Err(e) => view! {
            <ErrorBox action="reading the manifest" error=ociscope_core::spec::Error::from(e.clone())/>
        }
        .into_any(),
        Ok(m) => content_view(&registry, &repo, &base, m),
    };
    let annotations = manifest
        .as_ref()
        .map(|m| m.annotations().clone())
        .unwrap_or_default();
    let raw_bytes = bytes.content.to_vec();
    let base_raw = base.clone();
    view! {
        <h2>{title} " " <code>{repo.to_string()}</code> {tag.clone().map(|t| view! { ":" <code>{t.to_string()}</code> })}</h2>
        <table class="kv" id="manifest-summary">
            <tbody>{kv_rows(summary)}</tbody>
        </table>
        {subject}
        <div class="pulls">
            {pulls.into_iter().map(|p| view! { <CopyText text=p label="pull command"/> }).collect_view()}
        </div>
        <p class="actions">
            <Link to=base.copy() class="copy-link">"Copy or retag…"</Link>
            " · "
            <Link to=base.compare("") class="compare-link">"Compare with…"</Link>
            " · "
            <Link to=crate::views::download::route(&base) class="download-link">"Download or keep in this browser…"</Link>
            " · "
            <Link to=crate::views::store::route(base.registry.as_deref()) class="store-link">"Kept in this browser"</Link>
        </p>
        <DeleteActions repo=repo.clone() tag=tag digest=descriptor.digest.clone()/>
        {body}
        {map_table("annotations", "Annotations", annotations)}
        <Referrers repo=repo.clone() digest=descriptor.digest.clone()/>
        <h3>"Raw JSON"</h3>
        {move || {
            let base = base_raw.clone();
            if raw() {
                view! {
                    <Link to=base.with_raw(false) class="raw-toggle">"Hide raw JSON"</Link>
                    <JsonView bytes=raw_bytes.clone() base=base/>
                }
                    .into_any()
            } else {
                view! { <Link to=base.with_raw(true) class="raw-toggle">"Show raw JSON"</Link> }.into_any()
            }
        }}
    }
    .into_any()
}

fn content_view(registry: &Registry, repo: &RepoName, base: &Route, m: &Manifest) -> AnyView {
    if let Some(index) = m.content().index() {
        return platforms_table(base, &index.manifests);
    }
    if let Some(image) = m.content().image() {
        return image_view(registry, repo, base, image);
    }
    view! { <p class="none">"Docker schema 1: shown as raw JSON only."</p> }.into_any()
}

fn platforms_table(base: &Route, manifests: &[Descriptor]) -> AnyView {
    let platforms: Vec<&Descriptor> = manifests
        .iter()
        .filter(|d| !crate::views::tags::is_attestation(d))
        .collect();
    let compare = match platforms.as_slice() {
        [a, b, ..] => {
            let to = base.manifest(a.digest.as_str()).compare(b.digest.as_str());
            view! {
                <p>
                    <Link to=to class="compare-platforms-link">"Compare two platforms…"</Link>
                </p>
            }
            .into_any()
        }
        _ => ().into_any(),
    };
    view! {
        <h3>"Platforms"</h3>
        <table id="platforms">
            <thead>
                <tr>
                    <th>"os"</th>
                    <th>"architecture"</th>
                    <th>"variant"</th>
                    <th>"os version"</th>
                    <th>"size"</th>
                    <th>"manifest"</th>
                </tr>
            </thead>
            <tbody>
                {manifests
                    .iter()
                    .map(|d| {
                        let p = d.platform.clone();
                        let digest = d.digest.to_string();
                        let label = d
                            .annotations
                            .get("vnd.docker.reference.type")
                            .cloned()
                            .unwrap_or_else(|| format::short_digest(&digest));
                        view! {
                            <tr>
                                <td>{p.as_ref().map(|p| p.os.clone()).unwrap_or_default()}</td>
                                <td>{p.as_ref().map(|p| p.architecture.clone()).unwrap_or_default()}</td>
                                <td>{p.as_ref().and_then(|p| p.variant.clone()).unwrap_or_default()}</td>
                                <td>{p.as_ref().and_then(|p| p.os_version.clone()).unwrap_or_default()}</td>
                                <td>{format::size(d.size)}</td>
                                <td>
                                    <Link to=base.manifest(&digest) class="platform-link">{label}</Link>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        {compare}
    }
    .into_any()
}

fn image_view(
    registry: &Registry,
    repo: &RepoName,
    base: &Route,
    image: &ImageManifest,
) -> AnyView {
    let config = image.config.clone();
    let is_image_config = config.media_type == media_type::OCI_CONFIG
        || config.media_type == media_type::DOCKER_CONFIG;
    let config_digest = config.digest.to_string();
    let loaded = {
        let (registry, repo, digest) = (registry.clone(), repo.clone(), config.digest.clone());
        LocalResource::new(move || {
            let (registry, repo, digest) = (registry.clone(), repo.clone(), digest.clone());
            async move {
                if is_image_config {
                    let read = async {
                        let mut reader = registry.get_blob(&repo, &digest).await?;
                        reader.read_to_end(CONFIG_LIMIT).await
                    };
                    Some(read.await)
                } else {
                    None
                }
            }
        })
    };
    let layers = image.layers.clone();
    let total = image.image_size();
    view! {
        <h3>"Configuration"</h3>
        <p>
            <Link to=base.blob(&config_digest) class="config-link">{format!("config blob {}", format::short_digest(&config_digest))}</Link>
            " " <span class="muted">{config.media_type.clone()}</span> " · " {format::size(config.size)}
        </p>
        {move || match loaded.get() {
            None => view! { <Loading what="the image configuration"/> }.into_any(),
            Some(None) => view! { <p class="none">"Not an image configuration (an artifact's config)."</p> }.into_any(),
            Some(Some(Err(e))) => view! { <ErrorBox action="loading the image configuration" error=e/> }.into_any(),
            Some(Some(Ok(bytes))) => match ImageConfig::from_json(&bytes) {
                None => view! { <p class="error">"The configuration is not a JSON object."</p> }.into_any(),
                Some(c) => config_view(c),
            },
        }}
        <h3>"Layers"</h3>
        <p>
            <Link to=base.image_files() class="image-files-link">"Files of all layers, merged…"</Link>
        </p>
        <table id="layers">
            <thead>
                <tr>
                    <th>"#"</th>
                    <th>"size"</th>
                    <th>"media type"</th>
                    <th>"digest"</th>
                </tr>
            </thead>
            <tbody>
                {layers
                    .iter()
                    .enumerate()
                    .map(|(i, l)| {
                        let d = l.digest.to_string();
                        let files_route = base.files(&d);
                        view! {
                            <tr>
                                <td>{i + 1}</td>
                                <td>{format::size(l.size)}</td>
                                <td><code>{l.media_type.clone()}</code></td>
                                <td>
                                    <Link to=base.blob(&d) class="layer-link">{format::short_digest(&d)}</Link>
                                    {(l.media_type.contains("tar") || l.media_type.contains("rootfs"))
                                        .then(|| view! { " " <Link to=files_route class="files-link">"files"</Link> })}
                                    {l
                                        .annotations
                                        .get("org.opencontainers.image.title")
                                        .map(|title| view! { " " <span class="layer-title">{title.clone()}</span> })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        <p id="total-size">"Total size (config and layers): " {format::size(total)}</p>
    }
    .into_any()
}

fn config_view(c: ImageConfig) -> AnyView {
    let rows = vec![
        ("created", c.created.clone()),
        ("author", c.author.clone()),
        (
            "platform",
            match (&c.os, c.architecture_with_variant()) {
                (Some(os), Some(a)) => Some(format!("{os}/{a}")),
                _ => None,
            },
        ),
        (
            "entrypoint",
            (!c.entrypoint.is_empty()).then(|| shell_words(&c.entrypoint)),
        ),
        ("cmd", (!c.cmd.is_empty()).then(|| shell_words(&c.cmd))),
        ("working dir", c.working_dir.clone()),
        ("user", c.user.clone()),
        (
            "exposed ports",
            (!c.exposed_ports.is_empty()).then(|| c.exposed_ports.join(", ")),
        ),
        (
            "volumes",
            (!c.volumes.is_empty()).then(|| c.volumes.join(", ")),
        ),
    ];
    let env = c.env.clone();
    let history = c.history.clone();
    view! {
        <table class="kv" id="config">
            <tbody>{kv_rows(rows)}</tbody>
        </table>
        {(!env.is_empty())
            .then(|| {
                view! {
                    <h4>"Environment"</h4>
                    <ul class="env">
                        {env.into_iter().map(|e| view! { <li><code>{e}</code></li> }).collect_view()}
                    </ul>
                }
            })}
        {map_table("labels", "Labels", c.labels)}
        {(!history.is_empty())
            .then(|| {
                view! {
                    <h4>"History"</h4>
                    <table id="history">
                        <thead>
                            <tr>
                                <th>"created"</th>
                                <th>"created by"</th>
                                <th>"layer"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {history
                                .into_iter()
                                .map(|h| {
                                    let class = if h.empty_layer { "empty-layer" } else { "" };
                                    view! {
                                        <tr class=class>
                                            <td>{h.created.as_deref().map(format::date).unwrap_or_default()}</td>
                                            <td><code>{h.created_by.unwrap_or_default()}</code></td>
                                            <td>{if h.empty_layer { "empty" } else { "layer" }}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
            })}
    }
    .into_any()
}
