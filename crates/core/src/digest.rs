//! Content digests (`algorithm:encoded`): parsing, hashing while bytes stream, and verifying.
//!
//! Policy (see the README): [`Digest::parse`] accepts any digest matching the OCI grammar
//! `^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$` and enforces the rules of the algorithms the
//! image-spec registers (`sha256`: 64 lowercase hex, `sha512`: 128, `blake3`: 64). Only `sha256`
//! and `sha512` can be computed and verified here; any other algorithm parses but reports
//! [`DigestError::Unsupported`] when asked to verify.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::Digest as _;

/// A hash algorithm ociscope can compute and verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    /// SHA-256, the default of every registry.
    Sha256,
    /// SHA-512.
    Sha512,
}

impl Algorithm {
    /// The name used in digest strings (`sha256`).
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }

    /// Number of lowercase hex characters in an encoded digest of this algorithm.
    pub fn hex_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 64,
            Algorithm::Sha512 => 128,
        }
    }

    /// The algorithm with this name, if it is one ociscope can compute.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        match name {
            "sha256" => Some(Algorithm::Sha256),
            "sha512" => Some(Algorithm::Sha512),
            _ => None,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a digest string or a digest check was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    /// The text does not match the `algorithm:encoded` grammar.
    #[error("invalid digest format {input:?}: {reason}")]
    InvalidFormat {
        /// The rejected text (truncated to 200 characters).
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A registered algorithm with an encoded part of the wrong length.
    #[error("invalid {algorithm} digest length: {actual} characters, expected {expected}")]
    InvalidLength {
        /// The algorithm named by the digest.
        algorithm: String,
        /// Hex characters the algorithm needs.
        expected: usize,
        /// Characters the digest has.
        actual: usize,
    },
    /// The algorithm is valid by grammar but cannot be computed here.
    #[error("digest algorithm {0:?} is not supported for verification (sha256 and sha512 are)")]
    Unsupported(String),
    /// Content hashed to another digest than the one expected.
    #[error("digest mismatch: expected {expected}, content has {actual}")]
    Mismatch {
        /// The digest the content was supposed to have.
        expected: Digest,
        /// The digest of the bytes actually seen.
        actual: Digest,
    },
    /// Content had another length than the one expected.
    #[error("size mismatch for {digest}: expected {expected} bytes, got {actual}")]
    SizeMismatch {
        /// The digest the content was checked against.
        digest: Digest,
        /// Bytes expected.
        expected: u64,
        /// Bytes seen.
        actual: u64,
    },
}

fn invalid(input: &str, reason: &'static str) -> DigestError {
    DigestError::InvalidFormat {
        input: input.chars().take(200).collect(),
        reason,
    }
}

/// A validated digest such as `sha256:e3b0c442…`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    text: String,
    colon: usize,
}

