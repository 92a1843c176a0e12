//! Manifests: OCI image manifests and indexes, Docker schema 2 manifests and lists, and Docker
//! schema 1 (read-only), parsed from their exact bytes.
//!
//! Policies:
//! - Documents over [`ParseOptions::max_size`] (4 MiB by default) are refused before parsing.
//! - A Content-Type naming a manifest kind is binding: a document `mediaType` that differs from
//!   it is refused ([`ManifestError::MediaTypeMismatch`]); Docker schema 2 manifests and lists
//!   must carry their `mediaType` (OCI ones may omit it). Absent or generic Content-Types
//!   (`application/json`, …) make the kind detected from the document (see [`detect`]).
//! - Schema 1 is served under either schema 1 type; `signatures` decides signed or not.
//! - A top-level `config`, `layers`, `manifests`, `fsLayers` or `history` (not `null`) that
//!   belongs to another kind makes the document ambiguous and refused, as containers/image does.
//! - Descriptors are validated as [`Descriptor`] documents. An image manifest (OCI or Docker
//!   schema 2) may have no layers: the image-spec's prose says `layers` SHOULD have one entry
//!   (for portability), not MUST, and the distribution-spec conformance suite pushes such a
//!   manifest and expects it stored; the image-spec's older JSON-schema `minItems` (the corpus
//!   case `oci-schema-manifest-05-failure-empty-layer-at-least-one`) is not followed. Schema 1
//!   needs as many `history` entries as `fsLayers`, and at least one.
//! - The digest is over the exact bytes, except for signed schema 1: over the JWS payload.
//! - Unknown fields are tolerated (kept in each struct's `extra`); no input makes parsing panic.

mod detect;
mod error;
mod image;
mod index;
mod kind;
mod schema1;

use std::collections::BTreeMap;

pub use self::detect::{detect, requested_kind, GENERIC_CONTENT_TYPES};
pub use self::error::ManifestError;
pub use self::image::ImageManifest;
pub use self::index::ImageIndex;
pub use self::kind::ManifestKind;
pub use self::schema1::{FsLayer, Schema1History, Schema1Manifest, Schema1Signature};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::descriptor::Descriptor;
use crate::digest::{Algorithm, Digest};
use crate::media_type;
use crate::platform::Platform;

/// Largest manifest parsed by default: 4 MiB, the limit of CNCF distribution and containerd.
pub const DEFAULT_MAX_SIZE: usize = 4 * 1024 * 1024;

/// Limits applied when parsing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseOptions {
    /// Documents longer than this many bytes are refused before parsing.
    pub max_size: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            max_size: DEFAULT_MAX_SIZE,
        }
    }
}

/// The typed content of a manifest, one variant per kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ManifestContent {
    /// OCI image manifest.
    OciManifest(ImageManifest),
    /// OCI image index.
    OciIndex(ImageIndex),
    /// Docker image manifest schema 2.
    DockerV2(ImageManifest),
    /// Docker manifest list.
    DockerManifestList(ImageIndex),
    /// Docker schema 1 with JWS signatures.
    DockerV1Signed(Schema1Manifest),
    /// Docker schema 1 without signatures.
    DockerV1(Schema1Manifest),
}

impl ManifestContent {
    /// The kind of this content.
    pub fn kind(&self) -> ManifestKind {
        match self {
            ManifestContent::OciManifest(_) => ManifestKind::OciManifest,
            ManifestContent::OciIndex(_) => ManifestKind::OciIndex,
            ManifestContent::DockerV2(_) => ManifestKind::DockerV2,
            ManifestContent::DockerManifestList(_) => ManifestKind::DockerManifestList,
            ManifestContent::DockerV1Signed(_) => ManifestKind::DockerV1Signed,
            ManifestContent::DockerV1(_) => ManifestKind::DockerV1,
        }
    }

