//! [`S3Driver`]: the driver interface over S3 or an S3-compatible object store, through
//! Apache Arrow's `object_store` crate (feature `s3`).
//!
//! How the driver's rules map onto objects:
//! - A path is an object key under the driver's prefix; folders are key prefixes (S3 has no
//!   folders), so `list` is a delimited listing and `delete` of a folder deletes every key
//!   under it.
//! - `put_content` is one `PUT` (atomic in S3: readers see the old object or the new one).
//! - `append` has no S3 equivalent, so an appended file is kept as *segments*: each append is
//!   one object `_segments/<path>/<offset, 20 digits>`, which survives a restart like the
//!   filesystem driver's upload data. `stat` and `read_at` see the segments as one file;
//!   `rename` of such a file (an upload's commit) writes the target with a multipart upload
//!   of the segments in order (5 MiB parts) and then deletes them. A plain object is renamed
//!   with a server-side copy and a delete.
//! - Times are the objects' `LastModified` (garbage collection's grace period uses them).
//! - `signed_url` is a SigV4 presigned GET of the object (object_store's `Signer`), valid for
//!   the duration asked; what the server's `--blob-redirect` answers blob GETs with.
//! - Folders are found by listing, never by a `HEAD` of the folder's own key: S3 answers such a
//!   HEAD 404, but S3-compatible servers over a filesystem (e.g. s3s-fs) answer 500 because the
//!   key is a directory there. `stat` reports a HEAD's failure only when the listing shows no
//!   folder either.

use std::ops::Range;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use futures::TryStreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::signer::Signer;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};

use crate::driver::{check_path, DriverError, FileInfo, StorageDriver};

/// The key prefix of appended files' segments.
const SEGMENTS: &str = "_segments";
/// Multipart part size when joining segments (S3's minimum for all but the last part).
const PART_SIZE: usize = 5 * 1024 * 1024;

/// A store in an S3 bucket (optionally under a key prefix).
#[derive(Clone, Debug)]
pub struct S3Driver {
    store: Arc<dyn ObjectStore>,
    /// The bucket itself (no prefix), for presigned URLs.
    signer: Arc<AmazonS3>,
    /// The key prefix of `store` (empty for none).
    prefix: String,
    description: String,
}

fn backend(path: &str, e: object_store::Error) -> DriverError {
    match e {
        object_store::Error::NotFound { .. } => DriverError::NotFound(path.to_string()),
        other => DriverError::Backend(format!("{path}: {other}")),
    }
}

fn key(path: &str) -> Result<Path, DriverError> {
    check_path(path)?;
    Path::parse(path).map_err(|_| DriverError::InvalidPath(path.to_string()))
}

fn segments_of(path: &str) -> Result<Path, DriverError> {
    check_path(path)?;
    Path::parse(format!("{SEGMENTS}/{path}"))
        .map_err(|_| DriverError::InvalidPath(path.to_string()))
}

/// One segment of an appended file: where it starts, its key and size.
struct Segment {
    offset: u64,
    location: Path,
    size: u64,
    modified: SystemTime,
}

