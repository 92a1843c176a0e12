//! Forwarding the distribution API to configured upstream registries (`--upstream NAME=URL`),
//! so a browser page served by this server reaches registries that send no CORS headers (or
//! answer preflights 401, as CNCF distribution with htpasswd does).
//!
//! Rules:
//! - **Two forms, one mapping.** `/upstream/NAME/v2/REST` (what the app and any client with a
//!   base path use: the registry URL is `http://SERVER/upstream/NAME`) and
//!   `/v2/upstream/NAME/REST` (for Docker-style clients such as skopeo, which always talk to
//!   `/v2/` at the root: the image is `SERVER/upstream/NAME/REPO`) both go to the upstream's
//!   `/v2/REST`. With `--upstream`, the local namespace `upstream/` is reserved for this.
//! - **Never an open proxy.** Only configured upstreams (`http://` or `https://` origins) are reached;
//!   the upstream comes from the path's NAME, never from the request's Host or an absolute
//!   request URI; paths with `.`/`..` segments are refused; only `/v2/…` is forwarded, plus the
//!   token endpoints the upstreams announced in a `WWW-Authenticate` realm on the origin of a
//!   configured upstream (at most [`MAX_REALMS`] remembered).
//! - **Credentials pass through per request.** `Authorization` goes to the upstream as sent
//!   and is never stored or logged (nothing here logs). A redirect the server follows carries
//!   no `Authorization`, as browsers and Docker do across origins.
//! - **Streaming.** Request and response bodies are hyper bodies passed through frame by
//!   frame; nothing is buffered, so memory stays flat for any blob size.
//! - **Rewrites.** `Location` and `Link` that point at the upstream's origin (or are relative)
//!   are rewritten to go through this server in the form the request used; a
//!   `WWW-Authenticate` realm on a configured upstream's origin is rewritten to
//!   `http://HOST/upstream/THAT/PATH` (HOST: the request's `Host`). Upstream CORS headers are
//!   dropped (the server adds its own).
//! - **Redirects to another origin** (object storage) of a GET or HEAD are followed by the
//!   server (at most [`MAX_REDIRECTS`], `http://` or `https://`), so the browser never meets a
//!   cross-origin redirect; a redirect within the upstream is rewritten and passed on.
//! - **TLS.** `https://` upstreams and redirect targets are verified by rustls against
//!   Mozilla's roots (webpki-roots) plus the operator's own CAs ([`CaCertificate`],
//!   `--upstream-ca FILE.pem`); nothing skips verification. A refused certificate answers 502
//!   with rustls' reason (e.g. `invalid peer certificate: UnknownIssuer`).
//! - **Connections are pooled.** One hyper-util client keeps idle connections per origin
//!   (plain and TLS) and reuses them, instead of a connection (and a TLS handshake) per
//!   request.
//! - **Limits.** Connecting and the response head must come within the timeout
//!   ([`Forwarder::timeout`], 30 s by default) and a response body must not stall longer than
//!   it between frames; at most [`Forwarder::max_concurrent`] upstream requests are in flight
//!   (a request or body still streaming counts), more answer 429 `TOOMANYREQUESTS` with
//!   `Retry-After: 1`.

use std::cell::RefCell;
use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::header::{HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, Uri};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use ociscope_core::ErrorCode;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

use crate::body::{full, Body, BoxError};
use crate::error::HttpError;
use crate::route::percent_decode;

/// Redirects to another origin followed for one request.
pub const MAX_REDIRECTS: usize = 5;
/// Token endpoint paths remembered from upstream realms.
pub const MAX_REALMS: usize = 64;
/// Upstream requests in flight at most, by default.
pub const DEFAULT_MAX_CONCURRENT: usize = 64;
/// Timeout of connecting, of the response head and of a stalled body, by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Idle upstream connections kept per origin.
pub const MAX_IDLE_PER_ORIGIN: usize = 32;

/// A CA certificate trusted for `https://` upstreams besides Mozilla's roots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaCertificate(CertificateDer<'static>);

