//! `Cached<S, C>`: keeps what cannot change (content by digest) and, for a while, what changes
//! rarely (tags, referrers), so revisiting a manifest, a config or a referrers list costs no
//! request.
//!
//! Rules:
//! - **Keys are per repository**: an entry of `a` never answers for `b` (a registry may hold a
//!   digest in one repository and not the other, or refuse access to it).
//! - **Manifests by digest** are kept with their bytes and descriptor, without a time limit:
//!   fetched by digest (verified by the inner registry, as the `Spec` contract says), fetched by
//!   tag (kept under their digest only after their bytes were checked against it here), or
//!   pushed through this wrapper (likewise checked). `stat_manifest` results are kept as a
//!   descriptor alone; `get_manifest` is answered only from an entry that has the bytes.
//! - **Blobs** up to [`CacheOptions::max_blob_bytes`] (default 4 MiB) are kept when read whole
//!   through `get_blob`, once the inner reader has reported its end without error: then they
//!   have been verified against their digest, so a blob read from the cache is verified data.
//!   A reader dropped early, or one that failed, stores nothing. Ranges of a kept blob are cut
//!   from it (with the contract's `RANGE_INVALID` rules); other ranges pass through.
//!   `stat_blob` results are kept as a descriptor, for blobs of any size.
//! - **Tags** (tag → digest) are kept only when [`CacheOptions::tag_ttl_ms`] is set, for that
//!   long; a hit needs the manifest entry too, otherwise the tag is asked again.
//! - **Referrers pages** are kept only when [`CacheOptions::referrers_ttl_ms`] is set, for that
//!   long (referrers change as signatures and SBOMs are pushed), one entry per request
//!   (subject, artifact type and page).
//! - **Lists** of repositories and tags, ping and uploads are never kept.
//! - **Writes through the wrapper** keep it true: `push_manifest` points its tags at the new
//!   digest (or forgets them when the push failed, since some may have moved) and forgets the
//!   repository's referrers pages; `delete_manifest` forgets the manifest, every tag kept on it
//!   and the repository's referrers pages; `delete_tag` the tag; `delete_blob` the blob. This
//!   happens after the inner registry answered, success or not; an answer asked for before
//!   that and arriving after it (the app runs several tasks over one cache), or a blob reader
//!   opened before it, is then not kept, since it may predate the write. Nothing negative is
//!   kept, so blob pushes, uploads and mounts need no invalidation. Changes made by others
//!   show once a tag or referrers entry expires; content by digest deleted elsewhere may still
//!   be served until evicted.
//! - **Memory is bounded**: every entry costs its bytes plus an estimate of its descriptor and
//!   key; when the total passes [`CacheOptions::max_total_bytes`] the least recently used
//!   entries go. An entry larger than the whole budget is not kept.
//! - **Statistics**: every lookup that could be answered from the cache is a hit or a miss
//!   ([`CacheStats`]).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use bytes::{Bytes, BytesMut};
use ociscope_core::descriptor::Descriptor;
use ociscope_core::digest::Digest;
use ociscope_core::registry_error::ErrorCode;
use ociscope_core::spec::{
    BlobReader, BytesReader, Either, Error, ManifestBytes, ManifestRef, Mount, Page, PageRequest,
    PingInfo, RepoName, ResumeAt, Spec, Tag,
};

use super::clock::Clock;

/// Bytes per chunk when a kept blob is read.
const READ_CHUNK: usize = 64 * 1024;

/// Estimated bookkeeping of one entry besides its content and descriptor.
const ENTRY_OVERHEAD: u64 = 128;

/// What is kept, for how long, and how much.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheOptions {
    /// How long a tag → digest answer is kept; `None` (the default) asks the registry each time.
    pub tag_ttl_ms: Option<u64>,
    /// How long a referrers page is kept; `None` asks each time. Default: 30 seconds.
    pub referrers_ttl_ms: Option<u64>,
    /// The largest blob kept (default 4 MiB).
    pub max_blob_bytes: u64,
    /// The most bytes all entries together may hold (default 64 MiB).
    pub max_total_bytes: u64,
}

