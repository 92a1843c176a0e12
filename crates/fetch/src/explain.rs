//! What to tell people when a browser refuses a registry's answer (CORS), and how to tell that
//! apart from a network failure. Pure functions, so they are checked natively.

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

/// The origin (`scheme://host[:port]`) of an absolute `url`, lower-cased, default port dropped;
/// `None` when it has no scheme.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // Used by the wasm32 transport.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority
        .rsplit('@')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let default = match scheme.as_str() {
        "http" => Some(":80"),
        "https" => Some(":443"),
        _ => None,
    };
    let authority = match default {
        Some(d) if authority.ends_with(d) && !authority.ends_with(']') => {
            authority[..authority.len() - d.len()].to_string()
        }
        _ => authority,
    };
    Some(format!("{scheme}://{authority}"))
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

    #[test]
    fn origins() {
        assert_eq!(
            origin_of("http://127.0.0.1:5000/v2/x?y#z").as_deref(),
            Some("http://127.0.0.1:5000")
        );
        assert_eq!(
            origin_of("HTTPS://Reg.Example:443/v2/").as_deref(),
            Some("https://reg.example")
        );
        assert_eq!(
            origin_of("http://[::1]:80/").as_deref(),
            Some("http://[::1]")
        );
        assert_eq!(origin_of("http://[::1]").as_deref(), Some("http://[::1]"));
        assert_eq!(origin_of("/v2/"), None);
    }
}
