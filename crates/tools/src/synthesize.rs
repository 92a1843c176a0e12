//! An index for any reference (docker-library meta-scripts' `SynthesizeIndex`): one shape for
//! "what platforms does this name have, and where is each", whatever it points at.
//!
//! Rules:
//! - A single image (OCI manifest or Docker schema 2) becomes a one-entry index; its platform
//!   is read from its config (os, architecture, variant, `os.version`, `os.features`). The
//!   index is a Docker manifest list when the image is Docker, an OCI index otherwise.
//! - An index keeps its media type, annotations, artifactType and subject; each entry keeps
//!   its descriptor. An entry without a platform (or with an empty os or architecture) that is
//!   an image gets its platform from its config; one whose config says none has none.
//!   Platforms are kept as written (not normalized), so digests and names stay recognisable.
//! - Entries listed twice keep the first (the OCI rule: the first match wins).
//! - Each entry, and the index itself, is annotated with
//!   `org.opencontainers.image.ref.name`: where to find it, the full reference pinned to its
//!   digest (`localhost:5000/demo/hello:latest@sha256:…`, with the domain when the
//!   [`Location`] has one).
//! - Each entry with a platform that is one of bashbrew's architectures
//!   ([`BASHBREW_ARCHES`], matched with [`Platform::matches`]) is annotated with
//!   `com.docker.official-images.bashbrew.arch`; a value the registry gave is never trusted
//!   (it is recomputed or removed). BuildKit attestation entries
//!   (`vnd.docker.reference.type: attestation-manifest`) take the architecture of the entry
//!   they attest (`vnd.docker.reference.digest`) and are dropped when that entry is not in the
//!   index, as meta-scripts does.
//! - Nothing is pushed unless asked ([`Synthesized::push`]). Schema 1 and unknown kinds are
//!   [`ErrorKind::Unsupported`]; not found stays `MANIFEST_UNKNOWN`.

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use ociscope_core::manifest::{ImageIndex, ManifestKind, DEFAULT_MAX_SIZE};
use ociscope_core::spec::{BlobReader, Error, ErrorKind, ManifestRef, RepoName, Spec, Tag};
use ociscope_core::{media_type, Descriptor, Digest, Manifest, Platform};

use crate::config::ImageConfig;
use crate::lookup::Location;

/// Annotation naming where an entry can be found.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// Annotation with the bashbrew architecture of an entry.
pub const BASHBREW_ARCH: &str = "com.docker.official-images.bashbrew.arch";
/// BuildKit's annotation telling what an index entry is.
pub const BUILDKIT_REFERENCE_TYPE: &str = "vnd.docker.reference.type";
/// BuildKit's value of [`BUILDKIT_REFERENCE_TYPE`] for attestations.
pub const BUILDKIT_ATTESTATION: &str = "attestation-manifest";
/// BuildKit's annotation naming the entry an attestation is about.
pub const BUILDKIT_REFERENCE_DIGEST: &str = "vnd.docker.reference.digest";

/// bashbrew's architectures (docker-library/bashbrew `architecture.SupportedArches`):
/// name, os, architecture, variant.
pub const BASHBREW_ARCHES: &[(&str, &str, &str, Option<&str>)] = &[
    ("amd64", "linux", "amd64", None),
    ("arm32v5", "linux", "arm", Some("v5")),
    ("arm32v6", "linux", "arm", Some("v6")),
    ("arm32v7", "linux", "arm", Some("v7")),
    ("arm64v8", "linux", "arm64", Some("v8")),
    ("i386", "linux", "386", None),
    ("mips64le", "linux", "mips64le", None),
    ("ppc64le", "linux", "ppc64le", None),
    ("riscv64", "linux", "riscv64", None),
    ("s390x", "linux", "s390x", None),
    ("windows-amd64", "windows", "amd64", None),
];

