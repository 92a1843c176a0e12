//! Upload a local file to a repository: sent in chunks with progress, cancellable, resumed
//! automatically after a passing failure (up to [`AUTO_RESUMES`] times) and on request after
//! one that stops it, then tagged as an OCI artifact. The upload and the artifact are
//! `ociscope_tools::artifact`'s. Unfinished uploads are remembered ([`crate::pending`]) and
//! listed here, to be resumed after a reload: with the same file picked again, or by itself
//! where the file was picked with a handle the page keeps ([`crate::file_handles`]).
//!
//! Shape: [`UploadView`] holds the form's signals and starts an upload; [`run`] is the upload
//! itself, a plain async function from the chosen file to how it ended, spawned as a task
//! rather than run as an `Action` because it streams progress into the page for as long as it
//! runs, and goes on (keeping its record) when the person leaves the page: what it writes to
//! the page goes through `try_set`. The pieces of the page are small components: the
//! unfinished uploads, the file choice, the progress, a stopped upload, the status.

use std::cell::Cell;
use std::rc::Rc;

use bytes::Bytes;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use ociscope_core::client::External;
use ociscope_core::spec::{Error, ErrorKind, RepoName, Resumable, Tag};
use ociscope_core::{Descriptor, Digest, ErrorCode};
use ociscope_fetch::BlobSource;
use ociscope_tools::artifact::{
    self, ArtifactOptions, ChunkSource, Interrupted, UploadOptions, UploadProgress,
};
use send_wrapper::SendWrapper;

use crate::components::error_box::{no_registry, ErrorBox};
use crate::file_handles::{self, Picked};
use crate::format;
use crate::nav::{use_nav, Link};
use crate::pending::{self, FileIdentity, PendingUpload, HEAD_BYTES};
use crate::registry::{use_registry, Registry};
use crate::route::Route;

/// A browser `File` read range by range (never whole into memory), through one reused buffer.
struct FileSource {
    file: web_sys::File,
    bytes: BlobSource,
}

impl FileSource {
    fn new(file: web_sys::File) -> FileSource {
        let bytes = BlobSource::new(file.clone().into());
        FileSource { file, bytes }
    }
}

/// Times a failing upload resumes itself before the person is asked: each resume asks the
/// registry where the upload stands, and every request has its own retries before that.
pub const AUTO_RESUMES: u32 = 8;

impl FileSource {
    /// The file's identity: name, size, last-modified time and the digest of its first MiB.
    async fn identity(&self) -> Result<FileIdentity, Error> {
        let head = self.bytes.read(0, self.len().min(HEAD_BYTES)).await?;
        Ok(FileIdentity {
            name: self.file.name(),
            size: self.len(),
            last_modified: self.file.last_modified(),
            head_digest: Digest::sha256_of(&head).to_string(),
        })
    }
}

impl ChunkSource for FileSource {
    fn len(&self) -> u64 {
        self.bytes.len()
    }

    async fn read(&self, start: u64, end: u64) -> Result<Bytes, Error> {
        self.bytes.read(start, end).await
    }

    fn external(&self) -> Option<External> {
        Some(self.bytes.external())
    }
}

/// Where an upload stands, as shown.
#[derive(Clone, Debug)]
enum State {
    Idle,
    /// Checking the file (its identity) before anything is sent.
    Preparing,
    Running {
        /// Bytes handed to the upload, of `total`.
        sent: u64,
        total: u64,
        /// Bytes the upload held when this run began (a resumed upload), for the rate.
        base: Option<u64>,
        /// When this run began (ms since the epoch).
        started: f64,
    },
    Stopped {
        error: Error,
        /// The record to resume from, when the registry keeps the upload.
        resume: Option<Box<PendingUpload>>,
        /// The registry no longer holds the upload: it can only start over.
        forgotten: bool,
    },
    Done(Box<Finished>),
}

