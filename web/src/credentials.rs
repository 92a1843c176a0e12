//! Credentials per registry: kept in this page's memory, and in the tab's sessionStorage only
//! when the person asks to remember them for the session.
//!
//! Decisions:
//! - Never localStorage: credentials must not outlive the browser session.
//! - Keyed by the registry's origin (`scheme://host[:port]`), which is where the client sends
//!   them (and to the token realm the registry names); a path prefix shares its origin's.
//! - Stored as one small JSON object per registry under a fixed key prefix.
//! - This page's memory is a JS `Map` on `globalThis` ([`PAGE_KEY`]), not wasm memory: the
//!   app runs as two bundles, each its own wasm instance (see `crate::bundle`), and credentials
//!   given in the catalog bundle must reach the tools bundle that a tag opens; the page's
//!   scripts could read either.

use std::cell::RefCell;
use std::collections::HashMap;

use ociscope_core::client::{Credentials, Registry as Address};
use serde_json::{json, Value};

/// The sessionStorage key prefix.
const KEY_PREFIX: &str = "ociscope.credentials.";

/// The `globalThis` property holding this page's credentials (both bundles read it).
#[cfg(target_arch = "wasm32")]
const PAGE_KEY: &str = "__ociscopeCredentials";

thread_local! {
    /// Where a program without `globalThis` (native tests) keeps them.
    static IN_MEMORY: RefCell<HashMap<String, Credentials>> = RefCell::new(HashMap::new());
}

/// The page's credentials map, made on first use.
#[cfg(target_arch = "wasm32")]
fn page_map() -> Option<js_sys::Map> {
    use wasm_bindgen::JsCast;
    let global = js_sys::global();
    let name = wasm_bindgen::JsValue::from_str(PAGE_KEY);
    if let Ok(found) = js_sys::Reflect::get(&global, &name) {
        if let Ok(map) = found.dyn_into::<js_sys::Map>() {
            return Some(map);
        }
    }
    let map = js_sys::Map::new();
    js_sys::Reflect::set(&global, &name, &map).ok()?;
    Some(map)
}

/// This page's credentials for `key`, if given in this page.
fn in_page(key: &str) -> Option<Credentials> {
    #[cfg(target_arch = "wasm32")]
    if let Some(map) = page_map() {
        return map
            .get(&wasm_bindgen::JsValue::from_str(key))
            .as_string()
            .map(|stored| decode(&stored));
    }
    IN_MEMORY.with(|m| m.borrow().get(key).cloned())
}

/// Keeps `credentials` for `key` in this page (anonymous too: it overrides the session's).
fn keep_in_page(key: String, credentials: Credentials) {
    #[cfg(target_arch = "wasm32")]
    if let Some(map) = page_map() {
        let stored = encode(&credentials).unwrap_or_default();
        map.set(
            &wasm_bindgen::JsValue::from_str(&key),
            &wasm_bindgen::JsValue::from_str(&stored),
        );
        return;
    }
    IN_MEMORY.with(|m| m.borrow_mut().insert(key, credentials));
}

/// The key credentials for `registry` (a registry URL) are kept under: its origin, or the
/// text as given when it is not a registry URL.
pub fn key(registry: &str) -> String {
    Address::parse(registry)
        .map(|a| a.origin())
        .unwrap_or_else(|_| registry.to_string())
}

/// `credentials` as stored (`None` for anonymous: nothing to store).
pub fn encode(credentials: &Credentials) -> Option<String> {
    match credentials {
        Credentials::Anonymous => None,
        Credentials::Basic { username, password } => {
            Some(json!({"kind": "basic", "username": username, "password": password}).to_string())
        }
        Credentials::Token(token) => Some(json!({"kind": "token", "token": token}).to_string()),
    }
}

/// Stored credentials back; anything unreadable is anonymous.
pub fn decode(stored: &str) -> Credentials {
    let Ok(v) = serde_json::from_str::<Value>(stored) else {
        return Credentials::Anonymous;
    };
    let text = |name: &str| v.get(name).and_then(Value::as_str).map(str::to_string);
    match v.get("kind").and_then(Value::as_str) {
        Some("basic") => match (text("username"), text("password")) {
            (Some(username), Some(password)) => Credentials::Basic { username, password },
            _ => Credentials::Anonymous,
        },
        Some("token") => text("token")
            .map(Credentials::Token)
            .unwrap_or(Credentials::Anonymous),
        _ => Credentials::Anonymous,
    }
}

/// The credentials a form's fields give: a password alone is a bearer token; nothing at all
/// is anonymous.
pub fn from_form(username: &str, password: &str) -> Credentials {
    match (username.trim(), password) {
        ("", "") => Credentials::Anonymous,
        ("", token) => Credentials::Token(token.trim().to_string()),
        (user, password) => Credentials::Basic {
            username: user.to_string(),
            password: password.to_string(),
        },
    }
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// The credentials to use for `registry`: this page's, else the session's, else anonymous.
pub fn get(registry: &str) -> Credentials {
    let key = key(registry);
    if let Some(c) = in_page(&key) {
        return c;
    }
    session_storage()
        .and_then(|s| s.get_item(&format!("{KEY_PREFIX}{key}")).ok().flatten())
        .map(|stored| decode(&stored))
        .unwrap_or_default()
}

/// Uses `credentials` for `registry` from now on; kept for the browser session too when
/// `remember` is set, and removed from it otherwise.
pub fn set(registry: &str, credentials: Credentials, remember: bool) {
    let key = key(registry);
    if let Some(s) = session_storage() {
        let item = format!("{KEY_PREFIX}{key}");
        match encode(&credentials).filter(|_| remember) {
            Some(stored) => {
                let _ = s.set_item(&item, &stored);
            }
            None => {
                let _ = s.remove_item(&item);
            }
        }
    }
    keep_in_page(key, credentials);
}

/// True when credentials for `registry` are kept in the session's storage.
pub fn remembered(registry: &str) -> bool {
    session_storage()
        .and_then(|s| {
            s.get_item(&format!("{KEY_PREFIX}{}", key(registry)))
                .ok()
                .flatten()
        })
        .is_some()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn keyed_by_origin() {
        assert_eq!(
            key("http://127.0.0.1:5000/prefix/"),
            "http://127.0.0.1:5000"
        );
        assert_eq!(key("HTTPS://Example.com:443"), "https://example.com");
        assert_eq!(key("demo:"), "demo:");
    }

    #[test]
    fn round_trip_and_garbage() {
        for c in [
            Credentials::Basic {
                username: "ann".into(),
                password: "p\"w:{}".into(),
            },
            Credentials::Token("tok".into()),
        ] {
            assert_eq!(decode(&encode(&c).unwrap()), c);
        }
        assert_eq!(encode(&Credentials::Anonymous), None);
        for bad in [
            "",
            "{",
            "[]",
            r#"{"kind":"basic","username":"a"}"#,
            r#"{"kind":"x"}"#,
        ] {
            assert_eq!(decode(bad), Credentials::Anonymous, "{bad}");
        }
    }

    #[test]
    fn form_fields() {
        assert_eq!(from_form(" ", ""), Credentials::Anonymous);
        assert_eq!(from_form("", " t "), Credentials::Token("t".into()));
        assert_eq!(
            from_form("ann ", "pw"),
            Credentials::Basic {
                username: "ann".into(),
                password: "pw".into()
            }
        );
    }
}
