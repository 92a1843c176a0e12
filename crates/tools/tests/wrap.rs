//! Behaviour of the wrappers and the repository stores over the in-memory registry: what
//! reaches the inner registry (counted by a forwarding wrapper), what the caller sees, and
//! virtual time on a manual clock.

mod tools_support;

use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use ociscope_core::descriptor::Descriptor;
use ociscope_core::digest::Digest;
use ociscope_core::media_type;
use ociscope_core::memory::{MemoryOptions, MemoryWriter};
use ociscope_core::registry_error::{ErrorCode, RegistryError};
use ociscope_core::spec::{
    collect_all, BlobReader, BlobWriter, BytesReader, Either, Error, ManifestBytes, ManifestRef,
    Mount, Page, PageRequest, PingInfo, RepoName, ResumeAt, Spec, Tag, VerifyingReader,
};
use ociscope_core::MemoryRegistry;
use ociscope_tools::store::Repository;
use ociscope_tools::wrap::cache::{CacheOptions, Cached};
use ociscope_tools::wrap::clock::{Clock, ManualClock};
use ociscope_tools::wrap::prefix::Prefixed;
use ociscope_tools::wrap::rate_limit::{retry_after_ms, RateLimit, RateLimited};
use ociscope_tools::wrap::read_only::ReadOnly;
use serde_json::json;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

// ---------------------------------------------------------------------------------------------
// Support

/// Runs a future whose every step is ready at once (memory and the manual clock never wait).
fn run<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("these futures never wait"),
    }
}

fn repo(name: &str) -> RepoName {
    RepoName::new(name).unwrap()
}

fn tag(name: &str) -> Tag {
    Tag::new(name).unwrap()
}

fn by_tag(name: &str) -> ManifestRef {
    ManifestRef::Tag(tag(name))
}

/// A wrapper of these tests, built on `Forward` (imported only here, so calls elsewhere are
/// not ambiguous); the counting wrapper is `tools_support::Counting`.
mod support {
    use ociscope_core::spec::{Error, Forward, Page, PageRequest, Spec};
    use ociscope_core::MemoryRegistry;

    /// A catalog that ignores `last` and pages only by its own continuation (as a `Link` target).
    #[derive(Clone)]
    pub struct LinkOnly(pub MemoryRegistry);

    impl Forward for LinkOnly {
        type Inner = MemoryRegistry;

        fn inner(&self) -> &MemoryRegistry {
            &self.0
        }

        async fn list_repositories(&self, p: &PageRequest) -> Result<Page, Error> {
            let req = PageRequest {
                size: p.size,
                start_after: p
                    .continuation
                    .as_ref()
                    .map(|c| c.trim_start_matches("cont:").into()),
                continuation: None,
            };
            let mut page = self.0.list_repositories(&req).await?;
            if let Some(next) = &mut page.next {
                next.continuation = next.start_after.as_ref().map(|s| format!("cont:{s}"));
            }
            Ok(page)
        }
    }
}

use support::LinkOnly;
use tools_support::Counting;

/// Distinct content of `len` bytes for `label`.
fn content(label: &str, len: usize) -> Bytes {
    let seed = format!("{} {label};", Digest::sha256_of(label.as_bytes()).encoded());
    Bytes::from(seed.bytes().cycle().take(len).collect::<Vec<u8>>())
}

/// Pushes `bytes` as a blob of `repo`.
fn push_blob<S: Spec>(spec: &S, r: &RepoName, bytes: &Bytes) -> Descriptor {
    let d = Descriptor::new(
        media_type::OCI_LAYER_TAR,
        Digest::sha256_of(bytes),
        bytes.len() as u64,
    );
    run(spec.push_blob(r, &d, bytes.clone())).unwrap();
    d
}

/// An image manifest over `config` and `layers`, optionally with a subject.
fn manifest_json(
    config: &Descriptor,
    layers: &[Descriptor],
    subject: Option<&Descriptor>,
    artifact_type: Option<&str>,
) -> Bytes {
    let mut m = json!({
        "schemaVersion": 2,
        "mediaType": media_type::OCI_MANIFEST,
        "config": config,
        "layers": layers,
    });
    if let Some(s) = subject {
        m["subject"] = json!(s);
    }
    if let Some(t) = artifact_type {
        m["artifactType"] = json!(t);
    }
    Bytes::from(serde_json::to_vec(&m).unwrap())
}

/// An image pushed into `r` under `tags`: (manifest descriptor, manifest bytes, layer).
fn push_image<S: Spec>(
    spec: &S,
    r: &RepoName,
    label: &str,
    tags: &[&str],
) -> (Descriptor, Bytes, Descriptor) {
    let mut config = push_blob(spec, r, &Bytes::from(format!("{{\"label\":\"{label}\"}}")));
    config.media_type = media_type::OCI_CONFIG.into();
    let layer = push_blob(spec, r, &content(label, 1000));
    let bytes = manifest_json(&config, std::slice::from_ref(&layer), None, None);
    let tags: Vec<Tag> = tags.iter().map(|t| tag(t)).collect();
    let d = run(spec.push_manifest(r, media_type::OCI_MANIFEST, bytes.clone(), &tags)).unwrap();
    (d, bytes, layer)
}

/// A referrer of `subject` pushed into `r`.
fn push_referrer<S: Spec>(spec: &S, r: &RepoName, subject: &Descriptor, label: &str) -> Descriptor {
    let empty = Descriptor::empty();
    let layer = push_blob(spec, r, &content(label, 10));
    let bytes = manifest_json(&empty, &[layer], Some(subject), Some("application/x.sig"));
    run(spec.push_manifest(r, media_type::OCI_MANIFEST, bytes, &[])).unwrap()
}

