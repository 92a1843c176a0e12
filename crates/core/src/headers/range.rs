//! Ranges: the registry's upload progress (`Range: 0-1023`), a PATCH chunk's
//! `Content-Range: 0-1023`, and HTTP byte ranges for ranged blob GETs (RFC 9110 section 14).
//!
//! **Upload progress and `0-0`.** The registry reports bytes received as an inclusive range
//! `0-<last byte>`, which cannot say "nothing yet"; CNCF distribution answers `0-0` both for an
//! empty upload and for one holding a single byte. [`UploadRange`] reads `0-0` as **0 bytes
//! received** (the common case: status right after the upload started); a client that resumes
//! at offset 0 and gets `416 RANGE_INVALID` may retry at offset 1. `0--1` (sent by a few
//! implementations) also means 0 bytes, and a `bytes=` prefix is tolerated. A server formats 0
//! bytes as `0-0`, like distribution.
//!
//! **Byte ranges.** [`RangeOutcome::for_request`] decides what a server answers a GET with a
//! `Range` header: the whole blob (no header, an unparsable one, another unit, or several
//! ranges: multipart responses are not supported, which RFC 9110 allows), one satisfiable range
//! (206), or a 416 with its reason.

use std::fmt;

use super::grammar::parse_u64;
use super::names::{CONTENT_RANGE, RANGE};
use super::HeaderError;

/// Upload progress from the `Range` header of an upload status or PATCH answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadRange {
    /// Bytes the registry holds; the next chunk starts at this offset.
    pub received: u64,
}

impl UploadRange {
    /// Progress of `received` bytes.
    pub fn new(received: u64) -> UploadRange {
        UploadRange { received }
    }

    /// Parses `0-<last>` (or `bytes=0-<last>`); `0-0` and `0--1` mean nothing received.
    pub fn parse(value: &str) -> Result<UploadRange, HeaderError> {
        let text = value.trim();
        if text.is_empty() {
            return Err(HeaderError::Empty { header: RANGE });
        }
        let text = strip_prefix_ci(text, "bytes=").unwrap_or(text);
        let Some((start, end)) = text.split_once('-') else {
            return Err(HeaderError::syntax(
                RANGE,
                value,
                0,
                "expected <start>-<end>",
            ));
        };
        let start = parse_u64(start.trim())
            .ok_or_else(|| HeaderError::invalid(RANGE, value, "start is not a number"))?;
        if start != 0 {
            return Err(HeaderError::invalid(
                RANGE,
                value,
                "upload progress must start at 0",
            ));
        }
        let end = end.trim();
        if end == "-1" {
            return Ok(UploadRange { received: 0 });
        }
        let end = parse_u64(end)
            .ok_or_else(|| HeaderError::invalid(RANGE, value, "end is not a number"))?;
        let received = if end == 0 {
            0
        } else {
            end.checked_add(1)
                .ok_or_else(|| HeaderError::invalid(RANGE, value, "end is too large"))?
        };
        Ok(UploadRange { received })
    }

    /// The offset the next chunk starts at.
    pub fn next_offset(&self) -> u64 {
        self.received
    }
}

impl fmt::Display for UploadRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0-{}", self.received.saturating_sub(1))
    }
}

/// The `Content-Range: <start>-<end>` of a PATCH chunk (inclusive, no unit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkRange {
    /// Offset of the chunk's first byte.
    pub start: u64,
    /// Offset of the chunk's last byte (inclusive).
    pub end: u64,
}

impl ChunkRange {
    /// The range of a chunk of `len` bytes at `offset` (None when empty or overflowing).
    pub fn for_chunk(offset: u64, len: u64) -> Option<ChunkRange> {
        let end = offset.checked_add(len.checked_sub(1)?)?;
        Some(ChunkRange { start: offset, end })
    }

    /// Parses `<start>-<end>`; a `bytes ` or `bytes=` prefix and a `/<total>` suffix are tolerated.
    pub fn parse(value: &str) -> Result<ChunkRange, HeaderError> {
        let text = value.trim();
        if text.is_empty() {
            return Err(HeaderError::Empty {
                header: CONTENT_RANGE,
            });
        }
        let text = strip_prefix_ci(text, "bytes=")
            .or_else(|| strip_prefix_ci(text, "bytes "))
            .unwrap_or(text);
        let text = text.split_once('/').map_or(text, |(range, _)| range).trim();
        let Some((start, end)) = text.split_once('-') else {
            return Err(HeaderError::syntax(
                CONTENT_RANGE,
                value,
                0,
                "expected <start>-<end>",
            ));
        };
        let (Some(start), Some(end)) = (parse_u64(start.trim()), parse_u64(end.trim())) else {
            return Err(HeaderError::invalid(
                CONTENT_RANGE,
                value,
                "start and end must be numbers",
            ));
        };
        if end < start {
            return Err(HeaderError::invalid(
                CONTENT_RANGE,
                value,
                "end is before start",
            ));
        }
        if end - start == u64::MAX {
            return Err(HeaderError::invalid(
                CONTENT_RANGE,
                value,
                "chunk longer than 2^64-1 bytes",
            ));
        }
        Ok(ChunkRange { start, end })
    }

