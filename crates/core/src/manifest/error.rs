//! Why a manifest was refused.

use super::ManifestKind;
use crate::digest::DigestError;

/// Why a manifest document was refused; each message says what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// The document is larger than the configured limit; it was not parsed.
    #[error("manifest is {size} bytes, over the {limit}-byte limit: refusing to parse it (raise ParseOptions::max_size if it is trusted)")]
    TooLarge {
        /// Bytes in the document.
        size: u64,
        /// The limit in force.
        limit: u64,
    },
    /// The Content-Type names something that is not a manifest.
    #[error("Content-Type {0:?} is not a manifest media type (expected an OCI manifest or index, a Docker schema 2 manifest or list, or Docker schema 1)")]
    UnsupportedContentType(String),
    /// The bytes are not JSON.
    #[error("manifest is not valid JSON: {0}")]
    NotJson(String),
    /// The JSON is not an object.
    #[error("manifest is not a JSON object")]
    NotAnObject,
    /// The document has no `schemaVersion`.
    #[error(
        "manifest has no schemaVersion (OCI and Docker schema 2 documents have 2, schema 1 has 1)"
    )]
    MissingSchemaVersion,
    /// `schemaVersion` is neither 1 nor 2.
    #[error("unknown manifest schemaVersion {0}: expected 2 (OCI, Docker schema 2) or 1 (Docker schema 1)")]
    UnknownSchemaVersion(String),
    /// `schemaVersion` does not fit the kind of document.
    #[error("{kind} must have schemaVersion {expected}, this document has {found}")]
    SchemaVersionMismatch {
        /// The kind requested or detected.
        kind: ManifestKind,
        /// The version that kind has.
        expected: u32,
        /// The version found (as written).
        found: String,
    },
    /// The document's `mediaType` is not a manifest type ociscope knows.
    #[error("manifest mediaType {0:?} is not a known manifest media type")]
    UnknownMediaType(String),
    /// The document's `mediaType` differs from the type it was requested or served as.
    #[error("manifest requested as {requested} ({}) but its mediaType field is {document:?}", requested.media_type())]
    MediaTypeMismatch {
        /// The kind named by the Content-Type.
        requested: ManifestKind,
        /// The document's `mediaType` field.
        document: String,
    },
    /// A Docker schema 2 manifest or list lacks its required `mediaType`.
    #[error("{kind} must carry the mediaType field {:?}, this document has none", kind.media_type())]
    MissingMediaType {
        /// The kind requested or detected.
        kind: ManifestKind,
    },
    /// Without a mediaType, nothing tells which kind of manifest this is.
    #[error("cannot tell the manifest kind: schemaVersion 2 but no mediaType, config, layers or manifests")]
    Undetectable,
    /// A top-level field of another manifest kind is present.
    #[error("ambiguous {kind}: it also has the field {field:?}, which belongs to another kind of manifest")]
    Ambiguous {
        /// The kind requested or detected.
        kind: ManifestKind,
        /// The field that belongs to another kind.
        field: &'static str,
    },
    /// The document does not have the structure its kind requires.
    #[error("invalid {kind}: {message}")]
    Invalid {
        /// The kind requested or detected.
        kind: ManifestKind,
        /// What is wrong.
        message: String,
    },
    /// The JWS signature block of a signed schema 1 manifest cannot be read.
    #[error("invalid Docker schema 1 signature block: {0}")]
    Signature(String),
    /// The manifest does not have the digest it was expected to have.
    #[error("manifest does not match the expected digest: {0}")]
    Digest(DigestError),
}
