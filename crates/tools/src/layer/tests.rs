use super::*;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn header(kind: tar::EntryType, size: u64, mode: u32) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(mode);
    h.set_uid(1000);
    h.set_gid(50);
    h.set_mtime(1_700_000_000);
    h.set_username("alice").unwrap();
    h.set_groupname("staff").unwrap();
    h
}

/// An archive with every kind of entry a layer holds.
fn archive() -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    b.append_data(
        &mut header(tar::EntryType::Directory, 0, 0o755),
        "./etc/",
        &[][..],
    )
    .unwrap();
    b.append_data(
        &mut header(tar::EntryType::Regular, 12, 0o644),
        "./etc/hostname",
        &b"example-host"[..],
    )
    .unwrap();
    let long = format!(
        "usr/share/{}/file.txt",
        "very-long-directory-name".repeat(6)
    );
    b.append_data(
        &mut header(tar::EntryType::Regular, 3, 0o4755),
        &long,
        &b"abc"[..],
    )
    .unwrap();
    let mut link = header(tar::EntryType::Symlink, 0, 0o777);
    b.append_link(&mut link, "bin/sh", "/usr/bin/busybox")
        .unwrap();
    let mut hard = header(tar::EntryType::Link, 0, 0o644);
    b.append_link(&mut hard, "etc/hostname.bak", "etc/hostname")
        .unwrap();
    b.append_data(
        &mut header(tar::EntryType::Fifo, 0, 0o600),
        "run/pipe",
        &[][..],
    )
    .unwrap();
    b.append_pax_extensions([
        ("path", "pax/ünïcode name.txt".as_bytes()),
        ("mtime", b"1600000000.25"),
        ("uname", b"bob"),
    ])
    .unwrap();
    b.append_data(
        &mut header(tar::EntryType::Regular, 5, 0o600),
        "short",
        &b"hello"[..],
    )
    .unwrap();
    b.append_data(
        &mut header(tar::EntryType::Regular, 0, 0o644),
        "etc/.wh.old.conf",
        &[][..],
    )
    .unwrap();
    b.append_data(
        &mut header(tar::EntryType::Regular, 0, 0o644),
        "var/cache/.wh..wh..opq",
        &[][..],
    )
    .unwrap();
    b.into_inner().unwrap()
}

fn list_in_chunks(bytes: &[u8], size: usize) -> Result<Vec<FileEntry>, LayerError> {
    let mut lister = TarLister::new();
    let mut out = Vec::new();
    for chunk in bytes.chunks(size.max(1)) {
        lister.push(chunk, &mut |e: &FileEntry| out.push(e.clone()))?;
    }
    lister.finish()?;
    Ok(out)
}

#[test]
fn lists_every_field_of_every_kind() {
    let entries = list_in_chunks(&archive(), 1 << 20).unwrap();
    let paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
    let long = format!(
        "usr/share/{}/file.txt",
        "very-long-directory-name".repeat(6)
    );
    assert_eq!(
        paths,
        [
            "etc",
            "etc/hostname",
            &long,
            "bin/sh",
            "etc/hostname.bak",
            "run/pipe",
            "pax/ünïcode name.txt",
            "etc/old.conf",
            "var/cache"
        ]
    );
    let host = &entries[1];
    assert_eq!(
        (host.kind.clone(), host.size, host.mode, host.uid, host.gid),
        (Kind::File, 12, 0o644, 1000, 50)
    );
    assert_eq!(
        (host.uname.as_deref(), host.gname.as_deref(), host.mtime),
        (Some("alice"), Some("staff"), 1_700_000_000)
    );
    assert_eq!(entries[0].kind, Kind::Dir);
    assert_eq!(entries[0].mode_string(), "drwxr-xr-x");
    assert_eq!(entries[2].mode_string(), "-rwsr-xr-x");
    assert_eq!(
        (entries[3].kind.clone(), entries[3].link.as_deref()),
        (Kind::Symlink, Some("/usr/bin/busybox"))
    );
    assert_eq!(entries[3].mode_string(), "lrwxrwxrwx");
    assert_eq!(
        (entries[4].kind.clone(), entries[4].link.as_deref()),
        (Kind::Hardlink, Some("etc/hostname"))
    );
    assert_eq!(entries[5].kind, Kind::Fifo);
    let pax = &entries[6];
    assert_eq!(
        (pax.size, pax.mtime, pax.uname.as_deref()),
        (5, 1_600_000_000, Some("bob"))
    );
    assert_eq!(entries[7].kind, Kind::Whiteout);
    assert_eq!(entries[8].kind, Kind::Opaque);
}

