//! The merged filesystem of an image's layers, as a container runtime would unpack them.
//!
//! Rules (OCI image spec, "Applying changesets"): a layer's whiteouts apply to the layers
//! below it only — `.wh.NAME` removes `NAME` and everything under it, an opaque whiteout
//! everything a lower layer had under its directory — then its entries are added, replacing
//! what a lower layer had at the same path. A path is **added** when no lower layer has it,
//! **changed** when one does (a directory listed again is not a change: layers repeat their
//! parent directories), **removed** when a whiteout takes it away. **Wasted** bytes are those
//! of lower-layer files that a later layer replaced or removed: they are still downloaded.

use std::collections::BTreeMap;

use super::{FileEntry, Kind};

/// What one layer did to the filesystem below it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LayerChanges {
    /// Paths no lower layer had.
    pub added: Vec<String>,
    /// Paths a lower layer had, replaced.
    pub changed: Vec<String>,
    /// Paths of lower layers removed by this layer's whiteouts (every path under a removed
    /// directory included).
    pub removed: Vec<String>,
    /// Bytes of lower-layer files this layer replaced or removed.
    pub wasted: u64,
    /// Bytes of this layer's files.
    pub size: u64,
}

/// The merged filesystem and what each layer did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Merged {
    /// Every path of the final filesystem, with its entry and the layer (0-based) it came from.
    pub files: BTreeMap<String, (FileEntry, usize)>,
    /// Each layer's changes, in order.
    pub layers: Vec<LayerChanges>,
}

impl Merged {
    /// Bytes wasted across all layers.
    pub fn wasted(&self) -> u64 {
        self.layers.iter().map(|l| l.wasted).sum()
    }

    /// Bytes of files in the final filesystem.
    pub fn size(&self) -> u64 {
        self.files.values().map(|(e, _)| e.size).sum()
    }
}

fn under(path: &str, dir: &str) -> bool {
    dir.is_empty()
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Merges `layers` (each layer's entries, lowest first).
pub fn merge(layers: &[Vec<FileEntry>]) -> Merged {
    let mut files: BTreeMap<String, (FileEntry, usize)> = BTreeMap::new();
    let mut out = Vec::with_capacity(layers.len());
    for (i, entries) in layers.iter().enumerate() {
        let mut changes = LayerChanges::default();
        for e in entries.iter().filter(|e| e.is_whiteout()) {
            if e.kind == Kind::Whiteout && e.path.is_empty() {
                continue;
            }
            // Keys starting with the path are contiguous in order; keep the path itself (a
            // plain whiteout) and what is under it.
            let gone: Vec<String> = files
                .range(e.path.clone()..)
                .take_while(|(p, _)| p.starts_with(e.path.as_str()))
                .filter(|(p, _)| under(p, &e.path) || (e.kind == Kind::Whiteout && *p == &e.path))
                .map(|(p, _)| p.clone())
                .collect();
            for p in gone {
                if let Some((old, _)) = files.remove(&p) {
                    changes.wasted += old.size;
                    changes.removed.push(p);
                }
            }
        }
        for e in entries.iter().filter(|e| !e.is_whiteout()) {
            changes.size += e.size;
            match files.get(&e.path) {
                Some((old, _)) => {
                    changes.wasted += old.size;
                    if !(old.kind == Kind::Dir && e.kind == Kind::Dir) {
                        changes.changed.push(e.path.clone());
                    }
                }
                None => changes.added.push(e.path.clone()),
            }
            files.insert(e.path.clone(), (e.clone(), i));
        }
        out.push(changes);
    }
    Merged { files, layers: out }
}
