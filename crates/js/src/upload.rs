//! Uploads a caller drives: `pushBlob` from a `ReadableStream<Uint8Array>`, and upload sessions
//! (`Registry.startUpload` / `Registry.resumeUpload` → [`UploadSession`]).
//!
//! Rules:
//! - **A stream is read once**, a chunk at a time, straight into the core's chunked writer
//!   (`BlobWriter`), and hashed on the way (sha256, or the algorithm of the `digest` option);
//!   memory stays at one upload chunk plus the stream chunk being copied (a large stream chunk
//!   is handed over in pieces of at most the chunk size). With a `digest`, bytes that do not
//!   match cancel the upload before the commit (`DIGEST_INVALID`). A transient failure of a
//!   chunk is resent by the writer from its buffer; what still fails rejects with
//!   `detail.resume` (`{ id, offset }`: the registry's offset, where an upload session resumes),
//!   since a stream cannot be read again. An abort cancels the upload and the stream.
//! - **A session** is one upload: `write` appends (full chunks go out as they fill), `offset`
//!   counts the bytes accepted, `close` keeps the upload for later and says where it stands
//!   (`{ id, offset }`; the bytes not yet sent in a full chunk are not kept, so the offset may
//!   be lower than what was written), `commit(digest?)` completes it, `cancel` drops it. The id
//!   is the registry's upload URL (`Location`), which is all another client, in this process
//!   or another, needs: `resumeUpload(repo, id, { offset? })`.
//! - `commit()` without a digest uses the sha256 of every byte written, known only to a session
//!   that saw them all (started here, or resumed at offset 0); a resumed one must be told.
//! - One call at a time per session: a call while another is in flight is refused
//!   (`INVALID_ARGUMENT`), as is any call after `close`, `commit` or `cancel` (but `cancel`,
//!   which may be repeated).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Promise, Reflect, Uint8Array};
use ociscope_core::spec::{BlobWriter, Error, ErrorKind, RepoName, Spec};
use ociscope_core::{Algorithm, Digest, Digester};
use ociscope_tools::artifact::Interrupted;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use crate::error::{abort_error, from_error, invalid, oci_error, to_js, IntoJs};
use crate::registry::{interrupted, report, Client};
use crate::types::{Descriptor, ResumableUpload, UploadProgress};

/// The core writer of an upload.
type Writer = <Client as Spec>::Writer;

/// How `pushBlob` sends a stream.
pub(crate) struct StreamUpload {
    /// The client (tied to `signal` when there is one).
    pub client: Client,
    /// Where to.
    pub repo: RepoName,
    /// The bytes.
    pub stream: web_sys::ReadableStream,
    /// Chunk size hint.
    pub chunk_size: usize,
    /// The digest the bytes must have, if the caller knows it.
    pub expected: Option<Digest>,
    /// Progress callback (`{ bytes }`).
    pub on_progress: JsValue,
    /// Abort signal.
    pub signal: Option<web_sys::AbortSignal>,
}

fn aborted(signal: Option<&web_sys::AbortSignal>) -> bool {
    signal.is_some_and(|s| s.aborted())
}

/// The next chunk of a stream reader, `None` at its end.
async fn read_chunk(
    reader: &web_sys::ReadableStreamDefaultReader,
) -> Result<Option<Uint8Array>, Error> {
    let result = JsFuture::from(reader.read()).await.map_err(|e| {
        Error::other(
            ErrorKind::Protocol,
            format!("reading the stream failed: {}", js_text(&e)),
        )
    })?;
    let done = Reflect::get(&result, &"done".into())
        .ok()
        .and_then(|d| d.as_bool())
        .unwrap_or(true);
    if done {
        return Ok(None);
    }
    let value = Reflect::get(&result, &"value".into()).unwrap_or_default();
    match value.dyn_into::<Uint8Array>() {
        Ok(chunk) => Ok(Some(chunk)),
        Err(v) => Err(Error::invalid(format!(
            "pushBlob: the stream gave {}, not a Uint8Array",
            js_text(&v)
        ))),
    }
}

/// The most a writer is handed at once: its chunk size, at least 1 and at most what a
/// `Uint8Array` offset holds.
fn piece_size(writer: &Writer) -> u32 {
    u32::try_from(writer.chunk_size())
        .unwrap_or(u32::MAX)
        .max(1)
}

/// A short text for a thrown or rejected JavaScript value.
fn js_text(value: &JsValue) -> String {
    if let Some(e) = value.dyn_ref::<js_sys::Error>() {
        return format!("{}: {}", String::from(e.name()), String::from(e.message()));
    }
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}

