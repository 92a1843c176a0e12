//! `parseManifest`: manifest bytes into a typed object.

use ociscope_core::Manifest;
use wasm_bindgen::prelude::*;

use crate::error::{oci_error, to_js};
use crate::types::ParsedManifest;

/// Parses manifest bytes (any OCI or Docker kind; `mediaType` is the Content-Type it came
/// with, if known). Throws `MANIFEST_INVALID` for bytes that are not a manifest.
#[wasm_bindgen(js_name = parseManifest, unchecked_return_type = "ParsedManifest")]
pub fn parse_manifest(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] bytes: &[u8],
    #[wasm_bindgen(js_name = "mediaType", unchecked_optional_param_type = "string")]
    media_type: Option<String>,
) -> Result<JsValue, JsValue> {
    let manifest = Manifest::parse(bytes, media_type.as_deref())
        .map_err(|e| oci_error("MANIFEST_INVALID", None, &e.to_string(), JsValue::UNDEFINED))?;
    to_js(&ParsedManifest::from(&manifest))
}
