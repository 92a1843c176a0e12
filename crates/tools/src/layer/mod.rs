//! Files inside a layer, read while it streams: a tar archive (plain, or after gzip or zstd)
//! fed chunk by chunk, never held whole in memory.
//!
//! Rules:
//! - **Parsing**: each 512-byte header is read with the `tar` crate's [`tar::Header`] (no
//!   I/O: the lister keeps at most one header block, one bounded metadata record and the
//!   current entry's remaining byte count). Checksums are verified; a block that is not a tar
//!   header is an error with its offset. GNU long names and link names (`L`, `K`) and PAX
//!   extended headers (`path`, `linkpath`, `size`, `mtime`, `uid`, `gid`, `uname`, `gname`)
//!   override the header's fields; global PAX headers are skipped. A zero block ends the
//!   archive (whatever follows is ignored), as tar does.
//! - **Paths** are normalized: `./` and `/` prefixes and a trailing `/` dropped, invalid
//!   UTF-8 replaced (shown, never trusted as markup). The root is `""`.
//! - **Whiteouts** (OCI layer spec): `.wh.NAME` removes `NAME` from lower layers, and
//!   `.wh..wh..opq` hides everything a lower layer had in its directory ([`Kind::Whiteout`],
//!   [`Kind::Opaque`]).
//! - Content is skipped unless the [`Sink`] asks for it (to open or download one file).
//! - Metadata records (long names, PAX) are limited to [`META_LIMIT`]; a larger one is an
//!   error, not an allocation.
//!
//! [`merge`] gives the image's merged filesystem across its layers, [`tree`] a tree with
//! folder sizes, [`zstd::ZstdStream`] a push-based zstd decoder (ruzstd), and [`detect`] tells
//! tar, gzip and zstd apart by their first bytes.

mod merge;
mod tree;
pub mod zstd;

pub use merge::{merge, LayerChanges, Merged};
pub use tree::{tree, TreeNode};

use std::borrow::Cow;
use std::fmt;

/// Largest GNU long name or PAX record read.
pub const META_LIMIT: u64 = 1024 * 1024;

const BLOCK: usize = 512;

/// What an entry is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link (its target in [`FileEntry::link`]).
    Symlink,
    /// A hard link to an earlier entry (its path in [`FileEntry::link`]).
    Hardlink,
    /// A character device.
    CharDevice,
    /// A block device.
    BlockDevice,
    /// A named pipe.
    Fifo,
    /// A whiteout: the path ([`FileEntry::path`], without `.wh.`) is removed from lower layers.
    Whiteout,
    /// An opaque whiteout: what lower layers had inside this directory is hidden.
    Opaque,
    /// Another tar entry type (its type byte).
    Other(u8),
}

/// One entry of a layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEntry {
    /// Normalized path; for whiteouts, the path removed; for opaque whiteouts, the directory.
    pub path: String,
    /// What it is.
    pub kind: Kind,
    /// Size of its content in bytes (0 for links and directories).
    pub size: u64,
    /// Permission bits (and setuid, setgid, sticky).
    pub mode: u32,
    /// Owner's user id.
    pub uid: u64,
    /// Owner's group id.
    pub gid: u64,
    /// Owner's user name, when the archive has it.
    pub uname: Option<String>,
    /// Owner's group name, when the archive has it.
    pub gname: Option<String>,
    /// Modification time, seconds since the Unix epoch.
    pub mtime: u64,
    /// A link's target.
    pub link: Option<String>,
}

impl FileEntry {
    /// True for whiteouts and opaque whiteouts.
    pub fn is_whiteout(&self) -> bool {
        matches!(self.kind, Kind::Whiteout | Kind::Opaque)
    }

    /// The mode as `ls -l` shows it: `drwxr-xr-x`, `-rw-r--r--`, `lrwxrwxrwx`…
    pub fn mode_string(&self) -> String {
        let kind = match self.kind {
            Kind::Dir | Kind::Opaque => 'd',
            Kind::Symlink => 'l',
            Kind::Hardlink => 'h',
            Kind::CharDevice | Kind::Whiteout => 'c',
            Kind::BlockDevice => 'b',
            Kind::Fifo => 'p',
            Kind::File | Kind::Other(_) => '-',
        };
        let mut s = String::with_capacity(10);
        s.push(kind);
        for (shift, special, special_char) in [(6, 0o4000, 's'), (3, 0o2000, 's'), (0, 0o1000, 't')]
        {
            let bits = (self.mode >> shift) & 7;
            s.push(if bits & 4 != 0 { 'r' } else { '-' });
            s.push(if bits & 2 != 0 { 'w' } else { '-' });
            let exec = bits & 1 != 0;
            s.push(match (self.mode & special != 0, exec) {
                (true, true) => special_char,
                (true, false) => special_char.to_ascii_uppercase(),
                (false, true) => 'x',
                (false, false) => '-',
            });
        }
        s
    }
}

