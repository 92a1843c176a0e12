//! What a manifest operation points at, and what it returns.

use std::fmt;

use bytes::Bytes;

use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::manifest::{Manifest, ManifestError};

use super::{Error, Tag};

/// A manifest within a repository: by tag or by digest.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ManifestRef {
    /// A tag such as `latest`.
    Tag(Tag),
    /// A digest such as `sha256:…`.
    Digest(Digest),
}

impl ManifestRef {
    /// Parses a tag or a digest (anything with a `:` must be a digest).
    pub fn parse(text: &str) -> Result<ManifestRef, Error> {
        if text.contains(':') {
            return Ok(ManifestRef::Digest(Digest::parse(text)?));
        }
        Ok(ManifestRef::Tag(Tag::new(text)?))
    }

    /// The digest, when referenced by digest.
    pub fn digest(&self) -> Option<&Digest> {
        match self {
            ManifestRef::Digest(d) => Some(d),
            ManifestRef::Tag(_) => None,
        }
    }

    /// The tag, when referenced by tag.
    pub fn tag(&self) -> Option<&Tag> {
        match self {
            ManifestRef::Tag(t) => Some(t),
            ManifestRef::Digest(_) => None,
        }
    }
}

impl fmt::Display for ManifestRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ManifestRef::Tag(t) => f.write_str(t),
            ManifestRef::Digest(d) => write!(f, "{d}"),
        }
    }
}

impl From<Tag> for ManifestRef {
    fn from(t: Tag) -> Self {
        ManifestRef::Tag(t)
    }
}

impl From<Digest> for ManifestRef {
    fn from(d: Digest) -> Self {
        ManifestRef::Digest(d)
    }
}

/// A manifest's exact bytes with the descriptor the registry gave them.
#[derive(Clone, Debug)]
pub struct ManifestBytes {
    /// Media type, digest and size.
    pub descriptor: Descriptor,
    /// The bytes as stored.
    pub content: Bytes,
}

impl ManifestBytes {
    /// Parses the bytes as the manifest kind the descriptor's media type names.
    pub fn parse(&self) -> Result<Manifest, ManifestError> {
        Manifest::parse(&self.content, Some(&self.descriptor.media_type))
    }
}
