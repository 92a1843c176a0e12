//! Serving a built web app (Trunk's `dist/`) beside the registry API.
//!
//! Decisions: only GET and HEAD; paths are percent-decoded and refused when a segment is `.`,
//! `..`, empty in the middle, or holds `\` or NUL; the file found must resolve (symlinks
//! followed) inside the app directory. A directory serves its `index.html`. A missing path
//! whose last segment has no extension (a client-side route like `/repos/library/alpine`)
//! serves `/index.html` (SPA fallback); a missing file with an extension is a 404, so a broken
//! asset link is not masked by HTML. Text and wasm files are sent gzip-compressed to clients
//! that accept it (the app's wasm shrinks to about 40 %), compressed once per file version and
//! kept in memory (the server is single-threaded: a thread-local cache).
//!
//! Hardening: every app response carries `X-Content-Type-Options: nosniff`,
//! `Referrer-Policy: no-referrer` (registry URLs in the app's query never leak to other sites)
//! and `X-Frame-Options: DENY`; HTML carries a strict `Content-Security-Policy`: scripts only
//! from the server itself plus `'wasm-unsafe-eval'` (to instantiate the app's wasm) and the
//! sha256 hashes of the inline scripts the built `index.html` holds (Trunk's loader), computed
//! from that file when a page is served (the same policy for every HTML file, so an inline
//! script in any other page is blocked); `connect-src` the server itself and the registries the operator
//! allows (`--connect-src`, any `http:`/`https:` origin by default); no plugins, no base-URI
//! changes, no framing (`frame-ancestors 'none'`). Styles allow inline attributes (the app
//! sets `style=` on elements); scripts never run inline unless hashed.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use bytes::Bytes;
use flate2::write::GzEncoder;
use flate2::Compression;

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

/// Smallest file worth compressing.
const MIN_GZIP_LEN: usize = 1024;

/// True for content types that compress well (text, JSON, SVG, wasm).
fn compressible(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || matches!(
            content_type,
            "application/wasm" | "application/json" | "image/svg+xml"
        )
}

/// True when an `Accept-Encoding` value accepts gzip (a `q=0` refuses it).
pub fn accepts_gzip(accept_encoding: &str) -> bool {
    accept_encoding.split(',').any(|part| {
        let mut fields = part.split(';').map(str::trim);
        let coding = fields.next().unwrap_or("");
        let refused = fields.any(|f| {
            f.strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q == 0.0)
        });
        (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
    })
}

/// A gzipped file: the modification time and length it was made from, and the bytes.
type Gzipped = (Option<SystemTime>, usize, Bytes);

thread_local! {
    /// Gzipped files by path.
    static GZIPPED: RefCell<HashMap<PathBuf, Gzipped>> = RefCell::new(HashMap::new());
}

/// `content` of `file` gzipped, from the cache when the file has not changed.
fn gzipped(file: &Path, modified: Option<SystemTime>, content: &[u8]) -> Option<Bytes> {
    let hit = GZIPPED.with(|cache| {
        cache
            .borrow()
            .get(file)
            .filter(|(m, len, _)| *m == modified && *len == content.len())
            .map(|(_, _, gz)| gz.clone())
    });
    if hit.is_some() {
        return hit;
    }
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(content).ok()?;
    let gz = Bytes::from(encoder.finish().ok()?);
    GZIPPED.with(|cache| {
        cache
            .borrow_mut()
            .insert(file.to_path_buf(), (modified, content.len(), gz.clone()))
    });
    Some(gz)
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

/// `connect-src` sources when the operator names none: the server and any registry.
pub const DEFAULT_CONNECT_SRC: &str = "'self' http: https:";

/// The text of each inline `<script>` (one without `src=`) of an HTML document.
pub fn inline_scripts(html: &str) -> Vec<&str> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(open) = lower
        .get(at..)
        .and_then(|r| r.find("<script"))
        .map(|i| i + at)
    {
        let Some(tag_end) = lower
            .get(open..)
            .and_then(|r| r.find('>'))
            .map(|i| i + open)
        else {
            break;
        };
        let Some(close) = lower
            .get(tag_end..)
            .and_then(|r| r.find("</script"))
            .map(|i| i + tag_end)
        else {
            break;
        };
        let tag = lower.get(open..tag_end).unwrap_or("");
        if !tag.contains(" src=") {
            if let Some(body) = html.get(tag_end + 1..close) {
                out.push(body);
            }
        }
        at = close;
    }
    out
}

