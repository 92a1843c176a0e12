//! A layer blob read as it streams and fed to [`ociscope_tools::layer::TarLister`]: gzip
//! through the browser's `DecompressionStream`, zstd through `ruzstd` compiled to wasm, plain
//! tar as it is. The compression is told by the first bytes (not the media type, which
//! registries get wrong). Nothing holds the layer: each chunk is decompressed, listed and
//! dropped, and the blob's digest is verified as it arrives (a mismatch fails the listing).
//! At least every [`BREATHE_MS`] the listing yields to the page (a `setTimeout(0)`): chunks
//! already received resolve as microtasks, and without it a fast layer froze the page (timers,
//! input and painting) until it was listed.

use ociscope_core::spec::{BlobReader, Error, ErrorKind, RepoName, Spec};
use ociscope_core::Digest;
use ociscope_tools::layer::{detect, zstd::ZstdStream, Compression, LayerError, Sink, TarLister};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

// web-sys has `DecompressionStream` only behind `web_sys_unstable_apis`; the three members
// used are bound here (in every browser since 2023).
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = DecompressionStream)]
    type Decompressor;
    #[wasm_bindgen(constructor, catch, js_class = "DecompressionStream")]
    fn new(format: &str) -> Result<Decompressor, JsValue>;
    #[wasm_bindgen(method, getter)]
    fn readable(this: &Decompressor) -> web_sys::ReadableStream;
    #[wasm_bindgen(method, getter)]
    fn writable(this: &Decompressor) -> web_sys::WritableStream;
}

use crate::registry::Registry;

/// Longest stretch of listing without giving the page a turn, in ms: chunks that are already
/// there resolve as microtasks, which would otherwise starve timers, input and painting.
pub const BREATHE_MS: f64 = 50.0;

/// Lets the page's other tasks run (a `setTimeout(0)`) when `last` is BREATHE_MS old.
async fn breathe(last: &std::cell::Cell<f64>) {
    let now = js_sys::Date::now();
    if now - last.get() >= BREATHE_MS {
        #[cfg(target_arch = "wasm32")]
        ociscope_fetch::sleep(0).await;
        last.set(js_sys::Date::now());
    }
}

/// How far a listing is: compressed bytes read and uncompressed bytes listed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Compressed bytes read from the registry.
    pub read: u64,
    /// Uncompressed tar bytes listed.
    pub listed: u64,
}

fn layer_error(e: LayerError) -> Error {
    Error::other(ErrorKind::InvalidArgument, e.to_string())
}

