//! `Registry`: a client of one registry over the Fetch API (`ociscope_fetch::connect`).
//!
//! Decisions:
//! - `Registry.connect(url, options)` does no request; `ping()` is the first. Its `fetch`
//!   option replaces the global `fetch` for every request of the client (and of the clients
//!   tied to an abort signal it makes for uploads).
//! - Listings are async iterators that fetch one page per request as they are consumed
//!   (`pageSize` items asked for each time), so `break` stops fetching.
//! - `getBlob` resolves once the registry answered, to a `ReadableStream<Uint8Array>`; the
//!   core reader verifies digest and size, so a mismatch errors the stream (`DIGEST_INVALID`)
//!   before it closes, and nothing unverified is ever reported complete.
//! - `pushBlob` is `ociscope_tools::artifact::upload_blob` over its input (a `Uint8Array` or
//!   a `Blob`/`File`, read one chunk at a time): hashed on the way, transient failures resumed
//!   automatically (`retries`), and what still fails rejects with `detail.resume` (`{id,
//!   offset}`) to pass back as `resume` later. With a `signal`, the upload's requests use a
//!   client tied to it (fresh auth state) and the promise rejects with the signal's reason (a
//!   `DOMException` named `AbortError`, as fetch rejects): an abort seen
//!   between chunks cancels the session, one that stops a request in flight leaves it to the
//!   registry to expire.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use bytes::Bytes;
use js_sys::{Function, Promise, Reflect, Uint8Array};
use ociscope_core::client::{Credentials as CoreCredentials, External, HttpSpec, Options};
use ociscope_core::spec::{
    BlobReader, BlobWriter, Error, ErrorKind, ManifestRef, Mount, PageRequest, RepoName, Resumable,
    ResumeAt, Spec, Tag,
};
use ociscope_core::{Digest, Manifest};
use ociscope_fetch::FetchTransport;
use ociscope_tools::artifact::{upload_blob, ChunkSource, Interrupted, UploadOptions};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;

use crate::digest::parse_digest;
use crate::error::{abort_error, from_error, invalid, is_abort, oci_error, to_js, IntoJs};
use crate::types::{
    Credentials, Descriptor, PageOptions, ParsedManifest, PingInfo, PushBlobOptions,
    ReferrersOptions, ResumableUpload, ResumeUploadOptions, StartUploadOptions,
    UploadInterruptedDetail, UploadProgress,
};
use crate::upload::UploadSession;

/// The core client this package drives.
pub(crate) type Client = HttpSpec<FetchTransport>;

/// Empty pages in a row a listing accepts before it calls the registry broken.
const MAX_EMPTY_PAGES: usize = 64;

#[wasm_bindgen(module = "/js/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = asyncIterator)]
    fn async_iterator(pager: Pager) -> JsValue;
    #[wasm_bindgen(js_name = pullStream)]
    fn pull_stream(source: BlobSource) -> JsValue;
}

/// A client of one registry (`http(s)://host[:port][/prefix]`), anonymous or with credentials.
#[wasm_bindgen]
pub struct Registry {
    client: Client,
    address: String,
    /// What the client was connected with, to connect again with an abort signal (wasm32).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    options: Options,
    /// The transport it was connected over (the global `fetch` or the caller's).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    transport: FetchTransport,
}

/// The transport of `Registry.connect`'s `fetch` option: the caller's function, or (undefined)
/// the global `fetch`.
fn transport(fetch: JsValue) -> Result<FetchTransport, JsValue> {
    if fetch.is_undefined() || fetch.is_null() {
        return Ok(FetchTransport::default());
    }
    let Some(f) = fetch.dyn_ref::<Function>() else {
        return Err(invalid("connect options: fetch is not a function"));
    };
    #[cfg(target_arch = "wasm32")]
    return Ok(FetchTransport::with_fetch(f.clone()));
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = f;
        Ok(FetchTransport::default())
    }
}

/// An options object's `signal`: absent, or an `AbortSignal`.
pub(crate) fn signal_of(
    value: &JsValue,
    what: &str,
) -> Result<Option<web_sys::AbortSignal>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value
        .clone()
        .dyn_into::<web_sys::AbortSignal>()
        .map(Some)
        .map_err(|_| invalid(format!("{what}: signal is not an AbortSignal")))
}

/// Parses a repository argument (`NAME_INVALID` when malformed).
pub(crate) fn repo_name(repo: &str) -> Result<RepoName, JsValue> {
    RepoName::new(repo).js()
}

