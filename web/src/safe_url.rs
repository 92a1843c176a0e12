//! Which URLs from a registry may become links: only absolute `http:` and `https:` ones.

/// The URL when it is an absolute `http:`/`https:` URL without whitespace or control
/// characters; `None` otherwise (so `javascript:`, `data:` and relative URLs never become links).
pub fn link_target(url: &str) -> Option<&str> {
    let lower_scheme = url
        .get(..8)
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let scheme_ok = lower_scheme.starts_with("https://") || lower_scheme.starts_with("http://");
    let clean = !url.chars().any(|c| c.is_whitespace() || c.is_control());
    let has_host = url
        .split_once("://")
        .is_some_and(|(_, rest)| !rest.is_empty() && !rest.starts_with('/'));
    (scheme_ok && clean && has_host).then_some(url)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn only_http_and_https_with_a_host() {
        assert_eq!(
            link_target("https://example.com/x"),
            Some("https://example.com/x")
        );
        assert_eq!(
            link_target("HTTP://example.com"),
            Some("HTTP://example.com")
        );
        assert_eq!(link_target("javascript:alert(1)"), None);
        assert_eq!(link_target("JavaScript://%0aalert(1)"), None);
        assert_eq!(link_target("data:text/html,<script>"), None);
        assert_eq!(link_target(" https://example.com"), None);
        assert_eq!(link_target("https://exa\nmple.com"), None);
        assert_eq!(link_target("https:///path"), None);
        assert_eq!(link_target("//example.com"), None);
        assert_eq!(link_target("/relative"), None);
    }
}
