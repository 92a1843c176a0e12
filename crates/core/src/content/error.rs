//! The typed errors of content-store operations, with their mapping to `Spec` errors.

use crate::digest::Digest;
use crate::registry_error::ErrorCode;
use crate::spec::{self, ErrorKind};

/// What went wrong in a content store.
#[derive(Clone, Debug, thiserror::Error)]
pub enum Error {
    /// The content or the ingest is not in the store.
    #[error("{what} not found")]
    NotFound {
        /// What was looked for: `content sha256:…` or `ingest "ref"`.
        what: String,
    },
    /// The content is already in the store; nothing was changed.
    #[error("content {digest} already exists")]
    AlreadyExists {
        /// The content's digest.
        digest: Digest,
    },
    /// Another writer holds the ref (containerd's "unavailable"): close that writer, or wait
    /// and try again.
    #[error("ingest {reference:?} is locked: another writer has it open")]
    Locked {
        /// The ref.
        reference: String,
    },
    /// The bytes written are not the size they must be; the ingest is kept.
    #[error("unexpected commit size {actual}, expected {expected}")]
    SizeMismatch {
        /// The size required.
        expected: u64,
        /// The size written.
        actual: u64,
    },
    /// The bytes written do not have the digest they must have; the ingest is kept.
    #[error("unexpected commit digest {actual}, expected {expected}")]
    DigestMismatch {
        /// The digest required.
        expected: Digest,
        /// The digest of what was written.
        actual: Digest,
    },
    /// The operation does not fit the state (e.g. resuming an ingest with other expectations).
    #[error("failed precondition: {0}")]
    FailedPrecondition(String),
    /// The caller passed something invalid (a field path, an oversized label, a closed writer).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The store is read-only (a tarball).
    #[error("read-only content store: {0}")]
    ReadOnly(String),
    /// The storage is full (disk full, browser quota): free space or grant more.
    #[error("storage quota exceeded: {0}")]
    QuotaExceeded(String),
    /// The storage failed (file system, browser storage), with what was being done.
    #[error("storage error: {0}")]
    Io(String),
    /// Reading the source of a copy failed.
    #[error("reading the source failed: {0}")]
    Source(spec::Error),
}

impl Error {
    /// `content <digest> not found`.
    pub fn content_not_found(digest: &Digest) -> Error {
        Error::NotFound {
            what: format!("content {digest}"),
        }
    }

    /// `ingest "<ref>" not found`.
    pub fn ingest_not_found(reference: &str) -> Error {
        Error::NotFound {
            what: format!("ingest {reference:?}"),
        }
    }

    /// True for [`Error::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }

    /// True for [`Error::AlreadyExists`].
    pub fn is_already_exists(&self) -> bool {
        matches!(self, Error::AlreadyExists { .. })
    }

    /// True for a commit whose size or digest did not match (containerd's "failed
    /// precondition").
    pub fn is_failed_precondition(&self) -> bool {
        matches!(
            self,
            Error::SizeMismatch { .. }
                | Error::DigestMismatch { .. }
                | Error::FailedPrecondition(_)
        )
    }
}

impl From<Error> for spec::Error {
    /// As a registry would answer: `BLOB_UNKNOWN`, `SIZE_INVALID`, `DIGEST_INVALID`, `DENIED`
    /// for a read-only store; the rest as non-registry failures.
    fn from(e: Error) -> spec::Error {
        let message = e.to_string();
        match e {
            Error::NotFound { .. } => spec::Error::code(ErrorCode::BlobUnknown, message),
            Error::SizeMismatch { .. } => spec::Error::code(ErrorCode::SizeInvalid, message),
            Error::DigestMismatch { .. } => spec::Error::code(ErrorCode::DigestInvalid, message),
            Error::ReadOnly(_) => spec::Error::code(ErrorCode::Denied, message),
            Error::Source(inner) => inner,
            Error::InvalidArgument(_) => spec::Error::other(ErrorKind::InvalidArgument, message),
            Error::AlreadyExists { .. }
            | Error::Locked { .. }
            | Error::FailedPrecondition(_)
            | Error::QuotaExceeded(_)
            | Error::Io(_) => spec::Error::other(ErrorKind::Unsupported, message),
        }
    }
}
