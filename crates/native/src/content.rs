//! A content store on disk ([`DiskStore`]) for native programs, in the layout of containerd's
//! local store.
//!
//! Layout under the root:
//! - `blobs/<algorithm>/<hex>`: committed content, named by digest, never written in place;
//! - `meta/<algorithm>/<hex>.json`: its timestamps and labels (written to a temporary file
//!   and renamed);
//! - `ingest/<sha256 of the ref>/`: one folder per ingest: `ref` (the ref's text),
//!   `status.json` (expected digest and size, start time) and `data` (the bytes so far).
//!
//! Rules:
//! - **Commit** fsyncs `data`, checks its size and digest, writes the metadata, then renames
//!   `data` to `blobs/…` (atomic within one file system) and fsyncs the folder. A crash at any
//!   point leaves either no blob or the whole blob: a blob file exists only after a verified
//!   rename. Metadata without a blob is ignored (and replaced by the next commit).
//! - **An ingest's offset is the length of its `data`** and its digest state is rebuilt by
//!   reading `data` when a writer opens it, so an ingest survives a crash or a restart and
//!   resumes where its bytes end; the commit verifies every byte anyway.
//! - **Ref locks** are per process, shared by every `DiskStore` over the same root in the
//!   process (a static set); two processes writing one ref are not kept apart (as in
//!   containerd's local store).
//! - File operations are blocking `std::fs` calls inside `async fn`s: the futures never pend,
//!   which suits the short local operations and single-threaded callers; run a long copy on a
//!   blocking thread if a runtime must stay responsive.
//! - Disk full and quota errors are [`Error::QuotaExceeded`]; other failures are
//!   [`Error::Io`] naming the path.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use bytes::Bytes;
use ociscope_core::content::{
    apply_update, check_commit, check_resume, ingest_algorithm, validate_labels,
    validate_reference, Error, Filter, Info, IngestManager, Ingester, Labels, Manager, Provider,
    ReaderAt, Status, StatusFilter, Timestamp, Writer, WriterOptions,
};
use ociscope_core::{Descriptor, Digest, Digester};
use serde::{Deserialize, Serialize};

/// Refs held by a writer in this process, by store root.
fn locks() -> &'static Mutex<BTreeSet<(PathBuf, String)>> {
    static LOCKS: OnceLock<Mutex<BTreeSet<(PathBuf, String)>>> = OnceLock::new();
    LOCKS.get_or_init(|| Mutex::new(BTreeSet::new()))
}

fn lock(root: &Path, reference: &str) -> Result<(), Error> {
    let mut set = locks().lock().unwrap_or_else(|p| p.into_inner());
    if !set.insert((root.to_path_buf(), reference.to_string())) {
        return Err(Error::Locked {
            reference: reference.to_string(),
        });
    }
    Ok(())
}

fn unlock(root: &Path, reference: &str) {
    let mut set = locks().lock().unwrap_or_else(|p| p.into_inner());
    set.remove(&(root.to_path_buf(), reference.to_string()));
}

fn is_locked(root: &Path, reference: &str) -> bool {
    let set = locks().lock().unwrap_or_else(|p| p.into_inner());
    set.contains(&(root.to_path_buf(), reference.to_string()))
}

/// An I/O error as a content error, naming what was being done.
fn io_err(what: &str, path: &Path, e: io::Error) -> Error {
    let message = format!("{what} {}: {e}", path.display());
    match e.kind() {
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => Error::QuotaExceeded(message),
        _ => Error::Io(message),
    }
}

/// What `meta/…json` holds.
#[derive(Serialize, Deserialize)]
struct Meta {
    created: Timestamp,
    updated: Timestamp,
    #[serde(default)]
    labels: Labels,
}

/// What `ingest/…/status.json` holds (the offset is the length of `data`).
#[derive(Serialize, Deserialize)]
struct IngestMeta {
    #[serde(rename = "ref")]
    reference: String,
    total: Option<u64>,
    expected: Option<Digest>,
    started: Timestamp,
}

/// A content store in a folder (see the module doc). Clones share the root.
#[derive(Clone, Debug)]
pub struct DiskStore {
    root: PathBuf,
}

