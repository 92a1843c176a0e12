//! Copy blobs and whole images (indexes, platform images, configs, layers, referrers) between
//! repositories and registries, over any two [`Spec`]s.
//!
//! Modelled on docker-library meta-scripts' `CopyBlob`/`CopyManifest`, containerd's remotes
//! push handlers and oras-go's graph copy. Rules:
//!
//! # One blob ([`copy_blob`])
//! - **Same registry** ([`CopyOptions::same_registry`], which the caller states because two
//!   `Spec` values cannot be compared): the blob is mounted from the source repository. When
//!   the registry does not mount it opens an upload instead ([`Mount::Upload`]); the blob is
//!   streamed into *that* session, never a second one. Within one repository there is nothing
//!   to copy (the blob is looked at, to be sure it is there).
//! - **Small blobs** (at most [`SMALL_BLOB`] = 64 KiB, meta-scripts' `BlobSizeWorthHEAD`) are
//!   read whole and pushed in one request: a push of present content succeeds, so asking first
//!   would cost a request more.
//! - **Larger blobs** are looked at in the destination first (`stat_blob`) and skipped when
//!   there; otherwise the source's chunks are streamed into an upload and committed with the
//!   digest. Only one chunk is held at a time. The source reader verifies the digest before
//!   it reports the end, the byte count is checked against the descriptor's size, and the
//!   commit checks the digest again; any failure cancels the upload.
//! - Content embedded in the descriptor (`data`) is pushed from there, without reading the
//!   source. Non-distributable (foreign) layers with `urls` are not copied
//!   ([`Transfer::Foreign`]): their content lives at those URLs, as Docker and skopeo do.
//!
//! # An image ([`plan`], [`copy_image`], [`copy_plan`])
//! - **Plan first.** The source graph is walked breadth-first (each level's requests
//!   concurrently): every manifest is read from the source (its bytes are kept in the plan
//!   and pushed as they are, so digests stay equal) and looked at in the destination by digest;
//!   every blob is looked at too (a plan is asked for to know what is missing). What is under a
//!   manifest already at the destination is not walked: a registry accepts a manifest only
//!   when it holds its children. Content is deduplicated by digest.
//! - **Push order**: every missing blob (concurrently), then manifests from the leaves up
//!   (a manifest after the manifests it lists and after its `subject` when that is copied
//!   too, each level concurrently), so no push names something absent; then each tag, one push
//!   per tag, last, so nothing is tagged before all of it is there. The root manifest is
//!   pushed by digest before it is tagged.
//! - **Concurrency**: at most [`CopyOptions::concurrency`] requests at a time (default 4),
//!   through `buffer_unordered`, no threads and no `Send`. Referrers of one subject are pushed
//!   one after the other (a registry without the referrers API keeps them in one
//!   `sha256-<hex>` tag, which concurrent pushes would race on).
//! - **Platform filter** ([`CopyOptions::platforms`]): without one, an index is copied whole
//!   and byte-exact. With one, the copy cannot keep the index (pushing it unchanged without
//!   all its children fails with `MANIFEST_BLOB_UNKNOWN`, and rewriting it would change its
//!   digest), so **the index is not pushed**: for each wanted platform the first entry of the
//!   top index that [`Platform::matches`] it (the OCI rule: the first match wins) is copied
//!   by digest, and the tags point at that image. Tags need exactly one chosen image
//!   (`Error::invalid` before anything is copied otherwise); a platform without an entry is
//!   `MANIFEST_UNKNOWN` naming the platforms there are. A reference to a single image is
//!   copied whatever its platform; referrers of the unpushed index are not copied.
//! - **Referrers** ([`CopyOptions::referrers`]): the referrers of every manifest copied (the
//!   root, each platform image, each referrer in turn) are listed in the source (all pages)
//!   and copied with their children, at most 16 levels deep. A source without the referrers
//!   API (`UNSUPPORTED`) has none. With referrers on, the manifests under a manifest already at
//!   the destination are still read (not their blobs) to find their referrers.
//! - **Retries**: the HTTP client retries requests that are safe to repeat; on top of that an
//!   item (or tag) that still fails transiently ([`is_transient`]: network, 429, 502–504) is
//!   tried again from its start, [`CopyOptions::retries`] times (default 2): pushing content
//!   by digest is idempotent even where an HTTP request is not (a blob upload's final `PUT`).
//!   Content that does not match its digest is not retried: it is reported, and running the
//!   copy again reads it again.
//! - **Errors**: each failed item is collected with its name (`layer 2/3 sha256:… of image
//!   sha256:… (linux/arm64/v8)`); a phase with failures stops the copy before the next one,
//!   so a failed child means no tag is pushed ([`CopyError`]).
//! - **Progress** ([`Progress`]): items and bytes done of the totals, per-item start, bytes,
//!   finish, skip and failure, each tag, and the end. Items present at the destination count
//!   as done when skipped, so at the end done equals total.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::fmt;

use bytes::{Bytes, BytesMut};
use futures::stream::{self, StreamExt};
use ociscope_core::client::retry::{retryable_kind, retryable_status};
use ociscope_core::digest::DigestError;
use ociscope_core::media_type;
use ociscope_core::spec::{
    collect_referrers, BlobReader, BlobWriter, Error, ErrorKind, ManifestBytes, ManifestRef, Mount,
    RepoName, Spec, Tag,
};
use ociscope_core::{Descriptor, Digest, ErrorCode, Platform};

