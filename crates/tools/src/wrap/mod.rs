//! Wrappers: each is a [`Spec`] over a `Spec`, so they stack, and every tool takes the result.
//!
//! - [`ReadOnly`](read_only::ReadOnly): writes answer `DENIED`, reads pass through.
//! - [`Prefixed`](prefix::Prefixed): a registry seen under a namespace.
//! - [`RateLimited`](rate_limit::RateLimited): a token bucket in front, slowing down after `429`.
//! - [`Cached`](cache::Cached): content by digest kept in memory, tags and referrers for a while.
//!
//! Those that change only some methods are built on [`Forward`](ociscope_core::spec::Forward);
//! those with readers or writers of their own implement `Spec` directly.
//!
//! # Stacking
//!
//! The order matters. The usual stack for one registry the app talks to is
//! `Cached<RateLimited<HttpSpec<T>, C>, C>` ([`SharedClient`], built by [`shared_client`]):
//! the cache answers what it can first, so a hit takes no token from the bucket, and only real
//! requests are paced. `ReadOnly` goes outside (`ReadOnly<SharedClient<…>>`) so a refused
//! write never reaches the cache or the bucket; `Prefixed` goes inside the cache
//! (`Cached<Prefixed<…>, C>`) or outside it, either is correct since cache keys hold the name
//! the cache was asked for.
//!
//! ```
//! use bytes::Bytes;
//! use futures::executor::block_on;
//! use ociscope_core::spec::Error;
//! use ociscope_core::MemoryRegistry;
//! use ociscope_tools::store::Repository;
//! use ociscope_tools::wrap::{self, cache::CacheOptions, clock::ManualClock, rate_limit::RateLimit};
//!
//! # fn main() -> Result<(), Error> {
//! let clock = ManualClock::new(); // The app passes its wasm clock, native tools a tokio one.
//! let limit = RateLimit::per_second(20.0, 10)?;
//! let registry = wrap::shared_client(MemoryRegistry::new(), clock, CacheOptions::default(), limit);
//! let app = Repository::open(&registry, "library/hello")?;
//! block_on(async {
//!     let d = app.blobs().push("text/plain", Bytes::from_static(b"hello")).await?;
//!     for _ in 0..3 {
//!         assert_eq!(app.blobs().read(&d.digest, 1024).await?.as_ref(), b"hello");
//!     }
//!     Ok::<_, Error>(())
//! })?;
//! assert_eq!((registry.stats().misses, registry.stats().hits), (1, 2));
//! # Ok(())
//! # }
//! ```
//!
//! Clocks: the wrappers that need time take a [`Clock`](clock::Clock) from the caller (this
//! crate does no I/O); tests use [`ManualClock`](clock::ManualClock).

pub mod cache;
pub mod clock;
pub mod prefix;
pub mod rate_limit;
pub mod read_only;

use ociscope_core::spec::Spec;

use cache::{CacheOptions, Cached};
use clock::Clock;
use rate_limit::{RateLimit, RateLimited};

/// The shared client of one registry: a cache in front of a rate limiter in front of `S`.
pub type SharedClient<S, C> = Cached<RateLimited<S, C>, C>;

/// Builds the [`SharedClient`] of one registry, which the app holds once per registry (clones
/// share the cache and the bucket).
pub fn shared_client<S: Spec, C: Clock + Clone>(
    inner: S,
    clock: C,
    cache: CacheOptions,
    limit: RateLimit,
) -> SharedClient<S, C> {
    Cached::new(RateLimited::new(inner, clock.clone(), limit), clock, cache)
}