/// Parses a tag-or-digest argument.
pub(crate) fn manifest_ref(reference: &str) -> Result<ManifestRef, JsValue> {
    ManifestRef::parse(reference).js()
}

/// A promise of a future's value.
fn promise<F>(future: F) -> Promise
where
    F: std::future::Future<Output = Result<JsValue, JsValue>> + 'static,
{
    future_to_promise(future)
}

/// Calls a progress callback when one was given; its exceptions are ignored.
pub(crate) fn report(callback: &JsValue, value: &JsValue) {
    if let Some(f) = callback.dyn_ref::<Function>() {
        let _ = f.call1(&JsValue::NULL, value);
    }
}

#[wasm_bindgen]
impl Registry {
    /// A client of the registry at `url` (a bare `host[:port]` means https), with `{username, password}`, `{token}` or nothing,
    /// and optionally `fetch`, a function to send requests with instead of the global `fetch`.
    /// Throws `INVALID_ARGUMENT` for a URL that is not `http(s)://host[:port][/prefix]`.
    pub fn connect(
        url: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "ConnectOptions")] options: Option<
            js_sys::Object,
        >,
    ) -> Result<Registry, JsValue> {
        let c: Credentials = crate::options(options, "connect options")?;
        let transport = transport(c.fetch)?;
        let credentials = match (c.username, c.password, c.token) {
            (Some(u), Some(p), None) => CoreCredentials::basic(u, p),
            (None, None, Some(t)) => CoreCredentials::Token(t),
            (None, None, None) => CoreCredentials::Anonymous,
            _ => {
                return Err(invalid(
                    "credentials are {username, password}, {token} or {}",
                ))
            }
        };
        let options = Options {
            credentials,
            ..Options::default()
        };
        let client = ociscope_fetch::connect_with(transport.clone(), url, options.clone()).js()?;
        Ok(Registry {
            client,
            address: url.to_string(),
            options,
            transport,
        })
    }

    /// The address this client was connected to.
    #[wasm_bindgen(getter)]
    pub fn url(&self) -> String {
        self.address.clone()
    }

    /// Asks `/v2/`: API version and what the registry supports.
    #[wasm_bindgen(unchecked_return_type = "Promise<PingInfo>")]
    pub fn ping(&self) -> Promise {
        let client = self.client.clone();
        promise(async move { to_js(&PingInfo::from(client.ping().await.js()?)) })
    }

    /// Every repository of the catalog, fetched a page at a time.
    #[wasm_bindgen(unchecked_return_type = "AsyncIterableIterator<string>")]
    pub fn repositories(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "PageOptions")] options: Option<
            js_sys::Object,
        >,
    ) -> Result<JsValue, JsValue> {
        let options: PageOptions = crate::options(options, "repositories options")?;
        Ok(self.pager(Source::Repositories, options.page_size))
    }

    /// Every tag of `repo`, fetched a page at a time.
    #[wasm_bindgen(unchecked_return_type = "AsyncIterableIterator<string>")]
    pub fn tags(
        &self,
        repo: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "PageOptions")] options: Option<
            js_sys::Object,
        >,
    ) -> Result<JsValue, JsValue> {
        let repo = repo_name(repo)?;
        let options: PageOptions = crate::options(options, "tags options")?;
        Ok(self.pager(Source::Tags(repo), options.page_size))
    }

    /// The referrers of `digest` in `repo` (optionally of one artifact type).
    #[wasm_bindgen(unchecked_return_type = "AsyncIterableIterator<Descriptor>")]
    pub fn referrers(
        &self,
        repo: &str,
        digest: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "ReferrersOptions")] options: Option<
            js_sys::Object,
        >,
    ) -> Result<JsValue, JsValue> {
        let repo = repo_name(repo)?;
        let digest = parse_digest(digest)?;
        let options: ReferrersOptions = crate::options(options, "referrers options")?;
        Ok(self.pager(
            Source::Referrers(repo, digest, options.artifact_type),
            options.page_size,
        ))
    }

    /// The descriptor of a manifest (`reference` is a tag or a digest), without its content.
    #[wasm_bindgen(js_name = statManifest, unchecked_return_type = "Promise<Descriptor>")]
    pub fn stat_manifest(&self, repo: &str, reference: &str) -> Result<Promise, JsValue> {
        let (repo, reference) = (repo_name(repo)?, manifest_ref(reference)?);
        let client = self.client.clone();
        Ok(promise(async move {
            let d = client.stat_manifest(&repo, &reference).await.js()?;
            to_js(&Descriptor::from(&d))
        }))
    }

    /// A manifest: its exact bytes, descriptor and parsed content (digest verified).
    #[wasm_bindgen(js_name = getManifest, unchecked_return_type = "Promise<FetchedManifest>")]
    pub fn get_manifest(&self, repo: &str, reference: &str) -> Result<Promise, JsValue> {
        let (repo, reference) = (repo_name(repo)?, manifest_ref(reference)?);
        let client = self.client.clone();
        Ok(promise(async move {
            let got = client.get_manifest(&repo, &reference).await.js()?;
            let manifest = Manifest::parse(&got.content, Some(&got.descriptor.media_type))
                .map_err(|e| from_error(&Error::from(e)))?;
            let out = js_sys::Object::new();
            Reflect::set(&out, &"bytes".into(), &Uint8Array::from(&got.content[..]))?;
            Reflect::set(
                &out,
                &"descriptor".into(),
                &to_js(&Descriptor::from(&got.descriptor))?,
            )?;
            Reflect::set(
                &out,
                &"manifest".into(),
                &to_js(&ParsedManifest::from(&manifest))?,
            )?;
            Ok(out.into())
        }))
    }

    /// The descriptor of a blob, without its content.
    #[wasm_bindgen(js_name = statBlob, unchecked_return_type = "Promise<Descriptor>")]
    pub fn stat_blob(&self, repo: &str, digest: &str) -> Result<Promise, JsValue> {
        let (repo, digest) = (repo_name(repo)?, parse_digest(digest)?);
        let client = self.client.clone();
        Ok(promise(async move {
            to_js(&Descriptor::from(
                &client.stat_blob(&repo, &digest).await.js()?,
            ))
        }))
    }

    /// A blob as a stream of chunks, verified against its digest and size on the way (a
    /// mismatch errors the stream with `DIGEST_INVALID` before its end).
    #[wasm_bindgen(js_name = getBlob, unchecked_return_type = "Promise<ReadableStream<Uint8Array>>")]
    pub fn get_blob(&self, repo: &str, digest: &str) -> Result<Promise, JsValue> {
        let (repo, digest) = (repo_name(repo)?, parse_digest(digest)?);
        let client = self.client.clone();
        Ok(promise(async move {
            let reader = client.get_blob(&repo, &digest).await.js()?;
            Ok(pull_stream(BlobSource {
                reader: Rc::new(RefCell::new(Some(reader))),
            }))
        }))
    }

    /// Bytes `start..end` of a blob (end exclusive; without `end`, to the blob's end) as a
    /// stream; a part cannot be verified against the digest. `RANGE_INVALID` for an empty
    /// range or a `start` at or past the end.
    #[wasm_bindgen(
        js_name = getBlobRange,
        unchecked_return_type = "Promise<ReadableStream<Uint8Array>>"
    )]
    pub fn get_blob_range(
        &self,
        repo: &str,
        digest: &str,
        start: f64,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] end: Option<f64>,
    ) -> Result<Promise, JsValue> {
        let (repo, digest) = (repo_name(repo)?, parse_digest(digest)?);
        let start = byte_offset(start, "start")?;
        let end = end.map(|e| byte_offset(e, "end")).transpose()?;
        let client = self.client.clone();
        Ok(promise(async move {
            let reader = client
                .get_blob_range(&repo, &digest, start, end)
                .await
                .js()?;
            Ok(pull_stream(BlobSource {
                reader: Rc::new(RefCell::new(Some(reader))),
            }))
        }))
    }

    /// Mounts a blob from `fromRepo` into `repo` of this registry: `true` when mounted, `false`
    /// when the registry would not (the upload it opened instead is cancelled).
    #[wasm_bindgen(js_name = mountBlob, unchecked_return_type = "Promise<boolean>")]
    pub fn mount_blob(
        &self,
        #[wasm_bindgen(js_name = "fromRepo")] from_repo: &str,
        repo: &str,
        digest: &str,
    ) -> Result<Promise, JsValue> {
        let (from, repo) = (repo_name(from_repo)?, repo_name(repo)?);
        let digest = parse_digest(digest)?;
        let client = self.client.clone();
        Ok(promise(async move {
            match client.mount_blob(&from, &repo, &digest).await.js()? {
                Mount::Mounted => Ok(JsValue::TRUE),
                Mount::Upload(mut writer) => {
                    let _ = writer.cancel().await;
                    Ok(JsValue::FALSE)
                }
            }
        }))
    }

    /// A whole blob in memory, verified (at most `limit` bytes, default 256 MiB).
    #[wasm_bindgen(js_name = readBlob, unchecked_return_type = "Promise<Uint8Array>")]
    pub fn read_blob(
        &self,
        repo: &str,
        digest: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] limit: Option<f64>,
    ) -> Result<Promise, JsValue> {
        let (repo, digest) = (repo_name(repo)?, parse_digest(digest)?);
        let limit = match limit {
            None => 256 << 20,
            Some(n) if n.is_finite() && n >= 0.0 => n as u64,
            Some(n) => return Err(invalid(format!("readBlob limit {n} is not a byte count"))),
        };
        let client = self.client.clone();
        Ok(promise(async move {
            let mut reader = client.get_blob(&repo, &digest).await.js()?;
            let bytes = reader.read_to_end(limit).await.js()?;
            Ok(Uint8Array::from(&bytes[..]).into())
        }))
    }

    /// Uploads a blob from a `Uint8Array`, a `Blob`/`File` or a `ReadableStream<Uint8Array>`,
    /// with progress and abort.
    #[wasm_bindgen(js_name = pushBlob, unchecked_return_type = "Promise<Descriptor>")]
    pub fn push_blob(
        &self,
        repo: &str,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | Blob | ReadableStream<Uint8Array>")]
        data: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "PushBlobOptions")] options: Option<
            js_sys::Object,
        >,
    ) -> Result<Promise, JsValue> {
        let repo = repo_name(repo)?;
        let options: PushBlobOptions = crate::options(options, "pushBlob options")?;
        let input = Input::of(data)?;
        let signal = signal_of(&options.signal, "pushBlob")?;
        let client = self.client_for(signal.as_ref())?;
        let defaults = UploadOptions::default();
        let chunk_size = options.chunk_size.unwrap_or(defaults.chunk_size);
        let expected = options.digest.as_deref().map(parse_digest).transpose()?;
        let input = match input {
            Input::Stream(stream) => {
                if options.resume.is_some() {
                    return Err(invalid(
                        "pushBlob: resume is for a Uint8Array or Blob (a stream cannot be read \
                         again); continue an interrupted stream with resumeUpload",
                    ));
                }
                return Ok(promise(crate::upload::push_stream(
                    crate::upload::StreamUpload {
                        client,
                        repo,
                        stream,
                        chunk_size,
                        expected,
                        on_progress: options.on_progress,
                        signal,
                    },
                )));
            }
            Input::Slices(_) if expected.is_some() => {
                return Err(invalid(
                    "pushBlob: digest is for a ReadableStream; the sha256 of a Uint8Array or \
                     Blob is computed",
                ));
            }
            Input::Slices(s) => s,
        };
        let upload = UploadOptions {
            chunk_size,
            // An explicit chunk size holds for a Blob sent from disk too.
            external_chunk_size: options.chunk_size.unwrap_or(defaults.external_chunk_size),
            resume: options.resume.map(|r| Resumable {
                id: r.id,
                offset: r.offset,
            }),
            retries: options.retries.unwrap_or(defaults.retries),
        };
        let on_progress = options.on_progress;
        Ok(promise(async move {
            let source = UploadSource {
                input: &input,
                signal: signal.as_ref(),
            };
            let total = source.len();
            let cancel = Cell::new(aborted(signal.as_ref()));
            // After the callback, which may be what aborts.
            let progress = |bytes: u64| {
                if let Ok(p) = to_js(&UploadProgress {
                    bytes,
                    total: Some(total),
                }) {
                    report(&on_progress, &p);
                }
                if aborted(signal.as_ref()) {
                    cancel.set(true);
                }
            };
            let d = upload_blob(&client, &repo, &source, &upload, &progress, &cancel)
                .await
                .map_err(|e| interrupted(&e, signal.as_ref()))?;
            to_js(&Descriptor::from(&d))
        }))
    }

    /// Opens an upload session in `repo`, to write a blob chunk by chunk (see `UploadSession`).
    #[wasm_bindgen(js_name = startUpload, unchecked_return_type = "Promise<UploadSession>")]
    pub fn start_upload(
        &self,
        repo: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "StartUploadOptions")] options: Option<
            js_sys::Object,
        >,
    ) -> Result<Promise, JsValue> {
        let repo = repo_name(repo)?;
        let options: StartUploadOptions = crate::options(options, "startUpload options")?;
        let chunk_size = options
            .chunk_size
            .unwrap_or(UploadOptions::default().chunk_size);
        let client = self.client.clone();
        Ok(promise(async move {
            let writer = client.start_upload(&repo, Some(chunk_size)).await.js()?;
            Ok(UploadSession::new(writer).into())
        }))
    }

    /// Resumes the upload session `id` of `repo` (an `UploadSession`'s `id`, kept from this or
    /// another process): at `offset` when given (`RANGE_INVALID` if the upload stands
    /// elsewhere), else where the registry says it stands. `BLOB_UPLOAD_UNKNOWN` when the
    /// registry no longer has it.
    #[wasm_bindgen(js_name = resumeUpload, unchecked_return_type = "Promise<UploadSession>")]
    pub fn resume_upload(
        &self,
        repo: &str,
        id: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "ResumeUploadOptions")] options: Option<
            js_sys::Object,
        >,
    ) -> Result<Promise, JsValue> {
        let repo = repo_name(repo)?;
        let options: ResumeUploadOptions = crate::options(options, "resumeUpload options")?;
        let at = match options.offset {
            Some(o) => ResumeAt::Offset(o),
            None => ResumeAt::RegistryOffset,
        };
        let chunk_size = options
            .chunk_size
            .unwrap_or(UploadOptions::default().chunk_size);
        let (client, id) = (self.client.clone(), id.to_string());
        Ok(promise(async move {
            let writer = client
                .resume_upload(&repo, &id, at, Some(chunk_size))
                .await
                .js()?;
            Ok(UploadSession::new(writer).into())
        }))
    }

    /// Pushes a manifest (bytes as they are) by digest, then under each tag.
    #[wasm_bindgen(js_name = pushManifest, unchecked_return_type = "Promise<Descriptor>")]
    pub fn push_manifest(
        &self,
        repo: &str,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] bytes: &[u8],
        #[wasm_bindgen(js_name = "mediaType")] media_type: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "string[]")] tags: Option<Vec<String>>,
    ) -> Result<Promise, JsValue> {
        let repo = repo_name(repo)?;
        let tags = Tag::all(tags.unwrap_or_default()).js()?;
        let content = Bytes::copy_from_slice(bytes);
        let media_type = media_type.to_string();
        let client = self.client.clone();
        Ok(promise(async move {
            let d = client
                .push_manifest(&repo, &media_type, content, &tags)
                .await
                .js()?;
            to_js(&Descriptor::from(&d))
        }))
    }

    /// Deletes a manifest by digest (every tag pointing at it goes with it).
    #[wasm_bindgen(js_name = deleteManifest, unchecked_return_type = "Promise<void>")]
    pub fn delete_manifest(&self, repo: &str, digest: &str) -> Result<Promise, JsValue> {
        let (repo, digest) = (repo_name(repo)?, parse_digest(digest)?);
        let client = self.client.clone();
        Ok(promise(async move {
            client.delete_manifest(&repo, &digest).await.js()?;
            Ok(JsValue::UNDEFINED)
        }))
    }

    /// Deletes a tag only (where the registry supports it).
    #[wasm_bindgen(js_name = deleteTag, unchecked_return_type = "Promise<void>")]
    pub fn delete_tag(&self, repo: &str, tag: &str) -> Result<Promise, JsValue> {
        let repo = repo_name(repo)?;
        let tag = Tag::new(tag).js()?;
        let client = self.client.clone();
        Ok(promise(async move {
            client.delete_tag(&repo, &tag).await.js()?;
            Ok(JsValue::UNDEFINED)
        }))
    }

    /// Deletes a blob.
    #[wasm_bindgen(js_name = deleteBlob, unchecked_return_type = "Promise<void>")]
    pub fn delete_blob(&self, repo: &str, digest: &str) -> Result<Promise, JsValue> {
        let (repo, digest) = (repo_name(repo)?, parse_digest(digest)?);
        let client = self.client.clone();
        Ok(promise(async move {
            client.delete_blob(&repo, &digest).await.js()?;
            Ok(JsValue::UNDEFINED)
        }))
    }
}

