//! Download an image as a tarball (`?tool=download&registry=…&repo=…&ref=…`): the image (all
//! platforms, optionally with its referrers) is written by `ociscope_tools::tarball::
//! write_archive` as an OCI layout tar with `docker save`'s `manifest.json` (so `skopeo copy
//! oci-archive:` and `docker load` read it), streamed into a file in the Origin Private File
//! System in 1 MiB writes (`ociscope_opfs::tarball::OpfsFileSink`), never whole in memory; the
//! finished file is then offered as a download link.

use leptos::prelude::*;
use leptos::task::spawn_local;
use ociscope_core::spec::{ManifestRef, RepoName, Spec};
use ociscope_opfs::tarball::OpfsFileSink;
use ociscope_opfs::OpfsStore;
use ociscope_tools::copy::CopyOptions;
use ociscope_tools::tarball::{write_archive, ArchiveImage};

use crate::format;
use crate::registry::Registry;

/// The OPFS folder tarballs are written to before they are downloaded.
pub const DOWNLOAD_FOLDER: &str = "ociscope-downloads";

/// The file name of a download: `repo-ref.tar`, with `/` and `:` made `_`.
pub fn file_name(repo: &RepoName, reference: &ManifestRef) -> String {
    format!("{repo}-{reference}.tar").replace(['/', ':'], "_")
}

/// The download page of one manifest.
#[component]
pub fn DownloadTarballView(
    /// The registry.
    registry: Registry,
    /// The repository.
    repo: RepoName,
    /// The tag or digest.
    reference: ManifestRef,
) -> impl IntoView {
    let registry = StoredValue::new(registry);
    let referrers = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let status = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let link = RwSignal::new(None::<(String, String)>);
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
        spawn_local(async move {
            let result = async {
                let descriptor = registry
                    .stat_manifest(&repo, &reference)
                    .await
                    .map_err(|e| e.to_string())?;
                let names = match &reference {
                    ManifestRef::Tag(t) => vec![format!("{}/{repo}:{t}", registry.pull_host())],
                    ManifestRef::Digest(_) => Vec::new(),
                };
                let store = OpfsStore::open(DOWNLOAD_FOLDER)
                    .await
                    .map_err(|e| e.to_string())?;
                let mut sink = OpfsFileSink::create(store.folder(), &name)
                    .await
                    .map_err(|e| e.to_string())?;
                let options = CopyOptions {
                    referrers: referrers.get_untracked(),
                    ..CopyOptions::default()
                };
                let images = [ArchiveImage { descriptor, names }];
                let report = write_archive(&registry, &repo, &images, &options, &mut sink)
                    .await
                    .map_err(|e| e.to_string())?;
                let file = sink.finish().await.map_err(|e| e.to_string())?;
                let url = web_sys::Url::create_object_url_with_blob(&file)
                    .map_err(|e| format!("{e:?}"))?;
                Ok::<_, String>((url, report))
            }
            .await;
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
            <button type="button" id="download-start" disabled=move || busy.get() on:click=start>
                "Write the tarball"
            </button>
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
}