impl CaCertificate {
    /// Every certificate of a PEM file's text; an error when it holds none or a broken one.
    pub fn from_pem(pem: &[u8]) -> Result<Vec<CaCertificate>, String> {
        let certs = CertificateDer::pem_slice_iter(pem)
            .map(|c| c.map(CaCertificate))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("not a PEM certificate file: {e}"))?;
        if certs.is_empty() {
            return Err("no CERTIFICATE block in the PEM file".to_string());
        }
        Ok(certs)
    }
}

/// One configured upstream: `NAME=http[s]://HOST[:PORT]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upstream {
    /// The name in `/upstream/NAME/…`: letters, digits, `-`, `_` and `.`.
    pub name: String,
    /// `http[s]://host:port`, without a path.
    pub origin: String,
    /// `host:port`, what is connected to.
    pub authority: String,
}

impl FromStr for Upstream {
    type Err = String;
    /// Parses `NAME=http[s]://HOST[:PORT][/]`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, url) = s
            .split_once('=')
            .ok_or_else(|| format!("expected NAME=URL, got {s:?}"))?;
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            || name.starts_with('.')
        {
            return Err(format!(
                "upstream name {name:?}: use letters, digits, '-', '_' or '.'"
            ));
        }
        let (scheme, authority) = parse_origin(url.trim_end_matches('/')).ok_or_else(|| {
            format!("upstream {name}: {url:?} is not an http[s]://HOST[:PORT] URL")
        })?;
        Ok(Upstream {
            name: name.to_string(),
            origin: format!("{scheme}://{authority}"),
            authority,
        })
    }
}

/// `(scheme, host:port)` of an absolute URL without a path, query or credentials.
fn parse_origin(url: &str) -> Option<(String, String)> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
        return None;
    }
    let authority = if rest.contains(':') && !rest.ends_with(']') {
        rest.to_ascii_lowercase()
    } else {
        match scheme.as_str() {
            "http" => format!("{}:80", rest.to_ascii_lowercase()),
            "https" => format!("{}:443", rest.to_ascii_lowercase()),
            _ => return None,
        }
    };
    Some((scheme, authority))
}

/// `(origin, path-and-query)` of an absolute `http://` or `https://` URL (the origin with an
/// explicit port).
fn split_url(url: &str) -> Option<(String, String)> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => (rest.get(..i)?, rest.get(i..)?),
        None => (rest, "/"),
    };
    let (_, authority) = parse_origin(&format!("{scheme}://{authority}"))?;
    let path = if path.starts_with('?') {
        format!("/{path}")
    } else {
        path.to_string()
    };
    Some((format!("{scheme}://{authority}"), path))
}

/// The pooled upstream client: plain HTTP and rustls-verified HTTPS.
type UpstreamClient = Client<HttpsConnector<HttpConnector>, Body>;

/// A client trusting Mozilla's roots and `ca`, connecting within `timeout`; an error only
/// when rustls refuses its own defaults (never with ring's provider).
fn upstream_client(ca: &[CaCertificate], timeout: Duration) -> Result<UpstreamClient, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for cert in ca {
        // A certificate rustls cannot use as a trust anchor is left out (and then refused
        // where it would have been needed, with rustls' reason).
        let _ = roots.add(cert.0.clone());
    }
    // An explicit provider: the process-wide default is ambiguous when another crate (the S3
    // driver's HTTP stack) enables a second one.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS configuration: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(timeout));
    let connector = HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .timer(TokioTimer::new())
        .pool_max_idle_per_host(MAX_IDLE_PER_ORIGIN)
        .build(connector))
}

/// The text of an error and each of its sources, `a: b: c`.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = cause.source();
    }
    out
}

/// Which of the two path forms a request used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// `/upstream/NAME/v2/…`.
    Prefixed,
    /// `/v2/upstream/NAME/…`.
    Docker,
}

/// The forwarder: configured upstreams and the state of their requests.
pub struct Forwarder {
    upstreams: Vec<Upstream>,
    /// Timeout of connecting, of the response head, and of a body stalled between frames.
    pub timeout: Duration,
    /// Upstream requests (with their bodies) in flight at most.
    pub max_concurrent: usize,
    in_flight: Arc<AtomicUsize>,
    realms: RefCell<HashSet<(String, String)>>,
    client: Result<UpstreamClient, String>,
}