    /// Bytes in the chunk (saturating, for hand-built ranges).
    pub fn len(&self) -> u64 {
        self.end.saturating_sub(self.start).saturating_add(1)
    }

    /// Always false: a chunk range holds at least one byte.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The offset right after the chunk.
    pub fn next_offset(&self) -> u64 {
        self.end.saturating_add(1)
    }
}

impl fmt::Display for ChunkRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start, self.end)
    }
}

/// One range of a `Range: bytes=…` request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteRange {
    /// `first-last`, inclusive.
    FromTo {
        /// First byte.
        first: u64,
        /// Last byte (inclusive).
        last: u64,
    },
    /// `first-`: from `first` to the end.
    From(u64),
    /// `-n`: the last `n` bytes.
    Suffix(u64),
}

impl ByteRange {
    /// Resolves this range against a blob of `size` bytes (RFC 9110 section 14.1.2).
    pub fn resolve(&self, size: u64) -> Result<ResolvedRange, Unsatisfiable> {
        if size == 0 {
            return Err(Unsatisfiable::EmptyBlob);
        }
        let (start, end) = match *self {
            ByteRange::FromTo { first, last } => {
                if first >= size {
                    return Err(Unsatisfiable::StartBeyondEnd { first, size });
                }
                (first, last.min(size - 1))
            }
            ByteRange::From(first) => {
                if first >= size {
                    return Err(Unsatisfiable::StartBeyondEnd { first, size });
                }
                (first, size - 1)
            }
            ByteRange::Suffix(0) => return Err(Unsatisfiable::ZeroSuffix { size }),
            ByteRange::Suffix(n) => (size - n.min(size), size - 1),
        };
        Ok(ResolvedRange {
            start,
            end,
            total: size,
        })
    }

    fn parse(spec: &str) -> Option<ByteRange> {
        let (first, last) = spec.split_once('-')?;
        let (first, last) = (first.trim(), last.trim());
        match (first.is_empty(), last.is_empty()) {
            (true, false) => Some(ByteRange::Suffix(parse_u64(last)?)),
            (false, true) => Some(ByteRange::From(parse_u64(first)?)),
            (false, false) => {
                let (first, last) = (parse_u64(first)?, parse_u64(last)?);
                (last >= first).then_some(ByteRange::FromTo { first, last })
            }
            (true, true) => None,
        }
    }
}

impl fmt::Display for ByteRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ByteRange::FromTo { first, last } => write!(f, "{first}-{last}"),
            ByteRange::From(first) => write!(f, "{first}-"),
            ByteRange::Suffix(n) => write!(f, "-{n}"),
        }
    }
}

/// A `Range: bytes=…` request header: one or more byte ranges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ByteRangeSet(pub Vec<ByteRange>);

impl ByteRangeSet {
    /// A request for one range.
    pub fn single(range: ByteRange) -> ByteRangeSet {
        ByteRangeSet(vec![range])
    }

    /// Parses `bytes=<range>[, <range>…]` (unit case-insensitive, at least one range).
    pub fn parse(value: &str) -> Result<ByteRangeSet, HeaderError> {
        let text = value.trim();
        if text.is_empty() {
            return Err(HeaderError::Empty { header: RANGE });
        }
        let Some((unit, ranges)) = text.split_once('=') else {
            return Err(HeaderError::syntax(
                RANGE,
                value,
                0,
                "expected bytes=<ranges>",
            ));
        };
        if !unit.trim().eq_ignore_ascii_case("bytes") {
            return Err(HeaderError::invalid(
                RANGE,
                value,
                "range unit is not bytes",
            ));
        }
        let mut out = Vec::new();
        for spec in ranges.split(',') {
            if spec.trim().is_empty() {
                continue;
            }
            let range = ByteRange::parse(spec).ok_or_else(|| {
                HeaderError::invalid(
                    RANGE,
                    value,
                    "expected first-last, first- or -suffix with last >= first",
                )
            })?;
            out.push(range);
        }
        if out.is_empty() {
            return Err(HeaderError::invalid(RANGE, value, "no range given"));
        }
        Ok(ByteRangeSet(out))
    }
}

