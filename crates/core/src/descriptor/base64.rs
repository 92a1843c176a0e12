//! Small strict base64 decoders: the standard alphabet with padding (descriptor `data`) and the
//! URL-safe alphabet without padding (JOSE, for schema 1 signatures).

/// Why a base64 text was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Base64Error {
    /// Length not a multiple of 4 (standard) or of the form 4n+1 (unpadded).
    Length(usize),
    /// A character outside the alphabet, at this byte offset.
    Character(usize),
    /// `=` somewhere else than the last one or two positions.
    Padding,
}

impl std::fmt::Display for Base64Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Base64Error::Length(n) => write!(f, "invalid base64 length {n}"),
            Base64Error::Character(at) => write!(f, "invalid base64 character at offset {at}"),
            Base64Error::Padding => f.write_str("misplaced base64 padding"),
        }
    }
}

fn value(b: u8, url: bool) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' if !url => Some(62),
        b'/' if !url => Some(63),
        b'-' if url => Some(62),
        b'_' if url => Some(63),
        _ => None,
    }
}

/// Decodes unpadded symbols (no `=`), `offset` being where they start in the input.
fn decode_symbols(text: &[u8], url: bool, offset: usize) -> Result<Vec<u8>, Base64Error> {
    if text.len() % 4 == 1 {
        return Err(Base64Error::Length(text.len()));
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    for (chunk_index, chunk) in text.chunks(4).enumerate() {
        let mut acc: u32 = 0;
        for (i, &b) in chunk.iter().enumerate() {
            let v = value(b, url).ok_or(Base64Error::Character(offset + chunk_index * 4 + i))?;
            acc |= u32::from(v) << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        // Non-zero trailing bits are ignored, as Go's non-strict decoders do.
        let produced = chunk.len() * 6 / 8;
        out.extend_from_slice(&bytes[1..1 + produced]);
    }
    Ok(out)
}

/// Decodes standard base64 (RFC 4648 §4) with mandatory padding.
///
/// Trailing bits are not checked, as Go's `base64.StdEncoding` (the peers' decoder) does not.
pub(crate) fn decode_standard(text: &str) -> Result<Vec<u8>, Base64Error> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return Err(Base64Error::Length(bytes.len()));
    }
    let pad = bytes
        .iter()
        .rev()
        .take(2)
        .take_while(|&&b| b == b'=')
        .count();
    let symbols = &bytes[..bytes.len() - pad];
    if symbols.contains(&b'=') {
        return Err(Base64Error::Padding);
    }
    decode_symbols(symbols, false, 0)
}

/// Decodes URL-safe base64 (RFC 4648 §5) without padding, as JOSE writes it.
pub(crate) fn decode_url_unpadded(text: &str) -> Result<Vec<u8>, Base64Error> {
    decode_symbols(text.as_bytes(), true, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn standard() {
        assert_eq!(decode_standard("").unwrap(), b"");
        assert_eq!(decode_standard("e30=").unwrap(), b"{}");
        assert_eq!(decode_standard("YQ==").unwrap(), b"a");
        assert_eq!(decode_standard("YWJj").unwrap(), b"abc");
        assert_eq!(decode_standard("+/+/").unwrap(), [0xfb, 0xff, 0xbf]);
        assert_eq!(decode_standard("YQ"), Err(Base64Error::Length(2)));
        assert_eq!(decode_standard("Y==="), Err(Base64Error::Padding));
        assert_eq!(decode_standard("YQ=a"), Err(Base64Error::Padding));
        assert_eq!(decode_standard("Y-=="), Err(Base64Error::Character(1)));
        assert_eq!(
            decode_standard("YR==").unwrap(),
            b"a",
            "trailing bits ignored"
        );
        assert_eq!(
            decode_standard("aHR0cHM6Ly9naXRodWIuY29tL29wZW5jb250YWluZXJzCg==").unwrap(),
            b"https://github.com/opencontainers\n"
        );
    }

    #[test]
    fn url() {
        assert_eq!(decode_url_unpadded("Cn0").unwrap(), b"\n}");
        assert_eq!(decode_url_unpadded("-_8").unwrap(), [0xfb, 0xff]);
        assert!(decode_url_unpadded("Cn0=").is_err());
        assert!(decode_url_unpadded("C").is_err());
    }
}

/// Encodes standard base64 (RFC 4648 §4) with padding (HTTP Basic credentials, descriptor data).
pub(crate) fn encode_standard(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let mut acc = [0u8; 3];
        acc[..chunk.len()].copy_from_slice(chunk);
        let n = (u32::from(acc[0]) << 16) | (u32::from(acc[1]) << 8) | u32::from(acc[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod encode_tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn encodes_and_round_trips() {
        assert_eq!(encode_standard(b""), "");
        assert_eq!(encode_standard(b"f"), "Zg==");
        assert_eq!(encode_standard(b"fo"), "Zm8=");
        assert_eq!(encode_standard(b"foo"), "Zm9v");
        assert_eq!(encode_standard(b"user:pa ss"), "dXNlcjpwYSBzcw==");
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(decode_standard(&encode_standard(&all)).unwrap(), all);
    }
}
