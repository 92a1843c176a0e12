//! Content the checks push: unique blobs and valid OCI manifests built from descriptors.

use bytes::Bytes;
use ociscope_core::descriptor::Descriptor;
use ociscope_core::media_type;
use ociscope_core::spec::{BlobReader, RepoName, Spec, Tag};
use ociscope_core::Digest;
use serde_json::{json, Value};

use crate::{Context, Ctx, Failure};

/// Content unique to this run and label, `len` bytes long (a repeating text pattern that
/// starts with a hash of both, so even short contents differ).
pub fn content(ctx: &Ctx, label: &str, len: usize) -> Bytes {
    let id = format!("{} {label}", ctx.prefix);
    let seed = format!(
        "{} ociscope spec suite {id};",
        Digest::sha256_of(id.as_bytes()).encoded()
    );
    Bytes::from(seed.bytes().cycle().take(len).collect::<Vec<u8>>())
}

/// The descriptor of `content` as a layer.
pub fn layer_descriptor(content: &[u8]) -> Descriptor {
    Descriptor::new(
        media_type::OCI_LAYER_TAR,
        Digest::sha256_of(content),
        content.len() as u64,
    )
}

/// An OCI image manifest: config, layers, and optionally an artifactType and a subject.
pub fn image_manifest(
    config: &Descriptor,
    layers: &[Descriptor],
    artifact_type: Option<&str>,
    subject: Option<&Descriptor>,
) -> Bytes {
    let mut m = json!({
        "schemaVersion": 2,
        "mediaType": media_type::OCI_MANIFEST,
        "config": descriptor_json(config),
        "layers": layers.iter().map(descriptor_json).collect::<Vec<_>>(),
    });
    if let Some(t) = artifact_type {
        m["artifactType"] = json!(t);
    }
    if let Some(s) = subject {
        m["subject"] = descriptor_json(s);
    }
    Bytes::from(serde_json::to_vec(&m).expect("JSON values serialize"))
}

/// An OCI image index of `manifests`.
pub fn index_manifest(manifests: &[Descriptor]) -> Bytes {
    let m = json!({
        "schemaVersion": 2,
        "mediaType": media_type::OCI_INDEX,
        "manifests": manifests.iter().map(descriptor_json).collect::<Vec<_>>(),
    });
    Bytes::from(serde_json::to_vec(&m).expect("JSON values serialize"))
}

fn descriptor_json(d: &Descriptor) -> Value {
    serde_json::to_value(d).expect("descriptors serialize")
}

/// An image pushed by [`push_image`]: its manifest descriptor and bytes, config and layer.
#[derive(Clone, Debug)]
pub struct PushedImage {
    /// The manifest's descriptor as the registry returned it.
    pub manifest: Descriptor,
    /// The manifest's bytes.
    pub bytes: Bytes,
    /// The config blob's descriptor.
    pub config: Descriptor,
    /// The one layer's descriptor.
    pub layer: Descriptor,
}

/// Pushes a blob, checks the digest and size the registry returns, and returns the descriptor
/// with `media_type` (registries may answer a generic media type for blobs).
pub async fn push_blob<S: Spec>(
    spec: &S,
    repo: &RepoName,
    media_type: &str,
    content: Bytes,
) -> Result<Descriptor, Failure> {
    let expected = Descriptor::new(
        media_type,
        Digest::sha256_of(&content),
        content.len() as u64,
    );
    let got = spec
        .push_blob(repo, &expected, content)
        .await
        .context(&format!("push blob {} to {repo}", expected.digest))?;
    crate::ensure!(
        got.digest == expected.digest && got.size == expected.size,
        "push blob to {repo}: returned {got:?}, expected digest {} size {}",
        expected.digest,
        expected.size
    );
    Ok(expected)
}

/// Pushes a small image (config + one layer, unique to `label`) and tags it with `tags`.
pub async fn push_image<S: Spec>(
    spec: &S,
    ctx: &Ctx,
    repo: &RepoName,
    label: &str,
    tags: &[&str],
) -> Result<PushedImage, Failure> {
    let config_bytes = Bytes::from(
        serde_json::to_vec(&json!({
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": []},
            "config": {"Labels": {"ociscope.suite": format!("{} {label}", ctx.prefix)}},
        }))
        .expect("JSON values serialize"),
    );
    let config = push_blob(spec, repo, media_type::OCI_CONFIG, config_bytes).await?;
    let layer_bytes = content(ctx, &format!("{label} layer"), 300);
    let layer = push_blob(spec, repo, media_type::OCI_LAYER_TAR, layer_bytes).await?;
    let bytes = image_manifest(&config, std::slice::from_ref(&layer), None, None);
    let manifest = push_manifest(spec, repo, media_type::OCI_MANIFEST, bytes.clone(), tags).await?;
    Ok(PushedImage {
        manifest,
        bytes,
        config,
        layer,
    })
}

