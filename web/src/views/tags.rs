//! The tags of a repository: loaded page by page, filtered, sorted by name (version-aware) or
//! — as their details arrive, at most 4 tags loading at a time — by creation date or size. Each
//! tag shows its digest, media type, size and creation date; an index shows its platforms, each
//! with its compressed size (config and layers) and created date, read one child at a time
//! within the tag's slot (so requests stay bounded), at most [`MAX_PLATFORMS`] per index
//! (attestation manifests skipped). An index's date is its newest platform's, which is also
//! what sorting by date uses.
//!
//! Async work: the pages of names are [`Pager`]'s; the details are loaded by a pool of tasks
//! (`spawn_local`, [`MAX_IN_FLIGHT`] at a time, fed as rows scroll into view) into one map,
//! not a resource per row: rows come and go with scrolling, and a load must outlive its row.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use ociscope_core::spec::{BlobReader, Error, ManifestRef, RepoName, Spec, Tag};
use ociscope_core::{media_type, Digest};

use crate::components::error_box::{no_registry, ErrorBox};
use crate::components::virtual_list::VirtualList;
use crate::format::{self, count};
use crate::limiter::Limiter;
use crate::listing;
use crate::nav::{use_nav, Link};
use crate::paging::Pager;
use crate::registry::{use_registry, Registry};
use crate::version_sort;
use ociscope_tools::config::ImageConfig;

/// Most tag details loaded at once.
pub const MAX_IN_FLIGHT: usize = 4;
/// Largest image configuration read for a tag's creation date.
const CONFIG_LIMIT: u64 = 1024 * 1024;
/// Most platforms of one index whose details are loaded.
pub const MAX_PLATFORMS: usize = 16;
/// The annotation that dates a manifest without an image configuration.
pub const CREATED_ANNOTATION: &str = "org.opencontainers.image.created";
const ROW_HEIGHT: f64 = 36.0;
const LIST_HEIGHT: f64 = 480.0;

/// What a tag points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagInfo {
    /// Digest of the manifest.
    pub digest: Digest,
    /// Media type of the manifest.
    pub media_type: String,
    /// Image size (config and layers), for images.
    pub size: Option<u64>,
    /// Creation date: the image configuration's, else the manifest's
    /// `org.opencontainers.image.created` annotation.
    pub created: Option<String>,
    /// Number of platforms, for indexes.
    pub platforms: Option<usize>,
    /// The manifests an index lists (empty for other manifests).
    pub children: Vec<Digest>,
    /// Each platform of an index, as loaded (empty for other manifests).
    pub platform_details: Vec<PlatformInfo>,
}

/// One platform of an index, as its own manifest and configuration say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformInfo {
    /// `os/architecture[/variant]` from the index (`unknown` when it names none).
    pub platform: String,
    /// The platform's manifest.
    pub digest: Digest,
    /// Compressed size (config and layers), once loaded.
    pub size: Option<u64>,
    /// Creation date from its configuration, once loaded.
    pub created: Option<String>,
}

/// The newest of some RFC 3339 dates (compared as text, which orders dates written the same
/// way, as registries write them).
pub fn newest<'a>(dates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    dates.into_iter().max()
}

/// True for the entries of an index that are not platforms (BuildKit's attestations).
pub fn is_attestation(d: &ociscope_core::Descriptor) -> bool {
    d.annotations
        .get("vnd.docker.reference.type")
        .map(String::as_str)
        == Some("attestation-manifest")
}

/// The created date in an image's configuration, when it has an image configuration.
async fn config_created(
    registry: &Registry,
    repo: &RepoName,
    manifest: &ociscope_core::Manifest,
) -> Result<Option<String>, Error> {
    let Some(config) = manifest.config() else {
        return Ok(None);
    };
    if config.media_type != media_type::OCI_CONFIG && config.media_type != media_type::DOCKER_CONFIG
    {
        return Ok(None);
    }
    let bytes = registry
        .get_blob(repo, &config.digest)
        .await?
        .read_to_end(CONFIG_LIMIT)
        .await?;
    Ok(ImageConfig::from_json(&bytes).and_then(|c| c.created))
}

/// Loads one platform of an index; what fails to load stays unknown (the row still shows it).
async fn load_platform(
    registry: &Registry,
    repo: &RepoName,
    d: &ociscope_core::Descriptor,
) -> PlatformInfo {
    let mut info = PlatformInfo {
        platform: d
            .platform
            .as_ref()
            .map_or_else(|| "unknown".to_string(), |p| p.to_string()),
        digest: d.digest.clone(),
        size: None,
        created: None,
    };
    let got = registry
        .get_manifest(repo, &ManifestRef::Digest(d.digest.clone()))
        .await;
    if let Ok(manifest) = got.and_then(|g| g.parse().map_err(Error::from)) {
        info.size = manifest.image_size();
        info.created = config_created(registry, repo, &manifest)
            .await
            .ok()
            .flatten();
    }
    info
}