/// Holds one of the forwarder's concurrent slots until dropped.
struct Permit(Arc<AtomicUsize>);

impl Drop for Permit {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Headers never forwarded in either direction (hop by hop, or set by this server).
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
];

impl Forwarder {
    /// A forwarder to these upstreams with these limits, trusting `ca` besides Mozilla's roots
    /// for `https://` upstreams.
    pub fn new(
        upstreams: Vec<Upstream>,
        timeout: Duration,
        max_concurrent: usize,
        ca: &[CaCertificate],
    ) -> Forwarder {
        Forwarder {
            client: upstream_client(ca, timeout),
            upstreams,
            timeout,
            max_concurrent: max_concurrent.max(1),
            in_flight: Arc::new(AtomicUsize::new(0)),
            realms: RefCell::new(HashSet::new()),
        }
    }

    /// True when any upstream is configured.
    pub fn enabled(&self) -> bool {
        !self.upstreams.is_empty()
    }

    /// The `GET /upstreams` answer: `{"upstreams":[{"name":…,"path":"/upstream/NAME"}]}`.
    pub fn listing(&self) -> Response<Body> {
        let list: Vec<_> = self
            .upstreams
            .iter()
            .map(|u| serde_json::json!({"name": u.name, "path": format!("/upstream/{}", u.name)}))
            .collect();
        let json = serde_json::json!({ "upstreams": list }).to_string();
        let mut r = Response::new(full(json.clone()));
        r.headers_mut()
            .insert("content-type", HeaderValue::from_static("application/json"));
        r.headers_mut()
            .insert("content-length", HeaderValue::from(json.len()));
        r
    }

    /// True when `path` is one the forwarder answers (so it is never served locally).
    pub fn claims(&self, path: &str) -> bool {
        self.enabled() && (path.starts_with("/upstream/") || path.starts_with("/v2/upstream/"))
    }

    fn find(&self, name: &str) -> Option<&Upstream> {
        self.upstreams.iter().find(|u| u.name == name)
    }

    /// `(upstream, form, upstream path)` of a request path, or why it is refused.
    fn target(&self, path: &str) -> Result<(&Upstream, Form, String), HttpError> {
        let (form, rest) = if let Some(rest) = path.strip_prefix("/upstream/") {
            (Form::Prefixed, rest)
        } else if let Some(rest) = path.strip_prefix("/v2/upstream/") {
            (Form::Docker, rest)
        } else {
            return Err(refused(404, "not an upstream path"));
        };
        let (name, tail) = rest.split_once('/').unwrap_or((rest, ""));
        let upstream = self.find(name).ok_or_else(|| {
            let names: Vec<&str> = self.upstreams.iter().map(|u| u.name.as_str()).collect();
            refused(
                404,
                &format!(
                    "no upstream named {name:?}; configured: {}",
                    names.join(", ")
                ),
            )
        })?;
        let decoded = percent_decode(tail).ok_or_else(|| refused(400, "invalid path encoding"))?;
        if decoded
            .split('/')
            .any(|s| s == "." || s == ".." || s.contains(['\\', '\0']))
        {
            return Err(refused(400, "path segments '.' and '..' are refused"));
        }
        let upstream_path = match form {
            Form::Docker => format!("/v2/{tail}"),
            Form::Prefixed => format!("/{tail}"),
        };
        let allowed = upstream_path == "/v2"
            || upstream_path.starts_with("/v2/")
            || self
                .realms
                .borrow()
                .contains(&(upstream.name.clone(), upstream_path.clone()));
        if !allowed {
            return Err(refused(
                404,
                "only the distribution API (/v2/) and announced token endpoints are forwarded",
            ));
        }
        Ok((upstream, form, upstream_path))
    }