impl fmt::Display for ByteRangeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("bytes=")?;
        for (i, range) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{range}")?;
        }
        Ok(())
    }
}

/// A satisfiable range of a blob: inclusive `start..=end` of `total` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResolvedRange {
    /// First byte served.
    pub start: u64,
    /// Last byte served (inclusive).
    pub end: u64,
    /// Size of the whole blob.
    pub total: u64,
}

impl ResolvedRange {
    /// Bytes served (saturating, for hand-built ranges).
    pub fn len(&self) -> u64 {
        self.end.saturating_sub(self.start).saturating_add(1)
    }

    /// Always false: a satisfiable range holds at least one byte.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// True when the range is the whole blob.
    pub fn is_whole(&self) -> bool {
        self.start == 0 && self.end.checked_add(1) == Some(self.total)
    }

    /// The `Content-Range` of a 206 answer serving this range.
    pub fn content_range(&self) -> ContentRange {
        ContentRange::Bytes {
            first: self.start,
            last: self.end,
            complete: Some(self.total),
        }
    }
}

/// Why a byte range cannot be served (a 416 answer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unsatisfiable {
    /// The range starts at or after the end of the blob.
    #[error("range starts at byte {first} but the blob has {size} bytes")]
    StartBeyondEnd {
        /// The first byte asked for.
        first: u64,
        /// Size of the blob.
        size: u64,
    },
    /// A suffix range of zero bytes (`bytes=-0`).
    #[error("a suffix range of zero bytes selects nothing (blob has {size} bytes)")]
    ZeroSuffix {
        /// Size of the blob.
        size: u64,
    },
    /// Any range of an empty blob.
    #[error("the blob is empty, no byte range can be served")]
    EmptyBlob,
}

impl Unsatisfiable {
    /// Size of the blob.
    pub fn size(&self) -> u64 {
        match *self {
            Unsatisfiable::StartBeyondEnd { size, .. } | Unsatisfiable::ZeroSuffix { size } => size,
            Unsatisfiable::EmptyBlob => 0,
        }
    }

    /// The `Content-Range: bytes */<size>` of the 416 answer.
    pub fn content_range(&self) -> ContentRange {
        ContentRange::Unsatisfied {
            complete: self.size(),
        }
    }
}

/// What a server answers a blob GET, given its `Range` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeOutcome {
    /// 200 with the whole blob.
    Full,
    /// 206 with this range.
    Partial(ResolvedRange),
    /// 416 for this reason.
    Unsatisfiable(Unsatisfiable),
}

impl RangeOutcome {
    /// Decides the answer for an optional `Range` header and a blob of `size` bytes.
    pub fn for_request(range: Option<&str>, size: u64) -> RangeOutcome {
        let Some(Ok(set)) = range.map(ByteRangeSet::parse) else {
            return RangeOutcome::Full;
        };
        match set.0.as_slice() {
            [only] => match only.resolve(size) {
                Ok(resolved) => RangeOutcome::Partial(resolved),
                Err(reason) => RangeOutcome::Unsatisfiable(reason),
            },
            _ => RangeOutcome::Full,
        }
    }
}

/// A `Content-Range` of a ranged response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContentRange {
    /// `bytes first-last/complete` (`*` when the size is unknown).
    Bytes {
        /// First byte.
        first: u64,
        /// Last byte (inclusive).
        last: u64,
        /// Size of the whole blob, if known.
        complete: Option<u64>,
    },
    /// `bytes */complete`, sent with a 416.
    Unsatisfied {
        /// Size of the whole blob.
        complete: u64,
    },
}

