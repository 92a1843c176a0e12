//! `HttpSpec`: the distribution API over HTTP, sans I/O, on top of a pluggable [`Transport`].
//!
//! Everything decided from bytes lives here (URLs, headers, auth challenges, retries, upload
//! resumption, pagination, referrers fallback); a transport only moves bytes. One file per verb
//! group: [`manifests`], [`blobs`], [`upload`], [`mount`], [`list`], [`referrers`]; [`auth`],
//! [`retry`] and [`registry`] hold the policies and addresses they share.
//!
//! Decisions:
//! - The client holds its state behind an `Rc`, so writers (which outlive the call that made
//!   them) keep a handle; nothing is `Send`, as everywhere in `Spec`.
//! - Only requests safe to repeat are retried (GET, HEAD, PUT of a manifest, DELETE, and the
//!   POST that opens an upload session: a second session only expires unused), plus any
//!   request answered 429 (not processed, RFC 6585); chunks and commits that fail mid-way ask
//!   the registry where they stand (a committed blob is confirmed by a HEAD) and send again. Of transport failures only network ones are retried: a CORS
//!   refusal or an abort would happen again.
//! - Redirects are followed for GET and HEAD only, at most 5, and credentials are attached only
//!   to the registry's own origin (and the token realm).

pub mod auth;
pub mod blobs;
pub mod list;
pub mod manifests;
pub mod mount;
pub mod referrers;
pub mod registry;
pub mod retry;
pub mod transport;
pub mod upload;

#[cfg(test)]
mod tests;

use std::cell::Cell;
use std::rc::Rc;

use bytes::Bytes;

pub use auth::Credentials;
pub use blobs::HttpBlobReader;
pub use registry::Registry;
pub use retry::RetryPolicy;
pub use transport::{
    Body, BodyStream, External, ExternalSource, Headers, Method, Request, Response, Transport,
    TransportError,
};
pub use upload::HttpBlobWriter;

use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::headers::link::resolve_url;
use crate::headers::names::{
    AUTHORIZATION, DOCKER_DISTRIBUTION_API_VERSION, LOCATION, RETRY_AFTER,
};
use crate::headers::RetryAfter;
use crate::headers::Scope;
use crate::registry_error::{ErrorCode, ErrorInfo, RegistryError};
use crate::spec::{
    Error, ErrorKind, ManifestBytes, ManifestRef, Mount, Page, PageRequest, PingInfo, RepoName,
    ResumeAt, Spec, Tag,
};

use auth::{Answer, Auth};
use retry::{retryable_kind, retryable_status, Jitter};
use transport::read_body;

/// Largest manifest accepted: 4 MiB, the limit registries commonly enforce.
pub const MAX_MANIFEST_BYTES: u64 = 4 << 20;

/// Largest error or JSON body read into memory.
const MAX_SMALL_BODY: u64 = 4 << 20;

/// Most redirects followed for one request.
const MAX_REDIRECTS: u32 = 5;

/// How an `HttpSpec` behaves beyond its address.
#[derive(Clone, Debug)]
pub struct Options {
    /// Credentials for the registry (and its token realm).
    pub credentials: Credentials,
    /// Retry policy for idempotent requests.
    pub retry: RetryPolicy,
    /// Seed of the back-off jitter (any value; vary it between clients).
    pub jitter_seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            credentials: Credentials::Anonymous,
            retry: RetryPolicy::default(),
            jitter_seed: 0x9E37_79B9_7F4A_7C15,
        }
    }
}

/// The distribution API of one registry over a [`Transport`].
pub struct HttpSpec<T> {
    inner: Rc<Inner<T>>,
}

impl<T> Clone for HttpSpec<T> {
    fn clone(&self) -> Self {
        HttpSpec {
            inner: Rc::clone(&self.inner),
        }
    }
}

struct Inner<T> {
    transport: T,
    registry: Registry,
    auth: Auth,
    retry: RetryPolicy,
    jitter: Jitter,
    /// Whether the referrers API answered: unknown until first asked.
    referrers_api: Cell<Option<bool>>,
    /// The registry's `OCI-Chunk-Min-Length`, once an upload session announced it.
    chunk_min_length: Cell<Option<u64>>,
    /// The largest upload request body the registry took, once it refused a larger one.
    request_limit: Cell<Option<u64>>,
}

