//! Every endpoint of the distribution-spec (end-1 … end-13) plus referrers, over HTTP against
//! the server running in-process on a MemoryRegistry.

mod common;

use common::*;
use ociscope_server::Config;

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

#[test]
fn base_answers_api_version() {
    let s = server(Config::default());
    for method in ["GET", "HEAD"] {
        let r = request(method, &format!("{}/v2/", s.url()), &[], "");
        assert_eq!(r.status, 200);
        assert_eq!(
            r.header("docker-distribution-api-version"),
            Some("registry/2.0")
        );
    }
    assert_eq!(get(&format!("{}/v2", s.url())).status, 200);
}

#[test]
fn manifests_by_tag_and_digest() {
    let s = server(Config::default());
    let base = s.url();
    let img = Image::new("m", None, None);
    img.push(&base, "lib/app", "v1");
    let d = img.digest();
    for reference in ["v1", d.as_str()] {
        let url = format!("{base}/v2/lib/app/manifests/{reference}");
        let r = get(&url);
        assert_eq!(r.status, 200);
        assert_eq!(r.body, img.manifest);
        assert_eq!(r.header("content-type"), Some(OCI_MANIFEST));
        assert_eq!(r.header("docker-content-digest"), Some(d.as_str()));
        assert_eq!(
            r.header("content-length"),
            Some(img.manifest.len().to_string().as_str())
        );
        let h = request("HEAD", &url, &[], "");
        assert_eq!(h.status, 200);
        assert!(h.body.is_empty());
        assert_eq!(
            h.header("content-length"),
            Some(img.manifest.len().to_string().as_str())
        );
        assert_eq!(h.header("docker-content-digest"), Some(d.as_str()));
        assert_eq!(h.header("content-type"), Some(OCI_MANIFEST));
    }
    // PUT by digest: 201 with Location and digest.
    let r = request(
        "PUT",
        &format!("{base}/v2/lib/app/manifests/{d}"),
        &[("content-type", OCI_MANIFEST)],
        img.manifest.clone(),
    );
    assert_eq!(r.status, 201);
    assert_eq!(
        r.header("location"),
        Some(format!("/v2/lib/app/manifests/{d}").as_str())
    );
    assert_eq!(r.header("docker-content-digest"), Some(d.as_str()));
    assert!(r.header("oci-subject").is_none());
    // Unknown manifest.
    let r = get(&format!("{base}/v2/lib/app/manifests/nope"));
    assert_eq!((r.status, r.code().as_str()), (404, "MANIFEST_UNKNOWN"));
    let r = request(
        "HEAD",
        &format!("{base}/v2/lib/app/manifests/nope"),
        &[],
        "",
    );
    assert_eq!(r.status, 404);
    assert!(r.body.is_empty());
}

