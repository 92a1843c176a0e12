//! The Spec behaviour suite against MemoryRegistry: with every feature, and with deletes and
//! mounts switched off (those checks then report "not applicable").
//!
//! The suite's `referrers_api: false` means "this Spec keeps the `sha256-<hex>` fallback tag
//! itself", which is what a client does over a registry without the API; MemoryRegistry is the
//! registry, so with the API off it answers `UNSUPPORTED` (tested in `memory.rs`), and the
//! fallback is checked through the HTTP client over a server that plays such a registry.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use ociscope_core::memory::{MemoryOptions, MemoryRegistry};
use ociscope_spec_suite::{run_all, Capabilities, Ctx, Outcome};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Runs a future that never pends (every memory operation completes at once).
fn run<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("a memory registry future pended"),
    }
}

fn print_failures(report: &ociscope_spec_suite::Report) {
    for r in &report.results {
        if let Outcome::Failed(f) = &r.outcome {
            eprintln!("FAILED {}: {f:?}", r.name);
        }
    }
}

#[test]
fn suite_passes_with_every_feature() {
    let reg = MemoryRegistry::new();
    let report = run(run_all(&reg, &Ctx::new("suite")));
    println!("{}", report.summary());
    print_failures(&report);
    assert!(report.is_success(), "{}", report.summary());
    assert_eq!(
        report.not_applicable(),
        report
            .results
            .iter()
            .filter(|r| r.name.contains("fallback"))
            .count()
    );
    assert!(report.passed() > 20);
}

#[test]
fn suite_passes_with_features_off() {
    let reg = MemoryRegistry::with_options(MemoryOptions {
        delete_enabled: false,
        mount_enabled: false,
        ..MemoryOptions::default()
    });
    let caps = Capabilities {
        deletes: false,
        delete_tags: false,
        mount: false,
        catalog: true,
        referrers_api: true,
    };
    let report = run(run_all(&reg, &Ctx::new("suite").with_capabilities(caps)));
    println!("{}", report.summary());
    print_failures(&report);
    assert!(report.is_success(), "{}", report.summary());
    assert!(report.not_applicable() > 0);
}

#[test]
fn suite_passes_with_a_chunk_minimum() {
    let reg = MemoryRegistry::with_options(MemoryOptions {
        min_chunk_len: 4096,
        ..MemoryOptions::default()
    });
    let report = run(run_all(&reg, &Ctx::new("suite")));
    print_failures(&report);
    assert!(report.is_success(), "{}", report.summary());
}
