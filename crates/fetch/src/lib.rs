//! ociscope-fetch: a [`Transport`] over the Fetch API, so that [`HttpSpec<FetchTransport>`] is
//! the [`Spec`](ociscope_core::spec::Spec) of one registry in a browser page, a Web Worker or
//! Node ≥ 20. Auth, retries, pagination, uploads and verification live in the core client; this
//! crate only moves bytes and explains the failures browsers produce.
//!
//! Decisions:
//! - Requests are built with gloo-net and sent through the global `fetch` (`globalThis.fetch`,
//!   never `window`), so the same code runs in pages, workers and Node; or through a function
//!   the caller gives ([`FetchTransport::with_fetch`], wasm32), called with one `Request`. The transport calls
//!   `fetch` itself rather than gloo's `send`, which panics when a promise rejects with something
//!   other than an `Error` (an abort with a custom reason).
//! - `redirect: "follow"`: the Fetch API follows redirects and strips `Authorization` when one
//!   crosses origins, which is the guarantee [`Transport`] asks of a transport that follows
//!   them. `cache: "no-store"`: registry answers are never served from the HTTP cache.
//! - Request bodies go out as one `Uint8Array` each (a chunk of an upload at a time), given to
//!   `new Request` as a view of wasm memory, which the browser copies; response
//!   bodies are read from the `ReadableStream` chunk by chunk, and a body dropped before its end
//!   cancels its stream so the connection is released.
//! - A rejected `fetch` is an [`ErrorKind::Aborted`] failure when the request was aborted. In a
//!   browser context (page or worker) asking another origin, browsers report a CORS refusal and
//!   a network failure alike ("TypeError: Failed to fetch"), so two probes of the same URL tell
//!   them apart: a `no-cors` HEAD (resolves whenever the server answers; skipped in a
//!   cross-origin isolated context, where it would be blocked) and a CORS HEAD with the
//!   request's headers (resolves when CORS lets the page send them and read the answer). A
//!   reachable server that CORS refuses is an [`ErrorKind::Cors`] failure whose message names
//!   every header the registry must send ([`ALLOW_HEADERS`], [`EXPOSE_HEADERS`]) and the
//!   preflight-401 pitfall of auth-protected registries; everything else (and everything in
//!   Node, which has no CORS) is [`ErrorKind::Network`]. The core client retries only network
//!   failures, so neither CORS refusals nor aborts are retried.
//! - The crate builds on every target so a workspace builds natively; off wasm32 every request
//!   fails with [`ErrorKind::Unsupported`].
//!
//! [`Transport`]: ociscope_core::client::Transport
//! [`ErrorKind::Aborted`]: ociscope_core::spec::ErrorKind::Aborted
//! [`ErrorKind::Cors`]: ociscope_core::spec::ErrorKind::Cors
//! [`ErrorKind::Network`]: ociscope_core::spec::ErrorKind::Network
//! [`ErrorKind::Unsupported`]: ociscope_core::spec::ErrorKind::Unsupported

#![warn(missing_docs)]

mod blob;
mod explain;
#[cfg(not(target_arch = "wasm32"))]
mod native;
#[cfg(target_arch = "wasm32")]
mod wasm;

use ociscope_core::client::{HttpSpec, Options, Registry};
use ociscope_core::spec::Error;

pub use blob::{BlobBody, BlobSource, READ_BUFFER, YIELD_AFTER_MS};
pub use explain::cors_explanation;
#[cfg(target_arch = "wasm32")]
pub use wasm::sleep;

/// Request headers a registry must allow cross-origin (`Access-Control-Allow-Headers`): every
/// header the client sends that is not CORS-safelisted.
pub const ALLOW_HEADERS: &str = "Authorization, Accept, Content-Type, Content-Range, Range";

/// Methods a registry must allow cross-origin (`Access-Control-Allow-Methods`).
pub const ALLOW_METHODS: &str = "GET, HEAD, POST, PUT, PATCH, DELETE";

/// Response headers a registry must expose to scripts (`Access-Control-Expose-Headers`); the
/// same list as `ociscope_core::headers::names::EXPOSED_TO_BROWSERS`.
pub const EXPOSE_HEADERS: &str = "Content-Length, Content-Range, Content-Type, \
Docker-Content-Digest, Docker-Distribution-Api-Version, Docker-Upload-UUID, ETag, Link, \
Location, OCI-Chunk-Min-Length, OCI-Filters-Applied, OCI-Subject, Range, RateLimit-Limit, \
RateLimit-Remaining, Retry-After, WWW-Authenticate";

