//! The featured content: a multi-platform OCI index, Docker schema 2 images and a manifest list,
//! an artifact, and an image with an SBOM and signatures as referrers.

use std::collections::BTreeMap;

use bytes::Bytes;
use ociscope_core::spec::{Error, RepoName, Spec, Tag};
use ociscope_core::{media_type, Descriptor, Digest, Platform};
use serde_json::json;

use crate::base64;
use crate::content::{app_layer, base_layer, platform_name};
use crate::image::{self, describe, timestamp, Flavor, Recipe, Step};
use crate::tar::Entry;

/// Repository of the multi-platform image and its referrers.
pub const HELLO_REPO: &str = "demo/hello";
/// Repository of the Docker schema 2 image and manifest list.
pub const DOCKER_REPO: &str = "demo/legacy";
/// Repository of the standalone artifact.
pub const ARTIFACT_REPO: &str = "demo/artifacts";

/// artifactType of the SBOM referrer.
pub const SBOM_TYPE: &str = "application/spdx+json";
/// artifactType of the cosign-style signature referrer.
pub const COSIGN_TYPE: &str = "application/vnd.dev.cosign.artifact.sig.v1+json";
/// artifactType of the notation-style signature referrer.
pub const NOTATION_TYPE: &str = "application/vnd.cncf.notary.signature";
/// artifactType of the standalone artifact.
pub const NOTES_TYPE: &str = "application/vnd.ociscope.demo.release-notes.v1";

const SOURCE: &str = "https://example.invalid/ociscope/demo";

/// The platforms of the multi-platform index, in index order.
pub fn platforms() -> Vec<Platform> {
    let with = |os: &str, arch: &str, variant: Option<&str>, os_version: Option<&str>| {
        let mut p = Platform::new(os, arch);
        p.variant = variant.map(str::to_string);
        p.os_version = os_version.map(str::to_string);
        p
    };
    vec![
        with("linux", "amd64", None, None),
        with("linux", "arm64", Some("v8"), None),
        with("linux", "arm", Some("v7"), None),
        with("linux", "s390x", None, None),
        with("windows", "amd64", None, Some("10.0.20348.2340")),
    ]
}

fn labels(title: &str, version: &str) -> serde_json::Value {
    json!({
        "org.opencontainers.image.title": title,
        "org.opencontainers.image.version": version,
        "org.opencontainers.image.source": SOURCE,
        "org.opencontainers.image.licenses": "Apache-2.0",
        "org.opencontainers.image.vendor": "ociscope demo",
    })
}

/// The hello image for one platform, as OCI or Docker.
pub fn hello_recipe(platform: &Platform, flavor: Flavor) -> Recipe {
    let windows = platform.os == "windows";
    let (path, workdir, user, entrypoint) = if windows {
        (
            "PATH=C:\\Windows\\system32;C:\\Windows;C:\\hello",
            "C:\\hello",
            "ContainerUser",
            json!(["cmd", "/S", "/C", "C:\\hello\\hello.cmd"]),
        )
    } else {
        (
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "/srv/hello",
            "1000:1000",
            json!(["/usr/local/bin/hello.sh"]),
        )
    };
    let runtime = json!({
        "User": user,
        "ExposedPorts": {"8080/tcp": {}},
        "Env": [path, "HELLO_GREETING=Hello"],
        "Entrypoint": entrypoint,
        "Cmd": ["--greet", "world"],
        "WorkingDir": workdir,
        "Labels": labels("hello", "1.0.0"),
    });
    let steps = vec![
        Step::Layer(
            "ADD rootfs.tar / # ociscope-demo base",
            base_layer(platform),
        ),
        Step::Meta(format!("ENV {path} HELLO_GREETING=Hello")),
        Step::Layer(
            "COPY hello.sh README.md platform.txt /srv/hello/ # ociscope-demo",
            app_layer(platform),
        ),
        Step::Meta(format!("USER {user}")),
        Step::Meta("EXPOSE map[8080/tcp:{}]".into()),
        Step::Meta(format!("WORKDIR {workdir}")),
        Step::Meta(format!("ENTRYPOINT {entrypoint}")),
        Step::Meta("CMD [\"--greet\" \"world\"]".into()),
    ];
    let mut annotations = BTreeMap::new();
    annotations.insert(
        "org.opencontainers.image.created".into(),
        timestamp(steps.len() as u64 - 1),
    );
    annotations.insert(
        "org.opencontainers.image.description".into(),
        format!("hello for {}", platform_name(platform)),
    );
    Recipe {
        flavor,
        platform: platform.clone(),
        steps,
        runtime,
        annotations,
    }
}

