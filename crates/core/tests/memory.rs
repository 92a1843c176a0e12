//! The in-memory registry, driven through the `Spec` trait: blobs, manifests and what they must
//! reference, referrers, deletes, chunked uploads, mounts and pagination.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use ociscope_core::media_type;
use ociscope_core::memory::{MemoryOptions, MemoryRegistry};
use ociscope_core::spec::{
    collect_all, collect_referrers, BlobReader, BlobWriter, Error, ManifestRef, Mount, PageRequest,
    RepoName, ResumeAt, Spec, Tag,
};
use ociscope_core::{Descriptor, Digest, ErrorCode};
use serde_json::json;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Runs a future that never pends (every memory operation completes at once).
fn run<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("a memory registry future pended"),
    }
}

fn code_of(result: Result<impl std::fmt::Debug, Error>) -> ErrorCode {
    let e = result.expect_err("expected an error");
    match e {
        Error::Registry(r) => r.code().expect("a code"),
        other => panic!("expected a registry error, got {other:?}"),
    }
}

fn blob_desc(content: &[u8], media_type: &str) -> Descriptor {
    Descriptor::new(media_type, Digest::sha256_of(content), content.len() as u64)
}

async fn push_blob(reg: &MemoryRegistry, repo: &str, content: &[u8]) -> Descriptor {
    reg.push_blob(
        &n(repo),
        &blob_desc(content, "application/octet-stream"),
        Bytes::copy_from_slice(content),
    )
    .await
    .expect("push blob")
}

fn image_manifest(config: &Descriptor, layers: &[Descriptor]) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": media_type::OCI_MANIFEST,
        "config": config,
        "layers": layers,
    }))
    .unwrap()
}

/// Pushes a config and one layer, then an image manifest over them; returns its descriptor.
async fn push_image(reg: &MemoryRegistry, repo: &str, seed: &str, tags: &[&str]) -> Descriptor {
    let config_bytes =
        format!("{{\"architecture\":\"amd64\",\"os\":\"linux\",\"seed\":\"{seed}\"}}");
    let layer_bytes = format!("layer of {seed}");
    let mut config = push_blob(reg, repo, config_bytes.as_bytes()).await;
    config.media_type = media_type::OCI_CONFIG.into();
    let mut layer = push_blob(reg, repo, layer_bytes.as_bytes()).await;
    layer.media_type = media_type::OCI_LAYER_TAR_GZIP.into();
    let tags = self::tags(tags);
    reg.push_manifest(
        &n(repo),
        media_type::OCI_MANIFEST,
        image_manifest(&config, &[layer]).into(),
        &tags,
    )
    .await
    .expect("push image")
}

fn artifact(subject: Option<&Descriptor>, artifact_type: &str, layer: &Descriptor) -> Vec<u8> {
    let mut doc = json!({
        "schemaVersion": 2,
        "mediaType": media_type::OCI_MANIFEST,
        "artifactType": artifact_type,
        "config": Descriptor::empty(),
        "layers": [layer],
        "annotations": {"org.example.kind": artifact_type},
    });
    if let Some(s) = subject {
        doc["subject"] = serde_json::to_value(s).unwrap();
    }
    serde_json::to_vec(&doc).unwrap()
}

fn tag_ref(t: &str) -> ManifestRef {
    ManifestRef::Tag(Tag::new(t).unwrap())
}

/// A repository name the test knows is valid.
fn n(name: &str) -> RepoName {
    RepoName::new(name).unwrap()
}

/// Tags the test knows are valid.
fn tags(list: &[&str]) -> Vec<Tag> {
    Tag::all(list.iter().copied()).unwrap()
}

