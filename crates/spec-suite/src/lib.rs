//! ociscope-spec-suite: behaviour checks that every [`Spec`] implementation must pass.
//!
//! The same checks run against the in-memory registry, the ociscope server and CNCF distribution
//! (through the HTTP client), and the browser fetch transport. The suite does no I/O of its own
//! and builds for native and wasm32; the caller brings the `Spec` and an executor.
//!
//! Design decisions:
//! - Each check is a named `async fn check_xxx(spec, ctx) -> Result<(), Failure>` that uses its
//!   own repositories under [`Ctx::prefix`], so checks do not interfere and a persistent registry
//!   can run the suite again with a new prefix. Content includes the prefix, so digests are new on
//!   every run too.
//! - A check is reported "not applicable" only when the [`Ctx`] declares the capability it needs
//!   absent ([`Capabilities`]); nothing is skipped silently, and an unexpected `Unsupported`
//!   answer is a failure.
//! - [`run_all`] runs every check in a fixed order and never stops at the first failure.

mod check;
pub mod checks;
pub mod content;
pub mod fixtures;
mod report;

pub use check::{expect_code, expect_err, Context, Failure};
pub use report::{CheckResult, Outcome, Report};

use ociscope_core::spec::{RepoName, Spec};

/// What a registry under test supports; a check needing an absent one is "not applicable".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// Deleting manifests (by digest) and blobs.
    pub deletes: bool,
    /// Deleting a tag without deleting the manifest it points at.
    pub delete_tags: bool,
    /// Mounting a blob from another repository of the same registry.
    pub mount: bool,
    /// Listing repositories (`/v2/_catalog`).
    pub catalog: bool,
    /// A native referrers API; when false the client keeps the `sha256-<hex>` fallback tag.
    pub referrers_api: bool,
}

impl Capabilities {
    /// What CNCF distribution 2.8 supports: no referrers API (clients use the fallback tag
    /// schema) and no deletion of a tag alone.
    pub fn cncf_distribution() -> Capabilities {
        Capabilities {
            delete_tags: false,
            referrers_api: false,
            ..Capabilities::all()
        }
    }

    /// Every capability present.
    pub fn all() -> Capabilities {
        Capabilities {
            deletes: true,
            delete_tags: true,
            mount: true,
            catalog: true,
            referrers_api: true,
        }
    }
}

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities::all()
    }
}

/// Where and how the suite runs: a repository prefix of its own and the declared capabilities.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ctx {
    /// Repository path prefix, e.g. `suite-1a2b`; every repository used lies under it.
    pub prefix: String,
    /// What the registry supports.
    pub capabilities: Capabilities,
}

impl Ctx {
    /// A context with every capability present.
    pub fn new(prefix: impl Into<String>) -> Ctx {
        Ctx {
            prefix: prefix.into(),
            capabilities: Capabilities::all(),
        }
    }

    /// This context with other capabilities.
    pub fn with_capabilities(mut self, capabilities: Capabilities) -> Ctx {
        self.capabilities = capabilities;
        self
    }

    /// The repository `<prefix>/<name>`; a prefix that makes no valid name fails the check.
    pub fn repo(&self, name: &str) -> Result<RepoName, Failure> {
        RepoName::new(format!("{}/{}", self.prefix, name))
            .map_err(|e| Failure(format!("suite prefix {:?}: {e}", self.prefix)))
    }
}

/// A capability a check needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// Nothing beyond the core protocol.
    Nothing,
    /// [`Capabilities::deletes`].
    Deletes,
    /// [`Capabilities::delete_tags`].
    DeleteTags,
    /// [`Capabilities::mount`].
    Mount,
    /// [`Capabilities::catalog`].
    Catalog,
    /// [`Capabilities::referrers_api`] present.
    ReferrersApi,
    /// [`Capabilities::referrers_api`] absent (the fallback tag schema is in use).
    ReferrersFallback,
}

