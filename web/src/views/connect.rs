//! Pick a registry: by URL (this page's origin by default), a recent one, or the demo; and the
//! credentials form (user and password, or a token), also shown when a registry asks for them.

use leptos::prelude::*;

use crate::credentials;
use crate::nav::{use_nav, Link};
use crate::recent;
use crate::registry::{self, DEMO};
use crate::route::Route;

/// The user, password-or-token and "remember for this session" fields, with ids
/// `{prefix}-user`, `{prefix}-secret` and `{prefix}-remember`.
#[component]
fn CredentialFields(
    /// The id prefix of the fields.
    prefix: &'static str,
    /// The user name.
    user: RwSignal<String>,
    /// The password or token.
    secret: RwSignal<String>,
    /// Whether to keep them in the tab's sessionStorage.
    remember: RwSignal<bool>,
) -> impl IntoView {
    let (user_id, secret_id) = (format!("{prefix}-user"), format!("{prefix}-secret"));
    view! {
        <div class="row">
            <label for=user_id.clone()>"User"</label>
            <input
                id=user_id
                type="text"
                autocomplete="username"
                spellcheck="false"
                prop:value=move || user.get()
                on:input=move |e| user.set(event_target_value(&e))
            />
            <label for=secret_id.clone()>"Password or token"</label>
            <input
                id=secret_id
                type="password"
                autocomplete="current-password"
                prop:value=move || secret.get()
                on:input=move |e| secret.set(event_target_value(&e))
            />
        </div>
        <label class="inline check">
            <input
                type="checkbox"
                id=format!("{prefix}-remember")
                prop:checked=move || remember.get()
                on:change=move |e| remember.set(event_target_checked(&e))
            />
            " remember for this browser session (otherwise kept only until the page closes)"
        </label>
    }
}

/// Sign-in fields for `registry`: a user name and password (Basic, or exchanged for bearer
/// tokens at the registry's token realm), or a password alone as a ready bearer token. Kept
/// in memory; in the tab's sessionStorage too when "remember" is ticked. `on_saved` runs after
/// the credentials are stored and the opened registry dropped.
#[component]
pub fn CredentialsForm(
    /// The registry URL the credentials are for.
    registry: String,
    /// Runs once the credentials are stored.
    on_saved: Callback<()>,
) -> impl IntoView {
    let (user, secret) = match credentials::get(&registry) {
        ociscope_core::client::Credentials::Basic { username, password } => (username, password),
        ociscope_core::client::Credentials::Token(token) => (String::new(), token),
        ociscope_core::client::Credentials::Anonymous => (String::new(), String::new()),
    };
    let user = RwSignal::new(user);
    let secret = RwSignal::new(secret);
    let remember = RwSignal::new(credentials::remembered(&registry));
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        let c = credentials::from_form(&user.get_untracked(), &secret.get_untracked());
        credentials::set(&registry, c, remember.get_untracked());
        registry::forget(&registry);
        on_saved.run(());
    };
    view! {
        <form class="credentials" on:submit=submit>
            <CredentialFields prefix="cred" user=user secret=secret remember=remember/>
            <p class="hint">
                "A user name and password are sent only to this registry and its token service; \
                 a password alone is used as a bearer token. Leave both empty for anonymous access."
            </p>
            <button type="submit" id="cred-submit">"Sign in"</button>
        </form>
    }
}

/// The start page: a registry URL form, recent registries and the demo registry.
#[component]
pub fn ConnectView() -> impl IntoView {
    let nav = use_nav();
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let url = RwSignal::new(origin);
    let user = RwSignal::new(String::new());
    let secret = RwSignal::new(String::new());
    let remember = RwSignal::new(false);
    let recent = recent::load();
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        let target = url.get_untracked().trim().trim_end_matches('/').to_string();
        if !target.is_empty() {
            let c = credentials::from_form(&user.get_untracked(), &secret.get_untracked());
            if c != ociscope_core::client::Credentials::Anonymous {
                credentials::set(&target, c, remember.get_untracked());
            }
            registry::forget(&target);
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
                <details>
                    <summary>"Credentials (optional)"</summary>
                    <CredentialFields prefix="connect" user=user secret=secret remember=remember/>
                </details>
                <p class="hint">
                    "The registry must allow this page's origin (CORS), or serve this app itself \
                     (ociscope-server --app). Credentials stay in this page's memory unless you \
                     ask to remember them for the session; they go only to that registry and its \
                     token service."
                </p>
            </form>
            <crate::upstreams::UpstreamList/>
            <h3>"Kept in this browser"</h3>
            <p>
                <Link to=crate::views::store::route(None) class="store-link">
                    "Images kept in this browser"
                </Link>
                " — downloaded from one registry, to push to another later or save as a tarball."
            </p>
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
