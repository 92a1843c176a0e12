//! Side by side with CNCF distribution (Debian's docker-registry 2.8): the same requests to both,
//! comparing status codes, key headers and bodies for what both support. Where distribution
//! departs from the spec, this server follows the spec and the test asserts both behaviours, so
//! it notices if either changes.

mod common;

use common::*;
use ociscope_server::Config;

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

struct Both {
    ours: ociscope_server::Running,
    theirs: Distribution,
}

impl Both {
    fn start() -> Both {
        Both {
            ours: server(Config::default()),
            theirs: Distribution::start(),
        }
    }

    /// Sends the same request to both: (ours, distribution's).
    fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (Resp, Resp) {
        let a = request(
            method,
            &format!("{}{path}", self.ours.url()),
            headers,
            body.to_vec(),
        );
        let b = request(
            method,
            &format!("{}{path}", self.theirs.url),
            headers,
            body.to_vec(),
        );
        (a, b)
    }

    /// Sends to both and checks equal statuses and the given headers; returns both answers.
    fn same(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        compare: &[&str],
    ) -> (Resp, Resp) {
        let (a, b) = self.send(method, path, headers, body);
        assert_eq!(
            a.status,
            b.status,
            "{method} {path}: ours {} / distribution {}",
            a.text(),
            b.text()
        );
        for h in compare {
            assert_eq!(
                a.header(h).map(strip_origin),
                b.header(h).map(strip_origin),
                "{method} {path}: header {h}"
            );
        }
        (a, b)
    }

    /// Both answer an error with this status and code.
    fn same_error(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        status: u16,
        code: &str,
    ) {
        let (a, b) = self.same(method, path, headers, body, &[]);
        assert_eq!(a.status, status, "{method} {path}");
        if method != "HEAD" {
            assert_eq!(a.code(), code, "ours: {method} {path}");
            assert_eq!(b.code(), code, "distribution: {method} {path}");
        }
    }
}

/// A `Location` may be absolute (distribution) or a path (this server): compare paths.
fn strip_origin(v: &str) -> String {
    match v.strip_prefix("http://") {
        Some(rest) => rest[rest.find('/').unwrap_or(rest.len())..].to_string(),
        None => v.to_string(),
    }
}

/// The upload's path and query in a Location (distribution keeps its state in `_state`).
fn upload_path(r: &Resp) -> String {
    strip_origin(r.header("location").unwrap())
}

/// `path` with one more query parameter.
fn with_param(path: &str, param: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}{param}")
}

/// Pushes a blob with POST then a monolithic PUT (end-4a, end-6), which both support.
fn push_blob(both: &Both, repo: &str, blob: &[u8]) {
    let d = sha256(blob);
    let (a, b) = both.same("POST", &format!("/v2/{repo}/blobs/uploads/"), &[], b"", &[]);
    assert_eq!(a.status, 202);
    let pa = with_param(&upload_path(&a), &format!("digest={d}"));
    let pb = with_param(&upload_path(&b), &format!("digest={d}"));
    let a = request(
        "PUT",
        &format!("{}{pa}", both.ours.url()),
        &[],
        blob.to_vec(),
    );
    let b = request(
        "PUT",
        &format!("{}{pb}", both.theirs.url),
        &[],
        blob.to_vec(),
    );
    assert_eq!(
        (a.status, b.status),
        (201, 201),
        "{} / {}",
        a.text(),
        b.text()
    );
    for h in ["location", "docker-content-digest"] {
        assert_eq!(
            a.header(h).map(strip_origin),
            b.header(h).map(strip_origin),
            "{h}"
        );
    }
}

fn push_image(both: &Both, repo: &str, tag: &str, img: &Image) {
    for blob in img.blobs() {
        push_blob(both, repo, blob);
    }
    let (a, _) = both.same(
        "PUT",
        &format!("/v2/{repo}/manifests/{tag}"),
        &[("content-type", OCI_MANIFEST)],
        &img.manifest,
        &["location", "docker-content-digest"],
    );
    assert_eq!(a.status, 201);
}

