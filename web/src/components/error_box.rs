//! An error shown with what it means and what to do.

use leptos::prelude::*;
use ociscope_core::spec::Error;

use crate::explain::explain;

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
