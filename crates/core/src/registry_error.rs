//! Registry error bodies (`{"errors":[{"code","message","detail"}]}`) with typed spec codes.
//!
//! Parsing never fails: [`RegistryError::from_response`] turns any status and body (empty,
//! HTML from a proxy, invalid JSON, a non-standard JSON object) into a typed error that keeps the
//! HTTP status and either the spec error entries or a short snippet of the body.
//!
//! Codes are matched ASCII case-insensitively (`manifest_unknown` is [`ErrorCode::ManifestUnknown`]);
//! an entry without a string `code` is [`ErrorCode::Unknown`], as CNCF distribution does.
//! Canonical statuses follow CNCF distribution, except `BLOB_UPLOAD_INVALID` (400 here, where
//! distribution says 404: the upload exists, the request about it is bad).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// Longest body snippet kept when a body is not a registry error envelope (in characters).
pub const SNIPPET_CHARS: usize = 200;

/// An error code of the distribution spec, of CNCF distribution, or any other string.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorCode {
    /// `BLOB_UNKNOWN`: blob unknown to registry.
    BlobUnknown,
    /// `BLOB_UPLOAD_INVALID`: blob upload invalid.
    BlobUploadInvalid,
    /// `BLOB_UPLOAD_UNKNOWN`: blob upload unknown to registry.
    BlobUploadUnknown,
    /// `DIGEST_INVALID`: provided digest did not match uploaded content.
    DigestInvalid,
    /// `MANIFEST_BLOB_UNKNOWN`: manifest references a manifest or blob unknown to registry.
    ManifestBlobUnknown,
    /// `MANIFEST_INVALID`: manifest invalid.
    ManifestInvalid,
    /// `MANIFEST_UNKNOWN`: manifest unknown to registry.
    ManifestUnknown,
    /// `NAME_INVALID`: invalid repository name.
    NameInvalid,
    /// `NAME_UNKNOWN`: repository name not known to registry.
    NameUnknown,
    /// `SIZE_INVALID`: provided length did not match content length.
    SizeInvalid,
    /// `UNAUTHORIZED`: authentication required.
    Unauthorized,
    /// `DENIED`: requested access to the resource is denied.
    Denied,
    /// `UNSUPPORTED`: the operation is unsupported.
    Unsupported,
    /// `TOOMANYREQUESTS`: too many requests.
    TooManyRequests,
    /// `PAGINATION_NUMBER_INVALID` (CNCF distribution): invalid number of results requested.
    PaginationNumberInvalid,
    /// `RANGE_INVALID` (CNCF distribution): invalid content range.
    RangeInvalid,
    /// `TAG_INVALID` (CNCF distribution): manifest tag did not match URI.
    TagInvalid,
    /// `MANIFEST_UNVERIFIED` (CNCF distribution): manifest failed signature verification.
    ManifestUnverified,
    /// `UNAVAILABLE` (CNCF distribution): service unavailable.
    Unavailable,
    /// `UNKNOWN` (CNCF distribution): unknown error.
    Unknown,
    /// Any other code, as sent.
    Other(String),
}

/// Every named code (all variants but [`ErrorCode::Other`]).
pub const ALL_CODES: [ErrorCode; 20] = [
    ErrorCode::BlobUnknown,
    ErrorCode::BlobUploadInvalid,
    ErrorCode::BlobUploadUnknown,
    ErrorCode::DigestInvalid,
    ErrorCode::ManifestBlobUnknown,
    ErrorCode::ManifestInvalid,
    ErrorCode::ManifestUnknown,
    ErrorCode::NameInvalid,
    ErrorCode::NameUnknown,
    ErrorCode::SizeInvalid,
    ErrorCode::Unauthorized,
    ErrorCode::Denied,
    ErrorCode::Unsupported,
    ErrorCode::TooManyRequests,
    ErrorCode::PaginationNumberInvalid,
    ErrorCode::RangeInvalid,
    ErrorCode::TagInvalid,
    ErrorCode::ManifestUnverified,
    ErrorCode::Unavailable,
    ErrorCode::Unknown,
];

