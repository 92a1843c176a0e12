//! The server: accepts connections, answers each request through one dispatcher, and turns
//! every failure into an HTTP answer in one place.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::rc::Rc;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use ociscope_core::digest::Digest;
use ociscope_core::headers::names;
use ociscope_core::spec::{BlobReader, RepoName, Spec};
use ociscope_core::ErrorCode;
use tokio::net::TcpListener;

use crate::auth::{Access, Authorizer};
use crate::blobs::BlobUrls;
use crate::body::{next_data, BoxError, ChannelBody};
use crate::config::Config;
use crate::error::{Failure, HttpError};
use crate::faults::{FaultKind, Faults};
use crate::forward::Forwarder;
use crate::route::{parse_query, Route};
use crate::{app, cors};

/// Longest repository name accepted (CNCF distribution's limit).
pub const MAX_NAME_LEN: usize = ociscope_core::reference::MAX_PATH_LEN;

/// A registry HTTP server over any `Spec`; cheap to clone (shared state).
pub struct Server<S: Spec> {
    pub(crate) inner: Rc<Inner<S>>,
}

impl<S: Spec> Clone for Server<S> {
    fn clone(&self) -> Self {
        Server {
            inner: self.inner.clone(),
        }
    }
}

/// An upload in the table: idle between requests, or busy in one.
pub(crate) enum Slot<W> {
    Idle(W),
    Busy,
}

/// Open uploads by (repository, id).
pub(crate) type UploadTable<W> = RefCell<HashMap<(String, String), Slot<W>>>;

/// Shared state of a server.
pub(crate) struct Inner<S: Spec> {
    pub(crate) spec: S,
    pub(crate) config: Config,
    pub(crate) auth: Authorizer,
    pub(crate) faults: Faults,
    pub(crate) forwarder: Forwarder,
    pub(crate) uploads: UploadTable<S::Writer>,
    pub(crate) blob_urls: Option<Box<dyn BlobUrls>>,
}

/// One request being answered.
pub(crate) struct Ctx {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Incoming,
    pub(crate) fault: Option<FaultKind>,
}

impl Ctx {
    /// The first value of a query parameter.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A header as text (None when absent or not visible ASCII).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The declared `Content-Length`, if any (an unparsable one is a 400).
    pub(crate) fn content_length(&self) -> Result<Option<u64>, HttpError> {
        match self.header(names::CONTENT_LENGTH) {
            None => Ok(None),
            Some(v) => v.trim().parse().map(Some).map_err(|_| {
                HttpError::new(
                    ErrorCode::SizeInvalid,
                    format!("invalid Content-Length {v:?}"),
                )
            }),
        }
    }

    pub(crate) fn is_head(&self) -> bool {
        self.method == Method::HEAD
    }
}

/// A response with this status, headers (invalid values are skipped) and body.
pub(crate) fn response(
    status: StatusCode,
    headers: &[(&str, String)],
    body: crate::body::Body,
) -> Response<crate::body::Body> {
    let mut r = Response::new(body);
    *r.status_mut() = status;
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            r.headers_mut().append(name, value);
        }
    }
    r
}

/// A repository name from a request path, validated once by core (`NAME_INVALID`).
pub(crate) fn check_name(name: &str) -> Result<RepoName, ociscope_core::spec::Error> {
    RepoName::new(name)
}

/// Parses a digest of an algorithm the server can verify (sha256, sha512), answering 400
/// `DIGEST_INVALID` otherwise (as CNCF distribution does).
pub(crate) fn check_digest(text: &str) -> Result<Digest, HttpError> {
    Digest::parse_verifiable(text)
        .map_err(|e| HttpError::new(ErrorCode::DigestInvalid, e.to_string()))
}

