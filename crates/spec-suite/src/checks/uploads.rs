//! Chunked uploads: several chunks, close and resume, wrong digests, cancel; cross-repository mount.

use ociscope_core::media_type;
use ociscope_core::registry_error::ErrorCode;
use ociscope_core::spec::{BlobWriter, Mount, RepoName, ResumeAt, Spec};
use ociscope_core::Digest;

use crate::fixtures::{assert_blob, assert_no_blob, content, push_blob};
use crate::{ensure, expect_code, Context, Ctx, Failure};

/// The chunk-size hint the upload checks give; registries may raise it to their minimum.
pub const CHUNK_HINT: usize = 1024;

async fn start<S: Spec>(spec: &S, repo: &RepoName) -> Result<S::Writer, Failure> {
    let w = spec
        .start_upload(repo, Some(CHUNK_HINT))
        .await
        .context(&format!("start upload in {repo}"))?;
    ensure!(
        w.chunk_size() >= CHUNK_HINT,
        "start upload: chunk size {} is below the hint {CHUNK_HINT}",
        w.chunk_size()
    );
    ensure!(w.size() == 0, "new upload reports size {}", w.size());
    ensure!(!w.id().is_empty(), "new upload has an empty id");
    Ok(w)
}

async fn write_all<W: BlobWriter>(w: &mut W, data: &[u8], piece: usize) -> Result<(), Failure> {
    for part in data.chunks(piece.max(1)) {
        w.write(part)
            .await
            .context(&format!("write {} bytes at {}", part.len(), w.size()))?;
    }
    Ok(())
}

async fn commit<W: BlobWriter>(w: &mut W, data: &[u8]) -> Result<(), Failure> {
    let digest = Digest::sha256_of(data);
    ensure!(
        w.size() == data.len() as u64,
        "before commit the writer reports {} bytes, {} were written",
        w.size(),
        data.len()
    );
    let d = w.commit(&digest).await.context("commit upload")?;
    ensure!(
        d.digest == digest && d.size == data.len() as u64,
        "commit returned {d:?}, expected {digest} size {}",
        data.len()
    );
    Ok(())
}

/// An upload written in pieces smaller than a chunk, spanning several chunks, then committed.
pub async fn check_upload_chunked<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("upload-chunked")?;
    let mut w = start(spec, &repo).await?;
    let cs = w.chunk_size();
    let data = content(ctx, "chunked", cs * 3 + cs / 2);
    write_all(&mut w, &data, cs / 3 + 7).await?;
    commit(&mut w, &data).await?;
    assert_blob(spec, &repo, &data).await
}

/// Writes of uneven sizes (one byte, more than two chunks at once, exact chunk ends).
pub async fn check_upload_uneven_writes<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("upload-uneven")?;
    let mut w = start(spec, &repo).await?;
    let cs = w.chunk_size();
    let data = content(ctx, "uneven", 1 + (cs - 1) + 2 * cs + 1 + 5);
    let mut at = 0;
    for len in [1, cs - 1, 2 * cs + 1, 0, 5] {
        w.write(&data[at..at + len])
            .await
            .context(&format!("write {len} bytes at {at}"))?;
        at += len;
    }
    commit(&mut w, &data).await?;
    assert_blob(spec, &repo, &data).await
}

/// Closes an upload after two and a half chunks and resumes it at the offset `close` gave, or
/// (`ask`) where the registry says it stands.
async fn close_and_resume<S: Spec>(
    spec: &S,
    ctx: &Ctx,
    name: &str,
    ask: bool,
) -> Result<(), Failure> {
    let repo = ctx.repo(name)?;
    let mut w = start(spec, &repo).await?;
    let cs = w.chunk_size();
    let data = content(ctx, name, cs * 4 + 100);
    let written = cs * 2 + cs / 2;
    write_all(&mut w, &data[..written], cs / 2 + 3).await?;
    let id = w.id().to_string();
    let r = w.close().await.context("close upload")?;
    ensure!(
        r.id == id,
        "close reports id {:?}, the writer had {id:?}",
        r.id
    );
    ensure!(
        r.offset >= 2 * cs as u64 && r.offset <= written as u64,
        "close after {written} bytes with chunk size {cs}: offset {} (full chunks must have been sent)",
        r.offset
    );
    drop(w);
    let at = if ask {
        ResumeAt::RegistryOffset
    } else {
        ResumeAt::Offset(r.offset)
    };
    let mut w = spec
        .resume_upload(&repo, &r.id, at, Some(CHUNK_HINT))
        .await
        .context(&format!("resume upload {} at {at:?}", r.id))?;
    ensure!(
        w.size() == r.offset,
        "resumed upload ({at:?}) reports size {}, close said {}",
        w.size(),
        r.offset
    );
    write_all(&mut w, &data[r.offset as usize..], cs / 2 + 3).await?;
    commit(&mut w, &data).await?;
    assert_blob(spec, &repo, &data).await
}

/// Close, then resume by id at the offset `close` reported, and commit.
pub async fn check_upload_resume_at_offset<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    close_and_resume(spec, ctx, "upload-resume", false).await
}

/// Close, then resume by id where the registry says it stands, and commit.
pub async fn check_upload_resume_asking_offset<S: Spec>(
    spec: &S,
    ctx: &Ctx,
) -> Result<(), Failure> {
    close_and_resume(spec, ctx, "upload-resume-ask", true).await
}

