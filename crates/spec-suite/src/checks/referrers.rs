//! Referrers: listed with and without an artifactType filter; the fallback tag when no API.

use ociscope_core::descriptor::Descriptor;
use ociscope_core::media_type;
use ociscope_core::spec::{
    collect_all, collect_referrers, ManifestRef, PageRequest, RepoName, Spec,
};
use ociscope_core::Digest;

use crate::fixtures::{push_image, push_referrer, tag};
use crate::{ensure, Context, Ctx, Failure};

const SBOM: &str = "application/vnd.ociscope.suite.sbom";
const SIGNATURE: &str = "application/vnd.ociscope.suite.signature";

/// A subject with two SBOM referrers and one signature referrer.
struct Referred {
    repo: RepoName,
    subject: Descriptor,
    sboms: Vec<Descriptor>,
    signature: Descriptor,
}

async fn referred<S: Spec>(spec: &S, ctx: &Ctx, name: &str) -> Result<Referred, Failure> {
    let repo = ctx.repo(name)?;
    let img = push_image(spec, ctx, &repo, name, &["subject"]).await?;
    let subject = img.manifest;
    let mut sboms = Vec::new();
    for i in 0..2 {
        let label = format!("{name} sbom {i}");
        sboms.push(push_referrer(spec, ctx, &repo, &subject, SBOM, &label).await?);
    }
    let label = format!("{name} signature");
    let signature = push_referrer(spec, ctx, &repo, &subject, SIGNATURE, &label).await?;
    Ok(Referred {
        repo,
        subject,
        sboms,
        signature,
    })
}

/// Checks that `got` holds exactly `want` (any order) with their artifactType.
fn same_set(got: &[Descriptor], want: &[(&Descriptor, &str)], what: &str) -> Result<(), Failure> {
    ensure!(
        got.len() == want.len(),
        "{what}: {} referrers, expected {}: {got:?}",
        got.len(),
        want.len()
    );
    for (w, artifact_type) in want {
        let found = got.iter().find(|g| g.digest == w.digest);
        let Some(g) = found else {
            return Err(Failure(format!(
                "{what}: {} missing from {got:?}",
                w.digest
            )));
        };
        ensure!(
            g.size == w.size && g.media_type == media_type::OCI_MANIFEST,
            "{what}: referrer {} described as {g:?}",
            w.digest
        );
        ensure!(
            g.artifact_type.as_deref() == Some(*artifact_type),
            "{what}: referrer {} has artifactType {:?}, expected {artifact_type}",
            w.digest,
            g.artifact_type
        );
    }
    Ok(())
}

/// Every referrer of a subject is listed, with its artifactType.
pub async fn check_referrers_listed<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let r = referred(spec, ctx, "referrers-all").await?;
    let got = collect_referrers(spec, &r.repo, &r.subject.digest, None, None)
        .await
        .context("list referrers")?;
    let want = [
        (&r.sboms[0], SBOM),
        (&r.sboms[1], SBOM),
        (&r.signature, SIGNATURE),
    ];
    same_set(&got, &want, "referrers without a filter")
}

/// The artifactType filter keeps only referrers of that type.
pub async fn check_referrers_filtered<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let r = referred(spec, ctx, "referrers-filter").await?;
    let got = collect_referrers(spec, &r.repo, &r.subject.digest, Some(SBOM), None)
        .await
        .context("list SBOM referrers")?;
    same_set(
        &got,
        &[(&r.sboms[0], SBOM), (&r.sboms[1], SBOM)],
        "SBOM referrers",
    )?;
    let got = collect_referrers(spec, &r.repo, &r.subject.digest, Some(SIGNATURE), None)
        .await
        .context("list signature referrers")?;
    same_set(&got, &[(&r.signature, SIGNATURE)], "signature referrers")?;
    let got = collect_referrers(
        spec,
        &r.repo,
        &r.subject.digest,
        Some("application/vnd.ociscope.suite.none"),
        None,
    )
    .await
    .context("list referrers of an absent type")?;
    same_set(&got, &[], "referrers of an absent type")
}

