//! Deleting tags of a repository in bulk: every tag is loaded with its details, a filter (name
//! pattern, older than a day, not in use by another tag) selects, one confirmation lists what
//! goes, then the deletes run with progress and failures stay listed with their reason.
//! Which tags a filter selects and what each delete removes is [`crate::bulk_delete`].
//!
//! Async work: loading every tag's details is a task of its own (`spawn_local`), streaming
//! batches into the list for as long as it runs and stopping when the view is gone; the
//! deletes are an `Action`, their progress in a signal.

use futures::stream::{self, StreamExt};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use ociscope_core::spec::{collect_all, Error, RepoName, Spec, Tag};

use crate::bulk_delete::{self, Candidate, Deletion, Filter, Mode, Selection};
use crate::components::dialog::Dialog;
use crate::components::error_box::{no_registry, ErrorBox, Loading};
use crate::explain::explain;
use crate::format::{self, count};
use crate::nav::{use_nav, Link};
use crate::paging::PAGE_SIZE;
use crate::registry::{use_registry, Registry};
use crate::views::tags::load_tag_info;

/// Most tags loaded for a bulk delete.
pub const MAX_TAGS: usize = 10_000;
/// Requests (detail loads or deletes) at once.
const IN_FLIGHT: usize = 4;
/// Loaded details are shown in batches of at most this many.
const BATCH: usize = 64;

/// A delete that failed, as listed: what, and why.
#[derive(Clone, Debug)]
struct Failed {
    label: String,
    error: Error,
}

/// Where the deletes stand.
#[derive(Clone, Debug)]
enum Run {
    Idle,
    Running { done: usize, total: usize },
    Finished { deleted: usize, failed: Vec<Failed> },
}

/// Loads every tag's details into `loaded` (in name order), batch by batch.
async fn load_all(
    registry: Registry,
    repo: RepoName,
    loaded: RwSignal<Vec<Candidate>>,
    unloadable: RwSignal<Vec<(String, String)>>,
    total: RwSignal<Option<usize>>,
) -> Result<(), Error> {
    let names = collect_all(&registry, Some(&repo), PAGE_SIZE, Some(MAX_TAGS)).await?;
    total.try_set(Some(names.len()));
    let (registry, repo) = (&registry, &repo);
    let mut results = stream::iter(names)
        .map(|name| async move {
            let info = load_tag_info(registry, repo, &name).await;
            let tag = Tag::new(name.as_str());
            (name, tag.and_then(|t| Ok((t, info?))))
        })
        .buffered(IN_FLIGHT)
        .ready_chunks(BATCH);
    while let Some(batch) = results.next().await {
        let mut good = Vec::new();
        let mut bad = Vec::new();
        for (name, result) in batch {
            match result {
                Ok((tag, info)) => good.push(Candidate {
                    tag,
                    digest: info.digest,
                    created: info.created,
                    children: info.children,
                }),
                Err(e) => bad.push((name, e.to_string())),
            }
        }
        // `try_*`: the view may be gone; then stop loading.
        let shown = loaded.try_update(|l| l.extend(good)).is_some()
            && unloadable.try_update(|u| u.extend(bad)).is_some();
        if !shown {
            break;
        }
    }
    Ok(())
}

/// Runs the deletes, [`IN_FLIGHT`] at a time, counting them in `deleting` (done, total); the
/// tags removed leave `loaded`.
async fn delete_each(
    registry: Registry,
    repo: RepoName,
    planned: Vec<Deletion>,
    deleting: RwSignal<(usize, usize)>,
    loaded: RwSignal<Vec<Candidate>>,
) -> Run {
    let total = planned.len();
    let (registry, repo) = (&registry, &repo);
    let mut results = stream::iter(planned)
        .map(|d| async move {
            let result = match &d {
                Deletion::Tag(t) => registry.delete_tag(repo, t).await,
                Deletion::Manifest { digest, .. } => registry.delete_manifest(repo, digest).await,
            };
            (d, result)
        })
        .buffer_unordered(IN_FLIGHT);
    let (mut done, mut deleted, mut failed, mut removed) = (0, 0, Vec::new(), Vec::new());
    while let Some((d, result)) = results.next().await {
        done += 1;
        match result {
            Ok(()) => {
                deleted += 1;
                removed.extend(d.removed_tags());
            }
            Err(error) => failed.push(Failed {
                label: d.label(),
                error,
            }),
        }
        deleting.set((done, total));
    }
    loaded.update(|l| l.retain(|c| !removed.contains(&c.tag)));
    Run::Finished { deleted, failed }
}