fn read_all<R: BlobReader>(mut reader: R) -> Result<Bytes, Error> {
    run(reader.read_to_end(u64::MAX))
}

// ---------------------------------------------------------------------------------------------
// Cached

type CachedMemory = Cached<Counting<MemoryRegistry>, ManualClock>;

fn cached(options: CacheOptions) -> (CachedMemory, Counting<MemoryRegistry>, ManualClock) {
    let inner = Counting::new(MemoryRegistry::new());
    let clock = ManualClock::new();
    (
        Cached::new(inner.clone(), clock.clone(), options),
        inner,
        clock,
    )
}

#[test]
fn cache_answers_manifests_by_digest_without_a_request() {
    let (cache, inner, _) = cached(CacheOptions::default());
    let r = repo("app");
    let (d, bytes, _) = push_image(&cache, &r, "m", &["v1"]);
    cache.clear(); // Forget what the push kept, to see the first fetch go out.
    let by_digest = ManifestRef::Digest(d.digest.clone());
    let first = run(cache.get_manifest(&r, &by_digest)).unwrap();
    let second = run(cache.get_manifest(&r, &by_digest)).unwrap();
    assert_eq!(inner.count("get_manifest"), 1);
    assert_eq!(first.content, bytes);
    assert_eq!(second.content, bytes);
    assert_eq!(second.descriptor, first.descriptor);
    let stat = run(cache.stat_manifest(&r, &by_digest)).unwrap();
    assert_eq!(stat, d);
    assert_eq!(inner.count("stat_manifest"), 0);
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.misses), (2, 1));
    // Another repository does not see this one's entry.
    let e = run(cache.get_manifest(&repo("other"), &by_digest)).unwrap_err();
    assert!(e.has_code(ErrorCode::ManifestUnknown), "{e}");
}

#[test]
fn cache_keeps_pushed_manifests_and_a_stat_alone_does_not_answer_a_get() {
    let (cache, inner, _) = cached(CacheOptions::default());
    let r = repo("app");
    let (d, bytes, _) = push_image(&cache, &r, "pushed", &[]);
    let got = run(cache.get_manifest(&r, &ManifestRef::Digest(d.digest.clone()))).unwrap();
    assert_eq!(got.content, bytes);
    assert_eq!(inner.count("get_manifest"), 0);

    cache.clear();
    run(cache.stat_manifest(&r, &ManifestRef::Digest(d.digest.clone()))).unwrap();
    run(cache.stat_manifest(&r, &ManifestRef::Digest(d.digest.clone()))).unwrap();
    assert_eq!(inner.count("stat_manifest"), 1);
    run(cache.get_manifest(&r, &ManifestRef::Digest(d.digest.clone()))).unwrap();
    assert_eq!(
        inner.count("get_manifest"),
        1,
        "a descriptor alone has no bytes"
    );
}

#[test]
fn cache_keeps_a_tag_only_with_a_ttl_and_refetches_after_it() {
    // Without a tag TTL every tag lookup goes out, but the manifest is kept by digest.
    let (cache, inner, _) = cached(CacheOptions::default());
    let r = repo("app");
    let (d, _, _) = push_image(&cache, &r, "t", &["v1"]);
    cache.clear();
    run(cache.get_manifest(&r, &by_tag("v1"))).unwrap();
    run(cache.get_manifest(&r, &by_tag("v1"))).unwrap();
    assert_eq!(inner.count("get_manifest"), 2);
    run(cache.get_manifest(&r, &ManifestRef::Digest(d.digest.clone()))).unwrap();
    assert_eq!(inner.count("get_manifest"), 2, "kept under its digest");

    let (cache, inner, clock) = cached(CacheOptions {
        tag_ttl_ms: Some(1_000),
        ..CacheOptions::default()
    });
    push_image(&cache, &r, "t", &["v1"]);
    cache.clear();
    run(cache.get_manifest(&r, &by_tag("v1"))).unwrap();
    clock.advance(999);
    run(cache.get_manifest(&r, &by_tag("v1"))).unwrap();
    run(cache.stat_manifest(&r, &by_tag("v1"))).unwrap();
    assert_eq!(inner.count("get_manifest"), 1);
    assert_eq!(inner.count("stat_manifest"), 0);
    clock.advance(1);
    run(cache.get_manifest(&r, &by_tag("v1"))).unwrap();
    assert_eq!(inner.count("get_manifest"), 2, "expired tag asked again");
}

#[test]
fn cache_follows_its_own_tag_pushes_and_sees_others_after_expiry() {
    let (cache, inner, clock) = cached(CacheOptions {
        tag_ttl_ms: Some(10_000),
        ..CacheOptions::default()
    });
    let r = repo("app");
    let (a, _, _) = push_image(&cache, &r, "a", &["latest"]);
    assert_eq!(run(cache.stat_manifest(&r, &by_tag("latest"))).unwrap(), a);
    let (b, _, _) = push_image(&cache, &r, "b", &["latest"]);
    assert_eq!(
        run(cache.get_manifest(&r, &by_tag("latest")))
            .unwrap()
            .descriptor,
        b
    );
    assert_eq!(
        inner.count("get_manifest") + inner.count("stat_manifest"),
        0
    );

    // A push that bypasses the cache shows once the tag expires.
    let (c, _, _) = push_image(&inner, &r, "c", &["latest"]);
    assert_eq!(run(cache.stat_manifest(&r, &by_tag("latest"))).unwrap(), b);
    clock.advance(10_000);
    assert_eq!(run(cache.stat_manifest(&r, &by_tag("latest"))).unwrap(), c);

    // A failed push forgets its tags: they may have moved.
    let bytes = run(inner.get_manifest(&r, &ManifestRef::Digest(a.digest.clone()))).unwrap();
    inner.fail_next(Error::code(ErrorCode::Unavailable, "down"));
    let calls = inner.count("stat_manifest");
    run(cache.push_manifest(
        &r,
        media_type::OCI_MANIFEST,
        bytes.content,
        &[tag("latest")],
    ))
    .unwrap_err();
    run(cache.stat_manifest(&r, &by_tag("latest"))).unwrap();
    assert_eq!(inner.count("stat_manifest"), calls + 1);
}

