//! Content stores meet registries through the copy tools: an image pulled from a registry
//! into a store (`ContentSpec`) with its platforms and referrers, pushed from the store to
//! another registry; the Spec behaviour suite over a store's view; images written to an OCI
//! layout tar and read back as a read-only store, pushed with blobs already present skipped.
//! Natively and in wasm32 (Node).

mod tools_support;

use std::cell::RefCell;

use bytes::Bytes;
use ociscope_core::content::{
    Filter, IngestManager, Ingester, Manager, MemoryStore, Provider, StatusFilter, WriterOptions,
};
use ociscope_core::memory::MemoryRegistry;
use ociscope_core::spec::{collect_referrers, ManifestRef, Spec};
use ociscope_core::Digest;
use ociscope_spec_suite::{run_all, Capabilities, Ctx, Outcome};
use ociscope_tools::content::{ContentSpec, LABEL_MEDIA_TYPE, LABEL_SUBJECT};
use ociscope_tools::copy::{copy_image, CopyOptions, Event};
use ociscope_tools::tarball::{
    push_archive_image, write_archive, ArchiveFormat, ArchiveImage, TarStore,
};
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

#[test]
fn spec_suite_over_a_memory_store_view() {
    block_on(async {
        let view = ContentSpec::new(MemoryStore::new());
        // One namespace: a blob is in every repository, so the mount check does not apply.
        let caps = Capabilities {
            mount: false,
            ..Capabilities::all()
        };
        let report = run_all(&view, &Ctx::new("view").with_capabilities(caps)).await;
        for r in &report.results {
            if let Outcome::Failed(f) = &r.outcome {
                eprintln!("FAILED {}: {f}", r.name);
            }
        }
        println!("{}", report.summary());
        assert!(report.is_success(), "{report}");
        assert_eq!(report.not_applicable(), 2, "{report}");
    });
}