impl Needs {
    /// Why the check does not apply, or `None` when the context allows it.
    pub fn missing(self, caps: &Capabilities) -> Option<&'static str> {
        let (present, why) = match self {
            Needs::Nothing => (true, ""),
            Needs::Deletes => (caps.deletes, "registry declares no deletes"),
            Needs::DeleteTags => (caps.delete_tags, "registry declares no tag deletion"),
            Needs::Mount => (caps.mount, "registry declares no cross-repository mount"),
            Needs::Catalog => (caps.catalog, "registry declares no catalog"),
            Needs::ReferrersApi => (caps.referrers_api, "registry declares no referrers API"),
            Needs::ReferrersFallback => (
                !caps.referrers_api,
                "registry has a referrers API, so no fallback tag",
            ),
        };
        (!present).then_some(why)
    }
}

/// Runs one check unless its capability is declared absent, and records the outcome.
macro_rules! run {
    ($report:ident, $spec:ident, $ctx:ident, $needs:expr, $check:path) => {{
        let name = stringify!($check)
            .rsplit("::")
            .next()
            .unwrap_or_default()
            .trim_start_matches("check_");
        let outcome = match $needs.missing(&$ctx.capabilities) {
            Some(why) => Outcome::NotApplicable(why),
            None => match $check($spec, $ctx).await {
                Ok(()) => Outcome::Passed,
                Err(f) => Outcome::Failed(f),
            },
        };
        $report.push(name, outcome);
    }};
}

/// Runs every check in order and reports each one; never stops at a failure.
pub async fn run_all<S: Spec>(spec: &S, ctx: &Ctx) -> Report {
    use checks::*;
    let mut r = Report::default();
    run!(r, spec, ctx, Needs::Nothing, basics::check_ping);
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        blobs::check_blob_push_monolithic
    );
    run!(r, spec, ctx, Needs::Nothing, blobs::check_blob_push_empty);
    run!(r, spec, ctx, Needs::Nothing, blobs::check_blob_push_twice);
    run!(r, spec, ctx, Needs::Nothing, blobs::check_blob_range);
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        blobs::check_blob_range_invalid
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        blobs::check_blob_wrong_digest_refused
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        blobs::check_blob_wrong_size_refused
    );
    run!(r, spec, ctx, Needs::Nothing, uploads::check_upload_chunked);
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        uploads::check_upload_uneven_writes
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        uploads::check_upload_resume_at_offset
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        uploads::check_upload_resume_asking_offset
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        uploads::check_upload_resume_wrong_offset
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        uploads::check_upload_commit_wrong_digest
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        uploads::check_upload_cancel_idempotent
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        uploads::check_upload_cancel_after_commit
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Mount,
        uploads::check_mount_across_repositories
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        uploads::check_mount_missing_blob
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        manifests::check_manifest_push_by_tag
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        manifests::check_manifest_push_by_digest
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        manifests::check_manifest_several_tags
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        manifests::check_manifest_tag_moves
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        manifests::check_manifest_index
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        manifests::check_manifest_without_layers
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        manifests::check_manifest_missing_blob_refused
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        errors::check_error_manifest_unknown
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        errors::check_error_blob_unknown
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        errors::check_error_name_unknown
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        errors::check_error_upload_unknown
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        errors::check_error_manifest_invalid
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Deletes,
        errors::check_error_delete_unknown
    );
    run!(
        r,
        spec,
        ctx,
        Needs::DeleteTags,
        deletes::check_delete_tag_keeps_manifest
    );
    run!(r, spec, ctx, Needs::Deletes, deletes::check_delete_manifest);
    run!(r, spec, ctx, Needs::Deletes, deletes::check_delete_blob);
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        lists::check_list_tags_paginated
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Catalog,
        lists::check_list_repositories_paginated
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        referrers::check_referrers_listed
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        referrers::check_referrers_filtered
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        referrers::check_referrers_none
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        referrers::check_referrers_paged
    );
    run!(
        r,
        spec,
        ctx,
        Needs::Nothing,
        referrers::check_referrers_unknown_repository
    );
    run!(
        r,
        spec,
        ctx,
        Needs::ReferrersApi,
        referrers::check_referrers_no_extra_tag
    );
    run!(
        r,
        spec,
        ctx,
        Needs::ReferrersFallback,
        referrers::check_referrers_fallback_tag
    );
    r
}
