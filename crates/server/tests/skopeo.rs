//! A real peer client: skopeo copies an OCI layout into the server and back out (digests
//! equal, blobs identical), inspects it and deletes it. `--preserve-digests` keeps skopeo from
//! gzip-compressing the test image's uncompressed layers on the way to a registry.

mod common;

use std::process::Command;

use common::*;
use ociscope_server::Config;

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
fn copy_in_and_out_inspect_delete() {
    copy_in_and_out(&server(Config::default()));
}

#[test]
fn copy_in_and_out_on_filesystem_storage() {
    let store = TempDir::new("skopeo-fs");
    let root = store.path().to_path_buf();
    let s = ociscope_server::spawn(
        "127.0.0.1:0",
        move || {
            ociscope_storage::DriverRegistry::new(
                ociscope_storage::FsDriver::open(root)
                    .expect("store opens")
                    .0,
            )
        },
        Config::default(),
    )
    .expect("server starts");
    copy_in_and_out(&s);
}

/// skopeo copies an image into `s` and back out, inspects and deletes it.
fn copy_in_and_out(s: &ociscope_server::Running) {
    let host = s.addr().to_string();
    let tmp = TempDir::new("skopeo");
    let src = tmp.path().join("src");
    let img = Image::new("skopeo", None, None);
    img.write_layout(&src, "v1");
    let dest = format!("docker://{host}/skopeo/test:v1");
    skopeo(&[
        "copy",
        "--preserve-digests",
        "--dest-tls-verify=false",
        &format!("oci:{}:v1", src.display()),
        &dest,
    ]);
    // What the server holds is the exact manifest.
    let r = get(&format!("{}/v2/skopeo/test/manifests/v1", s.url()));
    assert_eq!(r.status, 200);
    assert_eq!(r.body, img.manifest);
    // Inspect (raw and parsed).
    let raw = skopeo(&["inspect", "--tls-verify=false", "--raw", &dest]);
    assert_eq!(raw.as_bytes(), img.manifest.as_slice());
    let info: serde_json::Value =
        serde_json::from_str(&skopeo(&["inspect", "--tls-verify=false", &dest])).unwrap();
    assert_eq!(info["Digest"], img.digest());
    assert_eq!(info["Architecture"], "amd64");
    assert_eq!(info["Labels"]["seed"], "skopeo");
    // Copy back out: same manifest digest and the same blobs.
    let back = tmp.path().join("back");
    skopeo(&[
        "copy",
        "--preserve-digests",
        "--src-tls-verify=false",
        &dest,
        &format!("oci:{}:v1", back.display()),
    ]);
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(back.join("index.json")).unwrap()).unwrap();
    assert_eq!(index["manifests"][0]["digest"], img.digest());
    for blob in img.blobs() {
        let d = sha256(blob);
        let copied = std::fs::read(back.join("blobs/sha256").join(&d["sha256:".len()..])).unwrap();
        assert_eq!(&copied, blob);
    }
    // Delete: the manifest is gone.
    skopeo(&["delete", "--tls-verify=false", &dest]);
    let r = get(&format!(
        "{}/v2/skopeo/test/manifests/{}",
        s.url(),
        img.digest()
    ));
    assert_eq!((r.status, r.code().as_str()), (404, "MANIFEST_UNKNOWN"));
}

#[test]
fn copy_between_repositories_mounts() {
    let s = server(Config::default());
    let host = s.addr().to_string();
    let tmp = TempDir::new("skopeo-mount");
    let src = tmp.path().join("src");
    let img = Image::new("mount", None, None);
    img.write_layout(&src, "v1");
    skopeo(&[
        "copy",
        "--preserve-digests",
        "--dest-tls-verify=false",
        &format!("oci:{}:v1", src.display()),
        &format!("docker://{host}/a/one:v1"),
    ]);
    skopeo(&[
        "copy",
        "--preserve-digests",
        "--src-tls-verify=false",
        "--dest-tls-verify=false",
        &format!("docker://{host}/a/one:v1"),
        &format!("docker://{host}/b/two:v1"),
    ]);
    let r = get(&format!("{}/v2/b/two/manifests/v1", s.url()));
    assert_eq!(
        r.header("docker-content-digest"),
        Some(img.digest().as_str())
    );
    let d = sha256(&img.layers[0]);
    assert_eq!(
        get(&format!("{}/v2/b/two/blobs/{d}", s.url())).body,
        img.layers[0]
    );
}