#[test]
fn pull_into_a_store_and_push_from_it() {
    block_on(async {
        let src = MemoryRegistry::new();
        let r = repo("demo/hello");
        let demo = push_demo(&src, &r).await;
        let store = MemoryStore::new();
        let view = ContentSpec::new(store.clone());
        let local = repo("local/hello");
        let report = copy_image(
            &src,
            &r,
            &ManifestRef::Tag(tag("latest")),
            &view,
            &local,
            &everything(&["latest"]),
            &|_| {},
        )
        .await
        .unwrap();
        assert_eq!(report.roots, vec![demo.index.clone()]);
        // Every manifest and blob is content, the tag a name; manifests carry their media type.
        assert_same(&src, &r, &view, &local, &demo.manifests(), &demo.blobs).await;
        let info = store.info(&demo.index.digest).await.unwrap();
        assert_eq!(
            info.labels.get(LABEL_MEDIA_TYPE).map(String::as_str),
            Some(demo.index.media_type.as_str())
        );
        let subjects = store
            .walk(
                &Filter::parse(&format!(
                    "labels.{LABEL_SUBJECT}=={}",
                    demo.images[0].digest
                ))
                .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(subjects.len(), 2, "SBOM and signature of the amd64 image");
        assert_eq!(
            view.names()[&local][&tag("latest")].digest,
            demo.index.digest
        );
        assert!(store
            .list_statuses(&StatusFilter::everything())
            .await
            .unwrap()
            .is_empty());

        // Pulling again moves nothing.
        let again = copy_image(
            &src,
            &r,
            &ManifestRef::Tag(tag("latest")),
            &view,
            &local,
            &everything(&["latest"]),
            &|_| {},
        )
        .await
        .unwrap();
        assert_eq!(again.copied, 0, "{again:?}");

        // Push from the store (a new view: names kept by the caller) to another registry.
        let dst = MemoryRegistry::new();
        let out = repo("mirror/hello");
        let view2 = ContentSpec::with_names(store.clone(), view.names());
        copy_image(
            &view2,
            &local,
            &ManifestRef::Tag(tag("latest")),
            &dst,
            &out,
            &everything(&["1.0"]),
            &|_| {},
        )
        .await
        .unwrap();
        assert_same(&src, &r, &dst, &out, &demo.manifests(), &demo.blobs).await;
        let refs = collect_referrers(&dst, &out, &demo.images[0].digest, None, None)
            .await
            .unwrap();
        assert_eq!(refs.len(), 2);
        assert_eq!(
            dst.stat_manifest(&out, &ManifestRef::Tag(tag("1.0")))
                .await
                .unwrap()
                .digest,
            demo.index.digest
        );
    });
}

#[test]
fn an_interrupted_pull_resumes_from_the_ingest() {
    block_on(async {
        let src = MemoryRegistry::new();
        let r = repo("demo/hello");
        let demo = push_demo(&src, &r).await;
        let store = MemoryStore::new();
        // A previous pull got 100 000 bytes of the base layer into an ingest, then stopped.
        let base = read(&src, &r, &demo.base.digest).await;
        let reference = format!("push-{}", demo.base.digest);
        let mut w = store
            .writer(&WriterOptions::expecting(&reference, &demo.base))
            .await
            .unwrap();
        ociscope_core::content::Writer::write(&mut w, &base[..100_000])
            .await
            .unwrap();
        ociscope_core::content::Writer::close(&mut w).await.unwrap();
        drop(w);
        // The store's helper resumes it: only the rest is written.
        let mut source =
            ociscope_core::spec::BytesReader::new(demo.base.clone(), base.clone(), 4096);
        let wrote = ociscope_core::content::write_blob(
            &store,
            &reference,
            &mut source,
            &demo.base,
            Default::default(),
        )
        .await
        .unwrap();
        assert!(wrote);
        assert_eq!(
            ociscope_core::content::read_blob(&store, &demo.base.digest, u64::MAX)
                .await
                .unwrap(),
            base
        );
        assert!(store.status(&reference).await.unwrap_err().is_not_found());
        let _ = store.reader_at(&demo.base.digest).await.unwrap();
    });
}

#[test]
fn an_oci_archive_round_trip_through_a_tarball() {
    block_on(async {
        let src = MemoryRegistry::new();
        let r = repo("demo/hello");
        let demo = push_demo(&src, &r).await;
        let mut tar: Vec<u8> = Vec::new();
        let images = [ArchiveImage {
            descriptor: demo.index.clone(),
            names: vec!["registry.example/demo/hello:latest".into()],
        }];
        let report = write_archive(&src, &r, &images, &everything(&[]), &mut tar)
            .await
            .unwrap();
        assert_eq!(report.tar_bytes, tar.len() as u64);
        assert_eq!(tar.len() % 512, 0);
        assert_eq!(report.blobs, demo.manifests().len() + demo.blobs.len());
        // The linux images and windows: each a docker-load entry.
        assert_eq!(report.docker_images, demo.images.len());
        // Same image, same bytes.
        let mut again: Vec<u8> = Vec::new();
        write_archive(&src, &r, &images, &everything(&[]), &mut again)
            .await
            .unwrap();
        assert_eq!(Digest::sha256_of(&tar), Digest::sha256_of(&again));

        let archive = TarStore::open(Bytes::from(tar)).await.unwrap();
        assert_eq!(archive.format(), ArchiveFormat::OciLayout);
        let found = archive.images();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].descriptor.digest, demo.index.digest);
        assert_eq!(
            found[0].names,
            vec!["registry.example/demo/hello:latest".to_string()]
        );
        assert_eq!(found[0].platforms.len(), demo.images.len());
        // Read-only.
        assert!(archive.writer(&WriterOptions::new("x")).await.is_err());
        assert!(archive.delete(&demo.index.digest).await.is_err());

        // Push to a registry that already has the base layer: it is skipped.
        let dst = MemoryRegistry::new();
        let out = repo("from/tar");
        dst.push_blob(&out, &demo.base, read(&src, &r, &demo.base.digest).await)
            .await
            .unwrap();
        let events = RefCell::new((0usize, 0usize));
        let pushed = push_archive_image(
            &archive,
            &found[0],
            &dst,
            &out,
            &everything(&["latest"]),
            &|p| {
                let mut e = events.borrow_mut();
                match p.event {
                    Event::Skip(_) => e.0 += 1,
                    Event::Finish(..) => e.1 += 1,
                    _ => {}
                }
            },
        )
        .await
        .unwrap();
        assert!(pushed.present >= 1, "{pushed:?}");
        assert!(events.borrow().0 >= 1);
        assert_same(&src, &r, &dst, &out, &demo.manifests(), &demo.blobs).await;
        assert_eq!(
            dst.stat_manifest(&out, &ManifestRef::Tag(tag("latest")))
                .await
                .unwrap()
                .digest,
            demo.index.digest
        );
    });
}

#[test]
fn a_corrupted_tarball_is_refused_or_caught() {
    block_on(async {
        assert!(
            TarStore::open(Bytes::from_static(b"not a tar at all, just text"))
                .await
                .is_err()
        );
        assert!(TarStore::open(Bytes::from(vec![7u8; 4096])).await.is_err());
        let src = MemoryRegistry::new();
        let r = repo("demo/hello");
        let demo = push_demo(&src, &r).await;
        let mut tar: Vec<u8> = Vec::new();
        let images = [ArchiveImage {
            descriptor: demo.images[1].clone(),
            names: vec![],
        }];
        write_archive(&src, &r, &images, &CopyOptions::default(), &mut tar)
            .await
            .unwrap();
        // Flip a byte inside the base layer's data: the push fails on its digest.
        let needle = read(&src, &r, &demo.base.digest).await;
        let at = tar
            .windows(64)
            .position(|w| w == &needle[1000..1064])
            .unwrap();
        tar[at] ^= 0xff;
        let archive = TarStore::open(Bytes::from(tar)).await.unwrap();
        let dst = MemoryRegistry::new();
        let err = push_archive_image(
            &archive,
            &archive.images()[0],
            &dst,
            &repo("x/y"),
            &everything(&["t"]),
            &|_| {},
        )
        .await
        .unwrap_err();
        assert!(
            err.failures
                .iter()
                .any(|f| f.digest.as_ref() == Some(&demo.base.digest)),
            "{err:?}"
        );
        assert!(
            dst.stat_manifest(&repo("x/y"), &ManifestRef::Tag(tag("t")))
                .await
                .is_err(),
            "no tag moved"
        );
    });
}