#[test]
fn blob_push_get_stat_range_delete() {
    run(async {
        let reg = MemoryRegistry::new();
        let content = b"0123456789abcdef";
        let d = push_blob(&reg, "team/app", content).await;
        assert_eq!(d.size, 16);
        let stat = reg.stat_blob(&n("team/app"), &d.digest).await.unwrap();
        assert_eq!((stat.digest.clone(), stat.size), (d.digest.clone(), 16));
        let mut reader = reg.get_blob(&n("team/app"), &d.digest).await.unwrap();
        assert_eq!(reader.read_to_end(1 << 20).await.unwrap(), &content[..]);

        let mut r = reg
            .get_blob_range(&n("team/app"), &d.digest, 4, Some(8))
            .await
            .unwrap();
        assert_eq!(r.read_to_end(100).await.unwrap(), &b"4567"[..]);
        assert_eq!(
            r.descriptor().size,
            16,
            "the reader describes the whole blob"
        );
        let mut r = reg
            .get_blob_range(&n("team/app"), &d.digest, 10, None)
            .await
            .unwrap();
        assert_eq!(r.read_to_end(100).await.unwrap(), &b"abcdef"[..]);
        let mut r = reg
            .get_blob_range(&n("team/app"), &d.digest, 10, Some(1000))
            .await
            .unwrap();
        assert_eq!(
            r.read_to_end(100).await.unwrap(),
            &b"abcdef"[..],
            "end cut to the size"
        );
        for (start, end) in [(16, None), (100, None), (5, Some(5)), (6, Some(2))] {
            let got = reg
                .get_blob_range(&n("team/app"), &d.digest, start, end)
                .await;
            assert_eq!(
                code_of(got.map(|_| ())),
                ErrorCode::RangeInvalid,
                "{start}..{end:?}"
            );
        }

        // Blobs are per repository.
        assert_eq!(
            code_of(reg.stat_blob(&n("other"), &d.digest).await),
            ErrorCode::BlobUnknown
        );
        reg.delete_blob(&n("team/app"), &d.digest).await.unwrap();
        assert_eq!(
            code_of(reg.stat_blob(&n("team/app"), &d.digest).await),
            ErrorCode::BlobUnknown
        );
        assert_eq!(
            code_of(reg.delete_blob(&n("team/app"), &d.digest).await),
            ErrorCode::BlobUnknown
        );
    })
}

#[test]
fn blob_push_mismatch_stores_nothing() {
    run(async {
        let reg = MemoryRegistry::new();
        let good = blob_desc(b"hello", "application/octet-stream");
        let mut wrong_size = good.clone();
        wrong_size.size = 4;
        let got = reg
            .push_blob(&n("a"), &wrong_size, Bytes::from_static(b"hello"))
            .await;
        assert_eq!(code_of(got), ErrorCode::SizeInvalid);
        let wrong_digest = blob_desc(b"hellO", "application/octet-stream");
        let got = reg
            .push_blob(&n("a"), &wrong_digest, Bytes::from_static(b"hello"))
            .await;
        assert_eq!(code_of(got), ErrorCode::DigestInvalid);
        assert_eq!(
            code_of(reg.stat_blob(&n("a"), &good.digest).await),
            ErrorCode::BlobUnknown
        );
        assert_eq!(
            code_of(reg.stat_blob(&n("a"), &wrong_digest.digest).await),
            ErrorCode::BlobUnknown
        );
        assert!(reg
            .list_repositories(&PageRequest::default())
            .await
            .unwrap()
            .items
            .is_empty());
        // sha512 works too.
        let d512 = Descriptor::new(
            "application/octet-stream",
            Digest::of(ociscope_core::Algorithm::Sha512, b"x"),
            1,
        );
        reg.push_blob(&n("a"), &d512, Bytes::from_static(b"x"))
            .await
            .unwrap();
        assert_eq!(reg.stat_blob(&n("a"), &d512.digest).await.unwrap().size, 1);
    })
}

#[test]
fn names_are_validated() {
    run(async {
        let reg = MemoryRegistry::new();
        let d = blob_desc(b"x", "application/octet-stream");
        for bad in ["", "UPPER", "a//b", "-a", "a/", "a:b", &"a".repeat(256)] {
            assert_eq!(
                code_of(RepoName::new(bad)),
                ErrorCode::NameInvalid,
                "{bad:?}"
            );
        }
        reg.push_blob(&n(&"a".repeat(255)), &d, Bytes::from_static(b"x"))
            .await
            .unwrap();
        reg.push_blob(&n("a.b/c_d/e__f/g--h"), &d, Bytes::from_static(b"x"))
            .await
            .unwrap();
    })
}

#[test]
fn manifest_push_get_by_tag_and_digest() {
    run(async {
        let reg = MemoryRegistry::new();
        let d = push_image(&reg, "app", "one", &["latest", "v1"]).await;
        assert_eq!(d.media_type, media_type::OCI_MANIFEST);
        for r in [
            tag_ref("latest"),
            tag_ref("v1"),
            ManifestRef::Digest(d.digest.clone()),
        ] {
            let stat = reg.stat_manifest(&n("app"), &r).await.unwrap();
            assert_eq!(
                stat,
                Descriptor::new(media_type::OCI_MANIFEST, d.digest.clone(), d.size)
            );
            let got = reg.get_manifest(&n("app"), &r).await.unwrap();
            assert_eq!(got.descriptor, stat);
            assert_eq!(
                Digest::sha256_of(&got.content),
                d.digest,
                "exact bytes kept"
            );
            let parsed = got.parse().unwrap();
            assert_eq!(parsed.layers().len(), 1);
        }
        let tags = reg
            .list_tags(&n("app"), &PageRequest::default())
            .await
            .unwrap();
        assert_eq!(tags.items, ["latest", "v1"]);
        assert_eq!(
            code_of(reg.stat_manifest(&n("app"), &tag_ref("nope")).await),
            ErrorCode::ManifestUnknown
        );
        assert_eq!(
            code_of(reg.get_manifest(&n("nope"), &tag_ref("latest")).await),
            ErrorCode::ManifestUnknown
        );
        // Moving a tag.
        let d2 = push_image(&reg, "app", "two", &["latest"]).await;
        assert_eq!(
            reg.stat_manifest(&n("app"), &tag_ref("latest"))
                .await
                .unwrap()
                .digest,
            d2.digest
        );
        assert_eq!(
            reg.stat_manifest(&n("app"), &tag_ref("v1"))
                .await
                .unwrap()
                .digest,
            d.digest
        );
    })
}

