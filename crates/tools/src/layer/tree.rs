//! Entries as a tree of folders with their sizes (the sum of the files beneath), as `dive` and
//! `du` show them. Folders an archive never lists (only their files) are made up on the way.

use std::collections::BTreeMap;

use super::FileEntry;

/// One folder or file of the tree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TreeNode {
    /// Its name (the last path component; `""` for the root).
    pub name: String,
    /// Its full path.
    pub path: String,
    /// Its entry, when the archive lists it.
    pub entry: Option<FileEntry>,
    /// Bytes of the files at or beneath it.
    pub size: u64,
    /// Files (non-folders) at or beneath it.
    pub files: u64,
    /// What it holds, by name.
    pub children: BTreeMap<String, TreeNode>,
}

/// The tree of `entries` (whiteouts included as they are listed).
pub fn tree<'a>(entries: impl IntoIterator<Item = &'a FileEntry>) -> TreeNode {
    let mut root = TreeNode::default();
    for e in entries {
        if e.path.is_empty() {
            root.entry = Some(e.clone());
            continue;
        }
        let is_dir = matches!(e.kind, super::Kind::Dir);
        let mut node = &mut root;
        let mut path = String::new();
        for part in e.path.split('/') {
            if !path.is_empty() {
                path.push('/');
            }
            path.push_str(part);
            if !is_dir {
                node.size += e.size;
                node.files += 1;
            }
            node = node
                .children
                .entry(part.to_string())
                .or_insert_with(|| TreeNode {
                    name: part.to_string(),
                    path: path.clone(),
                    ..TreeNode::default()
                });
        }
        if !is_dir {
            node.size += e.size;
            node.files += 1;
        }
        node.entry = Some(e.clone());
    }
    root
}