impl S3Driver {
    /// Opens `s3://BUCKET[/PREFIX]`, with credentials, region and endpoint from the usual
    /// `AWS_*` environment variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_REGION`, `AWS_ENDPOINT` for an S3-compatible server, `AWS_ALLOW_HTTP=true` for
    /// plain HTTP).
    pub fn from_url(url: &str) -> Result<S3Driver, DriverError> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| DriverError::InvalidPath(format!("{url}: not an s3:// URL")))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        S3Driver::with_builder(builder, prefix, url)
    }

    /// A driver over the store `builder` describes, under `prefix` (may be empty).
    pub fn with_builder(
        builder: AmazonS3Builder,
        prefix: &str,
        description: &str,
    ) -> Result<S3Driver, DriverError> {
        let build = |b: AmazonS3Builder| {
            b.build()
                .map_err(|e| DriverError::Backend(format!("{description}: {e}")))
        };
        let s3 = Arc::new(build(builder.clone())?);
        let prefix = prefix.trim_matches('/');
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            s3.clone()
        } else {
            let p = Path::parse(prefix)
                .map_err(|_| DriverError::InvalidPath(format!("{description}: bad prefix")))?;
            Arc::new(PrefixStore::new(build(builder)?, p))
        };
        Ok(S3Driver {
            store,
            signer: s3,
            prefix: prefix.to_string(),
            description: description.to_string(),
        })
    }

    /// What the driver was opened on, e.g. `s3://bucket/prefix`.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The segments of an appended file, in order (none when it is not one).
    async fn segments(&self, path: &str) -> Result<Vec<Segment>, DriverError> {
        let prefix = segments_of(path)?;
        let listed = self
            .store
            .list_with_delimiter(Some(&prefix))
            .await
            .map_err(|e| backend(path, e))?;
        let mut out: Vec<Segment> = listed
            .objects
            .into_iter()
            .filter_map(|m| {
                let offset = m.location.filename()?.parse::<u64>().ok()?;
                Some(Segment {
                    offset,
                    size: m.size,
                    modified: m.last_modified.into(),
                    location: m.location,
                })
            })
            .collect();
        out.sort_by_key(|s| s.offset);
        Ok(out)
    }

    /// Deletes every key under `prefix`; returns how many.
    async fn delete_prefix(&self, path: &str, prefix: &Path) -> Result<usize, DriverError> {
        let keys: Vec<Path> = self
            .store
            .list(Some(prefix))
            .map_ok(|m| m.location)
            .try_collect()
            .await
            .map_err(|e| backend(path, e))?;
        for k in &keys {
            match self.store.delete(k).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(backend(path, e)),
            }
        }
        Ok(keys.len())
    }
}

