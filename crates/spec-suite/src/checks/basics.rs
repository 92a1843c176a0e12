//! The registry answers the distribution API at all.

use ociscope_core::spec::Spec;

use crate::{Context, Ctx, Failure};

/// `ping` succeeds.
pub async fn check_ping<S: Spec>(spec: &S, _ctx: &Ctx) -> Result<(), Failure> {
    spec.ping().await.context("ping")
}
