//! The behaviour suite for content stores (`ociscope_core::content::Store`): the rules of the
//! `content` module's doc, checked one by one.
//!
//! Design decisions:
//! - The suite gets an `open` function instead of a store: every check opens its own handle,
//!   and the resume checks open a second one over the same storage (a clone for the memory
//!   store, the same directory for the disk store, the same origin for the browser store), so
//!   "resume after close" also means "after the program started again".
//! - Content and refs carry the run's prefix, and every walk is filtered by a label naming
//!   the run and the check, so a persistent store can run the suite again, and checks do not
//!   see each other's content.
//! - [`run_all`] runs every check in a fixed order and never stops at a failure.

use std::fmt;

use bytes::Bytes;
use ociscope_core::content::{
    read_blob, write_blob, write_blob_at, Condition, Error, Filter, Info, Labels, Provider,
    ReaderAt, StatusFilter, Store, Writer, WriterOptions, MAX_LABEL_LEN,
};
use ociscope_core::spec::BytesReader;
use ociscope_core::{Descriptor, Digest};

use crate::{ensure, Failure, Outcome, Report};

/// Where the suite runs: a prefix for its refs, labels and content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentCtx {
    /// Prefix of every ref, label value and piece of content of this run.
    pub prefix: String,
}

impl ContentCtx {
    /// A context with this prefix.
    pub fn new(prefix: impl Into<String>) -> ContentCtx {
        ContentCtx {
            prefix: prefix.into(),
        }
    }

    /// A ref of this run.
    pub fn reference(&self, name: &str) -> String {
        format!("{}-{name}", self.prefix)
    }

    /// `n` bytes of content unique to this run and `name`.
    pub fn content(&self, name: &str, n: usize) -> Bytes {
        let seed = format!("{}/{name}/", self.prefix);
        let mut out = Vec::with_capacity(n);
        let mut i = 0u64;
        while out.len() < n {
            out.extend_from_slice(seed.as_bytes());
            out.extend_from_slice(&i.to_le_bytes());
            i += 1;
        }
        out.truncate(n);
        Bytes::from(out)
    }

    /// The labels that mark content of this run and check.
    pub fn labels(&self, check: &str) -> Labels {
        Labels::from([("suite".to_string(), format!("{}/{check}", self.prefix))])
    }

    /// A filter for content of this run and check.
    pub fn filter(&self, check: &str) -> Filter {
        Filter::everything().and(Condition::LabelEquals(
            "suite".into(),
            format!("{}/{check}", self.prefix),
        ))
    }
}

trait Ctx<T> {
    fn ctx(self, what: &str) -> Result<T, Failure>;
}

impl<T> Ctx<T> for Result<T, Error> {
    fn ctx(self, what: &str) -> Result<T, Failure> {
        self.map_err(|e| Failure(format!("{what}: {e} ({e:?})")))
    }
}

/// Expects an error for which `is` holds; anything else is a failure naming `want`.
fn expect<T: fmt::Debug>(
    result: Result<T, Error>,
    is: impl Fn(&Error) -> bool,
    want: &str,
    what: &str,
) -> Result<Error, Failure> {
    match result {
        Ok(v) => Err(Failure(format!("{what}: expected {want}, got Ok({v:?})"))),
        Err(e) if is(&e) => Ok(e),
        Err(e) => Err(Failure(format!("{what}: expected {want}, got {e} ({e:?})"))),
    }
}

fn descriptor(content: &[u8]) -> Descriptor {
    Descriptor::new(
        "application/octet-stream",
        Digest::sha256_of(content),
        content.len() as u64,
    )
}

async fn write_all<W: Writer>(w: &mut W, data: &[u8], piece: usize) -> Result<(), Failure> {
    for part in data.chunks(piece.max(1)) {
        let at = w.status().offset;
        w.write(part)
            .await
            .ctx(&format!("write {} bytes at {at}", part.len()))?;
    }
    Ok(())
}

async fn read_all<S: Provider>(store: &S, digest: &Digest) -> Result<Bytes, Failure> {
    read_blob(store, digest, 16 * 1024 * 1024)
        .await
        .ctx(&format!("read {digest}"))
}

