//! The JavaScript shapes of ociscope's data, declared once here: `tsify` writes the TypeScript
//! interfaces from these types, and values cross the boundary as these types through
//! `serde-wasm-bindgen` (plain objects, camelCase). Each type converts from its core
//! counterpart, so the core stays the one definition of what a descriptor or manifest is;
//! these only say how JavaScript sees them. Unknown JSON fields of a descriptor are not carried
//! over (the manifest's bytes keep everything).
//!
//! Why a mirror rather than `#[derive(Tsify)]` on the core types behind an optional feature of
//! ociscope-core (weighed for the issue): the core `Descriptor` keeps unknown fields in a
//! `#[serde(flatten)] extra` map and deserializes through `try_from`, so tsify would declare it
//! `{…} & Record<string, any>`, and every misspelt field (`d.sise`) would type-check as `any`,
//! which is what the strict declarations exist to catch; `Digest` and the manifest kinds would
//! need hand-written type overrides anyway; and the views JavaScript gets (`ParsedManifest`
//! with `kind` and `children`, `CopyProgress`) are not core types at all. A feature would also
//! be switched on for the whole workspace whenever ociscope-js is built with it (cargo feature
//! unification), compiling tsify and wasm-bindgen into every native build of the core. Only
//! `Platform` would map one to one; the mirror keeps it beside `Descriptor` for one rule.

use std::collections::BTreeMap;

use ociscope_core::manifest::{Child, ChildRole};
use ociscope_core::spec::PingInfo as CorePing;
use ociscope_core::{
    Descriptor as CoreDescriptor, Manifest, ManifestKind, Platform as CorePlatform,
};
use serde::{Deserialize, Serialize};
use tsify::Tsify;
use wasm_bindgen::JsValue;

/// The JavaScript field names of an options object (unknown ones are refused).
pub trait Fields {
    /// Every field the type reads.
    const FIELDS: &'static [&'static str];
}

macro_rules! fields {
    ($t:ty: $($f:literal),*) => {
        impl Fields for $t {
            const FIELDS: &'static [&'static str] = &[$($f),*];
        }
    };
}

fields!(ParseReferenceOptions: "normalize");
fields!(Credentials: "username", "password", "token", "fetch");
fields!(PageOptions: "pageSize");
fields!(ReferrersOptions: "artifactType", "pageSize");
fields!(PushBlobOptions: "onProgress", "signal", "chunkSize", "resume", "retries", "digest");
fields!(StartUploadOptions: "chunkSize");
fields!(PushArtifactOptions: "artifactType", "annotations", "subject", "tags", "chunkSize", "onProgress", "signal");
fields!(ResumeUploadOptions: "offset", "chunkSize");
fields!(CopyImageOptions: "referrers", "tags", "platforms", "sameRegistry", "onProgress");

/// A platform an image runs on (OCI image index `platform`).
#[derive(Clone, Debug, Serialize, Deserialize, Tsify)]
pub struct Platform {
    /// CPU architecture (`amd64`, `arm64`, …).
    pub architecture: String,
    /// Operating system (`linux`, `windows`, …).
    pub os: String,
    /// Operating system version (Windows builds).
    #[serde(
        rename = "os.version",
        skip_serializing_if = "Option::is_none",
        default
    )]
    #[tsify(optional)]
    pub os_version: Option<String>,
    /// Required operating system features.
    #[serde(rename = "os.features", skip_serializing_if = "Vec::is_empty", default)]
    #[tsify(optional)]
    pub os_features: Vec<String>,
    /// CPU variant (`v7`, `v8`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[tsify(optional)]
    pub variant: Option<String>,
    /// Required CPU features.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    #[tsify(optional)]
    pub features: Vec<String>,
}

impl From<&CorePlatform> for Platform {
    fn from(p: &CorePlatform) -> Self {
        Platform {
            architecture: p.architecture.clone(),
            os: p.os.clone(),
            os_version: p.os_version.clone(),
            os_features: p.os_features.clone(),
            variant: p.variant.clone(),
            features: p.features.clone(),
        }
    }
}

