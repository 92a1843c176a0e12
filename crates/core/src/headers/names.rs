//! Header names used by the distribution API, in lowercase (as HTTP/2, the Fetch API and the
//! `http` crate spell them; header names are case-insensitive).

/// `Accept`: media types a client accepts for a manifest.
pub const ACCEPT: &str = "accept";
/// `Access-Control-Expose-Headers`: response headers a browser may read cross-origin.
pub const ACCESS_CONTROL_EXPOSE_HEADERS: &str = "access-control-expose-headers";
/// `Authorization`: credentials or bearer token.
pub const AUTHORIZATION: &str = "authorization";
/// `Content-Length`: size of the body.
pub const CONTENT_LENGTH: &str = "content-length";
/// `Content-Range`: range of a PATCH chunk, or of a partial blob response.
pub const CONTENT_RANGE: &str = "content-range";
/// `Content-Type`: media type of the body.
pub const CONTENT_TYPE: &str = "content-type";
/// `Docker-Content-Digest`: digest of the manifest or blob served or stored.
pub const DOCKER_CONTENT_DIGEST: &str = "docker-content-digest";
/// `Docker-Distribution-API-Version`: `registry/2.0` on `/v2/` answers.
pub const DOCKER_DISTRIBUTION_API_VERSION: &str = "docker-distribution-api-version";
/// `Docker-Upload-UUID`: identifier of an upload session.
pub const DOCKER_UPLOAD_UUID: &str = "docker-upload-uuid";
/// `ETag`: entity tag of a response.
pub const ETAG: &str = "etag";
/// `Link`: pagination of tag, catalog and referrers lists.
pub const LINK: &str = "link";
/// `Location`: where an upload continues or where pushed content lives.
pub const LOCATION: &str = "location";
/// `OCI-Chunk-Min-Length`: smallest chunk a registry accepts in a chunked upload.
pub const OCI_CHUNK_MIN_LENGTH: &str = "oci-chunk-min-length";
/// `OCI-Filters-Applied`: filters the registry applied to a referrers list.
pub const OCI_FILTERS_APPLIED: &str = "oci-filters-applied";
/// `OCI-Subject`: digest of the subject a pushed manifest refers to.
pub const OCI_SUBJECT: &str = "oci-subject";
/// `Range`: upload progress (registry) or requested bytes (client GET).
pub const RANGE: &str = "range";
/// `RateLimit-Limit`: Docker Hub's pull quota.
pub const RATELIMIT_LIMIT: &str = "ratelimit-limit";
/// `RateLimit-Remaining`: Docker Hub's remaining pulls.
pub const RATELIMIT_REMAINING: &str = "ratelimit-remaining";
/// `Retry-After`: how long to wait before retrying.
pub const RETRY_AFTER: &str = "retry-after";
/// `WWW-Authenticate`: authentication challenges.
pub const WWW_AUTHENTICATE: &str = "www-authenticate";

/// Response headers a registry serving browsers should list in `Access-Control-Expose-Headers`.
pub const EXPOSED_TO_BROWSERS: &[&str] = &[
    CONTENT_LENGTH,
    CONTENT_RANGE,
    CONTENT_TYPE,
    DOCKER_CONTENT_DIGEST,
    DOCKER_DISTRIBUTION_API_VERSION,
    DOCKER_UPLOAD_UUID,
    ETAG,
    LINK,
    LOCATION,
    OCI_CHUNK_MIN_LENGTH,
    OCI_FILTERS_APPLIED,
    OCI_SUBJECT,
    RANGE,
    RATELIMIT_LIMIT,
    RATELIMIT_REMAINING,
    RETRY_AFTER,
    WWW_AUTHENTICATE,
];

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn names_are_lowercase_tokens() {
        for name in EXPOSED_TO_BROWSERS
            .iter()
            .chain([ACCEPT, AUTHORIZATION].iter())
        {
            assert!(!name.is_empty());
            assert!(name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'));
        }
    }
}