#[test]
fn cache_keeps_a_blob_only_once_read_whole_and_serves_ranges_from_it() {
    let (cache, inner, _) = cached(CacheOptions::default());
    let r = repo("app");
    let bytes = content("blob", 150_000); // Three 64 KiB chunks from memory.
    let d = push_blob(&cache, &r, &bytes);

    // Read one chunk and drop the reader: nothing kept.
    let mut reader = run(cache.get_blob(&r, &d.digest)).unwrap();
    assert!(run(reader.next_chunk()).unwrap().is_some());
    drop(reader);
    assert_eq!(
        read_all(run(cache.get_blob(&r, &d.digest)).unwrap()).unwrap(),
        bytes
    );
    assert_eq!(inner.count("get_blob"), 2);
    // Read whole once: now kept.
    let again = read_all(run(cache.get_blob(&r, &d.digest)).unwrap()).unwrap();
    assert_eq!(again, bytes);
    assert_eq!(inner.count("get_blob"), 2);

    let part = read_all(run(cache.get_blob_range(&r, &d.digest, 10, Some(20))).unwrap()).unwrap();
    assert_eq!(part, bytes.slice(10..20));
    let tail = run(cache.get_blob_range(&r, &d.digest, 149_990, Some(1 << 40))).unwrap();
    assert_eq!(tail.descriptor().size, 150_000);
    assert_eq!(read_all(tail).unwrap(), bytes.slice(149_990..));
    for (start, end) in [(150_000, None), (5, Some(5)), (9, Some(3))] {
        let e = run(cache.get_blob_range(&r, &d.digest, start, end))
            .err()
            .unwrap();
        assert!(e.has_code(ErrorCode::RangeInvalid), "{start}..{end:?}: {e}");
    }
    assert_eq!(inner.count("get_blob_range"), 0);
    let stat = run(cache.stat_blob(&r, &d.digest)).unwrap();
    assert_eq!((stat.digest, stat.size), (d.digest.clone(), 150_000));
    assert_eq!(inner.count("stat_blob"), 0);
}

#[test]
fn cache_does_not_keep_blobs_over_the_limit_but_keeps_their_stat() {
    let (cache, inner, _) = cached(CacheOptions {
        max_blob_bytes: 1_000,
        ..CacheOptions::default()
    });
    let r = repo("app");
    let big = push_blob(&cache, &r, &content("big", 1_001));
    let small = push_blob(&cache, &r, &content("small", 1_000));
    for _ in 0..2 {
        read_all(run(cache.get_blob(&r, &big.digest)).unwrap()).unwrap();
        read_all(run(cache.get_blob(&r, &small.digest)).unwrap()).unwrap();
        run(cache.stat_blob(&r, &big.digest)).unwrap();
    }
    assert_eq!(inner.count("get_blob"), 3, "big twice, small once");
    assert_eq!(inner.count("stat_blob"), 1);
}

/// A registry whose blob reads deliver corrupted bytes (caught by verification at the end).
struct Corrupting(MemoryRegistry);

impl Spec for Corrupting {
    type Reader = Either<BytesReader, VerifyingReader<BytesReader>>;
    type Writer = MemoryWriter;

    async fn ping(&self) -> Result<PingInfo, Error> {
        self.0.ping().await
    }
    async fn stat_manifest(&self, r: &RepoName, m: &ManifestRef) -> Result<Descriptor, Error> {
        self.0.stat_manifest(r, m).await
    }
    async fn get_manifest(&self, r: &RepoName, m: &ManifestRef) -> Result<ManifestBytes, Error> {
        self.0.get_manifest(r, m).await
    }
    async fn stat_blob(&self, r: &RepoName, d: &Digest) -> Result<Descriptor, Error> {
        self.0.stat_blob(r, d).await
    }
    async fn get_blob(&self, r: &RepoName, d: &Digest) -> Result<Self::Reader, Error> {
        let mut reader = self.0.get_blob(r, d).await?;
        let descriptor = reader.descriptor().clone();
        let mut bytes = reader.read_to_end(u64::MAX).await?.to_vec();
        if let Some(b) = bytes.last_mut() {
            *b ^= 1;
        }
        let raw = BytesReader::new(descriptor, Bytes::from(bytes), 100);
        Ok(Either::Right(VerifyingReader::new(raw)?))
    }
    async fn get_blob_range(
        &self,
        r: &RepoName,
        d: &Digest,
        s: u64,
        e: Option<u64>,
    ) -> Result<Self::Reader, Error> {
        Ok(Either::Left(self.0.get_blob_range(r, d, s, e).await?))
    }
    async fn push_manifest(
        &self,
        r: &RepoName,
        m: &str,
        c: Bytes,
        t: &[Tag],
    ) -> Result<Descriptor, Error> {
        self.0.push_manifest(r, m, c, t).await
    }
    async fn push_blob(&self, r: &RepoName, e: &Descriptor, c: Bytes) -> Result<Descriptor, Error> {
        self.0.push_blob(r, e, c).await
    }
    async fn start_upload(&self, r: &RepoName, c: Option<usize>) -> Result<MemoryWriter, Error> {
        self.0.start_upload(r, c).await
    }
    async fn resume_upload(
        &self,
        r: &RepoName,
        id: &str,
        at: ResumeAt,
        c: Option<usize>,
    ) -> Result<MemoryWriter, Error> {
        self.0.resume_upload(r, id, at, c).await
    }
    async fn mount_blob(
        &self,
        f: &RepoName,
        r: &RepoName,
        d: &Digest,
    ) -> Result<Mount<MemoryWriter>, Error> {
        self.0.mount_blob(f, r, d).await
    }
    async fn delete_manifest(&self, r: &RepoName, d: &Digest) -> Result<(), Error> {
        self.0.delete_manifest(r, d).await
    }
    async fn delete_tag(&self, r: &RepoName, t: &Tag) -> Result<(), Error> {
        self.0.delete_tag(r, t).await
    }
    async fn delete_blob(&self, r: &RepoName, d: &Digest) -> Result<(), Error> {
        self.0.delete_blob(r, d).await
    }
    async fn list_repositories(&self, p: &PageRequest) -> Result<Page, Error> {
        self.0.list_repositories(p).await
    }
    async fn list_tags(&self, r: &RepoName, p: &PageRequest) -> Result<Page, Error> {
        self.0.list_tags(r, p).await
    }
    async fn list_referrers(
        &self,
        r: &RepoName,
        d: &Digest,
        t: Option<&str>,
        p: &PageRequest,
    ) -> Result<Page<Descriptor>, Error> {
        self.0.list_referrers(r, d, t, p).await
    }
}

