//! [`FsDriver`]: the driver interface over a directory of the local filesystem.
//!
//! Durability rules:
//! - `put_content` writes a temporary file (`.tmp.…`) in the target's own directory, fsyncs
//!   it, renames it over the target and fsyncs the directory: after a crash the file holds the
//!   old content or the new, never a part.
//! - `rename` fsyncs the file before the move and the target directory after it: a committed
//!   blob (moved from its upload into place) is on disk before the commit is answered.
//! - `append` (upload data) writes without fsync: a killed process loses nothing written (the
//!   kernel holds it), a power loss may lose the tail of an upload, which then resumes from
//!   where its file stands (clients ask the upload's status). Nothing unverified is ever served:
//!   uploads become blobs only through a verified commit.
//! - [`FsDriver::open`] removes temporary files left by a process that died mid-write (one
//!   server per directory); they are never listed. [`FsDriver::attach`] opens a store beside a
//!   running server (garbage collection) and leaves them alone.

use std::io::{self, ErrorKind, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use crate::driver::{check_path, DriverError, FileInfo, StorageDriver, TEMP_PREFIX};

/// Counter behind temporary file names (unique within the process; the pid makes them unique
/// across processes).
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A store in a directory; paths are files below it.
#[derive(Clone, Debug)]
pub struct FsDriver {
    root: PathBuf,
}

fn io_error(path: &str, e: io::Error) -> DriverError {
    if e.kind() == ErrorKind::NotFound {
        DriverError::NotFound(path.to_string())
    } else {
        DriverError::Backend(format!("{path}: {e}"))
    }
}

/// Removes temporary files under `dir`, recursively; returns how many.
fn clean_temp_files(dir: &Path) -> io::Result<usize> {
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let kind = entry.file_type()?;
        if name.to_string_lossy().starts_with(TEMP_PREFIX) && kind.is_file() {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        } else if kind.is_dir() {
            removed += clean_temp_files(&entry.path())?;
        }
    }
    Ok(removed)
}

/// Fsyncs a directory, so a rename into it is durable.
async fn sync_dir(dir: &Path) -> io::Result<()> {
    tokio::fs::File::open(dir).await?.sync_all().await
}

impl FsDriver {
    /// Opens (creating it when missing) the store at `root`, and removes the temporary files a
    /// killed process left; returns the driver and how many were removed.
    pub fn open(root: impl Into<PathBuf>) -> io::Result<(FsDriver, usize)> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        let removed = clean_temp_files(&root)?;
        Ok((FsDriver { root }, removed))
    }

    /// Opens the store at `root` (which must exist) as a second user beside a running server,
    /// e.g. for garbage collection: temporary files are left alone (they may be the server's
    /// writes in progress).
    pub fn attach(root: impl Into<PathBuf>) -> io::Result<FsDriver> {
        let root = root.into();
        if !root.is_dir() {
            return Err(io::Error::new(
                ErrorKind::NotFound,
                format!("{} is not a directory", root.display()),
            ));
        }
        Ok(FsDriver { root })
    }

    /// The directory the store lives in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn full(&self, path: &str) -> Result<PathBuf, DriverError> {
        check_path(path)?;
        Ok(self.root.join(path))
    }

    async fn ensure_parent(&self, path: &str, full: &Path) -> Result<PathBuf, DriverError> {
        let parent = full
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.root.clone());
        tokio::fs::create_dir_all(&parent)
            .await
            .map_err(|e| io_error(path, e))?;
        Ok(parent)
    }
}

impl StorageDriver for FsDriver {
    fn name(&self) -> &'static str {
        "filesystem"
    }

    async fn get_content(&self, path: &str) -> Result<Bytes, DriverError> {
        let full = self.full(path)?;
        tokio::fs::read(&full)
            .await
            .map(Bytes::from)
            .map_err(|e| io_error(path, e))
    }

    async fn put_content(&self, path: &str, content: Bytes) -> Result<(), DriverError> {
        let full = self.full(path)?;
        let parent = self.ensure_parent(path, &full).await?;
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let file_name = full
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = parent.join(format!(
            "{TEMP_PREFIX}{file_name}.{}.{n}",
            std::process::id()
        ));
        let result = async {
            let mut file = tokio::fs::File::create(&temp).await?;
            file.write_all(&content).await?;
            file.sync_all().await?;
            drop(file);
            tokio::fs::rename(&temp, &full).await?;
            sync_dir(&parent).await
        }
        .await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(&temp).await;
        }
        result.map_err(|e| io_error(path, e))
    }

    async fn read_at(&self, path: &str, offset: u64, len: usize) -> Result<Bytes, DriverError> {
        let full = self.full(path)?;
        let result = async {
            let mut file = tokio::fs::File::open(&full).await?;
            file.seek(SeekFrom::Start(offset)).await?;
            let mut out = Vec::with_capacity(len.min(4 * 1024 * 1024));
            let mut limited = file.take(len as u64);
            limited.read_to_end(&mut out).await?;
            Ok::<_, io::Error>(Bytes::from(out))
        }
        .await;
        result.map_err(|e| io_error(path, e))
    }

    async fn append(&self, path: &str, data: &[u8]) -> Result<u64, DriverError> {
        let full = self.full(path)?;
        self.ensure_parent(path, &full).await?;
        let result = async {
            let mut file = tokio::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&full)
                .await?;
            file.write_all(data).await?;
            file.flush().await?;
            Ok::<_, io::Error>(file.metadata().await?.len())
        }
        .await;
        result.map_err(|e| io_error(path, e))
    }

    async fn stat(&self, path: &str) -> Result<FileInfo, DriverError> {
        let full = self.full(path)?;
        let meta = tokio::fs::metadata(&full)
            .await
            .map_err(|e| io_error(path, e))?;
        Ok(FileInfo {
            size: if meta.is_dir() { 0 } else { meta.len() },
            modified: meta.modified().ok(),
            is_dir: meta.is_dir(),
        })
    }

    async fn list(&self, path: &str) -> Result<Vec<String>, DriverError> {
        let full = self.full(path)?;
        let mut dir = tokio::fs::read_dir(&full)
            .await
            .map_err(|e| io_error(path, e))?;
        let mut names = Vec::new();
        while let Some(entry) = dir.next_entry().await.map_err(|e| io_error(path, e))? {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with(TEMP_PREFIX) {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    async fn rename(&self, from: &str, to: &str) -> Result<(), DriverError> {
        let source = self.full(from)?;
        let target = self.full(to)?;
        tokio::fs::File::open(&source)
            .await
            .map_err(|e| io_error(from, e))?
            .sync_all()
            .await
            .map_err(|e| io_error(from, e))?;
        let parent = self.ensure_parent(to, &target).await?;
        tokio::fs::rename(&source, &target)
            .await
            .map_err(|e| io_error(from, e))?;
        sync_dir(&parent).await.map_err(|e| io_error(to, e))
    }

    async fn delete(&self, path: &str) -> Result<(), DriverError> {
        let full = self.full(path)?;
        let meta = tokio::fs::metadata(&full)
            .await
            .map_err(|e| io_error(path, e))?;
        if meta.is_dir() {
            tokio::fs::remove_dir_all(&full).await
        } else {
            tokio::fs::remove_file(&full).await
        }
        .map_err(|e| io_error(path, e))
    }
}
