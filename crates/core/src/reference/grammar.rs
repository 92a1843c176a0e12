//! The anchored reference grammar of distribution/reference, hand-written (no regex engine).
//!
//! These checks match the grammar only: no length limit on names and no check that a digest
//! algorithm is known. [`super::Reference`] adds both. Every function is linear in its input.
//!
//! ```text
//! reference        := name [ ":" tag ] [ "@" digest ]
//! name             := [ domain "/" ] remote-name
//! domain           := host [ ":" port-number ]
//! host             := domain-name | "[" [a-fA-F0-9:]+ "]"
//! domain-name      := domain-component ( "." domain-component )*
//! domain-component := [a-zA-Z0-9] | [a-zA-Z0-9] [a-zA-Z0-9-]* [a-zA-Z0-9]
//! port-number      := [0-9]+
//! remote-name      := path-component ( "/" path-component )*
//! path-component   := [a-z0-9]+ ( separator [a-z0-9]+ )*
//! separator        := "." | "_" | "__" | "-"+
//! tag              := [\w] [\w.-]{0,127}
//! digest           := algorithm ":" [0-9a-fA-F]{32,}
//! algorithm        := alg-component ( [-_+.] alg-component )*
//! alg-component    := [A-Za-z] [A-Za-z0-9]*
//! identifier       := [a-f0-9]{64}
//! ```

/// Longest tag the grammar allows.
pub const MAX_TAG_LEN: usize = 128;

/// The parts of a string matching the anchored reference grammar, as slices of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReferenceParts<'a> {
    /// The repository name (domain included, if any).
    pub name: &'a str,
    /// The domain (host and optional port), if the name has one.
    pub domain: Option<&'a str>,
    /// The name without its domain.
    pub path: &'a str,
    /// The tag after `:`, if any.
    pub tag: Option<&'a str>,
    /// The digest after `@`, if any (grammar only: not validated as a [`crate::Digest`]).
    pub digest: Option<&'a str>,
}

