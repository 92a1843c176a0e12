//! ociscope-server over storage that keeps what is pushed (`--storage DIR`): the behaviour
//! suite through the server on the filesystem and memory drivers; the binary restarted (content,
//! tags and an interrupted upload survive); the binary killed with SIGKILL in the middle of
//! pushes (nothing answered as stored is lost, nothing stored is corrupt); `gc`.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use ociscope_server::{spawn, Config};
use ociscope_spec_suite::{run_all, Capabilities, Ctx};
use ociscope_storage::{DriverRegistry, FsDriver, MemoryDriver};

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

async fn suite_passes(server: ociscope_server::Running, prefix: &str) {
    let spec = ociscope_native::connect(&server.url(), Default::default()).expect("client");
    let ctx = Ctx::new(prefix).with_capabilities(Capabilities::all());
    let report = run_all(&spec, &ctx).await;
    println!("{report}");
    assert!(report.is_success(), "{report}");
    assert_eq!(report.not_applicable(), 1, "only the fallback-tag check");
}

#[tokio::test(flavor = "current_thread")]
async fn spec_suite_passes_through_the_server_on_the_filesystem_driver() {
    let dir = TempDir::new("suite-fs");
    let root = dir.path().to_path_buf();
    let server = spawn(
        "127.0.0.1:0",
        move || DriverRegistry::new(FsDriver::open(root).expect("store opens").0),
        Config::default(),
    )
    .expect("server starts");
    suite_passes(server, "suite-fs").await;
}

#[tokio::test(flavor = "current_thread")]
async fn spec_suite_passes_through_the_server_on_the_memory_driver() {
    let server = spawn(
        "127.0.0.1:0",
        || DriverRegistry::new(MemoryDriver::new()),
        Config::default(),
    )
    .expect("server starts");
    suite_passes(server, "suite-mem").await;
}

/// Starts a chunked upload and sends `data` in `chunk`-byte PATCHes; returns its location.
fn upload_chunks(base: &str, repo: &str, data: &[u8], chunk: usize) -> Result<String, String> {
    let r = try_request("POST", &format!("{base}/v2/{repo}/blobs/uploads/"), &[], "")
        .map_err(|e| e.to_string())?;
    if r.status != 202 {
        return Err(format!("POST {}", r.status));
    }
    let mut location = r.header("location").ok_or("no Location")?.to_string();
    let mut offset = 0;
    for part in data.chunks(chunk.max(1)) {
        let range = format!("{offset}-{}", offset + part.len() - 1);
        let r = try_request(
            "PATCH",
            &format!("{base}{location}"),
            &[
                ("content-type", "application/octet-stream"),
                ("content-range", &range),
            ],
            part.to_vec(),
        )
        .map_err(|e| e.to_string())?;
        if r.status != 202 {
            return Err(format!("PATCH {}: {}", r.status, r.text()));
        }
        location = r.header("location").ok_or("no Location")?.to_string();
        offset += part.len();
    }
    Ok(location)
}

/// Commits an upload at `location` as the digest of `data`.
fn commit(base: &str, location: &str, data: &[u8]) -> Result<(), String> {
    let join = if location.contains('?') { '&' } else { '?' };
    let r = try_request(
        "PUT",
        &format!("{base}{location}{join}digest={}", sha256(data)),
        &[],
        "",
    )
    .map_err(|e| e.to_string())?;
    if r.status == 201 {
        Ok(())
    } else {
        Err(format!("PUT {}: {}", r.status, r.text()))
    }
}

/// Pushes an image with its blobs sent in chunks, and tags it.
fn push_chunked(base: &str, repo: &str, img: &Image, tag: &str) -> Result<(), String> {
    for blob in img.blobs() {
        let location = upload_chunks(base, repo, blob, 64 * 1024)?;
        commit(base, &location, blob)?;
    }
    let r = try_request(
        "PUT",
        &format!("{base}/v2/{repo}/manifests/{tag}"),
        &[("content-type", OCI_MANIFEST)],
        img.manifest.clone(),
    )
    .map_err(|e| e.to_string())?;
    if r.status == 201 {
        Ok(())
    } else {
        Err(format!("manifest {}: {}", r.status, r.text()))
    }
}

