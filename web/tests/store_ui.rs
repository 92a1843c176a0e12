//! The browser store in headless Chromium, on in-page registries: an image kept from the
//! download page is listed on the store page (name, size), pushed from there to another
//! registry open in the tab (tagged, with the blob the registry had skipped), saved as a
//! tarball that reads back with the image's digest, and deleted (its content with it); an
//! ingest left in the store is listed with its offset and total and aborted; keeps that
//! failed are listed with their registry, one resumed from the store page, one forgotten; a
//! keep whose content another writer holds says so, and works once it is let go.
#![cfg(target_arch = "wasm32")]

use std::collections::BTreeMap;

use bytes::Bytes;
use ociscope_core::content::{IngestManager, Ingester, Manager, Writer, WriterOptions};
use ociscope_core::memory::MemoryRegistry;
use ociscope_core::spec::{ManifestRef, Spec};
use ociscope_core::{Descriptor, Digest};
use ociscope_opfs::OpfsStore;
use ociscope_tools::tarball::TarStore;
use ociscope_web::registry::{self, Registry};
use ociscope_web::views::download::DOWNLOAD_FOLDER;
use ociscope_web::views::store::STORE_FOLDER;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

mod common;
use common::{blob, click, image, repo, tag, type_into, Mounted};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn keeps_lists_pushes_saves_and_deletes_an_image() {
    OpfsStore::destroy(STORE_FOLDER).await.unwrap();
    let src = MemoryRegistry::new();
    let layer: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let manifest = image(
        &src,
        "team/app",
        &["1.0"],
        &layer,
        &BTreeMap::new(),
        &serde_json::json!({}),
    )
    .await;
    let dst = MemoryRegistry::new();
    // The destination has the layer already: the push skips it.
    let layer_d = blob(&dst, "mirror/app", "application/octet-stream", &layer).await;
    let m = src
        .get_manifest(&repo("team/app"), &ManifestRef::Tag(tag("1.0")))
        .await
        .unwrap();
    let parsed = ociscope_core::manifest::Manifest::parse(&m.content, None).unwrap();
    let total: u64 = m.content.len() as u64
        + parsed.config().map_or(0, |c| c.size)
        + parsed.layers().iter().map(|l| l.size).sum::<u64>();
    registry::install("mem:store-src", Registry::memory(src));
    registry::install("mem:store-dst", Registry::memory(dst.clone()));

    {
        let app = Mounted::at("?tool=download&registry=mem:store-src&repo=team/app&ref=1.0");
        click(&app.find("#keep-start", "Keep in this browser").await);
        let done = app.find("#keep-done", "Kept team/app:1.0").await;
        let text = done.text_content().unwrap_or_default();
        assert!(text.contains("2 blobs fetched"), "config and layer: {text}");
    }

    let app = Mounted::at("?tool=store&registry=mem:store-dst");
    let row = app.find(".store-image", "team/app:1.0").await;
    let text = row.text_content().unwrap_or_default();
    assert!(
        text.contains(&ociscope_web::format::short_digest(
            manifest.digest.as_str()
        )),
        "{text}"
    );
    assert!(
        text.contains(&ociscope_web::format::size(total)),
        "the layer, config and manifest: {text}"
    );
    assert!(app
        .find("#store-no-ingests", "No ingest")
        .await
        .is_connected());

    // Push to the other registry, under another name.
    type_into(&app.find("#store-repo", "").await, "mirror/app");
    type_into(&app.find("#store-tag", "").await, "kept");
    click(&app.find(".store-push", "Push").await);
    let done = app.find("#store-message", "Pushed").await;
    let text = done.text_content().unwrap_or_default();
    assert!(
        text.contains("1 already there"),
        "the layer was skipped: {text}"
    );
    let pushed = dst
        .stat_manifest(&repo("mirror/app"), &ManifestRef::Tag(tag("kept")))
        .await
        .unwrap();
    assert_eq!(pushed.digest, manifest.digest);
    assert!(dst
        .stat_blob(&repo("mirror/app"), &layer_d.digest)
        .await
        .is_ok());

    // Save as a tarball: the file holds the image.
    click(&app.find(".store-save", "Save as tarball").await);
    let a = app.find("#store-download", "Download").await;
    let name = a.get_attribute("download").unwrap_or_default();
    assert_eq!(name, "team_app-1.0.tar");
    let folder = OpfsStore::open(DOWNLOAD_FOLDER).await.unwrap();
    let handle: web_sys::FileSystemFileHandle =
        JsFuture::from(folder.folder().get_file_handle(&name))
            .await
            .unwrap()
            .unchecked_into();
    let file: web_sys::File = JsFuture::from(handle.get_file())
        .await
        .unwrap()
        .unchecked_into();
    let buf = JsFuture::from(file.array_buffer()).await.unwrap();
    let archive = TarStore::open(Bytes::from(js_sys::Uint8Array::new(&buf).to_vec()))
        .await
        .unwrap();
    assert_eq!(archive.images().len(), 1);
    assert_eq!(archive.images()[0].descriptor.digest, manifest.digest);

    // An ingest left in the store is listed with its offset and total, and aborted.
    let store = OpfsStore::open(STORE_FOLDER).await.unwrap();
    let expected = Descriptor::new(
        "application/octet-stream",
        Digest::sha256_of(&[7u8; 5000]),
        5000,
    );
    let mut w = store
        .writer(&WriterOptions::expecting("fetch-left-over", &expected))
        .await
        .unwrap();
    w.write(&[7u8; 1234]).await.unwrap();
    w.close().await.unwrap();
    drop(w);
    click(&app.find("#store-refresh", "Refresh").await);
    let ingest = app.find(".store-ingest", "fetch-left-over").await;
    assert_eq!(ingest.get_attribute("data-offset").as_deref(), Some("1234"));
    assert_eq!(ingest.get_attribute("data-total").as_deref(), Some("5000"));
    click(&app.find(".store-abort", "Abort").await);
    app.find("#store-message", "Aborted the ingest fetch-left-over")
        .await;
    // The tarball written before stays offered after another job.
    let still = app.find("#store-download", "Download").await;
    assert_eq!(
        still.get_attribute("download").as_deref(),
        Some("team_app-1.0.tar")
    );
    app.find("#store-no-ingests", "No ingest").await;
    assert!(store
        .status("fetch-left-over")
        .await
        .unwrap_err()
        .is_not_found());

    // Delete: the image and its content go.
    click(&app.find(".store-delete", "Delete").await);
    app.find("#store-message", "Deleted team/app:1.0").await;
    app.find("#store-empty", "No image").await;
    let left = store
        .walk(&ociscope_core::content::Filter::everything())
        .await
        .unwrap();
    assert!(left.is_empty(), "{left:?}");
}