#[test]
fn any_chunking_gives_the_same_entries() {
    let bytes = archive();
    let whole = list_in_chunks(&bytes, bytes.len()).unwrap();
    for size in [1, 7, 100, 511, 512, 513, 1000, 4096] {
        assert_eq!(
            list_in_chunks(&bytes, size).unwrap(),
            whole,
            "chunks of {size}"
        );
    }
}

#[test]
fn hands_the_content_of_the_entries_asked_for() {
    struct Grab(Vec<u8>, bool);
    impl Sink for Grab {
        fn entry(&mut self, e: &FileEntry) -> bool {
            e.path == "etc/hostname"
        }
        fn data(&mut self, bytes: &[u8]) {
            self.0.extend_from_slice(bytes);
        }
        fn end(&mut self) {
            self.1 = true;
        }
    }
    let mut grab = Grab(Vec::new(), false);
    let mut lister = TarLister::new();
    for chunk in archive().chunks(5) {
        lister.push(chunk, &mut grab).unwrap();
    }
    assert_eq!(grab.0, b"example-host");
    assert!(grab.1);
    assert!(lister.ended());
}

#[test]
fn refuses_what_is_not_tar_and_what_is_cut_short() {
    let garbage = vec![b'x'; 1024];
    assert!(matches!(
        list_in_chunks(&garbage, 100),
        Err(LayerError::NotTar { offset: 0, .. })
    ));
    let bytes = archive();
    // A corrupted second header is reported at its offset.
    let mut bad = bytes.clone();
    bad[512 + 10] ^= 0xff;
    assert!(
        matches!(
            list_in_chunks(&bad, 64),
            Err(LayerError::NotTar { offset: 512, .. })
        ),
        "{:?}",
        list_in_chunks(&bad, 64)
    );
    // Cut inside the content of the first file.
    assert!(matches!(
        list_in_chunks(&bytes[..1030], 64),
        Err(LayerError::Truncated { .. })
    ));
    // A metadata record over the limit is refused before it is read.
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::XHeader);
    h.set_size(META_LIMIT + 1);
    h.set_cksum();
    assert!(matches!(
        list_in_chunks(h.as_bytes(), 512),
        Err(LayerError::MetadataTooLarge { .. })
    ));
    // A stream that stops between entries (no end blocks) is accepted.
    assert_eq!(list_in_chunks(&bytes[..512], 512).unwrap().len(), 1);
}

#[test]
fn a_gigabyte_entry_streams_in_flat_memory() {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_path("big.bin").unwrap();
    h.set_size(1 << 30);
    h.set_cksum();
    let mut lister = TarLister::new();
    let mut seen = Vec::new();
    lister
        .push(h.as_bytes(), &mut |e: &FileEntry| seen.push(e.size))
        .unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..1024 {
        lister.push(&chunk, &mut |_: &FileEntry| {}).unwrap();
    }
    lister.push(&[0u8; 1024], &mut |_: &FileEntry| {}).unwrap();
    lister.finish().unwrap();
    assert_eq!(seen, [1 << 30]);
    assert!(
        lister.buffered() <= 1024,
        "{} bytes held",
        lister.buffered()
    );
    assert_eq!(lister.offset(), 512 + (1 << 30) + 1024);
}

#[test]
fn paths_normalize_and_whiteouts_name_their_target() {
    assert_eq!(normalize("./a/b/"), "a/b");
    assert_eq!(normalize("/./a"), "a");
    assert_eq!(normalize("./"), "");
    assert_eq!(normalize("."), "");
    assert_eq!(whiteout("a/.wh.b"), Some(("a/b".into(), false)));
    assert_eq!(whiteout(".wh.top"), Some(("top".into(), false)));
    assert_eq!(whiteout("a/.wh..wh..opq"), Some(("a".into(), true)));
    assert_eq!(whiteout("a/b.wh.c"), None);
    assert_eq!(detect(&[0x1f, 0x8b, 8]), Compression::Gzip);
    assert_eq!(detect(&[0x28, 0xb5, 0x2f, 0xfd, 0]), Compression::Zstd);
    assert_eq!(detect(b"etc/"), Compression::None);
}

fn file(path: &str, size: u64) -> FileEntry {
    FileEntry {
        path: path.into(),
        kind: Kind::File,
        size,
        mode: 0o644,
        uid: 0,
        gid: 0,
        uname: None,
        gname: None,
        mtime: 0,
        link: None,
    }
}

fn with_kind(path: &str, kind: Kind) -> FileEntry {
    FileEntry {
        kind,
        ..file(path, 0)
    }
}

