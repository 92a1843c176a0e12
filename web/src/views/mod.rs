//! The app's views, one per file. Public only where `web/tests` uses them (the download and
//! store folders).

pub(crate) mod blob;
pub(crate) mod bulk_delete;
pub(crate) mod catalog;
pub(crate) mod compare;
pub(crate) mod connect;
pub(crate) mod copy;
pub(crate) mod delete;
pub mod download;
pub(crate) mod files;
pub(crate) mod image_files;
pub(crate) mod manifest;
pub(crate) mod referrers;
pub mod store;
pub(crate) mod tags;
pub(crate) mod tarball;
pub(crate) mod upload;
