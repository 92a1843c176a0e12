//! Upload files to a registry: each file's bytes as a blob, sent in chunks through a resumable
//! upload, then an OCI artifact manifest naming them (the shape `oras push a b c` makes),
//! optionally tagged and optionally attached to an existing manifest as a referrer.
//!
//! Rules:
//! - **One read.** The sha256 is computed while the bytes go out: each chunk is hashed, and
//!   the next one read, while the writer sends (in a browser the request runs beside the page's
//!   code, so reading, hashing and sending overlap), in pieces of 1 MiB so that a page's main
//!   thread is never held long. A [`ChunkSource`] hands out
//!   slices (a browser `File`, bytes in memory, a native file), so a 10 GiB file keeps memory
//!   at one chunk.
//! - **Chunks** are [`CHUNK_SIZE`] (5 MiB, the S3 multipart minimum many registries' storage
//!   needs anyway) unless told, raised to the registry's minimum by the writer.
//! - **Bytes the transport reads itself.** A source with [external](ChunkSource::external)
//!   bytes (a picked file in a browser) over a writer that
//!   [takes them](BlobWriter::takes_external) (Fetch) is sent as slices of the file, which the
//!   browser reads from disk, in chunks of [`EXTERNAL_CHUNK_SIZE`] (64 MiB) unless told. The
//!   page reads the file only to hash it, 1 MiB at a time, from start to end beside the
//!   requests: neither waits for the other (a chunk is sent before the page has hashed it),
//!   and only the commit waits for the digest; retries and resumes re-hash nothing. So the
//!   disk is read once by the page and once by the browser's network code (the second from
//!   the OS's cache), nothing of the file stays in memory, and a 512 MiB upload needs 8
//!   requests instead of 103. Progress counts what the registry holds, so it can stand at the
//!   whole size for as long as the hash is behind.
//! - **Failures resume.** A write or commit that fails with a transient error (network, 429,
//!   502–504, `RANGE_INVALID`, `BLOB_UPLOAD_INVALID`) is retried up to
//!   [`UploadOptions::retries`] times by resuming the same upload where the registry stands
//!   ([`ResumeAt::RegistryOffset`]) and reading the source again from there. The digest state
//!   is kept at the last chunk boundaries, so a resume at one re-hashes nothing; elsewhere the
//!   part the registry holds is re-hashed from the source (local reads, no network).
//!   When the registry no longer holds the upload (`BLOB_UPLOAD_UNKNOWN`, or
//!   `BLOB_UPLOAD_INVALID` when resuming it: CNCF distribution 2.8 cancels an upload whose
//!   request broke off mid-body), a retry starts the upload over.
//! - What still fails closes the writer without aborting it: [`Interrupted::resume`] says where
//!   to continue later ([`UploadOptions::resume`]). A failed source read is not retried (the
//!   file may have changed) but stays resumable the same way.
//! - **Cancel** is checked before each chunk; it cancels the upload and keeps nothing.
//! - **The artifact**: the OCI empty config (`application/vnd.oci.empty.v1+json`, `{}`,
//!   embedded as `data` and pushed too), artifactType [`FILE_ARTIFACT_TYPE`] unless told (the
//!   type `oras push` gives files of no declared type), one layer per file in the order given,
//!   with the file's media type (else `application/octet-stream`) and
//!   `org.opencontainers.image.title` = its name, so `oras pull` restores the files. No files
//!   give one empty layer (an OCI manifest has at least one). Names must be non-empty and
//!   unique. With a `subject` the artifact is a referrer of that manifest (which need not
//!   exist yet, distribution-spec v1.1). Without tags it is pushed by digest.

use std::cell::Cell;
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::fmt;

use bytes::Bytes;
use futures::FutureExt;
use ociscope_core::client::External;
use ociscope_core::digest::{Algorithm, Digester};
use ociscope_core::manifest::ImageManifest;
use ociscope_core::spec::{BlobWriter, Error, ErrorKind, RepoName, Resumable, ResumeAt, Spec, Tag};
use ociscope_core::{media_type, Descriptor, Digest, ErrorCode};

