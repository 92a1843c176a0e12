//! ociscope-js: ociscope for JavaScript and TypeScript, built with wasm-pack for Node, pages,
//! Web Workers and bundlers (see `README.md` for the package).
//!
//! Rules of the boundary:
//! - **Data** crosses as plain objects through `serde-wasm-bindgen` (json-compatible: objects,
//!   never `Map`s), in the shapes of [`types`], whose TypeScript interfaces `tsify` writes.
//!   Return types the generated `.d.ts` cannot infer are named with `unchecked_return_type`.
//! - **Errors** are instances of the exported `OciError` class ([`error`]), aborts excepted (the
//!   signal's reason, a `DOMException` named `AbortError`, as fetch rejects); nothing panics on
//!   input: every argument is checked and refused with `INVALID_ARGUMENT` (or the spec code the
//!   core gives, e.g. `NAME_INVALID`).
//! - **Async** methods return promises and take `&self` only to clone what they need (the
//!   client is reference-counted), so a promise outlives nothing it borrows.
//! - **Iterators and streams**: listings are async iterators (`for await`) and blob reads are
//!   `ReadableStream<Uint8Array>`, built in `js/glue.js` over a Rust object that hands out one
//!   page or chunk per call; a `ReadableStream` given to `pushBlob` is read once, a chunk at a
//!   time ([`upload`]).
//! - **Tools** of ociscope-tools are bound in [`copy`] and [`tools`]; they run over the same
//!   client, so credentials, the `fetch` option and abort signals apply to them too.
//! - Off wasm32 the crate compiles (so the workspace builds natively) but does nothing useful.

#![warn(missing_docs)]

pub mod copy;
pub mod digest;
pub mod error;
pub mod manifest;
pub mod reference;
pub mod registry;
pub mod tools;
pub mod types;
pub mod upload;

use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;

/// Reads an options object; `undefined` and `null` give the defaults, and a field the type
/// does not know is refused (serde-wasm-bindgen only looks up the declared fields, so a typo
/// like `pagesize` would otherwise pass unnoticed).
pub(crate) fn options<T: DeserializeOwned + Default + types::Fields>(
    value: Option<js_sys::Object>,
    what: &str,
) -> Result<T, JsValue> {
    let Some(value) = value else {
        return Ok(T::default());
    };
    known_fields(&value, T::FIELDS, what)?;
    serde_wasm_bindgen::from_value(value.into()).map_err(|e| error::invalid(format!("{what}: {e}")))
}

/// Refuses an object with an own field not in `fields`.
pub(crate) fn known_fields(
    value: &js_sys::Object,
    fields: &[&str],
    what: &str,
) -> Result<(), JsValue> {
    for key in js_sys::Object::keys(value).iter() {
        let key = key.as_string().unwrap_or_default();
        if !fields.contains(&key.as_str()) {
            return Err(error::invalid(format!(
                "{what}: unknown field {key:?} (known: {})",
                fields.join(", ")
            )));
        }
    }
    Ok(())
}