/// A content descriptor: what a manifest or blob is, its digest and size.
#[derive(Clone, Debug, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// Media type of the content.
    pub media_type: String,
    /// Artifact type of an artifact manifest (index entries and referrers).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[tsify(optional)]
    pub artifact_type: Option<String>,
    /// Digest of the content (`sha256:…`).
    pub digest: String,
    /// Size of the content in bytes.
    pub size: u64,
    /// Where else the content can be fetched from.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    #[tsify(optional)]
    pub urls: Vec<String>,
    /// Annotations.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    #[tsify(optional, type = "Record<string, string>")]
    pub annotations: BTreeMap<String, String>,
    /// The content itself, base64, when embedded.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[tsify(optional)]
    pub data: Option<String>,
    /// The platform of an index entry.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[tsify(optional)]
    pub platform: Option<Platform>,
}

impl From<&CoreDescriptor> for Descriptor {
    fn from(d: &CoreDescriptor) -> Self {
        Descriptor {
            media_type: d.media_type.clone(),
            artifact_type: d.artifact_type.clone(),
            digest: d.digest.to_string(),
            size: d.size,
            urls: d.urls.clone(),
            annotations: d.annotations.clone(),
            data: d.data.clone(),
            platform: d.platform.as_ref().map(Platform::from),
        }
    }
}

/// A reference parsed: `domain/path:tag@digest`, with its canonical and familiar strings.
#[derive(Clone, Debug, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ParsedReference {
    /// The registry host (and port), when the reference names one (always when normalized).
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The repository path inside the registry (`library/ubuntu`).
    pub path: String,
    /// The tag, if any.
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// The digest, if any.
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// The full string (`docker.io/library/ubuntu:22.04` when normalized).
    pub canonical: String,
    /// The short string Docker shows (`ubuntu:22.04`).
    pub familiar: String,
}

/// What a registry's `/v2/` answer tells.
#[derive(Clone, Debug, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct PingInfo {
    /// `Docker-Distribution-API-Version`, when sent.
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Whether the referrers API answered, once known.
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referrers_api: Option<bool>,
    /// `OCI-Chunk-Min-Length`, once an upload announced it.
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chunk_min_length: Option<u64>,
}

impl From<CorePing> for PingInfo {
    fn from(p: CorePing) -> Self {
        PingInfo {
            api_version: p.api_version,
            referrers_api: p.referrers_api,
            chunk_min_length: p.chunk_min_length,
        }
    }
}

/// The format of a manifest.
#[derive(Clone, Copy, Debug, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum ManifestKindName {
    /// OCI image manifest.
    OciManifest,
    /// OCI image index.
    OciIndex,
    /// Docker image manifest schema 2.
    DockerV2,
    /// Docker manifest list.
    DockerManifestList,
    /// Docker schema 1 with signatures.
    DockerV1Signed,
    /// Docker schema 1 without signatures.
    DockerV1,
}

impl From<ManifestKind> for ManifestKindName {
    fn from(k: ManifestKind) -> Self {
        match k {
            ManifestKind::OciManifest => ManifestKindName::OciManifest,
            ManifestKind::OciIndex => ManifestKindName::OciIndex,
            ManifestKind::DockerV2 => ManifestKindName::DockerV2,
            ManifestKind::DockerManifestList => ManifestKindName::DockerManifestList,
            ManifestKind::DockerV1Signed => ManifestKindName::DockerV1Signed,
            ManifestKind::DockerV1 => ManifestKindName::DockerV1,
        }
    }
}

/// What a child descriptor is to its manifest.
#[derive(Clone, Copy, Debug, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum ManifestChildRole {
    /// The image configuration.
    Config,
    /// A layer.
    Layer,
    /// A manifest an index lists.
    Manifest,
    /// The manifest this one refers to (`subject`).
    Subject,
}

/// A descriptor a manifest points at, with its role.
#[derive(Clone, Debug, Serialize, Tsify)]
pub struct ManifestChild {
    /// What it is to the manifest.
    pub role: ManifestChildRole,
    /// The descriptor.
    pub descriptor: Descriptor,
}

impl From<&Child<'_>> for ManifestChild {
    fn from(c: &Child<'_>) -> Self {
        ManifestChild {
            role: match c.role {
                ChildRole::Config => ManifestChildRole::Config,
                ChildRole::Layer => ManifestChildRole::Layer,
                ChildRole::Manifest => ManifestChildRole::Manifest,
                ChildRole::Subject => ManifestChildRole::Subject,
            },
            descriptor: c.descriptor.into(),
        }
    }
}