#[test]
fn merged_filesystem_added_changed_removed_and_wasted() {
    let layers = vec![
        vec![
            with_kind("etc", Kind::Dir),
            file("etc/a", 10),
            file("etc/b", 20),
            with_kind("var/cache", Kind::Dir),
            file("var/cache/x", 100),
            file("var/cache/y", 1),
            file("etc-other", 5),
        ],
        vec![
            with_kind("etc", Kind::Dir),
            file("etc/a", 11),
            with_kind("etc/b", Kind::Whiteout),
            with_kind("var/cache", Kind::Opaque),
            file("var/cache/new", 7),
            with_kind("etc-other", Kind::Whiteout),
        ],
        vec![with_kind("etc", Kind::Whiteout), file("etc", 3)],
    ];
    let m = merge(&layers);
    assert_eq!(m.layers[0].added.len(), 7);
    assert_eq!(m.layers[0].wasted, 0);
    let l1 = &m.layers[1];
    assert_eq!(
        l1.changed,
        ["etc/a"],
        "a directory listed again is no change"
    );
    assert_eq!(l1.added, ["var/cache/new"]);
    assert_eq!(
        l1.removed,
        ["etc/b", "var/cache/x", "var/cache/y", "etc-other"]
    );
    assert_eq!(l1.wasted, 10 + 20 + 100 + 1 + 5);
    assert_eq!(l1.size, 18);
    // Removing a directory removes what is under it; the file put there is added.
    let l2 = &m.layers[2];
    assert_eq!(l2.removed, ["etc", "etc/a"]);
    assert_eq!(l2.added, ["etc"]);
    assert_eq!(l2.wasted, 11);
    let paths: Vec<&str> = m.files.keys().map(String::as_str).collect();
    assert_eq!(paths, ["etc", "var/cache", "var/cache/new"]);
    assert_eq!(m.files["etc"].1, 2);
    assert_eq!(m.wasted(), 136 + 11);
    assert_eq!(m.size(), 3 + 7);
}

#[test]
fn tree_sums_folder_sizes_and_makes_up_unlisted_folders() {
    let entries = [
        with_kind("usr", Kind::Dir),
        file("usr/bin/a", 5),
        file("usr/bin/b", 7),
        file("usr/lib/c", 100),
        file("top", 1),
    ];
    let t = tree(&entries);
    assert_eq!((t.size, t.files), (113, 4));
    let usr = &t.children["usr"];
    assert!(usr.entry.is_some());
    assert_eq!((usr.size, usr.files), (112, 3));
    let bin = &usr.children["bin"];
    assert!(bin.entry.is_none(), "never listed: made up");
    assert_eq!((bin.path.as_str(), bin.size, bin.files), ("usr/bin", 12, 2));
    assert_eq!(bin.children["b"].size, 7);
}

#[test]
fn zstd_layers_stream_through_the_lister() {
    let bytes = archive();
    let compressed =
        ruzstd::encoding::compress_to_vec(&bytes[..], ruzstd::encoding::CompressionLevel::Fastest);
    let expected = list_in_chunks(&bytes, 512).unwrap();
    for size in [1, 13, 4096, compressed.len()] {
        let mut z = zstd::ZstdStream::new();
        let mut lister = TarLister::new();
        let mut out = Vec::new();
        let mut feed = |b: &[u8]| lister.push(b, &mut |e: &FileEntry| out.push(e.clone()));
        for chunk in compressed.chunks(size) {
            z.push(chunk, &mut feed).unwrap();
        }
        z.finish(&mut feed).unwrap();
        lister.finish().unwrap();
        assert_eq!(out, expected, "chunks of {size}");
    }
    // Two frames one after another decode as one stream.
    let mut twice = compressed.clone();
    twice.extend_from_slice(&ruzstd::encoding::compress_to_vec(
        &b"more"[..],
        ruzstd::encoding::CompressionLevel::Fastest,
    ));
    let mut all = Vec::new();
    let mut z = zstd::ZstdStream::new();
    let mut collect = |b: &[u8]| {
        all.extend_from_slice(b);
        Ok(())
    };
    z.push(&twice, &mut collect).unwrap();
    z.finish(&mut collect).unwrap();
    assert_eq!(all.len(), bytes.len() + 4);
    // Cut short or corrupted: an error, not a panic.
    let mut z = zstd::ZstdStream::new();
    let mut sink = |_: &[u8]| Ok(());
    z.push(&compressed[..compressed.len() / 2], &mut sink)
        .unwrap();
    assert!(z.finish(&mut sink).is_err());
    let mut z = zstd::ZstdStream::new();
    let mut bad = compressed.clone();
    bad[0] ^= 0xff;
    assert!(z
        .push(&bad, &mut sink)
        .and_then(|()| z.finish(&mut sink))
        .is_err());
}
