//! Bad input gets the spec's error code, and nothing is stored half-way: after each family of
//! bad requests the catalog, tags and blobs are checked to be unchanged.

mod common;

use common::*;
use ociscope_server::Config;

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// Everything visible: catalog, and each repository's tags.
fn snapshot(base: &str) -> String {
    let cat = get(&format!("{base}/v2/_catalog")).json();
    let mut out = cat.to_string();
    for repo in cat["repositories"].as_array().unwrap() {
        let tags = get(&format!("{base}/v2/{}/tags/list", repo.as_str().unwrap()));
        out.push_str(&tags.text());
    }
    out
}

fn seeded() -> (ociscope_server::Running, Image) {
    let s = server(Config {
        max_blob_size: 4096,
        ..Config::default()
    });
    let img = Image::new("base", None, None);
    img.push(&s.url(), "repo", "v1");
    (s, img)
}

#[test]
fn malformed_names() {
    let (s, _) = seeded();
    let base = s.url();
    let before = snapshot(&base);
    let long = "a".repeat(256);
    for name in ["UPPER", "a..b", "-a", "a/", "a__-b", "x%20y", long.as_str()] {
        for (method, path) in [
            ("GET", format!("/v2/{name}/tags/list")),
            ("GET", format!("/v2/{name}/manifests/latest")),
            ("PUT", format!("/v2/{name}/manifests/latest")),
            ("POST", format!("/v2/{name}/blobs/uploads/")),
            ("GET", format!("/v2/{name}/blobs/{}", sha256(b"x"))),
        ] {
            let r = request(
                method,
                &format!("{base}{path}"),
                &[("content-type", OCI_MANIFEST)],
                "{}",
            );
            assert_eq!(
                (r.status, r.code().as_str()),
                (400, "NAME_INVALID"),
                "{method} {path}"
            );
        }
    }
    // 255 characters is still a valid name (unknown here).
    let ok = "a".repeat(255);
    let r = get(&format!("{base}/v2/{ok}/tags/list"));
    assert_eq!((r.status, r.code().as_str()), (404, "NAME_UNKNOWN"));
    assert_eq!(snapshot(&base), before);
}

#[test]
fn malformed_digests_and_references() {
    let (s, _) = seeded();
    let base = s.url();
    let before = snapshot(&base);
    for bad in ["sha256:abc", "sha256:XYZ", "md5:0123", "sha256:"] {
        let r = get(&format!("{base}/v2/repo/blobs/{bad}"));
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "DIGEST_INVALID"),
            "{bad}"
        );
        let r = get(&format!("{base}/v2/repo/manifests/{bad}"));
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "DIGEST_INVALID"),
            "{bad}"
        );
        let r = request(
            "POST",
            &format!("{base}/v2/repo/blobs/uploads/?digest={bad}"),
            &[],
            "x",
        );
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "DIGEST_INVALID"),
            "{bad}"
        );
        let r = request(
            "POST",
            &format!("{base}/v2/repo/blobs/uploads/?mount={bad}&from=repo"),
            &[],
            "",
        );
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "DIGEST_INVALID"),
            "{bad}"
        );
    }
    let r = request(
        "PUT",
        &format!("{base}/v2/repo/manifests/-bad-tag"),
        &[("content-type", OCI_MANIFEST)],
        "{}",
    );
    assert_eq!((r.status, r.code().as_str()), (400, "MANIFEST_INVALID"));
    let r = request(
        "PUT",
        &format!("{base}/v2/repo/manifests/{}", "t".repeat(129)),
        &[("content-type", OCI_MANIFEST)],
        "{}",
    );
    assert_eq!((r.status, r.code().as_str()), (400, "MANIFEST_INVALID"));
    assert_eq!(snapshot(&base), before);
}

