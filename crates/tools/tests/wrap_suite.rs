//! The behaviour suite over each wrapper of the in-memory registry: a wrapper is a `Spec`, so
//! it answers every case with the codes of the contract. `ReadOnly` is the exception by
//! design: its writes answer `DENIED`, and only those checks fail.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use ociscope_core::memory::MemoryRegistry;
use ociscope_core::spec::{collect_all, ManifestRef, RepoName, Spec, Tag};
use ociscope_spec_suite::{run_all, Ctx, Outcome, Report};
use ociscope_tools::wrap::cache::{CacheOptions, Cached};
use ociscope_tools::wrap::clock::{Clock, ManualClock};
use ociscope_tools::wrap::prefix::Prefixed;
use ociscope_tools::wrap::rate_limit::{RateLimit, RateLimited};
use ociscope_tools::wrap::read_only::ReadOnly;
use ociscope_tools::wrap::shared_client;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// Runs a future that never pends (memory and the manual clock answer at once).
fn run<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("a future pended"),
    }
}

/// Runs the suite over `spec` and asserts every applicable check passed.
fn passes<S: Spec>(what: &str, spec: &S) -> Report {
    let report = run(run_all(spec, &Ctx::new("suite")));
    for r in &report.results {
        if let Outcome::Failed(f) = &r.outcome {
            eprintln!("{what}: FAILED {}: {f}", r.name);
        }
    }
    println!("{what}: {}", report.summary());
    assert!(report.is_success(), "{what}: {}", report.summary());
    assert!(report.passed() > 30, "{what}: {}", report.summary());
    report
}

#[test]
fn suite_passes_over_the_cache() {
    let cache = Cached::new(
        MemoryRegistry::new(),
        ManualClock::new(),
        CacheOptions::default(),
    );
    passes("cached", &cache);
    assert!(cache.stats().hits > 0, "{:?}", cache.stats());

    let with_tags = CacheOptions {
        tag_ttl_ms: Some(60_000),
        referrers_ttl_ms: Some(60_000),
        ..CacheOptions::default()
    };
    let cache = Cached::new(MemoryRegistry::new(), ManualClock::new(), with_tags);
    passes("cached, tags and referrers kept", &cache);

    let tiny = CacheOptions {
        max_blob_bytes: 100,
        max_total_bytes: 2_000,
        ..CacheOptions::default()
    };
    let cache = Cached::new(MemoryRegistry::new(), ManualClock::new(), tiny);
    passes("cached, tiny budget", &cache);
    assert!(cache.stats().evictions > 0, "{:?}", cache.stats());
    assert!(cache.stats().bytes <= 2_000);
}

#[test]
fn suite_passes_under_a_prefix_and_stays_inside_it() {
    let inner = MemoryRegistry::new();
    let team = Prefixed::new(inner.clone(), RepoName::new("team").unwrap());
    passes("prefixed", &team);
    let all = run(collect_all(&inner, None, 100, None)).unwrap();
    assert!(!all.is_empty());
    assert!(all.iter().all(|n| n.starts_with("team/suite/")), "{all:?}");
}

#[test]
fn suite_passes_rate_limited_and_is_paced() {
    let clock = ManualClock::new();
    let limit = RateLimit::per_second(50.0, 5).unwrap();
    let limited = RateLimited::new(MemoryRegistry::new(), clock.clone(), limit);
    passes("rate limited", &limited);
    // Hundreds of requests at 50/s after a burst of 5: virtual seconds went by, all waited.
    assert!(clock.now_ms() >= 2_000, "{} ms", clock.now_ms());
    assert_eq!(clock.now_ms(), limited.waited_ms());
}

#[test]
fn suite_passes_over_the_shared_client() {
    let limit = RateLimit::per_second(100.0, 10).unwrap();
    let client = shared_client(
        MemoryRegistry::new(),
        ManualClock::new(),
        CacheOptions::default(),
        limit,
    );
    passes("shared client", &client);
}

#[test]
fn read_only_fails_exactly_the_writes_with_denied_and_reads_pass() {
    let memory = MemoryRegistry::new();
    passes("memory, to fill it", &memory);
    let ro = ReadOnly::new(memory.clone());
    let report = run(run_all(&ro, &Ctx::new("suite")));
    println!("read-only: {}", report.summary());
    assert!(report.failed() > 20, "{}", report.summary());
    assert!(report.passed() > 0, "{}", report.summary());
    assert_eq!(report.outcome("ping"), Some(&Outcome::Passed));
    for r in &report.results {
        if let Outcome::Failed(f) = &r.outcome {
            assert!(f.0.contains("DENIED"), "{}: {f}", r.name);
        }
    }
    // Every repository, tag and tagged manifest the suite left reads the same through it.
    let names = run(collect_all(&ro, None, 7, None)).unwrap();
    assert_eq!(names, run(collect_all(&memory, None, 100, None)).unwrap());
    let mut manifests = 0;
    for name in &names {
        let repo = RepoName::new(name.as_str()).unwrap();
        let tags = run(collect_all(&ro, Some(&repo), 3, None)).unwrap();
        for tag in tags {
            let reference = ManifestRef::Tag(Tag::new(tag).unwrap());
            let through = run(ro.get_manifest(&repo, &reference)).unwrap();
            let direct = run(memory.get_manifest(&repo, &reference)).unwrap();
            assert_eq!(through.content, direct.content);
            manifests += 1;
        }
    }
    assert!(manifests > 0);
}
