//! The Fetch transport in a dedicated Web Worker (no `window`) in headless Chromium: a round
//! trip, a chunked upload, listings, and the CORS explanation, against live registries.
//!
//! Run through `bash tests/fetch.sh` (addresses at compile time in `OCISCOPE_FETCH_*`).
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use ociscope_core::client::Options;
use ociscope_core::spec::{collect_all, ErrorKind, Spec};
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn distribution() -> &'static str {
    required!("OCISCOPE_FETCH_DISTRIBUTION")
}

#[wasm_bindgen_test]
async fn there_is_no_window() {
    let global = js_sys::global();
    let window = js_sys::Reflect::get(&global, &"window".into()).unwrap();
    assert!(window.is_undefined(), "a worker has no window");
}

#[wasm_bindgen_test]
async fn round_trip_and_chunked_upload() {
    let spec = ociscope_fetch::connect(distribution(), Options::default()).unwrap();
    round_trip(&spec, "worker, distribution").await;
    let repo = format!("{}/big", unique("worker-upload"));
    big_upload(&spec, &repo, 8, 1 << 20, "worker, distribution").await;
}

#[wasm_bindgen_test]
async fn listings() {
    let spec = ociscope_fetch::connect(distribution(), Options::default()).unwrap();
    many_repositories_and_tags(
        &spec,
        &unique("worker-many"),
        300,
        300,
        "worker, distribution",
    )
    .await;
    let all = collect_all(&spec, None, 100, None).await.unwrap();
    assert!(all.len() >= 301, "{}", all.len());
}

#[wasm_bindgen_test]
async fn cors_is_explained_in_a_worker_too() {
    let spec =
        ociscope_fetch::connect(required!("OCISCOPE_FETCH_NO_CORS"), Options::default()).unwrap();
    let e = spec.ping().await.unwrap_err();
    console_log!("worker, server without CORS: {e}");
    assert_eq!(e.kind(), Some(ErrorKind::Cors), "{e:?}");
    assert!(e.to_string().contains(ociscope_fetch::ALLOW_HEADERS), "{e}");
}
