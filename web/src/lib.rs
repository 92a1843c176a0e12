//! The ociscope explorer app: components.

use leptos::prelude::*;

/// The root component.
#[component]
pub fn App() -> impl IntoView {
    view! { <h1>"ociscope"</h1> }
}
