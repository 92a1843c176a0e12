//! Pick a registry: by URL (this page's origin by default), a recent one, or the demo.

use leptos::prelude::*;

use crate::nav::{use_nav, Link};
use crate::recent;
use crate::registry::DEMO;
use crate::route::Route;

/// The start page: a registry URL form, recent registries and the demo registry.
#[component]
pub fn ConnectView() -> impl IntoView {
    let nav = use_nav();
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let url = RwSignal::new(origin);
    let recent = recent::load();
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        let target = url.get_untracked().trim().trim_end_matches('/').to_string();
        if !target.is_empty() {
            nav.go(Route::catalog(&target));
        }
    };
    view! {
        <section class="connect">
            <h2>"Connect to a registry"</h2>
            <form on:submit=submit>
                <label for="registry-url">"Registry URL"</label>
                <div class="row">
                    <input
                        id="registry-url"
                        type="text"
                        spellcheck="false"
                        autocomplete="url"
                        placeholder="https://registry.example.com"
                        prop:value=move || url.get()
                        on:input=move |e| url.set(event_target_value(&e))
                    />
                    <button type="submit">"Connect"</button>
                </div>
                <p class="hint">
                    "The registry must allow this page's origin (CORS), or serve this app itself."
                </p>
            </form>
            <h3>"No registry at hand?"</h3>
            <p>
                <Link to=Route::catalog(DEMO) class="demo-link">
                    "Explore the demo registry"
                </Link>
                " — it lives in this page: multi-platform images, signatures, SBOMs and thousands of repositories."
            </p>
            {(!recent.is_empty())
                .then(|| {
                    view! {
                        <h3>"Recent registries"</h3>
                        <ul class="recent">
                            {recent
                                .into_iter()
                                .map(|r| {
                                    let label = if r == DEMO { "demo registry".to_string() } else { r.clone() };
                                    view! {
                                        <li>
                                            <Link to=Route::catalog(&r)>{label}</Link>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                })}
        </section>
    }
}