impl ErrorCode {
    /// The code for this string (ASCII case-insensitive); unknown strings become [`ErrorCode::Other`].
    pub fn parse(code: &str) -> ErrorCode {
        ALL_CODES
            .iter()
            .find(|known| known.as_str().eq_ignore_ascii_case(code))
            .cloned()
            .unwrap_or_else(|| ErrorCode::Other(code.to_string()))
    }

    /// The code as it appears on the wire (`MANIFEST_UNKNOWN`).
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::BlobUnknown => "BLOB_UNKNOWN",
            ErrorCode::BlobUploadInvalid => "BLOB_UPLOAD_INVALID",
            ErrorCode::BlobUploadUnknown => "BLOB_UPLOAD_UNKNOWN",
            ErrorCode::DigestInvalid => "DIGEST_INVALID",
            ErrorCode::ManifestBlobUnknown => "MANIFEST_BLOB_UNKNOWN",
            ErrorCode::ManifestInvalid => "MANIFEST_INVALID",
            ErrorCode::ManifestUnknown => "MANIFEST_UNKNOWN",
            ErrorCode::NameInvalid => "NAME_INVALID",
            ErrorCode::NameUnknown => "NAME_UNKNOWN",
            ErrorCode::SizeInvalid => "SIZE_INVALID",
            ErrorCode::Unauthorized => "UNAUTHORIZED",
            ErrorCode::Denied => "DENIED",
            ErrorCode::Unsupported => "UNSUPPORTED",
            ErrorCode::TooManyRequests => "TOOMANYREQUESTS",
            ErrorCode::PaginationNumberInvalid => "PAGINATION_NUMBER_INVALID",
            ErrorCode::RangeInvalid => "RANGE_INVALID",
            ErrorCode::TagInvalid => "TAG_INVALID",
            ErrorCode::ManifestUnverified => "MANIFEST_UNVERIFIED",
            ErrorCode::Unavailable => "UNAVAILABLE",
            ErrorCode::Unknown => "UNKNOWN",
            ErrorCode::Other(code) => code,
        }
    }

    /// True for the fourteen codes the OCI distribution-spec v1.1 defines.
    pub fn is_spec_code(&self) -> bool {
        matches!(
            self,
            ErrorCode::BlobUnknown
                | ErrorCode::BlobUploadInvalid
                | ErrorCode::BlobUploadUnknown
                | ErrorCode::DigestInvalid
                | ErrorCode::ManifestBlobUnknown
                | ErrorCode::ManifestInvalid
                | ErrorCode::ManifestUnknown
                | ErrorCode::NameInvalid
                | ErrorCode::NameUnknown
                | ErrorCode::SizeInvalid
                | ErrorCode::Unauthorized
                | ErrorCode::Denied
                | ErrorCode::Unsupported
                | ErrorCode::TooManyRequests
        )
    }

    /// The HTTP status a server answers with this code.
    pub fn status(&self) -> u16 {
        match self {
            ErrorCode::BlobUnknown
            | ErrorCode::BlobUploadUnknown
            | ErrorCode::ManifestUnknown
            | ErrorCode::NameUnknown => 404,
            ErrorCode::BlobUploadInvalid
            | ErrorCode::DigestInvalid
            | ErrorCode::ManifestBlobUnknown
            | ErrorCode::ManifestInvalid
            | ErrorCode::NameInvalid
            | ErrorCode::SizeInvalid
            | ErrorCode::PaginationNumberInvalid
            | ErrorCode::TagInvalid
            | ErrorCode::ManifestUnverified => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Denied => 403,
            ErrorCode::Unsupported => 405,
            ErrorCode::RangeInvalid => 416,
            ErrorCode::TooManyRequests => 429,
            ErrorCode::Unavailable => 503,
            ErrorCode::Unknown | ErrorCode::Other(_) => 500,
        }
    }

    /// The canonical short message a server sends with this code.
    pub fn message(&self) -> &'static str {
        match self {
            ErrorCode::BlobUnknown => "blob unknown to registry",
            ErrorCode::BlobUploadInvalid => "blob upload invalid",
            ErrorCode::BlobUploadUnknown => "blob upload unknown to registry",
            ErrorCode::DigestInvalid => "provided digest did not match uploaded content",
            ErrorCode::ManifestBlobUnknown => {
                "manifest references a manifest or blob unknown to registry"
            }
            ErrorCode::ManifestInvalid => "manifest invalid",
            ErrorCode::ManifestUnknown => "manifest unknown to registry",
            ErrorCode::NameInvalid => "invalid repository name",
            ErrorCode::NameUnknown => "repository name not known to registry",
            ErrorCode::SizeInvalid => "provided length did not match content length",
            ErrorCode::Unauthorized => "authentication required",
            ErrorCode::Denied => "requested access to the resource is denied",
            ErrorCode::Unsupported => "the operation is unsupported",
            ErrorCode::TooManyRequests => "too many requests",
            ErrorCode::PaginationNumberInvalid => "invalid number of results requested",
            ErrorCode::RangeInvalid => "invalid content range",
            ErrorCode::TagInvalid => "manifest tag did not match URI",
            ErrorCode::ManifestUnverified => "manifest failed signature verification",
            ErrorCode::Unavailable => "service unavailable",
            ErrorCode::Unknown | ErrorCode::Other(_) => "unknown error",
        }
    }

    /// A longer description of when the code is returned and what to do about it.
    pub fn description(&self) -> &'static str {
        match self {
            ErrorCode::BlobUnknown => "The blob is not in this repository: check the digest, or push the blob first.",
            ErrorCode::BlobUploadInvalid => "The blob upload is in a bad state and cannot proceed: start a new upload.",
            ErrorCode::BlobUploadUnknown => "The upload session was cancelled, expired or never started: start a new upload.",
            ErrorCode::DigestInvalid => "The uploaded content does not hash to the digest given, or the digest is malformed.",
            ErrorCode::ManifestBlobUnknown => "The manifest references a blob or manifest the repository does not hold: push those first.",
            ErrorCode::ManifestInvalid => "The manifest failed validation (syntax, media type or content); the detail says why.",
            ErrorCode::ManifestUnknown => "No manifest with this tag or digest exists in the repository.",
            ErrorCode::NameInvalid => "The repository name does not follow the naming rules.",
            ErrorCode::NameUnknown => "The repository is not known to the registry.",
            ErrorCode::SizeInvalid => "The declared length does not match the content received.",
            ErrorCode::Unauthorized => "The request needs credentials (see the WWW-Authenticate header): log in or get a token.",
            ErrorCode::Denied => "The credentials given are not allowed to do this on this resource.",
            ErrorCode::Unsupported => "The registry does not support this operation (for example deletes are disabled).",
            ErrorCode::TooManyRequests => "The registry rate-limits this client: wait (see Retry-After) and retry.",
            ErrorCode::PaginationNumberInvalid => "The `n` query parameter is not a valid positive number.",
            ErrorCode::RangeInvalid => "The chunk's range does not continue the upload: ask the upload status and resume from there.",
            ErrorCode::TagInvalid => "The tag in the manifest does not match the tag in the URL.",
            ErrorCode::ManifestUnverified => "The manifest failed signature verification.",
            ErrorCode::Unavailable => "The registry is temporarily unavailable: retry later.",
            ErrorCode::Unknown | ErrorCode::Other(_) => "The registry reported an error this client does not know.",
        }
    }

    /// The code a bodyless response with this status most likely means, when one clearly fits.
    pub fn implied_by_status(status: u16) -> Option<ErrorCode> {
        match status {
            401 => Some(ErrorCode::Unauthorized),
            403 => Some(ErrorCode::Denied),
            405 => Some(ErrorCode::Unsupported),
            416 => Some(ErrorCode::RangeInvalid),
            429 => Some(ErrorCode::TooManyRequests),
            503 => Some(ErrorCode::Unavailable),
            _ => None,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ErrorCode {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(ErrorCode::parse(s))
    }
}

impl From<&str> for ErrorCode {
    fn from(code: &str) -> Self {
        ErrorCode::parse(code)
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(ErrorCode::parse(&text))
    }
}

/// One entry of an error body: code, message and optional free-form detail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorInfo {
    /// The error code.
    pub code: ErrorCode,
    /// The message (empty when the registry sent none).
    #[serde(default)]
    pub message: String,
    /// Any JSON the registry attached as detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<Value>,
}

