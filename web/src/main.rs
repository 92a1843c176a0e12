//! The ociscope explorer app: entry point.

fn main() {
    #[cfg(target_arch = "wasm32")]
    leptos::mount::mount_to_body(ociscope_web::App);
}
