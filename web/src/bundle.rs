//! The app ships as two bundles (two binaries of this crate, one Trunk build): the **catalog
//! bundle** (`ociscope-web`, what `index.html` loads) and the **tools bundle**
//! (`ociscope-tools`, loaded only when needed).
//!
//! Rules:
//! - The catalog bundle renders the pages [`Page::in_catalog_bundle`] names (connect, the
//!   reference tool, catalog, tags, manifest, blob) of registries over HTTP. Every other page
//!   (the layer browser, compare, copy, upload, tarballs, bulk delete, and anything added
//!   later) and the in-page demo registry are in the tools bundle only: the catalog bundle
//!   shows [`LoadTools`] for them, which fetches and compiles the tools bundle, unmounts the
//!   catalog app and starts the tools bundle, whose app (the whole [`crate::App`]) mounts on
//!   the same URL and keeps the page from then on. Nothing is lost: the URL is the state.
//! - The split is by reachability, not by features: both binaries link the same library, the
//!   catalog one through [`crate::CatalogApp`], which never names a tool view, so link-time
//!   optimisation leaves them (and `tar`, `ruzstd`, `flate2`, the demo, the copy planner,
//!   upload hashing) out of it. Tests mount [`crate::App`], which holds everything.
//! - The tools bundle's files are named without a content hash (Trunk's `data-type="worker"`
//!   assets), next to `index.html`: `ociscope-tools.js` and `ociscope-tools_bg.wasm`, loaded by
//!   `tools_loader.js` (a wasm-bindgen snippet, so no inline script and no new CSP hash).

use std::any::Any;
use std::cell::{Cell, RefCell};

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[cfg(doc)]
use crate::route::Page;

#[wasm_bindgen(module = "/src/tools_loader.js")]
extern "C" {
    #[wasm_bindgen(catch)]
    fn load_tools(unmount: JsValue) -> Result<js_sys::Promise, JsValue>;
}

thread_local! {
    static MOUNTED: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
    static LOADING: Cell<bool> = const { Cell::new(false) };
}

/// Holds the catalog app's mount handle, so [`LoadTools`] can unmount it before the tools
/// bundle mounts (the catalog bundle's `main` calls it).
pub fn keep_mounted<T: 'static>(handle: T) {
    MOUNTED.with(|m| *m.borrow_mut() = Some(Box::new(handle)));
}

fn unmount() {
    // Taken out first: dropping the handle runs the app's cleanups, which must not find
    // MOUNTED borrowed.
    let handle = MOUNTED.with(|m| m.borrow_mut().take());
    drop(handle);
}

/// Shown by the catalog bundle for a page only the tools bundle renders: loads it (once per
/// page) and hands the page over, or says why it could not.
#[component]
pub(crate) fn LoadTools() -> impl IntoView {
    // Loaded on open, once per page: a second `LoadTools` while the first loads waits too.
    let started = LocalResource::new(|| async {
        if LOADING.with(|l| l.replace(true)) {
            return Ok(());
        }
        let started = match load_tools(Closure::once_into_js(unmount)) {
            Ok(promise) => JsFuture::from(promise).await.map(|_| ()),
            Err(e) => Err(e),
        };
        started.map_err(|e| {
            LOADING.with(|l| l.set(false));
            e.as_string()
                .or_else(|| {
                    js_sys::Reflect::get(&e, &"message".into())
                        .ok()
                        .and_then(|m| m.as_string())
                })
                .unwrap_or_else(|| "unknown error".into())
        })
    });
    move || match started.get() {
        None | Some(Ok(())) => view! {
            <p class="loading" role="status" aria-live="polite">"Loading the tools…"</p>
        }
        .into_any(),
        Some(Err(text)) => view! {
            <section class="error" role="alert">
                <h2>"Cannot load the tools"</h2>
                <p>{text}</p>
                <p>
                    <button type="button" on:click=|_| reload()>"Reload"</button>
                </p>
            </section>
        }
        .into_any(),
    }
}

fn reload() {
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}
