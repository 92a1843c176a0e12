//! Ref locks across every page and worker of the origin: a Web Lock (`navigator.locks`) named
//! after the store's folder and the ref, held while the writer is open. The browser releases
//! it when the page or worker goes away, so a closed tab never leaves a ref locked. Without
//! Web Locks (none in old browsers) only the page-local lock applies.

use js_sys::{Function, Promise};
use ociscope_core::content::Error;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::dom;

#[wasm_bindgen(module = "/src/locks.js")]
extern "C" {
    #[wasm_bindgen(js_name = acquireLock)]
    fn acquire_lock(name: &str) -> Promise;
}

/// A Web Lock this context holds; released on drop.
pub struct WebLock {
    release: Option<Function>,
}

/// What asking for a ref's Web Lock gave.
pub enum Acquired {
    /// Held by this context until the lock is dropped.
    Held(WebLock),
    /// Another page or worker of this origin holds it.
    Taken,
}

impl WebLock {
    /// Takes the lock `name` if no other context holds it (never waits).
    pub async fn acquire(name: &str) -> Result<Acquired, Error> {
        let answer = JsFuture::from(acquire_lock(name))
            .await
            .map_err(|e| dom(&format!("Web Lock {name:?}"), e))?;
        Ok(if answer.is_null() {
            Acquired::Taken
        } else {
            Acquired::Held(WebLock {
                release: answer.dyn_into::<Function>().ok(),
            })
        })
    }
}

impl Drop for WebLock {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            let _ = release.call0(&JsValue::UNDEFINED);
        }
    }
}
