//! A content store in containerd's model: content addressed by digest, written through
//! resumable ingests named by a ref, described by [`Info`] with labels, walked and deleted.
//!
//! The interfaces are containerd's `content` package, as async traits without `Send` bounds
//! (wasm is single-threaded; see the `spec` module):
//! - [`Manager`]: [`info`](Manager::info), [`update`](Manager::update) (labels are the only
//!   mutable fields), [`walk`](Manager::walk) with a [`Filter`], [`delete`](Manager::delete).
//! - [`Provider`]: a [`ReaderAt`] for a digest, with its size.
//! - [`Ingester`]: a [`Writer`] for a ref, optionally with the expected descriptor.
//! - [`IngestManager`]: `status`, `list_statuses`, `abort`.
//! - [`Store`]: all four together (a blanket impl).
//!
//! The rules every implementation follows (the behaviour suite in `ociscope-spec-suite`'s
//! `content` module asserts each one):
//! - **One writer per ref.** Opening a ref that another writer holds fails at once with
//!   [`Error::Locked`] (containerd's "unavailable"); it does not wait. The lock is released when
//!   the writer is closed, committed or dropped. Locks are per process: a store opened twice
//!   over the same files (on disk) does not see the other's locks.
//! - **Ingests are resumable.** [`Writer::close`] (or dropping the writer, or a crash of a
//!   persistent store) keeps what was written; opening the same ref again continues at its
//!   offset, with the digest state rebuilt from the bytes kept.
//! - **Commit verifies.** [`Writer::commit`] checks the size and the digest when given (else
//!   the writer's expected descriptor's) and fails with [`Error::SizeMismatch`] /
//!   [`Error::DigestMismatch`] leaving the ingest as it was (truncate and write again, or
//!   abort). Content is visible only once committed: never a half-written blob.
//! - **Existing content is not written twice.** Opening a writer whose expected digest is
//!   present, or committing content that is present, fails with [`Error::AlreadyExists`] and
//!   leaves the store unchanged (the ingest is removed on such a commit). The helpers
//!   ([`write_blob`]) treat it as success.
//! - **Deleting** absent content is [`Error::NotFound`]; so are `info`, `update` and readers of
//!   absent content, and `status` / `abort` of an unknown ref.
//! - **Labels** are at most [`MAX_LABEL_LEN`] bytes (key and value together), as containerd
//!   limits them; [`Manager::update`] takes field paths `labels` (replace all) or
//!   `labels.KEY` (set or remove one); anything else is [`Error::InvalidArgument`].
//! - Digests are computed with the expected digest's algorithm when one is given (sha256 or
//!   sha512), else sha256.

mod error;
mod filter;
mod helpers;
mod memory;

pub use error::Error;
pub use filter::{Condition, Filter, StatusFilter};
pub use helpers::{copy, copy_at, read_blob, write_blob, write_blob_at};
pub use memory::MemoryStore;

use std::collections::BTreeMap;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::descriptor::Descriptor;
use crate::digest::Digest;

/// Labels of a piece of content: free-form key/value pairs.
pub type Labels = BTreeMap<String, String>;

/// Longest label (key and value together, in bytes), as containerd limits them.
pub const MAX_LABEL_LEN: usize = 4096;

/// A point in time: milliseconds since the Unix epoch (or a logical count where no clock is
/// available, see [`MemoryStore`]).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// Now, from the system clock; `Timestamp(0)` on wasm32 (no clock without JavaScript:
    /// browser stores pass their own).
    pub fn now() -> Timestamp {
        #[cfg(not(target_arch = "wasm32"))]
        {
            let ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0);
            Timestamp(ms)
        }
        #[cfg(target_arch = "wasm32")]
        {
            Timestamp(0)
        }
    }
}

/// What the store knows about one piece of committed content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Info {
    /// The content's digest.
    pub digest: Digest,
    /// Its size in bytes.
    pub size: u64,
    /// When it was committed.
    pub created: Timestamp,
    /// When its labels last changed (or it was committed).
    pub updated: Timestamp,
    /// Its labels.
    #[serde(default)]
    pub labels: Labels,
}

/// Where an ingest stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// The ingest's ref (the name its writer was opened with).
    #[serde(rename = "ref")]
    pub reference: String,
    /// Bytes written so far.
    pub offset: u64,
    /// The expected total size, when the writer was given one.
    pub total: Option<u64>,
    /// The expected digest, when the writer was given one.
    pub expected: Option<Digest>,
    /// When the ingest was started.
    pub started: Timestamp,
    /// When it was last written.
    pub updated: Timestamp,
}

