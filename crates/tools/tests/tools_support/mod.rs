//! Shared by the tools tests: demo-like content, and small wrappers that count, refuse, lie or
//! fail (built on `Forward`, except the one that needs writers of its own).
#![allow(dead_code)] // Each test file uses a part.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use bytes::Bytes;
use ociscope_core::spec::{
    BlobReader, BlobWriter, Error, ErrorKind, Forward, ManifestBytes, ManifestRef, Mount, Page,
    PageRequest, PingInfo, RepoName, Resumable, ResumeAt, Spec, Tag,
};
use ociscope_core::{media_type, Descriptor, Digest, ErrorCode, Platform};
use serde_json::{json, Value};

#[allow(unused_imports)] // The live tests run on tokio.
pub use futures::executor::block_on;

/// A repository name.
pub fn repo(name: &str) -> RepoName {
    RepoName::new(name).unwrap()
}

/// A tag.
pub fn tag(name: &str) -> Tag {
    Tag::new(name).unwrap()
}

/// By digest.
pub fn at(d: &Descriptor) -> ManifestRef {
    ManifestRef::Digest(d.digest.clone())
}

/// Deterministic bytes that differ by seed.
pub fn bytes(seed: u64, len: usize) -> Bytes {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Pushes a blob and returns its descriptor with `media`.
pub async fn push_blob<S: Spec>(spec: &S, r: &RepoName, media: &str, content: Bytes) -> Descriptor {
    let d = Descriptor::new(media, Digest::sha256_of(&content), content.len() as u64);
    spec.push_blob(r, &d, content).await.unwrap();
    d
}

/// Pushes a JSON manifest of `media` with `tags`.
pub async fn push_json<S: Spec>(
    spec: &S,
    r: &RepoName,
    media: &str,
    doc: &Value,
    tags: &[Tag],
) -> Descriptor {
    let content = Bytes::from(serde_json::to_vec(doc).unwrap());
    let d = spec.push_manifest(r, media, content, tags).await.unwrap();
    Descriptor::new(media, d.digest, d.size)
}

/// The platforms of the demo index, in order.
pub fn platforms() -> Vec<Platform> {
    let mut windows = Platform::new("windows", "amd64");
    windows.os_version = Some("10.0.20348.2113".into());
    let mut arm64 = Platform::new("linux", "arm64");
    arm64.variant = Some("v8".into());
    let mut arm = Platform::new("linux", "arm");
    arm.variant = Some("v7".into());
    vec![
        Platform::new("linux", "amd64"),
        arm64,
        arm,
        Platform::new("linux", "s390x"),
        windows,
    ]
}

/// A config for `platform`.
pub fn config_json(p: &Platform) -> Value {
    let mut c = json!({
        "created": "2024-01-02T03:04:05Z",
        "architecture": p.architecture,
        "os": p.os,
        "config": {"Cmd": ["/hello"], "Env": ["PATH=/bin"]},
        "rootfs": {"type": "layers", "diff_ids": []},
    });
    if let Some(v) = &p.variant {
        c["variant"] = json!(v);
    }
    if let Some(v) = &p.os_version {
        c["os.version"] = json!(v);
    }
    c
}

/// An image: config plus a large shared base layer and a small own layer.
pub async fn push_image<S: Spec>(
    spec: &S,
    r: &RepoName,
    p: &Platform,
    base: &Descriptor,
    seed: u64,
    docker: bool,
) -> (Descriptor, Vec<Descriptor>) {
    let (config_type, layer_type, manifest_type) = if docker {
        (
            media_type::DOCKER_CONFIG,
            media_type::DOCKER_LAYER_TAR_GZIP,
            media_type::DOCKER_MANIFEST_V2,
        )
    } else {
        (
            media_type::OCI_CONFIG,
            media_type::OCI_LAYER_TAR_GZIP,
            media_type::OCI_MANIFEST,
        )
    };
    let config = push_blob(
        spec,
        r,
        config_type,
        Bytes::from(serde_json::to_vec(&config_json(p)).unwrap()),
    )
    .await;
    let own = push_blob(spec, r, layer_type, bytes(seed, 2048)).await;
    let mut base = base.clone();
    base.media_type = layer_type.to_string();
    let doc = json!({
        "schemaVersion": 2, "mediaType": manifest_type,
        "config": config, "layers": [base, own],
    });
    let mut d = push_json(spec, r, manifest_type, &doc, &[]).await;
    d.platform = Some(p.clone());
    (d, vec![config, base, own])
}

/// An artifact with one small layer whose subject is `subject`.
pub async fn push_referrer<S: Spec>(
    spec: &S,
    r: &RepoName,
    artifact_type: &str,
    subject: &Descriptor,
    seed: u64,
) -> (Descriptor, Descriptor) {
    let layer = push_blob(spec, r, "application/json", bytes(seed, 300)).await;
    let mut subject = subject.clone();
    subject.platform = None;
    let doc = json!({
        "schemaVersion": 2, "mediaType": media_type::OCI_MANIFEST,
        "artifactType": artifact_type,
        "config": Descriptor::empty(), "layers": [layer], "subject": subject,
    });
    let mut d = push_json(spec, r, media_type::OCI_MANIFEST, &doc, &[]).await;
    d.artifact_type = Some(artifact_type.to_string());
    (d, layer)
}

/// The artifact types of the demo's referrers.
pub const SBOM: &str = "application/spdx+json";
/// Cosign-style signature.
pub const COSIGN: &str = "application/vnd.dev.cosign.artifact.sig.v1+json";
/// Notation-style signature.
pub const NOTATION: &str = "application/vnd.cncf.notary.signature";

/// What [`push_demo`] pushed.
#[derive(Clone, Debug)]
pub struct Demo {
    /// The 5-platform index, tagged `latest`.
    pub index: Descriptor,
    /// Its images, in index order, with platforms.
    pub images: Vec<Descriptor>,
    /// SBOM and signature of the amd64 image, a signature of the SBOM, a signature of the
    /// index.
    pub referrers: Vec<Descriptor>,
    /// Every distinct blob.
    pub blobs: Vec<Descriptor>,
    /// Blobs of the images only (no referrer content).
    pub image_blobs: Vec<Descriptor>,
    /// The shared large base layer of the linux images.
    pub base: Descriptor,
}

impl Demo {
    /// Every manifest: images, index, referrers.
    pub fn manifests(&self) -> Vec<Descriptor> {
        let mut all = self.images.clone();
        all.push(self.index.clone());
        all.extend(self.referrers.iter().cloned());
        all
    }

    /// The image for a platform.
    pub fn image(&self, p: &str) -> &Descriptor {
        let p = Platform::parse(p).unwrap();
        self.images
            .iter()
            .find(|d| d.platform.as_ref().unwrap().matches(&p))
            .unwrap()
    }
}

fn add(blobs: &mut Vec<Descriptor>, d: &Descriptor) {
    if !blobs.iter().any(|b| b.digest == d.digest) {
        blobs.push(d.clone());
    }
}

/// Pushes the demo-like content into `r`: a 5-platform OCI index (`latest`) whose linux images
/// share a 150 000-byte base layer (Windows has its own 120 000-byte one), and referrers.
pub async fn push_demo<S: Spec>(spec: &S, r: &RepoName) -> Demo {
    let linux_base = push_blob(spec, r, media_type::OCI_LAYER_TAR_GZIP, bytes(1, 150_000)).await;
    let windows_base = push_blob(spec, r, media_type::OCI_LAYER_TAR_GZIP, bytes(2, 120_000)).await;
    push_blob(
        spec,
        r,
        media_type::OCI_EMPTY,
        Bytes::from_static(media_type::empty::CONTENT),
    )
    .await;
    let mut images = Vec::new();
    let mut blobs = Vec::new();
    for (i, p) in platforms().iter().enumerate() {
        let base = if p.os == "windows" {
            &windows_base
        } else {
            &linux_base
        };
        let (image, parts) = push_image(spec, r, p, base, 10 + i as u64, false).await;
        for b in &parts {
            add(&mut blobs, b);
        }
        images.push(image);
    }
    let image_blobs = blobs.clone();
    let index_doc = json!({
        "schemaVersion": 2, "mediaType": media_type::OCI_INDEX,
        "manifests": images,
        "annotations": {"org.opencontainers.image.title": "hello"},
    });
    let index = push_json(spec, r, media_type::OCI_INDEX, &index_doc, &[tag("latest")]).await;
    let (sbom, l1) = push_referrer(spec, r, SBOM, &images[0], 100).await;
    let (sig, l2) = push_referrer(spec, r, COSIGN, &images[0], 101).await;
    let (sbom_sig, l3) = push_referrer(spec, r, COSIGN, &sbom, 102).await;
    let (index_sig, l4) = push_referrer(spec, r, NOTATION, &index, 103).await;
    for l in [&l1, &l2, &l3, &l4] {
        add(&mut blobs, l);
    }
    add(&mut blobs, &Descriptor::empty());
    Demo {
        index,
        images,
        referrers: vec![sbom, sig, sbom_sig, index_sig],
        blobs,
        image_blobs,
        base: linux_base,
    }
}

/// Asserts that `dst_repo` in `dst` holds every manifest and blob, byte for byte as `src`.
pub async fn assert_same<S: Spec, D: Spec>(
    src: &S,
    src_repo: &RepoName,
    dst: &D,
    dst_repo: &RepoName,
    manifests: &[Descriptor],
    blobs: &[Descriptor],
) {
    for m in manifests {
        let a = src.get_manifest(src_repo, &at(m)).await.unwrap();
        let b = dst
            .get_manifest(dst_repo, &at(m))
            .await
            .unwrap_or_else(|e| panic!("manifest {} missing: {e}", m.digest));
        assert_eq!(a.content, b.content, "manifest {}", m.digest);
        assert_eq!(b.descriptor.digest, m.digest);
    }
    for d in blobs {
        let a = read(src, src_repo, &d.digest).await;
        let b = read(dst, dst_repo, &d.digest).await;
        assert_eq!(a, b, "blob {}", d.digest);
        assert_eq!(Digest::sha256_of(&b), d.digest);
    }
}

/// A blob's content.
pub async fn read<S: Spec>(spec: &S, r: &RepoName, digest: &Digest) -> Bytes {
    spec.get_blob(r, digest)
        .await
        .unwrap_or_else(|e| panic!("blob {digest} missing: {e}"))
        .read_to_end(u64::MAX)
        .await
        .unwrap()
}

/// A `Spec` over any other that counts calls by method, logs them with what they named, and
/// fails the next calls with queued errors. Clones share the counts, the log and the queue, so
/// a test keeps one while a wrapper owns another.
pub struct Counting<S> {
    /// The wrapped registry.
    pub inner: S,
    counts: Rc<RefCell<BTreeMap<&'static str, usize>>>,
    /// `push_manifest <digest> [tags]`, `push_blob <digest>`, … in call order.
    pub log: Rc<RefCell<Vec<String>>>,
    failures: Rc<RefCell<VecDeque<Error>>>,
}

impl<S: Clone> Clone for Counting<S> {
    fn clone(&self) -> Self {
        Counting {
            inner: self.inner.clone(),
            counts: Rc::clone(&self.counts),
            log: Rc::clone(&self.log),
            failures: Rc::clone(&self.failures),
        }
    }
}

impl<S> Counting<S> {
    /// Counts calls to `inner`.
    pub fn new(inner: S) -> Counting<S> {
        Counting {
            inner,
            counts: Rc::default(),
            log: Rc::default(),
            failures: Rc::default(),
        }
    }

    /// Calls of `method` so far.
    pub fn count(&self, method: &str) -> usize {
        self.counts.borrow().get(method).copied().unwrap_or(0)
    }

    /// Calls of every method so far.
    pub fn total(&self) -> usize {
        self.counts.borrow().values().sum()
    }

    /// Calls of any method that writes (pushes, uploads, mounts).
    pub fn writes(&self) -> usize {
        [
            "push_manifest",
            "push_blob",
            "start_upload",
            "resume_upload",
            "mount_blob",
        ]
        .iter()
        .map(|m| self.count(m))
        .sum()
    }

    /// Forgets the counts and log.
    pub fn reset(&self) {
        self.counts.borrow_mut().clear();
        self.log.borrow_mut().clear();
    }

    /// Fails the next call (any method) with `e`, without reaching the inner registry.
    pub fn fail_next(&self, e: Error) {
        self.failures.borrow_mut().push_back(e);
    }

    fn note(&self, method: &'static str, detail: String) -> Result<(), Error> {
        *self.counts.borrow_mut().entry(method).or_default() += 1;
        self.log.borrow_mut().push(format!("{method} {detail}"));
        match self.failures.borrow_mut().pop_front() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl<S: Spec> Forward for Counting<S> {
    type Inner = S;

    fn inner(&self) -> &S {
        &self.inner
    }

    async fn ping(&self) -> Result<PingInfo, Error> {
        self.note("ping", String::new())?;
        self.inner.ping().await
    }

    async fn stat_manifest(&self, r: &RepoName, m: &ManifestRef) -> Result<Descriptor, Error> {
        self.note("stat_manifest", m.to_string())?;
        self.inner.stat_manifest(r, m).await
    }

    async fn get_manifest(&self, r: &RepoName, m: &ManifestRef) -> Result<ManifestBytes, Error> {
        self.note("get_manifest", m.to_string())?;
        self.inner.get_manifest(r, m).await
    }

    async fn stat_blob(&self, r: &RepoName, d: &Digest) -> Result<Descriptor, Error> {
        self.note("stat_blob", d.to_string())?;
        self.inner.stat_blob(r, d).await
    }

    async fn get_blob(&self, r: &RepoName, d: &Digest) -> Result<S::Reader, Error> {
        self.note("get_blob", d.to_string())?;
        self.inner.get_blob(r, d).await
    }

    async fn get_blob_range(
        &self,
        r: &RepoName,
        d: &Digest,
        start: u64,
        end: Option<u64>,
    ) -> Result<S::Reader, Error> {
        self.note("get_blob_range", format!("{d} {start}..{end:?}"))?;
        self.inner.get_blob_range(r, d, start, end).await
    }

    async fn push_manifest(
        &self,
        r: &RepoName,
        media: &str,
        content: Bytes,
        tags: &[Tag],
    ) -> Result<Descriptor, Error> {
        let names: Vec<&str> = tags.iter().map(|t| t.as_str()).collect();
        self.note(
            "push_manifest",
            format!("{} {names:?}", Digest::sha256_of(&content)),
        )?;
        self.inner.push_manifest(r, media, content, tags).await
    }

    async fn push_blob(
        &self,
        r: &RepoName,
        expected: &Descriptor,
        content: Bytes,
    ) -> Result<Descriptor, Error> {
        self.note("push_blob", expected.digest.to_string())?;
        self.inner.push_blob(r, expected, content).await
    }

    async fn start_upload(&self, r: &RepoName, chunk: Option<usize>) -> Result<S::Writer, Error> {
        self.note("start_upload", String::new())?;
        self.inner.start_upload(r, chunk).await
    }

    async fn resume_upload(
        &self,
        r: &RepoName,
        id: &str,
        at: ResumeAt,
        chunk: Option<usize>,
    ) -> Result<S::Writer, Error> {
        self.note("resume_upload", id.to_string())?;
        self.inner.resume_upload(r, id, at, chunk).await
    }

    async fn mount_blob(
        &self,
        from: &RepoName,
        to: &RepoName,
        d: &Digest,
    ) -> Result<Mount<S::Writer>, Error> {
        self.note("mount_blob", d.to_string())?;
        self.inner.mount_blob(from, to, d).await
    }

    async fn delete_manifest(&self, r: &RepoName, d: &Digest) -> Result<(), Error> {
        self.note("delete_manifest", d.to_string())?;
        self.inner.delete_manifest(r, d).await
    }

    async fn delete_tag(&self, r: &RepoName, t: &Tag) -> Result<(), Error> {
        self.note("delete_tag", t.to_string())?;
        self.inner.delete_tag(r, t).await
    }

    async fn delete_blob(&self, r: &RepoName, d: &Digest) -> Result<(), Error> {
        self.note("delete_blob", d.to_string())?;
        self.inner.delete_blob(r, d).await
    }

    async fn list_repositories(&self, p: &PageRequest) -> Result<Page, Error> {
        self.note("list_repositories", String::new())?;
        self.inner.list_repositories(p).await
    }

    async fn list_tags(&self, r: &RepoName, p: &PageRequest) -> Result<Page, Error> {
        self.note("list_tags", r.to_string())?;
        self.inner.list_tags(r, p).await
    }

    async fn list_referrers(
        &self,
        r: &RepoName,
        d: &Digest,
        artifact_type: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Descriptor>, Error> {
        self.note("list_referrers", d.to_string())?;
        self.inner.list_referrers(r, d, artifact_type, page).await
    }
}

/// A destination that refuses (`DENIED`) manifests and small blobs with these digests, and
/// answers 503 `UNAVAILABLE` once to each push of the `unavailable` ones.
pub struct Refusing<S> {
    /// The wrapped registry.
    pub inner: S,
    /// Digests refused.
    pub refused: Vec<Digest>,
    /// Digests whose next push fails once, transiently.
    pub unavailable: RefCell<Vec<Digest>>,
}

impl<S> Refusing<S> {
    /// Refuses `refused` for good.
    pub fn new(inner: S, refused: Vec<Digest>) -> Refusing<S> {
        Refusing {
            inner,
            refused,
            unavailable: RefCell::default(),
        }
    }

    fn check(&self, d: &Digest) -> Result<(), Error> {
        if self.refused.contains(d) {
            return Err(Error::code(
                ErrorCode::Denied,
                format!("{d} is refused here"),
            ));
        }
        let mut once = self.unavailable.borrow_mut();
        if let Some(i) = once.iter().position(|u| u == d) {
            once.remove(i);
            return Err(Error::code(ErrorCode::Unavailable, "try again later"));
        }
        Ok(())
    }
}

impl<S: Spec> Forward for Refusing<S> {
    type Inner = S;

    fn inner(&self) -> &S {
        &self.inner
    }

    async fn push_manifest(
        &self,
        r: &RepoName,
        media: &str,
        content: Bytes,
        tags: &[Tag],
    ) -> Result<Descriptor, Error> {
        self.check(&Digest::sha256_of(&content))?;
        self.inner.push_manifest(r, media, content, tags).await
    }

    async fn push_blob(
        &self,
        r: &RepoName,
        expected: &Descriptor,
        content: Bytes,
    ) -> Result<Descriptor, Error> {
        self.check(&expected.digest)?;
        self.inner.push_blob(r, expected, content).await
    }
}

/// A source that serves the content of another blob for some digests (a corrupt registry).
pub struct Lying<S> {
    /// The wrapped registry.
    pub inner: S,
    /// (asked, served).
    pub swaps: Vec<(Digest, Digest)>,
}

impl<S: Spec> Forward for Lying<S> {
    type Inner = S;

    fn inner(&self) -> &S {
        &self.inner
    }

    async fn get_blob(&self, r: &RepoName, d: &Digest) -> Result<S::Reader, Error> {
        let served = self
            .swaps
            .iter()
            .find(|(asked, _)| asked == d)
            .map_or(d, |(_, served)| served);
        self.inner.get_blob(r, served).await
    }
}

/// Upload writes that start at one of these offsets fail once, as a dropped connection
/// (nothing reaches the registry).
#[derive(Clone, Default)]
pub struct Faults {
    /// Offsets still to fail at.
    pub write_at: Rc<RefCell<Vec<u64>>>,
    /// Commits still to fail.
    pub commits: Rc<Cell<usize>>,
    /// Failures injected so far.
    pub injected: Rc<Cell<usize>>,
}

/// A `Spec` whose upload writers fail as [`Faults`] says.
pub struct Flaky<S> {
    /// The wrapped registry.
    pub inner: S,
    /// What fails.
    pub faults: Faults,
}

/// A writer that fails as its [`Faults`] say.
pub struct FlakyWriter<W> {
    inner: W,
    faults: Faults,
}

impl<W: BlobWriter> BlobWriter for FlakyWriter<W> {
    fn id(&self) -> &str {
        self.inner.id()
    }

    fn size(&self) -> u64 {
        self.inner.size()
    }

    fn chunk_size(&self) -> usize {
        self.inner.chunk_size()
    }

    async fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        let at = self.inner.size();
        let hit = {
            let mut offsets = self.faults.write_at.borrow_mut();
            let found = offsets.iter().position(|o| *o == at);
            found.map(|i| offsets.remove(i)).is_some()
        };
        if hit {
            self.faults.injected.set(self.faults.injected.get() + 1);
            return Err(Error::other(
                ErrorKind::Network,
                format!("connection reset at {at}"),
            ));
        }
        self.inner.write(data).await
    }

    async fn close(&mut self) -> Result<Resumable, Error> {
        self.inner.close().await
    }

    async fn commit(&mut self, digest: &Digest) -> Result<Descriptor, Error> {
        if self.faults.commits.get() > 0 {
            self.faults.commits.set(self.faults.commits.get() - 1);
            self.faults.injected.set(self.faults.injected.get() + 1);
            return Err(Error::code(ErrorCode::Unavailable, "try again later"));
        }
        self.inner.commit(digest).await
    }

    async fn cancel(&mut self) -> Result<(), Error> {
        self.inner.cancel().await
    }
}

impl<S: Spec> Flaky<S> {
    fn wrap(&self, w: S::Writer) -> FlakyWriter<S::Writer> {
        FlakyWriter {
            inner: w,
            faults: self.faults.clone(),
        }
    }
}

impl<S: Spec> Spec for Flaky<S> {
    type Reader = S::Reader;
    type Writer = FlakyWriter<S::Writer>;

    async fn ping(&self) -> Result<PingInfo, Error> {
        self.inner.ping().await
    }

    async fn stat_manifest(&self, r: &RepoName, m: &ManifestRef) -> Result<Descriptor, Error> {
        self.inner.stat_manifest(r, m).await
    }

    async fn get_manifest(&self, r: &RepoName, m: &ManifestRef) -> Result<ManifestBytes, Error> {
        self.inner.get_manifest(r, m).await
    }

    async fn stat_blob(&self, r: &RepoName, d: &Digest) -> Result<Descriptor, Error> {
        self.inner.stat_blob(r, d).await
    }

    async fn get_blob(&self, r: &RepoName, d: &Digest) -> Result<S::Reader, Error> {
        self.inner.get_blob(r, d).await
    }

    async fn get_blob_range(
        &self,
        r: &RepoName,
        d: &Digest,
        start: u64,
        end: Option<u64>,
    ) -> Result<S::Reader, Error> {
        self.inner.get_blob_range(r, d, start, end).await
    }

    async fn push_manifest(
        &self,
        r: &RepoName,
        media: &str,
        content: Bytes,
        tags: &[Tag],
    ) -> Result<Descriptor, Error> {
        self.inner.push_manifest(r, media, content, tags).await
    }

    async fn push_blob(
        &self,
        r: &RepoName,
        expected: &Descriptor,
        content: Bytes,
    ) -> Result<Descriptor, Error> {
        self.inner.push_blob(r, expected, content).await
    }

    async fn start_upload(
        &self,
        r: &RepoName,
        chunk: Option<usize>,
    ) -> Result<Self::Writer, Error> {
        Ok(self.wrap(self.inner.start_upload(r, chunk).await?))
    }

    async fn resume_upload(
        &self,
        r: &RepoName,
        id: &str,
        at: ResumeAt,
        chunk: Option<usize>,
    ) -> Result<Self::Writer, Error> {
        Ok(self.wrap(self.inner.resume_upload(r, id, at, chunk).await?))
    }

    async fn mount_blob(
        &self,
        from: &RepoName,
        to: &RepoName,
        d: &Digest,
    ) -> Result<Mount<Self::Writer>, Error> {
        Ok(self
            .inner
            .mount_blob(from, to, d)
            .await?
            .map(|w| self.wrap(w)))
    }

    async fn delete_manifest(&self, r: &RepoName, d: &Digest) -> Result<(), Error> {
        self.inner.delete_manifest(r, d).await
    }

    async fn delete_tag(&self, r: &RepoName, t: &Tag) -> Result<(), Error> {
        self.inner.delete_tag(r, t).await
    }

    async fn delete_blob(&self, r: &RepoName, d: &Digest) -> Result<(), Error> {
        self.inner.delete_blob(r, d).await
    }

    async fn list_repositories(&self, page: &PageRequest) -> Result<Page, Error> {
        self.inner.list_repositories(page).await
    }

    async fn list_tags(&self, r: &RepoName, page: &PageRequest) -> Result<Page, Error> {
        self.inner.list_tags(r, page).await
    }

    async fn list_referrers(
        &self,
        r: &RepoName,
        d: &Digest,
        artifact_type: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Descriptor>, Error> {
        self.inner.list_referrers(r, d, artifact_type, page).await
    }
}
