//! Serving a built web app (Trunk's `dist/`) beside the registry API.
//!
//! Decisions: only GET and HEAD; paths are percent-decoded and refused when a segment is `.`,
//! `..`, empty in the middle, or holds `\` or NUL; the file found must resolve (symlinks
//! followed) inside the app directory. A directory serves its `index.html`. A missing path
//! whose last segment has no extension (a client-side route like `/repos/library/alpine`)
//! serves `/index.html` (SPA fallback); a missing file with an extension is a 404, so a broken
//! asset link is not masked by HTML.

use std::path::{Path, PathBuf};

use hyper::header::HeaderValue;
use hyper::{Response, StatusCode};

use crate::body::{empty, full, Body};
use crate::route::percent_decode;

/// The content type of a file name, by extension.
pub fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        _ => "application/octet-stream",
    }
}

/// The safe relative path of a request path, or `None` when it tries to leave the root.
pub fn safe_relative(path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(path)?;
    let trimmed = decoded.strip_prefix('/').unwrap_or(&decoded);
    let mut out = PathBuf::new();
    let segments: Vec<&str> = trimmed.split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        if segment.is_empty() && i + 1 == segments.len() {
            continue;
        }
        if segment.is_empty()
            || *segment == "."
            || *segment == ".."
            || segment.contains(['\\', '\0'])
            || segment.contains(':')
        {
            return None;
        }
        out.push(segment);
    }
    Some(out)
}

fn not_found() -> Response<Body> {
    let mut r = Response::new(full("not found\n"));
    *r.status_mut() = StatusCode::NOT_FOUND;
    r.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

async fn file_inside(root: &Path, relative: &Path) -> Option<PathBuf> {
    let root = tokio::fs::canonicalize(root).await.ok()?;
    let mut candidate = tokio::fs::canonicalize(root.join(relative)).await.ok()?;
    if !candidate.starts_with(&root) {
        return None;
    }
    if tokio::fs::metadata(&candidate).await.ok()?.is_dir() {
        candidate = tokio::fs::canonicalize(candidate.join("index.html"))
            .await
            .ok()?;
        if !candidate.starts_with(&root) {
            return None;
        }
    }
    tokio::fs::metadata(&candidate)
        .await
        .ok()?
        .is_file()
        .then_some(candidate)
}

/// Answers a GET or HEAD of `path` from the app in `root`.
pub async fn serve(root: &Path, path: &str, head: bool) -> Response<Body> {
    let Some(relative) = safe_relative(path) else {
        return not_found();
    };
    let found = match file_inside(root, &relative).await {
        Some(file) => Some(file),
        None if relative.extension().is_none() => file_inside(root, Path::new("index.html")).await,
        None => None,
    };
    let Some(file) = found else {
        return not_found();
    };
    let Ok(content) = tokio::fs::read(&file).await else {
        return not_found();
    };
    let len = content.len();
    let mut response = Response::new(if head { empty() } else { full(content) });
    let headers = response.headers_mut();
    headers.insert(
        "content-type",
        HeaderValue::from_static(content_type(&file)),
    );
    headers.insert("content-length", HeaderValue::from(len));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_traversal() {
        assert_eq!(safe_relative("/"), Some(PathBuf::new()));
        assert_eq!(safe_relative("/a/b.js"), Some(PathBuf::from("a/b.js")));
        assert_eq!(safe_relative("/dir/"), Some(PathBuf::from("dir")));
        for bad in [
            "/../etc/passwd",
            "/a/%2e%2e/b",
            "/a//b",
            "/a/./b",
            "/a\\..\\b",
            "/%00",
            "/c:/x",
            "/%zz",
        ] {
            assert_eq!(safe_relative(bad), None, "{bad}");
        }
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type(Path::new("x.wasm")), "application/wasm");
        assert!(content_type(Path::new("x.JS")).starts_with("text/javascript"));
        assert!(content_type(Path::new("index.html")).starts_with("text/html"));
        assert!(content_type(Path::new("a.css")).starts_with("text/css"));
    }
}
