//! Garbage collection: removes blob content that no manifest references.
//!
//! Deleting a manifest, tag or blob removes links only (as in CNCF distribution, whose
//! `registry garbage-collect` must run with the registry stopped or read-only); the content
//! stays under `blobs/` until this runs. The rules:
//! - **Mark**: every manifest of every repository, its config, its layers (and, for an index,
//!   the child manifests, which are revisions themselves). Manifests are kept whether tagged or
//!   not: untagged manifests are deleted through the API, never by the collector.
//! - **Sweep**: blob content not marked is removed, with its links, unless it is younger than
//!   the grace period ([`GcOptions::grace`], by the content's modification time, or the newest
//!   link to it: a push of a blob that is already there re-links it and so refreshes it).
//!   Uploads in progress live under `_uploads` and are never touched, except those started
//!   longer ago than [`GcOptions::upload_max_age`], which are abandoned and removed.
//! - **Safe beside pushes**: the marking is done a second time just before sweeping, so a
//!   manifest pushed while the first mark ran keeps its blobs; a manifest push that lands in the
//!   sweep itself is protected by the grace period (its blobs were pushed or linked just before).
//!   Pushes that reuse content older than the grace period *while* a sweep runs are the one
//!   race left; run the collector while the registry takes no pushes to rule it out.
//! - **Dry run**: the same report, nothing removed.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use ociscope_core::digest::Digest;
use ociscope_core::spec::Error;

use crate::driver::StorageDriver;
use crate::layout;
use crate::registry::{now_secs, storage_error, DriverRegistry};

/// How the collector runs.
#[derive(Clone, Debug)]
pub struct GcOptions {
    /// List what would be removed, remove nothing.
    pub dry_run: bool,
    /// Content younger than this is kept even when unreferenced (a push may be in progress).
    pub grace: Duration,
    /// Uploads started longer ago than this are abandoned and removed; `None` keeps them all.
    pub upload_max_age: Option<Duration>,
}

impl Default for GcOptions {
    fn default() -> Self {
        GcOptions {
            dry_run: false,
            grace: Duration::from_secs(3600),
            upload_max_age: Some(Duration::from_secs(7 * 24 * 3600)),
        }
    }
}

/// What the collector found and did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GcReport {
    /// Blobs referenced by some manifest (kept).
    pub referenced: usize,
    /// Unreferenced blobs removed (or, on a dry run, to be removed), with their sizes.
    pub removed: Vec<(Digest, u64)>,
    /// Unreferenced blobs kept because they are younger than the grace period.
    pub kept_young: Vec<Digest>,
    /// Uploads in progress, kept.
    pub uploads_kept: usize,
    /// Abandoned uploads removed (or to be removed), as `repository/id`.
    pub uploads_removed: Vec<String>,
}

impl GcReport {
    /// Bytes freed (or to be freed) by removing unreferenced blobs.
    pub fn bytes_freed(&self) -> u64 {
        self.removed.iter().map(|(_, size)| size).sum()
    }
}

/// Every blob digest some manifest of some repository references (the manifests included).
async fn mark<D: StorageDriver>(reg: &DriverRegistry<D>) -> Result<BTreeSet<Digest>, Error> {
    let mut marked = BTreeSet::new();
    for repo in reg.repository_names().await? {
        for digest in reg.manifest_digests(&repo).await? {
            let Ok(bytes) = reg.manifest_bytes(&repo, &digest).await else {
                continue;
            };
            marked.insert(digest.clone());
            // A manifest that no longer parses keeps only itself.
            if let Ok(m) = bytes.parse() {
                for d in m
                    .config()
                    .into_iter()
                    .chain(m.layers())
                    .chain(m.manifests())
                {
                    marked.insert(d.digest.clone());
                }
            }
        }
    }
    Ok(marked)
}