/// A finished upload: the artifact manifest, the file's blob, where it was tagged.
#[derive(Clone, Debug)]
struct Finished {
    manifest: Descriptor,
    file: Descriptor,
    tag: Tag,
    repo: RepoName,
}

/// Bytes per second between `started` (ms) and now, as text.
fn rate(sent: u64, started: f64) -> String {
    let seconds = (js_sys::Date::now() - started) / 1000.0;
    if seconds < 0.2 {
        return String::new();
    }
    format!(" — {}/s", format::size((sent as f64 / seconds) as u64))
}

/// Stopped with `error` and nothing to resume.
fn refused(error: Error) -> State {
    State::Stopped {
        error,
        resume: None,
        forgotten: false,
    }
}

/// The unfinished uploads of `registry`, oldest first.
fn pending_of(registry: &str) -> Vec<PendingUpload> {
    pending::load()
        .into_iter()
        .filter(|r| r.registry == registry)
        .collect()
}

/// The page's signals an upload task writes. `try_set`: the page may be left while the upload
/// runs; it then goes on unseen, and its record stays up to date.
#[derive(Clone, Copy)]
struct Shown {
    state: RwSignal<State>,
    unfinished: RwSignal<Vec<PendingUpload>>,
    picked: RwSignal<Option<SendWrapper<Picked>>, LocalStorage>,
}

/// What one press of Upload or Resume hands the task that runs it (see [`run`]).
struct Job {
    registry: Registry,
    target: RepoName,
    tag: Tag,
    /// The registry as the page's address names it (the records' key).
    address: String,
    /// The record of the upload to resume.
    from: Option<PendingUpload>,
    /// The file chosen now, if any.
    chosen: Option<Picked>,
    /// The key of the kept handle of `from`'s file, if it has one.
    kept: Option<String>,
    cancel: Rc<Cell<bool>>,
}

/// The file to upload: the one chosen, else the one `from`'s kept handle reopens.
async fn open_file(job: &mut Job, shown: Shown) -> Result<Picked, Error> {
    if let Some(chosen) = job.chosen.take() {
        return Ok(chosen);
    }
    let Some(key) = job.kept.as_deref() else {
        return Err(Error::invalid("choose a file first"));
    };
    match file_handles::kept_file(key).await? {
        Some(p) => {
            // Shown as the chosen file, so that Start over can use it too.
            shown.picked.try_set(Some(SendWrapper::new(p.clone())));
            Ok(p)
        }
        None => Err(Error::invalid(
            "the page no longer keeps this upload's file: choose it again above to resume",
        )),
    }
}