fn is_alnum_lower(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// Is `s` one path component: `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`.
pub fn is_path_component(s: &str) -> bool {
    let bytes = s.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    // Between alphanumeric runs, each run of other characters must be one separator.
    is_alnum_lower(first)
        && is_alnum_lower(last)
        && s.split(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            .filter(|run| !run.is_empty())
            .all(|run| matches!(run, "." | "_" | "__") || run.bytes().all(|b| b == b'-'))
}

/// Is `s` a remote name (the path part of a name): path components joined by `/`.
pub fn is_remote_name(s: &str) -> bool {
    s.split('/').all(is_path_component)
}

fn is_domain_component(s: &str) -> bool {
    let bytes = s.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(&first), Some(&last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
        }
        _ => false,
    }
}

fn is_port(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Is `s` a domain: a host name, IPv4 address or bracketed IPv6 literal, with an optional port.
pub fn is_domain(s: &str) -> bool {
    if let Some(rest) = s.strip_prefix('[') {
        let Some(close) = rest.find(']') else {
            return false;
        };
        let (inside, after) = (&rest[..close], &rest[close + 1..]);
        let inside_ok =
            !inside.is_empty() && inside.bytes().all(|b| b.is_ascii_hexdigit() || b == b':');
        return inside_ok && (after.is_empty() || after.strip_prefix(':').is_some_and(is_port));
    }
    let (host, port) = match s.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (s, None),
    };
    host.split('.').all(is_domain_component) && port.is_none_or(is_port)
}

/// Splits a name matching the grammar into its domain (if any) and path, like the peer regex.
///
/// The first component is the domain when it is a valid domain and a valid remote name follows;
/// otherwise the whole name must be a remote name.
pub fn split_name(s: &str) -> Option<(Option<&str>, &str)> {
    if let Some((domain, path)) = s.split_once('/') {
        if is_domain(domain) && is_remote_name(path) {
            return Some((Some(domain), path));
        }
    }
    is_remote_name(s).then_some((None, s))
}

/// Is `s` a name: `[domain "/"] remote-name` (no length limit).
pub fn is_name(s: &str) -> bool {
    split_name(s).is_some()
}

/// Is `s` a tag: `[\w][\w.-]{0,127}`.
pub fn is_tag(s: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = s.as_bytes();
    match bytes.first() {
        Some(&first) => {
            bytes.len() <= MAX_TAG_LEN
                && word(first)
                && bytes.iter().all(|&b| word(b) || b == b'.' || b == b'-')
        }
        None => false,
    }
}

fn is_digest_algorithm(s: &str) -> bool {
    s.split(['-', '_', '+', '.']).all(|component| {
        let bytes = component.as_bytes();
        bytes.first().is_some_and(|b| b.is_ascii_alphabetic())
            && bytes.iter().all(|b| b.is_ascii_alphanumeric())
    })
}

/// Is `s` a digest by the reference grammar: `algorithm:` then at least 32 hex digits (any case).
pub fn is_digest(s: &str) -> bool {
    match s.split_once(':') {
        Some((algorithm, hex)) => {
            is_digest_algorithm(algorithm)
                && hex.len() >= 32
                && hex.bytes().all(|b| b.is_ascii_hexdigit())
        }
        None => false,
    }
}

/// Is `s` an image ID: exactly 64 lowercase hex digits.
pub fn is_identifier(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Splits a string matching the anchored reference grammar into its parts.
pub fn split_reference(s: &str) -> Option<ReferenceParts<'_>> {
    // Neither names nor tags contain '@', and digests do not either: the first '@' starts it.
    let (rest, digest) = match s.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (s, None),
    };
    if let Some(digest) = digest {
        if !is_digest(digest) {
            return None;
        }
    }
    // A tag contains no '/' or ':', and the name holds a ':' only in a domain, which is always
    // followed by '/'. So a ':' after the last '/' can only introduce the tag.
    let last_slash = rest.rfind('/');
    let (name, tag) = match rest.rfind(':') {
        Some(colon) if last_slash.is_none_or(|slash| colon > slash) => {
            (&rest[..colon], Some(&rest[colon + 1..]))
        }
        _ => (rest, None),
    };
    if let Some(tag) = tag {
        if !is_tag(tag) {
            return None;
        }
    }
    let (domain, path) = split_name(name)?;
    Some(ReferenceParts {
        name,
        domain,
        path,
        tag,
        digest,
    })
}

/// Is `s` a reference: `name [":" tag] ["@" digest]` (no length limit, any digest algorithm).
pub fn is_reference(s: &str) -> bool {
    split_reference(s).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn path_components() {
        for ok in ["a", "a.b", "a_b", "a__b", "a---b", "a-b.c_d__e", "0"] {
            assert!(is_path_component(ok), "{ok}");
        }
        for bad in [
            "", "A", "a.", ".a", "a..b", "a___b", "a_.b", "a-.b", "a-", "é",
        ] {
            assert!(!is_path_component(bad), "{bad}");
        }
    }

    #[test]
    fn domains() {
        for ok in [
            "a",
            "A.b-c",
            "a:1",
            "[::1]",
            "[::1]:5000",
            "1.2.3.4:99999999",
        ] {
            assert!(is_domain(ok), "{ok}");
        }
        for bad in [
            "", ":1", "a:", "a:b", "[]", "[::1", "[::1]x", "[::g]", "a..b", "-a", "a_b",
        ] {
            assert!(!is_domain(bad), "{bad}");
        }
    }

    #[test]
    fn reference_split() {
        let parts = split_reference("localhost:8080").unwrap();
        assert_eq!((parts.name, parts.tag), ("localhost", Some("8080")));
        let parts = split_reference("a:1/b:c@sha256:0123456789abcdef0123456789abcdef").unwrap();
        assert_eq!(parts.domain, Some("a:1"));
        assert_eq!(parts.path, "b");
        assert_eq!(parts.tag, Some("c"));
        assert!(split_reference("a@b@sha256:0123456789abcdef0123456789abcdef").is_none());
        assert!(split_reference("a:").is_none());
        assert!(split_reference("a@").is_none());
        assert!(split_reference(&format!("a:{}", "t".repeat(129))).is_none());
        assert!(split_reference(&format!("a:{}", "t".repeat(128))).is_some());
    }
}
