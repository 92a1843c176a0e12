//! Image references (`registry.example.com:5000/team/app:1.0@sha256:…`): parsing and printing.
//!
//! Two parses, as in distribution/reference:
//!
//! - [`Reference::parse_strict`] (peer `Parse`): no normalization; `to_string()` gives back the
//!   input exactly. A first component is the domain only if the grammar says so (`foo/bar` has
//!   domain `foo`, `foo` has none).
//! - [`Reference::parse_normalized`] (peer `ParseNormalizedNamed`, also [`FromStr`] and serde):
//!   Docker Hub rules. The first component is the domain when it contains `.` or `:`, is
//!   `localhost`, or has an uppercase letter; otherwise the domain is `docker.io`. A one-component
//!   path on `docker.io` gets `library/`, and `index.docker.io` becomes `docker.io`. A bare
//!   64-hex string is refused (it looks like an image ID). The result is fully qualified, and its
//!   `to_string()` is the canonical string.
//!
//! Neither parse adds a tag: [`Reference::tag`] is `None` when the input had none, and
//! [`Reference::with_default_tag`] adds `latest` on request.
//! [`Reference::parse_docker`] (peer `ParseDockerRef`), [`Reference::parse_canonical`] (peer
//! `ParseNamed`), [`AnyReference::parse`] (peer `ParseAnyReference`), [`Reference::with_name`],
//! [`Reference::with_tag`] and [`Reference::with_digest`] complete the peer API, and [`grammar`]
//! exposes the anchored grammar checks.
//!
//! # Policies where peers disagree or where ociscope chooses
//!
//! - **Name length**: as current distribution/reference, only the path (the name without its
//!   domain) is limited, to [`MAX_PATH_LEN`] = 255 characters. So `a/` + a 255-character path is
//!   valid, although containers/image's older copy rejects it on total length.
//! - **Digest algorithms**: a reference digest must be sha256 (64 hex) or sha512 (128 hex), the
//!   algorithms ociscope can verify. sha512 is accepted (OCI registers it; containers/image
//!   accepts it), unlike distribution/reference's tests which lack sha512. Any other algorithm is
//!   [`ReferenceError::DigestUnsupported`]. [`AnyReference::parse`] reads a string as a bare
//!   digest only for sha256 and sha512 (so `redis:latest` is a name, never a digest with
//!   algorithm `redis`), and refuses a well-formed sha384 or blake3 digest with
//!   `DigestUnsupported` rather than reading it as a name with a tag.
//! - **Builders take a validated [`Digest`]**: peer `WithDigest` accepts any string matching the
//!   digest grammar (e.g. a 37-hex sha256); ociscope's [`Digest`] cannot hold one, so builders
//!   only ever produce references that the strict parse accepts.
//! - **Normalized parse keeps the domain it chose**: when the first component is taken as a
//!   domain (it has a `.`), it must be a valid domain. distribution/reference silently reparses
//!   `a.b_c/d` as a domain-less path; ociscope refuses it with
//!   [`ReferenceError::InvalidFormat`], so a normalized reference always has a domain.
//! - **Familiar strings read back the same**: [`Reference::familiar`] drops `docker.io/` and
//!   `library/` like the peer's `FamiliarString`, except where the short form would be read
//!   differently by the normalized parse (`docker.io/foo.com/bar`, `docker.io/localhost/x`, and
//!   `docker.io/library/<64 hex>`): those keep `docker.io/` (or `library/`).
//! - **serde**: serializes as `to_string()` (the canonical string for normalized references);
//!   deserializes with the normalized parse.

pub mod grammar;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::digest::{Algorithm, Digest, DigestError};

/// The registry that references without a domain point to under Docker Hub rules.
pub const DEFAULT_DOMAIN: &str = "docker.io";
/// The legacy name of Docker Hub, normalized to [`DEFAULT_DOMAIN`].
pub const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";
/// The namespace of official Docker Hub images (`library/`).
pub const OFFICIAL_REPO_PREFIX: &str = "library/";
/// The tag [`Reference::with_default_tag`] adds.
pub const DEFAULT_TAG: &str = "latest";
/// Longest path (the name without its domain), in characters.
pub const MAX_PATH_LEN: usize = 255;