/// Annotations of the multi-platform index.
fn index_annotations() -> BTreeMap<String, String> {
    [
        ("org.opencontainers.image.title", "hello"),
        (
            "org.opencontainers.image.description",
            "A tiny multi-platform demo image with real layers, an SBOM and signatures",
        ),
        ("org.opencontainers.image.version", "1.0.0"),
        (
            "org.opencontainers.image.revision",
            "0123456789abcdef0123456789abcdef01234567",
        ),
        ("org.opencontainers.image.source", SOURCE),
        ("org.opencontainers.image.licenses", "Apache-2.0"),
        ("org.opencontainers.image.created", "2024-05-01T12:07:00Z"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// What the showcase pushed.
#[derive(Clone, Debug)]
pub struct Showcase {
    /// The multi-platform index in [`HELLO_REPO`].
    pub index: Descriptor,
    /// The platform images it lists, with platforms, in index order.
    pub images: Vec<Descriptor>,
    /// SBOM, cosign and notation referrers of the linux/amd64 image, in that order.
    pub referrers: Vec<Descriptor>,
    /// The Docker schema 2 linux/amd64 image in [`DOCKER_REPO`].
    pub docker_image: Descriptor,
    /// The Docker manifest list in [`DOCKER_REPO`].
    pub docker_list: Descriptor,
    /// The standalone artifact in [`ARTIFACT_REPO`].
    pub artifact: Descriptor,
}

fn tags(names: &[&str]) -> Result<Vec<Tag>, Error> {
    Tag::all(names.iter().copied())
}

/// Pushes the multi-platform index, the Docker content, the artifact and the referrers.
pub async fn push<S: Spec>(spec: &S) -> Result<Showcase, Error> {
    let hello = RepoName::new(HELLO_REPO)?;
    let docker = RepoName::new(DOCKER_REPO)?;
    let mut images = Vec::new();
    let mut amd64_app_files = Vec::new();
    for platform in platforms() {
        let built = hello_recipe(&platform, Flavor::Oci).build()?;
        images.push(image::push(spec, &hello, None, &built, &[]).await?);
        if platform == Platform::new("linux", "amd64") {
            amd64_app_files = app_layer(&platform);
        }
    }
    let (bytes, index) = image::index(Flavor::Oci, &images, &index_annotations())?;
    let tags_index = tags(&["latest", "1.0.0", "1.0", "1"])?;
    spec.push_manifest(&hello, &index.media_type, bytes, &tags_index)
        .await?;

    let subject = images[0].clone();
    let referrers = vec![
        push_sbom(spec, &hello, &subject, &amd64_app_files).await?,
        push_cosign(spec, &hello, &subject).await?,
        push_notation(spec, &hello, &subject).await?,
    ];

    let mut docker_images = Vec::new();
    for (i, platform) in platforms().into_iter().take(2).enumerate() {
        let built = hello_recipe(&platform, Flavor::Docker).build()?;
        let tagged = if i == 0 {
            tags(&["docker-v2"])?
        } else {
            Vec::new()
        };
        docker_images.push(image::push(spec, &docker, None, &built, &tagged).await?);
    }
    let docker_image = docker_images[0].clone();
    let (bytes, docker_list) = image::index(Flavor::Docker, &docker_images, &BTreeMap::new())?;
    spec.push_manifest(&docker, &docker_list.media_type, bytes, &tags(&["latest"])?)
        .await?;

    let artifact = push_notes(spec).await?;
    Ok(Showcase {
        index,
        images,
        referrers,
        docker_image,
        docker_list,
        artifact,
    })
}

/// An artifact manifest: empty config, one blob layer, optional subject; pushes blob and
/// manifest and returns the manifest's descriptor (with artifactType set).
async fn push_artifact<S: Spec>(
    spec: &S,
    repo: &RepoName,
    artifact_type: &str,
    layer: (&str, Bytes, BTreeMap<String, String>),
    subject: Option<&Descriptor>,
    annotations: BTreeMap<String, String>,
    tags: &[Tag],
) -> Result<Descriptor, Error> {
    let (layer_type, content, layer_annotations) = layer;
    let empty = Descriptor::empty();
    let mut plain_empty = empty.clone();
    plain_empty.data = None;
    image::put_blob(spec, repo, None, &plain_empty, &Bytes::from_static(b"{}")).await?;
    let mut layer = describe(layer_type, &content);
    layer.annotations = layer_annotations;
    image::put_blob(spec, repo, None, &layer, &content).await?;
    let mut doc = json!({
        "schemaVersion": 2,
        "mediaType": media_type::OCI_MANIFEST,
        "artifactType": artifact_type,
        "config": serde_json::to_value(&empty).map_err(json_error)?,
        "layers": [serde_json::to_value(&layer).map_err(json_error)?],
        "annotations": annotations,
    });
    if let Some(subject) = subject {
        let mut s = Descriptor::new(
            subject.media_type.clone(),
            subject.digest.clone(),
            subject.size,
        );
        s.artifact_type = None;
        doc["subject"] = serde_json::to_value(&s).map_err(json_error)?;
    }
    let bytes = Bytes::from(serde_json::to_vec_pretty(&doc).map_err(json_error)?);
    let mut descriptor = describe(media_type::OCI_MANIFEST, &bytes);
    descriptor.artifact_type = Some(artifact_type.to_string());
    spec.push_manifest(repo, media_type::OCI_MANIFEST, bytes, tags)
        .await?;
    Ok(descriptor)
}

fn json_error(e: serde_json::Error) -> Error {
    Error::other(
        ociscope_core::spec::ErrorKind::InvalidArgument,
        format!("JSON: {e}"),
    )
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// An SPDX 2.3 document describing the image's application files.
fn spdx(subject: &Descriptor, files: &[Entry]) -> serde_json::Value {
    let files: Vec<_> = files
        .iter()
        .filter_map(|e| match e {
            Entry::File { path, content, .. } => Some(json!({
                "fileName": format!("/{path}"),
                "SPDXID": format!("SPDXRef-File-{}", path.replace(['/', '.', '_'], "-")),
                "checksums": [{"algorithm": "SHA256", "checksumValue": Digest::sha256_of(content).encoded()}],
                "licenseConcluded": "Apache-2.0",
                "copyrightText": "NOASSERTION",
            })),
            Entry::Symlink { .. } => None,
        })
        .collect();
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": format!("{HELLO_REPO}@{}", subject.digest),
        "documentNamespace": format!("{SOURCE}/spdx/{}", subject.digest.encoded()),
        "creationInfo": {"created": timestamp(10), "creators": ["Tool: ociscope-demo"]},
        "packages": [
            {
                "name": "hello",
                "SPDXID": "SPDXRef-Package-hello",
                "versionInfo": "1.0.0",
                "downloadLocation": SOURCE,
                "filesAnalyzed": false,
                "licenseConcluded": "Apache-2.0",
                "licenseDeclared": "Apache-2.0",
                "primaryPackagePurpose": "APPLICATION",
            },
            {
                "name": "ociscope-demo-linux",
                "SPDXID": "SPDXRef-Package-base",
                "versionInfo": "1.0",
                "downloadLocation": "NOASSERTION",
                "filesAnalyzed": false,
                "licenseConcluded": "NOASSERTION",
                "primaryPackagePurpose": "OPERATING-SYSTEM",
            },
        ],
        "files": files,
        "relationships": [
            {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-Package-hello"},
            {"spdxElementId": "SPDXRef-Package-hello", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-Package-base"},
        ],
    })
}

async fn push_sbom<S: Spec>(
    spec: &S,
    hello: &RepoName,
    subject: &Descriptor,
    files: &[Entry],
) -> Result<Descriptor, Error> {
    let doc = serde_json::to_vec_pretty(&spdx(subject, files)).map_err(json_error)?;
    push_artifact(
        spec,
        hello,
        SBOM_TYPE,
        (
            SBOM_TYPE,
            Bytes::from(doc),
            map(&[("org.opencontainers.image.title", "sbom.spdx.json")]),
        ),
        Some(subject),
        map(&[
            ("org.opencontainers.image.created", &timestamp(10)),
            (
                "org.opencontainers.image.description",
                "SPDX SBOM of hello for linux/amd64",
            ),
        ]),
        &[],
    )
    .await
}

async fn push_cosign<S: Spec>(
    spec: &S,
    hello: &RepoName,
    subject: &Descriptor,
) -> Result<Descriptor, Error> {
    let payload = json!({
        "critical": {
            "identity": {"docker-reference": HELLO_REPO},
            "image": {"docker-manifest-digest": subject.digest.to_string()},
            "type": "cosign container image signature",
        },
        "optional": {"note": "ociscope demo: shaped like a cosign signature, not a real one"},
    });
    let payload = serde_json::to_vec(&payload).map_err(json_error)?;
    let fake_signature = base64::standard(Digest::sha256_of(&payload).encoded().as_bytes());
    push_artifact(
        spec,
        hello,
        COSIGN_TYPE,
        (
            "application/vnd.dev.cosign.simplesigning.v1+json",
            Bytes::from(payload),
            map(&[("dev.cosignproject.cosign/signature", &fake_signature)]),
        ),
        Some(subject),
        map(&[("org.opencontainers.image.created", &timestamp(11))]),
        &[],
    )
    .await
}

async fn push_notation<S: Spec>(
    spec: &S,
    hello: &RepoName,
    subject: &Descriptor,
) -> Result<Descriptor, Error> {
    let protected = json!({
        "alg": "PS256",
        "cty": "application/vnd.cncf.notary.payload.v1+json",
        "crit": ["io.cncf.notary.signingScheme"],
        "io.cncf.notary.signingScheme": "notary.x509",
        "io.cncf.notary.signingTime": timestamp(12),
    });
    let target = json!({"targetArtifact": {
        "mediaType": subject.media_type,
        "digest": subject.digest.to_string(),
        "size": subject.size,
    }});
    let encode = |v: &serde_json::Value| serde_json::to_vec(v).map(|b| base64::url_safe(&b));
    let jws = json!({
        "payload": encode(&target).map_err(json_error)?,
        "protected": encode(&protected).map_err(json_error)?,
        "header": {"x5c": [], "io.cncf.notary.signingAgent": "ociscope-demo"},
        "signature": base64::url_safe(b"ociscope demo: not a real signature"),
    });
    let jws = serde_json::to_vec_pretty(&jws).map_err(json_error)?;
    let thumbprint = format!(
        "[\"{}\"]",
        Digest::sha256_of(b"ociscope demo certificate").encoded()
    );
    push_artifact(
        spec,
        hello,
        NOTATION_TYPE,
        ("application/jose+json", Bytes::from(jws), BTreeMap::new()),
        Some(subject),
        map(&[
            ("io.cncf.notary.x509chain.thumbprint#S256", &thumbprint),
            ("org.opencontainers.image.created", &timestamp(12)),
        ]),
        &[],
    )
    .await
}

const NOTES: &str = "# hello 1.0.0 release notes

- First release of the demo image, for five platforms.
- Ships an SPDX SBOM and two signature-shaped referrers.
- This file is an OCI artifact: an empty config and one `text/markdown` layer.
";

async fn push_notes<S: Spec>(spec: &S) -> Result<Descriptor, Error> {
    push_artifact(
        spec,
        &RepoName::new(ARTIFACT_REPO)?,
        NOTES_TYPE,
        (
            "text/markdown",
            Bytes::from_static(NOTES.as_bytes()),
            map(&[("org.opencontainers.image.title", "NOTES.md")]),
        ),
        None,
        map(&[
            ("org.opencontainers.image.created", &timestamp(20)),
            ("org.opencontainers.image.title", "hello release notes"),
            ("org.opencontainers.image.version", "1.0.0"),
        ]),
        &tags(&["release-notes", "1.0.0"])?,
    )
    .await
}