use crate::copy::{is_transient, SMALL_BLOB};

/// Chunk size asked of the registry unless told (raised to its minimum): 5 MiB.
pub const CHUNK_SIZE: usize = 5 * 1024 * 1024;

/// Chunk size asked of the registry for bytes the transport reads itself (a picked file sent
/// by `fetch` from disk): 64 MiB. None of them are in the page's memory, so a large request
/// costs nothing there, and each request has a fixed cost at the registry (CNCF distribution
/// takes 5 MiB chunks at 73 MiB/s and 64 MiB ones at 119 MiB/s) and in the browser (a CORS
/// preflight for each new upload URL). A registry that refuses large requests lowers it.
pub const EXTERNAL_CHUNK_SIZE: usize = 64 * 1024 * 1024;

/// The artifactType of uploaded files (as `oras push` names files of no declared type).
pub const FILE_ARTIFACT_TYPE: &str = "application/vnd.unknown.artifact.v1";

/// The annotation holding a layer's file name.
pub const TITLE: &str = "org.opencontainers.image.title";

/// Media type of a file that declares none.
pub const DEFAULT_FILE_TYPE: &str = "application/octet-stream";

/// Bytes read, hashed and handed to the writer at a time: 1 MiB (a page's main thread is never
/// held longer than hashing this much takes).
const PIECE: u64 = 1024 * 1024;

/// Digest states kept at chunk boundaries, for resuming without re-hashing.
const CHECKPOINTS: usize = 4;

/// Where bytes come from: a browser `File`, memory, a native file.
#[allow(async_fn_in_trait)] // No Send bounds: wasm is single-threaded.
pub trait ChunkSource {
    /// The total size in bytes.
    fn len(&self) -> u64;

    /// True when there are no bytes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes `start..end` (within `0..len()`), all of them.
    async fn read(&self, start: u64, end: u64) -> Result<Bytes, Error>;

    /// All of the source as bytes the transport reads itself (a browser `Blob`), where it has
    /// them: an upload over a writer that [takes them](BlobWriter::takes_external) sends them
    /// so, and reads the source only to hash it.
    fn external(&self) -> Option<External> {
        None
    }
}

/// `InvalidArgument` for a range outside `0..len`.
fn out_of_range(start: u64, end: u64, len: u64) -> Error {
    Error::invalid(format!(
        "cannot read bytes {start}..{end} of a {len}-byte source"
    ))
}

impl ChunkSource for Bytes {
    fn len(&self) -> u64 {
        Bytes::len(self) as u64
    }

    async fn read(&self, start: u64, end: u64) -> Result<Bytes, Error> {
        if start > end || end > ChunkSource::len(self) {
            return Err(out_of_range(start, end, ChunkSource::len(self)));
        }
        Ok(self.slice(start as usize..end as usize))
    }
}

impl ChunkSource for Vec<u8> {
    fn len(&self) -> u64 {
        Vec::len(self) as u64
    }

    async fn read(&self, start: u64, end: u64) -> Result<Bytes, Error> {
        self.get(start as usize..end as usize)
            .map(Bytes::copy_from_slice)
            .ok_or_else(|| out_of_range(start, end, ChunkSource::len(self)))
    }
}

impl<T: ChunkSource> ChunkSource for &T {
    fn len(&self) -> u64 {
        (**self).len()
    }

    async fn read(&self, start: u64, end: u64) -> Result<Bytes, Error> {
        (**self).read(start, end).await
    }
}

/// A file on disk as a [`ChunkSource`] (native targets).
#[cfg(not(target_arch = "wasm32"))]
pub struct FileSource {
    file: std::cell::RefCell<std::fs::File>,
    len: u64,
}

