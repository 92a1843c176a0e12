//! The browser's clock for the wrappers that need time (the shared client's cache and rate
//! limit): the global `performance.now()` (monotonic) and the Fetch transport's `setTimeout`
//! wait, which pages, workers and Node all have. Native builds (the app's unit tests) have no
//! such clock: there time stands still and waits return at once.

use ociscope_tools::wrap::clock::Clock;

#[cfg(target_arch = "wasm32")]
mod js {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(catch, js_namespace = performance, js_name = now)]
        pub fn performance_now() -> Result<f64, JsValue>;

    }
}

/// Time from `performance.now()`, waits through `setTimeout`.
#[derive(Clone, Copy, Debug, Default)]
pub struct BrowserClock;

impl Clock for BrowserClock {
    #[cfg(target_arch = "wasm32")]
    fn now_ms(&self) -> u64 {
        js::performance_now().map_or(0, |ms| ms.max(0.0) as u64)
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn now_ms(&self) -> u64 {
        0
    }

    #[cfg(target_arch = "wasm32")]
    async fn sleep(&self, ms: u64) {
        ociscope_fetch::sleep(ms).await;
    }

    #[cfg(not(target_arch = "wasm32"))]
    async fn sleep(&self, _ms: u64) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_arch = "wasm32")]
    #[wasm_bindgen_test::wasm_bindgen_test]
    async fn time_moves_forward_across_a_sleep() {
        let clock = BrowserClock;
        let before = clock.now_ms();
        clock.sleep(30).await;
        let after = clock.now_ms();
        assert!(after >= before + 25, "{before} → {after}");
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn natively_time_stands_still() {
        let clock = BrowserClock;
        assert_eq!(clock.now_ms(), 0);
        futures::executor::block_on(clock.sleep(10_000));
        assert_eq!(clock.now_ms(), 0);
    }
}
