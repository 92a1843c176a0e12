//! Real registries' upload quirks, each reproduced by `--quirk`, met by the core's HTTP client
//! (`HttpSpec` on the native transport): uploads end with the right bytes and no help.

mod common;

use bytes::Bytes;
use ociscope_core::client::{Credentials, HttpSpec, Options};
use ociscope_core::descriptor::Descriptor;
use ociscope_core::digest::Digest;
use ociscope_core::spec::{BlobReader, BlobWriter, Error, RepoName, Spec};
use ociscope_core::ErrorCode;
use ociscope_native::NativeTransport;
use ociscope_server::{AuthMode, Config, Quirk, Quirks, Running};
use ociscope_spec_suite::{run_all, Capabilities, Ctx};

const MIB: usize = 1024 * 1024;

fn quirky(quirks: &[&str]) -> Running {
    let list: Vec<Quirk> = quirks.iter().map(|q| q.parse().unwrap()).collect();
    common::server(Config {
        quirks: Quirks::from_list(&list),
        ..Config::default()
    })
}

fn client(server: &Running) -> HttpSpec<NativeTransport> {
    ociscope_native::connect(&server.url(), Options::default()).expect("client")
}

/// `len` bytes that differ from one run of `seed` to another.
fn content(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[1] ^ seed)
        .collect()
}

/// Uploads `data` in writes of 1 MiB with chunks of `hint` bytes, then reads it back.
async fn round_trip(
    spec: &HttpSpec<NativeTransport>,
    repo: &str,
    data: &[u8],
    hint: usize,
) -> Result<Descriptor, Error> {
    let repo = RepoName::new(repo).unwrap();
    let digest = Digest::sha256_of(data);
    let mut w = spec.start_upload(&repo, Some(hint)).await?;
    for piece in data.chunks(MIB) {
        w.write(piece).await?;
    }
    let stored = w.commit(&digest).await?;
    let back = spec
        .get_blob(&repo, &digest)
        .await?
        .read_to_end(data.len() as u64)
        .await?;
    assert_eq!(back.len(), data.len());
    assert!(back == data, "the registry holds other bytes");
    Ok(stored)
}

#[tokio::test(flavor = "current_thread")]
async fn a_request_limit_is_learned_and_the_upload_continues() {
    let server = quirky(&["max-request=4MiB"]);
    let spec = client(&server);
    let data = content(13 * MIB + 5, 1);
    let stored = round_trip(&spec, "limit/a", &data, 5 * MIB).await.unwrap();
    assert_eq!(stored.size, data.len() as u64);
    assert_eq!(spec.request_limit(), Some(4 * MIB as u64));
    // The next upload starts with chunks the registry takes.
    let repo = RepoName::new("limit/b").unwrap();
    let w = spec.start_upload(&repo, Some(5 * MIB)).await.unwrap();
    assert_eq!(w.chunk_size(), 4 * MIB);
    // A monolithic push over the limit goes in PATCHes of the limit, then the PUT.
    let server = quirky(&["max-request=1MiB"]);
    let spec = client(&server);
    let data = content(3 * MIB + 17, 2);
    let repo = RepoName::new("limit/mono").unwrap();
    let d = Descriptor::new(
        "application/octet-stream",
        Digest::sha256_of(&data),
        data.len() as u64,
    );
    spec.push_blob(&repo, &d, Bytes::from(data.clone()))
        .await
        .unwrap();
    let mut back = spec.get_blob(&repo, &d.digest).await.unwrap();
    assert_eq!(back.read_to_end(1 << 30).await.unwrap(), data);
    let limit = spec.request_limit().unwrap();
    assert!(limit <= MIB as u64 && limit > MIB as u64 / 2, "{limit}");
}

