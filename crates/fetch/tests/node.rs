//! The Fetch transport in Node (≥ 20) against live registries: the spec suite against CNCF
//! distribution and against ociscope-server behind bearer tokens, htpasswd basic auth (no CORS
//! in Node, so the round trip works), a 64 MiB chunked upload, injected faults, a path prefix,
//! network errors.
//!
//! Run through `bash tests/fetch.sh` (addresses at compile time in `OCISCOPE_FETCH_*`).
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use ociscope_core::client::{Credentials, Options};
use ociscope_core::registry_error::ErrorCode;
use ociscope_core::spec::{ErrorKind, Spec};
use ociscope_spec_suite::{Capabilities, Ctx};
use wasm_bindgen_test::{console_log, wasm_bindgen_test};

fn distribution() -> &'static str {
    required!("OCISCOPE_FETCH_DISTRIBUTION")
}

#[wasm_bindgen_test]
async fn spec_suite_against_distribution() {
    suite_against_distribution(distribution(), Options::default(), "node, distribution").await;
}

#[wasm_bindgen_test]
async fn spec_suite_against_ociscope_server_behind_bearer_tokens() {
    suite_against_server(
        required!("OCISCOPE_FETCH_BEARER"),
        credentials(),
        "node, ociscope-server bearer",
    )
    .await;
}

#[wasm_bindgen_test]
async fn htpasswd_basic_auth_round_trip() {
    let address = required!("OCISCOPE_FETCH_HTPASSWD");
    let spec = ociscope_fetch::connect(address, credentials()).unwrap();
    spec.ping().await.unwrap();
    round_trip(&spec, "node, htpasswd distribution").await;
    let ctx = Ctx::new(unique("auth")).with_capabilities(Capabilities::cncf_distribution());
    suite(&spec, "node, htpasswd distribution", &ctx).await;
    // Without credentials, or with a wrong password: UNAUTHORIZED, not a retry loop.
    for credentials in [Credentials::Anonymous, Credentials::basic(USER, "wrong")] {
        let options = Options {
            credentials: credentials.clone(),
            ..Options::default()
        };
        let e = ociscope_fetch::connect(address, options)
            .unwrap()
            .ping()
            .await
            .unwrap_err();
        assert!(
            e.has_code(ErrorCode::Unauthorized),
            "{credentials:?}: {e:?}"
        );
    }
}

#[wasm_bindgen_test]
async fn chunked_upload_of_64_mib() {
    let spec = ociscope_fetch::connect(distribution(), Options::default()).unwrap();
    let repo = format!("{}/big", unique("upload"));
    big_upload(&spec, &repo, 64, 4 << 20, "node, distribution").await;
}

#[wasm_bindgen_test]
async fn ociscope_server_with_faults() {
    faults(
        required!("OCISCOPE_FETCH_FAULTS"),
        "node, ociscope-server faults",
    )
    .await;
}

#[wasm_bindgen_test]
async fn a_registry_under_a_path_prefix() {
    let spec =
        ociscope_fetch::connect(required!("OCISCOPE_FETCH_PREFIXED"), Options::default()).unwrap();
    round_trip(&spec, "node, distribution under /mirror").await;
    let ctx = Ctx::new(unique("prefixed")).with_capabilities(Capabilities::cncf_distribution());
    suite(&spec, "node, distribution under /mirror", &ctx).await;
}

#[wasm_bindgen_test]
async fn failures_are_network_errors_in_node() {
    // Node has no CORS: a server without CORS headers just answers.
    let spec =
        ociscope_fetch::connect(required!("OCISCOPE_FETCH_NO_CORS"), Options::default()).unwrap();
    spec.ping().await.unwrap();
    let spec =
        ociscope_fetch::connect(required!("OCISCOPE_FETCH_CLOSED"), Options::default()).unwrap();
    let started = now_ms();
    let e = spec.ping().await.unwrap_err();
    console_log!(
        "node, closed port: {e} (after {:.1} s of retries)",
        (now_ms() - started) / 1000.0
    );
    assert_eq!(e.kind(), Some(ErrorKind::Network), "{e:?}");
}

#[wasm_bindgen_test]
async fn ociscope_server_with_upload_quirks() {
    quirks(
        required!("OCISCOPE_FETCH_QUIRKS"),
        "node, ociscope-server upload quirks",
    )
    .await;
}
