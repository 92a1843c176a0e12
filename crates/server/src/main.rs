//! `ociscope-server`: serves the OCI distribution API (and optionally the web app) from memory.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ociscope_core::memory::MemoryRegistry;
use ociscope_demo::DemoOptions;
use ociscope_server::{AuthMode, Config, Credentials, FaultRule, Grant, Quirk, Quirks, Server};

/// An OCI registry (distribution-spec v1.1) in memory, with CORS, auth and fault injection.
#[derive(Parser, Debug)]
#[command(name = "ociscope-server", version)]
struct Args {
    /// Address to listen on; port 0 lets the OS choose.
    #[arg(long, default_value = "127.0.0.1:5000")]
    listen: String,

    /// Accept these Basic credentials (USER:PASSWORD); repeatable. Alone, enables Basic auth.
    #[arg(long = "basic-auth", value_name = "USER:PASSWORD")]
    basic_auth: Vec<Credentials>,

    /// Require bearer tokens, issued at /token against the --basic-auth users.
    #[arg(long)]
    token_auth: bool,

    /// Grant USER (or `anonymous`) ACTIONS (pull,push,delete,*) on repositories matching a glob;
    /// repeatable. With none, every authenticated user may do everything.
    #[arg(long = "grant", value_name = "USER:REPO-GLOB:ACTIONS")]
    grants: Vec<Grant>,

    /// Inject a fault: KIND[:[METHOD ]PATH-GLOB]:RATE with KIND 429, 503, reset, truncate or
    /// corrupt (e.g. `429:0.1`, `reset:PATCH /v2/*/blobs/uploads/*:0.5`); repeatable. CORS
    /// preflights (OPTIONS) are never faulted.
    #[arg(long = "fault", value_name = "RULE")]
    faults: Vec<FaultRule>,

    /// Reproduce an upload quirk of a real registry: max-request=BYTES (416 above it, as
    /// GHCR), chunk-min=BYTES (announced and enforced), patch-201, stale-range or
    /// empty-put-500 (as ECR); sizes take KiB/MiB; repeatable.
    #[arg(long = "quirk", value_name = "QUIRK")]
    quirks: Vec<Quirk>,

    /// Seed of the fault generator (same seed, same requests: same faults).
    #[arg(long, default_value_t = 1)]
    seed: u64,

    /// Serve a built web app (Trunk's dist/) at / beside /v2/.
    #[arg(long, value_name = "DIR")]
    app: Option<PathBuf>,

    /// Fill the registry with the demo content (ociscope-demo) before listening.
    #[arg(long)]
    demo: bool,

    /// With --demo: how many small repositories to add besides the featured ones.
    #[arg(long, default_value_t = 3000)]
    demo_repositories: usize,

    /// With --demo: how many version tags to add.
    #[arg(long, default_value_t = 3000)]
    demo_tags: usize,

    /// Largest blob accepted, in bytes.
    #[arg(long, default_value_t = ociscope_server::DEFAULT_MAX_BLOB_SIZE)]
    max_blob_size: u64,

    /// Largest manifest accepted, in bytes.
    #[arg(long, default_value_t = ociscope_server::DEFAULT_MAX_MANIFEST_SIZE)]
    max_manifest_size: u64,
}

impl Args {
    fn config(self) -> Result<(String, Option<DemoOptions>, Config), String> {
        let auth = match (self.token_auth, self.basic_auth.is_empty()) {
            (true, _) => AuthMode::Bearer,
            (false, false) => AuthMode::Basic,
            (false, true) if !self.grants.is_empty() => AuthMode::Basic,
            (false, true) => AuthMode::None,
        };
        if let Some(dir) = &self.app {
            if !dir.join("index.html").is_file() {
                return Err(format!("--app {}: no index.html there", dir.display()));
            }
        }
        let config = Config {
            auth,
            users: self.basic_auth,
            grants: self.grants,
            faults: self.faults,
            seed: self.seed,
            app_dir: self.app,
            max_blob_size: self.max_blob_size,
            max_manifest_size: self.max_manifest_size,
            quirks: Quirks::from_list(&self.quirks),
            ..Config::default()
        };
        let demo = self.demo.then_some(DemoOptions {
            repositories: self.demo_repositories,
            tags: self.demo_tags,
        });
        Ok((self.listen, demo, config))
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn main() -> ExitCode {
    let (listen, demo, config) = match Args::parse().config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ociscope-server: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ociscope-server: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let local = tokio::task::LocalSet::new();
    let result = local.block_on(&runtime, async move {
        let listener = tokio::net::TcpListener::bind(&listen).await?;
        let addr = listener.local_addr()?;
        let spec = MemoryRegistry::new();
        if let Some(options) = demo {
            let summary = ociscope_demo::populate(&spec, &options)
                .await
                .map_err(|e| std::io::Error::other(format!("demo content: {e}")))?;
            eprintln!(
                "demo: {} repositories; open {}",
                summary.repository_count,
                summary.highlights().join(", ")
            );
        }
        let server = Server::new(spec, config);
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "listening on http://{addr}")?;
            out.flush()?;
        }
        server.serve_until(listener, shutdown_signal()).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ociscope-server: {e}");
            ExitCode::FAILURE
        }
    }
}
