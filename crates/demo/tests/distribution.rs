//! The demo pushed into a real CNCF distribution through the HTTP client, then read back by
//! the client and by skopeo: the registry accepts every manifest, and a peer tool can copy the
//! multi-platform image and read the Docker image's config.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../../native/tests/common/mod.rs"]
#[allow(dead_code)]
mod common;

use std::process::Command;

use common::Distribution;
use ociscope_core::client::Options;
use ociscope_core::spec::{collect_all, collect_referrers, ManifestRef, RepoName, Spec, Tag};
use ociscope_demo::{
    platforms, populate, DemoOptions, DOCKER_REPO, HELLO_REPO, NOTATION_TYPE, SBOM_TYPE,
    VERSIONS_REPO,
};
use serde_json::Value;

fn skopeo(args: &[&str]) -> String {
    let out = Command::new("skopeo")
        .args(args)
        .output()
        .expect("skopeo is installed");
    assert!(
        out.status.success(),
        "skopeo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[tokio::test(flavor = "current_thread")]
async fn distribution_accepts_the_demo_and_skopeo_reads_it() {
    let registry = Distribution::start();
    let spec = ociscope_native::connect(&registry.url, Options::default()).unwrap();
    let options = DemoOptions {
        repositories: 6,
        tags: 20,
    };
    let summary = populate(&spec, &options)
        .await
        .unwrap_or_else(|e| panic!("populate: {e}\nregistry log:\n{}", registry.log()));

    let hello = RepoName::new(HELLO_REPO).unwrap();
    let index = spec
        .get_manifest(&hello, &ManifestRef::Tag(Tag::new("latest").unwrap()))
        .await
        .unwrap();
    assert_eq!(index.descriptor.digest, summary.index.digest);
    let got: Vec<_> = index
        .parse()
        .unwrap()
        .platforms()
        .into_iter()
        .map(|p| p.cloned().unwrap())
        .collect();
    assert_eq!(got, platforms());
    // distribution 2.8 has no referrers API: the client answers from the fallback tag it kept.
    let referrers = collect_referrers(&spec, &hello, &summary.signed.digest, None, None)
        .await
        .unwrap();
    assert_eq!(referrers.len(), 3);
    let sbom = collect_referrers(&spec, &hello, &summary.signed.digest, Some(SBOM_TYPE), None)
        .await
        .unwrap();
    assert_eq!(sbom.len(), 1);
    assert!(collect_referrers(
        &spec,
        &hello,
        &summary.signed.digest,
        Some(NOTATION_TYPE),
        None
    )
    .await
    .unwrap()
    .iter()
    .all(|d| d.artifact_type.as_deref() == Some(NOTATION_TYPE)));
    let repos = collect_all(&spec, None, 4, None).await.unwrap();
    assert_eq!(repos.len(), summary.repository_count);
    let tags = collect_all(&spec, Some(&RepoName::new(VERSIONS_REPO).unwrap()), 7, None)
        .await
        .unwrap();
    assert_eq!(tags.len(), summary.tag_count);

    let host = registry.url.trim_start_matches("http://").to_string();
    // skopeo reads the Docker image's config: platform, Env, Labels, layers.
    let inspect: Value = serde_json::from_str(&skopeo(&[
        "inspect",
        "--tls-verify=false",
        &format!("docker://{host}/{DOCKER_REPO}:docker-v2"),
    ]))
    .unwrap();
    assert_eq!(inspect["Architecture"], "amd64");
    assert_eq!(inspect["Os"], "linux");
    assert_eq!(inspect["Labels"]["org.opencontainers.image.title"], "hello");
    assert!(inspect["Env"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e == "HELLO_GREETING=Hello"));
    assert_eq!(inspect["Layers"].as_array().unwrap().len(), 2);
    // And copies every platform of the index, checking each blob's digest on the way.
    let dir = std::env::temp_dir().join(format!("ociscope-demo-oci-{}", std::process::id()));
    let copied = Command::new("skopeo")
        .args([
            "copy",
            "--all",
            "--src-tls-verify=false",
            &format!("docker://{host}/{HELLO_REPO}:latest"),
            &format!("oci:{}:hello", dir.display()),
        ])
        .output()
        .expect("skopeo is installed");
    let layout_index = std::fs::read(dir.join("index.json"));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        copied.status.success(),
        "skopeo copy: {}",
        String::from_utf8_lossy(&copied.stderr)
    );
    let layout: Value = serde_json::from_slice(&layout_index.unwrap()).unwrap();
    assert_eq!(
        layout["manifests"][0]["digest"],
        summary.index.digest.to_string()
    );
}
