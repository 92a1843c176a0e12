//! Keeps in progress ("Keep in this browser"), remembered in the browser's localStorage so the
//! store page can resume one that a reload, a closed tab or a failure stopped, without going
//! back to the image's page.
//!
//! Decisions:
//! - A record names what was asked: the registry (its `registry` URL parameter), the
//!   repository, the tag or digest, the platform and whether referrers come too. It is written
//!   when a keep starts and removed when the keep finishes (or the person forgets it); the
//!   bytes already fetched are in the store's ingests, which a resumed keep continues.
//! - localStorage, like [`crate::pending`]'s uploads: small records, a synchronous API (never
//!   half written). No credentials are kept: resuming on a registry that needs them asks for
//!   them again.
//! - An unreadable or foreign value under the key reads as no records (never a panic); one
//!   record per registry, repository and reference (keeping it again replaces it); at most
//!   [`MAX_PENDING`], the oldest dropped first.

use serde::{Deserialize, Serialize};

use crate::local_storage;

/// The localStorage key.
pub const KEY: &str = "ociscope.pending-keeps";

/// How many unfinished keeps are remembered.
pub const MAX_PENDING: usize = 20;

/// One keep that has not finished.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingKeep {
    /// The registry's `registry` URL parameter (an `http(s)://` URL, or `demo:`).
    pub registry: String,
    /// The repository.
    pub repo: String,
    /// The tag or digest.
    pub reference: String,
    /// The platform kept (`os/arch[/variant]`), empty for all.
    pub platform: String,
    /// Whether the image's referrers are kept too.
    pub referrers: bool,
    /// When the keep started (ms since the epoch).
    pub started: f64,
}

impl PendingKeep {
    /// True when `other` keeps the same image from the same registry.
    fn same(&self, other: &PendingKeep) -> bool {
        self.registry == other.registry
            && self.repo == other.repo
            && self.reference == other.reference
    }

    /// `repo:tag` or `repo@digest`, as people write it.
    pub fn image(&self) -> String {
        if self.reference.contains(':') {
            format!("{}@{}", self.repo, self.reference)
        } else {
            format!("{}:{}", self.repo, self.reference)
        }
    }
}

/// `list` with `record` replacing the record of the same image and registry, or added
/// (newest last), at most [`MAX_PENDING`] long.
pub fn upsert(list: &[PendingKeep], record: PendingKeep) -> Vec<PendingKeep> {
    local_storage::upsert_bounded(list, record, MAX_PENDING, PendingKeep::same)
}

/// `list` without the record of `record`'s image and registry.
pub fn without(list: &[PendingKeep], record: &PendingKeep) -> Vec<PendingKeep> {
    list.iter().filter(|r| !r.same(record)).cloned().collect()
}

/// The remembered keeps (none when storage is unavailable).
pub fn load() -> Vec<PendingKeep> {
    local_storage::load_list(KEY)
}

/// Remembers `record` (ignored when storage is unavailable or full).
pub fn save(record: PendingKeep) {
    local_storage::save_list(KEY, &upsert(&load(), record));
}

/// Forgets the keep of `record`'s image and registry.
pub fn forget(record: &PendingKeep) {
    local_storage::save_list(KEY, &without(&load(), record));
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::local_storage::{decode_list, encode_list};

    fn keep(registry: &str, repo: &str, reference: &str, started: f64) -> PendingKeep {
        PendingKeep {
            registry: registry.to_string(),
            repo: repo.to_string(),
            reference: reference.to_string(),
            platform: String::new(),
            referrers: false,
            started,
        }
    }

    #[test]
    fn round_trips_and_reads_garbage_as_none() {
        let list = vec![
            keep("http://a", "r", "v1", 1.0),
            keep("demo:", "é/ü", "sha256:ab", 2.0),
        ];
        assert_eq!(decode_list::<PendingKeep>(&encode_list(&list)), list);
        for garbage in ["", "null", "{", "[1,2]", "{\"registry\":1}", "\u{0}<b>"] {
            assert!(
                decode_list::<PendingKeep>(garbage).is_empty(),
                "{garbage:?}"
            );
        }
    }

    #[test]
    fn keeping_again_replaces_and_the_oldest_go_first() {
        let a = keep("http://a", "r", "v1", 1.0);
        let again = PendingKeep {
            platform: "linux/arm64".into(),
            started: 5.0,
            ..a.clone()
        };
        let other_registry = keep("http://b", "r", "v1", 2.0);
        let list = upsert(
            &upsert(std::slice::from_ref(&a), other_registry.clone()),
            again.clone(),
        );
        assert_eq!(list, vec![other_registry.clone(), again.clone()]);
        assert_eq!(without(&list, &a), vec![other_registry]);

        let mut many = Vec::new();
        for i in 0..(MAX_PENDING + 3) {
            many = upsert(&many, keep("http://a", "r", &format!("t{i}"), i as f64));
        }
        assert_eq!(many.len(), MAX_PENDING);
        assert_eq!(many[0].reference, "t3");
    }

    #[test]
    fn names_tags_and_digests_as_people_write_them() {
        assert_eq!(keep("x", "a/b", "v1", 0.0).image(), "a/b:v1");
        assert_eq!(keep("x", "a/b", "sha256:ab", 0.0).image(), "a/b@sha256:ab");
    }
}
