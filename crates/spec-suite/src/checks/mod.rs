//! The checks, one file per area of the protocol; each `check_*` uses repositories of its own.

pub mod basics;
pub mod blobs;
pub mod deletes;
pub mod errors;
pub mod lists;
pub mod manifests;
pub mod referrers;
pub mod uploads;
