//! Docker image manifest schema 1 (deprecated; read-only), signed or not.
//!
//! The digest of a signed schema 1 manifest is taken over its JWS payload, not over the bytes
//! served: as docker/libtrust does, each `signatures[].protected` header (base64url JSON) gives
//! `formatLength` and `formatTail`; the payload is the first `formatLength` bytes of the document
//! followed by the decoded `formatTail`. Signatures are not verified cryptographically.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ManifestError;
use crate::descriptor::decode_url_unpadded;
use crate::digest::Digest;

/// A Docker schema 1 manifest: layers by blob digest, each with its v1 JSON history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schema1Manifest {
    /// Always 1.
    pub schema_version: u32,
    /// Repository name.
    #[serde(default)]
    pub name: String,
    /// Tag.
    #[serde(default)]
    pub tag: String,
    /// CPU architecture.
    #[serde(default)]
    pub architecture: String,
    /// Layers, top-most (newest) first.
    pub fs_layers: Vec<FsLayer>,
    /// v1 image JSON per layer, in the order of `fs_layers`.
    pub history: Vec<Schema1History>,
    /// JWS signatures (empty when unsigned).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<Schema1Signature>,
    /// Fields this crate does not know, kept as they were.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// One layer of a schema 1 manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FsLayer {
    /// Digest of the (compressed) layer blob.
    #[serde(rename = "blobSum")]
    pub blob_sum: Digest,
}

/// The v1 compatibility JSON of one layer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema1History {
    /// The v1 image JSON, as a string.
    #[serde(rename = "v1Compatibility")]
    pub v1_compatibility: String,
}

/// One JWS signature of a signed schema 1 manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema1Signature {
    /// The unprotected JOSE header (`jwk`, `alg`).
    pub header: serde_json::Value,
    /// The signature, base64url.
    pub signature: String,
    /// The protected header, base64url JSON holding `formatLength` and `formatTail`.
    pub protected: String,
}

impl Schema1Manifest {
    /// Layer blob digests, top-most first as written.
    pub fn blob_sums(&self) -> impl Iterator<Item = &Digest> {
        self.fs_layers.iter().map(|l| &l.blob_sum)
    }
}

fn decode_jose(text: &str) -> Result<Vec<u8>, String> {
    // libtrust pads before decoding, so an already padded value is accepted too.
    decode_url_unpadded(text.trim_end_matches('=')).map_err(|e| e.to_string())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Protected {
    format_length: serde_json::Number,
    format_tail: String,
}

/// The JWS payload of a signed schema 1 document (`bytes`), which its digest is taken over.
pub(crate) fn jws_payload(
    bytes: &[u8],
    signatures: &[Schema1Signature],
) -> Result<Vec<u8>, ManifestError> {
    let err = |m: String| ManifestError::Signature(m);
    if signatures.is_empty() {
        return Err(err("signatures is an empty list".into()));
    }
    let mut payload: Option<Vec<u8>> = None;
    for (i, sig) in signatures.iter().enumerate() {
        let header = decode_jose(&sig.protected).map_err(|e| {
            err(format!(
                "signature {i}: protected header is not base64url: {e}"
            ))
        })?;
        let header: Protected = serde_json::from_slice(&header).map_err(|e| {
            err(format!(
                "signature {i}: protected header lacks formatLength/formatTail: {e}"
            ))
        })?;
        let length = header
            .format_length
            .as_u64()
            .or_else(|| {
                // libtrust reads it as a float64; accept integral floats like it does.
                header
                    .format_length
                    .as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= bytes.len() as f64)
                    .map(|f| f as u64)
            })
            .ok_or_else(|| {
                err(format!(
                    "signature {i}: formatLength {} is not a non-negative integer",
                    header.format_length
                ))
            })?;
        let length = usize::try_from(length)
            .ok()
            .filter(|&n| n <= bytes.len())
            .ok_or_else(|| {
                err(format!(
                    "signature {i}: formatLength {length} exceeds the document's {} bytes",
                    bytes.len()
                ))
            })?;
        let tail = decode_jose(&header.format_tail)
            .map_err(|e| err(format!("signature {i}: formatTail is not base64url: {e}")))?;
        let mut this = Vec::with_capacity(length + tail.len());
        this.extend_from_slice(&bytes[..length]);
        this.extend_from_slice(&tail);
        match &payload {
            Some(p) if *p != this => {
                return Err(err(format!(
                    "signature {i} describes another payload than signature 0"
                )))
            }
            Some(_) => {}
            None => payload = Some(this),
        }
    }
    // The payload is not required to be JSON: peers hash it as is (and real fixtures edited
    // after signing have payloads that no longer parse).
    let payload = payload.unwrap_or_default();
    Ok(payload)
}
