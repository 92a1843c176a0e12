//! zstd decompressed as it streams, in pushed chunks, with `ruzstd` (a pure-Rust decoder that
//! compiles to wasm). Memory stays bounded by the frame's window and one compressed block
//! (at most 128 KiB) of input held back until it is complete.
//!
//! Concatenated frames are decoded one after another, as `zstd -d` does.

use ruzstd::decoding::FrameDecoder;

use super::LayerError;

/// Output handed on at a time.
const OUT: usize = 64 * 1024;
/// Input held before a frame header is read (the largest header is 18 bytes).
const HEADER: usize = 18;

/// A zstd stream: [`ZstdStream::push`] compressed chunks, get decompressed ones.
pub struct ZstdStream {
    decoder: FrameDecoder,
    started: bool,
    input: Vec<u8>,
    out: Vec<u8>,
}

impl Default for ZstdStream {
    fn default() -> Self {
        ZstdStream::new()
    }
}

impl ZstdStream {
    /// A stream at the start of its first frame.
    pub fn new() -> ZstdStream {
        ZstdStream {
            decoder: FrameDecoder::new(),
            started: false,
            input: Vec::new(),
            out: vec![0; OUT],
        }
    }

    /// Decompresses what `chunk` completes, handing the output to `out`.
    pub fn push(
        &mut self,
        chunk: &[u8],
        out: &mut impl FnMut(&[u8]) -> Result<(), LayerError>,
    ) -> Result<(), LayerError> {
        self.input.extend_from_slice(chunk);
        self.run(false, out)
    }

    /// Decompresses what is left; an incomplete frame is an error.
    pub fn finish(
        &mut self,
        out: &mut impl FnMut(&[u8]) -> Result<(), LayerError>,
    ) -> Result<(), LayerError> {
        self.run(true, out)?;
        if !self.input.is_empty() || (self.started && !self.decoder.is_finished()) {
            return Err(LayerError::Decompress(
                "the zstd stream ends inside a frame".into(),
            ));
        }
        Ok(())
    }

    fn run(
        &mut self,
        last: bool,
        out: &mut impl FnMut(&[u8]) -> Result<(), LayerError>,
    ) -> Result<(), LayerError> {
        loop {
            if self.started && self.decoder.is_finished() && self.decoder.can_collect() == 0 {
                if self.input.is_empty() {
                    return Ok(());
                }
                // The next frame.
                self.decoder = FrameDecoder::new();
                self.started = false;
            }
            if !self.started && self.input.len() < HEADER && !last {
                return Ok(());
            }
            if !self.started && self.input.is_empty() {
                return Ok(());
            }
            let (read, written) = self
                .decoder
                .decode_from_to(&self.input, &mut self.out)
                .map_err(|e| LayerError::Decompress(e.to_string()))?;
            self.started = true;
            if read > self.input.len() {
                // ruzstd asks for a frame's 4-byte checksum by answering "4 read" without
                // reading it while fewer are there: wait for them.
                return Ok(());
            }
            self.input.drain(..read);
            if written > 0 {
                out(self.out.get(..written).unwrap_or_default())?;
            }
            if read == 0 && written == 0 {
                return Ok(());
            }
        }
    }
}