impl Default for CacheOptions {
    fn default() -> Self {
        CacheOptions {
            tag_ttl_ms: None,
            referrers_ttl_ms: Some(30_000),
            max_blob_bytes: 4 << 20,
            max_total_bytes: 64 << 20,
        }
    }
}

/// Counters of a cache, for tests and the app's status line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that went to the inner registry.
    pub misses: u64,
    /// Entries dropped to stay within the byte budget.
    pub evictions: u64,
    /// Entries held now.
    pub entries: usize,
    /// Bytes (estimated) held now.
    pub bytes: u64,
}

/// What an entry is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Manifest(RepoName, Digest),
    Blob(RepoName, Digest),
    Tag(RepoName, Tag),
    Referrers {
        repo: RepoName,
        subject: Digest,
        artifact_type: Option<String>,
        size: Option<usize>,
        start_after: Option<String>,
        continuation: Option<String>,
    },
}

impl Key {
    fn repo(&self) -> &RepoName {
        match self {
            Key::Manifest(r, _) | Key::Blob(r, _) | Key::Tag(r, _) => r,
            Key::Referrers { repo, .. } => repo,
        }
    }

    fn referrers(
        repo: &RepoName,
        subject: &Digest,
        artifact_type: Option<&str>,
        page: &PageRequest,
    ) -> Key {
        Key::Referrers {
            repo: repo.clone(),
            subject: subject.clone(),
            artifact_type: artifact_type.map(str::to_string),
            size: page.size,
            start_after: page.start_after.clone(),
            continuation: page.continuation.clone(),
        }
    }

    fn cost(&self) -> u64 {
        let extra = match self {
            Key::Manifest(_, d) | Key::Blob(_, d) => d.as_str().len(),
            Key::Tag(_, t) => t.len(),
            Key::Referrers {
                subject,
                artifact_type,
                start_after,
                continuation,
                ..
            } => {
                subject.as_str().len()
                    + artifact_type.as_ref().map_or(0, String::len)
                    + start_after.as_ref().map_or(0, String::len)
                    + continuation.as_ref().map_or(0, String::len)
            }
        };
        (self.repo().len() + extra) as u64
    }
}

/// What an entry holds.
#[derive(Clone, Debug)]
enum Value {
    /// A manifest or blob descriptor, with the content when it was read whole.
    Content {
        descriptor: Box<Descriptor>,
        bytes: Option<Bytes>,
    },
    /// The digest a tag pointed at.
    Tag(Digest),
    /// One page of referrers.
    Referrers(Page<Descriptor>),
}

impl Value {
    fn cost(&self) -> u64 {
        match self {
            Value::Content { descriptor, bytes } => {
                descriptor_cost(descriptor) + bytes.as_ref().map_or(0, |b| b.len() as u64)
            }
            Value::Tag(d) => d.as_str().len() as u64,
            Value::Referrers(page) => page.items.iter().map(descriptor_cost).sum(),
        }
    }
}

/// An estimate of the memory a descriptor holds.
fn descriptor_cost(d: &Descriptor) -> u64 {
    let annotations: usize = d.annotations.iter().map(|(k, v)| k.len() + v.len()).sum();
    let urls: usize = d.urls.iter().map(String::len).sum();
    (96 + d.media_type.len()
        + d.digest.as_str().len()
        + d.artifact_type.as_ref().map_or(0, String::len)
        + d.data.as_ref().map_or(0, String::len)
        + annotations
        + urls) as u64
}

#[derive(Debug)]
struct Entry {
    value: Value,
    cost: u64,
    stored_ms: u64,
    used: u64,
}