#[test]
fn pulls_and_pushes_agree() {
    let both = Both::start();
    let (a, _) = both.same(
        "GET",
        "/v2/",
        &[],
        b"",
        &["docker-distribution-api-version"],
    );
    assert_eq!(a.status, 200);
    let img = Image::new("side", None, None);
    push_image(&both, "side/app", "v1", &img);
    let d = img.digest();
    for reference in ["v1", d.as_str()] {
        for method in ["GET", "HEAD"] {
            let (a, b) = both.same(
                method,
                &format!("/v2/side/app/manifests/{reference}"),
                &[("accept", OCI_MANIFEST)],
                b"",
                &["content-type", "content-length", "docker-content-digest"],
            );
            assert_eq!(a.status, 200);
            assert_eq!(a.body, b.body);
        }
    }
    let layer = sha256(&img.layers[0]);
    for method in ["GET", "HEAD"] {
        let (a, b) = both.same(
            method,
            &format!("/v2/side/app/blobs/{layer}"),
            &[],
            b"",
            &["content-length", "docker-content-digest"],
        );
        assert_eq!((a.status, &a.body), (200, &b.body));
    }
    let (a, b) = both.same(
        "GET",
        &format!("/v2/side/app/blobs/{layer}"),
        &[("range", "bytes=10-19")],
        b"",
        &["content-range", "content-length"],
    );
    assert_eq!((a.status, &a.body), (206, &b.body));
    // Mount across repositories.
    let (a, _) = both.same(
        "POST",
        &format!("/v2/other/blobs/uploads/?mount={layer}&from=side/app"),
        &[],
        b"",
        &["location", "docker-content-digest"],
    );
    assert_eq!(a.status, 201);
}

#[test]
fn chunked_uploads_agree_except_out_of_order_chunks() {
    let both = Both::start();
    let data: Vec<u8> = (0..100u8).collect();
    let d = sha256(&data);
    let (a, b) = both.same("POST", "/v2/up/blobs/uploads/", &[], b"", &["range"]);
    assert_eq!(a.status, 202);
    let (ua, ub) = (upload_path(&a), upload_path(&b));
    assert!(b.header("docker-upload-uuid").is_some() && a.header("docker-upload-uuid").is_some());
    // Each answer carries the Location to use next (distribution's changes with its state).
    let send = |path_a: &str,
                path_b: &str,
                method: &str,
                param: &str,
                headers: &[(&str, &str)],
                body: &[u8]| {
        let (pa, pb) = if param.is_empty() {
            (path_a.to_string(), path_b.to_string())
        } else {
            (with_param(path_a, param), with_param(path_b, param))
        };
        let a = request(
            method,
            &format!("{}{pa}", both.ours.url()),
            headers,
            body.to_vec(),
        );
        let b = request(
            method,
            &format!("{}{pb}", both.theirs.url),
            headers,
            body.to_vec(),
        );
        (a, b)
    };
    let (a, b) = send(
        &ua,
        &ub,
        "PATCH",
        "",
        &[
            ("content-range", "0-49"),
            ("content-type", "application/octet-stream"),
        ],
        &data[..50],
    );
    assert_eq!((a.status, b.status), (202, 202));
    assert_eq!(
        (a.header("range"), b.header("range")),
        (Some("0-49"), Some("0-49"))
    );
    let (ua, ub) = (upload_path(&a), upload_path(&b));
    let (a, b) = send(&ua, &ub, "GET", "", &[], b"");
    assert_eq!((a.status, b.status), (204, 204));
    assert_eq!(a.header("range"), b.header("range"));
    // Out of order: the spec says 416; distribution 2.8 accepts the chunk (202).
    let (a, b) = send(
        &ua,
        &ub,
        "PATCH",
        "",
        &[("content-range", "60-69")],
        &data[60..70],
    );
    assert_eq!(a.status, 416, "this server follows the spec");
    assert_eq!(a.header("range"), Some("0-49"));
    assert_eq!(b.status, 202, "distribution departs from the spec here");
    // Completing with the final chunk (a fresh upload on distribution, whose state is now off).
    let (fresh, _) = (
        request(
            "POST",
            &format!("{}/v2/up/blobs/uploads/", both.theirs.url),
            &[],
            Vec::new(),
        ),
        (),
    );
    let ub = upload_path(&fresh);
    let b1 = request(
        "PATCH",
        &format!("{}{ub}", both.theirs.url),
        &[("content-range", "0-49")],
        data[..50].to_vec(),
    );
    assert_eq!(b1.status, 202);
    let ub = upload_path(&b1);
    let (a, b) = send(
        &ua,
        &ub,
        "PUT",
        &format!("digest={d}"),
        &[("content-range", "50-99")],
        &data[50..],
    );
    assert_eq!(
        (a.status, b.status),
        (201, 201),
        "{} / {}",
        a.text(),
        b.text()
    );
    assert_eq!(
        a.header("docker-content-digest"),
        b.header("docker-content-digest")
    );
    assert_eq!(
        strip_origin(a.header("location").unwrap()),
        strip_origin(b.header("location").unwrap())
    );
    // Cancel, then the upload is unknown to both.
    let (a, b) = both.same("POST", "/v2/up/blobs/uploads/", &[], b"", &[]);
    let (ua, ub) = (upload_path(&a), upload_path(&b));
    let (a, b) = send(&ua, &ub, "DELETE", "", &[], b"");
    assert_eq!((a.status, b.status), (204, 204));
    let (a, b) = send(&ua, &ub, "GET", "", &[], b"");
    assert_eq!((a.status, b.status), (404, 404));
    assert_eq!(
        (a.code(), b.code()),
        ("BLOB_UPLOAD_UNKNOWN".into(), "BLOB_UPLOAD_UNKNOWN".into())
    );
}