/// An image with a layer of `size` bytes.
fn image_of(seed: &str, size: usize) -> Image {
    let mut img = Image::new(seed, None, None);
    let layer: Vec<u8> = format!("{seed} ").bytes().cycle().take(size).collect();
    let mut manifest: serde_json::Value = serde_json::from_slice(&img.manifest).unwrap();
    manifest["layers"][0]["digest"] = serde_json::json!(sha256(&layer));
    manifest["layers"][0]["size"] = serde_json::json!(layer.len());
    img.layers[0] = layer;
    img.manifest = serde_json::to_vec(&manifest).unwrap();
    img
}

/// Checks that `tag` in `repo` serves `img` exactly, every blob with its digest.
fn assert_serves(base: &str, repo: &str, tag: &str, img: &Image) {
    let r = get(&format!("{base}/v2/{repo}/manifests/{tag}"));
    assert_eq!(r.status, 200, "{repo}:{tag}: {}", r.text());
    assert_eq!(r.body, img.manifest, "{repo}:{tag}: manifest bytes");
    for blob in img.blobs() {
        let r = get(&format!("{base}/v2/{repo}/blobs/{}", sha256(blob)));
        assert_eq!(r.status, 200, "{repo}:{tag}: blob");
        assert_eq!(sha256(&r.body), sha256(blob), "{repo}:{tag}: blob content");
    }
}

/// Every blob file under the store holds the content its path names.
fn assert_store_consistent(root: &std::path::Path) -> usize {
    let mut checked = 0;
    let blobs = root.join("blobs/sha256");
    for shard in std::fs::read_dir(&blobs).into_iter().flatten().flatten() {
        for dir in std::fs::read_dir(shard.path()).unwrap().flatten() {
            let name = dir.file_name().to_string_lossy().into_owned();
            if name.starts_with(".tmp.") {
                panic!(
                    "temporary file left in the blob store: {}",
                    dir.path().display()
                );
            }
            let data = std::fs::read(dir.path().join("data")).unwrap();
            assert_eq!(
                sha256(&data),
                format!("sha256:{name}"),
                "blob {name} is corrupt"
            );
            checked += 1;
        }
    }
    checked
}

