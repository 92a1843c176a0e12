//! A minimal ustar writer: directories, regular files and symlinks, with fixed owners and times.

use std::collections::BTreeSet;

use ociscope_core::spec::Error;

/// One entry of a layer's file tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A regular file with its permission bits and content.
    File {
        /// Path without a leading `/` (`etc/os-release`).
        path: String,
        /// Permission bits (`0o644`).
        mode: u32,
        /// The file's bytes.
        content: Vec<u8>,
    },
    /// A symbolic link.
    Symlink {
        /// Path of the link.
        path: String,
        /// What it points at.
        target: String,
    },
}

impl Entry {
    /// A regular file readable by everyone.
    pub fn file(path: &str, content: impl Into<Vec<u8>>) -> Entry {
        Entry::File {
            path: path.to_string(),
            mode: 0o644,
            content: content.into(),
        }
    }

    /// An executable file.
    pub fn executable(path: &str, content: impl Into<Vec<u8>>) -> Entry {
        Entry::File {
            path: path.to_string(),
            mode: 0o755,
            content: content.into(),
        }
    }

    /// A symbolic link at `path` pointing at `target`.
    pub fn symlink(path: &str, target: &str) -> Entry {
        Entry::Symlink {
            path: path.to_string(),
            target: target.to_string(),
        }
    }

    fn path(&self) -> &str {
        match self {
            Entry::File { path, .. } | Entry::Symlink { path, .. } => path,
        }
    }
}

const BLOCK: usize = 512;

/// Writes `value` as a NUL-terminated octal number filling `field`.
fn octal(field: &mut [u8], value: u64) {
    let digits = field.len() - 1;
    let text = format!("{value:0digits$o}");
    let text = &text.as_bytes()[text.len().saturating_sub(digits)..];
    field[..digits].copy_from_slice(text);
    field[digits] = 0;
}

/// Splits a path into ustar `prefix` and `name` (name ≤ 100 bytes, prefix ≤ 155); `None` when
/// it cannot be stored in a ustar header.
fn split_path(path: &str) -> Option<(&str, &str)> {
    if path.len() <= 100 {
        return Some(("", path));
    }
    // A directory's trailing `/` stays with its name.
    let body = path.strip_suffix('/').unwrap_or(path);
    let cut = body[..body.len().min(156)].rfind('/')?;
    let (prefix, name) = (&path[..cut], &path[cut + 1..]);
    (prefix.len() <= 155 && !name.is_empty() && name.len() <= 100).then_some((prefix, name))
}

/// One 512-byte ustar header.
fn header(
    path: &str,
    mode: u32,
    size: u64,
    kind: u8,
    link: &str,
    mtime: u64,
) -> Result<[u8; BLOCK], Error> {
    let mut h = [0u8; BLOCK];
    let Some((prefix, name)) = split_path(path) else {
        return Err(Error::invalid(format!(
            "path {path:?} does not fit a ustar header (name 100, prefix 155 bytes)"
        )));
    };
    if link.len() > 100 {
        return Err(Error::invalid(format!(
            "link target {link:?} is longer than the 100 bytes ustar allows"
        )));
    }
    h[..name.len()].copy_from_slice(name.as_bytes());
    octal(&mut h[100..108], u64::from(mode));
    // The application's files belong to its user, everything else to root.
    let (uid, user) = if path.starts_with("srv/") {
        (1000, "app")
    } else {
        (0, "root")
    };
    octal(&mut h[108..116], uid);
    octal(&mut h[116..124], uid);
    octal(&mut h[124..136], size);
    octal(&mut h[136..148], mtime);
    h[156] = kind;
    h[157..157 + link.len()].copy_from_slice(link.as_bytes());
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[265..265 + user.len()].copy_from_slice(user.as_bytes());
    h[297..297 + user.len()].copy_from_slice(user.as_bytes());
    h[345..345 + prefix.len()].copy_from_slice(prefix.as_bytes());
    // The checksum is computed with its own field read as spaces.
    h[148..156].copy_from_slice(b"        ");
    let sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
    octal(&mut h[148..155], sum);
    h[155] = b' ';
    Ok(h)
}

/// A tar archive of `entries`, with every parent directory listed before its content, all
/// dated `mtime` (seconds since the epoch); paths or link targets too long for ustar are refused.
pub fn archive(entries: &[Entry], mtime: u64) -> Result<Vec<u8>, Error> {
    let mut dirs = BTreeSet::new();
    for e in entries {
        let mut path = e.path();
        while let Some((parent, _)) = path.rsplit_once('/') {
            dirs.insert(format!("{parent}/"));
            path = parent;
        }
    }
    let mut out = Vec::new();
    for dir in &dirs {
        out.extend_from_slice(&header(dir, 0o755, 0, b'5', "", mtime)?);
    }
    for e in entries {
        match e {
            Entry::File {
                path,
                mode,
                content,
            } => {
                out.extend_from_slice(&header(path, *mode, content.len() as u64, b'0', "", mtime)?);
                out.extend_from_slice(content);
                out.resize(out.len().div_ceil(BLOCK) * BLOCK, 0);
            }
            Entry::Symlink { path, target } => {
                out.extend_from_slice(&header(path, 0o777, 0, b'2', target, mtime)?);
            }
        }
    }
    out.resize(out.len() + 2 * BLOCK, 0);
    Ok(out)
}