impl Registry {
    /// The core client (for the tools).
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// This client, or with a signal one whose requests are tied to it.
    pub(crate) fn client_for(
        &self,
        signal: Option<&web_sys::AbortSignal>,
    ) -> Result<Client, JsValue> {
        match signal {
            Some(s) => self.client_with(s),
            None => Ok(self.client.clone()),
        }
    }

    /// A client like this one whose requests are tied to `signal` (off wasm32: this one).
    fn client_with(&self, signal: &web_sys::AbortSignal) -> Result<Client, JsValue> {
        #[cfg(target_arch = "wasm32")]
        return ociscope_fetch::connect_with(
            self.transport.tied_to(signal.clone()),
            &self.address,
            self.options.clone(),
        )
        .js();
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = signal;
            Ok(self.client.clone())
        }
    }

    fn pager(&self, source: Source, page_size: Option<usize>) -> JsValue {
        async_iterator(Pager {
            state: Rc::new(RefCell::new(PagerState {
                client: self.client.clone(),
                source,
                buffer: VecDeque::new(),
                next: Some(PageRequest {
                    size: page_size,
                    ..PageRequest::default()
                }),
            })),
        })
    }
}

#[wasm_bindgen(typescript_custom_section)]
const FETCHED_MANIFEST_TS: &str = r#"
/** A manifest read from a registry. */
export interface FetchedManifest {
  /** The exact bytes (their digest is `descriptor.digest`). */
  bytes: Uint8Array;
  /** Media type, digest and size as the registry answered them. */
  descriptor: Descriptor;
  /** The parsed content. */
  manifest: ParsedManifest;
}
"#;