impl DiskStore {
    /// Opens (creating when needed) the store at `root`.
    pub fn open(root: impl AsRef<Path>) -> Result<DiskStore, Error> {
        let root = root.as_ref();
        for sub in ["blobs", "meta", "ingest"] {
            let dir = root.join(sub);
            fs::create_dir_all(&dir).map_err(|e| io_err("create", &dir, e))?;
        }
        let root = fs::canonicalize(root).map_err(|e| io_err("resolve", root, e))?;
        Ok(DiskStore { root })
    }

    /// The store's folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where committed content `digest` lives (whether or not it is there).
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.root
            .join("blobs")
            .join(digest.algorithm())
            .join(digest.encoded())
    }

    fn meta_path(&self, digest: &Digest) -> PathBuf {
        self.root
            .join("meta")
            .join(digest.algorithm())
            .join(format!("{}.json", digest.encoded()))
    }

    fn ingest_dir(&self, reference: &str) -> PathBuf {
        self.root
            .join("ingest")
            .join(Digest::sha256_of(reference.as_bytes()).encoded())
    }

    fn read_info(&self, digest: &Digest) -> Result<Info, Error> {
        let path = self.blob_path(digest);
        let md = match fs::metadata(&path) {
            Ok(md) if md.is_file() => md,
            Ok(_) => return Err(Error::content_not_found(digest)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(Error::content_not_found(digest))
            }
            Err(e) => return Err(io_err("stat", &path, e)),
        };
        let meta = fs::read(self.meta_path(digest))
            .ok()
            .and_then(|b| serde_json::from_slice::<Meta>(&b).ok());
        let (created, updated, labels) = match meta {
            Some(m) => (m.created, m.updated, m.labels),
            None => {
                let t = mtime(&md);
                (t, t, Labels::new())
            }
        };
        Ok(Info {
            digest: digest.clone(),
            size: md.len(),
            created,
            updated,
            labels,
        })
    }

    fn write_meta(&self, digest: &Digest, meta: &Meta, tmp_dir: &Path) -> Result<(), Error> {
        let path = self.meta_path(digest);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| io_err("create", dir, e))?;
        }
        let tmp = tmp_dir.join(format!(
            ".meta-{}-{}",
            std::process::id(),
            digest.encoded().get(..16).unwrap_or_default()
        ));
        let body = serde_json::to_vec(meta).map_err(|e| Error::Io(e.to_string()))?;
        write_synced(&tmp, &body)?;
        fs::rename(&tmp, &path).map_err(|e| io_err("rename to", &path, e))
    }

    fn read_status(&self, dir: &Path) -> Result<Status, Error> {
        let status_path = dir.join("status.json");
        let raw = match fs::read(&status_path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(Error::NotFound {
                    what: format!("ingest in {}", dir.display()),
                })
            }
            Err(e) => return Err(io_err("read", &status_path, e)),
        };
        let meta: IngestMeta = serde_json::from_slice(&raw)
            .map_err(|e| Error::Io(format!("{}: {e}", status_path.display())))?;
        let data = dir.join("data");
        let (offset, updated) = match fs::metadata(&data) {
            Ok(md) => (md.len(), mtime(&md).max(meta.started)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => (0, meta.started),
            Err(e) => return Err(io_err("stat", &data, e)),
        };
        Ok(Status {
            reference: meta.reference,
            offset,
            total: meta.total,
            expected: meta.expected,
            started: meta.started,
            updated,
        })
    }
}

fn mtime(md: &fs::Metadata) -> Timestamp {
    md.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(Timestamp(0), |d| Timestamp(d.as_millis() as u64))
}

/// Writes `body` to `path` and fsyncs it.
fn write_synced(path: &Path, body: &[u8]) -> Result<(), Error> {
    let mut f = File::create(path).map_err(|e| io_err("create", path, e))?;
    f.write_all(body).map_err(|e| io_err("write", path, e))?;
    f.sync_all().map_err(|e| io_err("fsync", path, e))
}

/// Fsyncs a folder, so a rename into it survives a crash.
fn sync_dir(dir: &Path) -> Result<(), Error> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_err("fsync", dir, e))
}

