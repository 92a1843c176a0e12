//! The transport on wasm32: gloo-net builds the request, the global `fetch` sends it, the body
//! streams from a `ReadableStream`, timers come from the global `setTimeout`.

use bytes::Bytes;
use gloo_net::http::{Method as GlooMethod, RequestBuilder};
use js_sys::{Promise, Reflect, Uint8Array};
use ociscope_core::client::{
    Body, BodyStream, External, Headers, Method, Registry, Request, Response, Transport,
    TransportError,
};
use ociscope_core::spec::ErrorKind;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortSignal, ReadableStream, ReadableStreamDefaultReader, RequestCache, RequestCredentials,
    RequestMode, RequestRedirect,
};

use crate::explain::cors_explanation;
use crate::{BlobBody, FetchBody, FetchTransport};

#[wasm_bindgen]
extern "C" {
    /// `globalThis.fetch(request)`: present in pages, workers and Node ≥ 18.
    #[wasm_bindgen(js_name = fetch, catch)]
    fn global_fetch(request: &web_sys::Request) -> Result<Promise, JsValue>;

    /// `globalThis.setTimeout(handler, ms)`.
    #[wasm_bindgen(js_name = setTimeout, catch)]
    fn set_timeout(handler: &js_sys::Function, ms: f64) -> Result<JsValue, JsValue>;
}

/// Headers the platform sets itself (fetch refuses or ignores them).
const PLATFORM_HEADERS: &[&str] = &["content-length", "host", "connection"];

fn gloo_method(m: Method) -> GlooMethod {
    match m {
        Method::Get => GlooMethod::GET,
        Method::Head => GlooMethod::HEAD,
        Method::Post => GlooMethod::POST,
        Method::Put => GlooMethod::PUT,
        Method::Patch => GlooMethod::PATCH,
        Method::Delete => GlooMethod::DELETE,
    }
}

/// A string property of a JS value, if it has one.
fn string_prop(value: &JsValue, name: &str) -> Option<String> {
    if !value.is_object() {
        return None;
    }
    Reflect::get(value, &JsValue::from_str(name))
        .ok()
        .and_then(|v| v.as_string())
}

/// `Name: message` of a thrown or rejected value (an `Error`, a `DOMException`, anything).
fn describe(value: &JsValue) -> (String, String) {
    let name = string_prop(value, "name").unwrap_or_default();
    let mut message = string_prop(value, "message")
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"));
    // Node's fetch says only "fetch failed"; the reason is in `cause`.
    if let Ok(cause) = Reflect::get(value, &JsValue::from_str("cause")) {
        if let Some(c) = string_prop(&cause, "message") {
            let code = string_prop(&cause, "code")
                .map(|c| format!(" ({c})"))
                .unwrap_or_default();
            message = format!("{message}: {c}{code}");
        }
    }
    (name, message)
}

/// A request fetch refused to build or send (a header value it rejects, no global `fetch`):
/// trying again would not help.
fn js_error(what: &str, value: &JsValue) -> TransportError {
    let (name, message) = describe(value);
    TransportError {
        kind: ErrorKind::InvalidArgument,
        message: format!("{what}: {name}: {message}"),
    }
}

/// The origin of the page or worker this runs in (`location.origin`); `None` in Node.
fn context_origin() -> Option<String> {
    let location = Reflect::get(&js_sys::global(), &JsValue::from_str("location")).ok()?;
    string_prop(&location, "origin").filter(|o| o != "null")
}

