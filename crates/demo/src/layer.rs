//! Layers: a tar archive, gzipped, with its diff ID and descriptor.

use std::io::Write;

use bytes::Bytes;
use flate2::write::GzEncoder;
use flate2::{Compression, GzBuilder};
use ociscope_core::spec::{Error, ErrorKind};
use ociscope_core::{Descriptor, Digest};

use crate::tar::{self, Entry};

/// A gzipped tar layer ready to push.
#[derive(Clone, Debug)]
pub struct Layer {
    /// The compressed bytes (what the registry stores).
    pub blob: Bytes,
    /// sha256 of the uncompressed tar (what the config's `rootfs.diff_ids` lists).
    pub diff_id: Digest,
    /// Media type, digest and size of `blob`.
    pub descriptor: Descriptor,
}

/// Gzips `bytes` deterministically (no file name, mtime 0, level 9).
pub fn gzip(bytes: &[u8]) -> Result<Vec<u8>, Error> {
    let mut encoder: GzEncoder<Vec<u8>> = GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), Compression::best());
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.try_finish())
        .map_err(|e| Error::other(ErrorKind::InvalidArgument, format!("gzip failed: {e}")))?;
    encoder
        .finish()
        .map_err(|e| Error::other(ErrorKind::InvalidArgument, format!("gzip failed: {e}")))
}

impl Layer {
    /// A layer of `entries` dated `mtime`, with the given layer media type.
    pub fn new(entries: &[Entry], mtime: u64, media_type: &str) -> Result<Layer, Error> {
        let archive = tar::archive(entries, mtime)?;
        let diff_id = Digest::sha256_of(&archive);
        let blob = Bytes::from(gzip(&archive)?);
        let descriptor = Descriptor::new(media_type, Digest::sha256_of(&blob), blob.len() as u64);
        Ok(Layer {
            blob,
            diff_id,
            descriptor,
        })
    }
}