#[test]
fn manifest_refusals_store_nothing() {
    run(async {
        let reg = MemoryRegistry::new();
        let config = push_blob(&reg, "app", b"{}x").await;
        let layer = push_blob(&reg, "app", b"layer").await;
        let body = image_manifest(&config, std::slice::from_ref(&layer));
        let digest = Digest::sha256_of(&body);

        let bad_tag = Tag::all(["ok", "-bad"]);
        assert_eq!(code_of(bad_tag), ErrorCode::TagInvalid);
        let as_index = reg
            .push_manifest(&n("app"), media_type::OCI_INDEX, body.clone().into(), &[])
            .await;
        assert_eq!(code_of(as_index), ErrorCode::ManifestInvalid);
        let not_json = reg
            .push_manifest(
                &n("app"),
                media_type::OCI_MANIFEST,
                Bytes::from_static(b"{"),
                &[],
            )
            .await;
        assert_eq!(code_of(not_json), ErrorCode::ManifestInvalid);
        let missing = blob_desc(b"not pushed", media_type::OCI_LAYER_TAR_GZIP);
        let missing_layer = image_manifest(&config, &[layer.clone(), missing]);
        let got = reg
            .push_manifest(
                &n("app"),
                media_type::OCI_MANIFEST,
                missing_layer.into(),
                &tags(&["t"]),
            )
            .await;
        assert_eq!(code_of(got), ErrorCode::ManifestBlobUnknown);
        let mut wrong_size = layer.clone();
        wrong_size.size += 1;
        let got = reg
            .push_manifest(
                &n("app"),
                media_type::OCI_MANIFEST,
                image_manifest(&config, &[wrong_size]).into(),
                &[],
            )
            .await;
        assert_eq!(code_of(got), ErrorCode::ManifestInvalid);
        // Blobs of another repository do not count.
        let got = reg
            .push_manifest(
                &n("other"),
                media_type::OCI_MANIFEST,
                body.clone().into(),
                &[],
            )
            .await;
        assert_eq!(code_of(got), ErrorCode::ManifestBlobUnknown);
        let schema1 = json!({
            "schemaVersion": 1, "name": "app", "tag": "v1", "architecture": "amd64",
            "fsLayers": [{"blobSum": layer.digest}], "history": [{"v1Compatibility": "{}"}],
        });
        let got = reg
            .push_manifest(
                &n("app"),
                media_type::DOCKER_MANIFEST_V1,
                serde_json::to_vec(&schema1).unwrap().into(),
                &[],
            )
            .await;
        assert_eq!(code_of(got), ErrorCode::ManifestInvalid);

        assert!(reg
            .list_tags(&n("app"), &PageRequest::default())
            .await
            .unwrap()
            .items
            .is_empty());
        assert_eq!(
            code_of(reg.stat_manifest(&n("app"), &digest.clone().into()).await),
            ErrorCode::ManifestUnknown
        );
        assert_eq!(
            code_of(reg.list_tags(&n("other"), &PageRequest::default()).await),
            ErrorCode::NameUnknown
        );
        // And the same body, tagged properly, is accepted.
        reg.push_manifest(
            &n("app"),
            media_type::OCI_MANIFEST,
            body.into(),
            &tags(&["ok"]),
        )
        .await
        .unwrap();
    })
}

#[test]
fn generic_content_type_detects_the_kind() {
    run(async {
        let reg = MemoryRegistry::new();
        let mut config = push_blob(&reg, "d", b"{\"os\":\"linux\"}").await;
        config.media_type = media_type::DOCKER_CONFIG.into();
        let mut layer = push_blob(&reg, "d", b"layer").await;
        layer.media_type = media_type::DOCKER_LAYER_TAR_GZIP.into();
        let body = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": media_type::DOCKER_MANIFEST_V2,
            "config": config,
            "layers": [layer],
        }))
        .unwrap();
        let d = reg
            .push_manifest(&n("d"), "application/json", body.into(), &tags(&["x"]))
            .await
            .unwrap();
        assert_eq!(d.media_type, media_type::DOCKER_MANIFEST_V2);
    })
}

