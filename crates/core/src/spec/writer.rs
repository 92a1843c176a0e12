//! Chunked, resumable blob uploads.

use crate::client::External;
use crate::descriptor::Descriptor;
use crate::digest::Digest;

use super::{Error, ErrorKind};

/// Chunk size used when the caller gives no hint: 8 MiB, a common registry-friendly size.
pub const DEFAULT_CHUNK_SIZE: usize = 8 * 1024 * 1024;

/// Where a closed upload stands, enough to resume it later with `Spec::resume_upload`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resumable {
    /// The upload's opaque id.
    pub id: String,
    /// Bytes the registry holds; the caller resumes by writing from this offset on.
    pub offset: u64,
}

/// A blob upload in progress. Bytes are buffered into chunks of [`BlobWriter::chunk_size`].
///
/// States: open → (closed | committed | cancelled). `close` keeps the upload resumable; bytes
/// written but not yet sent in a full chunk are not kept, which is why it reports the offset the
/// registry holds. `cancel` is safe to call repeatedly and after `commit`.
#[allow(async_fn_in_trait)] // No Send bounds: see the `spec` module doc.
pub trait BlobWriter {
    /// The opaque id that `Spec::resume_upload` accepts.
    fn id(&self) -> &str;

    /// Bytes accepted so far (sent or buffered), counted from the start of the blob.
    fn size(&self) -> u64;

    /// The chunk size in use: the caller's hint raised to the registry's minimum.
    fn chunk_size(&self) -> usize;

    /// Bytes the registry is known to hold: [`BlobWriter::size`] less what is buffered or held
    /// back for the commit.
    fn stored(&self) -> u64 {
        self.size()
    }

    /// Appends bytes; full chunks are sent as they fill.
    async fn write(&mut self, data: &[u8]) -> Result<(), Error>;

    /// Stops writing without aborting; returns what is needed to resume.
    async fn close(&mut self) -> Result<Resumable, Error>;

    /// Sends what is buffered and completes the upload as `digest`; a mismatch is an error.
    async fn commit(&mut self, digest: &Digest) -> Result<Descriptor, Error>;

    /// Aborts the upload; a no-op once committed or cancelled.
    async fn cancel(&mut self) -> Result<(), Error>;

    /// True when [`BlobWriter::write_external`] works: an HTTP upload over a transport that
    /// reads such bytes itself (Fetch, from a picked file).
    fn takes_external(&self) -> bool {
        false
    }

    /// Appends bytes the transport reads itself, right after those before (as `write` does,
    /// full chunks go out as they fill, the last bytes with the commit); `Unsupported` unless
    /// [`BlobWriter::takes_external`].
    async fn write_external(&mut self, bytes: External) -> Result<(), Error> {
        let _ = bytes;
        Err(Error::other(
            ErrorKind::Unsupported,
            "this upload takes written bytes only",
        ))
    }
}

/// Where a resumed upload continues.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResumeAt {
    /// Where the registry says the upload stands (asked with an upload-status request).
    RegistryOffset,
    /// At this offset, which must be where the upload stands (`RANGE_INVALID` otherwise).
    Offset(u64),
}

/// What a mount request did.
#[derive(Debug)]
pub enum Mount<W> {
    /// The blob is now in the target repository.
    Mounted,
    /// The registry did not mount and opened an upload session instead (distribution spec:
    /// 202 means "proceed with the upload"); write the blob to it, or cancel it.
    Upload(W),
}

impl<W> Mount<W> {
    /// True when the blob was mounted.
    pub fn is_mounted(&self) -> bool {
        matches!(self, Mount::Mounted)
    }

    /// Maps the upload session, if one was opened.
    pub fn map<V>(self, f: impl FnOnce(W) -> V) -> Mount<V> {
        match self {
            Mount::Mounted => Mount::Mounted,
            Mount::Upload(w) => Mount::Upload(f(w)),
        }
    }
}
