//! Images to and from tarballs, streamed: an OCI image layout tar that `skopeo copy
//! oci-archive:` reads, with the `manifest.json` of `docker save` so `docker load` reads it
//! too; and a `docker save` or OCI layout tar read in place as a read-only content store.
//!
//! Writing ([`write_archive`]): what goes in is the copy tools' [`plan`] of each image (so
//! platforms and referrers are chosen as for a copy), written entry by entry to a
//! [`TarSink`]: `oci-layout`, every blob under `blobs/<algorithm>/<hex>` (streamed from the
//! source chunk by chunk, verified on the way; each digest once), then `index.json` (each
//! image with `org.opencontainers.image.ref.name` = its tag and `io.containerd.image.name` =
//! its full name, as `docker save` of Docker 25+ writes them) and `manifest.json` (one entry
//! per platform image: `Config`, `Layers` as paths into `blobs/`, and `RepoTags` on the first
//! image of each name only, since `docker load` gives a tag to one image). Headers are ustar
//! with mode 0644 and mtime 0, so the same image gives the same bytes.
//!
//! Reading ([`TarStore`]): the tar's headers are indexed once (the `tar` crate parses each
//! 512-byte header; PAX `path` records and GNU long names are followed; hard and symbolic
//! links resolved), and entries are then read by offset from any random-access source
//! ([`ReaderAt`]: a file, bytes, a browser `File`), never unpacked into memory.
//! - An **OCI layout** tar (`oci-layout`, `index.json`): its blobs by path, its images from
//!   `index.json`; manifests are the archive's bytes, so digests are the source's.
//! - A **`docker save`** tar (`manifest.json`, configs and `layer.tar` files): **the format
//!   holds no manifest**, only Docker schema 2 configs and uncompressed layers, so each image's
//!   manifest is **synthesized** as a Docker schema 2 manifest (config
//!   `application/vnd.docker.container.image.v1+json`, layers
//!   `application/vnd.docker.image.rootfs.diff.tar`, uncompressed as stored; the layer digests
//!   are the config's `rootfs.diff_ids`, checked when read). Its digest therefore differs from
//!   the image's digest in the registry it came from (whose layers were compressed), and from
//!   what `skopeo copy docker-archive:` pushes (skopeo compresses the layers on the way); the
//!   config digest and the layers' uncompressed digests are the source's.
//! - Manifests are found when the tar is opened (blobs up to 256 KiB that start with `{` are
//!   read once and parsed) and labelled as [`ContentSpec`](crate::content::ContentSpec) labels
//!   them, so referrers in the tar (not listed in `index.json`) follow their subject.
//! - The store is read-only: every write is [`Error::ReadOnly`]. Through
//!   [`ContentSpec`](crate::content::ContentSpec) it is a `Spec`, so pushing an image from a
//!   tarball is [`copy_image`](crate::copy::copy_image) (blobs the registry has skipped,
//!   progress, tags last): see [`push_archive_image`].

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use bytes::Bytes;
use ociscope_core::content::{
    read_blob, Error, Filter, Info, IngestManager, Ingester, Labels, Manager, Provider, ReaderAt,
    Status, StatusFilter, Timestamp, Writer, WriterOptions,
};
use ociscope_core::manifest::Manifest;
use ociscope_core::media_type::{DOCKER_CONFIG, DOCKER_LAYER_TAR, DOCKER_MANIFEST_V2, OCI_INDEX};
use ociscope_core::reference::Reference;
use ociscope_core::spec::{self, BlobReader, ManifestRef, RepoName, Spec, Tag};
use ociscope_core::{Descriptor, Digest, Platform};
use serde_json::{json, Value};

use crate::config::ImageConfig;
use crate::content::{manifest_labels, ContentSpec, Names};
use crate::copy::{copy_image, plan, CopyError, CopyOptions, CopyReport, Progress};

/// Annotation naming an image's tag in an OCI layout.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// Annotation naming an image's full reference (containerd, `docker save`).
pub const IMAGE_NAME: &str = "io.containerd.image.name";

