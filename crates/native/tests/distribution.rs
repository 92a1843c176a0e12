//! The behaviour suite through `HttpSpec<NativeTransport>` against a real CNCF distribution.

mod common;

use bytes::Bytes;
use common::{unique_prefix, Distribution};
use ociscope_core::client::{Credentials, HttpSpec, Options};
use ociscope_core::descriptor::Descriptor;
use ociscope_core::media_type;
use ociscope_core::registry_error::ErrorCode;
use ociscope_core::spec::{collect_all, BlobReader, BlobWriter, PageRequest, Spec};
use ociscope_core::Digest;
use ociscope_native::NativeTransport;
use ociscope_spec_suite::{run_all, Capabilities, Ctx};

/// A repository name the test knows is valid.
fn n(name: &str) -> ociscope_core::spec::RepoName {
    ociscope_core::spec::RepoName::new(name).unwrap()
}

#[tokio::test(flavor = "current_thread")]
async fn spec_suite_passes_against_distribution() {
    let registry = Distribution::start();
    let spec = ociscope_native::connect(&registry.url, Options::default()).unwrap();
    let ctx = Ctx::new(unique_prefix("suite")).with_capabilities(Capabilities::cncf_distribution());
    let report = run_all(&spec, &ctx).await;
    println!("{report}");
    assert!(
        report.is_success(),
        "{report}\nregistry log:\n{}",
        registry.log()
    );
    assert_eq!(spec.has_referrers_api(), Some(false));
}

#[tokio::test(flavor = "current_thread")]
async fn spec_suite_passes_with_htpasswd_basic_auth() {
    let registry = Distribution::with_htpasswd();
    let options = Options {
        credentials: Credentials::basic("suite", common::PASSWORD),
        ..Options::default()
    };
    let spec = ociscope_native::connect(&registry.url, options).unwrap();
    let ctx = Ctx::new(unique_prefix("auth")).with_capabilities(Capabilities::cncf_distribution());
    let report = run_all(&spec, &ctx).await;
    println!("{report}");
    assert!(
        report.is_success(),
        "{report}\nregistry log:\n{}",
        registry.log()
    );
    assert_eq!(
        report.failed() + report.passed() + report.not_applicable(),
        report.results.len()
    );

    // Without credentials, or with a wrong password: UNAUTHORIZED, not a retry loop.
    for credentials in [Credentials::Anonymous, Credentials::basic("suite", "wrong")] {
        let spec = ociscope_native::connect(
            &registry.url,
            Options {
                credentials: credentials.clone(),
                ..Options::default()
            },
        )
        .unwrap();
        let e = spec.ping().await.unwrap_err();
        assert!(
            e.has_code(ErrorCode::Unauthorized),
            "{credentials:?}: {e:?}"
        );
        assert_eq!(e.status(), Some(401));
    }
}

#[tokio::test(flavor = "current_thread")]
async fn catalog_of_more_than_1000_repositories_is_paged_past_the_registry_limit() {
    let registry = Distribution::start();
    let spec = ociscope_native::connect(&registry.url, Options::default()).unwrap();
    let layer = Bytes::from_static(b"one layer mounted everywhere");
    let d = Descriptor::new(
        media_type::OCI_LAYER_TAR,
        Digest::sha256_of(&layer),
        layer.len() as u64,
    );
    spec.push_blob(&n("many/source"), &d, layer).await.unwrap();
    let mut want = vec!["many/source".to_string()];
    for i in 0..1100 {
        let repo = format!("many/r{i:04}");
        assert!(spec
            .mount_blob(&n("many/source"), &n(&repo), &d.digest)
            .await
            .unwrap()
            .is_mounted());
        want.push(repo);
    }
    want.sort();
    // Distribution refuses n > 1000 with PAGINATION_NUMBER_INVALID …
    let raw = spec
        .list_repositories(&PageRequest::first(5000))
        .await
        .unwrap();
    assert!(
        raw.items.len() <= 1000,
        "{} items in one page",
        raw.items.len()
    );
    assert!(
        raw.next.is_some(),
        "a page cut by the registry must link to the rest"
    );
    // … and every repository still comes, in order, across pages.
    let all = collect_all(&spec, None, 5000, None).await.unwrap();
    assert_eq!(all, want);
    let small = collect_all(&spec, None, 333, None).await.unwrap();
    assert_eq!(small, want);
    // Tags: distribution ignores n and does not sort; the client pages them itself.
    let manifest = push_small_image(&spec, "many/tags").await;
    let tags = ociscope_core::spec::Tag::all((0..1005).map(|i| format!("t{i}"))).unwrap();
    spec.push_manifest(&n("many/tags"), media_type::OCI_MANIFEST, manifest, &tags)
        .await
        .unwrap();
    let mut want_tags: Vec<String> = tags.iter().map(ToString::to_string).collect();
    want_tags.sort();
    assert_eq!(
        collect_all(&spec, Some(&n("many/tags")), 5000, None)
            .await
            .unwrap(),
        want_tags
    );
    assert_eq!(
        collect_all(&spec, Some(&n("many/tags")), 400, None)
            .await
            .unwrap(),
        want_tags
    );
}

async fn push_small_image(spec: &HttpSpec<NativeTransport>, repo: &str) -> Bytes {
    let empty = Descriptor::empty();
    spec.push_blob(
        &n(repo),
        &empty,
        Bytes::from_static(media_type::empty::CONTENT),
    )
    .await
    .unwrap();
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": media_type::OCI_MANIFEST,
        "config": {"mediaType": media_type::OCI_EMPTY, "digest": empty.digest.as_str(), "size": 2},
        "layers": [],
    });
    Bytes::from(serde_json::to_vec(&manifest).unwrap())
}

#[tokio::test(flavor = "current_thread")]
async fn chunked_upload_resumes_in_a_new_client_after_the_first_is_gone() {
    let registry = Distribution::start();
    let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let digest = Digest::sha256_of(&data);
    let resumable = {
        let spec = ociscope_native::connect(&registry.url, Options::default()).unwrap();
        let mut w = spec
            .start_upload(&n("resume/here"), Some(16_384))
            .await
            .unwrap();
        assert_eq!(w.chunk_size(), 16_384);
        w.write(&data[..40_000]).await.unwrap();
        w.close().await.unwrap()
    };
    // Two full chunks were sent; the partial third was not.
    assert_eq!(resumable.offset, 32_768);
    let spec = ociscope_native::connect(&registry.url, Options::default()).unwrap();
    // A wrong offset is refused with what to do.
    let e = spec
        .resume_upload(
            &n("resume/here"),
            &resumable.id,
            ociscope_core::spec::ResumeAt::Offset(1_000),
            None,
        )
        .await
        .err()
        .expect("a wrong offset is refused");
    assert!(e.to_string().contains("holds 32768 bytes"), "{e}");
    let mut w = spec
        .resume_upload(
            &n("resume/here"),
            &resumable.id,
            ociscope_core::spec::ResumeAt::RegistryOffset,
            Some(10_000),
        )
        .await
        .unwrap();
    assert_eq!(w.size(), 32_768);
    w.write(&data[32_768..]).await.unwrap();
    let d = w.commit(&digest).await.unwrap();
    assert_eq!((d.digest.clone(), d.size), (digest.clone(), 100_000));
    let mut r = spec.get_blob(&n("resume/here"), &digest).await.unwrap();
    assert_eq!(r.read_to_end(1 << 20).await.unwrap(), data);
}
