//! Chunked, resumable uploads: the sessions the registry holds and the writer that feeds them.

use std::cell::RefCell;
use std::rc::Rc;

use bytes::BytesMut;

use crate::descriptor::Descriptor;
use crate::digest::{Digest, DigestError};
use crate::registry_error::ErrorCode;
use crate::spec::{BlobWriter, Error, Resumable, ResumeAt};

use super::state::{State, UploadSession, BLOB_MEDIA_TYPE};

/// Where a writer is in its life.
#[derive(Debug)]
enum Stage {
    Open,
    Closed(Resumable),
    Committed(Digest),
    Cancelled,
}

/// A blob upload into a [`super::MemoryRegistry`]; see [`BlobWriter`] for the contract.
///
/// Full chunks are appended to the registry's session as they fill. Several writers may feed
/// the same session (after `resume_upload`); each checks that the registry still stands where
/// it last left it, so bytes are never appended out of order (`RANGE_INVALID` otherwise).
#[derive(Debug)]
pub struct MemoryWriter {
    state: Rc<RefCell<State>>,
    repo: String,
    id: String,
    sent: u64,
    buffer: Vec<u8>,
    chunk_size: usize,
    stage: Stage,
}

/// `BLOB_UPLOAD_UNKNOWN` for an id the registry does not hold for `repo`.
pub(crate) fn upload_unknown(repo: &str, id: &str) -> Error {
    Error::code(
        ErrorCode::BlobUploadUnknown,
        format!(
            "no upload {id:?} in repository {repo:?} (cancelled, committed or never started): \
             start a new upload"
        ),
    )
}

/// Opaque upload ids: a counter scrambled by splitmix64, so ids look unrelated.
pub(crate) fn new_upload_id(state: &mut State) -> String {
    state.next_upload += 1;
    let mut z = state.next_upload.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    format!("{z:016x}-{:x}", state.next_upload)
}

/// Opens a new session for `repo`.
pub(crate) fn start(state: &Rc<RefCell<State>>, repo: &str, chunk_size: usize) -> MemoryWriter {
    let id = {
        let mut s = state.borrow_mut();
        let id = new_upload_id(&mut s);
        s.uploads.insert(
            id.clone(),
            UploadSession {
                repo: repo.to_string(),
                data: BytesMut::new(),
            },
        );
        id
    };
    MemoryWriter::at(state.clone(), repo, id, 0, chunk_size)
}

/// A writer continuing session `id` of `repo` at `at`.
pub(crate) fn resume(
    state: &Rc<RefCell<State>>,
    repo: &str,
    id: &str,
    at: ResumeAt,
    chunk_size: usize,
) -> Result<MemoryWriter, Error> {
    let held = {
        let s = state.borrow();
        let session = s
            .uploads
            .get(id)
            .filter(|u| u.repo == repo)
            .ok_or_else(|| upload_unknown(repo, id))?;
        session.data.len() as u64
    };
    let offset = match at {
        ResumeAt::RegistryOffset => held,
        ResumeAt::Offset(o) => o,
    };
    if offset != held {
        return Err(Error::code(
            ErrorCode::RangeInvalid,
            format!("upload {id:?} holds {held} bytes, not {offset}: resume from offset {held}"),
        ));
    }
    Ok(MemoryWriter::at(
        state.clone(),
        repo,
        id.to_string(),
        held,
        chunk_size,
    ))
}

impl MemoryWriter {
    fn at(
        state: Rc<RefCell<State>>,
        repo: &str,
        id: String,
        sent: u64,
        chunk_size: usize,
    ) -> MemoryWriter {
        MemoryWriter {
            state,
            repo: repo.to_string(),
            id,
            sent,
            buffer: Vec::new(),
            chunk_size: chunk_size.max(1),
            stage: Stage::Open,
        }
    }

    fn ensure_open(&self, action: &str) -> Result<(), Error> {
        match &self.stage {
            Stage::Open => Ok(()),
            Stage::Closed(_) => Err(Error::invalid(format!(
                "cannot {action}: upload {:?} was closed; resume it with resume_upload",
                self.id
            ))),
            Stage::Committed(d) => Err(Error::invalid(format!(
                "cannot {action}: upload {:?} was already committed as {d}",
                self.id
            ))),
            Stage::Cancelled => Err(Error::invalid(format!(
                "cannot {action}: upload {:?} was cancelled",
                self.id
            ))),
        }
    }