/// The platform of a bashbrew architecture name (`arm64v8` → linux/arm64/v8).
pub fn bashbrew_platform(name: &str) -> Option<Platform> {
    BASHBREW_ARCHES
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|(_, os, arch, variant)| {
            let mut p = Platform::new(os, arch);
            p.variant = variant.map(str::to_string);
            p
        })
}

/// The bashbrew architecture a platform is, if any (`linux/arm64` → `arm64v8`).
pub fn bashbrew_arch(platform: &Platform) -> Option<&'static str> {
    BASHBREW_ARCHES
        .iter()
        .map(|(name, ..)| *name)
        .find(|name| bashbrew_platform(name).is_some_and(|p| platform.matches(&p)))
}

/// A synthesized index: the document, its bytes and their descriptor.
#[derive(Clone, Debug)]
pub struct Synthesized {
    /// The index.
    pub index: ImageIndex,
    /// Its JSON bytes.
    pub content: Bytes,
    /// Media type, digest and size of those bytes.
    pub descriptor: Descriptor,
}

impl Synthesized {
    /// Pushes the index into `repo` with `tags`; every entry must be in `repo` already (it is
    /// when `repo` is the repository it was synthesized from).
    pub async fn push<S: Spec>(
        &self,
        spec: &S,
        repo: &RepoName,
        tags: &[Tag],
    ) -> Result<Descriptor, Error> {
        spec.push_manifest(
            repo,
            &self.descriptor.media_type,
            self.content.clone(),
            tags,
        )
        .await
    }
}

/// True when a platform names something (os and architecture set).
fn usable(p: Option<&Platform>) -> bool {
    p.is_some_and(|p| !p.os.is_empty() && !p.architecture.is_empty())
}

/// The platform an image's config names, if the image is one and its config says.
async fn platform_of<S: Spec>(
    spec: &S,
    repo: &RepoName,
    manifest: &Manifest,
) -> Result<Option<Platform>, Error> {
    let Some(config) = manifest.config() else {
        return Ok(None);
    };
    if config.media_type != media_type::OCI_CONFIG && config.media_type != media_type::DOCKER_CONFIG
    {
        return Ok(None);
    }
    let bytes = spec
        .get_blob(repo, &config.digest)
        .await?
        .read_to_end(DEFAULT_MAX_SIZE as u64)
        .await?;
    Ok(ImageConfig::from_json(&bytes).and_then(|c| c.platform()))
}