/// A manifest nobody refers to has an empty referrers list (not an error).
pub async fn check_referrers_none<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("referrers-none")?;
    let img = push_image(spec, ctx, &repo, "lonely", &["lonely"]).await?;
    let got = collect_referrers(spec, &repo, &img.manifest.digest, None, None)
        .await
        .context("list referrers of an unreferenced manifest")?;
    ensure!(
        got.is_empty(),
        "unreferenced manifest has referrers {got:?}"
    );
    let unknown = Digest::sha256_of(b"a manifest that was never pushed");
    let got = collect_referrers(spec, &repo, &unknown, None, None)
        .await
        .context("list referrers of an unknown digest")?;
    ensure!(got.is_empty(), "unknown digest has referrers {got:?}");
    Ok(())
}

/// With a referrers API, pushing referrers creates no tags.
pub async fn check_referrers_no_extra_tag<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let r = referred(spec, ctx, "referrers-tags").await?;
    let tags = collect_all(spec, Some(&r.repo), 100, None)
        .await
        .context("list tags")?;
    ensure!(
        tags == ["subject"],
        "tags after pushing referrers: {tags:?}"
    );
    Ok(())
}

/// Without a referrers API, the `sha256-<hex>` tag holds an index of the referrers.
pub async fn check_referrers_fallback_tag<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let r = referred(spec, ctx, "referrers-fallback").await?;
    let tag = tag(&r.subject.digest.referrers_tag())?;
    let index = spec
        .get_manifest(&r.repo, &ManifestRef::Tag(tag.clone()))
        .await
        .context(&format!("get fallback tag {tag}"))?;
    ensure!(
        index.descriptor.media_type == media_type::OCI_INDEX,
        "fallback tag {tag} is a {}, not an OCI index",
        index.descriptor.media_type
    );
    let value: serde_json::Value = serde_json::from_slice(&index.content)
        .map_err(|e| Failure(format!("fallback index is not JSON: {e}")))?;
    let entries: Vec<Descriptor> = serde_json::from_value(value["manifests"].clone())
        .map_err(|e| Failure(format!("fallback index manifests are not descriptors: {e}")))?;
    let want = [
        (&r.sboms[0], SBOM),
        (&r.sboms[1], SBOM),
        (&r.signature, SIGNATURE),
    ];
    same_set(&entries, &want, "fallback index entries")
}

/// Referrers come page by page: pages of one referrer (where the registry pages as asked; the
/// referrers API pages as the registry likes) lead through every referrer exactly once.
pub async fn check_referrers_paged<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let r = referred(spec, ctx, "referrers-paged").await?;
    let mut req = PageRequest::first(1);
    let mut got: Vec<Descriptor> = Vec::new();
    for _ in 0..10 {
        let page = spec
            .list_referrers(&r.repo, &r.subject.digest, None, &req)
            .await
            .context(&format!("list referrers page {req:?}"))?;
        got.extend(page.items);
        match page.next {
            Some(next) => {
                ensure!(next != req, "referrers: next page is the same request");
                req = next;
            }
            None => break,
        }
    }
    let want = [
        (&r.sboms[0], SBOM),
        (&r.sboms[1], SBOM),
        (&r.signature, SIGNATURE),
    ];
    same_set(&got, &want, "referrers followed page by page")
}

/// Referrers in a repository that does not exist: none (an empty list, as for a subject nobody
/// refers to; a registry without the referrers API cannot tell the two apart).
pub async fn check_referrers_unknown_repository<S: Spec>(
    spec: &S,
    ctx: &Ctx,
) -> Result<(), Failure> {
    let repo = ctx.repo("referrers-no-such-repository")?;
    let subject = Digest::sha256_of(b"a subject in a repository that does not exist");
    let got = collect_referrers(spec, &repo, &subject, None, None)
        .await
        .context("list referrers in a repository that does not exist")?;
    ensure!(
        got.is_empty(),
        "referrers in an unknown repository: {got:?}"
    );
    Ok(())
}
