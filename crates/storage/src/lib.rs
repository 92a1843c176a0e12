//! ociscope-storage: a registry's storage behind a small driver interface, in the manner of
//! CNCF distribution's storage drivers.
//!
//! - [`StorageDriver`] (module [`driver`]): a key → bytes store (get and put content, read at
//!   an offset, append for resumable uploads, stat, list, rename, delete). Drivers:
//!   [`MemoryDriver`] (a map; for tests of everything above the driver) and [`FsDriver`] (a
//!   directory: atomic writes, fsync before a commit is answered, temporary files cleaned at
//!   start), and with the `s3` feature [`S3Driver`] (S3 or an S3-compatible store through
//!   `object_store`).
//! - [`DriverRegistry`]: a complete `Spec` over any driver (repositories, manifests, tags,
//!   blob links, referrers, resumable uploads), laid out as [`layout`] says; the server serves
//!   it as any other `Spec`.
//! - [`gc::collect_garbage`]: removes content no manifest references, with a dry run, safe
//!   beside pushes in progress.
//!
//! Native only (the filesystem driver uses tokio's file I/O). Futures are not `Send`, as the
//! `Spec` trait's. The server's `--storage memory` keeps using `MemoryRegistry` (no driver):
//! it is the contract's reference implementation, never pends, and holds the demo content.

#![warn(missing_docs)]

pub mod driver;
pub mod fs;
pub mod gc;
pub mod layout;
pub mod memory;
pub mod registry;
#[cfg(feature = "s3")]
pub mod s3;

pub use driver::{check_path, DriverError, FileInfo, StorageDriver};
pub use fs::FsDriver;
pub use gc::{collect_garbage, GcOptions, GcReport};
pub use memory::MemoryDriver;
pub use registry::{DriverRegistry, StorageReader, StorageWriter};
#[cfg(feature = "s3")]
pub use s3::S3Driver;