/// The index for `location` (see the module doc); nothing is pushed.
pub async fn synthesize_index<S: Spec>(
    spec: &S,
    location: &Location,
) -> Result<Synthesized, Error> {
    let repo = &location.repo;
    let got = spec.get_manifest(repo, &location.manifest_ref()).await?;
    let manifest = got.parse()?;
    let mut index = match manifest.kind() {
        ManifestKind::OciManifest | ManifestKind::DockerV2 => {
            let mut entry = got.descriptor.clone();
            entry.media_type = manifest.media_type().to_string();
            entry.platform = platform_of(spec, repo, &manifest).await?;
            let list = if manifest.kind() == ManifestKind::DockerV2 {
                media_type::DOCKER_MANIFEST_LIST
            } else {
                media_type::OCI_INDEX
            };
            ImageIndex {
                schema_version: 2,
                media_type: Some(list.to_string()),
                artifact_type: None,
                manifests: vec![entry],
                subject: None,
                annotations: BTreeMap::new(),
                extra: BTreeMap::new(),
            }
        }
        kind if kind.is_index() => match manifest.into_content().index() {
            Some(i) => ImageIndex {
                media_type: Some(kind.media_type().to_string()),
                ..i.clone()
            },
            None => return Err(unsupported(location, kind)),
        },
        kind => return Err(unsupported(location, kind)),
    };
    index.annotations.insert(
        REF_NAME.to_string(),
        location
            .at_digest(got.descriptor.digest.clone())
            .to_string(),
    );

    let mut entries: Vec<Descriptor> = Vec::with_capacity(index.manifests.len());
    let mut arch_of: HashMap<Digest, Option<String>> = HashMap::new();
    for mut entry in std::mem::take(&mut index.manifests) {
        if arch_of.contains_key(&entry.digest) {
            continue;
        }
        entry.annotations.insert(
            REF_NAME.to_string(),
            location.at_digest(entry.digest.clone()).to_string(),
        );
        entry.annotations.remove(BASHBREW_ARCH);
        if !usable(entry.platform.as_ref()) {
            entry.platform = None;
            if media_type::is_image_manifest(&entry.media_type) {
                let child = spec
                    .get_manifest(repo, &ManifestRef::Digest(entry.digest.clone()))
                    .await?
                    .parse()?;
                entry.platform = platform_of(spec, repo, &child).await?;
            }
        }
        let attestation = entry
            .annotations
            .get(BUILDKIT_REFERENCE_TYPE)
            .map(String::as_str)
            == Some(BUILDKIT_ATTESTATION);
        let arch = if attestation {
            let subject = entry
                .annotations
                .get(BUILDKIT_REFERENCE_DIGEST)
                .and_then(|d| Digest::parse(d).ok());
            match subject.and_then(|s| arch_of.get(&s).cloned().flatten()) {
                Some(a) => Some(a),
                // What it attests is not here: drop it (see the module doc).
                None => continue,
            }
        } else {
            entry
                .platform
                .as_ref()
                .and_then(bashbrew_arch)
                .map(str::to_string)
        };
        if let Some(a) = &arch {
            entry
                .annotations
                .insert(BASHBREW_ARCH.to_string(), a.clone());
        }
        arch_of.insert(entry.digest.clone(), arch);
        entries.push(entry);
    }
    index.manifests = entries;

    let content = Bytes::from(serde_json::to_vec(&index).map_err(|e| {
        Error::other(
            ErrorKind::Protocol,
            format!("cannot write the synthesized index: {e}"),
        )
    })?);
    let media = index
        .media_type
        .clone()
        .unwrap_or_else(|| media_type::OCI_INDEX.to_string());
    let descriptor = Descriptor::new(media, Digest::sha256_of(&content), content.len() as u64);
    Ok(Synthesized {
        index,
        content,
        descriptor,
    })
}

fn unsupported(location: &Location, kind: ManifestKind) -> Error {
    Error::other(
        ErrorKind::Unsupported,
        format!("{location} is a {kind}: an index can be synthesized only for images and indexes"),
    )
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn bashbrew_arches_match_platforms_as_containerd_does() {
        let p = |s: &str| Platform::parse(s).unwrap();
        assert_eq!(bashbrew_arch(&p("linux/amd64")), Some("amd64"));
        assert_eq!(bashbrew_arch(&p("linux/arm64")), Some("arm64v8"));
        assert_eq!(bashbrew_arch(&p("linux/aarch64/v8")), Some("arm64v8"));
        assert_eq!(bashbrew_arch(&p("linux/arm")), Some("arm32v7"));
        assert_eq!(bashbrew_arch(&p("linux/arm/v6")), Some("arm32v6"));
        assert_eq!(bashbrew_arch(&p("linux/386")), Some("i386"));
        assert_eq!(bashbrew_arch(&p("linux/i386")), Some("i386"));
        assert_eq!(bashbrew_arch(&p("linux/s390x")), Some("s390x"));
        let mut win = p("windows/amd64");
        win.os_version = Some("10.0.20348.2113".into());
        assert_eq!(bashbrew_arch(&win), Some("windows-amd64"));
        assert_eq!(bashbrew_arch(&p("linux/sparc64")), None);
        assert_eq!(bashbrew_arch(&p("unknown/unknown")), None);
        for (name, ..) in BASHBREW_ARCHES {
            let platform = bashbrew_platform(name).unwrap();
            assert_eq!(bashbrew_arch(&platform), Some(*name), "{name}");
        }
    }
}
