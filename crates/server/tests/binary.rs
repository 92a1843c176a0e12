//! The built binary: prints its URL, serves `/v2/` and the web app with SPA fallback and no
//! path traversal, applies its flags, and stops cleanly on SIGTERM and SIGINT.

mod common;

use std::time::{Duration, Instant};

use common::*;

/// A temp dir holding `app/` (the web app) and `secret` beside it.
fn app_dir() -> TempDir {
    let dir = TempDir::new("app");
    let p = &dir.path().join("app");
    std::fs::create_dir_all(p).unwrap();
    std::fs::write(
        p.join("index.html"),
        "<!doctype html><title>ociscope</title>",
    )
    .unwrap();
    std::fs::write(p.join("app-1a2b.js"), "export const x = 1;").unwrap();
    std::fs::write(p.join("app-1a2b_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(p.join("style.css"), "body{}").unwrap();
    std::fs::create_dir_all(p.join("sub")).unwrap();
    std::fs::write(p.join("sub/index.html"), "sub index").unwrap();
    // A secret beside the app directory, which traversal must not reach.
    std::fs::write(dir.path().join("secret"), "secret").unwrap();
    dir
}

#[test]
fn serves_app_beside_registry() {
    let dir = app_dir();
    let bin = Binary::start(&["--app", dir.path().join("app").to_str().unwrap()]);
    let base = &bin.url;
    assert_eq!(
        get(&format!("{base}/v2/")).header("docker-distribution-api-version"),
        Some("registry/2.0")
    );
    let r = get(&format!("{base}/"));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(r.text().contains("<title>ociscope"));
    for (path, ct) in [
        ("/app-1a2b.js", "text/javascript; charset=utf-8"),
        ("/app-1a2b_bg.wasm", "application/wasm"),
        ("/style.css", "text/css; charset=utf-8"),
    ] {
        let r = get(&format!("{base}{path}"));
        assert_eq!(
            (r.status, r.header("content-type")),
            (200, Some(ct)),
            "{path}"
        );
    }
    assert_eq!(get(&format!("{base}/sub/")).text(), "sub index");
    // SPA fallback for client-side routes; a missing asset is a 404.
    let r = get(&format!("{base}/repos/library/alpine"));
    assert_eq!(r.status, 200);
    assert!(r.text().contains("<title>ociscope"));
    assert_eq!(get(&format!("{base}/missing.js")).status, 404);
    // No way out of the directory.
    let addr = bin.url.trim_start_matches("http://").to_string();
    for path in [
        "/../secret",
        "/%2e%2e/secret",
        "/sub/..%2f..%2fsecret",
        "/sub/../../secret",
    ] {
        let head = raw_head(
            &addr,
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
        );
        assert!(
            head.starts_with("HTTP/1.1 404") || head.starts_with("HTTP/1.1 400"),
            "{path}: {head}"
        );
    }
    // The registry still answers under /v2/ and non-GET methods on the app are refused.
    assert_eq!(get(&format!("{base}/v2/none/tags/list")).status, 404);
    assert_eq!(
        request("POST", &format!("{base}/index.html"), &[], "").status,
        405
    );
}

fn stops_on(signal: &str) {
    let mut bin = Binary::start(&[]);
    assert_eq!(get(&format!("{}/v2/", bin.url)).status, 200);
    let pid = bin.child.id().to_string();
    let status = std::process::Command::new("kill")
        .args([signal, &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = bin.child.try_wait().unwrap() {
            assert!(status.success(), "exit status after {signal}: {status}");
            break;
        }
        assert!(Instant::now() < deadline, "still running after {signal}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn stops_cleanly_on_sigterm() {
    stops_on("-TERM");
}

#[test]
fn stops_cleanly_on_sigint() {
    stops_on("-INT");
}

#[test]
fn flags_configure_auth_and_faults() {
    let bin = Binary::start(&[
        "--basic-auth",
        "u:p",
        "--fault",
        "503:GET /v2/_catalog:1",
        "--seed",
        "5",
    ]);
    assert_eq!(get(&format!("{}/v2/", bin.url)).status, 401);
    let auth = ociscope_server::basic_authorization("u", "p");
    assert_eq!(
        request(
            "GET",
            &format!("{}/v2/", bin.url),
            &[("authorization", &auth)],
            ""
        )
        .status,
        200
    );
    assert_eq!(
        request(
            "GET",
            &format!("{}/v2/_catalog", bin.url),
            &[("authorization", &auth)],
            ""
        )
        .status,
        503
    );
    // Bad flags are refused with a message.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ociscope-server"))
        .args(["--listen", "127.0.0.1:0", "--fault", "418:0.5"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown fault kind"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ociscope-server"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--listen",
        "--basic-auth",
        "--token-auth",
        "--grant",
        "--fault",
        "--seed",
        "--app",
    ] {
        assert!(help.contains(flag), "{flag} in --help");
    }
}