/// Why a layer could not be listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LayerError {
    /// A block where a header belongs is not a tar header (bad checksum or field).
    NotTar {
        /// Offset of the block in the uncompressed stream.
        offset: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// The archive ended inside a header or an entry's content.
    Truncated {
        /// Bytes read.
        offset: u64,
    },
    /// A long name or PAX record over [`META_LIMIT`].
    MetadataTooLarge {
        /// Its size.
        size: u64,
    },
    /// The compressed stream is corrupt.
    Decompress(String),
}

impl fmt::Display for LayerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayerError::NotTar { offset, reason } => {
                write!(f, "not a tar archive at byte {offset}: {reason}")
            }
            LayerError::Truncated { offset } => {
                write!(f, "the archive ends inside an entry, after {offset} bytes")
            }
            LayerError::MetadataTooLarge { size } => {
                write!(
                    f,
                    "a tar metadata record of {size} bytes is over the limit of {META_LIMIT}"
                )
            }
            LayerError::Decompress(e) => write!(f, "the compressed layer is corrupt: {e}"),
        }
    }
}

impl std::error::Error for LayerError {}

/// How a layer is compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// A plain tar archive.
    None,
    /// gzip.
    Gzip,
    /// zstd.
    Zstd,
}

/// Tells gzip (`1f 8b`) and zstd (`28 b5 2f fd`) from anything else by the first bytes.
pub fn detect(first: &[u8]) -> Compression {
    if first.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if first.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else {
        Compression::None
    }
}

/// What the lister hands entries (and, when asked, their content) to.
pub trait Sink {
    /// A new entry; return true to receive its content through [`Sink::data`].
    fn entry(&mut self, entry: &FileEntry) -> bool;
    /// Content of the entry that asked for it, in order (not called for an empty file).
    fn data(&mut self, _bytes: &[u8]) {}
    /// The end of that entry's content.
    fn end(&mut self) {}
}

impl<F: FnMut(&FileEntry)> Sink for F {
    fn entry(&mut self, entry: &FileEntry) -> bool {
        self(entry);
        false
    }
}

/// A metadata record being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Meta {
    LongName,
    LongLink,
    Pax,
}

#[derive(Debug)]
enum State {
    /// Reading a header block.
    Header,
    /// Reading an entry's content (and then its padding).
    Body {
        remaining: u64,
        padding: u64,
        deliver: bool,
    },
    /// Reading a metadata record.
    Meta {
        meta: Meta,
        remaining: u64,
        padding: u64,
    },
    /// Skipping padding after content.
    Padding { remaining: u64 },
    /// After the end-of-archive block.
    End,
}

/// Overrides from GNU long-name and PAX records for the next entry.
#[derive(Debug, Default)]
struct Pending {
    path: Option<String>,
    link: Option<String>,
    size: Option<u64>,
    mtime: Option<u64>,
    uid: Option<u64>,
    gid: Option<u64>,
    uname: Option<String>,
    gname: Option<String>,
}

/// A tar archive read incrementally: [`TarLister::push`] chunks as they arrive, then
/// [`TarLister::finish`].
#[derive(Debug)]
pub struct TarLister {
    state: State,
    block: Vec<u8>,
    meta: Vec<u8>,
    pending: Pending,
    offset: u64,
    block_start: u64,
    entries: u64,
}

impl Default for TarLister {
    fn default() -> Self {
        TarLister::new()
    }
}

fn padding(size: u64) -> u64 {
    (BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A tar path normalized: no `./` or `/` prefix, no trailing `/`.
pub fn normalize(path: &str) -> String {
    let mut p = path;
    loop {
        let before = p;
        p = p.trim_start_matches('/');
        p = p.strip_prefix("./").unwrap_or(p);
        if p == before {
            break;
        }
    }
    let p = p.trim_end_matches('/');
    if p == "." {
        String::new()
    } else {
        p.to_string()
    }
}

/// The path an entry's name whites out, and whether it is opaque; `None` for other names.
fn whiteout(path: &str) -> Option<(String, bool)> {
    let (dir, name) = match path.rsplit_once('/') {
        Some((d, n)) => (Some(d), n),
        None => (None, path),
    };
    let join = |n: &str| match dir {
        Some(d) => format!("{d}/{n}"),
        None => n.to_string(),
    };
    if name == ".wh..wh..opq" {
        return Some((dir.unwrap_or_default().to_string(), true));
    }
    name.strip_prefix(".wh.").map(|n| (join(n), false))
}

fn checksum_ok(block: &[u8], header: &tar::Header) -> Result<(), String> {
    let stored = header.cksum().map_err(|e| e.to_string())?;
    let sum: u32 = block
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                u32::from(b' ')
            } else {
                u32::from(*b)
            }
        })
        .sum();
    if sum == stored {
        Ok(())
    } else {
        Err(format!("checksum {stored} stored, {sum} computed"))
    }
}