#[test]
fn content_known_without_a_push() {
    run(async {
        let reg = MemoryRegistry::new();
        // Empty config and an empty layer: an artifact that references nothing to fetch.
        let body = artifact(None, "application/vnd.example.thing", &Descriptor::empty());
        reg.push_manifest(
            &n("art"),
            media_type::OCI_MANIFEST,
            body.into(),
            &tags(&["v1"]),
        )
        .await
        .unwrap();
        let empty = Descriptor::empty();
        let mut r = reg
            .get_blob(&n("art"), &empty.digest)
            .await
            .expect("empty blob is fetchable");
        assert_eq!(r.read_to_end(10).await.unwrap(), &b"{}"[..]);

        // A layer with embedded data.
        let mut inline = blob_desc(b"hi", "text/plain");
        inline.data = Some("aGk=".into());
        let body = artifact(None, "application/vnd.example.inline", &inline);
        reg.push_manifest(&n("art"), media_type::OCI_MANIFEST, body.into(), &[])
            .await
            .unwrap();
        let mut r = reg.get_blob(&n("art"), &inline.digest).await.unwrap();
        assert_eq!(r.read_to_end(10).await.unwrap(), &b"hi"[..]);
        // Embedded data that does not match its digest.
        let mut lying = blob_desc(b"ho", "text/plain");
        lying.data = Some("aGk=".into());
        let got = reg
            .push_manifest(
                &n("art"),
                media_type::OCI_MANIFEST,
                artifact(None, "a/b", &lying).into(),
                &[],
            )
            .await;
        assert_eq!(code_of(got), ErrorCode::ManifestInvalid);
        // The empty digest with a wrong size.
        let mut wrong = Descriptor::empty();
        wrong.data = None;
        wrong.size = 3;
        let got = reg
            .push_manifest(
                &n("art"),
                media_type::OCI_MANIFEST,
                artifact(None, "a/b", &wrong).into(),
                &[],
            )
            .await;
        assert_eq!(code_of(got), ErrorCode::ManifestInvalid);

        // Foreign layers with urls need not be present; without urls they must.
        let config = push_blob(&reg, "win", b"{\"os\":\"windows\"}").await;
        let mut foreign = blob_desc(
            b"windows base layer",
            media_type::DOCKER_FOREIGN_LAYER_TAR_GZIP,
        );
        foreign.urls = vec!["https://example.com/layer.tar.gz".into()];
        let mut config = config;
        config.media_type = media_type::DOCKER_CONFIG.into();
        let doc = |layer: &Descriptor| {
            serde_json::to_vec(&json!({
                "schemaVersion": 2, "mediaType": media_type::DOCKER_MANIFEST_V2,
                "config": config, "layers": [layer],
            }))
            .unwrap()
        };
        reg.push_manifest(
            &n("win"),
            media_type::DOCKER_MANIFEST_V2,
            doc(&foreign).into(),
            &[],
        )
        .await
        .unwrap();
        foreign.urls.clear();
        let got = reg
            .push_manifest(
                &n("win"),
                media_type::DOCKER_MANIFEST_V2,
                doc(&foreign).into(),
                &[],
            )
            .await;
        assert_eq!(code_of(got), ErrorCode::ManifestBlobUnknown);
    })
}

#[test]
fn index_children_must_exist() {
    run(async {
        let reg = MemoryRegistry::new();
        let child = push_image(&reg, "multi", "amd64", &[]).await;
        let mut entry = child.clone();
        entry.platform = Some(ociscope_core::Platform::new("linux", "amd64"));
        let index = |entries: Vec<Descriptor>| {
            serde_json::to_vec(&json!({
                "schemaVersion": 2, "mediaType": media_type::OCI_INDEX, "manifests": entries,
            }))
            .unwrap()
        };
        let missing = blob_desc(b"{\"not\":\"pushed\"}", media_type::OCI_MANIFEST);
        let got = reg
            .push_manifest(
                &n("multi"),
                media_type::OCI_INDEX,
                index(vec![entry.clone(), missing]).into(),
                &[],
            )
            .await;
        assert_eq!(code_of(got), ErrorCode::ManifestBlobUnknown);
        let mut wrong = entry.clone();
        wrong.size -= 1;
        let got = reg
            .push_manifest(
                &n("multi"),
                media_type::OCI_INDEX,
                index(vec![wrong]).into(),
                &[],
            )
            .await;
        assert_eq!(code_of(got), ErrorCode::ManifestInvalid);
        let d = reg
            .push_manifest(
                &n("multi"),
                media_type::OCI_INDEX,
                index(vec![entry]).into(),
                &tags(&["latest"]),
            )
            .await
            .unwrap();
        assert_eq!(d.media_type, media_type::OCI_INDEX);
        let got = reg
            .get_manifest(&n("multi"), &tag_ref("latest"))
            .await
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(got.manifests()[0].digest, child.digest);
    })
}