fn browser_error(what: &str, e: &JsValue) -> Error {
    let text = e
        .as_string()
        .or_else(|| {
            js_sys::Reflect::get(e, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
        })
        .unwrap_or_else(|| "unknown error".into());
    Error::other(ErrorKind::InvalidArgument, format!("{what}: {text}"))
}

/// Streams the layer `digest` of `repo` into `sink`; `progress` after every chunk; `stop`
/// asked after every chunk ends the listing early (e.g. once a wanted file was read).
pub async fn list(
    registry: &Registry,
    repo: &RepoName,
    digest: &Digest,
    sink: &mut impl Sink,
    progress: &mut impl FnMut(Progress),
    stop: &dyn Fn() -> bool,
) -> Result<(), Error> {
    let mut reader = registry.get_blob(repo, digest).await?;
    let Some(first) = reader.next_chunk().await? else {
        return Ok(());
    };
    let mut lister = TarLister::new();
    let mut p = Progress::default();
    let turn = std::cell::Cell::new(js_sys::Date::now());
    match detect(&first) {
        Compression::None => {
            let mut chunk = Some(first);
            while let Some(c) = chunk {
                lister.push(&c, sink).map_err(layer_error)?;
                p.read += c.len() as u64;
                p.listed = lister.offset();
                progress(p);
                if stop() || lister.ended() {
                    return Ok(());
                }
                breathe(&turn).await;
                chunk = reader.next_chunk().await?;
            }
        }
        Compression::Zstd => {
            let mut z = ZstdStream::new();
            let mut chunk = Some(first);
            while let Some(c) = chunk {
                z.push(&c, &mut |b: &[u8]| lister.push(b, sink))
                    .map_err(layer_error)?;
                p.read += c.len() as u64;
                p.listed = lister.offset();
                progress(p);
                if stop() || lister.ended() {
                    return Ok(());
                }
                breathe(&turn).await;
                chunk = reader.next_chunk().await?;
            }
            z.finish(&mut |b: &[u8]| lister.push(b, sink))
                .map_err(layer_error)?;
        }
        Compression::Gzip => {
            gunzip(&mut reader, first, &mut lister, sink, progress, stop).await?;
            if stop() || lister.ended() {
                return Ok(());
            }
        }
    }
    lister.finish().map_err(layer_error)
}

/// gzip through `DecompressionStream`: the compressed chunks are written on one side while
/// the decompressed ones are read on the other, in the same task (so neither waits forever
/// on the other's back-pressure).
async fn gunzip<R: BlobReader>(
    reader: &mut R,
    first: bytes::Bytes,
    lister: &mut TarLister,
    sink: &mut impl Sink,
    progress: &mut impl FnMut(Progress),
    stop: &dyn Fn() -> bool,
) -> Result<(), Error> {
    let ds = Decompressor::new("gzip")
        .map_err(|e| browser_error("this browser has no gzip DecompressionStream", &e))?;
    let writer = ds
        .writable()
        .get_writer()
        .map_err(|e| browser_error("opening the decompressor", &e))?;
    let out: web_sys::ReadableStreamDefaultReader = ds.readable().get_reader().unchecked_into();
    let read = std::cell::Cell::new(0u64);
    let turn = std::cell::Cell::new(js_sys::Date::now());
    let write_side = async {
        let mut chunk = Some(first);
        while let Some(c) = chunk {
            JsFuture::from(writer.ready())
                .await
                .map_err(|e| browser_error("decompressing", &e))?;
            read.set(read.get() + c.len() as u64);
            // Not awaited: the promise settles when the chunk is consumed, which the read
            // side does; `ready` above is the back-pressure.
            let _ = writer.write_with_chunk(&js_sys::Uint8Array::from(c.as_ref()));
            chunk = match reader.next_chunk().await {
                Ok(c) => c,
                Err(e) => {
                    let _ = writer.abort_with_reason(&JsValue::from_str(&e.to_string()));
                    return Err(e);
                }
            };
        }
        let _ = JsFuture::from(writer.close()).await;
        Ok::<(), Error>(())
    };
    let read_side = async {
        loop {
            let result = JsFuture::from(out.read())
                .await
                .map_err(|e| browser_error("decompressing the gzip layer", &e))?;
            let done = js_sys::Reflect::get(&result, &"done".into())
                .ok()
                .and_then(|d| d.as_bool())
                .unwrap_or(true);
            if done {
                return Ok::<(), Error>(());
            }
            let value = js_sys::Reflect::get(&result, &"value".into())
                .map_err(|e| browser_error("decompressing", &e))?;
            let bytes = js_sys::Uint8Array::new(&value).to_vec();
            if let Err(e) = lister.push(&bytes, sink) {
                let _ = out.cancel();
                let _ = writer.abort();
                return Err(layer_error(e));
            }
            progress(Progress {
                read: read.get(),
                listed: lister.offset(),
            });
            if stop() || lister.ended() {
                let _ = out.cancel();
                let _ = writer.abort();
                return Ok(());
            }
            breathe(&turn).await;
        }
    };
    let (written, listed) = futures::join!(write_side, read_side);
    listed?;
    // A stop or the end of the archive abort the writer on purpose: its error is not one.
    if !(stop() || lister.ended()) {
        written?;
    }
    Ok(())
}
