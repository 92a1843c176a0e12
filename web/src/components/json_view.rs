//! A JSON document shown as text, with each digest a link to its manifest or blob view.

use leptos::prelude::*;

use crate::json_segments::{segments, Segment, Target};
use crate::nav::Link;
use crate::route::Route;

/// Shows `bytes` pretty-printed when they are JSON (as plain text otherwise); digests link to
/// views under `base` (a route with registry and repository).
#[component]
pub fn JsonView(
    /// The document.
    bytes: Vec<u8>,
    /// The route digests are resolved against.
    base: Route,
) -> impl IntoView {
    match segments(&bytes) {
        Some(segs) => {
            let pieces = segs
                .into_iter()
                .map(|s| match s {
                    Segment::Text(t) => t.into_any(),
                    Segment::Link { text, target } => {
                        let to = match &target {
                            Target::Manifest(d) => base.manifest(d),
                            Target::Blob(d) => base.blob(d),
                        };
                        view! { <Link to=to class="json-digest">{text}</Link> }.into_any()
                    }
                })
                .collect_view();
            view! { <pre class="json">{pieces}</pre> }.into_any()
        }
        None => {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            view! { <pre class="json">{text}</pre> }.into_any()
        }
    }
}
