//! The one error type of every `Spec` operation.

use crate::digest::DigestError;
use crate::manifest::ManifestError;
use crate::registry_error::{ErrorCode, RegistryError};

/// What kind of failure happened below the registry protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request never got an answer (connection refused, reset, DNS, offline).
    Network,
    /// A browser refused to show the answer: the registry sent no CORS headers for this origin.
    Cors,
    /// The operation was aborted by the caller.
    Aborted,
    /// The registry answered something the protocol does not allow.
    Protocol,
    /// The operation is not possible on this registry or in this state.
    Unsupported,
    /// The caller passed something invalid (a bad repository name, a closed upload).
    InvalidArgument,
}

/// An error of a `Spec` operation: a registry error with its spec codes, or what went wrong
/// around it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// The registry answered with an error status (and usually spec error codes).
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// Content did not match its digest or size, or a digest was malformed.
    #[error(transparent)]
    Digest(#[from] DigestError),
    /// A manifest could not be parsed or was refused.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// A failure outside the registry protocol, with what to do about it.
    #[error("{message}")]
    Other {
        /// What kind of failure.
        kind: ErrorKind,
        /// What happened and, where known, what to do.
        message: String,
    },
}

impl Error {
    /// A registry error with one spec code, as a registry would answer it.
    pub fn code(code: ErrorCode, message: impl Into<String>) -> Error {
        Error::Registry(RegistryError::with_message(code, message))
    }

    /// A failure of the given kind.
    pub fn other(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error::Other {
            kind,
            message: message.into(),
        }
    }

    /// An invalid argument.
    pub fn invalid(message: impl Into<String>) -> Error {
        Error::other(ErrorKind::InvalidArgument, message)
    }

    /// True when the registry reported this spec code.
    pub fn has_code(&self, code: ErrorCode) -> bool {
        matches!(self, Error::Registry(e) if e.has_code(code))
    }

    /// The HTTP status of a registry error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Registry(e) => Some(e.status),
            _ => None,
        }
    }

    /// True for "not found" answers (404, or a *_UNKNOWN code).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
            || [
                ErrorCode::BlobUnknown,
                ErrorCode::ManifestUnknown,
                ErrorCode::NameUnknown,
                ErrorCode::BlobUploadUnknown,
            ]
            .into_iter()
            .any(|c| self.has_code(c))
    }

    /// The kind of a non-registry failure.
    pub fn kind(&self) -> Option<ErrorKind> {
        match self {
            Error::Other { kind, .. } => Some(*kind),
            _ => None,
        }
    }
}