use crate::artifact::EXTERNAL_CHUNK_SIZE;
use crate::children::children;
use crate::lookup::found;

/// Blobs up to this size are pushed whole without asking first (64 KiB).
pub const SMALL_BLOB: u64 = 64 * 1024;

/// Requests in flight at once unless told otherwise.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// Deepest nesting walked (indexes in indexes, referrers of referrers).
pub const MAX_DEPTH: usize = 16;

/// How to copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyOptions {
    /// Source and destination are the same registry: blobs are mounted across repositories.
    pub same_registry: bool,
    /// Most requests in flight at once (at least 1; default 4).
    pub concurrency: usize,
    /// Upload chunk-size hint for streamed blobs (raised to the registry's minimum).
    pub chunk_size: Option<usize>,
    /// Copy only the images of these platforms out of an index (see the module doc); empty:
    /// everything.
    pub platforms: Vec<Platform>,
    /// Copy the referrers (signatures, SBOMs, …) of everything copied, recursively.
    pub referrers: bool,
    /// Tags to point at the copied root in the destination, pushed last.
    pub tags: Vec<Tag>,
    /// Times an item (or tag) that fails transiently ([`is_transient`]) is tried again
    /// (default 2).
    pub retries: u32,
}

impl Default for CopyOptions {
    fn default() -> Self {
        CopyOptions {
            same_registry: false,
            concurrency: DEFAULT_CONCURRENCY,
            chunk_size: None,
            platforms: Vec::new(),
            referrers: false,
            tags: Vec::new(),
            retries: 2,
        }
    }
}

impl CopyOptions {
    fn concurrency(&self) -> usize {
        self.concurrency.max(1)
    }
}

/// How one item got to the destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transfer {
    /// It was there already; nothing was sent.
    Present,
    /// Mounted from another repository of the same registry.
    Mounted,
    /// Pushed in one request.
    Pushed,
    /// Streamed in chunks through an upload.
    Streamed,
    /// A non-distributable layer with URLs: not copied.
    Foreign,
}

/// Copies one blob from `src_repo` in `src` to `dst_repo` in `dst` (see the module doc).
pub async fn copy_blob<S: Spec, D: Spec>(
    src: &S,
    src_repo: &RepoName,
    dst: &D,
    dst_repo: &RepoName,
    descriptor: &Descriptor,
    options: &CopyOptions,
) -> Result<Transfer, Error> {
    let endpoints = Endpoints {
        src,
        src_repo,
        dst,
        dst_repo,
    };
    endpoints
        .transfer_blob(descriptor, options, true, &|_| {})
        .await
}

/// True for failures that may pass when tried again: network failures and 429, 502, 503, 504
/// answers (the HTTP client's own classification).
pub fn is_transient(e: &Error) -> bool {
    e.kind().is_some_and(retryable_kind) || e.status().is_some_and(retryable_status)
}

/// True for a layer whose content lives at its URLs.
fn is_foreign(d: &Descriptor) -> bool {
    media_type::is_nondistributable(&d.media_type) && !d.urls.is_empty()
}

/// The error for content whose length differs from its descriptor.
fn size_mismatch(d: &Descriptor, actual: u64) -> Error {
    Error::Digest(DigestError::SizeMismatch {
        digest: d.digest.clone(),
        expected: d.size,
        actual,
    })
}

/// An answer describing another digest than the one sent.
fn wrong_digest(what: &str, wanted: &Digest, got: &Digest) -> Error {
    Error::other(
        ErrorKind::Protocol,
        format!("the destination stored {what} {wanted} as {got}"),
    )
}

/// The two sides of a copy.
struct Endpoints<'a, S, D> {
    src: &'a S,
    src_repo: &'a RepoName,
    dst: &'a D,
    dst_repo: &'a RepoName,
}

