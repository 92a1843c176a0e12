//! Digests: a streaming `Digester` over `Uint8Array` chunks, and `verify`.

use ociscope_core::{Algorithm, Digest};
use wasm_bindgen::prelude::*;

use crate::error::{invalid, oci_error};

/// Computes a digest chunk by chunk (`sha256`, the default, or `sha512`).
#[wasm_bindgen]
pub struct Digester {
    inner: ociscope_core::Digester,
}

#[wasm_bindgen]
impl Digester {
    /// A digester for `algorithm` (`"sha256"` or `"sha512"`; default `"sha256"`).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "\"sha256\" | \"sha512\"")]
        algorithm: Option<String>,
    ) -> Result<Digester, JsValue> {
        let algorithm = match algorithm.as_deref() {
            None | Some("sha256") => Algorithm::Sha256,
            Some("sha512") => Algorithm::Sha512,
            Some(other) => {
                return Err(invalid(format!(
                    "unsupported digest algorithm {other:?} (sha256 and sha512 are)"
                )))
            }
        };
        Ok(Digester {
            inner: ociscope_core::Digester::new(algorithm),
        })
    }

    /// Adds a chunk.
    pub fn update(&mut self, #[wasm_bindgen(unchecked_param_type = "Uint8Array")] chunk: &[u8]) {
        self.inner.update(chunk);
    }

    /// Bytes added so far.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> f64 {
        self.inner.size() as f64
    }

    /// The digest of everything added so far (`sha256:…`); more chunks may follow.
    pub fn digest(&self) -> String {
        self.inner.current().to_string()
    }
}

/// True when `bytes` hash to `digest`; throws `DIGEST_INVALID` for a malformed digest or one of
/// an algorithm other than sha256 and sha512.
#[wasm_bindgen]
pub fn verify(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] bytes: &[u8],
    digest: &str,
) -> Result<bool, JsValue> {
    let digest = parse_digest(digest)?;
    digest.verifiable_algorithm().map_err(digest_error)?;
    Ok(digest.verify(bytes).is_ok())
}

/// The digest of `bytes` (`sha256` by default).
#[wasm_bindgen(js_name = digestOf)]
pub fn digest_of(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] bytes: &[u8],
    #[wasm_bindgen(unchecked_optional_param_type = "\"sha256\" | \"sha512\"")] algorithm: Option<
        String,
    >,
) -> Result<String, JsValue> {
    let mut d = Digester::new(algorithm)?;
    d.update(bytes);
    Ok(d.digest())
}

/// Parses a digest argument, as `DIGEST_INVALID` when malformed.
pub(crate) fn parse_digest(text: &str) -> Result<Digest, JsValue> {
    Digest::parse(text).map_err(digest_error)
}

fn digest_error(e: ociscope_core::DigestError) -> JsValue {
    oci_error("DIGEST_INVALID", None, &e.to_string(), JsValue::UNDEFINED)
}
