//! Copying blobs and images between in-memory registries and repositories.

mod tools_support;

use std::cell::RefCell;

use ociscope_core::memory::{MemoryOptions, MemoryRegistry};
use ociscope_core::spec::{collect_referrers, ErrorKind, ManifestRef, PageRequest, Spec};
use ociscope_core::{media_type, Descriptor, ErrorCode, Platform};
use ociscope_tools::copy::{
    copy_blob, copy_image, copy_plan, plan, CopyOptions, Event, Role, Transfer,
};
use serde_json::json;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use tools_support::*;

fn everything(tags: &[&str]) -> CopyOptions {
    CopyOptions {
        referrers: true,
        tags: tags.iter().map(|t| tag(t)).collect(),
        ..CopyOptions::default()
    }
}

fn latest() -> ManifestRef {
    ManifestRef::Tag(tag("latest"))
}

#[test]
fn copies_the_five_platform_index_with_referrers_between_registries() {
    block_on(async {
        let (src, dst) = (MemoryRegistry::new(), MemoryRegistry::new());
        let (a, b) = (repo("demo/hello"), repo("mirror/hello"));
        let demo = push_demo(&src, &a).await;
        let report = copy_image(
            &src,
            &a,
            &latest(),
            &dst,
            &b,
            &everything(&["latest", "v1"]),
            &|_| {},
        )
        .await
        .unwrap();
        assert_eq!(
            report.roots,
            vec![src.stat_manifest(&a, &latest()).await.unwrap()]
        );
        assert_eq!(report.copied, demo.blobs.len() + demo.manifests().len());
        assert_eq!(report.present, 0);
        assert_eq!(report.mounted, 0);
        assert_same(&src, &a, &dst, &b, &demo.manifests(), &demo.blobs).await;
        for t in ["latest", "v1"] {
            let got = dst
                .stat_manifest(&b, &ManifestRef::Tag(tag(t)))
                .await
                .unwrap();
            assert_eq!(got.digest, demo.index.digest, "tag {t}");
        }
        // Referrers are listed at the destination as at the source, recursively.
        for subject in [&demo.images[0], &demo.referrers[0], &demo.index] {
            let want = collect_referrers(&src, &a, &subject.digest, None, None)
                .await
                .unwrap();
            let got = collect_referrers(&dst, &b, &subject.digest, None, None)
                .await
                .unwrap();
            assert!(!want.is_empty());
            assert_eq!(got, want, "referrers of {}", subject.digest);
        }
    });
}

#[test]
fn without_referrers_only_the_image_graph_is_copied() {
    block_on(async {
        let (src, dst) = (MemoryRegistry::new(), MemoryRegistry::new());
        let (a, b) = (repo("demo/hello"), repo("mirror/hello"));
        let demo = push_demo(&src, &a).await;
        let report = copy_image(
            &src,
            &a,
            &latest(),
            &dst,
            &b,
            &CopyOptions::default(),
            &|_| {},
        )
        .await
        .unwrap();
        assert_eq!(
            report.copied,
            demo.image_blobs.len() + 1 + demo.images.len()
        );
        assert!(report.tags.is_empty());
        let mut manifests = demo.images.clone();
        manifests.push(demo.index.clone());
        assert_same(&src, &a, &dst, &b, &manifests, &demo.image_blobs).await;
        for r in &demo.referrers {
            let e = dst.stat_manifest(&b, &at(r)).await.unwrap_err();
            assert!(e.has_code(ErrorCode::ManifestUnknown), "{e}");
        }
        assert!(dst
            .list_tags(&b, &PageRequest::default())
            .await
            .unwrap()
            .items
            .is_empty());
    });
}

