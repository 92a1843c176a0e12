//! The images kept in this browser (`?tool=store[&registry=…]`): the tab's content store
//! (`ociscope_opfs::OpfsStore` in the OPFS folder [`STORE_FOLDER`], seen through
//! `ociscope_tools::content::ContentSpec`, names kept as labels) listed with names, sizes,
//! dates and sources, and the ingests in progress with their offset and total. An image can be
//! deleted (with whatever no other kept image uses), pushed to any registry open in this tab or
//! typed in (the air-gapped case: kept from one registry, pushed to another later; blobs the
//! registry has are skipped, tags pushed last), or saved as a tarball (an OCI layout tar with
//! docker save's `manifest.json`). An ingest can be aborted.
//!
//! Decisions:
//! - Images get into the store from the download page ("Keep in this browser",
//!   [`keep_image`]): `ociscope_tools::images::pull_image`, which fetches each blob into its own
//!   ingest (`fetch-<digest>`) with ranged GETs, so a keep stopped in the middle resumes where
//!   its ingests stand. A keep is remembered until it finishes ([`crate::pending_keeps`]), and
//!   this page lists the unfinished ones to resume (the registry opened again, asking for
//!   credentials if it needs them) or forget.
//! - Storage errors are explained ([`explain_storage`]): a full quota says what to free.

use leptos::prelude::*;
use ociscope_core::content::{IngestManager, Status, StatusFilter};
use ociscope_core::spec::{ManifestRef, RepoName, Tag};
use ociscope_core::Platform;
use ociscope_opfs::tarball::OpfsFileSink;
use ociscope_opfs::OpfsStore;
use ociscope_tools::content::ContentSpec;
use ociscope_tools::copy::{copy_image, CopyError, CopyOptions, Progress};
use ociscope_tools::images::{
    list_images, pull_image, remove_image, KeptImage, PullEvent, PullReport,
};
use ociscope_tools::tarball::{write_archive, ArchiveImage};

use wasm_bindgen::JsCast;

use crate::format;
use crate::nav::Link;
use crate::pending_keeps::{self, PendingKeep};
use crate::registry::{self, Registry};
use crate::route::Route;
use crate::views::download::DOWNLOAD_FOLDER;

/// The OPFS folder of the tab's content store.
pub const STORE_FOLDER: &str = "ociscope-store";

/// The route of the store page (`?tool=store`), with a registry to preselect as the
/// destination of pushes.
pub(crate) fn route(registry: Option<&str>) -> Route {
    Route {
        tool: Some("store".into()),
        registry: registry.map(str::to_string),
        ..Route::default()
    }
}

/// The tab's content store, with the names its labels keep.
pub(crate) async fn open_store() -> Result<ContentSpec<OpfsStore>, String> {
    let store = OpfsStore::open(STORE_FOLDER)
        .await
        .map_err(|e| explain_storage(&e.to_string()))?;
    ContentSpec::open(store)
        .await
        .map_err(|e| explain_storage(&e.to_string()))
}

/// A storage failure as people should read it: a full quota, or content another tab is
/// writing (the store's ref locks hold across tabs), says what to do.
pub(crate) fn explain_storage(message: &str) -> String {
    if message.to_ascii_lowercase().contains("quota") {
        format!(
            "This site's browser storage is full: delete images kept in this browser (Kept in \
             this browser), or free disk space, then try again; what was written so far is kept \
             as an ingest and resumes, nothing half-written is shown as kept. ({message})"
        )
    } else if message.contains("is locked: another writer has it open") {
        format!(
            "Another tab or window of this site is writing the same content: let it finish (or \
             close it), then try again; nothing written so far is lost. ({message})"
        )
    } else {
        message.to_string()
    }
}

/// A copy failure, each item with its reason, storage failures explained.
pub(crate) fn explain_copy(e: &CopyError) -> String {
    let why: Vec<String> = e
        .failures
        .iter()
        .map(|f| format!("{}: {}", f.item, explain_storage(&f.error.to_string())))
        .collect();
    why.join("; ")
}

/// What to take of an image: the platform `platform` names (`os/arch[/variant]`; all when
/// empty or unreadable), and its referrers or not.
pub(crate) fn image_options(platform: &str, referrers: bool) -> CopyOptions {
    CopyOptions {
        referrers,
        platforms: Platform::parse(platform).ok().into_iter().collect(),
        ..CopyOptions::default()
    }
}

