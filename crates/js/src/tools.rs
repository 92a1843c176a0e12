//! The tools of `ociscope-tools` besides the copy (`copy.rs`): upload files as an artifact
//! (`Registry.pushArtifact`), synthesize an index (`Registry.synthesizeIndex`), the children of
//! any manifest document (`manifestChildren`) and manifest kind detection
//! (`detectManifestKind`).
//!
//! Rules:
//! - `pushArtifact` takes `File`s (name and type from the file) or `{ name, data, mediaType? }`
//!   with `data` a `Uint8Array` or `Blob`; each is uploaded as `pushBlob` would (chunked,
//!   hashed on the way), then one OCI artifact manifest names them in order (the shape
//!   `oras push` makes; see `ociscope_tools::artifact`). An abort rejects with the signal's
//!   reason; an interrupted file upload with `detail.resume` of that file.
//! - `synthesizeIndex` reads, never pushes: the caller pushes the bytes it returns where it
//!   wants (`pushManifest`). Entries are annotated with where they are, under this registry's
//!   address without its scheme (`127.0.0.1:5000/repo:tag@sha256:…`).
//! - `manifestChildren` never throws for a JSON object (unknown kinds are read leniently); only
//!   bytes that are not a JSON object are `MANIFEST_INVALID`.

use std::cell::Cell;

use js_sys::{Array, Promise, Reflect, Uint8Array};
use ociscope_core::manifest::{detect, requested_kind};
use ociscope_core::spec::Tag;
use ociscope_core::{Descriptor as CoreDescriptor, Manifest, Platform as CorePlatform};
use ociscope_fetch::BlobSource;
use ociscope_tools::artifact::{push_artifact, ArtifactOptions, FileEntry};
use ociscope_tools::children::children;
use ociscope_tools::lookup::Location;
use ociscope_tools::synthesize::synthesize_index;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;

use crate::digest::parse_digest;
use crate::error::{from_error, invalid, oci_error, to_js, IntoJs};
use crate::registry::{
    interrupted, manifest_ref, repo_name, report, Registry, Sliceable, UploadSource,
};
use crate::types::{
    Descriptor, ManifestChildren, ManifestKindName, ParsedManifest, PushArtifactOptions,
    PushedArtifact, UploadProgress,
};

/// One file of `pushArtifact`, read from JavaScript.
struct ArtifactFile {
    name: String,
    media_type: Option<String>,
    data: Sliceable,
}

/// Reads `pushArtifact`'s files: `File`s, or `{ name, data, mediaType? }` objects.
fn artifact_files(files: &JsValue) -> Result<Vec<ArtifactFile>, JsValue> {
    if !Array::is_array(files) {
        return Err(invalid("pushArtifact: files must be an array"));
    }
    let mut out = Vec::new();
    for (i, f) in Array::from(files).iter().enumerate() {
        if let Some(file) = f.dyn_ref::<web_sys::File>() {
            let media_type = Some(file.type_()).filter(|t| !t.is_empty());
            out.push(ArtifactFile {
                name: file.name(),
                media_type,
                data: Sliceable::Blob(BlobSource::new(file.clone().into())),
            });
            continue;
        }
        let Some(entry) = f.dyn_ref::<js_sys::Object>() else {
            return Err(invalid(format!(
                "pushArtifact: file {i} is neither a File nor {{ name, data, mediaType? }}"
            )));
        };
        crate::known_fields(entry, &["name", "data", "mediaType"], "pushArtifact file")?;
        let field = |k: &str| Reflect::get(entry, &k.into()).unwrap_or_default();
        let Some(name) = field("name").as_string() else {
            return Err(invalid(format!("pushArtifact: file {i} has no name")));
        };
        let media_type = match field("mediaType") {
            v if v.is_undefined() => None,
            v => Some(v.as_string().ok_or_else(|| {
                invalid(format!(
                    "pushArtifact: file {name:?}: mediaType is not a string"
                ))
            })?),
        };
        let Some(data) = Sliceable::of(&field("data")) else {
            return Err(invalid(format!(
                "pushArtifact: file {name:?}: data must be a Uint8Array or a Blob"
            )));
        };
        out.push(ArtifactFile {
            name,
            media_type,
            data,
        });
    }
    Ok(out)
}

/// A descriptor from JavaScript as the core's (`DIGEST_INVALID` for a malformed digest).
fn core_descriptor(d: &Descriptor) -> Result<CoreDescriptor, JsValue> {
    let mut out = CoreDescriptor::new(d.media_type.clone(), parse_digest(&d.digest)?, d.size);
    out.artifact_type = d.artifact_type.clone();
    out.urls = d.urls.clone();
    out.annotations = d.annotations.clone();
    out.data = d.data.clone();
    out.platform = d.platform.as_ref().map(|p| {
        let mut c = CorePlatform::new(&p.os, &p.architecture);
        c.os_version = p.os_version.clone();
        c.os_features = p.os_features.clone();
        c.variant = p.variant.clone();
        c.features = p.features.clone();
        c
    });
    Ok(out)
}

