//! `ociscope-server`: serves the OCI distribution API (and optionally the web app) from memory
//! or from storage that keeps what is pushed (`--storage DIR`); `ociscope-server gc` collects
//! the garbage of such storage.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ociscope_core::memory::MemoryRegistry;
use ociscope_core::spec::Either;
use ociscope_demo::DemoOptions;
use ociscope_server::{AuthMode, Config, Credentials, FaultRule, Grant, Quirk, Quirks, Server};
use ociscope_storage::{collect_garbage, DriverRegistry, FsDriver, GcOptions, GcReport};

/// An OCI registry (distribution-spec v1.1) in memory or on disk, with CORS, auth and fault
/// injection.
#[derive(Parser, Debug)]
#[command(name = "ociscope-server", version)]
struct Args {
    /// Other commands (without one: serve).
    #[command(subcommand)]
    command: Option<Command>,

    /// Where content is kept: `memory` (the default; lost on exit), a directory (kept across
    /// restarts: blobs by digest, atomic writes, uploads resumable after a restart) or, in a
    /// build with the `s3` feature, `s3://BUCKET[/PREFIX]` (credentials, region and endpoint
    /// from AWS_* variables: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT,
    /// AWS_ALLOW_HTTP).
    #[arg(
        long,
        value_name = "memory|DIR|s3://BUCKET[/PREFIX]",
        default_value = "memory"
    )]
    storage: StorageArg,

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

    /// Forward the distribution API of the registry at URL (http[s]://HOST[:PORT]) under
    /// /upstream/NAME/v2/… (and /v2/upstream/NAME/… for Docker-style clients), with CORS,
    /// rewritten Location/Link/realm and redirects to other origins followed; repeatable.
    /// Only these are reachable: never an open proxy.
    #[arg(long = "upstream", value_name = "NAME=URL")]
    upstreams: Vec<ociscope_server::Upstream>,

    /// A PEM file of CA certificates trusted for https:// upstreams besides Mozilla's roots
    /// (a private registry's CA); repeatable.
    #[arg(long = "upstream-ca", value_name = "FILE.pem")]
    upstream_ca: Vec<PathBuf>,

    /// Seconds an upstream may take to connect, to answer, or stall in a body.
    #[arg(long, default_value_t = ociscope_server::DEFAULT_TIMEOUT.as_secs())]
    upstream_timeout_secs: u64,

    /// Upstream requests in flight at most (more answer 429 with Retry-After).
    #[arg(long, default_value_t = ociscope_server::DEFAULT_MAX_CONCURRENT)]
    upstream_max_concurrent: usize,

    /// With --app: registries the app may connect to besides this server, as CSP sources
    /// (e.g. `https://registry.example http://10.0.0.5:5000`); by default any http:/https: one.
    #[arg(long, value_name = "SOURCES")]
    connect_src: Option<String>,

    /// With --storage s3://…: answer whole-blob GETs with a 307 to a presigned URL of the
    /// object, valid this many seconds (as distribution's redirect middleware); HEAD and
    /// ranged GETs stay answered by the server.
    #[arg(long, value_name = "SECONDS")]
    blob_redirect: Option<u64>,

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

/// Commands besides serving.
#[derive(Subcommand, Debug)]
enum Command {
    /// Remove blobs no manifest references from a --storage DIR (deleting images through the
    /// API only removes links). Safe beside a running server: uploads in progress and blobs
    /// younger than --grace-secs are kept.
    Gc {
        /// The storage (as given to --storage): a directory, or s3://BUCKET[/PREFIX] in a build
        /// with the `s3` feature.
        #[arg(long, value_name = "DIR|s3://BUCKET[/PREFIX]")]
        storage: StorageArg,
        /// List what would be removed, remove nothing.
        #[arg(long)]
        dry_run: bool,
        /// Keep unreferenced blobs written less than this many seconds ago.
        #[arg(long, default_value_t = 3600)]
        grace_secs: u64,
        /// Remove uploads started more than this many seconds ago (abandoned).
        #[arg(long, default_value_t = 7 * 24 * 3600)]
        upload_max_age_secs: u64,
    },
}

