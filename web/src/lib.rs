//! The ociscope explorer app: connect to a registry and browse its repositories, tags,
//! manifests, referrers and blobs. Each view lives in a module of its own; the pure helpers
//! (routes, sorting, names, formatting) in modules of their own, tested natively.
//!
//! Safety: nothing a registry returns is ever rendered as HTML (`inner_html` is never used with
//! registry data; Leptos text nodes escape it), and links are built from registry data only
//! for `http:`/`https:` URLs ([`safe_url::link_target`]).

pub mod bulk_delete;
pub mod clock;
pub mod compare;
pub mod components;
pub mod credentials;
pub mod explain;
pub mod format;
pub mod json_segments;
pub mod layer_stream;
pub mod limiter;
pub mod listing;
mod local_storage;
pub mod nav;
pub mod paging;
pub mod panic_screen;
pub mod pending;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties;
pub mod recent;
mod reference_view;
pub mod registry;
pub mod route;
pub mod safe_url;
pub mod version_sort;
pub mod views;

use leptos::prelude::*;
use ociscope_core::spec::{Error, ManifestRef, RepoName};
use ociscope_core::Digest;

pub use reference_view::ReferenceView;

use components::error_box::{ErrorBox, Loading};
use nav::{Link, Nav};
use registry::Registry;
use route::{Page, Route};

/// What the current URL shows, minus presentation switches (`raw`): a change re-creates the view.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ViewKey {
    page: Page,
    registry: Option<String>,
    repo: Option<String>,
    reference: Option<String>,
    blob: Option<String>,
    with: Option<String>,
}

/// The root component: the header, breadcrumbs and the view the URL names.
#[component]
pub fn App() -> impl IntoView {
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
    let registry_key = Memo::new(move |_| key.with(|k| k.registry.clone()));
    let registry = LocalResource::new(move || {
        let wanted = registry_key.get();
        async move {
            match wanted {
                Some(k) => {
                    let opened = registry::open(&k).await;
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
                    Page::Store => view! { <views::store::StoreView registry=k.registry.clone()/> }.into_any(),
                    _ => {
                        match registry.get().flatten() {
                            Some((opened_key, opened)) if Some(&opened_key) == k.registry.as_ref() => {
                                match opened {
                                    Ok(registry) => registry_page(k, registry),
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
fn address_error(what: &'static str, error: Error) -> AnyView {
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

/// The view of a registry page. The repository, tag or digest the address gives are parsed
/// here, once, into their types: views never see an invalid one.
fn registry_page(k: ViewKey, registry: Registry) -> AnyView {
    let repo = match k.repo.map(RepoName::new).transpose() {
        Ok(repo) => repo,
        Err(e) => return address_error("repository name", e),
    };
    match (k.page, repo) {
        (Page::Catalog, _) => view! { <views::catalog::CatalogView registry=registry/> }.into_any(),
        (Page::Tags, Some(repo)) => {
            view! { <views::tags::TagsView registry=registry repo=repo/> }.into_any()
        }
        (Page::Manifest, Some(repo)) => {
            let reference = match ManifestRef::parse(k.reference.as_deref().unwrap_or_default()) {
                Ok(r) => r,
                Err(e) => return address_error("tag or digest", e),
            };
            view! { <views::manifest::ManifestView registry=registry repo=repo reference=reference/> }
                .into_any()
        }
        (Page::Blob, Some(repo)) => {
            let digest = match Digest::parse(k.blob.as_deref().unwrap_or_default()) {
                Ok(d) => d,
                Err(e) => return address_error("blob digest", e.into()),
            };
            view! { <views::blob::BlobView registry=registry repo=repo digest=digest/> }.into_any()
        }
        (Page::Copy, Some(repo)) => {
            let reference = match ManifestRef::parse(k.reference.as_deref().unwrap_or_default()) {
                Ok(r) => r,
                Err(e) => return address_error("tag or digest", e),
            };
            view! { <views::copy::CopyView registry=registry repo=repo reference=reference/> }
                .into_any()
        }
        (Page::Compare, Some(repo)) => {
            let reference = match ManifestRef::parse(k.reference.as_deref().unwrap_or_default()) {
                Ok(r) => r,
                Err(e) => return address_error("tag or digest", e),
            };
            view! { <views::compare::CompareView registry=registry repo=repo reference=reference with=k.with/> }
                .into_any()
        }
        (Page::Files, Some(repo)) => {
            let digest = match Digest::parse(k.blob.as_deref().unwrap_or_default()) {
                Ok(d) => d,
                Err(e) => return address_error("layer digest", e.into()),
            };
            view! { <views::files::FilesView registry=registry repo=repo digest=digest/> }
                .into_any()
        }
        (Page::ImageFiles, Some(repo)) => {
            let reference = match ManifestRef::parse(k.reference.as_deref().unwrap_or_default()) {
                Ok(r) => r,
                Err(e) => return address_error("tag or digest", e),
            };
            view! { <views::image_files::ImageFilesView registry=registry repo=repo reference=reference/> }
                .into_any()
        }
        (Page::BulkDelete, Some(repo)) => {
            view! { <views::bulk_delete::BulkDeleteView registry=registry repo=repo/> }.into_any()
        }
        (Page::Upload, repo) => {
            view! { <views::upload::UploadView registry=registry repo=repo/> }.into_any()
        }
        (Page::DownloadTarball, Some(repo)) => {
            let reference = match ManifestRef::parse(k.reference.as_deref().unwrap_or_default()) {
                Ok(r) => r,
                Err(e) => return address_error("tag or digest", e),
            };
            view! { <views::download::DownloadTarballView registry=registry repo=repo reference=reference/> }
                .into_any()
        }
        (Page::PushTarball, repo) => {
            view! { <views::tarball::PushTarballView registry=registry repo=repo/> }.into_any()
        }
        // Routes without a repository never name these pages (see `Route::page`).
        (
            Page::Tags
            | Page::Manifest
            | Page::Blob
            | Page::BulkDelete
            | Page::Copy
            | Page::DownloadTarball
            | Page::Compare
            | Page::Files
            | Page::ImageFiles,
            None,
        )
        | (Page::Connect | Page::ParseTool | Page::Store, _) => ().into_any(),
    }
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
