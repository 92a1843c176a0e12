//! `RateLimited<S, C>`: paces the requests made to a registry with a token bucket, and slows
//! down when the registry says "too many requests".
//!
//! Rules:
//! - One bucket per wrapper (clones share it, and so do the writers it hands out): `burst`
//!   requests may go at once, then one per interval (`1 / rate` seconds). The bucket is kept as
//!   a theoretical arrival time (GCRA, the token bucket's exact equivalent) in microseconds of the
//!   [`Clock`], so the pacing of n requests is exact and testable on a
//!   [`ManualClock`](super::clock::ManualClock).
//! - Every `Spec` method is one request and takes a token before it reaches the inner registry.
//!   A reader's chunks are the body of that one request and take none. A writer takes one token
//!   per chunk its `write` fills (the [`BlobWriter`] contract: full chunks are sent as they
//!   fill) and one for each of `close`, `commit` and `cancel`.
//! - A slot is reserved before waiting, so concurrent tasks (the app runs several) queue one
//!   interval apart instead of all going when the first wait ends.
//! - An answer `429` / `TOOMANYREQUESTS` (from any method or writer call) empties the bucket:
//!   the next request waits the `Retry-After` the error carries, or one interval when it
//!   carries none (and never less than one interval), capped at
//!   [`RateLimit::max_pause_ms`]; requests then go one interval apart until the bucket refills.
//!   Registry errors carry no headers, so a `Retry-After` is read from an error entry's
//!   `detail`: an object with a `Retry-After` member (any case), delay-seconds as a number or a
//!   string. HTTP-dates are not used (this clock is monotonic, not the time of day).
//! - It never retries (the HTTP client does, honouring `Retry-After`); it paces what follows.

use std::cell::Cell;
use std::rc::Rc;

use bytes::Bytes;
use ociscope_core::client::External;
use ociscope_core::descriptor::Descriptor;
use ociscope_core::digest::Digest;
use ociscope_core::headers::RetryAfter;
use ociscope_core::registry_error::ErrorCode;
use ociscope_core::spec::{
    BlobWriter, Error, ManifestBytes, ManifestRef, Mount, Page, PageRequest, PingInfo, RepoName,
    Resumable, ResumeAt, Spec, Tag,
};
use serde_json::Value;

use super::clock::Clock;

/// How fast requests may go: a rate, a burst and the longest pause a `429` may impose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    interval_us: u64,
    burst: u32,
    max_pause_ms: u64,
}

/// The longest pause a `Retry-After` imposes by default: 5 minutes.
pub const DEFAULT_MAX_PAUSE_MS: u64 = 5 * 60 * 1000;

impl RateLimit {
    /// `rate` requests per second on average (0 < rate ≤ 1,000,000), up to `burst` (≥ 1) at once.
    pub fn per_second(rate: f64, burst: u32) -> Result<RateLimit, Error> {
        if !(rate > 0.0 && rate <= 1e6) {
            return Err(Error::invalid(format!(
                "rate limit of {rate} requests per second: give a rate above 0 and at most 1000000"
            )));
        }
        if burst == 0 {
            return Err(Error::invalid(
                "rate limit with a burst of 0 would never let a request through: give 1 or more",
            ));
        }
        Ok(RateLimit {
            interval_us: ((1e6 / rate).round() as u64).max(1),
            burst,
            max_pause_ms: DEFAULT_MAX_PAUSE_MS,
        })
    }

    /// This limit with another cap on the pause after a `429`.
    pub fn with_max_pause_ms(mut self, ms: u64) -> RateLimit {
        self.max_pause_ms = ms;
        self
    }

    /// Microseconds between two requests once the burst is spent.
    pub fn interval_us(&self) -> u64 {
        self.interval_us
    }

    /// Requests that may go at once.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// The longest pause after a `429`, in milliseconds.
    pub fn max_pause_ms(&self) -> u64 {
        self.max_pause_ms
    }

