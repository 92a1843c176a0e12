//! Copy or retag one manifest: to another tag, repository, or registry open in this tab, with
//! the platforms and referrers chosen. The plan comes first (what is missing at the
//! destination, what is there, which tags go last), then the copy with progress per item.
//!
//! Decisions:
//! - The copy is `ociscope_tools::copy`'s: blobs first, manifests from the leaves up, tags
//!   last, so a failure leaves nothing tagged (a failed tag push is the only way some tags
//!   are pushed and others not, and the result says which).
//! - Destinations are the registries open in this tab ([`registry::open_keys`]); the source's
//!   own registry copies by mounting across repositories. Retagging is a copy to the same
//!   repository: every item is present, only the tags are pushed.
//! - What the person types (repository, tags) is checked before planning; changing any choice
//!   after planning drops the plan, so a copy always runs the plan shown.

use std::collections::HashMap;

use leptos::prelude::*;
use ociscope_core::spec::{Error, ManifestRef, RepoName, Spec, Tag};
use ociscope_core::{Digest, Platform};
use ociscope_tools::copy::{
    self, CopyError, CopyOptions, CopyReport, Event, Plan, Progress, Transfer,
};

use crate::components::error_box::{no_registry, ErrorBox, Loading};
use crate::explain::explain;
use crate::format;
use crate::nav::{use_nav, Link};
use crate::registry::{self, use_registry, Registry};
use crate::route::Route;

/// Tags typed as one text: separated by commas or spaces.
pub fn parse_tags(text: &str) -> Result<Vec<Tag>, Error> {
    Tag::all(
        text.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|t| !t.is_empty()),
    )
}

/// How one item of the plan stands, as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
enum ItemState {
    /// Missing at the destination, not started.
    Missing,
    /// At the destination already.
    Present,
    /// Moving; bytes sent so far.
    Moving(u64),
    /// Arrived, and how.
    Done(Transfer),
    /// Failed once, tried again.
    Retrying,
    /// Failed, with the reason.
    Failed(String),
}

impl ItemState {
    fn label(&self, size: u64) -> String {
        match self {
            ItemState::Missing => "to copy".into(),
            ItemState::Present => "already there".into(),
            ItemState::Moving(n) => {
                format!("copying {} of {}", format::size(*n), format::size(size))
            }
            ItemState::Done(Transfer::Mounted) => "mounted".into(),
            ItemState::Done(Transfer::Foreign) => "not copied (foreign layer)".into(),
            ItemState::Done(Transfer::Present) => "already there".into(),
            ItemState::Done(_) => "copied".into(),
            ItemState::Retrying => "failed once; trying again".into(),
            ItemState::Failed(reason) => format!("failed: {reason}"),
        }
    }
}

/// Where the copy stands.
#[derive(Clone, Debug)]
enum Stage {
    /// Choosing.
    Idle,
    /// The choices are not valid (a bad repository name or tag).
    Invalid(Error),
    /// Working out the plan.
    Planning,
    /// The plan could not be made.
    PlanFailed(CopyError),
    /// The plan, ready to run.
    Planned,
    /// Copying.
    Copying,
    /// Copied.
    Done(CopyReport),
    /// The copy stopped: what failed, and which tags (if any) were pushed.
    Failed(CopyError),
}

/// The choices a plan is made from, as typed.
#[derive(Clone)]
struct Choices {
    /// The destination registry's key.
    key: String,
    /// The destination repository.
    repo: String,
    /// The destination tags (spaces or commas between them).
    tags: String,
    /// The platforms ticked (none: the whole index).
    platforms: Vec<Platform>,
    /// Whether referrers go too.
    referrers: bool,
}

impl Choices {
    /// The destination repository and the copy's options, or why the choices are not valid.
    fn check(&self, source_key: &str) -> Result<(RepoName, CopyOptions), Error> {
        let repo = RepoName::new(self.repo.trim())?;
        let tags = parse_tags(&self.tags)?;
        let options = CopyOptions {
            same_registry: self.key == source_key,
            platforms: self.platforms.clone(),
            referrers: self.referrers,
            tags,
            ..CopyOptions::default()
        };
        Ok((repo, options))
    }
}