/// Pushes a manifest and checks the returned descriptor names exactly these bytes.
pub async fn push_manifest<S: Spec>(
    spec: &S,
    repo: &RepoName,
    media: &str,
    bytes: Bytes,
    tags: &[&str],
) -> Result<Descriptor, Failure> {
    let tags = tags_of(tags)?;
    let d = spec
        .push_manifest(repo, media, bytes.clone(), &tags)
        .await
        .context(&format!("push manifest to {repo} with tags {tags:?}"))?;
    let want = Digest::sha256_of(&bytes);
    crate::ensure!(
        d.digest == want && d.size == bytes.len() as u64 && d.media_type == media,
        "push manifest to {repo}: returned {d:?}, expected {media} {want} size {}",
        bytes.len()
    );
    Ok(d)
}

/// The tags named, as [`Tag`]s (an invalid one fails the check).
pub fn tags_of(tags: &[&str]) -> Result<Vec<Tag>, Failure> {
    Tag::all(tags.iter().copied()).map_err(|e| Failure(format!("suite tag: {e}")))
}

/// One tag (an invalid one fails the check).
pub fn tag(text: &str) -> Result<Tag, Failure> {
    Tag::new(text).map_err(|e| Failure(format!("suite tag: {e}")))
}

/// Media type of the layer of referrers the suite pushes.
pub const NOTE_MEDIA_TYPE: &str = "application/vnd.ociscope.suite.note";

/// Pushes a referrer of `subject`: an artifact manifest of `artifact_type` with an empty config.
pub async fn push_referrer<S: Spec>(
    spec: &S,
    ctx: &Ctx,
    repo: &RepoName,
    subject: &Descriptor,
    artifact_type: &str,
    label: &str,
) -> Result<Descriptor, Failure> {
    let empty = push_blob(
        spec,
        repo,
        media_type::OCI_EMPTY,
        Bytes::from_static(media_type::empty::CONTENT),
    )
    .await?;
    let layer = push_blob(spec, repo, NOTE_MEDIA_TYPE, content(ctx, label, 64)).await?;
    let bytes = image_manifest(&empty, &[layer], Some(artifact_type), Some(subject));
    push_manifest(spec, repo, media_type::OCI_MANIFEST, bytes, &[]).await
}

/// Reads a whole blob through `get_blob` (verified by the implementation) up to 64 MiB.
pub async fn read_blob<S: Spec>(
    spec: &S,
    repo: &RepoName,
    digest: &Digest,
) -> Result<Bytes, Failure> {
    let mut reader = spec
        .get_blob(repo, digest)
        .await
        .context(&format!("get blob {digest} from {repo}"))?;
    crate::ensure!(
        &reader.descriptor().digest == digest,
        "get blob {digest}: reader describes {:?}",
        reader.descriptor()
    );
    reader
        .read_to_end(64 << 20)
        .await
        .context(&format!("read blob {digest} from {repo}"))
}

/// Checks that `repo` holds exactly `content` as a blob: stat, then a verified read.
pub async fn assert_blob<S: Spec>(
    spec: &S,
    repo: &RepoName,
    content: &[u8],
) -> Result<(), Failure> {
    let digest = Digest::sha256_of(content);
    let stat = spec
        .stat_blob(repo, &digest)
        .await
        .context(&format!("stat blob {digest} in {repo}"))?;
    crate::ensure!(
        stat.digest == digest && stat.size == content.len() as u64,
        "stat blob {digest} in {repo}: got {stat:?}, expected size {}",
        content.len()
    );
    let got = read_blob(spec, repo, &digest).await?;
    crate::ensure!(
        got[..] == content[..],
        "blob {digest} in {repo}: read {} bytes that differ from the {} pushed",
        got.len(),
        content.len()
    );
    Ok(())
}

/// Checks that `repo` does not hold the blob `digest` (a not-found answer).
pub async fn assert_no_blob<S: Spec>(
    spec: &S,
    repo: &RepoName,
    digest: &Digest,
) -> Result<(), Failure> {
    match spec.stat_blob(repo, digest).await {
        Ok(d) => Err(Failure(format!(
            "blob {digest} should not be in {repo}, but stat found {d:?}"
        ))),
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(Failure(format!(
            "stat blob {digest} in {repo}: expected not found, got {e} ({e:?})"
        ))),
    }
}