async fn assert_absent<S: Store>(store: &S, digest: &Digest, why: &str) -> Result<(), Failure> {
    expect(
        store.info(digest).await,
        Error::is_not_found,
        "NotFound",
        &format!("info of {digest} ({why})"),
    )?;
    expect(
        store.reader_at(digest).await.map(|r| r.size()),
        Error::is_not_found,
        "NotFound",
        &format!("reader of {digest} ({why})"),
    )?;
    Ok(())
}

/// Write in pieces, commit, read back whole and by ranges; info and status as they go.
pub async fn check_write_commit_read<S: Store>(store: &S, ctx: &ContentCtx) -> Result<(), Failure> {
    let data = ctx.content("basic", 10_000);
    let r = ctx.reference("basic");
    let mut w = store
        .writer(&WriterOptions::new(&r))
        .await
        .ctx("open writer")?;
    ensure!(
        w.reference() == r,
        "writer ref {:?}, want {r:?}",
        w.reference()
    );
    ensure!(
        w.status().offset == 0,
        "new ingest at offset {}",
        w.status().offset
    );
    write_all(&mut w, &data, 3_333).await?;
    let st = store.status(&r).await.ctx("status while writing")?;
    ensure!(
        st.offset == 10_000,
        "status offset {} after 10000 bytes",
        st.offset
    );
    ensure!(
        st.started <= st.updated,
        "status started after updated: {st:?}"
    );
    ensure!(
        w.digest() == Digest::sha256_of(&data),
        "writer digest {} differs",
        w.digest()
    );
    let labels = ctx.labels("basic");
    let info = w.commit(None, None, labels.clone()).await.ctx("commit")?;
    ensure!(
        info.digest == Digest::sha256_of(&data),
        "committed as {}",
        info.digest
    );
    ensure!(info.size == 10_000, "committed size {}", info.size);
    ensure!(info.labels == labels, "committed labels {:?}", info.labels);
    ensure!(
        info.created <= info.updated,
        "created after updated: {info:?}"
    );
    let again = store.info(&info.digest).await.ctx("info")?;
    ensure!(
        again == info,
        "info {again:?} differs from the commit's {info:?}"
    );
    expect(
        store.status(&r).await,
        Error::is_not_found,
        "NotFound",
        "status after commit",
    )?;
    let reader = store.reader_at(&info.digest).await.ctx("reader")?;
    ensure!(reader.size() == 10_000, "reader size {}", reader.size());
    let part = reader.read_at(9_990, 100).await.ctx("read the tail")?;
    ensure!(
        part == data.slice(9_990..),
        "tail read {} bytes, wrong content",
        part.len()
    );
    let mid = reader.read_at(100, 50).await.ctx("read a middle range")?;
    ensure!(mid == data.slice(100..150), "middle range differs");
    let past = reader.read_at(10_000, 10).await.ctx("read at the end")?;
    ensure!(past.is_empty(), "read at the end gave {} bytes", past.len());
    ensure!(
        read_all(store, &info.digest).await? == data,
        "read back differs"
    );
    let written = ctx.filter("basic");
    let found = store.walk(&written).await.ctx("walk")?;
    ensure!(found == vec![info], "walk found {found:?}");
    Ok(())
}

/// Zero bytes commit as the empty blob.
pub async fn check_empty_content<S: Store>(store: &S, ctx: &ContentCtx) -> Result<(), Failure> {
    let r = ctx.reference("empty");
    let mut w = store
        .writer(&WriterOptions::new(&r))
        .await
        .ctx("open writer")?;
    match w.commit(Some(0), None, Labels::new()).await {
        Ok(info) => {
            ensure!(
                info.digest == Digest::sha256_of(b""),
                "empty committed as {}",
                info.digest
            );
            ensure!(info.size == 0, "empty committed with size {}", info.size);
        }
        // An earlier run (or another check) stored the empty blob already.
        Err(e) if e.is_already_exists() => {}
        Err(e) => return Err(Failure(format!("commit empty: {e}"))),
    }
    let got = read_all(store, &Digest::sha256_of(b"")).await?;
    ensure!(got.is_empty(), "empty blob reads {} bytes", got.len());
    Ok(())
}