#[cfg(not(target_arch = "wasm32"))]
impl FileSource {
    /// Opens `path` for reading; its length is taken now.
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<FileSource, Error> {
        let path = path.as_ref();
        let fail =
            |e: std::io::Error| Error::invalid(format!("cannot read {}: {e}", path.display()));
        let file = std::fs::File::open(path).map_err(fail)?;
        let len = file.metadata().map_err(fail)?.len();
        Ok(FileSource {
            file: std::cell::RefCell::new(file),
            len,
        })
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl ChunkSource for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    async fn read(&self, start: u64, end: u64) -> Result<Bytes, Error> {
        use std::io::{Read, Seek, SeekFrom};
        if start > end || end > self.len {
            return Err(out_of_range(start, end, self.len));
        }
        let mut buf = vec![0; (end - start) as usize];
        let mut file = self.file.borrow_mut();
        file.seek(SeekFrom::Start(start))
            .and_then(|_| file.read_exact(&mut buf))
            .map_err(|e| Error::invalid(format!("cannot read bytes {start}..{end}: {e}")))?;
        Ok(Bytes::from(buf))
    }
}

/// How to upload one blob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadOptions {
    /// Chunk-size hint (default [`CHUNK_SIZE`]), raised to the registry's minimum.
    pub chunk_size: usize,
    /// Chunk-size hint when the source's bytes go as [external](ChunkSource::external) ones
    /// (default [`EXTERNAL_CHUNK_SIZE`]).
    pub external_chunk_size: usize,
    /// Continue this interrupted upload instead of starting one.
    pub resume: Option<Resumable>,
    /// Times a transient failure is resumed automatically (default 3).
    pub retries: u32,
}

impl Default for UploadOptions {
    fn default() -> Self {
        UploadOptions {
            chunk_size: CHUNK_SIZE,
            external_chunk_size: EXTERNAL_CHUNK_SIZE,
            resume: None,
            retries: 3,
        }
    }
}

/// An upload that stopped before its commit.
#[derive(Debug, Clone)]
pub struct Interrupted {
    /// Why it stopped.
    pub error: Error,
    /// Where to resume from, when the registry kept the upload.
    pub resume: Option<Resumable>,
}

impl From<Error> for Interrupted {
    fn from(error: Error) -> Interrupted {
        Interrupted {
            error,
            resume: None,
        }
    }
}

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "upload interrupted: {}", self.error)?;
        if let Some(r) = &self.resume {
            write!(f, " (resumable at byte {})", r.offset)?;
        }
        Ok(())
    }
}

impl std::error::Error for Interrupted {}

/// Is this failure worth resuming the upload for?
fn transient(e: &Error) -> bool {
    is_transient(e)
        || e.has_code(ErrorCode::RangeInvalid)
        || e.has_code(ErrorCode::BlobUploadInvalid)
}

/// Is this the registry saying it no longer holds (or will not continue) the upload?
fn gone(e: &Error) -> bool {
    e.has_code(ErrorCode::BlobUploadUnknown) || e.has_code(ErrorCode::BlobUploadInvalid)
}

/// Closes `writer` after `error`, keeping the upload resumable where the registry allows.
async fn stop(writer: &mut impl BlobWriter, error: Error) -> Interrupted {
    Interrupted {
        error,
        resume: writer.close().await.ok(),
    }
}

/// The digest state over `source`'s first `upto` bytes.
async fn hash_prefix(
    source: &impl ChunkSource,
    upto: u64,
    checkpoints: &VecDeque<(u64, Digester)>,
) -> Result<Digester, Error> {
    if let Some((_, d)) = checkpoints.iter().find(|(at, _)| *at == upto) {
        return Ok(d.clone());
    }
    let mut digester = Digester::new(Algorithm::Sha256);
    let mut hashed = 0;
    while hashed < upto {
        let end = (hashed + PIECE).min(upto);
        digester.update(&read_exact(source, hashed, end).await?);
        hashed = end;
    }
    Ok(digester)
}

/// Total length of `pieces`.
fn pieces_len(pieces: &[Bytes]) -> u64 {
    pieces.iter().map(|p| p.len() as u64).sum()
}