/// A body streaming `reader` (of `len` bytes), altered by a `truncate` or `corrupt` fault.
pub(crate) fn stream_body<R: BlobReader + 'static>(
    mut reader: R,
    len: u64,
    fault: Option<FaultKind>,
) -> crate::body::Body {
    let (tx, body) = ChannelBody::channel(Some(len));
    let cut = match fault {
        Some(FaultKind::Truncate) => len / 2,
        _ => u64::MAX,
    };
    let mut corrupt = fault == Some(FaultKind::Corrupt);
    tokio::task::spawn_local(async move {
        let mut sent = 0u64;
        loop {
            match reader.next_chunk().await {
                Ok(Some(mut chunk)) => {
                    if corrupt && !chunk.is_empty() {
                        let mut altered = chunk.to_vec();
                        altered[0] ^= 0xff;
                        chunk = Bytes::from(altered);
                        corrupt = false;
                    }
                    if sent + chunk.len() as u64 > cut {
                        let keep = (cut - sent) as usize;
                        if keep > 0 && tx.send(Ok(chunk.slice(..keep))).await.is_err() {
                            return;
                        }
                        let _ = tx
                            .send(Err(BoxError::from("body truncated by fault injection")))
                            .await;
                        return;
                    }
                    sent += chunk.len() as u64;
                    if tx.send(Ok(chunk)).await.is_err() {
                        return;
                    }
                }
                Ok(None) => return,
                Err(e) => {
                    let _ = tx.send(Err(BoxError::from(e.to_string()))).await;
                    return;
                }
            }
        }
    });
    body
}