/// True in a cross-origin isolated context, where a `no-cors` probe is blocked anyway.
fn cross_origin_isolated() -> bool {
    Reflect::get(&js_sys::global(), &JsValue::from_str("crossOriginIsolated"))
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

impl FetchTransport {
    /// Sends `request` through the caller's `fetch` when one was given, else the global one; a
    /// non-promise return value is taken as the answer (`Promise.resolve`).
    fn fetch(&self, request: &web_sys::Request) -> Result<Promise, JsValue> {
        match &self.fetch {
            None => global_fetch(request),
            Some(f) => f
                .call1(&JsValue::UNDEFINED, request)
                .map(|answer| Promise::resolve(&answer)),
        }
    }

    fn aborted(&self) -> bool {
        self.signal.as_ref().is_some_and(AbortSignal::aborted)
    }

    fn build(&self, request: &Request) -> Result<web_sys::Request, TransportError> {
        let headers = web_sys::Headers::new().map_err(|e| js_error("request headers", &e))?;
        for (name, value) in &request.headers.0 {
            if PLATFORM_HEADERS.contains(&name.as_str()) {
                continue;
            }
            headers
                .append(name, value)
                .map_err(|e| js_error(&format!("request header {name}"), &e))?;
        }
        let mut builder = RequestBuilder::new(&request.url)
            .method(gloo_method(request.method))
            .headers(gloo_net::http::Headers::from_raw(headers))
            .cache(RequestCache::NoStore)
            .redirect(RequestRedirect::Follow)
            .mode(RequestMode::Cors)
            // The client sends `Authorization` itself. Omitting the browser's own credentials
            // (cookies, its HTTP-auth cache) also keeps it from opening its sign-in dialog on
            // a same-origin `401 Basic` (a registry forwarded by ociscope-server, or one that
            // serves the app), which would stall the request until someone answers it.
            .credentials(RequestCredentials::Omit);
        if let Some(signal) = &self.signal {
            builder = builder.abort_signal(Some(signal));
        }
        let built = builder
            .build()
            .map(web_sys::Request::from)
            .map_err(|e| TransportError {
                kind: ErrorKind::InvalidArgument,
                message: format!("building the request: {e}"),
            })?;
        match &request.body {
            Body::Bytes(bytes) if !bytes.is_empty() => with_body(&built, bytes),
            Body::External(part) => blob_body(&built, part),
            _ => Ok(built),
        }
    }

    /// The failure a rejected `fetch` of `request` stands for.
    ///
    /// Browsers say only "TypeError: Failed to fetch" both for a CORS refusal and for a network
    /// failure, so in a browser context, for another origin, two probes tell them apart: a
    /// `no-cors` HEAD resolves whenever the server answers at all (skipped where cross-origin
    /// isolation would block it), and a CORS HEAD of the same URL with the same headers
    /// resolves only when CORS lets this page send them and read the answer.
    async fn failure(&self, request: &Request, rejected: JsValue) -> TransportError {
        let (name, message) = describe(&rejected);
        let aborted = |message: String| TransportError {
            kind: ErrorKind::Aborted,
            message,
        };
        if name == "AbortError" || self.aborted() {
            return aborted(format!("aborted ({name}: {message})"));
        }
        let network = |why: &str| TransportError::network(format!("{name}: {message} ({why})"));
        let target = Registry::parse(&request.url)
            .ok()
            .filter(|_| request.url.contains("://"))
            .map(|r| r.origin());
        let (Some(page), Some(target)) = (context_origin(), target) else {
            return network("the registry could not be reached, or the connection broke");
        };
        if page == target {
            return network("the registry could not be reached, or the connection broke");
        }
        let probed = !cross_origin_isolated();
        if probed && !self.probe(request, RequestMode::NoCors).await {
            return network("the registry could not be reached");
        }
        if self.probe(request, RequestMode::Cors).await {
            let method = request.method.as_str();
            return network(&format!(
                "the registry answers and its CORS headers let this page send these headers, so \
                 the connection broke on the way; if {method} requests keep failing like this, \
                 the registry must also allow {method} in Access-Control-Allow-Methods"
            ));
        }
        if self.aborted() {
            return aborted(format!("aborted ({name}: {message})"));
        }
        TransportError {
            kind: ErrorKind::Cors,
            message: format!(
                "{name}: {message}: {}",
                cors_explanation(&page, &target, probed)
            ),
        }
    }

    /// Whether a HEAD of `request`'s URL resolves in `mode`: with `no-cors`, whenever the server
    /// answers (opaquely); with `cors` (and the request's headers), when CORS allows it.
    async fn probe(&self, request: &Request, mode: RequestMode) -> bool {
        let init = web_sys::RequestInit::new();
        init.set_method("HEAD");
        init.set_mode(mode);
        init.set_cache(RequestCache::NoStore);
        init.set_redirect(RequestRedirect::Follow);
        if let Some(signal) = &self.signal {
            init.set_signal(Some(signal));
        }
        if mode == RequestMode::Cors {
            let Ok(headers) = web_sys::Headers::new() else {
                return false;
            };
            for (name, value) in &request.headers.0 {
                if !PLATFORM_HEADERS.contains(&name.as_str()) {
                    let _ = headers.append(name, value);
                }
            }
            init.set_headers(&headers);
        }
        let Ok(probe) = web_sys::Request::new_with_str_and_init(&request.url, &init) else {
            return false;
        };
        match self.fetch(&probe) {
            Ok(promise) => JsFuture::from(promise).await.is_ok(),
            Err(_) => false,
        }
    }
}

impl Transport for FetchTransport {
    type Body = FetchBody;

    async fn send(&self, request: Request) -> Result<Response<FetchBody>, TransportError> {
        if self.aborted() {
            return Err(TransportError {
                kind: ErrorKind::Aborted,
                message: "aborted before it was sent".to_string(),
            });
        }
        let js_request = self.build(&request)?;
        let promise = self.fetch(&js_request).map_err(|e| {
            js_error(
                if self.fetch.is_some() {
                    "calling the fetch function given (it threw)"
                } else {
                    "calling fetch (this platform needs a global fetch: Node ≥ 20, a page or a worker)"
                },
                &e,
            )
        })?;
        let answer = match JsFuture::from(promise).await {
            Ok(a) => a,
            Err(rejected) => return Err(self.failure(&request, rejected).await),
        };
        let raw: web_sys::Response = answer.dyn_into().map_err(|v| TransportError {
            kind: ErrorKind::Protocol,
            message: format!("fetch resolved with {v:?}, not a Response"),
        })?;
        let response = gloo_net::http::Response::from(raw);
        let mut headers = Headers::default();
        for (name, value) in response.headers().entries() {
            headers.push(&name, value);
        }
        Ok(Response {
            status: response.status(),
            headers,
            body: FetchBody {
                inner: Stream::new(response.body(), self.signal.clone()),
            },
        })
    }

    fn sends_external(&self) -> bool {
        true
    }

    async fn sleep(&self, ms: u64) {
        sleep(ms).await;
    }

    fn now_unix_secs(&self) -> Option<u64> {
        let ms = js_sys::Date::now();
        (ms.is_finite() && ms >= 0.0).then(|| (ms / 1000.0) as u64)
    }
}

/// Waits `ms` milliseconds with the global `setTimeout` (pages, workers and Node have it); a
/// timer that cannot be set resolves at once.
pub async fn sleep(ms: u64) {
    // setTimeout takes at most 2^31 - 1 ms.
    let ms = ms.min(i32::MAX as u64) as f64;
    let promise = Promise::new(&mut |resolve, _reject| {
        if set_timeout(&resolve, ms).is_err() {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Where a body read stands.
enum State {
    /// Not read yet (or no body at all).
    Unread(Option<ReadableStream>),
    /// Being read through this reader.
    Reading(ReadableStreamDefaultReader),
    /// Read to the end, failed or cancelled.
    Done,
}

/// A response body stream and the abort signal its reads answer to.
pub(crate) struct Stream {
    state: State,
    signal: Option<AbortSignal>,
}

impl Stream {
    fn new(body: Option<ReadableStream>, signal: Option<AbortSignal>) -> Stream {
        Stream {
            state: State::Unread(body),
            signal,
        }
    }

    fn failed(&mut self, rejected: &JsValue) -> TransportError {
        self.state = State::Done;
        let (name, message) = describe(rejected);
        let aborted =
            name == "AbortError" || self.signal.as_ref().is_some_and(AbortSignal::aborted);
        TransportError {
            kind: if aborted {
                ErrorKind::Aborted
            } else {
                ErrorKind::Network
            },
            message: format!("reading the body: {name}: {message}"),
        }
    }
}

impl BodyStream for FetchBody {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, TransportError> {
        let s = &mut self.inner;
        loop {
            let reader = match std::mem::replace(&mut s.state, State::Done) {
                State::Done | State::Unread(None) => return Ok(None),
                State::Unread(Some(stream)) => stream.get_reader().unchecked_into(),
                State::Reading(r) => r,
            };
            let read = JsFuture::from(reader.read()).await;
            s.state = State::Reading(reader);
            let result = match read {
                Ok(r) => r,
                Err(e) => return Err(s.failed(&e)),
            };
            let done = Reflect::get(&result, &JsValue::from_str("done"))
                .ok()
                .and_then(|d| d.as_bool())
                .unwrap_or(true);
            if done {
                s.state = State::Done;
                return Ok(None);
            }
            let value = Reflect::get(&result, &JsValue::from_str("value")).unwrap_or_default();
            let Some(chunk) = value.dyn_ref::<Uint8Array>() else {
                return Err(s.failed(&JsValue::from_str("a body chunk is not a Uint8Array")));
            };
            if chunk.length() > 0 {
                return Ok(Some(Bytes::from(chunk.to_vec())));
            }
        }
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        // Cancel an unfinished body so the connection is released; the promise is awaited
        // (and any rejection swallowed) so no unhandled rejection is left behind.
        let promise = match std::mem::replace(&mut self.state, State::Done) {
            State::Reading(reader) => reader.cancel(),
            State::Unread(Some(stream)) if !stream.locked() => stream.cancel(),
            _ => return,
        };
        wasm_bindgen_futures::spawn_local(async move {
            let _ = JsFuture::from(promise).await;
        });
    }
}

/// `request` with part of a `Blob` as its body, which the browser reads from disk itself.
fn blob_body(
    request: &web_sys::Request,
    part: &External,
) -> Result<web_sys::Request, TransportError> {
    let Some(body) = part.source().as_any().downcast_ref::<BlobBody>() else {
        return Err(TransportError {
            kind: ErrorKind::InvalidArgument,
            message: "an external request body that is not a Blob (ociscope_fetch::BlobBody)"
                .to_string(),
        });
    };
    let (start, end) = part.range();
    let slice = body
        .blob()
        .slice_with_f64_and_f64(start as f64, end as f64)
        .map_err(|e| js_error("slicing the file", &e))?;
    let init = web_sys::RequestInit::new();
    init.set_body(&slice);
    web_sys::Request::new_with_request_and_init(request, &init)
        .map_err(|e| js_error("building the request", &e))
}

/// `request` with `bytes` as its body. The body is given as a view of wasm memory rather than a
/// copy on the JS heap: `new Request` copies the bytes before it returns (Fetch's "extract a
/// body"), and nothing between making the view and that call allocates in wasm. Should the
/// memory have grown all the same (which detaches the view, so it reads as empty), the request
/// is built again from a copy.
fn with_body(request: &web_sys::Request, bytes: &[u8]) -> Result<web_sys::Request, TransportError> {
    let build = |body: &JsValue| {
        let init = web_sys::RequestInit::new();
        init.set_body(body);
        web_sys::Request::new_with_request_and_init(request, &init)
            .map_err(|e| js_error("building the request", &e))
    };
    // SAFETY: the view lives only until `new Request` has copied it, while `bytes` is borrowed.
    let view = unsafe { Uint8Array::view(bytes) };
    let built = build(&view);
    if view.byte_length() as usize == bytes.len() {
        return built;
    }
    build(&Uint8Array::from(bytes))
}