/// Items done, items, bytes done, bytes: the copy's totals.
type Totals = (usize, usize, u64, u64);

/// What a plan is for: the destination registry and the options it was made with.
#[derive(Clone)]
struct Planned {
    plan: Plan,
    options: CopyOptions,
    destination: Registry,
    destination_key: String,
}

/// The platforms an index lists (empty for other manifests).
async fn platforms_of(
    registry: &Registry,
    repo: &RepoName,
    reference: &ManifestRef,
) -> Result<Vec<Platform>, Error> {
    let manifest = registry.get_manifest(repo, reference).await?.parse()?;
    Ok(manifest
        .manifests()
        .iter()
        .filter_map(|d| d.platform.clone())
        .collect())
}

/// Makes the plan `choices` ask for (the stage to show when it cannot be made).
async fn plan_copy(
    src: Registry,
    src_repo: RepoName,
    reference: ManifestRef,
    src_key: String,
    choices: Choices,
) -> Result<Planned, Stage> {
    let (to_repo, options) = choices.check(&src_key).map_err(Stage::Invalid)?;
    let destination = if choices.key == src_key {
        src.clone()
    } else {
        registry::open(&choices.key).await.map_err(Stage::Invalid)?
    };
    let plan = copy::plan(
        &src,
        &src_repo,
        &reference,
        &destination,
        &to_repo,
        &options,
    )
    .await
    .map_err(Stage::PlanFailed)?;
    Ok(Planned {
        plan,
        options,
        destination,
        destination_key: choices.key,
    })
}

/// Each item's state before the copy: there already, or missing.
fn initial_states(plan: &Plan) -> HashMap<Digest, ItemState> {
    plan.items
        .iter()
        .map(|i| {
            let s = if i.present {
                ItemState::Present
            } else {
                ItemState::Missing
            };
            (i.descriptor.digest.clone(), s)
        })
        .collect()
}

/// Shows one step of the copy: the totals, and the state of the item it is about.
fn show_progress(
    p: &Progress,
    states: RwSignal<HashMap<Digest, ItemState>>,
    totals: RwSignal<Totals>,
) {
    totals.set((p.items_done, p.items_total, p.bytes_done, p.bytes_total));
    let update = match p.event {
        Event::Start(i) => Some((i, ItemState::Moving(0))),
        Event::Bytes(i, n) => Some((i, ItemState::Moving(n))),
        Event::Finish(i, t) => Some((i, ItemState::Done(t))),
        Event::Skip(i) => Some((i, ItemState::Present)),
        Event::Retry(i, _) => Some((i, ItemState::Retrying)),
        Event::Failed(i, e) => Some((i, ItemState::Failed(e.to_string()))),
        Event::Planned | Event::Tagged(_) | Event::Done => None,
    };
    if let Some((item, state)) = update {
        states.update(|s| {
            s.insert(item.descriptor.digest.clone(), state);
        });
    }
}

