//! ociscope-server: an HTTP server of the OCI distribution-spec v1.1 over any `Spec`, with
//! CORS for browsers, Basic or bearer-token auth, fault injection and the web app beside `/v2/`.
//!
//! The server is single-threaded: `Spec` futures are not `Send`, so it runs on a
//! current-thread tokio runtime inside a `LocalSet`, each connection served by hyper's HTTP/1
//! `serve_connection` in `spawn_local`. [`spawn`] runs one on its own thread for tests and
//! embedding: it returns the URL and a handle that stops it.

#![warn(missing_docs)]

mod app;
mod auth;
mod blobs;
mod body;
mod config;
mod cors;
mod error;
mod faults;
mod forward;
mod lists;
mod manifests;
mod quirks;
mod route;
mod running;
mod server;
mod uploads;

pub use auth::{base64_decode, base64_encode, basic_authorization, Grant, ANONYMOUS, SERVICE};
pub use blobs::{BlobUrlFuture, BlobUrls};
pub use body::{Body, BoxError};
pub use config::{AuthMode, Config, Credentials, DEFAULT_MAX_BLOB_SIZE, DEFAULT_MAX_MANIFEST_SIZE};
pub use error::HttpError;
pub use faults::{FaultKind, FaultRule, SplitMix64};
pub use forward::{
    CaCertificate, Upstream, DEFAULT_MAX_CONCURRENT, DEFAULT_TIMEOUT, MAX_REDIRECTS,
};
pub use quirks::{Quirk, Quirks};
pub use route::Route;
pub use running::{spawn, Running};
pub use server::{Server, MAX_NAME_LEN};