/// Keeps what `keep` names from `registry` in the tab's store, reporting progress as text.
/// The keep is remembered until it finishes ([`crate::pending_keeps`]), so the store page can
/// resume it after a reload or a failure.
pub(crate) async fn keep_image(
    registry: &Registry,
    keep: &PendingKeep,
    report: &dyn Fn(String),
) -> Result<PullReport, String> {
    let repo = RepoName::new(&keep.repo).map_err(|e| e.to_string())?;
    let reference = ManifestRef::parse(&keep.reference).map_err(|e| e.to_string())?;
    let options = image_options(&keep.platform, keep.referrers);
    let view = open_store().await?;
    pending_keeps::save(keep.clone());
    let (repo, reference) = (&repo, &reference);
    let source = if registry.pull_host().is_empty() {
        format!("{repo}:{reference}")
    } else {
        format!("{}/{repo}:{reference}", registry.pull_host())
    };
    let progress = |e: &PullEvent| match e {
        PullEvent::Planned { blobs, bytes, .. } => report(format!(
            "{} to fetch ({})",
            format::count(*blobs, "blob", "blobs"),
            format::size(*bytes)
        )),
        PullEvent::Blob {
            descriptor,
            resumed_at,
        } if *resumed_at > 0 => report(format!(
            "resuming {} at {} of {}",
            format::short_digest(descriptor.digest.as_str()),
            format::size(*resumed_at),
            format::size(descriptor.size)
        )),
        PullEvent::Blob { .. } => {}
        PullEvent::Offset { descriptor, offset } => report(format!(
            "{}: {} of {}",
            format::short_digest(descriptor.digest.as_str()),
            format::size(*offset),
            format::size(descriptor.size)
        )),
        PullEvent::Copy(p) => report(format!(
            "manifests and tags: {} of {} items",
            p.items_done, p.items_total
        )),
    };
    let kept = pull_image(
        registry, repo, reference, &view, repo, &source, &options, &progress,
    )
    .await
    .map_err(|e| explain_copy(&e))?;
    pending_keeps::forget(keep);
    Ok(kept)
}

/// One line about a finished keep: what was fetched, and where ingests resumed.
pub(crate) fn describe_keep(repo: &RepoName, report: &PullReport) -> String {
    let tag = report
        .tag
        .as_ref()
        .map(|t| t.to_string())
        .unwrap_or_default();
    let resumed: Vec<String> = report
        .resumed
        .iter()
        .map(|(d, at)| format!("{} at {at} bytes", format::short_digest(d.as_str())))
        .collect();
    let mut text = format!(
        "Kept {repo}:{tag} in this browser: {} fetched, {} read from the registry",
        format::count(report.blobs, "blob", "blobs"),
        format::size(report.fetched),
    );
    if !resumed.is_empty() {
        text.push_str(&format!("; resumed {}", resumed.join(", ")));
    }
    text.push_str(&format!(" (fetched-bytes={})", report.fetched));
    text
}

/// What the page holds: the kept images, the ingests, the storage estimate.
#[derive(Clone, Default)]
struct Contents {
    images: Vec<KeptImage>,
    ingests: Vec<Status>,
    keeps: Vec<PendingKeep>,
    usage: Option<(f64, f64)>,
}

/// `navigator.storage.estimate()`: bytes used and the quota.
async fn estimate() -> Option<(f64, f64)> {
    use js_sys::{Function, Reflect};
    let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).ok()?;
    let storage = Reflect::get(&navigator, &"storage".into()).ok()?;
    let f: Function = Reflect::get(&storage, &"estimate".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let promise: js_sys::Promise = f.call0(&storage).ok()?.dyn_into().ok()?;
    let e = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    let usage = Reflect::get(&e, &"usage".into()).ok()?.as_f64()?;
    let quota = Reflect::get(&e, &"quota".into()).ok()?.as_f64()?;
    Some((usage, quota))
}

async fn load() -> Result<Contents, String> {
    let view = open_store().await?;
    let images = list_images(&view)
        .await
        .map_err(|e| explain_storage(&e.to_string()))?;
    let ingests = view
        .store()
        .list_statuses(&StatusFilter::everything())
        .await
        .map_err(|e| explain_storage(&e.to_string()))?;
    Ok(Contents {
        images,
        ingests,
        keeps: pending_keeps::load(),
        usage: estimate().await,
    })
}

fn when(ms: u64) -> String {
    format::epoch(ms / 1000)
}