/// Reads `start..end` in pieces of [`PIECE`] bytes.
async fn read_pieces(source: &impl ChunkSource, start: u64, end: u64) -> Result<Vec<Bytes>, Error> {
    let mut pieces = Vec::new();
    let mut at = start;
    while at < end {
        let e = (at + PIECE).min(end);
        pieces.push(read_exact(source, at, e).await?);
        at = e;
    }
    Ok(pieces)
}

/// Reads `start..end`, refusing a source that gives another length.
async fn read_exact(source: &impl ChunkSource, start: u64, end: u64) -> Result<Bytes, Error> {
    let bytes = source.read(start, end).await?;
    if bytes.len() as u64 != end - start {
        return Err(Error::invalid(format!(
            "the source gave {} bytes for {start}..{end}: it changed while being read",
            bytes.len()
        )));
    }
    Ok(bytes)
}

/// Sends `source` to `repo` as one blob and returns its descriptor (see the module doc).
/// `progress` hears the bytes the registry has taken so far; setting `cancel` stops at the
/// next chunk and cancels the upload.
pub async fn upload_blob<S: Spec>(
    spec: &S,
    repo: &RepoName,
    source: &impl ChunkSource,
    options: &UploadOptions,
    progress: &dyn Fn(u64),
    cancel: &Cell<bool>,
) -> Result<Descriptor, Interrupted> {
    let observe = |p: &UploadProgress<'_>| progress(p.sent);
    upload_blob_observed(spec, repo, source, options, &observe, cancel).await
}

/// Where an upload stands, as [`upload_blob_observed`] reports it after each chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadProgress<'a> {
    /// Bytes the registry holds so far (what is read and hashed but held back for the next
    /// request is not counted), all of them once the upload is committed.
    pub sent: u64,
    /// The source's size.
    pub total: u64,
    /// The upload's id (its latest `Location`): what resumes it later, from another page too.
    pub id: &'a str,
}

