//! The files inside layers, on an in-page registry: the same archive as plain tar, tar+gzip
//! (through the browser's DecompressionStream) and tar+zstd (ruzstd in wasm), each listed with
//! modes, owners, sizes, link targets and whiteouts; searched by path; shown as a tree with
//! folder sizes; a text file opened in place; and a layer that is not tar explained.
#![cfg(target_arch = "wasm32")]

use std::collections::BTreeMap;

use bytes::Bytes;
use ociscope_core::memory::MemoryRegistry;
use ociscope_core::spec::Spec;
use ociscope_core::{media_type, Descriptor};
use ociscope_demo::tar::{archive, Entry};
use ociscope_tools::layer::{FileEntry, TarLister};
use ociscope_web::registry::{self, Registry};
use wasm_bindgen_test::*;

mod common;
use common::{blob, click, repo, tag, type_into, Mounted};

wasm_bindgen_test_configure!(run_in_browser);

fn entries() -> Vec<Entry> {
    let mut e = vec![
        Entry::file("etc/hostname", "demo-host\n"),
        Entry::executable("usr/bin/tool", vec![7u8; 2000]),
        Entry::symlink("bin/sh", "/usr/bin/busybox"),
        Entry::file("etc/.wh.old.conf", ""),
        Entry::file("data/blob.bin", vec![1u8; 300 * 1024]),
    ];
    for i in 0..200 {
        e.push(Entry::file(
            &format!("many/f{i:03}.txt"),
            format!("file {i}"),
        ));
    }
    e
}

/// Pushes the archive as plain, gzip and zstd layers of one image, and a layer that is not
/// tar; returns their descriptors and the number of entries the archive has.
async fn push(reg: &MemoryRegistry) -> (Vec<Descriptor>, usize) {
    let tar = archive(&entries(), 1_700_000_000).unwrap();
    let mut count = 0;
    let mut lister = TarLister::new();
    lister.push(&tar, &mut |_: &FileEntry| count += 1).unwrap();
    let gz = ociscope_demo::gzip(&tar).unwrap();
    let zst =
        ruzstd::encoding::compress_to_vec(&tar[..], ruzstd::encoding::CompressionLevel::Fastest);
    let layers = vec![
        blob(reg, "l/x", media_type::OCI_LAYER_TAR, &tar).await,
        blob(reg, "l/x", media_type::OCI_LAYER_TAR_GZIP, &gz).await,
        blob(reg, "l/x", media_type::OCI_LAYER_TAR_ZSTD, &zst).await,
        blob(reg, "l/x", media_type::OCI_LAYER_TAR, &[b'x'; 2048]).await,
    ];
    let config = serde_json::json!({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}});
    let config = blob(
        reg,
        "l/x",
        media_type::OCI_CONFIG,
        config.to_string().as_bytes(),
    )
    .await;
    let manifest = serde_json::json!({
        "schemaVersion": 2, "mediaType": media_type::OCI_MANIFEST,
        "config": config, "layers": layers, "annotations": BTreeMap::<String, String>::new(),
    });
    reg.push_manifest(
        &repo("l/x"),
        media_type::OCI_MANIFEST,
        Bytes::from(manifest.to_string()),
        &[tag("v1")],
    )
    .await
    .unwrap();
    (layers, count)
}

#[wasm_bindgen_test]
async fn lists_plain_gzip_and_zstd_layers_searches_shows_a_tree_and_opens_a_file() {
    let reg = MemoryRegistry::new();
    let (layers, count) = push(&reg).await;
    assert!(count >= 205, "{count}");
    registry::install("mem:files", Registry::memory(reg));

    // From the manifest's layer table.
    let app = Mounted::at("?registry=mem:files&repo=l/x&ref=v1");
    assert_eq!(
        app.find("#layers", "")
            .await
            .query_selector_all("a.files-link")
            .unwrap()
            .length(),
        4
    );
    drop(app);

    for layer in &layers[..3] {
        let app = Mounted::at(&format!(
            "?tool=files&registry=mem:files&repo=l/x&blob={}",
            layer.digest
        ));
        let summary = app
            .find("#files-summary", "done")
            .await
            .text_content()
            .unwrap();
        assert!(
            summary.starts_with(&format!("{count} entries")),
            "{} for {}: {summary}",
            layer.media_type,
            layer.digest
        );

        type_into(&app.find("#files-search", "").await, "hostname");
        app.until("the search to keep one row", |a| {
            a.all(".file-row").len() == 1
        })
        .await;
        let row = app.find(".file-row", "etc/hostname").await;
        let text = row.text_content().unwrap();
        assert!(
            text.contains("-rw-r--r--")
                && text.contains("10 B")
                && text.contains("2023-11-14 22:13"),
            "{text}"
        );
        click(&row.query_selector("button.file-open").unwrap().unwrap());
        app.find("#file-opened pre", "demo-host").await;

        type_into(&app.find("#files-search", "").await, "bin/");
        app.find(".file-row", "→ /usr/bin/busybox").await;
        app.find(".file-row", "-rwxr-xr-x").await;
        type_into(&app.find("#files-search", "").await, "old.conf");
        app.find(".file-row.whiteout", "(removed: whiteout)").await;
        // Too large to open in the page; still downloadable.
        type_into(&app.find("#files-search", "").await, "blob.bin");
        let big = app.find(".file-row", "300 KiB").await;
        assert!(big.query_selector("button.file-open").unwrap().is_none());
        // Downloading it says so, and the file opened before stays shown.
        click(&big.query_selector("button.file-download").unwrap().unwrap());
        app.find("#file-status", "downloaded data/blob.bin (300 KiB)")
            .await;
        app.find("#file-opened pre", "demo-host").await;

        // The tree: folders with their sizes, expanded on click.
        type_into(&app.find("#files-search", "").await, "");
        click(&app.find("#files-as-tree", "tree").await);
        let many = app.find(".tree-row", "many/").await;
        assert!(
            many.text_content().unwrap().contains("200 files"),
            "{}",
            many.text_content().unwrap()
        );
        click(&many.query_selector("button.tree-toggle").unwrap().unwrap());
        app.find(".tree-row", "f000.txt").await;
        drop(app);
    }

    // Not a tar archive: explained, not a frozen page.
    let app = Mounted::at(&format!(
        "?tool=files&registry=mem:files&repo=l/x&blob={}",
        layers[3].digest
    ));
    app.find(".error-box", "not a tar archive at byte 0").await;
}