impl<S: Spec, D: Spec> Endpoints<'_, S, D> {
    /// Gets one blob across; `check_present` asks the destination first for large blobs.
    async fn transfer_blob(
        &self,
        d: &Descriptor,
        options: &CopyOptions,
        check_present: bool,
        on_bytes: &dyn Fn(u64),
    ) -> Result<Transfer, Error> {
        if is_foreign(d) {
            return Ok(Transfer::Foreign);
        }
        if options.same_registry {
            if self.src_repo == self.dst_repo {
                self.dst.stat_blob(self.dst_repo, &d.digest).await?;
                return Ok(Transfer::Present);
            }
            return match self
                .dst
                .mount_blob(self.src_repo, self.dst_repo, &d.digest)
                .await?
            {
                Mount::Mounted => Ok(Transfer::Mounted),
                Mount::Upload(mut writer) => {
                    self.stream(d, &mut writer, on_bytes).await?;
                    Ok(Transfer::Streamed)
                }
            };
        }
        if let Ok(Some(data)) = d.decoded_data() {
            self.push_small(d, Bytes::from(data)).await?;
            return Ok(Transfer::Pushed);
        }
        if d.size <= SMALL_BLOB {
            let content = self.read_small(d).await?;
            self.push_small(d, content).await?;
            return Ok(Transfer::Pushed);
        }
        if check_present
            && found(self.dst.stat_blob(self.dst_repo, &d.digest).await)?
                .is_some_and(|have| have.size == d.size)
        {
            return Ok(Transfer::Present);
        }
        let reader = self.src.get_blob(self.src_repo, &d.digest).await?;
        // Bytes the transport reads itself (a layer of a tarball picked in a browser) go in
        // the larger requests such bodies allow.
        let hint = match reader.external() {
            Some(_) => Some(options.chunk_size.unwrap_or(0).max(EXTERNAL_CHUNK_SIZE)),
            None => options.chunk_size,
        };
        let mut writer = self.dst.start_upload(self.dst_repo, hint).await?;
        self.stream_from(d, reader, &mut writer, on_bytes).await?;
        Ok(Transfer::Streamed)
    }

    /// Reads a small blob whole, refusing more or fewer bytes than the descriptor says.
    async fn read_small(&self, d: &Descriptor) -> Result<Bytes, Error> {
        let mut reader = self.src.get_blob(self.src_repo, &d.digest).await?;
        let mut content = BytesMut::with_capacity(d.size as usize);
        while let Some(chunk) = reader.next_chunk().await? {
            let have = content.len() as u64 + chunk.len() as u64;
            if have > d.size {
                return Err(size_mismatch(d, have));
            }
            content.extend_from_slice(&chunk);
        }
        if content.len() as u64 != d.size {
            return Err(size_mismatch(d, content.len() as u64));
        }
        Ok(content.freeze())
    }

    async fn push_small(&self, d: &Descriptor, content: Bytes) -> Result<(), Error> {
        let got = self.dst.push_blob(self.dst_repo, d, content).await?;
        if got.digest != d.digest {
            return Err(wrong_digest("blob", &d.digest, &got.digest));
        }
        Ok(())
    }

    /// Streams the source blob into `writer` and commits it; cancels the upload on failure.
    async fn stream<W: BlobWriter>(
        &self,
        d: &Descriptor,
        writer: &mut W,
        on_bytes: &dyn Fn(u64),
    ) -> Result<(), Error> {
        match self.src.get_blob(self.src_repo, &d.digest).await {
            Ok(reader) => self.stream_from(d, reader, writer, on_bytes).await,
            Err(e) => {
                let _ = writer.cancel().await;
                Err(e)
            }
        }
    }

    /// [`Self::stream`] from an open reader: its [external](BlobReader::external) bytes when it
    /// has them and the writer takes them (sent unread; the destination checks the digest at
    /// the commit), its chunks otherwise.
    async fn stream_from<W: BlobWriter>(
        &self,
        d: &Descriptor,
        mut reader: S::Reader,
        writer: &mut W,
        on_bytes: &dyn Fn(u64),
    ) -> Result<(), Error> {
        let external = reader
            .external()
            .filter(|e| e.len() == d.size && writer.takes_external());
        let result = async {
            if let Some(bytes) = external {
                let step = (writer.chunk_size().max(1) as u64).max(EXTERNAL_CHUNK_SIZE as u64);
                let mut at = 0;
                while at < d.size {
                    let end = (at + step).min(d.size);
                    writer.write_external(bytes.slice(at, end)).await?;
                    at = end;
                    on_bytes(writer.stored());
                }
                let got = writer.commit(&d.digest).await?;
                if got.digest != d.digest {
                    return Err(wrong_digest("blob", &d.digest, &got.digest));
                }
                on_bytes(d.size);
                return Ok(());
            }
            let mut sent = 0u64;
            while let Some(chunk) = reader.next_chunk().await? {
                sent += chunk.len() as u64;
                if sent > d.size {
                    return Err(size_mismatch(d, sent));
                }
                writer.write(&chunk).await?;
                on_bytes(sent);
            }
            if sent != d.size {
                return Err(size_mismatch(d, sent));
            }
            let got = writer.commit(&d.digest).await?;
            if got.digest != d.digest {
                return Err(wrong_digest("blob", &d.digest, &got.digest));
            }
            Ok(())
        }
        .await;
        if result.is_err() {
            // The first error is the one to report; a failed cancel leaves an upload the
            // registry expires on its own.
            let _ = writer.cancel().await;
        }
        result
    }
}

/// What an item of a plan is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// A blob: config, layer, or another blob a manifest names.
    Blob,
    /// A manifest another manifest lists (a platform image, a nested index).
    Manifest,
    /// A manifest whose `subject` is something copied.
    Referrer,
    /// What the copy is of: the manifest named, or an image the platform filter chose.
    Root,
}

/// One piece of content a copy moves, or finds already at the destination.
#[derive(Clone, Debug)]
pub struct Item {
    /// The content's descriptor (as its parent lists it: platform, annotations kept).
    pub descriptor: Descriptor,
    /// What it is to the copy.
    pub role: Role,
    /// True when the destination holds it (or must, because a manifest above it is there).
    pub present: bool,
    /// A name for people and errors: what it is, its digest, and what it belongs to.
    pub name: String,
    content: Option<Bytes>,
    media_type: String,
    deps: Vec<Digest>,
    subject: Option<Digest>,
    level: usize,
}

impl Item {
    /// True for manifests (roots, listed manifests, referrers).
    pub fn is_manifest(&self) -> bool {
        self.role != Role::Blob
    }

    /// The manifest's bytes as read from the source (`None` for blobs).
    pub fn content(&self) -> Option<&Bytes> {
        self.content.as_ref()
    }

    /// The push round of a manifest: 0 for manifests that list none, else one more than the
    /// highest of the manifests it lists (and of its subject, when copied).
    pub fn level(&self) -> usize {
        self.level
    }
}

