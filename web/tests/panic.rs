//! A panic that still happens becomes a visible error with a reload button, not a frozen
//! page. In a file of its own: after a panic the wasm module has trapped, so nothing else may
//! share this test binary.
#![cfg(target_arch = "wasm32")]

use ociscope_core::memory::MemoryRegistry;
use ociscope_web::registry::{self, Registry};
use wasm_bindgen_test::*;

mod common;
use common::{sleep, Mounted};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_panic_shows_the_error_and_a_reload_button() {
    registry::install("mem:panic", Registry::memory(MemoryRegistry::new()));
    let app = Mounted::at("?registry=mem:panic");
    app.find("#catalog-summary", "0 repositories").await;
    let document = web_sys::window().unwrap().document().unwrap();
    assert!(document.get_element_by_id("panic-screen").is_none());

    // A deliberate panic in a task of the app's, as a bug would raise one; its message holds
    // markup, which must stay text.
    leptos::task::spawn_local(async {
        panic!("deliberate <img src=x onerror=window.__xss=1> panic");
    });
    let start = common::now();
    let screen = loop {
        if let Some(screen) = document.get_element_by_id("panic-screen") {
            break screen;
        }
        assert!(
            common::now() - start < common::TIMEOUT_MS,
            "no panic screen appeared"
        );
        sleep(20).await;
    };
    let text = screen.text_content().unwrap_or_default();
    assert!(text.contains("Something went wrong"), "{text}");
    assert!(
        text.contains("deliberate <img src=x onerror=window.__xss=1> panic"),
        "{text}"
    );
    assert_eq!(screen.get_attribute("role").as_deref(), Some("alert"));
    assert!(
        screen.query_selector("img").unwrap().is_none(),
        "the message became markup"
    );
    let reload = document
        .get_element_by_id("panic-reload")
        .expect("a reload button");
    assert_eq!(reload.text_content().as_deref(), Some("Reload"));
    // Works without wasm (the module has trapped): an inline handler, not a Rust closure.
    assert_eq!(
        reload.get_attribute("onclick").as_deref(),
        Some("location.reload()")
    );
    drop(app);
}
