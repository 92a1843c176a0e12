//! The Spec behaviour suite over `DriverRegistry`, on the memory driver and on the filesystem
//! driver; and what the filesystem keeps across a restart (a new driver over the same folder).

use std::path::PathBuf;

use bytes::Bytes;
use ociscope_core::descriptor::Descriptor;
use ociscope_core::media_type;
use ociscope_core::spec::{
    BlobReader, BlobWriter, ManifestRef, PageRequest, RepoName, ResumeAt, Spec, Tag,
};
use ociscope_core::Digest;
use ociscope_spec_suite::{run_all, Capabilities, Ctx};
use ociscope_storage::{DriverRegistry, FsDriver, MemoryDriver, StorageDriver};

/// A folder removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "ociscope-storage-{label}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn suite_passes<D: StorageDriver>(reg: &DriverRegistry<D>, prefix: &str) {
    let ctx = Ctx::new(prefix).with_capabilities(Capabilities::all());
    let report = run_all(reg, &ctx).await;
    println!("{report}");
    assert!(report.is_success(), "{report}");
    assert!(report.passed() > 40, "{report}");
}

#[tokio::test(flavor = "current_thread")]
async fn suite_passes_on_the_memory_driver() {
    suite_passes(&DriverRegistry::new(MemoryDriver::new()), "mem").await;
}

#[tokio::test(flavor = "current_thread")]
async fn suite_passes_on_the_filesystem_driver() {
    let dir = TempDir::new("suite");
    let (driver, _) = FsDriver::open(&dir.0).unwrap();
    suite_passes(&DriverRegistry::new(driver), "fs").await;
}

fn name(s: &str) -> RepoName {
    RepoName::new(s).unwrap()
}

fn blob(content: &[u8]) -> Descriptor {
    Descriptor::new(
        media_type::OCI_LAYER_TAR,
        Digest::sha256_of(content),
        content.len() as u64,
    )
}

fn manifest(config: &Descriptor, layers: &[Descriptor]) -> Bytes {
    let d = |d: &Descriptor| serde_json::json!({"mediaType": d.media_type, "digest": d.digest.as_str(), "size": d.size});
    Bytes::from(
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": media_type::OCI_MANIFEST,
            "config": d(config),
            "layers": layers.iter().map(d).collect::<Vec<_>>(),
        }))
        .unwrap(),
    )
}

async fn read_all<R: BlobReader>(mut r: R) -> Vec<u8> {
    r.read_to_end(u64::MAX).await.unwrap().to_vec()
}

#[tokio::test(flavor = "current_thread")]
async fn content_tags_and_uploads_survive_a_restart() {
    let dir = TempDir::new("restart");
    let repo = name("team/app");
    let config = b"{\"architecture\":\"amd64\",\"os\":\"linux\"}".to_vec();
    let mut config_d = blob(&config);
    config_d.media_type = media_type::OCI_CONFIG.into();
    let layer: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let layer_d = blob(&layer);
    let big: Vec<u8> = (0..1_000_000u32).map(|i| (i * 7 % 253) as u8).collect();
    let big_d = blob(&big);
    let upload_id;
    let manifest_d;
    {
        let (driver, _) = FsDriver::open(&dir.0).unwrap();
        let reg = DriverRegistry::new(driver);
        reg.push_blob(&repo, &config_d, Bytes::from(config.clone()))
            .await
            .unwrap();
        let mut w = reg.start_upload(&repo, Some(64 * 1024)).await.unwrap();
        w.write(&layer).await.unwrap();
        w.commit(&layer_d.digest).await.unwrap();
        let bytes = manifest(&config_d, std::slice::from_ref(&layer_d));
        manifest_d = reg
            .push_manifest(
                &repo,
                media_type::OCI_MANIFEST,
                bytes,
                &[Tag::new("v1").unwrap()],
            )
            .await
            .unwrap();
        // An upload interrupted half-way: the process goes away without closing it.
        let mut w = reg.start_upload(&repo, None).await.unwrap();
        w.write(&big[..400_000]).await.unwrap();
        upload_id = w.id().to_string();
    }
    // A temporary file a killed process left behind is cleaned when the store opens again.
    let stray = dir.0.join("blobs").join(".tmp.data.1.1");
    std::fs::write(&stray, b"half").unwrap();
    let (driver, cleaned) = FsDriver::open(&dir.0).unwrap();
    assert_eq!(cleaned, 1);
    assert!(!stray.exists());
    let reg = DriverRegistry::new(driver);
    let page = reg
        .list_repositories(&PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.items, vec!["team/app".to_string()]);
    let got = reg
        .get_manifest(&repo, &ManifestRef::Tag(Tag::new("v1").unwrap()))
        .await
        .unwrap();
    assert_eq!(got.descriptor.digest, manifest_d.digest);
    assert_eq!(
        read_all(reg.get_blob(&repo, &layer_d.digest).await.unwrap()).await,
        layer
    );
    // The interrupted upload resumes where its data stands and commits.
    let mut w = reg
        .resume_upload(&repo, &upload_id, ResumeAt::RegistryOffset, None)
        .await
        .unwrap();
    assert_eq!(w.size(), 400_000);
    w.write(&big[400_000..]).await.unwrap();
    w.commit(&big_d.digest).await.unwrap();
    assert_eq!(
        read_all(reg.get_blob(&repo, &big_d.digest).await.unwrap()).await,
        big
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_blob_damaged_on_disk_is_never_served_as_good() {
    let dir = TempDir::new("damaged");
    let (driver, _) = FsDriver::open(&dir.0).unwrap();
    let reg = DriverRegistry::new(driver);
    let repo = name("r");
    let content = vec![7u8; 100_000];
    let d = blob(&content);
    reg.push_blob(&repo, &d, Bytes::from(content.clone()))
        .await
        .unwrap();
    let path = dir.0.join(ociscope_storage::layout::blob_data(&d.digest));
    let mut damaged = content.clone();
    damaged[50_000] ^= 1;
    std::fs::write(&path, &damaged).unwrap();
    let mut r = reg.get_blob(&repo, &d.digest).await.unwrap();
    let err = r.read_to_end(u64::MAX).await.unwrap_err();
    assert!(err.to_string().contains("digest"), "{err}");
}

#[tokio::test(flavor = "current_thread")]
async fn a_commit_under_a_wrong_digest_stores_nothing_and_keeps_the_upload() {
    let dir = TempDir::new("wrong");
    let (driver, _) = FsDriver::open(&dir.0).unwrap();
    let reg = DriverRegistry::new(driver);
    let repo = name("r");
    let mut w = reg.start_upload(&repo, None).await.unwrap();
    w.write(b"hello").await.unwrap();
    let wrong = Digest::sha256_of(b"other");
    assert!(w.commit(&wrong).await.is_err());
    assert!(!dir
        .0
        .join(ociscope_storage::layout::blob_data(&wrong))
        .exists());
    let right = Digest::sha256_of(b"hello");
    w.commit(&right).await.unwrap();
    assert!(reg.stat_blob(&repo, &right).await.is_ok());
}