impl TarLister {
    /// A lister at the start of an archive.
    pub fn new() -> TarLister {
        TarLister {
            state: State::Header,
            block: Vec::with_capacity(BLOCK),
            meta: Vec::new(),
            pending: Pending::default(),
            offset: 0,
            block_start: 0,
            entries: 0,
        }
    }

    /// Bytes of the (uncompressed) archive read so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Entries listed so far (metadata records not counted).
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// Bytes the lister holds (a partial header and a metadata record): stays under a few
    /// KiB however large the archive, so a 1 GiB layer is listed in flat memory.
    pub fn buffered(&self) -> usize {
        self.block.capacity() + self.meta.capacity()
    }

    /// True once the end-of-archive block was read.
    pub fn ended(&self) -> bool {
        matches!(self.state, State::End)
    }

    /// Reads `chunk`, handing each entry completed in it to `sink`.
    pub fn push(&mut self, mut chunk: &[u8], sink: &mut impl Sink) -> Result<(), LayerError> {
        while !chunk.is_empty() {
            let used = self.step(chunk, sink)?;
            self.offset += used as u64;
            chunk = chunk.get(used..).unwrap_or_default();
        }
        Ok(())
    }

    /// Checks that the archive did not stop inside a header or an entry (an archive without
    /// its end-of-archive blocks is accepted, as tar accepts it, when it stops between
    /// entries).
    pub fn finish(&self) -> Result<(), LayerError> {
        match self.state {
            State::End => Ok(()),
            State::Header if self.block.is_empty() => Ok(()),
            _ => Err(LayerError::Truncated {
                offset: self.offset,
            }),
        }
    }

    /// Consumes a prefix of `chunk` (at least one byte); returns how much.
    fn step(&mut self, chunk: &[u8], sink: &mut impl Sink) -> Result<usize, LayerError> {
        match &mut self.state {
            State::End => Ok(chunk.len()),
            State::Header => {
                if self.block.is_empty() {
                    self.block_start = self.offset;
                }
                let want = BLOCK - self.block.len();
                let take = want.min(chunk.len());
                self.block
                    .extend_from_slice(chunk.get(..take).unwrap_or_default());
                if self.block.len() == BLOCK {
                    let block = std::mem::take(&mut self.block);
                    self.header(&block, sink)?;
                    self.block = block;
                    self.block.clear();
                }
                Ok(take)
            }
            State::Padding { remaining } => {
                let take = (*remaining).min(chunk.len() as u64);
                *remaining -= take;
                if *remaining == 0 {
                    self.state = State::Header;
                }
                Ok(take as usize)
            }
            State::Body {
                remaining,
                padding,
                deliver,
            } => {
                let take = (*remaining).min(chunk.len() as u64);
                let (deliver, pad) = (*deliver, *padding);
                *remaining -= take;
                let done = *remaining == 0;
                if deliver {
                    sink.data(chunk.get(..take as usize).unwrap_or_default());
                }
                if done {
                    if deliver {
                        sink.end();
                    }
                    self.state = State::Padding { remaining: pad };
                    if pad == 0 {
                        self.state = State::Header;
                    }
                }
                Ok(take as usize)
            }
            State::Meta {
                meta,
                remaining,
                padding,
            } => {
                let take = (*remaining).min(chunk.len() as u64);
                self.meta
                    .extend_from_slice(chunk.get(..take as usize).unwrap_or_default());
                *remaining -= take;
                if *remaining == 0 {
                    let (meta, pad) = (*meta, *padding);
                    let record = std::mem::take(&mut self.meta);
                    self.apply_meta(meta, &record);
                    self.state = if pad == 0 {
                        State::Header
                    } else {
                        State::Padding { remaining: pad }
                    };
                }
                Ok(take as usize)
            }
        }
    }

