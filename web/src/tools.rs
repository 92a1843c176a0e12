//! The pages only the tools bundle renders (see [`crate::bundle`]): every registry page but the
//! catalog. A new tool page is a `Page` variant (with its `tool=` name in
//! [`crate::route`]), a view in [`crate::views`], and an arm in [`page`] (or, for a page that
//! needs no registry, in [`page_without_registry`], with the page listed in
//! `Page::needs_registry`); it is in the tools bundle without anything else to change.

use leptos::prelude::*;
use ociscope_core::spec::RepoName;
use ociscope_core::Digest;

use crate::route::Page;
use crate::{address_error, reference, views, ViewKey};

/// The view of tool page `k` (its repository already parsed, when the address names one); the
/// views read the open registry from the context the shell provides.
pub(crate) fn page(k: ViewKey, repo: Option<RepoName>) -> AnyView {
    match (k.page.clone(), repo) {
        (Page::Tags, Some(repo)) => view! { <views::tags::TagsView repo=repo/> }.into_any(),
        (Page::Manifest, Some(repo)) => match reference(&k) {
            Ok(reference) => {
                view! { <views::manifest::ManifestView repo=repo reference=reference/> }.into_any()
            }
            Err(e) => e,
        },
        (Page::Blob, Some(repo)) => match Digest::parse(k.blob.as_deref().unwrap_or_default()) {
            Ok(digest) => view! { <views::blob::BlobView repo=repo digest=digest/> }.into_any(),
            Err(e) => address_error("blob digest", e.into()),
        },
        (Page::Copy, Some(repo)) => match reference(&k) {
            Ok(reference) => {
                view! { <views::copy::CopyView repo=repo reference=reference/> }.into_any()
            }
            Err(e) => e,
        },
        (Page::Compare, Some(repo)) => match reference(&k) {
            Ok(reference) => {
                view! { <views::compare::CompareView repo=repo reference=reference with=k.with/> }
                    .into_any()
            }
            Err(e) => e,
        },
        (Page::Files, Some(repo)) => match Digest::parse(k.blob.as_deref().unwrap_or_default()) {
            Ok(digest) => view! { <views::files::FilesView repo=repo digest=digest/> }.into_any(),
            Err(e) => address_error("layer digest", e.into()),
        },
        (Page::ImageFiles, Some(repo)) => match reference(&k) {
            Ok(reference) => {
                view! { <views::image_files::ImageFilesView repo=repo reference=reference/> }
                    .into_any()
            }
            Err(e) => e,
        },
        (Page::BulkDelete, Some(repo)) => {
            view! { <views::bulk_delete::BulkDeleteView repo=repo/> }.into_any()
        }
        (Page::Upload, repo) => view! { <views::upload::UploadView repo=repo/> }.into_any(),
        (Page::DownloadTarball, Some(repo)) => match reference(&k) {
            Ok(reference) => {
                view! { <views::download::DownloadTarballView repo=repo reference=reference/> }
                    .into_any()
            }
            Err(e) => e,
        },
        (Page::PushTarball, repo) => {
            view! { <views::tarball::PushTarballView repo=repo/> }.into_any()
        }
        // Routes without a repository never name these pages (see `Route::page`); the others
        // are rendered by the shell and `registry_page`.
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
        | (Page::Connect | Page::ParseTool | Page::Catalog | Page::Store, _) => ().into_any(),
    }
}

/// The view of a tool page that needs no open registry (besides the start page and the
/// reference tool, which both bundles render in the shell): a new one is an arm here.
pub(crate) fn page_without_registry(k: ViewKey) -> AnyView {
    match k.page {
        Page::Store => view! { <views::store::StoreView registry=k.registry.clone()/> }.into_any(),
        _ => ().into_any(),
    }
}