/// Hashes the first `len` bytes of a file.
fn digest_file(
    path: &Path,
    algorithm: ociscope_core::Algorithm,
    len: u64,
) -> Result<Digester, Error> {
    let mut digester = Digester::new(algorithm);
    let f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(digester),
        Err(e) => return Err(io_err("open", path, e)),
    };
    let mut f = f.take(len);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| io_err("read", path, e))?;
        if n == 0 {
            break;
        }
        digester.update(buf.get(..n).unwrap_or_default());
    }
    Ok(digester)
}

impl Manager for DiskStore {
    async fn info(&self, digest: &Digest) -> Result<Info, Error> {
        self.read_info(digest)
    }

    async fn update(&self, info: &Info, fieldpaths: &[&str]) -> Result<Info, Error> {
        let mut current = self.read_info(&info.digest)?;
        apply_update(&mut current.labels, info, fieldpaths)?;
        current.updated = Timestamp::now().max(current.created);
        let meta = Meta {
            created: current.created,
            updated: current.updated,
            labels: current.labels.clone(),
        };
        let tmp_dir = self.root.join("meta");
        self.write_meta(&info.digest, &meta, &tmp_dir)?;
        Ok(current)
    }

    async fn walk(&self, filter: &Filter) -> Result<Vec<Info>, Error> {
        let blobs = self.root.join("blobs");
        let mut out = Vec::new();
        let algorithms = fs::read_dir(&blobs).map_err(|e| io_err("list", &blobs, e))?;
        for alg in algorithms.flatten() {
            let Ok(entries) = fs::read_dir(alg.path()) else {
                continue;
            };
            let alg_name = alg.file_name().to_string_lossy().into_owned();
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                // Anything that is not a digest's file (a stray temporary file) is not content.
                let Ok(digest) = Digest::parse(&format!("{alg_name}:{name}")) else {
                    continue;
                };
                match self.read_info(&digest) {
                    Ok(info) if filter.matches(&info) => out.push(info),
                    Ok(_) => {}
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e),
                }
            }
        }
        out.sort_by(|a, b| a.digest.cmp(&b.digest));
        Ok(out)
    }

    async fn delete(&self, digest: &Digest) -> Result<(), Error> {
        let path = self.blob_path(digest);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(Error::content_not_found(digest))
            }
            Err(e) => return Err(io_err("delete", &path, e)),
        }
        let _ = fs::remove_file(self.meta_path(digest));
        Ok(())
    }
}

/// Random-access reads of a committed blob file, or of any file ([`DiskReader::open`]).
pub struct DiskReader {
    file: File,
    size: u64,
    path: PathBuf,
}

impl DiskReader {
    /// Random-access reads of any file (a tarball to read as a `TarStore`, say).
    pub fn open(path: impl AsRef<Path>) -> Result<DiskReader, Error> {
        let path = path.as_ref().to_path_buf();
        let file = File::open(&path).map_err(|e| io_err("open", &path, e))?;
        let size = file.metadata().map_err(|e| io_err("stat", &path, e))?.len();
        Ok(DiskReader { file, size, path })
    }
}

impl ReaderAt for DiskReader {
    fn size(&self) -> u64 {
        self.size
    }

    async fn read_at(&self, offset: u64, len: usize) -> Result<Bytes, Error> {
        if offset >= self.size {
            return Ok(Bytes::new());
        }
        let want = usize::try_from(self.size - offset)
            .unwrap_or(usize::MAX)
            .min(len);
        let mut buf = vec![0u8; want];
        let mut filled = 0;
        while filled < want {
            let rest = buf.get_mut(filled..).unwrap_or_default();
            let n = read_at(&self.file, rest, offset + filled as u64)
                .map_err(|e| io_err("read", &self.path, e))?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        buf.truncate(filled);
        Ok(Bytes::from(buf))
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

impl Provider for DiskStore {
    type Reader = DiskReader;

    async fn reader_at(&self, digest: &Digest) -> Result<DiskReader, Error> {
        let path = self.blob_path(digest);
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(Error::content_not_found(digest))
            }
            Err(e) => return Err(io_err("open", &path, e)),
        };
        let size = file.metadata().map_err(|e| io_err("stat", &path, e))?.len();
        Ok(DiskReader { file, size, path })
    }
}

impl Ingester for DiskStore {
    type Writer = DiskWriter;

