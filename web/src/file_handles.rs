//! Files an upload can reopen by itself after a reload: where the browser has the File System
//! Access API (Chromium's `showOpenFilePicker`), a file picked through it comes with a handle
//! the page keeps in IndexedDB (`file_handles.js`), keyed by the upload's record
//! ([`crate::pending`]). Resuming reads the file from the handle, asking for read access again
//! if the browser dropped it (the Resume click allows the prompt). The handle is dropped with
//! the record. Elsewhere (Firefox, Safari, Node) nothing is kept and resuming asks for the file.

use ociscope_core::spec::{Error, ErrorKind};
use wasm_bindgen::prelude::*;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/src/file_handles.js")]
extern "C" {
    fn can_pick() -> bool;
    #[wasm_bindgen(catch)]
    fn pick() -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch)]
    fn keep(key: &str, handle: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch)]
    fn forget(key: &str) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch)]
    fn kept(key: &str) -> Result<js_sys::Promise, JsValue>;
}

/// A picked file and its handle.
#[derive(Clone, Debug)]
pub struct Picked {
    /// The file as it is now.
    pub file: web_sys::File,
    /// Its `FileSystemFileHandle`.
    pub handle: JsValue,
}

/// The key of an upload's handle: the upload's registry and start time (as its record's).
pub fn key(registry: &str, started: f64) -> String {
    format!("{registry}\n{started}")
}

/// True where files can be picked with a handle the page can keep.
pub fn available() -> bool {
    cfg!(target_arch = "wasm32") && can_pick()
}

#[cfg(target_arch = "wasm32")]
fn failed(what: &str, e: JsValue) -> Error {
    let text = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"));
    Error::other(ErrorKind::InvalidArgument, format!("{what}: {text}"))
}

#[cfg(target_arch = "wasm32")]
async fn settle(what: &str, promise: Result<js_sys::Promise, JsValue>) -> Result<JsValue, Error> {
    let promise = promise.map_err(|e| failed(what, e))?;
    JsFuture::from(promise).await.map_err(|e| failed(what, e))
}

#[cfg(target_arch = "wasm32")]
fn picked(value: JsValue) -> Option<Picked> {
    if !value.is_object() {
        return None;
    }
    let get = |name: &str| js_sys::Reflect::get(&value, &JsValue::from_str(name)).ok();
    let file = get("file")?.dyn_into::<web_sys::File>().ok()?;
    Some(Picked {
        file,
        handle: get("handle")?,
    })
}

/// Asks the person for a file through the browser's picker; `None` when they close it.
pub async fn pick_file() -> Result<Option<Picked>, Error> {
    #[cfg(target_arch = "wasm32")]
    {
        Ok(picked(settle("picking a file", pick()).await?))
    }
    #[cfg(not(target_arch = "wasm32"))]
    Err(unavailable())
}

/// Keeps `handle` under `key`, stored before this returns.
pub async fn keep_handle(key: &str, handle: &JsValue) -> Result<(), Error> {
    #[cfg(target_arch = "wasm32")]
    {
        settle("keeping the file's handle", keep(key, handle))
            .await
            .map(drop)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (key, handle);
        Err(unavailable())
    }
}

/// The file kept under `key` (read access asked for again if needed); `None` when none is.
pub async fn kept_file(key: &str) -> Result<Option<Picked>, Error> {
    #[cfg(target_arch = "wasm32")]
    {
        let value = settle("opening the kept file", kept(key)).await?;
        Ok(picked(value))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = key;
        Err(unavailable())
    }
}

/// Drops the handle kept under `key`, in the background (nothing happens without one, nor
/// where no handle can be kept).
pub fn forget_later(key: String) {
    #[cfg(target_arch = "wasm32")]
    if available() {
        leptos::task::spawn_local(async move {
            let _ = settle("forgetting the file's handle", forget(&key)).await;
        });
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = key;
}

#[cfg(not(target_arch = "wasm32"))]
fn unavailable() -> Error {
    Error::other(
        ErrorKind::Unsupported,
        "this browser cannot keep a picked file",
    )
}
