//! Byte ranges of a `Blob` (a picked `File`) read into wasm memory, for uploads from a page or
//! a worker.
//!
//! Decisions:
//! - The bytes come through a BYOB reader of `blob.slice(start, end).stream()` into one
//!   `ArrayBuffer` of [`READ_BUFFER`] bytes, kept and reused from one read to the next, then
//!   copied into wasm memory. `blob.arrayBuffer()` makes a new buffer per range instead, which
//!   the garbage collector frees late: a 512 MiB upload in 5 MiB ranges had 80 MiB of such
//!   garbage on the JS heap. Where `Blob.stream()` is not a byte stream (no BYOB reader), each
//!   range falls back to `arrayBuffer()`.
//! - Reads that follow one another (an upload hashing its file, a tarball read in order)
//!   continue one stream of the rest of the blob, kept open between them: a new stream per
//!   1 MiB range read 177–201 MiB/s in Chromium, one stream 395 MiB/s (512 MiB, page cache). A
//!   read anywhere else cancels it and opens another. Data already in such a stream resolves
//!   reads without the page's event loop turning, so a read made [`YIELD_AFTER_MS`] or more
//!   after the last turn lets it turn first: a caller hashing what it reads never holds the
//!   main thread for long (it did for a second at a time). The turn is a `setTimeout(0)`,
//!   which Chromium clamps to 4 ms once nested: that pause leaves the CPU to the browser's
//!   own processes sending the file (on two cores a 512 MiB upload took 5.9 s with it, 8.3 s
//!   with `scheduler.yield()`, which does not pause).
//! - A blob that yields fewer bytes than asked (a file changed or truncated on disk since it
//!   was picked) is an `InvalidArgument` error naming the range, never short data.
//! - It is a content store's `ReaderAt` too, so a dropped tarball is indexed and pushed in
//!   place (`ociscope_tools::tarball::TarStore` over it).
//! - It is also an upload body that `fetch` reads from disk itself ([`BlobSource::external`]):
//!   an upload then reads the file only to hash it, and no chunk is copied into wasm memory
//!   or onto the JS heap. Chromium sends a file's slices so at 109 MiB/s where copies of
//!   them in 5 MiB requests went at 45 (512 MiB to CNCF distribution, loopback).
//! - It builds on every target, as the workspace's other browser code does; only a page or a
//!   worker has a `Blob` to give it.

use std::any::Any;
use std::cell::RefCell;
use std::sync::Arc;

use bytes::Bytes;
use js_sys::{ArrayBuffer, Reflect, Uint8Array};
use ociscope_core::client::{External, ExternalSource};
use ociscope_core::content::{self, ReaderAt};
use ociscope_core::spec::{Error, ErrorKind};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, ReadableStreamByobReader};

/// A read this long (in ms) after the page's event loop last turned for a read waits for it.
pub const YIELD_AFTER_MS: f64 = 25.0;

/// Size of the reused read buffer: 1 MiB.
pub const READ_BUFFER: u32 = 1024 * 1024;

/// A `Blob` read by byte ranges through one reused buffer.
pub struct BlobSource {
    blob: Blob,
    buffer: RefCell<Option<ArrayBuffer>>,
    body: Arc<BlobBody>,
    /// The stream of the blob from `.1` on, left open by the read that ended there.
    open: RefCell<Option<(ReadableStreamByobReader, u64)>>,
    /// When (`Date.now()`) a read last let the event loop turn (only a page or worker has one).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    turned: std::cell::Cell<f64>,
}

/// A `Blob` as an upload body the Fetch transport sends without copying it (an
/// [`ExternalSource`]).
#[derive(Debug)]
pub struct BlobBody {
    blob: send_wrapper::SendWrapper<Blob>,
    len: u64,
}

impl BlobBody {
    /// The blob.
    pub fn blob(&self) -> &Blob {
        &self.blob
    }
}