#[test]
fn a_second_copy_sends_nothing() {
    block_on(async {
        let src = MemoryRegistry::new();
        let dst = Counting::new(MemoryRegistry::new());
        let (a, b) = (repo("demo/hello"), repo("mirror/hello"));
        let demo = push_demo(&src, &a).await;
        let options = everything(&["latest"]);
        copy_image(&src, &a, &latest(), &dst, &b, &options, &|_| {})
            .await
            .unwrap();
        assert!(dst.writes() > 0);
        dst.reset();
        let report = copy_image(&src, &a, &latest(), &dst, &b, &options, &|_| {})
            .await
            .unwrap();
        // Only the tag is pushed again; every item is found present.
        assert_eq!(
            dst.log
                .borrow()
                .iter()
                .filter(|l| l.starts_with("push"))
                .count(),
            1
        );
        assert_eq!(dst.count("push_manifest"), 1);
        assert_eq!(dst.writes(), 1);
        assert_eq!(report.copied, 0);
        // The index and every referrer are there, so no blob is even looked at; the images
        // under the index are read (not looked at: they must be there) for their referrers.
        assert_eq!(dst.count("stat_blob"), 0);
        assert_eq!(dst.count("stat_manifest"), 1 + demo.referrers.len());
        assert_eq!(report.present, demo.manifests().len());
    });
}

#[test]
fn the_plan_says_what_is_present_and_copy_plan_sends_only_the_rest() {
    block_on(async {
        let src = MemoryRegistry::new();
        let dst = Counting::new(MemoryRegistry::new());
        let (a, b) = (repo("demo/hello"), repo("mirror/hello"));
        let demo = push_demo(&src, &a).await;
        let arm64 = demo.image("linux/arm64/v8").clone();
        copy_image(
            &src,
            &a,
            &at(&arm64),
            &dst,
            &b,
            &CopyOptions::default(),
            &|_| {},
        )
        .await
        .unwrap();
        dst.reset();
        let options = CopyOptions::default();
        let plan = plan(&src, &a, &latest(), &dst, &b, &options).await.unwrap();
        assert_eq!(dst.writes(), 0, "planning only looks");
        let present: Vec<_> = plan
            .present()
            .map(|i| i.descriptor.digest.clone())
            .collect();
        // The arm64 image is there (its own blobs are not walked), and the shared base layer.
        assert_eq!(
            present,
            vec![demo.base.digest.clone(), arm64.digest.clone()]
        );
        // Everything else: the 4 other images with their configs and own layers, the Windows
        // base layer, and the index.
        assert_eq!(plan.missing().count(), 4 * 3 + 1 + 1);
        let arm64_item = plan
            .items
            .iter()
            .find(|i| i.descriptor.digest == arm64.digest)
            .unwrap();
        assert_eq!(arm64_item.role, Role::Manifest);
        assert_eq!(arm64_item.descriptor.platform, arm64.platform);
        let root = plan.tag_target().unwrap();
        assert_eq!(root.descriptor.digest, demo.index.digest);
        assert_eq!(root.level(), 1);
        // Blobs come first, then manifests from the leaves up.
        let first_manifest = plan.items.iter().position(|i| i.is_manifest()).unwrap();
        assert!(plan.items[..first_manifest]
            .iter()
            .all(|i| i.role == Role::Blob));
        assert!(plan
            .items
            .windows(2)
            .all(|w| !w[1].is_manifest() || w[0].level() <= w[1].level()));
        let missing_bytes: u64 = plan.missing().map(|i| i.descriptor.size).sum();
        assert_eq!(plan.bytes_missing(), missing_bytes);

        dst.reset();
        let report = copy_plan(&src, &dst, &plan, &options, &|_| {})
            .await
            .unwrap();
        assert_eq!(report.copied, plan.missing().count());
        assert_eq!(report.present, 2);
        assert_eq!(report.bytes_copied, missing_bytes);
        assert_eq!(
            dst.count("stat_blob") + dst.count("stat_manifest"),
            0,
            "the plan was trusted"
        );
        assert_eq!(
            dst.count("push_blob") + dst.count("start_upload"),
            plan.missing().filter(|i| !i.is_manifest()).count()
        );
        let mut manifests = demo.images.clone();
        manifests.push(demo.index.clone());
        assert_same(&src, &a, &dst.inner, &b, &manifests, &demo.image_blobs).await;
    });
}