const LOCALHOST: &str = "localhost";
/// How much of a rejected input an error message quotes.
const QUOTE_MAX: usize = 200;

fn quote(input: &str) -> String {
    input.chars().take(QUOTE_MAX).collect()
}

/// Why a reference, name, tag or digest was refused (peer error names in brackets).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    /// The text does not match the reference grammar (`ErrReferenceInvalidFormat`).
    #[error("invalid reference format {input:?}: {reason}")]
    InvalidFormat {
        /// The rejected text (truncated to 200 characters).
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A tag does not match `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}` (`ErrTagInvalidFormat`).
    #[error(
        "invalid tag {tag:?}: a tag is 1 to 128 of [A-Za-z0-9_.-] and may not start with '.' or '-'"
    )]
    TagInvalidFormat {
        /// The rejected tag (truncated to 200 characters).
        tag: String,
    },
    /// The digest part is malformed, e.g. uppercase hex (`ErrDigestInvalidFormat`).
    #[error("invalid digest in reference: {0}")]
    DigestInvalidFormat(DigestError),
    /// The digest part has the wrong length for its algorithm (`ErrDigestInvalidLength`).
    #[error("invalid digest in reference: {0}")]
    DigestInvalidLength(DigestError),
    /// The digest algorithm is not one a reference may use here (`ErrDigestUnsupported`).
    #[error(
        "unsupported digest algorithm {algorithm:?} in reference (sha256 and sha512 are supported)"
    )]
    DigestUnsupported {
        /// The algorithm named by the digest (truncated to 200 characters).
        algorithm: String,
    },
    /// The repository name has uppercase letters (`ErrNameContainsUppercase`).
    #[error("repository name in {input:?} must be lowercase")]
    NameContainsUppercase {
        /// The rejected text (truncated to 200 characters).
        input: String,
    },
    /// The input is empty (`ErrNameEmpty`).
    #[error("repository name must have at least one component")]
    NameEmpty,
    /// The path is longer than [`MAX_PATH_LEN`] (`ErrNameTooLong`).
    #[error("repository path is {length} characters long, the limit is {max}")]
    NameTooLong {
        /// Characters in the path.
        length: usize,
        /// The limit ([`MAX_PATH_LEN`]).
        max: usize,
    },
    /// The input is valid but not in canonical form (`ErrNameNotCanonical`).
    #[error("reference {input:?} is not canonical: its canonical form is {canonical:?}")]
    NameNotCanonical {
        /// The text given.
        input: String,
        /// What the normalized parse makes of it.
        canonical: String,
    },
    /// A bare 64-hex string where a repository name was expected (it looks like an image ID).
    #[error(
        "invalid repository name {input:?}: a 64-character hex string is an image ID, not a name"
    )]
    NameIsImageId {
        /// The rejected text.
        input: String,
    },
}

impl ReferenceError {
    fn invalid(input: &str, reason: &'static str) -> ReferenceError {
        ReferenceError::InvalidFormat {
            input: quote(input),
            reason,
        }
    }

    /// The same error, quoting `input` (what the caller gave) instead of a rewritten string.
    fn quoting(self, input: &str) -> ReferenceError {
        match self {
            ReferenceError::InvalidFormat { reason, .. } => ReferenceError::invalid(input, reason),
            ReferenceError::NameContainsUppercase { .. } => ReferenceError::NameContainsUppercase {
                input: quote(input),
            },
            other => other,
        }
    }
}

impl From<DigestError> for ReferenceError {
    fn from(error: DigestError) -> ReferenceError {
        match error {
            DigestError::InvalidLength { .. } => ReferenceError::DigestInvalidLength(error),
            DigestError::Unsupported(algorithm) => ReferenceError::DigestUnsupported {
                algorithm: quote(&algorithm),
            },
            other => ReferenceError::DigestInvalidFormat(other),
        }
    }
}

/// Checks that a digest uses an algorithm references may carry (sha256 or sha512).
fn check_digest_algorithm(digest: &Digest) -> Result<Algorithm, ReferenceError> {
    digest
        .known_algorithm()
        .ok_or_else(|| ReferenceError::DigestUnsupported {
            algorithm: quote(digest.algorithm()),
        })
}

