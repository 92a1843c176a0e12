//! Deleting tags, manifests and blobs.

use ociscope_core::registry_error::ErrorCode;
use ociscope_core::spec::{collect_all, ManifestRef, Spec};

use super::manifests::{assert_manifest, assert_no_manifest};
use crate::fixtures::{assert_blob, assert_no_blob, content, push_blob, push_image, tag};
use crate::{ensure, expect_code, Context, Ctx, Failure};

/// Deleting one tag leaves the manifest and its other tags.
pub async fn check_delete_tag_keeps_manifest<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("delete-tag")?;
    let img = push_image(spec, ctx, &repo, "delete tag", &["gone", "kept"]).await?;
    spec.delete_tag(&repo, &tag("gone")?)
        .await
        .context("delete tag 'gone'")?;
    assert_no_manifest(spec, &repo, &ManifestRef::Tag(tag("gone")?)).await?;
    assert_manifest(
        spec,
        &repo,
        &ManifestRef::Tag(tag("kept")?),
        &img.manifest,
        &img.bytes,
    )
    .await?;
    let by_digest = ManifestRef::Digest(img.manifest.digest.clone());
    assert_manifest(spec, &repo, &by_digest, &img.manifest, &img.bytes).await?;
    let tags = collect_all(spec, Some(&repo), 100, None)
        .await
        .context("list tags")?;
    ensure!(tags == ["kept"], "tags after deleting 'gone': {tags:?}");
    Ok(())
}

/// Deleting a manifest by digest removes it and the tags that pointed at it; a second delete
/// is MANIFEST_UNKNOWN. Its blobs stay.
pub async fn check_delete_manifest<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("delete-manifest")?;
    let img = push_image(spec, ctx, &repo, "delete manifest", &["doomed"]).await?;
    let other = push_image(spec, ctx, &repo, "survivor", &["survivor"]).await?;
    let d = img.manifest.digest.clone();
    spec.delete_manifest(&repo, &d)
        .await
        .context("delete manifest")?;
    assert_no_manifest(spec, &repo, &ManifestRef::Digest(d.clone())).await?;
    assert_no_manifest(spec, &repo, &ManifestRef::Tag(tag("doomed")?)).await?;
    expect_code(
        spec.delete_manifest(&repo, &d).await,
        ErrorCode::ManifestUnknown,
        "delete the deleted manifest again",
    )?;
    let tags = collect_all(spec, Some(&repo), 100, None)
        .await
        .context("list tags")?;
    ensure!(tags == ["survivor"], "tags after the delete: {tags:?}");
    let kept = ManifestRef::Tag(tag("survivor")?);
    assert_manifest(spec, &repo, &kept, &other.manifest, &other.bytes).await?;
    ensure!(
        spec.stat_blob(&repo, &img.layer.digest).await.is_ok(),
        "deleting a manifest deleted its layer blob"
    );
    Ok(())
}

/// Deleting a blob makes it unknown; a second delete is BLOB_UNKNOWN; other blobs stay.
pub async fn check_delete_blob<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("delete-blob")?;
    let doomed = content(ctx, "doomed blob", 600);
    let kept = content(ctx, "kept blob", 600);
    let d = push_blob(spec, &repo, "application/octet-stream", doomed).await?;
    push_blob(spec, &repo, "application/octet-stream", kept.clone()).await?;
    spec.delete_blob(&repo, &d.digest)
        .await
        .context("delete blob")?;
    assert_no_blob(spec, &repo, &d.digest).await?;
    expect_code(
        spec.get_blob(&repo, &d.digest).await.map(|_| ()),
        ErrorCode::BlobUnknown,
        "get the deleted blob",
    )?;
    expect_code(
        spec.delete_blob(&repo, &d.digest).await,
        ErrorCode::BlobUnknown,
        "delete the deleted blob again",
    )?;
    assert_blob(spec, &repo, &kept).await
}