/// Loads what `tag` (a name the registry listed, `TAG_INVALID` when it is not a tag) points
/// at: its manifest and, for images, its configuration.
pub async fn load_tag_info(
    registry: &Registry,
    repo: &RepoName,
    tag: &str,
) -> Result<TagInfo, Error> {
    let got = registry
        .get_manifest(repo, &ManifestRef::Tag(Tag::new(tag)?))
        .await?;
    let manifest = got.parse()?;
    let mut info = TagInfo {
        digest: got.descriptor.digest.clone(),
        media_type: got.descriptor.media_type.clone(),
        size: manifest.image_size(),
        created: None,
        platforms: manifest.content().index().map(|i| i.manifests.len()),
        children: manifest
            .manifests()
            .iter()
            .map(|d| d.digest.clone())
            .collect(),
        platform_details: Vec::new(),
    };
    info.created = config_created(registry, repo, &manifest).await?;
    if let Some(index) = manifest.content().index() {
        // One child at a time: this tag holds one of the loader's slots.
        for d in index
            .manifests
            .iter()
            .filter(|d| !is_attestation(d))
            .take(MAX_PLATFORMS)
        {
            info.platform_details
                .push(load_platform(registry, repo, d).await);
        }
        info.created = newest(
            info.platform_details
                .iter()
                .filter_map(|p| p.created.as_deref()),
        )
        .map(str::to_string);
    }
    if info.created.is_none() {
        info.created = manifest.annotations().get(CREATED_ANNOTATION).cloned();
    }
    Ok(info)
}

/// How the tag list is ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortBy {
    /// By name, version-aware, ascending.
    Name,
    /// By name, version-aware, descending.
    NameDesc,
    /// Newest first (tags not loaded yet last).
    Created,
    /// Largest first (tags not loaded yet last).
    Size,
}

type Details = HashMap<String, Result<TagInfo, String>>;

/// Orders `tags` (in place) as `sort` says, using the details loaded so far.
pub fn sort_tags(tags: &mut [String], sort: SortBy, details: &Details) {
    let info = |t: &String| details.get(t).and_then(|d| d.as_ref().ok());
    match sort {
        SortBy::Name => version_sort::sort(tags),
        SortBy::NameDesc => tags.sort_by(|a, b| version_sort::compare(b, a)),
        SortBy::Created => tags.sort_by(|a, b| {
            let (x, y) = (
                info(a).and_then(|i| i.created.clone()),
                info(b).and_then(|i| i.created.clone()),
            );
            match (x, y) {
                (Some(x), Some(y)) => y.cmp(&x),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => version_sort::compare(a, b),
            }
            .then_with(|| version_sort::compare(a, b))
        }),
        SortBy::Size => tags.sort_by(|a, b| {
            let (x, y) = (info(a).and_then(|i| i.size), info(b).and_then(|i| i.size));
            match (x, y) {
                (Some(x), Some(y)) => y.cmp(&x),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            }
            .then_with(|| version_sort::compare(a, b))
        }),
    }
}

/// Loads tag details lazily, at most [`MAX_IN_FLIGHT`] at a time, into a signal.
#[derive(Clone, Copy)]
struct DetailsLoader {
    details: RwSignal<Details>,
    in_flight: RwSignal<usize>,
    state: StoredValue<Rc<RefCell<Limiter<String>>>, LocalStorage>,
    registry: StoredValue<Registry>,
    repo: StoredValue<RepoName>,
}

impl DetailsLoader {
    fn new(registry: Registry, repo: RepoName) -> DetailsLoader {
        DetailsLoader {
            details: RwSignal::new(HashMap::new()),
            in_flight: RwSignal::new(0),
            state: StoredValue::new_local(Rc::new(RefCell::new(Limiter::new(MAX_IN_FLIGHT)))),
            registry: StoredValue::new(registry),
            repo: StoredValue::new(repo),
        }
    }

    fn request(&self, tag: &str) {
        let queued = self
            .state
            .with_value(|s| s.borrow_mut().request(tag.to_string()));
        if queued {
            self.pump();
        }
    }