/// The bulk delete page of a repository.
#[component]
pub fn BulkDeleteView(
    /// The repository whose tags are deleted.
    repo: RepoName,
) -> impl IntoView {
    let Some(registry) = use_registry() else {
        return no_registry();
    };
    let nav = use_nav();
    let tags_route = nav.current().tags(&repo);
    let loaded = RwSignal::new(Vec::<Candidate>::new());
    let unloadable = RwSignal::new(Vec::<(String, String)>::new());
    let total = RwSignal::new(None::<usize>);
    let load_error = RwSignal::new(None::<Error>);
    let loading = RwSignal::new(true);
    {
        let (registry, repo) = (registry.clone(), repo.clone());
        spawn_local(async move {
            if let Err(e) = load_all(registry, repo, loaded, unloadable, total).await {
                load_error.try_set(Some(e));
            }
            loading.try_set(false);
        });
    }

    let pattern = RwSignal::new("*".to_string());
    let older = RwSignal::new(String::new());
    let keep_in_use = RwSignal::new(true);
    let mode = RwSignal::new(Mode::Tags);
    let day = Memo::new(move |_| older.with(|o| bulk_delete::parse_day(o)));
    let selection = Memo::new(move |_| {
        let filter = Filter {
            pattern: pattern.get(),
            older_than: day.get(),
            keep_in_use: keep_in_use.get(),
        };
        loaded.with(|all| bulk_delete::select(all, &filter))
    });
    let deletions = Memo::new(move |_| {
        let m = mode.get();
        selection.with(|s| loaded.with(|all| bulk_delete::plan(&s.selected, all, m)))
    });
    let confirming = RwSignal::new(false);
    let registry = StoredValue::new(registry);
    let repo_name = StoredValue::new(repo.clone());
    let cancel_ref = NodeRef::<html::Button>::new();
    Effect::new(move |_| {
        if confirming.get() {
            if let Some(b) = cancel_ref.get() {
                let _ = b.focus();
            }
        }
    });

    // The deletes: an action, its progress in `deleting` (done, total) while it runs.
    let deleting = RwSignal::new((0usize, 0usize));
    let delete_all = Action::new_local(move |planned: &Vec<Deletion>| {
        let (registry, repo) = (registry.get_value(), repo_name.get_value());
        delete_each(registry, repo, planned.clone(), deleting, loaded)
    });
    let run = Signal::derive(move || {
        if delete_all.pending().get() {
            let (done, total) = deleting.get();
            Run::Running { done, total }
        } else {
            delete_all.value().get().unwrap_or(Run::Idle)
        }
    });
    let start = move |()| {
        confirming.set(false);
        let planned = deletions.get_untracked();
        deleting.set((0, planned.len()));
        delete_all.dispatch_local(planned);
    };

    let running = move || matches!(run.get(), Run::Running { .. });
    let summary = move || {
        let s = selection.get();
        let n = loaded.with(Vec::len);
        let mut text = format!(
            "{} of {} selected",
            s.selected.len(),
            count(n, "tag", "tags")
        );
        if !s.kept.is_empty() {
            text.push_str(&format!(
                "; {} kept because another tag uses them",
                s.kept.len()
            ));
        }
        if loading.get() {
            let of = total.get().map(|t| format!(" of {t}")).unwrap_or_default();
            text.push_str(&format!(" — loading details ({n}{of})…"));
        }
        text
    };
    let start_label = move || {
        let d = deletions.with(Vec::len);
        match mode.get() {
            Mode::Tags => format!("Delete {}…", count(d, "tag", "tags")),
            Mode::Manifests => format!("Delete {}…", count(d, "manifest", "manifests")),
        }
    };

    view! {
        <section class="bulk-delete">
            <h2>"Delete tags of " <code>{repo.to_string()}</code></h2>
            <p>
                <Link to=tags_route class="back-link">"Back to the tags"</Link>
            </p>
            {move || load_error.get().map(|e| view! { <ErrorBox action="listing tags" error=e/> })}
            <FilterForm pattern=pattern older=older keep_in_use=keep_in_use mode=mode/>
            <p class="summary" id="bulk-summary" aria-live="polite">{summary}</p>
            {move || loading.get().then(|| view! { <Loading what="the tags' details"/> })}
            <button
                type="button"
                class="danger"
                id="bulk-start"
                disabled=move || loading.get() || running() || deletions.with(Vec::is_empty)
                on:click=move |_| confirming.set(true)
            >
                {start_label}
            </button>
            {move || progress_view(run.get())}
            {move || selection_view(selection.get())}
            {move || unloadable_view(unloadable.get())}
            {move || {
                confirming
                    .get()
                    .then(|| {
                        view! {
                            <ConfirmDialog
                                planned=deletions.get_untracked()
                                mode=mode.get_untracked()
                                confirming=confirming
                                cancel_ref=cancel_ref
                                on_confirm=Callback::new(start)
                            />
                        }
                    })
            }}
        </section>
    }
    .into_any()
}

