//! Copies an image (an index with every platform, optionally with its referrers) from one
//! plain-HTTP registry to another through the native HTTP client, and prints what it did as
//! one JSON line. Used by `scripts/bench_copy.sh`; native only (`ociscope-native` speaks plain
//! HTTP, enough for loopback registries).
//!
//! ```text
//! cargo run --release -p ociscope-tools --example copy -- \
//!     http://127.0.0.1:5000 demo/hello:latest http://127.0.0.1:5001 copy/hello:latest \
//!     [--referrers] [--concurrency N] [--chunk-mib N]
//! ```

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    std::process::exit(native::main());
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::time::Instant;

    use ociscope_core::client::Options;
    use ociscope_core::spec::{ManifestRef, RepoName, Tag};
    use ociscope_tools::copy::{copy_image, CopyOptions};

    /// `repo:tag` into its typed parts.
    fn target(text: &str) -> Result<(RepoName, Tag), String> {
        let (repo, tag) = text
            .rsplit_once(':')
            .ok_or_else(|| format!("{text:?}: expected REPO:TAG"))?;
        let repo = RepoName::new(repo).map_err(|e| e.to_string())?;
        let tag = Tag::new(tag).map_err(|e| e.to_string())?;
        Ok((repo, tag))
    }

    fn run(args: &[String]) -> Result<String, String> {
        let usage = "usage: copy SRC_URL SRC_REPO:TAG DST_URL DST_REPO:TAG [--referrers] \
                     [--concurrency N] [--chunk-mib N]";
        let [src_url, src, dst_url, dst, rest @ ..] = args else {
            return Err(usage.to_string());
        };
        let mut options = CopyOptions::default();
        let mut rest = rest.iter();
        while let Some(flag) = rest.next() {
            match flag.as_str() {
                "--referrers" => options.referrers = true,
                "--chunk-mib" => {
                    let mib: usize = rest
                        .next()
                        .and_then(|n| n.parse().ok())
                        .ok_or("--chunk-mib takes a number")?;
                    options.chunk_size = Some(mib << 20);
                }
                "--concurrency" => {
                    options.concurrency = rest
                        .next()
                        .and_then(|n| n.parse().ok())
                        .ok_or("--concurrency takes a number")?;
                }
                other => return Err(format!("unknown option {other:?}; {usage}")),
            }
        }
        let (src_repo, src_tag) = target(src)?;
        let (dst_repo, dst_tag) = target(dst)?;
        options.tags = vec![dst_tag];
        let from =
            ociscope_native::connect(src_url, Options::default()).map_err(|e| e.to_string())?;
        let to =
            ociscope_native::connect(dst_url, Options::default()).map_err(|e| e.to_string())?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let started = Instant::now();
        let report = runtime
            .block_on(copy_image(
                &from,
                &src_repo,
                &ManifestRef::Tag(src_tag),
                &to,
                &dst_repo,
                &options,
                &|_| {},
            ))
            .map_err(|e| e.to_string())?;
        let seconds = started.elapsed().as_secs_f64();
        Ok(serde_json::json!({
            "seconds": seconds,
            "copied": report.copied,
            "present": report.present,
            "bytes": report.bytes_copied,
            "retried": report.retried,
            "root": report.roots.first().map(|d| d.digest.to_string()),
        })
        .to_string())
    }

    pub fn main() -> i32 {
        let args: Vec<String> = std::env::args().skip(1).collect();
        match run(&args) {
            Ok(line) => {
                println!("{line}");
                0
            }
            Err(e) => {
                eprintln!("copy: {e}");
                1
            }
        }
    }
}
