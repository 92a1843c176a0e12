//! The registries an `ociscope-server` serving this app forwards to (`--upstream NAME=URL`),
//! listed on the start page from `GET /upstreams` on the page's own origin.
//!
//! Rules: the list is asked for once per start page, from the page's own origin only (never
//! from a registry the user typed); anything but a 200 answer with the server's JSON shape
//! (`{"upstreams":[{"name":…,"path":"/upstream/NAME"}]}`) — the endpoint absent on static
//! hosting, a SPA fallback's HTML, a network error — shows nothing and reports no error. Only
//! paths under `/upstream/` are turned into links, so a page on another host cannot be named.

use leptos::prelude::*;
use ociscope_core::client::transport::read_body;
use ociscope_core::client::{Body, Headers, Method, Request, Transport};
use ociscope_fetch::FetchTransport;

use crate::nav::Link;
use crate::route::Route;

/// Bytes of the `/upstreams` answer read at most.
const LIMIT: u64 = 64 * 1024;

/// One forwarded registry: its name and the registry URL that reaches it through the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upstream {
    /// The operator's name for it (`--upstream NAME=…`).
    pub name: String,
    /// `ORIGIN/upstream/NAME`: the registry URL the app opens.
    pub registry: String,
}

/// The upstreams listed by a `/upstreams` body from `origin`; empty for anything else.
pub fn parse(origin: &str, body: &[u8]) -> Vec<Upstream> {
    #[derive(serde::Deserialize)]
    struct Entry {
        name: String,
        path: String,
    }
    #[derive(serde::Deserialize)]
    struct Listing {
        upstreams: Vec<Entry>,
    }
    let Ok(listing) = serde_json::from_slice::<Listing>(body) else {
        return Vec::new();
    };
    listing
        .upstreams
        .into_iter()
        .filter(|e| {
            e.path.strip_prefix("/upstream/").is_some_and(|rest| {
                !rest.is_empty()
                    && rest
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                    && !rest.starts_with('.')
            })
        })
        .map(|e| Upstream {
            name: e.name,
            registry: format!("{origin}{}", e.path),
        })
        .collect()
}

/// Asks the page's own origin for its upstreams; empty when it has none or does not answer.
async fn load(origin: String) -> Vec<Upstream> {
    let mut headers = Headers::default();
    headers.push("accept", "application/json");
    let request = Request {
        method: Method::Get,
        url: format!("{origin}/upstreams"),
        headers,
        body: Body::Empty,
    };
    let Ok(mut response) = FetchTransport::default().send(request).await else {
        return Vec::new();
    };
    if response.status != 200 {
        return Vec::new();
    }
    match read_body(&mut response.body, LIMIT).await {
        Ok(body) => parse(&origin, &body),
        Err(_) => Vec::new(),
    }
}

/// "Registries this server forwards to": a link per upstream, or nothing at all.
#[component]
pub fn UpstreamList() -> impl IntoView {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .filter(|o| o.starts_with("http://") || o.starts_with("https://"));
    let list = LocalResource::new(move || {
        let origin = origin.clone();
        async move {
            match origin {
                Some(origin) => load(origin).await,
                None => Vec::new(),
            }
        }
    });
    move || {
        let items = list.get().unwrap_or_default();
        (!items.is_empty()).then(|| {
            view! {
                <section id="upstreams">
                    <h3>"Registries this server forwards to"</h3>
                    <ul class="upstreams">
                        {items
                            .into_iter()
                            .map(|u| {
                                view! {
                                    <li>
                                        <Link to=Route::catalog(&u.registry) class="upstream-link">
                                            {u.name}
                                        </Link>
                                        " "
                                        <code>{u.registry.clone()}</code>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </section>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn parses_the_servers_listing_and_nothing_else() {
        let body = br#"{"upstreams":[{"name":"dist","path":"/upstream/dist"},
            {"name":"evil","path":"//evil.example/x"},{"name":"up","path":"/upstream/../x"}]}"#;
        assert_eq!(
            parse("http://me:1", body),
            vec![Upstream {
                name: "dist".into(),
                registry: "http://me:1/upstream/dist".into()
            }]
        );
        assert!(parse("http://me:1", b"<!DOCTYPE html><html></html>").is_empty());
        assert!(parse("http://me:1", b"{}").is_empty());
    }
}
