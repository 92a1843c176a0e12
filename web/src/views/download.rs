//! Download an image as a tarball (`?tool=download&registry=…&repo=…&ref=…`): the image (all
//! platforms, optionally with its referrers) is written by `ociscope_tools::tarball::
//! write_archive` as an OCI layout tar with `docker save`'s `manifest.json` (so `skopeo copy
//! oci-archive:` and `docker load` read it), streamed into a file in the Origin Private File
//! System in 1 MiB writes (`ociscope_opfs::tarball::OpfsFileSink`), never whole in memory; the
//! finished file is then offered as a download link. Or the image is **kept in this
//! browser** (the tab's content store, [`crate::views::store`]): fetched blob by blob into
//! resumable ingests, so a reload in the middle resumes when it is kept again. Either way, one
//! platform of an index or all of them, optionally with the referrers.
//!
//! Async work: the platforms to choose from are a `LocalResource`; writing the tarball and
//! keeping the image are tasks of their own (`spawn_local`), since each streams its progress
//! into the page's signals for as long as it runs (minutes for a large image).

use leptos::prelude::*;
use leptos::task::spawn_local;
use ociscope_core::manifest::Manifest;
use ociscope_core::spec::{ManifestRef, RepoName, Spec};
use ociscope_opfs::tarball::OpfsFileSink;
use ociscope_opfs::OpfsStore;
use ociscope_tools::copy::CopyOptions;
use ociscope_tools::tarball::{write_archive, ArchiveImage, ArchiveReport};

use crate::components::error_box::no_registry;
use crate::format;
use crate::nav::{use_nav, Link};
use crate::pending_keeps::PendingKeep;
use crate::registry::{use_registry, Registry};
use crate::route::Route;
use crate::views::store;

/// The OPFS folder tarballs are written to before they are downloaded.
pub const DOWNLOAD_FOLDER: &str = "ociscope-downloads";

/// The file name of a download: `repo-ref.tar`, with `/` and `:` made `_`.
pub fn file_name(repo: &RepoName, reference: &ManifestRef) -> String {
    format!("{repo}-{reference}.tar").replace(['/', ':'], "_")
}

/// The download page of the manifest `manifest` (a manifest route) names.
pub(crate) fn route(manifest: &Route) -> Route {
    Route {
        tool: Some("download".into()),
        raw: false,
        ..manifest.clone()
    }
}

/// Writes `reference` as a tarball named `name` into the download folder: its object URL and
/// what went in.
async fn write_tarball(
    registry: &Registry,
    repo: &RepoName,
    reference: &ManifestRef,
    name: &str,
    options: &CopyOptions,
) -> Result<(String, ArchiveReport), String> {
    let descriptor = registry
        .stat_manifest(repo, reference)
        .await
        .map_err(|e| e.to_string())?;
    let names = match reference {
        ManifestRef::Tag(t) => vec![format!("{}/{repo}:{t}", registry.pull_host())],
        ManifestRef::Digest(_) => Vec::new(),
    };
    let store = OpfsStore::open(DOWNLOAD_FOLDER)
        .await
        .map_err(|e| e.to_string())?;
    let mut sink = OpfsFileSink::create(store.folder(), name)
        .await
        .map_err(|e| e.to_string())?;
    let images = [ArchiveImage { descriptor, names }];
    let report = write_archive(registry, repo, &images, options, &mut sink)
        .await
        .map_err(|e| e.to_string())?;
    let file = sink.finish().await.map_err(|e| e.to_string())?;
    let url = web_sys::Url::create_object_url_with_blob(&file).map_err(|e| format!("{e:?}"))?;
    Ok::<_, String>((url, report))
}

/// The platform to download, when the manifest is an index: one, or all of them (empty).
#[component]
fn PlatformSelect(
    platforms: LocalResource<Vec<String>>,
    platform: RwSignal<String>,
) -> impl IntoView {
    move || {
        let list = platforms.get().unwrap_or_default();
        (!list.is_empty()).then(|| {
            view! {
                <label>
                    " platform "
                    <select id="download-platform" on:change=move |e| platform.set(event_target_value(&e))>
                        <option value="" selected=move || platform.get().is_empty()>"all platforms"</option>
                        {list
                            .into_iter()
                            .map(|p| {
                                let v = p.clone();
                                view! { <option value=v.clone() selected=move || platform.get() == v>{p}</option> }
                            })
                            .collect_view()}
                    </select>
                </label>
            }
        })
    }
}

