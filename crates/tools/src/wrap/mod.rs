//! Wrappers: each is a `Spec` over a `Spec`, built on [`Forward`](ociscope_core::spec::Forward)
//! so it overrides only the methods it changes.

pub mod cache;
pub mod clock;
pub mod prefix;
pub mod rate_limit;
pub mod read_only;
