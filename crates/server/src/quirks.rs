//! Upload quirks of real registries, reproduced on demand so that clients can be tested against
//! them (each is off by default; see `../shared/FIELD.md` for where they were seen).
//!
//! Syntax of a quirk (`--quirk`):
//! - `max-request=BYTES`: a `PATCH`, `PUT` or monolithic `POST` whose body is over `BYTES` is
//!   refused with 416 and the upload's `Range`, nothing written (GHCR refuses requests over
//!   4 MiB this way);
//! - `chunk-min=BYTES`: `OCI-Chunk-Min-Length: BYTES` is announced and enforced: a `PATCH`
//!   shorter than that is refused with 416, nothing written (the last part, sent with the
//!   committing `PUT`, may be shorter), as S3-backed registries need ≥ 5 MiB parts;
//! - `patch-201`: a `PATCH` is answered 201 instead of 202 (ECR);
//! - `stale-range`: the `Range` of a `PATCH`'s answer stays where the first chunk ended,
//!   although every byte is stored; the status `GET` tells the truth (ECR);
//! - `empty-put-500`: a committing `PUT` with an empty body after `PATCH`es gets 500 (ECR).
//!
//! Sizes take an optional `KiB` / `MiB` suffix (`max-request=4MiB`).

use std::fmt;
use std::str::FromStr;

/// One upload quirk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quirk {
    /// Upload requests with a body over this many bytes get 416.
    MaxRequest(u64),
    /// `OCI-Chunk-Min-Length` announced and enforced on `PATCH`.
    ChunkMin(u64),
    /// `PATCH` answered 201.
    PatchCreated,
    /// `PATCH` answers carry a `Range` that stops advancing.
    StaleRange,
    /// A committing `PUT` without a body gets 500.
    EmptyPutFails,
}

/// The quirks a server shows, gathered from its `--quirk` options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Quirks {
    /// Largest upload request body accepted.
    pub max_request: Option<u64>,
    /// Smallest `PATCH` body accepted (also announced as `OCI-Chunk-Min-Length`).
    pub chunk_min: Option<u64>,
    /// `PATCH` answered 201 instead of 202.
    pub patch_created: bool,
    /// `PATCH` answers' `Range` stops at the end of the first chunk.
    pub stale_range: bool,
    /// A committing `PUT` without a body gets 500.
    pub empty_put_fails: bool,
}

impl Quirks {
    /// The quirks named by `list`.
    pub fn from_list(list: &[Quirk]) -> Quirks {
        let mut q = Quirks::default();
        for quirk in list {
            match *quirk {
                Quirk::MaxRequest(n) => q.max_request = Some(n),
                Quirk::ChunkMin(n) => q.chunk_min = Some(n),
                Quirk::PatchCreated => q.patch_created = true,
                Quirk::StaleRange => q.stale_range = true,
                Quirk::EmptyPutFails => q.empty_put_fails = true,
            }
        }
        q
    }

    /// True if a request body of `length` bytes is over the `max-request` limit.
    pub fn refuses_request(&self, length: u64) -> bool {
        self.max_request.is_some_and(|max| length > max)
    }
}

fn parse_size(text: &str) -> Result<u64, String> {
    let (digits, unit) = if let Some(d) = text.strip_suffix("MiB") {
        (d, 1024 * 1024)
    } else if let Some(d) = text.strip_suffix("KiB") {
        (d, 1024)
    } else {
        (text, 1)
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .ok_or_else(|| format!("{text:?} is not a size (BYTES, or a number with KiB or MiB)"))
}

impl FromStr for Quirk {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, value) = match s.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (s, None),
        };
        let sized = |v: Option<&str>| match v {
            Some(v) => parse_size(v),
            None => Err(format!("quirk {name} needs a size: {name}=BYTES")),
        };
        match (name, value) {
            ("max-request", v) => Ok(Quirk::MaxRequest(sized(v)?)),
            ("chunk-min", v) => Ok(Quirk::ChunkMin(sized(v)?)),
            ("patch-201", None) => Ok(Quirk::PatchCreated),
            ("stale-range", None) => Ok(Quirk::StaleRange),
            ("empty-put-500", None) => Ok(Quirk::EmptyPutFails),
            ("patch-201" | "stale-range" | "empty-put-500", Some(_)) => {
                Err(format!("quirk {name} takes no value"))
            }
            _ => Err(format!(
                "unknown quirk {s:?}: expected max-request=BYTES, chunk-min=BYTES, patch-201, \
                 stale-range or empty-put-500"
            )),
        }
    }
}

impl fmt::Display for Quirk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Quirk::MaxRequest(n) => write!(f, "max-request={n}"),
            Quirk::ChunkMin(n) => write!(f, "chunk-min={n}"),
            Quirk::PatchCreated => f.write_str("patch-201"),
            Quirk::StaleRange => f.write_str("stale-range"),
            Quirk::EmptyPutFails => f.write_str("empty-put-500"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_quirk_and_refuses_the_rest() {
        assert_eq!(
            "max-request=4MiB".parse::<Quirk>(),
            Ok(Quirk::MaxRequest(4 << 20))
        );
        assert_eq!(
            "chunk-min=5120KiB".parse::<Quirk>(),
            Ok(Quirk::ChunkMin(5 << 20))
        );
        assert_eq!("patch-201".parse::<Quirk>(), Ok(Quirk::PatchCreated));
        assert_eq!("stale-range".parse::<Quirk>(), Ok(Quirk::StaleRange));
        assert_eq!("empty-put-500".parse::<Quirk>(), Ok(Quirk::EmptyPutFails));
        for bad in [
            "max-request",
            "max-request=4GB",
            "patch-201=1",
            "nope",
            "chunk-min=-1",
        ] {
            assert!(bad.parse::<Quirk>().is_err(), "{bad} accepted");
        }
        for q in [Quirk::MaxRequest(7), Quirk::StaleRange] {
            assert_eq!(q.to_string().parse::<Quirk>(), Ok(q));
        }
    }

    #[test]
    fn gathers_a_list() {
        let q = Quirks::from_list(&[Quirk::MaxRequest(10), Quirk::PatchCreated]);
        assert!(q.refuses_request(11) && !q.refuses_request(10));
        assert!(q.patch_created && !q.stale_range && q.chunk_min.is_none());
    }
}
