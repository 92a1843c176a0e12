//! Manifest pushes by tag and digest, reads by both, moving tags, indexes, missing blobs refused.

use ociscope_core::descriptor::Descriptor;
use ociscope_core::media_type;
use ociscope_core::registry_error::ErrorCode;
use ociscope_core::spec::{ManifestRef, RepoName, Spec};
use ociscope_core::Digest;

use crate::fixtures::{
    self, image_manifest, index_manifest, layer_descriptor, push_image, push_manifest,
};
use crate::{ensure, expect_err, Context, Ctx, Failure};

fn tag(t: &str) -> ManifestRef {
    match fixtures::tag(t) {
        Ok(t) => ManifestRef::Tag(t),
        // Only the suite's own constant tags come here; a bad one names no manifest.
        Err(_) => ManifestRef::Digest(Digest::sha256_of(t.as_bytes())),
    }
}

/// Checks that `reference` in `repo` resolves (stat and get) to exactly `want` with `bytes`.
pub async fn assert_manifest<S: Spec>(
    spec: &S,
    repo: &RepoName,
    reference: &ManifestRef,
    want: &Descriptor,
    bytes: &[u8],
) -> Result<(), Failure> {
    let stat = spec
        .stat_manifest(repo, reference)
        .await
        .context(&format!("stat manifest {repo}:{reference}"))?;
    ensure!(
        stat.digest == want.digest && stat.size == want.size && stat.media_type == want.media_type,
        "stat manifest {repo}:{reference}: got {stat:?}, expected {want:?}"
    );
    let got = spec
        .get_manifest(repo, reference)
        .await
        .context(&format!("get manifest {repo}:{reference}"))?;
    ensure!(
        got.content[..] == bytes[..],
        "get manifest {repo}:{reference}: bytes differ from those pushed"
    );
    ensure!(
        got.descriptor.digest == want.digest
            && got.descriptor.size == want.size
            && got.descriptor.media_type == want.media_type,
        "get manifest {repo}:{reference}: descriptor {:?}, expected {want:?}",
        got.descriptor
    );
    got.parse()
        .map_err(|e| Failure(format!("get manifest {repo}:{reference}: unparsable: {e}")))?;
    Ok(())
}

/// Checks that `reference` does not resolve in `repo` (MANIFEST_UNKNOWN or not found).
pub async fn assert_no_manifest<S: Spec>(
    spec: &S,
    repo: &RepoName,
    reference: &ManifestRef,
) -> Result<(), Failure> {
    match spec.stat_manifest(repo, reference).await {
        Ok(d) => Err(Failure(format!(
            "{repo}:{reference} should not resolve, but stat found {d:?}"
        ))),
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(Failure(format!(
            "stat {repo}:{reference}: expected not found, got {e} ({e:?})"
        ))),
    }
}

/// A manifest pushed with a tag resolves by tag and by digest, with identical bytes.
pub async fn check_manifest_push_by_tag<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("manifest-tag")?;
    let img = push_image(spec, ctx, &repo, "by tag", &["v1"]).await?;
    assert_manifest(spec, &repo, &tag("v1"), &img.manifest, &img.bytes).await?;
    let by_digest = ManifestRef::Digest(img.manifest.digest.clone());
    assert_manifest(spec, &repo, &by_digest, &img.manifest, &img.bytes).await
}

/// A manifest pushed without tags resolves by digest only.
pub async fn check_manifest_push_by_digest<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("manifest-digest")?;
    let img = push_image(spec, ctx, &repo, "by digest", &[]).await?;
    let by_digest = ManifestRef::Digest(img.manifest.digest.clone());
    assert_manifest(spec, &repo, &by_digest, &img.manifest, &img.bytes).await?;
    assert_no_manifest(spec, &repo, &tag("latest")).await
}