/// The copy page of one manifest.
#[component]
pub fn CopyView(
    /// Its repository.
    repo: RepoName,
    /// The manifest, by tag or digest.
    reference: ManifestRef,
) -> impl IntoView {
    let Some(registry) = use_registry() else {
        return no_registry();
    };
    let nav = use_nav();
    let source_key = nav.current().registry.unwrap_or_default();
    let back = nav.current().manifest(&reference.to_string());
    let keys = {
        let mut keys = registry::open_keys();
        if !keys.contains(&source_key) {
            keys.insert(0, source_key.clone());
        }
        keys
    };
    let platforms = {
        let (registry, repo, reference) = (registry.clone(), repo.clone(), reference.clone());
        LocalResource::new(move || {
            let (registry, repo, reference) = (registry.clone(), repo.clone(), reference.clone());
            async move { platforms_of(&registry, &repo, &reference).await }
        })
    };

    let dst_key = RwSignal::new(source_key.clone());
    let dst_repo = RwSignal::new(repo.to_string());
    let dst_tags = RwSignal::new(reference.tag().map(Tag::to_string).unwrap_or_default());
    let with_referrers = RwSignal::new(false);
    let chosen = RwSignal::new(Vec::<Platform>::new());
    let states = RwSignal::new(HashMap::<Digest, ItemState>::new());
    let totals = RwSignal::new(Totals::default());
    let source = StoredValue::new((registry, repo.clone(), reference.clone(), source_key));

    // Planning: an action over the choices as they were when "Plan the copy" was pressed.
    let plan = Action::new_local(move |choices: &Choices| {
        let choices = choices.clone();
        let (src, src_repo, reference, src_key) = source.get_value();
        async move {
            let planned = plan_copy(src, src_repo, reference, src_key, choices).await?;
            states.set(initial_states(&planned.plan));
            totals.set((0, planned.plan.items.len(), 0, planned.plan.bytes_total()));
            Ok(planned)
        }
    });
    // The copy: an action running the plan shown, its progress in `states` and `totals`.
    let run_copy = Action::new_local(move |p: &Planned| {
        let p = p.clone();
        let (src, ..) = source.get_value();
        async move {
            let progress = |p: &Progress| show_progress(p, states, totals);
            copy::copy_plan(&src, &p.destination, &p.plan, &p.options, &progress).await
        }
    });
    let planned = move || plan.value().get().and_then(Result::ok);
    let stage = Signal::derive(move || {
        if run_copy.pending().get() {
            return Stage::Copying;
        }
        if let Some(result) = run_copy.value().get() {
            return match result {
                Ok(report) => Stage::Done(report),
                Err(e) => Stage::Failed(e),
            };
        }
        if plan.pending().get() {
            return Stage::Planning;
        }
        match plan.value().get() {
            None => Stage::Idle,
            Some(Ok(_)) => Stage::Planned,
            Some(Err(stage)) => stage,
        }
    });
    let busy = move || plan.pending().get() || run_copy.pending().get();
    // Any change of a choice drops the plan made for the old ones.
    let changed = move || {
        if !(plan.pending().get_untracked() || run_copy.pending().get_untracked()) {
            plan.clear();
            run_copy.clear();
        }
    };
    let make_plan = move |_| {
        run_copy.clear();
        plan.dispatch_local(Choices {
            key: dst_key.get_untracked(),
            repo: dst_repo.get_untracked(),
            tags: dst_tags.get_untracked(),
            platforms: chosen.get_untracked(),
            referrers: with_referrers.get_untracked(),
        });
    };
    let run = move |()| {
        if let Some(Ok(p)) = plan.value().get_untracked() {
            run_copy.dispatch_local(p);
        }
    };

    view! {
        <section class="copy-tool">
            <h2>"Copy or retag " <code>{format::reference(&repo, &reference.to_string())}</code></h2>
            <p>
                <Link to=back class="back-link">"Back to the manifest"</Link>
            </p>
            <form class="copy-form" on:submit=move |e: leptos::ev::SubmitEvent| {
                e.prevent_default();
                make_plan(());
            }>
                <DestinationSelect keys=keys dst_key=dst_key on_change=Callback::new(move |()| changed())/>
                <RepoAndTags dst_repo=dst_repo dst_tags=dst_tags on_change=Callback::new(move |()| changed())/>
                <p class="hint">"Tags separated by spaces or commas; none copies by digest only."</p>
                {move || match platforms.get() {
                    None => view! { <Loading what="the platforms"/> }.into_any(),
                    Some(Err(e)) => view! { <ErrorBox action="reading the manifest" error=e/> }.into_any(),
                    Some(Ok(list)) if list.is_empty() => ().into_any(),
                    Some(Ok(list)) => {
                        view! { <PlatformChoices list=list chosen=chosen on_change=Callback::new(move |()| changed())/> }
                            .into_any()
                    }
                }}
                <label class="inline check">
                    <input
                        type="checkbox"
                        id="copy-referrers"
                        prop:checked=move || with_referrers.get()
                        on:change=move |e| {
                            with_referrers.set(event_target_checked(&e));
                            changed();
                        }
                    />
                    " with referrers (signatures, SBOMs, attestations)"
                </label>
                <p>
                    <button type="submit" id="copy-plan" disabled=busy>
                        "Plan the copy"
                    </button>
                </p>
            </form>
            {move || stage_view(stage.get(), planned(), states, totals, run)}
        </section>
    }
    .into_any()
}