/// Uploads a stream (see the module doc): the descriptor, or an OciError with `detail.resume`.
pub(crate) async fn push_stream(up: StreamUpload) -> Result<JsValue, JsValue> {
    let signal = up.signal.as_ref();
    if aborted(signal) {
        let _ = JsFuture::from(up.stream.cancel()).await;
        return Err(abort_error("the upload was aborted", signal));
    }
    let algorithm = match &up.expected {
        Some(d) => d
            .verifiable_algorithm()
            .map_err(|e| invalid(format!("pushBlob digest: {e}")))?,
        None => Algorithm::Sha256,
    };
    let reader: web_sys::ReadableStreamDefaultReader = up.stream.get_reader().unchecked_into();
    let mut writer = match up.client.start_upload(&up.repo, Some(up.chunk_size)).await {
        Ok(w) => w,
        Err(e) => {
            let _ = JsFuture::from(reader.cancel()).await;
            return Err(from_error(&e));
        }
    };
    let mut digester = Digester::new(algorithm);
    let piece = piece_size(&writer);
    let outcome: Result<(), Error> = async {
        while let Some(chunk) = read_chunk(&reader).await? {
            let mut at = 0u32;
            while at < chunk.length() {
                if aborted(signal) {
                    return Err(Error::other(ErrorKind::Aborted, "the upload was aborted"));
                }
                let end = chunk.length().min(at.saturating_add(piece));
                let bytes = chunk.subarray(at, end).to_vec();
                digester.update(&bytes);
                writer.write(&bytes).await?;
                at = end;
                if let Ok(p) = to_js(&UploadProgress {
                    bytes: writer.size(),
                    total: None,
                }) {
                    report(&up.on_progress, &p);
                }
            }
        }
        if aborted(signal) {
            return Err(Error::other(ErrorKind::Aborted, "the upload was aborted"));
        }
        Ok(())
    }
    .await;
    if let Err(error) = outcome {
        let _ = JsFuture::from(reader.cancel()).await;
        if error.kind() == Some(ErrorKind::Aborted) || aborted(signal) {
            let _ = writer.cancel().await;
            return Err(abort_error(&error.to_string(), signal));
        }
        let resume = writer.close().await.ok();
        return Err(interrupted(&Interrupted { error, resume }, signal));
    }
    let digest = digester.finish();
    if let Some(expected) = &up.expected {
        if *expected != digest {
            let _ = writer.cancel().await;
            return Err(oci_error(
                "DIGEST_INVALID",
                None,
                &format!(
                    "the stream's bytes are {digest}, not {expected}; the upload was cancelled"
                ),
                JsValue::UNDEFINED,
            ));
        }
    }
    match writer.commit(&digest).await {
        Ok(d) => to_js(&Descriptor::from(&d)),
        Err(error) => {
            let resume = writer.close().await.ok();
            Err(interrupted(&Interrupted { error, resume }, signal))
        }
    }
}

/// Where a session stands.
enum State {
    /// Ready for the next call.
    Idle(Box<Writer>),
    /// A call is in flight.
    Busy,
    /// Closed, committed or cancelled.
    Finished(&'static str),
}

struct Session {
    state: State,
    id: String,
    offset: u64,
    /// The digest of every byte written, while the session has seen them all.
    digester: Option<Digester>,
}

/// One blob upload a caller drives chunk by chunk (see the module doc): keep `id` and `offset`
/// to resume it later with `Registry.resumeUpload`, from this process or another.
#[wasm_bindgen]
pub struct UploadSession {
    inner: Rc<RefCell<Session>>,
    chunk_size: usize,
    cancelled: Rc<Cell<bool>>,
}

impl UploadSession {
    /// A session over `writer`; `digester` when it starts at the blob's first byte.
    pub(crate) fn new(writer: Writer) -> UploadSession {
        let fresh = writer.size() == 0;
        UploadSession {
            chunk_size: writer.chunk_size(),
            inner: Rc::new(RefCell::new(Session {
                id: writer.id().to_string(),
                offset: writer.size(),
                digester: fresh.then(|| Digester::new(Algorithm::Sha256)),
                state: State::Idle(Box::new(writer)),
            })),
            cancelled: Rc::new(Cell::new(false)),
        }
    }
}

/// Takes the writer for one call, refusing a second call in flight or one after the end.
fn take(inner: &Rc<RefCell<Session>>, what: &str) -> Result<Box<Writer>, JsValue> {
    let mut s = inner.borrow_mut();
    match std::mem::replace(&mut s.state, State::Busy) {
        State::Idle(w) => Ok(w),
        State::Busy => Err(invalid(format!(
            "UploadSession.{what}: another call of this session is in flight; await it first"
        ))),
        State::Finished(how) => {
            s.state = State::Finished(how);
            Err(invalid(format!(
                "UploadSession.{what}: the upload is {how}"
            )))
        }
    }
}

/// Puts the writer back after a call, noting where it stands.
fn give_back(inner: &Rc<RefCell<Session>>, writer: Box<Writer>) {
    let mut s = inner.borrow_mut();
    s.id = writer.id().to_string();
    s.offset = writer.size();
    s.state = State::Idle(writer);
}

#[wasm_bindgen]
impl UploadSession {
    /// The upload's id (the registry's upload URL): what `resumeUpload` takes.
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> String {
        self.inner.borrow().id.clone()
    }