/// One push with several tags points each tag at the manifest.
pub async fn check_manifest_several_tags<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("manifest-tags")?;
    let tags = ["1", "1.2", "1.2.3", "latest"];
    let img = push_image(spec, ctx, &repo, "several tags", &tags).await?;
    for t in tags {
        assert_manifest(spec, &repo, &tag(t), &img.manifest, &img.bytes).await?;
    }
    Ok(())
}

/// Pushing another manifest under an existing tag moves the tag; the old one stays by digest.
pub async fn check_manifest_tag_moves<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("manifest-retag")?;
    let old = push_image(spec, ctx, &repo, "old", &["current"]).await?;
    let new = push_image(spec, ctx, &repo, "new", &["current"]).await?;
    ensure!(
        old.manifest.digest != new.manifest.digest,
        "the suite built two identical manifests"
    );
    assert_manifest(spec, &repo, &tag("current"), &new.manifest, &new.bytes).await?;
    let old_ref = ManifestRef::Digest(old.manifest.digest.clone());
    assert_manifest(spec, &repo, &old_ref, &old.manifest, &old.bytes).await
}

/// An image manifest without layers is stored and read back (the image-spec says layers SHOULD
/// have an entry, not MUST; the distribution-spec conformance suite pushes one).
pub async fn check_manifest_without_layers<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("manifest-no-layers")?;
    let img = push_image(spec, ctx, &repo, "no layers", &[]).await?;
    let bytes = image_manifest(&img.config, &[], None, None);
    let d = push_manifest(
        spec,
        &repo,
        media_type::OCI_MANIFEST,
        bytes.clone(),
        &["empty"],
    )
    .await?;
    assert_manifest(spec, &repo, &tag("empty"), &d, &bytes).await
}

/// An image index of two pushed manifests can be pushed and read back.
pub async fn check_manifest_index<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("manifest-index")?;
    let a = push_image(spec, ctx, &repo, "index amd64", &[]).await?;
    let b = push_image(spec, ctx, &repo, "index arm64", &[]).await?;
    let mut entries = Vec::new();
    for (img, arch) in [(&a, "amd64"), (&b, "arm64")] {
        let mut d = img.manifest.clone();
        d.platform = Some(
            serde_json::from_value(serde_json::json!({"architecture": arch, "os": "linux"}))
                .map_err(|e| Failure(format!("platform: {e}")))?,
        );
        entries.push(d);
    }
    let bytes = index_manifest(&entries);
    let d = push_manifest(
        spec,
        &repo,
        media_type::OCI_INDEX,
        bytes.clone(),
        &["multi"],
    )
    .await?;
    assert_manifest(spec, &repo, &tag("multi"), &d, &bytes).await
}

/// A manifest naming a blob the repository does not have is refused, and its tag not created.
pub async fn check_manifest_missing_blob_refused<S: Spec>(
    spec: &S,
    ctx: &Ctx,
) -> Result<(), Failure> {
    let repo = ctx.repo("manifest-missing-blob")?;
    // The repository exists and has the config, but not the layer.
    let img = push_image(spec, ctx, &repo, "present", &["present"]).await?;
    let missing = layer_descriptor(b"a layer nobody pushed to this repository");
    let bytes = image_manifest(&img.config, &[missing], None, None);
    let e = expect_err(
        spec.push_manifest(
            &repo,
            media_type::OCI_MANIFEST,
            bytes.clone(),
            &fixtures::tags_of(&["broken"])?,
        )
        .await,
        "push a manifest whose layer is missing",
    )?;
    ensure!(
        e.has_code(ErrorCode::ManifestBlobUnknown),
        "push a manifest whose layer is missing: expected MANIFEST_BLOB_UNKNOWN, got {e} ({e:?})"
    );
    assert_no_manifest(spec, &repo, &tag("broken")).await?;
    assert_no_manifest(spec, &repo, &ManifestRef::Digest(Digest::sha256_of(&bytes))).await?;
    // What was there before is untouched.
    assert_manifest(spec, &repo, &tag("present"), &img.manifest, &img.bytes).await
}
