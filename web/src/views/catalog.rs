//! The repositories of a registry: loaded page by page as the list scrolls, filtered, optionally
//! grouped by namespace, rendered as a virtual list (only visible rows are in the DOM).

use leptos::prelude::*;
use ociscope_core::spec::Spec;

use crate::components::error_box::{no_registry, ErrorBox};
use crate::components::virtual_list::VirtualList;
use crate::format::count;
use crate::listing::{self, Row};
use crate::nav::{use_nav, Link};
use crate::paging::Pager;
use crate::registry::use_registry;
use crate::route::Route;

/// Height of one catalog row, in CSS pixels.
pub const ROW_HEIGHT: f64 = 32.0;
/// Height of the scrolling list, in CSS pixels.
const LIST_HEIGHT: f64 = 480.0;
/// Load the next page when the rendered window ends this close to the last row.
const LOAD_AHEAD: usize = 60;

/// The catalog view.
#[component]
pub fn CatalogView() -> impl IntoView {
    let Some(registry) = use_registry() else {
        return no_registry();
    };
    let nav = use_nav();
    let base = nav.current();
    let upload_route = base.upload();
    let tarball_route = Route {
        tool: Some("push-tarball".into()),
        ..base.clone()
    };
    let store_route = crate::views::store::route(base.registry.as_deref());
    let key = base.registry.clone().unwrap_or_default();
    let pager = Pager::new(move |req| {
        let registry = registry.clone();
        // The first page may be on its way already (`registry::ask_first_page`).
        let first = crate::registry::take_first_page(&key, &req);
        async move {
            match first {
                Some(page) => page.await,
                None => registry.list_repositories(&req).await,
            }
        }
    });
    pager.load_more();
    let filter = RwSignal::new(String::new());
    let grouped = RwSignal::new(false);
    let rows = Memo::new(move |_| {
        let f = filter.get();
        let g = grouped.get();
        pager.names.with(|n| listing::rows(n, &f, g))
    });
    let on_end = Callback::new(move |end: usize| {
        if end + LOAD_AHEAD >= rows.with_untracked(Vec::len) {
            pager.load_more();
        }
    });
    let row = move |i: usize| {
        let base = base.clone();
        match rows.with(|r| r.get(i).cloned()) {
            Some(Row::Group {
                namespace,
                count: n,
            }) => {
                let name = if namespace.is_empty() {
                    "(top level)".to_string()
                } else {
                    format!("{namespace}/")
                };
                view! {
                    <div class="group-row">
                        <span class="ns">{name}</span>
                        <span class="count">{count(n, "repository", "repositories")}</span>
                    </div>
                }
                .into_any()
            }
            Some(Row::Repo(name)) => view! {
                <Link to=base.tags(&name) class="repo-link">
                    {name}
                </Link>
            }
            .into_any(),
            None => ().into_any(),
        }
    };
    let summary = move || {
        let loaded = pager.names.with(Vec::len);
        let shown = rows.with(|r| listing::repo_count(r));
        let more = if pager.has_more() {
            ", more to load"
        } else {
            ""
        };
        if filter.with(|f| f.trim().is_empty()) {
            format!("{}{more}", count(loaded, "repository", "repositories"))
        } else {
            format!(
                "{shown} of {}{more} match",
                count(loaded, "repository", "repositories")
            )
        }
    };
    view! {
        <section class="catalog">
            <h2>"Repositories"</h2>
            <p class="actions">
                <Link to=upload_route class="upload-link">"Upload a file"</Link>
                " · "
                <Link to=tarball_route class="push-tarball-link">"Push an image from a tarball"</Link>
                " · "
                <Link to=store_route class="store-link">"Push an image kept in this browser"</Link>
            </p>
            <CatalogToolbar filter=filter grouped=grouped/>
            <p class="summary" id="catalog-summary" aria-live="polite">
                {summary}
                {move || pager.loading.get().then_some(" — loading…")}
            </p>
            {move || {
                pager
                    .error
                    .get()
                    .map(|e| {
                        view! {
                            <ErrorBox action="listing repositories" error=e/>
                            <button type="button" on:click=move |_| pager.retry()>
                                "Retry"
                            </button>
                        }
                    })
            }}
            {move || {
                (pager.has_more() && !pager.loading.get())
                    .then(|| {
                        view! {
                            <button type="button" class="load-all" on:click=move |_| pager.load_all()>
                                "Load all repositories"
                            </button>
                        }
                    })
            }}
            <VirtualList
                count=Signal::derive(move || rows.with(Vec::len))
                row_height=ROW_HEIGHT
                height=LIST_HEIGHT
                row=row
                on_end=on_end
                reset_on=Signal::derive(move || format!("{}|{}", filter.get(), grouped.get()))
                label="repositories"
            />
            {move || {
                (!pager.loading.get() && !pager.has_more() && pager.names.with(Vec::is_empty)
                    && pager.error.with(Option::is_none))
                    .then(|| view! { <p class="none">"This registry has no repositories."</p> })
            }}
        </section>
    }
    .into_any()
}

/// The catalog's filter and its "group by namespace" switch.
#[component]
fn CatalogToolbar(filter: RwSignal<String>, grouped: RwSignal<bool>) -> impl IntoView {
    view! {
        <div class="toolbar">
            <label class="inline" for="catalog-filter">
                "Filter"
            </label>
            <input
                id="catalog-filter"
                type="text"
                spellcheck="false"
                autocomplete="off"
                placeholder="words in the name"
                prop:value=move || filter.get()
                on:input=move |e| filter.set(event_target_value(&e))
            />
            <label class="inline check">
                <input
                    type="checkbox"
                    id="catalog-grouped"
                    prop:checked=move || grouped.get()
                    on:change=move |e| grouped.set(event_target_checked(&e))
                />
                " group by namespace"
            </label>
        </div>
    }
}