#[test]
fn blobs_with_ranges() {
    let s = server(Config::default());
    let base = s.url();
    let blob: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    let d = sha256(&blob);
    let r = request(
        "POST",
        &format!("{base}/v2/r/blobs/uploads/?digest={d}"),
        &[],
        blob.clone(),
    );
    assert_eq!(r.status, 201);
    assert_eq!(
        r.header("location"),
        Some(format!("/v2/r/blobs/{d}").as_str())
    );
    assert_eq!(r.header("docker-content-digest"), Some(d.as_str()));
    let url = format!("{base}/v2/r/blobs/{d}");
    let r = get(&url);
    assert_eq!((r.status, &r.body), (200, &blob));
    assert_eq!(r.header("docker-content-digest"), Some(d.as_str()));
    assert_eq!(r.header("content-length"), Some("1000"));
    let h = request("HEAD", &url, &[], "");
    assert_eq!((h.status, h.header("content-length")), (200, Some("1000")));
    assert!(h.body.is_empty());
    // Ranges: first-last, open end, suffix.
    for (range, start, end) in [
        ("bytes=10-19", 10, 20),
        ("bytes=990-", 990, 1000),
        ("bytes=-5", 995, 1000),
        ("bytes=0-5000", 0, 1000),
    ] {
        let r = request("GET", &url, &[("range", range)], "");
        assert_eq!(r.status, 206, "{range}");
        assert_eq!(r.body, &blob[start..end], "{range}");
        assert_eq!(
            r.header("content-range"),
            Some(format!("bytes {start}-{}/1000", end - 1).as_str())
        );
    }
    // Unsatisfiable → 416 with bytes */size.
    for range in ["bytes=1000-", "bytes=-0"] {
        let r = request("GET", &url, &[("range", range)], "");
        assert_eq!(r.status, 416, "{range}");
        assert_eq!(r.header("content-range"), Some("bytes */1000"));
    }
    // Unparsable or multiple ranges: the whole blob.
    for range in ["garbage", "bytes=0-1,5-6"] {
        let r = request("GET", &url, &[("range", range)], "");
        assert_eq!((r.status, r.body.len()), (200, 1000), "{range}");
    }
    // Unknown blob.
    let other = sha256(b"other");
    let r = get(&format!("{base}/v2/r/blobs/{other}"));
    assert_eq!((r.status, r.code().as_str()), (404, "BLOB_UNKNOWN"));
}