#[test]
fn images_kept_in_a_store_resume_keep_their_names_and_are_removed() {
    use ociscope_tools::images::{fetch_ref, list_images, pull_image, remove_image, PullEvent};
    block_on(async {
        let src = Counting::new(MemoryRegistry::new());
        let r = repo("demo/hello");
        let demo = push_demo(&src.inner, &r).await;
        let store = MemoryStore::new();
        // A reload stopped a pull 100 000 bytes into the shared base layer.
        let base = read(&src.inner, &r, &demo.base.digest).await;
        let mut w = store
            .writer(&WriterOptions::expecting(
                fetch_ref(&demo.base.digest),
                &demo.base,
            ))
            .await
            .unwrap();
        ociscope_core::content::Writer::write(&mut w, &base[..100_000])
            .await
            .unwrap();
        drop(w);
        let view = ContentSpec::new(store.clone());
        let local = repo("kept/hello");
        let resumed = RefCell::new(Vec::new());
        let options = CopyOptions {
            platforms: vec![ociscope_core::Platform::parse("linux/amd64").unwrap()],
            referrers: true,
            ..CopyOptions::default()
        };
        let report = pull_image(
            &src,
            &r,
            &ManifestRef::Tag(tag("latest")),
            &view,
            &local,
            "registry.test/demo/hello:latest",
            &options,
            &|e| {
                if let PullEvent::Blob {
                    descriptor,
                    resumed_at,
                } = e
                {
                    resumed
                        .borrow_mut()
                        .push((descriptor.digest.clone(), *resumed_at));
                }
            },
        )
        .await
        .unwrap();
        assert_eq!(report.resumed, vec![(demo.base.digest.clone(), 100_000)]);
        assert!(resumed
            .borrow()
            .contains(&(demo.base.digest.clone(), 100_000)));
        assert_eq!(src.count("get_blob_range"), 1, "{:?}", src.log.borrow());
        assert!(src
            .log
            .borrow()
            .iter()
            .all(|l| !(l.starts_with("get_blob ") && l.contains(demo.base.digest.as_str()))));
        assert_eq!(
            ociscope_core::content::read_blob(&store, &demo.base.digest, u64::MAX)
                .await
                .unwrap(),
            base
        );
        // The names are labels: a view opened later over the same store has them.
        let later = ContentSpec::open(store.clone()).await.unwrap();
        // One platform chosen: the tag names that platform's image.
        let amd64 = demo.image("linux/amd64").digest.clone();
        assert_eq!(later.names()[&local][&tag("latest")].digest, amd64);
        let kept = list_images(&later).await.unwrap();
        assert_eq!(kept.len(), 1);
        assert!(kept[0].platforms.is_empty());
        assert_eq!(kept[0].missing, 0, "{kept:?}");
        assert_eq!(
            kept[0].referrers, 3,
            "SBOM, signature, signature of the SBOM: {kept:?}"
        );
        assert_eq!(
            kept[0].source.as_deref(),
            Some("registry.test/demo/hello:latest")
        );
        let all: u64 = store
            .walk(&Filter::everything())
            .await
            .unwrap()
            .iter()
            .map(|i| i.size)
            .sum();
        assert_eq!(kept[0].bytes, all);
        // Pushing it to another registry from the later view is a copy.
        let dst = MemoryRegistry::new();
        copy_image(
            &later,
            &local,
            &ManifestRef::Tag(tag("latest")),
            &dst,
            &repo("mirror/hello"),
            &everything(&["v1"]),
            &|_| {},
        )
        .await
        .unwrap();
        assert_eq!(
            dst.stat_manifest(&repo("mirror/hello"), &ManifestRef::Tag(tag("v1")))
                .await
                .unwrap()
                .digest,
            amd64
        );
        // Removing it deletes everything it reached; the name label goes too.
        let gone = remove_image(&later, &local, &tag("latest")).await.unwrap();
        assert_eq!(gone.bytes, all);
        assert!(store.walk(&Filter::everything()).await.unwrap().is_empty());
        assert!(ContentSpec::open(store.clone())
            .await
            .unwrap()
            .names()
            .is_empty());
    });
}
