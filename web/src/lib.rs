//! The ociscope explorer app: connect to a registry and browse its repositories, tags,
//! manifests, referrers and blobs. Each view lives in a module of its own; the pure helpers
//! (routes, sorting, names, formatting) in modules of their own, tested natively. The app ships
//! as two bundles from this one library ([`bundle`]): [`CatalogApp`] for the first navigation,
//! [`App`] (every page, in `tools`) loaded when a page needs it.
//!
//! Safety: nothing a registry returns is ever rendered as HTML (`inner_html` is never used with
//! registry data; Leptos text nodes escape it), and links are built from registry data only
//! for `http:`/`https:` URLs ([`safe_url::link_target`]).

// Public only what the two binaries (`main.rs`, `bin/`) and `web/tests` use; everything else is
// private to the crate, so the compiler reports what nothing uses.
mod bulk_delete;
pub mod bundle;
mod clock;
mod compare;
mod components;
mod credentials;
mod explain;
mod file_handles;
pub mod format;
mod json_segments;
mod layer_stream;
mod limiter;
mod listing;
mod local_storage;
mod nav;
mod paging;
pub mod panic_screen;
mod pending;
mod pending_keeps;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties;
mod recent;
mod reference_view;
pub mod registry;
mod route;
mod safe_url;
mod tools;
mod upstreams;
mod version_sort;
pub mod views;

use leptos::context::Provider;
use leptos::prelude::*;
use ociscope_core::spec::{Error, ManifestRef, RepoName};

use reference_view::ReferenceView;

use components::error_box::{ErrorBox, Loading};
use nav::{Link, Nav};
use registry::Registry;
use route::{Page, Route};

/// What the current URL shows, minus presentation switches (`raw`): a change re-creates the view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ViewKey {
    page: Page,
    registry: Option<String>,
    repo: Option<String>,
    reference: Option<String>,
    blob: Option<String>,
    with: Option<String>,
}

impl ViewKey {
    /// True when the catalog bundle renders this view (see [`bundle`]): one of its pages, of a
    /// registry other than the in-page demo.
    fn in_catalog_bundle(&self) -> bool {
        self.page.in_catalog_bundle() && self.registry.as_deref() != Some(registry::DEMO)
    }
}

/// What one bundle of the app holds (see [`bundle`]); static dispatch, so the catalog bundle
/// never names what only the tools bundle renders.
trait Bundle: 'static {
    /// True when this bundle renders `k` itself.
    fn holds(k: &ViewKey) -> bool;
    /// Opens the registry `key` names.
    fn open(key: String) -> impl std::future::Future<Output = Result<Registry, Error>>;
    /// The view of a registry page other than the catalog (the registry is in the context).
    fn tool_page(k: ViewKey, repo: Option<RepoName>) -> AnyView;
    /// The view of a page that needs no registry ([`Page::needs_registry`]) other than the
    /// start page and the reference tool.
    fn page_without_registry(k: ViewKey) -> AnyView;
}

/// The tools bundle: every page.
struct Everything;

impl Bundle for Everything {
    fn holds(_: &ViewKey) -> bool {
        true
    }
    async fn open(key: String) -> Result<Registry, Error> {
        registry::open(&key).await
    }
    fn tool_page(k: ViewKey, repo: Option<RepoName>) -> AnyView {
        tools::page(k, repo)
    }
    fn page_without_registry(k: ViewKey) -> AnyView {
        tools::page_without_registry(k)
    }
}

/// The catalog bundle: its pages of registries over HTTP; the rest loads the tools bundle.
struct CatalogOnly;

impl Bundle for CatalogOnly {
    fn holds(k: &ViewKey) -> bool {
        k.in_catalog_bundle()
    }
    async fn open(key: String) -> Result<Registry, Error> {
        let registry = registry::open_remote(&key).await?;
        // The catalog is this bundle's only page with a registry: its first page goes out now.
        registry::ask_first_page(&key, &registry);
        Ok(registry)
    }
    fn tool_page(_: ViewKey, _: Option<RepoName>) -> AnyView {
        view! { <bundle::LoadTools/> }.into_any()
    }
    fn page_without_registry(_: ViewKey) -> AnyView {
        view! { <bundle::LoadTools/> }.into_any()
    }
}

/// The root component of the whole app (the tools bundle, and every test): the header,
/// breadcrumbs and the view the URL names.
#[component]
pub fn App() -> impl IntoView {
    shell::<Everything>()
}

/// The root component of the catalog bundle (what `index.html` loads first): [`App`] for the
/// pages [`Page::in_catalog_bundle`] names; any other page loads the tools bundle.
#[component]
pub fn CatalogApp() -> impl IntoView {
    shell::<CatalogOnly>()
}