impl<S: Spec + 'static> Server<S> {
    /// A server answering from `spec` with `config`.
    pub fn new(spec: S, config: Config) -> Server<S> {
        Server {
            inner: Rc::new(Inner {
                auth: Authorizer::new(&config),
                faults: Faults::new(config.faults.clone(), config.seed),
                forwarder: Forwarder::new(
                    config.upstreams.clone(),
                    config.upstream_timeout,
                    config.upstream_max_concurrent,
                    &config.upstream_ca,
                ),
                spec,
                config,
                uploads: RefCell::new(HashMap::new()),
                blob_urls: None,
            }),
        }
    }

    /// This server answering whole-blob GETs with a redirect to `urls` where it gives one
    /// (see [`BlobUrls`]); call before the server is cloned or served (a no-op afterwards).
    pub fn with_blob_urls(mut self, urls: Box<dyn BlobUrls>) -> Server<S> {
        if let Some(inner) = Rc::get_mut(&mut self.inner) {
            inner.blob_urls = Some(urls);
        }
        self
    }

    /// The store the server answers from.
    pub fn spec(&self) -> &S {
        &self.inner.spec
    }

    /// Serves connections from `listener` until `shutdown` completes; must run inside a
    /// `tokio::task::LocalSet` (connections are served with `spawn_local`).
    pub async fn serve_until(
        &self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()>,
    ) -> io::Result<()> {
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => return Ok(()),
                accepted = listener.accept() => {
                    let (stream, _) = match accepted {
                        Ok(pair) => pair,
                        // Per-connection failures (reset before accept, fd limits) do not stop the server.
                        Err(e) if is_transient(&e) => {
                            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                            continue;
                        }
                        Err(e) => return Err(e),
                    };
                    let _ = stream.set_nodelay(true);
                    let server = self.clone();
                    tokio::task::spawn_local(async move {
                        let service = service_fn(move |req| {
                            let server = server.clone();
                            async move { server.handle(req).await }
                        });
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            }
        }
    }

    /// Serves connections from `listener` forever (inside a `LocalSet`).
    pub async fn serve(&self, listener: TcpListener) -> io::Result<()> {
        self.serve_until(listener, std::future::pending()).await
    }

    /// Answers one request; an `Err` drops the connection without an answer.
    pub async fn handle(
        &self,
        req: Request<Incoming>,
    ) -> Result<Response<crate::body::Body>, BoxError> {
        let (parts, body) = req.into_parts();
        let path = parts.uri.path().to_string();
        let forwarder = &self.inner.forwarder;
        if forwarder.claims(&path) {
            // Forwarded as is: no local auth or faults (the upstream authenticates).
            let mut response = if parts.method == Method::OPTIONS {
                cors::preflight(
                    &parts.headers,
                    "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
                    true,
                )
            } else {
                let head = parts.method == Method::HEAD;
                match forwarder
                    .forward(
                        parts.method,
                        &path,
                        parts.uri.query(),
                        parts.headers.clone(),
                        body,
                    )
                    .await
                {
                    Ok(r) => r,
                    Err(e) => e.into_response(head),
                }
            };
            cors::decorate(&parts.headers, response.headers_mut(), true);
            return Ok(response);
        }
        if forwarder.enabled() && path == "/upstreams" && parts.method == Method::GET {
            let mut response = forwarder.listing();
            cors::decorate(&parts.headers, response.headers_mut(), false);
            return Ok(response);
        }
        // CORS preflights are never faulted: a browser fails a preflight answered 429, 503 or
        // reset before the client sees any status, so such a fault tests nothing of the client.
        let fault = if parts.method == Method::OPTIONS {
            None
        } else {
            self.inner.faults.decide(parts.method.as_str(), &path)
        };
        let mut ctx = Ctx {
            method: parts.method,
            query: parse_query(parts.uri.query()),
            path,
            headers: parts.headers,
            body,
            fault,
        };
        let credentials = self.inner.auth.enabled();
        let route = Route::parse(&ctx.path);
        let head = ctx.is_head();
        let result = self.answer(&mut ctx, route.as_ref()).await;
        let mut response = match result {
            Ok(r) => r,
            Err(Failure::Reset(why)) => return Err(BoxError::from(why)),
            Err(Failure::Http(e)) => e.into_response(head),
            Err(Failure::Spec(e)) => {
                let invalid = match route {
                    Some(Route::Manifest { .. }) => ErrorCode::ManifestInvalid,
                    Some(Route::UploadStart { .. } | Route::Upload { .. }) => {
                        ErrorCode::BlobUploadInvalid
                    }
                    Some(Route::Blob { .. } | Route::Referrers { .. }) => ErrorCode::DigestInvalid,
                    _ => ErrorCode::NameInvalid,
                };
                HttpError::from_spec(&e, invalid).into_response(head)
            }
        };
        cors::decorate(&ctx.headers, response.headers_mut(), credentials);
        Ok(response)
    }

    async fn answer(
        &self,
        ctx: &mut Ctx,
        route: Option<&Route>,
    ) -> Result<Response<crate::body::Body>, Failure> {
        let inner = &self.inner;
        match ctx.fault {
            Some(FaultKind::TooManyRequests) => {
                return Err(HttpError::new(
                    ErrorCode::TooManyRequests,
                    "too many requests (injected fault)",
                )
                .header(names::RETRY_AFTER, "1")
                .into())
            }
            Some(FaultKind::Unavailable) => {
                return Err(HttpError::new(
                    ErrorCode::Unavailable,
                    "service unavailable (injected fault)",
                )
                .into())
            }
            Some(FaultKind::Reset) => {
                // Read part of the request first, so the reset happens mid-request.
                let _ = next_data(&mut ctx.body).await;
                return Err(Failure::Reset("connection reset by fault injection".into()));
            }
            _ => {}
        }
        if ctx.method == Method::OPTIONS {
            let allow = route.map_or("GET, HEAD, OPTIONS", Route::allowed_methods);
            return Ok(cors::preflight(&ctx.headers, allow, inner.auth.enabled()));
        }
        let Some(route) = route else {
            if ctx.path == "/token" && inner.auth.issues_tokens() {
                return self.token(ctx);
            }
            return self.app(ctx).await;
        };
        self.authorize(ctx, route)?;
        let m = &ctx.method;
        let get = *m == Method::GET || *m == Method::HEAD;
        match route {
            Route::Base if get => Ok(response(
                StatusCode::OK,
                &[
                    (
                        names::DOCKER_DISTRIBUTION_API_VERSION,
                        "registry/2.0".into(),
                    ),
                    (names::CONTENT_TYPE, "application/json".into()),
                    (names::CONTENT_LENGTH, "2".into()),
                ],
                if ctx.is_head() {
                    crate::body::empty()
                } else {
                    crate::body::full("{}")
                },
            )),
            Route::Catalog if get => self.catalog(ctx).await,
            Route::Tags { name } if get => self.tags(ctx, name).await,
            Route::Referrers { name, digest } if get => self.referrers(ctx, name, digest).await,
            Route::Manifest { name, reference } => match *m {
                Method::GET | Method::HEAD => self.get_manifest(ctx, name, reference).await,
                Method::PUT => self.put_manifest(ctx, name, reference).await,
                Method::DELETE => self.delete_manifest(ctx, name, reference).await,
                _ => Err(not_allowed(route)),
            },
            Route::Blob { name, digest } => match *m {
                Method::GET | Method::HEAD => self.get_blob(ctx, name, digest).await,
                Method::DELETE => self.delete_blob(ctx, name, digest).await,
                _ => Err(not_allowed(route)),
            },
            Route::UploadStart { name } if *m == Method::POST => self.start_upload(ctx, name).await,
            Route::Upload { name, id } => match *m {
                Method::GET => self.upload_status(ctx, name, id).await,
                Method::PATCH => self.patch_upload(ctx, name, id).await,
                Method::PUT => self.finish_upload(ctx, name, id).await,
                Method::DELETE => self.cancel_upload(ctx, name, id).await,
                _ => Err(not_allowed(route)),
            },
            Route::Unknown => Err(HttpError::with_status(
                404,
                ErrorCode::Unsupported,
                format!("no registry endpoint at {}", ctx.path),
            )
            .into()),
            _ => Err(not_allowed(route)),
        }
    }

    /// Checks credentials for a route, before anything is read or stored.
    fn authorize(&self, ctx: &Ctx, route: &Route) -> Result<(), Failure> {
        let inner = &self.inner;
        if !inner.auth.enabled() {
            return Ok(());
        }
        use ociscope_core::headers::scope::{DELETE, PULL, PUSH};
        use ociscope_core::headers::Scope;
        let m = &ctx.method;
        let access = match route {
            Route::Base | Route::Unknown => Access::Authenticated,
            Route::Catalog => Access::Scopes(vec![Scope::catalog()]),
            other => {
                let name = other.repository().unwrap_or_default();
                let action = match *m {
                    Method::GET | Method::HEAD => PULL,
                    Method::DELETE
                        if matches!(other, Route::Manifest { .. } | Route::Blob { .. }) =>
                    {
                        DELETE
                    }
                    _ => PUSH,
                };
                let mut scopes = vec![if action == PUSH {
                    Scope::pull_push(name)
                } else {
                    Scope::repository(name, &[action])
                }];
                if let (Route::UploadStart { .. }, Some(from)) = (other, ctx.param("from")) {
                    if ctx.param("mount").is_some() && from != name {
                        scopes.push(Scope::pull(from));
                    }
                }
                Access::Scopes(scopes)
            }
        };
        let host = ctx.header("host").unwrap_or("localhost");
        inner
            .auth
            .check(ctx.header(names::AUTHORIZATION), host, &access)
            .map_err(Failure::Http)
    }

    fn token(&self, ctx: &Ctx) -> Result<Response<crate::body::Body>, Failure> {
        if ctx.method != Method::GET {
            return Err(HttpError::with_status(
                405,
                ErrorCode::Unsupported,
                "the token endpoint answers GET",
            )
            .into());
        }
        let json = self
            .inner
            .auth
            .issue_token(ctx.header(names::AUTHORIZATION), &ctx.query)?;
        Ok(response(
            StatusCode::OK,
            &[
                (names::CONTENT_TYPE, "application/json".into()),
                (names::CONTENT_LENGTH, json.len().to_string()),
            ],
            crate::body::full(json),
        ))
    }

    async fn app(&self, ctx: &Ctx) -> Result<Response<crate::body::Body>, Failure> {
        let not_found = || {
            response(
                StatusCode::NOT_FOUND,
                &[(names::CONTENT_TYPE, "text/plain; charset=utf-8".into())],
                crate::body::full("not found\n"),
            )
        };
        match (&self.inner.config.app_dir, &ctx.method) {
            (Some(dir), &Method::GET | &Method::HEAD) => {
                let gzip = ctx
                    .headers
                    .get("accept-encoding")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(app::accepts_gzip);
                let connect_src = self
                    .inner
                    .config
                    .connect_src
                    .as_deref()
                    .unwrap_or(app::DEFAULT_CONNECT_SRC);
                let if_none_match = ctx
                    .headers
                    .get("if-none-match")
                    .and_then(|v| v.to_str().ok());
                Ok(app::serve(
                    dir,
                    &ctx.path,
                    ctx.is_head(),
                    gzip,
                    connect_src,
                    if_none_match,
                )
                .await)
            }
            (Some(_), _) => Err(HttpError::with_status(
                405,
                ErrorCode::Unsupported,
                "the app is served with GET",
            )
            .into()),
            (None, _) => Ok(not_found()),
        }
    }
}

fn not_allowed(route: &Route) -> Failure {
    HttpError::new(
        ErrorCode::Unsupported,
        format!(
            "method not allowed here; allowed: {}",
            route.allowed_methods()
        ),
    )
    .header("allow", route.allowed_methods())
    .into()
}

fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    ) || e.raw_os_error() == Some(24)
}
