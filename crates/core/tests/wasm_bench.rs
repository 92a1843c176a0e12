//! wasm32 throughput benchmark, run in headless Chromium: prints sha256 and sha512 streaming
//! MiB/s. Ignored by the test run; `scripts/bench` runs it with `--include-ignored`.
#![cfg(target_arch = "wasm32")]

use ociscope_core::digest::{Algorithm, Digester};
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const CHUNK: usize = 64 * 1024;
const TOTAL: usize = 128 * 1024 * 1024;

fn throughput(algorithm: Algorithm) -> f64 {
    let chunk = vec![0x5au8; CHUNK];
    let mut best = f64::MAX;
    for _ in 0..3 {
        let start = js_sys::Date::now();
        let mut digester = Digester::new(algorithm);
        for _ in 0..TOTAL / CHUNK {
            digester.update(std::hint::black_box(&chunk));
        }
        std::hint::black_box(digester.finish());
        best = best.min(js_sys::Date::now() - start);
    }
    (TOTAL as f64 / (1024.0 * 1024.0)) / (best / 1000.0)
}

#[wasm_bindgen_test]
#[ignore = "benchmark: run by scripts/bench"]
fn digest_streaming_throughput() {
    for algorithm in [Algorithm::Sha256, Algorithm::Sha512] {
        console_log!(
            "wasm32 (headless Chromium) {algorithm} streaming: {:.0} MiB/s ({} MiB in {} KiB chunks, best of 3)",
            throughput(algorithm),
            TOTAL / (1024 * 1024),
            CHUNK / 1024
        );
    }
}
