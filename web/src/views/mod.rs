//! The app's views, one per file.

pub mod blob;
pub mod bulk_delete;
pub mod catalog;
pub mod compare;
pub mod connect;
pub mod copy;
pub mod delete;
pub mod download;
pub mod files;
pub mod image_files;
pub mod manifest;
pub mod referrers;
pub mod store;
pub mod tags;
pub mod tarball;
pub mod upload;