#[test]
fn lists_agree_except_tag_pagination_and_order() {
    let both = Both::start();
    let img = Image::new("lists", None, None);
    for repo in ["b", "a", "c/d"] {
        push_image(&both, repo, "t", &img);
    }
    for tag in ["v3", "v10", "v1", "v2"] {
        push_image(&both, "a", tag, &img);
    }
    let (a, b) = both.same("GET", "/v2/_catalog", &[], b"", &[]);
    assert_eq!(a.json(), b.json());
    assert_eq!(
        a.json()["repositories"],
        serde_json::json!(["a", "b", "c/d"])
    );
    // Catalog pages: same names; the Link carries the same n and last.
    let (a, b) = both.same("GET", "/v2/_catalog?n=2", &[], b"", &[]);
    assert_eq!(a.json(), b.json());
    let link_params = |r: &Resp| {
        let l = r.header("link").expect("a next link").to_string();
        let target = &l[l.find('?').unwrap() + 1..l.find('>').unwrap()];
        let mut p: Vec<String> = target.split('&').map(str::to_string).collect();
        p.sort();
        p
    };
    assert_eq!(link_params(&a), link_params(&b));
    let (a, b) = both.same("GET", "/v2/_catalog?n=2&last=b", &[], b"", &[]);
    assert_eq!(a.json(), b.json());
    // Tags: the same set; this server sorts and honours n, distribution 2.8 ignores n on tag lists.
    let (a, b) = both.same("GET", "/v2/a/tags/list", &[], b"", &[]);
    let sorted = serde_json::json!(["t", "v1", "v10", "v2", "v3"]);
    assert_eq!(a.json()["tags"], sorted);
    let mut theirs: Vec<String> = serde_json::from_value(b.json()["tags"].clone()).unwrap();
    // Distribution 2.8 lists tags in directory order (tags were pushed out of order here);
    // the spec asks for lexical order.
    assert_ne!(
        serde_json::json!(theirs),
        sorted,
        "distribution 2.8 does not sort tags"
    );
    theirs.sort();
    assert_eq!(serde_json::json!(theirs), sorted, "same set of tags");
    let (a, b) = both.same("GET", "/v2/a/tags/list?n=2", &[], b"", &[]);
    assert_eq!(
        a.json()["tags"],
        serde_json::json!(["t", "v1"]),
        "this server honours n"
    );
    assert!(a.header("link").is_some());
    assert_eq!(
        b.json()["tags"].as_array().unwrap().len(),
        5,
        "distribution 2.8 ignores n on tag lists"
    );
    assert!(b.header("link").is_none());
}

