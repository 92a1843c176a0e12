//! The referrers index: for each subject digest, the manifests that name it as `subject`.

use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::manifest::Manifest;

use super::state::Repository;

/// The descriptor a referrers list gives for `manifest`: media type, digest, size, the OCI
/// artifact type (`artifactType`, else the config media type) and the top-level annotations.
pub(crate) fn referrer_descriptor(manifest: &Manifest) -> Descriptor {
    let mut d = Descriptor::new(
        manifest.media_type(),
        manifest.digest().clone(),
        manifest.size(),
    );
    d.artifact_type = manifest.artifact_type().map(str::to_string);
    d.annotations = manifest.annotations().clone();
    d
}

/// Records `referrer` as pointing at `subject`.
pub(crate) fn add(repo: &mut Repository, subject: &Digest, referrer: Descriptor) {
    repo.referrers
        .entry(subject.clone())
        .or_default()
        .insert(referrer.digest.clone(), referrer);
}

/// Forgets `referrer` as pointing at `subject`.
pub(crate) fn remove(repo: &mut Repository, subject: &Digest, referrer: &Digest) {
    if let Some(entries) = repo.referrers.get_mut(subject) {
        entries.remove(referrer);
        if entries.is_empty() {
            repo.referrers.remove(subject);
        }
    }
}

/// The referrers of `subject`, in digest order, only those of `artifact_type` when given.
pub(crate) fn list(
    repo: &Repository,
    subject: &Digest,
    artifact_type: Option<&str>,
) -> Vec<Descriptor> {
    repo.referrers
        .get(subject)
        .into_iter()
        .flat_map(|entries| entries.values())
        .filter(|d| artifact_type.is_none_or(|at| d.artifact_type.as_deref() == Some(at)))
        .cloned()
        .collect()
}
