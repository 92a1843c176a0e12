//! Lookup, ensure, synthesize and artifact upload over in-memory registries.

mod tools_support;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use bytes::Bytes;
use ociscope_core::memory::{MemoryOptions, MemoryRegistry};
use ociscope_core::spec::{collect_referrers, Error, ErrorKind, ManifestRef, Spec};
use ociscope_core::{media_type, Descriptor, Digest, ErrorCode, Manifest, ManifestKind, Platform};
use ociscope_tools::artifact::{
    push_artifact, upload_blob, ArtifactOptions, ChunkSource, FileEntry, UploadOptions,
    FILE_ARTIFACT_TYPE, TITLE,
};
use ociscope_tools::copy::Transfer;
use ociscope_tools::ensure::{ensure_blob, ensure_manifest, FromFn, FromRegistry};
use ociscope_tools::lookup::{found, lookup, Location, LookupKind};
use ociscope_tools::synthesize::{synthesize_index, BASHBREW_ARCH, REF_NAME};
use serde_json::json;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use tools_support::*;

const CHUNK: usize = 64 * 1024;

#[test]
fn lookup_stats_and_gets_manifests_and_blobs_with_typed_not_found() {
    block_on(async {
        let reg = MemoryRegistry::new();
        let a = repo("demo/hello");
        let demo = push_demo(&reg, &a).await;
        let loc = Location::parse("localhost:5000/demo/hello:latest").unwrap();
        let head = lookup(&reg, &loc, LookupKind::StatManifest).await.unwrap();
        assert_eq!(head.descriptor.digest, demo.index.digest);
        assert!(head.content.is_none());
        let got = lookup(&reg, &loc, LookupKind::GetManifest).await.unwrap();
        let content = got.content.unwrap();
        assert_eq!(Digest::sha256_of(&content), demo.index.digest);
        assert_eq!(
            Manifest::parse(&content, Some(&got.descriptor.media_type))
                .unwrap()
                .kind(),
            ManifestKind::OciIndex
        );

        let config = &demo.image_blobs[0];
        let blob = lookup(
            &reg,
            &loc.at_digest(config.digest.clone()),
            LookupKind::GetBlob { limit: 1 << 20 },
        )
        .await
        .unwrap();
        assert_eq!(blob.content.unwrap(), read(&reg, &a, &config.digest).await);
        let base = loc.at_digest(demo.base.digest.clone());
        assert_eq!(
            lookup(&reg, &base, LookupKind::StatBlob)
                .await
                .unwrap()
                .descriptor
                .size,
            150_000
        );
        let e = lookup(&reg, &base, LookupKind::GetBlob { limit: 1000 })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), Some(ErrorKind::Unsupported), "{e}");

        let nope = Location::new(a.clone(), ManifestRef::Tag(tag("nope")));
        let e = lookup(&reg, &nope, LookupKind::GetManifest)
            .await
            .unwrap_err();
        assert!(e.has_code(ErrorCode::ManifestUnknown), "{e}");
        assert!(found(lookup(&reg, &nope, LookupKind::StatManifest).await)
            .unwrap()
            .is_none());
        let missing = loc.at_digest(Digest::sha256_of(b"missing"));
        let e = lookup(&reg, &missing, LookupKind::StatBlob)
            .await
            .unwrap_err();
        assert!(e.has_code(ErrorCode::BlobUnknown), "{e}");
        let e = lookup(&reg, &loc, LookupKind::StatBlob).await.unwrap_err();
        assert_eq!(
            e.kind(),
            Some(ErrorKind::InvalidArgument),
            "a blob by tag: {e}"
        );

        // A registry answering another digest is caught.
        let liar = Lying {
            inner: reg.clone(),
            swaps: vec![(config.digest.clone(), demo.base.digest.clone())],
        };
        let e = lookup(
            &liar,
            &loc.at_digest(config.digest.clone()),
            LookupKind::GetBlob { limit: 1 << 20 },
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind(), Some(ErrorKind::Protocol), "{e}");
    });
}

