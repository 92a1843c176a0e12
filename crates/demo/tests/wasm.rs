//! The demo in a browser: populate a MemoryRegistry in wasm32 and read the index and counts back.
#![cfg(target_arch = "wasm32")]

use ociscope_core::spec::{
    collect_all, collect_referrers, BlobReader, ManifestRef, RepoName, Spec, Tag,
};
use ociscope_core::{Digest, MemoryRegistry};
use ociscope_demo::{platforms, populate, DemoOptions, HELLO_REPO, SBOM_TYPE, VERSIONS_REPO};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn populate_in_the_browser() {
    let reg = MemoryRegistry::new();
    let options = DemoOptions {
        repositories: 12,
        tags: 20,
    };
    let summary = populate(&reg, &options).await.unwrap();
    let hello = RepoName::new(HELLO_REPO).unwrap();
    let index = reg
        .get_manifest(&hello, &ManifestRef::Tag(Tag::new("latest").unwrap()))
        .await
        .unwrap()
        .parse()
        .unwrap();
    let got: Vec<_> = index
        .platforms()
        .into_iter()
        .map(|p| p.cloned().unwrap())
        .collect();
    assert_eq!(got, platforms());
    let image = reg
        .get_manifest(&hello, &summary.signed.digest.clone().into())
        .await
        .unwrap()
        .parse()
        .unwrap();
    let config = reg
        .get_blob(&hello, &image.config().unwrap().digest)
        .await
        .unwrap()
        .read_to_end(1 << 20)
        .await
        .unwrap();
    let config: serde_json::Value = serde_json::from_slice(&config).unwrap();
    let layer = reg
        .get_blob(&hello, &image.layers()[0].digest)
        .await
        .unwrap()
        .read_to_end(1 << 20)
        .await
        .unwrap();
    let mut tar = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&layer[..]), &mut tar).unwrap();
    assert_eq!(
        config["rootfs"]["diff_ids"][0],
        Digest::sha256_of(&tar).to_string()
    );
    let sbom = collect_referrers(&reg, &hello, &summary.signed.digest, Some(SBOM_TYPE), None)
        .await
        .unwrap();
    assert_eq!(sbom.len(), 1);
    assert_eq!(collect_all(&reg, None, 5, None).await.unwrap().len(), 16);
    assert_eq!(
        collect_all(&reg, Some(&RepoName::new(VERSIONS_REPO).unwrap()), 5, None)
            .await
            .unwrap()
            .len(),
        21
    );
}
