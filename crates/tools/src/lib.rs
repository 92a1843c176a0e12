//! ociscope-tools: what people do with a registry, in a few lines, over any
//! [`Spec`](ociscope_core::spec::Spec): copy blobs and whole images (children, platforms,
//! referrers) between repositories and registries, make content present, look a reference up,
//! synthesize an index, upload files as an artifact, read an image config, list the files
//! inside a layer as it streams; and wrappers that
//! are themselves a `Spec` over a `Spec` (cache, read-only, repository prefix, rate limit)
//! plus repository-scoped stores.
//!
//! No I/O of its own and no `Send` bounds: it builds for native targets and wasm32, and runs
//! over the in-memory registry, the HTTP client on hyper or Fetch, or any wrapper of them.

pub mod artifact;
pub mod children;
pub mod config;
pub mod content;
pub mod copy;
pub mod ensure;
pub mod images;
pub mod layer;
pub mod lookup;
pub mod store;
pub mod synthesize;
pub mod tarball;
pub mod wrap;
