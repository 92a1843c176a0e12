//! ociscope-opfs: a content store in the browser ([`OpfsStore`]), persistent across reloads
//! and browser restarts, in the Origin Private File System (a page or a Web Worker).
//!
//! Layout under the store's folder (the same as the disk store's):
//! - `blobs/<algorithm>/<hex>`: committed content;
//! - `meta/<algorithm>/<hex>.json`: its size, timestamps and labels. **Content is present only
//!   when its metadata is**: the metadata is written after the blob file's writable stream
//!   closed (OPFS writes go to a swap file and replace the file only on close), so a reload or
//!   a crash in the middle of a commit never shows a half-written blob;
//! - `ingest/<sha256 of the ref>/`: `status.json` and one file per write, named by its offset
//!   (`0000000000000000`, …). Each `write` is its own file, closed before `write` returns, so a
//!   reload keeps every byte a write reported written, and a dropped writer loses nothing.
//!   Callers write in chunks (the helpers use 1 MiB).
//!
//! Decisions:
//! - Metadata is in OPFS beside the bytes rather than in IndexedDB: one storage API, one
//!   quota, and no transaction spanning two stores is needed, because presence is decided by
//!   one file written last.
//! - A commit streams the ingest's files into the blob file as `Blob`s (`write(blob)`), so the
//!   bytes never pass through wasm memory; reads go through a `BlobSource` of the `File` (one
//!   reused buffer per reader: a fresh `arrayBuffer()` per read is garbage the collector frees
//!   late, which made page memory grow with the bytes read).
//! - A ref is locked across the origin while its writer is open: a page-local set (checked
//!   synchronously, so two writers of one page never race between awaits) and a Web Lock
//!   ([`locks`]) that keeps other tabs and workers out; the browser drops the Web Lock with the
//!   page, so a closed tab never leaves a ref locked.
//! - `QuotaExceededError` is [`Error::QuotaExceeded`] with the browser's message; any other
//!   DOM failure is [`Error::Io`] naming the path.
//! - [`tarball`]: a dropped `File` read in place as a tarball, and `write_archive` streamed
//!   into an OPFS file to download.

mod locks;
pub mod tarball;

use std::cell::RefCell;
use std::collections::BTreeSet;

use bytes::Bytes;
use js_sys::{Promise, Reflect, Uint8Array};
use locks::{Acquired, WebLock};
use ociscope_core::content::{
    apply_update, check_commit, check_resume, ingest_algorithm, validate_labels,
    validate_reference, Error, Filter, Info, IngestManager, Ingester, Labels, Manager, Provider,
    ReaderAt, Status, StatusFilter, Timestamp, Writer, WriterOptions,
};
use ociscope_core::{Descriptor, Digest, Digester};
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    FileSystemDirectoryHandle, FileSystemFileHandle, FileSystemGetDirectoryOptions,
    FileSystemGetFileOptions, FileSystemRemoveOptions, FileSystemWritableFileStream,
};

thread_local! {
    static LOCKS: RefCell<BTreeSet<(String, String)>> = const { RefCell::new(BTreeSet::new()) };
}

/// Now, from the JavaScript clock.
fn now() -> Timestamp {
    Timestamp(js_sys::Date::now().max(0.0) as u64)
}

