//! Content descriptors: what a manifest says about a blob or manifest it points at.
//!
//! Deserializing a [`Descriptor`] validates it as the image-spec descriptor schema does:
//! `mediaType`, `digest` and `size` are required; `mediaType` and `artifactType` must match the
//! RFC 6838 grammar ([`media_type::is_valid`]); the digest must match the OCI digest grammar
//! (unregistered algorithms are tolerated, see [`Digest::parse`]); `size` must be a
//! non-negative integer within int64; every `urls` entry must be an absolute URI; `data` must be
//! padded standard base64. A `null` `urls`, `annotations` or `platform` reads as absent. Unknown
//! fields are kept in [`Descriptor::extra`] and written back when serializing.
//!
//! Whether `data` really holds the referenced content is not checked on parse (the image-spec
//! leaves that to consumers): [`Descriptor::decoded_data`] decodes and verifies it.

mod base64;

pub(crate) use self::base64::{decode_standard, decode_url_unpadded, encode_standard};

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::digest::{Digest, DigestError};
use crate::media_type;
use crate::platform::Platform;

/// A reference to content by media type, digest and size, with the OCI field names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "RawDescriptor")]
pub struct Descriptor {
    /// Media type of the referenced content.
    pub media_type: String,
    /// Type of an artifact when the descriptor points at an artifact manifest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// Digest of the referenced content.
    pub digest: Digest,
    /// Size of the referenced content in bytes.
    pub size: u64,
    /// URLs the content may also be fetched from.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
    /// Arbitrary metadata.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// The referenced content embedded, base64-encoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// Platform of the referenced manifest (index entries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// Fields this crate does not know, kept as they were.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// Why a descriptor was refused or its data did not check out.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DescriptorError {
    /// The document is not JSON of the descriptor shape (a field missing or of the wrong type).
    #[error("{0}")]
    Json(String),
    /// `mediaType` does not match the RFC 6838 grammar.
    #[error("invalid descriptor mediaType {0:?}: expected type/subtype, each starting with a letter or digit, at most 127 characters of [A-Za-z0-9!#$&^_.+-]")]
    MediaType(String),
    /// `artifactType` does not match the RFC 6838 grammar.
    #[error("invalid descriptor artifactType {0:?}: expected a media type type/subtype")]
    ArtifactType(String),
    /// A `urls` entry is not an absolute URI.
    #[error(
        "invalid descriptor url {0:?}: expected an absolute URI such as https://example.com/blob"
    )]
    Url(String),
    /// `size` exceeds the int64 range the specification allows.
    #[error("descriptor size {0} exceeds the largest allowed value (2^63-1)")]
    Size(u64),
    /// `data` is not padded standard base64.
    #[error("invalid descriptor data: {0}")]
    Data(String),
    /// The decoded `data` does not have the descriptor's size or digest.
    #[error("descriptor data does not match the descriptor: {0}")]
    DataMismatch(DigestError),
}

fn truncated(s: &str) -> String {
    s.chars().take(200).collect()
}

/// Is `url` an absolute URI (RFC 3986 scheme, then only URI characters)?
pub fn is_valid_url(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once(':') else {
        return false;
    };
    let mut scheme_bytes = scheme.bytes();
    scheme_bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && scheme_bytes.all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        && !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b))
}

impl Descriptor {
    /// A descriptor with just a media type, digest and size.
    pub fn new(media_type: impl Into<String>, digest: Digest, size: u64) -> Descriptor {
        Descriptor {
            media_type: media_type.into(),
            artifact_type: None,
            digest,
            size,
            urls: Vec::new(),
            annotations: BTreeMap::new(),
            data: None,
            platform: None,
            extra: BTreeMap::new(),
        }
    }

    /// The OCI empty descriptor (`{}`, media type `application/vnd.oci.empty.v1+json`, data embedded).
    pub fn empty() -> Descriptor {
        let mut d = Descriptor::new(
            media_type::empty::MEDIA_TYPE,
            Digest::sha256_of(media_type::empty::CONTENT),
            media_type::empty::SIZE,
        );
        d.data = Some(media_type::empty::DATA.to_string());
        d
    }

