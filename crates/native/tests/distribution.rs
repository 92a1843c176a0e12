//! The behaviour suite through `HttpSpec<NativeTransport>` against a real CNCF distribution.

mod common;

use common::{unique_prefix, Distribution};
use ociscope_core::client::Options;
use ociscope_spec_suite::{run_all, Capabilities, Ctx};

/// What CNCF distribution 2.8 supports: no referrers API (so the fallback tag schema is used),
/// and no deletion of a tag on its own.
fn distribution_capabilities() -> Capabilities {
    Capabilities {
        deletes: true,
        delete_tags: false,
        mount: true,
        catalog: true,
        referrers_api: false,
    }
}

#[tokio::test(flavor = "current_thread")]
async fn spec_suite_passes_against_distribution() {
    let registry = Distribution::start();
    let spec = ociscope_native::connect(&registry.url, Options::default()).unwrap();
    let ctx = Ctx::new(unique_prefix("suite")).with_capabilities(distribution_capabilities());
    let report = run_all(&spec, &ctx).await;
    println!("{report}");
    assert!(
        report.is_success(),
        "{report}\nregistry log:\n{}",
        registry.log()
    );
    assert_eq!(spec.has_referrers_api(), Some(false));
}