/// The `Content-Security-Policy` of an app page with this HTML.
pub fn content_security_policy(html: &str, connect_src: &str) -> String {
    let hashes: String = inline_scripts(html)
        .into_iter()
        .filter_map(|script| {
            let digest = ociscope_core::digest::Digest::sha256_of(script.as_bytes());
            let hex = digest.encoded();
            let bytes: Option<Vec<u8>> = (0..hex.len() / 2)
                .map(|i| {
                    hex.get(2 * i..2 * i + 2)
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                })
                .collect();
            bytes.map(|b| format!(" 'sha256-{}'", crate::auth::base64_encode(&b)))
        })
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; \
         connect-src {connect_src}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Answers a GET or HEAD of `path` from the app in `root`, gzipped when `gzip` (the client
/// accepts it) and the file is worth it, with the hardening headers (`connect_src` for the
/// policy of HTML pages).
pub async fn serve(
    root: &Path,
    path: &str,
    head: bool,
    gzip: bool,
    connect_src: &str,
) -> Response<Body> {
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
    let kind = content_type(&file);
    // Hashes come from the app's own index.html only: another HTML file in the folder gets
    // the same policy, so an inline script injected anywhere else does not run.
    let policy = if kind.starts_with("text/html") {
        let index = tokio::fs::read(root.join("index.html"))
            .await
            .unwrap_or_default();
        Some(content_security_policy(
            &String::from_utf8_lossy(&index),
            connect_src,
        ))
    } else {
        None
    };
    let worth = compressible(kind) && content.len() >= MIN_GZIP_LEN;
    let modified = tokio::fs::metadata(&file)
        .await
        .ok()
        .and_then(|m| m.modified().ok());
    let (body, encoded) = match (gzip && worth)
        .then(|| gzipped(&file, modified, &content))
        .flatten()
    {
        Some(gz) => (gz, true),
        None => (Bytes::from(content), false),
    };
    let len = body.len();
    let mut response = Response::new(if head { empty() } else { full(body) });
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static(kind));
    headers.insert("content-length", HeaderValue::from(len));
    if worth {
        headers.insert("vary", HeaderValue::from_static("Accept-Encoding"));
    }
    if encoded {
        headers.insert("content-encoding", HeaderValue::from_static("gzip"));
    }
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    if let Some(value) = policy.and_then(|p| HeaderValue::from_str(&p).ok()) {
        headers.insert("content-security-policy", value);
    }
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
    fn gzip_only_when_accepted() {
        assert!(accepts_gzip("gzip, deflate, br, zstd"));
        assert!(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts_gzip("*"));
        assert!(!accepts_gzip("identity"));
        assert!(!accepts_gzip("gzip;q=0, br"));
        assert!(!accepts_gzip(""));
    }

    #[test]
    fn serves_wasm_gzipped_to_who_accepts_it_and_plain_otherwise() {
        use http_body_util::BodyExt;
        use std::io::Read;

        let dir = std::env::temp_dir().join(format!("ociscope-app-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let wasm: Vec<u8> = (0..100_000u32).map(|i| (i % 7) as u8).collect();
        std::fs::write(dir.join("app.wasm"), &wasm).unwrap();
        std::fs::write(dir.join("tiny.js"), b"x").unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let body = |r: Response<Body>| {
            rt.block_on(async { r.into_body().collect().await.unwrap().to_bytes() })
        };

        let r = rt.block_on(serve(&dir, "/app.wasm", false, true, DEFAULT_CONNECT_SRC));
        assert_eq!(r.headers()["content-encoding"], "gzip");
        assert_eq!(r.headers()["vary"], "Accept-Encoding");
        let gz = body(r);
        assert!(gz.len() < wasm.len() / 10, "{} bytes", gz.len());
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain, wasm);
        // Served again from the cache: the same bytes.
        assert_eq!(
            body(rt.block_on(serve(&dir, "/app.wasm", false, true, DEFAULT_CONNECT_SRC))),
            gz
        );

        let r = rt.block_on(serve(&dir, "/app.wasm", false, false, DEFAULT_CONNECT_SRC));
        assert!(r.headers().get("content-encoding").is_none());
        assert_eq!(body(r), wasm);
        // Too small to be worth it.
        let r = rt.block_on(serve(&dir, "/tiny.js", false, true, DEFAULT_CONNECT_SRC));
        assert!(r.headers().get("content-encoding").is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn policy_hashes_inline_scripts_only() {
        let html = "<html><head><script src=\"/a.js\"></script>\
                    <script type=\"module\">import init from '/x.js';init('/x.wasm');</script>\
                    </head><body><SCRIPT>alert(1)</SCRIPT></body></html>";
        let scripts = inline_scripts(html);
        assert_eq!(
            scripts,
            vec!["import init from '/x.js';init('/x.wasm');", "alert(1)"]
        );
        let csp = content_security_policy("<script>alert(1)</script>", "'self'");
        // sha256 of "alert(1)", base64 (as browsers compute it).
        assert!(
            csp.contains("'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"),
            "{csp}"
        );
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"));
        assert!(csp.contains("connect-src 'self';"));
        assert!(csp.contains("frame-ancestors 'none'"));
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type(Path::new("x.wasm")), "application/wasm");
        assert!(content_type(Path::new("x.JS")).starts_with("text/javascript"));
        assert!(content_type(Path::new("index.html")).starts_with("text/html"));
        assert!(content_type(Path::new("a.css")).starts_with("text/css"));
    }
}
