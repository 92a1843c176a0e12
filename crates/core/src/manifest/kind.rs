//! The kinds of manifest documents ociscope parses.

use std::fmt;

use crate::media_type;

/// A manifest format, each with one canonical media type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ManifestKind {
    /// OCI image manifest.
    OciManifest,
    /// OCI image index.
    OciIndex,
    /// Docker image manifest schema 2.
    DockerV2,
    /// Docker manifest list.
    DockerManifestList,
    /// Docker schema 1 with JWS signatures.
    DockerV1Signed,
    /// Docker schema 1 without signatures.
    DockerV1,
}

impl ManifestKind {
    /// Every kind, in the preference order of [`media_type::ACCEPT`].
    pub const ALL: [ManifestKind; 6] = [
        ManifestKind::OciIndex,
        ManifestKind::OciManifest,
        ManifestKind::DockerManifestList,
        ManifestKind::DockerV2,
        ManifestKind::DockerV1Signed,
        ManifestKind::DockerV1,
    ];

    /// The canonical media type of this kind.
    pub fn media_type(self) -> &'static str {
        match self {
            ManifestKind::OciManifest => media_type::OCI_MANIFEST,
            ManifestKind::OciIndex => media_type::OCI_INDEX,
            ManifestKind::DockerV2 => media_type::DOCKER_MANIFEST_V2,
            ManifestKind::DockerManifestList => media_type::DOCKER_MANIFEST_LIST,
            ManifestKind::DockerV1Signed => media_type::DOCKER_MANIFEST_V1_SIGNED,
            ManifestKind::DockerV1 => media_type::DOCKER_MANIFEST_V1,
        }
    }

    /// The kind a media type (or Content-Type value, parameters allowed) names, if any.
    pub fn from_media_type(media_type: &str) -> Option<ManifestKind> {
        let essence = media_type::essence(media_type);
        ManifestKind::ALL
            .into_iter()
            .find(|k| k.media_type() == essence)
    }

    /// Does this kind list other manifests (OCI index, Docker manifest list)?
    pub fn is_index(self) -> bool {
        matches!(
            self,
            ManifestKind::OciIndex | ManifestKind::DockerManifestList
        )
    }

    /// Is this Docker schema 1, signed or not?
    pub fn is_schema1(self) -> bool {
        matches!(self, ManifestKind::DockerV1Signed | ManifestKind::DockerV1)
    }

    /// Is this an OCI kind?
    pub fn is_oci(self) -> bool {
        matches!(self, ManifestKind::OciManifest | ManifestKind::OciIndex)
    }

    /// The `schemaVersion` documents of this kind carry.
    pub fn schema_version(self) -> u32 {
        if self.is_schema1() {
            1
        } else {
            2
        }
    }

    /// Does this kind require the document to carry its own `mediaType` field?
    pub fn requires_media_type_field(self) -> bool {
        matches!(
            self,
            ManifestKind::DockerV2 | ManifestKind::DockerManifestList
        )
    }

    /// A human name (`OCI image manifest`).
    pub fn name(self) -> &'static str {
        match self {
            ManifestKind::OciManifest => "OCI image manifest",
            ManifestKind::OciIndex => "OCI image index",
            ManifestKind::DockerV2 => "Docker schema 2 manifest",
            ManifestKind::DockerManifestList => "Docker manifest list",
            ManifestKind::DockerV1Signed => "signed Docker schema 1 manifest",
            ManifestKind::DockerV1 => "Docker schema 1 manifest",
        }
    }

    /// Top-level structural fields this kind may have; the others of
    /// [`STRUCTURAL_FIELDS`](super::detect::STRUCTURAL_FIELDS) make a document ambiguous.
    pub(crate) fn allowed_fields(self) -> &'static [&'static str] {
        match self {
            ManifestKind::OciManifest | ManifestKind::DockerV2 => &["config", "layers"],
            ManifestKind::OciIndex | ManifestKind::DockerManifestList => &["manifests"],
            ManifestKind::DockerV1Signed | ManifestKind::DockerV1 => &["fsLayers", "history"],
        }
    }
}

impl fmt::Display for ManifestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
