//! The disk content store: the content-store behaviour suite, and a real crash: a child
//! process (this test binary again) killed with SIGKILL in the middle of an ingest leaves no
//! blob, and the ingest resumes from the bytes it wrote.

use std::future::Future;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::process::{Command, Stdio};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use ociscope_core::content::{
    read_blob, Filter, IngestManager, Ingester, Labels, Manager, Writer, WriterOptions,
};
use ociscope_core::{Descriptor, Digest};
use ociscope_native::content::DiskStore;
use ociscope_spec_suite::content::{run_all, ContentCtx};

/// Runs a future that never pends (the disk store's operations are blocking calls).
fn run<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("a disk store future pended"),
    }
}

fn temp_root(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ociscope-content-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn content_suite_passes_on_disk() {
    let root = temp_root("suite");
    let open = || DiskStore::open(&root);
    let report = run(run_all(&open, &ContentCtx::new("disk")));
    println!("{}", report.summary());
    assert!(report.is_success(), "{report}");
    assert_eq!(report.passed(), 11);
    // Everything committed is a file named by its digest, nothing left in temporary names.
    let store = DiskStore::open(&root).unwrap();
    for info in run(store.walk(&Filter::everything())).unwrap() {
        let bytes = std::fs::read(store.blob_path(&info.digest)).unwrap();
        assert_eq!(Digest::sha256_of(&bytes), info.digest);
    }
    // A second run over the same folder, as a program started again would.
    let again = run(run_all(&open, &ContentCtx::new("disk2")));
    assert!(again.is_success(), "{again}");
    std::fs::remove_dir_all(&root).unwrap();
}

const CRASH_ROOT: &str = "OCISCOPE_CRASH_ROOT";
const CRASH_REF: &str = "crash-layer";
const CRASH_SIZE: usize = 24 * 1024 * 1024;
const CHUNK: usize = 256 * 1024;

fn crash_content() -> Bytes {
    let mut out = Vec::with_capacity(CRASH_SIZE);
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    while out.len() < CRASH_SIZE {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    Bytes::from(out)
}

fn descriptor(content: &[u8]) -> Descriptor {
    Descriptor::new(
        "application/vnd.oci.image.layer.v1.tar",
        Digest::sha256_of(content),
        content.len() as u64,
    )
}

/// Not a test on its own: the child process of `crash_mid_write_leaves_no_blob`. It writes
/// the content in chunks, says how far it got after a few MiB, and goes on writing until it
/// is killed (it never commits).
#[test]
fn crash_child() {
    let Some(root) = std::env::var_os(CRASH_ROOT) else {
        return;
    };
    let content = crash_content();
    let store = DiskStore::open(Path::new(&root)).unwrap();
    let mut w =
        run(store.writer(&WriterOptions::expecting(CRASH_REF, &descriptor(&content)))).unwrap();
    for (i, chunk) in content.chunks(CHUNK).enumerate() {
        run(w.write(chunk)).unwrap();
        if i == 16 {
            println!("written {}", w.status().offset);
        }
    }
    // All written and still not committed: wait to be killed (a parent that never kills
    // gets an end of output after a minute and fails, rather than hanging).
    std::thread::sleep(std::time::Duration::from_secs(60));
    std::process::exit(3);
}

#[test]
fn crash_mid_write_leaves_no_blob() {
    let root = temp_root("crash");
    let content = crash_content();
    let d = descriptor(&content);
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
        .env(CRASH_ROOT, &root)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let reported: u64 = loop {
        let line = lines
            .next()
            .expect("the child reports its progress before it ends")
            .unwrap();
        // libtest prints `test crash_child ... ` before the test's own output.
        if let Some((_, n)) = line.split_once("written ") {
            break n.trim().parse().unwrap();
        }
    };
    // SIGKILL (std's kill on Unix): no destructor, no flush, no commit.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the child was killed: {status:?}");

    let store = DiskStore::open(&root).unwrap();
    // No blob: not by info, not walked, no file under blobs/.
    assert!(run(store.info(&d.digest)).unwrap_err().is_not_found());
    assert!(run(store.walk(&Filter::everything())).unwrap().is_empty());
    assert!(!store.blob_path(&d.digest).exists());
    // The ingest is there, at an offset at or past what the child reported.
    let st = run(store.status(CRASH_REF)).unwrap();
    println!(
        "child killed after reporting {reported} bytes; the ingest holds {} of {CRASH_SIZE}",
        st.offset
    );
    assert!(
        st.offset >= reported && st.offset <= CRASH_SIZE as u64,
        "{st:?}"
    );
    assert_eq!(st.expected.as_ref(), Some(&d.digest));
    assert_eq!(st.total, Some(CRASH_SIZE as u64));
    // It resumes: the digest state is rebuilt from exactly the bytes the child wrote.
    let mut w = run(store.writer(&WriterOptions::expecting(CRASH_REF, &d))).unwrap();
    let at = w.status().offset;
    assert_eq!(at, st.offset);
    let kept = usize::try_from(at).unwrap();
    assert_eq!(w.digest(), Digest::sha256_of(&content[..kept]));
    run(w.write(&content[kept..])).unwrap();
    let info = run(w.commit(None, None, Labels::new())).unwrap();
    assert_eq!(info.digest, d.digest);
    let back = run(read_blob(&store, &d.digest, CRASH_SIZE as u64)).unwrap();
    assert_eq!(back.len(), CRASH_SIZE);
    assert!(run(store.status(CRASH_REF)).unwrap_err().is_not_found());
    std::fs::remove_dir_all(&root).unwrap();
}
