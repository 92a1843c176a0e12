//! Tarballs in the browser without holding them in memory: a [`BlobSource`] reads a `File`
//! or `Blob` (a dropped or picked tarball) at any offset, so `ociscope_tools::tarball::TarStore`
//! indexes and pushes it in place; an [`OpfsFileSink`] streams `write_archive`'s output into
//! an OPFS file, whose `File` the page then offers as a download.

use ociscope_core::content::Error;
use ociscope_tools::tarball::TarSink;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{FileSystemDirectoryHandle, FileSystemFileHandle, FileSystemWritableFileStream};

use crate::{file, get_file, wait};

/// Random-access reads of a `Blob` (a `File` is one), through one reused buffer.
pub use ociscope_fetch::BlobSource;

/// Bytes buffered before one `write` to the OPFS stream: 1 MiB.
const SINK_BUFFER: usize = 1024 * 1024;

/// A [`TarSink`] into an OPFS file: buffered in 1 MiB pieces, visible only once
/// [`finish`](OpfsFileSink::finish) closes the stream (OPFS writes go to a swap file).
pub struct OpfsFileSink {
    handle: FileSystemFileHandle,
    stream: FileSystemWritableFileStream,
    buffer: Vec<u8>,
}

impl OpfsFileSink {
    /// Creates (or replaces) the file `name` in `folder`.
    pub async fn create(
        folder: &FileSystemDirectoryHandle,
        name: &str,
    ) -> Result<OpfsFileSink, Error> {
        let handle = file(folder, name, true)
            .await?
            .ok_or_else(|| Error::Io(format!("{name} not created")))?;
        let stream: FileSystemWritableFileStream =
            wait(&format!("write {name}"), Ok(handle.create_writable()))
                .await?
                .unchecked_into();
        Ok(OpfsFileSink {
            handle,
            stream,
            buffer: Vec::with_capacity(SINK_BUFFER),
        })
    }

    async fn flush(&mut self) -> Result<(), Error> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let result = wait(
            "write the tarball",
            self.stream.write_with_u8_array(&self.buffer),
        )
        .await;
        self.buffer.clear();
        if result.is_err() {
            let _ = JsFuture::from(self.stream.abort()).await;
        }
        result.map(|_| ())
    }

    /// Writes what is buffered, closes the stream and gives the finished `File`.
    pub async fn finish(mut self) -> Result<web_sys::File, Error> {
        self.flush().await?;
        wait("close the tarball", Ok(self.stream.close())).await?;
        get_file(&self.handle, "the tarball").await
    }
}

impl TarSink for OpfsFileSink {
    async fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= SINK_BUFFER {
            self.flush().await?;
        }
        Ok(())
    }
}