/// Every manifest and blob of the demo, by digest.
async fn contents(reg: &MemoryRegistry, demo: &Demo) -> HashMap<Digest, Bytes> {
    let a = repo("demo/hello");
    let mut map = HashMap::new();
    for m in demo.manifests() {
        map.insert(
            m.digest.clone(),
            reg.get_manifest(&a, &at(&m)).await.unwrap().content,
        );
    }
    for b in &demo.blobs {
        map.insert(b.digest.clone(), read(reg, &a, &b.digest).await);
    }
    map
}

#[test]
fn ensure_pushes_only_what_is_missing() {
    block_on(async {
        let src = MemoryRegistry::new();
        let a = repo("demo/hello");
        let demo = push_demo(&src, &a).await;
        let map = contents(&src, &demo).await;
        let index_bytes = map[&demo.index.digest].clone();
        let dst = Counting::new(MemoryRegistry::new());
        let b = repo("mirror/hello");
        let latest = ManifestRef::Tag(tag("latest"));
        let e = ensure_manifest(
            &dst,
            &b,
            &latest,
            media_type::OCI_INDEX,
            index_bytes.clone(),
            &(),
        )
        .await
        .unwrap_err();
        assert!(e.has_code(ErrorCode::ManifestBlobUnknown), "{e}");
        assert!(
            e.to_string().contains(demo.images[0].digest.as_str()),
            "{e}"
        );

        let done = ensure_manifest(
            &dst,
            &b,
            &latest,
            media_type::OCI_INDEX,
            index_bytes.clone(),
            &map,
        )
        .await
        .unwrap();
        assert_eq!(done.transfer, Transfer::Pushed);
        assert_eq!(done.descriptor.digest, demo.index.digest);
        assert_eq!(
            dst.stat_manifest(&b, &latest).await.unwrap().digest,
            demo.index.digest
        );
        let mut manifests = demo.images.clone();
        manifests.push(demo.index.clone());
        assert_same(&src, &a, &dst.inner, &b, &manifests, &demo.image_blobs).await;

        // Again: the small index is pushed straight (one request), nothing else.
        dst.reset();
        ensure_manifest(
            &dst,
            &b,
            &latest,
            media_type::OCI_INDEX,
            index_bytes.clone(),
            &map,
        )
        .await
        .unwrap();
        assert_eq!((dst.count("push_manifest"), dst.writes()), (1, 1));

        // A large blob that is there is only looked at.
        dst.reset();
        let base = map[&demo.base.digest].clone();
        let got = ensure_blob(&dst, &b, &demo.base, base.clone())
            .await
            .unwrap();
        assert_eq!(got.transfer, Transfer::Present);
        assert_eq!((dst.count("stat_blob"), dst.writes()), (1, 0));
        // Content that does not match is refused before any request.
        dst.reset();
        let e = ensure_blob(&dst, &b, &demo.base, base.slice(1..))
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Digest(_)), "{e}");
        let wrong = ManifestRef::Digest(demo.images[0].digest.clone());
        let e = ensure_manifest(
            &dst,
            &b,
            &wrong,
            media_type::OCI_INDEX,
            index_bytes.clone(),
            &map,
        )
        .await
        .unwrap_err();
        assert!(e.has_code(ErrorCode::DigestInvalid), "{e}");
        assert_eq!(dst.log.borrow().len(), 0);
    });
}