/// The entries, their use order and the counters; shared with the readers that fill it.
#[derive(Debug)]
struct State {
    options: CacheOptions,
    entries: HashMap<Key, Entry>,
    /// Use tick → key, oldest first.
    order: BTreeMap<u64, Key>,
    tick: u64,
    bytes: u64,
    /// Bumped by every write through the wrapper: an answer fetched before a write is not
    /// kept after it (another task may have deleted or moved what it says).
    generation: u64,
    hits: u64,
    misses: u64,
    evictions: u64,
}

impl State {
    fn new(options: CacheOptions) -> State {
        State {
            options,
            entries: HashMap::new(),
            order: BTreeMap::new(),
            tick: 0,
            bytes: 0,
            generation: 0,
            hits: 0,
            misses: 0,
            evictions: 0,
        }
    }

    fn ttl(&self, key: &Key) -> Option<u64> {
        match key {
            Key::Tag(..) => self.options.tag_ttl_ms,
            Key::Referrers { .. } => self.options.referrers_ttl_ms,
            Key::Manifest(..) | Key::Blob(..) => None,
        }
    }

    /// The live entry for `key`, marked as just used; an expired one is dropped.
    fn get(&mut self, key: &Key, now: u64) -> Option<&Value> {
        let ttl = self.ttl(key);
        let expired = {
            let entry = self.entries.get(key)?;
            ttl.is_some_and(|ttl| now.saturating_sub(entry.stored_ms) >= ttl)
        };
        if expired {
            self.remove(key);
            return None;
        }
        self.tick += 1;
        let tick = self.tick;
        let entry = self.entries.get_mut(key)?;
        self.order.remove(&entry.used);
        entry.used = tick;
        self.order.insert(tick, key.clone());
        Some(&entry.value)
    }

    /// Keeps `value` under `key`, then evicts the least recently used entries over budget.
    fn put(&mut self, key: Key, value: Value, now: u64) {
        self.remove(&key);
        let cost = ENTRY_OVERHEAD + key.cost() + value.cost();
        if cost > self.options.max_total_bytes {
            return;
        }
        self.tick += 1;
        self.order.insert(self.tick, key.clone());
        self.bytes += cost;
        self.entries.insert(
            key,
            Entry {
                value,
                cost,
                stored_ms: now,
                used: self.tick,
            },
        );
        while self.bytes > self.options.max_total_bytes {
            let Some((_, oldest)) = self.order.pop_first() else {
                break;
            };
            if let Some(entry) = self.entries.remove(&oldest) {
                self.bytes -= entry.cost;
                self.evictions += 1;
            }
        }
    }

    fn remove(&mut self, key: &Key) {
        if let Some(entry) = self.entries.remove(key) {
            self.order.remove(&entry.used);
            self.bytes -= entry.cost;
        }
    }

    /// Drops every entry for which `drop` is true.
    fn forget(&mut self, drop: impl Fn(&Key, &Value) -> bool) {
        let keys: Vec<Key> = self
            .entries
            .iter()
            .filter(|(k, e)| drop(k, &e.value))
            .map(|(k, _)| k.clone())
            .collect();
        for key in keys {
            self.remove(&key);
        }
    }

    fn forget_referrers(&mut self, repo: &RepoName) {
        self.forget(|k, _| matches!(k, Key::Referrers { repo: r, .. } if r == repo));
    }

    /// Counts a lookup.
    fn count(&mut self, hit: bool) {
        if hit {
            self.hits += 1;
        } else {
            self.misses += 1;
        }
    }

    /// The descriptor and bytes kept under `key`, when it is a content entry.
    fn content(&mut self, key: &Key, now: u64) -> Option<(Descriptor, Option<Bytes>)> {
        match self.get(key, now)? {
            Value::Content { descriptor, bytes } => {
                Some((Descriptor::clone(descriptor), bytes.clone()))
            }
            _ => None,
        }
    }

    /// Keeps a descriptor unless an entry (perhaps with bytes) is already there.
    fn put_descriptor(&mut self, key: Key, descriptor: Descriptor, now: u64) {
        if !self.entries.contains_key(&key) {
            let value = Value::Content {
                descriptor: Box::new(descriptor),
                bytes: None,
            };
            self.put(key, value, now);
        }
    }
}