    /// Answers one request for an upstream path (`claims(path)` is true).
    pub async fn forward(
        &self,
        method: Method,
        path: &str,
        query: Option<&str>,
        headers: HeaderMap,
        body: Incoming,
    ) -> Result<Response<Body>, HttpError> {
        let (upstream, form, upstream_path) = self.target(path)?;
        if self.in_flight.load(Ordering::Relaxed) >= self.max_concurrent {
            return Err(HttpError::new(
                ErrorCode::TooManyRequests,
                format!(
                    "too many requests to upstreams in flight (limit {}); retry shortly",
                    self.max_concurrent
                ),
            )
            .header("retry-after", "1"));
        }
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        let permit = Permit(self.in_flight.clone());
        let host = headers
            .get("host")
            .and_then(|v| v.to_str().ok())
            .filter(|h| !h.is_empty() && !h.contains(['/', ' ', '@']))
            .unwrap_or("localhost")
            .to_string();
        let target = match query {
            Some(q) => format!("{upstream_path}?{q}"),
            None => upstream_path,
        };
        let follow = method == Method::GET || method == Method::HEAD;
        let mut out_headers = HeaderMap::new();
        for (name, value) in &headers {
            let n = name.as_str();
            if HOP_BY_HOP.contains(&n) || n == "origin" || n == "referer" || n.starts_with("sec-") {
                continue;
            }
            out_headers.append(name.clone(), value.clone());
        }
        let body: Body = body.map_err(BoxError::from).boxed_unsync();
        let mut response = self
            .send(&method, &upstream.origin, &target, &out_headers, body)
            .await?;
        // Redirects to another origin are followed here, without credentials.
        let mut hops = 0;
        while follow && response.status().is_redirection() {
            let Some(location) = header_text(response.headers(), "location") else {
                break;
            };
            let absolute = resolve(&upstream.origin, &location);
            let Some((origin, next)) = split_url(&absolute) else {
                break;
            };
            if origin == upstream.origin {
                break;
            }
            hops += 1;
            if hops > MAX_REDIRECTS {
                return Err(HttpError::with_status(
                    502,
                    ErrorCode::Unavailable,
                    format!("the upstream redirected more than {MAX_REDIRECTS} times"),
                ));
            }
            let mut redirected = out_headers.clone();
            redirected.remove("authorization");
            let empty: Body = Empty::new().map_err(|never| match never {}).boxed_unsync();
            response = self
                .send(&method, &origin, &next, &redirected, empty)
                .await?;
        }
        let (mut parts, incoming) = response.into_parts();
        let mut headers = HeaderMap::new();
        for (name, value) in &parts.headers {
            let n = name.as_str();
            if HOP_BY_HOP.contains(&n) || n.starts_with("access-control-") {
                continue;
            }
            let rewritten = match n {
                "location" => value
                    .to_str()
                    .ok()
                    .map(|v| self.rewrite_url(upstream, form, &host, v)),
                "link" => value
                    .to_str()
                    .ok()
                    .map(|v| self.rewrite_link(upstream, form, &host, v)),
                "www-authenticate" => value.to_str().ok().map(|v| self.rewrite_realm(&host, v)),
                _ => None,
            };
            match rewritten.and_then(|v| HeaderValue::from_str(&v).ok()) {
                Some(v) => headers.append(name.clone(), v),
                None => headers.append(name.clone(), value.clone()),
            };
        }
        parts.headers = headers;
        let body = Relayed {
            inner: incoming,
            timeout: self.timeout,
            stall: Box::pin(tokio::time::sleep(self.timeout)),
            _permit: permit,
        };
        Ok(Response::from_parts(parts, body.boxed_unsync()))
    }

    /// Sends one request to `origin` (over a pooled connection) and waits, within the
    /// timeout, for the response head.
    async fn send(
        &self,
        method: &Method,
        origin: &str,
        target: &str,
        headers: &HeaderMap,
        body: Body,
    ) -> Result<Response<Incoming>, HttpError> {
        let unavailable = |why: String| HttpError::with_status(502, ErrorCode::Unavailable, why);
        let client = self.client.as_ref().map_err(|e| unavailable(e.clone()))?;
        let uri: Uri = format!("{origin}{target}")
            .parse()
            .map_err(|_| refused(400, "invalid request target"))?;
        let mut request = Request::new(body);
        *request.method_mut() = method.clone();
        *request.uri_mut() = uri;
        *request.headers_mut() = headers.clone();
        match tokio::time::timeout(self.timeout, client.request(request)).await {
            Err(_) => Err(HttpError::with_status(
                504,
                ErrorCode::Unavailable,
                format!(
                    "the upstream {origin} did not answer within {} s",
                    self.timeout.as_secs()
                ),
            )),
            Ok(Err(e)) => {
                let chain = error_chain(&e);
                let hint = if chain.contains("certificate") {
                    " (a private CA's certificate is given with --upstream-ca FILE.pem)"
                } else {
                    ""
                };
                Err(unavailable(format!(
                    "cannot reach the upstream {origin}: {chain}{hint}"
                )))
            }
            Ok(Ok(response)) => Ok(response),
        }
    }

