//! Native throughput benchmarks that print numbers: digests streamed in chunks, and
//! references parsed + normalized per second.
//!
//! Run: `cargo bench -p ociscope-core --bench throughput` (results: docs/benchmarks.md).

use std::hint::black_box;
use std::time::{Duration, Instant};

use ociscope_core::digest::{Algorithm, Digester};
use ociscope_core::Reference;

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

/// A mix of the reference shapes registries and users write.
const REFERENCES: &[&str] = &[
    "ubuntu",
    "ubuntu:24.04",
    "library/busybox:latest",
    "docker.io/library/alpine:3.20",
    "index.docker.io/nginx",
    "ghcr.io/owner/project/app:v1.2.3",
    "localhost:5000/team/service@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "[::1]:5000/repo:tag",
    "registry.example.com:443/a/b/c/d:1.0-rc.1",
    "quay.io/prometheus/node-exporter:v1.8.2@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
];

fn reference_throughput() {
    let mut best = Duration::MAX;
    const ROUNDS: usize = 50_000;
    for _ in 0..4 {
        let start = Instant::now();
        for _ in 0..ROUNDS {
            for input in REFERENCES {
                black_box(Reference::parse_normalized(black_box(input)).expect("valid"));
            }
        }
        best = best.min(start.elapsed());
    }
    let n = (ROUNDS * REFERENCES.len()) as f64;
    println!(
        "references parsed + normalized: {:.2} million/s ({} inputs of {} shapes, best of 4)",
        n / best.as_secs_f64() / 1e6,
        ROUNDS * REFERENCES.len(),
        REFERENCES.len()
    );
}

fn main() {
    println!(
        "setup: native {} {}, release profile `bench`, 1 thread",
        std::env::consts::ARCH,
        std::env::consts::OS
    );
    reference_throughput();
    digest_throughput(Algorithm::Sha256);
    digest_throughput(Algorithm::Sha512);
}