    fn apply_meta(&mut self, meta: Meta, record: &[u8]) {
        // GNU names end with NUL.
        let name = || {
            let end = record.iter().position(|b| *b == 0).unwrap_or(record.len());
            text(record.get(..end).unwrap_or_default())
        };
        match meta {
            Meta::LongName => self.pending.path = Some(name()),
            Meta::LongLink => self.pending.link = Some(name()),
            Meta::Pax => {
                for ext in tar::PaxExtensions::new(record).flatten() {
                    let (Ok(key), value) = (ext.key(), ext.value_bytes()) else {
                        continue;
                    };
                    let number = || {
                        // `mtime` may have a fraction: seconds are what is shown.
                        let t = text(value);
                        t.split('.').next().and_then(|s| s.parse::<u64>().ok())
                    };
                    match key {
                        "path" => self.pending.path = Some(text(value)),
                        "linkpath" => self.pending.link = Some(text(value)),
                        "size" => self.pending.size = number(),
                        "mtime" => self.pending.mtime = number(),
                        "uid" => self.pending.uid = number(),
                        "gid" => self.pending.gid = number(),
                        "uname" => self.pending.uname = Some(text(value)),
                        "gname" => self.pending.gname = Some(text(value)),
                        _ => {}
                    }
                }
            }
        }
    }

    fn header(&mut self, block: &[u8], sink: &mut impl Sink) -> Result<(), LayerError> {
        let at = self.block_start;
        if block.iter().all(|b| *b == 0) {
            self.state = State::End;
            return Ok(());
        }
        let header = tar::Header::from_byte_slice(block);
        let bad = |reason: String| LayerError::NotTar { offset: at, reason };
        checksum_ok(block, header).map_err(bad)?;
        let stored = header.size().map_err(|e| bad(e.to_string()))?;
        let entry_type = header.entry_type();
        let meta = match entry_type {
            tar::EntryType::GNULongName => Some(Meta::LongName),
            tar::EntryType::GNULongLink => Some(Meta::LongLink),
            tar::EntryType::XHeader => Some(Meta::Pax),
            _ => None,
        };
        if let Some(meta) = meta {
            if stored > META_LIMIT {
                return Err(LayerError::MetadataTooLarge { size: stored });
            }
            self.state = State::Meta {
                meta,
                remaining: stored,
                padding: padding(stored),
            };
            if stored == 0 {
                self.state = State::Header;
            }
            return Ok(());
        }
        if entry_type == tar::EntryType::XGlobalHeader {
            self.skip(stored, false);
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let raw_path = pending.path.unwrap_or_else(|| text(&header.path_bytes()));
        let path = normalize(&raw_path);
        let link = pending.link.or_else(|| {
            header
                .link_name_bytes()
                .map(|l: Cow<'_, [u8]>| text(&l))
                .filter(|l| !l.is_empty())
        });
        let size = pending.size.unwrap_or(stored);
        let kind = match entry_type {
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
                Kind::File
            }
            tar::EntryType::Directory => Kind::Dir,
            tar::EntryType::Symlink => Kind::Symlink,
            tar::EntryType::Link => Kind::Hardlink,
            tar::EntryType::Char => Kind::CharDevice,
            tar::EntryType::Block => Kind::BlockDevice,
            tar::EntryType::Fifo => Kind::Fifo,
            other => Kind::Other(other.as_byte()),
        };
        let (path, kind) = match whiteout(&path) {
            Some((target, true)) => (target, Kind::Opaque),
            Some((target, false)) => (target, Kind::Whiteout),
            None => (path, kind),
        };
        let entry = FileEntry {
            path,
            size: if kind == Kind::File { size } else { 0 },
            kind,
            mode: header.mode().unwrap_or(0),
            uid: pending.uid.or_else(|| header.uid().ok()).unwrap_or(0),
            gid: pending.gid.or_else(|| header.gid().ok()).unwrap_or(0),
            uname: pending
                .uname
                .or_else(|| header.username_bytes().map(text).filter(|u| !u.is_empty())),
            gname: pending
                .gname
                .or_else(|| header.groupname_bytes().map(text).filter(|g| !g.is_empty())),
            mtime: pending.mtime.or_else(|| header.mtime().ok()).unwrap_or(0),
            link,
        };
        self.entries += 1;
        let deliver = sink.entry(&entry);
        // The content that follows is what the header (or PAX `size`) says, whatever the type.
        if deliver && size == 0 {
            sink.end();
        }
        self.skip(size, deliver);
        Ok(())
    }

    fn skip(&mut self, size: u64, deliver: bool) {
        self.state = if size > 0 {
            State::Body {
                remaining: size,
                padding: padding(size),
                deliver,
            }
        } else {
            State::Header
        };
    }
}

#[cfg(test)]
mod tests;