#[test]
fn a_platform_filter_copies_and_tags_only_the_chosen_image() {
    block_on(async {
        let (src, dst) = (MemoryRegistry::new(), MemoryRegistry::new());
        let (a, b) = (repo("demo/hello"), repo("mirror/arm64"));
        let demo = push_demo(&src, &a).await;
        let options = CopyOptions {
            platforms: vec![Platform::parse("linux/aarch64").unwrap()],
            ..everything(&["latest"])
        };
        let report = copy_image(&src, &a, &latest(), &dst, &b, &options, &|_| {})
            .await
            .unwrap();
        let arm64 = demo.image("linux/arm64");
        assert_eq!(report.roots.len(), 1);
        assert_eq!(report.roots[0].digest, arm64.digest);
        let tagged = dst.stat_manifest(&b, &latest()).await.unwrap();
        assert_eq!(tagged.digest, arm64.digest);
        let e = dst.stat_manifest(&b, &at(&demo.index)).await.unwrap_err();
        assert!(e.has_code(ErrorCode::ManifestUnknown));
        for other in demo.images.iter().filter(|d| d.digest != arm64.digest) {
            assert!(dst.stat_manifest(&b, &at(other)).await.is_err());
        }
        let e = dst.stat_blob(&b, &windows_base(&demo)).await.unwrap_err();
        assert!(e.has_code(ErrorCode::BlobUnknown));
    });
}

/// The Windows base layer: the large blob no linux image has.
fn windows_base(demo: &Demo) -> ociscope_core::Digest {
    let d = demo.image_blobs.iter().find(|d| d.size == 120_000).unwrap();
    d.digest.clone()
}

#[test]
fn a_filter_without_a_match_or_with_two_images_and_tags_is_refused_before_any_push() {
    block_on(async {
        let src = MemoryRegistry::new();
        let dst = Counting::new(MemoryRegistry::new());
        let (a, b) = (repo("demo/hello"), repo("mirror/x"));
        push_demo(&src, &a).await;
        let none = CopyOptions {
            platforms: vec![Platform::parse("linux/ppc64le").unwrap()],
            ..CopyOptions::default()
        };
        let e = copy_image(&src, &a, &latest(), &dst, &b, &none, &|_| {})
            .await
            .unwrap_err();
        assert!(e.has_code(ErrorCode::ManifestUnknown), "{e}");
        let text = e.to_string();
        assert!(
            text.contains("linux/ppc64le") && text.contains("linux/s390x"),
            "{text}"
        );
        let two = CopyOptions {
            platforms: vec![
                Platform::parse("linux/amd64").unwrap(),
                Platform::parse("linux/s390x").unwrap(),
            ],
            ..everything(&["latest"])
        };
        let e = copy_image(&src, &a, &latest(), &dst, &b, &two, &|_| {})
            .await
            .unwrap_err();
        assert_eq!(
            e.first_error().unwrap().kind(),
            Some(ErrorKind::InvalidArgument),
            "{e}"
        );
        assert_eq!(dst.writes(), 0);
        // Without tags, two platforms are two images copied by digest.
        let report = copy_image(
            &src,
            &a,
            &latest(),
            &dst,
            &b,
            &CopyOptions {
                tags: vec![],
                ..two
            },
            &|_| {},
        )
        .await
        .unwrap();
        assert_eq!(report.roots.len(), 2);
        for root in &report.roots {
            dst.stat_manifest(&b, &at(root)).await.unwrap();
        }
    });
}

#[test]
fn a_refused_child_means_no_tag_and_the_error_names_it() {
    block_on(async {
        let src = MemoryRegistry::new();
        let (a, b) = (repo("demo/hello"), repo("mirror/hello"));
        let demo = push_demo(&src, &a).await;
        let arm = demo.image("linux/arm/v7").clone();
        let dst = Refusing::new(MemoryRegistry::new(), vec![arm.digest.clone()]);
        let e = copy_image(
            &src,
            &a,
            &latest(),
            &dst,
            &b,
            &everything(&["latest"]),
            &|_| {},
        )
        .await
        .unwrap_err();
        assert_eq!(e.failures.len(), 1);
        assert!(e.has_code(ErrorCode::Denied));
        let failure = &e.failures[0];
        assert_eq!(failure.digest.as_ref(), Some(&arm.digest));
        assert!(failure.item.contains("linux/arm/v7"), "{}", failure.item);
        assert!(e.tags_pushed.is_empty());
        assert!(e.to_string().contains("no tag pushed"), "{e}");
        assert!(dst.inner.stat_manifest(&b, &latest()).await.is_err());
        assert!(dst.inner.stat_manifest(&b, &at(&demo.index)).await.is_err());

        // A refused small blob stops the copy before any manifest is pushed.
        let config = demo
            .image_blobs
            .iter()
            .find(|d| d.media_type == media_type::OCI_CONFIG)
            .unwrap();
        let dst = Counting::new(Refusing::new(
            MemoryRegistry::new(),
            vec![config.digest.clone()],
        ));
        let e = copy_image(
            &src,
            &a,
            &latest(),
            &dst,
            &b,
            &everything(&["latest"]),
            &|_| {},
        )
        .await
        .unwrap_err();
        assert!(
            e.failures[0].item.starts_with("config "),
            "{}",
            e.failures[0].item
        );
        assert_eq!(dst.count("push_manifest"), 0);
    });
}

