//! The registry the app talks to: one type, [`Registry`], over the `Spec` implementations the
//! app can use.
//!
//! Decisions:
//! - The backends are one [`Either`] ([`Backend`]): core's `Either` is a `Spec` when both sides
//!   are, so no `Spec` method is forwarded by hand here. Adding a backend nests another `Either`.
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
//!   [`forget`] drops an opened one so new credentials take effect.

use std::cell::RefCell;
use std::collections::HashMap;

use ociscope_core::client::{HttpSpec, Options};
use ociscope_core::memory::MemoryRegistry;
use ociscope_core::spec::{Either, Error, Forward, Spec};
use ociscope_demo::DemoOptions;
use ociscope_fetch::FetchTransport;
use send_wrapper::SendWrapper;

use crate::credentials;

/// The registries the app can use: one in this page's memory (the demo, or one a test filled),
/// or one over HTTP through the browser's Fetch API.
pub type Backend = Either<MemoryRegistry, HttpSpec<FetchTransport>>;

/// A registry the app can use: a [`Backend`] that Leptos may capture.
#[derive(Clone)]
pub struct Registry(SendWrapper<Backend>);

impl Forward for Registry {
    type Inner = Backend;

    fn inner(&self) -> &Backend {
        &self.0
    }
}

impl Registry {
    /// A registry over an in-memory one (clones share its content).
    pub fn memory(registry: MemoryRegistry) -> Registry {
        Registry(SendWrapper::new(Either::Left(registry)))
    }

    /// A registry over HTTP.
    pub fn http(spec: HttpSpec<FetchTransport>) -> Registry {
        Registry(SendWrapper::new(Either::Right(spec)))
    }

    /// The host people pull from (`host[:port]`); empty for registries inside the page.
    pub fn pull_host(&self) -> String {
        match &*self.0 {
            Either::Left(_) => String::new(),
            Either::Right(spec) => {
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
        matches!(&*self.0, Either::Left(_))
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
        let registry = Registry::http(spec);
        install(key, registry.clone());
        return Ok(registry);
    }
    Err(Error::invalid(format!(
        "{key:?} is not a registry: use an http:// or https:// URL, or {DEMO} for the demo"
    )))
}
