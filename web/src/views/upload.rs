//! Upload a local file to a repository: sent in chunks with progress, cancellable, resumed
//! automatically after a passing failure (up to [`AUTO_RESUMES`] times) and on request after
//! one that stops it, then tagged as an OCI artifact. The upload and the artifact are
//! `ociscope_tools::artifact`'s. Unfinished uploads are remembered ([`crate::pending`]) and
//! listed here, to be resumed after a reload: with the same file picked again, or by itself
//! where the file was picked with a handle the page keeps ([`crate::file_handles`]).

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
use crate::registry::use_registry;
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

/// One unfinished upload in the list, with Resume and Forget.
fn pending_row(
    record: PendingUpload,
    running: impl Fn() -> bool + Send + Sync + Copy + 'static,
    start: impl Fn(Option<PendingUpload>) + Send + Sync + Copy + 'static,
    refresh: impl Fn() + Send + Sync + Copy + 'static,
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
                on:click=move |_| start(Some(record.clone()))
            >
                "Resume"
            </button>
            " "
            <button
                type="button"
                class="pending-forget"
                on:click=move |_| {
                    pending::forget(&at, started);
                    refresh();
                }
            >
                "Forget"
            </button>
        </li>
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
    let state = RwSignal::new(State::Idle);
    let cancel = StoredValue::new(SendWrapper::new(Rc::new(Cell::new(false))));
    let file_ref = NodeRef::<html::Input>::new();
    // A file picked through the browser's file-system picker, with the handle that reopens it
    // after a reload (it takes the place of the input's file until another is chosen there).
    let picked: RwSignal<Option<SendWrapper<Picked>>, LocalStorage> = RwSignal::new_local(None);

    let address = nav.current().registry.unwrap_or_default();
    let address = StoredValue::new(address);
    let unfinished = RwSignal::new(address.with_value(|a| pending_of(a)));
    let refresh = move || unfinished.set(address.with_value(|a| pending_of(a)));

    // Starts an upload of the picked file, or resumes the one `from` records (which must be
    // of the same file).
    let start = move |from: Option<PendingUpload>| {
        let chosen = picked
            .get_untracked()
            .map(|p| Picked::clone(&p))
            .or_else(|| {
                let file = file_ref.get_untracked()?.files()?.get(0)?;
                Some(Picked {
                    file,
                    handle: wasm_bindgen::JsValue::NULL,
                })
            });
        // With nothing chosen, a record whose file's handle is kept reopens that file.
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
        let (target, tag_name) = match checked {
            Ok(t) => t,
            Err(error) => {
                state.set(refused(error));
                return;
            }
        };
        let flag = cancel.with_value(|c| Rc::clone(c));
        flag.set(false);
        let registry = registry.get_value();
        state.set(State::Preparing);
        spawn_local(async move {
            let chosen = match (chosen, kept) {
                (Some(c), _) => c,
                (None, Some(key)) => match file_handles::kept_file(&key).await {
                    Ok(Some(p)) => {
                        // Shown as the chosen file, so that Start over can use it too.
                        picked.try_set(Some(SendWrapper::new(p.clone())));
                        p
                    }
                    Ok(None) => {
                        state.try_set(refused(Error::invalid(
                            "the page no longer keeps this upload's file: choose it again \
                             above to resume",
                        )));
                        return;
                    }
                    Err(error) => {
                        state.try_set(refused(error));
                        return;
                    }
                },
                (None, None) => return,
            };
            let source = FileSource::new(chosen.file.clone());
            let total = source.len();
            let identity = match source.identity().await {
                Ok(i) => i,
                Err(error) => {
                    state.try_set(refused(error));
                    return;
                }
            };
            if let Some(why) = from.as_ref().and_then(|r| r.file.mismatch(&identity)) {
                state.try_set(refused(Error::invalid(format!(
                    "this is not the file of that upload: {why}; choose the same file to \
                     resume it"
                ))));
                return;
            }
            let now = js_sys::Date::now();
            let resume = from.as_ref().map(|r| Resumable {
                id: r.id.clone(),
                offset: r.offset,
            });
            let record = Rc::new(std::cell::RefCell::new(from.unwrap_or_else(|| {
                PendingUpload {
                    registry: address.get_value(),
                    repo: target.to_string(),
                    tag: tag_name.to_string(),
                    id: String::new(),
                    offset: 0,
                    file: identity,
                    started: now,
                    updated: now,
                    kept: false,
                }
            })));
            // A new upload of a file with a handle keeps the handle before anything is sent
            // (the upload goes on without it if the browser refuses to store it).
            let fresh = !record.borrow().kept && resume.is_none();
            if fresh && chosen.handle.is_object() {
                let key = record.borrow().registry.clone();
                let key = file_handles::key(&key, now);
                let kept = file_handles::keep_handle(&key, &chosen.handle)
                    .await
                    .is_ok();
                record.borrow_mut().kept = kept;
            }
            let base = resume.as_ref().map(|r| r.offset);
            state.try_set(State::Running {
                sent: base.unwrap_or(0),
                total,
                base,
                started: now,
            });
            // `try_set`: the page may be left while the upload runs; it then goes on unseen,
            // and its record stays up to date.
            let progress = |p: &UploadProgress<'_>| {
                state.try_set(State::Running {
                    sent: p.sent,
                    total,
                    base,
                    started: now,
                });
                let mut r = record.borrow_mut();
                r.id = p.id.to_string();
                r.offset = p.sent;
                r.updated = js_sys::Date::now();
                pending::save(r.clone());
                unfinished.try_set(pending_of(&r.registry));
            };
            let options = UploadOptions {
                resume,
                retries: AUTO_RESUMES,
                ..UploadOptions::default()
            };
            let blob = artifact::upload_blob_observed(
                &registry, &target, &source, &options, &progress, &flag,
            )
            .await;
            let result = match blob {
                Ok(d) => {
                    let kind = source.file.type_();
                    let layer = artifact::file_layer(&source.file.name(), Some(&kind), &d);
                    let options = ArtifactOptions {
                        tags: vec![tag_name.clone()],
                        ..ArtifactOptions::default()
                    };
                    artifact::push_artifact_manifest(&registry, &target, &[layer], &options)
                        .await
                        .map(|manifest| {
                            State::Done(Box::new(Finished {
                                manifest,
                                file: d,
                                tag: tag_name,
                                repo: target,
                            }))
                        })
                        .map_err(Interrupted::from)
                }
                Err(e) => Err(e),
            };
            let record = record.borrow().clone();
            let next = match result {
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
                        || (i.error.has_code(ErrorCode::BlobUploadInvalid)
                            && i.resume.is_none()) =>
                {
                    pending::forget(&record.registry, record.started);
                    State::Stopped {
                        error: i.error,
                        resume: None,
                        forgotten: true,
                    }
                }
                Err(i) => {
                    let resume = i.resume.map(|r| {
                        let mut kept = record.clone();
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
            };
            state.try_set(next);
            unfinished.try_set(pending_of(&record.registry));
        });
    };

    let running = move || matches!(state.get(), State::Running { .. } | State::Preparing);
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
            {move || {
                let list = unfinished.get();
                (!list.is_empty())
                    .then(|| {
                        view! {
                            <section id="pending-uploads">
                                <h3>"Unfinished uploads"</h3>
                                <p class="hint">
                                    "The registry keeps what it received. Press Resume: a file \
                                     chosen with “Choose a file that resumes by itself” is \
                                     reopened by the page; choose any other again below first. \
                                     The page re-reads the part already sent to rebuild the \
                                     digest, and sends the rest."
                                </p>
                                <ul>
                                    {list
                                        .into_iter()
                                        .map(|r| pending_row(r, running, start, refresh))
                                        .collect_view()}
                                </ul>
                            </section>
                        }
                    })
            }}
            <form on:submit=move |e: leptos::ev::SubmitEvent| {
                e.prevent_default();
                start(None);
            }>
                <div class="row">
                    <label for="upload-file">"File"</label>
                    <input
                        id="upload-file"
                        type="file"
                        node_ref=file_ref
                        on:change=move |_| picked.set(None)
                    />
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
                                            "). The page keeps access to it until the upload is \
                                             done, so after a reload or a browser restart Resume \
                                             needs no new choice."
                                        </p>
                                    }
                                })
                        })
                }}
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
            {move || match state.get() {
                State::Idle => ().into_any(),
                State::Preparing => {
                    view! { <p id="upload-status" aria-live="polite">"Checking the file…"</p> }
                        .into_any()
                }
                State::Running { sent, total, base, started } => {
                    let percent = (sent * 100).checked_div(total).unwrap_or(100);
                    view! {
                        <div class="upload-progress">
                            <progress id="upload-progress" max=total.to_string() value=sent.to_string()></progress>
                            <p id="upload-status" aria-live="polite">
                                {if sent >= total && total > 0 {
                                    // The page hashes the file beside the requests; the
                                    // commit waits for the digest when the requests were
                                    // faster.
                                    format!(
                                        "{} sent; finishing the file's sha256 and committing…",
                                        format::size(total),
                                    )
                                } else {
                                    format!(
                                        "{} of {} ({percent}%){}",
                                        format::size(sent),
                                        format::size(total),
                                        rate(sent.saturating_sub(base.unwrap_or(0)), started),
                                    )
                                }}
                            </p>
                            <button
                                type="button"
                                id="upload-cancel"
                                on:click=move |_| cancel.with_value(|c| c.set(true))
                            >
                                "Cancel"
                            </button>
                        </div>
                    }
                        .into_any()
                }
                State::Stopped { error, resume, forgotten } => {
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
                                            on:click=move |_| start(Some((*r).clone()))
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
                                        "The registry no longer holds this upload (uploads \
                                         expire, or it was cancelled elsewhere). "
                                        <button
                                            type="button"
                                            id="upload-restart"
                                            on:click=move |_| start(None)
                                        >
                                            "Start over"
                                        </button>
                                    </p>
                                }
                            })}
                    }
                        .into_any()
                }
                State::Done(done) => {
                    let Finished { manifest, file, tag, repo } = *done;
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
            }}
        </section>
    }
    .into_any()
}
