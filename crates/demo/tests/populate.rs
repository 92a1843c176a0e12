//! Populates a MemoryRegistry with the demo and reads everything back through the Spec:
//! platforms, configs against their layers, tar entries, referrers, counts and pagination.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;
use std::future::Future;
use std::io::Read;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use ociscope_core::memory::{MemoryOptions, MemoryRegistry};
use ociscope_core::spec::{
    collect_all, collect_referrers, BlobReader, ManifestRef, PageRequest, RepoName, Spec, Tag,
};
use ociscope_core::{media_type, Descriptor, Digest, Manifest};
use ociscope_demo::{
    platforms, populate, DemoOptions, DemoSummary, ARTIFACT_REPO, COSIGN_TYPE, DOCKER_REPO,
    HELLO_REPO, NOTATION_TYPE, NOTES_TYPE, SBOM_TYPE, VERSIONS_REPO,
};
use serde_json::Value;

/// Runs a future that never pends (every memory operation completes at once).
fn run<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("a memory registry future pended"),
    }
}

/// A repository name the test knows to be valid.
fn repo(name: &str) -> RepoName {
    RepoName::new(name).expect("valid repository name")
}

/// A reference by a tag the test knows to be valid.
fn tag(name: &str) -> ManifestRef {
    ManifestRef::Tag(Tag::new(name).expect("valid tag"))
}

const SMALL: DemoOptions = DemoOptions {
    repositories: 30,
    tags: 40,
};

fn small() -> (MemoryRegistry, DemoSummary) {
    let reg = MemoryRegistry::new();
    let summary = run(populate(&reg, &SMALL)).expect("populate");
    (reg, summary)
}

async fn manifest(reg: &MemoryRegistry, repo: &str, r: ManifestRef) -> Manifest {
    reg.get_manifest(&self::repo(repo), &r)
        .await
        .expect("manifest")
        .parse()
        .expect("parses")
}