/// A commit with the wrong size fails, stores nothing and keeps the ingest.
pub async fn check_commit_wrong_size<S: Store>(store: &S, ctx: &ContentCtx) -> Result<(), Failure> {
    let data = ctx.content("wrong-size", 1000);
    let r = ctx.reference("wrong-size");
    let mut w = store
        .writer(&WriterOptions::new(&r))
        .await
        .ctx("open writer")?;
    write_all(&mut w, &data, 1000).await?;
    let digest = Digest::sha256_of(&data);
    let e = expect(
        w.commit(Some(999), Some(&digest), Labels::new()).await,
        |e| {
            matches!(
                e,
                Error::SizeMismatch {
                    expected: 999,
                    actual: 1000
                }
            )
        },
        "SizeMismatch {expected: 999, actual: 1000}",
        "commit with size 999",
    )?;
    ensure!(
        e.is_failed_precondition(),
        "{e:?} is not a failed precondition"
    );
    assert_absent(store, &digest, "after a refused commit").await?;
    let st = store
        .status(&r)
        .await
        .ctx("status after the refused commit")?;
    ensure!(st.offset == 1000, "the ingest went to offset {}", st.offset);
    let info = w
        .commit(Some(1000), Some(&digest), Labels::new())
        .await
        .ctx("commit again")?;
    ensure!(info.digest == digest, "committed as {}", info.digest);
    Ok(())
}

/// A commit with the wrong digest fails, stores nothing and keeps the ingest; so does one
/// against the writer's expected descriptor.
pub async fn check_commit_wrong_digest<S: Store>(
    store: &S,
    ctx: &ContentCtx,
) -> Result<(), Failure> {
    let data = ctx.content("wrong-digest", 1000);
    let other = Digest::sha256_of(b"something else");
    let r = ctx.reference("wrong-digest");
    let mut w = store
        .writer(&WriterOptions::new(&r))
        .await
        .ctx("open writer")?;
    write_all(&mut w, &data, 300).await?;
    expect(
        w.commit(None, Some(&other), Labels::new()).await,
        |e| matches!(e, Error::DigestMismatch { expected, .. } if expected == &other),
        "DigestMismatch",
        "commit with another digest",
    )?;
    assert_absent(store, &Digest::sha256_of(&data), "after a refused commit").await?;
    assert_absent(store, &other, "after a refused commit").await?;
    let st = store
        .status(&r)
        .await
        .ctx("status after the refused commit")?;
    ensure!(st.offset == 1000, "the ingest went to offset {}", st.offset);
    w.close().await.ctx("close")?;
    store.abort(&r).await.ctx("abort")?;

    // The expected descriptor given when opening binds the commit.
    let want = ctx.content("wrong-digest-expected", 500);
    let r2 = ctx.reference("wrong-digest-expected");
    let mut w = store
        .writer(&WriterOptions::expecting(&r2, &descriptor(&want)))
        .await
        .ctx("open writer expecting content")?;
    let st = w.status();
    ensure!(
        st.total == Some(500),
        "status total {:?}, want 500",
        st.total
    );
    ensure!(
        st.expected == Some(Digest::sha256_of(&want)),
        "status expected {:?}",
        st.expected
    );
    write_all(&mut w, &ctx.content("not-it", 500), 500).await?;
    expect(
        w.commit(None, None, Labels::new()).await,
        |e| matches!(e, Error::DigestMismatch { .. }),
        "DigestMismatch",
        "commit other content than expected",
    )?;
    w.truncate(0).await.ctx("truncate")?;
    write_all(&mut w, &want, 128).await?;
    w.commit(None, None, Labels::new())
        .await
        .ctx("commit the expected content")?;
    Ok(())
}