/// [`upload_blob`], telling `progress` also the upload's id, which a record of the upload
/// needs to resume it after a reload.
pub async fn upload_blob_observed<S: Spec>(
    spec: &S,
    repo: &RepoName,
    source: &impl ChunkSource,
    options: &UploadOptions,
    progress: &dyn Fn(&UploadProgress<'_>),
    cancel: &Cell<bool>,
) -> Result<Descriptor, Interrupted> {
    // The source's bytes as external ones, sent when the writer takes them (decided once it
    // is open; a writer that does not gets the source's bytes read into memory instead).
    let external = source.external().filter(|e| e.len() == source.len());
    let hint = Some(match external {
        Some(_) => options.external_chunk_size.max(1),
        None => options.chunk_size.max(1),
    });
    let mut writer = match &options.resume {
        Some(r) => {
            spec.resume_upload(repo, &r.id, ResumeAt::RegistryOffset, hint)
                .await?
        }
        None => spec.start_upload(repo, hint).await?,
    };
    let total = source.len();
    // Bytes the transport reads itself: the page hashes the whole source once, beside the
    // requests rather than chunk by chunk with them (neither waits for the other), and only
    // the commit waits for the digest. A resume or a retry re-hashes nothing.
    let offered = external.is_some();
    let external = external.filter(|_| writer.takes_external());
    let no_checkpoints = VecDeque::new();
    let whole = external
        .is_some()
        .then(|| Box::pin(hash_prefix(source, total, &no_checkpoints)).shared());
    let sending = async {
        let mut checkpoints: VecDeque<(u64, Digester)> = VecDeque::new();
        let mut retries = options.retries;
        // Where the registry stands, and the digest over the bytes before it.
        let mut position = writer.size();
        let mut digester = None;
        loop {
            if position > total {
                let _ = writer.cancel().await;
                return Err(Error::invalid(format!(
                    "the registry holds {position} bytes of this upload, more than the source's \
                     {total}: it is another file's upload; start again"
                ))
                .into());
            }
            let mut state = match digester.take() {
                Some(d) => d,
                // Unused: the whole source is hashed apart.
                None if whole.is_some() => Digester::new(Algorithm::Sha256),
                None => match hash_prefix(source, position, &checkpoints).await {
                    Ok(d) => d,
                    Err(e) => return Err(stop(&mut writer, e).await),
                },
            };
            progress(&UploadProgress {
                sent: position,
                total,
                id: writer.id(),
            });
            // The next chunk, read while the current one was on its way: (its start, its pieces).
            let mut ahead: Option<(u64, Vec<Bytes>)> = None;
            let failure = loop {
                if cancel.get() {
                    let _ = writer.cancel().await;
                    return Err(Error::other(
                        ErrorKind::Aborted,
                        "upload cancelled; nothing was kept",
                    )
                    .into());
                }
                if position == total {
                    let digest = match &whole {
                        Some(whole) => match whole.clone().await {
                            Ok(d) => d.current(),
                            Err(e) => return Err(stop(&mut writer, e).await),
                        },
                        None => state.current(),
                    };
                    match writer.commit(&digest).await {
                        Ok(d) => {
                            progress(&UploadProgress {
                                sent: total,
                                total,
                                id: writer.id(),
                            });
                            return Ok(d);
                        }
                        Err(e) => break e,
                    }
                }
                let step = writer.chunk_size().max(1) as u64;
                let end = (position + step).min(total);
                if let Some(bytes) = &external {
                    // The transport reads these bytes itself; the page hashes them apart.
                    if let Err(e) = writer.write_external(bytes.slice(position, end)).await {
                        break e;
                    }
                    position = end;
                    progress(&UploadProgress {
                        sent: writer.stored(),
                        total,
                        id: writer.id(),
                    });
                    continue;
                }
                // A writer that takes no external bytes (an in-page memory registry) was given the
                // external chunk size as its hint: the source is still read a usual chunk at a
                // time, so the page never holds two 64 MiB chunks.
                let step = match offered {
                    true => step.min(options.chunk_size.max(1) as u64),
                    false => step,
                };
                let end = (position + step).min(total);
                let pieces = match ahead.take() {
                    Some((at, pieces))
                        if at == position && pieces_len(&pieces) == end - position =>
                    {
                        pieces
                    }
                    _ => match read_pieces(source, position, end).await {
                        Ok(p) => p,
                        Err(e) => return Err(stop(&mut writer, e).await),
                    },
                };
                // While the writer sends (a browser's fetch runs beside this code), hash this
                // chunk and read the next, a piece of each in turn: the network never waits for
                // the disk or the hash, and each await on a read lets the page's event loop run.
                let next_end = (end + step).min(total);
                let (written, read) = futures::future::join(
                    async {
                        for piece in &pieces {
                            writer.write(piece).await?;
                        }
                        Ok::<(), Error>(())
                    },
                    async {
                        let mut next = Vec::new();
                        let mut at = end;
                        let mut hashed = pieces.iter();
                        loop {
                            let hashing = hashed.next();
                            if let Some(piece) = hashing {
                                state.update(piece);
                            }
                            if at < next_end {
                                let e = (at + PIECE).min(next_end);
                                next.push(read_exact(source, at, e).await?);
                                at = e;
                            } else if hashing.is_none() {
                                return Ok::<_, Error>(next);
                            }
                        }
                    },
                )
                .await;
                if let Err(e) = written {
                    break e;
                }
                ahead = match read {
                    Ok(next) if next.is_empty() => None,
                    Ok(next) => Some((end, next)),
                    Err(e) => return Err(stop(&mut writer, e).await),
                };
                position = end;
                if checkpoints.len() == CHECKPOINTS {
                    checkpoints.pop_front();
                }
                checkpoints.push_back((position, state.clone()));
                progress(&UploadProgress {
                    sent: writer.stored(),
                    total,
                    id: writer.id(),
                });
            };
            if retries == 0 || !transient(&failure) {
                return Err(stop(&mut writer, failure).await);
            }
            retries -= 1;
            let id = writer.id().to_string();
            match spec
                .resume_upload(repo, &id, ResumeAt::RegistryOffset, hint)
                .await
            {
                Ok(w) => writer = w,
                // The registry dropped the upload (CNCF distribution 2.8 cancels one whose request
                // broke off mid-body): start it over, since the source is still here.
                Err(e) if gone(&e) => match spec.start_upload(repo, hint).await {
                    Ok(w) => {
                        writer = w;
                        checkpoints.clear();
                    }
                    Err(_) => return Err(stop(&mut writer, failure).await),
                },
                Err(_) => return Err(stop(&mut writer, failure).await),
            }
            position = writer.size();
        }
    };
    let Some(whole) = &whole else {
        return sending.await;
    };
    // Drives the hash while the requests go. It ends the select only when it fails (the file
    // could not be read: moved, changed): the upload then stops there rather than sending the
    // rest first, and stays resumable. Otherwise the select ends with the upload (and drops
    // what is left of the hash if the upload stops first).
    let hashing = whole.clone().then(|hashed| async move {
        match hashed {
            Err(e) => e,
            Ok(_) => futures::future::pending().await,
        }
    });
    let sending = Box::pin(sending);
    futures::pin_mut!(hashing);
    let failed = match futures::future::select(sending, hashing).await {
        futures::future::Either::Left((done, _)) => return done,
        futures::future::Either::Right((failed, sending)) => {
            drop(sending);
            failed
        }
    };
    Err(stop(&mut writer, failed).await)
}

/// One file of an artifact.
#[derive(Clone, Debug)]
pub struct FileEntry<C> {
    /// Its name, stored as `org.opencontainers.image.title`.
    pub name: String,
    /// Its media type (default `application/octet-stream`).
    pub media_type: Option<String>,
    /// Its bytes.
    pub source: C,
}

/// What the artifact manifest says besides its files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ArtifactOptions {
    /// The artifactType (default [`FILE_ARTIFACT_TYPE`]).
    pub artifact_type: Option<String>,
    /// Manifest annotations.
    pub annotations: BTreeMap<String, String>,
    /// The manifest this artifact refers to (makes it a referrer).
    pub subject: Option<Descriptor>,
    /// Tags for the artifact; none: pushed by digest.
    pub tags: Vec<Tag>,
    /// Upload chunk-size hint for large files (default [`CHUNK_SIZE`]).
    pub chunk_size: Option<usize>,
}

