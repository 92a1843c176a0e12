//! Media types of the OCI image-spec and of Docker's distribution formats, and helpers to classify
//! them.
//!
//! Media types are compared by their essence (`type/subtype`, parameters dropped, ASCII
//! lowercase), as RFC 6838 makes them case-insensitive. [`is_valid`] checks the grammar the
//! image-spec JSON schema requires of every `mediaType` and `artifactType` field.

/// OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// OCI image configuration.
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// OCI content descriptor (a descriptor stored as a document).
pub const OCI_DESCRIPTOR: &str = "application/vnd.oci.descriptor.v1+json";
/// OCI image layout `oci-layout` file.
pub const OCI_LAYOUT_HEADER: &str = "application/vnd.oci.layout.header.v1+json";
/// OCI empty content (`{}`), used as the config of artifacts without one.
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
/// OCI layer, uncompressed tar.
pub const OCI_LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
/// OCI layer, gzip-compressed tar.
pub const OCI_LAYER_TAR_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// OCI layer, zstd-compressed tar.
pub const OCI_LAYER_TAR_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";
/// OCI non-distributable layer, uncompressed tar (deprecated by the image-spec).
pub const OCI_LAYER_NONDISTRIBUTABLE_TAR: &str =
    "application/vnd.oci.image.layer.nondistributable.v1.tar";
/// OCI non-distributable layer, gzip-compressed tar (deprecated by the image-spec).
pub const OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP: &str =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
/// OCI non-distributable layer, zstd-compressed tar (deprecated by the image-spec).
pub const OCI_LAYER_NONDISTRIBUTABLE_TAR_ZSTD: &str =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
/// OCI layer encrypted with ocicrypt, uncompressed tar.
pub const OCI_LAYER_TAR_ENCRYPTED: &str = "application/vnd.oci.image.layer.v1.tar+encrypted";
/// OCI layer encrypted with ocicrypt, gzip-compressed tar.
pub const OCI_LAYER_TAR_GZIP_ENCRYPTED: &str =
    "application/vnd.oci.image.layer.v1.tar+gzip+encrypted";
/// OCI layer encrypted with ocicrypt, zstd-compressed tar.
pub const OCI_LAYER_TAR_ZSTD_ENCRYPTED: &str =
    "application/vnd.oci.image.layer.v1.tar+zstd+encrypted";

/// Docker image manifest, schema 2.
pub const DOCKER_MANIFEST_V2: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker manifest list (multi-platform), schema 2.
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// Docker image manifest, schema 1, unsigned.
pub const DOCKER_MANIFEST_V1: &str = "application/vnd.docker.distribution.manifest.v1+json";
/// Docker image manifest, schema 1, signed with a JWS (`signatures`).
pub const DOCKER_MANIFEST_V1_SIGNED: &str =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";
/// Docker container image configuration.
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
/// Docker plugin configuration.
pub const DOCKER_PLUGIN_CONFIG: &str = "application/vnd.docker.plugin.v1+json";
/// Docker layer, gzip-compressed tar.
pub const DOCKER_LAYER_TAR_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
/// Docker layer, uncompressed tar.
pub const DOCKER_LAYER_TAR: &str = "application/vnd.docker.image.rootfs.diff.tar";
/// Docker layer, zstd-compressed tar (written by recent Docker and containers/image).
pub const DOCKER_LAYER_TAR_ZSTD: &str = "application/vnd.docker.image.rootfs.diff.tar.zstd";
/// Docker foreign layer (fetched from its `urls`, e.g. Windows base layers), gzip-compressed tar.
pub const DOCKER_FOREIGN_LAYER_TAR_GZIP: &str =
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
/// Docker foreign layer, uncompressed tar.
pub const DOCKER_FOREIGN_LAYER_TAR: &str = "application/vnd.docker.image.rootfs.foreign.diff.tar";

/// Every manifest media type, preferred first: the value list for an HTTP `Accept` header.
pub const ACCEPT: &[&str] = &[
    OCI_INDEX,
    OCI_MANIFEST,
    DOCKER_MANIFEST_LIST,
    DOCKER_MANIFEST_V2,
    DOCKER_MANIFEST_V1_SIGNED,
    DOCKER_MANIFEST_V1,
];

