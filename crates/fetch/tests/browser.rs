//! The Fetch transport in headless Chromium against live registries: CNCF distribution (the
//! whole spec suite, a 64 MiB chunked upload, resume, mount, deletes, 2,500 repositories and
//! tags, referrers through the fallback tag, images skopeo pushed and will pull), distribution
//! behind htpasswd (the preflight 401 explained), ociscope-server (bearer and basic auth, the
//! referrers API, injected faults), a server without CORS headers, a closed port, an abort.
//!
//! Run through `bash tests/fetch.sh`, which starts the registries and passes their addresses at
//! compile time (`OCISCOPE_FETCH_*`); without them every test fails saying so.
#![cfg(target_arch = "wasm32")]

mod common;

use bytes::Bytes;
use common::*;
use ociscope_core::client::Options;
use ociscope_core::descriptor::Descriptor;
use ociscope_core::manifest::Manifest;
use ociscope_core::media_type;
use ociscope_core::spec::{
    collect_referrers, BlobReader, BlobWriter, ErrorKind, ManifestRef, RepoName, Spec, Tag,
};
use ociscope_core::Digest;
use ociscope_demo::tar::Entry;
use ociscope_demo::Layer;
use ociscope_fetch::{FetchTransport, ALLOW_HEADERS, EXPOSE_HEADERS};
use ociscope_spec_suite::{fixtures, Ctx};
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

/// A repository name the test knows is valid.
fn n(name: &str) -> ociscope_core::spec::RepoName {
    ociscope_core::spec::RepoName::new(name).unwrap()
}

wasm_bindgen_test_configure!(run_in_browser);

fn distribution() -> &'static str {
    required!("OCISCOPE_FETCH_DISTRIBUTION")
}

#[wasm_bindgen_test]
async fn spec_suite_against_distribution() {
    suite_against_distribution(distribution(), Options::default(), "chromium, distribution").await;
}

#[wasm_bindgen_test]
async fn chunked_upload_of_64_mib() {
    let spec = ociscope_fetch::connect(distribution(), Options::default()).unwrap();
    let repo = format!("{}/big", unique("upload"));
    big_upload(&spec, &repo, 64, 4 << 20, "chromium, distribution").await;
}

#[wasm_bindgen_test]
async fn resume_with_a_new_writer_after_the_first_was_dropped() {
    let repo = format!("{}/resume", unique("resume"));
    let data = piece(3, 0, 300_000);
    let digest = Digest::sha256_of(&data);
    let (id, offset) = {
        let spec = ociscope_fetch::connect(distribution(), Options::default()).unwrap();
        let mut w = spec.start_upload(&n(&repo), Some(65_536)).await.unwrap();
        // Two whole chunks go out (a full chunk is held back until more follows), one byte
        // stays in the writer, which is dropped without close or commit.
        w.write(&data[..131_073]).await.unwrap();
        assert_eq!(w.size(), 131_073);
        (w.id().to_string(), 131_072)
    };
    assert_eq!(offset, 131_072);
    let spec = ociscope_fetch::connect(distribution(), Options::default()).unwrap();
    let e = spec
        .resume_upload(
            &n(&repo),
            &id,
            ociscope_core::spec::ResumeAt::Offset(1_000),
            None,
        )
        .await
        .err()
        .expect("a wrong offset is refused");
    assert!(e.to_string().contains("holds 131072 bytes"), "{e}");
    let mut w = spec
        .resume_upload(
            &n(&repo),
            &id,
            ociscope_core::spec::ResumeAt::Offset(offset),
            Some(50_000),
        )
        .await
        .unwrap();
    assert_eq!(w.size(), offset);
    w.write(&data[offset as usize..]).await.unwrap();
    let d = w.commit(&digest).await.unwrap();
    assert_eq!((d.digest, d.size), (digest.clone(), data.len() as u64));
    let mut r = spec.get_blob(&n(&repo), &digest).await.unwrap();
    assert_eq!(r.read_to_end(1 << 20).await.unwrap(), data);
}

