//! The ociscope explorer app: components. Each view lives in a module of its own.

mod reference_view;

use leptos::prelude::*;

pub use reference_view::ReferenceView;

/// The root component: the header and the current view.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <header>
            <h1>"ociscope"</h1>
            <p>"explore OCI registries from the browser"</p>
        </header>
        <main>
            <ReferenceView/>
        </main>
    }
}
