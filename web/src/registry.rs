//! The registry the app talks to: one enum over the `Spec` implementations the app can use.
//!
//! Decisions:
//! - Views never see a concrete `Spec`: they call one method per operation on [`Registry`].
//!   Adding a backend is one variant plus one line in the `dispatch!` macro.
//! - Each variant is wrapped in a [`SendWrapper`]: Leptos wants captured values to be `Send`,
//!   wasm is single-threaded and the `Spec` implementations are `Rc`-based. Clones are cheap
//!   (reference counts), and every clone talks to the same registry.
//! - Registries are named by the `registry` URL parameter. `demo:` is the in-browser demo
//!   ([`ociscope_demo::populate`] into a [`MemoryRegistry`]), made and filled once per page; `mem:NAME` names an in-memory registry the page
//!   installed with [`install`] (tests use it). `http://` and `https://` keys are registries
//!   reached through the Fetch transport (`ociscope-fetch`), with the credentials
//!   [`crate::credentials`] holds for their origin; [`forget`] drops an opened one so new
//!   credentials take effect.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use bytes::Bytes;
use ociscope_core::client::{HttpSpec, Options};
use ociscope_core::memory::MemoryRegistry;
use ociscope_core::spec::{
    BlobReader, Error, ManifestBytes, ManifestRef, Page, PageRequest, Resumable, Spec,
};
use ociscope_core::{Descriptor, Digest};
use ociscope_demo::DemoOptions;
use ociscope_fetch::FetchTransport;
use send_wrapper::SendWrapper;

use crate::credentials;
use crate::upload::{self, Interrupted, Source};

/// A registry the app can use.
#[derive(Clone)]
pub enum Registry {
    /// A registry held in this page's memory: the demo, or one a test filled.
    Memory(SendWrapper<MemoryRegistry>),
    /// A registry over HTTP, through the browser's Fetch API.
    Http(SendWrapper<HttpSpec<FetchTransport>>),
}

/// Runs `$body` with `$spec` bound to the variant's `Spec` implementation.
macro_rules! dispatch {
    ($self:expr, $spec:ident => $body:expr) => {
        match $self {
            Registry::Memory(inner) => {
                let $spec: &MemoryRegistry = inner;
                $body
            }
            Registry::Http(inner) => {
                let $spec: &HttpSpec<FetchTransport> = inner;
                $body
            }
        }
    };
}

impl Registry {
    /// A registry over an in-memory one (clones share its content).
    pub fn memory(registry: MemoryRegistry) -> Registry {
        Registry::Memory(SendWrapper::new(registry))
    }

    /// The host people pull from (`host[:port]`); empty for registries inside the page.
    pub fn pull_host(&self) -> String {
        match self {
            Registry::Memory(_) => String::new(),
            Registry::Http(spec) => {
                let address = spec.registry();
                match address.port {
                    Some(port) => format!("{}:{port}", address.host),
                    None => address.host.clone(),
                }
            }
        }
    }

    /// True when the registry lives inside this page (nothing leaves the browser).
    pub fn is_in_page(&self) -> bool {
        matches!(self, Registry::Memory(_))
    }

    /// Checks that the registry answers the distribution API.
    pub async fn ping(&self) -> Result<(), Error> {
        dispatch!(self, s => s.ping().await)
    }

    /// One page of repository names.
    pub async fn list_repositories(&self, page: &PageRequest) -> Result<Page, Error> {
        dispatch!(self, s => s.list_repositories(page).await)
    }

    /// One page of a repository's tags.
    pub async fn list_tags(&self, repo: &str, page: &PageRequest) -> Result<Page, Error> {
        dispatch!(self, s => s.list_tags(repo, page).await)
    }

    /// A manifest's descriptor without its content.
    pub async fn stat_manifest(&self, repo: &str, r: &ManifestRef) -> Result<Descriptor, Error> {
        dispatch!(self, s => s.stat_manifest(repo, r).await)
    }

    /// A manifest's bytes and descriptor.
    pub async fn get_manifest(&self, repo: &str, r: &ManifestRef) -> Result<ManifestBytes, Error> {
        dispatch!(self, s => s.get_manifest(repo, r).await)
    }

    /// A blob's descriptor without its content.
    pub async fn stat_blob(&self, repo: &str, digest: &Digest) -> Result<Descriptor, Error> {
        dispatch!(self, s => s.stat_blob(repo, digest).await)
    }

