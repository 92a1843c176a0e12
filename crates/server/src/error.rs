//! The one place where failures become HTTP answers: `spec::Error` → status + error body.
//!
//! Mapping (documented decisions):
//! - a registry error keeps its status and entries;
//! - a malformed digest or a content mismatch → 400 `DIGEST_INVALID`; a size mismatch → 400
//!   `SIZE_INVALID`;
//! - a manifest over the limit → **413** `SIZE_INVALID` (the body was not read to its end);
//!   any other refused manifest → 400 `MANIFEST_INVALID`, the message saying why;
//! - an invalid argument → 400 with the code of the endpoint (`MANIFEST_INVALID` for manifests,
//!   `BLOB_UPLOAD_INVALID` for uploads, `DIGEST_INVALID` for blobs, `NAME_INVALID` otherwise);
//! - unsupported → 405 `UNSUPPORTED`; network failures of a backing store → 503 `UNAVAILABLE`;
//!   protocol, CORS or aborted failures of a backing store → 502 `UNKNOWN`.

use hyper::header::{HeaderName, HeaderValue};
use hyper::{Response, StatusCode};
use ociscope_core::digest::DigestError;
use ociscope_core::headers::names;
use ociscope_core::manifest::ManifestError;
use ociscope_core::spec::{Error, ErrorKind};
use ociscope_core::{ErrorCode, ErrorInfo, RegistryError};

use crate::body::{full, Body};

/// An error answer: a registry error (status and entries) and extra headers.
#[derive(Debug)]
pub struct HttpError {
    /// Status and error entries.
    pub error: RegistryError,
    /// Headers to send with it (`WWW-Authenticate`, `Range`, `Content-Range`, `Retry-After`…).
    pub headers: Vec<(&'static str, String)>,
}

impl HttpError {
    /// An error with this code, its canonical status and this message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> HttpError {
        HttpError {
            error: RegistryError::with_message(code, message),
            headers: Vec::new(),
        }
    }

    /// An error with this code and message at another status than the canonical one.
    pub fn with_status(status: u16, code: ErrorCode, message: impl Into<String>) -> HttpError {
        HttpError {
            error: RegistryError::from_errors(
                status,
                vec![ErrorInfo::new(code).with_message(message)],
            ),
            headers: Vec::new(),
        }
    }

    /// This error with one more header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> HttpError {
        self.headers.push((name, value.into()));
        self
    }

    /// The error a `Spec` failure becomes; `invalid` is the code of the endpoint for bad
    /// arguments.
    pub fn from_spec(err: &Error, invalid: ErrorCode) -> HttpError {
        match err {
            Error::Registry(e) => HttpError {
                error: e.clone(),
                headers: Vec::new(),
            },
            Error::Digest(DigestError::SizeMismatch { .. }) => {
                HttpError::new(ErrorCode::SizeInvalid, err.to_string())
            }
            Error::Digest(_) => HttpError::new(ErrorCode::DigestInvalid, err.to_string()),
            Error::Manifest(ManifestError::TooLarge { .. }) => {
                HttpError::with_status(413, ErrorCode::SizeInvalid, err.to_string())
            }
            Error::Manifest(_) => HttpError::new(ErrorCode::ManifestInvalid, err.to_string()),
            Error::Other { kind, message } => match kind {
                ErrorKind::InvalidArgument => HttpError::with_status(400, invalid, message.clone()),
                ErrorKind::Unsupported => HttpError::new(ErrorCode::Unsupported, message.clone()),
                ErrorKind::Network => HttpError::new(ErrorCode::Unavailable, message.clone()),
                ErrorKind::Protocol | ErrorKind::Cors | ErrorKind::Aborted => {
                    HttpError::with_status(502, ErrorCode::Unknown, message.clone())
                }
            },
        }
    }

    /// The HTTP response: status, headers and the JSON error body (none for HEAD).
    pub fn into_response(self, head: bool) -> Response<Body> {
        let body = self.error.to_body();
        let status =
            StatusCode::from_u16(self.error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = Response::new(if head {
            crate::body::empty()
        } else {
            full(body.clone())
        });
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(
            names::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Ok(len) = HeaderValue::from_str(&body.len().to_string()) {
            headers.insert(names::CONTENT_LENGTH, len);
        }
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.append(HeaderName::from_static(name), value);
            }
        }
        response
    }
}

impl From<RegistryError> for HttpError {
    fn from(error: RegistryError) -> Self {
        HttpError {
            error,
            headers: Vec::new(),
        }
    }
}

/// Why a handler did not produce its normal answer.
#[derive(Debug)]
pub enum Failure {
    /// The backing `Spec` failed; mapped with the endpoint's code for invalid arguments.
    Spec(Error),
    /// An error answer decided by the server itself.
    Http(HttpError),
    /// Drop the connection without an answer (fault injection, or a broken request body).
    Reset(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Spec(e)
    }
}

impl From<HttpError> for Failure {
    fn from(e: HttpError) -> Self {
        Failure::Http(e)
    }
}