/// Committing content that is present says so and changes nothing; so does opening a
/// writer expecting it; the helpers treat both as done.
pub async fn check_commit_existing<S: Store>(store: &S, ctx: &ContentCtx) -> Result<(), Failure> {
    let data = ctx.content("existing", 2048);
    let digest = Digest::sha256_of(&data);
    let labels = ctx.labels("existing");
    let mut w = store
        .writer(&WriterOptions::new(ctx.reference("existing-1")))
        .await
        .ctx("open first writer")?;
    write_all(&mut w, &data, 2048).await?;
    let first = w.commit(None, None, labels).await.ctx("first commit")?;

    let r2 = ctx.reference("existing-2");
    let mut w = store
        .writer(&WriterOptions::new(&r2))
        .await
        .ctx("open second writer")?;
    write_all(&mut w, &data, 1000).await?;
    let other = Labels::from([("other".to_string(), "x".to_string())]);
    expect(
        w.commit(None, Some(&digest), other).await,
        |e| matches!(e, Error::AlreadyExists { digest: d } if d == &digest),
        "AlreadyExists",
        "commit of content already present",
    )?;
    let now = store
        .info(&digest)
        .await
        .ctx("info after the second commit")?;
    ensure!(
        now == first,
        "the second commit changed the info: {now:?} (was {first:?})"
    );
    expect(
        store.status(&r2).await,
        Error::is_not_found,
        "NotFound",
        "the second ingest",
    )?;
    expect(
        w.write(b"more").await,
        |e| matches!(e, Error::InvalidArgument(_)),
        "InvalidArgument",
        "write after the commit",
    )?;

    expect(
        store
            .writer(&WriterOptions::expecting(
                ctx.reference("existing-3"),
                &descriptor(&data),
            ))
            .await
            .map(|w| w.status()),
        Error::is_already_exists,
        "AlreadyExists",
        "open a writer expecting present content",
    )?;
    let mut source = BytesReader::new(descriptor(&data), data.clone(), 100);
    let wrote = write_blob(
        store,
        &ctx.reference("existing-4"),
        &mut source,
        &descriptor(&data),
        Labels::new(),
    )
    .await
    .ctx("write_blob of present content")?;
    ensure!(!wrote, "write_blob wrote present content again");
    ensure!(
        store.info(&digest).await.ctx("info")? == first,
        "write_blob changed the info"
    );
    Ok(())
}

/// Only one writer per ref: a second is refused while the first is open; closing or
/// dropping the first lets the next one resume at its offset.
pub async fn check_concurrent_writers<S: Store>(
    store: &S,
    ctx: &ContentCtx,
) -> Result<(), Failure> {
    let r = ctx.reference("locked");
    let data = ctx.content("locked", 300);
    let mut a = store
        .writer(&WriterOptions::new(&r))
        .await
        .ctx("open the first writer")?;
    write_all(&mut a, data.get(..100).unwrap_or_default(), 100).await?;
    expect(
        store
            .writer(&WriterOptions::new(&r))
            .await
            .map(|w| w.status()),
        |e| matches!(e, Error::Locked { reference } if reference == &r),
        "Locked",
        "open a second writer on the same ref",
    )?;
    expect(
        store.abort(&r).await,
        |e| matches!(e, Error::Locked { .. }),
        "Locked",
        "abort while a writer is open",
    )?;
    // Another ref is free at the same time.
    let mut other = store
        .writer(&WriterOptions::new(ctx.reference("locked-other")))
        .await
        .ctx("open a writer on another ref")?;
    other.write(b"x").await.ctx("write the other ref")?;
    other.close().await.ctx("close the other ref")?;
    let st = a.close().await.ctx("close the first writer")?;
    ensure!(st.offset == 100, "closed at {}", st.offset);
    expect(
        a.write(b"late").await,
        |e| matches!(e, Error::InvalidArgument(_)),
        "InvalidArgument",
        "write after close",
    )?;

    let mut b = store
        .writer(&WriterOptions::new(&r))
        .await
        .ctx("open after close")?;
    ensure!(b.status().offset == 100, "resumed at {}", b.status().offset);
    write_all(&mut b, data.get(100..200).unwrap_or_default(), 100).await?;
    drop(b);
    let mut c = store
        .writer(&WriterOptions::new(&r))
        .await
        .ctx("open after a dropped writer")?;
    ensure!(
        c.status().offset == 200,
        "resumed at {} after a drop",
        c.status().offset
    );
    write_all(&mut c, data.get(200..).unwrap_or_default(), 100).await?;
    let info = c
        .commit(Some(300), Some(&Digest::sha256_of(&data)), Labels::new())
        .await
        .ctx("commit the ingest written by three writers")?;
    ensure!(
        read_all(store, &info.digest).await? == data,
        "content differs"
    );
    store
        .abort(&ctx.reference("locked-other"))
        .await
        .ctx("abort the other ref")?;
    Ok(())
}

