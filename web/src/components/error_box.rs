//! An error shown with what it means and what to do.

use leptos::prelude::*;
use ociscope_core::spec::Error;

use crate::explain::explain;
use crate::nav::Link;
use crate::route::Route;

/// Shows `error`, raised while doing `action`, as a headline, advice and the raw detail.
#[component]
pub fn ErrorBox(
    /// What was being done ("listing repositories").
    #[prop(into)]
    action: String,
    /// The error.
    error: Error,
) -> impl IntoView {
    let e = explain(&action, &error);
    view! {
        <div class="error-box" role="alert">
            <p class="error-title">{e.title}</p>
            <p>{e.advice}</p>
            <details>
                <summary>"Details"</summary>
                <code>{e.detail}</code>
            </details>
        </div>
    }
}

/// A loading indicator that says what is loading.
#[component]
pub fn Loading(
    /// What is loading ("tags").
    #[prop(into)]
    what: String,
) -> impl IntoView {
    view! { <p class="loading" role="status" aria-live="polite">"Loading " {what} "…"</p> }
}

/// What a view that needs the open registry shows when none is in the context (the shell
/// provides it to every registry page, so this is a bug, shown instead of a panic that would
/// freeze the app).
pub fn no_registry() -> AnyView {
    view! {
        <section class="error" role="alert">
            <h2>"No registry is open"</h2>
            <p>"This page needs an open registry, and none was given to it."</p>
            <p>
                <Link to=Route::home()>"Pick a registry"</Link>
            </p>
        </section>
    }
    .into_any()
}
