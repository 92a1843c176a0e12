//! Fault injection: reproducible from a seed, limited by method and path, each kind visible to
//! a client as it should be.

mod common;

use common::*;
use ociscope_server::Config;

fn faulty(rules: &[&str], seed: u64) -> ociscope_server::Running {
    server(Config {
        faults: rules.iter().map(|r| r.parse().unwrap()).collect(),
        seed,
        ..Config::default()
    })
}

fn statuses(seed: u64) -> Vec<u16> {
    let s = faulty(&["429:0.3", "503:GET /v2/:0.2"], seed);
    (0..60)
        .map(|i| {
            let method = if i % 3 == 0 { "HEAD" } else { "GET" };
            request(method, &format!("{}/v2/", s.url()), &[], "").status
        })
        .collect()
}

#[test]
fn same_seed_same_faults() {
    let a = statuses(42);
    assert_eq!(a, statuses(42));
    assert_ne!(a, statuses(43));
    assert!(
        a.contains(&429) && a.contains(&503) && a.contains(&200),
        "{a:?}"
    );
    // HEAD requests never match the GET-only 503 rule.
    assert!(a.iter().step_by(3).all(|s| *s != 503), "{a:?}");
}

#[test]
fn too_many_requests_carries_retry_after() {
    let s = faulty(&["429:GET /v2/_catalog:1"], 1);
    let r = get(&format!("{}/v2/_catalog", s.url()));
    assert_eq!((r.status, r.code().as_str()), (429, "TOOMANYREQUESTS"));
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(
        get(&format!("{}/v2/", s.url())).status,
        200,
        "other paths unaffected"
    );
}

#[test]
fn cors_preflights_are_never_faulted() {
    let s = faulty(&["503:1", "reset:OPTIONS /v2/*:1"], 1);
    let url = format!("{}/v2/_catalog", s.url());
    let preflight = request(
        "OPTIONS",
        &url,
        &[
            ("origin", "http://127.0.0.1:1"),
            ("access-control-request-method", "GET"),
        ],
        "",
    );
    assert_eq!(preflight.status, 204);
    assert_eq!(get(&url).status, 503, "the request itself still is");
}

#[test]
fn reset_drops_the_connection_mid_request() {
    let s = faulty(&["reset:PATCH /v2/*/blobs/uploads/*:1"], 1);
    let base = s.url();
    let r = request("POST", &format!("{base}/v2/f/blobs/uploads/"), &[], "");
    assert_eq!(r.status, 202);
    let url = format!("{base}{}", r.header("location").unwrap());
    let err = try_request("PATCH", &url, &[], vec![1u8; 100_000]).unwrap_err();
    assert!(!err.is_empty());
    assert_eq!(get(&url).header("range"), Some("0-0"), "nothing written");
}

#[test]
fn truncate_and_corrupt_blob_bodies() {
    let blob: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
    let d = sha256(&blob);
    let s = faulty(
        &[
            "truncate:GET /v2/t/blobs/*:1",
            "corrupt:GET /v2/c/blobs/*:1",
        ],
        1,
    );
    let base = s.url();
    for repo in ["t", "c", "ok"] {
        let r = request(
            "POST",
            &format!("{base}/v2/{repo}/blobs/uploads/?digest={d}"),
            &[],
            blob.clone(),
        );
        assert_eq!(r.status, 201);
    }
    assert!(
        try_request("GET", &format!("{base}/v2/t/blobs/{d}"), &[], "").is_err(),
        "truncated body is an error"
    );
    let r = get(&format!("{base}/v2/c/blobs/{d}"));
    assert_eq!(r.body.len(), blob.len());
    assert_ne!(r.body[0], blob[0]);
    assert_eq!(&r.body[1..], &blob[1..]);
    assert_ne!(sha256(&r.body), d);
    assert_eq!(get(&format!("{base}/v2/ok/blobs/{d}")).body, blob);
    // HEAD has no body to alter.
    assert_eq!(
        request("HEAD", &format!("{base}/v2/t/blobs/{d}"), &[], "").status,
        200
    );
}
