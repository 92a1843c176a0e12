//! Forwarding to upstream registries (`--upstream NAME=URL`): the behaviour suite through the
//! forwarder against CNCF distribution behind htpasswd and against ociscope-server behind
//! bearer tokens (the realm rewritten, the token fetched through the forwarder), blob
//! downloads redirected to another origin followed by the server, skopeo push and pull, the
//! refusals (unconfigured upstream, absolute-URL and `..` tricks, unannounced paths), the
//! concurrency limit and timeout, and a 256 MiB blob streamed with the server's memory flat.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use ociscope_core::client::{Credentials, Options};
use ociscope_core::memory::MemoryRegistry;
use ociscope_server::{spawn, AuthMode, Config, Upstream};
use ociscope_spec_suite::{run_all, Capabilities, Ctx};

fn forwarder(upstreams: &[(&str, &str)]) -> ociscope_server::Running {
    let config = Config {
        upstreams: upstreams
            .iter()
            .map(|(n, u)| format!("{n}={u}").parse::<Upstream>().unwrap())
            .collect(),
        ..Config::default()
    };
    server(config)
}

/// Runs the behaviour suite against `spec` and prints its report.
fn run_suite(spec: &impl ociscope_core::spec::Spec, ctx: &Ctx) -> ociscope_spec_suite::Report {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = rt.block_on(run_all(spec, ctx));
    println!("{report}");
    report
}

#[test]
fn suite_through_the_forwarder_against_htpasswd_distribution() {
    let dist = Distribution::with_htpasswd();
    let fwd = forwarder(&[("dist", &dist.url)]);
    // The preflight distribution answers 401 is answered by the forwarder.
    let r = request(
        "OPTIONS",
        &format!("{}/upstream/dist/v2/", fwd.url()),
        &[
            ("origin", "http://app.example"),
            ("access-control-request-method", "GET"),
            ("access-control-request-headers", "authorization"),
        ],
        Bytes::new(),
    );
    assert_eq!(r.status, 204);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://app.example")
    );
    let direct = request(
        "OPTIONS",
        &format!("{}/v2/", dist.url),
        &[("origin", "http://app.example")],
        Bytes::new(),
    );
    assert_eq!(direct.status, 401, "distribution itself refuses preflights");
    // Without credentials, the upstream's 401 comes through with CORS.
    let r = request(
        "GET",
        &format!("{}/upstream/dist/v2/", fwd.url()),
        &[("origin", "http://app.example")],
        Bytes::new(),
    );
    assert_eq!(r.status, 401);
    assert!(r.header("www-authenticate").unwrap().starts_with("Basic"));
    assert!(r.header("access-control-expose-headers").is_some());

    let options = Options {
        credentials: Credentials::basic("suite", HTPASSWD_PASSWORD),
        ..Options::default()
    };
    let spec = ociscope_native::connect(&format!("{}/upstream/dist", fwd.url()), options).unwrap();
    let ctx = Ctx::new("fwd-htpasswd").with_capabilities(Capabilities::cncf_distribution());
    let report = run_suite(&spec, &ctx);
    assert!(report.is_success(), "{report}");
}

#[test]
fn suite_through_the_forwarder_against_bearer_tokens() {
    let upstream = spawn(
        "127.0.0.1:0",
        MemoryRegistry::new,
        Config {
            auth: AuthMode::Bearer,
            users: vec!["suite:secret".parse().unwrap()],
            ..Config::default()
        },
    )
    .unwrap();
    let fwd = forwarder(&[("tok", &upstream.url())]);
    let r = get(&format!("{}/upstream/tok/v2/", fwd.url()));
    assert_eq!(r.status, 401);
    let challenge = r.header("www-authenticate").unwrap();
    let realm = format!("realm=\"{}/upstream/tok/token\"", fwd.url());
    assert!(challenge.contains(&realm), "{challenge}");
    // The token endpoint is forwarded once announced; the token works through the forwarder.
    let basic = ociscope_server::basic_authorization("suite", "secret");
    let t = request(
        "GET",
        &format!(
            "{}/upstream/tok/token?service=ociscope&scope=registry:catalog:*",
            fwd.url()
        ),
        &[("authorization", &basic)],
        Bytes::new(),
    );
    assert_eq!(t.status, 200, "{}", t.text());
    let token = t.json()["token"].as_str().unwrap().to_string();
    let c = request(
        "GET",
        &format!("{}/upstream/tok/v2/_catalog", fwd.url()),
        &[("authorization", &format!("Bearer {token}"))],
        Bytes::new(),
    );
    assert_eq!(c.status, 200, "{}", c.text());

    let options = Options {
        credentials: Credentials::basic("suite", "secret"),
        ..Options::default()
    };
    let spec = ociscope_native::connect(&format!("{}/upstream/tok", fwd.url()), options).unwrap();
    let ctx = Ctx::new("fwd-bearer").with_capabilities(Capabilities::all());
    let report = run_suite(&spec, &ctx);
    assert!(report.is_success(), "{report}");
}