/// The destination repository and tags, as typed.
#[component]
fn RepoAndTags(
    dst_repo: RwSignal<String>,
    dst_tags: RwSignal<String>,
    /// Called after each change.
    on_change: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="row">
            <label for="copy-repo">"Repository"</label>
            <input
                id="copy-repo"
                type="text"
                spellcheck="false"
                prop:value=move || dst_repo.get()
                on:input=move |e| {
                    dst_repo.set(event_target_value(&e));
                    on_change.run(());
                }
            />
            <label for="copy-tags">"Tags"</label>
            <input
                id="copy-tags"
                type="text"
                spellcheck="false"
                placeholder="none: by digest"
                prop:value=move || dst_tags.get()
                on:input=move |e| {
                    dst_tags.set(event_target_value(&e));
                    on_change.run(());
                }
            />
        </div>
    }
}

/// The destination registry, one of those open in this tab.
#[component]
fn DestinationSelect(
    keys: Vec<String>,
    dst_key: RwSignal<String>,
    /// Called after each change.
    on_change: Callback<()>,
) -> impl IntoView {
    let options = keys
        .into_iter()
        .map(|k| {
            let label = if k == registry::DEMO {
                "demo registry".to_string()
            } else {
                k.clone()
            };
            view! { <option value=k.clone()>{label}</option> }
        })
        .collect_view();
    view! {
        <div class="row">
            <label for="copy-registry">"To registry"</label>
            <select
                id="copy-registry"
                prop:value=move || dst_key.get()
                on:change=move |e| {
                    dst_key.set(event_target_value(&e));
                    on_change.run(());
                }
            >
                {options}
            </select>
        </div>
    }
}

/// The platforms of an index to tick (none ticked: the whole index).
#[component]
fn PlatformChoices(
    list: Vec<Platform>,
    chosen: RwSignal<Vec<Platform>>,
    /// Called after each change of what is ticked.
    on_change: Callback<()>,
) -> impl IntoView {
    view! {
        <fieldset class="copy-platforms">
            <legend>"Platforms (none ticked: the whole index)"</legend>
            {list
                .into_iter()
                .enumerate()
                .map(|(i, p)| {
                    let id = format!("copy-platform-{i}");
                    let label = p.to_string();
                    let this = p.clone();
                    view! {
                        <label class="inline check">
                            <input
                                type="checkbox"
                                id=id
                                prop:checked=move || chosen.with(|c| c.contains(&p))
                                on:change=move |e| {
                                    let on = event_target_checked(&e);
                                    chosen.update(|c| {
                                        c.retain(|x| x != &this);
                                        if on {
                                            c.push(this.clone());
                                        }
                                    });
                                    on_change.run(());
                                }
                            />
                            " " {label}
                        </label>
                    }
                })
                .collect_view()}
        </fieldset>
    }
}

