//! Populates an in-memory registry with the demo content and prints what it holds.
//!
//! `cargo run -p ociscope-demo --example populate -- [repositories] [tags]`

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use ociscope_core::spec::collect_all;
use ociscope_core::MemoryRegistry;
use ociscope_demo::{populate, DemoOptions};

/// Runs a future that never pends (the memory registry's).
fn run<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => unreachable!("memory registry futures complete at once"),
    }
}

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let mut options = DemoOptions::default();
    if let Some(Ok(n)) = args.next() {
        options.repositories = n;
    }
    if let Some(Ok(n)) = args.next() {
        options.tags = n;
    }
    let registry = MemoryRegistry::new();
    let summary = match run(populate(&registry, &options)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("populate failed: {e}");
            std::process::exit(1);
        }
    };
    let repos = run(collect_all(&registry, None, 1000, None)).unwrap_or_default();
    println!("{} repositories (first: {:?})", repos.len(), repos.first());
    println!(
        "index {} over {} platforms",
        summary.index.digest,
        summary.images.len()
    );
    for r in &summary.referrers {
        println!(
            "referrer {} {}",
            r.artifact_type.as_deref().unwrap_or("-"),
            r.digest
        );
    }
    println!(
        "{} tags in {}",
        summary.tag_count,
        ociscope_demo::VERSIONS_REPO
    );
    for h in summary.highlights() {
        println!("try {h}");
    }
}