/// Largest metadata document read whole from a tarball (`index.json`, `manifest.json`, a
/// config): 4 MiB.
const DOC_LIMIT: u64 = 4 * 1024 * 1024;

/// Blobs up to this size that start with `{` are read once when a tarball is opened, to find
/// its manifests (and their subjects): 256 KiB.
const LABEL_SCAN_LIMIT: u64 = 256 * 1024;

/// Where tar bytes go, in order.
#[allow(async_fn_in_trait)] // No Send bounds: see the `spec` module doc.
pub trait TarSink {
    /// Appends bytes.
    async fn write(&mut self, data: &[u8]) -> Result<(), Error>;
}

impl TarSink for Vec<u8> {
    async fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        self.extend_from_slice(data);
        Ok(())
    }
}

/// A [`TarSink`] over anything [`std::io::Write`] (a file, a buffered file, a socket);
/// blocking writes.
pub struct WriteSink<W>(pub W);

impl<W: std::io::Write> TarSink for WriteSink<W> {
    async fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        self.0.write_all(data).map_err(|e| match e.kind() {
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
                Error::QuotaExceeded(format!("writing the tarball: {e}"))
            }
            _ => Error::Io(format!("writing the tarball: {e}")),
        })
    }
}

/// One image to write: a manifest in the source and the names it goes by.
#[derive(Clone, Debug)]
pub struct ArchiveImage {
    /// The image's manifest or index.
    pub descriptor: Descriptor,
    /// Full references (`registry/repo:tag`) the image is saved under; may be empty.
    pub names: Vec<String>,
}

/// What [`write_archive`] wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ArchiveReport {
    /// Blobs and manifests written (each digest once).
    pub blobs: usize,
    /// Their bytes.
    pub blob_bytes: u64,
    /// The whole tar's bytes.
    pub tar_bytes: u64,
    /// Images listed in `manifest.json`.
    pub docker_images: usize,
}

fn tar_header(path: &str, size: u64) -> Result<[u8; 512], Error> {
    let mut h = tar::Header::new_ustar();
    h.set_path(path)
        .map_err(|e| Error::InvalidArgument(format!("tar path {path:?}: {e}")))?;
    h.set_size(size);
    h.set_mode(0o644);
    h.set_mtime(0);
    h.set_uid(0);
    h.set_gid(0);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    let mut out = [0u8; 512];
    out.copy_from_slice(h.as_bytes());
    Ok(out)
}

/// Counts bytes written through to a sink.
struct Counted<'a, O> {
    out: &'a mut O,
    written: u64,
}

impl<O: TarSink> Counted<'_, O> {
    async fn put(&mut self, data: &[u8]) -> Result<(), Error> {
        self.out.write(data).await?;
        self.written += data.len() as u64;
        Ok(())
    }

    async fn pad(&mut self) -> Result<(), Error> {
        let rest = (512 - self.written % 512) % 512;
        if rest > 0 {
            self.put(&vec![0u8; rest as usize]).await?;
        }
        Ok(())
    }

    async fn file(&mut self, path: &str, content: &[u8]) -> Result<(), Error> {
        self.put(&tar_header(path, content.len() as u64)?).await?;
        self.put(content).await?;
        self.pad().await
    }
}

fn blob_path(digest: &Digest) -> String {
    format!("blobs/{}/{}", digest.algorithm(), digest.encoded())
}