#[test]
fn cache_keeps_nothing_from_a_read_that_failed_verification() {
    let cache = Cached::new(
        Corrupting(MemoryRegistry::new()),
        ManualClock::new(),
        CacheOptions::default(),
    );
    let r = repo("app");
    let d = push_blob(&cache, &r, &content("x", 500));
    for _ in 0..2 {
        let e = read_all(run(cache.get_blob(&r, &d.digest)).unwrap()).unwrap_err();
        assert!(matches!(e, Error::Digest(_)), "{e}");
    }
    assert_eq!((cache.stats().hits, cache.stats().misses), (0, 2));
}

#[test]
fn cache_eviction_bounds_memory_least_recently_used_first() {
    let (cache, inner, _) = cached(CacheOptions {
        max_blob_bytes: 4_000,
        max_total_bytes: 11_000,
        ..CacheOptions::default()
    });
    let r = repo("app");
    let blobs: Vec<Descriptor> = (0..4)
        .map(|i| push_blob(&inner, &r, &content(&format!("b{i}"), 3_000)))
        .collect();
    let fetch = |d: &Descriptor| read_all(run(cache.get_blob(&r, &d.digest)).unwrap()).unwrap();
    fetch(&blobs[0]);
    fetch(&blobs[1]);
    fetch(&blobs[2]);
    assert_eq!(cache.stats().entries, 3);
    fetch(&blobs[0]); // Most recently used now; blobs[1] is the oldest.
    fetch(&blobs[3]);
    let stats = cache.stats();
    assert!(stats.bytes <= 11_000, "{stats:?}");
    assert_eq!((stats.entries, stats.evictions), (3, 1), "{stats:?}");
    assert_eq!(inner.count("get_blob"), 4);
    fetch(&blobs[0]);
    fetch(&blobs[2]);
    fetch(&blobs[3]);
    assert_eq!(inner.count("get_blob"), 4, "the three kept ones");
    fetch(&blobs[1]);
    assert_eq!(inner.count("get_blob"), 5, "the evicted one");
    assert!(cache.stats().bytes <= 11_000);

    // An entry larger than the whole budget is not kept.
    let (cache, inner, _) = cached(CacheOptions {
        max_total_bytes: 1_000,
        ..CacheOptions::default()
    });
    let d = push_blob(&inner, &r, &content("huge", 2_000));
    for _ in 0..2 {
        read_all(run(cache.get_blob(&r, &d.digest)).unwrap()).unwrap();
    }
    assert_eq!(inner.count("get_blob"), 2);
    assert_eq!(cache.stats().entries, 0);
}

#[test]
fn cache_forgets_what_its_own_deletes_remove() {
    let (cache, inner, _) = cached(CacheOptions {
        tag_ttl_ms: Some(60_000),
        ..CacheOptions::default()
    });
    let r = repo("app");
    let (d, _, layer) = push_image(&cache, &r, "del", &["v1", "v2"]);
    let by_digest = ManifestRef::Digest(d.digest.clone());
    run(cache.get_manifest(&r, &by_tag("v1"))).unwrap();
    read_all(run(cache.get_blob(&r, &layer.digest)).unwrap()).unwrap();
    run(cache.stat_blob(&r, &layer.digest)).unwrap();

    run(cache.delete_tag(&r, &tag("v1"))).unwrap();
    let e = run(cache.stat_manifest(&r, &by_tag("v1"))).unwrap_err();
    assert!(e.has_code(ErrorCode::ManifestUnknown), "{e}");
    assert_eq!(run(cache.stat_manifest(&r, &by_tag("v2"))).unwrap(), d);

    run(cache.delete_manifest(&r, &d.digest)).unwrap();
    for reference in [&by_digest, &by_tag("v2")] {
        let e = run(cache.get_manifest(&r, reference)).unwrap_err();
        assert!(e.has_code(ErrorCode::ManifestUnknown), "{reference}: {e}");
        let e = run(cache.stat_manifest(&r, reference)).unwrap_err();
        assert!(e.has_code(ErrorCode::ManifestUnknown), "{reference}: {e}");
    }

    run(cache.delete_blob(&r, &layer.digest)).unwrap();
    let e = run(cache.get_blob(&r, &layer.digest)).err().unwrap();
    assert!(e.has_code(ErrorCode::BlobUnknown), "{e}");
    let e = run(cache.stat_blob(&r, &layer.digest)).unwrap_err();
    assert!(e.has_code(ErrorCode::BlobUnknown), "{e}");
    assert!(inner.count("get_blob") >= 2);
}

