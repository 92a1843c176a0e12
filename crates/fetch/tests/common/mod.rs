//! Shared by the Chromium, Node and worker tests: the registries `tests/fetch.sh` started (their
//! addresses come in at compile time through `OCISCOPE_FETCH_*` variables), unique repository
//! prefixes, and checks that run the same on every target.
#![allow(dead_code)] // Each test binary uses a different part.

use std::cell::RefCell;
use std::rc::Rc;

use bytes::Bytes;
use ociscope_core::client::{
    Body, Credentials, HttpSpec, Options, Request, Response, RetryPolicy, Transport, TransportError,
};
use ociscope_core::descriptor::Descriptor;
use ociscope_core::digest::{Algorithm, Digester};
use ociscope_core::media_type;
use ociscope_core::spec::{collect_all, BlobReader, BlobWriter, Error, ErrorKind, Spec};
use ociscope_core::Digest;
use ociscope_fetch::{FetchBody, FetchTransport};
use ociscope_spec_suite::{fixtures, run_all, Capabilities, Ctx};
use wasm_bindgen_test::console_log;

/// A repository name the test knows is valid.
fn n(name: &str) -> ociscope_core::spec::RepoName {
    ociscope_core::spec::RepoName::new(name).unwrap()
}

/// The value of a compile-time variable `tests/fetch.sh` sets, or a failure saying to run it.
pub fn required(name: &str, value: Option<&'static str>) -> &'static str {
    match value {
        Some(v) if !v.is_empty() => v,
        _ => panic!(
            "{name} is not set: these tests need live registries; run `bash tests/fetch.sh`, \
             which starts them and passes their addresses at compile time"
        ),
    }
}

/// `required!("OCISCOPE_FETCH_X")`: the variable's compile-time value.
#[macro_export]
macro_rules! required {
    ($name:literal) => {
        $crate::common::required($name, option_env!($name))
    };
}

/// User and password of every auth-protected registry the harness starts.
pub const USER: &str = "suite";
/// See [`USER`].
pub const PASSWORD: &str = "suite-secret";

/// Basic credentials for the harness's protected registries.
pub fn credentials() -> Options {
    Options {
        credentials: Credentials::basic(USER, PASSWORD),
        ..Options::default()
    }
}

/// Milliseconds since the epoch (pages, workers and Node alike).
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// A repository prefix unique to this run: `label-<time>-<random>`.
pub fn unique(label: &str) -> String {
    format!(
        "{label}-{:x}-{:04x}",
        now_ms() as u64,
        (js_sys::Math::random() * 65536.0) as u32
    )
}

/// Runs the behaviour suite, prints its report and fails on any failed check.
pub async fn suite<S: Spec>(spec: &S, what: &str, ctx: &Ctx) -> ociscope_spec_suite::Report {
    let started = now_ms();
    let report = run_all(spec, ctx).await;
    console_log!(
        "{what}: {} ({:.1} s)",
        report.summary(),
        (now_ms() - started) / 1000.0
    );
    assert!(report.is_success(), "{what}:\n{report}");
    report
}

/// The suite against CNCF distribution: every check passes or is declared not applicable, and
/// the referrers fallback is in use.
pub async fn suite_against_distribution(address: &str, options: Options, what: &str) {
    let spec = ociscope_fetch::connect(address, options).unwrap();
    let ctx = Ctx::new(unique("suite")).with_capabilities(Capabilities::cncf_distribution());
    let report = suite(&spec, what, &ctx).await;
    assert_eq!(
        report.not_applicable(),
        2,
        "tag deletes, referrers API: {report}"
    );
    assert_eq!(spec.has_referrers_api(), Some(false));
}

/// The suite against ociscope-server (every capability, the referrers API).
pub async fn suite_against_server(address: &str, options: Options, what: &str) {
    let spec = ociscope_fetch::connect(address, options).unwrap();
    let ctx = Ctx::new(unique("suite")).with_capabilities(Capabilities::all());
    let report = suite(&spec, what, &ctx).await;
    assert_eq!(
        report.not_applicable(),
        1,
        "only the fallback-tag check: {report}"
    );
    assert_eq!(spec.has_referrers_api(), Some(true));
}

/// Deterministic bytes for piece `index` of a large blob (xorshift64, seeded by the index).
pub fn piece(seed: u64, index: u64, len: usize) -> Vec<u8> {
    let mut x = (seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Uploads `mib` MiB in `chunk`-byte PATCHes (data made and hashed one MiB at a time), reads
/// it back verified, and prints the speeds. Returns the blob's digest.
pub async fn big_upload(
    spec: &HttpSpec<FetchTransport>,
    repo: &str,
    mib: u64,
    chunk: usize,
    what: &str,
) -> Digest {
    const MIB: usize = 1 << 20;
    let seed = now_ms() as u64;
    let mut digester = Digester::new(Algorithm::Sha256);
    let mut w = spec.start_upload(&n(repo), Some(chunk)).await.unwrap();
    assert_eq!(w.chunk_size(), chunk);
    let started = now_ms();
    let mut hashing = 0.0;
    for i in 0..mib {
        let data = piece(seed, i, MIB);
        let t = now_ms();
        digester.update(&data);
        hashing += now_ms() - t;
        w.write(&data).await.unwrap();
    }
    let digest = digester.finish();
    let d = w.commit(&digest).await.unwrap();
    let upload_ms = now_ms() - started;
    assert_eq!(
        (d.digest.clone(), d.size),
        (digest.clone(), mib * MIB as u64)
    );
    assert_eq!(
        spec.stat_blob(&n(repo), &digest).await.unwrap().size,
        mib * MIB as u64
    );
    // Read back streaming (verified at the end by the reader), never holding the whole blob.
    let started = now_ms();
    let mut r = spec.get_blob(&n(repo), &digest).await.unwrap();
    let (mut read, mut chunks) = (0u64, 0u64);
    while let Some(c) = r.next_chunk().await.unwrap() {
        read += c.len() as u64;
        chunks += 1;
    }
    let read_ms = now_ms() - started;
    assert_eq!(read, mib * MIB as u64);
    let speed = |ms: f64| mib as f64 / (ms / 1000.0);
    console_log!(
        "{what}: {mib} MiB chunked upload in {} PATCHes of {} MiB: {:.1} s, {:.1} MiB/s \
         (sha256 of the data took {:.1} s of it); verified read-back in {chunks} chunks: \
         {:.1} s, {:.1} MiB/s",
        (mib * MIB as u64).div_ceil(chunk as u64),
        chunk / MIB,
        upload_ms / 1000.0,
        speed(upload_ms),
        hashing / 1000.0,
        read_ms / 1000.0,
        speed(read_ms)
    );
    digest
}

/// Against ociscope-server showing real registries' upload quirks at once (GHCR's 4 MiB
/// request limit, a 3 MiB chunk minimum, ECR's 201, lagging `Range` and empty-`PUT` 500):
/// 13 MiB uploaded with 5 MiB chunks asked for ends whole, the client having learned the
/// limit; then the behaviour suite.
pub async fn quirks(address: &str, what: &str) {
    const MIB: usize = 1 << 20;
    let spec = ociscope_fetch::connect(address, Options::default()).unwrap();
    let repo = n(&format!("{}/file", unique("quirks")));
    let seed = now_ms() as u64;
    let mut digester = Digester::new(Algorithm::Sha256);
    let mut w = spec.start_upload(&repo, Some(5 * MIB)).await.unwrap();
    for i in 0..13 {
        let data = piece(seed, i, MIB);
        digester.update(&data);
        w.write(&data).await.unwrap();
    }
    let digest = digester.finish();
    let d = w.commit(&digest).await.unwrap();
    assert_eq!(d.size, 13 * MIB as u64);
    assert_eq!(spec.request_limit(), Some(4 * MIB as u64), "{what}");
    let mut r = spec.get_blob(&repo, &digest).await.unwrap();
    let mut read = 0u64;
    while let Some(c) = r.next_chunk().await.unwrap() {
        read += c.len() as u64;
    }
    assert_eq!(read, 13 * MIB as u64);
    console_log!("{what}: 13 MiB uploaded through the quirks, request limit learned: 4 MiB");
    // The same through a Blob that fetch reads itself (an upload from a picked file), in 6 MiB
    // requests that the registry refuses, to a fresh client that has not learned the limit.
    let transport = Recording::default();
    let seen = Rc::clone(&transport.seen);
    let registry = ociscope_core::client::Registry::parse(address).unwrap();
    let spec = HttpSpec::new(transport, registry, Options::default());
    let bytes: Vec<u8> = (0..13).flat_map(|i| piece(seed + 1, i, MIB)).collect();
    let source = BlobChunks(ociscope_fetch::BlobSource::new(blob_of(&bytes)));
    let options = ociscope_tools::artifact::UploadOptions {
        external_chunk_size: 6 * MIB,
        ..Default::default()
    };
    let sent = std::cell::Cell::new(0u64);
    let d = ociscope_tools::artifact::upload_blob(
        &spec,
        &repo,
        &source,
        &options,
        &|n| sent.set(n),
        &std::cell::Cell::new(false),
    )
    .await
    .unwrap_or_else(|i| panic!("{what}: Blob upload: {:?}", i.error));
    assert_eq!(d.digest, Digest::sha256_of(&bytes), "{what}");
    assert_eq!(sent.get(), bytes.len() as u64);
    assert_eq!(spec.request_limit(), Some(4 * MIB as u64), "{what}");
    {
        // Every byte went as a slice of the Blob (some twice: refused, then sent smaller).
        let seen = seen.borrow();
        assert_eq!(
            seen.byte_bodies,
            Vec::<u64>::new(),
            "{what}: no body copied into memory"
        );
        assert!(
            seen.external_bodies.iter().sum::<u64>() >= bytes.len() as u64,
            "{what}: {:?}",
            seen.external_bodies
        );
        assert!(seen.external_bodies.contains(&(6 * MIB as u64)), "{what}");
    }
    let mut r = spec.get_blob(&repo, &d.digest).await.unwrap();
    assert_eq!(
        r.read_to_end(64 * MIB as u64).await.unwrap(),
        bytes,
        "{what}"
    );
    console_log!("{what}: 13 MiB uploaded from a Blob fetch read itself, through the quirks");
    tarball_layers_go_as_slices(address, &bytes, what).await;
    unreadable_file_stops_the_upload(address, &bytes, what).await;
    let ctx = Ctx::new(unique("quirks")).with_capabilities(Capabilities::all());
    suite(&spec, what, &ctx).await;
}

/// A tarball picked as a `Blob` (an OCI layout made by `write_archive`) pushed through the
/// quirks: its layer goes as a slice of the tarball that fetch reads itself, never as bytes
/// in memory, and the registry holds it with its digest.
async fn tarball_layers_go_as_slices(address: &str, layer: &[u8], what: &str) {
    use ociscope_tools::artifact::{push_artifact, ArtifactOptions, FileEntry};
    use ociscope_tools::tarball::{push_archive_image, write_archive, ArchiveImage, TarStore};
    let mem = ociscope_core::memory::MemoryRegistry::new();
    let src = n("tar/src");
    let files = [FileEntry {
        name: "layer.bin".to_string(),
        media_type: None,
        source: Bytes::copy_from_slice(layer),
    }];
    let pushed = push_artifact(
        &mem,
        &src,
        &files,
        &ArtifactOptions::default(),
        &|_, _| {},
        &std::cell::Cell::new(false),
    )
    .await
    .unwrap_or_else(|i| panic!("{what}: artifact in memory: {:?}", i.error));
    let images = [ArchiveImage {
        descriptor: pushed.manifest.clone(),
        names: vec!["tar/src:latest".to_string()],
    }];
    let mut tar: Vec<u8> = Vec::new();
    let options = ociscope_tools::copy::CopyOptions::default();
    write_archive(&mem, &src, &images, &options, &mut tar)
        .await
        .unwrap();
    let store = TarStore::open(ociscope_fetch::BlobSource::new(blob_of(&tar)))
        .await
        .unwrap();
    let transport = Recording::default();
    let seen = Rc::clone(&transport.seen);
    let registry = ociscope_core::client::Registry::parse(address).unwrap();
    let spec = HttpSpec::new(transport, registry, Options::default());
    let dst = n(&format!("{}/tar", unique("quirks")));
    let options = ociscope_tools::copy::CopyOptions {
        tags: vec![ociscope_core::spec::Tag::new("latest").unwrap()],
        ..Default::default()
    };
    push_archive_image(&store, &store.images()[0], &spec, &dst, &options, &|_| {})
        .await
        .unwrap_or_else(|e| panic!("{what}: tarball push: {e:?}"));
    let digest = &pushed.layers[0].digest;
    {
        let seen = seen.borrow();
        assert!(
            seen.external_bodies.iter().sum::<u64>() >= layer.len() as u64,
            "{what}: the layer went as slices of the tarball: {:?}",
            seen.external_bodies
        );
        assert!(
            seen.byte_bodies.iter().all(|n| *n < 1 << 20),
            "{what}: only small bodies (manifest, config) as bytes: {:?}",
            seen.byte_bodies
        );
    }
    let mut r = spec.get_blob(&dst, digest).await.unwrap();
    assert_eq!(
        Digest::sha256_of(&r.read_to_end(64 << 20).await.unwrap()),
        *digest,
        "{what}"
    );
    console_log!(
        "{what}: a tarball Blob pushed, its {} MiB layer sent as slices of the tarball",
        layer.len() >> 20
    );
    // The page does not read those slices, so the registry's digest check is what catches a
    // corrupt tarball: one byte changed in the layer, and nothing is tagged.
    let at = tar
        .windows(64)
        .position(|w| w == &layer[..64])
        .expect("the layer is in the tarball");
    tar[at + layer.len() / 2] ^= 0xff;
    let store = TarStore::open(ociscope_fetch::BlobSource::new(blob_of(&tar)))
        .await
        .unwrap();
    let bad = n(&format!("{}/tar-bad", unique("quirks")));
    let failed = push_archive_image(&store, &store.images()[0], &spec, &bad, &options, &|_| {})
        .await
        .expect_err("a corrupt layer is refused");
    assert!(
        failed.tags_pushed.is_empty()
            && failed
                .failures
                .iter()
                .any(|f| f.error.has_code(ociscope_core::ErrorCode::DigestInvalid)),
        "{what}: {failed:?}"
    );
    assert!(spec.stat_blob(&bad, digest).await.is_err(), "{what}");
    console_log!("{what}: a corrupt tarball's layer refused by the registry (DIGEST_INVALID)");
}

/// A file the page cannot read (moved or changed since it was picked) while the browser still
/// sends its slices: the upload stops at the failed read, with that reason, instead of
/// sending the rest first, and stays resumable.
async fn unreadable_file_stops_the_upload(address: &str, bytes: &[u8], what: &str) {
    struct Unreadable(BlobChunks);
    impl ociscope_tools::artifact::ChunkSource for Unreadable {
        fn len(&self) -> u64 {
            self.0.len()
        }
        async fn read(&self, _: u64, _: u64) -> Result<Bytes, Error> {
            Err(Error::invalid("the file changed on disk (test)"))
        }
        fn external(&self) -> Option<ociscope_core::client::External> {
            self.0.external()
        }
    }
    let transport = Recording::default();
    let seen = Rc::clone(&transport.seen);
    let registry = ociscope_core::client::Registry::parse(address).unwrap();
    let spec = HttpSpec::new(transport, registry, Options::default());
    let repo = n(&format!("{}/unreadable", unique("quirks")));
    let source = Unreadable(BlobChunks(ociscope_fetch::BlobSource::new(blob_of(bytes))));
    let options = ociscope_tools::artifact::UploadOptions {
        external_chunk_size: 6 << 20,
        ..Default::default()
    };
    let stopped = ociscope_tools::artifact::upload_blob(
        &spec,
        &repo,
        &source,
        &options,
        &|_| {},
        &std::cell::Cell::new(false),
    )
    .await
    .expect_err("an unreadable file cannot be uploaded");
    assert!(
        stopped.error.to_string().contains("changed on disk"),
        "{what}: {:?}",
        stopped.error
    );
    assert!(
        stopped.resume.is_some(),
        "{what}: the upload stays resumable"
    );
    let sent: u64 = seen.borrow().external_bodies.iter().sum();
    assert!(
        sent < bytes.len() as u64,
        "{what}: stopped at the failed read, not after sending all {} bytes ({sent} sent)",
        bytes.len()
    );
    console_log!("{what}: an unreadable file stopped its upload after {sent} bytes, resumable");
}

/// A `Blob` holding `bytes`.
pub fn blob_of(bytes: &[u8]) -> web_sys::Blob {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    web_sys::Blob::new_with_u8_array_sequence(&parts).unwrap()
}

/// A [`ociscope_fetch::BlobSource`] as an upload source whose bytes fetch reads itself.
pub struct BlobChunks(pub ociscope_fetch::BlobSource);

impl ociscope_tools::artifact::ChunkSource for BlobChunks {
    fn len(&self) -> u64 {
        self.0.len()
    }

    async fn read(&self, start: u64, end: u64) -> Result<Bytes, Error> {
        self.0.read(start, end).await
    }

    fn external(&self) -> Option<ociscope_core::client::External> {
        Some(self.0.external())
    }
}

/// A small image (config + layer unique to `label`) pushed to `repo` with `tags`.
pub async fn small_image<S: Spec>(
    spec: &S,
    repo: &str,
    label: &str,
    tags: &[&str],
) -> fixtures::PushedImage {
    let ctx = Ctx::new(unique(label));
    fixtures::push_image(spec, &ctx, &n(repo), label, tags)
        .await
        .unwrap_or_else(|f| panic!("push image to {repo}: {f:?}"))
}

/// Reads back an image fully: manifest by tag → config → layer, all verified.
pub async fn read_image<S: Spec>(spec: &S, repo: &str, tag: &str, image: &fixtures::PushedImage) {
    use ociscope_core::spec::ManifestRef;
    let m = spec
        .get_manifest(
            &n(repo),
            &ManifestRef::Tag(ociscope_core::spec::Tag::new(tag).unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(m.descriptor.digest, image.manifest.digest);
    assert_eq!(m.content, image.bytes);
    for d in [&image.config, &image.layer] {
        let mut r = spec.get_blob(&n(repo), &d.digest).await.unwrap();
        let bytes = r.read_to_end(1 << 20).await.unwrap();
        assert_eq!(bytes.len() as u64, d.size);
    }
}

/// Runs `jobs` futures at most `width` at a time (browsers keep 6 connections per host).
pub async fn in_batches<F: std::future::Future>(jobs: Vec<F>, width: usize) -> Vec<F::Output> {
    let mut out = Vec::with_capacity(jobs.len());
    let mut jobs = jobs.into_iter().peekable();
    while jobs.peek().is_some() {
        let batch: Vec<F> = jobs.by_ref().take(width).collect();
        out.extend(futures::future::join_all(batch).await);
    }
    out
}

/// Creates `repos` repositories (one blob mounted into each) and `tags` tags on one manifest
/// under `prefix`, then lists both through every page; prints the counts.
pub async fn many_repositories_and_tags(
    spec: &HttpSpec<FetchTransport>,
    prefix: &str,
    repos: usize,
    tags: usize,
    what: &str,
) {
    let started = now_ms();
    let source = format!("{prefix}/source");
    let image = small_image(spec, &source, "many", &[]).await;
    let names: Vec<String> = (0..repos).map(|i| format!("{prefix}/r{i:05}")).collect();
    let (from, targets) = (n(&source), names.iter().map(|r| n(r)).collect::<Vec<_>>());
    let mounts = targets
        .iter()
        .map(|repo| spec.mount_blob(&from, repo, &image.layer.digest))
        .collect();
    for (repo, mounted) in names.iter().zip(in_batches(mounts, 6).await) {
        assert!(mounted.unwrap().is_mounted(), "mount into {repo}");
    }
    let tag_names: Vec<String> = (0..tags).map(|i| format!("v{i:05}")).collect();
    let tag_list = ociscope_core::spec::Tag::all(tag_names.iter().cloned()).unwrap();
    let pushes = tag_list
        .chunks(tags.div_ceil(6).max(1))
        .map(|group| {
            spec.push_manifest(&from, media_type::OCI_MANIFEST, image.bytes.clone(), group)
        })
        .collect();
    for pushed in in_batches(pushes, 6).await {
        assert_eq!(pushed.unwrap().digest, image.manifest.digest);
    }
    let pushed_ms = now_ms() - started;

    let started = now_ms();
    let all = collect_all(spec, None, 1000, None).await.unwrap();
    let mine: Vec<&String> = all
        .iter()
        .filter(|r| r.starts_with(&format!("{prefix}/")))
        .collect();
    let mut want = names.clone();
    want.push(source.clone());
    want.sort();
    assert_eq!(mine, want.iter().collect::<Vec<_>>());
    let listed_tags = collect_all(spec, Some(&n(&source)), 1000, None)
        .await
        .unwrap();
    assert_eq!(listed_tags, tag_names);
    // Small pages too: every page is followed, nothing repeated or lost.
    let small = collect_all(spec, Some(&n(&source)), 333, None)
        .await
        .unwrap();
    assert_eq!(small, tag_names);
    console_log!(
        "{what}: {} repositories listed ({} under this run's prefix), {} tags listed (also in \
         pages of 333); pushing took {:.1} s, listing {:.1} s",
        all.len(),
        mine.len(),
        listed_tags.len(),
        pushed_ms / 1000.0,
        (now_ms() - started) / 1000.0
    );
}

/// What a transport saw: statuses answered and sleeps asked.
#[derive(Default)]
pub struct Seen {
    /// Every status, in order.
    pub statuses: Vec<u16>,
    /// Every sleep, in milliseconds.
    pub sleeps: Vec<u64>,
    /// The kind of every failed exchange (resets, truncated bodies).
    pub failures: Vec<ErrorKind>,
    /// The length of every request body sent as bytes in memory, and as a `Blob` fetch reads.
    pub byte_bodies: Vec<u64>,
    /// See `byte_bodies`.
    pub external_bodies: Vec<u64>,
}

/// A `FetchTransport` that records what happens (to show faults were met and waited out).
#[derive(Clone, Default)]
pub struct Recording {
    inner: FetchTransport,
    /// What was seen so far.
    pub seen: Rc<RefCell<Seen>>,
}

impl Transport for Recording {
    type Body = FetchBody;

    async fn send(&self, request: Request) -> Result<Response<FetchBody>, TransportError> {
        match &request.body {
            Body::Bytes(b) => self.seen.borrow_mut().byte_bodies.push(b.len() as u64),
            Body::External(e) => self.seen.borrow_mut().external_bodies.push(e.len()),
            Body::Empty => {}
        }
        match self.inner.send(request).await {
            Ok(r) => {
                self.seen.borrow_mut().statuses.push(r.status);
                Ok(r)
            }
            Err(e) => {
                self.seen.borrow_mut().failures.push(e.kind);
                Err(e)
            }
        }
    }

    async fn sleep(&self, ms: u64) {
        self.seen.borrow_mut().sleeps.push(ms);
        self.inner.sleep(ms).await
    }

    fn now_unix_secs(&self) -> Option<u64> {
        self.inner.now_unix_secs()
    }

    fn sends_external(&self) -> bool {
        self.inner.sends_external()
    }
}

/// Against ociscope-server with faults (`tests/fetch.sh` sets the rules: 429 with
/// Retry-After: 1 and resets on uploads, 503 on reads, truncated bodies under `*/t/`, altered
/// ones under `*/c/`): uploads finish with the right digest, 429s are waited out, truncated and
/// altered blobs are errors, never returned as good.
pub async fn faults(address: &str, what: &str) {
    let transport = Recording::default();
    let seen = Rc::clone(&transport.seen);
    let options = Options {
        retry: RetryPolicy {
            max_attempts: 10,
            base_delay_ms: 50,
            max_delay_ms: 2_000,
        },
        ..Options::default()
    };
    let registry = ociscope_core::client::Registry::parse(address).unwrap();
    let spec = HttpSpec::new(transport, registry, options);
    let prefix = unique("faults");
    let data: Vec<u8> = piece(7, 0, 600_000);
    let digest = Digest::sha256_of(&data);
    let started = now_ms();
    for repo in ["ok", "t", "c"] {
        let repo = format!("{prefix}/{repo}");
        let mut w = spec.start_upload(&n(&repo), Some(32 << 10)).await.unwrap();
        for part in data.chunks(50_000) {
            w.write(part).await.unwrap();
        }
        let d = w.commit(&digest).await.unwrap();
        assert_eq!((d.digest, d.size), (digest.clone(), data.len() as u64));
    }
    let monolithic = Bytes::from(piece(8, 0, 3_000));
    let d = Descriptor::new(
        media_type::OCI_LAYER_TAR,
        Digest::sha256_of(&monolithic),
        monolithic.len() as u64,
    );
    spec.push_blob(&n(&format!("{prefix}/ok")), &d, monolithic)
        .await
        .unwrap();
    // The good copy reads back whole and verified.
    let mut r = spec
        .get_blob(&n(&format!("{prefix}/ok")), &digest)
        .await
        .unwrap();
    assert_eq!(r.read_to_end(1 << 20).await.unwrap(), data);
    // A truncated body is an error, never short content returned as good.
    let outcome = read_all(&spec, &format!("{prefix}/t"), &digest).await;
    let e = outcome.expect_err("a truncated blob must be an error");
    console_log!("{what}: truncated blob refused: {e}");
    // An altered body fails verification.
    let e = read_all(&spec, &format!("{prefix}/c"), &digest)
        .await
        .expect_err("an altered blob must be an error");
    assert!(matches!(e, Error::Digest(_)), "{e:?}");
    console_log!("{what}: altered blob refused: {e}");
    let seen = seen.borrow();
    let count = |s: u16| seen.statuses.iter().filter(|x| **x == s).count();
    console_log!(
        "{what}: {} answers ({} × 429, {} × 503), {} requests failed on the way ({:?}), {} \
         waits ({} of 1 s for Retry-After), {:.1} s",
        seen.statuses.len(),
        count(429),
        count(503),
        seen.failures.len(),
        seen.failures,
        seen.sleeps.len(),
        seen.sleeps.iter().filter(|ms| **ms == 1_000).count(),
        (now_ms() - started) / 1000.0
    );
    assert!(count(429) > 0, "the fault rules should have produced 429s");
    assert!(
        seen.failures.iter().all(|k| *k == ErrorKind::Network),
        "a reset is a network failure (retried), never CORS: {:?}",
        seen.failures
    );
    assert!(
        seen.sleeps.iter().filter(|ms| **ms == 1_000).count() >= count(429),
        "every 429 waited out its Retry-After: 1"
    );
}

async fn read_all<S: Spec>(spec: &S, repo: &str, digest: &Digest) -> Result<Bytes, Error> {
    let mut r = spec.get_blob(&n(repo), digest).await?;
    r.read_to_end(1 << 20).await
}

/// Pushes a small image and reads it back (the worker's and Node's round trip).
pub async fn round_trip(spec: &HttpSpec<FetchTransport>, what: &str) {
    let repo = format!("{}/round-trip", unique("rt"));
    let image = small_image(spec, &repo, "rt", &["v1"]).await;
    read_image(spec, &repo, "v1", &image).await;
    let tags = collect_all(spec, Some(&n(&repo)), 100, None).await.unwrap();
    assert_eq!(tags, ["v1"]);
    spec.delete_manifest(&n(&repo), &image.manifest.digest)
        .await
        .unwrap();
    console_log!("{what}: round trip through {repo} ok");
}