#[test]
fn referrers_index() {
    run(async {
        let reg = MemoryRegistry::new();
        let image = push_image(&reg, "app", "img", &["latest"]).await;
        let sbom_layer = push_blob(&reg, "app", b"{\"spdxVersion\":\"SPDX-2.3\"}").await;
        let sig_layer = push_blob(&reg, "app", b"signature").await;
        let sbom = reg
            .push_manifest(
                &n("app"),
                media_type::OCI_MANIFEST,
                artifact(Some(&image), "application/spdx+json", &sbom_layer).into(),
                &[],
            )
            .await
            .unwrap();
        let sig = reg
            .push_manifest(
                &n("app"),
                media_type::OCI_MANIFEST,
                artifact(
                    Some(&image),
                    "application/vnd.cncf.notary.signature",
                    &sig_layer,
                )
                .into(),
                &[],
            )
            .await
            .unwrap();
        // An artifact without artifactType: the config media type is its type.
        let mut config = push_blob(&reg, "app", b"{\"cfg\":1}").await;
        config.media_type = "application/vnd.example.config+json".into();
        let mut doc: serde_json::Value =
            serde_json::from_slice(&image_manifest(&config, std::slice::from_ref(&sig_layer)))
                .unwrap();
        doc["subject"] = serde_json::to_value(&image).unwrap();
        let by_config = reg
            .push_manifest(
                &n("app"),
                media_type::OCI_MANIFEST,
                serde_json::to_vec(&doc).unwrap().into(),
                &[],
            )
            .await
            .unwrap();

        let all = collect_referrers(&reg, &n("app"), &image.digest, None, None)
            .await
            .unwrap();
        assert_eq!(all.len(), 3);
        let mut digests: Vec<_> = all.iter().map(|d| d.digest.clone()).collect();
        let sorted = {
            let mut s = digests.clone();
            s.sort();
            s
        };
        assert_eq!(digests, sorted, "digest order");
        digests.sort();
        let mut expected = vec![
            sbom.digest.clone(),
            sig.digest.clone(),
            by_config.digest.clone(),
        ];
        expected.sort();
        assert_eq!(digests, expected);
        let spdx = collect_referrers(
            &reg,
            &n("app"),
            &image.digest,
            Some("application/spdx+json"),
            None,
        )
        .await
        .unwrap();
        assert_eq!(spdx.len(), 1);
        assert_eq!(spdx[0].digest, sbom.digest);
        assert_eq!(spdx[0].media_type, media_type::OCI_MANIFEST);
        assert_eq!(spdx[0].size, sbom.size);
        assert_eq!(
            spdx[0].annotations["org.example.kind"],
            "application/spdx+json"
        );
        let cfg = collect_referrers(
            &reg,
            &n("app"),
            &image.digest,
            Some("application/vnd.example.config+json"),
            None,
        )
        .await
        .unwrap();
        assert_eq!(cfg.len(), 1);
        assert_eq!(cfg[0].digest, by_config.digest);
        assert!(
            collect_referrers(&reg, &n("app"), &image.digest, Some("x/none"), None)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(collect_referrers(&reg, &n("app"), &sbom.digest, None, None)
            .await
            .unwrap()
            .is_empty());
        // A repository that does not exist has no referrers (not an error).
        assert!(
            collect_referrers(&reg, &n("nope"), &image.digest, None, None)
                .await
                .unwrap()
                .is_empty()
        );
        // Pages in digest order.
        let first = reg
            .list_referrers(&n("app"), &image.digest, None, &PageRequest::first(1))
            .await
            .unwrap();
        assert_eq!(first.items.len(), 1);
        let next = first.next.expect("more referrers");
        assert_eq!(
            next.start_after.as_deref(),
            Some(first.items[0].digest.as_str())
        );
        let second = reg
            .list_referrers(&n("app"), &image.digest, None, &next)
            .await
            .unwrap();
        assert!(second.items[0].digest.as_str() > first.items[0].digest.as_str());

        // Deleting a referrer removes it; deleting the subject keeps the others.
        reg.delete_manifest(&n("app"), &sig.digest).await.unwrap();
        assert_eq!(
            collect_referrers(&reg, &n("app"), &image.digest, None, None)
                .await
                .unwrap()
                .len(),
            2
        );
        reg.delete_manifest(&n("app"), &image.digest).await.unwrap();
        assert_eq!(
            collect_referrers(&reg, &n("app"), &image.digest, None, None)
                .await
                .unwrap()
                .len(),
            2
        );
        reg.stat_manifest(&n("app"), &sbom.digest.clone().into())
            .await
            .unwrap();

        // A subject that does not exist is fine.
        let ghost = blob_desc(b"{\"ghost\":true}", media_type::OCI_MANIFEST);
        reg.push_manifest(
            &n("app"),
            media_type::OCI_MANIFEST,
            artifact(Some(&ghost), "a/b", &sbom_layer).into(),
            &[],
        )
        .await
        .unwrap();
        assert_eq!(
            collect_referrers(&reg, &n("app"), &ghost.digest, None, None)
                .await
                .unwrap()
                .len(),
            1
        );

        let off = MemoryRegistry::with_options(MemoryOptions {
            referrers_enabled: false,
            ..Default::default()
        });
        let got = collect_referrers(&off, &n("app"), &image.digest, None, None).await;
        assert_eq!(code_of(got), ErrorCode::Unsupported);
    })
}

#[test]
fn deletes() {
    run(async {
        let reg = MemoryRegistry::new();
        let d = push_image(&reg, "app", "x", &["a", "b"]).await;
        reg.delete_tag(&n("app"), &Tag::new("a").unwrap())
            .await
            .unwrap();
        assert_eq!(
            reg.list_tags(&n("app"), &PageRequest::default())
                .await
                .unwrap()
                .items,
            ["b"]
        );
        reg.stat_manifest(&n("app"), &d.digest.clone().into())
            .await
            .expect("manifest stays");
        assert_eq!(
            code_of(reg.delete_tag(&n("app"), &Tag::new("a").unwrap()).await),
            ErrorCode::ManifestUnknown
        );
        assert_eq!(code_of(Tag::new("bad tag")), ErrorCode::TagInvalid);
        reg.delete_manifest(&n("app"), &d.digest).await.unwrap();
        assert!(reg
            .list_tags(&n("app"), &PageRequest::default())
            .await
            .unwrap()
            .items
            .is_empty());
        assert_eq!(
            code_of(reg.stat_manifest(&n("app"), &tag_ref("b")).await),
            ErrorCode::ManifestUnknown
        );
        assert_eq!(
            code_of(reg.delete_manifest(&n("app"), &d.digest).await),
            ErrorCode::ManifestUnknown
        );
        assert_eq!(
            code_of(reg.delete_manifest(&n("nope"), &d.digest).await),
            ErrorCode::ManifestUnknown
        );

        let off = MemoryRegistry::with_options(MemoryOptions {
            delete_enabled: false,
            ..Default::default()
        });
        let d = push_image(&off, "app", "x", &["a"]).await;
        let e = off.delete_manifest(&n("app"), &d.digest).await.unwrap_err();
        assert!(e.has_code(ErrorCode::Unsupported));
        assert_eq!(e.status(), Some(405));
        assert_eq!(
            code_of(off.delete_tag(&n("app"), &Tag::new("a").unwrap()).await),
            ErrorCode::Unsupported
        );
        assert_eq!(
            code_of(off.delete_blob(&n("app"), &d.digest).await),
            ErrorCode::Unsupported
        );
        off.stat_manifest(&n("app"), &tag_ref("a"))
            .await
            .expect("nothing deleted");
    })
}

#[test]
fn chunked_upload_close_resume_commit() {
    run(async {
        let reg = MemoryRegistry::new();
        let content: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
        let digest = Digest::sha256_of(&content);
        let mut w = reg.start_upload(&n("up"), Some(100)).await.unwrap();
        assert_eq!(w.chunk_size(), 100);
        w.write(&content[..250]).await.unwrap();
        assert_eq!(w.size(), 250);
        let r = w.close().await.unwrap();
        assert_eq!(r.offset, 200, "the 50 buffered bytes are not kept");
        assert_eq!(w.close().await.unwrap(), r, "close is repeatable");
        assert!(w.write(b"x").await.is_err(), "closed writers refuse writes");
        assert!(w.commit(&digest).await.is_err());

        assert_eq!(
            code_of(
                reg.resume_upload(&n("up"), &r.id, ResumeAt::Offset(250), None)
                    .await
            ),
            ErrorCode::RangeInvalid
        );
        assert_eq!(
            code_of(
                reg.resume_upload(&n("up"), "nope", ResumeAt::RegistryOffset, None)
                    .await
            ),
            ErrorCode::BlobUploadUnknown
        );
        assert_eq!(
            code_of(
                reg.resume_upload(&n("other"), &r.id, ResumeAt::RegistryOffset, None)
                    .await
            ),
            ErrorCode::BlobUploadUnknown
        );
        let status = reg
            .resume_upload(&n("up"), &r.id, ResumeAt::RegistryOffset, None)
            .await
            .unwrap();
        assert_eq!(status.size(), 200);

        let mut w = reg
            .resume_upload(&n("up"), &r.id, ResumeAt::Offset(200), Some(300))
            .await
            .unwrap();
        assert_eq!(w.id(), r.id);
        w.write(&content[200..]).await.unwrap();
        assert_eq!(w.size(), 1000);
        // A wrong digest keeps the upload.
        let wrong = Digest::sha256_of(b"something else");
        assert_eq!(code_of(w.commit(&wrong).await), ErrorCode::DigestInvalid);
        assert_eq!(reg.upload_count(), 1);
        let d = w.commit(&digest).await.unwrap();
        assert_eq!((d.digest.clone(), d.size), (digest.clone(), 1000));
        assert_eq!(reg.upload_count(), 0);
        w.cancel().await.unwrap();
        w.cancel().await.unwrap();
        let mut reader = reg.get_blob(&n("up"), &digest).await.unwrap();
        assert_eq!(reader.read_to_end(10_000).await.unwrap(), content);
        assert_eq!(
            code_of(
                reg.resume_upload(&n("up"), &r.id, ResumeAt::RegistryOffset, None)
                    .await
            ),
            ErrorCode::BlobUploadUnknown
        );
        assert_eq!(
            reg.list_repositories(&PageRequest::default())
                .await
                .unwrap()
                .items,
            ["up"]
        );
    })
}

#[test]
fn upload_cancel_and_concurrent_writers() {
    run(async {
        let reg = MemoryRegistry::with_options(MemoryOptions {
            min_chunk_len: 64,
            ..Default::default()
        });
        let mut a = reg.start_upload(&n("up"), Some(10)).await.unwrap();
        assert_eq!(a.chunk_size(), 64, "hint raised to the minimum");
        let b_default = reg.start_upload(&n("up"), None).await.unwrap();
        assert_eq!(
            b_default.chunk_size(),
            ociscope_core::spec::DEFAULT_CHUNK_SIZE
        );
        a.write(&[1; 64]).await.unwrap();
        let mut b = reg
            .resume_upload(&n("up"), a.id(), ResumeAt::RegistryOffset, Some(64))
            .await
            .unwrap();
        b.write(&[2; 64]).await.unwrap();
        // `a` still thinks the registry holds 64 bytes.
        assert_eq!(code_of(a.write(&[3; 64]).await), ErrorCode::RangeInvalid);
        assert_eq!(a.size(), 128, "the refused chunk stays buffered");
        let all: Vec<u8> = [[1u8; 64], [2u8; 64]].concat();
        assert_eq!(
            code_of(a.commit(&Digest::sha256_of(&all)).await),
            ErrorCode::RangeInvalid
        );
        b.cancel().await.unwrap();
        assert_eq!(
            code_of(a.write(&[4; 64]).await),
            ErrorCode::BlobUploadUnknown
        );
        a.cancel().await.unwrap();
        let mut c = reg.start_upload(&n("up"), None).await.unwrap();
        c.write(b"abc").await.unwrap();
        c.cancel().await.unwrap();
        c.cancel().await.unwrap();
        assert!(c.write(b"x").await.is_err());
        assert!(c.close().await.is_err());
        assert_eq!(reg.upload_count(), 1, "only b_default is left");
        assert!(reg
            .list_repositories(&PageRequest::default())
            .await
            .unwrap()
            .items
            .is_empty());
        // An empty blob by chunked upload.
        let mut e = reg.start_upload(&n("empty"), None).await.unwrap();
        let d = e.commit(&Digest::sha256_of(b"")).await.unwrap();
        assert_eq!(d.size, 0);
        assert_eq!(
            reg.get_blob(&n("empty"), &d.digest)
                .await
                .unwrap()
                .read_to_end(1)
                .await
                .unwrap()
                .len(),
            0
        );
    })
}

#[test]
fn mounts() {
    run(async {
        let reg = MemoryRegistry::new();
        let d = push_blob(&reg, "src", b"shared layer").await;
        assert!(reg
            .mount_blob(&n("src"), &n("dst/x"), &d.digest)
            .await
            .unwrap()
            .is_mounted());
        assert_eq!(
            reg.stat_blob(&n("dst/x"), &d.digest).await.unwrap().size,
            12
        );
        let missing = Digest::sha256_of(b"missing");
        // Not mounted: the registry opens an upload session instead, and hands it back.
        let before = reg.upload_count();
        match reg
            .mount_blob(&n("src"), &n("dst/x"), &missing)
            .await
            .unwrap()
        {
            Mount::Mounted => panic!("a missing blob was mounted"),
            Mount::Upload(mut w) => {
                assert_eq!(reg.upload_count(), before + 1);
                w.write(b"missing").await.unwrap();
                w.commit(&missing).await.unwrap();
                assert_eq!(reg.stat_blob(&n("dst/x"), &missing).await.unwrap().size, 7);
            }
        }
        assert!(!reg
            .mount_blob(&n("nope"), &n("dst/y"), &d.digest)
            .await
            .unwrap()
            .is_mounted());
        let off = MemoryRegistry::with_options(MemoryOptions {
            mount_enabled: false,
            ..Default::default()
        });
        push_blob(&off, "src", b"shared layer").await;
        assert!(!off
            .mount_blob(&n("src"), &n("dst"), &d.digest)
            .await
            .unwrap()
            .is_mounted());
        assert_eq!(
            code_of(off.stat_blob(&n("dst"), &d.digest).await),
            ErrorCode::BlobUnknown
        );
    })
}

#[test]
fn pagination() {
    run(async {
        let reg = MemoryRegistry::new();
        let names = ["b", "a/z", "a", "c/d/e", "a-b", "a/b"];
        for n in names {
            push_blob(&reg, n, b"x").await;
        }
        let mut sorted: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        sorted.sort();
        let all = reg
            .list_repositories(&PageRequest::default())
            .await
            .unwrap();
        assert_eq!(all.items, sorted);
        assert_eq!(all.next, None);

        let p1 = reg.list_repositories(&PageRequest::first(4)).await.unwrap();
        assert_eq!(p1.items, sorted[..4]);
        let next = p1.next.clone().expect("more remain");
        assert_eq!(next.start_after.as_deref(), Some(sorted[3].as_str()));
        let p2 = reg.list_repositories(&next).await.unwrap();
        assert_eq!(p2.items, sorted[4..]);
        assert_eq!(p2.next, None);
        let exact = reg.list_repositories(&PageRequest::first(6)).await.unwrap();
        assert_eq!((exact.items.len(), exact.next), (6, None));
        let zero = reg.list_repositories(&PageRequest::first(0)).await.unwrap();
        assert!(zero.items.is_empty() && zero.next.is_none());
        let huge = reg
            .list_repositories(&PageRequest::first(usize::MAX))
            .await
            .unwrap();
        assert_eq!(huge.items, sorted);
        let after = PageRequest {
            start_after: Some("a/c".into()),
            ..Default::default()
        };
        assert_eq!(
            reg.list_repositories(&after).await.unwrap().items,
            ["a/z", "b", "c/d/e"]
        );
        let after_end = PageRequest {
            start_after: Some("zzz".into()),
            size: Some(3),
            continuation: None,
        };
        let p = reg.list_repositories(&after_end).await.unwrap();
        assert!(p.items.is_empty() && p.next.is_none());
        assert_eq!(collect_all(&reg, None, 1, None).await.unwrap(), sorted);
        assert_eq!(
            collect_all(&reg, None, 2, Some(3)).await.unwrap(),
            sorted[..3]
        );

        let capped = MemoryRegistry::with_options(MemoryOptions {
            page_limit: Some(2),
            ..Default::default()
        });
        for n in names {
            push_blob(&capped, n, b"x").await;
        }
        let p = capped
            .list_repositories(&PageRequest::default())
            .await
            .unwrap();
        assert_eq!(p.items, sorted[..2]);
        assert!(p.next.is_some());
        assert_eq!(collect_all(&capped, None, 100, None).await.unwrap(), sorted);

        // Tags: lexical order (byte-wise), paginated the same way.
        let tags: Vec<String> = (0..25).map(|i| format!("v{i}")).collect();
        push_image(
            &reg,
            "tagged",
            "t",
            &tags.iter().map(String::as_str).collect::<Vec<_>>(),
        )
        .await;
        let mut expected = tags.clone();
        expected.sort();
        assert_eq!(
            collect_all(&reg, Some(&n("tagged")), 7, None)
                .await
                .unwrap(),
            expected
        );
        assert_eq!(expected[..3], ["v0", "v1", "v10"]);
        assert_eq!(
            code_of(reg.list_tags(&n("nope"), &PageRequest::default()).await),
            ErrorCode::NameUnknown
        );
    })
}

#[test]
fn clones_share_state() {
    run(async {
        let reg = MemoryRegistry::new();
        let other = reg.clone();
        let d = push_blob(&reg, "shared", b"content").await;
        assert_eq!(
            other.stat_blob(&n("shared"), &d.digest).await.unwrap().size,
            7
        );
        reg.ping().await.unwrap();
    })
}