    /// `url` (absolute or relative, from `upstream`) through this server, when it points at
    /// the upstream's `/v2/`; otherwise unchanged.
    fn rewrite_url(&self, upstream: &Upstream, form: Form, host: &str, url: &str) -> String {
        let absolute = resolve(&upstream.origin, url);
        let Some((origin, path)) = split_url(&absolute) else {
            return url.to_string();
        };
        if origin != upstream.origin {
            return url.to_string();
        }
        let Some(rest) = path.strip_prefix("/v2/") else {
            return url.to_string();
        };
        match form {
            Form::Prefixed => format!("http://{host}/upstream/{}/v2/{rest}", upstream.name),
            Form::Docker => format!("http://{host}/v2/upstream/{}/{rest}", upstream.name),
        }
    }

    /// A `Link` header with each `<url>` rewritten by [`Self::rewrite_url`].
    fn rewrite_link(&self, upstream: &Upstream, form: Form, host: &str, value: &str) -> String {
        let mut out = String::new();
        let mut rest = value;
        while let Some(start) = rest.find('<') {
            let Some(len) = rest.get(start..).and_then(|r| r.find('>')) else {
                break;
            };
            let (Some(before), Some(url)) = (rest.get(..=start), rest.get(start + 1..start + len))
            else {
                break;
            };
            out.push_str(before);
            out.push_str(&self.rewrite_url(upstream, form, host, url));
            rest = rest.get(start + len..).unwrap_or("");
        }
        out.push_str(rest);
        out
    }

    /// A `WWW-Authenticate` value whose `realm="URL"` on a configured upstream's origin is
    /// rewritten through this server (and the path remembered as forwardable).
    fn rewrite_realm(&self, host: &str, value: &str) -> String {
        let lower = value.to_ascii_lowercase();
        let Some(at) = lower.find("realm=\"") else {
            return value.to_string();
        };
        let start = at + "realm=\"".len();
        let Some(len) = value.get(start..).and_then(|r| r.find('"')) else {
            return value.to_string();
        };
        let Some(realm) = value.get(start..start + len) else {
            return value.to_string();
        };
        let Some((origin, path)) = split_url(realm) else {
            return value.to_string();
        };
        let Some(owner) = self.upstreams.iter().find(|u| u.origin == origin) else {
            return value.to_string();
        };
        let bare = path.split('?').next().unwrap_or("/").to_string();
        {
            let mut realms = self.realms.borrow_mut();
            if realms.len() < MAX_REALMS {
                realms.insert((owner.name.clone(), bare));
            }
        }
        let rewritten = format!("http://{host}/upstream/{}{path}", owner.name);
        format!(
            "{}{rewritten}{}",
            value.get(..start).unwrap_or(""),
            value.get(start + len..).unwrap_or("")
        )
    }
}

