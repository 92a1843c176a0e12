//! A modal dialog: a backdrop, the dialog box labelled by its title, Escape to close.

use leptos::prelude::*;

/// A modal dialog over a backdrop; Escape calls `on_close`.
#[component]
pub(crate) fn Dialog(
    /// The id of the element that titles the dialog.
    labelled_by: &'static str,
    /// Called when the person presses Escape.
    on_close: Callback<()>,
    /// The dialog's content.
    children: Children,
) -> impl IntoView {
    view! {
        <div class="dialog-backdrop">
            <div
                class="dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby=labelled_by
                on:keydown=move |e: leptos::ev::KeyboardEvent| {
                    if e.key() == "Escape" {
                        on_close.run(());
                    }
                }
            >
                {children()}
            </div>
        </div>
    }
}
