//! The children of any manifest: the descriptors a document references, also for kinds
//! ociscope does not parse.
//!
//! Rules (as docker-library meta-scripts' `ParseManifestChildren`, which reads any document for
//! *potential* children):
//! - A document that [`Manifest::parse`] accepts under the given media type (or detected, when
//!   none or a generic one is given) gives its typed children: config, layers, index entries,
//!   subject; Docker schema 1 gives its `fsLayers` blob sums (digests without a size).
//! - Anything else that is a JSON object (an unknown media type such as the withdrawn OCI
//!   artifact manifest, a document the strict parser refuses, a future kind) is read leniently:
//!   `config` and `subject` objects, and `layers`, `manifests` and `blobs` arrays whose entries
//!   are descriptor-shaped (`mediaType`, `digest`, `size`, valid as a [`Descriptor`]). Entries
//!   that are not are counted in [`Children::skipped`], never an error.
//! - Only bytes that are not JSON, or JSON that is not an object, are an error
//!   ([`ManifestError::NotJson`], [`ManifestError::NotAnObject`]). Nothing here panics; nesting
//!   deeper than serde_json's recursion limit is "not JSON".
//! - The `subject` is kept apart: it is what the document refers to, not content it needs.

use ociscope_core::manifest::{ManifestContent, ManifestError, ManifestKind};
use ociscope_core::{Descriptor, Digest, Manifest};
use serde_json::{Map, Value};

/// The descriptors a manifest references, by role.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Children {
    /// The kind, when the document parsed as one ociscope knows; `None` when read leniently.
    pub kind: Option<ManifestKind>,
    /// The config blob.
    pub config: Option<Descriptor>,
    /// Layer blobs, base first.
    pub layers: Vec<Descriptor>,
    /// Manifests an index lists.
    pub manifests: Vec<Descriptor>,
    /// Blobs of other shapes (the `blobs` array of the withdrawn OCI artifact manifest).
    pub blobs: Vec<Descriptor>,
    /// Docker schema 1 blob sums: digests without a size (duplicates kept, as written).
    pub fs_layers: Vec<Digest>,
    /// The manifest this one refers to; not content it needs.
    pub subject: Option<Descriptor>,
    /// Entries of those fields that were not descriptors (lenient reading only).
    pub skipped: usize,
}

impl Children {
    /// The children of a parsed manifest.
    pub fn of(manifest: &Manifest) -> Children {
        let fs_layers = match manifest.content() {
            ManifestContent::DockerV1(m) | ManifestContent::DockerV1Signed(m) => {
                m.blob_sums().cloned().collect()
            }
            _ => Vec::new(),
        };
        Children {
            kind: Some(manifest.kind()),
            config: manifest.config().cloned(),
            layers: manifest.layers().to_vec(),
            manifests: manifest.manifests().to_vec(),
            blobs: Vec::new(),
            fs_layers,
            subject: manifest.subject().cloned(),
            skipped: 0,
        }
    }

    /// The blob descriptors: config, layers, then other blobs.
    pub fn blob_descriptors(&self) -> impl Iterator<Item = &Descriptor> {
        self.config
            .iter()
            .chain(self.layers.iter())
            .chain(self.blobs.iter())
    }

    /// True when the document lists manifests (an index, or index-shaped).
    pub fn is_index(&self) -> bool {
        match self.kind {
            Some(k) => k.is_index(),
            None => !self.manifests.is_empty() && self.config.is_none(),
        }
    }

    /// True when it references no content at all (the subject aside).
    pub fn is_empty(&self) -> bool {
        self.blob_descriptors().next().is_none()
            && self.manifests.is_empty()
            && self.fs_layers.is_empty()
    }
}

/// The children of `bytes` served as `media_type` (or unknown); see the module doc.
pub fn children(bytes: &[u8], media_type: Option<&str>) -> Result<Children, ManifestError> {
    let media_type = media_type.filter(|m| !m.is_empty());
    if let Ok(m) = Manifest::parse(bytes, media_type) {
        return Ok(Children::of(&m));
    }
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| ManifestError::NotJson(e.to_string()))?;
    let Value::Object(root) = value else {
        return Err(ManifestError::NotAnObject);
    };
    Ok(lenient(&root))
}

/// Reads every descriptor-shaped entry of the known fields.
fn lenient(root: &Map<String, Value>) -> Children {
    let mut out = Children::default();
    out.config = single(root.get("config"), &mut out.skipped);
    out.subject = single(root.get("subject"), &mut out.skipped);
    out.layers = list(root.get("layers"), &mut out.skipped);
    out.manifests = list(root.get("manifests"), &mut out.skipped);
    out.blobs = list(root.get("blobs"), &mut out.skipped);
    if let Some(Value::Array(entries)) = root.get("fsLayers") {
        for e in entries {
            match e.get("blobSum").and_then(Value::as_str).map(Digest::parse) {
                Some(Ok(d)) => out.fs_layers.push(d),
                _ => out.skipped += 1,
            }
        }
    }
    out
}

/// A descriptor from one object (`null` or absent: none).
fn single(value: Option<&Value>, skipped: &mut usize) -> Option<Descriptor> {
    match value {
        None | Some(Value::Null) => None,
        Some(v) => {
            let d = descriptor(v);
            if d.is_none() {
                *skipped += 1;
            }
            d
        }
    }
}

