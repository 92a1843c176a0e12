//! The ustar writer, read back by the `tar` crate and by GNU tar.
#![cfg(not(target_arch = "wasm32"))]

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use ociscope_demo::tar::{archive, Entry};
use ociscope_demo::{gzip, EPOCH};

fn deep(depth: usize, leaf: &str) -> String {
    format!("{}{leaf}", "dir/".repeat(depth))
}

fn sample() -> Vec<Entry> {
    vec![
        Entry::file("etc/os-release", "ID=demo\n"),
        Entry::executable("usr/local/bin/run.sh", "#!/bin/sh\necho hi\n"),
        Entry::symlink("usr/bin/run", "/usr/local/bin/run.sh"),
        Entry::file(&deep(30, "deep.txt"), vec![7u8; 1000]),
        Entry::file("srv/app/empty", ""),
    ]
}

#[test]
fn tar_crate_reads_every_entry() {
    let bytes = archive(&sample(), EPOCH).unwrap();
    assert_eq!(bytes.len() % 512, 0);
    let mut a = tar::Archive::new(&bytes[..]);
    let mut seen = Vec::new();
    for e in a.entries().unwrap() {
        let mut e = e.expect("valid header and checksum");
        let h = e.header().clone();
        assert_eq!(h.mtime().unwrap(), EPOCH);
        assert!(h.as_ustar().is_some(), "ustar magic");
        let path = e.path().unwrap().to_string_lossy().into_owned();
        let mut body = Vec::new();
        e.read_to_end(&mut body).unwrap();
        seen.push((
            path,
            h.entry_type(),
            h.mode().unwrap(),
            h.uid().unwrap(),
            body,
        ));
    }
    let get = |p: &str| {
        seen.iter()
            .find(|s| s.0 == p)
            .unwrap_or_else(|| panic!("{p} missing"))
    };
    assert_eq!(get("etc/os-release").4, b"ID=demo\n");
    assert_eq!(get("usr/local/bin/run.sh").2, 0o755);
    assert!(get("usr/bin/run").1.is_symlink());
    let long = deep(30, "deep.txt");
    assert!(long.len() > 100, "needs the ustar prefix field");
    assert_eq!(get(&long).4, vec![7u8; 1000]);
    assert!(
        get(&deep(30, "")).1.is_dir(),
        "a directory path over 100 bytes"
    );
    assert_eq!(
        get("srv/app/").3,
        1000,
        "application files belong to uid 1000"
    );
    assert_eq!(get("etc/").3, 0);
    assert!(get("srv/app/empty").4.is_empty());
    // Parents come before their content.
    let pos = |p: &str| seen.iter().position(|s| s.0 == p).unwrap();
    assert!(pos("usr/local/bin/") < pos("usr/local/bin/run.sh"));
}

#[test]
fn gnu_tar_lists_the_gzipped_archive() {
    let gz = gzip(&archive(&sample(), EPOCH).unwrap()).unwrap();
    let mut child = Command::new("tar")
        .args(["-tvzf", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("GNU tar is installed");
    child.stdin.take().unwrap().write_all(&gz).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listing = String::from_utf8(out.stdout).unwrap();
    assert!(listing.contains("-rwxr-xr-x root/root"), "{listing}");
    assert!(
        listing.contains("usr/bin/run -> /usr/local/bin/run.sh"),
        "{listing}"
    );
    assert!(listing.contains(&deep(30, "deep.txt")), "{listing}");
    assert!(listing.contains("app/app"), "{listing}");
    assert!(listing.contains("2024-05-01"), "{listing}");
}

#[test]
fn paths_that_do_not_fit_are_refused() {
    let name_too_long = format!("a/{}", "n".repeat(101));
    assert!(archive(&[Entry::file(&name_too_long, "x")], EPOCH).is_err());
    let prefix_too_long = format!("{}/x", "p".repeat(200));
    assert!(archive(&[Entry::file(&prefix_too_long, "x")], EPOCH).is_err());
    let link = Entry::symlink("l", &"t".repeat(101));
    assert!(archive(&[link], EPOCH).is_err());
}