/// What a listing lists.
#[derive(Clone)]
enum Source {
    Repositories,
    Tags(RepoName),
    Referrers(RepoName, Digest, Option<String>),
}

struct PagerState {
    client: Client,
    source: Source,
    buffer: VecDeque<JsValue>,
    /// The next page to ask for; `None` once the last page arrived.
    next: Option<PageRequest>,
}

/// One listing in progress (driven by the async iterator of `js/glue.js`).
#[wasm_bindgen(skip_typescript)]
pub struct Pager {
    state: Rc<RefCell<PagerState>>,
}

#[wasm_bindgen]
impl Pager {
    /// The next item, or `undefined` at the end.
    pub fn next(&self) -> Promise {
        let state = Rc::clone(&self.state);
        promise(async move {
            let mut empty = 0;
            loop {
                let (client, source, request) = {
                    let mut s = state.borrow_mut();
                    if let Some(item) = s.buffer.pop_front() {
                        return Ok(item);
                    }
                    match s.next.take() {
                        None => return Ok(JsValue::UNDEFINED),
                        Some(r) => (s.client.clone(), s.source.clone(), r),
                    }
                };
                let (items, next) = match &source {
                    Source::Repositories => {
                        let page = client.list_repositories(&request).await.js()?;
                        (strings(page.items), page.next)
                    }
                    Source::Tags(repo) => {
                        let page = client.list_tags(repo, &request).await.js()?;
                        (strings(page.items), page.next)
                    }
                    Source::Referrers(repo, digest, artifact_type) => {
                        let page = client
                            .list_referrers(repo, digest, artifact_type.as_deref(), &request)
                            .await
                            .js()?;
                        let mut items = Vec::with_capacity(page.items.len());
                        for d in &page.items {
                            items.push(to_js(&Descriptor::from(d))?);
                        }
                        (items, page.next)
                    }
                };
                if items.is_empty() && next.is_some() {
                    empty += 1;
                    if empty > MAX_EMPTY_PAGES {
                        return Err(oci_error(
                            "PROTOCOL",
                            None,
                            &format!("the registry sent {MAX_EMPTY_PAGES} empty pages in a row"),
                            JsValue::UNDEFINED,
                        ));
                    }
                }
                let mut s = state.borrow_mut();
                s.buffer.extend(items);
                s.next = next;
            }
        })
    }
}