/// A registry with a cache in front; see the module doc. Clones share the cache.
#[derive(Debug)]
pub struct Cached<S, C> {
    inner: S,
    clock: C,
    state: Rc<RefCell<State>>,
}

impl<S: Clone, C: Clone> Clone for Cached<S, C> {
    fn clone(&self) -> Self {
        Cached {
            inner: self.inner.clone(),
            clock: self.clock.clone(),
            state: Rc::clone(&self.state),
        }
    }
}

impl<S, C: Clock> Cached<S, C> {
    /// `inner` behind a cache with these options; `clock` times the entries that expire.
    pub fn new(inner: S, clock: C, options: CacheOptions) -> Cached<S, C> {
        Cached {
            inner,
            clock,
            state: Rc::new(RefCell::new(State::new(options))),
        }
    }

    /// The wrapped registry.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The options in force.
    pub fn options(&self) -> CacheOptions {
        self.state.borrow().options.clone()
    }

    /// Hits, misses, evictions and what is held now.
    pub fn stats(&self) -> CacheStats {
        let s = self.state.borrow();
        CacheStats {
            hits: s.hits,
            misses: s.misses,
            evictions: s.evictions,
            entries: s.entries.len(),
            bytes: s.bytes,
        }
    }

    /// Drops every entry (the counters stay).
    pub fn clear(&self) {
        let mut s = self.state.borrow_mut();
        s.entries.clear();
        s.order.clear();
        s.bytes = 0;
    }

    fn now(&self) -> u64 {
        self.clock.now_ms()
    }

    fn tags_kept(&self) -> bool {
        self.state.borrow().options.tag_ttl_ms.is_some()
    }

    /// The digest `reference` names, when known without asking: a digest itself, or a tag
    /// kept (and not expired) in the cache.
    fn known_digest(&self, repo: &RepoName, reference: &ManifestRef, now: u64) -> Option<Digest> {
        match reference {
            ManifestRef::Digest(d) => Some(d.clone()),
            ManifestRef::Tag(t) if self.tags_kept() => {
                match self
                    .state
                    .borrow_mut()
                    .get(&Key::Tag(repo.clone(), t.clone()), now)
                {
                    Some(Value::Tag(d)) => Some(d.clone()),
                    _ => None,
                }
            }
            ManifestRef::Tag(_) => None,
        }
    }

    fn generation(&self) -> u64 {
        self.state.borrow().generation
    }

    /// The state to fill, unless a write went through since `generation` was read.
    fn fill(&self, generation: u64) -> Option<std::cell::RefMut<'_, State>> {
        let s = self.state.borrow_mut();
        (s.generation == generation).then_some(s)
    }
}

/// A reader of the inner registry that keeps the blob once it was read whole and verified.
#[derive(Debug)]
pub struct CachingReader<R> {
    inner: R,
    sink: Option<Sink>,
}

#[derive(Debug)]
struct Sink {
    state: Rc<RefCell<State>>,
    key: Key,
    buffer: BytesMut,
    now: u64,
    generation: u64,
}

impl<R> CachingReader<R> {
    /// A reader that only passes `inner` through.
    fn passing(inner: R) -> CachingReader<R> {
        CachingReader { inner, sink: None }
    }
}

impl<R: BlobReader> BlobReader for CachingReader<R> {
    fn descriptor(&self) -> &Descriptor {
        self.inner.descriptor()
    }