#[test]
fn a_tag_that_cannot_exist_is_not_found() {
    // The distribution-spec conformance suite reads `.INVALID_MANIFEST_NAME` and expects a 404
    // (CNCF distribution's answer), not a 400.
    let (s, _) = seeded();
    let base = s.url();
    for bad in [".INVALID_MANIFEST_NAME", "-bad-tag"] {
        for method in ["GET", "HEAD", "DELETE"] {
            let r = request(method, &format!("{base}/v2/repo/manifests/{bad}"), &[], "");
            assert_eq!(r.status, 404, "{method} {bad}");
            if method != "HEAD" {
                assert_eq!(r.code().as_str(), "MANIFEST_UNKNOWN", "{method} {bad}");
            }
        }
    }
    let long = "t".repeat(129);
    let r = get(&format!("{base}/v2/repo/manifests/{long}"));
    assert_eq!((r.status, r.code().as_str()), (404, "MANIFEST_UNKNOWN"));
    assert_eq!(get(&format!("{base}/v2/repo/manifests/v1")).status, 200);
}

#[test]
fn malformed_manifests_store_nothing() {
    let (s, img) = seeded();
    let base = s.url();
    let before = snapshot(&base);
    let put = |reference: &str, ct: &str, body: Vec<u8>| {
        request(
            "PUT",
            &format!("{base}/v2/repo/manifests/{reference}"),
            &[("content-type", ct)],
            body,
        )
    };
    // Not JSON, not an object, wrong schema.
    for body in [&b"not json"[..], b"[]", br#"{"schemaVersion":3}"#] {
        let r = put("bad", OCI_MANIFEST, body.to_vec());
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "MANIFEST_INVALID"),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    // Content-Type says index, document is a manifest.
    let r = put(
        "bad",
        "application/vnd.oci.image.index.v1+json",
        img.manifest.clone(),
    );
    assert_eq!((r.status, r.code().as_str()), (400, "MANIFEST_INVALID"));
    // Digest in the URL does not match the content.
    let r = put(&sha256(b"other"), OCI_MANIFEST, img.manifest.clone());
    assert_eq!((r.status, r.code().as_str()), (400, "DIGEST_INVALID"));
    // References a blob the repository does not hold.
    let other = Image::new("missing-blobs", None, None);
    let r = put("bad", OCI_MANIFEST, other.manifest.clone());
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "MANIFEST_BLOB_UNKNOWN")
    );
    assert_eq!(
        get(&format!("{base}/v2/repo/manifests/{}", other.digest())).status,
        404
    );
    assert_eq!(snapshot(&base), before);
}

#[test]
fn oversized_manifest_is_refused_before_its_body() {
    let (s, _) = seeded();
    let base = s.url();
    let before = snapshot(&base);
    // A body over 4 MiB: 413 SIZE_INVALID.
    let big = format!(
        r#"{{"schemaVersion":2,"pad":"{}"}}"#,
        "x".repeat(4 * 1024 * 1024)
    );
    let r = try_request(
        "PUT",
        &format!("{base}/v2/repo/manifests/big"),
        &[("content-type", OCI_MANIFEST)],
        big,
    );
    if let Ok(r) = r {
        // The server may answer before reading the body; the client may also see the
        // connection closed while still sending, which is fine too.
        assert_eq!((r.status, r.code().as_str()), (413, "SIZE_INVALID"));
    }
    // Declared as 5 MiB, no byte of body sent: the answer comes without waiting for it.
    let addr = s.addr().to_string();
    let head = raw_head(
        &addr,
        format!("PUT /v2/repo/manifests/big HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {OCI_MANIFEST}\r\nContent-Length: 5242880\r\n\r\n").as_bytes(),
    );
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert_eq!(snapshot(&base), before);
}

