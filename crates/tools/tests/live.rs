//! Copies between real registries: two CNCF distributions (Debian's `docker-registry`, started
//! on free loopback ports and stopped by PID) through the native HTTP client, and the
//! in-memory registry at both ends; then skopeo reads the copy. The same again through a
//! proxy that injects faults (dropped connections and 503 answers).
//!
//! ociscope-server is not used: on the `contract` branch it does not build yet (its
//! dependency ociscope-demo still follows the old `Spec`), so the faults come from the proxy
//! here instead of `--fault` rules.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../../native/tests/common/mod.rs"]
#[allow(dead_code)]
mod common;
mod tools_support;

use std::cell::Cell;
use std::collections::BTreeSet;
use std::process::Command;
use std::rc::Rc;

use common::Distribution;
use ociscope_core::client::Options;
use ociscope_core::memory::MemoryRegistry;
use ociscope_core::spec::{collect_referrers, ManifestRef, RepoName, Spec};
use ociscope_core::{Digest, Platform};
use ociscope_tools::copy::{copy_image, CopyOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

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

fn host(url: &str) -> &str {
    url.trim_start_matches("http://")
}

fn latest() -> ManifestRef {
    ManifestRef::Tag(tag("latest"))
}

fn options() -> CopyOptions {
    CopyOptions {
        referrers: true,
        tags: vec![tag("latest"), tag("1.0")],
        // Several PATCH requests for each large layer.
        chunk_size: Some(64 * 1024),
        ..CopyOptions::default()
    }
}

/// The digests of `subject`'s referrers.
async fn referrer_digests<S: Spec>(spec: &S, r: &RepoName, subject: &Digest) -> BTreeSet<Digest> {
    collect_referrers(spec, r, subject, None, None)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.digest)
        .collect()
}