    /// Appends `chunk` to the registry's session, which must stand where this writer left it.
    fn send(&mut self, chunk: &[u8]) -> Result<(), Error> {
        let mut state = self.state.borrow_mut();
        let session = state
            .uploads
            .get_mut(&self.id)
            .filter(|u| u.repo == self.repo)
            .ok_or_else(|| upload_unknown(&self.repo, &self.id))?;
        let held = session.data.len() as u64;
        if held != self.sent {
            return Err(Error::code(
                ErrorCode::RangeInvalid,
                format!(
                    "upload {:?} holds {held} bytes but this writer sent {}: another writer \
                     moved it; resume from offset {held}",
                    self.id, self.sent
                ),
            ));
        }
        session.data.extend_from_slice(chunk);
        self.sent += chunk.len() as u64;
        Ok(())
    }

    /// Sends every full chunk in the buffer.
    fn send_full_chunks(&mut self) -> Result<(), Error> {
        let buffer = std::mem::take(&mut self.buffer);
        let mut start = 0;
        let mut result = Ok(());
        while buffer.len() - start >= self.chunk_size {
            result = self.send(&buffer[start..start + self.chunk_size]);
            if result.is_err() {
                break;
            }
            start += self.chunk_size;
        }
        self.buffer = buffer;
        self.buffer.drain(..start);
        result
    }
}

impl BlobWriter for MemoryWriter {
    fn id(&self) -> &str {
        &self.id
    }

    fn size(&self) -> u64 {
        self.sent + self.buffer.len() as u64
    }

    fn chunk_size(&self) -> usize {
        self.chunk_size
    }

    async fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        self.ensure_open("write")?;
        self.buffer.extend_from_slice(data);
        self.send_full_chunks()
    }

    async fn close(&mut self) -> Result<Resumable, Error> {
        if let Stage::Closed(r) = &self.stage {
            return Ok(r.clone());
        }
        self.ensure_open("close")?;
        self.buffer.clear();
        let resumable = Resumable {
            id: self.id.clone(),
            offset: self.sent,
        };
        self.stage = Stage::Closed(resumable.clone());
        Ok(resumable)
    }

    async fn commit(&mut self, digest: &Digest) -> Result<Descriptor, Error> {
        self.ensure_open("commit")?;
        if !self.buffer.is_empty() {
            let last = std::mem::take(&mut self.buffer);
            if let Err(e) = self.send(&last) {
                self.buffer = last;
                return Err(e);
            }
        }
        let mut state = self.state.borrow_mut();
        let session = state
            .uploads
            .get(&self.id)
            .filter(|u| u.repo == self.repo)
            .ok_or_else(|| upload_unknown(&self.repo, &self.id))?;
        if session.data.len() as u64 != self.sent {
            return Err(Error::code(
                ErrorCode::RangeInvalid,
                format!(
                    "upload {:?} holds {} bytes but this writer sent {}: another writer moved it",
                    self.id,
                    session.data.len(),
                    self.sent
                ),
            ));
        }
        if let Err(e) = digest.verify(&session.data) {
            let message = match e {
                DigestError::Mismatch { actual, .. } => format!(
                    "upload {:?} has digest {actual}, not {digest}; the upload is kept: commit \
                     with the right digest or cancel it",
                    self.id
                ),
                other => format!("cannot commit upload {:?} as {digest}: {other}", self.id),
            };
            return Err(Error::code(ErrorCode::DigestInvalid, message));
        }
        let Some(session) = state.uploads.remove(&self.id) else {
            return Err(upload_unknown(&self.repo, &self.id));
        };
        let content = session.data.freeze();
        let descriptor = Descriptor::new(BLOB_MEDIA_TYPE, digest.clone(), content.len() as u64);
        state
            .repo_mut_or_create(&self.repo)
            .blobs
            .insert(digest.clone(), content);
        self.stage = Stage::Committed(digest.clone());
        Ok(descriptor)
    }

    async fn cancel(&mut self) -> Result<(), Error> {
        match self.stage {
            Stage::Committed(_) | Stage::Cancelled => Ok(()),
            Stage::Open | Stage::Closed(_) => {
                let mut state = self.state.borrow_mut();
                if state
                    .uploads
                    .get(&self.id)
                    .is_some_and(|u| u.repo == self.repo)
                {
                    state.uploads.remove(&self.id);
                }
                self.buffer.clear();
                self.stage = Stage::Cancelled;
                Ok(())
            }
        }
    }
}