/// A manifest parsed: its kind, digest, and what it points at.
#[derive(Clone, Debug, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ParsedManifest {
    /// The format.
    pub kind: ManifestKindName,
    /// The canonical media type of the format.
    pub media_type: String,
    /// Digest of the exact bytes (of the payload for signed schema 1).
    pub digest: String,
    /// Size in bytes.
    pub size: u64,
    /// Artifact type (the field, or the config's media type of an artifact image).
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// The config of an image manifest.
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<Descriptor>,
    /// The layers of an image manifest (empty for an index).
    pub layers: Vec<Descriptor>,
    /// The manifests of an index (empty for an image).
    pub manifests: Vec<Descriptor>,
    /// The manifest this one refers to.
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    /// Annotations of the manifest.
    #[tsify(type = "Record<string, string>")]
    pub annotations: BTreeMap<String, String>,
    /// Every descriptor it points at (config, layers, manifests, subject), in that order.
    pub children: Vec<ManifestChild>,
}

impl From<&Manifest> for ParsedManifest {
    fn from(m: &Manifest) -> Self {
        ParsedManifest {
            kind: m.kind().into(),
            media_type: m.media_type().to_string(),
            digest: m.digest().to_string(),
            size: m.size(),
            artifact_type: m.artifact_type().map(str::to_string),
            config: m.config().map(Descriptor::from),
            layers: m.layers().iter().map(Descriptor::from).collect(),
            manifests: m.manifests().iter().map(Descriptor::from).collect(),
            subject: m.subject().map(Descriptor::from),
            annotations: m.annotations().clone(),
            children: m.children().iter().map(ManifestChild::from).collect(),
        }
    }
}

/// Options of `parseReference`.
#[derive(Clone, Debug, Default, Deserialize, Tsify)]
#[serde(default)]
pub struct ParseReferenceOptions {
    /// Docker Hub rules: `ubuntu` is `docker.io/library/ubuntu` (default false: strict).
    #[tsify(optional)]
    pub normalize: bool,
}

/// How a client proves itself, as JavaScript passes it: `{username, password}`, `{token}` or
/// `{}`, each optionally with `fetch` (the TypeScript union is written by hand below, since the
/// three shapes exclude each other; unknown fields are refused).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Credentials {
    /// The user name (with `password`).
    pub username: Option<String>,
    /// The password (with `username`).
    pub password: Option<String>,
    /// A ready bearer token (alone).
    pub token: Option<String>,
    /// A function to send requests with instead of the global `fetch`.
    #[serde(with = "serde_wasm_bindgen::preserve", default)]
    pub fetch: JsValue,
}

#[wasm_bindgen::prelude::wasm_bindgen(typescript_custom_section)]
const CREDENTIALS_TS: &str = r#"
/** How a client proves itself: user name and password, a bearer token, or nothing (`{}`). */
export type Credentials =
  | { username: string; password: string; token?: never }
  | { token: string; username?: never; password?: never }
  | { username?: never; password?: never; token?: never };

/**
 * What `Registry.connect` takes: credentials, and optionally a function to send every request
 * with instead of the global `fetch` (a wrapper that adds headers, counts or logs; a `fetch` of
 * another library). It is called with one `Request` and returns a `Response` or its promise.
 */
export type ConnectOptions = Credentials & { fetch?: (request: Request) => Response | Promise<Response> };
"#;

/// Options of a listing.
#[derive(Clone, Debug, Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", default)]
pub struct PageOptions {
    /// Items asked for per request (the registry may send fewer).
    #[tsify(optional)]
    pub page_size: Option<usize>,
}

/// Options of `referrers`.
#[derive(Clone, Debug, Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", default)]
pub struct ReferrersOptions {
    /// Only referrers of this artifact type.
    #[tsify(optional)]
    pub artifact_type: Option<String>,
    /// Items asked for per request.
    #[tsify(optional)]
    pub page_size: Option<usize>,
}

/// Progress of a blob upload.
#[derive(Clone, Debug, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct UploadProgress {
    /// Bytes handed to the upload so far.
    pub bytes: u64,
    /// Bytes of the whole blob (unknown for a stream).
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

