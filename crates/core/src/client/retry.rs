//! When to retry a request and how long to wait: bounded exponential back-off with jitter,
//! honouring `Retry-After`.

use std::cell::Cell;

use crate::headers::names::RETRY_AFTER;
use crate::headers::RetryAfter;
use crate::spec::ErrorKind;

use super::transport::Headers;

/// How many times and how patiently to retry idempotent requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// The first back-off in milliseconds; it doubles each attempt.
    pub base_delay_ms: u64,
    /// No wait is longer than this, `Retry-After` included.
    pub max_delay_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay_ms: 200,
            max_delay_ms: 30_000,
        }
    }
}

/// True for statuses worth retrying: 429 and the gateway/unavailable 502, 503, 504.
pub fn retryable_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// True for transport failures worth retrying: network ones. A CORS refusal or an abort would
/// only happen again.
pub fn retryable_kind(kind: ErrorKind) -> bool {
    kind == ErrorKind::Network
}

impl RetryPolicy {
    /// Milliseconds to wait before attempt `attempt + 1` (attempt counts from 1), given the
    /// failed response's headers; `Retry-After` wins over back-off, both capped.
    pub fn delay_ms(
        &self,
        attempt: u32,
        headers: Option<&Headers>,
        now_unix_secs: Option<u64>,
        jitter: &Jitter,
    ) -> u64 {
        let told = headers
            .and_then(|h| h.get(RETRY_AFTER))
            .and_then(|v| RetryAfter::parse(v).ok())
            .and_then(|r| match (r, now_unix_secs) {
                (RetryAfter::Seconds(s), _) => Some(s),
                (r @ RetryAfter::Date(_), Some(now)) => Some(r.delay_secs(now)),
                (RetryAfter::Date(_), None) => None,
            });
        if let Some(secs) = told {
            return secs.saturating_mul(1000).min(self.max_delay_ms);
        }
        let exp = self
            .base_delay_ms
            .saturating_mul(1u64 << (attempt.saturating_sub(1)).min(20));
        let capped = exp.min(self.max_delay_ms);
        // Full jitter in the upper half: [capped/2, capped].
        capped / 2 + jitter.below(capped / 2 + 1)
    }
}

/// A small deterministic pseudo-random source for back-off jitter (xorshift64*).
#[derive(Debug)]
pub struct Jitter(Cell<u64>);

impl Jitter {
    /// A source seeded with `seed` (any value).
    pub fn new(seed: u64) -> Jitter {
        Jitter(Cell::new(seed | 1))
    }

    /// A number in `0..bound` (0 when `bound` is 0).
    pub fn below(&self, bound: u64) -> u64 {
        if bound == 0 {
            return 0;
        }
        let mut x = self.0.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D) % bound
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay_ms: 100,
            max_delay_ms: 1_000,
        };
        let j = Jitter::new(7);
        for (attempt, full) in [(1, 100), (2, 200), (3, 400), (4, 800), (5, 1000), (9, 1000)] {
            for _ in 0..50 {
                let d = p.delay_ms(attempt, None, None, &j);
                assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d}");
            }
        }
    }

    #[test]
    fn retry_after_wins_and_is_capped() {
        let p = RetryPolicy::default();
        let j = Jitter::new(1);
        let mut h = Headers::default();
        h.push(RETRY_AFTER, "3");
        assert_eq!(p.delay_ms(1, Some(&h), None, &j), 3_000);
        let mut h = Headers::default();
        h.push(RETRY_AFTER, "100000");
        assert_eq!(p.delay_ms(1, Some(&h), None, &j), p.max_delay_ms);
        let mut h = Headers::default();
        h.push(RETRY_AFTER, "Wed, 21 Oct 2015 07:28:10 GMT");
        assert_eq!(p.delay_ms(1, Some(&h), Some(1_445_412_480), &j), 10_000);
        // A date without a clock falls back to back-off.
        assert!(p.delay_ms(1, Some(&h), None, &j) <= 200);
        assert!(retryable_status(429) && retryable_status(503) && !retryable_status(500));
    }
}
