//! Which distribution-spec endpoint a request path names.
//!
//! Paths under `/v2/` are read from the right: the last one to three segments name the endpoint
//! (`tags/list`, `manifests/<ref>`, `blobs/<digest>`, `blobs/uploads/[<id>]`,
//! `referrers/<digest>`) and everything before them is the repository name, so names whose
//! components are themselves `blobs` or `manifests` still route. Segments are percent-decoded
//! (some clients send `sha256%3A…`). Names, digests and references are validated by the
//! handlers, so that each gets the spec's error code.

/// An endpoint of the registry API, with the raw (decoded, not yet validated) parts of its path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `/v2/`: the API version check.
    Base,
    /// `/v2/_catalog`: the repository list.
    Catalog,
    /// `/v2/<name>/tags/list`.
    Tags {
        /// Repository name.
        name: String,
    },
    /// `/v2/<name>/manifests/<reference>`.
    Manifest {
        /// Repository name.
        name: String,
        /// Tag or digest.
        reference: String,
    },
    /// `/v2/<name>/blobs/<digest>`.
    Blob {
        /// Repository name.
        name: String,
        /// Digest text.
        digest: String,
    },
    /// `/v2/<name>/blobs/uploads/`: starts an upload.
    UploadStart {
        /// Repository name.
        name: String,
    },
    /// `/v2/<name>/blobs/uploads/<id>`: one upload session.
    Upload {
        /// Repository name.
        name: String,
        /// Upload id.
        id: String,
    },
    /// `/v2/<name>/referrers/<digest>`.
    Referrers {
        /// Repository name.
        name: String,
        /// Digest text of the subject.
        digest: String,
    },
    /// Under `/v2/` but no endpoint.
    Unknown,
}

impl Route {
    /// The route of `path` (without query), or `None` when the path is not under `/v2`.
    pub fn parse(path: &str) -> Option<Route> {
        let rest = match path {
            "/v2" | "/v2/" => return Some(Route::Base),
            _ => path.strip_prefix("/v2/")?,
        };
        let Some(segments) = rest
            .split('/')
            .map(percent_decode)
            .collect::<Option<Vec<String>>>()
        else {
            return Some(Route::Unknown);
        };
        Some(Route::from_segments(&segments))
    }

    fn from_segments(segments: &[String]) -> Route {
        let s: Vec<&str> = segments.iter().map(String::as_str).collect();
        let name = |n: usize| s[..s.len() - n].join("/");
        // The name part must be there; its grammar (no empty component…) is checked later.
        let named = |n: usize| s.len() > n;
        match s.as_slice() {
            ["_catalog"] => Route::Catalog,
            [.., "tags", "list"] if named(2) => Route::Tags { name: name(2) },
            [.., "blobs", "uploads", ""] if named(3) => Route::UploadStart { name: name(3) },
            [.., "blobs", "uploads"] if named(2) => Route::UploadStart { name: name(2) },
            [.., "blobs", "uploads", id] if named(3) => Route::Upload {
                name: name(3),
                id: id.to_string(),
            },
            [.., "blobs", digest] if named(2) => Route::Blob {
                name: name(2),
                digest: digest.to_string(),
            },
            [.., "manifests", reference] if named(2) => Route::Manifest {
                name: name(2),
                reference: reference.to_string(),
            },
            [.., "referrers", digest] if named(2) => Route::Referrers {
                name: name(2),
                digest: digest.to_string(),
            },
            _ => Route::Unknown,
        }
    }

    /// The methods this endpoint answers (for `Allow` and CORS preflights).
    pub fn allowed_methods(&self) -> &'static str {
        match self {
            Route::Base | Route::Catalog | Route::Tags { .. } | Route::Referrers { .. } => {
                "GET, HEAD, OPTIONS"
            }
            Route::Manifest { .. } => "GET, HEAD, PUT, DELETE, OPTIONS",
            Route::Blob { .. } => "GET, HEAD, DELETE, OPTIONS",
            Route::UploadStart { .. } => "POST, OPTIONS",
            Route::Upload { .. } => "GET, PATCH, PUT, DELETE, OPTIONS",
            Route::Unknown => "OPTIONS",
        }
    }

    /// The repository this endpoint is about, if any.
    pub fn repository(&self) -> Option<&str> {
        match self {
            Route::Tags { name }
            | Route::Manifest { name, .. }
            | Route::Blob { name, .. }
            | Route::UploadStart { name }
            | Route::Upload { name, .. }
            | Route::Referrers { name, .. } => Some(name),
            Route::Base | Route::Catalog | Route::Unknown => None,
        }
    }
}