#[test]
fn ensure_takes_children_from_a_closure_or_another_registry() {
    block_on(async {
        let src = MemoryRegistry::new();
        let a = repo("demo/hello");
        let demo = push_demo(&src, &a).await;
        let map = contents(&src, &demo).await;
        let index_bytes = map[&demo.index.digest].clone();
        let at_index = ManifestRef::Digest(demo.index.digest.clone());
        let mut manifests = demo.images.clone();
        manifests.push(demo.index.clone());

        let dst = MemoryRegistry::new();
        let b = repo("one/hello");
        let lookup = FromFn(|d: &Digest| map.get(d).cloned());
        ensure_manifest(
            &dst,
            &b,
            &at_index,
            media_type::OCI_INDEX,
            index_bytes.clone(),
            &lookup,
        )
        .await
        .unwrap();
        assert_same(&src, &a, &dst, &b, &manifests, &demo.image_blobs).await;
        assert!(dst
            .list_tags(&b, &Default::default())
            .await
            .unwrap()
            .items
            .is_empty());

        let dst = MemoryRegistry::new();
        let from = FromRegistry {
            spec: &src,
            repo: &a,
            limit: 1 << 20,
        };
        ensure_manifest(
            &dst,
            &b,
            &at_index,
            media_type::OCI_INDEX,
            index_bytes,
            &from,
        )
        .await
        .unwrap();
        assert_same(&src, &a, &dst, &b, &manifests, &demo.image_blobs).await;
    });
}

#[test]
fn synthesize_a_single_image_into_a_one_entry_index() {
    block_on(async {
        let reg = MemoryRegistry::new();
        let a = repo("demo/hello");
        let demo = push_demo(&reg, &a).await;
        let windows = demo.image("windows/amd64").clone();
        let loc =
            Location::parse(&format!("localhost:5000/demo/hello@{}", windows.digest)).unwrap();
        let s = synthesize_index(&reg, &loc).await.unwrap();
        assert_eq!(s.descriptor.media_type, media_type::OCI_INDEX);
        assert_eq!(s.descriptor.digest, Digest::sha256_of(&s.content));
        let parsed = Manifest::parse(&s.content, Some(media_type::OCI_INDEX)).unwrap();
        assert_eq!(parsed.manifests(), s.index.manifests.as_slice());
        let [entry] = s.index.manifests.as_slice() else {
            panic!("one entry: {:?}", s.index.manifests);
        };
        assert_eq!(entry.digest, windows.digest);
        assert_eq!(entry.media_type, media_type::OCI_MANIFEST);
        let p = entry.platform.as_ref().unwrap();
        assert_eq!(
            (p.os.as_str(), p.architecture.as_str()),
            ("windows", "amd64")
        );
        assert_eq!(p.os_version.as_deref(), Some("10.0.20348.2113"));
        let name = format!("localhost:5000/demo/hello@{}", windows.digest);
        assert_eq!(entry.annotations[REF_NAME], name);
        assert_eq!(entry.annotations[BASHBREW_ARCH], "windows-amd64");
        assert_eq!(s.index.annotations[REF_NAME], name);
        // Nothing was pushed; pushing stores exactly these bytes.
        assert!(reg.stat_manifest(&a, &at(&s.descriptor)).await.is_err());
        let pushed = s.push(&reg, &a, &[tag("windows")]).await.unwrap();
        assert_eq!(pushed.digest, s.descriptor.digest);

        // A Docker image becomes a Docker manifest list.
        let (docker, _) = push_image(
            &reg,
            &a,
            &Platform::new("linux", "s390x"),
            &demo.base,
            50,
            true,
        )
        .await;
        let s = synthesize_index(&reg, &Location::new(a.clone(), at(&docker)))
            .await
            .unwrap();
        assert_eq!(s.descriptor.media_type, media_type::DOCKER_MANIFEST_LIST);
        assert_eq!(s.index.manifests[0].annotations[BASHBREW_ARCH], "s390x");
        assert_eq!(
            s.index.manifests[0].annotations[REF_NAME],
            format!("demo/hello@{}", docker.digest)
        );
    });
}