/// The `Accept` header value naming every manifest media type, comma separated.
pub fn accept_header() -> String {
    ACCEPT.join(", ")
}

/// The compression of a layer media type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Plain tar.
    None,
    /// gzip.
    Gzip,
    /// zstd.
    Zstd,
}

/// The essence of a media type or `Content-Type` value: parameters dropped, trimmed, lowercase.
pub fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn is_restricted_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    match bytes.split_first() {
        Some((first, rest)) => {
            first.is_ascii_alphanumeric()
                && rest.len() <= 126
                && rest
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(b))
        }
        None => false,
    }
}

/// Does `media_type` match the RFC 6838 `type/subtype` grammar the image-spec schema requires?
///
/// Each part starts with a letter or digit, continues with `[A-Za-z0-9!#$&^_.+-]`, and is at
/// most 127 characters. Parameters are not allowed.
pub fn is_valid(media_type: &str) -> bool {
    match media_type.split_once('/') {
        Some((kind, subtype)) => is_restricted_name(kind) && is_restricted_name(subtype),
        None => false,
    }
}

/// Is this (essence of a) media type one of the manifest formats ociscope parses?
pub fn is_manifest(media_type: &str) -> bool {
    let e = essence(media_type);
    ACCEPT.contains(&e.as_str())
}

/// Is this an index type (OCI index or Docker manifest list) whose children are manifests?
pub fn is_index(media_type: &str) -> bool {
    matches!(
        essence(media_type).as_str(),
        OCI_INDEX | DOCKER_MANIFEST_LIST
    )
}

/// Is this a single-image manifest type (OCI manifest, Docker schema 2 or schema 1)?
pub fn is_image_manifest(media_type: &str) -> bool {
    is_manifest(media_type) && !is_index(media_type)
}

/// Is this a Docker schema 1 type, signed or not?
pub fn is_schema1(media_type: &str) -> bool {
    matches!(
        essence(media_type).as_str(),
        DOCKER_MANIFEST_V1 | DOCKER_MANIFEST_V1_SIGNED
    )
}

/// Is this a Docker (`application/vnd.docker.…`) media type?
pub fn is_docker(media_type: &str) -> bool {
    essence(media_type).starts_with("application/vnd.docker.")
}

/// Is this an OCI (`application/vnd.oci.…`) media type?
pub fn is_oci(media_type: &str) -> bool {
    essence(media_type).starts_with("application/vnd.oci.")
}

/// Is this a known image configuration type (OCI or Docker)?
pub fn is_config(media_type: &str) -> bool {
    matches!(
        essence(media_type).as_str(),
        OCI_CONFIG | DOCKER_CONFIG | DOCKER_PLUGIN_CONFIG
    )
}

const LAYERS: &[&str] = &[
    OCI_LAYER_TAR,
    OCI_LAYER_TAR_GZIP,
    OCI_LAYER_TAR_ZSTD,
    OCI_LAYER_NONDISTRIBUTABLE_TAR,
    OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP,
    OCI_LAYER_NONDISTRIBUTABLE_TAR_ZSTD,
    OCI_LAYER_TAR_ENCRYPTED,
    OCI_LAYER_TAR_GZIP_ENCRYPTED,
    OCI_LAYER_TAR_ZSTD_ENCRYPTED,
    DOCKER_LAYER_TAR,
    DOCKER_LAYER_TAR_GZIP,
    DOCKER_LAYER_TAR_ZSTD,
    DOCKER_FOREIGN_LAYER_TAR,
    DOCKER_FOREIGN_LAYER_TAR_GZIP,
];

/// Is this a known image layer type (OCI, non-distributable, encrypted, Docker, foreign)?
pub fn is_layer(media_type: &str) -> bool {
    LAYERS.contains(&essence(media_type).as_str())
}