/// Decodes `%XX` escapes; `None` for a bad escape or a result that is not UTF-8.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Decodes a query string into name/value pairs (`+` is a space; bad escapes are kept as sent).
pub fn parse_query(query: Option<&str>) -> Vec<(String, String)> {
    let Some(query) = query else {
        return Vec::new();
    };
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                let s = s.replace('+', " ");
                percent_decode(&s).unwrap_or(s)
            };
            (decode(k), decode(v))
        })
        .collect()
}

/// Percent-encodes everything but unreserved characters, `:` and `/` (for `Location` and `Link`).
pub fn percent_encode_path(text: &str) -> String {
    encode(text, true)
}

/// Percent-encodes everything but unreserved characters and `:` (one path segment).
pub fn percent_encode_segment(text: &str) -> String {
    encode(text, false)
}

fn encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~' | b':')
            || (keep_slash && b == b'/')
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(path: &str) -> Route {
        Route::parse(path).unwrap()
    }

    #[test]
    fn routes_from_the_right() {
        assert_eq!(r("/v2/"), Route::Base);
        assert_eq!(r("/v2"), Route::Base);
        assert!(Route::parse("/index.html").is_none());
        assert_eq!(r("/v2/_catalog"), Route::Catalog);
        assert_eq!(r("/v2//tags/list"), Route::Tags { name: "".into() });
        assert_eq!(
            r("/v2/a//manifests/x"),
            Route::Manifest {
                name: "a/".into(),
                reference: "x".into()
            }
        );
        assert_eq!(r("/v2/a/b/tags/list"), Route::Tags { name: "a/b".into() });
        assert_eq!(
            r("/v2/a/blobs/manifests/latest"),
            Route::Manifest {
                name: "a/blobs".into(),
                reference: "latest".into()
            }
        );
        assert_eq!(
            r("/v2/a/blobs/uploads/"),
            Route::UploadStart { name: "a".into() }
        );
        assert_eq!(
            r("/v2/a/blobs/uploads"),
            Route::UploadStart { name: "a".into() }
        );
        assert_eq!(
            r("/v2/x/y/blobs/uploads/abc"),
            Route::Upload {
                name: "x/y".into(),
                id: "abc".into()
            }
        );
        assert_eq!(
            r("/v2/a/blobs/sha256%3Aab"),
            Route::Blob {
                name: "a".into(),
                digest: "sha256:ab".into()
            }
        );
        assert_eq!(
            r("/v2/a/referrers/sha256:ab"),
            Route::Referrers {
                name: "a".into(),
                digest: "sha256:ab".into()
            }
        );
        for unknown in [
            "/v2/tags/list",
            "/v2/a/other",
            "/v2/a/blobs/%zz",
            "/v2/blobs/uploads/",
        ] {
            assert_eq!(r(unknown), Route::Unknown, "{unknown}");
        }
    }

    #[test]
    fn queries_and_escapes() {
        assert_eq!(
            parse_query(Some("n=2&last=a%2Fb&x")),
            vec![
                ("n".into(), "2".into()),
                ("last".into(), "a/b".into()),
                ("x".into(), String::new())
            ]
        );
        assert_eq!(percent_decode("%41b"), Some("Ab".into()));
        assert_eq!(percent_decode("%4"), None);
        assert_eq!(percent_decode("%ff"), None);
        assert_eq!(percent_encode_path("a b/c"), "a%20b/c");
        assert_eq!(percent_encode_segment("a b/c"), "a%20b%2Fc");
    }
}