/// Writes `images` of `src_repo` in `src` as an OCI layout tar with `docker save`'s
/// `manifest.json` (see the module doc). `options` chooses platforms and referrers as for a
/// copy (its tags are ignored: the names are the images'). Every blob is streamed and
/// verified; nothing is held in memory but manifests.
pub async fn write_archive<S: Spec, O: TarSink>(
    src: &S,
    src_repo: &RepoName,
    images: &[ArchiveImage],
    options: &CopyOptions,
    out: &mut O,
) -> Result<ArchiveReport, CopyError> {
    let empty = ociscope_core::MemoryRegistry::new();
    let options = CopyOptions {
        tags: Vec::new(),
        ..options.clone()
    };
    let mut sink = Counted { out, written: 0 };
    let mut report = ArchiveReport::default();
    let layout = json!({"imageLayoutVersion": "1.0.0"}).to_string();
    sink.file("oci-layout", layout.as_bytes())
        .await
        .map_err(one)?;
    let mut written: BTreeSet<Digest> = BTreeSet::new();
    let mut index_entries = Vec::new();
    let mut docker_entries = Vec::new();
    let mut tagged: BTreeSet<String> = BTreeSet::new();
    for image in images {
        let plan = plan(
            src,
            src_repo,
            &ManifestRef::Digest(image.descriptor.digest.clone()),
            &empty,
            src_repo,
            &options,
        )
        .await?;
        for item in &plan.items {
            let d = &item.descriptor;
            if !written.insert(d.digest.clone()) {
                continue;
            }
            if let Some(bytes) = item.content() {
                d.verify(bytes).map_err(|e| one(spec::Error::from(e)))?;
                sink.file(&blob_path(&d.digest), bytes).await.map_err(one)?;
            } else if d.urls.is_empty()
                || !ociscope_core::media_type::is_nondistributable(&d.media_type)
            {
                let mut reader = src.get_blob(src_repo, &d.digest).await.map_err(one)?;
                sink.put(&tar_header(&blob_path(&d.digest), d.size).map_err(one)?)
                    .await
                    .map_err(one)?;
                let mut n = 0u64;
                while let Some(chunk) = reader.next_chunk().await.map_err(one)? {
                    n += chunk.len() as u64;
                    if n > d.size {
                        break;
                    }
                    sink.put(&chunk).await.map_err(one)?;
                }
                if n != d.size {
                    return Err(one(spec::Error::Digest(
                        ociscope_core::DigestError::SizeMismatch {
                            digest: d.digest.clone(),
                            expected: d.size,
                            actual: n,
                        },
                    )));
                }
                sink.pad().await.map_err(one)?;
            } else {
                continue;
            }
            report.blobs += 1;
            report.blob_bytes += d.size;
        }
        // index.json: the root, once per name (or once without one).
        let mut root = plan.source.clone();
        root.platform = None;
        root.annotations.clear();
        // Each name as given, with its tag when it parses as a reference.
        let names: Vec<Option<(String, Option<String>)>> = if image.names.is_empty() {
            vec![None]
        } else {
            image
                .names
                .iter()
                .map(|n| {
                    let tag = Reference::parse_normalized(n)
                        .ok()
                        .and_then(|r| r.tag().map(str::to_string));
                    Some((n.clone(), tag))
                })
                .collect()
        };
        for name in &names {
            let mut entry = root.clone();
            if let Some((full, tag)) = name {
                entry.annotations.insert(IMAGE_NAME.into(), full.clone());
                if let Some(t) = tag {
                    entry.annotations.insert(REF_NAME.into(), t.clone());
                }
            }
            index_entries.push(entry);
        }
        // manifest.json: each image manifest with a config, in plan order.
        for item in &plan.items {
            let Some(bytes) = item.content() else {
                continue;
            };
            let Ok(m) = Manifest::parse(bytes, Some(&item.descriptor.media_type)) else {
                continue;
            };
            let Some(config) = m.config() else { continue };
            if m.subject().is_some() || !ociscope_core::media_type::is_config(&config.media_type) {
                continue;
            }
            let repo_tags: Vec<String> = names
                .iter()
                .flatten()
                .filter(|(_, tag)| tag.is_some())
                .map(|(full, _)| full.clone())
                .filter(|n| tagged.insert(n.clone()))
                .collect();
            docker_entries.push(json!({
                "Config": blob_path(&config.digest),
                "RepoTags": repo_tags,
                "Layers": m.layers().iter().map(|l| blob_path(&l.digest)).collect::<Vec<_>>(),
            }));
        }
    }
    let index = json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": index_entries,
    });
    let index = serde_json::to_vec(&index).map_err(|e| one(spec::Error::invalid(e.to_string())))?;
    sink.file("index.json", &index).await.map_err(one)?;
    report.docker_images = docker_entries.len();
    let docker = serde_json::to_vec(&Value::Array(docker_entries))
        .map_err(|e| one(spec::Error::invalid(e.to_string())))?;
    sink.file("manifest.json", &docker).await.map_err(one)?;
    sink.put(&[0u8; 1024]).await.map_err(one)?;
    report.tar_bytes = sink.written;
    Ok(report)
}

