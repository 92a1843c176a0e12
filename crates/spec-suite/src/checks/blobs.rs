//! Monolithic blob pushes, reads, ranges, and refusals of wrong digests and sizes.

use bytes::Bytes;
use ociscope_core::descriptor::Descriptor;
use ociscope_core::media_type;
use ociscope_core::registry_error::ErrorCode;
use ociscope_core::spec::{BlobReader, RepoName, Spec};
use ociscope_core::Digest;

use crate::fixtures::{assert_blob, assert_no_blob, content, push_blob};
use crate::{ensure, expect_code, Context, Ctx, Failure};

/// A blob pushed in one request can be stat'ed and read back, verified, from a new repository.
pub async fn check_blob_push_monolithic<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("blob-mono")?;
    let data = content(ctx, "mono", 10_000);
    push_blob(spec, &repo, media_type::OCI_LAYER_TAR, data.clone()).await?;
    assert_blob(spec, &repo, &data).await
}

/// The empty blob (zero bytes) can be pushed and read back.
pub async fn check_blob_push_empty<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("blob-empty")?;
    push_blob(spec, &repo, media_type::OCI_LAYER_TAR, Bytes::new()).await?;
    assert_blob(spec, &repo, b"").await
}

/// Pushing a blob that is already there succeeds and changes nothing.
pub async fn check_blob_push_twice<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("blob-twice")?;
    let data = content(ctx, "twice", 777);
    push_blob(spec, &repo, media_type::OCI_LAYER_TAR, data.clone()).await?;
    push_blob(spec, &repo, media_type::OCI_LAYER_TAR, data.clone()).await?;
    assert_blob(spec, &repo, &data).await
}

async fn read_range<S: Spec>(
    spec: &S,
    repo: &RepoName,
    digest: &Digest,
    start: u64,
    end: Option<u64>,
) -> Result<Bytes, Failure> {
    let what = format!("get blob {digest} range {start}..{end:?}");
    let mut reader = spec
        .get_blob_range(repo, digest, start, end)
        .await
        .context(&what)?;
    reader.read_to_end(1 << 20).await.context(&what)
}

/// Byte ranges of a blob: a prefix, a middle part, and a suffix to the end.
pub async fn check_blob_range<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("blob-range")?;
    let data = content(ctx, "range", 5_000);
    let d = push_blob(spec, &repo, media_type::OCI_LAYER_TAR, data.clone()).await?;
    for (start, end) in [
        (0, Some(10)),
        (1234, Some(2345)),
        (4_000, None),
        (4_999, None),
    ] {
        let got = read_range(spec, &repo, &d.digest, start, end).await?;
        let want = &data[start as usize..end.unwrap_or(5_000) as usize];
        ensure!(
            got[..] == want[..],
            "range {start}..{end:?}: got {} bytes, expected {} bytes of the blob",
            got.len(),
            want.len()
        );
    }
    Ok(())
}

/// A monolithic push whose content does not match the expected digest is refused; nothing stored.
pub async fn check_blob_wrong_digest_refused<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("blob-bad-digest")?;
    let data = content(ctx, "bad digest", 500);
    let claimed = Digest::sha256_of(b"something else entirely");
    let expected = Descriptor::new(media_type::OCI_LAYER_TAR, claimed.clone(), 500);
    expect_code(
        spec.push_blob(&repo, &expected, data.clone()).await,
        ErrorCode::DigestInvalid,
        "push blob under a digest of other content",
    )?;
    assert_no_blob(spec, &repo, &claimed).await?;
    assert_no_blob(spec, &repo, &Digest::sha256_of(&data)).await
}

/// A monolithic push whose size differs from the expected one is refused; nothing stored.
pub async fn check_blob_wrong_size_refused<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("blob-bad-size")?;
    let data = content(ctx, "bad size", 500);
    let digest = Digest::sha256_of(&data);
    let expected = Descriptor::new(media_type::OCI_LAYER_TAR, digest.clone(), 501);
    expect_code(
        spec.push_blob(&repo, &expected, data).await,
        ErrorCode::SizeInvalid,
        "push 500 bytes declared as 501",
    )?;
    assert_no_blob(spec, &repo, &digest).await
}

/// Ranges that select nothing are `RANGE_INVALID`: empty (`start == end`), reversed, and a
/// `start` at or past the end; an `end` past the end is cut to it.
pub async fn check_blob_range_invalid<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("blob-range-invalid")?;
    let data = content(ctx, "range invalid", 1_000);
    let d = push_blob(spec, &repo, media_type::OCI_LAYER_TAR, data.clone()).await?;
    for (start, end) in [
        (10, Some(10)),
        (20, Some(10)),
        (1_000, None),
        (5_000, Some(6_000)),
    ] {
        expect_code(
            spec.get_blob_range(&repo, &d.digest, start, end)
                .await
                .map(|_| ()),
            ErrorCode::RangeInvalid,
            &format!("range {start}..{end:?} of a 1000-byte blob"),
        )?;
    }
    let got = read_range(spec, &repo, &d.digest, 990, Some(5_000)).await?;
    ensure!(
        got[..] == data[990..],
        "range 990..5000 of a 1000-byte blob: got {} bytes, expected the last 10",
        got.len()
    );
    Ok(())
}
