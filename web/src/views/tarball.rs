//! Push an image from a tarball (`?tool=push-tarball&registry=…[&repo=…]`): a `docker save`
//! or OCI layout tar, picked from disk or dropped on the page, is read in place
//! (`ociscope_tools::tarball::TarStore` over a `BlobSource` of the `File`: range by range
//! through one reused 1 MiB buffer, never whole into memory, and no fresh `ArrayBuffer` per
//! read for the garbage collector to free late); every image in it is listed with
//! its names and platforms; the chosen one is pushed with `push_archive_image` (a copy: blobs
//! the registry has are skipped, progress per item, the tag pushed last).
//!
//! Async work: reading the tarball and pushing from it are tasks of their own (`spawn_local`):
//! each streams its progress into the page's signals for as long as it runs.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use ociscope_core::spec::{RepoName, Tag};
use ociscope_opfs::tarball::BlobSource;
use ociscope_tools::copy::{CopyOptions, Progress};
use ociscope_tools::tarball::{push_archive_image, tag_of, FoundImage, TarStore};
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;

use crate::components::error_box::no_registry;
use crate::format;
use crate::registry::{use_registry, Registry};

type Archive = SendWrapper<Rc<RefCell<Option<TarStore<BlobSource>>>>>;

/// One line about an image: names, platforms, digest.
fn describe(image: &FoundImage) -> String {
    let names = if image.names.is_empty() {
        "(no name)".to_string()
    } else {
        image.names.join(", ")
    };
    let platforms: Vec<String> = image.platforms.iter().map(|p| p.to_string()).collect();
    format!(
        "{names} — {} — {} ({})",
        if platforms.is_empty() {
            "no platform".to_string()
        } else {
            platforms.join(", ")
        },
        image.descriptor.digest,
        image.descriptor.media_type
    )
}

/// Reads the tarball's index (in place): the store over it and the images it holds.
async fn read_tarball(
    file: web_sys::File,
) -> Result<(TarStore<BlobSource>, Vec<FoundImage>), String> {
    let store = TarStore::open(BlobSource::new(file.into()))
        .await
        .map_err(|e| format!("This file is not a tarball ociscope can read: {e}"))?;
    let found = store.images().to_vec();
    Ok((store, found))
}

/// Pushes `image` of the tarball to `target:tag` (the tag last): what was pushed, or why not.
async fn push_image(
    store: &TarStore<BlobSource>,
    image: &FoundImage,
    registry: &Registry,
    target: &RepoName,
    tag: Tag,
    report: &dyn Fn(&Progress),
) -> Result<String, String> {
    let options = CopyOptions {
        tags: vec![tag.clone()],
        ..CopyOptions::default()
    };
    match push_archive_image(store, image, registry, target, &options, report).await {
        Ok(r) => Ok(format!(
            "Pushed {} to {target}:{tag} and tagged it ({} copied, {} already there, {} sent)",
            image.descriptor.digest,
            r.copied,
            r.present,
            format::size(r.bytes_copied)
        )),
        Err(e) => {
            let why: Vec<String> = e
                .failures
                .iter()
                .map(|f| format!("{}: {}", f.item, f.error))
                .collect();
            Err(format!("The push failed, no tag moved. {}", why.join("; ")))
        }
    }
}

/// The images of the tarball, one to choose.
#[component]
fn ImageChoices(images: RwSignal<Vec<FoundImage>>, chosen: RwSignal<usize>) -> impl IntoView {
    move || {
        images
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, image)| {
                view! {
                    <li>
                        <label>
                            <input
                                type="radio"
                                name="tarball-image"
                                prop:checked=move || chosen.get() == i
                                on:change=move |_| chosen.set(i)
                            />
                            {describe(&image)}
                        </label>
                    </li>
                }
            })
            .collect_view()
    }
}

/// The file of a drop event (`dataTransfer.files`), if one was dropped.
fn dropped_file(e: &leptos::ev::DragEvent) -> Option<web_sys::File> {
    js_sys::Reflect::get(e, &"dataTransfer".into())
        .and_then(|d| js_sys::Reflect::get(&d, &"files".into()))
        .ok()
        .and_then(|f| f.dyn_into::<web_sys::FileList>().ok())
        .and_then(|files| files.get(0))
}

/// The tag to offer first: the first image's first tag, else `latest`.
fn first_tag(found: &[FoundImage]) -> String {
    found
        .first()
        .and_then(|i| i.names.iter().find_map(|n| tag_of(n)))
        .map(|t| t.to_string())
        .unwrap_or_else(|| "latest".into())
}

/// The repository and tag to push to, as typed.
#[component]
fn TargetFields(repo: RwSignal<String>, tag: RwSignal<String>) -> impl IntoView {
    view! {
        <div class="row">
            <label for="tarball-repo">"Repository"</label>
            <input
                id="tarball-repo"
                type="text"
                spellcheck="false"
                placeholder="team/app"
                prop:value=move || repo.get()
                on:input=move |e| repo.set(event_target_value(&e))
            />
            <label for="tarball-tag">"Tag"</label>
            <input
                id="tarball-tag"
                type="text"
                spellcheck="false"
                prop:value=move || tag.get()
                on:input=move |e| tag.set(event_target_value(&e))
            />
        </div>
    }
}