#[wasm_bindgen]
impl Registry {
    /// Uploads `files` into `repo` and pushes one OCI artifact manifest naming them (as
    /// `oras push`), optionally tagged and attached to a `subject` as a referrer.
    #[wasm_bindgen(js_name = pushArtifact, unchecked_return_type = "Promise<PushedArtifact>")]
    pub fn push_artifact(
        &self,
        repo: &str,
        #[wasm_bindgen(unchecked_param_type = "Array<File | ArtifactFile>")] files: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "PushArtifactOptions")] options: Option<
            js_sys::Object,
        >,
    ) -> Result<Promise, JsValue> {
        let repo = repo_name(repo)?;
        let files = artifact_files(&files)?;
        let options: PushArtifactOptions = crate::options(options, "pushArtifact options")?;
        let signal = crate::registry::signal_of(&options.signal, "pushArtifact")?;
        let client = self.client_for(signal.as_ref())?;
        let artifact = ArtifactOptions {
            artifact_type: options.artifact_type,
            annotations: options.annotations,
            subject: options.subject.as_ref().map(core_descriptor).transpose()?,
            tags: Tag::all(options.tags).js()?,
            chunk_size: options.chunk_size,
        };
        let on_progress = options.on_progress;
        Ok(future_to_promise(async move {
            let entries: Vec<FileEntry<UploadSource<'_>>> = files
                .iter()
                .map(|f| FileEntry {
                    name: f.name.clone(),
                    media_type: f.media_type.clone(),
                    source: UploadSource {
                        input: &f.data,
                        signal: signal.as_ref(),
                    },
                })
                .collect();
            let cancel = Cell::new(signal.as_ref().is_some_and(|s| s.aborted()));
            let progress = |bytes: u64, total: u64| {
                if let Ok(p) = to_js(&UploadProgress {
                    bytes,
                    total: Some(total),
                }) {
                    report(&on_progress, &p);
                }
                if signal.as_ref().is_some_and(|s| s.aborted()) {
                    cancel.set(true);
                }
            };
            let pushed = push_artifact(&client, &repo, &entries, &artifact, &progress, &cancel)
                .await
                .map_err(|e| interrupted(&e, signal.as_ref()))?;
            to_js(&PushedArtifact {
                manifest: Descriptor::from(&pushed.manifest),
                layers: pushed.layers.iter().map(Descriptor::from).collect(),
            })
        }))
    }

    /// The index of what `reference` (tag or digest) of `repo` points at: an index as it is,
    /// a single image as a one-entry index, every entry with its platform and where it is
    /// (docker-library's SynthesizeIndex). Nothing is pushed.
    #[wasm_bindgen(js_name = synthesizeIndex, unchecked_return_type = "Promise<FetchedManifest>")]
    pub fn synthesize_index(&self, repo: &str, reference: &str) -> Result<Promise, JsValue> {
        let (repo, reference) = (repo_name(repo)?, manifest_ref(reference)?);
        let mut location = Location::new(repo, reference);
        let base = self.client().registry().base();
        location.domain = base.split_once("://").map(|(_, rest)| {
            rest.trim_end_matches('/')
                .trim_end_matches("/v2")
                .to_string()
        });
        let client = self.client().clone();
        Ok(future_to_promise(async move {
            let made = synthesize_index(&client, &location).await.js()?;
            let manifest = Manifest::parse(&made.content, Some(&made.descriptor.media_type))
                .map_err(|e| from_error(&e.into()))?;
            let out = js_sys::Object::new();
            Reflect::set(&out, &"bytes".into(), &Uint8Array::from(&made.content[..]))?;
            Reflect::set(
                &out,
                &"descriptor".into(),
                &to_js(&Descriptor::from(&made.descriptor))?,
            )?;
            Reflect::set(
                &out,
                &"manifest".into(),
                &to_js(&ParsedManifest::from(&manifest))?,
            )?;
            Ok(out.into())
        }))
    }
}

/// The descriptors any manifest document references (also kinds ociscope does not parse, read
/// leniently): config, layers, manifests, other blobs, schema 1 blob sums, subject.
/// `MANIFEST_INVALID` only for bytes that are not a JSON object.
#[wasm_bindgen(js_name = manifestChildren, unchecked_return_type = "ManifestChildren")]
pub fn manifest_children(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] bytes: &[u8],
    #[wasm_bindgen(js_name = "mediaType", unchecked_optional_param_type = "string")]
    media_type: Option<String>,
) -> Result<JsValue, JsValue> {
    let c = children(bytes, media_type.as_deref())
        .map_err(|e| oci_error("MANIFEST_INVALID", None, &e.to_string(), JsValue::UNDEFINED))?;
    to_js(&ManifestChildren {
        kind: c.kind.map(ManifestKindName::from),
        config: c.config.as_ref().map(Descriptor::from),
        layers: c.layers.iter().map(Descriptor::from).collect(),
        manifests: c.manifests.iter().map(Descriptor::from).collect(),
        blobs: c.blobs.iter().map(Descriptor::from).collect(),
        fs_layers: c.fs_layers.iter().map(|d| d.to_string()).collect(),
        subject: c.subject.as_ref().map(Descriptor::from),
        skipped: c.skipped,
    })
}

/// The kind of a manifest: the one its media type names, else (no media type, a generic one
/// such as `application/json`, or one that is not a manifest's) the one its bytes look like,
/// without validating them; `undefined` when neither tells.
#[wasm_bindgen(
    js_name = detectManifestKind,
    unchecked_return_type = "ManifestKindName | undefined"
)]
pub fn detect_manifest_kind(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] bytes: &[u8],
    #[wasm_bindgen(js_name = "mediaType", unchecked_optional_param_type = "string")]
    media_type: Option<String>,
) -> Result<JsValue, JsValue> {
    let named = requested_kind(media_type.as_deref()).ok().flatten();
    match named.or_else(|| detect(bytes)) {
        Some(kind) => to_js(&ManifestKindName::from(kind)),
        None => Ok(JsValue::UNDEFINED),
    }
}