/// An ingest closed in one handle resumes in a fresh handle over the same storage, at its
/// offset, with the digest state rebuilt.
pub async fn check_resume_after_close<S: Store>(
    store: &S,
    reopen: &dyn Fn() -> Result<S, Error>,
    ctx: &ContentCtx,
) -> Result<(), Failure> {
    let data = ctx.content("resume", 50_000);
    let d = descriptor(&data);
    let r = ctx.reference("resume");
    let mut w = store
        .writer(&WriterOptions::expecting(&r, &d))
        .await
        .ctx("open writer")?;
    write_all(&mut w, data.get(..20_000).unwrap_or_default(), 7_000).await?;
    w.close().await.ctx("close")?;
    drop(w);
    let again = reopen().ctx("open the store again")?;
    let st = again.status(&r).await.ctx("status in the reopened store")?;
    ensure!(st.offset == 20_000, "reopened ingest at {}", st.offset);
    ensure!(
        st.expected == Some(d.digest.clone()),
        "reopened ingest expects {:?}",
        st.expected
    );
    let listed = again
        .list_statuses(&StatusFilter::reference(format!("{}-resume*", ctx.prefix)))
        .await
        .ctx("list statuses")?;
    ensure!(listed == vec![st.clone()], "listed {listed:?}");
    let mut w = again
        .writer(&WriterOptions::expecting(&r, &d))
        .await
        .ctx("resume")?;
    ensure!(
        w.status().offset == 20_000,
        "resumed at {}",
        w.status().offset
    );
    ensure!(
        w.digest() == Digest::sha256_of(data.get(..20_000).unwrap_or_default()),
        "resumed digest state differs"
    );
    write_all(&mut w, data.get(20_000..).unwrap_or_default(), 9_000).await?;
    w.commit(None, None, Labels::new())
        .await
        .ctx("commit the resumed ingest")?;
    ensure!(
        read_all(&again, &d.digest).await? == data,
        "content differs"
    );
    ensure!(
        read_all(store, &d.digest).await? == data,
        "the first handle does not see it"
    );

    // Resuming with other expectations is refused.
    let r2 = ctx.reference("resume-other");
    let first = ctx.content("resume-other", 10);
    let mut w = store
        .writer(&WriterOptions::expecting(&r2, &descriptor(&first)))
        .await
        .ctx("open")?;
    w.write(&first).await.ctx("write")?;
    w.close().await.ctx("close")?;
    expect(
        store
            .writer(&WriterOptions::expecting(&r2, &descriptor(b"other")))
            .await
            .map(|w| w.status()),
        |e| matches!(e, Error::FailedPrecondition(_)),
        "FailedPrecondition",
        "resume expecting other content",
    )?;
    // The helper resumes the ingest and finishes it.
    let mut source = BytesReader::new(descriptor(&first), first.clone(), 3);
    let wrote = write_blob(store, &r2, &mut source, &descriptor(&first), Labels::new())
        .await
        .ctx("write_blob resuming an ingest")?;
    ensure!(wrote, "write_blob did not write");
    ensure!(
        read_all(store, &Digest::sha256_of(&first)).await? == first,
        "content differs"
    );
    Ok(())
}

