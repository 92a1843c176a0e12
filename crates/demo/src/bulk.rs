//! Volume: thousands of small repositories under a few namespaces, and one repository with
//! thousands of version tags. Blobs are mounted from the first repository instead of re-sent.

use std::collections::BTreeMap;

use ociscope_core::spec::{Error, RepoName, Spec, Tag};
use ociscope_core::{Descriptor, Platform};
use serde_json::json;

use crate::content::tiny_layer;
use crate::image::{self, Flavor, Image, Recipe, Step};

/// Repository holding the many version tags.
pub const VERSIONS_REPO: &str = "demo/versions";

const TEAM_WORDS: [&str; 6] = ["api", "worker", "web", "billing", "search", "auth"];
const MIRROR_WORDS: [&str; 10] = [
    "alpine",
    "busybox",
    "nginx",
    "redis",
    "postgres",
    "python",
    "node",
    "golang",
    "httpd",
    "memcached",
];

/// The name of bulk repository `i`: namespaces `demo/`, `team-a/` and `mirror/library/` in turn.
pub fn repository_name(i: usize) -> String {
    let n = i / 3;
    match i % 3 {
        0 => format!("demo/service-{n:04}"),
        1 => format!("team-a/{}-{n:04}", TEAM_WORDS[n % TEAM_WORDS.len()]),
        _ => format!(
            "mirror/library/{}-{n:04}",
            MIRROR_WORDS[n % MIRROR_WORDS.len()]
        ),
    }
}

/// Tag `k` (from 1) of the versions repository: `v{major}.{minor}.{patch}`, patch < 15,
/// minor < 10, so lexical and version order differ (`v0.0.10` sorts before `v0.0.2`).
pub fn version_tag(k: usize) -> String {
    format!("v{}.{}.{}", k / 150, (k / 15) % 10, k % 15)
}

/// A one-layer image labelled `label`.
fn tiny(label: &str) -> Result<Image, Error> {
    Recipe {
        flavor: Flavor::Oci,
        platform: Platform::new("linux", "amd64"),
        steps: vec![
            Step::Layer(
                "COPY README.md /srv/tiny/ # ociscope-demo",
                tiny_layer("tiny"),
            ),
            Step::Meta(format!("LABEL org.opencontainers.image.version={label}")),
        ],
        runtime: json!({
            "Cmd": ["cat", "/srv/tiny/README.md"],
            "WorkingDir": "/srv/tiny",
            "Labels": {"org.opencontainers.image.version": label},
        }),
        annotations: BTreeMap::new(),
    }
    .build()
}

/// Pushes `count` repositories, each with one small image tagged `latest`; returns its descriptor.
pub async fn repositories<S: Spec>(spec: &S, count: usize) -> Result<Option<Descriptor>, Error> {
    let built = tiny("1.0.0")?;
    let first = RepoName::new(repository_name(0))?;
    let latest = [Tag::new("latest")?];
    let mut pushed = None;
    for i in 0..count {
        let name = RepoName::new(repository_name(i))?;
        let from = (i > 0).then_some(&first);
        pushed = Some(image::push(spec, &name, from, &built, &latest).await?);
    }
    Ok(pushed)
}

/// Pushes `count` version tags (plus `latest`) into [`VERSIONS_REPO`], one image per major
/// version; returns how many tags the repository has.
pub async fn versions<S: Spec>(spec: &S, count: usize) -> Result<usize, Error> {
    let repo = RepoName::new(VERSIONS_REPO)?;
    let mut by_major: BTreeMap<usize, Vec<Tag>> = BTreeMap::new();
    for k in 1..=count {
        by_major
            .entry(k / 150)
            .or_default()
            .push(Tag::new(version_tag(k))?);
    }
    let last_major = by_major.keys().next_back().copied();
    let mut tags = 0;
    for (major, mut names) in by_major {
        if Some(major) == last_major {
            names.push(Tag::new("latest")?);
        }
        let built = tiny(&format!("{major}.x"))?;
        image::push(spec, &repo, None, &built, &names).await?;
        tags += names.len();
    }
    Ok(tags)
}