/// One request as the client means it: what to send, which scopes it needs, whether it may be
/// retried, and which spec code a bodyless 404 means.
#[derive(Clone, Debug)]
pub(crate) struct Call {
    pub method: Method,
    pub url: String,
    pub headers: Headers,
    pub body: Body,
    pub scopes: Vec<Scope>,
    pub idempotent: bool,
    pub not_found: Option<ErrorCode>,
}

impl Call {
    pub fn new(method: Method, url: String, scopes: Vec<Scope>) -> Call {
        Call {
            idempotent: !matches!(method, Method::Post | Method::Patch),
            method,
            url,
            headers: Headers::default(),
            body: Body::Empty,
            scopes,
            not_found: None,
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Call {
        self.headers.push(name, value);
        self
    }

    pub fn body(mut self, body: impl Into<Body>) -> Call {
        self.body = body.into();
        self
    }

    pub fn not_found(mut self, code: ErrorCode) -> Call {
        self.not_found = Some(code);
        self
    }

    pub fn once(mut self) -> Call {
        self.idempotent = false;
        self
    }

    /// Marks a request safe to resend although its method is not idempotent (opening an
    /// upload session: a second session only expires unused).
    pub fn repeatable(mut self) -> Call {
        self.idempotent = true;
        self
    }
}

/// A successful (2xx) response and the URL that answered it (after redirects).
pub(crate) struct Answered<B> {
    pub response: Response<B>,
    pub url: String,
}

impl<T: Transport> HttpSpec<T> {
    /// A client of `registry` over `transport`.
    pub fn new(transport: T, registry: Registry, options: Options) -> HttpSpec<T> {
        HttpSpec {
            inner: Rc::new(Inner {
                transport,
                registry,
                auth: Auth::new(options.credentials),
                retry: options.retry,
                jitter: Jitter::new(options.jitter_seed),
                referrers_api: Cell::new(None),
                chunk_min_length: Cell::new(None),
                request_limit: Cell::new(None),
            }),
        }
    }

    /// The registry's address.
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.inner.transport
    }

    /// Whether the registry has a referrers API: `None` until a referrers list was asked for.
    pub fn has_referrers_api(&self) -> Option<bool> {
        self.inner.referrers_api.get()
    }

    /// The registry's smallest upload chunk, once an upload session announced it.
    pub fn chunk_min_length(&self) -> Option<u64> {
        self.inner.chunk_min_length.get()
    }

    pub(crate) fn set_chunk_min_length(&self, min: u64) {
        self.inner.chunk_min_length.set(Some(min));
    }

    /// The largest upload request this client now sends, once the registry refused a larger
    /// one (GHCR refuses requests over 4 MiB): later uploads start with chunks this size.
    pub fn request_limit(&self) -> Option<u64> {
        self.inner.request_limit.get()
    }

    pub(crate) fn set_request_limit(&self, limit: u64) {
        self.inner.request_limit.set(Some(limit));
    }

    pub(crate) fn set_referrers_api(&self, present: bool) {
        self.inner.referrers_api.set(Some(present));
    }

    /// Sends `call` with auth, redirects and retries; returns a 2xx answer or the typed error.
    pub(crate) async fn exchange(&self, call: &Call) -> Result<Answered<T::Body>, Error> {
        let inner = &*self.inner;
        let mut url = call.url.clone();
        let (mut failures, mut auth_rounds, mut redirects) = (0u32, 0u32, 0u32);
        loop {
            let on_registry = inner.registry.same_origin(&url);
            let mut headers = call.headers.clone();
            headers.remove(AUTHORIZATION);
            let sent = if on_registry {
                inner.auth.header(&call.scopes)
            } else {
                None
            };
            if let Some(a) = &sent {
                headers.push(AUTHORIZATION, a.clone());
            }
            let request = Request {
                method: call.method,
                url: url.clone(),
                headers,
                body: call.body.clone(),
            };
            let response = match inner.transport.send(request).await {
                Ok(r) => r,
                Err(e) => {
                    failures += 1;
                    if call.idempotent
                        && retryable_kind(e.kind)
                        && failures < inner.retry.max_attempts
                    {
                        self.back_off(failures, None).await;
                        continue;
                    }
                    return Err(Error::other(
                        e.kind,
                        format!("{} {url}: {}", call.method, e.message),
                    ));
                }
            };
            let status = response.status;
            if (200..300).contains(&status) {
                return Ok(Answered { response, url });
            }
            if matches!(status, 301 | 302 | 303 | 307 | 308)
                && matches!(call.method, Method::Get | Method::Head)
            {
                if let Some(location) = response.headers.get(LOCATION) {
                    redirects += 1;
                    if redirects > MAX_REDIRECTS {
                        return Err(Error::other(
                            ErrorKind::Protocol,
                            format!(
                                "{} {}: more than {MAX_REDIRECTS} redirects",
                                call.method, call.url
                            ),
                        ));
                    }
                    url = resolve_url(&url, location)
                        .map_err(|e| Error::other(ErrorKind::Protocol, e.to_string()))?;
                    continue;
                }
            }
            if status == 401 && on_registry && auth_rounds < 2 {
                auth_rounds += 1;
                match inner.auth.on_unauthorized(
                    &response.headers,
                    &call.scopes,
                    sent.as_deref(),
                )? {
                    Answer::Retry => continue,
                    Answer::FetchToken(request, scopes) => {
                        let realm = request.url.clone();
                        let mut answer = inner.transport.send(request).await.map_err(|e| {
                            Error::other(e.kind, format!("token request to {realm}: {}", e.message))
                        })?;
                        let body = read_body(&mut answer.body, MAX_SMALL_BODY).await?;
                        inner.auth.store_token(answer.status, &body, scopes)?;
                        continue;
                    }
                    Answer::GiveUp => {}
                }
            }
            // A 429 means the request was not processed (RFC 6585), so any request may be resent.
            if retryable_status(status) && (call.idempotent || status == 429) {
                failures += 1;
                if failures < inner.retry.max_attempts {
                    self.back_off(failures, Some(&response.headers)).await;
                    continue;
                }
            }
            return Err(self.error_of(response, call).await);
        }
    }

    async fn back_off(&self, attempt: u32, headers: Option<&Headers>) {
        let inner = &*self.inner;
        let ms = inner.retry.delay_ms(
            attempt,
            headers,
            inner.transport.now_unix_secs(),
            &inner.jitter,
        );
        inner.transport.sleep(ms).await;
    }

    /// The registry error of a non-2xx answer, with the call's code for a bodyless 404.
    async fn error_of(&self, mut response: Response<T::Body>, call: &Call) -> Error {
        let body = if call.method == Method::Head {
            Bytes::new()
        } else {
            read_body(&mut response.body, 64 << 10)
                .await
                .unwrap_or_default()
        };
        let retry_after = response
            .headers
            .get(RETRY_AFTER)
            .and_then(|v| RetryAfter::parse(v).ok())
            .map(|r| r.delay_secs(self.inner.transport.now_unix_secs().unwrap_or(0)));
        let mut e = RegistryError::from_response(response.status, &body);
        if e.errors.is_empty() {
            let code = match (response.status, &call.not_found) {
                (404, Some(code)) => Some(code.clone()),
                (s, _) => ErrorCode::implied_by_status(s),
            };
            if let Some(code) = code {
                let mut info = ErrorInfo::new(code.clone());
                info.message = format!("{} {}: {}", call.method, call.url, code.message());
                e.errors.push(info);
            }
        }
        // Errors carry no headers: a `Retry-After` travels in the detail of the rate-limit
        // entries (`{"Retry-After": seconds}`), for wrappers that pace later requests.
        if let Some(secs) = retry_after {
            for info in &mut e.errors {
                if info.code == ErrorCode::TooManyRequests && info.detail.is_none() {
                    info.detail = Some(serde_json::json!({ "Retry-After": secs }));
                }
            }
        }
        Error::Registry(e)
    }

    /// Sends `call` and reads the whole 2xx body (at most `limit` bytes).
    pub(crate) async fn fetch(
        &self,
        call: &Call,
        limit: u64,
    ) -> Result<(Headers, Bytes, String), Error> {
        let mut answered = self.exchange(call).await?;
        let body = read_body(&mut answered.response.body, limit).await?;
        Ok((answered.response.headers, body, answered.url))
    }
}

/// A protocol error: the registry answered something the API does not allow.
pub(crate) fn protocol(message: impl Into<String>) -> Error {
    Error::other(ErrorKind::Protocol, message)
}

impl<T: Transport> Spec for HttpSpec<T> {
    type Reader = HttpBlobReader<T::Body>;
    type Writer = HttpBlobWriter<T>;