/// The push-a-tarball page of a registry.
#[component]
pub fn PushTarballView(
    /// The repository to push into (editable).
    repo: Option<RepoName>,
) -> impl IntoView {
    let Some(registry) = use_registry() else {
        return no_registry();
    };
    let registry = StoredValue::new(registry);
    let repo = RwSignal::new(repo.map(String::from).unwrap_or_default());
    let tag = RwSignal::new(String::new());
    let images = RwSignal::new(Vec::<FoundImage>::new());
    let chosen = RwSignal::new(0usize);
    let progress = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let archive: StoredValue<Archive> =
        StoredValue::new(SendWrapper::new(Rc::new(RefCell::new(None))));
    let file_ref = NodeRef::<html::Input>::new();

    let open = move |file: web_sys::File| {
        images.set(Vec::new());
        error.set(None);
        done.set(None);
        progress.set(format!(
            "reading {} ({})…",
            file.name(),
            format::size(file.size() as u64)
        ));
        let slot = archive.with_value(|a| Rc::clone(a));
        spawn_local(async move {
            match read_tarball(file).await {
                Ok((store, found)) => {
                    *slot.borrow_mut() = Some(store);
                    chosen.try_set(0);
                    tag.try_set(first_tag(&found));
                    progress.try_set(format!("{} image(s) in the tarball", found.len()));
                    images.try_set(found);
                }
                Err(text) => {
                    progress.try_set(String::new());
                    error.try_set(Some(text));
                }
            }
        });
    };
    let read = move |_| {
        if let Some(file) = file_ref
            .get_untracked()
            .and_then(|input| input.files())
            .and_then(|files| files.get(0))
        {
            open(file);
        }
    };
    // A tarball dropped anywhere on the section.
    let dropped = move |e: leptos::ev::DragEvent| {
        e.prevent_default();
        if let Some(file) = dropped_file(&e) {
            open(file);
        }
    };

    let push = move || {
        error.set(None);
        done.set(None);
        let checked = RepoName::new(repo.get_untracked().trim())
            .and_then(|r| Ok((r, Tag::new(tag.get_untracked().trim())?)));
        let (target, tag_name) = match checked {
            Ok(t) => t,
            Err(e) => {
                error.set(Some(e.to_string()));
                return;
            }
        };
        let Some(image) = images.get_untracked().get(chosen.get_untracked()).cloned() else {
            error.set(Some("choose a tarball and an image first".into()));
            return;
        };
        let slot = archive.with_value(|a| Rc::clone(a));
        let Some(store) = slot.borrow().clone() else {
            error.set(Some("choose a tarball first".into()));
            return;
        };
        let registry = registry.get_value();
        busy.set(true);
        spawn_local(async move {
            let report = |p: &Progress| {
                progress.try_set(format!(
                    "{} of {} items, {} of {}",
                    p.items_done,
                    p.items_total,
                    format::size(p.bytes_done),
                    format::size(p.bytes_total)
                ));
            };
            match push_image(&store, &image, &registry, &target, tag_name, &report).await {
                Ok(text) => {
                    done.try_set(Some(text));
                }
                Err(text) => {
                    error.try_set(Some(text));
                }
            }
            busy.try_set(false);
        });
    };

    view! {
        <section
            class="upload"
            id="tarball-drop"
            on:dragover=move |e: leptos::ev::DragEvent| e.prevent_default()
            on:drop=dropped
        >
            <h2>"Push an image from a tarball"</h2>
            <p class="hint">
                "A `docker save` tar or an OCI layout tar (`skopeo copy … oci-archive:` or \
                 `docker-archive:`), picked or dropped on this page, read in place, never whole into memory. Blobs the registry \
                 has are skipped; the tag is pushed last. A `docker save` tar holds no manifest: \
                 one is made (Docker schema 2, uncompressed layers), so its digest differs from \
                 the original image's."
            </p>
            <form on:submit=move |e: leptos::ev::SubmitEvent| {
                e.prevent_default();
                push();
            }>
                <div class="row">
                    <label for="tarball-file">"Tarball"</label>
                    <input id="tarball-file" type="file" node_ref=file_ref on:change=read/>
                </div>
                <ul id="tarball-images">
                    <ImageChoices images=images chosen=chosen/>
                </ul>
                <TargetFields repo=repo tag=tag/>
                <button
                    type="submit"
                    id="tarball-push"
                    disabled=move || busy.get() || images.get().is_empty()
                >
                    "Push"
                </button>
            </form>
            <p id="tarball-progress" aria-live="polite">{move || progress.get()}</p>
            {move || error.get().map(|e| view! { <p id="tarball-error" class="error-box" role="alert">{e}</p> })}
            {move || done.get().map(|d| view! { <p id="tarball-done">{d}</p> })}
        </section>
    }
    .into_any()
}