#[test]
fn oversized_blobs_and_bad_chunks() {
    let (s, _) = seeded();
    let base = s.url();
    let addr = s.addr().to_string();
    let before = snapshot(&base);
    let big = vec![7u8; 5000];
    let d = sha256(&big);
    let r = request(
        "POST",
        &format!("{base}/v2/repo/blobs/uploads/?digest={d}"),
        &[],
        big.clone(),
    );
    assert_eq!((r.status, r.code().as_str()), (413, "SIZE_INVALID"));
    assert_eq!(
        request("HEAD", &format!("{base}/v2/repo/blobs/{d}"), &[], "").status,
        404
    );
    // Chunked: the first chunk fits, the second would pass the limit.
    let r = request("POST", &format!("{base}/v2/repo/blobs/uploads/"), &[], "");
    let url = format!("{base}{}", r.header("location").unwrap());
    let path = r.header("location").unwrap().to_string();
    assert_eq!(
        request(
            "PATCH",
            &url,
            &[("content-range", "0-2999")],
            big[..3000].to_vec()
        )
        .status,
        202
    );
    let r = request(
        "PATCH",
        &url,
        &[("content-range", "3000-4999")],
        big[3000..].to_vec(),
    );
    assert_eq!((r.status, r.code().as_str()), (413, "SIZE_INVALID"));
    assert_eq!(
        get(&url).header("range"),
        Some("0-2999"),
        "nothing of the refused chunk kept"
    );
    // Malformed Content-Range.
    let r = request("PATCH", &url, &[("content-range", "abc")], "x");
    assert_eq!((r.status, r.code().as_str()), (400, "BLOB_UPLOAD_INVALID"));
    // Content-Length and Content-Range disagree (sent raw: hyper's client would not lie).
    let head = raw_head(
        &addr,
        format!("PATCH {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Range: 3000-3009\r\nContent-Length: 5\r\n\r\nhello").as_bytes(),
    );
    assert!(head.starts_with("HTTP/1.1 400"), "{head}");
    // Out-of-order final chunk.
    let r = request(
        "PUT",
        &format!("{url}?digest={d}"),
        &[("content-range", "10-19")],
        vec![7u8; 10],
    );
    assert_eq!(r.status, 416);
    assert_eq!(r.header("range"), Some("0-2999"));
    assert_eq!(get(&url).header("range"), Some("0-2999"));
    // Unknown upload ids, and an upload asked for under another repository.
    let r = get(&format!("{base}/v2/repo/blobs/uploads/no-such-upload"));
    assert_eq!((r.status, r.code().as_str()), (404, "BLOB_UPLOAD_UNKNOWN"));
    assert_eq!(snapshot(&base), before);
    let id = path.rsplit('/').next().unwrap();
    let other = Image::new("o", None, None);
    other.push(&base, "other", "t");
    let after_push = snapshot(&base);
    assert!(after_push.contains("other"));
    let r = request(
        "PATCH",
        &format!("{base}/v2/other/blobs/uploads/{id}"),
        &[],
        "x",
    );
    assert_eq!((r.status, r.code().as_str()), (404, "BLOB_UPLOAD_UNKNOWN"));
    assert_eq!(snapshot(&base), after_push);
}

#[test]
fn wrong_methods_and_unknown_endpoints() {
    let (s, _) = seeded();
    let base = s.url();
    let r = request("POST", &format!("{base}/v2/repo/manifests/v1"), &[], "");
    assert_eq!((r.status, r.code().as_str()), (405, "UNSUPPORTED"));
    assert_eq!(r.header("allow"), Some("GET, HEAD, PUT, DELETE, OPTIONS"));
    let r = request(
        "PUT",
        &format!("{base}/v2/repo/blobs/{}", sha256(b"x")),
        &[],
        "",
    );
    assert_eq!(r.status, 405);
    let r = request("DELETE", &format!("{base}/v2/_catalog"), &[], "");
    assert_eq!(r.status, 405);
    let r = get(&format!("{base}/v2/repo/nothing/here"));
    assert_eq!(r.status, 404);
    assert_eq!(
        get(&format!("{base}/index.html")).status,
        404,
        "no app configured"
    );
}