#[test]
fn children_go_first_then_the_root_by_digest_then_each_tag() {
    block_on(async {
        let src = MemoryRegistry::new();
        let dst = Counting::new(MemoryRegistry::new());
        let (a, b) = (repo("demo/hello"), repo("mirror/hello"));
        let demo = push_demo(&src, &a).await;
        copy_image(
            &src,
            &a,
            &latest(),
            &dst,
            &b,
            &everything(&["latest", "v1", "v1.0"]),
            &|_| {},
        )
        .await
        .unwrap();
        let log = dst.log.borrow();
        let pushes: Vec<&String> = log
            .iter()
            .filter(|l| l.starts_with("push") || l.starts_with("start_upload"))
            .collect();
        let pos = |needle: &str| pushes.iter().position(|l| l.contains(needle)).unwrap();
        let last_blob = pushes
            .iter()
            .rposition(|l| !l.starts_with("push_manifest"))
            .unwrap();
        let first_manifest = pushes
            .iter()
            .position(|l| l.starts_with("push_manifest"))
            .unwrap();
        assert!(last_blob < first_manifest, "{pushes:#?}");
        let index_at = pos(&format!("{} []", demo.index.digest));
        for image in &demo.images {
            assert!(pos(image.digest.as_str()) < index_at);
        }
        // A referrer after its subject.
        let sbom = pos(demo.referrers[0].digest.as_str());
        assert!(pos(demo.images[0].digest.as_str()) < sbom);
        assert!(sbom < pos(demo.referrers[2].digest.as_str()));
        let tags: Vec<&&String> = pushes.iter().rev().take(3).collect();
        for (t, line) in ["v1.0", "v1", "latest"].iter().zip(tags) {
            assert_eq!(
                **line,
                format!("push_manifest {} [\"{t}\"]", demo.index.digest)
            );
        }
        assert_eq!(
            pushes.iter().filter(|l| l.contains("[\"")).count(),
            3,
            "tags only at the end"
        );
    });
}

#[test]
fn progress_counts_up_to_the_totals() {
    block_on(async {
        let (src, dst) = (MemoryRegistry::new(), MemoryRegistry::new());
        let (a, b) = (repo("demo/hello"), repo("mirror/hello"));
        let demo = push_demo(&src, &a).await;
        // Half is there already.
        let amd64 = demo.image("linux/amd64").clone();
        copy_image(
            &src,
            &a,
            &at(&amd64),
            &dst,
            &b,
            &CopyOptions::default(),
            &|_| {},
        )
        .await
        .unwrap();
        let options = everything(&["latest"]);
        let plan = plan(&src, &a, &latest(), &dst, &b, &options).await.unwrap();
        #[derive(Default)]
        struct Seen {
            planned: Option<(usize, u64)>,
            starts: usize,
            finishes: usize,
            skips: usize,
            bytes_events: usize,
            tagged_after_finishes: bool,
            last: Option<(usize, usize, u64, u64)>,
            monotonic: bool,
        }
        let seen = RefCell::new(Seen {
            monotonic: true,
            ..Seen::default()
        });
        let report = copy_plan(&src, &dst, &plan, &options, &|p| {
            let mut s = seen.borrow_mut();
            if let Some((items, _, bytes, _)) = s.last {
                s.monotonic &= p.items_done >= items && p.bytes_done >= bytes;
            }
            s.last = Some((p.items_done, p.items_total, p.bytes_done, p.bytes_total));
            match p.event {
                Event::Planned => s.planned = Some((p.items_total, p.bytes_total)),
                Event::Start(_) => s.starts += 1,
                Event::Finish(..) => s.finishes += 1,
                Event::Skip(_) => s.skips += 1,
                Event::Bytes(..) => s.bytes_events += 1,
                Event::Tagged(_) => s.tagged_after_finishes = s.finishes == plan.missing().count(),
                Event::Retry(..) | Event::Failed(..) | Event::Done => {}
            }
        })
        .await
        .unwrap();
        let s = seen.into_inner();
        assert_eq!(s.planned, Some((plan.items.len(), plan.bytes_total())));
        assert_eq!(s.starts, plan.missing().count());
        assert_eq!(s.finishes, report.copied);
        assert_eq!(s.skips, plan.present().count());
        assert!(
            s.skips >= 2,
            "the amd64 image and the shared base were there"
        );
        assert!(s.tagged_after_finishes);
        assert!(s.monotonic);
        let (items_done, items_total, bytes_done, bytes_total) = s.last.unwrap();
        assert_eq!((items_done, bytes_done), (items_total, bytes_total));
        // The Windows base layer (120 000 bytes) streamed in the source's 64 KiB chunks.
        assert!(s.bytes_events >= 2, "{}", s.bytes_events);
    });
}