/// Truncate cuts the ingest and the digest state; past the offset is refused.
pub async fn check_truncate<S: Store>(store: &S, ctx: &ContentCtx) -> Result<(), Failure> {
    let data = ctx.content("truncate", 4_000);
    let r = ctx.reference("truncate");
    let mut w = store.writer(&WriterOptions::new(&r)).await.ctx("open")?;
    write_all(&mut w, &data, 1_000).await?;
    expect(
        w.truncate(4_001).await,
        |e| matches!(e, Error::InvalidArgument(_)),
        "InvalidArgument",
        "truncate past the offset",
    )?;
    w.truncate(1_500).await.ctx("truncate to 1500")?;
    ensure!(
        w.status().offset == 1_500,
        "offset {} after truncate",
        w.status().offset
    );
    let st = store.status(&r).await.ctx("status")?;
    ensure!(
        st.offset == 1_500,
        "status offset {} after truncate",
        st.offset
    );
    let head = data.get(..1_500).unwrap_or_default();
    ensure!(
        w.digest() == Digest::sha256_of(head),
        "digest after truncate is not the prefix's"
    );
    let tail = ctx.content("truncate-tail", 700);
    write_all(&mut w, &tail, 700).await?;
    let mut want = head.to_vec();
    want.extend_from_slice(&tail);
    let info = w
        .commit(Some(2_200), Some(&Digest::sha256_of(&want)), Labels::new())
        .await
        .ctx("commit after truncate")?;
    ensure!(
        read_all(store, &info.digest).await? == want,
        "content differs"
    );

    let r2 = ctx.reference("truncate-zero");
    let mut w = store.writer(&WriterOptions::new(&r2)).await.ctx("open")?;
    write_all(&mut w, &data, 4_000).await?;
    w.truncate(0).await.ctx("truncate to 0")?;
    ensure!(
        w.digest() == Digest::sha256_of(b""),
        "digest after truncate to 0"
    );
    w.close().await.ctx("close")?;
    let again = store.writer(&WriterOptions::new(&r2)).await.ctx("reopen")?;
    ensure!(
        again.status().offset == 0,
        "truncated ingest reopened at {}",
        again.status().offset
    );
    drop(again);
    store.abort(&r2).await.ctx("abort")?;
    Ok(())
}

