//! ociscope-demo: content worth exploring, pushed into any registry through [`Spec`].
//!
//! [`populate`] pushes, deterministically (fixed timestamps, so the same options give the same
//! digests):
//! - `demo/hello`: an OCI index (`latest`, `1.0.0`, `1.0`, `1`) over linux/amd64,
//!   linux/arm64/v8, linux/arm/v7, linux/s390x and windows/amd64 (with `os.version`) images,
//!   with annotations. Each image has a real config (author, created, Entrypoint, Cmd, Env,
//!   Labels, WorkingDir, ExposedPorts, User, history with `empty_layer` entries) and two
//!   tar+gzip layers of small real files whose sha256 (uncompressed) are the `diff_ids`.
//!   The linux/amd64 image has three referrers: an SPDX SBOM, a cosign-style and a
//!   notation-style signature (shaped like the real ones; not real signatures).
//! - `demo/legacy`: a Docker schema 2 image (`docker-v2`) and a Docker manifest list (`latest`).
//! - `demo/artifacts`: an artifact (`release-notes`) with an `artifactType`, the empty config
//!   and a markdown layer.
//! - `demo/versions`: [`DemoOptions::tags`] version tags (`v0.0.1`, …) plus `latest`.
//! - [`DemoOptions::repositories`] small repositories under `demo/`, `team-a/` and
//!   `mirror/library/`, sharing blobs by cross-repository mount (pushed when the registry
//!   cannot mount).
//!
//! A server's `--demo` flag populates its registry once before serving:
//!
//! ```
//! # async fn demo() -> Result<(), ociscope_core::spec::Error> {
//! let registry = ociscope_core::MemoryRegistry::new();
//! let summary = ociscope_demo::populate(&registry, &ociscope_demo::DemoOptions::default()).await?;
//! for reference in summary.highlights() {
//!     println!("try {reference}");
//! }
//! # Ok(()) }
//! ```

mod base64;
mod bulk;
mod content;
mod image;
mod layer;
mod showcase;
pub mod tar;

pub use bulk::{repository_name, version_tag, VERSIONS_REPO};
pub use image::EPOCH;
pub use layer::{gzip, Layer};
pub use showcase::{
    platforms, ARTIFACT_REPO, COSIGN_TYPE, DOCKER_REPO, HELLO_REPO, NOTATION_TYPE, NOTES_TYPE,
    SBOM_TYPE,
};

use ociscope_core::spec::{Error, Spec};
use ociscope_core::Descriptor;

/// How much demo content to push.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoOptions {
    /// Small repositories to create besides the featured ones (default 3000).
    pub repositories: usize,
    /// Version tags in [`VERSIONS_REPO`], besides `latest` (default 3000).
    pub tags: usize,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            repositories: 3000,
            tags: 3000,
        }
    }
}

/// What [`populate`] pushed.
#[derive(Clone, Debug)]
pub struct DemoSummary {
    /// The multi-platform index in [`HELLO_REPO`].
    pub index: Descriptor,
    /// The platform images the index lists, in order, with their platforms.
    pub images: Vec<Descriptor>,
    /// The image carrying referrers (linux/amd64 in [`HELLO_REPO`]).
    pub signed: Descriptor,
    /// Its referrers: SBOM, cosign-style and notation-style signatures (with artifactType).
    pub referrers: Vec<Descriptor>,
    /// The Docker schema 2 image in [`DOCKER_REPO`] (tag `docker-v2`).
    pub docker_image: Descriptor,
    /// The Docker manifest list in [`DOCKER_REPO`] (tag `latest`).
    pub docker_list: Descriptor,
    /// The artifact in [`ARTIFACT_REPO`] (tag `release-notes`).
    pub artifact: Descriptor,
    /// The image every bulk repository holds as `latest` (when any was pushed).
    pub bulk_image: Option<Descriptor>,
    /// Repositories created: the featured ones (three, plus [`VERSIONS_REPO`] when it has tags)
    /// and the bulk ones.
    pub repository_count: usize,
    /// Tags in [`VERSIONS_REPO`] (version tags plus `latest`).
    pub tag_count: usize,
}

impl DemoSummary {
    /// References worth opening first (`demo/hello:latest`, …).
    pub fn highlights(&self) -> Vec<String> {
        vec![
            format!("{HELLO_REPO}:latest"),
            format!("{HELLO_REPO}@{}", self.signed.digest),
            format!("{DOCKER_REPO}:latest"),
            format!("{DOCKER_REPO}:docker-v2"),
            format!("{ARTIFACT_REPO}:release-notes"),
            format!("{VERSIONS_REPO}:latest"),
        ]
    }
}

/// Pushes the demo content into `spec`; see the crate documentation for what it holds.
pub async fn populate<S: Spec>(spec: &S, options: &DemoOptions) -> Result<DemoSummary, Error> {
    let showcase = showcase::push(spec).await?;
    let tag_count = bulk::versions(spec, options.tags).await?;
    let bulk_image = bulk::repositories(spec, options.repositories).await?;
    Ok(DemoSummary {
        signed: showcase.images[0].clone(),
        index: showcase.index,
        images: showcase.images,
        referrers: showcase.referrers,
        docker_image: showcase.docker_image,
        docker_list: showcase.docker_list,
        artifact: showcase.artifact,
        bulk_image,
        repository_count: 3 + usize::from(tag_count > 0) + options.repositories,
        tag_count,
    })
}