impl ContentRange {
    /// Parses `bytes a-b/total`, `bytes a-b/*` or `bytes */total`.
    pub fn parse(value: &str) -> Result<ContentRange, HeaderError> {
        let text = value.trim();
        if text.is_empty() {
            return Err(HeaderError::Empty {
                header: CONTENT_RANGE,
            });
        }
        let Some(rest) = strip_prefix_ci(text, "bytes ") else {
            return Err(HeaderError::syntax(
                CONTENT_RANGE,
                value,
                0,
                "expected 'bytes '",
            ));
        };
        let Some((range, complete)) = rest.trim_start().split_once('/') else {
            return Err(HeaderError::syntax(
                CONTENT_RANGE,
                value,
                0,
                "expected <range>/<size>",
            ));
        };
        let complete = match complete.trim() {
            "*" => None,
            n => Some(parse_u64(n).ok_or_else(|| {
                HeaderError::invalid(CONTENT_RANGE, value, "size is neither a number nor '*'")
            })?),
        };
        if range.trim() == "*" {
            return match complete {
                Some(complete) => Ok(ContentRange::Unsatisfied { complete }),
                None => Err(HeaderError::invalid(
                    CONTENT_RANGE,
                    value,
                    "'*/*' says nothing",
                )),
            };
        }
        let parsed = range
            .split_once('-')
            .and_then(|(a, b)| Some((parse_u64(a.trim())?, parse_u64(b.trim())?)));
        let Some((first, last)) = parsed else {
            return Err(HeaderError::invalid(
                CONTENT_RANGE,
                value,
                "expected <first>-<last>",
            ));
        };
        if last < first {
            return Err(HeaderError::invalid(
                CONTENT_RANGE,
                value,
                "last byte is before the first",
            ));
        }
        if complete.is_some_and(|n| last >= n) {
            return Err(HeaderError::invalid(
                CONTENT_RANGE,
                value,
                "range ends beyond the size",
            ));
        }
        Ok(ContentRange::Bytes {
            first,
            last,
            complete,
        })
    }

    /// The size of the whole blob, if the header says it.
    pub fn complete_length(&self) -> Option<u64> {
        match *self {
            ContentRange::Bytes { complete, .. } => complete,
            ContentRange::Unsatisfied { complete } => Some(complete),
        }
    }

    /// True if this answers `requested` exactly, once resolved against the size the header gives.
    pub fn answers(&self, requested: &ByteRange) -> bool {
        match *self {
            ContentRange::Bytes {
                first,
                last,
                complete,
            } => match (requested, complete) {
                (_, Some(size)) => requested
                    .resolve(size)
                    .is_ok_and(|r| r.start == first && r.end == last),
                (ByteRange::FromTo { first: a, last: b }, None) => *a == first && *b == last,
                (ByteRange::From(a), None) => *a == first,
                (ByteRange::Suffix(_), None) => false,
            },
            ContentRange::Unsatisfied { .. } => false,
        }
    }
}

impl fmt::Display for ContentRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContentRange::Bytes {
                first,
                last,
                complete: Some(n),
            } => write!(f, "bytes {first}-{last}/{n}"),
            ContentRange::Bytes {
                first,
                last,
                complete: None,
            } => write!(f, "bytes {first}-{last}/*"),
            ContentRange::Unsatisfied { complete } => write!(f, "bytes */{complete}"),
        }
    }
}

