//! CORS for browsers: preflight answers and the headers every response carries.
//!
//! Decisions: every origin is allowed. Without authentication the origin is `*`; with it,
//! the request's `Origin` is echoed with `Access-Control-Allow-Credentials: true` (browsers refuse
//! `*` with credentials) and `Vary: Origin`. Preflights are answered 204 before authentication
//! (browsers never send credentials on them). Every response exposes the headers of
//! [`names::EXPOSED_TO_BROWSERS`].

use hyper::header::{HeaderMap, HeaderValue};
use hyper::{Response, StatusCode};
use ociscope_core::headers::names;

use crate::body::{empty, Body};

/// Methods allowed cross-origin.
pub const ALLOW_METHODS: &str = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
/// Request headers allowed cross-origin when the preflight does not list its own.
pub const ALLOW_HEADERS: &str =
    "authorization, accept, content-type, content-range, range, docker-content-digest";
/// How long browsers may cache a preflight answer (seconds).
pub const MAX_AGE: &str = "600";

/// Adds the CORS headers of a response to a request with these headers.
pub fn decorate(request: &HeaderMap, response: &mut HeaderMap, credentials: bool) {
    let origin = request.get("origin").cloned();
    match (credentials, origin) {
        (true, Some(origin)) => {
            response.insert("access-control-allow-origin", origin);
            response.insert(
                "access-control-allow-credentials",
                HeaderValue::from_static("true"),
            );
            response.append("vary", HeaderValue::from_static("Origin"));
        }
        _ => {
            response.insert("access-control-allow-origin", HeaderValue::from_static("*"));
        }
    }
    if let Ok(exposed) = HeaderValue::from_str(&names::EXPOSED_TO_BROWSERS.join(", ")) {
        response.insert(names::ACCESS_CONTROL_EXPOSE_HEADERS, exposed);
    }
}

/// The 204 answer to an `OPTIONS` request (a preflight or a plain capability query).
pub fn preflight(request: &HeaderMap, allow: &str, credentials: bool) -> Response<Body> {
    let mut response = Response::new(empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    let headers = response.headers_mut();
    if let Ok(allow) = HeaderValue::from_str(allow) {
        headers.insert("allow", allow);
    }
    headers.insert(
        "access-control-allow-methods",
        HeaderValue::from_static(ALLOW_METHODS),
    );
    let allow_headers = request
        .get("access-control-request-headers")
        .cloned()
        .unwrap_or(HeaderValue::from_static(ALLOW_HEADERS));
    headers.insert("access-control-allow-headers", allow_headers);
    headers.insert("access-control-max-age", HeaderValue::from_static(MAX_AGE));
    decorate(request, headers, credentials);
    response
}
