//! The registry the app talks to: one type, [`Registry`], over the `Spec` implementations the
//! app can use.
//!
//! Decisions:
//! - The backends are one [`Either`] ([`Backend`]): core's `Either` is a `Spec` when both sides
//!   are, so no `Spec` method is forwarded by hand here. Adding a backend nests another `Either`.
//! - A registry over HTTP is held as its **shared client** (`ociscope_tools::wrap`): a cache
//!   (content by digest, referrers for [`CacheOptions`]' default 30 s; tags always asked
//!   again) in front of a rate limit ([`RATE_PER_SECOND`], bursts of [`BURST`], pausing after
//!   a `429`), timed by the [`BrowserClock`]. One per registry key and page: every view, tool
//!   and clone shares its cache and its bucket. An in-page registry is used as it is (nothing
//!   to save, nobody to be polite to).
//! - [`Registry`] wraps the backend in a [`SendWrapper`]: Leptos wants captured values to be
//!   `Send`, wasm is single-threaded and the `Spec` implementations are `Rc`-based. It is a
//!   `Spec` itself through [`Forward`] (it changes nothing), so views call `Spec` methods on it
//!   and generic tools take it as it is. Clones are cheap (reference counts), and every clone
//!   talks to the same registry.
//! - Registries are named by the `registry` URL parameter. `demo:` is the in-browser demo
//!   ([`ociscope_demo::populate`] into a [`MemoryRegistry`]), made and filled once per page;
//!   `mem:NAME` names an in-memory registry the page installed with [`install`] (tests use
//!   it). `http://` and `https://` keys are registries reached through the Fetch transport
//!   (`ociscope-fetch`), with the credentials [`crate::credentials`] holds for their origin;
//!   [`forget`] drops an opened one so new credentials take effect. [`open_keys`] lists the
//!   registries open in this tab (the copy tool's destinations).
//! - The registry a page shows is opened once, by the app's shell, and handed to the page's
//!   views as context (a `Provider` around the page); views read it with [`use_registry`],
//!   never as a prop, and show [`crate::components::error_box::no_registry`] if it is absent.

use std::cell::RefCell;
use std::collections::BTreeMap;

use futures::future::{FutureExt, LocalBoxFuture, Shared};
use leptos::prelude::use_context;
use ociscope_core::client::{HttpSpec, Options};
use ociscope_core::memory::MemoryRegistry;
use ociscope_core::spec::{Either, Error, Forward, Page, PageRequest, Spec};
use ociscope_demo::DemoOptions;
use ociscope_fetch::FetchTransport;
use ociscope_tools::wrap::cache::CacheOptions;
use ociscope_tools::wrap::rate_limit::RateLimit;
use ociscope_tools::wrap::{shared_client, SharedClient};
use send_wrapper::SendWrapper;

use crate::clock::BrowserClock;
use crate::credentials;
use crate::paging::PAGE_SIZE;
use ociscope_tools::wrap::clock::Clock;

/// Requests per second to one registry over HTTP, on average: a ceiling that stays out of the
/// way of the views (loading the details of thousands of tags, 4 at a time, runs well under
/// it on a fast registry); what slows the app down is a `429`, whose `Retry-After` the
/// limiter waits out for every view at once.
pub(crate) const RATE_PER_SECOND: f64 = 1000.0;
/// Requests that may go to one registry over HTTP at once before the rate applies.
pub(crate) const BURST: u32 = 1000;

/// A registry over HTTP as the app holds it: cached and rate-limited.
pub type HttpRegistry = SharedClient<HttpSpec<FetchTransport>, BrowserClock>;

/// The registries the app can use: one in this page's memory (the demo, or one a test filled),
/// or one over HTTP through the browser's Fetch API.
pub type Backend = Either<MemoryRegistry, HttpRegistry>;

/// A registry the app can use: a [`Backend`] that Leptos may capture.
#[derive(Clone)]
pub struct Registry {
    backend: SendWrapper<Backend>,
    pull_host: String,
}

impl Forward for Registry {
    type Inner = Backend;

    fn inner(&self) -> &Backend {
        &self.backend
    }
}

impl Registry {
    /// A registry over an in-memory one (clones share its content).
    pub fn memory(registry: MemoryRegistry) -> Registry {
        Registry {
            backend: SendWrapper::new(Either::Left(registry)),
            pull_host: String::new(),
        }
    }

    /// A registry over HTTP, behind its shared client.
    pub(crate) fn http(spec: HttpSpec<FetchTransport>) -> Result<Registry, Error> {
        let address = spec.registry();
        let pull_host = match address.port {
            Some(port) => format!("{}:{port}", address.host),
            None => address.host.clone(),
        };
        let limit = RateLimit::per_second(RATE_PER_SECOND, BURST)?;
        let shared = shared_client(spec, BrowserClock, CacheOptions::default(), limit);
        Ok(Registry {
            backend: SendWrapper::new(Either::Right(shared)),
            pull_host,
        })
    }