/// The descriptors of an array (anything else: none).
fn list(value: Option<&Value>, skipped: &mut usize) -> Vec<Descriptor> {
    let Some(Value::Array(entries)) = value else {
        if !matches!(value, None | Some(Value::Null)) {
            *skipped += 1;
        }
        return Vec::new();
    };
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        match descriptor(e) {
            Some(d) => out.push(d),
            None => *skipped += 1,
        }
    }
    out
}

fn descriptor(value: &Value) -> Option<Descriptor> {
    if !value.is_object() {
        return None;
    }
    serde_json::from_value(value.clone()).ok()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use ociscope_core::media_type;
    use serde_json::json;

    use super::*;

    fn d(content: &[u8], mt: &str) -> Value {
        json!({"mediaType": mt, "digest": Digest::sha256_of(content).as_str(), "size": content.len()})
    }

    #[test]
    fn known_kinds_use_the_manifest_parser() {
        let doc = json!({
            "schemaVersion": 2, "mediaType": media_type::OCI_MANIFEST,
            "config": d(b"c", media_type::OCI_CONFIG),
            "layers": [d(b"l1", media_type::OCI_LAYER_TAR), d(b"l2", media_type::OCI_LAYER_TAR)],
            "subject": d(b"s", media_type::OCI_MANIFEST),
        });
        let c = children(doc.to_string().as_bytes(), Some(media_type::OCI_MANIFEST)).unwrap();
        assert_eq!(c.kind, Some(ManifestKind::OciManifest));
        assert_eq!(c.config.as_ref().unwrap().digest, Digest::sha256_of(b"c"));
        assert_eq!(c.layers.len(), 2);
        assert!(!c.is_empty());
        assert_eq!(c.subject.unwrap().digest, Digest::sha256_of(b"s"));

        let index = json!({
            "schemaVersion": 2, "mediaType": media_type::OCI_INDEX,
            "manifests": [d(b"m", media_type::OCI_MANIFEST)],
        });
        let c = children(index.to_string().as_bytes(), None).unwrap();
        assert!(c.is_index());
        assert_eq!(c.manifests.len(), 1);
        assert_eq!(c.blob_descriptors().count(), 0);
    }

    #[test]
    fn unknown_kinds_are_read_leniently() {
        // The withdrawn OCI artifact manifest: `blobs`, and a broken entry among them.
        let doc = json!({
            "mediaType": "application/vnd.oci.artifact.manifest.v1+json",
            "blobs": [d(b"b", "text/plain"), {"digest": "nope"}, 7],
            "subject": d(b"s", media_type::OCI_MANIFEST),
            "layers": null,
            "manifests": "not an array",
        });
        let c = children(
            doc.to_string().as_bytes(),
            Some("application/vnd.oci.artifact.manifest.v1+json"),
        )
        .unwrap();
        assert_eq!(c.kind, None);
        assert_eq!(c.blobs.len(), 1);
        assert_eq!(c.skipped, 3);
        assert!(c.subject.is_some());
        assert!(!c.is_index());

        // An OCI manifest without layers is valid (layers SHOULD have one, not MUST).
        let doc = json!({"schemaVersion": 2, "mediaType": media_type::OCI_MANIFEST,
            "config": d(b"c", media_type::OCI_CONFIG), "layers": []});
        let c = children(doc.to_string().as_bytes(), Some(media_type::OCI_MANIFEST)).unwrap();
        assert_eq!(c.kind, Some(ManifestKind::OciManifest));
        assert!(c.config.is_some());
        assert!(c.layers.is_empty());
    }

    #[test]
    fn odd_json_never_panics() {
        assert!(matches!(
            children(b"not json", None),
            Err(ManifestError::NotJson(_))
        ));
        assert_eq!(children(b"[1,2]", None), Err(ManifestError::NotAnObject));
        let deep = "[".repeat(10_000);
        assert!(children(deep.as_bytes(), None).is_err());
        let c = children(br#"{"config": 5, "fsLayers": [{"blobSum": 1}, {}]}"#, None).unwrap();
        assert!(c.is_empty());
        assert_eq!(c.skipped, 3);
        let c = children(b"{}", Some("application/json")).unwrap();
        assert!(c.is_empty());
        assert_eq!(c.skipped, 0);
    }

    #[test]
    fn schema1_gives_blob_sums() {
        let sum = Digest::sha256_of(b"layer");
        let doc = json!({
            "schemaVersion": 1, "name": "a/b", "tag": "v1", "architecture": "amd64",
            "fsLayers": [{"blobSum": sum.as_str()}, {"blobSum": sum.as_str()}],
            "history": [{"v1Compatibility": "{}"}, {"v1Compatibility": "{}"}],
        });
        let c = children(
            doc.to_string().as_bytes(),
            Some(media_type::DOCKER_MANIFEST_V1),
        )
        .unwrap();
        assert_eq!(c.kind, Some(ManifestKind::DockerV1));
        assert_eq!(c.fs_layers, vec![sum.clone(), sum]);
    }
}