#[test]
fn synthesize_an_index_fills_missing_platforms_and_recomputes_arches() {
    block_on(async {
        let reg = MemoryRegistry::new();
        let a = repo("demo/hello");
        let demo = push_demo(&reg, &a).await;
        let amd64 = demo.image("linux/amd64").clone();
        let mut arm64 = demo.image("linux/arm64").clone();
        arm64.platform = None;
        let mut s390x = demo.image("linux/s390x").clone();
        s390x
            .annotations
            .insert(BASHBREW_ARCH.into(), "i386".into());
        let attestation = |subject: &Digest, seed| {
            let reg = &reg;
            let a = &a;
            let subject = subject.clone();
            async move {
                let layer =
                    push_blob(reg, a, "application/vnd.in-toto+json", bytes(seed, 100)).await;
                let doc = json!({"schemaVersion": 2, "mediaType": media_type::OCI_MANIFEST,
                    "config": Descriptor::empty(), "layers": [layer]});
                let mut d = push_json(reg, a, media_type::OCI_MANIFEST, &doc, &[]).await;
                d.platform = Some(Platform::new("unknown", "unknown"));
                d.annotations.insert(
                    "vnd.docker.reference.type".into(),
                    "attestation-manifest".into(),
                );
                d.annotations
                    .insert("vnd.docker.reference.digest".into(), subject.to_string());
                d
            }
        };
        let kept = attestation(&amd64.digest, 1).await;
        let dangling = attestation(&demo.image("linux/arm/v7").digest, 2).await;
        let doc = json!({"schemaVersion": 2, "mediaType": media_type::OCI_INDEX,
            "manifests": [amd64, arm64, amd64, s390x, kept, dangling],
            "annotations": {"org.example.note": "mixed"}});
        let index = push_json(&reg, &a, media_type::OCI_INDEX, &doc, &[tag("mixed")]).await;

        let loc = Location::parse("localhost:5000/demo/hello:mixed").unwrap();
        let s = synthesize_index(&reg, &loc).await.unwrap();
        let digests: Vec<&Digest> = s.index.manifests.iter().map(|d| &d.digest).collect();
        assert_eq!(
            digests,
            vec![&amd64.digest, &arm64.digest, &s390x.digest, &kept.digest]
        );
        let arch: Vec<&str> = s
            .index
            .manifests
            .iter()
            .map(|d| d.annotations[BASHBREW_ARCH].as_str())
            .collect();
        assert_eq!(arch, ["amd64", "arm64v8", "s390x", "amd64"]);
        assert_eq!(
            s.index.manifests[1].platform.as_ref().unwrap().to_string(),
            "linux/arm64/v8"
        );
        for e in &s.index.manifests {
            assert_eq!(
                e.annotations[REF_NAME],
                format!("localhost:5000/demo/hello:mixed@{}", e.digest)
            );
        }
        assert_eq!(s.index.annotations["org.example.note"], "mixed");
        assert_eq!(
            s.index.annotations[REF_NAME],
            format!("localhost:5000/demo/hello:mixed@{}", index.digest)
        );
        s.push(&reg, &a, &[]).await.unwrap();

        let schema1 = Location::new(a.clone(), ManifestRef::Tag(tag("nope")));
        let e = synthesize_index(&reg, &schema1).await.unwrap_err();
        assert!(e.has_code(ErrorCode::ManifestUnknown), "{e}");
    });
}

fn file(seed: u64, len: usize) -> Bytes {
    bytes(seed, len)
}