impl ExternalSource for BlobBody {
    fn len(&self) -> u64 {
        self.len
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn failed(what: &str, e: &JsValue) -> Error {
    let text = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"));
    Error::other(
        ErrorKind::InvalidArgument,
        format!("reading the file failed ({what}; was it moved or changed?): {text}"),
    )
}

impl BlobSource {
    /// Reads from `blob`.
    pub fn new(blob: Blob) -> BlobSource {
        let len = blob.size() as u64;
        BlobSource {
            body: Arc::new(BlobBody {
                blob: send_wrapper::SendWrapper::new(blob.clone()),
                len,
            }),
            blob,
            buffer: RefCell::new(None),
            open: RefCell::new(None),
            turned: std::cell::Cell::new(0.0),
        }
    }

    /// All of the blob as an upload body that the Fetch transport sends from the blob itself.
    pub fn external(&self) -> External {
        External::new(self.body.clone())
    }

    /// The blob.
    pub fn blob(&self) -> &Blob {
        &self.blob
    }

    /// The blob's size in bytes.
    pub fn len(&self) -> u64 {
        self.blob.size() as u64
    }

    /// True for an empty blob.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes `start..end` of the blob, all of them.
    pub async fn read(&self, start: u64, end: u64) -> Result<Bytes, Error> {
        if start > end || end > self.len() {
            return Err(Error::invalid(format!(
                "cannot read bytes {start}..{end} of a {}-byte file",
                self.len()
            )));
        }
        let want = usize::try_from(end - start).map_err(|_| {
            Error::invalid(format!("a range of {} bytes is too large", end - start))
        })?;
        #[cfg(target_arch = "wasm32")]
        if js_sys::Date::now() - self.turned.get() >= YIELD_AFTER_MS {
            crate::sleep(0).await;
            self.turned.set(js_sys::Date::now());
        }
        // The stream a read that ended here left open, else a new one of the rest of the blob.
        let kept = self.open.borrow_mut().take();
        let reader = match kept {
            Some((reader, at)) if at == start => Some(reader),
            other => {
                if let Some((reader, _)) = other {
                    let _ = reader.cancel();
                }
                let rest = self
                    .blob
                    .slice_with_f64(start as f64)
                    .map_err(|e| failed("slice", &e))?;
                ReadableStreamByobReader::new(&rest.stream()).ok()
            }
        };
        let out = match reader {
            Some(reader) => {
                let read = self.read_byob(&reader, want).await;
                match &read {
                    Ok(out) if out.len() == want => {
                        *self.open.borrow_mut() = Some((reader, end));
                    }
                    _ => {
                        let _ = reader.cancel();
                    }
                }
                read
            }
            None => {
                let part = self
                    .blob
                    .slice_with_f64_and_f64(start as f64, end as f64)
                    .map_err(|e| failed("slice", &e))?;
                let buffer = JsFuture::from(part.array_buffer())
                    .await
                    .map_err(|e| failed("arrayBuffer", &e))?;
                Ok(Uint8Array::new(&buffer).to_vec())
            }
        }?;
        if out.len() != want {
            return Err(Error::invalid(format!(
                "the file gave {} bytes for {start}..{end}: it changed since it was picked",
                out.len()
            )));
        }
        Ok(Bytes::from(out))
    }

    /// Reads up to `want` bytes from `reader` through the kept buffer (fewer only where the
    /// stream ends); the reader stays locked, for the read that follows.
    async fn read_byob(
        &self,
        reader: &ReadableStreamByobReader,
        want: usize,
    ) -> Result<Vec<u8>, Error> {
        let mut out = vec![0u8; want];
        let mut filled = 0usize;
        let mut buffer = self
            .buffer
            .borrow_mut()
            .take()
            .unwrap_or_else(|| ArrayBuffer::new(READ_BUFFER));
        let result = loop {
            if filled == want {
                break Ok(());
            }
            let room = (want - filled).min(buffer.byte_length() as usize) as u32;
            let view = Uint8Array::new_with_byte_offset_and_length(&buffer, 0, room);
            let read = match JsFuture::from(reader.read_with_array_buffer_view(&view)).await {
                Ok(r) => r,
                Err(e) => break Err(failed("read", &e)),
            };
            let done = Reflect::get(&read, &JsValue::from_str("done"))
                .ok()
                .and_then(|d| d.as_bool())
                .unwrap_or(true);
            let value = Reflect::get(&read, &JsValue::from_str("value"))
                .ok()
                .and_then(|v| v.dyn_into::<Uint8Array>().ok());
            // The buffer was transferred into the read; the answer's view holds it now.
            match value {
                Some(v) => {
                    let n = (v.length() as usize).min(want - filled);
                    v.subarray(0, n as u32)
                        .copy_to(&mut out[filled..filled + n]);
                    filled += n;
                    buffer = v.buffer();
                }
                None => {
                    // No view came back (the stream ended or failed): start a new buffer.
                    buffer = ArrayBuffer::new(READ_BUFFER);
                }
            }
            if done {
                break Ok(());
            }
        };
        if buffer.byte_length() == READ_BUFFER {
            *self.buffer.borrow_mut() = Some(buffer);
        }
        result.map(|()| {
            out.truncate(filled);
            out
        })
    }
}

impl ReaderAt for BlobSource {
    fn size(&self) -> u64 {
        self.len()
    }

    async fn read_at(&self, offset: u64, len: usize) -> Result<Bytes, content::Error> {
        let end = self.len().min(offset.saturating_add(len as u64));
        if offset >= end {
            return Ok(Bytes::new());
        }
        self.read(offset, end).await.map_err(content::Error::Source)
    }

    fn external(&self) -> Option<External> {
        Some(BlobSource::external(self))
    }
}
