//! [`MemoryDriver`]: the driver interface over a map in memory, for tests of the layout and of
//! garbage collection (the server's `--storage memory` stays `MemoryRegistry`: see the crate
//! doc).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::rc::Rc;
use std::time::SystemTime;

use bytes::Bytes;

use crate::driver::{check_path, DriverError, FileInfo, StorageDriver};

/// Each file's bytes and when it was last written, by path.
type Files = BTreeMap<String, (Vec<u8>, SystemTime)>;

/// Files in a map; clones share the same content.
#[derive(Clone, Debug, Default)]
pub struct MemoryDriver {
    files: Rc<RefCell<Files>>,
}

impl MemoryDriver {
    /// An empty store.
    pub fn new() -> MemoryDriver {
        MemoryDriver::default()
    }

    /// Paths under `dir/`, in order.
    fn under(&self, dir: &str) -> Vec<String> {
        let prefix = format!("{dir}/");
        self.files
            .borrow()
            .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| k.clone())
            .collect()
    }
}

fn not_found(path: &str) -> DriverError {
    DriverError::NotFound(path.to_string())
}

impl StorageDriver for MemoryDriver {
    fn name(&self) -> &'static str {
        "memory"
    }

    async fn get_content(&self, path: &str) -> Result<Bytes, DriverError> {
        check_path(path)?;
        self.files
            .borrow()
            .get(path)
            .map(|(c, _)| Bytes::copy_from_slice(c))
            .ok_or_else(|| not_found(path))
    }

    async fn put_content(&self, path: &str, content: Bytes) -> Result<(), DriverError> {
        check_path(path)?;
        self.files
            .borrow_mut()
            .insert(path.to_string(), (content.to_vec(), SystemTime::now()));
        Ok(())
    }

    async fn read_at(&self, path: &str, offset: u64, len: usize) -> Result<Bytes, DriverError> {
        check_path(path)?;
        let files = self.files.borrow();
        let (content, _) = files.get(path).ok_or_else(|| not_found(path))?;
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(content.len());
        let end = start.saturating_add(len).min(content.len());
        Ok(Bytes::copy_from_slice(
            content.get(start..end).unwrap_or(&[]),
        ))
    }

    async fn append(&self, path: &str, data: &[u8]) -> Result<u64, DriverError> {
        check_path(path)?;
        let mut files = self.files.borrow_mut();
        let entry = files
            .entry(path.to_string())
            .or_insert_with(|| (Vec::new(), SystemTime::now()));
        entry.0.extend_from_slice(data);
        entry.1 = SystemTime::now();
        Ok(entry.0.len() as u64)
    }

    async fn stat(&self, path: &str) -> Result<FileInfo, DriverError> {
        check_path(path)?;
        if let Some((content, modified)) = self.files.borrow().get(path) {
            return Ok(FileInfo {
                size: content.len() as u64,
                modified: Some(*modified),
                is_dir: false,
            });
        }
        if self.under(path).is_empty() {
            return Err(not_found(path));
        }
        Ok(FileInfo {
            size: 0,
            modified: None,
            is_dir: true,
        })
    }

    async fn list(&self, path: &str) -> Result<Vec<String>, DriverError> {
        check_path(path)?;
        let paths = self.under(path);
        if paths.is_empty() {
            return Err(not_found(path));
        }
        let mut names: Vec<String> = paths
            .iter()
            .filter_map(|p| p.get(path.len() + 1..))
            .filter_map(|rest| rest.split('/').next())
            .map(str::to_string)
            .collect();
        names.dedup();
        Ok(names)
    }

    async fn rename(&self, from: &str, to: &str) -> Result<(), DriverError> {
        check_path(from)?;
        check_path(to)?;
        let mut files = self.files.borrow_mut();
        let entry = files.remove(from).ok_or_else(|| not_found(from))?;
        files.insert(to.to_string(), entry);
        Ok(())
    }

    async fn delete(&self, path: &str) -> Result<(), DriverError> {
        check_path(path)?;
        let mut under = self.under(path);
        let mut files = self.files.borrow_mut();
        if files.remove(path).is_none() && under.is_empty() {
            return Err(not_found(path));
        }
        for p in under.drain(..) {
            files.remove(&p);
        }
        Ok(())
    }
}