/// A single failure as a copy error.
fn one(e: impl Into<spec::Error>) -> CopyError {
    CopyError {
        failures: vec![crate::copy::Failure {
            item: "archive".into(),
            digest: None,
            error: e.into(),
        }],
        tags_pushed: Vec::new(),
    }
}

/// Which layout a tarball has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArchiveFormat {
    /// An OCI image layout (`oci-layout`, `index.json`; Docker 25+ `docker save` too).
    OciLayout,
    /// The classic `docker save` layout (`manifest.json` only): manifests synthesized.
    DockerSave,
}

/// An image found in a tarball.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundImage {
    /// Its manifest or index (a synthesized manifest for `docker save` tars).
    pub descriptor: Descriptor,
    /// The names it was saved under (full references or bare tags, as written).
    pub names: Vec<String>,
    /// Its platforms: an index's entries, or the one its config names.
    pub platforms: Vec<Platform>,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    offset: u64,
    size: u64,
}

enum Location {
    Entry(Entry),
    Memory(Bytes),
}

struct Archive<R> {
    source: R,
    format: ArchiveFormat,
    blobs: BTreeMap<Digest, Location>,
    labels: BTreeMap<Digest, Labels>,
    images: Vec<FoundImage>,
}

/// A tarball read in place as a read-only content store (see the module doc). Clones share
/// the index.
pub struct TarStore<R> {
    inner: Rc<Archive<R>>,
}

impl<R> Clone for TarStore<R> {
    fn clone(&self) -> Self {
        TarStore {
            inner: self.inner.clone(),
        }
    }
}

fn tar_error(offset: u64, why: impl std::fmt::Display) -> Error {
    Error::InvalidArgument(format!("not a readable tar at byte {offset}: {why}"))
}

/// Reads tar headers from `source` and lists every regular file by normalized path.
async fn index_entries<R: ReaderAt>(source: &R) -> Result<BTreeMap<String, Entry>, Error> {
    let mut files: BTreeMap<String, Entry> = BTreeMap::new();
    let mut links: Vec<(String, String)> = Vec::new();
    let mut offset = 0u64;
    let mut long_name: Option<String> = None;
    let size = source.size();
    while offset + 512 <= size {
        let block = source.read_at(offset, 512).await?;
        if block.len() != 512 {
            return Err(tar_error(offset, "truncated header"));
        }
        if block.iter().all(|b| *b == 0) {
            break;
        }
        let header = tar::Header::from_byte_slice(&block);
        let expected = header.cksum().map_err(|e| tar_error(offset, e))?;
        let actual: u32 = block
            .iter()
            .enumerate()
            .map(|(i, b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    u32::from(*b)
                }
            })
            .sum();
        if expected != actual {
            return Err(tar_error(offset, "header checksum mismatch"));
        }
        let entry_size = header.entry_size().map_err(|e| tar_error(offset, e))?;
        let data = offset + 512;
        let next = data
            .checked_add(entry_size.div_ceil(512) * 512)
            .ok_or_else(|| tar_error(offset, "entry size overflows"))?;
        if data + entry_size > size {
            return Err(tar_error(offset, "entry runs past the end of the file"));
        }
        let kind = header.entry_type();
        let path = long_name
            .take()
            .unwrap_or_else(|| String::from_utf8_lossy(&header.path_bytes()).into_owned());
        let path = normalize(&path);
        match kind {
            tar::EntryType::XHeader | tar::EntryType::GNULongName => {
                if entry_size > 64 * 1024 {
                    return Err(tar_error(offset, "extended header over 64 KiB"));
                }
                let body = source.read_at(data, entry_size as usize).await?;
                if kind == tar::EntryType::GNULongName {
                    let name = body.split(|b| *b == 0).next().unwrap_or_default();
                    long_name = Some(String::from_utf8_lossy(name).into_owned());
                } else {
                    for ext in tar::PaxExtensions::new(&body).flatten() {
                        if ext.key() == Ok("path") {
                            long_name = ext.value().ok().map(str::to_string);
                        }
                    }
                }
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                files.insert(
                    path,
                    Entry {
                        offset: data,
                        size: entry_size,
                    },
                );
            }
            tar::EntryType::Link | tar::EntryType::Symlink => {
                if let Some(target) = header.link_name_bytes() {
                    let target = String::from_utf8_lossy(&target).into_owned();
                    let target = if kind == tar::EntryType::Symlink && !target.starts_with('/') {
                        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
                        normalize(&format!("{dir}/{target}"))
                    } else {
                        normalize(&target)
                    };
                    links.push((path, target));
                }
            }
            _ => {}
        }
        offset = next;
    }
    for (path, target) in links {
        if let Some(e) = files.get(&target).copied() {
            files.insert(path, e);
        }
    }
    Ok(files)
}

