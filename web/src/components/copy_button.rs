//! A text with a button that copies it to the clipboard.

use leptos::prelude::*;

/// Shows `text` as code with a Copy button (clipboard API); says whether copying worked.
#[component]
pub fn CopyText(
    /// What to show and copy.
    #[prop(into)]
    text: String,
    /// What the button's accessible name says is copied ("pull command").
    #[prop(into)]
    label: String,
) -> impl IntoView {
    // An action: the clipboard is asked in the click (browsers want a user gesture), and its
    // answer shows as the action's pending state and value.
    let copy = Action::new_local(|text: &String| {
        let promise = web_sys::window().map(|w| w.navigator().clipboard().write_text(text));
        async move {
            match promise {
                Some(p) => wasm_bindgen_futures::JsFuture::from(p).await.is_ok(),
                None => false,
            }
        }
    });
    let to_copy = text.clone();
    let status = move || match (copy.pending().get(), copy.value().get()) {
        (true, _) => "Copying…",
        (false, Some(true)) => "Copied",
        (false, Some(false)) => "Copy refused by the browser: select the text and copy it",
        (false, None) => "",
    };
    view! {
        <div class="copy">
            <code class="copy-text">{text}</code>
            <button type="button" aria-label=format!("Copy {label}") on:click=move |_| {
                copy.dispatch_local(to_copy.clone());
            }>
                "Copy"
            </button>
            <span class="copy-status" role="status">{status}</span>
        </div>
    }
}