/// Runs one upload to its end and says how it ended (see the module doc).
async fn run(mut job: Job, shown: Shown) -> State {
    let chosen = match open_file(&mut job, shown).await {
        Ok(c) => c,
        Err(error) => return refused(error),
    };
    let source = FileSource::new(chosen.file.clone());
    let total = source.len();
    let identity = match source.identity().await {
        Ok(i) => i,
        Err(error) => return refused(error),
    };
    if let Some(why) = job.from.as_ref().and_then(|r| r.file.mismatch(&identity)) {
        return refused(Error::invalid(format!(
            "this is not the file of that upload: {why}; choose the same file to resume it"
        )));
    }
    let now = js_sys::Date::now();
    let resume = job.from.as_ref().map(|r| Resumable {
        id: r.id.clone(),
        offset: r.offset,
    });
    let record = std::cell::RefCell::new(job.from.take().unwrap_or_else(|| PendingUpload {
        registry: job.address.clone(),
        repo: job.target.to_string(),
        tag: job.tag.to_string(),
        id: String::new(),
        offset: 0,
        file: identity,
        started: now,
        updated: now,
        kept: false,
    }));
    // A new upload of a file with a handle keeps the handle before anything is sent (the
    // upload goes on without it if the browser refuses to store it).
    if resume.is_none() && chosen.handle.is_object() {
        let key = file_handles::key(&job.address, now);
        let kept = file_handles::keep_handle(&key, &chosen.handle)
            .await
            .is_ok();
        record.borrow_mut().kept = kept;
    }
    let base = resume.as_ref().map(|r| r.offset);
    let running = |sent| State::Running {
        sent,
        total,
        base,
        started: now,
    };
    shown.state.try_set(running(base.unwrap_or(0)));
    let progress = |p: &UploadProgress<'_>| {
        shown.state.try_set(running(p.sent));
        let mut r = record.borrow_mut();
        r.id = p.id.to_string();
        r.offset = p.sent;
        r.updated = js_sys::Date::now();
        pending::save(r.clone());
        shown.unfinished.try_set(pending_of(&r.registry));
    };
    let options = UploadOptions {
        resume,
        retries: AUTO_RESUMES,
        ..UploadOptions::default()
    };
    let blob = artifact::upload_blob_observed(
        &job.registry,
        &job.target,
        &source,
        &options,
        &progress,
        &job.cancel,
    )
    .await;
    let result = match blob {
        Ok(d) => {
            let kind = source.file.type_();
            let layer = artifact::file_layer(&source.file.name(), Some(&kind), &d);
            let options = ArtifactOptions {
                tags: vec![job.tag.clone()],
                ..ArtifactOptions::default()
            };
            artifact::push_artifact_manifest(&job.registry, &job.target, &[layer], &options)
                .await
                .map(|manifest| {
                    State::Done(Box::new(Finished {
                        manifest,
                        file: d,
                        tag: job.tag,
                        repo: job.target,
                    }))
                })
                .map_err(Interrupted::from)
        }
        Err(e) => Err(e),
    };
    ended(result, record.into_inner())
}

/// How an upload that ended with `result` is shown, and what stays of its `record`.
fn ended(result: Result<State, Interrupted>, record: PendingUpload) -> State {
    match result {
        Ok(done) => {
            pending::forget(&record.registry, record.started);
            done
        }
        Err(i) if i.error.kind() == Some(ErrorKind::Aborted) => {
            pending::forget(&record.registry, record.started);
            refused(i.error)
        }
        Err(i)
            if i.error.has_code(ErrorCode::BlobUploadUnknown)
                || (i.error.has_code(ErrorCode::BlobUploadInvalid) && i.resume.is_none()) =>
        {
            pending::forget(&record.registry, record.started);
            State::Stopped {
                error: i.error,
                resume: None,
                forgotten: true,
            }
        }
        Err(i) => {
            if i.resume.is_none() && record.id.is_empty() {
                // Stopped before the registry opened the upload: no record was written, and
                // the file's handle, if one was kept for it, goes.
                pending::forget(&record.registry, record.started);
            }
            let resume = i.resume.map(|r| {
                let mut kept = record;
                kept.id = r.id;
                kept.offset = r.offset;
                pending::save(kept.clone());
                Box::new(kept)
            });
            State::Stopped {
                error: i.error,
                resume,
                forgotten: false,
            }
        }
    }
}

/// One unfinished upload in the list, with Resume and Forget.
#[component]
fn PendingRow(
    record: PendingUpload,
    running: Signal<bool>,
    on_start: Callback<Option<PendingUpload>>,
    on_forget: Callback<()>,
) -> impl IntoView {
    let PendingUpload {
        ref file,
        ref repo,
        ref tag,
        offset,
        registry: ref at,
        started,
        ..
    } = record;
    let summary = format!(
        "{} ({}) to {repo}:{tag}: {} sent",
        file.name,
        format::size(file.size),
        format::size(offset.min(file.size)),
    );
    let at = at.clone();
    let kept = record
        .kept
        .then(|| view! { <span class="pending-kept">" (the page keeps the file)"</span> });
    view! {
        <li class="pending-upload">
            <span class="pending-summary">{summary}</span>
            {kept}
            " "
            <button
                type="button"
                class="pending-resume"
                disabled=running
                on:click=move |_| on_start.run(Some(record.clone()))
            >
                "Resume"
            </button>
            " "
            <button
                type="button"
                class="pending-forget"
                on:click=move |_| {
                    pending::forget(&at, started);
                    on_forget.run(());
                }
            >
                "Forget"
            </button>
        </li>
    }
}

