//! Every failure crosses the boundary as an `OciError` (a JavaScript class extending `Error`,
//! defined in `js/glue.js` and exported by the package as is, so `instanceof OciError` works),
//! never as a panic or a string; an abort is the one exception, see below.
//!
//! Rules for `code`:
//! - a registry's answer: its first spec code (`MANIFEST_UNKNOWN`, `DENIED`, …; a bodyless
//!   answer gets the code its status implies, else `UNKNOWN`), with `status` the HTTP status
//!   and `detail` the registry's error entries (`[{code, message, detail}]`);
//! - auth failures keep the registry's spec code: `UNAUTHORIZED` (401: no or wrong credentials,
//!   or a token endpoint that refused them) and `DENIED` (403: the credentials lack the right);
//! - failures below the protocol: `NETWORK`, `CORS` (a browser refused the registry's answer
//!   for want of CORS headers), `PROTOCOL`, `UNSUPPORTED`, `INVALID_ARGUMENT` ([`ErrorKind`]);
//! - an abort (`AbortSignal`) rejects as `fetch` does, with the signal's reason: a
//!   `DOMException` named `AbortError` unless `abort(reason)` gave another; never an OciError,
//!   so code that already handles `AbortError` for fetch handles ours;
//! - content that does not match its digest or a malformed digest: `DIGEST_INVALID`; a
//!   manifest that does not parse: `MANIFEST_INVALID`; a bad reference: `NAME_INVALID`;
//! - a failed copy: the first failure's code, `detail` every failure
//!   (`[{item, digest, code, message}]`).

use ociscope_core::spec::{Error, ErrorKind};
use ociscope_core::ErrorCode;
use ociscope_tools::copy::CopyError;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/glue.js")]
extern "C" {
    /// The `OciError` class of `js/glue.js`, exported by the package (its declaration is
    /// written below, since a re-exported import gets none).
    #[wasm_bindgen(reexport, extends = js_sys::Error)]
    pub type OciError;
    #[wasm_bindgen(js_name = makeOciError)]
    fn make_oci_error(code: &str, status: Option<u16>, message: &str, detail: JsValue) -> JsValue;
    #[wasm_bindgen(js_name = isOciErrorValue)]
    fn is_oci_error_value(value: &JsValue) -> bool;
    #[wasm_bindgen(js_name = makeAbortError)]
    fn make_abort_error(message: &str, signal: Option<&web_sys::AbortSignal>) -> JsValue;
}

/// The `code` of a failure below the registry protocol.
pub fn kind_code(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Network => "NETWORK",
        ErrorKind::Cors => "CORS",
        // Never reported as an OciError (see `from_error`); the name a DOMException has.
        ErrorKind::Aborted => "AbortError",
        ErrorKind::Protocol => "PROTOCOL",
        ErrorKind::Unsupported => "UNSUPPORTED",
        ErrorKind::InvalidArgument => "INVALID_ARGUMENT",
    }
}

/// The `code` an error of the core is reported with (see the module doc).
pub fn code_of(error: &Error) -> String {
    match error {
        Error::Registry(e) => e.code().unwrap_or(ErrorCode::Unknown).as_str().to_string(),
        Error::Digest(_) => "DIGEST_INVALID".into(),
        Error::Manifest(_) => "MANIFEST_INVALID".into(),
        Error::Other { kind, .. } => kind_code(*kind).into(),
    }
}

/// A new `OciError` with this code, message, optional status and detail.
pub fn oci_error(code: &str, status: Option<u16>, message: &str, detail: JsValue) -> JsValue {
    make_oci_error(code, status, message, detail)
}

/// An `INVALID_ARGUMENT` OciError.
pub fn invalid(message: impl AsRef<str>) -> JsValue {
    oci_error(
        "INVALID_ARGUMENT",
        None,
        message.as_ref(),
        JsValue::UNDEFINED,
    )
}

/// Converts a serde value for JavaScript (plain objects, not `Map`s).
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| oci_error("PROTOCOL", None, &e.to_string(), JsValue::UNDEFINED))
}

/// What an aborted operation rejects with: `signal.reason` when `signal` fired with one, else a
/// new `DOMException` named `AbortError` (see the module doc).
pub fn abort_error(message: &str, signal: Option<&web_sys::AbortSignal>) -> JsValue {
    make_abort_error(message, signal)
}