#[test]
fn chunked_upload_with_status_and_out_of_order_chunk() {
    let s = server(Config::default());
    let base = s.url();
    let r = request("POST", &format!("{base}/v2/up/blobs/uploads/"), &[], "");
    assert_eq!(r.status, 202);
    let location = r.header("location").unwrap().to_string();
    let uuid = r.header("docker-upload-uuid").unwrap().to_string();
    assert!(location.ends_with(&uuid), "{location} {uuid}");
    assert_eq!(r.header("range"), Some("0-0"));
    assert!(r.header("oci-chunk-min-length").is_some());
    let url = format!("{base}{location}");
    let data = b"0123456789abcdefghij".to_vec();
    // First chunk with Content-Range.
    let r = request(
        "PATCH",
        &url,
        &[
            ("content-range", "0-9"),
            ("content-type", "application/octet-stream"),
        ],
        data[..10].to_vec(),
    );
    assert_eq!(r.status, 202);
    assert_eq!(r.header("range"), Some("0-9"));
    assert_eq!(r.header("docker-upload-uuid"), Some(uuid.as_str()));
    // Out of order: 416 with the current range, nothing written.
    let r = request(
        "PATCH",
        &url,
        &[("content-range", "12-15")],
        data[12..16].to_vec(),
    );
    assert_eq!(r.status, 416);
    assert_eq!(r.header("range"), Some("0-9"));
    // Status.
    let r = get(&url);
    assert_eq!(r.status, 204);
    assert_eq!(r.header("range"), Some("0-9"));
    assert_eq!(r.header("location"), Some(location.as_str()));
    // A chunk without Content-Range (streamed) continues.
    let r = request("PATCH", &url, &[], data[10..15].to_vec());
    assert_eq!((r.status, r.header("range")), (202, Some("0-14")));
    // PUT with the final chunk.
    let d = sha256(&data);
    let r = request(
        "PUT",
        &format!("{url}?digest={d}"),
        &[("content-range", "15-19")],
        data[15..].to_vec(),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(
        r.header("location"),
        Some(format!("/v2/up/blobs/{d}").as_str())
    );
    assert_eq!(get(&format!("{base}/v2/up/blobs/{d}")).body, data);
    // The upload is gone.
    let r = get(&url);
    assert_eq!((r.status, r.code().as_str()), (404, "BLOB_UPLOAD_UNKNOWN"));
}

#[test]
fn upload_cancel_and_digest_mismatch() {
    let s = server(Config::default());
    let base = s.url();
    let start = || {
        let r = request("POST", &format!("{base}/v2/c/blobs/uploads/"), &[], "");
        format!("{base}{}", r.header("location").unwrap())
    };
    let url = start();
    request("PATCH", &url, &[], "abc");
    let r = request("DELETE", &url, &[], "");
    assert_eq!(r.status, 204);
    assert_eq!(get(&url).status, 404);
    assert_eq!(request("DELETE", &url, &[], "").status, 404);
    // Wrong digest at PUT: 400 DIGEST_INVALID, nothing stored, upload ended.
    let url = start();
    let wrong = sha256(b"something else");
    let r = request("PUT", &format!("{url}?digest={wrong}"), &[], "abc");
    assert_eq!((r.status, r.code().as_str()), (400, "DIGEST_INVALID"));
    assert_eq!(
        request("HEAD", &format!("{base}/v2/c/blobs/{wrong}"), &[], "").status,
        404
    );
    assert_eq!(
        request(
            "HEAD",
            &format!("{base}/v2/c/blobs/{}", sha256(b"abc")),
            &[],
            ""
        )
        .status,
        404
    );
    // PUT without digest.
    let url = start();
    let r = request("PUT", &url, &[], "abc");
    assert_eq!((r.status, r.code().as_str()), (400, "DIGEST_INVALID"));
    // Monolithic with a wrong digest stores nothing.
    let r = request(
        "POST",
        &format!("{base}/v2/c/blobs/uploads/?digest={wrong}"),
        &[],
        "xyz",
    );
    assert_eq!((r.status, r.code().as_str()), (400, "DIGEST_INVALID"));
    assert_eq!(
        request(
            "HEAD",
            &format!("{base}/v2/c/blobs/{}", sha256(b"xyz")),
            &[],
            ""
        )
        .status,
        404
    );
}

#[test]
fn mount_across_repositories() {
    let s = server(Config::default());
    let base = s.url();
    let blob = b"shared layer".to_vec();
    let d = sha256(&blob);
    request(
        "POST",
        &format!("{base}/v2/src/blobs/uploads/?digest={d}"),
        &[],
        blob.clone(),
    );
    let r = request(
        "POST",
        &format!("{base}/v2/dst/blobs/uploads/?mount={d}&from=src"),
        &[],
        "",
    );
    assert_eq!(r.status, 201);
    assert_eq!(
        r.header("location"),
        Some(format!("/v2/dst/blobs/{d}").as_str())
    );
    assert_eq!(get(&format!("{base}/v2/dst/blobs/{d}")).body, blob);
    // A mount of an unknown blob starts an upload instead.
    let unknown = sha256(b"unknown");
    let r = request(
        "POST",
        &format!("{base}/v2/dst/blobs/uploads/?mount={unknown}&from=src"),
        &[],
        "",
    );
    assert_eq!(r.status, 202);
    assert!(r.header("location").unwrap().contains("/blobs/uploads/"));
}

#[test]
fn deletes() {
    let s = server(Config::default());
    let base = s.url();
    let img = Image::new("del", None, None);
    img.push(&base, "d", "t1");
    let d = img.digest();
    let r = request(
        "PUT",
        &format!("{base}/v2/d/manifests/t2"),
        &[("content-type", OCI_MANIFEST)],
        img.manifest.clone(),
    );
    assert_eq!(r.status, 201);
    // Delete a tag: the manifest stays.
    assert_eq!(
        request("DELETE", &format!("{base}/v2/d/manifests/t1"), &[], "").status,
        202
    );
    assert_eq!(get(&format!("{base}/v2/d/manifests/t1")).status, 404);
    assert_eq!(get(&format!("{base}/v2/d/manifests/{d}")).status, 200);
    // Delete by digest: the manifest and remaining tags go.
    assert_eq!(
        request("DELETE", &format!("{base}/v2/d/manifests/{d}"), &[], "").status,
        202
    );
    assert_eq!(get(&format!("{base}/v2/d/manifests/{d}")).status, 404);
    assert_eq!(get(&format!("{base}/v2/d/manifests/t2")).status, 404);
    let r = request("DELETE", &format!("{base}/v2/d/manifests/{d}"), &[], "");
    assert_eq!((r.status, r.code().as_str()), (404, "MANIFEST_UNKNOWN"));
    // Delete a blob.
    let layer = sha256(&img.layers[0]);
    assert_eq!(
        request("DELETE", &format!("{base}/v2/d/blobs/{layer}"), &[], "").status,
        202
    );
    assert_eq!(
        request("HEAD", &format!("{base}/v2/d/blobs/{layer}"), &[], "").status,
        404
    );
    let r = request("DELETE", &format!("{base}/v2/d/blobs/{layer}"), &[], "");
    assert_eq!((r.status, r.code().as_str()), (404, "BLOB_UNKNOWN"));
}

#[test]
fn catalog_and_tags_paginate_with_link() {
    let s = server(Config::default());
    let base = s.url();
    let img = Image::new("p", None, None);
    for repo in ["b/x", "a", "c"] {
        img.push(&base, repo, "t");
    }
    for tag in ["v3", "v1", "v2", "latest"] {
        img.push(&base, "a", tag);
    }
    let r = get(&format!("{base}/v2/_catalog"));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["repositories"],
        serde_json::json!(["a", "b/x", "c"])
    );
    assert!(r.header("link").is_none());
    let r = get(&format!("{base}/v2/_catalog?n=2"));
    assert_eq!(r.json()["repositories"], serde_json::json!(["a", "b/x"]));
    assert_eq!(
        r.header("link"),
        Some(r#"</v2/_catalog?n=2&last=b/x>; rel="next""#)
    );
    let r = get(&format!("{base}/v2/_catalog?n=2&last=b/x"));
    assert_eq!(r.json()["repositories"], serde_json::json!(["c"]));
    assert!(r.header("link").is_none());
    // Tags: sorted, paginated.
    let r = get(&format!("{base}/v2/a/tags/list"));
    assert_eq!(
        r.json(),
        serde_json::json!({"name": "a", "tags": ["latest", "t", "v1", "v2", "v3"]})
    );
    let r = get(&format!("{base}/v2/a/tags/list?n=2"));
    assert_eq!(r.json()["tags"], serde_json::json!(["latest", "t"]));
    let link = r.header("link").unwrap().to_string();
    assert_eq!(link, r#"</v2/a/tags/list?n=2&last=t>; rel="next""#);
    let next = &link[1..link.find('>').unwrap()];
    let r = get(&format!("{base}{next}"));
    assert_eq!(r.json()["tags"], serde_json::json!(["v1", "v2"]));
    let r = get(&format!("{base}/v2/a/tags/list?n=0"));
    assert_eq!(r.json()["tags"], serde_json::json!([]));
    let r = get(&format!("{base}/v2/a/tags/list?n=x"));
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "PAGINATION_NUMBER_INVALID")
    );
    let r = get(&format!("{base}/v2/unknown/tags/list"));
    assert_eq!((r.status, r.code().as_str()), (404, "NAME_UNKNOWN"));
}