/// The filter: a tag pattern, a date, whether tags in use are kept, and what is removed.
#[component]
fn FilterForm(
    pattern: RwSignal<String>,
    older: RwSignal<String>,
    keep_in_use: RwSignal<bool>,
    mode: RwSignal<Mode>,
) -> impl IntoView {
    view! {
        <form class="bulk-filter" on:submit=|e: leptos::ev::SubmitEvent| e.prevent_default()>
            <div class="row">
                <label for="bulk-pattern">"Tags matching"</label>
                <input
                    id="bulk-pattern"
                    type="text"
                    spellcheck="false"
                    autocomplete="off"
                    placeholder="pr-* or v1.?.*"
                    prop:value=move || pattern.get()
                    on:input=move |e| pattern.set(event_target_value(&e))
                />
                <label for="bulk-older">"created before"</label>
                <input
                    id="bulk-older"
                    type="date"
                    prop:value=move || older.get()
                    on:input=move |e| older.set(event_target_value(&e))
                />
            </div>
            <p class="hint">
                "A pattern matches whole tags: * any run of characters, ? one character. \
                 With a date, tags whose creation date is unknown are never selected."
            </p>
            <label class="inline check">
                <input
                    type="checkbox"
                    id="bulk-keep-in-use"
                    prop:checked=move || keep_in_use.get()
                    on:change=move |e| keep_in_use.set(event_target_checked(&e))
                />
                " keep tags whose manifest another tag still uses (the same manifest, or an index listing it)"
            </label>
            <fieldset class="bulk-mode">
                <legend>"Remove"</legend>
                <label class="inline check">
                    <input
                        type="radio"
                        name="bulk-mode"
                        id="bulk-mode-tags"
                        prop:checked=move || mode.get() == Mode::Tags
                        on:change=move |_| mode.set(Mode::Tags)
                    />
                    " the tags only (their manifests stay, reachable by digest)"
                </label>
                <label class="inline check">
                    <input
                        type="radio"
                        name="bulk-mode"
                        id="bulk-mode-manifests"
                        prop:checked=move || mode.get() == Mode::Manifests
                        on:change=move |_| mode.set(Mode::Manifests)
                    />
                    " the manifests they point at, with every tag on them"
                </label>
            </fieldset>
        </form>
    }
}

/// The confirmation dialog: what goes, and the Cancel and Delete buttons.
#[component]
fn ConfirmDialog(
    planned: Vec<Deletion>,
    mode: Mode,
    /// Set to false to close the dialog.
    confirming: RwSignal<bool>,
    /// The Cancel button, focused when the dialog opens.
    cancel_ref: NodeRef<html::Button>,
    /// Runs the deletes.
    on_confirm: Callback<()>,
) -> impl IntoView {
    view! {
        <Dialog labelled_by="bulk-confirm-title" on_close=Callback::new(move |()| confirming.set(false))>
                {confirmation(&planned, mode)}
                <p>"This cannot be undone."</p>
                <div class="actions">
                    <button type="button" node_ref=cancel_ref on:click=move |_| confirming.set(false)>
                        "Cancel"
                    </button>
                    <button type="button" class="danger" id="bulk-confirm" on:click=move |_| on_confirm.run(())>
                        "Delete"
                    </button>
                </div>
        </Dialog>
    }
}

