//! The content-store behaviour suite against the OPFS store, in headless Chromium; and what a
//! page sees after "reloading" (a new store over the same folder) in the middle of an ingest.
#![cfg(target_arch = "wasm32")]

use ociscope_core::content::{IngestManager, Ingester, Labels, Manager, Writer, WriterOptions};
use ociscope_core::{Descriptor, Digest};
use ociscope_opfs::OpfsStore;
use ociscope_spec_suite::content::{run_all, ContentCtx};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn content_suite_passes_on_opfs() {
    let name = format!("ociscope-suite-{}", js_sys::Date::now() as u64);
    let store = OpfsStore::open(&name).await.unwrap();
    let open = || Ok(store.clone());
    let report = run_all(&open, &ContentCtx::new("opfs")).await;
    wasm_bindgen_test::console_log!("{report}");
    assert!(report.is_success(), "{report}");
    assert_eq!(report.passed(), 11);
    OpfsStore::destroy(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn an_ingest_resumes_after_a_reload() {
    let name = format!("ociscope-reload-{}", js_sys::Date::now() as u64);
    let content: Vec<u8> = (0..3_000_000u32).map(|i| (i % 253) as u8).collect();
    let d = Descriptor::new(
        "application/octet-stream",
        Digest::sha256_of(&content),
        content.len() as u64,
    );
    {
        let store = OpfsStore::open(&name).await.unwrap();
        let mut w = store
            .writer(&WriterOptions::expecting("layer", &d))
            .await
            .unwrap();
        for chunk in content[..2_000_000].chunks(1 << 20) {
            w.write(chunk).await.unwrap();
        }
        // The page goes away without closing: the writer is dropped.
    }
    // A new page opens the same folder.
    let store = OpfsStore::open(&name).await.unwrap();
    assert!(
        store.info(&d.digest).await.unwrap_err().is_not_found(),
        "no half-written blob"
    );
    let st = store.status("layer").await.unwrap();
    assert_eq!(st.offset, 2_000_000);
    let mut w = store
        .writer(&WriterOptions::expecting("layer", &d))
        .await
        .unwrap();
    assert_eq!(w.digest(), Digest::sha256_of(&content[..2_000_000]));
    w.write(&content[2_000_000..]).await.unwrap();
    let info = w.commit(None, None, Labels::new()).await.unwrap();
    assert_eq!(info.digest, d.digest);
    let back = ociscope_core::content::read_blob(&store, &d.digest, u64::MAX)
        .await
        .unwrap();
    assert_eq!(back.len(), content.len());
    OpfsStore::destroy(&name).await.unwrap();
}