/// Every blob content stored, by digest.
async fn stored_blobs<D: StorageDriver>(reg: &DriverRegistry<D>) -> Result<Vec<Digest>, Error> {
    let mut out = Vec::new();
    for alg in reg.children(layout::BLOBS).await? {
        for shard in reg.children(&format!("{}/{alg}", layout::BLOBS)).await? {
            for hex in reg
                .children(&format!("{}/{alg}/{shard}", layout::BLOBS))
                .await?
            {
                if let Ok(d) = Digest::parse(&format!("{alg}:{hex}")) {
                    out.push(d);
                }
            }
        }
    }
    Ok(out)
}

/// The newest modification time of a blob's content and its links.
async fn newest_touch<D: StorageDriver>(
    reg: &DriverRegistry<D>,
    digest: &Digest,
    repos: &[String],
) -> Result<Option<SystemTime>, Error> {
    let mut newest = match reg.driver().stat(&layout::blob_data(digest)).await {
        Ok(info) => info.modified,
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(storage_error(e)),
    };
    for repo in repos {
        if let Ok(info) = reg.driver().stat(&layout::layer_link(repo, digest)).await {
            newest = newest.max(info.modified);
        }
    }
    Ok(newest)
}

/// Runs the collector over a registry's storage.
pub async fn collect_garbage<D: StorageDriver>(
    reg: &DriverRegistry<D>,
    options: &GcOptions,
) -> Result<GcReport, Error> {
    let mut report = GcReport::default();
    let repos = reg.repository_names().await?;
    let first = mark(reg).await?;
    let now = SystemTime::now();
    let mut candidates = Vec::new();
    for digest in stored_blobs(reg).await? {
        if first.contains(&digest) {
            continue;
        }
        let young = match newest_touch(reg, &digest, &repos).await? {
            Some(t) => now.duration_since(t).unwrap_or_default() < options.grace,
            None => false,
        };
        if young {
            report.kept_young.push(digest);
        } else {
            candidates.push(digest);
        }
    }
    // Mark again: a manifest pushed during the first pass keeps what it references.
    let second = mark(reg).await?;
    report.referenced = second.len();
    let repos = reg.repository_names().await?;
    for digest in candidates {
        if second.contains(&digest) {
            continue;
        }
        let size = reg.content_size(&digest).await?.unwrap_or(0);
        if !options.dry_run {
            for repo in &repos {
                match reg.driver().delete(&layout::layer_dir(repo, &digest)).await {
                    Ok(()) => {}
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(storage_error(e)),
                }
            }
            match reg.driver().delete(&layout::blob_dir(&digest)).await {
                Ok(()) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(storage_error(e)),
            }
        }
        report.removed.push((digest, size));
    }
    let now_s = now_secs();
    for repo in &repos_with_uploads(reg).await? {
        for id in reg.children(&layout::uploads(repo)).await? {
            let started = reg
                .driver()
                .get_content(&layout::upload_started(repo, &id))
                .await
                .ok()
                .and_then(|b| std::str::from_utf8(&b).ok()?.trim().parse::<u64>().ok());
            let abandoned = match (options.upload_max_age, started) {
                (Some(max), Some(t)) => now_s.saturating_sub(t) > max.as_secs(),
                _ => false,
            };
            if abandoned {
                if !options.dry_run {
                    match reg.driver().delete(&layout::upload_dir(repo, &id)).await {
                        Ok(()) => {}
                        Err(e) if e.is_not_found() => {}
                        Err(e) => return Err(storage_error(e)),
                    }
                }
                report.uploads_removed.push(format!("{repo}/{id}"));
            } else {
                report.uploads_kept += 1;
            }
        }
    }
    Ok(report)
}

/// Repository folders that hold uploads (also those not yet made repositories by a push).
async fn repos_with_uploads<D: StorageDriver>(
    reg: &DriverRegistry<D>,
) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    let mut stack = vec![String::new()];
    while let Some(name) = stack.pop() {
        let dir = if name.is_empty() {
            layout::REPOSITORIES.to_string()
        } else {
            layout::repo(&name)
        };
        for child in reg.children(&dir).await? {
            if child == "_uploads" {
                out.push(name.clone());
            } else if !child.starts_with('_') {
                stack.push(if name.is_empty() {
                    child
                } else {
                    format!("{name}/{child}")
                });
            }
        }
    }
    out.sort();
    Ok(out)
}