/// Options of `pushBlob`.
#[derive(Clone, Debug, Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", default)]
pub struct PushBlobOptions {
    /// Called as bytes are handed to the upload.
    #[tsify(optional, type = "(progress: UploadProgress) => void")]
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub on_progress: JsValue,
    /// Stops the upload (its promise rejects with the signal's reason: a `DOMException` named
    /// `AbortError`).
    #[tsify(optional, type = "AbortSignal")]
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub signal: JsValue,
    /// Upload chunk size hint in bytes (raised to the registry's minimum; default 5 MiB).
    #[tsify(optional)]
    pub chunk_size: Option<usize>,
    /// Continue this interrupted upload (an OciError's `detail.resume`) instead of starting one.
    #[tsify(optional)]
    pub resume: Option<ResumableUpload>,
    /// Times a transient failure is resumed automatically (default 3; `Uint8Array` and `Blob`).
    #[tsify(optional)]
    pub retries: Option<u32>,
    /// The digest a `ReadableStream`'s bytes must have (sha256 or sha512; computed on the way
    /// when not given); refused for a `Uint8Array` or `Blob`, whose sha256 is computed.
    #[tsify(optional)]
    pub digest: Option<String>,
}

/// Options of `startUpload`.
#[derive(Clone, Debug, Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", default)]
pub struct StartUploadOptions {
    /// Chunk size hint in bytes (raised to the registry's minimum; default 5 MiB).
    #[tsify(optional)]
    pub chunk_size: Option<usize>,
}

/// Options of `resumeUpload`.
#[derive(Clone, Debug, Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", default)]
pub struct ResumeUploadOptions {
    /// Where the upload must stand (a `close()`'s `offset`); without it, the registry is asked.
    #[tsify(optional)]
    pub offset: Option<u64>,
    /// Chunk size hint in bytes (raised to the registry's minimum; default 5 MiB).
    #[tsify(optional)]
    pub chunk_size: Option<usize>,
}

/// Where an interrupted upload stands: keep it to resume later (`pushBlob`'s `resume`).
#[derive(Clone, Debug, Serialize, Deserialize, Tsify)]
pub struct ResumableUpload {
    /// The registry's upload id.
    pub id: String,
    /// Bytes the registry holds.
    pub offset: u64,
}

/// The `detail` of an OciError from an interrupted `pushBlob`.
#[derive(Clone, Debug, Serialize, Tsify)]
pub struct UploadInterruptedDetail {
    /// Where to resume, when the registry kept the upload.
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resume: Option<ResumableUpload>,
}

/// Options of `copyImage`.
#[derive(Clone, Debug, Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", default)]
pub struct CopyImageOptions {
    /// Copy the referrers (signatures, SBOMs, …) of everything copied.
    #[tsify(optional)]
    pub referrers: bool,
    /// Tags to point at the copy, pushed last.
    #[tsify(optional)]
    pub tags: Vec<String>,
    /// Only these platforms of an index (`linux/amd64`, …); the index itself is not pushed.
    #[tsify(optional)]
    pub platforms: Vec<String>,
    /// Both are the same registry: blobs are mounted across repositories.
    #[tsify(optional)]
    pub same_registry: bool,
    /// Called for each step of the copy.
    #[tsify(optional, type = "(progress: CopyProgress) => void")]
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub on_progress: JsValue,
}

/// What a copy item is.
#[derive(Clone, Copy, Debug, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum CopyRole {
    /// A blob (config, layer).
    Blob,
    /// A manifest an index lists.
    Manifest,
    /// A manifest whose subject is copied.
    Referrer,
    /// What the copy is of.
    Root,
}

/// One item of a copy.
#[derive(Clone, Debug, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct CopyItem {
    /// A name for people (what it is, its digest, what it belongs to).
    pub name: String,
    /// What it is to the copy.
    pub role: CopyRole,
    /// Its descriptor.
    pub descriptor: Descriptor,
}

/// How an item got to the destination.
#[derive(Clone, Copy, Debug, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum CopyTransfer {
    /// It was there already.
    Present,
    /// Mounted from another repository.
    Mounted,
    /// Pushed in one request.
    Pushed,
    /// Streamed in chunks.
    Streamed,
    /// A non-distributable layer, not copied.
    Foreign,
}

/// What happened in a copy.
#[derive(Clone, Copy, Debug, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum CopyEventName {
    /// The plan is known; totals are set.
    Planned,
    /// An item started.
    Start,
    /// Bytes of an item were sent.
    Bytes,
    /// An item arrived.
    Finish,
    /// An item was there already.
    Skip,
    /// An item failed transiently and is tried again.
    Retry,
    /// An item failed.
    Failed,
    /// A tag was pushed.
    Tagged,
    /// Everything is done.
    Done,
}