#[test]
fn content_tags_and_an_interrupted_upload_survive_a_restart() {
    let dir = TempDir::new("restart");
    let store = dir.path().join("store");
    let storage = store.to_str().unwrap();
    let img = image_of("restart", 300_000);
    let big: Vec<u8> = (0..1_000_000u32).map(|i| (i * 13 % 251) as u8).collect();
    let location;
    {
        let bin = Binary::start(&["--storage", storage]);
        push_chunked(&bin.url, "keep/me", &img, "v1").unwrap();
        img.push(&bin.url, "other", "latest");
        location = upload_chunks(&bin.url, "keep/me", &big[..600_000], 100_000).unwrap();
        let mut bin = bin;
        // SIGTERM: a clean stop.
        let status = std::process::Command::new("kill")
            .args(["-TERM", &bin.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        bin.child.wait().unwrap();
    }
    let bin = Binary::start(&["--storage", storage]);
    let base = &bin.url;
    assert_serves(base, "keep/me", "v1", &img);
    assert_serves(base, "other", "latest", &img);
    let cat = get(&format!("{base}/v2/_catalog")).json();
    assert_eq!(cat["repositories"], serde_json::json!(["keep/me", "other"]));
    // The upload stands where it was left and resumes.
    let r = get(&format!("{base}{location}"));
    assert_eq!(r.status, 204, "upload status: {}", r.text());
    assert_eq!(r.header("range"), Some("0-599999"));
    let r = request(
        "PATCH",
        &format!("{base}{location}"),
        &[("content-range", "600000-999999")],
        big[600_000..].to_vec(),
    );
    assert_eq!(r.status, 202, "{}", r.text());
    let location = r.header("location").unwrap().to_string();
    commit(base, &location, &big).unwrap();
    let r = get(&format!("{base}/v2/keep/me/blobs/{}", sha256(&big)));
    assert_eq!(r.body, big);
}

#[test]
fn sigkill_in_the_middle_of_pushes_loses_nothing_committed() {
    let dir = TempDir::new("crash");
    let store = dir.path().join("store");
    let storage = store.to_str().unwrap().to_string();
    let bin = Binary::start(&["--storage", &storage]);
    let base = bin.url.clone();
    let done: Arc<Mutex<Vec<(String, Image)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    // Two pushers, each pushing images with 1 MiB layers in 64 KiB chunks until the server dies.
    let pushers: Vec<_> = (0..2)
        .map(|p| {
            let (base, done, stop) = (base.clone(), done.clone(), stop.clone());
            std::thread::spawn(move || {
                for i in 0.. {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let tag = format!("p{p}-{i}");
                    let img = image_of(&tag, 1024 * 1024);
                    match push_chunked(&base, "crash", &img, &tag) {
                        Ok(()) => done.lock().unwrap().push((tag, img)),
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    // Kill once six pushes were answered and an upload is half-way (its data on disk).
    let uploads = store.join("repositories/crash/_uploads");
    let mid_upload = || {
        std::fs::read_dir(&uploads)
            .into_iter()
            .flatten()
            .flatten()
            .any(|u| std::fs::metadata(u.path().join("data")).is_ok_and(|m| m.len() > 0))
    };
    while !(done.lock().unwrap().len() >= 6 && mid_upload()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    let mut bin = bin;
    bin.child.kill().unwrap(); // SIGKILL, mid-push
    bin.child.wait().unwrap();
    stop.store(true, Ordering::SeqCst);
    for p in pushers {
        p.join().unwrap();
    }
    let committed = done.lock().unwrap();
    let in_flight = std::fs::read_dir(store.join("repositories/crash/_uploads"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert!(in_flight >= 1, "the kill came in the middle of an upload");
    assert!(
        committed.len() >= 6,
        "only {} pushes before the kill",
        committed.len()
    );

    let bin = Binary::start(&["--storage", &storage]);
    for (tag, img) in committed.iter() {
        assert_serves(&bin.url, "crash", tag, img);
    }
    let checked = assert_store_consistent(&store);
    println!(
        "{} pushes answered before SIGKILL all served after restart; {in_flight} uploads were in \
         flight; {checked} blobs on disk verified",
        committed.len()
    );
    // The store takes pushes again.
    let img = image_of("after", 10_000);
    push_chunked(&bin.url, "crash", &img, "after").unwrap();
    assert_serves(&bin.url, "crash", "after", &img);
}

fn gc(storage: &str, extra: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ociscope-server"))
        .args(["gc", "--storage", storage])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn gc_removes_only_what_no_manifest_references() {
    let dir = TempDir::new("gc");
    let store = dir.path().join("store");
    let storage = store.to_str().unwrap().to_string();
    let bin = Binary::start(&["--storage", &storage]);
    let base = &bin.url;
    let keep = image_of("keep", 50_000);
    let drop_ = image_of("drop", 70_000);
    keep.push(base, "gc", "keep");
    drop_.push(base, "gc", "drop");
    // An upload in progress, which gc must leave alone.
    let location = upload_chunks(base, "gc", b"in flight", 4).unwrap();
    let r = request(
        "DELETE",
        &format!("{base}/v2/gc/manifests/{}", drop_.digest()),
        &[],
        "",
    );
    assert_eq!(r.status, 202);
    let unique: Vec<String> = drop_
        .blobs()
        .into_iter()
        .map(|b| sha256(b))
        .chain([drop_.digest()])
        .collect();

    // With the default grace period everything is too young to go.
    let out = gc(&storage, &["--dry-run"]);
    assert!(out.contains("would remove 0 blobs"), "{out}");
    // Without grace: the dry run lists the deleted image's blobs and manifest, removes nothing.
    let out = gc(&storage, &["--dry-run", "--grace-secs", "0"]);
    for d in &unique {
        assert!(
            out.contains(&format!("would remove blob {d}")),
            "{d} in {out}"
        );
    }
    assert_eq!(unique.len(), 4, "config, two layers, manifest");
    assert!(out.contains("would remove 4 blobs"), "{out}");
    assert!(out.contains("1 uploads in progress"), "{out}");
    assert_eq!(assert_store_consistent(&store), 8);
    let out = gc(&storage, &["--grace-secs", "0"]);
    assert!(out.contains("removed 4 blobs"), "{out}");
    assert_eq!(assert_store_consistent(&store), 4);
    // What is referenced is still served, and the upload still completes.
    assert_serves(base, "gc", "keep", &keep);
    let r = get(&format!("{base}/v2/gc/blobs/{}", sha256(&drop_.layers[0])));
    assert_eq!(r.status, 404);
    commit(base, &location, b"in flight").unwrap();
    let out = gc(&storage, &["--dry-run", "--grace-secs", "0"]);
    assert!(
        out.contains("would remove 1 blobs"),
        "the committed upload is unreferenced: {out}"
    );
}