#[test]
fn one_registry_mounts_across_repositories() {
    block_on(async {
        let reg = Counting::new(MemoryRegistry::new());
        let (a, b) = (repo("demo/hello"), repo("team/hello"));
        let demo = push_demo(&reg.inner, &a).await;
        let options = CopyOptions {
            same_registry: true,
            ..everything(&["latest"])
        };
        let report = copy_image(&reg, &a, &latest(), &reg, &b, &options, &|_| {})
            .await
            .unwrap();
        assert_eq!(report.mounted, demo.blobs.len());
        assert_eq!(reg.count("mount_blob"), demo.blobs.len());
        assert_eq!(
            reg.count("push_blob") + reg.count("start_upload") + reg.count("get_blob"),
            0
        );
        assert_same(
            &reg.inner,
            &a,
            &reg.inner,
            &b,
            &demo.manifests(),
            &demo.blobs,
        )
        .await;
    });
}

#[test]
fn a_registry_that_does_not_mount_gets_the_blob_in_the_session_it_opened() {
    block_on(async {
        let reg = Counting::new(MemoryRegistry::with_options(MemoryOptions {
            mount_enabled: false,
            min_chunk_len: 32 * 1024,
            ..MemoryOptions::default()
        }));
        let (a, b) = (repo("demo/hello"), repo("team/hello"));
        let demo = push_demo(&reg.inner, &a).await;
        let options = CopyOptions {
            same_registry: true,
            ..CopyOptions::default()
        };
        reg.reset();
        let t = copy_blob(&reg, &a, &reg, &b, &demo.base, &options)
            .await
            .unwrap();
        assert_eq!(t, Transfer::Streamed);
        assert_eq!(reg.count("mount_blob"), 1);
        assert_eq!(reg.count("start_upload"), 0, "no second upload session");
        assert_eq!(reg.inner.upload_count(), 0, "the session was committed");
        assert_eq!(
            read(&reg.inner, &b, &demo.base.digest).await,
            read(&reg.inner, &a, &demo.base.digest).await
        );
        // Within one repository there is nothing to do.
        reg.reset();
        let t = copy_blob(&reg, &a, &reg, &a, &demo.base, &options)
            .await
            .unwrap();
        assert_eq!(t, Transfer::Present);
        assert_eq!(reg.writes(), 0);
    });
}