/// Is `algorithm` a valid algorithm identifier: `[a-z0-9]+(?:[+._-][a-z0-9]+)*`.
pub fn is_valid_algorithm_name(algorithm: &str) -> bool {
    !algorithm.is_empty()
        && algorithm.split(['+', '.', '_', '-']).all(|component| {
            !component.is_empty()
                && component
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn is_lower_hex(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Digest {
    /// Parses and validates a digest string (OCI grammar plus registered-algorithm rules).
    pub fn parse(input: &str) -> Result<Digest, DigestError> {
        let Some(colon) = input.find(':') else {
            return Err(invalid(
                input,
                "missing ':' between algorithm and encoded part",
            ));
        };
        let (algorithm, encoded) = (&input[..colon], &input[colon + 1..]);
        if algorithm.is_empty() {
            return Err(invalid(input, "empty algorithm"));
        }
        if !is_valid_algorithm_name(algorithm) {
            return Err(invalid(
                input,
                "algorithm must be lowercase letters and digits, joined by one of + . _ -",
            ));
        }
        if encoded.is_empty() {
            return Err(invalid(input, "empty encoded part"));
        }
        if !encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'=' || b == b'_' || b == b'-')
        {
            return Err(invalid(input, "encoded part may hold only [a-zA-Z0-9=_-]"));
        }
        let registered_len = match algorithm {
            "sha256" | "blake3" => Some(64),
            "sha512" => Some(128),
            _ => None,
        };
        if let Some(expected) = registered_len {
            // Length before character set: a short non-hex value is reported as a length error.
            if encoded.len() != expected {
                return Err(DigestError::InvalidLength {
                    algorithm: algorithm.to_string(),
                    expected,
                    actual: encoded.len(),
                });
            }
            if !is_lower_hex(encoded) {
                return Err(invalid(input, "encoded part must be lowercase hex"));
            }
        }
        Ok(Digest {
            text: input.to_string(),
            colon,
        })
    }

    /// Parses a digest and requires an algorithm that can be verified (sha256 or sha512).
    pub fn parse_verifiable(input: &str) -> Result<Digest, DigestError> {
        let digest = Digest::parse(input)?;
        digest.verifiable_algorithm()?;
        Ok(digest)
    }

    /// Builds a digest from an algorithm and its raw hash bytes.
    pub fn from_hash(algorithm: Algorithm, hash: &[u8]) -> Digest {
        let mut text = String::with_capacity(algorithm.as_str().len() + 1 + hash.len() * 2);
        text.push_str(algorithm.as_str());
        text.push(':');
        for b in hash {
            text.push(char::from(HEX[usize::from(b >> 4)]));
            text.push(char::from(HEX[usize::from(b & 0xf)]));
        }
        Digest {
            colon: algorithm.as_str().len(),
            text,
        }
    }

    /// The digest of `bytes` with `algorithm`, computed in one go.
    pub fn of(algorithm: Algorithm, bytes: &[u8]) -> Digest {
        let mut digester = Digester::new(algorithm);
        digester.update(bytes);
        digester.finish()
    }

    /// The sha256 digest of `bytes`.
    pub fn sha256_of(bytes: &[u8]) -> Digest {
        Digest::of(Algorithm::Sha256, bytes)
    }

    /// The algorithm part (`sha256`).
    pub fn algorithm(&self) -> &str {
        &self.text[..self.colon]
    }

    /// The encoded part (the hex after the colon).
    pub fn encoded(&self) -> &str {
        &self.text[self.colon + 1..]
    }

    /// The whole digest string.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The algorithm, if ociscope can compute it.
    pub fn known_algorithm(&self) -> Option<Algorithm> {
        Algorithm::from_name(self.algorithm())
    }

    /// The algorithm, or [`DigestError::Unsupported`] when it cannot be verified here.
    pub fn verifiable_algorithm(&self) -> Result<Algorithm, DigestError> {
        self.known_algorithm()
            .ok_or_else(|| DigestError::Unsupported(self.algorithm().to_string()))
    }

    /// A streaming verifier for content that should have this digest (and, if given, this size).
    pub fn verifier(&self, expected_size: Option<u64>) -> Result<Verifier, DigestError> {
        Ok(Verifier {
            expected: self.clone(),
            expected_size,
            digester: Digester::new(self.verifiable_algorithm()?),
        })
    }

    /// Checks complete content against this digest in one go.
    pub fn verify(&self, bytes: &[u8]) -> Result<(), DigestError> {
        let mut verifier = self.verifier(None)?;
        verifier.update(bytes);
        verifier.finish()
    }

    /// The name of the referrers fallback tag for this digest (`sha256-<hex>`).
    pub fn referrers_tag(&self) -> String {
        format!("{}-{}", self.algorithm(), self.encoded())
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({})", self.text)
    }
}

impl FromStr for Digest {
    type Err = DigestError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Digest::parse(s)
    }
}

impl AsRef<str> for Digest {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Digest::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[derive(Clone)]
enum Hasher {
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
}

/// Computes a digest incrementally over chunks of bytes.
#[derive(Clone)]
pub struct Digester {
    hasher: Hasher,
    size: u64,
}

impl Digester {
    /// A digester for `algorithm`.
    pub fn new(algorithm: Algorithm) -> Digester {
        let hasher = match algorithm {
            Algorithm::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            Algorithm::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
        };
        Digester { hasher, size: 0 }
    }

    /// Feeds the next chunk.
    pub fn update(&mut self, chunk: &[u8]) {
        self.size += chunk.len() as u64;
        match &mut self.hasher {
            Hasher::Sha256(h) => h.update(chunk),
            Hasher::Sha512(h) => h.update(chunk),
        }
    }

    /// Bytes fed so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The algorithm being computed.
    pub fn algorithm(&self) -> Algorithm {
        match self.hasher {
            Hasher::Sha256(_) => Algorithm::Sha256,
            Hasher::Sha512(_) => Algorithm::Sha512,
        }
    }

    /// The digest of everything fed, without consuming the digester.
    pub fn current(&self) -> Digest {
        self.clone().finish()
    }

    /// The digest of everything fed.
    pub fn finish(self) -> Digest {
        match self.hasher {
            Hasher::Sha256(h) => Digest::from_hash(Algorithm::Sha256, &h.finalize()),
            Hasher::Sha512(h) => Digest::from_hash(Algorithm::Sha512, &h.finalize()),
        }
    }
}

/// Checks streamed content against an expected digest and optional size.
#[derive(Clone)]
pub struct Verifier {
    expected: Digest,
    expected_size: Option<u64>,
    digester: Digester,
}

impl Verifier {
    /// Feeds the next chunk.
    pub fn update(&mut self, chunk: &[u8]) {
        self.digester.update(chunk);
    }

    /// Bytes fed so far.
    pub fn size(&self) -> u64 {
        self.digester.size()
    }

    /// True once more bytes than the expected size were fed (content can no longer match).
    pub fn overflowed(&self) -> bool {
        self.expected_size.is_some_and(|n| self.digester.size() > n)
    }

    /// The digest being checked against.
    pub fn expected(&self) -> &Digest {
        &self.expected
    }

    /// Succeeds when the content fed had the expected size and digest.
    pub fn finish(self) -> Result<(), DigestError> {
        let actual_size = self.digester.size();
        if let Some(expected) = self.expected_size {
            if expected != actual_size {
                return Err(DigestError::SizeMismatch {
                    digest: self.expected,
                    expected,
                    actual: actual_size,
                });
            }
        }
        let actual = self.digester.finish();
        if actual != self.expected {
            return Err(DigestError::Mismatch {
                expected: self.expected,
                actual,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn empty_sha256() {
        assert_eq!(
            Digest::sha256_of(b"").as_str(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn errors_name_the_reason() {
        let upper = "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
        assert!(matches!(
            Digest::parse(upper),
            Err(DigestError::InvalidFormat { reason, .. }) if reason.contains("lowercase hex")
        ));
        assert!(matches!(
            Digest::parse("sha512:abcd"),
            Err(DigestError::InvalidLength {
                expected: 128,
                actual: 4,
                ..
            })
        ));
        let d = Digest::parse("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8")
            .unwrap();
        assert_eq!(d.algorithm(), "multihash+base58");
        assert!(matches!(d.verifier(None), Err(DigestError::Unsupported(_))));
    }

    #[test]
    fn verifier_checks_size_then_digest() {
        let d = Digest::sha256_of(b"hello");
        let mut v = d.verifier(Some(5)).unwrap();
        v.update(b"hel");
        v.update(b"lo");
        assert_eq!(v.finish(), Ok(()));
        let mut v = d.verifier(Some(5)).unwrap();
        v.update(b"hellO");
        assert!(matches!(v.finish(), Err(DigestError::Mismatch { .. })));
        let mut v = d.verifier(Some(6)).unwrap();
        v.update(b"hello");
        assert!(matches!(v.finish(), Err(DigestError::SizeMismatch { .. })));
    }
}