#[test]
fn referrers_and_subject() {
    let s = server(Config::default());
    let base = s.url();
    let subject = Image::new("subject", None, None);
    subject.push(&base, "ref", "v1");
    let sd = subject.digest();
    let sig = Image::new(
        "sig",
        Some((&sd, subject.manifest.len() as u64)),
        Some("application/vnd.example.sig"),
    );
    let sbom = Image::new(
        "sbom",
        Some((&sd, subject.manifest.len() as u64)),
        Some("application/vnd.example.sbom"),
    );
    for (img, ty) in [(&sig, "sig"), (&sbom, "sbom")] {
        for blob in img.blobs() {
            request(
                "POST",
                &format!("{base}/v2/ref/blobs/uploads/?digest={}", sha256(blob)),
                &[],
                blob.clone(),
            );
        }
        let r = request(
            "PUT",
            &format!("{base}/v2/ref/manifests/{}", img.digest()),
            &[("content-type", OCI_MANIFEST)],
            img.manifest.clone(),
        );
        assert_eq!(r.status, 201, "{ty}: {}", r.text());
        assert_eq!(r.header("oci-subject"), Some(sd.as_str()), "{ty}");
    }
    let r = get(&format!("{base}/v2/ref/referrers/{sd}"));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("application/vnd.oci.image.index.v1+json")
    );
    assert!(r.header("oci-filters-applied").is_none());
    let index = r.json();
    assert_eq!(index["schemaVersion"], 2);
    let mut found: Vec<String> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["digest"].as_str().unwrap().to_string())
        .collect();
    found.sort();
    let mut want = vec![sig.digest(), sbom.digest()];
    want.sort();
    assert_eq!(found, want);
    // Paged with n: one referrer a page, in digest order, with a Link to the next.
    let r = get(&format!("{base}/v2/ref/referrers/{sd}?n=1"));
    assert_eq!(r.status, 200);
    let first = r.json()["manifests"].clone();
    assert_eq!(first.as_array().unwrap().len(), 1);
    assert_eq!(first[0]["digest"], want[0]);
    let link = r
        .header("link")
        .expect("a Link to the second page")
        .to_string();
    assert_eq!(
        link,
        format!(
            "</v2/ref/referrers/{sd}?n=1&last={}>; rel=\"next\"",
            want[0]
        )
    );
    let next = link.trim_start_matches('<').split('>').next().unwrap();
    let r = get(&format!("{base}{next}"));
    let second = r.json()["manifests"].clone();
    assert_eq!(second[0]["digest"], want[1]);
    assert!(r.header("link").is_none(), "the last page links nowhere");
    let r = get(&format!(
        "{base}/v2/ref/referrers/{sd}?artifactType=application/vnd.example.sig"
    ));
    assert_eq!(r.header("oci-filters-applied"), Some("artifactType"));
    let m = r.json()["manifests"].clone();
    assert_eq!(m.as_array().unwrap().len(), 1);
    assert_eq!(m[0]["digest"], sig.digest());
    assert_eq!(m[0]["artifactType"], "application/vnd.example.sig");
    // Unknown subject: an empty index, never 404.
    let r = get(&format!("{base}/v2/ref/referrers/{}", sha256(b"none")));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["manifests"], serde_json::json!([]));
    let r = get(&format!("{base}/v2/ref/referrers/sha256:nothex"));
    assert_eq!((r.status, r.code().as_str()), (400, "DIGEST_INVALID"));
}

