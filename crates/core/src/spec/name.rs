//! Repository names and tags as types, validated once: every `Spec` method takes these, so an
//! implementation never sees an invalid name and every implementation refuses the same ones
//! with the same code (`NAME_INVALID`, `TAG_INVALID`).

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use crate::reference::grammar::{is_remote_name, is_tag};
use crate::reference::MAX_PATH_LEN;
use crate::registry_error::ErrorCode;

use super::Error;

/// Shows at most 200 characters of untrusted input in a message.
fn shown(text: &str) -> String {
    text.chars().take(200).collect()
}

/// A repository name within a registry (`library/ubuntu`): lowercase path components joined by
/// `/`, at most 255 characters (`NAME_INVALID` otherwise).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RepoName(String);

impl RepoName {
    /// Checks `name` against the distribution grammar and length limit.
    pub fn new(name: impl Into<String>) -> Result<RepoName, Error> {
        let name = name.into();
        if name.len() <= MAX_PATH_LEN && is_remote_name(&name) {
            return Ok(RepoName(name));
        }
        Err(Error::code(
            ErrorCode::NameInvalid,
            format!(
                "invalid repository name {:?}: lowercase [a-z0-9] components separated by \
                 '.', '_', '__' or '-', joined by '/', at most {MAX_PATH_LEN} characters",
                shown(&name)
            ),
        ))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `self/child` (`NAME_INVALID` when the result is not a name).
    pub fn join(&self, child: &str) -> Result<RepoName, Error> {
        RepoName::new(format!("{}/{child}", self.0))
    }
}

/// A tag (`latest`, `v1.2.3`): `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}` (`TAG_INVALID` otherwise).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tag(String);

impl Tag {
    /// Checks `tag` against the tag grammar (128 characters at most).
    pub fn new(tag: impl Into<String>) -> Result<Tag, Error> {
        let tag = tag.into();
        if is_tag(&tag) {
            return Ok(Tag(tag));
        }
        Err(Error::code(
            ErrorCode::TagInvalid,
            format!(
                "invalid tag {:?}: up to 128 of [A-Za-z0-9_.-], not starting with '.' or '-'",
                shown(&tag)
            ),
        ))
    }

    /// The tag as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses every tag of a list (the first invalid one is the error).
    pub fn all<I, S>(tags: I) -> Result<Vec<Tag>, Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        tags.into_iter().map(Tag::new).collect()
    }
}

macro_rules! string_type {
    ($t:ident) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Deref for $t {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $t {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $t {
            type Err = Error;
            fn from_str(s: &str) -> Result<$t, Error> {
                $t::new(s)
            }
        }

        impl TryFrom<&str> for $t {
            type Error = Error;
            fn try_from(s: &str) -> Result<$t, Error> {
                $t::new(s)
            }
        }

        impl TryFrom<String> for $t {
            type Error = Error;
            fn try_from(s: String) -> Result<$t, Error> {
                $t::new(s)
            }
        }

        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }

        impl PartialEq<str> for $t {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $t {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$t, D::Error> {
                let s = String::deserialize(d)?;
                $t::new(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

string_type!(RepoName);
string_type!(Tag);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_once_with_their_code() {
        assert_eq!(RepoName::new("library/ubuntu").unwrap(), "library/ubuntu");
        for bad in ["", "Upper", "a//b", "-a", "a/", &"a".repeat(256)] {
            let e = RepoName::new(bad).unwrap_err();
            assert!(e.has_code(ErrorCode::NameInvalid), "{bad:?}: {e}");
        }
        assert!(RepoName::new("a".repeat(255)).is_ok());
        assert_eq!(
            RepoName::new("a").unwrap().join("b").unwrap().as_str(),
            "a/b"
        );
    }

    #[test]
    fn tags_are_checked_once_with_their_code() {
        assert!(Tag::new("v1.2.3-rc_1").is_ok());
        assert!(Tag::new("a".repeat(128)).is_ok());
        for bad in ["", ".x", "-x", "a:b", "ü", &"a".repeat(129)] {
            let e = Tag::new(bad).unwrap_err();
            assert!(e.has_code(ErrorCode::TagInvalid), "{bad:?}: {e}");
        }
        let json = serde_json::to_string(&Tag::new("v1").unwrap()).unwrap();
        assert_eq!(json, "\"v1\"");
        assert!(serde_json::from_str::<Tag>("\"-x\"").is_err());
    }
}