    fn pump(&self) {
        let this = *self;
        while let Some(tag) = self.state.with_value(|s| s.borrow_mut().start_next()) {
            let running = self.state.with_value(|s| s.borrow().running());
            self.in_flight.set(running);
            let registry = self.registry.get_value();
            let repo = self.repo.get_value();
            spawn_local(async move {
                let result = load_tag_info(&registry, &repo, &tag)
                    .await
                    .map_err(|e| e.to_string());
                // `try_*`: the view may be gone by now.
                if this
                    .details
                    .try_update(|d| {
                        d.insert(tag, result);
                    })
                    .is_none()
                {
                    return;
                }
                let running = this.state.try_with_value(|s| {
                    s.borrow_mut().finished();
                    s.borrow().running()
                });
                if let Some(running) = running {
                    this.in_flight.try_set(running);
                    this.pump();
                }
            });
        }
    }
}

/// An index's platforms in a tag row: each its name, size and date (all of it in the tooltip).
fn platform_chips(platforms: &[PlatformInfo]) -> AnyView {
    let title = platforms
        .iter()
        .map(|p| {
            format!(
                "{}: {}, created {}",
                p.platform,
                p.size
                    .map(format::size)
                    .unwrap_or_else(|| "size unknown".into()),
                p.created
                    .as_deref()
                    .map(format::date)
                    .unwrap_or_else(|| "unknown".into())
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    view! {
        <span class="platforms" title=title>
            {platforms
                .iter()
                .map(|p| {
                    view! {
                        <span class="platform">
                            <span class="platform-name">{p.platform.clone()}</span>
                            " "
                            <span class="platform-size">{p.size.map(format::size).unwrap_or_default()}</span>
                            " "
                            <span class="platform-created">{p.created.as_deref().map(format::date).unwrap_or_default()}</span>
                        </span>
                    }
                })
                .collect_view()}
        </span>
    }
    .into_any()
}

/// The buttons that choose how the tags are ordered.
#[component]
fn SortButtons(sort: RwSignal<SortBy>) -> impl IntoView {
    let button = move |by: SortBy, label: &'static str| {
        view! {
            <button
                type="button"
                class="sort"
                aria-pressed=move || (sort.get() == by).to_string()
                on:click=move |_| sort.set(by)
            >
                {label}
            </button>
        }
    };
    view! {
        <span class="sorts" role="group" aria-label="sort tags">
            "Sort: " {button(SortBy::Name, "name ↑")} {button(SortBy::NameDesc, "name ↓")}
            {button(SortBy::Created, "newest")} {button(SortBy::Size, "largest")}
        </span>
    }
}

/// A tag row's cells after its name: digest, kind, size, platforms, created (or how loading
/// them stands).
fn tag_cells(info: Option<Result<TagInfo, String>>) -> AnyView {
    match info {
        None => view! { <span class="muted">"…"</span> }.into_any(),
        Some(Err(e)) => view! { <span class="bad" title=e>"failed to load"</span> }.into_any(),
        Some(Ok(info)) => {
            let size = match (info.size, info.platforms) {
                (Some(s), _) => format::size(s),
                (None, Some(p)) => count(p, "platform", "platforms"),
                _ => String::new(),
            };
            let platforms = platform_chips(&info.platform_details);
            view! {
                <code class="digest" title=info.digest.to_string()>{format::short_digest(info.digest.as_str())}</code>
                <span class="kind" title=info.media_type.clone()>{format::kind_label(&info.media_type)}</span>
                <span class="size">{size}</span>
                {platforms}
                <span class="created">{info.created.as_deref().map(format::date).unwrap_or_default()}</span>
            }
            .into_any()
        }
    }
}

/// The tags view.
#[component]
pub fn TagsView(
    /// The repository.
    repo: RepoName,
) -> impl IntoView {
    let Some(registry) = use_registry() else {
        return no_registry();
    };
    let base = use_nav().current();
    let upload_route = base.upload();
    let bulk_route = base.bulk_delete();
    let loader = DetailsLoader::new(registry.clone(), repo.clone());
    let pager = {
        let repo = repo.clone();
        Pager::new(move |req| {
            let registry = registry.clone();
            let repo = repo.clone();
            async move { registry.list_tags(&repo, &req).await }
        })
    };
    pager.load_more();
    let filter = RwSignal::new(String::new());
    let sort = RwSignal::new(SortBy::Name);
    let tags = Memo::new(move |_| {
        let f = filter.get();
        let mut kept: Vec<String> = pager.names.with(|n| {
            n.iter()
                .filter(|t| listing::matches(t, &f))
                .cloned()
                .collect()
        });
        let by = sort.get();
        if matches!(by, SortBy::Created | SortBy::Size) {
            loader.details.with(|d| sort_tags(&mut kept, by, d));
        } else {
            sort_tags(&mut kept, by, &HashMap::new());
        }
        kept
    });
    // Sorting by details needs them all: load every page and ask for every tag's details.
    Effect::new(move |_| {
        if matches!(sort.get(), SortBy::Created | SortBy::Size) {
            pager.load_all();
            for t in pager.names.get() {
                loader.request(&t);
            }
        }
    });
    let on_end = Callback::new(move |end: usize| {
        if end + 60 >= tags.with_untracked(Vec::len) {
            pager.load_more();
        }
    });
    let row = move |i: usize| {
        let Some(tag) = tags.with(|t| t.get(i).cloned()) else {
            return ().into_any();
        };
        loader.request(&tag);
        let info = loader.details.with(|d| d.get(&tag).cloned());
        let link = base.manifest(&tag);
        let copy = link.copy();
        let cells = tag_cells(info);
        view! {
            <div class="tag-row">
                <Link to=link class="tag-link">
                    {tag}
                </Link>
                {cells}
                <Link to=copy class="tag-copy-link">"copy"</Link>
            </div>
        }
        .into_any()
    };
    let summary = move || {
        let loaded = pager.names.with(Vec::len);
        let shown = tags.with(Vec::len);
        let more = if pager.has_more() {
            ", more to load"
        } else {
            ""
        };
        let details = loader.details.with(HashMap::len);
        format!(
            "{shown} of {}{more}; details of {details} loaded ({} loading)",
            count(loaded, "tag", "tags"),
            loader.in_flight.get()
        )
    };
    view! {
        <section class="tags">
            <h2>"Tags of " <code>{repo.to_string()}</code></h2>
            <p class="actions">
                <Link to=upload_route class="upload-link">"Upload a file here"</Link>
                " · "
                <Link to=bulk_route class="bulk-delete-link">"Delete tags in bulk"</Link>
            </p>
            <div class="toolbar">
                <label class="inline" for="tags-filter">
                    "Filter"
                </label>
                <input
                    id="tags-filter"
                    type="text"
                    spellcheck="false"
                    autocomplete="off"
                    prop:value=move || filter.get()
                    on:input=move |e| filter.set(event_target_value(&e))
                />
                <SortButtons sort=sort/>
            </div>
            <p class="summary" id="tags-summary" aria-live="polite">
                {summary}
                {move || pager.loading.get().then_some(" — loading…")}
            </p>
            {move || {
                pager
                    .error
                    .get()
                    .map(|e| {
                        view! {
                            <ErrorBox action="listing tags" error=e/>
                            <button type="button" on:click=move |_| pager.retry()>
                                "Retry"
                            </button>
                        }
                    })
            }}
            <div class="tag-row tag-head" aria-hidden="true">
                <span>"tag"</span>
                <span>"digest"</span>
                <span>"type"</span>
                <span>"size"</span>
                <span>"platforms"</span>
                <span>"created"</span>
                <span></span>
            </div>
            <VirtualList
                count=Signal::derive(move || tags.with(Vec::len))
                row_height=ROW_HEIGHT
                height=LIST_HEIGHT
                row=row
                on_end=on_end
                reset_on=Signal::derive(move || format!("{}|{:?}", filter.get(), sort.get()))
                label="tags"
            />
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn info(created: Option<&str>, size: Option<u64>) -> Result<TagInfo, String> {
        Ok(TagInfo {
            digest: Digest::sha256_of(b""),
            media_type: String::new(),
            size,
            created: created.map(str::to_string),
            platforms: None,
            children: Vec::new(),
            platform_details: Vec::new(),
        })
    }

    #[test]
    fn an_index_is_as_new_as_its_newest_platform() {
        assert_eq!(
            newest([
                "2024-01-01T00:00:00Z",
                "2025-06-01T00:00:00Z",
                "2023-12-31T23:59:59Z"
            ]),
            Some("2025-06-01T00:00:00Z")
        );
        assert_eq!(newest([]), None);
    }

    #[test]
    fn sorts_by_name_date_and_size_with_unknowns_last() {
        let mut tags: Vec<String> = ["v1.10", "v1.9", "old", "new", "unknown"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut d = Details::new();
        d.insert("old".into(), info(Some("2020-01-01T00:00:00Z"), Some(10)));
        d.insert("new".into(), info(Some("2024-01-01T00:00:00Z"), Some(5)));
        d.insert("v1.9".into(), info(None, Some(99)));
        d.insert("unknown".into(), Err("boom".into()));
        sort_tags(&mut tags, SortBy::Name, &d);
        assert_eq!(tags, ["new", "old", "unknown", "v1.9", "v1.10"]);
        sort_tags(&mut tags, SortBy::NameDesc, &d);
        assert_eq!(tags, ["v1.10", "v1.9", "unknown", "old", "new"]);
        sort_tags(&mut tags, SortBy::Created, &d);
        assert_eq!(&tags[..2], ["new", "old"]);
        sort_tags(&mut tags, SortBy::Size, &d);
        assert_eq!(&tags[..3], ["v1.9", "old", "new"]);
    }
}
