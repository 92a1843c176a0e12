//! `--demo`: the binary serves ociscope-demo's content, and skopeo copies its multi-platform
//! image (real tar+gzip layers) out and back in with every digest kept.

mod common;

use std::process::Command;

use common::*;

fn skopeo(args: &[&str]) -> String {
    let out = Command::new("skopeo")
        .args(args)
        .output()
        .expect("skopeo runs");
    assert!(
        out.status.success(),
        "skopeo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn demo_content_is_served_and_copies_with_skopeo() {
    let bin = Binary::start(&["--demo", "--demo-repositories", "3", "--demo-tags", "4"]);
    let base = &bin.url;
    let catalog = get(&format!("{base}/v2/_catalog")).json();
    let repos: Vec<&str> = catalog["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    for repo in [
        ociscope_demo::HELLO_REPO,
        ociscope_demo::DOCKER_REPO,
        ociscope_demo::ARTIFACT_REPO,
        ociscope_demo::VERSIONS_REPO,
    ] {
        assert!(repos.contains(&repo), "{repo} in {repos:?}");
    }
    let tags = get(&format!(
        "{base}/v2/{}/tags/list",
        ociscope_demo::VERSIONS_REPO
    ))
    .json();
    assert_eq!(
        tags["tags"].as_array().unwrap().len(),
        5,
        "4 versions and latest: {tags}"
    );
    let hello = get(&format!(
        "{base}/v2/{}/manifests/latest",
        ociscope_demo::HELLO_REPO
    ));
    assert_eq!(hello.status, 200);
    let index_digest = hello.header("docker-content-digest").unwrap().to_string();
    let index = hello.json();
    let first = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    // The signed image has referrers.
    let mut found = 0;
    for m in index["manifests"].as_array().unwrap() {
        let d = m["digest"].as_str().unwrap();
        let r = get(&format!(
            "{base}/v2/{}/referrers/{d}",
            ociscope_demo::HELLO_REPO
        ));
        found += r.json()["manifests"].as_array().unwrap().len();
    }
    assert!(found > 0, "demo referrers are listed");
    // skopeo: all platforms out to a layout, then back into another repository.
    let host = base.trim_start_matches("http://");
    let tmp = TempDir::new("demo");
    let layout = format!("oci:{}:latest", tmp.path().join("hello").display());
    skopeo(&[
        "copy",
        "--all",
        "--preserve-digests",
        "--src-tls-verify=false",
        &format!("docker://{host}/{}:latest", ociscope_demo::HELLO_REPO),
        &layout,
    ]);
    skopeo(&[
        "copy",
        "--all",
        "--preserve-digests",
        "--dest-tls-verify=false",
        &layout,
        &format!("docker://{host}/copied/hello:latest"),
    ]);
    let r = get(&format!("{base}/v2/copied/hello/manifests/latest"));
    assert_eq!(
        r.header("docker-content-digest"),
        Some(index_digest.as_str())
    );
    assert_eq!(
        get(&format!("{base}/v2/copied/hello/manifests/{first}")).status,
        200
    );
}