/// `./a//b/../c` → `a/c`.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

async fn read_entry<R: ReaderAt>(source: &R, e: Entry, what: &str) -> Result<Bytes, Error> {
    if e.size > DOC_LIMIT {
        return Err(Error::InvalidArgument(format!(
            "{what} is {} bytes, over the {DOC_LIMIT}-byte limit",
            e.size
        )));
    }
    let bytes = source.read_at(e.offset, e.size as usize).await?;
    if bytes.len() as u64 != e.size {
        return Err(Error::Io(format!("{what}: short read")));
    }
    Ok(bytes)
}

impl<R: ReaderAt> TarStore<R> {
    /// Indexes the tarball in `source` (headers only, plus `index.json` / `manifest.json`
    /// and, for `docker save` tars, the configs). [`Error::InvalidArgument`] for a file that
    /// is not a tar or holds neither layout.
    pub async fn open(source: R) -> Result<TarStore<R>, Error> {
        let files = index_entries(&source).await?;
        let mut blobs: BTreeMap<Digest, Location> = BTreeMap::new();
        for (path, e) in &files {
            if let Some(rest) = path.strip_prefix("blobs/") {
                if let Some((alg, hex)) = rest.split_once('/') {
                    if let Ok(d) = Digest::parse(&format!("{alg}:{hex}")) {
                        blobs.insert(d, Location::Entry(*e));
                    }
                }
            }
        }
        let (format, images) = if let Some(e) = files.get("index.json").copied() {
            let bytes = read_entry(&source, e, "index.json").await?;
            let index: Value = serde_json::from_slice(&bytes)
                .map_err(|e| Error::InvalidArgument(format!("index.json: {e}")))?;
            let mut images: Vec<FoundImage> = Vec::new();
            for m in index
                .get("manifests")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let d: Descriptor = serde_json::from_value(m.clone())
                    .map_err(|e| Error::InvalidArgument(format!("index.json entry: {e}")))?;
                let name = d
                    .annotations
                    .get(IMAGE_NAME)
                    .or(d.annotations.get(REF_NAME))
                    .cloned();
                match images.iter_mut().find(|i| i.descriptor.digest == d.digest) {
                    Some(found) => found.names.extend(name),
                    None => {
                        let mut bare = d.clone();
                        bare.annotations.clear();
                        images.push(FoundImage {
                            descriptor: bare,
                            names: name.into_iter().collect(),
                            platforms: Vec::new(),
                        })
                    }
                }
            }
            (ArchiveFormat::OciLayout, images)
        } else if let Some(e) = files.get("manifest.json").copied() {
            let bytes = read_entry(&source, e, "manifest.json").await?;
            let list: Vec<Value> = serde_json::from_slice(&bytes)
                .map_err(|e| Error::InvalidArgument(format!("manifest.json: {e}")))?;
            let mut images = Vec::new();
            for item in list {
                let image = synthesize(&source, &files, &item, &mut blobs).await?;
                images.push(image);
            }
            (ArchiveFormat::DockerSave, images)
        } else {
            return Err(Error::InvalidArgument(
                "the tar holds neither index.json (OCI layout) nor manifest.json (docker save)"
                    .into(),
            ));
        };
        // Manifests are labelled as a ContentSpec labels them, so referrers (which an OCI
        // layout does not list in index.json) are found by subject.
        let mut labels = BTreeMap::new();
        for (digest, location) in &blobs {
            let bytes = match location {
                Location::Memory(b) => b.clone(),
                Location::Entry(e) if e.size <= LABEL_SCAN_LIMIT => {
                    let first = source.read_at(e.offset, 1).await?;
                    if first.first() != Some(&b'{') {
                        continue;
                    }
                    read_entry(&source, *e, digest.as_str()).await?
                }
                Location::Entry(_) => continue,
            };
            if let Ok(m) = Manifest::parse(&bytes, None) {
                if m.digest() == digest {
                    labels.insert(digest.clone(), manifest_labels(&m));
                }
            }
        }
        let mut store = Archive {
            source,
            format,
            blobs,
            labels,
            images,
        };
        let platforms = {
            let mut all = Vec::new();
            for image in &store.images {
                all.push(platforms_of(&store, &image.descriptor).await);
            }
            all
        };
        for (image, p) in store.images.iter_mut().zip(platforms) {
            image.platforms = p;
        }
        Ok(TarStore {
            inner: Rc::new(store),
        })
    }

    /// The tarball's layout.
    pub fn format(&self) -> ArchiveFormat {
        self.inner.format
    }

    /// Every image in the tarball, in the order it lists them.
    pub fn images(&self) -> &[FoundImage] {
        &self.inner.images
    }
}