    async fn ping(&self) -> Result<PingInfo, Error> {
        let call = Call::new(Method::Get, self.inner.registry.base(), vec![]);
        let (headers, _, _) = self.fetch(&call, MAX_SMALL_BODY).await?;
        Ok(PingInfo {
            api_version: headers
                .get(DOCKER_DISTRIBUTION_API_VERSION)
                .map(str::to_string),
            referrers_api: self.has_referrers_api(),
            chunk_min_length: self.inner.chunk_min_length.get(),
        })
    }

    async fn stat_manifest(
        &self,
        repo: &RepoName,
        reference: &ManifestRef,
    ) -> Result<Descriptor, Error> {
        manifests::stat(self, repo, reference).await
    }

    async fn get_manifest(
        &self,
        repo: &RepoName,
        reference: &ManifestRef,
    ) -> Result<ManifestBytes, Error> {
        manifests::get(self, repo, reference).await
    }

    async fn stat_blob(&self, repo: &RepoName, digest: &Digest) -> Result<Descriptor, Error> {
        blobs::stat(self, repo, digest).await
    }

    async fn get_blob(&self, repo: &RepoName, digest: &Digest) -> Result<Self::Reader, Error> {
        blobs::get(self, repo, digest).await
    }

    async fn get_blob_range(
        &self,
        repo: &RepoName,
        digest: &Digest,
        start: u64,
        end: Option<u64>,
    ) -> Result<Self::Reader, Error> {
        blobs::get_range(self, repo, digest, start, end).await
    }