/// Committing under a digest the content does not have is refused; nothing is stored.
pub async fn check_upload_commit_wrong_digest<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("upload-bad-digest")?;
    let mut w = start(spec, &repo).await?;
    let cs = w.chunk_size();
    let data = content(ctx, "upload bad digest", cs + cs / 2);
    write_all(&mut w, &data, cs).await?;
    let wrong = Digest::sha256_of(b"not the content");
    expect_code(
        w.commit(&wrong).await,
        ErrorCode::DigestInvalid,
        "commit under a wrong digest",
    )?;
    // Whatever the registry kept of the failed upload, it must not be a blob.
    let _ = w.cancel().await;
    assert_no_blob(spec, &repo, &wrong).await?;
    assert_no_blob(spec, &repo, &Digest::sha256_of(&data)).await
}

/// Cancel twice is fine; the upload is gone (resume fails) and nothing is stored.
pub async fn check_upload_cancel_idempotent<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("upload-cancel")?;
    let mut w = start(spec, &repo).await?;
    let cs = w.chunk_size();
    let data = content(ctx, "cancel", cs * 2);
    write_all(&mut w, &data, cs).await?;
    let id = w.id().to_string();
    w.cancel().await.context("cancel")?;
    w.cancel().await.context("cancel again")?;
    expect_code(
        spec.resume_upload(&repo, &id, ResumeAt::RegistryOffset, None)
            .await
            .map(|_| ()),
        ErrorCode::BlobUploadUnknown,
        "resume a cancelled upload",
    )?;
    assert_no_blob(spec, &repo, &Digest::sha256_of(&data)).await
}

/// Cancel after commit is a no-op: the committed blob stays.
pub async fn check_upload_cancel_after_commit<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("upload-commit-cancel")?;
    let mut w = start(spec, &repo).await?;
    let cs = w.chunk_size();
    let data = content(ctx, "commit then cancel", cs + 1);
    write_all(&mut w, &data, cs).await?;
    commit(&mut w, &data).await?;
    w.cancel().await.context("cancel after commit")?;
    w.cancel().await.context("cancel after commit, again")?;
    assert_blob(spec, &repo, &data).await
}

/// A blob of one repository is mounted into another and readable there.
pub async fn check_mount_across_repositories<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let from = ctx.repo("mount-from")?;
    let to = ctx.repo("mount-to")?;
    let data = content(ctx, "mount", 4_321);
    let d = push_blob(spec, &from, media_type::OCI_LAYER_TAR, data.clone()).await?;
    assert_no_blob(spec, &to, &d.digest).await?;
    let mounted = spec
        .mount_blob(&from, &to, &d.digest)
        .await
        .context("mount blob")?;
    ensure!(
        mounted.is_mounted(),
        "mount of an existing blob answered 'not mounted'"
    );
    assert_blob(spec, &to, &data).await?;
    assert_blob(spec, &from, &data).await
}

/// Mounting a blob the source does not have mounts nothing and hands back the upload session
/// the registry opened instead; writing the blob into it stores the blob without another POST.
pub async fn check_mount_missing_blob<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let from = ctx.repo("mount-missing-from")?;
    let to = ctx.repo("mount-missing-to")?;
    push_blob(
        spec,
        &from,
        media_type::OCI_LAYER_TAR,
        content(ctx, "mount source", 10),
    )
    .await?;
    let data = content(ctx, "never pushed", 10);
    let missing = Digest::sha256_of(&data);
    let mut w = match spec
        .mount_blob(&from, &to, &missing)
        .await
        .context("mount a missing blob")?
    {
        Mount::Mounted => return Err(Failure::new("mount of a missing blob answered 'mounted'")),
        Mount::Upload(w) => w,
    };
    assert_no_blob(spec, &to, &missing).await?;
    ensure!(
        w.size() == 0,
        "the session a mount opened holds {} bytes",
        w.size()
    );
    w.write(&data)
        .await
        .context("write into the mount's session")?;
    commit(&mut w, &data).await?;
    assert_blob(spec, &to, &data).await
}

/// Resuming at an offset other than where the upload stands is `RANGE_INVALID`, and the upload
/// is still resumable at the right one.
pub async fn check_upload_resume_wrong_offset<S: Spec>(spec: &S, ctx: &Ctx) -> Result<(), Failure> {
    let repo = ctx.repo("upload-wrong-offset")?;
    let mut w = start(spec, &repo).await?;
    let cs = w.chunk_size();
    let data = content(ctx, "wrong offset", cs * 2 + 10);
    write_all(&mut w, &data[..cs], cs).await?;
    let r = w.close().await.context("close upload")?;
    drop(w);
    for wrong in [r.offset + 1, r.offset + cs as u64, 1] {
        if wrong == r.offset {
            continue;
        }
        expect_code(
            spec.resume_upload(&repo, &r.id, ResumeAt::Offset(wrong), None)
                .await
                .map(|_| ()),
            ErrorCode::RangeInvalid,
            &format!("resume at {wrong} an upload holding {}", r.offset),
        )?;
    }
    let mut w = spec
        .resume_upload(&repo, &r.id, ResumeAt::Offset(r.offset), Some(CHUNK_HINT))
        .await
        .context("resume at the right offset after refusals")?;
    write_all(&mut w, &data[r.offset as usize..], cs).await?;
    commit(&mut w, &data).await?;
    assert_blob(spec, &repo, &data).await
}
