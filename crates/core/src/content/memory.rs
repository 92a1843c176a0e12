//! The in-memory content store.
//!
//! Rules: content, labels and ingests live in one shared state (clones of a [`MemoryStore`]
//! are the same store, which is how a test "reopens" it); every operation completes at once
//! (no future ever pends). Timestamps come from a clock: the system clock natively, a logical
//! counter on wasm32 (no clock without JavaScript), or one passed to
//! [`MemoryStore::with_clock`].

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use bytes::Bytes;

use crate::digest::{Digest, Digester};

use super::{
    apply_update, check_commit, check_resume, ingest_algorithm, validate_labels,
    validate_reference, Error, Filter, Info, IngestManager, Ingester, Labels, Manager, Provider,
    Status, StatusFilter, Timestamp, Writer, WriterOptions,
};
use crate::descriptor::Descriptor;

/// A clock for timestamps.
pub type Clock = Rc<dyn Fn() -> Timestamp>;

#[derive(Default)]
struct State {
    blobs: BTreeMap<Digest, (Bytes, Info)>,
    ingests: BTreeMap<String, (Vec<u8>, Status, Option<Descriptor>)>,
    locked: BTreeSet<String>,
}

/// A content store in memory (see the module doc).
#[derive(Clone)]
pub struct MemoryStore {
    state: Rc<RefCell<State>>,
    clock: Clock,
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore::new()
    }
}

impl MemoryStore {
    /// An empty store with the default clock.
    pub fn new() -> MemoryStore {
        #[cfg(not(target_arch = "wasm32"))]
        let clock: Clock = Rc::new(Timestamp::now);
        #[cfg(target_arch = "wasm32")]
        let clock: Clock = {
            let n = std::cell::Cell::new(0u64);
            Rc::new(move || {
                n.set(n.get() + 1);
                Timestamp(n.get())
            })
        };
        MemoryStore::with_clock(clock)
    }

    /// An empty store whose timestamps come from `clock`.
    pub fn with_clock(clock: Clock) -> MemoryStore {
        MemoryStore {
            state: Rc::new(RefCell::new(State::default())),
            clock,
        }
    }

    /// Bytes held in committed content.
    pub fn bytes_stored(&self) -> u64 {
        self.state
            .borrow()
            .blobs
            .values()
            .map(|(b, _)| b.len() as u64)
            .sum()
    }
}

impl Manager for MemoryStore {
    async fn info(&self, digest: &Digest) -> Result<Info, Error> {
        let state = self.state.borrow();
        state
            .blobs
            .get(digest)
            .map(|(_, i)| i.clone())
            .ok_or_else(|| Error::content_not_found(digest))
    }

    async fn update(&self, info: &Info, fieldpaths: &[&str]) -> Result<Info, Error> {
        let now = (self.clock)();
        let mut state = self.state.borrow_mut();
        let (_, current) = state
            .blobs
            .get_mut(&info.digest)
            .ok_or_else(|| Error::content_not_found(&info.digest))?;
        apply_update(&mut current.labels, info, fieldpaths)?;
        current.updated = now.max(current.created);
        Ok(current.clone())
    }

    async fn walk(&self, filter: &Filter) -> Result<Vec<Info>, Error> {
        let state = self.state.borrow();
        Ok(state
            .blobs
            .values()
            .map(|(_, i)| i)
            .filter(|i| filter.matches(i))
            .cloned()
            .collect())
    }

    async fn delete(&self, digest: &Digest) -> Result<(), Error> {
        self.state
            .borrow_mut()
            .blobs
            .remove(digest)
            .map(|_| ())
            .ok_or_else(|| Error::content_not_found(digest))
    }
}

impl Provider for MemoryStore {
    type Reader = Bytes;

    async fn reader_at(&self, digest: &Digest) -> Result<Bytes, Error> {
        let state = self.state.borrow();
        state
            .blobs
            .get(digest)
            .map(|(b, _)| b.clone())
            .ok_or_else(|| Error::content_not_found(digest))
    }
}

impl Ingester for MemoryStore {
    type Writer = MemoryWriter;

    async fn writer(&self, options: &WriterOptions) -> Result<MemoryWriter, Error> {
        let reference = options.reference.as_str();
        validate_reference(reference)?;
        let now = (self.clock)();
        let mut state = self.state.borrow_mut();
        if state.locked.contains(reference) {
            return Err(Error::Locked {
                reference: reference.to_string(),
            });
        }
        if let Some(d) = &options.expected {
            if state.blobs.contains_key(&d.digest) {
                return Err(Error::AlreadyExists {
                    digest: d.digest.clone(),
                });
            }
        }
        let (data, status, expected) =
            state
                .ingests
                .entry(reference.to_string())
                .or_insert_with(|| {
                    let status = Status {
                        reference: reference.to_string(),
                        offset: 0,
                        total: options.expected.as_ref().map(|d| d.size),
                        expected: options.expected.as_ref().map(|d| d.digest.clone()),
                        started: now,
                        updated: now,
                    };
                    (Vec::new(), status, options.expected.clone())
                });
        check_resume(status, options.expected.as_ref())?;
        if expected.is_none() && options.expected.is_some() {
            *expected = options.expected.clone();
            status.total = options.expected.as_ref().map(|d| d.size);
            status.expected = options.expected.as_ref().map(|d| d.digest.clone());
        }
        let mut digester = Digester::new(ingest_algorithm(expected.as_ref()));
        digester.update(data);
        let writer = MemoryWriter {
            state: self.state.clone(),
            clock: self.clock.clone(),
            status: status.clone(),
            expected: expected.clone(),
            digester,
            open: true,
        };
        state.locked.insert(reference.to_string());
        Ok(writer)
    }
}

