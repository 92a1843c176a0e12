//! The content-store behaviour suite against the in-memory store, natively and in Chromium.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use ociscope_core::content::MemoryStore;
use ociscope_spec_suite::content::{run_all, ContentCtx};
use ociscope_spec_suite::Outcome;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Runs a future that never pends (every memory operation completes at once).
fn run<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("a memory store future pended"),
    }
}

#[test]
fn content_suite_passes_on_memory() {
    let store = MemoryStore::new();
    let open = || Ok(store.clone());
    let report = run(run_all(&open, &ContentCtx::new("mem")));
    for r in &report.results {
        if let Outcome::Failed(f) = &r.outcome {
            eprintln!("FAILED {}: {f}", r.name);
        }
    }
    println!("{}", report.summary());
    assert!(report.is_success(), "{report}");
    assert_eq!(report.passed(), 11);
    // A second run with another prefix over the same store passes too (content is per run).
    let again = run(run_all(&open, &ContentCtx::new("mem2")));
    assert!(again.is_success(), "{again}");
}