/// An image reference: a repository name with an optional tag and an optional digest.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    /// The full repository name, `domain/path` or just `path`.
    name: String,
    /// Length of the domain in `name`; 0 when there is none.
    domain_len: usize,
    tag: Option<String>,
    digest: Option<Digest>,
}

impl Reference {
    fn from_parts(domain: Option<&str>, path: &str) -> Reference {
        let name = match domain {
            Some(domain) => format!("{domain}/{path}"),
            None => path.to_string(),
        };
        Reference {
            name,
            domain_len: domain.map_or(0, str::len),
            tag: None,
            digest: None,
        }
    }

    /// Parses a reference exactly as written, without normalization (peer `Parse`).
    pub fn parse_strict(input: &str) -> Result<Reference, ReferenceError> {
        let Some(parts) = grammar::split_reference(input) else {
            if input.is_empty() {
                return Err(ReferenceError::NameEmpty);
            }
            if grammar::is_reference(&input.to_ascii_lowercase()) {
                return Err(ReferenceError::NameContainsUppercase {
                    input: quote(input),
                });
            }
            return Err(ReferenceError::invalid(input, why_invalid(input)));
        };
        if parts.path.len() > MAX_PATH_LEN {
            return Err(ReferenceError::NameTooLong {
                length: parts.path.len(),
                max: MAX_PATH_LEN,
            });
        }
        let digest = match parts.digest {
            Some(text) => {
                let digest = Digest::parse(text)?;
                check_digest_algorithm(&digest)?;
                Some(digest)
            }
            None => None,
        };
        let mut reference = Reference::from_parts(parts.domain, parts.path);
        reference.tag = parts.tag.map(str::to_string);
        reference.digest = digest;
        Ok(reference)
    }