/// What a button of the store page asks. One [`Action`] runs them all: one at a time, its
/// pending state disables every button, and its value is the page's message.
#[derive(Clone)]
enum Job {
    /// Delete a kept image (and whatever no other kept image uses).
    Delete(RepoName, Tag),
    /// Abort an ingest.
    Abort(String),
    /// Push a kept image to the registry `key`, as the repository and tag typed (empty: its
    /// own).
    Push {
        image: KeptImage,
        key: String,
        repo: String,
        tag: String,
    },
    /// Save a kept image as a tarball.
    Save(KeptImage),
    /// Resume a keep that did not finish.
    Resume(PendingKeep),
    /// Forget a keep that did not finish (its ingests stay until aborted).
    Forget(PendingKeep),
}

/// What a finished job says, and the tarball it wrote (its object URL and file name).
#[derive(Clone)]
struct Done {
    message: String,
    link: Option<(String, String)>,
}

impl Done {
    fn said(message: String) -> Done {
        Done {
            message,
            link: None,
        }
    }
}

async fn delete_image(repo: RepoName, tag: Tag) -> Result<String, String> {
    let view = open_store().await?;
    let c = remove_image(&view, &repo, &tag)
        .await
        .map_err(|e| explain_storage(&e.to_string()))?;
    Ok(format!(
        "Deleted {repo}:{tag}: {} freed ({})",
        format::size(c.bytes),
        format::count(c.deleted, "piece of content", "pieces of content")
    ))
}

/// Resumes `keep`: opens its registry and keeps the image again, continuing its ingests.
async fn resume_keep(keep: PendingKeep, progress: &dyn Fn(String)) -> Result<String, String> {
    let registry = registry::open(&keep.registry)
        .await
        .map_err(|e| format!("cannot open {}: {e}", keep.registry))?;
    let report = keep_image(&registry, &keep, progress).await?;
    let repo = RepoName::new(&keep.repo).map_err(|e| e.to_string())?;
    Ok(describe_keep(&repo, &report))
}

async fn abort_ingest(reference: String) -> Result<String, String> {
    let view = open_store().await?;
    view.store()
        .abort(&reference)
        .await
        .map_err(|e| explain_storage(&e.to_string()))?;
    Ok(format!("Aborted the ingest {reference}"))
}

/// Pushes `image` to the registry `key` as `repo_text:tag_text` (empty: the image's own),
/// saying how far it got through `progress`.
async fn push_image(
    image: KeptImage,
    key: String,
    repo_text: String,
    tag_text: String,
    progress: &dyn Fn(String),
) -> Result<String, String> {
    let key = key.trim();
    if key.is_empty() {
        return Err("choose or type a registry to push to".to_string());
    }
    let target = match repo_text.trim() {
        "" => image.repo.clone(),
        t => RepoName::new(t).map_err(|e| e.to_string())?,
    };
    let tag = match tag_text.trim() {
        "" => image.tag.clone(),
        t => Tag::new(t).map_err(|e| e.to_string())?,
    };
    let dst = registry::open(key)
        .await
        .map_err(|e| format!("cannot open {key}: {e}"))?;
    let view = open_store().await?;
    let options = CopyOptions {
        referrers: true,
        tags: vec![tag.clone()],
        ..CopyOptions::default()
    };
    let report = |p: &Progress| {
        progress(format!(
            "pushing: {} of {} items, {} of {}",
            p.items_done,
            p.items_total,
            format::size(p.bytes_done),
            format::size(p.bytes_total)
        ));
    };
    let r = copy_image(
        &view,
        &image.repo,
        &ManifestRef::Tag(image.tag.clone()),
        &dst,
        &target,
        &options,
        &report,
    )
    .await
    .map_err(|e| format!("The push failed, no tag moved. {}", explain_copy(&e)))?;
    Ok(format!(
        "Pushed {} to {key} as {target}:{tag} and tagged it ({} copied, {} already there, {} sent)",
        image.descriptor.digest,
        r.copied,
        r.present,
        format::size(r.bytes_copied)
    ))
}

