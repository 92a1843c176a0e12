//! The download page in headless Chromium, on an in-page registry: the image is written as a
//! tarball into the Origin Private File System and offered as a link; the file read back is an
//! OCI layout tar holding the image with the registry's digest and its name.
#![cfg(target_arch = "wasm32")]

use std::collections::BTreeMap;

use bytes::Bytes;
use ociscope_core::memory::MemoryRegistry;
use ociscope_core::spec::ManifestRef;
use ociscope_opfs::OpfsStore;
use ociscope_tools::tarball::{ArchiveFormat, TarStore};
use ociscope_web::registry::{self, Registry};
use ociscope_web::views::download::{file_name, DOWNLOAD_FOLDER};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

mod common;
use common::{click, image, repo, tag, Mounted};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn downloads_an_image_as_a_tarball_written_to_opfs() {
    let reg = MemoryRegistry::new();
    let layer: Vec<u8> = (0..150_000u32).map(|i| (i % 239) as u8).collect();
    let manifest = image(
        &reg,
        "team/app",
        &["1.0"],
        &layer,
        &BTreeMap::new(),
        &serde_json::json!({}),
    )
    .await;
    registry::install("mem:download", Registry::memory(reg));
    let app = Mounted::at("?tool=download&registry=mem:download&repo=team/app&ref=1.0");
    click(&app.find("#download-start", "Write the tarball").await);
    let a = app.find("#download-link", "Download").await;
    let href = a.get_attribute("href").unwrap_or_default();
    assert!(href.starts_with("blob:"), "{href}");

    let name = file_name(&repo("team/app"), &ManifestRef::Tag(tag("1.0")));
    let store = OpfsStore::open(DOWNLOAD_FOLDER).await.unwrap();
    let handle: web_sys::FileSystemFileHandle =
        JsFuture::from(store.folder().get_file_handle(&name))
            .await
            .unwrap()
            .unchecked_into();
    let file: web_sys::File = JsFuture::from(handle.get_file())
        .await
        .unwrap()
        .unchecked_into();
    let buf = JsFuture::from(file.array_buffer()).await.unwrap();
    let bytes = Bytes::from(js_sys::Uint8Array::new(&buf).to_vec());
    let archive = TarStore::open(bytes).await.unwrap();
    assert_eq!(archive.format(), ArchiveFormat::OciLayout);
    assert_eq!(archive.images().len(), 1);
    assert_eq!(archive.images()[0].descriptor.digest, manifest.digest);
    assert!(
        archive.images()[0].names[0].ends_with("team/app:1.0"),
        "{:?}",
        archive.images()[0].names
    );
}
