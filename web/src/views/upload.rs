//! Upload a local file to a repository: sent in chunks with progress, cancellable, resumed
//! automatically after a passing failure and on request after one that stops it, then tagged
//! as an OCI artifact. The upload and the artifact are `ociscope_tools::artifact`'s.

use std::cell::Cell;
use std::rc::Rc;

use bytes::Bytes;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use ociscope_core::spec::{Error, RepoName, Resumable, Tag};
use ociscope_core::Descriptor;
use ociscope_fetch::BlobSource;
use ociscope_tools::artifact::{self, ArtifactOptions, ChunkSource, Interrupted, UploadOptions};
use send_wrapper::SendWrapper;

use crate::components::error_box::ErrorBox;
use crate::format;
use crate::nav::{use_nav, Link};
use crate::registry::Registry;
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

impl ChunkSource for FileSource {
    fn len(&self) -> u64 {
        self.bytes.len()
    }

    async fn read(&self, start: u64, end: u64) -> Result<Bytes, Error> {
        self.bytes.read(start, end).await
    }
}

/// Where an upload stands, as shown.
#[derive(Clone, Debug)]
enum State {
    Idle,
    Running {
        sent: u64,
        total: u64,
        started: f64,
    },
    Stopped {
        error: Error,
        resume: Option<Resumable>,
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

/// The upload page of a registry (and, when given, a repository).
#[component]
pub fn UploadView(
    /// The registry.
    registry: Registry,
    /// The repository to upload into (editable).
    repo: Option<RepoName>,
) -> impl IntoView {
    let nav = use_nav();
    let registry = StoredValue::new(registry);
    let repo = RwSignal::new(repo.map(String::from).unwrap_or_default());
    let tag = RwSignal::new("latest".to_string());
    let state = RwSignal::new(State::Idle);
    let cancel = StoredValue::new(SendWrapper::new(Rc::new(Cell::new(false))));
    let file_ref = NodeRef::<html::Input>::new();

    let start = move |resume: Option<Resumable>| {
        let Some(file) = file_ref
            .get_untracked()
            .and_then(|input| input.files())
            .and_then(|files| files.get(0))
        else {
            state.set(State::Stopped {
                error: Error::invalid("choose a file first"),
                resume: None,
            });
            return;
        };
        // What the person typed is checked before any byte is sent.
        let checked = RepoName::new(repo.get_untracked().trim())
            .and_then(|r| Ok((r, Tag::new(tag.get_untracked().trim())?)));
        let (target, tag_name) = match checked {
            Ok(t) => t,
            Err(error) => {
                state.set(State::Stopped {
                    error,
                    resume: None,
                });
                return;
            }
        };
        let flag = cancel.with_value(|c| Rc::clone(c));
        flag.set(false);
        let registry = registry.get_value();
        let source = FileSource::new(file);
        let total = source.len();
        let started = js_sys::Date::now();
        state.set(State::Running {
            sent: 0,
            total,
            started,
        });
        spawn_local(async move {
            // `try_set`: the page may be left while the upload runs; it then goes on unseen.
            let progress = |sent: u64| {
                state.try_set(State::Running {
                    sent,
                    total,
                    started,
                });
            };
            let options = UploadOptions {
                resume,
                ..UploadOptions::default()
            };
            let blob =
                artifact::upload_blob(&registry, &target, &source, &options, &progress, &flag)
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
            state.try_set(result.unwrap_or_else(|i| State::Stopped {
                error: i.error,
                resume: i.resume,
            }));
        });
    };

    let running = move || matches!(state.get(), State::Running { .. });
    let catalog = nav.with(|r| Route::catalog(r.registry.as_deref().unwrap_or_default()));
    view! {
        <section class="upload">
            <h2>"Upload a file"</h2>
            <p class="hint">
                "The file is sent in chunks (5 MiB, or the registry's minimum) and its sha256 \
                 computed on the way; then an OCI artifact manifest naming the file is pushed \
                 with the tag, so `oras pull` gets the file back."
            </p>
            <form on:submit=move |e: leptos::ev::SubmitEvent| {
                e.prevent_default();
                start(None);
            }>
                <div class="row">
                    <label for="upload-file">"File"</label>
                    <input id="upload-file" type="file" node_ref=file_ref/>
                </div>
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
                State::Running { sent, total, started } => {
                    let percent = (sent * 100).checked_div(total).unwrap_or(100);
                    view! {
                        <div class="upload-progress">
                            <progress id="upload-progress" max=total.to_string() value=sent.to_string()></progress>
                            <p id="upload-status" aria-live="polite">
                                {format!(
                                    "{} of {} ({percent}%){}",
                                    format::size(sent),
                                    format::size(total),
                                    rate(sent, started),
                                )}
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
                State::Stopped { error, resume } => {
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
                                            on:click=move |_| start(Some(r.clone()))
                                        >
                                            "Resume"
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
}