/// Builds the Docker schema 2 manifest of one `manifest.json` entry.
async fn synthesize<R: ReaderAt>(
    source: &R,
    files: &BTreeMap<String, Entry>,
    item: &Value,
    blobs: &mut BTreeMap<Digest, Location>,
) -> Result<FoundImage, Error> {
    let bad = |why: String| Error::InvalidArgument(format!("manifest.json: {why}"));
    let config_path = item
        .get("Config")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("an entry without Config".into()))?;
    let config_entry = *files
        .get(&normalize(config_path))
        .ok_or_else(|| bad(format!("{config_path} is not in the tar")))?;
    let config = read_entry(source, config_entry, config_path).await?;
    let config_digest = Digest::sha256_of(&config);
    blobs.insert(config_digest.clone(), Location::Entry(config_entry));
    let parsed: Value =
        serde_json::from_slice(&config).map_err(|e| bad(format!("{config_path}: {e}")))?;
    let diff_ids: Vec<&str> = parsed
        .pointer("/rootfs/diff_ids")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let layer_paths: Vec<&str> = item
        .get("Layers")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if layer_paths.len() != diff_ids.len() {
        return Err(bad(format!(
            "{} layers but the config lists {} diff_ids",
            layer_paths.len(),
            diff_ids.len()
        )));
    }
    let mut layers = Vec::new();
    for (path, diff_id) in layer_paths.iter().zip(&diff_ids) {
        let entry = *files
            .get(&normalize(path))
            .ok_or_else(|| bad(format!("layer {path} is not in the tar")))?;
        let digest = Digest::parse(diff_id).map_err(|e| bad(format!("diff_id {diff_id}: {e}")))?;
        blobs.insert(digest.clone(), Location::Entry(entry));
        layers.push(
            json!({"mediaType": DOCKER_LAYER_TAR, "size": entry.size, "digest": digest.as_str()}),
        );
    }
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": DOCKER_MANIFEST_V2,
        "config": {"mediaType": DOCKER_CONFIG, "size": config.len(), "digest": config_digest.as_str()},
        "layers": layers,
    });
    let bytes = Bytes::from(serde_json::to_vec(&manifest).map_err(|e| bad(e.to_string()))?);
    let digest = Digest::sha256_of(&bytes);
    let descriptor = Descriptor::new(DOCKER_MANIFEST_V2, digest.clone(), bytes.len() as u64);
    blobs.insert(digest, Location::Memory(bytes));
    let names = item
        .get("RepoTags")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Ok(FoundImage {
        descriptor,
        names,
        platforms: Vec::new(),
    })
}