#[tokio::test(flavor = "current_thread")]
async fn a_limit_under_the_chunk_minimum_is_a_clear_error_and_stores_nothing() {
    let server = quirky(&["max-request=4MiB", "chunk-min=5MiB"]);
    let spec = client(&server);
    let data = content(11 * MIB, 3);
    let e = round_trip(&spec, "impossible/a", &data, MIB)
        .await
        .unwrap_err();
    assert!(e.has_code(ErrorCode::RangeInvalid), "{e}");
    assert!(e.to_string().contains("request limit"), "{e}");
    let repo = RepoName::new("impossible/a").unwrap();
    let missing = spec.stat_blob(&repo, &Digest::sha256_of(&data)).await;
    assert!(missing.unwrap_err().is_not_found());
}

#[tokio::test(flavor = "current_thread")]
async fn a_lowered_limit_never_sends_a_part_under_the_chunk_minimum() {
    // 5 MiB chunks asked for, refused over 4 MiB, parts under 3 MiB refused: the 1 MiB left of
    // each refused chunk waits for the next bytes instead of going alone.
    let server = quirky(&["max-request=4MiB", "chunk-min=3MiB"]);
    let spec = client(&server);
    let data = content(23 * MIB + 9, 7);
    round_trip(&spec, "both/a", &data, 5 * MIB).await.unwrap();
    assert_eq!(spec.request_limit(), Some(4 * MIB as u64));
}

#[tokio::test(flavor = "current_thread")]
async fn a_raised_chunk_minimum_is_honoured() {
    let server = quirky(&["chunk-min=6MiB"]);
    let spec = client(&server);
    let repo = RepoName::new("minimum/a").unwrap();
    let w = spec.start_upload(&repo, Some(MIB)).await.unwrap();
    assert_eq!(w.chunk_size(), 6 * MIB, "raised to the announced minimum");
    let data = content(20 * MIB + 3, 4);
    round_trip(&spec, "minimum/b", &data, MIB).await.unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn ecr_answers_are_met() {
    // PATCH answered 201, a Range that lags behind what is stored, and a 500 for an empty
    // committing PUT: an upload of exactly two chunks shows all three.
    let server = quirky(&["patch-201", "stale-range", "empty-put-500"]);
    let spec = client(&server);
    let data = content(10 * MIB, 5);
    round_trip(&spec, "ecr/a", &data, 5 * MIB).await.unwrap();
    let data = content(7 * MIB + 1, 6);
    round_trip(&spec, "ecr/b", &data, MIB).await.unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn the_behaviour_suite_passes_with_every_quirk() {
    for quirks in [
        &[
            "max-request=1MiB",
            "patch-201",
            "stale-range",
            "empty-put-500",
        ][..],
        &["chunk-min=64KiB"][..],
    ] {
        let server = quirky(quirks);
        let spec = client(&server);
        let ctx = Ctx::new("quirks").with_capabilities(Capabilities::all());
        let report = run_all(&spec, &ctx).await;
        assert!(report.is_success(), "{quirks:?}: {report}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_token_that_expires_mid_upload_is_renewed_without_restarting_it() {
    let server = common::server(Config {
        auth: AuthMode::Bearer,
        users: vec!["u:secret".parse().unwrap()],
        token_lifetime_secs: 1,
        ..Config::default()
    });
    let options = Options {
        credentials: Credentials::basic("u", "secret"),
        ..Options::default()
    };
    let spec = ociscope_native::connect(&server.url(), options).expect("client");
    let repo = RepoName::new("tokens/a").unwrap();
    let data = content(3 * MIB + 1, 8);
    let mut w = spec.start_upload(&repo, Some(MIB)).await.unwrap();
    w.write(&data[..MIB + 1]).await.unwrap();
    let id = w.id().to_string();
    // The token expires between two chunks.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    w.write(&data[MIB + 1..]).await.unwrap();
    assert_eq!(w.id(), id, "the same upload went on");
    w.commit(&Digest::sha256_of(&data)).await.unwrap();
    let mut back = spec
        .get_blob(&repo, &Digest::sha256_of(&data))
        .await
        .unwrap();
    assert_eq!(back.read_to_end(1 << 30).await.unwrap(), data);
}