/// The confirmation's title and list: every delete, with what goes along and what breaks.
fn confirmation(planned: &[Deletion], mode: Mode) -> impl IntoView {
    let (title, note) = match mode {
        Mode::Tags => (
            format!("Delete {}?", count(planned.len(), "tag", "tags")),
            "Only the tags are removed; their manifests stay, reachable by digest.",
        ),
        Mode::Manifests => (
            format!("Delete {}?", count(planned.len(), "manifest", "manifests")),
            "Each manifest is removed with every tag on it.",
        ),
    };
    let items = planned
        .iter()
        .map(|d| {
            let consequences = match d {
                Deletion::Tag(_) => String::new(),
                Deletion::Manifest {
                    also, listed_by, ..
                } => {
                    let mut text = String::new();
                    if !also.is_empty() {
                        text.push_str(&format!(" — also removes tag {}", format::tag_list(also)));
                    }
                    if !listed_by.is_empty() {
                        text.push_str(&format!(
                            " — listed by index tag {}, which then lacks it",
                            format::tag_list(listed_by)
                        ));
                    }
                    text
                }
            };
            view! {
                <li>
                    <code>{d.label()}</code>
                    <span class="warn">{consequences}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <h3 id="bulk-confirm-title">{title}</h3>
        <p>{note}</p>
        <ul id="bulk-confirm-list" class="bulk-list">
            {items}
        </ul>
    }
}

fn progress_view(run: Run) -> AnyView {
    match run {
        Run::Idle => ().into_any(),
        Run::Running { done, total } => view! {
            <div class="bulk-progress">
                <progress id="bulk-progress" max=total.to_string() value=done.to_string()></progress>
                <p id="bulk-status" aria-live="polite">{format!("Deleted {done} of {total}…")}</p>
            </div>
        }
        .into_any(),
        Run::Finished { deleted, failed } => {
            let failures = failed
                .into_iter()
                .map(|f| {
                    let e = explain("deleting", &f.error);
                    view! {
                        <li class="bulk-failure">
                            <code>{f.label}</code> " — " {e.title} ": " <span class="muted">{e.detail}</span>
                            " " {e.advice}
                        </li>
                    }
                })
                .collect_view();
            view! {
                <p id="bulk-done" aria-live="polite">{format!("{deleted} deleted.")}</p>
                <ul id="bulk-failures" class="bulk-list">{failures}</ul>
            }
            .into_any()
        }
    }
}

fn selection_view(s: Selection) -> impl IntoView {
    let selected = s
        .selected
        .into_iter()
        .map(|c| {
            let created = c.created.as_deref().map(format::date).unwrap_or_default();
            view! {
                <li>
                    <code class="tag">{c.tag.to_string()}</code> " "
                    <span class="muted">{format::short_digest(c.digest.as_str())}</span> " " {created}
                </li>
            }
        })
        .collect_view();
    let kept = (!s.kept.is_empty()).then(|| {
        let rows = s
            .kept
            .into_iter()
            .map(|(c, by)| {
                view! {
                    <li>
                        <code class="tag">{c.tag.to_string()}</code> " — used by " <code>{by.to_string()}</code>
                    </li>
                }
            })
            .collect_view();
        view! {
            <h3>"Kept: another tag uses them"</h3>
            <ul id="bulk-kept" class="bulk-list">{rows}</ul>
        }
    });
    view! {
        <h3>"Selected"</h3>
        <ul id="bulk-selected" class="bulk-list">{selected}</ul>
        {kept}
    }
}

fn unloadable_view(failed: Vec<(String, String)>) -> impl IntoView {
    (!failed.is_empty()).then(|| {
        let rows = failed
            .into_iter()
            .map(|(name, reason)| view! { <li><code>{name}</code> " — " {reason}</li> })
            .collect_view();
        view! {
            <h3>"Not loaded (never selected)"</h3>
            <ul id="bulk-unloadable" class="bulk-list">{rows}</ul>
        }
    })
}