/// The download page of one manifest.
#[component]
pub(crate) fn DownloadTarballView(
    /// The repository.
    repo: RepoName,
    /// The tag or digest.
    reference: ManifestRef,
) -> impl IntoView {
    let Some(registry) = use_registry() else {
        return no_registry();
    };
    let registry = StoredValue::new(registry);
    // The registry's URL parameter, for the record of a keep (the store page resumes it).
    let registry_key = StoredValue::new(use_nav().current().registry.unwrap_or_default());
    let referrers = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let status = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let link = RwSignal::new(None::<(String, String)>);
    // The platforms an index lists, to choose from; none for an image (or what fails to load).
    let platforms = {
        let (registry, repo, reference) = (registry.get_value(), repo.clone(), reference.clone());
        LocalResource::new(move || {
            let (registry, repo, reference) = (registry.clone(), repo.clone(), reference.clone());
            async move {
                let Ok(m) = registry.get_manifest(&repo, &reference).await else {
                    return Vec::new();
                };
                match Manifest::parse(&m.content, Some(&m.descriptor.media_type)) {
                    Ok(parsed) => parsed
                        .manifests()
                        .iter()
                        .filter_map(|d| d.platform.as_ref().map(|p| p.to_string()))
                        .collect(),
                    Err(_) => Vec::new(),
                }
            }
        })
    };
    let platform = RwSignal::new(String::new());
    let kept = RwSignal::new(None::<String>);
    let name = file_name(&repo, &reference);
    let what = format!("{repo}:{reference}");
    let (repo, reference) = (StoredValue::new(repo), StoredValue::new(reference));

    let start = move |_| {
        let registry = registry.get_value();
        let (repo, reference) = (repo.get_value(), reference.get_value());
        let name = file_name(&repo, &reference);
        busy.set(true);
        error.set(None);
        link.set(None);
        status.set("writing the tarball…".into());
        let options = store::image_options(&platform.get_untracked(), referrers.get_untracked());
        spawn_local(async move {
            let result = write_tarball(&registry, &repo, &reference, &name, &options).await;
            match result {
                Ok((url, report)) => {
                    status.try_set(format!(
                        "{} blobs and manifests, {} in all",
                        report.blobs,
                        format::size(report.tar_bytes)
                    ));
                    link.try_set(Some((url, name)));
                }
                Err(e) => {
                    status.try_set(String::new());
                    error.try_set(Some(format!("The tarball could not be written: {e}")));
                }
            }
            busy.try_set(false);
        });
    };

    let keep = move |_| {
        let registry = registry.get_value();
        let (repo, reference) = (repo.get_value(), reference.get_value());
        busy.set(true);
        error.set(None);
        kept.set(None);
        status.set("keeping the image in this browser…".into());
        let keep = PendingKeep {
            registry: registry_key.get_value(),
            repo: repo.to_string(),
            reference: reference.to_string(),
            platform: platform.get_untracked(),
            referrers: referrers.get_untracked(),
            started: js_sys::Date::now(),
        };
        spawn_local(async move {
            let report = |text: String| {
                status.try_set(text);
            };
            match store::keep_image(&registry, &keep, &report).await {
                Ok(r) => {
                    status.try_set(String::new());
                    kept.try_set(Some(store::describe_keep(&repo, &r)));
                }
                Err(e) => {
                    status.try_set(String::new());
                    error.try_set(Some(format!(
                        "The image could not be kept in this browser: {e}"
                    )));
                }
            }
            busy.try_set(false);
        });
    };
    let store_route = StoredValue::new(store::route(None));

    view! {
        <section class="upload">
            <h2>"Download " {what} " as a tarball"</h2>
            <p class="hint">
                "An OCI image layout tar with docker save's manifest.json: `skopeo copy \
                 oci-archive:FILE …` and `docker load -i FILE` read it. It is written to this \
                 site's private storage first (" {name} "), then downloaded."
            </p>
            <label>
                <input
                    type="checkbox"
                    id="download-referrers"
                    prop:checked=move || referrers.get()
                    on:change=move |e| referrers.set(event_target_checked(&e))
                />
                " with its referrers (signatures, SBOMs)"
            </label>
            <PlatformSelect platforms=platforms platform=platform/>
            <p>
                <button type="button" id="download-start" disabled=move || busy.get() on:click=start>
                    "Write the tarball"
                </button>
                " "
                <button type="button" id="keep-start" disabled=move || busy.get() on:click=keep>
                    "Keep in this browser"
                </button>
            </p>
            <p class="hint">
                "Kept images stay in this site's private browser storage across reloads; an \
                 interrupted keep resumes where it stopped, from the store page or when you \
                 keep the image again. "
                <Link to=store_route.get_value()>"Kept in this browser"</Link>
            </p>
            {move || kept.get().map(|k| view! { <p id="keep-done">{k}</p> })}
            <p id="download-status" aria-live="polite">{move || status.get()}</p>
            {move || error.get().map(|e| view! { <p id="download-error" class="error-box" role="alert">{e}</p> })}
            {move || {
                link.get()
                    .map(|(url, name)| {
                        let label = format!("Download {name}");
                        view! {
                            <a id="download-link" href=url download=name>
                                {label}
                            </a>
                        }
                    })
            }}
        </section>
    }
    .into_any()
}