impl ErrorInfo {
    /// An entry with this code and its canonical message.
    pub fn new(code: ErrorCode) -> ErrorInfo {
        ErrorInfo {
            message: code.message().to_string(),
            code,
            detail: None,
        }
    }

    /// This entry with another message.
    pub fn with_message(mut self, message: impl Into<String>) -> ErrorInfo {
        self.message = message.into();
        self
    }

    /// This entry with a detail value.
    pub fn with_detail(mut self, detail: Value) -> ErrorInfo {
        self.detail = Some(detail);
        self
    }

    /// Reads one entry leniently from any JSON value (None when it is not an object).
    fn from_value(value: &Value) -> Option<ErrorInfo> {
        let object = value.as_object()?;
        let code = match object.get("code") {
            Some(Value::String(code)) => ErrorCode::parse(code),
            _ => ErrorCode::Unknown,
        };
        let message = match object.get("message") {
            Some(Value::String(message)) => message.clone(),
            None | Some(Value::Null) => String::new(),
            Some(other) => other.to_string(),
        };
        let detail = match object.get("detail") {
            None | Some(Value::Null) => None,
            Some(detail) => Some(detail.clone()),
        };
        Some(ErrorInfo {
            code,
            message,
            detail,
        })
    }
}

impl fmt::Display for ErrorInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code.as_str())?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(detail) = &self.detail {
            let detail = match detail {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            write!(f, " ({})", truncate(&detail, SNIPPET_CHARS))?;
        }
        Ok(())
    }
}