/// The unfinished uploads of this registry, if any.
#[component]
fn PendingUploads(
    unfinished: RwSignal<Vec<PendingUpload>>,
    running: Signal<bool>,
    on_start: Callback<Option<PendingUpload>>,
    on_forget: Callback<()>,
) -> impl IntoView {
    move || {
        let list = unfinished.get();
        (!list.is_empty()).then(|| {
            view! {
                <section id="pending-uploads">
                    <h3>"Unfinished uploads"</h3>
                    <p class="hint">
                        "The registry keeps what it received. Press Resume: a file chosen with \
                         “Choose a file that resumes by itself” is reopened by the page; \
                         choose any other again below first. The page re-reads the part \
                         already sent to rebuild the digest, and sends the rest."
                    </p>
                    <ul>
                        {list
                            .into_iter()
                            .map(|record| {
                                view! { <PendingRow record running on_start on_forget/> }
                            })
                            .collect_view()}
                    </ul>
                </section>
            }
        })
    }
}

/// Lets the person pick a file through the browser's file-system picker: it replaces the
/// input's file, and its handle is kept when the upload starts.
fn pick(
    input: NodeRef<html::Input>,
    picked: RwSignal<Option<SendWrapper<Picked>>, LocalStorage>,
    state: RwSignal<State>,
) {
    spawn_local(async move {
        match file_handles::pick_file().await {
            Ok(Some(p)) => {
                if let Some(input) = input.get_untracked() {
                    input.set_value("");
                }
                picked.try_set(Some(SendWrapper::new(p)));
            }
            Ok(None) => {}
            Err(error) => {
                state.try_set(refused(error));
            }
        }
    });
}

/// The file row: the input, the file-system picker where the browser has one, and the file
/// it picked.
#[component]
fn FileChoice(
    file_ref: NodeRef<html::Input>,
    picked: RwSignal<Option<SendWrapper<Picked>>, LocalStorage>,
    state: RwSignal<State>,
    running: Signal<bool>,
) -> impl IntoView {
    view! {
        <div class="row">
            <label for="upload-file">"File"</label>
            <input id="upload-file" type="file" node_ref=file_ref on:change=move |_| picked.set(None)/>
            {file_handles::available()
                .then(|| {
                    view! {
                        <button
                            type="button"
                            id="upload-pick"
                            disabled=running
                            on:click=move |_| pick(file_ref, picked, state)
                        >
                            "Choose a file that resumes by itself"
                        </button>
                    }
                })}
        </div>
        {move || {
            picked
                .with(|p| {
                    p.as_ref()
                        .map(|p| {
                            view! {
                                <p id="upload-picked" class="hint">
                                    "Chosen: " {p.file.name()} " ("
                                    {format::size(p.file.size() as u64)}
                                    "). The page keeps access to it until the upload is done, \
                                     so after a reload or a browser restart Resume needs no new \
                                     choice."
                                </p>
                            }
                        })
                })
        }}
    }
}

/// Progress of a running upload, with Cancel.
#[component]
fn Progress(
    sent: u64,
    total: u64,
    base: Option<u64>,
    started: f64,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let percent = (sent * 100).checked_div(total).unwrap_or(100);
    let status = if sent >= total && total > 0 {
        // The page hashes the file beside the requests; the commit waits for the digest when
        // the requests were faster.
        format!(
            "{} sent; finishing the file's sha256 and committing…",
            format::size(total)
        )
    } else {
        format!(
            "{} of {} ({percent}%){}",
            format::size(sent),
            format::size(total),
            rate(sent.saturating_sub(base.unwrap_or(0)), started),
        )
    };
    view! {
        <div class="upload-progress">
            <progress id="upload-progress" max=total.to_string() value=sent.to_string()></progress>
            <p id="upload-status" aria-live="polite">{status}</p>
            <button type="button" id="upload-cancel" on:click=move |_| on_cancel.run(())>
                "Cancel"
            </button>
        </div>
    }
}

