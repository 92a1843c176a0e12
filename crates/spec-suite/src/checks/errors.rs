//! Errors carry the spec codes: MANIFEST_UNKNOWN, BLOB_UNKNOWN, NAME_UNKNOWN, BLOB_UPLOAD_UNKNOWN.

use ociscope_core::registry_error::ErrorCode;
use ociscope_core::spec::{BlobWriter, ManifestRef, PageRequest, Spec};
use ociscope_core::Digest;

use crate::fixtures::{content, push_image};
use crate::{ensure, expect_code, Context, Ctx, Failure};

/// An unknown tag or digest in an existing repository is MANIFEST_UNKNOWN (get and stat).
pub async fn check_error_manifest_unknown<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("errors-manifest");
    push_image(spec, ctx, &repo, "errors", &["there"]).await?;
    let unknown_tag = ManifestRef::Tag("not-there".to_string());
    let unknown_digest = ManifestRef::Digest(Digest::sha256_of(b"no such manifest"));
    for r in [&unknown_tag, &unknown_digest] {
        let e = expect_code(
            spec.get_manifest(&repo, r).await,
            ErrorCode::ManifestUnknown,
            &format!("get manifest {r}"),
        )?;
        ensure!(e.is_not_found(), "get manifest {r}: not a not-found: {e:?}");
        expect_code(
            spec.stat_manifest(&repo, r).await,
            ErrorCode::ManifestUnknown,
            &format!("stat manifest {r}"),
        )?;
    }
    Ok(())
}

/// An unknown blob in an existing repository is BLOB_UNKNOWN (get and stat).
pub async fn check_error_blob_unknown<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("errors-blob");
    push_image(spec, ctx, &repo, "errors", &["there"]).await?;
    let d = Digest::sha256_of(content(ctx, "no such blob", 1).as_ref());
    expect_code(
        spec.get_blob(&repo, &d).await.map(|_| ()),
        ErrorCode::BlobUnknown,
        "get unknown blob",
    )?;
    expect_code(
        spec.stat_blob(&repo, &d).await,
        ErrorCode::BlobUnknown,
        "stat unknown blob",
    )?;
    Ok(())
}

/// Listing the tags of a repository that does not exist is NAME_UNKNOWN.
pub async fn check_error_name_unknown<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("errors-no-such-repository");
    expect_code(
        spec.list_tags(&repo, &PageRequest::default()).await,
        ErrorCode::NameUnknown,
        "list tags of a repository that does not exist",
    )?;
    Ok(())
}

/// Resuming an upload that was cancelled (so the registry no longer knows it) is
/// BLOB_UPLOAD_UNKNOWN. (A made-up id is not used: registries may refuse its format instead.)
pub async fn check_error_upload_unknown<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("errors-upload");
    push_image(spec, ctx, &repo, "errors", &["there"]).await?;
    let mut w = spec
        .start_upload(&repo, None)
        .await
        .context("start upload")?;
    let id = w.id().to_string();
    w.cancel().await.context("cancel upload")?;
    expect_code(
        spec.resume_upload(&repo, &id, -1, None).await.map(|_| ()),
        ErrorCode::BlobUploadUnknown,
        &format!("resume cancelled upload {id:?}"),
    )?;
    Ok(())
}
