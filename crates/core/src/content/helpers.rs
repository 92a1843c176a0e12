//! containerd's content helpers: write a blob only when missing, copy a source into a writer
//! resuming at the writer's offset, read a whole small blob.

use bytes::{Bytes, BytesMut};

use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::spec::BlobReader;

use super::{Error, Info, Ingester, Labels, Provider, ReaderAt, Writer, WriterOptions};

/// Bytes read from a [`ReaderAt`] source at a time.
const COPY_CHUNK: usize = 1024 * 1024;

/// Copies a sequential source into `writer` and commits it as `expected` with `labels`.
///
/// When the writer already holds bytes (a resumed ingest), that many bytes of `source` are
/// read and dropped first (a sequential reader cannot seek; use [`copy_at`] to skip them);
/// the commit verifies the whole content. [`Error::AlreadyExists`] is passed on.
pub async fn copy<W: Writer, R: BlobReader>(
    writer: &mut W,
    source: &mut R,
    expected: &Descriptor,
    labels: Labels,
) -> Result<Info, Error> {
    let mut skip = writer.status().offset;
    if skip > expected.size {
        writer.truncate(0).await?;
        skip = 0;
    }
    while let Some(chunk) = source.next_chunk().await.map_err(Error::Source)? {
        let mut chunk: &[u8] = &chunk;
        if skip > 0 {
            let n = usize::try_from(skip).unwrap_or(usize::MAX).min(chunk.len());
            chunk = chunk.get(n..).unwrap_or_default();
            skip -= n as u64;
        }
        if !chunk.is_empty() {
            writer.write(chunk).await?;
        }
    }
    writer
        .commit(Some(expected.size), Some(&expected.digest), labels)
        .await
}

/// Copies a random-access source into `writer` from the writer's offset on, and commits it
/// as `expected` with `labels`. [`Error::AlreadyExists`] is passed on.
pub async fn copy_at<W: Writer, R: ReaderAt>(
    writer: &mut W,
    source: &R,
    expected: &Descriptor,
    labels: Labels,
) -> Result<Info, Error> {
    let mut offset = writer.status().offset;
    if offset > source.size() {
        writer.truncate(0).await?;
        offset = 0;
    }
    loop {
        let chunk = source.read_at(offset, COPY_CHUNK).await?;
        if chunk.is_empty() {
            break;
        }
        offset += chunk.len() as u64;
        writer.write(&chunk).await?;
    }
    writer
        .commit(Some(expected.size), Some(&expected.digest), labels)
        .await
}

/// Writes `expected` from a sequential source unless the store has it: `Ok(true)` when
/// written, `Ok(false)` when it was already there. An interrupted ingest under `reference`
/// resumes where it stands.
pub async fn write_blob<S: Ingester, R: BlobReader>(
    store: &S,
    reference: &str,
    source: &mut R,
    expected: &Descriptor,
    labels: Labels,
) -> Result<bool, Error> {
    let mut writer = match store
        .writer(&WriterOptions::expecting(reference, expected))
        .await
    {
        Ok(w) => w,
        Err(e) if e.is_already_exists() => return Ok(false),
        Err(e) => return Err(e),
    };
    let result = copy(&mut writer, source, expected, labels).await;
    finish(&mut writer, result).await
}

/// Writes `expected` from a random-access source unless the store has it (see
/// [`write_blob`]).
pub async fn write_blob_at<S: Ingester, R: ReaderAt>(
    store: &S,
    reference: &str,
    source: &R,
    expected: &Descriptor,
    labels: Labels,
) -> Result<bool, Error> {
    let mut writer = match store
        .writer(&WriterOptions::expecting(reference, expected))
        .await
    {
        Ok(w) => w,
        Err(e) if e.is_already_exists() => return Ok(false),
        Err(e) => return Err(e),
    };
    let result = copy_at(&mut writer, source, expected, labels).await;
    finish(&mut writer, result).await
}

/// Turns a copy's result into "written", releasing the ref on failure.
async fn finish<W: Writer>(writer: &mut W, result: Result<Info, Error>) -> Result<bool, Error> {
    match result {
        Ok(_) => Ok(true),
        Err(e) if e.is_already_exists() => Ok(false),
        Err(e) => {
            // The ingest stays resumable; closing only releases the ref.
            let _ = writer.close().await;
            Err(e)
        }
    }
}

/// Reads a whole blob into memory, verified against `digest`; refuses content over `limit`
/// bytes ([`Error::InvalidArgument`]) before reading it.
pub async fn read_blob<P: Provider>(
    provider: &P,
    digest: &Digest,
    limit: u64,
) -> Result<Bytes, Error> {
    let reader = provider.reader_at(digest).await?;
    let size = reader.size();
    if size > limit {
        return Err(Error::InvalidArgument(format!(
            "content {digest} is {size} bytes, over the {limit}-byte limit for reading it whole"
        )));
    }
    let mut out = BytesMut::with_capacity(usize::try_from(size).unwrap_or(0));
    while (out.len() as u64) < size {
        let chunk = reader.read_at(out.len() as u64, COPY_CHUNK).await?;
        if chunk.is_empty() {
            break;
        }
        out.extend_from_slice(&chunk);
    }
    let out = out.freeze();
    let actual = match digest.known_algorithm() {
        Some(alg) => Digest::of(alg, &out),
        None => {
            return Err(Error::InvalidArgument(format!(
                "cannot verify {digest}: unsupported algorithm"
            )))
        }
    };
    if out.len() as u64 != size {
        return Err(Error::SizeMismatch {
            expected: size,
            actual: out.len() as u64,
        });
    }
    if &actual != digest {
        return Err(Error::DigestMismatch {
            expected: digest.clone(),
            actual,
        });
    }
    Ok(out)
}
