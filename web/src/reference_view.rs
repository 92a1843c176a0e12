//! Type an image reference, see it parsed and normalized.

use leptos::prelude::*;
use ociscope_core::Reference;

/// One parsed reference, as rows of a table.
fn rows(reference: &Reference) -> Vec<(&'static str, Option<String>)> {
    vec![
        ("canonical", Some(reference.to_string())),
        ("familiar", Some(reference.familiar())),
        ("domain", reference.domain().map(str::to_string)),
        ("path", Some(reference.path().to_string())),
        ("tag", reference.tag().map(str::to_string)),
        ("digest", reference.digest().map(|d| d.to_string())),
        ("pulled as", Some(reference.with_default_tag().to_string())),
    ]
}

/// An input box and the parse result of what is typed in it.
#[component]
pub fn ReferenceView() -> impl IntoView {
    let (input, set_input) = signal(String::from("ubuntu"));
    let (strict, set_strict) = signal(false);
    let parsed = move || {
        let text = input.get();
        if strict.get() {
            Reference::parse_strict(text.trim())
        } else {
            Reference::parse_normalized(text.trim())
        }
    };
    view! {
        <section aria-labelledby="ref-label">
            <label id="ref-label" for="ref-input">"Image reference"</label>
            <input
                id="ref-input"
                type="text"
                spellcheck="false"
                autocomplete="off"
                prop:value=move || input.get()
                on:input=move |ev| set_input.set(event_target_value(&ev))
            />
            <div class="modes" role="radiogroup" aria-label="parse mode">
                <label>
                    <input
                        type="radio"
                        name="mode"
                        prop:checked=move || !strict.get()
                        on:change=move |_| set_strict.set(false)
                    />
                    " normalized (Docker Hub rules)"
                </label>
                <label>
                    <input
                        type="radio"
                        name="mode"
                        prop:checked=move || strict.get()
                        on:change=move |_| set_strict.set(true)
                    />
                    " strict"
                </label>
            </div>
            {move || match parsed() {
                Ok(reference) => {
                    view! {
                        <table id="ref-result">
                            <tbody>
                                {rows(&reference)
                                    .into_iter()
                                    .map(|(name, value)| {
                                        view! {
                                            <tr>
                                                <th scope="row">{name}</th>
                                                <td>
                                                    {match value {
                                                        Some(v) => view! { <code>{v}</code> }.into_any(),
                                                        None => view! { <span class="none">"none"</span> }.into_any(),
                                                    }}
                                                </td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    }
                        .into_any()
                }
                Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
            }}
        </section>
    }
}