    /// Parses a reference with Docker Hub normalization into its canonical form (peer `ParseNormalizedNamed`).
    pub fn parse_normalized(input: &str) -> Result<Reference, ReferenceError> {
        if input.is_empty() {
            return Err(ReferenceError::NameEmpty);
        }
        if grammar::is_identifier(input) {
            return Err(ReferenceError::NameIsImageId {
                input: input.to_string(),
            });
        }
        let (domain, remainder) = split_docker_domain(input);
        let remote = remainder.split(':').next().unwrap_or_default();
        if remote.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(ReferenceError::NameContainsUppercase {
                input: quote(input),
            });
        }
        let full = format!("{domain}/{remainder}");
        let reference = Reference::parse_strict(&full).map_err(|e| e.quoting(input))?;
        if reference.domain() != Some(domain) {
            return Err(ReferenceError::invalid(
                input,
                "the first component looks like a domain but is not a valid one",
            ));
        }
        Ok(reference)
    }

    /// Parses with normalization and requires the input to be canonical already (peer `ParseNamed`).
    pub fn parse_canonical(input: &str) -> Result<Reference, ReferenceError> {
        let reference = Reference::parse_normalized(input)?;
        let canonical = reference.to_string();
        if canonical != input {
            return Err(ReferenceError::NameNotCanonical {
                input: quote(input),
                canonical,
            });
        }
        Ok(reference)
    }

    /// Parses with normalization, adds `latest` when there is no tag, and drops the tag when a digest is present (peer `ParseDockerRef`).
    pub fn parse_docker(input: &str) -> Result<Reference, ReferenceError> {
        let reference = Reference::parse_normalized(input)?;
        Ok(if reference.digest.is_some() {
            reference.without_tag()
        } else {
            reference.with_default_tag()
        })
    }

    /// A reference holding only a repository name, which must match the name grammar (peer `WithName`).
    pub fn with_name(name: &str) -> Result<Reference, ReferenceError> {
        let Some((domain, path)) = grammar::split_name(name) else {
            if name.is_empty() {
                return Err(ReferenceError::invalid(name, "empty repository name"));
            }
            return Err(ReferenceError::invalid(name, why_invalid_name(name)));
        };
        if path.len() > MAX_PATH_LEN {
            return Err(ReferenceError::NameTooLong {
                length: path.len(),
                max: MAX_PATH_LEN,
            });
        }
        Ok(Reference::from_parts(domain, path))
    }

    /// This reference with `tag` as its tag (any digest is kept) (peer `WithTag`).
    pub fn with_tag(&self, tag: &str) -> Result<Reference, ReferenceError> {
        if !grammar::is_tag(tag) {
            return Err(ReferenceError::TagInvalidFormat { tag: quote(tag) });
        }
        let mut reference = self.clone();
        reference.tag = Some(tag.to_string());
        Ok(reference)
    }

    /// This reference with `digest` as its digest (any tag is kept) (peer `WithDigest`).
    pub fn with_digest(&self, digest: Digest) -> Result<Reference, ReferenceError> {
        check_digest_algorithm(&digest)?;
        let mut reference = self.clone();
        reference.digest = Some(digest);
        Ok(reference)
    }

    /// This reference with the tag `latest` if it has neither a tag nor a digest (peer `TagNameOnly`).
    pub fn with_default_tag(&self) -> Reference {
        let mut reference = self.clone();
        if reference.tag.is_none() && reference.digest.is_none() {
            reference.tag = Some(DEFAULT_TAG.to_string());
        }
        reference
    }

    /// This reference without its tag.
    pub fn without_tag(&self) -> Reference {
        let mut reference = self.clone();
        reference.tag = None;
        reference
    }

    /// This reference without its digest.
    pub fn without_digest(&self) -> Reference {
        let mut reference = self.clone();
        reference.digest = None;
        reference
    }

    /// The repository name alone, without tag or digest (peer `TrimNamed`).
    pub fn name_only(&self) -> Reference {
        Reference::from_parts(self.domain(), self.path())
    }

    /// The same reference parsed again with normalization (`foo/bar` → `docker.io/foo/bar`).
    pub fn normalize(&self) -> Result<Reference, ReferenceError> {
        Reference::parse_normalized(&self.to_string())
    }

    /// The full repository name, domain included (`docker.io/library/ubuntu`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The domain (host and optional port), or `None` for a strict reference without one.
    pub fn domain(&self) -> Option<&str> {
        match self.domain_len {
            0 => None,
            n => self.name.get(..n),
        }
    }

    /// The repository path within the registry, as used in `/v2/<path>/…` (`library/ubuntu`).
    pub fn path(&self) -> &str {
        match self.domain_len {
            0 => &self.name,
            n => self.name.get(n + 1..).unwrap_or_default(),
        }
    }

    /// The tag, or `None` when the reference has none (no `latest` is assumed).
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest, if the reference pins one.
    pub fn digest(&self) -> Option<&Digest> {
        self.digest.as_ref()
    }

    /// Is this a Docker Hub reference (domain `docker.io`).
    pub fn is_docker_hub(&self) -> bool {
        self.domain() == Some(DEFAULT_DOMAIN)
    }

    /// The short repository name Docker users type (`ubuntu`, `fooo/bar`, `example.com/x`) (peer `FamiliarName`).
    pub fn familiar_name(&self) -> &str {
        if !self.is_docker_hub() {
            return &self.name;
        }
        let path = self.path();
        if let Some(official) = path.strip_prefix(OFFICIAL_REPO_PREFIX) {
            if !official.contains('/') && !grammar::is_identifier(official) {
                return official;
            }
        }
        let first = path.split('/').next().unwrap_or_default();
        let reads_as_domain = first.contains(['.', ':']) || first == LOCALHOST;
        if reads_as_domain && path.contains('/') {
            &self.name
        } else if grammar::is_identifier(path) {
            // Only a strict reference can have a one-component Hub path; an ID-like one stays whole.
            &self.name
        } else {
            path
        }
    }

    /// The short form Docker users type: no `docker.io/`, no `library/` (peer `FamiliarString`).
    pub fn familiar(&self) -> String {
        self.format_with_name(self.familiar_name())
    }

    fn format_with_name(&self, name: &str) -> String {
        let mut out = String::with_capacity(
            name.len()
                + self.tag.as_ref().map_or(0, |t| t.len() + 1)
                + self.digest.as_ref().map_or(0, |d| d.as_str().len() + 1),
        );
        out.push_str(name);
        if let Some(tag) = &self.tag {
            out.push(':');
            out.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            out.push('@');
            out.push_str(digest.as_str());
        }
        out
    }
}