#[test]
fn cache_does_not_keep_a_read_that_began_before_a_delete() {
    let (cache, _, _) = cached(CacheOptions::default());
    let r = repo("app");
    let d = push_blob(&cache, &r, &content("racing", 500));
    let reader = run(cache.get_blob(&r, &d.digest)).unwrap();
    run(cache.delete_blob(&r, &d.digest)).unwrap();
    assert_eq!(
        read_all(reader).unwrap().len(),
        500,
        "the open reader still reads"
    );
    let e = run(cache.get_blob(&r, &d.digest)).err().unwrap();
    assert!(e.has_code(ErrorCode::BlobUnknown), "{e}");
    assert_eq!(cache.stats().entries, 0);
}

#[test]
fn cache_keeps_referrers_for_their_ttl_and_forgets_them_on_a_push() {
    let (cache, inner, clock) = cached(CacheOptions {
        referrers_ttl_ms: Some(5_000),
        ..CacheOptions::default()
    });
    let r = repo("app");
    let (subject, _, _) = push_image(&cache, &r, "subject", &[]);
    let first = push_referrer(&cache, &r, &subject, "sig1");
    let list = || {
        run(cache.list_referrers(&r, &subject.digest, None, &PageRequest::default()))
            .unwrap()
            .items
    };
    assert_eq!(list(), vec![with_type(first.clone())]);
    list();
    assert_eq!(inner.count("list_referrers"), 1);

    let second = push_referrer(&cache, &r, &subject, "sig2");
    let items = list();
    assert_eq!(inner.count("list_referrers"), 2, "forgotten on push");
    assert_eq!(items.len(), 2);
    assert!(items.iter().any(|d| d.digest == second.digest));

    // A referrer pushed elsewhere shows once the entry expires.
    push_referrer(&inner, &r, &subject, "sig3");
    assert_eq!(list().len(), 2);
    clock.advance(5_000);
    assert_eq!(list().len(), 3);
    assert_eq!(inner.count("list_referrers"), 3);

    // Without a TTL, referrers are never kept.
    let (cache, inner, _) = cached(CacheOptions {
        referrers_ttl_ms: None,
        ..CacheOptions::default()
    });
    for _ in 0..2 {
        run(cache.list_referrers(&r, &subject.digest, None, &PageRequest::default())).ok();
    }
    assert_eq!(inner.count("list_referrers"), 2);
}

/// A referrer as listed: its descriptor with the artifact type.
fn with_type(mut d: Descriptor) -> Descriptor {
    d.artifact_type = Some("application/x.sig".into());
    d
}

// ---------------------------------------------------------------------------------------------
// Prefixed

fn named_repos(spec: &MemoryRegistry, names: &[&str]) {
    for name in names {
        push_blob(spec, &repo(name), &content(name, 10));
    }
}

#[test]
fn prefix_maps_every_repository_into_the_namespace() {
    let inner = MemoryRegistry::new();
    let team = Prefixed::new(inner.clone(), repo("team"));
    let (d, _, layer) = push_image(&team, &repo("app"), "p", &["v1"]);
    // It lands under the prefix in the inner registry.
    let got = run(inner.stat_manifest(&repo("team/app"), &by_tag("v1"))).unwrap();
    assert_eq!(got, d);
    // Outside repositories are not reachable through the wrapper.
    push_image(&inner, &repo("other"), "o", &["v1"]);
    let e = run(team.stat_manifest(&repo("other"), &by_tag("v1"))).unwrap_err();
    assert!(e.has_code(ErrorCode::ManifestUnknown), "{e}");
    // Mounts stay inside the namespace on both sides.
    assert!(
        run(team.mount_blob(&repo("app"), &repo("copy"), &layer.digest))
            .unwrap()
            .is_mounted()
    );
    run(inner.stat_blob(&repo("team/copy"), &layer.digest)).unwrap();
    let tags = run(team.list_tags(&repo("app"), &PageRequest::default())).unwrap();
    assert_eq!(tags.items, vec!["v1".to_string()]);
    // A joined name over the limit is a bad name, as any.
    let long = repo(&"a".repeat(252));
    let e = run(team.stat_blob(&long, &layer.digest)).unwrap_err();
    assert!(e.has_code(ErrorCode::NameInvalid), "{e}");
}

const NAMES: [&str; 9] = [
    "tea/m", "team", "team-x/y", "team.a", "team/a", "team/b/c", "team/d", "team_z", "teams/z",
];

#[test]
fn prefix_lists_only_its_names_stripped_on_every_page_size() {
    for page_limit in [None, Some(1), Some(2)] {
        let inner = MemoryRegistry::with_options(MemoryOptions {
            page_limit,
            ..MemoryOptions::default()
        });
        named_repos(&inner, &NAMES);
        let team = Prefixed::new(inner, repo("team"));
        for size in 1..5 {
            let all = run(collect_all(&team, None, size, None)).unwrap();
            assert_eq!(all, ["a", "b/c", "d"], "size {size}, cap {page_limit:?}");
        }
    }
    let inner = MemoryRegistry::new();
    named_repos(&inner, &NAMES);
    let team = Prefixed::new(inner, repo("team"));
    let first = run(team.list_repositories(&PageRequest::first(2))).unwrap();
    assert_eq!(first.items, ["a", "b/c"]);
    let next = first.next.unwrap();
    assert_eq!(next.start_after.as_deref(), Some("b/c"));
    let second = run(team.list_repositories(&next)).unwrap();
    assert_eq!((second.items, second.next), (vec!["d".to_string()], None));
    let after = PageRequest {
        start_after: Some("a".into()),
        ..PageRequest::default()
    };
    let rest = run(team.list_repositories(&after)).unwrap();
    assert_eq!(rest.items, ["b/c", "d"]);
    let none = Prefixed::new(MemoryRegistry::new(), repo("team"));
    assert_eq!(
        run(none.list_repositories(&PageRequest::first(3))).unwrap(),
        Page::default()
    );
}

