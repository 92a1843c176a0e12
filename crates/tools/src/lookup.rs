//! Look a reference up: the descriptor of a manifest or blob (a HEAD) or its content too (a GET).
//!
//! Rules:
//! - A [`Location`] names content within one registry: an optional domain (kept for printing,
//!   e.g. in `org.opencontainers.image.ref.name`; the caller picks the [`Spec`] that serves
//!   it), a repository, and a tag and/or a digest. It is made from an
//!   [`ociscope_core::Reference`] (Docker Hub rules: `ubuntu` is
//!   `docker.io/library/ubuntu`), from text, or from a repository and a [`ManifestRef`].
//! - Which manifest: the digest when there is one (a tag beside it is only informative, as
//!   Docker does), else the tag, else `latest`. A blob must be named by digest
//!   (`Error::invalid` otherwise, before any request).
//! - Not found stays a typed error: `MANIFEST_UNKNOWN` / `BLOB_UNKNOWN` (or `NAME_UNKNOWN`)
//!   as the registry said; [`found`] turns those into `Ok(None)` for callers that expect
//!   absence (meta-scripts' `Lookup` returns nil there).
//! - A lookup by digest checks that the registry described that digest (a registry answering
//!   another one is an [`ErrorKind::Protocol`] error).
//! - A blob GET reads the content into memory up to a limit; stream large blobs with
//!   [`Spec::get_blob`] instead.

use std::fmt;

use bytes::Bytes;
use ociscope_core::reference::DEFAULT_TAG;
use ociscope_core::spec::{BlobReader, Error, ErrorKind, ManifestRef, RepoName, Spec, Tag};
use ociscope_core::{Descriptor, Digest, Reference};

/// Where content lives in a registry: domain (optional), repository, tag and/or digest.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    /// The registry host (and port), when known (`docker.io`, `localhost:5000`).
    pub domain: Option<String>,
    /// The repository within the registry.
    pub repo: RepoName,
    /// The tag, if any.
    pub tag: Option<Tag>,
    /// The digest, if any (it wins over the tag).
    pub digest: Option<Digest>,
}

impl Location {
    /// A location without a domain: `repo` at a tag or digest.
    pub fn new(repo: RepoName, reference: ManifestRef) -> Location {
        let (tag, digest) = match reference {
            ManifestRef::Tag(t) => (Some(t), None),
            ManifestRef::Digest(d) => (None, Some(d)),
        };
        Location {
            domain: None,
            repo,
            tag,
            digest,
        }
    }

    /// Parses a reference with Docker Hub rules (`ubuntu:24.04`, `localhost:5000/a/b@sha256:…`).
    pub fn parse(text: &str) -> Result<Location, Error> {
        let reference = Reference::parse_normalized(text)
            .map_err(|e| Error::invalid(format!("invalid reference: {e}")))?;
        Location::try_from(&reference)
    }

    /// What manifest this names: the digest, else the tag, else `latest`.
    pub fn manifest_ref(&self) -> ManifestRef {
        match (&self.digest, &self.tag) {
            (Some(d), _) => ManifestRef::Digest(d.clone()),
            (None, Some(t)) => ManifestRef::Tag(t.clone()),
            // A constant, not registry data: `latest` is a valid tag.
            (None, None) => ManifestRef::Tag(Tag::new(DEFAULT_TAG).expect("latest is a tag")),
        }
    }

    /// The digest a blob lookup needs (`Error::invalid` when there is none).
    pub fn blob_digest(&self) -> Result<&Digest, Error> {
        self.digest.as_ref().ok_or_else(|| {
            Error::invalid(format!(
                "{self}: a blob is named by digest (repository@sha256:…), not by tag"
            ))
        })
    }

    /// The repository name with the domain when known (`localhost:5000/demo/hello`).
    pub fn name(&self) -> String {
        match &self.domain {
            Some(d) => format!("{d}/{}", self.repo),
            None => self.repo.to_string(),
        }
    }

    /// The same name and tag pinned to `digest` (`name:tag@digest`).
    pub fn at_digest(&self, digest: Digest) -> Location {
        Location {
            digest: Some(digest),
            ..self.clone()
        }
    }
}

