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
//! Caching: a file whose name carries its content's hash (Trunk's `name-<16 hex>` assets, and
//! their `_bg.wasm`) is `Cache-Control: public, max-age=31536000, immutable`: a new build has
//! new names. Every other file (`index.html`, the tools bundle's unhashed files, snippets) is
//! `no-cache` with a weak `ETag` of its size and modification time, so a browser keeps it but
//! asks each time, a changed build is picked up at once, and an unchanged one costs a `304`
//! (`If-None-Match`). So a second visit loads no bundle again, and the tools bundle's fixed
//! names never serve a stale build.
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

/// `Cache-Control` of a file whose name carries its content's hash.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `Cache-Control` of every other file: kept, revalidated each time.
pub const REVALIDATE: &str = "no-cache";

/// True for Trunk's hashed asset names: `stem-<16 hex>.ext` or `stem-<16 hex>_bg.wasm`.
pub fn hashed_name(file: &Path) -> bool {
    let Some(stem) = file.file_stem().and_then(|s| s.to_str()) else {
        return false;
    };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(name, hash)| {
        !name.is_empty() && hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// The weak `ETag` of a file of `len` bytes modified at `modified`.
fn etag(len: u64, modified: Option<SystemTime>) -> Option<String> {
    let since = modified?.duration_since(SystemTime::UNIX_EPOCH).ok()?;
    Some(format!("W/\"{len:x}-{:x}\"", since.as_nanos()))
}

/// True when an `If-None-Match` value names `tag` (weakly) or is `*`.
pub fn none_match(if_none_match: &str, tag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_string();
    if_none_match
        .split(',')
        .any(|t| t.trim() == "*" || bare(t) == bare(tag))
}

/// Answers a GET or HEAD of `path` from the app in `root`, gzipped when `gzip` (the client
/// accepts it) and the file is worth it, with the hardening and caching headers
/// (`connect_src` for the policy of HTML pages); `304` when `if_none_match` names the file's
/// current `ETag`.
pub async fn serve(
    root: &Path,
    path: &str,
    head: bool,
    gzip: bool,
    connect_src: &str,
    if_none_match: Option<&str>,
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
    let meta = tokio::fs::metadata(&file).await.ok();
    let modified = meta.as_ref().and_then(|m| m.modified().ok());
    let immutable = hashed_name(&file);
    let tag = meta.as_ref().and_then(|m| etag(m.len(), modified));
    let kind = content_type(&file);
    let cache = |headers: &mut hyper::HeaderMap| {
        let control = if immutable { IMMUTABLE } else { REVALIDATE };
        headers.insert("cache-control", HeaderValue::from_static(control));
        if let Some(value) = tag.as_deref().and_then(|t| HeaderValue::from_str(t).ok()) {
            headers.insert("etag", value);
        }
        if compressible(kind) {
            headers.insert("vary", HeaderValue::from_static("Accept-Encoding"));
        }
    };
    if let (Some(asked), Some(tag)) = (if_none_match, tag.as_deref()) {
        if none_match(asked, tag) {
            let mut response = Response::new(empty());
            *response.status_mut() = hyper::StatusCode::NOT_MODIFIED;
            cache(response.headers_mut());
            return response;
        }
    }
    let Ok(content) = tokio::fs::read(&file).await else {
        return not_found();
    };
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
    cache(headers);
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

        let r = rt.block_on(serve(
            &dir,
            "/app.wasm",
            false,
            true,
            DEFAULT_CONNECT_SRC,
            None,
        ));
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
            body(rt.block_on(serve(
                &dir,
                "/app.wasm",
                false,
                true,
                DEFAULT_CONNECT_SRC,
                None
            ))),
            gz
        );

        let r = rt.block_on(serve(
            &dir,
            "/app.wasm",
            false,
            false,
            DEFAULT_CONNECT_SRC,
            None,
        ));
        assert!(r.headers().get("content-encoding").is_none());
        assert_eq!(body(r), wasm);
        // Too small to be worth it.
        let r = rt.block_on(serve(
            &dir,
            "/tiny.js",
            false,
            true,
            DEFAULT_CONNECT_SRC,
            None,
        ));
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
    fn hashed_names_are_immutable_and_the_rest_revalidates() {
        use http_body_util::BodyExt;

        for hashed in [
            "ociscope-web-4385480b82418a7c.js",
            "ociscope-web-4385480b82418a7c_bg.wasm",
            "style-a703d44670ecd7b9.css",
        ] {
            assert!(hashed_name(Path::new(hashed)), "{hashed}");
        }
        for plain in [
            "index.html",
            "ociscope-tools.js",
            "ociscope-tools_bg.wasm",
            "tools_loader.js",
            "-4385480b82418a7c.js",
            "a-4385480b82418a7.js",
            "a-4385480b82418a7g.js",
        ] {
            assert!(!hashed_name(Path::new(plain)), "{plain}");
        }
        assert!(none_match("W/\"1-2\"", "W/\"1-2\""));
        assert!(none_match("\"0\", \"1-2\"", "W/\"1-2\""));
        assert!(none_match("*", "W/\"1-2\""));
        assert!(!none_match("W/\"1-3\"", "W/\"1-2\""));

        let dir = std::env::temp_dir().join(format!("ociscope-app-cache-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), b"<html></html>").unwrap();
        std::fs::write(dir.join("app-0123456789abcdef_bg.wasm"), vec![7u8; 5000]).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let get = |path: &str, asked: Option<&str>| {
            rt.block_on(serve(&dir, path, false, true, DEFAULT_CONNECT_SRC, asked))
        };

        let r = get("/app-0123456789abcdef_bg.wasm", None);
        assert_eq!(r.headers()["cache-control"], IMMUTABLE);
        let r = get("/", None);
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["cache-control"], REVALIDATE);
        let tag = r.headers()["etag"].to_str().unwrap().to_string();
        assert!(tag.starts_with("W/\""), "{tag}");
        // Asked again with its tag: 304, no body, the same caching headers.
        let r = get("/index.html", Some(&tag));
        assert_eq!(r.status(), 304);
        assert_eq!(r.headers()["etag"], tag.as_str());
        assert_eq!(r.headers()["cache-control"], REVALIDATE);
        let bytes = rt.block_on(async { r.into_body().collect().await.unwrap().to_bytes() });
        assert!(bytes.is_empty());
        // Another tag, or the file changed since: the file again.
        assert_eq!(get("/index.html", Some("W/\"0-0\"")).status(), 200);
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(dir.join("index.html"), b"<html>new build</html>").unwrap();
        let r = get("/index.html", Some(&tag));
        assert_eq!(r.status(), 200);
        assert_ne!(r.headers()["etag"], tag.as_str());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type(Path::new("x.wasm")), "application/wasm");
        assert!(content_type(Path::new("x.JS")).starts_with("text/javascript"));
        assert!(content_type(Path::new("index.html")).starts_with("text/html"));
        assert!(content_type(Path::new("a.css")).starts_with("text/css"));
    }
}