    /// Parses and validates a descriptor from JSON bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Descriptor, DescriptorError> {
        serde_json::from_slice(bytes).map_err(|e| {
            let message = e.to_string();
            DescriptorError::Json(if message.starts_with("invalid descriptor") {
                message
            } else {
                format!("invalid descriptor: {message}")
            })
        })
    }

    /// Checks the fields the schema constrains (see the module documentation).
    pub fn validate(&self) -> Result<(), DescriptorError> {
        if !media_type::is_valid(&self.media_type) {
            return Err(DescriptorError::MediaType(truncated(&self.media_type)));
        }
        if let Some(at) = &self.artifact_type {
            if !media_type::is_valid(at) {
                return Err(DescriptorError::ArtifactType(truncated(at)));
            }
        }
        if self.size > i64::MAX as u64 {
            return Err(DescriptorError::Size(self.size));
        }
        if let Some(url) = self.urls.iter().find(|u| !is_valid_url(u)) {
            return Err(DescriptorError::Url(truncated(url)));
        }
        if let Some(data) = &self.data {
            decode_standard(data).map_err(|e| DescriptorError::Data(e.to_string()))?;
        }
        Ok(())
    }

    /// The embedded `data`, decoded and checked against the size and digest; `None` without data.
    pub fn decoded_data(&self) -> Result<Option<Vec<u8>>, DescriptorError> {
        let Some(data) = &self.data else {
            return Ok(None);
        };
        let bytes = decode_standard(data).map_err(|e| DescriptorError::Data(e.to_string()))?;
        self.verify(&bytes).map_err(DescriptorError::DataMismatch)?;
        Ok(Some(bytes))
    }

    /// Checks complete content against this descriptor's size and digest.
    pub fn verify(&self, content: &[u8]) -> Result<(), DigestError> {
        let mut verifier = self.digest.verifier(Some(self.size))?;
        verifier.update(content);
        verifier.finish()
    }

    /// Is this the OCI empty descriptor (media type, digest and size of `{}`)?
    pub fn is_empty_content(&self) -> bool {
        self.media_type == media_type::OCI_EMPTY
            && self.digest.as_str() == media_type::empty::DIGEST
            && self.size == media_type::empty::SIZE
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a descriptor object")]
struct RawDescriptor {
    media_type: String,
    #[serde(default)]
    artifact_type: Option<String>,
    digest: Digest,
    #[serde(deserialize_with = "size")]
    size: u64,
    #[serde(default, deserialize_with = "null_as_default")]
    urls: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    annotations: BTreeMap<String, String>,
    #[serde(default)]
    data: Option<String>,
    #[serde(default)]
    platform: Option<Platform>,
    #[serde(flatten)]
    extra: BTreeMap<String, serde_json::Value>,
}

impl TryFrom<RawDescriptor> for Descriptor {
    type Error = DescriptorError;
    fn try_from(raw: RawDescriptor) -> Result<Descriptor, DescriptorError> {
        let d = Descriptor {
            media_type: raw.media_type,
            artifact_type: raw.artifact_type,
            digest: raw.digest,
            size: raw.size,
            urls: raw.urls,
            annotations: raw.annotations,
            data: raw.data,
            platform: raw.platform,
            extra: raw.extra,
        };
        d.validate()?;
        Ok(d)
    }
}

pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn size<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    struct SizeVisitor;
    impl Visitor<'_> for SizeVisitor {
        type Value = u64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("size as a non-negative integer")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| E::custom(format!("size must not be negative, got {v}")))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
            Err(E::custom(format!("size must be an integer, got {v}")))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
            Err(E::custom(format!(
                "size must be a JSON integer, got the string {:?}",
                truncated(v)
            )))
        }
    }
    d.deserialize_any(SizeVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const DIGEST: &str = "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270";

    fn doc(extra: &str) -> String {
        format!(
            r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{DIGEST}","size":7682{extra}}}"#
        )
    }

    #[test]
    fn parses_and_keeps_unknown_fields() {
        let d =
            Descriptor::from_json(doc(r#","x-vendor":{"a":1},"urls":null"#).as_bytes()).unwrap();
        assert_eq!(d.size, 7682);
        assert_eq!(d.extra["x-vendor"]["a"], 1);
        let back = serde_json::to_value(&d).unwrap();
        assert_eq!(back["x-vendor"]["a"], 1);
        assert!(back.get("urls").is_none());
        let again: Descriptor = serde_json::from_value(back).unwrap();
        assert_eq!(again, d);
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let neg = doc("").replace("7682", "-7682");
        let err = Descriptor::from_json(neg.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains("must not be negative"), "{err}");
        let s = doc("").replace("7682", "\"7682\"");
        let err = Descriptor::from_json(s.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("string"), "{err}");
        let err = Descriptor::from_json(doc(r#","urls":["value"]"#).as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains("absolute URI"), "{err}");
        let big = doc("").replace("7682", "9223372036854775808");
        assert!(Descriptor::from_json(big.as_bytes()).is_err());
        let dup = doc(r#","size":1"#);
        assert!(
            Descriptor::from_json(dup.as_bytes()).is_err(),
            "duplicate size"
        );
    }

    #[test]
    fn data_is_decoded_and_verified() {
        let empty = Descriptor::empty();
        assert!(empty.is_empty_content());
        assert_eq!(empty.decoded_data().unwrap().unwrap(), b"{}");
        let mut wrong = empty.clone();
        wrong.size = 3;
        assert!(matches!(
            wrong.decoded_data(),
            Err(DescriptorError::DataMismatch(
                DigestError::SizeMismatch { .. }
            ))
        ));
        let mut wrong = empty.clone();
        wrong.data = Some("e3w=".into());
        assert!(matches!(
            wrong.decoded_data(),
            Err(DescriptorError::DataMismatch(DigestError::Mismatch { .. }))
        ));
        let mut none = empty;
        none.data = None;
        assert_eq!(none.decoded_data(), Ok(None));
    }

    #[test]
    fn urls() {
        assert!(is_valid_url("https://example.com/foo"));
        assert!(is_valid_url("http://[::1]:5000/a?b=c#d"));
        assert!(!is_valid_url("value"));
        assert!(!is_valid_url("https://exa mple.com"));
        assert!(!is_valid_url("1http://x"));
        assert!(!is_valid_url("https:"));
    }
}