/// How to open a writer: the ref and, optionally, the descriptor the content must match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriterOptions {
    /// The ingest's name: the same ref resumes the same ingest.
    pub reference: String,
    /// The expected digest and size; the digest makes an existing blob
    /// [`Error::AlreadyExists`] at once, and commit checks both.
    pub expected: Option<Descriptor>,
}

impl WriterOptions {
    /// A writer for `reference` with nothing expected.
    pub fn new(reference: impl Into<String>) -> WriterOptions {
        WriterOptions {
            reference: reference.into(),
            expected: None,
        }
    }

    /// A writer for `reference` that must produce `expected`.
    pub fn expecting(reference: impl Into<String>, expected: &Descriptor) -> WriterOptions {
        WriterOptions {
            reference: reference.into(),
            expected: Some(expected.clone()),
        }
    }
}

/// Random-access reads of one piece of content.
#[allow(async_fn_in_trait)] // No Send bounds: see the module doc.
pub trait ReaderAt {
    /// The content's size in bytes.
    fn size(&self) -> u64;

    /// Up to `len` bytes from `offset`: fewer only at the end, none at or past the end.
    async fn read_at(&self, offset: u64, len: usize) -> Result<Bytes, Error>;

    /// All of the content as bytes a transport reads itself (a browser `Blob`), when it has
    /// them (see [`BlobReader::external`](crate::spec::BlobReader::external)). `None` by
    /// default.
    fn external(&self) -> Option<crate::client::External> {
        None
    }
}

impl ReaderAt for Bytes {
    fn size(&self) -> u64 {
        self.len() as u64
    }

    async fn read_at(&self, offset: u64, len: usize) -> Result<Bytes, Error> {
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.len());
        let end = start.saturating_add(len).min(self.len());
        Ok(self.slice(start..end))
    }
}

/// Manages committed content: info, label updates, walking, deleting.
#[allow(async_fn_in_trait)]
pub trait Manager {
    /// What the store knows about `digest`; [`Error::NotFound`] when absent.
    async fn info(&self, digest: &Digest) -> Result<Info, Error>;

    /// Changes the labels of `info.digest` along `fieldpaths` (`labels` or `labels.KEY`; none
    /// = every label) and returns the updated info; [`Error::NotFound`] when absent,
    /// [`Error::InvalidArgument`] for another field path or an oversized label.
    async fn update(&self, info: &Info, fieldpaths: &[&str]) -> Result<Info, Error>;

    /// Every piece of content matching `filter`, in digest order.
    async fn walk(&self, filter: &Filter) -> Result<Vec<Info>, Error>;

    /// Deletes `digest`; [`Error::NotFound`] when absent.
    async fn delete(&self, digest: &Digest) -> Result<(), Error>;
}

/// Reads committed content.
#[allow(async_fn_in_trait)]
pub trait Provider {
    /// Random-access reads of the content.
    type Reader: ReaderAt;

    /// A reader of `digest`'s content; [`Error::NotFound`] when absent.
    async fn reader_at(&self, digest: &Digest) -> Result<Self::Reader, Error>;
}

/// Writes content through ingests.
#[allow(async_fn_in_trait)]
pub trait Ingester {
    /// A writer of one ingest.
    type Writer: Writer;

    /// Opens (or resumes) the ingest `options.reference`. [`Error::Locked`] when another
    /// writer holds it; [`Error::AlreadyExists`] when the expected digest is present;
    /// [`Error::FailedPrecondition`] when the ingest exists expecting other content.
    async fn writer(&self, options: &WriterOptions) -> Result<Self::Writer, Error>;
}

/// Manages ingests in progress.
#[allow(async_fn_in_trait)]
pub trait IngestManager {
    /// Where the ingest `reference` stands; [`Error::NotFound`] when there is none.
    async fn status(&self, reference: &str) -> Result<Status, Error>;

    /// Every ingest matching `filter`, in ref order.
    async fn list_statuses(&self, filter: &StatusFilter) -> Result<Vec<Status>, Error>;

    /// Removes the ingest `reference` and what it holds; [`Error::NotFound`] when there is
    /// none, [`Error::Locked`] while a writer has it open.
    async fn abort(&self, reference: &str) -> Result<(), Error>;
}

/// One ingest being written: states open → (closed | committed).
#[allow(async_fn_in_trait)]
pub trait Writer {
    /// The ingest's ref.
    fn reference(&self) -> &str;

    /// Where the ingest stands now.
    fn status(&self) -> Status;

    /// The digest of the bytes written so far.
    fn digest(&self) -> Digest;

    /// Appends bytes. [`Error::InvalidArgument`] once closed or committed.
    async fn write(&mut self, data: &[u8]) -> Result<(), Error>;

    /// Cuts the ingest to `size` bytes (at most its offset), to write again from there.
    async fn truncate(&mut self, size: u64) -> Result<(), Error>;