/// A DOM failure as a content error.
fn dom(what: &str, e: JsValue) -> Error {
    let name = Reflect::get(&e, &"name".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    let message = Reflect::get(&e, &"message".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| format!("{e:?}"));
    if name == "QuotaExceededError" {
        Error::QuotaExceeded(format!(
            "{what}: {message} (the browser's storage quota for this site is used up: free space or delete content)"
        ))
    } else {
        Error::Io(format!("{what}: {name} {message}"))
    }
}

fn is_not_found(e: &JsValue) -> bool {
    Reflect::get(e, &"name".into())
        .ok()
        .and_then(|v| v.as_string())
        .is_some_and(|n| n == "NotFoundError" || n == "TypeMismatchError")
}

async fn wait(what: &str, p: Result<Promise, JsValue>) -> Result<JsValue, Error> {
    let p = p.map_err(|e| dom(what, e))?;
    JsFuture::from(p).await.map_err(|e| dom(what, e))
}

/// A subfolder, created when `create`; `None` when absent.
async fn dir(
    parent: &FileSystemDirectoryHandle,
    name: &str,
    create: bool,
) -> Result<Option<FileSystemDirectoryHandle>, Error> {
    let opts = FileSystemGetDirectoryOptions::new();
    opts.set_create(create);
    match JsFuture::from(parent.get_directory_handle_with_options(name, &opts)).await {
        Ok(h) => Ok(Some(h.unchecked_into())),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(dom(&format!("open folder {name}"), e)),
    }
}

async fn dir_path(
    root: &FileSystemDirectoryHandle,
    path: &[&str],
    create: bool,
) -> Result<Option<FileSystemDirectoryHandle>, Error> {
    let mut at = root.clone();
    for p in path {
        match dir(&at, p, create).await? {
            Some(d) => at = d,
            None => return Ok(None),
        }
    }
    Ok(Some(at))
}

async fn file(
    parent: &FileSystemDirectoryHandle,
    name: &str,
    create: bool,
) -> Result<Option<FileSystemFileHandle>, Error> {
    let opts = FileSystemGetFileOptions::new();
    opts.set_create(create);
    match JsFuture::from(parent.get_file_handle_with_options(name, &opts)).await {
        Ok(h) => Ok(Some(h.unchecked_into())),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(dom(&format!("open file {name}"), e)),
    }
}

async fn get_file(handle: &FileSystemFileHandle, what: &str) -> Result<web_sys::File, Error> {
    Ok(wait(what, Ok(handle.get_file())).await?.unchecked_into())
}

async fn read_all(handle: &FileSystemFileHandle, what: &str) -> Result<Vec<u8>, Error> {
    let f = get_file(handle, what).await?;
    let buf = wait(what, Ok(f.array_buffer())).await?;
    Ok(Uint8Array::new(&buf).to_vec())
}

/// Writes a whole file: the new content replaces the old only when the stream closes.
async fn write_file(
    parent: &FileSystemDirectoryHandle,
    name: &str,
    body: &[u8],
) -> Result<(), Error> {
    let what = format!("write {name}");
    let handle = file(parent, name, true)
        .await?
        .ok_or_else(|| Error::Io(format!("{what}: not created")))?;
    let stream: FileSystemWritableFileStream = wait(&what, Ok(handle.create_writable()))
        .await?
        .unchecked_into();
    let written = wait(&what, stream.write_with_u8_array(body)).await;
    if let Err(e) = written {
        let _ = JsFuture::from(stream.abort()).await;
        return Err(e);
    }
    wait(&what, Ok(stream.close())).await.map(|_| ())
}

async fn remove(
    parent: &FileSystemDirectoryHandle,
    name: &str,
    recursive: bool,
) -> Result<bool, Error> {
    let opts = FileSystemRemoveOptions::new();
    opts.set_recursive(recursive);
    match JsFuture::from(parent.remove_entry_with_options(name, &opts)).await {
        Ok(_) => Ok(true),
        Err(e) if is_not_found(&e) => Ok(false),
        Err(e) => Err(dom(&format!("remove {name}"), e)),
    }
}

/// The names in a folder.
async fn names(parent: &FileSystemDirectoryHandle) -> Result<Vec<String>, Error> {
    let iter = parent.keys();
    let mut out = Vec::new();
    loop {
        let step = wait("list a folder", iter.next()).await?;
        let done = Reflect::get(&step, &"done".into())
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(true);
        if done {
            break;
        }
        if let Some(name) = Reflect::get(&step, &"value".into())
            .ok()
            .and_then(|v| v.as_string())
        {
            out.push(name);
        }
    }
    out.sort();
    Ok(out)
}

#[derive(Serialize, Deserialize)]
struct Meta {
    size: u64,
    created: Timestamp,
    updated: Timestamp,
    #[serde(default)]
    labels: Labels,
}

#[derive(Serialize, Deserialize)]
struct IngestMeta {
    #[serde(rename = "ref")]
    reference: String,
    total: Option<u64>,
    expected: Option<Digest>,
    started: Timestamp,
    updated: Timestamp,
}

/// A content store in an OPFS folder (see the crate doc). Cheap to clone.
#[derive(Clone, Debug)]
pub struct OpfsStore {
    root: FileSystemDirectoryHandle,
    name: String,
}

impl OpfsStore {
    /// Opens (creating when needed) the store in the OPFS folder `name`, in a page or a
    /// worker. [`Error::Io`] where the browser offers no OPFS.
    pub async fn open(name: &str) -> Result<OpfsStore, Error> {
        let global = js_sys::global();
        let navigator =
            Reflect::get(&global, &"navigator".into()).map_err(|e| dom("navigator", e))?;
        let storage =
            Reflect::get(&navigator, &"storage".into()).map_err(|e| dom("navigator.storage", e))?;
        if storage.is_undefined() {
            return Err(Error::Io(
                "this browser has no navigator.storage (the Origin Private File System needs a secure context)".into(),
            ));
        }
        let storage: web_sys::StorageManager = storage.unchecked_into();
        let top: FileSystemDirectoryHandle = wait(
            "open the Origin Private File System",
            Ok(storage.get_directory()),
        )
        .await?
        .unchecked_into();
        let root = dir(&top, name, true)
            .await?
            .ok_or_else(|| Error::Io(format!("folder {name} not created")))?;
        Ok(OpfsStore::from_handle(root, name))
    }

    /// A store over a folder handle already open; `name` keys its ref locks.
    pub fn from_handle(root: FileSystemDirectoryHandle, name: &str) -> OpfsStore {
        OpfsStore {
            root,
            name: name.to_string(),
        }
    }

    /// The store's folder (other files may live beside the store's own, e.g. tarballs to
    /// download).
    pub fn folder(&self) -> &FileSystemDirectoryHandle {
        &self.root
    }

    /// Removes the store's folder `name` and everything in it.
    pub async fn destroy(name: &str) -> Result<(), Error> {
        let store = OpfsStore::open(name).await?;
        let global = js_sys::global();
        let navigator =
            Reflect::get(&global, &"navigator".into()).map_err(|e| dom("navigator", e))?;
        let storage: web_sys::StorageManager = Reflect::get(&navigator, &"storage".into())
            .map_err(|e| dom("navigator.storage", e))?
            .unchecked_into();
        let top: FileSystemDirectoryHandle = wait("open OPFS", Ok(storage.get_directory()))
            .await?
            .unchecked_into();
        drop(store);
        remove(&top, name, true).await.map(|_| ())
    }

    fn key(&self, reference: &str) -> (String, String) {
        (self.name.clone(), reference.to_string())
    }

    /// The name of `reference`'s Web Lock: the same in every page and worker of the origin.
    fn lock_name(&self, reference: &str) -> String {
        format!("ociscope-opfs/{}/{reference}", self.name)
    }

    async fn meta_dir(
        &self,
        digest: &Digest,
        create: bool,
    ) -> Result<Option<FileSystemDirectoryHandle>, Error> {
        dir_path(&self.root, &["meta", digest.algorithm()], create).await
    }

    async fn blob_dir(
        &self,
        digest: &Digest,
        create: bool,
    ) -> Result<Option<FileSystemDirectoryHandle>, Error> {
        dir_path(&self.root, &["blobs", digest.algorithm()], create).await
    }

    async fn read_meta(&self, digest: &Digest) -> Result<Meta, Error> {
        let Some(d) = self.meta_dir(digest, false).await? else {
            return Err(Error::content_not_found(digest));
        };
        let name = format!("{}.json", digest.encoded());
        let Some(h) = file(&d, &name, false).await? else {
            return Err(Error::content_not_found(digest));
        };
        let raw = read_all(&h, &name).await?;
        serde_json::from_slice(&raw).map_err(|e| Error::Io(format!("meta of {digest}: {e}")))
    }

    async fn write_meta(&self, digest: &Digest, meta: &Meta) -> Result<(), Error> {
        let d = self
            .meta_dir(digest, true)
            .await?
            .ok_or_else(|| Error::Io("meta folder not created".into()))?;
        let body = serde_json::to_vec(meta).map_err(|e| Error::Io(e.to_string()))?;
        write_file(&d, &format!("{}.json", digest.encoded()), &body).await
    }

    fn ingest_name(reference: &str) -> String {
        Digest::sha256_of(reference.as_bytes())
            .encoded()
            .to_string()
    }

    async fn ingest_dir(
        &self,
        reference: &str,
        create: bool,
    ) -> Result<Option<FileSystemDirectoryHandle>, Error> {
        dir_path(
            &self.root,
            &["ingest", &OpfsStore::ingest_name(reference)],
            create,
        )
        .await
    }

    /// An ingest's status and its part files (offset, name, size), in order.
    async fn read_ingest(
        &self,
        d: &FileSystemDirectoryHandle,
    ) -> Result<Option<(Status, Vec<(u64, String)>)>, Error> {
        let Some(h) = file(d, "status.json", false).await? else {
            return Ok(None);
        };
        let raw = read_all(&h, "status.json").await?;
        let meta: IngestMeta =
            serde_json::from_slice(&raw).map_err(|e| Error::Io(format!("ingest status: {e}")))?;
        let mut parts = Vec::new();
        let mut offset = 0u64;
        for name in names(d).await? {
            let Ok(at) = name.parse::<u64>() else {
                continue;
            };
            if at != offset {
                // A part past a gap (a truncate interrupted mid-way) is not part of the ingest.
                break;
            }
            let Some(h) = file(d, &name, false).await? else {
                break;
            };
            let size = get_file(&h, &name).await?.size() as u64;
            parts.push((at, name));
            offset += size;
        }
        Ok(Some((
            Status {
                reference: meta.reference,
                offset,
                total: meta.total,
                expected: meta.expected,
                started: meta.started,
                updated: meta.updated,
            },
            parts,
        )))
    }
}

async fn write_ingest_meta(d: &FileSystemDirectoryHandle, s: &Status) -> Result<(), Error> {
    let meta = IngestMeta {
        reference: s.reference.clone(),
        total: s.total,
        expected: s.expected.clone(),
        started: s.started,
        updated: s.updated,
    };
    let body = serde_json::to_vec(&meta).map_err(|e| Error::Io(e.to_string()))?;
    write_file(d, "status.json", &body).await
}

fn part_name(offset: u64) -> String {
    format!("{offset:016}")
}

impl Manager for OpfsStore {
    async fn info(&self, digest: &Digest) -> Result<Info, Error> {
        let m = self.read_meta(digest).await?;
        Ok(Info {
            digest: digest.clone(),
            size: m.size,
            created: m.created,
            updated: m.updated,
            labels: m.labels,
        })
    }

    async fn update(&self, info: &Info, fieldpaths: &[&str]) -> Result<Info, Error> {
        let mut m = self.read_meta(&info.digest).await?;
        apply_update(&mut m.labels, info, fieldpaths)?;
        m.updated = now().max(m.created);
        self.write_meta(&info.digest, &m).await?;
        Ok(Info {
            digest: info.digest.clone(),
            size: m.size,
            created: m.created,
            updated: m.updated,
            labels: m.labels,
        })
    }

    async fn walk(&self, filter: &Filter) -> Result<Vec<Info>, Error> {
        let mut out = Vec::new();
        let Some(meta) = dir(&self.root, "meta", true).await? else {
            return Ok(out);
        };
        for alg in names(&meta).await? {
            let Some(d) = dir(&meta, &alg, false).await? else {
                continue;
            };
            for name in names(&d).await? {
                let Some(hex) = name.strip_suffix(".json") else {
                    continue;
                };
                let Ok(digest) = Digest::parse(&format!("{alg}:{hex}")) else {
                    continue;
                };
                match self.info(&digest).await {
                    Ok(i) if filter.matches(&i) => out.push(i),
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
        // The metadata goes first: from then on the content is absent.
        let Some(d) = self.meta_dir(digest, false).await? else {
            return Err(Error::content_not_found(digest));
        };
        if !remove(&d, &format!("{}.json", digest.encoded()), false).await? {
            return Err(Error::content_not_found(digest));
        }
        if let Some(b) = self.blob_dir(digest, false).await? {
            remove(&b, digest.encoded(), false).await?;
        }
        Ok(())
    }
}

/// Random-access reads of a committed blob: its `File` read through a [`tarball::BlobSource`]
/// (one reused buffer, no fresh `ArrayBuffer` per read left for the garbage collector).
pub struct OpfsReader {
    source: tarball::BlobSource,
    size: u64,
}

impl ReaderAt for OpfsReader {
    fn size(&self) -> u64 {
        self.size
    }

    async fn read_at(&self, offset: u64, len: usize) -> Result<Bytes, Error> {
        let end = self.size.min(offset.saturating_add(len as u64));
        if offset >= end {
            return Ok(Bytes::new());
        }
        self.source
            .read(offset, end)
            .await
            .map_err(|e| Error::Io(format!("read a blob: {e}")))
    }
}

impl Provider for OpfsStore {
    type Reader = OpfsReader;

    async fn reader_at(&self, digest: &Digest) -> Result<OpfsReader, Error> {
        let meta = self.read_meta(digest).await?;
        let missing = || Error::Io(format!("content {digest} has metadata but no bytes"));
        let d = self.blob_dir(digest, false).await?.ok_or_else(missing)?;
        let h = file(&d, digest.encoded(), false)
            .await?
            .ok_or_else(missing)?;
        let f = get_file(&h, digest.as_str()).await?;
        let size = f.size() as u64;
        if size != meta.size {
            return Err(Error::Io(format!(
                "content {digest} is {size} bytes on disk, {} in its metadata",
                meta.size
            )));
        }
        Ok(OpfsReader {
            source: tarball::BlobSource::new(f.into()),
            size,
        })
    }
}

impl Ingester for OpfsStore {
    type Writer = OpfsWriter;

    async fn writer(&self, options: &WriterOptions) -> Result<OpfsWriter, Error> {
        let reference = options.reference.as_str();
        validate_reference(reference)?;
        if let Some(d) = &options.expected {
            match self.read_meta(&d.digest).await {
                Ok(_) => {
                    return Err(Error::AlreadyExists {
                        digest: d.digest.clone(),
                    })
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        let key = self.key(reference);
        let locked = LOCKS.with(|l| !l.borrow_mut().insert(key.clone()));
        if locked {
            return Err(Error::Locked {
                reference: reference.to_string(),
            });
        }
        let opened = match WebLock::acquire(&self.lock_name(reference)).await {
            Ok(Acquired::Held(lock)) => self.open_writer(options, lock).await,
            Ok(Acquired::Taken) => Err(Error::Locked {
                reference: reference.to_string(),
            }),
            Err(e) => Err(e),
        };
        if opened.is_err() {
            LOCKS.with(|l| l.borrow_mut().remove(&key));
        }
        opened
    }
}

impl OpfsStore {
    async fn open_writer(
        &self,
        options: &WriterOptions,
        lock: WebLock,
    ) -> Result<OpfsWriter, Error> {
        let reference = options.reference.as_str();
        let d = self
            .ingest_dir(reference, true)
            .await?
            .ok_or_else(|| Error::Io("ingest folder not created".into()))?;
        let (status, parts) = match self.read_ingest(&d).await? {
            Some((mut s, parts)) => {
                check_resume(&s, options.expected.as_ref())?;
                if s.expected.is_none() {
                    if let Some(e) = &options.expected {
                        s.expected = Some(e.digest.clone());
                        s.total = Some(e.size);
                        write_ingest_meta(&d, &s).await?;
                    }
                }
                (s, parts)
            }
            None => {
                let t = now();
                let s = Status {
                    reference: reference.to_string(),
                    offset: 0,
                    total: options.expected.as_ref().map(|d| d.size),
                    expected: options.expected.as_ref().map(|d| d.digest.clone()),
                    started: t,
                    updated: t,
                };
                write_ingest_meta(&d, &s).await?;
                (s, Vec::new())
            }
        };
        let expected = match (&status.expected, status.total) {
            (Some(dg), Some(n)) => Some(Descriptor::new("application/octet-stream", dg.clone(), n)),
            _ => None,
        };
        let mut digester = Digester::new(ingest_algorithm(expected.as_ref()));
        for (_, name) in &parts {
            if let Some(h) = file(&d, name, false).await? {
                digester.update(&read_all(&h, name).await?);
            }
        }
        Ok(OpfsWriter {
            store: self.clone(),
            dir: d,
            status,
            parts,
            expected,
            digester,
            open: true,
            lock: Some(lock),
        })
    }
}

impl IngestManager for OpfsStore {
    async fn status(&self, reference: &str) -> Result<Status, Error> {
        let Some(d) = self.ingest_dir(reference, false).await? else {
            return Err(Error::ingest_not_found(reference));
        };
        match self.read_ingest(&d).await? {
            Some((s, _)) => Ok(s),
            None => Err(Error::ingest_not_found(reference)),
        }
    }

    async fn list_statuses(&self, filter: &StatusFilter) -> Result<Vec<Status>, Error> {
        let mut out = Vec::new();
        let Some(ingest) = dir(&self.root, "ingest", true).await? else {
            return Ok(out);
        };
        for name in names(&ingest).await? {
            let Some(d) = dir(&ingest, &name, false).await? else {
                continue;
            };
            if let Some((s, _)) = self.read_ingest(&d).await? {
                if filter.matches(&s) {
                    out.push(s);
                }
            }
        }
        out.sort_by(|a, b| a.reference.cmp(&b.reference));
        Ok(out)
    }

    async fn abort(&self, reference: &str) -> Result<(), Error> {
        if LOCKS.with(|l| l.borrow().contains(&self.key(reference))) {
            return Err(Error::Locked {
                reference: reference.to_string(),
            });
        }
        // Held while removing, so no other tab opens a writer of it meanwhile.
        let _lock = match WebLock::acquire(&self.lock_name(reference)).await? {
            Acquired::Held(lock) => lock,
            Acquired::Taken => {
                return Err(Error::Locked {
                    reference: reference.to_string(),
                })
            }
        };
        let Some(ingest) = dir(&self.root, "ingest", false).await? else {
            return Err(Error::ingest_not_found(reference));
        };
        if remove(&ingest, &OpfsStore::ingest_name(reference), true).await? {
            Ok(())
        } else {
            Err(Error::ingest_not_found(reference))
        }
    }
}

/// A writer of one ingest of an [`OpfsStore`]: each write is one part file, closed before
/// `write` returns. Dropping it releases the ref and keeps the ingest.
pub struct OpfsWriter {
    store: OpfsStore,
    dir: FileSystemDirectoryHandle,
    status: Status,
    parts: Vec<(u64, String)>,
    expected: Option<Descriptor>,
    digester: Digester,
    open: bool,
    /// The ref's Web Lock, held while open.
    lock: Option<WebLock>,
}

impl OpfsWriter {
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
            let key = self.store.key(&self.status.reference);
            LOCKS.with(|l| l.borrow_mut().remove(&key));
        }
        self.lock = None;
    }
}

impl Drop for OpfsWriter {
    fn drop(&mut self) {
        self.release();
    }
}

impl Writer for OpfsWriter {
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
        if data.is_empty() {
            return Ok(());
        }
        let name = part_name(self.status.offset);
        write_file(&self.dir, &name, data).await?;
        self.parts.push((self.status.offset, name));
        self.digester.update(data);
        self.status.offset += data.len() as u64;
        self.status.updated = now();
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
        // Parts from the end; the one that straddles `size` is rewritten with its head.
        let mut keep = Vec::new();
        for (at, name) in std::mem::take(&mut self.parts) {
            if at >= size {
                remove(&self.dir, &name, false).await?;
                continue;
            }
            let h = file(&self.dir, &name, false).await?;
            let Some(h) = h else { continue };
            let len = get_file(&h, &name).await?.size() as u64;
            if at + len > size {
                let bytes = read_all(&h, &name).await?;
                let cut = usize::try_from(size - at)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                write_file(&self.dir, &name, bytes.get(..cut).unwrap_or_default()).await?;
            }
            keep.push((at, name));
        }
        self.parts = keep;
        let mut digester = Digester::new(self.digester.algorithm());
        for (_, name) in &self.parts {
            if let Some(h) = file(&self.dir, name, false).await? {
                digester.update(&read_all(&h, name).await?);
            }
        }
        self.digester = digester;
        self.status.offset = size;
        self.status.updated = now();
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
        let actual = self.digester.current();
        check_commit(
            self.status.offset,
            &actual,
            size,
            expected,
            self.expected.as_ref(),
        )?;
        let ingest_name = OpfsStore::ingest_name(&self.status.reference);
        let ingest_root = dir(&self.store.root, "ingest", true).await?;
        if self.store.read_meta(&actual).await.is_ok() {
            if let Some(root) = &ingest_root {
                remove(root, &ingest_name, true).await?;
            }
            self.release();
            return Err(Error::AlreadyExists { digest: actual });
        }
        // The bytes: every part streamed into the blob file as a Blob; the file is replaced
        // only when the stream closes.
        let blobs = self
            .store
            .blob_dir(&actual, true)
            .await?
            .ok_or_else(|| Error::Io("blobs folder not created".into()))?;
        let what = format!("commit {actual}");
        let handle = file(&blobs, actual.encoded(), true)
            .await?
            .ok_or_else(|| Error::Io(format!("{what}: not created")))?;
        let stream: FileSystemWritableFileStream = wait(&what, Ok(handle.create_writable()))
            .await?
            .unchecked_into();
        for (_, name) in &self.parts {
            let Some(h) = file(&self.dir, name, false).await? else {
                let _ = JsFuture::from(stream.abort()).await;
                return Err(Error::Io(format!("{what}: part {name} vanished")));
            };
            let part = get_file(&h, name).await?;
            if let Err(e) = wait(&what, stream.write_with_blob(&part)).await {
                let _ = JsFuture::from(stream.abort()).await;
                return Err(e);
            }
        }
        wait(&what, Ok(stream.close())).await?;
        // Then the metadata: from now on the content is present.
        let t = now();
        self.store
            .write_meta(
                &actual,
                &Meta {
                    size: self.status.offset,
                    created: t,
                    updated: t,
                    labels: labels.clone(),
                },
            )
            .await?;
        if let Some(root) = &ingest_root {
            remove(root, &ingest_name, true).await?;
        }
        self.release();
        Ok(Info {
            digest: actual,
            size: self.status.offset,
            created: t,
            updated: t,
            labels,
        })
    }

    async fn close(&mut self) -> Result<Status, Error> {
        if self.open {
            write_ingest_meta(&self.dir, &self.status).await?;
        }
        self.release();
        Ok(self.status.clone())
    }
}