async fn blob(reg: &MemoryRegistry, repo: &str, digest: &Digest) -> Vec<u8> {
    let mut reader = reg.get_blob(&self::repo(repo), digest).await.expect("blob");
    reader.read_to_end(1 << 24).await.expect("read").to_vec()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

/// The entries of a tar, read by the `tar` crate: (path, kind, mode, content or link target).
fn tar_entries(archive: &[u8]) -> Vec<(String, tar::EntryType, u32, Vec<u8>)> {
    let mut a = tar::Archive::new(archive);
    a.entries()
        .expect("tar")
        .map(|e| {
            let mut e = e.expect("valid tar header (checksum included)");
            let path = e.path().unwrap().to_string_lossy().into_owned();
            let kind = e.header().entry_type();
            let mode = e.header().mode().unwrap();
            let mut body = Vec::new();
            if kind.is_symlink() {
                body = e
                    .link_name()
                    .unwrap()
                    .unwrap()
                    .to_string_lossy()
                    .as_bytes()
                    .to_vec();
            } else {
                e.read_to_end(&mut body).unwrap();
            }
            (path, kind, mode, body)
        })
        .collect()
}

/// Checks an image: config parses, platform matches, diff_ids are the layers' uncompressed
/// sha256, history pairs with layers, and the tars hold real files. Returns the tar entries.
async fn check_image(
    reg: &MemoryRegistry,
    repo: &str,
    entry: &Descriptor,
    config_type: &str,
    layer_type: &str,
) -> Vec<(String, tar::EntryType, u32, Vec<u8>)> {
    let m = manifest(reg, repo, entry.digest.clone().into()).await;
    assert_eq!(m.media_type(), entry.media_type);
    let config_desc = m.config().expect("config");
    assert_eq!(config_desc.media_type, config_type);
    let config_bytes = blob(reg, repo, &config_desc.digest).await;
    let config: Value = serde_json::from_slice(&config_bytes).expect("config is JSON");
    let platform = entry.platform.as_ref().expect("index entry has a platform");
    assert_eq!(config["architecture"], platform.architecture.as_str());
    assert_eq!(config["os"], platform.os.as_str());
    assert_eq!(config["variant"].as_str(), platform.variant.as_deref());
    assert_eq!(
        config["os.version"].as_str(),
        platform.os_version.as_deref()
    );
    assert!(config["created"]
        .as_str()
        .unwrap()
        .starts_with("2024-05-01T"));
    assert!(config["author"].as_str().unwrap().contains("ociscope"));
    let runtime = &config["config"];
    for field in [
        "Entrypoint",
        "Cmd",
        "Env",
        "Labels",
        "WorkingDir",
        "ExposedPorts",
        "User",
    ] {
        assert!(!runtime[field].is_null(), "config lacks {field}");
    }
    assert!(runtime["ExposedPorts"]["8080/tcp"].is_object());
    let history = config["history"].as_array().unwrap();
    let layered = history.iter().filter(|h| h["empty_layer"] != true).count();
    assert!(
        history.len() > layered,
        "some history entries are empty_layer"
    );
    assert!(history.iter().all(|h| h["created_by"].is_string()));
    assert_eq!(layered, m.layers().len());
    assert_eq!(config["rootfs"]["type"], "layers");
    let diff_ids = config["rootfs"]["diff_ids"].as_array().unwrap();
    assert_eq!(diff_ids.len(), m.layers().len());

    let mut all = Vec::new();
    for (layer, diff_id) in m.layers().iter().zip(diff_ids) {
        assert_eq!(layer.media_type, layer_type);
        let compressed = blob(reg, repo, &layer.digest).await;
        let archive = gunzip(&compressed);
        assert_eq!(
            Digest::sha256_of(&archive).to_string(),
            diff_id.as_str().unwrap()
        );
        assert_eq!(archive.len() % 512, 0);
        let entries = tar_entries(&archive);
        assert!(entries.iter().any(|e| e.1.is_file()), "a layer holds files");
        all.extend(entries);
    }
    all
}

fn file<'a>(
    entries: &'a [(String, tar::EntryType, u32, Vec<u8>)],
    path: &str,
) -> &'a (String, tar::EntryType, u32, Vec<u8>) {
    entries.iter().find(|e| e.0 == path).unwrap_or_else(|| {
        panic!(
            "no {path} in {:?}",
            entries.iter().map(|e| &e.0).collect::<Vec<_>>()
        )
    })
}

