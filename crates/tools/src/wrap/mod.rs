//! Wrappers: each is a `Spec` over a `Spec`, built on [`Forward`](ociscope_core::spec::Forward)
//! so it overrides only the methods it changes.