fn strings(items: Vec<String>) -> Vec<JsValue> {
    items.into_iter().map(JsValue::from).collect()
}

/// A blob being read (driven by the `ReadableStream` of `js/glue.js`).
#[wasm_bindgen(skip_typescript)]
pub struct BlobSource {
    reader: Rc<RefCell<Option<<Client as Spec>::Reader>>>,
}

#[wasm_bindgen]
impl BlobSource {
    /// The next chunk, or `undefined` at the (verified) end.
    pub fn pull(&self) -> Promise {
        let cell = Rc::clone(&self.reader);
        promise(async move {
            let Some(mut reader) = cell.borrow_mut().take() else {
                return Err(invalid("the blob stream is read by two readers at once"));
            };
            let chunk = reader.next_chunk().await;
            *cell.borrow_mut() = Some(reader);
            match chunk.js()? {
                Some(bytes) => Ok(Uint8Array::from(&bytes[..]).into()),
                None => Ok(JsValue::UNDEFINED),
            }
        })
    }
}

/// What `pushBlob` reads from: something sliced at will, or a stream read once.
pub(crate) enum Input {
    Slices(Sliceable),
    Stream(web_sys::ReadableStream),
}

/// Bytes read by slices, as often as needed: a `Uint8Array`, or a `Blob`/`File` (read through
/// one reused buffer, `ociscope_fetch::BlobSource`).
pub(crate) enum Sliceable {
    Bytes(Uint8Array),
    Blob(ociscope_fetch::BlobSource),
}

