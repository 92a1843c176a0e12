//! The ociscope explorer app: entry point of the catalog bundle (what `index.html` loads; see
//! `ociscope_web::bundle`).

fn main() {
    // Before anything else, so even a panic while mounting shows the reload box.
    ociscope_web::panic_screen::install();
    #[cfg(target_arch = "wasm32")]
    if let Some(body) = leptos::prelude::document().body() {
        // Kept (not forgotten): the catalog app unmounts when the tools bundle takes over.
        ociscope_web::bundle::keep_mounted(leptos::mount::mount_to(body, ociscope_web::CatalogApp));
    }
}