fn shell<B: Bundle>() -> impl IntoView {
    panic_screen::install();
    let nav = Nav::install();
    let key = Memo::new(move |_| {
        nav.with(|r| ViewKey {
            page: r.page(),
            registry: r.registry.clone(),
            repo: r.repo.clone(),
            reference: r.reference.clone(),
            blob: r.blob.clone(),
            with: r.with.clone(),
        })
    });
    // The registry to open: none for a view this bundle hands to the other.
    let registry_key = Memo::new(move |_| key.with(|k| k.registry.clone().filter(|_| B::holds(k))));
    let registry = LocalResource::new(move || {
        let wanted = registry_key.get();
        async move {
            match wanted {
                Some(k) => {
                    let opened = B::open(k.clone()).await;
                    if opened.is_ok() {
                        recent::save(&k);
                    }
                    Some((k, opened))
                }
                None => None,
            }
        }
    });
    view! {
        <header>
            <Link to=Route::home() class="brand">
                "ociscope"
            </Link>
            <Crumbs/>
            <nav class="tools" aria-label="tools">
                <Link to=Route::parse_tool()>"Parse a reference"</Link>
            </nav>
        </header>
        <main>
            {move || {
                let k = key.get();
                match k.page {
                    Page::Connect => view! { <views::connect::ConnectView/> }.into_any(),
                    Page::ParseTool => view! { <ReferenceView/> }.into_any(),
                    _ if !B::holds(&k) => view! { <bundle::LoadTools/> }.into_any(),
                    _ if !k.page.needs_registry() => B::page_without_registry(k),
                    _ => {
                        match registry.get().flatten() {
                            Some((opened_key, opened)) if Some(&opened_key) == k.registry.as_ref() => {
                                match opened {
                                    // Provided once, here, to every view of the page.
                                    Ok(registry) => view! {
                                        <Provider value=registry>{registry_page::<B>(k)}</Provider>
                                    }
                                    .into_any(),
                                    Err(error) => {
                                        let retry = Callback::new(move |()| registry.refetch());
                                        connect_error(opened_key, error, retry)
                                    }
                                }
                            }
                            _ => view! { <Loading what="the registry"/> }.into_any(),
                        }
                    }
                }
            }}
        </main>
    }
}

fn connect_error(key: String, error: Error, retry: Callback<()>) -> AnyView {
    let wants_credentials = matches!(error.status(), Some(401 | 403));
    let is_http = key.starts_with("http://") || key.starts_with("https://");
    view! {
        <section>
            <h2>"Cannot open this registry"</h2>
            <ErrorBox action="connecting to the registry" error=error/>
            {is_http
                .then(|| {
                    view! {
                        <details class="sign-in" open=wants_credentials>
                            <summary>"Sign in to " {key.clone()}</summary>
                            <views::connect::CredentialsForm registry=key.clone() on_saved=retry/>
                        </details>
                        <p>
                            <button type="button" on:click=move |_| retry.run(())>
                                "Try again"
                            </button>
                        </p>
                    }
                })}
            <p>
                <Link to=Route::home()>"Pick another registry"</Link>
            </p>
        </section>
    }
    .into_any()
}

/// An address that names no valid repository, tag or digest: what is wrong with it.
pub(crate) fn address_error(what: &'static str, error: Error) -> AnyView {
    view! {
        <section class="address-error">
            <h2>"This address names nothing valid"</h2>
            <ErrorBox action=format!("reading the {what} in the address") error=error/>
            <p>
                <Link to=Route::home()>"Pick a registry"</Link>
            </p>
        </section>
    }
    .into_any()
}

/// The view of a registry page: the catalog here, the rest in [`tools::page`]; the open
/// registry is in the context ([`registry::use_registry`]). The repository, tag or digest the
/// address gives are parsed, once, into their types: views never see an invalid one.
fn registry_page<B: Bundle>(k: ViewKey) -> AnyView {
    let repo = match k.repo.clone().map(RepoName::new).transpose() {
        Ok(repo) => repo,
        Err(e) => return address_error("repository name", e),
    };
    match k.page {
        Page::Catalog => view! { <views::catalog::CatalogView/> }.into_any(),
        Page::Connect | Page::ParseTool => ().into_any(),
        _ => B::tool_page(k, repo),
    }
}

/// The tag or digest of the address, or the view saying it is invalid.
pub(crate) fn reference(k: &ViewKey) -> Result<ManifestRef, AnyView> {
    ManifestRef::parse(k.reference.as_deref().unwrap_or_default())
        .map_err(|e| address_error("tag or digest", e))
}

/// Where the current view is: registry › repository › reference or blob, each a link.
#[component]
fn Crumbs() -> impl IntoView {
    let nav = nav::use_nav();
    move || {
        let r = nav.route();
        let Some(registry) = r.registry.clone() else {
            return ().into_any();
        };
        let catalog = Route::catalog(&registry);
        let label = if registry == registry::DEMO {
            "demo registry".to_string()
        } else {
            registry.clone()
        };
        let repo = r.repo.clone().map(|repo| {
            let tags = catalog.tags(&repo);
            view! {
                <li>
                    <Link to=tags.clone()>{repo}</Link>
                </li>
                {r.reference.clone().map(|reference| {
                    view! {
                        <li>
                            <Link to=tags.manifest(&reference)>{format::short_digest(&reference)}</Link>
                        </li>
                    }
                })}
                {r.blob.clone().map(|blob| {
                    view! {
                        <li>
                            <Link to=tags.blob(&blob)>{format!("blob {}", format::short_digest(&blob))}</Link>
                        </li>
                    }
                })}
            }
        });
        view! {
            <nav class="crumbs" aria-label="breadcrumbs">
                <ol>
                    <li>
                        <Link to=catalog>{label}</Link>
                    </li>
                    {repo}
                </ol>
            </nav>
        }
        .into_any()
    }
}
