//! Copies between real registries through the native HTTP client: ociscope-server (in this
//! process, over its in-memory registry) and CNCF distribution (Debian's `docker-registry`,
//! started on a free loopback port and stopped by PID), both ways, with the in-memory registry
//! at the ends; skopeo then reads the copies byte-exact and copies them out. Then the same
//! through ociscope-server's fault injection (503, 429, dropped connections, truncated and
//! corrupted bodies), on the destination side and on the source side.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../../native/tests/common/mod.rs"]
#[allow(dead_code)]
mod common;
mod tools_support;

use std::collections::BTreeSet;
use std::process::Command;

use common::Distribution;
use ociscope_core::client::Options;
use ociscope_core::memory::MemoryRegistry;
use ociscope_core::spec::{collect_referrers, ManifestRef, RepoName, Spec};
use ociscope_core::{Descriptor, Digest, Platform};
use ociscope_demo::{populate, DemoOptions, DemoSummary, HELLO_REPO};
use ociscope_server::{spawn, Config, FaultRule, Running};
use ociscope_tools::children::children;
use ociscope_tools::copy::{copy_image, CopyError, CopyOptions, CopyReport};

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

/// ociscope-server over a fresh in-memory registry, with these fault rules.
fn ociscope_server(faults: &[&str], seed: u64) -> Running {
    let config = Config {
        faults: faults
            .iter()
            .map(|r| r.parse::<FaultRule>().unwrap())
            .collect(),
        seed,
        ..Config::default()
    };
    spawn("127.0.0.1:0", MemoryRegistry::new, config).expect("ociscope-server starts")
}

/// The demo's multi-platform index, its images and their referrers, and every blob they name.
struct DemoContent {
    summary: DemoSummary,
    manifests: Vec<Descriptor>,
    blobs: Vec<Descriptor>,
}

/// Pushes the demo's featured content (no bulk repositories or tags) through `spec`.
async fn push_demo_content<S: Spec>(spec: &S) -> DemoContent {
    let options = DemoOptions {
        repositories: 0,
        tags: 0,
    };
    let summary = populate(spec, &options).await.unwrap();
    let r = repo(HELLO_REPO);
    let mut manifests = vec![summary.index.clone()];
    manifests.extend(summary.images.iter().cloned());
    manifests.extend(summary.referrers.iter().cloned());
    let mut blobs: Vec<Descriptor> = Vec::new();
    for m in &manifests {
        let got = spec.get_manifest(&r, &at(m)).await.unwrap();
        let kids = children(&got.content, Some(&got.descriptor.media_type)).unwrap();
        for b in kids.blob_descriptors() {
            if !blobs.iter().any(|have| have.digest == b.digest) {
                blobs.push(b.clone());
            }
        }
    }
    DemoContent {
        summary,
        manifests,
        blobs,
    }
}