/// The artifact manifest over `layers` (each file's descriptor with its title); see the
/// module doc. `Error::invalid` for a bad artifactType.
pub fn artifact_manifest(layers: &[Descriptor], options: &ArtifactOptions) -> Result<Bytes, Error> {
    let artifact_type = options
        .artifact_type
        .clone()
        .unwrap_or_else(|| FILE_ARTIFACT_TYPE.to_string());
    if !media_type::is_valid(&artifact_type) {
        return Err(Error::invalid(format!(
            "artifactType {artifact_type:?} is not a media type (type/subtype)"
        )));
    }
    let layers = if layers.is_empty() {
        vec![Descriptor::empty()]
    } else {
        layers.to_vec()
    };
    let manifest = ImageManifest {
        schema_version: 2,
        media_type: Some(media_type::OCI_MANIFEST.to_string()),
        artifact_type: Some(artifact_type),
        config: Descriptor::empty(),
        layers,
        subject: options.subject.clone(),
        annotations: options.annotations.clone(),
        extra: BTreeMap::new(),
    };
    serde_json::to_vec(&manifest)
        .map(Bytes::from)
        .map_err(|e| Error::invalid(format!("cannot write the artifact manifest: {e}")))
}

/// Pushes the empty config and the artifact manifest over `layers` (already in `repo`).
pub async fn push_artifact_manifest<S: Spec>(
    spec: &S,
    repo: &RepoName,
    layers: &[Descriptor],
    options: &ArtifactOptions,
) -> Result<Descriptor, Error> {
    let content = artifact_manifest(layers, options)?;
    let empty = Descriptor::empty();
    spec.push_blob(repo, &empty, Bytes::from_static(media_type::empty::CONTENT))
        .await?;
    spec.push_manifest(repo, media_type::OCI_MANIFEST, content, &options.tags)
        .await
}