/// The plan (with each item's state), progress, and the outcome.
fn stage_view(
    stage: Stage,
    planned: Option<Planned>,
    states: RwSignal<HashMap<Digest, ItemState>>,
    totals: RwSignal<Totals>,
    run: impl Fn(()) + Copy + Send + Sync + 'static,
) -> AnyView {
    let plan_view = |p: &Planned| {
        let plan = &p.plan;
        let missing = plan.missing().count();
        let tags = if plan.tags.is_empty() {
            "no tag (by digest only)".to_string()
        } else {
            format!("then the tags {}", format::tag_list(&plan.tags))
        };
        let summary = format!(
            "{missing} of {} to copy ({}), {} already there; {tags}.",
            format::count(plan.items.len(), "item", "items"),
            format::size(plan.bytes_missing()),
            plan.present().count(),
        );
        let rows = plan
            .items
            .iter()
            .map(|item| {
                let digest = item.descriptor.digest.clone();
                let size = item.descriptor.size;
                let state = move || {
                    states.with(|s| s.get(&digest).map(|st| st.label(size)).unwrap_or_default())
                };
                view! {
                    <tr>
                        <td>{item.name.clone()}</td>
                        <td>{format::size(size)}</td>
                        <td class="copy-state">{state}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <h3>"Plan"</h3>
            <p id="copy-plan-summary">{summary}</p>
            <table id="copy-items">
                <tbody>{rows}</tbody>
            </table>
        }
    };
    let progress = move || {
        let (done, total, bytes, bytes_total) = totals.get();
        view! {
            <progress id="copy-progress" max=bytes_total.max(1).to_string() value=bytes.to_string()></progress>
            <p id="copy-status" aria-live="polite">
                {format!(
                    "{done} of {total} items, {} of {}",
                    format::size(bytes),
                    format::size(bytes_total)
                )}
            </p>
        }
    };
    let failures = |e: &CopyError| {
        e.failures
            .iter()
            .map(|f| {
                let x = explain("copying", &f.error);
                view! {
                    <li class="copy-failure">
                        <code>{f.item.clone()}</code> " — " {x.title} ": "
                        <span class="muted">{x.detail}</span> " " {x.advice}
                    </li>
                }
            })
            .collect_view()
    };
    match stage {
        Stage::Idle => ().into_any(),
        Stage::Invalid(e) => {
            view! { <ErrorBox action="checking the destination" error=e/> }.into_any()
        }
        Stage::Planning => view! { <Loading what="the plan"/> }.into_any(),
        Stage::PlanFailed(e) => view! {
            <p class="error">"The copy cannot be planned:"</p>
            <ul id="copy-failures">{failures(&e)}</ul>
        }
        .into_any(),
        Stage::Planned => match planned {
            Some(p) => view! {
                {plan_view(&p)}
                <button type="button" id="copy-start" on:click=move |_| run(())>
                    "Copy"
                </button>
            }
            .into_any(),
            None => ().into_any(),
        },
        Stage::Copying => view! {
            {planned.as_ref().map(plan_view)}
            {progress}
        }
        .into_any(),
        Stage::Done(report) => {
            let target = planned.as_ref().map(|p| {
                let to = Route::catalog(&p.destination_key).tags(&p.plan.dst_repo);
                let reference = match (report.tags.first(), report.roots.first()) {
                    (Some(t), _) => t.to_string(),
                    (None, Some(root)) => root.digest.to_string(),
                    (None, None) => String::new(),
                };
                let label = format::reference(&p.plan.dst_repo, &reference);
                view! { " Open " <Link to=to.manifest(&reference) class="copy-target">{label}</Link> "." }
            });
            let tagged = if report.tags.is_empty() {
                "no tag pushed".to_string()
            } else {
                format!("tagged {}", format::tag_list(&report.tags))
            };
            view! {
                {planned.as_ref().map(plan_view)}
                <p id="copy-done" aria-live="polite">
                    {format!(
                        "Copied {} ({} mounted, {} of data); {} already there; {tagged}.",
                        format::count(report.copied, "item", "items"),
                        report.mounted,
                        format::size(report.bytes_copied),
                        report.present,
                    )}
                    {target}
                </p>
            }
            .into_any()
        }
        Stage::Failed(e) => {
            let tags = if e.tags_pushed.is_empty() {
                "Nothing was tagged.".to_string()
            } else {
                format!(
                    "Tags pushed before the failure: {}.",
                    format::tag_list(&e.tags_pushed)
                )
            };
            view! {
                {planned.as_ref().map(plan_view)}
                <p class="error" id="copy-stopped">{format!("The copy stopped. {tags}")}</p>
                <ul id="copy-failures">{failures(&e)}</ul>
            }
            .into_any()
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use ociscope_core::ErrorCode;

    #[test]
    fn tags_are_split_on_commas_and_spaces_and_checked() {
        let tags = parse_tags(" v1, v1.0  latest,,").unwrap();
        let names: Vec<&str> = tags.iter().map(Tag::as_str).collect();
        assert_eq!(names, ["v1", "v1.0", "latest"]);
        assert!(parse_tags("").unwrap().is_empty());
        assert!(parse_tags("ok -bad")
            .unwrap_err()
            .has_code(ErrorCode::TagInvalid));
    }
}