#[test]
fn multi_platform_index_and_images() {
    let (reg, summary) = small();
    run(async {
        for name in ["latest", "1.0.0", "1.0", "1"] {
            let d = reg
                .stat_manifest(&repo(HELLO_REPO), &tag(name))
                .await
                .unwrap();
            assert_eq!(d.digest, summary.index.digest);
        }
        let index = manifest(&reg, HELLO_REPO, tag("latest")).await;
        assert_eq!(index.media_type(), media_type::OCI_INDEX);
        let got: Vec<_> = index
            .platforms()
            .into_iter()
            .map(|p| p.cloned().unwrap())
            .collect();
        assert_eq!(got, platforms());
        let names: Vec<String> = got
            .iter()
            .map(|p| {
                format!(
                    "{}/{}{}",
                    p.os,
                    p.architecture,
                    p.variant
                        .as_deref()
                        .map(|v| format!("/{v}"))
                        .unwrap_or_default()
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                "linux/amd64",
                "linux/arm64/v8",
                "linux/arm/v7",
                "linux/s390x",
                "windows/amd64"
            ]
        );
        assert_eq!(got[4].os_version.as_deref(), Some("10.0.20348.2340"));
        assert_eq!(
            index.annotations()["org.opencontainers.image.title"],
            "hello"
        );
        assert!(index
            .annotations()
            .contains_key("org.opencontainers.image.created"));
        assert_eq!(index.manifests(), summary.images.as_slice());

        let mut layer_digests = BTreeSet::new();
        for entry in index.manifests() {
            let m = manifest(&reg, HELLO_REPO, entry.digest.clone().into()).await;
            layer_digests.extend(m.layers().iter().map(|l| l.digest.clone()));
            let entries = check_image(
                &reg,
                HELLO_REPO,
                entry,
                media_type::OCI_CONFIG,
                media_type::OCI_LAYER_TAR_GZIP,
            )
            .await;
            let platform = entry.platform.as_ref().unwrap();
            if platform.os == "windows" {
                let cmd = file(&entries, "Files/hello/hello.cmd");
                assert_eq!(cmd.2, 0o755);
                assert!(String::from_utf8_lossy(&cmd.3).contains("@echo off"));
                continue;
            }
            let os_release = String::from_utf8(file(&entries, "etc/os-release").3.clone()).unwrap();
            assert!(os_release.contains("ID=ociscope-demo"));
            let script = file(&entries, "usr/local/bin/hello.sh");
            assert_eq!(script.2, 0o755);
            assert!(script.3.starts_with(b"#!/bin/sh\n"));
            let link = file(&entries, "usr/bin/hello");
            assert!(link.1.is_symlink());
            assert_eq!(link.3, b"/usr/local/bin/hello.sh");
            assert!(file(&entries, "srv/hello/").1.is_dir());
            let readme =
                String::from_utf8(file(&entries, "srv/hello/README.md").3.clone()).unwrap();
            assert!(readme.starts_with("# hello"));
            let platform_txt =
                String::from_utf8(file(&entries, "srv/hello/platform.txt").3.clone()).unwrap();
            assert_eq!(
                platform_txt.trim(),
                names[summary.images.iter().position(|i| i == entry).unwrap()]
            );
        }
        assert_eq!(
            layer_digests.len(),
            10,
            "every platform has its own two layers"
        );
    })
}

#[test]
fn referrers_of_the_signed_image() {
    let (reg, summary) = small();
    run(async {
        assert_eq!(
            summary.signed.platform.as_ref().unwrap().architecture,
            "amd64"
        );
        let listed = collect_referrers(&reg, &repo(HELLO_REPO), &summary.signed.digest, None, None)
            .await
            .unwrap();
        let types: BTreeSet<_> = listed
            .iter()
            .map(|d| d.artifact_type.clone().unwrap())
            .collect();
        assert_eq!(
            types,
            BTreeSet::from([
                SBOM_TYPE.to_string(),
                COSIGN_TYPE.to_string(),
                NOTATION_TYPE.to_string()
            ])
        );
        let listed_digests: BTreeSet<_> = listed.iter().map(|d| d.digest.clone()).collect();
        let summary_digests: BTreeSet<_> =
            summary.referrers.iter().map(|d| d.digest.clone()).collect();
        assert_eq!(listed_digests, summary_digests);

        let sbom = collect_referrers(
            &reg,
            &repo(HELLO_REPO),
            &summary.signed.digest,
            Some(SBOM_TYPE),
            None,
        )
        .await
        .unwrap();
        assert_eq!(sbom.len(), 1);
        let m = manifest(&reg, HELLO_REPO, sbom[0].digest.clone().into()).await;
        assert_eq!(m.subject().unwrap().digest, summary.signed.digest);
        assert!(m.config().unwrap().is_empty_content());
        let doc: Value =
            serde_json::from_slice(&blob(&reg, HELLO_REPO, &m.layers()[0].digest).await).unwrap();
        assert_eq!(doc["spdxVersion"], "SPDX-2.3");
        // The SBOM's file checksums are those of the files in the image's application layer.
        let image = manifest(&reg, HELLO_REPO, summary.signed.digest.clone().into()).await;
        let app = gunzip(&blob(&reg, HELLO_REPO, &image.layers()[1].digest).await);
        let entries = tar_entries(&app);
        let files = doc["files"].as_array().unwrap();
        assert_eq!(files.len(), 3);
        for f in files {
            let path = f["fileName"].as_str().unwrap().trim_start_matches('/');
            let content = &file(&entries, path).3;
            assert_eq!(
                f["checksums"][0]["checksumValue"],
                Digest::sha256_of(content).encoded()
            );
        }

        let sig = collect_referrers(
            &reg,
            &repo(HELLO_REPO),
            &summary.signed.digest,
            Some(NOTATION_TYPE),
            None,
        )
        .await
        .unwrap();
        assert_eq!(sig.len(), 1);
        assert!(sig[0]
            .annotations
            .contains_key("io.cncf.notary.x509chain.thumbprint#S256"));
        let m = manifest(&reg, HELLO_REPO, sig[0].digest.clone().into()).await;
        assert_eq!(m.layers()[0].media_type, "application/jose+json");
        let cosign = collect_referrers(
            &reg,
            &repo(HELLO_REPO),
            &summary.signed.digest,
            Some(COSIGN_TYPE),
            None,
        )
        .await
        .unwrap();
        let m = manifest(&reg, HELLO_REPO, cosign[0].digest.clone().into()).await;
        let payload: Value =
            serde_json::from_slice(&blob(&reg, HELLO_REPO, &m.layers()[0].digest).await).unwrap();
        assert_eq!(
            payload["critical"]["image"]["docker-manifest-digest"],
            summary.signed.digest.to_string()
        );
        // Other images have none.
        assert!(collect_referrers(
            &reg,
            &repo(HELLO_REPO),
            &summary.images[1].digest,
            None,
            None
        )
        .await
        .unwrap()
        .is_empty());
    })
}

#[test]
fn docker_image_list_and_artifact() {
    let (reg, summary) = small();
    run(async {
        let d = reg
            .stat_manifest(&repo(DOCKER_REPO), &tag("docker-v2"))
            .await
            .unwrap();
        assert_eq!(d.media_type, media_type::DOCKER_MANIFEST_V2);
        assert_eq!(d.digest, summary.docker_image.digest);
        check_image(
            &reg,
            DOCKER_REPO,
            &summary.docker_image,
            media_type::DOCKER_CONFIG,
            media_type::DOCKER_LAYER_TAR_GZIP,
        )
        .await;

        let list = manifest(&reg, DOCKER_REPO, tag("latest")).await;
        assert_eq!(list.media_type(), media_type::DOCKER_MANIFEST_LIST);
        assert_eq!(list.digest(), &summary.docker_list.digest);
        assert_eq!(list.manifests().len(), 2);
        for entry in list.manifests() {
            assert_eq!(entry.media_type, media_type::DOCKER_MANIFEST_V2);
            check_image(
                &reg,
                DOCKER_REPO,
                entry,
                media_type::DOCKER_CONFIG,
                media_type::DOCKER_LAYER_TAR_GZIP,
            )
            .await;
        }

        let art = manifest(&reg, ARTIFACT_REPO, tag("release-notes")).await;
        assert_eq!(art.digest(), &summary.artifact.digest);
        assert_eq!(art.artifact_type(), Some(NOTES_TYPE));
        assert_eq!(art.artifact_type_field(), Some(NOTES_TYPE));
        assert!(art.config().unwrap().is_empty_content());
        assert_eq!(
            blob(&reg, ARTIFACT_REPO, &art.config().unwrap().digest).await,
            b"{}"
        );
        assert!(!art.annotations().is_empty());
        let layer = &art.layers()[0];
        assert_eq!(layer.media_type, "text/markdown");
        assert_eq!(
            layer.annotations["org.opencontainers.image.title"],
            "NOTES.md"
        );
        let notes = String::from_utf8(blob(&reg, ARTIFACT_REPO, &layer.digest).await).unwrap();
        assert!(notes.starts_with("# hello 1.0.0 release notes"));
    })
}

#[test]
fn repositories_and_tags_paginate() {
    let (reg, summary) = small();
    run(async {
        let repos = collect_all(&reg, None, 7, None).await.unwrap();
        assert_eq!(repos.len(), 34);
        assert_eq!(summary.repository_count, 34);
        let mut sorted = repos.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, repos, "lexical order, no duplicates");
        for featured in [HELLO_REPO, DOCKER_REPO, ARTIFACT_REPO, VERSIONS_REPO] {
            assert!(repos.iter().any(|r| r == featured), "{featured}");
        }
        for prefix in ["demo/service-", "team-a/", "mirror/library/"] {
            assert_eq!(
                repos.iter().filter(|r| r.starts_with(prefix)).count(),
                10,
                "{prefix}"
            );
        }
        let first = reg
            .list_repositories(&PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(first.items, repos[..10]);
        assert!(first.next.is_some());
        // Every bulk repository holds the same image, with its blobs mounted.
        let bulk = summary.bulk_image.clone().unwrap();
        for r in repos.iter().filter(|r| r.starts_with("team-a/")) {
            let d = reg.stat_manifest(&repo(r), &tag("latest")).await.unwrap();
            assert_eq!(d.digest, bulk.digest);
            let m = manifest(&reg, r, d.digest.into()).await;
            reg.stat_blob(&repo(r), &m.layers()[0].digest)
                .await
                .unwrap();
        }

        let tags = collect_all(&reg, Some(&repo(VERSIONS_REPO)), 9, None)
            .await
            .unwrap();
        assert_eq!(tags.len(), 41);
        assert_eq!(summary.tag_count, 41);
        for t in ["v0.0.1", "v0.0.14", "v0.2.10", "latest"] {
            assert!(tags.iter().any(|x| x == t), "{t}");
        }
        let pos = |t: &str| tags.iter().position(|x| x == t).unwrap();
        assert!(
            pos("v0.0.10") < pos("v0.0.2"),
            "lexical, not version, order"
        );
        let page = reg
            .list_tags(&repo(VERSIONS_REPO), &PageRequest::first(5))
            .await
            .unwrap();
        assert_eq!(page.items, tags[..5]);
    })
}

#[test]
fn same_options_same_digests() {
    let (_, a) = small();
    let (_, b) = small();
    let digests = |s: &DemoSummary| {
        let mut v = vec![
            s.index.digest.clone(),
            s.signed.digest.clone(),
            s.docker_image.digest.clone(),
            s.docker_list.digest.clone(),
            s.artifact.digest.clone(),
            s.bulk_image.clone().unwrap().digest,
        ];
        v.extend(s.referrers.iter().map(|r| r.digest.clone()));
        v
    };
    assert_eq!(digests(&a), digests(&b));
}

#[test]
fn works_without_mounts_or_referrers_api() {
    let reg = MemoryRegistry::with_options(MemoryOptions {
        mount_enabled: false,
        referrers_enabled: false,
        ..MemoryOptions::default()
    });
    let summary = run(populate(
        &reg,
        &DemoOptions {
            repositories: 5,
            tags: 3,
        },
    ))
    .unwrap();
    run(async {
        let repos = collect_all(&reg, None, 100, None).await.unwrap();
        assert_eq!(repos.len(), summary.repository_count);
        let bulk = summary.bulk_image.unwrap();
        for r in repos.iter().filter(|r| r.starts_with("mirror/")) {
            let m = manifest(&reg, r, bulk.digest.clone().into()).await;
            reg.stat_blob(&repo(r), &m.config().unwrap().digest)
                .await
                .expect("pushed, not mounted");
        }
    })
}

#[test]
fn default_options_push_thousands() {
    let reg = MemoryRegistry::new();
    let summary = run(populate(&reg, &DemoOptions::default())).unwrap();
    run(async {
        assert_eq!(
            collect_all(&reg, None, 1000, None).await.unwrap().len(),
            3004
        );
        assert_eq!(summary.repository_count, 3004);
        assert_eq!(
            collect_all(&reg, Some(&repo(VERSIONS_REPO)), 1000, None)
                .await
                .unwrap()
                .len(),
            3001
        );
        assert_eq!(summary.tag_count, 3001);
    })
}

#[test]
fn empty_options() {
    let reg = MemoryRegistry::new();
    let summary = run(populate(
        &reg,
        &DemoOptions {
            repositories: 0,
            tags: 0,
        },
    ))
    .unwrap();
    assert!(summary.bulk_image.is_none());
    assert_eq!(summary.tag_count, 0);
    let repos = run(collect_all(&reg, None, 100, None)).unwrap();
    assert_eq!(repos, [ARTIFACT_REPO, HELLO_REPO, DOCKER_REPO]);
    assert_eq!(summary.repository_count, 3);
}