    /// Bytes accepted so far, from the blob's first byte (sent, or buffered until a chunk fills).
    #[wasm_bindgen(getter)]
    pub fn offset(&self) -> f64 {
        self.inner.borrow().offset as f64
    }

    /// The chunk size in use (the hint raised to the registry's minimum).
    #[wasm_bindgen(getter, js_name = chunkSize)]
    pub fn chunk_size(&self) -> f64 {
        self.chunk_size as f64
    }

    /// Appends bytes; full chunks go to the registry as they fill.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn write(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] chunk: JsValue,
    ) -> Result<Promise, JsValue> {
        let chunk = chunk
            .dyn_into::<Uint8Array>()
            .map_err(|_| invalid("UploadSession.write takes a Uint8Array"))?;
        let mut writer = take(&self.inner, "write")?;
        let inner = Rc::clone(&self.inner);
        Ok(future_to_promise(async move {
            let piece = piece_size(&writer);
            let mut at = 0u32;
            let mut result = Ok(());
            while at < chunk.length() {
                let end = chunk.length().min(at.saturating_add(piece));
                let bytes = chunk.subarray(at, end).to_vec();
                result = writer.write(&bytes).await;
                if result.is_err() {
                    // The digest no longer follows what the registry holds.
                    inner.borrow_mut().digester = None;
                    break;
                }
                if let Some(d) = inner.borrow_mut().digester.as_mut() {
                    d.update(&bytes);
                }
                at = end;
            }
            give_back(&inner, writer);
            result.js()?;
            Ok(JsValue::UNDEFINED)
        }))
    }

    /// Stops writing and keeps the upload: where it stands (`{ id, offset }`), to resume later.
    #[wasm_bindgen(unchecked_return_type = "Promise<ResumableUpload>")]
    pub fn close(&self) -> Result<Promise, JsValue> {
        let mut writer = take(&self.inner, "close")?;
        let inner = Rc::clone(&self.inner);
        Ok(future_to_promise(async move {
            let closed = writer.close().await;
            inner.borrow_mut().state = State::Finished("closed");
            let r = closed.js()?;
            {
                let mut s = inner.borrow_mut();
                s.id = r.id.clone();
                s.offset = r.offset;
            }
            to_js(&ResumableUpload {
                id: r.id,
                offset: r.offset,
            })
        }))
    }

    /// Completes the upload as `digest` (default: the sha256 of every byte written, when this
    /// session saw them all); the registry checks it.
    #[wasm_bindgen(unchecked_return_type = "Promise<Descriptor>")]
    pub fn commit(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "string")] digest: Option<String>,
    ) -> Result<Promise, JsValue> {
        let digest =
            match digest {
                Some(d) => crate::digest::parse_digest(&d)?,
                None => match &self.inner.borrow().digester {
                    Some(d) => d.current(),
                    None => return Err(invalid(
                        "UploadSession.commit: this session did not see every byte of the blob \
                         (it was resumed, or a write failed); pass the digest",
                    )),
                },
            };
        let mut writer = take(&self.inner, "commit")?;
        let inner = Rc::clone(&self.inner);
        Ok(future_to_promise(async move {
            match writer.commit(&digest).await {
                Ok(d) => {
                    inner.borrow_mut().state = State::Finished("committed");
                    to_js(&Descriptor::from(&d))
                }
                Err(e) => {
                    give_back(&inner, writer);
                    Err(from_error(&e))
                }
            }
        }))
    }

    /// Drops the upload at the registry; after `close`, `commit` or `cancel` it does nothing.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn cancel(&self) -> Result<Promise, JsValue> {
        let finished = matches!(self.inner.borrow().state, State::Finished(_));
        if self.cancelled.get() || finished {
            return Ok(Promise::resolve(&JsValue::UNDEFINED));
        }
        let mut writer = take(&self.inner, "cancel")?;
        self.cancelled.set(true);
        let inner = Rc::clone(&self.inner);
        Ok(future_to_promise(async move {
            let done = writer.cancel().await;
            inner.borrow_mut().state = State::Finished("cancelled");
            done.js()?;
            Ok(JsValue::UNDEFINED)
        }))
    }
}