/// Labels: update one, remove one, replace all; walk by label, glob, size, digest and the
/// text syntax; bad field paths and oversized labels refused.
pub async fn check_labels_and_filters<S: Store>(
    store: &S,
    ctx: &ContentCtx,
) -> Result<(), Failure> {
    let mut infos: Vec<Info> = Vec::new();
    for (i, (n, kind)) in [(100usize, "config"), (2_000, "layer"), (30_000, "layer")]
        .into_iter()
        .enumerate()
    {
        let data = ctx.content(&format!("labels-{i}"), n);
        let mut labels = ctx.labels("labels");
        labels.insert("kind".into(), kind.into());
        labels.insert("n".into(), i.to_string());
        let mut w = store
            .writer(&WriterOptions::new(ctx.reference(&format!("labels-{i}"))))
            .await
            .ctx("open")?;
        write_all(&mut w, &data, 10_000).await?;
        infos.push(w.commit(None, None, labels).await.ctx("commit")?);
    }
    let mine = ctx.filter("labels");
    let digests = |v: &[Info]| v.iter().map(|i| i.digest.clone()).collect::<Vec<_>>();
    let mut sorted = infos.clone();
    sorted.sort_by(|a, b| a.digest.cmp(&b.digest));
    let all = store.walk(&mine).await.ctx("walk all")?;
    ensure!(
        digests(&all) == digests(&sorted),
        "walk found {:?}",
        digests(&all)
    );
    let layers = store
        .walk(
            &mine
                .clone()
                .and(Condition::LabelEquals("kind".into(), "layer".into())),
        )
        .await
        .ctx("walk kind==layer")?;
    ensure!(layers.len() == 2, "kind==layer found {}", layers.len());
    let big = store
        .walk(
            &mine
                .clone()
                .and(Condition::SizeAtLeast(1_000))
                .and(Condition::SizeAtMost(10_000)),
        )
        .await
        .ctx("walk by size")?;
    ensure!(
        digests(&big) == vec![infos[1].digest.clone()],
        "size 1000..=10000 found {:?}",
        digests(&big)
    );
    let glob = store
        .walk(
            &mine
                .clone()
                .and(Condition::LabelGlob("kind".into(), "con*".into())),
        )
        .await
        .ctx("walk by glob")?;
    ensure!(
        digests(&glob) == vec![infos[0].digest.clone()],
        "kind~=con* found {:?}",
        digests(&glob)
    );
    let by_digest = store
        .walk(&Filter::everything().and(Condition::Digest(infos[2].digest.clone())))
        .await
        .ctx("walk by digest")?;
    ensure!(
        digests(&by_digest) == vec![infos[2].digest.clone()],
        "digest found {:?}",
        digests(&by_digest)
    );
    let text = format!(
        "labels.suite=={}/labels, labels.kind==layer, size>=10000",
        ctx.prefix
    );
    let parsed = Filter::parse(&text).ctx("parse a filter")?;
    let found = store.walk(&parsed).await.ctx("walk a parsed filter")?;
    ensure!(
        digests(&found) == vec![infos[2].digest.clone()],
        "{text:?} found {:?}",
        digests(&found)
    );
    ensure!(
        Filter::parse("colour==red").is_err(),
        "an unknown filter field parsed"
    );

    // Set one label, remove another; the rest stay.
    let mut change = infos[0].clone();
    change.labels.insert("kind".into(), "changed".into());
    change.labels.remove("n");
    let updated = store
        .update(&change, &["labels.kind", "labels.n"])
        .await
        .ctx("update labels.kind and labels.n")?;
    ensure!(
        updated.labels.get("kind").map(String::as_str) == Some("changed"),
        "kind not set: {:?}",
        updated.labels
    );
    ensure!(
        !updated.labels.contains_key("n"),
        "n not removed: {:?}",
        updated.labels
    );
    ensure!(
        updated.labels.contains_key("suite"),
        "suite label lost: {:?}",
        updated.labels
    );
    ensure!(
        updated.updated >= infos[0].created,
        "updated before created"
    );
    ensure!(
        updated.size == infos[0].size && updated.created == infos[0].created,
        "update changed more than labels"
    );
    ensure!(
        store.info(&infos[0].digest).await.ctx("info")? == updated,
        "info differs from update's answer"
    );
    // Replace every label.
    let mut replace = infos[1].clone();
    replace.labels = ctx.labels("labels");
    replace.labels.insert("only".into(), "this".into());
    let replaced = store
        .update(&replace, &["labels"])
        .await
        .ctx("update labels")?;
    ensure!(
        replaced.labels == replace.labels,
        "labels not replaced: {:?}",
        replaced.labels
    );
    let only = store
        .walk(&mine.clone().and(Condition::Label("only".into())))
        .await
        .ctx("walk by label presence")?;
    ensure!(
        digests(&only) == vec![infos[1].digest.clone()],
        "label only found {:?}",
        digests(&only)
    );

    expect(
        store.update(&change, &["size"]).await,
        |e| matches!(e, Error::InvalidArgument(_)),
        "InvalidArgument",
        "update the size",
    )?;
    let mut huge = infos[2].clone();
    huge.labels.insert("big".into(), "x".repeat(MAX_LABEL_LEN));
    expect(
        store.update(&huge, &["labels.big"]).await,
        |e| matches!(e, Error::InvalidArgument(_)),
        "InvalidArgument",
        "an oversized label",
    )?;
    let mut missing = infos[2].clone();
    missing.digest = Digest::sha256_of(ctx.content("labels-missing", 1).as_ref());
    expect(
        store.update(&missing, &[]).await,
        Error::is_not_found,
        "NotFound",
        "update of absent content",
    )?;
    Ok(())
}

/// Delete: absent content is NotFound; present content goes, then is NotFound.
pub async fn check_delete<S: Store>(store: &S, ctx: &ContentCtx) -> Result<(), Failure> {
    let missing = Digest::sha256_of(&ctx.content("delete-missing", 10));
    expect(
        store.delete(&missing).await,
        Error::is_not_found,
        "NotFound",
        "delete of absent content",
    )?;
    let data = ctx.content("delete", 700);
    let d = descriptor(&data);
    let wrote = write_blob_at(
        store,
        &ctx.reference("delete"),
        &data,
        &d,
        ctx.labels("delete"),
    )
    .await
    .ctx("write_blob_at")?;
    ensure!(wrote, "write_blob_at did not write");
    store.delete(&d.digest).await.ctx("delete")?;
    assert_absent(store, &d.digest, "after delete").await?;
    ensure!(
        store
            .walk(&ctx.filter("delete"))
            .await
            .ctx("walk")?
            .is_empty(),
        "deleted content still walked"
    );
    expect(
        store.delete(&d.digest).await,
        Error::is_not_found,
        "NotFound",
        "delete twice",
    )?;
    Ok(())
}