#[test]
fn errors_and_deletes_agree() {
    let both = Both::start();
    let img = Image::new("errors", None, None);
    push_image(&both, "e", "v1", &img);
    let d = img.digest();
    let unknown = sha256(b"unknown");
    both.same_error(
        "GET",
        "/v2/e/manifests/nope",
        &[],
        b"",
        404,
        "MANIFEST_UNKNOWN",
    );
    both.same_error(
        "GET",
        &format!("/v2/e/manifests/{unknown}"),
        &[],
        b"",
        404,
        "MANIFEST_UNKNOWN",
    );
    both.same_error(
        "HEAD",
        "/v2/e/manifests/nope",
        &[],
        b"",
        404,
        "MANIFEST_UNKNOWN",
    );
    both.same_error(
        "GET",
        &format!("/v2/e/blobs/{unknown}"),
        &[],
        b"",
        404,
        "BLOB_UNKNOWN",
    );
    both.same_error(
        "GET",
        "/v2/nothing/tags/list",
        &[],
        b"",
        404,
        "NAME_UNKNOWN",
    );
    both.same_error(
        "GET",
        "/v2/e/blobs/sha256:1234",
        &[],
        b"",
        400,
        "DIGEST_INVALID",
    );
    // Monolithic POST with a digest (end-4b): this server stores the blob (201); distribution
    // 2.8 ignores the body and starts an upload (202), which the spec allows.
    let blob = b"single post".to_vec();
    let (a, b) = both.send(
        "POST",
        &format!("/v2/e/blobs/uploads/?digest={}", sha256(&blob)),
        &[],
        &blob,
    );
    assert_eq!((a.status, b.status), (201, 202));
    // A wrong digest at the end of an upload.
    let (a, b) = both.same("POST", "/v2/e/blobs/uploads/", &[], b"", &[]);
    let pa = with_param(&upload_path(&a), &format!("digest={unknown}"));
    let pb = with_param(&upload_path(&b), &format!("digest={unknown}"));
    let a = request(
        "PUT",
        &format!("{}{pa}", both.ours.url()),
        &[],
        b"not it".to_vec(),
    );
    let b = request(
        "PUT",
        &format!("{}{pb}", both.theirs.url),
        &[],
        b"not it".to_vec(),
    );
    assert_eq!((a.status, a.code()), (400, "DIGEST_INVALID".to_string()));
    assert_eq!((b.status, b.code()), (400, "DIGEST_INVALID".to_string()));
    let missing = Image::new("missing", None, None);
    both.same_error(
        "PUT",
        "/v2/e/manifests/m",
        &[("content-type", OCI_MANIFEST)],
        &missing.manifest,
        400,
        "MANIFEST_BLOB_UNKNOWN",
    );
    both.same_error(
        "PUT",
        "/v2/e/manifests/m",
        &[("content-type", OCI_MANIFEST)],
        b"{not json",
        400,
        "MANIFEST_INVALID",
    );
    // Deleting a tag (end-9 with a tag): this server deletes it; distribution 2.8 reads the
    // reference as a digest and answers 400 DIGEST_INVALID.
    let (a, b) = both.send("DELETE", "/v2/e/manifests/v1", &[], b"");
    assert_eq!(a.status, 202, "this server deletes a tag");
    assert_eq!(
        (b.status, b.code().as_str()),
        (400, "DIGEST_INVALID"),
        "distribution 2.8 cannot delete a tag"
    );
    // … manifest by digest, blob.
    let (a, _) = both.same("DELETE", &format!("/v2/e/manifests/{d}"), &[], b"", &[]);
    assert_eq!(a.status, 202);
    both.same_error(
        "GET",
        &format!("/v2/e/manifests/{d}"),
        &[],
        b"",
        404,
        "MANIFEST_UNKNOWN",
    );
    let layer = sha256(&img.layers[0]);
    let (a, _) = both.same("DELETE", &format!("/v2/e/blobs/{layer}"), &[], b"", &[]);
    assert_eq!(a.status, 202);
    both.same_error(
        "GET",
        &format!("/v2/e/blobs/{layer}"),
        &[],
        b"",
        404,
        "BLOB_UNKNOWN",
    );
}
