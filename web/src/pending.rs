//! Unfinished uploads, remembered in the browser's localStorage so that an upload survives a
//! reload, a closed tab or a browser restart.
//!
//! Decisions:
//! - One JSON list under [`KEY`]; a record is written when an upload starts and after every
//!   chunk (its latest upload URL: CNCF distribution signs the upload's state into it), and
//!   removed when the upload is tagged, cancelled or forgotten. localStorage rather than
//!   IndexedDB: the records are small, its API is synchronous (a record is never half
//!   written), and it lives as long as IndexedDB. No credentials are kept: resuming on a
//!   registry that needs them asks for them again.
//! - A file picked through the File System Access API (Chromium) is reopened from its handle,
//!   kept in IndexedDB beside the record ([`PendingUpload::kept`], [`crate::file_handles`]).
//!   Any other file cannot be kept (browsers hand a page a file only when the person picks
//!   it), so resuming asks for the same file again. Either way the file is checked to be the
//!   same: name, size, last-modified time and sha256 of its first MiB ([`FileIdentity`]). The
//!   digest is rebuilt by reading the local bytes; nothing is sent twice.
//! - An unreadable or foreign value under the key reads as no records (never a panic); at
//!   most [`MAX_PENDING`] records are kept, the oldest dropped first.

use serde::{Deserialize, Serialize};

/// The localStorage key.
pub const KEY: &str = "ociscope.pending-uploads";

/// How many unfinished uploads are remembered.
pub const MAX_PENDING: usize = 20;

/// Bytes at the start of a file whose digest is part of its identity: 1 MiB.
pub const HEAD_BYTES: u64 = 1024 * 1024;

/// What tells one picked file from another.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileIdentity {
    /// The file's name.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its last-modified time (ms since the epoch, as `File.lastModified`).
    pub last_modified: f64,
    /// The sha256 of its first [`HEAD_BYTES`] (or all of it, when shorter).
    pub head_digest: String,
}

impl FileIdentity {
    /// Why `other` is not this file, or `None` when it is.
    pub fn mismatch(&self, other: &FileIdentity) -> Option<String> {
        if self.name != other.name {
            Some(format!(
                "the upload was of {:?}, this file is {:?}",
                self.name, other.name
            ))
        } else if self.size != other.size {
            Some(format!(
                "{:?} was {} bytes, now it is {} bytes",
                self.name, self.size, other.size
            ))
        } else if self.last_modified != other.last_modified {
            Some(format!(
                "{:?} was changed since the upload started",
                self.name
            ))
        } else if self.head_digest != other.head_digest {
            Some(format!(
                "the first bytes of {:?} differ from the file being uploaded",
                self.name
            ))
        } else {
            None
        }
    }
}

/// An unfinished upload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingUpload {
    /// The registry, as the app's address names it (`?registry=`).
    pub registry: String,
    /// The repository.
    pub repo: String,
    /// The tag the artifact gets when done.
    pub tag: String,
    /// The upload's id (its latest upload URL).
    pub id: String,
    /// Bytes handed to the upload when last recorded.
    pub offset: u64,
    /// The file.
    pub file: FileIdentity,
    /// When the upload started (ms since the epoch).
    pub started: f64,
    /// When this record was written (ms since the epoch).
    pub updated: f64,
    /// The file's handle is kept ([`crate::file_handles`]): resuming needs no new pick.
    #[serde(default)]
    pub kept: bool,
}

/// `list` with `record` replacing the record of the same upload id, or added (newest last),
/// at most [`MAX_PENDING`] long.
pub fn upsert(list: &[PendingUpload], record: PendingUpload) -> Vec<PendingUpload> {
    crate::local_storage::upsert_bounded(list, record, MAX_PENDING, |r, new| {
        r.id == new.id || (r.registry == new.registry && r.started == new.started)
    })
}

/// `list` without the upload that started at `started` on `registry`.
pub fn without(list: &[PendingUpload], registry: &str, started: f64) -> Vec<PendingUpload> {
    list.iter()
        .filter(|r| !(r.registry == registry && r.started == started))
        .cloned()
        .collect()
}

/// The remembered uploads (none when storage is unavailable).
pub fn load() -> Vec<PendingUpload> {
    crate::local_storage::load_list(KEY)
}

/// Remembers `record` (ignored when storage is unavailable or full).
pub fn save(record: PendingUpload) {
    crate::local_storage::save_list(KEY, &upsert(&load(), record));
}

/// Forgets the upload that started at `started` on `registry`, and its file's handle (also
/// one kept for an upload that ended before its record was first written).
pub fn forget(registry: &str, started: f64) {
    crate::local_storage::save_list(KEY, &without(&load(), registry, started));
    crate::file_handles::forget_later(crate::file_handles::key(registry, started));
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::local_storage::{decode_list, encode_list};

    fn file(name: &str) -> FileIdentity {
        FileIdentity {
            name: name.to_string(),
            size: 10,
            last_modified: 1.0,
            head_digest: "sha256:aa".to_string(),
        }
    }

    fn record(id: &str, started: f64) -> PendingUpload {
        PendingUpload {
            registry: "http://r".to_string(),
            repo: "a/b".to_string(),
            tag: "v1".to_string(),
            id: id.to_string(),
            offset: 0,
            file: file("f.bin"),
            started,
            updated: started,
            kept: false,
        }
    }

    #[test]
    fn records_from_before_kept_handles_still_read() {
        let mut old = serde_json::to_value(vec![record("u1", 1.0)]).unwrap();
        old[0].as_object_mut().unwrap().remove("kept");
        let list: Vec<PendingUpload> = decode_list(&old.to_string());
        assert_eq!(list, vec![record("u1", 1.0)]);
        assert!(!list[0].kept);
    }

    #[test]
    fn records_round_trip_replace_and_are_capped() {
        let list = upsert(&[], record("u1", 1.0));
        // The same upload with its next URL replaces its record.
        let mut next = record("u1?_state=2", 1.0);
        next.offset = 5;
        let list = upsert(&list, next.clone());
        assert_eq!(list, vec![next.clone()]);
        assert_eq!(decode_list::<PendingUpload>(&encode_list(&list)), list);
        let many = (0..MAX_PENDING + 3).fold(list, |l, i| {
            upsert(&l, record(&format!("x{i}"), 10.0 + i as f64))
        });
        assert_eq!(many.len(), MAX_PENDING);
        assert!(!many.contains(&next), "the oldest goes first");
        assert_eq!(without(&many, "http://r", 20.0).len(), MAX_PENDING - 1);
    }

    #[test]
    fn foreign_values_read_as_nothing() {
        for stored in [
            "",
            "null",
            "{}",
            "[1,2]",
            "<script>",
            "[{\"id\":3}]",
            "\u{202e}",
        ] {
            assert!(decode_list::<PendingUpload>(stored).is_empty(), "{stored}");
        }
    }

    #[test]
    fn another_file_is_told_apart_with_the_reason() {
        let a = file("f.bin");
        assert_eq!(a.mismatch(&a.clone()), None);
        let mut b = a.clone();
        b.name = "g.bin".into();
        assert!(a.mismatch(&b).unwrap().contains("g.bin"));
        let mut b = a.clone();
        b.size = 11;
        assert!(a.mismatch(&b).unwrap().contains("11 bytes"));
        let mut b = a.clone();
        b.last_modified = 2.0;
        assert!(a.mismatch(&b).unwrap().contains("changed"));
        let mut b = a.clone();
        b.head_digest = "sha256:bb".into();
        assert!(a.mismatch(&b).unwrap().contains("first bytes"));
    }
}