/// skopeo reads every manifest byte-exact and copies the whole index out.
fn skopeo_reads(url: &str, r: &RepoName, demo: &Demo) {
    let name = format!("docker://{}/{r}", host(url));
    for m in demo.manifests() {
        let raw = skopeo(&[
            "inspect",
            "--tls-verify=false",
            "--raw",
            &format!("{name}@{}", m.digest),
        ]);
        assert_eq!(
            Digest::sha256_of(&raw),
            m.digest,
            "skopeo inspect --raw {}",
            m.digest
        );
    }
    let raw = skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--raw",
        &format!("{name}:1.0"),
    ]);
    assert_eq!(Digest::sha256_of(&raw), demo.index.digest);
    let dir = std::env::temp_dir().join(format!(
        "ociscope-tools-live-{}-{}",
        std::process::id(),
        demo.index.digest.encoded().get(..8).unwrap_or_default()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    skopeo(&[
        "copy",
        "--all",
        "--preserve-digests",
        "--src-tls-verify=false",
        &format!("{name}:latest"),
        &format!("oci:{}:out", dir.display()),
    ]);
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    assert_eq!(index["manifests"][0]["digest"], demo.index.digest.as_str());
    for b in &demo.image_blobs {
        let path = dir.join("blobs/sha256").join(b.digest.encoded());
        let copied = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(Digest::sha256_of(&copied), b.digest);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn copies_between_real_registries_both_ways() {
    let (one, two) = (Distribution::start(), Distribution::start());
    let a = ociscope_native::connect(&one.url, Options::default()).unwrap();
    let b = ociscope_native::connect(&two.url, Options::default()).unwrap();
    let (src_repo, mirror) = (repo("demo/hello"), repo("mirror/hello"));
    let mem = MemoryRegistry::new();
    let demo = push_demo(&mem, &src_repo).await;
    let all = demo.manifests().len() + demo.blobs.len();

    // Memory → distribution, distribution → distribution, distribution → memory.
    let up = copy_image(
        &mem,
        &src_repo,
        &latest(),
        &a,
        &src_repo,
        &options(),
        &|_| {},
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", one.log()));
    assert_eq!(up.copied, all);
    let across = copy_image(&a, &src_repo, &latest(), &b, &mirror, &options(), &|_| {})
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", two.log()));
    assert_eq!((across.copied, across.present), (all, 0));
    assert_eq!(across.tags.len(), 2);
    let back = MemoryRegistry::new();
    copy_image(
        &b,
        &mirror,
        &latest(),
        &back,
        &src_repo,
        &options(),
        &|_| {},
    )
    .await
    .unwrap();
    assert_same(
        &mem,
        &src_repo,
        &back,
        &src_repo,
        &demo.manifests(),
        &demo.blobs,
    )
    .await;
    assert_eq!(
        back.stat_manifest(&src_repo, &latest())
            .await
            .unwrap()
            .digest,
        demo.index.digest
    );

    // distribution 2.8 has no referrers API: the client keeps the sha256-<hex> tags, and the
    // copy found every referrer through them, recursively.
    for subject in [&demo.images[0], &demo.referrers[0], &demo.index] {
        let want = referrer_digests(&mem, &src_repo, &subject.digest).await;
        assert!(!want.is_empty());
        assert_eq!(referrer_digests(&b, &mirror, &subject.digest).await, want);
    }
    skopeo_reads(&two.url, &mirror, &demo);

    // Again: nothing is sent but the tags.
    let again = copy_image(&a, &src_repo, &latest(), &b, &mirror, &options(), &|_| {})
        .await
        .unwrap();
    assert_eq!(again.copied, 0);
    assert_eq!(again.present, demo.manifests().len());

    // One platform, into its own repository, tagged.
    let arm = CopyOptions {
        platforms: vec![Platform::parse("linux/arm/v7").unwrap()],
        referrers: false,
        tags: vec![tag("arm")],
        ..options()
    };
    copy_image(
        &a,
        &src_repo,
        &latest(),
        &b,
        &repo("mirror/arm"),
        &arm,
        &|_| {},
    )
    .await
    .unwrap();
    let name = format!("docker://{}/mirror/arm:arm", host(&two.url));
    let raw = skopeo(&["inspect", "--tls-verify=false", "--raw", &name]);
    assert_eq!(Digest::sha256_of(&raw), demo.image("linux/arm/v7").digest);
}

/// A TCP proxy to `target` that spoils every `every`-th connection, alternately by closing it
/// after reading the request's first bytes and by answering 503 `UNAVAILABLE`.
async fn faulty_proxy(target: String, every: usize) -> (String, Rc<Cell<usize>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let injected = Rc::new(Cell::new(0));
    let count = injected.clone();
    tokio::task::spawn_local(async move {
        let mut n = 0usize;
        while let Ok((mut inbound, _)) = listener.accept().await {
            n += 1;
            if n.is_multiple_of(every) {
                count.set(count.get() + 1);
                let mut buf = [0u8; 512];
                let _ = inbound.read(&mut buf).await;
                if (n / every).is_multiple_of(2) {
                    let body = r#"{"errors":[{"code":"UNAVAILABLE","message":"injected fault"}]}"#;
                    let head = format!(
                        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
                         content-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = inbound.write_all(head.as_bytes()).await;
                    let _ = inbound.write_all(body.as_bytes()).await;
                }
                continue;
            }
            let target = target.clone();
            tokio::spawn(async move {
                if let Ok(mut outbound) = TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    (url, injected)
}

#[tokio::test(flavor = "current_thread")]
async fn copies_through_injected_faults() {
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async {
            let (one, two) = (Distribution::start(), Distribution::start());
            let a = ociscope_native::connect(&one.url, Options::default()).unwrap();
            let (proxy, injected) = faulty_proxy(host(&two.url).to_string(), 6).await;
            let b = ociscope_native::connect(&proxy, Options::default()).unwrap();
            let (src_repo, mirror) = (repo("demo/hello"), repo("mirror/hello"));
            let mem = MemoryRegistry::new();
            let demo = push_demo(&mem, &src_repo).await;
            copy_image(
                &mem,
                &src_repo,
                &latest(),
                &a,
                &src_repo,
                &options(),
                &|_| {},
            )
            .await
            .unwrap();
            // The client retries what is safe to repeat and resumes uploads where the registry
            // stands; what still fails fails its item, and running the copy again finishes it
            // (what arrived is found present and skipped).
            let mut attempts = Vec::new();
            for _ in 0..8 {
                match copy_image(&a, &src_repo, &latest(), &b, &mirror, &options(), &|_| {}).await {
                    Ok(report) => {
                        attempts.push(format!(
                            "ok: {} copied, {} present, {} retried",
                            report.copied, report.present, report.retried
                        ));
                        break;
                    }
                    Err(e) => {
                        assert!(
                            e.tags_pushed.is_empty() || e.failures[0].item.starts_with("tag "),
                            "{e}"
                        );
                        attempts.push(format!("failed: {e}"));
                    }
                }
            }
            assert!(
                attempts.last().is_some_and(|a| a.starts_with("ok")),
                "{attempts:#?}"
            );
            assert!(injected.get() >= 5, "faults injected: {}", injected.get());
            eprintln!(
                "{} faults injected; attempts: {attempts:#?}",
                injected.get()
            );
            // Read back without the proxy: everything is there, byte for byte.
            let direct = ociscope_native::connect(&two.url, Options::default()).unwrap();
            let back = MemoryRegistry::new();
            copy_image(
                &direct,
                &mirror,
                &latest(),
                &back,
                &src_repo,
                &options(),
                &|_| {},
            )
            .await
            .unwrap();
            assert_same(
                &mem,
                &src_repo,
                &back,
                &src_repo,
                &demo.manifests(),
                &demo.blobs,
            )
            .await;
            skopeo_reads(&two.url, &mirror, &demo);
        })
        .await;
}