/// What a copy will do: every item with whether the destination has it, in push order.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Repository read from.
    pub src_repo: RepoName,
    /// Repository written to.
    pub dst_repo: RepoName,
    /// The manifest the reference named in the source.
    pub source: Descriptor,
    /// What is pushed at the top: the source manifest, or the images the filter chose.
    pub roots: Vec<Descriptor>,
    /// Tags pushed last, pointing at the single root.
    pub tags: Vec<Tag>,
    /// Blobs first, then manifests by [`Item::level`].
    pub items: Vec<Item>,
}

impl Plan {
    /// Items the destination lacks.
    pub fn missing(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| !i.present)
    }

    /// Items the destination has.
    pub fn present(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.present)
    }

    /// Bytes of every item.
    pub fn bytes_total(&self) -> u64 {
        self.items.iter().map(|i| i.descriptor.size).sum()
    }

    /// Bytes of the missing items.
    pub fn bytes_missing(&self) -> u64 {
        self.missing().map(|i| i.descriptor.size).sum()
    }

    /// The item the tags point at (the one root).
    pub fn tag_target(&self) -> Option<&Item> {
        match self.roots.as_slice() {
            [root] => self
                .items
                .iter()
                .find(|i| i.role == Role::Root && i.descriptor.digest == root.digest),
            _ => None,
        }
    }
}

/// What happened, for a progress display.
#[derive(Clone, Copy, Debug)]
pub enum Event<'a> {
    /// The plan is known (totals are set).
    Planned,
    /// An item started moving.
    Start(&'a Item),
    /// Bytes of an item sent so far.
    Bytes(&'a Item, u64),
    /// An item arrived.
    Finish(&'a Item, Transfer),
    /// An item was at the destination already.
    Skip(&'a Item),
    /// An attempt at an item failed transiently; it is tried again from the start.
    Retry(&'a Item, &'a Error),
    /// An item failed.
    Failed(&'a Item, &'a Error),
    /// A tag points at the root now.
    Tagged(&'a Tag),
    /// Everything is done.
    Done,
}

/// A progress report: the event and the totals so far.
#[derive(Clone, Copy, Debug)]
pub struct Progress<'a> {
    /// What happened.
    pub event: Event<'a>,
    /// Items finished or skipped.
    pub items_done: usize,
    /// Items in the plan.
    pub items_total: usize,
    /// Bytes sent or skipped.
    pub bytes_done: u64,
    /// Bytes of every item in the plan.
    pub bytes_total: u64,
}

/// What a copy did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CopyReport {
    /// The manifests pushed at the top (what the tags point at, when one).
    pub roots: Vec<Descriptor>,
    /// Tags pushed.
    pub tags: Vec<Tag>,
    /// Items sent (pushed, streamed or mounted).
    pub copied: usize,
    /// Items of those that were mounted.
    pub mounted: usize,
    /// Items found at the destination.
    pub present: usize,
    /// Bytes of the items sent.
    pub bytes_copied: u64,
    /// Attempts that failed transiently and were made again.
    pub retried: usize,
}

/// One item that failed, by name.
#[derive(Clone, Debug)]
pub struct Failure {
    /// What failed (an item's name, a tag, or the source reference).
    pub item: String,
    /// Its digest, for content.
    pub digest: Option<Digest>,
    /// Why.
    pub error: Error,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.item, self.error)
    }
}

/// A copy (or plan) that did not complete: every failure of the phase that stopped it.
#[derive(Clone, Debug)]
pub struct CopyError {
    /// The items that failed, at least one.
    pub failures: Vec<Failure>,
    /// Tags pushed before the failure (only a failed tag push leaves some).
    pub tags_pushed: Vec<Tag>,
}

impl CopyError {
    fn one(item: impl Into<String>, digest: Option<Digest>, error: Error) -> CopyError {
        CopyError {
            failures: vec![Failure {
                item: item.into(),
                digest,
                error,
            }],
            tags_pushed: Vec::new(),
        }
    }

    /// The first failure's error.
    pub fn first_error(&self) -> Option<&Error> {
        self.failures.first().map(|f| &f.error)
    }

    /// True when any failure carries this spec code.
    pub fn has_code(&self, code: ErrorCode) -> bool {
        self.failures.iter().any(|f| f.error.has_code(code.clone()))
    }
}