/// A file's layer descriptor: its media type, digest, size and title.
pub fn file_layer(name: &str, media_type: Option<&str>, blob: &Descriptor) -> Descriptor {
    let mut d = Descriptor::new(
        media_type
            .filter(|m| !m.is_empty())
            .unwrap_or(DEFAULT_FILE_TYPE),
        blob.digest.clone(),
        blob.size,
    );
    d.annotations.insert(TITLE.to_string(), name.to_string());
    d
}

/// What [`push_artifact`] pushed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushedArtifact {
    /// The artifact manifest.
    pub manifest: Descriptor,
    /// One layer per file, in order.
    pub layers: Vec<Descriptor>,
}

/// Uploads `files` into `repo` and pushes one artifact naming them (see the module doc).
/// `progress` hears bytes done and the total over all files; `cancel` stops at the next
/// chunk. An interrupted file upload is resumable with [`upload_blob`].
pub async fn push_artifact<S: Spec, C: ChunkSource>(
    spec: &S,
    repo: &RepoName,
    files: &[FileEntry<C>],
    options: &ArtifactOptions,
    progress: &dyn Fn(u64, u64),
    cancel: &Cell<bool>,
) -> Result<PushedArtifact, Interrupted> {
    let mut names = HashSet::new();
    for f in files {
        if f.name.is_empty() || !names.insert(f.name.as_str()) {
            return Err(Error::invalid(format!(
                "file names must be non-empty and unique; {:?} is not",
                f.name
            ))
            .into());
        }
    }
    artifact_manifest(&[], options)?;
    let total: u64 = files.iter().map(|f| f.source.len()).sum();
    let mut before = 0u64;
    let mut layers = Vec::with_capacity(files.len());
    for f in files {
        let len = f.source.len();
        let blob = if len <= SMALL_BLOB {
            if cancel.get() {
                return Err(Error::other(ErrorKind::Aborted, "upload cancelled").into());
            }
            let bytes = read_exact(&f.source, 0, len).await?;
            let d = Descriptor::new(DEFAULT_FILE_TYPE, Digest::sha256_of(&bytes), len);
            spec.push_blob(repo, &d, bytes).await?
        } else {
            let at = before;
            let on = |n: u64| progress(at + n, total);
            let upload = UploadOptions {
                chunk_size: options.chunk_size.unwrap_or(CHUNK_SIZE),
                ..UploadOptions::default()
            };
            upload_blob(spec, repo, &f.source, &upload, &on, cancel).await?
        };
        before += len;
        progress(before, total);
        layers.push(file_layer(&f.name, f.media_type.as_deref(), &blob));
    }
    let manifest = push_artifact_manifest(spec, repo, &layers, options).await?;
    Ok(PushedArtifact { manifest, layers })
}

/// A broad family of artifact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// A signature over the subject.
    Signature,
    /// A software bill of materials.
    Sbom,
    /// An attestation (provenance, vulnerability scan, …).
    Attestation,
    /// Anything else.
    Other,
}

/// A known artifact type: its name for people and its family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Known {
    /// What people call it.
    pub name: &'static str,
    /// Its family.
    pub family: Family,
}