/// Is this a layer that registries may not serve (OCI non-distributable or Docker foreign)?
pub fn is_nondistributable(media_type: &str) -> bool {
    let e = essence(media_type);
    e.starts_with("application/vnd.oci.image.layer.nondistributable.")
        || e.starts_with("application/vnd.docker.image.rootfs.foreign.")
}

/// Is this an ocicrypt-encrypted layer?
pub fn is_encrypted(media_type: &str) -> bool {
    is_layer(media_type) && essence(media_type).ends_with("+encrypted")
}

/// The compression of a known layer type, or `None` when the type is not a known layer.
pub fn layer_compression(media_type: &str) -> Option<Compression> {
    if !is_layer(media_type) {
        return None;
    }
    let e = essence(media_type);
    let e = e.strip_suffix("+encrypted").unwrap_or(&e);
    Some(if e.ends_with("gzip") {
        Compression::Gzip
    } else if e.ends_with("zstd") {
        Compression::Zstd
    } else {
        Compression::None
    })
}

/// Descriptor fields of the OCI empty content `{}`.
pub mod empty {
    /// Media type of the empty descriptor.
    pub const MEDIA_TYPE: &str = super::OCI_EMPTY;
    /// Digest of the two bytes `{}`.
    pub const DIGEST: &str =
        "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    /// Size of the empty content in bytes.
    pub const SIZE: u64 = 2;
    /// The content, `{}`.
    pub const CONTENT: &[u8] = b"{}";
    /// The content base64-encoded, for the descriptor's `data` field.
    pub const DATA: &str = "e30=";
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn grammar() {
        assert!(is_valid(OCI_MANIFEST));
        assert!(is_valid("text/plain"));
        assert!(!is_valid("application"));
        assert!(!is_valid(".foo/bar"));
        assert!(!is_valid("foo/.bar"));
        assert!(!is_valid("foo/bar; charset=utf-8"));
        assert!(!is_valid("a/b/c"));
        assert!(!is_valid(""));
        assert!(is_valid(&format!(
            "{}/{}",
            "a".repeat(127),
            "b".repeat(127)
        )));
        assert!(!is_valid(&format!("{}/b", "a".repeat(128))));
    }

    #[test]
    fn classify() {
        for mt in ACCEPT {
            assert!(is_manifest(mt) && is_valid(mt));
        }
        assert!(is_manifest(
            "Application/VND.oci.image.index.v1+json; charset=utf-8"
        ));
        assert!(is_index(DOCKER_MANIFEST_LIST) && !is_index(OCI_MANIFEST));
        assert!(is_image_manifest(DOCKER_MANIFEST_V1_SIGNED));
        assert!(!is_manifest(OCI_CONFIG) && is_config(OCI_CONFIG));
        assert_eq!(
            layer_compression(OCI_LAYER_TAR_ZSTD),
            Some(Compression::Zstd)
        );
        assert_eq!(
            layer_compression(OCI_LAYER_TAR_GZIP_ENCRYPTED),
            Some(Compression::Gzip)
        );
        assert_eq!(
            layer_compression(DOCKER_FOREIGN_LAYER_TAR_GZIP),
            Some(Compression::Gzip)
        );
        assert_eq!(layer_compression(OCI_LAYER_TAR), Some(Compression::None));
        assert_eq!(layer_compression(OCI_CONFIG), None);
        assert!(is_nondistributable(DOCKER_FOREIGN_LAYER_TAR_GZIP));
        assert!(is_nondistributable(OCI_LAYER_NONDISTRIBUTABLE_TAR_ZSTD));
        assert!(!is_nondistributable(OCI_LAYER_TAR));
        assert!(is_encrypted(OCI_LAYER_TAR_ZSTD_ENCRYPTED));
        assert_eq!(
            accept_header().split(", ").count(),
            ACCEPT.len(),
            "one entry per manifest type"
        );
    }

    #[test]
    fn empty_descriptor_constants_agree() {
        assert_eq!(
            crate::Digest::sha256_of(empty::CONTENT).as_str(),
            empty::DIGEST
        );
        assert_eq!(empty::CONTENT.len() as u64, empty::SIZE);
    }
}
