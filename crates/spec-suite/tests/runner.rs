//! The runner reports every check by name, marks "not applicable" exactly where the context
//! declares a capability absent, and records failures without stopping.

use std::collections::HashSet;
use std::future::Future;
use std::pin::pin;
use std::task::{Context as TaskContext, Poll, Waker};

use bytes::Bytes;
use ociscope_core::descriptor::Descriptor;
use ociscope_core::spec::{
    BlobWriter, BytesReader, Error, ErrorKind, ManifestBytes, ManifestRef, Mount, Page,
    PageRequest, PingInfo, RepoName, Resumable, ResumeAt, Spec, Tag,
};
use ociscope_core::Digest;
use ociscope_spec_suite::{run_all, Capabilities, Ctx, Outcome};

/// Polls a future that never waits (every operation below answers at once).
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = TaskContext::from_waker(Waker::noop());
    match f.as_mut().poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the refusing registry never waits"),
    }
}

/// A registry that refuses every operation as unavailable.
struct Refusing;

fn refused<T>() -> Result<T, Error> {
    Err(Error::other(
        ErrorKind::Network,
        "registry refuses everything",
    ))
}

struct NoWriter;

impl BlobWriter for NoWriter {
    fn id(&self) -> &str {
        "none"
    }
    fn size(&self) -> u64 {
        0
    }
    fn chunk_size(&self) -> usize {
        1
    }
    async fn write(&mut self, _: &[u8]) -> Result<(), Error> {
        refused()
    }
    async fn close(&mut self) -> Result<Resumable, Error> {
        refused()
    }
    async fn commit(&mut self, _: &Digest) -> Result<Descriptor, Error> {
        refused()
    }
    async fn cancel(&mut self) -> Result<(), Error> {
        refused()
    }
}

impl Spec for Refusing {
    type Reader = BytesReader;
    type Writer = NoWriter;
    async fn ping(&self) -> Result<PingInfo, Error> {
        refused()
    }
    async fn stat_manifest(&self, _: &RepoName, _: &ManifestRef) -> Result<Descriptor, Error> {
        refused()
    }
    async fn get_manifest(&self, _: &RepoName, _: &ManifestRef) -> Result<ManifestBytes, Error> {
        refused()
    }
    async fn stat_blob(&self, _: &RepoName, _: &Digest) -> Result<Descriptor, Error> {
        refused()
    }
    async fn get_blob(&self, _: &RepoName, _: &Digest) -> Result<BytesReader, Error> {
        refused()
    }
    async fn get_blob_range(
        &self,
        _: &RepoName,
        _: &Digest,
        _: u64,
        _: Option<u64>,
    ) -> Result<BytesReader, Error> {
        refused()
    }
    async fn push_manifest(
        &self,
        _: &RepoName,
        _: &str,
        _: Bytes,
        _: &[Tag],
    ) -> Result<Descriptor, Error> {
        refused()
    }
    async fn push_blob(&self, _: &RepoName, _: &Descriptor, _: Bytes) -> Result<Descriptor, Error> {
        refused()
    }
    async fn start_upload(&self, _: &RepoName, _: Option<usize>) -> Result<NoWriter, Error> {
        refused()
    }
    async fn resume_upload(
        &self,
        _: &RepoName,
        _: &str,
        _: ResumeAt,
        _: Option<usize>,
    ) -> Result<NoWriter, Error> {
        refused()
    }
    async fn mount_blob(
        &self,
        _: &RepoName,
        _: &RepoName,
        _: &Digest,
    ) -> Result<Mount<NoWriter>, Error> {
        refused()
    }
    async fn delete_manifest(&self, _: &RepoName, _: &Digest) -> Result<(), Error> {
        refused()
    }
    async fn delete_tag(&self, _: &RepoName, _: &Tag) -> Result<(), Error> {
        refused()
    }
    async fn delete_blob(&self, _: &RepoName, _: &Digest) -> Result<(), Error> {
        refused()
    }
    async fn list_repositories(&self, _: &PageRequest) -> Result<Page, Error> {
        refused()
    }
    async fn list_tags(&self, _: &RepoName, _: &PageRequest) -> Result<Page, Error> {
        refused()
    }
    async fn list_referrers(
        &self,
        _: &RepoName,
        _: &Digest,
        _: Option<&str>,
        _: &PageRequest,
    ) -> Result<Page<Descriptor>, Error> {
        refused()
    }
}

#[test]
fn every_check_fails_against_a_registry_that_refuses_everything() {
    let report = block_on(run_all(&Refusing, &Ctx::new("suite-test")));
    let names: HashSet<_> = report.results.iter().map(|r| r.name).collect();
    assert_eq!(names.len(), report.results.len(), "check names repeat");
    assert!(names.contains("ping") && names.contains("upload_chunked"));
    // With every capability present only the fallback-tag check does not apply.
    assert_eq!(report.not_applicable(), 1, "{report}");
    assert_eq!(report.passed(), 0, "{report}");
    assert_eq!(report.failed(), report.results.len() - 1, "{report}");
    match report.outcome("ping") {
        Some(Outcome::Failed(f)) => assert!(f.0.contains("refuses everything"), "{f}"),
        other => panic!("ping: {other:?}"),
    }
}

#[test]
fn absent_capabilities_make_exactly_their_checks_not_applicable() {
    let caps = Capabilities {
        deletes: false,
        delete_tags: false,
        mount: false,
        catalog: false,
        referrers_api: false,
    };
    let report = block_on(run_all(&Refusing, &Ctx::new("s").with_capabilities(caps)));
    let na: Vec<&str> = report
        .results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::NotApplicable(_)))
        .map(|r| r.name)
        .collect();
    assert_eq!(
        na,
        [
            "mount_across_repositories",
            "error_delete_unknown",
            "delete_tag_keeps_manifest",
            "delete_manifest",
            "delete_blob",
            "list_repositories_paginated",
            "referrers_no_extra_tag",
        ]
    );
    assert!(matches!(
        report.outcome("referrers_fallback_tag"),
        Some(Outcome::Failed(_))
    ));
    assert!(report.summary().ends_with("failed, 7 not applicable"));
}
