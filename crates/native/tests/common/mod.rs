//! Test helpers: the real CNCF distribution from `ociscope-testkit` (shared with the demo's and
//! the tools' tests, which include this file) and a prefix for suite repositories.

use std::time::{SystemTime, UNIX_EPOCH};

#[allow(unused_imports)] // each test binary uses some of them
pub use ociscope_testkit::{Distribution, PASSWORD};

/// A prefix unique to this process and moment, for suite repositories.
pub fn unique_prefix(label: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{label}-{}-{nanos}", std::process::id())
}
