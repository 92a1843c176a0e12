//! Deciding which kind a document is: from the Content-Type it was served with, from its own
//! `mediaType`, or by looking at its fields when neither says.
//!
//! Detection without a usable Content-Type follows containers/image's `GuessMIMEType`: the
//! document's `mediaType` if present; else `schemaVersion` 1 is schema 1 (signed when
//! `signatures` is present); `schemaVersion` 2 with a `config` is a Docker schema 2 manifest when
//! the config has the Docker config media type and an OCI manifest otherwise; with `manifests`
//! it is an OCI index; with only `layers` an OCI manifest (which then lacks its config).

use serde_json::{Map, Value};

use super::{ManifestError, ManifestKind};
use crate::media_type;

/// The top-level fields that tell manifest kinds apart (containers/image's list).
pub(crate) const STRUCTURAL_FIELDS: [&str; 5] =
    ["config", "fsLayers", "history", "layers", "manifests"];

/// Content-Type values that say nothing about the manifest kind, so the kind is detected.
pub const GENERIC_CONTENT_TYPES: &[&str] = &[
    "",
    "application/json",
    "text/plain",
    "application/octet-stream",
    "binary/octet-stream",
];

/// The kind a Content-Type requests: `Ok(None)` when absent or generic (detect instead).
pub fn requested_kind(content_type: Option<&str>) -> Result<Option<ManifestKind>, ManifestError> {
    let Some(content_type) = content_type else {
        return Ok(None);
    };
    let essence = media_type::essence(content_type);
    if GENERIC_CONTENT_TYPES.contains(&essence.as_str()) {
        return Ok(None);
    }
    ManifestKind::from_media_type(&essence)
        .map(Some)
        .ok_or_else(|| {
            ManifestError::UnsupportedContentType(content_type.chars().take(200).collect())
        })
}

/// A field that is present and not `null` (containers/image treats `null` as absent).
pub(crate) fn has(doc: &Map<String, Value>, field: &str) -> bool {
    doc.get(field).is_some_and(|v| !v.is_null())
}

/// The document's `mediaType` field: `Ok(None)` when absent or null.
pub(crate) fn document_media_type(doc: &Map<String, Value>) -> Result<Option<&str>, String> {
    match doc.get("mediaType") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!("mediaType must be a string, got {other}")),
    }
}

fn schema1_kind(doc: &Map<String, Value>) -> ManifestKind {
    if has(doc, "signatures") {
        ManifestKind::DockerV1Signed
    } else {
        ManifestKind::DockerV1
    }
}

/// Detects the kind of a parsed document that came without a usable Content-Type.
pub(crate) fn detect_kind(doc: &Map<String, Value>) -> Result<ManifestKind, ManifestError> {
    let not_string = |m: String| ManifestError::Invalid {
        kind: ManifestKind::OciManifest,
        message: m,
    };
    if let Some(mt) = document_media_type(doc).map_err(not_string)? {
        return match ManifestKind::ALL.into_iter().find(|k| k.media_type() == mt) {
            Some(k) if k.is_schema1() => Ok(schema1_kind(doc)),
            Some(k) => Ok(k),
            None => Err(ManifestError::UnknownMediaType(
                mt.chars().take(200).collect(),
            )),
        };
    }
    match doc.get("schemaVersion") {
        None | Some(Value::Null) => Err(ManifestError::MissingSchemaVersion),
        Some(v) if v.as_u64() == Some(1) => Ok(schema1_kind(doc)),
        Some(v) if v.as_u64() == Some(2) => {
            if has(doc, "config") {
                let config_type = doc
                    .get("config")
                    .and_then(|c| c.get("mediaType"))
                    .and_then(Value::as_str);
                if config_type == Some(media_type::DOCKER_CONFIG) {
                    Ok(ManifestKind::DockerV2)
                } else {
                    Ok(ManifestKind::OciManifest)
                }
            } else if has(doc, "manifests") {
                Ok(ManifestKind::OciIndex)
            } else if has(doc, "layers") {
                Ok(ManifestKind::OciManifest)
            } else {
                Err(ManifestError::Undetectable)
            }
        }
        Some(v) => Err(ManifestError::UnknownSchemaVersion(
            v.to_string().chars().take(50).collect(),
        )),
    }
}

/// Best guess of a document's kind from its bytes alone, without validating it (like
/// containers/image `GuessMIMEType`); `None` for non-JSON or unrecognisable documents.
pub fn detect(bytes: &[u8]) -> Option<ManifestKind> {
    let doc: Map<String, Value> = serde_json::from_slice(bytes).ok()?;
    detect_kind(&doc).ok()
}

/// Checks the Content-Type's kind against the document; returns the kind to parse as.
pub(crate) fn check_requested(
    requested: ManifestKind,
    doc: &Map<String, Value>,
) -> Result<ManifestKind, ManifestError> {
    let invalid = |m: String| ManifestError::Invalid {
        kind: requested,
        message: m,
    };
    let kind = if requested.is_schema1() {
        // Signed and unsigned schema 1 are served under either type; signatures decide.
        schema1_kind(doc)
    } else {
        requested
    };
    match document_media_type(doc).map_err(invalid)? {
        Some(mt) => {
            let same = if kind.is_schema1() {
                mt == media_type::DOCKER_MANIFEST_V1 || mt == media_type::DOCKER_MANIFEST_V1_SIGNED
            } else {
                mt == kind.media_type()
            };
            if !same {
                return Err(ManifestError::MediaTypeMismatch {
                    requested,
                    document: mt.chars().take(200).collect(),
                });
            }
        }
        None if kind.requires_media_type_field() => {
            return Err(ManifestError::MissingMediaType { kind })
        }
        None => {}
    }
    Ok(kind)
}

/// Checks `schemaVersion` and refuses fields that belong to other kinds.
pub(crate) fn check_shape(
    kind: ManifestKind,
    doc: &Map<String, Value>,
) -> Result<(), ManifestError> {
    match doc.get("schemaVersion") {
        None | Some(Value::Null) => return Err(ManifestError::MissingSchemaVersion),
        Some(v) => match v.as_u64() {
            Some(n) if n == u64::from(kind.schema_version()) => {}
            Some(1 | 2) => {
                return Err(ManifestError::SchemaVersionMismatch {
                    kind,
                    expected: kind.schema_version(),
                    found: v.to_string(),
                })
            }
            _ => {
                return Err(ManifestError::UnknownSchemaVersion(
                    v.to_string().chars().take(50).collect(),
                ))
            }
        },
    }
    let allowed = kind.allowed_fields();
    if let Some(field) = STRUCTURAL_FIELDS
        .into_iter()
        .find(|f| !allowed.contains(f) && has(doc, f))
    {
        return Err(ManifestError::Ambiguous { kind, field });
    }
    Ok(())
}
