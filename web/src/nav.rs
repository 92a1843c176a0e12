//! The page's URL as the app's state: reading it, pushing views onto the browser history
//! (so the back button works), and links that navigate without reloading.

use leptos::ev;
use leptos::prelude::*;
use web_sys::MouseEvent;

use crate::route::Route;

/// The current route, shared by every view through the context.
#[derive(Clone, Copy)]
pub struct Nav {
    route: RwSignal<Route>,
}

fn location_query() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

impl Nav {
    /// Reads the page's URL, follows back/forward, and provides the result as context.
    pub fn install() -> Nav {
        let nav = Nav {
            route: RwSignal::new(Route::parse(&location_query())),
        };
        let handle = window_event_listener(ev::popstate, move |_| {
            nav.route.set(Route::parse(&location_query()));
        });
        on_cleanup(move || handle.remove());
        provide_context(nav);
        nav
    }

    /// The current route (tracked).
    pub fn route(&self) -> Route {
        self.route.get()
    }

    /// The current route, untracked (for event handlers).
    pub fn current(&self) -> Route {
        self.route.get_untracked()
    }

    /// The current route, read with `f` (tracked).
    pub fn with<T>(&self, f: impl FnOnce(&Route) -> T) -> T {
        self.route.with(f)
    }

    /// Shows `route`, adding it to the browser history.
    pub fn go(&self, route: Route) {
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = history.push_state_with_url(
                &wasm_bindgen::JsValue::NULL,
                "",
                Some(&route.to_query()),
            );
        }
        if let Some(w) = web_sys::window() {
            w.scroll_to_with_x_and_y(0.0, 0.0);
        }
        self.route.set(route);
    }
}

/// The app's navigation, from the context [`crate::App`] installs. Outside it (never in the
/// app) a navigation of its own over the page's URL, so a component still works rather than
/// panicking.
pub fn use_nav() -> Nav {
    use_context::<Nav>().unwrap_or_else(|| Nav {
        route: RwSignal::new(Route::parse(&location_query())),
    })
}

/// A link to a route: a real `<a href>` (open in a new tab works), navigating in place on a
/// plain click.
#[component]
pub fn Link(
    /// Where it leads.
    to: Route,
    /// The link's content.
    children: Children,
    /// CSS classes.
    #[prop(optional, into)]
    class: String,
) -> impl IntoView {
    let nav = use_nav();
    let href = to.to_query();
    let on_click = move |e: MouseEvent| {
        let plain =
            e.button() == 0 && !(e.ctrl_key() || e.meta_key() || e.shift_key() || e.alt_key());
        if plain {
            e.prevent_default();
            nav.go(to.clone());
        }
    };
    view! {
        <a href=href class=class on:click=on_click>
            {children()}
        </a>
    }
}