#[test]
fn prefix_hands_continuations_through_and_skips_pages_outside() {
    let inner = MemoryRegistry::new();
    named_repos(&inner, &NAMES);
    let counting = Counting::new(LinkOnly(inner));
    let team = Prefixed::new(counting.clone(), repo("team"));
    let first = run(team.list_repositories(&PageRequest::first(2))).unwrap();
    // Pages ["tea/m","team"] and ["team-x/y","team.a"] hold none of its names: skipped.
    assert_eq!(first.items, ["a", "b/c"]);
    assert_eq!(counting.count("list_repositories"), 3);
    let next = first.next.unwrap();
    assert_eq!(next.continuation.as_deref(), Some("cont:team/b/c"));
    assert_eq!(next.start_after.as_deref(), Some("b/c"));
    let second = run(team.list_repositories(&next)).unwrap();
    assert_eq!(second.items, ["d"]);
    assert_eq!(second.next, None, "team_z is past the namespace");
    assert_eq!(
        run(collect_all(&team, None, 2, None)).unwrap(),
        ["a", "b/c", "d"]
    );
}

// ---------------------------------------------------------------------------------------------
// RateLimited

type Limited = RateLimited<Counting<MemoryRegistry>, ManualClock>;

fn limited(rate: f64, burst: u32) -> (Limited, Counting<MemoryRegistry>, ManualClock) {
    let inner = Counting::new(MemoryRegistry::new());
    let clock = ManualClock::new();
    let limit = RateLimit::per_second(rate, burst).unwrap();
    (
        RateLimited::new(inner.clone(), clock.clone(), limit),
        inner,
        clock,
    )
}

#[test]
fn rate_limit_paces_requests_after_the_burst() {
    let (spec, inner, clock) = limited(10.0, 5);
    for _ in 0..5 {
        run(spec.ping()).unwrap();
    }
    assert_eq!(clock.now_ms(), 0, "the burst goes at once");
    for _ in 0..20 {
        run(spec.ping()).unwrap();
    }
    assert_eq!(clock.now_ms(), 2_000, "20 more at 10/s");
    assert_eq!(spec.waited_ms(), 2_000);
    assert_eq!(inner.count("ping"), 25);

    // Idle time refills the bucket, never beyond the burst.
    clock.advance(60_000);
    let start = clock.now_ms();
    for _ in 0..6 {
        run(spec.ping()).unwrap();
    }
    assert_eq!(clock.now_ms() - start, 100);

    // A fractional rate: one request every 2 s.
    let (slow, _, clock) = limited(0.5, 1);
    for _ in 0..4 {
        run(slow.ping()).unwrap();
    }
    assert_eq!(clock.now_ms(), 6_000);
}

#[test]
fn rate_limit_counts_a_read_as_one_request_and_paces_writer_chunks() {
    let (spec, inner, clock) = limited(1.0, 1);
    let r = repo("app");
    let bytes = content("paced", 300_000); // Five chunks from memory.
    let d = push_blob(&spec, &r, &bytes);
    let reader = run(spec.get_blob(&r, &d.digest)).unwrap();
    assert_eq!(clock.now_ms(), 1_000);
    assert_eq!(read_all(reader).unwrap(), bytes);
    assert_eq!(clock.now_ms(), 1_000, "chunks of one read take no token");

    let mut w = run(spec.start_upload(&r, Some(1_000))).unwrap();
    assert_eq!(clock.now_ms(), 2_000);
    assert_eq!(w.chunk_size(), 1_000);
    run(w.write(&bytes[..999])).unwrap();
    assert_eq!(clock.now_ms(), 2_000, "no chunk filled yet");
    run(w.write(&bytes[999..3_500])).unwrap();
    assert_eq!(clock.now_ms(), 5_000, "three chunks filled");
    let digest = Digest::sha256_of(&bytes[..3_500]);
    let got = run(w.commit(&digest)).unwrap();
    assert_eq!(got.size, 3_500);
    assert_eq!(clock.now_ms(), 6_000);
    assert_eq!(inner.count("start_upload"), 1);
}