/// Writes `image` as a tarball into the download folder: what was written, and a link to it.
async fn save_tarball(image: KeptImage) -> Result<Done, String> {
    let name = format!("{}-{}.tar", image.repo, image.tag).replace(['/', ':'], "_");
    let written = async {
        let view = open_store().await?;
        let folder = OpfsStore::open(DOWNLOAD_FOLDER)
            .await
            .map_err(|e| explain_storage(&e.to_string()))?;
        let mut sink = OpfsFileSink::create(folder.folder(), &name)
            .await
            .map_err(|e| explain_storage(&e.to_string()))?;
        let images = [ArchiveImage {
            descriptor: image.descriptor.clone(),
            names: vec![format!("{}:{}", image.repo, image.tag)],
        }];
        let options = CopyOptions {
            referrers: true,
            ..CopyOptions::default()
        };
        let report = write_archive(&view, &image.repo, &images, &options, &mut sink)
            .await
            .map_err(|e| explain_copy(&e))?;
        let file = sink
            .finish()
            .await
            .map_err(|e| explain_storage(&e.to_string()))?;
        let url = web_sys::Url::create_object_url_with_blob(&file).map_err(|e| format!("{e:?}"))?;
        Ok::<_, String>((url, report))
    }
    .await;
    match written {
        Ok((url, report)) => Ok(Done {
            message: format!(
                "Wrote {name}: {} blobs and manifests, {}",
                report.blobs,
                format::size(report.tar_bytes)
            ),
            link: Some((url, name)),
        }),
        Err(e) => Err(format!("The tarball could not be written: {e}")),
    }
}