/// A progress report of `copyImage`.
#[derive(Clone, Debug, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct CopyProgress {
    /// What happened.
    pub event: CopyEventName,
    /// The item it happened to.
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<CopyItem>,
    /// Bytes of the item sent so far (`bytes`).
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_bytes: Option<u64>,
    /// How the item arrived (`finish`).
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transfer: Option<CopyTransfer>,
    /// The tag pushed (`tagged`).
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Why it failed (`retry`, `failed`).
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Items finished or skipped.
    pub items_done: usize,
    /// Items in the plan.
    pub items_total: usize,
    /// Bytes sent or skipped.
    pub bytes_done: u64,
    /// Bytes of every item.
    pub bytes_total: u64,
}

/// What a copy did.
#[derive(Clone, Debug, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct CopyReport {
    /// The manifests pushed at the top (what the tags point at).
    pub roots: Vec<Descriptor>,
    /// Tags pushed.
    pub tags: Vec<String>,
    /// Items sent (pushed, streamed or mounted).
    pub copied: usize,
    /// Items of those that were mounted.
    pub mounted: usize,
    /// Items found at the destination.
    pub present: usize,
    /// Bytes of the items sent.
    pub bytes_copied: u64,
    /// Attempts that failed transiently and were made again.
    pub retried: usize,
}

/// Options of `pushArtifact`.
#[derive(Clone, Debug, Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", default)]
pub struct PushArtifactOptions {
    /// The artifactType (default `application/vnd.unknown.artifact.v1`, as `oras push`).
    #[tsify(optional)]
    pub artifact_type: Option<String>,
    /// Annotations of the artifact manifest.
    #[tsify(optional, type = "Record<string, string>")]
    pub annotations: BTreeMap<String, String>,
    /// The manifest the artifact refers to (it becomes one of its referrers).
    #[tsify(optional)]
    pub subject: Option<Descriptor>,
    /// Tags for the artifact; none: pushed by digest only.
    #[tsify(optional)]
    pub tags: Vec<String>,
    /// Upload chunk size hint in bytes for large files (default 5 MiB).
    #[tsify(optional)]
    pub chunk_size: Option<usize>,
    /// Called as bytes of the files are uploaded (`total` over every file).
    #[tsify(optional, type = "(progress: UploadProgress) => void")]
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub on_progress: JsValue,
    /// Stops the uploads (the promise rejects with the signal's reason).
    #[tsify(optional, type = "AbortSignal")]
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub signal: JsValue,
}

#[wasm_bindgen::prelude::wasm_bindgen(typescript_custom_section)]
const ARTIFACT_FILE_TS: &str = r#"
/** A file of `pushArtifact` that is not a `File`: its name (the layer's title), bytes and type. */
export interface ArtifactFile {
  /** Stored as `org.opencontainers.image.title`; unique and non-empty. */
  name: string;
  /** The bytes. */
  data: Uint8Array | Blob;
  /** The layer's media type (default `application/octet-stream`). */
  mediaType?: string;
}
"#;

/// What `pushArtifact` pushed.
#[derive(Clone, Debug, Serialize, Tsify)]
pub struct PushedArtifact {
    /// The artifact manifest.
    pub manifest: Descriptor,
    /// One layer per file, in order (with its title annotation).
    pub layers: Vec<Descriptor>,
}

/// The descriptors a manifest document references, by role (`manifestChildren`).
#[derive(Clone, Debug, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ManifestChildren {
    /// The kind, when the document parsed as one ociscope knows; absent when read leniently.
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<ManifestKindName>,
    /// The config blob.
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<Descriptor>,
    /// Layer blobs, base first.
    pub layers: Vec<Descriptor>,
    /// Manifests an index lists.
    pub manifests: Vec<Descriptor>,
    /// Blobs of other shapes (the `blobs` of the withdrawn OCI artifact manifest).
    pub blobs: Vec<Descriptor>,
    /// Docker schema 1 blob sums (digests without a size).
    pub fs_layers: Vec<String>,
    /// The manifest this one refers to (not content it needs).
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    /// Entries of those fields that were not descriptors (lenient reading only).
    pub skipped: usize,
}