/// Where the server keeps content.
#[derive(Clone, Debug, PartialEq, Eq)]
enum StorageArg {
    /// `MemoryRegistry`.
    Memory,
    /// `DriverRegistry` over a filesystem directory.
    Dir(PathBuf),
    /// `DriverRegistry` over S3: the `s3://` URL.
    S3(String),
}

impl std::str::FromStr for StorageArg {
    type Err = String;
    /// `memory`, else a directory (write `./memory` for a directory of that name).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "" => Err("--storage needs `memory` or a directory".into()),
            "memory" => Ok(StorageArg::Memory),
            url if url.starts_with("s3://") => Ok(StorageArg::S3(url.to_string())),
            dir => Ok(StorageArg::Dir(PathBuf::from(dir))),
        }
    }
}

/// The object-storage side of [`Storage`]: the S3 driver when built with it.
#[cfg(feature = "s3")]
type ObjectStorage = DriverRegistry<ociscope_storage::S3Driver>;
/// Without the `s3` feature there is no object storage; never built.
#[cfg(not(feature = "s3"))]
type ObjectStorage = MemoryRegistry;

/// The storage the server runs over.
type Storage = Either<MemoryRegistry, Either<DriverRegistry<FsDriver>, ObjectStorage>>;

/// What serving needs: listen address, demo, storage, config, `--blob-redirect`.
type Serve = (
    String,
    Option<DemoOptions>,
    StorageArg,
    Config,
    Option<std::time::Duration>,
);

/// Presigned URLs of the S3 storage's blobs, valid `expires` (`--blob-redirect`).
#[cfg(feature = "s3")]
struct SignedBlobUrls {
    registry: ObjectStorage,
    expires: std::time::Duration,
}

#[cfg(feature = "s3")]
impl ociscope_server::BlobUrls for SignedBlobUrls {
    fn blob_url<'a>(
        &'a self,
        repo: &'a ociscope_core::spec::RepoName,
        digest: &'a ociscope_core::Digest,
    ) -> ociscope_server::BlobUrlFuture<'a> {
        Box::pin(self.registry.blob_url(repo, digest, self.expires))
    }
}

/// The `--blob-redirect` URLs of `storage` (S3 only).
fn blob_urls(
    storage: &Storage,
    expires: std::time::Duration,
) -> std::io::Result<Box<dyn ociscope_server::BlobUrls>> {
    match storage {
        #[cfg(feature = "s3")]
        Either::Right(Either::Right(registry)) => Ok(Box::new(SignedBlobUrls {
            registry: registry.clone(),
            expires,
        })),
        _ => {
            let _ = expires;
            Err(std::io::Error::other(
                "--blob-redirect needs --storage s3://… in a build with the s3 feature",
            ))
        }
    }
}

/// Opens the storage (cleaning a directory's half-written temporary files).
fn open_storage(arg: &StorageArg) -> std::io::Result<Storage> {
    match arg {
        StorageArg::Memory => Ok(Either::Left(MemoryRegistry::new())),
        StorageArg::Dir(dir) => {
            let (driver, cleaned) = FsDriver::open(dir)?;
            eprintln!(
                "storage: {} ({cleaned} half-written temporary files removed)",
                dir.display()
            );
            Ok(Either::Right(Either::Left(DriverRegistry::new(driver))))
        }
        #[cfg(feature = "s3")]
        StorageArg::S3(url) => {
            let driver = ociscope_storage::S3Driver::from_url(url)
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            eprintln!("storage: {url}");
            Ok(Either::Right(Either::Right(DriverRegistry::new(driver))))
        }
        #[cfg(not(feature = "s3"))]
        StorageArg::S3(url) => Err(std::io::Error::other(format!(
            "--storage {url}: this build has no S3 driver (build with `--features s3`)"
        ))),
    }
}

