//! Streaming blob reads, verified against their digest on the way.

use bytes::{Bytes, BytesMut};

use crate::client::External;
use crate::descriptor::Descriptor;
use crate::digest::{DigestError, Verifier};

use super::{Error, ErrorKind};

/// A blob's content, chunk by chunk.
#[allow(async_fn_in_trait)] // No Send bounds: see the `spec` module doc.
pub trait BlobReader {
    /// What is being read: digest, size (of the whole blob) and media type where known.
    fn descriptor(&self) -> &Descriptor;

    /// The next chunk, or `None` at the end; a digest mismatch is reported before the end.
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, Error>;

    /// The rest of the blob (what [`next_chunk`](Self::next_chunk) would still give) as bytes
    /// a transport reads itself (slices of a browser `Blob`), when the reader has them: a copy
    /// then sends them without reading them (and without verifying them; the destination
    /// checks the digest when the upload is committed). `None` by default.
    fn external(&self) -> Option<External> {
        None
    }

    /// Reads everything into memory, refusing more than `limit` bytes.
    async fn read_to_end(&mut self, limit: u64) -> Result<Bytes, Error> {
        let mut out = BytesMut::new();
        while let Some(chunk) = self.next_chunk().await? {
            if out.len() as u64 + chunk.len() as u64 > limit {
                return Err(Error::other(
                    ErrorKind::Unsupported,
                    format!("content larger than the {limit}-byte limit"),
                ));
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out.freeze())
    }
}

/// Wraps a reader of raw bytes and checks them against the descriptor's digest and size:
/// the end is reported only after the content matched.
pub struct VerifyingReader<R> {
    inner: R,
    verifier: Option<Verifier>,
}

impl<R: BlobReader> VerifyingReader<R> {
    /// Verifies `inner` against its descriptor's digest and size.
    pub fn new(inner: R) -> Result<VerifyingReader<R>, Error> {
        let d = inner.descriptor();
        let verifier = d.digest.verifier(Some(d.size))?;
        Ok(VerifyingReader {
            inner,
            verifier: Some(verifier),
        })
    }
}

impl<R: BlobReader> BlobReader for VerifyingReader<R> {
    fn descriptor(&self) -> &Descriptor {
        self.inner.descriptor()
    }

    async fn next_chunk(&mut self) -> Result<Option<Bytes>, Error> {
        let Some(verifier) = self.verifier.as_mut() else {
            return Ok(None);
        };
        match self.inner.next_chunk().await? {
            Some(chunk) => {
                verifier.update(&chunk);
                if verifier.overflowed() {
                    let v = self.verifier.take().expect("verifier present");
                    return Err(Error::Digest(DigestError::SizeMismatch {
                        digest: v.expected().clone(),
                        expected: self.inner.descriptor().size,
                        actual: v.size(),
                    }));
                }
                Ok(Some(chunk))
            }
            None => {
                self.verifier.take().expect("verifier present").finish()?;
                Ok(None)
            }
        }
    }

    fn external(&self) -> Option<External> {
        self.inner.external()
    }
}

/// A reader over bytes already in memory, handed out in chunks of a fixed size.
pub struct BytesReader {
    descriptor: Descriptor,
    content: Bytes,
    chunk: usize,
}

impl BytesReader {
    /// Reads `content` in chunks of `chunk` bytes (at least 1).
    pub fn new(descriptor: Descriptor, content: Bytes, chunk: usize) -> BytesReader {
        BytesReader {
            descriptor,
            content,
            chunk: chunk.max(1),
        }
    }
}

impl BlobReader for BytesReader {
    fn descriptor(&self) -> &Descriptor {
        &self.descriptor
    }

    async fn next_chunk(&mut self) -> Result<Option<Bytes>, Error> {
        if self.content.is_empty() {
            return Ok(None);
        }
        let n = self.chunk.min(self.content.len());
        Ok(Some(self.content.split_to(n)))
    }
}