#[wasm_bindgen_test]
async fn a_keep_that_failed_is_listed_then_resumed_or_forgotten_from_the_store_page() {
    OpfsStore::destroy(STORE_FOLDER).await.unwrap();
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.remove_item("ociscope.pending-keeps").unwrap();
    let src = MemoryRegistry::new();
    let layer: Vec<u8> = (0..200_000u32).map(|i| (i % 241) as u8).collect();
    for t in ["1.0", "2.0"] {
        let layer: Vec<u8> = layer.iter().map(|b| b ^ t.as_bytes()[0]).collect();
        image(
            &src,
            "team/broken",
            &[t],
            &layer,
            &BTreeMap::new(),
            &serde_json::json!({}),
        )
        .await;
    }
    // Both layers are gone from the registry: the keeps fail.
    let layers: Vec<Vec<u8>> = ["1.0", "2.0"]
        .iter()
        .map(|t| layer.iter().map(|b| b ^ t.as_bytes()[0]).collect())
        .collect();
    for l in &layers {
        src.delete_blob(&repo("team/broken"), &Digest::sha256_of(l))
            .await
            .unwrap();
    }
    registry::install("mem:store-broken", Registry::memory(src.clone()));
    for t in ["1.0", "2.0"] {
        let app = Mounted::at(&format!(
            "?tool=download&registry=mem:store-broken&repo=team/broken&ref={t}"
        ));
        click(&app.find("#keep-start", "Keep in this browser").await);
        app.find("#download-error", "could not be kept").await;
    }

    let app = Mounted::at("?tool=store");
    let row = app.find(".store-pending-keep", "team/broken:1.0").await;
    let text = row.text_content().unwrap_or_default();
    assert!(text.contains("mem:store-broken"), "its registry: {text}");
    app.find(".store-pending-keep", "team/broken:2.0").await;
    app.find("#store-empty", "No image").await;

    // The registry has the layer again: Resume keeps the image.
    blob(&src, "team/broken", "application/octet-stream", &layers[0]).await;
    click(&app.find(".store-resume", "Resume").await);
    app.find("#store-message", "Kept team/broken:1.0").await;
    app.find(".store-image", "team/broken:1.0").await;
    let left = app.find(".store-pending-keep", "team/broken:2.0").await;
    assert!(!left
        .text_content()
        .unwrap_or_default()
        .contains("team/broken:1.0"));

    // Forget drops the other record; nothing else changes.
    click(&app.find(".store-forget", "Forget").await);
    app.find("#store-message", "Forgot the keep of team/broken:2.0")
        .await;
    app.find("#store-no-pending-keeps", "Every keep finished")
        .await;
    assert_eq!(
        storage
            .get_item("ociscope.pending-keeps")
            .unwrap()
            .as_deref(),
        Some("[]")
    );
    app.find(".store-image", "team/broken:1.0").await;
    OpfsStore::destroy(STORE_FOLDER).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_keep_whose_content_another_writer_holds_says_so_and_works_once_it_is_let_go() {
    OpfsStore::destroy(STORE_FOLDER).await.unwrap();
    let src = MemoryRegistry::new();
    let layer: Vec<u8> = (0..100_000u32).map(|i| (i % 239) as u8).collect();
    image(
        &src,
        "team/held",
        &["1.0"],
        &layer,
        &BTreeMap::new(),
        &serde_json::json!({}),
    )
    .await;
    registry::install("mem:store-held", Registry::memory(src));
    // Another writer (as another tab would) has the layer's ingest open.
    let store = OpfsStore::open(STORE_FOLDER).await.unwrap();
    let digest = Digest::sha256_of(&layer);
    let held = store
        .writer(&WriterOptions::new(ociscope_tools::images::fetch_ref(
            &digest,
        )))
        .await
        .unwrap();
    let app = Mounted::at("?tool=download&registry=mem:store-held&repo=team/held&ref=1.0");
    click(&app.find("#keep-start", "Keep in this browser").await);
    app.find(
        "#download-error",
        "Another tab or window of this site is writing",
    )
    .await;
    drop(held);
    click(&app.find("#keep-start", "Keep in this browser").await);
    app.find("#keep-done", "Kept team/held:1.0").await;
    OpfsStore::destroy(STORE_FOLDER).await.unwrap();
}