    /// How far ahead of now the arrival time may be: `(burst - 1)` intervals.
    fn tolerance_us(&self) -> u64 {
        self.interval_us
            .saturating_mul(u64::from(self.burst.saturating_sub(1)))
    }
}

/// The bucket and clock one wrapper and its writers share.
#[derive(Debug)]
struct Pacer<C> {
    clock: C,
    limit: RateLimit,
    /// Theoretical arrival time of the next request (µs): the bucket is full when ≤ now.
    tat_us: Cell<u64>,
    /// `429` answers seen.
    throttled: Cell<u64>,
    /// Milliseconds spent waiting for a token.
    waited_ms: Cell<u64>,
}

impl<C: Clock> Pacer<C> {
    fn now_us(&self) -> u64 {
        self.clock.now_ms().saturating_mul(1000)
    }

    /// Reserves `n` slots (at least one) and waits until the last one is due.
    async fn take(&self, n: u64) {
        let now = self.now_us();
        let tolerance = self.limit.tolerance_us();
        let mut due = now;
        let mut tat = self.tat_us.get();
        for _ in 0..n.max(1) {
            due = due.max(tat.saturating_sub(tolerance));
            tat = tat.max(due).saturating_add(self.limit.interval_us);
        }
        self.tat_us.set(tat);
        let wait_ms = (due - now).div_ceil(1000);
        if wait_ms > 0 {
            self.waited_ms
                .set(self.waited_ms.get().saturating_add(wait_ms));
            self.clock.sleep(wait_ms).await;
        }
    }

    /// Looks at a result: a `429` empties the bucket and pauses what follows.
    fn observe<T>(&self, result: Result<T, Error>) -> Result<T, Error> {
        if let Err(e) = &result {
            if is_too_many_requests(e) {
                self.throttled.set(self.throttled.get() + 1);
                let interval_ms = self.limit.interval_us.div_ceil(1000);
                let pause_ms = retry_after_ms(e)
                    .unwrap_or(0)
                    .max(interval_ms)
                    .min(self.limit.max_pause_ms.max(interval_ms));
                let resume_at = self
                    .now_us()
                    .saturating_add(pause_ms.saturating_mul(1000))
                    .saturating_add(self.limit.tolerance_us());
                self.tat_us.set(self.tat_us.get().max(resume_at));
            }
        }
        result
    }
}

/// True for a `429` or a `TOOMANYREQUESTS` entry.
pub fn is_too_many_requests(e: &Error) -> bool {
    e.status() == Some(429) || e.has_code(ErrorCode::TooManyRequests)
}

/// The `Retry-After` (in ms) a registry error carries in an entry's detail, if any.
pub fn retry_after_ms(e: &Error) -> Option<u64> {
    let Error::Registry(registry) = e else {
        return None;
    };
    registry.errors.iter().find_map(|entry| {
        let Some(Value::Object(detail)) = &entry.detail else {
            return None;
        };
        let value = detail
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case("retry-after"))
            .map(|(_, v)| v)?;
        let secs = match value {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => match RetryAfter::parse(s) {
                Ok(RetryAfter::Seconds(secs)) => Some(secs),
                _ => None,
            },
            _ => None,
        }?;
        Some(secs.saturating_mul(1000))
    })
}

/// A registry whose requests are paced by a token bucket; see the module doc.
#[derive(Debug)]
pub struct RateLimited<S, C> {
    inner: S,
    pacer: Rc<Pacer<C>>,
}

impl<S: Clone, C> Clone for RateLimited<S, C> {
    fn clone(&self) -> Self {
        RateLimited {
            inner: self.inner.clone(),
            pacer: Rc::clone(&self.pacer),
        }
    }
}

impl<S, C: Clock> RateLimited<S, C> {
    /// `inner` paced by `limit` on `clock`, starting with a full bucket.
    pub fn new(inner: S, clock: C, limit: RateLimit) -> RateLimited<S, C> {
        let pacer = Pacer {
            tat_us: Cell::new(clock.now_ms().saturating_mul(1000)),
            clock,
            limit,
            throttled: Cell::new(0),
            waited_ms: Cell::new(0),
        };
        RateLimited {
            inner,
            pacer: Rc::new(pacer),
        }
    }