    /// The host people pull from (`host[:port]`); empty for registries inside the page.
    pub(crate) fn pull_host(&self) -> &str {
        &self.pull_host
    }
}

/// The registry the current page shows, from the context the app's shell provides to every
/// registry page; `None` outside one (the caller shows an error view, never panics).
pub(crate) fn use_registry() -> Option<Registry> {
    use_context::<Registry>()
}

/// A catalog's first page asked by [`ask_first_page`]: the registry key, when (ms), the answer.
type FirstPage = (
    String,
    u64,
    Shared<LocalBoxFuture<'static, Result<Page, Error>>>,
);

thread_local! {
    static OPEN: RefCell<BTreeMap<String, Registry>> = const { RefCell::new(BTreeMap::new()) };
    static FIRST_PAGE: RefCell<Option<FirstPage>> = const { RefCell::new(None) };
}

/// How long a first page [`ask_first_page`] asked stays usable, in ms: it is for the catalog
/// view being opened, not for one shown minutes later.
const FIRST_PAGE_MS: u64 = 10_000;

/// Asks `registry` (opened, so the ping has answered and any credentials are settled) for its
/// catalog's first page now, for the catalog view about to be built ([`take_first_page`]):
/// the request then runs while the view renders rather than after it (about 60 ms earlier on
/// a cold load). Asking it together with the ping instead broke signing in through the
/// forwarder (`tests/forward_browser.py`), so it waits for the ping.
pub(crate) fn ask_first_page(key: &str, registry: &Registry) {
    let registry = registry.clone();
    let page =
        async move { Spec::list_repositories(&registry, &PageRequest::first(PAGE_SIZE)).await }
            .boxed_local()
            .shared();
    // Driven from now on (the request goes out at the first poll), whoever takes it.
    let driven = page.clone();
    leptos::task::spawn_local(async move {
        let _ = driven.await;
    });
    FIRST_PAGE.with(|f| *f.borrow_mut() = Some((key.to_string(), BrowserClock.now_ms(), page)));
}

/// The first page [`ask_first_page`] asked for `key`, if `request` is that page and it is
/// fresh; taken (a second call gets `None`).
pub(crate) fn take_first_page(
    key: &str,
    request: &PageRequest,
) -> Option<impl std::future::Future<Output = Result<Page, Error>>> {
    if *request != PageRequest::first(PAGE_SIZE) {
        return None;
    }
    let (k, at, page) = FIRST_PAGE.with(|f| f.borrow_mut().take())?;
    (k == key && BrowserClock.now_ms().saturating_sub(at) <= FIRST_PAGE_MS).then_some(page)
}

/// Makes `registry` the one the `registry=key` URL parameter names, for this page.
pub fn install(key: &str, registry: Registry) {
    OPEN.with(|open| open.borrow_mut().insert(key.to_string(), registry));
}

/// Drops the opened registry `key` names, so the next [`open`] connects again (with the
/// credentials held then).
pub(crate) fn forget(key: &str) {
    OPEN.with(|open| open.borrow_mut().remove(key));
}

/// The keys of the registries open in this tab, in order.
pub(crate) fn open_keys() -> Vec<String> {
    OPEN.with(|open| open.borrow().keys().cloned().collect())
}

/// The URL parameter of the in-browser demo registry.
pub(crate) const DEMO: &str = "demo:";

/// A new in-memory registry filled with the demo content.
pub async fn demo(options: &DemoOptions) -> Result<Registry, Error> {
    let memory = MemoryRegistry::new();
    ociscope_demo::populate(&memory, options).await?;
    Ok(Registry::memory(memory))
}

/// The registry a `registry` URL parameter names, opened once per page and then reused.
pub(crate) async fn open(key: &str) -> Result<Registry, Error> {
    if let Some(r) = OPEN.with(|open| open.borrow().get(key).cloned()) {
        return Ok(r);
    }
    if key == DEMO {
        let demo = demo(&DemoOptions::default()).await?;
        install(DEMO, demo.clone());
        return Ok(demo);
    }
    open_remote(key).await
}

/// [`open`] without the demo: a registry installed in this page or one over HTTP (the catalog
/// bundle's, which leaves the demo and its content to the tools bundle; see [`crate::bundle`]).
///
/// The catalog bundle then asks the catalog's first page at once ([`ask_first_page`]).
pub(crate) async fn open_remote(key: &str) -> Result<Registry, Error> {
    if let Some(r) = OPEN.with(|open| open.borrow().get(key).cloned()) {
        return Ok(r);
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
        let registry = Registry::http(spec)?;
        install(key, registry.clone());
        return Ok(registry);
    }
    Err(Error::invalid(format!(
        "{key:?} is not a registry: use an http:// or https:// URL, or {DEMO} for the demo"
    )))
}