/// A stopped upload: why, and Resume (the registry keeps it) or Start over (it does not).
#[component]
fn Stopped(
    error: Error,
    resume: Option<Box<PendingUpload>>,
    forgotten: bool,
    on_start: Callback<Option<PendingUpload>>,
) -> impl IntoView {
    view! {
        <ErrorBox action="uploading the file" error=error/>
        {resume
            .map(|r| {
                let at = format::size(r.offset);
                view! {
                    <p>
                        "The registry keeps what it received (" {at} "). "
                        <button
                            type="button"
                            id="upload-resume"
                            on:click=move |_| on_start.run(Some((*r).clone()))
                        >
                            "Resume"
                        </button>
                    </p>
                }
            })}
        {forgotten
            .then(|| {
                view! {
                    <p id="upload-forgotten">
                        "The registry no longer holds this upload (uploads expire, or it was \
                         cancelled elsewhere). "
                        <button type="button" id="upload-restart" on:click=move |_| on_start.run(None)>
                            "Start over"
                        </button>
                    </p>
                }
            })}
    }
}

/// Where the upload stands.
#[component]
fn Status(
    state: RwSignal<State>,
    catalog: Route,
    on_start: Callback<Option<PendingUpload>>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    move || match state.get() {
        State::Idle => ().into_any(),
        State::Preparing => {
            view! { <p id="upload-status" aria-live="polite">"Checking the file…"</p> }.into_any()
        }
        State::Running {
            sent,
            total,
            base,
            started,
        } => view! { <Progress sent total base started on_cancel/> }.into_any(),
        State::Stopped {
            error,
            resume,
            forgotten,
        } => view! { <Stopped error resume forgotten on_start/> }.into_any(),
        State::Done(done) => {
            let Finished {
                manifest,
                file,
                tag,
                repo,
            } = *done;
            let to = catalog.tags(&repo).manifest(&tag);
            view! {
                <p id="upload-done" aria-live="polite">
                    "Uploaded " {format::size(file.size)} " as "
                    <code>{file.digest.to_string()}</code> ", tagged "
                    <Link to=to>{format!("{repo}:{tag}")}</Link> " (manifest "
                    <code>{format::short_digest(manifest.digest.as_str())}</code> ")."
                </p>
            }
            .into_any()
        }
    }
}

