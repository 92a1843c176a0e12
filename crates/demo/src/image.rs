//! Images: a config with real metadata, gzipped tar layers and the manifest over them, and
//! the indexes that list images by platform.

use std::collections::BTreeMap;

use bytes::Bytes;
use ociscope_core::media_type;
use ociscope_core::spec::{BlobWriter, Error, ErrorKind, Mount, RepoName, Spec, Tag};
use ociscope_core::{Descriptor, Digest, Platform};
use serde_json::{json, Map, Value};

use crate::layer::Layer;
use crate::tar::Entry;

/// Which manifest format an image or index is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// OCI image manifest and index.
    Oci,
    /// Docker image manifest schema 2 and manifest list.
    Docker,
}

impl Flavor {
    fn manifest_type(self) -> &'static str {
        match self {
            Flavor::Oci => media_type::OCI_MANIFEST,
            Flavor::Docker => media_type::DOCKER_MANIFEST_V2,
        }
    }
    fn index_type(self) -> &'static str {
        match self {
            Flavor::Oci => media_type::OCI_INDEX,
            Flavor::Docker => media_type::DOCKER_MANIFEST_LIST,
        }
    }
    fn config_type(self) -> &'static str {
        match self {
            Flavor::Oci => media_type::OCI_CONFIG,
            Flavor::Docker => media_type::DOCKER_CONFIG,
        }
    }
    fn layer_type(self) -> &'static str {
        match self {
            Flavor::Oci => media_type::OCI_LAYER_TAR_GZIP,
            Flavor::Docker => media_type::DOCKER_LAYER_TAR_GZIP,
        }
    }
}

/// Seconds since the epoch of 2024-05-01T12:00:00Z, the demo's fixed build time.
pub const EPOCH: u64 = 1_714_564_800;

/// The demo's build time plus `minutes`, as RFC 3339.
pub fn timestamp(minutes: u64) -> String {
    format!(
        "2024-05-01T{:02}:{:02}:00Z",
        12 + minutes / 60,
        minutes % 60
    )
}