#[test]
fn referrers_without_n_are_paged_with_link() {
    let s = server(Config {
        referrers_page_size: 2,
        ..Config::default()
    });
    let base = s.url();
    let subject = Image::new("many-subject", None, None);
    subject.push(&base, "many", "v1");
    let sd = subject.digest();
    let mut want = Vec::new();
    for i in 0..5 {
        let img = Image::new(
            &format!("many-ref-{i}"),
            Some((&sd, subject.manifest.len() as u64)),
            Some("application/vnd.example.sig"),
        );
        img.push(&base, "many", &format!("r{i}"));
        want.push(img.digest());
    }
    want.sort();
    let mut url = format!("{base}/v2/many/referrers/{sd}");
    let mut got = Vec::new();
    let mut pages = 0;
    loop {
        let r = get(&url);
        assert_eq!(r.status, 200);
        let items = r.json()["manifests"].as_array().unwrap().clone();
        assert!(items.len() <= 2, "a page holds at most 2");
        got.extend(
            items
                .iter()
                .map(|m| m["digest"].as_str().unwrap().to_string()),
        );
        pages += 1;
        match r.header("link") {
            Some(link) => {
                let next = link.trim_start_matches('<').split('>').next().unwrap();
                url = format!("{base}{next}");
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(got, want);
}