impl fmt::Display for CopyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.failures.len();
        write!(f, "copy failed ({n} item{}", if n == 1 { "" } else { "s" })?;
        if self.tags_pushed.is_empty() {
            f.write_str(", no tag pushed)")?;
        } else {
            f.write_str(")")?;
        }
        for (i, failure) in self.failures.iter().enumerate() {
            f.write_str(if i == 0 { ": " } else { "; " })?;
            write!(f, "{failure}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CopyError {}

/// `sha256:0123456789ab`: enough of a digest to tell items apart in a name.
fn short(d: &Digest) -> String {
    format!(
        "{}:{}",
        d.algorithm(),
        d.encoded().get(..12).unwrap_or(d.encoded())
    )
}

/// `image sha256:0123456789ab (linux/arm64)`, `index sha256:…`.
fn manifest_label(d: &Descriptor, digest: &str) -> String {
    let kind = if media_type::is_index(&d.media_type) {
        "index"
    } else if d.artifact_type.is_some() {
        "artifact"
    } else {
        "image"
    };
    match &d.platform {
        Some(p) => format!("{kind} {digest} ({p})"),
        None => format!("{kind} {digest}"),
    }
}

/// Something to look at while planning.
struct Visit {
    descriptor: Descriptor,
    role: Role,
    name: String,
    depth: usize,
    /// Under a manifest the destination has: it has this too.
    assume_present: bool,
    /// A schema 1 blob sum: the size comes from the source.
    sized: bool,
    /// The manifest, already read (the root named by tag).
    content: Option<ManifestBytes>,
}

impl Visit {
    fn root(descriptor: Descriptor, content: Option<ManifestBytes>) -> Visit {
        Visit {
            name: manifest_label(&descriptor, descriptor.digest.as_str()),
            descriptor,
            role: Role::Root,
            depth: 0,
            assume_present: false,
            sized: true,
            content,
        }
    }
}

/// What looking at one thing found.
enum Visited {
    Item(Box<Item>, Vec<Visit>),
    Skipped,
}

impl<S: Spec, D: Spec> Endpoints<'_, S, D> {
    async fn visit(&self, v: Visit, options: &CopyOptions) -> Result<Visited, Box<Failure>> {
        let name = v.name.clone();
        let digest = v.descriptor.digest.clone();
        let result = match v.role {
            Role::Blob => self.visit_blob(v).await,
            _ => self.visit_manifest(v, options).await,
        };
        result.map_err(|error| {
            Box::new(Failure {
                item: name,
                digest: Some(digest),
                error,
            })
        })
    }

    async fn visit_blob(&self, v: Visit) -> Result<Visited, Error> {
        let mut d = v.descriptor;
        if is_foreign(&d) {
            return Ok(Visited::Skipped);
        }
        if !v.sized {
            let have = self.src.stat_blob(self.src_repo, &d.digest).await?;
            d.size = have.size;
        }
        let present = found(self.dst.stat_blob(self.dst_repo, &d.digest).await)?
            .is_some_and(|have| have.size == d.size);
        Ok(Visited::Item(
            Box::new(Item {
                descriptor: d,
                role: Role::Blob,
                present,
                name: v.name,
                content: None,
                media_type: String::new(),
                deps: Vec::new(),
                subject: None,
                level: 0,
            }),
            Vec::new(),
        ))
    }

    async fn visit_manifest(&self, v: Visit, options: &CopyOptions) -> Result<Visited, Error> {
        let digest = v.descriptor.digest.clone();
        let m = match v.content {
            Some(m) => m,
            None => {
                self.src
                    .get_manifest(self.src_repo, &ManifestRef::Digest(digest.clone()))
                    .await?
            }
        };
        v.descriptor.verify(&m.content)?;
        let media_type = if m.descriptor.media_type.is_empty() {
            v.descriptor.media_type.clone()
        } else {
            m.descriptor.media_type.clone()
        };
        let present = v.assume_present
            || found(
                self.dst
                    .stat_manifest(self.dst_repo, &ManifestRef::Digest(digest.clone()))
                    .await,
            )?
            .is_some();
        let kids = children(&m.content, Some(&media_type))?;
        let label = manifest_label(&v.descriptor, &short(&digest));
        let depth = v.depth + 1;
        let mut next = Vec::new();
        let child = |descriptor: Descriptor, role, name: String| Visit {
            descriptor,
            role,
            name,
            depth,
            assume_present: present,
            sized: true,
            content: None,
        };
        if !present {
            if let Some(c) = &kids.config {
                next.push(child(
                    c.clone(),
                    Role::Blob,
                    format!("config {} of {label}", c.digest),
                ));
            }
            let n = kids.layers.len();
            for (i, l) in kids.layers.iter().enumerate() {
                let name = format!("layer {}/{n} {} of {label}", i + 1, l.digest);
                next.push(child(l.clone(), Role::Blob, name));
            }
            for b in &kids.blobs {
                next.push(child(
                    b.clone(),
                    Role::Blob,
                    format!("blob {} of {label}", b.digest),
                ));
            }
            for (i, sum) in kids.fs_layers.iter().enumerate() {
                let mut visit = child(
                    Descriptor::new(media_type::DOCKER_LAYER_TAR_GZIP, sum.clone(), 0),
                    Role::Blob,
                    format!("fsLayer {} {sum} of {label}", i + 1),
                );
                visit.sized = false;
                next.push(visit);
            }
        }
        if !present || options.referrers {
            for e in &kids.manifests {
                let name = format!("{} of {label}", manifest_label(e, e.digest.as_str()));
                next.push(child(e.clone(), Role::Manifest, name));
            }
        }
        if options.referrers {
            for r in self.referrers(&digest).await? {
                let kind = r.artifact_type.as_deref().unwrap_or(&r.media_type);
                let name = format!("referrer {} ({kind}) of {label}", r.digest);
                let mut visit = child(r, Role::Referrer, name);
                visit.assume_present = false;
                next.push(visit);
            }
        }
        if depth > MAX_DEPTH && !next.is_empty() {
            return Err(Error::invalid(format!(
                "{label} is nested more than {MAX_DEPTH} levels deep (indexes in indexes, \
                 referrers of referrers): not copied"
            )));
        }
        let mut descriptor = v.descriptor;
        if descriptor.media_type.is_empty() {
            descriptor.media_type = media_type.clone();
        }
        let subject = kids.subject.map(|s| s.digest);
        let mut deps: Vec<Digest> = kids.manifests.iter().map(|d| d.digest.clone()).collect();
        deps.extend(subject.clone());
        Ok(Visited::Item(
            Box::new(Item {
                descriptor,
                role: v.role,
                present,
                name: v.name,
                content: Some(m.content),
                media_type,
                deps,
                subject,
                level: 0,
            }),
            next,
        ))
    }

    /// Every referrer of `digest` in the source (none when it has no referrers API).
    async fn referrers(&self, digest: &Digest) -> Result<Vec<Descriptor>, Error> {
        match collect_referrers(self.src, self.src_repo, digest, None, None).await {
            Err(e) if e.has_code(ErrorCode::Unsupported) => Ok(Vec::new()),
            other => other,
        }
    }

    /// The roots to copy: the manifest named, or the images the platform filter chose.
    async fn roots(
        &self,
        reference: &ManifestRef,
        options: &CopyOptions,
    ) -> Result<(Descriptor, Vec<Visit>), CopyError> {
        let source = format!("{}:{reference}", self.src_repo);
        let fail = |e| CopyError::one(source.clone(), reference.digest().cloned(), e);
        let top = self
            .src
            .get_manifest(self.src_repo, reference)
            .await
            .map_err(fail)?;
        let kids = children(&top.content, Some(&top.descriptor.media_type))
            .map_err(|e| fail(Error::Manifest(e)))?;
        let descriptor = top.descriptor.clone();
        if options.platforms.is_empty() || !kids.is_index() {
            return Ok((descriptor.clone(), vec![Visit::root(descriptor, Some(top))]));
        }
        let mut chosen: Vec<Descriptor> = Vec::new();
        for wanted in &options.platforms {
            let entry = kids
                .manifests
                .iter()
                .find(|e| e.platform.as_ref().is_some_and(|p| p.matches(wanted)));
            let Some(entry) = entry else {
                let there: Vec<String> = kids
                    .manifests
                    .iter()
                    .filter_map(|e| e.platform.as_ref().map(Platform::to_string))
                    .collect();
                return Err(fail(Error::code(
                    ErrorCode::ManifestUnknown,
                    format!(
                        "no image for platform {wanted} in {source}; it has: {}",
                        there.join(", ")
                    ),
                )));
            };
            if !chosen.iter().any(|c| c.digest == entry.digest) {
                chosen.push(entry.clone());
            }
        }
        if chosen.len() > 1 && !options.tags.is_empty() {
            return Err(fail(Error::invalid(format!(
                "the platform filter chose {} images of {source}, but tags can point at only \
                 one: ask for one platform, or copy without tags",
                chosen.len()
            ))));
        }
        let roots = chosen.into_iter().map(|d| Visit::root(d, None)).collect();
        Ok((descriptor, roots))
    }
}

/// Computes each manifest's push round from the manifests it depends on.
fn assign_levels(items: &mut [Item]) {
    let by_digest: HashMap<Digest, usize> = items
        .iter()
        .enumerate()
        .filter(|(_, i)| i.is_manifest())
        .map(|(n, i)| (i.descriptor.digest.clone(), n))
        .collect();
    let mut memo: Vec<Option<usize>> = vec![None; items.len()];
    let mut visiting = vec![false; items.len()];
    fn height(
        n: usize,
        items: &[Item],
        by_digest: &HashMap<Digest, usize>,
        memo: &mut [Option<usize>],
        visiting: &mut [bool],
    ) -> usize {
        if let Some(h) = memo.get(n).copied().flatten() {
            return h;
        }
        // A cycle needs a hash collision; cut it rather than loop.
        if visiting.get(n).copied().unwrap_or(true) {
            return 0;
        }
        if let Some(v) = visiting.get_mut(n) {
            *v = true;
        }
        let deps: Vec<usize> = items
            .get(n)
            .map(|i| {
                i.deps
                    .iter()
                    .filter_map(|d| by_digest.get(d).copied())
                    .collect()
            })
            .unwrap_or_default();
        let h = deps
            .into_iter()
            .map(|d| height(d, items, by_digest, memo, visiting) + 1)
            .max()
            .unwrap_or(0);
        if let Some(m) = memo.get_mut(n) {
            *m = Some(h);
        }
        h
    }
    let heights: Vec<usize> = (0..items.len())
        .map(|n| height(n, items, &by_digest, &mut memo, &mut visiting))
        .collect();
    for (item, h) in items.iter_mut().zip(heights) {
        item.level = if item.is_manifest() { h } else { 0 };
    }
}

/// Works out what copying `reference` from `src_repo` to `dst_repo` takes (see the module doc).
pub async fn plan<S: Spec, D: Spec>(
    src: &S,
    src_repo: &RepoName,
    reference: &ManifestRef,
    dst: &D,
    dst_repo: &RepoName,
    options: &CopyOptions,
) -> Result<Plan, CopyError> {
    let endpoints = Endpoints {
        src,
        src_repo,
        dst,
        dst_repo,
    };
    let (source, mut frontier) = endpoints.roots(reference, options).await?;
    let roots: Vec<Descriptor> = frontier.iter().map(|v| v.descriptor.clone()).collect();
    let mut seen_manifests: HashSet<Digest> = roots.iter().map(|d| d.digest.clone()).collect();
    let mut seen_blobs: HashSet<Digest> = HashSet::new();
    let mut items = Vec::new();
    while !frontier.is_empty() {
        let results: Vec<Result<Visited, Box<Failure>>> = stream::iter(frontier)
            .map(|v| endpoints.visit(v, options))
            .buffered(options.concurrency())
            .collect()
            .await;
        let mut next = Vec::new();
        let mut failures = Vec::new();
        for result in results {
            match result {
                Ok(Visited::Item(item, more)) => {
                    items.push(*item);
                    for v in more {
                        let seen = match v.role {
                            Role::Blob => &mut seen_blobs,
                            _ => &mut seen_manifests,
                        };
                        if seen.insert(v.descriptor.digest.clone()) {
                            next.push(v);
                        }
                    }
                }
                Ok(Visited::Skipped) => {}
                Err(f) => failures.push(*f),
            }
        }
        if !failures.is_empty() {
            return Err(CopyError {
                failures,
                tags_pushed: Vec::new(),
            });
        }
        frontier = next;
    }
    assign_levels(&mut items);
    // Blobs first (level 0, not manifests), then manifests round by round; stable.
    items.sort_by_key(|i| (i.is_manifest(), i.level));
    Ok(Plan {
        src_repo: src_repo.clone(),
        dst_repo: dst_repo.clone(),
        source,
        roots,
        tags: options.tags.clone(),
        items,
    })
}

/// Copies `reference` from `src_repo` in `src` to `dst_repo` in `dst`: plans, then runs the
/// plan (see the module doc).
pub async fn copy_image<S: Spec, D: Spec>(
    src: &S,
    src_repo: &RepoName,
    reference: &ManifestRef,
    dst: &D,
    dst_repo: &RepoName,
    options: &CopyOptions,
    progress: &dyn Fn(&Progress),
) -> Result<CopyReport, CopyError> {
    let plan = plan(src, src_repo, reference, dst, dst_repo, options).await?;
    copy_plan(src, dst, &plan, options, progress).await
}

pub use self::copy_image as copy_manifest;

/// Counters shared by the concurrent parts of a copy.
struct Run<'a> {
    progress: &'a dyn Fn(&Progress),
    items_total: usize,
    bytes_total: u64,
    items_done: Cell<usize>,
    bytes_done: Cell<u64>,
    copied: Cell<usize>,
    mounted: Cell<usize>,
    present: Cell<usize>,
    bytes_copied: Cell<u64>,
    retried: Cell<usize>,
}