/// Moves the client's requests through the Fetch API (`globalThis.fetch`, or a function the
/// caller gives).
///
/// `FetchTransport::default()` sends plain requests through the global `fetch`;
/// `FetchTransport::with_fetch` (wasm32) through a function of the caller's;
/// `FetchTransport::with_abort_signal` and `tied_to` tie every request and body read to an
/// `AbortSignal`.
#[derive(Clone, Debug, Default)]
pub struct FetchTransport {
    /// Aborts every request and body read of this transport when it fires.
    #[cfg(target_arch = "wasm32")]
    signal: Option<web_sys::AbortSignal>,
    /// Called instead of the global `fetch`, with one `Request`.
    #[cfg(target_arch = "wasm32")]
    fetch: Option<js_sys::Function>,
}

#[cfg(target_arch = "wasm32")]
impl FetchTransport {
    /// A transport whose requests and body reads stop, as [`ErrorKind::Aborted`] failures, once
    /// `signal` is aborted (an already aborted signal fails every request at once).
    ///
    /// [`ErrorKind::Aborted`]: ociscope_core::spec::ErrorKind::Aborted
    pub fn with_abort_signal(signal: web_sys::AbortSignal) -> FetchTransport {
        FetchTransport {
            signal: Some(signal),
            fetch: None,
        }
    }

    /// A transport that sends every request (and the CORS probes of a failed one) by calling
    /// `fetch(request)` instead of the global `fetch`: a wrapper that adds headers, counts or
    /// logs, or a `fetch` of another realm or library. It is called with one `Request` (its
    /// signal set when the transport has one) and must return a `Response` or a promise of one;
    /// what it throws or rejects with is reported as the global fetch's failures are.
    pub fn with_fetch(fetch: js_sys::Function) -> FetchTransport {
        FetchTransport {
            signal: None,
            fetch: Some(fetch),
        }
    }

    /// This transport (same `fetch`) with its requests tied to `signal` instead.
    pub fn tied_to(&self, signal: web_sys::AbortSignal) -> FetchTransport {
        FetchTransport {
            signal: Some(signal),
            fetch: self.fetch.clone(),
        }
    }

    /// The abort signal requests are tied to, if any.
    pub fn abort_signal(&self) -> Option<&web_sys::AbortSignal> {
        self.signal.as_ref()
    }
}

/// A response body read from the Fetch API's `ReadableStream`, one chunk at a time.
pub struct FetchBody {
    #[cfg(target_arch = "wasm32")]
    inner: wasm::Stream,
}

/// An `HttpSpec` over the Fetch API for the registry at `address`
/// (`scheme://host[:port][/prefix]`).
pub fn connect(address: &str, options: Options) -> Result<HttpSpec<FetchTransport>, Error> {
    connect_with(FetchTransport::default(), address, options)
}

/// An `HttpSpec` over `transport` (e.g. one with an abort signal) for the registry at `address`.
pub fn connect_with(
    transport: FetchTransport,
    address: &str,
    options: Options,
) -> Result<HttpSpec<FetchTransport>, Error> {
    Ok(HttpSpec::new(transport, Registry::parse(address)?, options))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ociscope_core::headers::names::EXPOSED_TO_BROWSERS;

    fn names(list: &str) -> Vec<String> {
        let mut v: Vec<String> = list
            .split(',')
            .map(|n| n.trim().to_ascii_lowercase())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn expose_headers_are_the_cores_list() {
        let mut core: Vec<String> = EXPOSED_TO_BROWSERS.iter().map(|n| n.to_string()).collect();
        core.sort();
        assert_eq!(names(EXPOSE_HEADERS), core);
    }

    #[test]
    fn allow_headers_cover_what_the_client_sends() {
        let allowed = names(ALLOW_HEADERS);
        for sent in [
            "authorization",
            "accept",
            "content-type",
            "content-range",
            "range",
        ] {
            assert!(allowed.contains(&sent.to_string()), "{sent}");
        }
    }

    #[test]
    fn connect_keeps_a_path_prefix() {
        let spec = connect("http://127.0.0.1:5000/mirror/", Options::default()).unwrap();
        assert_eq!(spec.registry().base(), "http://127.0.0.1:5000/mirror/v2/");
        assert_eq!(
            spec.registry()
                .blob_url("a/b", &ociscope_core::Digest::sha256_of(b""))
                .unwrap(),
            format!(
                "http://127.0.0.1:5000/mirror/v2/a/b/blobs/{}",
                ociscope_core::Digest::sha256_of(b"")
            )
        );
        assert!(connect("ftp://x", Options::default()).is_err());
    }
}
