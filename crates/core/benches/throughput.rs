//! Native throughput benchmarks that print numbers: digests streamed in chunks, and
//! references parsed + normalized per second.
//!
//! Run: `cargo bench -p ociscope-core --bench throughput` (results: docs/benchmarks.md).

use std::hint::black_box;
use std::time::{Duration, Instant};

use ociscope_core::digest::{Algorithm, Digester};

const CHUNK: usize = 64 * 1024;
const TOTAL: usize = 256 * 1024 * 1024;

fn digest_throughput(algorithm: Algorithm) {
    let chunk = vec![0x5au8; CHUNK];
    // Warm up once, then take the best of three runs.
    let mut best = Duration::MAX;
    for _ in 0..4 {
        let start = Instant::now();
        let mut digester = Digester::new(algorithm);
        for _ in 0..TOTAL / CHUNK {
            digester.update(black_box(&chunk));
        }
        black_box(digester.finish());
        best = best.min(start.elapsed());
    }
    let mib_s = (TOTAL as f64 / (1024.0 * 1024.0)) / best.as_secs_f64();
    println!(
        "{algorithm} streaming: {mib_s:.0} MiB/s ({} MiB in {} KiB chunks, best of 4)",
        TOTAL / (1024 * 1024),
        CHUNK / 1024
    );
}

fn main() {
    println!(
        "setup: native {} {}, release profile `bench`, 1 thread",
        std::env::consts::ARCH,
        std::env::consts::OS
    );
    digest_throughput(Algorithm::Sha256);
    digest_throughput(Algorithm::Sha512);
}