impl Run<'_> {
    fn emit(&self, event: Event) {
        (self.progress)(&Progress {
            event,
            items_done: self.items_done.get(),
            items_total: self.items_total,
            bytes_done: self.bytes_done.get(),
            bytes_total: self.bytes_total,
        });
    }

    fn skip(&self, item: &Item) -> Result<Transfer, Box<Failure>> {
        self.items_done.set(self.items_done.get() + 1);
        self.bytes_done
            .set(self.bytes_done.get() + item.descriptor.size);
        self.present.set(self.present.get() + 1);
        self.emit(Event::Skip(item));
        Ok(Transfer::Present)
    }

    /// Settles an item: `counted` bytes of it were reported on the way already.
    fn settle(
        &self,
        item: &Item,
        result: Result<Transfer, Error>,
        counted: u64,
    ) -> Result<Transfer, Box<Failure>> {
        match result {
            Ok(Transfer::Present) => {
                self.bytes_done
                    .set(self.bytes_done.get().saturating_sub(counted));
                self.skip(item)
            }
            Ok(t) => {
                self.items_done.set(self.items_done.get() + 1);
                self.bytes_done
                    .set(self.bytes_done.get() + item.descriptor.size.saturating_sub(counted));
                if t != Transfer::Foreign {
                    self.copied.set(self.copied.get() + 1);
                    self.bytes_copied
                        .set(self.bytes_copied.get() + item.descriptor.size);
                }
                if t == Transfer::Mounted {
                    self.mounted.set(self.mounted.get() + 1);
                }
                self.emit(Event::Finish(item, t));
                Ok(t)
            }
            Err(error) => {
                self.emit(Event::Failed(item, &error));
                Err(Box::new(Failure {
                    item: item.name.clone(),
                    digest: Some(item.descriptor.digest.clone()),
                    error,
                }))
            }
        }
    }

    async fn blob<S: Spec, D: Spec>(
        &self,
        ends: &Endpoints<'_, S, D>,
        item: &Item,
        options: &CopyOptions,
    ) -> Result<Transfer, Box<Failure>> {
        if item.present {
            return self.skip(item);
        }
        self.emit(Event::Start(item));
        let mut attempt = 0;
        loop {
            let counted = Cell::new(0u64);
            let on_bytes = |sent: u64| {
                let delta = sent.saturating_sub(counted.get());
                counted.set(sent);
                self.bytes_done.set(self.bytes_done.get() + delta);
                self.emit(Event::Bytes(item, sent));
            };
            let result = ends
                .transfer_blob(&item.descriptor, options, false, &on_bytes)
                .await;
            match result {
                Err(e) if attempt < options.retries && is_transient(&e) => {
                    attempt += 1;
                    self.bytes_done
                        .set(self.bytes_done.get().saturating_sub(counted.get()));
                    self.retry(item, &e);
                }
                result => return self.settle(item, result, counted.get()),
            }
        }
    }

    async fn manifest<S: Spec, D: Spec>(
        &self,
        ends: &Endpoints<'_, S, D>,
        item: &Item,
        options: &CopyOptions,
    ) -> Result<Transfer, Box<Failure>> {
        if item.present {
            return self.skip(item);
        }
        self.emit(Event::Start(item));
        let mut attempt = 0;
        loop {
            match push_manifest(ends.dst, ends.dst_repo, item, &[]).await {
                Err(e) if attempt < options.retries && is_transient(&e) => {
                    attempt += 1;
                    self.retry(item, &e);
                }
                result => return self.settle(item, result.map(|_| Transfer::Pushed), 0),
            }
        }
    }

    fn retry(&self, item: &Item, error: &Error) {
        self.retried.set(self.retried.get() + 1);
        self.emit(Event::Retry(item, error));
    }
}