#[test]
fn rate_limit_pauses_after_a_429_for_the_retry_after_it_carries() {
    let (spec, inner, clock) = limited(100.0, 10);
    let throttled = RegistryError::with_message(ErrorCode::TooManyRequests, "slow down")
        .with_detail(json!({"retry-after": 3}));
    inner.fail_next(Error::Registry(throttled));
    let e = run(spec.ping()).unwrap_err();
    assert!(e.has_code(ErrorCode::TooManyRequests), "{e}");
    assert_eq!(clock.now_ms(), 0, "it does not retry");
    run(spec.ping()).unwrap();
    assert_eq!(clock.now_ms(), 3_000, "waited the Retry-After");
    run(spec.ping()).unwrap();
    assert_eq!(
        clock.now_ms(),
        3_010,
        "then one interval apart: the bucket was emptied"
    );
    assert_eq!((spec.throttled(), inner.count("ping")), (1, 3));

    // No Retry-After: one interval; a bare 429 status counts too.
    let (spec, inner, clock) = limited(100.0, 10);
    inner.fail_next(Error::Registry(RegistryError::from_response(429, b"")));
    run(spec.ping()).unwrap_err();
    run(spec.ping()).unwrap();
    assert_eq!(clock.now_ms(), 10);

    // Other errors change nothing.
    let (spec, inner, clock) = limited(100.0, 10);
    inner.fail_next(Error::code(ErrorCode::Unavailable, "down"));
    run(spec.ping()).unwrap_err();
    run(spec.ping()).unwrap();
    assert_eq!((clock.now_ms(), spec.throttled()), (0, 0));

    // The pause is capped.
    let inner = Counting::new(MemoryRegistry::new());
    let clock = ManualClock::new();
    let limit = RateLimit::per_second(100.0, 10)
        .unwrap()
        .with_max_pause_ms(500);
    let spec = RateLimited::new(inner.clone(), clock.clone(), limit);
    let long =
        RegistryError::new(ErrorCode::TooManyRequests).with_detail(json!({"Retry-After": "3600"}));
    inner.fail_next(Error::Registry(long));
    run(spec.ping()).unwrap_err();
    run(spec.ping()).unwrap();
    assert_eq!(clock.now_ms(), 500);
}

