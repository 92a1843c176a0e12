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
    let status = RwSignal::new(String::new());
    let to_copy = text.clone();
    let copy = move |_| {
        let Some(window) = web_sys::window() else {
            return;
        };
        let promise = window.navigator().clipboard().write_text(&to_copy);
        status.set("Copying…".into());
        wasm_bindgen_futures::spawn_local(async move {
            let result = wasm_bindgen_futures::JsFuture::from(promise).await;
            status.try_set(match result {
                Ok(_) => "Copied".into(),
                Err(_) => "Copy refused by the browser: select the text and copy it".into(),
            });
        });
    };
    view! {
        <div class="copy">
            <code class="copy-text">{text}</code>
            <button type="button" aria-label=format!("Copy {label}") on:click=copy>
                "Copy"
            </button>
            <span class="copy-status" role="status">{move || status.get()}</span>
        </div>
    }
}
