//! A list that renders only the rows in view: fixed row height, a scroll container, and a
//! spacer as tall as all rows, so 10,000 rows cost as much as 30. The positioning styles are
//! inline: the list works without the stylesheet.

use leptos::prelude::*;

/// Rows kept rendered above and below the visible ones.
const OVERSCAN: usize = 6;

/// The rows `[start, end)` to render for a scroll position (pure, so it is tested natively).
pub fn window(count: usize, scroll_top: f64, row_height: f64, height: f64) -> (usize, usize) {
    let row_height = row_height.max(1.0);
    let first = (scroll_top.max(0.0) / row_height).floor() as usize;
    let visible = (height / row_height).ceil() as usize + 1;
    let start = first.saturating_sub(OVERSCAN).min(count);
    let end = first.saturating_add(visible + OVERSCAN).min(count);
    (start, end)
}

/// A scrolling list of `count` rows of `row_height` pixels in a box `height` pixels tall;
/// `row(i)` renders row `i`, and `on_end(end)` hears the index past the last rendered row
/// whenever it changes (to load more).
#[component]
pub fn VirtualList<F, V>(
    /// How many rows there are.
    #[prop(into)]
    count: Signal<usize>,
    /// Height of every row, in CSS pixels.
    row_height: f64,
    /// Height of the scrolling box, in CSS pixels.
    height: f64,
    /// Renders one row.
    row: F,
    /// Hears the end of the rendered window.
    #[prop(optional)]
    on_end: Option<Callback<usize>>,
    /// Scrolls back to the top whenever this changes (a new filter or order).
    #[prop(optional, into)]
    reset_on: Option<Signal<String>>,
    /// Accessible name of the list.
    #[prop(into)]
    label: String,
) -> impl IntoView
where
    F: Fn(usize) -> V + Send + Sync + Clone + 'static,
    V: IntoView + 'static,
{
    let scroll_top = RwSignal::new(0.0f64);
    let container = NodeRef::<leptos::html::Div>::new();
    // When the rows change (a filter), the browser may clamp the scroll position without a
    // scroll event: read it back.
    Effect::new(move |_| {
        count.track();
        if let Some(el) = container.get() {
            scroll_top.set(el.scroll_top() as f64);
        }
    });
    let range = Memo::new(move |_| window(count.get(), scroll_top.get(), row_height, height));
    if let Some(on_end) = on_end {
        Effect::new(move |_| on_end.run(range.get().1));
    }
    if let Some(reset_on) = reset_on {
        Effect::new(move |previous: Option<String>| {
            let now = reset_on.get();
            if previous.is_some_and(|p| p != now) {
                if let Some(el) = container.get_untracked() {
                    el.set_scroll_top(0);
                }
                scroll_top.set(0.0);
            }
            now
        });
    }
    let on_scroll = move |e: leptos::ev::Event| {
        let el: web_sys::Element = event_target(&e);
        scroll_top.set(el.scroll_top() as f64);
    };
    view! {
        <div
            class="vlist"
            node_ref=container
            role="list"
            aria-label=label
            style=format!("height:{height}px;overflow-y:auto;position:relative")
            on:scroll=on_scroll
        >
            <div
                class="vlist-spacer"
                style=move || format!("height:{}px;position:relative", count.get() as f64 * row_height)
            >
                {move || {
                    let (start, end) = range.get();
                    let row = row.clone();
                    (start..end)
                        .map(|i| {
                            view! {
                                <div
                                    class="vrow"
                                    role="listitem"
                                    style=format!(
                                        "position:absolute;left:0;right:0;top:{}px;height:{}px",
                                        i as f64 * row_height,
                                        row_height,
                                    )
                                >
                                    {row(i)}
                                </div>
                            }
                        })
                        .collect_view()
                }}
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn window_covers_the_visible_rows_plus_overscan() {
        assert_eq!(window(0, 0.0, 30.0, 300.0), (0, 0));
        assert_eq!(window(10_000, 0.0, 30.0, 300.0), (0, 11 + OVERSCAN));
        let (s, e) = window(10_000, 3000.0, 30.0, 300.0);
        assert_eq!((s, e), (100 - OVERSCAN, 100 + 11 + OVERSCAN));
        assert_eq!(window(50, 1e9, 30.0, 300.0), (50, 50));
        assert_eq!(window(5, -10.0, 0.0, 300.0).0, 0);
    }
}