impl IngestManager for MemoryStore {
    async fn status(&self, reference: &str) -> Result<Status, Error> {
        let state = self.state.borrow();
        state
            .ingests
            .get(reference)
            .map(|(_, s, _)| s.clone())
            .ok_or_else(|| Error::ingest_not_found(reference))
    }

    async fn list_statuses(&self, filter: &StatusFilter) -> Result<Vec<Status>, Error> {
        let state = self.state.borrow();
        Ok(state
            .ingests
            .values()
            .map(|(_, s, _)| s)
            .filter(|s| filter.matches(s))
            .cloned()
            .collect())
    }

    async fn abort(&self, reference: &str) -> Result<(), Error> {
        let mut state = self.state.borrow_mut();
        if state.locked.contains(reference) {
            return Err(Error::Locked {
                reference: reference.to_string(),
            });
        }
        state
            .ingests
            .remove(reference)
            .map(|_| ())
            .ok_or_else(|| Error::ingest_not_found(reference))
    }
}

/// A writer of one ingest of a [`MemoryStore`]; dropping it releases the ref.
pub struct MemoryWriter {
    state: Rc<RefCell<State>>,
    clock: Clock,
    status: Status,
    expected: Option<Descriptor>,
    digester: Digester,
    open: bool,
}

impl MemoryWriter {
    fn check_open(&self) -> Result<(), Error> {
        if self.open {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "the writer of {:?} is closed or committed",
                self.status.reference
            )))
        }
    }

    fn release(&mut self) {
        if std::mem::take(&mut self.open) {
            self.state
                .borrow_mut()
                .locked
                .remove(&self.status.reference);
        }
    }
}

impl Drop for MemoryWriter {
    fn drop(&mut self) {
        self.release();
    }
}

impl Writer for MemoryWriter {
    fn reference(&self) -> &str {
        &self.status.reference
    }

    fn status(&self) -> Status {
        self.status.clone()
    }

    fn digest(&self) -> Digest {
        self.digester.current()
    }

    async fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        self.check_open()?;
        let now = (self.clock)();
        let mut state = self.state.borrow_mut();
        let (buf, status, _) = state
            .ingests
            .get_mut(&self.status.reference)
            .ok_or_else(|| Error::ingest_not_found(&self.status.reference))?;
        buf.extend_from_slice(data);
        self.digester.update(data);
        status.offset = buf.len() as u64;
        status.updated = now;
        self.status = status.clone();
        Ok(())
    }

    async fn truncate(&mut self, size: u64) -> Result<(), Error> {
        self.check_open()?;
        if size > self.status.offset {
            return Err(Error::InvalidArgument(format!(
                "cannot truncate {:?} to {size} bytes: it holds {}",
                self.status.reference, self.status.offset
            )));
        }
        let now = (self.clock)();
        let mut state = self.state.borrow_mut();
        let (buf, status, _) = state
            .ingests
            .get_mut(&self.status.reference)
            .ok_or_else(|| Error::ingest_not_found(&self.status.reference))?;
        buf.truncate(usize::try_from(size).unwrap_or(usize::MAX));
        let mut digester = Digester::new(self.digester.algorithm());
        digester.update(buf);
        self.digester = digester;
        status.offset = size;
        status.updated = now;
        self.status = status.clone();
        Ok(())
    }

    async fn commit(
        &mut self,
        size: Option<u64>,
        expected: Option<&Digest>,
        labels: Labels,
    ) -> Result<Info, Error> {
        self.check_open()?;
        validate_labels(&labels)?;
        let actual = self.digester.current();
        check_commit(
            self.status.offset,
            &actual,
            size,
            expected,
            self.expected.as_ref(),
        )?;
        let now = (self.clock)();
        let result = {
            let mut state = self.state.borrow_mut();
            let removed = state.ingests.remove(&self.status.reference);
            match state.blobs.entry(actual.clone()) {
                std::collections::btree_map::Entry::Occupied(_) => {
                    Err(Error::AlreadyExists { digest: actual })
                }
                std::collections::btree_map::Entry::Vacant(slot) => {
                    let data = removed.map(|(d, _, _)| d).unwrap_or_default();
                    let info = Info {
                        digest: actual,
                        size: data.len() as u64,
                        created: now,
                        updated: now,
                        labels,
                    };
                    slot.insert((Bytes::from(data), info.clone()));
                    Ok(info)
                }
            }
        };
        self.release();
        result
    }

    async fn close(&mut self) -> Result<Status, Error> {
        self.release();
        Ok(self.status.clone())
    }
}