/// One build step: a layer with the command that made it, or a metadata-only command.
#[derive(Clone, Debug)]
pub enum Step {
    /// A step that added files.
    Layer(&'static str, Vec<Entry>),
    /// A step that changed only the config (an `empty_layer` history entry).
    Meta(String),
}

/// What an image is built from.
#[derive(Clone, Debug)]
pub struct Recipe {
    /// Manifest format.
    pub flavor: Flavor,
    /// The platform the config declares.
    pub platform: Platform,
    /// Build steps, base first.
    pub steps: Vec<Step>,
    /// The config's runtime section (`Entrypoint`, `Env`, …).
    pub runtime: Value,
    /// Manifest annotations (OCI only).
    pub annotations: BTreeMap<String, String>,
}

/// A built image: every blob and the manifest, ready to push.
#[derive(Clone, Debug)]
pub struct Image {
    /// The config JSON.
    pub config: Bytes,
    /// The config's descriptor.
    pub config_descriptor: Descriptor,
    /// The layers, base first.
    pub layers: Vec<Layer>,
    /// The manifest bytes.
    pub manifest: Bytes,
    /// The manifest's descriptor, with the platform set.
    pub descriptor: Descriptor,
}

fn to_bytes(value: &Value) -> Result<Bytes, Error> {
    serde_json::to_vec_pretty(value)
        .map(Bytes::from)
        .map_err(|e| Error::other(ErrorKind::InvalidArgument, format!("JSON: {e}")))
}

fn to_value<T: serde::Serialize>(value: &T) -> Result<Value, Error> {
    serde_json::to_value(value)
        .map_err(|e| Error::other(ErrorKind::InvalidArgument, format!("JSON: {e}")))
}

/// A descriptor of JSON `bytes` with `media_type`.
pub fn describe(media_type: &str, bytes: &[u8]) -> Descriptor {
    Descriptor::new(media_type, Digest::sha256_of(bytes), bytes.len() as u64)
}

impl Recipe {
    /// Builds the layers, config and manifest.
    pub fn build(&self) -> Result<Image, Error> {
        let mut layers = Vec::new();
        let mut history = Vec::new();
        for (i, step) in self.steps.iter().enumerate() {
            let created = timestamp(i as u64);
            match step {
                Step::Layer(created_by, entries) => {
                    let mtime = EPOCH + 60 * i as u64;
                    layers.push(Layer::new(entries, mtime, self.flavor.layer_type())?);
                    history.push(json!({"created": created, "created_by": created_by}));
                }
                Step::Meta(created_by) => history.push(
                    json!({"created": created, "created_by": created_by, "empty_layer": true}),
                ),
            }
        }
        let p = &self.platform;
        let mut config = Map::new();
        config.insert(
            "created".into(),
            timestamp(self.steps.len().saturating_sub(1) as u64).into(),
        );
        config.insert(
            "author".into(),
            "ociscope demo <demo@example.invalid>".into(),
        );
        config.insert("architecture".into(), p.architecture.clone().into());
        config.insert("os".into(), p.os.clone().into());
        if let Some(v) = &p.os_version {
            config.insert("os.version".into(), v.clone().into());
        }
        if let Some(v) = &p.variant {
            config.insert("variant".into(), v.clone().into());
        }
        if self.flavor == Flavor::Docker {
            config.insert("docker_version".into(), "24.0.7".into());
        }
        config.insert("config".into(), self.runtime.clone());
        let diff_ids: Vec<String> = layers.iter().map(|l| l.diff_id.to_string()).collect();
        config.insert(
            "rootfs".into(),
            json!({"type": "layers", "diff_ids": diff_ids}),
        );
        config.insert("history".into(), Value::Array(history));
        let config = to_bytes(&Value::Object(config))?;
        let config_descriptor = describe(self.flavor.config_type(), &config);

        let layer_descriptors: Vec<&Descriptor> = layers.iter().map(|l| &l.descriptor).collect();
        let mut manifest = json!({
            "schemaVersion": 2,
            "mediaType": self.flavor.manifest_type(),
            "config": to_value(&config_descriptor)?,
            "layers": to_value(&layer_descriptors)?,
        });
        if self.flavor == Flavor::Oci && !self.annotations.is_empty() {
            manifest["annotations"] = to_value(&self.annotations)?;
        }
        let manifest = to_bytes(&manifest)?;
        let mut descriptor = describe(self.flavor.manifest_type(), &manifest);
        descriptor.platform = Some(self.platform.clone());
        Ok(Image {
            config,
            config_descriptor,
            layers,
            manifest,
            descriptor,
        })
    }
}

/// An index (or Docker manifest list) over `entries`, with annotations for OCI.
pub fn index(
    flavor: Flavor,
    entries: &[Descriptor],
    annotations: &BTreeMap<String, String>,
) -> Result<(Bytes, Descriptor), Error> {
    let mut doc = json!({
        "schemaVersion": 2,
        "mediaType": flavor.index_type(),
        "manifests": to_value(&entries)?,
    });
    if flavor == Flavor::Oci && !annotations.is_empty() {
        doc["annotations"] = to_value(annotations)?;
    }
    let bytes = to_bytes(&doc)?;
    let descriptor = describe(flavor.index_type(), &bytes);
    Ok((bytes, descriptor))
}

/// Puts a blob into `repo`: mounted from `from` when given and the registry can; when it
/// cannot, the blob goes into the upload session the registry opened instead (or, without
/// `from`, in one request).
pub async fn put_blob<S: Spec>(
    spec: &S,
    repo: &RepoName,
    from: Option<&RepoName>,
    descriptor: &Descriptor,
    content: &Bytes,
) -> Result<(), Error> {
    if let Some(from) = from {
        match spec.mount_blob(from, repo, &descriptor.digest).await? {
            Mount::Mounted => return Ok(()),
            Mount::Upload(mut writer) => {
                let written = async {
                    writer.write(content).await?;
                    writer.commit(&descriptor.digest).await
                }
                .await;
                if written.is_err() {
                    // The session is useless now; its failure to cancel adds nothing.
                    let _ = writer.cancel().await;
                }
                return written.map(|_| ());
            }
        }
    }
    spec.push_blob(repo, descriptor, content.clone()).await?;
    Ok(())
}

/// Pushes an image's blobs (mounting them from `from` when given) and its manifest with `tags`.
pub async fn push<S: Spec>(
    spec: &S,
    repo: &RepoName,
    from: Option<&RepoName>,
    image: &Image,
    tags: &[Tag],
) -> Result<Descriptor, Error> {
    put_blob(spec, repo, from, &image.config_descriptor, &image.config).await?;
    for layer in &image.layers {
        put_blob(spec, repo, from, &layer.descriptor, &layer.blob).await?;
    }
    let pushed = spec
        .push_manifest(
            repo,
            &image.descriptor.media_type,
            image.manifest.clone(),
            tags,
        )
        .await?;
    if pushed.digest != image.descriptor.digest {
        return Err(Error::other(
            ErrorKind::Protocol,
            format!(
                "registry stored the manifest as {}, expected {}",
                pushed.digest, image.descriptor.digest
            ),
        ));
    }
    Ok(image.descriptor.clone())
}
