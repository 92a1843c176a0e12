//! The registry answers the distribution API at all.

use ociscope_core::spec::Spec;

use crate::{ensure, Context, Ctx, Failure};

/// `ping` succeeds and what it reports is consistent: an API version, when given, is
/// `registry/2.0`; a chunk minimum, when given, is positive.
pub async fn check_ping<S: Spec>(spec: &S, _ctx: &Ctx) -> Result<(), Failure> {
    let info = spec.ping().await.context("ping")?;
    ensure!(
        info.api_version
            .as_deref()
            .is_none_or(|v| v == "registry/2.0"),
        "ping: API version {:?}, expected registry/2.0",
        info.api_version
    );
    ensure!(
        info.chunk_min_length != Some(0),
        "ping: a chunk minimum of 0 bytes"
    );
    Ok(())
}