/// `url` resolved against `origin` (absolute URLs unchanged; `/path` and `path` relative to
/// the origin's root).
fn resolve(origin: &str, url: &str) -> String {
    if url.contains("://") {
        url.to_string()
    } else if let Some(rest) = url.strip_prefix("//") {
        let scheme = origin.split("://").next().unwrap_or("http");
        format!("{scheme}://{rest}")
    } else if url.starts_with('/') {
        format!("{origin}{url}")
    } else {
        format!("{origin}/{url}")
    }
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn refused(status: u16, why: &str) -> HttpError {
    HttpError::with_status(status, ErrorCode::Denied, why.to_string())
}

/// An upstream response body relayed frame by frame, holding its concurrency slot, failing
/// when the upstream stalls longer than the timeout between frames.
struct Relayed {
    inner: Incoming,
    timeout: Duration,
    stall: Pin<Box<tokio::time::Sleep>>,
    _permit: Permit,
}

impl hyper::body::Body for Relayed {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                let deadline = tokio::time::Instant::now() + self.timeout;
                self.stall.as_mut().reset(deadline);
                Poll::Ready(frame.map(|f| f.map_err(BoxError::from)))
            }
            Poll::Pending => match self.stall.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(BoxError::from(
                    "the upstream stalled while sending the body",
                )))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarder() -> Forwarder {
        Forwarder::new(
            vec![
                "dist=http://127.0.0.1:5000".parse().unwrap(),
                "auth=http://auth.example".parse().unwrap(),
            ],
            DEFAULT_TIMEOUT,
            4,
            &[],
        )
    }

    #[test]
    fn parses_upstreams() {
        let u: Upstream = "hub=http://Registry.Example:5000/".parse().unwrap();
        assert_eq!(u.origin, "http://registry.example:5000");
        let tls: Upstream = "ghcr=https://GHCR.io".parse().unwrap();
        assert_eq!(tls.origin, "https://ghcr.io:443");
        assert!("x=ftp://a".parse::<Upstream>().is_err());
        assert!("x=http://a/b".parse::<Upstream>().is_err());
        assert!("x=http://u:p@a".parse::<Upstream>().is_err());
        assert!("../x=http://a".parse::<Upstream>().is_err());
        assert!("noequals".parse::<Upstream>().is_err());
    }

    #[test]
    fn maps_both_forms_and_refuses_others() {
        let f = forwarder();
        let (u, form, p) = f.target("/upstream/dist/v2/a/b/tags/list").unwrap();
        assert_eq!(
            (u.name.as_str(), form, p.as_str()),
            ("dist", Form::Prefixed, "/v2/a/b/tags/list")
        );
        let (_, form, p) = f.target("/v2/upstream/dist/a/manifests/1").unwrap();
        assert_eq!((form, p.as_str()), (Form::Docker, "/v2/a/manifests/1"));
        assert!(f.target("/upstream/nope/v2/").is_err());
        assert!(f.target("/upstream/dist/token").is_err());
        assert!(f.target("/upstream/dist/v2/../x").is_err());
        assert!(f.target("/upstream/dist/v2/%2e%2e/x").is_err());
    }

    #[test]
    fn rewrites_location_link_and_realm() {
        let f = forwarder();
        let u = f.find("dist").unwrap().clone();
        assert_eq!(
            f.rewrite_url(&u, Form::Prefixed, "me:1", "/v2/a/blobs/uploads/x?y=1"),
            "http://me:1/upstream/dist/v2/a/blobs/uploads/x?y=1"
        );
        assert_eq!(
            f.rewrite_url(
                &u,
                Form::Docker,
                "me:1",
                "http://127.0.0.1:5000/v2/a/blobs/uploads/x"
            ),
            "http://me:1/v2/upstream/dist/a/blobs/uploads/x"
        );
        assert_eq!(
            f.rewrite_url(&u, Form::Prefixed, "me:1", "http://s3.example/b"),
            "http://s3.example/b"
        );
        assert_eq!(
            f.rewrite_link(
                &u,
                Form::Prefixed,
                "me:1",
                "</v2/_catalog?last=a&n=1>; rel=\"next\""
            ),
            "<http://me:1/upstream/dist/v2/_catalog?last=a&n=1>; rel=\"next\""
        );
        let v = f.rewrite_realm(
            "me:1",
            "Bearer realm=\"http://auth.example/token\",service=\"s\",scope=\"x\"",
        );
        assert_eq!(
            v,
            "Bearer realm=\"http://me:1/upstream/auth/token\",service=\"s\",scope=\"x\""
        );
        assert!(f.target("/upstream/auth/token").is_ok());
        let other = "Bearer realm=\"http://elsewhere/token\"";
        assert_eq!(f.rewrite_realm("me:1", other), other);
    }
}