    /// The wrapped registry.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The limit in force.
    pub fn limit(&self) -> RateLimit {
        self.pacer.limit
    }

    /// How many `429` answers were seen.
    pub fn throttled(&self) -> u64 {
        self.pacer.throttled.get()
    }

    /// Milliseconds spent waiting for tokens so far.
    pub fn waited_ms(&self) -> u64 {
        self.pacer.waited_ms.get()
    }
}

/// A writer whose requests take tokens from the bucket of the wrapper that opened it.
#[derive(Debug)]
pub struct RateLimitedWriter<W, C> {
    inner: W,
    pacer: Rc<Pacer<C>>,
}

impl<W, C> RateLimitedWriter<W, C> {
    /// The wrapped writer.
    pub fn inner(&self) -> &W {
        &self.inner
    }
}

impl<W: BlobWriter, C: Clock> RateLimitedWriter<W, C> {
    /// Takes a token for each chunk that appending `len` bytes sends.
    async fn pace_sends(&mut self, len: u64) {
        let chunk = self.inner.chunk_size().max(1) as u64;
        let before = self.inner.size();
        let after = before.saturating_add(len);
        let sends = after / chunk - before / chunk;
        if sends > 0 {
            self.pacer.take(sends).await;
        }
    }
}

impl<W: BlobWriter, C: Clock> BlobWriter for RateLimitedWriter<W, C> {
    fn id(&self) -> &str {
        self.inner.id()
    }

    fn size(&self) -> u64 {
        self.inner.size()
    }

    fn chunk_size(&self) -> usize {
        self.inner.chunk_size()
    }

    fn stored(&self) -> u64 {
        self.inner.stored()
    }

    async fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        self.pace_sends(data.len() as u64).await;
        self.pacer.observe(self.inner.write(data).await)
    }

    fn takes_external(&self) -> bool {
        self.inner.takes_external()
    }

    async fn write_external(&mut self, bytes: External) -> Result<(), Error> {
        self.pace_sends(bytes.len()).await;
        self.pacer.observe(self.inner.write_external(bytes).await)
    }

    async fn close(&mut self) -> Result<Resumable, Error> {
        self.pacer.take(1).await;
        self.pacer.observe(self.inner.close().await)
    }

    async fn commit(&mut self, digest: &Digest) -> Result<Descriptor, Error> {
        self.pacer.take(1).await;
        self.pacer.observe(self.inner.commit(digest).await)
    }

    async fn cancel(&mut self) -> Result<(), Error> {
        self.pacer.take(1).await;
        self.pacer.observe(self.inner.cancel().await)
    }
}

impl<S: Spec, C: Clock> RateLimited<S, C> {
    fn writer(&self, inner: S::Writer) -> RateLimitedWriter<S::Writer, C> {
        RateLimitedWriter {
            inner,
            pacer: Rc::clone(&self.pacer),
        }
    }
}

impl<S: Spec, C: Clock> Spec for RateLimited<S, C> {
    type Reader = S::Reader;
    type Writer = RateLimitedWriter<S::Writer, C>;

    async fn ping(&self) -> Result<PingInfo, Error> {
        self.pacer.take(1).await;
        self.pacer.observe(self.inner.ping().await)
    }

    async fn stat_manifest(
        &self,
        repo: &RepoName,
        reference: &ManifestRef,
    ) -> Result<Descriptor, Error> {
        self.pacer.take(1).await;
        self.pacer
            .observe(self.inner.stat_manifest(repo, reference).await)
    }

    async fn get_manifest(
        &self,
        repo: &RepoName,
        reference: &ManifestRef,
    ) -> Result<ManifestBytes, Error> {
        self.pacer.take(1).await;
        self.pacer
            .observe(self.inner.get_manifest(repo, reference).await)
    }