#[test]
fn three_files_become_one_artifact_attached_as_a_referrer() {
    for min_chunk_len in [1, 100 * 1024] {
        block_on(async {
            let reg = Counting::new(MemoryRegistry::with_options(MemoryOptions {
                min_chunk_len,
                ..MemoryOptions::default()
            }));
            let a = repo("demo/hello");
            let demo = push_demo(&reg.inner, &a).await;
            let mut subject = demo.image("linux/amd64").clone();
            subject.platform = None;
            let files = vec![
                FileEntry {
                    name: "notes.txt".into(),
                    media_type: Some("text/plain".into()),
                    source: file(1, 500),
                },
                FileEntry {
                    name: "data.bin".into(),
                    media_type: None,
                    source: file(2, 300_000),
                },
                FileEntry {
                    name: "report.json".into(),
                    media_type: Some("application/json".into()),
                    source: file(3, 1000),
                },
            ];
            let options = ArtifactOptions {
                artifact_type: Some("application/vnd.example.report.v1".into()),
                annotations: [("org.example.k".to_string(), "v".to_string())].into(),
                subject: Some(subject.clone()),
                tags: vec![tag("report")],
                chunk_size: Some(CHUNK),
            };
            let seen = RefCell::new(Vec::new());
            let pushed = push_artifact(
                &reg,
                &a,
                &files,
                &options,
                &|done, total| seen.borrow_mut().push((done, total)),
                &Cell::new(false),
            )
            .await
            .unwrap();
            let referrers = collect_referrers(&reg, &a, &subject.digest, None, None)
                .await
                .unwrap();
            let listed = referrers
                .iter()
                .find(|r| r.digest == pushed.manifest.digest)
                .expect("listed as a referrer");
            assert_eq!(
                listed.artifact_type.as_deref(),
                Some("application/vnd.example.report.v1")
            );
            let only = collect_referrers(
                &reg,
                &a,
                &subject.digest,
                Some("application/vnd.example.report.v1"),
                None,
            )
            .await
            .unwrap();
            assert_eq!(only.len(), 1);

            let got = reg
                .get_manifest(&a, &ManifestRef::Tag(tag("report")))
                .await
                .unwrap();
            assert_eq!(got.descriptor.digest, pushed.manifest.digest);
            let m = got.parse().unwrap();
            assert_eq!(m.subject().unwrap().digest, subject.digest);
            assert!(m.config().unwrap().is_empty_content());
            assert_eq!(m.annotations()["org.example.k"], "v");
            let titles: Vec<&str> = m
                .layers()
                .iter()
                .map(|l| l.annotations[TITLE].as_str())
                .collect();
            assert_eq!(titles, ["notes.txt", "data.bin", "report.json"]);
            let types: Vec<&str> = m.layers().iter().map(|l| l.media_type.as_str()).collect();
            assert_eq!(
                types,
                ["text/plain", "application/octet-stream", "application/json"]
            );
            for (layer, f) in m.layers().iter().zip(&files) {
                assert_eq!(read(&reg.inner, &a, &layer.digest).await, f.source);
            }
            let total = 500 + 300_000 + 1000;
            let seen = seen.into_inner();
            assert_eq!(seen.last(), Some(&(total, total)));
            assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "{seen:?}");
            assert!(seen.len() >= 5, "the large file reported chunks: {seen:?}");
            assert_eq!(reg.inner.upload_count(), 0);
        });
    }
}

#[test]
fn an_artifact_with_bad_names_is_refused_before_any_request() {
    block_on(async {
        let reg = Counting::new(MemoryRegistry::new());
        let a = repo("up/files");
        for names in [vec!["a", "a"], vec![""]] {
            let files: Vec<_> = names
                .iter()
                .map(|n| FileEntry {
                    name: n.to_string(),
                    media_type: None,
                    source: file(1, 10),
                })
                .collect();
            let e = push_artifact(
                &reg,
                &a,
                &files,
                &ArtifactOptions::default(),
                &|_, _| {},
                &Cell::new(false),
            )
            .await
            .unwrap_err();
            assert_eq!(e.error.kind(), Some(ErrorKind::InvalidArgument));
        }
        assert_eq!(reg.writes(), 0);
        // No files at all: one empty layer, the file artifact type, pushed by digest.
        let files: Vec<FileEntry<Bytes>> = Vec::new();
        let pushed = push_artifact(
            &reg,
            &a,
            &files,
            &ArtifactOptions::default(),
            &|_, _| {},
            &Cell::new(false),
        )
        .await
        .unwrap();
        let m = reg
            .get_manifest(&a, &at(&pushed.manifest))
            .await
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(m.artifact_type(), Some(FILE_ARTIFACT_TYPE));
        assert!(m.layers()[0].is_empty_content());
    });
}