#[wasm_bindgen_test]
async fn the_merged_filesystem_shows_what_each_layer_added_changed_removed_and_wasted() {
    let reg = MemoryRegistry::new();
    let lower = archive(
        &[
            Entry::file("etc/a.conf", vec![b'a'; 100]),
            Entry::file("etc/b.conf", vec![b'b'; 50]),
            Entry::file("var/cache/x", vec![b'x'; 1000]),
        ],
        1_700_000_000,
    )
    .unwrap();
    let upper = archive(
        &[
            Entry::file("etc/a.conf", vec![b'A'; 10]),
            Entry::file("etc/.wh.b.conf", ""),
            Entry::file("var/cache/.wh..wh..opq", ""),
            Entry::file("srv/new", "new"),
        ],
        1_700_000_100,
    )
    .unwrap();
    let layers = vec![
        blob(
            &reg,
            "m/x",
            media_type::OCI_LAYER_TAR_GZIP,
            &ociscope_demo::gzip(&lower).unwrap(),
        )
        .await,
        blob(&reg, "m/x", media_type::OCI_LAYER_TAR, &upper).await,
    ];
    let config = serde_json::json!({"architecture": "amd64", "os": "linux"});
    let config = blob(
        &reg,
        "m/x",
        media_type::OCI_CONFIG,
        config.to_string().as_bytes(),
    )
    .await;
    let manifest = serde_json::json!({
        "schemaVersion": 2, "mediaType": media_type::OCI_MANIFEST, "config": config, "layers": layers,
    });
    reg.push_manifest(
        &repo("m/x"),
        media_type::OCI_MANIFEST,
        Bytes::from(manifest.to_string()),
        &[tag("v1")],
    )
    .await
    .unwrap();
    registry::install("mem:merged", Registry::memory(reg));

    let app = Mounted::at("?registry=mem:merged&repo=m/x&ref=v1");
    click(&app.find("a.image-files-link", "Files of all layers").await);
    let summary = app
        .find("#image-files-summary", "wasted")
        .await
        .text_content()
        .unwrap();
    // Final: etc, etc/a.conf, var, var/cache, srv, srv/new (folders as the archive lists them).
    assert!(
        summary.contains("1.1 KiB wasted") || summary.contains("wasted"),
        "{summary}"
    );
    let rows = app.all("#image-layers tbody tr");
    assert_eq!(rows.len(), 2);
    let upper_row = rows[1].text_content().unwrap();
    let cell = |sel: &str| {
        rows[1]
            .query_selector(sel)
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap()
    };
    assert_eq!(cell(".layer-changed"), "1", "{upper_row}");
    assert_eq!(
        cell(".layer-removed"),
        "2",
        "b.conf and var/cache/x: {upper_row}"
    );
    assert_eq!(
        cell(".layer-wasted"),
        "1.1 KiB",
        "100 + 50 + 1000 bytes: {upper_row}"
    );
    type_into(&app.find("#image-files-search", "").await, "a.conf");
    let row = app.find(".merged-row", "etc/a.conf").await;
    let text = row.text_content().unwrap();
    assert!(text.contains("10 B") && text.contains("layer 2"), "{text}");
    type_into(&app.find("#image-files-search", "").await, "b.conf");
    app.until("a removed file to be gone", |a| {
        a.all(".merged-row").is_empty()
    })
    .await;
}