    async fn writer(&self, options: &WriterOptions) -> Result<DiskWriter, Error> {
        let reference = options.reference.as_str();
        validate_reference(reference)?;
        if let Some(d) = &options.expected {
            if self.blob_path(&d.digest).is_file() {
                return Err(Error::AlreadyExists {
                    digest: d.digest.clone(),
                });
            }
        }
        lock(&self.root, reference)?;
        match self.open_writer(options) {
            Ok(w) => Ok(w),
            Err(e) => {
                unlock(&self.root, reference);
                Err(e)
            }
        }
    }
}

impl DiskStore {
    fn open_writer(&self, options: &WriterOptions) -> Result<DiskWriter, Error> {
        let reference = options.reference.as_str();
        let dir = self.ingest_dir(reference);
        let status = match self.read_status(&dir) {
            Ok(s) => {
                check_resume(&s, options.expected.as_ref())?;
                if s.expected.is_none() && options.expected.is_some() {
                    self.write_ingest_meta(&dir, reference, options.expected.as_ref(), s.started)?;
                    Status {
                        total: options.expected.as_ref().map(|d| d.size),
                        expected: options.expected.as_ref().map(|d| d.digest.clone()),
                        ..s
                    }
                } else {
                    s
                }
            }
            Err(e) if e.is_not_found() => {
                fs::create_dir_all(&dir).map_err(|e| io_err("create", &dir, e))?;
                let now = Timestamp::now();
                write_synced(&dir.join("ref"), reference.as_bytes())?;
                self.write_ingest_meta(&dir, reference, options.expected.as_ref(), now)?;
                Status {
                    reference: reference.to_string(),
                    offset: 0,
                    total: options.expected.as_ref().map(|d| d.size),
                    expected: options.expected.as_ref().map(|d| d.digest.clone()),
                    started: now,
                    updated: now,
                }
            }
            Err(e) => return Err(e),
        };
        let expected = match (&status.expected, status.total) {
            (Some(d), Some(size)) => {
                Some(Descriptor::new("application/octet-stream", d.clone(), size))
            }
            _ => options.expected.clone(),
        };
        let data = dir.join("data");
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&data)
            .map_err(|e| io_err("open", &data, e))?;
        let digester = digest_file(&data, ingest_algorithm(expected.as_ref()), status.offset)?;
        Ok(DiskWriter {
            root: self.root.clone(),
            store: self.clone(),
            dir,
            file,
            status,
            expected,
            digester,
            open: true,
        })
    }

    fn write_ingest_meta(
        &self,
        dir: &Path,
        reference: &str,
        expected: Option<&Descriptor>,
        started: Timestamp,
    ) -> Result<(), Error> {
        let meta = IngestMeta {
            reference: reference.to_string(),
            total: expected.map(|d| d.size),
            expected: expected.map(|d| d.digest.clone()),
            started,
        };
        let body = serde_json::to_vec(&meta).map_err(|e| Error::Io(e.to_string()))?;
        let tmp = dir.join("status.json.tmp");
        write_synced(&tmp, &body)?;
        let path = dir.join("status.json");
        fs::rename(&tmp, &path).map_err(|e| io_err("rename to", &path, e))
    }
}

impl IngestManager for DiskStore {
    async fn status(&self, reference: &str) -> Result<Status, Error> {
        match self.read_status(&self.ingest_dir(reference)) {
            Err(e) if e.is_not_found() => Err(Error::ingest_not_found(reference)),
            other => other,
        }
    }