    async fn next_chunk(&mut self) -> Result<Option<Bytes>, Error> {
        let chunk = match self.inner.next_chunk().await {
            Ok(chunk) => chunk,
            Err(e) => {
                self.sink = None;
                return Err(e);
            }
        };
        match &chunk {
            Some(bytes) => {
                if let Some(sink) = &mut self.sink {
                    let held = (sink.buffer.len() + bytes.len()) as u64;
                    if held > self.inner.descriptor().size {
                        self.sink = None; // More than the descriptor said: not ours to keep.
                    } else {
                        sink.buffer.extend_from_slice(bytes);
                    }
                }
            }
            None => {
                if let Some(sink) = self.sink.take() {
                    let descriptor = self.inner.descriptor().clone();
                    let mut state = sink.state.borrow_mut();
                    if sink.buffer.len() as u64 == descriptor.size
                        && state.generation == sink.generation
                    {
                        let value = Value::Content {
                            descriptor: Box::new(descriptor),
                            bytes: Some(sink.buffer.freeze()),
                        };
                        state.put(sink.key, value, sink.now);
                    }
                }
            }
        }
        Ok(chunk)
    }
}

/// `RANGE_INVALID` unless `start..end` (end cut to the size) is a non-empty part of the blob.
fn range_of(digest: &Digest, bytes: &Bytes, start: u64, end: Option<u64>) -> Result<Bytes, Error> {
    let size = bytes.len() as u64;
    let end = end.unwrap_or(size).min(size);
    if start >= size || end <= start {
        return Err(Error::code(
            ErrorCode::RangeInvalid,
            format!("range {start}..{end} is not satisfiable: blob {digest} has {size} bytes"),
        ));
    }
    Ok(bytes.slice(start as usize..end as usize))
}

/// Content checked here against its descriptor (digest and size).
fn verified(descriptor: &Descriptor, content: &[u8]) -> bool {
    descriptor.verify(content).is_ok()
}

impl<S: Spec, C: Clock> Spec for Cached<S, C> {
    type Reader = Either<BytesReader, CachingReader<S::Reader>>;
    type Writer = S::Writer;

    async fn ping(&self) -> Result<PingInfo, Error> {
        self.inner.ping().await
    }

    async fn stat_manifest(
        &self,
        repo: &RepoName,
        reference: &ManifestRef,
    ) -> Result<Descriptor, Error> {
        let now = self.now();
        let digest = self.known_digest(repo, reference, now);
        {
            let mut s = self.state.borrow_mut();
            let found = digest.and_then(|d| s.content(&Key::Manifest(repo.clone(), d), now));
            if reference.digest().is_some() || s.options.tag_ttl_ms.is_some() {
                s.count(found.is_some());
            }
            if let Some((descriptor, _)) = found {
                return Ok(descriptor);
            }
        }
        let generation = self.generation();
        let descriptor = self.inner.stat_manifest(repo, reference).await?;
        let Some(mut s) = self.fill(generation) else {
            return Ok(descriptor);
        };
        if let ManifestRef::Tag(t) = reference {
            if s.options.tag_ttl_ms.is_some() {
                let key = Key::Tag(repo.clone(), t.clone());
                s.put(key, Value::Tag(descriptor.digest.clone()), now);
            }
        }
        let key = Key::Manifest(repo.clone(), descriptor.digest.clone());
        s.put_descriptor(key, descriptor.clone(), now);
        Ok(descriptor)
    }

    async fn get_manifest(
        &self,
        repo: &RepoName,
        reference: &ManifestRef,
    ) -> Result<ManifestBytes, Error> {
        let now = self.now();
        let digest = self.known_digest(repo, reference, now);
        {
            let mut s = self.state.borrow_mut();
            let found = digest.and_then(|d| s.content(&Key::Manifest(repo.clone(), d), now));
            if let Some((descriptor, Some(content))) = found {
                s.count(true);
                return Ok(ManifestBytes {
                    descriptor,
                    content,
                });
            }
            if reference.digest().is_some() || s.options.tag_ttl_ms.is_some() {
                s.count(false);
            }
        }
        let generation = self.generation();
        let got = self.inner.get_manifest(repo, reference).await?;
        let keep = match reference {
            ManifestRef::Digest(_) => true, // Verified by the inner registry.
            ManifestRef::Tag(_) => verified(&got.descriptor, &got.content),
        };
        if let Some(mut s) = self.fill(generation).filter(|_| keep) {
            if let ManifestRef::Tag(t) = reference {
                if s.options.tag_ttl_ms.is_some() {
                    let key = Key::Tag(repo.clone(), t.clone());
                    s.put(key, Value::Tag(got.descriptor.digest.clone()), now);
                }
            }
            let value = Value::Content {
                descriptor: Box::new(got.descriptor.clone()),
                bytes: Some(got.content.clone()),
            };
            s.put(
                Key::Manifest(repo.clone(), got.descriptor.digest.clone()),
                value,
                now,
            );
        }
        Ok(got)
    }

