//! HTTP header grammars of the distribution API: parse what a registry sends, build what a
//! server sends. Every parser takes `&str` values and returns a typed [`HeaderError`]; none panics.
//!
//! One file per grammar: [`names`] (header name constants), [`link`] (RFC 8288 pagination),
//! [`www_authenticate`] (RFC 7235 challenges), [`scope`] (token scopes), [`range`] (upload and
//! byte ranges), [`chunk`] (`OCI-Chunk-Min-Length`), [`content_digest`]
//! (`Docker-Content-Digest`), [`retry_after`] and [`filters`] (`OCI-Filters-Applied`).

mod grammar;

pub mod chunk;
pub mod content_digest;
pub mod filters;
pub mod link;
pub mod names;
pub mod range;
pub mod retry_after;
pub mod scope;
pub mod www_authenticate;

pub use chunk::{format_chunk_min_length, parse_chunk_min_length};
pub use content_digest::{format_content_digest, parse_content_digest};
pub use filters::{format_filters_applied, parse_filters_applied};
pub use link::{format_next_link, next_link, resolve_url, LinkValue};
pub use range::{
    ByteRange, ByteRangeSet, ChunkRange, ContentRange, RangeOutcome, ResolvedRange, Unsatisfiable,
    UploadRange,
};
pub use retry_after::{HttpDate, RetryAfter};
pub use scope::{merge_scopes, token_query, Scope};
pub use www_authenticate::{AuthChallenge, BasicChallenge, BearerChallenge, Challenge};

use crate::digest::DigestError;

/// Why a header value was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// The value is empty or only whitespace where a value is required.
    #[error("empty {header} header")]
    Empty {
        /// The header name.
        header: &'static str,
    },
    /// The value does not follow the header's grammar.
    #[error("invalid {header} header {value:?} at byte {at}: {reason}")]
    Syntax {
        /// The header name.
        header: &'static str,
        /// The rejected value (truncated to 200 characters).
        value: String,
        /// Byte offset in the value where parsing stopped.
        at: usize,
        /// What was expected there.
        reason: &'static str,
    },
    /// The value is well-formed text but not an acceptable value (number too large, end before start…).
    #[error("invalid {header} header {value:?}: {reason}")]
    Invalid {
        /// The header name.
        header: &'static str,
        /// The rejected value (truncated to 200 characters).
        value: String,
        /// Why it is not acceptable.
        reason: &'static str,
    },
    /// `Docker-Content-Digest` does not hold a valid digest.
    #[error("invalid docker-content-digest header: {0}")]
    Digest(#[from] DigestError),
}

impl HeaderError {
    /// A syntax error in `value` of `header` at byte `at`.
    pub(crate) fn syntax(
        header: &'static str,
        value: &str,
        at: usize,
        reason: &'static str,
    ) -> Self {
        HeaderError::Syntax {
            header,
            value: truncate(value),
            at,
            reason,
        }
    }

    /// A semantic error in `value` of `header`.
    pub(crate) fn invalid(header: &'static str, value: &str, reason: &'static str) -> Self {
        HeaderError::Invalid {
            header,
            value: truncate(value),
            reason,
        }
    }
}

fn truncate(value: &str) -> String {
    value.chars().take(200).collect()
}
