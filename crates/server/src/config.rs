//! What the server does besides serving the registry API: every option is off by default.

use std::path::PathBuf;
use std::str::FromStr;

use crate::auth::Grant;
use crate::faults::FaultRule;
use crate::forward::{CaCertificate, Upstream};
use crate::quirks::Quirks;

/// Largest manifest accepted by default: 4 MiB, as CNCF distribution and containerd.
pub const DEFAULT_MAX_MANIFEST_SIZE: u64 = 4 * 1024 * 1024;
/// Largest blob accepted by default: 1 GiB (the default store holds blobs in memory).
pub const DEFAULT_MAX_BLOB_SIZE: u64 = 1024 * 1024 * 1024;

/// How requests are authenticated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AuthMode {
    /// No authentication: everyone may do everything.
    #[default]
    None,
    /// HTTP Basic credentials on every request.
    Basic,
    /// Bearer tokens issued by the server's own token endpoint (`/token`).
    Bearer,
}

/// A user name and password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// User name.
    pub user: String,
    /// Password.
    pub password: String,
}

impl FromStr for Credentials {
    type Err = String;
    /// Parses `user:password` (the password may hold `:`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            Some((user, password)) if !user.is_empty() => Ok(Credentials {
                user: user.to_string(),
                password: password.to_string(),
            }),
            _ => Err(format!("expected user:password, got {s:?}")),
        }
    }
}

/// The server's configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// How requests are authenticated.
    pub auth: AuthMode,
    /// Known users (Basic credentials on requests, or at the token endpoint).
    pub users: Vec<Credentials>,
    /// Who may do what where; with none, every authenticated user may do everything.
    pub grants: Vec<Grant>,
    /// Faults to inject.
    pub faults: Vec<FaultRule>,
    /// Seed of the fault generator: the same seed and requests give the same faults.
    pub seed: u64,
    /// A built web app (Trunk's `dist/`) served at `/`.
    pub app_dir: Option<PathBuf>,
    /// Largest manifest body accepted (bytes); larger ones get 413 `SIZE_INVALID`.
    pub max_manifest_size: u64,
    /// Largest blob accepted (bytes); larger uploads get 413 `SIZE_INVALID`.
    pub max_blob_size: u64,
    /// The `OCI-Chunk-Min-Length` advertised when an upload starts (advisory: the server
    /// accepts smaller chunks, since the last chunk of an upload may always be smaller).
    pub chunk_min_length: u64,
    /// Lifetime of issued bearer tokens, in seconds.
    pub token_lifetime_secs: u64,
    /// Upload quirks of real registries to reproduce (none by default).
    pub quirks: Quirks,
    /// Referrers in one answer when the client asks no `n`: more are paged with a `Link`.
    pub referrers_page_size: usize,
    /// Registries forwarded under `/upstream/NAME/` (none by default).
    pub upstreams: Vec<Upstream>,
    /// Timeout of an upstream's connection, response head and stalled body.
    pub upstream_timeout: std::time::Duration,
    /// Upstream requests in flight at most; more answer 429.
    pub upstream_max_concurrent: usize,
    /// CAs trusted for `https://` upstreams besides Mozilla's roots (none by default).
    pub upstream_ca: Vec<CaCertificate>,
    /// The app's CSP `connect-src` sources (None: the server and any `http:`/`https:` origin).
    pub connect_src: Option<String>,
}

/// Referrers answered in one page unless the client asks for fewer: 1000.
pub const DEFAULT_REFERRERS_PAGE_SIZE: usize = 1000;

impl Default for Config {
    fn default() -> Self {
        Config {
            auth: AuthMode::None,
            users: Vec::new(),
            grants: Vec::new(),
            faults: Vec::new(),
            seed: 1,
            app_dir: None,
            max_manifest_size: DEFAULT_MAX_MANIFEST_SIZE,
            max_blob_size: DEFAULT_MAX_BLOB_SIZE,
            chunk_min_length: 1,
            token_lifetime_secs: 300,
            quirks: Quirks::default(),
            referrers_page_size: DEFAULT_REFERRERS_PAGE_SIZE,
            upstreams: Vec::new(),
            upstream_timeout: crate::forward::DEFAULT_TIMEOUT,
            upstream_max_concurrent: crate::forward::DEFAULT_MAX_CONCURRENT,
            upstream_ca: Vec::new(),
            connect_src: None,
        }
    }
}