impl TryFrom<&Reference> for Location {
    type Error = Error;

    /// The repository path must be a valid repository name (`NAME_INVALID` otherwise).
    fn try_from(reference: &Reference) -> Result<Location, Error> {
        Ok(Location {
            domain: reference.domain().map(str::to_string),
            repo: RepoName::new(reference.path())?,
            tag: reference.tag().map(Tag::new).transpose()?,
            digest: reference.digest().cloned(),
        })
    }
}

impl fmt::Display for Location {
    /// Writes `name[:tag][@digest]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// What to look up, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LookupKind {
    /// A manifest's descriptor (HEAD).
    StatManifest,
    /// A manifest's descriptor and bytes (GET).
    GetManifest,
    /// A blob's descriptor (HEAD).
    StatBlob,
    /// A blob's descriptor and content, refused past `limit` bytes (GET).
    GetBlob {
        /// Most bytes read into memory.
        limit: u64,
    },
}

/// What a lookup found.
#[derive(Clone, Debug)]
pub struct Found {
    /// The descriptor the registry gave (media type, digest, size).
    pub descriptor: Descriptor,
    /// The content, for GET lookups.
    pub content: Option<Bytes>,
}

/// Looks `location` up in `spec` as `kind` says; see the module doc for the rules.
pub async fn lookup<S: Spec>(
    spec: &S,
    location: &Location,
    kind: LookupKind,
) -> Result<Found, Error> {
    let found = match kind {
        LookupKind::StatManifest => Found {
            descriptor: spec
                .stat_manifest(&location.repo, &location.manifest_ref())
                .await?,
            content: None,
        },
        LookupKind::GetManifest => {
            let m = spec
                .get_manifest(&location.repo, &location.manifest_ref())
                .await?;
            Found {
                descriptor: m.descriptor,
                content: Some(m.content),
            }
        }
        LookupKind::StatBlob => Found {
            descriptor: spec
                .stat_blob(&location.repo, location.blob_digest()?)
                .await?,
            content: None,
        },
        LookupKind::GetBlob { limit } => {
            let mut reader = spec
                .get_blob(&location.repo, location.blob_digest()?)
                .await?;
            let content = reader.read_to_end(limit).await?;
            Found {
                descriptor: reader.descriptor().clone(),
                content: Some(content),
            }
        }
    };
    if let Some(wanted) = &location.digest {
        if &found.descriptor.digest != wanted {
            return Err(Error::other(
                ErrorKind::Protocol,
                format!(
                    "{location}: the registry described {} instead of the digest asked for",
                    found.descriptor.digest
                ),
            ));
        }
    }
    Ok(found)
}

/// `Ok(None)` for a not-found answer (`*_UNKNOWN`, 404), the value otherwise.
pub fn found<T>(result: Result<T, Error>) -> Result<Option<T>, Error> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn locations_follow_docker_hub_rules_and_print_back() {
        let l = Location::parse("ubuntu").unwrap();
        assert_eq!(l.domain.as_deref(), Some("docker.io"));
        assert_eq!(l.repo, "library/ubuntu");
        assert_eq!(l.manifest_ref().to_string(), "latest");
        assert!(l.blob_digest().is_err());
        let d = Digest::sha256_of(b"x");
        let pinned = l.at_digest(d.clone());
        assert_eq!(pinned.manifest_ref(), ManifestRef::Digest(d.clone()));
        assert_eq!(pinned.to_string(), format!("docker.io/library/ubuntu@{d}"));
        let tagged = Location::parse("localhost:5000/a/b:v1").unwrap();
        assert_eq!(tagged.name(), "localhost:5000/a/b");
        assert_eq!(
            tagged.at_digest(d.clone()).to_string(),
            format!("localhost:5000/a/b:v1@{d}")
        );
        let plain = Location::new(RepoName::new("a/b").unwrap(), ManifestRef::Digest(d));
        assert_eq!(plain.name(), "a/b");
        assert!(Location::parse("Not/Valid").is_err());
    }
}
