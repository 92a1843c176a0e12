//! Images kept in a content store: pulled into it with every large blob fetched resumably,
//! listed with their names, sizes and dates, removed (with what no other image uses), pushed
//! out again. The store is seen through [`ContentSpec`], so pulls and pushes are the copy tools'.
//!
//! Rules:
//! - **A pull resumes.** Every blob the store lacks is fetched into the ingest
//!   `fetch-<digest>` with its descriptor expected ([`fetch_blob`], containerd's
//!   `remotes.Fetch` + `content.Copy`): an ingest left by a reload, a crash or a closed tab is
//!   continued from its offset with a ranged GET (the bytes before it are not fetched again;
//!   a registry that ignores the range is read from the start by the client, which drops the
//!   kept bytes), and
//!   the commit verifies the digest over the whole content. Then [`copy_image`] runs with the
//!   store as destination: the blobs are present, so only manifests and tags are written.
//! - **Names** are the view's, kept as labels ([`ContentSpec::open`]); a pull by digest is
//!   named by a tag made of the digest (`sha256-HEX`), so every image kept has a name.
//! - **Removal** is containerd's garbage collection: the name goes, then every piece of
//!   content no remaining name reaches (children, layers, config, referrers of what is kept)
//!   is deleted ([`collect_garbage`]).

use std::collections::{BTreeMap, BTreeSet};

use ociscope_core::content::{
    Condition, Error as ContentError, Filter, Labels, Store, Timestamp, Writer, WriterOptions,
};
use ociscope_core::manifest::Manifest;
use ociscope_core::spec::{BlobReader, Error, ManifestRef, RepoName, Spec, Tag};
use ociscope_core::{Descriptor, Digest, Platform};

use crate::content::{name_label, ContentSpec, LABEL_MEDIA_TYPE, LABEL_SUBJECT};
use crate::copy::{self, copy_image, CopyError, CopyOptions, CopyReport, Failure, Progress, Role};

/// Bytes written to the store at a time while fetching (one part file each in OPFS).
pub const FETCH_WRITE: usize = 1024 * 1024;

/// Label on a kept image's manifest: where it was pulled from (`REGISTRY/REPO:TAG`).
pub const LABEL_SOURCE: &str = "ociscope.source";

/// The ingest ref a pull fetches `digest` under.
pub fn fetch_ref(digest: &Digest) -> String {
    format!("fetch-{digest}")
}

/// How a fetch went.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fetched {
    /// Where the kept ingest stood when the fetch began (0: from the start).
    pub resumed_at: u64,
    /// Bytes read from the registry.
    pub fetched: u64,
    /// False when the store had the blob already.
    pub written: bool,
}