/// The JSON body of a registry error: `{"errors":[…]}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error entries.
    pub errors: Vec<ErrorInfo>,
}

/// An error answer of a registry: HTTP status, spec error entries, or a snippet of another body.
#[derive(Clone, Debug, PartialEq)]
pub struct RegistryError {
    /// The HTTP status of the response.
    pub status: u16,
    /// The error entries of a spec error body (empty when the body was not one).
    pub errors: Vec<ErrorInfo>,
    /// A whitespace-collapsed snippet of the body when it held no error entries (None if empty).
    pub body: Option<String>,
}

impl RegistryError {
    /// The error a registry answered: any status and any body bytes, never fails.
    pub fn from_response(status: u16, body: &[u8]) -> RegistryError {
        let text = String::from_utf8_lossy(body);
        let trimmed = text.trim();
        let mut error = RegistryError {
            status,
            errors: Vec::new(),
            body: None,
        };
        if trimmed.is_empty() {
            return error;
        }
        if let Ok(value) = serde_json::from_str::<Value>(trimmed) {
            if let Some(entries) = value.get("errors").and_then(Value::as_array) {
                error.errors = entries.iter().filter_map(ErrorInfo::from_value).collect();
            }
            if error.errors.is_empty() {
                // Non-standard JSON: keep the most telling text field when there is one.
                let text = ["message", "error", "details", "detail"]
                    .iter()
                    .find_map(|key| value.get(key).and_then(Value::as_str));
                error.body = Some(snippet(text.unwrap_or(trimmed)));
            }
            return error;
        }
        error.body = Some(snippet(&html_title(trimmed).unwrap_or(trimmed.to_string())));
        error
    }

