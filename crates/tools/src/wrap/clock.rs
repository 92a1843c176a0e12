//! Time for the wrappers that need it (cache time-to-live, rate-limit pacing), given by the
//! caller: this crate does no I/O, so it has no clock of its own.
//!
//! Real clocks live with the platform: the app implements [`Clock`] over `Date.now()` and
//! `setTimeout` in wasm, native tools over `std::time::Instant` and `tokio::time::sleep`.
//! [`ManualClock`] is the clock of tests: its time moves only when told to, and
//! [`Clock::sleep`] moves it forward instead of waiting, so pacing is measured in virtual
//! milliseconds and tests never wait.

use std::cell::Cell;
use std::rc::Rc;

/// A monotonic clock in milliseconds and a way to wait.
#[allow(async_fn_in_trait)] // No Send bounds: wasm is single-threaded.
pub trait Clock {
    /// Milliseconds since a fixed origin of this clock's choosing; never goes backwards.
    fn now_ms(&self) -> u64;

    /// Waits `ms` milliseconds.
    async fn sleep(&self, ms: u64);
}

impl<C: Clock + ?Sized> Clock for Rc<C> {
    fn now_ms(&self) -> u64 {
        (**self).now_ms()
    }

    async fn sleep(&self, ms: u64) {
        (**self).sleep(ms).await
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now_ms(&self) -> u64 {
        (**self).now_ms()
    }

    async fn sleep(&self, ms: u64) {
        (**self).sleep(ms).await
    }
}

/// A clock for tests: time advances only through [`ManualClock::advance`] and
/// [`Clock::sleep`] (which returns at once, the time moved on by `ms`). Clones share one time.
#[derive(Clone, Debug, Default)]
pub struct ManualClock {
    now: Rc<Cell<u64>>,
    slept: Rc<Cell<u64>>,
}

impl ManualClock {
    /// A clock at time 0.
    pub fn new() -> ManualClock {
        ManualClock::default()
    }

    /// A clock at `ms`.
    pub fn at(ms: u64) -> ManualClock {
        let clock = ManualClock::default();
        clock.now.set(ms);
        clock
    }

    /// Moves time forward by `ms`.
    pub fn advance(&self, ms: u64) {
        self.now.set(self.now.get().saturating_add(ms));
    }

    /// Milliseconds spent in [`Clock::sleep`] so far, by every clone.
    pub fn slept_ms(&self) -> u64 {
        self.slept.get()
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.now.get()
    }

    async fn sleep(&self, ms: u64) {
        self.advance(ms);
        self.slept.set(self.slept.get().saturating_add(ms));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn manual_time_moves_only_when_told_and_clones_share_it() {
        let clock = ManualClock::at(5);
        let other = clock.clone();
        assert_eq!(clock.now_ms(), 5);
        other.advance(10);
        assert_eq!(clock.now_ms(), 15);
        block_on(clock.sleep(100));
        assert_eq!(other.now_ms(), 115);
        assert_eq!(other.slept_ms(), 100);
        let shared = Rc::new(clock.clone());
        block_on(shared.sleep(1));
        let borrowed: &ManualClock = &clock;
        assert_eq!(Clock::now_ms(&borrowed), 116);
    }
}
