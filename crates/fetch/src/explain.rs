//! What to tell people when a browser refuses a registry's answer (CORS). A pure function, so
//! it is checked natively.

use crate::{ALLOW_HEADERS, ALLOW_METHODS, EXPOSE_HEADERS};

/// What a page at `page_origin` needs from the registry at `registry_origin` when the browser
/// refused its answer: the headers to send, and the preflight pitfall of auth-protected
/// registries. `reachable` says whether a probe showed the registry answering (false when it
/// could not be probed, so the message allows for an unreachable one too).
pub fn cors_explanation(page_origin: &str, registry_origin: &str, reachable: bool) -> String {
    let what = if reachable {
        format!(
            "the browser blocked the answer of {registry_origin} (CORS): it answers, but not \
             with the CORS headers that let a page at {page_origin} read it"
        )
    } else {
        format!(
            "the browser could not get an answer from {registry_origin}: either it blocked the \
             answer (CORS, the likely cause) or the registry is unreachable"
        )
    };
    format!(
        "{what}. The registry (or a proxy in front of it) must send on every answer \
         `Access-Control-Allow-Origin: {page_origin}` (or `*` when the page sends no \
         cookies) and `Access-Control-Expose-Headers: {EXPOSE_HEADERS}`, and answer preflight \
         `OPTIONS` requests with a 2xx status, `Access-Control-Allow-Methods: {ALLOW_METHODS}` \
         and `Access-Control-Allow-Headers: {ALLOW_HEADERS}`. A registry that requires \
         authentication and answers the preflight `OPTIONS` with 401 breaks every \
         authenticated request, because browsers never send credentials on a preflight: it \
         must answer preflights without authentication. Otherwise reach the registry through \
         a proxy on this page's origin."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_explanation_names_every_header_and_the_preflight_pitfall() {
        let m = cors_explanation("http://127.0.0.1:8000", "http://127.0.0.1:5000", true);
        for needed in [
            "Access-Control-Allow-Origin: http://127.0.0.1:8000",
            &format!("Access-Control-Allow-Headers: {ALLOW_HEADERS}"),
            &format!("Access-Control-Expose-Headers: {EXPOSE_HEADERS}"),
            &format!("Access-Control-Allow-Methods: {ALLOW_METHODS}"),
            "preflight `OPTIONS` with 401",
            "(CORS)",
            "http://127.0.0.1:5000",
        ] {
            assert!(m.contains(needed), "{needed:?} missing from {m}");
        }
        let m = cors_explanation("https://app.example", "https://r.example", false);
        assert!(m.contains("unreachable"), "{m}");
    }
}
