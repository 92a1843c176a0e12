//! The same behaviour suite the in-memory registry passes, run against the server over HTTP
//! through the core's HTTP client (`HttpSpec` on the native transport): anonymous, behind bearer
//! tokens from the server's own token endpoint, and with 429/503 faults injected.

use ociscope_core::client::{Credentials, Options};
use ociscope_core::memory::MemoryRegistry;
use ociscope_server::{spawn, AuthMode, Config, FaultRule};
use ociscope_spec_suite::{run_all, Capabilities, Ctx};

async fn suite_passes(config: Config, options: Options, prefix: &str) {
    let server = spawn("127.0.0.1:0", MemoryRegistry::new, config).expect("server starts");
    let spec = ociscope_native::connect(&server.url(), options).expect("client");
    let ctx = Ctx::new(prefix).with_capabilities(Capabilities::all());
    let report = run_all(&spec, &ctx).await;
    println!("{report}");
    assert!(report.is_success(), "{report}");
    assert_eq!(
        report.not_applicable(),
        1,
        "only the fallback-tag check: {report}"
    );
    assert_eq!(spec.has_referrers_api(), Some(true));
}

#[tokio::test(flavor = "current_thread")]
async fn spec_suite_passes_against_the_server() {
    suite_passes(Config::default(), Options::default(), "suite").await;
}

#[tokio::test(flavor = "current_thread")]
async fn spec_suite_passes_behind_bearer_tokens() {
    let config = Config {
        auth: AuthMode::Bearer,
        users: vec!["suite:secret".parse().unwrap()],
        ..Config::default()
    };
    let options = Options {
        credentials: Credentials::basic("suite", "secret"),
        ..Options::default()
    };
    suite_passes(config, options, "bearer").await;
}

#[tokio::test(flavor = "current_thread")]
async fn spec_suite_passes_through_injected_429_and_503() {
    let config = Config {
        faults: vec![
            "429:0.1".parse::<FaultRule>().unwrap(),
            "503:GET /v2/*:0.1".parse::<FaultRule>().unwrap(),
        ],
        seed: 7,
        ..Config::default()
    };
    suite_passes(config, Options::default(), "faults").await;
}