    /// An error with this code, its canonical status and message (for a server).
    pub fn new(code: ErrorCode) -> RegistryError {
        RegistryError {
            status: code.status(),
            errors: vec![ErrorInfo::new(code)],
            body: None,
        }
    }

    /// An error with this code and message, at the code's canonical status.
    pub fn with_message(code: ErrorCode, message: impl Into<String>) -> RegistryError {
        RegistryError {
            status: code.status(),
            errors: vec![ErrorInfo::new(code).with_message(message)],
            body: None,
        }
    }

    /// An error with this status and these entries.
    pub fn from_errors(status: u16, errors: Vec<ErrorInfo>) -> RegistryError {
        RegistryError {
            status,
            errors,
            body: None,
        }
    }

    /// This error with a detail value attached to its first entry.
    pub fn with_detail(mut self, detail: Value) -> RegistryError {
        if let Some(first) = self.errors.first_mut() {
            first.detail = Some(detail);
        }
        self
    }

    /// The code of the first entry, or the one the status implies when there are none.
    pub fn code(&self) -> Option<ErrorCode> {
        match self.errors.first() {
            Some(first) => Some(first.code.clone()),
            None => ErrorCode::implied_by_status(self.status),
        }
    }

    /// True if an entry has this code, or (with no entries) the status implies it.
    pub fn has_code(&self, code: ErrorCode) -> bool {
        if self.errors.is_empty() {
            return ErrorCode::implied_by_status(self.status).as_ref() == Some(&code);
        }
        self.errors.iter().any(|entry| entry.code == code)
    }

    /// True for a 404 or any *_UNKNOWN code (manifest, blob, repository, upload).
    pub fn is_not_found(&self) -> bool {
        self.status == 404
            || self.errors.iter().any(|entry| {
                matches!(
                    entry.code,
                    ErrorCode::BlobUnknown
                        | ErrorCode::ManifestUnknown
                        | ErrorCode::NameUnknown
                        | ErrorCode::BlobUploadUnknown
                )
            })
    }

    /// The body a server sends: `{"errors":[…]}` (an `UNKNOWN` entry if there are none).
    pub fn to_body(&self) -> String {
        let body = if self.errors.is_empty() {
            let code = ErrorCode::implied_by_status(self.status).unwrap_or(ErrorCode::Unknown);
            let mut info = ErrorInfo::new(code);
            if let Some(text) = &self.body {
                info.message = text.clone();
            }
            ErrorBody { errors: vec![info] }
        } else {
            ErrorBody {
                errors: self.errors.clone(),
            }
        };
        serde_json::to_string(&body).unwrap_or_else(|_| r#"{"errors":[]}"#.to_string())
    }
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "registry answered HTTP {}", self.status)?;
        if let Some(reason) = status_reason(self.status) {
            write!(f, " {reason}")?;
        }
        if !self.errors.is_empty() {
            f.write_str(": ")?;
            for (i, entry) in self.errors.iter().enumerate() {
                if i > 0 {
                    f.write_str("; ")?;
                }
                write!(f, "{entry}")?;
            }
            if let [only] = self.errors.as_slice() {
                if !matches!(only.code, ErrorCode::Other(_) | ErrorCode::Unknown) {
                    write!(f, " — {}", only.code.description())?;
                }
            }
            return Ok(());
        }
        match &self.body {
            Some(body) => write!(f, " (not a registry error body: {body:?})")?,
            None => f.write_str(" (empty body)")?,
        }
        if let Some(code) = ErrorCode::implied_by_status(self.status) {
            write!(f, " — {}", code.description())?;
        }
        Ok(())
    }
}

impl std::error::Error for RegistryError {}