/// Fetches `descriptor` from `repo` in `src` into `store` (see the module doc), reporting the
/// ingest's offset as it grows.
pub async fn fetch_blob<S: Spec, C: Store>(
    src: &S,
    repo: &RepoName,
    store: &C,
    descriptor: &Descriptor,
    on_offset: &dyn Fn(u64),
) -> Result<Fetched, Error> {
    let options = WriterOptions::expecting(fetch_ref(&descriptor.digest), descriptor);
    let mut writer = match store.writer(&options).await {
        Ok(w) => w,
        Err(e) if e.is_already_exists() => return Ok(Fetched::default()),
        Err(e) => return Err(e.into()),
    };
    let mut offset = writer.status().offset;
    if offset > descriptor.size {
        writer.truncate(0).await?;
        offset = 0;
    }
    let resumed_at = offset;
    let mut fetched = 0u64;
    if offset < descriptor.size {
        let mut reader = if offset > 0 {
            src.get_blob_range(repo, &descriptor.digest, offset, None)
                .await?
        } else {
            src.get_blob(repo, &descriptor.digest).await?
        };
        // A registry that ignores the range is read from the start by the client, which drops
        // the bytes before `offset` (`get_blob_range`'s contract).
        let mut buffer = Vec::with_capacity(FETCH_WRITE);
        while let Some(chunk) = reader.next_chunk().await? {
            fetched += chunk.len() as u64;
            let mut chunk: &[u8] = &chunk;
            while !chunk.is_empty() {
                let room = FETCH_WRITE - buffer.len();
                let (head, tail) = chunk.split_at(room.min(chunk.len()));
                buffer.extend_from_slice(head);
                chunk = tail;
                if buffer.len() == FETCH_WRITE {
                    writer.write(&buffer).await?;
                    buffer.clear();
                    on_offset(writer.status().offset);
                }
            }
            if writer.status().offset + buffer.len() as u64 > descriptor.size {
                break;
            }
        }
        writer.write(&buffer).await?;
        on_offset(writer.status().offset);
    }
    match writer
        .commit(
            Some(descriptor.size),
            Some(&descriptor.digest),
            Labels::new(),
        )
        .await
    {
        Ok(_) => {}
        Err(ContentError::AlreadyExists { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(Fetched {
        resumed_at,
        fetched,
        written: true,
    })
}

/// What a pull reports while it runs.
#[derive(Clone, Debug)]
pub enum PullEvent<'a> {
    /// The plan is made: blobs to fetch (count, bytes), and the whole image's bytes.
    Planned {
        /// Blobs the store lacks.
        blobs: usize,
        /// Their bytes.
        bytes: u64,
        /// Bytes of the whole copy (present ones included).
        total: u64,
    },
    /// A blob's fetch began, resuming at `resumed_at`.
    Blob {
        /// The blob.
        descriptor: &'a Descriptor,
        /// Where its kept ingest stood.
        resumed_at: u64,
    },
    /// A blob's ingest reached `offset`.
    Offset {
        /// The blob.
        descriptor: &'a Descriptor,
        /// Bytes in its ingest.
        offset: u64,
    },
    /// Manifests and tags are being written (the copy's own progress).
    Copy(&'a Progress<'a>),
}

/// What a pull did.
#[derive(Clone, Debug, Default)]
pub struct PullReport {
    /// Blobs fetched.
    pub blobs: usize,
    /// Bytes read from the registry.
    pub fetched: u64,
    /// Blobs whose fetch resumed a kept ingest, and the bytes those ingests held.
    pub resumed: Vec<(Digest, u64)>,
    /// The copy of the manifests and tags.
    pub copy: CopyReport,
    /// The tag the image is kept under.
    pub tag: Option<Tag>,
}

/// Keeps `reference` of `src_repo` in `src` in the store as `dst_repo` (tagged with the
/// reference's tag, or `sha256-HEX` for a digest), with `options`' platforms and referrers;
/// `source` is recorded as [`LABEL_SOURCE`].
#[allow(clippy::too_many_arguments)]
pub async fn pull_image<S: Spec, C: Store + Clone>(
    src: &S,
    src_repo: &RepoName,
    reference: &ManifestRef,
    view: &ContentSpec<C>,
    dst_repo: &RepoName,
    source: &str,
    options: &CopyOptions,
    progress: &dyn Fn(&PullEvent),
) -> Result<PullReport, CopyError> {
    let tag = match reference {
        ManifestRef::Tag(t) => t.clone(),
        ManifestRef::Digest(d) => {
            Tag::new(format!("{}-{}", d.algorithm(), d.encoded())).map_err(|e| one(d, e))?
        }
    };
    let mut options = options.clone();
    options.tags = vec![tag.clone()];
    options.same_registry = false;
    // The plan reads manifests; a transient failure (network, 429, 5xx) is tried again, as
    // the copy's items are.
    let mut tries = 0;
    let plan = loop {
        match copy::plan(src, src_repo, reference, view, dst_repo, &options).await {
            Ok(p) => break p,
            Err(e)
                if tries < options.retries
                    && e.failures.iter().all(|f| copy::is_transient(&f.error)) =>
            {
                tries += 1
            }
            Err(e) => return Err(e),
        }
    };
    let missing: Vec<&Descriptor> = plan
        .missing()
        .filter(|i| i.role == Role::Blob)
        .map(|i| &i.descriptor)
        .collect();
    progress(&PullEvent::Planned {
        blobs: missing.len(),
        bytes: missing.iter().map(|d| d.size).sum(),
        total: plan.bytes_total(),
    });
    let mut report = PullReport::default();
    let mut seen = BTreeSet::new();
    for d in missing {
        if !seen.insert(d.digest.clone()) {
            continue;
        }
        let resumed_at = view
            .store()
            .status(&fetch_ref(&d.digest))
            .await
            .map(|s| s.offset)
            .unwrap_or(0);
        progress(&PullEvent::Blob {
            descriptor: d,
            resumed_at,
        });
        let on_offset = |offset| {
            progress(&PullEvent::Offset {
                descriptor: d,
                offset,
            })
        };
        let mut tries = 0;
        let fetched = loop {
            match fetch_blob(src, src_repo, view.store(), d, &on_offset).await {
                Ok(f) => break f,
                Err(e) if copy::is_transient(&e) && tries < options.retries => tries += 1,
                Err(e) => return Err(one(&d.digest, e)),
            }
        };
        report.blobs += 1;
        report.fetched += fetched.fetched;
        if fetched.resumed_at > 0 {
            report.resumed.push((d.digest.clone(), fetched.resumed_at));
        }
    }
    report.copy = copy_image(
        src,
        src_repo,
        reference,
        view,
        dst_repo,
        &options,
        &|p: &Progress| progress(&PullEvent::Copy(p)),
    )
    .await?;
    if let Some(root) = report.copy.roots.first() {
        if let Ok(mut info) = view.store().info(&root.digest).await {
            info.labels.insert(LABEL_SOURCE.into(), source.to_string());
            let path = format!("labels.{LABEL_SOURCE}");
            let _ = view.store().update(&info, &[&path]).await;
        }
    }
    report.tag = Some(tag);
    Ok(report)
}

fn one(what: impl std::fmt::Display, error: impl Into<Error>) -> CopyError {
    CopyError {
        failures: vec![Failure {
            item: what.to_string(),
            digest: None,
            error: error.into(),
        }],
        tags_pushed: Vec::new(),
    }
}

/// An image kept in the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeptImage {
    /// Its repository in the store.
    pub repo: RepoName,
    /// Its tag.
    pub tag: Tag,
    /// The manifest the tag names.
    pub descriptor: Descriptor,
    /// When it was tagged (ms since the epoch; 0 when unknown).
    pub tagged: Timestamp,
    /// Where it was pulled from ([`LABEL_SOURCE`]), when known.
    pub source: Option<String>,
    /// Platforms of an index's images (empty for a single image).
    pub platforms: Vec<Platform>,
    /// Bytes of every piece of content it reaches that the store holds (shared ones too).
    pub bytes: u64,
    /// Pieces of content it reaches that the store lacks (platforms left out of a pull).
    pub missing: usize,
    /// Referrers kept with it.
    pub referrers: usize,
}

/// Everything `root` reaches in the store: its children (recursively) and the referrers of
/// each manifest; `(present digests → size, missing count, referrers count)`.
async fn reach<C: Store + Clone>(
    view: &ContentSpec<C>,
    root: &Digest,
) -> Result<(BTreeMap<Digest, u64>, usize, usize), Error> {
    let store = view.store();
    let mut present = BTreeMap::new();
    let mut missing = 0usize;
    let mut referrers = 0usize;
    let mut queue = vec![(root.clone(), true)];
    while let Some((digest, is_manifest)) = queue.pop() {
        if present.contains_key(&digest) {
            continue;
        }
        let info = match store.info(&digest).await {
            Ok(i) => i,
            Err(e) if e.is_not_found() => {
                missing += 1;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        present.insert(digest.clone(), info.size);
        let looks_like_manifest = is_manifest || info.labels.contains_key(LABEL_MEDIA_TYPE);
        if !looks_like_manifest || info.size > crate::content::MANIFEST_LIMIT {
            continue;
        }
        let bytes =
            ociscope_core::content::read_blob(store, &digest, crate::content::MANIFEST_LIMIT)
                .await?;
        let media_type = info.labels.get(LABEL_MEDIA_TYPE).map(String::as_str);
        let Ok(manifest) = Manifest::parse(&bytes, media_type) else {
            continue;
        };
        for child in manifest.config().into_iter().chain(manifest.layers()) {
            queue.push((child.digest.clone(), false));
        }
        for child in manifest.manifests() {
            queue.push((child.digest.clone(), true));
        }
        let filter = Filter::everything().and(Condition::LabelEquals(
            LABEL_SUBJECT.into(),
            digest.to_string(),
        ));
        for r in store.walk(&filter).await? {
            if !present.contains_key(&r.digest) {
                referrers += 1;
                queue.push((r.digest, true));
            }
        }
    }
    Ok((present, missing, referrers))
}

/// Every image the store keeps, by repository and tag.
pub async fn list_images<C: Store + Clone>(view: &ContentSpec<C>) -> Result<Vec<KeptImage>, Error> {
    let mut out = Vec::new();
    for (repo, tags) in view.names() {
        for (tag, descriptor) in tags {
            let info = view.store().info(&descriptor.digest).await?;
            let tagged = info
                .labels
                .get(&name_label(&repo, &tag))
                .and_then(|v| v.parse().ok())
                .map_or(info.created, Timestamp);
            let source = info.labels.get(LABEL_SOURCE).cloned();
            let (present, missing, referrers) = reach(view, &descriptor.digest).await?;
            let platforms = match ociscope_core::content::read_blob(
                view.store(),
                &descriptor.digest,
                crate::content::MANIFEST_LIMIT,
            )
            .await
            .ok()
            .and_then(|b| Manifest::parse(&b, Some(&descriptor.media_type)).ok())
            {
                Some(m) => m
                    .manifests()
                    .iter()
                    .filter_map(|d| d.platform.clone())
                    .collect(),
                None => Vec::new(),
            };
            out.push(KeptImage {
                repo: repo.clone(),
                tag,
                descriptor,
                tagged,
                source,
                platforms,
                bytes: present.values().sum(),
                missing,
                referrers,
            });
        }
    }
    Ok(out)
}

/// What a garbage collection deleted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Collected {
    /// Pieces of content deleted.
    pub deleted: usize,
    /// Their bytes.
    pub bytes: u64,
}

/// Deletes every piece of content no name reaches (see the module doc). Ingests are left
/// alone (abort them by ref).
pub async fn collect_garbage<C: Store + Clone>(view: &ContentSpec<C>) -> Result<Collected, Error> {
    let mut keep = BTreeSet::new();
    for tags in view.names().values() {
        for d in tags.values() {
            let (present, _, _) = reach(view, &d.digest).await?;
            keep.extend(present.into_keys());
        }
    }
    let mut out = Collected::default();
    for info in view.store().walk(&Filter::everything()).await? {
        if keep.contains(&info.digest) {
            continue;
        }
        match view.store().delete(&info.digest).await {
            Ok(()) => {
                out.deleted += 1;
                out.bytes += info.size;
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}

/// Removes `repo:tag` from the store and then the content nothing else reaches.
pub async fn remove_image<C: Store + Clone>(
    view: &ContentSpec<C>,
    repo: &RepoName,
    tag: &Tag,
) -> Result<Collected, Error> {
    view.delete_tag(repo, tag).await?;
    collect_garbage(view).await
}