/// The kept images, each with its push, save and delete buttons.
#[component]
fn KeptImages(
    images: Vec<KeptImage>,
    busy: Signal<bool>,
    /// Push an image (to where the page's fields say).
    on_push: Callback<KeptImage>,
    /// Save or delete an image.
    on_job: Callback<Job>,
) -> impl IntoView {
    if images.is_empty() {
        return view! {
            <p class="none" id="store-empty">
                "No image is kept in this browser yet: open an image and choose Download… → Keep in this browser."
            </p>
        }
        .into_any();
    }
    view! {
        <table id="store-images">
            <thead>
                <tr>
                    <th>"Image"</th>
                    <th>"From"</th>
                    <th>"Digest"</th>
                    <th>"Platforms"</th>
                    <th>"Size"</th>
                    <th>"Kept"</th>
                    <th>"Actions"</th>
                </tr>
            </thead>
            <tbody>
                {images
                    .into_iter()
                    .map(|image| {
                        let name = format!("{}:{}", image.repo, image.tag);
                        let platforms = if image.platforms.is_empty() {
                            "one image".to_string()
                        } else {
                            let p: Vec<String> = image.platforms.iter().map(|p| p.to_string()).collect();
                            p.join(", ")
                        };
                        let extra = match (image.missing, image.referrers) {
                            (0, 0) => String::new(),
                            (m, r) => {
                                let mut parts = Vec::new();
                                if m > 0 {
                                    parts.push(format!("{m} not kept"));
                                }
                                if r > 0 {
                                    parts.push(format::count(r, "referrer", "referrers"));
                                }
                                format!(" ({})", parts.join(", "))
                            }
                        };
                        let (i1, i2) = (image.clone(), image.clone());
                        let (repo, tag) = (image.repo.clone(), image.tag.clone());
                        view! {
                            <tr class="store-image">
                                <td class="store-name">{name}</td>
                                <td>{image.source.clone().unwrap_or_default()}</td>
                                <td title=image.descriptor.digest.to_string()>
                                    {format::short_digest(image.descriptor.digest.as_str())}
                                </td>
                                <td>{platforms}{extra}</td>
                                <td class="store-size">{format::size(image.bytes)}</td>
                                <td>{when(image.tagged.0)}</td>
                                <td>
                                    <button type="button" class="store-push" disabled=busy on:click=move |_| on_push.run(i1.clone())>
                                        "Push"
                                    </button>
                                    " "
                                    <button type="button" class="store-save" disabled=busy on:click=move |_| on_job.run(Job::Save(i2.clone()))>
                                        "Save as tarball"
                                    </button>
                                    " "
                                    <button
                                        type="button"
                                        class="store-delete"
                                        disabled=busy
                                        on:click=move |_| on_job.run(Job::Delete(repo.clone(), tag.clone()))
                                    >
                                        "Delete"
                                    </button>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The keeps that did not finish, each with its resume and forget buttons.
#[component]
fn PendingKeeps(
    keeps: Vec<PendingKeep>,
    busy: Signal<bool>,
    on_job: Callback<Job>,
) -> impl IntoView {
    if keeps.is_empty() {
        return view! { <p class="none" id="store-no-pending-keeps">"Every keep finished."</p> }
            .into_any();
    }
    view! {
        <table id="store-pending-keeps">
            <thead>
                <tr>
                    <th>"Image"</th>
                    <th>"From"</th>
                    <th>"Platform"</th>
                    <th>"Started"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>
                {keeps
                    .into_iter()
                    .map(|k| {
                        let platform = match (k.platform.as_str(), k.referrers) {
                            ("", false) => "all".to_string(),
                            ("", true) => "all, with referrers".to_string(),
                            (p, false) => p.to_string(),
                            (p, true) => format!("{p}, with referrers"),
                        };
                        let (resume, forget) = (k.clone(), k.clone());
                        view! {
                            <tr class="store-pending-keep">
                                <td class="store-pending-image">{k.image()}</td>
                                <td>{k.registry.clone()}</td>
                                <td>{platform}</td>
                                <td>{when(k.started.max(0.0) as u64)}</td>
                                <td>
                                    <button type="button" class="store-resume" disabled=busy on:click=move |_| on_job.run(Job::Resume(resume.clone()))>
                                        "Resume"
                                    </button>
                                    " "
                                    <button type="button" class="store-forget" disabled=busy on:click=move |_| on_job.run(Job::Forget(forget.clone()))>
                                        "Forget"
                                    </button>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The ingests in progress, each with its abort button.
#[component]
fn Ingests(ingests: Vec<Status>, busy: Signal<bool>, on_job: Callback<Job>) -> impl IntoView {
    if ingests.is_empty() {
        return view! { <p class="none" id="store-no-ingests">"No ingest in progress."</p> }
            .into_any();
    }
    view! {
        <table id="store-ingests">
            <thead>
                <tr>
                    <th>"Ingest"</th>
                    <th>"Written"</th>
                    <th>"Started"</th>
                    <th>"Updated"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>
                {ingests
                    .into_iter()
                    .map(|s| {
                        let written = match s.total {
                            Some(t) => format!("{} of {}", format::size(s.offset), format::size(t)),
                            None => format::size(s.offset),
                        };
                        let reference = s.reference.clone();
                        view! {
                            <tr class="store-ingest" data-offset=s.offset.to_string() data-total=s.total.map(|t| t.to_string()).unwrap_or_default()>
                                <td class="store-ingest-ref">{s.reference.clone()}</td>
                                <td>{written}</td>
                                <td>{when(s.started.0)}</td>
                                <td>{when(s.updated.0)}</td>
                                <td>
                                    <button type="button" class="store-abort" disabled=busy on:click=move |_| on_job.run(Job::Abort(reference.clone()))>
                                        "Abort"
                                    </button>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// Where pushes go: a registry (one open in this tab, or typed), and the repository and tag
/// (empty: the image's own).
#[component]
fn PushDestination(
    keys: Vec<String>,
    destination: RwSignal<String>,
    dst_repo: RwSignal<String>,
    dst_tag: RwSignal<String>,
) -> impl IntoView {
    view! {
        <div class="row">
            <label for="store-registry">"Push to registry"</label>
            <input
                id="store-registry"
                type="text"
                list="store-registries"
                spellcheck="false"
                placeholder="http://registry.example:5000"
                prop:value=move || destination.get()
                on:input=move |e| destination.set(event_target_value(&e))
            />
            <datalist id="store-registries">
                {keys.into_iter().map(|k| view! { <option value=k.clone()>{k.clone()}</option> }).collect_view()}
            </datalist>
            <label for="store-repo">"as repository"</label>
            <input
                id="store-repo"
                type="text"
                spellcheck="false"
                placeholder="(the image's own)"
                prop:value=move || dst_repo.get()
                on:input=move |e| dst_repo.set(event_target_value(&e))
            />
            <label for="store-tag">"tag"</label>
            <input
                id="store-tag"
                type="text"
                spellcheck="false"
                placeholder="(the image's own)"
                prop:value=move || dst_tag.get()
                on:input=move |e| dst_tag.set(event_target_value(&e))
            />
        </div>
    }
}

/// The store page.
#[component]
pub(crate) fn StoreView(
    /// A registry to preselect as the destination of pushes.
    registry: Option<String>,
) -> impl IntoView {
    let mut keys = registry::open_keys();
    if let Some(r) = &registry {
        if !keys.contains(r) {
            keys.insert(0, r.clone());
        }
    }
    let destination = RwSignal::new(
        registry
            .or_else(|| keys.first().cloned())
            .unwrap_or_default(),
    );
    let keys = StoredValue::new(keys);
    let dst_repo = RwSignal::new(String::new());
    let dst_tag = RwSignal::new(String::new());

    let contents = LocalResource::new(load);
    let refresh = move || contents.refetch();
    // What a running push says so far (a push may take minutes).
    let progress = RwSignal::new(None::<String>);
    let job = Action::new_local(move |job: &Job| {
        let job = job.clone();
        async move {
            let changes_store = matches!(
                job,
                Job::Delete(..) | Job::Abort(_) | Job::Resume(_) | Job::Forget(_)
            );
            let done = match job {
                Job::Delete(repo, tag) => delete_image(repo, tag).await.map(Done::said),
                Job::Abort(reference) => abort_ingest(reference).await.map(Done::said),
                Job::Push {
                    image,
                    key,
                    repo,
                    tag,
                } => push_image(image, key, repo, tag, &|p| progress.set(Some(p)))
                    .await
                    .map(Done::said),
                Job::Save(image) => save_tarball(image).await,
                Job::Resume(keep) => resume_keep(keep, &|p| progress.set(Some(p)))
                    .await
                    .map(Done::said),
                Job::Forget(keep) => {
                    pending_keeps::forget(&keep);
                    Ok(Done::said(format!(
                        "Forgot the keep of {} (abort its ingests below to free their space)",
                        keep.image()
                    )))
                }
            };
            if changes_store {
                contents.refetch();
            }
            done
        }
    });
    let busy = move || job.pending().get();
    let start = move |j: Job| {
        progress.set(None);
        job.dispatch_local(j);
    };
    let message = move || {
        if job.pending().get() {
            progress.get().map(Ok)
        } else {
            job.value().get().map(|r| r.map(|d| d.message))
        }
    };
    // The last tarball written stays offered while other jobs run and finish.
    let link = Memo::new(move |previous: Option<&Option<(String, String)>>| {
        let written = job.value().get().and_then(Result::ok).and_then(|d| d.link);
        written.or_else(|| previous.cloned().flatten())
    });
    let on_job = Callback::new(start);
    // A push goes where the fields above say when it starts.
    let on_push = Callback::new(move |image: KeptImage| {
        start(Job::Push {
            image,
            key: destination.get_untracked(),
            repo: dst_repo.get_untracked(),
            tag: dst_tag.get_untracked(),
        })
    });
    let busy = Signal::derive(busy);

    view! {
        <section class="store">
            <h2>"Kept in this browser"</h2>
            <p class="hint">
                "Images kept in this site's private browser storage (the Origin Private File \
                 System), across reloads and restarts: push them to another registry later \
                 (for networks without a path between the two), or save them as a tarball. \
                 Keep an image from its Download… page."
            </p>
            <PushDestination keys=keys.get_value() destination=destination dst_repo=dst_repo dst_tag=dst_tag/>
            {move || match message() {
                Some(Ok(m)) => view! { <p id="store-message" aria-live="polite">{m}</p> }.into_any(),
                Some(Err(e)) => view! { <p id="store-error" class="error-box" role="alert">{e}</p> }.into_any(),
                None => ().into_any(),
            }}
            {move || {
                link
                    .get()
                    .map(|(url, name)| {
                        let label = format!("Download {name}");
                        view! {
                            <p>
                                <a id="store-download" href=url download=name>
                                    {label}
                                </a>
                            </p>
                        }
                    })
            }}
            {move || match contents.get() {
                None => view! { <p>"Reading the store…"</p> }.into_any(),
                Some(Err(e)) => view! { <p id="store-error" class="error-box" role="alert">{e}</p> }.into_any(),
                Some(Ok(c)) => {
                    let usage = c
                        .usage
                        .map(|(u, q)| format!("This site uses {} of its {} browser storage.", format::size(u as u64), format::size(q as u64)))
                        .unwrap_or_default();
                    view! {
                        <h3>"Images"</h3>
                        <KeptImages images=c.images busy=busy on_push=on_push on_job=on_job/>
                        <h3>"Keeps that did not finish"</h3>
                        <p class="hint">
                            "Stopped by a reload, a closed tab or a failure; a keep still running in another tab is listed too, and its content stays locked to that tab while it writes."
                        </p>
                        <PendingKeeps keeps=c.keeps busy=busy on_job=on_job/>
                        <h3>"Ingests in progress"</h3>
                        <p class="hint">
                            "Content being written. A resumed keep continues its ingests where they stand."
                        </p>
                        <Ingests ingests=c.ingests busy=busy on_job=on_job/>
                        <p class="hint" id="store-usage">{usage}</p>
                    }
                    .into_any()
                }
            }}
            <p>
                <button type="button" id="store-refresh" on:click=move |_| refresh()>"Refresh"</button>
                " "
                <Link to=Route::home()>"Start page"</Link>
            </p>
        </section>
    }
}
