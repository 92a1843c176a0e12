#![no_main]
//! `Link` parsing never panics; parsed links format and parse back to the same links.
use libfuzzer_sys::fuzz_target;
use ociscope_core::headers::link::{find_next, format_links, next_link, resolve_url, LinkValue};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(links) = LinkValue::parse_all(text) {
        let formatted = format_links(&links);
        assert_eq!(LinkValue::parse_all(&formatted).as_ref(), Ok(&links));
        let next = find_next([text]).expect("parsed once, parses again");
        assert_eq!(next.is_some(), links.iter().any(|l| l.has_rel("next")));
        let _ = next_link([text], "https://registry.example/v2/_catalog?n=10");
    }
    // Split the input into a base URL and a reference.
    let (base, reference) = text.split_once('\n').unwrap_or((text, ""));
    if let Ok(resolved) = resolve_url(base, reference) {
        assert!(resolved.contains("://") || resolved.contains(':'));
    }
    let _ = resolve_url("https://r.example/v2/a/tags/list?n=1", text);
});