    /// A blob's whole content, verified against its digest, refusing more than `limit` bytes.
    pub async fn read_blob(&self, repo: &str, digest: &Digest, limit: u64) -> Result<Bytes, Error> {
        dispatch!(self, s => s.get_blob(repo, digest).await?.read_to_end(limit).await)
    }

    /// A blob's content chunk by chunk to `sink`, verified: the call fails (after the last
    /// chunk at the latest) when the bytes do not match `digest`.
    pub async fn stream_blob(
        &self,
        repo: &str,
        digest: &Digest,
        mut sink: impl FnMut(&Bytes),
    ) -> Result<Descriptor, Error> {
        dispatch!(self, s => {
            let mut reader = s.get_blob(repo, digest).await?;
            while let Some(chunk) = reader.next_chunk().await? {
                sink(&chunk);
            }
            Ok(reader.descriptor().clone())
        })
    }

    /// Deletes a manifest and every tag on it.
    pub async fn delete_manifest(&self, repo: &str, digest: &Digest) -> Result<(), Error> {
        dispatch!(self, s => s.delete_manifest(repo, digest).await)
    }

    /// Deletes one tag.
    pub async fn delete_tag(&self, repo: &str, tag: &str) -> Result<(), Error> {
        dispatch!(self, s => s.delete_tag(repo, tag).await)
    }

    /// Sends `source` to `repo` as a blob in chunks (see [`upload::upload_blob`]).
    pub async fn upload_file(
        &self,
        repo: &str,
        source: &impl Source,
        resume: Option<&Resumable>,
        cancel: &Cell<bool>,
        progress: &mut impl FnMut(u64),
    ) -> Result<Descriptor, Interrupted> {
        dispatch!(self, s => upload::upload_blob(s, repo, source, resume, cancel, progress).await)
    }

    /// Tags an OCI artifact naming the uploaded `file` (see [`upload::push_file_artifact`]).
    pub async fn push_file_artifact(
        &self,
        repo: &str,
        file: &Descriptor,
        file_name: &str,
        tag: &str,
    ) -> Result<Descriptor, Error> {
        dispatch!(self, s => upload::push_file_artifact(s, repo, file, file_name, tag).await)
    }

    /// The manifests that refer to `digest`.
    pub async fn list_referrers(
        &self,
        repo: &str,
        digest: &Digest,
    ) -> Result<Vec<Descriptor>, Error> {
        dispatch!(self, s => s.list_referrers(repo, digest, None).await)
    }
}

thread_local! {
    static OPEN: RefCell<HashMap<String, Registry>> = RefCell::new(HashMap::new());
}

/// Makes `registry` the one the `registry=key` URL parameter names, for this page.
pub fn install(key: &str, registry: Registry) {
    OPEN.with(|open| open.borrow_mut().insert(key.to_string(), registry));
}

/// Drops the opened registry `key` names, so the next [`open`] connects again (with the
/// credentials held then).
pub fn forget(key: &str) {
    OPEN.with(|open| open.borrow_mut().remove(key));
}

/// The URL parameter of the in-browser demo registry.
pub const DEMO: &str = "demo:";

/// A new in-memory registry filled with the demo content.
pub async fn demo(options: &DemoOptions) -> Result<Registry, Error> {
    let memory = MemoryRegistry::new();
    ociscope_demo::populate(&memory, options).await?;
    Ok(Registry::memory(memory))
}

/// The registry a `registry` URL parameter names, opened once per page and then reused.
pub async fn open(key: &str) -> Result<Registry, Error> {
    if let Some(r) = OPEN.with(|open| open.borrow().get(key).cloned()) {
        return Ok(r);
    }
    if key == DEMO {
        let demo = demo(&DemoOptions::default()).await?;
        install(DEMO, demo.clone());
        return Ok(demo);
    }
    let lower = key.to_ascii_lowercase();
    if lower.starts_with("mem:") {
        return Err(Error::invalid(format!(
            "no in-page registry named {key:?} (try the demo registry, {DEMO})"
        )));
    }
    if lower.starts_with("http://") || lower.starts_with("https://") {
        let options = Options {
            credentials: credentials::get(key),
            ..Options::default()
        };
        let spec = ociscope_fetch::connect(key, options)?;
        // Ping first: an unreachable registry, a CORS refusal or a demand for credentials
        // shows on the connect error page, with the credentials form, not in a list view.
        spec.ping().await?;
        let registry = Registry::Http(SendWrapper::new(spec));
        install(key, registry.clone());
        return Ok(registry);
    }
    Err(Error::invalid(format!(
        "{key:?} is not a registry: use an http:// or https:// URL, or {DEMO} for the demo"
    )))
}