#[test]
fn large_blobs_are_looked_at_then_streamed_small_ones_pushed_straight() {
    block_on(async {
        let src = MemoryRegistry::new();
        let dst = Counting::new(MemoryRegistry::with_options(MemoryOptions {
            min_chunk_len: 16 * 1024,
            ..MemoryOptions::default()
        }));
        let (a, b) = (repo("src/x"), repo("dst/x"));
        let big = push_blob(&src, &a, media_type::OCI_LAYER_TAR, bytes(7, 300_000)).await;
        let small = push_blob(&src, &a, media_type::OCI_LAYER_TAR, bytes(8, 1000)).await;
        let options = CopyOptions::default();
        assert_eq!(
            copy_blob(&src, &a, &dst, &b, &big, &options).await.unwrap(),
            Transfer::Streamed
        );
        assert_eq!(
            (
                dst.count("stat_blob"),
                dst.count("start_upload"),
                dst.count("push_blob")
            ),
            (1, 1, 0)
        );
        assert_eq!(
            read(&dst.inner, &b, &big.digest).await,
            read(&src, &a, &big.digest).await
        );
        dst.reset();
        assert_eq!(
            copy_blob(&src, &a, &dst, &b, &big, &options).await.unwrap(),
            Transfer::Present
        );
        assert_eq!((dst.count("stat_blob"), dst.writes()), (1, 0));
        dst.reset();
        for _ in 0..2 {
            assert_eq!(
                copy_blob(&src, &a, &dst, &b, &small, &options)
                    .await
                    .unwrap(),
                Transfer::Pushed
            );
        }
        assert_eq!((dst.count("stat_blob"), dst.count("push_blob")), (0, 2));
        // Content embedded in the descriptor does not need the source at all.
        let empty = Descriptor::empty();
        let nowhere = MemoryRegistry::new();
        assert_eq!(
            copy_blob(&nowhere, &a, &dst, &b, &empty, &options)
                .await
                .unwrap(),
            Transfer::Pushed
        );
        // Foreign layers stay where their URLs say.
        let mut foreign = Descriptor::new(
            media_type::DOCKER_FOREIGN_LAYER_TAR_GZIP,
            big.digest.clone(),
            5,
        );
        foreign.urls = vec!["https://example.com/layer".into()];
        assert_eq!(
            copy_blob(&nowhere, &a, &dst, &b, &foreign, &options)
                .await
                .unwrap(),
            Transfer::Foreign
        );
    });
}

#[test]
fn content_that_does_not_match_is_never_committed() {
    block_on(async {
        let inner = MemoryRegistry::new();
        let a = repo("src/x");
        let one = push_blob(&inner, &a, media_type::OCI_LAYER_TAR, bytes(1, 100_000)).await;
        let other = push_blob(&inner, &a, media_type::OCI_LAYER_TAR, bytes(2, 100_000)).await;
        let longer = push_blob(&inner, &a, media_type::OCI_LAYER_TAR, bytes(3, 100_001)).await;
        let small = push_blob(&inner, &a, media_type::OCI_LAYER_TAR, bytes(4, 10)).await;
        let small_other = push_blob(&inner, &a, media_type::OCI_LAYER_TAR, bytes(5, 10)).await;
        let src = Lying {
            inner,
            swaps: vec![
                (one.digest.clone(), other.digest.clone()),
                (other.digest.clone(), longer.digest.clone()),
                (small.digest.clone(), small_other.digest.clone()),
            ],
        };
        let dst = MemoryRegistry::new();
        let b = repo("dst/x");
        let options = CopyOptions::default();
        let e = copy_blob(&src, &a, &dst, &b, &one, &options)
            .await
            .unwrap_err();
        assert!(e.has_code(ErrorCode::DigestInvalid), "{e}");
        let e = copy_blob(&src, &a, &dst, &b, &other, &options)
            .await
            .unwrap_err();
        assert!(matches!(e, ociscope_core::spec::Error::Digest(_)), "{e}");
        let e = copy_blob(&src, &a, &dst, &b, &small, &options)
            .await
            .unwrap_err();
        assert!(e.has_code(ErrorCode::DigestInvalid), "{e}");
        for d in [&one, &other, &small] {
            assert!(dst.stat_blob(&b, &d.digest).await.is_err());
        }
        assert_eq!(dst.upload_count(), 0, "failed uploads were cancelled");
    });
}