#[test]
fn rate_limit_reads_retry_after_from_error_detail_only() {
    let with = |detail| {
        Error::Registry(RegistryError::new(ErrorCode::TooManyRequests).with_detail(detail))
    };
    assert_eq!(
        retry_after_ms(&with(json!({"Retry-After": 7}))),
        Some(7_000)
    );
    assert_eq!(
        retry_after_ms(&with(json!({"RETRY-AFTER": " 2 "}))),
        Some(2_000)
    );
    assert_eq!(
        retry_after_ms(&with(
            json!({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
        )),
        None
    );
    assert_eq!(retry_after_ms(&with(json!({"Retry-After": -1}))), None);
    assert_eq!(retry_after_ms(&with(json!("Retry-After: 5"))), None);
    assert_eq!(
        retry_after_ms(&Error::code(ErrorCode::TooManyRequests, "x")),
        None
    );
    assert!(RateLimit::per_second(0.0, 1).is_err());
    assert!(RateLimit::per_second(f64::NAN, 1).is_err());
    assert!(RateLimit::per_second(1.0, 0).is_err());
    assert_eq!(
        RateLimit::per_second(3.0, 2).unwrap().interval_us(),
        333_333
    );
}

// ---------------------------------------------------------------------------------------------
// ReadOnly

#[test]
fn read_only_refuses_every_write_with_denied_and_reads_pass() {
    let memory = MemoryRegistry::new();
    let r = repo("app");
    let (d, bytes, layer) = push_image(&memory, &r, "ro", &["v1"]);
    let inner = Counting::new(memory);
    let ro = ReadOnly::new(inner.clone());
    let denied = |e: Error, what: &str| {
        assert!(e.has_code(ErrorCode::Denied), "{what}: {e}");
        assert_eq!(e.status(), Some(403), "{what}");
        assert!(e.to_string().contains("read-only"), "{what}: {e}");
    };
    let blob = Bytes::from_static(b"new");
    let blob_d = Descriptor::new("application/octet-stream", Digest::sha256_of(&blob), 3);
    denied(
        run(ro.push_manifest(&r, media_type::OCI_MANIFEST, bytes.clone(), &[tag("x")]))
            .unwrap_err(),
        "push_manifest",
    );
    denied(
        run(ro.push_blob(&r, &blob_d, blob)).unwrap_err(),
        "push_blob",
    );
    denied(
        run(ro.start_upload(&r, None)).err().unwrap(),
        "start_upload",
    );
    denied(
        run(ro.resume_upload(&r, "id", ResumeAt::RegistryOffset, None))
            .err()
            .unwrap(),
        "resume_upload",
    );
    denied(
        run(ro.mount_blob(&r, &repo("b"), &layer.digest))
            .err()
            .unwrap(),
        "mount_blob",
    );
    denied(
        run(ro.delete_manifest(&r, &d.digest)).unwrap_err(),
        "delete_manifest",
    );
    denied(
        run(ro.delete_tag(&r, &tag("v1"))).unwrap_err(),
        "delete_tag",
    );
    denied(
        run(ro.delete_blob(&r, &layer.digest)).unwrap_err(),
        "delete_blob",
    );
    assert_eq!(inner.total(), 0, "no write reached the registry");

    assert_eq!(
        run(ro.get_manifest(&r, &by_tag("v1"))).unwrap().content,
        bytes
    );
    assert_eq!(
        read_all(run(ro.get_blob(&r, &layer.digest)).unwrap())
            .unwrap()
            .len(),
        1000
    );
    let tags = run(ro.list_tags(&r, &PageRequest::default())).unwrap();
    assert_eq!(tags.items, ["v1"]);
    run(ro.ping()).unwrap();
    assert_eq!(inner.total(), 4);
}

// ---------------------------------------------------------------------------------------------
// Stacks

#[test]
fn shared_client_hits_take_no_token() {
    let memory = Counting::new(MemoryRegistry::new());
    let clock = ManualClock::new();
    let limit = RateLimit::per_second(1.0, 1).unwrap();
    let client = ociscope_tools::wrap::shared_client(
        memory.clone(),
        clock.clone(),
        CacheOptions::default(),
        limit,
    );
    let r = repo("app");
    let (d, _, _) = push_image(&memory, &r, "s", &[]);
    let by_digest = ManifestRef::Digest(d.digest.clone());
    for _ in 0..5 {
        run(client.get_manifest(&r, &by_digest)).unwrap();
    }
    assert_eq!(memory.count("get_manifest"), 1);
    assert_eq!(clock.now_ms(), 0, "one token, from the full bucket");
    run(client.stat_blob(&r, &d.digest)).unwrap_err();
    assert_eq!(clock.now_ms(), 1_000);
}

// ---------------------------------------------------------------------------------------------
// Repository stores

#[test]
fn store_blobs_push_stat_read_mount_and_delete() {
    let memory = MemoryRegistry::new();
    let app = Repository::open(&memory, "app").unwrap();
    let blobs = app.blobs();
    let bytes = content("store", 5_000);
    let d = run(blobs.push("application/x.test", bytes.clone())).unwrap();
    assert_eq!(
        (d.digest.clone(), d.size),
        (Digest::sha256_of(&bytes), 5_000)
    );
    assert!(run(blobs.exists(&d.digest)).unwrap());
    assert_eq!(run(blobs.stat(&d.digest)).unwrap().size, 5_000);
    assert_eq!(run(blobs.read(&d.digest, 5_000)).unwrap(), bytes);
    assert!(run(blobs.read(&d.digest, 4_999)).is_err(), "over the limit");
    let part = read_all(run(blobs.fetch_range(&d.digest, 1, Some(3))).unwrap()).unwrap();
    assert_eq!(part, bytes.slice(1..3));

    let wrong = Descriptor::new("application/x.test", d.digest.clone(), 4_999);
    let e = run(blobs.push_expected(&wrong, bytes.clone())).unwrap_err();
    assert!(e.has_code(ErrorCode::SizeInvalid), "{e}");

    let mut w = run(blobs.writer(Some(1_024))).unwrap();
    run(w.write(&bytes[..2_000])).unwrap();
    let resumable = run(w.close()).unwrap();
    let mut w = run(blobs.resume(&resumable.id, ResumeAt::RegistryOffset, None)).unwrap();
    run(w.write(&bytes[resumable.offset as usize..])).unwrap();
    assert_eq!(run(w.commit(&d.digest)).unwrap().digest, d.digest);

    let other = Repository::open(&memory, "other").unwrap();
    assert!(!run(other.blobs().exists(&d.digest)).unwrap());
    assert!(run(other.blobs().mount_from(app.name(), &d.digest))
        .unwrap()
        .is_mounted());
    assert!(run(other.blobs().exists(&d.digest)).unwrap());

    run(blobs.delete(&d.digest)).unwrap();
    assert!(!run(blobs.exists(&d.digest)).unwrap());
    let e = run(blobs.delete(&d.digest)).unwrap_err();
    assert!(e.has_code(ErrorCode::BlobUnknown), "{e}");
    assert!(Repository::open(&memory, "Bad")
        .unwrap_err()
        .has_code(ErrorCode::NameInvalid));
}

#[test]
fn store_exists_passes_errors_other_than_not_found() {
    let memory = MemoryRegistry::with_options(MemoryOptions::default());
    let inner = Counting::new(memory);
    let app = Repository::open(&inner, "app").unwrap();
    inner.fail_next(Error::code(ErrorCode::Unauthorized, "log in"));
    let e = run(app.blobs().exists(&Digest::sha256_of(b"x"))).unwrap_err();
    assert!(e.has_code(ErrorCode::Unauthorized), "{e}");
    assert!(!run(app.manifests().exists(&by_tag("nope"))).unwrap());
}

#[test]
fn store_manifests_and_tags() {
    let memory = Rc::new(MemoryRegistry::new());
    let app = Repository::open(Rc::clone(&memory), "app").unwrap();
    let (d, bytes, _) = push_image(&*memory, app.name(), "img", &["v1"]);
    let manifests = app.manifests();
    assert_eq!(run(manifests.resolve(&tag("v1"))).unwrap(), d);
    assert_eq!(run(manifests.fetch(&by_tag("v1"))).unwrap().content, bytes);
    assert!(run(manifests.exists(&ManifestRef::Digest(d.digest.clone()))).unwrap());
    assert!(!run(manifests.exists(&by_tag("v2"))).unwrap());

    let tags = app.tags();
    let tagged = run(tags.tag(&d.digest, &tag("v2"))).unwrap();
    assert_eq!(tagged, d);
    run(tags.tag(&d.digest, &tag("a"))).unwrap();
    assert_eq!(run(tags.all()).unwrap(), ["a", "v1", "v2"]);
    let first = run(tags.page(&PageRequest::first(2))).unwrap();
    assert_eq!(first.items, ["a", "v1"]);
    let rest = run(tags.page(&first.next.unwrap())).unwrap();
    assert_eq!((rest.items, rest.next), (vec!["v2".to_string()], None));
    let e = run(tags.tag(&Digest::sha256_of(b"absent"), &tag("x"))).unwrap_err();
    assert!(e.has_code(ErrorCode::ManifestUnknown), "{e}");

    run(tags.untag(&tag("v1"))).unwrap();
    assert_eq!(run(tags.all()).unwrap(), ["a", "v2"]);
    assert!(run(manifests.exists(&ManifestRef::Digest(d.digest.clone()))).unwrap());

    let sig = push_referrer(&*memory, app.name(), &d, "sig");
    let referrers = run(manifests.referrers(&d.digest, Some("application/x.sig"))).unwrap();
    assert_eq!(
        referrers.iter().map(|r| &r.digest).collect::<Vec<_>>(),
        [&sig.digest]
    );
    assert!(
        run(manifests.referrers(&d.digest, Some("application/x.other")))
            .unwrap()
            .is_empty()
    );

    run(manifests.delete(&d.digest)).unwrap();
    assert!(!run(manifests.exists(&by_tag("v2"))).unwrap());
    assert_eq!(run(tags.all()).unwrap(), Vec::<String>::new());
}