    async fn list_statuses(&self, filter: &StatusFilter) -> Result<Vec<Status>, Error> {
        let root = self.root.join("ingest");
        let mut out = Vec::new();
        for entry in fs::read_dir(&root)
            .map_err(|e| io_err("list", &root, e))?
            .flatten()
        {
            match self.read_status(&entry.path()) {
                Ok(s) if filter.matches(&s) => out.push(s),
                Ok(_) => {}
                // A folder being created or removed right now.
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        out.sort_by(|a, b| a.reference.cmp(&b.reference));
        Ok(out)
    }

    async fn abort(&self, reference: &str) -> Result<(), Error> {
        if is_locked(&self.root, reference) {
            return Err(Error::Locked {
                reference: reference.to_string(),
            });
        }
        let dir = self.ingest_dir(reference);
        match fs::remove_dir_all(&dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(Error::ingest_not_found(reference))
            }
            Err(e) => Err(io_err("remove", &dir, e)),
        }
    }
}

/// A writer of one ingest of a [`DiskStore`]; dropping it releases the ref and keeps the
/// ingest.
pub struct DiskWriter {
    root: PathBuf,
    store: DiskStore,
    dir: PathBuf,
    file: File,
    status: Status,
    expected: Option<Descriptor>,
    digester: Digester,
    open: bool,
}

impl DiskWriter {
    fn check_open(&self) -> Result<(), Error> {
        if self.open {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "the writer of {:?} is closed or committed",
                self.status.reference
            )))
        }
    }

    fn release(&mut self) {
        if std::mem::take(&mut self.open) {
            unlock(&self.root, &self.status.reference);
        }
    }
}

impl Drop for DiskWriter {
    fn drop(&mut self) {
        self.release();
    }
}

impl Writer for DiskWriter {
    fn reference(&self) -> &str {
        &self.status.reference
    }

    fn status(&self) -> Status {
        self.status.clone()
    }

    fn digest(&self) -> Digest {
        self.digester.current()
    }

    async fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        self.check_open()?;
        let path = self.dir.join("data");
        self.file
            .write_all(data)
            .map_err(|e| io_err("write", &path, e))?;
        self.digester.update(data);
        self.status.offset += data.len() as u64;
        self.status.updated = Timestamp::now();
        Ok(())
    }

    async fn truncate(&mut self, size: u64) -> Result<(), Error> {
        self.check_open()?;
        if size > self.status.offset {
            return Err(Error::InvalidArgument(format!(
                "cannot truncate {:?} to {size} bytes: it holds {}",
                self.status.reference, self.status.offset
            )));
        }
        let path = self.dir.join("data");
        self.file
            .set_len(size)
            .map_err(|e| io_err("truncate", &path, e))?;
        self.digester = digest_file(&path, self.digester.algorithm(), size)?;
        self.status.offset = size;
        self.status.updated = Timestamp::now();
        Ok(())
    }

    async fn commit(
        &mut self,
        size: Option<u64>,
        expected: Option<&Digest>,
        labels: Labels,
    ) -> Result<Info, Error> {
        self.check_open()?;
        validate_labels(&labels)?;
        let data = self.dir.join("data");
        self.file
            .sync_all()
            .map_err(|e| io_err("fsync", &data, e))?;
        let actual = self.digester.current();
        check_commit(
            self.status.offset,
            &actual,
            size,
            expected,
            self.expected.as_ref(),
        )?;
        let target = self.store.blob_path(&actual);
        if target.is_file() {
            let _ = fs::remove_dir_all(&self.dir);
            self.release();
            return Err(Error::AlreadyExists { digest: actual });
        }
        let now = Timestamp::now();
        let meta = Meta {
            created: now,
            updated: now,
            labels: labels.clone(),
        };
        self.store.write_meta(&actual, &meta, &self.dir)?;
        let folder = target.parent().map(Path::to_path_buf).unwrap_or_default();
        fs::create_dir_all(&folder).map_err(|e| io_err("create", &folder, e))?;
        fs::rename(&data, &target).map_err(|e| io_err("rename to", &target, e))?;
        sync_dir(&folder)?;
        let _ = fs::remove_dir_all(&self.dir);
        self.release();
        Ok(Info {
            digest: actual,
            size: self.status.offset,
            created: now,
            updated: now,
            labels,
        })
    }

    async fn close(&mut self) -> Result<Status, Error> {
        if self.open {
            let path = self.dir.join("data");
            self.file
                .sync_all()
                .map_err(|e| io_err("fsync", &path, e))?;
        }
        self.release();
        Ok(self.status.clone())
    }
}