#[test]
fn nested_indexes_and_docker_images_copy_byte_exact() {
    block_on(async {
        let (src, dst) = (MemoryRegistry::new(), MemoryRegistry::new());
        let (a, b) = (repo("demo/hello"), repo("mirror/hello"));
        let demo = push_demo(&src, &a).await;
        let p = Platform::new("linux", "amd64");
        let (docker, docker_blobs) = push_image(&src, &a, &p, &demo.base, 99, true).await;
        let list = json!({"schemaVersion": 2, "mediaType": media_type::DOCKER_MANIFEST_LIST,
            "manifests": [docker]});
        let list = push_json(&src, &a, media_type::DOCKER_MANIFEST_LIST, &list, &[]).await;
        let outer = json!({"schemaVersion": 2, "mediaType": media_type::OCI_INDEX,
            "manifests": [demo.index, list]});
        let outer = push_json(&src, &a, media_type::OCI_INDEX, &outer, &[tag("all")]).await;
        let plan = plan(
            &src,
            &a,
            &ManifestRef::Tag(tag("all")),
            &dst,
            &b,
            &CopyOptions::default(),
        )
        .await
        .unwrap();
        let level = |d: &Descriptor| {
            plan.items
                .iter()
                .find(|i| i.descriptor.digest == d.digest)
                .unwrap()
                .level()
        };
        assert_eq!(
            (
                level(&docker),
                level(&list),
                level(&demo.index),
                level(&outer)
            ),
            (0, 1, 1, 2)
        );
        copy_plan(
            &src,
            &dst,
            &plan,
            &CopyOptions {
                concurrency: 1,
                ..CopyOptions::default()
            },
            &|_| {},
        )
        .await
        .unwrap();
        let mut manifests = demo.images.clone();
        manifests.extend([demo.index.clone(), docker, list, outer]);
        let mut blobs = demo.image_blobs.clone();
        blobs.extend(docker_blobs);
        assert_same(&src, &a, &dst, &b, &manifests, &blobs).await;
        let got = dst.get_manifest(&b, &ManifestRef::Tag(tag("all"))).await;
        assert!(got.is_err(), "no tags were asked for");
    });
}

#[test]
fn a_missing_source_is_a_typed_error() {
    block_on(async {
        let (src, dst) = (MemoryRegistry::new(), MemoryRegistry::new());
        let e = copy_image(
            &src,
            &repo("a/b"),
            &latest(),
            &dst,
            &repo("c/d"),
            &CopyOptions::default(),
            &|_| {},
        )
        .await
        .unwrap_err();
        assert!(e.has_code(ErrorCode::ManifestUnknown), "{e}");
        assert!(
            e.failures[0].item.contains("a/b:latest"),
            "{}",
            e.failures[0].item
        );
    });
}

#[test]
fn a_transient_failure_is_tried_again_and_a_lasting_one_is_not() {
    block_on(async {
        let src = MemoryRegistry::new();
        let (a, b) = (repo("demo/hello"), repo("mirror/hello"));
        let demo = push_demo(&src, &a).await;
        let config = demo.image_blobs[0].clone();
        let image = demo.images[1].clone();
        let dst = Refusing::new(MemoryRegistry::new(), vec![]);
        dst.unavailable.borrow_mut().extend([
            config.digest.clone(),
            image.digest.clone(),
            demo.index.digest.clone(),
        ]);
        let retries = RefCell::new(Vec::new());
        let report = copy_image(
            &src,
            &a,
            &latest(),
            &dst,
            &b,
            &everything(&["latest"]),
            &|p| {
                if let Event::Retry(item, e) = p.event {
                    assert!(e.has_code(ErrorCode::Unavailable));
                    retries.borrow_mut().push(item.descriptor.digest.clone());
                }
            },
        )
        .await
        .unwrap();
        // The index fails once by digest; its tag push then succeeds at once.
        assert_eq!(report.retried, 3);
        assert_eq!(
            retries.into_inner(),
            vec![
                config.digest.clone(),
                image.digest.clone(),
                demo.index.digest.clone()
            ]
        );
        assert_same(&src, &a, &dst.inner, &b, &demo.manifests(), &demo.blobs).await;

        let dst = Refusing::new(MemoryRegistry::new(), vec![]);
        dst.unavailable.borrow_mut().push(config.digest.clone());
        let no_retries = CopyOptions {
            retries: 0,
            ..everything(&["latest"])
        };
        let e = copy_image(&src, &a, &latest(), &dst, &b, &no_retries, &|_| {})
            .await
            .unwrap_err();
        assert!(e.has_code(ErrorCode::Unavailable), "{e}");
        assert!(dst.inner.stat_manifest(&b, &latest()).await.is_err());
    });
}