/// The upload page of a registry (and, when given, a repository).
#[component]
pub fn UploadView(
    /// The repository to upload into (editable).
    repo: Option<RepoName>,
) -> impl IntoView {
    let Some(registry) = use_registry() else {
        return no_registry();
    };
    let nav = use_nav();
    let registry = StoredValue::new(registry);
    let repo = RwSignal::new(repo.map(String::from).unwrap_or_default());
    let tag = RwSignal::new("latest".to_string());
    let cancel = StoredValue::new(SendWrapper::new(Rc::new(Cell::new(false))));
    let file_ref = NodeRef::<html::Input>::new();
    let address = StoredValue::new(nav.current().registry.unwrap_or_default());
    let shown = Shown {
        state: RwSignal::new(State::Idle),
        unfinished: RwSignal::new(address.with_value(|a| pending_of(a))),
        // A file picked through the browser's file-system picker, with the handle that
        // reopens it after a reload (it takes the input's place until another is chosen).
        picked: RwSignal::new_local(None),
    };
    let state = shown.state;

    // Starts an upload of the chosen file, or resumes the one `from` records (which must be
    // of the same file; with nothing chosen, a record whose file's handle is kept reopens it).
    let on_start = Callback::new(move |from: Option<PendingUpload>| {
        let chosen = shown
            .picked
            .get_untracked()
            .map(|p| Picked::clone(&p))
            .or_else(|| {
                let file = file_ref.get_untracked()?.files()?.get(0)?;
                Some(Picked {
                    file,
                    handle: wasm_bindgen::JsValue::NULL,
                })
            });
        let kept = from
            .as_ref()
            .filter(|r| r.kept)
            .map(|r| file_handles::key(&r.registry, r.started));
        if chosen.is_none() && kept.is_none() {
            let error = match &from {
                Some(r) => Error::invalid(format!(
                    "choose {:?} ({}) again above to resume its upload: a page keeps a file \
                     across a reload only when it was chosen with “Choose a file that \
                     resumes by itself”",
                    r.file.name,
                    format::size(r.file.size)
                )),
                None => Error::invalid("choose a file first"),
            };
            state.set(refused(error));
            return;
        }
        if let Some(r) = &from {
            repo.set(r.repo.clone());
            tag.set(r.tag.clone());
        }
        // What the person typed is checked before any byte is sent.
        let checked = RepoName::new(repo.get_untracked().trim())
            .and_then(|r| Ok((r, Tag::new(tag.get_untracked().trim())?)));
        let (target, tag) = match checked {
            Ok(t) => t,
            Err(error) => {
                state.set(refused(error));
                return;
            }
        };
        let cancel = cancel.with_value(|c| Rc::clone(c));
        cancel.set(false);
        let job = Job {
            registry: registry.get_value(),
            target,
            tag,
            address: address.get_value(),
            from,
            chosen,
            kept,
            cancel,
        };
        state.set(State::Preparing);
        // A task, not an action: it streams progress into the page for as long as it runs.
        spawn_local(async move {
            let next = run(job, shown).await;
            shown.state.try_set(next);
            shown.unfinished.try_set(
                address
                    .try_with_value(|a| pending_of(a))
                    .unwrap_or_default(),
            );
        });
    });
    let on_cancel = Callback::new(move |()| cancel.with_value(|c| c.set(true)));
    let on_forget = Callback::new(move |()| {
        shown.unfinished.set(address.with_value(|a| pending_of(a)));
    });
    let running =
        Signal::derive(move || matches!(state.get(), State::Running { .. } | State::Preparing));
    let catalog = nav.with(|r| Route::catalog(r.registry.as_deref().unwrap_or_default()));
    view! {
        <section class="upload">
            <h2>"Upload a file"</h2>
            <p class="hint">
                "The browser sends the file from disk in chunks of 64 MiB (smaller where the \
                 registry limits requests, larger where it asks) while the page computes its \
                 sha256 beside them; then an OCI artifact manifest naming the file is pushed \
                 with the tag, so `oras pull` gets the file back."
            </p>
            <PendingUploads unfinished=shown.unfinished running on_start on_forget/>
            <form on:submit=move |e: leptos::ev::SubmitEvent| {
                e.prevent_default();
                on_start.run(None);
            }>
                <FileChoice file_ref picked=shown.picked state running/>
                <div class="row">
                    <label for="upload-repo">"Repository"</label>
                    <input
                        id="upload-repo"
                        type="text"
                        spellcheck="false"
                        placeholder="team/files"
                        prop:value=move || repo.get()
                        on:input=move |e| repo.set(event_target_value(&e))
                    />
                    <label for="upload-tag">"Tag"</label>
                    <input
                        id="upload-tag"
                        type="text"
                        spellcheck="false"
                        prop:value=move || tag.get()
                        on:input=move |e| tag.set(event_target_value(&e))
                    />
                </div>
                <button type="submit" id="upload-start" disabled=running>
                    "Upload"
                </button>
            </form>
            <Status state catalog on_start on_cancel/>
        </section>
    }
    .into_any()
}