    /// The image manifest, for OCI manifests and Docker schema 2.
    pub fn image(&self) -> Option<&ImageManifest> {
        match self {
            ManifestContent::OciManifest(m) | ManifestContent::DockerV2(m) => Some(m),
            _ => None,
        }
    }

    /// The index, for OCI indexes and Docker manifest lists.
    pub fn index(&self) -> Option<&ImageIndex> {
        match self {
            ManifestContent::OciIndex(i) | ManifestContent::DockerManifestList(i) => Some(i),
            _ => None,
        }
    }

    /// The schema 1 manifest, signed or not.
    pub fn schema1(&self) -> Option<&Schema1Manifest> {
        match self {
            ManifestContent::DockerV1Signed(m) | ManifestContent::DockerV1(m) => Some(m),
            _ => None,
        }
    }
}

/// What a child descriptor is to its manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChildRole {
    /// The image configuration (or artifact config).
    Config,
    /// A layer (or artifact blob).
    Layer,
    /// A manifest listed by an index.
    Manifest,
    /// The manifest this one refers to (OCI `subject`); not content this manifest needs.
    Subject,
}

/// A descriptor a manifest points at, with its role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Child<'a> {
    /// What the descriptor is to the manifest.
    pub role: ChildRole,
    /// The descriptor.
    pub descriptor: &'a Descriptor,
}

/// A parsed manifest document: its exact bytes, typed content and digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    content: ManifestContent,
    bytes: Vec<u8>,
    jws_payload: Option<Vec<u8>>,
    digest: Digest,
}

static NO_ANNOTATIONS: BTreeMap<String, String> = BTreeMap::new();

fn typed<T: DeserializeOwned>(kind: ManifestKind, bytes: &[u8]) -> Result<T, ManifestError> {
    serde_json::from_slice(bytes).map_err(|e| ManifestError::Invalid {
        kind,
        message: e.to_string(),
    })
}

fn check_artifact_type(kind: ManifestKind, at: Option<&str>) -> Result<(), ManifestError> {
    match at {
        Some(at) if !media_type::is_valid(at) => Err(ManifestError::Invalid {
            kind,
            message: format!(
                "artifactType {:?} is not a media type (type/subtype)",
                at.chars().take(200).collect::<String>()
            ),
        }),
        _ => Ok(()),
    }
}

impl Manifest {
    /// Parses a manifest served with `content_type` (or `None`), with the default options.
    pub fn parse(bytes: &[u8], content_type: Option<&str>) -> Result<Manifest, ManifestError> {
        Manifest::parse_with(bytes, content_type, &ParseOptions::default())
    }

