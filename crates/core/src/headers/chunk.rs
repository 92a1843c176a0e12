//! `OCI-Chunk-Min-Length`: the smallest chunk (in bytes) a registry accepts, except the last.

use super::grammar::parse_u64;
use super::names::OCI_CHUNK_MIN_LENGTH;
use super::HeaderError;

/// Parses the header value: decimal digits, surrounding whitespace ignored.
pub fn parse_chunk_min_length(value: &str) -> Result<u64, HeaderError> {
    let text = value.trim();
    if text.is_empty() {
        return Err(HeaderError::Empty {
            header: OCI_CHUNK_MIN_LENGTH,
        });
    }
    parse_u64(text).ok_or_else(|| {
        HeaderError::invalid(
            OCI_CHUNK_MIN_LENGTH,
            value,
            "expected a non-negative decimal integer that fits in 64 bits",
        )
    })
}

/// Formats the header value a server sends.
pub fn format_chunk_min_length(length: u64) -> String {
    length.to_string()
}

/// The chunk size to use: at least the registry's minimum, otherwise what the client prefers.
pub fn effective_chunk_size(preferred: u64, min_length: Option<u64>) -> u64 {
    preferred.max(min_length.unwrap_or(0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn parses_and_formats() {
        assert_eq!(parse_chunk_min_length("5242880").unwrap(), 5_242_880);
        assert_eq!(parse_chunk_min_length(" 0 ").unwrap(), 0);
        assert_eq!(format_chunk_min_length(1024), "1024");
        for bad in [
            "",
            " ",
            "-1",
            "1.5",
            "1e6",
            "0x10",
            "99999999999999999999",
            "5 MB",
        ] {
            assert!(parse_chunk_min_length(bad).is_err(), "{bad}");
        }
        assert!(matches!(
            parse_chunk_min_length(""),
            Err(HeaderError::Empty { .. })
        ));
    }

    #[test]
    fn effective_size() {
        assert_eq!(effective_chunk_size(1 << 20, Some(5 << 20)), 5 << 20);
        assert_eq!(effective_chunk_size(8 << 20, Some(5 << 20)), 8 << 20);
        assert_eq!(effective_chunk_size(0, None), 1);
    }
}
