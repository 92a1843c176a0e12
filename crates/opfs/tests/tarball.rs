//! In headless Chromium: an image written by `write_archive` streams into an OPFS file, and
//! that `File` read in place as a tarball is pushed to another registry with the same digests.
#![cfg(target_arch = "wasm32")]

use bytes::Bytes;
use ociscope_core::memory::MemoryRegistry;
use ociscope_core::spec::{BlobReader, ManifestRef, RepoName, Spec, Tag};
use ociscope_core::{media_type, Descriptor, Digest};
use ociscope_opfs::tarball::{BlobSource, OpfsFileSink};
use ociscope_opfs::OpfsStore;
use ociscope_tools::copy::CopyOptions;
use ociscope_tools::tarball::{push_archive_image, write_archive, ArchiveImage, TarStore};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn push(reg: &MemoryRegistry, repo: &RepoName, mt: &str, body: Vec<u8>) -> Descriptor {
    let d = Descriptor::new(mt, Digest::sha256_of(&body), body.len() as u64);
    reg.push_blob(repo, &d, Bytes::from(body)).await.unwrap();
    d
}

#[wasm_bindgen_test]
async fn a_tarball_through_an_opfs_file() {
    let reg = MemoryRegistry::new();
    let repo = RepoName::new("src/app").unwrap();
    let layer: Vec<u8> = (0..3_000_000u32).map(|i| (i % 241) as u8).collect();
    let layer = push(&reg, &repo, media_type::OCI_LAYER_TAR_GZIP, layer).await;
    let config =
        br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#
            .to_vec();
    let config = push(&reg, &repo, media_type::OCI_CONFIG, config).await;
    let manifest = serde_json::json!({
        "schemaVersion": 2, "mediaType": media_type::OCI_MANIFEST, "config": config, "layers": [layer],
    });
    let manifest = reg
        .push_manifest(
            &repo,
            media_type::OCI_MANIFEST,
            Bytes::from(manifest.to_string()),
            &[Tag::new("1.0").unwrap()],
        )
        .await
        .unwrap();

    let name = format!("ociscope-tar-{}", js_sys::Date::now() as u64);
    let _store = OpfsStore::open(&name).await.unwrap();
    let global = js_sys::global();
    let navigator = js_sys::Reflect::get(&global, &"navigator".into()).unwrap();
    let storage: web_sys::StorageManager = js_sys::Reflect::get(&navigator, &"storage".into())
        .unwrap()
        .unchecked_into();
    let top: web_sys::FileSystemDirectoryHandle =
        wasm_bindgen_futures::JsFuture::from(storage.get_directory())
            .await
            .unwrap()
            .unchecked_into();
    let folder: web_sys::FileSystemDirectoryHandle =
        wasm_bindgen_futures::JsFuture::from(top.get_directory_handle(&name))
            .await
            .unwrap()
            .unchecked_into();
    let mut sink = OpfsFileSink::create(&folder, "image.tar").await.unwrap();
    let images = [ArchiveImage {
        descriptor: manifest.clone(),
        names: vec!["example.test/src/app:1.0".into()],
    }];
    let report = write_archive(&reg, &repo, &images, &CopyOptions::default(), &mut sink)
        .await
        .unwrap();
    let file = sink.finish().await.unwrap();
    assert_eq!(file.size() as u64, report.tar_bytes);

    let archive = TarStore::open(BlobSource::new(file.into())).await.unwrap();
    assert_eq!(archive.images().len(), 1);
    assert_eq!(archive.images()[0].descriptor.digest, manifest.digest);
    let dst = MemoryRegistry::new();
    let out = RepoName::new("from/browser").unwrap();
    let options = CopyOptions {
        tags: vec![Tag::new("1.0").unwrap()],
        ..CopyOptions::default()
    };
    push_archive_image(
        &archive,
        &archive.images()[0],
        &dst,
        &out,
        &options,
        &|_| {},
    )
    .await
    .unwrap();
    let got = dst
        .stat_manifest(&out, &ManifestRef::Tag(Tag::new("1.0").unwrap()))
        .await
        .unwrap();
    assert_eq!(got.digest, manifest.digest);
    let mut r = dst.get_blob(&out, &layer.digest).await.unwrap();
    let bytes = r.read_to_end(u64::MAX).await.unwrap();
    assert_eq!(Digest::sha256_of(&bytes), layer.digest);
    OpfsStore::destroy(&name).await.unwrap();
}