#[test]
fn an_upload_resumes_by_itself_after_dropped_connections() {
    block_on(async {
        let faults = Faults::default();
        faults
            .write_at
            .borrow_mut()
            .extend([2 * CHUNK as u64, 4 * CHUNK as u64]);
        faults.commits.set(1);
        let reg = Flaky {
            inner: MemoryRegistry::new(),
            faults: faults.clone(),
        };
        let a = repo("up/flaky");
        let data = file(9, 5 * CHUNK + 123);
        let options = UploadOptions {
            chunk_size: CHUNK,
            ..UploadOptions::default()
        };
        let seen = RefCell::new(Vec::new());
        let d = upload_blob(
            &reg,
            &a,
            &data,
            &options,
            &|n| seen.borrow_mut().push(n),
            &Cell::new(false),
        )
        .await
        .unwrap();
        assert_eq!(d.digest, Digest::sha256_of(&data));
        assert_eq!(faults.injected.get(), 3);
        assert_eq!(read(&reg.inner, &a, &d.digest).await, data);
        assert_eq!(reg.inner.upload_count(), 0);
        let seen = seen.into_inner();
        // Each failure reports where the registry stands again.
        assert_eq!(
            seen.iter().filter(|n| **n == 2 * CHUNK as u64).count(),
            2,
            "{seen:?}"
        );
        assert_eq!(seen.last(), Some(&(data.len() as u64)));
    });
}

#[test]
fn an_upload_the_registry_dropped_starts_over_by_itself() {
    block_on(async {
        // A connection drops at the third chunk, and the registry then refuses to resume the
        // upload (as CNCF distribution 2.8 does after a request broke off mid-body).
        let faults = Faults::default();
        faults.write_at.borrow_mut().push(2 * CHUNK as u64);
        let reg = Counting::new(Flaky {
            inner: MemoryRegistry::new(),
            faults: faults.clone(),
        });
        let a = repo("up/dropped");
        let data = file(11, 4 * CHUNK + 7);
        let options = UploadOptions {
            chunk_size: CHUNK,
            ..UploadOptions::default()
        };
        let queued = Cell::new(false);
        let progress = |n: u64| {
            if n == 2 * CHUNK as u64 && !queued.replace(true) {
                reg.fail_next(Error::code(ErrorCode::BlobUploadUnknown, "no such upload"));
            }
        };
        let d = upload_blob(&reg, &a, &data, &options, &progress, &Cell::new(false))
            .await
            .unwrap();
        assert_eq!(d.digest, Digest::sha256_of(&data));
        assert_eq!(read(&reg.inner.inner, &a, &d.digest).await, data);
        assert_eq!(reg.count("resume_upload"), 1);
        assert_eq!(reg.count("start_upload"), 2, "started over");
    });
}

#[test]
fn without_retries_an_upload_stops_resumable_and_continues_later() {
    block_on(async {
        let faults = Faults::default();
        faults.write_at.borrow_mut().push(2 * CHUNK as u64);
        let reg = Flaky {
            inner: MemoryRegistry::new(),
            faults,
        };
        let a = repo("up/later");
        let data = file(4, 3 * CHUNK + 7);
        let options = UploadOptions {
            chunk_size: CHUNK,
            retries: 0,
            ..UploadOptions::default()
        };
        let stopped = upload_blob(&reg, &a, &data, &options, &|_| {}, &Cell::new(false))
            .await
            .unwrap_err();
        assert_eq!(stopped.error.kind(), Some(ErrorKind::Network));
        let resume = stopped.resume.clone().expect("resumable");
        assert_eq!(resume.offset, 2 * CHUNK as u64);
        assert!(
            stopped.to_string().contains("resumable at byte"),
            "{stopped}"
        );
        let first = Cell::new(None);
        let later = UploadOptions {
            resume: Some(resume),
            ..options
        };
        let d = upload_blob(
            &reg,
            &a,
            &data,
            &later,
            &|n| {
                if first.get().is_none() {
                    first.set(Some(n));
                }
            },
            &Cell::new(false),
        )
        .await
        .unwrap();
        assert_eq!(
            first.get(),
            Some(2 * CHUNK as u64),
            "resumed, not restarted"
        );
        assert_eq!(d.digest, Digest::sha256_of(&data));
    });
}