/// Splits an input into the domain Docker Hub rules give it and the rest (peer `splitDockerDomain`).
fn split_docker_domain(input: &str) -> (&str, std::borrow::Cow<'_, str>) {
    use std::borrow::Cow;
    let (domain, remainder) = match input.split_once('/') {
        None => (DEFAULT_DOMAIN, input),
        Some((first, rest)) => {
            if first == LOCALHOST {
                (first, rest)
            } else if first == LEGACY_DEFAULT_DOMAIN {
                (DEFAULT_DOMAIN, rest)
            } else if first.contains(['.', ':']) || first.bytes().any(|b| b.is_ascii_uppercase()) {
                (first, rest)
            } else {
                (DEFAULT_DOMAIN, input)
            }
        }
    };
    if domain == DEFAULT_DOMAIN && !remainder.contains('/') {
        (
            domain,
            Cow::Owned(format!("{OFFICIAL_REPO_PREFIX}{remainder}")),
        )
    } else {
        (domain, Cow::Borrowed(remainder))
    }
}

/// A best guess at what makes `input` fail the reference grammar, for the error message.
fn why_invalid(input: &str) -> &'static str {
    let (rest, digest) = match input.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (input, None),
    };
    if let Some(digest) = digest {
        if digest.contains('@') {
            return "more than one '@'";
        }
        if !grammar::is_digest(digest) {
            return "the part after '@' is not a digest (algorithm ':' at least 32 hex digits)";
        }
    }
    let last_slash = rest.rfind('/');
    let name = match rest.rfind(':') {
        Some(colon) if last_slash.is_none_or(|slash| colon > slash) => {
            if !grammar::is_tag(&rest[colon + 1..]) {
                return "the part after the last ':' is not a valid tag";
            }
            &rest[..colon]
        }
        _ => rest,
    };
    why_invalid_name(name)
}

/// A best guess at what makes `name` fail the name grammar, for the error message.
fn why_invalid_name(name: &str) -> &'static str {
    if name.is_empty() {
        return "empty repository name";
    }
    if name.contains('@') {
        return "a repository name may not contain '@' (no digest allowed here)";
    }
    if let Some((first, _)) = name.split_once('/') {
        if first.starts_with('[') && !grammar::is_domain(first) {
            return "invalid IPv6 domain: only hex digits and ':' inside brackets, then an optional numeric port";
        }
    } else if name.starts_with('[') {
        return "a domain must be followed by '/' and a repository path";
    }
    if name.contains(':') && grammar::split_name(name).is_none() && !name.contains('/') {
        return "a repository name may not contain ':' (no tag allowed here)";
    }
    "repository path components are lowercase letters and digits, separated by '.', '_', '__' or dashes, joined by '/'"
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Reference({self})")
    }
}

impl FromStr for Reference {
    type Err = ReferenceError;
    /// Parses with Docker Hub normalization ([`Reference::parse_normalized`]).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Reference::parse_normalized(s)
    }
}

impl Serialize for Reference {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Reference {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Reference::parse_normalized(&text).map_err(serde::de::Error::custom)
    }
}

/// A named reference, or a bare digest / image ID (peer `ParseAnyReference` results).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AnyReference {
    /// A repository reference (normalized).
    Named(Reference),
    /// A digest alone (`sha256:…`, or a bare 64-hex image ID read as sha256).
    Digest(Digest),
}

impl AnyReference {
    /// Parses an image ID (64 hex), a digest, or else a normalized reference (peer `ParseAnyReference`).
    pub fn parse(input: &str) -> Result<AnyReference, ReferenceError> {
        if grammar::is_identifier(input) {
            let digest = Digest::parse(&format!("sha256:{input}"))?;
            return Ok(AnyReference::Digest(digest));
        }
        if let Ok(digest) = Digest::parse(input) {
            if digest.known_algorithm().is_some() {
                return Ok(AnyReference::Digest(digest));
            }
            if is_registered_elsewhere(&digest) {
                // A well-formed sha384 or blake3 digest: refuse it rather than read it as name:tag.
                return Err(ReferenceError::DigestUnsupported {
                    algorithm: digest.algorithm().to_string(),
                });
            }
        }
        Reference::parse_normalized(input).map(AnyReference::Named)
    }