    /// Parses a manifest served with `content_type` (or `None`), with these options.
    pub fn parse_with(
        bytes: &[u8],
        content_type: Option<&str>,
        options: &ParseOptions,
    ) -> Result<Manifest, ManifestError> {
        if bytes.len() > options.max_size {
            return Err(ManifestError::TooLarge {
                size: bytes.len() as u64,
                limit: options.max_size as u64,
            });
        }
        let requested = detect::requested_kind(content_type)?;
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| ManifestError::NotJson(e.to_string()))?;
        let Value::Object(doc) = value else {
            return Err(ManifestError::NotAnObject);
        };
        let kind = match requested {
            Some(requested) => detect::check_requested(requested, &doc)?,
            None => {
                let kind = detect::detect_kind(&doc)?;
                if kind.requires_media_type_field()
                    && detect::document_media_type(&doc).ok().flatten().is_none()
                {
                    return Err(ManifestError::MissingMediaType { kind });
                }
                kind
            }
        };
        detect::check_shape(kind, &doc)?;
        drop(doc);
        Manifest::typed(kind, bytes)
    }

    fn typed(kind: ManifestKind, bytes: &[u8]) -> Result<Manifest, ManifestError> {
        let mut jws_payload = None;
        let content = match kind {
            ManifestKind::OciManifest | ManifestKind::DockerV2 => {
                let m: ImageManifest = typed(kind, bytes)?;
                check_artifact_type(kind, m.artifact_type.as_deref())?;
                if kind == ManifestKind::OciManifest {
                    ManifestContent::OciManifest(m)
                } else {
                    ManifestContent::DockerV2(m)
                }
            }
            ManifestKind::OciIndex | ManifestKind::DockerManifestList => {
                let i: ImageIndex = typed(kind, bytes)?;
                check_artifact_type(kind, i.artifact_type.as_deref())?;
                if kind == ManifestKind::OciIndex {
                    ManifestContent::OciIndex(i)
                } else {
                    ManifestContent::DockerManifestList(i)
                }
            }
            ManifestKind::DockerV1Signed | ManifestKind::DockerV1 => {
                let m: Schema1Manifest = typed(kind, bytes)?;
                if m.fs_layers.len() != m.history.len() {
                    return Err(ManifestError::Invalid {
                        kind,
                        message: format!(
                            "{} fsLayers but {} history entries; they must pair up",
                            m.fs_layers.len(),
                            m.history.len()
                        ),
                    });
                }
                if m.fs_layers.is_empty() {
                    return Err(ManifestError::Invalid {
                        kind,
                        message: "fsLayers is empty; a schema 1 manifest has at least one".into(),
                    });
                }
                if kind == ManifestKind::DockerV1Signed {
                    jws_payload = Some(schema1::jws_payload(bytes, &m.signatures)?);
                    ManifestContent::DockerV1Signed(m)
                } else {
                    ManifestContent::DockerV1(m)
                }
            }
        };
        let digest = Digest::sha256_of(jws_payload.as_deref().unwrap_or(bytes));
        Ok(Manifest {
            content,
            bytes: bytes.to_vec(),
            jws_payload,
            digest,
        })
    }

    /// The kind of manifest.
    pub fn kind(&self) -> ManifestKind {
        self.content.kind()
    }

    /// The canonical media type of its kind (what to send as Content-Type when pushing it).
    pub fn media_type(&self) -> &'static str {
        self.kind().media_type()
    }

    /// The typed content.
    pub fn content(&self) -> &ManifestContent {
        &self.content
    }

    /// The typed content, consuming the manifest.
    pub fn into_content(self) -> ManifestContent {
        self.content
    }

    /// The exact bytes parsed.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The exact bytes parsed, consuming the manifest.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Length of the document in bytes.
    pub fn size(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// The sha256 digest: of the exact bytes, or of the JWS payload for signed schema 1.
    pub fn digest(&self) -> &Digest {
        &self.digest
    }

    /// The digest with another algorithm, over the same bytes as [`Manifest::digest`].
    pub fn digest_with(&self, algorithm: Algorithm) -> Digest {
        match algorithm {
            Algorithm::Sha256 => self.digest.clone(),
            other => Digest::of(other, self.digested_bytes()),
        }
    }

    /// The bytes the digest is taken over (the JWS payload for signed schema 1).
    pub fn digested_bytes(&self) -> &[u8] {
        self.jws_payload.as_deref().unwrap_or(&self.bytes)
    }

    /// The JWS payload of a signed schema 1 manifest.
    pub fn jws_payload(&self) -> Option<&[u8]> {
        self.jws_payload.as_deref()
    }

    /// Checks that this manifest has `expected` as digest (with `expected`'s algorithm).
    pub fn verify(&self, expected: &Digest) -> Result<(), ManifestError> {
        expected
            .verify(self.digested_bytes())
            .map_err(ManifestError::Digest)
    }

    /// A descriptor pointing at this manifest (media type, digest, size, artifact type).
    pub fn descriptor(&self) -> Descriptor {
        let mut d = Descriptor::new(self.media_type(), self.digest.clone(), self.size());
        if self.kind().is_oci() {
            d.artifact_type = self.artifact_type().map(str::to_string);
        }
        d
    }

    /// The config descriptor (OCI manifests and Docker schema 2).
    pub fn config(&self) -> Option<&Descriptor> {
        self.content.image().map(|m| &m.config)
    }

    /// The layer descriptors, base first (empty for indexes and schema 1).
    pub fn layers(&self) -> &[Descriptor] {
        self.content.image().map_or(&[], |m| &m.layers)
    }

    /// The manifests an index lists (empty for other kinds).
    pub fn manifests(&self) -> &[Descriptor] {
        self.content.index().map_or(&[], |i| &i.manifests)
    }

    /// The `subject` this manifest refers to, if any.
    pub fn subject(&self) -> Option<&Descriptor> {
        match &self.content {
            ManifestContent::OciManifest(m) | ManifestContent::DockerV2(m) => m.subject.as_ref(),
            ManifestContent::OciIndex(i) | ManifestContent::DockerManifestList(i) => {
                i.subject.as_ref()
            }
            _ => None,
        }
    }

    /// Every descriptor in the document: config, layers, manifests, then subject.
    pub fn children(&self) -> Vec<Child<'_>> {
        let child = |role| move |descriptor| Child { role, descriptor };
        self.config()
            .into_iter()
            .map(child(ChildRole::Config))
            .chain(self.layers().iter().map(child(ChildRole::Layer)))
            .chain(self.manifests().iter().map(child(ChildRole::Manifest)))
            .chain(self.subject().into_iter().map(child(ChildRole::Subject)))
            .collect()
    }

    /// Digests of all content this manifest needs (children but subject; schema 1 blob sums).
    pub fn referenced_digests(&self) -> Vec<&Digest> {
        match self.content.schema1() {
            Some(m) => m.blob_sums().collect(),
            None => self
                .children()
                .into_iter()
                .filter(|c| c.role != ChildRole::Subject)
                .map(|c| &c.descriptor.digest)
                .collect(),
        }
    }

    /// The `artifactType` field as written.
    pub fn artifact_type_field(&self) -> Option<&str> {
        match &self.content {
            ManifestContent::OciManifest(m) | ManifestContent::DockerV2(m) => {
                m.artifact_type.as_deref()
            }
            ManifestContent::OciIndex(i) | ManifestContent::DockerManifestList(i) => {
                i.artifact_type.as_deref()
            }
            _ => None,
        }
    }

    /// The artifact type by the OCI rule: `artifactType`, else (OCI image manifests) the config
    /// media type; `None` for indexes without the field and for Docker kinds.
    pub fn artifact_type(&self) -> Option<&str> {
        match &self.content {
            ManifestContent::OciManifest(m) => Some(m.effective_artifact_type()),
            ManifestContent::OciIndex(i) => i.artifact_type.as_deref(),
            _ => None,
        }
    }

    /// The top-level annotations (empty when none, and for schema 1).
    pub fn annotations(&self) -> &BTreeMap<String, String> {
        match &self.content {
            ManifestContent::OciManifest(m) | ManifestContent::DockerV2(m) => &m.annotations,
            ManifestContent::OciIndex(i) | ManifestContent::DockerManifestList(i) => &i.annotations,
            _ => &NO_ANNOTATIONS,
        }
    }

    /// The platform of each index entry, in order (`None` for an entry without one).
    pub fn platforms(&self) -> Vec<Option<&Platform>> {
        self.manifests()
            .iter()
            .map(|d| d.platform.as_ref())
            .collect()
    }

    /// The index entries whose platform matches `wanted` (see [`Platform::matches`]).
    pub fn manifests_for(&self, wanted: &Platform) -> Vec<&Descriptor> {
        self.manifests()
            .iter()
            .filter(|d| d.platform.as_ref().is_some_and(|p| p.matches(wanted)))
            .collect()
    }

    /// Size of the image: config plus layers (saturating); `None` for indexes and schema 1.
    pub fn image_size(&self) -> Option<u64> {
        self.content.image().map(ImageManifest::image_size)
    }
}

#[cfg(test)]
mod tests;
