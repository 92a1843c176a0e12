//! Errors carry the spec codes: MANIFEST_UNKNOWN, BLOB_UNKNOWN, NAME_UNKNOWN, BLOB_UPLOAD_UNKNOWN,
//! MANIFEST_INVALID.

use ociscope_core::registry_error::ErrorCode;
use ociscope_core::spec::{BlobWriter, ManifestRef, PageRequest, ResumeAt, Spec};
use ociscope_core::Digest;

use bytes::Bytes;
use ociscope_core::media_type;

use crate::fixtures::{content, push_image, tag, tags_of};
use crate::{ensure, expect_code, Context, Ctx, Failure};

/// An unknown tag or digest in an existing repository is MANIFEST_UNKNOWN (get and stat).
pub async fn check_error_manifest_unknown<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("errors-manifest")?;
    push_image(spec, ctx, &repo, "errors", &["there"]).await?;
    let unknown_tag = ManifestRef::Tag(tag("not-there")?);
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
    let repo = ctx.repo("errors-blob")?;
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
    let repo = ctx.repo("errors-no-such-repository")?;
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
    let repo = ctx.repo("errors-upload")?;
    push_image(spec, ctx, &repo, "errors", &["there"]).await?;
    let mut w = spec
        .start_upload(&repo, None)
        .await
        .context("start upload")?;
    let id = w.id().to_string();
    w.cancel().await.context("cancel upload")?;
    expect_code(
        spec.resume_upload(&repo, &id, ResumeAt::RegistryOffset, None)
            .await
            .map(|_| ()),
        ErrorCode::BlobUploadUnknown,
        &format!("resume cancelled upload {id:?}"),
    )?;
    Ok(())
}

/// A manifest that is not JSON, or is not the kind its media type names, or is over 4 MiB, is
/// `MANIFEST_INVALID`, and nothing is stored under its tag.
pub async fn check_error_manifest_invalid<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("errors-manifest-invalid")?;
    let img = push_image(spec, ctx, &repo, "errors", &["there"]).await?;
    let tags = tags_of(&["invalid"])?;
    let mut oversized = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","annotations":{"pad":""#.to_vec();
    oversized.resize(oversized.len() + (4 << 20), b'a');
    oversized.extend_from_slice(b"\"}}");
    let cases: [(&str, &str, Bytes); 3] = [
        (
            "not JSON",
            media_type::OCI_MANIFEST,
            Bytes::from_static(b"<html>not a manifest</html>"),
        ),
        (
            "an image manifest pushed as an index",
            media_type::OCI_INDEX,
            img.bytes.clone(),
        ),
        (
            "over 4 MiB",
            media_type::OCI_MANIFEST,
            Bytes::from(oversized),
        ),
    ];
    for (what, media, bytes) in cases {
        expect_code(
            spec.push_manifest(&repo, media, bytes, &tags).await,
            ErrorCode::ManifestInvalid,
            &format!("push a manifest that is {what}"),
        )?;
    }
    expect_code(
        spec.stat_manifest(&repo, &ManifestRef::Tag(tag("invalid")?))
            .await,
        ErrorCode::ManifestUnknown,
        "the tag of refused manifests",
    )?;
    Ok(())
}

/// Deleting a manifest or blob that is not there is `MANIFEST_UNKNOWN` / `BLOB_UNKNOWN`.
pub async fn check_error_delete_unknown<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("errors-delete")?;
    push_image(spec, ctx, &repo, "errors", &["there"]).await?;
    let unknown = Digest::sha256_of(content(ctx, "never pushed", 3).as_ref());
    expect_code(
        spec.delete_manifest(&repo, &unknown).await,
        ErrorCode::ManifestUnknown,
        "delete a manifest that is not there",
    )?;
    expect_code(
        spec.delete_blob(&repo, &unknown).await,
        ErrorCode::BlobUnknown,
        "delete a blob that is not there",
    )?;
    Ok(())
}