async fn read_location<R: ReaderAt>(a: &Archive<R>, digest: &Digest) -> Option<Bytes> {
    match a.blobs.get(digest)? {
        Location::Memory(b) => Some(b.clone()),
        Location::Entry(e) => read_entry(&a.source, *e, digest.as_str()).await.ok(),
    }
}

/// An image's platforms: an index's entries, or the one its config names.
async fn platforms_of<R: ReaderAt>(a: &Archive<R>, d: &Descriptor) -> Vec<Platform> {
    let Some(bytes) = read_location(a, &d.digest).await else {
        return Vec::new();
    };
    let Ok(m) = Manifest::parse(&bytes, Some(&d.media_type)) else {
        return Vec::new();
    };
    if !m.manifests().is_empty() {
        return m
            .manifests()
            .iter()
            .filter_map(|c| c.platform.clone())
            .collect();
    }
    let Some(config) = m.config() else {
        return Vec::new();
    };
    read_location(a, &config.digest)
        .await
        .and_then(|b| ImageConfig::from_json(&b))
        .and_then(|c| c.platform())
        .into_iter()
        .collect()
}

fn read_only(what: &str) -> Error {
    Error::ReadOnly(format!("a tarball cannot {what}"))
}

impl<R: ReaderAt> Manager for TarStore<R> {
    async fn info(&self, digest: &Digest) -> Result<Info, Error> {
        let size = match self.inner.blobs.get(digest) {
            Some(Location::Entry(e)) => e.size,
            Some(Location::Memory(b)) => b.len() as u64,
            None => return Err(Error::content_not_found(digest)),
        };
        Ok(Info {
            digest: digest.clone(),
            size,
            created: Timestamp(0),
            updated: Timestamp(0),
            labels: self.inner.labels.get(digest).cloned().unwrap_or_default(),
        })
    }

    async fn update(&self, _info: &Info, _fieldpaths: &[&str]) -> Result<Info, Error> {
        Err(read_only("change labels"))
    }

    async fn walk(&self, filter: &Filter) -> Result<Vec<Info>, Error> {
        let mut out = Vec::new();
        for d in self.inner.blobs.keys() {
            let info = self.info(d).await?;
            if filter.matches(&info) {
                out.push(info);
            }
        }
        Ok(out)
    }

    async fn delete(&self, _digest: &Digest) -> Result<(), Error> {
        Err(read_only("delete content"))
    }
}

/// Reads one entry of a tarball (or a synthesized manifest).
pub struct TarReader<R> {
    archive: Rc<Archive<R>>,
    offset: u64,
    size: u64,
    memory: Option<Bytes>,
}

impl<R: ReaderAt> ReaderAt for TarReader<R> {
    fn size(&self) -> u64 {
        self.size
    }

    async fn read_at(&self, offset: u64, len: usize) -> Result<Bytes, Error> {
        if let Some(b) = &self.memory {
            return b.read_at(offset, len).await;
        }
        if offset >= self.size {
            return Ok(Bytes::new());
        }
        let len = usize::try_from(self.size - offset)
            .unwrap_or(usize::MAX)
            .min(len);
        self.archive.source.read_at(self.offset + offset, len).await
    }

    /// The entry's bytes in the tarball, when it is stored there (not made in memory) and
    /// the tarball's source has external bytes: a push then sends the layer straight from
    /// the file.
    fn external(&self) -> Option<ociscope_core::client::External> {
        if self.memory.is_some() {
            return None;
        }
        let all = self.archive.source.external()?;
        let end = self.offset.checked_add(self.size)?;
        (end <= all.len()).then(|| all.slice(self.offset, end))
    }
}

