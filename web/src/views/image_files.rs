//! The merged filesystem of an image (`tool=files` with a reference): every layer listed in
//! turn as it streams ([`crate::layer_stream`]), then merged as a runtime would unpack them
//! ([`ociscope_tools::layer::merge`]): what each layer added, changed and removed, the bytes
//! later layers waste by replacing or deleting earlier files, and the final files with the
//! layer each comes from. Only entries (metadata) are kept, never content. The listing is a
//! `LocalResource` (loaded on open), its progress in a signal.

use leptos::prelude::*;
use ociscope_core::spec::{Error, ErrorKind, ManifestRef, RepoName, Spec};
use ociscope_tools::layer::{merge, FileEntry, Merged};

use crate::components::error_box::{no_registry, ErrorBox};
use crate::components::virtual_list::VirtualList;
use crate::format;
use crate::layer_stream;
use crate::nav::{use_nav, Link};
use crate::registry::{use_registry, Registry};

const ROW_HEIGHT: f64 = 28.0;
const LIST_HEIGHT: f64 = 440.0;

/// Each layer's digest and the merged filesystem, or why they could not be listed.
type Loaded = Result<(Vec<String>, Merged), Error>;

/// Lists every layer of the image `reference`, reporting `(layers done, layers)` as it goes.
async fn load(
    registry: &Registry,
    repo: &RepoName,
    reference: &ManifestRef,
    done: &mut impl FnMut(usize, usize),
) -> Loaded {
    let got = registry.get_manifest(repo, reference).await?;
    let manifest = got.parse()?;
    let image = manifest.content().image().ok_or_else(|| {
        Error::other(
            ErrorKind::Unsupported,
            "an index has no filesystem of its own: open one of its platforms",
        )
    })?;
    let mut layers = Vec::new();
    let mut digests = Vec::new();
    for (i, layer) in image.layers.iter().enumerate() {
        done(i, image.layers.len());
        let mut entries: Vec<FileEntry> = Vec::new();
        layer_stream::list(
            registry,
            repo,
            &layer.digest,
            &mut |e: &FileEntry| entries.push(e.clone()),
            &mut |_| {},
            &|| false,
        )
        .await?;
        layers.push(entries);
        digests.push(layer.digest.to_string());
    }
    done(image.layers.len(), image.layers.len());
    Ok((digests, merge(&layers)))
}

/// The merged-filesystem view.
#[component]
pub fn ImageFilesView(
    /// The repository.
    repo: RepoName,
    /// The image.
    reference: ManifestRef,
) -> impl IntoView {
    let Some(registry) = use_registry() else {
        return no_registry();
    };
    let base = use_nav().current();
    let progress = RwSignal::new((0usize, 0usize));
    // Loaded on open; how many layers are listed so far goes to `progress` meanwhile.
    let result = LocalResource::new(move || {
        let (registry, repo, reference) = (registry.clone(), repo.clone(), reference.clone());
        async move {
            let mut report = |d, n| progress.set((d, n));
            load(&registry, &repo, &reference, &mut report).await
        }
    });
    let search = RwSignal::new(String::new());
    view! {
        <section class="image-files">
            <h2>"Files of all layers, merged"</h2>
            <p id="image-files-progress" aria-live="polite">
                {move || {
                    let (d, n) = progress.get();
                    format!("{d} of {} listed", format::count(n, "layer", "layers"))
                }}
            </p>
            {move || match result.get() {
                None => ().into_any(),
                Some(Err(e)) => view! { <ErrorBox action="listing the image's files" error=e/> }.into_any(),
                Some(Ok((digests, merged))) => merged_view(&base, digests, merged, search),
            }}
        </section>
    }
    .into_any()
}

fn merged_view(
    base: &crate::route::Route,
    digests: Vec<String>,
    merged: Merged,
    search: RwSignal<String>,
) -> AnyView {
    let summary = format!(
        "{} in {}; {} wasted by later layers",
        format::count(merged.files.len(), "path", "paths"),
        format::size(merged.size()),
        format::size(merged.wasted())
    );
    let rows = merged
        .layers
        .iter()
        .zip(digests)
        .enumerate()
        .map(|(i, (l, d))| {
            view! {
                <tr>
                    <td>{i + 1}</td>
                    <td><Link to=base.files(&d)>{format::short_digest(&d)}</Link></td>
                    <td class="layer-added">{l.added.len()}</td>
                    <td class="layer-changed">{l.changed.len()}</td>
                    <td class="layer-removed">{l.removed.len()}</td>
                    <td>{format::size(l.size)}</td>
                    <td class="layer-wasted">{format::size(l.wasted)}</td>
                </tr>
            }
        })
        .collect_view();
    let files: Vec<(String, u64, usize)> = merged
        .files
        .iter()
        .map(|(p, (e, layer))| (p.clone(), e.size, *layer))
        .collect();
    let shown = Memo::new(move |_| {
        let q = search.get().to_lowercase();
        files
            .iter()
            .filter(|(p, ..)| q.is_empty() || p.to_lowercase().contains(&q))
            .cloned()
            .collect::<Vec<_>>()
    });
    let row = move |i: usize| match shown.with(|s| s.get(i).cloned()) {
        Some((path, size, layer)) => {
            let title = path.clone();
            view! {
                <div class="file-row merged-row">
                    <span class="file-size">{format::size(size)}</span>
                    <span class="file-layer">{format!("layer {}", layer + 1)}</span>
                    <span class="file-path" title=title>{path}</span>
                </div>
            }
            .into_any()
        }
        None => ().into_any(),
    };
    view! {
        <p id="image-files-summary">{summary}</p>
        <table id="image-layers">
            <thead>
                <tr>
                    <th>"#"</th>
                    <th>"layer"</th>
                    <th>"added"</th>
                    <th>"changed"</th>
                    <th>"removed"</th>
                    <th>"size"</th>
                    <th>"wasted"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <div class="toolbar">
            <label class="inline" for="image-files-search">"Search paths"</label>
            <input
                id="image-files-search"
                type="search"
                spellcheck="false"
                autocomplete="off"
                prop:value=move || search.get()
                on:input=move |e| search.set(event_target_value(&e))
            />
        </div>
        <VirtualList
            count=Signal::derive(move || shown.with(Vec::len))
            row_height=ROW_HEIGHT
            height=LIST_HEIGHT
            row=row
            reset_on=Signal::derive(move || search.get())
            label="merged files"
        />
    }
    .into_any()
}