/// A source that fails once past `fail_at`, like a file the person moved mid-upload.
struct FailingSource {
    data: Bytes,
    fail_at: u64,
    failed: Cell<bool>,
}

impl ChunkSource for FailingSource {
    fn len(&self) -> u64 {
        self.data.len() as u64
    }

    async fn read(&self, start: u64, end: u64) -> Result<Bytes, Error> {
        if end > self.fail_at && !self.failed.replace(true) {
            return Err(Error::invalid("the file went away"));
        }
        self.data.read(start, end).await
    }
}

#[test]
fn a_failing_source_stops_resumable_and_cancel_keeps_nothing() {
    block_on(async {
        let reg = MemoryRegistry::new();
        let a = repo("up/source");
        let data = file(5, 3 * CHUNK);
        let source = FailingSource {
            data: data.clone(),
            fail_at: 2 * CHUNK as u64 + 10,
            failed: Cell::new(false),
        };
        let options = UploadOptions {
            chunk_size: CHUNK,
            ..UploadOptions::default()
        };
        let stopped = upload_blob(&reg, &a, &source, &options, &|_| {}, &Cell::new(false))
            .await
            .unwrap_err();
        assert_eq!(
            stopped.resume.as_ref().map(|r| r.offset),
            Some(2 * CHUNK as u64)
        );
        let again = UploadOptions {
            resume: stopped.resume,
            ..options.clone()
        };
        let d = upload_blob(&reg, &a, &source, &again, &|_| {}, &Cell::new(false))
            .await
            .unwrap();
        assert_eq!(d.digest, Digest::sha256_of(&data));

        let cancel = Cell::new(false);
        let e = upload_blob(
            &reg,
            &a,
            &file(6, 3 * CHUNK),
            &options,
            &|n| {
                if n > 0 {
                    cancel.set(true)
                }
            },
            &cancel,
        )
        .await
        .unwrap_err();
        assert_eq!(e.error.kind(), Some(ErrorKind::Aborted));
        assert!(e.resume.is_none());
        assert_eq!(reg.upload_count(), 0);
        assert!(reg
            .stat_blob(&a, &Digest::sha256_of(&file(6, 3 * CHUNK)))
            .await
            .is_err());
    });
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn a_file_on_disk_uploads_in_chunks() {
    use ociscope_tools::artifact::FileSource;
    let path = std::env::temp_dir().join(format!("ociscope-tools-{}.bin", std::process::id()));
    let data = file(11, 2 * CHUNK + 5);
    std::fs::write(&path, &data).unwrap();
    let source = FileSource::open(&path).unwrap();
    assert_eq!(source.len(), data.len() as u64);
    block_on(async {
        let reg = MemoryRegistry::new();
        let a = repo("up/disk");
        let options = UploadOptions {
            chunk_size: CHUNK,
            ..UploadOptions::default()
        };
        let d = upload_blob(&reg, &a, &source, &options, &|_| {}, &Cell::new(false))
            .await
            .unwrap();
        assert_eq!(read(&reg, &a, &d.digest).await, data);
        assert!(source.read(0, data.len() as u64 + 1).await.is_err());
    });
    std::fs::remove_file(&path).unwrap();
}
