//! Uploading a local file to a registry: its bytes as a blob, sent in chunks through a
//! resumable [`BlobWriter`], then an OCI artifact manifest (the shape `oras push` makes) that
//! names the file and is tagged.
//!
//! Decisions:
//! - The digest is computed while the bytes go out, so a file is read once. Resuming re-reads
//!   (locally, no network) the part the registry already holds to rebuild the digest state.
//! - A failed chunk has already been retried by the client; what still fails closes the writer
//!   without aborting it, so the person can resume from where the registry stands.
//! - The artifact uses the OCI empty config, artifactType `application/vnd.unknown.artifact.v1`
//!   (oras's default for files), the file's media type (or `application/octet-stream`) for
//!   its layer, and `org.opencontainers.image.title` = the file name, so `oras pull` restores it.

use std::cell::Cell;

use bytes::Bytes;
use ociscope_core::digest::{Algorithm, Digester};
use ociscope_core::spec::{BlobWriter, Error, ErrorKind, RepoName, Resumable, ResumeAt, Spec, Tag};
use ociscope_core::{media_type, Descriptor};
use serde_json::json;

/// Chunk size asked of the registry (raised to its minimum): 5 MiB, the S3 multipart minimum
/// many registries' storage needs anyway.
pub const CHUNK_SIZE: usize = 5 * 1024 * 1024;

/// The artifactType of uploaded files (as `oras push` names files of no declared type).
pub const FILE_ARTIFACT_TYPE: &str = "application/vnd.unknown.artifact.v1";

/// Where bytes come from: a browser `File`, or memory in tests.
#[allow(async_fn_in_trait)] // No Send bounds: wasm is single-threaded.
pub trait Source {
    /// The total size in bytes.
    fn len(&self) -> u64;
    /// True when there are no bytes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Bytes `start..end`.
    async fn read(&self, start: u64, end: u64) -> Result<Bytes, Error>;
}

/// In-memory bytes as a [`Source`].
impl Source for Bytes {
    fn len(&self) -> u64 {
        Bytes::len(self) as u64
    }

    async fn read(&self, start: u64, end: u64) -> Result<Bytes, Error> {
        Ok(self.slice(start as usize..end as usize))
    }
}

/// An upload that stopped before its commit.
#[derive(Debug, Clone)]
pub struct Interrupted {
    /// Why it stopped.
    pub error: Error,
    /// Where to resume from, when the registry kept the upload.
    pub resume: Option<Resumable>,
}

impl From<Error> for Interrupted {
    fn from(error: Error) -> Interrupted {
        Interrupted {
            error,
            resume: None,
        }
    }
}

/// Sends `source` to `repo` as one blob and returns its descriptor. `resume` continues an
/// interrupted upload where the registry says it stands; `progress` hears the bytes the registry has taken so far; setting
/// `cancel` stops at the next chunk and cancels the upload.
pub async fn upload_blob<S: Spec>(
    spec: &S,
    repo: &RepoName,
    source: &impl Source,
    resume: Option<&Resumable>,
    cancel: &Cell<bool>,
    progress: &mut impl FnMut(u64),
) -> Result<Descriptor, Interrupted> {
    let mut writer = match resume {
        Some(r) => {
            spec.resume_upload(repo, &r.id, ResumeAt::RegistryOffset, Some(CHUNK_SIZE))
                .await?
        }
        None => spec.start_upload(repo, Some(CHUNK_SIZE)).await?,
    };
    let total = source.len();
    let mut position = writer.size();
    if position > total {
        let _ = writer.cancel().await;
        return Err(Error::invalid(format!(
            "the registry holds {position} bytes of this upload, more than the file's {total}: \
             it is another file's upload; start again"
        ))
        .into());
    }
    let mut digester = Digester::new(Algorithm::Sha256);
    // Rebuild the digest state over what the registry already holds (local reads only).
    let mut hashed = 0;
    while hashed < position {
        let end = (hashed + CHUNK_SIZE as u64).min(position);
        digester.update(&source.read(hashed, end).await?);
        hashed = end;
    }
    progress(position);
    let step = writer.chunk_size().max(1) as u64;
    while position < total {
        if cancel.get() {
            let _ = writer.cancel().await;
            return Err(
                Error::other(ErrorKind::Aborted, "upload cancelled; nothing was kept").into(),
            );
        }
        let end = (position + step).min(total);
        let chunk = match source.read(position, end).await {
            Ok(c) => c,
            Err(error) => return Err(stop(&mut writer, error).await),
        };
        digester.update(&chunk);
        if let Err(error) = writer.write(&chunk).await {
            return Err(stop(&mut writer, error).await);
        }
        position = end;
        progress(position);
    }
    let digest = digester.finish();
    match writer.commit(&digest).await {
        Ok(d) => Ok(d),
        Err(error) => Err(stop(&mut writer, error).await),
    }
}