impl<R: ReaderAt> Provider for TarStore<R> {
    type Reader = TarReader<R>;

    async fn reader_at(&self, digest: &Digest) -> Result<TarReader<R>, Error> {
        let (offset, size, memory) = match self.inner.blobs.get(digest) {
            Some(Location::Entry(e)) => (e.offset, e.size, None),
            Some(Location::Memory(b)) => (0, b.len() as u64, Some(b.clone())),
            None => return Err(Error::content_not_found(digest)),
        };
        Ok(TarReader {
            archive: self.inner.clone(),
            offset,
            size,
            memory,
        })
    }
}

/// The writer of a read-only store: there is none.
pub enum NoWriter {}

impl Writer for NoWriter {
    fn reference(&self) -> &str {
        match *self {}
    }
    fn status(&self) -> Status {
        match *self {}
    }
    fn digest(&self) -> Digest {
        match *self {}
    }
    async fn write(&mut self, _data: &[u8]) -> Result<(), Error> {
        match *self {}
    }
    async fn truncate(&mut self, _size: u64) -> Result<(), Error> {
        match *self {}
    }
    async fn commit(
        &mut self,
        _: Option<u64>,
        _: Option<&Digest>,
        _: Labels,
    ) -> Result<Info, Error> {
        match *self {}
    }
    async fn close(&mut self) -> Result<Status, Error> {
        match *self {}
    }
}

impl<R: ReaderAt> Ingester for TarStore<R> {
    type Writer = NoWriter;

    async fn writer(&self, _options: &WriterOptions) -> Result<NoWriter, Error> {
        Err(read_only("be written"))
    }
}

impl<R: ReaderAt> IngestManager for TarStore<R> {
    async fn status(&self, reference: &str) -> Result<Status, Error> {
        Err(Error::ingest_not_found(reference))
    }

    async fn list_statuses(&self, _filter: &StatusFilter) -> Result<Vec<Status>, Error> {
        Ok(Vec::new())
    }

    async fn abort(&self, reference: &str) -> Result<(), Error> {
        Err(Error::ingest_not_found(reference))
    }
}

/// Pushes one image of a tarball to `dst_repo` in `dst` and tags it: a copy
/// ([`copy_image`]) from the tarball seen as a `Spec`, so blobs the registry has are skipped
/// and progress is reported; `options.tags` are pushed last.
pub async fn push_archive_image<R: ReaderAt, D: Spec>(
    archive: &TarStore<R>,
    image: &FoundImage,
    dst: &D,
    dst_repo: &RepoName,
    options: &CopyOptions,
    progress: &dyn Fn(&Progress),
) -> Result<CopyReport, CopyError> {
    let view = ContentSpec::with_names(archive.clone(), Names::new());
    let repo = RepoName::new("archive").map_err(one)?;
    copy_image(
        &view,
        &repo,
        &ManifestRef::Digest(image.descriptor.digest.clone()),
        dst,
        dst_repo,
        options,
        progress,
    )
    .await
}

/// The tag of a name as `docker save` or an OCI layout writes it (`repo:tag`, a full
/// reference, or a bare tag), when it has one.
pub fn tag_of(name: &str) -> Option<Tag> {
    match Reference::parse_normalized(name) {
        Ok(r) => r.tag().and_then(|t| Tag::new(t).ok()),
        Err(_) => Tag::new(name).ok(),
    }
}

/// Reads a whole small blob of a tarball (a manifest, a config), verified.
pub async fn read_small<R: ReaderAt>(
    archive: &TarStore<R>,
    digest: &Digest,
) -> Result<Bytes, Error> {
    read_blob(archive, digest, DOC_LIMIT).await
}

/// The option keys a caller may want for a tarball's images: tag names.
pub fn tags_of(image: &FoundImage) -> Vec<Tag> {
    image.names.iter().filter_map(|n| tag_of(n)).collect()
}

impl std::fmt::Debug for NoWriter {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {}
    }
}
