//! The ociscope explorer app: entry point of the tools bundle (every page), started by the
//! catalog bundle when a page needs it (see `ociscope_web::bundle`).

fn main() {
    // Before anything else, so even a panic while mounting shows the reload box.
    ociscope_web::panic_screen::install();
    #[cfg(target_arch = "wasm32")]
    leptos::mount::mount_to_body(ociscope_web::App);
}
