//! Ref locks across contexts of one origin, in headless Chromium: a dedicated Worker stands in
//! for another tab (the Web Lock manager is the origin's, shared by every page and worker).
#![cfg(target_arch = "wasm32")]

use ociscope_core::content::{Error, IngestManager, Ingester, Writer, WriterOptions};
use ociscope_opfs::OpfsStore;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/tests/other_context.js")]
extern "C" {
    #[wasm_bindgen(js_name = holdInWorker)]
    async fn hold_in_worker(name: &str) -> JsValue;
    #[wasm_bindgen(js_name = stopWorker)]
    fn stop_worker(worker: &JsValue);
    #[wasm_bindgen(js_name = tryInWorker)]
    async fn try_in_worker(name: &str) -> JsValue;
}

/// Waits `ms` milliseconds.
async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let _ = web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

#[wasm_bindgen_test]
async fn a_ref_another_context_writes_is_locked_until_it_goes_away() {
    let name = format!("ociscope-locks-{}", js_sys::Date::now() as u64);
    let store = OpfsStore::open(&name).await.unwrap();
    // Open an ingest, so abort has something to refuse.
    let mut w = store.writer(&WriterOptions::new("layer")).await.unwrap();
    w.write(b"kept").await.unwrap();
    drop(w);

    let other = hold_in_worker(&format!("ociscope-opfs/{name}/layer")).await;
    let err = store
        .writer(&WriterOptions::new("layer"))
        .await
        .err()
        .unwrap();
    assert!(matches!(err, Error::Locked { .. }), "{err}");
    let err = store.abort("layer").await.unwrap_err();
    assert!(matches!(err, Error::Locked { .. }), "{err}");
    // Another ref, and the same ref of another store folder, are free.
    drop(store.writer(&WriterOptions::new("other")).await.unwrap());
    let elsewhere = OpfsStore::open(&format!("{name}-b")).await.unwrap();
    drop(
        elsewhere
            .writer(&WriterOptions::new("layer"))
            .await
            .unwrap(),
    );

    // The other context goes away (as a closed tab): its lock goes with it.
    stop_worker(&other);
    let mut reopened = None;
    for _ in 0..100 {
        match store.writer(&WriterOptions::new("layer")).await {
            Ok(w) => {
                reopened = Some(w);
                break;
            }
            Err(Error::Locked { .. }) => sleep(20).await,
            Err(e) => panic!("{e}"),
        }
    }
    let w = reopened.expect("the lock was released with the worker");
    assert_eq!(w.status().offset, 4, "the ingest kept its bytes");
    drop(w);
    store.abort("layer").await.unwrap();
    OpfsStore::destroy(&name).await.unwrap();
    OpfsStore::destroy(&format!("{name}-b")).await.unwrap();
}

#[wasm_bindgen_test]
async fn an_open_writer_keeps_other_contexts_out_until_it_is_dropped() {
    let name = format!("ociscope-locks-held-{}", js_sys::Date::now() as u64);
    let lock = format!("ociscope-opfs/{name}/layer");
    let store = OpfsStore::open(&name).await.unwrap();
    let w = store.writer(&WriterOptions::new("layer")).await.unwrap();
    assert_eq!(try_in_worker(&lock).await.as_string().unwrap(), "taken");
    drop(w);
    assert_eq!(try_in_worker(&lock).await.as_string().unwrap(), "got");
    let mut w = store.writer(&WriterOptions::new("layer")).await.unwrap();
    let info = w.commit(Some(0), None, Default::default()).await.unwrap();
    assert_eq!(info.size, 0);
    assert_eq!(
        try_in_worker(&lock).await.as_string().unwrap(),
        "got",
        "a commit releases the lock"
    );
    OpfsStore::destroy(&name).await.unwrap();
}
