//! The last line of defence: a panic that still happens (a bug; registry data should never
//! cause one) becomes a visible error with a reload button instead of a frozen page.
//!
//! Rules: the hook builds its box with plain DOM calls (not Leptos, whose runtime may be in
//! the middle of an update when the panic strikes, and is gone once wasm aborts); the message
//! is set as text, never markup; the reload button works without wasm (an inline
//! `location.reload()`), since after a panic the module has trapped. The previous hook (the
//! browser console's, or the test runner's) still runs.

use std::sync::Once;

/// The id of the box a panic shows.
pub const ID: &str = "panic-screen";

/// Installs the hook, once per page (later calls do nothing).
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            show(&info.to_string());
            previous(info);
        }));
    });
}

/// Shows the box for a panic with `message`; never panics itself (every step may fail
/// quietly), and shows only the first panic.
#[cfg(target_arch = "wasm32")]
fn show(message: &str) {
    web_sys::console::error_1(&format!("ociscope panicked: {message}").into());
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if document.get_element_by_id(ID).is_some() {
        return;
    }
    let Some(body) = document.body() else {
        return;
    };
    let make = |tag: &str, text: &str| -> Option<web_sys::Element> {
        let e = document.create_element(tag).ok()?;
        e.set_text_content(Some(text));
        Some(e)
    };
    let build = || -> Option<web_sys::Element> {
        let screen = document.create_element("div").ok()?;
        screen.set_id(ID);
        screen.set_attribute("role", "alert").ok()?;
        screen.set_class_name("panic-screen");
        let advice = "The explorer hit a bug and stopped. Reload to start again: the address \
                      keeps where you were. Please report the details below.";
        for (tag, text) in [
            ("h2", "Something went wrong"),
            ("p", advice),
            ("pre", message),
        ] {
            let child = make(tag, text)?;
            screen.append_child(&child).ok()?;
        }
        let button = make("button", "Reload")?;
        button.set_id("panic-reload");
        button.set_attribute("type", "button").ok()?;
        button.set_attribute("onclick", "location.reload()").ok()?;
        screen.append_child(&button).ok()?;
        Some(screen)
    };
    if let Some(screen) = build() {
        let _ = body.append_child(&screen);
    }
}

/// Native builds (unit tests) have no page: nothing to show.
#[cfg(not(target_arch = "wasm32"))]
fn show(_message: &str) {}