    /// Makes the ingest content: checks `size` and `expected` (each, when `None`, from the
    /// writer's expected descriptor, if any), stores it with `labels` and removes the ingest.
    /// On a mismatch the ingest stays as it was; [`Error::AlreadyExists`] when the content is
    /// already present (the store is unchanged and the ingest removed).
    async fn commit(
        &mut self,
        size: Option<u64>,
        expected: Option<&Digest>,
        labels: Labels,
    ) -> Result<Info, Error>;

    /// Stops writing and releases the ref; the ingest stays to be resumed.
    async fn close(&mut self) -> Result<Status, Error>;
}

/// A whole content store: [`Manager`], [`Provider`], [`Ingester`] and [`IngestManager`].
pub trait Store: Manager + Provider + Ingester + IngestManager {}

impl<T: Manager + Provider + Ingester + IngestManager> Store for T {}

/// Checks label sizes ([`MAX_LABEL_LEN`]).
pub fn validate_labels(labels: &Labels) -> Result<(), Error> {
    for (k, v) in labels {
        if k.is_empty() {
            return Err(Error::InvalidArgument("a label key is empty".into()));
        }
        if k.len() + v.len() > MAX_LABEL_LEN {
            return Err(Error::InvalidArgument(format!(
                "label {:?} is longer than {MAX_LABEL_LEN} bytes (key and value together)",
                k.chars().take(64).collect::<String>()
            )));
        }
    }
    Ok(())
}

/// Applies an update along `fieldpaths` (see [`Manager::update`]) to `current`'s labels.
pub fn apply_update(current: &mut Labels, info: &Info, fieldpaths: &[&str]) -> Result<(), Error> {
    validate_labels(&info.labels)?;
    if fieldpaths.is_empty() {
        *current = info.labels.clone();
        return Ok(());
    }
    let mut next = current.clone();
    for path in fieldpaths {
        if *path == "labels" {
            next = info.labels.clone();
        } else if let Some(key) = path.strip_prefix("labels.") {
            match info.labels.get(key) {
                Some(v) => {
                    next.insert(key.to_string(), v.clone());
                }
                None => {
                    next.remove(key);
                }
            }
        } else {
            return Err(Error::InvalidArgument(format!(
                "cannot update field {path:?}: only labels and labels.KEY are mutable"
            )));
        }
    }
    *current = next;
    Ok(())
}

/// The algorithm an ingest digests with: the expected digest's when verifiable, else sha256.
pub fn ingest_algorithm(expected: Option<&Descriptor>) -> crate::digest::Algorithm {
    expected
        .and_then(|d| d.digest.known_algorithm())
        .unwrap_or(crate::digest::Algorithm::Sha256)
}

/// The checks of [`Writer::commit`], for implementations: `written` bytes with `actual`
/// digest against the sizes and digests asked for (the commit's own, else the writer's
/// expected descriptor's).
pub fn check_commit(
    written: u64,
    actual: &Digest,
    size: Option<u64>,
    expected: Option<&Digest>,
    writer_expected: Option<&Descriptor>,
) -> Result<(), Error> {
    if let Some(want) = size.or(writer_expected.map(|d| d.size)) {
        if want != written {
            return Err(Error::SizeMismatch {
                expected: want,
                actual: written,
            });
        }
    }
    if let Some(want) = expected.or(writer_expected.map(|d| &d.digest)) {
        if want != actual {
            return Err(Error::DigestMismatch {
                expected: want.clone(),
                actual: actual.clone(),
            });
        }
    }
    Ok(())
}

/// The check of [`Ingester::writer`] on an existing ingest: refuses other expectations.
pub fn check_resume(status: &Status, expected: Option<&Descriptor>) -> Result<(), Error> {
    if let Some(want) = expected {
        if status.expected.as_ref().is_some_and(|d| d != &want.digest)
            || status.total.is_some_and(|t| t != want.size)
        {
            return Err(Error::FailedPrecondition(format!(
                "ingest {:?} expects {} ({} bytes), not {} ({} bytes)",
                status.reference,
                status
                    .expected
                    .as_ref()
                    .map_or("any digest".to_string(), |d| d.to_string()),
                status.total.map_or("any".to_string(), |t| t.to_string()),
                want.digest,
                want.size
            )));
        }
    }
    Ok(())
}

/// Refuses an empty ref or one with characters a file name cannot hold safely.
pub fn validate_reference(reference: &str) -> Result<(), Error> {
    if reference.is_empty() || reference.len() > 512 || reference.chars().any(char::is_control) {
        return Err(Error::InvalidArgument(format!(
            "ref {:?} must be 1 to 512 characters without control characters",
            reference.chars().take(64).collect::<String>()
        )));
    }
    Ok(())
}
