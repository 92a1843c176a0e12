//! `https://` upstreams: CNCF distribution serving TLS on loopback with a certificate for
//! 127.0.0.1 issued by a CA the test generates (rcgen). With the CA given (`upstream_ca`, the
//! server's `--upstream-ca FILE.pem`) the behaviour suite passes through the forwarder and
//! `skopeo` copies an image in and out; without it the forwarder answers at once with a 502
//! that names the certificate problem.

mod common;

use std::process::Command;
use std::time::Instant;

use common::*;
use ociscope_core::client::Options;
use ociscope_server::{CaCertificate, Config, Upstream};
use ociscope_spec_suite::{run_all, Capabilities, Ctx};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

/// CNCF distribution serving TLS with a leaf for 127.0.0.1; keeps the CA's PEM.
struct TlsDistribution {
    _dist: Distribution,
    url: String,
    ca_pem: String,
    _certs: TempDir,
}

impl TlsDistribution {
    fn start() -> TlsDistribution {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "ociscope test CA");
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
            .unwrap()
            .signed_by(&leaf_key, &ca)
            .unwrap();
        let certs = TempDir::new("distribution-tls");
        let (cert, key) = (certs.path().join("cert.pem"), certs.path().join("key.pem"));
        std::fs::write(&cert, leaf.pem()).unwrap();
        std::fs::write(&key, leaf_key.serialize_pem()).unwrap();
        let dist = Distribution::with_tls(&cert, &key);
        TlsDistribution {
            url: dist.url.clone(),
            _dist: dist,
            ca_pem: ca.pem(),
            _certs: certs,
        }
    }
}

fn forwarder(upstream: &str, ca: Vec<CaCertificate>) -> ociscope_server::Running {
    server(Config {
        upstreams: vec![format!("tls={upstream}").parse::<Upstream>().unwrap()],
        upstream_ca: ca,
        ..Config::default()
    })
}

#[test]
fn a_tls_upstream_with_its_ca_passes_the_suite_and_skopeo() {
    let dist = TlsDistribution::start();
    let ca = CaCertificate::from_pem(dist.ca_pem.as_bytes()).unwrap();
    let fwd = forwarder(&dist.url, ca);
    let r = get(&format!("{}/upstream/tls/v2/", fwd.url()));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("docker-distribution-api-version"),
        Some("registry/2.0")
    );

    let spec = ociscope_native::connect(&format!("{}/upstream/tls", fwd.url()), Options::default())
        .unwrap();
    let ctx = Ctx::new("fwd-tls").with_capabilities(Capabilities::cncf_distribution());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = rt.block_on(run_all(&spec, &ctx));
    println!("{report}");
    assert!(report.is_success(), "{report}");

    // skopeo in and out through the Docker form: over plain HTTP to the forwarder, TLS behind.
    let dir = TempDir::new("tls-layout");
    let img = Image::new("over-tls", None, None);
    img.write_layout(dir.path(), "v1");
    let host = fwd.url().trim_start_matches("http://").to_string();
    let dest = format!("docker://{host}/upstream/tls/tls/img:v1");
    let src = format!("oci:{}:v1", dir.path().display());
    let copy = |from: &str, to: &str| {
        let out = Command::new("skopeo")
            .args(["copy", "--quiet", "--preserve-digests"])
            .args([
                "--src-tls-verify=false",
                "--dest-tls-verify=false",
                from,
                to,
            ])
            .output()
            .expect("skopeo runs");
        assert!(
            out.status.success(),
            "skopeo copy {from} {to}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    copy(&src, &dest);
    let back = TempDir::new("tls-back");
    copy(&dest, &format!("oci:{}:v1", back.path().display()));
    let r = request(
        "GET",
        &format!("{}/upstream/tls/v2/tls/img/manifests/v1", fwd.url()),
        &[("accept", "application/vnd.oci.image.manifest.v1+json")],
        bytes::Bytes::new(),
    );
    assert_eq!((r.status, r.body.clone()), (200, img.manifest.clone()));
    for blob in img.blobs() {
        let d = sha256(blob);
        let copied = std::fs::read(back.path().join("blobs/sha256").join(&d["sha256:".len()..]));
        assert_eq!(copied.unwrap(), *blob, "{d} read back through TLS");
    }
}

#[test]
fn a_tls_upstream_without_its_ca_is_refused_naming_the_certificate() {
    let dist = TlsDistribution::start();
    let fwd = forwarder(&dist.url, Vec::new());
    let started = Instant::now();
    let r = get(&format!("{}/upstream/tls/v2/", fwd.url()));
    let took = started.elapsed();
    assert_eq!(r.status, 502, "{}", r.text());
    assert_eq!(r.code(), "UNAVAILABLE");
    let text = r.text();
    assert!(text.contains("invalid peer certificate"), "{text}");
    assert!(text.contains("UnknownIssuer"), "{text}");
    assert!(text.contains("--upstream-ca"), "{text}");
    println!("refused in {took:?}: {text}");
    assert!(
        took < ociscope_server::DEFAULT_TIMEOUT,
        "answered, not timed out"
    );
}

#[test]
fn the_binary_takes_the_ca_from_upstream_ca_files() {
    let dist = TlsDistribution::start();
    let dir = TempDir::new("upstream-ca");
    let (good, bad) = (dir.path().join("ca.pem"), dir.path().join("bad.pem"));
    std::fs::write(&good, &dist.ca_pem).unwrap();
    std::fs::write(&bad, "not a certificate\n").unwrap();
    let upstream = format!("tls={}", dist.url);
    let bin = Binary::start(&[
        "--upstream",
        &upstream,
        "--upstream-ca",
        good.to_str().unwrap(),
    ]);
    let r = get(&format!("{}/upstream/tls/v2/", bin.url));
    assert_eq!(r.status, 200, "{}", r.text());
    let out = Command::new(env!("CARGO_BIN_EXE_ociscope-server"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            &upstream,
            "--upstream-ca",
        ])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--upstream-ca") && err.contains("bad.pem"),
        "{err}"
    );
}

#[test]
fn ca_files_must_hold_certificates() {
    assert!(CaCertificate::from_pem(b"").is_err());
    assert!(CaCertificate::from_pem(b"not pem at all").is_err());
    let key = KeyPair::generate().unwrap().serialize_pem();
    assert!(CaCertificate::from_pem(key.as_bytes()).is_err());
}