/// Ingests: listed by ref glob, aborted once, unknown refs NotFound; read_blob's limit.
pub async fn check_ingests<S: Store>(store: &S, ctx: &ContentCtx) -> Result<(), Failure> {
    for name in ["ingest-a", "ingest-b"] {
        let mut w = store
            .writer(&WriterOptions::new(ctx.reference(name)))
            .await
            .ctx("open")?;
        w.write(name.as_bytes()).await.ctx("write")?;
        w.close().await.ctx("close")?;
    }
    let listed = store
        .list_statuses(&StatusFilter::reference(format!("{}-ingest-*", ctx.prefix)))
        .await
        .ctx("list statuses")?;
    let refs: Vec<_> = listed.iter().map(|s| s.reference.clone()).collect();
    ensure!(
        refs == vec![ctx.reference("ingest-a"), ctx.reference("ingest-b")],
        "listed {refs:?}"
    );
    ensure!(listed.iter().all(|s| s.offset == 8), "offsets {listed:?}");
    store.abort(&ctx.reference("ingest-a")).await.ctx("abort")?;
    expect(
        store.abort(&ctx.reference("ingest-a")).await,
        Error::is_not_found,
        "NotFound",
        "abort twice",
    )?;
    expect(
        store.status(&ctx.reference("ingest-a")).await,
        Error::is_not_found,
        "NotFound",
        "status after abort",
    )?;
    let w = store
        .writer(&WriterOptions::new(ctx.reference("ingest-a")))
        .await
        .ctx("reopen aborted ref")?;
    ensure!(
        w.status().offset == 0,
        "an aborted ref restarted at {}",
        w.status().offset
    );
    drop(w);
    store
        .abort(&ctx.reference("ingest-a"))
        .await
        .ctx("abort the new ingest")?;
    store
        .abort(&ctx.reference("ingest-b"))
        .await
        .ctx("abort b")?;
    expect(
        store.status(&ctx.reference("nothing")).await,
        Error::is_not_found,
        "NotFound",
        "status of an unknown ref",
    )?;

    let data = ctx.content("limit", 5_000);
    let d = descriptor(&data);
    write_blob_at(store, &ctx.reference("limit"), &data, &d, Labels::new())
        .await
        .ctx("write")?;
    expect(
        read_blob(store, &d.digest, 4_999).await,
        |e| matches!(e, Error::InvalidArgument(_)),
        "InvalidArgument",
        "read_blob over its limit",
    )?;
    ensure!(
        read_blob(store, &d.digest, 5_000)
            .await
            .ctx("read_blob at its limit")?
            == data,
        "content differs"
    );
    Ok(())
}

macro_rules! run {
    ($report:ident, $name:literal, $call:expr) => {{
        let outcome = match $call.await {
            Ok(()) => Outcome::Passed,
            Err(f) => Outcome::Failed(f),
        };
        $report.push($name, outcome);
    }};
}

/// Runs every check in order over stores made by `open` (each check opens its own handle;
/// the resume check opens two) and reports each one.
pub async fn run_all<S: Store>(open: &dyn Fn() -> Result<S, Error>, ctx: &ContentCtx) -> Report {
    let mut r = Report::default();
    let store = match open() {
        Ok(s) => s,
        Err(e) => {
            r.push(
                "open",
                Outcome::Failed(Failure(format!("open the store: {e}"))),
            );
            return r;
        }
    };
    run!(r, "write_commit_read", check_write_commit_read(&store, ctx));
    run!(r, "empty_content", check_empty_content(&store, ctx));
    run!(r, "commit_wrong_size", check_commit_wrong_size(&store, ctx));
    run!(
        r,
        "commit_wrong_digest",
        check_commit_wrong_digest(&store, ctx)
    );
    run!(r, "commit_existing", check_commit_existing(&store, ctx));
    run!(
        r,
        "concurrent_writers",
        check_concurrent_writers(&store, ctx)
    );
    run!(
        r,
        "resume_after_close",
        check_resume_after_close(&store, open, ctx)
    );
    run!(r, "truncate", check_truncate(&store, ctx));
    run!(
        r,
        "labels_and_filters",
        check_labels_and_filters(&store, ctx)
    );
    run!(r, "delete", check_delete(&store, ctx));
    run!(r, "ingests", check_ingests(&store, ctx));
    r
}
