//! `parseReference`: image references, strict or with Docker Hub rules.

use ociscope_core::Reference;
use wasm_bindgen::prelude::*;

use crate::error::{oci_error, to_js};
use crate::types::{ParseReferenceOptions, ParsedReference};

/// Parses an image reference (`registry/repo:tag@digest`). Strict by default; with
/// `{normalize: true}` Docker Hub rules apply (`ubuntu` → `docker.io/library/ubuntu`).
/// Throws an OciError `NAME_INVALID` for text that is not a reference.
#[wasm_bindgen(js_name = parseReference, unchecked_return_type = "ParsedReference")]
pub fn parse_reference(
    text: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "ParseReferenceOptions")] options: Option<
        js_sys::Object,
    >,
) -> Result<JsValue, JsValue> {
    let options: ParseReferenceOptions = crate::options(options, "parseReference options")?;
    let parsed = if options.normalize {
        Reference::parse_normalized(text)
    } else {
        Reference::parse_strict(text)
    }
    .map_err(|e| oci_error("NAME_INVALID", None, &e.to_string(), JsValue::UNDEFINED))?;
    to_js(&describe(&parsed))
}

/// The JavaScript view of a reference.
pub fn describe(r: &Reference) -> ParsedReference {
    ParsedReference {
        domain: r.domain().map(str::to_string),
        path: r.path().to_string(),
        tag: r.tag().map(str::to_string),
        digest: r.digest().map(|d| d.to_string()),
        canonical: r.to_string(),
        familiar: r.familiar(),
    }
}