const KNOWN: &[(&str, &str, Family)] = &[
    (
        "application/vnd.dev.cosign.artifact.sig.v1+json",
        "Cosign signature",
        Family::Signature,
    ),
    (
        "application/vnd.dev.cosign.simplesigning.v1+json",
        "Cosign signature",
        Family::Signature,
    ),
    (
        "application/vnd.dev.sigstore.bundle.v0.3+json",
        "Sigstore bundle",
        Family::Signature,
    ),
    (
        "application/vnd.dev.sigstore.bundle+json;version=0.3",
        "Sigstore bundle",
        Family::Signature,
    ),
    (
        "application/vnd.cncf.notary.signature",
        "Notation signature",
        Family::Signature,
    ),
    ("application/spdx+json", "SBOM (SPDX JSON)", Family::Sbom),
    ("text/spdx", "SBOM (SPDX tag-value)", Family::Sbom),
    (
        "application/vnd.cyclonedx+json",
        "SBOM (CycloneDX JSON)",
        Family::Sbom,
    ),
    (
        "application/vnd.cyclonedx+xml",
        "SBOM (CycloneDX XML)",
        Family::Sbom,
    ),
    (
        "application/vnd.cyclonedx",
        "SBOM (CycloneDX)",
        Family::Sbom,
    ),
    (
        "application/vnd.in-toto+json",
        "in-toto attestation",
        Family::Attestation,
    ),
    (
        "application/vnd.dsse.envelope.v1+json",
        "DSSE attestation envelope",
        Family::Attestation,
    ),
    (
        "application/vnd.dev.cosign.attestation.v1+json",
        "Cosign attestation",
        Family::Attestation,
    ),
];

/// The known artifact type `media_type` (parameters and case ignored), if any.
pub fn known(media_type: &str) -> Option<Known> {
    let lower = media_type.trim().to_ascii_lowercase();
    let essence = lower.split(';').next().unwrap_or_default().trim();
    KNOWN
        .iter()
        .find(|(t, ..)| *t == lower || *t == essence)
        .map(|&(_, name, family)| Known { name, family })
}

/// The name to show for an artifact type: the friendly one, else the type itself.
pub fn friendly_name(media_type: &str) -> String {
    match known(media_type) {
        Some(k) => k.name.to_string(),
        None if media_type.is_empty() => "unknown artifact type".to_string(),
        None => media_type.to_string(),
    }
}

/// The family of an artifact type (`Other` when unknown).
pub fn family(media_type: &str) -> Family {
    known(media_type).map_or(Family::Other, |k| k.family)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn common_types_have_names_and_families() {
        assert_eq!(
            friendly_name("application/vnd.dev.cosign.artifact.sig.v1+json"),
            "Cosign signature"
        );
        assert_eq!(
            family("application/vnd.cncf.notary.signature"),
            Family::Signature
        );
        assert_eq!(
            friendly_name("Application/SPDX+JSON; charset=utf-8"),
            "SBOM (SPDX JSON)"
        );
        assert_eq!(family("application/vnd.in-toto+json"), Family::Attestation);
        assert_eq!(family("application/vnd.example.thing"), Family::Other);
        assert_eq!(friendly_name(""), "unknown artifact type");
    }

    #[test]
    fn the_manifest_has_the_oras_shape() {
        let blob = Descriptor::new("x/y", Digest::sha256_of(b"a"), 1);
        let layer = file_layer("a.txt", Some("text/plain"), &blob);
        let bytes =
            artifact_manifest(std::slice::from_ref(&layer), &ArtifactOptions::default()).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["artifactType"], FILE_ARTIFACT_TYPE);
        assert_eq!(v["config"]["mediaType"], media_type::OCI_EMPTY);
        assert_eq!(v["config"]["data"], "e30=");
        assert_eq!(v["layers"][0]["mediaType"], "text/plain");
        assert_eq!(v["layers"][0]["annotations"][TITLE], "a.txt");
        assert!(v.get("subject").is_none());
        let none = artifact_manifest(&[], &ArtifactOptions::default()).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&none).unwrap();
        assert_eq!(v["layers"][0]["mediaType"], media_type::OCI_EMPTY);
        let bad = ArtifactOptions {
            artifact_type: Some("not a type".into()),
            ..ArtifactOptions::default()
        };
        assert!(artifact_manifest(&[], &bad).is_err());
        assert_eq!(file_layer("b", None, &blob).media_type, DEFAULT_FILE_TYPE);
    }
}
