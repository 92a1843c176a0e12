//! `ociscope-server --storage s3://…` (a build with the `s3` feature) against moto's S3 server
//! on loopback (a mock of AWS; see `crates/storage/tests/s3.rs` for why moto): the behaviour
//! suite through the binary, what is pushed survives a restart of the binary, and with
//! `--blob-redirect` blob GETs are 307s to presigned URLs of moto that the native client,
//! `skopeo` and the forwarder follow (digests verified), HEAD and ranges still served here.

mod common;

use std::process::{Command, Stdio};

use common::*;
use ociscope_spec_suite::{run_all, Capabilities, Ctx};
use ociscope_testkit::Moto;

/// The binary over `s3://bucket/prefix` on moto, configured through AWS_* variables.
fn start_binary(moto: &Moto, url: &str) -> Binary {
    start_binary_with(moto, url, &[])
}

/// [`start_binary`] with more arguments.
fn start_binary_with(moto: &Moto, url: &str, args: &[&str]) -> Binary {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_ociscope-server"))
        .args(["--listen", "127.0.0.1:0", "--storage", url])
        .args(args)
        .env("AWS_ENDPOINT", &moto.endpoint)
        .env("AWS_ALLOW_HTTP", "true")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "ociscope-test")
        .env("AWS_SECRET_ACCESS_KEY", "ociscope-test-secret")
        .env("AWS_VIRTUAL_HOSTED_STYLE_REQUEST", "false")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    Binary { child, url }
}

#[tokio::test(flavor = "current_thread")]
async fn spec_suite_passes_through_the_server_on_s3() {
    let moto = Moto::start("suite");
    let bin = start_binary(&moto, "s3://suite/registry");
    let spec = ociscope_native::connect(&bin.url, Default::default()).expect("client");
    let ctx = Ctx::new("s3").with_capabilities(Capabilities::all());
    let report = run_all(&spec, &ctx).await;
    println!("{report}");
    assert!(report.is_success(), "{report}");
    assert_eq!(report.not_applicable(), 1, "only the fallback-tag check");
}

#[test]
fn content_survives_a_restart_on_s3() {
    let moto = Moto::start("keep");
    let img = Image::new("on s3", None, None);
    {
        let bin = start_binary(&moto, "s3://keep/r");
        img.push(&bin.url, "team/app", "v1");
    }
    let bin = start_binary(&moto, "s3://keep/r");
    let r = get(&format!("{}/v2/team/app/manifests/v1", bin.url));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.body, img.manifest);
    for blob in img.blobs() {
        let r = get(&format!("{}/v2/team/app/blobs/{}", bin.url, sha256(blob)));
        assert_eq!(&r.body, blob);
    }
    let cat = get(&format!("{}/v2/_catalog", bin.url)).json();
    assert_eq!(cat["repositories"], serde_json::json!(["team/app"]));
}

#[test]
fn blob_gets_redirect_to_presigned_urls_that_clients_and_the_forwarder_follow() {
    use ociscope_core::spec::{BlobReader, RepoName, Spec};
    use ociscope_core::Digest;

    let moto = Moto::start("redirect");
    let bin = start_binary_with(&moto, "s3://redirect/r", &["--blob-redirect", "60"]);
    let img = Image::new("redirected from s3", None, None);
    img.push(&bin.url, "team/app", "v1");
    for blob in img.blobs() {
        let url = format!("{}/v2/team/app/blobs/{}", bin.url, sha256(blob));
        let r = get(&url);
        assert_eq!(r.status, 307, "{}", r.text());
        assert_eq!(
            r.header("docker-content-digest"),
            Some(sha256(blob).as_str())
        );
        let location = r.header("location").unwrap().to_string();
        assert!(
            location.starts_with(&format!("{}/redirect/r/blobs/sha256/", moto.endpoint))
                && location.contains("X-Amz-Signature=")
                && location.contains("X-Amz-Expires=60"),
            "{location}"
        );
        assert_eq!(
            &get(&location).body,
            blob,
            "the presigned URL serves the blob"
        );
        // HEAD and ranges are the server's own.
        let head = request("HEAD", &url, &[], bytes::Bytes::new());
        assert_eq!(head.status, 200);
        assert_eq!(
            head.header("content-length"),
            Some(blob.len().to_string().as_str())
        );
        let ranged = request("GET", &url, &[("range", "bytes=0-1")], bytes::Bytes::new());
        assert_eq!((ranged.status, &ranged.body[..]), (206, &blob[..2]));
    }
    // A blob the repository does not hold is refused, not redirected.
    let other = get(&format!(
        "{}/v2/team/other/blobs/{}",
        bin.url,
        sha256(img.blobs()[0])
    ));
    assert_eq!(other.status, 404);
    assert!(other.header("location").is_none());

    // The native client follows the redirect and verifies the digest.
    let spec = ociscope_native::connect(&bin.url, Default::default()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let repo = RepoName::new("team/app").unwrap();
    for blob in img.blobs() {
        let digest = Digest::parse(&sha256(blob)).unwrap();
        let got = rt.block_on(async {
            spec.get_blob(&repo, &digest)
                .await
                .unwrap()
                .read_to_end(1 << 30)
                .await
                .unwrap()
        });
        assert_eq!(&got[..], &blob[..], "native client through the redirect");
    }

    // skopeo pulls through it, digests preserved and checked.
    let dir = TempDir::new("s3-redirect-skopeo");
    let out = Command::new("skopeo")
        .args([
            "copy",
            "--quiet",
            "--preserve-digests",
            "--src-tls-verify=false",
        ])
        .arg(format!(
            "docker://{}/team/app:v1",
            bin.url.trim_start_matches("http://")
        ))
        .arg(format!("oci:{}:v1", dir.path().display()))
        .output()
        .expect("skopeo runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for blob in img.blobs() {
        let d = sha256(blob);
        let copied = std::fs::read(dir.path().join("blobs/sha256").join(&d["sha256:".len()..]));
        assert_eq!(&copied.unwrap(), blob, "{d} pulled by skopeo");
    }

    // The forwarder in front follows the redirect itself: its client never sees a Location.
    let fwd = server(ociscope_server::Config {
        upstreams: vec![format!("s3={}", bin.url).parse().unwrap()],
        ..ociscope_server::Config::default()
    });
    for blob in img.blobs() {
        let r = request(
            "GET",
            &format!(
                "{}/upstream/s3/v2/team/app/blobs/{}",
                fwd.url(),
                sha256(blob)
            ),
            &[("origin", "http://app.example")],
            bytes::Bytes::new(),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(r.header("location").is_none());
        assert_eq!(&r.body, blob);
    }
}
