//! The storage driver interface: a small key → bytes store, in the spirit of distribution's
//! `storagedriver.StorageDriver`.
//!
//! Rules every driver follows (the registry layer relies on them):
//! - **Paths** are relative, `/`-separated, with no empty, `.` or `..` component and no
//!   component starting with `.tmp.` (reserved for a driver's own temporary files);
//!   [`check_path`] refuses the others with [`DriverError::InvalidPath`]. A path names a file;
//!   directories exist implicitly while a file lies under them.
//! - **`put_content`** replaces a file atomically: a reader sees the old content or the new one,
//!   never a part. **`rename`** is atomic where the backend allows (the filesystem) and replaces
//!   the target. **`append`** adds bytes at the end of a file (created when missing) and returns
//!   the new size: the upload data of a blob, which therefore survives a restart.
//! - **`read_at`** reads up to `len` bytes from `offset` (fewer only at the end of the file).
//! - **`list`** gives the names of a directory's direct children (files and directories),
//!   sorted; **`delete`** removes a file or a whole directory tree. Both answer
//!   [`DriverError::NotFound`] for a path that does not exist.
//! - Futures are not `Send` (as the `Spec` trait's), so drivers can hold `Rc` state.

use std::fmt;
use std::time::SystemTime;

use bytes::Bytes;

/// What a driver knows about one path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileInfo {
    /// Size in bytes (0 for a directory).
    pub size: u64,
    /// When it was last written, where the backend says.
    pub modified: Option<SystemTime>,
    /// True for a directory (a prefix of other paths).
    pub is_dir: bool,
}

/// Why a driver operation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DriverError {
    /// Nothing at this path.
    NotFound(String),
    /// The path breaks the rules in the module doc.
    InvalidPath(String),
    /// The backend failed (I/O, network); the message says how.
    Backend(String),
}

impl fmt::Display for DriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DriverError::NotFound(p) => write!(f, "nothing stored at {p:?}"),
            DriverError::InvalidPath(p) => write!(f, "invalid storage path {p:?}"),
            DriverError::Backend(m) => write!(f, "storage failed: {m}"),
        }
    }
}

impl std::error::Error for DriverError {}

impl DriverError {
    /// True for [`DriverError::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, DriverError::NotFound(_))
    }
}

/// Prefix of the temporary files drivers write before renaming them into place.
pub const TEMP_PREFIX: &str = ".tmp.";

/// Checks a path against the rules of the module doc.
pub fn check_path(path: &str) -> Result<(), DriverError> {
    let bad = path.is_empty()
        || path.split('/').any(|c| {
            c.is_empty() || c == "." || c == ".." || c.starts_with(TEMP_PREFIX) || c.contains('\0')
        });
    if bad {
        Err(DriverError::InvalidPath(path.to_string()))
    } else {
        Ok(())
    }
}

/// A key → bytes store: the only thing a registry over it ([`crate::DriverRegistry`]) needs.
#[allow(async_fn_in_trait)] // No Send bounds, as the Spec trait.
pub trait StorageDriver {
    /// A short name for messages (`memory`, `filesystem`, `s3`).
    fn name(&self) -> &'static str;

    /// The whole content of a file.
    async fn get_content(&self, path: &str) -> Result<Bytes, DriverError>;

    /// Writes a file atomically, replacing what was there.
    async fn put_content(&self, path: &str, content: Bytes) -> Result<(), DriverError>;

    /// Up to `len` bytes from `offset` (fewer only at the end; none at or past it).
    async fn read_at(&self, path: &str, offset: u64, len: usize) -> Result<Bytes, DriverError>;

    /// Appends to a file (created when missing); returns its new size.
    async fn append(&self, path: &str, data: &[u8]) -> Result<u64, DriverError>;

    /// Size, time and kind of a path.
    async fn stat(&self, path: &str) -> Result<FileInfo, DriverError>;

    /// The sorted names of a directory's direct children.
    async fn list(&self, path: &str) -> Result<Vec<String>, DriverError>;

    /// Moves a file, replacing the target; makes the move durable where the backend can.
    async fn rename(&self, from: &str, to: &str) -> Result<(), DriverError>;

    /// Deletes a file or a directory tree.
    async fn delete(&self, path: &str) -> Result<(), DriverError>;

    /// A URL from which anyone may GET the file at `path` straight from the backend for the
    /// next `expires` (a presigned URL), where the backend has them (S3); `None` otherwise
    /// (memory, filesystem), and then the file is served through the registry.
    async fn signed_url(
        &self,
        path: &str,
        expires: std::time::Duration,
    ) -> Result<Option<String>, DriverError> {
        let _ = (path, expires);
        Ok(None)
    }
}