/// Runs the collector over the storage named.
async fn gc_report(storage: &StorageArg, options: &GcOptions) -> Result<GcReport, String> {
    match storage {
        StorageArg::Memory => {
            Err("gc needs a --storage DIR (memory storage ends with the server)".into())
        }
        StorageArg::Dir(dir) => {
            if !dir.is_dir() {
                return Err(format!("{} is not a directory", dir.display()));
            }
            let driver = FsDriver::attach(dir).map_err(|e| e.to_string())?;
            collect_garbage(&DriverRegistry::new(driver), options)
                .await
                .map_err(|e| e.to_string())
        }
        #[cfg(feature = "s3")]
        StorageArg::S3(url) => {
            let driver = ociscope_storage::S3Driver::from_url(url).map_err(|e| e.to_string())?;
            collect_garbage(&DriverRegistry::new(driver), options)
                .await
                .map_err(|e| e.to_string())
        }
        #[cfg(not(feature = "s3"))]
        StorageArg::S3(url) => Err(format!(
            "{url}: this build has no S3 driver (build with `--features s3`)"
        )),
    }
}

/// `ociscope-server gc`: prints what is (or would be) removed and a summary.
fn run_gc(storage: &StorageArg, options: GcOptions) -> ExitCode {
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
    match runtime.block_on(gc_report(storage, &options)) {
        Ok(report) => {
            let verb = if options.dry_run {
                "would remove"
            } else {
                "removed"
            };
            let mut out = std::io::stdout().lock();
            for (digest, size) in &report.removed {
                let _ = writeln!(out, "{verb} blob {digest} ({size} bytes)");
            }
            for upload in &report.uploads_removed {
                let _ = writeln!(out, "{verb} abandoned upload {upload}");
            }
            let _ = writeln!(
                out,
                "{verb} {} blobs, {} bytes; kept {} referenced, {} younger than the grace \
                 period, {} uploads in progress",
                report.removed.len(),
                report.bytes_freed(),
                report.referenced,
                report.kept_young.len(),
                report.uploads_kept
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ociscope-server gc: {e}");
            ExitCode::FAILURE
        }
    }
}

impl Args {
    fn config(self) -> Result<Serve, String> {
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
        let mut upstream_ca = Vec::new();
        for file in &self.upstream_ca {
            let pem = std::fs::read(file)
                .map_err(|e| format!("--upstream-ca {}: {e}", file.display()))?;
            upstream_ca.extend(
                ociscope_server::CaCertificate::from_pem(&pem)
                    .map_err(|e| format!("--upstream-ca {}: {e}", file.display()))?,
            );
        }
        let config = Config {
            upstream_ca,
            auth,
            users: self.basic_auth,
            grants: self.grants,
            faults: self.faults,
            seed: self.seed,
            app_dir: self.app,
            max_blob_size: self.max_blob_size,
            max_manifest_size: self.max_manifest_size,
            quirks: Quirks::from_list(&self.quirks),
            upstreams: self.upstreams,
            connect_src: self
                .connect_src
                .map(|sources| format!("'self' {}", sources.trim())),
            upstream_timeout: std::time::Duration::from_secs(self.upstream_timeout_secs.max(1)),
            upstream_max_concurrent: self.upstream_max_concurrent,
            ..Config::default()
        };
        let demo = self.demo.then_some(DemoOptions {
            repositories: self.demo_repositories,
            tags: self.demo_tags,
        });
        if self.blob_redirect.is_some() && !matches!(self.storage, StorageArg::S3(_)) {
            return Err("--blob-redirect needs --storage s3://… (presigned URLs)".into());
        }
        let blob_redirect = self
            .blob_redirect
            .map(|secs| std::time::Duration::from_secs(secs.clamp(1, 7 * 24 * 3600)));
        Ok((self.listen, demo, self.storage, config, blob_redirect))
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
    let mut args = Args::parse();
    if let Some(Command::Gc {
        storage,
        dry_run,
        grace_secs,
        upload_max_age_secs,
    }) = args.command.take()
    {
        let options = GcOptions {
            dry_run,
            grace: std::time::Duration::from_secs(grace_secs),
            upload_max_age: Some(std::time::Duration::from_secs(upload_max_age_secs)),
        };
        return run_gc(&storage, options);
    }
    let (listen, demo, storage, config, blob_redirect) = match args.config() {
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
        let spec = open_storage(&storage)?;
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
        let urls = match blob_redirect {
            Some(expires) => Some(blob_urls(&spec, expires)?),
            None => None,
        };
        let mut server = Server::new(spec, config);
        if let Some(urls) = urls {
            server = server.with_blob_urls(urls);
        }
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