/// The reason phrase of the statuses registries commonly answer with.
pub fn status_reason(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

fn truncate(text: &str, max: usize) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

fn snippet(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    truncate(&collapsed, SNIPPET_CHARS)
}

/// The text of an HTML `<title>`, when the body is an HTML page that has one.
fn html_title(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    let title = text.get(start..end)?.trim();
    (!title.is_empty()).then(|| title.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn parses_distribution_manifest_unknown() {
        let body = br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"nope"}}]}"#;
        let err = RegistryError::from_response(404, body);
        assert_eq!(err.status, 404);
        assert_eq!(err.errors.len(), 1);
        assert_eq!(err.errors[0].code, ErrorCode::ManifestUnknown);
        assert_eq!(err.errors[0].message, "manifest unknown");
        assert_eq!(err.errors[0].detail, Some(json!({"Tag": "nope"})));
        assert!(err.has_code(ErrorCode::ManifestUnknown));
        assert!(!err.has_code(ErrorCode::BlobUnknown));
        assert!(err.is_not_found());
        assert_eq!(err.code(), Some(ErrorCode::ManifestUnknown));
        let text = err.to_string();
        assert!(text.contains("HTTP 404 Not Found"), "{text}");
        assert!(
            text.contains("MANIFEST_UNKNOWN: manifest unknown"),
            "{text}"
        );
        assert!(text.contains("nope"), "{text}");
    }

    #[test]
    fn parses_docker_hub_unauthorized_with_detail_list() {
        let body = br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":[{"Type":"repository","Class":"","Name":"library/nope","Action":"pull"}]}]}"#;
        let err = RegistryError::from_response(401, body);
        assert!(err.has_code(ErrorCode::Unauthorized));
        assert!(err.errors[0].detail.as_ref().unwrap().is_array());
        assert!(err.to_string().contains("log in"));
    }

    #[test]
    fn parses_rate_limit_and_several_errors() {
        let body = br#"{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull rate limit."},{"code":"DENIED","message":"no"}]}"#;
        let err = RegistryError::from_response(429, body);
        assert_eq!(err.errors.len(), 2);
        assert!(err.has_code(ErrorCode::TooManyRequests));
        assert!(err.has_code(ErrorCode::Denied));
        let text = err.to_string();
        assert!(text.contains("TOOMANYREQUESTS: You have reached"), "{text}");
        assert!(text.contains("; DENIED: no"), "{text}");
    }

    #[test]
    fn empty_body_keeps_status_and_implies_code() {
        let err = RegistryError::from_response(401, b"");
        assert!(err.errors.is_empty());
        assert_eq!(err.body, None);
        assert!(err.has_code(ErrorCode::Unauthorized));
        assert_eq!(err.code(), Some(ErrorCode::Unauthorized));
        assert!(err.to_string().contains("empty body"));
        let head_404 = RegistryError::from_response(404, b"  \n");
        assert!(head_404.is_not_found());
        assert_eq!(head_404.code(), None);
        assert!(!head_404.has_code(ErrorCode::ManifestUnknown));
    }

    #[test]
    fn html_body_keeps_a_snippet() {
        let body = b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";
        let err = RegistryError::from_response(502, body);
        assert!(err.errors.is_empty());
        assert_eq!(err.body.as_deref(), Some("502 Bad Gateway"));
        let text = err.to_string();
        assert!(text.contains("HTTP 502 Bad Gateway"), "{text}");
        assert!(text.contains("not a registry error body"), "{text}");
    }

    #[test]
    fn invalid_json_and_long_bodies_are_snipped() {
        let long = format!("{{\"errors\": [ {}", "x".repeat(1000));
        let err = RegistryError::from_response(500, long.as_bytes());
        let body = err.body.unwrap();
        assert!(body.chars().count() <= SNIPPET_CHARS + 1);
        assert!(body.ends_with('…'));
        let err = RegistryError::from_response(400, b"\xff\xfe bad\n\n bytes");
        assert_eq!(err.body.as_deref(), Some("\u{fffd}\u{fffd} bad bytes"));
    }

    #[test]
    fn non_standard_json_bodies() {
        let err = RegistryError::from_response(404, br#"{"error":"repository not found"}"#);
        assert_eq!(err.body.as_deref(), Some("repository not found"));
        let err = RegistryError::from_response(500, br#"{"errors":[]}"#);
        assert!(err.errors.is_empty());
        assert_eq!(err.body.as_deref(), Some(r#"{"errors":[]}"#));
        let err = RegistryError::from_response(400, br#"[1,2]"#);
        assert_eq!(err.body.as_deref(), Some("[1,2]"));
        // Entries without a code, with odd types, or not objects.
        let err = RegistryError::from_response(
            500,
            br#"{"errors":[{"message":"boom"},{"code":7,"message":{"a":1},"detail":null},"x"]}"#,
        );
        assert_eq!(err.errors.len(), 2);
        assert_eq!(err.errors[0].code, ErrorCode::Unknown);
        assert_eq!(err.errors[1].message, r#"{"a":1}"#);
        assert_eq!(err.errors[1].detail, None);
    }

    #[test]
    fn codes_parse_case_insensitively_and_keep_others() {
        assert_eq!(
            ErrorCode::parse("manifest_unknown"),
            ErrorCode::ManifestUnknown
        );
        assert_eq!(
            ErrorCode::parse("QUOTA_EXCEEDED"),
            ErrorCode::Other("QUOTA_EXCEEDED".into())
        );
        for code in ALL_CODES {
            assert_eq!(ErrorCode::parse(code.as_str()), code);
            assert!(!code.message().is_empty());
            assert!(!code.description().is_empty());
            assert!((400..600).contains(&code.status()));
        }
        assert_eq!(ALL_CODES.iter().filter(|c| c.is_spec_code()).count(), 14);
        assert_eq!(ErrorCode::BlobUnknown.status(), 404);
        assert_eq!(ErrorCode::ManifestBlobUnknown.status(), 400);
        assert_eq!(ErrorCode::Unsupported.status(), 405);
        assert_eq!(ErrorCode::RangeInvalid.status(), 416);
        assert_eq!(ErrorCode::TooManyRequests.status(), 429);
    }

    #[test]
    fn server_side_body_round_trips() {
        let err =
            RegistryError::new(ErrorCode::BlobUnknown).with_detail(json!({"digest": "sha256:abc"}));
        assert_eq!(err.status, 404);
        let body = err.to_body();
        assert_eq!(
            body,
            r#"{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry","detail":{"digest":"sha256:abc"}}]}"#
        );
        assert_eq!(
            RegistryError::from_response(err.status, body.as_bytes()),
            err
        );
        let other = RegistryError::with_message(ErrorCode::Other("X_Y".into()), "custom");
        assert_eq!(other.status, 500);
        assert_eq!(
            RegistryError::from_response(500, other.to_body().as_bytes()),
            other
        );
    }

    #[test]
    fn bodyless_errors_still_serialize_a_spec_body() {
        let err = RegistryError::from_response(429, b"slow down");
        let back = RegistryError::from_response(429, err.to_body().as_bytes());
        assert_eq!(back.errors[0].code, ErrorCode::TooManyRequests);
        assert_eq!(back.errors[0].message, "slow down");
        let err = RegistryError::from_response(418, b"");
        let back = RegistryError::from_response(418, err.to_body().as_bytes());
        assert_eq!(back.errors[0].code, ErrorCode::Unknown);
    }

    #[test]
    fn error_body_serde() {
        let body: ErrorBody = serde_json::from_str(
            r#"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry","detail":{"name":"x"}}]}"#,
        )
        .unwrap();
        assert_eq!(body.errors[0].code, ErrorCode::NameUnknown);
        let again: ErrorBody =
            serde_json::from_str(&serde_json::to_string(&body).unwrap()).unwrap();
        assert_eq!(again, body);
    }
}
