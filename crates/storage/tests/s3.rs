//! The S3 driver against an S3 server on loopback: moto's server (`moto_server`, PyPI
//! `moto[server]`), which `scripts/setup` installs in a virtualenv under
//! `~/.cache/ociscope/moto-5.2.5` (or set `OCISCOPE_MOTO_SERVER` to its executable).
//!
//! moto is a **mock** of AWS (an in-memory emulation behind a real HTTP server; it does not
//! check signatures), not S3 itself. It was chosen after trying the S3 servers the package
//! registries offer: Debian's `radosgw` (Ceph 16) needs a whole RADOS cluster; `s3s-fs`
//! (crates.io) names each object's metadata file by the base64 of the whole key, so keys over
//! ~160 bytes (a referrer's) fail; `s3rver` (npm) prunes its directory walk under a common
//! prefix, so delimited listings miss folders nested two deep. moto answers the S3 protocol
//! (SigV4-signed requests from object_store, delimited listings, copies, multipart uploads
//! with S3's 5 MiB part minimum) as S3 does, which is what this test proves the driver speaks.
//! Run with `cargo test -p ociscope-storage --features s3 --test s3` (`scripts/test` does).

use std::time::Duration;

use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use ociscope_core::descriptor::Descriptor;
use ociscope_core::media_type;
use ociscope_core::spec::{BlobReader, BlobWriter, RepoName, ResumeAt, Spec};
use ociscope_core::Digest;
use ociscope_spec_suite::{run_all, Capabilities, Ctx};
use ociscope_storage::{collect_garbage, DriverRegistry, GcOptions, S3Driver, StorageDriver};
use ociscope_testkit::Moto;

/// Any credentials do: moto does not check signatures.
const ACCESS_KEY: &str = "ociscope-test";
const SECRET_KEY: &str = "ociscope-test-secret";

/// moto's S3 server with one bucket (`ociscope-testkit`), and drivers on it.
struct S3Server(Moto);

impl S3Server {
    fn start(bucket: &str) -> S3Server {
        S3Server(Moto::start(bucket))
    }

    fn driver(&self, bucket: &str, prefix: &str) -> S3Driver {
        let builder = AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_endpoint(&self.0.endpoint)
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_access_key_id(ACCESS_KEY)
            .with_secret_access_key(SECRET_KEY)
            .with_virtual_hosted_style_request(false);
        S3Driver::with_builder(builder, prefix, &format!("s3://{bucket}/{prefix}")).unwrap()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn driver_rules_hold_on_s3() {
    let server = S3Server::start("rules");
    let d = server.driver("rules", "");
    assert!(d.get_content("a/b").await.unwrap_err().is_not_found());
    d.put_content("a/b", Bytes::from_static(b"hello"))
        .await
        .unwrap();
    assert_eq!(d.get_content("a/b").await.unwrap(), "hello");
    assert_eq!(d.read_at("a/b", 1, 3).await.unwrap(), "ell");
    assert_eq!(d.read_at("a/b", 9, 3).await.unwrap(), "");
    assert_eq!(d.append("a/up/data", b"one ").await.unwrap(), 4);
    assert_eq!(d.append("a/up/data", b"two").await.unwrap(), 7);
    assert_eq!(d.stat("a/up/data").await.unwrap().size, 7);
    assert_eq!(d.read_at("a/up/data", 2, 4).await.unwrap(), "e tw");
    assert_eq!(d.get_content("a/up/data").await.unwrap(), "one two");
    assert!(d.stat("a").await.unwrap().is_dir);
    assert_eq!(d.list("a").await.unwrap(), vec!["b", "up"]);
    assert_eq!(d.list("a/up").await.unwrap(), vec!["data"]);
    d.rename("a/up/data", "c/joined").await.unwrap();
    assert_eq!(d.get_content("c/joined").await.unwrap(), "one two");
    assert!(d.stat("a/up/data").await.unwrap_err().is_not_found());
    d.delete("a").await.unwrap();
    assert!(d.list("a").await.unwrap_err().is_not_found());
    assert!(d.delete("a").await.unwrap_err().is_not_found());
}

#[tokio::test(flavor = "current_thread")]
async fn suite_passes_on_s3() {
    let server = S3Server::start("suite");
    let reg = DriverRegistry::new(server.driver("suite", "registry"));
    let ctx = Ctx::new("s3").with_capabilities(Capabilities::all());
    let report = run_all(&reg, &ctx).await;
    println!("{report}");
    assert!(report.is_success(), "{report}");
    assert_eq!(report.not_applicable(), 1, "only the fallback-tag check");
}

#[tokio::test(flavor = "current_thread")]
async fn uploads_resume_with_a_new_driver_and_gc_frees_deleted_content() {
    let server = S3Server::start("keep");
    let repo = RepoName::new("team/app").unwrap();
    // Parts of 3 MiB: the commit joins them into an object of more than one 5 MiB part.
    let big: Vec<u8> = (0..12_000_000u32).map(|i| (i * 31 % 251) as u8).collect();
    let digest = Digest::sha256_of(&big);
    let id = {
        let reg = DriverRegistry::new(server.driver("keep", "r"));
        let mut w = reg.start_upload(&repo, None).await.unwrap();
        for part in big[..9_000_000].chunks(3_000_000) {
            w.write(part).await.unwrap();
        }
        w.id().to_string()
    };
    let reg = DriverRegistry::new(server.driver("keep", "r"));
    // An empty upload has no segment at all, and still commits.
    let mut empty = reg.start_upload(&repo, None).await.unwrap();
    empty.commit(&Digest::sha256_of(b"")).await.unwrap();
    assert_eq!(
        reg.stat_blob(&repo, &Digest::sha256_of(b""))
            .await
            .unwrap()
            .size,
        0
    );
    let mut w = reg
        .resume_upload(&repo, &id, ResumeAt::RegistryOffset, None)
        .await
        .unwrap();
    assert_eq!(w.size(), 9_000_000);
    w.write(&big[9_000_000..]).await.unwrap();
    w.commit(&digest).await.unwrap();
    let mut r = reg.get_blob(&repo, &digest).await.unwrap();
    assert_eq!(r.read_to_end(u64::MAX).await.unwrap(), big);

    // Unreferenced (no manifest names it): a dry run lists it, a run removes it.
    let options = GcOptions {
        dry_run: true,
        grace: Duration::ZERO,
        ..GcOptions::default()
    };
    let report = collect_garbage(&reg, &options).await.unwrap();
    let mut removed = report.removed.clone();
    removed.sort();
    let mut want = vec![
        (digest.clone(), big.len() as u64),
        (Digest::sha256_of(b""), 0),
    ];
    want.sort();
    assert_eq!(removed, want);
    assert!(reg.stat_blob(&repo, &digest).await.is_ok());
    let options = GcOptions {
        dry_run: false,
        ..options
    };
    collect_garbage(&reg, &options).await.unwrap();
    assert!(reg.stat_blob(&repo, &digest).await.is_err());
    let blob = Descriptor::new(media_type::OCI_LAYER_TAR, digest.clone(), big.len() as u64);
    reg.push_blob(&repo, &blob, Bytes::from(big)).await.unwrap();
    assert!(reg.stat_blob(&repo, &digest).await.is_ok());
}
