//! A list loaded page by page (repositories or tags), as reactive state the views render.
//!
//! Async work: each page is loaded by a task of its own (`spawn_local`), started by scrolling
//! (or "load all", which chains them), that appends to the one growing list; a resource would
//! replace the list on each load rather than extend it. The tasks use `try_*` on the signals:
//! the view may be gone when a page arrives, and then loading stops.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use ociscope_core::spec::{Error, Page, PageRequest};

/// Names asked of a registry per page.
pub const PAGE_SIZE: usize = 500;

type Fetch = Rc<dyn Fn(PageRequest) -> Pin<Box<dyn Future<Output = Result<Page, Error>>>>>;

/// Names loaded so far, whether more remain, and the last error.
#[derive(Clone, Copy)]
pub struct Pager {
    /// Names loaded, in the registry's (lexical) order.
    pub names: RwSignal<Vec<String>>,
    /// The request for the next page; `None` once everything is loaded.
    pub next: RwSignal<Option<PageRequest>>,
    /// A page is being loaded.
    pub loading: RwSignal<bool>,
    /// Why the last page failed; loading stops until [`Pager::retry`].
    pub error: RwSignal<Option<Error>>,
    /// Keep loading pages until the end.
    all: RwSignal<bool>,
    fetch: StoredValue<Fetch, LocalStorage>,
}

impl Pager {
    /// A list whose pages `fetch` loads; nothing is loaded until [`Pager::load_more`].
    pub fn new<F, Fut>(fetch: F) -> Pager
    where
        F: Fn(PageRequest) -> Fut + 'static,
        Fut: Future<Output = Result<Page, Error>> + 'static,
    {
        let fetch: Fetch = Rc::new(move |req| Box::pin(fetch(req)));
        Pager {
            names: RwSignal::new(Vec::new()),
            next: RwSignal::new(Some(PageRequest::first(PAGE_SIZE))),
            loading: RwSignal::new(false),
            error: RwSignal::new(None),
            all: RwSignal::new(false),
            fetch: StoredValue::new_local(fetch),
        }
    }

    /// True when more pages remain.
    pub fn has_more(&self) -> bool {
        self.next.with(Option::is_some)
    }

    /// Loads the next page unless one is loading, the end was reached, or the last failed.
    pub fn load_more(&self) {
        if self.loading.get_untracked() || self.error.with_untracked(Option::is_some) {
            return;
        }
        let Some(req) = self.next.get_untracked() else {
            return;
        };
        self.loading.set(true);
        let fut = self.fetch.with_value(|f| f(req.clone()));
        let this = *self;
        spawn_local(async move {
            match fut.await {
                // The view may be gone by now (the person navigated away): `try_*` then
                // does nothing instead of touching disposed signals.
                Ok(page) => {
                    let next = page.next.filter(|n| !page.items.is_empty() && *n != req);
                    if this
                        .names
                        .try_update(|names| names.extend(page.items))
                        .is_none()
                    {
                        return;
                    }
                    this.next.try_set(next);
                    this.loading.try_set(false);
                    if this.all.try_get_untracked() == Some(true) {
                        this.load_more();
                    }
                }
                Err(e) => {
                    this.error.try_set(Some(e));
                    this.loading.try_set(false);
                }
            }
        });
    }

    /// Loads every remaining page, one after another.
    pub fn load_all(&self) {
        self.all.set(true);
        self.load_more();
    }

    /// Clears the last error and loads the next page again.
    pub fn retry(&self) {
        self.error.set(None);
        self.load_more();
    }
}