    async fn stat_blob(&self, repo: &RepoName, digest: &Digest) -> Result<Descriptor, Error> {
        let now = self.now();
        let key = Key::Blob(repo.clone(), digest.clone());
        {
            let mut s = self.state.borrow_mut();
            let found = s.content(&key, now);
            s.count(found.is_some());
            if let Some((descriptor, _)) = found {
                return Ok(descriptor);
            }
        }
        let generation = self.generation();
        let descriptor = self.inner.stat_blob(repo, digest).await?;
        if let Some(mut s) = self.fill(generation) {
            s.put_descriptor(key, descriptor.clone(), now);
        }
        Ok(descriptor)
    }

    async fn get_blob(&self, repo: &RepoName, digest: &Digest) -> Result<Self::Reader, Error> {
        let now = self.now();
        let key = Key::Blob(repo.clone(), digest.clone());
        {
            let mut s = self.state.borrow_mut();
            match s.content(&key, now) {
                Some((descriptor, Some(bytes))) => {
                    s.count(true);
                    return Ok(Either::Left(BytesReader::new(
                        descriptor, bytes, READ_CHUNK,
                    )));
                }
                _ => s.count(false),
            }
        }
        let generation = self.generation();
        let reader = self.inner.get_blob(repo, digest).await?;
        let size = reader.descriptor().size;
        let keep = size <= self.state.borrow().options.max_blob_bytes
            && reader.descriptor().digest == *digest;
        let sink = keep.then(|| Sink {
            state: Rc::clone(&self.state),
            key,
            buffer: BytesMut::with_capacity(usize::try_from(size).unwrap_or(0)),
            now,
            generation,
        });
        Ok(Either::Right(CachingReader {
            inner: reader,
            sink,
        }))
    }

    async fn get_blob_range(
        &self,
        repo: &RepoName,
        digest: &Digest,
        start: u64,
        end: Option<u64>,
    ) -> Result<Self::Reader, Error> {
        let now = self.now();
        let key = Key::Blob(repo.clone(), digest.clone());
        {
            let mut s = self.state.borrow_mut();
            match s.content(&key, now) {
                Some((descriptor, Some(bytes))) => {
                    s.count(true);
                    let part = range_of(digest, &bytes, start, end)?;
                    return Ok(Either::Left(BytesReader::new(descriptor, part, READ_CHUNK)));
                }
                _ => s.count(false),
            }
        }
        let reader = self.inner.get_blob_range(repo, digest, start, end).await?;
        Ok(Either::Right(CachingReader::passing(reader)))
    }

    async fn push_manifest(
        &self,
        repo: &RepoName,
        media_type: &str,
        content: Bytes,
        tags: &[Tag],
    ) -> Result<Descriptor, Error> {
        let result = self
            .inner
            .push_manifest(repo, media_type, content.clone(), tags)
            .await;
        let now = self.now();
        let mut s = self.state.borrow_mut();
        s.generation += 1;
        s.forget_referrers(repo);
        for tag in tags {
            s.remove(&Key::Tag(repo.clone(), tag.clone()));
        }
        if let Ok(descriptor) = &result {
            if s.options.tag_ttl_ms.is_some() {
                for tag in tags {
                    let key = Key::Tag(repo.clone(), tag.clone());
                    s.put(key, Value::Tag(descriptor.digest.clone()), now);
                }
            }
            if verified(descriptor, &content) {
                let value = Value::Content {
                    descriptor: Box::new(descriptor.clone()),
                    bytes: Some(content),
                };
                s.put(
                    Key::Manifest(repo.clone(), descriptor.digest.clone()),
                    value,
                    now,
                );
            }
        }
        result
    }

