//! The push-a-tarball page in headless Chromium, on in-page registries: a tarball written by
//! `write_archive` is picked, its image listed with name and platform, pushed and tagged with
//! the source's digests, with the base layer already at the destination skipped; a file that
//! is not a tarball is refused with an explanation.
#![cfg(target_arch = "wasm32")]

use std::collections::BTreeMap;

use ociscope_core::memory::MemoryRegistry;
use ociscope_core::spec::{ManifestRef, Spec};
use ociscope_tools::copy::CopyOptions;
use ociscope_tools::tarball::{write_archive, ArchiveImage};
use ociscope_web::registry::{self, Registry};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

mod common;
use common::{click, image, repo, tag, type_into, Mounted};

wasm_bindgen_test_configure!(run_in_browser);

/// Puts a file into the tarball input and tells the page it changed.
async fn choose_tarball(app: &Mounted, name: &str, content: &[u8]) {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(content));
    let file = web_sys::File::new_with_u8_array_sequence(&parts, name).unwrap();
    let input: web_sys::HtmlInputElement = app.find("#tarball-file", "").await.unchecked_into();
    let transfer = web_sys::DataTransfer::new().unwrap();
    transfer.items().add_with_file(&file).unwrap();
    input.set_files(transfer.files().as_ref());
    input
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
}

#[wasm_bindgen_test]
async fn pushes_an_image_from_a_tarball_and_tags_it() {
    let src = MemoryRegistry::new();
    let layer: Vec<u8> = (0..200_000u32).map(|i| (i % 247) as u8).collect();
    let manifest = image(
        &src,
        "team/app",
        &["1.0"],
        &layer,
        &BTreeMap::new(),
        &serde_json::json!({}),
    )
    .await;
    let mut tar: Vec<u8> = Vec::new();
    let images = [ArchiveImage {
        descriptor: manifest.clone(),
        names: vec!["registry.example/team/app:1.0".into()],
    }];
    write_archive(
        &src,
        &repo("team/app"),
        &images,
        &CopyOptions::default(),
        &mut tar,
    )
    .await
    .unwrap();

    let dst = MemoryRegistry::new();
    // The destination has the layer already: the push skips it.
    let m = src
        .get_manifest(
            &repo("team/app"),
            &ManifestRef::Digest(manifest.digest.clone()),
        )
        .await
        .unwrap();
    let parsed = m.parse().unwrap();
    let layer_d = parsed.layers()[0].clone();
    dst.push_blob(
        &repo("mirror/app"),
        &layer_d,
        bytes::Bytes::from(layer.clone()),
    )
    .await
    .unwrap();
    registry::install("mem:tarball", Registry::memory(dst.clone()));

    let app = Mounted::at("?tool=push-tarball&registry=mem:tarball&repo=mirror/app");
    choose_tarball(&app, "app.tar", &tar).await;
    let listed = app
        .find("#tarball-images li", "registry.example/team/app:1.0")
        .await;
    assert!(listed
        .text_content()
        .unwrap()
        .contains(manifest.digest.as_str()));
    assert_eq!(
        app.find("#tarball-tag", "")
            .await
            .unchecked_into::<web_sys::HtmlInputElement>()
            .value(),
        "1.0",
        "the tag comes from the image's name"
    );
    type_into(&app.find("#tarball-tag", "").await, "from-tar");
    click(&app.find("#tarball-push", "Push").await);
    let done = app.find("#tarball-done", "Pushed").await;
    let text = done.text_content().unwrap();
    assert!(text.contains("1 already there"), "{text}");
    let got = dst
        .stat_manifest(&repo("mirror/app"), &ManifestRef::Tag(tag("from-tar")))
        .await
        .unwrap();
    assert_eq!(got.digest, manifest.digest);
}

#[wasm_bindgen_test]
async fn a_file_that_is_not_a_tarball_is_explained() {
    registry::install("mem:tarball-bad", Registry::memory(MemoryRegistry::new()));
    let app = Mounted::at("?tool=push-tarball&registry=mem:tarball-bad");
    choose_tarball(&app, "notes.txt", b"just some notes, not a tar").await;
    app.find("#tarball-error", "not a tarball ociscope can read")
        .await;
    assert!(app.all("#tarball-images li").is_empty());
}

#[wasm_bindgen_test]
async fn a_dropped_file_is_read_as_a_picked_one() {
    registry::install("mem:tarball-drop", Registry::memory(MemoryRegistry::new()));
    let app = Mounted::at("?tool=push-tarball&registry=mem:tarball-drop");
    let section = app.find("#tarball-drop", "").await;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(&b"dropped, not a tar"[..]));
    let file = web_sys::File::new_with_u8_array_sequence(&parts, "dropped.txt").unwrap();
    let transfer = web_sys::DataTransfer::new().unwrap();
    transfer.items().add_with_file(&file).unwrap();
    let init = js_sys::Object::new();
    js_sys::Reflect::set(&init, &"dataTransfer".into(), &transfer).unwrap();
    js_sys::Reflect::set(&init, &"bubbles".into(), &true.into()).unwrap();
    js_sys::Reflect::set(&init, &"cancelable".into(), &true.into()).unwrap();
    let class: js_sys::Function = js_sys::Reflect::get(&js_sys::global(), &"DragEvent".into())
        .unwrap()
        .unchecked_into();
    let event: web_sys::Event =
        js_sys::Reflect::construct(&class, &js_sys::Array::of2(&"drop".into(), &init))
            .unwrap()
            .unchecked_into();
    section.dispatch_event(&event).unwrap();
    assert!(event.default_prevented(), "the page takes the drop");
    app.find("#tarball-progress, #tarball-error", "").await;
    app.find("#tarball-error", "not a tarball ociscope can read")
        .await;
}
