//! Where the registry keeps what, on any driver (modelled on distribution's layout):
//!
//! ```text
//! blobs/<alg>/<first 2 of hex>/<hex>/data                 blob (and manifest) content, by digest
//! repositories/<name>/_created                            the repository exists
//! repositories/<name>/_layers/<alg>/<hex>/link            the repository holds that blob
//! repositories/<name>/_manifests/revisions/<alg>/<hex>/link   a manifest: {"mediaType", "subject"}
//! repositories/<name>/_manifests/tags/<tag>/current/link  the digest a tag points at
//! repositories/<name>/_referrers/<alg>/<hex>/<alg>/<hex>/link  a referrer's descriptor (JSON)
//! repositories/<name>/_uploads/<id>/startedat             an upload in progress (unix seconds)
//! repositories/<name>/_uploads/<id>/data                  its bytes so far
//! ```
//!
//! Content is stored once per digest, whatever the repositories; a repository holds links.
//! Deletes remove links only: the content stays until garbage collection ([`crate::gc`]).
//! Repository path components start with a letter or digit, so the `_`-prefixed names can
//! never be a repository's.

use ociscope_core::Digest;

/// The top folder of blob content.
pub const BLOBS: &str = "blobs";
/// The top folder of repositories.
pub const REPOSITORIES: &str = "repositories";
/// The file whose presence makes a folder under `repositories/` a repository.
pub const REPO_MARKER: &str = "_created";

fn digest_dir(d: &Digest) -> String {
    format!("{}/{}", d.algorithm(), d.encoded())
}

/// `blobs/<alg>/<xx>/<hex>`.
pub fn blob_dir(d: &Digest) -> String {
    let hex = d.encoded();
    let shard = hex.get(..2).unwrap_or(hex);
    format!("{BLOBS}/{}/{shard}/{hex}", d.algorithm())
}

/// The content of a blob.
pub fn blob_data(d: &Digest) -> String {
    format!("{}/data", blob_dir(d))
}

/// `repositories/<name>`.
pub fn repo(name: &str) -> String {
    format!("{REPOSITORIES}/{name}")
}

/// The repository's marker file.
pub fn repo_marker(name: &str) -> String {
    format!("{}/{REPO_MARKER}", repo(name))
}

/// The folder of a blob link.
pub fn layer_dir(name: &str, d: &Digest) -> String {
    format!("{}/_layers/{}", repo(name), digest_dir(d))
}

/// A blob link.
pub fn layer_link(name: &str, d: &Digest) -> String {
    format!("{}/link", layer_dir(name, d))
}

/// The folder of manifest revisions.
pub fn revisions(name: &str) -> String {
    format!("{}/_manifests/revisions", repo(name))
}

/// The folder of one manifest revision.
pub fn revision_dir(name: &str, d: &Digest) -> String {
    format!("{}/{}", revisions(name), digest_dir(d))
}

/// One manifest revision's link.
pub fn revision_link(name: &str, d: &Digest) -> String {
    format!("{}/link", revision_dir(name, d))
}

/// The folder of tags.
pub fn tags(name: &str) -> String {
    format!("{}/_manifests/tags", repo(name))
}

/// One tag's folder.
pub fn tag_dir(name: &str, tag: &str) -> String {
    format!("{}/{tag}", tags(name))
}

/// One tag's current link.
pub fn tag_link(name: &str, tag: &str) -> String {
    format!("{}/current/link", tag_dir(name, tag))
}

/// The referrers of a subject.
pub fn referrers_dir(name: &str, subject: &Digest) -> String {
    format!("{}/_referrers/{}", repo(name), digest_dir(subject))
}

/// One referrer's entry.
pub fn referrer_link(name: &str, subject: &Digest, referrer: &Digest) -> String {
    format!(
        "{}/{}/link",
        referrers_dir(name, subject),
        digest_dir(referrer)
    )
}

/// The folder of a repository's uploads.
pub fn uploads(name: &str) -> String {
    format!("{}/_uploads", repo(name))
}

/// One upload's folder.
pub fn upload_dir(name: &str, id: &str) -> String {
    format!("{}/{id}", uploads(name))
}

/// One upload's start time.
pub fn upload_started(name: &str, id: &str) -> String {
    format!("{}/startedat", upload_dir(name, id))
}

/// One upload's bytes.
pub fn upload_data(name: &str, id: &str) -> String {
    format!("{}/data", upload_dir(name, id))
}