impl Sliceable {
    /// The bytes of a `Uint8Array` or `Blob`, `None` for anything else.
    pub(crate) fn of(data: &JsValue) -> Option<Sliceable> {
        if let Some(a) = data.dyn_ref::<Uint8Array>() {
            return Some(Sliceable::Bytes(a.clone()));
        }
        data.dyn_ref::<web_sys::Blob>()
            .map(|b| Sliceable::Blob(ociscope_fetch::BlobSource::new(b.clone())))
    }
}

impl Input {
    fn of(data: JsValue) -> Result<Input, JsValue> {
        if let Some(s) = Sliceable::of(&data) {
            return Ok(Input::Slices(s));
        }
        match data.dyn_into::<web_sys::ReadableStream>() {
            Ok(s) => Ok(Input::Stream(s)),
            Err(_) => Err(invalid(
                "pushBlob data must be a Uint8Array, a Blob or a ReadableStream",
            )),
        }
    }
}

/// The input of `pushBlob`, read a chunk at a time by `ociscope_tools::artifact::upload_blob`;
/// a read after the signal fired fails as aborted.
pub(crate) struct UploadSource<'a> {
    pub(crate) input: &'a Sliceable,
    pub(crate) signal: Option<&'a web_sys::AbortSignal>,
}

impl ChunkSource for UploadSource<'_> {
    fn len(&self) -> u64 {
        match self.input {
            Sliceable::Bytes(a) => a.length() as u64,
            Sliceable::Blob(b) => b.len(),
        }
    }

    async fn read(&self, start: u64, end: u64) -> Result<Bytes, Error> {
        if aborted(self.signal) {
            return Err(Error::other(ErrorKind::Aborted, "the upload was aborted"));
        }
        if start > end || end > self.len() {
            return Err(Error::invalid(format!(
                "cannot read bytes {start}..{end} of a {}-byte input",
                self.len()
            )));
        }
        match self.input {
            Sliceable::Bytes(a) => Ok(a.subarray(start as u32, end as u32).to_vec().into()),
            Sliceable::Blob(b) => b.read(start, end).await,
        }
    }

    fn external(&self) -> Option<External> {
        match self.input {
            Sliceable::Bytes(_) => None,
            Sliceable::Blob(b) => Some(b.external()),
        }
    }
}

/// A byte offset argument: a whole number from 0 up to 2^53.
fn byte_offset(n: f64, what: &str) -> Result<u64, JsValue> {
    if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_992.0 {
        Ok(n as u64)
    } else {
        Err(invalid(format!("{what} {n} is not a byte offset")))
    }
}

fn aborted(signal: Option<&web_sys::AbortSignal>) -> bool {
    signal.is_some_and(|s| s.aborted())
}

/// The OciError of an interrupted upload: its error's code, `detail.resume` when resumable; an
/// abort's `AbortError` (the signal's reason).
pub(crate) fn interrupted(e: &Interrupted, signal: Option<&web_sys::AbortSignal>) -> JsValue {
    if is_abort(&e.error) {
        return abort_error(&e.error.to_string(), signal);
    }
    let error = from_error(&e.error);
    let detail = UploadInterruptedDetail {
        resume: e.resume.as_ref().map(|r| ResumableUpload {
            id: r.id.clone(),
            offset: r.offset,
        }),
    };
    if let Ok(detail) = to_js(&detail) {
        let _ = Reflect::set(&error, &"detail".into(), &detail);
    }
    error
}