#[wasm_bindgen_test]
async fn mount_across_repositories_and_deletes() {
    let spec = ociscope_fetch::connect(distribution(), Options::default()).unwrap();
    let prefix = unique("mount");
    let (from, to) = (format!("{prefix}/from"), format!("{prefix}/to"));
    let image = small_image(&spec, &from, "mount", &["v1"]).await;
    assert!(spec
        .mount_blob(&n(&from), &n(&to), &image.layer.digest)
        .await
        .unwrap()
        .is_mounted());
    assert!(spec
        .mount_blob(&n(&from), &n(&to), &image.config.digest)
        .await
        .unwrap()
        .is_mounted());
    assert_eq!(
        spec.stat_blob(&n(&to), &image.layer.digest)
            .await
            .unwrap()
            .size,
        image.layer.size
    );
    let pushed = spec
        .push_manifest(
            &n(&to),
            media_type::OCI_MANIFEST,
            image.bytes.clone(),
            &Tag::all(["copied"]).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(pushed.digest, image.manifest.digest);
    read_image(&spec, &to, "copied", &image).await;
    // Deletes: the manifest (by digest) and the blobs, then all are gone.
    spec.delete_manifest(&n(&to), &image.manifest.digest)
        .await
        .unwrap();
    let e = spec
        .stat_manifest(&n(&to), &ManifestRef::Digest(image.manifest.digest.clone()))
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
    for d in [&image.layer, &image.config] {
        spec.delete_blob(&n(&to), &d.digest).await.unwrap();
        assert!(spec
            .stat_blob(&n(&to), &d.digest)
            .await
            .unwrap_err()
            .is_not_found());
    }
    // The source repository still has everything.
    read_image(&spec, &from, "v1", &image).await;
}

#[wasm_bindgen_test]
async fn lists_2500_repositories_and_2500_tags() {
    let spec = ociscope_fetch::connect(distribution(), Options::default()).unwrap();
    many_repositories_and_tags(
        &spec,
        &unique("many"),
        2_500,
        2_500,
        "chromium, distribution",
    )
    .await;
}

#[wasm_bindgen_test]
async fn referrers_through_the_fallback_tag() {
    let spec = ociscope_fetch::connect(distribution(), Options::default()).unwrap();
    let ctx = Ctx::new(unique("referrers"));
    let repo = ctx.repo("subject").unwrap();
    let image = small_image(&spec, &repo, "subject", &["v1"]).await;
    let sbom = fixtures::push_referrer(
        &spec,
        &ctx,
        &repo,
        &image.manifest,
        "application/spdx+json",
        "sbom",
    )
    .await
    .unwrap();
    let sig = fixtures::push_referrer(
        &spec,
        &ctx,
        &repo,
        &image.manifest,
        "application/vnd.test.sig",
        "sig",
    )
    .await
    .unwrap();
    let all = collect_referrers(&spec, &repo, &image.manifest.digest, None, None)
        .await
        .unwrap();
    assert_eq!(spec.has_referrers_api(), Some(false));
    let mut got: Vec<&Digest> = all.iter().map(|d| &d.digest).collect();
    got.sort_by_key(|d| d.as_str().to_string());
    let mut want = vec![&sbom.digest, &sig.digest];
    want.sort_by_key(|d| d.as_str().to_string());
    assert_eq!(got, want);
    let only = collect_referrers(
        &spec,
        &repo,
        &image.manifest.digest,
        Some("application/spdx+json"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].digest, sbom.digest);
    // The fallback index is a tag anyone can read.
    let tag = Tag::new(image.manifest.digest.referrers_tag()).unwrap();
    let index = spec
        .get_manifest(&repo, &ManifestRef::Tag(tag.clone()))
        .await
        .unwrap();
    assert_eq!(index.descriptor.media_type, media_type::OCI_INDEX);
    console_log!("chromium, distribution: 2 referrers found through the fallback tag {tag}");
}

/// Reads the image skopeo copied in (`OCISCOPE_FETCH_SKOPEO_IN` = `repo:tag@digest`): the
/// manifest (through an index if there is one), the config and every layer, all verified.
#[wasm_bindgen_test]
async fn reads_an_image_skopeo_pushed() {
    let reference = required!("OCISCOPE_FETCH_SKOPEO_IN");
    let (name, digest) = reference.split_once('@').unwrap();
    let (repo, tag) = name.split_once(':').unwrap();
    let want = Digest::parse(digest).unwrap();
    let spec = ociscope_fetch::connect(distribution(), Options::default()).unwrap();
    let top = spec
        .get_manifest(&n(repo), &ManifestRef::Tag(Tag::new(tag).unwrap()))
        .await
        .unwrap();
    assert_eq!(top.descriptor.digest, want, "the digest skopeo reported");
    let mut manifest = top.parse().unwrap();
    if !manifest.manifests().is_empty() {
        let child = manifest.manifests()[0].clone();
        let m = spec
            .get_manifest(&n(repo), &ManifestRef::Digest(child.digest.clone()))
            .await
            .unwrap();
        manifest = m.parse().unwrap();
    }
    let config = manifest.config().expect("an image manifest").clone();
    let mut bytes = 0;
    let mut blobs = vec![config.clone()];
    blobs.extend(manifest.layers().iter().cloned());
    for d in &blobs {
        let mut r = spec.get_blob(&n(repo), &d.digest).await.unwrap();
        let content = r.read_to_end(64 << 20).await.unwrap();
        assert_eq!(content.len() as u64, d.size);
        bytes += content.len();
    }
    let config_json: serde_json::Value = serde_json::from_slice(
        &spec
            .get_blob(&n(repo), &config.digest)
            .await
            .unwrap()
            .read_to_end(1 << 20)
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(config_json["os"], "linux");
    let layer = spec
        .get_blob(&n(repo), &manifest.layers()[0].digest)
        .await
        .unwrap()
        .read_to_end(64 << 20)
        .await
        .unwrap();
    assert_eq!(&layer[..2], &[0x1f, 0x8b], "a gzip layer");
    console_log!(
        "chromium: read {repo}:{tag} as skopeo pushed it: {} layers, {bytes} bytes, all verified",
        manifest.layers().len()
    );
}

/// Pushes an image that `tests/fetch.sh` then copies out with skopeo and checks
/// (`OCISCOPE_FETCH_SKOPEO_OUT` = `repo:tag`); prints the digest it must find.
#[wasm_bindgen_test]
async fn pushes_an_image_for_skopeo() {
    let reference = required!("OCISCOPE_FETCH_SKOPEO_OUT");
    let (repo, tag) = reference.split_once(':').unwrap();
    let spec = ociscope_fetch::connect(distribution(), Options::default()).unwrap();
    // A real gzipped tar layer, so skopeo keeps it as it is (it would compress a plain tar,
    // which changes the manifest's digest).
    let entries = [
        Entry::file("etc/motd", "pushed by ociscope-fetch from chromium\n"),
        Entry::file("srv/data.bin", piece(11, 0, 200_000)),
    ];
    let layer = Layer::new(&entries, 1_700_000_000, media_type::OCI_LAYER_TAR_GZIP).unwrap();
    let config = Bytes::from(
        serde_json::to_vec(&serde_json::json!({
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [layer.diff_id.as_str()]},
            "config": {"Labels": {"pushed-by": "ociscope-fetch in chromium"}},
        }))
        .unwrap(),
    );
    let config = fixtures::push_blob(&spec, &n(repo), media_type::OCI_CONFIG, config)
        .await
        .unwrap();
    spec.push_blob(&n(repo), &layer.descriptor, layer.blob.clone())
        .await
        .unwrap();
    let layer = layer.descriptor;
    let manifest = fixtures::image_manifest(&config, std::slice::from_ref(&layer), None, None);
    let d = spec
        .push_manifest(
            &n(repo),
            media_type::OCI_MANIFEST,
            manifest.clone(),
            &[Tag::new(tag).unwrap()],
        )
        .await
        .unwrap();
    assert_eq!(
        d.digest,
        Manifest::parse(&manifest, None).unwrap().digest().clone()
    );
    // tests/fetch.sh reads this line.
    console_log!("skopeo-out: {repo}:{tag}@{}", d.digest);
}

#[wasm_bindgen_test]
async fn htpasswd_distribution_preflight_401_is_explained() {
    let address = required!("OCISCOPE_FETCH_HTPASSWD");
    let page = required!("OCISCOPE_FETCH_PAGE_ORIGIN");
    let spec = ociscope_fetch::connect(address, credentials()).unwrap();
    // The anonymous GET /v2/ needs no preflight and reads the 401 challenge; the retry with
    // Authorization needs a preflight, which distribution answers 401: the browser refuses.
    let e = spec.ping().await.unwrap_err();
    console_log!("chromium, htpasswd distribution: {e}");
    assert_eq!(e.kind(), Some(ErrorKind::Cors), "{e:?}");
    let m = e.to_string();
    for needed in [
        format!("Access-Control-Allow-Origin: {page}"),
        format!("Access-Control-Allow-Headers: {ALLOW_HEADERS}"),
        format!("Access-Control-Expose-Headers: {EXPOSE_HEADERS}"),
        "answers the preflight `OPTIONS` with 401".to_string(),
        "it answers, but not with the CORS headers".to_string(),
    ] {
        assert!(m.contains(&needed), "{needed:?} missing from: {m}");
    }
}

#[wasm_bindgen_test]
async fn a_registry_without_cors_headers_is_explained() {
    let address = required!("OCISCOPE_FETCH_NO_CORS");
    let page = required!("OCISCOPE_FETCH_PAGE_ORIGIN");
    let spec = ociscope_fetch::connect(address, Options::default()).unwrap();
    let started = now_ms();
    let e = spec.ping().await.unwrap_err();
    console_log!("chromium, server without CORS: {e}");
    assert_eq!(e.kind(), Some(ErrorKind::Cors), "{e:?}");
    let m = e.to_string();
    assert!(
        m.contains(&format!("Access-Control-Allow-Origin: {page}")),
        "{m}"
    );
    assert!(
        m.contains(ALLOW_HEADERS) && m.contains(EXPOSE_HEADERS),
        "{m}"
    );
    assert!(m.contains(address.trim_end_matches('/')), "{m}");
    assert!(now_ms() - started < 5_000.0, "not retried with back-off");
}

#[wasm_bindgen_test]
async fn a_closed_port_is_a_network_error_not_cors() {
    let address = required!("OCISCOPE_FETCH_CLOSED");
    let spec = ociscope_fetch::connect(address, Options::default()).unwrap();
    let e = spec.ping().await.unwrap_err();
    console_log!("chromium, closed port: {e}");
    assert_eq!(e.kind(), Some(ErrorKind::Network), "{e:?}");
}

#[wasm_bindgen_test]
async fn an_abort_signal_stops_requests() {
    let controller = web_sys::AbortController::new().unwrap();
    let transport = FetchTransport::with_abort_signal(controller.signal());
    let spec = ociscope_fetch::connect_with(transport, distribution(), Options::default()).unwrap();
    spec.ping().await.unwrap();
    // Abort while a body is being read.
    let repo = format!("{}/abort", unique("abort"));
    let data = Bytes::from(piece(5, 0, 4 << 20));
    let d = Descriptor::new(
        media_type::OCI_LAYER_TAR,
        Digest::sha256_of(&data),
        data.len() as u64,
    );
    spec.push_blob(&n(&repo), &d, data).await.unwrap();
    let mut r = spec.get_blob(&n(&repo), &d.digest).await.unwrap();
    r.next_chunk().await.unwrap();
    controller.abort();
    let mut outcome = Ok(None);
    for _ in 0..10_000 {
        outcome = r.next_chunk().await;
        if !matches!(outcome, Ok(Some(_))) {
            break;
        }
    }
    let e = outcome.expect_err("an aborted read is an error");
    assert_eq!(e.kind(), Some(ErrorKind::Aborted), "{e:?}");
    let e = spec.ping().await.unwrap_err();
    assert_eq!(e.kind(), Some(ErrorKind::Aborted), "{e:?}");
}

#[wasm_bindgen_test]
async fn ociscope_server_behind_bearer_tokens() {
    suite_against_server(
        required!("OCISCOPE_FETCH_BEARER"),
        credentials(),
        "chromium, ociscope-server bearer",
    )
    .await;
}

#[wasm_bindgen_test]
async fn ociscope_server_behind_basic_auth() {
    let spec = ociscope_fetch::connect(required!("OCISCOPE_FETCH_BASIC"), credentials()).unwrap();
    round_trip(&spec, "chromium, ociscope-server basic auth").await;
    let anonymous =
        ociscope_fetch::connect(required!("OCISCOPE_FETCH_BASIC"), Options::default()).unwrap();
    let e = anonymous.ping().await.unwrap_err();
    assert_eq!(e.status(), Some(401), "{e:?}");
}

#[wasm_bindgen_test]
async fn ociscope_server_referrers_api() {
    suite_against_server(
        required!("OCISCOPE_FETCH_SERVER"),
        Options::default(),
        "chromium, ociscope-server",
    )
    .await;
}

#[wasm_bindgen_test]
async fn ociscope_server_with_faults() {
    faults(
        required!("OCISCOPE_FETCH_FAULTS"),
        "chromium, ociscope-server faults",
    )
    .await;
}

#[wasm_bindgen_test]
async fn a_registry_under_a_path_prefix() {
    let spec =
        ociscope_fetch::connect(required!("OCISCOPE_FETCH_PREFIXED"), Options::default()).unwrap();
    assert!(
        spec.registry().base().ends_with("/mirror/v2/"),
        "{}",
        spec.registry().base()
    );
    round_trip(&spec, "chromium, distribution under /mirror").await;
}

/// Copies the demo's 5-platform index with its referrers from ociscope-server (referrers API) to
/// CNCF distribution (the tag-schema fallback) through Fetch, with ociscope-tools' copy_image;
/// prints the time and, for tests/fetch.sh, the copy (`copy-out: repo:tag@digest`), which skopeo
/// then reads and copies out; the registries are cross-origin, as people deploy them.
#[wasm_bindgen_test]
async fn copies_the_demo_index_with_referrers_between_registries() {
    use ociscope_demo::{populate, DemoOptions, HELLO_REPO};
    use ociscope_tools::copy::{copy_image, CopyOptions};
    let source =
        ociscope_fetch::connect(required!("OCISCOPE_FETCH_SERVER"), Options::default()).unwrap();
    let demo = DemoOptions {
        repositories: 0,
        tags: 0,
    };
    let summary = populate(&source, &demo).await.unwrap();
    let dst = ociscope_fetch::connect(distribution(), Options::default()).unwrap();
    let from = RepoName::new(HELLO_REPO).unwrap();
    let to = RepoName::new(format!("{}/hello", unique("copy"))).unwrap();
    let latest = Tag::new("latest").unwrap();
    let options = CopyOptions {
        referrers: true,
        tags: vec![latest.clone()],
        ..CopyOptions::default()
    };
    let started = now_ms();
    let report = copy_image(
        &source,
        &from,
        &ManifestRef::Tag(latest.clone()),
        &dst,
        &to,
        &options,
        &|_| {},
    )
    .await
    .unwrap();
    let seconds = (now_ms() - started) / 1000.0;
    assert_eq!(report.roots[0].digest, summary.index.digest);
    let copied = dst
        .stat_manifest(&to, &ManifestRef::Tag(latest))
        .await
        .unwrap();
    assert_eq!(
        copied.digest, summary.index.digest,
        "the index is byte-exact"
    );
    let signed = &summary.signed.digest;
    let want: Vec<_> = collect_referrers(&source, &from, signed, None, None)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.digest)
        .collect();
    let got: Vec<_> = collect_referrers(&dst, &to, signed, None, None)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.digest)
        .collect();
    assert!(!want.is_empty(), "the demo's signed image has referrers");
    assert_eq!(
        got.iter().collect::<std::collections::BTreeSet<_>>(),
        want.iter().collect::<std::collections::BTreeSet<_>>(),
        "referrers follow the image"
    );
    console_log!(
        "chromium copy: ociscope-server -> distribution, demo index with referrers: {} items, \
         {} bytes in {seconds:.2} s",
        report.copied,
        report.bytes_copied
    );
    console_log!("copy-out: {to}:latest@{}", summary.index.digest);
    // And back: from distribution (referrers through its fallback tags) into another
    // repository of ociscope-server (referrers through the API), byte-exact again.
    let back = RepoName::new(format!("{}/hello", unique("copied-back"))).unwrap();
    let report = copy_image(
        &dst,
        &to,
        &ManifestRef::Tag(Tag::new("latest").unwrap()),
        &source,
        &back,
        &options,
        &|_| {},
    )
    .await
    .unwrap();
    assert_eq!(report.roots[0].digest, summary.index.digest);
    let returned: Vec<_> = collect_referrers(&source, &back, signed, None, None)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.digest)
        .collect();
    assert_eq!(
        returned.iter().collect::<std::collections::BTreeSet<_>>(),
        want.iter().collect::<std::collections::BTreeSet<_>>(),
        "referrers come back through the fallback tags"
    );
    console_log!(
        "chromium copy: distribution -> ociscope-server, back into {back}: {} items",
        report.copied
    );
}

#[wasm_bindgen_test]
async fn ociscope_server_with_upload_quirks() {
    quirks(
        required!("OCISCOPE_FETCH_QUIRKS"),
        "chromium, ociscope-server upload quirks",
    )
    .await;
}