/// skopeo reads each manifest byte-exact at `url`/`r` and copies the tagged index out whole.
fn skopeo_reads_demo(url: &str, r: &RepoName, demo: &DemoContent) {
    let name = format!("docker://{}/{r}", host(url));
    for m in &demo.manifests {
        let raw = skopeo(&[
            "inspect",
            "--tls-verify=false",
            "--raw",
            &format!("{name}@{}", m.digest),
        ]);
        assert_eq!(
            Digest::sha256_of(&raw),
            m.digest,
            "skopeo inspect --raw {} at {url}",
            m.digest
        );
    }
    let dir = std::env::temp_dir().join(format!(
        "ociscope-tools-live-demo-{}-{}",
        std::process::id(),
        host(url).replace([':', '.'], "-")
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
    assert_eq!(
        index["manifests"][0]["digest"],
        demo.summary.index.digest.as_str()
    );
    for image in &demo.summary.images {
        let path = dir.join("blobs/sha256").join(image.digest.encoded());
        assert_eq!(
            Digest::sha256_of(&std::fs::read(&path).unwrap()),
            image.digest
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Asserts `r` in `spec` holds the demo content exactly, referrers included.
async fn assert_holds_demo<S: Spec>(
    spec: &S,
    r: &RepoName,
    demo: &DemoContent,
    source: &MemoryRegistry,
) {
    let src = repo(HELLO_REPO);
    assert_same(source, &src, spec, r, &demo.manifests, &demo.blobs).await;
    let want: BTreeSet<Digest> = demo
        .summary
        .referrers
        .iter()
        .map(|d| d.digest.clone())
        .collect();
    assert_eq!(
        referrer_digests(spec, r, &demo.summary.signed.digest).await,
        want
    );
    assert_eq!(
        spec.stat_manifest(r, &latest()).await.unwrap().digest,
        demo.summary.index.digest
    );
}

#[tokio::test(flavor = "current_thread")]
async fn copies_the_demo_between_ociscope_server_and_distribution_both_ways() {
    let server = ociscope_server(&[], 1);
    let dist = Distribution::start();
    let s = ociscope_native::connect(&server.url(), Options::default()).unwrap();
    let d = ociscope_native::connect(&dist.url, Options::default()).unwrap();
    // The source of truth, to compare with: the demo pushed into memory too.
    let truth = MemoryRegistry::new();
    let demo = push_demo_content(&truth).await;
    let pushed = push_demo_content(&s).await;
    assert_eq!(
        pushed.manifests, demo.manifests,
        "the demo is deterministic"
    );

    let hello = repo(HELLO_REPO);
    let (mirror, back) = (repo("mirror/hello"), repo("back/hello"));
    let all = demo.manifests.len() + demo.blobs.len();
    // ociscope-server → distribution (no referrers API there: the sha256-<hex> tag schema).
    let there = copy_image(&s, &hello, &latest(), &d, &mirror, &options(), &|_| {})
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", dist.log()));
    assert_eq!((there.copied, there.present), (all, 0));
    assert_holds_demo(&d, &mirror, &demo, &truth).await;
    skopeo_reads_demo(&dist.url, &mirror, &demo);
    // distribution → ociscope-server (the referrers API there).
    let again = copy_image(&d, &mirror, &latest(), &s, &back, &options(), &|_| {})
        .await
        .unwrap();
    assert_eq!(again.copied, all);
    assert_holds_demo(&s, &back, &demo, &truth).await;
    skopeo_reads_demo(&server.url(), &back, &demo);
    // Within ociscope-server: mounted, not sent.
    let mounted = copy_image(
        &s,
        &back,
        &latest(),
        &s,
        &repo("team/hello"),
        &CopyOptions {
            same_registry: true,
            ..options()
        },
        &|_| {},
    )
    .await
    .unwrap();
    assert_eq!(mounted.mounted, demo.blobs.len());
    assert_holds_demo(&s, &repo("team/hello"), &demo, &truth).await;
}

/// Runs the copy until it succeeds (at most 8 times); what arrived is skipped the next time.
async fn copy_until_done<S: Spec, D: Spec>(
    src: &S,
    src_repo: &RepoName,
    dst: &D,
    dst_repo: &RepoName,
) -> Vec<String> {
    let mut attempts = Vec::new();
    for _ in 0..8 {
        let result: Result<CopyReport, CopyError> =
            copy_image(src, src_repo, &latest(), dst, dst_repo, &options(), &|_| {}).await;
        match result {
            Ok(r) => {
                attempts.push(format!(
                    "ok: {} copied, {} present, {} retried",
                    r.copied, r.present, r.retried
                ));
                return attempts;
            }
            Err(e) => attempts.push(format!("failed: {e}")),
        }
    }
    panic!("the copy did not finish: {attempts:#?}");
}

#[tokio::test(flavor = "current_thread")]
async fn copies_through_faults_injected_by_ociscope_server() {
    let rules = [
        "503:0.05",
        "429:HEAD *:0.05",
        "reset:PATCH /v2/*/blobs/uploads/*:0.15",
        "reset:PUT /v2/*:0.1",
        "truncate:GET /v2/*/blobs/*:0.15",
        "corrupt:GET /v2/*/blobs/*:0.15",
    ];
    let faulty = ociscope_server(&rules, 7);
    let dist = Distribution::start();
    let f = ociscope_native::connect(&faulty.url(), Options::default()).unwrap();
    let d = ociscope_native::connect(&dist.url, Options::default()).unwrap();
    let truth = MemoryRegistry::new();
    let demo = push_demo_content(&truth).await;
    let hello = repo(HELLO_REPO);
    // Into the faulty server (from memory, then from distribution), and out of it.
    let log_in = copy_until_done(&truth, &hello, &f, &hello).await;
    let log_out = copy_until_done(&f, &hello, &d, &repo("out/hello")).await;
    let log_back = copy_until_done(&d, &repo("out/hello"), &f, &repo("back/hello")).await;
    eprintln!("into ociscope-server: {log_in:#?}\nout of it: {log_out:#?}\nback in: {log_back:#?}");
    // Read without faults: everything arrived, byte for byte; nothing corrupt was committed.
    let clean = ociscope_native::connect(&dist.url, Options::default()).unwrap();
    assert_holds_demo(&clean, &repo("out/hello"), &demo, &truth).await;
    skopeo_reads_demo(&dist.url, &repo("out/hello"), &demo);
    let home = MemoryRegistry::new();
    copy_until_done(&f, &repo("back/hello"), &home, &hello).await;
    assert_holds_demo(&home, &hello, &demo, &truth).await;
}