/// Pushes an item's manifest bytes with `tags`, checking the digest the destination gives.
async fn push_manifest<D: Spec>(
    dst: &D,
    repo: &RepoName,
    item: &Item,
    tags: &[Tag],
) -> Result<Descriptor, Error> {
    let content = item.content.clone().ok_or_else(|| {
        Error::invalid(format!("{}: the plan holds no manifest bytes", item.name))
    })?;
    let got = dst
        .push_manifest(repo, &item.media_type, content, tags)
        .await?;
    if got.digest != item.descriptor.digest {
        return Err(wrong_digest(
            "manifest",
            &item.descriptor.digest,
            &got.digest,
        ));
    }
    Ok(got)
}

fn failed(
    results: impl IntoIterator<Item = Result<Transfer, Box<Failure>>>,
) -> Result<(), CopyError> {
    let failures: Vec<Failure> = results
        .into_iter()
        .filter_map(|r| r.err().map(|f| *f))
        .collect();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(CopyError {
            failures,
            tags_pushed: Vec::new(),
        })
    }
}

/// Runs a plan made by [`plan`]: repositories, roots and tags come from the plan; transfer
/// settings (mounts, concurrency, chunk size) from `options`. Items the plan found present
/// are skipped without a request.
pub async fn copy_plan<S: Spec, D: Spec>(
    src: &S,
    dst: &D,
    plan: &Plan,
    options: &CopyOptions,
    progress: &dyn Fn(&Progress),
) -> Result<CopyReport, CopyError> {
    let ends = Endpoints {
        src,
        src_repo: &plan.src_repo,
        dst,
        dst_repo: &plan.dst_repo,
    };
    let run = Run {
        progress,
        items_total: plan.items.len(),
        bytes_total: plan.bytes_total(),
        items_done: Cell::new(0),
        bytes_done: Cell::new(0),
        copied: Cell::new(0),
        mounted: Cell::new(0),
        present: Cell::new(0),
        bytes_copied: Cell::new(0),
        retried: Cell::new(0),
    };
    let n = options.concurrency();
    run.emit(Event::Planned);

    let blobs = plan.items.iter().filter(|i| !i.is_manifest());
    let results: Vec<_> = stream::iter(blobs)
        .map(|item| run.blob(&ends, item, options))
        .buffer_unordered(n)
        .collect()
        .await;
    failed(results)?;

    let top = plan.items.iter().map(Item::level).max().unwrap_or(0);
    for level in 0..=top {
        // Referrers of one subject go one after the other; everything else on its own.
        let mut groups: Vec<Vec<&Item>> = Vec::new();
        let mut by_subject: HashMap<&Digest, usize> = HashMap::new();
        for item in plan
            .items
            .iter()
            .filter(|i| i.is_manifest() && i.level == level)
        {
            let subject = item
                .subject
                .as_ref()
                .filter(|_| item.role == Role::Referrer);
            match subject
                .and_then(|s| by_subject.get(s))
                .and_then(|&g| groups.get_mut(g))
            {
                Some(group) => group.push(item),
                None => {
                    if let Some(s) = subject {
                        by_subject.insert(s, groups.len());
                    }
                    groups.push(vec![item]);
                }
            }
        }
        let results: Vec<Vec<_>> = stream::iter(groups)
            .map(|group| {
                let (run, ends) = (&run, &ends);
                async move {
                    let mut out = Vec::with_capacity(group.len());
                    for item in group {
                        out.push(run.manifest(ends, item, options).await);
                    }
                    out
                }
            })
            .buffer_unordered(n)
            .collect()
            .await;
        failed(results.into_iter().flatten())?;
    }

    let mut tags_pushed = Vec::new();
    if !plan.tags.is_empty() {
        let target = plan.tag_target().ok_or_else(|| {
            CopyError::one(
                "tags",
                None,
                Error::invalid("tags need exactly one root manifest in the plan"),
            )
        })?;
        for tag in &plan.tags {
            let mut attempt = 0;
            let pushed = loop {
                match push_manifest(dst, &plan.dst_repo, target, std::slice::from_ref(tag)).await {
                    Err(e) if attempt < options.retries && is_transient(&e) => {
                        attempt += 1;
                        run.retry(target, &e);
                    }
                    result => break result,
                }
            };
            if let Err(error) = pushed {
                return Err(CopyError {
                    failures: vec![Failure {
                        item: format!("tag {}:{tag}", plan.dst_repo),
                        digest: Some(target.descriptor.digest.clone()),
                        error,
                    }],
                    tags_pushed,
                });
            }
            tags_pushed.push(tag.clone());
            run.emit(Event::Tagged(tag));
        }
    }
    run.emit(Event::Done);
    Ok(CopyReport {
        roots: plan.roots.clone(),
        tags: tags_pushed,
        copied: run.copied.get(),
        mounted: run.mounted.get(),
        present: run.present.get(),
        bytes_copied: run.bytes_copied.get(),
        retried: run.retried.get(),
    })
}