/// Closes `writer` after `error`, keeping the upload resumable where the registry allows.
async fn stop(writer: &mut impl BlobWriter, error: Error) -> Interrupted {
    Interrupted {
        error,
        resume: writer.close().await.ok(),
    }
}

/// Pushes the artifact manifest naming `file` (already in `repo`) as `file_name`, tagged `tag`.
pub async fn push_file_artifact<S: Spec>(
    spec: &S,
    repo: &RepoName,
    file: &Descriptor,
    file_name: &str,
    tag: &Tag,
) -> Result<Descriptor, Error> {
    let empty = Descriptor::new(
        media_type::OCI_EMPTY,
        ociscope_core::Digest::sha256_of(b"{}"),
        2,
    );
    spec.push_blob(repo, &empty, Bytes::from_static(b"{}"))
        .await?;
    let manifest = artifact_manifest(file, file_name, &empty);
    spec.push_manifest(
        repo,
        media_type::OCI_MANIFEST,
        Bytes::from(manifest.to_string()),
        std::slice::from_ref(tag),
    )
    .await
}

/// The artifact manifest for one file.
pub fn artifact_manifest(
    file: &Descriptor,
    file_name: &str,
    empty_config: &Descriptor,
) -> serde_json::Value {
    let mut layer = json!({
        "mediaType": file.media_type,
        "digest": file.digest.as_str(),
        "size": file.size,
        "annotations": {"org.opencontainers.image.title": file_name},
    });
    if file.media_type.is_empty() {
        layer["mediaType"] = json!("application/octet-stream");
    }
    json!({
        "schemaVersion": 2,
        "mediaType": media_type::OCI_MANIFEST,
        "artifactType": FILE_ARTIFACT_TYPE,
        "config": {
            "mediaType": empty_config.media_type,
            "digest": empty_config.digest.as_str(),
            "size": empty_config.size,
            "data": "e30=",
        },
        "layers": [layer],
    })
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use futures::executor::block_on;
    use ociscope_core::memory::{MemoryOptions, MemoryRegistry};
    use ociscope_core::spec::{BlobReader, ManifestRef};
    use ociscope_core::Digest;

    use super::*;

    fn repo(name: &str) -> RepoName {
        RepoName::new(name).unwrap()
    }

    fn file(len: usize) -> Bytes {
        (0..len).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn uploads_in_chunks_with_progress_then_tags_an_artifact() {
        block_on(async {
            let reg = MemoryRegistry::new();
            let data = file(CHUNK_SIZE * 2 + 1234);
            let mut seen = Vec::new();
            let d = upload_blob(
                &reg,
                &repo("up/files"),
                &data,
                None,
                &Cell::new(false),
                &mut |n| seen.push(n),
            )
            .await
            .unwrap();
            assert_eq!(d.digest, Digest::sha256_of(&data));
            assert_eq!(d.size, data.len() as u64);
            assert_eq!(seen.first(), Some(&0));
            assert_eq!(seen.last(), Some(&(data.len() as u64)));
            assert!(seen.len() >= 4, "{seen:?}");

            let file = Descriptor::new("text/plain", d.digest.clone(), d.size);
            let v1 = Tag::new("v1").unwrap();
            let m = push_file_artifact(&reg, &repo("up/files"), &file, "notes.txt", &v1)
                .await
                .unwrap();
            let got = reg
                .get_manifest(&repo("up/files"), &ManifestRef::Tag(v1))
                .await
                .unwrap();
            assert_eq!(got.descriptor.digest, m.digest);
            let v: serde_json::Value = serde_json::from_slice(&got.content).unwrap();
            assert_eq!(v["artifactType"], FILE_ARTIFACT_TYPE);
            assert_eq!(
                v["layers"][0]["annotations"]["org.opencontainers.image.title"],
                "notes.txt"
            );
            let back = reg
                .get_blob(&repo("up/files"), &d.digest)
                .await
                .unwrap()
                .read_to_end(u64::MAX)
                .await
                .unwrap();
            assert_eq!(back, data);
        });
    }

    /// A source that fails once past `fail_at`, like a file the person moved mid-upload.
    struct Flaky {
        data: Bytes,
        fail_at: u64,
        failed: Cell<bool>,
    }

    impl Source for Flaky {
        fn len(&self) -> u64 {
            self.data.len() as u64
        }
        async fn read(&self, start: u64, end: u64) -> Result<Bytes, Error> {
            if end > self.fail_at && !self.failed.replace(true) {
                return Err(Error::other(ErrorKind::Network, "read failed"));
            }
            Ok(self.data.slice(start as usize..end as usize))
        }
    }

    #[test]
    fn an_interrupted_upload_resumes_where_the_registry_stands() {
        block_on(async {
            let reg = MemoryRegistry::new();
            let data = file(CHUNK_SIZE * 3);
            let flaky = Flaky {
                data: data.clone(),
                fail_at: CHUNK_SIZE as u64 * 2 + 10,
                failed: Cell::new(false),
            };
            let stopped = upload_blob(
                &reg,
                &repo("up/r"),
                &flaky,
                None,
                &Cell::new(false),
                &mut |_| {},
            )
            .await
            .unwrap_err();
            let resume = stopped.resume.expect("the upload stays resumable");
            assert_eq!(resume.offset, CHUNK_SIZE as u64 * 2);
            let mut first = None;
            let d = upload_blob(
                &reg,
                &repo("up/r"),
                &flaky,
                Some(&resume),
                &Cell::new(false),
                &mut |n| {
                    first.get_or_insert(n);
                },
            )
            .await
            .unwrap();
            assert_eq!(first, Some(CHUNK_SIZE as u64 * 2), "resumed, not restarted");
            assert_eq!(d.digest, Digest::sha256_of(&data));
        });
    }

    #[test]
    fn cancel_stops_and_keeps_nothing_and_a_large_chunk_minimum_still_works() {
        block_on(async {
            let reg = MemoryRegistry::new();
            let data = file(CHUNK_SIZE * 2);
            let cancel = Cell::new(false);
            let e = upload_blob(&reg, &repo("up/c"), &data, None, &cancel, &mut |n| {
                if n > 0 {
                    cancel.set(true)
                }
            })
            .await
            .unwrap_err();
            assert_eq!(e.error.kind(), Some(ErrorKind::Aborted));
            assert!(e.resume.is_none());
            assert!(reg
                .stat_blob(&repo("up/c"), &Digest::sha256_of(&data))
                .await
                .is_err());
        });
        // A registry with a large chunk minimum still takes the file.
        block_on(async {
            let reg = MemoryRegistry::with_options(MemoryOptions {
                min_chunk_len: CHUNK_SIZE * 2,
                ..MemoryOptions::default()
            });
            let data = file(CHUNK_SIZE * 5 + 1);
            let d = upload_blob(
                &reg,
                &repo("up/min"),
                &data,
                None,
                &Cell::new(false),
                &mut |_| {},
            )
            .await
            .unwrap();
            assert_eq!(d.digest, Digest::sha256_of(&data));
        });
    }
}