    /// The digest: the whole value for a digest-only reference, else the reference's digest.
    pub fn digest(&self) -> Option<&Digest> {
        match self {
            AnyReference::Named(reference) => reference.digest(),
            AnyReference::Digest(digest) => Some(digest),
        }
    }

    /// The named reference, if this is one.
    pub fn as_named(&self) -> Option<&Reference> {
        match self {
            AnyReference::Named(reference) => Some(reference),
            AnyReference::Digest(_) => None,
        }
    }
}

/// Is this a well-formed digest of an algorithm go-digest or OCI registers but ociscope cannot verify.
fn is_registered_elsewhere(digest: &Digest) -> bool {
    let hex = |n: usize| digest.encoded().len() == n && grammar::is_digest(digest.as_str());
    match digest.algorithm() {
        "sha384" => hex(96),
        // Digest::parse already holds blake3 to 64 lowercase hex.
        "blake3" => true,
        _ => false,
    }
}

impl fmt::Display for AnyReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnyReference::Named(reference) => fmt::Display::fmt(reference, f),
            AnyReference::Digest(digest) => fmt::Display::fmt(digest, f),
        }
    }
}

impl fmt::Debug for AnyReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnyReference::Named(reference) => write!(f, "AnyReference::Named({reference})"),
            AnyReference::Digest(digest) => write!(f, "AnyReference::Digest({digest})"),
        }
    }
}

impl FromStr for AnyReference {
    type Err = ReferenceError;
    /// Parses like [`AnyReference::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AnyReference::parse(s)
    }
}

impl From<Reference> for AnyReference {
    fn from(reference: Reference) -> AnyReference {
        AnyReference::Named(reference)
    }
}

impl From<Digest> for AnyReference {
    fn from(digest: Digest) -> AnyReference {
        AnyReference::Digest(digest)
    }
}

impl Serialize for AnyReference {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AnyReference {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        AnyReference::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const HEX64: &str = "e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582";