/// A registry front that answers every request with a 307 to the same path on `target` (an
/// origin of its own, with no CORS), as registries redirect blobs to object storage.
fn redirector(target: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let text = String::from_utf8_lossy(&head);
            let path = text.split(' ').nth(1).unwrap_or("/").to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: {target}{path}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    url
}

#[test]
fn redirects_to_another_origin_are_followed_by_the_server() {
    let storage = server(Config::default());
    let img = Image::new("redirected", None, None);
    img.push(&storage.url(), "r/img", "v1");
    // Another origin for the same server: `localhost` instead of 127.0.0.1.
    let other_origin = format!("http://localhost:{}", storage.addr().port());
    let front = redirector(other_origin);
    let fwd = forwarder(&[("red", &front)]);
    for blob in img.blobs() {
        let r = get(&format!(
            "{}/upstream/red/v2/r/img/blobs/{}",
            fwd.url(),
            sha256(blob)
        ));
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(&r.body, blob);
        assert!(r.header("location").is_none());
    }
    let r = request(
        "GET",
        &format!("{}/upstream/red/v2/r/img/manifests/v1", fwd.url()),
        &[("accept", "application/vnd.oci.image.manifest.v1+json")],
        Bytes::new(),
    );
    assert_eq!((r.status, r.body.clone()), (200, img.manifest.clone()));
    assert_eq!(
        r.header("docker-content-digest"),
        Some(img.digest().as_str())
    );
}

