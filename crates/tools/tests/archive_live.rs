//! Tarballs with the real peer: `skopeo copy docker://… oci-archive:` and `docker-archive:`
//! from ociscope-server (in this process, on a free loopback port) give tarballs the library
//! reads in place and pushes back (digests checked against the source), and a tarball the
//! library writes is read by `skopeo copy oci-archive:` (and `docker-archive:`, which reads
//! the `manifest.json` that `docker load` reads) with the registry's digests.
#![cfg(not(target_arch = "wasm32"))]

mod tools_support;

use std::io::Write;
use std::path::Path;
use std::process::Command;

use bytes::Bytes;
use ociscope_core::client::Options;
use ociscope_core::memory::MemoryRegistry;
use ociscope_core::spec::{ManifestRef, RepoName, Spec};
use ociscope_core::{media_type, Descriptor, Digest, Manifest};
use ociscope_native::content::DiskReader;
use ociscope_server::{spawn, Config};
use ociscope_tools::copy::CopyOptions;
use ociscope_tools::tarball::{
    push_archive_image, write_archive, ArchiveFormat, ArchiveImage, TarStore, WriteSink,
};
use serde_json::json;

use tools_support::*;

fn skopeo(args: &[&str]) -> Vec<u8> {
    let out = Command::new("skopeo")
        .args(args)
        .output()
        .expect("skopeo runs (Debian package skopeo)");
    assert!(
        out.status.success(),
        "skopeo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A real image: two gzip layers of real tar files, a config naming their diff_ids.
struct Image {
    manifest: Descriptor,
    config: Descriptor,
    diff_ids: Vec<Digest>,
}

fn layer(files: &[(&str, &[u8])]) -> (Bytes, Digest) {
    let mut b = tar::Builder::new(Vec::new());
    for (name, body) in files {
        let mut h = tar::Header::new_ustar();
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_cksum();
        b.append_data(&mut h, name, *body).unwrap();
    }
    let raw = b.into_inner().unwrap();
    let diff_id = Digest::sha256_of(&raw);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&raw).unwrap();
    (Bytes::from(gz.finish().unwrap()), diff_id)
}

async fn push_real_image<S: Spec>(spec: &S, r: &RepoName, t: &str) -> Image {
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let (l1, d1) = layer(&[("etc/hello", b"hello from ociscope\n"), ("data/big", &big)]);
    let (l2, d2) = layer(&[("app/run.sh", b"#!/bin/sh\necho hi\n")]);
    let layers = [
        push_blob(spec, r, media_type::OCI_LAYER_TAR_GZIP, l1).await,
        push_blob(spec, r, media_type::OCI_LAYER_TAR_GZIP, l2).await,
    ];
    let config = json!({
        "architecture": "amd64", "os": "linux",
        "config": {"Cmd": ["/app/run.sh"]},
        "rootfs": {"type": "layers", "diff_ids": [d1.as_str(), d2.as_str()]},
        "history": [{"created_by": "layer one"}, {"created_by": "layer two"}],
    });
    let config = push_blob(
        spec,
        r,
        media_type::OCI_CONFIG,
        Bytes::from(config.to_string()),
    )
    .await;
    let manifest = json!({
        "schemaVersion": 2, "mediaType": media_type::OCI_MANIFEST,
        "config": config, "layers": layers,
    });
    let manifest = push_json(spec, r, media_type::OCI_MANIFEST, &manifest, &[tag(t)]).await;
    Image {
        manifest,
        config,
        diff_ids: vec![d1, d2],
    }
}

async fn open(path: &Path) -> TarStore<DiskReader> {
    TarStore::open(DiskReader::open(path).unwrap())
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn push_options(t: &str) -> CopyOptions {
    CopyOptions {
        tags: vec![tag(t)],
        ..CopyOptions::default()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn tarballs_round_trip_with_skopeo() {
    let server = spawn("127.0.0.1:0", MemoryRegistry::new, Config::default()).expect("server");
    let url = server.url();
    let host = url.trim_start_matches("http://").to_string();
    let reg = ociscope_native::connect(&url, Options::default()).unwrap();
    let src = repo("src/app");
    let image = push_real_image(&reg, &src, "1.0").await;
    let dir = std::env::temp_dir().join(format!("ociscope-archive-live-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let source = format!("docker://{host}/src/app:1.0");

    // skopeo → oci-archive → the library → the registry: the same manifest digest.
    let oci_tar = dir.join("skopeo-oci.tar");
    skopeo(&[
        "copy",
        "--src-tls-verify=false",
        &source,
        &format!("oci-archive:{}:1.0", oci_tar.display()),
    ]);
    let archive = open(&oci_tar).await;
    assert_eq!(archive.format(), ArchiveFormat::OciLayout);
    let found = archive.images();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].descriptor.digest, image.manifest.digest,
        "skopeo keeps the OCI manifest"
    );
    assert_eq!(found[0].names, vec!["1.0".to_string()]);
    assert_eq!(found[0].platforms.len(), 1);
    let from_oci = repo("from/oci");
    let report = push_archive_image(
        &archive,
        &found[0],
        &reg,
        &from_oci,
        &push_options("pushed"),
        &|_| {},
    )
    .await
    .unwrap();
    assert_eq!(report.copied, 4, "manifest, config, two layers: {report:?}");
    let pushed = reg
        .stat_manifest(&from_oci, &ManifestRef::Tag(tag("pushed")))
        .await
        .unwrap();
    assert_eq!(pushed.digest, image.manifest.digest);
    // Pushed again into the source repository: the manifest is there, so nothing under it is
    // even asked for.
    let again = push_archive_image(
        &archive,
        &found[0],
        &reg,
        &src,
        &push_options("again"),
        &|_| {},
    )
    .await
    .unwrap();
    assert_eq!((again.copied, again.present), (0, 1), "{again:?}");

    // skopeo → docker-archive → the library: the manifest is synthesized; config and layer
    // (uncompressed) digests are the source's.
    let docker_tar = dir.join("skopeo-docker.tar");
    skopeo(&[
        "copy",
        "--src-tls-verify=false",
        &source,
        &format!("docker-archive:{}:{host}/src/app:1.0", docker_tar.display()),
    ]);
    let archive = open(&docker_tar).await;
    assert_eq!(archive.format(), ArchiveFormat::DockerSave);
    let found = archive.images();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].names, vec![format!("{host}/src/app:1.0")]);
    let from_docker = repo("from/docker");
    push_archive_image(
        &archive,
        &found[0],
        &reg,
        &from_docker,
        &push_options("pushed"),
        &|_| {},
    )
    .await
    .unwrap();
    let got = reg
        .get_manifest(&from_docker, &ManifestRef::Tag(tag("pushed")))
        .await
        .unwrap();
    assert_eq!(got.descriptor.media_type, media_type::DOCKER_MANIFEST_V2);
    let m = Manifest::parse(&got.content, Some(&got.descriptor.media_type)).unwrap();
    assert_eq!(
        m.config().unwrap().digest,
        image.config.digest,
        "the config is the source's"
    );
    let layer_digests: Vec<Digest> = m.layers().iter().map(|l| l.digest.clone()).collect();
    assert_eq!(
        layer_digests, image.diff_ids,
        "layers are the uncompressed ones"
    );
    // skopeo reads what was pushed, byte for byte.
    let raw = skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--raw",
        &format!("docker://{host}/from/docker:pushed"),
    ]);
    assert_eq!(Digest::sha256_of(&raw), got.descriptor.digest);
    let inspected: serde_json::Value = serde_json::from_slice(&skopeo(&[
        "inspect",
        "--tls-verify=false",
        &format!("docker://{host}/from/docker:pushed"),
    ]))
    .unwrap();
    assert_eq!(inspected["Architecture"], "amd64");

    // The library writes a tarball; skopeo reads it as an OCI archive and as a docker archive
    // (the manifest.json `docker load` reads), and pushes it with the registry's digests.
    let ours = dir.join("ociscope.tar");
    let mut sink = WriteSink(std::io::BufWriter::new(
        std::fs::File::create(&ours).unwrap(),
    ));
    let written = write_archive(
        &reg,
        &src,
        &[ArchiveImage {
            descriptor: image.manifest.clone(),
            names: vec![format!("{host}/src/app:1.0")],
        }],
        &CopyOptions::default(),
        &mut sink,
    )
    .await
    .unwrap();
    sink.0.flush().unwrap();
    drop(sink);
    assert_eq!(written.blobs, 4);
    assert_eq!(written.docker_images, 1);
    assert_eq!(std::fs::metadata(&ours).unwrap().len(), written.tar_bytes);
    skopeo(&[
        "copy",
        "--dest-tls-verify=false",
        &format!("oci-archive:{}:1.0", ours.display()),
        &format!("docker://{host}/from/ours:1.0"),
    ]);
    let raw = skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--raw",
        &format!("docker://{host}/from/ours:1.0"),
    ]);
    assert_eq!(
        Digest::sha256_of(&raw),
        image.manifest.digest,
        "skopeo pushed the same manifest"
    );
    let inspected: serde_json::Value = serde_json::from_slice(&skopeo(&[
        "inspect",
        &format!("docker-archive:{}", ours.display()),
    ]))
    .unwrap();
    assert_eq!(inspected["Architecture"], "amd64", "{inspected}");
    assert_eq!(
        inspected["Layers"].as_array().map(Vec::len),
        Some(2),
        "{inspected}"
    );
    // And the library reads its own tarball back.
    let back = open(&ours).await;
    assert_eq!(back.images()[0].descriptor.digest, image.manifest.digest);
    std::fs::remove_dir_all(&dir).unwrap();
}