    fn normalized(s: &str) -> Reference {
        Reference::parse_normalized(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn strict(s: &str) -> Reference {
        Reference::parse_strict(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn no_silent_latest() {
        let r = normalized("ubuntu");
        assert_eq!(r.tag(), None);
        assert_eq!(r.to_string(), "docker.io/library/ubuntu");
        assert_eq!(r.with_default_tag().tag(), Some("latest"));
        assert_eq!(
            normalized("ubuntu:22.04").with_default_tag().tag(),
            Some("22.04")
        );
        let pinned = normalized(&format!("ubuntu@sha256:{HEX64}"));
        assert_eq!(
            pinned.with_default_tag(),
            pinned,
            "a digest is enough, no tag added"
        );
        assert_eq!(
            Reference::parse_docker(&format!("ubuntu:1@sha256:{HEX64}"))
                .unwrap()
                .to_string(),
            format!("docker.io/library/ubuntu@sha256:{HEX64}")
        );
    }

    #[test]
    fn hosts_ports_and_ipv6() {
        let r = strict("[::1]:5000/repo:tag");
        assert_eq!(r.domain(), Some("[::1]:5000"));
        assert_eq!(r.path(), "repo");
        assert_eq!(normalized("[::1]:5000/repo").to_string(), "[::1]:5000/repo");
        // No slash: the ':' introduces a tag, not a port.
        let r = strict("test.com:5000");
        assert_eq!(
            (r.domain(), r.name(), r.tag()),
            (None, "test.com", Some("5000"))
        );
        assert_eq!(
            normalized("localhost:5000").to_string(),
            "docker.io/library/localhost:5000"
        );
        assert_eq!(normalized("localhost/x").domain(), Some("localhost"));
        assert_eq!(
            normalized("localhost:5000/x").domain(),
            Some("localhost:5000")
        );
        for bad in [
            "[::1]:5000",
            "[::1]/",
            "[fe80::1%eth0]:5000/r",
            "[::1]:http/r",
        ] {
            assert!(Reference::parse_normalized(bad).is_err(), "{bad}");
            assert!(Reference::parse_strict(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn docker_hub_rules() {
        assert_eq!(
            normalized("index.docker.io/foo").to_string(),
            "docker.io/library/foo"
        );
        assert_eq!(normalized("docker.io/foo/bar").familiar(), "foo/bar");
        assert_eq!(normalized("Foo/bar").domain(), Some("Foo"));
        assert!(matches!(
            Reference::parse_normalized("foo/Bar"),
            Err(ReferenceError::NameContainsUppercase { .. })
        ));
        assert!(matches!(
            Reference::parse_normalized(HEX64),
            Err(ReferenceError::NameIsImageId { .. })
        ));
        assert_eq!(normalized(&format!("{HEX64}:tag")).tag(), Some("tag"));
        // A strict parse treats a lowercase first component as a domain; normalization does not.
        assert_eq!(strict("foo/bar").domain(), Some("foo"));
        assert_eq!(
            strict("foo/bar").normalize().unwrap().domain(),
            Some("docker.io")
        );
    }

    #[test]
    fn normalized_references_always_have_their_domain() {
        // distribution/reference reparses this as a domain-less path; ociscope refuses it.
        assert_eq!(strict("a.b_c/d").domain(), None);
        assert!(matches!(
            Reference::parse_normalized("a.b_c/d"),
            Err(ReferenceError::InvalidFormat { .. })
        ));
    }

    #[test]
    fn familiar_strings_read_back_the_same() {
        for canonical in [
            "docker.io/library/ubuntu:1",
            "docker.io/foo.com/bar",
            "docker.io/localhost/x",
            "docker.io/library/foo/bar",
            "example.com/library/foo",
            "localhost/foo",
            &format!("docker.io/library/{HEX64}"),
        ] {
            let r = Reference::parse_canonical(canonical).unwrap();
            let familiar = r.familiar();
            assert_eq!(normalized(&familiar), r, "{canonical} → {familiar}");
        }
        assert_eq!(
            normalized("docker.io/foo.com/bar").familiar(),
            "docker.io/foo.com/bar"
        );
        assert_eq!(
            normalized(&format!("docker.io/library/{HEX64}")).familiar_name(),
            format!("library/{HEX64}")
        );
    }

    #[test]
    fn builders_and_strippers() {
        let r = normalized("ubuntu:22.04");
        let digest = Digest::parse(&format!("sha256:{HEX64}")).unwrap();
        let pinned = r.with_digest(digest.clone()).unwrap();
        assert_eq!(
            pinned.to_string(),
            format!("docker.io/library/ubuntu:22.04@sha256:{HEX64}")
        );
        assert_eq!(pinned.without_digest(), r);
        assert_eq!(pinned.without_tag().tag(), None);
        assert_eq!(pinned.name_only().to_string(), "docker.io/library/ubuntu");
        assert_eq!(pinned.with_tag("x").unwrap().digest(), Some(&digest));
        assert!(matches!(
            r.with_tag("-x"),
            Err(ReferenceError::TagInvalidFormat { .. })
        ));
        assert!(r.with_tag(&"t".repeat(129)).is_err());
        assert!(r.with_tag(&"t".repeat(128)).is_ok());
        let odd = Digest::parse(&format!("sha384:{HEX64}")).unwrap();
        assert!(matches!(
            r.with_digest(odd),
            Err(ReferenceError::DigestUnsupported { .. })
        ));
        assert!(matches!(
            Reference::with_name("example.com/repo:tag"),
            Err(ReferenceError::InvalidFormat { .. })
        ));
    }

    #[test]
    fn digests_in_references() {
        let sha512 = format!("sha512:{}", "f".repeat(128));
        assert_eq!(
            strict(&format!("a@{sha512}")).digest().unwrap().as_str(),
            sha512
        );
        assert!(matches!(
            Reference::parse_strict(&format!("a@sha256:{}", HEX64.to_uppercase())),
            Err(ReferenceError::DigestInvalidFormat(_))
        ));
        assert!(matches!(
            Reference::parse_strict(&format!("a@sha256:{}", &HEX64[..40])),
            Err(ReferenceError::DigestInvalidLength(_))
        ));
        assert!(matches!(
            Reference::parse_strict(&format!("a@sha384:{}", "a".repeat(96))),
            Err(ReferenceError::DigestUnsupported { .. })
        ));
        // Fewer than 32 hex digits is not a digest by the grammar at all.
        assert!(matches!(
            Reference::parse_strict("a@sha256:abc"),
            Err(ReferenceError::InvalidFormat { .. })
        ));
    }

    #[test]
    fn any_reference() {
        assert_eq!(
            AnyReference::parse(HEX64).unwrap().to_string(),
            format!("sha256:{HEX64}")
        );
        assert!(matches!(
            AnyReference::parse("redis:latest"),
            Ok(AnyReference::Named(_))
        ));
        assert!(matches!(
            AnyReference::parse(&format!("sha384:{}", "a".repeat(96))),
            Err(ReferenceError::DigestUnsupported { .. })
        ));
        assert!(matches!(
            AnyReference::parse(&format!("sha512:{}", "a".repeat(128))),
            Ok(AnyReference::Digest(_))
        ));
    }

    #[test]
    fn lengths() {
        let path = "a".repeat(MAX_PATH_LEN);
        assert!(Reference::parse_strict(&format!("example.com/{path}")).is_ok());
        assert_eq!(
            Reference::parse_strict(&format!("example.com/{path}a")),
            Err(ReferenceError::NameTooLong {
                length: 256,
                max: 255
            })
        );
        // docker.io/library/ counts: a 250-character official name is too long once normalized.
        assert!(matches!(
            Reference::parse_normalized(&"a".repeat(250)),
            Err(ReferenceError::NameTooLong { length: 258, .. })
        ));
    }

    #[test]
    fn errors_say_what_is_wrong_and_never_panic() {
        let e = Reference::parse_strict("aa/asdf$$^/aa").unwrap_err();
        assert!(e.to_string().contains("path components"), "{e}");
        let e = Reference::parse_strict("a:-tag").unwrap_err();
        assert!(e.to_string().contains("tag"), "{e}");
        let e = Reference::parse_strict("[fe80::1%eth0]:5000/repo").unwrap_err();
        assert!(e.to_string().contains("IPv6"), "{e}");
        assert_eq!(Reference::parse_strict(""), Err(ReferenceError::NameEmpty));
        assert_eq!(
            Reference::parse_normalized(""),
            Err(ReferenceError::NameEmpty)
        );
        for weird in [
            "é",
            "a:é",
            "[é]/x",
            "a@é",
            "a@sha256:é",
            "/",
            "//",
            ":",
            "@",
            "[",
            "]",
            "a/[",
            "é/ä",
            "ÄB/c",
            "a:b:c",
            "a@b@c",
            "\u{0}",
            "a\u{212a}/b",
            "[::1]é/x",
            "xn--é/x",
        ] {
            let _ = Reference::parse_strict(weird);
            let _ = Reference::parse_normalized(weird);
            let _ = Reference::parse_canonical(weird);
            let _ = Reference::parse_docker(weird);
            let _ = Reference::with_name(weird);
            let _ = AnyReference::parse(weird);
            let e = Reference::parse_strict(weird).unwrap_err();
            assert!(!e.to_string().is_empty());
        }
        // The normalized parse quotes what it was given, not its docker.io/library/ rewrite.
        match Reference::parse_normalized("foo$") {
            Err(ReferenceError::InvalidFormat { input, .. }) => assert_eq!(input, "foo$"),
            other => panic!("{other:?}"),
        }
        let long = "é".repeat(1000);
        match Reference::parse_strict(&long) {
            Err(ReferenceError::InvalidFormat { input, .. }) => {
                assert_eq!(input.chars().count(), 200)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn serde_is_a_string() {
        let r = normalized("ubuntu:22.04");
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, "\"docker.io/library/ubuntu:22.04\"");
        let back: Reference = serde_json::from_str("\"ubuntu:22.04\"").unwrap();
        assert_eq!(back, r);
        assert!(serde_json::from_str::<Reference>("\"UPPER\"").is_err());
        let any: AnyReference = serde_json::from_str(&format!("\"{HEX64}\"")).unwrap();
        assert_eq!(
            serde_json::to_string(&any).unwrap(),
            format!("\"sha256:{HEX64}\"")
        );
        assert_eq!("ubuntu".parse::<Reference>().unwrap(), normalized("ubuntu"));
    }
}