fn skopeo(args: &[&str]) -> String {
    let out = Command::new("skopeo")
        .args(args)
        .output()
        .expect("skopeo runs (Debian package skopeo)");
    assert!(
        out.status.success(),
        "skopeo {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn skopeo_pushes_and_pulls_through_the_forwarder() {
    let dist = Distribution::start();
    let fwd = forwarder(&[("dist", &dist.url)]);
    let tmp = TempDir::new("fwd-skopeo");
    let src = tmp.path().join("src");
    let img = Image::new("fwd-skopeo", None, None);
    img.write_layout(&src, "v1");
    let dest = format!("docker://{}/upstream/dist/skopeo/test:v1", fwd.addr());
    skopeo(&[
        "copy",
        "--preserve-digests",
        "--dest-tls-verify=false",
        &format!("oci:{}:v1", src.display()),
        &dest,
    ]);
    // It landed in the upstream, under the repository without the prefix.
    let r = request(
        "GET",
        &format!("{}/v2/skopeo/test/manifests/v1", dist.url),
        &[("accept", "application/vnd.oci.image.manifest.v1+json")],
        Bytes::new(),
    );
    assert_eq!((r.status, r.body.clone()), (200, img.manifest.clone()));
    let back = tmp.path().join("back");
    skopeo(&[
        "copy",
        "--preserve-digests",
        "--src-tls-verify=false",
        &dest,
        &format!("oci:{}:v1", back.display()),
    ]);
    for blob in img.blobs() {
        let d = sha256(blob);
        let copied = std::fs::read(back.join("blobs/sha256").join(&d["sha256:".len()..])).unwrap();
        assert_eq!(&copied, blob);
    }
}

#[test]
fn only_configured_upstreams_are_reachable() {
    let upstream = server(Config::default());
    Image::new("secret", None, None).push(&upstream.url(), "private/img", "v1");
    let fwd = forwarder(&[("up", &upstream.url())]);
    let ok = get(&format!("{}/upstream/up/v2/_catalog", fwd.url()));
    assert_eq!(ok.status, 200);
    assert!(ok.text().contains("private/img"));
    let listing = get(&format!("{}/upstreams", fwd.url())).json();
    assert_eq!(listing["upstreams"][0]["name"], "up");
    assert_eq!(listing["upstreams"][0]["path"], "/upstream/up");
    assert!(!listing.to_string().contains(&upstream.addr().to_string()));

    let r = get(&format!("{}/upstream/other/v2/_catalog", fwd.url()));
    assert_eq!(r.status, 404, "{}", r.text());
    assert!(r.text().contains("no upstream named"));
    // Only /v2/ is forwarded (the upstream's token or app paths are not reachable).
    assert_eq!(get(&format!("{}/upstream/up/token", fwd.url())).status, 404);
    let addr = fwd.addr().to_string();
    let up = upstream.addr().to_string();
    for raw in [
        // Absolute-form request naming the upstream: answered locally, never forwarded.
        format!("GET http://{up}/v2/_catalog HTTP/1.1\r\nHost: {up}\r\nConnection: close\r\n\r\n"),
        // Host header naming the upstream: answered locally.
        format!("GET /v2/_catalog HTTP/1.1\r\nHost: {up}\r\nConnection: close\r\n\r\n"),
    ] {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.write_all(raw.as_bytes()).unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        assert!(out.starts_with("HTTP/1.1 200"), "{out}");
        assert!(!out.contains("private/img"), "forwarded: {out}");
    }
    for raw in [
        "GET /upstream/up/v2/../../token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /upstream/up/v2/%2e%2e/%2E%2E/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ] {
        let head = raw_head(&addr, raw.as_bytes());
        assert!(head.starts_with("HTTP/1.1 400"), "{raw}: {head}");
    }
}

#[test]
fn concurrency_limit_and_timeout() {
    // An upstream that accepts connections and never answers; says when it accepted one.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    let (accepted, on_accept) = std::sync::mpsc::channel();
    let held = std::thread::spawn(move || {
        let mut open = Vec::new();
        for s in silent.incoming().take(1) {
            open.push(s);
            let _ = accepted.send(());
        }
        std::thread::sleep(Duration::from_secs(4));
    });
    let fwd = server(Config {
        upstreams: vec![format!("slow={silent_url}").parse().unwrap()],
        upstream_timeout: Duration::from_secs(2),
        upstream_max_concurrent: 1,
        ..Config::default()
    });
    let url = format!("{}/upstream/slow/v2/", fwd.url());
    let first = {
        let url = url.clone();
        std::thread::spawn(move || get(&url))
    };
    // Once the first request is at the upstream, a second one is over the limit.
    on_accept
        .recv_timeout(Duration::from_secs(5))
        .expect("the first request reaches the upstream");
    let limited = Some(get(&url)).filter(|r| r.status == 429);
    let limited = limited.expect("a second request while one is in flight answers 429");
    assert_eq!(limited.code(), "TOOMANYREQUESTS");
    assert_eq!(limited.header("retry-after"), Some("1"));
    let first = first.join().unwrap();
    assert_eq!(first.status, 504, "{}", first.text());
    assert!(first.text().contains("did not answer within 2 s"));
    drop(held);
}

/// Peak resident memory of a process, in KiB (VmHWM).
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn a_256_mib_blob_streams_both_ways_with_memory_flat() {
    // The upstream keeps the blob in memory (of the test process), so no disk is used.
    let dist = server(Config::default());
    let fwd = Binary::start(&["--upstream", &format!("dist={}", dist.url())]);
    let before = peak_rss_kib(fwd.child.id());
    let size = 256 * 1024 * 1024;
    let blob: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    let digest = sha256(&blob);
    let start = request(
        "POST",
        &format!("{}/upstream/dist/v2/big/blob/blobs/uploads/", fwd.url),
        &[],
        Bytes::new(),
    );
    assert_eq!(start.status, 202, "{}", start.text());
    let location = start.header("location").unwrap().to_string();
    assert!(
        location.starts_with(&format!("{}/upstream/dist/v2/", fwd.url)),
        "{location}"
    );
    let sep = if location.contains('?') { '&' } else { '?' };
    let t = Instant::now();
    let put = request(
        "PUT",
        &format!("{location}{sep}digest={digest}"),
        &[("content-type", "application/octet-stream")],
        blob,
    );
    assert_eq!(put.status, 201, "{}", put.text());
    let up = t.elapsed();
    let t = Instant::now();
    let got = get(&format!(
        "{}/upstream/dist/v2/big/blob/blobs/{digest}",
        fwd.url
    ));
    assert_eq!(got.status, 200);
    assert_eq!(sha256(&got.body), digest);
    let down = t.elapsed();
    let t = Instant::now();
    let direct = get(&format!("{}/v2/big/blob/blobs/{digest}", dist.url()));
    assert_eq!(direct.body.len(), size);
    let direct_down = t.elapsed();
    let after = peak_rss_kib(fwd.child.id());
    println!(
        "256 MiB through the forwarder: push {:.2} s, pull {:.2} s (directly from the upstream {:.2} s); server peak RSS {} KiB before, {} KiB after",
        up.as_secs_f64(),
        down.as_secs_f64(),
        direct_down.as_secs_f64(),
        before,
        after
    );
    assert!(
        after < before + 64 * 1024,
        "server memory grew from {before} KiB to {after} KiB"
    );
}
