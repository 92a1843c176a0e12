//! `Docker-Content-Digest`: the digest of the manifest or blob a registry served or stored.

use super::names::DOCKER_CONTENT_DIGEST;
use super::HeaderError;
use crate::digest::Digest;

/// Parses the header value into a [`Digest`] (surrounding whitespace ignored).
pub fn parse_content_digest(value: &str) -> Result<Digest, HeaderError> {
    let text = value.trim();
    if text.is_empty() {
        return Err(HeaderError::Empty {
            header: DOCKER_CONTENT_DIGEST,
        });
    }
    Ok(Digest::parse(text)?)
}

/// Formats the header value a server sends.
pub fn format_content_digest(digest: &Digest) -> String {
    digest.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn parses_real_values() {
        let text = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let d = parse_content_digest(&format!(" {text}\t")).unwrap();
        assert_eq!(d, Digest::sha256_of(b""));
        assert_eq!(format_content_digest(&d), text);
        assert!(matches!(
            parse_content_digest(""),
            Err(HeaderError::Empty { .. })
        ));
        assert!(matches!(
            parse_content_digest("sha256:abc"),
            Err(HeaderError::Digest(_))
        ));
        assert!(parse_content_digest("W/\"etag\"").is_err());
    }
}