impl StorageDriver for S3Driver {
    fn name(&self) -> &'static str {
        "s3"
    }

    async fn get_content(&self, path: &str) -> Result<Bytes, DriverError> {
        let k = key(path)?;
        match self.store.get(&k).await {
            Ok(r) => r.bytes().await.map_err(|e| backend(path, e)),
            Err(object_store::Error::NotFound { .. }) => {
                let info = self.stat(path).await?;
                let len = usize::try_from(info.size)
                    .map_err(|_| DriverError::Backend(format!("{path}: too large")))?;
                self.read_at(path, 0, len).await
            }
            Err(e) => Err(backend(path, e)),
        }
    }

    async fn put_content(&self, path: &str, content: Bytes) -> Result<(), DriverError> {
        let k = key(path)?;
        self.store
            .put(&k, PutPayload::from_bytes(content))
            .await
            .map(|_| ())
            .map_err(|e| backend(path, e))
    }

    async fn read_at(&self, path: &str, offset: u64, len: usize) -> Result<Bytes, DriverError> {
        let k = key(path)?;
        let wanted = offset..offset.saturating_add(len as u64);
        match self.store.head(&k).await {
            Ok(meta) => {
                let end = wanted.end.min(meta.size);
                if offset >= end {
                    return Ok(Bytes::new());
                }
                return self
                    .store
                    .get_range(&k, offset..end)
                    .await
                    .map_err(|e| backend(path, e));
            }
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(backend(path, e)),
        }
        let segments = self.segments(path).await?;
        if segments.is_empty() {
            return Err(DriverError::NotFound(path.to_string()));
        }
        let mut out = BytesMut::new();
        for s in &segments {
            let range: Range<u64> = s.offset..s.offset + s.size;
            let start = wanted.start.max(range.start);
            let end = wanted.end.min(range.end);
            if start < end {
                let part = self
                    .store
                    .get_range(&s.location, start - s.offset..end - s.offset)
                    .await
                    .map_err(|e| backend(path, e))?;
                out.extend_from_slice(&part);
            }
        }
        Ok(out.freeze())
    }

    async fn append(&self, path: &str, data: &[u8]) -> Result<u64, DriverError> {
        let size = match self.stat(path).await {
            Ok(info) => info.size,
            Err(e) if e.is_not_found() => 0,
            Err(e) => return Err(e),
        };
        if data.is_empty() {
            return Ok(size);
        }
        let segment = Path::parse(format!("{SEGMENTS}/{path}/{size:020}"))
            .map_err(|_| DriverError::InvalidPath(path.to_string()))?;
        self.store
            .put(&segment, PutPayload::from(Bytes::copy_from_slice(data)))
            .await
            .map_err(|e| backend(path, e))?;
        Ok(size + data.len() as u64)
    }

    async fn stat(&self, path: &str) -> Result<FileInfo, DriverError> {
        let k = key(path)?;
        let head_error = match self.store.head(&k).await {
            Ok(meta) => {
                return Ok(FileInfo {
                    size: meta.size,
                    modified: Some(meta.last_modified.into()),
                    is_dir: false,
                })
            }
            Err(object_store::Error::NotFound { .. }) => None,
            // Kept: reported unless the listing shows a folder (see the module doc).
            Err(e) => Some(backend(path, e)),
        };
        let segments = self.segments(path).await?;
        if let Some(last) = segments.last() {
            return Ok(FileInfo {
                size: last.offset + last.size,
                modified: segments.iter().map(|s| s.modified).max(),
                is_dir: false,
            });
        }
        let listed = self
            .store
            .list_with_delimiter(Some(&k))
            .await
            .map_err(|e| backend(path, e))?;
        if listed.objects.is_empty() && listed.common_prefixes.is_empty() {
            return Err(head_error.unwrap_or_else(|| DriverError::NotFound(path.to_string())));
        }
        Ok(FileInfo {
            size: 0,
            modified: None,
            is_dir: true,
        })
    }

    async fn list(&self, path: &str) -> Result<Vec<String>, DriverError> {
        let k = key(path)?;
        let mut names = Vec::new();
        for prefix in [k, segments_of(path)?] {
            let listed = self
                .store
                .list_with_delimiter(Some(&prefix))
                .await
                .map_err(|e| backend(path, e))?;
            names.extend(
                listed
                    .common_prefixes
                    .iter()
                    .chain(listed.objects.iter().map(|m| &m.location))
                    .filter_map(|p| p.filename().map(str::to_string)),
            );
        }
        // Segment objects themselves are named by offset: only their folders are files.
        names.retain(|n| !(n.len() == 20 && n.bytes().all(|b| b.is_ascii_digit())));
        if names.is_empty() {
            return Err(DriverError::NotFound(path.to_string()));
        }
        names.sort();
        names.dedup();
        Ok(names)
    }

    async fn rename(&self, from: &str, to: &str) -> Result<(), DriverError> {
        let source = key(from)?;
        let target = key(to)?;
        match self.store.rename(&source, &target).await {
            Ok(()) => return Ok(()),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(backend(from, e)),
        }
        let segments = self.segments(from).await?;
        if segments.is_empty() {
            return Err(DriverError::NotFound(from.to_string()));
        }
        let upload = self
            .store
            .put_multipart(&target)
            .await
            .map_err(|e| backend(to, e))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        for s in &segments {
            let part = self
                .store
                .get(&s.location)
                .await
                .map_err(|e| backend(from, e))?
                .bytes()
                .await
                .map_err(|e| backend(from, e))?;
            writer
                .wait_for_capacity(4)
                .await
                .map_err(|e| backend(to, e))?;
            writer.put(part);
        }
        writer.finish().await.map_err(|e| backend(to, e))?;
        self.delete_prefix(from, &segments_of(from)?).await?;
        Ok(())
    }

    async fn delete(&self, path: &str) -> Result<(), DriverError> {
        let k = key(path)?;
        // A folder (or an appended file) first: its keys are listed, so no HEAD is sent for a
        // folder's own key (see the module doc).
        let under = self.delete_prefix(path, &k).await?
            + self.delete_prefix(path, &segments_of(path)?).await?;
        if under > 0 {
            return Ok(());
        }
        // S3 answers a delete of a missing key with success: ask first, for NotFound.
        self.store.head(&k).await.map_err(|e| backend(path, e))?;
        match self.store.delete(&k).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(backend(path, e)),
        }
    }

    async fn signed_url(
        &self,
        path: &str,
        expires: Duration,
    ) -> Result<Option<String>, DriverError> {
        check_path(path)?;
        let full = if self.prefix.is_empty() {
            path.to_string()
        } else {
            format!("{}/{path}", self.prefix)
        };
        let location =
            Path::parse(&full).map_err(|_| DriverError::InvalidPath(path.to_string()))?;
        let url = self
            .signer
            .signed_url(object_store::signer::Method::GET, &location, expires)
            .await
            .map_err(|e| backend(path, e))?;
        Ok(Some(url.to_string()))
    }
}