    async fn push_blob(
        &self,
        repo: &RepoName,
        expected: &Descriptor,
        content: Bytes,
    ) -> Result<Descriptor, Error> {
        self.inner.push_blob(repo, expected, content).await
    }

    async fn start_upload(
        &self,
        repo: &RepoName,
        chunk_size: Option<usize>,
    ) -> Result<S::Writer, Error> {
        self.inner.start_upload(repo, chunk_size).await
    }

    async fn resume_upload(
        &self,
        repo: &RepoName,
        id: &str,
        at: ResumeAt,
        chunk_size: Option<usize>,
    ) -> Result<S::Writer, Error> {
        self.inner.resume_upload(repo, id, at, chunk_size).await
    }

    async fn mount_blob(
        &self,
        from_repo: &RepoName,
        repo: &RepoName,
        digest: &Digest,
    ) -> Result<Mount<S::Writer>, Error> {
        self.inner.mount_blob(from_repo, repo, digest).await
    }

    async fn delete_manifest(&self, repo: &RepoName, digest: &Digest) -> Result<(), Error> {
        let result = self.inner.delete_manifest(repo, digest).await;
        let mut s = self.state.borrow_mut();
        s.generation += 1;
        s.forget(|k, v| match k {
            Key::Manifest(r, d) => r == repo && d == digest,
            Key::Tag(r, _) => r == repo && matches!(v, Value::Tag(d) if d == digest),
            Key::Referrers { repo: r, .. } => r == repo,
            Key::Blob(..) => false,
        });
        result
    }

    async fn delete_tag(&self, repo: &RepoName, tag: &Tag) -> Result<(), Error> {
        let result = self.inner.delete_tag(repo, tag).await;
        let mut s = self.state.borrow_mut();
        s.generation += 1;
        s.remove(&Key::Tag(repo.clone(), tag.clone()));
        result
    }

    async fn delete_blob(&self, repo: &RepoName, digest: &Digest) -> Result<(), Error> {
        let result = self.inner.delete_blob(repo, digest).await;
        let mut s = self.state.borrow_mut();
        s.generation += 1;
        s.remove(&Key::Blob(repo.clone(), digest.clone()));
        result
    }

    async fn list_repositories(&self, page: &PageRequest) -> Result<Page, Error> {
        self.inner.list_repositories(page).await
    }

    async fn list_tags(&self, repo: &RepoName, page: &PageRequest) -> Result<Page, Error> {
        self.inner.list_tags(repo, page).await
    }

    async fn list_referrers(
        &self,
        repo: &RepoName,
        digest: &Digest,
        artifact_type: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Descriptor>, Error> {
        let now = self.now();
        let kept = self.state.borrow().options.referrers_ttl_ms.is_some();
        if !kept {
            return self
                .inner
                .list_referrers(repo, digest, artifact_type, page)
                .await;
        }
        let key = Key::referrers(repo, digest, artifact_type, page);
        {
            let mut s = self.state.borrow_mut();
            let found = match s.get(&key, now) {
                Some(Value::Referrers(p)) => Some(p.clone()),
                _ => None,
            };
            s.count(found.is_some());
            if let Some(p) = found {
                return Ok(p);
            }
        }
        let generation = self.generation();
        let got = self
            .inner
            .list_referrers(repo, digest, artifact_type, page)
            .await?;
        if let Some(mut s) = self.fill(generation) {
            s.put(key, Value::Referrers(got.clone()), now);
        }
        Ok(got)
    }
}