/// True for a failure that stands for an abort.
pub fn is_abort(error: &Error) -> bool {
    matches!(
        error,
        Error::Other {
            kind: ErrorKind::Aborted,
            ..
        }
    )
}

/// The OciError of a core error (an abort: its `AbortError`).
pub fn from_error(error: &Error) -> JsValue {
    if is_abort(error) {
        return abort_error(&error.to_string(), None);
    }
    let detail = match error {
        Error::Registry(e) if !e.errors.is_empty() => to_js(&e.errors).unwrap_or_default(),
        _ => JsValue::UNDEFINED,
    };
    oci_error(&code_of(error), error.status(), &error.to_string(), detail)
}

/// One failure of a copy, for `detail`.
#[derive(Serialize)]
struct FailureDetail {
    item: String,
    digest: Option<String>,
    code: String,
    message: String,
}

/// The OciError of a failed copy: the first failure's code and status, every failure in detail.
pub fn from_copy_error(error: &CopyError) -> JsValue {
    let failures: Vec<FailureDetail> = error
        .failures
        .iter()
        .map(|f| FailureDetail {
            item: f.item.clone(),
            digest: f.digest.as_ref().map(|d| d.to_string()),
            code: code_of(&f.error),
            message: f.error.to_string(),
        })
        .collect();
    let first = error.first_error();
    oci_error(
        &first.map(code_of).unwrap_or_else(|| "UNKNOWN".into()),
        first.and_then(Error::status),
        &error.to_string(),
        to_js(&failures).unwrap_or_default(),
    )
}

/// Converts a core result for JavaScript.
pub trait IntoJs<T> {
    /// The value, or its error as an OciError.
    fn js(self) -> Result<T, JsValue>;
}

impl<T> IntoJs<T> for Result<T, Error> {
    fn js(self) -> Result<T, JsValue> {
        self.map_err(|e| from_error(&e))
    }
}

/// True when `value` is an `OciError` thrown by this package (narrows the type in TypeScript).
#[wasm_bindgen(js_name = isOciError, unchecked_return_type = "value is OciError")]
pub fn is_oci_error(#[wasm_bindgen(unchecked_param_type = "unknown")] value: &JsValue) -> bool {
    is_oci_error_value(value)
}

#[wasm_bindgen(typescript_custom_section)]
const OCI_ERROR_TS: &str = r#"
/** The `code` of an OciError: a registry spec code, or a failure below the protocol. */
export type OciErrorCode =
  | "BLOB_UNKNOWN" | "BLOB_UPLOAD_INVALID" | "BLOB_UPLOAD_UNKNOWN" | "DIGEST_INVALID"
  | "MANIFEST_BLOB_UNKNOWN" | "MANIFEST_INVALID" | "MANIFEST_UNKNOWN" | "NAME_INVALID"
  | "NAME_UNKNOWN" | "SIZE_INVALID" | "UNAUTHORIZED" | "DENIED" | "UNSUPPORTED"
  | "TOOMANYREQUESTS" | "PAGINATION_NUMBER_INVALID" | "RANGE_INVALID" | "TAG_INVALID"
  | "MANIFEST_UNVERIFIED" | "UNAVAILABLE" | "UNKNOWN"
  | "CORS" | "NETWORK" | "PROTOCOL" | "INVALID_ARGUMENT"
  | (string & {});

/**
 * Every error this package throws or rejects with (`error.name === "OciError"`), except an
 * abort, which rejects with the signal's reason (a `DOMException` named `AbortError`), as
 * `fetch` does.
 */
export class OciError extends Error {
  /** An OciError as the package makes them (useful in tests of code that handles them). */
  constructor(code: OciErrorCode, status: number | undefined, message: string, detail?: unknown);
  readonly name: "OciError";
  /** The spec code (`MANIFEST_UNKNOWN`, `UNAUTHORIZED`, `DENIED`, …) or failure code (`CORS`, …). */
  readonly code: OciErrorCode;
  /** The HTTP status of a registry's answer. */
  readonly status: number | undefined;
  /** The registry's error entries, or a copy's failures, or an upload's `{ resume }`. */
  readonly detail: unknown;
}
"#;