    async fn stat_blob(&self, repo: &RepoName, digest: &Digest) -> Result<Descriptor, Error> {
        self.pacer.take(1).await;
        self.pacer.observe(self.inner.stat_blob(repo, digest).await)
    }

    async fn get_blob(&self, repo: &RepoName, digest: &Digest) -> Result<S::Reader, Error> {
        self.pacer.take(1).await;
        self.pacer.observe(self.inner.get_blob(repo, digest).await)
    }

    async fn get_blob_range(
        &self,
        repo: &RepoName,
        digest: &Digest,
        start: u64,
        end: Option<u64>,
    ) -> Result<S::Reader, Error> {
        self.pacer.take(1).await;
        self.pacer
            .observe(self.inner.get_blob_range(repo, digest, start, end).await)
    }

    async fn push_manifest(
        &self,
        repo: &RepoName,
        media_type: &str,
        content: Bytes,
        tags: &[Tag],
    ) -> Result<Descriptor, Error> {
        self.pacer.take(1).await;
        self.pacer.observe(
            self.inner
                .push_manifest(repo, media_type, content, tags)
                .await,
        )
    }

    async fn push_blob(
        &self,
        repo: &RepoName,
        expected: &Descriptor,
        content: Bytes,
    ) -> Result<Descriptor, Error> {
        self.pacer.take(1).await;
        self.pacer
            .observe(self.inner.push_blob(repo, expected, content).await)
    }

    async fn start_upload(
        &self,
        repo: &RepoName,
        chunk_size: Option<usize>,
    ) -> Result<Self::Writer, Error> {
        self.pacer.take(1).await;
        let w = self
            .pacer
            .observe(self.inner.start_upload(repo, chunk_size).await)?;
        Ok(self.writer(w))
    }

    async fn resume_upload(
        &self,
        repo: &RepoName,
        id: &str,
        at: ResumeAt,
        chunk_size: Option<usize>,
    ) -> Result<Self::Writer, Error> {
        self.pacer.take(1).await;
        let w = self
            .pacer
            .observe(self.inner.resume_upload(repo, id, at, chunk_size).await)?;
        Ok(self.writer(w))
    }

    async fn mount_blob(
        &self,
        from_repo: &RepoName,
        repo: &RepoName,
        digest: &Digest,
    ) -> Result<Mount<Self::Writer>, Error> {
        self.pacer.take(1).await;
        let mount = self
            .pacer
            .observe(self.inner.mount_blob(from_repo, repo, digest).await)?;
        Ok(mount.map(|w| self.writer(w)))
    }

    async fn delete_manifest(&self, repo: &RepoName, digest: &Digest) -> Result<(), Error> {
        self.pacer.take(1).await;
        self.pacer
            .observe(self.inner.delete_manifest(repo, digest).await)
    }

    async fn delete_tag(&self, repo: &RepoName, tag: &Tag) -> Result<(), Error> {
        self.pacer.take(1).await;
        self.pacer.observe(self.inner.delete_tag(repo, tag).await)
    }

    async fn delete_blob(&self, repo: &RepoName, digest: &Digest) -> Result<(), Error> {
        self.pacer.take(1).await;
        self.pacer
            .observe(self.inner.delete_blob(repo, digest).await)
    }

    async fn list_repositories(&self, page: &PageRequest) -> Result<Page, Error> {
        self.pacer.take(1).await;
        self.pacer.observe(self.inner.list_repositories(page).await)
    }

    async fn list_tags(&self, repo: &RepoName, page: &PageRequest) -> Result<Page, Error> {
        self.pacer.take(1).await;
        self.pacer.observe(self.inner.list_tags(repo, page).await)
    }

    async fn list_referrers(
        &self,
        repo: &RepoName,
        digest: &Digest,
        artifact_type: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Descriptor>, Error> {
        self.pacer.take(1).await;
        self.pacer.observe(
            self.inner
                .list_referrers(repo, digest, artifact_type, page)
                .await,
        )
    }
}