/// `text` without `prefix` (ASCII case-insensitive), if it starts with it.
fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn upload_progress() {
        assert_eq!(UploadRange::parse("0-1023").unwrap().next_offset(), 1024);
        assert_eq!(UploadRange::parse("0-0").unwrap().received, 0);
        assert_eq!(UploadRange::parse("0--1").unwrap().received, 0);
        assert_eq!(UploadRange::parse(" bytes=0-99 ").unwrap().received, 100);
        assert_eq!(UploadRange::new(1024).to_string(), "0-1023");
        assert_eq!(UploadRange::new(0).to_string(), "0-0");
        assert_eq!(
            UploadRange::new(1).to_string(),
            "0-0",
            "the documented ambiguity"
        );
        for bad in [
            "",
            "12",
            "5-9",
            "0-x",
            "0-",
            "-0",
            "0-18446744073709551615",
            "0-+1",
        ] {
            assert!(UploadRange::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn chunk_ranges() {
        let c = ChunkRange::parse("1024-2047").unwrap();
        assert_eq!(
            (c.start, c.end, c.len(), c.next_offset()),
            (1024, 2047, 1024, 2048)
        );
        assert_eq!(c.to_string(), "1024-2047");
        assert_eq!(ChunkRange::for_chunk(1024, 1024), Some(c));
        assert_eq!(ChunkRange::for_chunk(0, 0), None);
        assert_eq!(ChunkRange::for_chunk(u64::MAX, 2), None);
        assert_eq!(
            ChunkRange::parse("bytes 0-9/*").unwrap(),
            ChunkRange { start: 0, end: 9 }
        );
        assert_eq!(ChunkRange::parse("bytes=0-9").unwrap().len(), 10);
        for bad in ["", "9-0", "a-b", "10", "-5", "1-", "0-18446744073709551615"] {
            assert!(ChunkRange::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn byte_range_requests() {
        let set = ByteRangeSet::parse("bytes=0-1023").unwrap();
        assert_eq!(
            set.0,
            [ByteRange::FromTo {
                first: 0,
                last: 1023
            }]
        );
        assert_eq!(
            ByteRangeSet::parse("bytes=100-").unwrap().0,
            [ByteRange::From(100)]
        );
        assert_eq!(
            ByteRangeSet::parse("Bytes = -500").unwrap().0,
            [ByteRange::Suffix(500)]
        );
        let multi = ByteRangeSet::parse("bytes=0-0, -1,").unwrap();
        assert_eq!(multi.to_string(), "bytes=0-0,-1");
        for bad in [
            "",
            "0-1",
            "items=0-1",
            "bytes=",
            "bytes=5-1",
            "bytes=-",
            "bytes=a-",
            "bytes=1-2-3",
        ] {
            assert!(ByteRangeSet::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn resolution_against_blob_size() {
        let r = ByteRange::FromTo { first: 0, last: 99 }
            .resolve(50)
            .unwrap();
        assert_eq!((r.start, r.end, r.len()), (0, 49, 50));
        assert!(r.is_whole());
        assert_eq!(r.content_range().to_string(), "bytes 0-49/50");
        assert_eq!(ByteRange::Suffix(10).resolve(100).unwrap().start, 90);
        assert_eq!(ByteRange::Suffix(1000).resolve(100).unwrap().start, 0);
        assert_eq!(ByteRange::From(99).resolve(100).unwrap().len(), 1);
        assert_eq!(
            ByteRange::From(100).resolve(100),
            Err(Unsatisfiable::StartBeyondEnd {
                first: 100,
                size: 100
            })
        );
        assert_eq!(
            ByteRange::Suffix(0).resolve(5),
            Err(Unsatisfiable::ZeroSuffix { size: 5 })
        );
        assert_eq!(
            ByteRange::Suffix(5).resolve(0),
            Err(Unsatisfiable::EmptyBlob)
        );
        let unsat = ByteRange::From(7).resolve(5).unwrap_err();
        assert_eq!(unsat.content_range().to_string(), "bytes */5");
        assert!(unsat.to_string().contains("5 bytes"));
    }

    #[test]
    fn server_outcomes() {
        assert_eq!(RangeOutcome::for_request(None, 10), RangeOutcome::Full);
        assert_eq!(
            RangeOutcome::for_request(Some("garbage"), 10),
            RangeOutcome::Full
        );
        assert_eq!(
            RangeOutcome::for_request(Some("bytes=0-1,4-5"), 10),
            RangeOutcome::Full
        );
        assert!(matches!(
            RangeOutcome::for_request(Some("bytes=2-"), 10),
            RangeOutcome::Partial(ResolvedRange {
                start: 2,
                end: 9,
                total: 10
            })
        ));
        assert!(matches!(
            RangeOutcome::for_request(Some("bytes=20-"), 10),
            RangeOutcome::Unsatisfiable(Unsatisfiable::StartBeyondEnd { .. })
        ));
    }

    #[test]
    fn content_range_responses() {
        let c = ContentRange::parse("bytes 0-1023/146515").unwrap();
        assert_eq!(
            c,
            ContentRange::Bytes {
                first: 0,
                last: 1023,
                complete: Some(146515)
            }
        );
        assert_eq!(c.complete_length(), Some(146515));
        assert!(c.answers(&ByteRange::FromTo {
            first: 0,
            last: 1023
        }));
        assert!(!c.answers(&ByteRange::FromTo {
            first: 0,
            last: 99999999
        }));
        assert!(ContentRange::parse("bytes 146415-146514/146515")
            .unwrap()
            .answers(&ByteRange::Suffix(100)));
        assert_eq!(
            ContentRange::parse("bytes */47022").unwrap(),
            ContentRange::Unsatisfied { complete: 47022 }
        );
        assert_eq!(
            ContentRange::parse("bytes 5-9/*").unwrap().to_string(),
            "bytes 5-9/*"
        );
        assert!(ContentRange::parse("bytes 5-9/*")
            .unwrap()
            .answers(&ByteRange::From(5)));
        for bad in [
            "",
            "0-1/2",
            "bytes 2-1/5",
            "bytes 0-5/5",
            "bytes */*",
            "bytes 0-1",
            "bytes a-1/2",
            "bytes 0-1/x",
        ] {
            assert!(ContentRange::parse(bad).is_err(), "{bad}");
        }
    }
}