    async fn push_manifest(
        &self,
        repo: &RepoName,
        media_type: &str,
        content: Bytes,
        tags: &[Tag],
    ) -> Result<Descriptor, Error> {
        manifests::push(self, repo, media_type, content, tags).await
    }

    async fn push_blob(
        &self,
        repo: &RepoName,
        expected: &Descriptor,
        content: Bytes,
    ) -> Result<Descriptor, Error> {
        upload::push_monolithic(self, repo, expected, content).await
    }

    async fn start_upload(
        &self,
        repo: &RepoName,
        chunk_size: Option<usize>,
    ) -> Result<Self::Writer, Error> {
        upload::start(self, repo, chunk_size).await
    }

    async fn resume_upload(
        &self,
        repo: &RepoName,
        id: &str,
        at: ResumeAt,
        chunk_size: Option<usize>,
    ) -> Result<Self::Writer, Error> {
        upload::resume(self, repo, id, at, chunk_size).await
    }

    async fn mount_blob(
        &self,
        from_repo: &RepoName,
        repo: &RepoName,
        digest: &Digest,
    ) -> Result<Mount<Self::Writer>, Error> {
        mount::mount(self, from_repo, repo, digest).await
    }

    async fn delete_manifest(&self, repo: &RepoName, digest: &Digest) -> Result<(), Error> {
        manifests::delete(self, repo, &ManifestRef::Digest(digest.clone())).await
    }

    async fn delete_tag(&self, repo: &RepoName, tag: &Tag) -> Result<(), Error> {
        manifests::delete(self, repo, &ManifestRef::Tag(tag.clone())).await
    }

    async fn delete_blob(&self, repo: &RepoName, digest: &Digest) -> Result<(), Error> {
        blobs::delete(self, repo, digest).await
    }

    async fn list_repositories(&self, page: &PageRequest) -> Result<Page, Error> {
        list::repositories(self, page).await
    }

    async fn list_tags(&self, repo: &RepoName, page: &PageRequest) -> Result<Page, Error> {
        list::tags(self, repo, page).await
    }

    async fn list_referrers(
        &self,
        repo: &RepoName,
        digest: &Digest,
        artifact_type: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Descriptor>, Error> {
        referrers::list(self, repo, digest, artifact_type, page).await
    }
}
